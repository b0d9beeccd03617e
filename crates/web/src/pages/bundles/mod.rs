//! "One thing" bundles (一件事一次办): the public pages and the online application
//! (`online`), the comprehensive window's acceptance of a bundle — one applicant,
//! one joined form, each material ticked once, and the new entity's particulars
//! when the bundle opens a business — the staff's list and page of bundle
//! applications, and the administrators' definitions.

mod online;

pub(crate) use online::by_event;

use crate::AppState;
use crate::pages::registration::{investors_of, on_form, wan_to_fen};
use crate::pages::{
    Errors, FieldError, Layout, PageError, PageForm, PageResult, Web, field_errors, render,
    status_422,
};
use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect};
use axum::routing::get;
use serde::Deserialize;
use std::collections::HashMap;
use tongban_domain::bundle::{BundleApplicationInput, BundleInput, Event};
use tongban_domain::case::{ApplicantInput, IdType};
use tongban_domain::org::{PointKind, Role};
use tongban_domain::registration::{EntityType, EstablishInput};
use tongban_store::bundles::{self, BundleApplicationView, BundleGuide, BundleView};
use tongban_store::cases::Creator;
use tongban_store::time;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/workbench/bundles", get(list))
        .route(
            "/workbench/bundles/accept/{code}",
            get(accept_form).post(accept),
        )
        .route("/workbench/bundles/{no}", get(application))
        .route("/admin/catalog/bundles", get(admin).post(define))
        .merge(online::router())
}

#[derive(Template)]
#[template(path = "bundles/staff_list.html")]
struct ListPage {
    layout: Layout,
    groups: Vec<(&'static str, Vec<BundleView>)>,
    may_accept: bool,
    rows: Vec<BundleApplicationView>,
    next: Option<i64>,
}

#[derive(Deserialize)]
struct CursorQuery {
    cursor: Option<String>,
}

async fn list(State(s): State<AppState>, web: Web, Query(q): Query<CursorQuery>) -> PageResult {
    let p = web.staff()?;
    let cursor = q
        .cursor
        .as_deref()
        .and_then(|c| c.trim().parse::<i64>().ok())
        .filter(|c| *c > 0);
    let (rows, next) = bundles::applications(&s.store, p, cursor).await?;
    let all = bundles::in_use(&s.store, time::local_day(time::now())).await?;
    render(&ListPage {
        layout: web.layout(),
        groups: online::by_event(all),
        may_accept: p.role.accepts_applications(),
        rows,
        next,
    })
}

#[derive(Template)]
#[template(path = "bundles/staff_application.html")]
struct ApplicationPage {
    layout: Layout,
    b: BundleApplicationView,
}

async fn application(State(s): State<AppState>, web: Web, Path(no): Path<String>) -> PageResult {
    let p = web.staff()?;
    let b = bundles::application(&s.store, p, &no).await?;
    render(&ApplicationPage {
        layout: web.layout(),
        b,
    })
}

/// A field of the establishment's particulars on the window's form:
/// `(name, label, hint)`.
const ESTABLISH_FIELDS: &[(&str, &str, &str)] = &[
    (
        "name",
        "企业名称",
        "公司名称以“有限公司”或“股份有限公司”结尾；不得与已登记的市场主体重名",
    ),
    ("address", "住所（经营场所）", ""),
    (
        "legal_rep_name",
        "法定代表人（负责人）姓名",
        "法定代表人即本次申请的申请人",
    ),
    ("legal_rep_id_number", "法定代表人身份证号码", ""),
    ("legal_rep_phone", "法定代表人手机号码", ""),
    ("capital_wan", "注册资本（出资额，万元）", ""),
];

#[derive(Template)]
#[template(path = "bundles/accept.html")]
struct AcceptPage {
    layout: Layout,
    g: BundleGuide,
    /// Everything typed, by field name (`m{i}` a ticked material, `form_{name}` an
    /// answer of the joined form).
    form: HashMap<String, String>,
    id_types: Vec<(&'static str, &'static str)>,
    types: Vec<(&'static str, &'static str)>,
    towns: Vec<(String, String)>,
    establish_fields: &'static [(&'static str, &'static str, &'static str)],
    errors: Errors,
}

impl AcceptPage {
    fn v(&self, name: &str) -> String {
        self.form.get(name).cloned().unwrap_or_default()
    }
    fn ticked(&self, i: &usize) -> bool {
        self.form.contains_key(&format!("m{i}"))
    }
    fn answer(&self, name: &str) -> String {
        self.v(&format!("form_{name}"))
    }
}

async fn show_accept(
    s: &AppState,
    web: &Web,
    g: BundleGuide,
    form: HashMap<String, String>,
    errors: Vec<FieldError>,
) -> PageResult {
    let failed = !errors.is_empty();
    let towns = s
        .store
        .points_cached()
        .await?
        .iter()
        .filter(|p| p.kind == PointKind::Town)
        .map(|p| (p.code.clone(), p.name.clone()))
        .collect();
    let r = render(&AcceptPage {
        layout: web.layout(),
        g,
        form,
        id_types: IdType::ALL
            .iter()
            .map(|t| (t.as_str(), t.label()))
            .collect(),
        types: EntityType::ALL
            .iter()
            .map(|t| (t.as_str(), t.label()))
            .collect(),
        towns,
        establish_fields: ESTABLISH_FIELDS,
        errors: errors.into(),
    })?;
    Ok(if failed { status_422(r) } else { r })
}

fn may_accept(web: &Web) -> Result<(), PageError> {
    let p = web.staff()?;
    if !p.role.accepts_applications() {
        return Err(PageError::new(
            axum::http::StatusCode::FORBIDDEN,
            "无权操作",
            "只有窗口人员可以受理申请。",
        ));
    }
    Ok(())
}

async fn accept_form(State(s): State<AppState>, web: Web, Path(code): Path<String>) -> PageResult {
    may_accept(&web)?;
    let g = bundles::guide(&s.store, &code).await?;
    let mut form = HashMap::new();
    form.insert("kind".to_string(), "person".to_string());
    form.insert("entity_type".to_string(), "llc".to_string());
    // Every material ticked to begin with: the clerk unticks what is missing.
    for i in 0..g.materials.len() {
        form.insert(format!("m{i}"), "1".into());
    }
    show_accept(&s, &web, g, form, vec![]).await
}

/// The form's field for a fault the store names.
fn form_field(store_field: &str) -> String {
    match store_field {
        "applicant.kind" => "kind",
        "applicant.name" => "applicant_name",
        "applicant.id_type" => "id_type",
        "applicant.id_number" => "id_number",
        "applicant.credit_code" => "credit_code",
        "applicant.contact" => "contact",
        "applicant.phone" => "phone",
        "deferred" => "materials",
        other => other,
    }
    .to_string()
}

/// The application the window's form makes: the applicant, the ticked materials,
/// the joined form's answers and, for a business being opened, its particulars.
fn input_of(
    g: &BundleGuide,
    f: &HashMap<String, String>,
    typed: &mut Vec<FieldError>,
) -> BundleApplicationInput {
    let v = |k: &str| f.get(k).cloned().unwrap_or_default();
    let org = v("kind") == "organisation";
    let registration = g.establishment.then(|| EstablishInput {
        name: v("name"),
        entity_type: v("entity_type"),
        town: v("town"),
        address: v("address"),
        legal_rep_name: v("legal_rep_name"),
        legal_rep_id_number: v("legal_rep_id_number"),
        legal_rep_phone: v("legal_rep_phone"),
        registered_capital_fen: wan_to_fen(
            "capital_wan",
            "注册资本（出资额）",
            &v("capital_wan"),
            typed,
        ),
        business_scope: v("business_scope"),
        investors: investors_of(&v("investors"), typed),
    });
    BundleApplicationInput {
        channel: Some("window".into()),
        applicant: (!g.establishment).then(|| ApplicantInput {
            kind: Some(if org { "organisation" } else { "person" }.into()),
            name: Some(v("applicant_name")),
            id_type: (!org).then(|| v("id_type")),
            id_number: (!org).then(|| v("id_number")),
            credit_code: org.then(|| v("credit_code")),
            contact: org.then(|| v("contact")),
            phone: Some(v("phone")),
        }),
        materials: Some(
            g.materials
                .iter()
                .enumerate()
                .filter(|(i, _)| f.contains_key(&format!("m{i}")))
                .map(|(_, m)| m.name.clone())
                .collect(),
        ),
        form: g
            .fields
            .iter()
            .filter_map(|x| {
                f.get(&format!("form_{}", x.name))
                    .filter(|v| !v.trim().is_empty())
                    .map(|v| (x.name.clone(), v.clone()))
            })
            .collect(),
        note: Some(v("note")).filter(|n| !n.trim().is_empty()),
        registration,
        draft: None,
    }
}

async fn accept(
    State(s): State<AppState>,
    web: Web,
    Path(code): Path<String>,
    PageForm(f): PageForm<HashMap<String, String>>,
) -> PageResult {
    web.check_csrf(f.get("csrf").map(String::as_str).unwrap_or(""))?;
    may_accept(&web)?;
    let p = web.staff()?;
    let g = bundles::guide(&s.store, &code).await?;
    let mut typed = vec![];
    let input = input_of(&g, &f, &mut typed);
    if !typed.is_empty() {
        return show_accept(&s, &web, g, f, typed).await;
    }
    match bundles::apply(&s.store, Creator::Staff(p), &code, &input, &[]).await {
        Ok(b) => {
            Ok(Redirect::to(&format!("/workbench/bundles/{}", b.application_no)).into_response())
        }
        Err(e) => {
            let errors = field_errors(e)?
                .into_iter()
                .map(|e| on_form(FieldError::new(&form_field(&e.field), e.message)))
                .collect();
            show_accept(&s, &web, g, f, errors).await
        }
    }
}

#[derive(Template)]
#[template(path = "bundles/admin.html")]
struct AdminPage {
    layout: Layout,
    in_use: Vec<BundleView>,
    history: Vec<BundleView>,
    form: BundleForm,
    events: Vec<(&'static str, &'static str)>,
    errors: Errors,
    saved: bool,
}

#[derive(Debug, Default, Deserialize)]
struct BundleForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    code: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    event: String,
    #[serde(default)]
    theme: String,
    #[serde(default)]
    description: String,
    /// Item codes, one per line (or separated by commas).
    #[serde(default)]
    items: String,
    #[serde(default)]
    effective_from: String,
    /// `stop` to stop the bundle from that day.
    #[serde(default)]
    stop: Option<String>,
}

#[derive(Deserialize)]
struct SavedQuery {
    saved: Option<String>,
    code: Option<String>,
}

fn may_administer(web: &Web) -> Result<(), PageError> {
    web.staff_as(&[Role::Admin], "一件事由系统管理员维护。")?;
    Ok(())
}

async fn show_admin(
    s: &AppState,
    web: &Web,
    form: BundleForm,
    errors: Vec<FieldError>,
    saved: bool,
) -> PageResult {
    let failed = !errors.is_empty();
    let r = render(&AdminPage {
        layout: web.layout(),
        in_use: bundles::in_use(&s.store, time::local_day(time::now())).await?,
        history: bundles::history(&s.store).await?,
        form,
        events: Event::ALL.iter().map(|e| (e.as_str(), e.label())).collect(),
        errors: errors.into(),
        saved,
    })?;
    Ok(if failed { status_422(r) } else { r })
}

async fn admin(State(s): State<AppState>, web: Web, Query(q): Query<SavedQuery>) -> PageResult {
    may_administer(&web)?;
    let today = time::local_day(time::now());
    // Editing a bundle starts from its version in force.
    let mut form = BundleForm {
        event: "life".into(),
        effective_from: time::day(today),
        ..Default::default()
    };
    if let Some(code) = q.code.as_deref().filter(|c| !c.trim().is_empty())
        && let Some(b) = bundles::in_use(&s.store, today)
            .await?
            .into_iter()
            .find(|b| b.code == code.trim())
    {
        form.code = b.code;
        form.name = b.name;
        form.event = b.event.as_str().into();
        form.theme = b.theme;
        form.description = b.description;
        form.items = b
            .items
            .iter()
            .map(|(c, _)| c.as_str())
            .collect::<Vec<_>>()
            .join("\n");
    }
    show_admin(&s, &web, form, vec![], q.saved.is_some()).await
}

async fn define(
    State(s): State<AppState>,
    web: Web,
    PageForm(f): PageForm<BundleForm>,
) -> PageResult {
    web.check_csrf(&f.csrf)?;
    may_administer(&web)?;
    let p = web.staff()?;
    let input = BundleInput {
        code: f.code.clone(),
        name: f.name.clone(),
        event: f.event.clone(),
        theme: f.theme.clone(),
        description: f.description.clone(),
        items: f
            .items
            .split(['\n', ',', '，', '、'])
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
            .collect(),
        effective_from: f.effective_from.clone(),
        in_use: Some(f.stop.is_none()),
    };
    match bundles::define(&s.store, p, &input).await {
        Ok(_) => Ok(Redirect::to("/admin/catalog/bundles?saved=1").into_response()),
        Err(e) => {
            let errors = field_errors(e)?;
            show_admin(&s, &web, f, errors, false).await
        }
    }
}
