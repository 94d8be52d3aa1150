//! Access-token revocation: since when a user's access tokens are void.
//!
//! Access tokens are stateless, so without this a disabled or demoted user would keep access
//! until their token expired. Each revocation is kept twice: in memory, where `authenticate`
//! reads it without I/O, and in `session_revocations` (one row per user, the latest one), which
//! start-up and a lagging event listener load back — otherwise a restart, or a replica that
//! missed the event, would let the old tokens work again.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use chrono::{DateTime, Utc};
use sea_orm::sea_query::OnConflict;
use sea_orm::{ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter, Set};
use tokio::sync::broadcast::error::RecvError;

use super::sessions::revoke_families;
use crate::db::entities::refresh_token_family;
use crate::db::Tx;
use crate::events::{Event, EventBus, WeakEventBus};

/// `session_revocations`: the latest revocation per user. Only the revoker reads or writes it.
pub(super) mod entity {
    use sea_orm::entity::prelude::*;

    /// A revocation row.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "session_revocations")]
    pub struct Model {
        /// The user.
        #[sea_orm(primary_key, auto_increment = false)]
        pub user_id: String,
        /// Access tokens of the user issued before this instant are void.
        pub revoked_at: DateTimeUtc,
    }

    /// Relations.
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// Slack for clocks of replicas that disagree a little: a revocation is kept (and loaded) this
/// much longer than the access-token lifetime.
const CLOCK_SLACK: Duration = Duration::from_secs(60);

/// How often the stored revocations are read again. Events carry them within a process and, on
/// PostgreSQL, across replicas; this catches the rest within seconds: a `nexus user set-password`
/// run beside a server on SQLite (another process, no shared bus), or a notification lost in a
/// way nobody noticed.
pub const POLL_INTERVAL: Duration = Duration::from_secs(5);

/// Revokes sessions and remembers, per user, since when access tokens are void, and which
/// single sessions (token families) ended at logout (fed locally, by `SessionsRevoked` and
/// `SessionEnded` events from other replicas, and from the database at start-up and every poll).
#[derive(Clone)]
pub struct SessionRevoker {
    since: Arc<RwLock<HashMap<String, i64>>>,
    /// Ended sessions: family id → when (Unix milliseconds), kept while their tokens could live.
    ended: Arc<RwLock<HashMap<String, i64>>>,
    keep: Duration,
}

impl SessionRevoker {
    /// A revoker that remembers revocations for `keep` (the access-token lifetime).
    pub fn new(keep: Duration) -> Self {
        Self { since: Arc::default(), ended: Arc::default(), keep }
    }

    /// Loads the revocations still in force from the database, then follows the ones published
    /// by any replica. A listener that lags behind the bus reloads from the database, since the
    /// events it missed may have been revocations; and every [`POLL_INTERVAL`] it reloads anyway.
    pub async fn start(&self, db: &DatabaseConnection, bus: &EventBus) -> Result<(), DbErr> {
        // Subscribed before loading: a revocation committed in between is then seen at least once.
        let mut rx = bus.subscribe();
        self.load(db).await?;
        let this = self.clone();
        let db = db.clone();
        // Weak: this task ends when the app's bus is gone (its receiver then reports Closed).
        let bus = bus.downgrade();
        tokio::spawn(crate::db::metrics::background(async move {
            let mut poll = tokio::time::interval_at(tokio::time::Instant::now() + POLL_INTERVAL, POLL_INTERVAL);
            poll.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                let next = tokio::select! {
                    next = rx.recv() => next,
                    _ = poll.tick() => {
                        this.reload(&db, &bus, "poll").await;
                        continue;
                    }
                };
                match next {
                    Ok(event) => match event.as_ref() {
                        Event::SessionsRevoked { user_id, revoked_at } => {
                            this.mark(user_id, *revoked_at);
                        }
                        Event::SessionEnded { session_id, .. } => {
                            this.end_session(session_id, Utc::now().timestamp_millis());
                        }
                        // The Postgres listener was down for a while: other replicas' revocations
                        // sent meanwhile are lost, so read them back.
                        Event::Resync => this.reload(&db, &bus, "event listener reconnected").await,
                        _ => {}
                    },
                    Err(RecvError::Lagged(n)) => {
                        tracing::warn!(missed = n, "revocation listener lagged");
                        this.reload(&db, &bus, "revocation listener lagged").await;
                    }
                    Err(RecvError::Closed) => break,
                }
            }
        }));
        Ok(())
    }

    /// Reloads after events may have been missed; a failure is logged (local revocations are
    /// marked directly, so only other replicas' can be missing). Each revocation that was news is
    /// announced to this process's subscribers, so that open sockets of those users close too.
    async fn reload(&self, db: &DatabaseConnection, bus: &WeakEventBus, why: &str) {
        match self.load(db).await {
            Ok(news) => {
                if !news.is_empty() {
                    tracing::info!(missed = news.len(), why, "reloaded session revocations: some were news");
                }
                for event in news {
                    bus.publish_local(event);
                }
            }
            Err(e) => tracing::error!(error = %e, why, "reloading session revocations failed"),
        }
    }

    /// Marks every stored revocation recent enough to void a token that has not expired yet: of
    /// users (`session_revocations`) and of single sessions (revoked token families); returns, as
    /// events, the ones this process did not know of.
    #[tracing::instrument(skip_all)]
    pub async fn load(&self, db: &DatabaseConnection) -> Result<Vec<Event>, DbErr> {
        let cutoff = Utc::now() - self.horizon();
        let users = entity::Entity::find().filter(entity::Column::RevokedAt.gt(cutoff)).all(db).await?;
        let sessions = refresh_token_family::Entity::find()
            .filter(refresh_token_family::Column::RevokedAt.gt(cutoff))
            .all(db)
            .await?;
        let mut news = Vec::new();
        for row in users {
            let revoked_at = row.revoked_at.timestamp_millis();
            if self.mark(&row.user_id, revoked_at) {
                news.push(Event::SessionsRevoked { user_id: row.user_id, revoked_at });
            }
        }
        for family in sessions {
            let at = family.revoked_at.map_or(0, |t| t.timestamp_millis());
            if self.end_session(&family.id, at) {
                news.push(Event::SessionEnded { user_id: family.user_id, session_id: family.id });
            }
        }
        Ok(news)
    }

    fn horizon(&self) -> chrono::Duration {
        chrono::Duration::from_std(self.keep + CLOCK_SLACK).unwrap_or(chrono::Duration::MAX)
    }

    /// Voids the user's access tokens issued before `at` (Unix milliseconds); returns whether
    /// that voids more than was already known.
    pub fn mark(&self, user_id: &str, at: i64) -> bool {
        let mut map = self.since.write().unwrap_or_else(|e| e.into_inner());
        let horizon = Utc::now().timestamp_millis() - self.horizon().num_milliseconds();
        map.retain(|_, t| *t > horizon);
        match map.get_mut(user_id) {
            Some(since) if *since >= at => false,
            Some(since) => {
                *since = at;
                true
            }
            None => {
                map.insert(user_id.to_owned(), at);
                true
            }
        }
    }

    /// Voids the access tokens of one session (token family) that ended at `at` (Unix
    /// milliseconds); returns whether that was news.
    pub fn end_session(&self, session_id: &str, at: i64) -> bool {
        let mut map = self.ended.write().unwrap_or_else(|e| e.into_inner());
        let horizon = Utc::now().timestamp_millis() - self.horizon().num_milliseconds();
        map.retain(|_, t| *t > horizon);
        map.insert(session_id.to_owned(), at).is_none()
    }

    /// Whether the session (token family) `session_id` has ended.
    pub fn is_session_ended(&self, session_id: &str) -> bool {
        self.ended.read().unwrap_or_else(|e| e.into_inner()).contains_key(session_id)
    }

    /// Whether a token issued at `iat_ms` (Unix milliseconds) for `user_id` was revoked since.
    pub fn is_revoked(&self, user_id: &str, iat_ms: i64) -> bool {
        let map = self.since.read().unwrap_or_else(|e| e.into_inner());
        map.get(user_id).is_some_and(|since| iat_ms < *since)
    }

    /// Revokes every live family of the user inside `tx`, stores the revocation and queues the event.
    pub async fn revoke_all_in(&self, tx: &mut Tx, user_id: &str, reason: &str) -> Result<(), DbErr> {
        let now = Utc::now();
        let families: Vec<String> = refresh_token_family::Entity::find()
            .filter(refresh_token_family::Column::UserId.eq(user_id))
            .filter(refresh_token_family::Column::RevokedAt.is_null())
            .all(tx.conn())
            .await?
            .into_iter()
            .map(|f| f.id)
            .collect();
        revoke_families(tx, &families, reason, now).await?;
        record_in(tx, user_id, now).await
    }
}

/// Stores "the user's access tokens issued before `at` are void" inside `tx` and queues the
/// event that tells every replica (and open sockets).
pub(super) async fn record_in(tx: &mut Tx, user_id: &str, at: DateTime<Utc>) -> Result<(), DbErr> {
    let row = entity::ActiveModel { user_id: Set(user_id.to_owned()), revoked_at: Set(at) };
    // One row per user: a later revocation supersedes an earlier one.
    entity::Entity::insert(row)
        .on_conflict(OnConflict::column(entity::Column::UserId).update_column(entity::Column::RevokedAt).to_owned())
        .exec(tx.conn())
        .await?;
    tx.emit(Event::SessionsRevoked { user_id: user_id.to_owned(), revoked_at: at.timestamp_millis() });
    Ok(())
}

/// Deletes revocations older than `cutoff` (their tokens have long expired).
pub(super) async fn purge_before(db: &impl ConnectionTrait, cutoff: DateTime<Utc>) -> Result<u64, DbErr> {
    Ok(entity::Entity::delete_many().filter(entity::Column::RevokedAt.lt(cutoff)).exec(db).await?.rows_affected)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn revocation_voids_tokens_issued_before_it_only() {
        let r = SessionRevoker::new(Duration::from_secs(900));
        let now = Utc::now().timestamp_millis();
        assert!(r.mark("u1", now), "news");
        assert!(!r.mark("u1", now - 10), "an older revocation adds nothing");
        assert!(r.is_revoked("u1", now - 1));
        assert!(!r.is_revoked("u1", now));
        assert!(!r.is_revoked("u2", now - 1));
    }

    #[test]
    fn an_ended_session_is_remembered_once() {
        let r = SessionRevoker::new(Duration::from_secs(900));
        let now = Utc::now().timestamp_millis();
        assert!(!r.is_session_ended("f1"));
        assert!(r.end_session("f1", now), "news");
        assert!(!r.end_session("f1", now), "known");
        assert!(r.is_session_ended("f1") && !r.is_session_ended("f2"));
    }
}
