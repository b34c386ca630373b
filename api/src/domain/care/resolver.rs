//! Care pairings: guard → service → convert.

use async_graphql::{Context, ID, Object};

use crate::auth::RoleGuard;
use crate::auth::guard::{ADMINS, ORGANIZERS};
use crate::error::GqlResult;
use crate::graphql::pagination::{Page, PageArgs};
use crate::graphql::{ContextExt, parse_id, parse_opt_id};

use super::service::{self, NewRecipient, NewVisit, RecipientQuery, VisitRule};
use super::types::{
    CareRecipient, CareRecipientConnection, CareRecipientFilter, CareRecipientInput, CareVisit,
    CareVisitInput, CareVisitRule,
};

#[derive(Default)]
pub struct CareQuery;

#[Object]
impl CareQuery {
    /// Care recipients the viewer may see, the most urgent first (next visit due, then
    /// id): admins all, organizers their department's, volunteers those paired to them;
    /// anyone else FORBIDDEN. `filter.overdue` gives the department's overdue list.
    /// Keyset pages: `first`/`after` forward, `last`/`before` backward.
    #[graphql(cache_control(no_cache))]
    async fn care_recipients(
        &self,
        ctx: &Context<'_>,
        filter: Option<CareRecipientFilter>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> GqlResult<CareRecipientConnection> {
        let page = Page::from_args(PageArgs {
            first,
            after,
            last,
            before,
        })?;
        let filter = filter.unwrap_or_default();
        let query = RecipientQuery {
            department_id: parse_opt_id(filter.department_id.as_ref(), "filter.departmentId")?,
            risk_tier: filter.risk_tier.map(Into::into),
            overdue: filter.overdue.unwrap_or(false),
        };
        Ok(
            service::recipients(&ctx.state().db, ctx.viewer(), query, &page)
                .await?
                .into(),
        )
    }

    /// One care recipient, when the viewer may see them (NOT_FOUND otherwise).
    #[graphql(cache_control(no_cache))]
    async fn care_recipient(&self, ctx: &Context<'_>, id: ID) -> GqlResult<CareRecipient> {
        let id = parse_id(&id, "id")?;
        let db = &ctx.state().db;
        let scope = service::scope(db, ctx.viewer()).await?;
        let model = service::visible(db, &scope, id).await?;
        let mut rows = service::with_due(db, vec![model]).await?;
        Ok(CareRecipient(rows.remove(0)))
    }

    /// Days between visits per risk tier.
    #[graphql(guard = "RoleGuard::any(ORGANIZERS)")]
    async fn care_visit_rule(&self, ctx: &Context<'_>) -> GqlResult<CareVisitRule> {
        Ok(service::visit_rule(&ctx.state().db).await?.into())
    }
}

#[derive(Default)]
pub struct CareMutation;

#[Object]
impl CareMutation {
    /// Registers a care recipient (consent recorded): organizers of the department, admins. Audited.
    #[graphql(guard = "RoleGuard::any(ORGANIZERS)")]
    async fn register_care_recipient(
        &self,
        ctx: &Context<'_>,
        input: CareRecipientInput,
    ) -> GqlResult<CareRecipient> {
        let new = NewRecipient {
            department_id: parse_id(&input.department_id, "departmentId")?,
            community_id: parse_id(&input.community_id, "communityId")?,
            name: input.name,
            address: input.address,
            risk_tier: input.risk_tier.into(),
            situations: input.situations.unwrap_or_default(),
            consent_on: input.consent_on.0,
        };
        let db = &ctx.state().db;
        let model = service::register(ctx.state(), ctx.viewer(), new).await?;
        Ok(CareRecipient(
            service::with_due(db, vec![model]).await?.remove(0),
        ))
    }

    /// Pairs a volunteer with a care recipient (`paired: false` ends it): organizers of the
    /// department, admins. Audited.
    #[graphql(guard = "RoleGuard::any(ORGANIZERS)")]
    async fn pair_care_volunteer(
        &self,
        ctx: &Context<'_>,
        recipient_id: ID,
        volunteer_id: ID,
        paired: Option<bool>,
    ) -> GqlResult<CareRecipient> {
        let recipient_id = parse_id(&recipient_id, "recipientId")?;
        let volunteer_id = parse_id(&volunteer_id, "volunteerId")?;
        let model = service::assign(
            ctx.state(),
            ctx.viewer(),
            recipient_id,
            volunteer_id,
            paired.unwrap_or(true),
        )
        .await?;
        Ok(CareRecipient(
            service::with_due(&ctx.state().db, vec![model])
                .await?
                .remove(0),
        ))
    }

    /// Logs a visit or call: the recipient's volunteers, the department's organizers,
    /// admins. A visit after a reported event settles it. Audited.
    async fn log_care_visit(
        &self,
        ctx: &Context<'_>,
        input: CareVisitInput,
    ) -> GqlResult<CareVisit> {
        let new = NewVisit {
            recipient_id: parse_id(&input.recipient_id, "recipientId")?,
            visited_at: input.visited_at.to_utc(),
            mode: input.mode.into(),
            minutes: input.minutes,
            notes: input.notes,
            issues: input.issues,
            follow_up_needed: input.follow_up_needed.unwrap_or(false),
            count_as_service_hours: input.count_as_service_hours.unwrap_or(false),
        };
        Ok(CareVisit(
            service::log_visit(ctx.state(), ctx.viewer(), new).await?,
        ))
    }

    /// Reports a major event: a visit is due within 24 hours. The recipient's volunteers,
    /// the department's organizers, admins. Audited.
    async fn report_care_event(
        &self,
        ctx: &Context<'_>,
        recipient_id: ID,
        note: String,
    ) -> GqlResult<CareRecipient> {
        let id = parse_id(&recipient_id, "recipientId")?;
        let model = service::report_event(ctx.state(), ctx.viewer(), id, &note).await?;
        Ok(CareRecipient(
            service::with_due(&ctx.state().db, vec![model])
                .await?
                .remove(0),
        ))
    }

    /// Sets the days between visits per risk tier: admins. Audited.
    #[graphql(guard = "RoleGuard::any(ADMINS)")]
    async fn set_care_visit_rule(
        &self,
        ctx: &Context<'_>,
        rule: CareVisitRule,
    ) -> GqlResult<CareVisitRule> {
        let rule = VisitRule {
            high_days: rule.high_days,
            key_days: rule.key_days,
            general_days: rule.general_days,
        };
        Ok(service::set_visit_rule(ctx.state(), ctx.viewer(), rule)
            .await?
            .into())
    }
}
