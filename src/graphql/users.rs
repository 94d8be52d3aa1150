//! Users: the `User` type, `me`, and the owner's user management.

use async_graphql::{Context, Enum, InputObject, Object, SimpleObject, ID};
use chrono::{DateTime, Utc};

use super::connection::{decode_cursor, encode_cursor, forward_page_info, page_size, PageInfo};
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
            UserError::Database(db) => ApiError::database(&db),
            UserError::Hashing(_) => ApiError::internal(&e),
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

const CURSOR: &str = "user";

/// An edge of the users list.
#[derive(SimpleObject)]
pub struct UserEdge {
    /// Cursor of this user.
    pub cursor: String,
    /// The user.
    pub node: User,
}

/// A page of users, by username.
pub struct UserConnection {
    items: Vec<UserRecord>,
    has_next: bool,
    total: u64,
}

/// A page of users, by username.
#[Object]
impl UserConnection {
    /// The users of this page with their cursors.
    async fn edges(&self) -> Vec<UserEdge> {
        self.items
            .iter()
            .map(|u| UserEdge {
                cursor: encode_cursor(CURSOR, &u.username.to_ascii_lowercase()),
                node: u.clone().into(),
            })
            .collect()
    }

    /// The users of this page.
    async fn nodes(&self) -> Vec<User> {
        self.items.iter().cloned().map(User::from).collect()
    }

    /// Where this page sits.
    async fn page_info(&self) -> PageInfo {
        forward_page_info(
            self.has_next,
            self.items.first().map(|u| encode_cursor(CURSOR, &u.username.to_ascii_lowercase())),
            self.items.last().map(|u| encode_cursor(CURSOR, &u.username.to_ascii_lowercase())),
        )
    }

    /// Number of users in total.
    async fn total_count(&self) -> u64 {
        self.total
    }
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

#[Object]
impl UsersQuery {
    /// The signed-in user.
    async fn me(&self, ctx: &Context<'_>) -> ApiResult<User> {
        let principal = require(caller(ctx), DomainRole::Viewer)?;
        let services = ctx.data_unchecked::<Services>();
        Ok(services.users.get(&principal.user_id).await.map_err(ApiError::from)?.into())
    }

    /// Every user, by username. OWNER only.
    #[graphql(guard = "RoleGuard::new(DomainRole::Owner)", complexity = "first.max(0) as usize * child_complexity")]
    async fn users(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size, at most 100.", default = 20)] first: i32,
        #[graphql(desc = "Cursor from a previous page's `pageInfo.endCursor`.")] after: Option<String>,
    ) -> ApiResult<UserConnection> {
        let first = page_size(first)?;
        let after = after.map(|c| decode_cursor(CURSOR, &c)).transpose()?;
        let services = ctx.data_unchecked::<Services>();
        let (items, has_next, total) =
            services.users.list(first as u64, after.as_deref()).await.map_err(ApiError::from)?;
        Ok(UserConnection { items, has_next, total })
    }
}

/// User mutations (OWNER only).
#[derive(Default)]
pub struct UsersMutation;

#[Object]
impl UsersMutation {
    /// Creates a user.
    #[graphql(guard = "RoleGuard::new(DomainRole::Owner)")]
    async fn create_user(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The mutation's arguments (see the input type).")] input: CreateUserInput,
    ) -> ApiResult<UserPayload> {
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
    async fn change_user_role(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The mutation's arguments (see the input type).")] input: ChangeUserRoleInput,
    ) -> ApiResult<UserPayload> {
        let services = ctx.data_unchecked::<Services>();
        let user = services.users.set_role(&input.user_id, input.role.into()).await.map_err(ApiError::from)?;
        Ok(UserPayload { user: user.into() })
    }

    /// Disables (ending every session) or re-enables a user.
    #[graphql(guard = "RoleGuard::new(DomainRole::Owner)")]
    async fn disable_user(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The mutation's arguments (see the input type).")] input: DisableUserInput,
    ) -> ApiResult<UserPayload> {
        let services = ctx.data_unchecked::<Services>();
        let user = services.users.set_disabled(&input.user_id, input.disabled).await.map_err(ApiError::from)?;
        Ok(UserPayload { user: user.into() })
    }

    /// Sets a new password for a user and ends their sessions.
    #[graphql(guard = "RoleGuard::new(DomainRole::Owner)")]
    async fn reset_user_password(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The mutation's arguments (see the input type).")] input: ResetUserPasswordInput,
    ) -> ApiResult<UserPayload> {
        let services = ctx.data_unchecked::<Services>();
        services
            .users
            .set_password(&input.user_id, input.new_password, "PASSWORD_RESET")
            .await
            .map_err(ApiError::from)?;
        Ok(UserPayload { user: services.users.get(&input.user_id).await.map_err(ApiError::from)?.into() })
    }
}
