//! The audit log as admins read it.

use async_graphql::{Context, ID, Object};
use chrono::{DateTime, FixedOffset};

use entity::{audit_entry, user};

use crate::auth::RoleGuard;
use crate::auth::guard::ADMINS;
use crate::domain::users::types::User;
use crate::error::GqlResult;
use crate::graphql::loaders::{Loaders, by_id};
use crate::graphql::pagination::{Page, connection};
use crate::graphql::scalars::local;
use crate::graphql::{ContextExt, to_id};

pub struct AuditEntry(pub audit_entry::Model);

impl From<audit_entry::Model> for AuditEntry {
    fn from(model: audit_entry::Model) -> Self {
        AuditEntry(model)
    }
}

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
        last: Option<i32>,
        before: Option<String>,
    ) -> GqlResult<AuditEntryConnection> {
        let page = Page::from_args(crate::graphql::pagination::PageArgs {
            first,
            after,
            last,
            before,
        })?;
        Ok(super::newest_first(&ctx.state().db, page).await?.into())
    }
}
