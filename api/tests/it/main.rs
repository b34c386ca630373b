//! One integration test binary: the real app, real databases, real Redis.

mod activities;
mod contract;
mod helpers;
mod http;
mod registrations;
mod services;
