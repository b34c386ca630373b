use sea_orm_migration::{prelude::*, schema::*};

use super::m20260101_000002_create_departments::Departments;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Users::Table)
                    .col(pk_auto(Users::Id))
                    .col(string_len_null(Users::Phone, 16))
                    .col(text_null(Users::PasswordHash))
                    .col(string_len(Users::DisplayName, 64))
                    .col(string_len_null(Users::WechatOpenid, 64))
                    .col(string_len(Users::Roles, 128))
                    .col(integer_null(Users::DepartmentId))
                    .col(timestamp_with_time_zone_default_now(Users::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_users_department_id")
                            .from(Users::Table, Users::DepartmentId)
                            .to(Departments::Table, Departments::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_users_phone")
                    .table(Users::Table)
                    .col(Users::Phone)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_users_wechat_openid")
                    .table(Users::Table)
                    .col(Users::WechatOpenid)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_users_department_id")
                    .table(Users::Table)
                    .col(Users::DepartmentId)
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Users::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
pub enum Users {
    Table,
    Id,
    Phone,
    PasswordHash,
    DisplayName,
    WechatOpenid,
    Roles,
    DepartmentId,
    CreatedAt,
}
