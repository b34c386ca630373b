//! The plan carried out (做好总结): the execution table per department and month, the
//! activity summaries organizers submit after an activity is completed, and the plan's
//! year-end summary that collects them.

use std::collections::{BTreeMap, HashMap};

use chrono::{Datelike, Utc};
use sea_orm::sea_query::ExprTrait;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};

use entity::enums::{ActivityStatus, Role, ServiceRecordStatus};
use entity::{activity, activity_summary, plan, service_record};

use crate::auth::Viewer;
use crate::auth::guard::READERS;
use crate::context::AppState;
use crate::db::begin_write;
use crate::domain::access::managed;
use crate::domain::audit;
use crate::domain::input::{self, max};
use crate::error::{AppError, AppResult, Reason, Thing};

/// At most this many people served by one activity.
pub const MAX_SERVED: i32 = 100_000;
/// At most this many groups named, each a label.
pub const MAX_GROUPS: usize = 20;

/// A summary as submitted.
#[derive(Debug, Clone)]
pub struct NewSummary {
    pub text: String,
    pub served_count: i32,
    pub served_groups: Vec<String>,
}

/// Submits (or replaces) the summary of a COMPLETED activity: organizers of its lead
/// departments and admins. Audited.
#[tracing::instrument(skip(state, viewer, new), err(level = "info", Debug))]
pub async fn submit_summary(
    state: &AppState,
    viewer: &Viewer,
    activity_id: i32,
    new: NewSummary,
) -> AppResult<activity_summary::Model> {
    let user = viewer.require()?;
    let text = input::text("text", &new.text, max::TEXT)?;
    if !(0..=MAX_SERVED).contains(&new.served_count) {
        return Err(AppError::input(
            "servedCount",
            Reason::OutOfRange {
                min: 0,
                max: i64::from(MAX_SERVED),
            },
        ));
    }
    let groups = input::lines("servedGroups", &new.served_groups, MAX_GROUPS, max::LABEL)?;
    let txn = begin_write(&state.writer).await?;
    let activity = managed(&txn, viewer, activity_id).await?;
    if activity.status != ActivityStatus::Completed {
        return Err(AppError::of(Reason::SummaryBeforeCompletion));
    }
    let now = Utc::now();
    let existing = activity_summary::Entity::find()
        .filter(activity_summary::Column::ActivityId.eq(activity_id))
        .one(&txn)
        .await?;
    let saved = match existing {
        Some(summary) => {
            let mut model: activity_summary::ActiveModel = summary.into();
            model.text = Set(text);
            model.served_count = Set(new.served_count);
            model.served_groups = Set(groups.into());
            model.submitted_by = Set(user.id);
            model.updated_at = Set(now);
            model.update(&txn).await?
        }
        None => {
            activity_summary::ActiveModel {
                activity_id: Set(activity_id),
                text: Set(text),
                served_count: Set(new.served_count),
                served_groups: Set(groups.into()),
                submitted_by: Set(user.id),
                submitted_at: Set(now),
                updated_at: Set(now),
                ..Default::default()
            }
            .insert(&txn)
            .await?
        }
    };
    audit::record(
        &txn,
        viewer,
        audit::AuditAction::ActivitySummarySubmit,
        Some(activity_id),
    )
    .await?;
    txn.commit().await?;
    Ok(saved)
}

/// One row of the execution table: a department (its primary one; 0 for none) and a month
/// (YYYY-MM of the activity's anchor day; `None` for undated ones).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ExecutionRow {
    pub department_id: i32,
    pub month: Option<String>,
    /// Every activity of the plan in the row, drafts included.
    pub planned: i64,
    pub held: i64,
    pub cancelled: i64,
    pub undated: i64,
    /// Held, and no summary submitted.
    pub missing_summary: i64,
}

/// The plan's activities that the viewer may account for: VIEWER and ADMIN all of them;
/// an ORGANIZER those their department leads primarily.
async fn plan_activities(
    state: &AppState,
    viewer: &Viewer,
    plan_id: i32,
) -> AppResult<(plan::Model, Vec<activity::Model>)> {
    let user = viewer.require_any(READERS)?;
    let plan = plan::Entity::find_by_id(plan_id)
        .one(&state.db)
        .await?
        .ok_or(AppError::not_found(Thing::Plan))?;
    let mut query = activity::Entity::find().filter(activity::Column::PlanId.eq(plan_id));
    if !user.reads_everything() {
        let own = user
            .department_id
            .filter(|_| user.has(Role::Organizer))
            .ok_or_else(|| AppError::of(Reason::NoDepartment))?;
        query = query.filter(activity::Column::PrimaryDepartmentId.eq(own));
    }
    let activities = query
        .order_by_asc(activity::Column::SeqNo)
        .order_by_asc(activity::Column::Id)
        .all(&state.db)
        .await?;
    Ok((plan, activities))
}

async fn summaries_of(
    state: &AppState,
    activities: &[activity::Model],
) -> AppResult<HashMap<i32, activity_summary::Model>> {
    let mut found = HashMap::new();
    for chunk in activities.chunks(max::IDS) {
        for summary in activity_summary::Entity::find()
            .filter(activity_summary::Column::ActivityId.is_in(chunk.iter().map(|a| a.id)))
            .all(&state.db)
            .await?
        {
            found.insert(summary.activity_id, summary);
        }
    }
    Ok(found)
}

/// `planExecution(planId)`: per department and month, planned, held (COMPLETED), cancelled,
/// undated, and held without a summary; by department, then month, undated last.
pub async fn execution(
    state: &AppState,
    viewer: &Viewer,
    plan_id: i32,
) -> AppResult<Vec<ExecutionRow>> {
    let (_, activities) = plan_activities(state, viewer, plan_id).await?;
    let summaries = summaries_of(state, &activities).await?;
    let mut rows: BTreeMap<(i32, Option<String>), ExecutionRow> = BTreeMap::new();
    for activity in &activities {
        let month = activity
            .start_date
            .map(|day| format!("{:04}-{:02}", day.year(), day.month()));
        let department_id = activity.primary_department_id.unwrap_or(0);
        let row = rows
            .entry((department_id, month.clone()))
            .or_insert_with(|| ExecutionRow {
                department_id,
                month,
                ..Default::default()
            });
        row.planned += 1;
        row.undated += i64::from(activity.start_date.is_none());
        match activity.status {
            ActivityStatus::Completed => {
                row.held += 1;
                row.missing_summary += i64::from(!summaries.contains_key(&activity.id));
            }
            ActivityStatus::Cancelled => row.cancelled += 1,
            _ => {}
        }
    }
    let mut rows: Vec<ExecutionRow> = rows.into_values().collect();
    // Undated last within each department (None sorts first in the map).
    rows.sort_by(|x, y| {
        x.department_id
            .cmp(&y.department_id)
            .then(x.month.is_none().cmp(&y.month.is_none()))
            .then(x.month.cmp(&y.month))
    });
    Ok(rows)
}

/// One activity in the year-end summary.
#[derive(Debug, Clone)]
pub struct SummaryEntry {
    pub activity: activity::Model,
    pub summary: Option<activity_summary::Model>,
    /// Approved minutes that count (`hours::takes_hours`).
    pub minutes: i64,
}

/// `planSummary(planId)`: the plan's activities in plan order with their summaries and
/// hours, and the totals.
#[derive(Debug, Clone)]
pub struct PlanSummary {
    pub plan: plan::Model,
    pub entries: Vec<SummaryEntry>,
}

pub async fn plan_summary(
    state: &AppState,
    viewer: &Viewer,
    plan_id: i32,
) -> AppResult<PlanSummary> {
    let (plan, activities) = plan_activities(state, viewer, plan_id).await?;
    let mut summaries = summaries_of(state, &activities).await?;
    let mut minutes: HashMap<i32, i64> = HashMap::new();
    for chunk in activities.chunks(max::IDS) {
        let rows: Vec<(i32, Option<i64>)> = service_record::Entity::find()
            .select_only()
            .column(service_record::Column::ActivityId)
            .column_as(
                sea_orm::sea_query::Expr::col(service_record::Column::Minutes)
                    .sum()
                    .cast_as("BIGINT"),
                "minutes",
            )
            .filter(service_record::Column::ActivityId.is_in(chunk.iter().map(|a| a.id)))
            .filter(service_record::Column::Status.eq(ServiceRecordStatus::Approved))
            .group_by(service_record::Column::ActivityId)
            .into_tuple()
            .all(&state.db)
            .await?;
        minutes.extend(rows.into_iter().map(|(id, m)| (id, m.unwrap_or(0))));
    }
    let entries = activities
        .into_iter()
        .map(|activity| SummaryEntry {
            summary: summaries.remove(&activity.id),
            minutes: if crate::domain::hours::takes_hours(activity.status) {
                minutes.get(&activity.id).copied().unwrap_or(0)
            } else {
                0
            },
            activity,
        })
        .collect();
    Ok(PlanSummary { plan, entries })
}
