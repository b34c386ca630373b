//! Follow-ups (回访) of resolved rectifications: the department's, by phone, visit or the
//! mini-program, and the resident's own rating (once per rectification, a partial unique
//! index). Satisfied closes it; dissatisfied reopens it.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use super::m20260101_000003_create_users::Users;
use super::m20260101_000019_create_rectifications::Rectifications;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
pub enum RectificationFollowUps {
    Table,
    Id,
    RectificationId,
    ByResident,
    Channel,
    Rating,
    Note,
    RecordedBy,
    RecordedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(RectificationFollowUps::Table)
                    .col(pk_auto(RectificationFollowUps::Id))
                    .col(integer(RectificationFollowUps::RectificationId))
                    .col(boolean(RectificationFollowUps::ByResident))
                    .col(string_len(RectificationFollowUps::Channel, 16))
                    .col(string_len(RectificationFollowUps::Rating, 24))
                    .col(text_null(RectificationFollowUps::Note))
                    .col(integer(RectificationFollowUps::RecordedBy))
                    .col(timestamp_with_time_zone(RectificationFollowUps::RecordedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_rectification_follow_ups_rectification_id")
                            .from(
                                RectificationFollowUps::Table,
                                RectificationFollowUps::RectificationId,
                            )
                            .to(Rectifications::Table, Rectifications::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_rectification_follow_ups_recorded_by")
                            .from(
                                RectificationFollowUps::Table,
                                RectificationFollowUps::RecordedBy,
                            )
                            .to(Users::Table, Users::Id),
                    )
                    .to_owned(),
            )
            .await?;
        let db = manager.get_connection();
        db.execute_unprepared(
            "CREATE INDEX ix_rectification_follow_ups_rectification_id \
             ON rectification_follow_ups (rectification_id, id)",
        )
        .await?;
        // The resident rates once.
        db.execute_unprepared(
            "CREATE UNIQUE INDEX ux_rectification_follow_ups_resident \
             ON rectification_follow_ups (rectification_id) WHERE by_resident",
        )
        .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(
                Table::drop()
                    .table(RectificationFollowUps::Table)
                    .to_owned(),
            )
            .await
    }
}
