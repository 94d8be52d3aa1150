//! The operations snapshot.

use async_graphql::{Context, Object, SimpleObject, ID};
use chrono::{DateTime, Utc};

use super::errors::{ApiError, ApiResult};
use super::guards::RoleGuard;
use super::tasks::{state_counts, Date, StateCount};
use crate::app::Services;
use crate::services::auth::Role;
use crate::services::operations;

/// Tasks approved on one UTC day.
#[derive(SimpleObject)]
pub struct DailyThroughput {
    /// The day.
    pub day: Date,
    /// Tasks approved that day.
    pub done: i32,
}

/// One agent's open work.
#[derive(SimpleObject)]
pub struct AgentWorkInProgress {
    /// The agent; null for unassigned work.
    pub agent_id: Option<ID>,
    /// Tasks IN_PROGRESS.
    pub in_progress: i32,
    /// Tasks in REVIEW.
    pub review: i32,
}

fn int(n: u64) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX)
}

/// How the team's work flows (see the GraphQL type's description).
pub struct Operations(operations::Operations);

/// How the team's work flows: task figures from the database, incident figures from the
/// incident reports; gateway figures join when the gateway client is built.
#[Object]
impl Operations {
    /// Open incidents by severity, counts by status and the mean time to resolve.
    async fn incidents(&self, ctx: &Context<'_>) -> super::incidents::IncidentFigures {
        ctx.data_unchecked::<crate::app::Services>().incidents.summary().into()
    }

    /// When the snapshot was computed.
    async fn generated_at(&self) -> DateTime<Utc> {
        self.0.generated_at
    }

    /// The window, in days, for medians and rates.
    async fn window_days(&self) -> i32 {
        self.0.window_days
    }

    /// Tasks per state, every state listed.
    async fn tasks_by_state(&self) -> Vec<StateCount> {
        state_counts(&self.0.by_state)
    }

    /// Tasks approved per UTC day over the last 14 days (today included), oldest first.
    async fn throughput(&self) -> Vec<DailyThroughput> {
        self.0.throughput.iter().map(|d| DailyThroughput { day: Date(d.day), done: int(d.done) }).collect()
    }

    /// Median time from first READY to DONE of the tasks approved in the window, in seconds.
    async fn median_cycle_time_seconds(&self) -> Option<i64> {
        self.0.median_cycle_seconds
    }

    /// Median time a task waited in REVIEW before it was approved or rejected, over the
    /// decisions in the window, in seconds.
    async fn median_approval_wait_seconds(&self) -> Option<i64> {
        self.0.median_approval_wait_seconds
    }

    /// Approvals in the window.
    async fn approvals(&self) -> i32 {
        int(self.0.approvals)
    }

    /// Rejections in the window.
    async fn rejections(&self) -> i32 {
        int(self.0.rejections)
    }

    /// Rejections ÷ (approvals + rejections) in the window; null without decisions.
    async fn rejection_rate(&self) -> Option<f64> {
        self.0.rejection_rate
    }

    /// Tasks IN_PROGRESS and in REVIEW per agent (agents by id, unassigned last).
    async fn work_in_progress(&self) -> Vec<AgentWorkInProgress> {
        self.0
            .wip
            .iter()
            .map(|w| AgentWorkInProgress {
                agent_id: w.agent_id.as_ref().map(|a| ID(a.as_str().to_owned())),
                in_progress: int(w.in_progress),
                review: int(w.review),
            })
            .collect()
    }
}

/// Operations queries.
#[derive(Default)]
pub struct OperationsQuery;

#[Object]
impl OperationsQuery {
    /// The operations snapshot over the last `days` (1–365, default 30).
    #[graphql(guard = "RoleGuard::new(Role::Viewer)")]
    async fn operations(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Window for medians and rates, in days (1–365, default 30).")] days: Option<i32>,
    ) -> ApiResult<Operations> {
        let snapshot = ctx.data_unchecked::<Services>().operations.snapshot(days).await.map_err(ApiError::from)?;
        Ok(Operations(snapshot))
    }
}
