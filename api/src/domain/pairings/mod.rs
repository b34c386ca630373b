//! Communities and pairing arrangements (结对共建 / 挂点帮扶).

pub mod commitments;
pub mod party;
pub mod progress;
pub mod report;
pub mod resolver;
pub mod service;
pub mod types;
