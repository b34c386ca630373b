//! Check-in codes, check-in/out, recorded hours and reviews.

use async_graphql::{Context, ID, Object};

use crate::auth::guard::ORGANIZERS;
use crate::auth::{RoleGuard, SignedIn};
use crate::error::GqlResult;
use crate::graphql::pagination::Page;
use crate::graphql::scalars::local;
use crate::graphql::{ContextExt, parse_id, parse_opt_id};

use super::service::{self, RecordQuery};
use super::types::{
    CheckInCode, RecordCorrection, RecordServiceHoursInput, ReviewDecision, ServiceRecord,
    ServiceRecordConnection, ServiceRecordFilter,
};

#[derive(Default)]
pub struct HoursQuery;

#[Object]
impl HoursQuery {
    /// Organizers and admins: the code that volunteers enter (or scan) to check in and out.
    #[graphql(guard = "RoleGuard::any(ORGANIZERS)")]
    async fn activity_check_in_code(
        &self,
        ctx: &Context<'_>,
        activity_id: ID,
    ) -> GqlResult<CheckInCode> {
        let id = parse_id(&activity_id, "activityId")?;
        let (code, expires) = service::check_in_code(ctx.state(), ctx.viewer(), id).await?;
        Ok(CheckInCode {
            code,
            expires_at: local(expires),
        })
    }

    /// Organizers (own department) and admins: the review queue and the record of hours.
    #[graphql(guard = "RoleGuard::any(ORGANIZERS)")]
    async fn service_records(
        &self,
        ctx: &Context<'_>,
        filter: Option<ServiceRecordFilter>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> GqlResult<ServiceRecordConnection> {
        let filter = filter.unwrap_or_default();
        let query = RecordQuery {
            activity_id: parse_opt_id(filter.activity_id.as_ref(), "filter.activityId")?,
            department_id: parse_opt_id(filter.department_id.as_ref(), "filter.departmentId")?,
            volunteer_id: parse_opt_id(filter.volunteer_id.as_ref(), "filter.volunteerId")?,
            status: filter.status.map(Into::into),
            overdue_review: filter.overdue_review,
        };
        let page = Page::from_args(crate::graphql::pagination::PageArgs {
            first,
            after,
            last,
            before,
        })?;
        Ok(service::list(ctx.state(), ctx.viewer(), query, page)
            .await?
            .into())
    }
}

#[derive(Default)]
pub struct HoursMutation;

#[Object]
impl HoursMutation {
    /// A registered volunteer enters the organizer's code to check in.
    #[graphql(guard = "SignedIn")]
    async fn check_in(
        &self,
        ctx: &Context<'_>,
        activity_id: ID,
        code: String,
    ) -> GqlResult<ServiceRecord> {
        let id = parse_id(&activity_id, "activityId")?;
        Ok(ServiceRecord(
            service::check_in(ctx.state(), ctx.viewer(), id, &code).await?,
        ))
    }

    /// And again to check out: the hours are computed from the two times.
    #[graphql(guard = "SignedIn")]
    async fn check_out(
        &self,
        ctx: &Context<'_>,
        activity_id: ID,
        code: String,
    ) -> GqlResult<ServiceRecord> {
        let id = parse_id(&activity_id, "activityId")?;
        Ok(ServiceRecord(
            service::check_out(ctx.state(), ctx.viewer(), id, &code).await?,
        ))
    }

    /// Organizers record hours directly (offline activities); pending review.
    #[graphql(guard = "RoleGuard::any(ORGANIZERS)")]
    async fn record_service_hours(
        &self,
        ctx: &Context<'_>,
        input: RecordServiceHoursInput,
    ) -> GqlResult<ServiceRecord> {
        let activity_id = parse_id(&input.activity_id, "activityId")?;
        let volunteer_id = parse_id(&input.volunteer_id, "volunteerId")?;
        let new = service::NewRecord {
            activity_id,
            volunteer_id,
            hours: input.hours,
            service_date: input.service_date.map(|day| day.0),
            note: input.note,
        };
        Ok(ServiceRecord(
            service::record(ctx.state(), ctx.viewer(), new).await?,
        ))
    }

    /// Approve (optionally correcting the hours) or reject (with a note) pending records.
    #[graphql(guard = "RoleGuard::any(ORGANIZERS)")]
    async fn review_service_records(
        &self,
        ctx: &Context<'_>,
        ids: Vec<ID>,
        decision: ReviewDecision,
        hours: Option<f64>,
        note: Option<String>,
    ) -> GqlResult<Vec<ServiceRecord>> {
        let ids = ids
            .iter()
            .map(|id| parse_id(id, "ids"))
            .collect::<Result<Vec<_>, _>>()?;
        let approve = decision == ReviewDecision::Approve;
        Ok(
            service::review(ctx.state(), ctx.viewer(), &ids, approve, hours, note)
                .await?
                .into_iter()
                .map(ServiceRecord)
                .collect(),
        )
    }

    /// A volunteer disputes the hours of a reviewed record of their own (Art 13); one open
    /// request per record. `reason` at most 1,000 characters.
    #[graphql(guard = "SignedIn")]
    async fn request_record_correction(
        &self,
        ctx: &Context<'_>,
        record_id: ID,
        hours: f64,
        reason: String,
    ) -> GqlResult<RecordCorrection> {
        let id = parse_id(&record_id, "recordId")?;
        Ok(RecordCorrection(
            crate::domain::hours::corrections::request(
                ctx.state(),
                ctx.viewer(),
                id,
                hours,
                &reason,
            )
            .await?,
        ))
    }

    /// Organizers of the record's activity and admins: accept a correction (the record
    /// takes its hours, approved) or refuse it with a note. Audited, kept in the history.
    #[graphql(guard = "RoleGuard::any(ORGANIZERS)")]
    async fn resolve_record_correction(
        &self,
        ctx: &Context<'_>,
        correction_id: ID,
        accept: bool,
        note: Option<String>,
    ) -> GqlResult<ServiceRecord> {
        let id = parse_id(&correction_id, "correctionId")?;
        let (_, record) =
            crate::domain::hours::corrections::resolve(ctx.state(), ctx.viewer(), id, accept, note)
                .await?;
        Ok(ServiceRecord(record))
    }
}
