//! Plans and activities: guard, call the service, convert.

use async_graphql::{Context, ID, Object};

use entity::enums::ActivityStatus as DbStatus;
use entity::plan;

use crate::auth::RoleGuard;
use crate::auth::guard::ORGANIZERS;
use crate::domain::plans;
use crate::error::GqlResult;
use crate::graphql::loaders::{Loaders, by_id};
use crate::graphql::pagination::Page;
use crate::graphql::{ContextExt, parse_id};

use super::service;
use super::types::{
    Activity, ActivityConnection, ActivityFilter, ActivityInput, ActivityPatch, Department,
    ImportPlanInput, ImportPlanResult, Plan,
};

#[derive(Default)]
pub struct ActivitiesQuery;

#[Object]
impl ActivitiesQuery {
    /// The bureau's departments (科室).
    async fn departments(&self, ctx: &Context<'_>) -> GqlResult<Vec<Department>> {
        Ok(service::departments(&ctx.state().db)
            .await?
            .into_iter()
            .map(Department)
            .collect())
    }

    /// Annual plans, newest year first.
    async fn plans(&self, ctx: &Context<'_>) -> GqlResult<Vec<Plan>> {
        Ok(service::plans(&ctx.state().db)
            .await?
            .into_iter()
            .map(Plan)
            .collect())
    }

    async fn plan(&self, ctx: &Context<'_>, id: ID) -> GqlResult<Option<Plan>> {
        let id = parse_id(&id, "id")?;
        Ok(by_id::<plan::Entity>(ctx.data_unchecked::<Loaders>(), id)
            .await?
            .map(Plan))
    }

    /// Activities the viewer may see, by start time then plan order; undated ones last.
    async fn activities(
        &self,
        ctx: &Context<'_>,
        filter: Option<ActivityFilter>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> GqlResult<ActivityConnection> {
        let query = filter.unwrap_or_default().to_query()?;
        let page = Page::from_args(crate::graphql::pagination::PageArgs {
            first,
            after,
            last,
            before,
        })?;
        super::loaders::connection(ctx, &query, page).await
    }

    async fn activity(&self, ctx: &Context<'_>, id: ID) -> GqlResult<Option<Activity>> {
        let id = parse_id(&id, "id")?;
        super::loaders::detail(ctx, id).await
    }
}

#[derive(Default)]
pub struct ActivitiesMutation;

#[Object]
impl ActivitiesMutation {
    /// Creates a DRAFT activity; organizers only with their own department among the leads.
    #[graphql(guard = "RoleGuard::any(ORGANIZERS)")]
    async fn create_activity(
        &self,
        ctx: &Context<'_>,
        input: ActivityInput,
    ) -> GqlResult<Activity> {
        Ok(Activity(
            service::create(ctx.state(), ctx.viewer(), input.try_into()?).await?,
        ))
    }

    #[graphql(guard = "RoleGuard::any(ORGANIZERS)")]
    async fn update_activity(
        &self,
        ctx: &Context<'_>,
        id: ID,
        input: ActivityPatch,
    ) -> GqlResult<Activity> {
        let id = parse_id(&id, "id")?;
        Ok(Activity(
            service::update(ctx.state(), ctx.viewer(), id, input.try_into()?).await?,
        ))
    }

    /// DRAFT → PUBLISHED: volunteers can see it and register.
    #[graphql(guard = "RoleGuard::any(ORGANIZERS)")]
    async fn publish_activity(&self, ctx: &Context<'_>, id: ID) -> GqlResult<Activity> {
        let id = parse_id(&id, "id")?;
        Ok(Activity(
            service::transition(ctx.state(), ctx.viewer(), id, DbStatus::Published, None).await?,
        ))
    }

    /// Any state but COMPLETED → CANCELLED, with the reason.
    #[graphql(guard = "RoleGuard::any(ORGANIZERS)")]
    async fn cancel_activity(
        &self,
        ctx: &Context<'_>,
        id: ID,
        reason: String,
    ) -> GqlResult<Activity> {
        let id = parse_id(&id, "id")?;
        Ok(Activity(
            service::transition(
                ctx.state(),
                ctx.viewer(),
                id,
                DbStatus::Cancelled,
                Some(reason),
            )
            .await?,
        ))
    }

    /// PUBLISHED → COMPLETED: counts toward pairing progress.
    #[graphql(guard = "RoleGuard::any(ORGANIZERS)")]
    async fn complete_activity(&self, ctx: &Context<'_>, id: ID) -> GqlResult<Activity> {
        let id = parse_id(&id, "id")?;
        Ok(Activity(
            service::transition(ctx.state(), ctx.viewer(), id, DbStatus::Completed, None).await?,
        ))
    }

    /// Imports an annual plan table (序号,活动时间,活动主题,活动地点,活动内容,牵头科室[,专项行动]) as CSV text,
    /// or as `file`, uploaded by the GraphQL multipart request spec: CSV in UTF-8, UTF-8 with
    /// BOM or GB18030/GBK, or XLSX, at most 1 MiB (`input.csv` then empty).
    #[graphql(guard = "RoleGuard::any(ORGANIZERS)")]
    async fn import_plan(
        &self,
        ctx: &Context<'_>,
        input: ImportPlanInput,
        file: Option<async_graphql::Upload>,
    ) -> GqlResult<ImportPlanResult> {
        let state = ctx.state();
        let viewer = ctx.viewer();
        let mut input = input;
        if let Some(file) = file {
            if !input.csv.trim().is_empty() {
                return Err(
                    crate::error::AppError::input("file", crate::error::Reason::Duplicate).into(),
                );
            }
            let upload = file.value(ctx).map_err(|_| {
                crate::error::AppError::input("file", crate::error::Reason::Required)
            })?;
            input.csv = plans::files::table_text(&upload.content)?;
        }
        let imported = plans::import(
            &state.writer,
            Some(viewer),
            &plans::ImportRequest {
                title: input.title,
                year: input.year,
                issuer: input.issuer,
                csv: input.csv,
                publish: input.publish.unwrap_or(false),
            },
        )
        .await?;
        state.dashboards_changed().await;
        Ok(ImportPlanResult {
            plan: Plan(imported.plan),
            created_count: imported.created_count as i32,
            warnings: imported.warnings,
        })
    }
}
