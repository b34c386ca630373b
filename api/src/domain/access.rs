//! Who may reach which activities and the records hanging off them: one rule each, used
//! by every path that reaches the data.

use sea_orm::sea_query::{Query, SelectStatement, SimpleExpr};
use sea_orm::{ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};

use entity::enums::{ActivityStatus, Role};
use entity::{activity, activity_department};

use crate::auth::Viewer;
use crate::auth::viewer::SignedInUser;
use crate::error::{AppError, AppResult, Reason, Thing};

/// The ids of the activities a department takes part in (as lead or co-organizer).
pub fn activities_of_department(department_id: i32) -> SelectStatement {
    Query::select()
        .column(activity_department::Column::ActivityId)
        .from(activity_department::Entity)
        .and_where(activity_department::Column::DepartmentId.eq(department_id))
        .to_owned()
}

/// Which of a volunteer's registrations and service records a viewer may read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecordScope {
    /// The volunteer themselves, and admins.
    All,
    /// An organizer: those of activities their department takes part in, as
    /// `serviceRecords(filter:)` shows them.
    Department(i32),
}

/// The scope of `viewer` over the records of the volunteer whose user is `owner_user_id`;
/// FORBIDDEN for anyone else.
pub fn record_scope(viewer: &SignedInUser, owner_user_id: i32) -> AppResult<RecordScope> {
    if viewer.id == owner_user_id || viewer.is_admin() {
        return Ok(RecordScope::All);
    }
    match viewer.department_id {
        Some(department_id) if viewer.has(entity::enums::Role::Organizer) => {
            Ok(RecordScope::Department(department_id))
        }
        _ => Err(AppError::of(Reason::OwnerOnly)),
    }
}

pub const PUBLIC_STATUSES: [ActivityStatus; 2] =
    [ActivityStatus::Published, ActivityStatus::Completed];

/// Which activities a viewer sees.
#[derive(Debug, Clone, Copy)]
pub enum Visible {
    /// Admins: everything.
    All,
    /// An organizer: the public ones and drafts and cancelled ones of their department.
    PublicAndDepartment(i32),
    /// Everyone else: published and completed activities.
    Public,
}

pub fn visible_to(viewer: &Viewer) -> Visible {
    match viewer.user() {
        Some(user) if user.is_admin() => Visible::All,
        Some(user) if user.has(Role::Organizer) => match user.department_id {
            Some(id) => Visible::PublicAndDepartment(id),
            None => Visible::Public,
        },
        _ => Visible::Public,
    }
}

/// [`visibility`] for an activity already loaded, with the departments taking part in it:
/// the same rule, for paths that reach an activity by its id.
pub fn may_see(viewer: &Viewer, activity: &activity::Model, departments: &[i32]) -> bool {
    PUBLIC_STATUSES.contains(&activity.status)
        || match visible_to(viewer) {
            Visible::All => true,
            Visible::PublicAndDepartment(department_id) => departments.contains(&department_id),
            Visible::Public => false,
        }
}

/// What the viewer may see: published and completed activities for everyone; also drafts
/// and cancelled ones of an organizer's own department; everything for admins.
pub fn visibility(viewer: &Viewer) -> Condition {
    let public = Condition::all().add(activity::Column::Status.is_in(PUBLIC_STATUSES));
    match visible_to(viewer) {
        Visible::All => Condition::all(),
        Visible::PublicAndDepartment(department_id) => Condition::any()
            .add(public)
            .add(of_department(department_id)),
        Visible::Public => public,
    }
}

/// Activities a department takes part in (as lead or co-organizer).
pub fn of_department(department_id: i32) -> SimpleExpr {
    activity::Column::Id.in_subquery(activities_of_department(department_id))
}

pub async fn lead_department_ids<C: ConnectionTrait>(
    db: &C,
    activity_id: i32,
) -> AppResult<Vec<i32>> {
    Ok(activity_department::Entity::find()
        .filter(activity_department::Column::ActivityId.eq(activity_id))
        .order_by_asc(activity_department::Column::Position)
        .all(db)
        .await?
        .into_iter()
        .map(|link| link.department_id)
        .collect())
}

/// The activity, if the viewer organizes it (a lead department's organizer, or an admin).
pub async fn managed<C: ConnectionTrait>(
    db: &C,
    viewer: &Viewer,
    id: i32,
) -> AppResult<activity::Model> {
    let user = viewer.require_any(&[Role::Organizer, Role::Admin])?;
    let activity = activity::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(AppError::not_found(Thing::Activity))?;
    if !user.may_manage_any(&lead_department_ids(db, id).await?) {
        return Err(AppError::of(Reason::NotOwnDepartment));
    }
    Ok(activity)
}
