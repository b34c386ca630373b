//! The contract's signed-in `ActivityFeed` and `ActivityDetail`, answered without the
//! executor.
//!
//! The feed is what every volunteer opens first, and its answer is the same for every
//! viewer of one visibility but for `viewerRegistration`. The public part of the page is
//! already kept ([`feed_page`]); what the executor then spent was resolving about 500 fields
//! of 20 cards one future each (the benchmark's signed-in feed ran at a tenth of the
//! anonymous one, whose whole answer is cached). So the document the apps send (the
//! contract's text) is recognised here by its text and
//! answered by serializing the page directly, with the viewer's registrations read in one
//! statement. Anything else — another document, a filter, `last`/`before`, a cursor or a
//! size the executor would refuse, a failure — goes to the executor as before, which also
//! gives the coded errors. An integration test compares this answer with the executor's
//! for the same page and viewers, so the two cannot drift apart.
//!
//! An activity's page is the second screen a volunteer opens. Its public part is kept too
//! ([`activities::public_part`]); the executor then validated the document and resolved its
//! forty fields on every request. It is answered the same way, with the viewer's
//! registration and whether they answered its survey read at once. Two integration tests
//! compare it with the executor's answer, for every kind of page and viewer.

use std::collections::HashMap;
use std::sync::LazyLock;

use async_graphql::dataloader::Loader;
use serde::Serialize;

use entity::{activity, category, community, department};

use crate::auth::Viewer;
use crate::domain::activities::loaders::ViewerRegistration;
use crate::domain::activities::service as activities;
use crate::domain::activities::types::ActivityFilter;
use crate::domain::calendar::local;
use crate::graphql::loaders::DbLoader;
use crate::graphql::pagination::{Page, PageArgs, encode_cursor};
use crate::http::AppContext;

use super::prepared::Prepared;

/// The viewer's registration for an activity and its waitlist place, as loaded.
type Registered = Option<(entity::registration::Model, Option<i32>)>;

/// The volunteer app's operations as the contract writes them (`api/tests/contract/`, the
/// copy of `shared/contract/`): the feed is recognised by the contract's own text.
const VOLUNTEER_APP: &str =
    include_str!("../../../tests/contract/operations/volunteer-app.graphql");

/// The document without comments, its tokens separated by single spaces.
fn normalized(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for line in text.lines() {
        let line = line.split('#').next().unwrap_or("");
        for word in line.split_whitespace() {
            if !out.is_empty() {
                out.push(' ');
            }
            out.push_str(word);
        }
    }
    out
}

/// The definition starting with `head` in a normalized document, to its closing brace.
fn definition<'a>(document: &'a str, head: &str) -> &'a str {
    let start = document
        .find(head)
        .unwrap_or_else(|| panic!("the contract defines {head}"));
    let mut depth = 0usize;
    for (at, c) in document[start..].char_indices() {
        match c {
            '{' => depth += 1,
            '}' => {
                depth -= 1;
                if depth == 0 {
                    return &document[start..start + at + 1];
                }
            }
            _ => {}
        }
    }
    panic!("{head} is not closed in the contract")
}

/// The feed document as the apps send it, with its fragment after or before the operation.
static FEED_FORMS: LazyLock<[String; 2]> = LazyLock::new(|| {
    let document = normalized(VOLUNTEER_APP);
    let operation = definition(&document, "query ActivityFeed(");
    let fragment = definition(&document, "fragment ActivityCard ");
    [
        format!("{operation} {fragment}"),
        format!("{fragment} {operation}"),
    ]
});

/// The detail document as the apps send it, with its fragment after or before the
/// operation.
static DETAIL_FORMS: LazyLock<[String; 2]> = LazyLock::new(|| {
    let document = normalized(VOLUNTEER_APP);
    let operation = definition(&document, "query ActivityDetail(");
    let fragment = definition(&document, "fragment ActivityCard ");
    [
        format!("{operation} {fragment}"),
        format!("{fragment} {operation}"),
    ]
});

/// Whether this request sends the contract's operation `name`, in one of its `forms`.
fn is_contract_operation(prepared: &Prepared, name: &str, forms: &[String; 2]) -> bool {
    let wire = &prepared.wire;
    if wire.operation_name.as_deref().is_some_and(|n| n != name) || !wire.uploads.is_empty() {
        return false;
    }
    let Some(query) = wire.query.as_deref() else {
        return false;
    };
    // Cheap refusals first: most requests are other documents.
    query.contains(name) && query.len() <= 4 * forms[0].len() && forms.contains(&normalized(query))
}

/// Whether this request is the contract's feed, and with which page.
fn feed_request(prepared: &Prepared) -> Option<(Option<i32>, Option<String>)> {
    if !is_contract_operation(prepared, "ActivityFeed", &FEED_FORMS) {
        return None;
    }
    let wire = &prepared.wire;
    let mut first = None;
    let mut after = None;
    match &wire.variables {
        None | Some(serde_json::Value::Null) => {}
        Some(serde_json::Value::Object(variables)) => {
            for (name, value) in variables {
                match (name.as_str(), value) {
                    (_, serde_json::Value::Null) => {}
                    ("first", serde_json::Value::Number(n)) => {
                        first = Some(i32::try_from(n.as_i64()?).ok()?);
                    }
                    ("after", serde_json::Value::String(cursor)) => after = Some(cursor.clone()),
                    // A filter, or anything unexpected: the executor's.
                    _ => return None,
                }
            }
        }
        Some(_) => return None,
    }
    Some((first, after))
}

/// Whether this request is the contract's activity page, and of which activity (an id the
/// resolver would take; anything else is the executor's to refuse).
fn detail_request(prepared: &Prepared) -> Option<i32> {
    if !is_contract_operation(prepared, "ActivityDetail", &DETAIL_FORMS) {
        return None;
    }
    let Some(serde_json::Value::Object(variables)) = &prepared.wire.variables else {
        return None;
    };
    if variables.len() != 1 {
        return None;
    }
    let id = variables.get("id")?.as_str()?;
    id.parse::<i32>().ok().filter(|id| *id > 0)
}

#[derive(Serialize)]
struct IdName<'a> {
    id: String,
    name: &'a str,
}

impl<'a> IdName<'a> {
    fn category(model: &'a category::Model) -> Self {
        IdName {
            id: model.id.to_string(),
            name: &model.name,
        }
    }
    fn community(model: &'a community::Model) -> Self {
        IdName {
            id: model.id.to_string(),
            name: &model.name,
        }
    }
    fn department(model: &'a department::Model) -> Self {
        IdName {
            id: model.id.to_string(),
            name: &model.name,
        }
    }
}

#[derive(Serialize)]
struct LocationOut<'a> {
    name: &'a str,
    online: bool,
    tbd: bool,
    community: Option<IdName<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct RegistrationOut {
    id: String,
    status: entity::enums::RegistrationStatus,
    waitlist_position: Option<i32>,
}

/// The page's locations: the card's fields, then the page's own.
#[derive(Serialize)]
struct PageLocation<'a> {
    #[serde(flatten)]
    card: LocationOut<'a>,
    address: Option<&'a str>,
}

/// `ActivityCard` in the fragment's order of fields, its locations as the card or the page
/// shows them.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Card<'a, L = LocationOut<'a>> {
    id: String,
    seq_no: Option<i32>,
    title: &'a str,
    time_label: Option<&'a str>,
    starts_at: Option<String>,
    ends_at: Option<String>,
    status: entity::enums::ActivityStatus,
    category: Option<IdName<'a>>,
    locations: Vec<L>,
    lead_departments: Vec<IdName<'a>>,
    capacity: Option<i32>,
    registered_count: i32,
    waitlist_count: i32,
    viewer_registration: Option<RegistrationOut>,
}

#[derive(Serialize)]
struct Node<'a> {
    cursor: String,
    node: Card<'a>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PageInfoOut {
    has_next_page: bool,
    end_cursor: Option<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ConnectionOut<'a> {
    total_count: i32,
    page_info: PageInfoOut,
    edges: Vec<Node<'a>>,
}

#[derive(Serialize)]
struct Data<'a> {
    activities: ConnectionOut<'a>,
}

#[derive(Serialize)]
struct Answer<'a> {
    data: Data<'a>,
}

type Located = (entity::activity_location::Model, Option<community::Model>);

impl<'a> From<&'a Located> for LocationOut<'a> {
    fn from((location, community): &'a Located) -> Self {
        LocationOut {
            name: &location.name,
            online: location.online,
            tbd: location.tbd,
            community: community.as_ref().map(IdName::community),
        }
    }
}

/// An activity's card from its parts, its locations as `location` shows them.
fn card<'a, L>(
    a: &'a activity::Model,
    category: Option<&'a category::Model>,
    locations: &'a [Located],
    departments: &'a [department::Model],
    registration: Option<&Registered>,
    location: impl Fn(&'a Located) -> L,
) -> Card<'a, L> {
    Card {
        id: a.id.to_string(),
        seq_no: a.seq_no,
        title: &a.title,
        time_label: a.time_label.as_deref(),
        starts_at: a.starts_at.map(|at| local(at).to_rfc3339()),
        ends_at: a.ends_at.map(|at| local(at).to_rfc3339()),
        status: a.status,
        category: category.map(IdName::category),
        locations: locations.iter().map(location).collect(),
        lead_departments: departments.iter().map(IdName::department).collect(),
        capacity: a.capacity,
        registered_count: a.registered_count,
        waitlist_count: a.waitlist_count,
        viewer_registration: registration.and_then(Option::as_ref).map(
            |(registration, position)| RegistrationOut {
                id: registration.id.to_string(),
                status: registration.status,
                waitlist_position: *position,
            },
        ),
    }
}

#[derive(Serialize)]
struct PlanOut<'a> {
    id: String,
    title: &'a str,
    year: i32,
}

#[derive(Serialize)]
struct PairingOut<'a> {
    id: String,
    kind: entity::enums::PairingKind,
    community: IdName<'a>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SurveyOut<'a> {
    id: String,
    title: &'a str,
    status: entity::enums::SurveyStatus,
    viewer_has_responded: bool,
}

/// `ActivityDetail`'s activity: the card, then the page's fields in the document's order
/// (its `locations` merge into the card's, where the card has them).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct DetailOut<'a> {
    #[serde(flatten)]
    card: Card<'a, PageLocation<'a>>,
    content_items: &'a [String],
    registration_opens_at: Option<String>,
    registration_closes_at: Option<String>,
    service_hours: Option<f64>,
    plan: Option<PlanOut<'a>>,
    pairing: Option<PairingOut<'a>>,
    survey: Option<SurveyOut<'a>>,
}

#[derive(Serialize)]
struct DetailData<'a> {
    activity: DetailOut<'a>,
}

#[derive(Serialize)]
struct DetailAnswer<'a> {
    data: DetailData<'a>,
}

/// The body of the answer when this request is the contract's signed-in activity page and
/// nothing stands in the way; `None` sends it to the executor (an activity the viewer may
/// not see, a survey that is only a draft, whose visibility is the viewer's, a failure).
pub(super) async fn activity_detail(
    ctx: &AppContext,
    viewer: &Viewer,
    prepared: &Prepared,
) -> Option<String> {
    use crate::domain::surveys::loaders::ViewerResponse;
    use crate::domain::surveys::service::respondent_key;
    use entity::enums::SurveyStatus;

    let user = viewer.user()?;
    let id = detail_request(prepared)?;
    let part = activities::public_part(&ctx.state, viewer, id)
        .await
        .ok()??;
    let survey = match part
        .surveys
        .iter()
        .find(|s| s.status != SurveyStatus::Draft)
    {
        Some(survey) => Some(survey),
        None if part.surveys.is_empty() => None,
        None => return None,
    };
    let pairing = match &part.pairing {
        Some((pairing, Some(community))) => Some(PairingOut {
            id: pairing.id.to_string(),
            kind: pairing.kind,
            community: IdName::community(community),
        }),
        Some((_, None)) => return None,
        None => None,
    };
    let loader = DbLoader {
        db: ctx.state.db.clone(),
        user_id: Some(user.id),
        department_id: user.department_id,
    };
    let registration_key = [ViewerRegistration(id)];
    let (registration, responded) = futures::join!(loader.load(&registration_key), async {
        let Some(survey) = survey else {
            return Ok(false);
        };
        let key = ViewerResponse {
            survey_id: survey.id,
            respondent_key: respondent_key(&ctx.state.secrets, survey.id, user.id),
        };
        Ok::<_, crate::error::LoadError>(
            loader.load(std::slice::from_ref(&key)).await?.get(&key) == Some(&true),
        )
    },);
    let (registration, responded) = (registration.ok()?, responded.ok()?);
    let a = &part.activity;
    let answer = DetailAnswer {
        data: DetailData {
            activity: DetailOut {
                card: card(
                    a,
                    part.category.as_ref(),
                    &part.locations,
                    &part.departments,
                    registration.get(&ViewerRegistration(id)),
                    |located| PageLocation {
                        card: LocationOut::from(located),
                        address: located.0.address.as_deref(),
                    },
                ),
                content_items: &a.content_items.0,
                registration_opens_at: a.registration_opens_at.map(|at| local(at).to_rfc3339()),
                registration_closes_at: a.registration_closes_at.map(|at| local(at).to_rfc3339()),
                service_hours: a
                    .service_minutes
                    .map(crate::domain::activities::types::minutes_to_hours),
                plan: part.plan.as_ref().map(|plan| PlanOut {
                    id: plan.id.to_string(),
                    title: &plan.title,
                    year: plan.year,
                }),
                pairing,
                survey: survey.map(|survey| SurveyOut {
                    id: survey.id.to_string(),
                    title: &survey.title,
                    status: survey.status,
                    viewer_has_responded: responded,
                }),
            },
        },
    };
    let body = serde_json::to_string(&answer).ok()?;
    metrics::counter!("tongxin_graphql_precompiled_total", "operation" => "ActivityDetail")
        .increment(1);
    Some(body)
}

/// The body of the answer when this request is the contract's signed-in feed and nothing
/// stands in the way; `None` sends it to the executor.
pub(super) async fn activity_feed(
    ctx: &AppContext,
    viewer: &Viewer,
    prepared: &Prepared,
) -> Option<String> {
    let user = viewer.user()?;
    let (first, after) = feed_request(prepared)?;
    let page = Page::from_args(PageArgs {
        first,
        after,
        last: None,
        before: None,
    })
    .ok()?;
    // The query the resolver makes of an absent filter.
    let query = ActivityFilter::default().to_query().ok()?;
    let feed = activities::feed_page(&ctx.state, viewer, &query, page)
        .await
        .ok()?;
    let items = &feed.page.items;
    let keys: Vec<ViewerRegistration> = items.iter().map(|a| ViewerRegistration(a.id)).collect();
    let loader = DbLoader {
        db: ctx.state.db.clone(),
        user_id: Some(user.id),
        department_id: user.department_id,
    };
    let registrations = if keys.is_empty() {
        HashMap::new()
    } else {
        loader.load(&keys).await.ok()?
    };
    let categories: HashMap<i32, &category::Model> =
        feed.categories.iter().map(|c| (c.id, c)).collect();
    let edges: Vec<Node> = items
        .iter()
        .zip(&feed.page.keys)
        .map(|(a, key)| Node {
            cursor: encode_cursor(key),
            node: card(
                a,
                a.category_id.and_then(|id| categories.get(&id).copied()),
                feed.locations.get(&a.id).map_or(&[][..], Vec::as_slice),
                feed.departments.get(&a.id).map_or(&[][..], Vec::as_slice),
                registrations.get(&ViewerRegistration(a.id)),
                LocationOut::from,
            ),
        })
        .collect();
    let answer = Answer {
        data: Data {
            activities: ConnectionOut {
                total_count: i32::try_from(feed.page.total).unwrap_or(i32::MAX),
                page_info: PageInfoOut {
                    has_next_page: feed.page.has_next,
                    end_cursor: edges.last().map(|edge| edge.cursor.clone()),
                },
                edges,
            },
        },
    };
    let body = serde_json::to_string(&answer).ok()?;
    metrics::counter!("tongxin_graphql_precompiled_total", "operation" => "ActivityFeed")
        .increment(1);
    Some(body)
}
