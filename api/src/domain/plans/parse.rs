//! Reading the activity table of an annual civilization-creation plan (文明创建活动方案)
//! as a civil-affairs bureau writes it in a spreadsheet and exports it to CSV.
//!
//! The tables are typed by people for people: cells hold several numbered lines, dates are
//! holiday names with a day in them, punctuation is full-width or ASCII at whim. So one odd
//! cell never fails the table: the parser keeps the text, leaves what it cannot understand
//! unset and says so in a Chinese warning the bureau's staff can act on. Only a table it
//! cannot map onto the required columns is refused.

use std::fmt;
use std::sync::LazyLock;

use chrono::{DateTime, FixedOffset};
use csv::StringRecord;

pub use super::dating::date_time_label;
use super::dating::{Undated, date_label};
use super::text::{ascii_digit, is_invisible, regex};
use regex::Regex;

/// Columns every plan table must have, in the order a missing-column error names them.
pub const REQUIRED_COLUMNS: [&str; 6] = [
    "序号",
    "活动时间",
    "活动主题",
    "活动地点",
    "活动内容",
    "牵头科室",
];
/// The special action (category) column; older plans have none.
pub const CATEGORY_COLUMN: &str = "专项行动";

/// Exported spreadsheets often carry a title row or two above the header; looking further
/// would only delay the error for a table that has no header at all.
const HEADER_SEARCH_ROWS: usize = 10;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ParsedPlan {
    pub rows: Vec<ParsedRow>,
    pub warnings: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedRow {
    /// 1-based record number below the header, as warnings cite it.
    pub line: usize,
    pub seq_no: Option<i32>,
    pub title: String,
    /// The cell text with line breaks and runs of whitespace collapsed.
    pub time_label: Option<String>,
    pub starts_at: Option<DateTime<FixedOffset>>,
    pub ends_at: Option<DateTime<FixedOffset>>,
    /// The day the label names (its festival, or a range's first day).
    pub anchor_on: Option<chrono::NaiveDate>,
    pub locations: Vec<ParsedLocation>,
    pub content_items: Vec<String>,
    /// In the order listed; the first is the primary (lead) department.
    pub departments: Vec<String>,
    pub category: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedLocation {
    pub name: String,
    pub online: bool,
    /// To be decided (待定): the bureau has not fixed the place yet.
    pub tbd: bool,
}

#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum ParseError {
    #[error("missing required columns: {}", .0.join(", "))]
    MissingColumns(Vec<String>),
    #[error("not a readable CSV table: {0}")]
    Malformed(String),
}

/// Parses a plan table; dates without a year are taken in `year`, at +08:00.
///
/// # Errors
///
/// [`ParseError::MissingColumns`] when no row among the first few names every required
/// column, [`ParseError::Malformed`] when the text holds no table at all. Anything wrong
/// inside a row is a warning instead.
pub fn parse_plan_csv(csv_text: &str, year: i32) -> Result<ParsedPlan, ParseError> {
    let text = csv_text.trim_start_matches('\u{feff}');
    let comma = parse_delimited(text, b',', year);
    let comma_missing = match &comma {
        Err(ParseError::MissingColumns(missing)) => missing.len(),
        _ => return comma,
    };
    // A table copied out of Excel or WPS and pasted arrives tab-separated.
    if !first_line(text).contains('\t') {
        return comma;
    }
    match parse_delimited(text, b'\t', year) {
        Ok(plan) => Ok(plan),
        Err(ParseError::MissingColumns(missing)) if missing.len() < comma_missing => {
            Err(ParseError::MissingColumns(missing))
        }
        Err(_) => comma,
    }
}

fn parse_delimited(text: &str, delimiter: u8, year: i32) -> Result<ParsedPlan, ParseError> {
    let mut records = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(text.as_bytes())
        .into_records();

    let mut fewest_missing: Option<Vec<String>> = None;
    let mut rows_above_header = 0;
    let columns = loop {
        let record = match records.next() {
            Some(Ok(record)) => record,
            Some(Err(err)) => return Err(ParseError::Malformed(err.to_string())),
            None => break None,
        };
        if is_blank(&record) {
            continue;
        }
        match Columns::locate(&record) {
            Ok(columns) => break Some(columns),
            Err(missing) => {
                if fewest_missing
                    .as_ref()
                    .is_none_or(|fewest| missing.len() < fewest.len())
                {
                    fewest_missing = Some(missing);
                }
                rows_above_header += 1;
                if rows_above_header == HEADER_SEARCH_ROWS {
                    break None;
                }
            }
        }
    };
    let Some(columns) = columns else {
        return Err(match fewest_missing {
            Some(missing) => ParseError::MissingColumns(missing),
            None => ParseError::Malformed("表格为空，没有表头".to_owned()),
        });
    };

    let mut plan = ParsedPlan::default();
    if rows_above_header > 0 {
        plan.warnings.push(format!(
            "表头之前的{rows_above_header}行（如表格标题）已忽略"
        ));
    }
    for (index, record) in records.enumerate() {
        let line = index + 1;
        match record {
            Ok(record) if is_blank(&record) => {}
            Ok(record) => {
                if let Some(row) = parse_row(&record, &columns, line, year, &mut plan.warnings) {
                    plan.rows.push(row);
                }
            }
            Err(err) => plan
                .warnings
                .push(format!("第{line}行: 无法读取，已跳过（{err}）")),
        }
    }
    Ok(plan)
}

fn first_line(text: &str) -> &str {
    text.lines()
        .find(|line| !line.trim().is_empty())
        .unwrap_or("")
}

fn is_blank(record: &StringRecord) -> bool {
    record.iter().all(|cell| squash(cell).is_empty())
}

struct Columns {
    seq_no: usize,
    time: usize,
    title: usize,
    locations: usize,
    content: usize,
    departments: usize,
    category: Option<usize>,
}

impl Columns {
    /// Finds the columns by name; on failure, the names of the missing required ones.
    fn locate(header: &StringRecord) -> Result<Self, Vec<String>> {
        let names: Vec<String> = header.iter().map(header_name).collect();
        let find = |wanted: &str| names.iter().position(|name| name == wanted);
        match REQUIRED_COLUMNS.map(find) {
            [
                Some(seq_no),
                Some(time),
                Some(title),
                Some(locations),
                Some(content),
                Some(departments),
            ] => Ok(Self {
                seq_no,
                time,
                title,
                locations,
                content,
                departments,
                category: find(CATEGORY_COLUMN),
            }),
            found => Err(REQUIRED_COLUMNS
                .iter()
                .zip(found)
                .filter(|(_, index)| index.is_none())
                .map(|(name, _)| (*name).to_owned())
                .collect()),
        }
    }

    /// Indexes of the required columns, in the order of `REQUIRED_COLUMNS`.
    fn required(&self) -> [usize; 6] {
        [
            self.seq_no,
            self.time,
            self.title,
            self.locations,
            self.content,
            self.departments,
        ]
    }
}

/// Header cells are compared without any whitespace: bureaus space out short headers
/// ("序  号") to centre them.
fn header_name(cell: &str) -> String {
    cell.chars()
        .filter(|&c| !c.is_whitespace() && !is_invisible(c))
        .collect()
}

/// Names a row in warnings the way the bureau's staff find it in their spreadsheet.
struct RowRef {
    line: usize,
    seq_no: Option<i32>,
}

impl fmt::Display for RowRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "第{}行", self.line)?;
        if let Some(seq_no) = self.seq_no {
            write!(f, "（序号{seq_no}）")?;
        }
        Ok(())
    }
}

fn parse_row(
    record: &StringRecord,
    columns: &Columns,
    line: usize,
    year: i32,
    warnings: &mut Vec<String>,
) -> Option<ParsedRow> {
    let cell = |index: usize| record.get(index).unwrap_or("");
    let present = |index: usize| index < record.len();

    let seq_raw = squash(cell(columns.seq_no));
    let seq_no = parse_seq_no(&seq_raw);
    let at = RowRef { line, seq_no };

    let title = squash(cell(columns.title));
    if title.is_empty() {
        warnings.push(format!(
            "{at}: 活动主题为空，已跳过该行（本行内容：“{}”）",
            preview(record)
        ));
        return None;
    }

    let absent: Vec<&str> = columns
        .required()
        .into_iter()
        .zip(REQUIRED_COLUMNS)
        .filter(|(index, _)| !present(*index))
        .map(|(_, name)| name)
        .collect();
    if !absent.is_empty() {
        warnings.push(format!(
            "{at}“{title}”: 本行缺少{}单元格，按空白处理",
            absent.join("、")
        ));
    }

    if seq_no.is_none() && present(columns.seq_no) {
        warnings.push(if seq_raw.is_empty() {
            format!("{at}“{title}”: 序号为空")
        } else {
            format!("{at}“{seq_raw}”: 序号不是整数，已置空")
        });
    }

    let time_label = Some(squash(cell(columns.time))).filter(|label| !label.is_empty());
    let (starts_at, ends_at, anchor_on) = match &time_label {
        None => {
            if present(columns.time) {
                warnings.push(format!("{at}“{title}”: 活动时间为空，未设定日期"));
            }
            (None, None, None)
        }
        Some(label) => match date_label(label, year) {
            Ok(dated) => {
                if let Some(stated) = dated.stated_year.filter(|stated| *stated != year) {
                    warnings.push(format!(
                        "{at}“{label}”: 活动时间写明{stated}年，与方案年度{year}年不同，按写明的年份设定日期"
                    ));
                }
                (
                    Some(dated.starts_at),
                    Some(dated.ends_at),
                    Some(dated.anchor),
                )
            }
            Err(Undated::Unrecognized) => {
                warnings.push(format!(
                    "{at}“{label}”: 活动时间无法识别为日期，保留原文，未设定日期"
                ));
                (None, None, None)
            }
            Err(Undated::NoSuchDate(what)) => {
                warnings.push(format!(
                    "{at}“{label}”: 活动时间中的日期不存在（{what}），保留原文，未设定日期"
                ));
                (None, None, None)
            }
        },
    };

    let departments = split_departments(cell(columns.departments));
    if departments.is_empty() && present(columns.departments) {
        warnings.push(format!("{at}“{title}”: 牵头科室为空"));
    }

    Some(ParsedRow {
        line,
        seq_no,
        title,
        time_label,
        starts_at,
        ends_at,
        anchor_on,
        locations: split_items(cell(columns.locations))
            .into_iter()
            .map(location)
            .collect(),
        content_items: split_items(cell(columns.content)),
        departments,
        category: columns
            .category
            .map(|index| squash(cell(index)))
            .filter(|category| !category.is_empty()),
    })
}

/// Enough of a skipped row for the staff to recognise it.
fn preview(record: &StringRecord) -> String {
    const MAX_CHARS: usize = 30;
    let text = record
        .iter()
        .map(squash)
        .filter(|cell| !cell.is_empty())
        .collect::<Vec<_>>()
        .join(" | ");
    if text.chars().count() <= MAX_CHARS {
        text
    } else {
        text.chars().take(MAX_CHARS).chain(['…']).collect()
    }
}

fn parse_seq_no(raw: &str) -> Option<i32> {
    let ascii: String = raw.chars().map(ascii_digit).collect();
    let number = ascii.trim_end_matches(['.', '．', '、']);
    // Spreadsheets now and then export whole numbers as floats.
    let number = number.strip_suffix(".0").unwrap_or(number);
    number.parse().ok()
}

// ---------------------------------------------------------------------------------------
// Cell text

fn is_line_break(c: char) -> bool {
    matches!(
        c,
        '\n' | '\r' | '\u{0b}' | '\u{0c}' | '\u{85}' | '\u{2028}' | '\u{2029}'
    )
}

/// One line of text out of a cell: line breaks dropped, runs of whitespace made one space.
/// Lines are joined without a space because a break inside Chinese text is only layout;
/// only between two Latin letters or digits would that glue words together.
fn squash(cell: &str) -> String {
    let mut out = String::with_capacity(cell.len());
    for line in cell.split(is_line_break) {
        let visible: String = line.chars().filter(|&c| !is_invisible(c)).collect();
        push_joined(
            &mut out,
            &visible.split_whitespace().collect::<Vec<_>>().join(" "),
        );
    }
    out
}

fn push_joined(out: &mut String, next: &str) {
    if next.is_empty() {
        return;
    }
    let latin_on_both_sides = out
        .chars()
        .next_back()
        .is_some_and(|c| c.is_ascii_alphanumeric())
        && next.starts_with(|c: char| c.is_ascii_alphanumeric());
    if latin_on_both_sides {
        out.push(' ');
    }
    out.push_str(next);
}

/// Separators that end an item; the number of the next item may follow.
fn ends_item(c: char) -> bool {
    matches!(c, '；' | ';' | '。' | '，' | ',' | ' ')
}

fn strip_trailing(text: &str) -> &str {
    text.trim_end_matches(|c: char| {
        c.is_whitespace()
            || matches!(
                c,
                '；' | ';' | '。' | '，' | ',' | '、' | '.' | '．' | ':' | '：'
            )
    })
    .trim_start()
}

static ARABIC_NUMBER: LazyLock<Regex> =
    LazyLock::new(|| regex(r"^([0-9０-９]{1,2})\s*[.．、,，:：)）]"));
static WRAPPED_NUMBER: LazyLock<Regex> =
    LazyLock::new(|| regex(r"^[（(]\s*([0-9０-９]{1,2}|[一二三四五六七八九十]{1,3})\s*[)）]"));
static CHINESE_NUMBER: LazyLock<Regex> =
    LazyLock::new(|| regex(r"^([一二三四五六七八九十]{1,3})\s*[、.．]"));

/// The item number a line starts with (`1.`, `1、`, `（1）`, `①`, `一、` …) and the text after it.
fn numbered(text: &str) -> Option<(u32, &str)> {
    let text = text.trim_start();
    if let Some(caps) = ARABIC_NUMBER.captures(text) {
        let rest = &text[caps.get(0)?.end()..];
        // "1.5公里" and "3、4月份" are quantities, not item 1 or 3.
        if rest.starts_with(|c: char| ascii_digit(c).is_ascii_digit()) {
            return None;
        }
        return Some((arabic_value(&caps[1])?, rest.trim_start()));
    }
    if let Some(caps) = WRAPPED_NUMBER.captures(text) {
        let value = arabic_value(&caps[1]).or_else(|| chinese_value(&caps[1]))?;
        return Some((value, text[caps.get(0)?.end()..].trim_start()));
    }
    if let Some(caps) = CHINESE_NUMBER.captures(text) {
        let value = chinese_value(&caps[1])?;
        return Some((value, text[caps.get(0)?.end()..].trim_start()));
    }
    let mut chars = text.chars();
    if let Some(c @ '①'..='⑳') = chars.next() {
        let rest = chars.as_str();
        let rest = rest.strip_prefix(['.', '．', '、']).unwrap_or(rest);
        return Some((u32::from(c) - u32::from('①') + 1, rest.trim_start()));
    }
    None
}

fn arabic_value(digits: &str) -> Option<u32> {
    digits
        .chars()
        .map(ascii_digit)
        .collect::<String>()
        .parse()
        .ok()
}

fn chinese_value(numeral: &str) -> Option<u32> {
    let digit = |c: &char| {
        "一二三四五六七八九"
            .chars()
            .position(|d| d == *c)
            .and_then(|index| u32::try_from(index + 1).ok())
    };
    match numeral.chars().collect::<Vec<_>>().as_slice() {
        ['十'] => Some(10),
        [one] => digit(one),
        ['十', one] => Some(10 + digit(one)?),
        [ten, '十'] => Some(digit(ten)? * 10),
        [ten, '十', one] => Some(digit(ten)? * 10 + digit(one)?),
        _ => None,
    }
}

fn strip_number(text: &str) -> &str {
    numbered(text).map_or(text.trim_start(), |(_, rest)| rest)
}

/// Splits a line that lost its line breaks ("1.源淮社区；2.金山社区") where the next item
/// number follows a separator. Demanding the very next number keeps "…共2.5万元" whole.
fn split_run_on(line: &str) -> Vec<&str> {
    let Some((first, _)) = numbered(line) else {
        return vec![line];
    };
    let mut pieces = Vec::new();
    let mut start = 0;
    let mut next = first + 1;
    for (index, c) in line.char_indices() {
        if !ends_item(c) {
            continue;
        }
        let after = index + c.len_utf8();
        if numbered(&line[after..]).is_some_and(|(number, _)| number == next) {
            pieces.push(&line[start..after]);
            start = after;
            next += 1;
        }
    }
    pieces.push(&line[start..]);
    pieces
}

/// The items of a list cell, without their numbers and closing punctuation.
fn split_items(cell: &str) -> Vec<String> {
    let mut items = Vec::new();
    for line in cell.split(is_line_break) {
        let line = squash(line);
        for piece in split_run_on(&line) {
            let item = strip_trailing(strip_number(piece));
            if !item.is_empty() {
                items.push(item.to_owned());
            }
        }
    }
    items
}

fn location(name: String) -> ParsedLocation {
    const ONLINE: [&str; 2] = ["线上", "网上"];
    const TO_BE_DECIDED: [&str; 3] = ["待定", "待确定", "另行通知"];
    ParsedLocation {
        online: ONLINE.iter().any(|word| name.contains(word)),
        tbd: TO_BE_DECIDED.iter().any(|word| name.contains(word)),
        name,
    }
}

/// Endings of department names; space-separated words are taken as several departments
/// only when every one of them ends like a department, so "机关 党委" stays one.
const DEPARTMENT_ENDINGS: [&str; 17] = [
    "科", "室", "委", "处", "局", "办", "部", "组", "会", "队", "站", "所", "院", "中心", "股",
    "馆", "支部",
];

static ROLE_NOTE: LazyLock<Regex> =
    LazyLock::new(|| regex(r"\s*[（(]\s*(?:牵头|主办|配合|协办|负责|主责|协助|参与)\s*[)）]$"));

fn split_departments(cell: &str) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    for line in cell.split(is_line_break) {
        let line = squash(line);
        for part in line.split(['、', '，', ',', '；', ';', '/', '／', '|', '｜']) {
            let part = strip_trailing(strip_number(part));
            let part = ROLE_NOTE.replace(part, "");
            let words: Vec<&str> = part.split_whitespace().collect();
            let several = words.len() > 1 && words.iter().all(|word| looks_like_department(word));
            let found = if several {
                words.iter().map(|word| (*word).to_owned()).collect()
            } else {
                let mut joined = String::new();
                for word in &words {
                    push_joined(&mut joined, word);
                }
                vec![joined]
            };
            for name in found {
                // A stray item number left over by "1，养老科" is no department.
                let is_number = name.chars().all(|c| ascii_digit(c).is_ascii_digit());
                if !is_number && !names.contains(&name) {
                    names.push(name);
                }
            }
        }
    }
    names
}

fn looks_like_department(word: &str) -> bool {
    word.chars().count() >= 2
        && DEPARTMENT_ENDINGS
            .iter()
            .any(|ending| word.ends_with(ending))
}

// ---------------------------------------------------------------------------------------
// Time labels

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;

    /// `demo/plan-2022.csv` as the bureau wrote it (its CRLF record ends made LF, since a
    /// Rust literal cannot hold a bare CR; `demo_with_crlf_line_ends` puts them back).
    const DEMO_2022: &str = r#"序号,活动时间,活动主题,活动地点,活动内容,牵头科室,专项行动
1,2022年元旦春节期间,“佳节尚文明 志愿关爱行”主题活动,"1.源淮社区；
2.金山社区；
3.后亭社区","1.“20322年迎新春送温暖志愿服务”活动进社区
2.“迎新春感党恩 写春联送祝福”活动进社区。","养老科
机关党委",近民有爱
2,"“3·5学雷锋日”
前后","“弘扬雷锋精神 深化文明实践”
主题活动","1.府文庙广场；
2.感德镇龙通村","1.智慧助老志愿服务活动；
2.结对帮扶孤寡老人、空巢老人；
3.开展《福建省志愿服务条例》宣传。","养老科
社管科
机关党委",便民暖心
3,“3·12植树节”前后,义务植树,感德镇龙通村,开展义务植树。,机关党委,绿色环保
4,3-4月份,“坚守民政爱民初心 筑牢抗疫一线防线”主题活动,东涂社区,组织志愿者到东涂社区参与抗疫。,办公室,便民暖心
5,"“4·5清明节”
前后",“‘云祭扫’缅怀先人 寄哀思真情不变”主题活动,线上,开展云祭扫活动，普及文明祭扫理念。,事务科,新风正气
6,“4·23世界读书日”前后,“分享一本书”主题活动,局机关,青年理论学习小组开展“分享一本书”主题活动。,机关党委,近民有爱
7,“5·1劳动节”前后,“争做劳动先锋 打造清洁家园”活动,"1.局机关；
2.江南颐乐园。","1.组织各科室集中大扫除，营造更加干净整洁的单位环境；
2.开展一期道德教育活动；
2.组织志愿者到养老机构开展清洁家园活动，帮助清除卫生死角。","办公室
养老科
机关党委",绿色环保
8,“5·4青年节”前后,青年主题活动,"1.待定；
2.新时代文明实践中心","1.开展政企共建、青年联谊活动；
2.组织志愿者进新时代文明实践中心开展青年婚恋观宣传教育活动。","机关党委
事务科",新风正气
9,“5·31世界禁烟日”前后,“烟头不落地”主题活动,滨海社区,"1.发出倡议书和劝导；
2.捡拾路面烟头。",办公室,诚信有序
10,“6·1儿童节”前后,关爱孤残儿童主题活动,社会福利中心,陪伴做手工等，为院内孤残儿童送去节日关怀。,儿慈科,便民暖心
11,“6·3端午节”前后,“粽飘香 传温暖”主题活动 ,"1.救助站；
2.街头；
3.源淮社区","1.组织志愿者包粽子；
2.为流浪乞讨人员和结对共建社区的困难群众、留守空巢老人等送粽子、献温暖、传爱心。",救助科,近民有爱
12,“6·14世界无偿献血日”前后,组织无偿献血,待定,无偿献血。,办公室,新风正气
13,“7·1建党节”前后,“勇当先锋 党员先行”志愿服务活动,待定,组织志愿者开展关爱留守、困境儿童志愿服务。,儿慈科,便民暖心
14,“8·4七夕节”前后,青年婚恋观宣传教育主题活动,婚姻登记窗口,组织志愿者到婚姻登记窗口开展青年婚恋观宣传教育。,事务科,新风正气
15,“9·10中秋节”前后,“中秋话团圆”主题活动,"1.局机关；
2.社会福利中心养老院或江南颐乐园","1.组织开展中秋节相关的经典诵读活动；
2.携手社工，组织志愿者到养老机构与老年人开展节日活动，以陪伴表达节日关怀。","养老科
社管科
机关党委",近民有爱
16,“10.4重阳节”前后,敬老孝老主题活动,"1.待定；
2.森林公园；
3.江南颐乐园","1.养老护理员职业技能培训；
2.老年人防范诈骗知识宣传志愿服务；
3.走进敬老院，提供义剪等敬老孝老志愿服务。",养老科,便民暖心
17,“12.4宪法宣传日”前后,法治主题活动,"1.局机关；
2.社区、待定","1.法治精神、诚信教育主题讲座；
2.法治宣传进社区。",审批科,近民有爱
"#;

    const HEADER: &str = "序号,活动时间,活动主题,活动地点,活动内容,牵头科室,专项行动";

    /// Tables the fuzzer (`fuzz/`, target `plan_table`) found, kept: none may panic.
    #[test]
    fn the_fuzzers_findings_stay_fixed() {
        let dir = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../fuzz/regressions/plan_table"
        );
        for entry in std::fs::read_dir(dir).expect("fuzz/regressions/plan_table") {
            let bytes = std::fs::read(entry.expect("entry").path()).expect("readable");
            let _ = parse_plan_csv(&String::from_utf8_lossy(&bytes), 2022);
        }
    }

    fn demo() -> ParsedPlan {
        parse_plan_csv(DEMO_2022, 2022).expect("the demo table parses")
    }

    fn row(plan: &ParsedPlan, seq_no: i32) -> &ParsedRow {
        plan.rows
            .iter()
            .find(|row| row.seq_no == Some(seq_no))
            .unwrap_or_else(|| panic!("row {seq_no} is missing"))
    }

    fn at(rfc3339: &str) -> DateTime<FixedOffset> {
        DateTime::parse_from_rfc3339(rfc3339).expect("a valid timestamp")
    }

    fn span(row: &ParsedRow) -> Option<(String, String)> {
        Some((row.starts_at?.to_rfc3339(), row.ends_at?.to_rfc3339()))
    }

    fn dated(first: &str, last: &str) -> Option<(String, String)> {
        Some((at(first).to_rfc3339(), at(last).to_rfc3339()))
    }

    fn names(locations: &[ParsedLocation]) -> Vec<&str> {
        locations
            .iter()
            .map(|location| location.name.as_str())
            .collect()
    }

    fn table(rows: &[&str]) -> String {
        std::iter::once(HEADER)
            .chain(rows.iter().copied())
            .collect::<Vec<_>>()
            .join("\n")
    }

    fn parse(rows: &[&str]) -> ParsedPlan {
        parse_plan_csv(&table(rows), 2022).expect("the table parses")
    }

    /// A one-row table with the given activity time.
    fn timed(label: &str) -> ParsedPlan {
        let quoted = label.replace('"', "\"\"");
        parse(&[&format!(
            "1,\"{quoted}\",主题活动,局机关,开展活动。,办公室,新风正气"
        )])
    }

    // --- The demo table -------------------------------------------------------------

    #[test]
    fn demo_has_seventeen_rows_in_order() {
        let plan = demo();
        assert_eq!(plan.rows.len(), 17);
        for (index, row) in plan.rows.iter().enumerate() {
            assert_eq!(row.line, index + 1);
            assert_eq!(row.seq_no, i32::try_from(index + 1).ok());
        }
    }

    #[test]
    fn the_demo_table_dates_every_row_without_a_warning() {
        assert_eq!(demo().warnings, Vec::<String>::new());
    }

    #[test]
    fn demo_row_1_keeps_its_label_and_runs_from_new_year_to_the_lantern_festival() {
        let plan = demo();
        let first = row(&plan, 1);
        assert_eq!(first.time_label.as_deref(), Some("2022年元旦春节期间"));
        assert_eq!(
            span(first),
            dated("2022-01-01T00:00:00+08:00", "2022-02-15T23:59:59+08:00")
        );
        assert_eq!(first.title, "“佳节尚文明 志愿关爱行”主题活动");
        assert_eq!(
            names(&first.locations),
            ["源淮社区", "金山社区", "后亭社区"]
        );
        assert_eq!(
            first.content_items,
            [
                "“20322年迎新春送温暖志愿服务”活动进社区",
                "“迎新春感党恩 写春联送祝福”活动进社区",
            ]
        );
        assert_eq!(first.departments, ["养老科", "机关党委"]);
        assert_eq!(first.category.as_deref(), Some("近民有爱"));
    }

    #[test]
    fn demo_row_2_is_three_days_either_side_of_lei_feng_day() {
        let plan = demo();
        let second = row(&plan, 2);
        assert_eq!(second.time_label.as_deref(), Some("“3·5学雷锋日”前后"));
        assert_eq!(second.starts_at, Some(at("2022-03-02T00:00:00+08:00")));
        assert_eq!(second.ends_at, Some(at("2022-03-08T23:59:59+08:00")));
        assert_eq!(second.title, "“弘扬雷锋精神 深化文明实践”主题活动");
        assert_eq!(names(&second.locations), ["府文庙广场", "感德镇龙通村"]);
        assert!(second.locations.iter().all(|l| !l.online && !l.tbd));
        assert_eq!(
            second.content_items,
            [
                "智慧助老志愿服务活动",
                "结对帮扶孤寡老人、空巢老人",
                "开展《福建省志愿服务条例》宣传",
            ]
        );
        assert_eq!(second.departments, ["养老科", "社管科", "机关党委"]);
        assert_eq!(second.category.as_deref(), Some("便民暖心"));
    }

    #[test]
    fn demo_row_4_covers_march_and_april() {
        let plan = demo();
        let fourth = row(&plan, 4);
        assert_eq!(fourth.time_label.as_deref(), Some("3-4月份"));
        assert_eq!(
            span(fourth),
            dated("2022-03-01T00:00:00+08:00", "2022-04-30T23:59:59+08:00")
        );
        assert_eq!(fourth.departments, ["办公室"]);
        assert_eq!(fourth.content_items, ["组织志愿者到东涂社区参与抗疫"]);
    }

    #[test]
    fn demo_row_5_is_online() {
        let plan = demo();
        let fifth = row(&plan, 5);
        assert_eq!(
            fifth.locations,
            [ParsedLocation {
                name: "线上".to_owned(),
                online: true,
                tbd: false,
            }]
        );
        assert_eq!(
            span(fifth),
            dated("2022-04-02T00:00:00+08:00", "2022-04-08T23:59:59+08:00")
        );
        assert_eq!(fifth.content_items, ["开展云祭扫活动，普及文明祭扫理念"]);
    }

    #[test]
    fn demo_places_to_be_decided() {
        let plan = demo();
        let eighth = row(&plan, 8);
        assert_eq!(
            eighth.locations,
            [
                ParsedLocation {
                    name: "待定".to_owned(),
                    online: false,
                    tbd: true,
                },
                ParsedLocation {
                    name: "新时代文明实践中心".to_owned(),
                    online: false,
                    tbd: false,
                },
            ]
        );
        assert!(row(&plan, 12).locations[0].tbd);
        let last = &row(&plan, 17).locations;
        assert_eq!(names(last), ["局机关", "社区、待定"]);
        assert_eq!((last[0].tbd, last[1].tbd), (false, true));
    }

    #[test]
    fn demo_row_16_is_around_the_double_ninth() {
        let plan = demo();
        let sixteenth = row(&plan, 16);
        assert_eq!(sixteenth.time_label.as_deref(), Some("“10.4重阳节”前后"));
        assert_eq!(
            span(sixteenth),
            dated("2022-10-01T00:00:00+08:00", "2022-10-07T23:59:59+08:00")
        );
    }

    #[test]
    fn demo_row_11_title_is_trimmed() {
        assert_eq!(row(&demo(), 11).title, "“粽飘香 传温暖”主题活动");
    }

    #[test]
    fn demo_row_7_keeps_a_repeated_item_number() {
        let plan = demo();
        let seventh = row(&plan, 7);
        assert_eq!(names(&seventh.locations), ["局机关", "江南颐乐园"]);
        assert_eq!(seventh.content_items.len(), 3);
        assert_eq!(seventh.content_items[1], "开展一期道德教育活动");
        assert_eq!(seventh.departments, ["办公室", "养老科", "机关党委"]);
    }

    #[test]
    fn demo_other_holidays_are_dated() {
        let plan = demo();
        assert_eq!(
            span(row(&plan, 12)),
            dated("2022-06-11T00:00:00+08:00", "2022-06-17T23:59:59+08:00")
        );
        assert_eq!(
            span(row(&plan, 17)),
            dated("2022-12-01T00:00:00+08:00", "2022-12-07T23:59:59+08:00")
        );
        assert!(plan.rows.iter().skip(1).all(|row| row.starts_at.is_some()));
    }

    #[test]
    fn demo_has_eight_departments_and_five_categories() {
        let plan = demo();
        let departments: BTreeSet<&str> = plan
            .rows
            .iter()
            .flat_map(|row| row.departments.iter().map(String::as_str))
            .collect();
        assert_eq!(departments.len(), 8, "{departments:?}");
        let categories: BTreeSet<&str> = plan
            .rows
            .iter()
            .filter_map(|row| row.category.as_deref())
            .collect();
        assert_eq!(
            categories,
            BTreeSet::from(["新风正气", "绿色环保", "诚信有序", "便民暖心", "近民有爱"])
        );
    }

    #[test]
    fn demo_with_crlf_line_ends() {
        let crlf = DEMO_2022.replace('\n', "\r\n");
        assert_eq!(parse_plan_csv(&crlf, 2022), Ok(demo()));
    }

    // --- Columns --------------------------------------------------------------------

    #[test]
    fn missing_columns_are_all_named() {
        let err = parse_plan_csv("序号,活动主题,活动地点,备注\n1,植树,局机关,无", 2022)
            .expect_err("three columns are missing");
        assert_eq!(
            err,
            ParseError::MissingColumns(vec![
                "活动时间".to_owned(),
                "活动内容".to_owned(),
                "牵头科室".to_owned(),
            ])
        );
        assert_eq!(
            err.to_string(),
            "missing required columns: 活动时间, 活动内容, 牵头科室"
        );
    }

    #[test]
    fn a_table_without_a_header_misses_every_column() {
        let err =
            parse_plan_csv("1,3月12日,义务植树\n2,4月1日,清洁家园", 2022).expect_err("no header");
        assert_eq!(
            err,
            ParseError::MissingColumns(REQUIRED_COLUMNS.map(str::to_owned).to_vec())
        );
    }

    #[test]
    fn an_empty_text_is_malformed() {
        for text in ["", "\u{feff}", "\n\n", " , ,\n"] {
            assert!(
                matches!(parse_plan_csv(text, 2022), Err(ParseError::Malformed(_))),
                "{text:?}"
            );
        }
    }

    #[test]
    fn columns_may_come_in_any_order_and_extras_are_ignored() {
        let text = "牵头科室,活动主题,备注,序号,活动地点,活动内容,活动时间\n\
                    机关党委,义务植树,自带工具,3,感德镇龙通村,开展义务植树。,3月12日";
        let plan = parse_plan_csv(text, 2022).expect("parses");
        assert!(plan.warnings.is_empty(), "{:?}", plan.warnings);
        let only = &plan.rows[0];
        assert_eq!(only.seq_no, Some(3));
        assert_eq!(only.title, "义务植树");
        assert_eq!(names(&only.locations), ["感德镇龙通村"]);
        assert_eq!(only.content_items, ["开展义务植树"]);
        assert_eq!(only.departments, ["机关党委"]);
        assert_eq!(only.category, None);
        assert_eq!(
            span(only),
            dated("2022-03-12T00:00:00+08:00", "2022-03-12T23:59:59+08:00")
        );
    }

    #[test]
    fn a_bom_and_padding_in_the_header_are_ignored() {
        let text = format!(
            "\u{feff}序号 ,\" 活动时间\",活动主题,活动地点,活动内容,牵头科室,专  项行动\n{}",
            "1,3·12,义务植树,感德镇龙通村,开展义务植树。,机关党委,绿色环保"
        );
        let plan = parse_plan_csv(&text, 2022).expect("parses");
        assert_eq!(plan.rows.len(), 1);
        assert_eq!(plan.rows[0].seq_no, Some(1));
        assert_eq!(plan.rows[0].category.as_deref(), Some("绿色环保"));
        // The BOM may also come after an editor re-saved the file with quotes around it.
        let quoted = format!("\"\u{feff}序号\"{}", &table(&[])["序号".len()..]);
        assert!(parse_plan_csv(&quoted, 2022).is_ok());
    }

    #[test]
    fn a_title_row_above_the_header_is_skipped_with_a_note() {
        let text = format!(
            "泉州市民政局2022年文明创建活动安排表,,,,,,\n{}",
            table(&["1,3·12,义务植树,感德镇龙通村,开展义务植树。,机关党委,绿色环保"])
        );
        let plan = parse_plan_csv(&text, 2022).expect("parses");
        assert_eq!(plan.rows.len(), 1);
        assert_eq!(plan.rows[0].line, 1);
        assert_eq!(plan.warnings, ["表头之前的1行（如表格标题）已忽略"]);
    }

    #[test]
    fn a_tab_separated_paste_is_read() {
        let text = "序号\t活动时间\t活动主题\t活动地点\t活动内容\t牵头科室\n\
                    1\t3月12日\t义务植树\t感德镇龙通村\t开展义务植树，美化环境。\t机关党委";
        let plan = parse_plan_csv(text, 2022).expect("parses");
        assert_eq!(plan.rows[0].content_items, ["开展义务植树，美化环境"]);
        assert_eq!(plan.rows[0].departments, ["机关党委"]);
    }

    // --- Rows -----------------------------------------------------------------------

    #[test]
    fn a_row_with_missing_cells_is_kept_with_a_warning() {
        let plan = parse(&["1,3月12日,义务植树", "2,4·1,清洁家园,局机关,大扫除,办公室"]);
        assert_eq!(plan.rows.len(), 2);
        let short = &plan.rows[0];
        assert_eq!(short.title, "义务植树");
        assert!(short.locations.is_empty());
        assert!(short.content_items.is_empty());
        assert!(short.departments.is_empty());
        assert!(short.starts_at.is_some());
        assert_eq!(plan.rows[1].category, None);
        assert_eq!(
            plan.warnings,
            ["第1行（序号1）“义务植树”: 本行缺少活动地点、活动内容、牵头科室单元格，按空白处理"]
        );
    }

    #[test]
    fn empty_rows_are_skipped_silently_and_untitled_ones_loudly() {
        let plan = parse(&[
            ",,,,,,",
            " , ,\u{3000}, , , , ",
            "1,3·12,义务植树,感德镇龙通村,开展义务植树。,机关党委,绿色环保",
            "注：活动时间可根据疫情防控形势调整,,,,,,",
            "",
            "2,3·20,,局机关,,办公室,",
        ]);
        assert_eq!(plan.rows.len(), 1);
        assert_eq!(plan.rows[0].line, 3);
        assert_eq!(
            plan.warnings,
            [
                "第4行: 活动主题为空，已跳过该行（本行内容：“注：活动时间可根据疫情防控形势调整”）",
                "第5行（序号2）: 活动主题为空，已跳过该行（本行内容：“2 | 3·20 | 局机关 | 办公室”）",
            ]
        );
    }

    #[test]
    fn a_sequence_number_that_is_no_integer_is_dropped_with_a_warning() {
        let plan = parse(&[
            "一,3·12,义务植树,感德镇龙通村,开展义务植树。,机关党委,",
            "２,3·12,义务植树,感德镇龙通村,开展义务植树。,机关党委,",
            "3.0,3·12,义务植树,感德镇龙通村,开展义务植树。,机关党委,",
            ",3·12,义务植树,感德镇龙通村,开展义务植树。,机关党委,",
        ]);
        let numbers: Vec<_> = plan.rows.iter().map(|row| row.seq_no).collect();
        assert_eq!(numbers, [None, Some(2), Some(3), None]);
        assert_eq!(
            plan.warnings,
            [
                "第1行“一”: 序号不是整数，已置空",
                "第4行“义务植树”: 序号为空",
            ]
        );
    }

    #[test]
    fn titles_lose_line_breaks_and_extra_spaces() {
        let plan = parse(&[
            "1,3·12,\"  “争做劳动先锋\u{3000}\u{3000}打造清洁家园”\n活动  \",局机关,大扫除,办公室,",
            "2,3·12,\"Green\nDay  清洁\",局机关,大扫除,办公室,",
        ]);
        assert_eq!(plan.rows[0].title, "“争做劳动先锋 打造清洁家园”活动");
        assert_eq!(plan.rows[1].title, "Green Day 清洁");
    }

    #[test]
    fn every_numbering_style_is_removed() {
        let cell = "\"1.源淮社区；\n2、金山社区;\n3．后亭社区。\n（4）东涂社区，\n(5) 滨海社区 \n⑥江南颐乐园\n七、局机关\n\n（八）救助站、\"";
        let plan = parse(&[&format!("1,3·12,走访,{cell},走访。,办公室,")]);
        assert_eq!(
            names(&plan.rows[0].locations),
            [
                "源淮社区",
                "金山社区",
                "后亭社区",
                "东涂社区",
                "滨海社区",
                "江南颐乐园",
                "局机关",
                "救助站",
            ]
        );
    }

    #[test]
    fn numbered_items_run_together_on_one_line_are_split() {
        let plan = parse(&[
            "1,3·12,走访,1.源淮社区；2.金山社区；3.后亭社区,1.发放1.5万元慰问金；2.座谈,办公室,",
        ]);
        let only = &plan.rows[0];
        assert_eq!(names(&only.locations), ["源淮社区", "金山社区", "后亭社区"]);
        assert_eq!(only.content_items, ["发放1.5万元慰问金", "座谈"]);
    }

    #[test]
    fn an_unnumbered_cell_is_one_item() {
        let plan = parse(&[
            "1,3·12,走访,社会福利中心养老院或江南颐乐园,陪伴做手工等，为院内孤残儿童送去节日关怀。,儿慈科,",
        ]);
        let only = &plan.rows[0];
        assert_eq!(names(&only.locations), ["社会福利中心养老院或江南颐乐园"]);
        assert_eq!(
            only.content_items,
            ["陪伴做手工等，为院内孤残儿童送去节日关怀"]
        );
    }

    #[test]
    fn departments_split_on_the_separators_a_cell_uses() {
        let plan = parse(&[
            "1,3·12,甲,局机关,无,\"养老科、社管科，办公室,机关党委\",",
            "2,3·12,乙,局机关,无,养老科 社管科  机关党委,",
            "3,3·12,丙,局机关,无,机关 党委,",
            "4,3·12,丁,局机关,无,\"1.养老科（牵头）\n2.社管科(配合)\n养老科\",",
            "5,3·12,戊,局机关,无,,",
        ]);
        let departments: Vec<_> = plan
            .rows
            .iter()
            .map(|row| row.departments.clone())
            .collect();
        assert_eq!(
            departments,
            [
                vec!["养老科", "社管科", "办公室", "机关党委"],
                vec!["养老科", "社管科", "机关党委"],
                vec!["机关党委"],
                vec!["养老科", "社管科"],
                vec![],
            ]
        );
        assert_eq!(plan.warnings, ["第5行（序号5）“戊”: 牵头科室为空"]);
    }

    #[test]
    fn online_and_undecided_places() {
        let plan = parse(&["1,3·12,讲座,\"线上（微信群）\n地点待定\n局机关\",无,办公室,"]);
        let flags: Vec<_> = plan.rows[0]
            .locations
            .iter()
            .map(|l| (l.name.as_str(), l.online, l.tbd))
            .collect();
        assert_eq!(
            flags,
            [
                ("线上（微信群）", true, false),
                ("地点待定", false, true),
                ("局机关", false, false),
            ]
        );
    }

    // --- Time labels ----------------------------------------------------------------

    fn dated_label(label: &str) -> Option<(String, String)> {
        let plan = timed(label);
        assert!(plan.warnings.is_empty(), "{label}: {:?}", plan.warnings);
        span(&plan.rows[0])
    }

    #[test]
    fn a_worded_day() {
        assert_eq!(
            dated_label("3月12日"),
            dated("2022-03-12T00:00:00+08:00", "2022-03-12T23:59:59+08:00")
        );
        assert_eq!(
            dated_label("3月12日植树节前后"),
            dated("2022-03-09T00:00:00+08:00", "2022-03-15T23:59:59+08:00")
        );
    }

    #[test]
    fn a_dotted_day_without_around_is_that_day() {
        for label in [
            "5.20",
            "5·20",
            "5・20",
            "5•20",
            "5．20",
            "５·２０",
            "“5.20”",
        ] {
            assert_eq!(
                dated_label(label),
                dated("2022-05-20T00:00:00+08:00", "2022-05-20T23:59:59+08:00"),
                "{label}"
            );
        }
    }

    #[test]
    fn holiday_labels_in_quotes() {
        assert_eq!(
            dated_label("“3·5学雷锋日”\n前后"),
            dated("2022-03-02T00:00:00+08:00", "2022-03-08T23:59:59+08:00")
        );
        assert_eq!(
            dated_label("“6·14世界无偿献血日”前后"),
            dated("2022-06-11T00:00:00+08:00", "2022-06-17T23:59:59+08:00")
        );
        assert_eq!(
            dated_label("2022年“12.4宪法宣传日”"),
            dated("2022-12-04T00:00:00+08:00", "2022-12-04T23:59:59+08:00")
        );
        assert_eq!(
            dated_label("“1·1元旦”前后"),
            dated("2021-12-29T00:00:00+08:00", "2022-01-04T23:59:59+08:00")
        );
    }

    #[test]
    fn month_ranges() {
        let march_april = dated("2022-03-01T00:00:00+08:00", "2022-04-30T23:59:59+08:00");
        for label in [
            "3-4月份",
            "3-4月",
            "3月-4月",
            "3月份-4月份",
            "3～4月",
            "3~4月",
            "3—4月",
            "3至4月",
            "2022年3-4月",
        ] {
            assert_eq!(dated_label(label), march_april, "{label}");
        }
        assert_eq!(
            dated_label("2月份"),
            dated("2022-02-01T00:00:00+08:00", "2022-02-28T23:59:59+08:00")
        );
        assert_eq!(
            dated_label("11-2月"),
            dated("2022-11-01T00:00:00+08:00", "2023-02-28T23:59:59+08:00")
        );
        assert_eq!(
            dated_label("9月下旬"),
            dated("2022-09-21T00:00:00+08:00", "2022-09-30T23:59:59+08:00")
        );
    }

    #[test]
    fn day_ranges() {
        assert_eq!(
            dated_label("3月5日-10日"),
            dated("2022-03-05T00:00:00+08:00", "2022-03-10T23:59:59+08:00")
        );
        assert_eq!(
            dated_label("12·28至1·3"),
            dated("2022-12-28T00:00:00+08:00", "2023-01-03T23:59:59+08:00")
        );
    }

    #[test]
    fn an_impossible_date_keeps_its_text_with_a_warning() {
        let plan = timed("2·30");
        let only = &plan.rows[0];
        assert_eq!(only.time_label.as_deref(), Some("2·30"));
        assert_eq!(span(only), None);
        assert_eq!(
            plan.warnings,
            ["第1行（序号1）“2·30”: 活动时间中的日期不存在（2月30日），保留原文，未设定日期"]
        );
        assert_eq!(timed("13月份").warnings.len(), 1);
    }

    #[test]
    fn labels_that_name_no_date_stay_undated() {
        for label in [
            "全年",
            "每月第一个周六",
            "3、4月份",
            "3·5、3·12",
            "3·10-3·5",
            "3-4",
            "2022",
            "第二季度",
        ] {
            let plan = timed(label);
            assert_eq!(span(&plan.rows[0]), None, "{label}");
            assert_eq!(
                plan.warnings,
                [format!(
                    "第1行（序号1）“{label}”: 活动时间无法识别为日期，保留原文，未设定日期"
                )]
            );
        }
    }

    #[test]
    fn a_stated_year_wins_over_the_plan_year_with_a_note() {
        let plan = timed("2023年1月份");
        assert_eq!(
            span(&plan.rows[0]),
            dated("2023-01-01T00:00:00+08:00", "2023-01-31T23:59:59+08:00")
        );
        assert_eq!(
            plan.warnings,
            [
                "第1行（序号1）“2023年1月份”: 活动时间写明2023年，与方案年度2022年不同，按写明的年份设定日期"
            ]
        );
    }

    #[test]
    fn an_empty_time_is_undated_with_a_warning() {
        let plan = timed("  ");
        assert_eq!(plan.rows[0].time_label, None);
        assert_eq!(
            plan.warnings,
            ["第1行（序号1）“主题活动”: 活动时间为空，未设定日期"]
        );
    }

    #[test]
    fn time_labels_can_be_dated_on_their_own() {
        assert_eq!(
            date_time_label("“4·5清明节”前后", 2023),
            Some((
                at("2023-04-02T00:00:00+08:00"),
                at("2023-04-08T23:59:59+08:00")
            ))
        );
        assert_eq!(date_time_label("待定", 2023), None);
    }

    /// Every row of the demo table dated as a bureau clerk would: the window the label
    /// gives, and the day it names as the anchor (`startDate`).
    #[test]
    fn the_seventeen_demo_rows_get_the_dates_a_clerk_would_give_them() {
        let plan = demo();
        let day = |text: &str| chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap();
        let expected = [
            (1, "2022-01-01", "2022-02-15", "2022-01-01"),
            (2, "2022-03-02", "2022-03-08", "2022-03-05"),
            (3, "2022-03-09", "2022-03-15", "2022-03-12"),
            (4, "2022-03-01", "2022-04-30", "2022-03-01"),
            (5, "2022-04-02", "2022-04-08", "2022-04-05"),
            (6, "2022-04-20", "2022-04-26", "2022-04-23"),
            (7, "2022-04-28", "2022-05-04", "2022-05-01"),
            (8, "2022-05-01", "2022-05-07", "2022-05-04"),
            (9, "2022-05-28", "2022-06-03", "2022-05-31"),
            (10, "2022-05-29", "2022-06-04", "2022-06-01"),
            (11, "2022-05-31", "2022-06-06", "2022-06-03"),
            (12, "2022-06-11", "2022-06-17", "2022-06-14"),
            (13, "2022-06-28", "2022-07-04", "2022-07-01"),
            (14, "2022-08-01", "2022-08-07", "2022-08-04"),
            (15, "2022-09-07", "2022-09-13", "2022-09-10"),
            (16, "2022-10-01", "2022-10-07", "2022-10-04"),
            (17, "2022-12-01", "2022-12-07", "2022-12-04"),
        ];
        for (seq, first, last, anchor) in expected {
            let row = row(&plan, seq);
            assert_eq!(
                span(row),
                dated(
                    &format!("{first}T00:00:00+08:00"),
                    &format!("{last}T23:59:59+08:00")
                ),
                "row {seq} {:?}",
                row.time_label
            );
            assert_eq!(
                row.anchor_on,
                Some(day(anchor)),
                "row {seq} {:?}",
                row.time_label
            );
        }
    }

    /// Lunar festivals and 清明 without a solar date in the label.
    #[test]
    fn festivals_named_without_a_date_are_dated_from_the_calendar() {
        let dates = |label: &str, year: i32| {
            date_label(label, year).ok().map(|d| {
                (
                    d.starts_at.date_naive().to_string(),
                    d.ends_at.date_naive().to_string(),
                    d.anchor.to_string(),
                )
            })
        };
        let owned = |a: &str, b: &str, c: &str| Some((a.to_owned(), b.to_owned(), c.to_owned()));
        assert_eq!(
            dates("重阳节前后", 2023),
            owned("2023-10-20", "2023-10-26", "2023-10-23")
        );
        assert_eq!(
            dates("“中秋节”", 2025),
            owned("2025-10-06", "2025-10-06", "2025-10-06")
        );
        assert_eq!(
            dates("春节期间", 2026),
            owned("2026-02-17", "2026-03-03", "2026-02-17")
        );
        assert_eq!(
            dates("清明节前后", 2024),
            owned("2024-04-01", "2024-04-07", "2024-04-04")
        );
        assert_eq!(
            dates("端午节", 2028),
            owned("2028-05-28", "2028-05-28", "2028-05-28")
        );
        assert_eq!(
            dates("国际志愿者日前后", 2026),
            owned("2026-12-02", "2026-12-08", "2026-12-05")
        );
        assert_eq!(
            dates("重阳节前后", 2031),
            None,
            "beyond the festival table: undated, with a warning"
        );
    }
}
