//! The GraphQL-over-HTTP handler, written by hand because the stock integration accepts
//! unbounded batches, runs mutations over GET and ignores `operationName` on GET.
//!
//! - POST: one request object, or a JSON array of at most [`MAX_BATCH`] (never with a login).
//! - GET: queries only (`query`, `operationName`, `variables`, `extensions` parameters);
//!   a mutation is refused with 405. A browser GET without a query gets GraphiQL.
//! - `Accept: application/graphql-response+json` gets that media type and the spec's status
//!   codes (400 when the request fails before execution); `application/json` always gets 200.
//! - Automatic persisted queries (Apollo's `persistedQuery` extension with `sha256Hash`),
//!   stored in the shared cache so any instance can answer a hash another one learned;
//!   only documents that parsed and validated are stored.
//! - Before anything is parsed: the document's size and nesting, the variables' nesting and
//!   characters ([`crate::graphql::limits`]); a request with an access token that is not
//!   valid is refused as UNAUTHENTICATED (with `extensions.reason`) instead of running as
//!   anonymous, unless all it does is sign in.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Instant;

use async_graphql::parser::types::{
    DocumentOperations, ExecutableDocument, OperationDefinition, OperationType, Selection,
    SelectionSet,
};
use async_graphql::{BatchResponse, Response, ServerError, Variables};
use axum::body::Bytes;
use axum::extract::{ConnectInfo, Query as UrlQuery, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{Html, IntoResponse};
use serde::Deserialize;
use sha2::{Digest, Sha256};

use crate::auth::Viewer;
use crate::auth::jwt::TokenError;
use crate::auth::viewer::{ClientAddress, SignedInUser};
use crate::cache::{CacheKey, Lookup};
use crate::error::Code;
use crate::graphql::ValidUntil;
use crate::graphql::limits::{self, Refusal};
use crate::graphql::loaders::loaders;
use crate::http::AppContext;

pub const MAX_BATCH: usize = 5;
pub const GRAPHQL_RESPONSE: &str = "application/graphql-response+json";
pub const JSON: &str = "application/json";
/// Root fields that an invalid access token does not stop: signing in is how a client
/// whose token expired gets a new one.
const SIGN_IN_OR_OUT: &[&str] = &["login", "signUp", "wechatLogin", "refreshSession", "logout"];

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

/// The media type to answer in, from `Accept` (quality values honoured: `q=0` refuses a
/// type); `None` when the client accepts neither JSON type (406).
fn media(headers: &HeaderMap) -> Option<Media> {
    let Some(accept) = headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()) else {
        return Some(Media::Json);
    };
    let (mut graphql, mut json) = (0.0f32, 0.0f32);
    for range in accept.split(',') {
        let mut parts = range.split(';');
        let essence = parts.next().unwrap_or("").trim().to_ascii_lowercase();
        let quality = parts
            .filter_map(|p| p.trim().strip_prefix("q="))
            .find_map(|q| q.trim().parse::<f32>().ok())
            .unwrap_or(1.0);
        match essence.as_str() {
            GRAPHQL_RESPONSE => graphql = graphql.max(quality),
            JSON | "*/*" | "application/*" => json = json.max(quality),
            _ => {}
        }
    }
    if graphql > 0.0 && graphql >= json {
        Some(Media::GraphqlResponse)
    } else if json > 0.0 {
        Some(Media::Json)
    } else {
        None
    }
}

fn not_acceptable() -> axum::response::Response {
    RequestError::new(
        StatusCode::NOT_ACCEPTABLE,
        Code::BadUserInput,
        "只提供 application/json 与 application/graphql-response+json",
    )
    .respond(Media::Json)
}

/// A request-level failure: nothing was executed.
#[derive(Debug)]
struct RequestError {
    status: StatusCode,
    code: Code,
    message: String,
    field: Option<String>,
    reason: Option<&'static str>,
    /// Not a GraphQL request at all (not JSON, parameters of the wrong type, no query):
    /// 400 under either media type, as GraphQL over HTTP says. Other refusals are
    /// answered like validation errors: 200 under `application/json`.
    malformed: bool,
}

impl RequestError {
    fn new(status: StatusCode, code: Code, message: impl Into<String>) -> Self {
        RequestError {
            status,
            code,
            message: message.into(),
            field: None,
            reason: None,
            malformed: false,
        }
    }

    fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, Code::BadUserInput, message)
    }

    fn malformed(message: impl Into<String>) -> Self {
        RequestError {
            malformed: true,
            ..Self::bad_request(message)
        }
    }

    fn token(error: TokenError) -> Self {
        let message = match error {
            TokenError::Expired => "登录已过期，请刷新会话或重新登录",
            TokenError::Invalid => "访问令牌无效，请重新登录",
        };
        RequestError {
            reason: Some(error.reason()),
            ..Self::new(StatusCode::UNAUTHORIZED, Code::Unauthenticated, message)
        }
    }

    fn error(&self) -> ServerError {
        let mut error = ServerError::new(self.message.clone(), None);
        let ext = error.extensions.get_or_insert_with(Default::default);
        ext.set("code", self.code.as_str());
        if let Some(field) = &self.field {
            ext.set("field", field.as_str());
        }
        if let Some(reason) = self.reason {
            ext.set("reason", reason);
        }
        error
    }

    fn respond(&self, media: Media) -> axum::response::Response {
        let body = serde_json::json!({ "errors": [self.error()] });
        // application/json answers 200 unless HTTP itself refused the request.
        let http_level = self.malformed
            || matches!(
                self.status,
                StatusCode::METHOD_NOT_ALLOWED
                    | StatusCode::NOT_ACCEPTABLE
                    | StatusCode::PAYLOAD_TOO_LARGE
                    | StatusCode::UNSUPPORTED_MEDIA_TYPE
            );
        let status = if media == Media::GraphqlResponse || http_level {
            self.status
        } else {
            StatusCode::OK
        };
        metrics::counter!("tongxin_graphql_errors_total", "code" => self.code.as_str())
            .increment(1);
        let mut response = respond(media, status, body.to_string());
        if self.status == StatusCode::UNAUTHORIZED {
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer error=\"invalid_token\""),
            );
        }
        response
    }
}

impl From<Refusal> for RequestError {
    fn from(refusal: Refusal) -> Self {
        RequestError {
            field: Some(refusal.field),
            ..Self::bad_request(refusal.message)
        }
    }
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

/// Who sent the request: anonymous without an `Authorization` header, else the user of a
/// valid access token; a header that is not one is an error, not anonymity.
fn viewer_of(ctx: &AppContext, headers: &HeaderMap) -> Result<Viewer, TokenError> {
    let Some(value) = headers.get(header::AUTHORIZATION) else {
        return Ok(Viewer::Anonymous);
    };
    let token = value
        .to_str()
        .ok()
        .and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("bearer "))
        })
        .ok_or(TokenError::Invalid)?;
    let claims = ctx.state.jwt.verify(token.trim()).inspect_err(|err| {
        tracing::debug!(error = ?err, "access token refused");
    })?;
    let id = claims.sub.parse().map_err(|_| TokenError::Invalid)?;
    Ok(Viewer::User(SignedInUser {
        id,
        session_id: claims.sid,
        roles: claims.roles,
        department_id: claims.dept,
    }))
}

/// Resolves the APQ extension: fills in the query text of a known hash, and returns the
/// key to learn a new one under (stored once the document has parsed and validated, so
/// junk never takes space in the shared cache).
async fn persisted_query(
    ctx: &AppContext,
    wire: &mut WireRequest,
) -> Result<Option<CacheKey>, RequestError> {
    let hash = wire
        .extensions
        .as_ref()
        .and_then(|ext| ext.get("persistedQuery"))
        .and_then(|pq| pq.get("sha256Hash"))
        .and_then(|h| h.as_str())
        .map(str::to_ascii_lowercase);
    let Some(hash) = hash else {
        return Ok(None);
    };
    if hash.len() != 64 || !hash.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(RequestError::bad_request(
            "persistedQuery.sha256Hash is not a SHA-256 hex digest",
        ));
    }
    let key = CacheKey::PersistedQuery {
        sha256: hash.clone(),
    };
    match &wire.query {
        Some(query) => {
            if hex::encode(Sha256::digest(query.as_bytes())) != hash {
                return Err(RequestError::bad_request(
                    "provided sha does not match query",
                ));
            }
            Ok(Some(key))
        }
        None => match ctx.state.cache.get(&key).await {
            Some(query) => {
                wire.query = Some(query);
                Ok(None)
            }
            None => Err(RequestError::bad_request("PersistedQueryNotFound")),
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
    /// The parsed document; `None` when it does not parse (the executor reports why). Its
    /// size and nesting are checked first (the parser recurses per nesting), its literals
    /// after; a document is kept only once it passed.
    fn parse(&self, query: &str) -> Result<Option<Arc<ExecutableDocument>>, Refusal> {
        if let Some(doc) = self.0.get(query) {
            return Ok(Some(doc));
        }
        let Some(doc) = limits::parse_checked(query)? else {
            return Ok(None);
        };
        let doc = Arc::new(doc);
        self.0.insert(query.to_owned(), doc.clone());
        Ok(Some(doc))
    }
}

/// A request with its document parsed (once, or taken from [`Documents`]).
#[derive(Clone)]
struct Prepared {
    wire: WireRequest,
    doc: Option<Arc<ExecutableDocument>>,
    /// Where to learn the document as a persisted query once it proved valid.
    persist: Option<Arc<CacheKey>>,
}

impl Prepared {
    /// Checks what may be checked before running and parses the document.
    async fn new(ctx: &AppContext, mut wire: WireRequest) -> Result<Self, RequestError> {
        if wire
            .extensions
            .as_ref()
            .is_some_and(|ext| !ext.is_object() && !ext.is_null())
        {
            return Err(RequestError::malformed("extensions 必须是 JSON 对象"));
        }
        let persist = persisted_query(ctx, &mut wire).await?;
        if wire.query.is_none() {
            return Err(RequestError::malformed("没有给出 query"));
        }
        if let Some(variables) = &wire.variables {
            if !variables.is_object() && !variables.is_null() {
                return Err(RequestError::malformed("variables 必须是 JSON 对象"));
            }
            limits::check_variables(variables)?;
        }
        let doc = match wire.query.as_deref() {
            Some(query) => ctx.documents.parse(query)?,
            None => None,
        };
        let prepared = Prepared {
            wire,
            doc,
            persist: persist.map(Arc::new),
        };
        if limits::sign_in_count(&prepared.root_fields()) > 1 {
            return Err(RequestError::bad_request(
                "一次请求最多包含一个登录、注册或刷新会话操作",
            ));
        }
        Ok(prepared)
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

    /// Root fields, through fragments.
    fn root_fields(&self) -> Vec<&str> {
        match (self.doc.as_deref(), self.operation()) {
            (Some(doc), Some(op)) => limits::root_field_names(doc, op),
            _ => Vec::new(),
        }
    }

    /// Whether an invalid access token may be ignored: the operation only signs in or out.
    fn only_signs_in_or_out(&self) -> bool {
        let fields = self.root_fields();
        !fields.is_empty() && fields.iter().all(|f| SIGN_IN_OR_OUT.contains(f))
    }

    /// A query of the dashboards only, selecting only figures and the ids and names of
    /// what they refer to (see [`DASHBOARD_FIELDS`]).
    fn is_dashboard_only(&self) -> bool {
        let (Some(doc), Some(op)) = (self.doc.as_deref(), self.operation()) else {
            return false;
        };
        op.ty == OperationType::Query
            && self.root_fields().iter().all(|name| *name == "dashboard")
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

/// Runs one request, through the response cache when it is cacheable: its response, or the
/// body of a cached one.
async fn execute_cached(
    ctx: &AppContext,
    client: &Client,
    prepared: Prepared,
) -> Result<Response, String> {
    let Some(key) = response_key(ctx, &client.viewer, &prepared).await else {
        let mutation = prepared.ty() == Some(OperationType::Mutation);
        let response = execute(ctx, client, prepared, None).await;
        if mutation {
            ctx.state.public_changed().await;
        }
        return Ok(response);
    };
    // Concurrent requests for the same answer wait for the first one's execution.
    let answer = ctx
        .state
        .cache
        .get_or_compute(&key, cached_body, execute_for_cache(ctx, client, &prepared))
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
    client: &Client,
    prepared: &Prepared,
) -> (Response, Option<String>) {
    let valid_until = Arc::new(ValidUntil::default());
    let response = execute(ctx, client, prepared.clone(), Some(valid_until.clone())).await;
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

/// Errors that the executor raised before running anything (parse, validation, limits)
/// have no path; errors of fields have one.
fn refused_before_execution(response: &Response) -> bool {
    !response.errors.is_empty() && response.errors.iter().all(|error| error.path.is_empty())
}

async fn execute(
    ctx: &AppContext,
    client: &Client,
    prepared: Prepared,
    valid_until: Option<Arc<ValidUntil>>,
) -> Response {
    let viewer = client.viewer.clone();
    let user_id = viewer.user().map(|user| user.id);
    let department_id = viewer.user().and_then(|user| user.department_id);
    let Prepared { wire, doc, persist } = prepared;
    let query = wire.query.unwrap_or_default();
    let mut request = async_graphql::Request::new(query.clone())
        .variables(Variables::from_json(
            wire.variables.unwrap_or(serde_json::Value::Null),
        ))
        .data(viewer)
        .data(client.address.clone())
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
    if let Some(key) = persist
        && !refused_before_execution(&response)
    {
        ctx.state.cache.set(&key, &query).await;
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

/// One response as JSON: without `data` when nothing was executed (the GraphQL spec:
/// "If an error was raised before execution begins, the data entry should not be present").
fn response_json(response: &Response) -> serde_json::Result<serde_json::Value> {
    let mut json = serde_json::to_value(response)?;
    if refused_before_execution(response)
        && let Some(object) = json.as_object_mut()
    {
        object.remove("data");
    }
    Ok(json)
}

fn finish(media: Media, batch: BatchResponse) -> axum::response::Response {
    // Under the GraphQL-over-HTTP media type a document refused before execution is a
    // 400; a response whose execution ran is a 200, even with `data: null`.
    let status = match &batch {
        BatchResponse::Single(response)
            if media == Media::GraphqlResponse && refused_before_execution(response) =>
        {
            StatusCode::BAD_REQUEST
        }
        _ => StatusCode::OK,
    };
    let body = match &batch {
        BatchResponse::Single(response) => response_json(response),
        BatchResponse::Batch(responses) => responses
            .iter()
            .map(response_json)
            .collect::<serde_json::Result<Vec<_>>>()
            .map(serde_json::Value::Array),
    };
    match body {
        Ok(body) => respond(media, status, body.to_string()),
        Err(err) => {
            tracing::error!(error = %err, "response serialization failed");
            RequestError::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                Code::Internal,
                "internal error",
            )
            .respond(media)
        }
    }
}

/// Who sends a request.
struct Client {
    viewer: Viewer,
    address: ClientAddress,
}

/// The client of a prepared request: an invalid token refuses it unless it only signs in.
fn client_of(
    ctx: &AppContext,
    headers: &HeaderMap,
    peer: SocketAddr,
    prepared: &Prepared,
) -> Result<Client, RequestError> {
    let viewer = match viewer_of(ctx, headers) {
        Ok(viewer) => viewer,
        Err(_) if prepared.only_signs_in_or_out() => Viewer::Anonymous,
        Err(error) => return Err(RequestError::token(error)),
    };
    Ok(Client {
        viewer,
        address: client_address(ctx, headers, peer),
    })
}

/// The connection's peer, or the address a trusted proxy wrote into the configured header
/// (the last entry of a list: the one the proxy itself added).
fn client_address(ctx: &AppContext, headers: &HeaderMap, peer: SocketAddr) -> ClientAddress {
    let from_header = ctx
        .state
        .config
        .client_ip_header
        .as_deref()
        .and_then(|name| headers.get(name))
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.rsplit(',').next())
        .and_then(|last| last.trim().parse::<std::net::IpAddr>().ok());
    ClientAddress(from_header.unwrap_or(peer.ip()).to_string())
}

/// The parts of a POST body: one request object or a batch of them.
fn wire_requests(body: &[u8]) -> Result<(Vec<WireRequest>, bool), RequestError> {
    let parsed: serde_json::Value = serde_json::from_slice(body)
        .map_err(|_| RequestError::malformed("请求体不是有效的 JSON"))?;
    let one = |item: serde_json::Value| {
        if !item.is_object() {
            return Err(RequestError::malformed("不是 GraphQL 请求"));
        }
        serde_json::from_value::<WireRequest>(item).map_err(|_| {
            RequestError::malformed(
                "不是 GraphQL 请求：query 与 operationName 须为字符串，variables 与 extensions 须为对象",
            )
        })
    };
    match parsed {
        serde_json::Value::Array(items) => {
            if items.is_empty() || items.len() > MAX_BATCH {
                return Err(RequestError::malformed(format!(
                    "批量请求须包含 1 至 {MAX_BATCH} 个操作"
                )));
            }
            let wires = items.into_iter().map(one).collect::<Result<_, _>>()?;
            Ok((wires, true))
        }
        other => Ok((vec![one(other)?], false)),
    }
}

pub async fn post(
    State(ctx): State<AppContext>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    body: Bytes,
) -> axum::response::Response {
    let started = Instant::now();
    let Some(media) = media(&headers) else {
        return not_acceptable();
    };
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let essence = content_type.split(';').next().unwrap_or("").trim();
    if !essence.eq_ignore_ascii_case(JSON) {
        return RequestError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Code::BadUserInput,
            "请以 Content-Type: application/json 发送请求",
        )
        .respond(media);
    }
    let (wires, is_batch) = match wire_requests(&body) {
        Ok(parts) => parts,
        Err(error) => return error.respond(media),
    };
    let mut responses = Vec::with_capacity(wires.len());
    for wire in wires {
        let prepared = match Prepared::new(&ctx, wire).await {
            Ok(prepared) => prepared,
            Err(error) if is_batch => {
                metrics::counter!("tongxin_graphql_errors_total", "code" => error.code.as_str())
                    .increment(1);
                responses.push(Response::from_errors(vec![error.error()]));
                continue;
            }
            Err(error) => return error.respond(media),
        };
        if is_batch && limits::sign_in_count(&prepared.root_fields()) > 0 {
            return RequestError::bad_request("登录、注册与刷新会话不能放在批量请求中")
                .respond(media);
        }
        let client = match client_of(&ctx, &headers, peer, &prepared) {
            Ok(client) => client,
            Err(error) => return error.respond(media),
        };
        if !is_batch {
            match execute_cached(&ctx, &client, prepared).await {
                Ok(response) => responses.push(response),
                Err(cached) => return respond(media, StatusCode::OK, cached),
            }
            continue;
        }
        let mutation = prepared.ty() == Some(OperationType::Mutation);
        responses.push(execute(&ctx, &client, prepared, None).await);
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

pub async fn get(
    State(ctx): State<AppContext>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    method: Method,
    headers: HeaderMap,
    UrlQuery(params): UrlQuery<HashMap<String, String>>,
) -> axum::response::Response {
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
    if params.query.is_none() && params.extensions.is_none() && wants_html && method == Method::GET
    {
        return Html(
            async_graphql::http::GraphiQLSource::build()
                .endpoint("/graphql")
                .title("同心 Tongxin")
                .finish(),
        )
        .into_response();
    }
    let Some(media) = media(&headers) else {
        return not_acceptable();
    };
    let parse_json = |text: Option<String>,
                      what: &'static str|
     -> Result<Option<serde_json::Value>, RequestError> {
        text.map(|t| serde_json::from_str(&t).map_err(|_| RequestError::malformed(what)))
            .transpose()
    };
    let wire = match (
        parse_json(params.variables, "variables 不是有效的 JSON"),
        parse_json(params.extensions, "extensions 不是有效的 JSON"),
    ) {
        (Ok(variables), Ok(extensions)) => WireRequest {
            query: params.query,
            operation_name: params.operation_name,
            variables,
            extensions,
        },
        (Err(error), _) | (_, Err(error)) => return error.respond(media),
    };
    let prepared = match Prepared::new(&ctx, wire).await {
        Ok(prepared) => prepared,
        Err(error) => return error.respond(media),
    };
    if let Some(OperationType::Mutation | OperationType::Subscription) = prepared.ty() {
        let mut response = RequestError::new(
            StatusCode::METHOD_NOT_ALLOWED,
            Code::BadUserInput,
            "变更操作须以 POST 发送",
        )
        .respond(media);
        response
            .headers_mut()
            .insert(header::ALLOW, HeaderValue::from_static("GET, POST"));
        return response;
    }
    let client = match client_of(&ctx, &headers, peer, &prepared) {
        Ok(client) => client,
        Err(error) => return error.respond(media),
    };
    let started = Instant::now();
    let response = match execute_cached(&ctx, &client, prepared).await {
        Ok(response) => response,
        Err(cached) => return respond(media, StatusCode::OK, cached),
    };
    metrics::histogram!("tongxin_graphql_duration_seconds", "method" => "GET")
        .record(started.elapsed().as_secs_f64());
    finish(media, BatchResponse::Single(response))
}
