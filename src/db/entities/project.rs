//! `projects`: a body of work with a slug, a lead agent and a status.

use sea_orm::entity::prelude::*;

/// A project row.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "projects")]
pub struct Model {
    /// UUIDv7.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    /// URL-safe unique name (`gateway-hardening`).
    pub slug: String,
    /// Display name.
    pub name: String,
    /// Markdown description.
    pub description: String,
    /// `ACTIVE`, `ON_HOLD` or `COMPLETED`.
    pub status: String,
    /// The OpenClaw agent leading the project.
    pub lead_agent_id: Option<String>,
    /// Bumped by every change; writes name the version they saw.
    pub version: i32,
    /// Creation time.
    pub created_at: DateTimeUtc,
    /// Last change.
    pub updated_at: DateTimeUtc,
    /// When the project was archived, if it is.
    pub archived_at: Option<DateTimeUtc>,
    /// Name and slug lower-cased (Unicode) for text search: SQLite's `LOWER` folds ASCII only.
    /// Written by the projects service with `input::search_text`.
    pub search_text: String,
}

/// Relations.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    /// The project's tasks.
    #[sea_orm(has_many = "super::task::Entity")]
    Tasks,
    /// The project's activity log.
    #[sea_orm(has_many = "super::activity_entry::Entity")]
    Activity,
}

impl Related<super::task::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Tasks.def()
    }
}

impl Related<super::activity_entry::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Activity.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
