//! Registration rules. Every read-then-write runs in a transaction that holds the activity:
//! a row lock on PostgreSQL, the write lock (BEGIN IMMEDIATE) on SQLite. Together with the
//! unique index on live registrations, REGISTERED never exceeds capacity and no
//! registration is lost or doubled, however many requests race.

use chrono::Utc;
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DatabaseTransaction,
    EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, Set, SqliteTransactionMode,
    TransactionOptions, TransactionTrait,
};

use entity::enums::{ActivityStatus, RegistrationStatus, Role};
use entity::{activity, registration, volunteer};

use crate::auth::Viewer;
use crate::context::AppState;
use crate::domain::activities::service::lead_department_ids;
use crate::error::{AppError, AppResult};
use crate::graphql::pagination::Page;

use super::types::{Registration, RegistrationConnection};

/// A transaction that will write: on SQLite it takes the write lock at once, so two
/// transactions never both read and then deadlock on upgrading to write.
pub async fn begin_write(db: &DatabaseConnection) -> AppResult<DatabaseTransaction> {
    Ok(db
        .begin_with_options(TransactionOptions {
            isolation_level: None,
            access_mode: None,
            sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
        })
        .await?)
}

/// Reads the activity and holds it until the transaction ends.
pub async fn lock_activity(txn: &DatabaseTransaction, id: i32) -> AppResult<activity::Model> {
    activity::Entity::find_by_id(id)
        .lock_exclusive()
        .one(txn)
        .await?
        .ok_or(AppError::NotFound("activity"))
}

pub async fn volunteer_of_user<C: ConnectionTrait>(
    db: &C,
    user_id: i32,
) -> AppResult<Option<volunteer::Model>> {
    Ok(volunteer::Entity::find()
        .filter(volunteer::Column::UserId.eq(user_id))
        .one(db)
        .await?)
}

async fn require_volunteer<C: ConnectionTrait>(
    db: &C,
    viewer: &Viewer,
) -> AppResult<volunteer::Model> {
    let user = viewer.require()?;
    volunteer_of_user(db, user.id)
        .await?
        .ok_or_else(|| AppError::forbidden("enroll as a volunteer first"))
}

/// Open from publication (or registrationOpensAt) until startsAt (or registrationClosesAt).
pub fn registration_open(
    activity: &activity::Model,
    now: chrono::DateTime<Utc>,
) -> Result<(), String> {
    if activity.status != ActivityStatus::Published {
        return Err("registration is only open for published activities".into());
    }
    if let Some(opens) = activity.registration_opens_at.or(activity.published_at)
        && now < opens
    {
        return Err("registration has not opened yet".into());
    }
    if let Some(closes) = activity.registration_closes_at.or(activity.starts_at)
        && now >= closes
    {
        return Err("registration has closed".into());
    }
    Ok(())
}

async fn adjust_counts<C: ConnectionTrait>(
    db: &C,
    activity_id: i32,
    registered: i32,
    waitlisted: i32,
) -> AppResult<()> {
    activity::Entity::update_many()
        .col_expr(
            activity::Column::RegisteredCount,
            Expr::col(activity::Column::RegisteredCount).add(registered),
        )
        .col_expr(
            activity::Column::WaitlistCount,
            Expr::col(activity::Column::WaitlistCount).add(waitlisted),
        )
        .filter(activity::Column::Id.eq(activity_id))
        .exec(db)
        .await?;
    Ok(())
}

/// The signed-in user's volunteer id. A volunteer row is never deleted nor moved to
/// another user, so once found it is remembered by this instance.
async fn volunteer_id<C: ConnectionTrait>(
    state: &AppState,
    db: &C,
    viewer: &Viewer,
) -> AppResult<i32> {
    let user = viewer.require()?;
    if let Some(id) = state.volunteer_ids.get(&user.id) {
        return Ok(id);
    }
    let id = require_volunteer(db, viewer).await?.id;
    state.volunteer_ids.insert(user.id, id);
    Ok(id)
}

/// A new registration, with its activity as it is after it and, when waitlisted, its place.
pub struct Registered {
    pub registration: registration::Model,
    pub activity: activity::Model,
    pub waitlist_position: Option<i32>,
}

/// Three statements under the activity's lock: the lock, the insert (the unique index
/// `ux_registrations_live` refuses a second live registration: CONFLICT), the counters.
#[tracing::instrument(skip(state, viewer), err(Debug))]
pub async fn register(
    state: &AppState,
    viewer: &Viewer,
    activity_id: i32,
) -> AppResult<Registered> {
    let txn = begin_write(&state.db).await?;
    let volunteer_id = volunteer_id(state, &txn, viewer).await?;
    let mut activity = lock_activity(&txn, activity_id).await?;
    if activity.status == ActivityStatus::Draft {
        // Drafts are invisible to volunteers.
        return Err(AppError::NotFound("activity"));
    }
    registration_open(&activity, Utc::now()).map_err(AppError::RegistrationClosed)?;
    let has_place = activity
        .capacity
        .is_none_or(|capacity| activity.registered_count < capacity);
    let status = if has_place {
        RegistrationStatus::Registered
    } else {
        RegistrationStatus::Waitlisted
    };
    let now = Utc::now();
    let created = registration::ActiveModel {
        activity_id: Set(activity_id),
        volunteer_id: Set(volunteer_id),
        status: Set(status),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    let waitlist_position = if has_place {
        adjust_counts(&txn, activity_id, 1, 0).await?;
        activity.registered_count += 1;
        None
    } else {
        adjust_counts(&txn, activity_id, 0, 1).await?;
        activity.waitlist_count += 1;
        // The newest of the waitlist, which the lock keeps in arrival order.
        Some(activity.waitlist_count)
    };
    txn.commit().await?;
    state.dashboards_changed().await;
    Ok(Registered {
        registration: created,
        activity,
        waitlist_position,
    })
}

#[tracing::instrument(skip(state, viewer), err(Debug))]
pub async fn cancel(
    state: &AppState,
    viewer: &Viewer,
    registration_id: i32,
) -> AppResult<registration::Model> {
    let txn = begin_write(&state.db).await?;
    let volunteer = require_volunteer(&txn, viewer).await?;
    let found = registration::Entity::find_by_id(registration_id)
        .one(&txn)
        .await?
        .filter(|r| r.volunteer_id == volunteer.id)
        .ok_or(AppError::NotFound("registration"))?;
    lock_activity(&txn, found.activity_id).await?;
    // Re-read under the lock: a concurrent cancel may have won.
    let current = registration::Entity::find_by_id(registration_id)
        .one(&txn)
        .await?
        .ok_or(AppError::NotFound("registration"))?;
    let was = current.status;
    if was == RegistrationStatus::Cancelled {
        return Err(AppError::conflict("this registration is already cancelled"));
    }
    let mut model: registration::ActiveModel = current.into();
    model.status = Set(RegistrationStatus::Cancelled);
    model.updated_at = Set(Utc::now());
    let cancelled = model.update(&txn).await?;
    match was {
        RegistrationStatus::Registered => adjust_counts(&txn, found.activity_id, -1, 0).await?,
        _ => adjust_counts(&txn, found.activity_id, 0, -1).await?,
    }
    promote_waitlisted(&txn, found.activity_id).await?;
    txn.commit().await?;
    state.dashboards_changed().await;
    Ok(cancelled)
}

/// Moves the earliest waitlisted registrations into free places; the caller holds the
/// activity. Returns how many were promoted.
pub async fn promote_waitlisted(txn: &DatabaseTransaction, activity_id: i32) -> AppResult<u64> {
    let activity = lock_activity(txn, activity_id).await?;
    let free = match activity.capacity {
        None => activity.waitlist_count,
        Some(capacity) => std::cmp::min(
            capacity - activity.registered_count,
            activity.waitlist_count,
        ),
    };
    if free <= 0 {
        return Ok(0);
    }
    let promoted: Vec<i32> = registration::Entity::find()
        .select_only()
        .column(registration::Column::Id)
        .filter(registration::Column::ActivityId.eq(activity_id))
        .filter(registration::Column::Status.eq(RegistrationStatus::Waitlisted))
        .order_by_asc(registration::Column::Id)
        .limit(free as u64)
        .into_tuple()
        .all(txn)
        .await?;
    if promoted.is_empty() {
        return Ok(0);
    }
    let count = promoted.len() as i32;
    registration::Entity::update_many()
        .col_expr(
            registration::Column::Status,
            Expr::value(RegistrationStatus::Registered),
        )
        .col_expr(registration::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(registration::Column::Id.is_in(promoted))
        .exec(txn)
        .await?;
    adjust_counts(txn, activity_id, count, -count).await?;
    Ok(count as u64)
}

/// Organizers of a lead department and admins: the roster, in arrival order.
pub async fn roster(
    state: &AppState,
    viewer: &Viewer,
    activity: &activity::Model,
    status: Option<RegistrationStatus>,
    page: Page,
) -> AppResult<RegistrationConnection> {
    let user = viewer.require_any(&[Role::Organizer, Role::Admin])?;
    if !user.may_manage_any(&lead_department_ids(&state.db, activity.id).await?) {
        return Err(AppError::forbidden(
            "only organizers of a lead department see the roster",
        ));
    }
    let mut query =
        registration::Entity::find().filter(registration::Column::ActivityId.eq(activity.id));
    if let Some(status) = status {
        query = query.filter(registration::Column::Status.eq(status));
    }
    page_of(&state.db, query, page).await
}

pub async fn of_volunteer(
    db: &DatabaseConnection,
    volunteer_id: i32,
    status: Option<RegistrationStatus>,
    page: Page,
) -> AppResult<RegistrationConnection> {
    let mut query =
        registration::Entity::find().filter(registration::Column::VolunteerId.eq(volunteer_id));
    if let Some(status) = status {
        query = query.filter(registration::Column::Status.eq(status));
    }
    page_of(db, query, page).await
}

async fn page_of(
    db: &DatabaseConnection,
    query: sea_orm::Select<registration::Entity>,
    page: Page,
) -> AppResult<RegistrationConnection> {
    let total = query.clone().count(db).await?;
    let rows = query
        .order_by_asc(registration::Column::Id)
        .offset(page.offset)
        .limit(page.fetch_limit())
        .all(db)
        .await?;
    Ok(RegistrationConnection::new(
        rows.into_iter().map(Registration).collect(),
        page,
        total,
    ))
}
