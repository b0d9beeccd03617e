//! The public portal: home, service guides and the progress query (`home`), license
//! verification (`licenses`), and the applicant's account with online applications
//! (`applicant`: `/account`, `/apply`).

pub(crate) mod applicant;
mod home;
mod licenses;

use crate::AppState;
use axum::Router;

pub fn router() -> Router<AppState> {
    Router::new()
        .merge(applicant::router())
        .merge(home::router())
        .merge(licenses::router())
}
