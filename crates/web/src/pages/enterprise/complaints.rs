//! Enterprise complaints for staff: the list (the center and agents see all, a
//! department its own), taking a complaint from a call or a visit, assigning it to
//! a department with working days, the department's answer, and turning one about a
//! construction project into a coordination problem.

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
use tongban_domain::enterprise::{COMPLAINT_DAYS, ComplaintInput};
use tongban_domain::org::Role;
use tongban_store::enterprise::{self, ComplaintView, Show, Viewer};
use tongban_store::org::{self, Department, Principal};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/enterprise/complaints", get(list).post(take))
        .route("/enterprise/complaints/{no}", get(one))
        .route("/enterprise/complaints/{no}/assign", post(assign))
        .route("/enterprise/complaints/{no}/answer", post(answer))
        .route("/enterprise/complaints/{no}/coordinate", post(coordinate))
}

fn takes(p: &Principal) -> bool {
    matches!(p.role, Role::HotlineAgent | Role::Supervisor | Role::Admin)
}

fn center(p: &Principal) -> bool {
    matches!(p.role, Role::Supervisor | Role::Admin)
}

#[derive(Template)]
#[template(path = "enterprise/complaints.html")]
struct ListPage {
    layout: Layout,
    rows: Vec<ComplaintView>,
    show: &'static str,
    may_take: bool,
    f: ComplaintInput,
    errors: Errors,
}

#[derive(Deserialize)]
struct ListQuery {
    #[serde(default)]
    show: String,
}

async fn show_list(
    s: &AppState,
    web: &Web,
    show: Show,
    f: ComplaintInput,
    errors: Vec<FieldError>,
) -> PageResult {
    let p = web.staff()?;
    let failed = !errors.is_empty();
    let r = render(&ListPage {
        layout: web.layout(),
        rows: enterprise::complaints(&s.store, &Viewer::Staff(p), show).await?,
        show: match show {
            Show::All => "all",
            Show::Open => "open",
            Show::Overdue => "overdue",
        },
        may_take: takes(p),
        f,
        errors: errors.into(),
    })?;
    Ok(if failed { status_422(r) } else { r })
}

async fn list(State(s): State<AppState>, web: Web, Query(q): Query<ListQuery>) -> PageResult {
    let show = Show::parse(&q.show)?;
    let f = ComplaintInput {
        channel: "phone".into(),
        ..Default::default()
    };
    show_list(&s, &web, show, f, vec![]).await
}

#[derive(Deserialize)]
struct TakeForm {
    #[serde(default)]
    csrf: String,
    #[serde(flatten)]
    input: ComplaintInput,
}

async fn take(State(s): State<AppState>, web: Web, PageForm(f): PageForm<TakeForm>) -> PageResult {
    web.check_csrf(&f.csrf)?;
    let p = web.staff()?;
    match enterprise::take(&s.store, p, &f.input).await {
        Ok(v) => Ok(Redirect::to(&format!("/enterprise/complaints/{}", v.no)).into_response()),
        Err(e) => {
            let errors = field_errors(e)?;
            show_list(&s, &web, Show::All, f.input, errors).await
        }
    }
}

#[derive(Template)]
#[template(path = "enterprise/complaint.html")]
struct OnePage {
    layout: Layout,
    c: ComplaintView,
    departments: Vec<Department>,
    may_assign: bool,
    may_answer: bool,
    department: String,
    limit_days: String,
    answer: String,
    errors: Errors,
}

struct Typed {
    department: String,
    limit_days: String,
    answer: String,
}

async fn show_one(
    s: &AppState,
    web: &Web,
    no: &str,
    typed: Option<Typed>,
    errors: Vec<FieldError>,
) -> PageResult {
    let p = web.staff()?;
    let c = enterprise::complaint(&s.store, &Viewer::Staff(p), no).await?;
    let may_assign = center(p) && c.answered_on.is_none();
    let may_answer = c.answered_on.is_none()
        && c.department.is_some()
        && (p.role == Role::Admin
            || (p.department == c.department
                && matches!(
                    p.role,
                    Role::Approver | Role::DepartmentHead | Role::UnitHandler
                )));
    let typed = typed.unwrap_or_else(|| Typed {
        department: c.department.clone().unwrap_or_default(),
        limit_days: c
            .limit_days
            .map_or(COMPLAINT_DAYS.to_string(), |n| n.to_string()),
        answer: String::new(),
    });
    let failed = !errors.is_empty();
    let r = render(&OnePage {
        layout: web.layout(),
        departments: if may_assign {
            org::departments(&s.store).await?
        } else {
            vec![]
        },
        may_assign,
        may_answer,
        c,
        department: typed.department,
        limit_days: typed.limit_days,
        answer: typed.answer,
        errors: errors.into(),
    })?;
    Ok(if failed { status_422(r) } else { r })
}

async fn one(State(s): State<AppState>, web: Web, Path(no): Path<String>) -> PageResult {
    show_one(&s, &web, &no, None, vec![]).await
}

#[derive(Deserialize)]
struct ActForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    department: String,
    #[serde(default)]
    limit_days: String,
    #[serde(default)]
    answer: String,
}

async fn assign(
    State(s): State<AppState>,
    web: Web,
    Path(no): Path<String>,
    PageForm(f): PageForm<ActForm>,
) -> PageResult {
    web.check_csrf(&f.csrf)?;
    let p = web.staff()?;
    match enterprise::assign(&s.store, p, &no, &f.department, &f.limit_days).await {
        Ok(v) => Ok(Redirect::to(&format!("/enterprise/complaints/{}", v.no)).into_response()),
        Err(e) => {
            let errors = field_errors(e)?;
            let typed = Typed {
                department: f.department,
                limit_days: f.limit_days,
                answer: String::new(),
            };
            show_one(&s, &web, &no, Some(typed), errors).await
        }
    }
}

async fn answer(
    State(s): State<AppState>,
    web: Web,
    Path(no): Path<String>,
    PageForm(f): PageForm<ActForm>,
) -> PageResult {
    web.check_csrf(&f.csrf)?;
    let p = web.staff()?;
    match enterprise::answer(&s.store, p, &no, &f.answer).await {
        Ok(v) => Ok(Redirect::to(&format!("/enterprise/complaints/{}", v.no)).into_response()),
        Err(e) => {
            let errors = field_errors(e)?;
            let typed = Typed {
                department: String::new(),
                limit_days: String::new(),
                answer: f.answer,
            };
            show_one(&s, &web, &no, Some(typed), errors).await
        }
    }
}

async fn coordinate(
    State(s): State<AppState>,
    web: Web,
    Path(no): Path<String>,
    PageForm(f): PageForm<ActForm>,
) -> PageResult {
    web.check_csrf(&f.csrf)?;
    let p = web.staff()?;
    match enterprise::coordinate(&s.store, p, &no).await {
        // The number as found (the path's own may carry spaces around it).
        Ok(_) => Ok(Redirect::to(&format!("/enterprise/complaints/{}", no.trim())).into_response()),
        Err(e) => {
            let errors = field_errors(e)?;
            show_one(&s, &web, &no, None, errors).await
        }
    }
}
