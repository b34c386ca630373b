//! Relay cursor connections over keyset positions: `first`/`after` forward, `last`/`before`
//! backward; a page holds 20 rows unless asked otherwise and 100 at most. A cursor is the
//! row's position in the list's order (its sort values), opaque to clients.

use async_graphql::SimpleObject;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use crate::domain::page::Key;
use crate::error::{AppError, AppResult, Reason};

pub use crate::domain::page::{DEFAULT_PAGE, MAX_PAGE};

/// A page as the arguments `first`, `after`, `last` and `before` ask for it.
pub use crate::domain::page::PageRequest as Page;

/// The longest cursor accepted: a position of a few sort values is far shorter.
const MAX_CURSOR_CHARS: usize = 256;

/// The four Relay arguments of a connection field.
#[derive(Debug, Default, Clone)]
pub struct PageArgs {
    pub first: Option<i32>,
    pub after: Option<String>,
    pub last: Option<i32>,
    pub before: Option<String>,
}

impl Page {
    /// A forward page: `first` rows after the cursor `after`.
    pub fn new(first: Option<i32>, after: Option<&str>) -> AppResult<Self> {
        Page::from_args(PageArgs {
            first,
            after: after.map(str::to_owned),
            ..Default::default()
        })
    }

    /// Any page the four arguments can ask for. `first` with `last`, or `after` with
    /// `before`, are refused: the two directions in one request have no clear meaning.
    pub fn from_args(args: PageArgs) -> AppResult<Self> {
        if args.first.is_some() && args.last.is_some() {
            return Err(AppError::input("last", Reason::PagingBothWays));
        }
        if args.after.is_some() && args.before.is_some() {
            return Err(AppError::input("before", Reason::PagingBothWays));
        }
        let backward = args.last.is_some() || (args.before.is_some() && args.first.is_none());
        let (count, field) = if args.last.is_some() {
            (args.last, "last")
        } else {
            (args.first, "first")
        };
        let limit = match count {
            None => DEFAULT_PAGE,
            Some(n) if n < 0 => {
                return Err(AppError::input(field, Reason::Negative));
            }
            Some(n) => (n as u64).min(MAX_PAGE),
        };
        Ok(Page {
            limit,
            after: args
                .after
                .as_deref()
                .map(|c| decode_cursor(c, "after"))
                .transpose()?,
            before: args
                .before
                .as_deref()
                .map(|c| decode_cursor(c, "before"))
                .transpose()?,
            backward,
        })
    }
}

pub fn encode_cursor(key: &Key) -> String {
    // A Vec of plain enums always serializes.
    URL_SAFE_NO_PAD.encode(serde_json::to_vec(key).unwrap_or_default())
}

fn decode_cursor(cursor: &str, field: &str) -> AppResult<Key> {
    (cursor.len() <= MAX_CURSOR_CHARS)
        .then(|| URL_SAFE_NO_PAD.decode(cursor).ok())
        .flatten()
        .and_then(|bytes| serde_json::from_slice::<Key>(&bytes).ok())
        .filter(|key| !key.is_empty())
        .ok_or_else(|| AppError::input(field, Reason::InvalidCursor))
}

#[derive(Debug, Clone, SimpleObject)]
pub struct PageInfo {
    pub has_next_page: bool,
    /// Forward pages that start after a cursor answer true (the cursor's row precedes
    /// them), as Relay allows; backward pages count exactly.
    pub has_previous_page: bool,
    pub start_cursor: Option<String>,
    pub end_cursor: Option<String>,
}

/// Declares `XConnection` and `XEdge` for a node type, as the contract names them.
macro_rules! connection {
    ($conn:ident, $edge:ident, $node:ty) => {
        #[derive(async_graphql::SimpleObject)]
        pub struct $conn {
            pub edges: Vec<$edge>,
            pub page_info: $crate::graphql::pagination::PageInfo,
            pub total_count: i32,
        }

        #[derive(async_graphql::SimpleObject)]
        pub struct $edge {
            pub cursor: String,
            pub node: $node,
        }

        impl<M> From<$crate::domain::page::Page<M>> for $conn
        where
            $node: From<M>,
        {
            fn from(page: $crate::domain::page::Page<M>) -> Self {
                let edges: Vec<$edge> = page
                    .items
                    .into_iter()
                    .zip(&page.keys)
                    .map(|(item, key)| $edge {
                        cursor: $crate::graphql::pagination::encode_cursor(key),
                        node: <$node>::from(item),
                    })
                    .collect();
                $conn {
                    page_info: $crate::graphql::pagination::PageInfo {
                        has_next_page: page.has_next,
                        has_previous_page: page.has_previous,
                        start_cursor: edges.first().map(|edge| edge.cursor.clone()),
                        end_cursor: edges.last().map(|edge| edge.cursor.clone()),
                    },
                    edges,
                    total_count: i32::try_from(page.total).unwrap_or(i32::MAX),
                }
            }
        }
    };
}
pub(crate) use connection;
