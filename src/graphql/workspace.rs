//! Live workspace changes: the `workspaceChanged` subscription.

use async_graphql::{Context, Enum, SimpleObject, Subscription, ID};
use futures::{Stream, StreamExt};

use super::errors::ApiError;
use super::guards::RoleGuard;
use crate::app::Services;
use crate::events::{self, Event};
use crate::services::auth::Role;

/// What kind of workspace file changed.
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(name = "WorkspaceChangeKind", remote = "crate::events::WorkspaceChangeKind")]
pub enum ChangeKind {
    /// An agent file (SOUL.md, IDENTITY.md, GOAL.md, …; MEMORY.md counts as MEMORY): refetch the agent.
    AgentFile,
    /// MEMORY.md or a daily note: refetch the agent's memory.
    Memory,
    /// A document or folder under the docs root: refetch the docs tree.
    Doc,
    /// An incident report: refetch the incidents.
    Incident,
    /// openclaw.json: the agent list itself may have changed.
    Config,
}

/// One changed workspace file.
#[derive(SimpleObject)]
pub struct WorkspaceChange {
    /// What kind of file.
    kind: ChangeKind,
    /// The agent, for agent files and memory.
    agent_id: Option<ID>,
    /// The path relative to its root: the agent's workspace (`SOUL.md`, `memory/2026-12-02.md`),
    /// the docs root, the incidents folder, or `openclaw.json`.
    path: String,
}

impl From<&events::WorkspaceChange> for WorkspaceChange {
    fn from(c: &events::WorkspaceChange) -> Self {
        Self { kind: c.kind.into(), agent_id: c.agent_id.clone().map(ID), path: c.path.clone() }
    }
}

/// Workspace subscriptions.
#[derive(Default)]
pub struct WorkspaceSubscription;

#[Subscription]
impl WorkspaceSubscription {
    /// Every change to the workspace files Nexus shows, whether made on disk or through Nexus,
    /// after it has been read (a refetch sees the new state). Bursts of edits are debounced.
    /// Should changes be lost on the way (this subscriber fell behind), one error with
    /// `reason: EVENTS_MISSED` ends the subscription: re-read and subscribe again.
    #[graphql(guard = "RoleGuard::new(Role::Viewer)")]
    async fn workspace_changed(
        &self,
        ctx: &Context<'_>,
    ) -> impl Stream<Item = Result<WorkspaceChange, async_graphql::Error>> {
        ctx.data_unchecked::<Services>().bus.watch().filter_map(|event| {
            futures::future::ready(match event {
                Ok(event) => match event.as_ref() {
                    Event::WorkspaceChanged(change) => Some(Ok(WorkspaceChange::from(change))),
                    _ => None,
                },
                Err(missed) => Some(Err(ApiError::from(missed).into())),
            })
        })
    }
}
