use sea_orm::entity::prelude::*;

use crate::enums::CommunityKind;

/// An urban community or a rural village served by activities.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize, serde::Deserialize)]
#[sea_orm(table_name = "communities")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    #[sea_orm(unique)]
    pub name: String,
    pub district: Option<String>,
    pub kind: CommunityKind,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(has_many = "super::pairing::Entity", via_rel = "Relation::Community")]
    Pairing,
    #[sea_orm(
        has_many = "super::activity_location::Entity",
        via_rel = "Relation::Community"
    )]
    ActivityLocation,
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

impl ActiveModelBehavior for ActiveModel {}
