//! Surveys: who sees which, creating and opening them, and a user's own responses.
//! Submitting is in `submission`, rectifications in `rectifications`.

use std::collections::HashSet;

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, Query};
use sea_orm::{
    ActiveEnum as _, ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DatabaseConnection,
    EntityTrait, QueryFilter, QuerySelect, Set,
};

use entity::enums::{
    FeedbackChannel, QuestionKind, RectificationStatus, Role, SatisfactionLevel, SurveyStatus,
};
use entity::{
    activity, department, question, question_option, rectification, survey, survey_response,
};

use crate::auth::Viewer;
use crate::context::{AppState, Secrets};
use crate::db::begin_write;
use crate::domain::access::lead_department_ids;
use crate::domain::audit;
use crate::domain::input::{self, max};
use crate::domain::page::{self, KeyKind, Order, PageRequest as Page};
use crate::error::{AppError, AppResult, Reason, Thing};

/// The working days a survey may give its rectifications.
pub const RECTIFICATION_WORKING_DAYS: std::ops::RangeInclusive<i32> = 1..=60;
/// TEXT answers and resolutions.
pub const MAX_TEXT_CHARS: usize = max::TEXT;
pub(crate) const MAX_TITLE_CHARS: usize = max::TITLE;
pub(crate) const MAX_PROMPT_CHARS: usize = max::ITEM;
pub(crate) const MAX_LABEL_CHARS: usize = max::TITLE;
pub(crate) const MAX_QUESTIONS: usize = max::QUESTIONS;
pub(crate) const MAX_OPTIONS: usize = max::OPTIONS;
pub(crate) const MAX_REQUEST_ID_CHARS: usize = max::KEY;

/// The respondent as stored for self-service answers: enough to refuse a second answer,
/// never enough to name anyone without the server secret.
pub fn respondent_key(secrets: &Secrets, survey_id: i32, user_id: i32) -> String {
    secrets.keyed_hash("respondent", &format!("{survey_id}:{user_id}"))
}

/// One actor's requestId, as stored: a repeat of it returns the first response.
pub(crate) fn idempotency_key(secrets: &Secrets, user_id: i32, request_id: &str) -> String {
    secrets.keyed_hash("idempotency", &format!("{user_id}:{request_id}"))
}

/// MINI_PROGRAM, MOBILE_APP and WEB: the respondent answers for themselves, once.
pub fn is_self_service(channel: FeedbackChannel) -> bool {
    matches!(
        channel,
        FeedbackChannel::MiniProgram | FeedbackChannel::MobileApp | FeedbackChannel::Web
    )
}

/// The levels that count toward the satisfaction rate.
pub fn is_satisfied(level: SatisfactionLevel) -> bool {
    matches!(
        level,
        SatisfactionLevel::VerySatisfied
            | SatisfactionLevel::Satisfied
            | SatisfactionLevel::BasicallySatisfied
    )
}

/// The levels that open a rectification.
pub fn is_dissatisfied(level: SatisfactionLevel) -> bool {
    !is_satisfied(level)
}

/// Still OPEN or IN_PROGRESS after its deadline.
pub fn is_overdue(rectification: &rectification::Model, now: DateTime<Utc>) -> bool {
    matches!(
        rectification.status,
        RectificationStatus::Open | RectificationStatus::InProgress
    ) && now > rectification.due_at
}

/// OPEN, and now within [opensAt, closesAt] where they are set.
pub fn accepting_answers(survey: &survey::Model, now: DateTime<Utc>) -> bool {
    survey.status == SurveyStatus::Open
        && survey.opens_at.is_none_or(|opens| opens <= now)
        && survey.closes_at.is_none_or(|closes| now <= closes)
}

pub(crate) fn stage(status: RectificationStatus) -> u8 {
    match status {
        RectificationStatus::Open => 0,
        RectificationStatus::InProgress => 1,
        RectificationStatus::Resolved => 2,
        RectificationStatus::Closed => 3,
        // Ended by verification: nothing follows but a reopening by the office.
        RectificationStatus::NotSubstantiated | RectificationStatus::Voided => 4,
    }
}

/// The department answerable for a survey: its own, else its activity's primary one.
pub async fn owning_department<C: ConnectionTrait>(
    db: &C,
    survey: &survey::Model,
) -> AppResult<Option<i32>> {
    if survey.department_id.is_some() {
        return Ok(survey.department_id);
    }
    let Some(activity_id) = survey.activity_id else {
        return Ok(None);
    };
    Ok(activity::Entity::find_by_id(activity_id)
        .select_only()
        .column(activity::Column::PrimaryDepartmentId)
        .into_tuple::<Option<i32>>()
        .one(db)
        .await?
        .flatten())
}

// ---------- surveys ----------

/// Surveys answerable by a department, in SQL: the same rule as [`owning_department`].
fn owned_by(department_id: i32) -> Condition {
    Condition::any()
        .add(survey::Column::DepartmentId.eq(department_id))
        .add(
            Condition::all()
                .add(survey::Column::DepartmentId.is_null())
                .add(
                    survey::Column::ActivityId.in_subquery(
                        Query::select()
                            .column(activity::Column::Id)
                            .from(activity::Entity)
                            .and_where(activity::Column::PrimaryDepartmentId.eq(department_id))
                            .to_owned(),
                    ),
                ),
        )
}

/// OPEN and CLOSED surveys for everyone; also drafts of an organizer's own department;
/// everything for admins.
pub fn visibility(viewer: &Viewer) -> Condition {
    let public = Condition::all().add(survey::Column::Status.ne(SurveyStatus::Draft));
    match viewer.user() {
        Some(user) if user.is_admin() => Condition::all(),
        Some(user) if user.has(Role::Organizer) => match user.department_id {
            Some(own) => Condition::any().add(public).add(owned_by(own)),
            None => public,
        },
        _ => public,
    }
}

#[derive(Debug, Default, Clone)]
pub struct SurveyQuery {
    pub activity_id: Option<i32>,
    /// The answerable department (see [`owning_department`]).
    pub department_id: Option<i32>,
    pub status: Option<SurveyStatus>,
}

/// A survey with the activity it is about, read in the same statement (whether the
/// viewer may see that activity is the activity's rule, checked where it is shown).
pub type WithActivity = (survey::Model, Option<activity::Model>);

/// One survey, if the viewer may see it.
pub async fn get(state: &AppState, viewer: &Viewer, id: i32) -> AppResult<Option<survey::Model>> {
    Ok(survey::Entity::find_by_id(id)
        .filter(visibility(viewer))
        .one(&state.db)
        .await?)
}

/// One survey, if the viewer may see it, with its activity.
pub async fn get_with_activity(
    state: &AppState,
    viewer: &Viewer,
    id: i32,
) -> AppResult<Option<WithActivity>> {
    Ok(survey::Entity::find_by_id(id)
        .filter(visibility(viewer))
        .find_also_related(activity::Entity)
        .one(&state.db)
        .await?)
}

/// The surveys the viewer may see, newest first. Their activities are not joined: no
/// index holds this order, and PostgreSQL joined every survey before it kept the first
/// page (5.7 ms for 220 surveys, against 0.1 ms for the page alone).
#[tracing::instrument(skip(state, viewer), err(level = "info", Debug))]
pub async fn list(
    state: &AppState,
    viewer: &Viewer,
    q: &SurveyQuery,
    page: Page,
) -> AppResult<crate::domain::page::Page<survey::Model>> {
    let mut query = survey::Entity::find().filter(visibility(viewer));
    if let Some(id) = q.activity_id {
        query = query.filter(survey::Column::ActivityId.eq(id));
    }
    if let Some(id) = q.department_id {
        query = query.filter(owned_by(id));
    }
    if let Some(status) = q.status {
        query = query.filter(survey::Column::Status.eq(status));
    }
    let order = Order::new()
        .desc(survey::Column::CreatedAt, KeyKind::Time)
        .desc(survey::Column::Id, KeyKind::Int);
    page::fetch(&state.db, query, &order, &page, |s| {
        vec![s.created_at.into(), s.id.into()]
    })
    .await
}

/// A question of a new survey, as asked for.
#[derive(Debug, Clone)]
pub struct QuestionDraft {
    pub kind: QuestionKind,
    pub prompt: String,
    /// Default true, except for TEXT questions.
    pub required: Option<bool>,
    pub options: Vec<String>,
    /// The overall question (整体满意度): one SATISFACTION question per survey; the first
    /// one when none is marked.
    pub overall: bool,
}

/// A new survey (a DRAFT).
#[derive(Debug, Clone)]
pub struct NewSurvey {
    pub title: String,
    pub description: Option<String>,
    pub activity_id: Option<i32>,
    pub department_id: Option<i32>,
    pub anonymous: bool,
    pub opens_at: Option<DateTime<Utc>>,
    pub closes_at: Option<DateTime<Utc>>,
    pub questions: Vec<QuestionDraft>,
    /// Working days its rectifications have (1–60); none: the server's default.
    pub rectification_working_days: Option<i32>,
}

struct NewQuestion {
    kind: QuestionKind,
    prompt: String,
    required: bool,
    options: Vec<String>,
    overall: bool,
}

fn check_title(title: &str) -> AppResult<String> {
    input::line("title", title, MAX_TITLE_CHARS)
}

fn check_questions(inputs: &[QuestionDraft]) -> AppResult<Vec<NewQuestion>> {
    if inputs.is_empty() {
        return Err(AppError::input("questions", Reason::TooFew { min: 1 }));
    }
    if inputs.len() > MAX_QUESTIONS {
        return Err(AppError::input(
            "questions",
            Reason::TooMany { max: MAX_QUESTIONS },
        ));
    }
    let mut questions = Vec::with_capacity(inputs.len());
    for (i, input) in inputs.iter().enumerate() {
        let kind = input.kind;
        let prompt = input::text(
            &format!("questions[{i}].prompt"),
            &input.prompt,
            MAX_PROMPT_CHARS,
        )?;
        let prompt = prompt.as_str();
        let field = format!("questions[{i}].options");
        input::count(&field, &input.options, MAX_OPTIONS)?;
        let labels: Vec<String> = input
            .options
            .iter()
            .map(|label| label.trim().to_owned())
            .collect();
        if labels
            .iter()
            .any(|label| label.chars().any(|c| c.is_control()))
        {
            return Err(AppError::input(&field, Reason::ForbiddenCharacters));
        }
        if matches!(
            kind,
            QuestionKind::SingleChoice | QuestionKind::MultipleChoice
        ) {
            if labels.iter().any(|label| label.is_empty()) {
                return Err(AppError::input(field, Reason::Required));
            }
            if labels
                .iter()
                .any(|label| label.chars().count() > MAX_LABEL_CHARS)
            {
                return Err(AppError::input(
                    field,
                    Reason::TooLong {
                        max: MAX_LABEL_CHARS,
                    },
                ));
            }
            if labels.iter().collect::<HashSet<_>>().len() != labels.len() {
                return Err(AppError::input(field, Reason::Duplicate));
            }
            if labels.len() < 2 || labels.len() > MAX_OPTIONS {
                return Err(AppError::input(
                    field,
                    Reason::OutOfRange {
                        min: 2,
                        max: MAX_OPTIONS as i64,
                    },
                ));
            }
        } else if !labels.is_empty() {
            return Err(AppError::input(field, Reason::OnlyChoiceHasOptions));
        }
        questions.push(NewQuestion {
            kind,
            prompt: prompt.to_owned(),
            // A closing free-text comment is optional unless the organizer says otherwise.
            required: input.required.unwrap_or(kind != QuestionKind::Text),
            options: labels,
            overall: input.overall,
        });
        if input.overall && kind != QuestionKind::Satisfaction {
            return Err(AppError::input(
                format!("questions[{i}].overall"),
                Reason::OverallNotSatisfaction,
            ));
        }
    }
    match questions.iter().filter(|q| q.overall).count() {
        0 => {
            if let Some(first) = questions
                .iter_mut()
                .find(|q| q.kind == QuestionKind::Satisfaction)
            {
                first.overall = true;
            }
        }
        1 => {}
        _ => {
            return Err(AppError::input("questions", Reason::OverallTwice));
        }
    }
    Ok(questions)
}

/// Creates a DRAFT survey. Organizers create them for their own department (the default
/// for them) and only about activities their department leads; admins for any department,
/// or none (then the activity's primary department answers for it).
#[tracing::instrument(skip(state, viewer, input), err(level = "info", Debug))]
pub async fn create(
    state: &AppState,
    viewer: &Viewer,
    input: NewSurvey,
) -> AppResult<survey::Model> {
    let user = viewer.require_any(&[Role::Organizer, Role::Admin])?;
    let title = check_title(&input.title)?;
    let description = input::optional_text("description", input.description.as_deref(), max::TEXT)?;
    let (opens_at, closes_at) = (input.opens_at, input.closes_at);
    if let (Some(opens), Some(closes)) = (opens_at, closes_at)
        && closes <= opens
    {
        return Err(AppError::input("closesAt", Reason::TimeOrder));
    }
    let questions = check_questions(&input.questions)?;
    if let Some(days) = input.rectification_working_days
        && !RECTIFICATION_WORKING_DAYS.contains(&days)
    {
        return Err(AppError::input(
            "rectificationWorkingDays",
            Reason::OutOfRange { min: 1, max: 60 },
        ));
    }
    let (department_id, activity_id) = (input.department_id, input.activity_id);

    let txn = begin_write(&state.writer).await?;
    if let Some(id) = department_id
        && department::Entity::find_by_id(id)
            .one(&txn)
            .await?
            .is_none()
    {
        return Err(AppError::input("departmentId", Reason::UnknownReference));
    }
    if let Some(id) = activity_id
        && activity::Entity::find_by_id(id).one(&txn).await?.is_none()
    {
        return Err(AppError::input("activityId", Reason::UnknownReference));
    }
    let department_id = if user.is_admin() {
        department_id
    } else {
        let own = user
            .department_id
            .ok_or_else(|| AppError::of(Reason::NoDepartment))?;
        if department_id.is_some_and(|id| id != own) {
            return Err(AppError::of(Reason::NotOwnDepartment));
        }
        if let Some(id) = activity_id
            && !lead_department_ids(&txn, id).await?.contains(&own)
        {
            return Err(AppError::of(Reason::NotOwnDepartment));
        }
        Some(own)
    };
    let created = survey::ActiveModel {
        title: Set(title),
        description: Set(description),
        status: Set(SurveyStatus::Draft),
        anonymous: Set(input.anonymous),
        rectification_working_days: Set(input.rectification_working_days),
        activity_id: Set(activity_id),
        department_id: Set(department_id),
        opens_at: Set(opens_at),
        closes_at: Set(closes_at),
        created_by: Set(Some(user.id)),
        created_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    for (position, new) in questions.into_iter().enumerate() {
        let question = question::ActiveModel {
            survey_id: Set(created.id),
            position: Set(position as i32),
            kind: Set(new.kind),
            prompt: Set(new.prompt),
            required: Set(new.required),
            overall: Set(new.overall),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
        if !new.options.is_empty() {
            question_option::Entity::insert_many(new.options.into_iter().enumerate().map(
                |(position, label)| question_option::ActiveModel {
                    question_id: Set(question.id),
                    position: Set(position as i32),
                    label: Set(label),
                    ..Default::default()
                },
            ))
            .exec_without_returning(&txn)
            .await?;
        }
    }
    audit::record(
        &txn,
        viewer,
        audit::AuditAction::SurveyCreate,
        Some(created.id),
    )
    .await?;
    txn.commit().await?;
    Ok(created)
}

/// DRAFT → OPEN → CLOSED, by organizers of the survey's department and admins.
#[tracing::instrument(skip(state, viewer), err(level = "info", Debug))]
pub async fn transition(
    state: &AppState,
    viewer: &Viewer,
    id: i32,
    to: SurveyStatus,
) -> AppResult<survey::Model> {
    let user = viewer.require_any(&[Role::Organizer, Role::Admin])?;
    let txn = begin_write(&state.writer).await?;
    let current = survey::Entity::find_by_id(id)
        .one(&txn)
        .await?
        .ok_or(AppError::not_found(Thing::Survey))?;
    if !user.may_manage_department(owning_department(&txn, &current).await?) {
        return Err(AppError::of(Reason::NotOwnDepartment));
    }
    let refused = || {
        AppError::of(Reason::InvalidStatusChange {
            from: current.status.to_value().to_string(),
            to: to.to_value().to_string(),
        })
    };
    let (from, action) = match to {
        SurveyStatus::Open => (SurveyStatus::Draft, audit::AuditAction::SurveyOpen),
        SurveyStatus::Closed => (SurveyStatus::Open, audit::AuditAction::SurveyClose),
        SurveyStatus::Draft => return Err(refused()),
    };
    if current.status != from {
        return Err(refused());
    }
    // Conditional on the state just read, so of two racing transitions only one applies.
    let changed = survey::Entity::update_many()
        .col_expr(survey::Column::Status, Expr::value(to))
        .filter(survey::Column::Id.eq(id))
        .filter(survey::Column::Status.eq(from))
        .exec(&txn)
        .await?;
    if changed.rows_affected == 0 {
        return Err(refused());
    }
    audit::record(&txn, viewer, action, Some(id)).await?;
    let updated = survey::Entity::find_by_id(id)
        .one(&txn)
        .await?
        .ok_or(AppError::not_found(Thing::Survey))?;
    txn.commit().await?;
    // Activity.survey and the survey lists are public.
    Ok(updated)
}

// ---------- responses ----------

/// A user's response with its survey and the rectification it opened, if any: read in
/// the same statement.
pub type Feedback = (
    survey_response::Model,
    Option<survey::Model>,
    Option<rectification::Model>,
);

/// The anonymous surveys that take answers or took them (not drafts), by id.
struct AnonymousSurveys(Vec<i32>);

/// The user's own responses, newest first, including those on anonymous surveys: their
/// respondent key is recomputed for each anonymous survey from the user and the server
/// secret. Nobody else can make that match, so identity is never exposed.
pub async fn feedback_of_user(
    state: &AppState,
    user_id: i32,
    page: Page,
) -> AppResult<crate::domain::page::Page<Feedback>> {
    let load = || async {
        let ids: Vec<i32> = survey::Entity::find()
            .select_only()
            .column(survey::Column::Id)
            .filter(survey::Column::Anonymous.eq(true))
            .filter(survey::Column::Status.ne(SurveyStatus::Draft))
            .into_tuple()
            .all(&state.db)
            .await?;
        Ok::<_, AppError>(std::sync::Arc::new(AnonymousSurveys(ids)))
    };
    // The same for every user until a survey is created or opened, which bumps the public
    // version: kept by it in the instance's memory, like the feed's pages.
    let anonymous = match state
        .cache
        .version(&crate::cache::CacheKey::PublicVersion)
        .await
    {
        Some(version) => state
            .cache
            .public_memo()
            .get_or_load(
                version,
                String::new(),
                |surveys: &AnonymousSurveys| surveys.0.len() * 4 + 64,
                load,
            )
            .await
            .map_err(|err| {
                AppError::internal(anyhow::anyhow!("loading the anonymous surveys: {err:?}"))
            })?,
        None => load().await?,
    };
    let keys = anonymous
        .0
        .iter()
        .map(|&survey_id| {
            (
                survey_id,
                respondent_key(&state.secrets, survey_id, user_id),
            )
        })
        .collect();
    responses_of(&state.db, user_id, keys, page).await
}

/// Each key with its survey, so that the lookup is the unique index on (survey, key): a
/// key alone has no index of its own, and the database read every response for it (50 ms
/// at 200,000 responses). The total and the page (with each response's survey and
/// rectification joined) at once.
async fn responses_of(
    db: &DatabaseConnection,
    user_id: i32,
    respondent_keys: Vec<(i32, String)>,
    page: Page,
) -> AppResult<crate::domain::page::Page<Feedback>> {
    use sea_orm::PaginatorTrait as _;
    let mut mine = Condition::any().add(survey_response::Column::RespondentId.eq(user_id));
    for (survey_id, key) in respondent_keys {
        mine = mine.add(
            Condition::all()
                .add(survey_response::Column::SurveyId.eq(survey_id))
                .add(survey_response::Column::RespondentKey.eq(key)),
        );
    }
    let query = survey_response::Entity::find().filter(mine);
    let order = Order::new()
        .desc(survey_response::Column::SubmittedAt, KeyKind::Time)
        .desc(survey_response::Column::Id, KeyKind::Int);
    let rows = order
        .apply(query.clone(), &page)?
        .find_also_related(survey::Entity)
        .find_also_related(rectification::Entity)
        .all(db);
    // A resident has few answers: the count (the same key lookups again) is rarely sent.
    let (total, rows) = page::rows_then_total(&page, rows, query.count(db)).await?;
    Ok(page::page_from_rows(rows, &page, total, |(r, _, _)| {
        vec![r.submitted_at.into(), r.id.into()]
    }))
}
