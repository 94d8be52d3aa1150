//! Field guards: every field that is not public names the least role that may use it.

use async_graphql::{Context, Guard};

use super::errors::{ApiError, ErrorCode};
use crate::services::auth::{AnonymousReason, Caller, Role};

/// Requires an authenticated caller with at least `role`.
pub struct RoleGuard {
    role: Role,
}

impl RoleGuard {
    /// A guard for `role` and above.
    pub fn new(role: Role) -> Self {
        Self { role }
    }
}

/// The caller of the current request (anonymous when the context has none).
pub fn caller<'a>(ctx: &'a Context<'_>) -> &'a Caller {
    static ANONYMOUS: Caller = Caller::Anonymous(AnonymousReason::Missing);
    ctx.data_opt::<Caller>().unwrap_or(&ANONYMOUS)
}

/// Checks `caller` against `role`, with the errors the API documents.
pub fn require(caller: &Caller, role: Role) -> Result<&crate::services::auth::Principal, ApiError> {
    match caller {
        Caller::User(p) if p.role >= role => Ok(p),
        Caller::User(_) => Err(ApiError::new(ErrorCode::Forbidden, format!("This needs the {} role.", role.as_str()))),
        Caller::Anonymous(AnonymousReason::Expired) => {
            Err(ApiError::new(ErrorCode::Unauthenticated, "The access token has expired; refresh the session.")
                .with("reason", "TOKEN_EXPIRED"))
        }
        Caller::Anonymous(AnonymousReason::Invalid) => {
            Err(ApiError::new(ErrorCode::Unauthenticated, "The access token is invalid.")
                .with("reason", "TOKEN_INVALID"))
        }
        Caller::Anonymous(AnonymousReason::Missing) => {
            Err(ApiError::new(ErrorCode::Unauthenticated, "Sign in first.").with("reason", "TOKEN_MISSING"))
        }
    }
}

impl Guard for RoleGuard {
    async fn check(&self, ctx: &Context<'_>) -> async_graphql::Result<()> {
        require(caller(ctx), self.role).map(|_| ()).map_err(Into::into)
    }
}
