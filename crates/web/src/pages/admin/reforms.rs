//! 审批制度改革: an administrator records the decisions (文号) that cancel, transfer,
//! suspend, merge or delegate catalog items, and sets the baseline day the cut
//! figures count from.

use super::{admin, status_422};
use crate::AppState;
use crate::pages::{Errors, FieldError, Layout, PageForm, PageResult, Web, field_errors, render};
use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect};
use axum::routing::{get, post};
use serde::Deserialize;
use tongban_domain::org::PointKind;
use tongban_domain::reform::{ReformInput, ReformKind};
use tongban_store::org::Point;
use tongban_store::reforms::{self, ReformView};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/admin/catalog/reforms", get(page).post(decide))
        .route("/admin/catalog/reforms/baseline", post(baseline))
}

#[derive(Template)]
#[template(path = "admin/reforms.html")]
struct ReformsPage {
    layout: Layout,
    reforms: Vec<ReformView>,
    baseline: String,
    kinds: Vec<(&'static str, &'static str)>,
    points: Vec<Point>,
    form: ReformForm,
    errors: Errors,
    today: String,
}

#[derive(Debug, Default, Deserialize)]
struct ReformForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    document_no: String,
    #[serde(default)]
    decided_on: String,
    #[serde(default)]
    effective_from: String,
    /// One item code per line (or separated by commas).
    #[serde(default)]
    items: String,
    #[serde(default)]
    merge_into: String,
    /// The points chosen, once read from the ticked `p_{code}` boxes (a form sends
    /// only ticked boxes).
    #[serde(skip)]
    points: Vec<String>,
    #[serde(default)]
    note: String,
    #[serde(flatten)]
    rest: std::collections::HashMap<String, String>,
}

impl ReformForm {
    fn has_point(&self, code: &str) -> bool {
        self.points.iter().any(|p| p == code)
    }
}

async fn show(s: &AppState, web: &Web, form: ReformForm, errors: Vec<FieldError>) -> PageResult {
    let failed = !errors.is_empty();
    let mut rd = s.store.reader().await?;
    let baseline = reforms::baseline(&mut rd)
        .await?
        .map(|d| d.to_string())
        .unwrap_or_default();
    drop(rd);
    let today =
        tongban_store::time::day(tongban_store::time::local_day(tongban_store::time::now()));
    let r = render(&ReformsPage {
        layout: web.layout(),
        reforms: reforms::list(&s.store).await?,
        baseline,
        kinds: ReformKind::ALL
            .iter()
            .map(|k| (k.as_str(), k.label()))
            .collect(),
        points: s
            .store
            .points_cached()
            .await?
            .iter()
            .filter(|p| matches!(p.kind, PointKind::Town | PointKind::Substation))
            .cloned()
            .collect(),
        form,
        errors: errors.into(),
        today,
    })?;
    Ok(if failed { status_422(r) } else { r })
}

async fn page(State(s): State<AppState>, web: Web) -> PageResult {
    admin(&web)?;
    let form = ReformForm {
        kind: "cancel".into(),
        ..Default::default()
    };
    show(&s, &web, form, vec![]).await
}

async fn decide(
    State(s): State<AppState>,
    web: Web,
    PageForm(mut form): PageForm<ReformForm>,
) -> PageResult {
    web.check_csrf(&form.csrf)?;
    let p = admin(&web)?;
    form.points = s
        .store
        .points_cached()
        .await?
        .iter()
        .filter(|pt| form.rest.contains_key(&format!("p_{}", pt.code)))
        .map(|pt| pt.code.clone())
        .collect();
    let input = ReformInput {
        kind: form.kind.clone(),
        document_no: form.document_no.clone(),
        decided_on: form.decided_on.clone(),
        effective_from: form.effective_from.clone(),
        items: form
            .items
            .split(['\n', ',', '，', ' '])
            .map(|c| c.trim().to_string())
            .filter(|c| !c.is_empty())
            .collect(),
        merge_into: form.merge_into.clone(),
        points: form.points.clone(),
        note: form.note.clone(),
    };
    match reforms::decide(&s.store, p, &input).await {
        Ok(_) => Ok(Redirect::to("/admin/catalog/reforms").into_response()),
        Err(e) => {
            let errors = field_errors(e)?;
            show(&s, &web, form, errors).await
        }
    }
}

#[derive(Debug, Default, Deserialize)]
struct BaselineForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    baseline: String,
}

async fn baseline(
    State(s): State<AppState>,
    web: Web,
    PageForm(f): PageForm<BaselineForm>,
) -> PageResult {
    web.check_csrf(&f.csrf)?;
    let p = admin(&web)?;
    match reforms::set_baseline(&s.store, p, &f.baseline).await {
        Ok(_) => Ok(Redirect::to("/admin/catalog/reforms").into_response()),
        Err(e) => {
            let errors = field_errors(e)?;
            show(&s, &web, ReformForm::default(), errors).await
        }
    }
}
