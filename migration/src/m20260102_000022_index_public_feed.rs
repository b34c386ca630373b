use sea_orm_migration::prelude::*;

/// The public feed's order (dated first, by date, plan order) over the activities everyone
/// sees: a page is read from the index instead of sorting every visible activity.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared(
                "CREATE INDEX ix_activities_public_feed ON activities \
                 ((CASE WHEN starts_at IS NULL THEN 1 ELSE 0 END), starts_at, seq_no, id) \
                 WHERE status IN ('PUBLISHED', 'COMPLETED')",
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared("DROP INDEX ix_activities_public_feed")
            .await?;
        Ok(())
    }
}
