//! Which activities count towards a pairing: the one rule behind `Pairing.completedActivityCount`,
//! the dashboard's `pairingProgress` and the commitments' progress.
//!
//! An activity counts when it is linked to the pairing, COMPLETED, held within the
//! pairing's period (its anchor day, `start_date`, between `starts_on` and `ends_on`), and
//! held at the pairing's community or naming it: a location linked to the community, or a
//! location's name or address, or the activity's title, containing the community's name.
//! An activity linked to the pairing but held elsewhere or outside its period stays linked
//! (it is listed under `Pairing.activities`) and counts for nothing.
//!
//! A care visit counts towards a pairing (its VISITS commitments) when it was made to a
//! recipient of the pairing's department living in its community, on a day (+08:00)
//! within the pairing's period: the same period rule as for activities.

use sea_orm::DbBackend;

use entity::enums::ActivityStatus;

use crate::db::sql_value;

/// `position(needle in haystack) > 0` in the backend's words (a plain `LIKE` would read
/// `%` and `_` in a community's name as wildcards).
fn contains(backend: DbBackend, haystack: &str, needle: &str) -> String {
    match backend {
        DbBackend::Postgres => format!("strpos({haystack}, {needle}) > 0"),
        _ => format!("instr({haystack}, {needle}) > 0"),
    }
}

/// The SQL condition "activity `a` was held at community `c` or names it".
pub fn held_at(backend: DbBackend) -> String {
    format!(
        "({title} OR EXISTS (SELECT 1 FROM activity_locations l WHERE l.activity_id = a.id \
         AND (l.community_id = c.id OR {name} OR (l.address IS NOT NULL AND {address}))))",
        title = contains(backend, "a.title", "c.name"),
        name = contains(backend, "l.name", "c.name"),
        address = contains(backend, "l.address", "c.name"),
    )
}

/// The SQL condition "activity `a` counts towards pairing `p` of community `c`".
pub fn counts(backend: DbBackend) -> String {
    format!(
        "a.pairing_id = p.id AND a.status = {completed} \
         AND a.start_date IS NOT NULL AND a.start_date >= p.starts_on \
         AND (p.ends_on IS NULL OR a.start_date <= p.ends_on) AND {held}",
        completed = sql_value(ActivityStatus::Completed),
        held = held_at(backend),
    )
}

/// `SELECT p.id AS pairing_id, a.id AS activity_id …`: every activity that counts, with
/// its pairing, as a subquery to join or count.
pub fn counted_activities(backend: DbBackend) -> String {
    format!(
        "SELECT p.id AS pairing_id, a.id AS activity_id FROM activities a \
         JOIN pairings p ON p.id = a.pairing_id JOIN communities c ON c.id = p.community_id \
         WHERE {}",
        counts(backend)
    )
}

/// `SELECT p.id AS pairing_id, v.id AS visit_id, v.visited_on AS visited_on …`: every care
/// visit that counts towards a pairing — to a recipient of the pairing's department living
/// in its community, on a day within its period — as a subquery to join or count.
pub fn counted_visits() -> &'static str {
    "SELECT p.id AS pairing_id, v.id AS visit_id, v.visited_on AS visited_on FROM pairings p \
     JOIN care_recipients r ON r.department_id = p.department_id AND r.community_id = p.community_id \
     JOIN care_visits v ON v.recipient_id = r.id \
     WHERE v.visited_on >= p.starts_on AND (p.ends_on IS NULL OR v.visited_on <= p.ends_on)"
}
