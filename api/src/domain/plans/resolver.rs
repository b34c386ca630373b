//! The plan carried out: guard, call the service, convert.

use async_graphql::{Context, ID, Object};

use crate::auth::RoleGuard;
use crate::auth::guard::{ORGANIZERS, READERS};
use crate::error::GqlResult;
use crate::graphql::{ContextExt, parse_id};

use super::execution::{self, NewSummary};
use super::types::{ActivitySummary, ActivitySummaryInput, PlanExecutionRow, PlanSummary};

#[derive(Default)]
pub struct PlansQuery;

#[Object]
impl PlansQuery {
    /// The plan carried out, per primary department and month: planned, held, cancelled,
    /// undated, and held without a summary. VIEWER and ADMIN: every department; an
    /// ORGANIZER: their own.
    #[graphql(guard = "RoleGuard::any(READERS)")]
    async fn plan_execution(
        &self,
        ctx: &Context<'_>,
        plan_id: ID,
    ) -> GqlResult<Vec<PlanExecutionRow>> {
        let id = parse_id(&plan_id, "planId")?;
        Ok(execution::execution(ctx.state(), ctx.viewer(), id)
            .await?
            .into_iter()
            .map(PlanExecutionRow::from)
            .collect())
    }

    /// The plan's year-end summary (年度总结): its activities with their summaries and
    /// hours, and the totals. Who sees which activities as for `planExecution`.
    #[graphql(guard = "RoleGuard::any(READERS)")]
    async fn plan_summary(&self, ctx: &Context<'_>, plan_id: ID) -> GqlResult<PlanSummary> {
        let id = parse_id(&plan_id, "planId")?;
        Ok(PlanSummary(
            execution::plan_summary(ctx.state(), ctx.viewer(), id).await?,
        ))
    }
}

#[derive(Default)]
pub struct PlansMutation;

#[Object]
impl PlansMutation {
    /// The summary of a COMPLETED activity (做好总结), by organizers of its lead departments
    /// and admins; submitting again replaces it. Audited.
    #[graphql(guard = "RoleGuard::any(ORGANIZERS)")]
    async fn submit_activity_summary(
        &self,
        ctx: &Context<'_>,
        activity_id: ID,
        input: ActivitySummaryInput,
    ) -> GqlResult<ActivitySummary> {
        let id = parse_id(&activity_id, "activityId")?;
        Ok(ActivitySummary(
            execution::submit_summary(
                ctx.state(),
                ctx.viewer(),
                id,
                NewSummary {
                    text: input.text,
                    served_count: input.served_count,
                    served_groups: input.served_groups.unwrap_or_default(),
                },
            )
            .await?,
        ))
    }

    /// Removes a photo of an activity: those who may submit its summary. Audited.
    #[graphql(guard = "RoleGuard::any(ORGANIZERS)")]
    async fn delete_activity_photo(&self, ctx: &Context<'_>, id: ID) -> GqlResult<bool> {
        let id = parse_id(&id, "id")?;
        super::photos::delete(ctx.state(), ctx.viewer(), id).await?;
        Ok(true)
    }
}
