//! The dashboard: every queue in one query, and the `dashboardChanged` hint subscription.

use async_graphql::{Context, Enum, Object, SimpleObject, Subscription, ID};
use chrono::{DateTime, Utc};
use futures::{Stream, StreamExt};

use super::errors::{ApiError, ApiResult};
use super::guards::RoleGuard;
use super::tasks::{state_counts, StateCount, Task};
use crate::app::Services;
use crate::services::auth::Role;
use crate::services::dashboard::{self, External, SourceState};

/// Where an outside queue's items come from right now.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum QueueSource {
    /// The source answered; the items are current.
    Live,
    /// No source is connected in this build or configuration; the queue is empty for that reason,
    /// not because nothing is wrong.
    NotConnected,
    /// The source is connected but did not answer; `message` says why.
    Unavailable,
}

/// A bounded queue of tasks.
pub struct TaskQueue(dashboard::Queue);

/// A bounded queue of tasks.
#[Object]
impl TaskQueue {
    /// How many tasks the whole queue holds (an SQL aggregate).
    async fn total_count(&self) -> i32 {
        i32::try_from(self.0.total).unwrap_or(i32::MAX)
    }

    /// The first tasks of the queue, in queue order (at most `queueSize`).
    async fn nodes(&self) -> Vec<Task> {
        self.0.tasks.iter().cloned().map(Task).collect()
    }
}

/// One agent's in-progress queue.
pub struct AgentTaskQueue(dashboard::AgentQueue);

/// One agent's in-progress queue.
#[Object]
impl AgentTaskQueue {
    /// The agent; null for unassigned work.
    async fn agent_id(&self) -> Option<ID> {
        self.0.agent_id.as_ref().map(|a| ID(a.as_str().to_owned()))
    }

    /// How many tasks the agent has in progress.
    async fn total_count(&self) -> i32 {
        i32::try_from(self.0.queue.total).unwrap_or(i32::MAX)
    }

    /// Its tasks, highest priority first (at most `queueSize`).
    async fn nodes(&self) -> Vec<Task> {
        self.0.queue.tasks.iter().cloned().map(Task).collect()
    }
}

/// A gateway cron job whose last run failed.
#[derive(SimpleObject)]
pub struct FailingJob {
    /// The job's id on the gateway.
    pub job_id: ID,
    /// Its name.
    pub name: String,
    /// The agent that owns it.
    pub agent_id: Option<ID>,
    /// When it last ran.
    pub last_run_at: Option<DateTime<Utc>>,
    /// The error of that run.
    pub last_error: Option<String>,
}

/// An incident that is not resolved.
#[derive(SimpleObject)]
pub struct DashboardIncident {
    /// The incident's id.
    pub id: ID,
    /// Title.
    pub title: String,
    /// `SEV1` … `SEV4`.
    pub severity: String,
    /// `open` or `mitigated`.
    pub status: String,
    /// When it started.
    pub started_at: Option<DateTime<Utc>>,
}

/// Gateway cron jobs whose last run failed. Until the gateway connection is built, `source` is
/// NOT_CONNECTED and the list is empty.
#[derive(SimpleObject)]
pub struct FailingJobQueue {
    /// Where the items come from right now.
    pub source: QueueSource,
    /// Why the source is unavailable, when it is.
    pub message: Option<String>,
    /// How many jobs are failing.
    pub total_count: i32,
    /// The jobs.
    pub nodes: Vec<FailingJob>,
}

/// Incidents that are open or mitigated. Until the workspace's incident reader is connected,
/// `source` is NOT_CONNECTED and the list is empty.
#[derive(SimpleObject)]
pub struct IncidentQueue {
    /// Where the items come from right now.
    pub source: QueueSource,
    /// Why the source is unavailable, when it is.
    pub message: Option<String>,
    /// How many incidents are open.
    pub total_count: i32,
    /// The incidents.
    pub nodes: Vec<DashboardIncident>,
    /// Reports in the incidents folder that do not parse: whether they are open is unknown, so
    /// they are not in `nodes`; `incidents` lists them with their `parseError`.
    pub unreadable: i32,
}

fn source<T>(e: &External<T>) -> (QueueSource, Option<String>) {
    match &e.source {
        SourceState::Live => (QueueSource::Live, None),
        SourceState::NotConnected => (QueueSource::NotConnected, None),
        SourceState::Unavailable(m) => (QueueSource::Unavailable, Some(m.clone())),
    }
}

/// Everything an operator needs at a glance.
pub struct Dashboard(dashboard::Dashboard);

/// Everything an operator needs at a glance.
#[Object]
impl Dashboard {
    /// When the snapshot was taken.
    async fn generated_at(&self) -> DateTime<Utc> {
        self.0.generated_at
    }

    /// Tasks per state, every state listed (SQL aggregates).
    async fn tasks_by_state(&self) -> Vec<StateCount> {
        state_counts(&self.0.by_state)
    }

    /// Tasks waiting for approval (REVIEW), oldest first.
    async fn needs_approval(&self) -> TaskQueue {
        TaskQueue(self.0.needs_approval.clone())
    }

    /// Work in progress grouped by agent (agents by id, unassigned last), highest priority first.
    async fn in_progress(&self) -> Vec<AgentTaskQueue> {
        self.0.in_progress.iter().cloned().map(AgentTaskQueue).collect()
    }

    /// Tasks queued for an agent (READY), by priority, then age.
    async fn ready(&self) -> TaskQueue {
        TaskQueue(self.0.ready.clone())
    }

    /// Blocked tasks, longest blocked first.
    async fn blocked(&self) -> TaskQueue {
        TaskQueue(self.0.blocked.clone())
    }

    /// Tasks approved in the last 24 hours, newest first.
    async fn recently_done(&self) -> TaskQueue {
        TaskQueue(self.0.recently_done.clone())
    }

    /// Gateway cron jobs whose last run failed.
    async fn failing_jobs(&self) -> FailingJobQueue {
        let (source, message) = source(&self.0.failing_jobs);
        let nodes: Vec<FailingJob> = self
            .0
            .failing_jobs
            .items
            .iter()
            .map(|j| FailingJob {
                job_id: ID(j.job_id.clone()),
                name: j.name.clone(),
                agent_id: j.agent_id.as_ref().map(|a| ID(a.as_str().to_owned())),
                last_run_at: j.last_run_at,
                last_error: j.last_error.clone(),
            })
            .collect();
        FailingJobQueue { source, message, total_count: i32::try_from(nodes.len()).unwrap_or(i32::MAX), nodes }
    }

    /// Open and mitigated incidents, and how many reports cannot be read.
    async fn open_incidents(&self, ctx: &Context<'_>) -> IncidentQueue {
        let (source, message) = source(&self.0.open_incidents);
        let nodes: Vec<DashboardIncident> = self
            .0
            .open_incidents
            .items
            .iter()
            .map(|i| DashboardIncident {
                id: ID(i.id.clone()),
                title: i.title.clone(),
                severity: i.severity.clone(),
                status: i.status.clone(),
                started_at: i.started_at,
            })
            .collect();
        let unreadable = ctx.data_unchecked::<Services>().incidents.summary().unparsed;
        IncidentQueue {
            source,
            message,
            total_count: i32::try_from(nodes.len()).unwrap_or(i32::MAX),
            nodes,
            unreadable: i32::try_from(unreadable).unwrap_or(i32::MAX),
        }
    }
}

/// Dashboard queries.
#[derive(Default)]
pub struct DashboardQuery;

#[Object]
impl DashboardQuery {
    /// Every queue of the dashboard in one request: the task queues and counts come from one SQL
    /// statement, their tasks' relations from batched loaders.
    #[graphql(
        guard = "RoleGuard::new(Role::Viewer)",
        complexity = "queue_size.unwrap_or(10).clamp(1, 50) as usize * child_complexity + 1"
    )]
    async fn dashboard(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Tasks per queue, 1–50 (default 10).")] queue_size: Option<i32>,
    ) -> ApiResult<Dashboard> {
        let snapshot = ctx.data_unchecked::<Services>().dashboard.snapshot(queue_size).await.map_err(ApiError::from)?;
        Ok(Dashboard(snapshot))
    }
}

/// A hint that the dashboard changed: refetch what you show.
#[derive(SimpleObject)]
pub struct DashboardChanged {
    /// When the change was seen.
    pub at: DateTime<Utc>,
    /// How many changes this hint stands for (bursts are folded into one hint).
    pub changes: i32,
}

/// Dashboard subscriptions.
#[derive(Default)]
pub struct DashboardSubscription;

#[Subscription]
impl DashboardSubscription {
    /// Fires after any task or project change commits (on any replica, with PostgreSQL); VIEWER
    /// and up.
    #[graphql(guard = "RoleGuard::new(Role::Viewer)")]
    async fn dashboard_changed(
        &self,
        ctx: &Context<'_>,
    ) -> Result<impl Stream<Item = DashboardChanged>, async_graphql::Error> {
        let pings = ctx.data_unchecked::<Services>().dashboard.changes();
        Ok(pings.map(|p| DashboardChanged { at: p.at, changes: i32::try_from(p.changes).unwrap_or(i32::MAX) }))
    }
}
