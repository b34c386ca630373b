//! The signed-in user of one request, as the access token describes them.

use entity::enums::Role;

use crate::error::{AppError, Reason};

#[derive(Debug, Clone, Default)]
pub enum Viewer {
    #[default]
    Anonymous,
    User(SignedInUser),
}

#[derive(Debug, Clone)]
pub struct SignedInUser {
    pub id: i32,
    pub session_id: String,
    pub roles: Vec<Role>,
    pub department_id: Option<i32>,
}

impl SignedInUser {
    pub fn has(&self, role: Role) -> bool {
        self.roles.contains(&role)
    }

    pub fn is_admin(&self) -> bool {
        self.has(Role::Admin)
    }

    /// Organizers act for their own department; admins for every department.
    pub fn may_manage_department(&self, department_id: Option<i32>) -> bool {
        self.is_admin()
            || (self.has(Role::Organizer)
                && department_id.is_some()
                && self.department_id == department_id)
    }

    /// Organizer of one of these departments, or admin.
    pub fn may_manage_any(&self, department_ids: &[i32]) -> bool {
        self.is_admin()
            || (self.has(Role::Organizer)
                && self
                    .department_id
                    .is_some_and(|own| department_ids.contains(&own)))
    }

    /// Viewers and admins read every figure; organizers only their own department's.
    pub fn reads_everything(&self) -> bool {
        self.has(Role::Admin) || self.has(Role::Viewer)
    }
}

impl Viewer {
    pub fn user(&self) -> Option<&SignedInUser> {
        match self {
            Viewer::User(user) => Some(user),
            _ => None,
        }
    }

    pub fn require(&self) -> Result<&SignedInUser, AppError> {
        self.user().ok_or(AppError::of(Reason::LoginRequired))
    }

    pub fn require_any(&self, roles: &[Role]) -> Result<&SignedInUser, AppError> {
        let user = self.require()?;
        if roles.iter().any(|role| user.has(*role)) {
            Ok(user)
        } else {
            Err(AppError::of(Reason::RoleForbidden))
        }
    }
}

/// The client's address as this server sees it (the connection's peer, or what a trusted
/// proxy's header says): what per-address limits count by.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientAddress(pub String);
