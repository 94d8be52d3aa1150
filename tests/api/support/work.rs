//! Fixtures for project and task tests, all through GraphQL.

use crate::support::TestUser;
use serde_json::{json, Value};

use super::TestApp;

/// The task fields most tests look at.
pub const TASK_FIELDS: &str = "id state version blockedFrom allowedTransitions priority priorityLabel title";

/// Creates a project; returns it (`id`, `slug`, `version`).
pub async fn create_project(app: &TestApp, who: &TestUser, slug: &str) -> Value {
    let resp = app
        .gql_as(Some(&who.token),
            "mutation($input: CreateProjectInput!) { createProject(input: $input) { project { id slug version name } } }",
            json!({"input": {"slug": slug, "name": format!("Project {slug}"), "leadAgentId": "main"}}),
        )
        .await;
    resp.data()["createProject"]["project"].clone()
}

/// Creates a task in `project`; returns it with [`TASK_FIELDS`].
pub async fn create_task(app: &TestApp, who: &TestUser, project: &str, title: &str) -> Value {
    let q =
        format!("mutation($input: CreateTaskInput!) {{ createTask(input: $input) {{ task {{ {TASK_FIELDS} }} }} }}");
    let resp = app
        .gql_as(Some(&who.token), &q, json!({"input": {"projectId": project, "title": title, "assigneeId": "ops"}}))
        .await;
    resp.data()["createTask"]["task"].clone()
}

/// Runs `transitionTask` and returns the raw response.
pub async fn transition(
    app: &TestApp,
    who: &TestUser,
    task: &Value,
    to: &str,
    reason: Option<&str>,
) -> super::GqlResponse {
    let q = format!(
        "mutation($input: TransitionTaskInput!) {{ transitionTask(input: $input) {{ task {{ {TASK_FIELDS} }} activity {{ kind fromState toState detail summary actor {{ kind name }} }} }} }}"
    );
    let input = json!({"taskId": task["id"], "expectedVersion": task["version"], "to": to, "reason": reason});
    app.gql_as(Some(&who.token), &q, json!({ "input": input })).await
}

/// The path from BACKLOG to `state` (blocked and cancelled tasks leave from READY).
pub fn path_to(state: &str) -> Vec<&'static str> {
    match state {
        "BACKLOG" => vec![],
        "READY" => vec!["READY"],
        "IN_PROGRESS" => vec!["READY", "IN_PROGRESS"],
        "REVIEW" => vec!["READY", "IN_PROGRESS", "REVIEW"],
        "DONE" => vec!["READY", "IN_PROGRESS", "REVIEW", "DONE"],
        "BLOCKED" => vec!["READY", "BLOCKED"],
        "CANCELLED" => vec!["READY", "CANCELLED"],
        other => panic!("unknown state {other}"),
    }
}

/// Creates a task and moves it to `state`; returns it.
pub async fn task_in(app: &TestApp, who: &TestUser, project: &str, state: &str) -> Value {
    let mut task = create_task(app, who, project, &format!("A task headed for {state}")).await;
    for step in path_to(state) {
        let reason = (step == "BLOCKED").then_some("waiting for the vendor");
        let resp = transition(app, who, &task, step, reason).await;
        task = resp.data()["transitionTask"]["task"].clone();
    }
    assert_eq!(task["state"], state);
    task
}
