//! Agent memory through GraphQL: daily notes newest first, MEMORY.md, one note, search.

use nexus::services::auth::Role;
use serde_json::{json, Value};

use crate::both_databases;
use crate::support::{demo_copy, demo_home, spawn_app, spawn_app_at, Backend};

const MEMORY: &str = "query($id: ID!, $first: Int!, $after: String) { agent(id: $id) {
    memory(first: $first, after: $after) {
        totalCount pageInfo { hasNextPage endCursor }
        edges { cursor node { date path size } } nodes { date }
        longTerm { path content hash } } } }";

fn dates(resp: &Value) -> Vec<String> {
    resp["agent"]["memory"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["date"].as_str().unwrap().to_owned())
        .collect()
}

async fn daily_notes_are_listed_newest_first_in_pages_with_the_long_term_memory(backend: Backend) {
    let app = spawn_app(backend).await;
    let resp = app.execute_as(Role::Viewer, MEMORY, json!({"id": "main", "first": 3})).await;
    let data = resp.data().clone();
    let memory = &data["agent"]["memory"];
    assert_eq!(memory["totalCount"], 7);
    assert_eq!(dates(&data), ["2026-12-02", "2026-12-01", "2026-11-30"]);
    assert_eq!(memory["edges"][0]["node"]["path"], "memory/2026-12-02.md");
    let size = std::fs::metadata(demo_home().join("workspace/memory/2026-12-02.md")).unwrap().len();
    assert_eq!(memory["edges"][0]["node"]["size"], size);
    assert_eq!(memory["pageInfo"]["hasNextPage"], true);
    let long_term = std::fs::read_to_string(demo_home().join("workspace/MEMORY.md")).unwrap();
    assert_eq!(memory["longTerm"]["path"], "MEMORY.md");
    assert_eq!(memory["longTerm"]["content"], long_term.as_str());

    let mut seen = dates(&data);
    let mut after = memory["pageInfo"]["endCursor"].as_str().unwrap().to_owned();
    loop {
        let resp = app.execute_as(Role::Viewer, MEMORY, json!({"id": "main", "first": 3, "after": after})).await;
        let data = resp.data().clone();
        seen.extend(dates(&data));
        let info = &data["agent"]["memory"]["pageInfo"];
        if info["hasNextPage"] == false {
            break;
        }
        after = info["endCursor"].as_str().unwrap().to_owned();
    }
    assert_eq!(
        seen,
        ["2026-12-02", "2026-12-01", "2026-11-30", "2026-11-29", "2026-11-28", "2026-11-27", "2026-11-26"]
    );
}

async fn one_daily_note_is_read_by_date(backend: Backend) {
    let app = spawn_app(backend).await;
    let resp = app
        .execute_as(
            Role::Viewer,
            r#"{ agent(id: "ops") { memoryNote(date: "2026-11-28") { path content size } } }"#,
            json!({}),
        )
        .await;
    let note = &resp.data()["agent"]["memoryNote"];
    let on_disk = std::fs::read_to_string(demo_home().join("workspace-ops/memory/2026-11-28.md")).unwrap();
    assert_eq!(note["path"], "memory/2026-11-28.md");
    assert_eq!(note["content"], on_disk.as_str());

    let resp = app
        .execute_as(Role::Viewer, r#"{ agent(id: "ops") { memoryNote(date: "2025-01-01") { path } } }"#, json!({}))
        .await;
    assert_eq!(resp.error_code(), Some("NOT_FOUND"), "{}", resp.body);
}

async fn memory_search_finds_lines_across_agents_with_file_line_and_snippet(backend: Backend) {
    let app = spawn_app(backend).await;
    let query = "query($q: String!, $agent: ID, $first: Int!) {
        memorySearch(query: $q, agentId: $agent, first: $first) { agentId file line snippet } }";
    let resp = app.execute_as(Role::Viewer, query, json!({"q": "2 gb MEMORY limit", "first": 100})).await;
    let hits = resp.data()["memorySearch"].as_array().unwrap().clone();
    // Newest notes first within an agent.
    assert_eq!(
        hits,
        [
            json!({"agentId": "main", "file": "memory/2026-12-02.md", "line": 5,
                   "snippet": "  2 GB memory limit. Ready again at 06:01. Morning brief ran on time at 07:00."}),
            json!({"agentId": "main", "file": "memory/2026-11-29.md", "line": 8,
                   "snippet": "  1. restore the restart policy, add a 2 GB memory limit (needs Jonas — compose change);"}),
        ]
    );

    let resp = app.execute_as(Role::Viewer, query, json!({"q": "gateway", "first": 100})).await;
    let hits = resp.data()["memorySearch"].as_array().unwrap().clone();
    let agents: std::collections::BTreeSet<&str> = hits.iter().map(|h| h["agentId"].as_str().unwrap()).collect();
    assert_eq!(agents.into_iter().collect::<Vec<_>>(), ["main", "ops", "qa", "research", "writer"]);
    assert_eq!((hits[0]["agentId"].as_str(), hits[0]["file"].as_str()), (Some("main"), Some("MEMORY.md")));
    for hit in &hits {
        assert!(hit["snippet"].as_str().unwrap().to_lowercase().contains("gateway"), "{hit}");
        assert!(hit["line"].as_i64().unwrap() >= 1);
    }

    let resp = app.execute_as(Role::Viewer, query, json!({"q": "gateway", "agent": "ops", "first": 3})).await;
    let hits = resp.data()["memorySearch"].as_array().unwrap().clone();
    assert_eq!(hits.len(), 3);
    assert!(hits.iter().all(|h| h["agentId"] == "ops"));

    for (vars, field) in [
        (json!({"q": "   ", "first": 5}), "query"),
        (json!({"q": "x".repeat(201), "first": 5}), "query"),
        (json!({"q": "gateway", "first": 101}), "first"),
    ] {
        let resp = app.execute_as(Role::Viewer, query, vars).await;
        assert_eq!(resp.error_code(), Some("BAD_USER_INPUT"), "{}", resp.body);
        assert_eq!(resp.body["errors"][0]["extensions"]["field"], field);
    }
}

async fn a_page_larger_than_100_is_refused_naming_first(backend: Backend) {
    let app = spawn_app(backend).await;
    let resp = app.execute_as(Role::Viewer, MEMORY, json!({"id": "main", "first": 101})).await;
    assert_eq!(resp.error_code(), Some("BAD_USER_INPUT"), "{}", resp.body);
    assert_eq!(resp.body["errors"][0]["extensions"]["field"], "first");
    let resp = app.execute_as(Role::Viewer, MEMORY, json!({"id": "main", "first": 2, "after": "bm90ZTpub3BlCg"})).await;
    assert_eq!(resp.error_code(), Some("BAD_USER_INPUT"), "{}", resp.body);
    assert_eq!(resp.body["errors"][0]["extensions"]["field"], "after");
}

async fn an_unreadable_memory_md_is_an_error_naming_long_term_while_the_notes_still_list(backend: Backend) {
    let dir = demo_copy();
    let home = dir.path().join("openclaw");
    std::fs::write(home.join("workspace/MEMORY.md"), b"caf\xe9 latin-1").unwrap();
    let app = spawn_app_at(backend, &home, &[]).await;
    let query = r#"{ agent(id: "main") { memory(first: 1) { totalCount longTerm { path } } } }"#;
    let resp = app.execute_as(Role::Viewer, query, json!({})).await;
    let error = &resp.body["errors"][0];
    assert_eq!(error["extensions"]["field"], "longTerm", "{}", resp.body);
    assert_eq!(error["extensions"]["reason"], "NOT_UTF8", "{}", resp.body);
    assert_eq!(error["path"], json!(["agent", "memory", "longTerm"]));
    // The rest of the answer stands.
    assert_eq!(resp.body["data"]["agent"]["memory"]["totalCount"], 7);
}

both_databases!(
    an_unreadable_memory_md_is_an_error_naming_long_term_while_the_notes_still_list,
    daily_notes_are_listed_newest_first_in_pages_with_the_long_term_memory,
    one_daily_note_is_read_by_date,
    memory_search_finds_lines_across_agents_with_file_line_and_snippet,
    a_page_larger_than_100_is_refused_naming_first,
);
