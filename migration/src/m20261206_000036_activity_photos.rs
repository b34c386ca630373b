//! Photos of a completed activity (做好总结 asks for 图片资料): uploaded by its organizers,
//! kept in the database beside the summary, so that every instance serves them and a
//! backup of the database holds them.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use super::m20260101_000003_create_users::Users;
use super::m20260101_000009_create_activities::Activities;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
pub enum ActivityPhotos {
    Table,
    Id,
    ActivityId,
    ContentType,
    Bytes,
    Size,
    Sha256,
    UploadedBy,
    UploadedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(ActivityPhotos::Table)
                    .col(pk_auto(ActivityPhotos::Id))
                    .col(integer(ActivityPhotos::ActivityId))
                    .col(string_len(ActivityPhotos::ContentType, 32))
                    .col(blob(ActivityPhotos::Bytes))
                    .col(integer(ActivityPhotos::Size))
                    .col(string_len(ActivityPhotos::Sha256, 64))
                    .col(integer(ActivityPhotos::UploadedBy))
                    .col(timestamp_with_time_zone(ActivityPhotos::UploadedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_activity_photos_activity_id")
                            .from(ActivityPhotos::Table, ActivityPhotos::ActivityId)
                            .to(Activities::Table, Activities::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_activity_photos_uploaded_by")
                            .from(ActivityPhotos::Table, ActivityPhotos::UploadedBy)
                            .to(Users::Table, Users::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_activity_photos_activity_id")
                    .table(ActivityPhotos::Table)
                    .col(ActivityPhotos::ActivityId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(ActivityPhotos::Table).to_owned())
            .await
    }
}
