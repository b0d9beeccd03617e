//! 秒批事后核查 on the workbench: the approving department checks the automatic
//! approvals drawn for it; a supervisor resolves those it disputed.

use crate::AppState;
use crate::pages::{
    Errors, FieldError, Layout, PageForm, PageResult, Web, field_errors, render, status_422,
};
use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect};
use axum::routing::{get, post};
use serde::Deserialize;
use tongban_domain::org::Role;
use tongban_store::after_checks::{self, AfterCheckView};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/workbench/after-checks", get(page))
        .route("/workbench/after-checks/{case_no}", post(check))
        .route(
            "/workbench/after-checks/{case_no}/resolution",
            post(resolve),
        )
}

#[derive(Template)]
#[template(path = "center/after_checks.html")]
struct ChecksPage {
    layout: Layout,
    rows: Vec<AfterCheckView>,
    status: String,
    checks: bool,
    resolves: bool,
    errors: Errors,
}

#[derive(Debug, Default, Deserialize)]
struct StatusQuery {
    #[serde(default)]
    status: String,
}

async fn show(s: &AppState, web: &Web, status: String, errors: Vec<FieldError>) -> PageResult {
    let p = web.staff()?;
    let failed = !errors.is_empty();
    let rows = after_checks::list(&s.store, p, Some(&status)).await?;
    let r = render(&ChecksPage {
        layout: web.layout(),
        rows,
        status,
        checks: matches!(p.role, Role::Approver | Role::DepartmentHead | Role::Admin),
        resolves: matches!(p.role, Role::Supervisor | Role::Admin),
        errors: errors.into(),
    })?;
    Ok(if failed { status_422(r) } else { r })
}

async fn page(State(s): State<AppState>, web: Web, Query(q): Query<StatusQuery>) -> PageResult {
    let status = if q.status.is_empty() {
        "pending".to_string()
    } else {
        q.status
    };
    show(&s, &web, status, vec![]).await
}

#[derive(Debug, Default, Deserialize)]
struct DecisionForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    decision: String,
    #[serde(default)]
    note: String,
}

async fn check(
    State(s): State<AppState>,
    web: Web,
    Path(case_no): Path<String>,
    PageForm(f): PageForm<DecisionForm>,
) -> PageResult {
    web.check_csrf(&f.csrf)?;
    let p = web.staff()?;
    let agrees = match f.decision.as_str() {
        "agree" => true,
        "dispute" => false,
        _ => {
            let e = FieldError::new("decision", "请选择核查结论：核查无误或有异议");
            return show(&s, &web, "pending".into(), vec![e]).await;
        }
    };
    match after_checks::check(&s.store, p, &case_no, agrees, &f.note).await {
        Ok(_) => Ok(Redirect::to("/workbench/after-checks").into_response()),
        Err(e) => show(&s, &web, "pending".into(), field_errors(e)?).await,
    }
}

async fn resolve(
    State(s): State<AppState>,
    web: Web,
    Path(case_no): Path<String>,
    PageForm(f): PageForm<DecisionForm>,
) -> PageResult {
    web.check_csrf(&f.csrf)?;
    let p = web.staff()?;
    let revoke = match f.decision.as_str() {
        "revoke" => true,
        "uphold" => false,
        _ => {
            let e = FieldError::new("decision", "请选择处理结果：维持许可或撤销许可");
            return show(&s, &web, "disputed".into(), vec![e]).await;
        }
    };
    match after_checks::resolve(&s.store, p, &case_no, revoke, &f.note).await {
        Ok(_) => Ok(Redirect::to("/workbench/after-checks?status=disputed").into_response()),
        Err(e) => show(&s, &web, "disputed".into(), field_errors(e)?).await,
    }
}
