//! 12345 work orders: intake by agents, the closed-loop actions, scoped lists, and
//! the time limits by category that administrators configure.

use crate::AppState;
use crate::error::{ApiError, ApiResult};
use crate::extract::{Body, Query, Staff};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};
use tongban_store::hotline::{self, ActionInput, NewOrder, OrderFilter};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/work-orders", post(create).get(list))
        .route("/api/v1/work-orders/{no}", get(one))
        .route("/api/v1/work-orders/{no}/actions", post(act))
        .route(
            "/api/v1/hotline/deadlines",
            get(deadlines).put(set_deadlines),
        )
}

/// The time limits in force (any staff member).
async fn deadlines(State(s): State<AppState>, Staff(_): Staff) -> ApiResult<Json<Value>> {
    to_json(hotline::deadlines(&s.store).await?)
}

/// Sets time limits (administrators): `{ "consultation": 3, ..., "extension": 5 }`.
async fn set_deadlines(
    State(s): State<AppState>,
    Staff(p): Staff,
    Body(b): Body<serde_json::Map<String, Value>>,
) -> ApiResult<Json<Value>> {
    to_json(hotline::set_deadlines(&s.store, &p, &b).await?)
}

fn to_json<T: serde::Serialize>(v: T) -> ApiResult<Json<Value>> {
    Ok(Json(
        serde_json::to_value(v).map_err(|_| ApiError::internal())?,
    ))
}

async fn create(
    State(s): State<AppState>,
    Staff(p): Staff,
    Body(b): Body<NewOrder>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let order = hotline::create(&s.store, &p, &b).await?;
    Ok((StatusCode::CREATED, to_json(order)?))
}

#[derive(Deserialize)]
struct ListQuery {
    status: Option<String>,
    category: Option<String>,
    unit: Option<String>,
    page: Option<String>,
    per_page: Option<String>,
    emergency: Option<String>,
    awaiting_review: Option<String>,
    returned: Option<String>,
    co_unit: Option<String>,
    involvement: Option<String>,
    from: Option<String>,
    to: Option<String>,
    cursor: Option<String>,
}

async fn list(
    State(s): State<AppState>,
    Staff(p): Staff,
    Query(q): Query<ListQuery>,
) -> ApiResult<Json<Value>> {
    let f = OrderFilter {
        status: q.status,
        category: q.category,
        unit: q.unit,
        page: crate::api::optional_int("page", q.page.as_deref())?,
        per_page: crate::api::optional_int("per_page", q.per_page.as_deref())?,
        emergency: q.emergency,
        awaiting_review: q.awaiting_review,
        returned: q.returned,
        co_unit: q.co_unit,
        involvement: q.involvement,
        from: q.from,
        to: q.to,
        cursor: q.cursor,
    };
    let l = hotline::list(&s.store, &p, &f).await?;
    Ok(Json(json!({
        "work_orders": l.rows,
        "total": l.total.count,
        "total_more": l.total.more,
        "page": f.page.unwrap_or(1),
        "next_cursor": l.next_cursor,
    })))
}

async fn one(
    State(s): State<AppState>,
    Staff(p): Staff,
    Path(no): Path<String>,
) -> ApiResult<Json<Value>> {
    to_json(hotline::get(&s.store, &p, &no).await?)
}

async fn act(
    State(s): State<AppState>,
    Staff(p): Staff,
    Path(no): Path<String>,
    Body(b): Body<ActionInput>,
) -> ApiResult<Json<Value>> {
    to_json(hotline::act(&s.store, &p, &no, &b).await?)
}
