use sea_orm::entity::prelude::*;

/// A volunteer who is a party member of an organ or department (the home unit), and the
/// residential community they reported to (双报到).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "party_members")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub volunteer_id: i32,
    pub department_id: i32,
    pub community_id: Option<i32>,
    pub reported_on: Option<Date>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
