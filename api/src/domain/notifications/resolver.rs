//! Notification mutations; the lists are fields of `User`, the viewer's own only.

use async_graphql::{Context, ID, Object};

use crate::error::GqlResult;
use crate::graphql::{ContextExt, parse_id};

use super::service;
use super::types::NotificationKind;

#[derive(Default)]
pub struct NotificationsQuery;

/// A WeChat subscribe-message template the mini-program may ask the user to accept.
#[derive(async_graphql::SimpleObject)]
pub struct WechatTemplate {
    pub kind: NotificationKind,
    pub template_id: String,
}

/// Acceptances of one kind not used yet.
#[derive(async_graphql::SimpleObject)]
pub struct WechatAcceptance {
    pub kind: NotificationKind,
    pub remaining: i32,
}

#[Object]
impl NotificationsQuery {
    /// The templates configured (`WECHAT_TEMPLATES`), for `wx.requestSubscribeMessage`.
    async fn wechat_templates(&self, ctx: &Context<'_>) -> Vec<WechatTemplate> {
        let mut templates: Vec<WechatTemplate> = super::wechat::templates(ctx.state())
            .into_iter()
            .map(|(kind, template_id)| WechatTemplate {
                kind: kind.into(),
                template_id,
            })
            .collect();
        templates.sort_by(|a, b| a.template_id.cmp(&b.template_id));
        templates
    }
}

#[derive(Default)]
pub struct NotificationsMutation;

#[Object]
impl NotificationsMutation {
    /// Marks these notifications of the signed-in user read (at most 100 ids); returns how
    /// many changed.
    async fn mark_notifications_read(&self, ctx: &Context<'_>, ids: Vec<ID>) -> GqlResult<i32> {
        // The count is bounded by the service, with the others.
        let ids: Vec<i32> = ids
            .iter()
            .map(|id| parse_id(id, "ids"))
            .collect::<Result<_, _>>()?;
        let marked = service::mark_read(ctx.state(), ctx.viewer(), &ids).await?;
        Ok(i32::try_from(marked).unwrap_or(i32::MAX))
    }

    /// What the user accepted in `wx.requestSubscribeMessage` (at most 10 kinds): one more
    /// WeChat message of each; returns what is left per kind. WeChat-signed-in accounts only.
    async fn accept_wechat_messages(
        &self,
        ctx: &Context<'_>,
        kinds: Vec<NotificationKind>,
    ) -> GqlResult<Vec<WechatAcceptance>> {
        let kinds: Vec<entity::enums::NotificationKind> =
            kinds.into_iter().map(Into::into).collect();
        Ok(super::wechat::accept(ctx.state(), ctx.viewer(), &kinds)
            .await?
            .into_iter()
            .map(|(kind, remaining)| WechatAcceptance {
                kind: kind.into(),
                remaining,
            })
            .collect())
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
