use sea_orm::FromJsonQueryResult;
use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

/// A service proof (志愿服务证明) as it was issued. Nothing but the revocation ever
/// changes: the activities are a copy, not a reference to the records.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "service_proofs")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    /// `TX-<year>-<serial, 6 digits>`.
    #[sea_orm(column_type = "String(StringLen::N(32))", unique)]
    pub number: String,
    pub year: i32,
    pub serial: i32,
    pub volunteer_id: i32,
    /// The issuing department (its organizers may revoke); null: issued by the bureau.
    pub department_id: Option<i32>,
    /// The issuing unit as printed.
    #[sea_orm(column_type = "String(StringLen::N(200))")]
    pub issuer: String,
    #[sea_orm(column_type = "String(StringLen::N(64))")]
    pub real_name: String,
    #[sea_orm(column_type = "String(StringLen::N(32))")]
    pub masked_id: Option<String>,
    pub from_date: Option<Date>,
    pub to_date: Option<Date>,
    pub minutes: i64,
    #[sea_orm(column_type = "Json")]
    pub activities: ProofLines,
    /// Keyed hash of number and verification code; the code itself is never stored.
    #[sea_orm(column_type = "String(StringLen::N(64))")]
    pub code_hash: String,
    pub issued_at: DateTimeUtc,
    pub revoked_at: Option<DateTimeUtc>,
    pub revoked_by: Option<i32>,
    #[sea_orm(column_type = "Text")]
    pub revoke_reason: Option<String>,
}

/// The served activities a proof lists, as they were when it was issued.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, FromJsonQueryResult)]
#[serde(transparent)]
pub struct ProofLines(pub Vec<ProofLine>);

/// One day served at one activity.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProofLine {
    pub activity: String,
    pub date: Date,
    pub content: String,
    pub minutes: i32,
    /// The recording organisation (the activity's primary department).
    pub organizer: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
