//! User accounts: the owner's management operations, listing and the first-start owner.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, DbErr, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};
use secrecy::ExposeSecret;

use super::auth::{password, Role, SessionRevoker};
use crate::config::{AuthConfig, Environment};
use crate::db::entities::user;
use crate::db::{self, Tx};
use crate::events::EventBus;

/// A user as the rest of Nexus sees it (no password hash).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserRecord {
    /// Id.
    pub id: String,
    /// Username as entered.
    pub username: String,
    /// Display name.
    pub display_name: String,
    /// Role.
    pub role: Role,
    /// Disabled users cannot sign in.
    pub disabled: bool,
    /// Creation time.
    pub created_at: DateTime<Utc>,
}

impl UserRecord {
    /// Converts a row; an unknown stored role reads as VIEWER (least privilege) and is logged.
    pub fn from_model(m: user::Model) -> Self {
        let role = Role::parse(&m.role).unwrap_or_else(|| {
            tracing::error!(user_id = %m.id, role = %m.role, "unknown role in database; treating as VIEWER");
            Role::Viewer
        });
        Self {
            id: m.id,
            username: m.username,
            display_name: m.display_name,
            role,
            disabled: m.disabled,
            created_at: m.created_at,
        }
    }
}

/// Errors of user management.
#[derive(Debug, thiserror::Error)]
pub enum UserError {
    /// No such user.
    #[error("user not found")]
    NotFound,
    /// The username is taken (case-insensitively).
    #[error("the username is taken")]
    UsernameTaken,
    /// A field is invalid.
    #[error("{field}: {message}")]
    Invalid {
        /// The input field.
        field: &'static str,
        /// What is wrong.
        message: String,
    },
    /// The change would leave no active owner.
    #[error("at least one active owner must remain")]
    LastOwner,
    /// Hashing failed.
    #[error("password hashing failed: {0}")]
    Hashing(String),
    /// The database failed.
    #[error("database error: {0}")]
    Database(#[from] DbErr),
}

/// Input for a new user.
#[derive(Debug, Clone)]
pub struct NewUser {
    /// Username (letters, digits, `.`, `_`, `-`; 3–64).
    pub username: String,
    /// Display name (1–100); defaults to the username.
    pub display_name: Option<String>,
    /// Role.
    pub role: Role,
    /// Initial password.
    pub password: String,
}

/// Validates a username; returns the lower-cased key.
pub fn username_key(username: &str) -> Result<String, UserError> {
    let ok_chars = username.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'));
    if !(3..=64).contains(&username.len()) || !ok_chars {
        return Err(UserError::Invalid {
            field: "username",
            message: "Use 3–64 characters: letters, digits, '.', '_' or '-'.".into(),
        });
    }
    Ok(username.to_ascii_lowercase())
}

/// Hashes on a blocking thread (argon2 takes tens of milliseconds of CPU).
pub async fn hash_password(password: String) -> Result<String, UserError> {
    tokio::task::spawn_blocking(move || password::hash(&password))
        .await
        .map_err(|e| UserError::Hashing(e.to_string()))?
        .map_err(|e| UserError::Hashing(e.to_string()))
}

/// User management.
#[derive(Clone)]
pub struct UserService {
    db: DatabaseConnection,
    bus: EventBus,
    revoker: SessionRevoker,
}

impl UserService {
    /// Creates the service.
    pub fn new(db: DatabaseConnection, bus: EventBus, revoker: SessionRevoker) -> Self {
        Self { db, bus, revoker }
    }

    /// One user by id.
    #[tracing::instrument(skip(self))]
    pub async fn get(&self, id: &str) -> Result<UserRecord, UserError> {
        user::Entity::find_by_id(id).one(&self.db).await?.map(UserRecord::from_model).ok_or(UserError::NotFound)
    }

    /// Users by id, for dataloaders (one statement).
    #[tracing::instrument(skip(self, ids), fields(count = ids.len()))]
    pub async fn get_many(&self, ids: &[String]) -> Result<Vec<UserRecord>, UserError> {
        let rows = user::Entity::find().filter(user::Column::Id.is_in(ids.iter().cloned())).all(&self.db).await?;
        Ok(rows.into_iter().map(UserRecord::from_model).collect())
    }

    /// A page of users ordered by username, after the username `after` (keyset), plus the total.
    #[tracing::instrument(skip(self))]
    pub async fn list(&self, first: u64, after: Option<&str>) -> Result<(Vec<UserRecord>, bool, u64), UserError> {
        let total = user::Entity::find().count(&self.db).await?;
        let mut q = user::Entity::find().order_by_asc(user::Column::UsernameKey);
        if let Some(after) = after {
            q = q.filter(user::Column::UsernameKey.gt(after.to_ascii_lowercase()));
        }
        let mut rows = q.limit(first + 1).all(&self.db).await?;
        let more = rows.len() as u64 > first;
        rows.truncate(first as usize);
        Ok((rows.into_iter().map(UserRecord::from_model).collect(), more, total))
    }

    /// Creates a user.
    #[tracing::instrument(skip(self, input), fields(username = %input.username, role = ?input.role))]
    pub async fn create(&self, input: NewUser) -> Result<UserRecord, UserError> {
        let key = username_key(&input.username)?;
        let display_name = input.display_name.clone().unwrap_or_else(|| input.username.clone());
        if display_name.trim().is_empty() || display_name.chars().count() > 100 {
            return Err(UserError::Invalid { field: "displayName", message: "Use 1–100 characters.".into() });
        }
        password::check_policy(&input.password).map_err(|m| UserError::Invalid { field: "password", message: m })?;
        let hash = hash_password(input.password).await?;
        let now = Utc::now();
        let model = user::ActiveModel {
            id: Set(db::new_id()),
            username: Set(input.username),
            username_key: Set(key.clone()),
            display_name: Set(display_name.trim().to_owned()),
            role: Set(input.role.as_str().to_owned()),
            password_hash: Set(hash),
            disabled: Set(false),
            created_at: Set(now),
            updated_at: Set(now),
            password_changed_at: Set(now),
        };
        match model.insert(&self.db).await {
            Ok(m) => Ok(UserRecord::from_model(m)),
            Err(e) => {
                // The unique index is the source of truth (two concurrent creates race past any pre-check).
                if user::Entity::find().filter(user::Column::UsernameKey.eq(key)).one(&self.db).await?.is_some() {
                    Err(UserError::UsernameTaken)
                } else {
                    Err(e.into())
                }
            }
        }
    }

    /// Changes a user's role; their sessions end so the new role applies at once.
    #[tracing::instrument(skip(self))]
    pub async fn set_role(&self, id: &str, role: Role) -> Result<UserRecord, UserError> {
        let revoker = self.revoker.clone();
        let user_id = id.to_owned();
        let updated = db::transaction(&self.db, &self.bus, |tx| {
            Box::pin(async move {
                let id = user_id;
                let current = Self::load(tx, &id).await?;
                if UserRecord::from_model(current.clone()).role == Role::Owner && role != Role::Owner {
                    Self::ensure_other_owner(tx, &id).await?;
                }
                Self::update(tx, &id, user::Column::Role, role.as_str().into()).await?;
                revoker.revoke_all_in(tx, &id, "ROLE_CHANGED").await?;
                Ok::<_, UserError>(UserRecord { role, ..UserRecord::from_model(current) })
            })
        })
        .await?;
        self.revoker.mark(id, Utc::now().timestamp_millis());
        Ok(updated)
    }

    /// Disables or enables a user; disabling ends every session.
    #[tracing::instrument(skip(self))]
    pub async fn set_disabled(&self, id: &str, disabled: bool) -> Result<UserRecord, UserError> {
        let revoker = self.revoker.clone();
        let user_id = id.to_owned();
        let updated = db::transaction(&self.db, &self.bus, |tx| {
            Box::pin(async move {
                let id = user_id;
                let current = Self::load(tx, &id).await?;
                if disabled && UserRecord::from_model(current.clone()).role == Role::Owner {
                    Self::ensure_other_owner(tx, &id).await?;
                }
                Self::update(tx, &id, user::Column::Disabled, disabled.into()).await?;
                if disabled {
                    revoker.revoke_all_in(tx, &id, "USER_DISABLED").await?;
                }
                Ok::<_, UserError>(UserRecord { disabled, ..UserRecord::from_model(current) })
            })
        })
        .await?;
        if disabled {
            self.revoker.mark(id, Utc::now().timestamp_millis());
        }
        Ok(updated)
    }

    /// Sets a new password (owner reset or the user's own change); every session ends.
    #[tracing::instrument(skip(self, new_password))]
    pub async fn set_password(&self, id: &str, new_password: String, reason: &'static str) -> Result<(), UserError> {
        password::check_policy(&new_password).map_err(|m| UserError::Invalid { field: "newPassword", message: m })?;
        let hash = hash_password(new_password).await?;
        let revoker = self.revoker.clone();
        let user_id = id.to_owned();
        db::transaction(&self.db, &self.bus, |tx| {
            Box::pin(async move {
                let id = user_id;
                Self::load(tx, &id).await?;
                let now = Utc::now();
                user::Entity::update_many()
                    .col_expr(user::Column::PasswordHash, Expr::value(hash))
                    .col_expr(user::Column::PasswordChangedAt, Expr::value(now))
                    .col_expr(user::Column::UpdatedAt, Expr::value(now))
                    .filter(user::Column::Id.eq(id.as_str()))
                    .exec(tx.conn())
                    .await?;
                revoker.revoke_all_in(tx, &id, reason).await?;
                Ok::<_, UserError>(())
            })
        })
        .await?;
        self.revoker.mark(id, Utc::now().timestamp_millis());
        Ok(())
    }

    /// Finds a user by username (case-insensitive).
    pub async fn find_by_username(&self, username: &str) -> Result<Option<user::Model>, DbErr> {
        user::Entity::find().filter(user::Column::UsernameKey.eq(username.to_ascii_lowercase())).one(&self.db).await
    }

    /// Creates the owner at first start: from `NEXUS_OWNER_PASSWORD`, or in development with a
    /// generated password returned to the caller to print once. Production without a password and
    /// without users is an error.
    pub async fn bootstrap_owner(&self, cfg: &AuthConfig, env: Environment) -> anyhow::Result<Option<String>> {
        if user::Entity::find().count(&self.db).await? > 0 {
            return Ok(None);
        }
        let (password, generated) = match (&cfg.owner_password, env) {
            (Some(p), _) => (p.expose_secret().to_owned(), false),
            (None, Environment::Development) => (password::generate(), true),
            (None, Environment::Production) => {
                anyhow::bail!(
                    "invalid NEXUS_OWNER_PASSWORD: required at first start in production (no user exists yet)"
                )
            }
        };
        let input = NewUser {
            username: cfg.owner_username.clone(),
            display_name: None,
            role: Role::Owner,
            password: password.clone(),
        };
        match self.create(input).await {
            Ok(_) | Err(UserError::UsernameTaken) => {}
            Err(UserError::Invalid { field, message }) => {
                anyhow::bail!(
                    "invalid NEXUS_OWNER_{}: {message}",
                    if field == "username" { "USERNAME" } else { "PASSWORD" }
                )
            }
            Err(e) => return Err(e.into()),
        }
        tracing::info!(username = %cfg.owner_username, "created the owner account");
        Ok(generated.then_some(password))
    }

    async fn load(tx: &Tx, id: &str) -> Result<user::Model, UserError> {
        user::Entity::find_by_id(id).one(tx.conn()).await?.ok_or(UserError::NotFound)
    }

    async fn update(tx: &Tx, id: &str, col: user::Column, value: sea_orm::Value) -> Result<(), UserError> {
        user::Entity::update_many()
            .col_expr(col, Expr::value(value))
            .col_expr(user::Column::UpdatedAt, Expr::value(Utc::now()))
            .filter(user::Column::Id.eq(id))
            .exec(tx.conn())
            .await?;
        Ok(())
    }

    async fn ensure_other_owner(tx: &Tx, id: &str) -> Result<(), UserError> {
        let others = user::Entity::find()
            .filter(user::Column::Role.eq(Role::Owner.as_str()))
            .filter(user::Column::Disabled.eq(false))
            .filter(user::Column::Id.ne(id))
            .count(tx.conn())
            .await?;
        if others == 0 {
            return Err(UserError::LastOwner);
        }
        Ok(())
    }
}
