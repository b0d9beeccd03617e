//! Departments and service points.

use crate::AppState;
use crate::error::ApiResult;
use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{Value, json};
use tongban_store::org;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/departments", get(departments))
        .route("/api/v1/points", get(points))
}

async fn departments(State(s): State<AppState>) -> ApiResult<Json<Value>> {
    let list = org::departments(&s.store).await?;
    Ok(Json(json!({ "departments": list, "total": list.len() })))
}

async fn points(State(s): State<AppState>) -> ApiResult<Json<Value>> {
    let list = org::points(&s.store).await?;
    Ok(Json(json!({ "points": list, "total": list.len() })))
}
