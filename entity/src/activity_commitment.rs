use sea_orm::entity::prelude::*;

/// An activity that fulfils a commitment of its pairing (an activity may tick several).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "activity_commitments")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub activity_id: i32,
    #[sea_orm(primary_key, auto_increment = false)]
    pub commitment_id: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::activity::Entity",
        from = "Column::ActivityId",
        to = "super::activity::Column::Id",
        on_delete = "Cascade",
        fk_name = "fk_activity_commitments_activity_id"
    )]
    Activity,
    #[sea_orm(
        belongs_to = "super::pairing_commitment::Entity",
        from = "Column::CommitmentId",
        to = "super::pairing_commitment::Column::Id",
        on_delete = "Cascade",
        fk_name = "fk_activity_commitments_commitment_id"
    )]
    Commitment,
}

impl Related<super::pairing_commitment::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Commitment.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
