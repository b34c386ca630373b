//! The working-day calendar as stored: read (kept in the instance's memo until an admin
//! changes it), listed per year, and changed by admins.

use std::sync::Arc;

use chrono::{Datelike, NaiveDate};
use sea_orm::sea_query::OnConflict;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set};

use entity::calendar_day;
use entity::enums::{DayKind, Role};

use crate::auth::Viewer;
use crate::cache::CacheKey;
use crate::context::AppState;
use crate::domain::audit;
use crate::domain::input::{self, max};
use crate::error::{AppError, AppResult, Reason};

use super::WorkingCalendar;

/// Years the calendar may hold.
pub const YEARS: std::ops::RangeInclusive<i32> = 2000..=2100;
/// Days one `setCalendarDays` may change.
pub const MAX_CHANGES: usize = 366;

/// The calendar every deadline counts with. Kept in the instance's memory under the
/// calendar's version, which every change bumps (on every instance, through the cache).
pub async fn working_calendar(state: &AppState) -> AppResult<Arc<WorkingCalendar>> {
    let load = || async {
        let days = calendar_day::Entity::find().all(&state.db).await?;
        Ok::<_, AppError>(Arc::new(WorkingCalendar::new(
            days.into_iter().map(|d| (d.day, d.kind)),
        )))
    };
    match state.cache.version(&CacheKey::CalendarVersion).await {
        Some(version) => state
            .memo
            .get_or_load(
                version.to_string(),
                |calendar: &WorkingCalendar| calendar.len() * 48 + 256,
                load,
            )
            .await
            .map_err(|err| AppError::internal(anyhow::anyhow!("loading the calendar: {err:?}"))),
        None => load().await,
    }
}

/// The listed days of one year, in order.
pub async fn listed_days(state: &AppState, year: i32) -> AppResult<Vec<calendar_day::Model>> {
    check_year("year", year)?;
    let (first, last) = year_bounds(year);
    Ok(calendar_day::Entity::find()
        .filter(calendar_day::Column::Day.between(first, last))
        .order_by_asc(calendar_day::Column::Day)
        .all(&state.db)
        .await?)
}

fn year_bounds(year: i32) -> (NaiveDate, NaiveDate) {
    (
        NaiveDate::from_ymd_opt(year, 1, 1).unwrap_or(NaiveDate::MIN),
        NaiveDate::from_ymd_opt(year, 12, 31).unwrap_or(NaiveDate::MAX),
    )
}

fn check_year(field: &str, year: i32) -> AppResult<()> {
    if YEARS.contains(&year) {
        Ok(())
    } else {
        Err(AppError::input(field, Reason::YearOutOfRange))
    }
}

/// One day as an admin sets it: OFF or WORK with a name, or `None` to follow the week's
/// rule again.
#[derive(Debug, Clone)]
pub struct DayChange {
    pub day: NaiveDate,
    pub kind: Option<DayKind>,
    pub name: Option<String>,
}

/// Admins list or unlist days (a new year's notice, a local arrangement); audited. The
/// days of one call are distinct, within 2000–2100, at most [`MAX_CHANGES`].
pub async fn set_days(
    state: &AppState,
    viewer: &Viewer,
    changes: Vec<DayChange>,
) -> AppResult<Vec<calendar_day::Model>> {
    let user = viewer.require_any(&[Role::Admin])?;
    input::count("days", &changes, MAX_CHANGES)?;
    if changes.is_empty() {
        return Err(AppError::input("days", Reason::TooFew { min: 1 }));
    }
    let mut seen = std::collections::HashSet::new();
    let mut checked = Vec::with_capacity(changes.len());
    for (i, change) in changes.into_iter().enumerate() {
        check_year(&format!("days.{i}.date"), change.day.year())?;
        if !seen.insert(change.day) {
            return Err(AppError::input(format!("days.{i}.date"), Reason::Duplicate));
        }
        let name =
            input::optional_line(&format!("days.{i}.name"), change.name.as_deref(), max::NAME)?;
        if change.kind.is_some() && name.is_none() {
            return Err(AppError::input(
                format!("days.{i}.name"),
                Reason::HolidayNameRequired,
            ));
        }
        checked.push((change.day, change.kind, name.unwrap_or_default()));
    }
    let source = format!("管理员设置（用户 {}）", user.id);
    let txn = crate::db::begin_write(&state.writer).await?;
    let mut saved = Vec::new();
    for (day, kind, name) in &checked {
        match kind {
            None => {
                calendar_day::Entity::delete_by_id(*day).exec(&txn).await?;
            }
            Some(kind) => {
                calendar_day::Entity::insert(calendar_day::ActiveModel {
                    day: Set(*day),
                    kind: Set(*kind),
                    name: Set(name.clone()),
                    source: Set(source.clone()),
                })
                .on_conflict(
                    OnConflict::column(calendar_day::Column::Day)
                        .update_columns([
                            calendar_day::Column::Kind,
                            calendar_day::Column::Name,
                            calendar_day::Column::Source,
                        ])
                        .to_owned(),
                )
                .exec(&txn)
                .await?;
                saved.push(calendar_day::Model {
                    day: *day,
                    kind: *kind,
                    name: name.clone(),
                    source: source.clone(),
                });
            }
        }
    }
    audit::record(&txn, viewer, audit::AuditAction::CalendarUpdate, None).await?;
    txn.commit().await?;
    state.cache.bump(&CacheKey::CalendarVersion).await;
    state.dashboards_changed().await;
    Ok(saved)
}
