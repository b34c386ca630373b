//! The bureau's clock and calendar: UTC+8 all year, and which days are working days
//! (Monday to Friday, but for the statutory holidays and the weekend days worked to make
//! up for them, as the State Council publishes them every year). Rectification deadlines
//! and the recording deadline of service hours count working days through
//! [`WorkingCalendar::add_working_days`].

pub mod resolver;
pub mod service;
pub mod types;

use std::collections::BTreeMap;

use chrono::{DateTime, Datelike, FixedOffset, NaiveDate, Utc, Weekday};

use entity::enums::DayKind;

/// Asia/Shanghai: UTC+8 all year (no daylight saving since 1991).
pub fn shanghai() -> FixedOffset {
    FixedOffset::east_opt(8 * 3600).expect("valid offset")
}

/// Timestamps leave the API in the bureau's zone, e.g. 2022-03-05T09:00:00+08:00.
pub fn local(at: DateTime<Utc>) -> DateTime<FixedOffset> {
    at.with_timezone(&shanghai())
}

/// The calendar date of a timestamp in +08:00: dashboards group by it.
pub fn local_date(at: DateTime<Utc>) -> NaiveDate {
    local(at).date_naive()
}

/// The first instant of a local day.
pub fn start_of_day(day: NaiveDate) -> DateTime<Utc> {
    day.and_hms_opt(0, 0, 0)
        .and_then(|at| at.and_local_timezone(shanghai()).single())
        .map(|at| at.to_utc())
        .unwrap_or_else(Utc::now)
}

/// Today in +08:00.
pub fn today() -> NaiveDate {
    local_date(Utc::now())
}

/// The most working days a deadline may count: more than a year of them.
pub const MAX_WORKING_DAYS: u32 = 300;

/// The listed days over the week's rule. Years nobody listed (before 2022, after the last
/// published notice) follow the week's rule alone.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WorkingCalendar {
    listed: BTreeMap<NaiveDate, DayKind>,
}

impl WorkingCalendar {
    pub fn new(days: impl IntoIterator<Item = (NaiveDate, DayKind)>) -> Self {
        WorkingCalendar {
            listed: days.into_iter().collect(),
        }
    }

    /// A listed OFF day rests even on a weekday; a listed WORK day works even on a
    /// weekend; any other day works from Monday to Friday.
    pub fn is_working_day(&self, day: NaiveDate) -> bool {
        match self.listed.get(&day) {
            Some(DayKind::Off) => false,
            Some(DayKind::Work) => true,
            None => !matches!(day.weekday(), Weekday::Sat | Weekday::Sun),
        }
    }

    /// The day that ends `n` working days after `day` (the day itself not counted):
    /// opened on a Friday, 1 working day is the next Monday. `n` is at most
    /// [`MAX_WORKING_DAYS`]; `None` only past the end of the calendar.
    pub fn add_working_days(&self, day: NaiveDate, n: u32) -> Option<NaiveDate> {
        let mut day = day;
        let mut left = n.min(MAX_WORKING_DAYS);
        while left > 0 {
            day = day.succ_opt()?;
            if self.is_working_day(day) {
                left -= 1;
            }
        }
        Some(day)
    }

    /// Working days in `(from, to]`: how many of them have passed since `from` by `to`.
    pub fn working_days_between(&self, from: NaiveDate, to: NaiveDate) -> u32 {
        let mut count = 0;
        let mut day = from;
        while day < to && count < MAX_WORKING_DAYS * 10 {
            match day.succ_opt() {
                Some(next) => day = next,
                None => break,
            }
            if self.is_working_day(day) {
                count += 1;
            }
        }
        count
    }

    /// How many days are listed.
    pub fn len(&self) -> usize {
        self.listed.len()
    }

    pub fn is_empty(&self) -> bool {
        self.listed.is_empty()
    }

    /// The listed days of a year, in order.
    pub fn listed_in(&self, year: i32) -> impl Iterator<Item = (NaiveDate, DayKind)> + '_ {
        let first = NaiveDate::from_ymd_opt(year, 1, 1).unwrap_or(NaiveDate::MIN);
        let last = NaiveDate::from_ymd_opt(year, 12, 31).unwrap_or(NaiveDate::MAX);
        self.listed
            .range(first..=last)
            .map(|(day, kind)| (*day, *kind))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").expect("a date")
    }

    /// The State Council's 2024 Spring Festival and National Day, as the migration ships
    /// them: 2-10..2-17 and 10-1..10-7 off; 2-4, 2-18, 9-29 and 10-12 worked.
    fn calendar_2024() -> WorkingCalendar {
        let mut days: Vec<(NaiveDate, DayKind)> = Vec::new();
        for d in 10..=17 {
            days.push((day(&format!("2024-02-{d:02}")), DayKind::Off));
        }
        for d in 1..=7 {
            days.push((day(&format!("2024-10-{d:02}")), DayKind::Off));
        }
        for d in ["2024-02-04", "2024-02-18", "2024-09-29", "2024-10-12"] {
            days.push((day(d), DayKind::Work));
        }
        WorkingCalendar::new(days)
    }

    #[test]
    fn weekends_rest_and_weekdays_work_unless_listed() {
        let calendar = calendar_2024();
        assert!(calendar.is_working_day(day("2024-02-05")), "a Monday");
        assert!(!calendar.is_working_day(day("2024-02-03")), "a Saturday");
        assert!(
            calendar.is_working_day(day("2024-02-04")),
            "a Sunday worked (调休)"
        );
        assert!(
            !calendar.is_working_day(day("2024-02-12")),
            "a Monday of the Spring Festival"
        );
    }

    #[test]
    fn working_days_skip_the_spring_festival_and_count_its_make_up_sunday() {
        let calendar = calendar_2024();
        // Friday 2024-02-09: the next working day is Sunday 2-18 (worked), then Monday 2-19.
        assert_eq!(
            calendar.add_working_days(day("2024-02-09"), 1),
            Some(day("2024-02-18"))
        );
        assert_eq!(
            calendar.add_working_days(day("2024-02-09"), 2),
            Some(day("2024-02-19"))
        );
        // Five working days from Thursday 2-8: 2-9, 2-18, 2-19, 2-20, 2-21.
        assert_eq!(
            calendar.add_working_days(day("2024-02-08"), 5),
            Some(day("2024-02-21"))
        );
        assert_eq!(
            calendar.add_working_days(day("2024-02-08"), 0),
            Some(day("2024-02-08"))
        );
    }

    #[test]
    fn working_days_skip_the_national_day_and_count_its_make_up_days() {
        let calendar = calendar_2024();
        // Friday 9-27, then Sunday 9-29 (worked), Monday 9-30, then 10-8 after the holiday.
        assert_eq!(
            calendar.add_working_days(day("2024-09-27"), 1),
            Some(day("2024-09-29"))
        );
        assert_eq!(
            calendar.add_working_days(day("2024-09-27"), 2),
            Some(day("2024-09-30"))
        );
        assert_eq!(
            calendar.add_working_days(day("2024-09-27"), 3),
            Some(day("2024-10-08"))
        );
        // Saturday 10-12 is worked.
        assert_eq!(
            calendar.add_working_days(day("2024-10-11"), 1),
            Some(day("2024-10-12"))
        );
        assert_eq!(
            calendar.working_days_between(day("2024-09-27"), day("2024-10-08")),
            3
        );
    }

    #[test]
    fn unlisted_years_follow_the_week() {
        let calendar = WorkingCalendar::default();
        // Friday 2030-02-01 + 1 working day: Monday 2030-02-04.
        assert_eq!(
            calendar.add_working_days(day("2030-02-01"), 1),
            Some(day("2030-02-04"))
        );
    }
}
