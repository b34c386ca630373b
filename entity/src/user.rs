use sea_orm::entity::prelude::*;

/// A login account (phone/password and/or WeChat) with its comma-separated roles and optional department.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "users")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    #[sea_orm(column_type = "String(StringLen::N(16))", unique)]
    pub phone: Option<String>,
    #[sea_orm(column_type = "Text")]
    pub password_hash: Option<String>,
    #[sea_orm(column_type = "String(StringLen::N(64))")]
    pub display_name: String,
    #[sea_orm(column_type = "String(StringLen::N(64))", unique)]
    pub wechat_openid: Option<String>,
    #[sea_orm(column_type = "String(StringLen::N(128))")]
    pub roles: String,
    pub department_id: Option<i32>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::department::Entity",
        from = "Column::DepartmentId",
        to = "super::department::Column::Id",
        fk_name = "fk_users_department_id"
    )]
    Department,
    #[sea_orm(has_one = "super::volunteer::Entity")]
    Volunteer,
    #[sea_orm(
        has_many = "super::service_record::Entity",
        via_rel = "Relation::Reviewer"
    )]
    ReviewedServiceRecord,
    #[sea_orm(has_many = "super::survey::Entity", via_rel = "Relation::Creator")]
    CreatedSurvey,
    #[sea_orm(
        has_many = "super::survey_response::Entity",
        via_rel = "Relation::Respondent"
    )]
    RespondedSurveyResponse,
    #[sea_orm(
        has_many = "super::survey_response::Entity",
        via_rel = "Relation::EnteredBy"
    )]
    EnteredSurveyResponse,
    #[sea_orm(
        has_many = "super::refresh_session::Entity",
        via_rel = "Relation::User"
    )]
    RefreshSession,
    #[sea_orm(has_many = "super::audit_entry::Entity", via_rel = "Relation::Actor")]
    AuditEntry,
}

impl Related<super::department::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Department.def()
    }
}

impl Related<super::volunteer::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Volunteer.def()
    }
}

impl Related<super::refresh_session::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::RefreshSession.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
