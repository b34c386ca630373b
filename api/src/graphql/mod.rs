//! The GraphQL schema: merged per-domain roots, limits, loaders, pagination, scalars.

pub mod loaders;
pub mod pagination;
pub mod scalars;
pub mod schema;

pub use schema::{AppSchema, build_schema, export_sdl};
