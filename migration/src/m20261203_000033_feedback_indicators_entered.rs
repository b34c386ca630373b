//! Several indicators, one rate; answers entered by the evaluated department; external
//! cases.
//!
//! - `questions.overall`: the SATISFACTION question whose answer is the response's overall
//!   figure (`survey_responses.satisfaction`). Existing surveys mark their first one, which
//!   is the question the overall figure came from until now.
//! - `survey_responses.answered_on`: the day the resident answered (an organizer may type a
//!   hotline or paper answer later); ranges and deadlines use it. Existing rows: the day
//!   they were submitted.
//! - `survey_responses.external_case_number`: a 12345 work order's number, unique, so that
//!   importing the same case twice changes nothing.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use super::m20260101_000015_create_questions::Questions;
use super::m20260101_000017_create_survey_responses::SurveyResponses;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Added {
    Overall,
    AnsweredOn,
    ExternalCaseNumber,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Questions::Table)
                    .add_column(boolean(Added::Overall).default(false))
                    .to_owned(),
            )
            .await?;
        let db = manager.get_connection();
        db.execute_unprepared(
            "UPDATE questions SET overall = TRUE WHERE kind = 'SATISFACTION' AND NOT EXISTS \
             (SELECT 1 FROM questions q WHERE q.survey_id = questions.survey_id \
             AND q.kind = 'SATISFACTION' AND (q.position < questions.position \
             OR (q.position = questions.position AND q.id < questions.id)))",
        )
        .await?;

        // SQLite adds a NOT NULL column only with a default; the rows then take their day.
        manager
            .alter_table(
                Table::alter()
                    .table(SurveyResponses::Table)
                    .add_column(date(Added::AnsweredOn).default("2000-01-01"))
                    .to_owned(),
            )
            .await?;
        db.execute_unprepared("UPDATE survey_responses SET answered_on = submitted_on")
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(SurveyResponses::Table)
                    .add_column(string_len_null(Added::ExternalCaseNumber, 64))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_survey_responses_external_case_number")
                    .table(SurveyResponses::Table)
                    .col(Added::ExternalCaseNumber)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_survey_responses_answered_on")
                    .table(SurveyResponses::Table)
                    .col(Added::AnsweredOn)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_survey_responses_department_id_answered_on")
                    .table(SurveyResponses::Table)
                    .col(SurveyResponses::DepartmentId)
                    .col(Added::AnsweredOn)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for name in [
            "ix_survey_responses_department_id_answered_on",
            "ix_survey_responses_answered_on",
            "ux_survey_responses_external_case_number",
        ] {
            manager
                .drop_index(
                    Index::drop()
                        .name(name)
                        .table(SurveyResponses::Table)
                        .to_owned(),
                )
                .await?;
        }
        // One change per statement: SQLite's ALTER TABLE takes one.
        for column in [Added::ExternalCaseNumber, Added::AnsweredOn] {
            manager
                .alter_table(
                    Table::alter()
                        .table(SurveyResponses::Table)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        manager
            .alter_table(
                Table::alter()
                    .table(Questions::Table)
                    .drop_column(Added::Overall)
                    .to_owned(),
            )
            .await
    }
}
