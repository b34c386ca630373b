//! Relay cursor connections over offset cursors: `first` defaults to 20 and is capped at 100.

use async_graphql::SimpleObject;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use crate::error::{AppError, AppResult, Reason};

pub use crate::domain::page::{DEFAULT_PAGE, MAX_PAGE};

/// A page as the arguments `first` and `after` ask for it.
pub use crate::domain::page::PageRequest as Page;

impl Page {
    pub fn new(first: Option<i32>, after: Option<&str>) -> AppResult<Self> {
        let limit = match first {
            None => DEFAULT_PAGE,
            Some(n) if n < 0 => {
                return Err(AppError::input("first", Reason::Negative));
            }
            Some(n) => (n as u64).min(MAX_PAGE),
        };
        let offset = match after {
            None => 0,
            Some(cursor) => decode_cursor(cursor)? + 1,
        };
        Ok(Page { offset, limit })
    }
}

pub fn encode_cursor(index: u64) -> String {
    URL_SAFE_NO_PAD.encode(format!("o:{index}"))
}

fn decode_cursor(cursor: &str) -> AppResult<u64> {
    URL_SAFE_NO_PAD
        .decode(cursor)
        .ok()
        .and_then(|bytes| String::from_utf8(bytes).ok())
        .and_then(|text| text.strip_prefix("o:").and_then(|n| n.parse().ok()))
        .ok_or_else(|| AppError::input("after", Reason::InvalidCursor))
}

#[derive(Debug, Clone, SimpleObject)]
pub struct PageInfo {
    pub has_next_page: bool,
    pub end_cursor: Option<String>,
}

/// Splits a fetched page (of up to `limit + 1` rows) into edges and page info.
pub fn paginate<T>(mut rows: Vec<T>, page: Page) -> (Vec<(String, T)>, PageInfo) {
    let has_next_page = rows.len() as u64 > page.limit;
    rows.truncate(page.limit as usize);
    let edges: Vec<(String, T)> = rows
        .into_iter()
        .enumerate()
        .map(|(i, row)| (encode_cursor(page.offset + i as u64), row))
        .collect();
    let end_cursor = edges.last().map(|(cursor, _)| cursor.clone());
    (
        edges,
        PageInfo {
            has_next_page,
            end_cursor,
        },
    )
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
                let offset = page.offset;
                let edges: Vec<$edge> = page
                    .items
                    .into_iter()
                    .enumerate()
                    .map(|(i, item)| $edge {
                        cursor: $crate::graphql::pagination::encode_cursor(offset + i as u64),
                        node: <$node>::from(item),
                    })
                    .collect();
                $conn {
                    page_info: $crate::graphql::pagination::PageInfo {
                        has_next_page: page.next.is_some(),
                        end_cursor: edges.last().map(|edge| edge.cursor.clone()),
                    },
                    edges,
                    total_count: i32::try_from(page.total).unwrap_or(i32::MAX),
                }
            }
        }

        impl $conn {
            pub fn new(
                rows: Vec<$node>,
                page: $crate::graphql::pagination::Page,
                total: u64,
            ) -> Self {
                let (edges, page_info) = $crate::graphql::pagination::paginate(rows, page);
                $conn {
                    edges: edges
                        .into_iter()
                        .map(|(cursor, node)| $edge { cursor, node })
                        .collect(),
                    page_info,
                    total_count: total as i32,
                }
            }
        }
    };
}
pub(crate) use connection;
