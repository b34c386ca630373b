//! The registration rules that SQL applies, each written once: when registration is open,
//! and a waitlisted registration's place.

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

/// The place of the WAITLISTED `registrations` row `r`: how many of its activity's
/// waitlisted registrations arrived before it, itself included.
pub fn waitlist_position_sql(r: &str) -> String {
    format!(
        "(SELECT COUNT(*) FROM registrations w WHERE w.activity_id = {r}.activity_id \
         AND w.status = {waitlisted} AND w.id <= {r}.id)",
        waitlisted = sql_value(RegistrationStatus::Waitlisted),
    )
}
