//! Live subscriptions over `graphql-transport-ws` (and the older `graphql-ws`): the
//! detail page's counts, the user's notifications, the dashboard's "figures changed".
//!
//! Each stream reads the current state itself when a [`Topic`] arrives, under the same
//! scope rules as the queries, so the events carry nothing private. Every stream ends when
//! the access token of `connection_init` expires: it sends one error with
//! `extensions.reason` `TOKEN_EXPIRED` and completes; the client signs in again (refreshes)
//! and subscribes anew.

use std::time::Duration;

use async_graphql::{Context, ID, SimpleObject, Subscription};
use chrono::{DateTime, FixedOffset, Utc};
use futures::{Stream, StreamExt};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use tokio::sync::broadcast;

use entity::notification;

use crate::auth::guard::READERS;
use crate::domain::notifications::types::Notification;
use crate::error::{AppError, Reason, Thing};
use crate::graphql::scalars::local;
use crate::graphql::{ContextExt, parse_id, to_id};
use crate::live::Topic;

/// When the connection's access token expires (none for an anonymous connection).
#[derive(Clone, Copy)]
pub struct TokenExpiry(pub Option<DateTime<Utc>>);

/// How often a notification stream looks again without being told (a notification is
/// written inside its change's transaction; the signal may come before it is visible).
const NOTIFICATIONS_RECHECK: Duration = Duration::from_secs(2);

/// An activity's counts and status, as the detail page shows them.
#[derive(SimpleObject, Clone)]
pub struct ActivityCounts {
    pub id: ID,
    pub status: crate::domain::activities::types::ActivityStatus,
    pub registered_count: i32,
    pub waitlist_count: i32,
    pub capacity: Option<i32>,
    pub updated_at: DateTime<FixedOffset>,
}

#[derive(Default)]
pub struct Subscription;

/// The topics of this instance, ended at the token's expiry with one TOKEN_EXPIRED error.
fn until_expiry<T: Send + 'static>(
    expiry: TokenExpiry,
    stream: impl Stream<Item = async_graphql::Result<T>> + Send + 'static,
) -> impl Stream<Item = async_graphql::Result<T>> + Send + 'static {
    let Some(at) = expiry.0 else {
        return stream.boxed();
    };
    let left = (at - Utc::now()).to_std().unwrap_or(Duration::ZERO);
    let expired = futures::stream::once(async move {
        tokio::time::sleep(left).await;
        Err(AppError::of(Reason::TokenExpired).into())
    });
    // Whichever comes first: the stream's items until the token expires, then the error.
    stream
        .take_until(tokio::time::sleep(left))
        .chain(expired)
        .boxed()
}

fn topics(ctx: &Context<'_>) -> broadcast::Receiver<Topic> {
    ctx.state().live.subscribe()
}

/// The topics as a stream; a lagging receiver skips what it missed (each item reads the
/// current state anyway).
fn topic_stream(receiver: broadcast::Receiver<Topic>) -> impl Stream<Item = Topic> + Send {
    futures::stream::unfold(receiver, |mut receiver| async move {
        loop {
            match receiver.recv().await {
                Ok(topic) => return Some((topic, receiver)),
                Err(broadcast::error::RecvError::Lagged(_)) => continue,
                Err(broadcast::error::RecvError::Closed) => return None,
            }
        }
    })
}

#[Subscription]
impl Subscription {
    /// The activity's counts and status whenever they change (registrations, waitlist,
    /// publication, cancellation): for whoever may see the activity.
    async fn activity_changed(
        &self,
        ctx: &Context<'_>,
        id: ID,
    ) -> async_graphql::Result<impl Stream<Item = async_graphql::Result<ActivityCounts>> + use<>>
    {
        let id = parse_id(&id, "id")?;
        let state = ctx.state().clone();
        let viewer = ctx.viewer().clone();
        if crate::domain::activities::service::get(&state, &viewer, id)
            .await?
            .is_none()
        {
            return Err(AppError::not_found(Thing::Activity).into());
        }
        let expiry = *ctx.data_unchecked::<TokenExpiry>();
        let changes = topic_stream(topics(ctx))
            .filter(move |topic| futures::future::ready(*topic == Topic::Activity(id)))
            .then(move |_| {
                let state = state.clone();
                let viewer = viewer.clone();
                async move {
                    let found = crate::domain::activities::service::get(&state, &viewer, id)
                        .await?
                        .ok_or(AppError::not_found(Thing::Activity))?;
                    Ok(ActivityCounts {
                        id: to_id(found.id),
                        status: found.status.into(),
                        registered_count: found.registered_count,
                        waitlist_count: found.waitlist_count,
                        capacity: found.capacity,
                        updated_at: local(found.updated_at),
                    })
                }
            });
        Ok(until_expiry(expiry, changes))
    }

    /// The signed-in user's new notifications as they are written (within two seconds).
    async fn my_notifications(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<impl Stream<Item = async_graphql::Result<Notification>> + use<>>
    {
        let user_id = ctx.viewer().require()?.id;
        let state = ctx.state().clone();
        let newest: Option<i32> = notification::Entity::find()
            .select_only()
            .column(notification::Column::Id)
            .filter(notification::Column::UserId.eq(user_id))
            .order_by_desc(notification::Column::Id)
            .into_tuple()
            .one(&state.db)
            .await
            .map_err(AppError::from)?;
        let expiry = *ctx.data_unchecked::<TokenExpiry>();
        // Told (any change may have written one) or every two seconds, whichever first.
        let wake = futures::stream::select(
            topic_stream(topics(ctx)).map(|_| ()),
            tokio_stream_interval(NOTIFICATIONS_RECHECK),
        );
        let last = std::sync::Arc::new(std::sync::atomic::AtomicI32::new(newest.unwrap_or(0)));
        // `then` runs one read at a time, so each notification is sent once.
        let fresh = wake
            .then(move |()| {
                let state = state.clone();
                let last = last.clone();
                async move {
                    let after = last.load(std::sync::atomic::Ordering::Relaxed);
                    let rows = notification::Entity::find()
                        .filter(notification::Column::UserId.eq(user_id))
                        .filter(notification::Column::Id.gt(after))
                        .order_by_asc(notification::Column::Id)
                        .limit(100)
                        .all(&state.db)
                        .await
                        .unwrap_or_default();
                    if let Some(newest) = rows.last() {
                        last.store(newest.id, std::sync::atomic::Ordering::Relaxed);
                    }
                    futures::stream::iter(rows)
                }
            })
            .flatten()
            .map(|row| Ok(Notification(row)));
        Ok(until_expiry(expiry, fresh))
    }

    /// Dashboard figures changed (a new registration, hours approved, an answer …): the
    /// instant of the change; the page refetches. The civilization office, organizers and
    /// admins.
    async fn dashboard_changed(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<
        impl Stream<Item = async_graphql::Result<DateTime<FixedOffset>>> + use<>,
    > {
        ctx.viewer().require_any(READERS)?;
        let expiry = *ctx.data_unchecked::<TokenExpiry>();
        let changes = topic_stream(topics(ctx))
            .filter(|topic| futures::future::ready(*topic == Topic::Dashboard))
            .map(|_| Ok(local(Utc::now())));
        Ok(until_expiry(expiry, changes))
    }
}

/// A tick every `every`, as a stream (the first after `every`).
fn tokio_stream_interval(every: Duration) -> impl Stream<Item = ()> + Send {
    futures::stream::unfold(
        tokio::time::interval_at(tokio::time::Instant::now() + every, every),
        |mut interval| async move {
            interval.tick().await;
            Some(((), interval))
        },
    )
}
