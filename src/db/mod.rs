//! Database access: connecting (SQLite or PostgreSQL by URL), migrations, the transaction helper.

pub mod entities;
pub mod ids;
pub mod metrics;
pub mod sql;

use std::time::Duration;

use futures::future::BoxFuture;
use migration::{Migrator, MigratorTrait};
use sea_orm::{
    ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DatabaseTransaction, DbBackend, DbErr,
    TransactionTrait,
};

use crate::events::{Event, EventBus};

/// Options for opening the pool.
pub struct PoolOptions {
    /// Pool size.
    pub max_connections: u32,
    /// How long to wait for a free connection.
    pub acquire_timeout: Duration,
}

/// Opens the connection pool for `url` (sqlite:// or postgres://).
pub async fn connect(url: &str, opts: &PoolOptions) -> Result<DatabaseConnection, DbErr> {
    let mut o = ConnectOptions::new(url.to_owned());
    o.max_connections(opts.max_connections)
        .min_connections(1)
        .acquire_timeout(opts.acquire_timeout)
        .connect_timeout(opts.acquire_timeout)
        // Statement logging would put user data into logs at INFO; keep it at TRACE.
        .sqlx_logging_level(tracing::log::LevelFilter::Trace);
    let db = Database::connect(o).await?;
    if db.get_database_backend() == DbBackend::Sqlite {
        // WAL lets readers proceed while one writer commits; foreign keys are off by default in SQLite.
        db.execute_unprepared("PRAGMA journal_mode = WAL; PRAGMA foreign_keys = ON;").await?;
    }
    Ok(db)
}

/// Applies every pending migration.
pub async fn migrate_up(db: &DatabaseConnection) -> Result<(), DbErr> {
    Migrator::up(db, None).await
}

/// Cheap liveness check of the database used by `/ready`.
pub async fn ping(db: &DatabaseConnection) -> Result<(), DbErr> {
    db.ping().await
}

/// A transaction plus the events to publish once it commits.
///
/// Services write through `tx.conn()` and queue events with [`Tx::emit`]; nothing is published if
/// the transaction rolls back.
pub struct Tx {
    txn: DatabaseTransaction,
    events: Vec<Event>,
}

impl Tx {
    /// The connection to run statements on.
    pub fn conn(&self) -> &DatabaseTransaction {
        &self.txn
    }

    /// Queues an event for publication after commit.
    pub fn emit(&mut self, event: Event) {
        self.events.push(event);
    }
}

/// Runs `f` in one transaction; commits and then publishes its events on success, rolls back on error.
pub async fn transaction<T, E, F>(db: &DatabaseConnection, bus: &EventBus, f: F) -> Result<T, E>
where
    F: for<'c> FnOnce(&'c mut Tx) -> BoxFuture<'c, Result<T, E>>,
    E: From<DbErr>,
{
    let txn = db.begin().await?;
    let mut tx = Tx { txn, events: Vec::new() };
    match f(&mut tx).await {
        Ok(value) => {
            let Tx { txn, events } = tx;
            txn.commit().await?;
            for event in events {
                bus.publish(event).await;
            }
            Ok(value)
        }
        Err(e) => {
            // Dropping the transaction rolls back too; an explicit rollback surfaces connection errors in logs.
            if let Err(rb) = tx.txn.rollback().await {
                tracing::warn!(error = %rb, "rollback failed");
            }
            Err(e)
        }
    }
}

/// A new sortable id (UUIDv7): ordering by id is ordering by creation time.
pub fn new_id() -> String {
    uuid::Uuid::now_v7().to_string()
}
