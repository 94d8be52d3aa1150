//! Projects through GraphQL: unique slugs, archive, delete with and without cascade, lists.

use serde_json::{json, Value};

use crate::both_databases;
use crate::support::work::{create_project, create_task, task_in};
use crate::support::{spawn_app, Backend};

async fn a_duplicate_slug_is_a_conflict_naming_the_slug_field(backend: Backend) {
    let app = spawn_app(backend).await;
    let op = app.signed_in("OPERATOR", "Olga Operator").await;
    create_project(&app, &op, "alpha").await;
    let beta = create_project(&app, &op, "beta").await;
    let create = "mutation($i: CreateProjectInput!) { createProject(input: $i) { project { id } } }";
    for slug in ["alpha", "ALPHA", " alpha "] {
        let resp = app.gql_as(Some(&op.token), create, json!({"i": {"slug": slug, "name": "Another alpha"}})).await;
        assert_eq!(resp.error_code(), Some("CONFLICT"), "{slug}: {}", resp.body);
        assert_eq!(resp.body["errors"][0]["extensions"]["field"], "slug");
        assert!(resp.error_message().contains("alpha"), "{}", resp.error_message());
    }
    // Renaming onto a taken slug is refused the same way, and changes nothing.
    let resp = app
        .gql_as(
            Some(&op.token),
            "mutation($i: UpdateProjectInput!) { updateProject(input: $i) { project { slug } } }",
            json!({"i": {"projectId": beta["id"], "expectedVersion": beta["version"], "slug": "alpha"}}),
        )
        .await;
    assert_eq!(resp.error_code(), Some("CONFLICT"), "{}", resp.body);
    assert_eq!(resp.body["errors"][0]["extensions"]["field"], "slug");
    let resp = app
        .gql_as(Some(&op.token), "query($id: ID) { project(id: $id) { slug version } }", json!({"id": beta["id"]}))
        .await;
    assert_eq!(resp.data()["project"], json!({"slug": "beta", "version": 1}));
    let resp = app.gql_as(Some(&op.token), "{ projects { totalCount } }", json!({})).await;
    assert_eq!(resp.data()["projects"]["totalCount"], 2);
}

async fn deleting_a_project_with_tasks_is_refused_unless_cascading(backend: Backend) {
    let app = spawn_app(backend).await;
    let op = app.signed_in("OPERATOR", "Olga Operator").await;
    let project = create_project(&app, &op, "doomed").await;
    let pid = project["id"].as_str().unwrap();
    let t1 = create_task(&app, &op, pid, "One").await;
    let t2 = task_in(&app, &op, pid, "REVIEW").await;
    let delete = "mutation($i: DeleteProjectInput!) { deleteProject(input: $i) { projectId deletedTaskCount } }";

    let resp = app.gql_as(Some(&op.token), delete, json!({"i": {"projectId": pid, "expectedVersion": 1}})).await;
    assert_eq!(resp.error_code(), Some("CONFLICT"), "{}", resp.body);
    let ext = &resp.body["errors"][0]["extensions"];
    assert_eq!(ext["reason"], "HAS_TASKS");
    assert_eq!(ext["taskCount"], 2);
    assert!(resp.error_message().contains("cascade"), "{}", resp.error_message());
    // Refused means untouched: same version, tasks still there.
    let resp = app
        .gql_as(
            Some(&op.token),
            "query($id: ID) { project(id: $id) { version taskCounts { state count } } }",
            json!({"id": pid}),
        )
        .await;
    assert_eq!(resp.data()["project"]["version"], 1);

    let resp = app
        .gql_as(Some(&op.token), delete, json!({"i": {"projectId": pid, "expectedVersion": 1, "cascade": true}}))
        .await;
    assert_eq!(resp.data()["deleteProject"], json!({"projectId": pid, "deletedTaskCount": 2}));
    let resp = app.gql_as(Some(&op.token), "query($id: ID) { project(id: $id) { id } }", json!({"id": pid})).await;
    assert_eq!(resp.data()["project"], Value::Null);
    for t in [&t1, &t2] {
        let resp =
            app.gql_as(Some(&op.token), "query($id: ID!) { task(id: $id) { id } }", json!({"id": t["id"]})).await;
        assert_eq!(resp.data()["task"], Value::Null);
    }
    let resp = app.gql_as(Some(&op.token), "{ activity { totalCount } }", json!({})).await;
    assert_eq!(resp.data()["activity"]["totalCount"], 0, "the project's activity went with it");

    // An empty project needs no cascade.
    let empty = create_project(&app, &op, "empty").await;
    let resp =
        app.gql_as(Some(&op.token), delete, json!({"i": {"projectId": empty["id"], "expectedVersion": 1}})).await;
    assert_eq!(resp.data()["deleteProject"]["deletedTaskCount"], 0);
}

async fn archived_projects_are_hidden_by_default_and_take_no_new_tasks(backend: Backend) {
    let app = spawn_app(backend).await;
    let op = app.signed_in("OPERATOR", "Olga Operator").await;
    let project = create_project(&app, &op, "old-stuff").await;
    create_project(&app, &op, "current").await;
    let resp = app
        .gql_as(Some(&op.token),
            "mutation($i: ArchiveProjectInput!) { archiveProject(input: $i) { project { archived archivedAt version } activity { kind } } }",
            json!({"i": {"projectId": project["id"], "expectedVersion": 1}}),
        )
        .await;
    let data = &resp.data()["archiveProject"];
    assert_eq!(data["project"]["archived"], true);
    assert_eq!(data["activity"]["kind"], "PROJECT_ARCHIVED");

    let list = "query($f: ProjectFilter) { projects(filter: $f) { totalCount nodes { slug } } }";
    let resp = app.gql_as(Some(&op.token), list, json!({"f": null})).await;
    assert_eq!(resp.data()["projects"]["nodes"], json!([{"slug": "current"}]));
    let resp = app.gql_as(Some(&op.token), list, json!({"f": {"includeArchived": true}})).await;
    assert_eq!(resp.data()["projects"]["totalCount"], 2);

    let resp = app
        .gql_as(
            Some(&op.token),
            "mutation($i: CreateTaskInput!) { createTask(input: $i) { task { id } } }",
            json!({"i": {"projectId": project["id"], "title": "Too late"}}),
        )
        .await;
    assert_eq!(resp.error_code(), Some("CONFLICT"), "{}", resp.body);
    assert_eq!(resp.body["errors"][0]["extensions"]["reason"], "PROJECT_ARCHIVED");
    let resp = app.gql_as(Some(&op.token), "{ tasks { totalCount } }", json!({})).await;
    assert_eq!(resp.data()["tasks"]["totalCount"], 0, "the refused task was rolled back");

    let resp = app
        .gql_as(
            Some(&op.token),
            "mutation($i: ArchiveProjectInput!) { unarchiveProject(input: $i) { project { archived version } } }",
            json!({"i": {"projectId": project["id"], "expectedVersion": 2}}),
        )
        .await;
    assert_eq!(resp.data()["unarchiveProject"]["project"], json!({"archived": false, "version": 3}));
    create_task(&app, &op, project["id"].as_str().unwrap(), "Back in business").await;
}

async fn projects_can_be_found_by_status_name_and_slug(backend: Backend) {
    let app = spawn_app(backend).await;
    let op = app.signed_in("OPERATOR", "Olga Operator").await;
    let create =
        "mutation($i: CreateProjectInput!) { createProject(input: $i) { project { id version status leadAgentId } } }";
    for (slug, name, status) in [
        ("gateway-hardening", "Gateway hardening", "ACTIVE"),
        ("docs-overhaul", "Docs overhaul", "ON_HOLD"),
        ("release-2026-12", "Release 2026.12", "COMPLETED"),
    ] {
        let resp = app
            .gql_as(
                Some(&op.token),
                create,
                json!({"i": {"slug": slug, "name": name, "status": status, "leadAgentId": "Ops"}}),
            )
            .await;
        assert_eq!(resp.data()["createProject"]["project"]["leadAgentId"], "ops");
    }
    let list = "query($f: ProjectFilter) { projects(filter: $f) { totalCount nodes { slug } } }";
    let slugs = |v: &Value| -> Vec<String> {
        v["projects"]["nodes"].as_array().unwrap().iter().map(|n| n["slug"].as_str().unwrap().to_owned()).collect()
    };
    let resp = app.gql_as(Some(&op.token), list, json!({"f": {"status": "ON_HOLD"}})).await;
    assert_eq!(slugs(resp.data()), vec!["docs-overhaul"]);
    let resp = app.gql_as(Some(&op.token), list, json!({"f": {"search": "GATEWAY"}})).await;
    assert_eq!(slugs(resp.data()), vec!["gateway-hardening"]);
    let resp = app.gql_as(Some(&op.token), list, json!({"f": {"search": "2026-12"}})).await;
    assert_eq!(slugs(resp.data()), vec!["release-2026-12"], "slugs are searched too");
    let resp = app.gql_as(Some(&op.token), list, json!({})).await;
    assert_eq!(slugs(resp.data()), vec!["release-2026-12", "docs-overhaul", "gateway-hardening"], "newest first");

    let resp = app.gql_as(Some(&op.token), "{ project(slug: \"Docs-Overhaul\") { name status } }", json!({})).await;
    assert_eq!(resp.data()["project"], json!({"name": "Docs overhaul", "status": "ON_HOLD"}));
    let resp = app.gql_as(Some(&op.token), "{ project(slug: \"nope\") { name } }", json!({})).await;
    assert_eq!(resp.data()["project"], Value::Null);
    let resp = app.gql_as(Some(&op.token), "{ project { name } }", json!({})).await;
    assert_eq!(resp.error_code(), Some("BAD_USER_INPUT"));

    // Updates are versioned and logged.
    let resp = app.gql_as(Some(&op.token), "{ project(slug: \"docs-overhaul\") { id version } }", json!({})).await;
    let p = resp.data()["project"].clone();
    let resp = app
        .gql_as(Some(&op.token),
            "mutation($i: UpdateProjectInput!) { updateProject(input: $i) { project { name status leadAgentId version } activity { kind summary actor { name } } } }",
            json!({"i": {"projectId": p["id"], "expectedVersion": p["version"], "name": "Docs, overhauled", "status": "ACTIVE", "leadAgentId": null}}),
        )
        .await;
    let data = &resp.data()["updateProject"];
    assert_eq!(
        data["project"],
        json!({"name": "Docs, overhauled", "status": "ACTIVE", "leadAgentId": null, "version": 2})
    );
    assert_eq!(data["activity"]["kind"], "PROJECT_UPDATED");
    assert_eq!(data["activity"]["actor"]["name"], "Olga Operator");
    assert!(data["activity"]["summary"].as_str().unwrap().contains("name, status, lead agent"), "{data}");
}

both_databases!(
    a_duplicate_slug_is_a_conflict_naming_the_slug_field,
    deleting_a_project_with_tasks_is_refused_unless_cascading,
    archived_projects_are_hidden_by_default_and_take_no_new_tasks,
    projects_can_be_found_by_status_name_and_slug,
);

/// PostgreSQL only (SQLite runs one writer at a time): a delete that meets a task insert still in
/// flight waits for it and then refuses, instead of cascading the new task away unannounced.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_delete_waits_for_a_task_being_created_and_then_refuses() {
    use chrono::Utc;
    use nexus::db::entities::task;
    use sea_orm::{ActiveModelTrait, Set, TransactionTrait};

    let app = spawn_app(Backend::Postgres).await;
    let op = app.signed_in("OPERATOR", "Olga Operator").await;
    let project = create_project(&app, &op, "racy").await;
    let pid = project["id"].as_str().unwrap().to_owned();

    // A task insert whose transaction has not committed yet, as `createTask` holds it.
    let txn = app.state.db.begin().await.unwrap();
    let now = Utc::now();
    task::ActiveModel {
        id: Set(uuid::Uuid::now_v7().to_string()),
        project_id: Set(pid.clone()),
        title: Set("Created at the same moment".into()),
        description: Set(String::new()),
        state: Set("BACKLOG".into()),
        blocked_from: Set(None),
        priority: Set(2),
        priority_label: Set(String::new()),
        assignee_id: Set(None),
        due_date: Set(None),
        labels: Set("[]".into()),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
        state_changed_at: Set(now),
        ready_at: Set(None),
        done_at: Set(None),
        cycle_seconds: Set(None),
        search_text: Set("created at the same moment\n".into()),
    }
    .insert(&txn)
    .await
    .unwrap();

    let delete = "mutation($i: DeleteProjectInput!) { deleteProject(input: $i) { deletedTaskCount } }";
    let pending = {
        let (url, token) = (app.graphql_url(), op.token.clone());
        let body = json!({"query": delete, "variables": {"i": {"projectId": pid, "expectedVersion": 1}}});
        tokio::spawn(async move {
            let resp = reqwest::Client::new().post(url).bearer_auth(token).json(&body).send().await.unwrap();
            resp.json::<Value>().await.unwrap()
        })
    };
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    assert!(!pending.is_finished(), "the delete waits for the task insert");
    txn.commit().await.unwrap();

    let body = tokio::time::timeout(std::time::Duration::from_secs(10), pending).await.unwrap().unwrap();
    assert_eq!(body["errors"][0]["extensions"]["reason"], "HAS_TASKS", "{body}");
    let resp = app
        .gql_as(
            Some(&op.token),
            "query($id: ID!) { project(id: $id) { taskCount: tasks { totalCount } } }",
            json!({"id": pid}),
        )
        .await;
    assert_eq!(resp.data()["project"]["taskCount"]["totalCount"], 1, "{}", resp.body);
}
