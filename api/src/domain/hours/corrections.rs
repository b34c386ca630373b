//! Corrections of service records (《志愿服务记录与证明出具办法（试行）》 Art 13): a volunteer
//! disputes the hours of a record of their own; an organizer of the activity's department
//! (or an admin) accepts, and the hours change, or refuses with a reason. At most one open
//! request per record (a partial unique index). Approved hours change only this way or by
//! a review, and every change is kept in the record's history.

use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set,
};

use entity::enums::{CorrectionStatus, RecordChangeKind, ServiceRecordStatus};
use entity::{record_change, record_correction, service_record};

use crate::auth::Viewer;
use crate::context::AppState;
use crate::db::begin_write;
use crate::domain::access::managed;
use crate::domain::audit;
use crate::domain::input::{self, max};
use crate::domain::registrations::service::volunteer_of_user;
use crate::error::{AppError, AppResult, Reason, Thing};

use super::service::minutes_of;

/// Keeps one change of a record in its history, in the caller's transaction.
pub async fn keep_change<C: ConnectionTrait>(
    db: &C,
    viewer: &Viewer,
    kind: RecordChangeKind,
    before: Option<&service_record::Model>,
    after: &service_record::Model,
    reason: Option<String>,
) -> AppResult<()> {
    record_change::ActiveModel {
        record_id: Set(after.id),
        changed_by: Set(viewer.user().map(|user| user.id)),
        changed_at: Set(Utc::now()),
        kind: Set(kind),
        from_status: Set(before.map(|b| b.status)),
        to_status: Set(after.status),
        from_minutes: Set(before.map(|b| b.minutes)),
        to_minutes: Set(after.minutes),
        reason: Set(reason),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(())
}

/// The history of a record, oldest first.
pub async fn history<C: ConnectionTrait>(
    db: &C,
    record_id: i32,
) -> AppResult<Vec<record_change::Model>> {
    Ok(record_change::Entity::find()
        .filter(record_change::Column::RecordId.eq(record_id))
        .order_by_asc(record_change::Column::Id)
        .all(db)
        .await?)
}

/// The requests of a record, newest first.
pub async fn of_record<C: ConnectionTrait>(
    db: &C,
    record_id: i32,
) -> AppResult<Vec<record_correction::Model>> {
    Ok(record_correction::Entity::find()
        .filter(record_correction::Column::RecordId.eq(record_id))
        .order_by_desc(record_correction::Column::Id)
        .all(db)
        .await?)
}

/// A volunteer disputes a reviewed (approved or rejected) record of their own: the hours
/// they served and why. One open request per record.
pub async fn request(
    state: &AppState,
    viewer: &Viewer,
    record_id: i32,
    hours: f64,
    reason: &str,
) -> AppResult<record_correction::Model> {
    let user = viewer.require()?;
    let minutes = minutes_of(hours, "hours")?;
    let reason = input::text("reason", reason, max::NOTE)?;
    let txn = begin_write(&state.writer).await?;
    let volunteer = volunteer_of_user(&txn, user.id)
        .await?
        .ok_or_else(|| AppError::of(Reason::VolunteerRequired))?;
    let record = service_record::Entity::find_by_id(record_id)
        .one(&txn)
        .await?
        .filter(|record| record.volunteer_id == volunteer.id)
        // Another volunteer's record does not exist for this one.
        .ok_or(AppError::not_found(Thing::ServiceRecord))?;
    if record.status == ServiceRecordStatus::Pending {
        return Err(AppError::of(Reason::CorrectionOfPendingRecord));
    }
    let open = record_correction::Entity::find()
        .filter(record_correction::Column::RecordId.eq(record_id))
        .filter(record_correction::Column::Status.eq(CorrectionStatus::Open))
        .one(&txn)
        .await?;
    if open.is_some() {
        return Err(AppError::of(Reason::CorrectionPending));
    }
    let created = record_correction::ActiveModel {
        record_id: Set(record_id),
        requested_by: Set(user.id),
        requested_minutes: Set(minutes),
        reason: Set(reason),
        status: Set(CorrectionStatus::Open),
        resolution: Set(None),
        resolved_by: Set(None),
        resolved_at: Set(None),
        created_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    txn.commit().await?;
    Ok(created)
}

/// An organizer of the record's activity (or an admin) accepts a request, and the record
/// takes the requested hours (approved), or refuses it with a reason. Audited; the change
/// is kept in the record's history.
pub async fn resolve(
    state: &AppState,
    viewer: &Viewer,
    correction_id: i32,
    accept: bool,
    note: Option<String>,
) -> AppResult<(record_correction::Model, service_record::Model)> {
    let reviewer = viewer.require()?.id;
    let note = input::optional_text("note", note.as_deref(), max::NOTE)?;
    if !accept && note.is_none() {
        return Err(AppError::input("note", Reason::NoteRequired));
    }
    let txn = begin_write(&state.writer).await?;
    let correction = record_correction::Entity::find_by_id(correction_id)
        .one(&txn)
        .await?
        .ok_or(AppError::not_found(Thing::Correction))?;
    let record = service_record::Entity::find_by_id(correction.record_id)
        .one(&txn)
        .await?
        .ok_or(AppError::not_found(Thing::ServiceRecord))?;
    let activity = managed(&txn, viewer, record.activity_id).await?;
    if accept {
        super::require_takes_hours(&activity)?;
    }
    if correction.status != CorrectionStatus::Open {
        return Err(AppError::of(Reason::CorrectionAnswered));
    }
    let now = Utc::now();
    let mut answered: record_correction::ActiveModel = correction.clone().into();
    answered.status = Set(if accept {
        CorrectionStatus::Accepted
    } else {
        CorrectionStatus::Refused
    });
    answered.resolution = Set(note.clone());
    answered.resolved_by = Set(Some(reviewer));
    answered.resolved_at = Set(Some(now));
    let answered = answered.update(&txn).await?;
    let mut updated = record.clone();
    if accept {
        let mut model: service_record::ActiveModel = record.clone().into();
        model.minutes = Set(correction.requested_minutes);
        model.status = Set(ServiceRecordStatus::Approved);
        model.reviewed_by = Set(Some(reviewer));
        model.reviewed_at = Set(Some(now));
        model.updated_at = Set(now);
        updated = model.update(&txn).await?;
        // The rollups follow: the old approved minutes out, the new ones in.
        let month = updated
            .service_date
            .map(|day| day.format("%Y-%m").to_string())
            .unwrap_or_default();
        let before = if record.status == ServiceRecordStatus::Approved {
            i64::from(record.minutes)
        } else {
            0
        };
        super::rollups::adjust_approved(
            &txn,
            activity.primary_department_id,
            &month,
            updated.volunteer_id,
            i64::from(updated.minutes) - before,
            i64::from(record.status != ServiceRecordStatus::Approved),
        )
        .await?;
        keep_change(
            &txn,
            viewer,
            RecordChangeKind::Correction,
            Some(&record),
            &updated,
            Some(correction.reason.clone()),
        )
        .await?;
    }
    // The volunteer hears the answer to their request, once per request.
    let users =
        crate::domain::notifications::users_of_volunteers(&txn, &[record.volunteer_id]).await?;
    let hours = f64::from(updated.minutes) / 60.0;
    let event = crate::domain::notifications::Event::new(
        entity::enums::NotificationKind::HoursCorrected,
        format!("correction:{correction_id}"),
        if accept {
            "时长更正已通过"
        } else {
            "时长更正未通过"
        },
        if accept {
            format!(
                "您在「{}」的服务时长已更正为 {hours:.1} 小时。",
                activity.title
            )
        } else {
            format!(
                "您在「{}」的时长更正申请未通过。原因：{}",
                activity.title,
                note.as_deref().unwrap_or_default()
            )
        },
    )
    .about_activity(activity.id)
    .about_record(record.id);
    crate::domain::notifications::notify(&txn, &users, &event).await?;
    audit::record(
        &txn,
        viewer,
        audit::AuditAction::RecordCorrectionResolve,
        Some(correction_id),
    )
    .await?;
    txn.commit().await?;
    if accept {
        state.dashboards_changed().await;
    }
    Ok((answered, updated))
}
