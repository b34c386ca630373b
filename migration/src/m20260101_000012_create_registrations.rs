use sea_orm_migration::{prelude::*, schema::*};

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
                    .table(Registrations::Table)
                    .col(pk_auto(Registrations::Id))
                    .col(integer(Registrations::ActivityId))
                    .col(integer(Registrations::VolunteerId))
                    .col(string_len(Registrations::Status, 24))
                    .col(timestamp_with_time_zone_default_now(
                        Registrations::CreatedAt,
                    ))
                    .col(timestamp_with_time_zone(Registrations::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_registrations_activity_id")
                            .from(Registrations::Table, Registrations::ActivityId)
                            .to(Activities::Table, Activities::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_registrations_volunteer_id")
                            .from(Registrations::Table, Registrations::VolunteerId)
                            .to(Volunteers::Table, Volunteers::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_registrations_activity_id_status_id")
                    .table(Registrations::Table)
                    .col(Registrations::ActivityId)
                    .col(Registrations::Status)
                    .col(Registrations::Id)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_registrations_volunteer_id_id")
                    .table(Registrations::Table)
                    .col(Registrations::VolunteerId)
                    .col(Registrations::Id)
                    .to_owned(),
            )
            .await?;
        // A volunteer may hold at most one live (non-cancelled) registration per
        // activity. Partial indexes have the same syntax on SQLite and PostgreSQL.
        manager
            .get_connection()
            .execute_unprepared(
                "CREATE UNIQUE INDEX ux_registrations_live ON registrations \
                 (activity_id, volunteer_id) WHERE status <> 'CANCELLED'",
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Registrations::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
pub enum Registrations {
    Table,
    Id,
    ActivityId,
    VolunteerId,
    Status,
    CreatedAt,
    UpdatedAt,
}
