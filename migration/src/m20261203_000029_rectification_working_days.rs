//! A survey may set its own rectification deadline in working days (local rules of 5, 7 or
//! 15 working days); without one, `TONGXIN_RECTIFICATION_WORKING_DAYS` applies. Existing
//! rectifications keep their dates.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use super::m20260101_000014_create_surveys::Surveys;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Added {
    RectificationWorkingDays,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Surveys::Table)
                    .add_column(integer_null(Added::RectificationWorkingDays))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Surveys::Table)
                    .drop_column(Added::RectificationWorkingDays)
                    .to_owned(),
            )
            .await
    }
}
