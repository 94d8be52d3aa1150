//! Nexus: mission control for a team of OpenClaw AI agents — a GraphQL API server.

/// Application state: builds every service once.
pub mod app;
/// Typed configuration from the environment.
pub mod config;
/// Database connection, migrations, entities and the transaction helper.
pub mod db;
/// Domain events and the bus that carries them (in-process or Postgres LISTEN/NOTIFY).
pub mod events;
/// The GraphQL schema: one module per domain, error mapping, extensions.
pub mod graphql;
/// HTTP: router, middleware, GraphQL over HTTP and WebSocket, health, static assets.
pub mod http;
/// Domain services: rules and transactions, no GraphQL or HTTP types.
pub mod services;
/// Logging set-up.
pub mod telemetry;
/// The OpenClaw workspace on disk: safe paths, parsers, atomic writes, the cached snapshot, the watcher.
pub mod workspace;
