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
use crate::error::Code;

/// Every error carries `extensions.code`, as the contract promises, and is counted by it.
///
/// Resolvers raise [`crate::error::AppError`], which brings its code. An error without one
/// was raised by the executor itself, or by a resolver's `?` on some other error type:
/// - no code and no source: the executor refused the document (parse, validation, limits;
///   no path) or could not coerce an argument (with a path): the client's, BAD_USER_INPUT;
/// - no code but a source: a foreign error converted by `?` (async-graphql keeps it as the
///   source), a bug whose text may carry internals: logged and masked as INTERNAL.
pub fn ensure_codes(response: &mut Response) {
    for error in &mut response.errors {
        ensure_code(error);
    }
}

fn ensure_code(error: &mut ServerError) {
    let code = error
        .extensions
        .as_ref()
        .and_then(|ext| ext.get("code"))
        .map(|code| code.to_string().trim_matches('"').to_owned());
    let code = match code {
        Some(code) => code,
        None => {
            let code = if error.source.is_some() {
                tracing::error!(error = %error.message, path = ?error.path, "unclassified resolver error");
                error.message = "internal error".to_owned();
                error.source = None;
                Code::Internal
            } else {
                Code::BadUserInput
            };
            error
                .extensions
                .get_or_insert_with(Default::default)
                .set("code", code.as_str());
            code.as_str().to_owned()
        }
    };
    metrics::counter!("tongxin_graphql_errors_total", "code" => code).increment(1);
}

/// After a mutation ran, anonymous and dashboard answers cached before it are no longer
/// served on any instance ([`AppState::public_changed`]).
pub async fn after_mutation(state: &AppState) {
    state.public_changed().await;
}
