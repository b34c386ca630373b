//! Settings every field of one request reads alike (the working-day calendar, the star
//! policy), loaded once per request: each load asks the shared cache for a version (a
//! Redis round trip), which a page of 20 records would otherwise pay 20 times.

use std::sync::Arc;

use async_graphql::Context;
use tokio::sync::OnceCell;

use crate::domain::calendar::WorkingCalendar;
use crate::domain::users::stars::StarPolicy;
use crate::error::AppResult;
use crate::graphql::ContextExt;

#[derive(Default)]
pub struct RequestMemo {
    calendar: OnceCell<Arc<WorkingCalendar>>,
    star_policy: OnceCell<Arc<StarPolicy>>,
}

/// The working-day calendar, once per request.
pub async fn calendar(ctx: &Context<'_>) -> AppResult<Arc<WorkingCalendar>> {
    let load = || crate::domain::calendar::service::working_calendar(ctx.state());
    match ctx.data_opt::<RequestMemo>() {
        Some(memo) => memo.calendar.get_or_try_init(load).await.cloned(),
        None => load().await,
    }
}

/// The star policy, once per request.
pub async fn star_policy(ctx: &Context<'_>) -> AppResult<Arc<StarPolicy>> {
    let load = || crate::domain::users::stars::star_policy(ctx.state());
    match ctx.data_opt::<RequestMemo>() {
        Some(memo) => memo.star_policy.get_or_try_init(load).await.cloned(),
        None => load().await,
    }
}
