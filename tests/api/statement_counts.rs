//! Lists cost a constant number of SQL statements, whatever their length: the statements of a
//! query are counted (SeaORM's metric callback) with 5 and with 50 projects.

use nexus::services::activity::Actor;
use nexus::services::input::AgentId;
use nexus::services::projects::NewProject;
use nexus::services::tasks::{Intent, NewTask, TaskState};
use serde_json::json;

use crate::both_databases;
use crate::support::{spawn_app, Backend, TestApp};

const NESTED: &str = "{ projects(first: 50) { nodes { tasks(first: 20) { nodes { project { name } activity(first: 5) { nodes { summary } } } } } } }";
/// Relation edges the nested query walks: project.tasks, task.project, task.activity.
const NESTED_EDGES: usize = 3;

const DASHBOARD: &str = "{ dashboard {
    tasksByState { state count }
    needsApproval { totalCount nodes { title project { name } assignee { agentId workload { inProgress review } } } }
    inProgress { agentId totalCount nodes { title priority project { name } assignee { workload { inProgress } } } }
    ready { totalCount nodes { title project { name } assignee { agentId workload { ready } } } }
    blocked { totalCount nodes { title blockedFrom project { name } } }
    recentlyDone { totalCount nodes { title doneAt project { name } } }
    failingJobs { source totalCount nodes { name } }
    openIncidents { source totalCount nodes { title } }
} }";
/// Relation edges the dashboard query walks: task.project, task.assignee.
const DASHBOARD_EDGES: usize = 2;

const AGENTS: [&str; 5] = ["main", "ops", "research", "writer", "qa"];

/// Adds projects `from..to`, each with a task in REVIEW, IN_PROGRESS, READY and DONE (and every
/// other one a BLOCKED task), written through the services.
async fn add_projects(app: &TestApp, from: usize, to: usize) {
    let s = &app.state.services;
    let agent = |i: usize| AgentId::parse("agent", AGENTS[i % AGENTS.len()]).unwrap();
    for i in from..to {
        let project = s
            .projects
            .create(
                Actor::System,
                NewProject { slug: format!("p-{i:03}"), name: format!("Project {i}"), ..Default::default() },
            )
            .await
            .unwrap()
            .project;
        let mut plans: Vec<(&str, Vec<TaskState>)> = vec![
            ("review", vec![TaskState::Ready, TaskState::InProgress, TaskState::Review]),
            ("working", vec![TaskState::Ready, TaskState::InProgress]),
            ("queued", vec![TaskState::Ready]),
            ("done", vec![TaskState::Ready, TaskState::InProgress, TaskState::Review, TaskState::Done]),
        ];
        if i % 2 == 0 {
            plans.push(("blocked", vec![TaskState::Ready, TaskState::Blocked]));
        }
        for (k, (title, path)) in plans.into_iter().enumerate() {
            let new = NewTask {
                project_id: Some(project.id.clone()),
                title: format!("{title} {i}"),
                assignee_id: Some(agent(i + k).as_str().to_owned()),
                priority: Some(["P0", "high", "", "low"][(i + k) % 4].to_owned()),
                ..Default::default()
            };
            let mut task = s.tasks.create(Actor::Agent(agent(i)), new).await.unwrap().task;
            for to in path {
                let reason = (to == TaskState::Blocked).then_some("waiting");
                task = s
                    .tasks
                    .transition(Actor::Agent(agent(i)), &task.id, task.version, Intent::To(to), reason, None)
                    .await
                    .unwrap()
                    .task;
            }
        }
    }
}

/// Runs `query` and returns the SQL statements it executed.
async fn statements(app: &TestApp, query: &str) -> (serde_json::Value, Vec<String>) {
    let viewer = app.signed_in("VIEWER", "Vera Viewer").await;
    app.state.db_metrics.start_recording();
    let resp = app.gql_as(Some(&viewer.token), query, json!({})).await;
    let sql = app.state.db_metrics.stop_recording();
    (resp.data().clone(), sql)
}

async fn the_nested_project_query_costs_the_same_statements_for_5_and_50_projects(backend: Backend) {
    let app = spawn_app(backend).await;
    add_projects(&app, 0, 5).await;
    let (data, five) = statements(&app, NESTED).await;
    let projects = data["projects"]["nodes"].as_array().unwrap();
    assert_eq!(projects.len(), 5);
    assert_eq!(projects[0]["tasks"]["nodes"].as_array().unwrap().len(), 5, "project 4 has a blocked task too");
    let first_task = &projects[0]["tasks"]["nodes"][0];
    assert_eq!(first_task["project"]["name"], "Project 4");
    assert!(!first_task["activity"]["nodes"].as_array().unwrap().is_empty());

    add_projects(&app, 5, 50).await;
    let (data, fifty) = statements(&app, NESTED).await;
    let projects = data["projects"]["nodes"].as_array().unwrap();
    assert_eq!(projects.len(), 50);
    let tasks: usize = projects.iter().map(|p| p["tasks"]["nodes"].as_array().unwrap().len()).sum();
    assert_eq!(tasks, 225);
    let entries: usize = projects
        .iter()
        .flat_map(|p| p["tasks"]["nodes"].as_array().unwrap())
        .map(|t| t["activity"]["nodes"].as_array().unwrap().len())
        .sum();
    assert!(entries > tasks * 2, "activity came back for every task ({entries})");

    println!("nested query on {backend:?}: {} statements with 5 projects, {} with 50", five.len(), fifty.len());
    assert_eq!(five.len(), fifty.len(), "5 projects: {five:#?}\n50 projects: {fifty:#?}");
    assert!(fifty.len() <= 1 + NESTED_EDGES, "at most 1 + {NESTED_EDGES} statements: {fifty:#?}");
}

async fn the_dashboard_costs_the_same_statements_for_5_and_50_projects(backend: Backend) {
    let app = spawn_app(backend).await;
    add_projects(&app, 0, 5).await;
    let (data, five) = statements(&app, DASHBOARD).await;
    let d = &data["dashboard"];
    assert_eq!(d["needsApproval"]["totalCount"], 5);
    assert_eq!(d["blocked"]["totalCount"], 3);
    assert_eq!(d["recentlyDone"]["totalCount"], 5);
    assert_eq!(d["failingJobs"]["source"], "NOT_CONNECTED");

    add_projects(&app, 5, 50).await;
    let (data, fifty) = statements(&app, DASHBOARD).await;
    let d = &data["dashboard"];
    assert_eq!(d["needsApproval"]["totalCount"], 50);
    assert_eq!(d["needsApproval"]["nodes"].as_array().unwrap().len(), 10, "the default queue size");
    assert_eq!(d["ready"]["totalCount"], 50);
    let in_progress: i64 = d["inProgress"].as_array().unwrap().iter().map(|q| q["totalCount"].as_i64().unwrap()).sum();
    assert_eq!(in_progress, 50);
    assert_eq!(d["inProgress"].as_array().unwrap().len(), 5, "one queue per agent");
    let by_state: Vec<(String, i64)> = d["tasksByState"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["state"].as_str().unwrap().to_owned(), c["count"].as_i64().unwrap()))
        .collect();
    assert!(
        by_state.contains(&("DONE".to_owned(), 50)) && by_state.contains(&("BLOCKED".to_owned(), 25)),
        "{by_state:?}"
    );

    println!("dashboard on {backend:?}: {} statements with 5 projects, {} with 50", five.len(), fifty.len());
    assert_eq!(five.len(), fifty.len(), "5 projects: {five:#?}\n50 projects: {fifty:#?}");
    assert!(fifty.len() <= 1 + DASHBOARD_EDGES, "at most 1 + {DASHBOARD_EDGES} statements: {fifty:#?}");
}

both_databases!(
    the_nested_project_query_costs_the_same_statements_for_5_and_50_projects,
    the_dashboard_costs_the_same_statements_for_5_and_50_projects,
);
