//! Volunteers register and cancel.

use async_graphql::{Context, ID, Object};

use crate::auth::SignedIn;
use crate::error::GqlResult;
use crate::graphql::{ContextExt, parse_id};

use entity::activity;

use crate::graphql::loaders::{ById, Loaders};

use super::service;
use super::types::{Registration, WaitlistPosition};

#[derive(Default)]
pub struct RegistrationsMutation;

#[Object]
impl RegistrationsMutation {
    /// A volunteer: a new secret URL of their calendar feed (iCalendar of the activities
    /// they are registered for); the previous URL stops working. The path, to be put after
    /// the server's address.
    #[graphql(guard = "SignedIn")]
    async fn rotate_calendar_feed(&self, ctx: &Context<'_>) -> GqlResult<String> {
        Ok(super::feed::rotate(ctx.state(), ctx.viewer()).await?)
    }

    /// REGISTERED while places remain, else WAITLISTED in arrival order.
    #[graphql(guard = "SignedIn")]
    async fn register_for_activity(
        &self,
        ctx: &Context<'_>,
        activity_id: ID,
    ) -> GqlResult<Registration> {
        let id = parse_id(&activity_id, "activityId")?;
        let registered = service::register(ctx.state(), ctx.viewer(), id).await?;
        // The answer's activity and place are known: nothing to read again.
        let loaders = ctx.data_unchecked::<Loaders>();
        loaders
            .feed_one(ById::<activity::Entity>::new(id), registered.activity)
            .await;
        if let Some(position) = registered.waitlist_position {
            loaders
                .feed_one(WaitlistPosition(registered.registration.id), position)
                .await;
        }
        Ok(Registration(registered.registration))
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
