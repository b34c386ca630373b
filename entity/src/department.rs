use sea_orm::entity::prelude::*;

/// A government department (unit) that leads activities and is paired with communities.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize, serde::Deserialize)]
#[sea_orm(table_name = "departments")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    #[sea_orm(unique)]
    pub name: String,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(has_many = "super::user::Entity", via_rel = "Relation::Department")]
    User,
    #[sea_orm(has_many = "super::pairing::Entity", via_rel = "Relation::Department")]
    Pairing,
    #[sea_orm(
        has_many = "super::activity::Entity",
        via_rel = "Relation::PrimaryDepartment"
    )]
    PrimaryActivity,
    #[sea_orm(
        has_many = "super::activity_department::Entity",
        via_rel = "Relation::Department"
    )]
    ActivityDepartment,
    #[sea_orm(has_many = "super::survey::Entity", via_rel = "Relation::Department")]
    Survey,
    #[sea_orm(
        has_many = "super::survey_response::Entity",
        via_rel = "Relation::Department"
    )]
    SurveyResponse,
    #[sea_orm(
        has_many = "super::rectification::Entity",
        via_rel = "Relation::Department"
    )]
    Rectification,
}

impl Related<super::user::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::User.def()
    }
}

impl Related<super::pairing::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Pairing.def()
    }
}

impl Related<super::activity_department::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::ActivityDepartment.def()
    }
}

impl Related<super::survey::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Survey.def()
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

/// Activities this department leads, through `activity_departments`.
impl Related<super::activity::Entity> for Entity {
    fn to() -> RelationDef {
        super::activity_department::Relation::Activity.def()
    }

    fn via() -> Option<RelationDef> {
        Some(super::activity_department::Relation::Department.def().rev())
    }
}

impl ActiveModelBehavior for ActiveModel {}
