//! Internal failures reach the client only as INTERNAL plus a request id; the cause is logged.

use sea_orm::ConnectionTrait;
use serde_json::json;

use crate::both_databases;
use crate::support::{logs, spawn_app, spawn_app_with, Backend};

async fn a_database_failure_reaches_the_client_only_as_internal_with_a_request_id(backend: Backend) {
    let app = spawn_app(backend).await;
    // Sabotage: the table the field reads disappears underneath the running server.
    app.state.db.execute_unprepared("DROP TABLE seaql_migrations").await.unwrap();

    let owner = app.owner().await;
    let resp = app.gql_as(Some(&owner.token), "{ databaseStatus { schemaVersion } }", json!(null)).await;
    assert_eq!(resp.status, 200);
    assert_eq!(resp.error_code(), Some("INTERNAL"), "{}", resp.body);
    let request_id = resp.body["errors"][0]["extensions"]["requestId"].as_str().expect("requestId").to_owned();
    assert_eq!(resp.headers["x-request-id"].to_str().unwrap(), request_id);
    let text = resp.body.to_string().to_lowercase();
    for leak in ["seaql", "table", "sql", "relation", "such", "/", ".rs"] {
        assert!(!resp.error_message().to_lowercase().contains(leak), "leaked `{leak}`: {text}");
    }

    // The cause is in the log, on a line that carries the same request id.
    let log = logs().contents();
    let line = log
        .lines()
        .find(|l| l.contains(&request_id) && l.contains("internal error"))
        .unwrap_or_else(|| panic!("no log line for {request_id} in:\n{log}"));
    assert!(line.contains("seaql_migrations"), "{line}");
}

/// The same over the WebSocket: the operation's id (`<connection request id>:<operation id>`) is
/// the one on the log line.
async fn a_database_failure_over_the_websocket_is_logged_with_the_operations_request_id(backend: Backend) {
    let app = spawn_app(backend).await;
    let owner = app.owner().await;
    app.state.db.execute_unprepared("DROP TABLE seaql_migrations").await.unwrap();

    let answer = app.ws_once(&owner.token, "{ databaseStatus { schemaVersion } }").await;
    assert_eq!(answer["errors"][0]["extensions"]["code"], "INTERNAL", "{answer}");
    let request_id = answer["errors"][0]["extensions"]["requestId"].as_str().expect("requestId").to_owned();
    assert!(request_id.ends_with(":1"), "{request_id}");
    assert!(!answer.to_string().contains("seaql"), "{answer}");

    let log = logs().contents();
    let line = log
        .lines()
        .find(|l| l.contains(&request_id) && l.contains("internal error"))
        .unwrap_or_else(|| panic!("no log line for {request_id} in:\n{log}"));
    assert!(line.contains("seaql_migrations"), "{line}");
}

/// Every pooled connection busy: the request waits `NEXUS_DB_ACQUIRE_TIMEOUT_SECS`, then gets
/// UNAVAILABLE (retryable), not INTERNAL and not a hang; once a connection is free it works again.
async fn a_database_with_no_free_connection_is_unavailable_and_then_recovers(backend: Backend) {
    use sea_orm::TransactionTrait;
    let app =
        spawn_app_with(backend, &[("NEXUS_DB_MAX_CONNECTIONS", "1"), ("NEXUS_DB_ACQUIRE_TIMEOUT_SECS", "1")]).await;
    let viewer = app.signed_in("VIEWER", "Vera Viewer").await;
    let hog = app.state.db.begin().await.unwrap();

    let resp = app.gql_as(Some(&viewer.token), "{ projects { totalCount } }", json!(null)).await;
    assert_eq!(resp.error_code(), Some("UNAVAILABLE"), "{}", resp.body);
    assert_eq!(resp.body["errors"][0]["extensions"]["reason"], "DATABASE_UNAVAILABLE");
    assert!(!resp.error_message().to_lowercase().contains("pool"), "{}", resp.error_message());

    hog.rollback().await.unwrap();
    let resp = app.gql_as(Some(&viewer.token), "{ projects { totalCount } }", json!(null)).await;
    assert_eq!(resp.data()["projects"]["totalCount"], 0);
}

both_databases!(
    a_database_with_no_free_connection_is_unavailable_and_then_recovers,
    a_database_failure_reaches_the_client_only_as_internal_with_a_request_id,
    a_database_failure_over_the_websocket_is_logged_with_the_operations_request_id,
);
