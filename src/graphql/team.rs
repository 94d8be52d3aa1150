//! The team: agents, their identity and config, and their workspace files.

use async_graphql::{Context, InputObject, Object, SimpleObject, ID};
use chrono::{DateTime, Utc};

use super::connection::{int, page_size};
use super::errors::{file_error, ApiError, ApiResult, ErrorCode};
use super::guards::{caller, require, RoleGuard};
use super::memory::{MemoryConnection, MemoryFile};
use crate::app::Services;
use crate::services::auth::Role;
use crate::services::team::{self as team, Avatar, TeamError};
use crate::workspace::config::{HeartbeatConfig, ModelConfig};
use crate::workspace::snapshot::FileInfo;

impl From<TeamError> for ApiError {
    fn from(e: TeamError) -> Self {
        match e {
            TeamError::Unavailable(_) => ApiError::new(ErrorCode::Unavailable, e.to_string()),
            TeamError::AgentNotFound(_) | TeamError::NoAvatar(_) => ApiError::new(ErrorCode::NotFound, e.to_string()),
            TeamError::NotAllowed { .. } => ApiError::bad_input("name", e.to_string()),
            TeamError::File(e) => file_error(e, "name"),
            TeamError::ContentTooLarge { .. } => {
                ApiError::bad_input("content", e.to_string()).with("reason", "TOO_LARGE")
            }
            TeamError::Conflict { ref current, .. } => {
                let current = current.clone();
                ApiError::new(ErrorCode::Conflict, e.to_string()).with("currentHash", current)
            }
            TeamError::Write(_) | TeamError::Task(_) => ApiError::internal(&e),
        }
    }
}

fn services<'a>(ctx: &Context<'a>) -> &'a Services {
    ctx.data_unchecked::<Services>()
}

/// An OpenClaw agent: its config from `openclaw.json` merged with what its workspace says.
pub struct Agent(team::Agent);

/// An OpenClaw agent: its config from `openclaw.json` merged with what its workspace says.
#[Object]
impl Agent {
    /// The agent id from `openclaw.json` (e.g. `main`).
    async fn id(&self) -> ID {
        ID(self.0.id.clone())
    }

    /// Display name: IDENTITY.md `Name`, else `identity.name` or `name` in openclaw.json, else the id.
    async fn name(&self) -> &str {
        &self.0.name
    }

    /// Signature emoji: IDENTITY.md `Emoji`, else `identity.emoji` in openclaw.json.
    async fn emoji(&self) -> Option<&str> {
        self.0.emoji.as_deref()
    }

    /// One-line theme: IDENTITY.md `Theme`, else `identity.theme` in openclaw.json, else creature
    /// and vibe joined with " · ".
    async fn theme(&self) -> Option<&str> {
        self.0.theme.as_deref()
    }

    /// What kind of being the agent says it is (IDENTITY.md `Creature`).
    async fn creature(&self) -> Option<&str> {
        self.0.creature.as_deref()
    }

    /// How the agent comes across (IDENTITY.md `Vibe`).
    async fn vibe(&self) -> Option<&str> {
        self.0.vibe.as_deref()
    }

    /// Where to load the avatar from: an http(s) URL or `data:image/…` URI as written in
    /// IDENTITY.md, or for a workspace image file Nexus's own `/api/agents/{id}/avatar`. Null when
    /// the agent names none (or names something that is not an image).
    async fn avatar_url(&self) -> Option<String> {
        match self.0.avatar.as_ref()? {
            Avatar::Url(url) => Some(url.clone()),
            Avatar::File(_) => Some(format!("/api/agents/{}/avatar", self.0.id)),
        }
    }

    /// The model, with `agents.defaults.model` merged in.
    async fn model(&self) -> Option<AgentModel> {
        self.0.model.as_ref().map(AgentModel::from)
    }

    /// The heartbeat (how often the agent wakes on its own), with the defaults merged in.
    async fn heartbeat(&self) -> Option<Heartbeat> {
        self.0.heartbeat.as_ref().map(Heartbeat::from)
    }

    /// The agent's workspace folder on the Nexus host.
    async fn workspace(&self) -> String {
        self.0.workspace.display().to_string()
    }

    /// The agent's current goal: the content of GOAL.md, when present.
    async fn goal(&self) -> Option<&str> {
        self.0.goal.as_deref()
    }

    /// Changes made through Nexus to this agent's workspace files, newest first.
    #[graphql(complexity = "first.max(0) as usize * child_complexity")]
    async fn activity(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "How many entries, 0–100.", default = 20)] first: i32,
    ) -> ApiResult<Vec<AgentActivityEntry>> {
        let first = super::connection::page_size(first)? as u64;
        let key = super::loaders::AgentActivityOf { agent: self.0.id.clone(), first };
        let entries = super::loaders::Loaders::of(ctx)?.load_one(key).await?.unwrap_or_default();
        Ok(entries.into_iter().map(AgentActivityEntry::from).collect())
    }

    /// Whether this is the default agent (the lead).
    async fn is_default(&self) -> bool {
        self.0.is_default
    }

    /// The allow-listed workspace files that exist (AGENTS.md, SOUL.md, IDENTITY.md, USER.md,
    /// TOOLS.md, HEARTBEAT.md, MEMORY.md, GOAL.md), without content.
    async fn files(&self) -> Vec<AgentFileInfo> {
        self.0.files.iter().map(AgentFileInfo::from).collect()
    }

    /// One allow-listed workspace file with its content. `BAD_USER_INPUT` for any other name, for
    /// files larger than the read limit or not UTF-8; `NOT_FOUND` when it does not exist.
    async fn file(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The file name, e.g. `SOUL.md`.")] name: String,
    ) -> ApiResult<Option<AgentFile>> {
        let file = services(ctx).team.file(&self.0.id, &name).await.map_err(ApiError::from)?;
        Ok(Some(file.into()))
    }

    /// The agent's daily notes (`memory/YYYY-MM-DD.md`), newest first, plus `longTerm` (MEMORY.md).
    /// At most 100 per page.
    #[graphql(complexity = "first.clamp(0, 100) as usize * child_complexity + 1")]
    async fn memory(
        &self,
        ctx: &Context<'_>,
        #[graphql(default = 20, desc = "How many notes (0–100).")] first: i32,
        #[graphql(desc = "The `endCursor` of the previous page.")] after: Option<String>,
    ) -> ApiResult<MemoryConnection> {
        let first = page_size(first)?;
        Ok(MemoryConnection::load(services(ctx), &self.0.id, first, after.as_deref())?)
    }

    /// One daily note by date (`YYYY-MM-DD`). `BAD_USER_INPUT` for anything that is not a date,
    /// `NOT_FOUND` when the agent has no note for that day.
    async fn memory_note(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The day, `YYYY-MM-DD`.")] date: String,
    ) -> ApiResult<Option<MemoryFile>> {
        let note = services(ctx).memory.note(&self.0.id, &date).await.map_err(ApiError::from)?;
        Ok(Some(note.into()))
    }
}

/// The model an agent runs on.
#[derive(SimpleObject)]
pub struct AgentModel {
    /// The primary model, e.g. `anthropic/claude-opus-4-6`.
    primary: Option<String>,
    /// Models to fall back to, in order.
    fallbacks: Vec<String>,
}

impl From<&ModelConfig> for AgentModel {
    fn from(m: &ModelConfig) -> Self {
        Self { primary: m.primary.clone(), fallbacks: m.fallbacks.clone() }
    }
}

/// How often an agent wakes up on its own.
#[derive(SimpleObject)]
pub struct Heartbeat {
    /// The interval as written in openclaw.json, e.g. `30m`.
    every: Option<String>,
    /// The interval in seconds, when `every` is a valid duration (0 means off).
    every_seconds: Option<i32>,
    /// The daily window in which heartbeats fire, when restricted.
    active_hours: Option<ActiveHours>,
}

impl From<&HeartbeatConfig> for Heartbeat {
    fn from(h: &HeartbeatConfig) -> Self {
        Self {
            every: h.every.clone(),
            every_seconds: h.every_secs().map(|s| i32::try_from(s).unwrap_or(i32::MAX)),
            active_hours: h.active_hours.as_ref().map(|a| ActiveHours { start: a.start.clone(), end: a.end.clone() }),
        }
    }
}

/// A daily time window.
#[derive(SimpleObject)]
pub struct ActiveHours {
    /// Start, as written (e.g. `08:00`).
    start: String,
    /// End, as written (e.g. `24:00`).
    end: String,
}

/// An allow-listed workspace file, without content.
#[derive(SimpleObject)]
pub struct AgentFileInfo {
    /// The file name, e.g. `SOUL.md`.
    name: String,
    /// Size in bytes.
    size: i32,
    /// Last modification time.
    modified_at: DateTime<Utc>,
    /// SHA-256 of the content (hex); send it as `expectedHash` when editing. Null when the file
    /// is larger than the read limit.
    hash: Option<String>,
}

impl From<&FileInfo> for AgentFileInfo {
    fn from(f: &FileInfo) -> Self {
        Self { name: f.name.clone(), size: int(f.size), modified_at: f.modified_at, hash: f.hash.clone() }
    }
}

/// An allow-listed workspace file with its content.
#[derive(SimpleObject)]
pub struct AgentFile {
    /// The file name, e.g. `SOUL.md`.
    name: String,
    /// The Markdown content.
    content: String,
    /// SHA-256 of the content (hex); send it as `expectedHash` when editing.
    hash: String,
    /// Size in bytes.
    size: i32,
    /// Last modification time.
    modified_at: DateTime<Utc>,
}

impl From<team::AgentFile> for AgentFile {
    fn from(f: team::AgentFile) -> Self {
        Self { name: f.name, content: f.content, hash: f.hash, size: int(f.size), modified_at: f.modified_at }
    }
}

/// Team queries.
#[derive(Default)]
pub struct TeamQuery;

/// Team queries.
#[Object]
impl TeamQuery {
    /// Every agent configured in openclaw.json, in file order. `UNAVAILABLE` while openclaw.json
    /// is missing or invalid.
    #[graphql(guard = "RoleGuard::new(Role::Viewer)")]
    async fn agents(&self, ctx: &Context<'_>) -> ApiResult<Vec<Agent>> {
        Ok(services(ctx).team.agents().map_err(ApiError::from)?.into_iter().map(Agent).collect())
    }

    /// One agent by id. `NOT_FOUND` for an unknown id; `UNAVAILABLE` while openclaw.json is
    /// missing or invalid.
    #[graphql(guard = "RoleGuard::new(Role::Viewer)")]
    async fn agent(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The agent id, e.g. `main`.")] id: ID,
    ) -> ApiResult<Option<Agent>> {
        Ok(Some(Agent(services(ctx).team.agent(&id).map_err(ApiError::from)?)))
    }
}

/// Replaces (or creates) one allow-listed workspace file.
#[derive(InputObject)]
pub struct UpdateAgentFileInput {
    /// The agent whose workspace it is.
    agent_id: ID,
    /// The file name: AGENTS.md, SOUL.md, IDENTITY.md, USER.md, TOOLS.md, HEARTBEAT.md, MEMORY.md
    /// or GOAL.md (openclaw.json is never written).
    name: String,
    /// The complete new content (at most the read limit, 1 MiB by default).
    content: String,
    /// The `hash` of the file as last read; null to create a file that does not exist yet. When
    /// the file changed meanwhile the edit is refused with `CONFLICT` and nothing is written.
    expected_hash: Option<String>,
}

/// The result of `updateAgentFile`.
#[derive(SimpleObject)]
pub struct UpdateAgentFilePayload {
    /// The file as written.
    file: AgentFile,
}

/// Team mutations.
#[derive(Default)]
pub struct TeamMutation;

/// Team mutations.
#[Object]
impl TeamMutation {
    /// Replaces an agent's workspace file atomically if it still has `expectedHash` (else
    /// `CONFLICT`, with the current hash in `extensions.currentHash`, and the file untouched).
    /// `BAD_USER_INPUT` for names outside the allow-list or oversize content. OPERATOR.
    #[graphql(guard = "RoleGuard::new(Role::Operator)")]
    async fn update_agent_file(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The mutation's arguments (see the input type).")] input: UpdateAgentFileInput,
    ) -> ApiResult<UpdateAgentFilePayload> {
        let actor = require(caller(ctx), Role::Operator)?;
        let request = team::UpdateAgentFile {
            agent_id: input.agent_id.0,
            name: input.name,
            content: input.content,
            expected_hash: input.expected_hash,
        };
        let file =
            services(ctx).team.update_file(actor, request).await.map_err(|e| ApiError::from(e).within("input"))?;
        Ok(UpdateAgentFilePayload { file: file.into() })
    }
}

/// One change Nexus made to an agent's workspace file.
#[derive(async_graphql::SimpleObject)]
pub struct AgentActivityEntry {
    /// Opaque id.
    pub id: ID,
    /// What happened: `AGENT_FILE_UPDATED`.
    pub kind: String,
    /// The file, relative to the agent's workspace.
    pub path: String,
    /// `USER`, `AGENT` or `SYSTEM`.
    pub actor_kind: String,
    /// The user who made the change (for `USER`).
    pub actor_id: Option<ID>,
    /// One readable sentence.
    pub summary: String,
    /// SHA-256 of the content written (the `hash` of the file afterwards).
    pub content_hash: Option<String>,
    /// When it happened.
    pub created_at: chrono::DateTime<chrono::Utc>,
}

impl From<crate::services::team::AgentActivity> for AgentActivityEntry {
    fn from(a: crate::services::team::AgentActivity) -> Self {
        Self {
            id: ID(a.id),
            kind: a.kind,
            path: a.path,
            actor_kind: a.actor_kind,
            actor_id: a.actor_id.map(ID),
            summary: a.summary,
            content_hash: a.content_hash,
            created_at: a.created_at,
        }
    }
}
