//! Check-out within reason: hours from check-in and check-out are clamped to the
//! activity's time on that day (and 24 h); the record keeps what the clock said
//! (`clamped_from_minutes`) for the reviewer. A check-in never closed is closed at the end
//! of its day and flagged (`auto_closed`): it is approved only with the hours stated.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use super::m20260101_000013_create_service_records::ServiceRecords;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Added {
    ClampedFromMinutes,
    AutoClosed,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(ServiceRecords::Table)
                    .add_column(integer_null(Added::ClampedFromMinutes))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(ServiceRecords::Table)
                    .add_column(boolean(Added::AutoClosed).default(false))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for column in [Added::AutoClosed, Added::ClampedFromMinutes] {
            manager
                .alter_table(
                    Table::alter()
                        .table(ServiceRecords::Table)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}
