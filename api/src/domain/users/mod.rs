//! Accounts, sessions and volunteers.

pub mod resolver;
pub mod service;
pub mod types;
pub mod wechat;
