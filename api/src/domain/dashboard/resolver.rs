//! PLACEHOLDER (being replaced by the dashboard work).

#[derive(Default)]
pub struct DashboardQuery;

#[async_graphql::Object]
impl DashboardQuery {
    async fn dashboard_placeholder(&self) -> bool {
        false
    }
}
