//! Tasks through GraphQL: the state machine, approvals, optimistic concurrency, priorities,
//! input limits and roles.

use std::collections::BTreeSet;

use serde_json::{json, Value};

use crate::both_databases;
use crate::support::work::{create_project, create_task, task_in, transition, TASK_FIELDS};
use crate::support::{spawn_app, Backend, GqlResponse, TestApp};

/// The allowed targets of each state, straight from DESIGN.md §3 (a BLOCKED task left READY).
fn allowed_from(state: &str) -> Vec<&'static str> {
    match state {
        "BACKLOG" => vec!["READY", "BLOCKED", "CANCELLED"],
        "READY" => vec!["IN_PROGRESS", "BLOCKED", "CANCELLED"],
        "IN_PROGRESS" => vec!["REVIEW", "BLOCKED", "CANCELLED"],
        "REVIEW" => vec!["DONE", "IN_PROGRESS", "BLOCKED", "CANCELLED"],
        "BLOCKED" => vec!["READY", "CANCELLED"],
        "DONE" | "CANCELLED" => vec![],
        other => panic!("unknown state {other}"),
    }
}

const STATES: [&str; 7] = ["BACKLOG", "READY", "IN_PROGRESS", "REVIEW", "DONE", "BLOCKED", "CANCELLED"];

async fn activity_count(app: &TestApp, who: &crate::support::TestUser, task: &Value) -> i64 {
    let resp = app
        .gql_as(
            Some(&who.token),
            "query($id: ID!) { task(id: $id) { version activity { totalCount } } }",
            json!({"id": task["id"]}),
        )
        .await;
    resp.data()["task"]["activity"]["totalCount"].as_i64().unwrap()
}

async fn reread(app: &TestApp, who: &crate::support::TestUser, task: &Value) -> Value {
    let q = format!("query($id: ID!) {{ task(id: $id) {{ {TASK_FIELDS} }} }}");
    app.gql_as(Some(&who.token), &q, json!({"id": task["id"]})).await.data()["task"].clone()
}

fn field(resp: &GqlResponse) -> &str {
    resp.body["errors"][0]["extensions"]["field"].as_str().unwrap_or("")
}

async fn every_allowed_transition_works_and_writes_one_activity_entry(backend: Backend) {
    let app = spawn_app(backend).await;
    let op = app.signed_in("OPERATOR", "Olga Operator").await;
    let project = create_project(&app, &op, "transitions").await;
    let pid = project["id"].as_str().unwrap();

    // (start, blocked from, target, needs a reason)
    let mut cases: Vec<(&str, Option<&str>, &str)> = Vec::new();
    for from in ["BACKLOG", "READY", "IN_PROGRESS", "REVIEW"] {
        for to in allowed_from(from) {
            cases.push((from, None, to));
        }
    }
    for blocked_from in ["BACKLOG", "READY", "IN_PROGRESS", "REVIEW"] {
        cases.push(("BLOCKED", Some(blocked_from), blocked_from));
        cases.push(("BLOCKED", Some(blocked_from), "CANCELLED"));
    }
    assert_eq!(cases.len(), 13 + 8);

    for (from, blocked_from, to) in cases {
        let mut task = task_in(&app, &op, pid, blocked_from.unwrap_or(from)).await;
        if from == "BLOCKED" {
            let resp = transition(&app, &op, &task, "BLOCKED", Some("waiting on the vendor")).await;
            task = resp.data()["transitionTask"]["task"].clone();
            assert_eq!(task["blockedFrom"], blocked_from.unwrap());
            let allowed: Vec<&str> =
                task["allowedTransitions"].as_array().unwrap().iter().map(|v| v.as_str().unwrap()).collect();
            assert_eq!(allowed, vec![blocked_from.unwrap(), "CANCELLED"]);
        }
        let before = activity_count(&app, &op, &task).await;
        let needs_reason = to == "BLOCKED" || (from == "REVIEW" && to == "IN_PROGRESS");
        let resp = transition(&app, &op, &task, to, needs_reason.then_some("needs another pass")).await;
        let moved = &resp.data()["transitionTask"];
        assert_eq!(moved["task"]["state"], to, "{from} → {to}");
        assert_eq!(moved["task"]["version"].as_i64(), task["version"].as_i64().map(|v| v + 1), "{from} → {to}");
        assert_eq!(moved["activity"]["fromState"], from);
        assert_eq!(moved["activity"]["toState"], to);
        assert_eq!(moved["activity"]["actor"]["name"], "Olga Operator");
        let expected_kind = match (from, to) {
            (_, "CANCELLED") => "TASK_CANCELLED",
            (_, "BLOCKED") => "TASK_BLOCKED",
            ("BLOCKED", _) => "TASK_UNBLOCKED",
            ("REVIEW", "DONE") => "TASK_APPROVED",
            ("REVIEW", "IN_PROGRESS") => "TASK_REJECTED",
            _ => "TASK_MOVED",
        };
        assert_eq!(moved["activity"]["kind"], expected_kind, "{from} → {to}");
        assert_eq!(activity_count(&app, &op, &task).await, before + 1, "{from} → {to}: exactly one entry");
    }
}

async fn every_other_transition_returns_invalid_transition_naming_the_allowed_targets(backend: Backend) {
    let app = spawn_app(backend).await;
    let op = app.signed_in("OPERATOR", "Olga Operator").await;
    let project = create_project(&app, &op, "refusals").await;
    let pid = project["id"].as_str().unwrap();

    for from in STATES {
        let task = task_in(&app, &op, pid, from).await;
        let allowed = allowed_from(from);
        let before = activity_count(&app, &op, &task).await;
        for to in STATES.iter().filter(|t| !allowed.contains(t)) {
            let resp = transition(&app, &op, &task, to, Some("because")).await;
            assert_eq!(resp.error_code(), Some("INVALID_TRANSITION"), "{from} → {to}: {}", resp.body);
            let ext = &resp.body["errors"][0]["extensions"];
            assert_eq!(ext["from"], from);
            assert_eq!(ext["to"], *to);
            let named: BTreeSet<&str> =
                ext["allowed"].as_array().unwrap().iter().map(|v| v.as_str().unwrap()).collect();
            assert_eq!(named, allowed.iter().copied().collect(), "{from} → {to}");
            let message = resp.error_message();
            assert!(message.contains(from), "{message}");
            for a in &allowed {
                assert!(message.contains(a), "{from} → {to}: `{message}` should name {a}");
            }
        }
        // Named moves that do not apply are refused the same way.
        if from != "REVIEW" {
            let resp = app
                .gql_as(
                    Some(&op.token),
                    "mutation($i: ApproveTaskInput!) { approveTask(input: $i) { task { id } } }",
                    json!({"i": {"taskId": task["id"], "expectedVersion": task["version"]}}),
                )
                .await;
            assert_eq!(resp.error_code(), Some("INVALID_TRANSITION"), "approve from {from}");
        }
        if from != "BLOCKED" {
            let resp = app
                .gql_as(
                    Some(&op.token),
                    "mutation($i: TaskNoteInput!) { unblockTask(input: $i) { task { id } } }",
                    json!({"i": {"taskId": task["id"], "expectedVersion": task["version"]}}),
                )
                .await;
            assert_eq!(resp.error_code(), Some("INVALID_TRANSITION"), "unblock from {from}");
        }
        // Nothing changed: same version, no activity.
        let now = reread(&app, &op, &task).await;
        assert_eq!(now["version"], task["version"], "{from}");
        assert_eq!(now["state"], from);
        assert_eq!(activity_count(&app, &op, &task).await, before, "{from}");
    }
}

async fn rejecting_without_a_reason_is_bad_user_input(backend: Backend) {
    let app = spawn_app(backend).await;
    let op = app.signed_in("OPERATOR", "Olga Operator").await;
    let project = create_project(&app, &op, "rejections").await;
    let task = task_in(&app, &op, project["id"].as_str().unwrap(), "REVIEW").await;
    let reject =
        "mutation($i: RejectTaskInput!) { rejectTask(input: $i) { task { state version } activity { kind detail summary } } }";

    for reason in [None, Some(""), Some("   ")] {
        let resp = app
            .gql_as(
                Some(&op.token),
                reject,
                json!({"i": {"taskId": task["id"], "expectedVersion": task["version"], "reason": reason}}),
            )
            .await;
        assert_eq!(resp.error_code(), Some("BAD_USER_INPUT"), "{reason:?}: {}", resp.body);
        assert_eq!(field(&resp), "reason");
    }
    // REVIEW → IN_PROGRESS through transitionTask is a rejection too.
    let resp = transition(&app, &op, &task, "IN_PROGRESS", None).await;
    assert_eq!(resp.error_code(), Some("BAD_USER_INPUT"));
    assert_eq!(field(&resp), "reason");
    // So is blocking without a reason.
    let resp = app
        .gql_as(
            Some(&op.token),
            "mutation($i: BlockTaskInput!) { blockTask(input: $i) { task { state } } }",
            json!({"i": {"taskId": task["id"], "expectedVersion": task["version"]}}),
        )
        .await;
    assert_eq!(resp.error_code(), Some("BAD_USER_INPUT"));
    assert_eq!(field(&resp), "reason");

    let unchanged = reread(&app, &op, &task).await;
    assert_eq!((unchanged["state"].clone(), unchanged["version"].clone()), (json!("REVIEW"), task["version"].clone()));

    let resp = app
        .gql_as(Some(&op.token),
            reject,
            json!({"i": {"taskId": task["id"], "expectedVersion": task["version"], "reason": "The summary misses the costs."}}),
        )
        .await;
    let data = &resp.data()["rejectTask"];
    assert_eq!(data["task"]["state"], "IN_PROGRESS");
    assert_eq!(data["activity"]["kind"], "TASK_REJECTED");
    assert_eq!(data["activity"]["detail"], "The summary misses the costs.");
    // The sentence names states as people read them; `toState` carries the enum.
    let summary = data["activity"]["summary"].as_str().unwrap();
    assert!(summary.starts_with("Sent “") && summary.ends_with("” back to In progress"), "{summary}");
}

async fn approving_and_rejecting_at_once_with_the_same_version_has_one_winner_and_one_activity_entry(backend: Backend) {
    let app = spawn_app(backend).await;
    let alice = app.signed_in("OPERATOR", "Alice").await;
    let bob = app.signed_in("OPERATOR", "Bob").await;
    let project = create_project(&app, &alice, "race").await;
    let pid = project["id"].as_str().unwrap();

    for round in 0..5 {
        let task = task_in(&app, &alice, pid, "REVIEW").await;
        let before = activity_count(&app, &alice, &task).await;
        let approve = app.gql_as(
            Some(&alice.token),
            "mutation($i: ApproveTaskInput!) { approveTask(input: $i) { task { state } } }",
            json!({"i": {"taskId": task["id"], "expectedVersion": task["version"], "comment": "ship it"}}),
        );
        let reject = app.gql_as(
            Some(&bob.token),
            "mutation($i: RejectTaskInput!) { rejectTask(input: $i) { task { state } } }",
            json!({"i": {"taskId": task["id"], "expectedVersion": task["version"], "reason": "not yet"}}),
        );
        let (a, r) = tokio::join!(approve, reject);
        let codes = [a.error_code(), r.error_code()];
        let winners = codes.iter().filter(|c| c.is_none()).count();
        assert_eq!(winners, 1, "round {round}: exactly one wins: {} / {}", a.body, r.body);
        assert!(codes.contains(&Some("CONFLICT")), "round {round}: the other gets CONFLICT: {} / {}", a.body, r.body);
        let loser = if a.error_code().is_some() { &a } else { &r };
        assert_eq!(
            loser.body["errors"][0]["extensions"]["currentVersion"].as_i64(),
            task["version"].as_i64().map(|v| v + 1)
        );

        let after = reread(&app, &alice, &task).await;
        let expected = if a.error_code().is_none() { "DONE" } else { "IN_PROGRESS" };
        assert_eq!(after["state"], expected);
        assert_eq!(activity_count(&app, &alice, &task).await, before + 1, "round {round}: one activity entry");
    }
}

async fn a_stale_expected_version_is_a_conflict_and_overwrites_nothing(backend: Backend) {
    let app = spawn_app(backend).await;
    let op = app.signed_in("OPERATOR", "Olga Operator").await;
    let project = create_project(&app, &op, "stale").await;
    let task = create_task(&app, &op, project["id"].as_str().unwrap(), "Original title").await;
    let update = "mutation($i: UpdateTaskInput!) { updateTask(input: $i) { task { title version } } }";
    let first = app
        .gql_as(
            Some(&op.token),
            update,
            json!({"i": {"taskId": task["id"], "expectedVersion": 1, "title": "First edit"}}),
        )
        .await;
    assert_eq!(first.data()["updateTask"]["task"]["version"], 2);
    let second = app
        .gql_as(
            Some(&op.token),
            update,
            json!({"i": {"taskId": task["id"], "expectedVersion": 1, "title": "Lost edit"}}),
        )
        .await;
    assert_eq!(second.error_code(), Some("CONFLICT"), "{}", second.body);
    assert_eq!(second.body["errors"][0]["extensions"]["currentVersion"], 2);
    assert_eq!(reread(&app, &op, &task).await["title"], "First edit");
    // The same for moves and assignments.
    let resp = transition(&app, &op, &task, "READY", None).await;
    assert_eq!(resp.error_code(), Some("CONFLICT"));
    let resp = app
        .gql_as(
            Some(&op.token),
            "mutation($i: AssignTaskInput!) { assignTask(input: $i) { task { id } } }",
            json!({"i": {"taskId": task["id"], "expectedVersion": 1, "assigneeId": "qa"}}),
        )
        .await;
    assert_eq!(resp.error_code(), Some("CONFLICT"));
    // An unknown task is NOT_FOUND, not CONFLICT.
    let resp = app
        .gql_as(
            Some(&op.token),
            update,
            json!({"i": {"taskId": uuid::Uuid::now_v7().to_string(), "expectedVersion": 1, "title": "x"}}),
        )
        .await;
    assert_eq!(resp.error_code(), Some("NOT_FOUND"));
}

async fn priorities_in_every_dialect_are_normalised_and_unknown_labels_list_the_accepted_forms(backend: Backend) {
    let app = spawn_app(backend).await;
    let op = app.signed_in("OPERATOR", "Olga Operator").await;
    let project = create_project(&app, &op, "priorities").await;
    let create = "mutation($i: CreateTaskInput!) { createTask(input: $i) { task { priority priorityLabel } } }";
    for (label, want) in [
        ("P0", "CRITICAL"),
        ("urgent", "CRITICAL"),
        ("Blocker", "CRITICAL"),
        ("!!", "CRITICAL"),
        ("1", "CRITICAL"),
        ("P1", "HIGH"),
        ("important", "HIGH"),
        ("!", "HIGH"),
        ("2", "HIGH"),
        ("normal", "MEDIUM"),
        ("", "MEDIUM"),
        ("3", "MEDIUM"),
        ("P4", "LOW"),
        ("trivial", "LOW"),
        ("5", "LOW"),
    ] {
        let resp = app
            .gql_as(
                Some(&op.token),
                create,
                json!({"i": {"projectId": project["id"], "title": "t", "priority": label}}),
            )
            .await;
        let task = &resp.data()["createTask"]["task"];
        assert_eq!(task["priority"], want, "{label:?}");
        assert_eq!(task["priorityLabel"], label);
    }
    let resp = app.gql_as(Some(&op.token), create, json!({"i": {"projectId": project["id"], "title": "t"}})).await;
    assert_eq!(resp.data()["createTask"]["task"]["priority"], "MEDIUM");

    for bad in ["sev1", "P9", "0", "highest"] {
        let resp = app
            .gql_as(Some(&op.token), create, json!({"i": {"projectId": project["id"], "title": "t", "priority": bad}}))
            .await;
        assert_eq!(resp.error_code(), Some("BAD_USER_INPUT"), "{bad}");
        assert_eq!(field(&resp), "priority");
        let accepted = resp.body["errors"][0]["extensions"]["accepted"].as_array().expect("accepted forms").clone();
        for form in ["P0", "urgent", "!!", "trivial", "5"] {
            assert!(accepted.contains(&json!(form)), "{form} missing from {accepted:?}");
            assert!(resp.error_message().contains(form));
        }
    }
}

async fn input_limits_are_bad_user_input_naming_the_field(backend: Backend) {
    let app = spawn_app(backend).await;
    let op = app.signed_in("OPERATOR", "Olga Operator").await;
    let project = create_project(&app, &op, "limits").await;
    let task = create_task(&app, &op, project["id"].as_str().unwrap(), "Within limits").await;
    let pid = project["id"].clone();
    let create_task_q = "mutation($i: CreateTaskInput!) { createTask(input: $i) { task { id } } }";
    let create_project_q = "mutation($i: CreateProjectInput!) { createProject(input: $i) { project { id } } }";
    let cases: Vec<(&str, &str, Value)> = vec![
        ("title", create_task_q, json!({"i": {"projectId": pid, "title": "x".repeat(201)}})),
        ("title", create_task_q, json!({"i": {"projectId": pid, "title": "   "}})),
        (
            "description",
            create_task_q,
            json!({"i": {"projectId": pid, "title": "t", "description": "d".repeat(20_001)}}),
        ),
        ("labels", create_task_q, json!({"i": {"projectId": pid, "title": "t", "labels": vec!["l"; 21]}})),
        ("labels", create_task_q, json!({"i": {"projectId": pid, "title": "t", "labels": ["l".repeat(41)]}})),
        ("assigneeId", create_task_q, json!({"i": {"projectId": pid, "title": "t", "assigneeId": "../etc"}})),
        ("projectId", create_task_q, json!({"i": {"projectId": "not-an-id", "title": "t"}})),
        ("slug", create_project_q, json!({"i": {"slug": "Not A Slug", "name": "n"}})),
        ("name", create_project_q, json!({"i": {"slug": "fine-slug", "name": "n".repeat(121)}})),
        ("first", "query { tasks(first: 101) { nodes { id } } }", json!({})),
        ("first", "query { projects(first: -1) { nodes { id } } }", json!({})),
        ("after", "query { tasks(after: \"garbage\") { nodes { id } } }", json!({})),
        ("search", "query($s: String) { tasks(filter: {search: $s}) { nodes { id } } }", json!({"s": "s".repeat(201)})),
        ("queueSize", "query { dashboard(queueSize: 51) { generatedAt } }", json!({})),
        ("days", "query { operations(days: 0) { windowDays } }", json!({})),
        (
            "reason",
            "mutation($i: BlockTaskInput!) { blockTask(input: $i) { task { id } } }",
            json!({"i": {"taskId": task["id"], "expectedVersion": task["version"], "reason": "r".repeat(2_001)}}),
        ),
    ];
    for (want, q, vars) in cases {
        let resp = app.gql_as(Some(&op.token), q, vars).await;
        assert_eq!(resp.error_code(), Some("BAD_USER_INPUT"), "{want}: {}", resp.body);
        assert_eq!(field(&resp), want, "{}", resp.body);
    }
    // Nested page sizes are checked too.
    let resp = app
        .gql_as(Some(&op.token), "query { projects { nodes { tasks(first: 500) { nodes { id } } } } }", json!({}))
        .await;
    assert_eq!(resp.error_code(), Some("BAD_USER_INPUT"), "{}", resp.body);
    assert_eq!(field(&resp), "first");
    // At the limits everything is accepted.
    let resp = app
        .gql_as(Some(&op.token),
            create_task_q,
            json!({"i": {"projectId": pid, "title": "é".repeat(200), "description": "d".repeat(20_000), "labels": vec!["l"; 20]}}),
        )
        .await;
    resp.data();
}

async fn viewers_can_read_but_not_mutate_and_anonymous_callers_can_do_neither(backend: Backend) {
    let app = spawn_app(backend).await;
    let op = app.signed_in("OPERATOR", "Olga Operator").await;
    let viewer = app.signed_in("VIEWER", "Vera Viewer").await;
    let project = create_project(&app, &op, "roles").await;
    let task = task_in(&app, &op, project["id"].as_str().unwrap(), "REVIEW").await;

    let mutations: Vec<(&str, Value)> = vec![
        (
            "mutation($i: CreateProjectInput!) { createProject(input: $i) { project { id } } }",
            json!({"i": {"slug": "nope", "name": "n"}}),
        ),
        (
            "mutation($i: CreateTaskInput!) { createTask(input: $i) { task { id } } }",
            json!({"i": {"projectId": project["id"], "title": "t"}}),
        ),
        (
            "mutation($i: ApproveTaskInput!) { approveTask(input: $i) { task { id } } }",
            json!({"i": {"taskId": task["id"], "expectedVersion": task["version"]}}),
        ),
        (
            "mutation($i: TransitionTaskInput!) { transitionTask(input: $i) { task { id } } }",
            json!({"i": {"taskId": task["id"], "expectedVersion": task["version"], "to": "CANCELLED"}}),
        ),
        (
            "mutation($i: DeleteProjectInput!) { deleteProject(input: $i) { projectId } }",
            json!({"i": {"projectId": project["id"], "expectedVersion": project["version"], "cascade": true}}),
        ),
    ];
    for (q, vars) in &mutations {
        let resp = app.gql_as(Some(&viewer.token), q, vars.clone()).await;
        assert_eq!(resp.error_code(), Some("FORBIDDEN"), "{q}: {}", resp.body);
        let resp = app.gql(q, vars.clone()).await;
        assert_eq!(resp.error_code(), Some("UNAUTHENTICATED"), "{q}: {}", resp.body);
    }
    assert_eq!(reread(&app, &op, &task).await["state"], "REVIEW", "nothing changed");

    for q in [
        "{ projects { totalCount } }",
        "{ tasks { totalCount } }",
        "{ dashboard { generatedAt } }",
        "{ operations { windowDays } }",
        "{ activity { totalCount } }",
    ] {
        let resp = app.gql_as(Some(&viewer.token), q, json!({})).await;
        resp.data();
        let resp = app.gql(q, json!({})).await;
        assert_eq!(resp.error_code(), Some("UNAUTHENTICATED"), "{q}");
    }
}

async fn text_search_ignores_case_in_every_script_and_follows_edits(backend: Backend) {
    let app = spawn_app(backend).await;
    let op = app.signed_in("OPERATOR", "Olga Operator").await;
    let project = create_project(&app, &op, "qualitaet").await;
    let pid = project["id"].as_str().unwrap();
    let task = create_task(&app, &op, pid, "Überprüfung der Logs").await;
    create_task(&app, &op, pid, "Σύνοψη της εβδομάδας").await;
    let describe = "mutation($i: UpdateTaskInput!) { updateTask(input: $i) { task { version } } }";
    let v = app
        .gql_as(
            Some(&op.token),
            describe,
            json!({"i": {"taskId": task["id"], "expectedVersion": task["version"], "description": "Notes for the ÉTÉ release"}}),
        )
        .await
        .data()["updateTask"]["task"]["version"]
        .clone();

    let titles = |search: &str| {
        let (app, op) = (&app, &op);
        let search = search.to_owned();
        async move {
            let resp = app
                .gql_as(
                    Some(&op.token),
                    "query($s: String) { tasks(filter: {search: $s}) { nodes { title } } }",
                    json!({"s": search}),
                )
                .await;
            resp.data()["tasks"]["nodes"]
                .as_array()
                .unwrap()
                .iter()
                .map(|n| n["title"].as_str().unwrap().to_owned())
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(titles("überprüfung").await, ["Überprüfung der Logs"]);
    assert_eq!(titles("ÜBERPRÜFUNG DER").await, ["Überprüfung der Logs"]);
    assert_eq!(titles("ΣΎΝΟΨΗ").await, ["Σύνοψη της εβδομάδας"]);
    assert_eq!(titles("été").await, ["Überprüfung der Logs"], "descriptions are searched too");

    // An edit of the title moves the task to what it is called now.
    app.gql_as(
        Some(&op.token),
        describe,
        json!({"i": {"taskId": task["id"], "expectedVersion": v, "title": "Straße prüfen"}}),
    )
    .await
    .data();
    assert!(titles("überprüfung").await.is_empty());
    assert_eq!(titles("STRAẞE").await, ["Straße prüfen"]);
    assert_eq!(titles("été").await, ["Straße prüfen"], "the description still counts");

    // Projects by name, in any case.
    let rename = "mutation($i: UpdateProjectInput!) { updateProject(input: $i) { project { name } } }";
    app.gql_as(
        Some(&op.token),
        rename,
        json!({"i": {"projectId": pid, "expectedVersion": project["version"], "name": "Qualität & Café"}}),
    )
    .await
    .data();
    let resp = app
        .gql_as(Some(&op.token), "{ a: projects(filter: {search: \"CAFÉ\"}) { nodes { slug } } b: projects(filter: {search: \"QUALITAET\"}) { nodes { slug } } }", json!({}))
        .await;
    assert_eq!(resp.data()["a"]["nodes"], json!([{"slug": "qualitaet"}]));
    assert_eq!(resp.data()["b"]["nodes"], json!([{"slug": "qualitaet"}]), "the slug is kept in the search text");
}

async fn a_move_with_a_reason_and_a_comment_keeps_both_in_the_activity_log(backend: Backend) {
    let app = spawn_app(backend).await;
    let op = app.signed_in("OPERATOR", "Olga Operator").await;
    let project = create_project(&app, &op, "notes").await;
    let task = create_task(&app, &op, project["id"].as_str().unwrap(), "Rotate keys").await;
    let resp = app
        .gql_as(
            Some(&op.token),
            "mutation($i: TransitionTaskInput!) { transitionTask(input: $i) { activity { detail } } }",
            json!({"i": {"taskId": task["id"], "expectedVersion": task["version"], "to": "BLOCKED",
                "reason": "Waiting for the vault", "comment": "Ops said Friday"}}),
        )
        .await;
    let detail = resp.data()["transitionTask"]["activity"]["detail"].as_str().unwrap().to_owned();
    assert!(detail.contains("Waiting for the vault") && detail.contains("Ops said Friday"), "{detail}");
}

async fn agent_ids_must_name_an_agent_of_the_team(backend: Backend) {
    let app = spawn_app(backend).await;
    let op = app.signed_in("OPERATOR", "Olga Operator").await;
    let project = create_project(&app, &op, "crew").await;
    let create = "mutation($i: CreateTaskInput!) { createTask(input: $i) { task { assigneeId } } }";
    let resp = app
        .gql_as(
            Some(&op.token),
            create,
            json!({"i": {"projectId": project["id"], "title": "Ghost work", "assigneeId": "ghost"}}),
        )
        .await;
    assert_eq!(resp.error_code(), Some("BAD_USER_INPUT"), "{}", resp.body);
    let ext = &resp.body["errors"][0]["extensions"];
    assert_eq!(ext["field"], "assigneeId", "{}", resp.body);
    assert!(ext["accepted"].as_array().unwrap().contains(&json!("ops")), "{}", resp.body);
    assert!(resp.error_message().contains("ghost"), "{}", resp.error_message());

    let task = create_task(&app, &op, project["id"].as_str().unwrap(), "Real work").await;
    let assign = "mutation($i: AssignTaskInput!) { assignTask(input: $i) { task { assigneeId } } }";
    let resp = app
        .gql_as(
            Some(&op.token),
            assign,
            json!({"i": {"taskId": task["id"], "expectedVersion": task["version"], "assigneeId": "nobody"}}),
        )
        .await;
    assert_eq!(resp.body["errors"][0]["extensions"]["field"], "assigneeId", "{}", resp.body);
    let resp = app
        .gql_as(
            Some(&op.token),
            assign,
            json!({"i": {"taskId": task["id"], "expectedVersion": task["version"], "assigneeId": "QA"}}),
        )
        .await;
    assert_eq!(resp.data()["assignTask"]["task"]["assigneeId"], "qa");

    let lead = "mutation($i: CreateProjectInput!) { createProject(input: $i) { project { id } } }";
    let resp = app
        .gql_as(Some(&op.token), lead, json!({"i": {"slug": "x-team", "name": "X", "leadAgentId": "phantom"}}))
        .await;
    assert_eq!(resp.body["errors"][0]["extensions"]["field"], "leadAgentId", "{}", resp.body);
    let resp = app.gql_as(Some(&op.token), "{ agent(id: \"Main\") { id } }", json!({})).await;
    assert_eq!(resp.data()["agent"]["id"], "main", "agent ids compare case-insensitively");
}

async fn tasks_can_be_filtered_and_paged_with_cursors(backend: Backend) {
    let app = spawn_app(backend).await;
    let op = app.signed_in("OPERATOR", "Olga Operator").await;
    let a = create_project(&app, &op, "alpha").await;
    let b = create_project(&app, &op, "beta").await;
    let create = "mutation($i: CreateTaskInput!) { createTask(input: $i) { task { id version } } }";
    let mut ids = Vec::new();
    for (project, title, priority, assignee) in [
        (&a, "Rotate the gateway token", "P0", Some("ops")),
        (&a, "Write the restore runbook", "low", Some("writer")),
        (&a, "Benchmark SQLite 100% of the time", "3", None),
        (&a, "Review the CSP header", "high", Some("ops")),
        (&b, "Digest: memory papers", "normal", Some("research")),
        (&b, "Release checklist", "P1", None),
    ] {
        let resp = app
            .gql_as(Some(&op.token),
                create,
                json!({"i": {"projectId": project["id"], "title": title, "priority": priority, "assigneeId": assignee}}),
            )
            .await;
        ids.push(resp.data()["createTask"]["task"].clone());
    }
    transition(&app, &op, &ids[3], "READY", None).await.data();

    let count = |filter: Value| {
        let app = &app;
        let op = &op;
        async move {
            let resp = app
                .gql_as(
                    Some(&op.token),
                    "query($f: TaskFilter) { tasks(filter: $f) { totalCount nodes { id } } }",
                    json!({"f": filter}),
                )
                .await;
            let data = resp.data()["tasks"].clone();
            assert_eq!(data["totalCount"].as_u64().unwrap() as usize, data["nodes"].as_array().unwrap().len());
            data["totalCount"].as_u64().unwrap()
        }
    };
    assert_eq!(count(json!({})).await, 6);
    assert_eq!(count(json!({"projectId": a["id"]})).await, 4);
    assert_eq!(count(json!({"states": ["READY"]})).await, 1);
    assert_eq!(count(json!({"states": ["BACKLOG", "READY"], "projectId": b["id"]})).await, 2);
    assert_eq!(count(json!({"assigneeId": "ops"})).await, 2);
    assert_eq!(count(json!({"assigneeId": "OPS"})).await, 2, "agent ids compare case-insensitively");
    assert_eq!(count(json!({"unassigned": true})).await, 2);
    assert_eq!(count(json!({"priorities": ["CRITICAL", "HIGH"]})).await, 3);
    assert_eq!(count(json!({"search": "gateway"})).await, 1);
    assert_eq!(count(json!({"search": "GATEWAY TOKEN"})).await, 1);
    assert_eq!(count(json!({"search": "100%"})).await, 1, "LIKE wildcards are escaped");
    assert_eq!(count(json!({"search": "%"})).await, 1);
    assert_eq!(count(json!({"search": "_"})).await, 0);

    // Follow the cursors: every task exactly once, newest first.
    let mut seen = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let resp = app
            .gql_as(Some(&op.token),
                "query($after: String) { tasks(first: 4, after: $after) { totalCount edges { cursor node { id } } pageInfo { hasNextPage endCursor } } }",
                json!({"after": after}),
            )
            .await;
        let conn = resp.data()["tasks"].clone();
        assert_eq!(conn["totalCount"], 6);
        for e in conn["edges"].as_array().unwrap() {
            seen.push(e["node"]["id"].as_str().unwrap().to_owned());
        }
        if !conn["pageInfo"]["hasNextPage"].as_bool().unwrap() {
            break;
        }
        after = conn["pageInfo"]["endCursor"].as_str().map(str::to_owned);
    }
    let mut created: Vec<String> = ids.iter().map(|t| t["id"].as_str().unwrap().to_owned()).collect();
    created.reverse();
    assert_eq!(seen, created);
}

async fn edits_and_assignments_are_versioned_and_logged(backend: Backend) {
    let app = spawn_app(backend).await;
    let op = app.signed_in("OPERATOR", "Olga Operator").await;
    let project = create_project(&app, &op, "edits").await;
    let task = create_task(&app, &op, project["id"].as_str().unwrap(), "Draft").await;
    let resp = app
        .gql_as(Some(&op.token),
            "mutation($i: UpdateTaskInput!) { updateTask(input: $i) { task { title priority priorityLabel dueDate labels version } activity { kind summary } } }",
            json!({"i": {"taskId": task["id"], "expectedVersion": 1, "title": "Final", "priority": "urgent", "dueDate": "2026-12-24", "labels": ["ops", "OPS", "release"]}}),
        )
        .await;
    let data = &resp.data()["updateTask"];
    assert_eq!(data["task"]["title"], "Final");
    assert_eq!(data["task"]["priority"], "CRITICAL");
    assert_eq!(data["task"]["dueDate"], "2026-12-24");
    assert_eq!(data["task"]["labels"], json!(["ops", "release"]));
    assert_eq!(data["task"]["version"], 2);
    assert_eq!(data["activity"]["kind"], "TASK_UPDATED");
    assert!(data["activity"]["summary"].as_str().unwrap().contains("title, priority, due date, labels"), "{}", data);

    let resp = app
        .gql_as(
            Some(&op.token),
            "mutation($i: UpdateTaskInput!) { updateTask(input: $i) { task { dueDate version } } }",
            json!({"i": {"taskId": task["id"], "expectedVersion": 2, "dueDate": null}}),
        )
        .await;
    assert_eq!(resp.data()["updateTask"]["task"]["dueDate"], Value::Null);

    let assign = "mutation($i: AssignTaskInput!) { assignTask(input: $i) { task { assigneeId assignee { agentId workload { ready inProgress } } version } activity { kind summary } } }";
    let resp = app
        .gql_as(
            Some(&op.token),
            assign,
            json!({"i": {"taskId": task["id"], "expectedVersion": 3, "assigneeId": "Research"}}),
        )
        .await;
    let data = &resp.data()["assignTask"];
    assert_eq!(data["task"]["assigneeId"], "research");
    assert_eq!(data["task"]["assignee"]["agentId"], "research");
    assert_eq!(data["activity"]["kind"], "TASK_ASSIGNED");
    assert_eq!(data["activity"]["summary"], "Reassigned “Final” from ops to research");
    let resp = app
        .gql_as(Some(&op.token), assign, json!({"i": {"taskId": task["id"], "expectedVersion": 4, "assigneeId": null}}))
        .await;
    assert_eq!(resp.data()["assignTask"]["task"]["assigneeId"], Value::Null);
    assert_eq!(resp.data()["assignTask"]["activity"]["summary"], "Unassigned “Final” (was research)");
}

both_databases!(
    agent_ids_must_name_an_agent_of_the_team,
    a_move_with_a_reason_and_a_comment_keeps_both_in_the_activity_log,
    text_search_ignores_case_in_every_script_and_follows_edits,
    every_allowed_transition_works_and_writes_one_activity_entry,
    every_other_transition_returns_invalid_transition_naming_the_allowed_targets,
    rejecting_without_a_reason_is_bad_user_input,
    approving_and_rejecting_at_once_with_the_same_version_has_one_winner_and_one_activity_entry,
    a_stale_expected_version_is_a_conflict_and_overwrites_nothing,
    priorities_in_every_dialect_are_normalised_and_unknown_labels_list_the_accepted_forms,
    input_limits_are_bad_user_input_naming_the_field,
    viewers_can_read_but_not_mutate_and_anonymous_callers_can_do_neither,
    tasks_can_be_filtered_and_paged_with_cursors,
    edits_and_assignments_are_versioned_and_logged,
);
