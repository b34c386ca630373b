use sea_orm_migration::{prelude::*, schema::*};

use super::m20260101_000003_create_users::Users;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(AuditEntries::Table)
                    .col(pk_auto(AuditEntries::Id))
                    .col(integer_null(AuditEntries::ActorId))
                    .col(string_len(AuditEntries::Action, 64))
                    .col(string_len(AuditEntries::TargetType, 32))
                    .col(string_len_null(AuditEntries::TargetId, 32))
                    .col(json_null(AuditEntries::Detail))
                    .col(timestamp_with_time_zone(AuditEntries::At))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_audit_entries_actor_id")
                            .from(AuditEntries::Table, AuditEntries::ActorId)
                            .to(Users::Table, Users::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_audit_entries_at")
                    .table(AuditEntries::Table)
                    .col(AuditEntries::At)
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(AuditEntries::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
pub enum AuditEntries {
    Table,
    Id,
    ActorId,
    Action,
    TargetType,
    TargetId,
    Detail,
    At,
}
