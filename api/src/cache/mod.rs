//! One cache handle for the whole app: Redis when configured (shared by every instance),
//! in-process otherwise. Redis failures never fail a request: reads miss, writes are
//! dropped, and a warning and a metric say so.

mod keys;
mod memo;

pub use keys::CacheKey;
pub use memo::{LoadFailed, Memo, PublicMemo, VolunteerIds};

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use redis::AsyncCommands;
use redis::aio::{ConnectionManager, ConnectionManagerConfig};

#[derive(Clone)]
pub struct Cache {
    inner: Arc<Inner>,
}

struct Inner {
    redis: Option<ConnectionManager>,
    prefix: String,
    /// Without Redis, the cache itself; with Redis, the values of immutable keys
    /// ([`CacheKey::is_immutable`]) seen lately, so a hot answer costs no round trip for
    /// its body. Weighed in bytes.
    local: moka::future::Cache<String, Local>,
    /// The public parts of pages, kept while the public version they were read under is
    /// current.
    public: PublicMemo,
    /// Version counters of the in-process fallback (one instance only, by definition).
    local_versions: moka::sync::Cache<String, Arc<AtomicU64>>,
    /// Fixed-window counters of the in-process fallback: (count, window end).
    local_counters: moka::sync::Cache<String, Arc<std::sync::Mutex<(u64, Instant)>>>,
    /// Set while Redis fails, so the warning is logged once per outage, not per request.
    redis_down: AtomicBool,
    /// Version bumps that failed while Redis was unreachable. Until they are applied, no
    /// version read is trusted: Redis may come back with its old data, and answers cached
    /// before the change would look current.
    pending_bumps: std::sync::Mutex<std::collections::HashSet<String>>,
}

/// What the instance keeps in memory: the whole cache without Redis, the hot immutable
/// values with it: answers of hot pages and dashboards, a few KB each. 4 MB: until the
/// fifth session the activity pages' public parts were kept here too, in 8 MB (16 MB had
/// taken the server's peak to 69.6 MB); they are in [`PublicMemo`] now.
const LOCAL_BYTES: u64 = 4 * 1024 * 1024;

/// A value in the instance's memory, with its key's lifetime.
#[derive(Clone)]
struct Local {
    value: Arc<str>,
    ttl: Duration,
}

/// Each value in memory lives as long as its key says ([`CacheKey::ttl`]), from when it
/// was (last) stored.
struct LocalExpiry;

impl moka::Expiry<String, Local> for LocalExpiry {
    fn expire_after_create(&self, _: &String, local: &Local, _: Instant) -> Option<Duration> {
        Some(local.ttl)
    }

    fn expire_after_update(
        &self,
        _: &String,
        local: &Local,
        _: Instant,
        _: Option<Duration>,
    ) -> Option<Duration> {
        Some(local.ttl)
    }
}

/// What [`Cache::get_or_compute`] found.
pub enum Lookup<S, T> {
    /// A stored value, as read: from memory, from Redis, or computed just now by a
    /// concurrent request for the same key.
    Stored(S),
    /// This caller's own computation.
    Computed(T),
}

/// A version counter that does not exist yet starts at the current time in microseconds,
/// not at 0: Redis keeps nothing on disk, and a counter restarted from 0 would reach the
/// versions of values still held in some instance's memory.
fn version_seed() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|elapsed| elapsed.as_micros() as u64)
        .unwrap_or(1)
}

/// What a version lookup found: the current value, or that the shared store is unreachable
/// and nothing cached may be trusted.
pub type Version = Option<u64>;

impl Cache {
    /// `public_bytes`: what the [`PublicMemo`] may hold ([`crate::config::Config::public_memo_bytes`]).
    pub fn in_process(public_bytes: u64) -> Self {
        Self::with_redis(None, String::new(), public_bytes)
    }

    pub fn redis(url: &str, prefix: &str, public_bytes: u64) -> anyhow::Result<Self> {
        let client = redis::Client::open(url)?;
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(Duration::from_millis(500)))
            .set_response_timeout(Some(Duration::from_millis(500)))
            .set_number_of_retries(1)
            .set_max_delay(Duration::from_secs(2));
        let manager = ConnectionManager::new_lazy_with_config(client, config)?;
        let cache = Self::with_redis(Some(manager.clone()), prefix.to_owned(), public_bytes);
        // Other instances learn of a change only through the version: retry failed bumps
        // every second instead of waiting for this instance's next dashboard read.
        let weak = Arc::downgrade(&cache.inner);
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(Duration::from_secs(1));
            loop {
                tick.tick().await;
                let Some(inner) = weak.upgrade() else { break };
                let cache = Cache { inner };
                let has_pending = !cache
                    .inner
                    .pending_bumps
                    .lock()
                    .unwrap_or_else(|poison| poison.into_inner())
                    .is_empty();
                if has_pending {
                    let mut conn = manager.clone();
                    cache.flush_pending_bumps(&mut conn).await;
                }
            }
        });
        Ok(cache)
    }

    fn with_redis(redis: Option<ConnectionManager>, prefix: String, public_bytes: u64) -> Self {
        Cache {
            inner: Arc::new(Inner {
                redis,
                prefix,
                local: moka::future::Cache::builder()
                    .max_capacity(LOCAL_BYTES)
                    .weigher(|name: &String, local: &Local| {
                        u32::try_from(name.len() + local.value.len() + 64).unwrap_or(u32::MAX)
                    })
                    .expire_after(LocalExpiry)
                    .build(),
                public: PublicMemo::new(public_bytes),
                local_versions: moka::sync::Cache::builder().max_capacity(10_000).build(),
                local_counters: moka::sync::Cache::builder()
                    .max_capacity(100_000)
                    .time_to_live(Duration::from_secs(3600))
                    .build(),
                redis_down: AtomicBool::new(false),
                pending_bumps: Default::default(),
            }),
        }
    }

    /// Values kept under the public version; this instance drops them when it bumps it.
    pub fn public_memo(&self) -> &PublicMemo {
        &self.inner.public
    }

    pub fn uses_redis(&self) -> bool {
        self.inner.redis.is_some()
    }

    fn key(&self, key: &CacheKey) -> String {
        format!("{}{}", self.inner.prefix, key.name())
    }

    fn redis_ok(&self) {
        if self.inner.redis_down.swap(false, Ordering::Relaxed) {
            tracing::info!("redis is reachable again");
        }
    }

    fn redis_failed(&self, op: &'static str, err: &redis::RedisError) {
        metrics::counter!("tongxin_cache_errors_total", "op" => op).increment(1);
        if !self.inner.redis_down.swap(true, Ordering::Relaxed) {
            tracing::warn!(error = %err, op, "redis unavailable; answering without it");
        }
    }

    /// Redis `PING`; true without Redis.
    pub async fn ping(&self) -> bool {
        let Some(mut conn) = self.inner.redis.clone() else {
            return true;
        };
        match redis::cmd("PING").query_async::<String>(&mut conn).await {
            Ok(_) => {
                self.redis_ok();
                true
            }
            Err(err) => {
                self.redis_failed("ping", &err);
                false
            }
        }
    }

    async fn get_local(&self, name: &str) -> Option<String> {
        let local = self.inner.local.get(name).await?;
        Some(local.value.to_string())
    }

    async fn set_local(&self, name: String, value: &str, ttl: Duration) {
        let value = Arc::from(value);
        self.inner.local.insert(name, Local { value, ttl }).await
    }

    /// What `read` makes of the value under `key`, else what `compute` gives: `(its
    /// result, what to store)`, or nothing to store. `read` refuses a stored value that is
    /// no longer usable (past its validity, unreadable); `compute` then replaces it. Within
    /// this instance, requests that miss the same immutable key at the same time run one
    /// `compute`, the first one's: the others wait for it and read what it stored (a burst
    /// after a write would otherwise run the same queries once per request). If it stores
    /// nothing, each waiter runs its own.
    pub async fn get_or_compute<S, T>(
        &self,
        key: &CacheKey,
        read: impl Fn(&str) -> Option<S>,
        compute: impl Future<Output = (T, Option<String>)>,
    ) -> Lookup<S, T> {
        let mut compute = std::pin::pin!(compute);
        let mut own = None;
        let stored = if key.is_immutable() {
            let name = self.key(key);
            let ttl = key.ttl();
            self.inner
                .local
                .optionally_get_with(name.clone(), async {
                    let value = match self.get_redis(&name).await {
                        Some(value) => value,
                        None => {
                            let (computed, store) = compute.as_mut().await;
                            own = Some(computed);
                            let value = store?;
                            self.set_redis(&name, &value, ttl).await;
                            value
                        }
                    };
                    let value = Arc::from(value);
                    Some(Local { value, ttl })
                })
                .await
                .map(|local| local.value)
        } else {
            self.lookup(key).await.map(Arc::from)
        };
        if let Some(computed) = own {
            Self::record(key, false);
            return Lookup::Computed(computed);
        }
        if let Some(value) = stored.as_deref().and_then(&read) {
            Self::record(key, true);
            return Lookup::Stored(value);
        }
        // Nothing stored, what is stored is no longer usable, or the request this one
        // waited for had nothing to store (an error, say).
        Self::record(key, false);
        let (computed, store) = compute.await;
        if let Some(value) = store {
            self.set(key, &value).await;
        }
        Lookup::Computed(computed)
    }

    /// [`Cache::get_or_compute`] for a value kept as JSON: the stored one, else `load`'s,
    /// stored when `keep` says so (an error is never stored).
    pub async fn get_or_load_json<T, E>(
        &self,
        key: &CacheKey,
        keep: fn(&T) -> bool,
        load: impl Future<Output = Result<T, E>>,
    ) -> Result<T, E>
    where
        T: serde::Serialize + serde::de::DeserializeOwned,
    {
        let found = self
            .get_or_compute(key, |text| serde_json::from_str::<T>(text).ok(), async {
                let loaded = load.await;
                let text = match &loaded {
                    Ok(value) if keep(value) => serde_json::to_string(value).ok(),
                    _ => None,
                };
                (loaded, text)
            })
            .await;
        match found {
            Lookup::Stored(value) => Ok(value),
            Lookup::Computed(value) => value,
        }
    }

    /// Counts a hit or a miss.
    fn record(key: &CacheKey, hit: bool) {
        metrics::counter!("tongxin_cache_requests_total", "kind" => key.kind(), "result" => if hit { "hit" } else { "miss" })
            .increment(1);
    }

    /// Reads Redis, when configured; a failure is a miss.
    async fn get_redis(&self, name: &str) -> Option<String> {
        let mut conn = self.inner.redis.clone()?;
        match conn.get::<_, Option<String>>(name).await {
            Ok(value) => {
                self.redis_ok();
                value
            }
            Err(err) => {
                self.redis_failed("get", &err);
                None
            }
        }
    }

    /// Writes Redis, when configured; a failure drops the write.
    async fn set_redis(&self, name: &str, value: &str, ttl: Duration) {
        let Some(mut conn) = self.inner.redis.clone() else {
            return;
        };
        match conn
            .set_ex::<_, _, ()>(name, value, ttl.as_secs().max(1))
            .await
        {
            Ok(()) => self.redis_ok(),
            Err(err) => self.redis_failed("set", &err),
        }
    }

    pub async fn get(&self, key: &CacheKey) -> Option<String> {
        let hit = self.lookup(key).await;
        Self::record(key, hit.is_some());
        hit
    }

    /// [`Cache::get`] without the metric.
    async fn lookup(&self, key: &CacheKey) -> Option<String> {
        let name = self.key(key);
        // Memory is the store without Redis, and a front for what never changes with it.
        let mut hit = if self.inner.redis.is_none() || key.is_immutable() {
            self.get_local(&name).await
        } else {
            None
        };
        if hit.is_none() && self.inner.redis.is_some() {
            hit = self.get_redis(&name).await;
            if key.is_immutable()
                && let Some(value) = &hit
            {
                // Another instance stored it; keep it for the next request here.
                self.set_local(name, value, key.ttl()).await;
            }
        }
        hit
    }

    pub async fn set(&self, key: &CacheKey, value: &str) {
        let name = self.key(key);
        let ttl = key.ttl();
        if self.inner.redis.is_some() {
            self.set_redis(&name, value, ttl).await;
            if key.is_immutable() {
                self.set_local(name, value, ttl).await;
            }
        } else {
            self.set_local(name, value, ttl).await;
        }
    }

    /// The current value of a version counter. `None` when Redis is configured but
    /// unreachable: another instance may have bumped it, so no cached value is safe.
    pub async fn version(&self, key: &CacheKey) -> Version {
        let name = self.key(key);
        match self.inner.redis.clone() {
            Some(mut conn) => {
                if !self.flush_pending_bumps(&mut conn).await {
                    return None;
                }
                let value = match conn.get::<_, Option<u64>>(&name).await {
                    Ok(Some(value)) => Ok(value),
                    Ok(None) => redis::pipe()
                        .set_nx(&name, version_seed())
                        .ignore()
                        .get(&name)
                        .query_async::<(u64,)>(&mut conn)
                        .await
                        .map(|(value,)| value),
                    Err(err) => Err(err),
                };
                match value {
                    Ok(value) => {
                        self.redis_ok();
                        Some(value)
                    }
                    Err(err) => {
                        self.redis_failed("version", &err);
                        None
                    }
                }
            }
            None => Some(self.local_version(&name).load(Ordering::SeqCst)),
        }
    }

    /// Applies the bumps that failed during an outage; false while Redis still fails.
    async fn flush_pending_bumps(&self, conn: &mut ConnectionManager) -> bool {
        let pending: Vec<String> = {
            let pending = self
                .inner
                .pending_bumps
                .lock()
                .unwrap_or_else(|poison| poison.into_inner());
            pending.iter().cloned().collect()
        };
        for name in pending {
            match Self::incr_version(conn, &name).await {
                Ok(()) => {
                    self.inner
                        .pending_bumps
                        .lock()
                        .unwrap_or_else(|poison| poison.into_inner())
                        .remove(&name);
                }
                Err(err) => {
                    self.redis_failed("bump", &err);
                    return false;
                }
            }
        }
        true
    }

    /// Makes everything cached under the old version unreachable, on every instance.
    pub async fn bump(&self, key: &CacheKey) {
        let name = self.key(key);
        match self.inner.redis.clone() {
            Some(mut conn) => match Self::incr_version(&mut conn, &name).await {
                Ok(()) => self.redis_ok(),
                Err(err) => {
                    self.redis_failed("bump", &err);
                    self.inner
                        .pending_bumps
                        .lock()
                        .unwrap_or_else(|poison| poison.into_inner())
                        .insert(name);
                }
            },
            None => {
                self.local_version(&name).fetch_add(1, Ordering::SeqCst);
            }
        }
        // After the bump: a request that reads the version from now on finds the new one,
        // so nothing it keeps lands in the dropped values.
        if matches!(key, CacheKey::PublicVersion) {
            self.inner.public.retire();
        }
    }

    /// INCR of a version counter, seeded first if Redis lost it (see [`version_seed`]).
    async fn incr_version(conn: &mut ConnectionManager, name: &str) -> redis::RedisResult<()> {
        redis::pipe()
            .set_nx(name, version_seed())
            .ignore()
            .incr(name, 1u64)
            .ignore()
            .query_async::<()>(conn)
            .await
    }

    fn local_version(&self, name: &str) -> Arc<AtomicU64> {
        self.inner
            .local_versions
            .get_with(name.to_owned(), || Arc::new(AtomicU64::new(0)))
    }

    /// Counts one event in a fixed window and returns the count so far and the seconds until
    /// the window ends. Falls back to this instance's counter when Redis is unreachable.
    pub async fn hit(&self, key: &CacheKey) -> (u64, u64) {
        let name = self.key(key);
        let window = key.ttl();
        if let Some(mut conn) = self.inner.redis.clone() {
            let result: redis::RedisResult<(u64, i64)> = redis::pipe()
                .atomic()
                .incr(&name, 1u64)
                .cmd("EXPIRE")
                .arg(&name)
                .arg(window.as_secs())
                .arg("NX")
                .ignore()
                .ttl(&name)
                .query_async(&mut conn)
                .await;
            match result {
                Ok((count, ttl)) => {
                    self.redis_ok();
                    return (count, ttl.max(1) as u64);
                }
                Err(err) => self.redis_failed("hit", &err),
            }
        }
        let counter = self.inner.local_counters.get_with(name, || {
            Arc::new(std::sync::Mutex::new((0, Instant::now() + window)))
        });
        let mut state = counter.lock().unwrap_or_else(|poison| poison.into_inner());
        let now = Instant::now();
        if state.1 <= now {
            *state = (0, now + window);
        }
        state.0 += 1;
        (state.0, state.1.duration_since(now).as_secs().max(1))
    }

    /// Counts one attempt under `key` and refuses it when more than `max` were counted in
    /// the key's window: RATE_LIMITED with the seconds left. Count before checking what the
    /// attempt guesses, so that parallel guesses on any number of instances get no more than
    /// `max` checks between them.
    pub async fn limit(&self, key: &CacheKey, max: u64) -> crate::error::AppResult<()> {
        let (count, retry_after_secs) = self.hit(key).await;
        if count > max {
            return Err(crate::error::AppError::of(
                crate::error::Reason::RateLimited { retry_after_secs },
            ));
        }
        Ok(())
    }

    /// Takes back one event counted by [`Cache::hit`] (an attempt that turned out right),
    /// without touching the window.
    pub async fn unhit(&self, key: &CacheKey) {
        let name = self.key(key);
        if let Some(mut conn) = self.inner.redis.clone() {
            // Only while the window lasts: a DECR after expiry would leave a counter of -1
            // that never expires.
            let script = redis::Script::new(
                "if redis.call('EXISTS', KEYS[1]) == 1 then return redis.call('DECR', KEYS[1]) end return 0",
            );
            match script.key(&name).invoke_async::<i64>(&mut conn).await {
                Ok(_) => {
                    self.redis_ok();
                    return;
                }
                Err(err) => self.redis_failed("unhit", &err),
            }
        }
        if let Some(counter) = self.inner.local_counters.get(&name) {
            let mut state = counter.lock().unwrap_or_else(|poison| poison.into_inner());
            state.0 = state.0.saturating_sub(1);
        }
    }

    pub async fn delete(&self, key: &CacheKey) {
        let name = self.key(key);
        if let Some(mut conn) = self.inner.redis.clone() {
            match conn.del::<_, ()>(&name).await {
                Ok(()) => self.redis_ok(),
                Err(err) => self.redis_failed("delete", &err),
            }
        }
        self.inner.local_counters.invalidate(&name);
        self.inner.local.invalidate(&name).await;
    }
}
