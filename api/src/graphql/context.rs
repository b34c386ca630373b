//! What every resolver reaches through its `Context`, and ids as clients see them.

use async_graphql::{Context, ID, MaybeUndefined};

use crate::auth::Viewer;
use crate::context::AppState;
use crate::domain::input::Change;
use crate::error::{AppError, AppResult, Reason};

pub trait ContextExt {
    fn state(&self) -> &AppState;
    fn viewer(&self) -> &Viewer;
}

impl ContextExt for Context<'_> {
    fn state(&self) -> &AppState {
        self.data_unchecked::<AppState>()
    }
    fn viewer(&self) -> &Viewer {
        self.data_unchecked::<Viewer>()
    }
}

/// IDs are opaque strings to clients; here they are row numbers.
pub fn parse_id(id: &ID, field: &str) -> AppResult<i32> {
    id.parse::<i32>()
        .ok()
        .filter(|n| *n > 0)
        .ok_or_else(|| AppError::input(field, Reason::InvalidId))
}

pub fn parse_opt_id(id: Option<&ID>, field: &str) -> AppResult<Option<i32>> {
    id.map(|id| parse_id(id, field)).transpose()
}

pub fn to_id(id: i32) -> ID {
    ID(id.to_string())
}

/// A GraphQL patch field as the services take it.
pub fn change<T>(value: MaybeUndefined<T>) -> Change<T> {
    match value {
        MaybeUndefined::Undefined => Change::Keep,
        MaybeUndefined::Null => Change::Clear,
        MaybeUndefined::Value(value) => Change::Set(value),
    }
}

/// A patch field holding an id: parsed, with the field named in the error.
pub fn change_id(value: MaybeUndefined<ID>, field: &str) -> AppResult<Change<i32>> {
    change(value).try_map(|id| parse_id(&id, field))
}
