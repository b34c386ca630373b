use sea_orm::entity::prelude::*;

use crate::enums::VisitMode;

/// A visit (or call) to a care recipient.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "care_visits")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub recipient_id: i32,
    pub visitor_user_id: i32,
    pub visited_at: DateTimeUtc,
    /// `visited_at`'s day in +08:00.
    pub visited_on: Date,
    pub mode: VisitMode,
    pub minutes: i32,
    #[sea_orm(column_type = "Text")]
    pub notes: Option<String>,
    #[sea_orm(column_type = "Text")]
    pub issues: Option<String>,
    pub follow_up_needed: bool,
    pub created_at: DateTimeUtc,
    /// The service record the visit's minutes went into, when it counts as service hours.
    pub service_record_id: Option<i32>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
