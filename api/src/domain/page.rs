//! Slices of ordered lists, as services take and return them: keyset pagination.
//!
//! A page starts after (or ends before) a row's position in the list's order, given by that
//! row's sort values, never by an offset: an activity published between two page fetches
//! does not shift the next page, so infinite scroll neither repeats nor skips. Each list
//! declares its order once ([`Order`]); the same declaration sorts, filters past the anchor
//! and reads the position of every returned row.
//!
//! Our own rather than sea-orm's `Cursor`: that one pages by plain columns in one direction,
//! while our lists sort by expressions (dated before undated, the activity's end through a
//! subquery, open rectifications first) and mix directions (open ones first, newest first).

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Condition, Expr, ExprTrait, NullOrdering, SimpleExpr};
use sea_orm::{
    EntityTrait, IntoSimpleExpr, Order as SqlOrder, QueryFilter, QueryOrder, QuerySelect, Select,
    Value,
};
use serde::{Deserialize, Serialize};

use crate::error::{AppError, AppResult, Reason};

/// Items per page unless asked otherwise, and the most a page holds.
pub const DEFAULT_PAGE: u64 = 20;
pub const MAX_PAGE: u64 = 100;

/// One sort value of a row's position. Short serde tags keep cursors short.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum KeyValue {
    #[serde(rename = "n")]
    Null,
    #[serde(rename = "i")]
    Int(i64),
    #[serde(rename = "t")]
    Time(DateTime<Utc>),
}

impl From<Option<i32>> for KeyValue {
    fn from(value: Option<i32>) -> Self {
        value.map_or(KeyValue::Null, KeyValue::from)
    }
}

impl From<i32> for KeyValue {
    fn from(value: i32) -> Self {
        KeyValue::Int(value.into())
    }
}

impl From<bool> for KeyValue {
    fn from(value: bool) -> Self {
        KeyValue::Int(value.into())
    }
}

impl From<Option<DateTime<Utc>>> for KeyValue {
    fn from(value: Option<DateTime<Utc>>) -> Self {
        value.map_or(KeyValue::Null, KeyValue::Time)
    }
}

impl From<DateTime<Utc>> for KeyValue {
    fn from(value: DateTime<Utc>) -> Self {
        KeyValue::Time(value)
    }
}

/// A row's position: its sort values in the order's sequence (the last is always its id).
pub type Key = Vec<KeyValue>;

/// The type of one sort expression's values: what a position from a cursor must hold there.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyKind {
    Int,
    Time,
    /// May be NULL: NULLs sort last in the list's order, on every database.
    NullableInt,
    NullableTime,
}

impl KeyKind {
    fn nullable(self) -> bool {
        matches!(self, KeyKind::NullableInt | KeyKind::NullableTime)
    }
}

struct Sort {
    expr: SimpleExpr,
    desc: bool,
    kind: KeyKind,
}

/// A list's order: sort expressions, the last of which must be unique (the id).
pub struct Order(Vec<Sort>);

/// Which slice of a list: up to `limit` rows after `after` (forward), or the last `limit`
/// rows before `before` (backward), in the list's order either way.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct PageRequest {
    pub limit: u64,
    pub after: Option<Key>,
    pub before: Option<Key>,
    /// The last rows (`last`), rather than the first (`first`).
    pub backward: bool,
}

impl PageRequest {
    /// The first page of `limit` rows.
    pub fn first(limit: u64) -> Self {
        PageRequest {
            limit,
            ..Default::default()
        }
    }

    /// One more than asked, to know whether more follow.
    pub fn fetch_limit(&self) -> u64 {
        self.limit + 1
    }
}

/// A slice of a list: its items with their positions, the list's total, and whether rows
/// exist on either side.
#[derive(Debug, Clone)]
pub struct Page<T> {
    pub items: Vec<T>,
    /// The position of each item, for its cursor.
    pub keys: Vec<Key>,
    pub total: u64,
    pub has_next: bool,
    pub has_previous: bool,
}

impl<T> Page<T> {
    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Page<U> {
        Page {
            items: self.items.into_iter().map(f).collect(),
            keys: self.keys,
            total: self.total,
            has_next: self.has_next,
            has_previous: self.has_previous,
        }
    }
}

impl Order {
    pub fn new() -> Self {
        Order(Vec::new())
    }

    pub fn asc(self, expr: impl IntoSimpleExpr, kind: KeyKind) -> Self {
        self.by(expr, false, kind)
    }

    pub fn desc(self, expr: impl IntoSimpleExpr, kind: KeyKind) -> Self {
        self.by(expr, true, kind)
    }

    fn by(mut self, expr: impl IntoSimpleExpr, desc: bool, kind: KeyKind) -> Self {
        self.0.push(Sort {
            expr: expr.into_simple_expr(),
            desc,
            kind,
        });
        self
    }

    /// Refuses a position that is not one of this order's (a cursor of another list, or
    /// forged): BAD_USER_INPUT on the cursor's argument, never a database error.
    fn check(&self, key: &Key, field: &str) -> AppResult<()> {
        let fits = key.len() == self.0.len()
            && self.0.iter().zip(key).all(|(sort, value)| {
                matches!(
                    (sort.kind, value),
                    (KeyKind::Int | KeyKind::NullableInt, KeyValue::Int(_))
                        | (KeyKind::Time | KeyKind::NullableTime, KeyValue::Time(_))
                        | (KeyKind::NullableInt | KeyKind::NullableTime, KeyValue::Null)
                )
            });
        if fits {
            Ok(())
        } else {
            Err(AppError::input(field, Reason::InvalidCursor))
        }
    }

    /// Rows strictly past `key` in the direction of travel: `(k1 > v1) OR (k1 = v1 AND k2 >
    /// v2) OR …`, each comparison turned for descending keys and for backward travel. NULLs
    /// sort last in the list's order: travelling forward, every NULL is past a value and
    /// nothing is past a NULL; backward, the reverse.
    fn past(&self, key: &Key, backward: bool) -> Condition {
        let mut any = Condition::any();
        for (i, (sort, value)) in self.0.iter().zip(key).enumerate() {
            let mut term = Condition::all();
            for (earlier, earlier_value) in self.0.iter().zip(key).take(i) {
                let expr = Expr::expr(earlier.expr.clone());
                term = term.add(match sql_value(earlier_value) {
                    Some(v) => expr.eq(v),
                    None => expr.is_null(),
                });
            }
            let expr = Expr::expr(sort.expr.clone());
            let beyond = match sql_value(value) {
                Some(v) => {
                    let compared = if sort.desc == backward {
                        expr.clone().gt(v)
                    } else {
                        expr.clone().lt(v)
                    };
                    let mut beyond = Condition::any().add(compared);
                    if sort.kind.nullable() && !backward {
                        beyond = beyond.add(expr.is_null());
                    }
                    beyond
                }
                None if backward => Condition::all().add(expr.is_not_null()),
                None => continue,
            };
            any = any.add(term.add(beyond));
        }
        any
    }

    /// Refuses a page whose cursors are not positions of this order.
    pub fn check_page(&self, page: &PageRequest) -> AppResult<()> {
        if let Some(after) = &page.after {
            self.check(after, "after")?;
        }
        if let Some(before) = &page.before {
            self.check(before, "before")?;
        }
        Ok(())
    }

    /// The select for one page: the anchor's condition, the order (reversed when travelling
    /// backward) and one row more than the page, to know whether more follow.
    pub fn apply<E: EntityTrait>(
        &self,
        mut select: Select<E>,
        page: &PageRequest,
    ) -> AppResult<Select<E>> {
        self.check_page(page)?;
        if let Some(after) = &page.after {
            select = select.filter(self.past(after, false));
        }
        if let Some(before) = &page.before {
            select = select.filter(self.past(before, true));
        }
        for sort in &self.0 {
            let order = if sort.desc == page.backward {
                SqlOrder::Asc
            } else {
                SqlOrder::Desc
            };
            select = if sort.kind.nullable() {
                // Explicit, since PostgreSQL sorts NULLs last and SQLite first by default.
                let nulls = if page.backward {
                    NullOrdering::First
                } else {
                    NullOrdering::Last
                };
                select.order_by_with_nulls(sort.expr.clone(), order, nulls)
            } else {
                select.order_by(sort.expr.clone(), order)
            };
        }
        Ok(select.limit(page.fetch_limit()))
    }
}

impl Default for Order {
    fn default() -> Self {
        Order::new()
    }
}

fn sql_value(value: &KeyValue) -> Option<Value> {
    match value {
        KeyValue::Null => None,
        KeyValue::Int(n) => Some((*n).into()),
        KeyValue::Time(at) => Some((*at).into()),
    }
}

/// The page from rows fetched by [`Order::apply`] (in travel order, one more than asked at
/// most): the extra row only says that more follow; backward pages are turned back into
/// the list's order. A page that starts past a cursor has rows before it (the cursor's
/// own row at least), as Relay allows a server to answer cheaply.
pub fn page_from_rows<T>(
    mut rows: Vec<T>,
    page: &PageRequest,
    total: u64,
    key: impl Fn(&T) -> Key,
) -> Page<T> {
    let more = rows.len() as u64 > page.limit;
    rows.truncate(page.limit as usize);
    if page.backward {
        rows.reverse();
    }
    let keys = rows.iter().map(key).collect();
    let (has_next, has_previous) = if page.backward {
        (page.before.is_some(), more)
    } else {
        (more, page.after.is_some())
    };
    Page {
        items: rows,
        keys,
        total,
        has_next,
        has_previous,
    }
}

/// The total and the rows of a list that is usually shorter than a page (one resident's
/// answers): the rows first, and the count only when they fill the first page, since a
/// first page that is not full is the whole list. Any other page sends both at once, as
/// [`fetch`] does.
pub async fn rows_then_total<T, E>(
    page: &PageRequest,
    rows: impl Future<Output = Result<Vec<T>, E>>,
    count: impl Future<Output = Result<u64, E>>,
) -> Result<(u64, Vec<T>), E> {
    if page.after.is_some() || page.before.is_some() || page.backward {
        return futures::try_join!(count, rows);
    }
    let rows = rows.await?;
    let total = match rows.len() as u64 {
        n if n <= page.limit => n,
        _ => count.await?,
    };
    Ok((total, rows))
}

/// Counts the list and reads the page: two statements, sent at once (on a pool they run
/// side by side, so a page costs one round trip, not two).
pub async fn fetch<E, C>(
    db: &C,
    select: Select<E>,
    order: &Order,
    page: &PageRequest,
    key: impl Fn(&E::Model) -> Key,
) -> AppResult<Page<E::Model>>
where
    E: EntityTrait,
    E::Model: Sync,
    C: sea_orm::ConnectionTrait,
{
    use sea_orm::PaginatorTrait as _;
    let rows = order.apply(select.clone(), page)?;
    let (total, rows) = futures::try_join!(select.count(db), rows.all(db))?;
    Ok(page_from_rows(rows, page, total, key))
}

/// [`fetch`] with each row's related row of `R` read in the same statement (a left join):
/// for lists whose items show one related row each (a registration's activity), which
/// would otherwise cost a second round trip after the page.
pub async fn fetch_also<E, R, C>(
    db: &C,
    select: Select<E>,
    related: R,
    order: &Order,
    page: &PageRequest,
    key: impl Fn(&E::Model) -> Key,
) -> AppResult<Page<(E::Model, Option<R::Model>)>>
where
    E: EntityTrait + sea_orm::Related<R>,
    R: EntityTrait,
    E::Model: Sync,
    R::Model: Sync,
    C: sea_orm::ConnectionTrait,
{
    use sea_orm::PaginatorTrait as _;
    let rows = order
        .apply(select.clone(), page)?
        .find_also_related(related);
    let (total, rows) = futures::try_join!(select.count(db), rows.all(db))?;
    Ok(page_from_rows(rows, page, total, |(row, _)| key(row)))
}

/// A page of a list whose order the database does not hold (a due date computed from the
/// visit rule, say), from all its rows sorted by `key` ascending: the same keyset
/// positions and cursors as [`fetch`], the anchor compared in memory. For short lists only
/// (a department's care register, one elder's visits), which are read whole anyway. Each
/// position is `width` whole numbers; any other cursor is BAD_USER_INPUT.
pub fn slice_sorted<T>(
    rows: Vec<T>,
    width: usize,
    page: &PageRequest,
    key: impl Fn(&T) -> Vec<i64>,
) -> AppResult<Page<T>> {
    let anchor = |position: &Option<Key>, field: &str| -> AppResult<Option<Vec<i64>>> {
        position
            .as_ref()
            .map(|position| {
                if position.len() != width {
                    return Err(AppError::input(field, Reason::InvalidCursor));
                }
                position
                    .iter()
                    .map(|value| match value {
                        KeyValue::Int(n) => Ok(*n),
                        _ => Err(AppError::input(field, Reason::InvalidCursor)),
                    })
                    .collect()
            })
            .transpose()
    };
    let after = anchor(&page.after, "after")?;
    let before = anchor(&page.before, "before")?;
    let total = rows.len() as u64;
    let mut within: Vec<T> = rows
        .into_iter()
        .filter(|row| {
            let position = key(row);
            after.as_ref().is_none_or(|a| position > *a)
                && before.as_ref().is_none_or(|b| position < *b)
        })
        .collect();
    if page.backward {
        within.reverse();
    }
    within.truncate(page.fetch_limit() as usize);
    Ok(page_from_rows(within, page, total, |row| {
        key(row).into_iter().map(KeyValue::Int).collect()
    }))
}
