//! The parsed state of the workspace, built by scanning the files, and the difference between two
//! states (what the `workspaceChanged` subscription reports).
//!
//! Scanning is blocking and bounded: every file is read through [`super::files`] with the size
//! limit, folder walks skip symbolic links and dot files and stop after [`MAX_DOCS`] entries.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use chrono::{DateTime, NaiveDate, Utc};

use super::config::{parse_config, AgentConfig, OpenClawConfig};
use super::docs::{doc_meta, Heading};
use super::files::{self, content_hash, modified_at, read_text, FileError, AGENT_FILES};
use super::identity::{parse_identity, Identity};
use super::incident::{parse_incident, Incident};
use super::paths::{is_daily_note_name, resolve_under, MAX_COMPONENTS};
use crate::events::{WorkspaceChange, WorkspaceChangeKind};

/// The config file's name inside the OpenClaw home.
pub const CONFIG_FILE: &str = "openclaw.json";

/// The most documents and folders the docs scan takes in; the rest is skipped with a warning.
pub const MAX_DOCS: usize = 5_000;

/// The most incident reports read.
pub const MAX_INCIDENTS: usize = 5_000;

/// Metadata of one allow-listed workspace file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileInfo {
    /// The file name, one of [`AGENT_FILES`].
    pub name: String,
    /// Size in bytes.
    pub size: u64,
    /// Last modification time.
    pub modified_at: DateTime<Utc>,
    /// SHA-256 of the content; `None` when the file is larger than the read limit.
    pub hash: Option<String>,
}

/// One daily note, `memory/YYYY-MM-DD.md`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoteInfo {
    /// The note's date (from its name).
    pub date: NaiveDate,
    /// Size in bytes.
    pub size: u64,
    /// Last modification time.
    pub modified_at: DateTime<Utc>,
}

impl NoteInfo {
    /// The note's path relative to the workspace.
    pub fn path(&self) -> String {
        note_path(self.date)
    }
}

/// `memory/<date>.md`.
pub fn note_path(date: NaiveDate) -> String {
    format!("memory/{}.md", date.format("%Y-%m-%d"))
}

/// One agent: its config plus what its workspace says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgentSnapshot {
    /// The agent as configured in `openclaw.json` (defaults merged).
    pub config: AgentConfig,
    /// Its `IDENTITY.md`, parsed (empty when missing or unreadable).
    pub identity: Identity,
    /// Its `GOAL.md`, when present and readable.
    pub goal: Option<String>,
    /// The allow-listed files that exist, in [`AGENT_FILES`] order.
    pub files: Vec<FileInfo>,
    /// Daily notes, newest first.
    pub notes: Vec<NoteInfo>,
}

impl AgentSnapshot {
    /// The agent's id.
    pub fn id(&self) -> &str {
        &self.config.id
    }

    /// The metadata of one allow-listed file, if it exists.
    pub fn file(&self, name: &str) -> Option<&FileInfo> {
        self.files.iter().find(|f| f.name == name)
    }
}

/// The team: every configured agent, or why the config cannot be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Team {
    /// The parsed `openclaw.json`.
    pub config: OpenClawConfig,
    /// One snapshot per agent, in config order.
    pub agents: Vec<Arc<AgentSnapshot>>,
}

impl Team {
    /// The agent with this id.
    pub fn agent(&self, id: &str) -> Option<&Arc<AgentSnapshot>> {
        // OpenClaw compares agent ids in lower case.
        self.agents.iter().find(|a| a.id().eq_ignore_ascii_case(id))
    }
}

/// `openclaw.json` is missing or invalid: the reason, safe to show (no absolute paths).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigProblem(pub String);

/// The team, or why there is none.
pub type TeamState = Result<Team, ConfigProblem>;

/// One Markdown document under the docs root.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocEntry {
    /// Path relative to the docs root, `/`-separated.
    pub path: String,
    /// File name.
    pub name: String,
    /// Front matter `title:`, else the first `#` heading, else the file stem.
    pub title: String,
    /// Headings in document order.
    pub outline: Vec<Heading>,
    /// Size in bytes.
    pub size: u64,
    /// Last modification time.
    pub modified_at: DateTime<Utc>,
    /// Why the content could not be read (too large, not UTF-8); the title is then the stem.
    pub problem: Option<String>,
}

/// A folder of the docs tree.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DocFolder {
    /// Path relative to the docs root (`""` for the root).
    pub path: String,
    /// Folder name (`""` for the root).
    pub name: String,
    /// Sub-folders, by name.
    pub folders: Vec<DocFolder>,
    /// Documents, by name.
    pub files: Vec<DocEntry>,
}

impl DocFolder {
    /// Every document in the tree, depth first.
    pub fn documents(&self) -> Vec<&DocEntry> {
        let mut out: Vec<&DocEntry> = self.files.iter().collect();
        for folder in &self.folders {
            out.extend(folder.documents());
        }
        out
    }

    /// The document at `path`.
    pub fn document(&self, path: &str) -> Option<&DocEntry> {
        self.documents().into_iter().find(|d| d.path == path)
    }

    fn folder_paths(&self, out: &mut Vec<String>) {
        for folder in &self.folders {
            out.push(folder.path.clone());
            folder.folder_paths(out);
        }
    }
}

/// One incident report file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IncidentEntry {
    /// The file stem: the incident's id.
    pub id: String,
    /// The file name.
    pub file_name: String,
    /// The report's title, or for a report that does not parse its first heading (else its id).
    pub title: String,
    /// Size in bytes.
    pub size: u64,
    /// Last modification time.
    pub modified_at: DateTime<Utc>,
    /// The parsed report, or why it does not parse.
    pub report: Result<Incident, String>,
}

/// Every incident report, in file-name order.
pub type IncidentList = Vec<Arc<IncidentEntry>>;

/// Reads `openclaw.json` and every agent's workspace.
pub fn load_team(home: &Path, user_home: Option<&Path>, limit: u64) -> TeamState {
    let text = match files::read_text_at(&home.join(CONFIG_FILE), CONFIG_FILE, limit) {
        Ok(file) => file.content,
        Err(FileError::NotFound { .. }) => {
            return Err(ConfigProblem(format!(
                "{CONFIG_FILE} was not found in the OpenClaw home (NEXUS_OPENCLAW_HOME)"
            )))
        }
        Err(FileError::Io { source, .. }) => {
            tracing::warn!(error = %source, home = %home.display(), "cannot read {CONFIG_FILE}");
            return Err(ConfigProblem(format!("{CONFIG_FILE} cannot be read (see the server log)")));
        }
        Err(e) => return Err(ConfigProblem(e.to_string())),
    };
    let config = parse_config(&text, home, user_home).map_err(|e| ConfigProblem(e.to_string()))?;
    let agents = config.agents.iter().map(|agent| Arc::new(scan_agent(agent.clone(), limit))).collect();
    Ok(Team { config, agents })
}

/// Reads one agent's workspace: identity, goal, allow-listed files and daily notes.
pub fn scan_agent(config: AgentConfig, limit: u64) -> AgentSnapshot {
    let root = config.workspace.clone();
    let identity = match read_text(&root, "IDENTITY.md", limit) {
        Ok(file) => parse_identity(&file.content),
        Err(e) => {
            log_unreadable(&config.id, "IDENTITY.md", &e);
            Identity::default()
        }
    };
    let goal = match read_text(&root, "GOAL.md", limit) {
        Ok(file) => Some(file.content),
        Err(e) => {
            log_unreadable(&config.id, "GOAL.md", &e);
            None
        }
    };
    let files = AGENT_FILES.iter().filter_map(|name| file_info(&root, name, limit)).collect();
    let notes = daily_notes(&root);
    AgentSnapshot { config, identity, goal, files, notes }
}

fn log_unreadable(agent: &str, name: &str, error: &FileError) {
    if !matches!(error, FileError::NotFound { .. }) {
        tracing::warn!(agent, file = name, error = %error, "workspace file skipped");
    }
}

fn file_info(root: &Path, name: &str, limit: u64) -> Option<FileInfo> {
    let path = match files::resolve(root, name) {
        Ok(path) => path,
        Err(FileError::NotFound { .. }) => return None,
        Err(e) => {
            tracing::warn!(file = name, error = %e, "workspace file not listed");
            return None;
        }
    };
    let meta = fs::metadata(&path).ok().filter(fs::Metadata::is_file)?;
    let hash = files::read_bytes_at(&path, name, limit).ok().map(|(bytes, _)| content_hash(&bytes));
    Some(FileInfo { name: name.to_owned(), size: meta.len(), modified_at: modified_at(&meta), hash })
}

fn daily_notes(root: &Path) -> Vec<NoteInfo> {
    let Ok(dir) = resolve_under(root, "memory") else {
        return Vec::new();
    };
    let Ok(entries) = fs::read_dir(&dir) else {
        return Vec::new();
    };
    let mut notes: Vec<NoteInfo> = entries
        .filter_map(Result::ok)
        .filter_map(|entry| {
            let date = is_daily_note_name(entry.file_name().to_str()?)?;
            // Symbolic links are not listed: a note must be a file inside the workspace.
            let meta = entry.metadata().ok().filter(fs::Metadata::is_file)?;
            Some(NoteInfo { date, size: meta.len(), modified_at: modified_at(&meta) })
        })
        .collect();
    notes.sort_by_key(|n| std::cmp::Reverse(n.date));
    notes
}

/// Walks the docs root into a tree of Markdown documents.
pub fn scan_docs(root: &Path, limit: u64) -> DocFolder {
    let mut budget = MAX_DOCS;
    let mut tree = DocFolder::default();
    match root.canonicalize() {
        Ok(canonical) => walk_docs(&canonical, "", 0, limit, &mut budget, &mut tree),
        Err(e) => tracing::warn!(root = %root.display(), error = %e, "docs folder not readable; listing no documents"),
    }
    if budget == 0 {
        tracing::warn!(max = MAX_DOCS, "docs folder has too many entries; the rest is not listed");
    }
    tree
}

fn walk_docs(dir: &Path, rel: &str, depth: usize, limit: u64, budget: &mut usize, folder: &mut DocFolder) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<(String, fs::DirEntry)> = entries
        .filter_map(Result::ok)
        .filter_map(|e| Some((e.file_name().to_str()?.to_owned(), e)))
        .filter(|(name, _)| !name.starts_with('.'))
        .collect();
    entries.sort_by(|a, b| a.0.cmp(&b.0));
    for (name, entry) in entries {
        if *budget == 0 {
            return;
        }
        // `file_type` does not follow symbolic links: links are skipped, so the walk stays inside.
        let Ok(kind) = entry.file_type() else { continue };
        let path = if rel.is_empty() { name.clone() } else { format!("{rel}/{name}") };
        if kind.is_dir() && depth + 1 < MAX_COMPONENTS {
            *budget -= 1;
            let mut child = DocFolder { path: path.clone(), name: name.clone(), ..DocFolder::default() };
            walk_docs(&entry.path(), &path, depth + 1, limit, budget, &mut child);
            folder.folders.push(child);
        } else if kind.is_file() && is_markdown(&name) {
            *budget -= 1;
            folder.files.push(doc_entry(&entry.path(), path, name, limit));
        }
    }
}

/// Whether a file name is a Markdown document (`.md` or `.markdown`).
pub fn is_markdown(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    lower.ends_with(".md") || lower.ends_with(".markdown")
}

fn stem(name: &str) -> &str {
    name.rsplit_once('.').map_or(name, |(stem, _)| stem)
}

fn doc_entry(file: &Path, path: String, name: String, limit: u64) -> DocEntry {
    let stem = stem(&name).to_owned();
    match files::read_text_at(file, &path, limit) {
        Ok(text) => {
            let meta = doc_meta(&text.content, &stem);
            DocEntry {
                path,
                name,
                title: meta.title,
                outline: meta.outline,
                size: text.size,
                modified_at: text.modified_at,
                problem: None,
            }
        }
        Err(e) => {
            let meta = fs::metadata(file).ok();
            DocEntry {
                path,
                name,
                title: stem,
                outline: Vec::new(),
                size: meta.as_ref().map_or(0, fs::Metadata::len),
                modified_at: meta.as_ref().map(modified_at).unwrap_or_default(),
                problem: Some(e.to_string()),
            }
        }
    }
}

/// Reads every `*.md` report directly in the incidents folder.
pub fn scan_incidents(root: &Path, limit: u64) -> IncidentList {
    let entries = match fs::read_dir(root) {
        Ok(entries) => entries,
        Err(e) => {
            tracing::warn!(root = %root.display(), error = %e, "incidents folder not readable; listing no incidents");
            return Vec::new();
        }
    };
    let mut names: Vec<String> = entries
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
        .filter_map(|e| e.file_name().to_str().map(str::to_owned))
        .filter(|name| !name.starts_with('.') && name.ends_with(".md") && name.len() > 3)
        .collect();
    names.sort();
    if names.len() > MAX_INCIDENTS {
        tracing::warn!(max = MAX_INCIDENTS, "incidents folder has too many reports; the rest is not listed");
        names.truncate(MAX_INCIDENTS);
    }
    names.into_iter().filter_map(|name| read_incident(root, name, limit)).map(Arc::new).collect()
}

fn read_incident(root: &Path, file_name: String, limit: u64) -> Option<IncidentEntry> {
    let id = file_name.strip_suffix(".md")?.to_owned();
    let path = root.join(&file_name);
    let meta = fs::metadata(&path).ok()?;
    let (title, report) = match files::read_text_at(&path, &file_name, limit) {
        Ok(text) => match parse_incident(&text.content) {
            Ok(incident) => (incident.title.clone(), Ok(incident)),
            Err(e) => (doc_meta(&text.content, &id).title, Err(e.to_string())),
        },
        Err(e) => (id.clone(), Err(e.to_string())),
    };
    Some(IncidentEntry { id, file_name, title, size: meta.len(), modified_at: modified_at(&meta), report })
}

/// Which parts of the state a refresh must rebuild.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Dirty {
    /// `openclaw.json` (and with it every agent).
    pub config: bool,
    /// Agents whose workspace changed.
    pub agents: Vec<String>,
    /// The docs tree.
    pub docs: bool,
    /// The incident list.
    pub incidents: bool,
    /// A folder Nexus waits for may have appeared: point the watcher at the folders again.
    pub rewatch: bool,
}

impl Dirty {
    /// Everything.
    pub fn all() -> Self {
        Self { config: true, agents: Vec::new(), docs: true, incidents: true, rewatch: true }
    }

    /// Whether nothing is marked.
    pub fn is_empty(&self) -> bool {
        !self.config && self.agents.is_empty() && !self.docs && !self.incidents && !self.rewatch
    }

    /// Marks everything `other` marks, too.
    pub fn merge(&mut self, other: Dirty) {
        self.config |= other.config;
        self.docs |= other.docs;
        self.incidents |= other.incidents;
        self.rewatch |= other.rewatch;
        for id in &other.agents {
            self.agent(id);
        }
    }

    /// Marks one agent.
    pub fn agent(&mut self, id: &str) {
        if !self.agents.iter().any(|a| a == id) {
            self.agents.push(id.to_owned());
        }
    }
}

fn change(kind: WorkspaceChangeKind, agent_id: Option<&str>, path: impl Into<String>) -> WorkspaceChange {
    WorkspaceChange { kind, agent_id: agent_id.map(str::to_owned), path: path.into() }
}

/// What changed between two team states.
pub fn diff_team(before: &TeamState, after: &TeamState) -> Vec<WorkspaceChange> {
    let (Ok(old), Ok(new)) = (before, after) else {
        return if before == after { Vec::new() } else { vec![change(WorkspaceChangeKind::Config, None, CONFIG_FILE)] };
    };
    let mut out = Vec::new();
    if old.config != new.config {
        out.push(change(WorkspaceChangeKind::Config, None, CONFIG_FILE));
    }
    for agent in &new.agents {
        let Some(previous) = old.agent(agent.id()) else { continue };
        if previous == agent {
            continue;
        }
        let id = Some(agent.id());
        for name in AGENT_FILES {
            if previous.file(name) != agent.file(name) {
                let kind =
                    if name == "MEMORY.md" { WorkspaceChangeKind::Memory } else { WorkspaceChangeKind::AgentFile };
                out.push(change(kind, id, name));
            }
        }
        let old_notes: BTreeMap<NaiveDate, &NoteInfo> = previous.notes.iter().map(|n| (n.date, n)).collect();
        let new_notes: BTreeMap<NaiveDate, &NoteInfo> = agent.notes.iter().map(|n| (n.date, n)).collect();
        for date in old_notes.keys().chain(new_notes.keys()).collect::<std::collections::BTreeSet<_>>() {
            if old_notes.get(date) != new_notes.get(date) {
                out.push(change(WorkspaceChangeKind::Memory, id, note_path(*date)));
            }
        }
    }
    out
}

/// What changed between two docs trees: documents added, removed or modified, and folders added
/// or removed.
pub fn diff_docs(before: &DocFolder, after: &DocFolder) -> Vec<WorkspaceChange> {
    let old: BTreeMap<&str, &DocEntry> = before.documents().into_iter().map(|d| (d.path.as_str(), d)).collect();
    let new: BTreeMap<&str, &DocEntry> = after.documents().into_iter().map(|d| (d.path.as_str(), d)).collect();
    let mut paths: std::collections::BTreeSet<String> =
        old.keys().chain(new.keys()).filter(|p| old.get(*p) != new.get(*p)).map(|p| (*p).to_owned()).collect();
    let (mut old_folders, mut new_folders) = (Vec::new(), Vec::new());
    before.folder_paths(&mut old_folders);
    after.folder_paths(&mut new_folders);
    for folder in old_folders.iter().filter(|f| !new_folders.contains(f)) {
        paths.insert(folder.clone());
    }
    for folder in new_folders.iter().filter(|f| !old_folders.contains(f)) {
        paths.insert(folder.clone());
    }
    paths.into_iter().map(|p| change(WorkspaceChangeKind::Doc, None, p)).collect()
}

/// What changed between two incident lists.
pub fn diff_incidents(before: &IncidentList, after: &IncidentList) -> Vec<WorkspaceChange> {
    let old: BTreeMap<&str, &IncidentEntry> = before.iter().map(|i| (i.file_name.as_str(), i.as_ref())).collect();
    let new: BTreeMap<&str, &IncidentEntry> = after.iter().map(|i| (i.file_name.as_str(), i.as_ref())).collect();
    let names: std::collections::BTreeSet<&str> = old.keys().chain(new.keys()).copied().collect();
    names
        .into_iter()
        .filter(|name| old.get(name) != new.get(name))
        .map(|name| change(WorkspaceChangeKind::Incident, None, name))
        .collect()
}

/// The OpenClaw home's agent workspaces, for telling which agent a changed path belongs to.
pub fn workspaces(team: &TeamState) -> Vec<(String, PathBuf)> {
    match team {
        Ok(team) => team.agents.iter().map(|a| (a.id().to_owned(), a.config.workspace.clone())).collect(),
        Err(_) => Vec::new(),
    }
}
