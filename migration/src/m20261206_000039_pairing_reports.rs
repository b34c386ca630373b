//! Quarterly reports of pairings as submitted by their departments: one per pairing and
//! quarter (a resubmission replaces the note).

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use super::m20260101_000003_create_users::Users;
use super::m20260101_000008_create_pairings::Pairings;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
pub enum PairingReports {
    Table,
    Id,
    PairingId,
    Year,
    Quarter,
    Note,
    SubmittedBy,
    SubmittedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(PairingReports::Table)
                    .col(pk_auto(PairingReports::Id))
                    .col(integer(PairingReports::PairingId))
                    .col(integer(PairingReports::Year))
                    .col(integer(PairingReports::Quarter))
                    .col(text_null(PairingReports::Note))
                    .col(integer(PairingReports::SubmittedBy))
                    .col(timestamp_with_time_zone(PairingReports::SubmittedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_pairing_reports_pairing_id")
                            .from(PairingReports::Table, PairingReports::PairingId)
                            .to(Pairings::Table, Pairings::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_pairing_reports_submitted_by")
                            .from(PairingReports::Table, PairingReports::SubmittedBy)
                            .to(Users::Table, Users::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_pairing_reports_quarter")
                    .table(PairingReports::Table)
                    .col(PairingReports::PairingId)
                    .col(PairingReports::Year)
                    .col(PairingReports::Quarter)
                    .unique()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(PairingReports::Table).to_owned())
            .await
    }
}
