//! Telling people (issue 19): notifications written in the same transaction as the change
//! they report (an outbox: one row per user and event, unique by the event's stable key, so
//! an event that happens twice or a job that runs twice notifies once), the kinds a user
//! muted, and the jobs table of the scheduler (due work that runs once across instances and
//! survives restarts).

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use super::m20260101_000003_create_users::Users;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
pub enum Notifications {
    Table,
    Id,
    UserId,
    Kind,
    EventKey,
    Title,
    Body,
    ActivityId,
    RectificationId,
    ServiceRecordId,
    CreatedAt,
    ReadAt,
}

#[derive(DeriveIden)]
pub enum NotificationMutes {
    Table,
    UserId,
    Kind,
}

#[derive(DeriveIden)]
pub enum Jobs {
    Table,
    Id,
    Kind,
    Key,
    TargetId,
    DueAt,
    State,
    Attempts,
    LockedUntil,
    LastError,
    CreatedAt,
    DoneAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Notifications::Table)
                    .col(pk_auto(Notifications::Id))
                    .col(integer(Notifications::UserId))
                    .col(string_len(Notifications::Kind, 32))
                    .col(string_len(Notifications::EventKey, 128))
                    .col(string_len(Notifications::Title, 200))
                    .col(text(Notifications::Body))
                    .col(integer_null(Notifications::ActivityId))
                    .col(integer_null(Notifications::RectificationId))
                    .col(integer_null(Notifications::ServiceRecordId))
                    .col(timestamp_with_time_zone(Notifications::CreatedAt))
                    .col(timestamp_with_time_zone_null(Notifications::ReadAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_notifications_user_id")
                            .from(Notifications::Table, Notifications::UserId)
                            .to(Users::Table, Users::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_notifications_user_event")
                    .table(Notifications::Table)
                    .col(Notifications::UserId)
                    .col(Notifications::EventKey)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_notifications_user_id_id")
                    .table(Notifications::Table)
                    .col(Notifications::UserId)
                    .col(Notifications::Id)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(NotificationMutes::Table)
                    .col(integer(NotificationMutes::UserId))
                    .col(string_len(NotificationMutes::Kind, 32))
                    .primary_key(
                        Index::create()
                            .col(NotificationMutes::UserId)
                            .col(NotificationMutes::Kind),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_notification_mutes_user_id")
                            .from(NotificationMutes::Table, NotificationMutes::UserId)
                            .to(Users::Table, Users::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Jobs::Table)
                    .col(pk_auto(Jobs::Id))
                    .col(string_len(Jobs::Kind, 32))
                    .col(string_len(Jobs::Key, 128).unique_key())
                    .col(integer(Jobs::TargetId))
                    .col(timestamp_with_time_zone(Jobs::DueAt))
                    .col(string_len(Jobs::State, 16))
                    .col(integer(Jobs::Attempts).default(0))
                    .col(timestamp_with_time_zone_null(Jobs::LockedUntil))
                    .col(text_null(Jobs::LastError))
                    .col(timestamp_with_time_zone(Jobs::CreatedAt))
                    .col(timestamp_with_time_zone_null(Jobs::DoneAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_jobs_state_due_at")
                    .table(Jobs::Table)
                    .col(Jobs::State)
                    .col(Jobs::DueAt)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            Jobs::Table.into_iden(),
            NotificationMutes::Table.into_iden(),
            Notifications::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
