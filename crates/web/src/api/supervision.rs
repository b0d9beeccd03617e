//! Window supervision's registers: banners (锦旗) and innovation measures (创新举措),
//! read by staff and kept by the office's supervisors.

use crate::AppState;
use crate::error::ApiResult;
use crate::extract::{Body, Staff};
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{Value, json};
use tongban_domain::supervision::{BannerInput, CommendationKind, InnovationInput, PatrolInput};
use tongban_store::supervision::{self, CommendationView, PatrolView};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/banners", get(banners).post(add_banner))
        .route("/api/v1/innovations", get(innovations).post(add_innovation))
        .route("/api/v1/patrols", get(patrols).post(add_patrol))
}

async fn patrols(State(s): State<AppState>, Staff(_): Staff) -> ApiResult<Json<Value>> {
    Ok(Json(
        json!({ "patrols": supervision::patrols(&s.store).await? }),
    ))
}

/// A patrol without its photo (the page takes the photo at the window).
async fn add_patrol(
    State(s): State<AppState>,
    Staff(p): Staff,
    Body(b): Body<PatrolInput>,
) -> ApiResult<(StatusCode, Json<PatrolView>)> {
    Ok((
        StatusCode::CREATED,
        Json(supervision::record_patrol(&s.store, &p, &b, None).await?),
    ))
}

async fn banners(State(s): State<AppState>, Staff(_): Staff) -> ApiResult<Json<Value>> {
    let rows = supervision::list(&s.store, CommendationKind::Banner).await?;
    Ok(Json(json!({ "banners": rows })))
}

async fn innovations(State(s): State<AppState>, Staff(_): Staff) -> ApiResult<Json<Value>> {
    let rows = supervision::list(&s.store, CommendationKind::Innovation).await?;
    Ok(Json(json!({ "innovations": rows })))
}

async fn add_banner(
    State(s): State<AppState>,
    Staff(p): Staff,
    Body(b): Body<BannerInput>,
) -> ApiResult<(StatusCode, Json<CommendationView>)> {
    Ok((
        StatusCode::CREATED,
        Json(supervision::record_banner(&s.store, &p, &b).await?),
    ))
}

async fn add_innovation(
    State(s): State<AppState>,
    Staff(p): Staff,
    Body(b): Body<InnovationInput>,
) -> ApiResult<(StatusCode, Json<CommendationView>)> {
    Ok((
        StatusCode::CREATED,
        Json(supervision::record_innovation(&s.store, &p, &b).await?),
    ))
}
