//! The 12345 knowledge base (咨询知识库) on the web: the public self-service search
//! with highlighted snippets, each article, the FAQ series (问答); for staff, the
//! editors' list and form, the queue of unanswered questions, and the suggestions
//! the agent screen shows while a call is typed in.

use crate::AppState;
use crate::pages::{
    Errors, FieldError, Layout, PageError, PageForm, PageResult, Web, field_errors, render,
};
use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect};
use axum::routing::{get, post};
use serde::Deserialize;
use tongban_domain::org::Role;
use tongban_store::StoreError;
use tongban_store::kb::{
    self, Article, ArticleInput, Audience, ListFilter, Question, Results, SearchQuery,
};
use tongban_store::org::{self, Department, Principal};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/assets/kb-suggest.js", get(script))
        .route("/kb", get(search))
        .route("/kb/suggest", get(suggest))
        .route("/kb/faq", get(faq))
        .route("/kb/articles/{id}", get(article))
        .route("/hotline/kb", get(editor_list))
        .route("/hotline/kb/new", get(new_form).post(create))
        .route("/hotline/kb/questions", get(queue))
        .route("/hotline/kb/questions/{id}/answer", post(answer))
        .route("/hotline/kb/questions/{id}/dismiss", post(dismiss))
        .route("/hotline/kb/{id}", get(edit_form).post(update))
        .route("/hotline/kb/{id}/withdraw", post(withdraw))
}

async fn script() -> impl IntoResponse {
    (
        [
            (
                axum::http::header::CONTENT_TYPE,
                "text/javascript; charset=utf-8",
            ),
            (axum::http::header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        include_str!("../../../assets/kb-suggest.js"),
    )
}

fn audience(web: &Web) -> Audience {
    if web.staff().is_ok() {
        Audience::Staff
    } else {
        Audience::Public
    }
}

fn page_number(p: Option<&str>) -> i64 {
    p.and_then(|p| p.parse::<i64>().ok())
        .filter(|p| (1..=10_000).contains(p))
        .unwrap_or(1)
}

fn pages(total: i64, per_page: i64) -> i64 {
    ((total + per_page - 1) / per_page.max(1)).max(1)
}

#[derive(Deserialize)]
struct SearchParams {
    q: Option<String>,
    page: Option<String>,
}

#[derive(Template)]
#[template(path = "hotline/kb_search.html")]
struct SearchPage {
    layout: Layout,
    q: String,
    results: Option<Results>,
    page: i64,
    staff: bool,
    errors: Errors,
}

impl SearchPage {
    fn link(&self, page: i64) -> String {
        format!("/kb?q={}&page={page}", crate::pages::urlencode(&self.q))
    }
}

async fn search(State(s): State<AppState>, web: Web, Query(q): Query<SearchParams>) -> PageResult {
    let text = q.q.unwrap_or_default().trim().to_string();
    let page = page_number(q.page.as_deref());
    let mut errors = vec![];
    let results = if text.is_empty() {
        None
    } else {
        let query = SearchQuery {
            q: Some(text.clone()),
            department: None,
            page: Some(page),
            per_page: Some(10),
        };
        match kb::search(&s.store, &query, audience(&web)).await {
            Ok(r) => Some(r),
            Err(StoreError::Invalid(i)) => {
                errors.push(FieldError::new("q", i.message));
                None
            }
            Err(e) => return Err(e.into()),
        }
    };
    let view = SearchPage {
        layout: web.layout(),
        q: text,
        results,
        page,
        staff: web.staff().is_ok(),
        errors: errors.into(),
    };
    let mut resp = render(&view)?;
    if !view.errors.is_empty() {
        *resp.status_mut() = StatusCode::BAD_REQUEST;
    }
    Ok(web.finish(resp))
}

#[derive(Template)]
#[template(path = "hotline/kb_suggest.html")]
struct Suggestions {
    results: Results,
}

/// A fragment for the agent screen: the best few articles for what is typed.
async fn suggest(State(s): State<AppState>, web: Web, Query(q): Query<SearchParams>) -> PageResult {
    web.staff()?;
    let text: String =
        q.q.unwrap_or_default()
            .chars()
            .take(kb::MAX_QUESTION_CHARS)
            .collect();
    let query = SearchQuery {
        q: Some(text),
        department: None,
        page: Some(1),
        per_page: Some(5),
    };
    let results = kb::search(&s.store, &query, Audience::Staff).await?;
    Ok(Html(Suggestions { results }.render()?).into_response())
}

#[derive(Template)]
#[template(path = "hotline/kb_article.html")]
struct ArticlePage {
    layout: Layout,
    a: Article,
    staff: bool,
}

async fn article(State(s): State<AppState>, web: Web, Path(id): Path<String>) -> PageResult {
    let id = crate::api::kb::parse_id(&id)?;
    let a = kb::get(&s.store, id, audience(&web)).await?;
    let page = ArticlePage {
        layout: web.layout(),
        a,
        staff: web.staff().is_ok(),
    };
    Ok(web.finish(render(&page)?))
}

#[derive(Template)]
#[template(path = "hotline/kb_faq.html")]
struct FaqPage {
    layout: Layout,
    articles: Vec<Article>,
    page: i64,
    pages: i64,
}

async fn faq(State(s): State<AppState>, web: Web, Query(q): Query<SearchParams>) -> PageResult {
    let page = page_number(q.page.as_deref());
    let (articles, total) = kb::faq(&s.store, Some(page)).await?;
    let view = FaqPage {
        layout: web.layout(),
        articles,
        page,
        pages: pages(total, 20),
    };
    Ok(web.finish(render(&view)?))
}

// ---------------------------------------------------------------------------
// Editors

fn editor(web: &Web) -> Result<&Principal, PageError> {
    web.staff_as(
        &[
            Role::Admin,
            Role::HotlineAgent,
            Role::Supervisor,
            Role::UnitHandler,
        ],
        "知识库仅供12345话务员、督查人员、成员单位和系统管理员维护。",
    )
}

#[derive(Deserialize)]
struct EditorParams {
    status: Option<String>,
    page: Option<String>,
}

#[derive(Template)]
#[template(path = "hotline/kb_editor_list.html")]
struct EditorList {
    layout: Layout,
    articles: Vec<Article>,
    status: String,
    total: i64,
    page: i64,
    pages: i64,
    open_questions: i64,
}

async fn editor_list(
    State(s): State<AppState>,
    web: Web,
    Query(q): Query<EditorParams>,
) -> PageResult {
    editor(&web)?;
    let page = page_number(q.page.as_deref());
    let status = q.status.unwrap_or_default();
    let (articles, total) = kb::list(
        &s.store,
        &ListFilter {
            status: Some(status.clone()).filter(|s| !s.is_empty()),
            page: Some(page),
            ..Default::default()
        },
    )
    .await?;
    let (_, open_questions) = kb::questions(&s.store, Some("open"), Some(1)).await?;
    let view = EditorList {
        layout: web.layout(),
        articles,
        status,
        total,
        page,
        pages: pages(total, 20),
        open_questions,
    };
    Ok(web.finish(render(&view)?))
}

#[derive(Deserialize, Default)]
struct ArticleForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    question: String,
    #[serde(default)]
    answer: String,
    #[serde(default)]
    department: String,
    #[serde(default)]
    tags: String,
    #[serde(default)]
    valid_until: String,
    #[serde(default)]
    faq: Option<String>,
}

impl ArticleForm {
    fn input(&self) -> ArticleInput {
        ArticleInput {
            question: Some(self.question.clone()),
            answer: Some(self.answer.clone()),
            department: Some(self.department.clone()),
            tags: Some(self.tags.clone()),
            valid_until: Some(self.valid_until.clone()),
            faq: Some(self.faq.is_some()),
        }
    }
    fn from_article(a: &Article) -> Self {
        Self {
            csrf: String::new(),
            question: a.question.clone(),
            answer: a.answer.clone(),
            department: a
                .department
                .as_ref()
                .map(|d| d.code.clone())
                .unwrap_or_default(),
            tags: a.tags.join("，"),
            valid_until: a.valid_until.clone().unwrap_or_default(),
            faq: a.faq.then(|| "on".into()),
        }
    }
}

#[derive(Template)]
#[template(path = "hotline/kb_edit.html")]
struct EditPage {
    layout: Layout,
    /// None: a new article.
    article: Option<Article>,
    form: ArticleForm,
    departments: Vec<Department>,
    errors: Errors,
}

async fn departments(s: &AppState) -> Result<Vec<Department>, PageError> {
    Ok(org::departments(&s.store).await?)
}

async fn new_form(State(s): State<AppState>, web: Web) -> PageResult {
    let p = editor(&web)?;
    let form = ArticleForm {
        department: if p.role == Role::UnitHandler {
            p.department.clone().unwrap_or_default()
        } else {
            String::new()
        },
        ..Default::default()
    };
    let view = EditPage {
        layout: web.layout(),
        article: None,
        form,
        departments: departments(&s).await?,
        errors: Errors::default(),
    };
    Ok(web.finish(render(&view)?))
}

async fn rerender(
    s: &AppState,
    web: &Web,
    article: Option<Article>,
    form: ArticleForm,
    errors: Vec<FieldError>,
) -> PageResult {
    let view = EditPage {
        layout: web.layout(),
        article,
        form,
        departments: departments(s).await?,
        errors: errors.into(),
    };
    let mut resp = render(&view)?;
    *resp.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    Ok(resp)
}

async fn create(
    State(s): State<AppState>,
    web: Web,
    PageForm(f): PageForm<ArticleForm>,
) -> PageResult {
    web.check_csrf(&f.csrf)?;
    let p = editor(&web)?;
    match kb::create(&s.store, p, &f.input()).await {
        Ok(a) => Ok(Redirect::to(&format!("/kb/articles/{}", a.id)).into_response()),
        Err(e) => {
            let errors = field_errors(e)?;
            rerender(&s, &web, None, f, errors).await
        }
    }
}

async fn edit_form(State(s): State<AppState>, web: Web, Path(id): Path<String>) -> PageResult {
    editor(&web)?;
    let id = crate::api::kb::parse_id(&id)?;
    let a = kb::get(&s.store, id, Audience::Staff).await?;
    let view = EditPage {
        layout: web.layout(),
        form: ArticleForm::from_article(&a),
        article: Some(a),
        departments: departments(&s).await?,
        errors: Errors::default(),
    };
    Ok(web.finish(render(&view)?))
}

async fn update(
    State(s): State<AppState>,
    web: Web,
    Path(id): Path<String>,
    PageForm(f): PageForm<ArticleForm>,
) -> PageResult {
    web.check_csrf(&f.csrf)?;
    let p = editor(&web)?;
    let id = crate::api::kb::parse_id(&id)?;
    match kb::update(&s.store, p, id, &f.input()).await {
        Ok(a) => Ok(Redirect::to(&format!("/kb/articles/{}", a.id)).into_response()),
        Err(e) => {
            let errors = field_errors(e)?;
            let a = kb::get(&s.store, id, Audience::Staff).await?;
            rerender(&s, &web, Some(a), f, errors).await
        }
    }
}

#[derive(Deserialize)]
struct CsrfOnly {
    #[serde(default)]
    csrf: String,
}

async fn withdraw(
    State(s): State<AppState>,
    web: Web,
    Path(id): Path<String>,
    PageForm(f): PageForm<CsrfOnly>,
) -> PageResult {
    web.check_csrf(&f.csrf)?;
    let p = editor(&web)?;
    let id = crate::api::kb::parse_id(&id)?;
    kb::withdraw(&s.store, p, id).await?;
    Ok(Redirect::to("/hotline/kb").into_response())
}

#[derive(Template)]
#[template(path = "hotline/kb_questions.html")]
struct QueuePage {
    layout: Layout,
    questions: Vec<Question>,
    status: String,
    total: i64,
    page: i64,
    pages: i64,
    departments: Vec<Department>,
    /// The question whose answer failed, with the form and the errors.
    failed: Option<(i64, ArticleForm)>,
    errors: Errors,
}

impl QueuePage {
    fn failed_for(&self, id: &i64) -> Option<&ArticleForm> {
        self.failed
            .as_ref()
            .filter(|(q, _)| q == id)
            .map(|(_, f)| f)
    }
    fn link(&self, page: i64) -> String {
        format!(
            "/hotline/kb/questions?status={}&page={page}",
            crate::pages::urlencode(&self.status)
        )
    }
}

impl EditorList {
    fn link(&self, page: i64) -> String {
        format!(
            "/hotline/kb?status={}&page={page}",
            crate::pages::urlencode(&self.status)
        )
    }
}

async fn queue(State(s): State<AppState>, web: Web, Query(q): Query<EditorParams>) -> PageResult {
    editor(&web)?;
    let page = page_number(q.page.as_deref());
    let status = q.status.unwrap_or_else(|| "open".into());
    let view = queue_page(&s, &web, status, page, None, vec![]).await?;
    Ok(web.finish(render(&view)?))
}

/// The queue page of `status`, with the answer that failed and why, if any.
async fn queue_page(
    s: &AppState,
    web: &Web,
    status: String,
    page: i64,
    failed: Option<(i64, ArticleForm)>,
    errors: Vec<FieldError>,
) -> Result<QueuePage, PageError> {
    let (questions, total) = kb::questions(&s.store, Some(&status), Some(page)).await?;
    Ok(QueuePage {
        layout: web.layout(),
        questions,
        status,
        total,
        page,
        pages: pages(total, 20),
        departments: departments(s).await?,
        failed,
        errors: errors.into(),
    })
}

async fn answer(
    State(s): State<AppState>,
    web: Web,
    Path(id): Path<String>,
    PageForm(f): PageForm<ArticleForm>,
) -> PageResult {
    web.check_csrf(&f.csrf)?;
    let p = editor(&web)?;
    let id = crate::api::kb::parse_id(&id)?;
    match kb::answer_question(&s.store, p, id, &f.input()).await {
        Ok(a) => Ok(Redirect::to(&format!("/kb/articles/{}", a.id)).into_response()),
        Err(e) => {
            let errors = field_errors(e)?;
            let view = queue_page(&s, &web, "open".into(), 1, Some((id, f)), errors).await?;
            let mut resp = render(&view)?;
            *resp.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
            Ok(resp)
        }
    }
}

async fn dismiss(
    State(s): State<AppState>,
    web: Web,
    Path(id): Path<String>,
    PageForm(f): PageForm<CsrfOnly>,
) -> PageResult {
    web.check_csrf(&f.csrf)?;
    let p = editor(&web)?;
    let id = crate::api::kb::parse_id(&id)?;
    kb::dismiss_question(&s.store, p, id).await?;
    Ok(Redirect::to("/hotline/kb/questions").into_response())
}
