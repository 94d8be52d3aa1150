//! Relay connections: `edges { cursor node }`, `nodes`, `pageInfo`, and a `totalCount` that costs
//! a query only when it is asked for.

use std::borrow::Cow;

use async_graphql::connection::PageInfo;
use async_graphql::{Context, Object, OutputType, TypeName};

use super::errors::{ApiError, ApiResult};
use super::loaders::{Loaders, ProjectActivityCount, ProjectTaskCounts, TaskActivityCount};
use crate::app::Services;
use crate::db::ids::{ProjectId, TaskId};
use crate::services::pagination::{encode_cursor, Page, PageRequest};
use crate::services::projects::ProjectFilter;
use crate::services::tasks::{TaskFilter, TaskState};

/// A page of a list of `N` with a lazily counted `totalCount`, named `<N>Connection` in the
/// schema. Ours rather than `async_graphql::connection::Connection`, which gives its type no
/// description; the fields and their shape are the same.
pub struct Conn<N> {
    edges: Vec<ConnEdge<N>>,
    has_previous_page: bool,
    has_next_page: bool,
    total: TotalCount,
}

/// A page of a list: the items with their cursors (`edges`), the items alone (`nodes`), where
/// the page sits (`pageInfo`) and how many items the whole list holds (`totalCount`).
#[Object(name_type)]
impl<N: OutputType> Conn<N> {
    /// Information to aid in pagination.
    async fn page_info(&self) -> PageInfo {
        PageInfo {
            has_previous_page: self.has_previous_page,
            has_next_page: self.has_next_page,
            start_cursor: self.edges.first().map(|e| e.cursor.clone()),
            end_cursor: self.edges.last().map(|e| e.cursor.clone()),
        }
    }

    /// A list of edges.
    async fn edges(&self) -> &[ConnEdge<N>] {
        &self.edges
    }

    /// A list of nodes.
    async fn nodes(&self) -> Vec<&N> {
        self.edges.iter().map(|e| &e.node).collect()
    }

    #[graphql(flatten)]
    async fn additional_fields(&self) -> &TotalCount {
        &self.total
    }
}

impl<N: OutputType> TypeName for Conn<N> {
    fn type_name() -> Cow<'static, str> {
        format!("{}Connection", N::type_name()).into()
    }
}

/// One item of a page with its cursor, named `<N>Edge` in the schema.
pub struct ConnEdge<N> {
    cursor: String,
    node: N,
}

/// An edge in a connection.
#[Object(name_type)]
impl<N: OutputType> ConnEdge<N> {
    /// A cursor for use in pagination
    async fn cursor(&self) -> &str {
        &self.cursor
    }

    /// The item at the end of the edge
    async fn node(&self) -> &N {
        &self.node
    }
}

impl<N: OutputType> TypeName for ConnEdge<N> {
    fn type_name() -> Cow<'static, str> {
        format!("{}Edge", N::type_name()).into()
    }
}

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
    let edges = page
        .items
        .into_iter()
        .map(|item| ConnEdge { cursor: encode_cursor(cursor_of(&item)), node: node(item) })
        .collect();
    Conn {
        edges,
        has_previous_page: request.after.is_some(),
        has_next_page: page.has_next_page,
        total: TotalCount(count),
    }
}

/// The complexity of a connection field: its children once per requested item.
pub fn complexity(first: Option<i32>, child: usize) -> usize {
    let n = first.unwrap_or(crate::services::pagination::DEFAULT_PAGE_SIZE as i32).clamp(1, 100) as usize;
    n.saturating_mul(child).saturating_add(1)
}
