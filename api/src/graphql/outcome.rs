//! The outcome of every executed GraphQL request, after the executor: each error gets its
//! code, and a mutation makes cached public answers stale before its answer leaves. The
//! handler's `execute` calls both, for single and batched requests alike: the one place
//! each rule lives.
//!
//! Not async-graphql `Extension`s: with any extension registered the executor routes every
//! field's resolution through the extension chain (a boxed future per field), which cost
//! the signed-in feed 16 % of its throughput in the benchmark (bench/README.md).

use async_graphql::{Response, ServerError};

use crate::context::AppState;
use crate::error::Reason;

/// Every error carries `extensions.code` and `extensions.reason`, as the contract
/// promises, and is counted by its code.
///
/// Resolvers raise [`crate::error::AppError`], which brings both. An error without a code
/// was raised by the executor itself, or by a resolver's `?` on some other error type:
/// - no code and no source: the executor refused the document (parse, validation, limits;
///   no path: INVALID_QUERY) or could not coerce an argument (with a path:
///   INVALID_ARGUMENT): the client's, BAD_USER_INPUT, with async-graphql's text (English,
///   cut to a bounded length) after a message in the request's language;
/// - no code but a source: a foreign error converted by `?` (async-graphql keeps it as the
///   source), a bug whose text may carry internals: logged and masked as INTERNAL.
pub fn ensure_codes(response: &mut Response) {
    for error in &mut response.errors {
        ensure_code(error);
    }
}

/// How much of the executor's own text is repeated to the client: enough for a field or
/// type name, never a whole document.
const MAX_DETAIL_CHARS: usize = 200;

fn ensure_code(error: &mut ServerError) {
    let code = error
        .extensions
        .as_ref()
        .and_then(|ext| ext.get("code"))
        .map(|code| code.to_string().trim_matches('"').to_owned());
    let code = match code {
        Some(code) => code,
        None => {
            let reason = if error.source.is_some() {
                tracing::error!(error = %error.message, path = ?error.path, "unclassified resolver error");
                error.source = None;
                Reason::Internal
            } else {
                let detail: String = error.message.chars().take(MAX_DETAIL_CHARS).collect();
                if error.path.is_empty() {
                    Reason::InvalidQuery { detail }
                } else {
                    Reason::InvalidArgument { detail }
                }
            };
            error.message = reason.message_now();
            let ext = error.extensions.get_or_insert_with(Default::default);
            crate::error::set_extensions(ext, &reason, None);
            reason.code().as_str().to_owned()
        }
    };
    metrics::counter!("tongxin_graphql_errors_total", "code" => code).increment(1);
}

/// After a mutation ran, anonymous and dashboard answers cached before it are no longer
/// served on any instance ([`AppState::public_changed`]).
pub async fn after_mutation(state: &AppState) {
    state.public_changed().await;
}
