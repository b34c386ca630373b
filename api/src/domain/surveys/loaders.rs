//! Grouped loads for the nested fields of surveys, responses and rectifications.

use std::collections::HashMap;

use async_graphql::dataloader::Loader;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

use entity::enums::SatisfactionLevel;
use entity::{answer, question, question_option, rectification, survey, survey_response};
use sea_orm::Iterable;

use crate::error::LoadError;
use crate::graphql::loaders::DbLoader;

use super::results;
use super::types::SurveyResults;

/// The surveys about an activity, newest first.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct SurveysOfActivity(pub i32);

impl Loader<SurveysOfActivity> for DbLoader {
    type Value = Vec<survey::Model>;
    type Error = LoadError;

    async fn load(
        &self,
        keys: &[SurveysOfActivity],
    ) -> Result<HashMap<SurveysOfActivity, Self::Value>, Self::Error> {
        let rows = survey::Entity::find()
            .filter(survey::Column::ActivityId.is_in(keys.iter().map(|k| k.0)))
            .order_by_desc(survey::Column::Id)
            .all(&self.db)
            .await?;
        let mut map: HashMap<SurveysOfActivity, Self::Value> = HashMap::new();
        for row in rows {
            if let Some(activity_id) = row.activity_id {
                map.entry(SurveysOfActivity(activity_id))
                    .or_default()
                    .push(row);
            }
        }
        Ok(map)
    }
}

/// A survey's questions in order.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct QuestionsOfSurvey(pub i32);

impl Loader<QuestionsOfSurvey> for DbLoader {
    type Value = Vec<question::Model>;
    type Error = LoadError;

    async fn load(
        &self,
        keys: &[QuestionsOfSurvey],
    ) -> Result<HashMap<QuestionsOfSurvey, Self::Value>, Self::Error> {
        let rows = question::Entity::find()
            .filter(question::Column::SurveyId.is_in(keys.iter().map(|k| k.0)))
            .order_by_asc(question::Column::SurveyId)
            .order_by_asc(question::Column::Position)
            .order_by_asc(question::Column::Id)
            .all(&self.db)
            .await?;
        let mut map: HashMap<QuestionsOfSurvey, Self::Value> = HashMap::new();
        for row in rows {
            map.entry(QuestionsOfSurvey(row.survey_id))
                .or_default()
                .push(row);
        }
        Ok(map)
    }
}

/// A question's options in order.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct OptionsOfQuestion(pub i32);

impl Loader<OptionsOfQuestion> for DbLoader {
    type Value = Vec<question_option::Model>;
    type Error = LoadError;

    async fn load(
        &self,
        keys: &[OptionsOfQuestion],
    ) -> Result<HashMap<OptionsOfQuestion, Self::Value>, Self::Error> {
        let rows = question_option::Entity::find()
            .filter(question_option::Column::QuestionId.is_in(keys.iter().map(|k| k.0)))
            .order_by_asc(question_option::Column::QuestionId)
            .order_by_asc(question_option::Column::Position)
            .order_by_asc(question_option::Column::Id)
            .all(&self.db)
            .await?;
        let mut map: HashMap<OptionsOfQuestion, Self::Value> = HashMap::new();
        for row in rows {
            map.entry(OptionsOfQuestion(row.question_id))
                .or_default()
                .push(row);
        }
        Ok(map)
    }
}

/// Whether a self-service response with this respondent key exists. The key (a keyed hash
/// of survey and user) is computed by the caller, which holds the server secret.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct ViewerResponse {
    pub survey_id: i32,
    pub respondent_key: String,
}

impl Loader<ViewerResponse> for DbLoader {
    type Value = bool;
    type Error = LoadError;

    async fn load(
        &self,
        keys: &[ViewerResponse],
    ) -> Result<HashMap<ViewerResponse, bool>, Self::Error> {
        let found: Vec<(i32, Option<String>)> = survey_response::Entity::find()
            .select_only()
            .column(survey_response::Column::SurveyId)
            .column(survey_response::Column::RespondentKey)
            .filter(survey_response::Column::SurveyId.is_in(keys.iter().map(|k| k.survey_id)))
            .filter(
                survey_response::Column::RespondentKey
                    .is_in(keys.iter().map(|k| k.respondent_key.clone())),
            )
            .into_tuple()
            .all(&self.db)
            .await?;
        Ok(keys
            .iter()
            .map(|key| {
                let answered = found.iter().any(|(survey_id, respondent_key)| {
                    *survey_id == key.survey_id
                        && respondent_key.as_deref() == Some(key.respondent_key.as_str())
                });
                (key.clone(), answered)
            })
            .collect())
    }
}

/// The rectification opened by a response, if any.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct RectificationOfResponse(pub i32);

impl Loader<RectificationOfResponse> for DbLoader {
    /// `None` for a response that opened none, so that a submission can say so up front.
    type Value = Option<rectification::Model>;
    type Error = LoadError;

    async fn load(
        &self,
        keys: &[RectificationOfResponse],
    ) -> Result<HashMap<RectificationOfResponse, Self::Value>, Self::Error> {
        let rows = rectification::Entity::find()
            .filter(rectification::Column::ResponseId.is_in(keys.iter().map(|k| k.0)))
            .all(&self.db)
            .await?;
        let mut map: HashMap<RectificationOfResponse, Self::Value> =
            keys.iter().map(|k| (*k, None)).collect();
        map.extend(
            rows.into_iter()
                .map(|row| (RectificationOfResponse(row.response_id), Some(row))),
        );
        Ok(map)
    }
}

/// The indicators a response answered dissatisfied (the rectification names them), in
/// question order, with the level given.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct DissatisfiedIndicators(pub i32);

impl Loader<DissatisfiedIndicators> for DbLoader {
    type Value = Vec<(question::Model, SatisfactionLevel)>;
    type Error = LoadError;

    async fn load(
        &self,
        keys: &[DissatisfiedIndicators],
    ) -> Result<HashMap<DissatisfiedIndicators, Self::Value>, Self::Error> {
        let dissatisfied: Vec<SatisfactionLevel> = SatisfactionLevel::iter()
            .filter(|level| super::service::is_dissatisfied(*level))
            .collect();
        let rows: Vec<(answer::Model, Option<question::Model>)> = answer::Entity::find()
            .find_also_related(question::Entity)
            .filter(answer::Column::ResponseId.is_in(keys.iter().map(|k| k.0)))
            .filter(answer::Column::Level.is_in(dissatisfied))
            .order_by_asc(question::Column::Position)
            .order_by_asc(question::Column::Id)
            .all(&self.db)
            .await?;
        let mut map: HashMap<DissatisfiedIndicators, Self::Value> = HashMap::new();
        for (answer, question) in rows {
            if let (Some(question), Some(level)) = (question, answer.level) {
                map.entry(DissatisfiedIndicators(answer.response_id))
                    .or_default()
                    .push((question, level));
            }
        }
        Ok(map)
    }
}

/// A survey's results; a page of surveys is counted with the same handful of grouped queries.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct SurveyTally(pub i32);

impl Loader<SurveyTally> for DbLoader {
    type Value = SurveyResults;
    type Error = LoadError;

    async fn load(
        &self,
        keys: &[SurveyTally],
    ) -> Result<HashMap<SurveyTally, SurveyResults>, Self::Error> {
        let ids: Vec<i32> = keys.iter().map(|k| k.0).collect();
        Ok(results::tally(&self.db, &ids)
            .await?
            .into_iter()
            .map(|(id, results)| (SurveyTally(id), results))
            .collect())
    }
}

/// `Activity.survey`: the newest OPEN or CLOSED survey about the activity. When it has
/// none, organizers of a draft's department and admins see the newest such draft, so they
/// can find the survey they are preparing; everyone else sees null.
pub async fn survey_of_activity(
    ctx: &async_graphql::Context<'_>,
    activity_id: i32,
) -> crate::error::GqlResult<Option<super::types::Survey>> {
    use super::types::Survey;
    use crate::auth::Viewer;
    use crate::graphql::loaders::Loaders;
    use entity::enums::SurveyStatus;
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

/// One survey for its page: the survey with its activity (one statement, the activity kept
/// in the request's loaders) and, when the selection shows the questions, the questions
/// with their options from the shared cache (written once with the survey and never
/// changed; an immutable key, so usually from the instance's memory): the page's fields
/// then read only what is the viewer's (their answer) and the department.
pub async fn detail(
    ctx: &async_graphql::Context<'_>,
    id: i32,
) -> crate::error::GqlResult<Option<super::types::Survey>> {
    use crate::graphql::ContextExt;
    use crate::graphql::loaders::{Loaders, keep};

    let Some((survey, activity)) =
        super::service::get_with_activity(ctx.state(), ctx.viewer(), id).await?
    else {
        return Ok(None);
    };
    let loaders = ctx.data_unchecked::<Loaders>();
    keep::<entity::activity::Entity>(loaders, activity).await;
    if ctx.look_ahead().field("questions").exists() {
        let questions = super::submission::cached_questions(ctx.state(), survey.id).await?;
        let mut models = Vec::with_capacity(questions.len());
        let mut options = Vec::with_capacity(questions.len());
        for spec in questions {
            options.push((OptionsOfQuestion(spec.question.id), spec.options));
            models.push(spec.question);
        }
        loaders.feed_many(options).await;
        loaders.feed_one(QuestionsOfSurvey(survey.id), models).await;
    }
    Ok(Some(super::types::Survey(survey)))
}

/// A user's feedback page read with each response's survey and rectification
/// (`service::feedback_of_user`): those kept in the request's loaders, the responses
/// returned.
pub async fn keep_feedback(
    loaders: &crate::graphql::loaders::Loaders,
    page: crate::domain::page::Page<super::service::Feedback>,
) -> crate::domain::page::Page<survey_response::Model> {
    let mut surveys = Vec::with_capacity(page.items.len());
    let mut rectifications = Vec::with_capacity(page.items.len());
    let page = page.map(|(response, survey, rectification)| {
        surveys.extend(survey);
        rectifications.push((RectificationOfResponse(response.id), rectification));
        response
    });
    crate::graphql::loaders::keep::<survey::Entity>(loaders, surveys).await;
    loaders.feed_many(rectifications).await;
    page
}
