//! Watching the workspace folders: debounced file-system events, turned into the parts of the
//! cached state that must be rebuilt.
//!
//! The native watcher (inotify, FSEvents, …) is used when it starts; otherwise (e.g. the inotify
//! instance limit is reached) a polling watcher takes over, slower but correct.

use std::path::{Path, PathBuf};
use std::time::Duration;

use notify::event::{AccessKind, AccessMode};
use notify::{EventKind, PollWatcher, RecommendedWatcher, RecursiveMode};
use notify_debouncer_full::{
    new_debouncer, new_debouncer_opt, DebounceEventResult, Debouncer, NoCache, RecommendedCache,
};
use tokio::sync::mpsc;

use super::snapshot::{Dirty, CONFIG_FILE};

/// One debounced batch of changes.
#[derive(Debug)]
pub(super) enum Batch {
    /// These paths changed.
    Paths(Vec<PathBuf>),
    /// Events were lost (queue overflow, watcher error): rebuild everything.
    Rescan,
}

/// Whether an event of this kind can mean new content. The native watcher also reports opens and
/// reads, and Nexus opens files itself whenever it reads them: letting those through made every
/// refresh schedule the next, so an idle Nexus re-read its workspace several times a second.
/// `Close(Write)` stays: it ends a write.
fn changes_content(kind: &EventKind) -> bool {
    !matches!(
        kind,
        EventKind::Access(AccessKind::Any | AccessKind::Read | AccessKind::Open(_) | AccessKind::Other)
            | EventKind::Access(AccessKind::Close(AccessMode::Read | AccessMode::Execute))
    )
}

/// A running watcher; stops when dropped.
pub(super) enum Watcher {
    Native(Debouncer<RecommendedWatcher, RecommendedCache>),
    Poll(Debouncer<PollWatcher, NoCache>),
}

impl Watcher {
    /// Starts a watcher that sends debounced batches to `tx`.
    pub(super) fn start(debounce: Duration, tx: mpsc::UnboundedSender<Batch>) -> Option<Self> {
        let handler = move |result: DebounceEventResult| {
            let batch = match result {
                Ok(events) if events.iter().any(|e| e.need_rescan()) => Batch::Rescan,
                Ok(events) => Batch::Paths(
                    events.into_iter().filter(|e| changes_content(&e.event.kind)).flat_map(|e| e.event.paths).collect(),
                ),
                Err(errors) => {
                    for error in errors {
                        tracing::warn!(error = %error, "workspace watcher error; rescanning");
                    }
                    Batch::Rescan
                }
            };
            let _ = tx.send(batch);
        };
        match new_debouncer(debounce, None, handler.clone()) {
            Ok(debouncer) => Some(Self::Native(debouncer)),
            Err(e) => {
                tracing::warn!(error = %e, "native file watching unavailable; polling the workspace every 2 s");
                let config = notify::Config::default().with_poll_interval(Duration::from_secs(2));
                match new_debouncer_opt(debounce, None, handler, NoCache, config) {
                    Ok(debouncer) => Some(Self::Poll(debouncer)),
                    Err(e) => {
                        tracing::error!(error = %e, "cannot watch the workspace; changes on disk need a restart");
                        None
                    }
                }
            }
        }
    }

    pub(super) fn watch(&mut self, path: &Path, mode: RecursiveMode) -> notify::Result<()> {
        match self {
            Self::Native(d) => d.watch(path, mode),
            Self::Poll(d) => d.watch(path, mode),
        }
    }

    pub(super) fn unwatch(&mut self, path: &Path) -> notify::Result<()> {
        match self {
            Self::Native(d) => d.unwatch(path),
            Self::Poll(d) => d.unwatch(path),
        }
    }
}

/// The folders watched, canonicalized (events arrive with the paths that were watched).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(super) struct Roots {
    /// The OpenClaw home (for `openclaw.json`; not recursive).
    pub home: Option<PathBuf>,
    /// The docs root.
    pub docs: Option<PathBuf>,
    /// The incidents folder (not recursive).
    pub incidents: Option<PathBuf>,
    /// Each agent's workspace.
    pub agents: Vec<(String, PathBuf)>,
    /// Folders that do not exist yet (a `workspace-<id>` the gateway creates on first use, a docs
    /// folder made later): their nearest existing ancestor is watched so that their creation is
    /// seen.
    pub missing: Vec<Missing>,
}

/// A folder Nexus should watch that does not exist yet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Missing {
    /// What it would hold.
    pub part: MissingPart,
    /// Where it will be: the canonical nearest existing ancestor joined with the rest.
    pub path: PathBuf,
    /// Its nearest existing ancestor (canonical), watched non-recursively.
    pub ancestor: PathBuf,
}

/// The part of the state a [`Missing`] folder belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum MissingPart {
    /// The OpenClaw home itself.
    Home,
    /// The docs root.
    Docs,
    /// The incidents folder.
    Incidents,
    /// An agent's workspace.
    Agent(String),
}

impl MissingPart {
    /// Marks this part in `dirty`.
    pub(super) fn mark(&self, dirty: &mut Dirty) {
        match self {
            Self::Home => dirty.config = true,
            Self::Docs => dirty.docs = true,
            Self::Incidents => dirty.incidents = true,
            Self::Agent(id) => dirty.agent(id),
        }
    }
}

/// The canonical nearest existing ancestor of `path` and `path` rebuilt on it; `None` when not
/// even the file-system root resolves (or `path` is relative and the working directory is gone).
fn locate_missing(path: &Path) -> Option<(PathBuf, PathBuf)> {
    let absolute = std::path::absolute(path).ok()?;
    let mut rest = Vec::new();
    let mut current = absolute.as_path();
    loop {
        if let Ok(found) = current.canonicalize() {
            if !found.is_dir() {
                return None; // a file stands where a folder should be: nothing to wait for
            }
            let rebuilt = rest.iter().rev().fold(found.clone(), |p: PathBuf, c| p.join(c));
            return Some((found, rebuilt));
        }
        rest.push(current.file_name()?.to_owned());
        current = current.parent()?;
    }
}

impl Roots {
    /// Canonicalizes each folder that exists.
    /// The others are recorded as [`Missing`], to be watched for.
    pub(super) fn resolve(home: &Path, docs: &Path, incidents: &Path, agents: &[(String, PathBuf)]) -> Self {
        let mut missing = Vec::new();
        let mut canonical = |p: &Path, part: MissingPart| match p.canonicalize().ok().filter(|p| p.is_dir()) {
            Some(found) => Some(found),
            None => {
                if let Some((ancestor, path)) = locate_missing(p) {
                    missing.push(Missing { part, path, ancestor });
                }
                None
            }
        };
        let home = canonical(home, MissingPart::Home);
        let docs = canonical(docs, MissingPart::Docs);
        let incidents = canonical(incidents, MissingPart::Incidents);
        let agents = agents
            .iter()
            .filter_map(|(id, p)| Some((id.clone(), canonical(p, MissingPart::Agent(id.clone()))?)))
            .collect();
        Self { home, docs, incidents, agents, missing }
    }

    /// The parts whose folder is missing in `self` but present in `now`.
    pub(super) fn appeared(&self, now: &Roots) -> Dirty {
        let mut dirty = Dirty::default();
        for m in &self.missing {
            if !now.missing.iter().any(|n| n.part == m.part) {
                m.part.mark(&mut dirty);
            }
        }
        dirty
    }

    /// Every folder to watch, each once (recursive wins over non-recursive).
    pub(super) fn watch_list(&self) -> Vec<(PathBuf, RecursiveMode)> {
        let mut out: Vec<(PathBuf, RecursiveMode)> = Vec::new();
        let mut add = |path: &PathBuf, mode: RecursiveMode| match out.iter_mut().find(|(p, _)| p == path) {
            Some((_, existing)) => {
                if mode == RecursiveMode::Recursive {
                    *existing = mode;
                }
            }
            None => out.push((path.clone(), mode)),
        };
        for (_, path) in &self.agents {
            add(path, RecursiveMode::Recursive);
        }
        if let Some(p) = &self.docs {
            add(p, RecursiveMode::Recursive);
        }
        if let Some(p) = &self.incidents {
            add(p, RecursiveMode::NonRecursive);
        }
        if let Some(p) = &self.home {
            add(p, RecursiveMode::NonRecursive);
        }
        for m in &self.missing {
            add(&m.ancestor, RecursiveMode::NonRecursive);
        }
        out
    }

    /// Marks in `dirty` the part of the state that `path` belongs to. Dot files (editor swap
    /// files, Nexus's own temporary files) and backups ending in `~` are ignored.
    pub(super) fn classify(&self, path: &Path, dirty: &mut Dirty) {
        // A missing folder (or a folder on the way to it) appeared: watch it from now on.
        if self.missing.iter().any(|m| m.path.starts_with(path)) {
            dirty.rewatch = true;
        }
        if self.home.as_ref().is_some_and(|home| path == home.join(CONFIG_FILE)) {
            dirty.config = true;
            return;
        }
        // The most specific root wins (a docs folder may sit inside the home, for example); on a
        // tie the first considered wins, so an agent workspace beats the home it may be.
        let mut candidates: Vec<Part<'_>> = self.agents.iter().map(|(id, root)| Part::Agent(id, root)).collect();
        candidates.extend(self.docs.as_deref().map(Part::Docs));
        candidates.extend(self.incidents.as_deref().map(Part::Incidents));
        candidates.extend(self.home.as_deref().map(Part::Home));
        let mut best: Option<Part<'_>> = None;
        for part in candidates {
            let len = part.root().as_os_str().len();
            if path.starts_with(part.root()) && best.as_ref().is_none_or(|b| len > b.root().as_os_str().len()) {
                best = Some(part);
            }
        }
        let Some(part) = best else { return };
        let root = part.root();
        let Ok(rel) = path.strip_prefix(root) else { return };
        let ignored = rel.components().any(|c| {
            let name = c.as_os_str().to_string_lossy();
            name.starts_with('.') || name.ends_with('~')
        });
        if ignored {
            return;
        }
        match part {
            // Only openclaw.json matters in the home, and it was handled above.
            Part::Home(_) => {}
            Part::Docs(_) => dirty.docs = true,
            Part::Incidents(_) => dirty.incidents = true,
            Part::Agent(id, _) => dirty.agent(id),
        }
    }
}

enum Part<'a> {
    Home(&'a Path),
    Docs(&'a Path),
    Incidents(&'a Path),
    Agent(&'a str, &'a Path),
}

impl Part<'_> {
    fn root(&self) -> &Path {
        match self {
            Part::Home(r) | Part::Docs(r) | Part::Incidents(r) | Part::Agent(_, r) => r,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn roots() -> Roots {
        Roots {
            home: Some("/oc".into()),
            docs: Some("/oc/nexus/docs".into()),
            incidents: Some("/oc/nexus/incidents".into()),
            agents: vec![("main".into(), "/oc/workspace".into()), ("ops".into(), "/oc/workspace-ops".into())],
            missing: vec![Missing {
                part: MissingPart::Agent("qa".into()),
                path: "/oc/workspace-qa".into(),
                ancestor: "/oc".into(),
            }],
        }
    }

    fn dirty(paths: &[&str]) -> Dirty {
        let mut dirty = Dirty::default();
        for p in paths {
            roots().classify(Path::new(p), &mut dirty);
        }
        dirty
    }

    #[test]
    fn opening_or_reading_a_file_is_not_a_change_but_writing_closing_renaming_and_removing_are() {
        use notify::event::{CreateKind, DataChange, ModifyKind, RemoveKind, RenameMode};
        for ignored in [
            EventKind::Access(AccessKind::Open(AccessMode::Read)),
            EventKind::Access(AccessKind::Open(AccessMode::Any)),
            EventKind::Access(AccessKind::Read),
            EventKind::Access(AccessKind::Any),
            EventKind::Access(AccessKind::Close(AccessMode::Read)),
        ] {
            assert!(!changes_content(&ignored), "{ignored:?}");
        }
        for kept in [
            EventKind::Access(AccessKind::Close(AccessMode::Write)),
            EventKind::Create(CreateKind::File),
            EventKind::Modify(ModifyKind::Data(DataChange::Any)),
            EventKind::Modify(ModifyKind::Name(RenameMode::Both)),
            EventKind::Remove(RemoveKind::File),
            EventKind::Any,
        ] {
            assert!(changes_content(&kept), "{kept:?}");
        }
    }

    #[test]
    fn changed_paths_mark_the_part_they_belong_to() {
        assert_eq!(dirty(&["/oc/openclaw.json"]), Dirty { config: true, ..Dirty::default() });
        assert_eq!(dirty(&["/oc/nexus/docs/runbooks/a.md"]), Dirty { docs: true, ..Dirty::default() });
        assert_eq!(dirty(&["/oc/nexus/incidents/x.md"]), Dirty { incidents: true, ..Dirty::default() });
        assert_eq!(
            dirty(&["/oc/workspace/SOUL.md", "/oc/workspace-ops/memory/2026-12-01.md", "/oc/workspace/USER.md"]),
            Dirty { agents: vec!["main".into(), "ops".into()], ..Dirty::default() }
        );
    }

    #[test]
    fn temporary_files_and_unrelated_paths_are_ignored() {
        let nothing = Dirty::default();
        for path in [
            "/oc/workspace/.SOUL.md.nexus-1.tmp",
            "/oc/workspace/.SOUL.md.swp",
            "/oc/workspace/SOUL.md~",
            "/oc/sessions.sqlite",
            "/elsewhere/openclaw.json",
            "/oc/nexus/docs/.git/index",
        ] {
            assert_eq!(dirty(&[path]), nothing, "{path}");
        }
    }

    #[test]
    fn the_creation_of_a_missing_folder_or_a_folder_on_its_way_asks_for_new_watches() {
        assert_eq!(dirty(&["/oc/workspace-qa"]), Dirty { rewatch: true, ..Dirty::default() });
        let mut r = roots();
        r.missing[0].path = "/oc/agents/qa/workspace".into();
        let mut d = Dirty::default();
        r.classify(Path::new("/oc/agents"), &mut d);
        assert!(d.rewatch);
        let mut d = Dirty::default();
        r.classify(Path::new("/oc/agents-old"), &mut d);
        assert!(!d.rewatch, "a sibling with a common prefix is not on the way");
    }

    #[test]
    fn missing_folders_are_found_under_their_nearest_existing_ancestor() {
        let dir = tempfile::tempdir().unwrap();
        let home = dir.path().join("oc");
        std::fs::create_dir(&home).unwrap();
        std::fs::create_dir(home.join("workspace")).unwrap();
        let agents = vec![("main".into(), home.join("workspace")), ("qa".into(), home.join("workspace-qa"))];
        let before = Roots::resolve(&home, &home.join("nexus/docs"), &home.join("nexus/incidents"), &agents);
        let canon = home.canonicalize().unwrap();
        assert_eq!(before.agents, vec![("main".to_owned(), canon.join("workspace"))]);
        let parts: Vec<_> =
            before.missing.iter().map(|m| (m.part.clone(), m.ancestor.clone(), m.path.clone())).collect();
        assert_eq!(
            parts,
            vec![
                (MissingPart::Docs, canon.clone(), canon.join("nexus/docs")),
                (MissingPart::Incidents, canon.clone(), canon.join("nexus/incidents")),
                (MissingPart::Agent("qa".into()), canon.clone(), canon.join("workspace-qa")),
            ]
        );
        assert!(
            !before.watch_list().contains(&(canon.clone(), RecursiveMode::Recursive)),
            "the home is not watched recursively"
        );
        assert!(before.watch_list().contains(&(canon.clone(), RecursiveMode::NonRecursive)));

        std::fs::create_dir_all(home.join("nexus/docs")).unwrap();
        std::fs::create_dir(home.join("workspace-qa")).unwrap();
        let after = Roots::resolve(&home, &home.join("nexus/docs"), &home.join("nexus/incidents"), &agents);
        assert_eq!(after.missing.len(), 1, "only the incidents folder is still missing");
        assert_eq!(after.missing[0].ancestor, canon.join("nexus"));
        assert_eq!(before.appeared(&after), Dirty { docs: true, agents: vec!["qa".into()], ..Dirty::default() });
    }

    #[test]
    fn each_folder_is_watched_once() {
        let mut r = roots();
        r.agents.push(("home".into(), "/oc".into()));
        let list = r.watch_list();
        assert_eq!(list.iter().filter(|(p, _)| p == Path::new("/oc")).count(), 1);
        assert!(list.contains(&(PathBuf::from("/oc"), RecursiveMode::Recursive)));
        assert!(list.contains(&(PathBuf::from("/oc/nexus/incidents"), RecursiveMode::NonRecursive)));
    }
}
