//! The catalog: items in force (public), their history, and new versions (admin).

use crate::AppState;
use crate::error::{ApiError, ApiResult};
use crate::extract::{Body, Query, Staff};
use axum::extract::{Path, State};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};
use tongban_domain::catalog::ItemContent;
use tongban_domain::org::Role;
use tongban_store::{catalog, time};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/items", get(list).post(create))
        .route("/api/v1/items/{code}", get(one))
        .route("/api/v1/items/{code}/history", get(history))
        .route("/api/v1/items/{code}/versions", post(new_version))
        .route(
            "/api/v1/items/{code}/versions/{version}/publish",
            post(publish),
        )
}

#[derive(Deserialize)]
struct ListQuery {
    q: Option<String>,
    department: Option<String>,
    status: Option<String>,
    page: Option<String>,
    per_page: Option<String>,
    /// The date the catalog is read at (default today).
    on: Option<String>,
}

fn parse_on(on: Option<&str>) -> ApiResult<chrono::NaiveDate> {
    match on.filter(|s| !s.is_empty()) {
        None => Ok(time::local_day(time::now())),
        Some(s) => {
            time::parse_day(s).ok_or_else(|| ApiError::invalid("on", "日期格式应为 YYYY-MM-DD"))
        }
    }
}

async fn list(State(s): State<AppState>, Query(q): Query<ListQuery>) -> ApiResult<Json<Value>> {
    let filter = catalog::ItemFilter {
        q: q.q,
        department: q.department,
        status: q.status,
        page: crate::api::optional_int("page", q.page.as_deref())?,
        per_page: crate::api::optional_int("per_page", q.per_page.as_deref())?,
    };
    let on = parse_on(q.on.as_deref())?;
    let (items, total) = catalog::list_items(&s.store, &filter, on).await?;
    Ok(Json(
        json!({ "items": items, "total": total, "page": filter.page.unwrap_or(1) }),
    ))
}

#[derive(Deserialize)]
struct OnQuery {
    on: Option<String>,
}

async fn one(
    State(s): State<AppState>,
    Path(code): Path<String>,
    Query(q): Query<OnQuery>,
) -> ApiResult<Json<Value>> {
    let on = parse_on(q.on.as_deref())?;
    let mut conn = s.store.reader().await?;
    let item = catalog::item_in_force(&mut conn, &code, on)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("事项“{code}”不存在或在{on}尚未生效")))?;
    Ok(Json(
        serde_json::to_value(item).map_err(|_| ApiError::internal())?,
    ))
}

async fn history(State(s): State<AppState>, Path(code): Path<String>) -> ApiResult<Json<Value>> {
    let versions = catalog::history(&s.store, &code, true).await?;
    if versions.is_empty() {
        return Err(ApiError::not_found(format!("事项“{code}”不存在")));
    }
    Ok(Json(json!({ "code": code, "versions": versions })))
}

#[derive(Deserialize)]
struct NewVersion {
    content: Option<ItemContent>,
    effective_from: Option<String>,
    change_note: Option<String>,
}

fn require_admin(p: &tongban_store::org::Principal) -> ApiResult<()> {
    if p.role == Role::Admin {
        Ok(())
    } else {
        Err(ApiError::forbidden("只有系统管理员可以维护事项清单"))
    }
}

async fn new_version(
    State(s): State<AppState>,
    Staff(p): Staff,
    Path(code): Path<String>,
    Body(b): Body<NewVersion>,
) -> ApiResult<Json<Value>> {
    require_admin(&p)?;
    let content = b
        .content
        .ok_or_else(|| ApiError::invalid("content", "请提供事项内容"))?;
    let eff = b
        .effective_from
        .as_deref()
        .and_then(time::parse_day)
        .ok_or_else(|| ApiError::invalid("effective_from", "请填写生效日期（YYYY-MM-DD）"))?;
    let version = catalog::new_version(
        &s.store,
        &code,
        content,
        eff,
        b.change_note.as_deref().unwrap_or(""),
        &p.actor(),
    )
    .await?;
    Ok(Json(
        json!({ "code": code, "version": version, "published": false }),
    ))
}

async fn publish(
    State(s): State<AppState>,
    Staff(p): Staff,
    Path((code, version)): Path<(String, String)>,
) -> ApiResult<Json<Value>> {
    require_admin(&p)?;
    let version: i64 = version
        .parse()
        .map_err(|_| ApiError::invalid("version", "版本号应为整数"))?;
    catalog::publish(
        &s.store,
        &code,
        version,
        time::local_day(time::now()),
        &p.actor(),
    )
    .await?;
    Ok(Json(
        json!({ "code": code, "version": version, "published": true }),
    ))
}

#[derive(Deserialize)]
struct NewItem {
    code: Option<String>,
    department: Option<String>,
    parent: Option<String>,
    content: Option<ItemContent>,
    effective_from: Option<String>,
}

/// An administrator adds an item; its first version awaits publication.
async fn create(
    State(s): State<AppState>,
    Staff(p): Staff,
    Body(b): Body<NewItem>,
) -> ApiResult<(axum::http::StatusCode, Json<Value>)> {
    require_admin(&p)?;
    let code = b.code.unwrap_or_default();
    let department = b
        .department
        .ok_or_else(|| ApiError::invalid("department", "请填写实施部门代码"))?;
    let content = b
        .content
        .ok_or_else(|| ApiError::invalid("content", "请提供事项内容"))?;
    let eff = b
        .effective_from
        .as_deref()
        .and_then(time::parse_day)
        .ok_or_else(|| ApiError::invalid("effective_from", "请填写生效日期（YYYY-MM-DD）"))?;
    catalog::create_item(
        &s.store,
        &code,
        &department,
        b.parent.as_deref(),
        content,
        eff,
        &p.actor(),
    )
    .await?;
    Ok((
        axum::http::StatusCode::CREATED,
        Json(json!({ "code": code.trim(), "version": 1, "published": false })),
    ))
}
