//! Accounts, sessions and volunteers.

pub mod accounts;
pub mod phone_codes;
pub mod records;
pub mod resolver;
pub mod service;
pub mod stars;
pub mod types;
pub mod wechat;
