use sea_orm::entity::prelude::*;

use crate::enums::{FeedbackChannel, SatisfactionLevel};

/// One submitted response to a survey, through some channel (self-service or entered by staff).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "survey_responses")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub survey_id: i32,
    pub respondent_id: Option<i32>,
    #[sea_orm(column_type = "String(StringLen::N(64))")]
    pub respondent_key: Option<String>,
    #[sea_orm(column_type = "String(StringLen::N(64))", unique)]
    pub idempotency_key: Option<String>,
    pub channel: FeedbackChannel,
    pub satisfaction: Option<SatisfactionLevel>,
    pub department_id: Option<i32>,
    pub entered_by: Option<i32>,
    pub submitted_at: DateTimeUtc,
    pub submitted_on: Date,
    /// Its appeal was upheld: it counts in no satisfaction figure.
    pub voided: bool,
    /// The day the resident answered (an entered answer may be typed later): ranges and
    /// deadlines use it.
    pub answered_on: Date,
    /// A 12345 hotline work order's number, for imported cases (unique).
    #[sea_orm(column_type = "String(StringLen::N(64))", unique)]
    pub external_case_number: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::survey::Entity",
        from = "Column::SurveyId",
        to = "super::survey::Column::Id",
        fk_name = "fk_survey_responses_survey_id"
    )]
    Survey,
    #[sea_orm(
        belongs_to = "super::user::Entity",
        from = "Column::RespondentId",
        to = "super::user::Column::Id",
        fk_name = "fk_survey_responses_respondent_id"
    )]
    Respondent,
    #[sea_orm(
        belongs_to = "super::department::Entity",
        from = "Column::DepartmentId",
        to = "super::department::Column::Id",
        fk_name = "fk_survey_responses_department_id"
    )]
    Department,
    #[sea_orm(
        belongs_to = "super::user::Entity",
        from = "Column::EnteredBy",
        to = "super::user::Column::Id",
        fk_name = "fk_survey_responses_entered_by"
    )]
    EnteredBy,
    #[sea_orm(
        has_many = "super::answer::Entity",
        via_rel = "Relation::SurveyResponse"
    )]
    Answer,
    #[sea_orm(has_one = "super::rectification::Entity")]
    Rectification,
}

impl Related<super::survey::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Survey.def()
    }
}

impl Related<super::department::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Department.def()
    }
}

impl Related<super::answer::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Answer.def()
    }
}

impl Related<super::rectification::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Rectification.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
