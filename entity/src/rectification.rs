use sea_orm::entity::prelude::*;

use crate::enums::{RectificationStatus, SatisfactionLevel};

/// A rectification task opened for a dissatisfied survey response, tracked until resolved.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "rectifications")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    #[sea_orm(unique)]
    pub response_id: i32,
    pub survey_id: i32,
    pub activity_id: Option<i32>,
    pub department_id: Option<i32>,
    pub level: SatisfactionLevel,
    #[sea_orm(column_type = "Text")]
    pub complaint: Option<String>,
    pub status: RectificationStatus,
    pub due_at: DateTimeUtc,
    #[sea_orm(column_type = "Text")]
    pub resolution: Option<String>,
    pub resolved_at: Option<DateTimeUtc>,
    /// Why it was found not substantiated (and, reopened, the office's note).
    #[sea_orm(column_type = "Text")]
    pub verification_note: Option<String>,
    pub verified_at: Option<DateTimeUtc>,
    /// How often the office reopened it.
    pub reopen_count: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::survey_response::Entity",
        from = "Column::ResponseId",
        to = "super::survey_response::Column::Id",
        fk_name = "fk_rectifications_response_id"
    )]
    SurveyResponse,
    #[sea_orm(
        belongs_to = "super::survey::Entity",
        from = "Column::SurveyId",
        to = "super::survey::Column::Id",
        fk_name = "fk_rectifications_survey_id"
    )]
    Survey,
    #[sea_orm(
        belongs_to = "super::activity::Entity",
        from = "Column::ActivityId",
        to = "super::activity::Column::Id",
        fk_name = "fk_rectifications_activity_id"
    )]
    Activity,
    #[sea_orm(
        belongs_to = "super::department::Entity",
        from = "Column::DepartmentId",
        to = "super::department::Column::Id",
        fk_name = "fk_rectifications_department_id"
    )]
    Department,
}

impl Related<super::survey_response::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::SurveyResponse.def()
    }
}

impl Related<super::survey::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Survey.def()
    }
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

impl ActiveModelBehavior for ActiveModel {}
