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

/// Every type, field, argument, input field and enum value of the schema carries a description:
/// the schema is the API's documentation (GraphiQL shows it), so nothing may go undocumented.
#[test]
fn every_type_field_argument_and_enum_value_is_documented() {
    use async_graphql::parser::types::{TypeKind, TypeSystemDefinition};
    use async_graphql::parser::Positioned;

    fn missing(description: &Option<Positioned<String>>) -> bool {
        description.as_ref().is_none_or(|d| d.node.trim().is_empty())
    }
    // Scalars the library defines.
    const BUILT_IN: [&str; 7] = ["String", "Int", "Float", "Boolean", "ID", "Date", "DateTime"];

    let sdl = nexus::graphql::export_sdl();
    let doc = async_graphql::parser::parse_schema(&sdl).expect("the exported SDL parses");
    let mut undocumented = Vec::new();
    for def in &doc.definitions {
        let TypeSystemDefinition::Type(ty) = def else { continue };
        let name = ty.node.name.node.as_str();
        if name.starts_with("__") || BUILT_IN.contains(&name) {
            continue;
        }
        if missing(&ty.node.description) {
            undocumented.push(format!("type {name}"));
        }
        match &ty.node.kind {
            TypeKind::Object(o) => {
                for f in &o.fields {
                    let field = f.node.name.node.as_str();
                    if missing(&f.node.description) {
                        undocumented.push(format!("{name}.{field}"));
                    }
                    for a in &f.node.arguments {
                        if missing(&a.node.description) {
                            undocumented.push(format!("{name}.{field}({})", a.node.name.node));
                        }
                    }
                }
            }
            TypeKind::InputObject(i) => {
                for f in &i.fields {
                    if missing(&f.node.description) {
                        undocumented.push(format!("{name}.{}", f.node.name.node));
                    }
                }
            }
            TypeKind::Enum(e) => {
                for v in &e.values {
                    if missing(&v.node.description) {
                        undocumented.push(format!("{name}.{}", v.node.value.node));
                    }
                }
            }
            TypeKind::Scalar | TypeKind::Interface(_) | TypeKind::Union(_) => {}
        }
    }
    assert!(undocumented.is_empty(), "undocumented schema items:\n{}", undocumented.join("\n"));
}
