//! Satisfaction surveys, responses and rectifications.

pub mod resolver;
pub mod service;
pub mod types;
