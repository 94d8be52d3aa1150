//! Hand-written SQL for the statements the query builder does not express well (window
//! functions over batches, the one-statement dashboard), with the right placeholder style for
//! each backend.

use sea_orm::{DbBackend, Statement, Value};

/// A SQL text under construction plus its bound values.
pub struct RawSql {
    backend: DbBackend,
    sql: String,
    values: Vec<Value>,
}

impl RawSql {
    /// An empty statement for `backend`.
    pub fn new(backend: DbBackend) -> Self {
        Self { backend, sql: String::with_capacity(256), values: Vec::new() }
    }

    /// Appends SQL text (never user input: that goes through [`RawSql::bind`]).
    pub fn push(&mut self, sql: &str) -> &mut Self {
        self.sql.push_str(sql);
        self
    }

    /// Appends a placeholder bound to `value`.
    pub fn bind(&mut self, value: impl Into<Value>) -> &mut Self {
        self.values.push(value.into());
        match self.backend {
            DbBackend::Postgres => {
                self.sql.push('$');
                self.sql.push_str(&self.values.len().to_string());
            }
            _ => self.sql.push('?'),
        }
        self
    }

    /// Appends `(p1, p2, …)` bound to `values`; `(NULL)` for none, which matches nothing.
    pub fn bind_list<V: Into<Value>>(&mut self, values: impl IntoIterator<Item = V>) -> &mut Self {
        self.sql.push('(');
        let mut any = false;
        for v in values {
            if any {
                self.sql.push_str(", ");
            }
            self.bind(v);
            any = true;
        }
        if !any {
            self.sql.push_str("NULL");
        }
        self.sql.push(')');
        self
    }

    /// The finished statement.
    pub fn build(self) -> Statement {
        Statement::from_sql_and_values(self.backend, self.sql, self.values)
    }
}

/// An SQL expression for the UTC calendar day (`YYYY-MM-DD`) of a timestamp column.
///
/// SQLite stores timestamps as RFC 3339 text in UTC, so the day is the first ten characters;
/// PostgreSQL formats its `timestamptz` in UTC.
pub fn utc_day(backend: DbBackend, column: &str) -> String {
    match backend {
        DbBackend::Postgres => format!("to_char({column} AT TIME ZONE 'UTC', 'YYYY-MM-DD')"),
        _ => format!("substr({column}, 1, 10)"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_follow_the_backend() {
        let mut q = RawSql::new(DbBackend::Postgres);
        q.push("SELECT 1 WHERE a = ").bind(1).push(" AND b IN ").bind_list(["x", "y"]);
        assert_eq!(q.build().sql, "SELECT 1 WHERE a = $1 AND b IN ($2, $3)");
        let mut q = RawSql::new(DbBackend::Sqlite);
        q.push("SELECT 1 WHERE b IN ").bind_list(Vec::<String>::new()).push(" AND a = ").bind(1);
        assert_eq!(q.build().sql, "SELECT 1 WHERE b IN (NULL) AND a = ?");
    }
}
