//! Indexes that serve the filtered lists in the order they are paged.
//!
//! `projects` and `tasks` page newest first (`ORDER BY id DESC`, ids are UUIDv7). With a filter on
//! state, priority, assignee or project status, an index on `(filter column, id)` lets the
//! database walk the matching rows already in page order and stop after one page, instead of
//! collecting every match and sorting it.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Tasks {
    Table,
    Id,
    State,
    Priority,
    AssigneeId,
}

#[derive(DeriveIden)]
enum Projects {
    Table,
    Id,
    Status,
}

/// `(name, table, filter column)`: each index is `(filter column, id)`.
fn indexes() -> Vec<(&'static str, DynIden, DynIden)> {
    vec![
        ("tasks_state_id_idx", Tasks::Table.into_iden(), Tasks::State.into_iden()),
        ("tasks_priority_id_idx", Tasks::Table.into_iden(), Tasks::Priority.into_iden()),
        ("tasks_assignee_id_idx", Tasks::Table.into_iden(), Tasks::AssigneeId.into_iden()),
        ("projects_status_id_idx", Projects::Table.into_iden(), Projects::Status.into_iden()),
    ]
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for (name, table, column) in indexes() {
            let id: DynIden = if name.starts_with("tasks") { Tasks::Id.into_iden() } else { Projects::Id.into_iden() };
            manager.create_index(Index::create().name(name).table(table).col(column).col(id).to_owned()).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for (name, table, _) in indexes() {
            manager.drop_index(Index::drop().name(name).table(table).to_owned()).await?;
        }
        Ok(())
    }
}
