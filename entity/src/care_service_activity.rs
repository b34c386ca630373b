use sea_orm::entity::prelude::*;

/// The standing activity (结对关爱走访) whose service records hold a department's care
/// visits in one community and month; created on demand, one per the three.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "care_service_activities")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub department_id: i32,
    pub community_id: i32,
    /// YYYY-MM (+08:00).
    #[sea_orm(column_type = "String(StringLen::N(7))")]
    pub month: String,
    pub activity_id: i32,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
