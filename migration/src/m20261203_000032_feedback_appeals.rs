//! Appeals (申诉复核) of a 差评 by the evaluated department: once per response; the office
//! (VIEWER) or an admin decides. Upheld, the response is voided: it stops counting in every
//! satisfaction figure, and its rectification becomes VOIDED.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use super::m20260101_000003_create_users::Users;
use super::m20260101_000017_create_survey_responses::SurveyResponses;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
pub enum FeedbackAppeals {
    Table,
    Id,
    ResponseId,
    Reason,
    Explanation,
    Status,
    DecisionNote,
    FiledBy,
    DecidedBy,
    DecidedAt,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Added {
    Voided,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(FeedbackAppeals::Table)
                    .col(pk_auto(FeedbackAppeals::Id))
                    .col(integer(FeedbackAppeals::ResponseId).unique_key())
                    .col(string_len(FeedbackAppeals::Reason, 16))
                    .col(text(FeedbackAppeals::Explanation))
                    .col(string_len(FeedbackAppeals::Status, 16))
                    .col(text_null(FeedbackAppeals::DecisionNote))
                    .col(integer(FeedbackAppeals::FiledBy))
                    .col(integer_null(FeedbackAppeals::DecidedBy))
                    .col(timestamp_with_time_zone_null(FeedbackAppeals::DecidedAt))
                    .col(timestamp_with_time_zone(FeedbackAppeals::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_feedback_appeals_response_id")
                            .from(FeedbackAppeals::Table, FeedbackAppeals::ResponseId)
                            .to(SurveyResponses::Table, SurveyResponses::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_feedback_appeals_filed_by")
                            .from(FeedbackAppeals::Table, FeedbackAppeals::FiledBy)
                            .to(Users::Table, Users::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(SurveyResponses::Table)
                    .add_column(boolean(Added::Voided).default(false))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(SurveyResponses::Table)
                    .drop_column(Added::Voided)
                    .to_owned(),
            )
            .await?;
        manager
            .drop_table(Table::drop().table(FeedbackAppeals::Table).to_owned())
            .await
    }
}
