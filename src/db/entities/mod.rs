//! SeaORM entities, one file per table. API types live in `graphql/`, never here.
