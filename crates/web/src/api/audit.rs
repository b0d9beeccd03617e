//! The audit log for administrators and supervisors.

use crate::AppState;
use crate::error::{ApiError, ApiResult};
use crate::extract::{Query, Staff};
use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};
use tongban_domain::org::Role;
use tongban_store::audit;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/audit", get(recent))
        .route("/api/v1/audit/verify", get(verify))
}

#[derive(Deserialize)]
struct Limit {
    limit: Option<i64>,
}

fn may_read(p: &tongban_store::org::Principal) -> ApiResult<()> {
    if matches!(p.role, Role::Admin | Role::Supervisor) {
        Ok(())
    } else {
        Err(ApiError::forbidden(
            "只有系统管理员和督查人员可以查看审计日志",
        ))
    }
}

async fn recent(
    State(s): State<AppState>,
    Staff(p): Staff,
    Query(q): Query<Limit>,
) -> ApiResult<Json<Value>> {
    may_read(&p)?;
    let limit = q.limit.unwrap_or(100);
    crate::api::require((1..=1000).contains(&limit), "limit", "limit 应为1至1000")?;
    let entries = audit::recent(&s.store, limit).await?;
    Ok(Json(json!({ "entries": entries })))
}

async fn verify(State(s): State<AppState>, Staff(p): Staff) -> ApiResult<Json<Value>> {
    may_read(&p)?;
    let v = audit::verify(&s.store, |_, _| {}).await?;
    let (rows, faults) = tongban_store::seal::verify(&s.store, |_| {}).await?;
    Ok(Json(
        json!({ "entries": v.entries, "intact": v.broken.is_none() && faults.is_empty(),
        "broken": v.broken.map(|(seq, why)| json!({ "seq": seq, "reason": why })),
        "rows_checked": rows, "row_faults": faults }),
    ))
}
