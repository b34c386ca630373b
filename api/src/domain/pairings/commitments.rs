//! A pairing's commitments (the ten items of “十个一”, …) and their progress.
//!
//! Each commitment has a name, a numeric target and a unit; activities of the pairing tick
//! one or more of them. Progress counts only the activities that count towards the pairing
//! ([`super::progress`]): how many (ACTIVITIES) or their approved service hours (HOURS).
//! A VISITS commitment is ticked by no activity: it counts every care visit that counts
//! towards the pairing (`progress::counted_visits`), whatever its mode.

use std::collections::{HashMap, HashSet};

use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, FromQueryResult,
    QueryFilter, QueryOrder, QuerySelect, Set, Statement,
};

use entity::enums::{CommitmentUnit, ServiceRecordStatus};
use entity::{activity, activity_commitment, department, pairing, pairing_commitment};

use crate::auth::Viewer;
use crate::context::AppState;
use crate::db::{begin_write, sql_value};
use crate::domain::access;
use crate::domain::audit;
use crate::domain::input::{self, max};
use crate::error::{AppError, AppResult, Reason, Thing};

use super::progress;
use super::service::placeholders;

/// The largest target of a commitment (activities or hours).
pub const MAX_TARGET: i32 = 100_000;

/// What a commitment promises.
pub struct NewCommitment {
    pub name: String,
    pub target: i32,
    pub unit: CommitmentUnit,
}

/// A commitment with what has been done towards it: activities, or hours.
#[derive(Clone, Debug)]
pub struct Progress {
    pub commitment: pairing_commitment::Model,
    pub done: f64,
}

/// Checks a list of commitments: at most 50, names on one line of at most 500 characters,
/// none twice, targets 1–100,000.
fn check(items: Vec<NewCommitment>) -> AppResult<Vec<NewCommitment>> {
    input::count("commitments", &items, max::ITEMS)?;
    let mut seen = HashSet::new();
    items
        .into_iter()
        .map(|item| {
            let name = input::line("commitments.name", &item.name, max::ITEM)?;
            if !seen.insert(name.clone()) {
                return Err(AppError::input("commitments.name", Reason::Duplicate));
            }
            if !(1..=MAX_TARGET).contains(&item.target) {
                return Err(AppError::input(
                    "commitments.target",
                    Reason::OutOfRange {
                        min: 1,
                        max: MAX_TARGET as i64,
                    },
                ));
            }
            Ok(NewCommitment { name, ..item })
        })
        .collect()
}

/// Writes the commitments of a pairing just created from its texts: one activity each.
pub async fn write_initial<C: ConnectionTrait>(
    db: &C,
    pairing_id: i32,
    names: &[String],
) -> AppResult<()> {
    for (position, name) in names.iter().enumerate() {
        pairing_commitment::ActiveModel {
            pairing_id: Set(pairing_id),
            position: Set(position as i32),
            name: Set(name.clone()),
            target: Set(1),
            unit: Set(CommitmentUnit::Activities),
            created_at: Set(Utc::now()),
            ..Default::default()
        }
        .insert(db)
        .await?;
    }
    Ok(())
}

/// Replaces a pairing's commitments (organizers of its department, admins). A commitment
/// kept by name keeps its id and the activities that tick it; one left out is removed with
/// its ticks. The pairing's `commitments` texts follow.
#[tracing::instrument(skip(state, viewer, items), err(level = "info", Debug))]
pub async fn set_commitments(
    state: &AppState,
    viewer: &Viewer,
    pairing_id: i32,
    items: Vec<NewCommitment>,
) -> AppResult<pairing::Model> {
    let user = viewer.require()?;
    let items = check(items)?;
    let txn = begin_write(&state.writer).await?;
    let found = pairing::Entity::find_by_id(pairing_id)
        .one(&txn)
        .await?
        .ok_or(AppError::not_found(Thing::Pairing))?;
    if !user.may_manage_department(Some(found.department_id)) {
        return Err(AppError::of(Reason::NotOwnDepartment));
    }
    // Serializes changes to one department's pairings (PostgreSQL; SQLite holds the write lock).
    department::Entity::find_by_id(found.department_id)
        .lock_exclusive()
        .one(&txn)
        .await?;
    let existing: HashMap<String, pairing_commitment::Model> = pairing_commitment::Entity::find()
        .filter(pairing_commitment::Column::PairingId.eq(pairing_id))
        .all(&txn)
        .await?
        .into_iter()
        .map(|c| (c.name.clone(), c))
        .collect();
    let kept: HashSet<&str> = items.iter().map(|i| i.name.as_str()).collect();
    let dropped: Vec<i32> = existing
        .values()
        .filter(|c| !kept.contains(c.name.as_str()))
        .map(|c| c.id)
        .collect();
    if !dropped.is_empty() {
        activity_commitment::Entity::delete_many()
            .filter(activity_commitment::Column::CommitmentId.is_in(dropped.clone()))
            .exec(&txn)
            .await?;
        pairing_commitment::Entity::delete_many()
            .filter(pairing_commitment::Column::Id.is_in(dropped))
            .exec(&txn)
            .await?;
    }
    for (position, item) in items.iter().enumerate() {
        match existing.get(&item.name) {
            Some(current) => {
                let mut model: pairing_commitment::ActiveModel = current.clone().into();
                model.position = Set(position as i32);
                model.target = Set(item.target);
                model.unit = Set(item.unit);
                model.update(&txn).await?;
            }
            None => {
                pairing_commitment::ActiveModel {
                    pairing_id: Set(pairing_id),
                    position: Set(position as i32),
                    name: Set(item.name.clone()),
                    target: Set(item.target),
                    unit: Set(item.unit),
                    created_at: Set(Utc::now()),
                    ..Default::default()
                }
                .insert(&txn)
                .await?;
            }
        }
    }
    let mut model: pairing::ActiveModel = found.into();
    model.commitments = Set(items
        .iter()
        .map(|i| i.name.clone())
        .collect::<Vec<_>>()
        .into());
    let updated = model.update(&txn).await?;
    audit::record(
        &txn,
        viewer,
        audit::AuditAction::PairingCommitmentsSet,
        Some(pairing_id),
    )
    .await?;
    txn.commit().await?;
    state.dashboards_changed().await;
    Ok(updated)
}

/// Sets which commitments of its pairing an activity ticks (those who manage the activity;
/// any status: a completed activity is often ticked afterwards). An empty list unticks all.
#[tracing::instrument(skip(state, viewer), err(level = "info", Debug))]
pub async fn set_activity_commitments(
    state: &AppState,
    viewer: &Viewer,
    activity_id: i32,
    commitment_ids: Vec<i32>,
) -> AppResult<activity::Model> {
    input::count("commitmentIds", &commitment_ids, max::ITEMS)?;
    let ids: HashSet<i32> = commitment_ids.into_iter().collect();
    let txn = begin_write(&state.writer).await?;
    let current = access::managed(&txn, viewer, activity_id).await?;
    let current = crate::db::lock_activity(&txn, current.id).await?;
    if !ids.is_empty() {
        let of_pairing = match current.pairing_id {
            Some(pairing_id) => pairing_commitment::Entity::find()
                .select_only()
                .column(pairing_commitment::Column::Id)
                .filter(pairing_commitment::Column::Id.is_in(ids.iter().copied()))
                .filter(pairing_commitment::Column::PairingId.eq(pairing_id))
                .into_tuple::<i32>()
                .all(&txn)
                .await?
                .len(),
            None => 0,
        };
        if of_pairing != ids.len() {
            return Err(AppError::input(
                "commitmentIds",
                Reason::CommitmentNotOfPairing,
            ));
        }
    }
    activity_commitment::Entity::delete_many()
        .filter(activity_commitment::Column::ActivityId.eq(activity_id))
        .exec(&txn)
        .await?;
    let mut ids: Vec<i32> = ids.into_iter().collect();
    ids.sort_unstable();
    for commitment_id in ids {
        activity_commitment::ActiveModel {
            activity_id: Set(activity_id),
            commitment_id: Set(commitment_id),
        }
        .insert(&txn)
        .await?;
    }
    audit::record(
        &txn,
        viewer,
        audit::AuditAction::ActivityCommitmentsSet,
        Some(activity_id),
    )
    .await?;
    txn.commit().await?;
    state.dashboards_changed().await;
    Ok(current)
}

/// Drops an activity's ticks when it moves to another pairing (or none).
pub async fn untick_all<C: ConnectionTrait>(db: &C, activity_id: i32) -> AppResult<()> {
    activity_commitment::Entity::delete_many()
        .filter(activity_commitment::Column::ActivityId.eq(activity_id))
        .exec(db)
        .await?;
    Ok(())
}

/// The commitments of these pairings in order, each with its progress: two statements.
pub async fn progress_of<C: ConnectionTrait>(
    db: &C,
    pairing_ids: &[i32],
) -> Result<HashMap<i32, Vec<Progress>>, DbErr> {
    if pairing_ids.is_empty() {
        return Ok(HashMap::new());
    }
    let commitments = pairing_commitment::Entity::find()
        .filter(pairing_commitment::Column::PairingId.is_in(pairing_ids.iter().copied()))
        .order_by_asc(pairing_commitment::Column::PairingId)
        .order_by_asc(pairing_commitment::Column::Position)
        .all(db)
        .await?;
    let done = done_of(db, pairing_ids).await?;
    let visits = if commitments.iter().any(|c| c.unit == CommitmentUnit::Visits) {
        visits_of(db, pairing_ids).await?
    } else {
        HashMap::new()
    };
    let mut map: HashMap<i32, Vec<Progress>> = HashMap::new();
    for commitment in commitments {
        let (activities, minutes) = done.get(&commitment.id).copied().unwrap_or((0, 0));
        let done = match commitment.unit {
            CommitmentUnit::Activities => activities as f64,
            CommitmentUnit::Hours => minutes as f64 / 60.0,
            CommitmentUnit::Visits => {
                visits.get(&commitment.pairing_id).copied().unwrap_or(0) as f64
            }
        };
        map.entry(commitment.pairing_id)
            .or_default()
            .push(Progress { commitment, done });
    }
    Ok(map)
}

/// Per commitment of these pairings: the counting activities that tick it, and their
/// approved minutes.
async fn done_of<C: ConnectionTrait>(
    db: &C,
    pairing_ids: &[i32],
) -> Result<HashMap<i32, (i64, i64)>, DbErr> {
    let backend = db.get_database_backend();
    let sql = format!(
        "SELECT pc.id AS commitment_id, COUNT(DISTINCT t.activity_id) AS activities, \
         CAST(COALESCE(SUM(s.minutes), 0) AS BIGINT) AS minutes \
         FROM pairing_commitments pc \
         JOIN activity_commitments ac ON ac.commitment_id = pc.id \
         JOIN ({counted}) t ON t.activity_id = ac.activity_id AND t.pairing_id = pc.pairing_id \
         LEFT JOIN service_records s ON s.activity_id = t.activity_id AND s.status = {approved} \
         WHERE pc.pairing_id IN ({ids}) GROUP BY pc.id",
        counted = progress::counted_activities(backend),
        approved = sql_value(ServiceRecordStatus::Approved),
        ids = placeholders(backend, pairing_ids.len()),
    );
    let values: Vec<sea_orm::Value> = pairing_ids.iter().map(|id| (*id).into()).collect();
    #[derive(FromQueryResult)]
    struct Row {
        commitment_id: i32,
        activities: i64,
        minutes: i64,
    }
    Ok(
        Row::find_by_statement(Statement::from_sql_and_values(backend, sql, values))
            .all(db)
            .await?
            .into_iter()
            .map(|row| (row.commitment_id, (row.activities, row.minutes)))
            .collect(),
    )
}

/// Per pairing: the care visits that count towards it, in one grouped statement.
async fn visits_of<C: ConnectionTrait>(
    db: &C,
    pairing_ids: &[i32],
) -> Result<HashMap<i32, i64>, DbErr> {
    let backend = db.get_database_backend();
    let sql = format!(
        "SELECT t.pairing_id AS pairing_id, COUNT(*) AS visits FROM ({counted}) t \
         WHERE t.pairing_id IN ({ids}) GROUP BY t.pairing_id",
        counted = progress::counted_visits(),
        ids = placeholders(backend, pairing_ids.len()),
    );
    let values: Vec<sea_orm::Value> = pairing_ids.iter().map(|id| (*id).into()).collect();
    #[derive(FromQueryResult)]
    struct Row {
        pairing_id: i32,
        visits: i64,
    }
    Ok(
        Row::find_by_statement(Statement::from_sql_and_values(backend, sql, values))
            .all(db)
            .await?
            .into_iter()
            .map(|row| (row.pairing_id, row.visits))
            .collect(),
    )
}

/// The commitments each of these activities ticks, by activity.
pub async fn ticked_by<C: ConnectionTrait>(
    db: &C,
    activity_ids: &[i32],
) -> Result<HashMap<i32, Vec<pairing_commitment::Model>>, DbErr> {
    let rows = activity_commitment::Entity::find()
        .filter(activity_commitment::Column::ActivityId.is_in(activity_ids.iter().copied()))
        .find_also_related(pairing_commitment::Entity)
        .order_by_asc(activity_commitment::Column::ActivityId)
        .order_by_asc(pairing_commitment::Column::Position)
        .all(db)
        .await?;
    let mut map: HashMap<i32, Vec<pairing_commitment::Model>> = HashMap::new();
    for (link, commitment) in rows {
        if let Some(commitment) = commitment {
            map.entry(link.activity_id).or_default().push(commitment);
        }
    }
    Ok(map)
}
