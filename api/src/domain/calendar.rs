//! The bureau's clock: UTC+8 all year, dates as the bureau's calendar shows them.

use chrono::{DateTime, FixedOffset, NaiveDate, Utc};

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

/// Today in +08:00.
pub fn today() -> NaiveDate {
    local_date(Utc::now())
}
