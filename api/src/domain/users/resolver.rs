//! Accounts and sessions.

use async_graphql::{Context, Object};

use crate::auth::guard::{AddressLimit, PerAddress};
use crate::auth::{RoleGuard, SignedIn};
use crate::error::GqlResult;
use crate::graphql::ContextExt;

use super::accounts;
use super::service::{self, IssuedSession};
use super::types::{
    EnrollVolunteerInput, GqlRole, Session, SignUpInput, User, UserConnection, Volunteer,
};
use super::wechat;
use crate::graphql::pagination::Page;
use crate::graphql::parse_id;
use async_graphql::ID;

impl From<IssuedSession> for Session {
    fn from(issued: IssuedSession) -> Self {
        Session {
            access_token: issued.access_token,
            refresh_token: issued.refresh_token,
            expires_in: issued.expires_in,
            user: User {
                model: issued.user,
                is_self: true,
            },
        }
    }
}

#[derive(Default)]
pub struct UsersQuery;

#[Object]
impl UsersQuery {
    /// Admins: accounts whose name contains `search` (at most 32 characters) or whose
    /// phone starts with it, newest first.
    #[graphql(guard = "RoleGuard::any(crate::auth::guard::ADMINS)")]
    async fn users(
        &self,
        ctx: &Context<'_>,
        search: Option<String>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> GqlResult<UserConnection> {
        let page = Page::from_args(crate::graphql::pagination::PageArgs {
            first,
            after,
            last,
            before,
        })?;
        Ok(
            accounts::search_users(ctx.state(), ctx.viewer(), search.as_deref(), page)
                .await?
                .into(),
        )
    }

    /// The star policy in force: the cumulative approved hours each level needs.
    async fn star_policy(&self, ctx: &Context<'_>) -> GqlResult<super::types::StarPolicy> {
        let policy = super::stars::star_policy(ctx.state()).await?;
        Ok(super::types::StarPolicy {
            thresholds: policy.thresholds.clone(),
        })
    }

    /// The signed-in user; null without a valid token.
    async fn me(&self, ctx: &Context<'_>) -> GqlResult<Option<User>> {
        super::types::me(ctx).await
    }
}

#[derive(Default)]
pub struct UsersMutation;

#[Object]
impl UsersMutation {
    /// Admins: the hours each star level needs, rising (1 to 10 levels, each at most
    /// 100,000 hours). Every star level follows at once. Audited.
    #[graphql(guard = "RoleGuard::any(crate::auth::guard::ADMINS)")]
    async fn set_star_policy(
        &self,
        ctx: &Context<'_>,
        thresholds: Vec<f64>,
    ) -> GqlResult<super::types::StarPolicy> {
        let policy = super::stars::set_star_policy(ctx.state(), ctx.viewer(), &thresholds).await?;
        Ok(super::types::StarPolicy {
            thresholds: policy.thresholds,
        })
    }

    /// Organizers (for volunteers who served their department) and admins: a training the
    /// volunteer received. Audited.
    #[graphql(guard = "RoleGuard::any(crate::auth::guard::ORGANIZERS)")]
    async fn record_training(
        &self,
        ctx: &Context<'_>,
        input: super::types::TrainingInput,
    ) -> GqlResult<super::types::Training> {
        let new = super::records::NewTraining {
            volunteer_id: crate::graphql::parse_id(&input.volunteer_id, "volunteerId")?,
            name: input.name,
            content: input.content,
            hours: input.hours,
            organizer: input.organizer,
            held_on: input.held_on.0,
        };
        Ok(super::types::Training(
            super::records::record_training(ctx.state(), ctx.viewer(), new).await?,
        ))
    }

    /// Organizers (for volunteers who served their department) and admins: a commendation
    /// the volunteer received. Audited.
    #[graphql(guard = "RoleGuard::any(crate::auth::guard::ORGANIZERS)")]
    async fn record_commendation(
        &self,
        ctx: &Context<'_>,
        input: super::types::CommendationInput,
    ) -> GqlResult<super::types::Commendation> {
        let new = super::records::NewCommendation {
            volunteer_id: crate::graphql::parse_id(&input.volunteer_id, "volunteerId")?,
            name: input.name,
            granted_on: input.granted_on.0,
            granted_by: input.granted_by,
        };
        Ok(super::types::Commendation(
            super::records::record_commendation(ctx.state(), ctx.viewer(), new).await?,
        ))
    }

    /// A new resident account; signs in at once.
    #[graphql(guard = "PerAddress::new(AddressLimit::SignUp)")]
    async fn sign_up(&self, ctx: &Context<'_>, input: SignUpInput) -> GqlResult<Session> {
        Ok(service::sign_up(
            ctx.state(),
            &input.phone,
            &input.password,
            &input.display_name,
            input.code.as_deref(),
        )
        .await?
        .into())
    }

    /// Texts a sign-up code to a new number, or a note to a number that has an account;
    /// answers true either way (5 texts per number an hour, 10 requests per address).
    #[graphql(guard = "PerAddress::new(AddressLimit::PhoneCode)")]
    async fn request_phone_code(&self, ctx: &Context<'_>, phone: String) -> GqlResult<bool> {
        super::phone_codes::request_code(ctx.state(), &phone).await?;
        Ok(true)
    }

    async fn login(
        &self,
        ctx: &Context<'_>,
        phone: String,
        password: String,
    ) -> GqlResult<Session> {
        Ok(service::login(ctx.state(), &phone, &password).await?.into())
    }

    /// Mini-program login: the code from wx.login(), exchanged server-side for the openid.
    #[graphql(guard = "PerAddress::new(AddressLimit::WechatLogin)")]
    async fn wechat_login(&self, ctx: &Context<'_>, code: String) -> GqlResult<Session> {
        Ok(wechat::login(ctx.state(), &code).await?.into())
    }

    /// Rotates: the old refresh token stops working; reusing it revokes the whole session.
    #[graphql(guard = "PerAddress::new(AddressLimit::RefreshSession)")]
    async fn refresh_session(
        &self,
        ctx: &Context<'_>,
        refresh_token: String,
    ) -> GqlResult<Session> {
        Ok(service::refresh(ctx.state(), &refresh_token).await?.into())
    }

    /// Ends the session of this refresh token.
    async fn logout(&self, ctx: &Context<'_>, refresh_token: String) -> GqlResult<bool> {
        Ok(service::logout(ctx.state(), &refresh_token).await?)
    }

    /// The signed-in user's new password, after the current one (a wrong one counts as a
    /// guess, like a failed login); every other session of theirs ends. True when changed.
    #[graphql(guard = "SignedIn")]
    async fn change_password(
        &self,
        ctx: &Context<'_>,
        current_password: String,
        new_password: String,
    ) -> GqlResult<bool> {
        accounts::change_password(ctx.state(), ctx.viewer(), &current_password, &new_password)
            .await?;
        Ok(true)
    }

    /// Admins: sets a user's password (8–128 characters) and ends every session of theirs.
    #[graphql(guard = "RoleGuard::any(crate::auth::guard::ADMINS)")]
    async fn reset_password(
        &self,
        ctx: &Context<'_>,
        user_id: ID,
        new_password: String,
    ) -> GqlResult<User> {
        let id = parse_id(&user_id, "userId")?;
        Ok(User::new(
            accounts::reset_password(ctx.state(), ctx.viewer(), id, &new_password).await?,
        ))
    }

    /// Admins: adds ORGANIZER (with its department), VIEWER or ADMIN. The user's next
    /// access token carries it (`refreshSession` gives one at once).
    #[graphql(guard = "RoleGuard::any(crate::auth::guard::ADMINS)")]
    async fn grant_role(
        &self,
        ctx: &Context<'_>,
        user_id: ID,
        role: GqlRole,
        department_id: Option<ID>,
    ) -> GqlResult<User> {
        let id = parse_id(&user_id, "userId")?;
        let department = department_id
            .as_ref()
            .map(|d| parse_id(d, "departmentId"))
            .transpose()?;
        Ok(User::new(
            accounts::grant_role(ctx.state(), ctx.viewer(), id, role.into(), department).await?,
        ))
    }

    /// Admins: removes ORGANIZER (and its department), VIEWER or ADMIN (never the last
    /// admin). Gone from the user's tokens at the latest when the current one expires.
    #[graphql(guard = "RoleGuard::any(crate::auth::guard::ADMINS)")]
    async fn revoke_role(&self, ctx: &Context<'_>, user_id: ID, role: GqlRole) -> GqlResult<User> {
        let id = parse_id(&user_id, "userId")?;
        Ok(User::new(
            accounts::revoke_role(ctx.state(), ctx.viewer(), id, role.into()).await?,
        ))
    }

    /// Ends a session (a signed-in device): one's own, or anyone's for an admin. Its refresh
    /// token stops working at once; its access token expires within 15 minutes.
    #[graphql(guard = "SignedIn")]
    async fn revoke_session(&self, ctx: &Context<'_>, id: ID) -> GqlResult<bool> {
        Ok(accounts::revoke_session(ctx.state(), ctx.viewer(), id.as_str()).await?)
    }

    /// Binds the phone number of the mini-program's `getPhoneNumber` button (its code,
    /// exchanged server-side at WeChat, which verified the number) to the signed-in account.
    #[graphql(guard = "SignedIn")]
    async fn bind_wechat_phone(&self, ctx: &Context<'_>, code: String) -> GqlResult<User> {
        Ok(User::new(
            wechat::bind_phone(ctx.state(), ctx.viewer(), &code).await?,
        ))
    }

    /// Adds the VOLUNTEER role; sign in again (or refresh) for a token that carries it.
    #[graphql(guard = "SignedIn")]
    async fn enroll_as_volunteer(
        &self,
        ctx: &Context<'_>,
        input: EnrollVolunteerInput,
    ) -> GqlResult<Volunteer> {
        let skills = input.skills.unwrap_or_default();
        Ok(Volunteer(
            service::enroll(ctx.state(), ctx.viewer(), &input.real_name, &skills).await?,
        ))
    }
}
