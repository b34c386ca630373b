//! Audit entries: who did what, when. Every organizer and admin mutation leaves one.

use async_graphql::{Context, ID, Object};
use chrono::{DateTime, FixedOffset, Utc};
use sea_orm::{
    ActiveModelTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryOrder, QuerySelect, Set,
};

use entity::{audit_entry, user};

use crate::auth::guard::ADMINS;
use crate::auth::{RoleGuard, Viewer};
use crate::domain::users::types::User;
use crate::error::{AppResult, GqlResult};
use crate::graphql::loaders::{Loaders, by_id};
use crate::graphql::pagination::{Page, connection};
use crate::graphql::scalars::local;
use crate::graphql::{ContextExt, to_id};

/// Records an action in the caller's transaction, so it exists exactly when the change does.
pub async fn record<C: ConnectionTrait>(
    db: &C,
    viewer: &Viewer,
    action: &str,
    target_type: &str,
    target_id: Option<i32>,
) -> AppResult<()> {
    audit_entry::ActiveModel {
        actor_id: Set(viewer.user().map(|user| user.id)),
        action: Set(action.to_owned()),
        target_type: Set(target_type.to_owned()),
        target_id: Set(target_id.map(|id| id.to_string())),
        detail: Set(None),
        at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(())
}

pub struct AuditEntry(pub audit_entry::Model);

connection!(AuditEntryConnection, AuditEntryEdge, AuditEntry);

#[Object]
impl AuditEntry {
    async fn id(&self) -> ID {
        to_id(self.0.id)
    }
    /// Who did it; null for the command line and the system.
    async fn actor(&self, ctx: &Context<'_>) -> GqlResult<Option<User>> {
        let Some(id) = self.0.actor_id else {
            return Ok(None);
        };
        Ok(by_id::<user::Entity>(ctx.data_unchecked::<Loaders>(), id)
            .await?
            .map(User::new))
    }
    /// e.g. activity.publish, serviceRecord.review, rectification.update
    async fn action(&self) -> &str {
        &self.0.action
    }
    async fn target_type(&self) -> &str {
        &self.0.target_type
    }
    async fn target_id(&self) -> Option<ID> {
        self.0.target_id.clone().map(ID)
    }
    async fn at(&self) -> DateTime<FixedOffset> {
        local(self.0.at)
    }
}

async fn newest_first(
    db: &sea_orm::DatabaseConnection,
    page: Page,
) -> AppResult<Vec<audit_entry::Model>> {
    Ok(audit_entry::Entity::find()
        .order_by_desc(audit_entry::Column::Id)
        .offset(page.offset)
        .limit(page.fetch_limit())
        .all(db)
        .await?)
}

async fn count(db: &sea_orm::DatabaseConnection) -> AppResult<u64> {
    Ok(audit_entry::Entity::find().count(db).await?)
}

#[derive(Default)]
pub struct AuditQuery;

#[Object]
impl AuditQuery {
    /// Admins: who did what, newest first.
    #[graphql(guard = "RoleGuard::any(ADMINS)")]
    async fn audit_entries(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> GqlResult<AuditEntryConnection> {
        let page = Page::new(first, after.as_deref())?;
        let rows = newest_first(&ctx.state().db, page).await?;
        let total = count(&ctx.state().db).await?;
        Ok(AuditEntryConnection::new(
            rows.into_iter().map(AuditEntry).collect(),
            page,
            total,
        ))
    }
}
