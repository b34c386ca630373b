//! Commitments of a pairing (the ten items of “十个一”, …), each with a numeric target and
//! a unit, and the activities that fulfil them. The pairing's old list of texts becomes one
//! commitment per text, aiming at one activity; the JSON column stays, kept in step with
//! the rows, for the clients that read `Pairing.commitments` as texts.

use sea_orm::DbBackend;
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use super::m20260101_000008_create_pairings::Pairings;
use super::m20260101_000009_create_activities::Activities;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
pub enum PairingCommitments {
    Table,
    Id,
    PairingId,
    Position,
    Name,
    Target,
    Unit,
    CreatedAt,
}

#[derive(DeriveIden)]
pub enum ActivityCommitments {
    Table,
    ActivityId,
    CommitmentId,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(PairingCommitments::Table)
                    .col(pk_auto(PairingCommitments::Id))
                    .col(integer(PairingCommitments::PairingId))
                    .col(integer(PairingCommitments::Position))
                    .col(string_len(PairingCommitments::Name, 500))
                    .col(integer(PairingCommitments::Target))
                    .col(string_len(PairingCommitments::Unit, 24))
                    .col(timestamp_with_time_zone(PairingCommitments::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_pairing_commitments_pairing_id")
                            .from(PairingCommitments::Table, PairingCommitments::PairingId)
                            .to(Pairings::Table, Pairings::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_pairing_commitments_pairing_id")
                    .table(PairingCommitments::Table)
                    .col(PairingCommitments::PairingId)
                    .col(PairingCommitments::Position)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(ActivityCommitments::Table)
                    .col(integer(ActivityCommitments::ActivityId))
                    .col(integer(ActivityCommitments::CommitmentId))
                    .primary_key(
                        Index::create()
                            .col(ActivityCommitments::ActivityId)
                            .col(ActivityCommitments::CommitmentId),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_activity_commitments_activity_id")
                            .from(ActivityCommitments::Table, ActivityCommitments::ActivityId)
                            .to(Activities::Table, Activities::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_activity_commitments_commitment_id")
                            .from(
                                ActivityCommitments::Table,
                                ActivityCommitments::CommitmentId,
                            )
                            .to(PairingCommitments::Table, PairingCommitments::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_activity_commitments_commitment_id")
                    .table(ActivityCommitments::Table)
                    .col(ActivityCommitments::CommitmentId)
                    .col(ActivityCommitments::ActivityId)
                    .to_owned(),
            )
            .await?;
        // Each text of the old list becomes a commitment of one activity, in order.
        let db = manager.get_connection();
        let sql = match db.get_database_backend() {
            DbBackend::Postgres => {
                "INSERT INTO pairing_commitments (pairing_id, position, name, target, unit, created_at) \
                 SELECT p.id, j.n - 1, j.value, 1, 'ACTIVITIES', p.created_at FROM pairings p \
                 CROSS JOIN LATERAL json_array_elements_text(p.commitments) WITH ORDINALITY AS j(value, n) \
                 ORDER BY p.id, j.n"
            }
            _ => {
                "INSERT INTO pairing_commitments (pairing_id, position, name, target, unit, created_at) \
                 SELECT p.id, CAST(j.key AS INTEGER), j.value, 1, 'ACTIVITIES', p.created_at \
                 FROM pairings p, json_each(p.commitments) j ORDER BY p.id, j.key"
            }
        };
        db.execute_unprepared(sql).await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(ActivityCommitments::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(PairingCommitments::Table).to_owned())
            .await
    }
}
