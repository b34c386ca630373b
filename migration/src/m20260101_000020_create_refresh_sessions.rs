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
                    .table(RefreshSessions::Table)
                    .col(string_len(RefreshSessions::Id, 36).primary_key())
                    .col(integer(RefreshSessions::UserId))
                    .col(string_len(RefreshSessions::TokenHash, 64))
                    .col(timestamp_with_time_zone(RefreshSessions::ExpiresAt))
                    .col(timestamp_with_time_zone_null(RefreshSessions::RevokedAt))
                    .col(timestamp_with_time_zone_default_now(
                        RefreshSessions::CreatedAt,
                    ))
                    .col(timestamp_with_time_zone_null(RefreshSessions::LastUsedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_refresh_sessions_user_id")
                            .from(RefreshSessions::Table, RefreshSessions::UserId)
                            .to(Users::Table, Users::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_refresh_sessions_user_id")
                    .table(RefreshSessions::Table)
                    .col(RefreshSessions::UserId)
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(RefreshSessions::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
pub enum RefreshSessions {
    Table,
    Id,
    UserId,
    TokenHash,
    ExpiresAt,
    RevokedAt,
    CreatedAt,
    LastUsedAt,
}
