//! Activity summaries (做好总结): after an activity is completed, its organizers say what it
//! did, how many it served and who; the plan's execution table and year-end summary
//! collect them.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use super::m20260101_000003_create_users::Users;
use super::m20260101_000009_create_activities::Activities;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
pub enum ActivitySummaries {
    Table,
    Id,
    ActivityId,
    Text,
    ServedCount,
    ServedGroups,
    SubmittedBy,
    SubmittedAt,
    UpdatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(ActivitySummaries::Table)
                    .col(pk_auto(ActivitySummaries::Id))
                    .col(integer(ActivitySummaries::ActivityId).unique_key())
                    .col(text(ActivitySummaries::Text))
                    .col(integer(ActivitySummaries::ServedCount))
                    .col(json(ActivitySummaries::ServedGroups))
                    .col(integer(ActivitySummaries::SubmittedBy))
                    .col(timestamp_with_time_zone(ActivitySummaries::SubmittedAt))
                    .col(timestamp_with_time_zone(ActivitySummaries::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_activity_summaries_activity_id")
                            .from(ActivitySummaries::Table, ActivitySummaries::ActivityId)
                            .to(Activities::Table, Activities::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_activity_summaries_submitted_by")
                            .from(ActivitySummaries::Table, ActivitySummaries::SubmittedBy)
                            .to(Users::Table, Users::Id),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(ActivitySummaries::Table).to_owned())
            .await
    }
}
