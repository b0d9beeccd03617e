//! The catalog's reform decisions (取消、转移、暂停、合并、下放 with their 文号) and the
//! baseline day the cut figures count from.

use crate::AppState;
use crate::error::{ApiError, ApiResult};
use crate::extract::{Body, Staff};
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};
use tongban_domain::reform::ReformInput;
use tongban_store::reforms::{self, ReformView};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/catalog/reforms", get(list).post(decide))
        .route("/api/v1/catalog/reform-baseline", post(baseline))
}

async fn list(State(s): State<AppState>, Staff(_): Staff) -> ApiResult<Json<Value>> {
    let mut rd = s.store.reader().await.map_err(ApiError::from)?;
    let base = reforms::baseline(&mut rd).await?;
    drop(rd);
    Ok(Json(json!({
        "baseline": base.map(|d| d.to_string()),
        "reforms": reforms::list(&s.store).await?,
    })))
}

async fn decide(
    State(s): State<AppState>,
    Staff(p): Staff,
    Body(b): Body<ReformInput>,
) -> ApiResult<(StatusCode, Json<ReformView>)> {
    Ok((
        StatusCode::CREATED,
        Json(reforms::decide(&s.store, &p, &b).await?),
    ))
}

#[derive(Deserialize)]
struct Baseline {
    #[serde(default)]
    baseline: String,
}

async fn baseline(
    State(s): State<AppState>,
    Staff(p): Staff,
    Body(b): Body<Baseline>,
) -> ApiResult<Json<Value>> {
    let d = reforms::set_baseline(&s.store, &p, &b.baseline).await?;
    Ok(Json(json!({ "baseline": d.to_string() })))
}
