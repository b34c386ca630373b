//! The dashboard's SQL: every figure is a COUNT or SUM grouped by the database, over the
//! indexed columns the data model keeps for it (`activities.start_date` and
//! `primary_department_id`, `service_records.service_date`, `survey_responses.answered_on`),
//! so no row is ever loaded to be counted. The rows here are small (one per department,
//! month, category, pairing or volunteer) and serializable, because they are what the
//! cache keeps.
//!
//! Dates are DATE on PostgreSQL and 'YYYY-MM-DD' text on SQLite; both compare correctly
//! with a bound `NaiveDate`, and the month bucket is the only expression that differs.

use std::collections::BTreeMap;
use std::sync::LazyLock;

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{ActiveEnum, ConnectionTrait, DbBackend, DbErr, FromQueryResult, Statement, Value};
use serde::{Deserialize, Serialize};

use entity::enums::{
    ActivityStatus, AppealStatus, FeedbackChannel, FollowUpRating, RectificationStatus,
    RegistrationStatus, SatisfactionLevel, ServiceRecordStatus,
};
use roaring::RoaringBitmap;
use sea_orm::Iterable;

use crate::db::{sql_value, sql_values};

/// What every figure of one dashboard is restricted to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Filter {
    /// First day, inclusive, in +08:00.
    pub from: Option<NaiveDate>,
    /// Last day, inclusive, in +08:00.
    pub to: Option<NaiveDate>,
    pub department_id: Option<i32>,
}

/// Activities the dashboards count: published or completed, never drafts or cancelled ones.
static COUNTED_ACTIVITY: LazyLock<String> = LazyLock::new(|| {
    format!(
        "a.status IN {}",
        sql_values([ActivityStatus::Published, ActivityStatus::Completed])
    )
});
/// The levels that count toward the satisfaction rate, from the rule itself.
static SATISFIED: LazyLock<String> = LazyLock::new(|| {
    sql_values(
        SatisfactionLevel::iter()
            .filter(|level| crate::domain::surveys::service::is_satisfied(*level)),
    )
});
static SETTLED_RECTIFICATION: LazyLock<String> = LazyLock::new(|| {
    sql_values([
        RectificationStatus::Resolved,
        RectificationStatus::Closed,
        RectificationStatus::NotSubstantiated,
        RectificationStatus::Voided,
    ])
});
/// The channels on which the resident answers for themselves, from the rule itself.
static SELF_SERVICE: LazyLock<String> = LazyLock::new(|| {
    sql_values(
        FeedbackChannel::iter()
            .filter(|channel| crate::domain::surveys::service::is_self_service(*channel)),
    )
});
static APPROVED: LazyLock<String> = LazyLock::new(|| sql_value(ServiceRecordStatus::Approved));
static REGISTERED: LazyLock<String> = LazyLock::new(|| sql_value(RegistrationStatus::Registered));
static COMPLETED: LazyLock<String> = LazyLock::new(|| sql_value(ActivityStatus::Completed));

/// A statement being written, with each value bound in the backend's placeholder style
/// (`$n` on PostgreSQL, `?` on SQLite): no value is ever written into the SQL text.
struct Sql {
    backend: DbBackend,
    text: String,
    values: Vec<Value>,
}

impl Sql {
    fn new(backend: DbBackend) -> Self {
        Sql {
            backend,
            text: String::new(),
            values: Vec::new(),
        }
    }

    fn push(&mut self, text: &str) -> &mut Self {
        self.text.push_str(text);
        self
    }

    fn bind(&mut self, value: impl Into<Value>) -> &mut Self {
        self.values.push(value.into());
        let n = self.values.len();
        self.text.push_str(&crate::db::placeholder(self.backend, n));
        self
    }

    /// ` AND column >= from AND column <= to` for the bounds given. A bound also leaves
    /// out rows without a date, as the rule wants: undated ones count only without a range.
    fn in_range(&mut self, column: &str, filter: &Filter) -> &mut Self {
        if let Some(from) = filter.from {
            self.push(" AND ").push(column).push(" >= ").bind(from);
        }
        if let Some(to) = filter.to {
            self.push(" AND ").push(column).push(" <= ").bind(to);
        }
        self
    }

    /// ` AND column = department` when the dashboard is one department's.
    fn in_department(&mut self, column: &str, filter: &Filter) -> &mut Self {
        if let Some(id) = filter.department_id {
            self.push(" AND ").push(column).push(" = ").bind(id);
        }
        self
    }

    /// The YYYY-MM of a date column.
    fn month(&mut self, column: &str) -> &mut Self {
        let month = crate::domain::hours::rollups::month(self.backend, column);
        self.push(&month)
    }

    fn build(self) -> Statement {
        Statement::from_sql_and_values(self.backend, self.text, self.values)
    }
}

/// `FROM service_records s` joined to its activity: approved records of counted activities
/// (department figures go to the activity's primary department).
fn approved_records(sql: &mut Sql, filter: &Filter) {
    // Hours count only on published and completed activities (`hours::takes_hours`).
    sql.push(" FROM service_records s JOIN activities a ON a.id = s.activity_id")
        .push(" WHERE s.status = ")
        .push(&APPROVED)
        .push(" AND ")
        .push(&COUNTED_ACTIVITY)
        .in_range("s.service_date", filter)
        .in_department("a.primary_department_id", filter);
}

/// Without a range, hours come from the rollups the approving writes keep
/// (`migration::rollups`): a few thousand rows instead of every approved record.
fn whole_plan(filter: &Filter) -> bool {
    filter.from.is_none() && filter.to.is_none()
}

/// The months a dashboard's range is made of, when it is made of whole months: figures kept
/// per month (the rollups) then answer it exactly. `None` for a range that cuts a month.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Months {
    /// No range: every month, and the rows without one.
    All,
    /// From the first month to the last, inclusive (YYYY-MM), either open-ended.
    Between(Option<String>, Option<String>),
}

fn whole_months(filter: &Filter) -> Option<Months> {
    use chrono::Datelike;
    if whole_plan(filter) {
        return Some(Months::All);
    }
    let starts_month = filter.from.is_none_or(|from| from.day() == 1);
    let ends_month = filter
        .to
        .is_none_or(|to| to.succ_opt().is_none_or(|next| next.day() == 1));
    let month = |day: NaiveDate| day.format("%Y-%m").to_string();
    (starts_month && ends_month)
        .then(|| Months::Between(filter.from.map(month), filter.to.map(month)))
}

impl Sql {
    /// ` AND column` within the months, for a rollup's YYYY-MM column ('' for no date): a
    /// range leaves out the rows without a month, as `in_range` leaves out undated rows.
    fn in_months(&mut self, column: &str, months: &Months) -> &mut Self {
        if let Months::Between(from, to) = months {
            self.push(" AND ").push(column).push(" <> ''");
            if let Some(from) = from {
                self.push(" AND ")
                    .push(column)
                    .push(" >= ")
                    .bind(from.clone());
            }
            if let Some(to) = to {
                self.push(" AND ")
                    .push(column)
                    .push(" <= ")
                    .bind(to.clone());
            }
        }
        self
    }
}

/// `FROM activities a WHERE` the activities a dashboard counts.
fn counted_activities(sql: &mut Sql, filter: &Filter) {
    sql.push(" FROM activities a WHERE ")
        .push(&COUNTED_ACTIVITY)
        .in_range("a.start_date", filter)
        .in_department("a.primary_department_id", filter);
}

/// `rollup_counts.department_id` of a count over every department.
const ALL_DEPARTMENTS: i32 = -1;

/// The headline figures, in one statement of single-row aggregates.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, FromQueryResult)]
pub struct OverviewFigures {
    pub activity_count: i64,
    pub completed_activity_count: i64,
    pub registration_count: i64,
    pub volunteer_count: i64,
    pub active_volunteer_count: i64,
    pub service_minutes: i64,
    pub response_count: i64,
    /// Responses with a satisfaction level.
    pub rated_count: i64,
    /// Of those, VERY_SATISFIED, SATISFIED or BASICALLY_SATISFIED.
    pub satisfied_count: i64,
    /// Of the rated ones, those the resident gave themselves (self-service channels).
    pub self_rated_count: i64,
    /// Of those, the satisfied ones.
    pub self_satisfied_count: i64,
    pub open_rectification_count: i64,
    pub overdue_rectification_count: i64,
    /// The earliest deadline of an open rectification that is not overdue yet: when it
    /// passes, the overdue count changes without any write, so a cached copy expires then.
    pub next_due_at: Option<DateTime<Utc>>,
}

impl OverviewFigures {
    pub fn still_valid_at(&self, now: DateTime<Utc>) -> bool {
        self.next_due_at.is_none_or(|due| now < due)
    }
}

/// volunteerCount: every enrolled volunteer; for one department, the volunteers who took
/// part in its work, that is who hold a REGISTERED place at, or have APPROVED hours from,
/// a published or completed activity of which it is the primary department. Like the
/// count of all volunteers, it is a standing figure, not limited to the range.
fn volunteer_count(sql: &mut Sql, filter: &Filter) {
    match filter.department_id {
        // Kept by a trigger on `volunteers` (`rollup_counts`): one row, not a count of them.
        None => sql
            .push(
                "(SELECT CAST(COALESCE(SUM(c.n), 0) AS BIGINT) AS volunteer_count \
                 FROM rollup_counts c WHERE c.subject = 'volunteers' AND c.department_id = ",
            )
            .bind(ALL_DEPARTMENTS)
            .push(") vol"),
        Some(id) => sql
            .push("(SELECT COUNT(*) AS volunteer_count FROM (")
            .push("SELECT r.volunteer_id FROM registrations r JOIN activities a ON a.id = r.activity_id")
            .push(" WHERE r.status = ")
            .push(&REGISTERED)
            .push(" AND ")
            .push(&COUNTED_ACTIVITY)
            .push(" AND a.primary_department_id = ")
            .bind(id)
            .push(" UNION SELECT s.volunteer_id FROM service_records s JOIN activities a ON a.id = s.activity_id")
            .push(" WHERE s.status = ")
            .push(&APPROVED)
            .push(" AND ")
            .push(&COUNTED_ACTIVITY)
            .push(" AND a.primary_department_id = ")
            .bind(id)
            .push(") v) vol"),
    };
}

/// `(SELECT …) res`: the overview's response figures, from the response rollups
/// (`rollup_response_months`, kept by triggers) when the range is made of whole months,
/// else from the responses answered in the range.
fn response_figures(sql: &mut Sql, filter: &Filter) {
    let months = whole_months(filter);
    // What one row weighs, and when it has a level.
    let (source, weight, rated) = match months {
        Some(_) => (
            "rollup_response_months m",
            "m.responses",
            "m.satisfaction <> ''",
        ),
        None => ("survey_responses m", "1", "m.satisfaction IS NOT NULL"),
    };
    let sum = |condition: &str, name: &str| {
        format!(
            "CAST(COALESCE(SUM(CASE WHEN {condition} THEN {weight} ELSE 0 END), 0) AS BIGINT) \
             AS {name}"
        )
    };
    let satisfied = format!("m.satisfaction IN {}", *SATISFIED);
    let self_service = format!("m.channel IN {}", *SELF_SERVICE);
    sql.push(&format!(
        "(SELECT CAST(COALESCE(SUM({weight}), 0) AS BIGINT) AS response_count, {}, {}, {}, {} FROM {source} WHERE ",
        sum(rated, "rated_count"),
        sum(&satisfied, "satisfied_count"),
        sum(&format!("{rated} AND {self_service}"), "self_rated_count"),
        sum(&format!("{satisfied} AND {self_service}"), "self_satisfied_count"),
    ));
    match &months {
        Some(months) => sql.push("1 = 1").in_months("m.month", months),
        None => sql.push("NOT m.voided").in_range("m.answered_on", filter),
    };
    sql.in_department("m.department_id", filter).push(") res");
}

/// Rectifications are the current workload: open ones (not RESOLVED or CLOSED) whatever
/// the range, overdue when their deadline has passed `now`.
pub async fn overview<C: ConnectionTrait>(
    db: &C,
    filter: &Filter,
    now: DateTime<Utc>,
) -> Result<OverviewFigures, DbErr> {
    let months = whole_months(filter).filter(|months| *months != Months::All);
    let mut sql = Sql::new(db.get_database_backend());
    sql.push(
        "SELECT act.activity_count, act.completed_activity_count, act.registration_count, \
         vol.volunteer_count, hrs.active_volunteer_count, hrs.service_minutes, \
         res.response_count, res.rated_count, res.satisfied_count, \
         res.self_rated_count, res.self_satisfied_count, \
         rec.open_rectification_count, rec.overdue_rectification_count, rec.next_due_at FROM ",
    );

    // Registrations from the activities' own counters (kept by every registration write,
    // the capacity check's figure): one pass over the counted activities, not over every
    // registration.
    sql.push(&format!(
        "(SELECT COUNT(*) AS activity_count, \
         CAST(COALESCE(SUM(CASE WHEN a.status = {} THEN 1 ELSE 0 END), 0) AS BIGINT) \
         AS completed_activity_count, \
         CAST(COALESCE(SUM(a.registered_count), 0) AS BIGINT) AS registration_count",
        *COMPLETED
    ));
    counted_activities(&mut sql, filter);
    sql.push(") act");

    sql.push(" CROSS JOIN ");
    volunteer_count(&mut sql, filter);

    if whole_plan(filter) {
        // Both from rows that do not multiply with the data: the count of volunteers with
        // approved hours kept by triggers on the volunteer rollups, the minutes per
        // department and month.
        sql.push(
            " CROSS JOIN (SELECT (SELECT CAST(COALESCE(SUM(c.n), 0) AS BIGINT) FROM rollup_counts c \
             WHERE c.subject = 'active_volunteers' AND c.department_id = ",
        )
        .bind(filter.department_id.unwrap_or(ALL_DEPARTMENTS))
        .push(
            ") AS active_volunteer_count, \
             (SELECT CAST(COALESCE(SUM(m.minutes), 0) AS BIGINT) FROM rollup_department_months m \
             WHERE 1 = 1",
        )
        .in_department("m.department_id", filter)
        .push(") AS service_minutes");
    } else if let Some(months) = &months {
        // Whole months: the minutes from the month rollups; the volunteers are a union of
        // the months' sets, counted below.
        sql.push(
            " CROSS JOIN (SELECT CAST(0 AS BIGINT) AS active_volunteer_count, \
             CAST(COALESCE(SUM(m.minutes), 0) AS BIGINT) AS service_minutes \
             FROM rollup_department_months m WHERE 1 = 1",
        )
        .in_months("m.month", months)
        .in_department("m.department_id", filter);
    } else {
        sql.push(
            " CROSS JOIN (SELECT COUNT(DISTINCT s.volunteer_id) AS active_volunteer_count, \
             CAST(COALESCE(SUM(s.minutes), 0) AS BIGINT) AS service_minutes",
        );
        approved_records(&mut sql, filter);
    }
    sql.push(") hrs");

    sql.push(" CROSS JOIN ");
    response_figures(&mut sql, filter);

    sql.push(
        " CROSS JOIN (SELECT COUNT(*) AS open_rectification_count, \
         CAST(COALESCE(SUM(CASE WHEN x.due_at < ",
    )
    .bind(now)
    .push(" THEN 1 ELSE 0 END), 0) AS BIGINT) AS overdue_rectification_count, MIN(CASE WHEN x.due_at >= ")
    .bind(now)
    .push(" THEN x.due_at END) AS next_due_at FROM rectifications x WHERE x.status NOT IN ")
    .push(&SETTLED_RECTIFICATION)
    .in_department("x.department_id", filter)
    .push(") rec");

    let mut figures = OverviewFigures::find_by_statement(sql.build())
        .one(db)
        .await?
        .ok_or_else(|| DbErr::RecordNotFound("single-row aggregate returned no row".to_owned()))?;
    if let Some(months) = &months {
        let mut everyone = RoaringBitmap::new();
        for set in volunteers_by_department(db, filter, months).await?.values() {
            everyone |= set;
        }
        figures.active_volunteer_count = everyone.len() as i64;
    }
    Ok(figures)
}

/// Who served (approved hours of counted activities) in whole months, per primary
/// department (0: none): the union of the months' sets that the approving writes keep
/// with the hours rollups (`rollup_department_months.volunteers`), so the cost is that of
/// the months, not of their records. A month whose set is not known (NULL, after it lost a
/// record) is read from its records.
async fn volunteers_by_department<C: ConnectionTrait>(
    db: &C,
    filter: &Filter,
    months: &Months,
) -> Result<BTreeMap<i32, RoaringBitmap>, DbErr> {
    #[derive(FromQueryResult)]
    struct MonthSet {
        department_id: i32,
        month: String,
        volunteers: Option<Vec<u8>>,
    }
    #[derive(FromQueryResult)]
    struct Served {
        volunteer_id: i32,
    }
    let backend = db.get_database_backend();
    let mut sql = Sql::new(backend);
    sql.push(
        "SELECT m.department_id AS department_id, m.month AS month, m.volunteers AS volunteers \
         FROM rollup_department_months m WHERE m.records > 0",
    )
    .in_months("m.month", months)
    .in_department("m.department_id", filter);
    let mut sets: BTreeMap<i32, RoaringBitmap> = BTreeMap::new();
    for row in MonthSet::find_by_statement(sql.build()).all(db).await? {
        let set = sets.entry(row.department_id).or_default();
        if let Some(bytes) = row.volunteers {
            *set |= crate::domain::hours::rollups::read_bitmap(&bytes)?;
            continue;
        }
        let mut sql = Sql::new(backend);
        sql.push(
            "SELECT DISTINCT s.volunteer_id AS volunteer_id \
             FROM service_records s JOIN activities a ON a.id = s.activity_id WHERE s.status = ",
        )
        .push(&APPROVED)
        .push(" AND ")
        .push(&COUNTED_ACTIVITY)
        .push(" AND COALESCE(a.primary_department_id, 0) = ")
        .bind(row.department_id);
        match month_days(&row.month) {
            Some((first, last)) => sql
                .push(" AND s.service_date >= ")
                .bind(first)
                .push(" AND s.service_date <= ")
                .bind(last),
            None => sql.push(" AND s.service_date IS NULL"),
        };
        for served in Served::find_by_statement(sql.build()).all(db).await? {
            set.insert(served.volunteer_id as u32);
        }
    }
    Ok(sets)
}

/// The first and last day of a YYYY-MM month; `None` for '' (records without a date).
fn month_days(month: &str) -> Option<(NaiveDate, NaiveDate)> {
    let first = NaiveDate::parse_from_str(&format!("{month}-01"), "%Y-%m-%d").ok()?;
    let last = first
        .checked_add_months(chrono::Months::new(1))?
        .pred_opt()?;
    Some((first, last))
}

/// One department's approved hours, the distinct volunteers who served them, and its counted activities.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DepartmentHoursRow {
    pub department_id: i32,
    pub minutes: i64,
    pub volunteer_count: i64,
    pub activity_count: i64,
    /// Approved minutes of the counted activities it co-leads (not their primary
    /// department), served in the range: shown beside, never added to, `minutes`.
    #[serde(default)]
    pub co_led_minutes: i64,
    /// Counted activities it co-leads starting in the range.
    #[serde(default)]
    pub co_led_activity_count: i64,
}

#[derive(FromQueryResult)]
struct CoLed {
    department_id: i32,
    n: i64,
}

#[derive(FromQueryResult)]
struct DepartmentMinutes {
    department_id: i32,
    minutes: i64,
    volunteer_count: i64,
}

#[derive(FromQueryResult)]
struct DepartmentActivities {
    department_id: i32,
    activity_count: i64,
}

/// Every primary department with hours or activities, most hours first, ties by id.
/// Hours of activities without a primary department count in the overview's total but
/// belong to no row.
pub async fn hours_by_department<C: ConnectionTrait>(
    db: &C,
    filter: &Filter,
) -> Result<Vec<DepartmentHoursRow>, DbErr> {
    let backend = db.get_database_backend();

    let mut sql = Sql::new(backend);
    if whole_plan(filter) {
        // Minutes per department and month, volunteers per department as counted by the
        // triggers of `rollup_counts`: rows that do not multiply with the data.
        sql.push(
            "SELECT m.department_id AS department_id, \
             CAST(COALESCE(SUM(m.minutes), 0) AS BIGINT) AS minutes, \
             CAST(COALESCE(MAX(c.n), 0) AS BIGINT) AS volunteer_count \
             FROM rollup_department_months m LEFT JOIN rollup_counts c \
             ON c.subject = 'active_volunteers' AND c.department_id = m.department_id \
             WHERE m.department_id <> 0",
        )
        .in_department("m.department_id", filter)
        .push(" GROUP BY m.department_id HAVING SUM(m.records) > 0");
    } else if let Some(months) = whole_months(filter) {
        // Whole months: minutes from the month rollups, volunteers from the months' sets.
        sql.push(
            "SELECT m.department_id AS department_id, \
             CAST(COALESCE(SUM(m.minutes), 0) AS BIGINT) AS minutes, CAST(0 AS BIGINT) AS volunteer_count \
             FROM rollup_department_months m WHERE m.department_id <> 0",
        )
        .in_months("m.month", &months)
        .in_department("m.department_id", filter)
        .push(" GROUP BY m.department_id HAVING SUM(m.records) > 0");
    } else {
        sql.push(
            "SELECT a.primary_department_id AS department_id, \
             CAST(COALESCE(SUM(s.minutes), 0) AS BIGINT) AS minutes, \
             COUNT(DISTINCT s.volunteer_id) AS volunteer_count",
        );
        approved_records(&mut sql, filter);
        sql.push(" AND a.primary_department_id IS NOT NULL GROUP BY a.primary_department_id");
    }
    let mut minutes = DepartmentMinutes::find_by_statement(sql.build())
        .all(db)
        .await?;
    if let Some(months) = whole_months(filter).filter(|months| *months != Months::All) {
        let sets = volunteers_by_department(db, filter, &months).await?;
        for row in &mut minutes {
            row.volunteer_count = sets
                .get(&row.department_id)
                .map_or(0, |set| set.len() as i64);
        }
    }

    let mut sql = Sql::new(backend);
    sql.push("SELECT a.primary_department_id AS department_id, COUNT(*) AS activity_count");
    counted_activities(&mut sql, filter);
    sql.push(" AND a.primary_department_id IS NOT NULL GROUP BY a.primary_department_id");
    let activities = DepartmentActivities::find_by_statement(sql.build())
        .all(db)
        .await?;

    // Co-leads: the departments of an activity other than its primary one.
    const CO_LEAD: &str =
        "(a.primary_department_id IS NULL OR d.department_id <> a.primary_department_id)";
    let mut sql = Sql::new(backend);
    sql.push(
        "SELECT d.department_id AS department_id, COUNT(*) AS n \
         FROM activity_departments d JOIN activities a ON a.id = d.activity_id WHERE ",
    )
    .push(CO_LEAD)
    .push(" AND ")
    .push(&COUNTED_ACTIVITY)
    .in_range("a.start_date", filter)
    .in_department("d.department_id", filter)
    .push(" GROUP BY d.department_id");
    let co_led_activities = CoLed::find_by_statement(sql.build()).all(db).await?;
    // Each co-led activity's approved minutes as a lookup by its key: the index on
    // (activity, status, minutes) answers it alone. Joined, both databases misjudged how
    // few the co-led activities are and read every approved record (1.8 s on SQLite).
    let mut sql = Sql::new(backend);
    sql.push(
        "SELECT x.department_id AS department_id, CAST(COALESCE(SUM(x.minutes), 0) AS BIGINT) AS n \
         FROM (SELECT d.department_id AS department_id, \
         (SELECT SUM(s.minutes) FROM service_records s WHERE s.activity_id = a.id AND s.status = ",
    )
    .push(&APPROVED)
    .in_range("s.service_date", filter)
    .push(
        ") AS minutes FROM activity_departments d JOIN activities a ON a.id = d.activity_id \
         WHERE ",
    )
    .push(CO_LEAD)
    .push(" AND ")
    .push(&COUNTED_ACTIVITY)
    .in_department("d.department_id", filter)
    .push(") x GROUP BY x.department_id");
    let co_led_minutes = CoLed::find_by_statement(sql.build()).all(db).await?;

    let mut rows: BTreeMap<i32, DepartmentHoursRow> = BTreeMap::new();
    let row = |department_id: i32| DepartmentHoursRow {
        department_id,
        minutes: 0,
        volunteer_count: 0,
        activity_count: 0,
        co_led_minutes: 0,
        co_led_activity_count: 0,
    };
    for c in co_led_activities {
        rows.entry(c.department_id)
            .or_insert_with(|| row(c.department_id))
            .co_led_activity_count = c.n;
    }
    for c in co_led_minutes {
        rows.entry(c.department_id)
            .or_insert_with(|| row(c.department_id))
            .co_led_minutes = c.n;
    }
    for m in minutes {
        let entry = rows
            .entry(m.department_id)
            .or_insert_with(|| row(m.department_id));
        entry.minutes = m.minutes;
        entry.volunteer_count = m.volunteer_count;
    }
    for a in activities {
        rows.entry(a.department_id)
            .or_insert_with(|| row(a.department_id))
            .activity_count = a.activity_count;
    }
    let mut rows: Vec<DepartmentHoursRow> = rows.into_values().collect();
    rows.sort_by(|x, y| {
        y.minutes
            .cmp(&x.minutes)
            .then(x.department_id.cmp(&y.department_id))
    });
    Ok(rows)
}

/// One month (YYYY-MM, +08:00) with its approved hours and the counted activities starting in it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MonthRow {
    pub month: String,
    pub minutes: i64,
    pub activity_count: i64,
}

#[derive(FromQueryResult)]
struct MonthMinutes {
    month: String,
    minutes: i64,
}

#[derive(FromQueryResult)]
struct MonthActivities {
    month: String,
    activity_count: i64,
}

/// Only months with hours or activities, oldest first. Undated records and activities
/// have no month, so they appear in no row even without a range.
pub async fn hours_by_month<C: ConnectionTrait>(
    db: &C,
    filter: &Filter,
) -> Result<Vec<MonthRow>, DbErr> {
    let backend = db.get_database_backend();

    let mut sql = Sql::new(backend);
    if let Some(months) = whole_months(filter) {
        sql.push(
            "SELECT m.month AS month, CAST(COALESCE(SUM(m.minutes), 0) AS BIGINT) AS minutes \
             FROM rollup_department_months m WHERE m.month <> ''",
        )
        .in_months("m.month", &months)
        .in_department("m.department_id", filter)
        .push(" GROUP BY m.month HAVING SUM(m.records) > 0");
    } else {
        sql.push("SELECT ")
            .month("s.service_date")
            .push(" AS month, CAST(COALESCE(SUM(s.minutes), 0) AS BIGINT) AS minutes");
        approved_records(&mut sql, filter);
        sql.push(" AND s.service_date IS NOT NULL GROUP BY ")
            .month("s.service_date");
    }
    let minutes = MonthMinutes::find_by_statement(sql.build()).all(db).await?;

    let mut sql = Sql::new(backend);
    sql.push("SELECT ")
        .month("a.start_date")
        .push(" AS month, COUNT(*) AS activity_count");
    counted_activities(&mut sql, filter);
    sql.push(" AND a.start_date IS NOT NULL GROUP BY ")
        .month("a.start_date");
    let activities = MonthActivities::find_by_statement(sql.build())
        .all(db)
        .await?;

    // YYYY-MM sorts chronologically as text.
    let mut rows: BTreeMap<String, MonthRow> = BTreeMap::new();
    for m in minutes {
        rows.entry(m.month.clone())
            .or_insert_with(|| MonthRow {
                month: m.month,
                minutes: 0,
                activity_count: 0,
            })
            .minutes = m.minutes;
    }
    for a in activities {
        rows.entry(a.month.clone())
            .or_insert_with(|| MonthRow {
                month: a.month,
                minutes: 0,
                activity_count: 0,
            })
            .activity_count = a.activity_count;
    }
    Ok(rows.into_values().collect())
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, FromQueryResult)]
pub struct CategoryRow {
    pub category_id: i32,
    pub activity_count: i64,
}

/// Counted activities per special action, in plan order (category id); activities without
/// a category belong to no row.
pub async fn activities_by_category<C: ConnectionTrait>(
    db: &C,
    filter: &Filter,
) -> Result<Vec<CategoryRow>, DbErr> {
    let mut sql = Sql::new(db.get_database_backend());
    sql.push("SELECT a.category_id AS category_id, COUNT(*) AS activity_count");
    counted_activities(&mut sql, filter);
    sql.push(" AND a.category_id IS NOT NULL GROUP BY a.category_id ORDER BY a.category_id");
    CategoryRow::find_by_statement(sql.build()).all(db).await
}

/// One department's responses in the range, and how many chose each overall level.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SatisfactionRow {
    pub department_id: i32,
    pub response_count: i64,
    /// The levels chosen at least once: the level, whether the resident gave it
    /// themselves (a self-service channel), and how many.
    pub levels: Vec<(SatisfactionLevel, bool, i64)>,
}

#[derive(FromQueryResult)]
struct DepartmentLevel {
    department_id: i32,
    satisfaction: Option<String>,
    channel: String,
    response_count: i64,
}

/// Per `survey_responses.department_id` (the rectification department rule), by department
/// id; responses without a department count only in the overview.
pub async fn satisfaction_by_department<C: ConnectionTrait>(
    db: &C,
    filter: &Filter,
) -> Result<Vec<SatisfactionRow>, DbErr> {
    let mut sql = Sql::new(db.get_database_backend());
    match whole_months(filter) {
        Some(months) => sql
            .push(
                "SELECT m.department_id AS department_id, NULLIF(m.satisfaction, '') AS satisfaction, \
                 m.channel AS channel, CAST(SUM(m.responses) AS BIGINT) AS response_count \
                 FROM rollup_response_months m WHERE m.department_id <> 0",
            )
            .in_months("m.month", &months)
            .in_department("m.department_id", filter)
            .push(" GROUP BY m.department_id, m.satisfaction, m.channel HAVING SUM(m.responses) > 0"),
        None => sql
            .push(
                "SELECT sr.department_id AS department_id, sr.satisfaction AS satisfaction, \
                 sr.channel AS channel, COUNT(*) AS response_count FROM survey_responses sr \
                 WHERE sr.department_id IS NOT NULL AND NOT sr.voided",
            )
            .in_range("sr.answered_on", filter)
            .in_department("sr.department_id", filter)
            .push(" GROUP BY sr.department_id, sr.satisfaction, sr.channel"),
    };
    let groups = DepartmentLevel::find_by_statement(sql.build())
        .all(db)
        .await?;

    let mut rows: BTreeMap<i32, SatisfactionRow> = BTreeMap::new();
    for group in groups {
        let row = rows
            .entry(group.department_id)
            .or_insert_with(|| SatisfactionRow {
                department_id: group.department_id,
                response_count: 0,
                levels: Vec::new(),
            });
        row.response_count += group.response_count;
        if let Some(level) = group
            .satisfaction
            .and_then(|value| SatisfactionLevel::try_from_value(&value).ok())
        {
            let self_service = FeedbackChannel::try_from_value(&group.channel)
                .is_ok_and(crate::domain::surveys::service::is_self_service);
            row.levels.push((level, self_service, group.response_count));
        }
    }
    Ok(rows.into_values().collect())
}

/// How one department (0: none) handled the 差评 answered in the range (by the day the
/// resident answered): the figures of the 好差评 loop.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, FromQueryResult)]
pub struct HandlingRow {
    pub department_id: i32,
    /// Rectifications opened (every 差评, voided ones included).
    pub complaint_count: i64,
    /// CLOSED, NOT_SUBSTANTIATED or VOIDED: nothing is left to do.
    pub settled_count: i64,
    /// Resolved (RESOLVED or CLOSED after a resolution), or still open past the deadline:
    /// the ones whose punctuality is known.
    pub due_count: i64,
    /// Of those, resolved before the end of their `dueOn`.
    pub on_time_count: i64,
    /// RESOLVED or CLOSED.
    pub resolved_count: i64,
    /// Of those, with at least one follow-up (the department's or the resident's own).
    pub followed_up_count: i64,
    /// Follow-ups recorded.
    pub follow_up_count: i64,
    /// Of those, SATISFIED or BASICALLY_SATISFIED.
    pub follow_up_satisfied_count: i64,
    pub appeal_count: i64,
    pub upheld_count: i64,
    /// The earliest deadline of an open one not passed yet: the on-time figures change
    /// then without a write, so a cached copy expires.
    pub next_due_at: Option<DateTime<Utc>>,
}

static RESOLVED: LazyLock<String> =
    LazyLock::new(|| sql_values([RectificationStatus::Resolved, RectificationStatus::Closed]));
static ENDED: LazyLock<String> = LazyLock::new(|| {
    sql_values([
        RectificationStatus::Closed,
        RectificationStatus::NotSubstantiated,
        RectificationStatus::Voided,
    ])
});
static WORKING: LazyLock<String> =
    LazyLock::new(|| sql_values([RectificationStatus::Open, RectificationStatus::InProgress]));
static FOLLOW_UP_SATISFIED: LazyLock<String> = LazyLock::new(|| {
    sql_values([
        FollowUpRating::Satisfied,
        FollowUpRating::BasicallySatisfied,
    ])
});
static UPHELD: LazyLock<String> = LazyLock::new(|| sql_value(AppealStatus::Upheld));

/// Per department of the rectification, by department id (0 for none).
pub async fn feedback_handling<C: ConnectionTrait>(
    db: &C,
    filter: &Filter,
    now: DateTime<Utc>,
) -> Result<Vec<HandlingRow>, DbErr> {
    let sum = |condition: &str, name: &str| {
        format!(
            "CAST(COALESCE(SUM(CASE WHEN {condition} THEN 1 ELSE 0 END), 0) AS BIGINT) AS {name}, "
        )
    };
    let resolved = format!("x.status IN {}", *RESOLVED);
    let mut sql = Sql::new(db.get_database_backend());
    sql.push("SELECT COALESCE(x.department_id, 0) AS department_id, COUNT(*) AS complaint_count, ")
        .push(&sum(&format!("x.status IN {}", *ENDED), "settled_count"))
        .push("CAST(COALESCE(SUM(CASE WHEN ")
        .push(&resolved)
        .push(" OR (x.status IN ")
        .push(&WORKING)
        .push(" AND x.due_at < ")
        .bind(now)
        .push(") THEN 1 ELSE 0 END), 0) AS BIGINT) AS due_count, ")
        .push(&sum(
            &format!("{resolved} AND x.resolved_at < x.due_at"),
            "on_time_count",
        ))
        .push(&sum(&resolved, "resolved_count"))
        .push(&sum(
            &format!("{resolved} AND fu.n > 0"),
            "followed_up_count",
        ))
        .push("CAST(COALESCE(SUM(fu.n), 0) AS BIGINT) AS follow_up_count, ")
        .push("CAST(COALESCE(SUM(fu.satisfied), 0) AS BIGINT) AS follow_up_satisfied_count, ")
        .push(&sum("ap.id IS NOT NULL", "appeal_count"))
        .push(&sum(&format!("ap.status = {}", *UPHELD), "upheld_count"))
        .push("MIN(CASE WHEN x.status IN ")
        .push(&WORKING)
        .push(" AND x.due_at >= ")
        .bind(now)
        .push(" THEN x.due_at END) AS next_due_at")
        .push(
            " FROM rectifications x JOIN survey_responses sr ON sr.id = x.response_id \
             LEFT JOIN feedback_appeals ap ON ap.response_id = x.response_id \
             LEFT JOIN (SELECT f.rectification_id, COUNT(*) AS n, \
             SUM(CASE WHEN f.rating IN ",
        )
        .push(&FOLLOW_UP_SATISFIED)
        .push(
            " THEN 1 ELSE 0 END) AS satisfied FROM rectification_follow_ups f \
             GROUP BY f.rectification_id) fu ON fu.rectification_id = x.id WHERE 1 = 1",
        )
        .in_range("sr.answered_on", filter)
        .in_department("x.department_id", filter)
        .push(" GROUP BY COALESCE(x.department_id, 0) ORDER BY 1");
    HandlingRow::find_by_statement(sql.build()).all(db).await
}

/// One department's overall answers in one month of the range.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, FromQueryResult)]
pub struct MonthSatisfactionRow {
    /// YYYY-MM of the day the resident answered.
    pub month: String,
    pub department_id: i32,
    pub rated_count: i64,
    pub satisfied_count: i64,
}

/// Rated, non-voided responses per month and department, oldest month first: what the
/// monthly ranking (月度排名) orders.
pub async fn satisfaction_by_month<C: ConnectionTrait>(
    db: &C,
    filter: &Filter,
) -> Result<Vec<MonthSatisfactionRow>, DbErr> {
    let mut sql = Sql::new(db.get_database_backend());
    match whole_months(filter) {
        Some(months) => sql
            .push(
                "SELECT m.month AS month, m.department_id AS department_id, \
                 CAST(SUM(m.responses) AS BIGINT) AS rated_count, \
                 CAST(COALESCE(SUM(CASE WHEN m.satisfaction IN ",
            )
            .push(&SATISFIED)
            .push(
                " THEN m.responses ELSE 0 END), 0) AS BIGINT) AS satisfied_count \
                 FROM rollup_response_months m \
                 WHERE m.department_id <> 0 AND m.satisfaction <> '' AND m.month <> ''",
            )
            .in_months("m.month", &months)
            .in_department("m.department_id", filter)
            .push(
                " GROUP BY m.month, m.department_id HAVING SUM(m.responses) > 0 \
                 ORDER BY m.month, m.department_id",
            ),
        None => sql
            .push("SELECT ")
            .month("sr.answered_on")
            .push(
                " AS month, sr.department_id AS department_id, COUNT(*) AS rated_count, \
                 CAST(COALESCE(SUM(CASE WHEN sr.satisfaction IN ",
            )
            .push(&SATISFIED)
            .push(
                " THEN 1 ELSE 0 END), 0) AS BIGINT) AS satisfied_count FROM survey_responses sr \
                 WHERE sr.department_id IS NOT NULL AND sr.satisfaction IS NOT NULL AND NOT sr.voided",
            )
            .in_range("sr.answered_on", filter)
            .in_department("sr.department_id", filter)
            .push(" GROUP BY 1, sr.department_id ORDER BY 1, sr.department_id"),
    };
    MonthSatisfactionRow::find_by_statement(sql.build())
        .all(db)
        .await
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, FromQueryResult)]
pub struct PairingRow {
    pub pairing_id: i32,
    pub target_activity_count: i32,
    pub completed_activity_count: i64,
}

/// Pairings active on some day of the range (all of them without one), by id, each with
/// the activities that count towards it (`pairings::progress`). Progress is the pairing's
/// own, as on `Pairing`: the range selects pairings, not activities.
pub async fn pairing_progress<C: ConnectionTrait>(
    db: &C,
    filter: &Filter,
) -> Result<Vec<PairingRow>, DbErr> {
    let mut sql = Sql::new(db.get_database_backend());
    sql.push(&format!(
        "SELECT p.id AS pairing_id, p.target_activity_count AS target_activity_count, \
         COUNT(t.activity_id) AS completed_activity_count FROM pairings p \
         LEFT JOIN ({}) t ON t.pairing_id = p.id WHERE 1 = 1",
        crate::domain::pairings::progress::counted_activities(sql.backend)
    ))
    .in_department("p.department_id", filter);
    if let Some(to) = filter.to {
        sql.push(" AND p.starts_on <= ").bind(to);
    }
    if let Some(from) = filter.from {
        sql.push(" AND (p.ends_on IS NULL OR p.ends_on >= ")
            .bind(from)
            .push(")");
    }
    sql.push(" GROUP BY p.id, p.target_activity_count ORDER BY p.id");
    PairingRow::find_by_statement(sql.build()).all(db).await
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, FromQueryResult)]
pub struct VolunteerRow {
    pub volunteer_id: i32,
    pub minutes: i64,
}

/// Volunteers by approved minutes in the range, most first, ties by volunteer id.
pub async fn top_volunteers<C: ConnectionTrait>(
    db: &C,
    filter: &Filter,
    limit: u64,
) -> Result<Vec<VolunteerRow>, DbErr> {
    let mut sql = Sql::new(db.get_database_backend());
    if whole_plan(filter) {
        match filter.department_id {
            None => sql.push(
                "SELECT v.volunteer_id AS volunteer_id, v.minutes AS minutes \
                 FROM rollup_volunteers v",
            ),
            Some(id) => sql
                .push(
                    "SELECT v.volunteer_id AS volunteer_id, v.minutes AS minutes \
                     FROM rollup_department_volunteers v WHERE v.department_id = ",
                )
                .bind(id),
        };
        sql.push(" ORDER BY v.minutes DESC, v.volunteer_id LIMIT ")
            .bind(limit as i64);
        return VolunteerRow::find_by_statement(sql.build()).all(db).await;
    }
    sql.push(
        "SELECT s.volunteer_id AS volunteer_id, \
         CAST(COALESCE(SUM(s.minutes), 0) AS BIGINT) AS minutes",
    );
    approved_records(&mut sql, filter);
    sql.push(" GROUP BY s.volunteer_id ORDER BY CAST(COALESCE(SUM(s.minutes), 0) AS BIGINT) DESC, s.volunteer_id LIMIT ")
        .bind(limit as i64);
    VolunteerRow::find_by_statement(sql.build()).all(db).await
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, FromQueryResult)]
pub struct OverdueReviewRow {
    pub department_id: i32,
    pub count: i64,
}

/// PENDING records past their review deadline, per primary department: those of
/// activities that ended before `ended_before` (an instant), and of undated ones served on
/// or before `served_by`. The range applies to the day served.
pub async fn overdue_reviews<C: ConnectionTrait>(
    db: &C,
    filter: &Filter,
    ended_before: DateTime<Utc>,
    served_by: NaiveDate,
) -> Result<Vec<OverdueReviewRow>, DbErr> {
    let mut sql = Sql::new(db.get_database_backend());
    sql.push(
        "SELECT COALESCE(a.primary_department_id, 0) AS department_id, COUNT(*) AS count \
         FROM service_records s JOIN activities a ON a.id = s.activity_id WHERE s.status = ",
    )
    .push(&sql_value(ServiceRecordStatus::Pending))
    .push(" AND ((a.starts_at IS NOT NULL AND COALESCE(a.ends_at, a.starts_at) < ")
    .bind(ended_before)
    .push(") OR (a.starts_at IS NULL AND s.service_date <= ")
    .bind(served_by)
    .push("))")
    .in_range("s.service_date", filter)
    .in_department("a.primary_department_id", filter);
    sql.push(" GROUP BY COALESCE(a.primary_department_id, 0) ORDER BY count DESC, department_id");
    OverdueReviewRow::find_by_statement(sql.build())
        .all(db)
        .await
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The partial index `ix_rectifications_open` (migration 46) is on this very list: the
    /// planner uses it only for a condition it can match to the index's.
    #[test]
    fn open_rectifications_are_those_the_partial_index_holds() {
        assert_eq!(
            *SETTLED_RECTIFICATION,
            "('RESOLVED', 'CLOSED', 'NOT_SUBSTANTIATED', 'VOIDED')"
        );
    }

    #[test]
    fn a_range_of_whole_months_reads_the_month_rollups() {
        let day = |y, m, d| NaiveDate::from_ymd_opt(y, m, d);
        let filter = |from, to| Filter {
            from,
            to,
            department_id: None,
        };
        assert_eq!(whole_months(&filter(None, None)), Some(Months::All));
        assert_eq!(
            whole_months(&filter(day(2025, 1, 1), day(2025, 12, 31))),
            Some(Months::Between(
                Some("2025-01".into()),
                Some("2025-12".into())
            ))
        );
        assert_eq!(
            whole_months(&filter(day(2024, 2, 1), day(2024, 2, 29))),
            Some(Months::Between(
                Some("2024-02".into()),
                Some("2024-02".into())
            ))
        );
        assert_eq!(
            whole_months(&filter(None, day(2025, 6, 30))),
            Some(Months::Between(None, Some("2025-06".into())))
        );
        assert_eq!(whole_months(&filter(day(2025, 1, 2), None)), None);
        assert_eq!(
            whole_months(&filter(day(2025, 1, 1), day(2025, 2, 27))),
            None
        );
        assert_eq!(
            month_days("2024-02"),
            Some((day(2024, 2, 1).unwrap(), day(2024, 2, 29).unwrap()))
        );
        assert_eq!(month_days(""), None);
    }
}
