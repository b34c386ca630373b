use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Communities::Table)
                    .col(pk_auto(Communities::Id))
                    .col(string(Communities::Name))
                    .col(string_null(Communities::District))
                    .col(string_len(Communities::Kind, 24))
                    .col(timestamp_with_time_zone_default_now(Communities::CreatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_communities_name")
                    .table(Communities::Table)
                    .col(Communities::Name)
                    .unique()
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Communities::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
pub enum Communities {
    Table,
    Id,
    Name,
    District,
    Kind,
    CreatedAt,
}
