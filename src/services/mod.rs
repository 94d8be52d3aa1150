//! Domain services: the rules and transactions of each domain, free of GraphQL and HTTP types.

pub mod auth;
pub mod status;
pub mod tasks;
