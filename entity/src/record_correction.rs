use sea_orm::entity::prelude::*;

use crate::enums::CorrectionStatus;

/// A volunteer's request to correct the hours of a record of their own, and its answer.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "record_corrections")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub record_id: i32,
    /// The volunteer's user.
    pub requested_by: i32,
    pub requested_minutes: i32,
    #[sea_orm(column_type = "Text")]
    pub reason: String,
    pub status: CorrectionStatus,
    /// Why it was refused, or a note on accepting it.
    #[sea_orm(column_type = "Text")]
    pub resolution: Option<String>,
    pub resolved_by: Option<i32>,
    pub resolved_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::service_record::Entity",
        from = "Column::RecordId",
        to = "super::service_record::Column::Id",
        fk_name = "fk_record_corrections_record_id"
    )]
    ServiceRecord,
}

impl Related<super::service_record::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::ServiceRecord.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
