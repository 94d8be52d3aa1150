//! Session revocations that outlive a restart, and the index refresh-token reuse checks need.
//!
//! Access tokens are stateless JWTs, so "this user's tokens are void" has to be remembered
//! somewhere. Memory alone forgets it on a restart (or when a replica misses the event), and a
//! disabled user's old token would work again until it expired; one row per user, holding the
//! latest revocation, is what start-up loads back.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum SessionRevocations {
    Table,
    UserId,
    RevokedAt,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum RefreshTokens {
    Table,
    ParentId,
}

#[derive(DeriveIden)]
enum RefreshTokenFamilies {
    Table,
    RevokedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(SessionRevocations::Table)
                    .col(ColumnDef::new(SessionRevocations::UserId).string_len(36).not_null().primary_key())
                    // Access tokens of the user issued before this instant are void.
                    .col(ColumnDef::new(SessionRevocations::RevokedAt).timestamp_with_time_zone().not_null())
                    .foreign_key(
                        ForeignKey::create()
                            .name("session_revocations_user_fk")
                            .from(SessionRevocations::Table, SessionRevocations::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        // Start-up loads, and the purge deletes, by age.
        manager
            .create_index(
                Index::create()
                    .name("session_revocations_revoked_idx")
                    .table(SessionRevocations::Table)
                    .col(SessionRevocations::RevokedAt)
                    .to_owned(),
            )
            .await?;
        // Sessions ended by logout are read back by age too (their access tokens stay void).
        manager
            .create_index(
                Index::create()
                    .name("refresh_token_families_revoked_idx")
                    .table(RefreshTokenFamilies::Table)
                    .col(RefreshTokenFamilies::RevokedAt)
                    .to_owned(),
            )
            .await?;
        // A replayed token is judged by its child (is it the active one?): without this index
        // every refresh-token reuse check scans the table.
        manager
            .create_index(
                Index::create()
                    .name("refresh_tokens_parent_idx")
                    .table(RefreshTokens::Table)
                    .col(RefreshTokens::ParentId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(Index::drop().name("refresh_tokens_parent_idx").table(RefreshTokens::Table).to_owned())
            .await?;
        manager
            .drop_index(
                Index::drop().name("refresh_token_families_revoked_idx").table(RefreshTokenFamilies::Table).to_owned(),
            )
            .await?;
        manager.drop_table(Table::drop().table(SessionRevocations::Table).to_owned()).await
    }
}
