//! Check-in, check-out and reviewed service hours.

pub mod corrections;
pub mod resolver;
pub mod rollups;
pub mod service;
pub mod types;

use crate::error::Reason;
use entity::enums::ActivityStatus;
use sea_orm::ColumnTrait;
use sea_orm::sea_query::{Expr, ExprTrait, Query, SelectStatement, SimpleExpr};

/// The one rule of which hours count: approved records of PUBLISHED and COMPLETED
/// activities. Hours are recorded, approved and corrected only there; a cancelled
/// activity's approved hours are kept in its record but count in no figure (totals,
/// stars, dashboards, rankings), like its volunteers in `volunteerCount`.
pub fn takes_hours(status: ActivityStatus) -> bool {
    matches!(
        status,
        ActivityStatus::Published | ActivityStatus::Completed
    )
}

/// The activities whose approved hours count ([`takes_hours`]), as a subquery.
pub fn counted_activities() -> SelectStatement {
    Query::select()
        .column(entity::activity::Column::Id)
        .from(entity::activity::Entity)
        .and_where(
            entity::activity::Column::Status
                .is_in([ActivityStatus::Published, ActivityStatus::Completed]),
        )
        .to_owned()
}

/// The same rule for a `service_records` row: its activity counts, checked by key for each
/// record. For a few records (one volunteer's) this is the form to use: as
/// `activity_id IN (counted_activities())` SQLite walks the records of every counted
/// activity by the activity index (about 10 ms for one volunteer's total).
pub fn counted_activity_of_record() -> SimpleExpr {
    use entity::{activity, service_record};
    Expr::exists(
        Query::select()
            .expr(Expr::val(1))
            .from(activity::Entity)
            .and_where(
                Expr::col((activity::Entity, activity::Column::Id))
                    .equals((service_record::Entity, service_record::Column::ActivityId)),
            )
            .and_where(
                activity::Column::Status
                    .is_in([ActivityStatus::Published, ActivityStatus::Completed]),
            )
            .to_owned(),
    )
}

/// The same rule as SQL text over an `activities` row aliased `alias`.
pub fn counted_activity_sql(alias: &str) -> String {
    format!(
        "{alias}.status IN {}",
        crate::db::sql_values([ActivityStatus::Published, ActivityStatus::Completed])
    )
}

/// Refuses work on hours of an activity that takes none.
pub fn require_takes_hours(activity: &entity::activity::Model) -> crate::error::AppResult<()> {
    if takes_hours(activity.status) {
        Ok(())
    } else {
        Err(crate::error::AppError::of(Reason::HoursNotEditable))
    }
}
