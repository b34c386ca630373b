use sea_orm::entity::prelude::*;

/// A volunteer paired to a care recipient.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "care_assignments")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub recipient_id: i32,
    #[sea_orm(primary_key, auto_increment = false)]
    pub volunteer_id: i32,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
