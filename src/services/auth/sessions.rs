//! Sign-in, refresh-token rotation, logout, password change and access-token checks.

use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use rand::RngCore;
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ColumnTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter, Set};
use sha2::{Digest, Sha256};

use super::jwt::{JwtKeys, TokenError};
use super::password;
use super::rate_limit::LoginLimiter;
use super::revocation::{self, SessionRevoker};
use super::{AnonymousReason, Caller, Principal};
use crate::config::AuthConfig;
use crate::db::entities::{refresh_token, refresh_token_family, user};
use crate::db::{self, Tx};
use crate::events::{Event, EventBus};
use crate::services::users::{UserError, UserRecord, UserService};

const ACTIVE: &str = "ACTIVE";
const ROTATED: &str = "ROTATED";
const REVOKED: &str = "REVOKED";

/// Errors of sign-in and sessions.
#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    /// Unknown user, wrong password or disabled account: deliberately indistinguishable.
    #[error("invalid username or password")]
    InvalidCredentials,
    /// Too many attempts.
    #[error("too many attempts; retry in {retry_after_secs} s")]
    RateLimited {
        /// Seconds until the next attempt is allowed.
        retry_after_secs: u64,
    },
    /// The refresh token is unknown, expired or revoked.
    #[error("the refresh token is not valid")]
    InvalidRefreshToken,
    /// The token was rotated a moment ago by a concurrent request; use the newest one.
    #[error("the refresh token was just used by another request")]
    RefreshRace,
    /// A retired token was replayed: the whole session was revoked.
    #[error("the refresh token was already used; the session has been revoked")]
    ReuseDetected,
    /// The current password given for a change is wrong.
    #[error("the current password is wrong")]
    WrongPassword,
    /// A user-management rule failed.
    #[error(transparent)]
    User(#[from] UserError),
    /// The database failed.
    #[error("database error: {0}")]
    Database(#[from] DbErr),
}

/// A signed-in session as handed to the client.
#[derive(Debug, Clone)]
pub struct Session {
    /// The JWT access token.
    pub access_token: String,
    /// When it expires.
    pub access_expires_at: DateTime<Utc>,
    /// The opaque refresh token (the only copy; the database keeps its hash).
    pub refresh_token: String,
    /// When the refresh token expires.
    pub refresh_expires_at: DateTime<Utc>,
    /// The user.
    pub user: UserRecord,
}

fn sha256_hex(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// Verifies on a blocking thread (argon2 takes tens of milliseconds of CPU).
async fn verify_password(candidate: &str, hash: String) -> Result<bool, AuthError> {
    let candidate = candidate.to_owned();
    tokio::task::spawn_blocking(move || password::verify(&candidate, &hash))
        .await
        .map_err(|e| AuthError::User(UserError::Hashing(e.to_string())))
}

fn new_refresh_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// Marks a user's families and their active tokens revoked (tokens already rotated keep that
/// status, so a later replay is still recognised as reuse).
pub(super) async fn revoke_families(
    tx: &Tx,
    family_ids: &[String],
    reason: &str,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    if family_ids.is_empty() {
        return Ok(());
    }
    refresh_token_family::Entity::update_many()
        .col_expr(refresh_token_family::Column::RevokedAt, Expr::value(now))
        .col_expr(refresh_token_family::Column::RevokedReason, Expr::value(reason))
        .filter(refresh_token_family::Column::Id.is_in(family_ids.iter().cloned()))
        .filter(refresh_token_family::Column::RevokedAt.is_null())
        .exec(tx.conn())
        .await?;
    refresh_token::Entity::update_many()
        .col_expr(refresh_token::Column::Status, Expr::value(REVOKED))
        .filter(refresh_token::Column::FamilyId.is_in(family_ids.iter().cloned()))
        .filter(refresh_token::Column::Status.eq(ACTIVE))
        .exec(tx.conn())
        .await?;
    Ok(())
}

/// What a refresh attempt found, decided inside its transaction.
enum Rotation {
    Rotated(Box<Session>),
    Race,
    Reuse { family_id: String, user_id: String },
    Invalid,
}

/// Sign-in and sessions.
#[derive(Clone)]
pub struct AuthService {
    inner: Arc<Inner>,
}

struct Inner {
    db: DatabaseConnection,
    bus: EventBus,
    keys: JwtKeys,
    cfg: AuthConfig,
    users: UserService,
    revoker: SessionRevoker,
    limiter: LoginLimiter,
    /// Verified against for unknown users, so they cost the same as a wrong password.
    dummy_hash: String,
}

impl AuthService {
    /// Creates the service (hashes one dummy password, ~50 ms) and loads the revocations still in
    /// force, so that tokens voided before a restart stay void.
    pub async fn new(
        db: DatabaseConnection,
        bus: EventBus,
        jwt_secret: &[u8],
        cfg: AuthConfig,
        users: UserService,
        revoker: SessionRevoker,
    ) -> anyhow::Result<Self> {
        let dummy_hash = tokio::task::spawn_blocking(|| password::hash(&password::generate()))
            .await?
            .map_err(|e| anyhow::anyhow!("hashing the dummy password: {e}"))?;
        let limiter = LoginLimiter::new(cfg.login_per_ip_per_minute, cfg.login_per_user_per_minute);
        revoker.start(&db, &bus).await.map_err(|e| anyhow::anyhow!("loading session revocations: {e}"))?;
        Ok(Self {
            inner: Arc::new(Inner {
                db,
                bus,
                keys: JwtKeys::new(jwt_secret),
                cfg,
                users,
                revoker,
                limiter,
                dummy_hash,
            }),
        })
    }

    /// Validates a bearer token into the request's caller. Pure CPU, no I/O.
    pub fn authenticate(&self, token: Option<&str>) -> Caller {
        let Some(token) = token else {
            return Caller::Anonymous(AnonymousReason::Missing);
        };
        match self.inner.keys.verify(token) {
            Ok(claims)
                if self.inner.revoker.is_revoked(&claims.sub, claims.iat_ms)
                    || self.inner.revoker.is_session_ended(&claims.sid) =>
            {
                Caller::Anonymous(AnonymousReason::Invalid)
            }
            Ok(claims) => Caller::User(Principal { user_id: claims.sub, role: claims.role }),
            Err(TokenError::Expired) => Caller::Anonymous(AnonymousReason::Expired),
            Err(TokenError::Invalid) => Caller::Anonymous(AnonymousReason::Invalid),
        }
    }

    /// The expiry (seconds) of a valid access token, for closing sockets when it passes.
    pub fn token_expiry(&self, token: &str) -> Option<i64> {
        self.inner.keys.verify(token).ok().map(|c| c.exp)
    }

    /// The session (refresh-token family) of a valid access token, for closing sockets at logout.
    pub fn token_session(&self, token: &str) -> Option<String> {
        self.inner.keys.verify(token).ok().map(|c| c.sid)
    }

    /// Signs in with a password and starts a new session (token family).
    // The username is not recorded: people type their password into that field, too.
    #[tracing::instrument(skip_all)]
    pub async fn login(&self, username: &str, password: &str, client: IpAddr) -> Result<Session, AuthError> {
        self.count_attempt(client, username)?;
        // Oversized input is rejected after the limiter so it still counts as an attempt.
        if password.len() > password::MAX_BYTES || username.len() > 256 {
            return Err(AuthError::InvalidCredentials);
        }
        let found = self.inner.users.find_by_username(username).await?;
        let hash = found.as_ref().map(|u| u.password_hash.clone()).unwrap_or_else(|| self.inner.dummy_hash.clone());
        let matches = verify_password(password, hash).await?;
        let user = match found {
            Some(u) if matches && !u.disabled => u,
            _ => return Err(AuthError::InvalidCredentials),
        };
        let session = self.start_session(UserRecord::from_model(user)).await?;
        tracing::info!(user_id = %session.user.id, "signed in");
        Ok(session)
    }

    /// Counts one password attempt against the limits per client address and per username.
    fn count_attempt(&self, client: IpAddr, username: &str) -> Result<(), AuthError> {
        self.inner.limiter.check(client, username).map_err(|wait| {
            tracing::warn!(%client, "password attempt rate limit reached");
            // Rounded up: retrying at a rounded-down time would be refused again.
            AuthError::RateLimited { retry_after_secs: wait.as_secs_f64().ceil().max(1.0) as u64 }
        })
    }

    /// Starts a new session (token family) for a user whose credentials were checked.
    async fn start_session(&self, user: UserRecord) -> Result<Session, AuthError> {
        let now = Utc::now();
        let family_expires = now + self.inner.cfg.session_max_age;
        let inner = self.inner.clone();
        db::transaction(&self.inner.db, &self.inner.bus, |tx| {
            Box::pin(async move {
                let family = refresh_token_family::ActiveModel {
                    id: Set(db::new_id()),
                    user_id: Set(user.id.clone()),
                    created_at: Set(now),
                    expires_at: Set(family_expires),
                    revoked_at: Set(None),
                    revoked_reason: Set(None),
                }
                .insert(tx.conn())
                .await?;
                inner.issue(tx, &family, None, user, now).await
            })
        })
        .await
    }

    /// Exchanges a refresh token for a new session state (rotation).
    #[tracing::instrument(skip_all)]
    pub async fn refresh(&self, token: &str) -> Result<Session, AuthError> {
        let hash = sha256_hex(token);
        let now = Utc::now();
        let inner = self.inner.clone();
        let outcome = db::transaction(&self.inner.db, &self.inner.bus, |tx| {
            Box::pin(async move {
                // The conditional update is the race arbiter: only one request can flip ACTIVE.
                let flipped = refresh_token::Entity::update_many()
                    .col_expr(refresh_token::Column::Status, Expr::value(ROTATED))
                    .col_expr(refresh_token::Column::UsedAt, Expr::value(now))
                    .filter(refresh_token::Column::TokenHash.eq(hash.as_str()))
                    .filter(refresh_token::Column::Status.eq(ACTIVE))
                    .filter(refresh_token::Column::ExpiresAt.gt(now))
                    .exec(tx.conn())
                    .await?
                    .rows_affected;
                let Some(old) = refresh_token::Entity::find()
                    .filter(refresh_token::Column::TokenHash.eq(hash.as_str()))
                    .one(tx.conn())
                    .await?
                else {
                    return Ok::<_, AuthError>(Rotation::Invalid);
                };
                let Some(family) =
                    refresh_token_family::Entity::find_by_id(old.family_id.as_str()).one(tx.conn()).await?
                else {
                    return Ok(Rotation::Invalid);
                };
                if flipped == 1 {
                    if family.revoked_at.is_some() || family.expires_at <= now {
                        return Ok(Rotation::Invalid);
                    }
                    let user = match user::Entity::find_by_id(family.user_id.as_str()).one(tx.conn()).await? {
                        Some(u) if !u.disabled => UserRecord::from_model(u),
                        _ => return Ok(Rotation::Invalid),
                    };
                    let session = inner.issue(tx, &family, Some(old.id.clone()), user, now).await?;
                    return Ok(Rotation::Rotated(Box::new(session)));
                }
                if old.status != ROTATED || family.revoked_at.is_some() {
                    return Ok(Rotation::Invalid);
                }
                let child = refresh_token::Entity::find()
                    .filter(refresh_token::Column::ParentId.eq(old.id.as_str()))
                    .one(tx.conn())
                    .await?;
                let grace = chrono::Duration::from_std(inner.cfg.refresh_grace).unwrap_or_default();
                let recent = old.used_at.is_some_and(|used| now - used <= grace);
                let predecessor_of_active = child.is_some_and(|c| c.status == ACTIVE);
                if recent && predecessor_of_active {
                    Ok(Rotation::Race)
                } else {
                    Ok(Rotation::Reuse { family_id: family.id, user_id: family.user_id })
                }
            })
        })
        .await?;

        match outcome {
            Rotation::Rotated(session) => Ok(*session),
            Rotation::Race => Err(AuthError::RefreshRace),
            Rotation::Invalid => Err(AuthError::InvalidRefreshToken),
            Rotation::Reuse { family_id, user_id } => {
                let revoked_at = Utc::now();
                db::transaction(&self.inner.db, &self.inner.bus, |tx| {
                    let family_id = family_id.clone();
                    let user_id = user_id.clone();
                    Box::pin(async move {
                        revoke_families(tx, std::slice::from_ref(&family_id), "REUSE_DETECTED", revoked_at).await?;
                        // The thief may hold an access token of this family too: void them all.
                        revocation::record_in(tx, &user_id, revoked_at).await?;
                        Ok::<_, AuthError>(())
                    })
                })
                .await?;
                self.inner.revoker.mark(&user_id, revoked_at.timestamp_millis());
                tracing::warn!(%user_id, %family_id, "refresh token reuse detected; session family revoked");
                Err(AuthError::ReuseDetected)
            }
        }
    }

    /// Ends the session the refresh token belongs to. Unknown tokens are ignored (idempotent).
    #[tracing::instrument(skip_all)]
    pub async fn logout(&self, token: &str) -> Result<(), AuthError> {
        let hash = sha256_hex(token);
        let ended = db::transaction(&self.inner.db, &self.inner.bus, |tx| {
            Box::pin(async move {
                let Some(t) = refresh_token::Entity::find()
                    .filter(refresh_token::Column::TokenHash.eq(hash))
                    .one(tx.conn())
                    .await?
                else {
                    return Ok::<_, AuthError>(None);
                };
                let Some(family) =
                    refresh_token_family::Entity::find_by_id(t.family_id.as_str()).one(tx.conn()).await?
                else {
                    return Ok(None);
                };
                let now = Utc::now();
                revoke_families(tx, std::slice::from_ref(&family.id), "LOGOUT", now).await?;
                // Its access tokens are void too, here and (through the event) on every replica.
                tx.emit(Event::SessionEnded { user_id: family.user_id.clone(), session_id: family.id.clone() });
                Ok(Some((family.id, now)))
            })
        })
        .await?;
        if let Some((session, at)) = ended {
            self.inner.revoker.end_session(&session, at.timestamp_millis());
        }
        Ok(())
    }

    /// Changes the caller's password after checking the current one; ends every session of the
    /// user and starts a new one for the caller.
    ///
    /// The check counts against the login limits (per client address and per username, the same
    /// buckets): a stolen access token must not be a faster way to guess the password than the
    /// sign-in form.
    #[tracing::instrument(skip(self, current, new), fields(user_id = %principal.user_id))]
    pub async fn change_password(
        &self,
        principal: &Principal,
        current: &str,
        new: String,
        client: IpAddr,
    ) -> Result<Session, AuthError> {
        let stored = user::Entity::find_by_id(principal.user_id.as_str())
            .one(&self.inner.db)
            .await?
            .ok_or(AuthError::User(UserError::NotFound))?;
        self.count_attempt(client, &stored.username)?;
        if current.len() > password::MAX_BYTES {
            return Err(AuthError::WrongPassword);
        }
        if !verify_password(current, stored.password_hash.clone()).await? {
            return Err(AuthError::WrongPassword);
        }
        if stored.disabled {
            return Err(AuthError::InvalidCredentials);
        }
        let user = UserRecord::from_model(stored);
        self.inner.users.set_password(&user.id, new, "PASSWORD_CHANGED").await?;
        // Started directly, not through `login`: the old sessions are gone by now, and a limiter
        // refusal at this point would leave the caller with a changed password and no session.
        let session = self.start_session(user).await?;
        tracing::info!(user_id = %session.user.id, "password changed; other sessions ended");
        Ok(session)
    }

    /// Deletes refresh tokens and families that ended more than a day ago, and prunes the limiter.
    #[tracing::instrument(skip(self))]
    pub async fn purge_expired(&self) -> Result<u64, DbErr> {
        // Kept a day after they end so reuse of a just-expired token is still recognised in logs.
        let cutoff = Utc::now() - chrono::Duration::days(1);
        let tokens = refresh_token::Entity::delete_many()
            .filter(refresh_token::Column::ExpiresAt.lt(cutoff))
            .exec(&self.inner.db)
            .await?;
        let dead_families: Vec<String> = refresh_token_family::Entity::find()
            .filter(
                refresh_token_family::Column::ExpiresAt
                    .lt(cutoff)
                    .or(refresh_token_family::Column::RevokedAt.lt(cutoff)),
            )
            .all(&self.inner.db)
            .await?
            .into_iter()
            .map(|f| f.id)
            .collect();
        let mut removed = tokens.rows_affected;
        if !dead_families.is_empty() {
            removed += refresh_token::Entity::delete_many()
                .filter(refresh_token::Column::FamilyId.is_in(dead_families.clone()))
                .exec(&self.inner.db)
                .await?
                .rows_affected;
            refresh_token_family::Entity::delete_many()
                .filter(refresh_token_family::Column::Id.is_in(dead_families))
                .exec(&self.inner.db)
                .await?;
        }
        // Revocations matter for one access-token lifetime; the day's margin is for the logs.
        revocation::purge_before(&self.inner.db, cutoff).await?;
        self.inner.limiter.prune();
        Ok(removed)
    }

    /// Runs [`Self::purge_expired`] every configured interval until the token is cancelled or
    /// the service is dropped (the task holds it weakly, so it keeps neither the service nor its
    /// event bus alive).
    pub fn spawn_purge(&self, stop: tokio_util::sync::CancellationToken) {
        let service = Arc::downgrade(&self.inner);
        let every = self.inner.cfg.purge_interval;
        tokio::spawn(crate::db::metrics::background(async move {
            let mut ticker = tokio::time::interval(every);
            loop {
                tokio::select! {
                    _ = stop.cancelled() => break,
                    _ = ticker.tick() => {
                        let Some(inner) = service.upgrade() else { break };
                        match (AuthService { inner }).purge_expired().await {
                            Ok(0) => {}
                            Ok(n) => tracing::info!(removed = n, "purged expired refresh tokens"),
                            // A failed purge only delays cleanup.
                            Err(e) => tracing::warn!(error = %e, "token purge failed"),
                        }
                    }
                }
            }
        }));
    }

    /// The configured refresh-token lifetime (for the cookie's Max-Age).
    pub fn refresh_ttl(&self) -> Duration {
        self.inner.cfg.refresh_ttl
    }
}

impl Inner {
    /// Inserts a new active refresh token in `family` and signs an access token.
    async fn issue(
        &self,
        tx: &Tx,
        family: &refresh_token_family::Model,
        parent: Option<String>,
        user: UserRecord,
        now: DateTime<Utc>,
    ) -> Result<Session, AuthError> {
        let refresh = new_refresh_token();
        let refresh_expires = (now + self.cfg.refresh_ttl).min(family.expires_at);
        refresh_token::ActiveModel {
            id: Set(db::new_id()),
            family_id: Set(family.id.clone()),
            parent_id: Set(parent),
            token_hash: Set(sha256_hex(&refresh)),
            status: Set(ACTIVE.into()),
            issued_at: Set(now),
            expires_at: Set(refresh_expires),
            used_at: Set(None),
        }
        .insert(tx.conn())
        .await?;
        let access_expires = now + self.cfg.access_ttl;
        let access = self.keys.issue(&user.id, user.role, &family.id, now, access_expires);
        Ok(Session {
            access_token: access,
            access_expires_at: access_expires,
            refresh_token: refresh,
            refresh_expires_at: refresh_expires,
            user,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refresh_tokens_are_random_and_stored_as_their_sha256() {
        let (a, b) = (new_refresh_token(), new_refresh_token());
        assert_ne!(a, b);
        assert!(a.len() >= 43);
        let h = sha256_hex(&a);
        assert_eq!(h.len(), 64);
        assert!(!h.contains(&a));
    }
}
