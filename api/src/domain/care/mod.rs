//! Care pairings (结对帮扶孤寡老人、空巢老人): a private register of elders, the volunteers
//! paired to them, visits by a rule of risk tiers, and figures that never name anyone.

pub mod hours;
pub mod resolver;
pub mod service;
pub mod types;
