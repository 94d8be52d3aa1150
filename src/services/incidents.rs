//! Incidents: the reports in the incidents folder, listed open first and then newest, filtered by
//! status and severity, one report with its timeline, and the summary the dashboard and the
//! operations snapshot show (the old IncidentService).
//!
//! A report that does not parse is listed with its parse error, never dropped: it has no status or
//! severity, so a status or severity filter leaves it out.

use std::cmp::Ordering;
use std::sync::Arc;

use chrono::{DateTime, TimeDelta, Utc};

use super::Page;
use crate::workspace::incident::{IncidentStatus, Severity};
use crate::workspace::snapshot::IncidentEntry;
use crate::workspace::Workspace;

/// The longest incident id accepted (a file stem).
pub const MAX_ID_LEN: usize = 200;

/// Errors of the incident service.
#[derive(Debug, thiserror::Error)]
pub enum IncidentError {
    /// The id cannot name an incident file.
    #[error("{id:?} is not an incident id: {reason}")]
    InvalidId {
        /// The id as given.
        id: String,
        /// Which rule it breaks.
        reason: &'static str,
    },
    /// No report has this id.
    #[error("No incident has the id {0:?}.")]
    NotFound(String),
    /// The `after` cursor names an incident that is not in the list (any more).
    #[error("The cursor does not point into this list (the incident may be gone); start again without `after`.")]
    StaleCursor,
}

/// Which incidents to list.
#[derive(Debug, Clone, Copy, Default)]
pub struct IncidentFilter {
    /// Only this status.
    pub status: Option<IncidentStatus>,
    /// Only this severity.
    pub severity: Option<Severity>,
}

/// Counts for the dashboard and the operations snapshot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IncidentSummary {
    /// Unresolved (open or mitigated) incidents per severity, SEV1 first; every severity listed.
    pub open_by_severity: Vec<(Severity, usize)>,
    /// Incidents with status open.
    pub open: usize,
    /// Incidents with status mitigated.
    pub mitigated: usize,
    /// Incidents with status resolved.
    pub resolved: usize,
    /// Reports that do not parse.
    pub unparsed: usize,
    /// Mean of Resolved − Started over resolved incidents that give both times.
    pub mean_time_to_resolve: Option<TimeDelta>,
}

/// Reads incidents.
#[derive(Clone)]
pub struct IncidentService {
    workspace: Workspace,
}

/// Open first, then mitigated, then reports that do not parse, then resolved.
fn rank(entry: &IncidentEntry) -> u8 {
    match &entry.report {
        Ok(i) if i.status == IncidentStatus::Open => 0,
        Ok(i) if i.status == IncidentStatus::Mitigated => 1,
        Err(_) => 2,
        Ok(_) => 3,
    }
}

/// When it started, else when its file last changed.
fn when(entry: &IncidentEntry) -> DateTime<Utc> {
    entry.report.as_ref().ok().and_then(|i| i.started_at).unwrap_or(entry.modified_at)
}

fn order(a: &IncidentEntry, b: &IncidentEntry) -> Ordering {
    rank(a).cmp(&rank(b)).then_with(|| when(b).cmp(&when(a))).then_with(|| a.id.cmp(&b.id))
}

/// Checks an id's form (a file stem: no separators, dots at the start, control characters).
fn check_id(id: &str) -> Result<(), IncidentError> {
    let invalid = |reason| Err(IncidentError::InvalidId { id: id.to_owned(), reason });
    if id.is_empty() {
        return invalid("it is empty");
    }
    if id.len() > MAX_ID_LEN {
        return invalid("it is longer than 200 bytes");
    }
    if id.starts_with('.') {
        return invalid("it starts with a dot");
    }
    if id.contains(['/', '\\']) {
        return invalid("it contains a path separator");
    }
    if id.contains('%') {
        return invalid("it contains a percent-encoded sequence; send the id unencoded");
    }
    if id.chars().any(char::is_control) {
        return invalid("it contains a control character");
    }
    Ok(())
}

impl IncidentService {
    /// Creates the service.
    pub fn new(workspace: Workspace) -> Self {
        Self { workspace }
    }

    /// Every report in list order (open first, then newest).
    fn sorted(&self) -> Vec<Arc<IncidentEntry>> {
        let mut all: Vec<Arc<IncidentEntry>> = self.workspace.incidents().iter().cloned().collect();
        all.sort_by(|a, b| order(a, b));
        all
    }

    /// One page of incidents: open first, then newest; `after` is the id of the last incident of
    /// the previous page.
    ///
    /// # Errors
    /// [`IncidentError::StaleCursor`] when `after` names no listed incident.
    #[tracing::instrument(skip(self))]
    pub fn list(
        &self,
        filter: IncidentFilter,
        first: usize,
        after: Option<&str>,
    ) -> Result<Page<Arc<IncidentEntry>>, IncidentError> {
        if after.is_some_and(|id| check_id(id).is_err()) {
            return Err(IncidentError::StaleCursor);
        }
        let matching: Vec<Arc<IncidentEntry>> = self
            .sorted()
            .into_iter()
            .filter(|entry| match (&entry.report, filter.status, filter.severity) {
                (_, None, None) => true,
                (Err(_), _, _) => false,
                (Ok(i), status, severity) => {
                    status.is_none_or(|s| s == i.status) && severity.is_none_or(|s| s == i.severity)
                }
            })
            .collect();
        Page::after(matching, first, after.map(|id| move |e: &Arc<IncidentEntry>| e.id == id))
            .ok_or(IncidentError::StaleCursor)
    }

    /// One incident by id (its file stem).
    ///
    /// # Errors
    /// A malformed id, or no such incident.
    #[tracing::instrument(skip(self))]
    pub fn get(&self, id: &str) -> Result<Arc<IncidentEntry>, IncidentError> {
        check_id(id)?;
        self.workspace
            .incidents()
            .iter()
            .find(|entry| entry.id == id)
            .cloned()
            .ok_or_else(|| IncidentError::NotFound(id.to_owned()))
    }

    /// Unresolved incidents by severity, counts by status and the mean time to resolve.
    #[tracing::instrument(skip(self))]
    pub fn summary(&self) -> IncidentSummary {
        let incidents = self.workspace.incidents();
        let mut open_by_severity: Vec<(Severity, usize)> = Severity::ALL.iter().map(|s| (*s, 0)).collect();
        let (mut open, mut mitigated, mut resolved, mut unparsed) = (0, 0, 0, 0);
        let mut durations = Vec::new();
        for entry in incidents.iter() {
            let Ok(incident) = &entry.report else {
                unparsed += 1;
                continue;
            };
            match incident.status {
                IncidentStatus::Open => open += 1,
                IncidentStatus::Mitigated => mitigated += 1,
                IncidentStatus::Resolved => {
                    resolved += 1;
                    durations.extend(incident.time_to_resolve());
                }
            }
            if incident.status.is_active() {
                if let Some(slot) = open_by_severity.iter_mut().find(|(s, _)| *s == incident.severity) {
                    slot.1 += 1;
                }
            }
        }
        let mean_time_to_resolve = (!durations.is_empty()).then(|| {
            let total: i64 = durations.iter().map(TimeDelta::num_seconds).sum();
            TimeDelta::seconds(total / durations.len() as i64)
        });
        IncidentSummary { open_by_severity, open, mitigated, resolved, unparsed, mean_time_to_resolve }
    }
}

/// The dashboard's `openIncidents` queue: unresolved reports, most severe first, then newest.
#[async_trait::async_trait]
impl crate::services::dashboard::OpenIncidentSource for IncidentService {
    async fn open_incidents(&self) -> Result<Vec<crate::services::dashboard::OpenIncident>, String> {
        let mut open: Vec<crate::services::dashboard::OpenIncident> = self
            .workspace
            .incidents()
            .iter()
            .filter_map(|entry| {
                let incident = entry.report.as_ref().ok()?;
                incident.status.is_active().then(|| crate::services::dashboard::OpenIncident {
                    id: entry.id.clone(),
                    title: incident.title.clone(),
                    severity: incident.severity.as_str().to_owned(),
                    status: incident.status.as_str().to_owned(),
                    started_at: incident.started_at,
                })
            })
            .collect();
        open.sort_by(|a, b| a.severity.cmp(&b.severity).then(b.started_at.cmp(&a.started_at)));
        Ok(open)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn incident_ids_are_file_stems_and_nothing_else() {
        for id in ["2026-11-28-gateway-unreachable", "draft notes", "ünïcode"] {
            assert!(check_id(id).is_ok(), "{id}");
        }
        let long = "x".repeat(MAX_ID_LEN + 1);
        for id in ["", ".hidden", "../openclaw", "a/b", "a\\b", "%2e%2e%2fx", "x\0y", "x\ny", long.as_str()] {
            assert!(matches!(check_id(id), Err(IncidentError::InvalidId { .. })), "{id:?}");
        }
    }
}
