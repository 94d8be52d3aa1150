//! Statement metrics from SeaORM's metric callback: a running count, a warning for slow
//! statements, and an opt-in recording of statement texts (what the statement-count tests read).

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use sea_orm::DatabaseConnection;

/// Statements slower than this are logged at WARN (their SQL text, never their values).
const SLOW: Duration = Duration::from_millis(500);

/// Shared statement counters; cheap to clone.
#[derive(Clone, Default)]
pub struct DbMetrics(Arc<Inner>);

#[derive(Default)]
struct Inner {
    statements: AtomicU64,
    recording: AtomicBool,
    recorded: Mutex<Vec<String>>,
}

impl DbMetrics {
    /// Statements executed since start-up.
    pub fn statements(&self) -> u64 {
        self.0.statements.load(Ordering::Relaxed)
    }

    /// Starts recording statement texts (clears an earlier recording).
    pub fn start_recording(&self) {
        self.0.recorded.lock().unwrap_or_else(|p| p.into_inner()).clear();
        self.0.recording.store(true, Ordering::SeqCst);
    }

    /// Stops recording and returns the statements seen since [`DbMetrics::start_recording`].
    pub fn stop_recording(&self) -> Vec<String> {
        self.0.recording.store(false, Ordering::SeqCst);
        std::mem::take(&mut *self.0.recorded.lock().unwrap_or_else(|p| p.into_inner()))
    }

    fn observe(&self, info: &sea_orm::metric::Info<'_>) {
        self.0.statements.fetch_add(1, Ordering::Relaxed);
        if info.elapsed >= SLOW {
            let sql: String = info.statement.sql.chars().take(300).collect();
            tracing::warn!(elapsed_ms = info.elapsed.as_millis() as u64, failed = info.failed, %sql, "slow SQL statement");
        }
        if self.0.recording.load(Ordering::Relaxed) && BACKGROUND.try_with(|_| ()).is_err() {
            self.0.recorded.lock().unwrap_or_else(|p| p.into_inner()).push(info.statement.sql.clone());
        }
    }
}

tokio::task_local! {
    /// Set while background work runs (see [`background`]).
    static BACKGROUND: ();
}

/// Runs `work` as background work (the revocation poll, the token purge): its statements are
/// counted but never recorded, so a recording holds only the requests it was started for,
/// whenever a timer happens to fire.
pub async fn background<F: std::future::Future>(work: F) -> F::Output {
    BACKGROUND.scope((), work).await
}

/// Installs the metric callback. Call before the connection is cloned: clones made earlier keep
/// the callback they had.
pub fn observe(db: &mut DatabaseConnection, metrics: &DbMetrics) {
    let metrics = metrics.clone();
    db.set_metric_callback(move |info| metrics.observe(info));
}

#[cfg(test)]
mod tests {
    use sea_orm::{ConnectionTrait, Database, DbBackend, Statement};

    use super::*;

    #[tokio::test]
    async fn background_statements_are_counted_but_not_recorded() {
        let mut db = Database::connect("sqlite::memory:").await.unwrap();
        let metrics = DbMetrics::default();
        observe(&mut db, &metrics);
        let select = |n: u8| Statement::from_string(DbBackend::Sqlite, format!("SELECT {n}"));
        metrics.start_recording();
        db.execute(select(1)).await.unwrap();
        background(db.execute(select(2))).await.unwrap();
        assert_eq!(metrics.stop_recording(), ["SELECT 1"]);
        assert_eq!(metrics.statements(), 2);
    }
}
