//! Database migrations for Nexus, applied at start-up and by `nexus migrate`.
//!
//! Every migration runs on SQLite and PostgreSQL; timestamps are `timestamp with time zone`
//! (text on SQLite), ids are sortable UUIDv7 strings.

pub use sea_orm_migration::prelude::*;

mod m20261203_000001_users_and_sessions;
mod m20261203_000002_projects_tasks_activity;
mod m20261203_000003_agent_activity;
mod m20261204_000010_session_revocations;
mod m20261204_000020_list_order_indexes;
mod m20261204_000030_search_text;

/// The ordered list of migrations.
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261203_000001_users_and_sessions::Migration),
            Box::new(m20261203_000002_projects_tasks_activity::Migration),
            Box::new(m20261203_000003_agent_activity::Migration),
            Box::new(m20261204_000010_session_revocations::Migration),
            Box::new(m20261204_000020_list_order_indexes::Migration),
            Box::new(m20261204_000030_search_text::Migration),
        ]
    }
}
