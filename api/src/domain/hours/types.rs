//! GraphQL objects of service records.

use async_graphql::{Context, Enum, ID, InputObject, Object, SimpleObject};
use chrono::{DateTime, FixedOffset};

use entity::enums::ServiceRecordStatus as DbStatus;
use entity::{activity, service_record};

use crate::domain::activities::types::Activity;
use crate::domain::users::types::{Volunteer, round_hours};
use crate::error::{AppError, GqlResult};
use crate::graphql::loaders::{Loaders, by_id};
use crate::graphql::pagination::connection;
use crate::graphql::scalars::local;
use crate::graphql::to_id;

#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "DbStatus")]
pub enum ServiceRecordStatus {
    Pending,
    Approved,
    Rejected,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum ReviewDecision {
    Approve,
    Reject,
}

/// Hours served at one activity (志愿服务记录), reviewed by the organizer.
pub struct ServiceRecord(pub service_record::Model);

impl From<service_record::Model> for ServiceRecord {
    fn from(model: service_record::Model) -> Self {
        ServiceRecord(model)
    }
}

connection!(ServiceRecordConnection, ServiceRecordEdge, ServiceRecord);

#[Object]
impl ServiceRecord {
    async fn id(&self) -> ID {
        to_id(self.0.id)
    }
    async fn activity(&self, ctx: &Context<'_>) -> GqlResult<Activity> {
        by_id::<activity::Entity>(ctx.data_unchecked::<Loaders>(), self.0.activity_id)
            .await?
            .map(Activity)
            .ok_or_else(|| AppError::NotFound("activity").into())
    }
    async fn volunteer(&self, ctx: &Context<'_>) -> GqlResult<Volunteer> {
        Volunteer::load(ctx, self.0.volunteer_id).await
    }
    async fn checked_in_at(&self) -> Option<DateTime<FixedOffset>> {
        self.0.checked_in_at.map(local)
    }
    async fn checked_out_at(&self) -> Option<DateTime<FixedOffset>> {
        self.0.checked_out_at.map(local)
    }
    /// Hours (2 decimals) from whole minutes.
    async fn hours(&self) -> f64 {
        round_hours(self.0.minutes as i64)
    }
    async fn status(&self) -> ServiceRecordStatus {
        self.0.status.into()
    }
    async fn review_note(&self) -> Option<&str> {
        self.0.review_note.as_deref()
    }
}

#[derive(SimpleObject)]
pub struct CheckInCode {
    /// Six digits; the previous code stays valid for one more period.
    pub code: String,
    pub expires_at: DateTime<FixedOffset>,
}

#[derive(InputObject, Default)]
pub struct ServiceRecordFilter {
    pub activity_id: Option<ID>,
    pub department_id: Option<ID>,
    pub volunteer_id: Option<ID>,
    pub status: Option<ServiceRecordStatus>,
}

#[derive(InputObject)]
pub struct RecordServiceHoursInput {
    pub activity_id: ID,
    pub volunteer_id: ID,
    pub hours: f64,
    pub note: Option<String>,
}
