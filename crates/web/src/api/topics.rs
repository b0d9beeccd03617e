//! 12345 hot topics (热点诉求): orders clustered by subject and place over a window.

use crate::AppState;
use crate::error::{ApiError, ApiResult};
use crate::extract::{Query, Staff};
use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::Value;
use tongban_store::topics::{self, TopicQuery};

pub fn router() -> Router<AppState> {
    Router::new().route("/api/v1/hotline/topics", get(hot_topics))
}

#[derive(Deserialize)]
struct Params {
    from: Option<String>,
    to: Option<String>,
    min: Option<String>,
}

async fn hot_topics(
    State(s): State<AppState>,
    Staff(p): Staff,
    Query(q): Query<Params>,
) -> ApiResult<Json<Value>> {
    let query = TopicQuery {
        from: q.from,
        to: q.to,
        min: crate::api::optional_int("min", q.min.as_deref())?,
    };
    let report = topics::hot_topics(&s.store, &p, &query).await?;
    Ok(Json(
        serde_json::to_value(report).map_err(|_| ApiError::internal())?,
    ))
}
