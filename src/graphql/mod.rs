//! The GraphQL API: schema roots merged from one module per domain, errors, extensions.

pub mod activity;
pub mod auth;
pub mod dashboard;
pub mod errors;
pub mod extensions;
pub mod guards;
pub mod ids;
pub mod loaders;
pub mod operations;
pub mod pagination;
pub mod projects;
pub mod schema;
pub mod status;
pub mod tasks;
pub mod users;

pub use schema::{build_schema, export_sdl, NexusSchema};
