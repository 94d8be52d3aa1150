//! Integration tests: the real server over HTTP and WebSocket, on SQLite and on PostgreSQL.

mod support;

mod auth;
mod browser;
mod cli;
mod dashboard;
mod demo;
mod errors;
mod http_spec;
mod limits;
mod live;
mod projects;
mod schema;
mod statement_counts;
mod subscriptions;
mod tasks;
