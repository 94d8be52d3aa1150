//! A lower-cased search column on tasks and projects.
//!
//! The text search used `LOWER(column) LIKE …`, and SQLite's `LOWER` folds ASCII only: a search
//! for "überprüfung" never found "Überprüfung". Nexus now writes the searchable text lower-cased
//! by Rust (`str::to_lowercase`, Unicode) into `search_text` and compares against that, on both
//! databases alike. This migration adds the column and fills it for the rows already there, with
//! the same rule as `nexus::services::input::search_text`: the parts lower-cased, joined by `\n`.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, Value};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone, Copy)]
enum Tasks {
    Table,
    Id,
    Title,
    Description,
    SearchText,
}

#[derive(DeriveIden, Clone, Copy)]
enum Projects {
    Table,
    Id,
    Name,
    Slug,
    SearchText,
}

/// What `search_text` holds for these parts (mirrors `nexus::services::input::search_text`).
fn search_text(parts: &[&str]) -> String {
    parts.iter().map(|p| p.to_lowercase()).collect::<Vec<_>>().join("\n")
}

/// Adds `search_text` to `table` and fills it from the two `source` columns of every row.
async fn add_and_fill<T: Iden + Copy + 'static>(
    manager: &SchemaManager<'_>,
    table: T,
    id: T,
    source: [T; 2],
    column: T,
) -> Result<(), DbErr> {
    manager
        .alter_table(
            Table::alter().table(table).add_column(ColumnDef::new(column).text().not_null().default("")).to_owned(),
        )
        .await?;
    let db = manager.get_connection();
    let backend = manager.get_database_backend();
    let select = Query::select().columns([id, source[0], source[1]]).from(table).to_owned();
    for row in db.query_all(backend.build(&select)).await? {
        let key: String = row.try_get("", &id.to_string())?;
        let a: String = row.try_get("", &source[0].to_string())?;
        let b: String = row.try_get("", &source[1].to_string())?;
        let update = Query::update()
            .table(table)
            .value(column, Value::from(search_text(&[&a, &b])))
            .and_where(Expr::col(id).eq(key))
            .to_owned();
        db.execute(backend.build(&update)).await?;
    }
    Ok(())
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        add_and_fill(manager, Tasks::Table, Tasks::Id, [Tasks::Title, Tasks::Description], Tasks::SearchText).await?;
        add_and_fill(manager, Projects::Table, Projects::Id, [Projects::Name, Projects::Slug], Projects::SearchText)
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.alter_table(Table::alter().table(Tasks::Table).drop_column(Tasks::SearchText).to_owned()).await?;
        manager.alter_table(Table::alter().table(Projects::Table).drop_column(Projects::SearchText).to_owned()).await
    }
}
