//! Construction projects (工程建设项目): registered at the comprehensive window with
//! the national platform's code, listed and read by the staff who take part.

use crate::AppState;
use crate::error::ApiResult;
use crate::extract::{Body, Query, Staff};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};
use tongban_domain::project::ProjectInput;
use tongban_store::projects::{self, ProjectFilter, ProjectView};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/projects", get(list).post(create))
        .route("/api/v1/projects/{code}", get(one))
}

async fn create(
    State(s): State<AppState>,
    Staff(p): Staff,
    Body(b): Body<ProjectInput>,
) -> ApiResult<(StatusCode, Json<ProjectView>)> {
    let v = projects::create(&s.store, &p, &b).await?;
    Ok((StatusCode::CREATED, Json(v)))
}

async fn one(
    State(s): State<AppState>,
    Staff(p): Staff,
    Path(code): Path<String>,
) -> ApiResult<Json<ProjectView>> {
    Ok(Json(projects::get(&s.store, &p, &code).await?))
}

#[derive(Deserialize)]
struct ListQuery {
    q: Option<String>,
    town: Option<String>,
    lead_department: Option<String>,
    category: Option<String>,
    page: Option<String>,
    per_page: Option<String>,
}

async fn list(
    State(s): State<AppState>,
    Staff(p): Staff,
    Query(q): Query<ListQuery>,
) -> ApiResult<Json<Value>> {
    let f = ProjectFilter {
        q: q.q,
        town: q.town,
        lead_department: q.lead_department,
        category: q.category,
        page: crate::api::optional_int("page", q.page.as_deref())?,
        per_page: crate::api::optional_int("per_page", q.per_page.as_deref())?,
    };
    let (rows, total) = projects::list(&s.store, &p, &f).await?;
    Ok(Json(json!({
        "projects": rows,
        "total": total.count,
        "total_more": total.more,
        "page": f.page.unwrap_or(1),
    })))
}
