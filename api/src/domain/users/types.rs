//! GraphQL objects of users and volunteers.

use std::collections::{HashMap, HashSet};

use async_graphql::dataloader::Loader;
use async_graphql::{Context, ID, InputObject, Object, SimpleObject};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QuerySelect};

use entity::enums::Role;
use entity::{activity, department, registration, user, volunteer};

use crate::domain::access::{RecordScope, activities_of_department, record_scope};
use crate::domain::activities::types::Department;
use crate::domain::hours::types::{
    ServiceRecordConnection, ServiceRecordStatus as GqlRecordStatus,
};
use crate::domain::registrations::types::{RegistrationConnection, RegistrationStatus};
use crate::domain::surveys::types::SurveyResponseConnection;
use crate::error::{AppError, GqlResult, Reason, Thing};
use crate::graphql::loaders::{DbLoader, Loaders, by_id, keep_joined};
use crate::graphql::pagination::Page;
use crate::graphql::{ContextExt, to_id};

#[derive(async_graphql::Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "Role", name = "Role")]
pub enum GqlRole {
    Volunteer,
    Resident,
    Organizer,
    Viewer,
    Admin,
}

/// 138****5678: the first three and last four digits.
pub fn mask_phone(phone: &str) -> String {
    let chars: Vec<char> = phone.chars().collect();
    if chars.len() < 8 {
        return "*".repeat(chars.len());
    }
    let head: String = chars[..3].iter().collect();
    let tail: String = chars[chars.len() - 4..].iter().collect();
    format!("{head}****{tail}")
}

pub fn round_hours(minutes: i64) -> f64 {
    (minutes as f64 / 60.0 * 100.0).round() / 100.0
}

pub struct User {
    pub model: user::Model,
    /// The reader is this user (a session being opened), before any token says so.
    pub is_self: bool,
}

impl User {
    pub fn new(model: user::Model) -> Self {
        User {
            model,
            is_self: false,
        }
    }

    /// Only the user reaches their own notifications (not an admin either).
    fn require_self(&self, ctx: &Context<'_>) -> Result<(), AppError> {
        let viewer = ctx.viewer().require()?;
        if viewer.id != self.model.id {
            return Err(AppError::of(Reason::OwnerOnly));
        }
        Ok(())
    }
}

impl From<user::Model> for User {
    fn from(model: user::Model) -> Self {
        User::new(model)
    }
}

crate::graphql::pagination::connection!(UserConnection, UserEdge, User);

/// A signed-in device: one login, kept alive by its refresh token.
pub struct AccountSession {
    pub model: entity::refresh_session::Model,
    /// The session of the access token that asks.
    pub current: bool,
}

#[Object]
impl AccountSession {
    /// What `revokeSession` takes.
    async fn id(&self) -> ID {
        ID(self.model.id.clone())
    }
    async fn created_at(&self) -> chrono::DateTime<chrono::FixedOffset> {
        crate::graphql::scalars::local(self.model.created_at)
    }
    /// The last refresh, if any since the login.
    async fn last_used_at(&self) -> Option<chrono::DateTime<chrono::FixedOffset>> {
        self.model.last_used_at.map(crate::graphql::scalars::local)
    }
    async fn expires_at(&self) -> chrono::DateTime<chrono::FixedOffset> {
        crate::graphql::scalars::local(self.model.expires_at)
    }
    /// True for the session of the request's own access token.
    async fn current(&self) -> bool {
        self.current
    }
}

#[Object]
impl User {
    async fn id(&self) -> ID {
        to_id(self.model.id)
    }
    async fn display_name(&self) -> &str {
        &self.model.display_name
    }
    /// Masked (138****5678) unless the viewer is this user or an admin.
    async fn phone(&self, ctx: &Context<'_>) -> String {
        let phone = self.model.phone.clone().unwrap_or_default();
        match ctx.viewer().user() {
            _ if self.is_self => phone,
            Some(viewer) if viewer.id == self.model.id || viewer.is_admin() => phone,
            _ => mask_phone(&phone),
        }
    }
    async fn roles(&self) -> Vec<GqlRole> {
        Role::parse_list(&self.model.roles)
            .into_iter()
            .map(GqlRole::from)
            .collect()
    }
    /// The organizer's department.
    async fn department(&self, ctx: &Context<'_>) -> GqlResult<Option<Department>> {
        let Some(id) = self.model.department_id else {
            return Ok(None);
        };
        Ok(
            by_id::<department::Entity>(ctx.data_unchecked::<Loaders>(), id)
                .await?
                .map(Department),
        )
    }
    /// The volunteer profile, once enrolled.
    async fn volunteer(&self, ctx: &Context<'_>) -> GqlResult<Option<Volunteer>> {
        let loaders = ctx.data_unchecked::<Loaders>();
        Ok(loaders
            .load_one(VolunteerOfUser(self.model.id))
            .await?
            .flatten()
            .map(Volunteer))
    }
    /// The user's notifications, newest first (only the unread ones with `unreadOnly`):
    /// the user's own only, not even an admin reads someone else's.
    #[graphql(cache_control(no_cache))]
    #[allow(clippy::too_many_arguments)]
    async fn notifications(
        &self,
        ctx: &Context<'_>,
        unread_only: Option<bool>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> GqlResult<crate::domain::notifications::types::NotificationConnection> {
        self.require_self(ctx)?;
        let page = Page::from_args(crate::graphql::pagination::PageArgs {
            first,
            after,
            last,
            before,
        })?;
        Ok(crate::domain::notifications::service::list(
            &ctx.state().db,
            self.model.id,
            unread_only.unwrap_or(false),
            page,
        )
        .await?
        .into())
    }
    /// Unread notifications: the user's own only.
    #[graphql(cache_control(no_cache))]
    async fn unread_notification_count(&self, ctx: &Context<'_>) -> GqlResult<i32> {
        self.require_self(ctx)?;
        let count =
            crate::domain::notifications::service::unread_count(&ctx.state().db, self.model.id)
                .await?;
        Ok(i32::try_from(count).unwrap_or(i32::MAX))
    }
    /// The kinds of notification the user muted: the user's own only.
    async fn muted_notification_kinds(
        &self,
        ctx: &Context<'_>,
    ) -> GqlResult<Vec<crate::domain::notifications::types::NotificationKind>> {
        self.require_self(ctx)?;
        Ok(
            crate::domain::notifications::service::muted(&ctx.state().db, self.model.id)
                .await?
                .into_iter()
                .map(Into::into)
                .collect(),
        )
    }
    /// The live sessions (signed-in devices): the user's own, or any user's for an admin.
    async fn sessions(&self, ctx: &Context<'_>) -> GqlResult<Vec<AccountSession>> {
        let viewer = ctx.viewer().require()?;
        if viewer.id != self.model.id && !viewer.is_admin() {
            return Err(AppError::of(Reason::OwnerOnly).into());
        }
        let sessions =
            crate::domain::users::accounts::sessions_of(ctx.state(), self.model.id).await?;
        Ok(sessions
            .into_iter()
            .map(|model| AccountSession {
                current: model.id == viewer.session_id,
                model,
            })
            .collect())
    }
    /// The signed-in resident's own survey responses, with the handling of any complaint.
    async fn feedback(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> GqlResult<SurveyResponseConnection> {
        let viewer = ctx.viewer().require()?;
        if viewer.id != self.model.id {
            return Err(AppError::of(Reason::OwnerOnly).into());
        }
        let page = Page::from_args(crate::graphql::pagination::PageArgs {
            first,
            after,
            last,
            before,
        })?;
        let page =
            crate::domain::surveys::service::feedback_of_user(ctx.state(), self.model.id, page)
                .await?;
        let loaders = ctx.data_unchecked::<Loaders>();
        Ok(
            crate::domain::surveys::loaders::keep_feedback(loaders, page)
                .await
                .into(),
        )
    }
}

/// A user who enrolled to volunteer (志愿者).
pub struct Volunteer(pub volunteer::Model);

impl Volunteer {
    pub async fn load(ctx: &Context<'_>, id: i32) -> GqlResult<Volunteer> {
        by_id::<volunteer::Entity>(ctx.data_unchecked::<Loaders>(), id)
            .await?
            .map(Volunteer)
            .ok_or_else(|| AppError::not_found(Thing::Volunteer).into())
    }
}

#[Object]
impl Volunteer {
    async fn id(&self) -> ID {
        to_id(self.0.id)
    }
    async fn display_name(&self, ctx: &Context<'_>) -> GqlResult<String> {
        Ok(
            by_id::<user::Entity>(ctx.data_unchecked::<Loaders>(), self.0.user_id)
                .await?
                .map(|user| user.display_name)
                .unwrap_or_default(),
        )
    }
    /// Visible to the volunteer, to organizers of activities they registered for, and to admins; null otherwise.
    async fn real_name(&self, ctx: &Context<'_>) -> GqlResult<Option<String>> {
        let Some(viewer) = ctx.viewer().user() else {
            return Ok(None);
        };
        if viewer.id == self.0.user_id || viewer.is_admin() {
            return Ok(Some(self.0.real_name.clone()));
        }
        if !viewer.has(Role::Organizer) || viewer.department_id.is_none() {
            return Ok(None);
        }
        let visible = ctx
            .data_unchecked::<Loaders>()
            .load_one(RealNameVisible(self.0.id))
            .await?
            .unwrap_or(false);
        Ok(visible.then(|| self.0.real_name.clone()))
    }
    async fn skills(&self) -> Vec<String> {
        self.0.skills.0.clone()
    }
    /// Approved hours only.
    async fn total_hours(&self, ctx: &Context<'_>) -> GqlResult<f64> {
        Ok(round_hours(self.approved_minutes(ctx).await?))
    }
    /// From approved hours, by the star policy in force (`starPolicy`; by default 100,
    /// 300, 600, 1000 and 1500 hours make one to five stars).
    async fn star_level(&self, ctx: &Context<'_>) -> GqlResult<i32> {
        let policy = crate::graphql::request_memo::star_policy(ctx).await?;
        Ok(policy.level(self.approved_minutes(ctx).await?))
    }
    /// The day each level was reached, by the policy in force.
    #[graphql(cache_control(no_cache))]
    async fn star_history(&self, ctx: &Context<'_>) -> GqlResult<Vec<StarReached>> {
        self.scope(ctx)?;
        Ok(
            crate::domain::users::stars::star_history(ctx.state(), self.0.id)
                .await?
                .into_iter()
                .map(|(level, day)| StarReached {
                    level,
                    reached_on: crate::graphql::scalars::Date(day),
                })
                .collect(),
        )
    }
    /// Training received (hours of study, not service hours): for the volunteer, admins,
    /// and organizers (what their department recorded).
    #[graphql(cache_control(no_cache))]
    async fn trainings(&self, ctx: &Context<'_>) -> GqlResult<Vec<Training>> {
        Ok(
            crate::domain::users::records::trainings(ctx.state(), ctx.viewer(), &self.0)
                .await?
                .into_iter()
                .map(Training)
                .collect(),
        )
    }
    /// Commendations: for the volunteer, admins, and organizers (what their department
    /// recorded).
    #[graphql(cache_control(no_cache))]
    async fn commendations(&self, ctx: &Context<'_>) -> GqlResult<Vec<Commendation>> {
        Ok(
            crate::domain::users::records::commendations(ctx.state(), ctx.viewer(), &self.0)
                .await?
                .into_iter()
                .map(Commendation)
                .collect(),
        )
    }
    // Not part of a cached dashboard answer: it leads to a list of its own.
    #[graphql(cache_control(no_cache))]
    async fn registrations(
        &self,
        ctx: &Context<'_>,
        status: Option<RegistrationStatus>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> GqlResult<RegistrationConnection> {
        let scope = self.scope(ctx)?;
        let page = Page::from_args(crate::graphql::pagination::PageArgs {
            first,
            after,
            last,
            before,
        })?;
        let page = crate::domain::registrations::service::of_volunteer(
            &ctx.state().db,
            self.0.id,
            scope,
            status.map(Into::into),
            page,
        )
        .await?;
        let loaders = ctx.data_unchecked::<Loaders>();
        Ok(keep_joined::<_, activity::Entity>(loaders, page)
            .await
            .into())
    }
    /// The path of the volunteer's calendar feed (`/calendar/{user}/{token}.ics`), for the
    /// volunteer only; null before `rotateCalendarFeed` made one, and for anyone else.
    #[graphql(cache_control(no_cache))]
    async fn calendar_feed_url(&self, ctx: &Context<'_>) -> GqlResult<Option<String>> {
        match ctx.viewer().user() {
            Some(viewer) if viewer.id == self.0.user_id => {
                Ok(crate::domain::registrations::feed::path(ctx.state(), self.0.user_id).await?)
            }
            _ => Ok(None),
        }
    }
    /// Service proofs issued to the volunteer, newest first: all for the volunteer and
    /// admins, those their department issued for organizers.
    #[graphql(cache_control(no_cache))]
    async fn proofs(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> GqlResult<crate::domain::proofs::types::ServiceProofConnection> {
        let page = Page::from_args(crate::graphql::pagination::PageArgs {
            first,
            after,
            last,
            before,
        })?;
        Ok(
            crate::domain::proofs::service::of_volunteer(ctx.state(), ctx.viewer(), &self.0, page)
                .await?
                .into(),
        )
    }
    // Not part of a cached dashboard answer: it leads to a list of its own.
    #[graphql(cache_control(no_cache))]
    async fn service_records(
        &self,
        ctx: &Context<'_>,
        status: Option<GqlRecordStatus>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> GqlResult<ServiceRecordConnection> {
        let scope = self.scope(ctx)?;
        let page = Page::from_args(crate::graphql::pagination::PageArgs {
            first,
            after,
            last,
            before,
        })?;
        let page = crate::domain::hours::service::of_volunteer(
            &ctx.state().db,
            self.0.id,
            scope,
            status.map(Into::into),
            page,
        )
        .await?;
        let loaders = ctx.data_unchecked::<Loaders>();
        Ok(keep_joined::<_, activity::Entity>(loaders, page)
            .await
            .into())
    }
}

impl Volunteer {
    async fn approved_minutes(&self, ctx: &Context<'_>) -> GqlResult<i64> {
        Ok(ctx
            .data_unchecked::<Loaders>()
            .load_one(ApprovedMinutes(self.0.id))
            .await?
            .unwrap_or(0))
    }

    /// A volunteer's registrations and records: all of them for the volunteer and admins,
    /// those of their department's activities for organizers, none for anyone else.
    fn scope(&self, ctx: &Context<'_>) -> Result<RecordScope, AppError> {
        record_scope(ctx.viewer().require()?, self.0.user_id)
    }
}

#[derive(SimpleObject)]
pub struct Session {
    pub access_token: String,
    pub refresh_token: String,
    /// Seconds until the access token expires.
    pub expires_in: i32,
    pub user: User,
}

#[derive(InputObject)]
pub struct SignUpInput {
    pub phone: String,
    pub password: String,
    pub display_name: String,
    /// The six digits sent by `requestPhoneCode`; required in production mode.
    pub code: Option<String>,
}

#[derive(InputObject)]
pub struct EnrollVolunteerInput {
    pub real_name: String,
    pub skills: Option<Vec<String>>,
}

/// Sum of approved minutes per volunteer.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct ApprovedMinutes(pub i32);

impl Loader<ApprovedMinutes> for DbLoader {
    type Value = i64;
    type Error = crate::error::LoadError;

    async fn load(
        &self,
        keys: &[ApprovedMinutes],
    ) -> Result<HashMap<ApprovedMinutes, i64>, Self::Error> {
        let ids: Vec<i32> = keys.iter().map(|k| k.0).collect();
        let minutes =
            super::service::approved_minutes(&self.db, super::service::Whose::Volunteers(&ids))
                .await?;
        Ok(minutes
            .into_iter()
            .map(|(id, minutes)| (ApprovedMinutes(id), minutes))
            .collect())
    }
}

/// A user's volunteer profile; `None` before they enroll (kept too, so that it is not
/// asked again).
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct VolunteerOfUser(pub i32);

impl Loader<VolunteerOfUser> for DbLoader {
    type Value = Option<volunteer::Model>;
    type Error = crate::error::LoadError;

    async fn load(
        &self,
        keys: &[VolunteerOfUser],
    ) -> Result<HashMap<VolunteerOfUser, Self::Value>, Self::Error> {
        let rows = volunteer::Entity::find()
            .filter(volunteer::Column::UserId.is_in(keys.iter().map(|k| k.0)))
            .all(&self.db)
            .await?;
        let mut map: HashMap<VolunteerOfUser, Self::Value> =
            keys.iter().map(|k| (*k, None)).collect();
        map.extend(
            rows.into_iter()
                .map(|row| (VolunteerOfUser(row.user_id), Some(row))),
        );
        Ok(map)
    }
}

/// The signed-in user for `me`, with what the selection asks of their volunteer profile
/// read at the same time: the profile joined to the user, and, for `totalHours` or
/// `starLevel`, their approved minutes (found through the user) and the star policy.
/// `me { volunteer { totalHours starLevel } }` is then one round trip, where the fields
/// alone take three in a row (the user, then the profile, then the minutes).
pub async fn me(ctx: &Context<'_>) -> GqlResult<Option<User>> {
    let Some(viewer) = ctx.viewer().user() else {
        return Ok(None);
    };
    let look = ctx.look_ahead();
    let volunteer = look.field("volunteer");
    let stars = volunteer.field("starLevel").exists();
    let hours = stars || volunteer.field("totalHours").exists();
    let state = ctx.state();
    let (found, minutes, _) = futures::try_join!(
        super::service::current_user_with_volunteer(&state.db, ctx.viewer()),
        async {
            if hours {
                super::service::approved_minutes(&state.db, super::service::Whose::User(viewer.id))
                    .await
                    .map(Some)
                    .map_err(AppError::from)
            } else {
                Ok(None)
            }
        },
        async {
            if stars {
                crate::graphql::request_memo::star_policy(ctx)
                    .await
                    .map(|_| ())
            } else {
                Ok(())
            }
        },
    )?;
    let Some((user, profile)) = found else {
        return Ok(None);
    };
    let loaders = ctx.data_unchecked::<Loaders>();
    if let (Some(minutes), Some(profile)) = (minutes, &profile) {
        let total = minutes.get(&profile.id).copied().unwrap_or(0);
        loaders.feed_one(ApprovedMinutes(profile.id), total).await;
    }
    loaders.feed_one(VolunteerOfUser(user.id), profile).await;
    Ok(Some(User::new(user)))
}

/// Whether the viewing organizer's department leads an activity the volunteer registered for.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct RealNameVisible(pub i32);

impl Loader<RealNameVisible> for DbLoader {
    type Value = bool;
    type Error = crate::error::LoadError;

    async fn load(
        &self,
        keys: &[RealNameVisible],
    ) -> Result<HashMap<RealNameVisible, bool>, Self::Error> {
        let Some(department_id) = self.department_id else {
            return Ok(HashMap::new());
        };
        let ids: HashSet<i32> = registration::Entity::find()
            .select_only()
            .column(registration::Column::VolunteerId)
            .distinct()
            .filter(registration::Column::VolunteerId.is_in(keys.iter().map(|k| k.0)))
            .filter(
                registration::Column::ActivityId
                    .in_subquery(activities_of_department(department_id)),
            )
            .into_tuple::<i32>()
            .all(&self.db)
            .await?
            .into_iter()
            .collect();
        Ok(keys
            .iter()
            .map(|key| (*key, ids.contains(&key.0)))
            .collect())
    }
}

/// A star level and the day it was reached.
#[derive(SimpleObject)]
pub struct StarReached {
    pub level: i32,
    pub reached_on: crate::graphql::scalars::Date,
}

/// The star policy: the cumulative approved hours each level needs, rising.
#[derive(SimpleObject)]
pub struct StarPolicy {
    pub thresholds: Vec<f64>,
}

/// Training a volunteer received (Art 8).
pub struct Training(pub entity::training::Model);

#[Object]
impl Training {
    async fn id(&self) -> ID {
        to_id(self.0.id)
    }
    async fn name(&self) -> &str {
        &self.0.name
    }
    async fn content(&self) -> Option<&str> {
        self.0.content.as_deref()
    }
    /// Hours of study; never counted as service hours.
    async fn hours(&self) -> f64 {
        round_hours(i64::from(self.0.minutes))
    }
    /// Who held it.
    async fn organizer(&self) -> &str {
        &self.0.organizer
    }
    async fn held_on(&self) -> crate::graphql::scalars::Date {
        crate::graphql::scalars::Date(self.0.held_on)
    }
}

/// A commendation a volunteer received (Art 9).
pub struct Commendation(pub entity::commendation::Model);

#[Object]
impl Commendation {
    async fn id(&self) -> ID {
        to_id(self.0.id)
    }
    async fn name(&self) -> &str {
        &self.0.name
    }
    async fn granted_on(&self) -> crate::graphql::scalars::Date {
        crate::graphql::scalars::Date(self.0.granted_on)
    }
    /// The body that granted it.
    async fn granted_by(&self) -> &str {
        &self.0.granted_by
    }
}

#[derive(InputObject)]
pub struct TrainingInput {
    pub volunteer_id: ID,
    /// At most 200 characters.
    pub name: String,
    /// At most 2,000 characters.
    pub content: Option<String>,
    /// More than 0, at most 500.
    pub hours: f64,
    /// Who held it; at most 200 characters.
    pub organizer: String,
    pub held_on: crate::graphql::scalars::Date,
}

#[derive(InputObject)]
pub struct CommendationInput {
    pub volunteer_id: ID,
    /// At most 200 characters.
    pub name: String,
    pub granted_on: crate::graphql::scalars::Date,
    /// The granting body; at most 200 characters.
    pub granted_by: String,
}
