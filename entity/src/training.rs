use sea_orm::entity::prelude::*;

/// Training a volunteer received (hours of study, never service hours).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "trainings")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub volunteer_id: i32,
    /// The department that recorded it (null: an admin).
    pub department_id: Option<i32>,
    #[sea_orm(column_type = "String(StringLen::N(200))")]
    pub name: String,
    #[sea_orm(column_type = "Text")]
    pub content: Option<String>,
    pub minutes: i32,
    #[sea_orm(column_type = "String(StringLen::N(200))")]
    pub organizer: String,
    pub held_on: Date,
    pub created_by: i32,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
