//! Users: the `User` type, `me`, and the owner's user management.

use async_graphql::connection::{Connection, CursorType, Edge};
use async_graphql::{Context, Enum, InputObject, Object, SimpleObject, ID};
use chrono::{DateTime, Utc};

use super::errors::{ApiError, ApiResult, ErrorCode};
use super::guards::{caller, require, RoleGuard};
use crate::app::Services;
use crate::services::auth::Role as DomainRole;
use crate::services::users::{NewUser, UserError, UserRecord};

impl From<UserError> for ApiError {
    fn from(e: UserError) -> Self {
        match e {
            UserError::NotFound => ApiError::new(ErrorCode::NotFound, "No such user."),
            UserError::UsernameTaken => {
                ApiError::new(ErrorCode::Conflict, "That username is taken.").with("field", "username")
            }
            UserError::Invalid { field, message } => ApiError::bad_input(field, message),
            UserError::LastOwner => ApiError::new(
                ErrorCode::BadUserInput,
                "At least one active owner must remain; promote another owner first.",
            ),
            UserError::Hashing(_) | UserError::Database(_) => ApiError::internal(&e),
        }
    }
}

/// What a user may do.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum Role {
    /// Reads everything.
    Viewer,
    /// Steers work: tasks, approvals, agent files.
    Operator,
    /// Everything, including users.
    Owner,
}

impl From<DomainRole> for Role {
    fn from(r: DomainRole) -> Self {
        match r {
            DomainRole::Viewer => Self::Viewer,
            DomainRole::Operator => Self::Operator,
            DomainRole::Owner => Self::Owner,
        }
    }
}

impl From<Role> for DomainRole {
    fn from(r: Role) -> Self {
        match r {
            Role::Viewer => Self::Viewer,
            Role::Operator => Self::Operator,
            Role::Owner => Self::Owner,
        }
    }
}

/// A person who signs in to Nexus.
#[derive(SimpleObject, Clone)]
pub struct User {
    /// Opaque id.
    pub id: ID,
    /// Sign-in name (unique, case-insensitive).
    pub username: String,
    /// Name shown in the UI and activity feeds.
    pub display_name: String,
    /// Role.
    pub role: Role,
    /// Disabled users cannot sign in.
    pub disabled: bool,
    /// When the account was created.
    pub created_at: DateTime<Utc>,
}

impl From<UserRecord> for User {
    fn from(u: UserRecord) -> Self {
        Self {
            id: ID(u.id),
            username: u.username,
            display_name: u.display_name,
            role: u.role.into(),
            disabled: u.disabled,
            created_at: u.created_at,
        }
    }
}

/// Extra fields of the users connection.
#[derive(SimpleObject)]
pub struct UserConnectionFields {
    /// Number of users in total.
    pub total_count: u64,
}

/// Input of `createUser`.
#[derive(InputObject)]
pub struct CreateUserInput {
    /// 3–64 letters, digits, `.`, `_` or `-`.
    pub username: String,
    /// Shown name; defaults to the username.
    pub display_name: Option<String>,
    /// Role.
    pub role: Role,
    /// Initial password (at least 12 characters).
    pub password: String,
}

/// Input of `changeUserRole`.
#[derive(InputObject)]
pub struct ChangeUserRoleInput {
    /// The user.
    pub user_id: ID,
    /// The new role. The user's sessions end so it applies at once.
    pub role: Role,
}

/// Input of `disableUser`.
#[derive(InputObject)]
pub struct DisableUserInput {
    /// The user.
    pub user_id: ID,
    /// `true` disables (ending every session), `false` enables again.
    #[graphql(default = true)]
    pub disabled: bool,
}

/// Input of `resetUserPassword`.
#[derive(InputObject)]
pub struct ResetUserPasswordInput {
    /// The user.
    pub user_id: ID,
    /// The new password (at least 12 characters). The user's sessions end.
    pub new_password: String,
}

/// Result of a user mutation.
#[derive(SimpleObject)]
pub struct UserPayload {
    /// The user after the change.
    pub user: User,
}

/// User queries.
#[derive(Default)]
pub struct UsersQuery;

/// Largest page a connection returns.
pub const MAX_PAGE: i32 = 100;

/// Checks a `first` argument against the page limit.
pub fn page_size(first: Option<i32>, default: i32) -> Result<u64, ApiError> {
    let first = first.unwrap_or(default);
    if !(0..=MAX_PAGE).contains(&first) {
        return Err(ApiError::bad_input("first", format!("`first` must be between 0 and {MAX_PAGE}.")));
    }
    Ok(first as u64)
}

#[Object]
impl UsersQuery {
    /// The signed-in user.
    async fn me(&self, ctx: &Context<'_>) -> ApiResult<User> {
        let principal = require(caller(ctx), DomainRole::Viewer)?;
        let services = ctx.data_unchecked::<Services>();
        Ok(services.users.get(&principal.user_id).await.map_err(ApiError::from)?.into())
    }

    /// Every user, by username. OWNER only.
    #[graphql(
        guard = "RoleGuard::new(DomainRole::Owner)",
        complexity = "first.unwrap_or(20).max(0) as usize * child_complexity"
    )]
    async fn users(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size, at most 100 (default 20).")] first: Option<i32>,
        #[graphql(desc = "Cursor from a previous page's `pageInfo.endCursor`.")] after: Option<String>,
    ) -> ApiResult<Connection<String, User, UserConnectionFields>> {
        let first = page_size(first, 20)?;
        let after = after
            .map(|c| {
                String::decode_cursor(&c).map_err(|_| ApiError::bad_input("after", "Not a cursor from this list."))
            })
            .transpose()?;
        let services = ctx.data_unchecked::<Services>();
        let (rows, more, total) = services.users.list(first, after.as_deref()).await.map_err(ApiError::from)?;
        let mut conn =
            Connection::with_additional_fields(after.is_some(), more, UserConnectionFields { total_count: total });
        conn.edges.extend(rows.into_iter().map(|u| Edge::new(u.username.to_ascii_lowercase(), User::from(u))));
        Ok(conn)
    }
}

/// User mutations (OWNER only).
#[derive(Default)]
pub struct UsersMutation;

#[Object]
impl UsersMutation {
    /// Creates a user.
    #[graphql(guard = "RoleGuard::new(DomainRole::Owner)")]
    async fn create_user(&self, ctx: &Context<'_>, input: CreateUserInput) -> ApiResult<UserPayload> {
        let services = ctx.data_unchecked::<Services>();
        let new = NewUser {
            username: input.username,
            display_name: input.display_name,
            role: input.role.into(),
            password: input.password,
        };
        Ok(UserPayload { user: services.users.create(new).await.map_err(ApiError::from)?.into() })
    }

    /// Changes a user's role and ends their sessions.
    #[graphql(guard = "RoleGuard::new(DomainRole::Owner)")]
    async fn change_user_role(&self, ctx: &Context<'_>, input: ChangeUserRoleInput) -> ApiResult<UserPayload> {
        let services = ctx.data_unchecked::<Services>();
        let user = services.users.set_role(&input.user_id, input.role.into()).await.map_err(ApiError::from)?;
        Ok(UserPayload { user: user.into() })
    }

    /// Disables (ending every session) or re-enables a user.
    #[graphql(guard = "RoleGuard::new(DomainRole::Owner)")]
    async fn disable_user(&self, ctx: &Context<'_>, input: DisableUserInput) -> ApiResult<UserPayload> {
        let services = ctx.data_unchecked::<Services>();
        let user = services.users.set_disabled(&input.user_id, input.disabled).await.map_err(ApiError::from)?;
        Ok(UserPayload { user: user.into() })
    }

    /// Sets a new password for a user and ends their sessions.
    #[graphql(guard = "RoleGuard::new(DomainRole::Owner)")]
    async fn reset_user_password(&self, ctx: &Context<'_>, input: ResetUserPasswordInput) -> ApiResult<UserPayload> {
        let services = ctx.data_unchecked::<Services>();
        services
            .users
            .set_password(&input.user_id, input.new_password, "PASSWORD_RESET")
            .await
            .map_err(ApiError::from)?;
        Ok(UserPayload { user: services.users.get(&input.user_id).await.map_err(ApiError::from)?.into() })
    }
}
