//! Service proofs (志愿服务证明, 《志愿服务记录与证明出具办法（试行）》 Art 14–17): what was
//! issued, kept as issued. The activities are a snapshot in a JSON column, so a later
//! correction of a record never changes a proof. Numbers are unique per year by an index:
//! two instances issuing at once cannot hand out the same number (the loser retries).

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use super::m20260101_000002_create_departments::Departments;
use super::m20260101_000003_create_users::Users;
use super::m20260101_000004_create_volunteers::Volunteers;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
pub enum ServiceProofs {
    Table,
    Id,
    Number,
    Year,
    Serial,
    VolunteerId,
    DepartmentId,
    Issuer,
    RealName,
    MaskedId,
    FromDate,
    ToDate,
    Minutes,
    Activities,
    CodeHash,
    IssuedAt,
    RevokedAt,
    RevokedBy,
    RevokeReason,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(ServiceProofs::Table)
                    .col(pk_auto(ServiceProofs::Id))
                    .col(string_len(ServiceProofs::Number, 32))
                    .col(integer(ServiceProofs::Year))
                    .col(integer(ServiceProofs::Serial))
                    .col(integer(ServiceProofs::VolunteerId))
                    .col(integer_null(ServiceProofs::DepartmentId))
                    .col(string_len(ServiceProofs::Issuer, 200))
                    .col(string_len(ServiceProofs::RealName, 64))
                    .col(string_len_null(ServiceProofs::MaskedId, 32))
                    .col(date_null(ServiceProofs::FromDate))
                    .col(date_null(ServiceProofs::ToDate))
                    .col(big_integer(ServiceProofs::Minutes))
                    .col(json(ServiceProofs::Activities))
                    .col(string_len(ServiceProofs::CodeHash, 64))
                    .col(timestamp_with_time_zone(ServiceProofs::IssuedAt))
                    .col(timestamp_with_time_zone_null(ServiceProofs::RevokedAt))
                    .col(integer_null(ServiceProofs::RevokedBy))
                    .col(text_null(ServiceProofs::RevokeReason))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_service_proofs_volunteer_id")
                            .from(ServiceProofs::Table, ServiceProofs::VolunteerId)
                            .to(Volunteers::Table, Volunteers::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_service_proofs_department_id")
                            .from(ServiceProofs::Table, ServiceProofs::DepartmentId)
                            .to(Departments::Table, Departments::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_service_proofs_revoked_by")
                            .from(ServiceProofs::Table, ServiceProofs::RevokedBy)
                            .to(Users::Table, Users::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_service_proofs_year_serial")
                    .table(ServiceProofs::Table)
                    .col(ServiceProofs::Year)
                    .col(ServiceProofs::Serial)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_service_proofs_number")
                    .table(ServiceProofs::Table)
                    .col(ServiceProofs::Number)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_service_proofs_volunteer_id")
                    .table(ServiceProofs::Table)
                    .col(ServiceProofs::VolunteerId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(ServiceProofs::Table).to_owned())
            .await
    }
}
