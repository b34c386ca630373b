//! PLACEHOLDER (being replaced by the surveys work).

use async_graphql::Context;
use sea_orm::DatabaseConnection;

use crate::error::{AppResult, GqlResult};
use crate::graphql::pagination::Page;

use super::types::{Survey, SurveyResponseConnection};

pub async fn survey_of_activity(_ctx: &Context<'_>, _activity_id: i32) -> GqlResult<Option<Survey>> {
    Ok(None)
}

pub async fn feedback_of(_db: &DatabaseConnection, _user_id: i32, page: Page) -> AppResult<SurveyResponseConnection> {
    Ok(SurveyResponseConnection::new(vec![], page, 0))
}
