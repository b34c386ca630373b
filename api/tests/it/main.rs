//! One integration test binary: the real app, real databases, real Redis.

mod contract;
mod helpers;
mod http;
mod services;
