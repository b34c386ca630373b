use sea_orm::entity::prelude::*;

use crate::enums::SurveyStatus;

/// A satisfaction/feedback survey, optionally about an activity or a department.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize, serde::Deserialize)]
#[sea_orm(table_name = "surveys")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub title: String,
    #[sea_orm(column_type = "Text")]
    pub description: Option<String>,
    pub status: SurveyStatus,
    pub anonymous: bool,
    pub activity_id: Option<i32>,
    pub department_id: Option<i32>,
    pub opens_at: Option<DateTimeUtc>,
    pub closes_at: Option<DateTimeUtc>,
    pub created_by: Option<i32>,
    /// Working days a rectification of this survey has (null: the server's default).
    pub rectification_working_days: Option<i32>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::activity::Entity",
        from = "Column::ActivityId",
        to = "super::activity::Column::Id",
        fk_name = "fk_surveys_activity_id"
    )]
    Activity,
    #[sea_orm(
        belongs_to = "super::department::Entity",
        from = "Column::DepartmentId",
        to = "super::department::Column::Id",
        fk_name = "fk_surveys_department_id"
    )]
    Department,
    #[sea_orm(
        belongs_to = "super::user::Entity",
        from = "Column::CreatedBy",
        to = "super::user::Column::Id",
        fk_name = "fk_surveys_created_by"
    )]
    Creator,
    #[sea_orm(has_many = "super::question::Entity", via_rel = "Relation::Survey")]
    Question,
    #[sea_orm(
        has_many = "super::survey_response::Entity",
        via_rel = "Relation::Survey"
    )]
    SurveyResponse,
    #[sea_orm(
        has_many = "super::rectification::Entity",
        via_rel = "Relation::Survey"
    )]
    Rectification,
}

impl Related<super::activity::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Activity.def()
    }
}

impl Related<super::department::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Department.def()
    }
}

impl Related<super::question::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Question.def()
    }
}

impl Related<super::survey_response::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::SurveyResponse.def()
    }
}

impl Related<super::rectification::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Rectification.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
