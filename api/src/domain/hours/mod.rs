//! Check-in, check-out and reviewed service hours.

pub mod resolver;
pub mod service;
pub mod types;
