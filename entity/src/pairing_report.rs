use sea_orm::entity::prelude::*;

/// A pairing's quarterly report as its department submitted it.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "pairing_reports")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub pairing_id: i32,
    pub year: i32,
    pub quarter: i32,
    #[sea_orm(column_type = "Text")]
    pub note: Option<String>,
    pub submitted_by: i32,
    pub submitted_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
