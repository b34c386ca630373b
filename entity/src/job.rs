use sea_orm::entity::prelude::*;

use crate::enums::{JobKind, JobState};

/// Work due at a time (a reminder, a deadline check), run once across instances by the
/// scheduler and kept across restarts. `key` is unique: scheduling the same work again
/// moves it instead of adding another.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "jobs")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub kind: JobKind,
    #[sea_orm(unique)]
    pub key: String,
    /// The activity or rectification the job is about.
    pub target_id: i32,
    pub due_at: DateTimeUtc,
    pub state: JobState,
    pub attempts: i32,
    /// While RUNNING: when another instance may take it over (the runner died).
    pub locked_until: Option<DateTimeUtc>,
    #[sea_orm(column_type = "Text", nullable)]
    pub last_error: Option<String>,
    pub created_at: DateTimeUtc,
    pub done_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
