//! GraphQL objects of plans and activities, wrapping their models.

use async_graphql::{
    ComplexObject, Context, Enum, ID, InputObject, MaybeUndefined, Object, SimpleObject,
};
use chrono::{DateTime, FixedOffset};

use entity::enums::{
    ActivityStatus as DbActivityStatus, RegistrationStatus as DbRegistrationStatus,
};
use entity::{activity, activity_location, category, community, department, plan};

use crate::domain::hours::types::{ServiceRecordConnection, ServiceRecordStatus};
use crate::domain::pairings::types::{Commitment, CommitmentsOfActivity, Community, Pairing};
use crate::domain::registrations::types::{
    Registration, RegistrationConnection, RegistrationStatus, WaitlistPosition,
};
use crate::domain::surveys::types::Survey;
use crate::error::{AppError, AppResult, GqlResult};
use crate::graphql::loaders::{Loaders, by_id};
use crate::graphql::pagination::{Page, connection};
use crate::graphql::scalars::local;
use crate::graphql::{ContextExt, change, change_id, parse_id, parse_opt_id, to_id};

use super::loaders::{ActivityDepartments, ActivityLocations};
use super::service;

#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "DbActivityStatus")]
pub enum ActivityStatus {
    Draft,
    Published,
    Completed,
    Cancelled,
}

/// A department (科室) of the bureau.
pub struct Department(pub department::Model);

#[Object]
impl Department {
    async fn id(&self) -> ID {
        to_id(self.0.id)
    }
    /// e.g. 养老科.
    async fn name(&self) -> &str {
        &self.0.name
    }
}

/// An annual plan (活动方案).
pub struct Plan(pub plan::Model);

#[Object]
impl Plan {
    async fn id(&self) -> ID {
        to_id(self.0.id)
    }
    async fn title(&self) -> &str {
        &self.0.title
    }
    async fn year(&self) -> i32 {
        self.0.year
    }
    /// The issuing body, e.g. 泉州市民政局.
    async fn issuer(&self) -> Option<&str> {
        self.0.issuer.as_deref()
    }
    /// Its special actions (专项行动), in the order the plan names them.
    async fn categories(&self, ctx: &Context<'_>) -> GqlResult<Vec<Category>> {
        Ok(service::plan_categories(&ctx.state().db, self.0.id)
            .await?
            .into_iter()
            .map(Category)
            .collect())
    }
    /// The plan's activities that the viewer may see, in plan order.
    async fn activities(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> GqlResult<ActivityConnection> {
        let filter = service::ActivityQuery {
            plan_id: Some(self.0.id),
            ..Default::default()
        };
        let page = Page::from_args(crate::graphql::pagination::PageArgs {
            first,
            after,
            last,
            before,
        })?;
        super::loaders::connection(ctx, &filter, page).await
    }
}

/// A special action (专项行动) of a plan, e.g. 绿色环保.
pub struct Category(pub category::Model);

#[Object]
impl Category {
    async fn id(&self) -> ID {
        to_id(self.0.id)
    }
    async fn name(&self) -> &str {
        &self.0.name
    }
    async fn description(&self) -> Option<&str> {
        self.0.description.as_deref()
    }
}

/// Where an activity takes place.
#[derive(SimpleObject)]
#[graphql(complex)]
pub struct Location {
    pub name: String,
    pub address: Option<String>,
    /// Held online (线上).
    pub online: bool,
    /// The plan says 待定 (to be decided).
    pub tbd: bool,
    #[graphql(skip)]
    pub community: Option<community::Model>,
}

#[ComplexObject]
impl Location {
    /// The community or village, when the place is one the bureau knows.
    async fn community(&self) -> Option<Community> {
        self.community.clone().map(Community)
    }
}

impl From<(activity_location::Model, Option<community::Model>)> for Location {
    fn from((model, community): (activity_location::Model, Option<community::Model>)) -> Self {
        Location {
            name: model.name,
            address: model.address,
            online: model.online,
            tbd: model.tbd,
            community,
        }
    }
}

/// One activity of the plan (one row of the plan table), or one an organizer created.
pub struct Activity(pub activity::Model);

connection!(ActivityConnection, ActivityEdge, Activity);

pub fn minutes_to_hours(minutes: i32) -> f64 {
    (minutes as f64 / 60.0 * 100.0).round() / 100.0
}

#[Object]
impl Activity {
    async fn id(&self) -> ID {
        to_id(self.0.id)
    }
    async fn plan(&self, ctx: &Context<'_>) -> GqlResult<Option<Plan>> {
        let Some(id) = self.0.plan_id else {
            return Ok(None);
        };
        Ok(by_id::<plan::Entity>(ctx.data_unchecked::<Loaders>(), id)
            .await?
            .map(Plan))
    }
    /// 序号: the row number in the plan table.
    async fn seq_no(&self) -> Option<i32> {
        self.0.seq_no
    }
    async fn title(&self) -> &str {
        &self.0.title
    }
    async fn category(&self, ctx: &Context<'_>) -> GqlResult<Option<Category>> {
        let Some(id) = self.0.category_id else {
            return Ok(None);
        };
        Ok(
            by_id::<category::Entity>(ctx.data_unchecked::<Loaders>(), id)
                .await?
                .map(Category),
        )
    }
    /// The time as the plan writes it, e.g. “3·5学雷锋日”前后.
    async fn time_label(&self) -> Option<&str> {
        self.0.time_label.as_deref()
    }
    /// The day the activity counts on in date ranges and the default day of its hours:
    /// the day its plan row names ("7·1" of "“7·1建党节”前后", the festival of "重阳节前后"),
    /// else the day it starts; null while undated.
    async fn start_date(&self) -> Option<crate::graphql::scalars::Date> {
        self.0.start_date.map(crate::graphql::scalars::Date)
    }
    /// Null while the plan leaves the date open.
    async fn starts_at(&self) -> Option<DateTime<FixedOffset>> {
        self.0.starts_at.map(local)
    }
    async fn ends_at(&self) -> Option<DateTime<FixedOffset>> {
        self.0.ends_at.map(local)
    }
    async fn status(&self) -> ActivityStatus {
        self.0.status.into()
    }
    /// What happens, item by item, in the plan's order.
    async fn content_items(&self) -> Vec<String> {
        self.0.content_items.0.clone()
    }
    async fn locations(&self, ctx: &Context<'_>) -> GqlResult<Vec<Location>> {
        let loaders = ctx.data_unchecked::<Loaders>();
        Ok(loaders
            .load_one(ActivityLocations(self.0.id))
            .await?
            .unwrap_or_default()
            .into_iter()
            .map(Location::from)
            .collect())
    }
    /// 牵头科室 in order: the first is the primary (主办) department.
    async fn lead_departments(&self, ctx: &Context<'_>) -> GqlResult<Vec<Department>> {
        let loaders = ctx.data_unchecked::<Loaders>();
        Ok(loaders
            .load_one(ActivityDepartments(self.0.id))
            .await?
            .unwrap_or_default()
            .into_iter()
            .map(Department)
            .collect())
    }
    /// Null: no limit.
    async fn capacity(&self) -> Option<i32> {
        self.0.capacity
    }
    /// Places taken (REGISTERED).
    async fn registered_count(&self) -> i32 {
        self.0.registered_count
    }
    /// Volunteers waiting for a place (WAITLISTED).
    async fn waitlist_count(&self) -> i32 {
        self.0.waitlist_count
    }
    /// Opens at publication unless set.
    async fn registration_opens_at(&self) -> Option<DateTime<FixedOffset>> {
        self.0.registration_opens_at.map(local)
    }
    /// Closes at startsAt unless set.
    async fn registration_closes_at(&self) -> Option<DateTime<FixedOffset>> {
        self.0.registration_closes_at.map(local)
    }
    /// Hours planned for each volunteer.
    async fn service_hours(&self) -> Option<f64> {
        self.0.service_minutes.map(minutes_to_hours)
    }
    /// Why it was cancelled.
    async fn cancel_reason(&self) -> Option<&str> {
        self.0.cancel_reason.as_deref()
    }
    /// The person in charge (活动负责人); the phone in full for organizers of its
    /// departments and admins, masked (138****5678) for everyone else.
    async fn person_in_charge(&self, ctx: &Context<'_>) -> GqlResult<Option<PersonInCharge>> {
        let Some(name) = self.0.person_in_charge_name.clone() else {
            return Ok(None);
        };
        let phone = match self.0.person_in_charge_phone.clone() {
            None => None,
            Some(phone) => {
                let manages = match ctx.viewer().user() {
                    Some(user) if user.is_admin() => true,
                    Some(user) if user.has(entity::enums::Role::Organizer) => {
                        let departments = ctx
                            .data_unchecked::<Loaders>()
                            .load_one(ActivityDepartments(self.0.id))
                            .await?
                            .unwrap_or_default();
                        user.may_manage_any(&departments.iter().map(|d| d.id).collect::<Vec<_>>())
                    }
                    _ => false,
                };
                Some(if manages {
                    phone
                } else {
                    crate::domain::users::types::mask_phone(&phone)
                })
            }
        };
        Ok(Some(PersonInCharge { name, phone }))
    }
    /// The pairing arrangement (结对共建) this activity is done under.
    async fn pairing(&self, ctx: &Context<'_>) -> GqlResult<Option<Pairing>> {
        let Some(id) = self.0.pairing_id else {
            return Ok(None);
        };
        Ok(
            by_id::<entity::pairing::Entity>(ctx.data_unchecked::<Loaders>(), id)
                .await?
                .map(Pairing),
        )
    }
    /// The commitments of its pairing this activity fulfils.
    async fn commitments(&self, ctx: &Context<'_>) -> GqlResult<Vec<Commitment>> {
        Ok(ctx
            .data_unchecked::<Loaders>()
            .load_one(CommitmentsOfActivity(self.0.id))
            .await?
            .unwrap_or_default()
            .into_iter()
            .map(|model| Commitment { model, done: None })
            .collect())
    }
    /// The satisfaction survey about this activity, if one was made.
    async fn survey(&self, ctx: &Context<'_>) -> GqlResult<Option<Survey>> {
        crate::domain::surveys::loaders::survey_of_activity(ctx, self.0.id).await
    }
    /// The signed-in volunteer's registration, if any.
    async fn viewer_registration(&self, ctx: &Context<'_>) -> GqlResult<Option<Registration>> {
        let loaders = ctx.data_unchecked::<Loaders>();
        if loaders.loader().user_id.is_none() {
            return Ok(None);
        }
        let Some((registration, position)) = loaders
            .load_one(super::loaders::ViewerRegistration(self.0.id))
            .await?
            .flatten()
        else {
            return Ok(None);
        };
        if let Some(position) = position {
            loaders
                .feed_one(WaitlistPosition(registration.id), position)
                .await;
        }
        Ok(Some(Registration(registration)))
    }
    /// Organizers of a lead department and admins: the roster, in arrival order.
    async fn registrations(
        &self,
        ctx: &Context<'_>,
        status: Option<RegistrationStatus>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> GqlResult<RegistrationConnection> {
        let page = Page::from_args(crate::graphql::pagination::PageArgs {
            first,
            after,
            last,
            before,
        })?;
        Ok(crate::domain::registrations::service::roster(
            ctx.state(),
            ctx.viewer(),
            &self.0,
            status.map(DbRegistrationStatus::from),
            page,
        )
        .await?
        .into())
    }
    /// Organizers of a lead department and admins.
    async fn service_records(
        &self,
        ctx: &Context<'_>,
        status: Option<ServiceRecordStatus>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> GqlResult<ServiceRecordConnection> {
        let page = Page::from_args(crate::graphql::pagination::PageArgs {
            first,
            after,
            last,
            before,
        })?;
        Ok(crate::domain::hours::service::of_activity(
            ctx.state(),
            ctx.viewer(),
            &self.0,
            status.map(Into::into),
            page,
        )
        .await?
        .into())
    }
}

#[derive(InputObject, Default)]
pub struct ActivityFilter {
    pub plan_id: Option<ID>,
    pub category_id: Option<ID>,
    /// A lead department (any position).
    pub department_id: Option<ID>,
    /// A community among the locations.
    pub community_id: Option<ID>,
    pub pairing_id: Option<ID>,
    pub status: Option<ActivityStatus>,
    /// Activities overlapping [from, to].
    pub from: Option<DateTime<FixedOffset>>,
    pub to: Option<DateTime<FixedOffset>>,
    /// Substring of title or content.
    pub search: Option<String>,
    pub open_for_registration: Option<bool>,
}

impl ActivityFilter {
    pub fn to_query(&self) -> crate::error::AppResult<service::ActivityQuery> {
        Ok(service::ActivityQuery {
            plan_id: self
                .plan_id
                .as_ref()
                .map(|id| parse_id(id, "filter.planId"))
                .transpose()?,
            category_id: self
                .category_id
                .as_ref()
                .map(|id| parse_id(id, "filter.categoryId"))
                .transpose()?,
            department_id: self
                .department_id
                .as_ref()
                .map(|id| parse_id(id, "filter.departmentId"))
                .transpose()?,
            community_id: self
                .community_id
                .as_ref()
                .map(|id| parse_id(id, "filter.communityId"))
                .transpose()?,
            pairing_id: self
                .pairing_id
                .as_ref()
                .map(|id| parse_id(id, "filter.pairingId"))
                .transpose()?,
            status: self.status.map(Into::into),
            from: self.from.map(|at| at.to_utc()),
            to: self.to.map(|at| at.to_utc()),
            search: crate::domain::input::optional_line(
                "filter.search",
                self.search.as_deref(),
                crate::domain::input::max::SEARCH,
            )?,
            open_for_registration: self.open_for_registration,
        })
    }
}

#[derive(InputObject, Clone)]
pub struct LocationInput {
    pub name: String,
    pub address: Option<String>,
    pub online: Option<bool>,
    pub tbd: Option<bool>,
    pub community_id: Option<ID>,
}

#[derive(InputObject)]
pub struct ActivityInput {
    pub plan_id: Option<ID>,
    pub seq_no: Option<i32>,
    pub title: String,
    pub category_id: Option<ID>,
    pub time_label: Option<String>,
    pub starts_at: Option<DateTime<FixedOffset>>,
    pub ends_at: Option<DateTime<FixedOffset>>,
    pub content_items: Option<Vec<String>>,
    pub locations: Option<Vec<LocationInput>>,
    pub lead_department_ids: Vec<ID>,
    pub capacity: Option<i32>,
    pub registration_opens_at: Option<DateTime<FixedOffset>>,
    pub registration_closes_at: Option<DateTime<FixedOffset>>,
    pub service_hours: Option<f64>,
    pub pairing_id: Option<ID>,
    /// The person in charge (活动负责人): name and phone.
    pub person_in_charge: Option<PersonInChargeInput>,
}

/// The person in charge of an activity (活动负责人, 《志愿服务记录与证明出具办法（试行）》 Art 7).
#[derive(InputObject, Clone)]
pub struct PersonInChargeInput {
    /// At most 32 characters.
    pub name: String,
    /// A mobile number (11 digits) or a landline; at most 20 characters.
    pub phone: Option<String>,
}

/// The person in charge; the phone is masked for everyone but the organizers of the
/// activity's departments and admins.
#[derive(SimpleObject)]
pub struct PersonInCharge {
    pub name: String,
    pub phone: Option<String>,
}

/// Fields left out stay as they are; an explicit null clears a field (title and lead
/// departments cannot be cleared: null is refused).
#[derive(InputObject)]
pub struct ActivityPatch {
    pub title: MaybeUndefined<String>,
    pub category_id: MaybeUndefined<ID>,
    pub time_label: MaybeUndefined<String>,
    pub starts_at: MaybeUndefined<DateTime<FixedOffset>>,
    pub ends_at: MaybeUndefined<DateTime<FixedOffset>>,
    pub content_items: MaybeUndefined<Vec<String>>,
    pub locations: MaybeUndefined<Vec<LocationInput>>,
    pub lead_department_ids: MaybeUndefined<Vec<ID>>,
    /// Null: no limit. Raising it promotes waitlisted volunteers; lowering it bumps nobody.
    pub capacity: MaybeUndefined<i32>,
    pub registration_opens_at: MaybeUndefined<DateTime<FixedOffset>>,
    pub registration_closes_at: MaybeUndefined<DateTime<FixedOffset>>,
    pub service_hours: MaybeUndefined<f64>,
    pub pairing_id: MaybeUndefined<ID>,
    /// Null clears it.
    pub person_in_charge: MaybeUndefined<PersonInChargeInput>,
}

fn utc(at: Option<DateTime<FixedOffset>>) -> Option<DateTime<chrono::Utc>> {
    at.map(|at| at.to_utc())
}

fn new_locations(locations: Option<Vec<LocationInput>>) -> AppResult<Vec<service::NewLocation>> {
    let locations = locations.unwrap_or_default();
    crate::domain::input::count(
        "locations",
        &locations,
        crate::domain::input::max::LOCATIONS,
    )?;
    locations
        .into_iter()
        .map(|location| {
            Ok(service::NewLocation {
                name: location.name,
                address: location.address,
                online: location.online.unwrap_or(false),
                tbd: location.tbd.unwrap_or(false),
                community_id: parse_opt_id(
                    location.community_id.as_ref(),
                    "locations.communityId",
                )?,
            })
        })
        .collect()
}

fn department_ids(ids: &[ID]) -> AppResult<Vec<i32>> {
    crate::domain::input::count(
        "leadDepartmentIds",
        ids,
        crate::domain::input::max::DEPARTMENTS,
    )?;
    ids.iter()
        .map(|id| parse_id(id, "leadDepartmentIds"))
        .collect()
}

impl TryFrom<ActivityInput> for service::NewActivity {
    type Error = AppError;

    fn try_from(input: ActivityInput) -> AppResult<Self> {
        Ok(service::NewActivity {
            plan_id: parse_opt_id(input.plan_id.as_ref(), "planId")?,
            seq_no: input.seq_no,
            title: input.title,
            category_id: parse_opt_id(input.category_id.as_ref(), "categoryId")?,
            time_label: input.time_label,
            starts_at: utc(input.starts_at),
            ends_at: utc(input.ends_at),
            content_items: input.content_items.unwrap_or_default(),
            locations: new_locations(input.locations)?,
            lead_department_ids: department_ids(&input.lead_department_ids)?,
            capacity: input.capacity,
            registration_opens_at: utc(input.registration_opens_at),
            registration_closes_at: utc(input.registration_closes_at),
            service_hours: input.service_hours,
            pairing_id: parse_opt_id(input.pairing_id.as_ref(), "pairingId")?,
            person_in_charge: input.person_in_charge.map(|p| (p.name, p.phone)),
        })
    }
}

impl TryFrom<ActivityPatch> for service::ActivityChanges {
    type Error = AppError;

    fn try_from(patch: ActivityPatch) -> AppResult<Self> {
        let at = |value: MaybeUndefined<DateTime<FixedOffset>>| change(value).map(|at| at.to_utc());
        Ok(service::ActivityChanges {
            title: change(patch.title),
            category_id: change_id(patch.category_id, "categoryId")?,
            time_label: change(patch.time_label),
            starts_at: at(patch.starts_at),
            ends_at: at(patch.ends_at),
            content_items: change(patch.content_items),
            locations: change(patch.locations).try_map(|l| new_locations(Some(l)))?,
            lead_department_ids: change(patch.lead_department_ids)
                .try_map(|ids| department_ids(&ids))?,
            capacity: change(patch.capacity),
            registration_opens_at: at(patch.registration_opens_at),
            registration_closes_at: at(patch.registration_closes_at),
            service_hours: change(patch.service_hours),
            pairing_id: change_id(patch.pairing_id, "pairingId")?,
            person_in_charge: change(patch.person_in_charge).map(|p| (p.name, p.phone)),
        })
    }
}

#[derive(InputObject)]
pub struct ImportPlanInput {
    pub title: String,
    pub year: i32,
    pub issuer: Option<String>,
    pub csv: String,
    /// Publish the imported activities at once (default: leave them DRAFT).
    pub publish: Option<bool>,
}

#[derive(SimpleObject)]
pub struct ImportPlanResult {
    pub plan: Plan,
    pub created_count: i32,
    /// One line per cell that could not be fully understood (e.g. a time label left undated).
    pub warnings: Vec<String>,
}
