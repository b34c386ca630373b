//! Appeals (申诉复核): the evaluated department contests a 差评 once, while its
//! rectification is not CLOSED; the office (VIEWER) or an admin decides. Upheld, the
//! response is voided — it counts in no satisfaction figure — and its rectification is
//! VOIDED; rejected, work goes on with the original deadline. Every step is audited, and
//! the appeal is on the rectification the resident reads.

use chrono::Utc;
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set};

use entity::enums::{AppealReason, AppealStatus, RectificationStatus, Role};
use entity::{feedback_appeal, rectification, survey_response};

use crate::auth::Viewer;
use crate::context::AppState;
use crate::db::begin_write;
use crate::domain::audit;
use crate::domain::input;
use crate::error::{AppError, AppResult, Reason, Thing};

use super::service::MAX_TEXT_CHARS;

/// The department files an appeal of the 差评 behind `response_id`.
pub async fn file(
    state: &AppState,
    viewer: &Viewer,
    response_id: i32,
    reason: AppealReason,
    explanation: &str,
) -> AppResult<feedback_appeal::Model> {
    let user = viewer.require_any(&[Role::Organizer, Role::Admin])?;
    let explanation = input::text("explanation", explanation, MAX_TEXT_CHARS)?;
    let txn = begin_write(&state.writer).await?;
    let rectification = rectification::Entity::find()
        .filter(rectification::Column::ResponseId.eq(response_id))
        .one(&txn)
        .await?
        .ok_or(AppError::not_found(Thing::Rectification))?;
    if !user.may_manage_department(rectification.department_id) {
        return Err(AppError::of(Reason::NotOwnDepartment));
    }
    if matches!(
        rectification.status,
        RectificationStatus::Closed | RectificationStatus::Voided
    ) {
        return Err(AppError::of(Reason::RectificationFinished));
    }
    let filed = feedback_appeal::ActiveModel {
        response_id: Set(response_id),
        reason: Set(reason),
        explanation: Set(explanation),
        status: Set(AppealStatus::Pending),
        decision_note: Set(None),
        filed_by: Set(user.id),
        decided_by: Set(None),
        decided_at: Set(None),
        created_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    audit::record(&txn, viewer, audit::AuditAction::AppealFile, Some(filed.id)).await?;
    txn.commit().await?;
    Ok(filed)
}

/// The office or an admin decides a PENDING appeal.
pub async fn decide(
    state: &AppState,
    viewer: &Viewer,
    appeal_id: i32,
    upheld: bool,
    note: Option<String>,
) -> AppResult<feedback_appeal::Model> {
    let user = viewer.require_any(&[Role::Viewer, Role::Admin])?;
    let note = input::optional_text("note", note.as_deref(), MAX_TEXT_CHARS)?;
    let txn = begin_write(&state.writer).await?;
    let appeal = feedback_appeal::Entity::find_by_id(appeal_id)
        .one(&txn)
        .await?
        .ok_or(AppError::not_found(Thing::Appeal))?;
    if appeal.status != AppealStatus::Pending {
        return Err(AppError::of(Reason::AppealReviewed));
    }
    let now = Utc::now();
    let mut decided: feedback_appeal::ActiveModel = appeal.clone().into();
    decided.status = Set(if upheld {
        AppealStatus::Upheld
    } else {
        AppealStatus::Rejected
    });
    decided.decision_note = Set(note);
    decided.decided_by = Set(Some(user.id));
    decided.decided_at = Set(Some(now));
    let decided = decided.update(&txn).await?;
    if upheld {
        survey_response::Entity::update_many()
            .col_expr(survey_response::Column::Voided, Expr::value(true))
            .filter(survey_response::Column::Id.eq(appeal.response_id))
            .exec(&txn)
            .await?;
        rectification::Entity::update_many()
            .col_expr(
                rectification::Column::Status,
                Expr::value(RectificationStatus::Voided),
            )
            .col_expr(rectification::Column::UpdatedAt, Expr::value(now))
            .filter(rectification::Column::ResponseId.eq(appeal.response_id))
            .exec(&txn)
            .await?;
    }
    audit::record(
        &txn,
        viewer,
        audit::AuditAction::AppealDecide,
        Some(appeal_id),
    )
    .await?;
    txn.commit().await?;
    state.dashboards_changed().await;
    Ok(decided)
}

/// The appeal of a response, if any.
pub async fn of_response<C: sea_orm::ConnectionTrait>(
    db: &C,
    response_id: i32,
) -> AppResult<Option<feedback_appeal::Model>> {
    Ok(feedback_appeal::Entity::find()
        .filter(feedback_appeal::Column::ResponseId.eq(response_id))
        .one(db)
        .await?)
}
