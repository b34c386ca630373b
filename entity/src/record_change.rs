use sea_orm::entity::prelude::*;

use crate::enums::{RecordChangeKind, ServiceRecordStatus};

/// One change of a service record's state or hours: who, when, from, to, why.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "record_changes")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub record_id: i32,
    /// Null for the system.
    pub changed_by: Option<i32>,
    pub changed_at: DateTimeUtc,
    pub kind: RecordChangeKind,
    pub from_status: Option<ServiceRecordStatus>,
    pub to_status: ServiceRecordStatus,
    pub from_minutes: Option<i32>,
    pub to_minutes: i32,
    #[sea_orm(column_type = "Text")]
    pub reason: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::service_record::Entity",
        from = "Column::RecordId",
        to = "super::service_record::Column::Id",
        fk_name = "fk_record_changes_record_id"
    )]
    ServiceRecord,
}

impl Related<super::service_record::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::ServiceRecord.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
