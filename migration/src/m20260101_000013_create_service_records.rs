use sea_orm_migration::{prelude::*, schema::*};

use super::m20260101_000003_create_users::Users;
use super::m20260101_000004_create_volunteers::Volunteers;
use super::m20260101_000009_create_activities::Activities;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(ServiceRecords::Table)
                    .col(pk_auto(ServiceRecords::Id))
                    .col(integer(ServiceRecords::ActivityId))
                    .col(integer(ServiceRecords::VolunteerId))
                    .col(string_len(ServiceRecords::Source, 24))
                    .col(timestamp_with_time_zone_null(ServiceRecords::CheckedInAt))
                    .col(timestamp_with_time_zone_null(ServiceRecords::CheckedOutAt))
                    .col(integer(ServiceRecords::Minutes))
                    .col(string_len(ServiceRecords::Status, 24))
                    .col(date_null(ServiceRecords::ServiceDate))
                    .col(text_null(ServiceRecords::ReviewNote))
                    .col(integer_null(ServiceRecords::ReviewedBy))
                    .col(timestamp_with_time_zone_null(ServiceRecords::ReviewedAt))
                    .col(timestamp_with_time_zone_default_now(
                        ServiceRecords::CreatedAt,
                    ))
                    .col(timestamp_with_time_zone(ServiceRecords::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_service_records_activity_id")
                            .from(ServiceRecords::Table, ServiceRecords::ActivityId)
                            .to(Activities::Table, Activities::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_service_records_volunteer_id")
                            .from(ServiceRecords::Table, ServiceRecords::VolunteerId)
                            .to(Volunteers::Table, Volunteers::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_service_records_reviewed_by")
                            .from(ServiceRecords::Table, ServiceRecords::ReviewedBy)
                            .to(Users::Table, Users::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_service_records_activity_volunteer")
                    .table(ServiceRecords::Table)
                    .col(ServiceRecords::ActivityId)
                    .col(ServiceRecords::VolunteerId)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_service_records_volunteer_id_status")
                    .table(ServiceRecords::Table)
                    .col(ServiceRecords::VolunteerId)
                    .col(ServiceRecords::Status)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_service_records_status_service_date")
                    .table(ServiceRecords::Table)
                    .col(ServiceRecords::Status)
                    .col(ServiceRecords::ServiceDate)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_service_records_activity_id_status")
                    .table(ServiceRecords::Table)
                    .col(ServiceRecords::ActivityId)
                    .col(ServiceRecords::Status)
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(ServiceRecords::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
pub enum ServiceRecords {
    Table,
    Id,
    ActivityId,
    VolunteerId,
    Source,
    CheckedInAt,
    CheckedOutAt,
    Minutes,
    Status,
    ServiceDate,
    ReviewNote,
    ReviewedBy,
    ReviewedAt,
    CreatedAt,
    UpdatedAt,
}
