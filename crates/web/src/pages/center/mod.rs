//! The service center's staff side: the workbench and case files (`/workbench`), the
//! window counter (`/workbench/accept`), and window supervision (`/supervision`).

mod after_checks;
mod counter;
mod notices;
mod supervision;
mod workbench;

use crate::AppState;
use axum::Router;

pub fn router() -> Router<AppState> {
    Router::new()
        .merge(after_checks::router())
        .merge(counter::router())
        .merge(notices::router())
        .merge(supervision::router())
        .merge(workbench::router())
}
