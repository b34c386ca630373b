use sea_orm::entity::prelude::*;

use crate::enums::ActivityStatus;

/// A volunteer activity (optionally an item of a plan) with its schedule, registration window and counters.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize, serde::Deserialize)]
#[sea_orm(table_name = "activities")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub plan_id: Option<i32>,
    pub seq_no: Option<i32>,
    #[sea_orm(column_type = "String(StringLen::N(200))")]
    pub title: String,
    pub category_id: Option<i32>,
    pub time_label: Option<String>,
    pub starts_at: Option<DateTimeUtc>,
    pub ends_at: Option<DateTimeUtc>,
    pub start_date: Option<Date>,
    pub status: ActivityStatus,
    #[sea_orm(column_type = "Json")]
    pub content_items: crate::TextList,
    pub primary_department_id: Option<i32>,
    pub capacity: Option<i32>,
    pub registered_count: i32,
    pub waitlist_count: i32,
    pub registration_opens_at: Option<DateTimeUtc>,
    pub registration_closes_at: Option<DateTimeUtc>,
    pub service_minutes: Option<i32>,
    pub pairing_id: Option<i32>,
    pub published_at: Option<DateTimeUtc>,
    #[sea_orm(column_type = "Text")]
    pub cancel_reason: Option<String>,
    /// The person in charge (活动负责人, Art 7): name and phone.
    #[sea_orm(column_type = "String(StringLen::N(32))")]
    pub person_in_charge_name: Option<String>,
    #[sea_orm(column_type = "String(StringLen::N(20))")]
    pub person_in_charge_phone: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::plan::Entity",
        from = "Column::PlanId",
        to = "super::plan::Column::Id",
        fk_name = "fk_activities_plan_id"
    )]
    Plan,
    #[sea_orm(
        belongs_to = "super::category::Entity",
        from = "Column::CategoryId",
        to = "super::category::Column::Id",
        fk_name = "fk_activities_category_id"
    )]
    Category,
    #[sea_orm(
        belongs_to = "super::department::Entity",
        from = "Column::PrimaryDepartmentId",
        to = "super::department::Column::Id",
        fk_name = "fk_activities_primary_department_id"
    )]
    PrimaryDepartment,
    #[sea_orm(
        belongs_to = "super::pairing::Entity",
        from = "Column::PairingId",
        to = "super::pairing::Column::Id",
        fk_name = "fk_activities_pairing_id"
    )]
    Pairing,
    #[sea_orm(
        has_many = "super::activity_location::Entity",
        via_rel = "Relation::Activity"
    )]
    ActivityLocation,
    #[sea_orm(
        has_many = "super::activity_department::Entity",
        via_rel = "Relation::Activity"
    )]
    ActivityDepartment,
    #[sea_orm(
        has_many = "super::registration::Entity",
        via_rel = "Relation::Activity"
    )]
    Registration,
    #[sea_orm(
        has_many = "super::service_record::Entity",
        via_rel = "Relation::Activity"
    )]
    ServiceRecord,
    #[sea_orm(has_many = "super::survey::Entity", via_rel = "Relation::Activity")]
    Survey,
    #[sea_orm(
        has_many = "super::rectification::Entity",
        via_rel = "Relation::Activity"
    )]
    Rectification,
}

impl Related<super::plan::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Plan.def()
    }
}

impl Related<super::category::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Category.def()
    }
}

impl Related<super::pairing::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Pairing.def()
    }
}

impl Related<super::activity_location::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::ActivityLocation.def()
    }
}

impl Related<super::activity_department::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::ActivityDepartment.def()
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

impl Related<super::survey::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Survey.def()
    }
}

impl Related<super::rectification::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Rectification.def()
    }
}

/// Lead departments, through `activity_departments` (not `primary_department_id`).
impl Related<super::department::Entity> for Entity {
    fn to() -> RelationDef {
        super::activity_department::Relation::Department.def()
    }

    fn via() -> Option<RelationDef> {
        Some(super::activity_department::Relation::Activity.def().rev())
    }
}

impl ActiveModelBehavior for ActiveModel {}
