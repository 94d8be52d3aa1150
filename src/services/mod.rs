//! Domain services: the rules and transactions of each domain, free of GraphQL and HTTP types.

pub mod activity;
pub mod auth;
pub mod clock;
pub mod dashboard;
pub mod demo;
pub mod input;
pub mod operations;
pub mod pagination;
pub mod projects;
pub mod status;
pub mod tasks;
pub mod users;
