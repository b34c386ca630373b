use sea_orm_migration::{prelude::*, schema::*};

use super::m20260101_000014_create_surveys::Surveys;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Questions::Table)
                    .col(pk_auto(Questions::Id))
                    .col(integer(Questions::SurveyId))
                    .col(integer(Questions::Position))
                    .col(string_len(Questions::Kind, 24))
                    .col(text(Questions::Prompt))
                    .col(boolean(Questions::Required))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_questions_survey_id")
                            .from(Questions::Table, Questions::SurveyId)
                            .to(Surveys::Table, Surveys::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_questions_survey_id_position")
                    .table(Questions::Table)
                    .col(Questions::SurveyId)
                    .col(Questions::Position)
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Questions::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
pub enum Questions {
    Table,
    Id,
    SurveyId,
    Position,
    Kind,
    Prompt,
    Required,
}
