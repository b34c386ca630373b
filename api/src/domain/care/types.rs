//! GraphQL objects of care pairings. A `CareRecipient` is only ever built from a row the
//! service returned for the viewer's scope.

use std::collections::HashMap;

use async_graphql::dataloader::Loader;
use async_graphql::{Context, Enum, ID, InputObject, Object, SimpleObject};
use chrono::{DateTime, Duration, FixedOffset};

use entity::enums::{RiskTier as DbRiskTier, VisitMode as DbVisitMode};
use entity::{care_visit, community, department, volunteer};

use crate::domain::activities::types::Department;
use crate::domain::pairings::types::Community;
use crate::domain::users::types::Volunteer;
use crate::error::{AppError, GqlResult, Thing};
use crate::graphql::loaders::{DbLoader, Loaders, by_id};
use crate::graphql::pagination::{Page, PageArgs, connection};
use crate::graphql::scalars::{Date, local, today};
use crate::graphql::to_id;

use super::service::{self, Recipient};

#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "DbRiskTier")]
pub enum RiskTier {
    /// 高风险: weekly by default.
    High,
    /// 重点: monthly by default.
    Key,
    /// 一般: quarterly by default.
    General,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "DbVisitMode")]
pub enum VisitMode {
    Visit,
    Phone,
    Video,
}

connection!(CareRecipientConnection, CareRecipientEdge, CareRecipient);
connection!(CareVisitConnection, CareVisitEdge, CareVisit);

impl From<Recipient> for CareRecipient {
    fn from(r: Recipient) -> Self {
        CareRecipient(r)
    }
}

impl From<care_visit::Model> for CareVisit {
    fn from(v: care_visit::Model) -> Self {
        CareVisit(v)
    }
}

/// An elder of a care pairing. Private: the responsible department's organizers, the
/// volunteers paired to them, admins.
pub struct CareRecipient(pub Recipient);

#[Object]
impl CareRecipient {
    async fn id(&self) -> ID {
        to_id(self.0.model.id)
    }
    async fn name(&self) -> &str {
        &self.0.model.name
    }
    async fn address(&self) -> Option<&str> {
        self.0.model.address.as_deref()
    }
    async fn risk_tier(&self) -> RiskTier {
        self.0.model.risk_tier.into()
    }
    /// 孤寡, 空巢, 独居 …
    async fn situations(&self) -> Vec<String> {
        self.0.model.situations.0.clone()
    }
    /// The day consent to being registered and visited was recorded.
    async fn consent_on(&self) -> Date {
        Date(self.0.model.consent_on)
    }
    /// The responsible department.
    async fn department(&self, ctx: &Context<'_>) -> GqlResult<Department> {
        by_id::<department::Entity>(ctx.data_unchecked::<Loaders>(), self.0.model.department_id)
            .await?
            .map(Department)
            .ok_or_else(|| AppError::not_found(Thing::Department).into())
    }
    async fn community(&self, ctx: &Context<'_>) -> GqlResult<Community> {
        by_id::<community::Entity>(ctx.data_unchecked::<Loaders>(), self.0.model.community_id)
            .await?
            .map(Community)
            .ok_or_else(|| AppError::not_found(Thing::Community).into())
    }
    async fn last_visited_at(&self) -> Option<DateTime<FixedOffset>> {
        self.0.last_visited_at.map(local)
    }
    /// The last visit's day plus the tier's interval (the day of consent when never
    /// visited), and no later than a day after a major event reported since.
    async fn next_visit_due_on(&self) -> Date {
        Date(self.0.next_visit_due_on)
    }
    /// The next visit was due before today (+08:00).
    async fn overdue(&self) -> bool {
        self.0.overdue_on(today())
    }
    /// A major event reported and not yet followed by a visit.
    async fn pending_event(&self) -> Option<CareEvent> {
        self.0.model.event_reported_at.map(|at| CareEvent {
            reported_at: local(at),
            visit_due_by: local(at + Duration::hours(24)),
            note: self.0.model.event_note.clone(),
        })
    }
    /// Visits, newest first (time, then id). Keyset pages: `first`/`after` forward,
    /// `last`/`before` backward.
    async fn visits(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> GqlResult<CareVisitConnection> {
        let page = Page::from_args(PageArgs {
            first,
            after,
            last,
            before,
        })?;
        let visits = ctx
            .data_unchecked::<Loaders>()
            .load_one(VisitsOf(self.0.model.id))
            .await?
            .unwrap_or_default();
        Ok(service::visits_page(visits, &page)?.into())
    }
    /// The volunteers paired to them.
    async fn volunteers(&self, ctx: &Context<'_>) -> GqlResult<Vec<Volunteer>> {
        let ids = ctx
            .data_unchecked::<Loaders>()
            .load_one(VolunteersOf(self.0.model.id))
            .await?
            .unwrap_or_default();
        let loaded = ctx
            .data_unchecked::<Loaders>()
            .load_many(
                ids.iter()
                    .map(|id| crate::graphql::loaders::ById::<volunteer::Entity>::new(*id)),
            )
            .await?;
        Ok(ids
            .iter()
            .filter_map(|id| {
                loaded
                    .get(&crate::graphql::loaders::ById::<volunteer::Entity>::new(
                        *id,
                    ))
                    .cloned()
            })
            .map(Volunteer)
            .collect())
    }
}

#[derive(SimpleObject)]
pub struct CareEvent {
    pub reported_at: DateTime<FixedOffset>,
    /// 24 hours after the report.
    pub visit_due_by: DateTime<FixedOffset>,
    pub note: Option<String>,
}

pub struct CareVisit(pub care_visit::Model);

#[Object]
impl CareVisit {
    async fn id(&self) -> ID {
        to_id(self.0.id)
    }
    async fn visited_at(&self) -> DateTime<FixedOffset> {
        local(self.0.visited_at)
    }
    async fn mode(&self) -> VisitMode {
        self.0.mode.into()
    }
    async fn minutes(&self) -> i32 {
        self.0.minutes
    }
    async fn notes(&self) -> Option<&str> {
        self.0.notes.as_deref()
    }
    /// Problems found (health, housing, money …).
    async fn issues(&self) -> Option<&str> {
        self.0.issues.as_deref()
    }
    async fn follow_up_needed(&self) -> bool {
        self.0.follow_up_needed
    }
    /// Its minutes went into the visitor's service hours (a record reviewed by the
    /// department).
    async fn counts_as_service_hours(&self) -> bool {
        self.0.service_record_id.is_some()
    }
}

#[derive(InputObject)]
pub struct CareRecipientInput {
    pub department_id: ID,
    pub community_id: ID,
    /// 1–32 characters.
    pub name: String,
    /// At most 200 characters.
    pub address: Option<String>,
    pub risk_tier: RiskTier,
    /// At most 10 labels of 32 characters.
    pub situations: Option<Vec<String>>,
    /// The day consent was recorded; not in the future.
    pub consent_on: Date,
}

#[derive(InputObject)]
pub struct CareVisitInput {
    pub recipient_id: ID,
    /// Not in the future.
    pub visited_at: DateTime<FixedOffset>,
    pub mode: VisitMode,
    /// 1–1,440.
    pub minutes: i32,
    /// At most 2,000 characters.
    pub notes: Option<String>,
    /// At most 2,000 characters.
    pub issues: Option<String>,
    pub follow_up_needed: Option<bool>,
    /// The visit's minutes become service hours of the visiting volunteer: a PENDING
    /// record of the day at the month's 结对关爱走访 activity, reviewed by the department
    /// (default false). The visitor must be a volunteer (VOLUNTEER_REQUIRED).
    pub count_as_service_hours: Option<bool>,
}

#[derive(InputObject, Default)]
pub struct CareRecipientFilter {
    pub department_id: Option<ID>,
    pub risk_tier: Option<RiskTier>,
    /// Only those whose next visit was due before today: the department's overdue list.
    pub overdue: Option<bool>,
}

/// Days between visits per risk tier.
#[derive(SimpleObject, InputObject)]
#[graphql(input_name = "CareVisitRuleInput")]
pub struct CareVisitRule {
    /// 1–366 (default 7).
    pub high_days: i32,
    /// 1–366 (default 30).
    pub key_days: i32,
    /// 1–366 (default 90).
    pub general_days: i32,
}

impl From<service::VisitRule> for CareVisitRule {
    fn from(r: service::VisitRule) -> Self {
        CareVisitRule {
            high_days: r.high_days,
            key_days: r.key_days,
            general_days: r.general_days,
        }
    }
}

/// Care figures: counts only, never a name.
pub struct CareFigures(pub service::CareFigures);

#[Object]
impl CareFigures {
    /// Per month of the range (the current month without one; at most 24): recipients on
    /// the register and those visited in the month.
    async fn visit_rate_by_month(&self) -> Vec<CareMonth> {
        self.0
            .by_month
            .iter()
            .map(|m| CareMonth {
                month: m.month.clone(),
                recipient_count: m.recipient_count as i32,
                visited_count: m.visited_count as i32,
                visit_rate: (m.recipient_count > 0)
                    .then(|| m.visited_count as f64 / m.recipient_count as f64),
            })
            .collect()
    }
    /// Per responsible department: recipients and those overdue today.
    async fn overdue_by_department(&self) -> Vec<CareDepartment> {
        self.0
            .overdue_by_department
            .iter()
            .map(|d| CareDepartment {
                department_id: d.department_id,
                recipient_count: d.recipient_count as i32,
                overdue_count: d.overdue_count as i32,
            })
            .collect()
    }
    /// Per risk tier: recipients and those overdue today.
    async fn by_tier(&self) -> Vec<CareTier> {
        self.0
            .by_tier
            .iter()
            .map(|t| CareTier {
                tier: t.tier.into(),
                recipient_count: t.recipient_count as i32,
                overdue_count: t.overdue_count as i32,
            })
            .collect()
    }
}

#[derive(SimpleObject)]
pub struct CareMonth {
    /// YYYY-MM.
    pub month: String,
    pub recipient_count: i32,
    pub visited_count: i32,
    /// visited / recipients; null without recipients.
    pub visit_rate: Option<f64>,
}

#[derive(SimpleObject)]
#[graphql(complex)]
pub struct CareDepartment {
    #[graphql(skip)]
    pub department_id: i32,
    pub recipient_count: i32,
    pub overdue_count: i32,
}

#[async_graphql::ComplexObject]
impl CareDepartment {
    async fn department(&self, ctx: &Context<'_>) -> GqlResult<Department> {
        by_id::<department::Entity>(ctx.data_unchecked::<Loaders>(), self.department_id)
            .await?
            .map(Department)
            .ok_or_else(|| AppError::not_found(Thing::Department).into())
    }
}

#[derive(SimpleObject)]
pub struct CareTier {
    pub tier: RiskTier,
    pub recipient_count: i32,
    pub overdue_count: i32,
}

#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct VisitsOf(pub i32);

impl Loader<VisitsOf> for DbLoader {
    type Value = Vec<care_visit::Model>;
    type Error = crate::error::LoadError;

    async fn load(&self, keys: &[VisitsOf]) -> Result<HashMap<VisitsOf, Self::Value>, Self::Error> {
        let ids: Vec<i32> = keys.iter().map(|k| k.0).collect();
        Ok(service::visits_of(&self.db, &ids)
            .await?
            .into_iter()
            .map(|(id, rows)| (VisitsOf(id), rows))
            .collect())
    }
}

#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct VolunteersOf(pub i32);

impl Loader<VolunteersOf> for DbLoader {
    type Value = Vec<i32>;
    type Error = crate::error::LoadError;

    async fn load(
        &self,
        keys: &[VolunteersOf],
    ) -> Result<HashMap<VolunteersOf, Self::Value>, Self::Error> {
        let ids: Vec<i32> = keys.iter().map(|k| k.0).collect();
        Ok(service::volunteers_of(&self.db, &ids)
            .await?
            .into_iter()
            .map(|(id, rows)| (VolunteersOf(id), rows))
            .collect())
    }
}
