//! The HTTP surface: GraphQL, probes and metrics, with the middleware every request passes.

mod exports;
mod files;
pub mod graphql;
mod proofs;
mod serve;
mod subscriptions;
mod web;

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::{DefaultBodyLimit, MatchedPath, Request, State};
use axum::http::{HeaderName, HeaderValue, Method, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use metrics_exporter_prometheus::PrometheusHandle;
use tower::ServiceBuilder;
use tower::limit::ConcurrencyLimitLayer;
use tower_http::compression::CompressionLayer;
use tower_http::cors::{AllowOrigin, Any, CorsLayer};
use tower_http::request_id::{
    MakeRequestId, PropagateRequestIdLayer, RequestId, SetRequestIdLayer,
};
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

use crate::context::AppState;
use crate::graphql::AppSchema;

pub use serve::serve;

/// What the handlers share.
#[derive(Clone)]
pub struct AppContext {
    pub state: AppState,
    pub schema: AppSchema,
    pub metrics: PrometheusHandle,
    pub introspection: bool,
    /// Parsed documents by their text.
    pub documents: graphql::Documents,
    /// Live subscription connections per user on this instance.
    pub connections: subscriptions::ConnectionCounts,
}

const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");
/// Listed, not `*`: browsers never let a wildcard cover `Authorization`.
const CORS_HEADERS: [HeaderName; 2] = [header::AUTHORIZATION, header::CONTENT_TYPE];
const CORS_METHODS: [Method; 3] = [Method::GET, Method::POST, Method::OPTIONS];

/// Request ids: a per-process random prefix and a counter; unique enough to grep logs.
#[derive(Clone)]
struct MakeId {
    prefix: u32,
    counter: std::sync::Arc<AtomicU64>,
}

impl MakeRequestId for MakeId {
    fn make_request_id<B>(&mut self, _request: &axum::http::Request<B>) -> Option<RequestId> {
        let n = self.counter.fetch_add(1, Ordering::Relaxed);
        HeaderValue::from_str(&format!("{:08x}-{n:x}", self.prefix))
            .ok()
            .map(RequestId::new)
    }
}

pub fn router(ctx: AppContext) -> Router {
    let config = ctx.state.config.clone();
    let cors = if config.cors_origins.is_empty() {
        None
    } else if config.cors_origins.iter().any(|o| o == "*") {
        Some(
            CorsLayer::new()
                .allow_origin(Any)
                .allow_headers(CORS_HEADERS)
                .allow_methods(CORS_METHODS),
        )
    } else {
        let origins: Vec<HeaderValue> = config
            .cors_origins
            .iter()
            .filter_map(|o| HeaderValue::from_str(o.trim()).ok())
            .collect();
        Some(
            CorsLayer::new()
                .allow_origin(AllowOrigin::list(origins))
                .allow_headers(CORS_HEADERS)
                .allow_methods(CORS_METHODS),
        )
    };
    let make_id = MakeId {
        prefix: rand::random(),
        counter: Default::default(),
    };
    let trace = TraceLayer::new_for_http().make_span_with(|request: &axum::http::Request<_>| {
        let request_id = request
            .headers()
            .get(REQUEST_ID)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("-");
        tracing::info_span!("request", request_id, method = %request.method(), path = %request.uri().path())
    });
    let router = Router::new()
        .route(
            "/graphql",
            get(graphql::get)
                .post(graphql::post)
                .layer(ConcurrencyLimitLayer::new(config.max_in_flight.max(1))),
        )
        .route(
            "/activities/{id}/photos",
            axum::routing::post(files::upload_photo)
                .layer(DefaultBodyLimit::max(files::UPLOAD_BODY_LIMIT)),
        )
        .route("/graphql/ws", get(subscriptions::subscriptions))
        .route("/photos/{id}", get(files::photo))
        .route("/plans/{id}/summary.xlsx", get(files::plan_summary_xlsx))
        .route("/exports/{file}", get(exports::export))
        .route("/calendar/{user}/{file}", get(files::calendar_feed))
        .route("/proofs/{file}", get(proofs::proof_pdf))
        .route(
            "/exports/activities/{id}/{file}",
            get(exports::activity_export),
        )
        .route("/exports/surveys/{id}/{file}", get(exports::survey_export))
        .route(
            "/pairings/{id}/reports/{year}/{quarter}",
            get(files::pairing_report_xlsx),
        )
        .route("/dashboard", get(web::dashboard_root))
        .route("/dashboard/", get(web::dashboard_page))
        .route("/dashboard/{*file}", get(web::dashboard_asset))
        .route("/graphiql/{*file}", get(web::graphiql_asset))
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .layer(middleware::from_fn(record_metrics))
        .layer(DefaultBodyLimit::max(config.body_limit))
        .layer(
            ServiceBuilder::new()
                .layer(SetRequestIdLayer::new(REQUEST_ID, make_id))
                .layer(trace)
                .layer(PropagateRequestIdLayer::new(REQUEST_ID))
                .layer(TimeoutLayer::with_status_code(
                    StatusCode::REQUEST_TIMEOUT,
                    Duration::from_secs(config.request_timeout_secs),
                ))
                .layer(CompressionLayer::new()),
        )
        .with_state(ctx);
    match cors {
        Some(cors) => router.layer(cors),
        None => router,
    }
}

async fn record_metrics(request: Request, next: Next) -> Response {
    let started = Instant::now();
    let path = request
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_owned())
        .unwrap_or_else(|| "unmatched".to_owned());
    let method = request.method().to_string();
    let response = next.run(request).await;
    let status = response.status().as_u16().to_string();
    metrics::counter!("tongxin_http_requests_total", "method" => method, "path" => path.clone(), "status" => status)
        .increment(1);
    metrics::histogram!("tongxin_http_request_duration_seconds", "path" => path)
        .record(started.elapsed().as_secs_f64());
    response
}

/// The process is up.
async fn healthz() -> &'static str {
    "ok"
}

/// The database, and Redis when configured, answer.
async fn readyz(State(ctx): State<AppContext>) -> Response {
    let database = ctx.state.db.ping().await.is_ok();
    let redis = if ctx.state.cache.uses_redis() {
        Some(ctx.state.cache.ping().await)
    } else {
        None
    };
    let ready = database && redis.unwrap_or(true);
    let body = serde_json::json!({
        "ready": ready,
        "database": database,
        "redis": redis,
    });
    let status = if ready {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (status, axum::Json(body)).into_response()
}

/// `/metrics` alone, for the metrics listener ([`crate::config::Config::metrics_listen`]):
/// request counts, latencies and SQL statements are for the operator, not the public.
pub fn metrics_router(ctx: AppContext) -> Router {
    Router::new()
        .route("/metrics", get(metrics_text))
        .with_state(ctx)
}

async fn metrics_text(State(ctx): State<AppContext>) -> Response {
    metrics::gauge!("tongxin_sql_statements")
        .set(ctx.state.statements.load(Ordering::Relaxed) as f64);
    if ctx.state.config.is_sqlite() {
        let (now, most) = memory::sqlite_memory_used();
        metrics::gauge!("tongxin_sqlite_memory_bytes").set(now as f64);
        metrics::gauge!("tongxin_sqlite_memory_highwater_bytes").set(most as f64);
    }
    let (values, bytes) = ctx.state.cache.public_memo().held().await;
    metrics::gauge!("tongxin_public_memo_values").set(values as f64);
    metrics::gauge!("tongxin_public_memo_bytes").set(bytes as f64);
    (
        [(
            axum::http::header::CONTENT_TYPE,
            HeaderValue::from_static("text/plain; version=0.0.4"),
        )],
        ctx.metrics.render(),
    )
        .into_response()
}
