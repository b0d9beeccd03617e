//! The enterprise complaint center: complaints taken, assigned, answered and turned
//! into coordination problems; key projects hooked to it and their weekly progress.

use crate::AppState;
use crate::error::ApiResult;
use crate::extract::{Body, Staff};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};
use tongban_domain::enterprise::{ComplaintInput, ProgressInput};
use tongban_store::enterprise::{self, ComplaintView, ProgressView, Show, Viewer};
use tongban_store::time;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/key-projects", get(list).post(hook))
        .route("/api/v1/key-projects/{code}/progress", post(progress))
        .route("/api/v1/complaints", get(complaints).post(take))
        .route("/api/v1/complaints/{no}", get(complaint))
        .route("/api/v1/complaints/{no}/assign", post(assign))
        .route("/api/v1/complaints/{no}/answer", post(answer))
        .route("/api/v1/complaints/{no}/coordinate", post(coordinate))
}

#[derive(Deserialize)]
struct ShowQuery {
    #[serde(default)]
    show: String,
}

async fn complaints(
    State(s): State<AppState>,
    Staff(p): Staff,
    Query(q): Query<ShowQuery>,
) -> ApiResult<Json<Value>> {
    let show = Show::parse(&q.show)?;
    Ok(Json(
        json!({ "complaints": enterprise::complaints(&s.store, &Viewer::Staff(&p), show).await? }),
    ))
}

async fn complaint(
    State(s): State<AppState>,
    Staff(p): Staff,
    Path(no): Path<String>,
) -> ApiResult<Json<ComplaintView>> {
    Ok(Json(
        enterprise::complaint(&s.store, &Viewer::Staff(&p), &no).await?,
    ))
}

async fn take(
    State(s): State<AppState>,
    Staff(p): Staff,
    Body(b): Body<ComplaintInput>,
) -> ApiResult<(StatusCode, Json<ComplaintView>)> {
    Ok((
        StatusCode::CREATED,
        Json(enterprise::take(&s.store, &p, &b).await?),
    ))
}

#[derive(Deserialize)]
struct AssignBody {
    #[serde(default)]
    department: String,
    #[serde(default)]
    limit_days: Option<u32>,
}

async fn assign(
    State(s): State<AppState>,
    Staff(p): Staff,
    Path(no): Path<String>,
    Body(b): Body<AssignBody>,
) -> ApiResult<Json<ComplaintView>> {
    let days = b.limit_days.map(|n| n.to_string()).unwrap_or_default();
    Ok(Json(
        enterprise::assign(&s.store, &p, &no, &b.department, &days).await?,
    ))
}

#[derive(Deserialize)]
struct AnswerBody {
    #[serde(default)]
    answer: String,
}

async fn answer(
    State(s): State<AppState>,
    Staff(p): Staff,
    Path(no): Path<String>,
    Body(b): Body<AnswerBody>,
) -> ApiResult<Json<ComplaintView>> {
    Ok(Json(
        enterprise::answer(&s.store, &p, &no, &b.answer).await?,
    ))
}

async fn coordinate(
    State(s): State<AppState>,
    Staff(p): Staff,
    Path(no): Path<String>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let problem = enterprise::coordinate(&s.store, &p, &no).await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({ "complaint": no, "problem": problem })),
    ))
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
