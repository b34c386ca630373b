//! Quarterly reports of pairings as submitted by their departments: one per pairing and
//! quarter (a resubmission replaces the note); and party members of the organs reporting
//! to their residential community (双报到), whose service there their home unit reads.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use super::m20260101_000002_create_departments::Departments;
use super::m20260101_000003_create_users::Users;
use super::m20260101_000004_create_volunteers::Volunteers;
use super::m20260101_000007_create_communities::Communities;
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

#[derive(DeriveIden)]
pub enum PartyMembers {
    Table,
    VolunteerId,
    DepartmentId,
    CommunityId,
    ReportedOn,
    CreatedAt,
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
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(PartyMembers::Table)
                    .col(integer(PartyMembers::VolunteerId).primary_key())
                    .col(integer(PartyMembers::DepartmentId))
                    .col(integer_null(PartyMembers::CommunityId))
                    .col(date_null(PartyMembers::ReportedOn))
                    .col(timestamp_with_time_zone(PartyMembers::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_party_members_volunteer_id")
                            .from(PartyMembers::Table, PartyMembers::VolunteerId)
                            .to(Volunteers::Table, Volunteers::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_party_members_department_id")
                            .from(PartyMembers::Table, PartyMembers::DepartmentId)
                            .to(Departments::Table, Departments::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_party_members_community_id")
                            .from(PartyMembers::Table, PartyMembers::CommunityId)
                            .to(Communities::Table, Communities::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_party_members_department_id")
                    .table(PartyMembers::Table)
                    .col(PartyMembers::DepartmentId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(PartyMembers::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(PairingReports::Table).to_owned())
            .await
    }
}
