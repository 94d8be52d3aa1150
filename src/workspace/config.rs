//! `openclaw.json`: the gateway's configuration, read (never written) for its agents.
//!
//! The file is JSON5 (comments, trailing commas, unquoted keys). Agents appear either as the
//! current keyed map `agents.entries { <id>: {…} }` (the file's key order is kept) or as the older
//! `agents.list [ { id, … } ]`; when `entries` holds at least one agent it is used and `list` is
//! ignored. `agents.defaults` supplies `workspace` (default agent only), `model` and `heartbeat`,
//! merged field by field under each agent.
//!
//! In `entries` the key is the agent id (an `id` inside the entry is ignored). Ids are trimmed and
//! lower-cased, as OpenClaw normalises them, then must be `[a-z0-9_-]{1,64}` and unique.
//!
//! Reading is lenient: unknown keys are ignored and a known key of the wrong type counts as unset
//! (a numeric heartbeat `every` is read as its digits, i.e. minutes). Only problems that make the
//! agent list itself unknowable are errors.

use std::fmt;
use std::path::{Path, PathBuf};

use serde::de::{DeserializeSeed, Deserializer, Error as _, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Serialize};

/// The id OpenClaw gives its only agent when the file lists none.
pub const IMPLICIT_AGENT_ID: &str = "main";

/// The longest agent id accepted.
pub const MAX_AGENT_ID_LEN: usize = 64;

/// How deeply arrays and objects may nest before the file is rejected (guards the stack).
pub const MAX_NESTING: usize = 64;

/// The agents configured in `openclaw.json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OpenClawConfig {
    /// Every agent, in file order; never empty (an implicit `main` agent when none is listed).
    pub agents: Vec<AgentConfig>,
    /// The id of the default agent; always the id of one of `agents`.
    pub default_agent_id: String,
}

impl OpenClawConfig {
    /// The agent with this id.
    #[must_use]
    pub fn agent(&self, id: &str) -> Option<&AgentConfig> {
        self.agents.iter().find(|a| a.id == id)
    }

    /// The default agent.
    #[must_use]
    pub fn default_agent(&self) -> Option<&AgentConfig> {
        self.agent(&self.default_agent_id)
    }
}

/// One agent, with `agents.defaults` already merged in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AgentConfig {
    /// The agent id (lower-case `a-z`, `0-9`, `_`, `-`; at most 64 characters).
    pub id: String,
    /// `name`.
    pub name: Option<String>,
    /// `true` for exactly one agent: the resolved default agent.
    pub default: bool,
    /// The resolved workspace directory (`~` expanded, relative paths under the state dir).
    pub workspace: PathBuf,
    /// `identity` from the config (the workspace's IDENTITY.md may say more).
    pub identity: ConfigIdentity,
    /// The model, when the agent or the defaults name one.
    pub model: Option<ModelConfig>,
    /// The heartbeat, when the agent or the defaults configure one.
    pub heartbeat: Option<HeartbeatConfig>,
}

/// `identity` of an agent in `openclaw.json`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ConfigIdentity {
    /// `identity.name`.
    pub name: Option<String>,
    /// `identity.emoji`.
    pub emoji: Option<String>,
    /// `identity.theme`.
    pub theme: Option<String>,
    /// `identity.avatar`.
    pub avatar: Option<String>,
}

/// `model`: either `"provider/model"` or `{ primary, fallbacks }`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ModelConfig {
    /// The primary model, e.g. `anthropic/claude-opus-4-6`.
    pub primary: Option<String>,
    /// Models to fall back to, in order.
    pub fallbacks: Vec<String>,
}

/// `heartbeat`: how often the agent wakes up on its own.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HeartbeatConfig {
    /// `every`, as written (e.g. `"30m"`); see [`parse_duration_secs`].
    pub every: Option<String>,
    /// `activeHours`: the heartbeat only fires inside this window.
    pub active_hours: Option<ActiveHours>,
}

impl HeartbeatConfig {
    /// `every` in seconds, when it is a valid duration.
    #[must_use]
    pub fn every_secs(&self) -> Option<u64> {
        parse_duration_secs(self.every.as_deref()?)
    }
}

/// `activeHours { start, end }`, as written (`"08:00"`, `"24:00"`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ActiveHours {
    /// Start of the window, e.g. `"08:00"`.
    pub start: String,
    /// End of the window, e.g. `"24:00"`.
    pub end: String,
}

/// Why `openclaw.json` could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    /// The text is not JSON5. Line and column are 1-based.
    #[error("openclaw.json is not valid JSON5{}: {message}", location(*.line, *.column))]
    InvalidJson5 {
        /// What the parser expected.
        message: String,
        /// 1-based line, when known.
        line: Option<usize>,
        /// 1-based column, when known.
        column: Option<usize>,
    },
    /// The top level is not an object.
    #[error("openclaw.json must hold an object at the top level, found {found}")]
    NotAnObject {
        /// The JSON type found.
        found: &'static str,
    },
    /// `agents` is not an object.
    #[error("`agents` in openclaw.json must be an object, found {found}")]
    AgentsNotObject {
        /// The JSON type found.
        found: &'static str,
    },
    /// `agents.entries` is not an object.
    #[error("`agents.entries` in openclaw.json must be an object keyed by agent id, found {found}")]
    EntriesNotObject {
        /// The JSON type found.
        found: &'static str,
    },
    /// `agents.list` is not an array.
    #[error("`agents.list` in openclaw.json must be an array of agents, found {found}")]
    ListNotArray {
        /// The JSON type found.
        found: &'static str,
    },
    /// One agent is not an object.
    #[error("`{at}` in openclaw.json must be an object describing one agent, found {found}")]
    AgentNotObject {
        /// Where, e.g. `agents.list[1]` or `agents.entries.ops`.
        at: String,
        /// The JSON type found.
        found: &'static str,
    },
    /// An agent in `agents.list` has no usable `id`.
    #[error("`{at}` in openclaw.json has no `id`: give the agent an id such as \"main\"")]
    MissingAgentId {
        /// Where, e.g. `agents.list[1]`.
        at: String,
    },
    /// An agent id breaks the id rules.
    #[error("`{at}` in openclaw.json has an invalid agent id {id:?}: {reason}")]
    InvalidAgentId {
        /// Where, e.g. `agents.list[1]` or `agents.entries.Ops!`.
        at: String,
        /// The id as written.
        id: String,
        /// Which rule it breaks.
        reason: &'static str,
    },
    /// Two agents share an id.
    #[error("agent id {id:?} is used twice in openclaw.json, at `{first}` and `{second}`")]
    DuplicateAgentId {
        /// The (normalised) id.
        id: String,
        /// The first agent with it.
        first: String,
        /// The second agent with it.
        second: String,
    },
}

fn location(line: Option<usize>, column: Option<usize>) -> String {
    match (line, column) {
        (Some(line), Some(column)) => format!(" at line {line}, column {column}"),
        (Some(line), None) => format!(" at line {line}"),
        _ => String::new(),
    }
}

/// Parses `openclaw.json`.
///
/// * `state_dir` is the OpenClaw state directory (e.g. `~/.openclaw`, already expanded); agents
///   without a workspace get `<state_dir>/workspace` (the default agent) or
///   `<state_dir>/workspace-<id>`, and relative workspace paths are taken relative to it.
/// * `home` replaces a leading `~` or `~/`; with `None` such paths are kept as written.
///
/// The default agent is the first with `default: true`, else the one named by `agents.defaultId`
/// (when it names a listed agent), else the first agent. With no agents listed the result holds
/// one implicit agent, `main`.
///
/// # Errors
/// See [`ConfigError`]: invalid JSON5, a non-object top level, `agents`/`entries`/`list` of the
/// wrong type, an agent that is not an object, a missing, invalid or duplicate agent id.
pub fn parse_config(text: &str, state_dir: &Path, home: Option<&Path>) -> Result<OpenClawConfig, ConfigError> {
    let root: Value = json5::from_str(text).map_err(|e| json5_error(e, text))?;
    let Value::Object(root) = root else {
        return Err(ConfigError::NotAnObject { found: root.kind() });
    };
    let agents = match get(&root, "agents") {
        None | Some(Value::Null) => &[][..],
        Some(Value::Object(agents)) => agents.as_slice(),
        Some(other) => return Err(ConfigError::AgentsNotObject { found: other.kind() }),
    };
    let defaults = object(get(agents, "defaults"));
    let raw = raw_agents(agents)?;

    let mut ids: Vec<(String, String)> = Vec::with_capacity(raw.len());
    for (at, id_value, _) in &raw {
        let id = normalise_id(at, id_value.as_deref())?;
        if let Some((_, first)) = ids.iter().find(|(existing, _)| *existing == id) {
            return Err(ConfigError::DuplicateAgentId { id, first: first.clone(), second: at.clone() });
        }
        ids.push((id, at.clone()));
    }

    let default_index = if raw.is_empty() {
        0
    } else {
        raw.iter()
            .position(|(_, _, agent)| get(agent, "default").and_then(Value::as_bool) == Some(true))
            .or_else(|| {
                let wanted = string(get(agents, "defaultId"))?.to_lowercase();
                ids.iter().position(|(id, _)| *id == wanted)
            })
            .unwrap_or(0)
    };

    let empty: &[(String, Value)] = &[];
    let listed = raw.iter().zip(ids).map(|((_, _, agent), (id, _))| (id, *agent));
    let implicit = std::iter::once((IMPLICIT_AGENT_ID.to_owned(), empty)).filter(|_| raw.is_empty());
    let agents: Vec<AgentConfig> = listed
        .chain(implicit)
        .enumerate()
        .map(|(index, (id, agent))| build_agent(id, agent, defaults, index == default_index, state_dir, home))
        .collect();
    let default_agent_id = agents[default_index].id.clone();
    Ok(OpenClawConfig { agents, default_agent_id })
}

/// One agent as found in the file: where it is, its id as written, its object.
type RawAgent<'a> = (String, Option<String>, &'a [(String, Value)]);

fn raw_agents(agents: &[(String, Value)]) -> Result<Vec<RawAgent<'_>>, ConfigError> {
    let mut raw = Vec::new();
    match get(agents, "entries") {
        None | Some(Value::Null) => {}
        Some(Value::Object(entries)) => {
            for (key, value) in entries {
                let at = format!("agents.entries.{key}");
                let Value::Object(agent) = value else {
                    return Err(ConfigError::AgentNotObject { at, found: value.kind() });
                };
                raw.push((at, Some(key.clone()), agent.as_slice()));
            }
        }
        Some(other) => return Err(ConfigError::EntriesNotObject { found: other.kind() }),
    }
    if !raw.is_empty() {
        return Ok(raw);
    }
    match get(agents, "list") {
        None | Some(Value::Null) => {}
        Some(Value::Array(list)) => {
            for (index, value) in list.iter().enumerate() {
                let at = format!("agents.list[{index}]");
                let Value::Object(agent) = value else {
                    return Err(ConfigError::AgentNotObject { at, found: value.kind() });
                };
                let id = string(get(agent, "id")).map(str::to_owned);
                raw.push((at, id, agent.as_slice()));
            }
        }
        Some(other) => return Err(ConfigError::ListNotArray { found: other.kind() }),
    }
    Ok(raw)
}

/// Trims and lower-cases an id (OpenClaw normalises ids the same way), then checks the rules.
fn normalise_id(at: &str, id: Option<&str>) -> Result<String, ConfigError> {
    let written = id.unwrap_or_default();
    let id = written.trim().to_lowercase();
    let invalid = |reason| ConfigError::InvalidAgentId { at: at.to_owned(), id: written.to_owned(), reason };
    if id.is_empty() {
        return if at.starts_with("agents.entries") {
            Err(invalid("an agent id must not be empty"))
        } else {
            Err(ConfigError::MissingAgentId { at: at.to_owned() })
        };
    }
    if id.len() > MAX_AGENT_ID_LEN {
        return Err(invalid("an agent id has at most 64 characters"));
    }
    if !id.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-') {
        return Err(invalid("use only letters a-z, digits 0-9, `_` and `-` in an agent id"));
    }
    Ok(id)
}

fn build_agent(
    id: String,
    agent: &[(String, Value)],
    defaults: &[(String, Value)],
    is_default: bool,
    state_dir: &Path,
    home: Option<&Path>,
) -> AgentConfig {
    let workspace = non_empty(get(agent, "workspace"))
        .or_else(|| non_empty(get(defaults, "workspace")).filter(|_| is_default))
        .map(|raw| resolve_dir(raw, state_dir, home))
        .unwrap_or_else(|| {
            if is_default {
                state_dir.join("workspace")
            } else {
                state_dir.join(format!("workspace-{id}"))
            }
        });
    let identity = object(get(agent, "identity"));
    AgentConfig {
        name: owned(get(agent, "name")),
        default: is_default,
        workspace,
        identity: ConfigIdentity {
            name: owned(get(identity, "name")),
            emoji: owned(get(identity, "emoji")),
            theme: owned(get(identity, "theme")),
            avatar: owned(get(identity, "avatar")),
        },
        model: merge_model(get(agent, "model"), get(defaults, "model")),
        heartbeat: merge_heartbeat(object(get(agent, "heartbeat")), object(get(defaults, "heartbeat"))),
        id,
    }
}

/// Expands `~` and `~/…` with `home`, and puts relative paths under `state_dir`.
fn resolve_dir(raw: &str, state_dir: &Path, home: Option<&Path>) -> PathBuf {
    let expanded = match (raw, home) {
        ("~", Some(home)) => home.to_path_buf(),
        (_, Some(home)) if raw.starts_with("~/") => home.join(raw[2..].trim_start_matches('/')),
        _ => PathBuf::from(raw),
    };
    if expanded.is_absolute() || raw.starts_with('~') {
        expanded
    } else {
        state_dir.join(expanded)
    }
}

/// `primary` from the agent else the defaults; `fallbacks` likewise (an agent that sets
/// `fallbacks`, even to `[]`, replaces the defaults' list). A string model is a primary only.
fn merge_model(agent: Option<&Value>, defaults: Option<&Value>) -> Option<ModelConfig> {
    fn split(value: Option<&Value>) -> (Option<String>, Option<Vec<String>>) {
        match value {
            Some(Value::String(s)) => (non_empty_str(s).map(str::to_owned), None),
            Some(Value::Object(model)) => (
                owned(get(model, "primary")),
                match get(model, "fallbacks") {
                    Some(Value::Array(items)) => Some(items.iter().filter_map(|item| owned(Some(item))).collect()),
                    _ => None,
                },
            ),
            _ => (None, None),
        }
    }
    let (primary, fallbacks) = split(agent);
    let (default_primary, default_fallbacks) = split(defaults);
    let model = ModelConfig {
        primary: primary.or(default_primary),
        fallbacks: fallbacks.or(default_fallbacks).unwrap_or_default(),
    };
    (model != ModelConfig::default()).then_some(model)
}

/// `every` and `activeHours` from the agent, each else from the defaults.
fn merge_heartbeat(agent: &[(String, Value)], defaults: &[(String, Value)]) -> Option<HeartbeatConfig> {
    fn every(heartbeat: &[(String, Value)]) -> Option<String> {
        match get(heartbeat, "every")? {
            Value::Number(n) if n.fract() == 0.0 && *n >= 0.0 && *n < 1e15 => Some(format!("{n:.0}")),
            other => owned(Some(other)),
        }
    }
    fn active_hours(heartbeat: &[(String, Value)]) -> Option<ActiveHours> {
        let hours = object(get(heartbeat, "activeHours"));
        Some(ActiveHours { start: owned(get(hours, "start"))?, end: owned(get(hours, "end"))? })
    }
    let heartbeat = HeartbeatConfig {
        every: every(agent).or_else(|| every(defaults)),
        active_hours: active_hours(agent).or_else(|| active_hours(defaults)),
    };
    (heartbeat != HeartbeatConfig::default()).then_some(heartbeat)
}

/// Parses a heartbeat interval into seconds: one or more `<integer><unit>` parts with units `s`,
/// `m`, `h`, `d` (case-insensitive, optional spaces between parts), e.g. `"30m"`, `"1h"`, `"90s"`,
/// `"2h30m"`, `"1h 15m"`. A bare integer means minutes, as OpenClaw reads heartbeat intervals.
/// `"0m"` is `Some(0)` (OpenClaw treats it as "heartbeat off"). Returns `None` for anything else
/// (empty, fractions, negative numbers, unknown units, overflow).
#[must_use]
pub fn parse_duration_secs(text: &str) -> Option<u64> {
    let text = text.trim();
    if !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) {
        return text.parse::<u64>().ok()?.checked_mul(60);
    }
    let mut total: u64 = 0;
    let mut rest = text;
    let mut parts = 0;
    while !rest.is_empty() {
        let digits = rest.len() - rest.trim_start_matches(|c: char| c.is_ascii_digit()).len();
        if digits == 0 {
            return None;
        }
        let amount: u64 = rest[..digits].parse().ok()?;
        rest = &rest[digits..];
        let unit = rest.chars().next()?;
        let scale = match unit.to_ascii_lowercase() {
            's' => 1,
            'm' => 60,
            'h' => 3_600,
            'd' => 86_400,
            _ => return None,
        };
        rest = rest[unit.len_utf8()..].trim_start();
        total = total.checked_add(amount.checked_mul(scale)?)?;
        parts += 1;
    }
    (parts > 0).then_some(total)
}

// ---------------------------------------------------------------------------------------------
// A small order-preserving JSON value. Parsing into our own type keeps `entries` in file order
// without turning on serde_json's `preserve_order` for the whole application, and lets us bound
// the nesting depth so a hostile file cannot overflow the stack.

#[derive(Debug, Clone, PartialEq)]
enum Value {
    Null,
    Bool(bool),
    Number(f64),
    String(String),
    Array(Vec<Value>),
    /// Keys in file order; a repeated key keeps its first position and its last value.
    Object(Vec<(String, Value)>),
}

impl Value {
    fn kind(&self) -> &'static str {
        match self {
            Value::Null => "null",
            Value::Bool(_) => "a boolean",
            Value::Number(_) => "a number",
            Value::String(_) => "a string",
            Value::Array(_) => "an array",
            Value::Object(_) => "an object",
        }
    }

    fn as_bool(&self) -> Option<bool> {
        match self {
            Value::Bool(b) => Some(*b),
            _ => None,
        }
    }
}

fn get<'a>(object: &'a [(String, Value)], key: &str) -> Option<&'a Value> {
    object.iter().find(|(k, _)| k == key).map(|(_, v)| v)
}

/// The object's members, or none when the value is missing or not an object.
fn object(value: Option<&Value>) -> &[(String, Value)] {
    match value {
        Some(Value::Object(members)) => members,
        _ => &[],
    }
}

fn string(value: Option<&Value>) -> Option<&str> {
    match value {
        Some(Value::String(s)) => Some(s),
        _ => None,
    }
}

fn non_empty_str(s: &str) -> Option<&str> {
    let s = s.trim();
    (!s.is_empty()).then_some(s)
}

/// A string value, trimmed, when not empty.
fn non_empty(value: Option<&Value>) -> Option<&str> {
    non_empty_str(string(value)?)
}

fn owned(value: Option<&Value>) -> Option<String> {
    non_empty(value).map(str::to_owned)
}

/// Converts a json5 error. The parser reports where an unterminated construct began, which is
/// often just the first `{`; for those "ran out of text" errors the end of the file is reported
/// instead, with a hint about what to look for.
fn json5_error(error: json5::Error, text: &str) -> ConfigError {
    use json5::ErrorCode as C;
    let position = error.position();
    let mut message = error.to_string();
    if let Some(position) = position {
        if let Some(stripped) = message.strip_suffix(&format!(" at {position}")) {
            message = stripped.to_owned();
        }
    }
    let mut line = position.map(|p| p.line + 1);
    let mut column = position.map(|p| p.column + 1);
    let eof = matches!(
        error.code(),
        Some(
            C::EofParsingArray
                | C::EofParsingBool
                | C::EofParsingComment
                | C::EofParsingEscapeSequence
                | C::EofParsingIdentifier
                | C::EofParsingNull
                | C::EofParsingNumber
                | C::EofParsingObject
                | C::EofParsingString
                | C::EofParsingValue
        )
    );
    if eof {
        let (end_line, end_column) = end_position(text);
        line = Some(end_line);
        column = Some(end_column);
        message = if error.code() == Some(C::EofParsingValue) && position.is_none() {
            "the file holds no value (it is empty or only comments)".to_owned()
        } else {
            format!("the file ends too early ({message}): look for an unclosed bracket, brace, quote or comment")
        };
    }
    ConfigError::InvalidJson5 { message, line, column }
}

/// 1-based line and column just past the end of `text`, counting line terminators as JSON5
/// does (`\r\n` is one).
fn end_position(text: &str) -> (usize, usize) {
    let mut line = 1;
    let mut column = 1;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\r' if chars.peek() == Some(&'\n') => {}
            '\n' | '\r' | '\u{2028}' | '\u{2029}' => {
                line += 1;
                column = 1;
            }
            _ => column += 1,
        }
    }
    (line, column)
}

impl<'de> Deserialize<'de> for Value {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Nested(0).deserialize(deserializer)
    }
}

/// Deserialises a value at a given nesting depth.
struct Nested(usize);

impl<'de> DeserializeSeed<'de> for Nested {
    type Value = Value;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        if self.0 > MAX_NESTING {
            return Err(D::Error::custom(format_args!("arrays and objects nest deeper than {MAX_NESTING} levels")));
        }
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Nested {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON5 value")
    }

    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        DeserializeSeed::deserialize(self, deserializer)
    }

    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }

    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::Number(v as f64))
    }

    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::Number(v as f64))
    }

    fn visit_i128<E>(self, v: i128) -> Result<Value, E> {
        Ok(Value::Number(v as f64))
    }

    fn visit_u128<E>(self, v: u128) -> Result<Value, E> {
        Ok(Value::Number(v as f64))
    }

    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        Ok(Value::Number(v))
    }

    fn visit_char<E>(self, v: char) -> Result<Value, E> {
        Ok(Value::String(v.to_string()))
    }

    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_owned()))
    }

    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element_seed(Nested(self.0 + 1))? {
            items.push(item);
        }
        Ok(Value::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut members: Vec<(String, Value)> = Vec::new();
        while let Some(key) = map.next_key::<String>()? {
            let value = map.next_value_seed(Nested(self.0 + 1))?;
            match members.iter_mut().find(|(k, _)| *k == key) {
                Some((_, existing)) => *existing = value,
                None => members.push((key, value)),
            }
        }
        Ok(Value::Object(members))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const ENTRIES_EXAMPLE: &str = r#"{ agents: { ownership: "explicit",
    defaults: { workspace: "~/.openclaw/workspace", model: { primary: "anthropic/claude-opus-4-6" },
                heartbeat: { every: "30m", activeHours: { start: "08:00", end: "24:00" } } },
    entries: { main: { name: "Iris", workspace: "~/.openclaw/workspace",
                       identity: { name: "Iris", emoji: "🌸", theme: "mission-control assistant" } },
               ops:  { name: "Ops", workspace: "~/.openclaw/workspace-ops", heartbeat: { every: "1h" } } } } }"#;

    const LIST_EXAMPLE: &str = r#"{ agents: { list: [ { id: "main", default: true, name: "Iris", workspace: "~/.openclaw/workspace",
                      model: "anthropic/claude-opus-4-6" },            // or { primary, fallbacks: [] }
                    { id: "ops", name: "Ops" } ] } }                    // workspace defaults below"#;

    fn state() -> PathBuf {
        PathBuf::from("/home/op/.openclaw")
    }

    fn parse(text: &str) -> Result<OpenClawConfig, ConfigError> {
        parse_config(text, &state(), Some(Path::new("/home/op")))
    }

    fn ids(config: &OpenClawConfig) -> Vec<&str> {
        config.agents.iter().map(|a| a.id.as_str()).collect()
    }

    #[test]
    fn the_entries_example_from_the_readme_parses_with_defaults_merged() {
        let config = parse(ENTRIES_EXAMPLE).unwrap();
        assert_eq!(config.default_agent_id, "main");
        assert_eq!(ids(&config), ["main", "ops"]);
        let heartbeat_30m = HeartbeatConfig {
            every: Some("30m".into()),
            active_hours: Some(ActiveHours { start: "08:00".into(), end: "24:00".into() }),
        };
        let opus = Some(ModelConfig { primary: Some("anthropic/claude-opus-4-6".into()), fallbacks: vec![] });
        assert_eq!(
            config.agents[0],
            AgentConfig {
                id: "main".into(),
                name: Some("Iris".into()),
                default: true,
                workspace: PathBuf::from("/home/op/.openclaw/workspace"),
                identity: ConfigIdentity {
                    name: Some("Iris".into()),
                    emoji: Some("🌸".into()),
                    theme: Some("mission-control assistant".into()),
                    avatar: None,
                },
                model: opus.clone(),
                heartbeat: Some(heartbeat_30m.clone()),
            }
        );
        assert_eq!(
            config.agents[1],
            AgentConfig {
                id: "ops".into(),
                name: Some("Ops".into()),
                default: false,
                workspace: PathBuf::from("/home/op/.openclaw/workspace-ops"),
                identity: ConfigIdentity::default(),
                model: opus,
                heartbeat: Some(HeartbeatConfig { every: Some("1h".into()), ..heartbeat_30m }),
            }
        );
        assert_eq!(config.agents[1].heartbeat.as_ref().unwrap().every_secs(), Some(3600));
    }

    #[test]
    fn the_list_example_from_the_readme_parses_with_workspace_defaults() {
        let config = parse(LIST_EXAMPLE).unwrap();
        assert_eq!(config.default_agent_id, "main");
        assert_eq!(ids(&config), ["main", "ops"]);
        let main = config.default_agent().unwrap();
        assert!(main.default);
        assert_eq!(main.workspace, PathBuf::from("/home/op/.openclaw/workspace"));
        assert_eq!(
            main.model,
            Some(ModelConfig { primary: Some("anthropic/claude-opus-4-6".into()), fallbacks: vec![] })
        );
        let ops = config.agent("ops").unwrap();
        assert!(!ops.default);
        assert_eq!(ops.workspace, state().join("workspace-ops"));
        assert_eq!(ops.model, None);
        assert_eq!(ops.heartbeat, None);
    }

    #[test]
    fn entries_keep_the_file_key_order_not_alphabetical_order() {
        let config = parse("{agents:{entries:{zeta:{}, alpha:{}, mid:{}}}}").unwrap();
        assert_eq!(ids(&config), ["zeta", "alpha", "mid"]);
        assert_eq!(config.default_agent_id, "zeta");
    }

    #[test]
    fn the_default_agent_is_flagged_then_default_id_then_first() {
        let cases = [
            ("{agents:{list:[{id:'a'},{id:'b',default:true},{id:'c',default:true}]}}", "b"),
            ("{agents:{defaultId:'c', list:[{id:'a'},{id:'b'},{id:'c'}]}}", "c"),
            ("{agents:{defaultId:'C', entries:{a:{}, c:{}}}}", "c"),
            ("{agents:{defaultId:'c', list:[{id:'a'},{id:'b',default:true},{id:'c'}]}}", "b"),
            ("{agents:{defaultId:'nobody', list:[{id:'a'},{id:'b'}]}}", "a"),
            ("{agents:{list:[{id:'a', default:'yes'},{id:'b'}]}}", "a"),
            ("{agents:{entries:{x:{default:false}, y:{default:true}}}}", "y"),
        ];
        for (text, expected) in cases {
            let config = parse(text).unwrap();
            assert_eq!(config.default_agent_id, expected, "{text}");
            let flagged: Vec<&str> = config.agents.iter().filter(|a| a.default).map(|a| a.id.as_str()).collect();
            assert_eq!(flagged, [expected], "{text}");
        }
    }

    #[test]
    fn workspaces_resolve_by_the_documented_rules() {
        let home = Some(Path::new("/home/op"));
        let cases: [(&str, Option<&Path>, &str, &str); 10] = [
            // (config, home, agent id, expected workspace)
            ("{agents:{list:[{id:'a', workspace:'/srv/a'}]}}", home, "a", "/srv/a"),
            ("{agents:{list:[{id:'a', workspace:'~'}]}}", home, "a", "/home/op"),
            ("{agents:{list:[{id:'a', workspace:'~/w'}]}}", home, "a", "/home/op/w"),
            ("{agents:{list:[{id:'a', workspace:'~/w'}]}}", None, "a", "~/w"),
            ("{agents:{list:[{id:'a', workspace:'rel/w'}]}}", home, "a", "/home/op/.openclaw/rel/w"),
            ("{agents:{list:[{id:'a', workspace:'  '}]}}", home, "a", "/home/op/.openclaw/workspace"),
            ("{agents:{defaults:{workspace:'~/d'}, list:[{id:'a'},{id:'b'}]}}", home, "a", "/home/op/d"),
            (
                "{agents:{defaults:{workspace:'~/d'}, list:[{id:'a'},{id:'b'}]}}",
                home,
                "b",
                "/home/op/.openclaw/workspace-b",
            ),
            ("{agents:{list:[{id:'a'},{id:'b', default:true}]}}", home, "a", "/home/op/.openclaw/workspace-a"),
            ("{agents:{list:[{id:'a'},{id:'b', default:true}]}}", home, "b", "/home/op/.openclaw/workspace"),
        ];
        for (text, home, id, expected) in cases {
            let config = parse_config(text, &state(), home).unwrap();
            assert_eq!(config.agent(id).unwrap().workspace, PathBuf::from(expected), "{text} / {id}");
        }
    }

    #[test]
    fn a_file_without_agents_has_one_implicit_main_agent() {
        for text in ["{}", "{agents:{}}", "{agents:null}", "{agents:{list:[]}}", "{agents:{entries:{}}}"] {
            let config = parse(text).unwrap();
            assert_eq!(ids(&config), ["main"], "{text}");
            assert_eq!(config.default_agent_id, "main");
            assert!(config.agents[0].default);
            assert_eq!(config.agents[0].workspace, state().join("workspace"));
        }
        let config = parse("{agents:{defaults:{workspace:'~/w', model:'m'}}}").unwrap();
        assert_eq!(config.agents[0].workspace, PathBuf::from("/home/op/w"));
        assert_eq!(config.agents[0].model.as_ref().unwrap().primary.as_deref(), Some("m"));
    }

    #[test]
    fn entries_win_over_list_when_both_hold_agents() {
        let config = parse("{agents:{entries:{e:{}}, list:[{id:'l'}]}}").unwrap();
        assert_eq!(ids(&config), ["e"]);
        let config = parse("{agents:{entries:{}, list:[{id:'l'}]}}").unwrap();
        assert_eq!(ids(&config), ["l"]);
    }

    #[test]
    fn models_merge_field_by_field_with_the_defaults() {
        let cases = [
            ("{model:'x'}", "{}", Some((Some("x"), vec![]))),
            ("{model:{primary:'x', fallbacks:['y', 3, 'z', '']}}", "{}", Some((Some("x"), vec!["y", "z"]))),
            ("{}", "{model:{primary:'d', fallbacks:['f']}}", Some((Some("d"), vec!["f"]))),
            ("{model:'x'}", "{model:{primary:'d', fallbacks:['f']}}", Some((Some("x"), vec!["f"]))),
            ("{model:{fallbacks:[]}}", "{model:{primary:'d', fallbacks:['f']}}", Some((Some("d"), vec![]))),
            ("{model:{fallbacks:['g']}}", "{}", Some((None, vec!["g"]))),
            ("{model:42}", "{}", None),
            ("{model:''}", "{}", None),
            ("{}", "{}", None),
        ];
        for (agent, defaults, expected) in cases {
            let text = format!("{{agents:{{defaults:{defaults}, entries:{{a:{agent}}}}}}}");
            let model = parse(&text).unwrap().agents[0].model.clone();
            let expected = expected.map(|(primary, fallbacks)| ModelConfig {
                primary: primary.map(str::to_owned),
                fallbacks: fallbacks.into_iter().map(str::to_owned).collect(),
            });
            assert_eq!(model, expected, "{text}");
        }
    }

    #[test]
    fn heartbeats_merge_field_by_field_with_the_defaults() {
        /// Interval in seconds and the active window of one agent.
        type Pulse<'a> = (Option<u64>, Option<(&'a str, &'a str)>);
        let text = "{agents:{defaults:{heartbeat:{every:'30m', activeHours:{start:'08:00', end:'24:00'}}},
            list:[{id:'a'}, {id:'b', heartbeat:{every:'2h30m'}}, {id:'c', heartbeat:{activeHours:{start:'09:00', end:'17:00'}}},
                  {id:'d', heartbeat:{every:45}}, {id:'e', heartbeat:{activeHours:{start:'09:00'}}}]}}";
        let config = parse(text).unwrap();
        let summary: Vec<Pulse<'_>> = config
            .agents
            .iter()
            .map(|a| {
                let hb = a.heartbeat.as_ref().unwrap();
                (hb.every_secs(), hb.active_hours.as_ref().map(|h| (h.start.as_str(), h.end.as_str())))
            })
            .collect();
        assert_eq!(
            summary,
            [
                (Some(1800), Some(("08:00", "24:00"))),
                (Some(9000), Some(("08:00", "24:00"))),
                (Some(1800), Some(("09:00", "17:00"))),
                (Some(2700), Some(("08:00", "24:00"))),
                (Some(1800), Some(("08:00", "24:00"))),
            ]
        );
    }

    #[test]
    fn json5_syntax_is_accepted() {
        let text = "// comment\n{\n  /* block */ agents: {\n    list: [\n      {id: 'main', name: \"Iris\",},\n    ],\n  },\n  gateway: {port: 0x1F90, ratio: .5, big: 1e400, n: NaN, plus: +1},\n}\n";
        let config = parse(text).unwrap();
        assert_eq!(config.agents[0].name.as_deref(), Some("Iris"));
    }

    #[test]
    fn unknown_keys_and_wrongly_typed_known_keys_are_ignored() {
        let text = "{future:{x:1}, agents:{ownership:'explicit', somethingNew:[1,2], list:[{id:'a', name:7, identity:'Iris', workspace:false, heartbeat:[], tools:{deny:['x']}}]}}";
        let agent = parse(text).unwrap().agents.remove(0);
        assert_eq!(agent.name, None);
        assert_eq!(agent.identity, ConfigIdentity::default());
        assert_eq!(agent.workspace, state().join("workspace"));
        assert_eq!(agent.heartbeat, None);
    }

    #[test]
    fn agent_ids_are_trimmed_and_lower_cased() {
        let config = parse("{agents:{list:[{id:' Main '}, {id:'OPS_2-x'}]}}").unwrap();
        assert_eq!(ids(&config), ["main", "ops_2-x"]);
        assert_eq!(config.agents[1].workspace, state().join("workspace-ops_2-x"));
    }

    #[test]
    fn each_broken_config_names_exactly_what_is_wrong() {
        use ConfigError as E;
        let long = "a".repeat(65);
        let cases: Vec<(String, E)> = vec![
            ("[]".into(), E::NotAnObject { found: "an array" }),
            ("'text'".into(), E::NotAnObject { found: "a string" }),
            ("{agents: []}".into(), E::AgentsNotObject { found: "an array" }),
            ("{agents: 'main'}".into(), E::AgentsNotObject { found: "a string" }),
            ("{agents: {entries: []}}".into(), E::EntriesNotObject { found: "an array" }),
            ("{agents: {list: {}}}".into(), E::ListNotArray { found: "an object" }),
            (
                "{agents: {list: [{id:'a'}, 'b']}}".into(),
                E::AgentNotObject { at: "agents.list[1]".into(), found: "a string" },
            ),
            (
                "{agents: {entries: {ops: null}}}".into(),
                E::AgentNotObject { at: "agents.entries.ops".into(), found: "null" },
            ),
            ("{agents: {list: [{name:'x'}]}}".into(), E::MissingAgentId { at: "agents.list[0]".into() }),
            ("{agents: {list: [{id: 5}]}}".into(), E::MissingAgentId { at: "agents.list[0]".into() }),
            ("{agents: {list: [{id: '  '}]}}".into(), E::MissingAgentId { at: "agents.list[0]".into() }),
            (
                "{agents: {list: [{id: 'a b'}]}}".into(),
                E::InvalidAgentId {
                    at: "agents.list[0]".into(),
                    id: "a b".into(),
                    reason: "use only letters a-z, digits 0-9, `_` and `-` in an agent id",
                },
            ),
            (
                "{agents: {entries: {'../x': {}}}}".into(),
                E::InvalidAgentId {
                    at: "agents.entries.../x".into(),
                    id: "../x".into(),
                    reason: "use only letters a-z, digits 0-9, `_` and `-` in an agent id",
                },
            ),
            (
                "{agents: {entries: {'': {}}}}".into(),
                E::InvalidAgentId {
                    at: "agents.entries.".into(),
                    id: "".into(),
                    reason: "an agent id must not be empty",
                },
            ),
            (
                format!("{{agents: {{list: [{{id: '{long}'}}]}}}}"),
                E::InvalidAgentId {
                    at: "agents.list[0]".into(),
                    id: long.clone(),
                    reason: "an agent id has at most 64 characters",
                },
            ),
            (
                "{agents: {list: [{id: 'été'}]}}".into(),
                E::InvalidAgentId {
                    at: "agents.list[0]".into(),
                    id: "été".into(),
                    reason: "use only letters a-z, digits 0-9, `_` and `-` in an agent id",
                },
            ),
            (
                "{agents: {list: [{id: 'a'}, {id: 'A'}]}}".into(),
                E::DuplicateAgentId { id: "a".into(), first: "agents.list[0]".into(), second: "agents.list[1]".into() },
            ),
        ];
        for (text, expected) in cases {
            assert_eq!(parse(&text), Err(expected), "{text}");
        }
        let max = "a".repeat(64);
        assert!(parse(&format!("{{agents: {{list: [{{id: '{max}'}}]}}}}")).is_ok());
    }

    #[test]
    fn invalid_json5_reports_line_and_column() {
        let cases = [
            ("{\n  agents: {\n    list: [,]\n  }\n}", Some(3), Some(12)),
            ("{ agents: { list: [] }", Some(1), Some(23)),
            ("{\r\n  a: [1,\r\n", Some(3), Some(1)),
            ("{\r\n  a: 'abc\r\n", Some(2), Some(10)),
            ("{a: /* x", Some(1), Some(9)),
            ("", Some(1), Some(1)),
            ("  // nothing\n", Some(2), Some(1)),
            ("{} extra", Some(1), Some(4)),
            ("{a: tru}", Some(1), Some(8)),
        ];
        for (text, line, column) in cases {
            match parse(text) {
                Err(ConfigError::InvalidJson5 { message, line: l, column: c }) => {
                    assert_eq!((l, c), (line, column), "{text:?}: {message}");
                    assert!(!message.contains(" at line"), "{message}");
                }
                other => panic!("{text:?}: expected invalid JSON5, got {other:?}"),
            }
        }
        let message = parse("{\n  agents: {\n    list: [,]\n  }\n}").unwrap_err().to_string();
        assert!(message.starts_with("openclaw.json is not valid JSON5 at line 3, column 12: "), "{message}");
        let message = parse("{ agents: { list: [] }").unwrap_err().to_string();
        assert!(message.contains("look for an unclosed bracket"), "{message}");
        let message = parse(" ").unwrap_err().to_string();
        assert!(message.contains("the file holds no value"), "{message}");
    }

    #[test]
    fn deeply_nested_input_is_rejected_without_overflowing_the_stack() {
        let deep = format!("{{a:{}1{}}}", "[".repeat(100_000), "]".repeat(100_000));
        let error = parse(&deep).unwrap_err();
        assert!(error.to_string().contains("nest deeper than 64 levels"), "{error}");
        let fine = format!("{{a:{}1{}}}", "[".repeat(60), "]".repeat(60));
        assert!(parse(&fine).is_ok());
    }

    #[test]
    fn durations_parse_into_seconds() {
        let cases = [
            ("30m", Some(1800)),
            ("1h", Some(3600)),
            ("90s", Some(90)),
            ("2h30m", Some(9000)),
            ("1h 15m", Some(4500)),
            ("1d", Some(86_400)),
            ("1H", Some(3600)),
            (" 45 ", Some(2700)),
            ("0m", Some(0)),
            ("1h30m15s", Some(5415)),
            ("", None),
            ("m", None),
            ("30", Some(1800)),
            ("1.5h", None),
            ("-5m", None),
            ("5 m", None),
            ("5w", None),
            ("5ms", None),
            ("h1", None),
            ("99999999999999999999s", None),
            ("213503982334602d", None),
            ("１h", None),
        ];
        for (text, expected) in cases {
            assert_eq!(parse_duration_secs(text), expected, "{text:?}");
        }
    }

    #[test]
    fn duplicate_keys_keep_the_last_value_in_the_first_position() {
        let config = parse("{agents:{entries:{a:{name:'one'}, b:{}, a:{name:'two'}}}}").unwrap();
        assert_eq!(ids(&config), ["a", "b"]);
        assert_eq!(config.agents[0].name.as_deref(), Some("two"));
    }

    proptest! {
        #[test]
        fn parse_config_never_panics_on_arbitrary_text(text in any::<String>()) {
            let _ = parse(&text);
        }

        #[test]
        fn parse_config_never_panics_on_json5_shaped_text(
            tokens in proptest::collection::vec(
                prop_oneof![
                    Just("{"), Just("}"), Just("["), Just("]"), Just(","), Just(":"),
                    Just("agents"), Just("entries"), Just("list"), Just("defaults"), Just("id"),
                    Just("'main'"), Just("\"ops\""), Just("default"), Just("true"), Just("null"),
                    Just("workspace"), Just("'~/w'"), Just("model"), Just("heartbeat"), Just("every"),
                    Just("'30m'"), Just("1"), Just("// c\n"), Just("/*"), Just("*/"), Just("defaultId"),
                ],
                0..40,
            )
        ) {
            let text = tokens.concat();
            if let Ok(config) = parse(&text) {
                prop_assert!(!config.agents.is_empty());
                prop_assert_eq!(config.agents.iter().filter(|a| a.default).count(), 1);
                prop_assert!(config.agent(&config.default_agent_id).is_some());
            }
        }

        #[test]
        fn parse_duration_secs_never_panics(text in any::<String>()) {
            let _ = parse_duration_secs(&text);
        }

        #[test]
        fn composite_durations_add_up(h in 0u64..1000, m in 0u64..1000, s in 0u64..1000) {
            prop_assert_eq!(parse_duration_secs(&format!("{h}h{m}m{s}s")), Some(h * 3600 + m * 60 + s));
        }
    }
}
