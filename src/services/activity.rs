//! The activity log: who did what to which project or task, written in the same transaction as
//! the change it describes and read as per-project, per-task and global feeds.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use futures::{Stream, StreamExt};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait, FromQueryResult,
    PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};

use super::clock::Clock;
use super::input::AgentId;
use super::pagination::{Page, PageRequest};
use super::tasks::state::TaskState;
use crate::db::entities::{activity_entry, user};
use crate::db::ids::{ActivityId, ProjectId, TaskId, UserId};
use crate::db::sql::RawSql;
use crate::db::Tx;
use crate::events::{Event, EventBus, EventsMissed};

/// Errors of the activity service.
#[derive(Debug, thiserror::Error)]
pub enum ActivityError {
    /// The database failed.
    #[error("database error: {0}")]
    Database(#[from] DbErr),
}

/// Who made a change.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Actor {
    /// A signed-in Nexus user.
    User(UserId),
    /// An OpenClaw agent (via dispatch or the gateway).
    Agent(AgentId),
    /// Nexus itself (seeding, maintenance).
    System,
}

impl Actor {
    fn kind(&self) -> &'static str {
        match self {
            Self::User(_) => "USER",
            Self::Agent(_) => "AGENT",
            Self::System => "SYSTEM",
        }
    }

    fn id(&self) -> Option<String> {
        match self {
            Self::User(u) => Some(u.as_str().to_owned()),
            Self::Agent(a) => Some(a.as_str().to_owned()),
            Self::System => None,
        }
    }

    fn from_db(kind: &str, id: Option<String>) -> Result<Self, DbErr> {
        match (kind, id) {
            ("USER", Some(id)) => Ok(Self::User(UserId::from_db(id))),
            ("AGENT", Some(id)) => Ok(Self::Agent(AgentId::from_db(id))),
            ("SYSTEM", _) => Ok(Self::System),
            (k, _) => Err(corrupt("activity_entries.actor_kind", k)),
        }
    }
}

/// What an activity entry records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
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
    /// A task was assigned or unassigned.
    TaskAssigned,
    /// A task moved along the happy path.
    TaskMoved,
    /// A task in review was approved.
    TaskApproved,
    /// A task in review was sent back.
    TaskRejected,
    /// A task was blocked.
    TaskBlocked,
    /// A task was unblocked.
    TaskUnblocked,
    /// A task was cancelled.
    TaskCancelled,
}

impl ActivityKind {
    /// Every kind.
    pub const ALL: [ActivityKind; 13] = [
        Self::ProjectCreated,
        Self::ProjectUpdated,
        Self::ProjectArchived,
        Self::ProjectUnarchived,
        Self::TaskCreated,
        Self::TaskUpdated,
        Self::TaskAssigned,
        Self::TaskMoved,
        Self::TaskApproved,
        Self::TaskRejected,
        Self::TaskBlocked,
        Self::TaskUnblocked,
        Self::TaskCancelled,
    ];

    /// The stored form.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::ProjectCreated => "PROJECT_CREATED",
            Self::ProjectUpdated => "PROJECT_UPDATED",
            Self::ProjectArchived => "PROJECT_ARCHIVED",
            Self::ProjectUnarchived => "PROJECT_UNARCHIVED",
            Self::TaskCreated => "TASK_CREATED",
            Self::TaskUpdated => "TASK_UPDATED",
            Self::TaskAssigned => "TASK_ASSIGNED",
            Self::TaskMoved => "TASK_MOVED",
            Self::TaskApproved => "TASK_APPROVED",
            Self::TaskRejected => "TASK_REJECTED",
            Self::TaskBlocked => "TASK_BLOCKED",
            Self::TaskUnblocked => "TASK_UNBLOCKED",
            Self::TaskCancelled => "TASK_CANCELLED",
        }
    }

    /// Parses the stored form.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// One entry of the log.
#[derive(Debug, Clone, PartialEq)]
pub struct ActivityEntry {
    /// The entry's id (sorts by time).
    pub id: ActivityId,
    /// The project.
    pub project_id: ProjectId,
    /// The task, for task entries.
    pub task_id: Option<TaskId>,
    /// What happened.
    pub kind: ActivityKind,
    /// Who did it.
    pub actor: Actor,
    /// One readable sentence.
    pub summary: String,
    /// The reason or comment given.
    pub detail: Option<String>,
    /// State before a transition.
    pub from_state: Option<TaskState>,
    /// State after a transition.
    pub to_state: Option<TaskState>,
    /// Seconds the task spent in `from_state`.
    pub elapsed_seconds: Option<i64>,
    /// When.
    pub created_at: DateTime<Utc>,
}

impl TryFrom<activity_entry::Model> for ActivityEntry {
    type Error = DbErr;

    fn try_from(m: activity_entry::Model) -> Result<Self, DbErr> {
        let state = |col: &str, v: Option<String>| -> Result<Option<TaskState>, DbErr> {
            v.map(|s| TaskState::parse(&s).ok_or_else(|| corrupt(col, &s))).transpose()
        };
        Ok(Self {
            kind: ActivityKind::parse(&m.kind).ok_or_else(|| corrupt("activity_entries.kind", &m.kind))?,
            actor: Actor::from_db(&m.actor_kind, m.actor_id)?,
            from_state: state("activity_entries.from_state", m.from_state)?,
            to_state: state("activity_entries.to_state", m.to_state)?,
            id: ActivityId::from_db(m.id),
            project_id: ProjectId::from_db(m.project_id),
            task_id: m.task_id.map(TaskId::from_db),
            summary: m.summary,
            detail: m.detail,
            elapsed_seconds: m.elapsed_seconds,
            created_at: m.created_at,
        })
    }
}

/// An entry about to be written.
#[derive(Debug, Clone)]
pub struct NewActivity {
    /// The project.
    pub project_id: ProjectId,
    /// The task, if any.
    pub task_id: Option<TaskId>,
    /// What happened.
    pub kind: ActivityKind,
    /// Who did it.
    pub actor: Actor,
    /// One readable sentence (cut to 500 characters).
    pub summary: String,
    /// Reason or comment.
    pub detail: Option<String>,
    /// State before.
    pub from_state: Option<TaskState>,
    /// State after.
    pub to_state: Option<TaskState>,
    /// Seconds spent in `from_state`.
    pub elapsed_seconds: Option<i64>,
}

impl NewActivity {
    /// An entry with no transition fields.
    pub fn new(
        project_id: ProjectId,
        task_id: Option<TaskId>,
        kind: ActivityKind,
        actor: Actor,
        summary: String,
    ) -> Self {
        Self {
            project_id,
            task_id,
            kind,
            actor,
            summary,
            detail: None,
            from_state: None,
            to_state: None,
            elapsed_seconds: None,
        }
    }
}

/// Writes `entry` inside `tx` and queues its event. Services call this in the transaction of the
/// change the entry describes, so the log never disagrees with the data.
pub(crate) async fn record(
    tx: &mut Tx,
    clock: &Clock,
    at: DateTime<Utc>,
    entry: NewActivity,
) -> Result<ActivityEntry, DbErr> {
    let id = clock.new_id(at);
    let summary: String = entry.summary.chars().take(500).collect();
    let model = activity_entry::ActiveModel {
        id: Set(id.clone()),
        project_id: Set(entry.project_id.as_str().to_owned()),
        task_id: Set(entry.task_id.as_ref().map(|t| t.as_str().to_owned())),
        kind: Set(entry.kind.as_str().to_owned()),
        actor_kind: Set(entry.actor.kind().to_owned()),
        actor_id: Set(entry.actor.id()),
        summary: Set(summary),
        detail: Set(entry.detail),
        from_state: Set(entry.from_state.map(|s| s.as_str().to_owned())),
        to_state: Set(entry.to_state.map(|s| s.as_str().to_owned())),
        elapsed_seconds: Set(entry.elapsed_seconds),
        created_at: Set(at),
    };
    let saved = model.insert(tx.conn()).await?;
    tx.emit(Event::ActivityAdded { activity_id: id, project_id: saved.project_id.clone() });
    ActivityEntry::try_from(saved)
}

/// A stored value that no version of Nexus writes.
pub(crate) fn corrupt(column: &str, value: &str) -> DbErr {
    DbErr::Custom(format!("unexpected value {value:?} in {column}"))
}

/// Reads the activity log.
#[derive(Clone)]
pub struct ActivityService {
    db: DatabaseConnection,
    bus: EventBus,
}

impl ActivityService {
    /// Creates the service.
    pub fn new(db: DatabaseConnection, bus: EventBus) -> Self {
        Self { db, bus }
    }

    /// Entries by id (missing ids are absent from the map).
    #[tracing::instrument(skip_all, fields(count = ids.len()))]
    pub async fn get_many(&self, ids: &[ActivityId]) -> Result<HashMap<ActivityId, ActivityEntry>, ActivityError> {
        let rows = activity_entry::Entity::find()
            .filter(activity_entry::Column::Id.is_in(ids.iter().map(|i| i.as_str())))
            .all(&self.db)
            .await?;
        rows.into_iter()
            .map(|m| ActivityEntry::try_from(m).map(|e| (e.id.clone(), e)))
            .collect::<Result<_, _>>()
            .map_err(Into::into)
    }

    /// The global feed, newest first.
    #[tracing::instrument(skip(self))]
    pub async fn list(&self, page: &PageRequest) -> Result<Page<ActivityEntry>, ActivityError> {
        let mut q = activity_entry::Entity::find().order_by_desc(activity_entry::Column::Id);
        if let Some(after) = &page.after {
            q = q.filter(activity_entry::Column::Id.lt(after.as_str()));
        }
        let rows = q.limit(page.fetch_limit()).all(&self.db).await?;
        let rows = rows.into_iter().map(ActivityEntry::try_from).collect::<Result<Vec<_>, _>>()?;
        Ok(Page::from_rows(rows, page))
    }

    /// Entries in the whole log.
    #[tracing::instrument(skip(self))]
    pub async fn count_all(&self) -> Result<u64, ActivityError> {
        Ok(activity_entry::Entity::find().count(&self.db).await?)
    }

    /// One page of each task's feed, newest first, in one statement.
    #[tracing::instrument(skip_all, fields(tasks = tasks.len()))]
    pub async fn for_tasks(
        &self,
        tasks: &[TaskId],
        page: &PageRequest,
    ) -> Result<HashMap<TaskId, Page<ActivityEntry>>, ActivityError> {
        let keys: Vec<&str> = tasks.iter().map(|t| t.as_str()).collect();
        let grouped = self.windowed("task_id", &keys, page).await?;
        Ok(tasks.iter().map(|t| (t.clone(), grouped.get(t.as_str()).cloned().unwrap_or_else(Page::empty))).collect())
    }

    /// One page of each project's feed, newest first, in one statement.
    #[tracing::instrument(skip_all, fields(projects = projects.len()))]
    pub async fn for_projects(
        &self,
        projects: &[ProjectId],
        page: &PageRequest,
    ) -> Result<HashMap<ProjectId, Page<ActivityEntry>>, ActivityError> {
        let keys: Vec<&str> = projects.iter().map(|p| p.as_str()).collect();
        let grouped = self.windowed("project_id", &keys, page).await?;
        Ok(projects.iter().map(|p| (p.clone(), grouped.get(p.as_str()).cloned().unwrap_or_else(Page::empty))).collect())
    }

    /// `ROW_NUMBER() OVER (PARTITION BY column)` keeps the first page of every key in one query.
    async fn windowed(
        &self,
        column: &'static str,
        keys: &[&str],
        page: &PageRequest,
    ) -> Result<HashMap<String, Page<ActivityEntry>>, ActivityError> {
        if keys.is_empty() || page.first == 0 {
            return Ok(HashMap::new());
        }
        let mut q = RawSql::new(self.db.get_database_backend());
        q.push("SELECT * FROM (SELECT a.*, ROW_NUMBER() OVER (PARTITION BY a.")
            .push(column)
            .push(" ORDER BY a.id DESC) AS nexus_rn FROM activity_entries a WHERE a.")
            .push(column)
            .push(" IN ")
            .bind_list(keys.iter().map(|k| k.to_string()));
        if let Some(after) = &page.after {
            q.push(" AND a.id < ").bind(after.clone());
        }
        q.push(") w WHERE w.nexus_rn <= ").bind(page.fetch_limit() as i64).push(" ORDER BY w.id DESC");
        let rows = activity_entry::Model::find_by_statement(q.build()).all(&self.db).await?;
        let mut grouped: HashMap<String, Vec<ActivityEntry>> = HashMap::new();
        for row in rows {
            let key =
                if column == "task_id" { row.task_id.clone().unwrap_or_default() } else { row.project_id.clone() };
            grouped.entry(key).or_default().push(ActivityEntry::try_from(row)?);
        }
        Ok(grouped.into_iter().map(|(k, rows)| (k, Page::from_rows(rows, page))).collect())
    }

    /// Entries per task, for the given tasks.
    #[tracing::instrument(skip_all, fields(tasks = tasks.len()))]
    pub async fn count_for_tasks(&self, tasks: &[TaskId]) -> Result<HashMap<TaskId, u64>, ActivityError> {
        let rows = self.count_by(activity_entry::Column::TaskId, tasks.iter().map(|t| t.as_str().to_owned())).await?;
        Ok(tasks.iter().map(|t| (t.clone(), rows.get(t.as_str()).copied().unwrap_or(0))).collect())
    }

    /// Entries per project, for the given projects.
    #[tracing::instrument(skip_all, fields(projects = projects.len()))]
    pub async fn count_for_projects(&self, projects: &[ProjectId]) -> Result<HashMap<ProjectId, u64>, ActivityError> {
        let rows =
            self.count_by(activity_entry::Column::ProjectId, projects.iter().map(|p| p.as_str().to_owned())).await?;
        Ok(projects.iter().map(|p| (p.clone(), rows.get(p.as_str()).copied().unwrap_or(0))).collect())
    }

    async fn count_by(
        &self,
        column: activity_entry::Column,
        keys: impl Iterator<Item = String>,
    ) -> Result<HashMap<String, u64>, DbErr> {
        #[derive(FromQueryResult)]
        struct Row {
            key: String,
            n: i64,
        }
        let rows = activity_entry::Entity::find()
            .select_only()
            .column_as(column, "key")
            .column_as(Expr::col(activity_entry::Column::Id).count(), "n")
            .filter(column.is_in(keys))
            .group_by(column)
            .into_model::<Row>()
            .all(&self.db)
            .await?;
        Ok(rows.into_iter().map(|r| (r.key, r.n.max(0) as u64)).collect())
    }

    /// Display names of users who appear as actors (missing users are absent from the map).
    #[tracing::instrument(skip_all, fields(count = ids.len()))]
    pub async fn user_names(&self, ids: &[UserId]) -> Result<HashMap<UserId, String>, ActivityError> {
        let rows =
            user::Entity::find().filter(user::Column::Id.is_in(ids.iter().map(|i| i.as_str()))).all(&self.db).await?;
        Ok(rows.into_iter().map(|u| (UserId::from_db(u.id), u.display_name)).collect())
    }

    /// Entries as they are written (optionally only one project's), re-read from the database.
    /// The receiver is registered before this returns, so nothing committed afterwards is missed;
    /// if events are lost nonetheless, the stream yields [`EventsMissed`] and ends.
    pub fn added(
        &self,
        project: Option<ProjectId>,
    ) -> impl Stream<Item = Result<ActivityEntry, EventsMissed>> + Send + 'static {
        let service = self.clone();
        self.bus
            .watch()
            .filter_map(move |event| {
                let wanted = match event {
                    Ok(event) => match event.as_ref() {
                        Event::ActivityAdded { activity_id, project_id } => {
                            (project.as_ref().is_none_or(|p| p.as_str() == project_id))
                                .then(|| Ok(ActivityId::from_db(activity_id.clone())))
                        }
                        _ => None,
                    },
                    Err(missed) => Some(Err(missed)),
                };
                futures::future::ready(wanted)
            })
            .then(move |id| {
                let service = service.clone();
                async move {
                    let id = match id {
                        Ok(id) => id,
                        Err(missed) => return Some(Err(missed)),
                    };
                    match service.get_many(std::slice::from_ref(&id)).await {
                        Ok(mut found) => found.remove(&id).map(Ok),
                        Err(e) => {
                            tracing::warn!(error = %e, "could not read a new activity entry");
                            None
                        }
                    }
                }
            })
            .filter_map(futures::future::ready)
    }
}
