use sea_orm_migration::{prelude::*, schema::*};

use super::m20260101_000005_create_plans::Plans;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Categories::Table)
                    .col(pk_auto(Categories::Id))
                    .col(integer(Categories::PlanId))
                    .col(string(Categories::Name))
                    .col(text_null(Categories::Description))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_categories_plan_id")
                            .from(Categories::Table, Categories::PlanId)
                            .to(Plans::Table, Plans::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_categories_plan_id_name")
                    .table(Categories::Table)
                    .col(Categories::PlanId)
                    .col(Categories::Name)
                    .unique()
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Categories::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
pub enum Categories {
    Table,
    Id,
    PlanId,
    Name,
    Description,
}
