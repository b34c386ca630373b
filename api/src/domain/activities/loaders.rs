//! Grouped loads for the nested fields of activities.

use std::collections::HashMap;

use async_graphql::dataloader::Loader;
use sea_orm::sea_query::Query;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};

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
        let mut map: HashMap<ActivityLocations, Self::Value> = HashMap::new();
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
        let mut map: HashMap<ActivityDepartments, Self::Value> = HashMap::new();
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
    type Value = registration::Model;
    type Error = crate::error::LoadError;

    async fn load(
        &self,
        keys: &[ViewerRegistration],
    ) -> Result<HashMap<ViewerRegistration, Self::Value>, Self::Error> {
        let Some(user_id) = self.user_id else {
            return Ok(HashMap::new());
        };
        let rows = registration::Entity::find()
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
            .all(&self.db)
            .await?;
        Ok(rows
            .into_iter()
            .map(|row| (ViewerRegistration(row.activity_id), row))
            .collect())
    }
}
