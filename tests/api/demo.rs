//! The demo data: five projects and sixty tasks in every state, with a history.

use std::process::Command;

use nexus::services::demo::{self, DemoError};
use serde_json::json;

use crate::both_databases;
use crate::support::{spawn_app, Backend, TestDb};

async fn the_demo_fills_every_screen_with_a_believable_team_s_work(backend: Backend) {
    let app = spawn_app(backend).await;
    let summary = demo::seed(&app.state.db, &app.state.services.bus).await.expect("seeding works");
    assert_eq!((summary.projects, summary.tasks), (5, 60));
    assert!(summary.activity > 200, "{summary:?}");

    let viewer = app.signed_in("VIEWER", "Vera Viewer").await;
    let resp = app
        .gql_as(Some(&viewer.token),
            "{ projects { totalCount nodes { slug leadAgentId taskCounts { state count } } }
               tasks { totalCount }
               activity(first: 100) { totalCount nodes { actor { kind name } } }
               dashboard { tasksByState { state count } recentlyDone { totalCount } needsApproval { totalCount } inProgress { agentId } }
               operations { approvals rejections medianCycleTimeSeconds medianApprovalWaitSeconds throughput { done } } }",
            json!({}),
        )
        .await;
    let d = resp.data();
    assert_eq!(d["projects"]["totalCount"], 5);
    let slugs: Vec<&str> =
        d["projects"]["nodes"].as_array().unwrap().iter().map(|p| p["slug"].as_str().unwrap()).collect();
    for slug in ["nexus-dashboard", "gateway-hardening", "research-digest", "docs-overhaul", "release-2026-12"] {
        assert!(slugs.contains(&slug), "{slug} in {slugs:?}");
    }
    assert_eq!(d["tasks"]["totalCount"], 60);
    for c in d["dashboard"]["tasksByState"].as_array().unwrap() {
        assert!(c["count"].as_i64().unwrap() >= 4, "every state has tasks: {c}");
    }
    assert!(d["dashboard"]["recentlyDone"]["totalCount"].as_i64().unwrap() >= 3);
    let agents: Vec<&str> =
        d["dashboard"]["inProgress"].as_array().unwrap().iter().filter_map(|g| g["agentId"].as_str()).collect();
    assert!(agents.len() >= 4, "work in progress across the team: {agents:?}");
    let names: std::collections::BTreeSet<&str> =
        d["activity"]["nodes"].as_array().unwrap().iter().map(|e| e["actor"]["name"].as_str().unwrap()).collect();
    for who in ["Maya Keller", "Jonas Brandt", "ops", "research"] {
        assert!(names.contains(who), "{who} in {names:?}");
    }
    let ops = &d["operations"];
    assert!(ops["approvals"].as_i64().unwrap() >= 15 && ops["rejections"].as_i64().unwrap() >= 2, "{ops}");
    assert!(ops["medianCycleTimeSeconds"].as_i64().unwrap() > 3600);
    // The throughput chart (last 14 days) shows a team at work, not two busy days.
    let busy_days = ops["throughput"].as_array().unwrap().iter().filter(|t| t["done"].as_i64().unwrap() > 0).count();
    assert!(busy_days >= 8, "tasks were done on {busy_days} of the last 14 days: {ops}");

    // The demo users author the history but cannot sign in.
    let resp = app.gql_as(Some(&viewer.token), "{ activity(first: 1) { nodes { actor { id } } } }", json!({})).await;
    resp.data();
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    let maya = nexus::db::entities::user::Entity::find()
        .filter(nexus::db::entities::user::Column::UsernameKey.eq("maya"))
        .one(&app.state.db)
        .await
        .unwrap()
        .expect("demo user");
    assert!(maya.disabled);
    assert!(maya.password_hash.starts_with("$argon2id$"));

    // Seeding twice is refused: the demo never mixes into real data.
    match demo::seed(&app.state.db, &app.state.services.bus).await {
        Err(DemoError::NotEmpty(5)) => {}
        other => panic!("expected NotEmpty(5), got {other:?}"),
    }
}

async fn nexus_demo_seeds_an_empty_database_and_refuses_a_filled_one(backend: Backend) {
    let db = TestDb::create(backend).await;
    let run = || {
        Command::new(env!("CARGO_BIN_EXE_nexus"))
            .arg("demo")
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("DATABASE_URL", &db.url)
            .env("NEXUS_LOG", "warn")
            .output()
            .expect("nexus runs")
    };
    let first = run();
    let stdout = String::from_utf8_lossy(&first.stdout);
    assert!(first.status.success(), "{}", String::from_utf8_lossy(&first.stderr));
    assert!(stdout.contains("Seeded 5 projects, 60 tasks"), "{stdout}");
    let second = run();
    assert!(!second.status.success());
    let stderr = String::from_utf8_lossy(&second.stderr);
    assert!(stderr.contains("already has 5 projects"), "{stderr}");
    assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
}

both_databases!(
    the_demo_fills_every_screen_with_a_believable_team_s_work,
    nexus_demo_seeds_an_empty_database_and_refuses_a_filled_one,
);
