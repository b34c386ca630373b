//! Party members of the organs reporting to their residential community (双报到,
//! 在职党员进社区报到): a volunteer marked as a party member of a department (the home
//! unit) reports to a community, and the home unit reads their service there each quarter
//! with the year's hours against a minimum (default 50 hours, an admin's setting).
//!
//! Service "in that community" is approved hours (the rule of `hours::takes_hours`) at
//! activities held at the community or naming it (`progress::held_at`), by service day.

use chrono::{NaiveDate, Utc};
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ColumnTrait, DatabaseConnection, EntityTrait, FromQueryResult, QueryFilter, QueryOrder, Set,
    Statement, Value,
};

use entity::enums::{ActivityStatus, Role, ServiceRecordStatus};
use entity::{community, department, party_member, setting, volunteer};

use crate::auth::Viewer;
use crate::context::AppState;
use crate::db::{begin_write, sql_value, sql_values};
use crate::domain::audit;
use crate::domain::calendar::today;
use crate::domain::registrations::service::volunteer_of_user;
use crate::error::{AppError, AppResult, Reason, Thing};

use super::progress;
use super::report::quarter_days;

const MINIMUM_SETTING: &str = "party_service_minimum_hours";
/// The common local rule: 50 hours a year.
pub const DEFAULT_MINIMUM_HOURS: i32 = 50;
pub const MAX_MINIMUM_HOURS: i32 = 1_000;

pub async fn minimum_hours<C: sea_orm::ConnectionTrait>(db: &C) -> AppResult<i32> {
    Ok(setting::Entity::find_by_id(MINIMUM_SETTING.to_owned())
        .one(db)
        .await?
        .and_then(|row| row.value.parse().ok())
        .unwrap_or(DEFAULT_MINIMUM_HOURS))
}

/// Admins set the yearly minimum (0–1,000 hours). Audited.
pub async fn set_minimum_hours(state: &AppState, viewer: &Viewer, hours: i32) -> AppResult<i32> {
    viewer.require_any(&[Role::Admin])?;
    if !(0..=MAX_MINIMUM_HOURS).contains(&hours) {
        return Err(AppError::input(
            "hours",
            Reason::OutOfRange {
                min: 0,
                max: MAX_MINIMUM_HOURS as i64,
            },
        ));
    }
    let txn = begin_write(&state.writer).await?;
    setting::Entity::insert(setting::ActiveModel {
        key: Set(MINIMUM_SETTING.to_owned()),
        value: Set(hours.to_string()),
    })
    .on_conflict(
        OnConflict::column(setting::Column::Key)
            .update_column(setting::Column::Value)
            .to_owned(),
    )
    .exec(&txn)
    .await?;
    audit::record(&txn, viewer, audit::AuditAction::PartyMinimumSet, None).await?;
    txn.commit().await?;
    Ok(hours)
}

/// Marks a volunteer as a party member of a department (or, with `member: false`,
/// no longer): organizers of that department, admins. Audited.
pub async fn mark(
    state: &AppState,
    viewer: &Viewer,
    volunteer_id: i32,
    department_id: i32,
    member: bool,
) -> AppResult<Option<party_member::Model>> {
    let user = viewer.require()?;
    if !user.may_manage_department(Some(department_id)) {
        return Err(AppError::of(Reason::NotOwnDepartment));
    }
    let txn = begin_write(&state.writer).await?;
    department::Entity::find_by_id(department_id)
        .one(&txn)
        .await?
        .ok_or_else(|| AppError::input("departmentId", Reason::UnknownReference))?;
    volunteer::Entity::find_by_id(volunteer_id)
        .one(&txn)
        .await?
        .ok_or(AppError::not_found(Thing::Volunteer))?;
    let current = party_member::Entity::find_by_id(volunteer_id)
        .one(&txn)
        .await?;
    // Another unit's member is that unit's to change.
    if let Some(current) = &current
        && current.department_id != department_id
        && !user.may_manage_department(Some(current.department_id))
    {
        return Err(AppError::of(Reason::NotOwnDepartment));
    }
    let saved = if member {
        party_member::Entity::insert(party_member::ActiveModel {
            volunteer_id: Set(volunteer_id),
            department_id: Set(department_id),
            community_id: Set(current.as_ref().and_then(|c| c.community_id)),
            reported_on: Set(current.as_ref().and_then(|c| c.reported_on)),
            created_at: Set(Utc::now()),
        })
        .on_conflict(
            OnConflict::column(party_member::Column::VolunteerId)
                .update_column(party_member::Column::DepartmentId)
                .to_owned(),
        )
        .exec(&txn)
        .await?;
        party_member::Entity::find_by_id(volunteer_id)
            .one(&txn)
            .await?
    } else {
        party_member::Entity::delete_by_id(volunteer_id)
            .exec(&txn)
            .await?;
        None
    };
    audit::record(
        &txn,
        viewer,
        audit::AuditAction::PartyMemberMark,
        Some(volunteer_id),
    )
    .await?;
    txn.commit().await?;
    Ok(saved)
}

/// The signed-in party member reports to their residential community (today); reporting
/// again moves them. Audited.
pub async fn report_to_community(
    state: &AppState,
    viewer: &Viewer,
    community_id: i32,
) -> AppResult<party_member::Model> {
    viewer.require()?;
    let txn = begin_write(&state.writer).await?;
    let user = viewer.require()?;
    let volunteer = volunteer_of_user(&txn, user.id)
        .await?
        .ok_or_else(|| AppError::of(Reason::NotPartyMember))?;
    let current = party_member::Entity::find_by_id(volunteer.id)
        .one(&txn)
        .await?
        .ok_or_else(|| AppError::of(Reason::NotPartyMember))?;
    community::Entity::find_by_id(community_id)
        .one(&txn)
        .await?
        .ok_or_else(|| AppError::input("communityId", Reason::UnknownReference))?;
    let mut model: party_member::ActiveModel = current.into();
    model.community_id = Set(Some(community_id));
    model.reported_on = Set(Some(today()));
    let saved = sea_orm::ActiveModelTrait::update(model, &txn).await?;
    audit::record(
        &txn,
        viewer,
        audit::AuditAction::PartyMemberReport,
        Some(volunteer.id),
    )
    .await?;
    txn.commit().await?;
    Ok(saved)
}

/// One member's service in their community.
#[derive(Debug, Clone)]
pub struct MemberService {
    pub member: party_member::Model,
    pub quarter_minutes: i64,
    pub year_minutes: i64,
    pub minimum_hours: i32,
}

/// The home unit's quarterly summary: every party member of the department, with their
/// approved hours in the community they reported to, in the quarter and in its year.
/// Organizers of the department, VIEWER, ADMIN.
pub async fn summary(
    db: &DatabaseConnection,
    viewer: &Viewer,
    department_id: i32,
    year: i32,
    quarter: i32,
) -> AppResult<Vec<MemberService>> {
    let user = viewer.require_any(&[Role::Organizer, Role::Viewer, Role::Admin])?;
    if !user.reads_everything() && !user.may_manage_department(Some(department_id)) {
        return Err(AppError::of(Reason::NotOwnDepartment));
    }
    let (from, to) = quarter_days(year, quarter)?;
    let year_from = NaiveDate::from_ymd_opt(year, 1, 1).expect("valid year");
    let year_to = NaiveDate::from_ymd_opt(year, 12, 31).expect("valid year");
    let members = party_member::Entity::find()
        .filter(party_member::Column::DepartmentId.eq(department_id))
        .order_by_asc(party_member::Column::VolunteerId)
        .all(db)
        .await?;
    let backend = db.get_database_backend();
    let p = |n: usize| crate::db::placeholder(backend, n);
    let sql = format!(
        "SELECT pm.volunteer_id AS volunteer_id, \
         CAST(COALESCE(SUM(CASE WHEN s.service_date >= {p1} AND s.service_date <= {p2} THEN s.minutes ELSE 0 END), 0) AS BIGINT) AS quarter_minutes, \
         CAST(COALESCE(SUM(s.minutes), 0) AS BIGINT) AS year_minutes \
         FROM party_members pm JOIN communities c ON c.id = pm.community_id \
         JOIN service_records s ON s.volunteer_id = pm.volunteer_id AND s.status = {approved} \
         AND s.service_date >= {p3} AND s.service_date <= {p4} \
         JOIN activities a ON a.id = s.activity_id AND a.status IN {counted} \
         WHERE pm.department_id = {p5} AND {held} GROUP BY pm.volunteer_id",
        p1 = p(1),
        p2 = p(2),
        p3 = p(3),
        p4 = p(4),
        p5 = p(5),
        approved = sql_value(ServiceRecordStatus::Approved),
        counted = sql_values([ActivityStatus::Published, ActivityStatus::Completed]),
        held = progress::held_at(backend),
    );
    #[derive(FromQueryResult)]
    struct Row {
        volunteer_id: i32,
        quarter_minutes: i64,
        year_minutes: i64,
    }
    let values: Vec<Value> = vec![
        from.into(),
        to.into(),
        year_from.into(),
        year_to.into(),
        department_id.into(),
    ];
    let rows = Row::find_by_statement(Statement::from_sql_and_values(backend, sql, values))
        .all(db)
        .await?;
    let minimum_hours = minimum_hours(db).await?;
    Ok(members
        .into_iter()
        .map(|member| {
            let row = rows.iter().find(|r| r.volunteer_id == member.volunteer_id);
            MemberService {
                quarter_minutes: row.map_or(0, |r| r.quarter_minutes),
                year_minutes: row.map_or(0, |r| r.year_minutes),
                minimum_hours,
                member,
            }
        })
        .collect())
}
