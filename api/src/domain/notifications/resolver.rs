//! Notification mutations; the lists are fields of `User`, the viewer's own only.

use async_graphql::{Context, ID, Object};

use crate::error::GqlResult;
use crate::graphql::{ContextExt, parse_id};

use super::service;
use super::types::NotificationKind;

#[derive(Default)]
pub struct NotificationsMutation;

#[Object]
impl NotificationsMutation {
    /// Marks these notifications of the signed-in user read (at most 100 ids); returns how
    /// many changed.
    async fn mark_notifications_read(&self, ctx: &Context<'_>, ids: Vec<ID>) -> GqlResult<i32> {
        if ids.len() > crate::domain::input::max::IDS {
            return Err(crate::error::AppError::input(
                "ids",
                crate::error::Reason::TooMany {
                    max: crate::domain::input::max::IDS,
                },
            )
            .into());
        }
        let ids: Vec<i32> = ids
            .iter()
            .map(|id| parse_id(id, "ids"))
            .collect::<Result<_, _>>()?;
        let marked = service::mark_read(ctx.state(), ctx.viewer(), &ids).await?;
        Ok(i32::try_from(marked).unwrap_or(i32::MAX))
    }

    /// Marks every notification of the signed-in user read.
    async fn mark_all_notifications_read(&self, ctx: &Context<'_>) -> GqlResult<i32> {
        let marked = service::mark_all_read(ctx.state(), ctx.viewer()).await?;
        Ok(i32::try_from(marked).unwrap_or(i32::MAX))
    }

    /// Stops (`muted: true`) or resumes notifications of one kind for the signed-in user;
    /// returns the muted kinds.
    async fn set_notification_muted(
        &self,
        ctx: &Context<'_>,
        kind: NotificationKind,
        muted: bool,
    ) -> GqlResult<Vec<NotificationKind>> {
        Ok(
            service::set_muted(ctx.state(), ctx.viewer(), kind.into(), muted)
                .await?
                .into_iter()
                .map(Into::into)
                .collect(),
        )
    }
}
