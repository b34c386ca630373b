//! 同心 Tongxin: the GraphQL backend of civilization-creation programs.

pub mod auth;
pub mod cache;
pub mod config;
pub mod context;
pub mod db;
pub mod domain;
pub mod error;
pub mod graphql;
pub mod http;
pub mod live;
pub mod messages;
pub mod seed;
pub mod startup;
pub mod telemetry;
