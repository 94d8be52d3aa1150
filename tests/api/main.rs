//! Integration tests: the real server over HTTP and WebSocket, on SQLite and on PostgreSQL.

mod support;

mod auth;
mod browser;
mod cli;
mod docs;
mod errors;
mod http_spec;
mod incidents;
mod limits;
mod memory;
mod schema;
mod subscriptions;
mod team;
mod workspace;
