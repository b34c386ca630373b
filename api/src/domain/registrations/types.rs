//! GraphQL objects of registrations.

use std::collections::HashMap;

use async_graphql::dataloader::Loader;
use async_graphql::{Context, Enum, ID, Object};
use chrono::{DateTime, FixedOffset};
use sea_orm::{ConnectionTrait, Statement};

use entity::enums::RegistrationStatus as DbStatus;
use entity::{activity, registration};

use crate::domain::activities::types::Activity;
use crate::domain::users::types::Volunteer;
use crate::error::{AppError, GqlResult, Thing};
use crate::graphql::loaders::{DbLoader, Loaders, by_id};
use crate::graphql::pagination::connection;
use crate::graphql::scalars::local;
use crate::graphql::to_id;

#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "DbStatus")]
pub enum RegistrationStatus {
    Registered,
    Waitlisted,
    Cancelled,
}

/// A volunteer's sign-up (报名) for an activity.
pub struct Registration(pub registration::Model);

impl From<registration::Model> for Registration {
    fn from(model: registration::Model) -> Self {
        Registration(model)
    }
}

connection!(RegistrationConnection, RegistrationEdge, Registration);

#[Object]
impl Registration {
    async fn id(&self) -> ID {
        to_id(self.0.id)
    }
    async fn status(&self) -> RegistrationStatus {
        self.0.status.into()
    }
    /// 1-based place in the waitlist while WAITLISTED.
    async fn waitlist_position(&self, ctx: &Context<'_>) -> GqlResult<Option<i32>> {
        if self.0.status != DbStatus::Waitlisted {
            return Ok(None);
        }
        Ok(ctx
            .data_unchecked::<Loaders>()
            .load_one(WaitlistPosition(self.0.id))
            .await?)
    }
    async fn activity(&self, ctx: &Context<'_>) -> GqlResult<Activity> {
        by_id::<activity::Entity>(ctx.data_unchecked::<Loaders>(), self.0.activity_id)
            .await?
            .map(Activity)
            .ok_or_else(|| AppError::not_found(Thing::Activity).into())
    }
    async fn volunteer(&self, ctx: &Context<'_>) -> GqlResult<Volunteer> {
        Volunteer::load(ctx, self.0.volunteer_id).await
    }
    async fn created_at(&self) -> DateTime<FixedOffset> {
        local(self.0.created_at)
    }
}

/// The place of a waitlisted registration: how many of the same activity's waitlisted
/// registrations arrived before it, plus one.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct WaitlistPosition(pub i32);

impl Loader<WaitlistPosition> for DbLoader {
    type Value = i32;
    type Error = crate::error::LoadError;

    async fn load(
        &self,
        keys: &[WaitlistPosition],
    ) -> Result<HashMap<WaitlistPosition, i32>, Self::Error> {
        // Ids are integers we parsed ourselves, so inlining them is safe.
        let ids = keys
            .iter()
            .map(|k| k.0.to_string())
            .collect::<Vec<_>>()
            .join(",");
        let sql = format!(
            "SELECT r.id AS id, {position} AS position \
             FROM registrations r WHERE r.status = {waitlisted} AND r.id IN ({ids})",
            position = super::rules::waitlist_position_sql("r"),
            waitlisted = crate::db::sql_value(entity::enums::RegistrationStatus::Waitlisted),
        );
        let backend = self.db.get_database_backend();
        let rows = self
            .db
            .query_all_raw(Statement::from_string(backend, sql))
            .await?;
        let mut map = HashMap::new();
        for row in rows {
            let id: i32 = row.try_get("", "id")?;
            let position: i64 = row.try_get("", "position")?;
            map.insert(WaitlistPosition(id), position as i32);
        }
        Ok(map)
    }
}
