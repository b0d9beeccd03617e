//! 12345 rules administrators set on a page: the time limits of work orders by
//! category (办理时限) and the days an approved extension adds. The store checks and
//! audits the change; this page only shows the form and every field's error.

use crate::AppState;
use crate::pages::{Errors, FieldError, Layout, PageError, PageForm, PageResult, Web, render};
use askama::Template;
use axum::Router;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use axum::routing::get;
use serde::Deserialize;
use std::collections::HashMap;
use tongban_domain::hotline::{
    Category, DEFAULT_MAX_EXTENSIONS, DEFAULT_RETURN_WINDOW, DeadlineDays, EXTENSION_WORKING_DAYS,
};
use tongban_domain::org::Role;
use tongban_store::StoreError;
use tongban_store::hotline;
use tongban_store::org::Principal;

pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/admin/hotline/deadlines",
            get(deadlines).post(save_deadlines),
        )
        .route(
            "/admin/hotline/dispatch",
            get(dispatch_rules).post(add_dispatch_rule),
        )
        .route(
            "/admin/hotline/dispatch/{id}/delete",
            axum::routing::post(delete_dispatch_rule),
        )
}

fn admin(web: &Web) -> Result<&Principal, PageError> {
    web.staff_as(&[Role::Admin], "12345工单办理时限仅供系统管理员设置。")
}

/// One field of the form.
struct Row {
    key: &'static str,
    label: String,
    value: String,
    default_days: u32,
    /// 个工作日, or 次 for the number of extensions.
    unit: &'static str,
}

#[derive(Template)]
#[template(path = "hotline/deadlines.html")]
struct DeadlinesPage {
    layout: Layout,
    rows: Vec<Row>,
    saved: bool,
    errors: Errors,
}

fn default_days(key: &str) -> u32 {
    match key {
        DeadlineDays::RETURN_WINDOW => DEFAULT_RETURN_WINDOW,
        DeadlineDays::MAX_EXTENSIONS => DEFAULT_MAX_EXTENSIONS,
        _ => Category::parse(key)
            .map(Category::default_deadline_days)
            .unwrap_or(EXTENSION_WORKING_DAYS),
    }
}

/// The form's rows: the days in force, or what was typed when it failed.
fn rows(limits: &DeadlineDays, typed: Option<&HashMap<String, String>>) -> Vec<Row> {
    limits
        .entries()
        .into_iter()
        .map(|(key, label, days)| Row {
            key,
            label,
            value: typed
                .and_then(|t| t.get(key).cloned())
                .unwrap_or_else(|| days.to_string()),
            default_days: default_days(key),
            unit: if key == DeadlineDays::MAX_EXTENSIONS {
                "次"
            } else {
                "个工作日"
            },
        })
        .collect()
}

#[derive(Deserialize)]
struct Saved {
    saved: Option<String>,
}

async fn deadlines(State(s): State<AppState>, web: Web, Query(q): Query<Saved>) -> PageResult {
    admin(&web)?;
    let limits = hotline::deadlines(&s.store).await?;
    render(&DeadlinesPage {
        layout: web.layout(),
        rows: rows(&limits, None),
        saved: q.saved.is_some(),
        errors: Errors::default(),
    })
}

async fn save_deadlines(
    State(s): State<AppState>,
    web: Web,
    PageForm(f): PageForm<HashMap<String, String>>,
) -> PageResult {
    web.check_csrf(f.get("csrf").map(String::as_str).unwrap_or(""))?;
    let p = admin(&web)?;
    let current = hotline::deadlines(&s.store).await?;
    // Every field is checked here so each error is shown at once; the store checks
    // again and writes all or nothing.
    let mut scratch = current;
    let mut errors = Errors::default();
    let mut input = serde_json::Map::new();
    for (key, _, _) in current.entries() {
        let v = f.get(key).map(|v| v.trim()).unwrap_or("");
        let r = match v.parse::<i64>() {
            Ok(n) => scratch.set(key, n),
            Err(_) => scratch.set(key, 0),
        };
        match r {
            Ok(()) => {
                input.insert(key.to_string(), serde_json::Value::String(v.to_string()));
            }
            Err(e) => errors.push(FieldError::new(e.field, e.message)),
        }
    }
    if errors.is_empty() {
        match hotline::set_deadlines(&s.store, p, &input).await {
            Ok(_) => return Ok(Redirect::to("/admin/hotline/deadlines?saved=1").into_response()),
            Err(StoreError::Invalid(i)) => errors.push(FieldError::new(i.field, i.message)),
            Err(e) => return Err(e.into()),
        }
    }
    let mut r = render(&DeadlinesPage {
        layout: web.layout(),
        rows: rows(&current, Some(&f)),
        saved: false,
        errors,
    })?;
    *r.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    Ok(r)
}

// ---------------------------------------------------------------------------
// /admin/hotline/dispatch: the dispatch catalog (派单目录)

#[derive(Deserialize, Default)]
struct RuleForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    service_code: String,
    #[serde(default)]
    category: String,
    #[serde(default)]
    place: String,
    #[serde(default)]
    unit: String,
    #[serde(default)]
    note: String,
}

#[derive(Template)]
#[template(path = "hotline/dispatch.html")]
struct DispatchPage {
    layout: Layout,
    rules: Vec<tongban_store::dispatch::Rule>,
    services: Vec<(String, String)>,
    categories: Vec<(&'static str, &'static str)>,
    units: Vec<(String, String)>,
    form: RuleForm,
    errors: Errors,
}

async fn dispatch_page(
    s: &AppState,
    web: &Web,
    form: RuleForm,
    errors: Vec<FieldError>,
) -> PageResult {
    let units = tongban_store::org::departments(&s.store)
        .await?
        .into_iter()
        .filter(|d| d.member_unit)
        .map(|d| (d.code, d.name))
        .collect();
    let page = DispatchPage {
        layout: web.layout(),
        rules: tongban_store::dispatch::rules(&s.store).await?,
        services: hotline::services(&s.store)
            .await?
            .into_iter()
            .map(|v| (v.service_code, v.service_name))
            .collect(),
        categories: Category::ALL
            .iter()
            .map(|c| (c.as_str(), c.label()))
            .collect(),
        units,
        form,
        errors: errors.into(),
    };
    render(&page)
}

async fn dispatch_rules(State(s): State<AppState>, web: Web) -> PageResult {
    admin(&web)?;
    dispatch_page(&s, &web, RuleForm::default(), vec![]).await
}

async fn add_dispatch_rule(
    State(s): State<AppState>,
    web: Web,
    PageForm(f): PageForm<RuleForm>,
) -> PageResult {
    web.check_csrf(&f.csrf)?;
    let p = admin(&web)?;
    let input = tongban_store::dispatch::RuleInput {
        service_code: Some(f.service_code.clone()),
        category: Some(f.category.clone()),
        place: Some(f.place.clone()),
        unit: Some(f.unit.clone()),
        note: Some(f.note.clone()),
    };
    match tongban_store::dispatch::add_rule(&s.store, p, &input).await {
        Ok(_) => Ok(Redirect::to("/admin/hotline/dispatch").into_response()),
        Err(StoreError::Invalid(i)) => {
            let mut r =
                dispatch_page(&s, &web, f, vec![FieldError::new(i.field, i.message)]).await?;
            *r.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
            Ok(r)
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize)]
struct CsrfOnly {
    #[serde(default)]
    csrf: String,
}

async fn delete_dispatch_rule(
    State(s): State<AppState>,
    web: Web,
    axum::extract::Path(id): axum::extract::Path<String>,
    PageForm(f): PageForm<CsrfOnly>,
) -> PageResult {
    web.check_csrf(&f.csrf)?;
    let p = admin(&web)?;
    let id = crate::api::kb::parse_id(&id)?;
    tongban_store::dispatch::delete_rule(&s.store, p, id).await?;
    Ok(Redirect::to("/admin/hotline/dispatch").into_response())
}
