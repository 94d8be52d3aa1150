//! Integration tests: the real server over HTTP and WebSocket, on SQLite and on PostgreSQL.

mod support;

mod auth;
mod browser;
mod cli;
mod errors;
mod http_spec;
mod limits;
mod schema;
mod subscriptions;
