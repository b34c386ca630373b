//! A service record is one volunteer's hours at one activity on one day (《志愿服务记录与
//! 证明出具办法（试行）》: hours are recorded per service), so a two-month activity credits
//! every day served. Records without a date get the day today's rule gives them (the day
//! checked in, else the activity's start date, else the day the record was made); the
//! unique index moves from (activity, volunteer) to (activity, volunteer, day), which every
//! existing row satisfies. Also: whether a record was reviewed after its deadline, and the
//! activity's person in charge (活动负责人, Art 7).

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;
use sea_orm_migration::sea_orm::DbBackend;

use super::m20260101_000009_create_activities::Activities;
use super::m20260101_000013_create_service_records::ServiceRecords;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Added {
    ReviewedLate,
    PersonInChargeName,
    PersonInChargePhone,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        // The day in +08:00 of a timestamp column, as each backend stores it.
        let local_day = |column: &str| match db.get_database_backend() {
            DbBackend::Postgres => format!("CAST(({column} AT TIME ZONE 'Asia/Shanghai') AS DATE)"),
            _ => format!("date({column}, '+8 hours')"),
        };
        db.execute_unprepared(&format!(
            "UPDATE service_records SET service_date = COALESCE({checked_in}, \
               (SELECT a.start_date FROM activities a WHERE a.id = service_records.activity_id), \
               {created}) \
             WHERE service_date IS NULL",
            checked_in = local_day("checked_in_at"),
            created = local_day("created_at"),
        ))
        .await?;
        manager
            .drop_index(
                Index::drop()
                    .name("ux_service_records_activity_volunteer")
                    .table(ServiceRecords::Table)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_service_records_activity_volunteer_day")
                    .table(ServiceRecords::Table)
                    .col(ServiceRecords::ActivityId)
                    .col(ServiceRecords::VolunteerId)
                    .col(ServiceRecords::ServiceDate)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(ServiceRecords::Table)
                    .add_column(boolean(Added::ReviewedLate).default(false))
                    .to_owned(),
            )
            .await?;
        for column in [
            string_len_null(Added::PersonInChargeName, 32),
            string_len_null(Added::PersonInChargePhone, 20),
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Activities::Table)
                        .add_column(column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for column in [Added::PersonInChargeName, Added::PersonInChargePhone] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Activities::Table)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        manager
            .alter_table(
                Table::alter()
                    .table(ServiceRecords::Table)
                    .drop_column(Added::ReviewedLate)
                    .to_owned(),
            )
            .await?;
        manager
            .drop_index(
                Index::drop()
                    .name("ux_service_records_activity_volunteer_day")
                    .table(ServiceRecords::Table)
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
            .await
    }
}
