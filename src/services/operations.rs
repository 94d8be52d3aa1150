//! The operations snapshot: how the team's work flows, from the database.
//!
//! Tasks by state, throughput (tasks approved per UTC day over the last 14 days), median cycle
//! time (first READY → DONE) and median approval wait (time in REVIEW before an approve or a
//! reject), rejection rate and work in progress per agent. Every figure is an SQL aggregate;
//! medians are picked by `ROW_NUMBER()` over the ordered values, so no rows are loaded to compute
//! them. Gateway and incident figures join when those sources are built (see the dashboard's
//! sources).

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, DbErr, Statement};

use super::activity::{self, ActivityKind};
use super::clock::Clock;
use super::input::{AgentId, InputError};
use super::tasks::{StateCounts, TaskState};
use crate::db::sql::{utc_day, RawSql};

/// Days of throughput reported.
pub const THROUGHPUT_DAYS: i64 = 14;
/// Default window for medians and rates.
pub const DEFAULT_WINDOW_DAYS: i32 = 30;
/// Longest window a client may ask for.
pub const MAX_WINDOW_DAYS: i32 = 365;

/// Tasks approved on one UTC day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DailyCount {
    /// The day.
    pub day: NaiveDate,
    /// Tasks approved that day.
    pub done: u64,
}

/// Open work of one agent (`None`: unassigned).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgentWip {
    /// The agent.
    pub agent_id: Option<AgentId>,
    /// IN_PROGRESS tasks.
    pub in_progress: u64,
    /// Tasks in REVIEW.
    pub review: u64,
}

/// The snapshot.
#[derive(Debug, Clone, PartialEq)]
pub struct Operations {
    /// When it was computed.
    pub generated_at: DateTime<Utc>,
    /// The window (days) for medians and rates.
    pub window_days: i32,
    /// Tasks per state (every state, zeros included).
    pub by_state: StateCounts,
    /// Tasks approved per day, oldest first, the last [`THROUGHPUT_DAYS`] days including today.
    pub throughput: Vec<DailyCount>,
    /// Median READY → DONE seconds of tasks approved in the window.
    pub median_cycle_seconds: Option<i64>,
    /// Median seconds in REVIEW before a decision, over decisions in the window.
    pub median_approval_wait_seconds: Option<i64>,
    /// Approvals in the window.
    pub approvals: u64,
    /// Rejections in the window.
    pub rejections: u64,
    /// Rejections / (approvals + rejections); `None` without decisions.
    pub rejection_rate: Option<f64>,
    /// IN_PROGRESS and REVIEW per agent, agents by id, unassigned last.
    pub wip: Vec<AgentWip>,
}

/// Errors of the operations service.
#[derive(Debug, thiserror::Error)]
pub enum OperationsError {
    /// Bad window.
    #[error(transparent)]
    Invalid(#[from] InputError),
    /// The database failed.
    #[error("database error: {0}")]
    Database(#[from] DbErr),
}

/// Computes the operations snapshot.
#[derive(Clone)]
pub struct OperationsService {
    db: DatabaseConnection,
    clock: Clock,
}

impl OperationsService {
    /// Creates the service.
    pub fn new(db: DatabaseConnection, clock: Clock) -> Self {
        Self { db, clock }
    }

    fn backend(&self) -> DbBackend {
        self.db.get_database_backend()
    }

    /// The snapshot over the last `window_days` (1–365, default 30).
    #[tracing::instrument(skip(self))]
    pub async fn snapshot(&self, window_days: Option<i32>) -> Result<Operations, OperationsError> {
        let days = window_days.unwrap_or(DEFAULT_WINDOW_DAYS);
        if !(1..=MAX_WINDOW_DAYS).contains(&days) {
            return Err(
                InputError::new("days", format!("days must be between 1 and {MAX_WINDOW_DAYS}, got {days}.")).into()
            );
        }
        let now = self.clock.now();
        let since = now - Duration::days(i64::from(days));
        let (by_state, throughput, cycle, wait, decisions, wip) = tokio::try_join!(
            self.by_state(),
            self.throughput(now),
            self.median_cycle(since),
            self.median_wait(since),
            self.decisions(since),
            self.wip(),
        )?;
        let (approvals, rejections) = decisions;
        let decided = approvals + rejections;
        Ok(Operations {
            generated_at: now,
            window_days: days,
            by_state,
            throughput,
            median_cycle_seconds: cycle,
            median_approval_wait_seconds: wait,
            approvals,
            rejections,
            rejection_rate: (decided > 0).then(|| rejections as f64 / decided as f64),
            wip,
        })
    }

    async fn by_state(&self) -> Result<StateCounts, DbErr> {
        let rows = self
            .db
            .query_all(Statement::from_string(self.backend(), "SELECT state, COUNT(*) AS n FROM tasks GROUP BY state"))
            .await?;
        let mut counts: BTreeMap<TaskState, u64> = TaskState::ALL.iter().map(|s| (*s, 0)).collect();
        for r in rows {
            let state: String = r.try_get("", "state")?;
            let n: i64 = r.try_get("", "n")?;
            let state = TaskState::parse(&state).ok_or_else(|| activity::corrupt("tasks.state", &state))?;
            counts.insert(state, n.max(0) as u64);
        }
        Ok(counts.into_iter().collect())
    }

    async fn throughput(&self, now: DateTime<Utc>) -> Result<Vec<DailyCount>, DbErr> {
        let today = now.date_naive();
        let first = today - Duration::days(THROUGHPUT_DAYS - 1);
        let start = first.and_hms_opt(0, 0, 0).map(|t| t.and_utc()).unwrap_or(now);
        let day = utc_day(self.backend(), "done_at");
        let mut q = RawSql::new(self.backend());
        q.push(&format!("SELECT {day} AS day, COUNT(*) AS n FROM tasks WHERE state = "))
            .bind(TaskState::Done.as_str())
            .push(" AND done_at >= ")
            .bind(start)
            .push(&format!(" GROUP BY {day}"));
        let mut per_day: BTreeMap<NaiveDate, u64> =
            (0..THROUGHPUT_DAYS).map(|i| (first + Duration::days(i), 0)).collect();
        for r in self.db.query_all(q.build()).await? {
            let d: String = r.try_get("", "day")?;
            let n: i64 = r.try_get("", "n")?;
            if let Ok(d) = NaiveDate::parse_from_str(&d, "%Y-%m-%d") {
                if let Some(slot) = per_day.get_mut(&d) {
                    *slot = n.max(0) as u64;
                }
            }
        }
        Ok(per_day.into_iter().map(|(day, done)| DailyCount { day, done }).collect())
    }

    async fn median_cycle(&self, since: DateTime<Utc>) -> Result<Option<i64>, DbErr> {
        self.median(|q| {
            q.push("SELECT cycle_seconds AS v FROM tasks WHERE state = ")
                .bind(TaskState::Done.as_str())
                .push(" AND cycle_seconds IS NOT NULL AND done_at >= ")
                .bind(since);
        })
        .await
    }

    async fn median_wait(&self, since: DateTime<Utc>) -> Result<Option<i64>, DbErr> {
        self.median(|q| {
            q.push("SELECT elapsed_seconds AS v FROM activity_entries WHERE from_state = ")
                .bind(TaskState::Review.as_str())
                .push(" AND kind IN ")
                .bind_list([ActivityKind::TaskApproved.as_str(), ActivityKind::TaskRejected.as_str()])
                .push(" AND elapsed_seconds IS NOT NULL AND created_at >= ")
                .bind(since);
        })
        .await
    }

    /// The median of the `v` column of the query `values` writes, picked in SQL: the middle row
    /// (odd count) or the two middle rows (even count) of the ordered values.
    async fn median(&self, values: impl FnOnce(&mut RawSql)) -> Result<Option<i64>, DbErr> {
        let mut q = RawSql::new(self.backend());
        q.push("SELECT v FROM (SELECT v, ROW_NUMBER() OVER (ORDER BY v) AS rn, COUNT(*) OVER () AS n FROM (");
        values(&mut q);
        q.push(") m) x WHERE rn IN ((n + 1) / 2, (n + 2) / 2)");
        let rows = self.db.query_all(q.build()).await?;
        let values: Vec<i64> = rows.iter().map(|r| r.try_get::<i64>("", "v")).collect::<Result<_, _>>()?;
        Ok(match values.as_slice() {
            [] => None,
            [v] => Some(*v),
            [a, b, ..] => Some((a + b) / 2),
        })
    }

    async fn decisions(&self, since: DateTime<Utc>) -> Result<(u64, u64), DbErr> {
        let mut q = RawSql::new(self.backend());
        q.push("SELECT kind, COUNT(*) AS n FROM activity_entries WHERE kind IN ")
            .bind_list([ActivityKind::TaskApproved.as_str(), ActivityKind::TaskRejected.as_str()])
            .push(" AND created_at >= ")
            .bind(since)
            .push(" GROUP BY kind");
        let (mut approvals, mut rejections) = (0, 0);
        for r in self.db.query_all(q.build()).await? {
            let kind: String = r.try_get("", "kind")?;
            let n = r.try_get::<i64>("", "n")?.max(0) as u64;
            match ActivityKind::parse(&kind) {
                Some(ActivityKind::TaskApproved) => approvals = n,
                Some(ActivityKind::TaskRejected) => rejections = n,
                _ => {}
            }
        }
        Ok((approvals, rejections))
    }

    async fn wip(&self) -> Result<Vec<AgentWip>, DbErr> {
        let mut q = RawSql::new(self.backend());
        q.push("SELECT assignee_id, state, COUNT(*) AS n FROM tasks WHERE state IN ")
            .bind_list([TaskState::InProgress.as_str(), TaskState::Review.as_str()])
            .push(" GROUP BY assignee_id, state");
        let mut per_agent: BTreeMap<Option<String>, AgentWip> = BTreeMap::new();
        for r in self.db.query_all(q.build()).await? {
            let agent: Option<String> = r.try_get("", "assignee_id")?;
            let state: String = r.try_get("", "state")?;
            let n = r.try_get::<i64>("", "n")?.max(0) as u64;
            let w = per_agent.entry(agent.clone()).or_insert_with(|| AgentWip {
                agent_id: agent.map(AgentId::from_db),
                in_progress: 0,
                review: 0,
            });
            if state == TaskState::InProgress.as_str() {
                w.in_progress = n;
            } else {
                w.review = n;
            }
        }
        // BTreeMap puts `None` first; unassigned work goes last.
        let (assigned, unassigned): (Vec<_>, Vec<_>) = per_agent.into_values().partition(|w| w.agent_id.is_some());
        Ok(assigned.into_iter().chain(unassigned).collect())
    }
}
