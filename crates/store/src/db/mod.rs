//! The database itself: the group-commit writer, bulk loading, time stamps and the
//! migrations (whose numbered SQL files are in `../migrations`).

pub mod baseline;
pub mod bulk;
pub(crate) mod direct;
pub(crate) mod migrate;
pub(crate) mod pending;
pub mod time;
pub mod views;
pub(crate) mod writer;
