//! Slices of lists, as services take and return them.

/// Items per page unless asked otherwise, and the most a page holds.
pub const DEFAULT_PAGE: u64 = 20;
pub const MAX_PAGE: u64 = 100;

/// Which slice of a list: skip `offset`, take `limit`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageRequest {
    pub offset: u64,
    pub limit: u64,
}

impl PageRequest {
    /// One more than asked, to know whether a next page exists.
    pub fn fetch_limit(&self) -> u64 {
        self.limit + 1
    }
}

/// A slice of a list: its items, the list's total, and where the next slice starts.
#[derive(Debug, Clone)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub total: u64,
    /// The position of the first item in the whole list.
    pub offset: u64,
    /// Where the next page starts, if there is one.
    pub next: Option<u64>,
}

impl<T> Page<T> {
    /// From rows fetched with [`PageRequest::fetch_limit`]: the extra row only says that
    /// more follow.
    pub fn from_rows(mut rows: Vec<T>, request: PageRequest, total: u64) -> Self {
        let more = rows.len() as u64 > request.limit;
        rows.truncate(request.limit as usize);
        let next = more.then(|| request.offset + rows.len() as u64);
        Page {
            items: rows,
            total,
            offset: request.offset,
            next,
        }
    }

    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Page<U> {
        Page {
            items: self.items.into_iter().map(f).collect(),
            total: self.total,
            offset: self.offset,
            next: self.next,
        }
    }
}
