//! Rectifications (整改): the department's work on a dissatisfied answer, forward only,
//! OPEN → IN_PROGRESS → RESOLVED → CLOSED.

use chrono::Utc;
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveEnum as _, ColumnTrait, Condition, EntityTrait, QueryFilter, QueryOrder};

use entity::enums::{FollowUpChannel, FollowUpRating, RectificationStatus, Role};
use entity::rectification;

use crate::auth::Viewer;
use crate::context::AppState;
use crate::db::begin_write;
use crate::domain::audit;
use crate::domain::input::{self};
use crate::domain::page::{self, KeyKind, Order, PageRequest as Page};
use crate::error::{AppError, AppResult, Reason, Thing};

use super::service::{MAX_TEXT_CHARS, stage};
use super::submission::Deadlines;

#[derive(Debug, Default, Clone)]
pub struct RectificationQuery {
    pub department_id: Option<i32>,
    pub status: Option<RectificationStatus>,
    pub overdue: Option<bool>,
}

/// Organizers see their own department's rectifications; viewers and admins all. Newest first.
#[tracing::instrument(skip(state, viewer), err(level = "info", Debug))]
pub async fn rectifications(
    state: &AppState,
    viewer: &Viewer,
    q: &RectificationQuery,
    page: Page,
) -> AppResult<crate::domain::page::Page<rectification::Model>> {
    let user = viewer.require_any(&[Role::Organizer, Role::Viewer, Role::Admin])?;
    let department_id = if user.reads_everything() {
        q.department_id
    } else {
        let own = user
            .department_id
            .ok_or_else(|| AppError::of(Reason::NoDepartment))?;
        if q.department_id.is_some_and(|id| id != own) {
            return Err(AppError::of(Reason::NotOwnDepartment));
        }
        Some(own)
    };
    let mut cond = Condition::all();
    if let Some(id) = department_id {
        cond = cond.add(rectification::Column::DepartmentId.eq(id));
    }
    if let Some(status) = q.status {
        cond = cond.add(rectification::Column::Status.eq(status));
    }
    if let Some(overdue) = q.overdue {
        let late = Condition::all()
            .add(
                rectification::Column::Status
                    .is_in([RectificationStatus::Open, RectificationStatus::InProgress]),
            )
            .add(rectification::Column::DueAt.lt(Utc::now()));
        cond = cond.add(if overdue { late } else { late.not() });
    }
    let query = rectification::Entity::find().filter(cond);
    let order = Order::new()
        .desc(rectification::Column::CreatedAt, KeyKind::Time)
        .desc(rectification::Column::Id, KeyKind::Int);
    page::fetch(&state.db, query, &order, &page, |r| {
        vec![r.created_at.into(), r.id.into()]
    })
    .await
}

/// Moves a rectification forward (OPEN → IN_PROGRESS → RESOLVED → CLOSED; steps may be
/// skipped, never repeated or reversed). Reaching RESOLVED, or CLOSED without having been
/// resolved, needs the resolution text and sets resolvedAt.
#[tracing::instrument(skip(state, viewer, resolution), err(level = "info", Debug))]
pub async fn update_rectification(
    state: &AppState,
    viewer: &Viewer,
    id: i32,
    to: RectificationStatus,
    resolution: Option<String>,
) -> AppResult<rectification::Model> {
    let user = viewer.require_any(&[Role::Organizer, Role::Admin])?;
    let resolution = input::optional_text("resolution", resolution.as_deref(), MAX_TEXT_CHARS)?;
    let txn = begin_write(&state.writer).await?;
    let current = find(&txn, id).await?;
    if !user.may_manage_department(current.department_id) {
        return Err(AppError::of(Reason::NotOwnDepartment));
    }
    let refused = || {
        AppError::of(Reason::InvalidStatusChange {
            from: current.status.to_value().to_string(),
            to: to.to_value().to_string(),
        })
    };
    if stage(to) <= stage(current.status)
        || matches!(
            to,
            RectificationStatus::NotSubstantiated | RectificationStatus::Voided
        )
    {
        return Err(refused());
    }
    let resolved = stage(RectificationStatus::Resolved);
    let resolving = stage(current.status) < resolved && stage(to) >= resolved;
    if resolving && resolution.is_none() {
        return Err(AppError::input("resolution", Reason::NoteRequired));
    }
    if stage(to) < resolved && resolution.is_some() {
        return Err(AppError::input(
            "resolution",
            Reason::ResolutionOnlyWhenResolved,
        ));
    }
    let now = Utc::now();
    let mut update = rectification::Entity::update_many()
        .col_expr(rectification::Column::Status, Expr::value(to))
        .col_expr(rectification::Column::UpdatedAt, Expr::value(now))
        .filter(rectification::Column::Id.eq(id))
        // Conditional on the state just read, so of two racing updates only one applies.
        .filter(rectification::Column::Status.eq(current.status));
    if let Some(text) = resolution {
        update = update.col_expr(rectification::Column::Resolution, Expr::value(text));
    }
    if resolving {
        update = update.col_expr(rectification::Column::ResolvedAt, Expr::value(now));
    }
    if update.exec(&txn).await?.rows_affected == 0 {
        return Err(refused());
    }
    audit::record(
        &txn,
        viewer,
        audit::AuditAction::RectificationUpdate,
        Some(id),
    )
    .await?;
    let updated = find(&txn, id).await?;
    txn.commit().await?;
    state.dashboards_changed().await;
    Ok(updated)
}

/// Verification (核实), the first step: only an OPEN rectification. Substantiated, work
/// starts (IN_PROGRESS); not substantiated, it ends (NOT_SUBSTANTIATED) with the reason,
/// which the resident sees. Organizers of its department and admins; audited.
pub async fn verify(
    state: &AppState,
    viewer: &Viewer,
    id: i32,
    substantiated: bool,
    note: Option<String>,
) -> AppResult<rectification::Model> {
    let user = viewer.require_any(&[Role::Organizer, Role::Admin])?;
    let note = input::optional_text("note", note.as_deref(), MAX_TEXT_CHARS)?;
    if !substantiated && note.is_none() {
        return Err(AppError::input("note", Reason::NoteRequired));
    }
    let txn = begin_write(&state.writer).await?;
    let current = find(&txn, id).await?;
    if !user.may_manage_department(current.department_id) {
        return Err(AppError::of(Reason::NotOwnDepartment));
    }
    if current.status != RectificationStatus::Open {
        return Err(AppError::of(Reason::RectificationNotOpen));
    }
    let to = if substantiated {
        RectificationStatus::InProgress
    } else {
        RectificationStatus::NotSubstantiated
    };
    let now = Utc::now();
    let changed = rectification::Entity::update_many()
        .col_expr(rectification::Column::Status, Expr::value(to))
        .col_expr(rectification::Column::VerificationNote, Expr::value(note))
        .col_expr(rectification::Column::VerifiedAt, Expr::value(now))
        .col_expr(rectification::Column::UpdatedAt, Expr::value(now))
        .filter(rectification::Column::Id.eq(id))
        .filter(rectification::Column::Status.eq(RectificationStatus::Open))
        .exec(&txn)
        .await?;
    if changed.rows_affected == 0 {
        return Err(AppError::of(Reason::RectificationNotOpen));
    }
    audit::record(
        &txn,
        viewer,
        audit::AuditAction::RectificationVerify,
        Some(id),
    )
    .await?;
    let updated = find(&txn, id).await?;
    txn.commit().await?;
    state.dashboards_changed().await;
    Ok(updated)
}

/// The office (VIEWER, 文明办) or an admin reopens a NOT_SUBSTANTIATED rectification: work
/// starts (IN_PROGRESS) with a new deadline, and `reopenCount` grows. Audited.
pub async fn reopen(
    state: &AppState,
    viewer: &Viewer,
    id: i32,
    note: &str,
) -> AppResult<rectification::Model> {
    viewer.require_any(&[Role::Viewer, Role::Admin])?;
    let note = input::text("note", note, MAX_TEXT_CHARS)?;
    let deadlines = Deadlines::load(state).await?;
    let txn = begin_write(&state.writer).await?;
    let current = find(&txn, id).await?;
    if current.status != RectificationStatus::NotSubstantiated {
        return Err(AppError::of(Reason::RectificationNotRejected));
    }
    let survey = entity::survey::Entity::find_by_id(current.survey_id)
        .one(&txn)
        .await?
        .ok_or(AppError::not_found(Thing::Survey))?;
    let now = Utc::now();
    let due_at = deadlines.due_at(&survey, crate::domain::calendar::local_date(now));
    let changed = rectification::Entity::update_many()
        .col_expr(
            rectification::Column::Status,
            Expr::value(RectificationStatus::InProgress),
        )
        .col_expr(rectification::Column::DueAt, Expr::value(due_at))
        .col_expr(
            rectification::Column::ReopenCount,
            sea_orm::sea_query::ExprTrait::add(Expr::col(rectification::Column::ReopenCount), 1),
        )
        .col_expr(
            rectification::Column::VerificationNote,
            Expr::value(format!(
                "{}（已由文明办重新启动：{note}）",
                current.verification_note.clone().unwrap_or_default()
            )),
        )
        .col_expr(rectification::Column::UpdatedAt, Expr::value(now))
        .filter(rectification::Column::Id.eq(id))
        .filter(rectification::Column::Status.eq(RectificationStatus::NotSubstantiated))
        .exec(&txn)
        .await?;
    if changed.rows_affected == 0 {
        return Err(AppError::of(Reason::RectificationNotRejected));
    }
    audit::record(
        &txn,
        viewer,
        audit::AuditAction::RectificationReopen,
        Some(id),
    )
    .await?;
    let updated = find(&txn, id).await?;
    // A new deadline: its checks move with it.
    crate::domain::notifications::scheduler::schedule_deadlines(&txn, id, updated.due_at).await?;
    txn.commit().await?;
    state.dashboards_changed().await;
    Ok(updated)
}

/// The department's follow-up (回访) of a RESOLVED rectification; organizers of its
/// department and admins. See [`settle`] for what the rating does.
pub async fn record_follow_up(
    state: &AppState,
    viewer: &Viewer,
    id: i32,
    channel: FollowUpChannel,
    rating: FollowUpRating,
    note: Option<String>,
) -> AppResult<rectification::Model> {
    let user = viewer.require_any(&[Role::Organizer, Role::Admin])?;
    let note = input::optional_text("note", note.as_deref(), MAX_TEXT_CHARS)?;
    // A DISSATISFIED rating reopens with a new deadline (see [`settle`]).
    let deadlines = Deadlines::load(state).await?;
    let txn = begin_write(&state.writer).await?;
    let current = find(&txn, id).await?;
    if !user.may_manage_department(current.department_id) {
        return Err(AppError::of(Reason::NotOwnDepartment));
    }
    let updated = settle(
        &txn, viewer, current, false, channel, rating, note, &deadlines,
    )
    .await?;
    txn.commit().await?;
    state.dashboards_changed().await;
    Ok(updated)
}

/// The resident rates the result themselves in the app: the respondent only (on an
/// anonymous survey, recognised by their keyed hash, never by name), once.
pub async fn rate(
    state: &AppState,
    viewer: &Viewer,
    id: i32,
    rating: FollowUpRating,
    comment: Option<String>,
) -> AppResult<rectification::Model> {
    let user = viewer.require()?;
    let comment = input::optional_text("comment", comment.as_deref(), MAX_TEXT_CHARS)?;
    // A DISSATISFIED rating reopens with a new deadline (see [`settle`]).
    let deadlines = Deadlines::load(state).await?;
    let txn = begin_write(&state.writer).await?;
    let current = find(&txn, id).await?;
    let response = entity::survey_response::Entity::find_by_id(current.response_id)
        .one(&txn)
        .await?
        .ok_or(AppError::not_found(Thing::Rectification))?;
    let key = super::service::respondent_key(&state.secrets, response.survey_id, user.id);
    let own = response.respondent_id == Some(user.id)
        || response.respondent_key.as_deref() == Some(key.as_str());
    if !own {
        // Someone else's complaint does not exist for this user.
        return Err(AppError::not_found(Thing::Rectification));
    }
    let updated = settle(
        &txn,
        viewer,
        current,
        true,
        FollowUpChannel::MiniProgram,
        rating,
        comment,
        &deadlines,
    )
    .await?;
    txn.commit().await?;
    state.dashboards_changed().await;
    Ok(updated)
}

/// A follow-up of a RESOLVED rectification: SATISFIED or BASICALLY_SATISFIED closes it;
/// DISSATISFIED reopens it (IN_PROGRESS, a new deadline, `reopenCount` + 1). Kept in its
/// follow-ups; audited.
#[allow(clippy::too_many_arguments)]
async fn settle(
    txn: &sea_orm::DatabaseTransaction,
    viewer: &Viewer,
    current: rectification::Model,
    by_resident: bool,
    channel: FollowUpChannel,
    rating: FollowUpRating,
    note: Option<String>,
    deadlines: &Deadlines,
) -> AppResult<rectification::Model> {
    use sea_orm::ActiveModelTrait;
    if current.status != RectificationStatus::Resolved {
        return Err(AppError::of(Reason::RectificationNotResolved));
    }
    let now = Utc::now();
    entity::rectification_follow_up::ActiveModel {
        rectification_id: sea_orm::Set(current.id),
        by_resident: sea_orm::Set(by_resident),
        channel: sea_orm::Set(channel),
        rating: sea_orm::Set(rating),
        note: sea_orm::Set(note),
        recorded_by: sea_orm::Set(viewer.require()?.id),
        recorded_at: sea_orm::Set(now),
        ..Default::default()
    }
    .insert(txn)
    .await?;
    let mut update = rectification::Entity::update_many()
        .col_expr(rectification::Column::UpdatedAt, Expr::value(now))
        .filter(rectification::Column::Id.eq(current.id))
        .filter(rectification::Column::Status.eq(RectificationStatus::Resolved));
    update = if rating == FollowUpRating::Dissatisfied {
        let survey = entity::survey::Entity::find_by_id(current.survey_id)
            .one(txn)
            .await?
            .ok_or(AppError::not_found(Thing::Survey))?;
        let due_at = deadlines.due_at(&survey, crate::domain::calendar::local_date(now));
        update
            .col_expr(
                rectification::Column::Status,
                Expr::value(RectificationStatus::InProgress),
            )
            .col_expr(rectification::Column::DueAt, Expr::value(due_at))
            .col_expr(
                rectification::Column::ReopenCount,
                sea_orm::sea_query::ExprTrait::add(
                    Expr::col(rectification::Column::ReopenCount),
                    1,
                ),
            )
    } else {
        update.col_expr(
            rectification::Column::Status,
            Expr::value(RectificationStatus::Closed),
        )
    };
    if update.exec(txn).await?.rows_affected == 0 {
        return Err(AppError::of(Reason::RectificationNotResolved));
    }
    audit::record(
        txn,
        viewer,
        audit::AuditAction::RectificationFollowUp,
        Some(current.id),
    )
    .await?;
    let updated = find(txn, current.id).await?;
    if rating == FollowUpRating::Dissatisfied {
        crate::domain::notifications::scheduler::schedule_deadlines(
            txn,
            updated.id,
            updated.due_at,
        )
        .await?;
    }
    Ok(updated)
}

/// A rectification's follow-ups, oldest first.
pub async fn follow_ups<C: sea_orm::ConnectionTrait>(
    db: &C,
    id: i32,
) -> AppResult<Vec<entity::rectification_follow_up::Model>> {
    use entity::rectification_follow_up as follow_up;
    Ok(follow_up::Entity::find()
        .filter(follow_up::Column::RectificationId.eq(id))
        .order_by_asc(follow_up::Column::Id)
        .all(db)
        .await?)
}

/// What `publicRectifications` lists: handled ones (RESOLVED, CLOSED, NOT_SUBSTANTIATED)
/// opened in the range, of one department or all, newest first; for an organizer asking
/// about their own department, every one of theirs with the overdue ones first.
#[derive(Debug, Default, Clone)]
pub struct PublicQuery {
    pub department_id: Option<i32>,
    pub from: Option<chrono::NaiveDate>,
    pub to: Option<chrono::NaiveDate>,
}

/// Publication (公开): anyone may read how complaints were handled; the rows carry no
/// identity and nothing the resident wrote (the GraphQL type shows only the department,
/// the survey, the dates, on time or not, the resolution and the resident's rating).
pub async fn published(
    state: &AppState,
    viewer: &Viewer,
    q: &PublicQuery,
    page: Page,
) -> AppResult<crate::domain::page::Page<rectification::Model>> {
    for (field, day) in [("range.from", q.from), ("range.to", q.to)] {
        if let Some(day) = day
            && !(2000..=2100).contains(&chrono::Datelike::year(&day))
        {
            return Err(AppError::input(field, Reason::YearOutOfRange));
        }
    }
    let own = viewer.user().is_some_and(|user| {
        user.has(Role::Organizer)
            && q.department_id.is_some()
            && user.department_id == q.department_id
    });
    let mut cond = Condition::all();
    if let Some(id) = q.department_id {
        cond = cond.add(rectification::Column::DepartmentId.eq(id));
    }
    if !own {
        cond = cond.add(rectification::Column::Status.is_in([
            RectificationStatus::Resolved,
            RectificationStatus::Closed,
            RectificationStatus::NotSubstantiated,
        ]));
    }
    if let Some(from) = q.from {
        cond = cond
            .add(rectification::Column::CreatedAt.gte(crate::domain::calendar::start_of_day(from)));
    }
    if let Some(to) = q.to {
        let end = crate::domain::calendar::start_of_day(to.succ_opt().unwrap_or(to));
        cond = cond.add(rectification::Column::CreatedAt.lt(end));
    }
    let query = rectification::Entity::find().filter(cond);
    let open = |r: &rectification::Model| {
        matches!(
            r.status,
            RectificationStatus::Open | RectificationStatus::InProgress
        )
    };
    if own {
        // Open ones first, earliest deadline first: the overdue ones lead.
        let order = Order::new()
            .asc(
                sea_orm::sea_query::Expr::cust(format!(
                    "CASE WHEN rectifications.status IN {} THEN 0 ELSE 1 END",
                    crate::db::sql_values([
                        RectificationStatus::Open,
                        RectificationStatus::InProgress
                    ])
                )),
                KeyKind::Int,
            )
            .asc(rectification::Column::DueAt, KeyKind::Time)
            .desc(rectification::Column::CreatedAt, KeyKind::Time)
            .desc(rectification::Column::Id, KeyKind::Int);
        return page::fetch(&state.db, query, &order, &page, |r| {
            vec![
                (!open(r)).into(),
                r.due_at.into(),
                r.created_at.into(),
                r.id.into(),
            ]
        })
        .await;
    }
    let order = Order::new()
        .desc(rectification::Column::CreatedAt, KeyKind::Time)
        .desc(rectification::Column::Id, KeyKind::Int);
    page::fetch(&state.db, query, &order, &page, |r| {
        vec![r.created_at.into(), r.id.into()]
    })
    .await
}

/// The rectification, or NOT_FOUND.
async fn find<C: sea_orm::ConnectionTrait>(db: &C, id: i32) -> AppResult<rectification::Model> {
    rectification::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(AppError::not_found(Thing::Rectification))
}
