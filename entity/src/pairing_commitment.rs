use sea_orm::entity::prelude::*;

use crate::enums::CommitmentUnit;

/// A commitment of a pairing: what the department promised, with a numeric target in a unit.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "pairing_commitments")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub pairing_id: i32,
    pub position: i32,
    #[sea_orm(column_type = "String(StringLen::N(500))")]
    pub name: String,
    pub target: i32,
    pub unit: CommitmentUnit,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::pairing::Entity",
        from = "Column::PairingId",
        to = "super::pairing::Column::Id",
        on_delete = "Cascade",
        fk_name = "fk_pairing_commitments_pairing_id"
    )]
    Pairing,
}

impl Related<super::pairing::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Pairing.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
