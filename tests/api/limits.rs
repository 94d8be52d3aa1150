//! Depth, complexity and alias limits are checked before anything executes.

use serde_json::json;

use crate::both_databases;
use crate::support::{spawn_app_with, Backend};

async fn a_document_over_the_depth_limit_is_rejected_before_execution(backend: Backend) {
    let app = spawn_app_with(backend, &[("NEXUS_QUERY_DEPTH_LIMIT", "3")]).await;
    let deep = "{ __schema { types { fields { type { name } } } } }";
    let resp = app.gql(deep, json!(null)).await;
    assert_eq!(resp.status, 400, "{}", resp.body);
    assert!(resp.body.get("data").is_none());
    assert!(resp.error_message().contains("nested too deep"), "{}", resp.error_message());
    assert_eq!(resp.error_code(), Some("QUERY_TOO_LARGE"));

    // A hostile document nested far beyond any limit never reaches the recursive parser.
    let hostile = format!("{}{}", "{ a ".repeat(50_000), "}".repeat(50_000));
    let resp = app.gql(&hostile, json!(null)).await;
    assert_eq!(resp.status, 400);
    assert_eq!(resp.error_code(), Some("QUERY_TOO_LARGE"));
}

async fn a_document_over_the_complexity_limit_is_rejected_before_execution(backend: Backend) {
    let app =
        spawn_app_with(backend, &[("NEXUS_QUERY_COMPLEXITY_LIMIT", "10"), ("NEXUS_QUERY_ALIAS_LIMIT", "100")]).await;
    let fields: String = (0..12).map(|i| format!("s{i}: serverStatus {{ version }} ")).collect();
    let resp = app.gql(&format!("{{ {fields} }}"), json!(null)).await;
    assert_eq!(resp.status, 400, "{}", resp.body);
    assert!(resp.body.get("data").is_none());
    assert!(resp.error_message().contains("too complex"), "{}", resp.error_message());
    assert!(resp.error_message().contains("10"), "names the limit: {}", resp.error_message());
}

async fn hundreds_of_aliases_are_rejected_before_execution(backend: Backend) {
    let app = spawn_app_with(backend, &[]).await;
    let fields: String = (0..300).map(|i| format!("a{i}: __typename ")).collect();
    let resp = app.gql(&format!("{{ {fields} }}"), json!(null)).await;
    assert_eq!(resp.status, 400, "{}", resp.body);
    assert!(resp.body.get("data").is_none());
    assert!(resp.error_message().contains("300 aliases"), "{}", resp.error_message());
    assert!(resp.error_message().contains("at most 50"), "{}", resp.error_message());

    // Within the limit it runs.
    let fields: String = (0..10).map(|i| format!("a{i}: __typename ")).collect();
    let resp = app.gql(&format!("{{ {fields} }}"), json!(null)).await;
    assert_eq!(resp.data()["a9"], "Query");

    // Aliases hidden in a fragment count every time it is spread: 10 spreads × 10 aliases.
    let inner: String = (0..10).map(|i| format!("b{i}: __typename ")).collect();
    let spreads: String = (0..10).map(|i| format!("s{i}: serverStatus {{ ...F }} ")).collect();
    let resp = app.gql(&format!("{{ {spreads} }} fragment F on ServerStatus {{ {inner} }}"), json!(null)).await;
    assert_eq!(resp.status, 400, "{}", resp.body);
    assert!(resp.error_message().contains("110 aliases"), "{}", resp.error_message());
}

both_databases!(
    a_document_over_the_depth_limit_is_rejected_before_execution,
    a_document_over_the_complexity_limit_is_rejected_before_execution,
    hundreds_of_aliases_are_rejected_before_execution,
);
