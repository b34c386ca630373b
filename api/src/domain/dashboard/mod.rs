//! Dashboards: aggregates computed by GROUP BY queries, cached by version.

pub mod queries;
pub mod resolver;
pub mod service;
pub mod types;
