//! The dashboard queues and the operations snapshot.

use chrono::{Duration, Timelike, Utc};
use nexus::app::Services;
use nexus::services::activity::Actor;
use nexus::services::clock::Clock;
use nexus::services::projects::NewProject;
use nexus::services::tasks::state::Move;
use nexus::services::tasks::{Intent, NewTask, TaskState};
use serde_json::{json, Value};

use crate::both_databases;
use crate::support::work::{create_project, task_in, transition};
use crate::support::{spawn_app, Backend};

/// A task's title, assignee and moves (each at hours after the start of the history).
type Scripted = (&'static str, Option<&'static str>, &'static [(f64, Intent)]);

fn titles(queue: &Value) -> Vec<&str> {
    queue["nodes"].as_array().unwrap().iter().map(|t| t["title"].as_str().unwrap()).collect()
}

async fn the_dashboard_shows_every_queue_in_its_order(backend: Backend) {
    let app = spawn_app(backend).await;
    let op = app.signed_in("OPERATOR", "Olga Operator").await;
    let project = create_project(&app, &op, "queues").await;
    let pid = project["id"].as_str().unwrap();
    let create = "mutation($i: CreateTaskInput!) { createTask(input: $i) { task { id version state } } }";
    let make = |title: &'static str, priority: &'static str, assignee: Option<&'static str>| {
        let (app, op) = (&app, &op);
        async move {
            let resp = app
                .gql_as(
                    Some(&op.token),
                    create,
                    json!({"i": {"projectId": pid, "title": title, "priority": priority, "assigneeId": assignee}}),
                )
                .await;
            resp.data()["createTask"]["task"].clone()
        }
    };
    let walk = |task: Value, path: &'static [&'static str]| {
        let (app, op) = (&app, &op);
        async move {
            let mut task = task;
            for to in path {
                let reason = (*to == "BLOCKED").then_some("waiting");
                task = transition(app, op, &task, to, reason).await.data()["transitionTask"]["task"].clone();
            }
            task
        }
    };
    // Ready: filed low first, then two critical ones and a high one.
    let low = make("ready low", "low", None).await;
    let crit_old = make("ready critical old", "P0", None).await;
    let high = make("ready high", "high", None).await;
    let crit_new = make("ready critical new", "urgent", None).await;
    for t in [low, crit_old, high, crit_new] {
        walk(t, &["READY"]).await;
    }
    // Review: entered in the order b, c, a.
    let a = make("review a", "", Some("ops")).await;
    let b = make("review b", "", Some("qa")).await;
    let c = make("review c", "", None).await;
    let a = walk(a, &["READY", "IN_PROGRESS"]).await;
    let b = walk(b, &["READY", "IN_PROGRESS"]).await;
    let c = walk(c, &["READY", "IN_PROGRESS"]).await;
    walk(b, &["REVIEW"]).await;
    walk(c, &["REVIEW"]).await;
    walk(a, &["REVIEW"]).await;
    // In progress: two for ops (the critical one first), one for qa, one unassigned.
    for (title, priority, assignee) in [
        ("ops low", "low", Some("ops")),
        ("ops critical", "P0", Some("ops")),
        ("qa work", "", Some("qa")),
        ("nobody's", "", None),
    ] {
        let t = make(title, priority, assignee).await;
        walk(t, &["READY", "IN_PROGRESS"]).await;
    }
    let blocked = make("blocked", "", None).await;
    walk(blocked, &["BLOCKED"]).await;
    let done = make("done today", "", Some("writer")).await;
    walk(done, &["READY", "IN_PROGRESS", "REVIEW", "DONE"]).await;
    task_in(&app, &op, pid, "CANCELLED").await;

    let q = "query($n: Int) { dashboard(queueSize: $n) {
        tasksByState { state count }
        needsApproval { totalCount nodes { title } }
        inProgress { agentId totalCount nodes { title } }
        ready { totalCount nodes { title } }
        blocked { totalCount nodes { title blockedFrom } }
        recentlyDone { totalCount nodes { title } }
        failingJobs { source message totalCount nodes { name } }
        openIncidents { source message totalCount nodes { title } unreadable }
    } }";
    let resp = app.gql_as(Some(&op.token), q, json!({"n": null})).await;
    let d = &resp.data()["dashboard"];
    assert_eq!(titles(&d["needsApproval"]), vec!["review b", "review c", "review a"], "oldest in review first");
    assert_eq!(
        titles(&d["ready"]),
        vec!["ready critical old", "ready critical new", "ready high", "ready low"],
        "by priority, then age"
    );
    let groups: Vec<(Value, Vec<&str>)> =
        d["inProgress"].as_array().unwrap().iter().map(|g| (g["agentId"].clone(), titles(g))).collect();
    assert_eq!(
        groups,
        vec![
            (json!("ops"), vec!["ops critical", "ops low"]),
            (json!("qa"), vec!["qa work"]),
            (Value::Null, vec!["nobody's"]),
        ],
        "grouped by agent, unassigned last, highest priority first"
    );
    assert_eq!(d["blocked"]["nodes"], json!([{"title": "blocked", "blockedFrom": "BACKLOG"}]));
    assert_eq!(titles(&d["recentlyDone"]), vec!["done today"]);
    let counts: Vec<(String, i64)> = d["tasksByState"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["state"].as_str().unwrap().to_owned(), c["count"].as_i64().unwrap()))
        .collect();
    let expected: Vec<(String, i64)> = [
        ("BACKLOG", 0),
        ("READY", 4),
        ("IN_PROGRESS", 4),
        ("REVIEW", 3),
        ("DONE", 1),
        ("BLOCKED", 1),
        ("CANCELLED", 1),
    ]
    .iter()
    .map(|(s, n)| (s.to_string(), *n))
    .collect();
    assert_eq!(counts, expected);
    // The gateway is not part of this build: its queue says so instead of pretending all is well.
    assert_eq!(d["failingJobs"], json!({"source": "NOT_CONNECTED", "message": null, "totalCount": 0, "nodes": []}));
    // Open incidents come from the demo workspace's reports: unresolved ones, most severe first.
    assert_eq!(
        d["openIncidents"],
        json!({"source": "LIVE", "message": null, "totalCount": 3, "nodes": [
            {"title": "Iris chat replies stall after a gateway restart"},
            {"title": "Research digest job burned 1.9 M tokens"},
            {"title": "Calendar shows jobs without a time zone one hour off"},
        ], "unreadable": 1}),
        "the draft report that does not parse is counted, not dropped"
    );

    // A smaller queue size cuts the lists, not the counts.
    let resp = app.gql_as(Some(&op.token), q, json!({"n": 1})).await;
    let d = &resp.data()["dashboard"];
    assert_eq!(titles(&d["ready"]), vec!["ready critical old"]);
    assert_eq!(d["ready"]["totalCount"], 4);
    assert_eq!(d["inProgress"][0]["totalCount"], 2);
    assert_eq!(titles(&d["inProgress"][0]), vec!["ops critical"]);
}

async fn the_operations_snapshot_measures_cycle_time_approval_wait_and_rejections(backend: Backend) {
    let app = spawn_app(backend).await;
    let viewer = app.signed_in("VIEWER", "Vera Viewer").await;
    // History on a manual clock, three days ago, through the same services the API uses.
    let day0 = (Utc::now() - Duration::days(3)).with_hour(8).unwrap().with_minute(0).unwrap();
    let clock = Clock::manual(day0);
    let live = &app.state.services;
    let s = Services::new(
        app.state.db.clone(),
        live.bus.clone(),
        clock.clone(),
        live.auth.clone(),
        live.users.clone(),
        live.workspace.clone(),
    );
    let at = |h: f64| clock.set(day0 + Duration::minutes((h * 60.0) as i64));
    let project = s
        .projects
        .create(Actor::System, NewProject { slug: "flow".into(), name: "Flow".into(), ..Default::default() })
        .await
        .unwrap()
        .project;
    let new = |title: &str, assignee: Option<&str>| NewTask {
        project_id: Some(project.id.clone()),
        title: title.into(),
        assignee_id: assignee.map(Into::into),
        ..Default::default()
    };
    // (title, assignee, moves at hours after day0)
    let script: [Scripted; 6] = [
        // Ready at 1 h, review at 3 h, approved at 5 h: cycle 4 h, wait 2 h.
        (
            "one",
            Some("research"),
            &[
                (1.0, Intent::To(TaskState::Ready)),
                (2.0, Intent::To(TaskState::InProgress)),
                (3.0, Intent::To(TaskState::Review)),
                (5.0, Intent::Named(Move::Approve)),
            ],
        ),
        // Ready at 1 h; review at 4 h, rejected at 5 h (wait 1 h); review at 6 h, approved at 10 h (wait 4 h): cycle 9 h.
        (
            "two",
            Some("research"),
            &[
                (1.0, Intent::To(TaskState::Ready)),
                (2.0, Intent::To(TaskState::InProgress)),
                (4.0, Intent::To(TaskState::Review)),
                (5.0, Intent::Named(Move::Reject)),
                (6.0, Intent::To(TaskState::Review)),
                (10.0, Intent::Named(Move::Approve)),
            ],
        ),
        // The next day: ready at 24 h, review at 25.5 h, approved at 26 h: cycle 2 h, wait 30 min.
        (
            "three",
            Some("writer"),
            &[
                (24.0, Intent::To(TaskState::Ready)),
                (25.0, Intent::To(TaskState::InProgress)),
                (25.5, Intent::To(TaskState::Review)),
                (26.0, Intent::Named(Move::Approve)),
            ],
        ),
        (
            "ops working",
            Some("ops"),
            &[(30.0, Intent::To(TaskState::Ready)), (31.0, Intent::To(TaskState::InProgress))],
        ),
        (
            "ops in review",
            Some("ops"),
            &[
                (30.0, Intent::To(TaskState::Ready)),
                (31.0, Intent::To(TaskState::InProgress)),
                (32.0, Intent::To(TaskState::Review)),
            ],
        ),
        ("nobody's", None, &[(30.0, Intent::To(TaskState::Ready)), (31.0, Intent::To(TaskState::InProgress))]),
    ];
    for (title, assignee, steps) in script {
        at(0.0);
        let mut task = s.tasks.create(Actor::System, new(title, assignee)).await.unwrap().task;
        for (h, intent) in steps {
            at(*h);
            let reason = matches!(intent, Intent::Named(Move::Reject)).then_some("missing sources");
            task = s.tasks.transition(Actor::System, &task.id, task.version, *intent, reason, None).await.unwrap().task;
        }
    }

    let resp = app
        .gql_as(Some(&viewer.token),
            "{ operations { windowDays tasksByState { state count } throughput { day done } medianCycleTimeSeconds medianApprovalWaitSeconds approvals rejections rejectionRate workInProgress { agentId inProgress review } } }",
            json!({}),
        )
        .await;
    let o = &resp.data()["operations"];
    assert_eq!(o["windowDays"], 30);
    assert_eq!(o["medianCycleTimeSeconds"], 4 * 3600, "median of 2 h, 4 h, 9 h");
    assert_eq!(o["medianApprovalWaitSeconds"], 5400, "median of 30 min, 1 h, 2 h, 4 h");
    assert_eq!(o["approvals"], 3);
    assert_eq!(o["rejections"], 1);
    assert_eq!(o["rejectionRate"], 0.25);
    assert_eq!(
        o["workInProgress"],
        json!([{"agentId": "ops", "inProgress": 1, "review": 1}, {"agentId": null, "inProgress": 1, "review": 0}])
    );
    let throughput = o["throughput"].as_array().unwrap();
    assert_eq!(throughput.len(), 14);
    assert_eq!(throughput[13]["day"], Utc::now().date_naive().to_string(), "ends today");
    let done_on = |d: chrono::DateTime<Utc>| {
        throughput.iter().find(|t| t["day"] == d.date_naive().to_string()).map(|t| t["done"].as_i64().unwrap())
    };
    assert_eq!(done_on(day0), Some(2));
    assert_eq!(done_on(day0 + Duration::days(1)), Some(1));
    assert_eq!(throughput.iter().map(|t| t["done"].as_i64().unwrap()).sum::<i64>(), 3);
    let done = o["tasksByState"].as_array().unwrap().iter().find(|c| c["state"] == "DONE").unwrap()["count"].clone();
    assert_eq!(done, 3);

    // Decisions older than the window are left out.
    let resp = app
        .gql_as(Some(&viewer.token), "{ operations(days: 1) { approvals medianCycleTimeSeconds } }", json!({}))
        .await;
    assert_eq!(resp.data()["operations"], json!({"approvals": 0, "medianCycleTimeSeconds": null}));
}

both_databases!(
    the_dashboard_shows_every_queue_in_its_order,
    the_operations_snapshot_measures_cycle_time_approval_wait_and_rejections,
);
