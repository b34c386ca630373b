//! Values this instance keeps in its own memory, by a key that holds the version they were
//! computed under (so a write, which bumps the version, makes them unreachable): the public
//! part of feed pages, and which volunteer a user is. The values are the domain's own
//! types, stored type-erased so that this module knows no domain.

use std::any::Any;
use std::sync::Arc;
use std::time::Duration;

type Erased = Arc<dyn Any + Send + Sync>;

/// Computed values by key, weighed in (estimated) bytes, at most 4 MB and 5 minutes.
#[derive(Clone)]
pub struct Memo(moka::future::Cache<String, (u32, Erased)>);

impl Default for Memo {
    fn default() -> Self {
        Memo(
            moka::future::Cache::builder()
                .max_capacity(4 * 1024 * 1024)
                .weigher(|_: &String, (weight, _): &(u32, Erased)| *weight)
                .time_to_live(Duration::from_secs(300))
                .build(),
        )
    }
}

impl Memo {
    /// The value under `key`, or `load`'s, stored with the weight `weigh` gives it.
    /// Concurrent misses of one key run one `load` and share its result; an error is not
    /// kept. Keys are namespaced by the type, so two uses never share an entry.
    pub async fn get_or_load<T, E, F>(
        &self,
        key: String,
        weigh: fn(&T) -> usize,
        load: F,
    ) -> Result<Arc<T>, Arc<E>>
    where
        T: Any + Send + Sync,
        E: Send + Sync + 'static,
        F: Future<Output = Result<Arc<T>, E>>,
    {
        let key = format!("{}\0{key}", std::any::type_name::<T>());
        let (_, erased) = self
            .0
            .try_get_with(key, async {
                let value = load.await?;
                let weight = u32::try_from(weigh(&value)).unwrap_or(u32::MAX);
                Ok::<_, E>((weight, value as Erased))
            })
            .await?;
        Ok(erased
            .downcast::<T>()
            .expect("keys are namespaced by type, so the entry holds a T"))
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
