//! The OpenClaw workspace on disk: safe paths and the file parsers (openclaw.json, IDENTITY.md,
//! incident reports, docs, search).

pub mod config;
pub mod docs;
pub mod identity;
pub mod incident;
mod markdown;
pub mod paths;
pub mod search;
