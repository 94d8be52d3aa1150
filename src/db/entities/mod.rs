//! SeaORM entities, one file per table. API types live in `graphql/`, never here.

pub mod activity_entry;
pub mod agent_activity_entry;
pub mod project;
pub mod refresh_token;
pub mod refresh_token_family;
pub mod task;
pub mod user;
