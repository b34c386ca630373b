//! Check-in, check-out and reviewed service hours.

pub mod corrections;
pub mod resolver;
pub mod rollups;
pub mod service;
pub mod types;
