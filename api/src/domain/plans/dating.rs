//! Dating the plan's time labels (活动时间): "3月5日", "“3·5学雷锋日”前后", "3-4月份",
//! "2022年元旦春节期间" … into a first and a last instant at +08:00, or a reason why not.

use std::cmp::Ordering;
use std::sync::LazyLock;

use chrono::{DateTime, Days, FixedOffset, Months, NaiveDate, NaiveTime, TimeZone};
use regex::Regex;

use super::text::{ascii_digit, is_invisible, regex};

/// All times in the product are Asia/Shanghai, which has had no DST since 1991.
const CHINA_TIME: FixedOffset = match FixedOffset::east_opt(8 * 3600) {
    Some(offset) => offset,
    None => panic!("+08:00 is a valid offset"),
};
/// A day labelled “前后” (around) is widened by this many days on either side.
const AROUND_DAYS: u64 = 3;
/// Dates a time label as the importer does, for labels entered or edited later:
/// `(first instant, last instant)` at +08:00, or `None` when the label names no date.
pub fn date_time_label(
    label: &str,
    year: i32,
) -> Option<(DateTime<FixedOffset>, DateTime<FixedOffset>)> {
    date_label(label, year)
        .ok()
        .map(|dated| (dated.starts_at, dated.ends_at))
}

pub(super) enum Undated {
    Unrecognized,
    /// The label has the shape of a date that the calendar does not have ("2·30").
    NoSuchDate(String),
}

pub(super) struct Dated {
    pub(super) starts_at: DateTime<FixedOffset>,
    pub(super) ends_at: DateTime<FixedOffset>,
    /// The day the label names (the festival of "重阳节前后", the first day of a range):
    /// `startDate`, dashboard ranges and the default service day use it.
    pub(super) anchor: NaiveDate,
    /// A year written in the label itself, which wins over the plan's.
    pub(super) stated_year: Option<i32>,
}

// Matched against the label after `normalize_for_dating`: ASCII digits, '-' for every
// dash, no quotes or whitespace.
static FULL_DATE: LazyLock<Regex> =
    LazyLock::new(|| regex(r"^([0-9]{4})[./．-]([0-9]{1,2})[./．-]([0-9]{1,2})[日号]?(.*)$"));
static YEAR_PREFIX: LazyLock<Regex> = LazyLock::new(|| regex(r"^([0-9]{4})年(.*)$"));
static DAY_RANGE_DOTTED: LazyLock<Regex> = LazyLock::new(|| {
    regex(
        r"^([0-9]{1,2})[·・•.．‧･∙⋅]([0-9]{1,2})[日号]?-(?:([0-9]{1,2})[·・•.．‧･∙⋅])?([0-9]{1,2})[日号]?(.*)$",
    )
});
static DAY_RANGE_WORDED: LazyLock<Regex> = LazyLock::new(|| {
    regex(r"^([0-9]{1,2})月([0-9]{1,2})[日号]?-(?:([0-9]{1,2})月)?([0-9]{1,2})[日号](.*)$")
});
static DAY_DOTTED: LazyLock<Regex> =
    LazyLock::new(|| regex(r"^([0-9]{1,2})[·・•.．‧･∙⋅]([0-9]{1,2})[日号]?(.*)$"));
static DAY_WORDED: LazyLock<Regex> =
    LazyLock::new(|| regex(r"^([0-9]{1,2})月([0-9]{1,2})[日号](.*)$"));
static MONTH_RANGE: LazyLock<Regex> =
    LazyLock::new(|| regex(r"^([0-9]{1,2})(?:月份?)?-([0-9]{1,2})月份?(.*)$"));
static MONTH: LazyLock<Regex> = LazyLock::new(|| regex(r"^([0-9]{1,2})月份?(.*)$"));

fn normalize_for_dating(label: &str) -> String {
    let mut out = String::with_capacity(label.len());
    for c in label.chars() {
        let c = match ascii_digit(c) {
            '－' | '–' | '—' | '―' | '‐' | '‑' | '～' | '~' | '〜' | '∼' | '至' | '到' => {
                '-'
            }
            c if c.is_whitespace() || is_invisible(c) => continue,
            '“' | '”' | '‘' | '’' | '"' | '\'' | '「' | '」' | '『' | '』' | '《' | '》' | '〈'
            | '〉' | '【' | '】' | '(' | ')' | '（' | '）' => continue,
            c => c,
        };
        if c == '-' && out.ends_with('-') {
            continue;
        }
        out.push(c);
    }
    out
}

pub(super) fn date_label(label: &str, plan_year: i32) -> Result<Dated, Undated> {
    let normalized = normalize_for_dating(label);
    let around = normalized.contains("前后") || normalized.contains("左右");

    if let Some(caps) = FULL_DATE.captures(&normalized) {
        names_one_day(&caps[4])?;
        let year = caps[1].parse().map_err(|_| Undated::Unrecognized)?;
        let day = date(year, number(&caps[2]), number(&caps[3]))?;
        return day_span(day, around)?.dated(Some(year));
    }

    let (stated_year, text) = match YEAR_PREFIX.captures(&normalized) {
        Some(caps) => (
            caps[1].parse::<i32>().ok(),
            caps.get(2).map_or("", |rest| rest.as_str()),
        ),
        None => (None, normalized.as_str()),
    };
    let year = stated_year.unwrap_or(plan_year);

    for pattern in [&DAY_RANGE_DOTTED, &DAY_RANGE_WORDED] {
        if let Some(caps) = pattern.captures(text) {
            names_one_day(&caps[5])?;
            let (first_month, first_day) = (number(&caps[1]), number(&caps[2]));
            let last_month = caps.get(3).map_or(first_month, |m| number(m.as_str()));
            let last_day = number(&caps[4]);
            let first = date(year, first_month, first_day)?;
            // "12·28-1·3" runs into the next year; "3·10-3·5" is a slip we cannot mend.
            let last_year = match (last_month, last_day).cmp(&(first_month, first_day)) {
                Ordering::Less if last_month < first_month => year + 1,
                Ordering::Less => return Err(Undated::Unrecognized),
                _ => year,
            };
            let last = date(last_year, last_month, last_day)?;
            return Span {
                first,
                last,
                anchor: first,
            }
            .dated(stated_year);
        }
    }

    for pattern in [&DAY_DOTTED, &DAY_WORDED] {
        if let Some(caps) = pattern.captures(text) {
            names_one_day(&caps[3])?;
            let day = date(year, number(&caps[1]), number(&caps[2]))?;
            return day_span(day, around)?.dated(stated_year);
        }
    }

    if let Some(caps) = MONTH_RANGE.captures(text) {
        if part_of_month(&caps[3]) != Some((1, None)) {
            return Err(Undated::Unrecognized);
        }
        let (first_month, last_month) = (number(&caps[1]), number(&caps[2]));
        let first = month_start(year, first_month)?;
        // "11-2月" is a winter that runs into the next year.
        let last_year = if last_month < first_month {
            year + 1
        } else {
            year
        };
        let last = month_end(last_year, last_month)?;
        return Span {
            first,
            last,
            anchor: first,
        }
        .dated(stated_year);
    }

    if let Some(caps) = MONTH.captures(text) {
        let (first_day, last_day) = part_of_month(&caps[2]).ok_or(Undated::Unrecognized)?;
        let month = number(&caps[1]);
        month_start(year, month)?;
        let first = date(year, month, first_day)?;
        let last = match last_day {
            Some(day) => date(year, month, day)?,
            None => month_end(year, month)?,
        };
        return Span {
            first,
            last,
            anchor: first,
        }
        .dated(stated_year);
    }

    festival_span(text, year, around)?.dated(stated_year)
}

/// A label that names festivals instead of dates: "重阳节前后" (the day ± 3), "中秋节"
/// (the day), "元旦春节期间" (from the first to the last named, the Spring Festival's season
/// running to 元宵), "春节期间" (春节 to 元宵). The anchor is the first festival named.
fn festival_span(text: &str, year: i32, around: bool) -> Result<Span, Undated> {
    let named = super::festivals::named_in(text, year);
    let (Some(first), Some(last)) = (named.first(), named.last()) else {
        return Err(Undated::Unrecognized);
    };
    let season = text.contains("期间");
    let end_of = |festival: &super::festivals::Festival| {
        if festival.spring_festival && season {
            super::festivals::lantern_festival(year).unwrap_or(festival.day)
        } else {
            festival.day
        }
    };
    if named.len() == 1 && !season {
        return day_span(first.day, around);
    }
    let last_day = end_of(last);
    if last_day < first.day {
        return Err(Undated::Unrecognized);
    }
    Ok(Span {
        first: first.day,
        last: last_day,
        anchor: first.day,
    })
}

/// What may follow a day: a holiday's name ("学雷锋日", "前后"), but no second date.
fn names_one_day(rest: &str) -> Result<(), Undated> {
    let another_date = rest.starts_with(['月', '日', '号'])
        || rest.chars().any(|c| c.is_ascii_digit() || c == '-');
    if another_date {
        Err(Undated::Unrecognized)
    } else {
        Ok(())
    }
}

/// The days of a month a label means after "M月": (first day, last day or month end).
fn part_of_month(rest: &str) -> Option<(u32, Option<u32>)> {
    let core = ["前后", "左右", "期间", "内"]
        .iter()
        .fold(rest, |text, filler| {
            text.strip_suffix(filler).unwrap_or(text)
        });
    match core {
        "" | "全月" | "整月" => Some((1, None)),
        "上旬" | "初" | "月初" => Some((1, Some(10))),
        "中旬" => Some((11, Some(20))),
        "下旬" | "底" | "末" | "月底" | "月末" => Some((21, None)),
        "上中旬" => Some((1, Some(20))),
        "中下旬" => Some((11, None)),
        _ => None,
    }
}

fn number(digits: &str) -> u32 {
    // The patterns admit only one or two ASCII digits; 0 is no month or day, so a failure
    // here would surface as a date that does not exist rather than a wrong one.
    digits.parse().unwrap_or(0)
}

fn date(year: i32, month: u32, day: u32) -> Result<NaiveDate, Undated> {
    NaiveDate::from_ymd_opt(year, month, day)
        .ok_or_else(|| Undated::NoSuchDate(format!("{month}月{day}日")))
}

fn month_start(year: i32, month: u32) -> Result<NaiveDate, Undated> {
    NaiveDate::from_ymd_opt(year, month, 1).ok_or_else(|| Undated::NoSuchDate(format!("{month}月")))
}

fn month_end(year: i32, month: u32) -> Result<NaiveDate, Undated> {
    month_start(year, month)?
        .checked_add_months(Months::new(1))
        .and_then(|next| next.pred_opt())
        .ok_or_else(|| Undated::NoSuchDate(format!("{month}月")))
}

fn day_span(day: NaiveDate, around: bool) -> Result<Span, Undated> {
    if !around {
        return Ok(Span {
            first: day,
            last: day,
            anchor: day,
        });
    }
    let widen = Days::new(AROUND_DAYS);
    match (day.checked_sub_days(widen), day.checked_add_days(widen)) {
        (Some(first), Some(last)) => Ok(Span {
            first,
            last,
            anchor: day,
        }),
        _ => Err(Undated::Unrecognized),
    }
}

/// Whole days, both inclusive, and the day the label names.
struct Span {
    first: NaiveDate,
    last: NaiveDate,
    anchor: NaiveDate,
}

impl Span {
    fn dated(self, stated_year: Option<i32>) -> Result<Dated, Undated> {
        let instant = |date: NaiveDate, time: NaiveTime| {
            CHINA_TIME
                .from_local_datetime(&date.and_time(time))
                .single()
                .ok_or(Undated::Unrecognized)
        };
        let end_of_day = NaiveTime::from_hms_opt(23, 59, 59).ok_or(Undated::Unrecognized)?;
        Ok(Dated {
            starts_at: instant(self.first, NaiveTime::MIN)?,
            ends_at: instant(self.last, end_of_day)?,
            anchor: self.anchor,
            stated_year,
        })
    }
}
