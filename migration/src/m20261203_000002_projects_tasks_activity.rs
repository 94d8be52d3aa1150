//! Projects, tasks and the activity log.
//!
//! Every filter and sort the API offers has an index: projects by slug (unique), status and
//! archive time; tasks by project, state (with the time they entered it), priority, assignee and
//! completion time; activity entries by project, task and kind. Name and text search use
//! `LOWER(column) LIKE '%…%'`, which no B-tree index serves on either database; those scans are
//! bounded by the other filters and the page size.
//!
//! Durations the operations snapshot needs (cycle time, time spent in a state) are stored as whole
//! seconds when they happen, so that aggregates need no date arithmetic, which SQLite and
//! PostgreSQL spell differently.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Projects {
    Table,
    Id,
    Slug,
    Name,
    Description,
    Status,
    LeadAgentId,
    Version,
    CreatedAt,
    UpdatedAt,
    ArchivedAt,
}

#[derive(DeriveIden)]
enum Tasks {
    Table,
    Id,
    ProjectId,
    Title,
    Description,
    State,
    BlockedFrom,
    Priority,
    PriorityLabel,
    AssigneeId,
    DueDate,
    Labels,
    Version,
    CreatedAt,
    UpdatedAt,
    StateChangedAt,
    ReadyAt,
    DoneAt,
    CycleSeconds,
}

#[derive(DeriveIden)]
enum ActivityEntries {
    Table,
    Id,
    ProjectId,
    TaskId,
    Kind,
    ActorKind,
    ActorId,
    Summary,
    Detail,
    FromState,
    ToState,
    ElapsedSeconds,
    CreatedAt,
}

/// A plain (non-unique) index over `cols`.
fn index(name: &str, table: impl IntoTableRef, cols: Vec<DynIden>) -> IndexCreateStatement {
    let mut stmt = Index::create();
    stmt.name(name).table(table);
    for col in cols {
        stmt.col(col);
    }
    stmt.to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Projects::Table)
                    .col(ColumnDef::new(Projects::Id).string_len(36).not_null().primary_key())
                    .col(ColumnDef::new(Projects::Slug).string_len(64).not_null())
                    .col(ColumnDef::new(Projects::Name).string_len(120).not_null())
                    .col(ColumnDef::new(Projects::Description).text().not_null())
                    .col(ColumnDef::new(Projects::Status).string_len(16).not_null())
                    .col(ColumnDef::new(Projects::LeadAgentId).string_len(64).null())
                    .col(ColumnDef::new(Projects::Version).integer().not_null())
                    .col(ColumnDef::new(Projects::CreatedAt).timestamp_with_time_zone().not_null())
                    .col(ColumnDef::new(Projects::UpdatedAt).timestamp_with_time_zone().not_null())
                    .col(ColumnDef::new(Projects::ArchivedAt).timestamp_with_time_zone().null())
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("projects_slug_key")
                    .table(Projects::Table)
                    .col(Projects::Slug)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager.create_index(index("projects_status_idx", Projects::Table, vec![Projects::Status.into_iden()])).await?;
        manager
            .create_index(index("projects_archived_idx", Projects::Table, vec![Projects::ArchivedAt.into_iden()]))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Tasks::Table)
                    .col(ColumnDef::new(Tasks::Id).string_len(36).not_null().primary_key())
                    .col(ColumnDef::new(Tasks::ProjectId).string_len(36).not_null())
                    .col(ColumnDef::new(Tasks::Title).string_len(200).not_null())
                    .col(ColumnDef::new(Tasks::Description).text().not_null())
                    .col(ColumnDef::new(Tasks::State).string_len(16).not_null())
                    // The state a BLOCKED task returns to when unblocked.
                    .col(ColumnDef::new(Tasks::BlockedFrom).string_len(16).null())
                    // 0 = CRITICAL … 3 = LOW, so that "highest priority first" is an index scan.
                    .col(ColumnDef::new(Tasks::Priority).integer().not_null())
                    // The label as the author wrote it (`P0`, `urgent`, `!!`).
                    .col(ColumnDef::new(Tasks::PriorityLabel).string_len(32).not_null())
                    .col(ColumnDef::new(Tasks::AssigneeId).string_len(64).null())
                    .col(ColumnDef::new(Tasks::DueDate).date().null())
                    // A JSON array of strings.
                    .col(ColumnDef::new(Tasks::Labels).text().not_null())
                    .col(ColumnDef::new(Tasks::Version).integer().not_null())
                    .col(ColumnDef::new(Tasks::CreatedAt).timestamp_with_time_zone().not_null())
                    .col(ColumnDef::new(Tasks::UpdatedAt).timestamp_with_time_zone().not_null())
                    .col(ColumnDef::new(Tasks::StateChangedAt).timestamp_with_time_zone().not_null())
                    .col(ColumnDef::new(Tasks::ReadyAt).timestamp_with_time_zone().null())
                    .col(ColumnDef::new(Tasks::DoneAt).timestamp_with_time_zone().null())
                    // READY → DONE in seconds, set when the task is approved.
                    .col(ColumnDef::new(Tasks::CycleSeconds).big_integer().null())
                    .foreign_key(
                        ForeignKey::create()
                            .name("tasks_project_fk")
                            .from(Tasks::Table, Tasks::ProjectId)
                            .to(Projects::Table, Projects::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "tasks_project_idx",
                Tasks::Table,
                vec![Tasks::ProjectId.into_iden(), Tasks::Id.into_iden()],
            ))
            .await?;
        manager
            .create_index(index(
                "tasks_state_idx",
                Tasks::Table,
                vec![Tasks::State.into_iden(), Tasks::StateChangedAt.into_iden()],
            ))
            .await?;
        manager
            .create_index(index(
                "tasks_ready_queue_idx",
                Tasks::Table,
                vec![Tasks::State.into_iden(), Tasks::Priority.into_iden(), Tasks::CreatedAt.into_iden()],
            ))
            .await?;
        manager
            .create_index(index(
                "tasks_assignee_idx",
                Tasks::Table,
                vec![Tasks::AssigneeId.into_iden(), Tasks::State.into_iden()],
            ))
            .await?;
        manager.create_index(index("tasks_priority_idx", Tasks::Table, vec![Tasks::Priority.into_iden()])).await?;
        manager.create_index(index("tasks_done_idx", Tasks::Table, vec![Tasks::DoneAt.into_iden()])).await?;

        manager
            .create_table(
                Table::create()
                    .table(ActivityEntries::Table)
                    .col(ColumnDef::new(ActivityEntries::Id).string_len(36).not_null().primary_key())
                    .col(ColumnDef::new(ActivityEntries::ProjectId).string_len(36).not_null())
                    .col(ColumnDef::new(ActivityEntries::TaskId).string_len(36).null())
                    .col(ColumnDef::new(ActivityEntries::Kind).string_len(32).not_null())
                    // USER, AGENT or SYSTEM; the id is a user id or an agent id.
                    .col(ColumnDef::new(ActivityEntries::ActorKind).string_len(8).not_null())
                    .col(ColumnDef::new(ActivityEntries::ActorId).string_len(64).null())
                    .col(ColumnDef::new(ActivityEntries::Summary).string_len(500).not_null())
                    .col(ColumnDef::new(ActivityEntries::Detail).text().null())
                    .col(ColumnDef::new(ActivityEntries::FromState).string_len(16).null())
                    .col(ColumnDef::new(ActivityEntries::ToState).string_len(16).null())
                    // Seconds the task spent in `from_state` before this transition.
                    .col(ColumnDef::new(ActivityEntries::ElapsedSeconds).big_integer().null())
                    .col(ColumnDef::new(ActivityEntries::CreatedAt).timestamp_with_time_zone().not_null())
                    .foreign_key(
                        ForeignKey::create()
                            .name("activity_entries_project_fk")
                            .from(ActivityEntries::Table, ActivityEntries::ProjectId)
                            .to(Projects::Table, Projects::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("activity_entries_task_fk")
                            .from(ActivityEntries::Table, ActivityEntries::TaskId)
                            .to(Tasks::Table, Tasks::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "activity_entries_project_idx",
                ActivityEntries::Table,
                vec![ActivityEntries::ProjectId.into_iden(), ActivityEntries::Id.into_iden()],
            ))
            .await?;
        manager
            .create_index(index(
                "activity_entries_task_idx",
                ActivityEntries::Table,
                vec![ActivityEntries::TaskId.into_iden(), ActivityEntries::Id.into_iden()],
            ))
            .await?;
        manager
            .create_index(index(
                "activity_entries_kind_idx",
                ActivityEntries::Table,
                vec![ActivityEntries::Kind.into_iden(), ActivityEntries::CreatedAt.into_iden()],
            ))
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(ActivityEntries::Table).to_owned()).await?;
        manager.drop_table(Table::drop().table(Tasks::Table).to_owned()).await?;
        manager.drop_table(Table::drop().table(Projects::Table).to_owned()).await
    }
}
