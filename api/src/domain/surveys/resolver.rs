//! PLACEHOLDER (being replaced by the surveys work).

#[derive(Default)]
pub struct SurveysQuery;

#[async_graphql::Object]
impl SurveysQuery {
    async fn surveys_placeholder(&self) -> bool {
        false
    }
}

#[derive(Default)]
pub struct SurveysMutation;

#[async_graphql::Object]
impl SurveysMutation {
    async fn surveys_placeholder(&self) -> bool {
        false
    }
}
