//! `agent_activity_entries`: changes Nexus made to agent workspace files, and who made them.

use sea_orm::entity::prelude::*;

/// An agent-activity row.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "agent_activity_entries")]
pub struct Model {
    /// UUIDv7: ordering by id is ordering by time.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    /// The agent whose workspace changed.
    pub agent_id: String,
    /// What happened (`AGENT_FILE_UPDATED`).
    pub kind: String,
    /// The file, relative to the agent's workspace.
    pub path: String,
    /// `USER`, `AGENT` or `SYSTEM`.
    pub actor_kind: String,
    /// The user id (for `USER`).
    pub actor_id: Option<String>,
    /// One readable sentence.
    pub summary: String,
    /// SHA-256 of the content written.
    pub content_hash: Option<String>,
    /// When it happened.
    pub created_at: DateTimeUtc,
}

/// No relations: the agent lives in the workspace files, not the database.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
