//! 联合验收 pages: the list (a department's inspections awaiting its result), one
//! acceptance with what the signed-in member may do next (the lead department fixes
//! the day and the departments, each department records its result, failed ones are
//! inspected again), and the owner's request taken at the window on the project page.

use crate::AppState;
use crate::pages::{
    Errors, FieldError, Layout, PageForm, PageResult, Web, field_errors, render, status_422,
    urlencode,
};
use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect};
use axum::routing::{get, post};
use serde::Deserialize;
use tongban_domain::acceptance::{AcceptanceStatus, RequestInput, ResultInput, ScheduleInput};
use tongban_store::org::{self, Department, Principal};
use tongban_store::projects::acceptance::{self, AcceptanceFilter, AcceptanceView};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/projects/acceptances", get(list))
        .route("/projects/acceptances/{no}", get(one))
        .route("/projects/acceptances/{no}/schedule", post(schedule))
        .route("/projects/acceptances/{no}/results", post(record))
        .route("/projects/acceptances/{no}/reinspection", post(reinspect))
        .route("/projects/{code}/acceptances", post(request))
}

const PAGE_SIZE: i64 = 20;

#[derive(Template)]
#[template(path = "projects/acceptances.html")]
struct ListPage {
    layout: Layout,
    rows: Vec<AcceptanceView>,
    total: String,
    filter: ListQuery,
    statuses: Vec<(&'static str, &'static str)>,
    departments: Vec<Department>,
    own_department: Option<String>,
    page: i64,
    next: Option<String>,
    prev: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
struct ListQuery {
    #[serde(default)]
    status: String,
    #[serde(default)]
    department: String,
    #[serde(default)]
    awaiting: String,
    #[serde(default)]
    page: Option<String>,
}

async fn list(State(s): State<AppState>, web: Web, Query(q): Query<ListQuery>) -> PageResult {
    let p = web.staff()?;
    let page = super::page_of(q.page.as_deref());
    let f = AcceptanceFilter {
        status: Some(q.status.clone()),
        department: Some(q.department.clone()),
        awaiting: (q.awaiting == "1").then_some(true),
        page: Some(page),
        per_page: Some(PAGE_SIZE),
        ..Default::default()
    };
    let (rows, total) = acceptance::list(&s.store, p, &f).await?;
    let link = |n: i64| {
        format!(
            "/projects/acceptances?status={}&department={}&awaiting={}&page={n}",
            urlencode(&q.status),
            urlencode(&q.department),
            urlencode(&q.awaiting)
        )
    };
    let (prev, next) = super::neighbours(page, PAGE_SIZE, rows.len(), &total, link);
    render(&ListPage {
        layout: web.layout(),
        total: total.to_string(),
        next,
        prev,
        rows,
        statuses: AcceptanceStatus::ALL
            .iter()
            .map(|c| (c.as_str(), c.label()))
            .collect(),
        departments: org::departments(&s.store).await?,
        own_department: p.department.clone(),
        filter: q,
        page,
    })
}

#[derive(Template)]
#[template(path = "projects/acceptance.html")]
struct OnePage {
    layout: Layout,
    a: AcceptanceView,
    errors: Errors,
    /// The lead department may fix the first inspection (no result yet).
    may_schedule: bool,
    may_reinspect: bool,
    /// Departments whose result the signed-in member may record now (their own; an
    /// administrator any awaited one).
    may_record: Vec<(String, String)>,
    departments: Vec<Department>,
    today: String,
    form: ActionForm,
}

/// Every form of the page, as typed.
#[derive(Debug, Default, Deserialize)]
struct ActionForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    inspect_on: String,
    /// The departments chosen, once read from the ticked `d_{code}` boxes (a form
    /// sends only ticked boxes).
    #[serde(skip)]
    departments: Vec<String>,
    #[serde(default)]
    department: String,
    #[serde(default)]
    result: String,
    #[serde(default)]
    findings: String,
    #[serde(flatten)]
    rest: std::collections::HashMap<String, String>,
}

impl ActionForm {
    fn chose(&self, code: &str) -> bool {
        self.departments.iter().any(|d| d == code)
    }
    /// The ticked departments, in the order of the list.
    fn ticked(mut self, all: &[Department]) -> Self {
        self.departments = all
            .iter()
            .filter(|d| self.rest.contains_key(&format!("d_{}", d.code)))
            .map(|d| d.code.clone())
            .collect();
        self
    }
}

fn awaited(p: &Principal, a: &AcceptanceView) -> Vec<(String, String)> {
    if a.status != AcceptanceStatus::Scheduled {
        return vec![];
    }
    let mut out: Vec<(String, String)> = vec![];
    for c in &a.checks {
        let latest = a
            .checks
            .iter()
            .filter(|o| o.department == c.department)
            .all(|o| o.visit <= c.visit);
        let mine = p.role == tongban_domain::org::Role::Admin
            || (p.role != tongban_domain::org::Role::Supervisor
                && p.department.as_deref() == Some(c.department.as_str()));
        if latest && c.result.is_none() && mine {
            out.push((c.department.clone(), c.department_name.clone()));
        }
    }
    out
}

async fn show(
    s: &AppState,
    web: &Web,
    no: &str,
    form: ActionForm,
    errors: Vec<FieldError>,
) -> PageResult {
    let p = web.staff()?;
    let a = acceptance::get(&s.store, p, no).await?;
    let leads = acceptance::leads(p, &a.lead_department);
    let failed = !errors.is_empty();
    let today =
        tongban_store::time::day(tongban_store::time::local_day(tongban_store::time::now()));
    let r = render(&OnePage {
        layout: web.layout(),
        may_schedule: leads
            && (a.status == AcceptanceStatus::Requested
                || (a.status == AcceptanceStatus::Scheduled
                    && a.checks.iter().all(|c| c.result.is_none()))),
        may_reinspect: leads && a.status == AcceptanceStatus::Reinspection,
        may_record: awaited(p, &a),
        departments: org::departments(&s.store).await?,
        form: ActionForm {
            inspect_on: if form.inspect_on.is_empty() {
                today.clone()
            } else {
                form.inspect_on
            },
            departments: if form.departments.is_empty() {
                a.checks.iter().map(|c| c.department.clone()).collect()
            } else {
                form.departments
            },
            ..form
        },
        today,
        errors: errors.into(),
        a,
    })?;
    Ok(if failed { status_422(r) } else { r })
}

async fn one(State(s): State<AppState>, web: Web, Path(no): Path<String>) -> PageResult {
    show(&s, &web, &no, ActionForm::default(), vec![]).await
}

/// After an action: back to the acceptance, or the page again with its faults.
async fn after(
    s: &AppState,
    web: &Web,
    no: &str,
    form: ActionForm,
    done: tongban_store::Result<AcceptanceView>,
) -> PageResult {
    match done {
        Ok(a) => {
            Ok(Redirect::to(&format!("/projects/acceptances/{}", a.acceptance_no)).into_response())
        }
        Err(e) => {
            let errors = field_errors(e)?;
            show(s, web, no, form, errors).await
        }
    }
}

async fn schedule(
    State(s): State<AppState>,
    web: Web,
    Path(no): Path<String>,
    PageForm(f): PageForm<ActionForm>,
) -> PageResult {
    web.check_csrf(&f.csrf)?;
    let p = web.staff()?;
    let f = f.ticked(&org::departments(&s.store).await?);
    let input = ScheduleInput {
        inspect_on: f.inspect_on.clone(),
        departments: f.departments.clone(),
    };
    let done = acceptance::schedule(&s.store, p, &no, &input).await;
    after(&s, &web, &no, f, done).await
}

async fn record(
    State(s): State<AppState>,
    web: Web,
    Path(no): Path<String>,
    PageForm(f): PageForm<ActionForm>,
) -> PageResult {
    web.check_csrf(&f.csrf)?;
    let p = web.staff()?;
    let input = ResultInput {
        department: Some(f.department.clone()).filter(|d| !d.is_empty()),
        result: f.result.clone(),
        findings: Some(f.findings.clone()),
    };
    let done = acceptance::record(&s.store, p, &no, &input).await;
    after(&s, &web, &no, f, done).await
}

async fn reinspect(
    State(s): State<AppState>,
    web: Web,
    Path(no): Path<String>,
    PageForm(f): PageForm<ActionForm>,
) -> PageResult {
    web.check_csrf(&f.csrf)?;
    let p = web.staff()?;
    let done = acceptance::reinspect(&s.store, p, &no, &f.inspect_on).await;
    after(&s, &web, &no, f, done).await
}

/// The forms of the project page as typed: the owner's acceptance request, a
/// coordination problem, a problem's result.
#[derive(Debug, Default, Deserialize)]
pub(super) struct RequestForm {
    #[serde(default)]
    pub csrf: String,
    #[serde(default)]
    pub part: String,
    #[serde(default)]
    pub area_m2: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub department: String,
    #[serde(default)]
    pub due_on: String,
    #[serde(default)]
    pub result: String,
}

async fn request(
    State(s): State<AppState>,
    web: Web,
    Path(code): Path<String>,
    PageForm(f): PageForm<RequestForm>,
) -> PageResult {
    web.check_csrf(&f.csrf)?;
    let p = web.staff()?;
    let area = f.area_m2.trim();
    let area_m2 = match area.parse::<f64>() {
        _ if area.is_empty() => None,
        Ok(v) if v.is_finite() => Some(v),
        _ => {
            let errors = vec![FieldError::new("area_m2", "验收建筑面积应为数字（平方米）")];
            return super::show_project(&s, &web, &code, f, errors).await;
        }
    };
    let input = RequestInput {
        part: Some(f.part.clone()),
        area_m2,
    };
    match acceptance::request(&s.store, p, &code, &input).await {
        Ok(a) => {
            Ok(Redirect::to(&format!("/projects/acceptances/{}", a.acceptance_no)).into_response())
        }
        Err(e) => {
            let errors = field_errors(e)?;
            super::show_project(&s, &web, &code, f, errors).await
        }
    }
}
