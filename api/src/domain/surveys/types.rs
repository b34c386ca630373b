//! PLACEHOLDER (being replaced by the surveys work).

use async_graphql::{ID, Object};

use crate::context::to_id;
use crate::graphql::pagination::connection;

pub struct Survey(pub entity::survey::Model);

#[Object]
impl Survey {
    async fn id(&self) -> ID {
        to_id(self.0.id)
    }
}

pub struct SurveyResponse(pub entity::survey_response::Model);

#[Object]
impl SurveyResponse {
    async fn id(&self) -> ID {
        to_id(self.0.id)
    }
}

connection!(SurveyResponseConnection, SurveyResponseEdge, SurveyResponse);
