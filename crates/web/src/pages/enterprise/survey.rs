//! The quarterly satisfaction survey's pages: for the center, the quarters with
//! their questionnaires, the distributors, the links issued and the results; for a
//! department, its own results and its answer to the issues raised; for an
//! enterprise, the questionnaire behind its one-time link; for a distributor, its
//! response rate behind its key.

use crate::AppState;
use crate::pages::{
    Errors, FieldError, Layout, MessagePage, PageError, PageForm, PageResult, Web, field_errors,
    render, status_422,
};
use askama::Template;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use axum::routing::{get, post};
use serde::Deserialize;
use std::collections::HashMap;
use tongban_domain::org::Role;
use tongban_domain::supervision::Quarter;
use tongban_domain::survey::{DistributorKind, QuestionnaireInput, comment_field, score_field};
use tongban_store::enterprise::{
    self, DistributorStatus, DistributorView, Form, Recipient, Results, SurveyView,
};
use tongban_store::org::{self, Department};
use tongban_store::{StoreError, time};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/enterprise/surveys", get(list).post(open))
        .route("/enterprise/surveys/distributors", post(add_distributor))
        .route("/enterprise/surveys/{quarter}", get(results))
        .route("/enterprise/surveys/{quarter}/links", post(issue))
        .route("/enterprise/surveys/{quarter}/close", post(close))
        .route("/enterprise/surveys/{quarter}/reply", post(reply))
        .route("/survey/{token}", get(questionnaire).post(answer))
        .route("/survey/distributor/{key}", get(distributor))
}

fn administers(web: &Web) -> Result<bool, PageError> {
    Ok(matches!(web.staff()?.role, Role::Supervisor | Role::Admin))
}

/// The questions offered for a new quarter.
const QUESTIONS: &str =
    "服务态度\n办事效率\n政策宣传与解读\n依法行政与廉洁自律\n解决企业问题的能力";

#[derive(Template)]
#[template(path = "enterprise/surveys.html")]
struct ListPage {
    layout: Layout,
    surveys: Vec<SurveyView>,
    distributors: Vec<DistributorView>,
    departments: Vec<Department>,
    administers: bool,
    kinds: Vec<(&'static str, &'static str)>,
    f: QuestionnaireInput,
    name: String,
    kind: String,
    key: Option<String>,
    errors: Errors,
}

struct Typed {
    f: QuestionnaireInput,
    name: String,
    kind: String,
    key: Option<String>,
}

async fn show_list(
    s: &AppState,
    web: &Web,
    typed: Option<Typed>,
    errors: Vec<FieldError>,
) -> PageResult {
    let administers = administers(web)?;
    let departments = org::departments(&s.store).await?;
    let typed = match typed {
        Some(t) => t,
        None => Typed {
            f: show_defaults(s).await?,
            name: String::new(),
            kind: String::new(),
            key: None,
        },
    };
    let failed = !errors.is_empty();
    let r = render(&ListPage {
        layout: web.layout(),
        surveys: enterprise::surveys(&s.store).await?,
        distributors: enterprise::distributors(&s.store).await?,
        departments,
        administers,
        kinds: DistributorKind::ALL
            .iter()
            .map(|k| (k.as_str(), k.label()))
            .collect(),
        f: typed.f,
        name: typed.name,
        kind: typed.kind,
        key: typed.key,
        errors: errors.into(),
    })?;
    Ok(if failed { status_422(r) } else { r })
}

async fn list(State(s): State<AppState>, web: Web) -> PageResult {
    web.staff()?;
    show_list(&s, &web, None, vec![]).await
}

/// The questionnaire's form: its departments come as repeated fields.
fn questionnaire_of(form: &[(String, String)]) -> (String, QuestionnaireInput) {
    let mut csrf = String::new();
    let mut f = QuestionnaireInput::default();
    for (k, v) in form {
        match k.as_str() {
            "csrf" => csrf = v.clone(),
            "quarter" => f.quarter = v.clone(),
            "title" => f.title = v.clone(),
            "questions" => f.questions = v.clone(),
            "departments" => f.departments.push(v.clone()),
            _ => {}
        }
    }
    (csrf, f)
}

async fn open(
    State(s): State<AppState>,
    web: Web,
    PageForm(form): PageForm<Vec<(String, String)>>,
) -> PageResult {
    let (csrf, f) = questionnaire_of(&form);
    web.check_csrf(&csrf)?;
    let p = web.staff()?;
    match enterprise::open_survey(&s.store, p, &f).await {
        Ok(v) => Ok(Redirect::to(&format!("/enterprise/surveys/{}", v.quarter)).into_response()),
        Err(e) => {
            let errors = field_errors(e)?;
            let typed = Typed {
                f,
                name: String::new(),
                kind: String::new(),
                key: None,
            };
            show_list(&s, &web, Some(typed), errors).await
        }
    }
}

#[derive(Deserialize)]
struct DistributorForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    kind: String,
}

async fn add_distributor(
    State(s): State<AppState>,
    web: Web,
    PageForm(f): PageForm<DistributorForm>,
) -> PageResult {
    web.check_csrf(&f.csrf)?;
    let p = web.staff()?;
    let (typed, errors) = match enterprise::add_distributor(&s.store, p, &f.name, &f.kind).await {
        Ok((d, key)) => (
            Typed {
                f: QuestionnaireInput::default(),
                name: d.name,
                kind: String::new(),
                key: Some(key),
            },
            vec![],
        ),
        Err(e) => (
            Typed {
                f: QuestionnaireInput::default(),
                name: f.name,
                kind: f.kind,
                key: None,
            },
            field_errors(e)?,
        ),
    };
    let mut typed = typed;
    typed.f = show_defaults(&s).await?;
    show_list(&s, &web, Some(typed), errors).await
}

/// The new quarter's form as offered: this quarter, every department.
async fn show_defaults(s: &AppState) -> Result<QuestionnaireInput, PageError> {
    let next = Quarter::of(time::local_day(time::now()));
    Ok(QuestionnaireInput {
        quarter: next.to_string(),
        title: format!("{}政府满意度测评", next.label()),
        questions: QUESTIONS.into(),
        departments: org::departments(&s.store)
            .await?
            .into_iter()
            .map(|d| d.code)
            .collect(),
    })
}

#[derive(Template)]
#[template(path = "enterprise/survey.html")]
struct ResultsPage {
    layout: Layout,
    r: Results,
    distributors: Vec<DistributorView>,
    administers: bool,
    /// The viewer's department answers the issues raised.
    may_reply: bool,
    reply: String,
    distributor: String,
    count: String,
    enterprise_name: String,
    /// Links just issued: `(path)`.
    links: Vec<String>,
    errors: Errors,
}

#[derive(Default)]
struct Issue {
    distributor: String,
    count: String,
    enterprise_name: String,
    reply: String,
    links: Vec<String>,
}

async fn show_results(
    s: &AppState,
    web: &Web,
    quarter: &str,
    typed: Issue,
    errors: Vec<FieldError>,
) -> PageResult {
    let p = web.staff()?;
    let r = enterprise::survey_results(&s.store, p, quarter).await?;
    let may_reply = !r.all && r.departments.len() == 1;
    let reply = if typed.reply.is_empty() {
        r.departments
            .first()
            .filter(|_| may_reply)
            .and_then(|d| d.reply.clone())
            .unwrap_or_default()
    } else {
        typed.reply
    };
    let failed = !errors.is_empty();
    let page = render(&ResultsPage {
        layout: web.layout(),
        administers: r.all,
        distributors: if r.all {
            enterprise::distributors(&s.store).await?
        } else {
            vec![]
        },
        r,
        may_reply,
        reply,
        distributor: typed.distributor,
        count: if typed.count.is_empty() {
            "50".into()
        } else {
            typed.count
        },
        enterprise_name: typed.enterprise_name,
        links: typed.links,
        errors: errors.into(),
    })?;
    Ok(if failed { status_422(page) } else { page })
}

async fn results(State(s): State<AppState>, web: Web, Path(quarter): Path<String>) -> PageResult {
    show_results(&s, &web, &quarter, Issue::default(), vec![]).await
}

#[derive(Deserialize)]
struct IssueForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    to: String,
    #[serde(default)]
    distributor: String,
    #[serde(default)]
    count: String,
    #[serde(default)]
    enterprise_name: String,
}

async fn issue(
    State(s): State<AppState>,
    web: Web,
    Path(quarter): Path<String>,
    PageForm(f): PageForm<IssueForm>,
) -> PageResult {
    web.check_csrf(&f.csrf)?;
    let p = web.staff()?;
    let to = if f.to == "enterprise" {
        Recipient::Enterprise {
            name: &f.enterprise_name,
        }
    } else {
        Recipient::Distributor {
            name: &f.distributor,
            count: &f.count,
        }
    };
    let mut typed = Issue {
        distributor: f.distributor.clone(),
        count: f.count.clone(),
        enterprise_name: f.enterprise_name.clone(),
        ..Default::default()
    };
    match enterprise::issue_links(&s.store, p, &quarter, to).await {
        Ok(tokens) => {
            typed.links = tokens.iter().map(|t| format!("/survey/{t}")).collect();
            show_results(&s, &web, &quarter, typed, vec![]).await
        }
        Err(e) => {
            let errors = field_errors(e)?;
            show_results(&s, &web, &quarter, typed, errors).await
        }
    }
}

#[derive(Deserialize)]
struct CsrfForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    reply: String,
}

async fn close(
    State(s): State<AppState>,
    web: Web,
    Path(quarter): Path<String>,
    PageForm(f): PageForm<CsrfForm>,
) -> PageResult {
    web.check_csrf(&f.csrf)?;
    let p = web.staff()?;
    match enterprise::close_survey(&s.store, p, &quarter).await {
        Ok(v) => Ok(Redirect::to(&format!("/enterprise/surveys/{}", v.quarter)).into_response()),
        Err(e) => {
            let errors = field_errors(e)?;
            show_results(&s, &web, &quarter, Issue::default(), errors).await
        }
    }
}

async fn reply(
    State(s): State<AppState>,
    web: Web,
    Path(quarter): Path<String>,
    PageForm(f): PageForm<CsrfForm>,
) -> PageResult {
    web.check_csrf(&f.csrf)?;
    let p = web.staff()?;
    match enterprise::reply_survey(&s.store, p, &quarter, &f.reply).await {
        Ok(()) => {
            let q = Quarter::parse(&quarter).map_or_else(|_| String::new(), |q| q.to_string());
            Ok(Redirect::to(&format!("/enterprise/surveys/{q}")).into_response())
        }
        Err(e) => {
            let errors = field_errors(e)?;
            let typed = Issue {
                reply: f.reply,
                ..Default::default()
            };
            show_results(&s, &web, &quarter, typed, errors).await
        }
    }
}

#[derive(Template)]
#[template(path = "enterprise/survey_form.html")]
struct QuestionnairePage {
    layout: Layout,
    form: Form,
    /// Per department: `(code, name, per question (field, label, chosen), comment field, comment)`.
    blocks: Vec<Block>,
    errors: Errors,
}

struct Block {
    name: String,
    questions: Vec<(String, String, String)>,
    comment_field: String,
    comment: String,
}

fn blocks(form: &Form, typed: &HashMap<String, String>) -> Vec<Block> {
    form.survey
        .departments
        .iter()
        .map(|(code, name)| Block {
            name: name.clone(),
            questions: form
                .survey
                .questions
                .iter()
                .enumerate()
                .map(|(i, q)| {
                    let f = score_field(code, i);
                    let chosen = typed.get(&f).cloned().unwrap_or_default();
                    (f, q.clone(), chosen)
                })
                .collect(),
            comment_field: comment_field(code),
            comment: typed.get(&comment_field(code)).cloned().unwrap_or_default(),
        })
        .collect()
}

/// A link used, unknown or closed: its Chinese message as a page, with its status.
fn refused(web: &Web, e: StoreError) -> PageResult {
    let (status, title, body) = match e {
        StoreError::NotFound(m) => (StatusCode::NOT_FOUND, "测评链接无效", m),
        StoreError::Conflict { message, .. } => (StatusCode::CONFLICT, "无法填写", message),
        other => return Err(other.into()),
    };
    let mut r = render(&MessagePage {
        layout: web.layout(),
        title: title.into(),
        body,
    })?;
    *r.status_mut() = status;
    Ok(r)
}

async fn questionnaire(
    State(s): State<AppState>,
    web: Web,
    Path(token): Path<String>,
) -> PageResult {
    match enterprise::survey_form(&s.store, &token).await {
        Ok(form) => {
            let page = QuestionnairePage {
                layout: web.layout(),
                blocks: blocks(&form, &HashMap::new()),
                form,
                errors: Errors::default(),
            };
            Ok(web.finish(render(&page)?))
        }
        Err(e) => refused(&web, e),
    }
}

async fn answer(
    State(s): State<AppState>,
    web: Web,
    Path(token): Path<String>,
    PageForm(form): PageForm<Vec<(String, String)>>,
) -> PageResult {
    let typed: HashMap<String, String> = form.into_iter().collect();
    web.check_csrf(typed.get("csrf").map_or("", String::as_str))?;
    match enterprise::answer_survey(&s.store, &token, &typed).await {
        Ok(()) => render(&MessagePage {
            layout: web.layout(),
            title: "提交成功".into(),
            body: "感谢您参加政府满意度测评！您的评价和意见建议将反馈给各部门，帮助改进服务企业的工作。".into(),
        }),
        Err(StoreError::Invalid(i)) => answer_again(&s, &web, &token, &typed, vec![i]).await,
        Err(StoreError::Faults(all)) => answer_again(&s, &web, &token, &typed, all).await,
        Err(e) => refused(&web, e),
    }
}

async fn answer_again(
    s: &AppState,
    web: &Web,
    token: &str,
    typed: &HashMap<String, String>,
    faults: Vec<tongban_domain::Invalid>,
) -> PageResult {
    let form = match enterprise::survey_form(&s.store, token).await {
        Ok(f) => f,
        Err(e) => return refused(web, e),
    };
    let errors: Vec<FieldError> = faults
        .into_iter()
        .map(|i| FieldError::new(i.field, i.message))
        .collect();
    Ok(status_422(render(&QuestionnairePage {
        layout: web.layout(),
        blocks: blocks(&form, typed),
        form,
        errors: errors.into(),
    })?))
}

#[derive(Template)]
#[template(path = "enterprise/survey_distributor.html")]
struct DistributorPage {
    layout: Layout,
    d: DistributorStatus,
}

async fn distributor(State(s): State<AppState>, web: Web, Path(key): Path<String>) -> PageResult {
    match enterprise::distributor_status(&s.store, &key).await {
        Ok(d) => render(&DistributorPage {
            layout: web.layout(),
            d,
        }),
        Err(e) => refused(&web, e),
    }
}
