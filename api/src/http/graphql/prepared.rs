//! A request made ready to run: its persisted query resolved, its document checked and
//! parsed (once per text), its operation known.

use std::sync::Arc;

use async_graphql::parser::types::{
    DocumentOperations, ExecutableDocument, OperationDefinition, OperationType,
};
use sha2::{Digest, Sha256};

use crate::cache::CacheKey;
use crate::error::Reason;
use crate::graphql::limits::{self, Refusal};
use crate::http::AppContext;

use super::{RequestError, SIGN_IN_OR_OUT, WireRequest};

/// Resolves the APQ extension: fills in the query text of a known hash, and returns the
/// key to learn a new one under (stored once the document has parsed and validated, so
/// junk never takes space in the shared cache).
pub(super) async fn persisted_query(
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
        return Err(RequestError::bad_request(Reason::PersistedQueryHash));
    }
    let key = CacheKey::PersistedQuery {
        sha256: hash.clone(),
    };
    match &wire.query {
        Some(query) => {
            if hex::encode(Sha256::digest(query.as_bytes())) != hash {
                return Err(RequestError::bad_request(Reason::PersistedQueryMismatch));
            }
            Ok(Some(key))
        }
        None => match ctx.state.cache.get(&key).await {
            Some(query) => {
                wire.query = Some(query);
                Ok(None)
            }
            None => Err(RequestError::bad_request(Reason::PersistedQueryNotFound)),
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
    pub(super) fn parse(&self, query: &str) -> Result<Option<Arc<ExecutableDocument>>, Refusal> {
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
pub(super) struct Prepared {
    pub(super) wire: WireRequest,
    pub(super) doc: Option<Arc<ExecutableDocument>>,
    /// Where to learn the document as a persisted query once it proved valid.
    pub(super) persist: Option<Arc<CacheKey>>,
}

impl Prepared {
    /// Checks what may be checked before running and parses the document.
    pub(super) async fn new(ctx: &AppContext, mut wire: WireRequest) -> Result<Self, RequestError> {
        if wire
            .extensions
            .as_ref()
            .is_some_and(|ext| !ext.is_object() && !ext.is_null())
        {
            return Err(RequestError::malformed(Reason::NotGraphqlRequest));
        }
        let persist = persisted_query(ctx, &mut wire).await?;
        if wire.query.is_none() {
            return Err(RequestError::malformed(Reason::QueryMissing));
        }
        if let Some(variables) = &wire.variables {
            if !variables.is_object() && !variables.is_null() {
                return Err(RequestError::malformed(Reason::NotGraphqlRequest));
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
            return Err(RequestError::bad_request(Reason::OneSignInPerRequest));
        }
        Ok(prepared)
    }

    /// The named (or only) operation.
    pub(super) fn operation(&self) -> Option<&OperationDefinition> {
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

    pub(super) fn ty(&self) -> Option<OperationType> {
        self.operation().map(|op| op.ty)
    }

    /// Root fields, through fragments.
    pub(super) fn root_fields(&self) -> Vec<&str> {
        match (self.doc.as_deref(), self.operation()) {
            (Some(doc), Some(op)) => limits::root_field_names(doc, op),
            _ => Vec::new(),
        }
    }

    /// Whether an invalid access token may be ignored: the operation only signs in or out.
    pub(super) fn only_signs_in_or_out(&self) -> bool {
        let fields = self.root_fields();
        !fields.is_empty() && fields.iter().all(|f| SIGN_IN_OR_OUT.contains(f))
    }

    /// A query whose root fields are all `dashboard`: its answer may be cached for the
    /// user, if what it selects says so ([`may_keep`]).
    pub(super) fn asks_only_dashboard(&self) -> bool {
        self.ty() == Some(OperationType::Query) && {
            let fields = self.root_fields();
            !fields.is_empty() && fields.iter().all(|name| *name == "dashboard")
        }
    }
}
