//! Server status: a public query and the heartbeat subscription.

use std::time::Duration;

use async_graphql::{Context, Object, SimpleObject, Subscription};
use chrono::{DateTime, Utc};
use futures::Stream;

use super::errors::{ApiError, ApiResult};
use super::guards::RoleGuard;
use crate::app::Services;
use crate::services::auth::Role;
use crate::services::status::{ServerStatus as Snapshot, StatusError};

impl From<StatusError> for ApiError {
    fn from(e: StatusError) -> Self {
        match e {
            StatusError::Database(e) => ApiError::database(&e),
        }
    }
}

/// The server's view of itself.
#[derive(SimpleObject, Clone)]
pub struct ServerStatus {
    /// Nexus version (semver).
    pub version: String,
    /// When this process started.
    pub started_at: DateTime<Utc>,
    /// Seconds since this process started.
    pub uptime_seconds: u64,
    /// The server's current time; clients use it to detect clock skew.
    pub now: DateTime<Utc>,
}

impl From<Snapshot> for ServerStatus {
    fn from(s: Snapshot) -> Self {
        Self { version: s.version.to_owned(), started_at: s.started_at, uptime_seconds: s.uptime_seconds, now: s.now }
    }
}

/// Database facts for operators.
pub struct DatabaseStatus;

/// Database facts for operators.
#[Object]
impl DatabaseStatus {
    /// `sqlite` or `postgres`.
    async fn backend(&self, ctx: &Context<'_>) -> &'static str {
        ctx.data_unchecked::<Services>().status.database_backend()
    }

    /// Whether the database answered a ping just now.
    async fn reachable(&self, ctx: &Context<'_>) -> bool {
        ctx.data_unchecked::<Services>().status.database_ok().await
    }

    /// The newest applied migration.
    async fn schema_version(&self, ctx: &Context<'_>) -> ApiResult<Option<String>> {
        Ok(ctx.data_unchecked::<Services>().status.schema_version().await.map_err(ApiError::from)?)
    }
}

/// Status queries.
#[derive(Default)]
pub struct StatusQuery;

#[Object]
impl StatusQuery {
    /// Version, uptime and clock of this Nexus process. Public.
    async fn server_status(&self, ctx: &Context<'_>) -> ServerStatus {
        ctx.data_unchecked::<Services>().status.current().into()
    }

    /// Database backend, reachability and schema version.
    #[graphql(guard = "RoleGuard::new(Role::Viewer)")]
    async fn database_status(&self) -> DatabaseStatus {
        DatabaseStatus
    }
}

/// Status subscriptions.
#[derive(Default)]
pub struct StatusSubscription;

#[Subscription]
impl StatusSubscription {
    /// The server status now and then every `intervalSeconds` (1–300): a liveness signal for
    /// dashboards and the end-to-end check of the subscription path.
    #[graphql(guard = "RoleGuard::new(Role::Viewer)")]
    async fn server_heartbeat(
        &self,
        ctx: &Context<'_>,
        #[graphql(default = 10, desc = "Seconds between two statuses, 1–300.")] interval_seconds: i32,
    ) -> Result<impl Stream<Item = ServerStatus>, async_graphql::Error> {
        if !(1..=300).contains(&interval_seconds) {
            return Err(ApiError::bad_input("intervalSeconds", "intervalSeconds must be between 1 and 300").into());
        }
        let status = ctx.data_unchecked::<Services>().status.clone();
        let period = Duration::from_secs(interval_seconds as u64);
        Ok(async_stream::stream! {
            let mut ticker = tokio::time::interval(period);
            loop {
                ticker.tick().await;
                yield ServerStatus::from(status.current());
            }
        })
    }
}
