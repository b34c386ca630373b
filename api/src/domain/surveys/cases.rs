//! External cases: 12345 hotline work orders (工单) imported as HOTLINE responses of a
//! survey, each with its case number, so that importing the same case twice changes
//! nothing.
//!
//! The table is the export every 12345 platform gives a department: one row per work
//! order, with a header row. The columns are found by their header (in any order, others
//! ignored):
//!
//! | column | headers accepted | value |
//! |---|---|---|
//! | case number | 工单编号, 工单号, 编号, caseNumber | 1–64 characters, unique |
//! | day | 受理日期, 来电日期, 回访日期, 日期, answeredOn | 2026-11-30, 2026/11/30, 2026年11月30日 (a time after it is ignored) |
//! | satisfaction | 满意度, 评价结果, 评价, satisfaction | 非常满意, 满意, 基本满意, 不满意, 非常不满意 (or the level's name) |
//! | content | 诉求内容, 内容, 来电内容, content | optional, at most 2,000 characters |
//!
//! The whole table is checked first: one bad row refuses it and stores nothing (the error
//! names the row). The satisfaction answers the survey's overall question; the content
//! answers its first TEXT question, if it has one. A dissatisfied case opens a
//! rectification due N working days after its day, as any answer does.

use std::collections::HashSet;

use chrono::{NaiveDate, Utc};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QuerySelect, Set};

use entity::enums::{FeedbackChannel, QuestionKind, SatisfactionLevel, SurveyStatus};
use entity::{survey, survey_response};

use crate::auth::Viewer;
use crate::context::AppState;
use crate::db::begin_write;
use crate::domain::audit;
use crate::domain::calendar::local_date;
use crate::domain::input::{self, max};
use crate::error::{AppError, AppResult, Reason, Thing};

use super::service::owning_department;
use super::submission::{self, AnswerRow};

/// At most this many work orders in one import.
pub const MAX_CASES: usize = 1_000;
/// A case number's length.
pub const MAX_CASE_NUMBER_CHARS: usize = 64;

/// One work order, checked.
#[derive(Debug, Clone, PartialEq)]
pub struct Case {
    /// The row of the table, counting the header as row 1.
    pub line: usize,
    pub number: String,
    pub answered_on: NaiveDate,
    pub level: SatisfactionLevel,
    pub content: Option<String>,
}

/// What an import did.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CaseImport {
    /// Responses created.
    pub imported: usize,
    /// Case numbers already imported (earlier, or twice in this table): nothing changed.
    pub skipped: Vec<String>,
    /// Rectifications the new dissatisfied cases opened.
    pub rectifications: usize,
}

const NUMBER: &[&str] = &["工单编号", "工单号", "编号", "casenumber", "case_number"];
const DAY: &[&str] = &[
    "受理日期",
    "来电日期",
    "回访日期",
    "日期",
    "answeredon",
    "answered_on",
];
const LEVEL: &[&str] = &["满意度", "评价结果", "评价", "satisfaction"];
const CONTENT: &[&str] = &["诉求内容", "内容", "来电内容", "content"];

fn bad(reason: Reason) -> AppError {
    AppError::input("csv", reason)
}

fn bad_cell(line: usize, column: &'static str, problem: Reason) -> AppError {
    AppError::input("csv", problem).in_table_row(line, column)
}

fn level_of(text: &str) -> Option<SatisfactionLevel> {
    Some(match text.trim() {
        "非常满意" | "VERY_SATISFIED" => SatisfactionLevel::VerySatisfied,
        "满意" | "SATISFIED" => SatisfactionLevel::Satisfied,
        "基本满意" | "BASICALLY_SATISFIED" => SatisfactionLevel::BasicallySatisfied,
        "不满意" | "DISSATISFIED" => SatisfactionLevel::Dissatisfied,
        "非常不满意" | "VERY_DISSATISFIED" => SatisfactionLevel::VeryDissatisfied,
        _ => return None,
    })
}

fn day_of(text: &str) -> Option<NaiveDate> {
    // A timestamp's time is dropped: the day is what counts.
    let day = text.split_whitespace().next().unwrap_or_default();
    ["%Y-%m-%d", "%Y/%m/%d", "%Y年%m月%d日", "%Y.%m.%d"]
        .iter()
        .find_map(|format| NaiveDate::parse_from_str(day, format).ok())
}

/// Parses and checks the whole table; the first bad row refuses it.
pub fn parse(csv_text: &str, today: NaiveDate) -> AppResult<Vec<Case>> {
    if csv_text.len() > max::TABLE_BYTES {
        return Err(bad(Reason::TableTooLarge {
            max_kib: max::TABLE_BYTES / 1024,
        }));
    }
    let text = csv_text.strip_prefix('\u{feff}').unwrap_or(csv_text);
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let headers: Vec<String> = reader
        .headers()
        .map_err(|_| bad(Reason::TableUnreadable))?
        .iter()
        .map(|h| h.trim().to_lowercase())
        .collect();
    let column = |names: &[&str], label: &str| {
        headers
            .iter()
            .position(|h| names.contains(&h.as_str()))
            .ok_or_else(|| {
                bad(Reason::TableMissingColumns {
                    columns: label.to_owned(),
                })
            })
    };
    let (number_at, day_at, level_at) = (
        column(NUMBER, "工单编号")?,
        column(DAY, "受理日期")?,
        column(LEVEL, "满意度")?,
    );
    let content_at = column(CONTENT, "诉求内容").ok();

    let mut cases = Vec::new();
    for (index, record) in reader.records().enumerate() {
        let line = index + 2;
        let record = record.map_err(|_| bad(Reason::RowUnreadable { line }))?;
        if record.iter().all(|cell| cell.trim().is_empty()) {
            continue;
        }
        if cases.len() == MAX_CASES {
            return Err(bad(Reason::TooManyRows { max: MAX_CASES }));
        }
        let cell = |at: usize| record.get(at).unwrap_or_default();
        let at = |column: &'static str, err: AppError| err.in_table_row(line, column);
        let number = input::line("csv", cell(number_at), MAX_CASE_NUMBER_CHARS)
            .map_err(|e| at("工单编号", e))?;
        let answered_on =
            day_of(cell(day_at)).ok_or_else(|| bad_cell(line, "受理日期", Reason::InvalidDate))?;
        if answered_on > today {
            return Err(bad_cell(line, "受理日期", Reason::DateInFuture));
        }
        let level = level_of(cell(level_at))
            .ok_or_else(|| bad_cell(line, "满意度", Reason::InvalidSatisfactionLevel))?;
        let content = match content_at {
            Some(i) => input::optional_text("csv", Some(cell(i)), max::TEXT)
                .map_err(|e| at("诉求内容", e))?,
            None => None,
        };
        cases.push(Case {
            line,
            number,
            answered_on,
            level,
            content,
        });
    }
    if cases.is_empty() {
        return Err(bad(Reason::TableEmpty));
    }
    Ok(cases)
}

/// Imports work orders into a survey: organizers of the survey's department and admins,
/// into a survey that is not a draft. Every case's day lies within the survey's window.
/// One transaction: a refused table stores nothing.
#[tracing::instrument(skip(state, viewer, csv_text), err(level = "info", Debug))]
pub async fn import(
    state: &AppState,
    viewer: &Viewer,
    survey_id: i32,
    csv_text: &str,
) -> AppResult<CaseImport> {
    let user = viewer.require()?;
    let now = Utc::now();
    let cases = parse(csv_text, local_date(now))?;
    // Before the write lock: most work orders are complaints, each with its deadline.
    let deadlines = submission::Deadlines::load(state).await?;

    let txn = begin_write(&state.writer).await?;
    let survey = survey::Entity::find_by_id(survey_id)
        .one(&txn)
        .await?
        .ok_or(AppError::not_found(Thing::Survey))?;
    let department_id = owning_department(&txn, &survey).await?;
    if !user.may_manage_department(department_id) {
        return Err(if survey.status == SurveyStatus::Draft {
            AppError::not_found(Thing::Survey)
        } else {
            AppError::of(Reason::NotOwnDepartment)
        });
    }
    if survey.status == SurveyStatus::Draft {
        return Err(AppError::of(Reason::SurveyDraft));
    }
    for case in &cases {
        if survey
            .opens_at
            .is_some_and(|opens| case.answered_on < local_date(opens))
            || survey
                .closes_at
                .is_some_and(|closes| case.answered_on > local_date(closes))
        {
            return Err(bad_cell(
                case.line,
                "受理日期",
                Reason::AnsweredOnOutsideSurvey,
            ));
        }
    }
    let questions = submission::questions_of(&txn, survey_id).await?;
    let overall = submission::overall_question(questions.iter().map(|spec| &spec.question))
        .ok_or_else(|| AppError::input("surveyId", Reason::SurveyNoSatisfactionQuestion))?;
    let text_question = questions
        .iter()
        .find(|spec| spec.question.kind == QuestionKind::Text)
        .map(|spec| spec.question.id);

    let numbers: Vec<&str> = cases.iter().map(|case| case.number.as_str()).collect();
    let mut known: HashSet<String> = HashSet::new();
    for chunk in numbers.chunks(max::IDS) {
        known.extend(
            survey_response::Entity::find()
                .select_only()
                .column(survey_response::Column::ExternalCaseNumber)
                .filter(survey_response::Column::ExternalCaseNumber.is_in(chunk.iter().copied()))
                .into_tuple::<Option<String>>()
                .all(&txn)
                .await?
                .into_iter()
                .flatten(),
        );
    }

    let mut done = CaseImport::default();
    for case in cases {
        if !known.insert(case.number.clone()) {
            done.skipped.push(case.number);
            continue;
        }
        let mut rows = vec![AnswerRow::level(overall, case.level)];
        if let (Some(question_id), Some(text)) = (text_question, case.content) {
            rows.push(AnswerRow::text(question_id, text));
        }
        let entered = survey_response::ActiveModel {
            survey_id: Set(survey_id),
            respondent_id: Set(None),
            respondent_key: Set(None),
            idempotency_key: Set(None),
            channel: Set(FeedbackChannel::Hotline),
            satisfaction: Set(Some(case.level)),
            department_id: Set(department_id),
            entered_by: Set(Some(user.id)),
            submitted_at: Set(now),
            submitted_on: Set(local_date(now)),
            answered_on: Set(case.answered_on),
            external_case_number: Set(Some(case.number)),
            voided: Set(false),
            ..Default::default()
        };
        let written = submission::write_response(
            &txn,
            entered,
            &survey,
            department_id,
            &questions,
            rows,
            now,
            Some(&deadlines),
        )
        .await?;
        // Another import of the same cases committed first (PostgreSQL).
        let Some((response, opened)) = written else {
            return Err(AppError::of(Reason::ImportBusy));
        };
        done.imported += 1;
        done.rectifications += usize::from(opened.is_some());
        audit::record(
            &txn,
            viewer,
            audit::AuditAction::SurveyResponseEnter,
            Some(response.id),
        )
        .await?;
    }
    txn.commit().await?;
    if done.imported > 0 {
        state.dashboards_changed().await;
    }
    Ok(done)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 12, 3).unwrap()
    }

    #[test]
    fn reads_a_platform_export_with_its_own_headers_and_dates() {
        let table = "\u{feff}序号,工单编号,来电日期,诉求内容,满意度,承办单位\n\
                     1,QZ12345-20261130-0001,2026/11/30 09:12:00,路灯不亮,不满意,养老科\n\
                     2,QZ12345-20261201-0002,2026年12月1日,,基本满意,养老科\n\
                     ,,,,,\n";
        let cases = parse(table, today()).unwrap();
        assert_eq!(cases.len(), 2);
        assert_eq!(cases[0].number, "QZ12345-20261130-0001");
        assert_eq!(
            cases[0].answered_on,
            NaiveDate::from_ymd_opt(2026, 11, 30).unwrap()
        );
        assert_eq!(cases[0].level, SatisfactionLevel::Dissatisfied);
        assert_eq!(cases[0].content.as_deref(), Some("路灯不亮"));
        assert_eq!(cases[1].line, 3);
        assert_eq!(cases[1].content, None);
    }

    fn refusal(table: &str) -> String {
        match parse(table, today()) {
            Err(err) => {
                assert!(
                    matches!(&err, AppError::Refused { field: Some(field), .. } if field == "csv"),
                    "{err:?}"
                );
                err.message()
            }
            other => panic!("expected a refusal, got {other:?}"),
        }
    }

    #[test]
    fn names_the_row_and_column_of_what_it_refuses() {
        assert!(refusal("编号,日期\n1,2026-11-30\n").contains("满意度"));
        assert!(refusal("编号,日期,满意度\nA1,2026-11-30,很好\n").contains("第2行「满意度」"));
        assert!(refusal("编号,日期,满意度\nA1,昨天,满意\n").contains("第2行「受理日期」"));
        assert!(refusal("编号,日期,满意度\nA1,2026-12-04,满意\n").contains("不能晚于今天"));
        let long = "x".repeat(MAX_CASE_NUMBER_CHARS + 1);
        assert!(
            refusal(&format!("编号,日期,满意度\n{long},2026-11-30,满意\n")).contains("工单编号")
        );
        assert!(refusal("编号,日期,满意度\n").contains("没有数据"));
    }

    #[test]
    fn bounds_the_number_of_cases() {
        let mut table = String::from("编号,日期,满意度\n");
        for i in 0..=MAX_CASES {
            table.push_str(&format!("C{i},2026-11-30,满意\n"));
        }
        assert!(refusal(&table).contains("最多导入"));
    }
}
