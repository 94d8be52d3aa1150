//! `refresh_token_families`: one per sign-in; every rotation stays in its family.

use sea_orm::entity::prelude::*;

/// A family row.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "refresh_token_families")]
pub struct Model {
    /// UUIDv7.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    /// Owner of the session.
    pub user_id: String,
    /// Sign-in time.
    pub created_at: DateTimeUtc,
    /// Absolute end of the session, however often it is refreshed.
    pub expires_at: DateTimeUtc,
    /// When the family was revoked, if it was.
    pub revoked_at: Option<DateTimeUtc>,
    /// Why: `LOGOUT`, `REUSE_DETECTED`, `PASSWORD_CHANGED`, `USER_DISABLED`, `PASSWORD_RESET`.
    pub revoked_reason: Option<String>,
}

/// Relations.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    /// The user.
    #[sea_orm(belongs_to = "super::user::Entity", from = "Column::UserId", to = "super::user::Column::Id")]
    User,
    /// The tokens.
    #[sea_orm(has_many = "super::refresh_token::Entity")]
    Tokens,
}

impl Related<super::user::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::User.def()
    }
}

impl Related<super::refresh_token::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Tokens.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
