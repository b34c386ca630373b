//! Registration rules. Every read-then-write runs in a transaction that holds the activity:
//! a row lock on PostgreSQL, the write lock (BEGIN IMMEDIATE) on SQLite. Together with the
//! unique index on live registrations, REGISTERED never exceeds capacity and no
//! registration is lost or doubled, however many requests race.

use chrono::Utc;
use futures::FutureExt;
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DatabaseTransaction,
    DbBackend, EntityTrait, FromQueryResult, QueryFilter, QueryOrder, QuerySelect, Set, Statement,
};

use entity::enums::{ActivityStatus, NotificationKind, RegistrationStatus, Role};
use entity::{activity, registration, volunteer};

use crate::auth::Viewer;
use crate::context::AppState;
use crate::db::{begin_write, lock_activity, placeholder, sql_value};
use crate::domain::access::lead_department_ids;
use crate::domain::access::{RecordScope, activities_of_department};
use crate::domain::notifications;
use crate::domain::page::{self, KeyKind, Order, PageRequest as Page};
use crate::error::{AppError, AppResult, Reason, Thing};

/// A page of registrations, in arrival order.
pub type Registrations = crate::domain::page::Page<registration::Model>;

/// A page of registrations, each with its activity read in the same statement.
pub type RegistrationsWithActivity =
    crate::domain::page::Page<(registration::Model, Option<activity::Model>)>;

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
        .ok_or_else(|| AppError::of(Reason::VolunteerRequired))
}

/// Which part of [`super::rules::open_sql`] an activity fails at `now`: said when a
/// registration was refused.
pub fn registration_open(
    activity: &activity::Model,
    now: chrono::DateTime<Utc>,
) -> Result<(), Reason> {
    if activity.status != ActivityStatus::Published {
        return Err(Reason::RegistrationUnpublished);
    }
    if let Some(opens) = activity.registration_opens_at.or(activity.published_at)
        && now < opens
    {
        return Err(Reason::RegistrationNotOpen);
    }
    if let Some(closes) = activity.registration_closes_at.or(activity.starts_at)
        && now >= closes
    {
        return Err(Reason::RegistrationClosed);
    }
    Ok(())
}

/// Moves the activity's counters and returns it as it is after.
async fn adjust_counts<C: ConnectionTrait>(
    db: &C,
    activity_id: i32,
    registered: i32,
    waitlisted: i32,
) -> AppResult<activity::Model> {
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
        .exec_with_returning(db)
        .await?
        .pop()
        .ok_or(AppError::not_found(Thing::Activity))
}

/// The signed-in user's volunteer id. A volunteer row is never deleted nor moved to
/// another user, so once found it is remembered by this instance.
async fn volunteer_id<C: ConnectionTrait>(
    state: &AppState,
    db: &C,
    viewer: &Viewer,
) -> AppResult<i32> {
    let user = viewer.require()?;
    if let Some(id) = state.volunteer_ids.get(user.id) {
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

/// The insert reads the activity under its lock (`FOR UPDATE` on PostgreSQL; SQLite's
/// write lock is already held), checks it is open for registration and decides
/// REGISTERED or WAITLISTED from its counters; the unique index `ux_registrations_live`
/// refuses a second live registration (CONFLICT); the counters' update returns the
/// activity for the answer. When nothing was inserted, the activity is read again to say
/// why.
///
/// On PostgreSQL the three are one statement (the insert and the update as data-modifying
/// `WITH` parts), atomic without `BEGIN` and `COMMIT`: one round trip instead of four.
/// Two requests for one activity still queue on its row lock, and the second decides from
/// the counters the first committed (READ COMMITTED re-reads a locked row when it is
/// released; the update follows it the same way). On SQLite (no data-modifying `WITH`) they
/// are two statements, run with other registrations and answers in one of the writer's
/// transactions ([`crate::db::GroupCommit`]: one commit, one sync to disk, for all of them).
#[tracing::instrument(skip(state, viewer), err(level = "info", Debug))]
pub async fn register(
    state: &AppState,
    viewer: &Viewer,
    activity_id: i32,
) -> AppResult<Registered> {
    let now = Utc::now();
    let registered = match state.db.get_database_backend() {
        DbBackend::Postgres => {
            let volunteer_id = volunteer_id(state, &state.db, viewer).await?;
            register_in_one_statement(&state.db, activity_id, volunteer_id, now).await?
        }
        _ => {
            let volunteer_id = volunteer_id(state, &state.db, viewer).await?;
            let write = in_transaction(activity_id, volunteer_id, now);
            match &state.group_commit {
                Some(queue) => queue.write(write).await?,
                None => {
                    let txn = begin_write(&state.writer).await?;
                    let registered = write(&txn).await?;
                    txn.commit().await?;
                    registered
                }
            }
        }
    };
    let Some((registration, activity)) = registered else {
        let activity = activity::Entity::find_by_id(activity_id)
            .one(&state.db)
            .await?
            .filter(|a| a.status != ActivityStatus::Draft)
            // Drafts are invisible to volunteers.
            .ok_or(AppError::not_found(Thing::Activity))?;
        return Err(AppError::of(
            registration_open(&activity, now)
                .err()
                .unwrap_or(Reason::RegistrationClosed),
        ));
    };
    state.dashboards_changed().await;
    state.activity_changed(activity_id).await;
    let has_place = registration.status == RegistrationStatus::Registered;
    Ok(Registered {
        // The newest of the waitlist: the lock keeps it in arrival order.
        waitlist_position: (!has_place).then_some(activity.waitlist_count),
        registration,
        activity,
    })
}

/// SQLite: the registration as a write for the writer's transaction.
fn in_transaction(
    activity_id: i32,
    volunteer_id: i32,
    now: chrono::DateTime<Utc>,
) -> impl for<'t> FnOnce(
    &'t DatabaseTransaction,
) -> futures::future::BoxFuture<
    't,
    AppResult<Option<(registration::Model, activity::Model)>>,
> + Send
+ 'static {
    move |txn| register_in_transaction(txn, activity_id, volunteer_id, now).boxed()
}

/// The insert as `SELECT … FROM activities` (values: the activity, the volunteer, the
/// time): nothing when the activity is missing or not open then. On PostgreSQL the
/// activity's row is locked (`FOR UPDATE`); SQLite's write lock already holds it.
fn insert_sql(backend: DbBackend) -> String {
    let [activity, volunteer, at] = [1, 2, 3].map(|n| placeholder(backend, n));
    let lock = match backend {
        DbBackend::Postgres => " FOR UPDATE OF a",
        _ => "",
    };
    format!(
        "INSERT INTO registrations (activity_id, volunteer_id, status, created_at, updated_at) \
         SELECT a.id, {volunteer}, CASE WHEN a.capacity IS NULL OR a.registered_count < a.capacity \
           THEN {registered} ELSE {waitlisted} END, {at}, {at} \
         FROM activities a WHERE a.id = {activity} AND {open}{lock} \
         RETURNING id, activity_id, volunteer_id, status, created_at, updated_at",
        registered = sql_value(RegistrationStatus::Registered),
        waitlisted = sql_value(RegistrationStatus::Waitlisted),
        open = super::rules::open_sql("a", &at),
    )
}

/// PostgreSQL: the insert and the counters' update in one statement, see [`register`].
async fn register_in_one_statement(
    db: &DatabaseConnection,
    activity_id: i32,
    volunteer_id: i32,
    now: chrono::DateTime<Utc>,
) -> AppResult<Option<(registration::Model, activity::Model)>> {
    let registered = sql_value(RegistrationStatus::Registered);
    let sql = format!(
        "WITH ins AS ({insert}), \
         upd AS (UPDATE activities SET \
           registered_count = registered_count + CASE WHEN ins.status = {registered} THEN 1 ELSE 0 END, \
           waitlist_count = waitlist_count + CASE WHEN ins.status = {registered} THEN 0 ELSE 1 END \
           FROM ins WHERE activities.id = ins.activity_id RETURNING activities.*) \
         SELECT ins.id AS r_id, ins.activity_id AS r_activity_id, ins.volunteer_id AS r_volunteer_id, \
           ins.status AS r_status, ins.created_at AS r_created_at, ins.updated_at AS r_updated_at, upd.* \
         FROM ins JOIN upd ON upd.id = ins.activity_id",
        insert = insert_sql(DbBackend::Postgres),
    );
    let row = db
        .query_one_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            sql,
            [activity_id.into(), volunteer_id.into(), now.into()],
        ))
        .await?;
    let Some(row) = row else { return Ok(None) };
    Ok(Some((
        registration::Model::from_query_result(&row, "r_")?,
        activity::Model::from_query_result(&row, "")?,
    )))
}

/// SQLite: the insert and the counters' update in the writer's transaction, see
/// [`register`].
async fn register_in_transaction(
    txn: &DatabaseTransaction,
    activity_id: i32,
    volunteer_id: i32,
    now: chrono::DateTime<Utc>,
) -> AppResult<Option<(registration::Model, activity::Model)>> {
    let inserted = registration::Model::find_by_statement(Statement::from_sql_and_values(
        txn.get_database_backend(),
        insert_sql(txn.get_database_backend()),
        [activity_id.into(), volunteer_id.into(), now.into()],
    ))
    .one(txn)
    .await?;
    let Some(created) = inserted else {
        return Ok(None);
    };
    let (registered, waitlisted) = match created.status {
        RegistrationStatus::Registered => (1, 0),
        _ => (0, 1),
    };
    let activity = adjust_counts(txn, activity_id, registered, waitlisted).await?;
    Ok(Some((created, activity)))
}

#[tracing::instrument(skip(state, viewer), err(level = "info", Debug))]
pub async fn cancel(
    state: &AppState,
    viewer: &Viewer,
    registration_id: i32,
) -> AppResult<registration::Model> {
    let txn = begin_write(&state.writer).await?;
    let volunteer = require_volunteer(&txn, viewer).await?;
    let found = registration::Entity::find_by_id(registration_id)
        .one(&txn)
        .await?
        .filter(|r| r.volunteer_id == volunteer.id)
        .ok_or(AppError::not_found(Thing::Registration))?;
    lock_activity(&txn, found.activity_id).await?;
    // Re-read under the lock: a concurrent cancel may have won.
    let current = registration::Entity::find_by_id(registration_id)
        .one(&txn)
        .await?
        .ok_or(AppError::not_found(Thing::Registration))?;
    let was = current.status;
    if was == RegistrationStatus::Cancelled {
        return Err(AppError::of(Reason::RegistrationAlreadyCancelled));
    }
    // Over or called off: nothing to give up, and no waitlist to promote into it.
    let status = activity::Entity::find_by_id(found.activity_id)
        .select_only()
        .column(activity::Column::Status)
        .into_tuple::<ActivityStatus>()
        .one(&txn)
        .await?;
    if matches!(
        status,
        Some(ActivityStatus::Completed | ActivityStatus::Cancelled)
    ) {
        return Err(AppError::of(Reason::RegistrationNotCancellable));
    }
    let mut model: registration::ActiveModel = current.into();
    model.status = Set(RegistrationStatus::Cancelled);
    model.updated_at = Set(Utc::now());
    let cancelled = model.update(&txn).await?;
    let (registered, waitlisted) = match was {
        RegistrationStatus::Registered => (-1, 0),
        _ => (0, -1),
    };
    adjust_counts(&txn, found.activity_id, registered, waitlisted).await?;
    promote_waitlisted(&txn, found.activity_id).await?;
    txn.commit().await?;
    state.dashboards_changed().await;
    state.activity_changed(found.activity_id).await;
    Ok(cancelled)
}

/// Cancels every live registration (REGISTERED and WAITLISTED) of an activity being
/// cancelled; the caller holds the activity. The reason is the activity's `cancelReason`,
/// which every registration shows through its activity. Returns how many were cancelled.
pub async fn cancel_all(
    txn: &DatabaseTransaction,
    activity: &activity::Model,
    reason: &str,
) -> AppResult<u64> {
    let activity_id = activity.id;
    let now = Utc::now();
    // Told in the same transaction: everyone registered or waiting.
    let live = volunteers_of(txn, activity_id, &LIVE).await?;
    if !live.is_empty() {
        let users = notifications::users_of_volunteers(txn, &live).await?;
        let event = notifications::Event::new(
            NotificationKind::ActivityCancelled,
            format!("activity-cancelled:{activity_id}"),
            "活动已取消",
            format!(
                "您报名的「{}」已取消，报名随之取消。原因：{reason}",
                activity.title
            ),
        )
        .about_activity(activity_id);
        notifications::notify(txn, &users, &event).await?;
    }
    let cancelled = registration::Entity::update_many()
        .col_expr(
            registration::Column::Status,
            Expr::value(RegistrationStatus::Cancelled),
        )
        .col_expr(registration::Column::UpdatedAt, Expr::value(now))
        .filter(registration::Column::ActivityId.eq(activity_id))
        .filter(registration::Column::Status.is_in([
            RegistrationStatus::Registered,
            RegistrationStatus::Waitlisted,
        ]))
        .exec(txn)
        .await?
        .rows_affected;
    activity::Entity::update_many()
        .col_expr(activity::Column::RegisteredCount, Expr::value(0))
        .col_expr(activity::Column::WaitlistCount, Expr::value(0))
        .filter(activity::Column::Id.eq(activity_id))
        .exec(txn)
        .await?;
    Ok(cancelled)
}

/// The statuses of a registration that still holds (or waits for) a place.
pub const LIVE: [RegistrationStatus; 2] = [
    RegistrationStatus::Registered,
    RegistrationStatus::Waitlisted,
];

/// The volunteers whose registration for the activity has one of `statuses`: who is told
/// of what happens to it.
pub async fn volunteers_of<C: ConnectionTrait>(
    db: &C,
    activity_id: i32,
    statuses: &[RegistrationStatus],
) -> Result<Vec<i32>, sea_orm::DbErr> {
    registration::Entity::find()
        .select_only()
        .column(registration::Column::VolunteerId)
        .filter(registration::Column::ActivityId.eq(activity_id))
        .filter(registration::Column::Status.is_in(statuses.iter().copied()))
        .into_tuple()
        .all(db)
        .await
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
    let promoted_volunteers: Vec<(i32, i32)> = registration::Entity::find()
        .select_only()
        .column(registration::Column::Id)
        .column(registration::Column::VolunteerId)
        .filter(registration::Column::Id.is_in(promoted.clone()))
        .into_tuple()
        .all(txn)
        .await?;
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
    // Each promotion told once, in the transaction that made it.
    let volunteer_ids: Vec<i32> = promoted_volunteers.iter().map(|(_, v)| *v).collect();
    let accounts = notifications::accounts_of_volunteers(txn, &volunteer_ids).await?;
    for (registration_id, volunteer_id) in promoted_volunteers {
        let users: Vec<i32> = accounts.get(&volunteer_id).copied().into_iter().collect();
        let event = notifications::Event::new(
            NotificationKind::WaitlistPromoted,
            format!("promoted:{registration_id}"),
            "候补成功",
            format!(
                "「{}」有名额空出，您已从候补转为正式报名，请准时参加。",
                activity.title
            ),
        )
        .about_activity(activity_id);
        notifications::notify(txn, &users, &event).await?;
    }
    Ok(count as u64)
}

/// Organizers of a lead department and admins: the roster, in arrival order.
pub async fn roster(
    state: &AppState,
    viewer: &Viewer,
    activity: &activity::Model,
    status: Option<RegistrationStatus>,
    page: Page,
) -> AppResult<Registrations> {
    let user = viewer.require_any(&[Role::Organizer, Role::Admin])?;
    if !user.may_manage_any(&lead_department_ids(&state.db, activity.id).await?) {
        return Err(AppError::of(Reason::NotOwnDepartment));
    }
    let mut query =
        registration::Entity::find().filter(registration::Column::ActivityId.eq(activity.id));
    if let Some(status) = status {
        query = query.filter(registration::Column::Status.eq(status));
    }
    page_of(&state.db, query, page).await
}

/// A volunteer's registrations, within the reader's scope.
pub async fn of_volunteer(
    db: &DatabaseConnection,
    volunteer_id: i32,
    scope: RecordScope,
    status: Option<RegistrationStatus>,
    page: Page,
) -> AppResult<RegistrationsWithActivity> {
    let mut query =
        registration::Entity::find().filter(registration::Column::VolunteerId.eq(volunteer_id));
    if let RecordScope::Department(id) = scope {
        query = query
            .filter(registration::Column::ActivityId.in_subquery(activities_of_department(id)));
    }
    if let Some(status) = status {
        query = query.filter(registration::Column::Status.eq(status));
    }
    // The volunteer's list shows each activity: joined, not a second round trip.
    page::fetch_also(db, query, activity::Entity, &order(), &page, |r| {
        vec![r.id.into()]
    })
    .await
}

/// In arrival order.
fn order() -> Order {
    Order::new().asc(registration::Column::Id, KeyKind::Int)
}

async fn page_of(
    db: &DatabaseConnection,
    query: sea_orm::Select<registration::Entity>,
    page: Page,
) -> AppResult<Registrations> {
    page::fetch(db, query, &order(), &page, |r| vec![r.id.into()]).await
}
