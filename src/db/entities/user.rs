//! `users`: accounts that sign in to Nexus.

use sea_orm::entity::prelude::*;

/// A user row.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "users")]
pub struct Model {
    /// UUIDv7.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    /// As entered at creation.
    pub username: String,
    /// Lower-cased username; unique.
    pub username_key: String,
    /// Shown in the UI and activity feeds.
    pub display_name: String,
    /// `OWNER`, `OPERATOR` or `VIEWER`.
    pub role: String,
    /// argon2id PHC string.
    pub password_hash: String,
    /// Disabled users cannot sign in and have no sessions.
    pub disabled: bool,
    /// Creation time.
    pub created_at: DateTimeUtc,
    /// Last change.
    pub updated_at: DateTimeUtc,
    /// Last password change.
    pub password_changed_at: DateTimeUtc,
}

/// Relations.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    /// The user's session families.
    #[sea_orm(has_many = "super::refresh_token_family::Entity")]
    Families,
}

impl Related<super::refresh_token_family::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Families.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
