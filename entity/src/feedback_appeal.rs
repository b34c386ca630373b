use sea_orm::entity::prelude::*;

use crate::enums::{AppealReason, AppealStatus};

/// A department's appeal of a 差评 (申诉复核), and the office's decision.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "feedback_appeals")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    #[sea_orm(unique)]
    pub response_id: i32,
    pub reason: AppealReason,
    #[sea_orm(column_type = "Text")]
    pub explanation: String,
    pub status: AppealStatus,
    #[sea_orm(column_type = "Text")]
    pub decision_note: Option<String>,
    pub filed_by: i32,
    pub decided_by: Option<i32>,
    pub decided_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
