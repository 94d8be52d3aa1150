//! The team: the agents configured in `openclaw.json`, who they say they are (IDENTITY.md), their
//! goal, and the allow-listed workspace files, read and written (the old TeamService and
//! AgentConfigService).

use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use chrono::{DateTime, Utc};

use crate::services::auth::Principal;
use crate::workspace::config::{HeartbeatConfig, ModelConfig};
use crate::workspace::files::{self, content_hash, is_agent_file, modified_at, FileError, AGENT_FILES};
use crate::workspace::snapshot::{AgentSnapshot, Dirty, FileInfo, Team};
use crate::workspace::{TaskFailed, Workspace};

/// Errors of the team service.
#[derive(Debug, thiserror::Error)]
pub enum TeamError {
    /// `openclaw.json` is missing or invalid.
    #[error("The OpenClaw workspace is unavailable: {0}")]
    Unavailable(String),
    /// No agent has this id.
    #[error("No agent has the id {0:?}.")]
    AgentNotFound(String),
    /// The file name is not one of the allow-listed workspace files.
    #[error("{name:?} is not a workspace file Nexus reads or writes; use one of {allowed}.", allowed = AGENT_FILES.join(", "))]
    NotAllowed {
        /// The name as given.
        name: String,
    },
    /// Reading the file failed (unsafe path, missing, too large, not UTF-8, I/O).
    #[error(transparent)]
    File(#[from] FileError),
    /// The new content is larger than the limit.
    #[error("The content is {size} bytes; at most {limit} bytes can be written.")]
    ContentTooLarge {
        /// The content's size in bytes.
        size: usize,
        /// The limit.
        limit: u64,
    },
    /// The file is not what the client saw (`expectedHash` differs): nothing was written.
    #[error("{}", conflict_message(name, expected.as_deref(), current.as_deref()))]
    Conflict {
        /// The file.
        name: String,
        /// The hash the client sent.
        expected: Option<String>,
        /// The file's hash now (`None`: it does not exist).
        current: Option<String>,
    },
    /// The agent names no avatar image in its workspace, or the file is not an image.
    #[error("Agent {0:?} has no avatar image in its workspace.")]
    NoAvatar(String),
    /// Writing failed.
    #[error("writing the file failed: {0}")]
    Write(#[source] io::Error),
    /// A blocking task failed.
    #[error(transparent)]
    Task(#[from] TaskFailed),
}

fn conflict_message(name: &str, expected: Option<&str>, current: Option<&str>) -> String {
    match (expected, current) {
        (None, Some(_)) => format!("{name} already exists: send its current hash as expectedHash to replace it."),
        (Some(_), None) => format!("{name} no longer exists: send no expectedHash to create it."),
        _ => format!("{name} changed since it was read: reload it and apply the edit again. Nothing was written."),
    }
}

/// How an agent's avatar is found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Avatar {
    /// An `http(s)` URL or a `data:image/…` URI, passed through as written.
    Url(String),
    /// A workspace-relative image file, served by Nexus.
    File(String),
}

/// One agent as the API shows it: config, identity and workspace merged by OpenClaw's rules.
#[derive(Debug, Clone)]
pub struct Agent {
    /// The agent id.
    pub id: String,
    /// IDENTITY.md `Name`, else `identity.name` or `name` in openclaw.json, else the id.
    pub name: String,
    /// IDENTITY.md `Emoji`, else `identity.emoji` in openclaw.json.
    pub emoji: Option<String>,
    /// IDENTITY.md `Theme`, else `identity.theme` in openclaw.json, else creature and vibe.
    pub theme: Option<String>,
    /// IDENTITY.md `Creature`.
    pub creature: Option<String>,
    /// IDENTITY.md `Vibe`.
    pub vibe: Option<String>,
    /// IDENTITY.md `Avatar`, else `identity.avatar` in openclaw.json, when usable.
    pub avatar: Option<Avatar>,
    /// The model (primary and fallbacks), defaults merged.
    pub model: Option<ModelConfig>,
    /// The heartbeat, defaults merged.
    pub heartbeat: Option<HeartbeatConfig>,
    /// The workspace folder.
    pub workspace: PathBuf,
    /// GOAL.md, when present.
    pub goal: Option<String>,
    /// Whether this is the default agent.
    pub is_default: bool,
    /// The allow-listed files that exist.
    pub files: Vec<FileInfo>,
}

/// One workspace file with its content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgentFile {
    /// The file name.
    pub name: String,
    /// The content.
    pub content: String,
    /// SHA-256 of the content (hex).
    pub hash: String,
    /// Size in bytes.
    pub size: u64,
    /// Last modification time.
    pub modified_at: DateTime<Utc>,
}

/// A request to replace (or create) one workspace file.
#[derive(Debug, Clone)]
pub struct UpdateAgentFile {
    /// The agent.
    pub agent_id: String,
    /// The file name, one of [`AGENT_FILES`].
    pub name: String,
    /// The new content.
    pub content: String,
    /// The hash of the file as the client saw it; `None` to create a file that does not exist.
    pub expected_hash: Option<String>,
}

/// An avatar image ready to serve.
#[derive(Debug, Clone)]
pub struct AvatarImage {
    /// The image bytes.
    pub bytes: Vec<u8>,
    /// Its media type (only image types).
    pub content_type: &'static str,
}

/// Reads and writes the team.
#[derive(Clone)]
pub struct TeamService {
    workspace: Workspace,
    db: sea_orm::DatabaseConnection,
}

/// One change Nexus made to an agent's workspace file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgentActivity {
    /// Id (UUIDv7).
    pub id: String,
    /// The agent.
    pub agent_id: String,
    /// What happened (`AGENT_FILE_UPDATED`).
    pub kind: String,
    /// The file, relative to the workspace.
    pub path: String,
    /// `USER`, `AGENT` or `SYSTEM`.
    pub actor_kind: String,
    /// The user id for `USER`.
    pub actor_id: Option<String>,
    /// One readable sentence.
    pub summary: String,
    /// SHA-256 of the content written.
    pub content_hash: Option<String>,
    /// When.
    pub created_at: chrono::DateTime<chrono::Utc>,
}

impl From<crate::db::entities::agent_activity_entry::Model> for AgentActivity {
    fn from(m: crate::db::entities::agent_activity_entry::Model) -> Self {
        Self {
            id: m.id,
            agent_id: m.agent_id,
            kind: m.kind,
            path: m.path,
            actor_kind: m.actor_kind,
            actor_id: m.actor_id,
            summary: m.summary,
            content_hash: m.content_hash,
            created_at: m.created_at,
        }
    }
}

impl crate::services::input::AgentRoster for TeamService {
    fn agent_ids(&self) -> Option<Vec<String>> {
        match &*self.workspace.team() {
            Ok(team) => Some(team.agents.iter().map(|a| a.id().to_ascii_lowercase()).collect()),
            Err(_) => None,
        }
    }
}

impl TeamService {
    /// Creates the service.
    pub fn new(workspace: Workspace, db: sea_orm::DatabaseConnection) -> Self {
        Self { workspace, db }
    }

    /// The newest `first` file changes of each agent in `agent_ids`, in one statement.
    #[tracing::instrument(skip(self, agent_ids), fields(agents = agent_ids.len()))]
    pub async fn recent_activity(
        &self,
        agent_ids: &[String],
        first: u64,
    ) -> Result<std::collections::HashMap<String, Vec<AgentActivity>>, sea_orm::DbErr> {
        use crate::db::entities::agent_activity_entry;
        use crate::db::sql::RawSql;
        use sea_orm::FromQueryResult;
        let mut out: std::collections::HashMap<String, Vec<AgentActivity>> = std::collections::HashMap::new();
        if agent_ids.is_empty() || first == 0 {
            return Ok(out);
        }
        let mut sql = RawSql::new(sea_orm::ConnectionTrait::get_database_backend(&self.db));
        // Newest `first` per agent via a window: constant statements however many agents are asked for.
        sql.push(
            "SELECT id, agent_id, kind, path, actor_kind, actor_id, summary, content_hash, created_at FROM (\
             SELECT *, ROW_NUMBER() OVER (PARTITION BY agent_id ORDER BY id DESC) AS rn \
             FROM agent_activity_entries WHERE agent_id IN ",
        )
        .bind_list(agent_ids.iter().cloned())
        .push(") ranked WHERE rn <= ")
        .bind(first as i64)
        .push(" ORDER BY agent_id, id DESC");
        let rows = agent_activity_entry::Model::find_by_statement(sql.build()).all(&self.db).await?;
        for row in rows {
            out.entry(row.agent_id.clone()).or_default().push(row.into());
        }
        Ok(out)
    }

    /// Runs `f` on the team, or fails with [`TeamError::Unavailable`].
    fn with_team<T>(&self, f: impl FnOnce(&Team) -> Result<T, TeamError>) -> Result<T, TeamError> {
        match &*self.workspace.team() {
            Ok(team) => f(team),
            Err(problem) => Err(TeamError::Unavailable(problem.0.clone())),
        }
    }

    fn snapshot(&self, id: &str) -> Result<Arc<AgentSnapshot>, TeamError> {
        self.with_team(|team| team.agent(id).cloned().ok_or_else(|| TeamError::AgentNotFound(id.to_owned())))
    }

    /// Every agent, in config order.
    ///
    /// # Errors
    /// [`TeamError::Unavailable`] when `openclaw.json` is missing or invalid.
    #[tracing::instrument(skip(self))]
    pub fn agents(&self) -> Result<Vec<Agent>, TeamError> {
        self.with_team(|team| Ok(team.agents.iter().map(|a| view(a)).collect()))
    }

    /// One agent.
    ///
    /// # Errors
    /// Unavailable config, or an unknown id.
    #[tracing::instrument(skip(self))]
    pub fn agent(&self, id: &str) -> Result<Agent, TeamError> {
        let agent = self.snapshot(id)?;
        Ok(view(&agent))
    }

    /// Reads one allow-listed file of an agent's workspace.
    ///
    /// # Errors
    /// A name that is not allow-listed, an unknown agent, or a file that cannot be read.
    #[tracing::instrument(skip(self))]
    pub async fn file(&self, agent_id: &str, name: &str) -> Result<AgentFile, TeamError> {
        if !is_agent_file(name) {
            return Err(TeamError::NotAllowed { name: name.to_owned() });
        }
        let agent = self.snapshot(agent_id)?;
        let root = agent.config.workspace.clone();
        let name = name.to_owned();
        let file = self
            .workspace
            .blocking(move |s| files::read_text(&root, &name, s.max_file_bytes).map(|t| (name, t)))
            .await??;
        let (name, text) = file;
        Ok(AgentFile { name, content: text.content, hash: text.hash, size: text.size, modified_at: text.modified_at })
    }

    /// Replaces (or creates) one allow-listed file, atomically, if it still has the hash the
    /// client saw. Publishes the change and logs who wrote what.
    ///
    /// # Errors
    /// Not allow-listed, oversize content, unknown agent, unsafe or unreadable current file,
    /// [`TeamError::Conflict`] when the hash differs (the file is untouched), or a write failure.
    #[tracing::instrument(skip(self, input), fields(agent = %input.agent_id, file = %input.name))]
    pub async fn update_file(&self, actor: &Principal, input: UpdateAgentFile) -> Result<AgentFile, TeamError> {
        let UpdateAgentFile { agent_id, name, content, expected_hash } = input;
        // Hex digests compare case-insensitively.
        let expected_hash = expected_hash.map(|h| h.trim().to_ascii_lowercase());
        if !is_agent_file(&name) {
            return Err(TeamError::NotAllowed { name });
        }
        let limit = self.workspace.settings().max_file_bytes;
        if content.len() as u64 > limit {
            return Err(TeamError::ContentTooLarge { size: content.len(), limit });
        }
        let agent = self.snapshot(&agent_id)?;
        let root = agent.config.workspace.clone();

        let _writing = self.workspace.write_lock().await;
        let file_name = name.clone();
        let written = self
            .workspace
            .blocking(move |s| -> Result<AgentFile, TeamError> {
                let path = files::resolve(&root, &file_name)?;
                // Another Nexus process on this workspace (a second replica) takes the same
                // lock, so its check-then-rename cannot interleave with ours.
                let _across_processes = files::lock_folder(&root).map_err(TeamError::Write)?;
                let current = current_hash(&path, &file_name, s.max_file_bytes)?;
                if current != expected_hash {
                    return Err(TeamError::Conflict { name: file_name, expected: expected_hash, current });
                }
                files::write_atomic(&path, content.as_bytes()).map_err(TeamError::Write)?;
                let meta = std::fs::metadata(&path).map_err(TeamError::Write)?;
                Ok(AgentFile {
                    hash: content_hash(content.as_bytes()),
                    size: content.len() as u64,
                    modified_at: modified_at(&meta),
                    name: file_name,
                    content,
                })
            })
            .await??;
        tracing::info!(actor = %actor.user_id, agent = %agent_id, file = %name, hash = %written.hash, "agent file written");
        self.record_write(actor, &agent_id, &name, &written.hash).await;
        self.workspace.refresh(Dirty { agents: vec![agent_id], ..Dirty::default() }).await;
        Ok(written)
    }

    /// Appends the activity entry of a file write. The file is already in place, so a failing
    /// database degrades the log only: the write is reported as done (and logged above).
    async fn record_write(&self, actor: &Principal, agent_id: &str, name: &str, hash: &str) {
        use crate::db::entities::agent_activity_entry;
        use sea_orm::{ActiveModelTrait, Set};
        let entry = agent_activity_entry::ActiveModel {
            id: Set(crate::db::new_id()),
            agent_id: Set(agent_id.to_owned()),
            kind: Set("AGENT_FILE_UPDATED".into()),
            path: Set(name.to_owned()),
            actor_kind: Set("USER".into()),
            actor_id: Set(Some(actor.user_id.clone())),
            summary: Set(format!("Updated {name} of {agent_id}")),
            content_hash: Set(Some(hash.to_owned())),
            created_at: Set(chrono::Utc::now()),
        };
        if let Err(e) = entry.insert(&self.db).await {
            tracing::error!(error = %e, agent = %agent_id, file = %name, "could not record the agent file write");
        }
    }

    /// The agent's avatar image, when it names a workspace file that is an image.
    ///
    /// # Errors
    /// Unavailable config, unknown agent, [`TeamError::NoAvatar`] for anything else that is not
    /// a readable image file inside the workspace.
    #[tracing::instrument(skip(self))]
    pub async fn avatar(&self, agent_id: &str) -> Result<AvatarImage, TeamError> {
        let snapshot = self.snapshot(agent_id)?;
        let Some(Avatar::File(path)) = view(&snapshot).avatar else {
            return Err(TeamError::NoAvatar(agent_id.to_owned()));
        };
        let Some(content_type) = image_type(&path) else {
            return Err(TeamError::NoAvatar(agent_id.to_owned()));
        };
        let root = snapshot.config.workspace.clone();
        let id = agent_id.to_owned();
        self.workspace
            .blocking(move |s| {
                let resolved = files::resolve(&root, &path);
                let read = resolved.and_then(|file| files::read_bytes_at(&file, &path, s.max_file_bytes));
                let (bytes, _) = read.map_err(|e| {
                    tracing::warn!(agent = %id, error = %e, "avatar not served");
                    TeamError::NoAvatar(id.clone())
                })?;
                if !looks_like(content_type, &bytes) {
                    tracing::warn!(agent = %id, content_type, "avatar content does not match its type; not served");
                    return Err(TeamError::NoAvatar(id));
                }
                Ok(AvatarImage { bytes, content_type })
            })
            .await?
    }
}

/// The hash of the file at `path` as it is now (`None` when it does not exist).
fn current_hash(path: &Path, name: &str, limit: u64) -> Result<Option<String>, TeamError> {
    match files::read_bytes_at(path, name, limit) {
        Ok((bytes, _)) => Ok(Some(content_hash(&bytes))),
        Err(FileError::NotFound { .. }) => Ok(None),
        Err(e) => Err(e.into()),
    }
}

/// The image media type for an avatar file name, by extension; `None` for anything else.
fn image_type(path: &str) -> Option<&'static str> {
    let ext = path.rsplit_once('.')?.1.to_ascii_lowercase();
    Some(match ext.as_str() {
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "webp" => "image/webp",
        "avif" => "image/avif",
        "svg" => "image/svg+xml",
        _ => return None,
    })
}

/// Whether `bytes` start like the declared image type (a file named `.png` must be a PNG).
fn looks_like(content_type: &str, bytes: &[u8]) -> bool {
    match content_type {
        "image/png" => bytes.starts_with(b"\x89PNG\r\n\x1a\n"),
        "image/jpeg" => bytes.starts_with(&[0xFF, 0xD8, 0xFF]),
        "image/gif" => bytes.starts_with(b"GIF87a") || bytes.starts_with(b"GIF89a"),
        "image/webp" => bytes.len() >= 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP",
        "image/avif" => {
            bytes.len() >= 12 && &bytes[4..8] == b"ftyp" && (&bytes[8..12] == b"avif" || &bytes[8..12] == b"avis")
        }
        "image/svg+xml" => std::str::from_utf8(bytes).is_ok_and(|text| text.to_ascii_lowercase().contains("<svg")),
        _ => false,
    }
}

/// Classifies an avatar reference: http(s) URLs and `data:image/` URIs pass through, a relative
/// path with an image extension is a workspace file; anything else (other schemes, `data:` of
/// other types, absolute paths) is ignored.
fn avatar(raw: &str) -> Option<Avatar> {
    let lower = raw.to_ascii_lowercase();
    if lower.starts_with("https://") || lower.starts_with("http://") || lower.starts_with("data:image/") {
        return Some(Avatar::Url(raw.to_owned()));
    }
    if lower.contains(':') || raw.starts_with('/') || image_type(raw).is_none() {
        return None;
    }
    Some(Avatar::File(raw.to_owned()))
}

/// Merges config and IDENTITY.md the way the API shows an agent.
fn view(agent: &AgentSnapshot) -> Agent {
    let config = &agent.config;
    let identity = &agent.identity;
    let theme = identity.theme.clone().or_else(|| config.identity.theme.clone()).or_else(|| identity.theme_line());
    Agent {
        id: config.id.clone(),
        name: identity
            .name
            .clone()
            .or_else(|| config.identity.name.clone())
            .or_else(|| config.name.clone())
            .unwrap_or_else(|| config.id.clone()),
        emoji: identity.emoji.clone().or_else(|| config.identity.emoji.clone()),
        theme,
        creature: identity.creature.clone(),
        vibe: identity.vibe.clone(),
        avatar: identity.avatar.as_deref().or(config.identity.avatar.as_deref()).and_then(avatar),
        model: config.model.clone(),
        heartbeat: config.heartbeat.clone(),
        workspace: config.workspace.clone(),
        goal: agent.goal.clone(),
        is_default: config.default,
        files: agent.files.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn avatars_pass_urls_through_and_keep_only_image_files() {
        let cases = [
            ("https://example.com/a.png", Some(Avatar::Url("https://example.com/a.png".into()))),
            ("HTTP://example.com/a", Some(Avatar::Url("HTTP://example.com/a".into()))),
            ("data:image/png;base64,AAAA", Some(Avatar::Url("data:image/png;base64,AAAA".into()))),
            ("avatars/iris.svg", Some(Avatar::File("avatars/iris.svg".into()))),
            ("avatars/iris.PNG", Some(Avatar::File("avatars/iris.PNG".into()))),
            ("data:text/html,<script>", None),
            ("javascript:alert(1)", None),
            ("/etc/passwd.png", None),
            ("C:/x.png", None),
            ("notes.md", None),
            ("avatars/iris", None),
        ];
        for (raw, expected) in cases {
            assert_eq!(avatar(raw), expected, "{raw}");
        }
    }

    #[test]
    fn image_files_must_start_like_their_type() {
        assert!(looks_like("image/png", b"\x89PNG\r\n\x1a\n...."));
        assert!(!looks_like("image/png", b"<svg onload=alert(1)>"));
        assert!(looks_like("image/svg+xml", b"<?xml version=\"1.0\"?><svg xmlns=\"x\"/>"));
        assert!(!looks_like("image/svg+xml", b"<html><script>alert(1)</script>"));
        assert!(!looks_like("image/svg+xml", &[0xff, 0xfe]));
        assert!(looks_like("image/webp", b"RIFF\0\0\0\0WEBPVP8 "));
        assert!(looks_like("image/gif", b"GIF89a"));
    }
}
