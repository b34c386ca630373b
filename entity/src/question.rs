use sea_orm::entity::prelude::*;

use crate::enums::QuestionKind;

/// A question of a survey, ordered by position.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize, serde::Deserialize)]
#[sea_orm(table_name = "questions")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub survey_id: i32,
    pub position: i32,
    pub kind: QuestionKind,
    #[sea_orm(column_type = "Text")]
    pub prompt: String,
    pub required: bool,
    /// The SATISFACTION question whose answer is the response's overall figure (one per
    /// survey; the first one unless another is marked).
    pub overall: bool,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::survey::Entity",
        from = "Column::SurveyId",
        to = "super::survey::Column::Id",
        on_delete = "Cascade",
        fk_name = "fk_questions_survey_id"
    )]
    Survey,
    #[sea_orm(
        has_many = "super::question_option::Entity",
        via_rel = "Relation::Question"
    )]
    QuestionOption,
    #[sea_orm(has_many = "super::answer::Entity", via_rel = "Relation::Question")]
    Answer,
}

impl Related<super::survey::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Survey.def()
    }
}

impl Related<super::question_option::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::QuestionOption.def()
    }
}

impl Related<super::answer::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Answer.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
