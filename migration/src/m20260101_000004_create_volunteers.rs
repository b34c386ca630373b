use sea_orm_migration::{prelude::*, schema::*};

use super::m20260101_000003_create_users::Users;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Volunteers::Table)
                    .col(pk_auto(Volunteers::Id))
                    .col(integer(Volunteers::UserId))
                    .col(string_len(Volunteers::RealName, 64))
                    .col(json(Volunteers::Skills))
                    .col(timestamp_with_time_zone(Volunteers::EnrolledAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_volunteers_user_id")
                            .from(Volunteers::Table, Volunteers::UserId)
                            .to(Users::Table, Users::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_volunteers_user_id")
                    .table(Volunteers::Table)
                    .col(Volunteers::UserId)
                    .unique()
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Volunteers::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
pub enum Volunteers {
    Table,
    Id,
    UserId,
    RealName,
    Skills,
    EnrolledAt,
}
