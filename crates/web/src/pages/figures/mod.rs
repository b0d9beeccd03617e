//! Figures: the dashboards (`/dashboard`) and the work report (`/reports`).

mod dashboard;
mod displays;
pub(crate) mod reports;

use crate::AppState;
use axum::Router;

pub fn router() -> Router<AppState> {
    Router::new()
        .merge(dashboard::router())
        .merge(displays::router())
        .merge(reports::router())
}
