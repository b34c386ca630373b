//! The registration rules that SQL applies: when registration is open, and a waitlisted
//! registration's place. The window is written here in the two forms the code needs, side
//! by side: SQL text for the registering `INSERT … SELECT`, a sea-query condition for the
//! feed's filter (sea-query's `cust_with_values` cannot carry the text: on SQLite it leaves
//! numbered placeholders that bind the wrong values).

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, ExprTrait, SimpleExpr};
use sea_orm::{ColumnTrait, Condition};

use entity::activity;
use entity::enums::{ActivityStatus, RegistrationStatus};

use crate::db::sql_value;

/// Whether registration is open at `at` for the `activities` row `a`: the activity is
/// PUBLISHED, registration has opened (registrationOpensAt, else publication) and has not
/// closed (registrationClosesAt, else the start; neither: it stays open). The registering
/// `INSERT … SELECT` and the feed's `openForRegistration` filter both use it;
/// [`super::service::registration_open`] only says which part failed.
pub fn open_sql(a: &str, at: &str) -> String {
    format!(
        "{a}.status = {published} \
         AND COALESCE({a}.registration_opens_at, {a}.published_at, {at}) <= {at} \
         AND (COALESCE({a}.registration_closes_at, {a}.starts_at) IS NULL \
              OR {at} < COALESCE({a}.registration_closes_at, {a}.starts_at))",
        published = sql_value(ActivityStatus::Published),
    )
}

/// [`open_sql`] as a condition on `activities`, at `now`.
pub fn open_condition(now: DateTime<Utc>) -> Condition {
    let opens: SimpleExpr =
        Expr::cust("COALESCE(activities.registration_opens_at, activities.published_at)");
    let closes: SimpleExpr =
        Expr::cust("COALESCE(activities.registration_closes_at, activities.starts_at)");
    Condition::all()
        .add(activity::Column::Status.eq(ActivityStatus::Published))
        .add(
            Condition::any()
                .add(opens.clone().is_null())
                .add(opens.lte(now)),
        )
        .add(
            Condition::any()
                .add(closes.clone().is_null())
                .add(closes.gt(now)),
        )
}

/// The place of the WAITLISTED `registrations` row `r`: how many of its activity's
/// waitlisted registrations arrived before it, itself included.
pub fn waitlist_position_sql(r: &str) -> String {
    format!(
        "(SELECT COUNT(*) FROM registrations w WHERE w.activity_id = {r}.activity_id \
         AND w.status = {waitlisted} AND w.id <= {r}.id)",
        waitlisted = sql_value(RegistrationStatus::Waitlisted),
    )
}
