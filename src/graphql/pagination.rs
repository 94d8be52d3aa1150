//! Relay connections: `edges { cursor node }`, `nodes`, `pageInfo`, and a `totalCount` that costs
//! a query only when it is asked for.

use async_graphql::connection::{Connection, Edge};
use async_graphql::{Context, Object};

use super::errors::{ApiError, ApiResult};
use super::loaders::{Loaders, ProjectActivityCount, ProjectTaskCounts, TaskActivityCount};
use crate::app::Services;
use crate::db::ids::{ProjectId, TaskId};
use crate::services::pagination::{encode_cursor, Page, PageRequest};
use crate::services::projects::ProjectFilter;
use crate::services::tasks::{TaskFilter, TaskState};

/// A connection of `N` with a lazily counted `totalCount`.
pub type Conn<N> = Connection<String, N, TotalCount>;

/// What a connection's `totalCount` counts.
#[derive(Debug, Clone)]
pub enum CountOf {
    /// Projects matching a filter.
    Projects(ProjectFilter),
    /// Tasks matching a filter.
    Tasks(TaskFilter),
    /// A project's tasks (in one state).
    ProjectTasks(ProjectId, Option<TaskState>),
    /// A task's activity.
    TaskActivity(TaskId),
    /// A project's activity.
    ProjectActivity(ProjectId),
    /// The whole activity log.
    Activity,
}

/// The `totalCount` field shared by every connection.
pub struct TotalCount(pub CountOf);

/// The `totalCount` field shared by every connection.
#[Object]
impl TotalCount {
    /// How many items the whole list holds, across all pages. Counted with an SQL aggregate when
    /// asked for (batched across nested lists).
    async fn total_count(&self, ctx: &Context<'_>) -> ApiResult<i32> {
        let services = ctx.data_unchecked::<Services>();
        let n = match &self.0 {
            CountOf::Projects(f) => services.projects.count(f).await.map_err(ApiError::from)?,
            CountOf::Tasks(f) => services.tasks.count(f).await.map_err(ApiError::from)?,
            CountOf::ProjectTasks(p, state) => {
                let counts = Loaders::of(ctx)?.load_one(ProjectTaskCounts(p.clone())).await?.unwrap_or_default();
                counts.iter().filter(|(s, _)| state.is_none_or(|want| want == *s)).map(|(_, n)| n).sum()
            }
            CountOf::TaskActivity(t) => Loaders::of(ctx)?.load_one(TaskActivityCount(t.clone())).await?.unwrap_or(0),
            CountOf::ProjectActivity(p) => {
                Loaders::of(ctx)?.load_one(ProjectActivityCount(p.clone())).await?.unwrap_or(0)
            }
            CountOf::Activity => services.activity.count_all().await.map_err(ApiError::from)?,
        };
        Ok(i32::try_from(n).unwrap_or(i32::MAX))
    }
}

/// Validates `first`/`after` into a page request (BAD_USER_INPUT naming the field).
pub fn page_request(first: Option<i32>, after: Option<&str>) -> Result<PageRequest, ApiError> {
    PageRequest::parse(first, after).map_err(ApiError::from)
}

/// Builds a connection from a page.
pub fn connection<T, N>(
    page: Page<T>,
    request: &PageRequest,
    count: CountOf,
    cursor_of: impl Fn(&T) -> &str,
    node: impl Fn(T) -> N,
) -> Conn<N>
where
    N: async_graphql::OutputType,
{
    let mut conn = Connection::with_additional_fields(request.after.is_some(), page.has_next_page, TotalCount(count));
    conn.edges.extend(page.items.into_iter().map(|item| {
        let cursor = encode_cursor(cursor_of(&item));
        Edge::new(cursor, node(item))
    }));
    conn
}

/// The complexity of a connection field: its children once per requested item.
pub fn complexity(first: Option<i32>, child: usize) -> usize {
    let n = first.unwrap_or(crate::services::pagination::DEFAULT_PAGE_SIZE as i32).clamp(1, 100) as usize;
    n.saturating_mul(child).saturating_add(1)
}
