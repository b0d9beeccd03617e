//! The enterprise complaint center: key projects hooked to it and their weekly
//! progress.

use crate::AppState;
use crate::error::ApiResult;
use crate::extract::{Body, Staff};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};
use tongban_domain::enterprise::ProgressInput;
use tongban_store::enterprise::{self, ProgressView};
use tongban_store::time;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/key-projects", get(list).post(hook))
        .route("/api/v1/key-projects/{code}/progress", post(progress))
}

async fn list(State(s): State<AppState>, Staff(_): Staff) -> ApiResult<Json<Value>> {
    Ok(Json(
        json!({ "projects": enterprise::hooked(&s.store).await? }),
    ))
}

#[derive(Deserialize)]
struct HookBody {
    #[serde(default)]
    project: String,
    #[serde(default)]
    responsible: String,
}

async fn hook(
    State(s): State<AppState>,
    Staff(p): Staff,
    Body(b): Body<HookBody>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let today = time::local_day(time::now());
    enterprise::hook(&s.store, &p, &b.project, &b.responsible, today).await?;
    Ok((
        StatusCode::CREATED,
        Json(
            json!({ "project": b.project.trim(), "responsible": b.responsible.trim(), "hooked_on": time::day(today) }),
        ),
    ))
}

async fn progress(
    State(s): State<AppState>,
    Staff(p): Staff,
    Path(code): Path<String>,
    Body(b): Body<ProgressInput>,
) -> ApiResult<(StatusCode, Json<ProgressView>)> {
    Ok((
        StatusCode::CREATED,
        Json(enterprise::record_progress(&s.store, &p, &code, &b).await?),
    ))
}
