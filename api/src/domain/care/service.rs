//! Care pairings (结对帮扶): the register of care recipients, volunteers paired to them,
//! visits, the visit rule by risk tier, due dates and the figures.
//!
//! **Privacy.** A recipient is seen only by the organizers of the responsible department,
//! the volunteers paired to them (their own recipients only) and admins; every read goes
//! through [`Scope`], and a recipient outside it is NOT_FOUND, never FORBIDDEN, so nobody
//! learns that it exists. No other capability reads these tables but the figures, which
//! count and never name.

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, EntityTrait,
    QueryFilter, QueryOrder, QuerySelect, Set,
};
use serde::{Deserialize, Serialize};

use entity::enums::{RiskTier, Role, VisitMode};
use entity::{
    care_assignment, care_recipient, care_visit, community, department, setting, volunteer,
};

use crate::auth::Viewer;
use crate::auth::viewer::SignedInUser;
use crate::context::AppState;
use crate::db::begin_write;
use crate::domain::audit;
use crate::domain::calendar::{local_date, today};
use crate::domain::input::{self, max};
use crate::domain::page::{self, Page, PageRequest};
use crate::domain::registrations::service::volunteer_of_user;
use crate::error::{AppError, AppResult, Reason, Thing};

const RULE_SETTING: &str = "care_visit_rule";
/// Situations per recipient, each a short label (孤寡, 空巢, 独居, 失能 …).
pub const MAX_SITUATIONS: usize = 10;
/// The longest interval a tier may have: a year.
pub const MAX_INTERVAL_DAYS: i32 = 366;
/// The longest visit: a day.
pub const MAX_VISIT_MINUTES: i32 = 24 * 60;

/// Days between visits by risk tier; an admin changes it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct VisitRule {
    pub high_days: i32,
    pub key_days: i32,
    pub general_days: i32,
}

impl Default for VisitRule {
    /// Weekly for high risk, monthly for key, quarterly for general (the provincial rule
    /// the issue cites), in days.
    fn default() -> Self {
        VisitRule {
            high_days: 7,
            key_days: 30,
            general_days: 90,
        }
    }
}

impl VisitRule {
    pub fn days(&self, tier: RiskTier) -> i64 {
        i64::from(match tier {
            RiskTier::High => self.high_days,
            RiskTier::Key => self.key_days,
            RiskTier::General => self.general_days,
        })
    }
}

pub async fn visit_rule<C: ConnectionTrait>(db: &C) -> AppResult<VisitRule> {
    Ok(setting::Entity::find_by_id(RULE_SETTING.to_owned())
        .one(db)
        .await?
        .and_then(|row| serde_json::from_str(&row.value).ok())
        .unwrap_or_default())
}

/// Admins set the days between visits per tier (1–366 each). Audited.
pub async fn set_visit_rule(
    state: &AppState,
    viewer: &Viewer,
    rule: VisitRule,
) -> AppResult<VisitRule> {
    viewer.require_any(&[Role::Admin])?;
    for (field, days) in [
        ("highDays", rule.high_days),
        ("keyDays", rule.key_days),
        ("generalDays", rule.general_days),
    ] {
        if !(1..=MAX_INTERVAL_DAYS).contains(&days) {
            return Err(AppError::input(
                field,
                Reason::OutOfRange {
                    min: 1,
                    max: MAX_INTERVAL_DAYS as i64,
                },
            ));
        }
    }
    let value = serde_json::to_string(&rule)
        .map_err(|err| AppError::internal(anyhow::anyhow!("visit rule: {err}")))?;
    let txn = begin_write(&state.writer).await?;
    setting::Entity::insert(setting::ActiveModel {
        key: Set(RULE_SETTING.to_owned()),
        value: Set(value),
    })
    .on_conflict(
        OnConflict::column(setting::Column::Key)
            .update_column(setting::Column::Value)
            .to_owned(),
    )
    .exec(&txn)
    .await?;
    audit::record(&txn, viewer, audit::AuditAction::CareRuleSet, None).await?;
    txn.commit().await?;
    state.dashboards_changed().await;
    Ok(rule)
}

/// Whose recipients a viewer may see.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    All,
    /// An organizer's department, and (when they volunteer too) their own recipients.
    Department(i32, Option<i32>),
    /// A volunteer's own recipients.
    Volunteer(i32),
}

/// The viewer's scope; a signed-in user with none of these roles is FORBIDDEN.
pub async fn scope<C: ConnectionTrait>(db: &C, viewer: &Viewer) -> AppResult<Scope> {
    let user = viewer.require()?;
    if user.is_admin() {
        return Ok(Scope::All);
    }
    let own = if user.has(Role::Volunteer) {
        volunteer_of_user(db, user.id).await?.map(|v| v.id)
    } else {
        None
    };
    match (organizer_department(user), own) {
        (Some(department), own) => Ok(Scope::Department(department, own)),
        (None, Some(volunteer)) => Ok(Scope::Volunteer(volunteer)),
        (None, None) => Err(AppError::of(Reason::RoleForbidden)),
    }
}

fn organizer_department(user: &SignedInUser) -> Option<i32> {
    user.has(Role::Organizer)
        .then_some(user.department_id)
        .flatten()
}

impl Scope {
    fn condition(&self) -> Condition {
        let of_volunteer = |volunteer: i32| {
            care_recipient::Column::Id.in_subquery(
                sea_orm::sea_query::Query::select()
                    .column(care_assignment::Column::RecipientId)
                    .from(care_assignment::Entity)
                    .and_where(care_assignment::Column::VolunteerId.eq(volunteer))
                    .to_owned(),
            )
        };
        match self {
            Scope::All => Condition::all(),
            Scope::Department(department, None) => {
                Condition::all().add(care_recipient::Column::DepartmentId.eq(*department))
            }
            Scope::Department(department, Some(volunteer)) => Condition::any()
                .add(care_recipient::Column::DepartmentId.eq(*department))
                .add(of_volunteer(*volunteer)),
            Scope::Volunteer(volunteer) => Condition::all().add(of_volunteer(*volunteer)),
        }
    }

    /// Organizers of the department and admins manage; paired volunteers only log visits
    /// and report events.
    fn manages(&self, recipient: &care_recipient::Model) -> bool {
        match self {
            Scope::All => true,
            Scope::Department(department, _) => *department == recipient.department_id,
            Scope::Volunteer(_) => false,
        }
    }
}

/// The recipient, if the viewer may see it; NOT_FOUND otherwise.
pub async fn visible<C: ConnectionTrait>(
    db: &C,
    scope: &Scope,
    id: i32,
) -> AppResult<care_recipient::Model> {
    care_recipient::Entity::find_by_id(id)
        .filter(scope.condition())
        .one(db)
        .await?
        .ok_or(AppError::not_found(Thing::CareRecipient))
}

/// A recipient with their visit due date.
#[derive(Debug, Clone)]
pub struct Recipient {
    pub model: care_recipient::Model,
    pub last_visited_at: Option<DateTime<Utc>>,
    pub next_visit_due_on: NaiveDate,
}

impl Recipient {
    pub fn overdue_on(&self, day: NaiveDate) -> bool {
        self.next_visit_due_on < day
    }
}

/// When the next visit is due: the last visit's day plus the tier's interval (the day of
/// consent when never visited), and no later than a day after a major event reported
/// since the last visit.
pub fn next_due(
    rule: &VisitRule,
    model: &care_recipient::Model,
    last_visited_at: Option<DateTime<Utc>>,
) -> NaiveDate {
    let regular = match last_visited_at {
        Some(at) => local_date(at) + Duration::days(rule.days(model.risk_tier)),
        None => model.consent_on,
    };
    match model.event_reported_at {
        Some(event) if last_visited_at.is_none_or(|last| last < event) => {
            regular.min(local_date(event + Duration::hours(24)))
        }
        _ => regular,
    }
}

/// Filters of the register.
#[derive(Debug, Default, Clone)]
pub struct RecipientQuery {
    pub department_id: Option<i32>,
    pub risk_tier: Option<RiskTier>,
    /// Only those whose next visit was due before today.
    pub overdue: bool,
}

/// A recipient's position in the register: the most urgent first (due date, then id).
fn urgency(r: &Recipient) -> Vec<i64> {
    vec![
        i64::from(r.next_visit_due_on.num_days_from_ce()),
        i64::from(r.model.id),
    ]
}

/// A visit's position among a recipient's visits: the newest first (time, then id).
pub fn recency(v: &care_visit::Model) -> Vec<i64> {
    vec![-v.visited_at.timestamp_micros(), -i64::from(v.id)]
}

/// A page of the recipients the viewer may see, the most urgent first (due date, then
/// id). The due date comes from the visit rule, not a column: the register (dozens of
/// elders per department) is read in the viewer's scope and sliced at the cursor's
/// position ([`page::slice_sorted`]), so a page neither repeats nor skips anyone whose
/// due date did not change in between.
pub async fn recipients(
    db: &DatabaseConnection,
    viewer: &Viewer,
    q: RecipientQuery,
    page: &PageRequest,
) -> AppResult<Page<Recipient>> {
    let scope = scope(db, viewer).await?;
    let mut query = care_recipient::Entity::find().filter(scope.condition());
    if let Some(department) = q.department_id {
        query = query.filter(care_recipient::Column::DepartmentId.eq(department));
    }
    if let Some(tier) = q.risk_tier {
        query = query.filter(care_recipient::Column::RiskTier.eq(tier));
    }
    let models = query.all(db).await?;
    let mut rows = with_due(db, models).await?;
    if q.overdue {
        let day = today();
        rows.retain(|r| r.overdue_on(day));
    }
    rows.sort_by_key(urgency);
    page::slice_sorted(rows, 2, page, urgency)
}

/// A page of one recipient's visits, newest first, from all of them (loaded for every
/// recipient of a response in one statement).
pub fn visits_page(
    mut visits: Vec<care_visit::Model>,
    page: &PageRequest,
) -> AppResult<Page<care_visit::Model>> {
    visits.sort_by_key(recency);
    page::slice_sorted(visits, 2, page, recency)
}

/// Due dates of these recipients: one grouped statement for the last visits.
pub async fn with_due<C: ConnectionTrait>(
    db: &C,
    models: Vec<care_recipient::Model>,
) -> AppResult<Vec<Recipient>> {
    let rule = visit_rule(db).await?;
    let last = last_visits(db, &models.iter().map(|m| m.id).collect::<Vec<_>>()).await?;
    Ok(models
        .into_iter()
        .map(|model| {
            let last_visited_at = last.get(&model.id).copied();
            Recipient {
                next_visit_due_on: next_due(&rule, &model, last_visited_at),
                last_visited_at,
                model,
            }
        })
        .collect())
}

async fn last_visits<C: ConnectionTrait>(
    db: &C,
    ids: &[i32],
) -> AppResult<HashMap<i32, DateTime<Utc>>> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let rows: Vec<(i32, Option<DateTime<Utc>>)> = care_visit::Entity::find()
        .select_only()
        .column(care_visit::Column::RecipientId)
        .column_as(care_visit::Column::VisitedAt.max(), "last")
        .filter(care_visit::Column::RecipientId.is_in(ids.iter().copied()))
        .group_by(care_visit::Column::RecipientId)
        .into_tuple()
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .filter_map(|(id, at)| at.map(|at| (id, at)))
        .collect())
}

/// What registering a recipient needs.
pub struct NewRecipient {
    pub department_id: i32,
    pub community_id: i32,
    pub name: String,
    pub address: Option<String>,
    pub risk_tier: RiskTier,
    pub situations: Vec<String>,
    /// The day consent was given; required: nobody is registered without it.
    pub consent_on: NaiveDate,
}

/// Registers a recipient: organizers of the responsible department, admins. Audited.
#[tracing::instrument(skip(state, viewer, new), err(level = "info", Debug))]
pub async fn register(
    state: &AppState,
    viewer: &Viewer,
    new: NewRecipient,
) -> AppResult<care_recipient::Model> {
    let user = viewer.require()?;
    if !user.may_manage_department(Some(new.department_id)) {
        return Err(AppError::of(Reason::NotOwnDepartment));
    }
    let name = input::line("name", &new.name, max::NAME)?;
    let address = input::optional_line("address", new.address.as_deref(), max::ADDRESS)?;
    let situations = input::lines("situations", &new.situations, MAX_SITUATIONS, max::NAME)?;
    if new.consent_on > today() {
        return Err(AppError::input("consentOn", Reason::DateInFuture));
    }
    let txn = begin_write(&state.writer).await?;
    department::Entity::find_by_id(new.department_id)
        .one(&txn)
        .await?
        .ok_or_else(|| AppError::input("departmentId", Reason::UnknownReference))?;
    community::Entity::find_by_id(new.community_id)
        .one(&txn)
        .await?
        .ok_or_else(|| AppError::input("communityId", Reason::UnknownReference))?;
    let created = care_recipient::ActiveModel {
        department_id: Set(new.department_id),
        community_id: Set(new.community_id),
        name: Set(name),
        address: Set(address),
        risk_tier: Set(new.risk_tier),
        situations: Set(situations.into()),
        consent_on: Set(new.consent_on),
        event_reported_at: Set(None),
        event_note: Set(None),
        created_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    audit::record(
        &txn,
        viewer,
        audit::AuditAction::CareRecipientRegister,
        Some(created.id),
    )
    .await?;
    txn.commit().await?;
    state.dashboards_changed().await;
    Ok(created)
}

/// Pairs a volunteer with a recipient, or ends the pairing: organizers of the responsible
/// department, admins. Audited.
#[tracing::instrument(skip(state, viewer), err(level = "info", Debug))]
pub async fn assign(
    state: &AppState,
    viewer: &Viewer,
    recipient_id: i32,
    volunteer_id: i32,
    paired: bool,
) -> AppResult<care_recipient::Model> {
    let txn = begin_write(&state.writer).await?;
    let scope = scope(&txn, viewer).await?;
    let recipient = visible(&txn, &scope, recipient_id).await?;
    if !scope.manages(&recipient) {
        return Err(AppError::of(Reason::NotOwnDepartment));
    }
    volunteer::Entity::find_by_id(volunteer_id)
        .one(&txn)
        .await?
        .ok_or_else(|| AppError::input("volunteerId", Reason::UnknownReference))?;
    if paired {
        care_assignment::Entity::insert(care_assignment::ActiveModel {
            recipient_id: Set(recipient_id),
            volunteer_id: Set(volunteer_id),
            created_at: Set(Utc::now()),
        })
        .on_conflict_do_nothing_on([
            care_assignment::Column::RecipientId,
            care_assignment::Column::VolunteerId,
        ])
        .exec(&txn)
        .await?;
    } else {
        care_assignment::Entity::delete_many()
            .filter(care_assignment::Column::RecipientId.eq(recipient_id))
            .filter(care_assignment::Column::VolunteerId.eq(volunteer_id))
            .exec(&txn)
            .await?;
    }
    let action = if paired {
        audit::AuditAction::CareAssign
    } else {
        audit::AuditAction::CareUnassign
    };
    audit::record(&txn, viewer, action, Some(recipient_id)).await?;
    txn.commit().await?;
    state.dashboards_changed().await;
    Ok(recipient)
}

/// A visit to log.
pub struct NewVisit {
    pub recipient_id: i32,
    pub visited_at: DateTime<Utc>,
    pub mode: VisitMode,
    pub minutes: i32,
    pub notes: Option<String>,
    pub issues: Option<String>,
    pub follow_up_needed: bool,
    /// The visit's minutes go into the visitor's service hours, to be reviewed
    /// ([`super::hours`]); the visitor must be a volunteer.
    pub count_as_service_hours: bool,
}

/// Logs a visit: the recipient's paired volunteers, the department's organizers, admins.
/// A visit at or after a reported event settles it; one that counts as service hours goes
/// into the visitor's pending record of the day. Audited.
#[tracing::instrument(skip(state, viewer, new), err(level = "info", Debug))]
pub async fn log_visit(
    state: &AppState,
    viewer: &Viewer,
    new: NewVisit,
) -> AppResult<care_visit::Model> {
    let user = viewer.require()?;
    if new.visited_at > Utc::now() {
        return Err(AppError::input("visitedAt", Reason::DateInFuture));
    }
    if local_date(new.visited_at).year() < 2000 {
        return Err(AppError::input("visitedAt", Reason::YearOutOfRange));
    }
    if !(1..=MAX_VISIT_MINUTES).contains(&new.minutes) {
        return Err(AppError::input(
            "minutes",
            Reason::OutOfRange {
                min: 1,
                max: MAX_VISIT_MINUTES as i64,
            },
        ));
    }
    let notes = input::optional_text("notes", new.notes.as_deref(), max::TEXT)?;
    let issues = input::optional_text("issues", new.issues.as_deref(), max::TEXT)?;
    let txn = begin_write(&state.writer).await?;
    let scope = scope(&txn, viewer).await?;
    let recipient = visible(&txn, &scope, new.recipient_id).await?;
    let serving = if new.count_as_service_hours {
        let volunteer = volunteer_of_user(&txn, user.id)
            .await?
            .ok_or(AppError::of(Reason::VolunteerRequired))?;
        Some(volunteer.id)
    } else {
        None
    };
    let visit = care_visit::ActiveModel {
        recipient_id: Set(recipient.id),
        visitor_user_id: Set(user.id),
        visited_at: Set(new.visited_at),
        visited_on: Set(local_date(new.visited_at)),
        mode: Set(new.mode),
        minutes: Set(new.minutes),
        notes: Set(notes),
        issues: Set(issues),
        follow_up_needed: Set(new.follow_up_needed),
        created_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    let visit = match serving {
        Some(volunteer_id) => {
            super::hours::feed(&txn, viewer, &recipient, visit, volunteer_id).await?
        }
        None => visit,
    };
    if recipient
        .event_reported_at
        .is_some_and(|event| event <= new.visited_at)
    {
        let mut model: care_recipient::ActiveModel = recipient.into();
        model.event_reported_at = Set(None);
        model.event_note = Set(None);
        model.update(&txn).await?;
    }
    audit::record(
        &txn,
        viewer,
        audit::AuditAction::CareVisitLog,
        Some(visit.id),
    )
    .await?;
    txn.commit().await?;
    state.dashboards_changed().await;
    Ok(visit)
}

/// A major event (a fall, a hospital stay, a bereavement …): a visit is due within 24
/// hours. The paired volunteers, the department's organizers and admins report it. Audited.
#[tracing::instrument(skip(state, viewer, note), err(level = "info", Debug))]
pub async fn report_event(
    state: &AppState,
    viewer: &Viewer,
    recipient_id: i32,
    note: &str,
) -> AppResult<care_recipient::Model> {
    let note = input::text("note", note, max::NOTE)?;
    let txn = begin_write(&state.writer).await?;
    let scope = scope(&txn, viewer).await?;
    let recipient = visible(&txn, &scope, recipient_id).await?;
    let mut model: care_recipient::ActiveModel = recipient.clone().into();
    // An earlier event still unvisited keeps the earlier deadline.
    if recipient.event_reported_at.is_none() {
        model.event_reported_at = Set(Some(Utc::now()));
    }
    model.event_note = Set(Some(note));
    let updated = model.update(&txn).await?;
    audit::record(
        &txn,
        viewer,
        audit::AuditAction::CareEventReport,
        Some(recipient_id),
    )
    .await?;
    txn.commit().await?;
    state.dashboards_changed().await;
    Ok(updated)
}

/// Visits of these recipients, newest first, by recipient.
pub async fn visits_of<C: ConnectionTrait>(
    db: &C,
    ids: &[i32],
) -> Result<HashMap<i32, Vec<care_visit::Model>>, sea_orm::DbErr> {
    let rows = care_visit::Entity::find()
        .filter(care_visit::Column::RecipientId.is_in(ids.iter().copied()))
        .order_by_desc(care_visit::Column::VisitedAt)
        .order_by_desc(care_visit::Column::Id)
        .all(db)
        .await?;
    let mut map: HashMap<i32, Vec<care_visit::Model>> = HashMap::new();
    for row in rows {
        map.entry(row.recipient_id).or_default().push(row);
    }
    Ok(map)
}

/// Volunteers paired to these recipients, by recipient.
pub async fn volunteers_of<C: ConnectionTrait>(
    db: &C,
    ids: &[i32],
) -> Result<HashMap<i32, Vec<i32>>, sea_orm::DbErr> {
    let rows = care_assignment::Entity::find()
        .filter(care_assignment::Column::RecipientId.is_in(ids.iter().copied()))
        .order_by_asc(care_assignment::Column::VolunteerId)
        .all(db)
        .await?;
    let mut map: HashMap<i32, Vec<i32>> = HashMap::new();
    for row in rows {
        map.entry(row.recipient_id)
            .or_default()
            .push(row.volunteer_id);
    }
    Ok(map)
}

/// The care figures of a dashboard: counts only, never a name.
#[derive(Debug, Clone, Default)]
pub struct CareFigures {
    pub by_month: Vec<MonthVisits>,
    pub overdue_by_department: Vec<DepartmentOverdue>,
    pub by_tier: Vec<TierFigures>,
}

#[derive(Debug, Clone)]
pub struct MonthVisits {
    /// YYYY-MM.
    pub month: String,
    /// Recipients on the register (by the day of their consent) by the month's end.
    pub recipient_count: i64,
    /// Of them, those visited in the month.
    pub visited_count: i64,
}

#[derive(Debug, Clone)]
pub struct DepartmentOverdue {
    pub department_id: i32,
    pub recipient_count: i64,
    pub overdue_count: i64,
}

#[derive(Debug, Clone)]
pub struct TierFigures {
    pub tier: RiskTier,
    pub recipient_count: i64,
    pub overdue_count: i64,
}

/// Months of a range (the current month without one), at most 24, for the visit rate;
/// overdue counts as of today.
pub async fn figures(
    db: &DatabaseConnection,
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
    department_id: Option<i32>,
) -> AppResult<CareFigures> {
    let mut query = care_recipient::Entity::find();
    if let Some(department) = department_id {
        query = query.filter(care_recipient::Column::DepartmentId.eq(department));
    }
    let recipients = with_due(db, query.all(db).await?).await?;
    let day = today();
    let mut by_department: BTreeMap<i32, (i64, i64)> = BTreeMap::new();
    let mut by_tier: HashMap<RiskTier, (i64, i64)> = HashMap::new();
    for r in &recipients {
        let overdue = i64::from(r.overdue_on(day));
        let d = by_department.entry(r.model.department_id).or_default();
        d.0 += 1;
        d.1 += overdue;
        let t = by_tier.entry(r.model.risk_tier).or_default();
        t.0 += 1;
        t.1 += overdue;
    }
    let first = from.unwrap_or(day).with_day(1).unwrap_or(day);
    let last = to.unwrap_or(day);
    let mut months = Vec::new();
    let mut month = first;
    while month <= last && months.len() < 24 {
        let next = if month.month() == 12 {
            NaiveDate::from_ymd_opt(month.year() + 1, 1, 1)
        } else {
            NaiveDate::from_ymd_opt(month.year(), month.month() + 1, 1)
        }
        .unwrap_or(last);
        months.push((month, next));
        month = next;
    }
    let ids: Vec<i32> = recipients.iter().map(|r| r.model.id).collect();
    let visits: Vec<(i32, NaiveDate)> = if ids.is_empty() || months.is_empty() {
        Vec::new()
    } else {
        care_visit::Entity::find()
            .select_only()
            .column(care_visit::Column::RecipientId)
            .column(care_visit::Column::VisitedOn)
            .filter(care_visit::Column::RecipientId.is_in(ids))
            .filter(care_visit::Column::VisitedOn.gte(months[0].0))
            .filter(care_visit::Column::VisitedOn.lt(months[months.len() - 1].1))
            .distinct()
            .into_tuple()
            .all(db)
            .await?
    };
    let by_month = months
        .iter()
        .map(|(start, next)| {
            let registered: HashSet<i32> = recipients
                .iter()
                .filter(|r| r.model.consent_on < *next)
                .map(|r| r.model.id)
                .collect();
            let visited: HashSet<i32> = visits
                .iter()
                .filter(|(id, on)| on >= start && on < next && registered.contains(id))
                .map(|(id, _)| *id)
                .collect();
            MonthVisits {
                month: start.format("%Y-%m").to_string(),
                recipient_count: registered.len() as i64,
                visited_count: visited.len() as i64,
            }
        })
        .collect();
    Ok(CareFigures {
        by_month,
        overdue_by_department: by_department
            .into_iter()
            .map(|(department_id, (n, overdue))| DepartmentOverdue {
                department_id,
                recipient_count: n,
                overdue_count: overdue,
            })
            .collect(),
        by_tier: [RiskTier::High, RiskTier::Key, RiskTier::General]
            .into_iter()
            .map(|tier| {
                let (n, overdue) = by_tier.get(&tier).copied().unwrap_or_default();
                TierFigures {
                    tier,
                    recipient_count: n,
                    overdue_count: overdue,
                }
            })
            .collect(),
    })
}
