//! The festivals a plan table names instead of a date (重阳节前后, 中秋节, 元旦春节期间…):
//! the fixed solar ones by their day, the lunar ones from a table, 清明 from its solar term.
//!
//! The lunar festivals are a table rather than a calendar crate's computation (a crate
//! would bring the whole lunisolar calendar for 54 days): nine years of six festivals,
//! 春节, 端午 and 中秋 of 2022–2026 as the State Council's holiday notices give them
//! (国办发明电〔2021〕11号, 〔2022〕16号, 〔2023〕7号, 〔2024〕12号, 〔2025〕7号), and all 54 days
//! checked against an independent lunar-calendar library (Python's `lunardate`). A year
//! outside the table leaves the label undated, as before, with the importer's warning. 清明 is the solar term, by the usual formula
//! for the 21st century (day = ⌊Y·0.2422 + 4.81⌋ − ⌊Y/4⌋ of April, Y the year's last two
//! digits), which gives every year of 2001–2099 right.

use chrono::NaiveDate;

/// 春节 (正月初一), 元宵 (正月十五), 端午 (五月初五), 七夕 (七月初七), 中秋 (八月十五),
/// 重阳 (九月初九) of each year, as (month, day).
const LUNAR: &[(i32, [(u32, u32); 6])] = &[
    (2022, [(2, 1), (2, 15), (6, 3), (8, 4), (9, 10), (10, 4)]),
    (2023, [(1, 22), (2, 5), (6, 22), (8, 22), (9, 29), (10, 23)]),
    (
        2024,
        [(2, 10), (2, 24), (6, 10), (8, 10), (9, 17), (10, 11)],
    ),
    (
        2025,
        [(1, 29), (2, 12), (5, 31), (8, 29), (10, 6), (10, 29)],
    ),
    (2026, [(2, 17), (3, 3), (6, 19), (8, 19), (9, 25), (10, 18)]),
    (2027, [(2, 6), (2, 20), (6, 9), (8, 8), (9, 15), (10, 8)]),
    (2028, [(1, 26), (2, 9), (5, 28), (8, 26), (10, 3), (10, 26)]),
    (
        2029,
        [(2, 13), (2, 27), (6, 16), (8, 16), (9, 22), (10, 16)],
    ),
    (2030, [(2, 3), (2, 17), (6, 5), (8, 5), (9, 12), (10, 5)]),
];

/// The lunar festivals, in the order of [`LUNAR`]'s columns, with the names tables use.
const LUNAR_NAMES: [&[&str]; 6] = [
    &["春节", "新春", "农历新年"],
    &["元宵节", "元宵", "正月十五"],
    &["端午节", "端午", "端阳"],
    &["七夕节", "七夕"],
    &["中秋节", "中秋"],
    &["重阳节", "重阳", "敬老节"],
];

/// The solar festivals and days a plan names, with their (month, day).
const SOLAR: &[(&[&str], (u32, u32))] = &[
    (&["元旦"], (1, 1)),
    (&["学雷锋日", "学雷锋纪念日", "雷锋日"], (3, 5)),
    (&["妇女节", "三八节"], (3, 8)),
    (&["植树节"], (3, 12)),
    (&["世界读书日", "读书日"], (4, 23)),
    (&["劳动节", "五一"], (5, 1)),
    (&["青年节", "五四"], (5, 4)),
    (&["世界禁烟日", "禁烟日"], (5, 31)),
    (&["儿童节", "六一"], (6, 1)),
    (&["世界无偿献血日", "献血日"], (6, 14)),
    (&["建党节", "七一"], (7, 1)),
    (&["建军节", "八一"], (8, 1)),
    (&["教师节"], (9, 10)),
    (&["国庆节", "国庆"], (10, 1)),
    (&["国际志愿者日", "志愿者日"], (12, 5)),
    (&["宪法宣传日", "国家宪法日", "宪法日"], (12, 4)),
];

/// A festival named in a label, and its day in `year`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Festival {
    pub name: &'static str,
    pub day: NaiveDate,
    /// 春节: its season (春节期间) runs to 元宵.
    pub spring_festival: bool,
}

fn qingming(year: i32) -> Option<NaiveDate> {
    if !(2001..=2099).contains(&year) {
        return None;
    }
    let y = f64::from(year % 100);
    let day = (y * 0.2422 + 4.81).floor() as u32 - (year % 100 / 4) as u32;
    NaiveDate::from_ymd_opt(year, 4, day)
}

/// The day of the festival called `name` in `year`, if it is one we know and the year is
/// within the table.
pub fn day_of(name: &str, year: i32) -> Option<Festival> {
    if ["清明节", "清明"].contains(&name) {
        return qingming(year).map(|day| Festival {
            name: "清明节",
            day,
            spring_festival: false,
        });
    }
    if let Some((names, (month, day))) = SOLAR.iter().find(|(names, _)| names.contains(&name)) {
        return NaiveDate::from_ymd_opt(year, *month, *day).map(|day| Festival {
            name: names[0],
            day,
            spring_festival: false,
        });
    }
    let column = LUNAR_NAMES.iter().position(|names| names.contains(&name))?;
    let (_, days) = LUNAR.iter().find(|(y, _)| *y == year)?;
    let (month, day) = days[column];
    NaiveDate::from_ymd_opt(year, month, day).map(|day| Festival {
        name: LUNAR_NAMES[column][0],
        day,
        spring_festival: column == 0,
    })
}

/// 元宵 of `year`: where the Spring Festival season ends.
pub fn lantern_festival(year: i32) -> Option<NaiveDate> {
    day_of("元宵节", year).map(|festival| festival.day)
}

/// Every festival name in `text`, in the order written (longest names first where they
/// overlap: 世界读书日 before 读书日), with its day in `year`; none when a name is not in
/// the table for that year.
pub fn named_in(text: &str, year: i32) -> Vec<Festival> {
    let mut names: Vec<&'static str> = SOLAR
        .iter()
        .flat_map(|(names, _)| names.iter().copied())
        .chain(LUNAR_NAMES.iter().flat_map(|names| names.iter().copied()))
        .chain(["清明节", "清明"])
        .collect();
    names.sort_by_key(|name| std::cmp::Reverse(name.chars().count()));
    let mut found: Vec<(usize, Festival)> = Vec::new();
    let mut taken = vec![false; text.len()];
    for name in names {
        let mut from = 0;
        while let Some(at) = text[from..].find(name) {
            let start = from + at;
            let end = start + name.len();
            if !taken[start..end].iter().any(|t| *t) {
                if let Some(festival) = day_of(name, year) {
                    found.push((start, festival));
                }
                taken[start..end].iter_mut().for_each(|t| *t = true);
            }
            from = end;
        }
    }
    found.sort_by_key(|(at, _)| *at);
    found.into_iter().map(|(_, festival)| festival).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn lunar_festivals_fall_where_the_calendar_puts_them() {
        assert_eq!(day_of("重阳节", 2022).unwrap().day, d(2022, 10, 4));
        assert_eq!(day_of("中秋", 2025).unwrap().day, d(2025, 10, 6));
        assert_eq!(day_of("春节", 2026).unwrap().day, d(2026, 2, 17));
        assert_eq!(day_of("端午节", 2030).unwrap().day, d(2030, 6, 5));
        assert_eq!(day_of("七夕", 2022).unwrap().day, d(2022, 8, 4));
        assert_eq!(day_of("重阳节", 2031), None, "outside the table");
        // Every 元宵 is fourteen days after its 春节.
        for (year, days) in LUNAR {
            let spring = d(*year, days[0].0, days[0].1);
            let lantern = d(*year, days[1].0, days[1].1);
            assert_eq!((lantern - spring).num_days(), 14, "{year}");
        }
    }

    #[test]
    fn qingming_is_the_solar_term() {
        let days: Vec<u32> = (2022..=2030)
            .map(|year| chrono::Datelike::day(&qingming(year).unwrap()))
            .collect();
        assert_eq!(days, [5, 5, 4, 4, 5, 5, 4, 4, 5]);
    }

    #[test]
    fn names_are_found_in_the_order_written_longest_first() {
        let found: Vec<&str> = named_in("2022年元旦春节期间", 2022)
            .iter()
            .map(|f| f.name)
            .collect();
        assert_eq!(found, ["元旦", "春节"]);
        let found: Vec<&str> = named_in("世界读书日前后", 2022)
            .iter()
            .map(|f| f.name)
            .collect();
        assert_eq!(found, ["世界读书日"]);
        assert!(named_in("待定", 2022).is_empty());
    }
}
