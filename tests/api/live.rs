//! Live updates: subscriptions receive committed changes, never rolled-back ones, and with
//! PostgreSQL they cross Nexus processes.

use std::time::{Duration, Instant};

use nexus::services::auth::Role;
use serde_json::{json, Value};

use crate::both_databases;
use crate::support::work::{create_project, create_task, task_in, transition};
use crate::support::{spawn_app, spawn_app_on, Backend, TestDb};

const TASK_CHANGED: &str =
    "subscription($p: ID) { taskChanged(projectId: $p) { kind taskId projectId task { title state version } } }";
const ACTIVITY_ADDED: &str =
    "subscription($p: ID) { activityAdded(projectId: $p) { kind summary actor { kind name } task { title } } }";
const DASHBOARD_CHANGED: &str = "subscription { dashboardChanged { at changes } }";
/// How long a subscription must stay silent before the setup's own events count as delivered.
const QUIET: Duration = Duration::from_millis(250);

async fn committed_changes_reach_every_subscription_with_current_data(backend: Backend) {
    let app = spawn_app(backend).await;
    let op = app.principal(Role::Operator, "Olga Operator").await;
    let viewer = app.principal(Role::Viewer, "Vera Viewer").await;
    let watched = create_project(&app, &op, "watched").await;
    let other = create_project(&app, &op, "other").await;

    let mut tasks = app.live(Some(&viewer), TASK_CHANGED, json!({"p": watched["id"]})).await;
    let mut entries = app.live(Some(&viewer), ACTIVITY_ADDED, json!({"p": watched["id"]})).await;
    let mut dashboard = app.live(Some(&viewer), DASHBOARD_CHANGED, json!({})).await;
    let mut everything = app.live(Some(&viewer), TASK_CHANGED, json!({"p": null})).await;
    for sub in [&mut tasks, &mut entries, &mut dashboard, &mut everything] {
        sub.drain(QUIET).await;
    }

    // A change in another project reaches only the unfiltered subscription.
    create_task(&app, &op, other["id"].as_str().unwrap(), "Elsewhere").await;
    let e = everything.next().await;
    assert_eq!(e["data"]["taskChanged"]["task"]["title"], "Elsewhere");
    assert_eq!(dashboard.next().await["data"]["dashboardChanged"]["changes"], 1);

    let task = create_task(&app, &op, watched["id"].as_str().unwrap(), "Watch me").await;
    let moved = transition(&app, &op, &task, "READY", None).await;
    moved.data();

    let created = tasks.next().await;
    assert_eq!(created["data"]["taskChanged"]["kind"], "CREATED", "{created}");
    assert_eq!(created["data"]["taskChanged"]["taskId"], task["id"]);
    let moved = tasks.next().await;
    assert_eq!(moved["data"]["taskChanged"]["kind"], "TRANSITIONED");
    // Subscribers re-read the task: both events show it as it is now.
    assert_eq!(moved["data"]["taskChanged"]["task"]["state"], "READY");
    assert_eq!(moved["data"]["taskChanged"]["task"]["version"], 2);

    let first = entries.next().await;
    assert_eq!(first["data"]["activityAdded"]["kind"], "TASK_CREATED", "{first}");
    assert_eq!(first["data"]["activityAdded"]["actor"], json!({"kind": "USER", "name": "Olga Operator"}));
    let second = entries.next().await;
    assert_eq!(second["data"]["activityAdded"]["kind"], "TASK_MOVED");
    assert_eq!(second["data"]["activityAdded"]["task"]["title"], "Watch me");

    assert!(dashboard.next().await["data"]["dashboardChanged"]["changes"].as_i64().unwrap() >= 1);
    assert!(tasks.next_within(Duration::from_millis(300)).await.is_none(), "nothing from the other project");

    // Anonymous callers cannot subscribe.
    let mut anon = app.subscribe_as(None, TASK_CHANGED, json!({}));
    let first = futures::StreamExt::next(&mut anon).await.expect("an error response");
    assert_eq!(first["errors"][0]["extensions"]["code"], "UNAUTHENTICATED", "{first}");
}

async fn a_rolled_back_change_emits_no_event(backend: Backend) {
    let app = spawn_app(backend).await;
    let op = app.principal(Role::Operator, "Olga Operator").await;
    let project = create_project(&app, &op, "rollbacks").await;
    let pid = project["id"].as_str().unwrap();
    let task = task_in(&app, &op, pid, "DONE").await;
    let busy = create_project(&app, &op, "busy").await;
    create_task(&app, &op, busy["id"].as_str().unwrap(), "Keeps the project busy").await;
    let archived = create_project(&app, &op, "archived").await;
    app.execute_as(
        Some(&op),
        "mutation($i: ArchiveProjectInput!) { archiveProject(input: $i) { project { id } } }",
        json!({"i": {"projectId": archived["id"], "expectedVersion": 1}}),
    )
    .await
    .data();

    let mut raw = app.state.services.bus.subscribe();
    let mut tasks = app.live(Some(&op), TASK_CHANGED, json!({})).await;
    let mut dashboard = app.live(Some(&op), DASHBOARD_CHANGED, json!({})).await;
    tasks.drain(QUIET).await;
    dashboard.drain(QUIET).await;
    while raw.try_recv().is_ok() {}

    // Each of these fails inside its transaction, after it has written something: the version
    // claim, the inserted task row. All of it rolls back, and nothing is published.
    let failures: Vec<(&str, Value)> = vec![
        (
            "mutation($i: TransitionTaskInput!) { transitionTask(input: $i) { task { id } } }",
            json!({"i": {"taskId": task["id"], "expectedVersion": task["version"], "to": "READY"}}),
        ),
        (
            "mutation($i: CreateTaskInput!) { createTask(input: $i) { task { id } } }",
            json!({"i": {"projectId": archived["id"], "title": "Into the archive"}}),
        ),
        (
            "mutation($i: DeleteProjectInput!) { deleteProject(input: $i) { projectId } }",
            json!({"i": {"projectId": busy["id"], "expectedVersion": 1}}),
        ),
    ];
    for (q, vars) in &failures {
        let resp = app.execute_as(Some(&op), q, vars.clone()).await;
        assert!(resp.error_code().is_some(), "{q} must fail: {}", resp.body);
    }
    assert!(tasks.next_within(Duration::from_millis(400)).await.is_none(), "no taskChanged event");
    assert!(dashboard.next_within(Duration::from_millis(100)).await.is_none(), "no dashboardChanged event");
    assert!(matches!(raw.try_recv(), Err(tokio::sync::broadcast::error::TryRecvError::Empty)), "nothing on the bus");

    // The writes were undone, not just unannounced.
    let resp = app
        .execute_as(Some(&op), "query($id: ID!) { task(id: $id) { state version } }", json!({"id": task["id"]}))
        .await;
    assert_eq!(resp.data()["task"], json!({"state": "DONE", "version": task["version"]}));
    let resp =
        app.execute_as(Some(&op), "query($id: ID) { project(id: $id) { version } }", json!({"id": busy["id"]})).await;
    assert_eq!(resp.data()["project"]["version"], 1);

    // A change that commits is announced.
    create_task(&app, &op, pid, "This one commits").await;
    assert_eq!(tasks.next().await["data"]["taskChanged"]["kind"], "CREATED");
}

/// PostgreSQL only: two Nexus processes on one database; a mutation on the first reaches a
/// subscriber on the second within a second.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_nexus_processes_on_one_postgres_database_share_live_updates() {
    let db = std::sync::Arc::new(TestDb::create(Backend::Postgres).await);
    let first = spawn_app_on(db.clone(), &[]).await;
    let second = spawn_app_on(db.clone(), &[]).await;
    let op = first.principal(Role::Operator, "Olga Operator").await;
    let viewer = first.principal(Role::Viewer, "Vera Viewer").await;
    let project = create_project(&first, &op, "replicated").await;

    let mut on_second = second.live(Some(&viewer), TASK_CHANGED, json!({"p": project["id"]})).await;
    let mut activity_on_second = second.live(Some(&viewer), ACTIVITY_ADDED, json!({"p": project["id"]})).await;
    on_second.drain(QUIET).await;
    activity_on_second.drain(QUIET).await;

    let started = Instant::now();
    let task = create_task(&first, &op, project["id"].as_str().unwrap(), "Made on the first").await;
    let event = on_second
        .next_within(Duration::from_secs(1))
        .await
        .expect("the event reached the second process within a second");
    let elapsed = started.elapsed();
    println!("cross-process event latency: {elapsed:?}");
    assert_eq!(event["data"]["taskChanged"]["taskId"], task["id"]);
    // The second process re-reads the task from the shared database.
    assert_eq!(event["data"]["taskChanged"]["task"]["title"], "Made on the first");
    let entry = activity_on_second.next_within(Duration::from_secs(1)).await.expect("activity too");
    assert_eq!(entry["data"]["activityAdded"]["kind"], "TASK_CREATED");

    // Each process delivers an event once, whichever process made the change.
    let moved = transition(&second, &op, &task, "READY", None).await;
    moved.data();
    let event = on_second.next_within(Duration::from_secs(1)).await.expect("a change made on the second");
    assert_eq!(event["data"]["taskChanged"]["kind"], "TRANSITIONED");
    assert!(on_second.next_within(Duration::from_millis(300)).await.is_none(), "delivered once");
    drop(first);
    drop(second);
}

both_databases!(committed_changes_reach_every_subscription_with_current_data, a_rolled_back_change_emits_no_event);
