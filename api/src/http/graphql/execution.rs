//! Running a prepared request: through the response cache when its answer may be shared
//! (anonymous, or a dashboard whose fields allow it), else straight to the executor.

use std::sync::Arc;

use async_graphql::parser::types::{ExecutableDocument, OperationType};
use async_graphql::{Response, Variables};
use sha2::{Digest, Sha256};

use crate::auth::Viewer;
use crate::cache::{CacheKey, Lookup};
use crate::graphql::ValidUntil;
use crate::graphql::loaders::loaders;
use crate::http::AppContext;

use super::prepared::Prepared;
use super::{Client, refused_before_execution};

/// Whether an executed answer may be stored: without errors, and for a signed-in user
/// only when every field it selected allowed caching. The fields say so themselves
/// (`#[graphql(cache_control(...))]`: `dashboard` allows it, the few fields under it that
/// lead to lists of their own say `no_cache`); async-graphql merges the hints of the
/// selected fields while validating. An anonymous answer is the same for everyone.
fn may_keep(response: &Response, anonymous: bool) -> bool {
    response.errors.is_empty() && (anonymous || response.cache_control.max_age > 0)
}

/// Where a query's whole answer is cached, if it may be:
/// - an anonymous query answers everyone alike;
/// - a signed-in dashboard query ([`Prepared::asks_only_dashboard`]) answers that user alike,
///   if its fields allow it ([`may_keep`]).
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
        Viewer::User(user) if prepared.asks_only_dashboard() => Some(user),
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
///
/// The executor's way and the response cache's are awaited boxed, so that a request's
/// future (which axum boxes, and which moves whole before that) holds only the way it
/// takes; the fast pages' futures are small (2–3 KB) and stay inline. With every way
/// inline, every request's future was 118 KB, a copy of which each request paid for, and
/// which every request waiting its turn held (`bench/README.md`, eighth session).
pub(super) async fn execute_cached(
    ctx: &AppContext,
    client: &Client,
    prepared: Prepared,
) -> Result<Response, String> {
    let Some(key) = response_key(ctx, &client.viewer, &prepared).await else {
        let fast = match super::fast::activity_feed(ctx, &client.viewer, &prepared).await {
            Some(body) => Some(body),
            None => super::fast::activity_detail(ctx, &client.viewer, &prepared).await,
        };
        if let Some(body) = fast {
            // Learned as a persisted query, as the executor's answer would have been: a
            // client that sent its hash and then the text sends the hash alone next time.
            if let (Some(key), Some(query)) = (&prepared.persist, &prepared.wire.query) {
                ctx.state.cache.set(key, query).await;
            }
            return Err(body);
        }
        return Ok(Box::pin(execute(ctx, client, prepared, None)).await);
    };
    // Concurrent requests for the same answer wait for the first one's execution.
    let answer = Box::pin(ctx.state.cache.get_or_compute(
        &key,
        cached_body,
        execute_for_cache(ctx, client, &prepared),
    ))
    .await;
    match answer {
        Lookup::Stored(body) => Err(body),
        Lookup::Computed(response) => Ok(response),
    }
}

/// Executes a cacheable query: its response, and what to store of it (nothing when it
/// has errors or selected a field that may not be kept).
async fn execute_for_cache(
    ctx: &AppContext,
    client: &Client,
    prepared: &Prepared,
) -> (Response, Option<String>) {
    let valid_until = Arc::new(ValidUntil::default());
    let response = execute(ctx, client, prepared.clone(), Some(valid_until.clone())).await;
    let anonymous = matches!(client.viewer, Viewer::Anonymous);
    let store = may_keep(&response, anonymous)
        .then(|| serde_json::to_string(&response).ok())
        .flatten()
        .map(|body| {
            let until = valid_until.get().map_or(0, |at| at.timestamp_millis());
            format!("{until}\n{body}")
        });
    (response, store)
}

pub(super) async fn execute(
    ctx: &AppContext,
    client: &Client,
    prepared: Prepared,
    valid_until: Option<Arc<ValidUntil>>,
) -> Response {
    let viewer = client.viewer.clone();
    let user_id = viewer.user().map(|user| user.id);
    let department_id = viewer.user().and_then(|user| user.department_id);
    let mutation = prepared.ty() == Some(OperationType::Mutation);
    let Prepared { wire, doc, persist } = prepared;
    let query = wire.query.unwrap_or_default();
    let (loaders, batches) = loaders(ctx.state.db.clone(), user_id, department_id);
    let mut request = async_graphql::Request::new(query.clone())
        .variables(Variables::from_json(
            wire.variables.unwrap_or(serde_json::Value::Null),
        ))
        .data(viewer)
        .data(client.address.clone())
        .data(loaders)
        .data(crate::graphql::request_memo::RequestMemo::default());
    if let Some(valid_until) = valid_until {
        request = request.data(valid_until);
    }
    if let Some(doc) = doc {
        request.set_parsed_query(ExecutableDocument::clone(&doc));
    }
    for (path, upload) in wire.uploads.take() {
        request.set_upload(&path, upload);
    }
    if let Some(name) = wire.operation_name {
        request = request.operation_name(name);
    }
    if !ctx.introspection {
        request = request.disable_introspection();
    }
    let run = {
        let (schema, state) = (ctx.schema.clone(), ctx.state.clone());
        async move {
            let mut response = batches.drive(schema.execute(request)).await;
            crate::graphql::outcome::ensure_codes(&mut response);
            if mutation && !refused_before_execution(&response) {
                crate::graphql::outcome::after_mutation(&state).await;
            }
            response
        }
    };
    // A mutation runs to its end even when its client goes away (a closed connection, the
    // request's timeout): its writes and the cache versions and events that follow them
    // are one unit. Dropped halfway, a committed write would leave cached answers stale
    // until the next write.
    let response = match mutation {
        // The task keeps the request's language and its log span.
        true => match tokio::spawn(tracing::Instrument::instrument(
            crate::messages::Locale::current().scope(run),
            tracing::Span::current(),
        ))
        .await
        {
            Ok(response) => response,
            Err(failed) => std::panic::resume_unwind(
                failed
                    .try_into_panic()
                    .unwrap_or_else(|_| Box::new("the mutation's task was cancelled")),
            ),
        },
        false => run.await,
    };
    if let Some(key) = persist
        && !refused_before_execution(&response)
    {
        ctx.state.cache.set(&key, &query).await;
    }
    response
}
