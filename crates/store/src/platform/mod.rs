//! What every area stands on: the organisation and its accounts (roles, sessions,
//! the second factor, throttles), the tamper-evident audit chain and row seals,
//! protection of personal data (SM3/SM4), API keys for outside systems, uploaded
//! files, the working-day calendar, the office's settings, and the database's health.

pub mod accounts;
pub mod api_keys;
pub mod audit;
pub mod calendar;
pub mod files;
pub mod health;
pub mod org;
pub mod protect;
pub mod seal;
pub mod settings;
pub mod throttle;
