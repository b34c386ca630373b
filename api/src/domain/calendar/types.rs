//! The working-day calendar as GraphQL shows it.

use async_graphql::{Enum, InputObject, SimpleObject};

use entity::calendar_day;
use entity::enums::DayKind as DbDayKind;

use crate::graphql::scalars::Date;

/// How a listed day differs from the week's rule.
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "DbDayKind")]
pub enum DayKind {
    /// A day off, even on a weekday (法定节假日, or a day of its 调休).
    Off,
    /// A working day, even on a weekend (调休上班).
    Work,
}

/// A listed day of the calendar.
#[derive(SimpleObject)]
pub struct CalendarDay {
    pub date: Date,
    pub kind: DayKind,
    /// e.g. 春节, 国庆节调休上班.
    pub name: String,
    /// The State Council's notice (e.g. 国办发明电〔2024〕12号), or the admin who set it.
    pub source: String,
}

impl From<calendar_day::Model> for CalendarDay {
    fn from(day: calendar_day::Model) -> Self {
        CalendarDay {
            date: Date(day.day),
            kind: day.kind.into(),
            name: day.name,
            source: day.source,
        }
    }
}

/// One year of the working-day calendar: weekends rest and weekdays work, except the days
/// listed.
#[derive(SimpleObject)]
pub struct WorkingCalendarYear {
    pub year: i32,
    /// The listed days, in order.
    pub days: Vec<CalendarDay>,
    /// Working days in the year, listed days counted.
    pub working_day_count: i32,
}

/// A day to list (OFF or WORK, with its name), or to unlist (`kind` null: the week's rule
/// applies again).
#[derive(InputObject)]
pub struct CalendarDayInput {
    pub date: Date,
    pub kind: Option<DayKind>,
    /// At most 32 characters; required with a kind.
    pub name: Option<String>,
}
