//! The state every request shares: database, cache, keys, configuration.

use std::sync::Arc;
use std::sync::atomic::AtomicU64;

use hmac::{Hmac, Mac};
use sea_orm::DatabaseConnection;
use sha2::Sha256;

use crate::auth::JwtKeys;
use crate::cache::{Cache, CacheKey};
use crate::config::Config;

/// Shared by all requests of one server instance.
#[derive(Clone)]
pub struct AppState {
    pub db: DatabaseConnection,
    /// Where write transactions run: on PostgreSQL the same pool; on SQLite, which takes one
    /// writer at a time, a pool of one connection, so writers queue in order for it instead
    /// of all holding connections and retrying the write lock (`BEGIN IMMEDIATE` under a
    /// busy timeout), which gave a registration a p99 of 450 ms at 32 clients.
    pub writer: DatabaseConnection,
    /// On SQLite, the queue through which the hot writes (registrations, residents'
    /// answers) share the writer's transactions and their commits ([`crate::db::GroupCommit`]);
    /// none on PostgreSQL, which commits concurrent transactions together itself.
    pub group_commit: Option<crate::db::GroupCommit>,
    /// Where dashboards' figures are computed ([`crate::db::own_pool`]): on SQLite one
    /// connection of their own; on PostgreSQL the readers' pool.
    pub figures: DatabaseConnection,
    pub cache: Cache,
    pub jwt: JwtKeys,
    pub secrets: Arc<Secrets>,
    pub config: Arc<Config>,
    pub http: reqwest::Client,
    /// Live events for subscriptions, across instances.
    pub live: crate::live::Live,
    /// Sends sign-up codes; none when no SMS provider is configured.
    pub sms: Option<Arc<dyn crate::domain::users::phone_codes::SmsSender>>,
    /// SQL statements run since start: tests and the benchmark read it per request.
    pub statements: Arc<AtomicU64>,
    /// Values computed under a version, kept in this instance (the star policy).
    pub memo: crate::cache::Memo,
    /// Volunteer ids by user id, as found (a volunteer row never changes its user).
    pub volunteer_ids: crate::cache::VolunteerIds,
    /// The font proofs' PDFs are set in, read at the first PDF.
    pub proof_font: Arc<crate::domain::proofs::document::ProofFont>,
}

/// Keys derived from the one server secret, each for one purpose.
pub struct Secrets {
    master: Vec<u8>,
}

impl Secrets {
    pub fn new(master: &[u8]) -> Self {
        Secrets {
            master: master.to_vec(),
        }
    }

    /// HMAC-SHA256 of `message` under the purpose-specific key, hex-encoded.
    pub fn keyed_hash(&self, purpose: &str, message: &str) -> String {
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.master).expect("any key length");
        mac.update(purpose.as_bytes());
        mac.update(&[0]);
        mac.update(message.as_bytes());
        hex::encode(mac.finalize().into_bytes())
    }
}

impl AppState {
    /// After a write that changes dashboard figures: every instance recomputes.
    pub async fn dashboards_changed(&self) {
        self.cache.bump(&CacheKey::DashboardVersion).await;
        self.live.publish(crate::live::Topic::Dashboard).await;
    }

    /// After a write that changes an activity's counts or status: its subscribers hear it.
    pub async fn activity_changed(&self, id: i32) {
        self.live.publish(crate::live::Topic::Activity(id)).await;
    }

    /// After any write: anonymous responses cached before it are no longer served. The
    /// GraphQL handler calls it after every mutation; other writers (the command line)
    /// call it themselves.
    pub async fn public_changed(&self) {
        self.cache.bump(&CacheKey::PublicVersion).await;
    }
}
