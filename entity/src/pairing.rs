use sea_orm::entity::prelude::*;

use crate::enums::PairingKind;

/// A pairing between a department and a community, with its commitments and target activity count.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize, serde::Deserialize)]
#[sea_orm(table_name = "pairings")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub kind: PairingKind,
    pub department_id: i32,
    pub community_id: i32,
    pub starts_on: Date,
    pub ends_on: Option<Date>,
    #[sea_orm(column_type = "Json")]
    pub commitments: crate::TextList,
    pub target_activity_count: i32,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::department::Entity",
        from = "Column::DepartmentId",
        to = "super::department::Column::Id",
        fk_name = "fk_pairings_department_id"
    )]
    Department,
    #[sea_orm(
        belongs_to = "super::community::Entity",
        from = "Column::CommunityId",
        to = "super::community::Column::Id",
        fk_name = "fk_pairings_community_id"
    )]
    Community,
    #[sea_orm(has_many = "super::activity::Entity", via_rel = "Relation::Pairing")]
    Activity,
}

impl Related<super::department::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Department.def()
    }
}

impl Related<super::community::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Community.def()
    }
}

impl Related<super::activity::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Activity.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
