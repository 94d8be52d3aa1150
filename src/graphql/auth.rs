//! Sign-in and sessions: `login`, `refreshSession`, `logout`, `changePassword`.
//!
//! Browsers get the refresh token only in an `HttpOnly; SameSite=Strict` cookie scoped to
//! `/graphql`; scripts and the CLI ask for it in the body with `refreshTokenInBody: true`.
//!
//! These four mutations answer only over HTTP: a WebSocket message can neither set nor clear the
//! cookie, and carries no client address for the password-attempt limits to key on.

use std::net::{IpAddr, Ipv4Addr};

use async_graphql::{Context, InputObject, Object, SimpleObject};
use chrono::{DateTime, Utc};

use super::errors::{ApiError, ApiResult, ErrorCode};
use super::guards::{caller, require};
use super::users::User;
use crate::app::Services;
use crate::services::auth::{AuthError, Role, Session};

/// Name of the refresh-token cookie.
pub const REFRESH_COOKIE: &str = "nexus_refresh";

/// The client's address, as the HTTP layer determined it.
#[derive(Debug, Clone, Copy)]
pub struct ClientIp(pub IpAddr);

/// The refresh-token cookie sent with the request, if any.
#[derive(Debug, Clone)]
pub struct RefreshCookie(pub Option<String>);

/// Marks a request that arrived as a `/graphql/ws` message rather than an HTTP request.
#[derive(Debug, Clone, Copy)]
pub struct OverWebSocket;

/// How the refresh cookie is written.
#[derive(Debug, Clone, Copy)]
pub struct CookiePolicy {
    /// Add `Secure` (outside development, or behind TLS).
    pub secure: bool,
}

impl From<AuthError> for ApiError {
    fn from(e: AuthError) -> Self {
        match e {
            AuthError::InvalidCredentials => ApiError::new(ErrorCode::Unauthenticated, "Invalid username or password.")
                .with("reason", "INVALID_CREDENTIALS"),
            AuthError::RateLimited { retry_after_secs } => ApiError::new(
                ErrorCode::RateLimited,
                format!("Too many password attempts; retry in {retry_after_secs} s."),
            )
            .with("retryAfterSeconds", retry_after_secs),
            AuthError::InvalidRefreshToken => {
                ApiError::new(ErrorCode::Unauthenticated, "The session has ended; sign in again.")
                    .with("reason", "SESSION_ENDED")
            }
            AuthError::RefreshRace => ApiError::new(
                ErrorCode::Conflict,
                "This refresh token was just used by another request; retry with the newest one.",
            )
            .with("reason", "REFRESH_RACE"),
            AuthError::ReuseDetected => ApiError::new(
                ErrorCode::Unauthenticated,
                "This refresh token was already used, so the session has been revoked; sign in again.",
            )
            .with("reason", "SESSION_REVOKED"),
            AuthError::WrongPassword => ApiError::bad_input("currentPassword", "The current password is wrong."),
            AuthError::User(u) => u.into(),
            AuthError::Database(db) => ApiError::database(&db),
        }
    }
}

/// Input of `login`.
#[derive(InputObject)]
pub struct LoginInput {
    /// Username (case-insensitive).
    pub username: String,
    /// Password.
    pub password: String,
    /// Return the refresh token in the payload (scripts, CLI) instead of only in the cookie.
    #[graphql(default = false)]
    pub refresh_token_in_body: bool,
}

/// Input of `refreshSession`.
#[derive(InputObject, Default)]
pub struct RefreshSessionInput {
    /// The refresh token; when absent the `nexus_refresh` cookie is used.
    pub refresh_token: Option<String>,
    /// Return the new refresh token in the payload as well.
    #[graphql(default = false)]
    pub refresh_token_in_body: bool,
}

/// Input of `logout`.
#[derive(InputObject, Default)]
pub struct LogoutInput {
    /// The refresh token of the session to end; when absent the cookie is used.
    pub refresh_token: Option<String>,
}

/// Input of `changePassword`.
#[derive(InputObject)]
pub struct ChangePasswordInput {
    /// The password in use now.
    pub current_password: String,
    /// The new password (at least 12 characters).
    pub new_password: String,
    /// Return the new session's refresh token in the payload as well.
    #[graphql(default = false)]
    pub refresh_token_in_body: bool,
}

/// A signed-in session.
#[derive(SimpleObject)]
pub struct SessionPayload {
    /// Bearer token for `Authorization` and the WebSocket `connection_init`.
    pub access_token: String,
    /// When the access token expires; refresh shortly before.
    pub expires_at: DateTime<Utc>,
    /// The signed-in user.
    pub user: User,
    /// The refresh token, only when asked for with `refreshTokenInBody`.
    pub refresh_token: Option<String>,
    /// When the refresh token expires.
    pub refresh_expires_at: DateTime<Utc>,
}

/// Result of `logout`.
#[derive(SimpleObject)]
pub struct LogoutPayload {
    /// Always true: ending an unknown session is not an error.
    pub ok: bool,
}

fn client_ip(ctx: &Context<'_>) -> IpAddr {
    ctx.data_opt::<ClientIp>().map(|c| c.0).unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED))
}

fn cookie_attributes(ctx: &Context<'_>) -> &'static str {
    let secure = ctx.data_opt::<CookiePolicy>().is_none_or(|p| p.secure);
    if secure {
        "HttpOnly; SameSite=Strict; Path=/graphql; Secure"
    } else {
        "HttpOnly; SameSite=Strict; Path=/graphql"
    }
}

fn respond(ctx: &Context<'_>, session: Session, in_body: bool) -> SessionPayload {
    let max_age = (session.refresh_expires_at - Utc::now()).num_seconds().max(0);
    ctx.append_http_header(
        "set-cookie",
        format!("{REFRESH_COOKIE}={}; Max-Age={max_age}; {}", session.refresh_token, cookie_attributes(ctx)),
    );
    ctx.insert_http_header("cache-control", "no-store");
    SessionPayload {
        access_token: session.access_token,
        expires_at: session.access_expires_at,
        user: session.user.into(),
        refresh_token: in_body.then_some(session.refresh_token),
        refresh_expires_at: session.refresh_expires_at,
    }
}

/// Refuses a session mutation sent over the WebSocket (see the module documentation).
fn http_only(ctx: &Context<'_>, field: &str) -> Result<(), ApiError> {
    if ctx.data_opt::<OverWebSocket>().is_none() {
        return Ok(());
    }
    Err(ApiError::new(
        ErrorCode::BadUserInput,
        format!(
            "`{field}` works only over HTTP (POST /graphql): it sets the session cookie, which a WebSocket cannot."
        ),
    )
    .with("reason", "HTTP_ONLY"))
}

/// The error of a failed session mutation, with `Retry-After` when it was rate limited.
fn refused(ctx: &Context<'_>, e: AuthError) -> async_graphql::Error {
    if let AuthError::RateLimited { retry_after_secs } = &e {
        ctx.insert_http_header("retry-after", retry_after_secs.to_string());
    }
    ApiError::from(e).into()
}

fn clear_cookie(ctx: &Context<'_>) {
    ctx.append_http_header("set-cookie", format!("{REFRESH_COOKIE}=; Max-Age=0; {}", cookie_attributes(ctx)));
}

fn presented_token(ctx: &Context<'_>, from_input: Option<String>) -> Option<String> {
    from_input.filter(|t| !t.is_empty()).or_else(|| ctx.data_opt::<RefreshCookie>().and_then(|c| c.0.clone()))
}

/// Session mutations.
#[derive(Default)]
pub struct AuthMutation;

#[Object]
impl AuthMutation {
    /// Signs in. Public; HTTP only (over the WebSocket: `BAD_USER_INPUT`, `reason: HTTP_ONLY`).
    /// Limited per client address and per username (`RATE_LIMITED` with `retryAfterSeconds` and a
    /// `Retry-After` header); every aliased `login` counts.
    async fn login(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The mutation's arguments (see the input type).")] input: LoginInput,
    ) -> ApiResult<SessionPayload> {
        http_only(ctx, "login")?;
        let services = ctx.data_unchecked::<Services>();
        match services.auth.login(&input.username, &input.password, client_ip(ctx)).await {
            Ok(session) => Ok(respond(ctx, session, input.refresh_token_in_body)),
            Err(e) => Err(refused(ctx, e)),
        }
    }

    /// Exchanges the refresh token (input, else cookie) for a new access token and a new refresh
    /// token. Public; HTTP only. Replaying a retired token revokes the whole session.
    async fn refresh_session(
        &self,
        ctx: &Context<'_>,
        #[graphql(default, desc = "The mutation's arguments (see the input type); may be omitted to use the cookie.")]
        input: RefreshSessionInput,
    ) -> ApiResult<SessionPayload> {
        http_only(ctx, "refreshSession")?;
        let services = ctx.data_unchecked::<Services>();
        let Some(token) = presented_token(ctx, input.refresh_token) else {
            return Err(ApiError::new(ErrorCode::Unauthenticated, "No refresh token was sent.")
                .with("reason", "SESSION_ENDED")
                .into());
        };
        match services.auth.refresh(&token).await {
            Ok(session) => Ok(respond(ctx, session, input.refresh_token_in_body)),
            Err(e) => {
                if !matches!(e, AuthError::RefreshRace) {
                    clear_cookie(ctx);
                }
                Err(ApiError::from(e).into())
            }
        }
    }

    /// Ends the session of the refresh token (input, else cookie) and clears the cookie. Public;
    /// HTTP only.
    async fn logout(
        &self,
        ctx: &Context<'_>,
        #[graphql(default, desc = "The mutation's arguments (see the input type); may be omitted to use the cookie.")]
        input: LogoutInput,
    ) -> ApiResult<LogoutPayload> {
        http_only(ctx, "logout")?;
        let services = ctx.data_unchecked::<Services>();
        if let Some(token) = presented_token(ctx, input.refresh_token) {
            services.auth.logout(&token).await.map_err(ApiError::from)?;
        }
        clear_cookie(ctx);
        Ok(LogoutPayload { ok: true })
    }

    /// Changes the caller's password. Every session of the user ends; the payload is a new one.
    /// HTTP only. Each attempt counts against the login limits (`RATE_LIMITED`).
    async fn change_password(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The mutation's arguments (see the input type).")] input: ChangePasswordInput,
    ) -> ApiResult<SessionPayload> {
        let principal = require(caller(ctx), Role::Viewer)?.clone();
        http_only(ctx, "changePassword")?;
        let services = ctx.data_unchecked::<Services>();
        match services
            .auth
            .change_password(&principal, &input.current_password, input.new_password, client_ip(ctx))
            .await
        {
            Ok(session) => Ok(respond(ctx, session, input.refresh_token_in_body)),
            Err(e) => Err(refused(ctx, e)),
        }
    }
}
