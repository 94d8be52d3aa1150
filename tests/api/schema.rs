//! `schema.graphql` matches the code.

#[test]
fn the_committed_schema_matches_the_code() {
    let committed = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/schema.graphql"))
        .expect("schema.graphql exists at the repository root");
    let current = nexus::graphql::export_sdl();
    assert!(
        committed == current,
        "schema.graphql is out of date: run `cargo run -- export-schema` and commit the result"
    );
}
