//! Every query and rule about surveys, responses and rectifications.
//!
//! Submitting runs in one write transaction (IMMEDIATE on SQLite). Once-per-respondent and
//! requestId idempotency are guarded by the unique indexes ux_survey_responses_respondent
//! (survey_id, respondent_key) and ux_survey_responses_idempotency_key: a submission that
//! loses a race on PostgreSQL hits the index, rolls back and reads the winner.

use std::collections::{HashMap, HashSet};

use async_graphql::Context;
use chrono::{DateTime, Duration, Utc};
use sea_orm::sea_query::{Expr, Query};
use sea_orm::{
    ActiveEnum as _, ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DatabaseConnection,
    EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, Set, SqlErr,
};

use entity::enums::{
    FeedbackChannel, QuestionKind, RectificationStatus, Role, SatisfactionLevel, SurveyStatus,
};
use entity::{
    activity, answer, department, question, question_option, rectification, survey, survey_response,
};

use crate::auth::Viewer;
use crate::context::{AppState, Secrets, parse_id, parse_opt_id};
use crate::domain::activities::service::lead_department_ids;
use crate::domain::audit;
use crate::domain::input::{self, max};
use crate::domain::registrations::service::begin_write;
use crate::error::{AppError, AppResult, GqlResult};
use crate::graphql::loaders::Loaders;
use crate::graphql::pagination::Page;
use crate::graphql::scalars::local_date;

use super::loaders::SurveysOfActivity;
use super::types::{
    AnswerInput, QuestionInput, Rectification, RectificationConnection, Survey, SurveyConnection,
    SurveyInput, SurveyResponse, SurveyResponseConnection, SurveyResponseInput,
};

/// A rectification is due this many days after the response that opened it.
pub const RECTIFICATION_DAYS: i64 = 15;
/// TEXT answers and resolutions.
pub const MAX_TEXT_CHARS: usize = max::TEXT;
const MAX_TITLE_CHARS: usize = max::TITLE;
const MAX_PROMPT_CHARS: usize = max::ITEM;
const MAX_LABEL_CHARS: usize = max::TITLE;
const MAX_QUESTIONS: usize = max::QUESTIONS;
const MAX_OPTIONS: usize = max::OPTIONS;
const MAX_REQUEST_ID_CHARS: usize = max::KEY;

const ALREADY_ANSWERED: &str = "you have already answered this survey";

/// The respondent as stored for self-service answers: enough to refuse a second answer,
/// never enough to name anyone without the server secret.
pub fn respondent_key(secrets: &Secrets, survey_id: i32, user_id: i32) -> String {
    secrets.keyed_hash("respondent", &format!("{survey_id}:{user_id}"))
}

/// One actor's requestId, as stored: a repeat of it returns the first response.
fn idempotency_key(secrets: &Secrets, user_id: i32, request_id: &str) -> String {
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

fn stage(status: RectificationStatus) -> u8 {
    match status {
        RectificationStatus::Open => 0,
        RectificationStatus::InProgress => 1,
        RectificationStatus::Resolved => 2,
        RectificationStatus::Closed => 3,
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

/// One survey, if the viewer may see it.
pub async fn get(state: &AppState, viewer: &Viewer, id: i32) -> AppResult<Option<survey::Model>> {
    Ok(survey::Entity::find_by_id(id)
        .filter(visibility(viewer))
        .one(&state.db)
        .await?)
}

/// The surveys the viewer may see, newest first.
#[tracing::instrument(skip(state, viewer), err(level = "info", Debug))]
pub async fn list(
    state: &AppState,
    viewer: &Viewer,
    q: &SurveyQuery,
    page: Page,
) -> AppResult<SurveyConnection> {
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
    let total = query.clone().count(&state.db).await?;
    let rows = query
        .order_by_desc(survey::Column::CreatedAt)
        .order_by_desc(survey::Column::Id)
        .offset(page.offset)
        .limit(page.fetch_limit())
        .all(&state.db)
        .await?;
    Ok(SurveyConnection::new(
        rows.into_iter().map(Survey).collect(),
        page,
        total,
    ))
}

/// `Activity.survey`: the newest OPEN or CLOSED survey about the activity. When it has
/// none, organizers of a draft's department and admins see the newest such draft, so they
/// can find the survey they are preparing; everyone else sees null.
pub async fn survey_of_activity(ctx: &Context<'_>, activity_id: i32) -> GqlResult<Option<Survey>> {
    let surveys = ctx
        .data_unchecked::<Loaders>()
        .load_one(SurveysOfActivity(activity_id))
        .await?
        .unwrap_or_default();
    if let Some(live) = surveys.iter().find(|s| s.status != SurveyStatus::Draft) {
        return Ok(Some(Survey(live.clone())));
    }
    let Some(user) = ctx.data_unchecked::<Viewer>().user() else {
        return Ok(None);
    };
    for draft in surveys.into_iter().map(Survey) {
        if user.may_manage_department(draft.owning_department(ctx).await?) {
            return Ok(Some(draft));
        }
    }
    Ok(None)
}

struct NewQuestion {
    kind: QuestionKind,
    prompt: String,
    required: bool,
    options: Vec<String>,
}

fn check_title(title: &str) -> AppResult<String> {
    input::line("title", title, MAX_TITLE_CHARS)
}

fn check_questions(inputs: &[QuestionInput]) -> AppResult<Vec<NewQuestion>> {
    if inputs.is_empty() {
        return Err(AppError::bad_input(
            "questions",
            "a survey needs at least one question",
        ));
    }
    if inputs.len() > MAX_QUESTIONS {
        return Err(AppError::bad_input(
            "questions",
            format!("a survey has at most {MAX_QUESTIONS} questions"),
        ));
    }
    let mut questions = Vec::with_capacity(inputs.len());
    for (i, input) in inputs.iter().enumerate() {
        let kind = QuestionKind::from(input.kind);
        let prompt = input::text(
            &format!("questions[{i}].prompt"),
            &input.prompt,
            MAX_PROMPT_CHARS,
        )?;
        let prompt = prompt.as_str();
        let field = format!("questions[{i}].options");
        input::count(
            &field,
            input.options.as_deref().unwrap_or_default(),
            MAX_OPTIONS,
        )?;
        let labels: Vec<String> = input
            .options
            .iter()
            .flatten()
            .map(|label| label.trim().to_owned())
            .collect();
        if let Some(bad) = labels
            .iter()
            .find(|label| label.chars().any(|c| c.is_control()))
        {
            return Err(AppError::bad_input(
                &field,
                format!(
                    "选项“{}”含有控制字符",
                    bad.chars().filter(|c| !c.is_control()).collect::<String>()
                ),
            ));
        }
        if matches!(
            kind,
            QuestionKind::SingleChoice | QuestionKind::MultipleChoice
        ) {
            if labels.iter().any(|label| label.is_empty()) {
                return Err(AppError::bad_input(field, "every option needs a label"));
            }
            if labels
                .iter()
                .any(|label| label.chars().count() > MAX_LABEL_CHARS)
            {
                return Err(AppError::bad_input(
                    field,
                    format!("an option label has at most {MAX_LABEL_CHARS} characters"),
                ));
            }
            if labels.iter().collect::<HashSet<_>>().len() != labels.len() {
                return Err(AppError::bad_input(field, "options must be distinct"));
            }
            if labels.len() < 2 || labels.len() > MAX_OPTIONS {
                return Err(AppError::bad_input(
                    field,
                    format!("a choice question needs 2 to {MAX_OPTIONS} options"),
                ));
            }
        } else if !labels.is_empty() {
            return Err(AppError::bad_input(
                field,
                "only choice questions have options",
            ));
        }
        questions.push(NewQuestion {
            kind,
            prompt: prompt.to_owned(),
            // A closing free-text comment is optional unless the organizer says otherwise.
            required: input.required.unwrap_or(kind != QuestionKind::Text),
            options: labels,
        });
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
    input: SurveyInput,
) -> AppResult<survey::Model> {
    let user = viewer.require_any(&[Role::Organizer, Role::Admin])?;
    let title = check_title(&input.title)?;
    let description = input::optional_text("description", input.description.as_deref(), max::TEXT)?;
    let opens_at = input.opens_at.map(|at| at.to_utc());
    let closes_at = input.closes_at.map(|at| at.to_utc());
    if let (Some(opens), Some(closes)) = (opens_at, closes_at)
        && closes <= opens
    {
        return Err(AppError::bad_input(
            "closesAt",
            "closesAt must be after opensAt",
        ));
    }
    let questions = check_questions(&input.questions)?;
    let department_id = parse_opt_id(input.department_id.as_ref(), "departmentId")?;
    let activity_id = parse_opt_id(input.activity_id.as_ref(), "activityId")?;

    let txn = begin_write(&state.db).await?;
    if let Some(id) = department_id
        && department::Entity::find_by_id(id)
            .one(&txn)
            .await?
            .is_none()
    {
        return Err(AppError::bad_input(
            "departmentId",
            "the department does not exist",
        ));
    }
    if let Some(id) = activity_id
        && activity::Entity::find_by_id(id).one(&txn).await?.is_none()
    {
        return Err(AppError::bad_input(
            "activityId",
            "the activity does not exist",
        ));
    }
    let department_id = if user.is_admin() {
        department_id
    } else {
        let own = user.department_id.ok_or_else(|| {
            AppError::forbidden("an organizer without a department cannot create surveys")
        })?;
        if department_id.is_some_and(|id| id != own) {
            return Err(AppError::forbidden(
                "organizers create surveys of their own department",
            ));
        }
        if let Some(id) = activity_id
            && !lead_department_ids(&txn, id).await?.contains(&own)
        {
            return Err(AppError::forbidden(
                "organizers create surveys about activities their department leads",
            ));
        }
        Some(own)
    };
    let created = survey::ActiveModel {
        title: Set(title),
        description: Set(description),
        status: Set(SurveyStatus::Draft),
        anonymous: Set(input.anonymous.unwrap_or(false)),
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
    audit::record(&txn, viewer, "survey.create", "Survey", Some(created.id)).await?;
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
    let txn = begin_write(&state.db).await?;
    let current = survey::Entity::find_by_id(id)
        .one(&txn)
        .await?
        .ok_or(AppError::NotFound("survey"))?;
    if !user.may_manage_department(owning_department(&txn, &current).await?) {
        return Err(AppError::forbidden(
            "only organizers of the survey's department may manage it",
        ));
    }
    let refused = || {
        AppError::conflict(format!(
            "a survey that is {} cannot become {}",
            current.status.to_value(),
            to.to_value()
        ))
    };
    let (from, action) = match to {
        SurveyStatus::Open => (SurveyStatus::Draft, "survey.open"),
        SurveyStatus::Closed => (SurveyStatus::Open, "survey.close"),
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
    audit::record(&txn, viewer, action, "Survey", Some(id)).await?;
    let updated = survey::Entity::find_by_id(id)
        .one(&txn)
        .await?
        .ok_or(AppError::NotFound("survey"))?;
    txn.commit().await?;
    // Activity.survey and the survey lists are public.
    Ok(updated)
}

// ---------- responses ----------

/// A question with its options, as answers are checked against it.
struct QuestionSpec {
    question: question::Model,
    options: Vec<question_option::Model>,
}

/// One row of `answers` to insert (a multiple-choice answer is one row per option).
struct AnswerRow {
    question_id: i32,
    level: Option<SatisfactionLevel>,
    option_id: Option<i32>,
    rating: Option<i32>,
    text: Option<String>,
}

async fn questions_of<C: ConnectionTrait>(db: &C, survey_id: i32) -> AppResult<Vec<QuestionSpec>> {
    let questions = question::Entity::find()
        .filter(question::Column::SurveyId.eq(survey_id))
        .order_by_asc(question::Column::Position)
        .order_by_asc(question::Column::Id)
        .all(db)
        .await?;
    let mut options: HashMap<i32, Vec<question_option::Model>> = HashMap::new();
    for option in question_option::Entity::find()
        .filter(question_option::Column::QuestionId.is_in(questions.iter().map(|q| q.id)))
        .order_by_asc(question_option::Column::Position)
        .order_by_asc(question_option::Column::Id)
        .all(db)
        .await?
    {
        options.entry(option.question_id).or_default().push(option);
    }
    Ok(questions
        .into_iter()
        .map(|question| QuestionSpec {
            options: options.remove(&question.id).unwrap_or_default(),
            question,
        })
        .collect())
}

/// Checks every answer against its question. Errors are BAD_USER_INPUT whose `field` is the
/// question's id (as sent, for an unknown one) and whose message quotes the prompt.
fn check_answers(questions: &[QuestionSpec], inputs: &[AnswerInput]) -> AppResult<Vec<AnswerRow>> {
    input::count("answers", inputs, MAX_QUESTIONS)?;
    let mut answered: HashSet<i32> = HashSet::new();
    let mut rows = Vec::new();
    for input in inputs {
        let sent = input.question_id.as_str();
        let spec = sent
            .trim()
            .parse::<i32>()
            .ok()
            .and_then(|id| questions.iter().find(|spec| spec.question.id == id))
            .ok_or_else(|| {
                AppError::bad_input(sent, format!("question {sent} is not part of this survey"))
            })?;
        let question = &spec.question;
        let bad = |message: &str| {
            AppError::bad_input(
                question.id.to_string(),
                format!("“{}”: {message}", question.prompt),
            )
        };
        if !answered.insert(question.id) {
            return Err(bad("answered more than once"));
        }
        let expected = match question.kind {
            QuestionKind::Satisfaction => "level",
            QuestionKind::SingleChoice | QuestionKind::MultipleChoice => "optionIds",
            QuestionKind::Rating => "rating",
            QuestionKind::Text => "text",
        };
        let given = [
            ("level", input.level.is_some()),
            ("optionIds", input.option_ids.is_some()),
            ("rating", input.rating.is_some()),
            ("text", input.text.is_some()),
        ];
        if let Some((other, _)) = given.iter().find(|(name, set)| *set && *name != expected) {
            return Err(bad(&format!("answer with {expected}, not {other}")));
        }
        let row = |level, option_id, rating, text| AnswerRow {
            question_id: question.id,
            level,
            option_id,
            rating,
            text,
        };
        match question.kind {
            QuestionKind::Satisfaction => {
                let level = input
                    .level
                    .ok_or_else(|| bad("choose a satisfaction level"))?;
                rows.push(row(Some(level.into()), None, None, None));
            }
            QuestionKind::SingleChoice | QuestionKind::MultipleChoice => {
                let sent_ids = input.option_ids.as_deref().unwrap_or_default();
                if sent_ids.len() > MAX_OPTIONS {
                    return Err(bad("too many options chosen"));
                }
                let single = question.kind == QuestionKind::SingleChoice;
                if single && sent_ids.len() != 1 {
                    return Err(bad("choose exactly one option"));
                }
                if sent_ids.is_empty() {
                    return Err(bad("choose at least one option"));
                }
                let mut chosen = HashSet::new();
                for sent_id in sent_ids {
                    let option = sent_id
                        .trim()
                        .parse::<i32>()
                        .ok()
                        .and_then(|id| spec.options.iter().find(|option| option.id == id))
                        .ok_or_else(|| {
                            bad(&format!(
                                "option {} is not one of its options",
                                sent_id.as_str()
                            ))
                        })?;
                    if !chosen.insert(option.id) {
                        return Err(bad("an option is chosen more than once"));
                    }
                    rows.push(row(None, Some(option.id), None, None));
                }
            }
            QuestionKind::Rating => {
                let rating = input
                    .rating
                    .filter(|r| (1..=5).contains(r))
                    .ok_or_else(|| bad("give a rating from 1 to 5"))?;
                rows.push(row(None, None, Some(rating), None));
            }
            QuestionKind::Text => {
                let text = input.text.as_deref().map(str::trim).unwrap_or_default();
                if text.is_empty() {
                    return Err(bad("the answer is empty"));
                }
                if text.chars().count() > MAX_TEXT_CHARS {
                    return Err(bad("the answer has more than 2,000 characters"));
                }
                if text
                    .chars()
                    .any(crate::graphql::limits::forbidden_character)
                {
                    return Err(bad("the answer holds control characters"));
                }
                rows.push(row(None, None, None, Some(text.to_owned())));
            }
        }
    }
    if let Some(missing) = questions
        .iter()
        .find(|spec| spec.question.required && !answered.contains(&spec.question.id))
    {
        return Err(AppError::bad_input(
            missing.question.id.to_string(),
            format!("“{}” must be answered", missing.question.prompt),
        ));
    }
    if rows.is_empty() {
        return Err(AppError::bad_input(
            "answers",
            "answer at least one question",
        ));
    }
    Ok(rows)
}

/// The answer to the survey's first SATISFACTION question, if it was answered.
fn satisfaction_of(questions: &[QuestionSpec], rows: &[AnswerRow]) -> Option<SatisfactionLevel> {
    let first = questions
        .iter()
        .find(|spec| spec.question.kind == QuestionKind::Satisfaction)?;
    rows.iter()
        .find(|row| row.question_id == first.question.id)
        .and_then(|row| row.level)
}

/// The TEXT answers in question order, one per line; they never name the respondent.
fn complaint_of(questions: &[QuestionSpec], rows: &[AnswerRow]) -> Option<String> {
    let texts: Vec<&str> = questions
        .iter()
        .filter(|spec| spec.question.kind == QuestionKind::Text)
        .filter_map(|spec| rows.iter().find(|row| row.question_id == spec.question.id))
        .filter_map(|row| row.text.as_deref())
        .collect();
    (!texts.is_empty()).then(|| texts.join("\n"))
}

async fn by_idempotency_key<C: ConnectionTrait>(
    db: &C,
    key: &str,
) -> AppResult<Option<survey_response::Model>> {
    Ok(survey_response::Entity::find()
        .filter(survey_response::Column::IdempotencyKey.eq(key))
        .one(db)
        .await?)
}

/// A repeated requestId returns the first response, if it answered the same survey.
fn replay(first: survey_response::Model, survey_id: i32) -> AppResult<survey_response::Model> {
    if first.survey_id == survey_id {
        Ok(first)
    } else {
        Err(AppError::conflict(
            "this requestId was already used for another survey",
        ))
    }
}

/// Submits a response. Self-service channels (MINI_PROGRAM, MOBILE_APP, WEB): once per
/// respondent. HOTLINE and OFFLINE: organizers of the survey's department and admins, on
/// residents' behalf, any number. A repeated requestId returns the first response.
#[tracing::instrument(skip(state, viewer, input), err(level = "info", Debug))]
pub async fn submit(
    state: &AppState,
    viewer: &Viewer,
    input: SurveyResponseInput,
) -> AppResult<survey_response::Model> {
    let user = viewer.require()?;
    let survey_id = parse_id(&input.survey_id, "surveyId")?;
    let channel = FeedbackChannel::from(input.channel);
    let self_service = is_self_service(channel);
    let request_id = input
        .request_id
        .as_deref()
        .map(str::trim)
        .filter(|r| !r.is_empty());
    if request_id.is_some_and(|r| r.chars().count() > MAX_REQUEST_ID_CHARS) {
        return Err(AppError::bad_input(
            "requestId",
            format!("requestId has at most {MAX_REQUEST_ID_CHARS} characters"),
        ));
    }
    let idempotency = request_id.map(|r| idempotency_key(&state.secrets, user.id, r));
    let respondent = self_service.then(|| respondent_key(&state.secrets, survey_id, user.id));

    let txn = begin_write(&state.db).await?;
    if let Some(key) = &idempotency
        && let Some(first) = by_idempotency_key(&txn, key).await?
    {
        return replay(first, survey_id);
    }
    let survey = survey::Entity::find_by_id(survey_id)
        .one(&txn)
        .await?
        .ok_or(AppError::NotFound("survey"))?;
    let department_id = owning_department(&txn, &survey).await?;
    let organizer = user.may_manage_department(department_id);
    if survey.status == SurveyStatus::Draft && !organizer {
        return Err(AppError::NotFound("survey"));
    }
    let now = Utc::now();
    if !accepting_answers(&survey, now) {
        return Err(AppError::conflict("the survey is not open"));
    }
    if !self_service && !organizer {
        return Err(AppError::forbidden(
            "only organizers of the survey's department enter hotline and offline answers",
        ));
    }
    if let Some(key) = &respondent
        && let Some(earlier) = survey_response::Entity::find()
            .filter(survey_response::Column::SurveyId.eq(survey_id))
            .filter(survey_response::Column::RespondentKey.eq(key.as_str()))
            .one(&txn)
            .await?
    {
        // The same request may have committed since the idempotency lookup above.
        return match &idempotency {
            Some(key) if earlier.idempotency_key.as_ref() == Some(key) => Ok(earlier),
            _ => Err(AppError::conflict(ALREADY_ANSWERED)),
        };
    }
    let questions = questions_of(&txn, survey_id).await?;
    let rows = check_answers(&questions, &input.answers)?;
    let satisfaction = satisfaction_of(&questions, &rows);

    let inserted = survey_response::ActiveModel {
        survey_id: Set(survey_id),
        // Named only on non-anonymous surveys, and only when answering for oneself.
        respondent_id: Set((self_service && !survey.anonymous).then_some(user.id)),
        respondent_key: Set(respondent),
        idempotency_key: Set(idempotency.clone()),
        channel: Set(channel),
        satisfaction: Set(satisfaction),
        department_id: Set(department_id),
        entered_by: Set((!self_service).then_some(user.id)),
        submitted_at: Set(now),
        submitted_on: Set(local_date(now)),
        ..Default::default()
    }
    .insert(&txn)
    .await;
    let response = match inserted {
        Ok(response) => response,
        Err(err) if matches!(err.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) => {
            // A concurrent submission by the same respondent, or with the same requestId,
            // committed first (PostgreSQL; SQLite's write lock serializes us before this).
            txn.rollback().await?;
            if let Some(key) = &idempotency
                && let Some(first) = by_idempotency_key(&state.db, key).await?
            {
                return replay(first, survey_id);
            }
            return Err(AppError::conflict(ALREADY_ANSWERED));
        }
        Err(err) => return Err(err.into()),
    };
    let complaint = complaint_of(&questions, &rows);
    answer::Entity::insert_many(rows.into_iter().map(|row| answer::ActiveModel {
        response_id: Set(response.id),
        question_id: Set(row.question_id),
        level: Set(row.level),
        option_id: Set(row.option_id),
        rating: Set(row.rating),
        text: Set(row.text),
        ..Default::default()
    }))
    .exec_without_returning(&txn)
    .await?;
    if let Some(level) = satisfaction.filter(|level| is_dissatisfied(*level)) {
        rectification::ActiveModel {
            response_id: Set(response.id),
            survey_id: Set(survey_id),
            activity_id: Set(survey.activity_id),
            department_id: Set(department_id),
            level: Set(level),
            complaint: Set(complaint),
            status: Set(RectificationStatus::Open),
            due_at: Set(now + Duration::days(RECTIFICATION_DAYS)),
            resolution: Set(None),
            resolved_at: Set(None),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
    }
    if !self_service {
        audit::record(
            &txn,
            viewer,
            "surveyResponse.enter",
            "SurveyResponse",
            Some(response.id),
        )
        .await?;
    }
    txn.commit().await?;
    state.dashboards_changed().await;
    Ok(response)
}

/// The user's own responses, newest first, including those on anonymous surveys: their
/// respondent key is recomputed for each anonymous survey from the user and the server
/// secret. Nobody else can make that match, so identity is never exposed.
pub async fn feedback_of_user(
    state: &AppState,
    user_id: i32,
    page: Page,
) -> AppResult<SurveyResponseConnection> {
    let anonymous: Vec<i32> = survey::Entity::find()
        .select_only()
        .column(survey::Column::Id)
        .filter(survey::Column::Anonymous.eq(true))
        .filter(survey::Column::Status.ne(SurveyStatus::Draft))
        .into_tuple()
        .all(&state.db)
        .await?;
    let keys = anonymous
        .into_iter()
        .map(|survey_id| respondent_key(&state.secrets, survey_id, user_id))
        .collect();
    responses_of(&state.db, user_id, keys, page).await
}

async fn responses_of(
    db: &DatabaseConnection,
    user_id: i32,
    respondent_keys: Vec<String>,
    page: Page,
) -> AppResult<SurveyResponseConnection> {
    let mut mine = Condition::any().add(survey_response::Column::RespondentId.eq(user_id));
    if !respondent_keys.is_empty() {
        mine = mine.add(survey_response::Column::RespondentKey.is_in(respondent_keys));
    }
    let query = survey_response::Entity::find().filter(mine);
    let total = query.clone().count(db).await?;
    let rows = query
        .order_by_desc(survey_response::Column::SubmittedAt)
        .order_by_desc(survey_response::Column::Id)
        .offset(page.offset)
        .limit(page.fetch_limit())
        .all(db)
        .await?;
    Ok(SurveyResponseConnection::new(
        rows.into_iter().map(SurveyResponse).collect(),
        page,
        total,
    ))
}

// ---------- rectifications ----------

#[derive(Debug, Default, Clone)]
pub struct RectificationQuery {
    pub department_id: Option<i32>,
    pub status: Option<RectificationStatus>,
    pub overdue: Option<bool>,
}

/// Organizers see their own department's rectifications; viewers and admins all. Newest first.
#[tracing::instrument(skip(state, viewer), err(level = "info", Debug))]
pub async fn rectifications(
    state: &AppState,
    viewer: &Viewer,
    q: &RectificationQuery,
    page: Page,
) -> AppResult<RectificationConnection> {
    let user = viewer.require_any(&[Role::Organizer, Role::Viewer, Role::Admin])?;
    let department_id = if user.reads_everything() {
        q.department_id
    } else {
        let own = user.department_id.ok_or_else(|| {
            AppError::forbidden("an organizer without a department sees no rectifications")
        })?;
        if q.department_id.is_some_and(|id| id != own) {
            return Err(AppError::forbidden(
                "organizers see their own department's rectifications",
            ));
        }
        Some(own)
    };
    let mut cond = Condition::all();
    if let Some(id) = department_id {
        cond = cond.add(rectification::Column::DepartmentId.eq(id));
    }
    if let Some(status) = q.status {
        cond = cond.add(rectification::Column::Status.eq(status));
    }
    if let Some(overdue) = q.overdue {
        let late = Condition::all()
            .add(
                rectification::Column::Status
                    .is_in([RectificationStatus::Open, RectificationStatus::InProgress]),
            )
            .add(rectification::Column::DueAt.lt(Utc::now()));
        cond = cond.add(if overdue { late } else { late.not() });
    }
    let query = rectification::Entity::find().filter(cond);
    let total = query.clone().count(&state.db).await?;
    let rows = query
        .order_by_desc(rectification::Column::CreatedAt)
        .order_by_desc(rectification::Column::Id)
        .offset(page.offset)
        .limit(page.fetch_limit())
        .all(&state.db)
        .await?;
    Ok(RectificationConnection::new(
        rows.into_iter().map(Rectification).collect(),
        page,
        total,
    ))
}

/// Moves a rectification forward (OPEN → IN_PROGRESS → RESOLVED → CLOSED; steps may be
/// skipped, never repeated or reversed). Reaching RESOLVED, or CLOSED without having been
/// resolved, needs the resolution text and sets resolvedAt.
#[tracing::instrument(skip(state, viewer, resolution), err(level = "info", Debug))]
pub async fn update_rectification(
    state: &AppState,
    viewer: &Viewer,
    id: i32,
    to: RectificationStatus,
    resolution: Option<String>,
) -> AppResult<rectification::Model> {
    let user = viewer.require_any(&[Role::Organizer, Role::Admin])?;
    let resolution = input::optional_text("resolution", resolution.as_deref(), MAX_TEXT_CHARS)?;
    let txn = begin_write(&state.db).await?;
    let current = rectification::Entity::find_by_id(id)
        .one(&txn)
        .await?
        .ok_or(AppError::NotFound("rectification"))?;
    if !user.may_manage_department(current.department_id) {
        return Err(AppError::forbidden(
            "only organizers of its department handle a rectification",
        ));
    }
    let refused = || {
        AppError::conflict(format!(
            "a rectification that is {} cannot become {}",
            current.status.to_value(),
            to.to_value()
        ))
    };
    if stage(to) <= stage(current.status) {
        return Err(refused());
    }
    let resolved = stage(RectificationStatus::Resolved);
    let resolving = stage(current.status) < resolved && stage(to) >= resolved;
    if resolving && resolution.is_none() {
        return Err(AppError::bad_input(
            "resolution",
            "say how the complaint was resolved",
        ));
    }
    if stage(to) < resolved && resolution.is_some() {
        return Err(AppError::bad_input(
            "resolution",
            "a resolution is given when the rectification is resolved",
        ));
    }
    let now = Utc::now();
    let mut update = rectification::Entity::update_many()
        .col_expr(rectification::Column::Status, Expr::value(to))
        .col_expr(rectification::Column::UpdatedAt, Expr::value(now))
        .filter(rectification::Column::Id.eq(id))
        // Conditional on the state just read, so of two racing updates only one applies.
        .filter(rectification::Column::Status.eq(current.status));
    if let Some(text) = resolution {
        update = update.col_expr(rectification::Column::Resolution, Expr::value(text));
    }
    if resolving {
        update = update.col_expr(rectification::Column::ResolvedAt, Expr::value(now));
    }
    if update.exec(&txn).await?.rows_affected == 0 {
        return Err(refused());
    }
    audit::record(
        &txn,
        viewer,
        "rectification.update",
        "Rectification",
        Some(id),
    )
    .await?;
    let updated = rectification::Entity::find_by_id(id)
        .one(&txn)
        .await?
        .ok_or(AppError::NotFound("rectification"))?;
    txn.commit().await?;
    state.dashboards_changed().await;
    Ok(updated)
}
