//! Care visits feed service hours: each department's month of visits in a community has a
//! standing activity (created on demand, one per department, community and month, guarded
//! by a unique index), and a visit that counts as service hours points at the service
//! record it went into (one per volunteer and day, as for every activity).

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use super::m20260101_000002_create_departments::Departments;
use super::m20260101_000007_create_communities::Communities;
use super::m20260101_000009_create_activities::Activities;
use super::m20261206_000038_care_recipients::CareVisits;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum CareServiceActivities {
    Table,
    Id,
    DepartmentId,
    CommunityId,
    Month,
    ActivityId,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Added {
    ServiceRecordId,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(CareServiceActivities::Table)
                    .col(pk_auto(CareServiceActivities::Id))
                    .col(integer(CareServiceActivities::DepartmentId))
                    .col(integer(CareServiceActivities::CommunityId))
                    .col(string_len(CareServiceActivities::Month, 7))
                    .col(integer(CareServiceActivities::ActivityId))
                    .col(timestamp_with_time_zone(CareServiceActivities::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_care_service_activities_department_id")
                            .from(
                                CareServiceActivities::Table,
                                CareServiceActivities::DepartmentId,
                            )
                            .to(Departments::Table, Departments::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_care_service_activities_community_id")
                            .from(
                                CareServiceActivities::Table,
                                CareServiceActivities::CommunityId,
                            )
                            .to(Communities::Table, Communities::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_care_service_activities_activity_id")
                            .from(
                                CareServiceActivities::Table,
                                CareServiceActivities::ActivityId,
                            )
                            .to(Activities::Table, Activities::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_care_service_activities_month")
                    .table(CareServiceActivities::Table)
                    .col(CareServiceActivities::DepartmentId)
                    .col(CareServiceActivities::CommunityId)
                    .col(CareServiceActivities::Month)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_care_service_activities_activity_id")
                    .table(CareServiceActivities::Table)
                    .col(CareServiceActivities::ActivityId)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(CareVisits::Table)
                    // No foreign key: SQLite adds none to an existing table; service
                    // records are never deleted.
                    .add_column(integer_null(Added::ServiceRecordId))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_care_visits_service_record_id")
                    .table(CareVisits::Table)
                    .col(Added::ServiceRecordId)
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name("ix_care_visits_service_record_id")
                    .table(CareVisits::Table)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(CareVisits::Table)
                    .drop_column(Added::ServiceRecordId)
                    .to_owned(),
            )
            .await?;
        manager
            .drop_table(Table::drop().table(CareServiceActivities::Table).to_owned())
            .await
    }
}
