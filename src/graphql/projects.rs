//! Projects: the `Project` type with its tasks and activity feed, project queries and mutations.

use async_graphql::{Context, Enum, InputObject, MaybeUndefined, Object, SimpleObject, ID};
use chrono::{DateTime, Utc};

use super::activity::ActivityEntry;
use super::errors::{ApiError, ApiResult};
use super::guards::RoleGuard;
use super::ids;
use super::loaders::{Loaders, ProjectActivity, ProjectTaskCounts, ProjectTasks};
use super::pagination::{self, Conn, CountOf};
use super::tasks::{actor, mirror_enum, state_counts, StateCount, Task, TaskState};
use crate::app::Services;
use crate::db::ids::ProjectId;
use crate::services::auth::Role;
use crate::services::pagination::Page;
use crate::services::projects::{self, NewProject, Patch, ProjectChange, ProjectFilter as DomainFilter, ProjectPatch};

/// Where a project stands (archiving is separate: see `archived`).
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum ProjectStatus {
    /// Work is going on.
    Active,
    /// Paused on purpose.
    OnHold,
    /// Finished.
    Completed,
}
mirror_enum!(ProjectStatus, projects::ProjectStatus, [Active, OnHold, Completed]);

/// A body of work: its tasks, its lead agent and its activity.
pub struct Project(pub projects::Project);

/// A body of work: its tasks, its lead agent and its activity.
#[Object]
impl Project {
    /// Opaque id.
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }

    /// Unique, URL-safe name (`gateway-hardening`).
    async fn slug(&self) -> &str {
        &self.0.slug
    }

    /// Display name.
    async fn name(&self) -> &str {
        &self.0.name
    }

    /// Markdown description.
    async fn description(&self) -> &str {
        &self.0.description
    }

    /// Status.
    async fn status(&self) -> ProjectStatus {
        self.0.status.into()
    }

    /// Whether the project is archived (hidden from the default list, takes no new tasks).
    async fn archived(&self) -> bool {
        self.0.archived_at.is_some()
    }

    /// When it was archived.
    async fn archived_at(&self) -> Option<DateTime<Utc>> {
        self.0.archived_at
    }

    /// The OpenClaw agent leading the project.
    async fn lead_agent_id(&self) -> Option<ID> {
        self.0.lead_agent_id.as_ref().map(|a| ID(a.as_str().to_owned()))
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

    /// The project's tasks, newest first (batched per request: one query for all projects).
    #[graphql(complexity = "pagination::complexity(first, child_complexity)")]
    async fn tasks(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only tasks in this state.")] state: Option<TaskState>,
        #[graphql(desc = "Page size, 0–100 (default 20).")] first: Option<i32>,
        #[graphql(desc = "Cursor of the last task of the previous page.")] after: Option<String>,
    ) -> ApiResult<Conn<Task>> {
        let page = pagination::page_request(first, after.as_deref())?;
        let state = state.map(Into::into);
        let key = ProjectTasks { project: self.0.id.clone(), state, page: page.clone() };
        let tasks = Loaders::of(ctx)?.load_one(key).await?.unwrap_or_else(Page::empty);
        Ok(pagination::connection(
            tasks,
            &page,
            CountOf::ProjectTasks(self.0.id.clone(), state),
            |t| t.id.as_str(),
            Task,
        ))
    }

    /// How many of the project's tasks are in each state (batched per request).
    async fn task_counts(&self, ctx: &Context<'_>) -> ApiResult<Vec<StateCount>> {
        let counts = Loaders::of(ctx)?.load_one(ProjectTaskCounts(self.0.id.clone())).await?.unwrap_or_default();
        Ok(state_counts(&counts))
    }

    /// The project's activity feed, newest first (batched per request).
    #[graphql(complexity = "pagination::complexity(first, child_complexity)")]
    async fn activity(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size, 0–100 (default 20).")] first: Option<i32>,
        #[graphql(desc = "Cursor of the last entry of the previous page.")] after: Option<String>,
    ) -> ApiResult<Conn<ActivityEntry>> {
        let page = pagination::page_request(first, after.as_deref())?;
        let key = ProjectActivity { project: self.0.id.clone(), page: page.clone() };
        let entries = Loaders::of(ctx)?.load_one(key).await?.unwrap_or_else(Page::empty);
        Ok(pagination::connection(
            entries,
            &page,
            CountOf::ProjectActivity(self.0.id.clone()),
            |e| e.id.as_str(),
            ActivityEntry,
        ))
    }
}

/// Which projects to list.
#[derive(InputObject, Default)]
pub struct ProjectFilter {
    /// Only this status.
    pub status: Option<ProjectStatus>,
    /// Name or slug contains this text (case-insensitive, at most 200 characters).
    pub search: Option<String>,
    /// Include archived projects (default: false).
    #[graphql(default = false)]
    pub include_archived: bool,
}

impl ProjectFilter {
    fn into_domain(self) -> Result<DomainFilter, ApiError> {
        Ok(DomainFilter {
            status: self.status.map(Into::into),
            search: crate::services::input::search("search", self.search.as_deref())?,
            include_archived: self.include_archived,
        })
    }
}

/// Project queries.
#[derive(Default)]
pub struct ProjectQuery;

#[Object]
impl ProjectQuery {
    /// Projects, newest first; archived ones only when the filter asks for them.
    #[graphql(guard = "RoleGuard::new(Role::Viewer)", complexity = "pagination::complexity(first, child_complexity)")]
    async fn projects(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What to list; unarchived projects when absent.")] filter: Option<ProjectFilter>,
        #[graphql(desc = "Page size, 0–100 (default 20).")] first: Option<i32>,
        #[graphql(desc = "Cursor of the last project of the previous page.")] after: Option<String>,
    ) -> ApiResult<Conn<Project>> {
        let filter = filter.unwrap_or_default().into_domain()?;
        let page = pagination::page_request(first, after.as_deref())?;
        let projects = ctx.data_unchecked::<Services>().projects.list(&filter, &page).await.map_err(ApiError::from)?;
        Ok(pagination::connection(projects, &page, CountOf::Projects(filter), |p| p.id.as_str(), Project))
    }

    /// One project by `id` or by `slug` (give exactly one), or null.
    #[graphql(guard = "RoleGuard::new(Role::Viewer)")]
    async fn project(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The project's id.")] id: Option<ID>,
        #[graphql(desc = "The project's slug.")] slug: Option<String>,
    ) -> ApiResult<Option<Project>> {
        let services = ctx.data_unchecked::<Services>();
        let found = match (id, slug) {
            (Some(id), None) => services.projects.get(&ids::parse("id", &id, ProjectId::parse)?).await,
            (None, Some(slug)) => services.projects.get_by_slug(&slug).await,
            _ => return Err(ApiError::bad_input("id", "Give either id or slug.").into()),
        };
        Ok(found.map_err(ApiError::from)?.map(Project))
    }
}

/// A new project.
#[derive(InputObject)]
pub struct CreateProjectInput {
    /// Unique, URL-safe name: 2–64 characters of a–z, 0–9 and single hyphens.
    pub slug: String,
    /// Display name, at most 120 characters.
    pub name: String,
    /// Markdown, at most 20,000 characters.
    pub description: Option<String>,
    /// Status (default ACTIVE).
    pub status: Option<ProjectStatus>,
    /// OpenClaw agent id of the lead.
    pub lead_agent_id: Option<ID>,
}

/// Changes to a project; absent fields stay as they are.
#[derive(InputObject)]
pub struct UpdateProjectInput {
    /// The project.
    pub project_id: ID,
    /// The version you saw.
    pub expected_version: i32,
    /// New slug.
    pub slug: Option<String>,
    /// New name.
    pub name: Option<String>,
    /// New description.
    pub description: Option<String>,
    /// New status.
    pub status: Option<ProjectStatus>,
    /// New lead agent; `null` clears it.
    pub lead_agent_id: MaybeUndefined<ID>,
}

/// Archive or unarchive a project.
#[derive(InputObject)]
pub struct ArchiveProjectInput {
    /// The project.
    pub project_id: ID,
    /// The version you saw.
    pub expected_version: i32,
}

/// Delete a project.
#[derive(InputObject)]
pub struct DeleteProjectInput {
    /// The project.
    pub project_id: ID,
    /// The version you saw.
    pub expected_version: i32,
    /// Also delete its tasks and activity. Without it, a project with tasks is not deleted
    /// (CONFLICT, `extensions.reason: HAS_TASKS`).
    #[graphql(default = false)]
    pub cascade: bool,
}

/// The changed project and the activity entry the change wrote.
#[derive(SimpleObject)]
pub struct ProjectPayload {
    /// The project after the change.
    pub project: Project,
    /// The log entry written in the same transaction.
    pub activity: ActivityEntry,
}

impl From<ProjectChange> for ProjectPayload {
    fn from(c: ProjectChange) -> Self {
        Self { project: Project(c.project), activity: ActivityEntry(c.activity) }
    }
}

/// What a delete removed.
#[derive(SimpleObject)]
pub struct DeleteProjectPayload {
    /// The deleted project's id.
    pub project_id: ID,
    /// How many tasks were deleted with it.
    pub deleted_task_count: i32,
}

fn project_id(id: &ID) -> Result<ProjectId, ApiError> {
    ids::parse("projectId", id, ProjectId::parse)
}

/// Project mutations (OPERATOR).
#[derive(Default)]
pub struct ProjectMutation;

#[Object]
impl ProjectMutation {
    /// Creates a project. A slug in use is CONFLICT with `extensions.field: "slug"`.
    #[graphql(guard = "RoleGuard::new(Role::Operator)")]
    async fn create_project(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The mutation's arguments (see the input type).")] input: CreateProjectInput,
    ) -> ApiResult<ProjectPayload> {
        let new = NewProject {
            slug: input.slug,
            name: input.name,
            description: input.description,
            status: input.status.map(Into::into),
            lead_agent_id: input.lead_agent_id.map(|a| a.0),
        };
        Ok(ctx.data_unchecked::<Services>().projects.create(actor(ctx)?, new).await.map_err(ApiError::from)?.into())
    }

    /// Updates a project's slug, name, description, status or lead agent.
    #[graphql(guard = "RoleGuard::new(Role::Operator)")]
    async fn update_project(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The mutation's arguments (see the input type).")] input: UpdateProjectInput,
    ) -> ApiResult<ProjectPayload> {
        let patch = ProjectPatch {
            slug: input.slug,
            name: input.name,
            description: input.description,
            status: input.status.map(Into::into),
            lead_agent_id: match input.lead_agent_id {
                MaybeUndefined::Undefined => Patch::Keep,
                MaybeUndefined::Null => Patch::Clear,
                MaybeUndefined::Value(a) => Patch::Set(a.0),
            },
        };
        let id = project_id(&input.project_id)?;
        let services = ctx.data_unchecked::<Services>();
        Ok(services
            .projects
            .update(actor(ctx)?, &id, input.expected_version, patch)
            .await
            .map_err(ApiError::from)?
            .into())
    }

    /// Archives a project: hidden from the default list, no new tasks.
    #[graphql(guard = "RoleGuard::new(Role::Operator)")]
    async fn archive_project(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The mutation's arguments (see the input type).")] input: ArchiveProjectInput,
    ) -> ApiResult<ProjectPayload> {
        let id = project_id(&input.project_id)?;
        let services = ctx.data_unchecked::<Services>();
        let change = services.projects.set_archived(actor(ctx)?, &id, input.expected_version, true);
        Ok(change.await.map_err(ApiError::from)?.into())
    }

    /// Unarchives a project.
    #[graphql(guard = "RoleGuard::new(Role::Operator)")]
    async fn unarchive_project(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The mutation's arguments (see the input type).")] input: ArchiveProjectInput,
    ) -> ApiResult<ProjectPayload> {
        let id = project_id(&input.project_id)?;
        let services = ctx.data_unchecked::<Services>();
        let change = services.projects.set_archived(actor(ctx)?, &id, input.expected_version, false);
        Ok(change.await.map_err(ApiError::from)?.into())
    }

    /// Deletes a project; refused while it has tasks unless `cascade: true`.
    #[graphql(guard = "RoleGuard::new(Role::Operator)")]
    async fn delete_project(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The mutation's arguments (see the input type).")] input: DeleteProjectInput,
    ) -> ApiResult<DeleteProjectPayload> {
        let id = project_id(&input.project_id)?;
        let services = ctx.data_unchecked::<Services>();
        let deleted = services.projects.delete(actor(ctx)?, &id, input.expected_version, input.cascade);
        let deleted = deleted.await.map_err(ApiError::from)?;
        Ok(DeleteProjectPayload {
            project_id: ID(deleted.project_id.into_string()),
            deleted_task_count: i32::try_from(deleted.deleted_tasks).unwrap_or(i32::MAX),
        })
    }
}
