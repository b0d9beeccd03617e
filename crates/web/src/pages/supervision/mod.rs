//! Window supervision's pages: the registers of banners (锦旗) and of innovation
//! measures (创新举措), read by staff and kept by the office's supervisors.

use crate::AppState;
use crate::pages::{
    Errors, FieldError, Layout, PageForm, PageResult, Web, field_errors, render, status_422,
};
use askama::Template;
use axum::Router;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect};
use axum::routing::get;
use serde::Deserialize;
use tongban_domain::org::Role;
use tongban_domain::supervision::{BannerInput, CommendationKind, InnovationInput};
use tongban_store::supervision::{self, CommendationView};
use tongban_store::time;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/supervision/banners", get(banners).post(add_banner))
        .route(
            "/supervision/innovations",
            get(innovations).post(add_innovation),
        )
}

/// What a register's form was typed with (both registers' fields; each uses its own).
#[derive(Debug, Default, Deserialize)]
struct EntryForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    received_on: String,
    #[serde(default)]
    window: String,
    #[serde(default)]
    department: String,
    #[serde(default)]
    giver: String,
    #[serde(default)]
    words: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    introduced_on: String,
    #[serde(default)]
    effect: String,
}

#[derive(Template)]
#[template(path = "supervision/register.html")]
struct RegisterPage {
    layout: Layout,
    kind: CommendationKind,
    rows: Vec<CommendationView>,
    may_record: bool,
    form: EntryForm,
    windows: Vec<(String, String)>,
    departments: Vec<(String, String)>,
    errors: Errors,
    saved: bool,
}

#[derive(Deserialize)]
struct SavedQuery {
    saved: Option<String>,
}

async fn show(
    s: &AppState,
    web: &Web,
    kind: CommendationKind,
    form: EntryForm,
    errors: Vec<FieldError>,
    saved: bool,
) -> PageResult {
    let p = web.staff()?;
    let failed = !errors.is_empty();
    let windows = s
        .store
        .windows_cached()
        .await?
        .iter()
        .map(|w| (w.code.clone(), format!("{}（{}）", w.name, w.point)))
        .collect();
    let departments = tongban_store::org::departments(&s.store)
        .await?
        .into_iter()
        .map(|d| (d.code, d.name))
        .collect();
    let r = render(&RegisterPage {
        layout: web.layout(),
        kind,
        rows: supervision::list(&s.store, kind).await?,
        may_record: matches!(p.role, Role::Supervisor | Role::Admin),
        form,
        windows,
        departments,
        errors: errors.into(),
        saved,
    })?;
    Ok(if failed { status_422(r) } else { r })
}

fn fresh() -> EntryForm {
    let today = time::day(time::local_day(time::now()));
    EntryForm {
        received_on: today.clone(),
        introduced_on: today,
        ..Default::default()
    }
}

async fn banners(State(s): State<AppState>, web: Web, Query(q): Query<SavedQuery>) -> PageResult {
    show(
        &s,
        &web,
        CommendationKind::Banner,
        fresh(),
        vec![],
        q.saved.is_some(),
    )
    .await
}

async fn innovations(
    State(s): State<AppState>,
    web: Web,
    Query(q): Query<SavedQuery>,
) -> PageResult {
    show(
        &s,
        &web,
        CommendationKind::Innovation,
        fresh(),
        vec![],
        q.saved.is_some(),
    )
    .await
}

async fn add_banner(
    State(s): State<AppState>,
    web: Web,
    PageForm(f): PageForm<EntryForm>,
) -> PageResult {
    web.check_csrf(&f.csrf)?;
    let p = web.staff()?;
    let input = BannerInput {
        received_on: f.received_on.clone(),
        window: f.window.clone(),
        department: f.department.clone(),
        giver: f.giver.clone(),
        words: f.words.clone(),
    };
    match supervision::record_banner(&s.store, p, &input).await {
        Ok(_) => Ok(Redirect::to("/supervision/banners?saved=1").into_response()),
        Err(e) => {
            let errors = field_errors(e)?;
            show(&s, &web, CommendationKind::Banner, f, errors, false).await
        }
    }
}

async fn add_innovation(
    State(s): State<AppState>,
    web: Web,
    PageForm(f): PageForm<EntryForm>,
) -> PageResult {
    web.check_csrf(&f.csrf)?;
    let p = web.staff()?;
    let input = InnovationInput {
        department: f.department.clone(),
        title: f.title.clone(),
        introduced_on: f.introduced_on.clone(),
        effect: f.effect.clone(),
    };
    match supervision::record_innovation(&s.store, p, &input).await {
        Ok(_) => Ok(Redirect::to("/supervision/innovations?saved=1").into_response()),
        Err(e) => {
            let errors = field_errors(e)?;
            show(&s, &web, CommendationKind::Innovation, f, errors, false).await
        }
    }
}
