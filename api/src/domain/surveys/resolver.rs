//! Surveys, responses and rectifications: guard, call the service, convert.

use async_graphql::{Context, ID, Object};

use entity::enums::SurveyStatus as DbStatus;

use crate::auth::guard::{AddressLimit, ORGANIZERS, PerAddress, READERS};
use crate::auth::{RoleGuard, SignedIn};
use crate::error::GqlResult;
use crate::graphql::pagination::Page;
use crate::graphql::{ContextExt, parse_id, parse_opt_id};

use super::rectifications::{self, RectificationQuery};
use super::service::{self, SurveyQuery};
use super::submission;
use super::types::{
    Rectification, RectificationConnection, RectificationFilter, RectificationUpdate, Survey,
    SurveyConnection, SurveyFilter, SurveyInput, SurveyResponse, SurveyResponseInput,
};

#[derive(Default)]
pub struct SurveysQuery;

// A connection with a filter takes the four Relay arguments beside it.
#[allow(clippy::too_many_arguments)]
#[Object]
impl SurveysQuery {
    /// A survey, if the viewer may see it (drafts: organizers of its department and admins).
    async fn survey(&self, ctx: &Context<'_>, id: ID) -> GqlResult<Option<Survey>> {
        let id = parse_id(&id, "id")?;
        super::loaders::detail(ctx, id).await
    }

    /// OPEN and CLOSED surveys, with their own department's drafts for organizers and all for admins; newest first.
    async fn surveys(
        &self,
        ctx: &Context<'_>,
        filter: Option<SurveyFilter>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> GqlResult<SurveyConnection> {
        let filter = filter.unwrap_or_default();
        let query = SurveyQuery {
            activity_id: parse_opt_id(filter.activity_id.as_ref(), "filter.activityId")?,
            department_id: parse_opt_id(filter.department_id.as_ref(), "filter.departmentId")?,
            status: filter.status.map(Into::into),
        };
        let page = Page::from_args(crate::graphql::pagination::PageArgs {
            first,
            after,
            last,
            before,
        })?;
        Ok(service::list(ctx.state(), ctx.viewer(), &query, page)
            .await?
            .into())
    }

    /// Anyone: the complaints handled (RESOLVED, CLOSED, NOT_SUBSTANTIATED) opened in the
    /// range, newest first, without identity or anything the resident wrote (公开). An
    /// organizer asking about their own department sees all of its, overdue first.
    async fn public_rectifications(
        &self,
        ctx: &Context<'_>,
        range: Option<crate::domain::dashboard::types::DateRangeInput>,
        department_id: Option<ID>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> GqlResult<super::types::PublicRectificationConnection> {
        let range = range.unwrap_or_default();
        let query = super::rectifications::PublicQuery {
            department_id: parse_opt_id(department_id.as_ref(), "departmentId")?,
            from: range.from.map(|d| d.0),
            to: range.to.map(|d| d.0),
        };
        let page = Page::from_args(crate::graphql::pagination::PageArgs {
            first,
            after,
            last,
            before,
        })?;
        Ok(
            super::rectifications::published(ctx.state(), ctx.viewer(), &query, page)
                .await?
                .into(),
        )
    }

    /// Organizers (own department), viewers and admins: complaints and their handling, newest first.
    #[graphql(guard = "RoleGuard::any(READERS)")]
    async fn rectifications(
        &self,
        ctx: &Context<'_>,
        filter: Option<RectificationFilter>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> GqlResult<RectificationConnection> {
        let filter = filter.unwrap_or_default();
        let query = RectificationQuery {
            department_id: parse_opt_id(filter.department_id.as_ref(), "filter.departmentId")?,
            status: filter.status.map(Into::into),
            overdue: filter.overdue,
        };
        let page = Page::from_args(crate::graphql::pagination::PageArgs {
            first,
            after,
            last,
            before,
        })?;
        Ok(
            rectifications::rectifications(ctx.state(), ctx.viewer(), &query, page)
                .await?
                .into(),
        )
    }
}

#[derive(Default)]
pub struct SurveysMutation;

#[Object]
impl SurveysMutation {
    /// Creates a DRAFT survey; organizers for their own department, admins for any.
    #[graphql(guard = "RoleGuard::any(ORGANIZERS)")]
    async fn create_survey(&self, ctx: &Context<'_>, input: SurveyInput) -> GqlResult<Survey> {
        Ok(Survey(
            service::create(ctx.state(), ctx.viewer(), input.try_into()?).await?,
        ))
    }

    /// DRAFT → OPEN: answers are accepted between opensAt and closesAt.
    #[graphql(guard = "RoleGuard::any(ORGANIZERS)")]
    async fn open_survey(&self, ctx: &Context<'_>, id: ID) -> GqlResult<Survey> {
        let id = parse_id(&id, "id")?;
        Ok(Survey(
            service::transition(ctx.state(), ctx.viewer(), id, DbStatus::Open).await?,
        ))
    }

    /// OPEN → CLOSED: no more answers.
    #[graphql(guard = "RoleGuard::any(ORGANIZERS)")]
    async fn close_survey(&self, ctx: &Context<'_>, id: ID) -> GqlResult<Survey> {
        let id = parse_id(&id, "id")?;
        Ok(Survey(
            service::transition(ctx.state(), ctx.viewer(), id, DbStatus::Closed).await?,
        ))
    }

    /// Answers a survey: once per respondent through self-service channels; organizers enter HOTLINE and OFFLINE answers.
    #[graphql(guard = "SignedIn.and(PerAddress::new(AddressLimit::SubmitSurveyResponse))")]
    async fn submit_survey_response(
        &self,
        ctx: &Context<'_>,
        input: SurveyResponseInput,
    ) -> GqlResult<SurveyResponse> {
        let submitted = submission::submit(ctx.state(), ctx.viewer(), input.try_into()?).await?;
        if let Some(opened) = submitted.opened {
            ctx.data_unchecked::<crate::graphql::loaders::Loaders>()
                .feed_one(
                    super::loaders::RectificationOfResponse(submitted.response.id),
                    opened,
                )
                .await;
        }
        Ok(SurveyResponse(submitted.response))
    }

    /// Moves a rectification forward; becoming RESOLVED needs the resolution.
    #[graphql(guard = "RoleGuard::any(ORGANIZERS)")]
    async fn update_rectification(
        &self,
        ctx: &Context<'_>,
        id: ID,
        input: RectificationUpdate,
    ) -> GqlResult<Rectification> {
        let id = parse_id(&id, "id")?;
        Ok(Rectification(
            rectifications::update_rectification(
                ctx.state(),
                ctx.viewer(),
                id,
                input.status.into(),
                input.resolution,
            )
            .await?,
        ))
    }

    /// Verification (核实) of an OPEN rectification by its department: substantiated, work
    /// starts (IN_PROGRESS); not, it ends (NOT_SUBSTANTIATED) with `note`, which the
    /// resident sees.
    #[graphql(guard = "RoleGuard::any(ORGANIZERS)")]
    async fn verify_rectification(
        &self,
        ctx: &Context<'_>,
        id: ID,
        substantiated: bool,
        note: Option<String>,
    ) -> GqlResult<Rectification> {
        let id = parse_id(&id, "id")?;
        Ok(Rectification(
            rectifications::verify(ctx.state(), ctx.viewer(), id, substantiated, note).await?,
        ))
    }

    /// The office (VIEWER) or an admin reopens a NOT_SUBSTANTIATED rectification: work
    /// starts with a new deadline; `reopenCount` grows.
    #[graphql(guard = "RoleGuard::any(crate::auth::guard::OFFICE)")]
    async fn reopen_rectification(
        &self,
        ctx: &Context<'_>,
        id: ID,
        note: String,
    ) -> GqlResult<Rectification> {
        let id = parse_id(&id, "id")?;
        Ok(Rectification(
            rectifications::reopen(ctx.state(), ctx.viewer(), id, &note).await?,
        ))
    }

    /// The department's follow-up (回访) of a RESOLVED rectification: satisfied or
    /// basically satisfied closes it, dissatisfied reopens it with a new deadline.
    #[graphql(guard = "RoleGuard::any(ORGANIZERS)")]
    async fn record_follow_up(
        &self,
        ctx: &Context<'_>,
        rectification_id: ID,
        channel: super::types::FollowUpChannel,
        rating: super::types::FollowUpRating,
        note: Option<String>,
    ) -> GqlResult<Rectification> {
        let id = parse_id(&rectification_id, "rectificationId")?;
        Ok(Rectification(
            rectifications::record_follow_up(
                ctx.state(),
                ctx.viewer(),
                id,
                channel.into(),
                rating.into(),
                note,
            )
            .await?,
        ))
    }

    /// The resident rates the result of their own complaint, once (on anonymous surveys
    /// too, recognised without a name).
    #[graphql(guard = "SignedIn")]
    async fn rate_rectification(
        &self,
        ctx: &Context<'_>,
        id: ID,
        rating: super::types::FollowUpRating,
        comment: Option<String>,
    ) -> GqlResult<Rectification> {
        let id = parse_id(&id, "id")?;
        Ok(Rectification(
            rectifications::rate(ctx.state(), ctx.viewer(), id, rating.into(), comment).await?,
        ))
    }

    /// The department appeals the 差评 behind a response (申诉复核), once, while its
    /// rectification is not CLOSED.
    #[graphql(guard = "RoleGuard::any(ORGANIZERS)")]
    async fn appeal_feedback(
        &self,
        ctx: &Context<'_>,
        response_id: ID,
        reason: super::types::AppealReason,
        explanation: String,
    ) -> GqlResult<super::types::FeedbackAppeal> {
        let id = parse_id(&response_id, "responseId")?;
        Ok(super::types::FeedbackAppeal(
            super::appeals::file(ctx.state(), ctx.viewer(), id, reason.into(), &explanation)
                .await?,
        ))
    }

    /// The office (VIEWER) or an admin decides an appeal: upheld, the response counts in no
    /// satisfaction figure and its rectification is VOIDED; rejected, work goes on.
    #[graphql(guard = "RoleGuard::any(crate::auth::guard::OFFICE)")]
    async fn decide_appeal(
        &self,
        ctx: &Context<'_>,
        appeal_id: ID,
        upheld: bool,
        note: Option<String>,
    ) -> GqlResult<super::types::FeedbackAppeal> {
        let id = parse_id(&appeal_id, "appealId")?;
        Ok(super::types::FeedbackAppeal(
            super::appeals::decide(ctx.state(), ctx.viewer(), id, upheld, note).await?,
        ))
    }

    /// Imports 12345 hotline work orders (a CSV table, UTF-8, at most 1 MiB and 1,000
    /// cases) as HOTLINE responses of the survey: organizers of its department and admins.
    /// A case number already imported changes nothing; one bad row refuses the table and
    /// stores nothing. README "12345 work orders" lists the columns.
    #[graphql(guard = "RoleGuard::any(ORGANIZERS)")]
    async fn import_feedback_cases(
        &self,
        ctx: &Context<'_>,
        survey_id: ID,
        csv: String,
    ) -> GqlResult<super::types::FeedbackCaseImport> {
        let id = parse_id(&survey_id, "surveyId")?;
        Ok(super::cases::import(ctx.state(), ctx.viewer(), id, &csv)
            .await?
            .into())
    }
}
