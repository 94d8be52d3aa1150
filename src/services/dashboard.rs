//! The dashboard: every queue of DESIGN.md §3 in one snapshot, read with one SQL statement.
//!
//! The task queues (needs approval, in progress by agent, ready, blocked, recently done) and the
//! task counts by state come from a single `UNION ALL` of window-function queries: each branch
//! numbers its rows (`ROW_NUMBER`) to cut the queue to its size and counts the whole queue
//! (`COUNT(*) OVER`), and a final `GROUP BY state` branch adds the counts. Counts therefore come
//! from SQL aggregates, never from loading rows, and the cost is one statement however full the
//! queues are.
//!
//! Two queues come from outside the database: failing cron jobs (the OpenClaw gateway) and open
//! incidents (the workspace's incident reports). Their sources plug in through
//! [`FailingJobSource`] and [`OpenIncidentSource`]; until a source is connected the queue is empty
//! and says so (`SourceState::NotConnected`) rather than showing made-up data.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use futures::{Stream, StreamExt};
use sea_orm::{ConnectionTrait, DatabaseConnection, DbErr, FromQueryResult, IdenStatic, Iterable};
use tokio::sync::broadcast::error::{RecvError, TryRecvError};

use super::activity;
use super::clock::Clock;
use super::input::AgentId;
use super::tasks::{StateCounts, Task, TaskState};
use crate::db::entities::task;
use crate::db::sql::RawSql;
use crate::events::{Event, EventBus, WorkspaceChangeKind};

/// Default number of tasks shown per queue.
pub const DEFAULT_QUEUE_SIZE: u32 = 10;
/// Largest queue size a client may ask for.
pub const MAX_QUEUE_SIZE: u32 = 50;
/// What "recently done" means.
pub const RECENTLY_DONE_HOURS: i64 = 24;

/// A bounded queue of tasks plus the size of the whole queue.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Queue {
    /// Tasks in the queue's order, at most the requested size.
    pub tasks: Vec<Task>,
    /// How many tasks the whole queue holds.
    pub total: u64,
}

/// The in-progress queue of one agent (`None`: unassigned).
#[derive(Debug, Clone, PartialEq)]
pub struct AgentQueue {
    /// The agent.
    pub agent_id: Option<AgentId>,
    /// Its queue.
    pub queue: Queue,
}

/// Whether an outside queue's source answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SourceState {
    /// The source answered; the items are current.
    Live,
    /// No source is connected in this build or configuration.
    NotConnected,
    /// The source is connected but failed; the message says why (safe to show).
    Unavailable(String),
}

/// A queue fed from outside the database.
#[derive(Debug, Clone, PartialEq)]
pub struct External<T> {
    /// Where the items stand.
    pub source: SourceState,
    /// The items (empty unless `source` is `Live`).
    pub items: Vec<T>,
}

/// A gateway cron job whose last run failed.
#[derive(Debug, Clone, PartialEq)]
pub struct FailingJob {
    /// The job's id on the gateway.
    pub job_id: String,
    /// Its name.
    pub name: String,
    /// The agent that owns it.
    pub agent_id: Option<AgentId>,
    /// When it last ran.
    pub last_run_at: Option<DateTime<Utc>>,
    /// The error of that run.
    pub last_error: Option<String>,
}

/// An incident that is not resolved.
#[derive(Debug, Clone, PartialEq)]
pub struct OpenIncident {
    /// The incident's id (its file name without `.md`).
    pub id: String,
    /// Title.
    pub title: String,
    /// `SEV1` … `SEV4`.
    pub severity: String,
    /// `open` or `mitigated`.
    pub status: String,
    /// When it started.
    pub started_at: Option<DateTime<Utc>>,
}

/// Supplies failing cron jobs (implemented by the gateway client).
#[async_trait::async_trait]
pub trait FailingJobSource: Send + Sync {
    /// Jobs whose last run failed; `Err` with a message safe to show when the source is down.
    async fn failing_jobs(&self) -> Result<Vec<FailingJob>, String>;
}

/// Supplies open incidents (implemented by the workspace's incident reader).
#[async_trait::async_trait]
pub trait OpenIncidentSource: Send + Sync {
    /// Incidents not yet resolved; `Err` with a message safe to show when the source is down.
    async fn open_incidents(&self) -> Result<Vec<OpenIncident>, String>;
}

/// The whole dashboard at one moment.
#[derive(Debug, Clone, PartialEq)]
pub struct Dashboard {
    /// When the snapshot was taken.
    pub generated_at: DateTime<Utc>,
    /// Tasks per state (every state, zeros included).
    pub by_state: StateCounts,
    /// REVIEW, oldest first.
    pub needs_approval: Queue,
    /// IN_PROGRESS grouped by agent (agents by id, unassigned last), highest priority first.
    pub in_progress: Vec<AgentQueue>,
    /// READY by priority, then age.
    pub ready: Queue,
    /// BLOCKED, longest blocked first.
    pub blocked: Queue,
    /// DONE in the last 24 hours, newest first.
    pub recently_done: Queue,
    /// Gateway cron jobs whose last run failed.
    pub failing_jobs: External<FailingJob>,
    /// Open incidents.
    pub open_incidents: External<OpenIncident>,
}

/// A hint that the dashboard changed; clients refetch what they show.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DashboardPing {
    /// When the (last coalesced) change was seen.
    pub at: DateTime<Utc>,
    /// How many changes this ping stands for.
    pub changes: u32,
}

/// Errors of the dashboard service.
#[derive(Debug, thiserror::Error)]
pub enum DashboardError {
    /// Queue size outside 1–50.
    #[error(transparent)]
    Invalid(#[from] super::input::InputError),
    /// The database failed.
    #[error("database error: {0}")]
    Database(#[from] DbErr),
}

/// Queues by name, then by agent (only `in_progress` is grouped; the others use `None`).
type QueueGroups = BTreeMap<String, BTreeMap<Option<String>, Queue>>;

/// A queue name and, for `in_progress`, the agent.
type QueueKey = (String, Option<String>);

/// The columns of `tasks` in the entity's order, for the union (read from the entity, so that a
/// new column cannot be forgotten here).
fn task_columns() -> Vec<String> {
    task::Column::iter().map(|c| c.as_str().to_owned()).collect()
}
/// Builds the dashboard.
#[derive(Clone)]
pub struct DashboardService {
    db: DatabaseConnection,
    bus: EventBus,
    clock: Clock,
    failing_jobs: Option<Arc<dyn FailingJobSource>>,
    open_incidents: Option<Arc<dyn OpenIncidentSource>>,
}

impl DashboardService {
    /// Creates the service with no outside sources connected.
    pub fn new(db: DatabaseConnection, bus: EventBus, clock: Clock) -> Self {
        Self { db, bus, clock, failing_jobs: None, open_incidents: None }
    }

    /// Connects the source of failing cron jobs.
    pub fn with_failing_jobs(mut self, source: Arc<dyn FailingJobSource>) -> Self {
        self.failing_jobs = Some(source);
        self
    }

    /// Connects the source of open incidents.
    pub fn with_open_incidents(mut self, source: Arc<dyn OpenIncidentSource>) -> Self {
        self.open_incidents = Some(source);
        self
    }

    /// The dashboard with at most `queue_size` (1–50) tasks per queue.
    #[tracing::instrument(skip(self))]
    pub async fn snapshot(&self, queue_size: Option<i32>) -> Result<Dashboard, DashboardError> {
        let size = match queue_size {
            None => DEFAULT_QUEUE_SIZE,
            Some(n) if (1..=MAX_QUEUE_SIZE as i32).contains(&n) => n as u32,
            Some(n) => {
                return Err(super::input::InputError::new(
                    "queueSize",
                    format!("queueSize must be between 1 and {MAX_QUEUE_SIZE}, got {n}."),
                )
                .into())
            }
        };
        let now = self.clock.now();
        let (tasks, failing_jobs, open_incidents) = tokio::join!(
            self.task_queues(now, size),
            external(&self.failing_jobs, |s| async move { s.failing_jobs().await }),
            external(&self.open_incidents, |s| async move { s.open_incidents().await }),
        );
        let (by_state, queues) = tasks?;
        let mut queues = queues;
        let mut take = |name: &str| queues.remove(name).unwrap_or_default();
        let needs_approval = take("review").remove(&None).unwrap_or_default();
        let ready = take("ready").remove(&None).unwrap_or_default();
        let blocked = take("blocked").remove(&None).unwrap_or_default();
        let recently_done = take("done").remove(&None).unwrap_or_default();
        let by_agent = take("in_progress");
        // Agents by id, unassigned work last.
        let (mut in_progress, unassigned): (Vec<_>, Vec<_>) = by_agent
            .into_iter()
            .map(|(agent, queue)| AgentQueue { agent_id: agent.map(AgentId::from_db), queue })
            .partition(|q| q.agent_id.is_some());
        in_progress.sort_by(|a, b| a.agent_id.cmp(&b.agent_id));
        in_progress.extend(unassigned);
        Ok(Dashboard {
            generated_at: now,
            by_state,
            needs_approval,
            in_progress,
            ready,
            blocked,
            recently_done,
            failing_jobs,
            open_incidents,
        })
    }

    /// The one statement behind the task queues and counts.
    async fn task_queues(&self, now: DateTime<Utc>, size: u32) -> Result<(StateCounts, QueueGroups), DbErr> {
        let columns = task_columns();
        let cols = columns.join(", ");
        // (queue name, partition, order, state, extra condition)
        let branches: [(&str, &str, &str, TaskState); 5] = [
            ("review", "", "state_changed_at, id", TaskState::Review),
            ("in_progress", "PARTITION BY assignee_id ", "priority, state_changed_at, id", TaskState::InProgress),
            ("ready", "", "priority, created_at, id", TaskState::Ready),
            ("blocked", "", "state_changed_at, id", TaskState::Blocked),
            ("done", "", "done_at DESC, id DESC", TaskState::Done),
        ];
        let mut q = RawSql::new(self.db.get_database_backend());
        q.push("SELECT * FROM (");
        for (i, (name, partition, order, state)) in branches.iter().enumerate() {
            if i > 0 {
                q.push(" UNION ALL ");
            }
            q.push("SELECT '")
                .push(name)
                .push("' AS nexus_queue, COUNT(*) OVER (")
                .push(partition)
                .push(") AS nexus_total, ROW_NUMBER() OVER (")
                .push(partition)
                .push("ORDER BY ")
                .push(order)
                .push(") AS nexus_rn, ")
                .push(&cols)
                .push(" FROM tasks WHERE state = ")
                .bind(state.as_str());
            if *state == TaskState::Done {
                q.push(" AND done_at >= ").bind(now - chrono::Duration::hours(RECENTLY_DONE_HOURS));
            }
        }
        q.push(") queues WHERE nexus_rn <= ").bind(i64::from(size));
        // The counts by state ride along as rows of their own, with every task column NULL but `state`.
        q.push(" UNION ALL SELECT 'count', COUNT(*), 0, ");
        let count_cols: Vec<&str> = columns.iter().map(|c| if c == "state" { "state" } else { "NULL" }).collect();
        q.push(&count_cols.join(", ")).push(" FROM tasks GROUP BY state");

        let rows = self.db.query_all(q.build()).await?;
        let mut counts: BTreeMap<TaskState, u64> = TaskState::ALL.iter().map(|s| (*s, 0)).collect();
        // (queue, agent for in_progress) → (queue total, rows with their row numbers)
        let mut found: BTreeMap<QueueKey, (u64, Vec<(i64, Task)>)> = BTreeMap::new();
        for row in rows {
            let queue: String = row.try_get("", "nexus_queue")?;
            let total = row.try_get::<i64>("", "nexus_total")?.max(0) as u64;
            if queue == "count" {
                let state: String = row.try_get("", "state")?;
                let state = TaskState::parse(&state).ok_or_else(|| activity::corrupt("tasks.state", &state))?;
                counts.insert(state, total);
                continue;
            }
            let rn: i64 = row.try_get("", "nexus_rn")?;
            let task = Task::try_from(task::Model::from_query_result(&row, "")?)?;
            let group =
                if queue == "in_progress" { task.assignee_id.as_ref().map(|a| a.as_str().to_owned()) } else { None };
            let entry = found.entry((queue, group)).or_insert_with(|| (total, Vec::new()));
            entry.1.push((rn, task));
        }
        let mut queues: QueueGroups = BTreeMap::new();
        for ((name, group), (total, mut rows)) in found {
            rows.sort_by_key(|(rn, _)| *rn);
            let queue = Queue { tasks: rows.into_iter().map(|(_, t)| t).collect(), total };
            queues.entry(name).or_default().insert(group, queue);
        }
        Ok((counts.into_iter().collect(), queues))
    }

    /// Pings whenever a task or project changes. Bursts (a cascade delete, a busy minute) are
    /// coalesced: whatever arrived while the previous ping was being delivered becomes one ping.
    pub fn changes(&self) -> impl Stream<Item = DashboardPing> + Send + 'static {
        let mut rx = self.bus.subscribe();
        let clock = self.clock.clone();
        async_stream::stream! {
            loop {
                let mut changes = match rx.recv().await {
                    Ok(event) if relevant(&event) => 1u32,
                    Ok(_) => continue,
                    // Missed events are still changes: the client should refetch.
                    Err(RecvError::Lagged(n)) => n.min(u64::from(u32::MAX)) as u32,
                    Err(RecvError::Closed) => break,
                };
                // Let a burst finish, then fold everything queued into this ping.
                tokio::time::sleep(Duration::from_millis(50)).await;
                loop {
                    match rx.try_recv() {
                        Ok(event) => changes += u32::from(relevant(&event)),
                        Err(TryRecvError::Lagged(n)) => changes = changes.saturating_add(n.min(u64::from(u32::MAX)) as u32),
                        Err(TryRecvError::Empty | TryRecvError::Closed) => break,
                    }
                }
                yield DashboardPing { at: clock.now(), changes };
            }
        }
        .boxed()
    }
}

/// Events that change what the dashboard shows: its task queues and counts, and the open
/// incidents queue (fed by the incident files); and a resync, after which anything may have.
fn relevant(event: &Event) -> bool {
    match event {
        Event::TaskChanged { .. } | Event::ProjectChanged { .. } | Event::Resync => true,
        Event::WorkspaceChanged(change) => change.kind == WorkspaceChangeKind::Incident,
        Event::SessionsRevoked { .. } | Event::SessionEnded { .. } | Event::ActivityAdded { .. } => false,
    }
}

async fn external<S: ?Sized, T, F>(source: &Option<Arc<S>>, call: impl FnOnce(Arc<S>) -> F) -> External<T>
where
    F: std::future::Future<Output = Result<Vec<T>, String>>,
{
    match source {
        None => External { source: SourceState::NotConnected, items: Vec::new() },
        Some(s) => match call(s.clone()).await {
            Ok(items) => External { source: SourceState::Live, items },
            Err(message) => External { source: SourceState::Unavailable(message), items: Vec::new() },
        },
    }
}
