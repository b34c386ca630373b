//! What a volunteer's record holds besides service hours (《志愿服务记录与证明出具办法（试
//! 行）》 Art 8, 9): training received and commendations. Organizers record them for
//! volunteers who served their department (a registration for one of its activities),
//! admins for anyone; they are read by the volunteer, admins, and organizers (those their
//! own department recorded).

use chrono::{Datelike, NaiveDate, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, Set,
};

use entity::enums::Role;
use entity::{commendation, registration, training, volunteer};

use crate::auth::Viewer;
use crate::context::AppState;
use crate::domain::access::{RecordScope, activities_of_department, record_scope};
use crate::domain::audit;
use crate::domain::input::{self, max};
use crate::error::{AppError, AppResult, Reason};

/// The most hours one training may count.
pub const MAX_TRAINING_HOURS: f64 = 500.0;

#[derive(Debug, Clone)]
pub struct NewTraining {
    pub volunteer_id: i32,
    pub name: String,
    pub content: Option<String>,
    pub hours: f64,
    pub organizer: String,
    pub held_on: NaiveDate,
}

#[derive(Debug, Clone)]
pub struct NewCommendation {
    pub volunteer_id: i32,
    pub name: String,
    pub granted_on: NaiveDate,
    pub granted_by: String,
}

fn check_day(field: &str, day: NaiveDate) -> AppResult<NaiveDate> {
    if (2000..=2100).contains(&day.year()) {
        Ok(day)
    } else {
        Err(AppError::input(field, Reason::YearOutOfRange))
    }
}

/// The recording department: an admin records for anyone (no department); an organizer
/// only for a volunteer registered for an activity of their department.
async fn recorder<C: ConnectionTrait>(
    db: &C,
    viewer: &Viewer,
    volunteer_id: i32,
) -> AppResult<(i32, Option<i32>)> {
    let user = viewer.require_any(&[Role::Organizer, Role::Admin])?;
    volunteer::Entity::find_by_id(volunteer_id)
        .one(db)
        .await?
        .ok_or_else(|| AppError::input("volunteerId", Reason::UnknownReference))?;
    if user.is_admin() {
        return Ok((user.id, user.department_id));
    }
    let department_id = user
        .department_id
        .ok_or_else(|| AppError::of(Reason::NoDepartment))?;
    let served = registration::Entity::find()
        .filter(registration::Column::VolunteerId.eq(volunteer_id))
        .filter(
            registration::Column::ActivityId.in_subquery(activities_of_department(department_id)),
        )
        .count(db)
        .await?;
    if served == 0 {
        return Err(AppError::of(Reason::VolunteerNotServed));
    }
    Ok((user.id, Some(department_id)))
}

pub async fn record_training(
    state: &AppState,
    viewer: &Viewer,
    new: NewTraining,
) -> AppResult<training::Model> {
    let name = input::line("name", &new.name, max::TITLE)?;
    let content = input::optional_text("content", new.content.as_deref(), max::TEXT)?;
    let organizer = input::line("organizer", &new.organizer, max::TITLE)?;
    if !new.hours.is_finite() || new.hours <= 0.0 || new.hours > MAX_TRAINING_HOURS {
        return Err(AppError::input("hours", Reason::HoursRange { max: 500 }));
    }
    let held_on = check_day("heldOn", new.held_on)?;
    let txn = crate::db::begin_write(&state.writer).await?;
    let (by, department_id) = recorder(&txn, viewer, new.volunteer_id).await?;
    let created = training::ActiveModel {
        volunteer_id: Set(new.volunteer_id),
        department_id: Set(department_id),
        name: Set(name),
        content: Set(content),
        minutes: Set((new.hours * 60.0).round() as i32),
        organizer: Set(organizer),
        held_on: Set(held_on),
        created_by: Set(by),
        created_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    audit::record(
        &txn,
        viewer,
        audit::AuditAction::TrainingRecord,
        Some(created.id),
    )
    .await?;
    txn.commit().await?;
    Ok(created)
}

pub async fn record_commendation(
    state: &AppState,
    viewer: &Viewer,
    new: NewCommendation,
) -> AppResult<commendation::Model> {
    let name = input::line("name", &new.name, max::TITLE)?;
    let granted_by = input::line("grantedBy", &new.granted_by, max::TITLE)?;
    let granted_on = check_day("grantedOn", new.granted_on)?;
    let txn = crate::db::begin_write(&state.writer).await?;
    let (by, department_id) = recorder(&txn, viewer, new.volunteer_id).await?;
    let created = commendation::ActiveModel {
        volunteer_id: Set(new.volunteer_id),
        department_id: Set(department_id),
        name: Set(name),
        granted_on: Set(granted_on),
        granted_by: Set(granted_by),
        created_by: Set(by),
        created_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    audit::record(
        &txn,
        viewer,
        audit::AuditAction::CommendationRecord,
        Some(created.id),
    )
    .await?;
    txn.commit().await?;
    Ok(created)
}

/// A volunteer's trainings, newest first, within the reader's scope.
pub async fn trainings(
    state: &AppState,
    viewer: &Viewer,
    volunteer: &volunteer::Model,
) -> AppResult<Vec<training::Model>> {
    let scope = record_scope(viewer.require()?, volunteer.user_id)?;
    let mut query = training::Entity::find().filter(training::Column::VolunteerId.eq(volunteer.id));
    if let RecordScope::Department(id) = scope {
        query = query.filter(training::Column::DepartmentId.eq(id));
    }
    Ok(query
        .order_by_desc(training::Column::HeldOn)
        .order_by_desc(training::Column::Id)
        .all(&state.db)
        .await?)
}

/// A volunteer's commendations, newest first, within the reader's scope.
pub async fn commendations(
    state: &AppState,
    viewer: &Viewer,
    volunteer: &volunteer::Model,
) -> AppResult<Vec<commendation::Model>> {
    let scope = record_scope(viewer.require()?, volunteer.user_id)?;
    let mut query =
        commendation::Entity::find().filter(commendation::Column::VolunteerId.eq(volunteer.id));
    if let RecordScope::Department(id) = scope {
        query = query.filter(commendation::Column::DepartmentId.eq(id));
    }
    Ok(query
        .order_by_desc(commendation::Column::GrantedOn)
        .order_by_desc(commendation::Column::Id)
        .all(&state.db)
        .await?)
}
