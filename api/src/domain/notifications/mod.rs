//! Telling people (issue 19). Every change that someone should hear about writes its
//! notifications in the same transaction as the change (an outbox: nothing is told that
//! did not happen, nothing that happened is lost), one row per user and event, unique by
//! the event's stable key, so an event reported twice (a retried job, two instances) is
//! told once. Work that is due at a time (reminders, deadlines) goes through the
//! [`scheduler`].
//!
//! Delivery today is in-app (`me.notifications`); the row is also what a push channel
//! (WeChat subscribe messages) will read.

pub mod resolver;
pub mod scheduler;
pub mod service;
pub mod types;
pub mod wechat;

use chrono::Utc;
use sea_orm::sea_query::{LikeExpr, OnConflict};
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QuerySelect, Set};

use entity::enums::NotificationKind;
use entity::{notification, notification_mute, user, volunteer};

/// One event, as every user concerned is told it.
#[derive(Debug, Clone)]
pub struct Event {
    pub kind: NotificationKind,
    /// Stable across retries: `promoted:{registration}`, `reminder:{activity}:{start}` …
    pub key: String,
    pub title: String,
    pub body: String,
    pub activity_id: Option<i32>,
    pub rectification_id: Option<i32>,
    pub service_record_id: Option<i32>,
}

impl Event {
    pub fn new(
        kind: NotificationKind,
        key: String,
        title: impl Into<String>,
        body: String,
    ) -> Self {
        Event {
            kind,
            key,
            title: title.into(),
            body,
            activity_id: None,
            rectification_id: None,
            service_record_id: None,
        }
    }

    pub fn about_activity(mut self, id: i32) -> Self {
        self.activity_id = Some(id);
        self
    }

    pub fn about_rectification(mut self, id: i32) -> Self {
        self.rectification_id = Some(id);
        self
    }

    pub fn about_record(mut self, id: i32) -> Self {
        self.service_record_id = Some(id);
        self
    }
}

/// Writes `event` for each of `user_ids` that has not muted its kind, in the caller's
/// transaction. A user who already has the event's key is skipped by the unique index
/// (`ON CONFLICT DO NOTHING`), so retries and races add nothing. Returns how many were
/// written.
pub async fn notify<C: ConnectionTrait>(
    db: &C,
    user_ids: &[i32],
    event: &Event,
) -> Result<u64, DbErr> {
    let mut users: Vec<i32> = user_ids.to_vec();
    users.sort_unstable();
    users.dedup();
    if users.is_empty() {
        return Ok(0);
    }
    let muted: Vec<i32> = notification_mute::Entity::find()
        .select_only()
        .column(notification_mute::Column::UserId)
        .filter(notification_mute::Column::Kind.eq(event.kind))
        .filter(notification_mute::Column::UserId.is_in(users.clone()))
        .into_tuple()
        .all(db)
        .await?;
    users.retain(|id| !muted.contains(id));
    if users.is_empty() {
        return Ok(0);
    }
    let now = Utc::now();
    let rows = users.iter().map(|user_id| notification::ActiveModel {
        user_id: Set(*user_id),
        kind: Set(event.kind),
        event_key: Set(event.key.clone()),
        title: Set(event.title.clone()),
        body: Set(event.body.clone()),
        activity_id: Set(event.activity_id),
        rectification_id: Set(event.rectification_id),
        service_record_id: Set(event.service_record_id),
        created_at: Set(now),
        read_at: Set(None),
        ..Default::default()
    });
    let written = notification::Entity::insert_many(rows)
        .on_conflict(
            OnConflict::columns([notification::Column::UserId, notification::Column::EventKey])
                .do_nothing()
                .to_owned(),
        )
        .exec_without_returning(db)
        .await?;
    metrics::counter!("tongxin_notifications_total", "kind" => kind_label(event.kind))
        .increment(written);
    wechat::queue(db, &users, event).await?;
    Ok(written)
}

pub(crate) fn kind_label(kind: NotificationKind) -> &'static str {
    match kind {
        NotificationKind::WaitlistPromoted => "waitlist_promoted",
        NotificationKind::ActivityCancelled => "activity_cancelled",
        NotificationKind::ActivityChanged => "activity_changed",
        NotificationKind::ActivityReminder => "activity_reminder",
        NotificationKind::HoursApproved => "hours_approved",
        NotificationKind::HoursRejected => "hours_rejected",
        NotificationKind::HoursCorrected => "hours_corrected",
        NotificationKind::RectificationAssigned => "rectification_assigned",
        NotificationKind::RectificationDueSoon => "rectification_due_soon",
        NotificationKind::RectificationOverdue => "rectification_overdue",
        NotificationKind::ProofIssued => "proof_issued",
    }
}

/// What a claiming statement works on: a table of due work with a state, a due time and a
/// lease (`locked_until`), like `jobs` and `notification_deliveries`.
pub(crate) struct DueTable {
    pub table: &'static str,
    pub due_column: &'static str,
    /// The state values, as SQL literals.
    pub pending: String,
    pub running: String,
    /// The columns the claimed rows return.
    pub returning: &'static str,
}

/// Claims up to `limit` rows of `table` due at `now` (and those whose lease ended), marking
/// them running with a lease until `lease_until`, in one statement. On PostgreSQL the
/// choosing subquery takes the rows `FOR UPDATE SKIP LOCKED`, so two instances never claim
/// the same row and neither waits; on SQLite the statement runs under the single write lock.
pub(crate) fn claim_statement(
    backend: sea_orm::DbBackend,
    due: &DueTable,
    now: chrono::DateTime<Utc>,
    lease_until: chrono::DateTime<Utc>,
    limit: i64,
) -> sea_orm::Statement {
    let DueTable {
        table,
        due_column,
        pending,
        running,
        returning,
    } = due;
    let ([lease, at, batch], lock) = match backend {
        sea_orm::DbBackend::Postgres => (["$1", "$2", "$3"], " FOR UPDATE SKIP LOCKED"),
        // Numbered: the time is compared twice.
        _ => (["?1", "?2", "?3"], ""),
    };
    let sql = format!(
        "UPDATE {table} SET state = {running}, locked_until = {lease}, attempts = attempts + 1 \
         WHERE id IN (SELECT id FROM {table} \
           WHERE (state = {pending} AND {due_column} <= {at}) \
              OR (state = {running} AND locked_until < {at}) \
           ORDER BY {due_column} LIMIT {batch}{lock}) \
         RETURNING {returning}"
    );
    sea_orm::Statement::from_sql_and_values(
        backend,
        sql,
        [lease_until.into(), now.into(), limit.into()],
    )
}

/// The accounts of these volunteers.
pub async fn users_of_volunteers<C: ConnectionTrait>(
    db: &C,
    volunteer_ids: &[i32],
) -> Result<Vec<i32>, DbErr> {
    if volunteer_ids.is_empty() {
        return Ok(Vec::new());
    }
    volunteer::Entity::find()
        .select_only()
        .column(volunteer::Column::UserId)
        .filter(volunteer::Column::Id.is_in(volunteer_ids.iter().copied()))
        .into_tuple()
        .all(db)
        .await
}

/// The account of each of these volunteers, by volunteer: one statement.
pub async fn accounts_of_volunteers<C: ConnectionTrait>(
    db: &C,
    volunteer_ids: &[i32],
) -> Result<std::collections::HashMap<i32, i32>, DbErr> {
    if volunteer_ids.is_empty() {
        return Ok(Default::default());
    }
    let pairs: Vec<(i32, i32)> = volunteer::Entity::find()
        .select_only()
        .column(volunteer::Column::Id)
        .column(volunteer::Column::UserId)
        .filter(volunteer::Column::Id.is_in(volunteer_ids.iter().copied()))
        .into_tuple()
        .all(db)
        .await?;
    Ok(pairs.into_iter().collect())
}

/// The organizers of a department: who hears about its rectifications.
pub async fn organizers_of<C: ConnectionTrait>(
    db: &C,
    department_id: i32,
) -> Result<Vec<i32>, DbErr> {
    let candidates: Vec<(i32, String)> = user::Entity::find()
        .select_only()
        .column(user::Column::Id)
        .column(user::Column::Roles)
        .filter(user::Column::DepartmentId.eq(department_id))
        .filter(user::Column::Roles.like(LikeExpr::new("%ORGANIZER%")))
        .into_tuple()
        .all(db)
        .await?;
    // The LIKE narrows; the parsed list decides.
    Ok(candidates
        .into_iter()
        .filter(|(_, roles)| {
            entity::enums::Role::parse_list(roles).contains(&entity::enums::Role::Organizer)
        })
        .map(|(id, _)| id)
        .collect())
}
