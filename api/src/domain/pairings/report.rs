//! A pairing's quarterly report (季度报告): what happened in the quarter, as data and as a
//! workbook; departments submit it with a note, and the office sees which are missing.
//!
//! The quarter's activities are those that count towards the pairing (`progress`) whose
//! day (`start_date`) lies in the quarter; their approved hours and volunteers, the
//! commitments they ticked, and the care visits made in the quarter (and within the
//! pairing's period) to the department's recipients living in the pairing's community.

use std::collections::{HashMap, HashSet};

use chrono::{NaiveDate, Utc};
use rust_xlsxwriter::{Format, FormatBorder, Workbook, XlsxError};
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, FromQueryResult, QueryFilter,
    QueryOrder, Set, Statement, Value,
};

use entity::enums::{CommitmentUnit, Role, ServiceRecordStatus};
use entity::{
    activity, activity_commitment, community, department, pairing, pairing_commitment,
    pairing_report,
};

use crate::auth::Viewer;
use crate::context::AppState;
use crate::db::{begin_write, sql_value};
use crate::domain::audit;
use crate::domain::calendar::today;
use crate::domain::input::{self, max};
use crate::error::{AppError, AppResult, Reason, Thing};

use super::progress;

/// The first and last day of a quarter; years 2000–2100, quarters 1–4.
pub fn quarter_days(year: i32, quarter: i32) -> AppResult<(NaiveDate, NaiveDate)> {
    if !(2000..=2100).contains(&year) {
        return Err(AppError::input(
            "year",
            Reason::OutOfRange {
                min: 2000,
                max: 2100,
            },
        ));
    }
    if !(1..=4).contains(&quarter) {
        return Err(AppError::input(
            "quarter",
            Reason::OutOfRange { min: 1, max: 4 },
        ));
    }
    let first_month = (quarter as u32 - 1) * 3 + 1;
    let from = NaiveDate::from_ymd_opt(year, first_month, 1).expect("valid quarter start");
    let next = if quarter == 4 {
        NaiveDate::from_ymd_opt(year + 1, 1, 1)
    } else {
        NaiveDate::from_ymd_opt(year, first_month + 3, 1)
    }
    .expect("valid quarter end");
    Ok((from, next.pred_opt().expect("a day before")))
}

/// One activity of the quarter.
#[derive(Debug, Clone)]
pub struct ReportActivity {
    pub activity: activity::Model,
    pub minutes: i64,
    pub volunteer_count: i64,
}

/// A commitment and what the quarter did towards it.
#[derive(Debug, Clone)]
pub struct ReportCommitment {
    pub commitment: pairing_commitment::Model,
    pub done: f64,
}

#[derive(Debug, Clone)]
pub struct Report {
    pub pairing: pairing::Model,
    pub department: String,
    pub community: String,
    pub year: i32,
    pub quarter: i32,
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub activities: Vec<ReportActivity>,
    pub minutes: i64,
    pub volunteer_count: i64,
    pub commitments: Vec<ReportCommitment>,
    pub visit_count: i64,
    pub visited_recipient_count: i64,
    pub submission: Option<pairing_report::Model>,
}

/// Organizers of the pairing's department, the office (VIEWER) and admins read reports.
fn may_read(viewer: &Viewer, pairing: &pairing::Model) -> AppResult<()> {
    let user = viewer.require_any(&[Role::Organizer, Role::Viewer, Role::Admin])?;
    if user.reads_everything() || user.may_manage_department(Some(pairing.department_id)) {
        Ok(())
    } else {
        Err(AppError::of(Reason::NotOwnDepartment))
    }
}

/// The quarter's report.
pub async fn report(
    db: &DatabaseConnection,
    viewer: &Viewer,
    pairing_id: i32,
    year: i32,
    quarter: i32,
) -> AppResult<Report> {
    let (from, to) = quarter_days(year, quarter)?;
    let pairing = pairing::Entity::find_by_id(pairing_id)
        .one(db)
        .await?
        .ok_or(AppError::not_found(Thing::Pairing))?;
    may_read(viewer, &pairing)?;
    let department = department::Entity::find_by_id(pairing.department_id)
        .one(db)
        .await?
        .map(|d| d.name)
        .unwrap_or_default();
    let community = community::Entity::find_by_id(pairing.community_id)
        .one(db)
        .await?
        .map(|c| c.name)
        .unwrap_or_default();

    let backend = db.get_database_backend();
    let placeholder = |n: usize| crate::db::placeholder(backend, n);
    // The quarter's counting activities with their approved minutes and volunteers.
    let sql = format!(
        "SELECT t.activity_id AS activity_id, \
         CAST(COALESCE(SUM(s.minutes), 0) AS BIGINT) AS minutes, \
         COUNT(DISTINCT s.volunteer_id) AS volunteers \
         FROM ({counted}) t JOIN activities a ON a.id = t.activity_id \
         LEFT JOIN service_records s ON s.activity_id = t.activity_id AND s.status = {approved} \
         WHERE t.pairing_id = {p1} AND a.start_date >= {p2} AND a.start_date <= {p3} \
         GROUP BY t.activity_id",
        counted = progress::counted_activities(backend),
        approved = sql_value(ServiceRecordStatus::Approved),
        p1 = placeholder(1),
        p2 = placeholder(2),
        p3 = placeholder(3),
    );
    #[derive(FromQueryResult)]
    struct Row {
        activity_id: i32,
        minutes: i64,
        volunteers: i64,
    }
    let values: Vec<Value> = vec![pairing_id.into(), from.into(), to.into()];
    let rows = Row::find_by_statement(Statement::from_sql_and_values(backend, sql, values))
        .all(db)
        .await?;
    let figures: HashMap<i32, (i64, i64)> = rows
        .iter()
        .map(|r| (r.activity_id, (r.minutes, r.volunteers)))
        .collect();
    let ids: Vec<i32> = figures.keys().copied().collect();
    let models = activity::Entity::find()
        .filter(activity::Column::Id.is_in(ids.clone()))
        .order_by_asc(activity::Column::StartDate)
        .order_by_asc(activity::Column::Id)
        .all(db)
        .await?;
    // Volunteers of the quarter: distinct across its activities.
    let volunteer_count = if ids.is_empty() {
        0
    } else {
        let sql = format!(
            "SELECT COUNT(DISTINCT s.volunteer_id) AS n FROM service_records s \
             WHERE s.status = {} AND s.activity_id IN ({})",
            sql_value(ServiceRecordStatus::Approved),
            super::service::placeholders(backend, ids.len())
        );
        #[derive(FromQueryResult)]
        struct Count {
            n: i64,
        }
        let values: Vec<Value> = ids.iter().map(|id| (*id).into()).collect();
        Count::find_by_statement(Statement::from_sql_and_values(backend, sql, values))
            .one(db)
            .await?
            .map_or(0, |c| c.n)
    };
    let activities: Vec<ReportActivity> = models
        .into_iter()
        .map(|activity| {
            let (minutes, volunteer_count) = figures.get(&activity.id).copied().unwrap_or((0, 0));
            ReportActivity {
                activity,
                minutes,
                volunteer_count,
            }
        })
        .collect();
    let minutes = activities.iter().map(|a| a.minutes).sum();

    // Care visits of the quarter that count towards the pairing: to the department's
    // recipients in the community, within the pairing's period (`progress::counted_visits`).
    let sql = format!(
        "SELECT v.recipient_id AS recipient_id FROM ({counted}) t \
         JOIN care_visits v ON v.id = t.visit_id \
         WHERE t.pairing_id = {p1} AND t.visited_on >= {p2} AND t.visited_on <= {p3}",
        counted = progress::counted_visits(),
        p1 = placeholder(1),
        p2 = placeholder(2),
        p3 = placeholder(3),
    );
    #[derive(FromQueryResult)]
    struct Visit {
        recipient_id: i32,
    }
    let values: Vec<Value> = vec![pairing_id.into(), from.into(), to.into()];
    let visits = Visit::find_by_statement(Statement::from_sql_and_values(backend, sql, values))
        .all(db)
        .await?;
    let visited: HashSet<i32> = visits.iter().map(|v| v.recipient_id).collect();

    // Commitments: the quarter's activities that tick each, their minutes, or its visits.
    let commitments = pairing_commitment::Entity::find()
        .filter(pairing_commitment::Column::PairingId.eq(pairing_id))
        .order_by_asc(pairing_commitment::Column::Position)
        .all(db)
        .await?;
    let ticks = activity_commitment::Entity::find()
        .filter(activity_commitment::Column::ActivityId.is_in(ids.clone()))
        .all(db)
        .await?;
    let commitments = commitments
        .into_iter()
        .map(|commitment| {
            let ticking: Vec<i32> = ticks
                .iter()
                .filter(|t| t.commitment_id == commitment.id)
                .map(|t| t.activity_id)
                .collect();
            let done = match commitment.unit {
                CommitmentUnit::Activities => ticking.len() as f64,
                CommitmentUnit::Hours => {
                    ticking
                        .iter()
                        .map(|id| figures.get(id).map_or(0, |f| f.0))
                        .sum::<i64>() as f64
                        / 60.0
                }
                CommitmentUnit::Visits => visits.len() as f64,
            };
            ReportCommitment { commitment, done }
        })
        .collect();

    let submission = pairing_report::Entity::find()
        .filter(pairing_report::Column::PairingId.eq(pairing_id))
        .filter(pairing_report::Column::Year.eq(year))
        .filter(pairing_report::Column::Quarter.eq(quarter))
        .one(db)
        .await?;
    Ok(Report {
        pairing,
        department,
        community,
        year,
        quarter,
        from,
        to,
        activities,
        minutes,
        volunteer_count,
        commitments,
        visit_count: visits.len() as i64,
        visited_recipient_count: visited.len() as i64,
        submission,
    })
}

/// The department submits a quarter's report after the quarter, with a note (≤ 2,000
/// characters); submitting again replaces the note. Organizers of the department, admins.
#[tracing::instrument(skip(state, viewer, note), err(level = "info", Debug))]
pub async fn submit(
    state: &AppState,
    viewer: &Viewer,
    pairing_id: i32,
    year: i32,
    quarter: i32,
    note: Option<&str>,
) -> AppResult<pairing_report::Model> {
    let user = viewer.require()?;
    let (_, to) = quarter_days(year, quarter)?;
    let note = input::optional_text("note", note, max::TEXT)?;
    let txn = begin_write(&state.writer).await?;
    let pairing = pairing::Entity::find_by_id(pairing_id)
        .one(&txn)
        .await?
        .ok_or(AppError::not_found(Thing::Pairing))?;
    if !user.may_manage_department(Some(pairing.department_id)) {
        return Err(AppError::of(Reason::NotOwnDepartment));
    }
    if to >= today() {
        return Err(AppError::of(Reason::QuarterNotOver));
    }
    pairing_report::Entity::insert(pairing_report::ActiveModel {
        pairing_id: Set(pairing_id),
        year: Set(year),
        quarter: Set(quarter),
        note: Set(note),
        submitted_by: Set(user.id),
        submitted_at: Set(Utc::now()),
        ..Default::default()
    })
    .on_conflict(
        OnConflict::columns([
            pairing_report::Column::PairingId,
            pairing_report::Column::Year,
            pairing_report::Column::Quarter,
        ])
        .update_columns([
            pairing_report::Column::Note,
            pairing_report::Column::SubmittedBy,
            pairing_report::Column::SubmittedAt,
        ])
        .to_owned(),
    )
    .exec(&txn)
    .await?;
    let saved = pairing_report::Entity::find()
        .filter(pairing_report::Column::PairingId.eq(pairing_id))
        .filter(pairing_report::Column::Year.eq(year))
        .filter(pairing_report::Column::Quarter.eq(quarter))
        .one(&txn)
        .await?
        .ok_or_else(|| AppError::internal(anyhow::anyhow!("report just saved is missing")))?;
    audit::record(
        &txn,
        viewer,
        audit::AuditAction::PairingReportSubmit,
        Some(saved.id),
    )
    .await?;
    txn.commit().await?;
    Ok(saved)
}

/// Pairings active on some day of an ended quarter whose report was not submitted: the
/// office (VIEWER) and admins see all, an organizer their department's. Empty while the
/// quarter lasts.
pub async fn missing<C: ConnectionTrait>(
    db: &C,
    viewer: &Viewer,
    year: i32,
    quarter: i32,
) -> AppResult<Vec<pairing::Model>> {
    let user = viewer.require_any(&[Role::Organizer, Role::Viewer, Role::Admin])?;
    let (from, to) = quarter_days(year, quarter)?;
    if to >= today() {
        return Ok(Vec::new());
    }
    let mut query = pairing::Entity::find()
        .filter(pairing::Column::StartsOn.lte(to))
        .filter(
            sea_orm::Condition::any()
                .add(pairing::Column::EndsOn.is_null())
                .add(pairing::Column::EndsOn.gte(from)),
        );
    if !user.reads_everything() {
        let Some(department) = user.department_id else {
            return Err(AppError::of(Reason::NoDepartment));
        };
        query = query.filter(pairing::Column::DepartmentId.eq(department));
    }
    let pairings = query
        .order_by_asc(pairing::Column::DepartmentId)
        .order_by_asc(pairing::Column::Id)
        .all(db)
        .await?;
    let submitted: HashSet<i32> = pairing_report::Entity::find()
        .filter(pairing_report::Column::Year.eq(year))
        .filter(pairing_report::Column::Quarter.eq(quarter))
        .all(db)
        .await?
        .into_iter()
        .map(|r| r.pairing_id)
        .collect();
    Ok(pairings
        .into_iter()
        .filter(|p| !submitted.contains(&p.id))
        .collect())
}

/// The sheet's name, which the tests read back.
pub const SHEET: &str = "季度报告";

/// The report as a workbook: a title, the figures, the commitments, the activities.
pub fn report_xlsx(report: &Report) -> Result<Vec<u8>, XlsxError> {
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    sheet.set_name(SHEET)?;
    let title = Format::new().set_bold().set_font_size(16);
    let header = Format::new().set_bold().set_border(FormatBorder::Thin);
    let cell = Format::new().set_border(FormatBorder::Thin).set_text_wrap();
    let number = Format::new()
        .set_border(FormatBorder::Thin)
        .set_num_format("0.0");
    sheet.write_string_with_format(
        0,
        0,
        format!(
            "{} × {} {}年第{}季度结对报告",
            report.department, report.community, report.year, report.quarter
        ),
        &title,
    )?;
    sheet.write_string(1, 0, format!("{} 至 {}", report.from, report.to))?;
    let mut row = 3;
    for (label, value) in [
        ("活动（次）", report.activities.len() as f64),
        ("志愿服务时长（小时）", report.minutes as f64 / 60.0),
        ("参与志愿者（人）", report.volunteer_count as f64),
        ("走访（次）", report.visit_count as f64),
        ("走访对象（人）", report.visited_recipient_count as f64),
    ] {
        sheet.write_string_with_format(row, 0, label, &header)?;
        sheet.write_number_with_format(row, 1, value, &number)?;
        row += 1;
    }
    row += 1;
    for (col, label) in ["承诺事项", "目标", "单位", "本季度完成"]
        .iter()
        .enumerate()
    {
        sheet.write_string_with_format(row, col as u16, *label, &header)?;
    }
    row += 1;
    for c in &report.commitments {
        sheet.write_string_with_format(row, 0, &c.commitment.name, &cell)?;
        sheet.write_number_with_format(row, 1, f64::from(c.commitment.target), &number)?;
        let unit = match c.commitment.unit {
            CommitmentUnit::Activities => "次",
            CommitmentUnit::Hours => "小时",
            CommitmentUnit::Visits => "次走访",
        };
        sheet.write_string_with_format(row, 2, unit, &cell)?;
        sheet.write_number_with_format(row, 3, c.done, &number)?;
        row += 1;
    }
    row += 1;
    for (col, label) in ["活动名称", "日期", "志愿服务时长（小时）", "志愿者（人）"]
        .iter()
        .enumerate()
    {
        sheet.write_string_with_format(row, col as u16, *label, &header)?;
    }
    row += 1;
    for a in &report.activities {
        sheet.write_string_with_format(row, 0, &a.activity.title, &cell)?;
        let day = a
            .activity
            .start_date
            .map(|d| d.to_string())
            .unwrap_or_default();
        sheet.write_string_with_format(row, 1, day, &cell)?;
        sheet.write_number_with_format(row, 2, a.minutes as f64 / 60.0, &number)?;
        sheet.write_number_with_format(row, 3, a.volunteer_count as f64, &number)?;
        row += 1;
    }
    row += 1;
    let submitted = match &report.submission {
        Some(s) => format!(
            "已报送：{}{}",
            crate::domain::calendar::local_date(s.submitted_at),
            s.note
                .as_deref()
                .map(|n| format!("。说明：{n}"))
                .unwrap_or_default()
        ),
        None => "尚未报送".to_owned(),
    };
    sheet.write_string(row, 0, submitted)?;
    sheet.set_column_width(0, 40)?;
    sheet.set_column_width(1, 14)?;
    sheet.set_column_width(2, 20)?;
    sheet.set_column_width(3, 14)?;
    workbook.save_to_buffer()
}

/// For the HTTP endpoint: the workbook of a report the viewer may read.
pub async fn report_document(
    state: &AppState,
    viewer: &Viewer,
    pairing_id: i32,
    year: i32,
    quarter: i32,
) -> AppResult<Vec<u8>> {
    let report = report(&state.db, viewer, pairing_id, year, quarter).await?;
    report_xlsx(&report)
        .map_err(|err| AppError::internal(anyhow::anyhow!("pairing report workbook: {err}")))
}
