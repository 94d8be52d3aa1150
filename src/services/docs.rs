//! Docs: the Markdown documents under the docs root as a tree with titles and outlines, one
//! document read whole, and search (the old DocService).

use std::sync::Arc;

use chrono::{DateTime, Utc};

use super::memory::search_file;
use super::search_query;
use crate::workspace::docs::{doc_meta, Heading};
use crate::workspace::files::{self, FileError};
use crate::workspace::snapshot::{is_markdown, DocFolder};
use crate::workspace::{TaskFailed, Workspace};

/// Errors of the docs service.
#[derive(Debug, thiserror::Error)]
pub enum DocError {
    /// The path does not name a Markdown document.
    #[error("{0:?} is not a Markdown document: give the path of a .md file, e.g. runbooks/gateway-restart.md.")]
    NotMarkdown(String),
    /// A path component starts with a dot (hidden files are not served).
    #[error("{0:?} names a hidden file or folder; those are not served.")]
    Hidden(String),
    /// The search query is unusable.
    #[error("{0}")]
    InvalidQuery(String),
    /// Reading failed (unsafe path, missing, too large, not UTF-8, I/O).
    #[error(transparent)]
    File(#[from] FileError),
    /// A blocking task failed.
    #[error(transparent)]
    Task(#[from] TaskFailed),
}

/// One document with its content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Doc {
    /// Path relative to the docs root.
    pub path: String,
    /// Title: front matter `title:`, else the first `#` heading, else the file stem.
    pub title: String,
    /// Headings in document order.
    pub outline: Vec<Heading>,
    /// The Markdown text.
    pub content: String,
    /// SHA-256 of the content (hex).
    pub hash: String,
    /// Size in bytes.
    pub size: u64,
    /// Last modification time.
    pub modified_at: DateTime<Utc>,
}

/// A line of a document that matches a search.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocHit {
    /// Path relative to the docs root.
    pub path: String,
    /// The document's title.
    pub title: String,
    /// 1-based line number.
    pub line: usize,
    /// The line, cut to at most 200 characters around the match.
    pub snippet: String,
}

/// Reads the docs.
#[derive(Clone)]
pub struct DocService {
    workspace: Workspace,
}

impl DocService {
    /// Creates the service.
    pub fn new(workspace: Workspace) -> Self {
        Self { workspace }
    }

    /// The docs tree as last scanned.
    pub fn tree(&self) -> Arc<DocFolder> {
        self.workspace.docs()
    }

    /// Reads one document.
    ///
    /// # Errors
    /// Not a Markdown path, a hidden path, an unsafe path, or a document that does not exist or
    /// cannot be read.
    #[tracing::instrument(skip(self))]
    pub async fn doc(&self, path: &str) -> Result<Doc, DocError> {
        // Hidden files and folders (`.git/…`) are not listed, so they are not served either;
        // `..` and every other path rule is checked when the path is resolved.
        if path.split('/').any(|c| c.starts_with('.') && c != "." && c != "..") {
            return Err(DocError::Hidden(path.to_owned()));
        }
        if !is_markdown(path) {
            return Err(DocError::NotMarkdown(path.to_owned()));
        }
        let requested = path.to_owned();
        let text =
            self.workspace.blocking(move |s| files::read_text(&s.docs_dir, &requested, s.max_file_bytes)).await??;
        // The path as the tree lists it: without empty and `.` components.
        let path: Vec<&str> = path.split('/').filter(|c| !c.is_empty() && *c != ".").collect();
        let name = path.last().copied().unwrap_or_default();
        let stem = name.rsplit_once('.').map_or(name, |(stem, _)| stem);
        let meta = doc_meta(&text.content, stem);
        Ok(Doc {
            path: path.join("/"),
            title: meta.title,
            outline: meta.outline,
            content: text.content,
            hash: text.hash,
            size: text.size,
            modified_at: text.modified_at,
        })
    }

    /// Finds up to `first` lines containing `query` (case-insensitive), documents in tree order.
    ///
    /// # Errors
    /// An empty or oversize query.
    #[tracing::instrument(skip(self))]
    pub async fn search(&self, query: &str, first: usize) -> Result<Vec<DocHit>, DocError> {
        let query = search_query(query).map_err(DocError::InvalidQuery)?;
        let tree = self.tree();
        let hits = self
            .workspace
            .blocking(move |s| {
                let mut hits = Vec::new();
                for doc in tree.documents() {
                    if hits.len() >= first {
                        break;
                    }
                    let found = search_file(&s.docs_dir, &doc.path, &query, first - hits.len(), s.max_file_bytes);
                    hits.extend(found.into_iter().map(|(line, snippet)| DocHit {
                        path: doc.path.clone(),
                        title: doc.title.clone(),
                        line,
                        snippet,
                    }));
                }
                hits
            })
            .await?;
        Ok(hits)
    }
}
