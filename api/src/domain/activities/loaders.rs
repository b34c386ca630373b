//! Grouped loads for the nested fields of activities.

use std::collections::HashMap;

use async_graphql::dataloader::Loader;
use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, Query};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QuerySelect};

use entity::enums::RegistrationStatus;
use entity::{department, registration, volunteer};

use crate::graphql::loaders::DbLoader;

#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct ActivityLocations(pub i32);

impl Loader<ActivityLocations> for DbLoader {
    /// Each location with its community, joined: one query however deep the page.
    type Value = super::service::Locations;
    type Error = crate::error::LoadError;

    async fn load(
        &self,
        keys: &[ActivityLocations],
    ) -> Result<HashMap<ActivityLocations, Self::Value>, Self::Error> {
        let ids: Vec<i32> = keys.iter().map(|k| k.0).collect();
        let map = super::service::locations_of(&self.db, &ids).await?;
        Ok(map
            .into_iter()
            .map(|(id, locations)| (ActivityLocations(id), locations))
            .collect())
    }
}

#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct ActivityDepartments(pub i32);

impl Loader<ActivityDepartments> for DbLoader {
    type Value = Vec<department::Model>;
    type Error = crate::error::LoadError;

    async fn load(
        &self,
        keys: &[ActivityDepartments],
    ) -> Result<HashMap<ActivityDepartments, Self::Value>, Self::Error> {
        let ids: Vec<i32> = keys.iter().map(|k| k.0).collect();
        let map = super::service::departments_of(&self.db, &ids).await?;
        Ok(map
            .into_iter()
            .map(|(id, departments)| (ActivityDepartments(id), departments))
            .collect())
    }
}

/// The signed-in volunteer's live (not cancelled) registration for an activity.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct ViewerRegistration(pub i32);

impl Loader<ViewerRegistration> for DbLoader {
    /// The registration and, while waitlisted, its place: computed in the same query.
    /// `None` for activities the viewer has not registered for, so that the request's
    /// cache remembers those too.
    type Value = Option<(registration::Model, Option<i32>)>;
    type Error = crate::error::LoadError;

    async fn load(
        &self,
        keys: &[ViewerRegistration],
    ) -> Result<HashMap<ViewerRegistration, Self::Value>, Self::Error> {
        let Some(user_id) = self.user_id else {
            return Ok(HashMap::new());
        };
        type Row = (
            i32,
            i32,
            i32,
            RegistrationStatus,
            DateTime<Utc>,
            DateTime<Utc>,
            Option<i64>,
        );
        let rows: Vec<Row> = registration::Entity::find()
            .select_only()
            .columns([
                registration::Column::Id,
                registration::Column::ActivityId,
                registration::Column::VolunteerId,
                registration::Column::Status,
                registration::Column::CreatedAt,
                registration::Column::UpdatedAt,
            ])
            .column_as(
                Expr::cust(format!(
                    "CASE WHEN registrations.status = {} THEN {} END",
                    crate::db::sql_value(RegistrationStatus::Waitlisted),
                    crate::domain::registrations::rules::waitlist_position_sql("registrations"),
                )),
                "position",
            )
            .filter(
                registration::Column::VolunteerId.in_subquery(
                    Query::select()
                        .column(volunteer::Column::Id)
                        .from(volunteer::Entity)
                        .and_where(volunteer::Column::UserId.eq(user_id))
                        .to_owned(),
                ),
            )
            .filter(registration::Column::ActivityId.is_in(keys.iter().map(|k| k.0)))
            .filter(registration::Column::Status.ne(RegistrationStatus::Cancelled))
            .into_tuple()
            .all(&self.db)
            .await?;
        let mut map: HashMap<ViewerRegistration, Self::Value> =
            keys.iter().map(|k| (*k, None)).collect();
        map.extend(rows.into_iter().map(
            |(id, activity_id, volunteer_id, status, created_at, updated_at, position)| {
                let model = registration::Model {
                    id,
                    activity_id,
                    volunteer_id,
                    status,
                    created_at,
                    updated_at,
                };
                (
                    ViewerRegistration(activity_id),
                    Some((model, position.map(|p| p as i32))),
                )
            },
        ));
        Ok(map)
    }
}

/// Loads, in one grouped query each and all at once, what the selected fields of a page of
/// activities will ask for. Resolvers then find it in the request's loader cache, so the
/// number of statements does not depend on the page size or on how the executor
/// interleaves the items (a DataLoader batch can otherwise fire before every item of a
/// large page has asked).
pub async fn prefetch(
    ctx: &async_graphql::Context<'_>,
    activities: &[entity::activity::Model],
) -> Result<(), crate::error::LoadError> {
    use crate::graphql::loaders::{ById, Loaders};

    if activities.is_empty() {
        return Ok(());
    }
    let loaders = ctx.data_unchecked::<Loaders>();
    let look = ctx.look_ahead();
    let node = look.field("edges").field("node");
    let ids: Vec<i32> = activities.iter().map(|a| a.id).collect();
    let categories: Vec<ById<entity::category::Entity>> = activities
        .iter()
        .filter_map(|a| a.category_id.map(ById::new))
        .collect();
    let wants_viewer = node.field("viewerRegistration").exists();
    let (categories, locations, departments, viewer) = futures::join!(
        async {
            if node.field("category").exists() && !categories.is_empty() {
                loaders.load_many(categories).await.map(|_| ())
            } else {
                Ok(())
            }
        },
        async {
            if node.field("locations").exists() {
                loaders
                    .load_many(ids.iter().map(|id| ActivityLocations(*id)))
                    .await
                    .map(|_| ())
            } else {
                Ok(())
            }
        },
        async {
            if node.field("leadDepartments").exists() {
                loaders
                    .load_many(ids.iter().map(|id| ActivityDepartments(*id)))
                    .await
                    .map(|_| ())
            } else {
                Ok(())
            }
        },
        async {
            if wants_viewer {
                viewer_registrations(loaders, &ids).await
            } else {
                Ok(())
            }
        },
    );
    categories?;
    locations?;
    departments?;
    viewer?;
    Ok(())
}

/// A page of activities as a connection: the public part from the feed page (kept across
/// requests), fed into the request's loaders, then only what it cannot know (the
/// viewer's registrations) loaded up front.
pub async fn connection(
    ctx: &async_graphql::Context<'_>,
    q: &super::service::ActivityQuery,
    page: crate::graphql::pagination::Page,
) -> crate::error::GqlResult<super::types::ActivityConnection> {
    use crate::graphql::ContextExt;
    use crate::graphql::loaders::{ById, Loaders};
    let loaders = ctx.data_unchecked::<Loaders>();
    let feed = super::service::feed_page(ctx.state(), ctx.viewer(), q, page).await?;
    loaders
        .feed_many(
            feed.categories
                .iter()
                .map(|c| (ById::<entity::category::Entity>::new(c.id), c.clone())),
        )
        .await;
    loaders
        .feed_many(
            feed.locations
                .iter()
                .map(|(id, v)| (ActivityLocations(*id), v.clone())),
        )
        .await;
    loaders
        .feed_many(
            feed.departments
                .iter()
                .map(|(id, v)| (ActivityDepartments(*id), v.clone())),
        )
        .await;
    prefetch(ctx, &feed.page.items).await?;
    Ok(feed.page.clone().map(super::types::Activity).into())
}

/// The signed-in viewer's registrations for these activities, with their waitlist places,
/// loaded at once into the request's cache (nothing when signed out).
async fn viewer_registrations(
    loaders: &crate::graphql::loaders::Loaders,
    ids: &[i32],
) -> Result<(), crate::error::LoadError> {
    use crate::domain::registrations::types::WaitlistPosition;
    if loaders.loader().user_id.is_none() {
        return Ok(());
    }
    let keys: Vec<ViewerRegistration> = ids.iter().map(|id| ViewerRegistration(*id)).collect();
    let found = crate::graphql::loaders::load_now(loaders, &keys).await?;
    let positions: Vec<(WaitlistPosition, i32)> = found
        .values()
        .flatten()
        .filter_map(|(r, position)| position.map(|p| (WaitlistPosition(r.id), p)))
        .collect();
    loaders.feed_many(positions).await;
    Ok(())
}

/// One activity for its page: the public part kept by the public version, fed into the
/// request's loaders, then what only this viewer has (their registration, whether they
/// answered its survey) read at once: at most two statements once the part is cached.
pub async fn detail(
    ctx: &async_graphql::Context<'_>,
    id: i32,
) -> crate::error::GqlResult<Option<super::types::Activity>> {
    use crate::domain::surveys::loaders::{SurveysOfActivity, ViewerResponse};
    use crate::graphql::ContextExt;
    use crate::graphql::loaders::{ById, Loaders};
    use entity::{category, community, pairing, plan};

    let Some(part) = super::service::public_part(ctx.state(), ctx.viewer(), id).await? else {
        return Ok(None);
    };
    let loaders = ctx.data_unchecked::<Loaders>();
    let activity = &part.activity;
    if let Some(category) = &part.category {
        loaders
            .feed_one(ById::<category::Entity>::new(category.id), category.clone())
            .await;
    }
    if let Some(plan) = &part.plan {
        loaders
            .feed_one(ById::<plan::Entity>::new(plan.id), plan.clone())
            .await;
    }
    if let Some((pairing, community)) = &part.pairing {
        loaders
            .feed_one(ById::<pairing::Entity>::new(pairing.id), pairing.clone())
            .await;
        if let Some(community) = community {
            loaders
                .feed_one(
                    ById::<community::Entity>::new(community.id),
                    community.clone(),
                )
                .await;
        }
    }
    loaders
        .feed_one(ActivityLocations(id), part.locations.clone())
        .await;
    loaders
        .feed_one(ActivityDepartments(id), part.departments.clone())
        .await;
    loaders
        .feed_one(SurveysOfActivity(id), part.surveys.clone())
        .await;

    let look = ctx.look_ahead();
    let response_key = match ctx.viewer().user() {
        Some(user) if look.field("survey").field("viewerHasResponded").exists() => part
            .surveys
            .iter()
            .find(|s| s.status != entity::enums::SurveyStatus::Draft)
            .map(|survey| ViewerResponse {
                survey_id: survey.id,
                respondent_key: crate::domain::surveys::service::respondent_key(
                    &ctx.state().secrets,
                    survey.id,
                    user.id,
                ),
            }),
        _ => None,
    };
    let (registration, response) = futures::join!(
        async {
            if look.field("viewerRegistration").exists() {
                viewer_registrations(loaders, &[id]).await
            } else {
                Ok(())
            }
        },
        async {
            match response_key {
                Some(key) => crate::graphql::loaders::load_now(loaders, &[key])
                    .await
                    .map(|_| ()),
                None => Ok(()),
            }
        },
    );
    registration?;
    response?;
    Ok(Some(super::types::Activity(activity.clone())))
}
