//! "One thing" bundles (一件事一次办): the bundles in the catalog and their guides
//! (public), kept by administrators in versions; and the bundle applications the
//! comprehensive window files, one case per item.

use crate::AppState;
use crate::error::{ApiError, ApiResult};
use crate::extract::{Body, Query, Staff};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};
use tongban_domain::bundle::{BundleApplicationInput, BundleInput};
use tongban_store::bundles::{self, BundleApplicationView, BundleGuide, BundleView};
use tongban_store::cases::Creator;
use tongban_store::time;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/bundles", get(list).post(define))
        .route("/api/v1/bundles/{code}", get(guide))
        .route("/api/v1/bundles/{code}/applications", post(apply))
        .route("/api/v1/bundle-versions", get(history))
        .route("/api/v1/bundle-applications", get(applications))
        .route("/api/v1/bundle-applications/{no}", get(application))
}

/// The bundles in use today, for anyone.
async fn list(State(s): State<AppState>) -> ApiResult<Json<Value>> {
    let today = time::local_day(time::now());
    Ok(Json(
        json!({ "bundles": bundles::in_use(&s.store, today).await? }),
    ))
}

async fn guide(
    State(s): State<AppState>,
    Path(code): Path<String>,
) -> ApiResult<Json<BundleGuide>> {
    Ok(Json(bundles::guide(&s.store, &code).await?))
}

async fn define(
    State(s): State<AppState>,
    Staff(p): Staff,
    Body(b): Body<BundleInput>,
) -> ApiResult<(StatusCode, Json<BundleView>)> {
    Ok((
        StatusCode::CREATED,
        Json(bundles::define(&s.store, &p, &b).await?),
    ))
}

async fn history(State(s): State<AppState>, Staff(_): Staff) -> ApiResult<Json<Value>> {
    Ok(Json(
        json!({ "versions": bundles::history(&s.store).await? }),
    ))
}

async fn apply(
    State(s): State<AppState>,
    Staff(p): Staff,
    Path(code): Path<String>,
    Body(b): Body<BundleApplicationInput>,
) -> ApiResult<(StatusCode, Json<BundleApplicationView>)> {
    let v = bundles::apply(&s.store, Creator::Staff(&p), &code, &b, &[]).await?;
    Ok((StatusCode::CREATED, Json(v)))
}

#[derive(Deserialize)]
struct ListQuery {
    cursor: Option<String>,
}

async fn applications(
    State(s): State<AppState>,
    Staff(p): Staff,
    Query(q): Query<ListQuery>,
) -> ApiResult<Json<Value>> {
    let cursor = crate::api::optional_int("cursor", q.cursor.as_deref())?;
    if cursor.is_some_and(|c| c < 1) {
        return Err(ApiError::invalid("cursor", "cursor 应为正整数"));
    }
    let (rows, next) = bundles::applications(&s.store, &p, cursor).await?;
    Ok(Json(json!({ "applications": rows, "next_cursor": next })))
}

async fn application(
    State(s): State<AppState>,
    Staff(p): Staff,
    Path(no): Path<String>,
) -> ApiResult<Json<BundleApplicationView>> {
    Ok(Json(bundles::application(&s.store, &p, &no).await?))
}
