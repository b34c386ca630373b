//! Communities and pairings.

use async_graphql::{Context, ID, Object};

use crate::auth::RoleGuard;
use crate::auth::guard::{ADMINS, ORGANIZERS, READERS};
use crate::error::GqlResult;
use crate::graphql::scalars::Date;
use crate::graphql::{ContextExt, parse_id, parse_opt_id};

use super::commitments::{self, NewCommitment};
use super::service::{self, NewPairing, PairingQuery};
use super::types::{
    CommitmentInput, Community, CommunityInput, Pairing, PairingFilter, PairingInput,
    PairingReport, PartyMember, PartyMemberService,
};
use super::{party, report};
use crate::domain::activities::types::Activity;

#[derive(Default)]
pub struct PairingsQuery;

#[Object]
impl PairingsQuery {
    /// Communities and villages, optionally those whose name or district contains `search`.
    async fn communities(
        &self,
        ctx: &Context<'_>,
        search: Option<String>,
    ) -> GqlResult<Vec<Community>> {
        Ok(service::communities(&ctx.state().db, search.as_deref())
            .await?
            .into_iter()
            .map(Community)
            .collect())
    }

    /// A pairing's quarterly report (季度报告) as data; `GET /pairings/{id}/reports/{year}/{quarter}.xlsx`
    /// gives it as a workbook. Organizers of its department, VIEWER, ADMIN.
    #[graphql(guard = "RoleGuard::any(READERS)", cache_control(no_cache))]
    async fn pairing_report(
        &self,
        ctx: &Context<'_>,
        pairing_id: ID,
        year: i32,
        quarter: i32,
    ) -> GqlResult<PairingReport> {
        let id = parse_id(&pairing_id, "pairingId")?;
        Ok(PairingReport(
            report::report(&ctx.state().db, ctx.viewer(), id, year, quarter).await?,
        ))
    }

    /// Pairings active in an ended quarter whose report was not submitted: the office and
    /// admins all, an organizer their department's.
    #[graphql(guard = "RoleGuard::any(READERS)", cache_control(no_cache))]
    async fn missing_pairing_reports(
        &self,
        ctx: &Context<'_>,
        year: i32,
        quarter: i32,
    ) -> GqlResult<Vec<Pairing>> {
        Ok(
            report::missing(&ctx.state().db, ctx.viewer(), year, quarter)
                .await?
                .into_iter()
                .map(Pairing)
                .collect(),
        )
    }

    /// The quarterly summary of a department's party members' service in the communities
    /// they reported to, with the year's hours against the minimum: organizers of the
    /// department, VIEWER, ADMIN.
    #[graphql(guard = "RoleGuard::any(READERS)", cache_control(no_cache))]
    async fn party_member_service(
        &self,
        ctx: &Context<'_>,
        department_id: ID,
        year: i32,
        quarter: i32,
    ) -> GqlResult<Vec<PartyMemberService>> {
        let id = parse_id(&department_id, "departmentId")?;
        Ok(
            party::summary(&ctx.state().db, ctx.viewer(), id, year, quarter)
                .await?
                .into_iter()
                .map(PartyMemberService)
                .collect(),
        )
    }

    /// The yearly hours a party member owes their community (default 50).
    async fn party_service_minimum(&self, ctx: &Context<'_>) -> GqlResult<i32> {
        Ok(party::minimum_hours(&ctx.state().db).await?)
    }

    /// Pairing arrangements, by department.
    async fn pairings(
        &self,
        ctx: &Context<'_>,
        filter: Option<PairingFilter>,
    ) -> GqlResult<Vec<Pairing>> {
        let filter = filter.unwrap_or_default();
        let query = PairingQuery {
            department_id: parse_opt_id(filter.department_id.as_ref(), "filter.departmentId")?,
            community_id: parse_opt_id(filter.community_id.as_ref(), "filter.communityId")?,
            active_on: filter.active_on.map(|d| d.0),
        };
        Ok(service::pairings(&ctx.state().db, query)
            .await?
            .into_iter()
            .map(Pairing)
            .collect())
    }
}

#[derive(Default)]
pub struct PairingsMutation;

#[Object]
impl PairingsMutation {
    #[graphql(guard = "RoleGuard::any(ORGANIZERS)")]
    async fn create_community(
        &self,
        ctx: &Context<'_>,
        input: CommunityInput,
    ) -> GqlResult<Community> {
        Ok(Community(
            service::create_community(
                ctx.state(),
                ctx.viewer(),
                &input.name,
                input.district.as_deref(),
                input.kind.into(),
            )
            .await?,
        ))
    }

    /// Organizers for their own department; admins for any.
    #[graphql(guard = "RoleGuard::any(ORGANIZERS)")]
    async fn create_pairing(&self, ctx: &Context<'_>, input: PairingInput) -> GqlResult<Pairing> {
        let new = NewPairing {
            kind: input.kind.into(),
            department_id: parse_id(&input.department_id, "departmentId")?,
            community_id: parse_id(&input.community_id, "communityId")?,
            starts_on: input.starts_on.0,
            ends_on: input.ends_on.map(|d| d.0),
            commitments: input.commitments.unwrap_or_default(),
            target_activity_count: input.target_activity_count,
        };
        Ok(Pairing(
            service::create_pairing(ctx.state(), ctx.viewer(), new).await?,
        ))
    }

    #[graphql(guard = "RoleGuard::any(ORGANIZERS)")]
    async fn end_pairing(&self, ctx: &Context<'_>, id: ID, ends_on: Date) -> GqlResult<Pairing> {
        let id = parse_id(&id, "id")?;
        Ok(Pairing(
            service::end_pairing(ctx.state(), ctx.viewer(), id, ends_on.0).await?,
        ))
    }

    /// Replaces a pairing's commitments (e.g. the ten items of “十个一”, each with a target
    /// and a unit): organizers of its department, admins. A commitment kept by name keeps
    /// the activities that tick it. Audited.
    #[graphql(guard = "RoleGuard::any(ORGANIZERS)")]
    async fn set_pairing_commitments(
        &self,
        ctx: &Context<'_>,
        pairing_id: ID,
        commitments: Vec<CommitmentInput>,
    ) -> GqlResult<Pairing> {
        let id = parse_id(&pairing_id, "pairingId")?;
        let items = commitments
            .into_iter()
            .map(|c| NewCommitment {
                name: c.name,
                target: c.target,
                unit: c.unit.into(),
            })
            .collect();
        Ok(Pairing(
            commitments::set_commitments(ctx.state(), ctx.viewer(), id, items).await?,
        ))
    }

    /// Submits a quarter's report after the quarter, with a note (≤ 2,000 characters;
    /// again replaces it): organizers of the department, admins. Audited.
    #[graphql(guard = "RoleGuard::any(ORGANIZERS)")]
    async fn submit_pairing_report(
        &self,
        ctx: &Context<'_>,
        pairing_id: ID,
        year: i32,
        quarter: i32,
        note: Option<String>,
    ) -> GqlResult<PairingReport> {
        let id = parse_id(&pairing_id, "pairingId")?;
        report::submit(
            ctx.state(),
            ctx.viewer(),
            id,
            year,
            quarter,
            note.as_deref(),
        )
        .await?;
        Ok(PairingReport(
            report::report(&ctx.state().db, ctx.viewer(), id, year, quarter).await?,
        ))
    }

    /// Marks a volunteer as a party member of a department (`member: false` unmarks):
    /// organizers of that department, admins. Audited.
    #[graphql(guard = "RoleGuard::any(ORGANIZERS)")]
    async fn mark_party_member(
        &self,
        ctx: &Context<'_>,
        volunteer_id: ID,
        department_id: ID,
        member: Option<bool>,
    ) -> GqlResult<Option<PartyMember>> {
        let volunteer = parse_id(&volunteer_id, "volunteerId")?;
        let department = parse_id(&department_id, "departmentId")?;
        Ok(party::mark(
            ctx.state(),
            ctx.viewer(),
            volunteer,
            department,
            member.unwrap_or(true),
        )
        .await?
        .map(PartyMember))
    }

    /// The signed-in party member reports to their residential community (在职党员进社区报到). Audited.
    async fn report_to_community(
        &self,
        ctx: &Context<'_>,
        community_id: ID,
    ) -> GqlResult<PartyMember> {
        let id = parse_id(&community_id, "communityId")?;
        Ok(PartyMember(
            party::report_to_community(ctx.state(), ctx.viewer(), id).await?,
        ))
    }

    /// Sets the yearly minimum hours of party members' community service (0–1,000): admins. Audited.
    #[graphql(guard = "RoleGuard::any(ADMINS)")]
    async fn set_party_service_minimum(&self, ctx: &Context<'_>, hours: i32) -> GqlResult<i32> {
        Ok(party::set_minimum_hours(ctx.state(), ctx.viewer(), hours).await?)
    }

    /// Which commitments of its pairing an activity fulfils (replacing the previous
    /// choice; empty unticks all): those who manage the activity. Audited.
    #[graphql(guard = "RoleGuard::any(ORGANIZERS)")]
    async fn set_activity_commitments(
        &self,
        ctx: &Context<'_>,
        activity_id: ID,
        commitment_ids: Vec<ID>,
    ) -> GqlResult<Activity> {
        let id = parse_id(&activity_id, "activityId")?;
        let ids = commitment_ids
            .iter()
            .map(|id| parse_id(id, "commitmentIds"))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Activity(
            commitments::set_activity_commitments(ctx.state(), ctx.viewer(), id, ids).await?,
        ))
    }
}
