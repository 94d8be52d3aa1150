//! Incidents: the reports in the incidents folder, with their timelines.

use std::sync::Arc;

use async_graphql::{Context, Enum, Object, SimpleObject, ID};
use chrono::{DateTime, Utc};

use super::connection::{decode_cursor, encode_cursor, forward_page_info, int, page_size, PageInfo};
use super::errors::{ApiError, ApiResult, ErrorCode};
use super::guards::RoleGuard;
use crate::app::Services;
use crate::services::auth::Role;
use crate::services::incidents::{IncidentError, IncidentFilter};
use crate::workspace::incident as parsed;
use crate::workspace::snapshot::IncidentEntry;

impl From<IncidentError> for ApiError {
    fn from(e: IncidentError) -> Self {
        match e {
            IncidentError::InvalidId { .. } => ApiError::bad_input("id", e.to_string()),
            IncidentError::NotFound(_) => ApiError::new(ErrorCode::NotFound, e.to_string()),
            IncidentError::StaleCursor => ApiError::bad_input("after", e.to_string()),
        }
    }
}

const CURSOR: &str = "incident";

/// How bad an incident is.
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(name = "IncidentSeverity", remote = "crate::workspace::incident::Severity")]
pub enum Severity {
    /// Critical: the service is down for everyone.
    #[graphql(name = "SEV1")]
    Sev1,
    /// Major: a core function is broken.
    #[graphql(name = "SEV2")]
    Sev2,
    /// Minor: degraded, with a workaround.
    #[graphql(name = "SEV3")]
    Sev3,
    /// Low: cosmetic or internal.
    #[graphql(name = "SEV4")]
    Sev4,
}

/// Where an incident stands.
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(name = "IncidentStatus", remote = "crate::workspace::incident::IncidentStatus")]
pub enum Status {
    /// Still happening.
    Open,
    /// The impact is contained; the cause is not fixed yet.
    Mitigated,
    /// Over.
    Resolved,
}

/// One entry of an incident's timeline.
#[derive(SimpleObject)]
pub struct TimelineEntry {
    /// When it happened.
    at: DateTime<Utc>,
    /// What happened.
    text: String,
}

/// An incident report (`incidents/<id>.md`). A report that does not parse is still listed: then
/// `parseError` says what is wrong and the parsed fields are null or empty.
pub struct Incident(Arc<IncidentEntry>);

impl Incident {
    fn report(&self) -> Option<&parsed::Incident> {
        self.0.report.as_ref().ok()
    }
}

/// An incident report (`incidents/<id>.md`). A report that does not parse is still listed: then
/// `parseError` says what is wrong and the parsed fields are null or empty.
#[Object]
impl Incident {
    /// The report's file name without `.md`.
    async fn id(&self) -> ID {
        ID(self.0.id.clone())
    }

    /// The report's `#` heading (for a report that does not parse, its first heading or the id).
    async fn title(&self) -> &str {
        &self.0.title
    }

    /// Severity; null when the report does not parse.
    async fn severity(&self) -> Option<Severity> {
        self.report().map(|i| i.severity.into())
    }

    /// Status; null when the report does not parse.
    async fn status(&self) -> Option<Status> {
        self.report().map(|i| i.status.into())
    }

    /// When it started.
    async fn started_at(&self) -> Option<DateTime<Utc>> {
        self.report().and_then(|i| i.started_at)
    }

    /// When it was resolved.
    async fn resolved_at(&self) -> Option<DateTime<Utc>> {
        self.report().and_then(|i| i.resolved_at)
    }

    /// Affected services.
    async fn services(&self) -> Vec<String> {
        self.report().map(|i| i.services.clone()).unwrap_or_default()
    }

    /// Who handles it.
    async fn owner(&self) -> Option<&str> {
        self.report().and_then(|i| i.owner.as_deref())
    }

    /// The `## Summary` text.
    async fn summary(&self) -> Option<&str> {
        self.report().and_then(|i| i.summary.as_deref())
    }

    /// The `## Timeline`, in the report's order.
    async fn timeline(&self) -> Vec<TimelineEntry> {
        self.report()
            .map(|i| i.timeline.iter().map(|t| TimelineEntry { at: t.at, text: t.text.clone() }).collect())
            .unwrap_or_default()
    }

    /// Why the report does not parse, with the line to fix; null when it parses.
    async fn parse_error(&self) -> Option<&str> {
        self.0.report.as_ref().err().map(String::as_str)
    }

    /// The report's file name inside the incidents folder.
    async fn file_name(&self) -> &str {
        &self.0.file_name
    }

    /// Size of the report in bytes.
    async fn size(&self) -> i32 {
        int(self.0.size)
    }

    /// When the report file last changed.
    async fn modified_at(&self) -> DateTime<Utc> {
        self.0.modified_at
    }
}

/// An incident in a page.
#[derive(SimpleObject)]
pub struct IncidentEdge {
    /// Pass as `after` to continue after this incident.
    cursor: String,
    /// The incident.
    node: Incident,
}

/// A page of incidents.
pub struct IncidentConnection {
    items: Vec<Arc<IncidentEntry>>,
    has_next: bool,
    total: usize,
}

/// A page of incidents.
#[Object]
impl IncidentConnection {
    /// The incidents of this page with their cursors.
    async fn edges(&self) -> Vec<IncidentEdge> {
        self.items
            .iter()
            .map(|i| IncidentEdge { cursor: encode_cursor(CURSOR, &i.id), node: Incident(i.clone()) })
            .collect()
    }

    /// The incidents of this page.
    async fn nodes(&self) -> Vec<Incident> {
        self.items.iter().cloned().map(Incident).collect()
    }

    /// Whether more incidents follow, and the cursor to continue from.
    async fn page_info(&self) -> PageInfo {
        forward_page_info(
            self.has_next,
            self.items.first().map(|i| encode_cursor(CURSOR, &i.id)),
            self.items.last().map(|i| encode_cursor(CURSOR, &i.id)),
        )
    }

    /// How many incidents match the filter.
    async fn total_count(&self) -> i32 {
        i32::try_from(self.total).unwrap_or(i32::MAX)
    }
}

/// Incident queries.
#[derive(Default)]
pub struct IncidentsQuery;

/// Incident queries.
#[Object]
impl IncidentsQuery {
    /// Incident reports: open first, then mitigated, then reports that do not parse, then
    /// resolved; newest first within each. A status or severity filter leaves out reports that do
    /// not parse. At most 100 per page.
    #[graphql(
        guard = "RoleGuard::new(Role::Viewer)",
        complexity = "first.clamp(0, 100) as usize * child_complexity + 1"
    )]
    async fn incidents(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only incidents with this status.")] status: Option<Status>,
        #[graphql(desc = "Only incidents with this severity.")] severity: Option<Severity>,
        #[graphql(default = 20, desc = "How many incidents (0–100).")] first: i32,
        #[graphql(desc = "The `endCursor` of the previous page.")] after: Option<String>,
    ) -> ApiResult<IncidentConnection> {
        let first = page_size(first)?;
        let after = after.map(|c| decode_cursor(CURSOR, &c)).transpose()?;
        let filter = IncidentFilter { status: status.map(Into::into), severity: severity.map(Into::into) };
        let page =
            ctx.data_unchecked::<Services>().incidents.list(filter, first, after.as_deref()).map_err(ApiError::from)?;
        Ok(IncidentConnection { items: page.items, has_next: page.has_next, total: page.total })
    }

    /// One incident by id (its file name without `.md`), with its timeline. `BAD_USER_INPUT` for
    /// ids that cannot name a report, `NOT_FOUND` when there is none.
    #[graphql(guard = "RoleGuard::new(Role::Viewer)")]
    async fn incident(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The report's file name without `.md`.")] id: ID,
    ) -> ApiResult<Option<Incident>> {
        let entry = ctx.data_unchecked::<Services>().incidents.get(&id).map_err(ApiError::from)?;
        Ok(Some(Incident(entry)))
    }
}

/// Unresolved incidents of one severity.
#[derive(SimpleObject)]
pub struct SeverityCount {
    /// The severity.
    pub severity: Severity,
    /// Open or mitigated incidents with it.
    pub count: i32,
}

/// Incident figures for the operations snapshot.
#[derive(SimpleObject)]
pub struct IncidentFigures {
    /// Unresolved (open or mitigated) incidents per severity, SEV1 first, every severity listed.
    pub open_by_severity: Vec<SeverityCount>,
    /// Incidents with status open.
    pub open: i32,
    /// Incidents with status mitigated.
    pub mitigated: i32,
    /// Incidents with status resolved.
    pub resolved: i32,
    /// Reports that do not parse (listed with their parse error in `incidents`).
    pub unparsed: i32,
    /// Mean of Resolved − Started over resolved incidents that give both times, in seconds.
    pub mean_time_to_resolve_seconds: Option<i64>,
}

impl From<crate::services::incidents::IncidentSummary> for IncidentFigures {
    fn from(s: crate::services::incidents::IncidentSummary) -> Self {
        let n = |v: usize| i32::try_from(v).unwrap_or(i32::MAX);
        Self {
            open_by_severity: s
                .open_by_severity
                .into_iter()
                .map(|(severity, count)| SeverityCount { severity: severity.into(), count: n(count) })
                .collect(),
            open: n(s.open),
            mitigated: n(s.mitigated),
            resolved: n(s.resolved),
            unparsed: n(s.unparsed),
            mean_time_to_resolve_seconds: s.mean_time_to_resolve.map(|d| d.num_seconds()),
        }
    }
}
