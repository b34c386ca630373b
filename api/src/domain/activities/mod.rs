//! Plans, activities and their lifecycle.

pub mod loaders;
pub mod resolver;
pub mod service;
pub mod types;
