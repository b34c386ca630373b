//! One integration test binary: the real app, real databases, real Redis.

mod accounts;
mod activities;
mod auth;
mod caching;
mod calendar;
mod contract;
mod dashboard;
mod exports;
mod feed;
mod feedback;
mod helpers;
mod hostile;
mod hours;
mod http;
mod imports;
mod messages;
mod pagination;
mod pairings;
mod phones;
mod proofs;
mod records;
mod registrations;
mod services;
mod summaries;
mod surveys;
