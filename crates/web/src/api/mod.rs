//! The JSON API (`/api/v1`). Paths and field names here are a public contract.

mod after_checks;
mod audit;
mod auth;
mod bundles;
mod calendar;
mod cases;
mod codes;
mod dispatch;
mod enterprise;
mod figures;
mod hotline;
mod intake;
mod intermediary;
mod items;
pub(crate) mod kb;
mod licenses;
mod org;
mod projects;
mod reforms;
mod registration;
mod supervision;
mod topics;
mod trading;

use crate::AppState;
use crate::error::ApiError;
use axum::Router;
use axum::routing::get;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/healthz", get(healthz))
        .merge(auth::router())
        .merge(org::router())
        .merge(items::router())
        .merge(cases::router())
        .merge(licenses::router())
        .merge(calendar::router())
        .merge(codes::router())
        .merge(audit::router())
        .merge(hotline::router())
        .merge(figures::router())
        .merge(intake::router())
        .merge(kb::router())
        .merge(topics::router())
        .merge(dispatch::router())
        .merge(projects::router())
        .merge(registration::router())
        .merge(reforms::router())
        .merge(after_checks::router())
        .merge(bundles::router())
        .merge(supervision::router())
        .merge(enterprise::router())
        .merge(intermediary::router())
        .merge(trading::router())
}

/// `ok` when this node can read and write its database; otherwise 503 with the reason
/// (a full disk, a read-only database, no connection), for load balancers and
/// monitoring.
async fn healthz(
    axum::extract::State(s): axum::extract::State<AppState>,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    match s.store.health().await {
        Ok(()) => "ok".into_response(),
        Err(reason) => {
            tracing::warn!(reason, "health check failed");
            ApiError::new(
                axum::http::StatusCode::SERVICE_UNAVAILABLE,
                "unavailable",
                reason,
            )
            .into_response()
        }
    }
}

pub async fn not_found() -> ApiError {
    ApiError::not_found("请求的地址不存在")
}

/// An optional whole number from a query string: absent or empty is `None`, anything
/// else that is not a number is a field error, not a 500.
pub(crate) fn optional_int(field: &str, v: Option<&str>) -> Result<Option<i64>, ApiError> {
    match v.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) => s
            .parse()
            .map(Some)
            .map_err(|_| ApiError::invalid(field, format!("{field} 应为整数"))),
    }
}

/// A page request's `page` that is not a number gets a field error, not a 500.
pub(crate) fn require(cond: bool, field: &str, message: &str) -> Result<(), ApiError> {
    if cond {
        Ok(())
    } else {
        Err(ApiError::invalid(field, message))
    }
}
