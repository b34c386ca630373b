use sea_orm::entity::prelude::*;

use crate::enums::NotificationKind;

/// What a user is told, written in the transaction of the change it reports; unique per
/// user and event key, so every event notifies each user once.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "notifications")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub user_id: i32,
    pub kind: NotificationKind,
    /// The event's stable id, e.g. `promoted:42` or `reminder:7:1656288000`.
    pub event_key: String,
    pub title: String,
    #[sea_orm(column_type = "Text")]
    pub body: String,
    pub activity_id: Option<i32>,
    pub rectification_id: Option<i32>,
    pub service_record_id: Option<i32>,
    pub created_at: DateTimeUtc,
    pub read_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
