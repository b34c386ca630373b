//! The GraphQL schema: merged per-domain roots, limits, loaders, pagination, scalars.

pub mod context;
pub mod limits;
pub mod loaders;
pub mod outcome;
pub mod pagination;
pub mod request_memo;
pub mod scalars;
pub mod schema;
pub mod subscriptions;

pub use context::{ContextExt, change, change_id, parse_id, parse_opt_id, to_id};
pub use schema::{AppSchema, build_schema, export_sdl};

use std::sync::Mutex;

use chrono::{DateTime, Utc};

/// Until when the answer being computed stays right without any write: a resolver whose
/// value changes with time alone (the overview's overdue count) records the moment here,
/// and a cached copy of the whole answer is not served after it.
#[derive(Debug, Default)]
pub struct ValidUntil(Mutex<Option<DateTime<Utc>>>);

impl ValidUntil {
    /// The answer is right until `at` at most.
    pub fn until(&self, at: DateTime<Utc>) {
        let mut current = self.0.lock().unwrap_or_else(|poison| poison.into_inner());
        *current = Some(current.map_or(at, |known| known.min(at)));
    }

    pub fn get(&self) -> Option<DateTime<Utc>> {
        *self.0.lock().unwrap_or_else(|poison| poison.into_inner())
    }
}
