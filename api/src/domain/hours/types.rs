//! GraphQL objects of service records.

use async_graphql::{Context, Enum, ID, InputObject, Object, SimpleObject};
use chrono::{DateTime, FixedOffset};

use entity::enums::ServiceRecordStatus as DbStatus;
use entity::{activity, service_record};

use crate::domain::activities::types::Activity;
use crate::domain::users::types::{Volunteer, round_hours};
use crate::error::{AppError, GqlResult, Thing};
use crate::graphql::loaders::{Loaders, by_id};
use crate::graphql::pagination::connection;
use crate::graphql::scalars::{Date, local};
use crate::graphql::{ContextExt, to_id};

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
            .ok_or_else(|| AppError::not_found(Thing::Activity).into())
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
    /// The day served (+08:00): one record per volunteer, activity and day.
    async fn service_date(&self) -> Date {
        Date(
            self.0
                .service_date
                .unwrap_or_else(|| crate::domain::calendar::local_date(self.0.created_at)),
        )
    }
    /// Hours (2 decimals) from whole minutes.
    async fn hours(&self) -> f64 {
        round_hours(self.0.minutes as i64)
    }
    /// What check-in to check-out measured, when it was more than the activity's time on
    /// that day (or 24 h) and `hours` holds the clamped figure: for the reviewer.
    async fn clamped_from(&self) -> Option<f64> {
        self.0
            .clamped_from_minutes
            .map(|minutes| round_hours(i64::from(minutes)))
    }
    /// A check-in never checked out, closed at the end of the activity's time that day:
    /// approved only with the hours stated.
    async fn auto_closed(&self) -> bool {
        self.0.auto_closed
    }
    async fn status(&self) -> ServiceRecordStatus {
        self.0.status.into()
    }
    async fn review_note(&self) -> Option<&str> {
        self.0.review_note.as_deref()
    }
    /// The day by which the record must be reviewed: 10 working days after the activity
    /// ended (《志愿服务记录与证明出具办法（试行）》 Art 11).
    async fn review_due_on(&self, ctx: &Context<'_>) -> GqlResult<Option<Date>> {
        let activity =
            by_id::<activity::Entity>(ctx.data_unchecked::<Loaders>(), self.0.activity_id)
                .await?
                .ok_or(AppError::not_found(Thing::Activity))?;
        let calendar = crate::graphql::request_memo::calendar(ctx).await?;
        Ok(crate::domain::hours::service::review_due_on(&calendar, &activity, &self.0).map(Date))
    }
    /// Reviewed after `reviewDueOn`; kept as it was when reviewed.
    async fn reviewed_late(&self) -> bool {
        self.0.reviewed_late
    }
    /// Every change of its state and hours, oldest first: who, when, from, to, why.
    async fn history(&self, ctx: &Context<'_>) -> GqlResult<Vec<RecordChange>> {
        Ok(
            crate::domain::hours::corrections::history(&ctx.state().db, self.0.id)
                .await?
                .into_iter()
                .map(RecordChange)
                .collect(),
        )
    }
    /// The volunteer's correction requests, newest first.
    async fn corrections(&self, ctx: &Context<'_>) -> GqlResult<Vec<RecordCorrection>> {
        Ok(
            crate::domain::hours::corrections::of_record(&ctx.state().db, self.0.id)
                .await?
                .into_iter()
                .map(RecordCorrection)
                .collect(),
        )
    }
}

/// One change of a record.
pub struct RecordChange(pub entity::record_change::Model);

#[Object]
impl RecordChange {
    async fn kind(&self) -> RecordChangeKind {
        self.0.kind.into()
    }
    /// Who changed it; null for the system.
    async fn changed_by(
        &self,
        ctx: &Context<'_>,
    ) -> GqlResult<Option<crate::domain::users::types::User>> {
        let Some(id) = self.0.changed_by else {
            return Ok(None);
        };
        Ok(
            by_id::<entity::user::Entity>(ctx.data_unchecked::<Loaders>(), id)
                .await?
                .map(crate::domain::users::types::User::new),
        )
    }
    async fn changed_at(&self) -> DateTime<FixedOffset> {
        local(self.0.changed_at)
    }
    async fn from_status(&self) -> Option<ServiceRecordStatus> {
        self.0.from_status.map(Into::into)
    }
    async fn to_status(&self) -> ServiceRecordStatus {
        self.0.to_status.into()
    }
    async fn from_hours(&self) -> Option<f64> {
        self.0.from_minutes.map(|m| round_hours(i64::from(m)))
    }
    async fn to_hours(&self) -> f64 {
        round_hours(i64::from(self.0.to_minutes))
    }
    async fn reason(&self) -> Option<&str> {
        self.0.reason.as_deref()
    }
}

/// A volunteer's request to correct a record (Art 13).
pub struct RecordCorrection(pub entity::record_correction::Model);

#[Object]
impl RecordCorrection {
    async fn id(&self) -> ID {
        to_id(self.0.id)
    }
    /// The hours the volunteer says they served.
    async fn hours(&self) -> f64 {
        round_hours(i64::from(self.0.requested_minutes))
    }
    async fn reason(&self) -> &str {
        &self.0.reason
    }
    async fn status(&self) -> CorrectionStatus {
        self.0.status.into()
    }
    /// Why it was refused, or a note on accepting it.
    async fn resolution(&self) -> Option<&str> {
        self.0.resolution.as_deref()
    }
    async fn requested_at(&self) -> DateTime<FixedOffset> {
        local(self.0.created_at)
    }
    async fn resolved_at(&self) -> Option<DateTime<FixedOffset>> {
        self.0.resolved_at.map(local)
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
    /// PENDING lists the review queue most urgent first (by `reviewDueOn`).
    pub status: Option<ServiceRecordStatus>,
    /// PENDING records past `reviewDueOn` (true) or not yet (false).
    pub overdue_review: Option<bool>,
}

#[derive(InputObject)]
pub struct RecordServiceHoursInput {
    pub activity_id: ID,
    pub volunteer_id: ID,
    /// More than 0, at most 24.
    pub hours: f64,
    /// The day served (+08:00); default the activity's start date; within the activity's
    /// dates. One record per volunteer, activity and day.
    pub service_date: Option<Date>,
    pub note: Option<String>,
}

/// What changed a service record.
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "entity::enums::RecordChangeKind")]
pub enum RecordChangeKind {
    /// Recorded by an organizer, checked in or checked out.
    Record,
    /// Approved or rejected.
    Review,
    /// A volunteer's correction, accepted.
    Correction,
}

/// A correction request's state: at most one OPEN per record.
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "entity::enums::CorrectionStatus")]
pub enum CorrectionStatus {
    Open,
    Accepted,
    Refused,
}
