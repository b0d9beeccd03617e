//! 12345 knowledge base: public search with highlighted snippets, articles, the
//! FAQ series; editors' writes and the queue of unanswered questions.

use crate::AppState;
use crate::error::{ApiError, ApiResult};
use crate::extract::{Body, MaybeStaff, Query, Staff};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};
use tongban_store::StoreError;
use tongban_store::kb::{self, ArticleInput, Audience, ListFilter, SearchQuery};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/kb/search", get(search))
        .route("/api/v1/kb/faq", get(faq))
        .route("/api/v1/kb/articles", get(list).post(create))
        .route("/api/v1/kb/articles/{id}", get(one).put(update))
        .route("/api/v1/kb/articles/{id}/withdraw", post(withdraw))
        .route("/api/v1/kb/questions", get(questions).post(report))
        .route("/api/v1/kb/questions/{id}/answer", post(answer))
        .route("/api/v1/kb/questions/{id}/dismiss", post(dismiss))
}

fn to_json<T: serde::Serialize>(v: T) -> ApiResult<Json<Value>> {
    Ok(Json(
        serde_json::to_value(v).map_err(|_| ApiError::internal())?,
    ))
}

/// An id from the path, or a Chinese 400.
pub fn parse_id(s: &str) -> Result<i64, StoreError> {
    s.parse::<i64>()
        .ok()
        .filter(|n| *n > 0)
        .ok_or_else(|| StoreError::invalid("id", "编号应为正整数"))
}

#[derive(Deserialize)]
struct SearchParams {
    q: Option<String>,
    department: Option<String>,
    page: Option<String>,
    per_page: Option<String>,
}

/// Anyone may search; signed-in staff also see articles past their end date.
async fn search(
    State(s): State<AppState>,
    MaybeStaff(p): MaybeStaff,
    Query(q): Query<SearchParams>,
) -> ApiResult<Json<Value>> {
    let query = SearchQuery {
        q: q.q,
        department: q.department,
        page: crate::api::optional_int("page", q.page.as_deref())?,
        per_page: crate::api::optional_int("per_page", q.per_page.as_deref())?,
    };
    let audience = if p.is_some() {
        Audience::Staff
    } else {
        Audience::Public
    };
    to_json(kb::search(&s.store, &query, audience).await?)
}

#[derive(Deserialize)]
struct PageParams {
    page: Option<String>,
    status: Option<String>,
}

async fn faq(State(s): State<AppState>, Query(q): Query<PageParams>) -> ApiResult<Json<Value>> {
    let page = crate::api::optional_int("page", q.page.as_deref())?;
    let (list, total) = kb::faq(&s.store, page).await?;
    Ok(Json(
        json!({ "articles": list, "total": total, "page": page.unwrap_or(1) }),
    ))
}

#[derive(Deserialize)]
struct ListParams {
    status: Option<String>,
    department: Option<String>,
    faq: Option<bool>,
    page: Option<String>,
    per_page: Option<String>,
}

async fn list(
    State(s): State<AppState>,
    Staff(_): Staff,
    Query(q): Query<ListParams>,
) -> ApiResult<Json<Value>> {
    let f = ListFilter {
        status: q.status,
        department: q.department,
        faq: q.faq,
        page: crate::api::optional_int("page", q.page.as_deref())?,
        per_page: crate::api::optional_int("per_page", q.per_page.as_deref())?,
    };
    let (list, total) = kb::list(&s.store, &f).await?;
    Ok(Json(
        json!({ "articles": list, "total": total, "page": f.page.unwrap_or(1) }),
    ))
}

async fn one(
    State(s): State<AppState>,
    MaybeStaff(p): MaybeStaff,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    let audience = if p.is_some() {
        Audience::Staff
    } else {
        Audience::Public
    };
    to_json(kb::get(&s.store, parse_id(&id)?, audience).await?)
}

async fn create(
    State(s): State<AppState>,
    Staff(p): Staff,
    Body(b): Body<ArticleInput>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let a = kb::create(&s.store, &p, &b).await?;
    Ok((StatusCode::CREATED, to_json(a)?))
}

async fn update(
    State(s): State<AppState>,
    Staff(p): Staff,
    Path(id): Path<String>,
    Body(b): Body<ArticleInput>,
) -> ApiResult<Json<Value>> {
    to_json(kb::update(&s.store, &p, parse_id(&id)?, &b).await?)
}

async fn withdraw(
    State(s): State<AppState>,
    Staff(p): Staff,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    to_json(kb::withdraw(&s.store, &p, parse_id(&id)?).await?)
}

async fn questions(
    State(s): State<AppState>,
    Staff(_): Staff,
    Query(q): Query<PageParams>,
) -> ApiResult<Json<Value>> {
    let page = crate::api::optional_int("page", q.page.as_deref())?;
    let (list, total) = kb::questions(&s.store, q.status.as_deref(), page).await?;
    Ok(Json(
        json!({ "questions": list, "total": total, "page": page.unwrap_or(1) }),
    ))
}

#[derive(Deserialize)]
struct Report {
    question: Option<String>,
}

async fn report(
    State(s): State<AppState>,
    Staff(p): Staff,
    Body(b): Body<Report>,
) -> ApiResult<StatusCode> {
    kb::report_question(&s.store, &p, b.question.as_deref().unwrap_or("")).await?;
    Ok(StatusCode::ACCEPTED)
}

async fn answer(
    State(s): State<AppState>,
    Staff(p): Staff,
    Path(id): Path<String>,
    Body(b): Body<ArticleInput>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let a = kb::answer_question(&s.store, &p, parse_id(&id)?, &b).await?;
    Ok((StatusCode::CREATED, to_json(a)?))
}

async fn dismiss(
    State(s): State<AppState>,
    Staff(p): Staff,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    kb::dismiss_question(&s.store, &p, parse_id(&id)?).await?;
    Ok(StatusCode::NO_CONTENT)
}
