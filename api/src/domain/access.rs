//! Who may reach which activities and the records hanging off them: one rule each, used
//! by every path that reaches the data.

use sea_orm::ColumnTrait;
use sea_orm::sea_query::{Query, SelectStatement};

use entity::activity_department;

use crate::auth::viewer::SignedInUser;
use crate::error::{AppError, AppResult};

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
        _ => Err(AppError::forbidden(
            "these records are private to the volunteer",
        )),
    }
}
