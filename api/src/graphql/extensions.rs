//! What every GraphQL request goes through, as async-graphql extensions: each error gets
//! its code, and a mutation makes cached public answers stale before it returns.

use std::sync::Arc;

use async_graphql::extensions::{
    Extension, ExtensionContext, ExtensionFactory, NextExecute, NextParseQuery, NextRequest,
};
use async_graphql::parser::types::{DocumentOperations, ExecutableDocument, OperationType};
use async_graphql::{Response, ServerError, ServerResult, Variables};

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
pub struct ErrorCodes;

impl ExtensionFactory for ErrorCodes {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(ErrorCodes)
    }
}

#[async_trait::async_trait]
impl Extension for ErrorCodes {
    async fn request(&self, ctx: &ExtensionContext<'_>, next: NextRequest<'_>) -> Response {
        let mut response = next.run(ctx).await;
        for error in &mut response.errors {
            ensure_code(error);
        }
        response
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

/// After a mutation, anonymous and dashboard answers cached before it are no longer served
/// on any instance ([`AppState::public_changed`]): the one place that rule lives for the
/// API. The version is bumped once the mutation ran, before its answer leaves.
#[derive(Default)]
pub struct PublicVersion;

impl ExtensionFactory for PublicVersion {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(PublicVersionOfRequest::default())
    }
}

#[derive(Default)]
struct PublicVersionOfRequest {
    /// The document of this request, kept to learn the executed operation's type.
    document: std::sync::Mutex<Option<ExecutableDocument>>,
}

#[async_trait::async_trait]
impl Extension for PublicVersionOfRequest {
    async fn parse_query(
        &self,
        ctx: &ExtensionContext<'_>,
        query: &str,
        variables: &Variables,
        next: NextParseQuery<'_>,
    ) -> ServerResult<ExecutableDocument> {
        let document = next.run(ctx, query, variables).await?;
        // Only mutations matter; a document without any keeps nothing.
        let has_mutation = match &document.operations {
            DocumentOperations::Single(op) => op.node.ty == OperationType::Mutation,
            DocumentOperations::Multiple(ops) => {
                ops.values().any(|op| op.node.ty == OperationType::Mutation)
            }
        };
        if has_mutation {
            *self
                .document
                .lock()
                .unwrap_or_else(|poison| poison.into_inner()) = Some(document.clone());
        }
        Ok(document)
    }

    async fn execute(
        &self,
        ctx: &ExtensionContext<'_>,
        operation_name: Option<&str>,
        next: NextExecute<'_>,
    ) -> Response {
        let mutation = self
            .document
            .lock()
            .unwrap_or_else(|poison| poison.into_inner())
            .as_ref()
            .is_some_and(|doc| match (&doc.operations, operation_name) {
                (DocumentOperations::Single(op), _) => op.node.ty == OperationType::Mutation,
                (DocumentOperations::Multiple(ops), Some(name)) => ops
                    .get(name)
                    .is_some_and(|op| op.node.ty == OperationType::Mutation),
                (DocumentOperations::Multiple(_), None) => false,
            });
        let response = next.run(ctx, operation_name).await;
        if mutation && let Ok(state) = ctx.data::<AppState>() {
            state.public_changed().await;
        }
        response
    }
}
