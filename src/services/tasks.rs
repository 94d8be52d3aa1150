//! Tasks: creation, edits, assignment and every move of the state machine, each guarded by the
//! version the client saw and logged as activity in the same transaction.
//!
//! The rules themselves are pure and live in [`state`] (the state machine) and [`priority`]
//! (priority normalisation); this module applies them to rows.

pub mod priority;
pub mod state;

use std::collections::HashMap;
use std::sync::Arc;

use chrono::{DateTime, NaiveDate, Utc};
use futures::{Stream, StreamExt};
use sea_orm::sea_query::{Expr, LikeExpr};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait, FromQueryResult,
    PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, Set, SqlErr,
};

pub use self::priority::Priority;
pub use self::state::TaskState;
use self::state::{Move, Refused};
use super::activity::{self, ActivityEntry, ActivityKind, Actor, NewActivity};
use super::clock::Clock;
use super::input::{self, AgentId, AgentRoster, InputError};
use super::pagination::{Page, PageRequest};
use super::projects::Patch;
use crate::db::entities::{project, task};
use crate::db::ids::{ProjectId, TaskId};
use crate::db::sql::RawSql;
use crate::db::{self as database, Tx};
use crate::events::{ChangeKind, Event, EventBus, EventsMissed};

/// A task.
#[derive(Debug, Clone, PartialEq)]
pub struct Task {
    /// Id.
    pub id: TaskId,
    /// Its project.
    pub project_id: ProjectId,
    /// Title.
    pub title: String,
    /// Markdown description.
    pub description: String,
    /// Where it is.
    pub state: TaskState,
    /// For a BLOCKED task, the state it returns to.
    pub blocked_from: Option<TaskState>,
    /// Normalised priority.
    pub priority: Priority,
    /// The priority as written.
    pub priority_label: String,
    /// The agent working on it.
    pub assignee_id: Option<AgentId>,
    /// Due date.
    pub due_date: Option<NaiveDate>,
    /// Labels.
    pub labels: Vec<String>,
    /// Optimistic-concurrency version.
    pub version: i32,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Last changed.
    pub updated_at: DateTime<Utc>,
    /// When it entered its current state.
    pub state_changed_at: DateTime<Utc>,
    /// When it first became READY.
    pub ready_at: Option<DateTime<Utc>>,
    /// When it was approved.
    pub done_at: Option<DateTime<Utc>>,
}

impl Task {
    /// The states this task may move to now.
    pub fn allowed_transitions(&self) -> Vec<TaskState> {
        state::allowed_targets(self.state, self.blocked_from)
    }
}

impl TryFrom<task::Model> for Task {
    type Error = DbErr;

    fn try_from(m: task::Model) -> Result<Self, DbErr> {
        let state = |col: &str, s: &str| TaskState::parse(s).ok_or_else(|| activity::corrupt(col, s));
        Ok(Self {
            state: state("tasks.state", &m.state)?,
            blocked_from: m.blocked_from.as_deref().map(|s| state("tasks.blocked_from", s)).transpose()?,
            priority: Priority::from_rank(m.priority)
                .ok_or_else(|| activity::corrupt("tasks.priority", &m.priority.to_string()))?,
            labels: serde_json::from_str(&m.labels).map_err(|_| activity::corrupt("tasks.labels", &m.labels))?,
            id: TaskId::from_db(m.id),
            project_id: ProjectId::from_db(m.project_id),
            title: m.title,
            description: m.description,
            priority_label: m.priority_label,
            assignee_id: m.assignee_id.map(AgentId::from_db),
            due_date: m.due_date,
            version: m.version,
            created_at: m.created_at,
            updated_at: m.updated_at,
            state_changed_at: m.state_changed_at,
            ready_at: m.ready_at,
            done_at: m.done_at,
        })
    }
}

/// A change to a task plus the activity entry it wrote.
#[derive(Debug, Clone)]
pub struct TaskChange {
    /// The task after the change.
    pub task: Task,
    /// The log entry written with it.
    pub activity: ActivityEntry,
}

/// Input for a new task (validated by the service).
#[derive(Debug, Clone, Default)]
pub struct NewTask {
    /// The project.
    pub project_id: Option<ProjectId>,
    /// Title (≤ 200 characters).
    pub title: String,
    /// Description (≤ 20,000 characters).
    pub description: Option<String>,
    /// Priority label in any accepted dialect; empty or absent is MEDIUM.
    pub priority: Option<String>,
    /// Agent id.
    pub assignee_id: Option<String>,
    /// Due date.
    pub due_date: Option<NaiveDate>,
    /// Labels.
    pub labels: Vec<String>,
}

/// Edits to a task; `None` fields stay as they are.
#[derive(Debug, Clone, Default)]
pub struct TaskPatch {
    /// New title.
    pub title: Option<String>,
    /// New description.
    pub description: Option<String>,
    /// New priority label.
    pub priority: Option<String>,
    /// New due date.
    pub due_date: Patch<NaiveDate>,
    /// New labels (replacing the old ones).
    pub labels: Option<Vec<String>>,
}

/// Who a task filter matches by assignee.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum AssigneeFilter {
    /// Tasks assigned to this agent.
    Agent(AgentId),
    /// Tasks assigned to nobody.
    Unassigned,
}

/// Task list filter; empty lists mean "any".
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct TaskFilter {
    /// Only this project's tasks.
    pub project_id: Option<ProjectId>,
    /// Only these states.
    pub states: Vec<TaskState>,
    /// By assignee.
    pub assignee: Option<AssigneeFilter>,
    /// Only these priorities.
    pub priorities: Vec<Priority>,
    /// Title or description contains this (case-insensitive).
    pub search: Option<String>,
}

/// An agent's open work, by state.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Workload {
    /// READY tasks.
    pub ready: u64,
    /// IN_PROGRESS tasks.
    pub in_progress: u64,
    /// Tasks in REVIEW.
    pub review: u64,
    /// BLOCKED tasks.
    pub blocked: u64,
}

/// Task counts by state.
pub type StateCounts = Vec<(TaskState, u64)>;

/// A task change as subscribers see it: ids and the kind of change, to be re-read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskChangeNotice {
    /// What happened.
    pub kind: ChangeKind,
    /// The task.
    pub task_id: TaskId,
    /// Its project.
    pub project_id: ProjectId,
}

/// What a transition request asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Intent {
    /// Move to this state (whatever move that is).
    To(TaskState),
    /// Make this move (approve, reject, block, unblock, cancel).
    Named(Move),
}

/// Errors of the task service.
#[derive(Debug, thiserror::Error)]
pub enum TaskError {
    /// Bad input.
    #[error(transparent)]
    Invalid(#[from] InputError),
    /// No such task.
    #[error("task not found")]
    NotFound,
    /// No such project (when creating a task).
    #[error("project not found")]
    ProjectNotFound,
    /// The project is archived and takes no new tasks.
    #[error("the project is archived")]
    ProjectArchived,
    /// The client's version is not the current one.
    #[error("stale version: the task is at version {current_version}")]
    Stale {
        /// The current version.
        current_version: i32,
    },
    /// The state machine does not allow the move.
    #[error("{0}")]
    InvalidTransition(Refused),
    /// The database failed.
    #[error("database error: {0}")]
    Database(#[from] DbErr),
}

fn priority_input(label: &str) -> Result<(Priority, String), InputError> {
    let label = label.trim();
    if label.chars().count() > priority::MAX_LABEL_LEN {
        return Err(InputError::new(
            "priority",
            format!("priority is longer than {} characters.", priority::MAX_LABEL_LEN),
        ));
    }
    match priority::normalise(label) {
        Ok(p) => Ok((p, label.to_owned())),
        Err(e) => Err(InputError {
            field: "priority".into(),
            message: e.to_string(),
            accepted: priority::ACCEPTED_FORMS.iter().map(|s| (*s).to_owned()).collect(),
        }),
    }
}

fn labels_json(labels: &[String]) -> String {
    serde_json::to_string(labels).unwrap_or_else(|_| "[]".into())
}

/// Tasks.
#[derive(Clone)]
pub struct TaskService {
    db: DatabaseConnection,
    bus: EventBus,
    clock: Clock,
    roster: Option<Arc<dyn AgentRoster>>,
}

impl TaskService {
    /// Creates the service.
    pub fn new(db: DatabaseConnection, bus: EventBus, clock: Clock) -> Self {
        Self { db, bus, clock, roster: None }
    }

    /// Checks agent ids written from now on against the team (without one, any well-formed id).
    pub fn with_roster(mut self, roster: Arc<dyn AgentRoster>) -> Self {
        self.roster = Some(roster);
        self
    }

    /// One task.
    #[tracing::instrument(skip(self), fields(task = %id))]
    pub async fn get(&self, id: &TaskId) -> Result<Option<Task>, TaskError> {
        Ok(task::Entity::find_by_id(id.as_str()).one(&self.db).await?.map(Task::try_from).transpose()?)
    }

    /// Tasks by id (missing ids are absent from the map).
    #[tracing::instrument(skip_all, fields(count = ids.len()))]
    pub async fn get_many(&self, ids: &[TaskId]) -> Result<HashMap<TaskId, Task>, TaskError> {
        let rows =
            task::Entity::find().filter(task::Column::Id.is_in(ids.iter().map(|i| i.as_str()))).all(&self.db).await?;
        rows.into_iter()
            .map(|m| Task::try_from(m).map(|t| (t.id.clone(), t)))
            .collect::<Result<_, _>>()
            .map_err(Into::into)
    }

    fn condition(filter: &TaskFilter) -> Condition {
        let mut c = Condition::all();
        if let Some(p) = &filter.project_id {
            c = c.add(task::Column::ProjectId.eq(p.as_str()));
        }
        if !filter.states.is_empty() {
            c = c.add(task::Column::State.is_in(filter.states.iter().map(|s| s.as_str())));
        }
        match &filter.assignee {
            Some(AssigneeFilter::Agent(a)) => c = c.add(task::Column::AssigneeId.eq(a.as_str())),
            Some(AssigneeFilter::Unassigned) => c = c.add(task::Column::AssigneeId.is_null()),
            None => {}
        }
        if !filter.priorities.is_empty() {
            c = c.add(task::Column::Priority.is_in(filter.priorities.iter().map(|p| p.rank())));
        }
        if let Some(search) = &filter.search {
            let pattern = LikeExpr::new(input::like_pattern(search)).escape('\\');
            c = c.add(Expr::col(task::Column::SearchText).like(pattern));
        }
        c
    }

    fn check_filter(filter: &TaskFilter) -> Result<(), TaskError> {
        if let Some(s) = &filter.search {
            input::line("search", s, input::MAX_SEARCH)?;
        }
        Ok(())
    }

    /// A page of tasks, newest first.
    #[tracing::instrument(skip(self))]
    pub async fn list(&self, filter: &TaskFilter, page: &PageRequest) -> Result<Page<Task>, TaskError> {
        Self::check_filter(filter)?;
        let mut q = task::Entity::find().filter(Self::condition(filter)).order_by_desc(task::Column::Id);
        if let Some(after) = &page.after {
            q = q.filter(task::Column::Id.lt(after.as_str()));
        }
        let rows = q.limit(page.fetch_limit()).all(&self.db).await?;
        let rows = rows.into_iter().map(Task::try_from).collect::<Result<Vec<_>, _>>()?;
        Ok(Page::from_rows(rows, page))
    }

    /// How many tasks match.
    #[tracing::instrument(skip(self))]
    pub async fn count(&self, filter: &TaskFilter) -> Result<u64, TaskError> {
        Self::check_filter(filter)?;
        Ok(task::Entity::find().filter(Self::condition(filter)).count(&self.db).await?)
    }

    /// One page of each project's tasks (optionally in one state), newest first, in one statement.
    #[tracing::instrument(skip_all, fields(projects = projects.len()))]
    pub async fn for_projects(
        &self,
        projects: &[ProjectId],
        state: Option<TaskState>,
        page: &PageRequest,
    ) -> Result<HashMap<ProjectId, Page<Task>>, TaskError> {
        let mut grouped: HashMap<String, Vec<Task>> = HashMap::new();
        if !projects.is_empty() && page.first > 0 {
            let mut q = RawSql::new(self.db.get_database_backend());
            q.push("SELECT * FROM (SELECT t.*, ROW_NUMBER() OVER (PARTITION BY t.project_id ORDER BY t.id DESC) AS nexus_rn FROM tasks t WHERE t.project_id IN ")
                .bind_list(projects.iter().map(|p| p.as_str().to_owned()));
            if let Some(s) = state {
                q.push(" AND t.state = ").bind(s.as_str());
            }
            if let Some(after) = &page.after {
                q.push(" AND t.id < ").bind(after.clone());
            }
            q.push(") w WHERE w.nexus_rn <= ").bind(page.fetch_limit() as i64).push(" ORDER BY w.id DESC");
            for row in task::Model::find_by_statement(q.build()).all(&self.db).await? {
                grouped.entry(row.project_id.clone()).or_default().push(Task::try_from(row)?);
            }
        }
        Ok(projects
            .iter()
            .map(|p| {
                let rows = grouped.remove(p.as_str()).unwrap_or_default();
                (p.clone(), Page::from_rows(rows, page))
            })
            .collect())
    }

    /// Task counts by state for each project.
    #[tracing::instrument(skip_all, fields(projects = projects.len()))]
    pub async fn counts_by_project(
        &self,
        projects: &[ProjectId],
    ) -> Result<HashMap<ProjectId, StateCounts>, TaskError> {
        #[derive(FromQueryResult)]
        struct Row {
            project_id: String,
            state: String,
            n: i64,
        }
        let rows = task::Entity::find()
            .select_only()
            .column(task::Column::ProjectId)
            .column(task::Column::State)
            .column_as(Expr::col(task::Column::Id).count(), "n")
            .filter(task::Column::ProjectId.is_in(projects.iter().map(|p| p.as_str())))
            .group_by(task::Column::ProjectId)
            .group_by(task::Column::State)
            .into_model::<Row>()
            .all(&self.db)
            .await?;
        let mut out: HashMap<ProjectId, StateCounts> = projects.iter().map(|p| (p.clone(), Vec::new())).collect();
        for r in rows {
            let state = TaskState::parse(&r.state).ok_or_else(|| activity::corrupt("tasks.state", &r.state))?;
            out.entry(ProjectId::from_db(r.project_id)).or_default().push((state, r.n.max(0) as u64));
        }
        for counts in out.values_mut() {
            counts.sort_by_key(|(s, _)| *s);
        }
        Ok(out)
    }

    /// Open work per agent, for the given agents.
    #[tracing::instrument(skip_all, fields(agents = agents.len()))]
    pub async fn workloads(&self, agents: &[AgentId]) -> Result<HashMap<AgentId, Workload>, TaskError> {
        #[derive(FromQueryResult)]
        struct Row {
            assignee_id: String,
            state: String,
            n: i64,
        }
        let open = [TaskState::Ready, TaskState::InProgress, TaskState::Review, TaskState::Blocked];
        let rows = task::Entity::find()
            .select_only()
            .column(task::Column::AssigneeId)
            .column(task::Column::State)
            .column_as(Expr::col(task::Column::Id).count(), "n")
            .filter(task::Column::AssigneeId.is_in(agents.iter().map(|a| a.as_str())))
            .filter(task::Column::State.is_in(open.iter().map(|s| s.as_str())))
            .group_by(task::Column::AssigneeId)
            .group_by(task::Column::State)
            .into_model::<Row>()
            .all(&self.db)
            .await?;
        let mut out: HashMap<AgentId, Workload> = agents.iter().map(|a| (a.clone(), Workload::default())).collect();
        for r in rows {
            let w = out.entry(AgentId::from_db(r.assignee_id)).or_default();
            let n = r.n.max(0) as u64;
            match TaskState::parse(&r.state) {
                Some(TaskState::Ready) => w.ready = n,
                Some(TaskState::InProgress) => w.in_progress = n,
                Some(TaskState::Review) => w.review = n,
                Some(TaskState::Blocked) => w.blocked = n,
                _ => {}
            }
        }
        Ok(out)
    }

    /// Creates a task in BACKLOG.
    #[tracing::instrument(skip(self, input), fields(project = ?input.project_id))]
    pub async fn create(&self, actor: Actor, input: NewTask) -> Result<TaskChange, TaskError> {
        let project_id = input.project_id.ok_or_else(|| InputError::new("projectId", "projectId is required."))?;
        let title = input::line("title", &input.title, input::MAX_TITLE)?;
        let description =
            input::text("description", input.description.as_deref().unwrap_or(""), input::MAX_DESCRIPTION)?;
        let (priority, priority_label) = priority_input(input.priority.as_deref().unwrap_or(""))?;
        let assignee = input
            .assignee_id
            .as_deref()
            .map(|a| input::team_agent(self.roster.as_deref(), "assigneeId", a))
            .transpose()?;
        let labels = input::labels("labels", &input.labels)?;
        let clock = self.clock.clone();
        database::transaction(&self.db, &self.bus, move |tx| {
            Box::pin(async move {
                let now = clock.now();
                let id = clock.new_id(now);
                // The insert comes first so SQLite takes its write lock before the project is read.
                let model = task::ActiveModel {
                    id: Set(id.clone()),
                    project_id: Set(project_id.as_str().to_owned()),
                    title: Set(title.clone()),
                    search_text: Set(input::search_text(&[&title, &description])),
                    description: Set(description),
                    state: Set(TaskState::Backlog.as_str().to_owned()),
                    blocked_from: Set(None),
                    priority: Set(priority.rank()),
                    priority_label: Set(priority_label),
                    assignee_id: Set(assignee.map(|a| a.as_str().to_owned())),
                    due_date: Set(input.due_date),
                    labels: Set(labels_json(&labels)),
                    version: Set(1),
                    created_at: Set(now),
                    updated_at: Set(now),
                    state_changed_at: Set(now),
                    ready_at: Set(None),
                    done_at: Set(None),
                    cycle_seconds: Set(None),
                };
                let saved = model.insert(tx.conn()).await.map_err(|e| match e.sql_err() {
                    Some(SqlErr::ForeignKeyConstraintViolation(_)) => TaskError::ProjectNotFound,
                    _ => TaskError::Database(e),
                })?;
                let project = project::Entity::find_by_id(project_id.as_str())
                    .one(tx.conn())
                    .await?
                    .ok_or(TaskError::ProjectNotFound)?;
                if project.archived_at.is_some() {
                    return Err(TaskError::ProjectArchived);
                }
                let task = Task::try_from(saved)?;
                let mut entry = NewActivity::new(
                    project_id.clone(),
                    Some(task.id.clone()),
                    ActivityKind::TaskCreated,
                    actor,
                    format!("Created “{title}”"),
                );
                entry.to_state = Some(TaskState::Backlog);
                let activity = activity::record(tx, &clock, now, entry).await?;
                tx.emit(Event::TaskChanged {
                    task_id: id,
                    project_id: project_id.into_string(),
                    kind: ChangeKind::Created,
                });
                Ok(TaskChange { task, activity })
            })
        })
        .await
    }

    /// Claims `expected_version`: bumps the version if it matches, so that of two writers with
    /// the same version exactly one proceeds and the other gets [`TaskError::Stale`]. It is the
    /// first statement of every task transaction, which also makes SQLite take its write lock
    /// before anything is read (a read first would pin a snapshot that cannot be upgraded once
    /// another writer commits).
    async fn claim(tx: &Tx, id: &TaskId, expected_version: i32, now: DateTime<Utc>) -> Result<Task, TaskError> {
        let res = task::Entity::update_many()
            .col_expr(task::Column::Version, Expr::col(task::Column::Version).add(1))
            .col_expr(task::Column::UpdatedAt, Expr::value(now))
            .filter(task::Column::Id.eq(id.as_str()))
            .filter(task::Column::Version.eq(expected_version))
            .exec(tx.conn())
            .await?;
        let row = task::Entity::find_by_id(id.as_str()).one(tx.conn()).await?.ok_or(TaskError::NotFound)?;
        if res.rows_affected == 0 {
            return Err(TaskError::Stale { current_version: row.version });
        }
        Ok(Task::try_from(row)?)
    }

    /// Edits a task's title, description, priority, due date or labels.
    #[tracing::instrument(skip(self, patch), fields(task = %id))]
    pub async fn update(
        &self,
        actor: Actor,
        id: &TaskId,
        expected_version: i32,
        patch: TaskPatch,
    ) -> Result<TaskChange, TaskError> {
        let title = patch.title.as_deref().map(|t| input::line("title", t, input::MAX_TITLE)).transpose()?;
        let description =
            patch.description.as_deref().map(|d| input::text("description", d, input::MAX_DESCRIPTION)).transpose()?;
        let priority = patch.priority.as_deref().map(priority_input).transpose()?;
        let labels = patch.labels.as_deref().map(|l| input::labels("labels", l)).transpose()?;
        let (clock, id) = (self.clock.clone(), id.clone());
        database::transaction(&self.db, &self.bus, move |tx| {
            Box::pin(async move {
                let now = clock.now();
                let current = Self::claim(tx, &id, expected_version, now).await?;
                let mut model = task::ActiveModel { id: Set(id.as_str().to_owned()), ..Default::default() };
                let mut changed: Vec<&str> = Vec::new();
                if let Some(t) = title.filter(|t| *t != current.title) {
                    model.title = Set(t);
                    changed.push("title");
                }
                if let Some(d) = description.filter(|d| *d != current.description) {
                    model.description = Set(d);
                    changed.push("description");
                }
                if let (sea_orm::ActiveValue::Set(_), _) | (_, sea_orm::ActiveValue::Set(_)) =
                    (&model.title, &model.description)
                {
                    let title = model.title.try_as_ref().unwrap_or(&current.title);
                    let description = model.description.try_as_ref().unwrap_or(&current.description);
                    model.search_text = Set(input::search_text(&[title, description]));
                }
                if let Some((p, label)) =
                    priority.filter(|(p, l)| *p != current.priority || *l != current.priority_label)
                {
                    model.priority = Set(p.rank());
                    model.priority_label = Set(label);
                    changed.push("priority");
                }
                let due = match patch.due_date {
                    Patch::Keep => None,
                    Patch::Clear => Some(None),
                    Patch::Set(d) => Some(Some(d)),
                };
                if let Some(d) = due.filter(|d| *d != current.due_date) {
                    model.due_date = Set(d);
                    changed.push("due date");
                }
                if let Some(l) = labels.filter(|l| *l != current.labels) {
                    model.labels = Set(labels_json(&l));
                    changed.push("labels");
                }
                let saved = if changed.is_empty() {
                    task::Entity::find_by_id(id.as_str()).one(tx.conn()).await?.ok_or(TaskError::NotFound)?
                } else {
                    model.update(tx.conn()).await?
                };
                let task = Task::try_from(saved)?;
                let what = if changed.is_empty() { "nothing changed".to_owned() } else { changed.join(", ") };
                let activity = activity::record(
                    tx,
                    &clock,
                    now,
                    NewActivity::new(
                        task.project_id.clone(),
                        Some(id.clone()),
                        ActivityKind::TaskUpdated,
                        actor,
                        format!("Edited “{}” ({what})", task.title),
                    ),
                )
                .await?;
                tx.emit(Event::TaskChanged {
                    task_id: id.into_string(),
                    project_id: task.project_id.as_str().to_owned(),
                    kind: ChangeKind::Updated,
                });
                Ok(TaskChange { task, activity })
            })
        })
        .await
    }

    /// Assigns a task to an agent, or unassigns it (`None`).
    #[tracing::instrument(skip(self), fields(task = %id))]
    pub async fn assign(
        &self,
        actor: Actor,
        id: &TaskId,
        expected_version: i32,
        assignee: Option<&str>,
    ) -> Result<TaskChange, TaskError> {
        let assignee = assignee.map(|a| input::team_agent(self.roster.as_deref(), "assigneeId", a)).transpose()?;
        let (clock, id) = (self.clock.clone(), id.clone());
        database::transaction(&self.db, &self.bus, move |tx| {
            Box::pin(async move {
                let now = clock.now();
                let current = Self::claim(tx, &id, expected_version, now).await?;
                let model = task::ActiveModel {
                    id: Set(id.as_str().to_owned()),
                    assignee_id: Set(assignee.as_ref().map(|a| a.as_str().to_owned())),
                    ..Default::default()
                };
                let task = Task::try_from(model.update(tx.conn()).await?)?;
                let summary = match (&current.assignee_id, &assignee) {
                    (Some(old), Some(new)) if old == new => format!("Kept “{}” with {new}", task.title),
                    (Some(old), Some(new)) => format!("Reassigned “{}” from {old} to {new}", task.title),
                    (None, Some(new)) => format!("Assigned “{}” to {new}", task.title),
                    (Some(old), None) => format!("Unassigned “{}” (was {old})", task.title),
                    (None, None) => format!("Left “{}” unassigned", task.title),
                };
                let activity = activity::record(
                    tx,
                    &clock,
                    now,
                    NewActivity::new(
                        task.project_id.clone(),
                        Some(id.clone()),
                        ActivityKind::TaskAssigned,
                        actor,
                        summary,
                    ),
                )
                .await?;
                tx.emit(Event::TaskChanged {
                    task_id: id.into_string(),
                    project_id: task.project_id.as_str().to_owned(),
                    kind: ChangeKind::Assigned,
                });
                Ok(TaskChange { task, activity })
            })
        })
        .await
    }

    /// Moves a task: to a state (`Intent::To`) or by a named move (approve, reject, block,
    /// unblock, cancel). `reason` is required for reject and block; `comment` is optional.
    #[tracing::instrument(skip(self, reason, comment), fields(task = %id))]
    pub async fn transition(
        &self,
        actor: Actor,
        id: &TaskId,
        expected_version: i32,
        intent: Intent,
        reason: Option<&str>,
        comment: Option<&str>,
    ) -> Result<TaskChange, TaskError> {
        let reason = input::note("reason", reason)?;
        let comment = input::note("comment", comment)?;
        if let Intent::Named(mv) = intent {
            if mv.requires_reason() && reason.is_none() {
                return Err(reason_required(mv).into());
            }
        }
        let (clock, id) = (self.clock.clone(), id.clone());
        database::transaction(&self.db, &self.bus, move |tx| {
            Box::pin(async move {
                let now = clock.now();
                let current = Self::claim(tx, &id, expected_version, now).await?;
                let (from, bf) = (current.state, current.blocked_from);
                let (mv, to) = match intent {
                    Intent::To(to) => (state::classify(from, bf, to).map_err(TaskError::InvalidTransition)?, to),
                    Intent::Named(mv) => (mv, state::target_of(mv, from, bf).map_err(TaskError::InvalidTransition)?),
                };
                if mv.requires_reason() && reason.is_none() {
                    return Err(reason_required(mv).into());
                }
                let elapsed = (now - current.state_changed_at).num_seconds().max(0);
                let ready_at = current.ready_at.or((to == TaskState::Ready).then_some(now));
                let mut model = task::ActiveModel {
                    id: Set(id.as_str().to_owned()),
                    state: Set(to.as_str().to_owned()),
                    blocked_from: Set((to == TaskState::Blocked).then(|| from.as_str().to_owned())),
                    state_changed_at: Set(now),
                    ready_at: Set(ready_at),
                    ..Default::default()
                };
                if to == TaskState::Done {
                    model.done_at = Set(Some(now));
                    // Tasks that skipped READY (never queued) count from their creation.
                    let start = ready_at.unwrap_or(current.created_at);
                    model.cycle_seconds = Set(Some((now - start).num_seconds().max(0)));
                }
                let task = Task::try_from(model.update(tx.conn()).await?)?;
                let t = &task.title;
                // Sentences for people: states by their readable names (`fromState`/`toState` carry the enums).
                let (from_label, to_label) = (from.label(), to.label());
                let (kind, summary) = match mv {
                    Move::Advance => (ActivityKind::TaskMoved, format!("Moved “{t}” from {from_label} to {to_label}")),
                    Move::Approve => (ActivityKind::TaskApproved, format!("Approved “{t}”")),
                    Move::Reject => (ActivityKind::TaskRejected, format!("Sent “{t}” back to {to_label}")),
                    Move::Block => (ActivityKind::TaskBlocked, format!("Blocked “{t}” (was {from_label})")),
                    Move::Unblock => (ActivityKind::TaskUnblocked, format!("Unblocked “{t}” (back to {to_label})")),
                    Move::Cancel => (ActivityKind::TaskCancelled, format!("Cancelled “{t}” (was {from_label})")),
                };
                let mut entry = NewActivity::new(task.project_id.clone(), Some(id.clone()), kind, actor, summary);
                // A move may carry both (a block with a reason and a note): keep both.
                entry.detail = match (reason, comment) {
                    (Some(r), Some(c)) => Some(format!("{r}\n\n{c}")),
                    (r, c) => r.or(c),
                };
                entry.from_state = Some(from);
                entry.to_state = Some(to);
                entry.elapsed_seconds = Some(elapsed);
                let activity = activity::record(tx, &clock, now, entry).await?;
                tx.emit(Event::TaskChanged {
                    task_id: id.into_string(),
                    project_id: task.project_id.as_str().to_owned(),
                    kind: ChangeKind::Transitioned,
                });
                Ok(TaskChange { task, activity })
            })
        })
        .await
    }

    /// Task changes as they commit (optionally only one project's). The receiver is registered
    /// before this returns, so nothing committed afterwards is missed; if events are lost
    /// nonetheless, the stream yields [`EventsMissed`] and ends (see [`EventBus::watch`]).
    pub fn changes(
        &self,
        project: Option<ProjectId>,
    ) -> impl Stream<Item = Result<TaskChangeNotice, EventsMissed>> + Send + 'static {
        self.bus.watch().filter_map(move |event| {
            let notice = match event {
                Ok(event) => match event.as_ref() {
                    Event::TaskChanged { task_id, project_id, kind } => {
                        project.as_ref().is_none_or(|p| p.as_str() == project_id).then(|| {
                            Ok(TaskChangeNotice {
                                kind: *kind,
                                task_id: TaskId::from_db(task_id.clone()),
                                project_id: ProjectId::from_db(project_id.clone()),
                            })
                        })
                    }
                    _ => None,
                },
                Err(missed) => Some(Err(missed)),
            };
            futures::future::ready(notice)
        })
    }
}

fn reason_required(mv: Move) -> InputError {
    let what = if mv == Move::Reject { "reject a task in review" } else { "block a task" };
    InputError::new("reason", format!("A reason is required to {what}."))
}
