//! The plan's year-end summary (年度总结) as a document bureaus open in Excel: one sheet,
//! a title, one row per activity in plan order (its dates, lead department, state, hours,
//! people served and who, the organizers' account, photos), and the totals.

use std::collections::HashMap;

use rust_xlsxwriter::{Format, FormatAlign, FormatBorder, Workbook, XlsxError};

use entity::enums::ActivityStatus;

use super::execution::PlanSummary;

/// The sheet's name, which the tests read back.
pub const SHEET: &str = "年度总结";

/// The columns, in order.
pub const COLUMNS: [&str; 10] = [
    "序号",
    "活动名称",
    "牵头科室",
    "日期",
    "状态",
    "志愿服务时长（小时）",
    "服务人数",
    "服务对象",
    "活动总结",
    "照片（张）",
];

fn status_label(status: ActivityStatus) -> &'static str {
    match status {
        ActivityStatus::Draft => "草稿",
        ActivityStatus::Published => "已发布",
        ActivityStatus::Completed => "已完成",
        ActivityStatus::Cancelled => "已取消",
    }
}

/// The workbook's bytes. `departments` names the lead departments by id; `photos` counts
/// each activity's photos.
pub fn summary_xlsx(
    summary: &PlanSummary,
    departments: &HashMap<i32, String>,
    photos: &HashMap<i32, usize>,
) -> Result<Vec<u8>, XlsxError> {
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    sheet.set_name(SHEET)?;
    let title = Format::new().set_bold().set_font_size(16);
    let header = Format::new()
        .set_bold()
        .set_border(FormatBorder::Thin)
        .set_align(FormatAlign::Center)
        .set_background_color("#DDEBF7");
    let cell = Format::new().set_border(FormatBorder::Thin).set_text_wrap();
    let hours = Format::new()
        .set_border(FormatBorder::Thin)
        .set_num_format("0.0");
    let plan = &summary.plan;
    sheet.write_string_with_format(
        0,
        0,
        format!("{}（{}年）年度总结", plan.title, plan.year),
        &title,
    )?;
    for (col, name) in COLUMNS.iter().enumerate() {
        sheet.write_string_with_format(2, col as u16, *name, &header)?;
    }
    let widths = [6.0, 36.0, 14.0, 12.0, 8.0, 12.0, 10.0, 20.0, 60.0, 8.0];
    for (col, width) in widths.iter().enumerate() {
        sheet.set_column_width(col as u16, *width)?;
    }
    let mut total_minutes = 0i64;
    let mut total_served = 0i64;
    let mut row = 3u32;
    for (i, entry) in summary.entries.iter().enumerate() {
        let activity = &entry.activity;
        let department = activity
            .primary_department_id
            .and_then(|id| departments.get(&id))
            .map(String::as_str)
            .unwrap_or("");
        let date = activity
            .start_date
            .map(|d| d.format("%Y-%m-%d").to_string())
            .unwrap_or_else(|| activity.time_label.clone().unwrap_or_default());
        let served = entry.summary.as_ref().map(|s| s.served_count).unwrap_or(0);
        total_minutes += entry.minutes;
        total_served += i64::from(served);
        sheet.write_number_with_format(row, 0, (i + 1) as f64, &cell)?;
        sheet.write_string_with_format(row, 1, &activity.title, &cell)?;
        sheet.write_string_with_format(row, 2, department, &cell)?;
        sheet.write_string_with_format(row, 3, date, &cell)?;
        sheet.write_string_with_format(row, 4, status_label(activity.status), &cell)?;
        sheet.write_number_with_format(row, 5, entry.minutes as f64 / 60.0, &hours)?;
        sheet.write_number_with_format(row, 6, f64::from(served), &cell)?;
        let groups = entry
            .summary
            .as_ref()
            .map(|s| s.served_groups.0.join("、"))
            .unwrap_or_default();
        sheet.write_string_with_format(row, 7, groups, &cell)?;
        let text = entry.summary.as_ref().map(|s| s.text.as_str()).unwrap_or(
            if activity.status == ActivityStatus::Completed {
                "（未提交总结）"
            } else {
                ""
            },
        );
        sheet.write_string_with_format(row, 8, text, &cell)?;
        let count = photos.get(&activity.id).copied().unwrap_or(0);
        sheet.write_number_with_format(row, 9, count as f64, &cell)?;
        row += 1;
    }
    let bold = Format::new().set_bold().set_border(FormatBorder::Thin);
    sheet.write_string_with_format(row, 1, "合计", &bold)?;
    let held = summary
        .entries
        .iter()
        .filter(|e| e.activity.status == ActivityStatus::Completed)
        .count();
    sheet.write_string_with_format(
        row,
        4,
        format!("完成 {held}/{}", summary.entries.len()),
        &bold,
    )?;
    sheet.write_number_with_format(row, 5, total_minutes as f64 / 60.0, &hours)?;
    sheet.write_number_with_format(row, 6, total_served as f64, &bold)?;
    workbook.save_to_buffer()
}

/// The year-end summary of the plan's activities that the viewer may account for, as
/// XLSX: the plan's year and the bytes.
pub async fn plan_summary_document(
    state: &crate::context::AppState,
    viewer: &crate::auth::Viewer,
    plan_id: i32,
) -> crate::error::AppResult<(i32, Vec<u8>)> {
    use sea_orm::EntityTrait;
    let summary = super::execution::plan_summary(state, viewer, plan_id).await?;
    let departments: HashMap<i32, String> = entity::department::Entity::find()
        .all(&state.db)
        .await?
        .into_iter()
        .map(|d| (d.id, d.name))
        .collect();
    let ids: Vec<i32> = summary.entries.iter().map(|e| e.activity.id).collect();
    let mut photos: HashMap<i32, usize> = HashMap::new();
    for chunk in ids.chunks(crate::domain::input::max::IDS) {
        for photo in super::photos::of_activities(&state.db, chunk).await? {
            *photos.entry(photo.activity_id).or_default() += 1;
        }
    }
    let bytes = summary_xlsx(&summary, &departments, &photos)
        .map_err(|err| crate::error::AppError::internal(anyhow::anyhow!("summary XLSX: {err}")))?;
    Ok((summary.plan.year, bytes))
}
