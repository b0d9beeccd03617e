//! The 12345 hotline's pages: work orders (`/hotline`, the public form and progress,
//! API keys), the switch's calls and intake channels, the time limits and dispatch
//! rules, the knowledge base (`/kb`, `/hotline/kb`) and hot topics.

mod calls;
mod kb;
mod orders;
mod rules;
mod topics;

use crate::AppState;
use axum::Router;

pub fn router() -> Router<AppState> {
    Router::new()
        .merge(calls::router())
        .merge(kb::router())
        .merge(orders::router())
        .merge(rules::router())
        .merge(topics::router())
}
