//! 并联审批 pages: the stage definitions (everyone reads them; administrators keep
//! new versions), and the comprehensive window's one form for a stage — each
//! material asked once, whichever items need it — that opens every department's case.

use crate::AppState;
use crate::pages::{
    Errors, FieldError, Layout, PageForm, PageResult, Web, field_errors, render, status_422,
};
use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect};
use axum::routing::get;
use serde::Deserialize;
use std::collections::HashMap;
use tongban_domain::org::Role;
use tongban_domain::project::{Category, Funding, Stage};
use tongban_domain::stage::{StageApplicationInput, StageRuleInput};
use tongban_store::projects::stages::{self, StageForm, StageRuleView};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/projects/stages", get(rules).post(define))
        .route("/projects/{code}/stages/new", get(new))
        .route(
            "/projects/{code}/stages",
            axum::routing::post(apply)
                .layer(axum::extract::DefaultBodyLimit::max(MAX_UPLOAD_BYTES)),
        )
}

/// The most one stage application's files may weigh together.
const MAX_UPLOAD_BYTES: usize = 60 * 1024 * 1024;

fn choices<T: Copy>(
    all: &[T],
    f: impl Fn(T) -> (&'static str, &'static str),
) -> Vec<(&'static str, &'static str)> {
    all.iter().map(|v| f(*v)).collect()
}

#[derive(Template)]
#[template(path = "projects/stage_rules.html")]
struct RulesPage {
    layout: Layout,
    in_force: Vec<StageRuleView>,
    history: Vec<StageRuleView>,
    admin: bool,
    form: RuleForm,
    errors: Errors,
    fundings: Vec<(&'static str, &'static str)>,
    categories: Vec<(&'static str, &'static str)>,
    stages: Vec<(&'static str, &'static str)>,
    today: String,
}

#[derive(Debug, Default, Deserialize)]
struct RuleForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    funding: String,
    #[serde(default)]
    category: String,
    #[serde(default)]
    stage: String,
    #[serde(default)]
    limit_days: String,
    /// Item codes, one per line or separated by commas.
    #[serde(default)]
    items: String,
    #[serde(default)]
    effective_from: String,
}

async fn show_rules(
    s: &AppState,
    web: &Web,
    form: RuleForm,
    errors: Vec<FieldError>,
) -> PageResult {
    let p = web.staff()?;
    let (in_force, history) = stages::rules(&s.store).await?;
    let failed = !errors.is_empty();
    let today =
        tongban_store::time::day(tongban_store::time::local_day(tongban_store::time::now()));
    let r = render(&RulesPage {
        layout: web.layout(),
        in_force,
        history,
        admin: p.role == Role::Admin,
        form: RuleForm {
            effective_from: if form.effective_from.is_empty() {
                today.clone()
            } else {
                form.effective_from.clone()
            },
            ..form
        },
        errors: errors.into(),
        fundings: choices(Funding::ALL, |v| (v.as_str(), v.label())),
        categories: choices(Category::ALL, |v| (v.as_str(), v.label())),
        stages: choices(Stage::ALL, |v| (v.as_str(), v.label())),
        today,
    })?;
    Ok(if failed { status_422(r) } else { r })
}

async fn rules(State(s): State<AppState>, web: Web) -> PageResult {
    show_rules(&s, &web, RuleForm::default(), vec![]).await
}

async fn define(
    State(s): State<AppState>,
    web: Web,
    PageForm(f): PageForm<RuleForm>,
) -> PageResult {
    web.check_csrf(&f.csrf)?;
    let p = web.staff()?;
    let limit = f.limit_days.trim();
    let limit_days = match limit.parse::<i64>() {
        _ if limit.is_empty() => None,
        Ok(n) => Some(n),
        Err(_) => {
            let e = FieldError::new("limit_days", "阶段办理时限应为整数（工作日）");
            return show_rules(&s, &web, f, vec![e]).await;
        }
    };
    let input = StageRuleInput {
        funding: f.funding.clone(),
        category: f.category.clone(),
        stage: f.stage.clone(),
        limit_days,
        items: f
            .items
            .split(['\n', ',', '，', '、', ' '])
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
            .collect(),
        effective_from: f.effective_from.clone(),
    };
    match stages::define(&s.store, p, &input).await {
        Ok(_) => Ok(Redirect::to("/projects/stages").into_response()),
        Err(e) => {
            let errors = field_errors(e)?;
            show_rules(&s, &web, f, errors).await
        }
    }
}

#[derive(Template)]
#[template(path = "projects/stage_new.html")]
struct NewPage {
    layout: Layout,
    code: String,
    form: StageForm,
    input: ApplyForm,
    errors: Errors,
}

impl NewPage {
    fn ticked(&self, i: &usize) -> bool {
        let Some(m) = self.form.materials.get(*i) else {
            return false;
        };
        if self.input.csrf.is_empty() {
            return m.1;
        }
        self.input.rest.values().any(|v| *v == m.0)
    }
}

#[derive(Debug, Default, Deserialize)]
struct StageQuery {
    #[serde(default)]
    stage: String,
}

#[derive(Debug, Default, Deserialize)]
struct ApplyForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    stage: String,
    #[serde(default)]
    contact: String,
    #[serde(default)]
    phone: String,
    /// 中介服务, one per line.
    #[serde(default)]
    intermediaries: String,
    #[serde(default)]
    note: String,
    /// Ticked materials as `m0`, `m1`… (a form sends only ticked boxes).
    #[serde(flatten)]
    rest: HashMap<String, String>,
}

fn stage_of(s: &str) -> Result<Stage, crate::pages::PageError> {
    Stage::parse(s.trim()).ok_or_else(|| {
        crate::pages::PageError::new(
            axum::http::StatusCode::BAD_REQUEST,
            "审批阶段无效",
            format!("审批阶段应为{}", Stage::choices()),
        )
    })
}

async fn show_new(
    s: &AppState,
    web: &Web,
    code: &str,
    input: ApplyForm,
    errors: Vec<FieldError>,
) -> PageResult {
    let p = web.staff()?;
    let stage = stage_of(&input.stage)?;
    let form = match stages::form(&s.store, p, code, stage).await {
        Ok(f) => f,
        Err(e) => {
            // The stage is not defined for this kind of project: say so on a page.
            let errors = field_errors(e)?;
            return Err(crate::pages::PageError::new(
                axum::http::StatusCode::UNPROCESSABLE_ENTITY,
                "无法受理该阶段",
                errors
                    .first()
                    .map(|e| e.message.clone())
                    .unwrap_or_default(),
            ));
        }
    };
    let failed = !errors.is_empty();
    let r = render(&NewPage {
        layout: web.layout(),
        code: code.to_string(),
        form,
        input,
        errors: errors.into(),
    })?;
    Ok(if failed { status_422(r) } else { r })
}

async fn new(
    State(s): State<AppState>,
    web: Web,
    Path(code): Path<String>,
    Query(q): Query<StageQuery>,
) -> PageResult {
    let input = ApplyForm {
        stage: q.stage,
        ..Default::default()
    };
    show_new(&s, &web, &code, input, vec![]).await
}

/// The form as sent (multipart: its fields, and the materials' files).
/// The stage application's fields and files. An upload that cannot be read whole
/// (larger than the limit, or cut off) is refused with 413, not taken as no files.
async fn read_form(
    mut form: axum::extract::Multipart,
) -> Result<(ApplyForm, Vec<(String, String, Vec<u8>)>), crate::pages::PageError> {
    let too_big = || {
        crate::pages::PageError::new(
            axum::http::StatusCode::PAYLOAD_TOO_LARGE,
            "文件过大",
            format!(
                "上传的材料不完整或过大（所有文件合计不超过{}MB），请返回重新选择文件。",
                MAX_UPLOAD_BYTES / 1024 / 1024
            ),
        )
    };
    let mut f = ApplyForm::default();
    let mut names: HashMap<String, String> = HashMap::new();
    let mut files: Vec<(String, String, Vec<u8>)> = vec![];
    while let Some(field) = form.next_field().await.map_err(|_| too_big())? {
        let name = field.name().unwrap_or("").to_string();
        if let Some(i) = name.strip_prefix("file") {
            let filename = field.file_name().unwrap_or("").to_string();
            let bytes = field.bytes().await.map_err(|_| too_big())?.to_vec();
            if !bytes.is_empty() || !filename.is_empty() {
                files.push((i.to_string(), filename, bytes));
            }
            continue;
        }
        let value = field.text().await.map_err(|_| too_big())?;
        match name.as_str() {
            "csrf" => f.csrf = value,
            "stage" => f.stage = value,
            "contact" => f.contact = value,
            "phone" => f.phone = value,
            "intermediaries" => f.intermediaries = value,
            "note" => f.note = value,
            n if n.starts_with("material") => {
                names.insert(n["material".len()..].to_string(), value);
            }
            _ => {
                f.rest.insert(name, value);
            }
        }
    }
    // Each file belongs to the material named beside its input.
    let files = files
        .into_iter()
        .filter_map(|(i, filename, bytes)| names.get(&i).map(|m| (m.clone(), filename, bytes)))
        .collect();
    Ok((f, files))
}

async fn apply(
    State(s): State<AppState>,
    web: Web,
    Path(code): Path<String>,
    form: axum::extract::Multipart,
) -> PageResult {
    let (f, files) = read_form(form).await?;
    web.check_csrf(&f.csrf)?;
    let p = web.staff()?;
    stage_of(&f.stage)?;
    // The boxes carry the materials' names, so a definition changed between the form
    // and its submission cannot shift what was ticked.
    let mut materials: Vec<String> = f
        .rest
        .iter()
        .filter(|(k, _)| k.starts_with('m') && k[1..].parse::<usize>().is_ok())
        .map(|(_, v)| v.clone())
        .collect();
    materials.sort();
    let input = StageApplicationInput {
        stage: f.stage.clone(),
        contact: f.contact.clone(),
        phone: f.phone.clone(),
        materials: Some(materials),
        intermediaries: Some(
            f.intermediaries
                .split(['\n', '、', ',', '，'])
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
                .collect(),
        ),
        note: Some(f.note.clone()),
    };
    match stages::apply_with_files(&s.store, p, &code, &input, &files).await {
        Ok(_) => Ok(Redirect::to(&format!("/projects/{code}#stages")).into_response()),
        Err(e) => {
            let errors = field_errors(e)?;
            show_new(&s, &web, &code, f, errors).await
        }
    }
}
