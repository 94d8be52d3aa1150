//! SeaORM entities, one file per table. API types live in `graphql/`, never here.

pub mod refresh_token;
pub mod refresh_token_family;
pub mod user;
