//! Work due at a time, run once across instances: the `jobs` table.
//!
//! Every instance ticks (`TONGXIN_SCHEDULER_SECS`, 30 s) and claims the due jobs in one
//! statement that marks them RUNNING with a lease: on PostgreSQL the claiming subquery
//! takes the rows `FOR UPDATE SKIP LOCKED`, so two instances never claim the same job and
//! neither waits for the other; on SQLite the statement runs under the database's single
//! write lock, which serializes the claims the same way. A job whose runner died is taken
//! over when its lease ends. Jobs live in the database, so one due while every instance
//! was down runs at the first tick after one comes back. A failed job is retried with a
//! doubling delay and kept as FAILED (the dead letter) after [`MAX_ATTEMPTS`].
//!
//! Our own rather than a crate: the job queues on crates.io (apalis, sqlxmq, …) bring their
//! own storage layers and connection handling beside sea-orm's, for what is one table and
//! two statements here.

use std::time::Duration;

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, FromQueryResult, QueryFilter, Set,
};

use entity::enums::{
    ActivityStatus, JobKind, JobState, NotificationKind, RectificationStatus, RegistrationStatus,
};
use entity::{activity, job, rectification};

use crate::context::AppState;
use crate::domain::calendar::local;

use super::{Event, notify, organizers_of, users_of_volunteers};

/// Attempts before a job is kept as FAILED.
pub const MAX_ATTEMPTS: i32 = 5;
/// How long a claimed job is its runner's before another instance may take it over.
const LEASE: chrono::Duration = chrono::Duration::minutes(5);
/// Jobs claimed per tick.
const BATCH: i64 = 50;

fn key_of(kind: JobKind, target_id: i32) -> String {
    let kind = match kind {
        JobKind::ActivityReminder => "activity-reminder",
        JobKind::RectificationDueSoon => "rectification-due-soon",
        JobKind::RectificationOverdue => "rectification-overdue",
    };
    format!("{kind}:{target_id}")
}

/// A pending job as scheduling writes it.
fn pending(kind: JobKind, target_id: i32, due_at: DateTime<Utc>) -> job::ActiveModel {
    job::ActiveModel {
        kind: Set(kind),
        key: Set(key_of(kind, target_id)),
        target_id: Set(target_id),
        due_at: Set(due_at),
        state: Set(JobState::Pending),
        attempts: Set(0),
        locked_until: Set(None),
        last_error: Set(None),
        created_at: Set(Utc::now()),
        done_at: Set(None),
        ..Default::default()
    }
}

/// Writes these jobs, or moves the ones already scheduled under their keys (a changed
/// start, a new deadline) and makes them pending again: one statement.
async fn upsert<C: ConnectionTrait>(
    db: &C,
    jobs: impl IntoIterator<Item = job::ActiveModel>,
) -> Result<(), DbErr> {
    job::Entity::insert_many(jobs)
        .on_conflict(
            OnConflict::column(job::Column::Key)
                .update_columns([
                    job::Column::DueAt,
                    job::Column::State,
                    job::Column::Attempts,
                    job::Column::LockedUntil,
                    job::Column::LastError,
                    job::Column::DoneAt,
                ])
                .to_owned(),
        )
        .exec_without_returning(db)
        .await?;
    Ok(())
}

/// Schedules `kind` for `target_id` at `due_at`, or moves the one already scheduled.
pub async fn schedule<C: ConnectionTrait>(
    db: &C,
    kind: JobKind,
    target_id: i32,
    due_at: DateTime<Utc>,
) -> Result<(), DbErr> {
    upsert(db, [pending(kind, target_id, due_at)]).await
}

/// Takes a job off the schedule (its activity was cancelled, its rectification closed).
pub async fn unschedule<C: ConnectionTrait>(
    db: &C,
    kind: JobKind,
    target_id: i32,
) -> Result<(), DbErr> {
    job::Entity::delete_many()
        .filter(job::Column::Key.eq(key_of(kind, target_id)))
        .filter(job::Column::State.ne(JobState::Running))
        .exec(db)
        .await?;
    Ok(())
}

/// The reminder of a published activity: 24 hours before it starts (at once when it
/// starts sooner).
pub async fn schedule_reminder<C: ConnectionTrait>(
    db: &C,
    activity: &activity::Model,
) -> Result<(), DbErr> {
    match (activity.status, activity.starts_at) {
        (ActivityStatus::Published, Some(starts_at)) if starts_at > Utc::now() => {
            schedule(
                db,
                JobKind::ActivityReminder,
                activity.id,
                starts_at - chrono::Duration::hours(24),
            )
            .await
        }
        _ => unschedule(db, JobKind::ActivityReminder, activity.id).await,
    }
}

/// The two deadline checks of an open rectification: at the start of its last working day
/// (the deadline is the end of a working day) and at the deadline itself.
pub async fn schedule_deadlines<C: ConnectionTrait>(
    db: &C,
    rectification_id: i32,
    due_at: DateTime<Utc>,
) -> Result<(), DbErr> {
    // Both in one statement: it runs on the survey submission path.
    upsert(
        db,
        [
            pending(
                JobKind::RectificationDueSoon,
                rectification_id,
                due_at - chrono::Duration::hours(24),
            ),
            pending(JobKind::RectificationOverdue, rectification_id, due_at),
        ],
    )
    .await
}

#[derive(Debug, FromQueryResult)]
struct Claimed {
    id: i32,
    kind: JobKind,
    target_id: i32,
    attempts: i32,
}

/// Claims the jobs due at `now` (and those whose runner's lease ended): one statement.
async fn claim<C: ConnectionTrait>(db: &C, now: DateTime<Utc>) -> Result<Vec<Claimed>, DbErr> {
    let jobs = super::DueTable {
        table: "jobs",
        due_column: "due_at",
        pending: crate::db::sql_value(JobState::Pending),
        running: crate::db::sql_value(JobState::Running),
        returning: "id, kind, target_id, attempts",
    };
    Claimed::find_by_statement(super::claim_statement(
        db.get_database_backend(),
        &jobs,
        now,
        now + LEASE,
        BATCH,
    ))
    .all(db)
    .await
}

/// Runs the jobs due at `now`; returns how many ran (done or failed). Any number of
/// instances may call it at once: each job runs on one of them.
pub async fn run_due(state: &AppState, now: DateTime<Utc>) -> Result<usize, DbErr> {
    let claimed = claim(&state.db, now).await?;
    for job in &claimed {
        let outcome = run(state, job, now).await;
        let label = match job.kind {
            JobKind::ActivityReminder => "activity_reminder",
            JobKind::RectificationDueSoon => "rectification_due_soon",
            JobKind::RectificationOverdue => "rectification_overdue",
        };
        let mut update = job::Entity::update_many()
            .col_expr(
                job::Column::LockedUntil,
                Expr::value(Option::<DateTime<Utc>>::None),
            )
            .filter(job::Column::Id.eq(job.id))
            .filter(job::Column::State.eq(JobState::Running));
        update = match &outcome {
            Ok(()) => {
                metrics::counter!("tongxin_jobs_total", "kind" => label, "outcome" => "done")
                    .increment(1);
                update
                    .col_expr(job::Column::State, Expr::value(JobState::Done))
                    .col_expr(job::Column::DoneAt, Expr::value(Some(Utc::now())))
            }
            Err(err) if job.attempts >= MAX_ATTEMPTS => {
                tracing::error!(job = job.id, error = %err, "job failed for good");
                metrics::counter!("tongxin_jobs_total", "kind" => label, "outcome" => "failed")
                    .increment(1);
                update
                    .col_expr(job::Column::State, Expr::value(JobState::Failed))
                    .col_expr(job::Column::LastError, Expr::value(Some(err.to_string())))
            }
            Err(err) => {
                tracing::warn!(job = job.id, attempts = job.attempts, error = %err, "job failed; retrying");
                metrics::counter!("tongxin_jobs_total", "kind" => label, "outcome" => "retry")
                    .increment(1);
                let delay = chrono::Duration::seconds(30 << job.attempts.clamp(0, 10));
                update
                    .col_expr(job::Column::State, Expr::value(JobState::Pending))
                    .col_expr(job::Column::DueAt, Expr::value(now + delay))
                    .col_expr(job::Column::LastError, Expr::value(Some(err.to_string())))
            }
        };
        update.exec(&state.db).await?;
    }
    Ok(claimed.len())
}

/// What one job does. Each writes notifications under keys that hold what they are about
/// (the start, the deadline), so running it again tells nobody twice.
async fn run(state: &AppState, job: &Claimed, now: DateTime<Utc>) -> Result<(), DbErr> {
    // A write transaction from the start: on SQLite a deferred one that read, then found
    // another writer (another instance's job) committed since, failed at its first write
    // without waiting (SQLITE_BUSY_SNAPSHOT), and the notification came 30 s late.
    let txn = crate::db::begin_write(&state.writer).await?;
    match job.kind {
        JobKind::ActivityReminder => {
            let Some(activity) = activity::Entity::find_by_id(job.target_id)
                .one(&txn)
                .await?
            else {
                return Ok(());
            };
            let Some(starts_at) = activity.starts_at else {
                return Ok(());
            };
            // Still ahead: a reminder due while every instance was down is sent late,
            // never after the start.
            if activity.status != ActivityStatus::Published || starts_at <= now {
                return Ok(());
            }
            let volunteers = crate::domain::registrations::service::volunteers_of(
                &txn,
                activity.id,
                &[RegistrationStatus::Registered],
            )
            .await?;
            let users = users_of_volunteers(&txn, &volunteers).await?;
            let event = Event::new(
                NotificationKind::ActivityReminder,
                format!("reminder:{}:{}", activity.id, starts_at.timestamp()),
                "活动提醒",
                format!(
                    "您报名的「{}」将于 {} 开始，请准时参加。",
                    activity.title,
                    local(starts_at).format("%m月%d日 %H:%M")
                ),
            )
            .about_activity(activity.id);
            notify(&txn, &users, &event).await?;
        }
        JobKind::RectificationDueSoon | JobKind::RectificationOverdue => {
            let Some(found) = rectification::Entity::find_by_id(job.target_id)
                .one(&txn)
                .await?
            else {
                return Ok(());
            };
            let open = matches!(
                found.status,
                RectificationStatus::Open | RectificationStatus::InProgress
            );
            let overdue = job.kind == JobKind::RectificationOverdue;
            if !open || (overdue && found.due_at > now) {
                return Ok(());
            }
            let Some(department_id) = found.department_id else {
                return Ok(());
            };
            let users = organizers_of(&txn, department_id).await?;
            let due = local(found.due_at - chrono::Duration::seconds(1)).format("%m月%d日");
            let event = if overdue {
                Event::new(
                    NotificationKind::RectificationOverdue,
                    format!(
                        "rectification-overdue:{}:{}",
                        found.id,
                        found.due_at.timestamp()
                    ),
                    "整改已超期",
                    format!("一项整改已超过办结期限（{due}），请尽快处理并反馈。"),
                )
            } else {
                Event::new(
                    NotificationKind::RectificationDueSoon,
                    format!(
                        "rectification-due:{}:{}",
                        found.id,
                        found.due_at.timestamp()
                    ),
                    "整改即将到期",
                    format!("一项整改将于 {due} 到期，请在今天内办结。"),
                )
            }
            .about_rectification(found.id);
            notify(&txn, &users, &event).await?;
        }
    }
    txn.commit().await
}

/// The jobs waiting, for `/metrics`.
async fn pending_count(state: &AppState) -> Result<u64, DbErr> {
    use sea_orm::PaginatorTrait;
    job::Entity::find()
        .filter(job::Column::State.eq(JobState::Pending))
        .count(&state.db)
        .await
}

/// The scheduler of one instance: a tick every `every` (the first at once, so that jobs
/// due while every instance was down run as soon as one is back) until `stopped`.
pub async fn run_until_stopped(
    state: AppState,
    every: Duration,
    mut stopped: tokio::sync::watch::Receiver<bool>,
) {
    let mut ticks = tokio::time::interval(every);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = ticks.tick() => {}
            _ = stopped.wait_for(|stop| *stop) => break,
        }
        {
            match run_due(&state, Utc::now()).await {
                Ok(_) => {}
                Err(err) => tracing::warn!(error = %err, "scheduler tick failed"),
            }
            if let Err(err) = super::wechat::send_due(&state, Utc::now()).await {
                tracing::warn!(error = %err, "sending WeChat messages failed");
            }
            if let Ok(pending) = super::wechat::pending_count(&state).await {
                metrics::gauge!("tongxin_wechat_messages_pending").set(pending as f64);
            }
            if let Ok(pending) = pending_count(&state).await {
                metrics::gauge!("tongxin_jobs_pending").set(pending as f64);
            }
        }
    }
}
