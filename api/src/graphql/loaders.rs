//! One DataLoader per request; each key type is one grouped query, so nested fields never
//! run a query per row.

use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::marker::PhantomData;

use async_graphql::dataloader::{DataLoader, HashMapCache, Loader};
use sea_orm::{
    ColumnTrait, DatabaseConnection, EntityTrait, Iterable, ModelTrait, PrimaryKeyToColumn,
    QueryFilter, Value,
};

/// Cached per request: a value loaded (or prefetched) once is not queried again within
/// the same request, and the next request starts empty.
pub type Loaders = DataLoader<DbLoader, HashMapCache>;

pub fn loaders(
    db: DatabaseConnection,
    user_id: Option<i32>,
    department_id: Option<i32>,
) -> Loaders {
    DataLoader::with_cache(
        DbLoader {
            db,
            user_id,
            department_id,
        },
        tokio::spawn,
        HashMapCache::default(),
    )
}

pub struct DbLoader {
    pub db: DatabaseConnection,
    /// The signed-in user, for `viewerRegistration`.
    pub user_id: Option<i32>,
    /// The signed-in organizer's department, for real-name visibility.
    pub department_id: Option<i32>,
}

/// A row of entity `E` by its integer primary key.
pub struct ById<E>(pub i32, PhantomData<fn() -> E>);

impl<E> ById<E> {
    pub fn new(id: i32) -> Self {
        ById(id, PhantomData)
    }
}

impl<E> Clone for ById<E> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<E> Copy for ById<E> {}
impl<E> PartialEq for ById<E> {
    fn eq(&self, other: &Self) -> bool {
        self.0 == other.0
    }
}
impl<E> Eq for ById<E> {}
impl<E> Hash for ById<E> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.0.hash(state)
    }
}

pub fn int_value(value: Value) -> Option<i32> {
    match value {
        Value::Int(v) => v,
        Value::BigInt(v) => v.map(|v| v as i32),
        _ => None,
    }
}

impl<E> Loader<ById<E>> for DbLoader
where
    E: EntityTrait + Send + Sync + 'static,
    E::Model: Clone + Send + Sync + 'static,
{
    type Value = E::Model;
    type Error = crate::error::LoadError;

    async fn load(&self, keys: &[ById<E>]) -> Result<HashMap<ById<E>, E::Model>, Self::Error> {
        let pk = E::PrimaryKey::iter()
            .next()
            .expect("entities have a primary key")
            .into_column();
        let rows = E::find()
            .filter(pk.is_in(keys.iter().map(|key| key.0)))
            .all(&self.db)
            .await?;
        Ok(rows
            .into_iter()
            .filter_map(|row| int_value(row.get(pk)).map(|id| (ById::new(id), row)))
            .collect())
    }
}

/// Loads one row by id through the request's loader; `None` when it does not exist.
pub async fn by_id<E>(
    loaders: &Loaders,
    id: i32,
) -> Result<Option<E::Model>, crate::error::LoadError>
where
    E: EntityTrait + Send + Sync + 'static,
    E::Model: Clone + Send + Sync + 'static,
{
    loaders.load_one(ById::<E>::new(id)).await
}
