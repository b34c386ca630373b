use sea_orm::entity::prelude::*;

use crate::enums::DayKind;

/// A day that differs from the week's rule (Monday to Friday work): a statutory holiday
/// or a day of its 调休 off (OFF), or a weekend day worked to make up for one (WORK).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "calendar_days")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub day: Date,
    pub kind: DayKind,
    #[sea_orm(column_type = "String(StringLen::N(32))")]
    pub name: String,
    /// Where the day comes from: the State Council's notice, or who set it.
    #[sea_orm(column_type = "String(StringLen::N(64))")]
    pub source: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
