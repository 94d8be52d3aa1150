//! Dataloaders, one per relation edge, built per request (never on the schema: a schema-wide
//! loader would share data across callers).
//!
//! One [`DataLoader`] serves every edge: each key type below is batched on its own, so all the
//! `task.project` lookups of a response become one `IN (…)` query, all the `project.tasks(first)`
//! pages one windowed query, and so on. Nothing is cached between batches: a subscription keeps
//! its loaders for hours, and its events must show current data.
//!
//! | edge | key | one statement |
//! |---|---|---|
//! | `Task.project`, `ActivityEntry.project` | [`ProjectId`] | `projects WHERE id IN …` |
//! | `ActivityEntry.task`, `TaskChangedEvent.task` | [`TaskId`] | `tasks WHERE id IN …` |
//! | `Project.tasks(first)` | [`ProjectTasks`] | `ROW_NUMBER() OVER (PARTITION BY project_id)` |
//! | `Project.taskCounts`, its `totalCount` | [`ProjectTaskCounts`] | `GROUP BY project_id, state` |
//! | `Task.activity(first)` | [`TaskActivity`] | `ROW_NUMBER() OVER (PARTITION BY task_id)` |
//! | its `totalCount` | [`TaskActivityCount`] | `GROUP BY task_id` |
//! | `Project.activity(first)` | [`ProjectActivity`] | `ROW_NUMBER() OVER (PARTITION BY project_id)` |
//! | its `totalCount` | [`ProjectActivityCount`] | `GROUP BY project_id` |
//! | `ActivityEntry.actor` (users) | [`UserId`] | `users WHERE id IN …` |
//! | `Task.assignee` | [`AgentId`] | `GROUP BY assignee_id, state` |

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, TryLockError};
use std::task::{Context as TaskContext, Poll, Wake, Waker};
use std::time::Duration;

use async_graphql::dataloader::{DataLoader, Loader};
use async_graphql::Context;
use futures::Stream;
use tracing::Instrument as _;

use super::errors::{ApiError, ErrorCode};
use crate::app::Services;
use crate::db::ids::{ProjectId, TaskId, UserId};
use crate::services::activity::ActivityEntry;
use crate::services::input::AgentId;
use crate::services::pagination::{Page, PageRequest};
use crate::services::projects::Project;
use crate::services::tasks::{StateCounts, Task, TaskState, Workload};

/// How long a loader waits for more keys before it runs a batch (on top of the gate below).
const BATCH_DELAY: Duration = Duration::from_millis(1);

/// Largest batch (ids bound in one statement); well under SQLite's and PostgreSQL's parameter limits.
const MAX_BATCH: usize = 5_000;

/// Lets a batch collect its keys only when the request is quiescent.
///
/// A batch collects the keys registered so far when its timer fires. The siblings of one level of
/// a query register their keys over one or more polls of the request future (the executor polls
/// a few siblings, yields, and continues on the next poll), and on a busy machine or in a debug
/// build those polls can outlast the timer: a batch that starts in between splits one level into
/// several statements. So a batch task polls only while the request is neither being polled nor
/// woken (it has nothing left to do but wait for its batches), and the two never poll at the same
/// time. A side that cannot go yields and is polled again, so no worker thread blocks; once the
/// request is dropped, batches are no longer held back.
#[derive(Clone, Default)]
pub struct Gate(Arc<GateState>);

#[derive(Default)]
struct GateState {
    /// Held while the request or a batch is being polled.
    turn: Mutex<()>,
    /// The request was woken and has not been polled since.
    request_woken: AtomicBool,
    /// The request future or stream is gone.
    closed: AtomicBool,
}

impl GateState {
    fn enter(&self) -> Option<MutexGuard<'_, ()>> {
        match self.turn.try_lock() {
            Ok(guard) => Some(guard),
            Err(TryLockError::Poisoned(p)) => Some(p.into_inner()),
            Err(TryLockError::WouldBlock) => None,
        }
    }

    fn request_busy(&self) -> bool {
        self.request_woken.load(Ordering::SeqCst) && !self.closed.load(Ordering::SeqCst)
    }
}

/// The request's waker, recording that the request has work to do.
struct RequestWaker {
    gate: Arc<GateState>,
    waker: Waker,
}

impl Wake for RequestWaker {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.gate.request_woken.store(true, Ordering::SeqCst);
        self.waker.wake_by_ref();
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Side {
    Request,
    Batch,
}

impl Gate {
    /// Runs the request future `fut` behind the gate.
    pub fn run<F: Future>(&self, fut: F) -> Gated<F> {
        Gated { gate: self.clone(), side: Side::Request, inner: Box::pin(fut) }
    }

    /// Runs the response stream of a subscription behind the gate.
    pub fn run_stream<S: Stream>(&self, stream: S) -> Gated<S> {
        Gated { gate: self.clone(), side: Side::Request, inner: Box::pin(stream) }
    }

    fn batch<F: Future>(&self, fut: F) -> Gated<F> {
        Gated { gate: self.clone(), side: Side::Batch, inner: Box::pin(fut) }
    }

    fn poll<T>(
        &self,
        side: Side,
        cx: &mut TaskContext<'_>,
        poll: impl FnOnce(&mut TaskContext<'_>) -> Poll<T>,
    ) -> Poll<T> {
        let state = &self.0;
        let yield_now = |cx: &mut TaskContext<'_>| {
            cx.waker().wake_by_ref();
            Poll::Pending
        };
        if side == Side::Batch && state.request_busy() {
            return yield_now(cx);
        }
        let Some(_turn) = state.enter() else { return yield_now(cx) };
        match side {
            Side::Request => {
                state.request_woken.store(false, Ordering::SeqCst);
                let waker = Waker::from(Arc::new(RequestWaker { gate: state.clone(), waker: cx.waker().clone() }));
                poll(&mut TaskContext::from_waker(&waker))
            }
            // Woken between the check and the turn: let the request go first.
            Side::Batch if state.request_busy() => yield_now(cx),
            Side::Batch => poll(cx),
        }
    }
}

/// A future or stream polled only when its [`Gate`] lets it.
pub struct Gated<F> {
    gate: Gate,
    side: Side,
    inner: Pin<Box<F>>,
}

impl<F> Drop for Gated<F> {
    fn drop(&mut self) {
        if self.side == Side::Request {
            self.gate.0.closed.store(true, Ordering::SeqCst);
        }
    }
}

impl<F: Future> Future for Gated<F> {
    type Output = F::Output;

    fn poll(mut self: Pin<&mut Self>, cx: &mut TaskContext<'_>) -> Poll<F::Output> {
        let this = &mut *self;
        let inner = &mut this.inner;
        this.gate.poll(this.side, cx, |cx| inner.as_mut().poll(cx))
    }
}

impl<S: Stream> Stream for Gated<S> {
    type Item = S::Item;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut TaskContext<'_>) -> Poll<Option<S::Item>> {
        let this = &mut *self;
        let inner = &mut this.inner;
        this.gate.poll(this.side, cx, |cx| inner.as_mut().poll_next(cx))
    }
}

/// The request's loaders.
pub struct Loaders {
    loader: DataLoader<Batch>,
    gate: Gate,
}

impl Loaders {
    /// Fresh loaders for one request (or one subscription). Run the request through
    /// [`Loaders::gate`] so that each level of a query is one batch.
    pub fn new(services: &Services) -> Self {
        let gate = Gate::default();
        let batches = gate.clone();
        let loader = DataLoader::new(Batch { services: services.clone() }, move |batch| {
            // The batch runs in its own task; keep it in the request's span so its logs carry the request id.
            tokio::spawn(batches.batch(batch.in_current_span()))
        })
        .delay(BATCH_DELAY)
        .max_batch_size(MAX_BATCH);
        Self { loader, gate }
    }

    /// The gate to run the request's future (or subscription stream) behind.
    pub fn gate(&self) -> Gate {
        self.gate.clone()
    }

    /// The loaders of the current request.
    pub fn of<'a>(ctx: &'a Context<'_>) -> Result<&'a DataLoader<Batch>, ApiError> {
        ctx.data_opt::<Loaders>().map(|l| &l.loader).ok_or_else(|| {
            tracing::error!("request executed without loaders; build it with Loaders::new");
            ApiError::new(ErrorCode::Internal, "internal error")
        })
    }
}

/// Loads every relation edge in batches.
pub struct Batch {
    services: Services,
}

/// `Project.tasks(first, after, state)` of one project.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ProjectTasks {
    /// The project.
    pub project: ProjectId,
    /// Only tasks in this state.
    pub state: Option<TaskState>,
    /// The page.
    pub page: PageRequest,
}

/// Task counts by state of one project.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ProjectTaskCounts(pub ProjectId);

/// `Task.activity(first, after)` of one task.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TaskActivity {
    /// The task.
    pub task: TaskId,
    /// The page.
    pub page: PageRequest,
}

/// Activity entries of one task.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TaskActivityCount(pub TaskId);

/// `Project.activity(first, after)` of one project.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ProjectActivity {
    /// The project.
    pub project: ProjectId,
    /// The page.
    pub page: PageRequest,
}

/// Activity entries of one project.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ProjectActivityCount(pub ProjectId);

type LoadResult<K, V> = Result<HashMap<K, V>, async_graphql::Error>;

fn fail(e: impl Into<ApiError>) -> async_graphql::Error {
    e.into().into()
}

/// Groups keys that share their non-id part (state, page): each group is one statement.
fn groups<K, G: Eq + std::hash::Hash + Clone>(keys: &[K], group: impl Fn(&K) -> G) -> HashMap<G, Vec<&K>> {
    let mut out: HashMap<G, Vec<&K>> = HashMap::new();
    for k in keys {
        out.entry(group(k)).or_default().push(k);
    }
    out
}

impl Loader<ProjectId> for Batch {
    type Value = Project;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[ProjectId]) -> LoadResult<ProjectId, Project> {
        self.services.projects.get_many(keys).await.map_err(fail)
    }
}

impl Loader<TaskId> for Batch {
    type Value = Task;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[TaskId]) -> LoadResult<TaskId, Task> {
        self.services.tasks.get_many(keys).await.map_err(fail)
    }
}

impl Loader<ProjectTasks> for Batch {
    type Value = Page<Task>;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[ProjectTasks]) -> LoadResult<ProjectTasks, Page<Task>> {
        let mut out = HashMap::new();
        for ((state, page), members) in groups(keys, |k| (k.state, k.page.clone())) {
            let projects: Vec<ProjectId> = members.iter().map(|k| k.project.clone()).collect();
            let mut pages = self.services.tasks.for_projects(&projects, state, &page).await.map_err(fail)?;
            for k in members {
                out.insert(k.clone(), pages.remove(&k.project).unwrap_or_else(Page::empty));
            }
        }
        Ok(out)
    }
}

impl Loader<ProjectTaskCounts> for Batch {
    type Value = StateCounts;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[ProjectTaskCounts]) -> LoadResult<ProjectTaskCounts, StateCounts> {
        let projects: Vec<ProjectId> = keys.iter().map(|k| k.0.clone()).collect();
        let counts = self.services.tasks.counts_by_project(&projects).await.map_err(fail)?;
        Ok(counts.into_iter().map(|(p, c)| (ProjectTaskCounts(p), c)).collect())
    }
}

impl Loader<TaskActivity> for Batch {
    type Value = Page<ActivityEntry>;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[TaskActivity]) -> LoadResult<TaskActivity, Page<ActivityEntry>> {
        let mut out = HashMap::new();
        for (page, members) in groups(keys, |k| k.page.clone()) {
            let tasks: Vec<TaskId> = members.iter().map(|k| k.task.clone()).collect();
            let mut pages = self.services.activity.for_tasks(&tasks, &page).await.map_err(fail)?;
            for k in members {
                out.insert(k.clone(), pages.remove(&k.task).unwrap_or_else(Page::empty));
            }
        }
        Ok(out)
    }
}

impl Loader<TaskActivityCount> for Batch {
    type Value = u64;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[TaskActivityCount]) -> LoadResult<TaskActivityCount, u64> {
        let tasks: Vec<TaskId> = keys.iter().map(|k| k.0.clone()).collect();
        let counts = self.services.activity.count_for_tasks(&tasks).await.map_err(fail)?;
        Ok(counts.into_iter().map(|(t, n)| (TaskActivityCount(t), n)).collect())
    }
}

impl Loader<ProjectActivity> for Batch {
    type Value = Page<ActivityEntry>;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[ProjectActivity]) -> LoadResult<ProjectActivity, Page<ActivityEntry>> {
        let mut out = HashMap::new();
        for (page, members) in groups(keys, |k| k.page.clone()) {
            let projects: Vec<ProjectId> = members.iter().map(|k| k.project.clone()).collect();
            let mut pages = self.services.activity.for_projects(&projects, &page).await.map_err(fail)?;
            for k in members {
                out.insert(k.clone(), pages.remove(&k.project).unwrap_or_else(Page::empty));
            }
        }
        Ok(out)
    }
}

impl Loader<ProjectActivityCount> for Batch {
    type Value = u64;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[ProjectActivityCount]) -> LoadResult<ProjectActivityCount, u64> {
        let projects: Vec<ProjectId> = keys.iter().map(|k| k.0.clone()).collect();
        let counts = self.services.activity.count_for_projects(&projects).await.map_err(fail)?;
        Ok(counts.into_iter().map(|(p, n)| (ProjectActivityCount(p), n)).collect())
    }
}

impl Loader<UserId> for Batch {
    type Value = String;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[UserId]) -> LoadResult<UserId, String> {
        self.services.activity.user_names(keys).await.map_err(fail)
    }
}

impl Loader<AgentId> for Batch {
    type Value = Workload;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[AgentId]) -> LoadResult<AgentId, Workload> {
        self.services.tasks.workloads(keys).await.map_err(fail)
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::AtomicUsize;

    use super::*;

    /// Counts the batches it is asked to load.
    struct Counting(Arc<AtomicUsize>);

    impl Loader<u32> for Counting {
        type Value = u32;
        type Error = ();

        async fn load(&self, keys: &[u32]) -> Result<HashMap<u32, u32>, ()> {
            self.0.fetch_add(1, Ordering::SeqCst);
            Ok(keys.iter().map(|k| (*k, k * 2)).collect())
        }
    }

    /// Fifty siblings that register their keys over many polls (they yield first) and slowly
    /// (each poll takes a while), far beyond the batch delay.
    async fn slow_level(loader: &DataLoader<Counting>) -> Vec<Option<u32>> {
        let siblings = (0..50u32).map(|k| async move {
            for _ in 0..k % 4 {
                tokio::task::yield_now().await;
            }
            std::thread::sleep(Duration::from_micros(300));
            loader.load_one(k).await.unwrap()
        });
        futures::future::join_all(siblings).await
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_level_registered_over_many_slow_polls_is_still_one_batch() {
        let batches = Arc::new(AtomicUsize::new(0));
        let gate = Gate::default();
        let g = gate.clone();
        let loader = DataLoader::new(Counting(batches.clone()), move |f| tokio::spawn(g.batch(f))).delay(BATCH_DELAY);
        let values = gate.run(slow_level(&loader)).await;
        assert_eq!(values, (0..50).map(|k| Some(k * 2)).collect::<Vec<_>>());
        assert_eq!(batches.load(Ordering::SeqCst), 1);

        // The control: without the gate the same level is split into several batches.
        let ungated = Arc::new(AtomicUsize::new(0));
        let loader = DataLoader::new(Counting(ungated.clone()), tokio::spawn).delay(BATCH_DELAY);
        slow_level(&loader).await;
        assert!(ungated.load(Ordering::SeqCst) > 1, "the scenario is slow enough to split without the gate");
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn batches_are_not_held_back_once_the_request_is_gone() {
        let batches = Arc::new(AtomicUsize::new(0));
        let gate = Gate::default();
        let g = gate.clone();
        let loader = Arc::new(DataLoader::new(Counting(batches.clone()), move |f| tokio::spawn(g.batch(f))));
        // A request that registers a key, marks itself woken (it yields) and is then dropped.
        let l = loader.clone();
        let mut request = Box::pin(gate.run(async move {
            let load = l.load_one(7);
            tokio::task::yield_now().await;
            load.await
        }));
        let waker = futures::task::noop_waker();
        let _ = request.as_mut().poll(&mut TaskContext::from_waker(&waker));
        drop(request);
        // A second load on the same loader still completes.
        let v = tokio::time::timeout(Duration::from_secs(5), loader.load_one(9)).await.expect("not starved");
        assert_eq!(v.unwrap(), Some(18));
    }
}

/// `Agent.activity(first)` of one agent.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct AgentActivityOf {
    /// The agent.
    pub agent: String,
    /// How many entries.
    pub first: u64,
}

impl Loader<AgentActivityOf> for Batch {
    type Value = Vec<crate::services::team::AgentActivity>;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[AgentActivityOf]) -> LoadResult<AgentActivityOf, Self::Value> {
        // One statement per distinct page size; a response normally asks for one.
        let mut sizes: Vec<u64> = keys.iter().map(|k| k.first).collect();
        sizes.sort_unstable();
        sizes.dedup();
        let mut out = HashMap::new();
        for first in sizes {
            let agents: Vec<String> = keys.iter().filter(|k| k.first == first).map(|k| k.agent.clone()).collect();
            let mut found =
                self.services.team.recent_activity(&agents, first).await.map_err(|e| fail(ApiError::internal(&e)))?;
            for agent in agents {
                let entries = found.remove(&agent).unwrap_or_default();
                out.insert(AgentActivityOf { agent, first }, entries);
            }
        }
        Ok(out)
    }
}
