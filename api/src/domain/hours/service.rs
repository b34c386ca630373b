//! Check-in codes, check-in and check-out, recorded hours and their review.

use chrono::{DateTime, Duration, TimeZone, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, DatabaseConnection, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect, Set, TransactionTrait,
};

use entity::enums::{
    ActivityStatus, RegistrationStatus, Role, ServiceRecordSource, ServiceRecordStatus,
};
use entity::{activity, registration, service_record, volunteer};

use crate::auth::Viewer;
use crate::cache::CacheKey;
use crate::context::AppState;
use crate::domain::access::{RecordScope, activities_of_department};
use crate::domain::access::{lead_department_ids, managed};
use crate::domain::audit;
use crate::domain::calendar::{local_date, today};
use crate::domain::input::{self, max};
use crate::domain::page::PageRequest as Page;
use crate::domain::registrations::service::volunteer_of_user;
use crate::error::{AppError, AppResult};

/// A page of service records, newest first.
pub type Records = crate::domain::page::Page<service_record::Model>;

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
        return Err(AppError::conflict(
            "check-in is only for published activities",
        ));
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
        return Err(AppError::conflict("the activity has no date yet"));
    };
    let ends = activity.ends_at.unwrap_or(starts);
    if now < starts - Duration::hours(1) || now > ends + Duration::hours(2) {
        return Err(AppError::conflict(
            "check-in is open from one hour before the start to two hours after the end",
        ));
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
        .ok_or_else(|| AppError::forbidden("enroll as a volunteer first"))?;
    let activity = activity::Entity::find_by_id(activity_id)
        .one(&state.db)
        .await?
        .filter(|a| a.status != ActivityStatus::Draft)
        .ok_or(AppError::NotFound("activity"))?;
    if activity.status != ActivityStatus::Published {
        return Err(AppError::conflict(
            "check-in is only for published activities",
        ));
    }
    let now = Utc::now();
    check_window(&activity, now)?;
    // Counted before the code is compared, atomically across instances, so parallel
    // guesses get no more than MAX_CODE_GUESSES comparisons; a right code is not counted.
    let guesses = CacheKey::CheckInGuesses {
        activity_id,
        volunteer_id: volunteer.id,
    };
    let (count, retry_after) = state.cache.hit(&guesses).await;
    if count > MAX_CODE_GUESSES {
        return Err(AppError::RateLimited {
            retry_after_secs: retry_after,
        });
    }
    if !code_is_valid(state, activity_id, code, now) {
        return Err(AppError::bad_input(
            "code",
            "the check-in code is wrong or has expired",
        ));
    }
    state.cache.unhit(&guesses).await;
    let registered = registration::Entity::find()
        .filter(registration::Column::ActivityId.eq(activity_id))
        .filter(registration::Column::VolunteerId.eq(volunteer.id))
        .filter(registration::Column::Status.eq(RegistrationStatus::Registered))
        .count(&state.db)
        .await?;
    if registered == 0 {
        return Err(AppError::forbidden("only registered volunteers check in"));
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
    Ok(service_record::ActiveModel {
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
    .insert(&state.db)
    .await?)
}

#[tracing::instrument(skip(state, viewer, code), err(level = "info", Debug))]
pub async fn check_out(
    state: &AppState,
    viewer: &Viewer,
    activity_id: i32,
    code: &str,
) -> AppResult<service_record::Model> {
    let (volunteer, _) = checking_volunteer(state, viewer, activity_id, code).await?;
    let record = service_record::Entity::find()
        .filter(service_record::Column::ActivityId.eq(activity_id))
        .filter(service_record::Column::VolunteerId.eq(volunteer.id))
        .one(&state.db)
        .await?
        .ok_or_else(|| AppError::conflict("check in first"))?;
    let Some(checked_in) = record.checked_in_at else {
        return Err(AppError::conflict(
            "your hours were recorded by the organizer",
        ));
    };
    if record.checked_out_at.is_some() {
        return Err(AppError::conflict("you have already checked out"));
    }
    let now = Utc::now();
    let minutes = (now - checked_in).num_minutes().max(0) as i32;
    let mut model: service_record::ActiveModel = record.into();
    model.checked_out_at = Set(Some(now));
    model.minutes = Set(minutes);
    model.updated_at = Set(now);
    Ok(model.update(&state.db).await?)
}

fn minutes_of(hours: f64, field: &str) -> AppResult<i32> {
    if !hours.is_finite() || hours <= 0.0 || hours > 24.0 {
        return Err(AppError::bad_input(
            field,
            "hours must be more than 0 and at most 24",
        ));
    }
    Ok((hours * 60.0).round() as i32)
}

/// Organizers record hours directly, e.g. for offline activities.
#[tracing::instrument(skip(state, viewer, note), err(level = "info", Debug))]
pub async fn record(
    state: &AppState,
    viewer: &Viewer,
    activity_id: i32,
    volunteer_id: i32,
    hours: f64,
    note: Option<String>,
) -> AppResult<service_record::Model> {
    let minutes = minutes_of(hours, "hours")?;
    let txn = state.db.begin().await?;
    let activity = managed(&txn, viewer, activity_id).await?;
    volunteer::Entity::find_by_id(volunteer_id)
        .one(&txn)
        .await?
        .ok_or_else(|| AppError::bad_input("volunteerId", "the volunteer does not exist"))?;
    let now = Utc::now();
    let created = service_record::ActiveModel {
        activity_id: Set(activity_id),
        volunteer_id: Set(volunteer_id),
        source: Set(ServiceRecordSource::Recorded),
        checked_in_at: Set(None),
        checked_out_at: Set(None),
        minutes: Set(minutes),
        status: Set(ServiceRecordStatus::Pending),
        service_date: Set(Some(activity.start_date.unwrap_or_else(today))),
        review_note: Set(input::optional_text("note", note.as_deref(), max::NOTE)?),
        reviewed_by: Set(None),
        reviewed_at: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
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
        return Err(AppError::bad_input("ids", "name at least one record"));
    }
    let corrected = hours.map(|h| minutes_of(h, "hours")).transpose()?;
    let note = input::optional_text("note", note.as_deref(), max::NOTE)?;
    if !approve && note.is_none() {
        return Err(AppError::bad_input(
            "note",
            "say why the hours are rejected",
        ));
    }
    let txn = state.db.begin().await?;
    let mut reviewed = Vec::with_capacity(ids.len());
    let now = Utc::now();
    let reviewer = viewer.require()?.id;
    for id in ids {
        let record = service_record::Entity::find_by_id(*id)
            .one(&txn)
            .await?
            .ok_or(AppError::NotFound("service record"))?;
        let activity = managed(&txn, viewer, record.activity_id).await?;
        if record.status != ServiceRecordStatus::Pending {
            return Err(AppError::conflict(format!(
                "record {id} was already reviewed"
            )));
        }
        if record.checked_in_at.is_some()
            && record.checked_out_at.is_none()
            && corrected.is_none()
            && approve
        {
            return Err(AppError::bad_input(
                "hours",
                format!("record {id} has no check-out: give the hours to approve"),
            ));
        }
        let mut model: service_record::ActiveModel = record.into();
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

pub struct RecordQuery {
    pub activity_id: Option<i32>,
    pub department_id: Option<i32>,
    pub volunteer_id: Option<i32>,
    pub status: Option<ServiceRecordStatus>,
}

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
                return Err(AppError::forbidden(
                    "organizers see their own department's records",
                ));
            }
            _ => user.department_id,
        }
    };
    if !user.is_admin() && department_id.is_none() {
        return Err(AppError::forbidden(
            "an organizer without a department sees no records",
        ));
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
    page_of(&state.db, service_record::Entity::find().filter(cond), page).await
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
        return Err(AppError::forbidden(
            "only organizers of a lead department see these records",
        ));
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
) -> AppResult<Records> {
    let mut query =
        service_record::Entity::find().filter(service_record::Column::VolunteerId.eq(volunteer_id));
    if let RecordScope::Department(id) = scope {
        query = query
            .filter(service_record::Column::ActivityId.in_subquery(activities_of_department(id)));
    }
    if let Some(status) = status {
        query = query.filter(service_record::Column::Status.eq(status));
    }
    page_of(db, query, page).await
}

async fn page_of(
    db: &DatabaseConnection,
    query: sea_orm::Select<service_record::Entity>,
    page: Page,
) -> AppResult<Records> {
    let total = query.clone().count(db).await?;
    let rows = query
        .order_by_desc(service_record::Column::Id)
        .offset(page.offset)
        .limit(page.fetch_limit())
        .all(db)
        .await?;
    Ok(crate::domain::page::Page::from_rows(rows, page, total))
}
