//! Star levels (星级志愿者) as a policy the bureau sets: the cumulative approved hours that
//! make each level. Issuers differ; the common scale (100, 300, 600, 1000, 1500 hours)
//! is the default. Kept in `settings` and in the instance's memo until an admin changes it.

use std::sync::Arc;

use chrono::NaiveDate;
use sea_orm::sea_query::OnConflict;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set};
use serde::{Deserialize, Serialize};

use entity::enums::{Role, ServiceRecordStatus};
use entity::{service_record, setting};

use crate::auth::Viewer;
use crate::cache::CacheKey;
use crate::context::AppState;
use crate::domain::audit;
use crate::error::{AppError, AppResult, Reason};

const SETTING: &str = "star_policy";
/// The common scale: one to five stars.
pub const DEFAULT_THRESHOLDS: [f64; 5] = [100.0, 300.0, 600.0, 1000.0, 1500.0];
/// Levels a policy may have, and the most hours a threshold may ask.
pub const MAX_LEVELS: usize = 10;
pub const MAX_THRESHOLD_HOURS: f64 = 100_000.0;

/// Hours that make each level, rising: level n needs `thresholds[n - 1]` hours.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StarPolicy {
    pub thresholds: Vec<f64>,
}

impl Default for StarPolicy {
    fn default() -> Self {
        StarPolicy {
            thresholds: DEFAULT_THRESHOLDS.to_vec(),
        }
    }
}

impl StarPolicy {
    /// The level cumulative approved minutes make.
    pub fn level(&self, minutes: i64) -> i32 {
        self.thresholds
            .iter()
            .filter(|hours| minutes as f64 >= **hours * 60.0)
            .count() as i32
    }

    /// Rising, 1 to [`MAX_LEVELS`] levels, each more than 0 and at most
    /// [`MAX_THRESHOLD_HOURS`].
    pub fn check(thresholds: &[f64]) -> AppResult<StarPolicy> {
        if thresholds.is_empty() || thresholds.len() > MAX_LEVELS {
            return Err(AppError::input(
                "thresholds",
                Reason::OutOfRange {
                    min: 1,
                    max: MAX_LEVELS as i64,
                },
            ));
        }
        for (i, hours) in thresholds.iter().enumerate() {
            if !hours.is_finite() || *hours <= 0.0 || *hours > MAX_THRESHOLD_HOURS {
                return Err(AppError::input(
                    format!("thresholds.{i}"),
                    Reason::HoursRange { max: 100_000 },
                ));
            }
            if i > 0 && *hours <= thresholds[i - 1] {
                return Err(AppError::input(
                    format!("thresholds.{i}"),
                    Reason::ThresholdsNotIncreasing,
                ));
            }
        }
        Ok(StarPolicy {
            thresholds: thresholds.to_vec(),
        })
    }
}

/// The policy in force.
pub async fn star_policy(state: &AppState) -> AppResult<Arc<StarPolicy>> {
    let load = || async {
        let stored = setting::Entity::find_by_id(SETTING.to_owned())
            .one(&state.db)
            .await?;
        let policy = stored
            .and_then(|row| serde_json::from_str::<StarPolicy>(&row.value).ok())
            .unwrap_or_default();
        Ok::<_, AppError>(Arc::new(policy))
    };
    match state.cache.version(&CacheKey::SettingsVersion).await {
        Some(version) => state
            .memo
            .get_or_load(version.to_string(), |_: &StarPolicy| 256, load)
            .await
            .map_err(|err| AppError::internal(anyhow::anyhow!("loading the star policy: {err:?}"))),
        None => load().await,
    }
}

/// Admins set the thresholds; every star level follows at once. Audited.
pub async fn set_star_policy(
    state: &AppState,
    viewer: &Viewer,
    thresholds: &[f64],
) -> AppResult<StarPolicy> {
    viewer.require_any(&[Role::Admin])?;
    let policy = StarPolicy::check(thresholds)?;
    let value = serde_json::to_string(&policy)
        .map_err(|err| AppError::internal(anyhow::anyhow!("star policy: {err}")))?;
    let txn = crate::db::begin_write(&state.writer).await?;
    setting::Entity::insert(setting::ActiveModel {
        key: Set(SETTING.to_owned()),
        value: Set(value),
    })
    .on_conflict(
        OnConflict::column(setting::Column::Key)
            .update_column(setting::Column::Value)
            .to_owned(),
    )
    .exec(&txn)
    .await?;
    audit::record(&txn, viewer, audit::AuditAction::StarPolicyUpdate, None).await?;
    txn.commit().await?;
    state.cache.bump(&CacheKey::SettingsVersion).await;
    state.dashboards_changed().await;
    Ok(policy)
}

/// The day each level was reached: the service day of the approved record that carried the
/// volunteer's cumulative hours over its threshold (records in the order served).
pub async fn star_history(state: &AppState, volunteer_id: i32) -> AppResult<Vec<(i32, NaiveDate)>> {
    let policy = star_policy(state).await?;
    let rows: Vec<(Option<NaiveDate>, i32)> = service_record::Entity::find()
        .select_only()
        .column(service_record::Column::ServiceDate)
        .column(service_record::Column::Minutes)
        .filter(service_record::Column::VolunteerId.eq(volunteer_id))
        .filter(service_record::Column::Status.eq(ServiceRecordStatus::Approved))
        .filter(crate::domain::hours::counted_activity_of_record())
        .order_by_asc(service_record::Column::ServiceDate)
        .order_by_asc(service_record::Column::Id)
        .into_tuple()
        .all(&state.db)
        .await?;
    let mut reached = Vec::new();
    let mut total: i64 = 0;
    for (day, minutes) in rows {
        let before = policy.level(total);
        total += i64::from(minutes);
        let after = policy.level(total);
        if let Some(day) = day {
            for level in before + 1..=after {
                reached.push((level, day));
            }
        }
    }
    Ok(reached)
}
