//! Submitting a response: every answer checked against its question; a dissatisfied
//! answer opens a rectification in the same transaction.
//!
//! Submitting runs in one write transaction (IMMEDIATE on SQLite). Once-per-respondent and
//! requestId idempotency are guarded by the unique indexes ux_survey_responses_respondent
//! (survey_id, respondent_key) and ux_survey_responses_idempotency_key: a submission that
//! loses a race on PostgreSQL hits the index, rolls back and reads the winner.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, NaiveDate, Utc};
use futures::FutureExt;
use sea_orm::{
    ActiveEnum, ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection,
    DatabaseTransaction, DbBackend, DbErr, EntityTrait, FromQueryResult, QueryFilter, QueryOrder,
    QueryTrait, Set, SqlErr, Statement, Value,
};

use entity::enums::{
    FeedbackChannel, QuestionKind, RectificationStatus, SatisfactionLevel, SurveyStatus,
};
use entity::{answer, question, question_option, rectification, survey, survey_response};

use crate::auth::Viewer;
use crate::cache::CacheKey;
use crate::context::AppState;
use crate::db::{begin_write, placeholder};
use crate::domain::audit;
use crate::domain::calendar::local_date;
use crate::domain::input::{self};
use crate::error::{AppError, AppResult, Reason, Thing};

use super::service::{
    MAX_OPTIONS, MAX_QUESTIONS, MAX_REQUEST_ID_CHARS, MAX_TEXT_CHARS, accepting_answers,
    idempotency_key, is_dissatisfied, is_self_service, respondent_key,
};

/// One answer as sent: the question's id as the client wrote it (an unknown one is named
/// in the error), and the value matching the question's kind.
#[derive(Debug, Clone, Default)]
pub struct AnswerDraft {
    pub question_id: String,
    pub level: Option<SatisfactionLevel>,
    pub option_ids: Option<Vec<String>>,
    pub rating: Option<i32>,
    pub text: Option<String>,
}

/// What a rectification's deadline is counted with: the working-day calendar and the
/// default N (`TONGXIN_RECTIFICATION_WORKING_DAYS`). Read before the write that opens or
/// reopens a rectification, so that the write holds SQLite's writer or PostgreSQL's rows
/// for its statements only, not for a cache round trip or the calendar's load.
pub struct Deadlines {
    calendar: std::sync::Arc<crate::domain::calendar::WorkingCalendar>,
    default_days: u32,
}

impl Deadlines {
    pub async fn load(state: &AppState) -> AppResult<Self> {
        Ok(Deadlines {
            calendar: crate::domain::calendar::service::working_calendar(state).await?,
            default_days: state.config.rectification_working_days,
        })
    }

    /// When a rectification of a 差评 given on `opened` (the day the resident answered, or
    /// the day it was reopened) is due: the end of the day N working days later (the
    /// survey's own N, else the default), by the working-day calendar.
    pub fn due_at(&self, survey: &survey::Model, opened: NaiveDate) -> DateTime<Utc> {
        let days = survey
            .rectification_working_days
            .and_then(|days| u32::try_from(days).ok())
            .unwrap_or(self.default_days);
        let due_on = self
            .calendar
            .add_working_days(opened, days)
            .unwrap_or(opened);
        crate::domain::calendar::start_of_day(due_on.succ_opt().unwrap_or(due_on))
    }
}

/// A response as sent.
#[derive(Debug, Clone)]
pub struct NewResponse {
    pub survey_id: i32,
    pub channel: FeedbackChannel,
    pub answers: Vec<AnswerDraft>,
    /// Idempotency key: the same key from the same respondent returns the first response.
    pub request_id: Option<String>,
    /// The day the resident answered: today by default; an entered (HOTLINE, OFFLINE)
    /// answer may be dated earlier, within the survey's window, never in the future.
    pub answered_on: Option<NaiveDate>,
    /// A 12345 work order's number (imported cases): a second answer with it is refused.
    pub external_case_number: Option<String>,
    /// Imported cases answer only what the work order holds: required questions may stay
    /// unanswered.
    pub partial: bool,
}

/// A question with its options, as answers are checked against it.
#[derive(serde::Serialize, serde::Deserialize)]
pub(super) struct QuestionSpec {
    pub(super) question: question::Model,
    pub(super) options: Vec<question_option::Model>,
}

/// One row of `answers` to insert (a multiple-choice answer is one row per option).
pub(super) struct AnswerRow {
    question_id: i32,
    level: Option<SatisfactionLevel>,
    option_id: Option<i32>,
    rating: Option<i32>,
    text: Option<String>,
}

impl AnswerRow {
    pub(super) fn level(question_id: i32, level: SatisfactionLevel) -> Self {
        AnswerRow {
            question_id,
            level: Some(level),
            option_id: None,
            rating: None,
            text: None,
        }
    }

    pub(super) fn text(question_id: i32, text: String) -> Self {
        AnswerRow {
            question_id,
            level: None,
            option_id: None,
            rating: None,
            text: Some(text),
        }
    }
}

pub(super) async fn questions_of<C: ConnectionTrait>(
    db: &C,
    survey_id: i32,
) -> AppResult<Vec<QuestionSpec>> {
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
fn check_answers(
    questions: &[QuestionSpec],
    inputs: &[AnswerDraft],
    partial: bool,
) -> AppResult<Vec<AnswerRow>> {
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
            .ok_or_else(|| AppError::input(sent, Reason::QuestionNotInSurvey))?;
        let question = &spec.question;
        let bad = |problem: Reason| {
            AppError::input(
                question.id.to_string(),
                Reason::AnswerInvalid {
                    prompt: question.prompt.clone(),
                    problem: Box::new(problem),
                },
            )
        };
        if !answered.insert(question.id) {
            return Err(bad(Reason::AnsweredTwice));
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
        if given.iter().any(|(name, set)| *set && *name != expected) {
            return Err(bad(Reason::AnswerKind));
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
                    .ok_or_else(|| bad(Reason::InvalidSatisfactionLevel))?;
                rows.push(row(Some(level), None, None, None));
            }
            QuestionKind::SingleChoice | QuestionKind::MultipleChoice => {
                let sent_ids = input.option_ids.as_deref().unwrap_or_default();
                if sent_ids.len() > MAX_OPTIONS {
                    return Err(bad(Reason::TooMany { max: MAX_OPTIONS }));
                }
                let single = question.kind == QuestionKind::SingleChoice;
                if single && sent_ids.len() != 1 {
                    return Err(bad(Reason::ChooseOne));
                }
                if sent_ids.is_empty() {
                    return Err(bad(Reason::TooFew { min: 1 }));
                }
                let mut chosen = HashSet::new();
                for sent_id in sent_ids {
                    let option = sent_id
                        .trim()
                        .parse::<i32>()
                        .ok()
                        .and_then(|id| spec.options.iter().find(|option| option.id == id))
                        .ok_or_else(|| bad(Reason::UnknownOption))?;
                    if !chosen.insert(option.id) {
                        return Err(bad(Reason::Duplicate));
                    }
                    rows.push(row(None, Some(option.id), None, None));
                }
            }
            QuestionKind::Rating => {
                let rating = input
                    .rating
                    .filter(|r| (1..=5).contains(r))
                    .ok_or_else(|| bad(Reason::OutOfRange { min: 1, max: 5 }))?;
                rows.push(row(None, None, Some(rating), None));
            }
            QuestionKind::Text => {
                let text = input.text.as_deref().map(str::trim).unwrap_or_default();
                if text.is_empty() {
                    return Err(bad(Reason::Required));
                }
                if text.chars().count() > MAX_TEXT_CHARS {
                    return Err(bad(Reason::TooLong {
                        max: MAX_TEXT_CHARS,
                    }));
                }
                if text.chars().any(crate::domain::input::forbidden_character) {
                    return Err(bad(Reason::ForbiddenCharacters));
                }
                rows.push(row(None, None, None, Some(text.to_owned())));
            }
        }
    }
    if let Some(missing) = questions
        .iter()
        .find(|spec| !partial && spec.question.required && !answered.contains(&spec.question.id))
    {
        return Err(AppError::input(
            missing.question.id.to_string(),
            Reason::AnswerRequired {
                prompt: missing.question.prompt.clone(),
            },
        ));
    }
    if rows.is_empty() {
        return Err(AppError::input("answers", Reason::TooFew { min: 1 }));
    }
    Ok(rows)
}

/// The overall figure: the answer to the question marked overall (the first SATISFACTION
/// question unless another is marked), if it was answered.
fn satisfaction_of(questions: &[QuestionSpec], rows: &[AnswerRow]) -> Option<SatisfactionLevel> {
    let overall = overall_question(questions.iter().map(|spec| &spec.question))?;
    rows.iter()
        .find(|row| row.question_id == overall)
        .and_then(|row| row.level)
}

/// The question whose answer is a response's overall figure: the one marked overall, else
/// the first SATISFACTION question (`questions` in survey order).
pub fn overall_question<'a>(questions: impl Iterator<Item = &'a question::Model>) -> Option<i32> {
    let mut first = None;
    for question in questions.filter(|q| q.kind == QuestionKind::Satisfaction) {
        if question.overall {
            return Some(question.id);
        }
        first.get_or_insert(question.id);
    }
    first
}

/// What the rectification records as the 差评's level: the overall answer when it is a
/// dissatisfied one, else the worst dissatisfied indicator; none when every indicator is
/// satisfied (no rectification opens).
fn complaint_level(
    overall: Option<SatisfactionLevel>,
    rows: &[AnswerRow],
) -> Option<SatisfactionLevel> {
    overall.filter(|level| is_dissatisfied(*level)).or_else(|| {
        rows.iter()
            .filter_map(|row| row.level)
            .filter(|level| is_dissatisfied(*level))
            .max_by_key(|level| *level as u8)
    })
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

/// The day the resident answered. Self-service answers are today's; an entered one may
/// carry an earlier day (the call or the paper form), never a later one, and within the
/// survey's window.
fn answered_on(
    survey: &survey::Model,
    self_service: bool,
    sent: Option<NaiveDate>,
    now: DateTime<Utc>,
) -> AppResult<NaiveDate> {
    let today = local_date(now);
    let Some(day) = sent else {
        return Ok(today);
    };
    let refuse = |reason: Reason| AppError::input("answeredOn", reason);
    if day > today {
        return Err(refuse(Reason::AnsweredOnInFuture));
    }
    if self_service && day != today {
        return Err(refuse(Reason::AnsweredOnNotToday));
    }
    if survey.opens_at.is_some_and(|opens| day < local_date(opens))
        || survey
            .closes_at
            .is_some_and(|closes| day > local_date(closes))
    {
        return Err(refuse(Reason::AnsweredOnOutsideSurvey));
    }
    Ok(day)
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
        Err(AppError::of(Reason::RequestIdReused))
    }
}

/// A survey's questions with their options: from the shared cache (they are written once,
/// with the survey, and never change), or from the database (two statements).
pub(super) async fn cached_questions(
    state: &AppState,
    survey_id: i32,
) -> AppResult<Vec<QuestionSpec>> {
    state
        .cache
        .get_or_load_json(
            &CacheKey::SurveyQuestions { id: survey_id },
            |_| true,
            questions_of(&state.db, survey_id),
        )
        .await
}

/// The survey and the department it belongs to (its own, else its activity's primary
/// one): one statement.
async fn survey_with_department(
    state: &AppState,
    survey_id: i32,
) -> AppResult<Option<(survey::Model, Option<i32>)>> {
    let Some((survey, activity)) = survey::Entity::find_by_id(survey_id)
        .find_also_related(entity::activity::Entity)
        .one(&state.db)
        .await?
    else {
        return Ok(None);
    };
    let department_id = match survey.department_id {
        Some(id) => Some(id),
        None => activity.and_then(|activity| activity.primary_department_id),
    };
    Ok(Some((survey, department_id)))
}

/// What a submission stored: the response and, when it opened one, its rectification
/// (`None` in `opened` also when a repeated requestId returned an earlier response).
pub struct Submitted {
    pub response: survey_response::Model,
    pub opened: Option<Option<rectification::Model>>,
}

/// Submits a response. Self-service channels (MINI_PROGRAM, MOBILE_APP, WEB): once per
/// respondent. HOTLINE and OFFLINE: organizers of the survey's department and admins, on
/// residents' behalf, any number. A repeated requestId returns the first response.
///
/// Three statements for a satisfied answer once the survey's questions are cached (the
/// survey with its department, the response, its answers): once per respondent and once
/// per requestId are the unique indexes' to keep, and a conflict is told apart afterwards.
#[tracing::instrument(skip(state, viewer, input), err(level = "info", Debug))]
pub async fn submit(state: &AppState, viewer: &Viewer, input: NewResponse) -> AppResult<Submitted> {
    let user = viewer.require()?;
    let (survey_id, channel) = (input.survey_id, input.channel);
    let self_service = is_self_service(channel);
    let request_id = input
        .request_id
        .as_deref()
        .map(str::trim)
        .filter(|r| !r.is_empty());
    if request_id.is_some_and(|r| r.chars().count() > MAX_REQUEST_ID_CHARS) {
        return Err(AppError::input(
            "requestId",
            Reason::TooLong {
                max: MAX_REQUEST_ID_CHARS,
            },
        ));
    }
    let idempotency = request_id.map(|r| idempotency_key(&state.secrets, user.id, r));
    let respondent = self_service.then(|| respondent_key(&state.secrets, survey_id, user.id));
    let replayed = |first: survey_response::Model| {
        replay(first, survey_id).map(|response| Submitted {
            response,
            opened: None,
        })
    };

    let Some((survey, department_id)) = survey_with_department(state, survey_id).await? else {
        return Err(AppError::not_found(Thing::Survey));
    };
    let survey = &survey;
    let organizer = user.may_manage_department(department_id);
    if survey.status == SurveyStatus::Draft && !organizer {
        return Err(AppError::not_found(Thing::Survey));
    }
    let now = Utc::now();
    if !accepting_answers(survey, now) {
        // A retry of a request that was accepted before the survey closed gets its answer.
        if let Some(key) = &idempotency
            && let Some(first) = by_idempotency_key(&state.db, key).await?
        {
            return replayed(first);
        }
        return Err(AppError::of(Reason::SurveyNotOpen));
    }
    if !self_service && !organizer {
        return Err(AppError::of(Reason::NotOwnDepartment));
    }
    let answered_on = answered_on(survey, self_service, input.answered_on, now)?;
    let questions = cached_questions(state, survey_id).await?;
    let rows = check_answers(&questions, &input.answers, input.partial)?;
    let satisfaction = satisfaction_of(&questions, &rows);
    // Only a complaint opens a rectification, whose deadline is counted before the write.
    let complains = complaint_level(satisfaction, &rows).is_some();
    let deadlines = if complains {
        Some(Deadlines::load(state).await?)
    } else {
        None
    };

    let new_response = survey_response::ActiveModel {
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
        answered_on: Set(answered_on),
        external_case_number: Set(input.external_case_number.clone()),
        ..Default::default()
    };
    // This respondent answered already, or this requestId was used: a retry of an
    // accepted request gets the first response, anything else is refused.
    let conflict = async || {
        if let Some(key) = &idempotency
            && let Some(first) = by_idempotency_key(&state.db, key).await?
        {
            return replayed(first);
        }
        Err(AppError::of(Reason::AlreadyAnswered))
    };
    // A resident's satisfied answer opens nothing: on PostgreSQL the response and its
    // answers are one statement, atomic without a transaction (one round trip, not four).
    if self_service && !complains && state.db.get_database_backend() == DbBackend::Postgres {
        let response = match insert_in_one_statement(&state.db, new_response, &rows).await {
            Ok(response) => response,
            Err(err) if is_unique_violation(&err) => return conflict().await,
            Err(err) => return Err(err.into()),
        };
        state.dashboards_changed().await;
        return Ok(Submitted {
            response,
            opened: Some(None),
        });
    }

    // On SQLite a resident's answer is written in the writer's next batch, with the other
    // registrations and answers waiting then (one commit for all of them,
    // [`crate::db::GroupCommit`]); an answer entered by staff, with its audit entry, keeps
    // a transaction of its own.
    if self_service && let Some(queue) = &state.group_commit {
        let survey = survey.clone();
        let written = queue
            .write(move |txn: &DatabaseTransaction| {
                async move {
                    write_response(
                        txn,
                        new_response,
                        &survey,
                        department_id,
                        &questions,
                        rows,
                        now,
                        deadlines.as_ref(),
                    )
                    .await
                }
                .boxed()
            })
            .await?;
        let Some((response, opened)) = written else {
            return conflict().await;
        };
        state.dashboards_changed().await;
        return Ok(Submitted {
            response,
            opened: Some(opened),
        });
    }

    let txn = begin_write(&state.writer).await?;
    let written = write_response(
        &txn,
        new_response,
        survey,
        department_id,
        &questions,
        rows,
        now,
        deadlines.as_ref(),
    )
    .await?;
    let Some((response, opened)) = written else {
        txn.rollback().await?;
        return conflict().await;
    };
    if !self_service {
        audit::record(
            &txn,
            viewer,
            audit::AuditAction::SurveyResponseEnter,
            Some(response.id),
        )
        .await?;
    }
    txn.commit().await?;
    state.dashboards_changed().await;
    Ok(Submitted {
        response,
        opened: Some(opened),
    })
}

/// Whether a unique index refused the statement: a second answer of one respondent, a
/// used requestId, a case number imported already.
fn is_unique_violation(err: &DbErr) -> bool {
    matches!(err.sql_err(), Some(SqlErr::UniqueConstraintViolation(_)))
}

/// The response and its answers (and a complaint's rectification) in `txn`: nothing when
/// a unique index refused the response (the respondent answered already, the requestId
/// was used, the case number was imported). A resident's answer in the writer's queue or
/// its own transaction, an entered one, an imported 12345 work order. `deadlines` are
/// needed when the answers complain.
#[allow(clippy::too_many_arguments)]
pub(super) async fn write_response(
    txn: &DatabaseTransaction,
    new_response: survey_response::ActiveModel,
    survey: &survey::Model,
    department_id: Option<i32>,
    questions: &[QuestionSpec],
    rows: Vec<AnswerRow>,
    now: DateTime<Utc>,
    deadlines: Option<&Deadlines>,
) -> AppResult<Option<(survey_response::Model, Option<rectification::Model>)>> {
    let response = match new_response.insert(txn).await {
        Ok(response) => response,
        Err(err) if is_unique_violation(&err) => return Ok(None),
        Err(err) => return Err(err.into()),
    };
    let opened = record_answers(
        txn,
        survey,
        department_id,
        &response,
        questions,
        rows,
        now,
        deadlines,
    )
    .await?;
    Ok(Some((response, opened)))
}

/// PostgreSQL: a response and its answers in one statement, the answers' insert a
/// data-modifying `WITH` part that takes the response's id from the first part. The
/// unique indexes refuse a second answer of one respondent as they do in a transaction.
async fn insert_in_one_statement(
    db: &DatabaseConnection,
    response: survey_response::ActiveModel,
    rows: &[AnswerRow],
) -> Result<survey_response::Model, DbErr> {
    let backend = DbBackend::Postgres;
    // The response's insert as sea-orm writes it (its values are $1…$n).
    let insert = survey_response::Entity::insert(response).build(backend);
    let mut values = insert.values.map(|v| v.0).unwrap_or_default();
    let mut answers = Vec::with_capacity(rows.len());
    for row in rows {
        let mut params = Vec::with_capacity(5);
        for value in [
            Value::from(row.question_id),
            Value::from(row.level.map(|level| level.to_value())),
            Value::from(row.option_id),
            Value::from(row.rating),
            Value::from(row.text.clone()),
        ] {
            values.push(value);
            params.push(placeholder(backend, values.len()));
        }
        answers.push(format!("((SELECT id FROM r), {})", params.join(", ")));
    }
    let answers = if answers.is_empty() {
        String::new()
    } else {
        format!(
            ", a AS (INSERT INTO answers (response_id, question_id, level, option_id, rating, text) \
             VALUES {})",
            answers.join(", ")
        )
    };
    let sql = format!(
        "WITH r AS ({} RETURNING *){answers} SELECT * FROM r",
        insert.sql
    );
    let row = db
        .query_one_raw(Statement::from_sql_and_values(backend, sql, values))
        .await?
        .ok_or_else(|| DbErr::RecordNotInserted)?;
    survey_response::Model::from_query_result(&row, "")
}

/// Stores a new response's answers and, when an indicator is dissatisfied, opens its
/// rectification (due N working days after the day the resident answered), which it
/// returns.
#[allow(clippy::too_many_arguments)]
async fn record_answers<C: ConnectionTrait>(
    txn: &C,
    survey: &survey::Model,
    department_id: Option<i32>,
    response: &survey_response::Model,
    questions: &[QuestionSpec],
    rows: Vec<AnswerRow>,
    now: DateTime<Utc>,
    deadlines: Option<&Deadlines>,
) -> AppResult<Option<rectification::Model>> {
    let complaint = complaint_of(questions, &rows);
    let complaint_level = complaint_level(response.satisfaction, &rows);
    answer::Entity::insert_many(rows.into_iter().map(|row| answer::ActiveModel {
        response_id: Set(response.id),
        question_id: Set(row.question_id),
        level: Set(row.level),
        option_id: Set(row.option_id),
        rating: Set(row.rating),
        text: Set(row.text),
        ..Default::default()
    }))
    .exec_without_returning(txn)
    .await?;
    // Any dissatisfied indicator opens one rectification; `Rectification.indicators`
    // names them from the answers.
    if let Some(level) = complaint_level {
        let deadlines = deadlines.ok_or_else(|| {
            AppError::internal(anyhow::anyhow!(
                "a complaint is written without its deadlines (a caller did not load them)"
            ))
        })?;
        let opened = rectification::ActiveModel {
            response_id: Set(response.id),
            survey_id: Set(survey.id),
            activity_id: Set(survey.activity_id),
            department_id: Set(department_id),
            level: Set(level),
            complaint: Set(complaint),
            status: Set(RectificationStatus::Open),
            due_at: Set(deadlines.due_at(survey, response.answered_on)),
            resolution: Set(None),
            resolved_at: Set(None),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        }
        .insert(txn)
        .await?;
        // The department hears of it in the same transaction, and of its deadline later.
        if let Some(department_id) = department_id {
            use crate::domain::notifications::{self, Event, scheduler};
            let users = notifications::organizers_of(txn, department_id).await?;
            let due = crate::domain::calendar::local(opened.due_at - chrono::Duration::seconds(1))
                .format("%m月%d日");
            let event = Event::new(
                entity::enums::NotificationKind::RectificationAssigned,
                format!("rectification-assigned:{}", opened.id),
                "新的整改任务",
                format!(
                    "群众对「{}」的评价为不满意，请先核实，并于 {due} 前办结。",
                    survey.title
                ),
            )
            .about_rectification(opened.id);
            notifications::notify(txn, &users, &event).await?;
            scheduler::schedule_deadlines(txn, opened.id, opened.due_at).await?;
        }
        return Ok(Some(opened));
    }
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn survey_open(from: &str, to: &str) -> survey::Model {
        let at = |day: &str| {
            crate::domain::calendar::start_of_day(
                NaiveDate::parse_from_str(day, "%Y-%m-%d").unwrap(),
            )
        };
        survey::Model {
            id: 1,
            title: "好差评".to_owned(),
            description: None,
            status: SurveyStatus::Open,
            anonymous: false,
            activity_id: None,
            department_id: None,
            opens_at: Some(at(from)),
            closes_at: Some(at(to)),
            created_by: None,
            rectification_working_days: None,
            created_at: at(from),
        }
    }

    fn day(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn an_entered_answer_is_dated_within_the_window_and_never_later_than_today() {
        let survey = survey_open("2026-11-01", "2026-11-30");
        let now = crate::domain::calendar::start_of_day(day("2026-12-03"));
        let field = |result: AppResult<NaiveDate>| match result {
            Err(AppError::Refused {
                field: Some(field), ..
            }) => field,
            other => panic!("expected a refusal, got {other:?}"),
        };
        assert_eq!(
            answered_on(&survey, false, Some(day("2026-11-15")), now).unwrap(),
            day("2026-11-15")
        );
        assert_eq!(
            field(answered_on(&survey, false, Some(day("2026-10-31")), now)),
            "answeredOn"
        );
        assert_eq!(
            field(answered_on(&survey, false, Some(day("2026-12-01")), now)),
            "answeredOn"
        );
        assert_eq!(
            field(answered_on(&survey, false, Some(day("2026-12-04")), now)),
            "answeredOn"
        );
        // Self-service answers are the day's own.
        assert_eq!(
            field(answered_on(&survey, true, Some(day("2026-11-15")), now)),
            "answeredOn"
        );
        assert_eq!(
            answered_on(&survey, true, None, now).unwrap(),
            day("2026-12-03")
        );
    }
}
