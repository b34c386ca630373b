//! What the record of a volunteer holds besides service hours (《志愿服务记录与证明出具办法
//! （试行）》 Art 8, 9): training received (hours of study, never service hours) and
//! commendations, each recorded by an organizer of a department or an admin.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use super::m20260101_000002_create_departments::Departments;
use super::m20260101_000003_create_users::Users;
use super::m20260101_000004_create_volunteers::Volunteers;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
pub enum Trainings {
    Table,
    Id,
    VolunteerId,
    DepartmentId,
    Name,
    Content,
    Minutes,
    Organizer,
    HeldOn,
    CreatedBy,
    CreatedAt,
}

#[derive(DeriveIden)]
pub enum Commendations {
    Table,
    Id,
    VolunteerId,
    DepartmentId,
    Name,
    GrantedOn,
    GrantedBy,
    CreatedBy,
    CreatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Trainings::Table)
                    .col(pk_auto(Trainings::Id))
                    .col(integer(Trainings::VolunteerId))
                    .col(integer_null(Trainings::DepartmentId))
                    .col(string_len(Trainings::Name, 200))
                    .col(text_null(Trainings::Content))
                    .col(integer(Trainings::Minutes))
                    .col(string_len(Trainings::Organizer, 200))
                    .col(date(Trainings::HeldOn))
                    .col(integer(Trainings::CreatedBy))
                    .col(timestamp_with_time_zone(Trainings::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_trainings_volunteer_id")
                            .from(Trainings::Table, Trainings::VolunteerId)
                            .to(Volunteers::Table, Volunteers::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_trainings_department_id")
                            .from(Trainings::Table, Trainings::DepartmentId)
                            .to(Departments::Table, Departments::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_trainings_created_by")
                            .from(Trainings::Table, Trainings::CreatedBy)
                            .to(Users::Table, Users::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_trainings_volunteer_id")
                    .table(Trainings::Table)
                    .col(Trainings::VolunteerId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Commendations::Table)
                    .col(pk_auto(Commendations::Id))
                    .col(integer(Commendations::VolunteerId))
                    .col(integer_null(Commendations::DepartmentId))
                    .col(string_len(Commendations::Name, 200))
                    .col(date(Commendations::GrantedOn))
                    .col(string_len(Commendations::GrantedBy, 200))
                    .col(integer(Commendations::CreatedBy))
                    .col(timestamp_with_time_zone(Commendations::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_commendations_volunteer_id")
                            .from(Commendations::Table, Commendations::VolunteerId)
                            .to(Volunteers::Table, Volunteers::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_commendations_department_id")
                            .from(Commendations::Table, Commendations::DepartmentId)
                            .to(Departments::Table, Departments::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_commendations_created_by")
                            .from(Commendations::Table, Commendations::CreatedBy)
                            .to(Users::Table, Users::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_commendations_volunteer_id")
                    .table(Commendations::Table)
                    .col(Commendations::VolunteerId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Commendations::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(Trainings::Table).to_owned())
            .await
    }
}
