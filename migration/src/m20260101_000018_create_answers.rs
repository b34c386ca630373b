use sea_orm_migration::{prelude::*, schema::*};

use super::m20260101_000015_create_questions::Questions;
use super::m20260101_000016_create_question_options::QuestionOptions;
use super::m20260101_000017_create_survey_responses::SurveyResponses;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Answers::Table)
                    .col(pk_auto(Answers::Id))
                    .col(integer(Answers::ResponseId))
                    .col(integer(Answers::QuestionId))
                    .col(string_len_null(Answers::Level, 24))
                    .col(integer_null(Answers::OptionId))
                    .col(integer_null(Answers::Rating))
                    .col(text_null(Answers::Text))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_answers_response_id")
                            .from(Answers::Table, Answers::ResponseId)
                            .to(SurveyResponses::Table, SurveyResponses::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_answers_question_id")
                            .from(Answers::Table, Answers::QuestionId)
                            .to(Questions::Table, Questions::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_answers_option_id")
                            .from(Answers::Table, Answers::OptionId)
                            .to(QuestionOptions::Table, QuestionOptions::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_answers_question_id")
                    .table(Answers::Table)
                    .col(Answers::QuestionId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_answers_response_id")
                    .table(Answers::Table)
                    .col(Answers::ResponseId)
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Answers::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
pub enum Answers {
    Table,
    Id,
    ResponseId,
    QuestionId,
    Level,
    OptionId,
    Rating,
    Text,
}
