//! 秒批事后核查: the automatic approvals drawn for a person's check, the approving
//! department's result, and a supervisor's resolution of a disputed one.

use crate::AppState;
use crate::error::{ApiError, ApiResult};
use crate::extract::{Body, Query, Staff};
use axum::extract::{Path, State};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};
use tongban_store::after_checks::{self, AfterCheckView};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/after-checks", get(list))
        .route("/api/v1/after-checks/{case_no}", post(check))
        .route("/api/v1/after-checks/{case_no}/resolution", post(resolve))
}

#[derive(Deserialize)]
struct ListQuery {
    status: Option<String>,
}

async fn list(
    State(s): State<AppState>,
    Staff(p): Staff,
    Query(q): Query<ListQuery>,
) -> ApiResult<Json<Value>> {
    let rows = after_checks::list(&s.store, &p, q.status.as_deref()).await?;
    Ok(Json(json!({ "after_checks": rows })))
}

#[derive(Deserialize)]
struct CheckBody {
    agrees: Option<bool>,
    #[serde(default)]
    note: String,
}

async fn check(
    State(s): State<AppState>,
    Staff(p): Staff,
    Path(case_no): Path<String>,
    Body(b): Body<CheckBody>,
) -> ApiResult<Json<AfterCheckView>> {
    let agrees = b.agrees.ok_or_else(|| {
        ApiError::invalid(
            "agrees",
            "请填写核查结论：agrees 为 true（无误）或 false（有异议）",
        )
    })?;
    Ok(Json(
        after_checks::check(&s.store, &p, case_no.trim(), agrees, &b.note).await?,
    ))
}

#[derive(Deserialize)]
struct ResolveBody {
    #[serde(default)]
    outcome: String,
    #[serde(default)]
    note: String,
}

async fn resolve(
    State(s): State<AppState>,
    Staff(p): Staff,
    Path(case_no): Path<String>,
    Body(b): Body<ResolveBody>,
) -> ApiResult<Json<AfterCheckView>> {
    let revoke = match b.outcome.trim() {
        "uphold" => false,
        "revoke" => true,
        _ => {
            return Err(ApiError::invalid(
                "outcome",
                "处理结果应为 uphold（维持许可）或 revoke（撤销许可）",
            ));
        }
    };
    Ok(Json(
        after_checks::resolve(&s.store, &p, case_no.trim(), revoke, &b.note).await?,
    ))
}
