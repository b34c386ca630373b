//! Dashboards: guard, check the arguments against the viewer, hand over the figures.

use async_graphql::{Context, ID, Object};

use crate::auth::RoleGuard;
use crate::auth::guard::READERS;
use crate::error::GqlResult;
use crate::graphql::{ContextExt, parse_opt_id};

use super::service;
use super::types::{Dashboard, DateRangeInput};

#[derive(Default)]
pub struct DashboardQuery;

#[Object]
impl DashboardQuery {
    /// Organizers (own department), viewers and admins.
    // Its figures may be cached per user (under the data's version, so a write shows at
    // once); the few fields under it that lead to lists of their own say `no_cache`.
    #[graphql(
        guard = "RoleGuard::any(READERS)",
        cache_control(max_age = 300, private)
    )]
    async fn dashboard(
        &self,
        ctx: &Context<'_>,
        range: Option<DateRangeInput>,
        department_id: Option<ID>,
    ) -> GqlResult<Dashboard> {
        let range = range.unwrap_or_default();
        let department_id = parse_opt_id(department_id.as_ref(), "departmentId")?;
        let scope = service::open(
            ctx.state(),
            ctx.viewer(),
            range.from.map(|day| day.0),
            range.to.map(|day| day.0),
            department_id,
        )
        .await?;
        Ok(Dashboard(scope))
    }
}
