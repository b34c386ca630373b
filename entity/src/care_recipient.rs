use sea_orm::entity::prelude::*;

use crate::enums::RiskTier;

/// A care recipient (an elder of 结对帮扶): private to the responsible department's
/// organizers, the volunteers paired to them, and admins.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "care_recipients")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub department_id: i32,
    pub community_id: i32,
    #[sea_orm(column_type = "String(StringLen::N(32))")]
    pub name: String,
    #[sea_orm(column_type = "String(StringLen::N(200))")]
    pub address: Option<String>,
    pub risk_tier: RiskTier,
    #[sea_orm(column_type = "Json")]
    pub situations: crate::TextList,
    /// The day the recipient (or guardian) agreed to be registered and visited.
    pub consent_on: Date,
    /// A major event reported and not yet followed by a visit.
    pub event_reported_at: Option<DateTimeUtc>,
    #[sea_orm(column_type = "String(StringLen::N(1000))")]
    pub event_note: Option<String>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
