use sea_orm::entity::prelude::*;

/// A commendation a volunteer received (表彰奖励).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "commendations")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub volunteer_id: i32,
    /// The department that recorded it (null: an admin).
    pub department_id: Option<i32>,
    #[sea_orm(column_type = "String(StringLen::N(200))")]
    pub name: String,
    pub granted_on: Date,
    /// The body that granted it.
    #[sea_orm(column_type = "String(StringLen::N(200))")]
    pub granted_by: String,
    pub created_by: i32,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
