use sea_orm_migration::{prelude::*, schema::*};

use super::m20260101_000002_create_departments::Departments;
use super::m20260101_000003_create_users::Users;
use super::m20260101_000014_create_surveys::Surveys;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(SurveyResponses::Table)
                    .col(pk_auto(SurveyResponses::Id))
                    .col(integer(SurveyResponses::SurveyId))
                    .col(integer_null(SurveyResponses::RespondentId))
                    .col(string_len_null(SurveyResponses::RespondentKey, 64))
                    .col(string_len_null(SurveyResponses::IdempotencyKey, 64))
                    .col(string_len(SurveyResponses::Channel, 24))
                    .col(string_len_null(SurveyResponses::Satisfaction, 24))
                    .col(integer_null(SurveyResponses::DepartmentId))
                    .col(integer_null(SurveyResponses::EnteredBy))
                    .col(timestamp_with_time_zone(SurveyResponses::SubmittedAt))
                    .col(date(SurveyResponses::SubmittedOn))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_survey_responses_survey_id")
                            .from(SurveyResponses::Table, SurveyResponses::SurveyId)
                            .to(Surveys::Table, Surveys::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_survey_responses_respondent_id")
                            .from(SurveyResponses::Table, SurveyResponses::RespondentId)
                            .to(Users::Table, Users::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_survey_responses_department_id")
                            .from(SurveyResponses::Table, SurveyResponses::DepartmentId)
                            .to(Departments::Table, Departments::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_survey_responses_entered_by")
                            .from(SurveyResponses::Table, SurveyResponses::EnteredBy)
                            .to(Users::Table, Users::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_survey_responses_idempotency_key")
                    .table(SurveyResponses::Table)
                    .col(SurveyResponses::IdempotencyKey)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_survey_responses_respondent")
                    .table(SurveyResponses::Table)
                    .col(SurveyResponses::SurveyId)
                    .col(SurveyResponses::RespondentKey)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_survey_responses_respondent_id_id")
                    .table(SurveyResponses::Table)
                    .col(SurveyResponses::RespondentId)
                    .col(SurveyResponses::Id)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_survey_responses_submitted_on")
                    .table(SurveyResponses::Table)
                    .col(SurveyResponses::SubmittedOn)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_survey_responses_department_id_submitted_on")
                    .table(SurveyResponses::Table)
                    .col(SurveyResponses::DepartmentId)
                    .col(SurveyResponses::SubmittedOn)
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(SurveyResponses::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
pub enum SurveyResponses {
    Table,
    Id,
    SurveyId,
    RespondentId,
    RespondentKey,
    IdempotencyKey,
    Channel,
    Satisfaction,
    DepartmentId,
    EnteredBy,
    SubmittedAt,
    SubmittedOn,
}
