//! The enterprise complaint center's pages: enterprises signing in and complaining
//! (`business`), complaints for staff (`complaints`), the key projects hooked to it, their
//! weekly progress, and the monthly summary and quarterly analysis (a page, and
//! Word like the work report).

use crate::AppState;
use crate::pages::figures::reports::{attachment, html};
use crate::pages::{
    Errors, FieldError, Layout, PageError, PageForm, PageResult, Web, field_errors, render,
    status_422,
};
use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use axum::routing::{get, post};
use chrono::{Datelike, NaiveDate};
use serde::Deserialize;
use tongban_domain::enterprise::ProgressInput;
use tongban_domain::org::Role;
use tongban_domain::supervision::Quarter;
use tongban_store::enterprise::{self, Digest, HookedView, ProgressView};
use tongban_store::time;

pub(crate) mod business;
mod complaints;
mod survey;

pub fn router() -> Router<AppState> {
    Router::new()
        .merge(business::router())
        .merge(complaints::router())
        .merge(survey::router())
        .route("/enterprise/projects", get(projects).post(hook))
        .route("/enterprise/projects/{code}", get(project))
        .route("/enterprise/projects/{code}/progress", post(progress))
        .route("/enterprise/summary", get(summary))
        .route("/enterprise/analysis", get(analysis))
}

fn may_track(web: &Web) -> Result<bool, PageError> {
    Ok(matches!(web.staff()?.role, Role::Supervisor | Role::Admin))
}

#[derive(Template)]
#[template(path = "enterprise/projects.html")]
struct ProjectsPage {
    layout: Layout,
    rows: Vec<HookedView>,
    may_track: bool,
    code: String,
    responsible: String,
    errors: Errors,
}

async fn show_projects(
    s: &AppState,
    web: &Web,
    code: String,
    responsible: String,
    errors: Vec<FieldError>,
) -> PageResult {
    let failed = !errors.is_empty();
    let r = render(&ProjectsPage {
        layout: web.layout(),
        rows: enterprise::hooked(&s.store).await?,
        may_track: may_track(web)?,
        code,
        responsible,
        errors: errors.into(),
    })?;
    Ok(if failed { status_422(r) } else { r })
}

async fn projects(State(s): State<AppState>, web: Web) -> PageResult {
    show_projects(&s, &web, String::new(), String::new(), vec![]).await
}

#[derive(Deserialize)]
struct HookForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    project: String,
    #[serde(default)]
    responsible: String,
}

async fn hook(State(s): State<AppState>, web: Web, PageForm(f): PageForm<HookForm>) -> PageResult {
    web.check_csrf(&f.csrf)?;
    let p = web.staff()?;
    let today = time::local_day(time::now());
    match enterprise::hook(&s.store, p, &f.project, &f.responsible, today).await {
        Ok(()) => {
            Ok(Redirect::to(&format!("/enterprise/projects/{}", f.project.trim())).into_response())
        }
        Err(e) => {
            let mut errors = field_errors(e)?;
            for e in &mut errors {
                if e.field == "code" {
                    e.field = "project".into();
                }
            }
            show_projects(&s, &web, f.project, f.responsible, errors).await
        }
    }
}

#[derive(Template)]
#[template(path = "enterprise/project.html")]
struct ProjectPage {
    layout: Layout,
    code: String,
    weeks: Vec<ProgressView>,
    may_track: bool,
    week: String,
    progress: String,
    problems: String,
    errors: Errors,
}

async fn show_project(
    s: &AppState,
    web: &Web,
    code: &str,
    typed: ProgressInput,
    errors: Vec<FieldError>,
) -> PageResult {
    let failed = !errors.is_empty();
    let r = render(&ProjectPage {
        layout: web.layout(),
        code: code.to_string(),
        weeks: enterprise::progress_of(&s.store, code).await?,
        may_track: may_track(web)?,
        week: typed.week,
        progress: typed.progress,
        problems: typed.problems,
        errors: errors.into(),
    })?;
    Ok(if failed { status_422(r) } else { r })
}

async fn project(State(s): State<AppState>, web: Web, Path(code): Path<String>) -> PageResult {
    let typed = ProgressInput {
        week: time::day(time::local_day(time::now())),
        ..Default::default()
    };
    show_project(&s, &web, &code, typed, vec![]).await
}

#[derive(Deserialize)]
struct ProgressForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    week: String,
    #[serde(default)]
    progress: String,
    #[serde(default)]
    problems: String,
}

async fn progress(
    State(s): State<AppState>,
    web: Web,
    Path(code): Path<String>,
    PageForm(f): PageForm<ProgressForm>,
) -> PageResult {
    web.check_csrf(&f.csrf)?;
    let p = web.staff()?;
    let input = ProgressInput {
        week: f.week,
        progress: f.progress,
        problems: f.problems,
    };
    match enterprise::record_progress(&s.store, p, &code, &input).await {
        Ok(_) => Ok(Redirect::to(&format!("/enterprise/projects/{code}")).into_response()),
        Err(e) => {
            let errors = field_errors(e)?;
            show_project(&s, &web, &code, input, errors).await
        }
    }
}

#[derive(Template)]
#[template(path = "enterprise/digest.html")]
struct DigestPage {
    layout: Layout,
    d: Digest,
    body: String,
    docx: String,
    previous: String,
}

#[derive(Deserialize)]
struct PeriodQuery {
    month: Option<String>,
    quarter: Option<String>,
    format: Option<String>,
}

/// The digest as a page, or as Word with `format=docx`.
async fn digest_response(
    web: &Web,
    d: Digest,
    base: &str,
    query: &str,
    previous: String,
    docx: bool,
) -> PageResult {
    let md = enterprise::digest_markdown(&d);
    if docx {
        let bytes = tongban_store::report::document(&md)?;
        return Ok(attachment(
            bytes,
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            &format!("{}.docx", d.title),
            "digest.docx",
        ));
    }
    render(&DigestPage {
        layout: web.layout(),
        body: html(&tongban_store::report::blocks(&md)),
        docx: format!("{base}?{query}&format=docx"),
        previous,
        d,
    })
}

/// 月度汇总 (`month=2026-11`, this month by default).
async fn summary(State(s): State<AppState>, web: Web, Query(q): Query<PeriodQuery>) -> PageResult {
    web.staff()?;
    let today = time::local_day(time::now());
    let first = match q.month.as_deref().map(str::trim).filter(|m| !m.is_empty()) {
        Some(m) => NaiveDate::parse_from_str(&format!("{m}-01"), "%Y-%m-%d").map_err(|_| {
            PageError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "月份无效",
                format!("月份“{m}”无效，应为如 2026-11"),
            )
        })?,
        None => today.with_day(1).unwrap_or(today),
    };
    let last = first
        .checked_add_months(chrono::Months::new(1))
        .and_then(|d| d.pred_opt())
        .unwrap_or(first);
    let title = format!("挂钩项目{}年{}月进度汇总", first.year(), first.month());
    let d = enterprise::digest(&s.store, &title, first, last).await?;
    let previous = first
        .checked_sub_months(chrono::Months::new(1))
        .map(|p| format!("/enterprise/summary?month={}", p.format("%Y-%m")))
        .unwrap_or_default();
    let docx = q.format.as_deref() == Some("docx");
    digest_response(
        &web,
        d,
        "/enterprise/summary",
        &format!("month={}", first.format("%Y-%m")),
        previous,
        docx,
    )
    .await
}

/// 季度分析 (`quarter=2026-Q4`, this quarter by default).
async fn analysis(State(s): State<AppState>, web: Web, Query(q): Query<PeriodQuery>) -> PageResult {
    web.staff()?;
    let quarter = match q
        .quarter
        .as_deref()
        .map(str::trim)
        .filter(|q| !q.is_empty())
    {
        Some(q) => Quarter::parse(q)
            .map_err(|e| PageError::new(StatusCode::UNPROCESSABLE_ENTITY, "季度无效", e.message))?,
        None => Quarter::of(time::local_day(time::now())),
    };
    let title = format!("挂钩项目{}进度分析", quarter.label());
    let d = enterprise::digest(&s.store, &title, quarter.first_day(), quarter.last_day()).await?;
    let previous = format!("/enterprise/analysis?quarter={}", quarter.previous());
    let docx = q.format.as_deref() == Some("docx");
    digest_response(
        &web,
        d,
        "/enterprise/analysis",
        &format!("quarter={quarter}"),
        previous,
        docx,
    )
    .await
}
