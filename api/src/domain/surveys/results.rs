//! Survey results, counted by the database: each figure is one grouped query over a whole
//! batch of surveys, so no response is ever loaded into memory.

use std::collections::HashMap;

use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};

use entity::enums::{FeedbackChannel, QuestionKind, SatisfactionLevel};
use entity::{answer, question, question_option, survey_response};

use super::service;
use super::types::{
    EnteredSplit, LevelCount, OptionCount, Question, QuestionOption, QuestionResult, SurveyResults,
    level_counts, satisfaction_rate,
};

/// Per-question aggregates: responses that answered it, and the sum and number of ratings.
struct QuestionFigures {
    answered: i64,
    rating_sum: i64,
    rating_count: i64,
}

/// The results of every survey in `survey_ids` (surveys without questions get empty ones).
pub async fn tally<C: ConnectionTrait>(
    db: &C,
    survey_ids: &[i32],
) -> Result<HashMap<i32, SurveyResults>, DbErr> {
    let questions = question::Entity::find()
        .filter(question::Column::SurveyId.is_in(survey_ids.iter().copied()))
        .order_by_asc(question::Column::SurveyId)
        .order_by_asc(question::Column::Position)
        .order_by_asc(question::Column::Id)
        .all(db)
        .await?;
    let question_ids: Vec<i32> = questions.iter().map(|q| q.id).collect();

    // The overall figure, from each response's overall answer, split by who typed it.
    let overall_rows: Vec<(i32, Option<SatisfactionLevel>, FeedbackChannel, i64)> =
        survey_response::Entity::find()
            .select_only()
            .column(survey_response::Column::SurveyId)
            .column(survey_response::Column::Satisfaction)
            .column(survey_response::Column::Channel)
            .column_as(Expr::col(survey_response::Column::Id).count(), "n")
            .filter(survey_response::Column::SurveyId.is_in(survey_ids.iter().copied()))
            .filter(survey_response::Column::Voided.eq(false))
            .group_by(survey_response::Column::SurveyId)
            .group_by(survey_response::Column::Satisfaction)
            .group_by(survey_response::Column::Channel)
            .into_tuple()
            .all(db)
            .await?;
    let mut overall: HashMap<i32, Overall> = HashMap::new();
    for (survey_id, level, channel, n) in overall_rows {
        overall
            .entry(survey_id)
            .or_default()
            .add(level, service::is_self_service(channel), n);
    }

    let mut options: HashMap<i32, Vec<question_option::Model>> = HashMap::new();
    let mut figures: HashMap<i32, QuestionFigures> = HashMap::new();
    let mut levels: HashMap<i32, HashMap<SatisfactionLevel, i64>> = HashMap::new();
    let mut chosen: HashMap<i32, i64> = HashMap::new();
    if !question_ids.is_empty() {
        for option in question_option::Entity::find()
            .filter(question_option::Column::QuestionId.is_in(question_ids.clone()))
            .order_by_asc(question_option::Column::QuestionId)
            .order_by_asc(question_option::Column::Position)
            .order_by_asc(question_option::Column::Id)
            .all(db)
            .await?
        {
            options.entry(option.question_id).or_default().push(option);
        }

        // A multiple-choice answer is one row per option, hence COUNT(DISTINCT response_id).
        // SUM is cast so both backends return a 64-bit integer; the average is taken here.
        let rows: Vec<(i32, i64, Option<i64>, i64)> = answer::Entity::find()
            .select_only()
            .column(answer::Column::QuestionId)
            .column_as(
                Expr::col(answer::Column::ResponseId).count_distinct(),
                "answered",
            )
            .column_as(
                Expr::col(answer::Column::Rating).sum().cast_as("BIGINT"),
                "rating_sum",
            )
            .column_as(Expr::col(answer::Column::Rating).count(), "rating_count")
            .filter(answer::Column::QuestionId.is_in(question_ids.clone()))
            .filter(answer::Column::ResponseId.not_in_subquery(voided_responses()))
            .group_by(answer::Column::QuestionId)
            .into_tuple()
            .all(db)
            .await?;
        for (question_id, answered, rating_sum, rating_count) in rows {
            figures.insert(
                question_id,
                QuestionFigures {
                    answered,
                    rating_sum: rating_sum.unwrap_or(0),
                    rating_count,
                },
            );
        }

        let rows: Vec<(i32, SatisfactionLevel, i64)> = answer::Entity::find()
            .select_only()
            .column(answer::Column::QuestionId)
            .column(answer::Column::Level)
            .column_as(Expr::col(answer::Column::Id).count(), "n")
            .filter(answer::Column::QuestionId.is_in(question_ids.clone()))
            .filter(answer::Column::ResponseId.not_in_subquery(voided_responses()))
            .filter(answer::Column::Level.is_not_null())
            .group_by(answer::Column::QuestionId)
            .group_by(answer::Column::Level)
            .into_tuple()
            .all(db)
            .await?;
        for (question_id, level, n) in rows {
            levels.entry(question_id).or_default().insert(level, n);
        }

        let rows: Vec<(i32, i64)> = answer::Entity::find()
            .select_only()
            .column(answer::Column::OptionId)
            .column_as(Expr::col(answer::Column::Id).count(), "n")
            .filter(answer::Column::QuestionId.is_in(question_ids))
            .filter(answer::Column::OptionId.is_not_null())
            .group_by(answer::Column::OptionId)
            .into_tuple()
            .all(db)
            .await?;
        chosen.extend(rows);
    }

    let mut by_survey: HashMap<i32, Vec<question::Model>> = HashMap::new();
    for q in questions {
        by_survey.entry(q.survey_id).or_default().push(q);
    }
    let no_levels = HashMap::new();
    Ok(survey_ids
        .iter()
        .map(|&survey_id| {
            let questions: Vec<QuestionResult> = by_survey
                .remove(&survey_id)
                .unwrap_or_default()
                .into_iter()
                .map(|q| {
                    let figures = figures.get(&q.id);
                    let by_level = if q.kind == QuestionKind::Satisfaction {
                        level_counts(levels.get(&q.id).unwrap_or(&no_levels))
                    } else {
                        Vec::new()
                    };
                    let option_counts = options
                        .get(&q.id)
                        .map(|options| {
                            options
                                .iter()
                                .map(|option| OptionCount {
                                    option: QuestionOption(option.clone()),
                                    count: chosen.get(&option.id).copied().unwrap_or(0) as i32,
                                })
                                .collect()
                        })
                        .unwrap_or_default();
                    let average_rating = figures
                        .filter(|f| q.kind == QuestionKind::Rating && f.rating_count > 0)
                        .map(|f| f.rating_sum as f64 / f.rating_count as f64);
                    QuestionResult {
                        answer_count: figures.map_or(0, |f| f.answered) as i32,
                        satisfaction_rate: satisfaction_rate(&by_level),
                        level_counts: by_level,
                        option_counts,
                        average_rating,
                        question: Question(q),
                    }
                })
                .collect();
            let figures = overall.remove(&survey_id).unwrap_or_default();
            let totals: Vec<LevelCount> = level_counts(&figures.levels);
            let results = SurveyResults {
                response_count: figures.responses as i32,
                satisfaction_rate: satisfaction_rate(&totals),
                level_counts: totals,
                split: figures.split,
                questions,
            };
            (survey_id, results)
        })
        .collect())
}

/// A survey's overall answers: by level, and split by who typed them.
#[derive(Default)]
struct Overall {
    responses: i64,
    levels: HashMap<SatisfactionLevel, i64>,
    split: EnteredSplit,
}

impl Overall {
    fn add(&mut self, level: Option<SatisfactionLevel>, self_service: bool, n: i64) {
        self.responses += n;
        if let Some(level) = level {
            *self.levels.entry(level).or_default() += n;
            self.split
                .add(self_service, service::is_satisfied(level), n);
        }
    }
}

/// Responses whose appeal was upheld: their answers count in no figure.
fn voided_responses() -> sea_orm::sea_query::SelectStatement {
    sea_orm::sea_query::Query::select()
        .column(survey_response::Column::Id)
        .from(survey_response::Entity)
        .and_where(survey_response::Column::Voided.eq(true))
        .to_owned()
}
