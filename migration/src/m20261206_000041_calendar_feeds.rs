//! A volunteer's calendar feed (iCalendar) at a secret URL: the URL's token is derived from
//! a random nonce kept here, so rotating the nonce retires the old URL at once.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use super::m20260101_000003_create_users::Users;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
pub enum CalendarFeeds {
    Table,
    UserId,
    Nonce,
    RotatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(CalendarFeeds::Table)
                    .col(integer(CalendarFeeds::UserId).primary_key())
                    .col(string_len(CalendarFeeds::Nonce, 64))
                    .col(timestamp_with_time_zone(CalendarFeeds::RotatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_calendar_feeds_user_id")
                            .from(CalendarFeeds::Table, CalendarFeeds::UserId)
                            .to(Users::Table, Users::Id),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(CalendarFeeds::Table).to_owned())
            .await
    }
}
