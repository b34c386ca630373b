//! Check-in codes, check-in and check-out, recorded hours and their review.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, DatabaseConnection, EntityTrait, PaginatorTrait,
    QueryFilter, QuerySelect, Set,
};

use entity::enums::{
    ActivityStatus, NotificationKind, RecordChangeKind, RegistrationStatus, Role,
    ServiceRecordSource, ServiceRecordStatus,
};
use entity::{activity, registration, service_record, volunteer};

use crate::auth::Viewer;
use crate::cache::CacheKey;
use crate::context::AppState;
use crate::domain::access::{RecordScope, activities_of_department};
use crate::domain::access::{lead_department_ids, managed};
use crate::domain::audit;
use crate::domain::calendar::{WorkingCalendar, local_date, today};
use crate::domain::hours::corrections::keep_change;
use crate::domain::input::{self, max};
use crate::domain::page::{self, KeyKind, Order, PageRequest as Page};
use crate::domain::registrations::service::volunteer_of_user;
use crate::error::{AppError, AppResult, Reason, Thing};

/// A page of service records, newest first.
pub type Records = crate::domain::page::Page<service_record::Model>;

/// A page of records, each with its activity read in the same statement.
pub type RecordsWithActivity =
    crate::domain::page::Page<(service_record::Model, Option<activity::Model>)>;

/// How long one check-in code is shown before the next replaces it.
pub const CODE_PERIOD_SECS: i64 = 120;
/// Wrong codes one volunteer may enter at one activity in 10 minutes; then RATE_LIMITED.
pub const MAX_CODE_GUESSES: u64 = 5;

pub fn code_for(state: &AppState, activity_id: i32, period: i64) -> String {
    let digest = state
        .secrets
        .keyed_hash("check-in", &format!("{activity_id}:{period}"));
    let number = u64::from_str_radix(&digest[..12], 16).unwrap_or(0) % 1_000_000;
    format!("{number:06}")
}

pub fn period_of(at: DateTime<Utc>) -> i64 {
    at.timestamp().div_euclid(CODE_PERIOD_SECS)
}

/// The code to show now and when it stops being the current one.
pub async fn check_in_code(
    state: &AppState,
    viewer: &Viewer,
    activity_id: i32,
) -> AppResult<(String, DateTime<Utc>)> {
    let activity = managed(&state.db, viewer, activity_id).await?;
    if activity.status != ActivityStatus::Published {
        return Err(AppError::of(Reason::ActivityNotPublished));
    }
    let period = period_of(Utc::now());
    let expires = Utc
        .timestamp_opt((period + 1) * CODE_PERIOD_SECS, 0)
        .single()
        .unwrap_or_else(Utc::now);
    Ok((code_for(state, activity_id, period), expires))
}

/// The current and the previous code are accepted, so a code read just before it
/// rotates still works.
fn code_is_valid(state: &AppState, activity_id: i32, code: &str, now: DateTime<Utc>) -> bool {
    let period = period_of(now);
    let code = code.trim();
    if code.len() > 16 {
        return false;
    }
    code == code_for(state, activity_id, period) || code == code_for(state, activity_id, period - 1)
}

/// From one hour before startsAt to two hours after endsAt.
fn check_window(activity: &activity::Model, now: DateTime<Utc>) -> AppResult<()> {
    let Some(starts) = activity.starts_at else {
        return Err(AppError::of(Reason::ActivityNoDate));
    };
    let ends = activity.ends_at.unwrap_or(starts);
    if now < starts - Duration::hours(1) || now > ends + Duration::hours(2) {
        return Err(AppError::of(Reason::CheckInClosed));
    }
    Ok(())
}

async fn checking_volunteer(
    state: &AppState,
    viewer: &Viewer,
    activity_id: i32,
    code: &str,
) -> AppResult<(volunteer::Model, activity::Model)> {
    let user = viewer.require()?;
    let volunteer = volunteer_of_user(&state.db, user.id)
        .await?
        .ok_or_else(|| AppError::of(Reason::VolunteerRequired))?;
    let activity = activity::Entity::find_by_id(activity_id)
        .one(&state.db)
        .await?
        .filter(|a| a.status != ActivityStatus::Draft)
        .ok_or(AppError::not_found(Thing::Activity))?;
    if activity.status != ActivityStatus::Published {
        return Err(AppError::of(Reason::ActivityNotPublished));
    }
    let now = Utc::now();
    check_window(&activity, now)?;
    // Counted before the code is compared, atomically across instances, so parallel
    // guesses get no more than MAX_CODE_GUESSES comparisons; a right code is not counted.
    let guesses = CacheKey::CheckInGuesses {
        activity_id,
        volunteer_id: volunteer.id,
    };
    state.cache.limit(&guesses, MAX_CODE_GUESSES).await?;
    if !code_is_valid(state, activity_id, code, now) {
        return Err(AppError::input("code", Reason::CheckInCodeWrong));
    }
    state.cache.unhit(&guesses).await;
    let registered = registration::Entity::find()
        .filter(registration::Column::ActivityId.eq(activity_id))
        .filter(registration::Column::VolunteerId.eq(volunteer.id))
        .filter(registration::Column::Status.eq(RegistrationStatus::Registered))
        .count(&state.db)
        .await?;
    if registered == 0 {
        return Err(AppError::of(Reason::NotRegistered));
    }
    Ok((volunteer, activity))
}

#[tracing::instrument(skip(state, viewer, code), err(level = "info", Debug))]
pub async fn check_in(
    state: &AppState,
    viewer: &Viewer,
    activity_id: i32,
    code: &str,
) -> AppResult<service_record::Model> {
    let (volunteer, _) = checking_volunteer(state, viewer, activity_id, code).await?;
    let now = Utc::now();
    let txn = crate::db::begin_write(&state.writer).await?;
    let created = service_record::ActiveModel {
        activity_id: Set(activity_id),
        volunteer_id: Set(volunteer.id),
        source: Set(ServiceRecordSource::CheckIn),
        checked_in_at: Set(Some(now)),
        checked_out_at: Set(None),
        minutes: Set(0),
        status: Set(ServiceRecordStatus::Pending),
        service_date: Set(Some(local_date(now))),
        review_note: Set(None),
        reviewed_by: Set(None),
        reviewed_at: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    keep_change(&txn, viewer, RecordChangeKind::Record, None, &created, None).await?;
    txn.commit().await?;
    Ok(created)
}

#[tracing::instrument(skip(state, viewer, code), err(level = "info", Debug))]
pub async fn check_out(
    state: &AppState,
    viewer: &Viewer,
    activity_id: i32,
    code: &str,
) -> AppResult<service_record::Model> {
    let (volunteer, activity) = checking_volunteer(state, viewer, activity_id, code).await?;
    // Each day served is a record of its own: the check-in must be today's.
    let record = service_record::Entity::find()
        .filter(service_record::Column::ActivityId.eq(activity_id))
        .filter(service_record::Column::VolunteerId.eq(volunteer.id))
        .filter(service_record::Column::ServiceDate.eq(today()))
        .one(&state.db)
        .await?
        .ok_or_else(|| AppError::of(Reason::NotCheckedIn))?;
    let Some(checked_in) = record.checked_in_at else {
        return Err(AppError::of(Reason::HoursRecordedByOrganizer));
    };
    if record.checked_out_at.is_some() {
        return Err(AppError::of(Reason::AlreadyCheckedOut));
    }
    let now = Utc::now();
    let (minutes, clamped_from) = credited_minutes(&activity, today(), checked_in, now);
    let txn = crate::db::begin_write(&state.writer).await?;
    let mut model: service_record::ActiveModel = record.clone().into();
    model.checked_out_at = Set(Some(now));
    model.minutes = Set(minutes);
    model.clamped_from_minutes = Set(clamped_from);
    model.updated_at = Set(now);
    let updated = model.update(&txn).await?;
    keep_change(
        &txn,
        viewer,
        RecordChangeKind::Record,
        Some(&record),
        &updated,
        None,
    )
    .await?;
    txn.commit().await?;
    Ok(updated)
}

/// The activity's time on `day` (+08:00): from its start, or the day's start, to its end,
/// or the day's end, whichever is later and earlier; the whole day when undated.
pub fn window_on(activity: &activity::Model, day: NaiveDate) -> (DateTime<Utc>, DateTime<Utc>) {
    let day_start = crate::domain::calendar::start_of_day(day);
    let day_end = crate::domain::calendar::start_of_day(day.succ_opt().unwrap_or(day));
    let from = activity
        .starts_at
        .map_or(day_start, |starts| Ord::max(starts, day_start));
    let to = activity
        .ends_at
        .map_or(day_end, |ends| Ord::min(ends, day_end));
    (from, Ord::max(to, from))
}

/// Minutes credited for a check-in and check-out on `day`: the part of [in, out] within
/// the activity's time that day, at most 24 h; with what the clock said when that is more.
pub fn credited_minutes(
    activity: &activity::Model,
    day: NaiveDate,
    checked_in: DateTime<Utc>,
    checked_out: DateTime<Utc>,
) -> (i32, Option<i32>) {
    let measured = Ord::max((checked_out - checked_in).num_minutes(), 0);
    let (from, to) = window_on(activity, day);
    let overlap = (Ord::min(checked_out, to) - Ord::max(checked_in, from)).num_minutes();
    let credited = overlap.clamp(0, 24 * 60);
    let to_i32 = |n: i64| i32::try_from(n).unwrap_or(i32::MAX);
    (
        to_i32(credited),
        (credited < measured).then(|| to_i32(measured)),
    )
}

/// Closes the check-ins of earlier days that were never closed: checked out at the end of
/// the activity's time that day, the minutes up to then, flagged `autoClosed` (approved
/// only with the hours stated). Each update is conditional on the record still being
/// open, so instances running it at once close each record once. Returns how many.
pub async fn close_forgotten_check_ins<C: sea_orm::ConnectionTrait>(
    db: &C,
    now: DateTime<Utc>,
) -> AppResult<u64> {
    let open = service_record::Entity::find()
        .find_also_related(activity::Entity)
        .filter(service_record::Column::CheckedInAt.is_not_null())
        .filter(service_record::Column::CheckedOutAt.is_null())
        .filter(service_record::Column::ServiceDate.lt(local_date(now)))
        .limit(500)
        .all(db)
        .await?;
    let mut closed = 0;
    for (record, activity) in open {
        let (Some(activity), Some(day), Some(checked_in)) =
            (activity, record.service_date, record.checked_in_at)
        else {
            continue;
        };
        let (_, end) = window_on(&activity, day);
        let out = Ord::max(end, checked_in);
        let (minutes, clamped_from) = credited_minutes(&activity, day, checked_in, out);
        closed += service_record::Entity::update_many()
            .col_expr(service_record::Column::CheckedOutAt, Expr::value(out))
            .col_expr(service_record::Column::Minutes, Expr::value(minutes))
            .col_expr(
                service_record::Column::ClampedFromMinutes,
                Expr::value(clamped_from),
            )
            .col_expr(service_record::Column::AutoClosed, Expr::value(true))
            .col_expr(service_record::Column::UpdatedAt, Expr::value(now))
            .filter(service_record::Column::Id.eq(record.id))
            .filter(service_record::Column::CheckedOutAt.is_null())
            .exec(db)
            .await?
            .rows_affected;
    }
    Ok(closed)
}

pub(crate) fn minutes_of(hours: f64, field: &str) -> AppResult<i32> {
    if !hours.is_finite() || hours <= 0.0 || hours > 24.0 {
        return Err(AppError::input(field, Reason::HoursRange { max: 24 }));
    }
    Ok((hours * 60.0).round() as i32)
}

/// Working days after the activity's end within which its service information must be
/// recorded and reviewed (Art 11).
pub const REVIEW_WORKING_DAYS: u32 = 10;

/// The day a record's review is due: [`REVIEW_WORKING_DAYS`] working days after the
/// activity's local end date (an undated activity: after the day served).
pub fn review_due_on(
    calendar: &WorkingCalendar,
    activity: &activity::Model,
    record: &service_record::Model,
) -> Option<NaiveDate> {
    let ended = activity
        .ends_at
        .or(activity.starts_at)
        .map(local_date)
        .or(record.service_date)?;
    calendar.add_working_days(ended, REVIEW_WORKING_DAYS)
}

/// The latest activity end date whose reviews are overdue today: a record is overdue when
/// its activity ended on or before it (adding working days keeps the order of days).
pub async fn overdue_review_end(state: &AppState) -> AppResult<NaiveDate> {
    let calendar = crate::domain::calendar::service::working_calendar(state).await?;
    let today = today();
    let mut day = today;
    // At most ~3 weeks back: 10 working days and the longest holiday.
    for _ in 0..60 {
        day = day.pred_opt().unwrap_or(day);
        if calendar
            .add_working_days(day, REVIEW_WORKING_DAYS)
            .is_some_and(|due| due < today)
        {
            return Ok(day);
        }
    }
    Ok(day)
}

/// Hours an organizer records for one volunteer, activity and day.
#[derive(Debug, Clone)]
pub struct NewRecord {
    pub activity_id: i32,
    pub volunteer_id: i32,
    pub hours: f64,
    /// Default: the activity's (local) start date.
    pub service_date: Option<NaiveDate>,
    pub note: Option<String>,
}

/// The days an activity's hours may be recorded for: its local start date to its local
/// end date; an undated activity, its plan's year (no plan: any day).
pub async fn service_days<C: sea_orm::ConnectionTrait>(
    db: &C,
    activity: &activity::Model,
) -> AppResult<Option<(NaiveDate, NaiveDate)>> {
    if let Some(starts) = activity.starts_at {
        let first = local_date(starts);
        let last = Ord::max(activity.ends_at.map(local_date).unwrap_or(first), first);
        return Ok(Some((first, last)));
    }
    let Some(plan_id) = activity.plan_id else {
        return Ok(None);
    };
    let year = entity::plan::Entity::find_by_id(plan_id)
        .one(db)
        .await?
        .map(|plan| plan.year);
    Ok(year.and_then(|year| {
        Some((
            NaiveDate::from_ymd_opt(year, 1, 1)?,
            NaiveDate::from_ymd_opt(year, 12, 31)?,
        ))
    }))
}

/// The day a record is for: the one given, else the activity's start date; within
/// [`service_days`], else BAD_USER_INPUT.
async fn service_day<C: sea_orm::ConnectionTrait>(
    db: &C,
    activity: &activity::Model,
    given: Option<NaiveDate>,
) -> AppResult<NaiveDate> {
    let days = service_days(db, activity).await?;
    // An undated activity without a given day: today, if it lies in the plan's year.
    let day = given.or(activity.start_date).unwrap_or_else(today);
    if !(2000..=2100).contains(&chrono::Datelike::year(&day)) {
        return Err(AppError::input("serviceDate", Reason::YearOutOfRange));
    }
    if let Some((first, last)) = days
        && !(first..=last).contains(&day)
    {
        return Err(AppError::input(
            "serviceDate",
            Reason::ServiceDateOutsideActivity {
                first: first.to_string(),
                last: last.to_string(),
            },
        ));
    }
    Ok(day)
}

/// Organizers record hours directly, e.g. for offline activities: one record per
/// volunteer, activity and day (a second one for the same day is a CONFLICT).
#[tracing::instrument(skip(state, viewer, new), err(level = "info", Debug))]
pub async fn record(
    state: &AppState,
    viewer: &Viewer,
    new: NewRecord,
) -> AppResult<service_record::Model> {
    let NewRecord {
        activity_id,
        volunteer_id,
        hours,
        service_date,
        note,
    } = new;
    let minutes = minutes_of(hours, "hours")?;
    let txn = crate::db::begin_write(&state.writer).await?;
    let activity = managed(&txn, viewer, activity_id).await?;
    super::require_takes_hours(&activity)?;
    let day = service_day(&txn, &activity, service_date).await?;
    volunteer::Entity::find_by_id(volunteer_id)
        .one(&txn)
        .await?
        .ok_or_else(|| AppError::input("volunteerId", Reason::UnknownReference))?;
    let now = Utc::now();
    let created = service_record::ActiveModel {
        activity_id: Set(activity_id),
        volunteer_id: Set(volunteer_id),
        source: Set(ServiceRecordSource::Recorded),
        checked_in_at: Set(None),
        checked_out_at: Set(None),
        minutes: Set(minutes),
        status: Set(ServiceRecordStatus::Pending),
        service_date: Set(Some(day)),
        review_note: Set(input::optional_text("note", note.as_deref(), max::NOTE)?),
        reviewed_by: Set(None),
        reviewed_at: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    keep_change(
        &txn,
        viewer,
        RecordChangeKind::Record,
        None,
        &created,
        created.review_note.clone(),
    )
    .await?;
    audit::record(
        &txn,
        viewer,
        audit::AuditAction::ServiceRecordRecord,
        Some(created.id),
    )
    .await?;
    txn.commit().await?;
    Ok(created)
}

/// Freezes the hours of an activity being cancelled: pending records are REJECTED with the
/// reason (kept in their history), approved ones stay in their record but leave the
/// rollups, like every figure ([`super::takes_hours`]). Returns (rejected, uncounted).
pub async fn freeze<C: sea_orm::ConnectionTrait>(
    txn: &C,
    viewer: &Viewer,
    activity: &activity::Model,
    reason: &str,
) -> AppResult<(usize, usize)> {
    let now = Utc::now();
    let note = format!("活动已取消：{reason}");
    let records = service_record::Entity::find()
        .filter(service_record::Column::ActivityId.eq(activity.id))
        .filter(
            service_record::Column::Status
                .is_in([ServiceRecordStatus::Pending, ServiceRecordStatus::Approved]),
        )
        .all(txn)
        .await?;
    let (mut rejected, mut uncounted) = (0, 0);
    for record in records {
        if record.status == ServiceRecordStatus::Approved {
            let month = record
                .service_date
                .map(|day| day.format("%Y-%m").to_string())
                .unwrap_or_default();
            crate::domain::hours::rollups::adjust_approved(
                txn,
                activity.primary_department_id,
                &month,
                record.volunteer_id,
                -i64::from(record.minutes),
                -1,
            )
            .await?;
            uncounted += 1;
            continue;
        }
        let mut model: service_record::ActiveModel = record.clone().into();
        model.status = Set(ServiceRecordStatus::Rejected);
        model.review_note = Set(Some(note.clone()));
        model.reviewed_by = Set(viewer.user().map(|user| user.id));
        model.reviewed_at = Set(Some(now));
        model.updated_at = Set(now);
        let updated = model.update(txn).await?;
        keep_change(
            txn,
            viewer,
            RecordChangeKind::Review,
            Some(&record),
            &updated,
            Some(note.clone()),
        )
        .await?;
        rejected += 1;
    }
    if uncounted > 0 {
        crate::domain::hours::rollups::drop_empty(txn).await?;
    }
    Ok((rejected, uncounted))
}

/// Approves (optionally with corrected hours) or rejects (with a note) pending records.
#[tracing::instrument(skip(state, viewer, note), err(level = "info", Debug))]
pub async fn review(
    state: &AppState,
    viewer: &Viewer,
    ids: &[i32],
    approve: bool,
    hours: Option<f64>,
    note: Option<String>,
) -> AppResult<Vec<service_record::Model>> {
    input::count("ids", ids, max::IDS)?;
    if ids.is_empty() {
        return Err(AppError::input("ids", Reason::TooFew { min: 1 }));
    }
    let corrected = hours.map(|h| minutes_of(h, "hours")).transpose()?;
    let note = input::optional_text("note", note.as_deref(), max::NOTE)?;
    if !approve && note.is_none() {
        return Err(AppError::input("note", Reason::NoteRequired));
    }
    let calendar = crate::domain::calendar::service::working_calendar(state).await?;
    let txn = crate::db::begin_write(&state.writer).await?;
    let mut reviewed = Vec::with_capacity(ids.len());
    let now = Utc::now();
    let reviewer = viewer.require()?.id;
    for id in ids {
        // Locked: a care visit adding minutes to a pending record waits, or finds it reviewed.
        let record = service_record::Entity::find_by_id(*id)
            .lock_exclusive()
            .one(&txn)
            .await?
            .ok_or(AppError::not_found(Thing::ServiceRecord))?;
        let activity = managed(&txn, viewer, record.activity_id).await?;
        super::require_takes_hours(&activity)?;
        if record.status != ServiceRecordStatus::Pending {
            return Err(AppError::of(Reason::AlreadyReviewed));
        }
        if record.checked_in_at.is_some()
            && (record.checked_out_at.is_none() || record.auto_closed)
            && corrected.is_none()
            && approve
        {
            return Err(AppError::input(
                "hours",
                Reason::HoursNeeded { record: *id },
            ));
        }
        let due = review_due_on(&calendar, &activity, &record);
        let mut model: service_record::ActiveModel = record.clone().into();
        model.reviewed_late = Set(due.is_some_and(|due| today() > due));
        model.status = Set(if approve {
            ServiceRecordStatus::Approved
        } else {
            ServiceRecordStatus::Rejected
        });
        if let Some(minutes) = corrected {
            model.minutes = Set(minutes);
        }
        if note.is_some() {
            model.review_note = Set(note.clone());
        }
        model.reviewed_by = Set(Some(reviewer));
        model.reviewed_at = Set(Some(now));
        model.updated_at = Set(now);
        let updated = model.update(&txn).await?;
        keep_change(
            &txn,
            viewer,
            RecordChangeKind::Review,
            Some(&record),
            &updated,
            note.clone(),
        )
        .await?;
        if approve {
            let month = updated
                .service_date
                .map(|day| day.format("%Y-%m").to_string())
                .unwrap_or_default();
            crate::domain::hours::rollups::add_approved(
                &txn,
                activity.primary_department_id,
                &month,
                updated.volunteer_id,
                i64::from(updated.minutes),
            )
            .await?;
        }
        tell_reviewed(&txn, &activity, &updated, approve).await?;
        reviewed.push(updated);
        audit::record(
            &txn,
            viewer,
            audit::AuditAction::ServiceRecordReview,
            Some(*id),
        )
        .await?;
    }
    txn.commit().await?;
    state.dashboards_changed().await;
    Ok(reviewed)
}

/// Tells the volunteer that their hours were approved or rejected, in the review's
/// transaction; once per record.
async fn tell_reviewed<C: sea_orm::ConnectionTrait>(
    txn: &C,
    activity: &activity::Model,
    record: &service_record::Model,
    approved: bool,
) -> AppResult<()> {
    use crate::domain::notifications::{self, Event};
    let users = notifications::users_of_volunteers(txn, &[record.volunteer_id]).await?;
    let hours = f64::from(record.minutes) / 60.0;
    let event = if approved {
        Event::new(
            NotificationKind::HoursApproved,
            format!("hours-reviewed:{}", record.id),
            "服务时长已审核通过",
            format!(
                "您在「{}」的志愿服务时长 {hours:.1} 小时已审核通过。",
                activity.title
            ),
        )
    } else {
        let why = record
            .review_note
            .as_deref()
            .map(|note| format!("原因：{note}"))
            .unwrap_or_default();
        Event::new(
            NotificationKind::HoursRejected,
            format!("hours-reviewed:{}", record.id),
            "服务时长未通过审核",
            format!("您在「{}」的服务时长记录未通过审核。{why}", activity.title),
        )
    }
    .about_activity(activity.id)
    .about_record(record.id);
    notifications::notify(txn, &users, &event).await?;
    Ok(())
}

pub struct RecordQuery {
    pub activity_id: Option<i32>,
    pub department_id: Option<i32>,
    pub volunteer_id: Option<i32>,
    pub status: Option<ServiceRecordStatus>,
    /// PENDING records past their review deadline (true), or within it (false).
    pub overdue_review: Option<bool>,
}

/// The activity's end (else its start) of a `service_records` row, for ordering by the
/// review deadline: adding working days keeps the order of days, so the earliest end is
/// the earliest due. Undated activities last.
const ACTIVITY_END: &str = "(SELECT COALESCE(a.ends_at, a.starts_at) FROM activities a \
     WHERE a.id = service_records.activity_id)";

/// Organizers see their own department's activities' records; admins all.
pub async fn list(
    state: &AppState,
    viewer: &Viewer,
    q: RecordQuery,
    page: Page,
) -> AppResult<Records> {
    let user = viewer.require_any(&[Role::Organizer, Role::Admin])?;
    let department_id = if user.is_admin() {
        q.department_id
    } else {
        match q.department_id {
            Some(id) if Some(id) != user.department_id => {
                return Err(AppError::of(Reason::NotOwnDepartment));
            }
            _ => user.department_id,
        }
    };
    if !user.is_admin() && department_id.is_none() {
        return Err(AppError::of(Reason::NoDepartment));
    }
    let mut cond = Condition::all();
    if let Some(id) = q.activity_id {
        cond = cond.add(service_record::Column::ActivityId.eq(id));
    }
    if let Some(id) = q.volunteer_id {
        cond = cond.add(service_record::Column::VolunteerId.eq(id));
    }
    if let Some(status) = q.status {
        cond = cond.add(service_record::Column::Status.eq(status));
    }
    if let Some(id) = department_id {
        cond =
            cond.add(service_record::Column::ActivityId.in_subquery(activities_of_department(id)));
    }
    if let Some(overdue) = q.overdue_review {
        // Ended on or before the last day whose reviews are overdue today; an undated
        // activity counts from the day served.
        let last = overdue_review_end(state).await?;
        let until = crate::domain::calendar::start_of_day(last.succ_opt().unwrap_or(last));
        let ended_by = Query::select()
            .column(activity::Column::Id)
            .from(activity::Entity)
            .and_where(Expr::cust("COALESCE(activities.ends_at, activities.starts_at)").lt(until))
            .to_owned();
        let undated = Query::select()
            .column(activity::Column::Id)
            .from(activity::Entity)
            .and_where(activity::Column::StartsAt.is_null())
            .to_owned();
        let late = Condition::any()
            .add(service_record::Column::ActivityId.in_subquery(ended_by))
            .add(
                Condition::all()
                    .add(service_record::Column::ActivityId.in_subquery(undated))
                    .add(service_record::Column::ServiceDate.lte(last)),
            );
        cond = cond
            .add(service_record::Column::Status.eq(ServiceRecordStatus::Pending))
            .add(if overdue { late } else { late.not() });
    }
    let query = service_record::Entity::find().filter(cond);
    if q.status == Some(ServiceRecordStatus::Pending) || q.overdue_review.is_some() {
        // The review queue: the most urgent first.
        return review_queue(&state.db, query, page).await;
    }
    page_of(&state.db, query, page).await
}

pub async fn of_activity(
    state: &AppState,
    viewer: &Viewer,
    activity: &activity::Model,
    status: Option<ServiceRecordStatus>,
    page: Page,
) -> AppResult<Records> {
    let user = viewer.require_any(&[Role::Organizer, Role::Admin])?;
    if !user.may_manage_any(&lead_department_ids(&state.db, activity.id).await?) {
        return Err(AppError::of(Reason::NotOwnDepartment));
    }
    let mut query =
        service_record::Entity::find().filter(service_record::Column::ActivityId.eq(activity.id));
    if let Some(status) = status {
        query = query.filter(service_record::Column::Status.eq(status));
    }
    page_of(&state.db, query, page).await
}

/// A volunteer's records, within the reader's scope.
pub async fn of_volunteer(
    db: &DatabaseConnection,
    volunteer_id: i32,
    scope: RecordScope,
    status: Option<ServiceRecordStatus>,
    page: Page,
) -> AppResult<RecordsWithActivity> {
    let mut query =
        service_record::Entity::find().filter(service_record::Column::VolunteerId.eq(volunteer_id));
    if let RecordScope::Department(id) = scope {
        query = query
            .filter(service_record::Column::ActivityId.in_subquery(activities_of_department(id)));
    }
    if let Some(status) = status {
        query = query.filter(service_record::Column::Status.eq(status));
    }
    // The volunteer's list shows each activity: joined, not a second round trip.
    page::fetch_also(db, query, activity::Entity, &newest_first(), &page, |r| {
        vec![r.id.into()]
    })
    .await
}

fn newest_first() -> Order {
    Order::new().desc(service_record::Column::Id, KeyKind::Int)
}

async fn page_of(
    db: &DatabaseConnection,
    query: sea_orm::Select<service_record::Entity>,
    page: Page,
) -> AppResult<Records> {
    page::fetch(db, query, &newest_first(), &page, |r| vec![r.id.into()]).await
}

/// The most urgent first: by the activity's end (undated activities last), then id. The
/// position holds the activity's end, read for the page's activities in one statement.
async fn review_queue(
    db: &DatabaseConnection,
    query: sea_orm::Select<service_record::Entity>,
    page: Page,
) -> AppResult<Records> {
    let order = Order::new()
        .asc(Expr::cust(ACTIVITY_END), KeyKind::NullableTime)
        .asc(service_record::Column::Id, KeyKind::Int);
    let total = query.clone().count(db).await?;
    let rows = order.apply(query, &page)?.all(db).await?;
    let ids: HashSet<i32> = rows.iter().map(|r| r.activity_id).collect();
    let ends: HashMap<i32, Option<DateTime<Utc>>> = if ids.is_empty() {
        HashMap::new()
    } else {
        activity::Entity::find()
            .filter(activity::Column::Id.is_in(ids))
            .all(db)
            .await?
            .into_iter()
            .map(|a| (a.id, a.ends_at.or(a.starts_at)))
            .collect()
    };
    Ok(page::page_from_rows(rows, &page, total, |r| {
        vec![
            ends.get(&r.activity_id).copied().flatten().into(),
            r.id.into(),
        ]
    }))
}

#[cfg(test)]
mod clamp_tests {
    use super::*;

    fn at(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text).unwrap().to_utc()
    }

    fn activity(starts: Option<&str>, ends: Option<&str>) -> activity::Model {
        let now = Utc::now();
        activity::Model {
            id: 1,
            plan_id: None,
            seq_no: None,
            title: "助老服务".to_owned(),
            category_id: None,
            time_label: None,
            starts_at: starts.map(at),
            ends_at: ends.map(at),
            start_date: None,
            status: ActivityStatus::Published,
            content_items: Default::default(),
            primary_department_id: None,
            capacity: None,
            registered_count: 0,
            waitlist_count: 0,
            registration_opens_at: None,
            registration_closes_at: None,
            service_minutes: None,
            pairing_id: None,
            published_at: None,
            cancel_reason: None,
            person_in_charge_name: None,
            person_in_charge_phone: None,
            created_at: now,
            updated_at: now,
        }
    }

    fn day(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn hours_are_the_part_of_the_stay_within_the_activitys_time_that_day() {
        let morning = activity(
            Some("2026-11-10T09:00:00+08:00"),
            Some("2026-11-10T12:00:00+08:00"),
        );
        // Within: credited as measured, nothing flagged.
        assert_eq!(
            credited_minutes(
                &morning,
                day("2026-11-10"),
                at("2026-11-10T09:10:00+08:00"),
                at("2026-11-10T11:40:00+08:00")
            ),
            (150, None)
        );
        // An hour early and an evening late: three hours credited, 10 h 10 min measured.
        assert_eq!(
            credited_minutes(
                &morning,
                day("2026-11-10"),
                at("2026-11-10T08:00:00+08:00"),
                at("2026-11-10T18:10:00+08:00")
            ),
            (180, Some(610))
        );
        // A 前后 week (06-28 to 07-04): at most the day, never the week.
        let week = activity(
            Some("2022-06-28T00:00:00+08:00"),
            Some("2022-07-04T23:59:00+08:00"),
        );
        assert_eq!(
            credited_minutes(
                &week,
                day("2022-06-30"),
                at("2022-06-30T08:00:00+08:00"),
                at("2022-07-03T08:00:00+08:00")
            ),
            (16 * 60, Some(72 * 60))
        );
        // Undated: the whole day.
        let undated = activity(None, None);
        assert_eq!(
            credited_minutes(
                &undated,
                day("2026-11-10"),
                at("2026-11-10T20:00:00+08:00"),
                at("2026-11-11T02:00:00+08:00")
            ),
            (240, Some(360))
        );
        // Checked out before checking in (a clock set back): nothing.
        assert_eq!(
            credited_minutes(
                &morning,
                day("2026-11-10"),
                at("2026-11-10T10:00:00+08:00"),
                at("2026-11-10T09:00:00+08:00")
            ),
            (0, None)
        );
    }
}
