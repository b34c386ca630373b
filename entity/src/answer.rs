use sea_orm::entity::prelude::*;

use crate::enums::SatisfactionLevel;

/// The answer to one question within a response (one row per chosen option for multiple choice).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "answers")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub response_id: i32,
    pub question_id: i32,
    pub level: Option<SatisfactionLevel>,
    pub option_id: Option<i32>,
    pub rating: Option<i32>,
    #[sea_orm(column_type = "Text")]
    pub text: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::survey_response::Entity",
        from = "Column::ResponseId",
        to = "super::survey_response::Column::Id",
        on_delete = "Cascade",
        fk_name = "fk_answers_response_id"
    )]
    SurveyResponse,
    #[sea_orm(
        belongs_to = "super::question::Entity",
        from = "Column::QuestionId",
        to = "super::question::Column::Id",
        fk_name = "fk_answers_question_id"
    )]
    Question,
    #[sea_orm(
        belongs_to = "super::question_option::Entity",
        from = "Column::OptionId",
        to = "super::question_option::Column::Id",
        fk_name = "fk_answers_option_id"
    )]
    QuestionOption,
}

impl Related<super::survey_response::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::SurveyResponse.def()
    }
}

impl Related<super::question::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Question.def()
    }
}

impl Related<super::question_option::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::QuestionOption.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
