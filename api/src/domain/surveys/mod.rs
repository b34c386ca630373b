//! Satisfaction surveys (满意度调查), their responses and results, and the rectifications
//! (整改) that dissatisfied answers open.

pub mod appeals;
pub mod cases;
pub mod loaders;
pub mod rectifications;
pub mod resolver;
pub mod results;
pub mod service;
pub mod submission;
pub mod types;
