//! Refresh sessions remember the token they last replaced, so that only a presented token
//! that was once valid counts as reuse (and revokes the session); a made-up one is refused
//! without harming the owner's session.

use sea_orm_migration::{prelude::*, schema::*};

use super::m20260101_000020_create_refresh_sessions::RefreshSessions;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Column {
    PreviousTokenHash,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(RefreshSessions::Table)
                    .add_column(string_len_null(Column::PreviousTokenHash, 64))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(RefreshSessions::Table)
                    .drop_column(Column::PreviousTokenHash)
                    .to_owned(),
            )
            .await
    }
}
