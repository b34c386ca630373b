//! Values this instance keeps in its own memory, by a key that holds the version they were
//! computed under (so a write, which bumps the version, makes them unreachable): the star
//! policy, and which volunteer a user is; and, all together under the public version, the
//! public parts of feed and activity pages ([`PublicMemo`]). The values are the domain's
//! own types, stored type-erased so that this module knows no domain.

use std::any::Any;
use std::sync::Arc;
use std::time::Duration;

type Erased = Arc<dyn Any + Send + Sync>;

/// Computed values by key, weighed in (estimated) bytes, at most 1 MB and 5 minutes (a
/// [`PublicMemo`] holds one per public version, with its own capacity).
#[derive(Clone)]
pub struct Memo(moka::future::Cache<String, (u32, Erased)>);

impl Default for Memo {
    fn default() -> Self {
        Memo::with_capacity(1024 * 1024)
    }
}

impl Memo {
    fn with_capacity(max_bytes: u64) -> Self {
        Memo(
            moka::future::Cache::builder()
                .max_capacity(max_bytes)
                .weigher(|_: &String, (weight, _): &(u32, Erased)| *weight)
                .time_to_live(Duration::from_secs(300))
                .build(),
        )
    }

    /// The value under `key`, or `load`'s, kept with the weight `weigh` gives it (plus what
    /// the entry costs). Concurrent misses of one key run one `load` and share its result;
    /// an error is not kept. Keys are namespaced by the type, so two uses never share an
    /// entry.
    pub async fn get_or_load<T, E, F>(
        &self,
        key: String,
        weigh: fn(&T) -> usize,
        load: impl FnOnce() -> F,
    ) -> Result<Arc<T>, LoadFailed<E>>
    where
        T: Any + Send + Sync,
        E: Send + Sync + 'static,
        F: Future<Output = Result<Arc<T>, E>>,
    {
        let found = self
            .get_or_load_some(key, weigh, || async { load().await.map(Some) })
            .await?;
        Ok(found.expect("a load that gives a value is never without one"))
    }

    /// [`Memo::get_or_load`] for a load that may find nothing, which is not kept.
    pub async fn get_or_load_some<T, E, F>(
        &self,
        key: String,
        weigh: fn(&T) -> usize,
        load: impl FnOnce() -> F,
    ) -> Result<Option<Arc<T>>, LoadFailed<E>>
    where
        T: Any + Send + Sync,
        E: Send + Sync + 'static,
        F: Future<Output = Result<Option<Arc<T>>, E>>,
    {
        let key = format!("{}\0{key}", std::any::type_name::<T>());
        // A kept value is found without the load. The load's future (a feed page's four
        // statements: tens of KB) exists only on a miss, boxed: inline, it would make
        // every caller's future, and every request's, that much larger, to be moved
        // and kept through each await even when the value is kept.
        let found = match self.0.get(&key).await {
            Some(kept) => Ok(kept),
            None => {
                Box::pin(self.0.try_get_with(key, async {
                    match load().await.map_err(Unkept::Failed)? {
                        Some(value) => {
                            let weight = weigh(&value).saturating_add(ENTRY_OVERHEAD);
                            let weight = u32::try_from(weight).unwrap_or(u32::MAX);
                            Ok((weight, value as Erased))
                        }
                        None => Err(Unkept::Nothing),
                    }
                }))
                .await
            }
        };
        match found {
            Ok((_, erased)) => {
                Ok(Some(erased.downcast::<T>().expect(
                    "keys are namespaced by type, so the entry holds a T",
                )))
            }
            Err(unkept) if matches!(*unkept, Unkept::Nothing) => Ok(None),
            Err(failed) => Err(LoadFailed(failed)),
        }
    }
}

/// What is kept of one public version: its values, by key.
struct Generation {
    version: u64,
    values: Memo,
}

/// Values computed under one public version (the public parts of feed pages and activity
/// pages, which anonymous surveys there are), kept in this instance's memory while that
/// version is current and dropped all at once when it is not: at this instance's own bump
/// of the version, or when a request brings a newer one (another instance wrote). Keeping
/// them by a key that holds the version, as [`Memo`] does, left every value of every older
/// version in memory until the capacity pushed it out: a full cache of pages nobody could
/// read any more, through every write that followed (issue 23's memory).
///
/// Own code rather than a crate: no cache crate drops its entries by a version it is told
/// of; this is one moka cache per version, replaced whole.
pub struct PublicMemo {
    current: std::sync::RwLock<Option<Arc<Generation>>>,
    max_bytes: u64,
}

/// What an entry costs beyond its value's own weight: moka's node and its places in the
/// access and write orders, the key (with the type's name), the value's `Arc`.
const ENTRY_OVERHEAD: usize = 384;

impl PublicMemo {
    pub fn new(max_bytes: u64) -> Self {
        PublicMemo {
            current: std::sync::RwLock::new(None),
            max_bytes,
        }
    }

    /// The values of `version`, started empty when it is newer than the kept one. `None`
    /// for an older version: its values are no longer kept.
    fn generation(&self, version: u64) -> Option<Arc<Generation>> {
        let read = |current: &Option<Arc<Generation>>| match current {
            Some(generation) if generation.version == version => Some(Some(generation.clone())),
            Some(generation) if generation.version > version => Some(None),
            _ => None,
        };
        if let Some(found) = read(&self.current.read().unwrap_or_else(|p| p.into_inner())) {
            return found;
        }
        let mut current = self.current.write().unwrap_or_else(|p| p.into_inner());
        if let Some(found) = read(&current) {
            return found;
        }
        let generation = Arc::new(Generation {
            version,
            values: Memo::with_capacity(self.max_bytes),
        });
        *current = Some(generation.clone());
        Some(generation)
    }

    /// How many values are kept, and their weight in bytes.
    pub async fn held(&self) -> (u64, u64) {
        let current = self
            .current
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone();
        match current {
            Some(generation) => {
                let values = &generation.values.0;
                values.run_pending_tasks().await;
                (values.entry_count(), values.weighted_size())
            }
            None => (0, 0),
        }
    }

    /// Drops every kept value: the public version has moved.
    pub fn retire(&self) {
        let retired = self
            .current
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .take();
        drop(retired);
    }

    /// [`Memo::get_or_load`] among the values of `version`; for an older version, `load`'s
    /// value, not kept.
    pub async fn get_or_load<T, E, F>(
        &self,
        version: u64,
        key: String,
        weigh: fn(&T) -> usize,
        load: impl FnOnce() -> F,
    ) -> Result<Arc<T>, LoadFailed<E>>
    where
        T: Any + Send + Sync,
        E: Send + Sync + 'static,
        F: Future<Output = Result<Arc<T>, E>>,
    {
        match self.generation(version) {
            Some(generation) => generation.values.get_or_load(key, weigh, load).await,
            None => Box::pin(load()).await.map_err(LoadFailed::new),
        }
    }

    /// [`Memo::get_or_load_some`] among the values of `version`, as above.
    pub async fn get_or_load_some<T, E, F>(
        &self,
        version: u64,
        key: String,
        weigh: fn(&T) -> usize,
        load: impl FnOnce() -> F,
    ) -> Result<Option<Arc<T>>, LoadFailed<E>>
    where
        T: Any + Send + Sync,
        E: Send + Sync + 'static,
        F: Future<Output = Result<Option<Arc<T>>, E>>,
    {
        match self.generation(version) {
            Some(generation) => generation.values.get_or_load_some(key, weigh, load).await,
            None => Box::pin(load()).await.map_err(LoadFailed::new),
        }
    }
}

/// Why a load left nothing to keep.
enum Unkept<E> {
    Nothing,
    Failed(E),
}

/// A load's failure, shared by the requests that waited for it.
pub struct LoadFailed<E>(Arc<Unkept<E>>);

impl<E> LoadFailed<E> {
    fn new(err: E) -> Self {
        LoadFailed(Arc::new(Unkept::Failed(err)))
    }
}

impl<E: std::fmt::Debug> std::fmt::Debug for LoadFailed<E> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &*self.0 {
            Unkept::Failed(err) => err.fmt(f),
            Unkept::Nothing => f.write_str("nothing to keep"),
        }
    }
}

/// Which volunteer a user is, as found (a volunteer row never changes its user, so the
/// answer never goes stale).
#[derive(Clone)]
pub struct VolunteerIds(moka::sync::Cache<i32, i32>);

/// Users whose volunteer id is kept. A miss costs one statement by key, and an entry costs
/// moka's node (about 200 bytes) for 8 bytes of value: 100,000 entries took the heap up by
/// about 20 MB over a long run of registrations by many volunteers.
const KEPT_VOLUNTEER_IDS: u64 = 10_000;

impl Default for VolunteerIds {
    fn default() -> Self {
        VolunteerIds(moka::sync::Cache::new(KEPT_VOLUNTEER_IDS))
    }
}

impl VolunteerIds {
    pub fn get(&self, user_id: i32) -> Option<i32> {
        self.0.get(&user_id)
    }
    pub fn insert(&self, user_id: i32, volunteer_id: i32) {
        self.0.insert(user_id, volunteer_id);
    }
}
