use sea_orm_migration::{prelude::*, schema::*};

use super::m20260101_000015_create_questions::Questions;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(QuestionOptions::Table)
                    .col(pk_auto(QuestionOptions::Id))
                    .col(integer(QuestionOptions::QuestionId))
                    .col(integer(QuestionOptions::Position))
                    .col(string(QuestionOptions::Label))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_question_options_question_id")
                            .from(QuestionOptions::Table, QuestionOptions::QuestionId)
                            .to(Questions::Table, Questions::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_question_options_question_id_position")
                    .table(QuestionOptions::Table)
                    .col(QuestionOptions::QuestionId)
                    .col(QuestionOptions::Position)
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(QuestionOptions::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
pub enum QuestionOptions {
    Table,
    Id,
    QuestionId,
    Position,
    Label,
}
