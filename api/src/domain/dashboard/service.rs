//! Who may see which dashboard, and the cache in front of every figure.
//!
//! Each figure is cached on its own under the dashboard version, the viewer's scope and
//! its arguments. Every write that changes a figure bumps the version before it returns
//! (`AppState::dashboards_changed`), so a later query on any instance reads a new key and
//! recomputes. When Redis is configured but unreachable the version is unknown: figures
//! are then computed from the database and not cached (the cache logs the outage once and
//! counts its errors; `tongxin_dashboard_uncached_total` counts the answers given so).

use std::future::Future;

use chrono::{NaiveDate, Utc};
use sea_orm::DbErr;
use serde::Serialize;
use serde::de::DeserializeOwned;

use entity::enums::Role;

use crate::auth::Viewer;
use crate::auth::guard::READERS;
use crate::cache::{CacheKey, Lookup};
use crate::context::AppState;
use crate::domain::page::MAX_PAGE;
use crate::error::{AppError, AppResult, Reason};

pub use super::queries::Filter;
use super::queries::{
    self, CategoryRow, DepartmentHoursRow, HandlingRow, MonthRow, MonthSatisfactionRow,
    OverviewFigures, PairingRow, SatisfactionRow, VolunteerRow,
};

/// One dashboard request, checked: what it counts, whose figures they are, and the data
/// version its cached figures are keyed by.
#[derive(Debug, Clone)]
pub struct DashboardScope {
    pub filter: Filter,
    /// "all" for viewers and admins, "dept:<id>" for an organizer.
    scope: String,
    /// `None` while Redis is unreachable: nothing cached can be trusted then.
    version: Option<u64>,
}

impl DashboardScope {
    fn args(&self, figure: &str) -> String {
        fn or_dash<T: ToString>(value: Option<T>) -> String {
            value.map_or_else(|| "-".to_owned(), |v| v.to_string())
        }
        format!(
            "{figure}:{}:{}:{}",
            or_dash(self.filter.from),
            or_dash(self.filter.to),
            or_dash(self.filter.department_id)
        )
    }
}

/// Checks the arguments against the viewer. Viewers and admins see every department and may
/// pick one; an organizer sees only their own department, which is also what they get
/// without `departmentId`. A range with neither bound is no range; one whose `from` is
/// after its `to` is refused.
#[tracing::instrument(skip(state, viewer), err(level = "info", Debug))]
pub async fn open(
    state: &AppState,
    viewer: &Viewer,
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
    department_id: Option<i32>,
) -> AppResult<DashboardScope> {
    let user = viewer.require_any(READERS)?;
    for (day, field) in [(from, "range.from"), (to, "range.to")] {
        if day.is_some_and(|day| !(2000..=2100).contains(&chrono::Datelike::year(&day))) {
            return Err(AppError::input(field, Reason::YearOutOfRange));
        }
    }
    if let (Some(from), Some(to)) = (from, to)
        && from > to
    {
        return Err(AppError::input("range", Reason::TimeOrder));
    }
    let (scope, department_id) = if user.reads_everything() {
        ("all".to_owned(), department_id)
    } else {
        let own = user
            .department_id
            .filter(|_| user.has(Role::Organizer))
            .ok_or_else(|| AppError::of(Reason::NoDepartment))?;
        if department_id.is_some_and(|asked| asked != own) {
            return Err(AppError::of(Reason::NotOwnDepartment));
        }
        (format!("dept:{own}"), Some(own))
    };
    let version = state.cache.version(&CacheKey::DashboardVersion).await;
    if version.is_none() {
        metrics::counter!("tongxin_dashboard_uncached_total").increment(1);
    }
    Ok(DashboardScope {
        filter: Filter {
            from,
            to,
            department_id,
        },
        scope,
        version,
    })
}

/// The cached copy when there is a usable one, else `compute` (cached for the next query;
/// concurrent misses of one figure run one `compute`).
async fn cached<T, Fut>(
    state: &AppState,
    dashboard: &DashboardScope,
    args: String,
    still_valid: impl Fn(&T) -> bool,
    compute: impl FnOnce() -> Fut,
) -> AppResult<T>
where
    T: Serialize + DeserializeOwned,
    Fut: Future<Output = Result<T, DbErr>>,
{
    let Some(version) = dashboard.version else {
        return Ok(compute().await?);
    };
    let key = CacheKey::Dashboard {
        version,
        scope: dashboard.scope.clone(),
        args,
    };
    let computed = async {
        let value = compute().await;
        let json = match &value {
            Ok(value) => serde_json::to_string(value)
                .inspect_err(|err| tracing::warn!(error = %err, "dashboard figure not cacheable"))
                .ok(),
            Err(_) => None,
        };
        (value, json)
    };
    let read = |json: &str| match serde_json::from_str::<T>(json) {
        Ok(value) => still_valid(&value).then_some(value),
        Err(err) => {
            tracing::warn!(error = %err, key = key.name(), "unreadable cached dashboard figure");
            None
        }
    };
    match state.cache.get_or_compute(&key, read, computed).await {
        Lookup::Stored(value) => Ok(value),
        Lookup::Computed(value) => Ok(value?),
    }
}

fn always<T>(_: &T) -> bool {
    true
}

#[tracing::instrument(skip(state), err(level = "info", Debug))]
pub async fn overview(state: &AppState, dashboard: &DashboardScope) -> AppResult<OverviewFigures> {
    cached(
        state,
        dashboard,
        dashboard.args("overview"),
        // The overdue count changes when a deadline passes, not only on writes.
        |figures: &OverviewFigures| figures.still_valid_at(Utc::now()),
        || queries::overview(&state.figures, &dashboard.filter, Utc::now()),
    )
    .await
}

#[tracing::instrument(skip(state), err(level = "info", Debug))]
pub async fn hours_by_department(
    state: &AppState,
    dashboard: &DashboardScope,
) -> AppResult<Vec<DepartmentHoursRow>> {
    cached(
        state,
        dashboard,
        dashboard.args("hoursByDepartment"),
        always,
        || queries::hours_by_department(&state.figures, &dashboard.filter),
    )
    .await
}

#[tracing::instrument(skip(state), err(level = "info", Debug))]
pub async fn hours_by_month(
    state: &AppState,
    dashboard: &DashboardScope,
) -> AppResult<Vec<MonthRow>> {
    cached(
        state,
        dashboard,
        dashboard.args("hoursByMonth"),
        always,
        || queries::hours_by_month(&state.figures, &dashboard.filter),
    )
    .await
}

#[tracing::instrument(skip(state), err(level = "info", Debug))]
pub async fn activities_by_category(
    state: &AppState,
    dashboard: &DashboardScope,
) -> AppResult<Vec<CategoryRow>> {
    cached(
        state,
        dashboard,
        dashboard.args("activitiesByCategory"),
        always,
        || queries::activities_by_category(&state.figures, &dashboard.filter),
    )
    .await
}

#[tracing::instrument(skip(state), err(level = "info", Debug))]
pub async fn satisfaction_by_department(
    state: &AppState,
    dashboard: &DashboardScope,
) -> AppResult<Vec<SatisfactionRow>> {
    cached(
        state,
        dashboard,
        dashboard.args("satisfactionByDepartment"),
        always,
        || queries::satisfaction_by_department(&state.figures, &dashboard.filter),
    )
    .await
}

/// The 好差评 figures per department; kept until the next open deadline passes.
#[tracing::instrument(skip(state), err(level = "info", Debug))]
pub async fn feedback_handling(
    state: &AppState,
    dashboard: &DashboardScope,
) -> AppResult<Vec<HandlingRow>> {
    cached(
        state,
        dashboard,
        dashboard.args("feedbackHandling"),
        |rows: &Vec<HandlingRow>| {
            let now = Utc::now();
            rows.iter()
                .all(|row| row.next_due_at.is_none_or(|due| now < due))
        },
        || queries::feedback_handling(&state.figures, &dashboard.filter, Utc::now()),
    )
    .await
}

#[tracing::instrument(skip(state), err(level = "info", Debug))]
pub async fn satisfaction_by_month(
    state: &AppState,
    dashboard: &DashboardScope,
) -> AppResult<Vec<MonthSatisfactionRow>> {
    cached(
        state,
        dashboard,
        dashboard.args("satisfactionByMonth"),
        always,
        || queries::satisfaction_by_month(&state.figures, &dashboard.filter),
    )
    .await
}

#[tracing::instrument(skip(state), err(level = "info", Debug))]
pub async fn pairing_progress(
    state: &AppState,
    dashboard: &DashboardScope,
) -> AppResult<Vec<PairingRow>> {
    cached(
        state,
        dashboard,
        dashboard.args("pairingProgress"),
        always,
        || queries::pairing_progress(&state.figures, &dashboard.filter),
    )
    .await
}

/// At most 100 volunteers, like any list of the API; a negative limit is refused.
#[tracing::instrument(skip(state), err(level = "info", Debug))]
pub async fn top_volunteers(
    state: &AppState,
    dashboard: &DashboardScope,
    limit: i32,
) -> AppResult<Vec<VolunteerRow>> {
    if limit < 0 {
        return Err(AppError::input("limit", Reason::Negative));
    }
    let limit = (limit as u64).min(MAX_PAGE);
    let args = format!("{}:{limit}", dashboard.args("topVolunteers"));
    cached(state, dashboard, args, always, || {
        queries::top_volunteers(&state.figures, &dashboard.filter, limit)
    })
    .await
}

/// Overdue reviews per department (Art 11), as of today: not cached, since the count
/// changes when a day passes (the whole answer is kept until the next local midnight).
#[tracing::instrument(skip(state), err(level = "info", Debug))]
pub async fn overdue_reviews(
    state: &AppState,
    dashboard: &DashboardScope,
) -> AppResult<Vec<queries::OverdueReviewRow>> {
    let last = crate::domain::hours::service::overdue_review_end(state).await?;
    let ended_before = crate::domain::calendar::start_of_day(last.succ_opt().unwrap_or(last));
    Ok(queries::overdue_reviews(&state.figures, &dashboard.filter, ended_before, last).await?)
}
