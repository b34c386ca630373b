use sea_orm::entity::prelude::*;

use crate::enums::{ServiceRecordSource, ServiceRecordStatus};

/// Service hours of a volunteer for an activity (check-in/out or recorded), subject to review.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "service_records")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub activity_id: i32,
    pub volunteer_id: i32,
    pub source: ServiceRecordSource,
    pub checked_in_at: Option<DateTimeUtc>,
    pub checked_out_at: Option<DateTimeUtc>,
    pub minutes: i32,
    pub status: ServiceRecordStatus,
    pub service_date: Option<Date>,
    #[sea_orm(column_type = "Text")]
    pub review_note: Option<String>,
    pub reviewed_by: Option<i32>,
    pub reviewed_at: Option<DateTimeUtc>,
    /// Approved or rejected after its recording deadline (Art 11), as it was then.
    pub reviewed_late: bool,
    /// What check-in to check-out measured when it was more than the activity's time on
    /// that day (or 24 h): `minutes` holds the clamped figure.
    pub clamped_from_minutes: Option<i32>,
    /// A check-in never closed, closed at the end of its day: approved only with hours.
    pub auto_closed: bool,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::activity::Entity",
        from = "Column::ActivityId",
        to = "super::activity::Column::Id",
        fk_name = "fk_service_records_activity_id"
    )]
    Activity,
    #[sea_orm(
        belongs_to = "super::volunteer::Entity",
        from = "Column::VolunteerId",
        to = "super::volunteer::Column::Id",
        fk_name = "fk_service_records_volunteer_id"
    )]
    Volunteer,
    #[sea_orm(
        belongs_to = "super::user::Entity",
        from = "Column::ReviewedBy",
        to = "super::user::Column::Id",
        fk_name = "fk_service_records_reviewed_by"
    )]
    Reviewer,
}

impl Related<super::activity::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Activity.def()
    }
}

impl Related<super::volunteer::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Volunteer.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
