//! Staff sign-in (`/login`, `/logout`, `/login/totp`) and the member's own account
//! (`/me`: second factor, password).

mod account;
mod login;

use crate::AppState;
use axum::Router;

pub fn router() -> Router<AppState> {
    Router::new()
        .merge(account::router())
        .merge(login::router())
}
