//! Window supervision's pages: the registers of banners (锦旗) and of innovation
//! measures (创新举措), read by staff and kept by the office's supervisors; the
//! monthly patrols entered at the window on a phone, with a photo.

use crate::AppState;
use crate::pages::{
    Errors, FieldError, Layout, PageError, PageForm, PageResult, Web, field_errors, render,
    status_422,
};
use askama::Template;
use axum::Router;
use axum::extract::{DefaultBodyLimit, Multipart, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use axum::routing::{get, post};
use serde::Deserialize;
use tongban_domain::org::Role;
use tongban_domain::supervision::Quarter;
use tongban_domain::supervision::{
    BannerInput, CommendationKind, InnovationInput, PATROL_CHECKS, PatrolInput,
};
use tongban_store::supervision::{
    self, Assessment, CommendationView, PatrolView, VisitImport, VisitView, WindowScore,
};
use tongban_store::time;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/supervision/banners", get(banners).post(add_banner))
        .route(
            "/supervision/innovations",
            get(innovations).post(add_innovation),
        )
        .route(
            "/supervision/patrols",
            get(patrols)
                .post(add_patrol)
                .layer(DefaultBodyLimit::max(12 * 1024 * 1024)),
        )
        .route("/supervision/patrols/{id}/photo", get(patrol_photo))
        .route("/supervision/assessment", get(assessment))
        .route("/supervision/assessment/weights", post(weights))
        .route("/supervision/assessment/{quarter}/{window}", get(sheet))
        .route(
            "/supervision/visits",
            get(visits)
                .post(import_visits)
                .layer(DefaultBodyLimit::max(12 * 1024 * 1024)),
        )
}

#[derive(Template)]
#[template(path = "supervision/visits.html")]
struct VisitsPage {
    layout: Layout,
    rows: Vec<VisitView>,
    may_import: bool,
    /// The import just done: rows kept, and each rejected row's line and reason.
    result: Option<VisitImport>,
    errors: Errors,
}

async fn show_visits(
    s: &AppState,
    web: &Web,
    result: Option<VisitImport>,
    errors: Vec<FieldError>,
) -> PageResult {
    let p = web.staff()?;
    let failed = !errors.is_empty();
    let r = render(&VisitsPage {
        layout: web.layout(),
        rows: supervision::visits(&s.store).await?,
        may_import: matches!(p.role, Role::Supervisor | Role::Admin),
        result,
        errors: errors.into(),
    })?;
    Ok(if failed { status_422(r) } else { r })
}

async fn visits(State(s): State<AppState>, web: Web) -> PageResult {
    show_visits(&s, &web, None, vec![]).await
}

/// The third party's workbook: the rows kept, the rejected ones listed with their
/// line and reason.
async fn import_visits(State(s): State<AppState>, web: Web, mut form: Multipart) -> PageResult {
    let mut csrf = String::new();
    let mut file = vec![];
    while let Ok(Some(field)) = form.next_field().await {
        match field.name().unwrap_or("") {
            "csrf" => csrf = field.text().await.unwrap_or_default(),
            "file" => file = field.bytes().await.map(|b| b.to_vec()).unwrap_or_default(),
            _ => {}
        }
    }
    web.check_csrf(&csrf)?;
    let p = web.staff()?;
    if file.is_empty() {
        let errors = vec![FieldError::new("file", "请选择暗访结果工作簿（xlsx）")];
        return show_visits(&s, &web, None, errors).await;
    }
    match supervision::import_visits(&s.store, p, &file).await {
        Ok(result) => show_visits(&s, &web, Some(result), vec![]).await,
        Err(e) => {
            let errors = field_errors(e)?;
            show_visits(&s, &web, None, errors).await
        }
    }
}

#[derive(Template)]
#[template(path = "supervision/patrols.html")]
struct PatrolsPage {
    layout: Layout,
    rows: Vec<PatrolView>,
    may_record: bool,
    windows: Vec<(String, String)>,
    checks: &'static [(&'static str, &'static str)],
    window: String,
    patrolled_on: String,
    failed: Vec<String>,
    note: String,
    errors: Errors,
    saved: bool,
}

impl PatrolsPage {
    fn ticked(&self, code: &&str) -> bool {
        self.failed.iter().any(|f| f == code)
    }
}

async fn windows_of(s: &AppState) -> Result<Vec<(String, String)>, PageError> {
    Ok(s.store
        .windows_cached()
        .await?
        .iter()
        .map(|w| (w.code.clone(), format!("{}（{}）", w.name, w.point)))
        .collect())
}

async fn show_patrols(
    s: &AppState,
    web: &Web,
    input: PatrolInput,
    errors: Vec<FieldError>,
    saved: bool,
) -> PageResult {
    let p = web.staff()?;
    let failed = !errors.is_empty();
    let r = render(&PatrolsPage {
        layout: web.layout(),
        rows: supervision::patrols(&s.store).await?,
        may_record: matches!(p.role, Role::Supervisor | Role::Admin),
        windows: windows_of(s).await?,
        checks: &PATROL_CHECKS,
        window: input.window,
        patrolled_on: input.patrolled_on,
        failed: input.failed,
        note: input.note,
        errors: errors.into(),
        saved,
    })?;
    Ok(if failed { status_422(r) } else { r })
}

async fn patrols(State(s): State<AppState>, web: Web, Query(q): Query<SavedQuery>) -> PageResult {
    let input = PatrolInput {
        patrolled_on: time::day(time::local_day(time::now())),
        ..Default::default()
    };
    show_patrols(&s, &web, input, vec![], q.saved.is_some()).await
}

/// A patrol entered at the window, on a phone: the checklist, what was found, and
/// the photo taken there.
async fn add_patrol(State(s): State<AppState>, web: Web, mut form: Multipart) -> PageResult {
    let mut input = PatrolInput::default();
    let mut csrf = String::new();
    let mut photo = None;
    loop {
        let field = match form.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(_) => {
                return Err(PageError::new(
                    StatusCode::BAD_REQUEST,
                    "无法提交",
                    "提交的内容不完整或照片过大（不超过10MB），请返回重新选择照片。",
                ));
            }
        };
        let name = field.name().unwrap_or("").to_string();
        if name == "photo" {
            let filename = field.file_name().unwrap_or("").to_string();
            let bytes = field.bytes().await.map_err(|_| {
                PageError::new(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    "照片过大",
                    "照片不超过10MB。",
                )
            })?;
            if !bytes.is_empty() {
                photo = Some((filename, bytes.to_vec()));
            }
            continue;
        }
        let value: String = field
            .text()
            .await
            .unwrap_or_default()
            .chars()
            .take(1000)
            .collect();
        match name.as_str() {
            "csrf" => csrf = value,
            "window" => input.window = value,
            "patrolled_on" => input.patrolled_on = value,
            "note" => input.note = value,
            "failed" => input.failed.push(value),
            _ => {}
        }
    }
    web.check_csrf(&csrf)?;
    let p = web.staff()?;
    match supervision::record_patrol(&s.store, p, &input, photo).await {
        Ok(_) => Ok(Redirect::to("/supervision/patrols?saved=1").into_response()),
        Err(e) => {
            let errors = field_errors(e)?;
            show_patrols(&s, &web, input, errors, false).await
        }
    }
}

/// A patrol's photo, for staff.
async fn patrol_photo(State(s): State<AppState>, web: Web, Path(id): Path<String>) -> PageResult {
    web.staff()?;
    let missing = || PageError::new(StatusCode::NOT_FOUND, "未找到", "照片不存在");
    let id: i64 = id.parse().map_err(|_| missing())?;
    let (key, kind) = supervision::patrol(&s.store, id)
        .await?
        .photo
        .ok_or_else(missing)?;
    let bytes = s.store.files().get(&key).await?;
    let mut resp = bytes.into_response();
    let h = resp.headers_mut();
    if let Ok(v) = axum::http::HeaderValue::from_str(&kind) {
        h.insert(axum::http::header::CONTENT_TYPE, v);
    }
    h.insert(
        axum::http::header::CACHE_CONTROL,
        axum::http::HeaderValue::from_static("private, no-store"),
    );
    Ok(resp)
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
    let windows = windows_of(s).await?;
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

#[derive(Template)]
#[template(path = "supervision/assessment.html")]
struct AssessmentPage {
    layout: Layout,
    a: Assessment,
    parts: Vec<(&'static str, &'static str, &'static str)>,
    previous: String,
    next: Option<String>,
    may_weigh: bool,
    /// The weights as typed (after a fault) or as in force.
    typed: Vec<String>,
    errors: Errors,
}

impl AssessmentPage {
    fn fmt(v: &Option<f64>) -> String {
        v.map(|x| format!("{x:.1}")).unwrap_or_else(|| "—".into())
    }
}

#[derive(Deserialize)]
struct QuarterQuery {
    quarter: Option<String>,
}

/// The quarter asked for, or the current one.
fn quarter_of(q: Option<&str>) -> Result<Quarter, PageError> {
    match q.map(str::trim).filter(|q| !q.is_empty()) {
        Some(q) => Quarter::parse(q)
            .map_err(|e| PageError::new(StatusCode::UNPROCESSABLE_ENTITY, "季度无效", e.message)),
        None => Ok(Quarter::of(time::local_day(time::now()))),
    }
}

async fn show_assessment(
    s: &AppState,
    web: &Web,
    q: Quarter,
    typed: Option<Vec<String>>,
    errors: Vec<FieldError>,
) -> PageResult {
    let p = web.staff()?;
    let a = supervision::assess(&s.store, &q.to_string()).await?;
    let current = Quarter::of(time::local_day(time::now()));
    let next = Quarter {
        year: if q.q == 4 { q.year + 1 } else { q.year },
        q: q.q % 4 + 1,
    };
    let failed = !errors.is_empty();
    let r = render(&AssessmentPage {
        typed: typed.unwrap_or_else(|| a.weights.0.iter().map(|w| w.to_string()).collect()),
        parts: supervision::part_labels(),
        previous: q.previous().to_string(),
        next: (q != current).then(|| next.to_string()),
        may_weigh: p.role == Role::Admin,
        layout: web.layout(),
        a,
        errors: errors.into(),
    })?;
    Ok(if failed { status_422(r) } else { r })
}

async fn assessment(
    State(s): State<AppState>,
    web: Web,
    Query(q): Query<QuarterQuery>,
) -> PageResult {
    web.staff()?;
    let q = quarter_of(q.quarter.as_deref())?;
    show_assessment(&s, &web, q, None, vec![]).await
}

#[derive(Deserialize)]
struct WeightsForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    quarter: String,
    #[serde(flatten)]
    rest: std::collections::HashMap<String, String>,
}

async fn weights(
    State(s): State<AppState>,
    web: Web,
    PageForm(f): PageForm<WeightsForm>,
) -> PageResult {
    web.check_csrf(&f.csrf)?;
    let p = web.staff()?;
    let q = quarter_of(Some(&f.quarter))?;
    let typed: Vec<String> = tongban_domain::supervision::ASSESSMENT_PARTS
        .iter()
        .map(|(code, ..)| f.rest.get(*code).cloned().unwrap_or_default())
        .collect();
    let mut parsed = [None; 6];
    for (slot, t) in parsed.iter_mut().zip(&typed) {
        *slot = t.trim().parse::<i64>().ok();
    }
    match supervision::set_weights(&s.store, p, &q.to_string(), &parsed).await {
        Ok(_) => Ok(Redirect::to(&format!("/supervision/assessment?quarter={q}")).into_response()),
        Err(e) => {
            let errors = field_errors(e)?;
            show_assessment(&s, &web, q, Some(typed), errors).await
        }
    }
}

#[derive(Template)]
#[template(path = "supervision/sheet.html")]
struct SheetPage {
    layout: Layout,
    a: Assessment,
    w: WindowScore,
    parts: Vec<(&'static str, &'static str, &'static str)>,
}

impl SheetPage {
    fn fmt(v: &Option<f64>) -> String {
        AssessmentPage::fmt(v)
    }
}

/// 窗口考核表: one window's sheet of a quarter, to print.
async fn sheet(
    State(s): State<AppState>,
    web: Web,
    Path((quarter, window)): Path<(String, String)>,
) -> PageResult {
    web.staff()?;
    let q = quarter_of(Some(&quarter))?;
    let a = supervision::assess(&s.store, &q.to_string()).await?;
    let w = a
        .windows
        .iter()
        .find(|w| w.window == window)
        .cloned()
        .ok_or_else(|| {
            PageError::new(
                StatusCode::NOT_FOUND,
                "未找到",
                format!("窗口“{window}”不存在"),
            )
        })?;
    render(&SheetPage {
        layout: web.layout(),
        parts: supervision::part_labels(),
        a,
        w,
    })
}
