use sea_orm_migration::{prelude::*, schema::*};

use super::m20260101_000002_create_departments::Departments;
use super::m20260101_000007_create_communities::Communities;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Pairings::Table)
                    .col(pk_auto(Pairings::Id))
                    .col(string_len(Pairings::Kind, 24))
                    .col(integer(Pairings::DepartmentId))
                    .col(integer(Pairings::CommunityId))
                    .col(date(Pairings::StartsOn))
                    .col(date_null(Pairings::EndsOn))
                    .col(json(Pairings::Commitments))
                    .col(integer(Pairings::TargetActivityCount))
                    .col(timestamp_with_time_zone_default_now(Pairings::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_pairings_department_id")
                            .from(Pairings::Table, Pairings::DepartmentId)
                            .to(Departments::Table, Departments::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_pairings_community_id")
                            .from(Pairings::Table, Pairings::CommunityId)
                            .to(Communities::Table, Communities::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_pairings_department_id")
                    .table(Pairings::Table)
                    .col(Pairings::DepartmentId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_pairings_community_id")
                    .table(Pairings::Table)
                    .col(Pairings::CommunityId)
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Pairings::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
pub enum Pairings {
    Table,
    Id,
    Kind,
    DepartmentId,
    CommunityId,
    StartsOn,
    EndsOn,
    Commitments,
    TargetActivityCount,
    CreatedAt,
}
