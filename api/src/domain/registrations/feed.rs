//! A volunteer's registered activities as an iCalendar feed (RFC 5545), so that phones
//! subscribe and show them. The feed lives at a secret URL (`/calendar/{user}/{token}.ics`,
//! no token header: calendar apps cannot send one); the token is a keyed hash of the user
//! and a random nonce, so the URL can be shown again, and rotating the nonce retires the
//! old URL at once.

use std::collections::HashMap;

use chrono::Utc;
use icalendar::{Calendar, Component, Event, EventLike, EventStatus};
use rand::RngCore;
use sea_orm::sea_query::OnConflict;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set};

use entity::enums::{ActivityStatus, RegistrationStatus};
use entity::{activity, activity_location, calendar_feed, registration};

use crate::auth::Viewer;
use crate::context::AppState;
use crate::domain::registrations::service::volunteer_of_user;
use crate::error::{AppError, AppResult, Reason, Thing};

/// Events in one feed at most: the latest activities first.
pub const MAX_EVENTS: u64 = 500;

fn token(state: &AppState, user_id: i32, nonce: &str) -> String {
    state
        .secrets
        .keyed_hash("calendar-feed", &format!("{user_id}:{nonce}"))[..32]
        .to_owned()
}

fn path_of(state: &AppState, feed: &calendar_feed::Model) -> String {
    format!(
        "/calendar/{}/{}.ics",
        feed.user_id,
        token(state, feed.user_id, &feed.nonce)
    )
}

/// The signed-in volunteer's feed path, made or replaced with a new secret.
#[tracing::instrument(skip(state, viewer), err(level = "info", Debug))]
pub async fn rotate(state: &AppState, viewer: &Viewer) -> AppResult<String> {
    let user = viewer.require()?;
    volunteer_of_user(&state.db, user.id)
        .await?
        .ok_or_else(|| AppError::of(Reason::VolunteerRequired))?;
    let mut bytes = [0u8; 16];
    rand::rng().fill_bytes(&mut bytes);
    let feed = calendar_feed::ActiveModel {
        user_id: Set(user.id),
        nonce: Set(hex::encode(bytes)),
        rotated_at: Set(Utc::now()),
    };
    calendar_feed::Entity::insert(feed)
        .on_conflict(
            OnConflict::column(calendar_feed::Column::UserId)
                .update_columns([
                    calendar_feed::Column::Nonce,
                    calendar_feed::Column::RotatedAt,
                ])
                .to_owned(),
        )
        .exec(&state.db)
        .await?;
    let feed = calendar_feed::Entity::find_by_id(user.id)
        .one(&state.db)
        .await?
        .ok_or(AppError::not_found(Thing::Feed))?;
    Ok(path_of(state, &feed))
}

/// The feed path of a user, if they made one.
pub async fn path(state: &AppState, user_id: i32) -> AppResult<Option<String>> {
    Ok(calendar_feed::Entity::find_by_id(user_id)
        .one(&state.db)
        .await?
        .map(|feed| path_of(state, &feed)))
}

/// The feed's text, for whoever holds the URL; any other token is NOT_FOUND (128 bits:
/// nothing to count).
pub async fn ics(state: &AppState, user_id: i32, given: &str) -> AppResult<String> {
    let not_found = || AppError::not_found(Thing::Feed);
    let feed = calendar_feed::Entity::find_by_id(user_id)
        .one(&state.db)
        .await?
        .ok_or_else(not_found)?;
    if given.len() != 32 || token(state, user_id, &feed.nonce) != given {
        return Err(not_found());
    }
    let volunteer = volunteer_of_user(&state.db, user_id)
        .await?
        .ok_or_else(not_found)?;
    let activity_ids: Vec<i32> = registration::Entity::find()
        .select_only()
        .column(registration::Column::ActivityId)
        .filter(registration::Column::VolunteerId.eq(volunteer.id))
        .filter(registration::Column::Status.eq(RegistrationStatus::Registered))
        .into_tuple()
        .all(&state.db)
        .await?;
    let activities = activity::Entity::find()
        .filter(activity::Column::Id.is_in(activity_ids))
        .filter(activity::Column::StartsAt.is_not_null())
        .filter(activity::Column::Status.ne(ActivityStatus::Draft))
        .order_by_desc(activity::Column::StartsAt)
        .limit(MAX_EVENTS)
        .all(&state.db)
        .await?;
    let mut places: HashMap<i32, Vec<String>> = HashMap::new();
    for location in activity_location::Entity::find()
        .filter(activity_location::Column::ActivityId.is_in(activities.iter().map(|a| a.id)))
        .order_by_asc(activity_location::Column::Position)
        .all(&state.db)
        .await?
    {
        places
            .entry(location.activity_id)
            .or_default()
            .push(location.name);
    }
    let mut calendar = Calendar::new();
    calendar.name("同心志愿服务");
    for activity in &activities {
        let Some(starts) = activity.starts_at else {
            continue;
        };
        let mut event = Event::new();
        event
            .uid(&format!("activity-{}@tongxin", activity.id))
            .summary(&activity.title)
            .starts(starts)
            .ends(activity.ends_at.unwrap_or(starts))
            .timestamp(activity.updated_at)
            .description(&activity.content_items.0.join("\n"))
            .status(if activity.status == ActivityStatus::Cancelled {
                EventStatus::Cancelled
            } else {
                EventStatus::Confirmed
            });
        if let Some(places) = places.get(&activity.id) {
            event.location(&places.join("、"));
        }
        calendar.push(event.done());
    }
    Ok(calendar.done().to_string())
}
