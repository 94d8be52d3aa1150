//! The cached workspace: parsed state held in memory, rebuilt part by part when the watcher (or a
//! write through Nexus) reports a change, with the difference published as workspace events.
//!
//! Queries read the cache and never walk the folders; only single-file reads (a file's content, a
//! search) touch the disk, bounded by the size limit.

use std::path::PathBuf;
use std::sync::{Arc, Mutex, RwLock, Weak};
use std::time::Duration;

use tokio::sync::{mpsc, MutexGuard};

use super::snapshot::{
    diff_docs, diff_incidents, diff_team, load_team, scan_agent, scan_docs, scan_incidents, workspaces, ConfigProblem,
    Dirty, DocFolder, IncidentList, TeamState,
};
use super::watch::{Batch, Roots, Watcher};
use crate::events::{Event, EventBus, WorkspaceChange};

/// Where the workspace is and how it is read.
#[derive(Debug, Clone)]
pub struct WorkspaceSettings {
    /// The OpenClaw state directory (holds `openclaw.json`).
    pub home: PathBuf,
    /// The docs root.
    pub docs_dir: PathBuf,
    /// The incidents folder.
    pub incidents_dir: PathBuf,
    /// The largest file read or written, in bytes.
    pub max_file_bytes: u64,
    /// How long the watcher waits for changes to settle before refreshing.
    pub debounce: Duration,
    /// The user's home directory, for `~` in workspace paths.
    pub user_home: Option<PathBuf>,
}

/// The workspace handle; cheap to clone.
#[derive(Clone)]
pub struct Workspace {
    inner: Arc<Inner>,
}

struct Inner {
    settings: WorkspaceSettings,
    team: RwLock<Arc<TeamState>>,
    docs: RwLock<Arc<DocFolder>>,
    incidents: RwLock<Arc<IncidentList>>,
    /// Serialises refreshes, so an older scan never replaces a newer one.
    refresh: tokio::sync::Mutex<()>,
    /// Serialises writes through Nexus, so check-hash-then-write is atomic among them.
    writes: tokio::sync::Mutex<()>,
    bus: EventBus,
    watch: Mutex<WatchState>,
    /// Rounds of re-reading since start (see [`Workspace::refresh_rounds`]).
    rounds: std::sync::atomic::AtomicU64,
}

#[derive(Default)]
struct WatchState {
    watcher: Option<Watcher>,
    watched: Vec<(PathBuf, notify::RecursiveMode)>,
    roots: Roots,
}

/// Why a blocking workspace task failed to finish.
#[derive(Debug, thiserror::Error)]
#[error("workspace task failed: {0}")]
pub struct TaskFailed(#[from] tokio::task::JoinError);

fn read<T>(lock: &RwLock<Arc<T>>) -> Arc<T> {
    // A poisoned lock only means a panic elsewhere while swapping an Arc; the Arc is intact.
    lock.read().unwrap_or_else(|e| e.into_inner()).clone()
}

fn replace<T>(lock: &RwLock<Arc<T>>, value: T) {
    *lock.write().unwrap_or_else(|e| e.into_inner()) = Arc::new(value);
}

impl Workspace {
    /// Scans the workspace and starts watching it. Never fails: a missing or invalid
    /// `openclaw.json` is part of the state ([`Workspace::health`]), missing folders read as empty.
    pub async fn open(settings: WorkspaceSettings, bus: EventBus) -> Self {
        let scan_settings = settings.clone();
        let scanned = tokio::task::spawn_blocking(move || {
            let s = scan_settings;
            (
                load_team(&s.home, s.user_home.as_deref(), s.max_file_bytes),
                scan_docs(&s.docs_dir, s.max_file_bytes),
                scan_incidents(&s.incidents_dir, s.max_file_bytes),
            )
        })
        .await;
        let (team, docs, incidents) = scanned.unwrap_or_else(|e| {
            // A bug in a parser must not stop Nexus: the workspace reads as unavailable instead.
            tracing::error!(error = %e, "the initial workspace scan failed");
            (
                Err(ConfigProblem("the workspace scan failed (see the server log)".into())),
                DocFolder::default(),
                Vec::new(),
            )
        });
        if let Err(problem) = &team {
            tracing::warn!(problem = %problem.0, "OpenClaw config unavailable; agents are unavailable until it is fixed");
        }
        let inner = Arc::new(Inner {
            settings,
            team: RwLock::new(Arc::new(team)),
            docs: RwLock::new(Arc::new(docs)),
            incidents: RwLock::new(Arc::new(incidents)),
            refresh: tokio::sync::Mutex::new(()),
            writes: tokio::sync::Mutex::new(()),
            bus,
            watch: Mutex::new(WatchState::default()),
            rounds: std::sync::atomic::AtomicU64::new(0),
        });
        let workspace = Self { inner };
        let (tx, rx) = mpsc::unbounded_channel();
        let starting = workspace.clone();
        let started = tokio::task::spawn_blocking(move || {
            let watcher = Watcher::start(starting.inner.settings.debounce, tx);
            starting.inner.watch.lock().unwrap_or_else(|e| e.into_inner()).watcher = watcher;
            // Nothing was watched before, so nothing can have appeared.
            let _ = starting.update_watches();
        })
        .await;
        if let Err(e) = started {
            tracing::error!(error = %e, "starting the workspace watcher failed; changes on disk need a restart");
        }
        // The task holds a weak reference: dropping the last handle drops the watcher, which
        // closes the channel and ends the task.
        tokio::spawn(watch_loop(Arc::downgrade(&workspace.inner), rx));
        workspace
    }

    /// Points the watcher at the current folders (agents come and go with `openclaw.json`).
    /// Blocking (it resolves folders and registers watches): run it on the blocking pool.
    /// Returns the parts whose folder appeared since the last call: they must be read again,
    /// since files made in them before the watch began were not seen.
    fn update_watches(&self) -> Dirty {
        let s = &self.inner.settings;
        let roots = Roots::resolve(&s.home, &s.docs_dir, &s.incidents_dir, &workspaces(&self.team()));
        let wanted = roots.watch_list();
        let mut state = self.inner.watch.lock().unwrap_or_else(|e| e.into_inner());
        let previous = std::mem::take(&mut state.watched);
        if let Some(watcher) = state.watcher.as_mut() {
            for (path, mode) in &previous {
                if !wanted.contains(&(path.clone(), *mode)) {
                    let _ = watcher.unwatch(path);
                }
            }
            for (path, mode) in &wanted {
                if previous.contains(&(path.clone(), *mode)) {
                    continue;
                }
                if let Err(e) = watcher.watch(path, *mode) {
                    tracing::warn!(path = %path.display(), error = %e, "cannot watch a workspace folder");
                }
            }
        }
        state.watched = wanted;
        let appeared = state.roots.appeared(&roots);
        state.roots = roots;
        appeared
    }

    /// The settings.
    pub fn settings(&self) -> &WorkspaceSettings {
        &self.inner.settings
    }

    /// The team as last read.
    pub fn team(&self) -> Arc<TeamState> {
        read(&self.inner.team)
    }

    /// The docs tree as last read.
    pub fn docs(&self) -> Arc<DocFolder> {
        read(&self.inner.docs)
    }

    /// The incident reports as last read.
    pub fn incidents(&self) -> Arc<IncidentList> {
        read(&self.inner.incidents)
    }

    /// `Ok` when `openclaw.json` was read; otherwise why not (safe to show).
    pub fn health(&self) -> Result<(), String> {
        match &*self.team() {
            Ok(_) => Ok(()),
            Err(problem) => Err(problem.0.clone()),
        }
    }

    /// Waits for the write lock: held across check-then-write of a file.
    pub async fn write_lock(&self) -> MutexGuard<'_, ()> {
        self.inner.writes.lock().await
    }

    /// Runs blocking file work on the blocking pool.
    ///
    /// # Errors
    /// When the task panicked or was cancelled.
    pub async fn blocking<T, F>(&self, work: F) -> Result<T, TaskFailed>
    where
        F: FnOnce(&WorkspaceSettings) -> T + Send + 'static,
        T: Send + 'static,
    {
        let settings = self.inner.settings.clone();
        Ok(tokio::task::spawn_blocking(move || work(&settings)).await?)
    }

    /// Rebuilds the marked parts, swaps them in and publishes what changed (to this process's
    /// subscribers: every replica's own watcher sees the same files). Returns the changes.
    pub async fn refresh(&self, dirty: Dirty) -> Vec<WorkspaceChange> {
        if dirty.is_empty() {
            return Vec::new();
        }
        let _guard = self.inner.refresh.lock().await;
        let mut changes = Vec::new();
        let mut next = dirty;
        // A round can reveal folders that appeared meanwhile (with a new config, say); those are
        // read in the next round. Folders appear only so often, so a few rounds always suffice.
        for _ in 0..4 {
            if next.is_empty() {
                break;
            }
            next = self.refresh_round(next, &mut changes).await;
        }
        for change in &changes {
            tracing::debug!(kind = ?change.kind, agent = ?change.agent_id, path = %change.path, "workspace changed");
            self.inner.bus.publish_local(Event::WorkspaceChanged(change.clone()));
        }
        changes
    }

    /// Points the watcher at the current folders on the blocking pool; returns what appeared.
    async fn rewatch(&self) -> Dirty {
        let workspace = self.clone();
        tokio::task::spawn_blocking(move || workspace.update_watches()).await.unwrap_or_else(|e| {
            tracing::error!(error = %e, "updating the workspace watches failed");
            Dirty::default()
        })
    }

    /// How many times parts of the workspace were re-read since start: a diagnostic that shows an
    /// idle Nexus leaves its files alone (tests read it).
    pub fn refresh_rounds(&self) -> u64 {
        self.inner.rounds.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// One rebuild of the marked parts (the refresh lock held); returns what must be read next.
    async fn refresh_round(&self, mut dirty: Dirty, changes: &mut Vec<WorkspaceChange>) -> Dirty {
        self.inner.rounds.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        if dirty.rewatch {
            // Watch first, then read: a file made in between is seen by the read.
            dirty.merge(self.rewatch().await);
        }
        let (team, docs, incidents) = (self.team(), self.docs(), self.incidents());
        let before_team = team.clone();
        let scanned = self
            .blocking(move |s| {
                let limit = s.max_file_bytes;
                let team = if dirty.config {
                    Some(load_team(&s.home, s.user_home.as_deref(), limit))
                } else {
                    match &*before_team {
                        Ok(current) if !dirty.agents.is_empty() => {
                            let mut next = current.clone();
                            for slot in next.agents.iter_mut().filter(|a| dirty.agents.iter().any(|id| id == a.id())) {
                                *slot = Arc::new(scan_agent(slot.config.clone(), limit));
                            }
                            Some(Ok(next))
                        }
                        _ => None,
                    }
                };
                let docs = dirty.docs.then(|| scan_docs(&s.docs_dir, limit));
                let incidents = dirty.incidents.then(|| scan_incidents(&s.incidents_dir, limit));
                (team, docs, incidents)
            })
            .await;
        let (new_team, new_docs, new_incidents) = match scanned {
            Ok(parts) => parts,
            Err(e) => {
                tracing::error!(error = %e, "workspace refresh failed; keeping the previous state");
                return Dirty::default();
            }
        };

        let mut next = Dirty::default();
        if let Some(new_team) = new_team {
            let config_changed = match (&*team, &new_team) {
                (Ok(a), Ok(b)) => a.config != b.config,
                (a, b) => a != b,
            };
            changes.extend(diff_team(&team, &new_team));
            if let (Ok(_), Err(problem)) = (&*team, &new_team) {
                tracing::warn!(problem = %problem.0, "OpenClaw config became unavailable");
            }
            replace(&self.inner.team, new_team);
            if config_changed {
                next = self.rewatch().await;
                next.config = false; // it was just read
            }
        }
        if let Some(new_docs) = new_docs {
            changes.extend(diff_docs(&docs, &new_docs));
            replace(&self.inner.docs, new_docs);
        }
        if let Some(new_incidents) = new_incidents {
            changes.extend(diff_incidents(&incidents, &new_incidents));
            replace(&self.inner.incidents, new_incidents);
        }
        next
    }

    fn classify(&self, batch: Batch) -> Dirty {
        match batch {
            Batch::Rescan => Dirty::all(),
            Batch::Paths(paths) => {
                let state = self.inner.watch.lock().unwrap_or_else(|e| e.into_inner());
                let mut dirty = Dirty::default();
                for path in &paths {
                    state.roots.classify(path, &mut dirty);
                }
                dirty
            }
        }
    }
}

async fn watch_loop(inner: Weak<Inner>, mut rx: mpsc::UnboundedReceiver<Batch>) {
    while let Some(batch) = rx.recv().await {
        let Some(inner) = inner.upgrade() else { break };
        let workspace = Workspace { inner };
        let mut dirty = workspace.classify(batch);
        // Take whatever else arrived meanwhile, so a burst costs one refresh.
        while let Ok(more) = rx.try_recv() {
            dirty.merge(workspace.classify(more));
        }
        workspace.refresh(dirty).await;
    }
}
