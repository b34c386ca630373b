//! Every query and rule about plans and activities.

use std::collections::HashMap;
use std::sync::Arc;

use chrono::{DateTime, Datelike, Utc};
use sea_orm::sea_query::{Expr, ExprTrait, LikeExpr, Query};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, DbBackend,
    DbErr, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, Set,
};

use entity::enums::{ActivityStatus, Role};
use entity::{
    activity, activity_department, activity_location, category, community, department, pairing,
    plan, survey,
};

use crate::auth::Viewer;
use crate::cache::CacheKey;
use crate::context::AppState;
use crate::domain::access::{lead_department_ids, managed, of_department, visibility, visible_to};
use crate::domain::audit;
use crate::domain::calendar::local_date;
use crate::domain::input::{self, Change, max};
use crate::domain::page::{self, PageRequest as Page};
use crate::domain::registrations::service as registrations;
use crate::error::{AppError, AppResult, Reason, Thing};

#[derive(Debug, Default, Clone)]
pub struct ActivityQuery {
    pub plan_id: Option<i32>,
    pub category_id: Option<i32>,
    pub department_id: Option<i32>,
    pub community_id: Option<i32>,
    pub pairing_id: Option<i32>,
    pub status: Option<ActivityStatus>,
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
    pub search: Option<String>,
    pub open_for_registration: Option<bool>,
}

/// A place of an activity as it will be saved.
#[derive(Debug, Clone, Default)]
pub struct NewLocation {
    pub name: String,
    pub address: Option<String>,
    pub online: bool,
    pub tbd: bool,
    pub community_id: Option<i32>,
}

/// A new activity (a DRAFT).
#[derive(Debug, Clone, Default)]
pub struct NewActivity {
    pub plan_id: Option<i32>,
    pub seq_no: Option<i32>,
    pub title: String,
    pub category_id: Option<i32>,
    pub time_label: Option<String>,
    pub starts_at: Option<DateTime<Utc>>,
    pub ends_at: Option<DateTime<Utc>>,
    pub content_items: Vec<String>,
    pub locations: Vec<NewLocation>,
    pub lead_department_ids: Vec<i32>,
    pub capacity: Option<i32>,
    pub registration_opens_at: Option<DateTime<Utc>>,
    pub registration_closes_at: Option<DateTime<Utc>>,
    pub service_hours: Option<f64>,
    pub pairing_id: Option<i32>,
    /// The person in charge: name and phone.
    pub person_in_charge: Option<(String, Option<String>)>,
}

/// A change to an activity: every field kept unless said otherwise. Title and lead
/// departments cannot be cleared.
#[derive(Debug, Clone, Default)]
pub struct ActivityChanges {
    pub title: Change<String>,
    pub category_id: Change<i32>,
    pub time_label: Change<String>,
    pub starts_at: Change<DateTime<Utc>>,
    pub ends_at: Change<DateTime<Utc>>,
    pub content_items: Change<Vec<String>>,
    pub locations: Change<Vec<NewLocation>>,
    pub lead_department_ids: Change<Vec<i32>>,
    /// Cleared: no limit. Raising it promotes waitlisted volunteers.
    pub capacity: Change<i32>,
    pub registration_opens_at: Change<DateTime<Utc>>,
    pub registration_closes_at: Change<DateTime<Utc>>,
    pub service_hours: Change<f64>,
    pub pairing_id: Change<i32>,
    pub person_in_charge: Change<(String, Option<String>)>,
}

/// The person in charge as saved: a name of at most 32 characters and a phone of digits,
/// spaces and dashes (at most 20).
fn check_person_in_charge(
    person: Option<(String, Option<String>)>,
) -> AppResult<(Option<String>, Option<String>)> {
    let Some((name, phone)) = person else {
        return Ok((None, None));
    };
    let name = input::line("personInCharge.name", &name, max::NAME)?;
    let phone = input::optional_line("personInCharge.phone", phone.as_deref(), 20)?;
    if let Some(phone) = &phone
        && !phone
            .chars()
            .all(|c| c.is_ascii_digit() || c == '-' || c == ' ' || c == '+')
    {
        return Err(AppError::input(
            "personInCharge.phone",
            Reason::PhoneCharacters,
        ));
    }
    Ok((Some(name), phone))
}

fn filter_condition(q: &ActivityQuery) -> Condition {
    let mut cond = Condition::all();
    if let Some(id) = q.plan_id {
        cond = cond.add(activity::Column::PlanId.eq(id));
    }
    if let Some(id) = q.category_id {
        cond = cond.add(activity::Column::CategoryId.eq(id));
    }
    if let Some(id) = q.pairing_id {
        cond = cond.add(activity::Column::PairingId.eq(id));
    }
    if let Some(status) = q.status {
        cond = cond.add(activity::Column::Status.eq(status));
    }
    if let Some(id) = q.department_id {
        cond = cond.add(of_department(id));
    }
    if let Some(id) = q.community_id {
        cond = cond.add(
            activity::Column::Id.in_subquery(
                Query::select()
                    .column(activity_location::Column::ActivityId)
                    .from(activity_location::Entity)
                    .and_where(activity_location::Column::CommunityId.eq(id))
                    .to_owned(),
            ),
        );
    }
    // Overlap with [from, to]: an activity without an end lasts its start instant.
    if let Some(from) = q.from {
        cond = cond.add(
            Condition::any()
                .add(activity::Column::EndsAt.gte(from))
                .add(
                    Condition::all()
                        .add(activity::Column::EndsAt.is_null())
                        .add(activity::Column::StartsAt.gte(from)),
                ),
        );
    }
    if let Some(to) = q.to {
        cond = cond.add(activity::Column::StartsAt.lte(to));
    }
    if let Some(search) = &q.search {
        let pattern = crate::domain::input::like_pattern(search);
        cond = cond.add(
            Condition::any()
                .add(
                    Expr::col(activity::Column::Title)
                        .like(LikeExpr::new(pattern.clone()).escape('!')),
                )
                .add(
                    Expr::col(activity::Column::ContentItems)
                        .cast_as("TEXT")
                        .like(LikeExpr::new(pattern).escape('!')),
                ),
        );
    }
    if let Some(open) = q.open_for_registration {
        let open_now = crate::domain::registrations::rules::open_condition(Utc::now());
        cond = cond.add(if open { open_now } else { open_now.not() });
    }
    cond
}

/// The part of a feed page that is the same for every viewer of one visibility: the
/// activities with their categories, locations and lead departments, and the total.
pub struct FeedPage {
    /// The activities with their positions and the total.
    pub page: page::Page<activity::Model>,
    pub categories: Vec<category::Model>,
    pub locations: HashMap<i32, Locations>,
    pub departments: HashMap<i32, Vec<department::Model>>,
}

/// The feed page from the instance's memo, by the public version, the viewer's
/// visibility, the filter and the page (every write bumps the public version before it
/// returns, so an entry is never served after a change, on any instance; only the
/// viewer's own registrations are read per request), or from the database (four statements: total, page
/// with categories, locations, departments). Not cached: filters that depend on the clock
/// (`openForRegistration`), and everything while the shared cache is unreachable.
#[tracing::instrument(skip(state, viewer), err(level = "info", Debug))]
pub async fn feed_page(
    state: &AppState,
    viewer: &Viewer,
    q: &ActivityQuery,
    page: Page,
) -> AppResult<Arc<FeedPage>> {
    // Refused before the memo, which keeps no error's code.
    feed_order().check_page(&page)?;
    let key = match q.open_for_registration {
        Some(_) => None,
        None => state
            .cache
            .version(&CacheKey::PublicVersion)
            .await
            .map(|version| (version, format!("{:?}|{q:?}|{page:?}", visible_to(viewer)))),
    };
    match key {
        // Concurrent misses of one page (after every write) load it once.
        // About 2 KB per activity with its locations and departments.
        Some((version, key)) => state
            .cache
            .public_memo()
            .get_or_load(
                version,
                key,
                |feed: &FeedPage| feed.page.items.len() * 2048 + 256,
                || load_feed_page(state, viewer, q, page.clone()),
            )
            .await
            .map_err(|err| AppError::internal(anyhow::anyhow!("loading a feed page: {err:?}"))),
        // Boxed like the memo's loads: four statements' futures, tens of KB.
        None => Box::pin(load_feed_page(state, viewer, q, page)).await,
    }
}

/// Dated activities first, by date then plan order; undated ones last (the order of
/// ix_activities_public_feed, NULLs last as PostgreSQL's index keeps them).
fn feed_order() -> page::Order {
    use page::KeyKind;
    page::Order::new()
        .asc(
            Expr::cust("CASE WHEN starts_at IS NULL THEN 1 ELSE 0 END"),
            KeyKind::Int,
        )
        .asc(activity::Column::StartsAt, KeyKind::NullableTime)
        .asc(activity::Column::SeqNo, KeyKind::NullableInt)
        .asc(activity::Column::Id, KeyKind::Int)
}

/// A feed page from the database: four statements (total, page with categories,
/// locations, departments).
async fn load_feed_page(
    state: &AppState,
    viewer: &Viewer,
    q: &ActivityQuery,
    page: Page,
) -> AppResult<Arc<FeedPage>> {
    let visible = activity::Entity::find()
        .filter(visibility(viewer))
        .filter(filter_condition(q));
    // A separate count: a window count over the page query would make the database read
    // and sort every visible activity instead of the first rows of the feed index.
    let total = visible.clone().count(&state.db).await?;
    let rows = feed_order()
        .apply(visible, &page)?
        .find_also_related(category::Entity)
        .all(&state.db)
        .await?;
    let mut activities = Vec::with_capacity(rows.len());
    let mut categories = Vec::new();
    for (activity, category) in rows {
        activities.push(activity);
        categories.extend(category);
    }
    let page = page::page_from_rows(activities, &page, total, |a| {
        vec![
            a.starts_at.is_none().into(),
            a.starts_at.into(),
            a.seq_no.into(),
            a.id.into(),
        ]
    });
    let activities = &page.items;
    let (locations, departments) = if activities.is_empty() {
        (HashMap::new(), HashMap::new())
    } else {
        let ids: Vec<i32> = activities.iter().map(|a| a.id).collect();
        futures::try_join!(
            locations_of(&state.db, &ids),
            departments_of(&state.db, &ids)
        )?
    };
    Ok(Arc::new(FeedPage {
        page,
        categories,
        locations,
        departments,
    }))
}

/// An activity's locations in order, each with its community.
pub type Locations = Vec<(activity_location::Model, Option<community::Model>)>;

/// The locations of these activities, joined with their communities: one statement. Every
/// id gets an entry, empty ones too.
pub async fn locations_of<C: ConnectionTrait>(
    db: &C,
    ids: &[i32],
) -> Result<HashMap<i32, Locations>, DbErr> {
    let rows = activity_location::Entity::find()
        .find_also_related(community::Entity)
        .filter(activity_location::Column::ActivityId.is_in(ids.iter().copied()))
        .order_by_asc(activity_location::Column::ActivityId)
        .order_by_asc(activity_location::Column::Position)
        .all(db)
        .await?;
    let mut map: HashMap<i32, Locations> = ids.iter().map(|id| (*id, Vec::new())).collect();
    for (location, community) in rows {
        map.entry(location.activity_id)
            .or_default()
            .push((location, community));
    }
    Ok(map)
}

/// The lead departments of these activities in order: one statement. Every id gets an
/// entry.
pub async fn departments_of<C: ConnectionTrait>(
    db: &C,
    ids: &[i32],
) -> Result<HashMap<i32, Vec<department::Model>>, DbErr> {
    let rows = activity_department::Entity::find()
        .find_also_related(department::Entity)
        .filter(activity_department::Column::ActivityId.is_in(ids.iter().copied()))
        .order_by_asc(activity_department::Column::ActivityId)
        .order_by_asc(activity_department::Column::Position)
        .all(db)
        .await?;
    let mut map: HashMap<i32, Vec<department::Model>> =
        ids.iter().map(|id| (*id, Vec::new())).collect();
    for (link, department) in rows {
        if let Some(department) = department {
            map.entry(link.activity_id).or_default().push(department);
        }
    }
    Ok(map)
}

/// The part of an activity's page that is the same for every viewer of one visibility: the
/// activity with its category, locations, lead departments, plan, pairing (with its
/// community) and surveys. Only the viewer's own registration and answers are read per
/// request.
#[derive(serde::Serialize, serde::Deserialize)]
pub struct ActivityPublic {
    pub activity: activity::Model,
    pub category: Option<category::Model>,
    pub locations: Locations,
    pub departments: Vec<department::Model>,
    pub plan: Option<plan::Model>,
    pub pairing: Option<(pairing::Model, Option<community::Model>)>,
    /// Newest first, drafts included (who sees a draft is the survey's rule).
    pub surveys: Vec<survey::Model>,
}

impl ActivityPublic {
    /// About what it holds in memory: its structs, and each string's text with what the
    /// allocator rounds up; the rows it holds other than the activity have short strings
    /// (names, addresses), about three each. Measured on the benchmark's pages (a location
    /// with its community, one or two departments, a category and a plan): about 2.3 KB
    /// with the cache's entry, as the server's heap grew by 2.4 KB per page kept.
    fn approximate_bytes(&self) -> usize {
        use std::mem::size_of;
        const STRING: usize = 32;
        const ROW_TEXT: usize = 3 * (24 + STRING);
        let a = &self.activity;
        let optional = |text: &Option<String>| text.as_ref().map_or(0, |t| t.len() + STRING);
        let text = a.title.len()
            + STRING
            + optional(&a.time_label)
            + optional(&a.cancel_reason)
            + optional(&a.person_in_charge_name)
            + optional(&a.person_in_charge_phone)
            + a.content_items
                .0
                .iter()
                .map(|item| item.len() + STRING + size_of::<String>())
                .sum::<usize>();
        let held = [
            self.category.is_some(),
            self.plan.is_some(),
            self.pairing.is_some(),
        ];
        let rows = self.locations.len()
            * (size_of::<(activity_location::Model, Option<community::Model>)>() + 2 * ROW_TEXT)
            + self.departments.len() * (size_of::<department::Model>() + ROW_TEXT)
            + self.surveys.len() * (size_of::<survey::Model>() + 2 * ROW_TEXT)
            + held.into_iter().filter(|&held| held).count() * ROW_TEXT;
        size_of::<Self>() + text + rows
    }
}

/// The public part of an activity the viewer may see, from this instance's memory by the
/// public version and the viewer's visibility (every write bumps the version before it
/// returns, so no instance serves it after a change; [`crate::cache::PublicMemo`]), or
/// from the database (one statement). Each instance keeps its own: it loads in one
/// statement by its key, which costs what a Redis `GET` would. Nothing is kept while the
/// shared cache is unreachable, nor for an id that shows nothing (random ids would fill
/// the memory).
#[tracing::instrument(skip(state, viewer), err(level = "info", Debug))]
pub async fn public_part(
    state: &AppState,
    viewer: &Viewer,
    id: i32,
) -> AppResult<Option<Arc<ActivityPublic>>> {
    let Some(version) = state.cache.version(&CacheKey::PublicVersion).await else {
        return Ok(load_public_part(state, viewer, id).await?.map(Arc::new));
    };
    state
        .cache
        .public_memo()
        .get_or_load_some(
            version,
            format!("{:?}|{id}", visible_to(viewer)),
            ActivityPublic::approximate_bytes,
            || async {
                Ok::<_, AppError>(load_public_part(state, viewer, id).await?.map(Arc::new))
            },
        )
        .await
        .map_err(|err| AppError::internal(anyhow::anyhow!("loading an activity: {err:?}")))
}

async fn load_public_part(
    state: &AppState,
    viewer: &Viewer,
    id: i32,
) -> AppResult<Option<ActivityPublic>> {
    let db = &state.db;
    // The activity with its category, plan, pairing and the pairing's community: one row.
    let row = activity::Entity::find_by_id(id)
        .filter(visibility(viewer))
        .find_also_related(category::Entity)
        .find_also_related(plan::Entity)
        .find_also(activity::Entity, pairing::Entity)
        .find_also(pairing::Entity, community::Entity);
    Ok(public_part_in_one_statement(db, row).await?)
}

/// The public part in one statement: the activity's row, with its locations (and their
/// communities), lead departments and surveys as JSON arrays of whole rows, each in the
/// order the page shows them. A row's JSON object names its columns as the entities' fields
/// are named, so the entities' own `Deserialize` reads them back.
async fn public_part_in_one_statement(
    db: &DatabaseConnection,
    row: impl sea_orm::QuerySelect + sea_orm::QueryTrait,
) -> Result<Option<ActivityPublic>, DbErr> {
    use sea_orm::{SelectFiveModel, SelectorTrait};
    let backend = db.get_database_backend();
    let (aggregate, pair, as_text) = match backend {
        DbBackend::Postgres => ("json_agg", "json_build_array", "::text"),
        _ => ("json_group_array", "json_array", ""),
    };
    let location = json_row::<activity_location::Entity>(backend, "l");
    let community = json_row::<community::Entity>(backend, "c");
    let department = json_row::<department::Entity>(backend, "d");
    let survey = json_row::<survey::Entity>(backend, "s");
    let lists = [
        (
            "locations",
            format!(
                "SELECT COALESCE({aggregate}({pair}({location}, {community}) \
                 ORDER BY l.position), '[]'){as_text} FROM activity_locations l \
                 LEFT JOIN communities c ON c.id = l.community_id \
                 WHERE l.activity_id = activities.id"
            ),
        ),
        (
            "departments",
            format!(
                "SELECT COALESCE({aggregate}({department} ORDER BY ad.position), '[]'){as_text} \
                 FROM activity_departments ad JOIN departments d ON d.id = ad.department_id \
                 WHERE ad.activity_id = activities.id"
            ),
        ),
        (
            "surveys",
            format!(
                "SELECT COALESCE({aggregate}({survey} ORDER BY s.id DESC), '[]'){as_text} \
                 FROM surveys s WHERE s.activity_id = activities.id"
            ),
        ),
    ];
    let statement = lists
        .into_iter()
        .fold(row, |row, (name, list)| {
            row.expr_as(Expr::cust(format!("({list})")), name)
        })
        .build(backend);
    let Some(found) = db.query_one_raw(statement).await? else {
        return Ok(None);
    };
    fn list<T: serde::de::DeserializeOwned>(
        found: &sea_orm::QueryResult,
        name: &str,
    ) -> Result<T, DbErr> {
        let text: String = found.try_get("", name)?;
        serde_json::from_str(&text).map_err(|err| DbErr::Json(format!("{name}: {err}")))
    }
    let locations = list(&found, "locations")?;
    let departments = list(&found, "departments")?;
    let surveys = list(&found, "surveys")?;
    let (activity, category, plan, pairing, community) = SelectFiveModel::<
        activity::Model,
        category::Model,
        plan::Model,
        pairing::Model,
        community::Model,
    >::from_raw_query_result(found)?;
    Ok(Some(ActivityPublic {
        activity,
        category,
        locations,
        departments,
        plan,
        pairing: pairing.map(|pairing| (pairing, community)),
        surveys,
    }))
}

/// A row of `E` (under `alias`) as a JSON object keyed by its columns, or JSON `null` when
/// an outer join found none. PostgreSQL's `to_json` of a row does exactly that. SQLite has
/// no such function: the object lists the entity's columns, and its booleans, stored as
/// numbers, are written `true` and `false`.
fn json_row<E: EntityTrait>(backend: DbBackend, alias: &str) -> String {
    use sea_orm::{ColumnType, IdenStatic, Iterable, PrimaryKeyToColumn};
    if backend == DbBackend::Postgres {
        return format!("to_json({alias})");
    }
    let fields: Vec<String> = E::Column::iter()
        .map(|column| {
            let name = column.as_str();
            let value = match column.def().get_column_type() {
                ColumnType::Boolean => format!(
                    "json(CASE WHEN {alias}.{name} IS NULL THEN NULL \
                     WHEN {alias}.{name} THEN 'true' ELSE 'false' END)"
                ),
                ColumnType::Json | ColumnType::JsonBinary => format!("json({alias}.{name})"),
                _ => format!("{alias}.{name}"),
            };
            format!("'{name}', {value}")
        })
        .collect();
    let key = E::PrimaryKey::iter()
        .next()
        .map(|key| key.into_column().as_str())
        .unwrap_or("rowid");
    format!(
        "json(CASE WHEN {alias}.{key} IS NULL THEN NULL ELSE json_object({}) END)",
        fields.join(", ")
    )
}

/// One activity, if the viewer may see it.
pub async fn get(state: &AppState, viewer: &Viewer, id: i32) -> AppResult<Option<activity::Model>> {
    Ok(activity::Entity::find_by_id(id)
        .filter(visibility(viewer))
        .one(&state.db)
        .await?)
}

pub async fn plan_categories(
    db: &DatabaseConnection,
    plan_id: i32,
) -> AppResult<Vec<category::Model>> {
    Ok(category::Entity::find()
        .filter(category::Column::PlanId.eq(plan_id))
        .order_by_asc(category::Column::Id)
        .all(db)
        .await?)
}

pub async fn plans(db: &DatabaseConnection) -> AppResult<Vec<plan::Model>> {
    Ok(plan::Entity::find()
        .order_by_desc(plan::Column::Year)
        .order_by_asc(plan::Column::Id)
        .all(db)
        .await?)
}

pub async fn departments(db: &DatabaseConnection) -> AppResult<Vec<department::Model>> {
    Ok(department::Entity::find()
        .order_by_asc(department::Column::Id)
        .all(db)
        .await?)
}

fn hours_to_minutes(hours: f64, field: &str) -> AppResult<i32> {
    if !hours.is_finite() || !(0.0..=24.0 * 30.0).contains(&hours) {
        return Err(AppError::input(
            field,
            Reason::OutOfRange { min: 0, max: 720 },
        ));
    }
    Ok((hours * 60.0).round() as i32)
}

fn check_title(title: &str) -> AppResult<String> {
    input::line("title", title, max::TITLE)
}

/// Times the product can mean: from 2000 to 2100.
fn check_instant(at: Option<DateTime<Utc>>, field: &str) -> AppResult<()> {
    match at {
        Some(at)
            if !(2000..=2100).contains(
                &at.with_timezone(&crate::domain::calendar::shanghai())
                    .year(),
            ) =>
        {
            Err(AppError::input(field, Reason::YearOutOfRange))
        }
        _ => Ok(()),
    }
}

/// The activity's time and its registration window, as they will be saved: an end needs
/// a start and follows it; registration opens before it closes, and closes by the end.
struct Schedule {
    starts_at: Option<DateTime<Utc>>,
    ends_at: Option<DateTime<Utc>>,
    opens_at: Option<DateTime<Utc>>,
    closes_at: Option<DateTime<Utc>>,
}

impl Schedule {
    fn check(&self) -> AppResult<()> {
        check_instant(self.starts_at, "startsAt")?;
        check_instant(self.ends_at, "endsAt")?;
        check_instant(self.opens_at, "registrationOpensAt")?;
        check_instant(self.closes_at, "registrationClosesAt")?;
        match (self.starts_at, self.ends_at) {
            (Some(s), Some(e)) if e < s => {
                return Err(AppError::input("endsAt", Reason::TimeOrder));
            }
            (None, Some(_)) => {
                return Err(AppError::input("startsAt", Reason::StartRequired));
            }
            _ => {}
        }
        if let (Some(opens), Some(closes)) = (self.opens_at, self.closes_at)
            && closes <= opens
        {
            return Err(AppError::input(
                "registrationClosesAt",
                Reason::RegistrationWindow,
            ));
        }
        if let (Some(closes), Some(last)) = (self.closes_at, self.ends_at.or(self.starts_at))
            && closes > last
        {
            return Err(AppError::input(
                "registrationClosesAt",
                Reason::RegistrationWindow,
            ));
        }
        if let (Some(opens), Some(last)) = (self.opens_at, self.ends_at.or(self.starts_at))
            && opens >= last
        {
            return Err(AppError::input(
                "registrationOpensAt",
                Reason::RegistrationWindow,
            ));
        }
        Ok(())
    }
}

/// At most this many places on one activity.
const MAX_CAPACITY: i32 = 100_000;

fn check_capacity(capacity: Option<i32>) -> AppResult<()> {
    match capacity {
        Some(n) if !(0..=MAX_CAPACITY).contains(&n) => Err(AppError::input(
            "capacity",
            Reason::OutOfRange {
                min: 0,
                max: i64::from(MAX_CAPACITY),
            },
        )),
        _ => Ok(()),
    }
}

/// 序号 as plan tables number their rows.
fn check_seq_no(seq_no: Option<i32>) -> AppResult<()> {
    match seq_no {
        Some(n) if !(1..=99_999).contains(&n) => Err(AppError::input(
            "seqNo",
            Reason::OutOfRange {
                min: 1,
                max: 99_999,
            },
        )),
        _ => Ok(()),
    }
}

fn check_content_items(items: &[String]) -> AppResult<Vec<String>> {
    input::lines("contentItems", items, max::ITEMS, max::ITEM)
}

/// Locations, bounded, with names required.
fn check_locations(locations: &[NewLocation]) -> AppResult<Vec<NewLocation>> {
    input::count("locations", locations, max::LOCATIONS)?;
    locations
        .iter()
        .enumerate()
        .map(|(i, location)| {
            Ok(NewLocation {
                name: input::line(&format!("locations.{i}.name"), &location.name, max::LABEL)?,
                address: input::optional_line(
                    &format!("locations.{i}.address"),
                    location.address.as_deref(),
                    max::ADDRESS,
                )?,
                ..location.clone()
            })
        })
        .collect()
}

/// Lead departments: existing, without repeats; an organizer's own must be among them.
async fn check_departments<C: ConnectionTrait>(
    db: &C,
    viewer: &Viewer,
    ids: &[i32],
) -> AppResult<Vec<i32>> {
    let user = viewer.require_any(&[Role::Organizer, Role::Admin])?;
    input::count("leadDepartmentIds", ids, max::DEPARTMENTS)?;
    let mut parsed = Vec::with_capacity(ids.len());
    for &id in ids {
        if !parsed.contains(&id) {
            parsed.push(id);
        }
    }
    if parsed.is_empty() {
        return Err(AppError::input(
            "leadDepartmentIds",
            Reason::TooFew { min: 1 },
        ));
    }
    let found = department::Entity::find()
        .filter(department::Column::Id.is_in(parsed.clone()))
        .count(db)
        .await?;
    if found != parsed.len() as u64 {
        return Err(AppError::input(
            "leadDepartmentIds",
            Reason::UnknownReference,
        ));
    }
    if !user.may_manage_any(&parsed) {
        return Err(AppError::of(Reason::NotOwnDepartment));
    }
    Ok(parsed)
}

/// Only a pairing of one of the lead departments may be linked.
async fn check_pairing<C: ConnectionTrait>(
    db: &C,
    pairing_id: Option<i32>,
    departments: &[i32],
) -> AppResult<()> {
    let Some(id) = pairing_id else {
        return Ok(());
    };
    let pairing = pairing::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or_else(|| AppError::input("pairingId", Reason::UnknownReference))?;
    if !departments.contains(&pairing.department_id) {
        return Err(AppError::input(
            "pairingId",
            Reason::PairingNotOfLeadDepartment,
        ));
    }
    Ok(())
}

async fn write_locations<C: ConnectionTrait>(
    db: &C,
    activity_id: i32,
    locations: &[NewLocation],
) -> AppResult<()> {
    activity_location::Entity::delete_many()
        .filter(activity_location::Column::ActivityId.eq(activity_id))
        .exec(db)
        .await?;
    for (position, location) in locations.iter().enumerate() {
        activity_location::ActiveModel {
            activity_id: Set(activity_id),
            position: Set(position as i32),
            name: Set(location.name.clone()),
            address: Set(location.address.clone()),
            online: Set(location.online),
            tbd: Set(location.tbd),
            community_id: Set(location.community_id),
            ..Default::default()
        }
        .insert(db)
        .await?;
    }
    Ok(())
}

pub async fn write_departments<C: ConnectionTrait>(
    db: &C,
    activity_id: i32,
    departments: &[i32],
) -> AppResult<()> {
    activity_department::Entity::delete_many()
        .filter(activity_department::Column::ActivityId.eq(activity_id))
        .exec(db)
        .await?;
    for (position, department_id) in departments.iter().enumerate() {
        activity_department::ActiveModel {
            activity_id: Set(activity_id),
            department_id: Set(*department_id),
            position: Set(position as i32),
        }
        .insert(db)
        .await?;
    }
    Ok(())
}

#[tracing::instrument(skip(state, viewer, input), err(level = "info", Debug))]
pub async fn create(
    state: &AppState,
    viewer: &Viewer,
    input: NewActivity,
) -> AppResult<activity::Model> {
    let title = check_title(&input.title)?;
    let time_label = input::optional_line("timeLabel", input.time_label.as_deref(), max::LABEL)?;
    let (starts_at, ends_at) = (input.starts_at, input.ends_at);
    Schedule {
        starts_at,
        ends_at,
        opens_at: input.registration_opens_at,
        closes_at: input.registration_closes_at,
    }
    .check()?;
    check_capacity(input.capacity)?;
    check_seq_no(input.seq_no)?;
    let content_items = check_content_items(&input.content_items)?;
    let locations = check_locations(&input.locations)?;
    let (person_name, person_phone) = check_person_in_charge(input.person_in_charge.clone())?;
    let service_minutes = input
        .service_hours
        .map(|hours| hours_to_minutes(hours, "serviceHours"))
        .transpose()?;
    let txn = crate::db::begin_write(&state.writer).await?;
    let departments = check_departments(&txn, viewer, &input.lead_department_ids).await?;
    let pairing_id = input.pairing_id;
    check_pairing(&txn, pairing_id, &departments).await?;
    let now = Utc::now();
    let model = activity::ActiveModel {
        plan_id: Set(input.plan_id),
        seq_no: Set(input.seq_no),
        title: Set(title),
        category_id: Set(input.category_id),
        time_label: Set(time_label),
        starts_at: Set(starts_at),
        ends_at: Set(ends_at),
        start_date: Set(starts_at.map(local_date)),
        status: Set(ActivityStatus::Draft),
        content_items: Set(content_items.into()),
        primary_department_id: Set(departments.first().copied()),
        capacity: Set(input.capacity),
        registered_count: Set(0),
        waitlist_count: Set(0),
        registration_opens_at: Set(input.registration_opens_at),
        registration_closes_at: Set(input.registration_closes_at),
        service_minutes: Set(service_minutes),
        pairing_id: Set(pairing_id),
        published_at: Set(None),
        cancel_reason: Set(None),
        person_in_charge_name: Set(person_name),
        person_in_charge_phone: Set(person_phone),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    write_departments(&txn, model.id, &departments).await?;
    write_locations(&txn, model.id, &locations).await?;
    audit::record(
        &txn,
        viewer,
        audit::AuditAction::ActivityCreate,
        Some(model.id),
    )
    .await?;
    txn.commit().await?;
    Ok(model)
}

#[tracing::instrument(skip(state, viewer, changes), err(level = "info", Debug))]
pub async fn update(
    state: &AppState,
    viewer: &Viewer,
    id: i32,
    changes: ActivityChanges,
) -> AppResult<activity::Model> {
    let txn = crate::db::begin_write(&state.writer).await?;
    let current = managed(&txn, viewer, id).await?;
    let current = crate::db::lock_activity(&txn, current.id).await?;
    if matches!(
        current.status,
        ActivityStatus::Completed | ActivityStatus::Cancelled
    ) {
        return Err(AppError::of(Reason::ActivityLocked));
    }
    let mut model: activity::ActiveModel = current.clone().into();
    match changes.title {
        Change::Keep => {}
        Change::Clear => {
            return Err(AppError::input("title", Reason::Required));
        }
        Change::Set(title) => model.title = Set(check_title(&title)?),
    }
    if let Some(category_id) = changes.category_id.new_value() {
        model.category_id = Set(category_id);
    }
    if let Some(label) = changes.time_label.new_value() {
        model.time_label = Set(input::optional_line(
            "timeLabel",
            label.as_deref(),
            max::LABEL,
        )?);
    }
    let starts_at = changes.starts_at.apply(current.starts_at);
    let ends_at = changes.ends_at.apply(current.ends_at);
    let opens_at = changes
        .registration_opens_at
        .apply(current.registration_opens_at);
    let closes_at = changes
        .registration_closes_at
        .apply(current.registration_closes_at);
    Schedule {
        starts_at,
        ends_at,
        opens_at,
        closes_at,
    }
    .check()?;
    model.starts_at = Set(starts_at);
    model.ends_at = Set(ends_at);
    // The anchor day (a plan row's festival) stays while it lies within the dates.
    let kept = current.start_date.filter(|anchor| {
        starts_at.is_some_and(|starts| local_date(starts) <= *anchor)
            && ends_at.is_none_or(|ends| *anchor <= local_date(ends))
    });
    model.start_date = Set(kept.or(starts_at.map(local_date)));
    model.registration_opens_at = Set(opens_at);
    model.registration_closes_at = Set(closes_at);
    if let Some(items) = changes.content_items.new_value() {
        let items = check_content_items(items.as_deref().unwrap_or_default())?;
        model.content_items = Set(items.into());
    }
    if let Some(hours) = changes.service_hours.new_value() {
        model.service_minutes = Set(hours
            .map(|hours| hours_to_minutes(hours, "serviceHours"))
            .transpose()?);
    }
    let departments = match changes.lead_department_ids {
        Change::Set(ids) => {
            let departments = check_departments(&txn, viewer, &ids).await?;
            write_departments(&txn, id, &departments).await?;
            model.primary_department_id = Set(departments.first().copied());
            departments
        }
        Change::Clear => {
            return Err(AppError::input(
                "leadDepartmentIds",
                Reason::TooFew { min: 1 },
            ));
        }
        Change::Keep => lead_department_ids(&txn, id).await?,
    };
    let pairing_id = changes.pairing_id.apply(current.pairing_id);
    check_pairing(&txn, pairing_id, &departments).await?;
    if pairing_id != current.pairing_id {
        // The commitments it ticked were the old pairing's.
        crate::domain::pairings::commitments::untick_all(&txn, id).await?;
    }
    model.pairing_id = Set(pairing_id);
    let mut place_changed = false;
    if let Some(locations) = changes.locations.new_value() {
        let locations = check_locations(locations.as_deref().unwrap_or_default())?;
        let before: Vec<(String, Option<String>)> = locations_of(&txn, &[id])
            .await?
            .remove(&id)
            .unwrap_or_default()
            .into_iter()
            .map(|(location, _)| (location.name, location.address))
            .collect();
        let after: Vec<(String, Option<String>)> = locations
            .iter()
            .map(|l| (l.name.clone(), l.address.clone()))
            .collect();
        place_changed = before != after;
        write_locations(&txn, id, &locations).await?;
    }
    if let Some(person) = changes.person_in_charge.new_value() {
        let (name, phone) = check_person_in_charge(person)?;
        model.person_in_charge_name = Set(name);
        model.person_in_charge_phone = Set(phone);
    }
    let new_capacity = changes.capacity.apply(current.capacity);
    check_capacity(new_capacity)?;
    model.capacity = Set(new_capacity);
    model.updated_at = Set(Utc::now());
    let saved = model.update(&txn).await?;
    if saved.primary_department_id != current.primary_department_id {
        // Its approved hours now count for the new primary department.
        let moved = [current.primary_department_id, saved.primary_department_id];
        crate::domain::hours::rollups::rebuild_departments(&txn, &moved.map(|d| d.unwrap_or(0)))
            .await?;
    }
    // Raising the capacity promotes as many waitlisted volunteers as now fit.
    registrations::promote_waitlisted(&txn, id).await?;
    audit::record(&txn, viewer, audit::AuditAction::ActivityUpdate, Some(id)).await?;
    let updated = activity::Entity::find_by_id(id)
        .one(&txn)
        .await?
        .ok_or(AppError::not_found(Thing::Activity))?;
    let time_changed = updated.starts_at != current.starts_at || updated.ends_at != current.ends_at;
    if time_changed {
        crate::domain::notifications::scheduler::schedule_reminder(&txn, &updated).await?;
    }
    if (time_changed || place_changed) && updated.status == ActivityStatus::Published {
        tell_registered_of_change(&txn, &updated, time_changed, place_changed).await?;
    }
    txn.commit().await?;
    state.dashboards_changed().await;
    state.activity_changed(id).await;
    Ok(updated)
}

/// Tells the registered and waitlisted volunteers that the time or place changed, in the
/// transaction of the change; the event's key holds the update's instant, so each change is
/// told once.
async fn tell_registered_of_change<C: ConnectionTrait>(
    txn: &C,
    activity: &activity::Model,
    time_changed: bool,
    place_changed: bool,
) -> AppResult<()> {
    use crate::domain::notifications::{self, Event};
    let live = registrations::volunteers_of(txn, activity.id, &registrations::LIVE).await?;
    let users = notifications::users_of_volunteers(txn, &live).await?;
    let what = match (time_changed, place_changed) {
        (true, true) => "时间和地点",
        (true, false) => "时间",
        _ => "地点",
    };
    let when = activity
        .starts_at
        .map(|at| {
            format!(
                "现在的开始时间：{}。",
                crate::domain::calendar::local(at).format("%m月%d日 %H:%M")
            )
        })
        .unwrap_or_default();
    let event = Event::new(
        entity::enums::NotificationKind::ActivityChanged,
        format!(
            "changed:{}:{}",
            activity.id,
            activity.updated_at.timestamp_micros()
        ),
        format!("活动{what}有变"),
        format!(
            "您报名的「{}」{what}有变，请查看活动详情。{when}",
            activity.title
        ),
    )
    .about_activity(activity.id);
    notifications::notify(txn, &users, &event).await?;
    Ok(())
}

/// DRAFT → PUBLISHED → COMPLETED; any state but COMPLETED → CANCELLED.
#[tracing::instrument(skip(state, viewer), err(level = "info", Debug))]
pub async fn transition(
    state: &AppState,
    viewer: &Viewer,
    id: i32,
    to: ActivityStatus,
    reason: Option<String>,
) -> AppResult<activity::Model> {
    let txn = crate::db::begin_write(&state.writer).await?;
    crate::db::lock_activity(&txn, id).await?;
    let current = managed(&txn, viewer, id).await?;
    let now = Utc::now();
    if to == ActivityStatus::Completed
        && current.status == ActivityStatus::Published
        && current.starts_at.is_none_or(|starts| now < starts)
    {
        return Err(AppError::of(Reason::ActivityNotStarted));
    }
    let allowed = match to {
        ActivityStatus::Published => current.status == ActivityStatus::Draft,
        ActivityStatus::Completed => current.status == ActivityStatus::Published,
        ActivityStatus::Cancelled => !matches!(
            current.status,
            ActivityStatus::Completed | ActivityStatus::Cancelled
        ),
        ActivityStatus::Draft => false,
    };
    if !allowed {
        return Err(AppError::of(Reason::InvalidStatusChange {
            from: current.status.to_value().to_string(),
            to: to.to_value().to_string(),
        }));
    }
    let mut model: activity::ActiveModel = current.clone().into();
    model.status = Set(to);
    model.updated_at = Set(now);
    if to == ActivityStatus::Published {
        model.published_at = Set(Some(now));
    }
    if to == ActivityStatus::Cancelled {
        let reason = input::text("reason", reason.as_deref().unwrap_or_default(), max::NOTE)
            .map_err(|_| {
                AppError::input("reason", Reason::CancelReasonRequired { max: max::NOTE })
            })?;
        model.cancel_reason = Set(Some(reason.clone()));
        // Consequences, in the same transaction: nobody stays registered or waitlisted,
        // and its hours are frozen (pending rejected, approved no longer counted).
        crate::domain::registrations::service::cancel_all(&txn, &current, &reason).await?;
        crate::domain::hours::service::freeze(&txn, viewer, &current, &reason).await?;
    }
    let updated = model.update(&txn).await?;
    crate::domain::notifications::scheduler::schedule_reminder(&txn, &updated).await?;
    let action = match to {
        ActivityStatus::Published => audit::AuditAction::ActivityPublish,
        ActivityStatus::Completed => audit::AuditAction::ActivityComplete,
        _ => audit::AuditAction::ActivityCancel,
    };
    audit::record(&txn, viewer, action, Some(id)).await?;
    txn.commit().await?;
    state.dashboards_changed().await;
    state.activity_changed(id).await;
    Ok(updated)
}

use sea_orm::ActiveEnum as _;
