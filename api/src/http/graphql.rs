//! The GraphQL-over-HTTP handler, written by hand because the stock integration accepts
//! unbounded batches, runs mutations over GET and ignores `operationName` on GET.
//!
//! - POST: one request object, or a JSON array of at most [`MAX_BATCH`] (never with a login).
//! - GET: queries only (`query`, `operationName`, `variables`, `extensions` parameters);
//!   a mutation is refused with 405. A browser GET without a query gets GraphiQL.
//! - `Accept: application/graphql-response+json` gets that media type and the spec's status
//!   codes (400 when the request fails before execution); `application/json` always gets 200.
//! - Automatic persisted queries (Apollo's `persistedQuery` extension with `sha256Hash`),
//!   stored in the shared cache so any instance can answer a hash another one learned.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Instant;

use async_graphql::parser::types::{
    DocumentOperations, ExecutableDocument, OperationDefinition, OperationType, Selection,
    SelectionSet,
};
use async_graphql::{BatchResponse, Response, ServerError, Variables};
use axum::body::Bytes;
use axum::extract::{Query as UrlQuery, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{Html, IntoResponse};
use serde::Deserialize;
use sha2::{Digest, Sha256};

use crate::auth::Viewer;
use crate::auth::viewer::SignedInUser;
use crate::cache::{CacheKey, Lookup};
use crate::error::Code;
use crate::graphql::ValidUntil;
use crate::graphql::loaders::loaders;
use crate::http::AppContext;

pub const MAX_BATCH: usize = 5;
pub const GRAPHQL_RESPONSE: &str = "application/graphql-response+json";
pub const JSON: &str = "application/json";
/// Mutations that must never ride in a batch: a batch would multiply password guesses.
const UNBATCHABLE: &[&str] = &["login", "signUp", "wechatLogin", "refreshSession"];

#[derive(Debug, Clone, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct WireRequest {
    query: Option<String>,
    operation_name: Option<String>,
    #[serde(default)]
    variables: Option<serde_json::Value>,
    #[serde(default)]
    extensions: Option<serde_json::Value>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct GetParams {
    query: Option<String>,
    operation_name: Option<String>,
    variables: Option<String>,
    extensions: Option<String>,
}

/// How the client wants the answer.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Media {
    GraphqlResponse,
    Json,
}

fn media(headers: &HeaderMap) -> Media {
    let accept = headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if accept.contains(GRAPHQL_RESPONSE) {
        Media::GraphqlResponse
    } else {
        Media::Json
    }
}

/// A request-level failure: nothing was executed.
fn request_error(
    media: Media,
    status: StatusCode,
    code: Code,
    message: &str,
) -> axum::response::Response {
    let body = serde_json::json!({
        "errors": [{ "message": message, "extensions": { "code": code.as_str() } }]
    });
    // application/json answers 200 unless HTTP itself refused the request.
    let http_level = matches!(
        status,
        StatusCode::METHOD_NOT_ALLOWED
            | StatusCode::PAYLOAD_TOO_LARGE
            | StatusCode::UNSUPPORTED_MEDIA_TYPE
    );
    let status = if media == Media::GraphqlResponse || http_level {
        status
    } else {
        StatusCode::OK
    };
    metrics::counter!("tongxin_graphql_errors_total", "code" => code.as_str()).increment(1);
    respond(media, status, body.to_string())
}

fn respond(media: Media, status: StatusCode, body: String) -> axum::response::Response {
    let content_type = match media {
        Media::GraphqlResponse => GRAPHQL_RESPONSE,
        Media::Json => JSON,
    };
    (
        status,
        [(header::CONTENT_TYPE, HeaderValue::from_static(content_type))],
        body,
    )
        .into_response()
}

fn viewer_of(ctx: &AppContext, headers: &HeaderMap) -> Viewer {
    let Some(value) = headers.get(header::AUTHORIZATION) else {
        return Viewer::Anonymous;
    };
    let token = value.to_str().ok().and_then(|v| {
        v.strip_prefix("Bearer ")
            .or_else(|| v.strip_prefix("bearer "))
    });
    let Some(token) = token else {
        return Viewer::InvalidToken;
    };
    match ctx.state.jwt.verify(token.trim()) {
        Ok(claims) => match claims.sub.parse() {
            Ok(id) => Viewer::User(SignedInUser {
                id,
                session_id: claims.sid,
                roles: claims.roles,
                department_id: claims.dept,
            }),
            Err(_) => Viewer::InvalidToken,
        },
        Err(err) => {
            tracing::debug!(error = %err, "access token refused");
            Viewer::InvalidToken
        }
    }
}

/// Resolves the APQ extension: returns the query text to run, or an error message.
async fn persisted_query(
    ctx: &AppContext,
    wire: &mut WireRequest,
) -> Result<(), (Code, &'static str)> {
    let hash = wire
        .extensions
        .as_ref()
        .and_then(|ext| ext.get("persistedQuery"))
        .and_then(|pq| pq.get("sha256Hash"))
        .and_then(|h| h.as_str())
        .map(str::to_ascii_lowercase);
    let Some(hash) = hash else {
        return Ok(());
    };
    if hash.len() != 64 || !hash.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err((
            Code::BadUserInput,
            "persistedQuery.sha256Hash is not a SHA-256 hex digest",
        ));
    }
    let key = CacheKey::PersistedQuery {
        sha256: hash.clone(),
    };
    match &wire.query {
        Some(query) => {
            if hex::encode(Sha256::digest(query.as_bytes())) != hash {
                return Err((Code::BadUserInput, "provided sha does not match query"));
            }
            ctx.state.cache.set(&key, query).await;
            Ok(())
        }
        None => match ctx.state.cache.get(&key).await {
            Some(query) => {
                wire.query = Some(query);
                Ok(())
            }
            None => Err((Code::BadUserInput, "PersistedQueryNotFound")),
        },
    }
}

/// Documents parsed lately, by their text. Clients send the same few operations over and
/// over; parsing was the costliest step of an answer served from the cache, and the
/// executor takes the parsed document instead of parsing it again. Documents that do not
/// parse are not kept (the executor reports their error). Bounded by an estimate of the
/// syntax tree's size.
#[derive(Clone)]
pub struct Documents(moka::sync::Cache<String, Arc<ExecutableDocument>>);

impl Default for Documents {
    fn default() -> Self {
        Documents(
            moka::sync::Cache::builder()
                .max_capacity(8 * 1024 * 1024)
                .weigher(|query: &String, _: &Arc<ExecutableDocument>| {
                    u32::try_from(query.len() * 16).unwrap_or(u32::MAX)
                })
                .build(),
        )
    }
}

impl Documents {
    fn parse(&self, query: &str) -> Option<Arc<ExecutableDocument>> {
        if let Some(doc) = self.0.get(query) {
            return Some(doc);
        }
        let doc = Arc::new(async_graphql::parser::parse_query(query).ok()?);
        self.0.insert(query.to_owned(), doc.clone());
        Some(doc)
    }
}

/// A request with its document parsed (once, or taken from [`Documents`]).
#[derive(Clone)]
struct Prepared {
    wire: WireRequest,
    doc: Option<Arc<ExecutableDocument>>,
}

impl Prepared {
    fn new(ctx: &AppContext, wire: WireRequest) -> Self {
        let doc = wire.query.as_deref().and_then(|q| ctx.documents.parse(q));
        Prepared { wire, doc }
    }

    /// The named (or only) operation.
    fn operation(&self) -> Option<&OperationDefinition> {
        let doc = self.doc.as_deref()?;
        Some(
            match (&doc.operations, self.wire.operation_name.as_deref()) {
                (DocumentOperations::Single(op), _) => &op.node,
                (DocumentOperations::Multiple(ops), Some(name)) => &ops.get(name)?.node,
                (DocumentOperations::Multiple(ops), None) if ops.len() == 1 => {
                    &ops.values().next()?.node
                }
                _ => return None,
            },
        )
    }

    fn ty(&self) -> Option<OperationType> {
        self.operation().map(|op| op.ty)
    }

    fn root_fields(&self) -> impl Iterator<Item = &str> {
        self.operation()
            .into_iter()
            .flat_map(|op| op.selection_set.node.items.iter())
            .filter_map(|item| match &item.node {
                Selection::Field(field) => Some(field.node.name.node.as_str()),
                _ => None,
            })
    }

    /// A query of the dashboards only, selecting only figures and the ids and names of
    /// what they refer to (see [`DASHBOARD_FIELDS`]).
    fn is_dashboard_only(&self) -> bool {
        let (Some(doc), Some(op)) = (self.doc.as_deref(), self.operation()) else {
            return false;
        };
        op.ty == OperationType::Query
            && self.root_fields().all(|name| name == "dashboard")
            && only_fields(&op.selection_set.node, DASHBOARD_FIELDS)
            && doc
                .fragments
                .values()
                .all(|fragment| only_fields(&fragment.node.selection_set.node, DASHBOARD_FIELDS))
    }
}

/// The fields a cached dashboard answer may select, whatever type they are on. What they
/// show depends only on the data (every write bumps the version the answer is cached
/// under), on the user and roles (part of the key), on the local date (`Pairing.active`;
/// part of the key) and on the overview's overdue count, which records when it changes
/// ([`ValidUntil`]). Lists that lead elsewhere (`Volunteer.registrations`,
/// `Pairing.activities`, `Community.pairings` …) are not among them.
const DASHBOARD_FIELDS: &[&str] = &[
    "__typename",
    "dashboard",
    "overview",
    "hoursByDepartment",
    "hoursByMonth",
    "activitiesByCategory",
    "satisfactionByDepartment",
    "pairingProgress",
    "topVolunteers",
    "activityCount",
    "completedActivityCount",
    "registrationCount",
    "volunteerCount",
    "activeVolunteerCount",
    "totalServiceHours",
    "responseCount",
    "satisfactionRate",
    "openRectificationCount",
    "overdueRectificationCount",
    "department",
    "hours",
    "month",
    "category",
    "count",
    "levelCounts",
    "level",
    "targetActivityCount",
    "pairing",
    "volunteer",
    "id",
    "name",
    "description",
    "displayName",
    "realName",
    "skills",
    "starLevel",
    "totalHours",
    "kind",
    "active",
    "community",
    "district",
    "startsOn",
    "endsOn",
    "commitments",
];

fn only_fields(set: &SelectionSet, allowed: &[&str]) -> bool {
    set.items.iter().all(|item| match &item.node {
        Selection::Field(field) => {
            allowed.contains(&field.node.name.node.as_str())
                && only_fields(&field.node.selection_set.node, allowed)
        }
        Selection::InlineFragment(inline) => only_fields(&inline.node.selection_set.node, allowed),
        // Checked with the document's fragments.
        Selection::FragmentSpread(_) => true,
    })
}

/// Where a query's whole answer is cached, if it may be:
/// - an anonymous query answers everyone alike;
/// - a signed-in dashboard query ([`Prepared::is_dashboard_only`]) answers that user alike.
///
/// Both are keyed under the public version, which every mutation bumps before it returns,
/// so a change is visible to the next request on every instance. `None`: not cacheable
/// (other signed-in queries, a mutation, an invalid token, or the shared cache
/// unreachable).
async fn response_key(ctx: &AppContext, viewer: &Viewer, prepared: &Prepared) -> Option<CacheKey> {
    if prepared.ty() != Some(OperationType::Query) {
        return None;
    }
    let audience = match viewer {
        Viewer::Anonymous => None,
        Viewer::User(user) if prepared.is_dashboard_only() => Some(user),
        _ => return None,
    };
    let wire = &prepared.wire;
    let query = wire.query.as_deref()?;
    let version = ctx.state.cache.version(&CacheKey::PublicVersion).await?;
    let mut hasher = Sha256::new();
    hasher.update(query.as_bytes());
    hasher.update([0]);
    hasher.update(wire.operation_name.as_deref().unwrap_or("").as_bytes());
    hasher.update([0]);
    hasher.update(
        wire.variables
            .as_ref()
            .map(|v| v.to_string())
            .unwrap_or_default()
            .as_bytes(),
    );
    hasher.update([0]);
    hasher.update([u8::from(ctx.introspection)]);
    let Some(user) = audience else {
        return Some(CacheKey::PublicResponse {
            version,
            hash: hex::encode(hasher.finalize()),
        });
    };
    hasher.update(
        format!(
            "\0{}\0{:?}\0{:?}\0{}",
            user.id,
            user.roles,
            user.department_id,
            crate::graphql::scalars::today()
        )
        .as_bytes(),
    );
    Some(CacheKey::ViewerResponse {
        version,
        hash: hex::encode(hasher.finalize()),
    })
}

/// A cached answer is stored as `<valid until, Unix ms, 0 for no limit>\n<body>`; its body
/// while it is valid.
fn cached_body(stored: &str) -> Option<String> {
    let (until, body) = stored.split_once('\n')?;
    let until: i64 = until.parse().ok()?;
    (until == 0 || chrono::Utc::now().timestamp_millis() < until).then(|| body.to_owned())
}

/// Runs one request, through the response cache when it is cacheable.
async fn execute_cached(
    ctx: &AppContext,
    headers: &HeaderMap,
    prepared: Prepared,
) -> Result<Response, String> {
    let viewer = viewer_of(ctx, headers);
    let Some(key) = response_key(ctx, &viewer, &prepared).await else {
        let mutation = prepared.ty() == Some(OperationType::Mutation);
        let response = execute(ctx, viewer, prepared, None).await;
        if mutation {
            ctx.state.public_changed().await;
        }
        return Ok(response);
    };
    // Concurrent requests for the same answer wait for the first one's execution.
    let answer = ctx
        .state
        .cache
        .get_or_compute(
            &key,
            cached_body,
            execute_for_cache(ctx, &viewer, &prepared),
        )
        .await;
    match answer {
        Lookup::Stored(body) => Err(body),
        Lookup::Computed(response) => Ok(response),
    }
}

/// Executes a cacheable query: its response, and what to store of it (nothing when it
/// has errors).
async fn execute_for_cache(
    ctx: &AppContext,
    viewer: &Viewer,
    prepared: &Prepared,
) -> (Response, Option<String>) {
    let valid_until = Arc::new(ValidUntil::default());
    let (viewer, prepared) = (viewer.clone(), prepared.clone());
    let response = execute(ctx, viewer, prepared, Some(valid_until.clone())).await;
    let store = response
        .errors
        .is_empty()
        .then(|| serde_json::to_string(&response).ok())
        .flatten()
        .map(|body| {
            let until = valid_until.get().map_or(0, |at| at.timestamp_millis());
            format!("{until}\n{body}")
        });
    (response, store)
}

async fn execute(
    ctx: &AppContext,
    viewer: Viewer,
    prepared: Prepared,
    valid_until: Option<Arc<ValidUntil>>,
) -> Response {
    let user_id = viewer.user().map(|user| user.id);
    let department_id = viewer.user().and_then(|user| user.department_id);
    let Prepared { wire, doc } = prepared;
    let mut request = async_graphql::Request::new(wire.query.unwrap_or_default())
        .variables(Variables::from_json(
            wire.variables.unwrap_or(serde_json::Value::Null),
        ))
        .data(viewer)
        .data(loaders(ctx.state.db.clone(), user_id, department_id));
    if let Some(valid_until) = valid_until {
        request = request.data(valid_until);
    }
    if let Some(doc) = doc {
        request.set_parsed_query(ExecutableDocument::clone(&doc));
    }
    if let Some(name) = wire.operation_name {
        request = request.operation_name(name);
    }
    if !ctx.introspection {
        request = request.disable_introspection();
    }
    let mut response = ctx.schema.execute(request).await;
    for error in &mut response.errors {
        ensure_code(error);
    }
    response
}

/// Errors raised by the executor itself (parse, validation, limits, coercion) carry no
/// code; the contract promises one on every error.
fn ensure_code(error: &mut ServerError) {
    let has_code = error
        .extensions
        .as_ref()
        .is_some_and(|ext| ext.get("code").is_some());
    if !has_code {
        // Without a path the executor refused the document (parse, validation, limits).
        // With one, a resolver failed without going through AppError: unless it is the
        // executor's own coercion of an argument, that is a bug whose text may carry
        // internals, so it is logged and masked.
        let coercion = error.message.starts_with("Failed to parse")
            || error.message.starts_with("Invalid value");
        let code = if error.path.is_empty() || coercion {
            Code::BadUserInput
        } else {
            tracing::error!(error = %error.message, path = ?error.path, "unclassified resolver error");
            error.message = "internal error".to_owned();
            Code::Internal
        };
        error
            .extensions
            .get_or_insert_with(Default::default)
            .set("code", code.as_str());
    }
    let code = error
        .extensions
        .as_ref()
        .and_then(|ext| ext.get("code"))
        .map(|v| v.to_string().trim_matches('"').to_owned())
        .unwrap_or_default();
    metrics::counter!("tongxin_graphql_errors_total", "code" => code).increment(1);
}

fn finish(media: Media, batch: BatchResponse) -> axum::response::Response {
    let failed_before_execution = match &batch {
        BatchResponse::Single(resp) => resp.data == async_graphql::Value::Null && resp.is_err(),
        BatchResponse::Batch(_) => false,
    };
    let status = if media == Media::GraphqlResponse && failed_before_execution {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    match serde_json::to_string(&batch) {
        Ok(body) => respond(media, status, body),
        Err(err) => {
            tracing::error!(error = %err, "response serialization failed");
            request_error(
                media,
                StatusCode::INTERNAL_SERVER_ERROR,
                Code::Internal,
                "internal error",
            )
        }
    }
}

pub async fn post(
    State(ctx): State<AppContext>,
    headers: HeaderMap,
    body: Bytes,
) -> axum::response::Response {
    let started = Instant::now();
    let media = media(&headers);
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or(JSON);
    if !content_type.starts_with(JSON) && !content_type.starts_with(GRAPHQL_RESPONSE) {
        return request_error(
            media,
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Code::BadUserInput,
            "send the request as application/json",
        );
    }
    let parsed: serde_json::Value = match serde_json::from_slice(&body) {
        Ok(value) => value,
        Err(_) => {
            return request_error(
                media,
                StatusCode::BAD_REQUEST,
                Code::BadUserInput,
                "the body is not valid JSON",
            );
        }
    };
    let (wires, is_batch) = match parsed {
        serde_json::Value::Array(items) => {
            if items.is_empty() || items.len() > MAX_BATCH {
                return request_error(
                    media,
                    StatusCode::BAD_REQUEST,
                    Code::BadUserInput,
                    "a batch holds 1 to 5 operations",
                );
            }
            let mut wires = Vec::with_capacity(items.len());
            for item in items {
                match serde_json::from_value::<WireRequest>(item) {
                    Ok(wire) => wires.push(wire),
                    Err(_) => {
                        return request_error(
                            media,
                            StatusCode::BAD_REQUEST,
                            Code::BadUserInput,
                            "not a GraphQL request",
                        );
                    }
                }
            }
            (wires, true)
        }
        other => match serde_json::from_value::<WireRequest>(other) {
            Ok(wire) => (vec![wire], false),
            Err(_) => {
                return request_error(
                    media,
                    StatusCode::BAD_REQUEST,
                    Code::BadUserInput,
                    "not a GraphQL request",
                );
            }
        },
    };
    let mut responses = Vec::with_capacity(wires.len());
    for mut wire in wires {
        if let Err((code, message)) = persisted_query(&ctx, &mut wire).await {
            if !is_batch {
                return request_error(media, StatusCode::BAD_REQUEST, code, message);
            }
            responses.push(Response::from_errors(vec![coded_error(code, message)]));
            continue;
        }
        let prepared = Prepared::new(&ctx, wire);
        if is_batch && prepared.root_fields().any(|f| UNBATCHABLE.contains(&f)) {
            return request_error(
                media,
                StatusCode::BAD_REQUEST,
                Code::BadUserInput,
                "sign-in operations cannot be batched",
            );
        }
        if !is_batch {
            match execute_cached(&ctx, &headers, prepared).await {
                Ok(response) => responses.push(response),
                Err(cached) => return respond(media, StatusCode::OK, cached),
            }
            continue;
        }
        let mutation = prepared.ty() == Some(OperationType::Mutation);
        let viewer = viewer_of(&ctx, &headers);
        responses.push(execute(&ctx, viewer, prepared, None).await);
        if mutation {
            ctx.state.public_changed().await;
        }
    }
    metrics::histogram!("tongxin_graphql_duration_seconds", "method" => "POST")
        .record(started.elapsed().as_secs_f64());
    let batch = if is_batch {
        BatchResponse::Batch(responses)
    } else {
        BatchResponse::Single(responses.pop().expect("one response"))
    };
    finish(media, batch)
}

fn coded_error(code: Code, message: &str) -> ServerError {
    let mut error = ServerError::new(message, None);
    error
        .extensions
        .get_or_insert_with(Default::default)
        .set("code", code.as_str());
    error
}

pub async fn get(
    State(ctx): State<AppContext>,
    method: Method,
    headers: HeaderMap,
    UrlQuery(params): UrlQuery<HashMap<String, String>>,
) -> axum::response::Response {
    let media = media(&headers);
    let params = GetParams {
        query: params.get("query").cloned(),
        operation_name: params.get("operationName").cloned(),
        variables: params.get("variables").cloned(),
        extensions: params.get("extensions").cloned(),
    };
    let wants_html = headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|accept| accept.contains("text/html"));
    if params.query.is_none() && params.extensions.is_none() {
        if wants_html && method == Method::GET {
            return Html(
                async_graphql::http::GraphiQLSource::build()
                    .endpoint("/graphql")
                    .title("同心 Tongxin")
                    .finish(),
            )
            .into_response();
        }
        return request_error(
            media,
            StatusCode::BAD_REQUEST,
            Code::BadUserInput,
            "no query given",
        );
    }
    let parse_json = |text: Option<String>,
                      what: &'static str|
     -> Result<Option<serde_json::Value>, &'static str> {
        text.map(|t| serde_json::from_str(&t).map_err(|_| what))
            .transpose()
    };
    let variables = match parse_json(params.variables, "variables is not valid JSON") {
        Ok(v) => v,
        Err(message) => {
            return request_error(media, StatusCode::BAD_REQUEST, Code::BadUserInput, message);
        }
    };
    let extensions = match parse_json(params.extensions, "extensions is not valid JSON") {
        Ok(v) => v,
        Err(message) => {
            return request_error(media, StatusCode::BAD_REQUEST, Code::BadUserInput, message);
        }
    };
    let mut wire = WireRequest {
        query: params.query,
        operation_name: params.operation_name,
        variables,
        extensions,
    };
    if let Err((code, message)) = persisted_query(&ctx, &mut wire).await {
        return request_error(media, StatusCode::BAD_REQUEST, code, message);
    }
    let prepared = Prepared::new(&ctx, wire);
    if let Some(OperationType::Mutation | OperationType::Subscription) = prepared.ty() {
        let mut response = request_error(
            media,
            StatusCode::METHOD_NOT_ALLOWED,
            Code::BadUserInput,
            "mutations must be sent with POST",
        );
        response
            .headers_mut()
            .insert(header::ALLOW, HeaderValue::from_static("GET, POST"));
        return response;
    }
    let started = Instant::now();
    let response = match execute_cached(&ctx, &headers, prepared).await {
        Ok(response) => response,
        Err(cached) => return respond(media, StatusCode::OK, cached),
    };
    metrics::histogram!("tongxin_graphql_duration_seconds", "method" => "GET")
        .record(started.elapsed().as_secs_f64());
    finish(media, BatchResponse::Single(response))
}
