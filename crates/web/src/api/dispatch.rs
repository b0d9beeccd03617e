//! 12345 dispatch catalog (派单目录): the rules, and the unit it gives an order.

use crate::AppState;
use crate::error::{ApiError, ApiResult};
use crate::extract::{Body, Staff};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{delete, get};
use axum::{Json, Router};
use serde_json::{Value, json};
use tongban_store::dispatch::{self, RuleInput};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/hotline/dispatch-rules", get(rules).post(add_rule))
        .route("/api/v1/hotline/dispatch-rules/{id}", delete(delete_rule))
        .route("/api/v1/work-orders/{no}/suggested-unit", get(suggested))
}

fn to_json<T: serde::Serialize>(v: T) -> ApiResult<Json<Value>> {
    Ok(Json(
        serde_json::to_value(v).map_err(|_| ApiError::internal())?,
    ))
}

async fn rules(State(s): State<AppState>, Staff(_): Staff) -> ApiResult<Json<Value>> {
    Ok(Json(json!({ "rules": dispatch::rules(&s.store).await? })))
}

async fn add_rule(
    State(s): State<AppState>,
    Staff(p): Staff,
    Body(b): Body<RuleInput>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let rule = dispatch::add_rule(&s.store, &p, &b).await?;
    Ok((StatusCode::CREATED, to_json(rule)?))
}

async fn delete_rule(
    State(s): State<AppState>,
    Staff(p): Staff,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    let id = crate::api::kb::parse_id(&id)?;
    dispatch::delete_rule(&s.store, &p, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn suggested(
    State(s): State<AppState>,
    Staff(p): Staff,
    Path(no): Path<String>,
) -> ApiResult<Json<Value>> {
    let suggestion = tongban_store::hotline::dispatch_suggestion(&s.store, &p, &no).await?;
    Ok(Json(json!({ "suggestion": suggestion })))
}
