//! One DataLoader per request; each key type is one grouped query, so nested fields never
//! run a query per row.

use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::marker::PhantomData;

use std::future::Future;
use std::task::Poll;
use std::time::Duration;

use async_graphql::dataloader::{DataLoader, HashMapCache, Loader};
use futures::channel::mpsc;
use futures::future::BoxFuture;
use futures::stream::{FuturesUnordered, StreamExt};
use sea_orm::{
    ColumnTrait, DatabaseConnection, EntityTrait, Iterable, ModelTrait, PrimaryKeyToColumn,
    QueryFilter, Value,
};

/// Cached per request: a value loaded (or prefetched) once is not queried again within
/// the same request, and the next request starts empty.
pub type Loaders = DataLoader<DbLoader, HashMapCache>;

/// The request's loaders, and the [`Batches`] that run their loads: the request's
/// execution must go through [`Batches::drive`].
pub fn loaders(
    db: DatabaseConnection,
    user_id: Option<i32>,
    department_id: Option<i32>,
) -> (Loaders, Batches) {
    let (sender, receiver) = mpsc::unbounded::<BoxFuture<'static, ()>>();
    let loaders = DataLoader::with_cache(
        DbLoader {
            db,
            user_id,
            department_id,
        },
        move |batch: BoxFuture<'static, ()>| {
            // After the execution ended nothing waits for a batch; run it anyway.
            if let Err(refused) = sender.unbounded_send(batch) {
                tokio::spawn(refused.into_inner());
            }
        },
        HashMapCache::default(),
    )
    // No timer: a batch starts once the execution cannot go on without it (see `drive`).
    .delay(Duration::ZERO);
    (loaders, Batches(receiver))
}

/// The loads a request's loaders have started, run in the request's own task.
///
/// async-graphql's DataLoader gathers the keys of one kind by waiting out a delay (1 ms by
/// default, on a timer) before it loads them, so that sibling fields can join the batch:
/// every level of nesting cost a request that much time for nothing when it was alone
/// (the benchmark's one-user latencies). Here a batch is handed to this queue instead of
/// a spawned task, and runs only when the execution has gone as far as it can: by then
/// every field waiting for a key of that kind has asked for it, since the executor polls
/// sibling fields together. Same batches, no waiting. Written here because the DataLoader
/// offers exactly this hook (its spawner) and no crate drives it this way.
pub struct Batches(mpsc::UnboundedReceiver<BoxFuture<'static, ()>>);

impl Batches {
    /// Runs `execution` together with the batches it starts; its output.
    pub async fn drive<F: Future>(self, execution: F) -> F::Output {
        let mut queued = self.0;
        let mut running = FuturesUnordered::new();
        let mut execution = std::pin::pin!(execution);
        std::future::poll_fn(move |cx| {
            loop {
                if let Poll::Ready(output) = execution.as_mut().poll(cx) {
                    return Poll::Ready(output);
                }
                while let Poll::Ready(Some(batch)) = queued.poll_next_unpin(cx) {
                    running.push(batch);
                }
                // A batch that finished may let the execution go on at once.
                let mut finished = false;
                while let Poll::Ready(Some(())) = running.poll_next_unpin(cx) {
                    finished = true;
                }
                if !finished {
                    return Poll::Pending;
                }
            }
        })
        .await
    }
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

/// Keeps rows that were read with something else (joined to a page) in the request's cache,
/// so that the fields that ask for them by id find them instead of loading them again.
pub async fn keep<E>(loaders: &Loaders, rows: impl IntoIterator<Item = E::Model>)
where
    E: EntityTrait + Send + Sync + 'static,
    E::Model: Clone + Send + Sync + 'static,
{
    let pk = E::PrimaryKey::iter()
        .next()
        .expect("entities have a primary key")
        .into_column();
    loaders
        .feed_many(
            rows.into_iter()
                .filter_map(|row| int_value(row.get(pk)).map(|id| (ById::<E>::new(id), row))),
        )
        .await;
}

/// A page read with each item's related row (`page::fetch_also`): the related rows kept in
/// the request's cache ([`keep`]), the items returned.
pub async fn keep_joined<T, E>(
    loaders: &Loaders,
    page: crate::domain::page::Page<(T, Option<E::Model>)>,
) -> crate::domain::page::Page<T>
where
    E: EntityTrait + Send + Sync + 'static,
    E::Model: Clone + Send + Sync + 'static,
{
    let mut related = Vec::with_capacity(page.items.len());
    let page = page.map(|(item, row)| {
        related.extend(row);
        item
    });
    keep::<E>(loaders, related).await;
    page
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

/// Loads these keys at once and keeps them in the request's cache, without the batch
/// delay: for prefetches that know every key up front. A `load_many` waits out the
/// DataLoader's delay (a millisecond on tokio's timer) so that sibling fields can join its
/// batch, which a request that knows all its keys only pays for.
pub async fn load_now<K>(
    loaders: &Loaders,
    keys: &[K],
) -> Result<HashMap<K, <DbLoader as Loader<K>>::Value>, crate::error::LoadError>
where
    K: Send + Sync + Hash + Eq + Clone + 'static,
    DbLoader: Loader<K, Error = crate::error::LoadError>,
{
    if keys.is_empty() {
        return Ok(HashMap::new());
    }
    let found = loaders.loader().load(keys).await?;
    loaders
        .feed_many(found.iter().map(|(k, v)| (k.clone(), v.clone())))
        .await;
    Ok(found)
}
