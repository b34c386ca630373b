//! Declarative guards: `#[graphql(guard = "RoleGuard::any(&[Role::Admin])")]`.

use async_graphql::{Context, Guard};

use entity::enums::Role;

use crate::auth::Viewer;
use crate::error::AppError;

/// Any signed-in user.
pub struct SignedIn;

impl Guard for SignedIn {
    async fn check(&self, ctx: &Context<'_>) -> async_graphql::Result<()> {
        ctx.data_unchecked::<Viewer>().require()?;
        Ok(())
    }
}

/// A signed-in user holding at least one of the roles.
pub struct RoleGuard(&'static [Role]);

impl RoleGuard {
    pub const fn any(roles: &'static [Role]) -> Self {
        RoleGuard(roles)
    }
}

impl Guard for RoleGuard {
    async fn check(&self, ctx: &Context<'_>) -> async_graphql::Result<()> {
        ctx.data_unchecked::<Viewer>()
            .require_any(self.0)
            .map(|_| ())
            .map_err(|err: AppError| err.into())
    }
}

pub const ORGANIZERS: &[Role] = &[Role::Organizer, Role::Admin];
pub const READERS: &[Role] = &[Role::Organizer, Role::Viewer, Role::Admin];
pub const ADMINS: &[Role] = &[Role::Admin];
pub const VOLUNTEERS: &[Role] = &[Role::Volunteer];
