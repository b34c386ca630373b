//! The product's capabilities, one module each: service (queries and rules), types
//! (GraphQL objects wrapping models), resolver (guard → service → convert).

pub mod access;
pub mod activities;
pub mod audit;
pub mod calendar;
pub mod care;
pub mod dashboard;
pub mod exports;
pub mod hours;
pub mod input;
pub mod notifications;
pub mod page;
pub mod pairings;
pub mod plans;
pub mod proofs;
pub mod registrations;
pub mod surveys;
pub mod users;
