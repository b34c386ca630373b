//! Dashboards: aggregates computed by GROUP BY queries, cached by version.

pub mod resolver;
