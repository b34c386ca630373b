//! Communities and pairing rules.

use std::collections::HashMap;

use chrono::{NaiveDate, Utc};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, DbBackend,
    DbErr, EntityTrait, FromQueryResult, QueryFilter, QueryOrder, QuerySelect, Set, Statement,
    Value,
};

use entity::enums::{CommunityKind, PairingKind};
use entity::{community, department, pairing};

use crate::auth::Viewer;
use crate::context::AppState;
use crate::db::begin_write;
use crate::domain::audit;
use crate::domain::input::{self, max};
use crate::error::{AppError, AppResult, Reason, Thing};

use super::progress;

pub async fn communities(
    db: &DatabaseConnection,
    search: Option<&str>,
) -> AppResult<Vec<community::Model>> {
    let mut query = community::Entity::find();
    if let Some(search) = input::optional_line("search", search, max::SEARCH)? {
        let search = search.as_str();
        query = query.filter(
            Condition::any()
                .add(community::Column::Name.contains(search))
                .add(community::Column::District.contains(search)),
        );
    }
    Ok(query.order_by_asc(community::Column::Id).all(db).await?)
}

#[tracing::instrument(skip(state, viewer), err(level = "info", Debug))]
pub async fn create_community(
    state: &AppState,
    viewer: &Viewer,
    name: &str,
    district: Option<&str>,
    kind: CommunityKind,
) -> AppResult<community::Model> {
    let name = input::line("name", name, max::LABEL)?;
    let district = input::optional_line("district", district, max::LABEL)?;
    let txn = begin_write(&state.writer).await?;
    let created = community::ActiveModel {
        name: Set(name),
        district: Set(district),
        kind: Set(kind),
        created_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    audit::record(
        &txn,
        viewer,
        audit::AuditAction::CommunityCreate,
        Some(created.id),
    )
    .await?;
    txn.commit().await?;
    Ok(created)
}

pub struct NewPairing {
    pub kind: PairingKind,
    pub department_id: i32,
    pub community_id: i32,
    pub starts_on: NaiveDate,
    pub ends_on: Option<NaiveDate>,
    pub commitments: Vec<String>,
    pub target_activity_count: i32,
}

/// One pairing of a kind per department and community at a time.
#[tracing::instrument(skip(state, viewer, new), err(level = "info", Debug))]
pub async fn create_pairing(
    state: &AppState,
    viewer: &Viewer,
    new: NewPairing,
) -> AppResult<pairing::Model> {
    let user = viewer.require()?;
    if !user.may_manage_department(Some(new.department_id)) {
        return Err(AppError::of(Reason::NotOwnDepartment));
    }
    if let Some(ends) = new.ends_on
        && ends < new.starts_on
    {
        return Err(AppError::input("endsOn", Reason::TimeOrder));
    }
    if !(0..=1_000).contains(&new.target_activity_count) {
        return Err(AppError::input(
            "targetActivityCount",
            Reason::OutOfRange { min: 0, max: 1000 },
        ));
    }
    let commitments = input::lines("commitments", &new.commitments, max::ITEMS, max::ITEM)?;
    let mut seen = std::collections::HashSet::new();
    if commitments.iter().any(|name| !seen.insert(name)) {
        return Err(AppError::input("commitments", Reason::Duplicate));
    }
    let txn = begin_write(&state.writer).await?;
    // Serializes pairings of one department on PostgreSQL (SQLite holds the write lock).
    department::Entity::find_by_id(new.department_id)
        .lock_exclusive()
        .one(&txn)
        .await?
        .ok_or_else(|| AppError::input("departmentId", Reason::UnknownReference))?;
    community::Entity::find_by_id(new.community_id)
        .one(&txn)
        .await?
        .ok_or_else(|| AppError::input("communityId", Reason::UnknownReference))?;
    refuse_overlap(
        &txn,
        &Period {
            kind: new.kind,
            department_id: new.department_id,
            community_id: new.community_id,
            starts_on: new.starts_on,
            ends_on: new.ends_on,
        },
        None,
    )
    .await?;
    let created = pairing::ActiveModel {
        kind: Set(new.kind),
        department_id: Set(new.department_id),
        community_id: Set(new.community_id),
        starts_on: Set(new.starts_on),
        ends_on: Set(new.ends_on),
        commitments: Set(commitments.clone().into()),
        target_activity_count: Set(new.target_activity_count),
        created_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    super::commitments::write_initial(&txn, created.id, &commitments).await?;
    audit::record(
        &txn,
        viewer,
        audit::AuditAction::PairingCreate,
        Some(created.id),
    )
    .await?;
    txn.commit().await?;
    state.dashboards_changed().await;
    Ok(created)
}

/// What the overlap rule compares.
struct Period {
    kind: PairingKind,
    department_id: i32,
    community_id: i32,
    starts_on: NaiveDate,
    ends_on: Option<NaiveDate>,
}

/// One pairing of a kind per department and community at a time: CONFLICT when another
/// (not `except`) shares a day with `period`. Called with the department's row held.
async fn refuse_overlap<C: ConnectionTrait>(
    db: &C,
    period: &Period,
    except: Option<i32>,
) -> AppResult<()> {
    // Periods overlap unless one ends before the other starts.
    let mut overlap = Condition::any()
        .add(pairing::Column::EndsOn.is_null())
        .add(pairing::Column::EndsOn.gte(period.starts_on));
    if let Some(ends) = period.ends_on {
        overlap = Condition::all()
            .add(overlap)
            .add(pairing::Column::StartsOn.lte(ends));
    }
    let mut clash = pairing::Entity::find()
        .select_only()
        .column(pairing::Column::Id)
        .filter(pairing::Column::DepartmentId.eq(period.department_id))
        .filter(pairing::Column::CommunityId.eq(period.community_id))
        .filter(pairing::Column::Kind.eq(period.kind))
        .filter(overlap);
    if let Some(id) = except {
        clash = clash.filter(pairing::Column::Id.ne(id));
    }
    if clash.into_tuple::<i32>().one(db).await?.is_some() {
        return Err(AppError::of(Reason::PairingOverlaps));
    }
    Ok(())
}

/// Sets the last day (earlier or later than before), as long as no other pairing of the
/// same kind, department and community then shares a day with it.
#[tracing::instrument(skip(state, viewer), err(level = "info", Debug))]
pub async fn end_pairing(
    state: &AppState,
    viewer: &Viewer,
    id: i32,
    ends_on: NaiveDate,
) -> AppResult<pairing::Model> {
    let user = viewer.require()?;
    let txn = begin_write(&state.writer).await?;
    let found = pairing::Entity::find_by_id(id)
        .one(&txn)
        .await?
        .ok_or(AppError::not_found(Thing::Pairing))?;
    if !user.may_manage_department(Some(found.department_id)) {
        return Err(AppError::of(Reason::NotOwnDepartment));
    }
    if ends_on < found.starts_on {
        return Err(AppError::input("endsOn", Reason::TimeOrder));
    }
    // Serializes pairings of one department, as creating does.
    department::Entity::find_by_id(found.department_id)
        .lock_exclusive()
        .one(&txn)
        .await?;
    refuse_overlap(
        &txn,
        &Period {
            kind: found.kind,
            department_id: found.department_id,
            community_id: found.community_id,
            starts_on: found.starts_on,
            ends_on: Some(ends_on),
        },
        Some(found.id),
    )
    .await?;
    let mut model: pairing::ActiveModel = found.into();
    model.ends_on = Set(Some(ends_on));
    let updated = model.update(&txn).await?;
    audit::record(&txn, viewer, audit::AuditAction::PairingEnd, Some(id)).await?;
    txn.commit().await?;
    state.dashboards_changed().await;
    Ok(updated)
}

/// Activities that count towards each of these pairings (see [`progress`]), by pairing; one
/// statement.
pub async fn counted_activity_counts<C: ConnectionTrait>(
    db: &C,
    pairing_ids: &[i32],
) -> Result<HashMap<i32, i64>, DbErr> {
    if pairing_ids.is_empty() {
        return Ok(HashMap::new());
    }
    let backend = db.get_database_backend();
    let sql = format!(
        "SELECT t.pairing_id AS pairing_id, COUNT(*) AS n FROM ({}) t WHERE t.pairing_id IN ({}) \
         GROUP BY t.pairing_id",
        progress::counted_activities(backend),
        placeholders(backend, pairing_ids.len()),
    );
    let values: Vec<Value> = pairing_ids.iter().map(|id| (*id).into()).collect();
    let rows = Statement::from_sql_and_values(backend, sql, values);
    #[derive(FromQueryResult)]
    struct Row {
        pairing_id: i32,
        n: i64,
    }
    Ok(Row::find_by_statement(rows)
        .all(db)
        .await?
        .into_iter()
        .map(|row| (row.pairing_id, row.n))
        .collect())
}

/// `$1, $2, …` or `?1, ?2, …`.
pub(crate) fn placeholders(backend: DbBackend, n: usize) -> String {
    (1..=n)
        .map(|i| crate::db::placeholder(backend, i))
        .collect::<Vec<_>>()
        .join(", ")
}

pub struct PairingQuery {
    pub department_id: Option<i32>,
    pub community_id: Option<i32>,
    pub active_on: Option<NaiveDate>,
}

pub async fn pairings(db: &DatabaseConnection, q: PairingQuery) -> AppResult<Vec<pairing::Model>> {
    let mut query = pairing::Entity::find();
    if let Some(id) = q.department_id {
        query = query.filter(pairing::Column::DepartmentId.eq(id));
    }
    if let Some(id) = q.community_id {
        query = query.filter(pairing::Column::CommunityId.eq(id));
    }
    if let Some(day) = q.active_on {
        query = query.filter(pairing::Column::StartsOn.lte(day)).filter(
            Condition::any()
                .add(pairing::Column::EndsOn.is_null())
                .add(Expr::col(pairing::Column::EndsOn).gte(day)),
        );
    }
    Ok(query
        .order_by_asc(pairing::Column::DepartmentId)
        .order_by_asc(pairing::Column::Id)
        .all(db)
        .await?)
}
