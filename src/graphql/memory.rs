//! Agent memory: daily notes, MEMORY.md, and search across agents.

use async_graphql::{Context, Object, SimpleObject, ID};
use chrono::{DateTime, NaiveDate, Utc};

use super::connection::{decode_cursor, encode_cursor, forward_page_info, int, page_size, PageInfo};
use super::errors::{file_error, ApiError, ApiResult, ErrorCode};
use super::guards::RoleGuard;
use crate::app::Services;
use crate::services::auth::Role;
use crate::services::memory::{self as memory, MemoryError};

impl From<MemoryError> for ApiError {
    fn from(e: MemoryError) -> Self {
        match e {
            MemoryError::Unavailable(_) => ApiError::new(ErrorCode::Unavailable, e.to_string()),
            MemoryError::AgentNotFound(_) => ApiError::new(ErrorCode::NotFound, e.to_string()),
            MemoryError::InvalidDate(_) => ApiError::bad_input("date", e.to_string()),
            MemoryError::InvalidQuery(_) => ApiError::bad_input("query", e.to_string()),
            MemoryError::File(e) => file_error(e, "date"),
            MemoryError::Task(_) => ApiError::internal(&e),
        }
    }
}

const CURSOR: &str = "note";

/// One daily note, without content (read it with `Agent.memoryNote`).
#[derive(SimpleObject)]
pub struct DailyNote {
    /// The note's day.
    date: NaiveDate,
    /// Path inside the workspace, `memory/YYYY-MM-DD.md`.
    path: String,
    /// Size in bytes.
    size: i32,
    /// Last modification time.
    modified_at: DateTime<Utc>,
}

/// A daily note in a page.
#[derive(SimpleObject)]
pub struct DailyNoteEdge {
    /// Pass as `after` to continue after this note.
    cursor: String,
    /// The note.
    node: DailyNote,
}

/// A memory file with its content.
#[derive(SimpleObject)]
pub struct MemoryFile {
    /// Path inside the workspace (`MEMORY.md` or `memory/YYYY-MM-DD.md`).
    path: String,
    /// The Markdown content.
    content: String,
    /// SHA-256 of the content (hex).
    hash: String,
    /// Size in bytes.
    size: i32,
    /// Last modification time.
    modified_at: DateTime<Utc>,
}

impl From<memory::MemoryFile> for MemoryFile {
    fn from(f: memory::MemoryFile) -> Self {
        Self { path: f.path, content: f.content, hash: f.hash, size: int(f.size), modified_at: f.modified_at }
    }
}

/// An agent's memory: a page of daily notes, newest first, and the long-term MEMORY.md.
pub struct MemoryConnection {
    agent_id: String,
    edges: Vec<(String, memory::DailyNote)>,
    has_next: bool,
    total: usize,
}

impl MemoryConnection {
    /// Loads one page of an agent's notes.
    pub(super) fn load(
        services: &Services,
        agent_id: &str,
        first: usize,
        after: Option<&str>,
    ) -> Result<Self, ApiError> {
        let after = match after {
            None => None,
            Some(cursor) => Some(
                decode_cursor(CURSOR, cursor)?
                    .parse::<NaiveDate>()
                    .map_err(|_| ApiError::bad_input("after", "`after` is not a cursor from this list."))?,
            ),
        };
        let page = services.memory.daily_notes(agent_id, first, after)?;
        let edges = page
            .items
            .into_iter()
            .map(|n| (encode_cursor(CURSOR, &n.date.format("%Y-%m-%d").to_string()), n))
            .collect();
        Ok(Self { agent_id: agent_id.to_owned(), edges, has_next: page.has_next, total: page.total })
    }
}

fn note(n: &memory::DailyNote) -> DailyNote {
    DailyNote { date: n.date, path: n.path.clone(), size: int(n.size), modified_at: n.modified_at }
}

/// An agent's memory: a page of daily notes, newest first, and the long-term MEMORY.md.
#[Object]
impl MemoryConnection {
    /// The notes of this page with their cursors.
    async fn edges(&self) -> Vec<DailyNoteEdge> {
        self.edges.iter().map(|(cursor, n)| DailyNoteEdge { cursor: cursor.clone(), node: note(n) }).collect()
    }

    /// The notes of this page.
    async fn nodes(&self) -> Vec<DailyNote> {
        self.edges.iter().map(|(_, n)| note(n)).collect()
    }

    /// Whether more notes follow, and the cursor to continue from.
    async fn page_info(&self) -> PageInfo {
        forward_page_info(
            self.has_next,
            self.edges.first().map(|(c, _)| c.clone()),
            self.edges.last().map(|(c, _)| c.clone()),
        )
    }

    /// How many daily notes the agent has.
    async fn total_count(&self) -> i32 {
        i32::try_from(self.total).unwrap_or(i32::MAX)
    }

    /// The curated long-term memory, MEMORY.md; null when the agent has none.
    async fn long_term(&self, ctx: &Context<'_>) -> ApiResult<Option<MemoryFile>> {
        let file = ctx.data_unchecked::<Services>().memory.long_term(&self.agent_id).await.map_err(|e| match e {
            // No argument chose this file: the error names the field that read it.
            MemoryError::File(e) => file_error(e, "longTerm"),
            e => ApiError::from(e),
        })?;
        Ok(file.map(MemoryFile::from))
    }
}

/// A memory line that matches a search.
#[derive(SimpleObject)]
pub struct MemoryHit {
    /// The agent whose memory it is.
    agent_id: ID,
    /// Path inside the agent's workspace (`MEMORY.md` or `memory/YYYY-MM-DD.md`).
    file: String,
    /// 1-based line number.
    line: i32,
    /// The line, cut to at most 200 characters around the match.
    snippet: String,
}

/// Memory queries.
#[derive(Default)]
pub struct MemoryQuery;

/// Memory queries.
#[Object]
impl MemoryQuery {
    /// Lines of agent memory containing `query` (case-insensitive): for each agent (or only
    /// `agentId`) MEMORY.md, then daily notes newest first. At most `first` (≤ 100) hits.
    #[graphql(
        guard = "RoleGuard::new(Role::Viewer)",
        complexity = "first.clamp(0, 100) as usize * child_complexity + 1"
    )]
    async fn memory_search(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The text to find (1–200 characters).")] query: String,
        #[graphql(desc = "Only this agent's memory.")] agent_id: Option<ID>,
        #[graphql(default = 20, desc = "How many hits at most (0–100).")] first: i32,
    ) -> ApiResult<Vec<MemoryHit>> {
        let first = page_size(first)?;
        let hits = ctx
            .data_unchecked::<Services>()
            .memory
            .search(&query, agent_id.as_ref().map(|id| id.as_str()), first)
            .await
            .map_err(ApiError::from)?;
        Ok(hits
            .into_iter()
            .map(|h| MemoryHit {
                agent_id: ID(h.agent_id),
                file: h.file,
                line: i32::try_from(h.line).unwrap_or(i32::MAX),
                snippet: h.snippet,
            })
            .collect())
    }
}
