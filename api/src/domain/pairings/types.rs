//! GraphQL objects of communities and pairings.

use std::collections::HashMap;

use async_graphql::dataloader::Loader;
use async_graphql::{Context, Enum, ID, InputObject, Object};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};

use entity::enums::{
    CommitmentUnit as DbCommitmentUnit, CommunityKind as DbCommunityKind,
    PairingKind as DbPairingKind,
};
use entity::{community, department, pairing, pairing_commitment};

use crate::domain::activities::service::ActivityQuery;
use crate::domain::activities::types::{ActivityConnection, Department};
use crate::domain::pairings::service;
use crate::error::{AppError, GqlResult, Thing};
use crate::graphql::loaders::{DbLoader, Loaders, by_id};
use crate::graphql::pagination::Page;
use crate::graphql::scalars::{Date, today};
use crate::graphql::to_id;

#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "DbCommunityKind")]
pub enum CommunityKind {
    Community,
    Village,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "DbCommitmentUnit")]
pub enum CommitmentUnit {
    /// Linked activities that count towards the pairing.
    Activities,
    /// Approved service hours of those activities.
    Hours,
    /// Care visits (visits, calls and video calls alike) logged for the pairing's
    /// department's recipients living in its community, within the pairing's period;
    /// no activity ticks them.
    Visits,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "DbPairingKind")]
pub enum PairingKind {
    /// 结对共建
    CoBuilding,
    /// 挂点帮扶
    Assistance,
}

/// A community (社区) or village (村).
pub struct Community(pub community::Model);

#[Object]
impl Community {
    async fn id(&self) -> ID {
        to_id(self.0.id)
    }
    async fn name(&self) -> &str {
        &self.0.name
    }
    async fn district(&self) -> Option<&str> {
        self.0.district.as_deref()
    }
    async fn kind(&self) -> CommunityKind {
        self.0.kind.into()
    }
    /// The departments paired with it, newest first.
    // Not part of a cached dashboard answer: it leads to a list of its own.
    #[graphql(cache_control(no_cache))]
    async fn pairings(&self, ctx: &Context<'_>) -> GqlResult<Vec<Pairing>> {
        Ok(ctx
            .data_unchecked::<Loaders>()
            .load_one(PairingsOfCommunity(self.0.id))
            .await?
            .unwrap_or_default()
            .into_iter()
            .map(Pairing)
            .collect())
    }
}

/// A standing arrangement between a department and a community.
pub struct Pairing(pub pairing::Model);

impl Pairing {
    pub fn active_on(&self, day: chrono::NaiveDate) -> bool {
        self.0.starts_on <= day && self.0.ends_on.is_none_or(|ends| day <= ends)
    }
}

#[Object]
impl Pairing {
    async fn id(&self) -> ID {
        to_id(self.0.id)
    }
    async fn kind(&self) -> PairingKind {
        self.0.kind.into()
    }
    async fn department(&self, ctx: &Context<'_>) -> GqlResult<Department> {
        by_id::<department::Entity>(ctx.data_unchecked::<Loaders>(), self.0.department_id)
            .await?
            .map(Department)
            .ok_or_else(|| AppError::not_found(Thing::Department).into())
    }
    async fn community(&self, ctx: &Context<'_>) -> GqlResult<Community> {
        by_id::<community::Entity>(ctx.data_unchecked::<Loaders>(), self.0.community_id)
            .await?
            .map(Community)
            .ok_or_else(|| AppError::not_found(Thing::Community).into())
    }
    async fn starts_on(&self) -> Date {
        Date(self.0.starts_on)
    }
    async fn ends_on(&self) -> Option<Date> {
        self.0.ends_on.map(Date)
    }
    /// startsOn ≤ today and (no endsOn or today ≤ endsOn), today in +08:00.
    async fn active(&self) -> bool {
        self.active_on(today())
    }
    /// What the department promised, e.g. 每季度开展一次志愿服务.
    async fn commitments(&self) -> Vec<String> {
        self.0.commitments.0.clone()
    }
    /// Its commitments in order, each with its target, unit and progress (only activities
    /// that count towards the pairing count).
    async fn commitment_progress(&self, ctx: &Context<'_>) -> GqlResult<Vec<Commitment>> {
        Ok(ctx
            .data_unchecked::<Loaders>()
            .load_one(CommitmentsOfPairing(self.0.id))
            .await?
            .unwrap_or_default()
            .into_iter()
            .map(|p| Commitment {
                model: p.commitment,
                done: Some(p.done),
            })
            .collect())
    }
    /// The number of activities aimed at (the “十个一” action: 10).
    async fn target_activity_count(&self) -> i32 {
        self.0.target_activity_count
    }
    /// Activities linked to this pairing that count: COMPLETED, held within its period and
    /// at its community (or naming it).
    async fn completed_activity_count(&self, ctx: &Context<'_>) -> GqlResult<i32> {
        Ok(ctx
            .data_unchecked::<Loaders>()
            .load_one(CompletedUnderPairing(self.0.id))
            .await?
            .unwrap_or(0))
    }
    /// The activities done under it that the viewer may see.
    // Not part of a cached dashboard answer: it leads to a list of its own.
    #[graphql(cache_control(no_cache))]
    async fn activities(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> GqlResult<ActivityConnection> {
        let query = ActivityQuery {
            pairing_id: Some(self.0.id),
            ..Default::default()
        };
        let page = Page::from_args(crate::graphql::pagination::PageArgs {
            first,
            after,
            last,
            before,
        })?;
        crate::domain::activities::loaders::connection(ctx, &query, page).await
    }
}

/// A commitment of a pairing (e.g. an item of “十个一”): a name, a target and a unit.
pub struct Commitment {
    pub model: pairing_commitment::Model,
    /// Known when read through the pairing; else loaded.
    pub done: Option<f64>,
}

#[Object]
impl Commitment {
    async fn id(&self) -> ID {
        to_id(self.model.id)
    }
    async fn name(&self) -> &str {
        &self.model.name
    }
    /// What is aimed at, in `unit`.
    async fn target(&self) -> i32 {
        self.model.target
    }
    async fn unit(&self) -> CommitmentUnit {
        self.model.unit.into()
    }
    /// Done so far: activities that count towards the pairing and tick this commitment,
    /// or their approved hours.
    async fn done(&self, ctx: &Context<'_>) -> GqlResult<f64> {
        if let Some(done) = self.done {
            return Ok(done);
        }
        Ok(ctx
            .data_unchecked::<Loaders>()
            .load_one(CommitmentsOfPairing(self.model.pairing_id))
            .await?
            .unwrap_or_default()
            .into_iter()
            .find(|p| p.commitment.id == self.model.id)
            .map(|p| p.done)
            .unwrap_or(0.0))
    }
}

#[derive(InputObject)]
pub struct CommitmentInput {
    /// At most 500 characters, unique within the pairing.
    pub name: String,
    /// 1–100,000.
    pub target: i32,
    pub unit: CommitmentUnit,
}

#[derive(InputObject)]
pub struct CommunityInput {
    pub name: String,
    pub district: Option<String>,
    pub kind: CommunityKind,
}

#[derive(InputObject)]
pub struct PairingInput {
    pub kind: PairingKind,
    pub department_id: ID,
    pub community_id: ID,
    pub starts_on: Date,
    pub ends_on: Option<Date>,
    pub commitments: Option<Vec<String>>,
    pub target_activity_count: i32,
}

#[derive(InputObject, Default)]
pub struct PairingFilter {
    pub department_id: Option<ID>,
    pub community_id: Option<ID>,
    /// Pairings active on this day.
    pub active_on: Option<Date>,
}

#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct CompletedUnderPairing(pub i32);

impl Loader<CompletedUnderPairing> for DbLoader {
    type Value = i32;
    type Error = crate::error::LoadError;

    async fn load(
        &self,
        keys: &[CompletedUnderPairing],
    ) -> Result<HashMap<CompletedUnderPairing, i32>, Self::Error> {
        let ids: Vec<i32> = keys.iter().map(|k| k.0).collect();
        Ok(service::counted_activity_counts(&self.db, &ids)
            .await?
            .into_iter()
            .map(|(id, n)| (CompletedUnderPairing(id), n as i32))
            .collect())
    }
}

#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct PairingsOfCommunity(pub i32);

impl Loader<PairingsOfCommunity> for DbLoader {
    type Value = Vec<pairing::Model>;
    type Error = crate::error::LoadError;

    async fn load(
        &self,
        keys: &[PairingsOfCommunity],
    ) -> Result<HashMap<PairingsOfCommunity, Self::Value>, Self::Error> {
        let rows = pairing::Entity::find()
            .filter(pairing::Column::CommunityId.is_in(keys.iter().map(|k| k.0)))
            .order_by_desc(pairing::Column::StartsOn)
            .order_by_desc(pairing::Column::Id)
            .all(&self.db)
            .await?;
        let mut map: HashMap<PairingsOfCommunity, Self::Value> = HashMap::new();
        for row in rows {
            map.entry(PairingsOfCommunity(row.community_id))
                .or_default()
                .push(row);
        }
        Ok(map)
    }
}

#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct CommitmentsOfPairing(pub i32);

impl Loader<CommitmentsOfPairing> for DbLoader {
    type Value = Vec<super::commitments::Progress>;
    type Error = crate::error::LoadError;

    async fn load(
        &self,
        keys: &[CommitmentsOfPairing],
    ) -> Result<HashMap<CommitmentsOfPairing, Self::Value>, Self::Error> {
        let ids: Vec<i32> = keys.iter().map(|k| k.0).collect();
        Ok(super::commitments::progress_of(&self.db, &ids)
            .await?
            .into_iter()
            .map(|(id, rows)| (CommitmentsOfPairing(id), rows))
            .collect())
    }
}

#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct CommitmentsOfActivity(pub i32);

impl Loader<CommitmentsOfActivity> for DbLoader {
    type Value = Vec<pairing_commitment::Model>;
    type Error = crate::error::LoadError;

    async fn load(
        &self,
        keys: &[CommitmentsOfActivity],
    ) -> Result<HashMap<CommitmentsOfActivity, Self::Value>, Self::Error> {
        let ids: Vec<i32> = keys.iter().map(|k| k.0).collect();
        Ok(super::commitments::ticked_by(&self.db, &ids)
            .await?
            .into_iter()
            .map(|(id, rows)| (CommitmentsOfActivity(id), rows))
            .collect())
    }
}

/// A pairing's quarter: what happened, and whether the department submitted it.
pub struct PairingReport(pub super::report::Report);

#[Object]
impl PairingReport {
    async fn pairing(&self) -> Pairing {
        Pairing(self.0.pairing.clone())
    }
    async fn year(&self) -> i32 {
        self.0.year
    }
    /// 1–4.
    async fn quarter(&self) -> i32 {
        self.0.quarter
    }
    /// The quarter's first day.
    async fn from(&self) -> Date {
        Date(self.0.from)
    }
    /// The quarter's last day.
    async fn to(&self) -> Date {
        Date(self.0.to)
    }
    /// Activities counting towards the pairing whose day lies in the quarter.
    async fn activity_count(&self) -> i32 {
        self.0.activities.len() as i32
    }
    /// Their approved service hours.
    async fn hours(&self) -> f64 {
        self.0.minutes as f64 / 60.0
    }
    /// Volunteers with approved hours at them.
    async fn volunteer_count(&self) -> i32 {
        self.0.volunteer_count as i32
    }
    /// Care visits in the quarter to the department's recipients in the community.
    async fn visit_count(&self) -> i32 {
        self.0.visit_count as i32
    }
    /// Recipients visited at least once in the quarter.
    async fn visited_recipient_count(&self) -> i32 {
        self.0.visited_recipient_count as i32
    }
    /// Each commitment and what the quarter did towards it.
    async fn commitments(&self) -> Vec<PairingReportCommitment> {
        self.0
            .commitments
            .iter()
            .map(|c| PairingReportCommitment {
                commitment: c.commitment.clone(),
                done: c.done,
            })
            .collect()
    }
    /// The quarter's activities, by day.
    async fn activities(&self) -> Vec<PairingReportActivity> {
        self.0
            .activities
            .iter()
            .map(|a| PairingReportActivity {
                activity: a.activity.clone(),
                hours: a.minutes as f64 / 60.0,
                volunteer_count: a.volunteer_count as i32,
            })
            .collect()
    }
    /// Whether the department submitted it.
    async fn submitted(&self) -> bool {
        self.0.submission.is_some()
    }
    async fn submitted_at(&self) -> Option<chrono::DateTime<chrono::FixedOffset>> {
        self.0
            .submission
            .as_ref()
            .map(|s| crate::graphql::scalars::local(s.submitted_at))
    }
    /// The department's note.
    async fn note(&self) -> Option<&str> {
        self.0.submission.as_ref().and_then(|s| s.note.as_deref())
    }
}

pub struct PairingReportCommitment {
    commitment: pairing_commitment::Model,
    done: f64,
}

#[Object]
impl PairingReportCommitment {
    async fn commitment(&self) -> Commitment {
        Commitment {
            model: self.commitment.clone(),
            done: None,
        }
    }
    /// Done in the quarter, in the commitment's unit.
    async fn done(&self) -> f64 {
        self.done
    }
}

pub struct PairingReportActivity {
    activity: entity::activity::Model,
    hours: f64,
    volunteer_count: i32,
}

#[Object]
impl PairingReportActivity {
    async fn activity(&self) -> crate::domain::activities::types::Activity {
        crate::domain::activities::types::Activity(self.activity.clone())
    }
    /// Approved hours.
    async fn hours(&self) -> f64 {
        self.hours
    }
    async fn volunteer_count(&self) -> i32 {
        self.volunteer_count
    }
}

/// A party member of an organ or department (the home unit) and the community they
/// reported to (双报到).
pub struct PartyMember(pub entity::party_member::Model);

#[Object]
impl PartyMember {
    async fn volunteer(
        &self,
        ctx: &Context<'_>,
    ) -> GqlResult<Option<crate::domain::users::types::Volunteer>> {
        Ok(
            by_id::<entity::volunteer::Entity>(
                ctx.data_unchecked::<Loaders>(),
                self.0.volunteer_id,
            )
            .await?
            .map(crate::domain::users::types::Volunteer),
        )
    }
    /// The home unit.
    async fn department(&self, ctx: &Context<'_>) -> GqlResult<Department> {
        by_id::<department::Entity>(ctx.data_unchecked::<Loaders>(), self.0.department_id)
            .await?
            .map(Department)
            .ok_or_else(|| AppError::not_found(Thing::Department).into())
    }
    /// The residential community reported to, once reported.
    async fn community(&self, ctx: &Context<'_>) -> GqlResult<Option<Community>> {
        let Some(id) = self.0.community_id else {
            return Ok(None);
        };
        Ok(
            by_id::<community::Entity>(ctx.data_unchecked::<Loaders>(), id)
                .await?
                .map(Community),
        )
    }
    async fn reported_on(&self) -> Option<Date> {
        self.0.reported_on.map(Date)
    }
}

/// A party member's service in their community, for the home unit.
pub struct PartyMemberService(pub super::party::MemberService);

#[Object]
impl PartyMemberService {
    async fn member(&self) -> PartyMember {
        PartyMember(self.0.member.clone())
    }
    /// Approved hours in the community in the quarter.
    async fn quarter_hours(&self) -> f64 {
        self.0.quarter_minutes as f64 / 60.0
    }
    /// Approved hours in the community in the quarter's year.
    async fn year_hours(&self) -> f64 {
        self.0.year_minutes as f64 / 60.0
    }
    /// The yearly minimum in force (default 50).
    async fn minimum_hours(&self) -> i32 {
        self.0.minimum_hours
    }
    /// yearHours ≥ minimumHours.
    async fn meets_minimum(&self) -> bool {
        self.0.year_minutes >= i64::from(self.0.minimum_hours) * 60
    }
}
