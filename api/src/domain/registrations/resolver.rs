//! Volunteers register and cancel.

use async_graphql::{Context, ID, Object};

use crate::auth::SignedIn;
use crate::context::{ContextExt, parse_id};
use crate::error::GqlResult;

use super::service;
use super::types::Registration;

#[derive(Default)]
pub struct RegistrationsMutation;

#[Object]
impl RegistrationsMutation {
    /// REGISTERED while places remain, else WAITLISTED in arrival order.
    #[graphql(guard = "SignedIn")]
    async fn register_for_activity(
        &self,
        ctx: &Context<'_>,
        activity_id: ID,
    ) -> GqlResult<Registration> {
        let id = parse_id(&activity_id, "activityId")?;
        Ok(Registration(
            service::register(ctx.state(), ctx.viewer(), id).await?,
        ))
    }

    /// Cancelling a place promotes the earliest waitlisted volunteer.
    #[graphql(guard = "SignedIn")]
    async fn cancel_registration(&self, ctx: &Context<'_>, id: ID) -> GqlResult<Registration> {
        let id = parse_id(&id, "id")?;
        Ok(Registration(
            service::cancel(ctx.state(), ctx.viewer(), id).await?,
        ))
    }
}
