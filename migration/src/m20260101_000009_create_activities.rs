use sea_orm_migration::{prelude::*, schema::*};

use super::m20260101_000002_create_departments::Departments;
use super::m20260101_000005_create_plans::Plans;
use super::m20260101_000006_create_categories::Categories;
use super::m20260101_000008_create_pairings::Pairings;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Activities::Table)
                    .col(pk_auto(Activities::Id))
                    .col(integer_null(Activities::PlanId))
                    .col(integer_null(Activities::SeqNo))
                    .col(string_len(Activities::Title, 200))
                    .col(integer_null(Activities::CategoryId))
                    .col(string_null(Activities::TimeLabel))
                    .col(timestamp_with_time_zone_null(Activities::StartsAt))
                    .col(timestamp_with_time_zone_null(Activities::EndsAt))
                    .col(date_null(Activities::StartDate))
                    .col(string_len(Activities::Status, 24))
                    .col(json(Activities::ContentItems))
                    .col(integer_null(Activities::PrimaryDepartmentId))
                    .col(integer_null(Activities::Capacity))
                    .col(integer(Activities::RegisteredCount).default(0))
                    .col(integer(Activities::WaitlistCount).default(0))
                    .col(timestamp_with_time_zone_null(
                        Activities::RegistrationOpensAt,
                    ))
                    .col(timestamp_with_time_zone_null(
                        Activities::RegistrationClosesAt,
                    ))
                    .col(integer_null(Activities::ServiceMinutes))
                    .col(integer_null(Activities::PairingId))
                    .col(timestamp_with_time_zone_null(Activities::PublishedAt))
                    .col(text_null(Activities::CancelReason))
                    .col(timestamp_with_time_zone_default_now(Activities::CreatedAt))
                    .col(timestamp_with_time_zone(Activities::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_activities_plan_id")
                            .from(Activities::Table, Activities::PlanId)
                            .to(Plans::Table, Plans::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_activities_category_id")
                            .from(Activities::Table, Activities::CategoryId)
                            .to(Categories::Table, Categories::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_activities_primary_department_id")
                            .from(Activities::Table, Activities::PrimaryDepartmentId)
                            .to(Departments::Table, Departments::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_activities_pairing_id")
                            .from(Activities::Table, Activities::PairingId)
                            .to(Pairings::Table, Pairings::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_activities_status_starts_at")
                    .table(Activities::Table)
                    .col(Activities::Status)
                    .col(Activities::StartsAt)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_activities_plan_id_seq_no")
                    .table(Activities::Table)
                    .col(Activities::PlanId)
                    .col(Activities::SeqNo)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_activities_category_id")
                    .table(Activities::Table)
                    .col(Activities::CategoryId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_activities_pairing_id")
                    .table(Activities::Table)
                    .col(Activities::PairingId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_activities_primary_department_id_start_date")
                    .table(Activities::Table)
                    .col(Activities::PrimaryDepartmentId)
                    .col(Activities::StartDate)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_activities_start_date")
                    .table(Activities::Table)
                    .col(Activities::StartDate)
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Activities::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
pub enum Activities {
    Table,
    Id,
    PlanId,
    SeqNo,
    Title,
    CategoryId,
    TimeLabel,
    StartsAt,
    EndsAt,
    StartDate,
    Status,
    ContentItems,
    PrimaryDepartmentId,
    Capacity,
    RegisteredCount,
    WaitlistCount,
    RegistrationOpensAt,
    RegistrationClosesAt,
    ServiceMinutes,
    PairingId,
    PublishedAt,
    CancelReason,
    CreatedAt,
    UpdatedAt,
}
