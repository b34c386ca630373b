use sea_orm::entity::prelude::*;

use crate::enums::{FollowUpChannel, FollowUpRating};

/// A follow-up (回访) of a resolved rectification: the department's, or the resident's own
/// rating.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "rectification_follow_ups")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub rectification_id: i32,
    /// The resident rated it themselves (once).
    pub by_resident: bool,
    pub channel: FollowUpChannel,
    pub rating: FollowUpRating,
    #[sea_orm(column_type = "Text")]
    pub note: Option<String>,
    pub recorded_by: i32,
    pub recorded_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
