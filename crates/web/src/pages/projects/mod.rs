//! 工程建设项目: the project register for the comprehensive window, the departments
//! and supervisors (the stages of parallel approval come next, issue 15).

use crate::AppState;
use crate::pages::{
    Errors, FieldError, Layout, PageForm, PageResult, Web, field_errors, render, status_422,
    urlencode,
};
use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect};
use axum::routing::get;
use serde::Deserialize;
use tongban_domain::org::PointKind;
use tongban_domain::project::{Category, Funding, ProjectInput};
use tongban_store::org::{self, Department, Point};
use tongban_store::projects::{self, ProjectFilter, ProjectView};

mod acceptance;
mod problems;
mod stages;
mod track;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/projects", get(list).post(create))
        .route("/projects/new", get(new))
        .route("/projects/{code}", get(one))
        .merge(acceptance::router())
        .merge(stages::router())
        .merge(track::router())
        .merge(problems::router())
}

/// A list page's number from its query; anything else is the first page.
pub(crate) fn page_of(v: Option<&str>) -> i64 {
    crate::api::optional_int("page", v)
        .ok()
        .flatten()
        .unwrap_or(1)
        .clamp(1, 100_000)
}

/// The links to the pages before and after `page` of a list of `per_page` rows that
/// showed `rows` of `total`.
pub(crate) fn neighbours(
    page: i64,
    per_page: i64,
    rows: usize,
    total: &tongban_store::Total,
    link: impl Fn(i64) -> String,
) -> (Option<String>, Option<String>) {
    let shown = (page - 1) * per_page + rows as i64;
    (
        (page > 1).then(|| link(page - 1)),
        (shown < total.count || total.more).then(|| link(page + 1)),
    )
}

#[derive(Template)]
#[template(path = "projects/list.html")]
struct ListPage {
    layout: Layout,
    projects: Vec<ProjectView>,
    total: String,
    filter: ListQuery,
    towns: Vec<Point>,
    categories: Vec<(&'static str, &'static str)>,
    may_register: bool,
    page: i64,
    next: Option<String>,
    prev: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
struct ListQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    town: String,
    #[serde(default)]
    category: String,
    #[serde(default)]
    page: Option<String>,
}

fn towns(points: &[Point]) -> Vec<Point> {
    points
        .iter()
        .filter(|p| matches!(p.kind, PointKind::Town | PointKind::Center))
        .cloned()
        .collect()
}

async fn list(State(s): State<AppState>, web: Web, Query(q): Query<ListQuery>) -> PageResult {
    let p = web.staff()?;
    let page = page_of(q.page.as_deref());
    let f = ProjectFilter {
        q: Some(q.q.clone()),
        town: Some(q.town.clone()),
        category: Some(q.category.clone()),
        page: Some(page),
        ..Default::default()
    };
    let (rows, total) = projects::list(&s.store, p, &f).await?;
    let link = |n: i64| {
        format!(
            "/projects?q={}&town={}&category={}&page={n}",
            urlencode(&q.q),
            urlencode(&q.town),
            urlencode(&q.category)
        )
    };
    let (prev, next) = neighbours(page, projects::PAGE_SIZE, rows.len(), &total, link);
    render(&ListPage {
        layout: web.layout(),
        total: total.to_string(),
        projects: rows,
        towns: towns(&s.store.points_cached().await?),
        categories: Category::ALL
            .iter()
            .map(|c| (c.as_str(), c.label()))
            .collect(),
        may_register: p.role.accepts_applications() || p.role == tongban_domain::org::Role::Admin,
        filter: q,
        page,
        next,
        prev,
    })
}

#[derive(Template)]
#[template(path = "projects/project.html")]
struct ProjectPage {
    layout: Layout,
    p: ProjectView,
    acceptances: Vec<tongban_store::projects::acceptance::AcceptanceView>,
    stages: Vec<StageRow>,
    problems: Vec<tongban_store::projects::problems::ProblemView>,
    lf: tongban_store::projects::long_four::LongFour,
    /// Staff of a department (or an administrator) raise coordination problems.
    may_raise: bool,
    departments: Vec<Department>,
    today: String,
    /// The windows and the lead department record an owner's acceptance request.
    may_request: bool,
    form: acceptance::RequestForm,
    errors: Errors,
}

async fn one(State(s): State<AppState>, web: Web, Path(code): Path<String>) -> PageResult {
    show_project(&s, &web, &code, Default::default(), vec![]).await
}

/// A stage of the project: its latest application, and whether the window may take
/// one now.
struct StageRow {
    code: &'static str,
    label: &'static str,
    latest: Option<tongban_store::projects::stages::StageView>,
    earlier: usize,
    may_apply: bool,
}

fn stage_rows(all: Vec<tongban_store::projects::stages::StageView>, window: bool) -> Vec<StageRow> {
    use tongban_domain::stage::StageState;
    let mut rows: Vec<StageRow> = vec![];
    for st in tongban_domain::project::Stage::ALL {
        let mine: Vec<_> = all.iter().filter(|a| a.stage == *st).cloned().collect();
        let earlier = mine.len().saturating_sub(1);
        let latest = mine.into_iter().last();
        let prev_passed = rows.last().is_none_or(|r: &StageRow| {
            r.latest
                .as_ref()
                .is_some_and(|l| l.state == StageState::Passed)
        });
        let open = latest
            .as_ref()
            .is_none_or(|l| l.state == StageState::EndedUnapproved);
        rows.push(StageRow {
            code: st.as_str(),
            label: st.label(),
            latest,
            earlier,
            may_apply: window && prev_passed && open,
        });
    }
    rows
}

/// A project with its acceptances; with the faults of a request form (422).
async fn show_project(
    s: &AppState,
    web: &Web,
    code: &str,
    form: acceptance::RequestForm,
    errors: Vec<FieldError>,
) -> PageResult {
    let p = web.staff()?;
    let project = projects::get(&s.store, p, code).await?;
    let failed = !errors.is_empty();
    let may_request = p.role.accepts_applications()
        || tongban_store::projects::acceptance::leads(p, &project.lead_department);
    let r = render(&ProjectPage {
        layout: web.layout(),
        acceptances: tongban_store::projects::acceptance::for_project(&s.store, p, &project.code)
            .await?,
        stages: stage_rows(
            tongban_store::projects::stages::for_project(&s.store, p, &project.code).await?,
            p.role.accepts_applications(),
        ),
        problems: tongban_store::projects::problems::list(
            &s.store,
            p,
            &tongban_store::projects::problems::ProblemFilter {
                project: Some(project.code.clone()),
                per_page: Some(200),
                ..Default::default()
            },
        )
        .await?
        .0,
        lf: tongban_store::projects::long_four::for_project(&s.store, p, &project.code).await?,
        may_raise: p.role == tongban_domain::org::Role::Admin
            || (p.department_id.is_some() && p.role != tongban_domain::org::Role::Supervisor),
        departments: org::departments(&s.store).await?,
        today: tongban_store::time::day(tongban_store::time::local_day(tongban_store::time::now())),
        may_request,
        p: project,
        form,
        errors: errors.into(),
    })?;
    Ok(if failed { status_422(r) } else { r })
}

#[derive(Template)]
#[template(path = "projects/new.html")]
struct NewPage {
    layout: Layout,
    form: ProjectForm,
    errors: Errors,
    towns: Vec<Point>,
    departments: Vec<Department>,
    fundings: Vec<(&'static str, &'static str)>,
    categories: Vec<(&'static str, &'static str)>,
}

/// The registration form as typed: numbers stay text until checked.
#[derive(Debug, Default, Deserialize)]
struct ProjectForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    code: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    owner_credit_code: String,
    #[serde(default)]
    owner_name: String,
    #[serde(default)]
    town: String,
    #[serde(default)]
    address: String,
    /// 万元.
    #[serde(default)]
    investment_wan: String,
    #[serde(default)]
    land_area_m2: String,
    #[serde(default)]
    floor_area_m2: String,
    #[serde(default)]
    funding: String,
    #[serde(default)]
    category: String,
    #[serde(default)]
    lead_department: String,
}

async fn show(s: &AppState, web: &Web, form: ProjectForm, errors: Vec<FieldError>) -> PageResult {
    let failed = !errors.is_empty();
    let r = render(&NewPage {
        layout: web.layout(),
        form,
        errors: errors.into(),
        towns: towns(&s.store.points_cached().await?),
        departments: org::departments(&s.store).await?,
        fundings: Funding::ALL
            .iter()
            .map(|c| (c.as_str(), c.label()))
            .collect(),
        categories: Category::ALL
            .iter()
            .map(|c| (c.as_str(), c.label()))
            .collect(),
    })?;
    Ok(if failed { status_422(r) } else { r })
}

async fn new(State(s): State<AppState>, web: Web) -> PageResult {
    web.staff()?;
    let form = ProjectForm {
        funding: "social".into(),
        category: "general".into(),
        ..Default::default()
    };
    show(&s, &web, form, vec![]).await
}

/// A decimal typed into a form: empty is missing; anything else not a number is a
/// field error with the field's name.
fn number(field: &'static str, label: &str, v: &str, errors: &mut Vec<FieldError>) -> Option<f64> {
    let v = v.trim();
    if v.is_empty() {
        return None;
    }
    match v.parse::<f64>() {
        Ok(n) if n.is_finite() => Some(n),
        _ => {
            errors.push(FieldError::new(field, format!("{label}应为数字")));
            Some(f64::NAN)
        }
    }
}

async fn create(
    State(s): State<AppState>,
    web: Web,
    PageForm(f): PageForm<ProjectForm>,
) -> PageResult {
    web.check_csrf(&f.csrf)?;
    let p = web.staff()?;
    let mut typed = vec![];
    let investment = number("investment_wan", "总投资", &f.investment_wan, &mut typed);
    let land = number("land_area_m2", "用地面积", &f.land_area_m2, &mut typed);
    let floor = number("floor_area_m2", "建筑面积", &f.floor_area_m2, &mut typed);
    let input = ProjectInput {
        code: f.code.clone(),
        name: f.name.clone(),
        owner_credit_code: f.owner_credit_code.clone(),
        owner_name: f.owner_name.clone(),
        town: f.town.clone(),
        address: f.address.clone(),
        investment_fen: investment
            .filter(|n| n.is_finite())
            .map(|w| (w * 1_000_000.0).round() as i64),
        land_area_m2: land.filter(|n| n.is_finite()),
        floor_area_m2: floor.filter(|n| n.is_finite()),
        funding: f.funding.clone(),
        category: f.category.clone(),
        lead_department: f.lead_department.clone(),
    };
    if !typed.is_empty() {
        // The other fields' faults too, all at once (the numbers typed wrong are
        // already named).
        if let Err(faults) = input.check() {
            for i in faults {
                let e = on_form(FieldError::new(i.field, i.message));
                if !typed.iter().any(|t| t.field == e.field) {
                    typed.push(e);
                }
            }
        }
        return show(&s, &web, f, typed).await;
    }
    match projects::create(&s.store, p, &input).await {
        Ok(v) => Ok(Redirect::to(&format!("/projects/{}", v.code)).into_response()),
        Err(e) => {
            let errors = field_errors(e)?.into_iter().map(on_form).collect();
            show(&s, &web, f, errors).await
        }
    }
}

/// A fault as the form names it: the form asks for 万元 where the API takes fen.
fn on_form(mut e: FieldError) -> FieldError {
    if e.field == "investment_fen" {
        e.field = "investment_wan".into();
        e.message = e.message.replace("（分）", "（万元）");
    }
    e
}
