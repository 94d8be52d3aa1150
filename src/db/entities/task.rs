//! `tasks`: units of work moving through the task state machine.

use sea_orm::entity::prelude::*;

/// A task row.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "tasks")]
pub struct Model {
    /// UUIDv7.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    /// The project.
    pub project_id: String,
    /// One line.
    pub title: String,
    /// Markdown.
    pub description: String,
    /// `BACKLOG`, `READY`, `IN_PROGRESS`, `REVIEW`, `DONE`, `BLOCKED` or `CANCELLED`.
    pub state: String,
    /// For a BLOCKED task, the state it returns to.
    pub blocked_from: Option<String>,
    /// 0 = CRITICAL, 1 = HIGH, 2 = MEDIUM, 3 = LOW.
    pub priority: i32,
    /// The priority as written (`P0`, `urgent`, `!!`).
    pub priority_label: String,
    /// The OpenClaw agent working on it.
    pub assignee_id: Option<String>,
    /// Due date.
    pub due_date: Option<Date>,
    /// JSON array of label strings.
    pub labels: String,
    /// Bumped by every change; writes name the version they saw.
    pub version: i32,
    /// Creation time.
    pub created_at: DateTimeUtc,
    /// Last change.
    pub updated_at: DateTimeUtc,
    /// When the task entered its current state.
    pub state_changed_at: DateTimeUtc,
    /// When the task first became READY.
    pub ready_at: Option<DateTimeUtc>,
    /// When the task was approved.
    pub done_at: Option<DateTimeUtc>,
    /// READY → DONE, in seconds.
    pub cycle_seconds: Option<i64>,
    /// Title and description lower-cased (Unicode) for text search: SQLite's `LOWER` folds
    /// ASCII only. Written by the tasks service with `input::search_text`.
    pub search_text: String,
}

/// Relations.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    /// The project.
    #[sea_orm(belongs_to = "super::project::Entity", from = "Column::ProjectId", to = "super::project::Column::Id")]
    Project,
    /// The task's activity log.
    #[sea_orm(has_many = "super::activity_entry::Entity")]
    Activity,
}

impl Related<super::project::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Project.def()
    }
}

impl Related<super::activity_entry::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Activity.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
