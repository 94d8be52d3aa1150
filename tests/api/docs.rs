//! Docs through GraphQL: the tree with titles and outlines, one document, search.

use nexus::services::auth::Role;
use serde_json::json;

use crate::both_databases;
use crate::support::{demo_home, spawn_app, Backend};

async fn the_docs_are_a_tree_of_folders_and_documents_with_titles_and_outlines(backend: Backend) {
    let app = spawn_app(backend).await;
    let resp = app
        .execute_as(
            Role::Viewer,
            "{ docs { path folders { path name files { path title } } files { path name title size modifiedAt problem
                outline { level text anchor } } } }",
            json!({}),
        )
        .await;
    let root = &resp.data()["docs"];
    assert_eq!(root["path"], "");
    let folders: Vec<&str> = root["folders"].as_array().unwrap().iter().map(|f| f["path"].as_str().unwrap()).collect();
    assert_eq!(folders, ["architecture", "notes", "runbooks"]);
    let runbooks = &root["folders"][2]["files"];
    assert_eq!(
        runbooks,
        &json!([
            {"path": "runbooks/backup-restore.md", "title": "Backup Restore Runbook"},
            {"path": "runbooks/gateway-restart.md", "title": "Gateway Restart Runbook"},
        ])
    );
    let files = root["files"].as_array().unwrap();
    let names: Vec<&str> = files.iter().map(|f| f["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["deployment-guide.md", "onboarding.md"]);
    // Front matter title first; else the first heading.
    assert_eq!(files[0]["title"], "Deployment Guide");
    assert_eq!(files[1]["title"], "Onboarding: your first day with Nexus");
    assert_eq!(files[0]["outline"][0], json!({"level": 1, "text": "Deployment", "anchor": "deployment"}));
    let size = std::fs::metadata(demo_home().join("nexus/docs/deployment-guide.md")).unwrap().len();
    assert_eq!(files[0]["size"], size);
    assert_eq!(files[0]["problem"], serde_json::Value::Null);
}

async fn one_document_is_read_with_its_outline(backend: Backend) {
    let app = spawn_app(backend).await;
    let resp = app
        .execute_as(
            Role::Viewer,
            r#"{ doc(path: "runbooks/gateway-restart.md") { path title content outline { level text anchor } } }"#,
            json!({}),
        )
        .await;
    let doc = &resp.data()["doc"];
    assert_eq!(doc["title"], "Gateway Restart Runbook");
    let on_disk = std::fs::read_to_string(demo_home().join("nexus/docs/runbooks/gateway-restart.md")).unwrap();
    assert_eq!(doc["content"], on_disk.as_str());
    let outline: Vec<&str> = doc["outline"].as_array().unwrap().iter().map(|h| h["text"].as_str().unwrap()).collect();
    assert_eq!(
        outline,
        [
            "Runbook: gateway unreachable / restart",
            "Before you start",
            "1. Check",
            "2. Restart",
            "3. Wait until ready (not \"a while\")",
            "4. Verify",
            "5. Write it down"
        ]
    );
    assert_eq!(doc["outline"][0]["anchor"], "runbook-gateway-unreachable--restart");
}

async fn doc_search_returns_path_title_line_and_snippet(backend: Backend) {
    let app = spawn_app(backend).await;
    let resp = app
        .execute_as(
            Role::Viewer,
            r#"{ docSearch(query: "PG_DUMPALL", first: 10) { path title line snippet } }"#,
            json!({}),
        )
        .await;
    let hits = resp.data()["docSearch"].as_array().unwrap().clone();
    let found: Vec<(&str, i64)> =
        hits.iter().map(|h| (h["path"].as_str().unwrap(), h["line"].as_i64().unwrap())).collect();
    assert_eq!(found, [("deployment-guide.md", 85), ("deployment-guide.md", 210), ("runbooks/backup-restore.md", 10)]);
    assert_eq!(hits[0]["title"], "Deployment Guide");
    assert!(hits[0]["snippet"].as_str().unwrap().contains("pg_dumpall -U nexus"));
}

both_databases!(
    the_docs_are_a_tree_of_folders_and_documents_with_titles_and_outlines,
    one_document_is_read_with_its_outline,
    doc_search_returns_path_title_line_and_snippet,
);
