//! The activity log: `ActivityEntry`, its actor, the global feed and the `activityAdded`
//! subscription.

use async_graphql::{Context, Enum, Object, Subscription, ID};
use chrono::{DateTime, Utc};
use futures::{Stream, StreamExt};

use super::errors::{ApiError, ApiResult, ErrorCode};
use super::guards::RoleGuard;
use super::ids;
use super::loaders::Loaders;
use super::pagination::{self, Conn, CountOf};
use super::projects::Project;
use super::tasks::{mirror_enum, Task, TaskState};
use crate::app::Services;
use crate::db::ids::ProjectId;
use crate::services::activity::{self, Actor as DomainActor};
use crate::services::auth::Role;

/// What an activity entry records.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum ActivityKind {
    /// A project was created.
    ProjectCreated,
    /// A project's fields changed.
    ProjectUpdated,
    /// A project was archived.
    ProjectArchived,
    /// A project was unarchived.
    ProjectUnarchived,
    /// A task was created.
    TaskCreated,
    /// A task's fields changed.
    TaskUpdated,
    /// A task was assigned, reassigned or unassigned.
    TaskAssigned,
    /// A task moved along BACKLOG → READY → IN_PROGRESS → REVIEW.
    TaskMoved,
    /// A task in review was approved (→ DONE).
    TaskApproved,
    /// A task in review was sent back (→ IN_PROGRESS).
    TaskRejected,
    /// A task was blocked.
    TaskBlocked,
    /// A task was unblocked.
    TaskUnblocked,
    /// A task was cancelled.
    TaskCancelled,
}
mirror_enum!(
    ActivityKind,
    activity::ActivityKind,
    [
        ProjectCreated,
        ProjectUpdated,
        ProjectArchived,
        ProjectUnarchived,
        TaskCreated,
        TaskUpdated,
        TaskAssigned,
        TaskMoved,
        TaskApproved,
        TaskRejected,
        TaskBlocked,
        TaskUnblocked,
        TaskCancelled,
    ]
);

/// Who made a change.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum ActorKind {
    /// A Nexus user.
    User,
    /// An OpenClaw agent.
    Agent,
    /// Nexus itself.
    System,
}

/// The author of an activity entry.
pub struct Actor(DomainActor);

/// The author of an activity entry.
#[Object]
impl Actor {
    /// User, agent or system.
    async fn kind(&self) -> ActorKind {
        match self.0 {
            DomainActor::User(_) => ActorKind::User,
            DomainActor::Agent(_) => ActorKind::Agent,
            DomainActor::System => ActorKind::System,
        }
    }

    /// The user id or the OpenClaw agent id; null for the system.
    async fn id(&self) -> Option<ID> {
        match &self.0 {
            DomainActor::User(u) => Some(ID(u.to_string())),
            DomainActor::Agent(a) => Some(ID(a.as_str().to_owned())),
            DomainActor::System => None,
        }
    }

    /// A name to show: the user's display name (batched per request; "Former user" once the
    /// account is gone), the agent id, or "Nexus".
    async fn name(&self, ctx: &Context<'_>) -> ApiResult<String> {
        Ok(match &self.0 {
            DomainActor::User(u) => {
                Loaders::of(ctx)?.load_one(u.clone()).await?.unwrap_or_else(|| "Former user".to_owned())
            }
            DomainActor::Agent(a) => a.as_str().to_owned(),
            DomainActor::System => "Nexus".to_owned(),
        })
    }
}

/// One entry of the activity log.
pub struct ActivityEntry(pub activity::ActivityEntry);

/// One entry of the activity log.
#[Object]
impl ActivityEntry {
    /// Opaque id; entries sort by it in time order.
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }

    /// What happened.
    async fn kind(&self) -> ActivityKind {
        self.0.kind.into()
    }

    /// One readable sentence (“Approved “Rotate the gateway token””).
    async fn summary(&self) -> &str {
        &self.0.summary
    }

    /// The reason or comment given with the change.
    async fn detail(&self) -> Option<&str> {
        self.0.detail.as_deref()
    }

    /// For transitions: the state before.
    async fn from_state(&self) -> Option<TaskState> {
        self.0.from_state.map(Into::into)
    }

    /// For transitions: the state after.
    async fn to_state(&self) -> Option<TaskState> {
        self.0.to_state.map(Into::into)
    }

    /// For transitions: seconds the task spent in `fromState`.
    async fn elapsed_seconds(&self) -> Option<i64> {
        self.0.elapsed_seconds
    }

    /// Who did it (user names batched per request).
    async fn actor(&self) -> Actor {
        Actor(self.0.actor.clone())
    }

    /// When.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }

    /// The project's id.
    async fn project_id(&self) -> ID {
        ID(self.0.project_id.to_string())
    }

    /// The task's id, for task entries.
    async fn task_id(&self) -> Option<ID> {
        self.0.task_id.as_ref().map(|t| ID(t.to_string()))
    }

    /// The project (batched per request).
    async fn project(&self, ctx: &Context<'_>) -> ApiResult<Project> {
        let p = Loaders::of(ctx)?.load_one(self.0.project_id.clone()).await?;
        Ok(Project(p.ok_or_else(|| ApiError::new(ErrorCode::NotFound, "The entry's project is gone."))?))
    }

    /// The task, for task entries (batched per request).
    async fn task(&self, ctx: &Context<'_>) -> ApiResult<Option<Task>> {
        let Some(id) = &self.0.task_id else { return Ok(None) };
        Ok(Loaders::of(ctx)?.load_one(id.clone()).await?.map(Task))
    }
}

/// Activity queries.
#[derive(Default)]
pub struct ActivityQuery;

#[Object]
impl ActivityQuery {
    /// Everything that happened to any project or task, newest first.
    #[graphql(guard = "RoleGuard::new(Role::Viewer)", complexity = "pagination::complexity(first, child_complexity)")]
    async fn activity(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size, 0–100 (default 20).")] first: Option<i32>,
        #[graphql(desc = "Cursor of the last entry of the previous page.")] after: Option<String>,
    ) -> ApiResult<Conn<ActivityEntry>> {
        let page = pagination::page_request(first, after.as_deref())?;
        let entries = ctx.data_unchecked::<Services>().activity.list(&page).await.map_err(ApiError::from)?;
        Ok(pagination::connection(entries, &page, CountOf::Activity, |e| e.id.as_str(), ActivityEntry))
    }
}

/// Activity subscriptions.
#[derive(Default)]
pub struct ActivitySubscription;

#[Subscription]
impl ActivitySubscription {
    /// Every activity entry as it is committed, optionally only one project's (VIEWER and up).
    /// Should entries be lost on the way (this subscriber fell behind, or the server's database
    /// listener reconnected), one error with `reason: EVENTS_MISSED` ends the subscription:
    /// re-read and subscribe again.
    #[graphql(guard = "RoleGuard::new(Role::Viewer)")]
    async fn activity_added(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only this project's entries; all projects when absent.")] project_id: Option<ID>,
    ) -> Result<impl Stream<Item = Result<ActivityEntry, async_graphql::Error>>, async_graphql::Error> {
        let project = project_id.as_ref().map(|p| ids::parse("projectId", p, ProjectId::parse)).transpose()?;
        Ok(ctx
            .data_unchecked::<Services>()
            .activity
            .added(project)
            .map(|entry| entry.map(ActivityEntry).map_err(|missed| ApiError::from(missed).into())))
    }
}
