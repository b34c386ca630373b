//! One integration test binary: the real app, real databases, real Redis.

mod accounts;
mod activities;
mod auth;
mod caching;
mod calendar;
mod care;
mod contract;
mod dashboard;
mod feedback;
mod helpers;
mod hostile;
mod hours;
mod http;
mod messages;
mod pagination;
mod pairings;
mod party;
mod phones;
mod records;
mod registrations;
mod reports;
mod services;
mod summaries;
mod surveys;
