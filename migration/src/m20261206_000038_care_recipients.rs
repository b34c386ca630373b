//! Care pairings (结对帮扶孤寡老人、空巢老人): the register of care recipients (private),
//! the volunteers paired to each, and the visits logged.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use super::m20260101_000002_create_departments::Departments;
use super::m20260101_000003_create_users::Users;
use super::m20260101_000004_create_volunteers::Volunteers;
use super::m20260101_000007_create_communities::Communities;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
pub enum CareRecipients {
    Table,
    Id,
    DepartmentId,
    CommunityId,
    Name,
    Address,
    RiskTier,
    Situations,
    ConsentOn,
    EventReportedAt,
    EventNote,
    CreatedAt,
}

#[derive(DeriveIden)]
pub enum CareAssignments {
    Table,
    RecipientId,
    VolunteerId,
    CreatedAt,
}

#[derive(DeriveIden)]
pub enum CareVisits {
    Table,
    Id,
    RecipientId,
    VisitorUserId,
    VisitedAt,
    VisitedOn,
    Mode,
    Minutes,
    Notes,
    Issues,
    FollowUpNeeded,
    CreatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(CareRecipients::Table)
                    .col(pk_auto(CareRecipients::Id))
                    .col(integer(CareRecipients::DepartmentId))
                    .col(integer(CareRecipients::CommunityId))
                    .col(string_len(CareRecipients::Name, 32))
                    .col(string_len_null(CareRecipients::Address, 200))
                    .col(string_len(CareRecipients::RiskTier, 24))
                    .col(json(CareRecipients::Situations))
                    .col(date(CareRecipients::ConsentOn))
                    .col(timestamp_with_time_zone_null(
                        CareRecipients::EventReportedAt,
                    ))
                    .col(string_len_null(CareRecipients::EventNote, 1000))
                    .col(timestamp_with_time_zone(CareRecipients::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_care_recipients_department_id")
                            .from(CareRecipients::Table, CareRecipients::DepartmentId)
                            .to(Departments::Table, Departments::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_care_recipients_community_id")
                            .from(CareRecipients::Table, CareRecipients::CommunityId)
                            .to(Communities::Table, Communities::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_care_recipients_department_id")
                    .table(CareRecipients::Table)
                    .col(CareRecipients::DepartmentId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(CareAssignments::Table)
                    .col(integer(CareAssignments::RecipientId))
                    .col(integer(CareAssignments::VolunteerId))
                    .col(timestamp_with_time_zone(CareAssignments::CreatedAt))
                    .primary_key(
                        Index::create()
                            .col(CareAssignments::RecipientId)
                            .col(CareAssignments::VolunteerId),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_care_assignments_recipient_id")
                            .from(CareAssignments::Table, CareAssignments::RecipientId)
                            .to(CareRecipients::Table, CareRecipients::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_care_assignments_volunteer_id")
                            .from(CareAssignments::Table, CareAssignments::VolunteerId)
                            .to(Volunteers::Table, Volunteers::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_care_assignments_volunteer_id")
                    .table(CareAssignments::Table)
                    .col(CareAssignments::VolunteerId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(CareVisits::Table)
                    .col(pk_auto(CareVisits::Id))
                    .col(integer(CareVisits::RecipientId))
                    .col(integer(CareVisits::VisitorUserId))
                    .col(timestamp_with_time_zone(CareVisits::VisitedAt))
                    .col(date(CareVisits::VisitedOn))
                    .col(string_len(CareVisits::Mode, 24))
                    .col(integer(CareVisits::Minutes))
                    .col(text_null(CareVisits::Notes))
                    .col(text_null(CareVisits::Issues))
                    .col(boolean(CareVisits::FollowUpNeeded))
                    .col(timestamp_with_time_zone(CareVisits::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_care_visits_recipient_id")
                            .from(CareVisits::Table, CareVisits::RecipientId)
                            .to(CareRecipients::Table, CareRecipients::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_care_visits_visitor_user_id")
                            .from(CareVisits::Table, CareVisits::VisitorUserId)
                            .to(Users::Table, Users::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_care_visits_recipient_id_visited_at")
                    .table(CareVisits::Table)
                    .col(CareVisits::RecipientId)
                    .col(CareVisits::VisitedAt)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            CareVisits::Table.into_iden(),
            CareAssignments::Table.into_iden(),
            CareRecipients::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
