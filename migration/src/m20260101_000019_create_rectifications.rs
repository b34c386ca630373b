use sea_orm_migration::{prelude::*, schema::*};

use super::m20260101_000002_create_departments::Departments;
use super::m20260101_000009_create_activities::Activities;
use super::m20260101_000014_create_surveys::Surveys;
use super::m20260101_000017_create_survey_responses::SurveyResponses;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Rectifications::Table)
                    .col(pk_auto(Rectifications::Id))
                    .col(integer(Rectifications::ResponseId))
                    .col(integer(Rectifications::SurveyId))
                    .col(integer_null(Rectifications::ActivityId))
                    .col(integer_null(Rectifications::DepartmentId))
                    .col(string_len(Rectifications::Level, 24))
                    .col(text_null(Rectifications::Complaint))
                    .col(string_len(Rectifications::Status, 24))
                    .col(timestamp_with_time_zone(Rectifications::DueAt))
                    .col(text_null(Rectifications::Resolution))
                    .col(timestamp_with_time_zone_null(Rectifications::ResolvedAt))
                    .col(timestamp_with_time_zone_default_now(
                        Rectifications::CreatedAt,
                    ))
                    .col(timestamp_with_time_zone(Rectifications::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_rectifications_response_id")
                            .from(Rectifications::Table, Rectifications::ResponseId)
                            .to(SurveyResponses::Table, SurveyResponses::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_rectifications_survey_id")
                            .from(Rectifications::Table, Rectifications::SurveyId)
                            .to(Surveys::Table, Surveys::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_rectifications_activity_id")
                            .from(Rectifications::Table, Rectifications::ActivityId)
                            .to(Activities::Table, Activities::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_rectifications_department_id")
                            .from(Rectifications::Table, Rectifications::DepartmentId)
                            .to(Departments::Table, Departments::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_rectifications_response_id")
                    .table(Rectifications::Table)
                    .col(Rectifications::ResponseId)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_rectifications_department_id_status")
                    .table(Rectifications::Table)
                    .col(Rectifications::DepartmentId)
                    .col(Rectifications::Status)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_rectifications_status_due_at")
                    .table(Rectifications::Table)
                    .col(Rectifications::Status)
                    .col(Rectifications::DueAt)
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Rectifications::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
pub enum Rectifications {
    Table,
    Id,
    ResponseId,
    SurveyId,
    ActivityId,
    DepartmentId,
    Level,
    Complaint,
    Status,
    DueAt,
    Resolution,
    ResolvedAt,
    CreatedAt,
    UpdatedAt,
}
