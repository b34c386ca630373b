//! WeChat subscribe messages (订阅消息) as a second channel of notifications: what each
//! user accepted in the mini-program (one message per acceptance, per kind), and one
//! delivery per notification to send, with its attempts, until sent or given up.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use super::m20260101_000003_create_users::Users;
use super::m20261206_000043_notifications_and_jobs::Notifications;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
pub enum WechatSubscriptions {
    Table,
    UserId,
    Kind,
    Remaining,
}

#[derive(DeriveIden)]
pub enum NotificationDeliveries {
    Table,
    Id,
    NotificationId,
    State,
    Attempts,
    NextAttemptAt,
    LockedUntil,
    LastError,
    SentAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(WechatSubscriptions::Table)
                    .col(integer(WechatSubscriptions::UserId))
                    .col(string_len(WechatSubscriptions::Kind, 32))
                    .col(integer(WechatSubscriptions::Remaining))
                    .primary_key(
                        Index::create()
                            .col(WechatSubscriptions::UserId)
                            .col(WechatSubscriptions::Kind),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_wechat_subscriptions_user_id")
                            .from(WechatSubscriptions::Table, WechatSubscriptions::UserId)
                            .to(Users::Table, Users::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(NotificationDeliveries::Table)
                    .col(pk_auto(NotificationDeliveries::Id))
                    .col(integer(NotificationDeliveries::NotificationId).unique_key())
                    .col(string_len(NotificationDeliveries::State, 16))
                    .col(integer(NotificationDeliveries::Attempts).default(0))
                    .col(timestamp_with_time_zone(
                        NotificationDeliveries::NextAttemptAt,
                    ))
                    .col(timestamp_with_time_zone_null(
                        NotificationDeliveries::LockedUntil,
                    ))
                    .col(text_null(NotificationDeliveries::LastError))
                    .col(timestamp_with_time_zone_null(
                        NotificationDeliveries::SentAt,
                    ))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_notification_deliveries_notification_id")
                            .from(
                                NotificationDeliveries::Table,
                                NotificationDeliveries::NotificationId,
                            )
                            .to(Notifications::Table, Notifications::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_notification_deliveries_state_next")
                    .table(NotificationDeliveries::Table)
                    .col(NotificationDeliveries::State)
                    .col(NotificationDeliveries::NextAttemptAt)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(
                Table::drop()
                    .table(NotificationDeliveries::Table)
                    .to_owned(),
            )
            .await?;
        manager
            .drop_table(Table::drop().table(WechatSubscriptions::Table).to_owned())
            .await
    }
}
