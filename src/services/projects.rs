//! Projects: create, update, archive, delete; lists with filters; every change logged as activity.

use std::collections::HashMap;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, DbBackend, DbErr, EntityTrait,
    PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, Set, SqlErr,
};

use super::activity::{self, ActivityEntry, ActivityKind, Actor, NewActivity};
use super::clock::Clock;
use super::input::{self, AgentId, AgentRoster, InputError, Slug};
use super::pagination::{Page, PageRequest};
use crate::db::entities::{project, task};
use crate::db::ids::ProjectId;
use crate::db::{self as database, Tx};
use crate::events::{ChangeKind, Event, EventBus};

/// Where a project stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ProjectStatus {
    /// Work is going on.
    Active,
    /// Paused on purpose.
    OnHold,
    /// Finished.
    Completed,
}

impl ProjectStatus {
    /// Every status.
    pub const ALL: [ProjectStatus; 3] = [Self::Active, Self::OnHold, Self::Completed];

    /// The stored form.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Active => "ACTIVE",
            Self::OnHold => "ON_HOLD",
            Self::Completed => "COMPLETED",
        }
    }

    /// Parses the stored form.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.as_str() == s)
    }
}

/// A project.
#[derive(Debug, Clone, PartialEq)]
pub struct Project {
    /// Id.
    pub id: ProjectId,
    /// Unique URL-safe name.
    pub slug: String,
    /// Display name.
    pub name: String,
    /// Markdown description.
    pub description: String,
    /// Status.
    pub status: ProjectStatus,
    /// The agent leading it.
    pub lead_agent_id: Option<AgentId>,
    /// Optimistic-concurrency version.
    pub version: i32,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Last changed.
    pub updated_at: DateTime<Utc>,
    /// Archived, if it is.
    pub archived_at: Option<DateTime<Utc>>,
}

impl TryFrom<project::Model> for Project {
    type Error = DbErr;

    fn try_from(m: project::Model) -> Result<Self, DbErr> {
        Ok(Self {
            status: ProjectStatus::parse(&m.status).ok_or_else(|| activity::corrupt("projects.status", &m.status))?,
            id: ProjectId::from_db(m.id),
            slug: m.slug,
            name: m.name,
            description: m.description,
            lead_agent_id: m.lead_agent_id.map(AgentId::from_db),
            version: m.version,
            created_at: m.created_at,
            updated_at: m.updated_at,
            archived_at: m.archived_at,
        })
    }
}

/// A change to a project plus the activity entry it wrote.
#[derive(Debug, Clone)]
pub struct ProjectChange {
    /// The project after the change.
    pub project: Project,
    /// The log entry.
    pub activity: ActivityEntry,
}

/// A deleted project.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeletedProject {
    /// Its id.
    pub project_id: ProjectId,
    /// How many tasks went with it.
    pub deleted_tasks: u64,
}

/// Input for a new project (validated by the service).
#[derive(Debug, Clone, Default)]
pub struct NewProject {
    /// Slug.
    pub slug: String,
    /// Name.
    pub name: String,
    /// Description.
    pub description: Option<String>,
    /// Status (default ACTIVE).
    pub status: Option<ProjectStatus>,
    /// Lead agent id.
    pub lead_agent_id: Option<String>,
}

/// A field update: leave it, clear it, or set it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Patch<T> {
    /// Leave as is.
    #[default]
    Keep,
    /// Set to nothing.
    Clear,
    /// Set to this.
    Set(T),
}

/// Changes to a project; `None` fields stay as they are.
#[derive(Debug, Clone, Default)]
pub struct ProjectPatch {
    /// New slug.
    pub slug: Option<String>,
    /// New name.
    pub name: Option<String>,
    /// New description.
    pub description: Option<String>,
    /// New status.
    pub status: Option<ProjectStatus>,
    /// New lead agent.
    pub lead_agent_id: Patch<String>,
}

/// List filter.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct ProjectFilter {
    /// Only this status.
    pub status: Option<ProjectStatus>,
    /// Name or slug contains this (case-insensitive).
    pub search: Option<String>,
    /// Include archived projects (default: only unarchived ones).
    pub include_archived: bool,
}

/// Errors of the project service.
#[derive(Debug, thiserror::Error)]
pub enum ProjectError {
    /// Bad input.
    #[error(transparent)]
    Invalid(#[from] InputError),
    /// No such project.
    #[error("project not found")]
    NotFound,
    /// The client's version is not the current one.
    #[error("stale version: the project is at version {current_version}")]
    Stale {
        /// The current version.
        current_version: i32,
    },
    /// Another project has the slug.
    #[error("the slug `{slug}` is taken")]
    DuplicateSlug {
        /// The slug.
        slug: String,
    },
    /// Delete without cascade while tasks exist.
    #[error("the project still has {count} tasks")]
    HasTasks {
        /// How many.
        count: u64,
    },
    /// The database failed.
    #[error("database error: {0}")]
    Database(#[from] DbErr),
}

/// Projects.
#[derive(Clone)]
pub struct ProjectService {
    db: DatabaseConnection,
    bus: EventBus,
    clock: Clock,
    roster: Option<Arc<dyn AgentRoster>>,
}

impl ProjectService {
    /// Creates the service.
    pub fn new(db: DatabaseConnection, bus: EventBus, clock: Clock) -> Self {
        Self { db, bus, clock, roster: None }
    }

    /// Checks agent ids written from now on against the team (without one, any well-formed id).
    pub fn with_roster(mut self, roster: Arc<dyn AgentRoster>) -> Self {
        self.roster = Some(roster);
        self
    }

    /// One project by id.
    #[tracing::instrument(skip(self), fields(project = %id))]
    pub async fn get(&self, id: &ProjectId) -> Result<Option<Project>, ProjectError> {
        Ok(project::Entity::find_by_id(id.as_str()).one(&self.db).await?.map(Project::try_from).transpose()?)
    }

    /// One project by slug.
    #[tracing::instrument(skip(self))]
    pub async fn get_by_slug(&self, slug: &str) -> Result<Option<Project>, ProjectError> {
        let slug = slug.trim().to_ascii_lowercase();
        let row = project::Entity::find().filter(project::Column::Slug.eq(slug)).one(&self.db).await?;
        Ok(row.map(Project::try_from).transpose()?)
    }

    /// Projects by id (missing ids are absent from the map).
    #[tracing::instrument(skip_all, fields(count = ids.len()))]
    pub async fn get_many(&self, ids: &[ProjectId]) -> Result<HashMap<ProjectId, Project>, ProjectError> {
        let rows = project::Entity::find()
            .filter(project::Column::Id.is_in(ids.iter().map(|i| i.as_str())))
            .all(&self.db)
            .await?;
        rows.into_iter()
            .map(|m| Project::try_from(m).map(|p| (p.id.clone(), p)))
            .collect::<Result<_, _>>()
            .map_err(Into::into)
    }

    fn condition(filter: &ProjectFilter) -> Condition {
        let mut c = Condition::all();
        if let Some(status) = filter.status {
            c = c.add(project::Column::Status.eq(status.as_str()));
        }
        if !filter.include_archived {
            c = c.add(project::Column::ArchivedAt.is_null());
        }
        if let Some(search) = &filter.search {
            let pattern = sea_orm::sea_query::LikeExpr::new(input::like_pattern(search)).escape('\\');
            c = c.add(Expr::col(project::Column::SearchText).like(pattern));
        }
        c
    }

    /// A page of projects, newest first.
    #[tracing::instrument(skip(self))]
    pub async fn list(&self, filter: &ProjectFilter, page: &PageRequest) -> Result<Page<Project>, ProjectError> {
        let mut q = project::Entity::find().filter(Self::condition(filter)).order_by_desc(project::Column::Id);
        if let Some(after) = &page.after {
            q = q.filter(project::Column::Id.lt(after.as_str()));
        }
        let rows = q.limit(page.fetch_limit()).all(&self.db).await?;
        let rows = rows.into_iter().map(Project::try_from).collect::<Result<Vec<_>, _>>()?;
        Ok(Page::from_rows(rows, page))
    }

    /// How many projects match.
    #[tracing::instrument(skip(self))]
    pub async fn count(&self, filter: &ProjectFilter) -> Result<u64, ProjectError> {
        Ok(project::Entity::find().filter(Self::condition(filter)).count(&self.db).await?)
    }

    /// Creates a project.
    #[tracing::instrument(skip(self, input), fields(slug = %input.slug))]
    pub async fn create(&self, actor: Actor, input: NewProject) -> Result<ProjectChange, ProjectError> {
        let slug = Slug::parse("slug", &input.slug)?;
        let name = input::line("name", &input.name, input::MAX_PROJECT_NAME)?;
        let description =
            input::text("description", input.description.as_deref().unwrap_or(""), input::MAX_DESCRIPTION)?;
        let lead = input
            .lead_agent_id
            .as_deref()
            .map(|a| input::team_agent(self.roster.as_deref(), "leadAgentId", a))
            .transpose()?;
        let status = input.status.unwrap_or(ProjectStatus::Active);
        let clock = self.clock.clone();
        database::transaction(&self.db, &self.bus, move |tx| {
            Box::pin(async move {
                let now = clock.now();
                let id = clock.new_id(now);
                // The insert comes first: on SQLite it takes the write lock before anything is read.
                let model = project::ActiveModel {
                    id: Set(id.clone()),
                    slug: Set(slug.as_str().to_owned()),
                    search_text: Set(input::search_text(&[&name, slug.as_str()])),
                    name: Set(name.clone()),
                    description: Set(description),
                    status: Set(status.as_str().to_owned()),
                    lead_agent_id: Set(lead.map(|a| a.as_str().to_owned())),
                    version: Set(1),
                    created_at: Set(now),
                    updated_at: Set(now),
                    archived_at: Set(None),
                };
                let saved = model.insert(tx.conn()).await.map_err(|e| slug_clash(e, &slug))?;
                let project = Project::try_from(saved)?;
                let activity = activity::record(
                    tx,
                    &clock,
                    now,
                    NewActivity::new(
                        project.id.clone(),
                        None,
                        ActivityKind::ProjectCreated,
                        actor,
                        format!("Created project “{name}”"),
                    ),
                )
                .await?;
                tx.emit(Event::ProjectChanged { project_id: id, kind: ChangeKind::Created });
                Ok(ProjectChange { project, activity })
            })
        })
        .await
    }

    /// Claims `expected_version` of a project: bumps the version if it matches, so a concurrent
    /// writer with the same version gets [`ProjectError::Stale`]. Runs first in every update
    /// transaction, which also takes SQLite's write lock before any read.
    async fn claim(
        tx: &Tx,
        id: &ProjectId,
        expected_version: i32,
        now: DateTime<Utc>,
    ) -> Result<Project, ProjectError> {
        let res = project::Entity::update_many()
            .col_expr(project::Column::Version, Expr::col(project::Column::Version).add(1))
            .col_expr(project::Column::UpdatedAt, Expr::value(now))
            .filter(project::Column::Id.eq(id.as_str()))
            .filter(project::Column::Version.eq(expected_version))
            .exec(tx.conn())
            .await?;
        let row = project::Entity::find_by_id(id.as_str()).one(tx.conn()).await?.ok_or(ProjectError::NotFound)?;
        if res.rows_affected == 0 {
            return Err(ProjectError::Stale { current_version: row.version });
        }
        Ok(Project::try_from(row)?)
    }

    /// PostgreSQL: locks the project row (`FOR UPDATE`) before an archive or a delete claims it.
    ///
    /// A task being created holds a key-share lock on its project (the foreign key check) until
    /// it commits, and the claim's UPDATE does not wait for that: a delete could miss the task,
    /// then cascade it away unannounced once it committed; an archive could let it in. `FOR
    /// UPDATE` waits for such a task, and a task insert that comes later waits for this
    /// transaction and then sees the project archived or gone. SQLite runs one writer at a time
    /// and must not read before its first write (that takes the write lock), so it skips this.
    async fn lock_against_new_tasks(tx: &Tx, id: &ProjectId) -> Result<(), DbErr> {
        if tx.conn().get_database_backend() != DbBackend::Postgres {
            return Ok(());
        }
        project::Entity::find_by_id(id.as_str())
            .select_only()
            .column(project::Column::Id)
            .lock_exclusive()
            .into_tuple::<String>()
            .one(tx.conn())
            .await?;
        Ok(())
    }

    /// Updates a project's fields.
    #[tracing::instrument(skip(self, patch), fields(project = %id))]
    pub async fn update(
        &self,
        actor: Actor,
        id: &ProjectId,
        expected_version: i32,
        patch: ProjectPatch,
    ) -> Result<ProjectChange, ProjectError> {
        let slug = patch.slug.as_deref().map(|s| Slug::parse("slug", s)).transpose()?;
        let name = patch.name.as_deref().map(|n| input::line("name", n, input::MAX_PROJECT_NAME)).transpose()?;
        let description =
            patch.description.as_deref().map(|d| input::text("description", d, input::MAX_DESCRIPTION)).transpose()?;
        let lead = match &patch.lead_agent_id {
            Patch::Keep => Patch::Keep,
            Patch::Clear => Patch::Clear,
            Patch::Set(a) => Patch::Set(input::team_agent(self.roster.as_deref(), "leadAgentId", a)?),
        };
        let (clock, id) = (self.clock.clone(), id.clone());
        database::transaction(&self.db, &self.bus, move |tx| {
            Box::pin(async move {
                let now = clock.now();
                let current = Self::claim(tx, &id, expected_version, now).await?;
                let mut changed: Vec<&str> = Vec::new();
                let mut model = project::ActiveModel { id: Set(id.as_str().to_owned()), ..Default::default() };
                if let Some(slug) = slug.as_ref().filter(|s| s.as_str() != current.slug) {
                    model.slug = Set(slug.as_str().to_owned());
                    changed.push("slug");
                }
                if let Some(name) = name.filter(|n| *n != current.name) {
                    model.name = Set(name);
                    changed.push("name");
                }
                if let (sea_orm::ActiveValue::Set(_), _) | (_, sea_orm::ActiveValue::Set(_)) =
                    (&model.name, &model.slug)
                {
                    let name = model.name.try_as_ref().unwrap_or(&current.name);
                    let slug = model.slug.try_as_ref().unwrap_or(&current.slug);
                    model.search_text = Set(input::search_text(&[name, slug]));
                }
                if let Some(d) = description.filter(|d| *d != current.description) {
                    model.description = Set(d);
                    changed.push("description");
                }
                if let Some(s) = patch.status.filter(|s| *s != current.status) {
                    model.status = Set(s.as_str().to_owned());
                    changed.push("status");
                }
                let lead = match lead {
                    Patch::Keep => None,
                    Patch::Clear => Some(None),
                    Patch::Set(a) => Some(Some(a)),
                };
                if let Some(lead) = lead.filter(|l| *l != current.lead_agent_id) {
                    model.lead_agent_id = Set(lead.map(|a| a.as_str().to_owned()));
                    changed.push("lead agent");
                }
                let saved = if changed.is_empty() {
                    project::Entity::find_by_id(id.as_str()).one(tx.conn()).await?.ok_or(ProjectError::NotFound)?
                } else {
                    model.update(tx.conn()).await.map_err(|e| match &slug {
                        Some(s) => slug_clash(e, s),
                        None => e.into(),
                    })?
                };
                let project = Project::try_from(saved)?;
                let what = if changed.is_empty() { "nothing changed".to_owned() } else { changed.join(", ") };
                let activity = activity::record(
                    tx,
                    &clock,
                    now,
                    NewActivity::new(
                        id.clone(),
                        None,
                        ActivityKind::ProjectUpdated,
                        actor,
                        format!("Updated project “{}” ({what})", project.name),
                    ),
                )
                .await?;
                tx.emit(Event::ProjectChanged { project_id: id.into_string(), kind: ChangeKind::Updated });
                Ok(ProjectChange { project, activity })
            })
        })
        .await
    }

    /// Archives (`true`) or unarchives (`false`) a project. Archived projects are hidden from
    /// the default list and accept no new tasks.
    #[tracing::instrument(skip(self), fields(project = %id))]
    pub async fn set_archived(
        &self,
        actor: Actor,
        id: &ProjectId,
        expected_version: i32,
        archived: bool,
    ) -> Result<ProjectChange, ProjectError> {
        let (clock, id) = (self.clock.clone(), id.clone());
        database::transaction(&self.db, &self.bus, move |tx| {
            Box::pin(async move {
                let now = clock.now();
                Self::lock_against_new_tasks(tx, &id).await?;
                let current = Self::claim(tx, &id, expected_version, now).await?;
                let archived_at = match (archived, current.archived_at) {
                    (true, Some(at)) => Some(at),
                    (true, None) => Some(now),
                    (false, _) => None,
                };
                let model = project::ActiveModel {
                    id: Set(id.as_str().to_owned()),
                    archived_at: Set(archived_at),
                    ..Default::default()
                };
                let project = Project::try_from(model.update(tx.conn()).await?)?;
                let (kind, verb, change) = if archived {
                    (ActivityKind::ProjectArchived, "Archived", ChangeKind::Archived)
                } else {
                    (ActivityKind::ProjectUnarchived, "Unarchived", ChangeKind::Unarchived)
                };
                let activity = activity::record(
                    tx,
                    &clock,
                    now,
                    NewActivity::new(id.clone(), None, kind, actor, format!("{verb} project “{}”", project.name)),
                )
                .await?;
                tx.emit(Event::ProjectChanged { project_id: id.into_string(), kind: change });
                Ok(ProjectChange { project, activity })
            })
        })
        .await
    }

    /// Deletes a project. Refused while it has tasks unless `cascade`, which deletes them (and
    /// all activity of the project) too.
    #[tracing::instrument(skip(self), fields(project = %id))]
    pub async fn delete(
        &self,
        actor: Actor,
        id: &ProjectId,
        expected_version: i32,
        cascade: bool,
    ) -> Result<DeletedProject, ProjectError> {
        let (clock, id) = (self.clock.clone(), id.clone());
        let deleted = database::transaction(&self.db, &self.bus, move |tx| {
            Box::pin(async move {
                let now = clock.now();
                Self::lock_against_new_tasks(tx, &id).await?;
                let current = Self::claim(tx, &id, expected_version, now).await?;
                let task_ids: Vec<String> = task::Entity::find()
                    .select_only()
                    .column(task::Column::Id)
                    .filter(task::Column::ProjectId.eq(id.as_str()))
                    .into_tuple()
                    .all(tx.conn())
                    .await?;
                if !task_ids.is_empty() && !cascade {
                    return Err(ProjectError::HasTasks { count: task_ids.len() as u64 });
                }
                // Foreign keys cascade to the tasks and the activity log on both databases.
                project::Entity::delete_by_id(id.as_str()).exec(tx.conn()).await?;
                for task_id in &task_ids {
                    tx.emit(Event::TaskChanged {
                        task_id: task_id.clone(),
                        project_id: id.as_str().to_owned(),
                        kind: ChangeKind::Deleted,
                    });
                }
                tx.emit(Event::ProjectChanged { project_id: id.as_str().to_owned(), kind: ChangeKind::Deleted });
                tracing::info!(project = %id, slug = %current.slug, tasks = task_ids.len(), actor = ?actor, "project deleted");
                Ok(DeletedProject { project_id: id, deleted_tasks: task_ids.len() as u64 })
            })
        })
        .await?;
        Ok(deleted)
    }
}

/// Turns a unique violation on the slug into [`ProjectError::DuplicateSlug`].
fn slug_clash(e: DbErr, slug: &Slug) -> ProjectError {
    match e.sql_err() {
        Some(SqlErr::UniqueConstraintViolation(_)) => ProjectError::DuplicateSlug { slug: slug.as_str().to_owned() },
        _ => ProjectError::Database(e),
    }
}
