//! Tasks: the `Task` type, task queries, the task mutations (edits, assignment and every move of
//! the state machine) and the `taskChanged` subscription.

use async_graphql::{
    Context, Enum, InputObject, InputValueError, InputValueResult, MaybeUndefined, Object, Scalar, ScalarType,
    SimpleObject, Subscription, Value, ID,
};
use chrono::{DateTime, NaiveDate, Utc};
use futures::{Stream, StreamExt};

use super::activity::ActivityEntry;
use super::errors::{ApiError, ApiResult};
use super::guards::{self, RoleGuard};
use super::ids;
use super::loaders::{Loaders, TaskActivity};
use super::pagination::{self, Conn, CountOf};
use super::projects::Project;
use crate::app::Services;
use crate::db::ids::{ProjectId, TaskId};
use crate::events::ChangeKind as DomainChangeKind;
use crate::services::activity::Actor;
use crate::services::auth::Role;
use crate::services::input::AgentId;
use crate::services::projects::Patch;
use crate::services::tasks::state::Move;
use crate::services::tasks::{
    self, AssigneeFilter, Intent, NewTask, TaskChange, TaskFilter as DomainFilter, TaskPatch,
};

/// Mirrors a domain enum as a GraphQL enum, with conversions both ways.
macro_rules! mirror_enum {
    ($api:ident, $domain:path, [$($variant:ident),+ $(,)?]) => {
        impl From<$domain> for $api {
            fn from(v: $domain) -> Self {
                use $domain as D;
                match v { $(D::$variant => Self::$variant),+ }
            }
        }
        impl From<$api> for $domain {
            fn from(v: $api) -> Self {
                use $domain as D;
                match v { $($api::$variant => D::$variant),+ }
            }
        }
    };
}
pub(crate) use mirror_enum;

/// Where a task is in its life. Allowed moves: BACKLOG → READY → IN_PROGRESS → REVIEW → DONE;
/// REVIEW → IN_PROGRESS (reject, with a reason); BACKLOG, READY, IN_PROGRESS or REVIEW → BLOCKED
/// (with a reason) and back to the state it left; anything but DONE and CANCELLED → CANCELLED.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum TaskState {
    /// Captured, not yet queued.
    Backlog,
    /// Queued for an agent.
    Ready,
    /// An agent is working on it.
    InProgress,
    /// Work submitted; waits for an operator's approval.
    Review,
    /// Approved. Final.
    Done,
    /// Waiting on something outside the task; remembers the state it left.
    Blocked,
    /// Dropped. Final.
    Cancelled,
}
mirror_enum!(TaskState, tasks::TaskState, [Backlog, Ready, InProgress, Review, Done, Blocked, Cancelled]);

/// A task's normalised priority. Labels in any dialect (`P0`, `urgent`, `!!`, `3`) are mapped to
/// one of these; the label as written is kept in `priorityLabel`.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum TaskPriority {
    /// `P0`, `critical`, `urgent`, `blocker`, `1`, `!!`.
    Critical,
    /// `P1`, `high`, `important`, `2`, `!`.
    High,
    /// `P2`, `medium`, `normal`, `3`, or no label.
    Medium,
    /// `P3`, `P4`, `low`, `minor`, `trivial`, `4`, `5`.
    Low,
}
mirror_enum!(TaskPriority, tasks::Priority, [Critical, High, Medium, Low]);

/// What kind of change an event reports.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum ChangeKind {
    /// Created.
    Created,
    /// Fields changed.
    Updated,
    /// Assignee changed.
    Assigned,
    /// Moved to another state.
    Transitioned,
    /// Archived (projects).
    Archived,
    /// Unarchived (projects).
    Unarchived,
    /// Deleted.
    Deleted,
}
mirror_enum!(ChangeKind, DomainChangeKind, [Created, Updated, Assigned, Transitioned, Archived, Unarchived, Deleted]);

/// A calendar date, `YYYY-MM-DD`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Date(pub NaiveDate);

/// A calendar date, `YYYY-MM-DD`.
#[Scalar(name = "Date")]
impl ScalarType for Date {
    fn parse(value: Value) -> InputValueResult<Self> {
        match &value {
            Value::String(s) => NaiveDate::parse_from_str(s, "%Y-%m-%d")
                .map(Date)
                .map_err(|_| InputValueError::custom("expected a date as YYYY-MM-DD")),
            _ => Err(InputValueError::expected_type(value)),
        }
    }

    fn to_value(&self) -> Value {
        Value::String(self.0.format("%Y-%m-%d").to_string())
    }
}

/// How many tasks are in one state.
#[derive(SimpleObject, Clone, Copy)]
pub struct StateCount {
    /// The state.
    pub state: TaskState,
    /// Tasks in it.
    pub count: i32,
}

/// Converts domain counts (every state listed, zeros included).
pub fn state_counts(counts: &[(tasks::TaskState, u64)]) -> Vec<StateCount> {
    tasks::TaskState::ALL
        .iter()
        .map(|s| StateCount {
            state: (*s).into(),
            count: counts.iter().find(|(c, _)| c == s).map(|(_, n)| i32::try_from(*n).unwrap_or(i32::MAX)).unwrap_or(0),
        })
        .collect()
}

/// The agent a task is assigned to, with the open work Nexus holds for it. The agent's identity
/// (name, emoji, model) lives in the OpenClaw workspace.
pub struct Assignee {
    agent_id: AgentId,
}

/// The agent a task is assigned to, with the open work Nexus holds for it. The agent's identity
/// (name, emoji, model) lives in the OpenClaw workspace.
#[Object]
impl Assignee {
    /// The OpenClaw agent id (`main`, `ops`, …).
    async fn agent_id(&self) -> ID {
        ID(self.agent_id.as_str().to_owned())
    }

    /// The agent's open tasks by state (READY, IN_PROGRESS, REVIEW, BLOCKED), batched per request.
    async fn workload(&self, ctx: &Context<'_>) -> ApiResult<AgentWorkload> {
        let w = Loaders::of(ctx)?.load_one(self.agent_id.clone()).await?.unwrap_or_default();
        Ok(AgentWorkload::from(w))
    }
}

/// An agent's open tasks by state.
#[derive(SimpleObject, Clone, Copy)]
pub struct AgentWorkload {
    /// READY tasks.
    pub ready: i32,
    /// IN_PROGRESS tasks.
    pub in_progress: i32,
    /// Tasks in REVIEW.
    pub review: i32,
    /// BLOCKED tasks.
    pub blocked: i32,
}

impl From<tasks::Workload> for AgentWorkload {
    fn from(w: tasks::Workload) -> Self {
        let n = |v: u64| i32::try_from(v).unwrap_or(i32::MAX);
        Self { ready: n(w.ready), in_progress: n(w.in_progress), review: n(w.review), blocked: n(w.blocked) }
    }
}

/// A unit of work for an agent.
pub struct Task(pub tasks::Task);

/// A unit of work for an agent.
#[Object]
impl Task {
    /// Opaque id.
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }

    /// The project's id.
    async fn project_id(&self) -> ID {
        ID(self.0.project_id.to_string())
    }

    /// The project (batched per request).
    async fn project(&self, ctx: &Context<'_>) -> ApiResult<Project> {
        let p = Loaders::of(ctx)?.load_one(self.0.project_id.clone()).await?;
        Ok(Project(p.ok_or_else(|| ApiError::new(super::errors::ErrorCode::NotFound, "The task's project is gone."))?))
    }

    /// One line.
    async fn title(&self) -> &str {
        &self.0.title
    }

    /// Markdown.
    async fn description(&self) -> &str {
        &self.0.description
    }

    /// Where the task is.
    async fn state(&self) -> TaskState {
        self.0.state.into()
    }

    /// For a BLOCKED task, the state it returns to when unblocked.
    async fn blocked_from(&self) -> Option<TaskState> {
        self.0.blocked_from.map(Into::into)
    }

    /// The states the task may move to now (empty when DONE or CANCELLED).
    async fn allowed_transitions(&self) -> Vec<TaskState> {
        self.0.allowed_transitions().into_iter().map(Into::into).collect()
    }

    /// Normalised priority.
    async fn priority(&self) -> TaskPriority {
        self.0.priority.into()
    }

    /// The priority as its author wrote it (`P0`, `urgent`, `!!`); empty when none was given.
    async fn priority_label(&self) -> &str {
        &self.0.priority_label
    }

    /// The assigned agent's id.
    async fn assignee_id(&self) -> Option<ID> {
        self.0.assignee_id.as_ref().map(|a| ID(a.as_str().to_owned()))
    }

    /// The assigned agent and its workload (batched per request).
    async fn assignee(&self) -> Option<Assignee> {
        self.0.assignee_id.clone().map(|agent_id| Assignee { agent_id })
    }

    /// Due date.
    async fn due_date(&self) -> Option<Date> {
        self.0.due_date.map(Date)
    }

    /// Labels.
    async fn labels(&self) -> &[String] {
        &self.0.labels
    }

    /// Bumped by every change. Send it back as `expectedVersion`; a stale one is a CONFLICT.
    async fn version(&self) -> i32 {
        self.0.version
    }

    /// Created.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }

    /// Last changed.
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }

    /// When the task entered its current state.
    async fn state_changed_at(&self) -> DateTime<Utc> {
        self.0.state_changed_at
    }

    /// When the task first became READY.
    async fn ready_at(&self) -> Option<DateTime<Utc>> {
        self.0.ready_at
    }

    /// When the task was approved.
    async fn done_at(&self) -> Option<DateTime<Utc>> {
        self.0.done_at
    }

    /// The task's activity, newest first (batched per request: one query for all tasks).
    #[graphql(complexity = "pagination::complexity(first, child_complexity)")]
    async fn activity(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size, 0–100 (default 20).")] first: Option<i32>,
        #[graphql(desc = "Cursor of the last entry of the previous page.")] after: Option<String>,
    ) -> ApiResult<Conn<ActivityEntry>> {
        let page = pagination::page_request(first, after.as_deref())?;
        let key = TaskActivity { task: self.0.id.clone(), page: page.clone() };
        let entries = Loaders::of(ctx)?.load_one(key).await?.unwrap_or_else(crate::services::pagination::Page::empty);
        Ok(pagination::connection(
            entries,
            &page,
            CountOf::TaskActivity(self.0.id.clone()),
            |e| e.id.as_str(),
            ActivityEntry,
        ))
    }
}

/// Which tasks to list; every field narrows the list, unset fields do not.
#[derive(InputObject, Default)]
pub struct TaskFilter {
    /// Only this project's tasks.
    pub project_id: Option<ID>,
    /// Only tasks in these states.
    pub states: Option<Vec<TaskState>>,
    /// Only tasks assigned to this agent.
    pub assignee_id: Option<ID>,
    /// Only unassigned tasks (`true`).
    pub unassigned: Option<bool>,
    /// Only these priorities.
    pub priorities: Option<Vec<TaskPriority>>,
    /// Title or description contains this text (case-insensitive, at most 200 characters).
    pub search: Option<String>,
}

impl TaskFilter {
    fn into_domain(self) -> Result<DomainFilter, ApiError> {
        let project_id = self.project_id.as_ref().map(|p| ids::parse("projectId", p, ProjectId::parse)).transpose()?;
        let assignee = match (self.assignee_id, self.unassigned) {
            (Some(_), Some(true)) => {
                return Err(ApiError::bad_input("unassigned", "Use either assigneeId or unassigned: true, not both."))
            }
            (Some(a), _) => Some(AssigneeFilter::Agent(AgentId::parse("assigneeId", &a)?)),
            (None, Some(true)) => Some(AssigneeFilter::Unassigned),
            (None, _) => None,
        };
        Ok(DomainFilter {
            project_id,
            states: self.states.unwrap_or_default().into_iter().map(Into::into).collect(),
            assignee,
            priorities: self.priorities.unwrap_or_default().into_iter().map(Into::into).collect(),
            search: crate::services::input::search("search", self.search.as_deref())?,
        })
    }
}

/// Task queries.
#[derive(Default)]
pub struct TaskQuery;

#[Object]
impl TaskQuery {
    /// Tasks, newest first, filtered by project, state, assignee, priority and text.
    #[graphql(guard = "RoleGuard::new(Role::Viewer)", complexity = "pagination::complexity(first, child_complexity)")]
    async fn tasks(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What to list; all tasks when absent.")] filter: Option<TaskFilter>,
        #[graphql(desc = "Page size, 0–100 (default 20).")] first: Option<i32>,
        #[graphql(desc = "Cursor of the last task of the previous page.")] after: Option<String>,
    ) -> ApiResult<Conn<Task>> {
        let filter = filter.unwrap_or_default().into_domain()?;
        let page = pagination::page_request(first, after.as_deref())?;
        let tasks = ctx.data_unchecked::<Services>().tasks.list(&filter, &page).await.map_err(ApiError::from)?;
        Ok(pagination::connection(tasks, &page, CountOf::Tasks(filter), |t| t.id.as_str(), Task))
    }

    /// One task, or null.
    #[graphql(guard = "RoleGuard::new(Role::Viewer)")]
    async fn task(&self, ctx: &Context<'_>, #[graphql(desc = "The task's id.")] id: ID) -> ApiResult<Option<Task>> {
        let id = ids::parse("id", &id, TaskId::parse)?;
        Ok(ctx.data_unchecked::<Services>().tasks.get(&id).await.map_err(ApiError::from)?.map(Task))
    }
}

/// A new task (it starts in BACKLOG).
#[derive(InputObject)]
pub struct CreateTaskInput {
    /// The project.
    pub project_id: ID,
    /// One line, at most 200 characters.
    pub title: String,
    /// Markdown, at most 20,000 characters.
    pub description: Option<String>,
    /// Priority in any accepted dialect (`P0`–`P4`, `critical`, `urgent`, `blocker`, `high`,
    /// `important`, `medium`, `normal`, `low`, `minor`, `trivial`, `1`–`5`, `!`, `!!`); empty or
    /// absent is MEDIUM. Anything else is BAD_USER_INPUT listing the accepted forms.
    pub priority: Option<String>,
    /// OpenClaw agent id of the assignee.
    pub assignee_id: Option<ID>,
    /// Due date.
    pub due_date: Option<Date>,
    /// At most 20 labels of at most 40 characters.
    pub labels: Option<Vec<String>>,
}

/// Edits to a task; absent fields stay as they are.
#[derive(InputObject)]
pub struct UpdateTaskInput {
    /// The task.
    pub task_id: ID,
    /// The version you saw.
    pub expected_version: i32,
    /// New title.
    pub title: Option<String>,
    /// New description.
    pub description: Option<String>,
    /// New priority label (see `CreateTaskInput.priority`).
    pub priority: Option<String>,
    /// New due date; `null` clears it.
    pub due_date: MaybeUndefined<Date>,
    /// New labels, replacing the old ones.
    pub labels: Option<Vec<String>>,
}

/// Assign a task to an agent, or unassign it.
#[derive(InputObject)]
pub struct AssignTaskInput {
    /// The task.
    pub task_id: ID,
    /// The version you saw.
    pub expected_version: i32,
    /// The agent; `null` unassigns.
    pub assignee_id: Option<ID>,
}

/// Move a task to another state.
#[derive(InputObject)]
pub struct TransitionTaskInput {
    /// The task.
    pub task_id: ID,
    /// The version you saw.
    pub expected_version: i32,
    /// The target state.
    pub to: TaskState,
    /// Why; required for BLOCKED and for REVIEW → IN_PROGRESS (a rejection).
    pub reason: Option<String>,
    /// Optional comment.
    pub comment: Option<String>,
}

/// Approve a task in REVIEW (→ DONE).
#[derive(InputObject)]
pub struct ApproveTaskInput {
    /// The task.
    pub task_id: ID,
    /// The version you saw.
    pub expected_version: i32,
    /// Optional comment.
    pub comment: Option<String>,
}

/// Send a task in REVIEW back to IN_PROGRESS.
#[derive(InputObject)]
pub struct RejectTaskInput {
    /// The task.
    pub task_id: ID,
    /// The version you saw.
    pub expected_version: i32,
    /// Required: what has to change (at most 2,000 characters).
    pub reason: Option<String>,
}

/// Block a task (BACKLOG, READY, IN_PROGRESS or REVIEW → BLOCKED).
#[derive(InputObject)]
pub struct BlockTaskInput {
    /// The task.
    pub task_id: ID,
    /// The version you saw.
    pub expected_version: i32,
    /// Required: what it waits for.
    pub reason: Option<String>,
}

/// Unblock a task (back to the state it left), or cancel one; a note is optional.
#[derive(InputObject)]
pub struct TaskNoteInput {
    /// The task.
    pub task_id: ID,
    /// The version you saw.
    pub expected_version: i32,
    /// Optional comment.
    pub comment: Option<String>,
}

/// The changed task and the activity entry the change wrote.
#[derive(SimpleObject)]
pub struct TaskPayload {
    /// The task after the change.
    pub task: Task,
    /// The log entry written in the same transaction.
    pub activity: ActivityEntry,
}

impl From<TaskChange> for TaskPayload {
    fn from(c: TaskChange) -> Self {
        Self { task: Task(c.task), activity: ActivityEntry(c.activity) }
    }
}

/// The caller as an activity actor (the guard has already required a role).
pub fn actor(ctx: &Context<'_>) -> Result<Actor, ApiError> {
    let principal = guards::require(guards::caller(ctx), Role::Viewer)?;
    Ok(Actor::User(crate::db::ids::UserId::from_db(principal.user_id.clone())))
}

fn task_id(id: &ID) -> Result<TaskId, ApiError> {
    ids::parse("taskId", id, TaskId::parse)
}

/// Task mutations (OPERATOR).
#[derive(Default)]
pub struct TaskMutation;

#[Object]
impl TaskMutation {
    /// Creates a task in BACKLOG.
    #[graphql(guard = "RoleGuard::new(Role::Operator)")]
    async fn create_task(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The mutation's arguments (see the input type).")] input: CreateTaskInput,
    ) -> ApiResult<TaskPayload> {
        let new = NewTask {
            project_id: Some(ids::parse("projectId", &input.project_id, ProjectId::parse)?),
            title: input.title,
            description: input.description,
            priority: input.priority,
            assignee_id: input.assignee_id.map(|a| a.0),
            due_date: input.due_date.map(|d| d.0),
            labels: input.labels.unwrap_or_default(),
        };
        Ok(ctx.data_unchecked::<Services>().tasks.create(actor(ctx)?, new).await.map_err(ApiError::from)?.into())
    }

    /// Edits a task's title, description, priority, due date or labels.
    #[graphql(guard = "RoleGuard::new(Role::Operator)")]
    async fn update_task(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The mutation's arguments (see the input type).")] input: UpdateTaskInput,
    ) -> ApiResult<TaskPayload> {
        let patch = TaskPatch {
            title: input.title,
            description: input.description,
            priority: input.priority,
            due_date: match input.due_date {
                MaybeUndefined::Undefined => Patch::Keep,
                MaybeUndefined::Null => Patch::Clear,
                MaybeUndefined::Value(d) => Patch::Set(d.0),
            },
            labels: input.labels,
        };
        let id = task_id(&input.task_id)?;
        let services = ctx.data_unchecked::<Services>();
        Ok(services.tasks.update(actor(ctx)?, &id, input.expected_version, patch).await.map_err(ApiError::from)?.into())
    }

    /// Assigns a task to an agent (or unassigns it with `assigneeId: null`).
    #[graphql(guard = "RoleGuard::new(Role::Operator)")]
    async fn assign_task(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The mutation's arguments (see the input type).")] input: AssignTaskInput,
    ) -> ApiResult<TaskPayload> {
        let id = task_id(&input.task_id)?;
        let services = ctx.data_unchecked::<Services>();
        let assignee = input.assignee_id.as_ref().map(|a| a.as_str());
        Ok(services
            .tasks
            .assign(actor(ctx)?, &id, input.expected_version, assignee)
            .await
            .map_err(ApiError::from)?
            .into())
    }

    /// Moves a task to another state. A move the state machine does not allow is
    /// INVALID_TRANSITION with `extensions.allowed` listing the states it may move to.
    #[graphql(guard = "RoleGuard::new(Role::Operator)")]
    async fn transition_task(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The mutation's arguments (see the input type).")] input: TransitionTaskInput,
    ) -> ApiResult<TaskPayload> {
        let id = task_id(&input.task_id)?;
        let (to, reason, comment) = (input.to.into(), input.reason.as_deref(), input.comment.as_deref());
        let services = ctx.data_unchecked::<Services>();
        let change =
            services.tasks.transition(actor(ctx)?, &id, input.expected_version, Intent::To(to), reason, comment);
        Ok(change.await.map_err(ApiError::from)?.into())
    }

    /// Approves a task in REVIEW: it is DONE.
    #[graphql(guard = "RoleGuard::new(Role::Operator)")]
    async fn approve_task(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The mutation's arguments (see the input type).")] input: ApproveTaskInput,
    ) -> ApiResult<TaskPayload> {
        let id = task_id(&input.task_id)?;
        let services = ctx.data_unchecked::<Services>();
        let intent = Intent::Named(Move::Approve);
        let change =
            services.tasks.transition(actor(ctx)?, &id, input.expected_version, intent, None, input.comment.as_deref());
        Ok(change.await.map_err(ApiError::from)?.into())
    }

    /// Rejects a task in REVIEW: it goes back to IN_PROGRESS. The reason is required.
    #[graphql(guard = "RoleGuard::new(Role::Operator)")]
    async fn reject_task(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The mutation's arguments (see the input type).")] input: RejectTaskInput,
    ) -> ApiResult<TaskPayload> {
        let id = task_id(&input.task_id)?;
        let services = ctx.data_unchecked::<Services>();
        let intent = Intent::Named(Move::Reject);
        let change =
            services.tasks.transition(actor(ctx)?, &id, input.expected_version, intent, input.reason.as_deref(), None);
        Ok(change.await.map_err(ApiError::from)?.into())
    }

    /// Blocks a task; it remembers the state it left. The reason is required.
    #[graphql(guard = "RoleGuard::new(Role::Operator)")]
    async fn block_task(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The mutation's arguments (see the input type).")] input: BlockTaskInput,
    ) -> ApiResult<TaskPayload> {
        let id = task_id(&input.task_id)?;
        let services = ctx.data_unchecked::<Services>();
        let intent = Intent::Named(Move::Block);
        let change =
            services.tasks.transition(actor(ctx)?, &id, input.expected_version, intent, input.reason.as_deref(), None);
        Ok(change.await.map_err(ApiError::from)?.into())
    }

    /// Unblocks a task: it returns to the state it was blocked from.
    #[graphql(guard = "RoleGuard::new(Role::Operator)")]
    async fn unblock_task(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The mutation's arguments (see the input type).")] input: TaskNoteInput,
    ) -> ApiResult<TaskPayload> {
        let id = task_id(&input.task_id)?;
        let services = ctx.data_unchecked::<Services>();
        let intent = Intent::Named(Move::Unblock);
        let change =
            services.tasks.transition(actor(ctx)?, &id, input.expected_version, intent, None, input.comment.as_deref());
        Ok(change.await.map_err(ApiError::from)?.into())
    }

    /// Cancels a task (from any state but DONE and CANCELLED).
    #[graphql(guard = "RoleGuard::new(Role::Operator)")]
    async fn cancel_task(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The mutation's arguments (see the input type).")] input: TaskNoteInput,
    ) -> ApiResult<TaskPayload> {
        let id = task_id(&input.task_id)?;
        let services = ctx.data_unchecked::<Services>();
        let intent = Intent::Named(Move::Cancel);
        let change =
            services.tasks.transition(actor(ctx)?, &id, input.expected_version, intent, None, input.comment.as_deref());
        Ok(change.await.map_err(ApiError::from)?.into())
    }
}

/// A task changed. Subscribers re-read the task through `task`, so they see it as it is now.
pub struct TaskChangedEvent(tasks::TaskChangeNotice);

/// A task changed. Subscribers re-read the task through `task`, so they see it as it is now.
#[Object]
impl TaskChangedEvent {
    /// What happened.
    async fn kind(&self) -> ChangeKind {
        self.0.kind.into()
    }

    /// The task's id.
    async fn task_id(&self) -> ID {
        ID(self.0.task_id.to_string())
    }

    /// The project's id.
    async fn project_id(&self) -> ID {
        ID(self.0.project_id.to_string())
    }

    /// The task now; null once it is deleted.
    async fn task(&self, ctx: &Context<'_>) -> ApiResult<Option<Task>> {
        Ok(Loaders::of(ctx)?.load_one(self.0.task_id.clone()).await?.map(Task))
    }
}

/// Task subscriptions.
#[derive(Default)]
pub struct TaskSubscription;

#[Subscription]
impl TaskSubscription {
    /// Every committed change to a task, optionally only in one project. Rolled-back changes
    /// are never reported; with PostgreSQL, changes made through any Nexus replica arrive.
    /// VIEWER and up: every role may read every project, so no event is withheld by role.
    /// Should changes be lost on the way (this subscriber fell behind, or the server's database
    /// listener reconnected), one error with `reason: EVENTS_MISSED` ends the subscription:
    /// re-read and subscribe again.
    #[graphql(guard = "RoleGuard::new(Role::Viewer)")]
    async fn task_changed(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only this project's tasks; all projects when absent.")] project_id: Option<ID>,
    ) -> Result<impl Stream<Item = Result<TaskChangedEvent, async_graphql::Error>>, async_graphql::Error> {
        let project = project_id.as_ref().map(|p| ids::parse("projectId", p, ProjectId::parse)).transpose()?;
        Ok(ctx
            .data_unchecked::<Services>()
            .tasks
            .changes(project)
            .map(|change| change.map(TaskChangedEvent).map_err(|missed| ApiError::from(missed).into())))
    }
}
