//! Server status: uptime, version, database reachability and schema version.

use std::time::Instant;

use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, DbErr, Statement};

/// Errors of the status service.
#[derive(Debug, thiserror::Error)]
pub enum StatusError {
    /// The database failed.
    #[error("database error: {0}")]
    Database(#[from] DbErr),
}

/// A point-in-time view of the server.
#[derive(Debug, Clone)]
pub struct ServerStatus {
    /// Crate version.
    pub version: &'static str,
    /// When the process started.
    pub started_at: DateTime<Utc>,
    /// Seconds since start.
    pub uptime_seconds: u64,
    /// Now, as the server sees it.
    pub now: DateTime<Utc>,
}

/// Reads server status.
#[derive(Clone)]
pub struct StatusService {
    db: DatabaseConnection,
    started: Instant,
    started_at: DateTime<Utc>,
}

impl StatusService {
    /// Creates the service; the start time is now.
    pub fn new(db: DatabaseConnection) -> Self {
        Self { db, started: Instant::now(), started_at: Utc::now() }
    }

    /// The current status (no I/O).
    pub fn current(&self) -> ServerStatus {
        ServerStatus {
            version: env!("CARGO_PKG_VERSION"),
            started_at: self.started_at,
            uptime_seconds: self.started.elapsed().as_secs(),
            now: Utc::now(),
        }
    }

    /// `sqlite` or `postgres`.
    pub fn database_backend(&self) -> &'static str {
        match self.db.get_database_backend() {
            DbBackend::Postgres => "postgres",
            DbBackend::Sqlite => "sqlite",
            DbBackend::MySql => "mysql",
        }
    }

    /// The newest applied migration, read from the migrations table.
    #[tracing::instrument(skip(self))]
    pub async fn schema_version(&self) -> Result<Option<String>, StatusError> {
        let stmt = Statement::from_string(
            self.db.get_database_backend(),
            "SELECT version FROM seaql_migrations ORDER BY version DESC LIMIT 1",
        );
        let row = self.db.query_one(stmt).await?;
        Ok(row.map(|r| r.try_get::<String>("", "version")).transpose()?)
    }

    /// Whether the database answers.
    pub async fn database_ok(&self) -> bool {
        self.db.ping().await.is_ok()
    }
}
