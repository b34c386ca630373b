//! Tables that leave as files (CSV and XLSX): approved service records in the national
//! system's fields (《志愿服务记录与证明出具办法（试行）》 Art 7), an activity's roster, the
//! rectification ledger (整改台账) and a survey's answers. Each export checks who asks with
//! the same rule as the API's list, then yields its rows a page at a time (keyset by id,
//! ascending), so that a million rows pass in bounded memory; the HTTP layer writes them.

use std::collections::HashMap;
use std::sync::Arc;

use chrono::NaiveDate;
use futures::future::BoxFuture;
use futures::stream::{self, BoxStream, StreamExt};
use sea_orm::{
    ColumnTrait, Condition, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};

use entity::enums::{RectificationStatus, RegistrationStatus, Role, ServiceRecordStatus};
use entity::{
    activity, activity_location, department, rectification, registration, service_record, survey,
    user, volunteer,
};

use crate::auth::Viewer;
use crate::context::AppState;
use crate::domain::access::{activities_of_department, managed};
use crate::domain::calendar::{local, local_date};
use crate::domain::hours::counted_activities;
use crate::domain::users::types::{mask_phone, round_hours};
use crate::error::{AppError, AppResult, Reason};

/// Rows read per statement.
pub const PAGE_ROWS: u64 = 1_000;

/// One cell: text, or a number (hours) that a spreadsheet can add up.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Text(String),
    Number(f64),
}

impl Cell {
    pub fn text(&self) -> String {
        match self {
            Cell::Text(text) => text.clone(),
            Cell::Number(n) => n.to_string(),
        }
    }
}

impl From<String> for Cell {
    fn from(text: String) -> Self {
        Cell::Text(text)
    }
}

impl From<&str> for Cell {
    fn from(text: &str) -> Self {
        Cell::Text(text.to_owned())
    }
}

pub type Row = Vec<Cell>;

/// An export ready to be written: its file name, column headers and rows, page by page.
pub struct Export {
    /// ASCII base name of the file (`service-records`).
    pub name: String,
    /// The name a clerk sees (`志愿服务记录`).
    pub title: String,
    pub headers: Vec<&'static str>,
    pub pages: BoxStream<'static, AppResult<Vec<Row>>>,
}

type Fetch =
    Arc<dyn Fn(i32) -> BoxFuture<'static, AppResult<(Vec<Row>, Option<i32>)>> + Send + Sync>;

/// Pages from `fetch(after_id)`, which returns the rows after that id and the last id read
/// (none when no row was left).
fn paged(fetch: Fetch) -> BoxStream<'static, AppResult<Vec<Row>>> {
    stream::unfold(Some(0), move |after| {
        let fetch = fetch.clone();
        async move {
            let after = after?;
            match fetch(after).await {
                Ok((rows, Some(last))) => Some((Ok(rows), Some(last))),
                Ok((_, None)) => None,
                Err(err) => Some((Err(err), None)),
            }
        }
    })
    .boxed()
}

fn date_text(day: NaiveDate) -> String {
    day.format("%Y-%m-%d").to_string()
}

fn time_text(at: chrono::DateTime<chrono::Utc>) -> String {
    local(at).format("%Y-%m-%d %H:%M").to_string()
}

async fn names_of_departments(
    db: &DatabaseConnection,
    ids: impl IntoIterator<Item = i32>,
) -> AppResult<HashMap<i32, String>> {
    let ids: Vec<i32> = ids.into_iter().collect();
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    Ok(department::Entity::find()
        .filter(department::Column::Id.is_in(ids))
        .all(db)
        .await?
        .into_iter()
        .map(|d| (d.id, d.name))
        .collect())
}

/// The department an organizer is confined to (none: everything, for admins, and for
/// viewers where `viewers_read_all`); asking for another one is NOT_OWN_DEPARTMENT.
fn department_scope(
    viewer: &Viewer,
    roles: &[Role],
    asked: Option<i32>,
    viewers_read_all: bool,
) -> AppResult<Option<i32>> {
    let user = viewer.require_any(roles)?;
    if user.is_admin() || (viewers_read_all && user.has(Role::Viewer)) {
        return Ok(asked);
    }
    let own = user
        .department_id
        .ok_or_else(|| AppError::of(Reason::NoDepartment))?;
    if asked.is_some_and(|id| id != own) {
        return Err(AppError::of(Reason::NotOwnDepartment));
    }
    Ok(Some(own))
}

/// Which approved service records to export.
#[derive(Debug, Clone, Default)]
pub struct RecordExport {
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    pub department_id: Option<i32>,
}

pub const RECORD_HEADERS: [&str; 8] = [
    "姓名",
    "活动名称",
    "服务日期",
    "服务地点",
    "服务内容",
    "服务时长（小时）",
    "组织单位",
    "活动负责人",
];

/// Approved hours that count (as `serviceRecords`: organizers their department's
/// activities, admins all), in the fields of Art 7, one row per record, by id.
pub fn service_records(state: &AppState, viewer: &Viewer, q: RecordExport) -> AppResult<Export> {
    let department_id = department_scope(
        viewer,
        &[Role::Organizer, Role::Admin],
        q.department_id,
        false,
    )?;
    let db = state.db.clone();
    let fetch: Fetch = Arc::new(move |after| {
        let db = db.clone();
        let q = q.clone();
        Box::pin(async move {
            let mut cond = Condition::all()
                .add(service_record::Column::Id.gt(after))
                .add(service_record::Column::Status.eq(ServiceRecordStatus::Approved))
                .add(service_record::Column::ActivityId.in_subquery(counted_activities()));
            if let Some(id) = department_id {
                cond = cond.add(
                    service_record::Column::ActivityId.in_subquery(activities_of_department(id)),
                );
            }
            if let Some(from) = q.from {
                cond = cond.add(service_record::Column::ServiceDate.gte(from));
            }
            if let Some(to) = q.to {
                cond = cond.add(service_record::Column::ServiceDate.lte(to));
            }
            let records = service_record::Entity::find()
                .filter(cond)
                .order_by_asc(service_record::Column::Id)
                .limit(PAGE_ROWS)
                .all(&db)
                .await?;
            let Some(last) = records.last().map(|r| r.id) else {
                return Ok((Vec::new(), None));
            };
            let activity_ids: Vec<i32> = records.iter().map(|r| r.activity_id).collect();
            let volunteer_ids: Vec<i32> = records.iter().map(|r| r.volunteer_id).collect();
            let activities: HashMap<i32, activity::Model> = activity::Entity::find()
                .filter(activity::Column::Id.is_in(activity_ids.clone()))
                .all(&db)
                .await?
                .into_iter()
                .map(|a| (a.id, a))
                .collect();
            let mut places: HashMap<i32, Vec<String>> = HashMap::new();
            for location in activity_location::Entity::find()
                .filter(activity_location::Column::ActivityId.is_in(activity_ids))
                .order_by_asc(activity_location::Column::Position)
                .all(&db)
                .await?
            {
                places
                    .entry(location.activity_id)
                    .or_default()
                    .push(location.name);
            }
            let names: HashMap<i32, String> = volunteer::Entity::find()
                .filter(volunteer::Column::Id.is_in(volunteer_ids))
                .all(&db)
                .await?
                .into_iter()
                .map(|v| (v.id, v.real_name))
                .collect();
            let departments = names_of_departments(
                &db,
                activities.values().filter_map(|a| a.primary_department_id),
            )
            .await?;
            let rows = records
                .into_iter()
                .map(|r| {
                    let activity = activities.get(&r.activity_id);
                    vec![
                        names
                            .get(&r.volunteer_id)
                            .cloned()
                            .unwrap_or_default()
                            .into(),
                        activity.map(|a| a.title.clone()).unwrap_or_default().into(),
                        date_text(r.service_date.unwrap_or_else(|| local_date(r.created_at)))
                            .into(),
                        places
                            .get(&r.activity_id)
                            .map(|p| p.join("、"))
                            .unwrap_or_default()
                            .into(),
                        activity
                            .map(|a| a.content_items.0.join("；"))
                            .unwrap_or_default()
                            .into(),
                        Cell::Number(round_hours(i64::from(r.minutes))),
                        activity
                            .and_then(|a| a.primary_department_id)
                            .and_then(|id| departments.get(&id).cloned())
                            .unwrap_or_default()
                            .into(),
                        activity
                            .and_then(|a| a.person_in_charge_name.clone())
                            .unwrap_or_default()
                            .into(),
                    ]
                })
                .collect();
            Ok((rows, Some(last)))
        })
    });
    Ok(Export {
        name: "service-records".to_owned(),
        title: "志愿服务记录".to_owned(),
        headers: RECORD_HEADERS.to_vec(),
        pages: paged(fetch),
    })
}

pub const ROSTER_HEADERS: [&str; 5] = ["序号", "姓名", "手机号", "状态", "报名时间"];

fn registration_status(status: RegistrationStatus) -> &'static str {
    match status {
        RegistrationStatus::Registered => "已报名",
        RegistrationStatus::Waitlisted => "候补",
        RegistrationStatus::Cancelled => "已取消",
    }
}

/// An activity's roster, in arrival order (as `Activity.registrations`: organizers of a
/// lead department and admins). Phones are masked but for admins (the privacy rule).
pub async fn roster(state: &AppState, viewer: &Viewer, activity_id: i32) -> AppResult<Export> {
    let activity = managed(&state.db, viewer, activity_id).await?;
    let full_phones = viewer.require()?.is_admin();
    let db = state.db.clone();
    let fetch: Fetch = Arc::new(move |after| {
        let db = db.clone();
        Box::pin(async move {
            let registrations = registration::Entity::find()
                .filter(registration::Column::ActivityId.eq(activity_id))
                .filter(registration::Column::Id.gt(after))
                .order_by_asc(registration::Column::Id)
                .limit(PAGE_ROWS)
                .all(&db)
                .await?;
            let Some(last) = registrations.last().map(|r| r.id) else {
                return Ok((Vec::new(), None));
            };
            let volunteers: HashMap<i32, volunteer::Model> = volunteer::Entity::find()
                .filter(volunteer::Column::Id.is_in(registrations.iter().map(|r| r.volunteer_id)))
                .all(&db)
                .await?
                .into_iter()
                .map(|v| (v.id, v))
                .collect();
            let phones: HashMap<i32, Option<String>> = user::Entity::find()
                .filter(user::Column::Id.is_in(volunteers.values().map(|v| v.user_id)))
                .all(&db)
                .await?
                .into_iter()
                .map(|u| (u.id, u.phone))
                .collect();
            let rows = registrations
                .into_iter()
                .map(|r| {
                    let volunteer = volunteers.get(&r.volunteer_id);
                    let phone = volunteer
                        .and_then(|v| phones.get(&v.user_id).cloned().flatten())
                        .map(|p| if full_phones { p } else { mask_phone(&p) })
                        .unwrap_or_default();
                    vec![
                        r.id.to_string().into(),
                        volunteer
                            .map(|v| v.real_name.clone())
                            .unwrap_or_default()
                            .into(),
                        phone.into(),
                        registration_status(r.status).into(),
                        time_text(r.created_at).into(),
                    ]
                })
                .collect();
            Ok((rows, Some(last)))
        })
    });
    Ok(Export {
        name: format!("roster-{}", activity.id),
        title: format!("{}报名名单", activity.title),
        headers: ROSTER_HEADERS.to_vec(),
        pages: paged(fetch),
    })
}

pub const LEDGER_HEADERS: [&str; 11] = [
    "编号",
    "责任科室",
    "调查",
    "满意度",
    "反映问题",
    "状态",
    "受理时间",
    "整改期限",
    "整改结果",
    "办结时间",
    "是否超期",
];

fn rectification_status(status: RectificationStatus) -> &'static str {
    use RectificationStatus::*;
    match status {
        Open => "待处理",
        InProgress => "整改中",
        Resolved => "已整改",
        Closed => "已办结",
        NotSubstantiated => "不属实",
        Voided => "已作废",
    }
}

fn level_text(level: entity::enums::SatisfactionLevel) -> &'static str {
    use entity::enums::SatisfactionLevel::*;
    match level {
        VerySatisfied => "非常满意",
        Satisfied => "满意",
        BasicallySatisfied => "基本满意",
        Dissatisfied => "不满意",
        VeryDissatisfied => "非常不满意",
    }
}

/// The rectification ledger (整改台账), oldest first (as `rectifications`: organizers their
/// department's, viewers and admins all or one department's).
pub fn rectification_ledger(
    state: &AppState,
    viewer: &Viewer,
    department_id: Option<i32>,
) -> AppResult<Export> {
    let department_id = department_scope(
        viewer,
        &[Role::Organizer, Role::Viewer, Role::Admin],
        department_id,
        true,
    )?;
    let db = state.db.clone();
    let fetch: Fetch = Arc::new(move |after| {
        let db = db.clone();
        Box::pin(async move {
            let mut query =
                rectification::Entity::find().filter(rectification::Column::Id.gt(after));
            if let Some(id) = department_id {
                query = query.filter(rectification::Column::DepartmentId.eq(id));
            }
            let items = query
                .order_by_asc(rectification::Column::Id)
                .limit(PAGE_ROWS)
                .all(&db)
                .await?;
            let Some(last) = items.last().map(|r| r.id) else {
                return Ok((Vec::new(), None));
            };
            let departments =
                names_of_departments(&db, items.iter().filter_map(|r| r.department_id)).await?;
            let surveys: HashMap<i32, String> = survey::Entity::find()
                .filter(survey::Column::Id.is_in(items.iter().map(|r| r.survey_id)))
                .all(&db)
                .await?
                .into_iter()
                .map(|s| (s.id, s.title))
                .collect();
            let now = chrono::Utc::now();
            let rows = items
                .into_iter()
                .map(|r| {
                    let settled = !matches!(
                        r.status,
                        RectificationStatus::Open | RectificationStatus::InProgress
                    );
                    let late = match r.resolved_at {
                        Some(at) => at > r.due_at,
                        None => !settled && now > r.due_at,
                    };
                    vec![
                        r.id.to_string().into(),
                        r.department_id
                            .and_then(|id| departments.get(&id).cloned())
                            .unwrap_or_default()
                            .into(),
                        surveys
                            .get(&r.survey_id)
                            .cloned()
                            .unwrap_or_default()
                            .into(),
                        level_text(r.level).into(),
                        r.complaint.clone().unwrap_or_default().into(),
                        rectification_status(r.status).into(),
                        time_text(r.created_at).into(),
                        time_text(r.due_at).into(),
                        r.resolution.clone().unwrap_or_default().into(),
                        r.resolved_at.map(time_text).unwrap_or_default().into(),
                        (if late { "是" } else { "否" }).into(),
                    ]
                })
                .collect();
            Ok((rows, Some(last)))
        })
    });
    Ok(Export {
        name: "rectifications".to_owned(),
        title: "整改台账".to_owned(),
        headers: LEDGER_HEADERS.to_vec(),
        pages: paged(fetch),
    })
}

pub const ANSWER_HEADERS: [&str; 6] = ["答卷编号", "回答日期", "渠道", "题号", "题目", "回答"];

fn channel_text(channel: entity::enums::FeedbackChannel) -> &'static str {
    use entity::enums::FeedbackChannel::*;
    match channel {
        MiniProgram => "小程序",
        MobileApp => "手机应用",
        Web => "网页",
        Hotline => "热线",
        Offline => "线下",
    }
}

/// A survey's answers, one row per answer (a multiple choice: one per option chosen), by
/// answer id; voided responses (an upheld appeal) are left out, as in `results`. For the
/// organizers of the survey's department, viewers and admins (as `Survey.results`).
pub async fn survey_answers(
    state: &AppState,
    viewer: &Viewer,
    survey_id: i32,
) -> AppResult<Export> {
    use entity::{answer, question, question_option, survey_response};
    let user = viewer.require()?;
    let survey = crate::domain::surveys::service::get(state, viewer, survey_id)
        .await?
        .ok_or(AppError::not_found(crate::error::Thing::Survey))?;
    let owner = crate::domain::surveys::service::owning_department(&state.db, &survey).await?;
    if !user.reads_everything() && !user.may_manage_department(owner) {
        return Err(AppError::of(Reason::NotOwnDepartment));
    }
    // A survey has at most 100 questions of at most 50 options: read once.
    let questions: HashMap<i32, question::Model> = question::Entity::find()
        .filter(question::Column::SurveyId.eq(survey_id))
        .all(&state.db)
        .await?
        .into_iter()
        .map(|q| (q.id, q))
        .collect();
    let options: HashMap<i32, String> = question_option::Entity::find()
        .filter(question_option::Column::QuestionId.is_in(questions.keys().copied()))
        .all(&state.db)
        .await?
        .into_iter()
        .map(|o| (o.id, o.label))
        .collect();
    let questions = Arc::new(questions);
    let options = Arc::new(options);
    let db = state.db.clone();
    let fetch: Fetch = Arc::new(move |after| {
        let db = db.clone();
        let questions = questions.clone();
        let options = options.clone();
        Box::pin(async move {
            let live = sea_orm::sea_query::Query::select()
                .column(survey_response::Column::Id)
                .from(survey_response::Entity)
                .and_where(survey_response::Column::SurveyId.eq(survey_id))
                .and_where(survey_response::Column::Voided.eq(false))
                .to_owned();
            let items = answer::Entity::find()
                .filter(answer::Column::Id.gt(after))
                .filter(answer::Column::ResponseId.in_subquery(live))
                .order_by_asc(answer::Column::Id)
                .limit(PAGE_ROWS)
                .all(&db)
                .await?;
            let Some(last) = items.last().map(|a| a.id) else {
                return Ok((Vec::new(), None));
            };
            let responses: HashMap<i32, survey_response::Model> = survey_response::Entity::find()
                .filter(survey_response::Column::Id.is_in(items.iter().map(|a| a.response_id)))
                .all(&db)
                .await?
                .into_iter()
                .map(|r| (r.id, r))
                .collect();
            let rows = items
                .into_iter()
                .map(|a| {
                    let response = responses.get(&a.response_id);
                    let question = questions.get(&a.question_id);
                    let value: Cell = if let Some(level) = a.level {
                        level_text(level).into()
                    } else if let Some(id) = a.option_id {
                        options.get(&id).cloned().unwrap_or_default().into()
                    } else if let Some(rating) = a.rating {
                        Cell::Number(f64::from(rating))
                    } else {
                        a.text.clone().unwrap_or_default().into()
                    };
                    vec![
                        a.response_id.to_string().into(),
                        response
                            .map(|r| date_text(r.answered_on))
                            .unwrap_or_default()
                            .into(),
                        response
                            .map(|r| channel_text(r.channel))
                            .unwrap_or_default()
                            .into(),
                        question
                            .map(|q| (q.position + 1).to_string())
                            .unwrap_or_default()
                            .into(),
                        question
                            .map(|q| q.prompt.clone())
                            .unwrap_or_default()
                            .into(),
                        value,
                    ]
                })
                .collect();
            Ok((rows, Some(last)))
        })
    });
    Ok(Export {
        name: format!("survey-{survey_id}"),
        title: format!("{}答卷", survey.title),
        headers: ANSWER_HEADERS.to_vec(),
        pages: paged(fetch),
    })
}
