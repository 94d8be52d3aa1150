//! The OpenClaw workspace on disk: safe paths, the file parsers (openclaw.json, IDENTITY.md,
//! incident reports, docs), bounded reads and atomic writes, the cached snapshot of everything
//! parsed, and the watcher that keeps it current.
//!
//! Nothing here knows GraphQL; the domain services (`services::team`, `memory`, `docs`,
//! `incidents`) apply the rules on top.

pub mod config;
pub mod docs;
pub mod files;
pub mod identity;
pub mod incident;
mod markdown;
pub mod paths;
pub mod search;
pub mod snapshot;
mod store;
mod watch;

pub use store::{TaskFailed, Workspace, WorkspaceSettings};
