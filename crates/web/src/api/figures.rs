//! Figures of the work report for managers: every figure for a period with the
//! year-earlier value and the growth (the same JSON as `tongban report --format json`).

use crate::AppState;
use crate::error::{ApiError, ApiResult};
use crate::extract::{Query, Staff};
use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use serde::Deserialize;
use tongban_domain::metrics::Period;
use tongban_domain::org::Role;
use tongban_store::metrics::{self, Figures};

pub fn router() -> Router<AppState> {
    Router::new().route("/api/v1/figures", get(figures))
}

#[derive(Deserialize)]
struct PeriodQuery {
    period: Option<String>,
}

async fn figures(
    State(s): State<AppState>,
    Staff(p): Staff,
    Query(q): Query<PeriodQuery>,
) -> ApiResult<Json<Figures>> {
    if !matches!(
        p.role,
        Role::Admin | Role::Supervisor | Role::DepartmentHead
    ) {
        return Err(ApiError::forbidden(
            "只有系统管理员、督查人员和部门负责人可以查看统计数据",
        ));
    }
    let period = Period::parse(q.period.as_deref().unwrap_or(""))
        .map_err(|e| ApiError::invalid("period", e.0))?;
    Ok(Json(metrics::compute(&s.store, &period).await?))
}
