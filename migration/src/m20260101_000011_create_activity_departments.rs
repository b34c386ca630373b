use sea_orm_migration::{prelude::*, schema::*};

use super::m20260101_000002_create_departments::Departments;
use super::m20260101_000009_create_activities::Activities;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(ActivityDepartments::Table)
                    .col(integer(ActivityDepartments::ActivityId))
                    .col(integer(ActivityDepartments::DepartmentId))
                    .col(integer(ActivityDepartments::Position))
                    .primary_key(
                        Index::create()
                            .col(ActivityDepartments::ActivityId)
                            .col(ActivityDepartments::DepartmentId),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_activity_departments_activity_id")
                            .from(ActivityDepartments::Table, ActivityDepartments::ActivityId)
                            .to(Activities::Table, Activities::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_activity_departments_department_id")
                            .from(
                                ActivityDepartments::Table,
                                ActivityDepartments::DepartmentId,
                            )
                            .to(Departments::Table, Departments::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_activity_departments_department_id_activity_id")
                    .table(ActivityDepartments::Table)
                    .col(ActivityDepartments::DepartmentId)
                    .col(ActivityDepartments::ActivityId)
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(ActivityDepartments::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
pub enum ActivityDepartments {
    Table,
    ActivityId,
    DepartmentId,
    Position,
}
