//! Docs: the tree of Markdown documents, one document, and search.

use async_graphql::{Context, Object, SimpleObject};
use chrono::{DateTime, Utc};

use super::connection::{int, page_size};
use super::errors::{file_error, ApiError, ApiResult};
use super::guards::RoleGuard;
use crate::app::Services;
use crate::services::auth::Role;
use crate::services::docs::DocError;
use crate::workspace::docs::Heading;
use crate::workspace::snapshot::{DocEntry, DocFolder as Folder};

impl From<DocError> for ApiError {
    fn from(e: DocError) -> Self {
        match e {
            DocError::NotMarkdown(_) | DocError::Hidden(_) => ApiError::bad_input("path", e.to_string()),
            DocError::InvalidQuery(_) => ApiError::bad_input("query", e.to_string()),
            DocError::File(e) => file_error(e, "path"),
            DocError::Task(_) => ApiError::internal(&e),
        }
    }
}

/// A folder of the docs tree.
#[derive(SimpleObject)]
pub struct DocFolder {
    /// Path relative to the docs root (`""` for the root).
    path: String,
    /// Folder name (`""` for the root).
    name: String,
    /// Sub-folders, by name.
    folders: Vec<DocFolder>,
    /// Documents in this folder, by name.
    files: Vec<DocFile>,
}

impl From<&Folder> for DocFolder {
    fn from(f: &Folder) -> Self {
        Self {
            path: f.path.clone(),
            name: f.name.clone(),
            folders: f.folders.iter().map(DocFolder::from).collect(),
            files: f.files.iter().map(DocFile::from).collect(),
        }
    }
}

/// A Markdown document in the tree, without content.
#[derive(SimpleObject)]
pub struct DocFile {
    /// Path relative to the docs root; pass it to `doc(path:)`.
    path: String,
    /// File name.
    name: String,
    /// Front matter `title:`, else the first `#` heading, else the file name without extension.
    title: String,
    /// The headings, in document order.
    outline: Vec<DocHeading>,
    /// Size in bytes.
    size: i32,
    /// Last modification time.
    modified_at: DateTime<Utc>,
    /// Why the content could not be read (too large, not UTF-8); null when it was.
    problem: Option<String>,
}

impl From<&DocEntry> for DocFile {
    fn from(d: &DocEntry) -> Self {
        Self {
            path: d.path.clone(),
            name: d.name.clone(),
            title: d.title.clone(),
            outline: d.outline.iter().map(DocHeading::from).collect(),
            size: int(d.size),
            modified_at: d.modified_at,
            problem: d.problem.clone(),
        }
    }
}

/// One heading of a document.
#[derive(SimpleObject)]
pub struct DocHeading {
    /// 1 for `#` … 6 for `######`.
    level: i32,
    /// The heading's text, without Markdown markup.
    text: String,
    /// The GitHub-style anchor (without `#`), unique within the document.
    anchor: String,
}

impl From<&Heading> for DocHeading {
    fn from(h: &Heading) -> Self {
        Self { level: i32::from(h.level), text: h.text.clone(), anchor: h.anchor.clone() }
    }
}

/// A document with its content.
#[derive(SimpleObject)]
pub struct Doc {
    /// Path relative to the docs root.
    path: String,
    /// Front matter `title:`, else the first `#` heading, else the file name without extension.
    title: String,
    /// The headings, in document order.
    outline: Vec<DocHeading>,
    /// The Markdown text.
    content: String,
    /// SHA-256 of the content (hex).
    hash: String,
    /// Size in bytes.
    size: i32,
    /// Last modification time.
    modified_at: DateTime<Utc>,
}

/// A document line that matches a search.
#[derive(SimpleObject)]
pub struct DocHit {
    /// Path relative to the docs root.
    path: String,
    /// The document's title.
    title: String,
    /// 1-based line number.
    line: i32,
    /// The line, cut to at most 200 characters around the match.
    snippet: String,
}

/// Docs queries.
#[derive(Default)]
pub struct DocsQuery;

/// Docs queries.
#[Object]
impl DocsQuery {
    /// The docs folder as a tree of folders and Markdown documents (hidden files and symbolic
    /// links are not listed).
    #[graphql(guard = "RoleGuard::new(Role::Viewer)")]
    async fn docs(&self, ctx: &Context<'_>) -> DocFolder {
        DocFolder::from(&*ctx.data_unchecked::<Services>().docs.tree())
    }

    /// One document by its path relative to the docs root, e.g. `runbooks/gateway-restart.md`.
    /// `BAD_USER_INPUT` for paths that leave the docs folder or are not Markdown documents,
    /// `NOT_FOUND` when there is no such document.
    #[graphql(guard = "RoleGuard::new(Role::Viewer)")]
    async fn doc(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Path relative to the docs root.")] path: String,
    ) -> ApiResult<Option<Doc>> {
        let doc = ctx.data_unchecked::<Services>().docs.doc(&path).await.map_err(ApiError::from)?;
        Ok(Some(Doc {
            path: doc.path,
            title: doc.title,
            outline: doc.outline.iter().map(DocHeading::from).collect(),
            content: doc.content,
            hash: doc.hash,
            size: int(doc.size),
            modified_at: doc.modified_at,
        }))
    }

    /// Lines of the docs containing `query` (case-insensitive), documents in tree order. At most
    /// `first` (≤ 100) hits.
    #[graphql(
        guard = "RoleGuard::new(Role::Viewer)",
        complexity = "first.clamp(0, 100) as usize * child_complexity + 1"
    )]
    async fn doc_search(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The text to find (1–200 characters).")] query: String,
        #[graphql(default = 20, desc = "How many hits at most (0–100).")] first: i32,
    ) -> ApiResult<Vec<DocHit>> {
        let first = page_size(first)?;
        let hits = ctx.data_unchecked::<Services>().docs.search(&query, first).await.map_err(ApiError::from)?;
        Ok(hits
            .into_iter()
            .map(|h| DocHit {
                path: h.path,
                title: h.title,
                line: i32::try_from(h.line).unwrap_or(i32::MAX),
                snippet: h.snippet,
            })
            .collect())
    }
}
