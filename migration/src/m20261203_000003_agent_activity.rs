//! The log of changes Nexus makes to agent workspace files (who, which file, when, resulting hash).

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum AgentActivityEntries {
    Table,
    Id,
    AgentId,
    Kind,
    Path,
    ActorKind,
    ActorId,
    Summary,
    ContentHash,
    CreatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(AgentActivityEntries::Table)
                    .col(ColumnDef::new(AgentActivityEntries::Id).string_len(36).not_null().primary_key())
                    .col(ColumnDef::new(AgentActivityEntries::AgentId).string_len(64).not_null())
                    .col(ColumnDef::new(AgentActivityEntries::Kind).string_len(32).not_null())
                    .col(ColumnDef::new(AgentActivityEntries::Path).string_len(255).not_null())
                    .col(ColumnDef::new(AgentActivityEntries::ActorKind).string_len(16).not_null())
                    .col(ColumnDef::new(AgentActivityEntries::ActorId).string_len(64).null())
                    .col(ColumnDef::new(AgentActivityEntries::Summary).string_len(300).not_null())
                    .col(ColumnDef::new(AgentActivityEntries::ContentHash).string_len(64).null())
                    .col(ColumnDef::new(AgentActivityEntries::CreatedAt).timestamp_with_time_zone().not_null())
                    .to_owned(),
            )
            .await?;
        // The agent page lists an agent's newest entries: (agent_id, id) serves that directly.
        manager
            .create_index(
                Index::create()
                    .name("agent_activity_entries_agent_idx")
                    .table(AgentActivityEntries::Table)
                    .col(AgentActivityEntries::AgentId)
                    .col(AgentActivityEntries::Id)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(AgentActivityEntries::Table).to_owned()).await
    }
}
