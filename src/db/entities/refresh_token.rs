//! `refresh_tokens`: opaque refresh tokens, stored only as SHA-256 hashes.

use sea_orm::entity::prelude::*;

/// A refresh-token row.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "refresh_tokens")]
pub struct Model {
    /// UUIDv7.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    /// The session family.
    pub family_id: String,
    /// The token this one replaced.
    pub parent_id: Option<String>,
    /// Hex SHA-256 of the token.
    pub token_hash: String,
    /// `ACTIVE`, `ROTATED` or `REVOKED`.
    pub status: String,
    /// Issue time.
    pub issued_at: DateTimeUtc,
    /// Expiry.
    pub expires_at: DateTimeUtc,
    /// When it was exchanged for its successor.
    pub used_at: Option<DateTimeUtc>,
}

/// Relations.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    /// The family.
    #[sea_orm(
        belongs_to = "super::refresh_token_family::Entity",
        from = "Column::FamilyId",
        to = "super::refresh_token_family::Column::Id"
    )]
    Family,
}

impl Related<super::refresh_token_family::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Family.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
