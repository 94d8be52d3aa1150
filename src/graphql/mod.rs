//! The GraphQL API: schema roots merged from one module per domain, errors, extensions.

pub mod auth;
pub mod connection;
pub mod docs;
pub mod errors;
pub mod extensions;
pub mod guards;
pub mod incidents;
pub mod memory;
pub mod schema;
pub mod status;
pub mod team;
pub mod users;
pub mod workspace;

pub use schema::{build_schema, export_sdl, NexusSchema};
