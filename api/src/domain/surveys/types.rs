//! GraphQL objects of surveys, responses, results and rectifications, wrapping their models.

use std::collections::HashMap;

use async_graphql::{Context, Enum, ID, InputObject, Object, SimpleObject};
use chrono::{DateTime, FixedOffset, Utc};
use sea_orm::Iterable;

use entity::enums::{
    FeedbackChannel as DbChannel, QuestionKind as DbKind,
    RectificationStatus as DbRectificationStatus, SatisfactionLevel as DbLevel,
    SurveyStatus as DbSurveyStatus,
};
use entity::{
    activity, department, question, question_option, rectification, survey, survey_response,
};

use crate::domain::activities::loaders::ActivityDepartments;
use crate::domain::activities::types::{Activity, Department};
use crate::error::{AppError, GqlResult, Thing};
use crate::graphql::loaders::{Loaders, by_id};
use crate::graphql::pagination::connection;
use crate::graphql::scalars::local;
use crate::graphql::{ContextExt, parse_id, parse_opt_id, to_id};

use super::loaders::{
    OptionsOfQuestion, QuestionsOfSurvey, RectificationOfResponse, SurveyTally, ViewerResponse,
};
use super::service;

#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "DbLevel")]
pub enum SatisfactionLevel {
    /// 非常满意
    VerySatisfied,
    /// 满意
    Satisfied,
    /// 基本满意
    BasicallySatisfied,
    /// 不满意
    Dissatisfied,
    /// 非常不满意
    VeryDissatisfied,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "DbKind")]
pub enum QuestionKind {
    /// One of the five SatisfactionLevel values.
    Satisfaction,
    SingleChoice,
    MultipleChoice,
    /// An integer from 1 to 5.
    Rating,
    Text,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "DbSurveyStatus")]
pub enum SurveyStatus {
    Draft,
    Open,
    Closed,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "DbChannel")]
pub enum FeedbackChannel {
    MiniProgram,
    MobileApp,
    Web,
    /// Entered by an organizer from a phone call.
    Hotline,
    /// Entered by an organizer from a paper form or a visit.
    Offline,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "DbRectificationStatus")]
pub enum RectificationStatus {
    /// New: the department verifies it first (核实).
    Open,
    InProgress,
    Resolved,
    Closed,
    /// Verified as not substantiated, with the reason (`verificationNote`).
    NotSubstantiated,
    /// Its 差评 was appealed and the appeal upheld: it no longer counts.
    Voided,
}

/// A satisfaction survey (满意度调查), about an activity or a department's work.
pub struct Survey(pub survey::Model);

connection!(SurveyConnection, SurveyEdge, Survey);

impl Survey {
    /// The department answerable for the survey: its own, else its activity's primary one.
    pub async fn owning_department(&self, ctx: &Context<'_>) -> GqlResult<Option<i32>> {
        if self.0.department_id.is_some() {
            return Ok(self.0.department_id);
        }
        let Some(activity_id) = self.0.activity_id else {
            return Ok(None);
        };
        Ok(
            by_id::<activity::Entity>(ctx.data_unchecked::<Loaders>(), activity_id)
                .await?
                .and_then(|activity| activity.primary_department_id),
        )
    }
}

#[Object]
impl Survey {
    async fn id(&self) -> ID {
        to_id(self.0.id)
    }
    async fn title(&self) -> &str {
        &self.0.title
    }
    async fn description(&self) -> Option<&str> {
        self.0.description.as_deref()
    }
    async fn status(&self) -> SurveyStatus {
        self.0.status.into()
    }
    /// Organizers never see who answered.
    async fn anonymous(&self) -> bool {
        self.0.anonymous
    }
    /// The activity the survey is about, when the viewer may see it.
    async fn activity(&self, ctx: &Context<'_>) -> GqlResult<Option<Activity>> {
        visible_activity(ctx, self.0.activity_id).await
    }
    /// The department answerable for it: the one named at creation, else the activity's primary department.
    async fn department(&self, ctx: &Context<'_>) -> GqlResult<Option<Department>> {
        let Some(id) = self.owning_department(ctx).await? else {
            return Ok(None);
        };
        Ok(
            by_id::<department::Entity>(ctx.data_unchecked::<Loaders>(), id)
                .await?
                .map(Department),
        )
    }
    /// Answers are accepted from this time on (null: as soon as it is OPEN).
    async fn opens_at(&self) -> Option<DateTime<FixedOffset>> {
        self.0.opens_at.map(local)
    }
    /// Answers are accepted until this time (null: until it is CLOSED).
    async fn closes_at(&self) -> Option<DateTime<FixedOffset>> {
        self.0.closes_at.map(local)
    }
    /// The questions, in order.
    async fn questions(&self, ctx: &Context<'_>) -> GqlResult<Vec<Question>> {
        Ok(ctx
            .data_unchecked::<Loaders>()
            .load_one(QuestionsOfSurvey(self.0.id))
            .await?
            .unwrap_or_default()
            .into_iter()
            .map(Question)
            .collect())
    }
    /// Whether the signed-in user has answered it through a self-service channel; false when signed out.
    async fn viewer_has_responded(&self, ctx: &Context<'_>) -> GqlResult<bool> {
        let Some(user) = ctx.viewer().user() else {
            return Ok(false);
        };
        let key = service::respondent_key(&ctx.state().secrets, self.0.id, user.id);
        Ok(ctx
            .data_unchecked::<Loaders>()
            .load_one(ViewerResponse {
                survey_id: self.0.id,
                respondent_key: key,
            })
            .await?
            .unwrap_or(false))
    }
    /// Organizers of the survey's department, viewers and admins.
    async fn results(&self, ctx: &Context<'_>) -> GqlResult<Option<SurveyResults>> {
        let Some(user) = ctx.viewer().user() else {
            return Ok(None);
        };
        if !user.reads_everything()
            && !user.may_manage_department(self.owning_department(ctx).await?)
        {
            return Ok(None);
        }
        Ok(Some(
            ctx.data_unchecked::<Loaders>()
                .load_one(SurveyTally(self.0.id))
                .await?
                .unwrap_or_default(),
        ))
    }
    async fn created_at(&self) -> DateTime<FixedOffset> {
        local(self.0.created_at)
    }
}

/// One question of a survey.
#[derive(Clone)]
pub struct Question(pub question::Model);

#[Object]
impl Question {
    async fn id(&self) -> ID {
        to_id(self.0.id)
    }
    async fn kind(&self) -> QuestionKind {
        self.0.kind.into()
    }
    async fn prompt(&self) -> &str {
        &self.0.prompt
    }
    async fn required(&self) -> bool {
        self.0.required
    }
    /// The overall question (整体满意度): its answer is the response's `satisfaction`, the
    /// figure every satisfaction rate counts. One per survey with SATISFACTION questions.
    async fn overall(&self) -> bool {
        self.0.overall
    }
    /// The choices of SINGLE_CHOICE and MULTIPLE_CHOICE questions, in order; empty for other kinds.
    async fn options(&self, ctx: &Context<'_>) -> GqlResult<Vec<QuestionOption>> {
        Ok(ctx
            .data_unchecked::<Loaders>()
            .load_one(OptionsOfQuestion(self.0.id))
            .await?
            .unwrap_or_default()
            .into_iter()
            .map(QuestionOption)
            .collect())
    }
}

/// A choice of a choice question.
#[derive(Clone)]
pub struct QuestionOption(pub question_option::Model);

#[Object]
impl QuestionOption {
    async fn id(&self) -> ID {
        to_id(self.0.id)
    }
    async fn label(&self) -> &str {
        &self.0.label
    }
}

/// One submitted response. Only its author (and the organizer who entered it) ever reads it.
pub struct SurveyResponse(pub survey_response::Model);

connection!(SurveyResponseConnection, SurveyResponseEdge, SurveyResponse);

#[Object]
impl SurveyResponse {
    async fn id(&self) -> ID {
        to_id(self.0.id)
    }
    async fn survey(&self, ctx: &Context<'_>) -> GqlResult<Survey> {
        by_id::<survey::Entity>(ctx.data_unchecked::<Loaders>(), self.0.survey_id)
            .await?
            .map(Survey)
            .ok_or_else(|| AppError::not_found(Thing::Survey).into())
    }
    async fn submitted_at(&self) -> DateTime<FixedOffset> {
        local(self.0.submitted_at)
    }
    async fn channel(&self) -> FeedbackChannel {
        self.0.channel.into()
    }
    /// The answer to the survey's overall question (`Question.overall`), if any.
    async fn satisfaction(&self) -> Option<SatisfactionLevel> {
        self.0.satisfaction.map(Into::into)
    }
    /// The day the resident answered (an entered answer may have been typed later).
    async fn answered_on(&self) -> crate::graphql::scalars::Date {
        crate::graphql::scalars::Date(self.0.answered_on)
    }
    /// The 12345 work order it was imported from (`importFeedbackCases`).
    async fn external_case_number(&self) -> Option<&str> {
        self.0.external_case_number.as_deref()
    }
    /// Opened when any SATISFACTION answer is DISSATISFIED or VERY_DISSATISFIED.
    async fn rectification(&self, ctx: &Context<'_>) -> GqlResult<Option<Rectification>> {
        Ok(ctx
            .data_unchecked::<Loaders>()
            .load_one(RectificationOfResponse(self.0.id))
            .await?
            .flatten()
            .map(Rectification))
    }
}

/// 整改: the handling of a dissatisfied answer, owned by a department, with a deadline.
pub struct Rectification(pub rectification::Model);

connection!(RectificationConnection, RectificationEdge, Rectification);

#[Object]
impl Rectification {
    async fn id(&self) -> ID {
        to_id(self.0.id)
    }
    async fn status(&self) -> RectificationStatus {
        self.0.status.into()
    }
    /// The satisfaction level that opened it.
    async fn level(&self) -> SatisfactionLevel {
        self.0.level.into()
    }
    /// The department that handles it.
    async fn department(&self, ctx: &Context<'_>) -> GqlResult<Option<Department>> {
        department_of(ctx, self.0.department_id).await
    }
    async fn survey(&self, ctx: &Context<'_>) -> GqlResult<Survey> {
        by_id::<survey::Entity>(ctx.data_unchecked::<Loaders>(), self.0.survey_id)
            .await?
            .map(Survey)
            .ok_or_else(|| AppError::not_found(Thing::Survey).into())
    }
    /// The activity the survey was about, when the viewer may see it.
    async fn activity(&self, ctx: &Context<'_>) -> GqlResult<Option<Activity>> {
        visible_activity(ctx, self.0.activity_id).await
    }
    /// The respondent's text answers (never their identity on anonymous surveys).
    /// The indicators answered DISSATISFIED or VERY_DISSATISFIED, in question order: the
    /// rectification is about each of them.
    async fn indicators(&self, ctx: &Context<'_>) -> GqlResult<Vec<IndicatorAnswer>> {
        Ok(ctx
            .data_unchecked::<Loaders>()
            .load_one(super::loaders::DissatisfiedIndicators(self.0.response_id))
            .await?
            .unwrap_or_default()
            .into_iter()
            .map(|(question, level)| IndicatorAnswer {
                prompt: question.prompt.clone(),
                overall: question.overall,
                question: Question(question),
                level: level.into(),
            })
            .collect())
    }
    async fn complaint(&self) -> Option<&str> {
        self.0.complaint.as_deref()
    }
    /// Why it was found not substantiated; the resident sees it.
    async fn verification_note(&self) -> Option<&str> {
        self.0.verification_note.as_deref()
    }
    async fn verified_at(&self) -> Option<DateTime<FixedOffset>> {
        self.0.verified_at.map(local)
    }
    /// How often it was reopened: by the office after it was found not substantiated, or
    /// by a dissatisfied follow-up.
    async fn reopen_count(&self) -> i32 {
        self.0.reopen_count
    }
    /// The department's appeal of the 差评 (申诉复核) and its decision, if any.
    async fn appeal(&self, ctx: &Context<'_>) -> GqlResult<Option<FeedbackAppeal>> {
        Ok(
            super::appeals::of_response(&ctx.state().db, self.0.response_id)
                .await?
                .map(FeedbackAppeal),
        )
    }
    /// Follow-ups (回访) and the resident's own rating, oldest first.
    async fn follow_ups(&self, ctx: &Context<'_>) -> GqlResult<Vec<RectificationFollowUp>> {
        Ok(
            super::rectifications::follow_ups(&ctx.state().db, self.0.id)
                .await?
                .into_iter()
                .map(|f| RectificationFollowUp {
                    by_resident: f.by_resident,
                    channel: f.channel.into(),
                    rating: f.rating.into(),
                    note: f.note,
                    recorded_at: local(f.recorded_at),
                })
                .collect(),
        )
    }
    /// The end of `dueOn`.
    async fn due_at(&self) -> DateTime<FixedOffset> {
        local(self.0.due_at)
    }
    /// The last day to resolve it: N working days after it opened (the survey's own N, else
    /// the server's, 5 by default), by the working-day calendar.
    async fn due_on(&self) -> crate::graphql::scalars::Date {
        due_on(&self.0)
    }
    /// Still OPEN or IN_PROGRESS after dueAt.
    async fn overdue(&self) -> bool {
        service::is_overdue(&self.0, Utc::now())
    }
    /// What was done, readable by the respondent.
    async fn resolution(&self) -> Option<&str> {
        self.0.resolution.as_deref()
    }
    async fn resolved_at(&self) -> Option<DateTime<FixedOffset>> {
        self.0.resolved_at.map(local)
    }
    async fn created_at(&self) -> DateTime<FixedOffset> {
        local(self.0.created_at)
    }
}

/// One indicator (a SATISFACTION question) of a response, with its answer.
#[derive(SimpleObject)]
pub struct IndicatorAnswer {
    pub question: Question,
    /// The question's prompt (e.g. 服务态度).
    pub prompt: String,
    /// It is the survey's overall question.
    pub overall: bool,
    pub level: SatisfactionLevel,
}

/// How many answers chose one satisfaction level.
#[derive(SimpleObject, Clone, Copy, Debug, PartialEq)]
pub struct LevelCount {
    pub level: SatisfactionLevel,
    pub count: i32,
}

/// All five levels in scale order, zeros included; dashboards use the same shape.
pub fn level_counts(counts: &HashMap<DbLevel, i64>) -> Vec<LevelCount> {
    DbLevel::iter()
        .map(|level| LevelCount {
            level: level.into(),
            count: counts.get(&level).copied().unwrap_or(0) as i32,
        })
        .collect()
}

/// (VERY_SATISFIED + SATISFIED + BASICALLY_SATISFIED) / all answers; null without answers.
pub fn satisfaction_rate(counts: &[LevelCount]) -> Option<f64> {
    let all: i64 = counts.iter().map(|c| c.count as i64).sum();
    if all == 0 {
        return None;
    }
    let satisfied: i64 = counts
        .iter()
        .filter(|c| service::is_satisfied(c.level.into()))
        .map(|c| c.count as i64)
        .sum();
    Some(satisfied as f64 / all as f64)
}

/// How many answers chose one option.
#[derive(SimpleObject, Clone)]
pub struct OptionCount {
    pub option: QuestionOption,
    pub count: i32,
}

/// The figures of one question.
#[derive(SimpleObject, Clone)]
pub struct QuestionResult {
    pub question: Question,
    /// Responses that answered it.
    pub answer_count: i32,
    /// SATISFACTION questions: all five levels, zeros included; empty for other kinds.
    pub level_counts: Vec<LevelCount>,
    /// SATISFACTION questions: this indicator's own satisfaction rate; null otherwise or
    /// without answers.
    pub satisfaction_rate: Option<f64>,
    /// Choice questions: every option in order, zeros included; empty for other kinds.
    pub option_counts: Vec<OptionCount>,
    /// RATING questions with answers; null otherwise.
    pub average_rating: Option<f64>,
}

/// The figures of a survey, counted by the database.
#[derive(SimpleObject, Clone)]
pub struct SurveyResults {
    pub response_count: i32,
    /// The overall figure: the share of answers to the overall question (`Question.overall`)
    /// that are VERY_SATISFIED, SATISFIED or BASICALLY_SATISFIED; null with no answers.
    /// Every other indicator has its own rate in `questions`.
    pub satisfaction_rate: Option<f64>,
    /// Answers to the overall question, by level.
    pub level_counts: Vec<LevelCount>,
    /// The overall figure split into self-service and entered answers.
    #[graphql(flatten)]
    pub split: EnteredSplit,
    pub questions: Vec<QuestionResult>,
}

impl Default for SurveyResults {
    fn default() -> Self {
        SurveyResults {
            response_count: 0,
            satisfaction_rate: None,
            level_counts: level_counts(&HashMap::new()),
            split: EnteredSplit::default(),
            questions: Vec::new(),
        }
    }
}

/// Overall answers split by who typed them: the resident (MINI_PROGRAM, MOBILE_APP, WEB)
/// or the evaluated department (HOTLINE, OFFLINE, imported 12345 cases), so that a
/// department's entries cannot raise its rate unseen.
#[derive(
    SimpleObject, Clone, Copy, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize,
)]
pub struct EnteredSplit {
    /// Self-service answers with an overall level.
    pub self_service_count: i32,
    /// Their satisfaction rate; null with none.
    pub self_service_rate: Option<f64>,
    /// Answers entered by the department with an overall level.
    pub entered_count: i32,
    /// Their satisfaction rate; null with none.
    pub entered_rate: Option<f64>,
    #[graphql(skip)]
    pub self_service_satisfied: i32,
    #[graphql(skip)]
    pub entered_satisfied: i32,
}

impl EnteredSplit {
    pub fn add(&mut self, self_service: bool, satisfied: bool, n: i64) {
        let n = i32::try_from(n).unwrap_or(i32::MAX);
        let (count, hits) = if self_service {
            (
                &mut self.self_service_count,
                &mut self.self_service_satisfied,
            )
        } else {
            (&mut self.entered_count, &mut self.entered_satisfied)
        };
        *count += n;
        if satisfied {
            *hits += n;
        }
        let rate = |hits: i32, count: i32| (count > 0).then(|| f64::from(hits) / f64::from(count));
        self.self_service_rate = rate(self.self_service_satisfied, self.self_service_count);
        self.entered_rate = rate(self.entered_satisfied, self.entered_count);
    }
}

/// The activity, if the viewer may see it ([`crate::domain::access::may_see`]).
async fn visible_activity(ctx: &Context<'_>, id: Option<i32>) -> GqlResult<Option<Activity>> {
    let Some(id) = id else {
        return Ok(None);
    };
    let loaders = ctx.data_unchecked::<Loaders>();
    let Some(activity) = by_id::<activity::Entity>(loaders, id).await? else {
        return Ok(None);
    };
    // The departments matter only for drafts and cancelled ones.
    let departments: Vec<i32> = if crate::domain::access::PUBLIC_STATUSES.contains(&activity.status)
    {
        Vec::new()
    } else {
        loaders
            .load_one(ActivityDepartments(id))
            .await?
            .unwrap_or_default()
            .iter()
            .map(|department| department.id)
            .collect()
    };
    Ok(
        crate::domain::access::may_see(ctx.viewer(), &activity, &departments)
            .then_some(Activity(activity)),
    )
}

#[derive(InputObject)]
pub struct SurveyInput {
    pub title: String,
    pub description: Option<String>,
    /// The activity the survey is about; organizers only for activities their department leads.
    pub activity_id: Option<ID>,
    /// Organizers: their own department (the default for them). Admins: any, or none.
    pub department_id: Option<ID>,
    /// Keep respondents only as a keyed hash (default false).
    pub anonymous: Option<bool>,
    pub opens_at: Option<DateTime<FixedOffset>>,
    pub closes_at: Option<DateTime<FixedOffset>>,
    /// At least one.
    pub questions: Vec<QuestionInput>,
    /// Working days its rectifications have (1–60); default the server's
    /// (`TONGXIN_RECTIFICATION_WORKING_DAYS`, 5).
    pub rectification_working_days: Option<i32>,
}

#[derive(InputObject)]
pub struct QuestionInput {
    pub kind: QuestionKind,
    pub prompt: String,
    /// Default true, except for TEXT questions (default false).
    pub required: Option<bool>,
    /// Choice questions: at least two distinct labels, in order.
    pub options: Option<Vec<String>>,
    /// SATISFACTION questions: this one is the overall figure (整体满意度) of the survey;
    /// at most one per survey, default the first SATISFACTION question.
    pub overall: Option<bool>,
}

#[derive(InputObject, Default)]
pub struct SurveyFilter {
    pub activity_id: Option<ID>,
    /// The department answerable for the survey.
    pub department_id: Option<ID>,
    pub status: Option<SurveyStatus>,
}

/// The value matching the question's kind, and nothing else.
#[derive(InputObject)]
pub struct AnswerInput {
    pub question_id: ID,
    /// SATISFACTION
    pub level: Option<SatisfactionLevel>,
    /// SINGLE_CHOICE (exactly one) and MULTIPLE_CHOICE (one or more)
    pub option_ids: Option<Vec<ID>>,
    /// RATING, 1 to 5
    pub rating: Option<i32>,
    /// TEXT, at most 2,000 characters
    pub text: Option<String>,
}

#[derive(InputObject)]
pub struct SurveyResponseInput {
    pub survey_id: ID,
    /// MINI_PROGRAM, MOBILE_APP and WEB: once per respondent. HOTLINE and OFFLINE: organizers, any number.
    pub channel: FeedbackChannel,
    pub answers: Vec<AnswerInput>,
    /// Idempotency key: the same key from the same respondent returns the first response.
    pub request_id: Option<String>,
    /// The day the resident answered, default today. HOTLINE and OFFLINE answers typed
    /// later may carry an earlier day within the survey's window, never a future one;
    /// self-service answers are today's. Dashboards' ranges and the rectification's
    /// deadline use it.
    pub answered_on: Option<crate::graphql::scalars::Date>,
}

#[derive(InputObject, Default)]
pub struct RectificationFilter {
    pub department_id: Option<ID>,
    pub status: Option<RectificationStatus>,
    /// Still OPEN or IN_PROGRESS after dueAt.
    pub overdue: Option<bool>,
}

#[derive(InputObject)]
pub struct RectificationUpdate {
    /// Forward only: OPEN → IN_PROGRESS → RESOLVED → CLOSED.
    pub status: RectificationStatus,
    /// Required on becoming RESOLVED (or CLOSED without having been resolved).
    pub resolution: Option<String>,
}

impl TryFrom<SurveyInput> for super::service::NewSurvey {
    type Error = AppError;

    fn try_from(input: SurveyInput) -> Result<Self, AppError> {
        Ok(super::service::NewSurvey {
            title: input.title,
            description: input.description,
            activity_id: parse_opt_id(input.activity_id.as_ref(), "activityId")?,
            department_id: parse_opt_id(input.department_id.as_ref(), "departmentId")?,
            anonymous: input.anonymous.unwrap_or(false),
            opens_at: input.opens_at.map(|at| at.to_utc()),
            closes_at: input.closes_at.map(|at| at.to_utc()),
            rectification_working_days: input.rectification_working_days,
            questions: input
                .questions
                .into_iter()
                .map(|q| super::service::QuestionDraft {
                    kind: q.kind.into(),
                    prompt: q.prompt,
                    required: q.required,
                    options: q.options.unwrap_or_default(),
                    overall: q.overall.unwrap_or(false),
                })
                .collect(),
        })
    }
}

impl TryFrom<SurveyResponseInput> for super::submission::NewResponse {
    type Error = AppError;

    fn try_from(input: SurveyResponseInput) -> Result<Self, AppError> {
        Ok(super::submission::NewResponse {
            survey_id: parse_id(&input.survey_id, "surveyId")?,
            channel: input.channel.into(),
            answers: input
                .answers
                .into_iter()
                .map(|a| super::submission::AnswerDraft {
                    question_id: a.question_id.0,
                    level: a.level.map(Into::into),
                    option_ids: a
                        .option_ids
                        .map(|ids| ids.into_iter().map(|id| id.0).collect()),
                    rating: a.rating,
                    text: a.text,
                })
                .collect(),
            request_id: input.request_id,
            answered_on: input.answered_on.map(|day| day.0),
            external_case_number: None,
            partial: false,
        })
    }
}

impl From<survey::Model> for Survey {
    fn from(model: survey::Model) -> Self {
        Survey(model)
    }
}

impl From<survey_response::Model> for SurveyResponse {
    fn from(model: survey_response::Model) -> Self {
        SurveyResponse(model)
    }
}

impl From<rectification::Model> for Rectification {
    fn from(model: rectification::Model) -> Self {
        Rectification(model)
    }
}

/// How a follow-up reached the resident.
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "entity::enums::FollowUpChannel")]
pub enum FollowUpChannel {
    Phone,
    Visit,
    MiniProgram,
}

/// The resident's verdict on the result: satisfied or basically satisfied closes the
/// rectification; dissatisfied reopens it.
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "entity::enums::FollowUpRating")]
pub enum FollowUpRating {
    Satisfied,
    BasicallySatisfied,
    Dissatisfied,
}

/// A follow-up (回访) by the department, or the resident's own rating.
#[derive(SimpleObject)]
pub struct RectificationFollowUp {
    pub by_resident: bool,
    pub channel: FollowUpChannel,
    pub rating: FollowUpRating,
    pub note: Option<String>,
    pub recorded_at: DateTime<FixedOffset>,
}

/// A handled complaint as the public sees it (公开): no identity, nothing the resident
/// wrote.
pub struct PublicRectification(pub rectification::Model);

impl From<rectification::Model> for PublicRectification {
    fn from(model: rectification::Model) -> Self {
        PublicRectification(model)
    }
}

connection!(
    PublicRectificationConnection,
    PublicRectificationEdge,
    PublicRectification
);

#[Object]
impl PublicRectification {
    async fn id(&self) -> ID {
        to_id(self.0.id)
    }
    async fn status(&self) -> RectificationStatus {
        self.0.status.into()
    }
    async fn department(&self, ctx: &Context<'_>) -> GqlResult<Option<Department>> {
        department_of(ctx, self.0.department_id).await
    }
    async fn survey_title(&self, ctx: &Context<'_>) -> GqlResult<String> {
        let survey = by_id::<survey::Entity>(ctx.data_unchecked::<Loaders>(), self.0.survey_id)
            .await?
            .ok_or(AppError::not_found(Thing::Survey))?;
        Ok(survey.title)
    }
    async fn opened_on(&self) -> crate::graphql::scalars::Date {
        crate::graphql::scalars::Date(crate::domain::calendar::local_date(self.0.created_at))
    }
    /// When it was resolved (null: not yet, or ended by verification).
    async fn resolved_on(&self) -> Option<crate::graphql::scalars::Date> {
        self.0
            .resolved_at
            .map(|at| crate::graphql::scalars::Date(crate::domain::calendar::local_date(at)))
    }
    async fn due_on(&self) -> crate::graphql::scalars::Date {
        due_on(&self.0)
    }
    /// Resolved by its deadline (null while it is not resolved).
    async fn on_time(&self) -> Option<bool> {
        self.0.resolved_at.map(|at| at <= self.0.due_at)
    }
    /// The department's resolution, or why it was not substantiated.
    async fn resolution(&self) -> Option<&str> {
        self.0
            .resolution
            .as_deref()
            .or(self.0.verification_note.as_deref())
    }
    /// The latest follow-up's rating.
    async fn rating(&self, ctx: &Context<'_>) -> GqlResult<Option<FollowUpRating>> {
        Ok(
            super::rectifications::follow_ups(&ctx.state().db, self.0.id)
                .await?
                .last()
                .map(|f| f.rating.into()),
        )
    }
}

/// Why a department contests a 差评.
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "entity::enums::AppealReason")]
pub enum AppealReason {
    Mistaken,
    Malicious,
    OutOfScope,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "entity::enums::AppealStatus")]
pub enum AppealStatus {
    Pending,
    Upheld,
    Rejected,
}

/// A department's appeal of a 差评 (申诉复核) and the office's decision.
pub struct FeedbackAppeal(pub entity::feedback_appeal::Model);

#[Object]
impl FeedbackAppeal {
    async fn id(&self) -> ID {
        to_id(self.0.id)
    }
    async fn reason(&self) -> AppealReason {
        self.0.reason.into()
    }
    async fn explanation(&self) -> &str {
        &self.0.explanation
    }
    async fn status(&self) -> AppealStatus {
        self.0.status.into()
    }
    async fn decision_note(&self) -> Option<&str> {
        self.0.decision_note.as_deref()
    }
    async fn filed_at(&self) -> DateTime<FixedOffset> {
        local(self.0.created_at)
    }
    async fn decided_at(&self) -> Option<DateTime<FixedOffset>> {
        self.0.decided_at.map(local)
    }
}

/// A rectification's department, loaded.
async fn department_of(ctx: &Context<'_>, id: Option<i32>) -> GqlResult<Option<Department>> {
    let Some(id) = id else {
        return Ok(None);
    };
    Ok(
        by_id::<department::Entity>(ctx.data_unchecked::<Loaders>(), id)
            .await?
            .map(Department),
    )
}

/// The last day of a rectification: `due_at` is the end of it.
fn due_on(rectification: &rectification::Model) -> crate::graphql::scalars::Date {
    crate::graphql::scalars::Date(crate::domain::calendar::local_date(
        rectification.due_at - chrono::Duration::microseconds(1),
    ))
}

/// What `importFeedbackCases` did.
#[derive(SimpleObject)]
pub struct FeedbackCaseImport {
    /// Work orders imported as responses.
    pub imported_count: i32,
    /// Case numbers already imported (or twice in the table): left as they were.
    pub skipped_case_numbers: Vec<String>,
    /// Rectifications the imported dissatisfied cases opened.
    pub rectification_count: i32,
}

impl From<super::cases::CaseImport> for FeedbackCaseImport {
    fn from(done: super::cases::CaseImport) -> Self {
        let int = |n: usize| i32::try_from(n).unwrap_or(i32::MAX);
        FeedbackCaseImport {
            imported_count: int(done.imported),
            skipped_case_numbers: done.skipped,
            rectification_count: int(done.rectifications),
        }
    }
}
