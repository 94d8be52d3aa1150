//! Agent memory: each agent's curated MEMORY.md and its daily notes (`memory/YYYY-MM-DD.md`),
//! listed newest first, read one at a time, and searched across agents (the old MemoryService).

use std::io::{BufReader, Read};
use std::path::PathBuf;
use std::sync::Arc;

use chrono::{DateTime, NaiveDate, Utc};

use super::{search_query, Page};
use crate::workspace::files::{self, FileError};
use crate::workspace::paths::{is_daily_note_name, resolve_under};
use crate::workspace::search::search_reader;
use crate::workspace::snapshot::{note_path, AgentSnapshot, Team};
use crate::workspace::{TaskFailed, Workspace};

/// The curated long-term memory file.
pub const LONG_TERM_FILE: &str = "MEMORY.md";

/// Errors of the memory service.
#[derive(Debug, thiserror::Error)]
pub enum MemoryError {
    /// `openclaw.json` is missing or invalid.
    #[error("The OpenClaw workspace is unavailable: {0}")]
    Unavailable(String),
    /// No agent has this id.
    #[error("No agent has the id {0:?}.")]
    AgentNotFound(String),
    /// The date is not a calendar date in `YYYY-MM-DD` form.
    #[error("{0:?} is not a date in YYYY-MM-DD form, e.g. 2026-12-02.")]
    InvalidDate(String),
    /// The search query is unusable.
    #[error("{0}")]
    InvalidQuery(String),
    /// Reading a memory file failed (missing, too large, not UTF-8, unsafe, I/O).
    #[error(transparent)]
    File(#[from] FileError),
    /// A blocking task failed.
    #[error(transparent)]
    Task(#[from] TaskFailed),
}

/// One daily note.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DailyNote {
    /// The agent whose note it is.
    pub agent_id: String,
    /// The note's date.
    pub date: NaiveDate,
    /// Path relative to the workspace, `memory/YYYY-MM-DD.md`.
    pub path: String,
    /// Size in bytes.
    pub size: u64,
    /// Last modification time.
    pub modified_at: DateTime<Utc>,
}

/// A memory file with its content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemoryFile {
    /// Path relative to the workspace.
    pub path: String,
    /// The content.
    pub content: String,
    /// SHA-256 of the content (hex).
    pub hash: String,
    /// Size in bytes.
    pub size: u64,
    /// Last modification time.
    pub modified_at: DateTime<Utc>,
}

/// One line of a memory file that matches a search.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemoryHit {
    /// The agent whose memory it is.
    pub agent_id: String,
    /// Path relative to the workspace (`MEMORY.md` or `memory/YYYY-MM-DD.md`).
    pub file: String,
    /// 1-based line number.
    pub line: usize,
    /// The line, cut to at most 200 characters around the match.
    pub snippet: String,
}

/// Reads agent memory.
#[derive(Clone)]
pub struct MemoryService {
    workspace: Workspace,
}

impl MemoryService {
    /// Creates the service.
    pub fn new(workspace: Workspace) -> Self {
        Self { workspace }
    }

    fn with_team<T>(&self, f: impl FnOnce(&Team) -> Result<T, MemoryError>) -> Result<T, MemoryError> {
        match &*self.workspace.team() {
            Ok(team) => f(team),
            Err(problem) => Err(MemoryError::Unavailable(problem.0.clone())),
        }
    }

    fn agent(&self, id: &str) -> Result<Arc<AgentSnapshot>, MemoryError> {
        self.with_team(|team| team.agent(id).cloned().ok_or_else(|| MemoryError::AgentNotFound(id.to_owned())))
    }

    /// One page of an agent's daily notes, newest first; `after` is the date of the last note of
    /// the previous page (notes older than it follow).
    ///
    /// # Errors
    /// Unavailable config or an unknown agent.
    #[tracing::instrument(skip(self))]
    pub fn daily_notes(
        &self,
        agent_id: &str,
        first: usize,
        after: Option<NaiveDate>,
    ) -> Result<Page<DailyNote>, MemoryError> {
        let agent = self.agent(agent_id)?;
        let total = agent.notes.len();
        let newer_or_equal = after.map_or(0, |after| agent.notes.iter().take_while(|n| n.date >= after).count());
        let items: Vec<DailyNote> = agent
            .notes
            .iter()
            .skip(newer_or_equal)
            .take(first)
            .map(|n| DailyNote {
                agent_id: agent_id.to_owned(),
                date: n.date,
                path: n.path(),
                size: n.size,
                modified_at: n.modified_at,
            })
            .collect();
        let has_next = newer_or_equal + items.len() < total;
        Ok(Page { items, has_next, total })
    }

    /// The agent's MEMORY.md, if it has one.
    ///
    /// # Errors
    /// Unavailable config, an unknown agent, or a MEMORY.md that cannot be read.
    #[tracing::instrument(skip(self))]
    pub async fn long_term(&self, agent_id: &str) -> Result<Option<MemoryFile>, MemoryError> {
        let agent = self.agent(agent_id)?;
        match self.read(agent.config.workspace.clone(), LONG_TERM_FILE.to_owned()).await {
            Ok(file) => Ok(Some(file)),
            Err(MemoryError::File(FileError::NotFound { .. })) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// The daily note of `date` (`YYYY-MM-DD`).
    ///
    /// # Errors
    /// A malformed date, unavailable config, an unknown agent, or a note that does not exist or
    /// cannot be read.
    #[tracing::instrument(skip(self))]
    pub async fn note(&self, agent_id: &str, date: &str) -> Result<MemoryFile, MemoryError> {
        let date =
            is_daily_note_name(&format!("{date}.md")).ok_or_else(|| MemoryError::InvalidDate(date.to_owned()))?;
        let agent = self.agent(agent_id)?;
        self.read(agent.config.workspace.clone(), note_path(date)).await
    }

    async fn read(&self, root: PathBuf, path: String) -> Result<MemoryFile, MemoryError> {
        let text = self
            .workspace
            .blocking(move |s| files::read_text(&root, &path, s.max_file_bytes).map(|t| (path, t)))
            .await??;
        let (path, t) = text;
        Ok(MemoryFile { path, content: t.content, hash: t.hash, size: t.size, modified_at: t.modified_at })
    }

    /// Finds up to `first` lines containing `query` (case-insensitive) in the memory of one agent
    /// or of all agents: for each agent MEMORY.md, then the daily notes newest first. Files are
    /// read line by line and at most the size limit of each, so memory use stays bounded.
    ///
    /// # Errors
    /// An empty or oversize query, unavailable config, or an unknown agent.
    #[tracing::instrument(skip(self))]
    pub async fn search(
        &self,
        query: &str,
        agent_id: Option<&str>,
        first: usize,
    ) -> Result<Vec<MemoryHit>, MemoryError> {
        let query = search_query(query).map_err(MemoryError::InvalidQuery)?;
        let agents: Vec<Arc<AgentSnapshot>> = match agent_id {
            Some(id) => vec![self.agent(id)?],
            None => self.with_team(|team| Ok(team.agents.clone()))?,
        };
        let hits = self
            .workspace
            .blocking(move |s| {
                let mut hits = Vec::new();
                for agent in &agents {
                    let files = std::iter::once(LONG_TERM_FILE.to_owned()).chain(agent.notes.iter().map(|n| n.path()));
                    for file in files {
                        if hits.len() >= first {
                            return hits;
                        }
                        let found =
                            search_file(&agent.config.workspace, &file, &query, first - hits.len(), s.max_file_bytes);
                        hits.extend(found.into_iter().map(|(line, snippet)| MemoryHit {
                            agent_id: agent.id().to_owned(),
                            file: file.clone(),
                            line,
                            snippet,
                        }));
                    }
                }
                hits
            })
            .await?;
        Ok(hits)
    }
}

/// Searches one file under `root`, reading at most `limit` bytes; unreadable files have no hits.
pub(crate) fn search_file(
    root: &std::path::Path,
    file: &str,
    query: &str,
    max_hits: usize,
    limit: u64,
) -> Vec<(usize, String)> {
    let Ok(path) = resolve_under(root, file) else {
        return Vec::new();
    };
    // A FIFO in a file's place must not block this thread: not a regular file, no hits.
    let Ok((handle, _)) = crate::workspace::files::open_regular(&path) else {
        return Vec::new();
    };
    match search_reader(BufReader::new(handle.take(limit)), query, max_hits) {
        Ok(hits) => hits.into_iter().map(|h| (h.line, h.snippet)).collect(),
        Err(e) => {
            tracing::warn!(file, error = %e, "search skipped an unreadable file");
            Vec::new()
        }
    }
}
