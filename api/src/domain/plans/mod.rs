//! Importing an annual plan table as bureaus write it.

pub mod parse;

use std::collections::HashMap;

use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    Set, TransactionTrait,
};

use entity::enums::ActivityStatus;
use entity::{activity, activity_location, category, community, department, plan};

use crate::auth::Viewer;
use crate::domain::activities::service::{json_list, write_departments};
use crate::domain::audit;
use crate::error::{AppError, AppResult};
use crate::graphql::scalars::local_date;

pub struct ImportRequest {
    pub title: String,
    pub year: i32,
    pub issuer: Option<String>,
    pub csv: String,
    pub publish: bool,
}

pub struct ImportOutcome {
    pub plan: plan::Model,
    pub created_count: usize,
    pub warnings: Vec<String>,
}

/// Finds a department by name, creating it on first mention.
pub async fn department_by_name<C: ConnectionTrait>(
    db: &C,
    name: &str,
) -> AppResult<department::Model> {
    if let Some(found) = department::Entity::find()
        .filter(department::Column::Name.eq(name))
        .one(db)
        .await?
    {
        return Ok(found);
    }
    Ok(department::ActiveModel {
        name: Set(name.to_owned()),
        created_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(db)
    .await?)
}

/// Writes the whole table or nothing: one transaction.
#[tracing::instrument(skip(db, viewer, request), fields(year = request.year), err(level = "info", Debug))]
pub async fn import(
    db: &DatabaseConnection,
    viewer: Option<&Viewer>,
    request: &ImportRequest,
) -> AppResult<ImportOutcome> {
    let title = request.title.trim();
    if title.is_empty() {
        return Err(AppError::bad_input("title", "the plan needs a title"));
    }
    if !(2000..=2100).contains(&request.year) {
        return Err(AppError::bad_input(
            "year",
            "year must be between 2000 and 2100",
        ));
    }
    let parsed = parse::parse_plan_csv(&request.csv, request.year)
        .map_err(|err| AppError::bad_input("csv", err.to_string()))?;

    let txn = db.begin().await?;
    let now = Utc::now();
    let plan = plan::ActiveModel {
        title: Set(title.to_owned()),
        year: Set(request.year),
        issuer: Set(request.issuer.clone().filter(|s| !s.trim().is_empty())),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await?;

    let communities: HashMap<String, i32> = community::Entity::find()
        .all(&txn)
        .await?
        .into_iter()
        .map(|c| (c.name, c.id))
        .collect();
    let mut departments: HashMap<String, i32> = HashMap::new();
    let mut categories: HashMap<String, i32> = HashMap::new();
    let status = if request.publish {
        ActivityStatus::Published
    } else {
        ActivityStatus::Draft
    };

    for row in &parsed.rows {
        let mut department_ids = Vec::new();
        for name in &row.departments {
            let id = match departments.get(name) {
                Some(id) => *id,
                None => {
                    let id = department_by_name(&txn, name).await?.id;
                    departments.insert(name.clone(), id);
                    id
                }
            };
            if !department_ids.contains(&id) {
                department_ids.push(id);
            }
        }
        let category_id = match &row.category {
            Some(name) => Some(match categories.get(name) {
                Some(id) => *id,
                None => {
                    let id = category::ActiveModel {
                        plan_id: Set(plan.id),
                        name: Set(name.clone()),
                        description: Set(None),
                        ..Default::default()
                    }
                    .insert(&txn)
                    .await?
                    .id;
                    categories.insert(name.clone(), id);
                    id
                }
            }),
            None => None,
        };
        let starts_at = row.starts_at.map(|at| at.to_utc());
        let activity = activity::ActiveModel {
            plan_id: Set(Some(plan.id)),
            seq_no: Set(row.seq_no),
            title: Set(row.title.clone()),
            category_id: Set(category_id),
            time_label: Set(row.time_label.clone()),
            starts_at: Set(starts_at),
            ends_at: Set(row.ends_at.map(|at| at.to_utc())),
            start_date: Set(starts_at.map(local_date)),
            status: Set(status),
            content_items: Set(json_list(&row.content_items)),
            primary_department_id: Set(department_ids.first().copied()),
            capacity: Set(None),
            registered_count: Set(0),
            waitlist_count: Set(0),
            registration_opens_at: Set(None),
            registration_closes_at: Set(None),
            service_minutes: Set(None),
            pairing_id: Set(None),
            published_at: Set(request.publish.then_some(now)),
            cancel_reason: Set(None),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
        write_departments(&txn, activity.id, &department_ids).await?;
        for (position, location) in row.locations.iter().enumerate() {
            activity_location::ActiveModel {
                activity_id: Set(activity.id),
                position: Set(position as i32),
                name: Set(location.name.clone()),
                address: Set(None),
                online: Set(location.online),
                tbd: Set(location.tbd),
                community_id: Set(communities.get(&location.name).copied()),
                ..Default::default()
            }
            .insert(&txn)
            .await?;
        }
    }
    if let Some(viewer) = viewer {
        audit::record(&txn, viewer, "plan.import", "Plan", Some(plan.id)).await?;
    }
    txn.commit().await?;
    tracing::info!(
        plan_id = plan.id,
        activities = parsed.rows.len(),
        warnings = parsed.warnings.len(),
        "plan imported"
    );
    Ok(ImportOutcome {
        plan,
        created_count: parsed.rows.len(),
        warnings: parsed.warnings,
    })
}
