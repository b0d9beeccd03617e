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
        .route("/api/v1/assessment", get(assessment))
        .route("/api/v1/assessment/weights", axum::routing::post(weights))
}

#[derive(serde::Deserialize)]
struct QuarterQuery {
    quarter: Option<String>,
}

/// A quarter's window assessment (the current quarter when none is asked).
async fn assessment(
    State(s): State<AppState>,
    Staff(_): Staff,
    crate::extract::Query(q): crate::extract::Query<QuarterQuery>,
) -> ApiResult<Json<tongban_store::supervision::Assessment>> {
    let quarter = q
        .quarter
        .filter(|q| !q.trim().is_empty())
        .unwrap_or_else(|| {
            tongban_domain::supervision::Quarter::of(tongban_store::time::local_day(
                tongban_store::time::now(),
            ))
            .to_string()
        });
    Ok(Json(supervision::assess(&s.store, &quarter).await?))
}

#[derive(serde::Deserialize)]
struct WeightsBody {
    #[serde(default)]
    quarter: String,
    patrols: Option<i64>,
    visits: Option<i64>,
    ratings: Option<i64>,
    on_time: Option<i64>,
    complaints: Option<i64>,
    commendations: Option<i64>,
}

async fn weights(
    State(s): State<AppState>,
    Staff(p): Staff,
    Body(b): Body<WeightsBody>,
) -> ApiResult<Json<Value>> {
    let typed = [
        b.patrols,
        b.visits,
        b.ratings,
        b.on_time,
        b.complaints,
        b.commendations,
    ];
    let w = supervision::set_weights(&s.store, &p, &b.quarter, &typed).await?;
    Ok(Json(
        json!({ "quarter": b.quarter.trim().to_uppercase(), "weights": w.0 }),
    ))
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
