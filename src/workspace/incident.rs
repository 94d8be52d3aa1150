//! Incident reports (`incidents/*.md`).
//!
//! ```md
//! # Gateway unreachable from VPS
//!
//! - **Severity:** SEV2
//! - **Status:** resolved
//! - **Started:** 2026-11-28T09:14:00Z
//! - **Resolved:** 2026-11-28T10:02:00Z
//! - **Services:** gateway, nginx
//! - **Owner:** ops
//!
//! ## Summary
//! Free text.
//!
//! ## Timeline
//! - 2026-11-28T09:14:00Z — Health check failed three times.
//! ```
//!
//! Rules:
//! - The title is the first `# ` heading (outside code blocks).
//! - Label lines are read before the first `##` section; labels are case-insensitive and `*`/`_`
//!   are ignored, exactly as in `IDENTITY.md`. Unknown labels are ignored; a known label given
//!   twice (with a value) is an error, so a stale `Status:` line cannot silently win. A label with
//!   an empty value counts as absent.
//! - Required: title, Severity (`SEV1`–`SEV4`, case-insensitive) and Status (`open`, `mitigated`,
//!   `resolved`, case-insensitive). Optional: Started, Resolved (RFC 3339, stored in UTC),
//!   Services (comma-separated), Owner, the `## Summary` text and the `## Timeline`.
//! - Status `resolved` without a Resolved time is allowed (`resolved_at` is `None`); a Resolved
//!   time with another status is kept as written. Resolved earlier than Started is an error.
//! - Timeline: every top-level list item in `## Timeline` must be `- <RFC 3339> — <text>`; the
//!   separator may be an em dash, an en dash or ` - `. Other non-blank lines directly below an
//!   item (or indented under it) continue its text; prose before the first item is ignored.
//!   Entries keep the file's order.

use std::fmt;

use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Deserialize, Serialize};

use super::markdown::{atx_heading, label_line, strip_bullet, strip_wrapping_emphasis, Fences};

/// How bad an incident is: `SEV1` (worst) to `SEV4`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Severity {
    /// `SEV1`: critical.
    Sev1,
    /// `SEV2`: major.
    Sev2,
    /// `SEV3`: minor.
    Sev3,
    /// `SEV4`: low.
    Sev4,
}

impl Severity {
    /// Every severity, worst first.
    pub const ALL: [Severity; 4] = [Self::Sev1, Self::Sev2, Self::Sev3, Self::Sev4];

    /// Parses `SEV1`…`SEV4`, case-insensitive, surrounding whitespace ignored.
    #[must_use]
    pub fn from_label(value: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str().eq_ignore_ascii_case(value.trim()))
    }

    /// The canonical spelling, e.g. `"SEV2"`.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Sev1 => "SEV1",
            Self::Sev2 => "SEV2",
            Self::Sev3 => "SEV3",
            Self::Sev4 => "SEV4",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where an incident stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum IncidentStatus {
    /// `open`: still happening.
    Open,
    /// `mitigated`: the impact is contained, the cause is not fixed yet.
    Mitigated,
    /// `resolved`: over.
    Resolved,
}

impl IncidentStatus {
    /// Every status, in lifecycle order.
    pub const ALL: [IncidentStatus; 3] = [Self::Open, Self::Mitigated, Self::Resolved];

    /// Parses `open`, `mitigated` or `resolved`, case-insensitive, surrounding whitespace ignored.
    #[must_use]
    pub fn from_label(value: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str().eq_ignore_ascii_case(value.trim()))
    }

    /// The canonical spelling as written in reports, e.g. `"mitigated"`.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Open => "open",
            Self::Mitigated => "mitigated",
            Self::Resolved => "resolved",
        }
    }

    /// `true` for `open` and `mitigated`: the incident still needs attention.
    #[must_use]
    pub fn is_active(self) -> bool {
        self != Self::Resolved
    }
}

impl fmt::Display for IncidentStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One `## Timeline` item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TimelineEntry {
    /// When it happened (UTC).
    pub at: DateTime<Utc>,
    /// What happened; continuation lines are joined with single spaces. May be empty.
    pub text: String,
}

/// A parsed incident report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Incident {
    /// The first `# ` heading.
    pub title: String,
    /// `Severity:`.
    pub severity: Severity,
    /// `Status:`.
    pub status: IncidentStatus,
    /// `Started:`, in UTC.
    pub started_at: Option<DateTime<Utc>>,
    /// `Resolved:`, in UTC. May be `None` even when the status is `resolved`.
    pub resolved_at: Option<DateTime<Utc>>,
    /// `Services:`, split at commas, trimmed, empty items dropped, file order kept.
    pub services: Vec<String>,
    /// `Owner:`.
    pub owner: Option<String>,
    /// The text of `## Summary`, trimmed; `None` when the section is missing or blank.
    pub summary: Option<String>,
    /// The `## Timeline` items in file order.
    pub timeline: Vec<TimelineEntry>,
}

impl Incident {
    /// Time from Started to Resolved, when both are known.
    #[must_use]
    pub fn time_to_resolve(&self) -> Option<chrono::TimeDelta> {
        Some(self.resolved_at? - self.started_at?)
    }
}

/// Why an incident report could not be read. Line numbers are 1-based.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IncidentParseError {
    /// No non-empty `# ` heading.
    #[error("missing title: start the report with a `# <title>` heading")]
    MissingTitle,
    /// No `Severity:` label with a value.
    #[error(
        "missing severity: add a line `- **Severity:** SEV2` (SEV1, SEV2, SEV3 or SEV4) above the first `##` section"
    )]
    MissingSeverity,
    /// `Severity:` is not one of SEV1–SEV4.
    #[error("invalid severity {value:?} on line {line}: use SEV1, SEV2, SEV3 or SEV4")]
    InvalidSeverity {
        /// The value as written.
        value: String,
        /// Where it was written.
        line: usize,
    },
    /// No `Status:` label with a value.
    #[error(
        "missing status: add a line `- **Status:** open` (open, mitigated or resolved) above the first `##` section"
    )]
    MissingStatus,
    /// `Status:` is not open, mitigated or resolved.
    #[error("invalid status {value:?} on line {line}: use open, mitigated or resolved")]
    InvalidStatus {
        /// The value as written.
        value: String,
        /// Where it was written.
        line: usize,
    },
    /// `Started:` or `Resolved:` is not an RFC 3339 timestamp.
    #[error("invalid {label} time {value:?} on line {line}: use an RFC 3339 timestamp such as 2026-11-28T09:14:00Z")]
    InvalidTimestamp {
        /// `"Started"` or `"Resolved"`.
        label: &'static str,
        /// The value as written.
        value: String,
        /// Where it was written.
        line: usize,
    },
    /// The Resolved time is earlier than the Started time.
    #[error(
        "Resolved ({resolved}) is earlier than Started ({started}): correct one of the two times",
        started = .started.to_rfc3339_opts(SecondsFormat::AutoSi, true),
        resolved = .resolved.to_rfc3339_opts(SecondsFormat::AutoSi, true)
    )]
    ResolvedBeforeStarted {
        /// The Started time.
        started: DateTime<Utc>,
        /// The Resolved time.
        resolved: DateTime<Utc>,
    },
    /// A known label appears twice with a value.
    #[error("{label} is given twice, on lines {first_line} and {line}: keep only one")]
    DuplicateLabel {
        /// The canonical label, e.g. `"Status"`.
        label: &'static str,
        /// The first occurrence.
        first_line: usize,
        /// The repeated occurrence.
        line: usize,
    },
    /// A `## Timeline` item is not `- <RFC 3339> — <text>`.
    #[error(
        "invalid timeline entry on line {line}: {text:?} is not `- <RFC 3339 time> — <what happened>` (e.g. `- 2026-11-28T09:14:00Z — Restarted the gateway`)"
    )]
    InvalidTimelineEntry {
        /// Where it was written.
        line: usize,
        /// The item as written, without its list marker.
        text: String,
    },
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Section {
    Preamble,
    Summary,
    Timeline,
    Other,
}

/// The known labels, in the order they are checked.
const LABELS: [&str; 6] = ["Severity", "Status", "Started", "Resolved", "Services", "Owner"];

/// Parses the text of one incident report.
///
/// # Errors
/// The first problem found, checked in this order: title, duplicate labels, severity, status,
/// Started, Resolved, Resolved-before-Started, then timeline items in file order.
pub fn parse_incident(md: &str) -> Result<Incident, IncidentParseError> {
    let mut fences = Fences::default();
    let mut section = Section::Preamble;
    let mut title: Option<&str> = None;
    // (line, value) per entry of LABELS.
    let mut labels: [Option<(usize, &str)>; LABELS.len()] = [None; LABELS.len()];
    let mut duplicate: Option<IncidentParseError> = None;
    let mut summary: Vec<&str> = Vec::new();
    let mut timeline: Vec<TimelineEntry> = Vec::new();
    let mut timeline_error: Option<IncidentParseError> = None;
    // Whether the previous line belonged to the last timeline entry (no blank line since).
    let mut continuing = false;

    for (index, raw) in md.lines().enumerate() {
        let line_no = index + 1;
        let line = if index == 0 { raw.trim_start_matches('\u{feff}') } else { raw };
        let in_code = fences.in_code(line);
        if !in_code {
            if let Some((level, text)) = atx_heading(line) {
                if level == 1 && title.is_none() {
                    // An empty `#` line before the title is neither a title nor a section.
                    if !text.is_empty() {
                        title = Some(text);
                    }
                    continue;
                }
                if level <= 2 {
                    section = match (level, text.to_lowercase().as_str()) {
                        (2, "summary") => Section::Summary,
                        (2, "timeline") => Section::Timeline,
                        _ => Section::Other,
                    };
                    continuing = false;
                    continue;
                }
            }
        }
        match section {
            Section::Preamble if !in_code => {
                let Some(parsed) = label_line(line) else {
                    continue;
                };
                let Some(slot) = LABELS.iter().position(|l| l.eq_ignore_ascii_case(&parsed.label)) else {
                    continue;
                };
                if parsed.value.is_empty() {
                    continue;
                }
                match labels[slot] {
                    None => labels[slot] = Some((line_no, parsed.value)),
                    Some((first_line, _)) => {
                        duplicate.get_or_insert(IncidentParseError::DuplicateLabel {
                            label: LABELS[slot],
                            first_line,
                            line: line_no,
                        });
                    }
                }
            }
            Section::Summary => summary.push(line),
            Section::Timeline if !in_code => {
                if line.trim().is_empty() {
                    continuing = false;
                    continue;
                }
                let indent = line.len() - line.trim_start().len();
                let body = strip_bullet(line);
                let is_item = indent < 2 && body.len() < line.trim().len();
                if is_item {
                    match parse_timeline_item(body) {
                        Some(entry) => {
                            timeline.push(entry);
                            continuing = true;
                        }
                        None => {
                            timeline_error.get_or_insert(IncidentParseError::InvalidTimelineEntry {
                                line: line_no,
                                text: body.to_owned(),
                            });
                            continuing = false;
                        }
                    }
                } else if let Some(last) = timeline.last_mut().filter(|_| continuing || indent >= 2) {
                    let extra = line.trim();
                    if !last.text.is_empty() {
                        last.text.push(' ');
                    }
                    last.text.push_str(extra);
                    continuing = true;
                }
            }
            _ => {}
        }
    }

    let title = title.ok_or(IncidentParseError::MissingTitle)?.to_owned();
    if let Some(error) = duplicate {
        return Err(error);
    }
    let [severity, status, started, resolved, services, owner] = labels;

    let (line, value) = severity.ok_or(IncidentParseError::MissingSeverity)?;
    let severity = Severity::from_label(value)
        .ok_or_else(|| IncidentParseError::InvalidSeverity { value: value.to_owned(), line })?;

    let (line, value) = status.ok_or(IncidentParseError::MissingStatus)?;
    let status = IncidentStatus::from_label(value)
        .ok_or_else(|| IncidentParseError::InvalidStatus { value: value.to_owned(), line })?;

    let started_at = labelled_time("Started", started)?;
    let resolved_at = labelled_time("Resolved", resolved)?;
    if let (Some(started), Some(resolved)) = (started_at, resolved_at) {
        if resolved < started {
            return Err(IncidentParseError::ResolvedBeforeStarted { started, resolved });
        }
    }
    if let Some(error) = timeline_error {
        return Err(error);
    }

    let services = services
        .map(|(_, value)| {
            value.split(',').map(strip_wrapping_emphasis).filter(|s| !s.is_empty()).map(str::to_owned).collect()
        })
        .unwrap_or_default();
    let summary = summary.join("\n").trim().to_owned();

    Ok(Incident {
        title,
        severity,
        status,
        started_at,
        resolved_at,
        services,
        owner: owner.map(|(_, value)| value.to_owned()),
        summary: (!summary.is_empty()).then_some(summary),
        timeline,
    })
}

fn labelled_time(
    label: &'static str,
    found: Option<(usize, &str)>,
) -> Result<Option<DateTime<Utc>>, IncidentParseError> {
    let Some((line, value)) = found else {
        return Ok(None);
    };
    parse_time(value).map(Some).ok_or_else(|| IncidentParseError::InvalidTimestamp {
        label,
        value: value.to_owned(),
        line,
    })
}

/// RFC 3339, tolerating wrapping `*`, `_` or backticks; converted to UTC.
fn parse_time(value: &str) -> Option<DateTime<Utc>> {
    let value = strip_wrapping_emphasis(value).trim_matches('`').trim();
    DateTime::parse_from_rfc3339(value).ok().map(|t| t.with_timezone(&Utc))
}

/// `<RFC 3339> — text`, `<RFC 3339> – text` or `<RFC 3339> - text` (list marker already removed).
/// Tries every separator position left to right and takes the first whose prefix is a valid time,
/// so the text itself may contain dashes.
fn parse_timeline_item(body: &str) -> Option<TimelineEntry> {
    let separators = body.char_indices().filter_map(|(i, c)| match c {
        '—' | '–' => Some((i, i + c.len_utf8())),
        '-' if i > 0 && body[..i].ends_with(char::is_whitespace) => {
            let after = &body[i + 1..];
            (after.is_empty() || after.starts_with(char::is_whitespace)).then_some((i, i + 1))
        }
        _ => None,
    });
    for (start, end) in separators {
        if let Some(at) = parse_time(&body[..start]) {
            return Some(TimelineEntry { at, text: body[end..].trim().to_owned() });
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use proptest::prelude::*;

    const DESIGN_EXAMPLE: &str = "# Gateway unreachable from VPS

- **Severity:** SEV2
- **Status:** resolved
- **Started:** 2026-11-28T09:14:00Z
- **Resolved:** 2026-11-28T10:02:00Z
- **Services:** gateway, nginx
- **Owner:** ops

## Summary
Free text.

## Timeline
- 2026-11-28T09:14:00Z — Health check failed three times.
- 2026-11-28T09:40:00Z — Restarted the gateway container.
";

    fn utc(h: u32, m: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 28, h, m, 0).unwrap()
    }

    /// A minimal valid report with `extra` appended to the label block.
    fn report(extra: &str) -> String {
        format!("# T\n- Severity: SEV3\n- Status: open\n{extra}")
    }

    #[test]
    fn the_design_example_parses_completely() {
        let incident = parse_incident(DESIGN_EXAMPLE).unwrap();
        assert_eq!(
            incident,
            Incident {
                title: "Gateway unreachable from VPS".into(),
                severity: Severity::Sev2,
                status: IncidentStatus::Resolved,
                started_at: Some(utc(9, 14)),
                resolved_at: Some(utc(10, 2)),
                services: vec!["gateway".into(), "nginx".into()],
                owner: Some("ops".into()),
                summary: Some("Free text.".into()),
                timeline: vec![
                    TimelineEntry { at: utc(9, 14), text: "Health check failed three times.".into() },
                    TimelineEntry { at: utc(9, 40), text: "Restarted the gateway container.".into() },
                ],
            }
        );
        assert_eq!(incident.time_to_resolve(), Some(chrono::TimeDelta::minutes(48)));
    }

    #[test]
    fn severities_are_case_insensitive_and_limited_to_sev1_to_sev4() {
        let cases = [
            ("SEV1", Some(Severity::Sev1)),
            ("sev2", Some(Severity::Sev2)),
            ("Sev3", Some(Severity::Sev3)),
            (" SEV4 ", Some(Severity::Sev4)),
            ("SEV0", None),
            ("SEV5", None),
            ("SEV 1", None),
            ("P1", None),
            ("critical", None),
        ];
        for (value, expected) in cases {
            assert_eq!(Severity::from_label(value), expected, "{value:?}");
        }
    }

    #[test]
    fn statuses_are_case_insensitive_and_limited_to_three_values() {
        let cases = [
            ("open", Some(IncidentStatus::Open)),
            ("OPEN", Some(IncidentStatus::Open)),
            ("Mitigated", Some(IncidentStatus::Mitigated)),
            ("resolved", Some(IncidentStatus::Resolved)),
            ("closed", None),
            ("done", None),
        ];
        for (value, expected) in cases {
            assert_eq!(IncidentStatus::from_label(value), expected, "{value:?}");
        }
    }

    #[test]
    fn labels_are_case_insensitive_and_ignore_stars_and_underscores() {
        let md = "# T\n__SEVERITY:__ sev1\n**status**: Mitigated\n- _Owner_: *alice*\nservices: a,, b ,\n";
        let incident = parse_incident(md).unwrap();
        assert_eq!(incident.severity, Severity::Sev1);
        assert_eq!(incident.status, IncidentStatus::Mitigated);
        assert_eq!(incident.owner.as_deref(), Some("alice"));
        assert_eq!(incident.services, vec!["a", "b"]);
    }

    #[test]
    fn each_broken_report_names_exactly_what_is_wrong() {
        use IncidentParseError as E;
        let cases: Vec<(String, E)> = vec![
            ("- Severity: SEV1\n- Status: open\n".into(), E::MissingTitle),
            ("# \n- Severity: SEV1\n- Status: open\n".into(), E::MissingTitle),
            ("```\n# Not a title\n```\n- Severity: SEV1\n- Status: open\n".into(), E::MissingTitle),
            ("# T\n- Status: open\n".into(), E::MissingSeverity),
            ("# T\n- Severity:\n- Status: open\n".into(), E::MissingSeverity),
            ("# T\n- Severity: high\n- Status: open\n".into(), E::InvalidSeverity { value: "high".into(), line: 2 }),
            ("# T\n- Severity: SEV1\n".into(), E::MissingStatus),
            ("# T\n- Severity: SEV1\n- Status: closed\n".into(), E::InvalidStatus { value: "closed".into(), line: 3 }),
            (
                report("- Started: yesterday\n"),
                E::InvalidTimestamp { label: "Started", value: "yesterday".into(), line: 4 },
            ),
            (
                report("- Started: 2026-11-28T09:14:00Z\n- Resolved: 2026-11-28 10:02\n"),
                E::InvalidTimestamp { label: "Resolved", value: "2026-11-28 10:02".into(), line: 5 },
            ),
            (
                report("- Started: 2026-11-28T10:00:00Z\n- Resolved: 2026-11-28T09:00:00Z\n"),
                E::ResolvedBeforeStarted { started: utc(10, 0), resolved: utc(9, 0) },
            ),
            (report("- Status: resolved\n"), E::DuplicateLabel { label: "Status", first_line: 3, line: 4 }),
            (
                report("## Timeline\n- 2026-11-28T09:14:00Z — ok\n- at nine — broke\n"),
                E::InvalidTimelineEntry { line: 6, text: "at nine — broke".into() },
            ),
            (
                report("## Timeline\n- 2026-11-28T09:14:00Z no separator\n"),
                E::InvalidTimelineEntry { line: 5, text: "2026-11-28T09:14:00Z no separator".into() },
            ),
        ];
        for (md, expected) in cases {
            assert_eq!(parse_incident(&md), Err(expected), "{md:?}");
        }
    }

    #[test]
    fn error_messages_tell_a_human_what_to_do() {
        use IncidentParseError as E;
        let cases = [
            (E::MissingTitle, "`# <title>`"),
            (E::MissingSeverity, "SEV1, SEV2, SEV3 or SEV4"),
            (
                E::InvalidSeverity { value: "high".into(), line: 2 },
                "invalid severity \"high\" on line 2: use SEV1, SEV2, SEV3 or SEV4",
            ),
            (
                E::InvalidStatus { value: "closed".into(), line: 3 },
                "invalid status \"closed\" on line 3: use open, mitigated or resolved",
            ),
            (
                E::InvalidTimestamp { label: "Started", value: "x".into(), line: 4 },
                "invalid Started time \"x\" on line 4",
            ),
            (
                E::ResolvedBeforeStarted { started: utc(10, 0), resolved: utc(9, 0) },
                "Resolved (2026-11-28T09:00:00Z) is earlier than Started (2026-11-28T10:00:00Z)",
            ),
            (E::DuplicateLabel { label: "Status", first_line: 3, line: 9 }, "Status is given twice, on lines 3 and 9"),
        ];
        for (error, fragment) in cases {
            let message = error.to_string();
            assert!(message.contains(fragment), "{message:?} lacks {fragment:?}");
        }
    }

    #[test]
    fn resolved_status_without_a_resolved_time_is_allowed() {
        let incident = parse_incident("# T\nSeverity: SEV4\nStatus: resolved\n").unwrap();
        assert_eq!(incident.status, IncidentStatus::Resolved);
        assert_eq!(incident.resolved_at, None);
        assert_eq!(incident.started_at, None);
        assert_eq!(incident.time_to_resolve(), None);
    }

    #[test]
    fn resolved_equal_to_started_is_allowed() {
        let md = report("Started: 2026-11-28T09:14:00Z\nResolved: 2026-11-28T09:14:00Z\n");
        assert_eq!(parse_incident(&md).unwrap().time_to_resolve(), Some(chrono::TimeDelta::zero()));
    }

    #[test]
    fn timestamps_with_offsets_are_converted_to_utc() {
        let md = report("Started: 2026-11-28T10:14:00+01:00\nResolved: `2026-11-28T10:02:00Z`\n");
        let incident = parse_incident(&md).unwrap();
        assert_eq!(incident.started_at, Some(utc(9, 14)));
        assert_eq!(incident.resolved_at, Some(utc(10, 2)));
    }

    #[test]
    fn timeline_accepts_em_dash_en_dash_and_spaced_hyphen() {
        let cases = [
            "- 2026-11-28T09:14:00Z — Restarted",
            "- 2026-11-28T09:14:00Z – Restarted",
            "- 2026-11-28T09:14:00Z - Restarted",
            "* 2026-11-28T09:14:00Z—Restarted",
            "- **2026-11-28T09:14:00Z** — Restarted",
            "- `2026-11-28T09:14:00Z` - Restarted",
            "- 2026-11-28T10:14:00+01:00 — Restarted",
        ];
        for item in cases {
            let md = report(&format!("## Timeline\n{item}\n"));
            let incident = parse_incident(&md).unwrap_or_else(|e| panic!("{item:?}: {e}"));
            assert_eq!(incident.timeline, vec![TimelineEntry { at: utc(9, 14), text: "Restarted".into() }], "{item:?}");
        }
    }

    #[test]
    fn timeline_text_may_itself_contain_dashes() {
        let md = report("## Timeline\n- 2026-11-28T09:14:00Z - Restarted — twice - then waited\n");
        assert_eq!(parse_incident(&md).unwrap().timeline[0].text, "Restarted — twice - then waited");
    }

    #[test]
    fn timeline_continuation_lines_join_the_previous_entry() {
        let md = report(
            "## Timeline\nAll times UTC.\n\n- 2026-11-28T09:14:00Z — Health check\n  failed three times.\n\n  Paged ops.\n- 2026-11-28T09:40:00Z —\n\nTrailing prose.\n",
        );
        let timeline = parse_incident(&md).unwrap().timeline;
        let texts: Vec<&str> = timeline.iter().map(|e| e.text.as_str()).collect();
        assert_eq!(texts, ["Health check failed three times. Paged ops.", ""]);
    }

    #[test]
    fn labels_inside_sections_and_code_blocks_are_not_read() {
        let md = "# T\n- Severity: SEV2\n- Status: open\n```\nStatus: resolved\n```\n\n## Summary\nStatus: resolved\nSeverity: SEV1\n\n## Notes\nOwner: bob\n";
        let incident = parse_incident(md).unwrap();
        assert_eq!(incident.status, IncidentStatus::Open);
        assert_eq!(incident.severity, Severity::Sev2);
        assert_eq!(incident.owner, None);
        assert_eq!(incident.summary.as_deref(), Some("Status: resolved\nSeverity: SEV1"));
    }

    #[test]
    fn summary_keeps_subheadings_and_code_but_stops_at_the_next_section() {
        let md = report("\n## summary\n\nFirst line.\n\n### Detail\n```\n## not a section\n```\n\n## Timeline\n");
        assert_eq!(
            parse_incident(&md).unwrap().summary.as_deref(),
            Some("First line.\n\n### Detail\n```\n## not a section\n```")
        );
    }

    #[test]
    fn unknown_labels_are_ignored_and_optional_fields_default_to_empty() {
        let incident = parse_incident(&report("- Pager: yes\n- Customer impact: none\n")).unwrap();
        assert_eq!(incident.services, Vec::<String>::new());
        assert_eq!(incident.owner, None);
        assert_eq!(incident.summary, None);
        assert!(incident.timeline.is_empty());
    }

    #[test]
    fn only_the_first_level_one_heading_is_the_title() {
        let md = "\u{feff}# First\r\n- Severity: SEV1\r\n- Status: open\r\n# Second\r\nStatus: resolved\r\n";
        let incident = parse_incident(md).unwrap();
        assert_eq!(incident.title, "First");
        assert_eq!(incident.status, IncidentStatus::Open);
    }

    #[test]
    fn status_helpers_agree_with_the_lifecycle() {
        assert!(IncidentStatus::Open.is_active());
        assert!(IncidentStatus::Mitigated.is_active());
        assert!(!IncidentStatus::Resolved.is_active());
        assert_eq!(Severity::Sev2.to_string(), "SEV2");
        assert_eq!(IncidentStatus::Mitigated.to_string(), "mitigated");
    }

    proptest! {
        #[test]
        fn parse_incident_never_panics_on_arbitrary_text(md in any::<String>()) {
            let _ = parse_incident(&md);
        }

        #[test]
        fn parse_incident_never_panics_on_report_shaped_text(
            lines in proptest::collection::vec(
                prop_oneof![
                    Just("# Title".to_owned()),
                    Just("## Timeline".to_owned()),
                    Just("## Summary".to_owned()),
                    Just("```".to_owned()),
                    "[-*_ ]{0,3}(?i:severity|status|started|resolved|services|owner)[*_]{0,2}: ?[a-zA-Z0-9:+ ,—–-]{0,25}",
                    "[-*] ?[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}(Z|[+-][0-9]{2}:[0-9]{2}) ?[—–-]? ?[a-z— -]{0,10}",
                    any::<String>(),
                ],
                0..12,
            )
        ) {
            let md = lines.join("\n");
            if let Ok(incident) = parse_incident(&md) {
                prop_assert!(!incident.title.is_empty());
                if let (Some(s), Some(r)) = (incident.started_at, incident.resolved_at) {
                    prop_assert!(s <= r);
                }
            }
        }
    }
}
