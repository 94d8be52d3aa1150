//! Integration tests: the real server over HTTP and WebSocket, on SQLite and on PostgreSQL.

mod support;

mod auth;
mod browser;
mod cli;
mod dashboard;
mod demo;
mod docs;
mod errors;
mod http_spec;
mod incidents;
mod limits;
mod live;
mod memory;
mod projects;
mod schema;
mod statement_counts;
mod subscriptions;
mod tasks;
mod team;
mod workspace;
