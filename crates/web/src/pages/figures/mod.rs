//! Figures: the dashboards (`/dashboard`) and the work report (`/reports`).

mod dashboard;
mod reports;

use crate::AppState;
use axum::Router;

pub fn router() -> Router<AppState> {
    Router::new()
        .merge(dashboard::router())
        .merge(reports::router())
}
