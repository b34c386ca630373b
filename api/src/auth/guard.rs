//! Declarative guards: `#[graphql(guard = "RoleGuard::any(&[Role::Admin])")]`.

use async_graphql::{Context, Guard};

use entity::enums::Role;

use std::time::Duration;

use crate::auth::Viewer;
use crate::auth::viewer::ClientAddress;
use crate::cache::CacheKey;
use crate::error::AppError;
use crate::graphql::ContextExt;

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
/// The civilization office (文明办) and admins.
pub const OFFICE: &[Role] = &[Role::Viewer, Role::Admin];
pub const VOLUNTEERS: &[Role] = &[Role::Volunteer];

/// What is limited per client address: operations anyone may call that cost the server
/// (argon2, an account, a WeChat round trip) or that count in public figures.
#[derive(Debug, Clone, Copy)]
pub enum AddressLimit {
    /// 10 an hour.
    SignUp,
    /// 10 an hour.
    PhoneCode,
    /// 30 in 10 minutes.
    WechatLogin,
    /// 60 in 10 minutes.
    RefreshSession,
    /// 30 in 10 minutes; organizers entering answers are not limited.
    SubmitSurveyResponse,
}

impl AddressLimit {
    /// (label, requests, window)
    pub const fn rule(self) -> (&'static str, u64, Duration) {
        match self {
            AddressLimit::SignUp => ("signUp", 10, Duration::from_secs(3600)),
            AddressLimit::PhoneCode => ("requestPhoneCode", 10, Duration::from_secs(3600)),
            AddressLimit::WechatLogin => ("wechatLogin", 30, Duration::from_secs(600)),
            AddressLimit::RefreshSession => ("refreshSession", 60, Duration::from_secs(600)),
            AddressLimit::SubmitSurveyResponse => {
                ("submitSurveyResponse", 30, Duration::from_secs(600))
            }
        }
    }
}

/// At most so many requests of one kind per client address and window, counted in the
/// shared cache (so across instances); beyond: RATE_LIMITED with `retryAfter`.
pub struct PerAddress(AddressLimit);

impl PerAddress {
    pub const fn new(limit: AddressLimit) -> Self {
        PerAddress(limit)
    }
}

impl Guard for PerAddress {
    async fn check(&self, ctx: &Context<'_>) -> async_graphql::Result<()> {
        let state = ctx.state();
        let Some(address) = ctx.data_opt::<ClientAddress>() else {
            return Ok(());
        };
        if !state.config.address_limits {
            return Ok(());
        }
        let exempt = matches!(self.0, AddressLimit::SubmitSurveyResponse)
            && ctx
                .viewer()
                .user()
                .is_some_and(|user| user.has(Role::Organizer) || user.is_admin());
        if exempt {
            // Organizers type in the answers of hotlines and paper forms, any number.
            return Ok(());
        }
        let (kind, max, window) = self.0.rule();
        let key = CacheKey::AddressRequests {
            kind,
            address: address.0.clone(),
            window,
        };
        Ok(state.cache.limit(&key, max).await?)
    }
}
