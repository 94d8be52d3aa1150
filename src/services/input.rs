//! Parsing user input into values the domain trusts: text limits, slugs, agent ids, labels.
//!
//! Every failure is an [`InputError`] naming the input field, which the API turns into
//! `BAD_USER_INPUT` with `extensions.field`.

use std::fmt;

/// Longest task title, in characters.
pub const MAX_TITLE: usize = 200;
/// Longest task or project description, in characters.
pub const MAX_DESCRIPTION: usize = 20_000;
/// Longest project name, in characters.
pub const MAX_PROJECT_NAME: usize = 120;
/// Longest reason or comment on a change, in characters.
pub const MAX_NOTE: usize = 2_000;
/// Longest search text, in characters.
pub const MAX_SEARCH: usize = 200;
/// Most labels on one task.
pub const MAX_LABELS: usize = 20;
/// Longest label, in characters.
pub const MAX_LABEL: usize = 40;

/// Input that cannot be accepted: which field and why (safe to show).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct InputError {
    /// The input field, as the API names it (`title`, `slug`, `first`).
    pub field: String,
    /// What is wrong, in a sentence.
    pub message: String,
    /// Extra machine-readable detail (accepted values), if any.
    pub accepted: Vec<String>,
}

impl InputError {
    /// An error for `field`.
    pub fn new(field: &str, message: impl Into<String>) -> Self {
        Self { field: field.to_owned(), message: message.into(), accepted: Vec::new() }
    }
}

/// A trimmed, non-empty, single-line text of at most `max` characters.
pub fn line(field: &str, value: &str, max: usize) -> Result<String, InputError> {
    let v = value.trim();
    if v.is_empty() {
        return Err(InputError::new(field, format!("{field} must not be empty.")));
    }
    if v.chars().any(char::is_control) {
        return Err(InputError::new(field, format!("{field} must be one line without control characters.")));
    }
    at_most(field, v, max)?;
    Ok(v.to_owned())
}

/// Free text (may be empty) of at most `max` characters; surrounding whitespace is removed.
pub fn text(field: &str, value: &str, max: usize) -> Result<String, InputError> {
    let v = value.trim();
    if v.chars().any(|c| c.is_control() && c != '\n' && c != '\t' && c != '\r') {
        return Err(InputError::new(field, format!("{field} must not contain control characters.")));
    }
    at_most(field, v, max)?;
    Ok(v.to_owned())
}

/// A required reason: non-empty text of at most [`MAX_NOTE`] characters.
pub fn reason(field: &str, value: Option<&str>) -> Result<String, InputError> {
    let v = text(field, value.unwrap_or(""), MAX_NOTE)?;
    if v.is_empty() {
        return Err(InputError::new(field, format!("A {field} is required for this change.")));
    }
    Ok(v)
}

/// An optional note: `None` when absent or blank.
pub fn note(field: &str, value: Option<&str>) -> Result<Option<String>, InputError> {
    Ok(Some(text(field, value.unwrap_or(""), MAX_NOTE)?).filter(|v| !v.is_empty()))
}

fn at_most(field: &str, v: &str, max: usize) -> Result<(), InputError> {
    let n = v.chars().count();
    if n > max {
        return Err(InputError::new(field, format!("{field} is {n} characters long; at most {max} are allowed.")));
    }
    Ok(())
}

/// A project slug: 2–64 characters of `a-z`, `0-9` and single inner hyphens (`gateway-hardening`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Slug(String);

impl Slug {
    /// Parses a slug; upper case is folded to lower case.
    pub fn parse(field: &str, value: &str) -> Result<Self, InputError> {
        let v = value.trim().to_ascii_lowercase();
        let ok = (2..=64).contains(&v.len())
            && v.split('-')
                .all(|part| !part.is_empty() && part.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit()));
        if !ok {
            return Err(InputError::new(
                field,
                format!("{field} must be 2–64 characters of a–z, 0–9 and single hyphens between them, like `gateway-hardening`."),
            ));
        }
        Ok(Self(v))
    }

    /// The slug.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// An OpenClaw agent id (`main`, `ops`, `research`): 1–64 characters of `a-z`, `0-9`, `_` and `-`,
/// starting with a letter or digit. OpenClaw compares agent ids in lower case, and so does Nexus.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct AgentId(String);

impl AgentId {
    /// Parses an agent id.
    pub fn parse(field: &str, value: &str) -> Result<Self, InputError> {
        let v = value.trim().to_ascii_lowercase();
        let ok = !v.is_empty()
            && v.len() <= 64
            && v.bytes().next().is_some_and(|b| b.is_ascii_alphanumeric())
            && v.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-');
        if !ok {
            return Err(InputError::new(
                field,
                format!("{field} must be an OpenClaw agent id: 1–64 characters of a–z, 0–9, `_` and `-`."),
            ));
        }
        Ok(Self(v))
    }

    /// Wraps an id read from the database.
    pub fn from_db(s: String) -> Self {
        Self(s)
    }

    /// The id.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The team's agent ids, for checking the agent ids written into tasks and projects.
pub trait AgentRoster: Send + Sync {
    /// The configured agent ids (lower case), or `None` when the team cannot be read right now
    /// (`openclaw.json` missing or invalid): then any well-formed id is accepted, so that a broken
    /// config does not stop the work being steered.
    fn agent_ids(&self) -> Option<Vec<String>>;
}

/// Parses an agent id for `field` and, when the team is known, checks that it is one of its
/// agents (an unknown id is `BAD_USER_INPUT` naming the field, with the known ids as `accepted`).
pub fn team_agent(roster: Option<&dyn AgentRoster>, field: &str, value: &str) -> Result<AgentId, InputError> {
    let id = AgentId::parse(field, value)?;
    if let Some(ids) = roster.and_then(|r| r.agent_ids()) {
        if !ids.iter().any(|known| known == id.as_str()) {
            let mut e = InputError::new(
                field,
                format!("There is no agent `{id}` in the team; its agents are {}.", ids.join(", ")),
            );
            e.accepted = ids;
            return Err(e);
        }
    }
    Ok(id)
}

impl fmt::Display for AgentId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Task labels: at most [`MAX_LABELS`], each one line of at most [`MAX_LABEL`] characters;
/// duplicates (ignoring case) are dropped, order is kept.
pub fn labels(field: &str, values: &[String]) -> Result<Vec<String>, InputError> {
    if values.len() > MAX_LABELS {
        return Err(InputError::new(field, format!("At most {MAX_LABELS} labels are allowed, got {}.", values.len())));
    }
    let mut out: Vec<String> = Vec::with_capacity(values.len());
    for v in values {
        let label = line(field, v, MAX_LABEL)?;
        if !out.iter().any(|l| l.eq_ignore_ascii_case(&label)) {
            out.push(label);
        }
    }
    Ok(out)
}

/// Search text: trimmed, at most [`MAX_SEARCH`] characters; `None` when blank.
pub fn search(field: &str, value: Option<&str>) -> Result<Option<String>, InputError> {
    match value.map(str::trim).filter(|v| !v.is_empty()) {
        None => Ok(None),
        Some(v) => Ok(Some(line(field, v, MAX_SEARCH)?)),
    }
}

/// The stored search text of a row (`tasks.search_text`, `projects.search_text`): its parts
/// lower-cased by Unicode rules and joined by a line break, matched by [`like_pattern`]. (The
/// migration that added the column fills old rows by the same rule.)
pub fn search_text(parts: &[&str]) -> String {
    parts.iter().map(|p| p.to_lowercase()).collect::<Vec<_>>().join("\n")
}

/// A `LIKE` pattern matching `needle` anywhere, with `%`, `_` and `\` escaped (use `ESCAPE '\'`).
pub fn like_pattern(needle: &str) -> String {
    let mut p = String::with_capacity(needle.len() + 2);
    p.push('%');
    for c in needle.to_lowercase().chars() {
        if matches!(c, '%' | '_' | '\\') {
            p.push('\\');
        }
        p.push(c);
    }
    p.push('%');
    p
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_limits_count_characters_not_bytes_and_name_the_field() {
        assert_eq!(line("title", "  Ship it  ", 10).unwrap(), "Ship it");
        assert!(line("title", &"é".repeat(200), 200).is_ok());
        let e = line("title", &"x".repeat(201), 200).unwrap_err();
        assert_eq!(e.field, "title");
        assert!(e.message.contains("201") && e.message.contains("200"), "{}", e.message);
        assert_eq!(line("title", "   ", 10).unwrap_err().field, "title");
        assert!(line("title", "two\nlines", 50).is_err());
        assert!(text("description", "two\nlines", 50).is_ok());
        assert!(text("description", "bell\u{7}", 50).is_err());
    }

    #[test]
    fn slugs_and_agent_ids_are_strict() {
        assert_eq!(Slug::parse("slug", "Gateway-Hardening").unwrap().as_str(), "gateway-hardening");
        for bad in ["a", "-x", "x-", "a--b", "a b", "ä-b", "a_b", &"a".repeat(65)] {
            assert!(Slug::parse("slug", bad).is_err(), "{bad}");
        }
        assert_eq!(AgentId::parse("assigneeId", " Ops ").unwrap().as_str(), "ops");
        for bad in ["", "-ops", "a/b", "../x", &"a".repeat(65)] {
            assert_eq!(AgentId::parse("assigneeId", bad).unwrap_err().field, "assigneeId", "{bad}");
        }
    }

    #[test]
    fn labels_are_deduplicated_and_bounded() {
        let l = labels("labels", &["ops".into(), "OPS".into(), "docs".into()]).unwrap();
        assert_eq!(l, vec!["ops", "docs"]);
        assert!(labels("labels", &vec!["x".to_owned(); 21]).is_err());
        assert!(labels("labels", &["x".repeat(41)]).is_err());
    }

    #[test]
    fn like_patterns_escape_wildcards() {
        assert_eq!(like_pattern("50%_off\\"), "%50\\%\\_off\\\\%");
        assert_eq!(like_pattern("Gateway"), "%gateway%");
    }
}
