//! `activity_entries`: the append-only log of what happened to projects and tasks, and who did it.

use sea_orm::entity::prelude::*;

/// An activity row.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "activity_entries")]
pub struct Model {
    /// UUIDv7: ordering by id is ordering by time.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    /// The project.
    pub project_id: String,
    /// The task, for task events.
    pub task_id: Option<String>,
    /// What happened (`TASK_APPROVED`, `PROJECT_CREATED`, …).
    pub kind: String,
    /// `USER`, `AGENT` or `SYSTEM`.
    pub actor_kind: String,
    /// The user id or agent id.
    pub actor_id: Option<String>,
    /// One readable sentence.
    pub summary: String,
    /// Reason or comment given with the change.
    pub detail: Option<String>,
    /// State before a transition.
    pub from_state: Option<String>,
    /// State after a transition.
    pub to_state: Option<String>,
    /// Seconds spent in `from_state`.
    pub elapsed_seconds: Option<i64>,
    /// When it happened.
    pub created_at: DateTimeUtc,
}

/// Relations.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    /// The project.
    #[sea_orm(belongs_to = "super::project::Entity", from = "Column::ProjectId", to = "super::project::Column::Id")]
    Project,
    /// The task.
    #[sea_orm(belongs_to = "super::task::Entity", from = "Column::TaskId", to = "super::task::Column::Id")]
    Task,
}

impl Related<super::project::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Project.def()
    }
}

impl Related<super::task::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Task.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
