//! The GraphQL API: schema roots merged from one module per domain, errors, extensions.

pub mod auth;
pub mod errors;
pub mod extensions;
pub mod guards;
pub mod schema;
pub mod status;
pub mod users;

pub use schema::{build_schema, export_sdl, NexusSchema};
