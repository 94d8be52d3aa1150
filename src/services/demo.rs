//! Demo data: three weeks of a believable team's work — five projects, sixty tasks in every
//! state, and the activity history that got them there — so every screen has content.
//!
//! The history is replayed through the real services on a manual clock, so the data obeys every
//! rule (states, versions, activity entries, cycle times) exactly as live data would. It is
//! seeded by `nexus demo` and on the first start of the zero-configuration SQLite database; a
//! configured database is never seeded implicitly.
//!
//! The people: the five agents of the demo OpenClaw workspace (main = Iris, ops = Kit,
//! research = Orin, writer = Quill, qa = Tess) and two human operators, Maya and Jonas, whose
//! accounts exist only as authors of the history: they are disabled and have no usable password.

use argon2::password_hash::{rand_core::OsRng, SaltString};
use argon2::{Argon2, PasswordHasher};
use chrono::{DateTime, Duration, Utc};
use migration::MigratorTrait;
use rand::RngCore;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, DbErr, EntityTrait, PaginatorTrait, QueryFilter, Set,
};

use super::activity::Actor;
use super::clock::Clock;
use super::input::AgentId;
use super::projects::{NewProject, ProjectError, ProjectService, ProjectStatus};
use super::tasks::state::Move;
use super::tasks::{Intent, NewTask, TaskError, TaskService};
use crate::db::entities::{project, user};
use crate::db::ids::{TaskId, UserId};
use crate::events::EventBus;

/// The migration that creates the tables the demo fills.
const PROJECTS_MIGRATION: &str = "m20261203_000002_projects_tasks_activity";

/// What was seeded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DemoSummary {
    /// Projects created.
    pub projects: usize,
    /// Tasks created.
    pub tasks: usize,
    /// Activity entries written.
    pub activity: usize,
}

/// Why seeding failed.
#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    /// The database already has projects: the demo only fills an empty one.
    #[error("the database already has {0} projects; the demo data is only seeded into an empty database")]
    NotEmpty(u64),
    /// A project could not be created.
    #[error("creating a demo project: {0}")]
    Project(#[from] ProjectError),
    /// A task could not be created or moved.
    #[error("replaying demo task {title:?}: {source}")]
    Task {
        /// The task.
        title: String,
        /// What failed.
        source: TaskError,
    },
    /// Hashing a placeholder password failed.
    #[error("hashing a placeholder password: {0}")]
    Hash(String),
    /// The database failed.
    #[error("database error: {0}")]
    Database(#[from] DbErr),
}

/// Whether the projects schema is still to be created: the first start of this database as far
/// as projects and tasks are concerned. Call before applying migrations.
pub async fn first_start(db: &DatabaseConnection) -> Result<bool, DbErr> {
    let pending = migration::Migrator::get_pending_migrations(db).await?;
    Ok(pending.iter().any(|m| m.name() == PROJECTS_MIGRATION))
}

#[derive(Clone, Copy)]
enum Who {
    Maya,
    Jonas,
    Agent(&'static str),
}

#[derive(Clone, Copy)]
enum Step {
    Ready,
    Start,
    Submit,
    Approve(Option<&'static str>),
    Reject(&'static str),
    Block(&'static str),
    Unblock,
    Cancel(&'static str),
}

struct DemoProject {
    slug: &'static str,
    name: &'static str,
    lead: &'static str,
    status: ProjectStatus,
    description: &'static str,
    tasks: &'static [DemoTask],
}

struct DemoTask {
    /// Hours after the start of the history (21 days ago) at which the task was filed.
    at: f64,
    title: &'static str,
    description: &'static str,
    priority: &'static str,
    assignee: Option<&'static str>,
    labels: &'static [&'static str],
    /// Due in this many days from today.
    due: Option<i64>,
    /// Moves, each this many hours after the previous event of the task.
    steps: &'static [(f64, Step)],
}

use Step::*;

const DONE: &[(f64, Step)] = &[(3.0, Ready), (5.0, Start), (20.0, Submit), (6.0, Approve(None))];

const PROJECTS: &[DemoProject] = &[
    DemoProject {
        slug: "nexus-dashboard",
        name: "Nexus dashboard",
        lead: "main",
        status: ProjectStatus::Active,
        description: "Mission control for the team: task queues, approvals, live updates and the Iris chat, rebuilt on the new GraphQL API.",
        tasks: &[
            DemoTask { at: 220.0, title: "Dashboard queues in one request", description: "needsApproval, inProgress by agent, ready, blocked and recently done in a single query; counts from SQL aggregates.", priority: "P1", assignee: Some("main"), labels: &["api", "dashboard"], due: None, steps: &[(2.0, Ready), (4.0, Start), (30.0, Submit), (5.0, Approve(Some("Queues match the old screen; counts are right on both databases.")))] },
            DemoTask { at: 180.0, title: "Relay pagination for projects and tasks", description: "Cursor connections with totalCount, at most 100 per page.", priority: "high", assignee: Some("main"), labels: &["api"], due: None, steps: DONE },
            DemoTask { at: 280.0, title: "Task state machine with approvals", description: "BACKLOG → READY → IN_PROGRESS → REVIEW → DONE, reject with a reason, block and unblock, cancel; every move guarded by the version the client saw.", priority: "P0", assignee: Some("main"), labels: &["api", "tasks"], due: None, steps: &[(1.0, Ready), (2.0, Start), (26.0, Submit), (4.0, Reject("Reject without a reason still succeeds. Add the check and a test for it.")), (8.0, Submit), (3.0, Approve(Some("Reasons are enforced now. Thanks for the table-driven test.")))] },
            DemoTask { at: 140.0, title: "Live updates over graphql-ws", description: "taskChanged, activityAdded and dashboardChanged subscriptions; Postgres LISTEN/NOTIFY so replicas share them.", priority: "P1", assignee: Some("main"), labels: &["api", "realtime"], due: Some(3), steps: &[(4.0, Ready), (20.0, Start), (300.0, Submit)] },
            DemoTask { at: 200.0, title: "Dataloaders for nested task lists", description: "project.tasks and task.activity must cost one query each, however many projects are on screen.", priority: "high", assignee: Some("main"), labels: &["api", "performance"], due: Some(5), steps: &[(5.0, Ready), (250.0, Start)] },
            DemoTask { at: 260.0, title: "Agent detail modal", description: "Identity, model, heartbeat, goal and open tasks of one agent.", priority: "medium", assignee: Some("main"), labels: &["frontend"], due: None, steps: &[(30.0, Ready)] },
            DemoTask { at: 300.0, title: "Dark theme contrast pass", description: "Glass panels lose contrast on bright displays; check every text colour against WCAG AA.", priority: "low", assignee: None, labels: &["frontend", "a11y"], due: None, steps: &[] },
            DemoTask { at: 120.0, title: "Iris chat panel streaming", description: "Stream Iris's replies token by token; end with an error state when the gateway fails.", priority: "P1", assignee: Some("main"), labels: &["frontend", "chat"], due: Some(10), steps: &[(6.0, Ready), (40.0, Block("Waiting for the gateway's chat completions endpoint to be enabled on staging."))] },
            DemoTask { at: 330.0, title: "Keyboard shortcuts for approvals", description: "a to approve, r to reject with the reason field focused.", priority: "P3", assignee: None, labels: &["frontend"], due: None, steps: &[] },
            DemoTask { at: 30.0, title: "Flow board drag and drop", description: "Drag cards between columns to change state.", priority: "P2", assignee: Some("main"), labels: &["frontend"], due: None, steps: &[(10.0, Ready), (60.0, Cancel("Replaced by the state buttons in the task strip; drag and drop fought the version checks."))] },
            DemoTask { at: 420.0, title: "Activity feed with actor names", description: "Show who did what: users by display name, agents by id, Nexus for the system.", priority: "medium", assignee: Some("main"), labels: &["dashboard"], due: None, steps: &[(2.0, Ready), (4.0, Start), (60.0, Submit), (12.0, Approve(Some("Reads like a real team now.")))] },
            DemoTask { at: 380.0, title: "Operations charts: throughput and cycle time", description: "Fourteen days of throughput, median cycle time and approval wait.", priority: "normal", assignee: Some("main"), labels: &["dashboard", "operations"], due: Some(12), steps: &[(20.0, Ready)] },
        ],
    },
    DemoProject {
        slug: "gateway-hardening",
        name: "Gateway hardening",
        lead: "ops",
        status: ProjectStatus::Active,
        description: "Make the OpenClaw gateway boring to operate: loopback only, rotated secrets, health checks, a restore we have actually rehearsed.",
        tasks: &[
            DemoTask { at: 160.0, title: "Rotate the gateway token", description: "The token was shared in a chat during the migration. Rotate it and update the nginx upstream.", priority: "urgent", assignee: Some("ops"), labels: &["security"], due: None, steps: &[(0.5, Ready), (0.5, Start), (2.0, Submit), (1.0, Approve(Some("Old token rejected, new one works from Nexus.")))] },
            DemoTask { at: 200.0, title: "Bind the gateway to loopback behind nginx", description: "gateway.bind = loopback; nginx is the only way in.", priority: "P0", assignee: Some("ops"), labels: &["security", "nginx"], due: None, steps: DONE },
            DemoTask { at: 150.0, title: "Circuit breaker for gateway calls", description: "Open after five failures in a minute, half-open after thirty seconds; the dashboard shows UNAVAILABLE instead of hanging.", priority: "P1", assignee: Some("ops"), labels: &["reliability"], due: Some(4), steps: &[(3.0, Ready), (200.0, Start)] },
            DemoTask { at: 180.0, title: "Health check with exponential backoff in deploy", description: "The deploy workflow polls /ready with backoff before the smoke tests run.", priority: "high", assignee: Some("ops"), labels: &["ci", "deploy"], due: Some(2), steps: &[(2.0, Ready), (20.0, Start), (270.0, Submit)] },
            DemoTask { at: 340.0, title: "Alert when a cron job fails twice in a row", description: "Page ops on the second consecutive failure, not the first: the memory job retries on its own.", priority: "P2", assignee: Some("ops"), labels: &["cron", "alerting"], due: None, steps: &[(12.0, Ready)] },
            DemoTask { at: 100.0, title: "Restore drill from the nightly backup", description: "Restore last night's pg_dumpall on a scratch machine and run the smoke tests against it.", priority: "P1", assignee: Some("ops"), labels: &["backup"], due: Some(7), steps: &[(8.0, Ready), (30.0, Block("Needs a scratch VPS; the budget request is with Jonas."))] },
            DemoTask { at: 430.0, title: "TLS certificate renewal check", description: "Warn fourteen days before the certificate expires.", priority: "medium", assignee: Some("ops"), labels: &["tls"], due: None, steps: &[(1.0, Ready), (3.0, Start), (40.0, Submit), (20.0, Approve(None))] },
            DemoTask { at: 360.0, title: "Rate-limit the admin RPC plugin", description: "admin-http-rpc answers anyone on loopback; limit it per client.", priority: "P2", assignee: None, labels: &["security"], due: None, steps: &[] },
            DemoTask { at: 250.0, title: "Container health monitoring", description: "Restart policy plus an alert when a container restarts more than three times an hour.", priority: "high", assignee: Some("ops"), labels: &["docker", "reliability"], due: Some(6), steps: &[(4.0, Ready), (180.0, Start)] },
            DemoTask { at: 320.0, title: "Audit open ports on the VPS", description: "Only 22, 80 and 443 should answer from outside.", priority: "normal", assignee: Some("qa"), labels: &["security"], due: None, steps: DONE },
            DemoTask { at: 380.0, title: "Secrets in a mode-600 temp file in CI", description: "Write secrets to a temp file, source it, shred it; never echo them.", priority: "P1", assignee: Some("ops"), labels: &["ci", "security"], due: None, steps: &[(2.0, Ready), (6.0, Start), (4.0, Block("The CI runner cannot shred files on its tmpfs; waiting for the runner upgrade.")), (20.0, Unblock), (10.0, Submit), (14.0, Approve(Some("Checked the logs of the last three runs: nothing leaks.")))] },
            DemoTask { at: 20.0, title: "Upgrade the gateway to the next release", description: "Follow the hardening checklist for the upgrade.", priority: "low", assignee: Some("ops"), labels: &["gateway"], due: None, steps: &[(30.0, Ready), (40.0, Cancel("Upstream pulled the release; we stay on the current version until the next one."))] },
        ],
    },
    DemoProject {
        slug: "research-digest",
        name: "Research digest",
        lead: "research",
        status: ProjectStatus::Active,
        description: "Orin's reading for the team: a weekly digest of what matters for running agents, with sources we can check.",
        tasks: &[
            DemoTask { at: 240.0, title: "Weekly digest: agent memory papers", description: "Five papers on long-term memory for agents, one paragraph each, with what we could use.", priority: "normal", assignee: Some("research"), labels: &["digest"], due: None, steps: DONE },
            DemoTask { at: 220.0, title: "Compare embedding models for memory search", description: "Recall@10 on our own memory files for three embedding models, plus cost per thousand notes.", priority: "P2", assignee: Some("research"), labels: &["memory", "evaluation"], due: Some(8), steps: &[(6.0, Ready), (30.0, Start), (200.0, Submit)] },
            DemoTask { at: 440.0, title: "Summarise the OpenClaw release notes", description: "What changed in the gateway and what we have to do about it.", priority: "low", assignee: Some("research"), labels: &["digest", "gateway"], due: None, steps: &[(1.0, Ready), (2.0, Start), (30.0, Submit), (18.0, Approve(Some("Useful. The config key rename needs a task for ops.")))] },
            DemoTask { at: 300.0, title: "Survey of cron scheduling failure modes", description: "Missed runs, double runs, time zones, DST; how other schedulers handle them.", priority: "3", assignee: Some("research"), labels: &["cron"], due: None, steps: &[(8.0, Ready), (60.0, Start)] },
            DemoTask { at: 390.0, title: "Reading list for new operators", description: "Ten things to read before your first on-call week.", priority: "minor", assignee: Some("research"), labels: &["onboarding"], due: None, steps: &[(10.0, Ready)] },
            DemoTask { at: 340.0, title: "Benchmark SQLite vs PostgreSQL for Nexus", description: "Dashboard and task-list latency at 10k and 100k tasks on both databases.", priority: "high", assignee: Some("research"), labels: &["performance", "database"], due: None, steps: &[(4.0, Ready), (8.0, Start), (48.0, Submit), (10.0, Approve(Some("Clear numbers. SQLite stays the default for single-node installs.")))] },
            DemoTask { at: 230.0, title: "Track token costs per agent", description: "Daily token usage and cost per agent from the gateway's usage endpoint.", priority: "P1", assignee: Some("research"), labels: &["costs"], due: Some(9), steps: &[(5.0, Ready), (150.0, Start)] },
            DemoTask { at: 410.0, title: "Digest template with citations", description: "A Markdown template: summary, why it matters, source link, confidence.", priority: "P3", assignee: Some("writer"), labels: &["digest"], due: None, steps: &[] },
            DemoTask { at: 50.0, title: "Interview notes: how operators triage", description: "Talk to three operators about how they decide what to approve first.", priority: "trivial", assignee: Some("research"), labels: &["ux"], due: None, steps: &[(20.0, Ready), (100.0, Cancel("Nobody had time for interviews this month; revisit in January."))] },
            DemoTask { at: 370.0, title: "Evaluate prompt caching for Iris", description: "Would caching the system prompt cut Iris's costs without stale answers?", priority: "!", assignee: Some("research"), labels: &["costs", "iris"], due: None, steps: &[(15.0, Ready)] },
            DemoTask { at: 450.0, title: "Source quality scoring", description: "Score sources by track record so the digest can say how sure it is.", priority: "4", assignee: None, labels: &["digest"], due: None, steps: &[] },
            DemoTask { at: 160.0, title: "Monthly digest: November", description: "The month in one page: releases, papers, incidents, costs.", priority: "normal", assignee: Some("research"), labels: &["digest"], due: Some(1), steps: &[(4.0, Ready), (10.0, Start), (60.0, Submit), (20.0, Reject("Two of the links are paywalled; swap them for open versions.")), (30.0, Submit)] },
        ],
    },
    DemoProject {
        slug: "docs-overhaul",
        name: "Docs overhaul",
        lead: "writer",
        status: ProjectStatus::Active,
        description: "Quill's rewrite of the team docs: English throughout, runbooks that match reality, one page per question.",
        tasks: &[
            DemoTask { at: 300.0, title: "Translate the deployment guide to English", description: "The German guide from the .NET days, translated and updated for Nexus.", priority: "high", assignee: Some("writer"), labels: &["deploy", "translation"], due: None, steps: &[(2.0, Ready), (6.0, Start), (40.0, Submit), (8.0, Approve(Some("Matches what we actually run now.")))] },
            DemoTask { at: 360.0, title: "Runbook: gateway unreachable", description: "Symptoms, the three checks, the restart, and when to wake someone.", priority: "P1", assignee: Some("writer"), labels: &["runbook", "gateway"], due: None, steps: DONE },
            DemoTask { at: 270.0, title: "API conventions page", description: "Names, connections, errors with extensions.code, expectedVersion.", priority: "medium", assignee: Some("writer"), labels: &["api"], due: Some(4), steps: &[(3.0, Ready), (40.0, Start), (150.0, Submit)] },
            DemoTask { at: 330.0, title: "Getting started in five minutes", description: "From git clone to an approved task with scripts/run.", priority: "important", assignee: Some("writer"), labels: &["onboarding"], due: Some(3), steps: &[(2.0, Ready), (50.0, Start)] },
            DemoTask { at: 400.0, title: "Document every environment variable", description: "One table, generated from the code, checked by a test.", priority: "P2", assignee: Some("writer"), labels: &["config"], due: None, steps: DONE },
            DemoTask { at: 280.0, title: "Screenshots for the dashboard tour", description: "Seven screenshots with captions for the tour page.", priority: "low", assignee: Some("writer"), labels: &["dashboard"], due: None, steps: &[(10.0, Ready), (20.0, Block("Waiting for the dark theme contrast pass so the screenshots don't go stale."))] },
            DemoTask { at: 400.0, title: "Glossary of OpenClaw terms", description: "Agent, workspace, heartbeat, gateway, cron job, session.", priority: "5", assignee: Some("writer"), labels: &["onboarding"], due: None, steps: &[(30.0, Ready)] },
            DemoTask { at: 420.0, title: "Incident report template", description: "The format the incidents folder uses, with a filled-in example.", priority: "normal", assignee: Some("writer"), labels: &["incidents"], due: None, steps: &[(2.0, Ready), (4.0, Start), (12.0, Submit), (30.0, Approve(None))] },
            DemoTask { at: 350.0, title: "Restore drill write-up", description: "Write up the restore drill once it has happened.", priority: "P2", assignee: Some("writer"), labels: &["backup"], due: None, steps: &[] },
            DemoTask { at: 15.0, title: "Migrate docs to the new folder layout", description: "One folder per audience.", priority: "minor", assignee: Some("writer"), labels: &["docs"], due: None, steps: &[(40.0, Ready), (80.0, Cancel("Superseded by the docs scanner's folder tree; the old layout works fine."))] },
            DemoTask { at: 420.0, title: "Style guide for agent-written docs", description: "Plain English, second person, one idea per paragraph.", priority: "P3", assignee: Some("writer"), labels: &["docs"], due: None, steps: &[(6.0, Ready)] },
            DemoTask { at: 370.0, title: "Changelog for 2026.12", description: "Everything user-visible since 2026.11, grouped by screen.", priority: "high", assignee: Some("writer"), labels: &["release"], due: Some(2), steps: &[(4.0, Ready), (40.0, Start)] },
        ],
    },
    DemoProject {
        slug: "release-2026-12",
        name: "Release 2026.12",
        lead: "qa",
        status: ProjectStatus::Active,
        description: "Tess's release train for December: tests green on both databases, a rehearsed rollback, notes people read.",
        tasks: &[
            DemoTask { at: 260.0, title: "Release checklist", description: "Every step from freeze to announcement, with an owner each.", priority: "P1", assignee: Some("qa"), labels: &["release"], due: None, steps: DONE },
            DemoTask { at: 240.0, title: "Regression suite on PostgreSQL", description: "Every integration test on PostgreSQL as well as SQLite; no skips.", priority: "P0", assignee: Some("qa"), labels: &["testing", "database"], due: Some(2), steps: &[(1.0, Ready), (200.0, Start)] },
            DemoTask { at: 290.0, title: "Smoke tests after deploy", description: "Log in, load the dashboard, approve a task, watch the update arrive.", priority: "high", assignee: Some("qa"), labels: &["testing", "deploy"], due: Some(3), steps: &[(5.0, Ready), (20.0, Start), (160.0, Submit)] },
            DemoTask { at: 380.0, title: "Rollback rehearsal with the typed confirmation", description: "Run the rollback workflow on staging, including the ROLLBACK confirmation gate.", priority: "P1", assignee: Some("qa"), labels: &["deploy"], due: Some(5), steps: &[(8.0, Ready)] },
            DemoTask { at: 440.0, title: "Verify migrations roll back cleanly", description: "migrate down then up on a copy of production data.", priority: "high", assignee: Some("qa"), labels: &["database"], due: None, steps: &[(1.0, Ready), (2.0, Start), (30.0, Submit), (20.0, Approve(Some("Down and up twice, no data lost.")))] },
            DemoTask { at: 260.0, title: "Load test the dashboard query", description: "Fifty operators refreshing the dashboard every ten seconds.", priority: "P2", assignee: Some("qa"), labels: &["performance"], due: None, steps: &[(5.0, Ready), (10.0, Start), (20.0, Block("The load generator needs access tokens; waiting on the auth work."))] },
            DemoTask { at: 420.0, title: "Tag and sign the release", description: "Signed tag, version bump on main, [skip ci] loop guard.", priority: "P1", assignee: Some("qa"), labels: &["release"], due: Some(7), steps: &[] },
            DemoTask { at: 430.0, title: "Release notes review", description: "Read the notes as an operator who missed the month.", priority: "normal", assignee: Some("writer"), labels: &["release"], due: Some(6), steps: &[] },
            DemoTask { at: 395.0, title: "Accessibility pass on approvals", description: "Approve and reject with the keyboard and a screen reader.", priority: "medium", assignee: Some("qa"), labels: &["a11y"], due: None, steps: &[(12.0, Ready)] },
            DemoTask { at: 80.0, title: "Browser matrix for the dashboard", description: "Six browsers times three screen sizes.", priority: "low", assignee: Some("qa"), labels: &["testing"], due: None, steps: &[(10.0, Ready), (30.0, Cancel("We support two browsers; the matrix was overkill."))] },
            DemoTask { at: 410.0, title: "Freeze dependencies for the release", description: "Lock files committed, no updates until the tag.", priority: "urgent", assignee: Some("ops"), labels: &["release"], due: Some(1), steps: &[(1.0, Ready), (2.0, Start)] },
            DemoTask { at: 460.0, title: "Announce the release to the team", description: "Iris posts the summary once the tag is out.", priority: "trivial", assignee: Some("main"), labels: &["release"], due: None, steps: &[] },
        ],
    },
];

/// One event of the replay.
struct Event {
    at: DateTime<Utc>,
    project: usize,
    task: usize,
    /// `None`: create the task.
    step: Option<Step>,
}

/// Seeds the demo data into an empty database (migrations applied).
#[tracing::instrument(skip_all)]
pub async fn seed(db: &DatabaseConnection, bus: &EventBus) -> Result<DemoSummary, DemoError> {
    let existing = project::Entity::find().count(db).await?;
    if existing > 0 {
        return Err(DemoError::NotEmpty(existing));
    }
    let now = Utc::now();
    let origin = now - Duration::days(21);
    let clock = Clock::manual(origin);
    let projects = ProjectService::new(db.clone(), bus.clone(), clock.clone());
    let tasks = TaskService::new(db.clone(), bus.clone(), clock.clone());
    let maya = demo_user(db, &clock, "maya", "Maya Keller").await?;
    let jonas = demo_user(db, &clock, "jonas", "Jonas Brandt").await?;
    let human = |w: Who| match w {
        Who::Maya => Actor::User(maya.clone()),
        Who::Jonas => Actor::User(jonas.clone()),
        Who::Agent(a) => Actor::Agent(AgentId::from_db(a.to_owned())),
    };

    let mut project_ids = Vec::new();
    let mut activity = 0;
    for (i, p) in PROJECTS.iter().enumerate() {
        clock.set(origin + Duration::minutes(i as i64 * 7));
        let who = if i % 2 == 0 { Who::Jonas } else { Who::Maya };
        let created = projects
            .create(
                human(who),
                NewProject {
                    slug: p.slug.into(),
                    name: p.name.into(),
                    description: Some(p.description.into()),
                    status: Some(p.status),
                    lead_agent_id: Some(p.lead.into()),
                },
            )
            .await?;
        activity += 1;
        project_ids.push(created.project.id);
    }

    // Every task's history, merged into one timeline.
    let mut events = Vec::new();
    for (pi, p) in PROJECTS.iter().enumerate() {
        for (ti, t) in p.tasks.iter().enumerate() {
            let mut at = origin + hours(t.at);
            events.push(Event { at, project: pi, task: ti, step: None });
            for (gap, step) in t.steps {
                at += hours(*gap);
                events.push(Event { at, project: pi, task: ti, step: Some(*step) });
            }
        }
    }
    events.sort_by_key(|e| e.at);

    let mut state: Vec<Vec<Option<(TaskId, i32)>>> = PROJECTS.iter().map(|p| vec![None; p.tasks.len()]).collect();
    let mut task_count = 0;
    for e in events {
        let p = &PROJECTS[e.project];
        let t = &p.tasks[e.task];
        clock.set(e.at.min(now - Duration::minutes(5)));
        let lead = Who::Agent(p.lead);
        let worker = t.assignee.map(Who::Agent).unwrap_or(lead);
        // The humans share the approvals; whoever is not approving files tasks and queues work.
        let (approver, planner) = if e.task % 2 == 0 { (Who::Jonas, Who::Maya) } else { (Who::Maya, Who::Jonas) };
        let fail = |source| DemoError::Task { title: t.title.to_owned(), source };
        let change = match e.step {
            None => {
                let author = if e.task % 3 == 0 { planner } else { lead };
                let due = t.due.map(|d| (now + Duration::days(d)).date_naive());
                let new = NewTask {
                    project_id: Some(project_ids[e.project].clone()),
                    title: t.title.into(),
                    description: Some(t.description.into()),
                    priority: Some(t.priority.into()),
                    assignee_id: t.assignee.map(Into::into),
                    due_date: due,
                    labels: t.labels.iter().map(|l| (*l).to_owned()).collect(),
                };
                task_count += 1;
                tasks.create(human(author), new).await.map_err(fail)?
            }
            Some(step) => {
                let (id, version) = state[e.project][e.task]
                    .clone()
                    .ok_or_else(|| DemoError::Task { title: t.title.to_owned(), source: TaskError::NotFound })?;
                let (who, intent, reason, comment) = match step {
                    Ready => (planner, Intent::To(super::tasks::TaskState::Ready), None, None),
                    Start => (worker, Intent::To(super::tasks::TaskState::InProgress), None, None),
                    Submit => (worker, Intent::To(super::tasks::TaskState::Review), None, None),
                    Approve(c) => (approver, Intent::Named(Move::Approve), None, c),
                    Reject(r) => (approver, Intent::Named(Move::Reject), Some(r), None),
                    Block(r) => (worker, Intent::Named(Move::Block), Some(r), None),
                    Unblock => (planner, Intent::Named(Move::Unblock), None, None),
                    Cancel(r) => (Who::Jonas, Intent::Named(Move::Cancel), None, Some(r)),
                };
                tasks.transition(human(who), &id, version, intent, reason, comment).await.map_err(fail)?
            }
        };
        activity += 1;
        state[e.project][e.task] = Some((change.task.id.clone(), change.task.version));
    }
    Ok(DemoSummary { projects: project_ids.len(), tasks: task_count, activity })
}

fn hours(h: f64) -> Duration {
    Duration::minutes((h * 60.0).round() as i64)
}

/// The id of the demo user `username`, created disabled with an unusable random password when
/// it does not exist yet.
async fn demo_user(
    db: &DatabaseConnection,
    clock: &Clock,
    username: &str,
    display_name: &str,
) -> Result<UserId, DemoError> {
    if let Some(u) = user::Entity::find().filter(user::Column::UsernameKey.eq(username)).one(db).await? {
        return Ok(UserId::from_db(u.id));
    }
    // Nobody knows this password: the account can never sign in, it only authors the history.
    let mut secret = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut secret);
    let salt = SaltString::generate(&mut OsRng);
    let hash = Argon2::default().hash_password(&secret, &salt).map_err(|e| DemoError::Hash(e.to_string()))?.to_string();
    let now = clock.now();
    let id = clock.new_id(now);
    user::ActiveModel {
        id: Set(id.clone()),
        username: Set(username.to_owned()),
        username_key: Set(username.to_owned()),
        display_name: Set(display_name.to_owned()),
        role: Set("OPERATOR".to_owned()),
        password_hash: Set(hash),
        disabled: Set(true),
        created_at: Set(now),
        updated_at: Set(now),
        password_changed_at: Set(now),
    }
    .insert(db)
    .await?;
    Ok(UserId::from_db(id))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::services::tasks::state::{self, TaskState};

    /// Replays each task's steps through the pure state machine: the script never asks for a
    /// move the rules refuse, and the states it ends in cover the whole machine.
    #[test]
    fn the_demo_script_follows_the_rules_and_covers_every_state() {
        let mut finals = std::collections::BTreeMap::new();
        let mut total = 0;
        for p in PROJECTS {
            for t in p.tasks {
                total += 1;
                let (mut s, mut bf) = (TaskState::Backlog, None);
                for (gap, step) in t.steps {
                    assert!(*gap > 0.0, "{}", t.title);
                    let mv = match step {
                        Ready | Start | Submit => Move::Advance,
                        Approve(_) => Move::Approve,
                        Reject(_) => Move::Reject,
                        Block(_) => Move::Block,
                        Unblock => Move::Unblock,
                        Cancel(_) => Move::Cancel,
                    };
                    let to = state::target_of(mv, s, bf).unwrap_or_else(|r| panic!("{}: {r}", t.title));
                    bf = (to == TaskState::Blocked).then_some(s);
                    s = to;
                }
                let end = t.at + t.steps.iter().map(|(g, _)| g).sum::<f64>();
                assert!(end < 21.0 * 24.0, "{} ends in the future ({end} h)", t.title);
                *finals.entry(s).or_insert(0) += 1;
            }
        }
        assert_eq!(PROJECTS.len(), 5);
        assert_eq!(total, 60);
        for s in TaskState::ALL {
            assert!(finals.get(&s).copied().unwrap_or(0) >= 4, "{s}: {finals:?}");
        }
    }
}
