use sea_orm_migration::{prelude::*, schema::*};

use super::m20260101_000002_create_departments::Departments;
use super::m20260101_000003_create_users::Users;
use super::m20260101_000009_create_activities::Activities;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Surveys::Table)
                    .col(pk_auto(Surveys::Id))
                    .col(string(Surveys::Title))
                    .col(text_null(Surveys::Description))
                    .col(string_len(Surveys::Status, 24))
                    .col(boolean(Surveys::Anonymous))
                    .col(integer_null(Surveys::ActivityId))
                    .col(integer_null(Surveys::DepartmentId))
                    .col(timestamp_with_time_zone_null(Surveys::OpensAt))
                    .col(timestamp_with_time_zone_null(Surveys::ClosesAt))
                    .col(integer_null(Surveys::CreatedBy))
                    .col(timestamp_with_time_zone_default_now(Surveys::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_surveys_activity_id")
                            .from(Surveys::Table, Surveys::ActivityId)
                            .to(Activities::Table, Activities::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_surveys_department_id")
                            .from(Surveys::Table, Surveys::DepartmentId)
                            .to(Departments::Table, Departments::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_surveys_created_by")
                            .from(Surveys::Table, Surveys::CreatedBy)
                            .to(Users::Table, Users::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_surveys_activity_id")
                    .table(Surveys::Table)
                    .col(Surveys::ActivityId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_surveys_department_id")
                    .table(Surveys::Table)
                    .col(Surveys::DepartmentId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_surveys_status")
                    .table(Surveys::Table)
                    .col(Surveys::Status)
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Surveys::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
pub enum Surveys {
    Table,
    Id,
    Title,
    Description,
    Status,
    Anonymous,
    ActivityId,
    DepartmentId,
    OpensAt,
    ClosesAt,
    CreatedBy,
    CreatedAt,
}
