//! Importing an annual plan table as bureaus write it.

mod dating;
pub mod document;
pub mod execution;
mod festivals;
pub mod files;
pub mod parse;
pub mod photos;
pub mod resolver;
mod text;
pub mod types;

use std::collections::HashMap;

use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    Set,
};

use entity::enums::ActivityStatus;
use entity::{activity, activity_location, category, community, department, plan};

use crate::auth::Viewer;
use crate::domain::activities::service::write_departments;
use crate::domain::audit;
use crate::domain::calendar::local_date;
use crate::domain::input::{self, max};
use crate::error::{AppError, AppResult, Reason};

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

/// Every cell within the bounds of the field it becomes; the error names the row.
fn check_rows(rows: &[parse::ParsedRow]) -> AppResult<()> {
    if rows.is_empty() {
        return Err(AppError::input("csv", Reason::TableEmpty));
    }
    if rows.len() > max::PLAN_ROWS {
        return Err(AppError::input(
            "csv",
            Reason::TooManyRows {
                max: max::PLAN_ROWS,
            },
        ));
    }
    for row in rows {
        let at = |column: &'static str, err: AppError| err.in_table_row(row.line, column);
        input::line("csv", &row.title, max::TITLE).map_err(|e| at("活动主题", e))?;
        input::optional_line("csv", row.time_label.as_deref(), max::LABEL)
            .map_err(|e| at("活动时间", e))?;
        input::count("csv", &row.locations, max::LOCATIONS).map_err(|e| at("活动地点", e))?;
        for location in &row.locations {
            input::line("csv", &location.name, max::LABEL).map_err(|e| at("活动地点", e))?;
        }
        input::lines("csv", &row.content_items, max::ITEMS, max::ITEM)
            .map_err(|e| at("活动内容", e))?;
        input::lines("csv", &row.departments, max::DEPARTMENTS, max::LABEL)
            .map_err(|e| at("牵头科室", e))?;
        input::optional_line("csv", row.category.as_deref(), max::LABEL)
            .map_err(|e| at("专项行动", e))?;
        if row.seq_no.is_some_and(|n| !(1..=99_999).contains(&n)) {
            return Err(at(
                "序号",
                AppError::input(
                    "csv",
                    Reason::OutOfRange {
                        min: 1,
                        max: 99_999,
                    },
                ),
            ));
        }
    }
    Ok(())
}

/// Organizers import only rows that their own department leads (among the row's lead
/// departments, as `createActivity` requires), and only departments that exist: new
/// departments come from admins. Anything else refuses the whole table.
async fn check_scope<C: ConnectionTrait>(
    db: &C,
    viewer: &Viewer,
    rows: &[parse::ParsedRow],
) -> AppResult<()> {
    let user = viewer.require_any(&[entity::enums::Role::Organizer, entity::enums::Role::Admin])?;
    if user.is_admin() {
        return Ok(());
    }
    let known: HashMap<String, i32> = department::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .map(|d| (d.name, d.id))
        .collect();
    let own = user
        .department_id
        .and_then(|id| known.iter().find(|(_, known_id)| **known_id == id))
        .map(|(name, _)| name.clone())
        .ok_or_else(|| AppError::of(Reason::NoDepartment))?;
    for row in rows {
        if let Some(unknown) = row
            .departments
            .iter()
            .find(|name| !known.contains_key(*name))
        {
            // The name passed check_rows: at most max::LABEL characters, one line.
            return Err(AppError::of(Reason::ImportDepartmentUnknown {
                line: row.line,
                name: unknown.clone(),
            }));
        }
        if !row.departments.contains(&own) {
            return Err(AppError::of(Reason::ImportNotOwnDepartment {
                line: row.line,
            }));
        }
    }
    Ok(())
}

/// Writes the whole table or nothing: one transaction.
#[tracing::instrument(skip(db, viewer, request), fields(year = request.year), err(level = "info", Debug))]
pub async fn import(
    db: &DatabaseConnection,
    viewer: Option<&Viewer>,
    request: &ImportRequest,
) -> AppResult<ImportOutcome> {
    let title = input::line("title", &request.title, max::TITLE)?;
    let issuer = input::optional_line("issuer", request.issuer.as_deref(), max::LABEL)?;
    if !(2000..=2100).contains(&request.year) {
        return Err(AppError::input("year", Reason::YearOutOfRange));
    }
    if request.csv.len() > max::TABLE_BYTES {
        return Err(AppError::input(
            "csv",
            Reason::TableTooLarge {
                max_kib: max::TABLE_BYTES / 1024,
            },
        ));
    }
    let parsed = parse::parse_plan_csv(&request.csv, request.year).map_err(|err| {
        let reason = match err {
            parse::ParseError::MissingColumns(missing) => Reason::TableMissingColumns {
                columns: missing.join("、"),
            },
            parse::ParseError::Malformed(_) => Reason::TableUnreadable,
        };
        AppError::input("csv", reason)
    })?;
    check_rows(&parsed.rows)?;

    let txn = crate::db::begin_write(db).await?;
    if let Some(viewer) = viewer {
        check_scope(&txn, viewer, &parsed.rows).await?;
    }
    let now = Utc::now();
    let plan = plan::ActiveModel {
        title: Set(title),
        year: Set(request.year),
        issuer: Set(issuer),
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
            // The day the table names, not the window's first day ("7·1前后" is July's).
            start_date: Set(row.anchor_on.or(starts_at.map(local_date))),
            status: Set(status),
            content_items: Set(row.content_items.clone().into()),
            primary_department_id: Set(department_ids.first().copied()),
            capacity: Set(None),
            registered_count: Set(0),
            waitlist_count: Set(0),
            registration_opens_at: Set(None),
            // Registration runs to the end of the window the label gives.
            registration_closes_at: Set(row.ends_at.map(|at| at.to_utc())),
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
        audit::record(&txn, viewer, audit::AuditAction::PlanImport, Some(plan.id)).await?;
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
