//! Live updates: subscriptions receive committed changes, never rolled-back ones, and with
//! PostgreSQL they cross Nexus processes.

use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::both_databases;
use crate::support::process::{address_in, Served};
use crate::support::work::{create_project, create_task, task_in, transition};
use crate::support::{demo_home, spawn_app, spawn_app_on, Backend, TestDb};

const TASK_CHANGED: &str =
    "subscription($p: ID) { taskChanged(projectId: $p) { kind taskId projectId task { title state version } } }";
const ACTIVITY_ADDED: &str =
    "subscription($p: ID) { activityAdded(projectId: $p) { kind summary actor { kind name } task { title } } }";
const DASHBOARD_CHANGED: &str = "subscription { dashboardChanged { at changes } }";
/// How long a subscription must stay silent before the setup's own events count as delivered.
const QUIET: Duration = Duration::from_millis(250);

async fn committed_changes_reach_every_subscription_with_current_data(backend: Backend) {
    let app = spawn_app(backend).await;
    let op = app.signed_in("OPERATOR", "Olga Operator").await;
    let viewer = app.signed_in("VIEWER", "Vera Viewer").await;
    let watched = create_project(&app, &op, "watched").await;
    let other = create_project(&app, &op, "other").await;

    let mut tasks = app.ws_subscribe(&viewer.token, TASK_CHANGED, json!({"p": watched["id"]})).await;
    let mut entries = app.ws_subscribe(&viewer.token, ACTIVITY_ADDED, json!({"p": watched["id"]})).await;
    let mut dashboard = app.ws_subscribe(&viewer.token, DASHBOARD_CHANGED, json!({})).await;
    let mut everything = app.ws_subscribe(&viewer.token, TASK_CHANGED, json!({"p": null})).await;
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
}

async fn a_rolled_back_change_emits_no_event(backend: Backend) {
    let app = spawn_app(backend).await;
    let op = app.signed_in("OPERATOR", "Olga Operator").await;
    let project = create_project(&app, &op, "rollbacks").await;
    let pid = project["id"].as_str().unwrap();
    let task = task_in(&app, &op, pid, "DONE").await;
    let busy = create_project(&app, &op, "busy").await;
    create_task(&app, &op, busy["id"].as_str().unwrap(), "Keeps the project busy").await;
    let archived = create_project(&app, &op, "archived").await;
    app.gql_as(
        Some(&op.token),
        "mutation($i: ArchiveProjectInput!) { archiveProject(input: $i) { project { id } } }",
        json!({"i": {"projectId": archived["id"], "expectedVersion": 1}}),
    )
    .await
    .data();

    let mut raw = app.state.services.bus.subscribe();
    let mut tasks = app.ws_subscribe(&op.token, TASK_CHANGED, json!({})).await;
    let mut dashboard = app.ws_subscribe(&op.token, DASHBOARD_CHANGED, json!({})).await;
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
        let resp = app.gql_as(Some(&op.token), q, vars.clone()).await;
        assert!(resp.error_code().is_some(), "{q} must fail: {}", resp.body);
    }
    assert!(tasks.next_within(Duration::from_millis(400)).await.is_none(), "no taskChanged event");
    assert!(dashboard.next_within(Duration::from_millis(100)).await.is_none(), "no dashboardChanged event");
    assert!(matches!(raw.try_recv(), Err(tokio::sync::broadcast::error::TryRecvError::Empty)), "nothing on the bus");

    // The writes were undone, not just unannounced.
    let resp = app
        .gql_as(Some(&op.token), "query($id: ID!) { task(id: $id) { state version } }", json!({"id": task["id"]}))
        .await;
    assert_eq!(resp.data()["task"], json!({"state": "DONE", "version": task["version"]}));
    let resp =
        app.gql_as(Some(&op.token), "query($id: ID) { project(id: $id) { version } }", json!({"id": busy["id"]})).await;
    assert_eq!(resp.data()["project"]["version"], 1);

    // A change that commits is announced.
    create_task(&app, &op, pid, "This one commits").await;
    assert_eq!(tasks.next().await["data"]["taskChanged"]["kind"], "CREATED");
}

/// PostgreSQL only: two Nexus processes on one database — this test's app and a `nexus serve`
/// child process; a mutation on the first reaches a graphql-ws subscriber (the `graphql-ws`
/// client, over `/graphql/ws`) on the second within a second, and back.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_nexus_processes_on_one_postgres_database_share_live_updates() {
    use tokio::io::AsyncBufReadExt;

    let db = std::sync::Arc::new(TestDb::create(Backend::Postgres).await);
    // Replicas behind one load balancer share the signing key, so a token works on either.
    let key = "replicas-share-this-signing-key-0123456789abcdef";
    let first = spawn_app_on(db.clone(), &[("NEXUS_JWT_KEY", key)]).await;
    let home = demo_home().display().to_string();
    let mut second = Served::start(&[
        ("DATABASE_URL", db.url.as_str()),
        ("NEXUS_JWT_KEY", key),
        ("NEXUS_OPENCLAW_HOME", home.as_str()),
        ("NEXUS_LOG", "info"),
    ]);
    let second_addr = address_in(&second.wait_for("listening"));
    let op = first.signed_in("OPERATOR", "Olga Operator").await;
    let viewer = first.signed_in("VIEWER", "Vera Viewer").await;
    let project = create_project(&first, &op, "replicated").await;
    let pid = project["id"].as_str().unwrap();

    let dir = format!("{}/tests/js", env!("CARGO_MANIFEST_DIR"));
    assert!(std::path::Path::new(&format!("{dir}/node_modules")).is_dir(), "run `npm ci --prefix tests/js`");
    let mut watcher = tokio::process::Command::new("node")
        .arg(format!("{dir}/watch.mjs"))
        .args([
            &format!("ws://{second_addr}/graphql/ws"),
            &viewer.token,
            TASK_CHANGED,
            &json!({"p": project["id"]}).to_string(),
        ])
        .current_dir(&dir)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("node runs");
    let mut lines = tokio::io::BufReader::new(watcher.stdout.take().unwrap()).lines();
    /// The watcher's next result, if one arrives within `within`.
    async fn next_event(
        lines: &mut tokio::io::Lines<tokio::io::BufReader<tokio::process::ChildStdout>>,
        within: Duration,
    ) -> Option<Value> {
        let line = tokio::time::timeout(within, lines.next_line()).await.ok()?.ok()??;
        Some(serde_json::from_str(&line).expect("a JSON line"))
    }

    // graphql-ws does not acknowledge a subscription: change things on the first process until
    // the subscriber on the second sees one, then it is surely registered.
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut warm_ups = 0;
    loop {
        assert!(Instant::now() < deadline, "the graphql-ws subscriber never heard from the second process");
        warm_ups += 1;
        create_task(&first, &op, pid, &format!("Warm-up {warm_ups}")).await;
        if next_event(&mut lines, Duration::from_millis(500)).await.is_some() {
            break;
        }
    }
    // Let late warm-up events drain.
    while next_event(&mut lines, Duration::from_millis(300)).await.is_some() {}

    let started = Instant::now();
    let task = create_task(&first, &op, pid, "Made on the first").await;
    let event = next_event(&mut lines, Duration::from_secs(1))
        .await
        .expect("the change on the first process reached the subscriber on the second within a second");
    let latency = started.elapsed();
    println!("cross-process event latency (mutation sent → event received): {latency:?}");
    assert!(latency < Duration::from_secs(1), "{latency:?}");
    assert_eq!(event["data"]["taskChanged"]["kind"], "CREATED", "{event}");
    assert_eq!(event["data"]["taskChanged"]["taskId"], task["id"]);
    // The second process re-reads the task from the shared database.
    assert_eq!(event["data"]["taskChanged"]["task"]["title"], "Made on the first");

    // A change made through the second process arrives too, and each event arrives once.
    let moved: Value = first
        .client
        .post(format!("http://{second_addr}/graphql"))
        .bearer_auth(&op.token)
        .json(&json!({
            "query": "mutation($i: TransitionTaskInput!) { transitionTask(input: $i) { task { state } } }",
            "variables": {"i": {"taskId": task["id"], "expectedVersion": task["version"], "to": "READY"}},
        }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(moved["data"]["transitionTask"]["task"]["state"], "READY", "{moved}");
    let event = next_event(&mut lines, Duration::from_secs(1)).await.expect("a change made on the second process");
    assert_eq!(event["data"]["taskChanged"]["kind"], "TRANSITIONED");
    assert_eq!(event["data"]["taskChanged"]["task"]["state"], "READY");
    assert!(next_event(&mut lines, Duration::from_secs(1)).await.is_none(), "each event is delivered once");

    drop(watcher.stdin.take());
    let _ = tokio::time::timeout(Duration::from_secs(5), watcher.wait()).await;
    drop(second);
}

/// PostgreSQL: terminates this app's LISTEN connection (the one whose last statement was its
/// LISTEN), as a network failure or a database restart would.
async fn kill_the_listen_connection(app: &crate::support::TestApp) {
    use sea_orm::{ConnectionTrait, DbBackend, Statement};
    let killed = app
        .state
        .db
        .query_all(Statement::from_string(
            DbBackend::Postgres,
            "SELECT pg_terminate_backend(pid) AS killed FROM pg_stat_activity \
             WHERE datname = current_database() AND query LIKE 'LISTEN%' AND pid <> pg_backend_pid()",
        ))
        .await
        .unwrap();
    assert_eq!(killed.len(), 1, "one listener connection");
}

/// PostgreSQL only: when the LISTEN connection drops, notifications sent meanwhile are lost; once
/// it is back, `dashboardChanged` tells the dashboards to refetch.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dropped_listen_connection_makes_dashboards_refetch() {
    let app = spawn_app(Backend::Postgres).await;
    let viewer = app.signed_in("VIEWER", "Vera Viewer").await;
    let mut dashboard = app.ws_subscribe(&viewer.token, DASHBOARD_CHANGED, json!({})).await;
    dashboard.drain(QUIET).await;

    kill_the_listen_connection(&app).await;
    let ping = dashboard.next_within(Duration::from_secs(5)).await.expect("a dashboardChanged after the reconnect");
    assert!(ping["data"]["dashboardChanged"]["changes"].as_i64().unwrap() >= 1, "{ping}");

    // And live updates work again afterwards.
    let op = app.signed_in("OPERATOR", "Olga Operator").await;
    dashboard.drain(QUIET).await;
    create_project(&app, &op, "after-reconnect").await;
    assert!(dashboard.next_within(Duration::from_secs(2)).await.is_some(), "events flow again");
}

/// PostgreSQL only: a revocation another replica stored while this one's LISTEN connection was
/// down (its notification lost) is read back once the connection returns: the user's access token
/// stops working and their open socket closes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn revocations_missed_while_the_listen_connection_was_down_are_read_back() {
    use sea_orm::{ConnectionTrait, DbBackend, Statement};

    let app = spawn_app(Backend::Postgres).await;
    let viewer = app.signed_in("VIEWER", "Vera Viewer").await;
    let mut socket = app.ws_subscribe(&viewer.token, DASHBOARD_CHANGED, json!({})).await;
    socket.drain(QUIET).await;

    // What another replica's `disableUser` leaves in the database, minus the notification.
    app.state
        .db
        .execute(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "INSERT INTO session_revocations (user_id, revoked_at) VALUES ($1, now())",
            [viewer.id.clone().into()],
        ))
        .await
        .unwrap();
    app.gql_as(Some(&viewer.token), "{ me { id } }", json!(null)).await.data();

    kill_the_listen_connection(&app).await;

    assert!(socket.ended_within(Duration::from_secs(5)).await, "the revoked user's socket closes");
    let refused = app.gql_as(Some(&viewer.token), "{ me { id } }", json!(null)).await;
    assert_eq!(refused.error_code(), Some("UNAUTHENTICATED"), "{}", refused.body);
}

/// PostgreSQL only: notifications sent while the LISTEN connection was down are lost, so the
/// task and activity subscriptions say so (`EVENTS_MISSED`) and end; the client re-reads.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn task_and_activity_subscribers_are_told_when_changes_may_have_been_missed() {
    let app = spawn_app(Backend::Postgres).await;
    let viewer = app.signed_in("VIEWER", "Vera Viewer").await;
    let mut tasks = app.ws_subscribe(&viewer.token, TASK_CHANGED, json!({"p": null})).await;
    let mut entries = app.ws_subscribe(&viewer.token, ACTIVITY_ADDED, json!({"p": null})).await;
    tasks.drain(QUIET).await;
    entries.drain(QUIET).await;

    kill_the_listen_connection(&app).await;
    for sub in [&mut tasks, &mut entries] {
        let told = sub.next_within(Duration::from_secs(5)).await.expect("an answer after the reconnect");
        assert_eq!(told["errors"][0]["extensions"]["reason"], "EVENTS_MISSED", "{told}");
        assert_eq!(told["errors"][0]["extensions"]["code"], "UNAVAILABLE", "{told}");
        assert!(sub.ended_within(Duration::from_secs(5)).await, "the subscription ends");
    }

    // A new subscription works as before.
    let op = app.signed_in("OPERATOR", "Olga Operator").await;
    let mut again = app.ws_subscribe(&viewer.token, TASK_CHANGED, json!({"p": null})).await;
    again.drain(QUIET).await;
    let project = create_project(&app, &op, "after-resync").await;
    create_task(&app, &op, project["id"].as_str().unwrap(), "Fresh").await;
    let event = again.next().await;
    assert_eq!(event["data"]["taskChanged"]["task"]["title"], "Fresh", "{event}");
}

/// PostgreSQL only: an app that stops lets go of its LISTEN connection (background tasks hold
/// the event bus weakly), so replicas that restart do not pile up listeners.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stopped_app_releases_its_listen_connection() {
    use sea_orm::{ConnectionTrait, Database, DbBackend, Statement};

    let app = spawn_app(Backend::Postgres).await;
    let db = app.db.clone();
    let observer = Database::connect(db.url.as_str()).await.unwrap();
    let listeners = || async {
        observer
            .query_all(Statement::from_string(
                DbBackend::Postgres,
                "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND query LIKE 'LISTEN%'",
            ))
            .await
            .unwrap()
            .len()
    };
    assert_eq!(listeners().await, 1);
    drop(app);
    let deadline = Instant::now() + Duration::from_secs(10);
    while listeners().await > 0 {
        assert!(Instant::now() < deadline, "the LISTEN connection outlived its app");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    observer.close().await.unwrap();
}

both_databases!(committed_changes_reach_every_subscription_with_current_data, a_rolled_back_change_emits_no_event);
