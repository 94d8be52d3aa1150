//! The event bus: domain events published after commit and fanned out to subscriptions.
//!
//! With SQLite (one process) events travel through an in-process broadcast channel. With
//! PostgreSQL every publish is a `NOTIFY` and every process `LISTEN`s, so any number of Nexus
//! replicas on one database see each other's changes; the local channel is fed only by the
//! listener, so an event is delivered once per process either way.

use std::sync::Arc;
use std::time::Duration;

use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, Statement};
use serde::{Deserialize, Serialize};
use tokio::sync::broadcast;
use tokio_util::sync::{CancellationToken, DropGuard};

/// The Postgres channel Nexus notifies on.
const CHANNEL: &str = "nexus_events";

/// A change other parts of Nexus (and other replicas) may want to know about. Kept small: ids
/// and kinds, never whole rows — subscribers re-read what they need with the caller's rights.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "camelCase")]
pub enum Event {
    /// A user's sessions were revoked (disabled, password changed): open sockets must close.
    SessionsRevoked {
        /// The user whose sessions ended.
        user_id: String,
        /// When (Unix milliseconds): access tokens issued before are void.
        revoked_at: i64,
    },
    /// One session (token family) ended by logout: its access tokens are void, its sockets close.
    SessionEnded {
        /// The session's user.
        user_id: String,
        /// The session (refresh-token family) id, the `sid` claim of its access tokens.
        session_id: String,
    },
    /// A file of the OpenClaw workspace changed (seen by the watcher, or written by Nexus).
    WorkspaceChanged(WorkspaceChange),
    /// A project was created, changed, archived, unarchived or deleted.
    ProjectChanged {
        /// The project.
        project_id: String,
        /// What happened.
        kind: ChangeKind,
    },
    /// A task was created, changed, assigned, moved or deleted (with its project).
    TaskChanged {
        /// The task.
        task_id: String,
        /// Its project.
        project_id: String,
        /// What happened.
        kind: ChangeKind,
    },
    /// An activity entry was written.
    ActivityAdded {
        /// The entry.
        activity_id: String,
        /// Its project.
        project_id: String,
    },
    /// This process may have missed events (its Postgres listener lost its connection and got it
    /// back): whoever keeps derived state should re-read it. Only ever delivered locally.
    Resync,
}

/// What kind of workspace file changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum WorkspaceChangeKind {
    /// An allow-listed agent file (SOUL.md, IDENTITY.md, GOAL.md, …) other than MEMORY.md.
    AgentFile,
    /// MEMORY.md or a daily note under memory/.
    Memory,
    /// A document or folder under the docs root.
    Doc,
    /// An incident report.
    Incident,
    /// openclaw.json (the agent list itself may have changed).
    Config,
}

/// One changed workspace file: ids and a relative path, never content.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WorkspaceChange {
    /// What kind of file.
    pub kind: WorkspaceChangeKind,
    /// The agent whose workspace it is in (agent files and memory).
    pub agent_id: Option<String>,
    /// The path relative to its root: the agent workspace, the docs root, the incidents folder or
    /// the OpenClaw home.
    pub path: String,
}

/// What kind of change a [`Event::ProjectChanged`] or [`Event::TaskChanged`] reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ChangeKind {
    /// It was created.
    Created,
    /// Its fields changed.
    Updated,
    /// A task's assignee changed.
    Assigned,
    /// A task moved to another state.
    Transitioned,
    /// A project was archived.
    Archived,
    /// A project was unarchived.
    Unarchived,
    /// It was deleted.
    Deleted,
}

/// See [`EventBus::downgrade`].
#[derive(Clone)]
pub struct WeakEventBus {
    local: broadcast::WeakSender<Arc<Event>>,
}

impl WeakEventBus {
    /// [`EventBus::publish_local`], if the bus still exists.
    pub fn publish_local(&self, event: Event) {
        if let Some(local) = self.local.upgrade() {
            let _ = local.send(Arc::new(event));
        }
    }
}

/// Events may have been lost for a subscriber (see [`EventBus::watch`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("some changes were not delivered to this subscription; re-read and subscribe again")]
pub struct EventsMissed;

/// Fan-out of [`Event`]s; cheap to clone.
#[derive(Clone)]
pub struct EventBus {
    local: broadcast::Sender<Arc<Event>>,
    postgres: Option<DatabaseConnection>,
    /// Stops the LISTEN task when the last clone of the bus is dropped.
    _listener: Option<Arc<DropGuard>>,
}

impl EventBus {
    /// An in-process bus (single instance, SQLite).
    pub fn in_process() -> Self {
        let (local, _) = broadcast::channel(1024);
        Self { local, postgres: None, _listener: None }
    }

    /// A bus over Postgres LISTEN/NOTIFY; spawns the listener task (it reconnects on its own).
    pub async fn postgres(db: DatabaseConnection, url: &str) -> Result<Self, sqlx::Error> {
        let (local, _) = broadcast::channel(1024);
        let mut listener = sqlx::postgres::PgListener::connect(url).await?;
        listener.listen(CHANNEL).await?;
        let sender = local.clone();
        let stop = CancellationToken::new();
        let guard = Arc::new(stop.clone().drop_guard());
        tokio::spawn(async move {
            // Set when the listener failed: notifications sent until it is back are lost.
            let mut lost = false;
            loop {
                let next = tokio::select! {
                    _ = stop.cancelled() => break,
                    next = listener.try_recv() => next,
                };
                if lost && next.is_ok() {
                    lost = false;
                    let _ = sender.send(Arc::new(Event::Resync));
                }
                match next {
                    Ok(Some(n)) => match serde_json::from_str::<Event>(n.payload()) {
                        Ok(event) => {
                            let _ = sender.send(Arc::new(event));
                        }
                        Err(e) => tracing::warn!(error = %e, "ignoring malformed event notification"),
                    },
                    // The connection dropped and sqlx has already reconnected and re-listened
                    // (eager reconnect); what was sent in between is gone.
                    Ok(None) => {
                        tracing::warn!("event listener lost its connection and reconnected; subscribers resync");
                        let _ = sender.send(Arc::new(Event::Resync));
                    }
                    Err(e) => {
                        tracing::warn!(error = %e, "event listener failed; retrying");
                        lost = true;
                        tokio::time::sleep(Duration::from_secs(1)).await;
                    }
                }
            }
        });
        Ok(Self { local, postgres: Some(db), _listener: Some(guard) })
    }

    /// Chooses the bus for a connection: Postgres LISTEN/NOTIFY or in-process.
    pub async fn for_database(db: &DatabaseConnection, url: &str) -> Result<Self, sqlx::Error> {
        if db.get_database_backend() == DbBackend::Postgres {
            Self::postgres(db.clone(), url).await
        } else {
            Ok(Self::in_process())
        }
    }

    /// Publishes an event. Call only after the change it describes has committed.
    pub async fn publish(&self, event: Event) {
        match &self.postgres {
            Some(db) => {
                let payload = match serde_json::to_string(&event) {
                    Ok(p) => p,
                    Err(e) => return tracing::error!(error = %e, "event not serialisable"),
                };
                let stmt = Statement::from_sql_and_values(
                    DbBackend::Postgres,
                    "SELECT pg_notify($1, $2)",
                    [CHANNEL.into(), payload.into()],
                );
                // A lost notification degrades live updates only; the change itself is committed.
                if let Err(e) = db.execute(stmt).await {
                    tracing::warn!(error = %e, "could not publish event");
                }
            }
            None => {
                let _ = self.local.send(Arc::new(event));
            }
        }
    }

    /// Delivers an event to this process's subscribers only.
    ///
    /// For changes every replica observes on its own, such as workspace files, which each
    /// replica's watcher sees on the shared volume: sending those through NOTIFY as well would
    /// deliver each change once per replica.
    pub fn publish_local(&self, event: Event) {
        let _ = self.local.send(Arc::new(event));
    }

    /// A handle that can publish locally without keeping the bus alive, for background tasks
    /// that should end with the app (a task holding a full clone would keep it, and its
    /// PostgreSQL listener, running forever).
    pub fn downgrade(&self) -> WeakEventBus {
        WeakEventBus { local: self.local.downgrade() }
    }

    /// A receiver of every event published from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<Arc<Event>> {
        self.local.subscribe()
    }

    /// Every event published from now on, as a stream; `Err(n)` reports `n` events the receiver
    /// fell behind on and missed. The receiver is registered before this returns, so nothing
    /// published afterwards is missed by a consumer that keeps up.
    pub fn stream(&self) -> impl futures::Stream<Item = Result<Arc<Event>, u64>> + Send + 'static {
        let mut rx = self.subscribe();
        async_stream::stream! {
            loop {
                match rx.recv().await {
                    Ok(event) => yield Ok(event),
                    Err(broadcast::error::RecvError::Lagged(n)) => yield Err(n),
                    Err(broadcast::error::RecvError::Closed) => break,
                }
            }
        }
    }

    /// Like [`EventBus::stream`] for subscribers that derive what they show from events: once
    /// events may have been lost to it — it fell behind the bus, or the PostgreSQL listener
    /// reconnected ([`Event::Resync`]) — it yields [`EventsMissed`] and ends, so the client
    /// re-reads and subscribes again instead of showing stale data without knowing.
    pub fn watch(&self) -> impl futures::Stream<Item = Result<Arc<Event>, EventsMissed>> + Send + 'static {
        let events = self.stream();
        async_stream::stream! {
            futures::pin_mut!(events);
            while let Some(next) = futures::StreamExt::next(&mut events).await {
                match next {
                    Ok(event) if matches!(*event, Event::Resync) => {
                        yield Err(EventsMissed);
                        break;
                    }
                    Ok(event) => yield Ok(event),
                    Err(missed) => {
                        tracing::warn!(missed, "a subscriber fell behind the event bus; ending it so the client refetches");
                        yield Err(EventsMissed);
                        break;
                    }
                }
            }
        }
    }

    /// How many receivers are listening in this process (live subscriptions, mostly).
    pub fn subscriber_count(&self) -> usize {
        self.local.receiver_count()
    }
}
