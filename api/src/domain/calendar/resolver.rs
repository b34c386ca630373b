//! The working-day calendar: anyone reads it; admins change it.

use async_graphql::{Context, Object};
use chrono::{Datelike, NaiveDate};

use crate::auth::RoleGuard;
use crate::auth::guard::ADMINS;
use crate::error::{AppError, GqlResult, Reason, Thing};
use crate::graphql::ContextExt;
use crate::graphql::scalars::Date;

use super::service::{self, DayChange};
use super::types::{CalendarDay, CalendarDayInput, WorkingCalendarYear};

#[derive(Default)]
pub struct CalendarQuery;

#[Object]
impl CalendarQuery {
    /// The year's holidays and make-up working days (2000–2100), as deadlines count them.
    async fn working_calendar(
        &self,
        ctx: &Context<'_>,
        year: i32,
    ) -> GqlResult<WorkingCalendarYear> {
        let days = service::listed_days(ctx.state(), year).await?;
        let calendar = service::working_calendar(ctx.state()).await?;
        let mut day =
            NaiveDate::from_ymd_opt(year, 1, 1).ok_or(AppError::not_found(Thing::Year))?;
        let mut working = 0;
        while day.year() == year {
            if calendar.is_working_day(day) {
                working += 1;
            }
            match day.succ_opt() {
                Some(next) => day = next,
                None => break,
            }
        }
        Ok(WorkingCalendarYear {
            year,
            days: days.into_iter().map(Into::into).collect(),
            working_day_count: working,
        })
    }

    /// The day that ends `days` working days (0–300) after `date`, the date itself not
    /// counted: how the product's deadlines are computed.
    async fn add_working_days(&self, ctx: &Context<'_>, date: Date, days: i32) -> GqlResult<Date> {
        let n = u32::try_from(days)
            .ok()
            .filter(|n| *n <= crate::domain::calendar::MAX_WORKING_DAYS)
            .ok_or_else(|| AppError::input("days", Reason::OutOfRange { min: 0, max: 300 }))?;
        if !service::YEARS.contains(&date.0.year()) {
            return Err(AppError::input("date", Reason::YearOutOfRange).into());
        }
        let calendar = service::working_calendar(ctx.state()).await?;
        Ok(Date(calendar.add_working_days(date.0, n).ok_or_else(
            || AppError::input("date", Reason::OutsideCalendar),
        )?))
    }
}

#[derive(Default)]
pub struct CalendarMutation;

#[Object]
impl CalendarMutation {
    /// Admins: list days as OFF or WORK (a new year's notice, a local arrangement), or
    /// unlist them; at most 366 per call. Audited.
    #[graphql(guard = "RoleGuard::any(ADMINS)")]
    async fn set_calendar_days(
        &self,
        ctx: &Context<'_>,
        days: Vec<CalendarDayInput>,
    ) -> GqlResult<Vec<CalendarDay>> {
        let changes = days
            .into_iter()
            .map(|day| DayChange {
                day: day.date.0,
                kind: day.kind.map(Into::into),
                name: day.name,
            })
            .collect();
        Ok(service::set_days(ctx.state(), ctx.viewer(), changes)
            .await?
            .into_iter()
            .map(Into::into)
            .collect())
    }
}
