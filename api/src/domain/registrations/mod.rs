//! Registration with capacity and a first-come waitlist.

pub mod feed;
pub mod resolver;
pub mod rules;
pub mod service;
pub mod types;
