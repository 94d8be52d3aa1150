//! Incidents through GraphQL and the summary the dashboard uses.

use nexus::services::auth::Role;
use serde_json::{json, Value};

use crate::both_databases;
use crate::support::{spawn_app, Backend};

const LIST: &str = "query($status: IncidentStatus, $severity: IncidentSeverity, $first: Int!, $after: String) {
    incidents(status: $status, severity: $severity, first: $first, after: $after) {
        totalCount pageInfo { hasNextPage endCursor }
        nodes { id title severity status parseError } } }";

fn ids(data: &Value) -> Vec<String> {
    data["incidents"]["nodes"].as_array().unwrap().iter().map(|n| n["id"].as_str().unwrap().to_owned()).collect()
}

async fn incidents_are_listed_open_first_then_newest_with_the_malformed_report_and_its_parse_error(backend: Backend) {
    let app = spawn_app(backend).await;
    let resp = app.execute_as(Role::Viewer, LIST, json!({"first": 100})).await;
    let data = resp.data().clone();
    assert_eq!(data["incidents"]["totalCount"], 7);
    assert_eq!(
        ids(&data),
        [
            "2026-12-02-iris-chat-stream-stalls",
            "2026-12-01-calendar-timezone-drift",
            "2026-11-30-research-digest-token-spike",
            "2026-12-01-draft-notes",
            "2026-11-28-gateway-unreachable",
            "2026-11-14-postgres-volume-full",
            "2026-11-06-backup-integrity-check-failed",
        ]
    );
    let first = &data["incidents"]["nodes"][0];
    assert_eq!(first["title"], "Iris chat replies stall after a gateway restart");
    assert_eq!((first["severity"].as_str(), first["status"].as_str()), (Some("SEV2"), Some("OPEN")));
    assert_eq!(first["parseError"], Value::Null);

    let draft = &data["incidents"]["nodes"][3];
    assert_eq!(draft["title"], "Operations page slow?? (draft)");
    assert_eq!((draft["severity"].clone(), draft["status"].clone()), (Value::Null, Value::Null));
    assert!(draft["parseError"].as_str().unwrap().starts_with("missing severity"), "{draft}");
}

async fn incidents_filter_by_status_and_severity_and_page_with_cursors(backend: Backend) {
    let app = spawn_app(backend).await;
    let resp = app.execute_as(Role::Viewer, LIST, json!({"status": "RESOLVED", "first": 2})).await;
    let data = resp.data().clone();
    assert_eq!(data["incidents"]["totalCount"], 3);
    assert_eq!(ids(&data), ["2026-11-28-gateway-unreachable", "2026-11-14-postgres-volume-full"]);
    assert_eq!(data["incidents"]["pageInfo"]["hasNextPage"], true);
    let after = data["incidents"]["pageInfo"]["endCursor"].clone();
    let resp = app.execute_as(Role::Viewer, LIST, json!({"status": "RESOLVED", "first": 2, "after": after})).await;
    let data = resp.data().clone();
    assert_eq!(ids(&data), ["2026-11-06-backup-integrity-check-failed"]);
    assert_eq!(data["incidents"]["pageInfo"]["hasNextPage"], false);

    let resp = app.execute_as(Role::Viewer, LIST, json!({"severity": "SEV2", "first": 10})).await;
    assert_eq!(ids(resp.data()), ["2026-12-02-iris-chat-stream-stalls", "2026-11-28-gateway-unreachable"]);
    let resp = app.execute_as(Role::Viewer, LIST, json!({"severity": "SEV1", "status": "OPEN", "first": 10})).await;
    assert!(ids(resp.data()).is_empty());

    let resp = app.execute_as(Role::Viewer, LIST, json!({"first": 101})).await;
    assert_eq!(resp.error_code(), Some("BAD_USER_INPUT"));
    assert_eq!(resp.body["errors"][0]["extensions"]["field"], "first");
}

async fn one_incident_is_read_with_its_timeline(backend: Backend) {
    let app = spawn_app(backend).await;
    let resp = app
        .execute_as(
            Role::Viewer,
            r#"{ incident(id: "2026-11-28-gateway-unreachable") { id title severity status startedAt resolvedAt
                services owner summary fileName timeline { at text } } }"#,
            json!({}),
        )
        .await;
    let incident = &resp.data()["incident"];
    assert_eq!(incident["title"], "Gateway unreachable from VPS");
    assert_eq!(incident["status"], "RESOLVED");
    assert_eq!(incident["startedAt"], "2026-11-28T09:14:00+00:00");
    assert_eq!(incident["resolvedAt"], "2026-11-28T10:02:00+00:00");
    assert_eq!(incident["fileName"], "2026-11-28-gateway-unreachable.md");
    let timeline = incident["timeline"].as_array().unwrap();
    assert_eq!(timeline.len(), 7, "{incident}");
    assert_eq!(
        timeline[0],
        json!({"at": "2026-11-28T09:12:00+00:00", "text": "Gateway container exited with code 137 (`OOMKilled: true`)."})
    );
    assert_eq!(timeline[6]["at"], "2026-11-28T10:02:00+00:00");
    assert_eq!(incident["services"], json!(["gateway", "nginx"]));
    assert_eq!(incident["owner"], "ops");

    let resp = app.execute_as(Role::Viewer, r#"{ incident(id: "2025-no-such-incident") { id } }"#, json!({})).await;
    assert_eq!(resp.error_code(), Some("NOT_FOUND"));
}

async fn the_incident_summary_counts_unresolved_incidents_by_severity_and_the_mean_time_to_resolve(backend: Backend) {
    let app = spawn_app(backend).await;
    let resp = app
        .execute_as(
            Role::Viewer,
            "{ operations { incidents { openBySeverity { severity count } open mitigated resolved unparsed meanTimeToResolveSeconds } } }",
            json!({}),
        )
        .await;
    let figures = &resp.data()["operations"]["incidents"];
    assert_eq!(
        figures["openBySeverity"],
        json!([
            {"severity": "SEV1", "count": 0},
            {"severity": "SEV2", "count": 1},
            {"severity": "SEV3", "count": 1},
            {"severity": "SEV4", "count": 1},
        ])
    );
    assert_eq!((figures["open"].as_i64(), figures["mitigated"].as_i64()), (Some(2), Some(1)));
    assert_eq!((figures["resolved"].as_i64(), figures["unparsed"].as_i64()), (Some(3), Some(1)));
    // 6 h 27 min (backup), 1 h 41 min (postgres), 48 min (gateway).
    let minutes = (387 + 101 + 48) * 60 / 3;
    assert_eq!(figures["meanTimeToResolveSeconds"], minutes);
}

both_databases!(
    incidents_are_listed_open_first_then_newest_with_the_malformed_report_and_its_parse_error,
    incidents_filter_by_status_and_severity_and_page_with_cursors,
    one_incident_is_read_with_its_timeline,
    the_incident_summary_counts_unresolved_incidents_by_severity_and_the_mean_time_to_resolve,
);
