//! Grouped loads for the nested fields of activities.

use std::collections::HashMap;

use async_graphql::dataloader::Loader;
use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, Query};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

use entity::enums::RegistrationStatus;
use entity::{
    activity_department, activity_location, community, department, registration, volunteer,
};

use crate::graphql::loaders::DbLoader;

#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct ActivityLocations(pub i32);

impl Loader<ActivityLocations> for DbLoader {
    /// Each location with its community, joined: one query however deep the page.
    type Value = Vec<(activity_location::Model, Option<community::Model>)>;
    type Error = crate::error::LoadError;

    async fn load(
        &self,
        keys: &[ActivityLocations],
    ) -> Result<HashMap<ActivityLocations, Self::Value>, Self::Error> {
        let rows = activity_location::Entity::find()
            .find_also_related(community::Entity)
            .filter(activity_location::Column::ActivityId.is_in(keys.iter().map(|k| k.0)))
            .order_by_asc(activity_location::Column::ActivityId)
            .order_by_asc(activity_location::Column::Position)
            .all(&self.db)
            .await?;
        // Every key gets an entry, empty ones too, so the request's cache remembers them.
        let mut map: HashMap<ActivityLocations, Self::Value> =
            keys.iter().map(|k| (*k, Vec::new())).collect();
        for (location, community) in rows {
            map.entry(ActivityLocations(location.activity_id))
                .or_default()
                .push((location, community));
        }
        Ok(map)
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
        let rows = activity_department::Entity::find()
            .find_also_related(department::Entity)
            .filter(activity_department::Column::ActivityId.is_in(keys.iter().map(|k| k.0)))
            .order_by_asc(activity_department::Column::ActivityId)
            .order_by_asc(activity_department::Column::Position)
            .all(&self.db)
            .await?;
        let mut map: HashMap<ActivityDepartments, Self::Value> =
            keys.iter().map(|k| (*k, Vec::new())).collect();
        for (link, dept) in rows {
            if let Some(dept) = dept {
                map.entry(ActivityDepartments(link.activity_id))
                    .or_default()
                    .push(dept);
            }
        }
        Ok(map)
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
                Expr::cust(
                    "CASE WHEN registrations.status = 'WAITLISTED' THEN \
                       (SELECT COUNT(*) FROM registrations w WHERE w.activity_id = registrations.activity_id \
                        AND w.status = 'WAITLISTED' AND w.id <= registrations.id) END",
                ),
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
    use crate::domain::registrations::types::WaitlistPosition;
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
    let wants_viewer =
        node.field("viewerRegistration").exists() && loaders.loader().user_id.is_some();
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
                loaders
                    .load_many(ids.iter().map(|id| ViewerRegistration(*id)))
                    .await
                    .map(Some)
            } else {
                Ok(None)
            }
        },
    );
    categories?;
    locations?;
    departments?;
    if let Some(found) = viewer? {
        let positions: Vec<(WaitlistPosition, i32)> = found
            .values()
            .flatten()
            .filter_map(|(r, position)| position.map(|p| (WaitlistPosition(r.id), p)))
            .collect();
        loaders.feed_many(positions).await;
    }
    Ok(())
}
