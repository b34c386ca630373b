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
//!   only documents that passed the limits and ran are stored. Not async-graphql's
//!   `ApolloPersistedQueries` extension: its `CacheStorage` keeps parsed documents, which
//!   do not serialize, so Redis could not share them (we store the text); it parses the
//!   text itself, before the nesting limits that keep the parser's recursion bounded; it
//!   stores a document as soon as it parses, so junk fills the shared cache; and its
//!   "not found" answer carries no code.
//! - Which answers are cached: [`execution`] (the fields declare it); error codes and the
//!   public version a mutation bumps: [`crate::graphql::extensions`].
//! - Before anything is parsed: the document's size and nesting, the variables' nesting and
//!   characters ([`crate::graphql::limits`]); a request with an access token that is not
//!   valid is refused as UNAUTHENTICATED (with `extensions.reason`) instead of running as
//!   anonymous, unless all it does is sign in.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::time::Instant;

use async_graphql::parser::types::OperationType;
use async_graphql::{BatchResponse, Response, ServerError};
use axum::body::Bytes;
use axum::extract::{ConnectInfo, Query as UrlQuery, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::IntoResponse;
use serde::Deserialize;

use crate::auth::Viewer;
use crate::auth::jwt::TokenError;
use crate::auth::viewer::{ClientAddress, SignedInUser};
use crate::error::Reason;
use crate::graphql::limits::{self, Refusal};
use crate::http::AppContext;
use crate::messages::Locale;

mod execution;
mod fast;
mod multipart;
mod prepared;

use execution::{execute, execute_cached};
pub use prepared::Documents;
use prepared::Prepared;

pub const MAX_BATCH: usize = 5;
pub const GRAPHQL_RESPONSE: &str = "application/graphql-response+json";
pub const JSON: &str = "application/json";
/// Root fields that an invalid access token does not stop: signing in is how a client
/// whose token expired gets a new one.
pub(super) const SIGN_IN_OR_OUT: &[&str] =
    &["login", "signUp", "wechatLogin", "refreshSession", "logout"];

#[derive(Debug, Clone, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub(super) struct WireRequest {
    query: Option<String>,
    operation_name: Option<String>,
    #[serde(default)]
    variables: Option<serde_json::Value>,
    #[serde(default)]
    extensions: Option<serde_json::Value>,
    /// Files of a multipart request, by the variable they fill (`variables.file`); taken
    /// once, when the request is executed.
    #[serde(skip)]
    uploads: multipart::Uploads,
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
pub(super) enum Media {
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
    RequestError::new(StatusCode::NOT_ACCEPTABLE, Reason::NotAcceptable).respond(Media::Json)
}

/// A request-level failure: nothing was executed.
#[derive(Debug)]
pub(super) struct RequestError {
    status: StatusCode,
    /// Gives the code and the message (in the request's locale).
    reason: Reason,
    field: Option<String>,
    /// Not a GraphQL request at all (not JSON, parameters of the wrong type, no query):
    /// 400 under either media type, as GraphQL over HTTP says. Other refusals are
    /// answered like validation errors: 200 under `application/json`.
    malformed: bool,
}

impl RequestError {
    pub(super) fn new(status: StatusCode, reason: Reason) -> Self {
        RequestError {
            status,
            reason,
            field: None,
            malformed: false,
        }
    }

    pub(super) fn bad_request(reason: Reason) -> Self {
        Self::new(StatusCode::BAD_REQUEST, reason)
    }

    pub(super) fn malformed(reason: Reason) -> Self {
        RequestError {
            malformed: true,
            ..Self::bad_request(reason)
        }
    }

    fn token(error: TokenError) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, error.reason())
    }

    fn code(&self) -> &'static str {
        self.reason.code().as_str()
    }

    fn error(&self) -> ServerError {
        let mut error = ServerError::new(self.reason.message_now(), None);
        let ext = error.extensions.get_or_insert_with(Default::default);
        crate::error::set_extensions(ext, &self.reason, self.field.as_deref());
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
        metrics::counter!("tongxin_graphql_errors_total", "code" => self.code()).increment(1);
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
            ..Self::bad_request(refusal.reason)
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
pub(crate) fn viewer_of(ctx: &AppContext, headers: &HeaderMap) -> Result<Viewer, TokenError> {
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

/// Errors that the executor raised before running anything (parse, validation, limits)
/// have no path; errors of fields have one.
pub(super) fn refused_before_execution(response: &Response) -> bool {
    !response.errors.is_empty() && response.errors.iter().all(|error| error.path.is_empty())
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
            RequestError::new(StatusCode::INTERNAL_SERVER_ERROR, Reason::Internal).respond(media)
        }
    }
}

/// Who sends a request.
pub(super) struct Client {
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
    let parsed: serde_json::Value =
        serde_json::from_slice(body).map_err(|_| RequestError::malformed(Reason::NotJson))?;
    let one = |item: serde_json::Value| {
        if !item.is_object() {
            return Err(RequestError::malformed(Reason::NotGraphqlRequest));
        }
        serde_json::from_value::<WireRequest>(item)
            .map_err(|_| RequestError::malformed(Reason::NotGraphqlRequest))
    };
    match parsed {
        serde_json::Value::Array(items) => {
            if items.is_empty() || items.len() > MAX_BATCH {
                return Err(RequestError::malformed(Reason::BatchSize {
                    max: MAX_BATCH,
                }));
            }
            let wires = items.into_iter().map(one).collect::<Result<_, _>>()?;
            Ok((wires, true))
        }
        other => Ok((vec![one(other)?], false)),
    }
}

/// The language of the request's messages, from `Accept-Language`.
pub(crate) fn locale(headers: &HeaderMap) -> Locale {
    Locale::from_accept_language(
        headers
            .get(header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok()),
    )
}

pub async fn post(
    State(ctx): State<AppContext>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    body: Bytes,
) -> axum::response::Response {
    locale(&headers)
        .scope(post_in_locale(ctx, peer, headers, body))
        .await
}

async fn post_in_locale(
    ctx: AppContext,
    peer: SocketAddr,
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
    // The GraphQL multipart request spec (file uploads): its `operations` part is the JSON
    // body every other request sends, read by the same code under the same limits.
    let (body, uploads) = if essence.eq_ignore_ascii_case(multipart::FORM_DATA) {
        match multipart::read(content_type, body).await {
            Ok(parts) => parts,
            Err(error) => return error.respond(media),
        }
    } else if essence.eq_ignore_ascii_case(JSON) {
        (body, multipart::Uploads::default())
    } else {
        return RequestError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Reason::UnsupportedMediaType,
        )
        .respond(media);
    };
    let (mut wires, is_batch) = match wire_requests(&body) {
        Ok(parts) => parts,
        Err(error) => return error.respond(media),
    };
    if !uploads.is_empty() {
        // Files go with one operation; a batch of uploads is not something clients send.
        if is_batch {
            return RequestError::malformed(Reason::NotGraphqlRequest).respond(media);
        }
        wires[0].uploads = uploads;
    }
    let mut responses = Vec::with_capacity(wires.len());
    for wire in wires {
        let prepared = match Prepared::new(&ctx, wire).await {
            Ok(prepared) => prepared,
            Err(error) if is_batch => {
                metrics::counter!("tongxin_graphql_errors_total", "code" => error.code())
                    .increment(1);
                responses.push(Response::from_errors(vec![error.error()]));
                continue;
            }
            Err(error) => return error.respond(media),
        };
        if is_batch && limits::sign_in_count(&prepared.root_fields()) > 0 {
            return RequestError::bad_request(Reason::SignInInBatch).respond(media);
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
        // Boxed, as in `execute_cached`: the request's future holds only the way it takes.
        responses.push(Box::pin(execute(&ctx, &client, prepared, None)).await);
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
    locale(&headers)
        .scope(get_in_locale(ctx, peer, method, headers, params))
        .await
}

async fn get_in_locale(
    ctx: AppContext,
    peer: SocketAddr,
    method: Method,
    headers: HeaderMap,
    params: HashMap<String, String>,
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
        return crate::http::web::graphiql_page();
    }
    let Some(media) = media(&headers) else {
        return not_acceptable();
    };
    let parse_json = |text: Option<String>,
                      what: &'static str|
     -> Result<Option<serde_json::Value>, RequestError> {
        text.map(|t| {
            serde_json::from_str(&t).map_err(|_| RequestError {
                field: Some(what.to_owned()),
                ..RequestError::malformed(Reason::NotJson)
            })
        })
        .transpose()
    };
    let wire = match (
        parse_json(params.variables, "variables"),
        parse_json(params.extensions, "extensions"),
    ) {
        (Ok(variables), Ok(extensions)) => WireRequest {
            query: params.query,
            operation_name: params.operation_name,
            variables,
            extensions,
            uploads: Default::default(),
        },
        (Err(error), _) | (_, Err(error)) => return error.respond(media),
    };
    let prepared = match Prepared::new(&ctx, wire).await {
        Ok(prepared) => prepared,
        Err(error) => return error.respond(media),
    };
    if let Some(OperationType::Mutation | OperationType::Subscription) = prepared.ty() {
        let mut response =
            RequestError::new(StatusCode::METHOD_NOT_ALLOWED, Reason::MutationOverGet)
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

#[cfg(test)]
mod tests {
    use super::*;

    /// The size of the future `f` returns, without calling it.
    fn future_size<A, F: std::future::Future>(_: impl FnOnce(A) -> F) -> usize {
        std::mem::size_of::<F>()
    }

    /// axum boxes every request's future, which is moved whole before that and held by a
    /// request waiting its turn (`TONGXIN_MAX_IN_FLIGHT`). The large ways (the response
    /// cache's, the executor's, a kept value's load on a miss) are boxed where they fork,
    /// so that it holds only the one it takes: with the feed page's load inline it was 116 KB
    /// (118 KB in the release build), now about 12 KB in a debug build.
    #[test]
    fn a_requests_future_holds_only_the_way_it_takes() {
        let post = future_size(|(a, b, c, d)| post(a, b, c, d));
        let get = future_size(|(a, b, c, d, e)| get(a, b, c, d, e));
        assert!(post <= 24 * 1024, "POST's future is {post} bytes");
        assert!(get <= 24 * 1024, "GET's future is {get} bytes");
    }
}
