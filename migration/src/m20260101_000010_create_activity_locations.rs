use sea_orm_migration::{prelude::*, schema::*};

use super::m20260101_000007_create_communities::Communities;
use super::m20260101_000009_create_activities::Activities;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(ActivityLocations::Table)
                    .col(pk_auto(ActivityLocations::Id))
                    .col(integer(ActivityLocations::ActivityId))
                    .col(integer(ActivityLocations::Position))
                    .col(string(ActivityLocations::Name))
                    .col(string_null(ActivityLocations::Address))
                    .col(boolean(ActivityLocations::Online))
                    .col(boolean(ActivityLocations::Tbd))
                    .col(integer_null(ActivityLocations::CommunityId))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_activity_locations_activity_id")
                            .from(ActivityLocations::Table, ActivityLocations::ActivityId)
                            .to(Activities::Table, Activities::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_activity_locations_community_id")
                            .from(ActivityLocations::Table, ActivityLocations::CommunityId)
                            .to(Communities::Table, Communities::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_activity_locations_activity_id_position")
                    .table(ActivityLocations::Table)
                    .col(ActivityLocations::ActivityId)
                    .col(ActivityLocations::Position)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_activity_locations_community_id")
                    .table(ActivityLocations::Table)
                    .col(ActivityLocations::CommunityId)
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(ActivityLocations::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
pub enum ActivityLocations {
    Table,
    Id,
    ActivityId,
    Position,
    Name,
    Address,
    Online,
    Tbd,
    CommunityId,
}
