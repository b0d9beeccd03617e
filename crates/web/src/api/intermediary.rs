//! The intermediary registry and the 中介超市 over HTTP: the public list of agencies
//! and the services catalog items need, the published service requests (public,
//! masked); the office registers agencies, their qualifications and penalties, sets
//! the items' services, and publishes and selects on an owner's behalf. Owners and
//! agencies act for themselves on the `/business/intermediary` pages.

use crate::AppState;
use crate::error::ApiResult;
use crate::extract::{Body, MaybeStaff, Query, Staff};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, post, put};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};
use tongban_domain::intermediary::{
    AgencyInput, PenaltyInput, QualificationInput, RatingInput, RequestInput, Service,
};
use tongban_domain::org::Role;
use tongban_store::StoreError;
use tongban_store::intermediary::{
    AgencyQuery, AgencyView, Party, RequestQuery, RequestView, agencies, market,
};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/intermediary/agencies", get(list).post(register))
        .route("/api/v1/intermediary/agencies/{code}", get(agency))
        .route(
            "/api/v1/intermediary/agencies/{code}/qualifications",
            post(qualification),
        )
        .route(
            "/api/v1/intermediary/agencies/{code}/penalties",
            post(penalty),
        )
        .route("/api/v1/intermediary/services", get(services))
        .route(
            "/api/v1/intermediary/services/{service}/items",
            put(service_items),
        )
        .route("/api/v1/intermediary/requests", get(requests).post(publish))
        .route("/api/v1/intermediary/requests/{no}", get(request))
        .route("/api/v1/intermediary/requests/{no}/selection", post(select))
        .route("/api/v1/intermediary/requests/{no}/rating", post(rate))
        .route("/api/v1/intermediary/requests/{no}/cancel", post(cancel))
}

#[derive(Deserialize, Default)]
struct ListQuery {
    #[serde(default)]
    service: String,
    #[serde(default)]
    q: String,
}

fn service_filter(s: &str) -> Result<Option<Service>, StoreError> {
    if s.trim().is_empty() {
        Ok(None)
    } else {
        Service::parse(s).map(Some).map_err(StoreError::from)
    }
}

/// The registered agencies (public: contacts masked).
async fn list(State(s): State<AppState>, Query(q): Query<ListQuery>) -> ApiResult<Json<Value>> {
    let f = AgencyQuery {
        service: service_filter(&q.service)?,
        q: q.q,
    };
    Ok(Json(
        json!({ "agencies": agencies::list(&s.store, &f, true).await? }),
    ))
}

async fn agency(
    State(s): State<AppState>,
    Path(code): Path<String>,
) -> ApiResult<Json<AgencyView>> {
    Ok(Json(agencies::agency(&s.store, &code, true).await?))
}

async fn register(
    State(s): State<AppState>,
    Staff(p): Staff,
    Body(b): Body<AgencyInput>,
) -> ApiResult<(StatusCode, Json<AgencyView>)> {
    Ok((
        StatusCode::CREATED,
        Json(agencies::register(&s.store, &p, &b).await?),
    ))
}

async fn qualification(
    State(s): State<AppState>,
    Staff(p): Staff,
    Path(code): Path<String>,
    Body(b): Body<QualificationInput>,
) -> ApiResult<(StatusCode, Json<AgencyView>)> {
    Ok((
        StatusCode::CREATED,
        Json(agencies::add_qualification(&s.store, &p, &code, &b).await?),
    ))
}

async fn penalty(
    State(s): State<AppState>,
    Staff(p): Staff,
    Path(code): Path<String>,
    Body(b): Body<PenaltyInput>,
) -> ApiResult<(StatusCode, Json<AgencyView>)> {
    Ok((
        StatusCode::CREATED,
        Json(agencies::add_penalty(&s.store, &p, &code, &b).await?),
    ))
}

async fn services(State(s): State<AppState>) -> ApiResult<Json<Value>> {
    Ok(Json(
        json!({ "services": agencies::services(&s.store).await? }),
    ))
}

#[derive(Deserialize)]
struct ItemsBody {
    #[serde(default)]
    items: Vec<String>,
}

async fn service_items(
    State(s): State<AppState>,
    Staff(p): Staff,
    Path(service): Path<String>,
    Body(b): Body<ItemsBody>,
) -> ApiResult<Json<Value>> {
    agencies::set_service_items(&s.store, &p, &service, &b.items).await?;
    let code = Service::parse(&service).map_err(StoreError::from)?.code();
    let all = agencies::services(&s.store).await?;
    let one = all.into_iter().find(|n| n.service == code);
    Ok(Json(json!(one)))
}

#[derive(Deserialize, Default)]
struct RequestsQuery {
    #[serde(default)]
    open: Option<bool>,
    #[serde(default)]
    service: String,
    #[serde(default)]
    cursor: Option<i64>,
}

/// The published requests, newest first, 50 a page (`next_cursor`); public.
async fn requests(
    State(s): State<AppState>,
    Query(q): Query<RequestsQuery>,
) -> ApiResult<Json<Value>> {
    let f = RequestQuery {
        open_only: q.open.unwrap_or(false),
        service: service_filter(&q.service)?.map(|s| s.code().to_string()),
        before: q.cursor,
    };
    let (rows, next) = market::requests(&s.store, &Party::Public, &f).await?;
    Ok(Json(json!({ "requests": rows, "next_cursor": next })))
}

/// One request: for the office's supervisors and administrators with its sealed
/// quotes and unmasked texts; for anyone else as the public sees it.
async fn request(
    State(s): State<AppState>,
    MaybeStaff(p): MaybeStaff,
    Path(no): Path<String>,
) -> ApiResult<Json<RequestView>> {
    let party = match &p {
        Some(p) if matches!(p.role, Role::Supervisor | Role::Admin) => Party::Staff(p),
        _ => Party::Public,
    };
    Ok(Json(market::request(&s.store, &party, &no).await?))
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct PublishBody {
    owner_code: String,
    owner_name: String,
    #[serde(flatten)]
    request: RequestInput,
}

/// The office publishes a request on an owner's behalf.
async fn publish(
    State(s): State<AppState>,
    Staff(p): Staff,
    Body(b): Body<PublishBody>,
) -> ApiResult<(StatusCode, Json<RequestView>)> {
    Ok((
        StatusCode::CREATED,
        Json(market::publish_for(&s.store, &p, &b.owner_code, &b.owner_name, &b.request).await?),
    ))
}

#[derive(Deserialize, Default)]
struct SelectBody {
    #[serde(default)]
    agency: String,
}

async fn select(
    State(s): State<AppState>,
    Staff(p): Staff,
    Path(no): Path<String>,
    Body(b): Body<SelectBody>,
) -> ApiResult<Json<RequestView>> {
    Ok(Json(
        market::select(&s.store, &Party::Staff(&p), &no, &b.agency).await?,
    ))
}

async fn rate(
    State(s): State<AppState>,
    Staff(p): Staff,
    Path(no): Path<String>,
    Body(b): Body<RatingInput>,
) -> ApiResult<Json<RequestView>> {
    Ok(Json(
        market::rate(&s.store, &Party::Staff(&p), &no, &b).await?,
    ))
}

async fn cancel(
    State(s): State<AppState>,
    Staff(p): Staff,
    Path(no): Path<String>,
) -> ApiResult<Json<RequestView>> {
    Ok(Json(
        market::cancel(&s.store, &Party::Staff(&p), &no).await?,
    ))
}
