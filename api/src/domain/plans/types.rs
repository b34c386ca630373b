//! GraphQL objects of the plan's execution and summaries, wrapping the service's rows.

use async_graphql::{ComplexObject, Context, InputObject, Object, SimpleObject};
use chrono::{DateTime, FixedOffset};

use entity::{activity_summary, department};

use crate::domain::activities::types::{Activity, Department, Plan};
use crate::domain::users::types::round_hours;
use crate::error::GqlResult;
use crate::graphql::loaders::{Loaders, by_id};
use crate::graphql::scalars::local;

use super::execution::{ExecutionRow, PlanSummary as SummaryData};

/// What a completed activity did (做好总结).
pub struct ActivitySummary(pub activity_summary::Model);

#[Object]
impl ActivitySummary {
    /// The organizers' account of the activity.
    async fn text(&self) -> &str {
        &self.0.text
    }
    /// People served.
    async fn served_count(&self) -> i32 {
        self.0.served_count
    }
    /// Who was served: 困难群众, 空巢老人, 留守儿童 …
    async fn served_groups(&self) -> &[String] {
        &self.0.served_groups.0
    }
    async fn submitted_at(&self) -> DateTime<FixedOffset> {
        local(self.0.submitted_at)
    }
    async fn updated_at(&self) -> DateTime<FixedOffset> {
        local(self.0.updated_at)
    }
    /// The activity's photos (图片资料), oldest first: upload with `POST
    /// /activities/{id}/photos`, read at each photo's `url` with the same bearer token.
    async fn photos(&self, ctx: &Context<'_>) -> GqlResult<Vec<ActivityPhoto>> {
        let loaders = ctx.data_unchecked::<Loaders>();
        Ok(loaders
            .load_one(PhotosOfActivity(self.0.activity_id))
            .await?
            .unwrap_or_default()
            .into_iter()
            .map(ActivityPhoto)
            .collect())
    }
}

/// A photo of a completed activity.
pub struct ActivityPhoto(pub super::photos::PhotoInfo);

#[Object]
impl ActivityPhoto {
    async fn id(&self) -> async_graphql::ID {
        crate::graphql::to_id(self.0.id)
    }
    /// Where the bytes are served (`GET`, with the bearer token).
    async fn url(&self) -> String {
        format!("/photos/{}", self.0.id)
    }
    /// image/jpeg, image/png or image/webp, from the file's own first bytes.
    async fn content_type(&self) -> &str {
        &self.0.content_type
    }
    /// Bytes.
    async fn size(&self) -> i32 {
        self.0.size
    }
    /// SHA-256 of the bytes, hex.
    async fn sha256(&self) -> &str {
        &self.0.sha256
    }
    async fn uploaded_at(&self) -> DateTime<FixedOffset> {
        local(self.0.uploaded_at)
    }
}

/// The photos of an activity, oldest first.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct PhotosOfActivity(pub i32);

impl async_graphql::dataloader::Loader<PhotosOfActivity> for crate::graphql::loaders::DbLoader {
    type Value = Vec<super::photos::PhotoInfo>;
    type Error = crate::error::LoadError;

    async fn load(
        &self,
        keys: &[PhotosOfActivity],
    ) -> Result<std::collections::HashMap<PhotosOfActivity, Self::Value>, Self::Error> {
        let ids: Vec<i32> = keys.iter().map(|k| k.0).collect();
        let photos = super::photos::of_activities(&self.db, &ids).await?;
        let mut map: std::collections::HashMap<PhotosOfActivity, Self::Value> =
            std::collections::HashMap::new();
        for photo in photos {
            map.entry(PhotosOfActivity(photo.activity_id))
                .or_default()
                .push(photo);
        }
        Ok(map)
    }
}

#[derive(InputObject)]
pub struct ActivitySummaryInput {
    /// At most 2,000 characters.
    pub text: String,
    /// 0–100,000.
    pub served_count: i32,
    /// At most 20 labels of at most 100 characters (困难群众, 空巢老人 …).
    pub served_groups: Option<Vec<String>>,
}

/// One row of `planExecution`: a department and a month.
#[derive(SimpleObject)]
#[graphql(complex)]
pub struct PlanExecutionRow {
    #[graphql(skip)]
    pub department_id: i32,
    /// YYYY-MM of the activities' anchor day; null for undated ones.
    pub month: Option<String>,
    /// Every activity of the plan in the row.
    pub planned_count: i32,
    /// COMPLETED.
    pub held_count: i32,
    pub cancelled_count: i32,
    pub undated_count: i32,
    /// Held, and no summary submitted yet.
    pub missing_summary_count: i32,
}

#[ComplexObject]
impl PlanExecutionRow {
    /// The activities' primary department; null for those without one.
    async fn department(&self, ctx: &Context<'_>) -> GqlResult<Option<Department>> {
        if self.department_id == 0 {
            return Ok(None);
        }
        Ok(
            by_id::<department::Entity>(ctx.data_unchecked::<Loaders>(), self.department_id)
                .await?
                .map(Department),
        )
    }
}

fn int(n: i64) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX)
}

impl From<ExecutionRow> for PlanExecutionRow {
    fn from(row: ExecutionRow) -> Self {
        PlanExecutionRow {
            department_id: row.department_id,
            month: row.month,
            planned_count: int(row.planned),
            held_count: int(row.held),
            cancelled_count: int(row.cancelled),
            undated_count: int(row.undated),
            missing_summary_count: int(row.missing_summary),
        }
    }
}

/// The plan's year-end summary (年度总结), as data.
pub struct PlanSummary(pub SummaryData);

/// One activity of the year-end summary.
pub struct PlanSummaryEntry(pub super::execution::SummaryEntry);

#[Object]
impl PlanSummaryEntry {
    async fn activity(&self) -> Activity {
        Activity(self.0.activity.clone())
    }
    /// Null while the activity is not completed or its summary is missing.
    async fn summary(&self) -> Option<ActivitySummary> {
        self.0.summary.clone().map(ActivitySummary)
    }
    /// Approved hours that count.
    async fn hours(&self) -> f64 {
        round_hours(self.0.minutes)
    }
}

#[Object]
impl PlanSummary {
    async fn plan(&self) -> Plan {
        Plan(self.0.plan.clone())
    }
    async fn planned_count(&self) -> i32 {
        int(self.0.entries.len() as i64)
    }
    async fn held_count(&self) -> i32 {
        int(self
            .0
            .entries
            .iter()
            .filter(|e| e.activity.status == entity::enums::ActivityStatus::Completed)
            .count() as i64)
    }
    async fn cancelled_count(&self) -> i32 {
        int(self
            .0
            .entries
            .iter()
            .filter(|e| e.activity.status == entity::enums::ActivityStatus::Cancelled)
            .count() as i64)
    }
    /// People served, as the summaries say.
    async fn served_count(&self) -> i32 {
        int(self
            .0
            .entries
            .iter()
            .filter_map(|e| e.summary.as_ref())
            .map(|s| i64::from(s.served_count))
            .sum())
    }
    /// Approved hours that count, over the plan's activities.
    async fn total_hours(&self) -> f64 {
        round_hours(self.0.entries.iter().map(|e| e.minutes).sum())
    }
    /// In plan order.
    async fn activities(&self) -> Vec<PlanSummaryEntry> {
        self.0
            .entries
            .iter()
            .cloned()
            .map(PlanSummaryEntry)
            .collect()
    }
}
