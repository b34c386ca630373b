//! Corrections of service records (《志愿服务记录与证明出具办法（试行）》 Art 13): a volunteer
//! disputes a record of their own, the organizer accepts (the hours change) or refuses
//! with a reason; at most one open request per record. Every change of a record's hours
//! or state keeps its history: who, when, from, to, why.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use super::m20260101_000003_create_users::Users;
use super::m20260101_000013_create_service_records::ServiceRecords;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
pub enum RecordCorrections {
    Table,
    Id,
    RecordId,
    RequestedBy,
    RequestedMinutes,
    Reason,
    Status,
    Resolution,
    ResolvedBy,
    ResolvedAt,
    CreatedAt,
}

#[derive(DeriveIden)]
pub enum RecordChanges {
    Table,
    Id,
    RecordId,
    ChangedBy,
    ChangedAt,
    Kind,
    FromStatus,
    ToStatus,
    FromMinutes,
    ToMinutes,
    Reason,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(RecordCorrections::Table)
                    .col(pk_auto(RecordCorrections::Id))
                    .col(integer(RecordCorrections::RecordId))
                    .col(integer(RecordCorrections::RequestedBy))
                    .col(integer(RecordCorrections::RequestedMinutes))
                    .col(text(RecordCorrections::Reason))
                    .col(string_len(RecordCorrections::Status, 16))
                    .col(text_null(RecordCorrections::Resolution))
                    .col(integer_null(RecordCorrections::ResolvedBy))
                    .col(timestamp_with_time_zone_null(RecordCorrections::ResolvedAt))
                    .col(timestamp_with_time_zone(RecordCorrections::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_record_corrections_record_id")
                            .from(RecordCorrections::Table, RecordCorrections::RecordId)
                            .to(ServiceRecords::Table, ServiceRecords::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_record_corrections_requested_by")
                            .from(RecordCorrections::Table, RecordCorrections::RequestedBy)
                            .to(Users::Table, Users::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_record_corrections_resolved_by")
                            .from(RecordCorrections::Table, RecordCorrections::ResolvedBy)
                            .to(Users::Table, Users::Id),
                    )
                    .to_owned(),
            )
            .await?;
        // At most one open request per record, guarded by the database (a partial index:
        // both PostgreSQL and SQLite have them).
        manager
            .get_connection()
            .execute_unprepared(
                "CREATE UNIQUE INDEX ux_record_corrections_open ON record_corrections (record_id) \
                 WHERE status = 'OPEN'",
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(RecordChanges::Table)
                    .col(pk_auto(RecordChanges::Id))
                    .col(integer(RecordChanges::RecordId))
                    .col(integer_null(RecordChanges::ChangedBy))
                    .col(timestamp_with_time_zone(RecordChanges::ChangedAt))
                    .col(string_len(RecordChanges::Kind, 16))
                    .col(string_len_null(RecordChanges::FromStatus, 24))
                    .col(string_len(RecordChanges::ToStatus, 24))
                    .col(integer_null(RecordChanges::FromMinutes))
                    .col(integer(RecordChanges::ToMinutes))
                    .col(text_null(RecordChanges::Reason))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_record_changes_record_id")
                            .from(RecordChanges::Table, RecordChanges::RecordId)
                            .to(ServiceRecords::Table, ServiceRecords::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_record_changes_changed_by")
                            .from(RecordChanges::Table, RecordChanges::ChangedBy)
                            .to(Users::Table, Users::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_record_changes_record_id")
                    .table(RecordChanges::Table)
                    .col(RecordChanges::RecordId)
                    .col(RecordChanges::Id)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_record_corrections_record_id")
                    .table(RecordCorrections::Table)
                    .col(RecordCorrections::RecordId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(RecordChanges::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(RecordCorrections::Table).to_owned())
            .await
    }
}
