//! The GraphQL API: schema roots merged from one module per domain, errors, extensions.

pub mod activity;
pub mod auth;
pub mod connection;
pub mod dashboard;
pub mod docs;
pub mod errors;
pub mod extensions;
pub mod guards;
pub mod ids;
pub mod incidents;
pub mod loaders;
pub mod memory;
pub mod operations;
pub mod pagination;
pub mod projects;
pub mod schema;
pub mod status;
pub mod tasks;
pub mod team;
pub mod users;
pub mod workspace;

pub use schema::{build_schema, export_sdl, NexusSchema};
