//! Verification first (核实): a department verifies a new rectification — substantiated,
//! work starts; not substantiated, it ends with the reason the resident sees. The office
//! (文明办) or an admin may reopen one; each reopening counts.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use super::m20260101_000019_create_rectifications::Rectifications;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Added {
    VerificationNote,
    VerifiedAt,
    ReopenCount,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for column in [
            text_null(Added::VerificationNote),
            timestamp_with_time_zone_null(Added::VerifiedAt),
            integer(Added::ReopenCount).default(0).to_owned(),
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Rectifications::Table)
                        .add_column(column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for column in [
            Added::VerificationNote,
            Added::VerifiedAt,
            Added::ReopenCount,
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Rectifications::Table)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}
