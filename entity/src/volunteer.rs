use sea_orm::entity::prelude::*;

/// A user's volunteer enrolment (real name and skills); at most one per user.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "volunteers")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    #[sea_orm(unique)]
    pub user_id: i32,
    #[sea_orm(column_type = "String(StringLen::N(64))")]
    pub real_name: String,
    #[sea_orm(column_type = "Json")]
    pub skills: crate::TextList,
    pub enrolled_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::user::Entity",
        from = "Column::UserId",
        to = "super::user::Column::Id",
        fk_name = "fk_volunteers_user_id"
    )]
    User,
    #[sea_orm(
        has_many = "super::registration::Entity",
        via_rel = "Relation::Volunteer"
    )]
    Registration,
    #[sea_orm(
        has_many = "super::service_record::Entity",
        via_rel = "Relation::Volunteer"
    )]
    ServiceRecord,
}

impl Related<super::user::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::User.def()
    }
}

impl Related<super::registration::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Registration.def()
    }
}

impl Related<super::service_record::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::ServiceRecord.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
