//! 公共资源交易信息网 (part of the portal): announcements searched and filtered by
//! kind, buyer, town, date and amount, and a project's timeline from its
//! announcement to its contract; for administrators, the feeds' file import and
//! the source systems' push keys.

use crate::AppState;
use crate::pages::{
    Errors, FieldError, Layout, PageResult, Web, field_errors, render, status_422, urlencode,
};
use askama::Template;
use axum::Router;
use axum::extract::{DefaultBodyLimit, Multipart, Path, Query, State};
use axum::routing::{get, post};
use tongban_domain::org::Role;
use tongban_domain::trading::{Source, Stage, TradingKind};
use tongban_store::trading::{
    self, CreditView, FeedReport, NoticePage, NoticeQuery, NoticeView, ProjectView,
};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/trading", get(search))
        .route("/trading/projects/{ocid}", get(project))
        .route("/trading/credit", get(credit))
        .route("/admin/trading", get(admin))
        .route(
            "/admin/trading",
            post(import).layer(DefaultBodyLimit::max(64 * 1024 * 1024)),
        )
        .route("/admin/trading/key", post(new_key))
}

/// An amount in fen as 元 for people.
fn yuan(fen: &i64) -> String {
    NoticeView::yuan(*fen)
}

#[derive(Template)]
#[template(path = "trading/search.html")]
struct SearchPage {
    layout: Layout,
    q: NoticeQuery,
    page: NoticePage,
    kinds: Vec<(&'static str, &'static str)>,
    stages: Vec<(&'static str, &'static str)>,
    next: Option<String>,
    errors: Errors,
}

fn query_string(q: &NoticeQuery, cursor: &str) -> String {
    let pairs = [
        ("kind", &q.kind),
        ("stage", &q.stage),
        ("buyer", &q.buyer),
        ("town", &q.town),
        ("from", &q.from),
        ("to", &q.to),
        ("min", &q.min),
        ("max", &q.max),
    ];
    let mut out: Vec<String> = pairs
        .iter()
        .filter(|(_, v)| !v.trim().is_empty())
        .map(|(k, v)| format!("{k}={}", urlencode(v.trim())))
        .collect();
    out.push(format!("cursor={}", urlencode(cursor)));
    out.join("&")
}

async fn search(State(s): State<AppState>, web: Web, Query(q): Query<NoticeQuery>) -> PageResult {
    let kinds = TradingKind::ALL
        .iter()
        .map(|k| (k.as_str(), k.label()))
        .collect();
    let stages = Stage::ALL.iter().map(|k| (k.as_str(), k.label())).collect();
    let (page, errors) = match trading::search(&s.store, &q).await {
        Ok(p) => (p, vec![]),
        Err(e) => (
            NoticePage {
                notices: vec![],
                next_cursor: None,
            },
            field_errors(e)?,
        ),
    };
    let failed = !errors.is_empty();
    let next = page
        .next_cursor
        .as_deref()
        .map(|c| format!("/trading?{}", query_string(&q, c)));
    let r = render(&SearchPage {
        layout: web.layout(),
        q,
        page,
        kinds,
        stages,
        next,
        errors: errors.into(),
    })?;
    Ok(if failed { status_422(r) } else { r })
}

#[derive(Template)]
#[template(path = "trading/project.html")]
struct ProjectPage {
    layout: Layout,
    p: ProjectView,
    /// The credit records in force of the organisations named.
    credit: Vec<CreditView>,
}

async fn project(State(s): State<AppState>, web: Web, Path(ocid): Path<String>) -> PageResult {
    let p = trading::project(&s.store, &ocid).await?;
    let mut codes: Vec<String> = p
        .notices
        .iter()
        .flat_map(|n| n.suppliers.iter().map(|s| s.credit_code.clone()))
        .filter(|c| !c.is_empty())
        .collect();
    codes.sort();
    codes.dedup();
    let credit = if codes.is_empty() {
        vec![]
    } else {
        trading::in_force(&s.store, &codes).await?
    };
    render(&ProjectPage {
        layout: web.layout(),
        p,
        credit,
    })
}

#[derive(Template)]
#[template(path = "trading/credit.html")]
struct CreditPage {
    layout: Layout,
    credit_code: String,
    rows: Vec<CreditView>,
}

#[derive(serde::Deserialize)]
struct CreditQuery {
    #[serde(default)]
    credit_code: String,
}

/// 信用信息: the penalties and bad-conduct records still published.
async fn credit(State(s): State<AppState>, web: Web, Query(q): Query<CreditQuery>) -> PageResult {
    let code = q.credit_code.trim().to_string();
    let codes: Vec<String> = Some(code.clone())
        .filter(|c| !c.is_empty())
        .into_iter()
        .collect();
    render(&CreditPage {
        layout: web.layout(),
        rows: trading::in_force(&s.store, &codes).await?,
        credit_code: code,
    })
}

#[derive(Template)]
#[template(path = "trading/admin.html")]
struct AdminPage {
    layout: Layout,
    sources: Vec<(&'static str, &'static str)>,
    source: String,
    report: Option<FeedReport>,
    key: Option<(String, String)>,
    errors: Errors,
}

fn administers(web: &Web) -> Result<(), crate::pages::PageError> {
    web.staff_as(&[Role::Admin], "交易数据导入仅供系统管理员使用。")
        .map(|_| ())
}

async fn show_admin(
    web: &Web,
    source: String,
    report: Option<FeedReport>,
    key: Option<(String, String)>,
    errors: Vec<FieldError>,
) -> PageResult {
    let failed = !errors.is_empty();
    let r = render(&AdminPage {
        layout: web.layout(),
        sources: Source::ALL
            .iter()
            .map(|s| (s.as_str(), s.label()))
            .collect(),
        source,
        report,
        key,
        errors: errors.into(),
    })?;
    Ok(if failed { status_422(r) } else { r })
}

async fn admin(web: Web) -> PageResult {
    administers(&web)?;
    show_admin(&web, String::new(), None, None, vec![]).await
}

/// A feed file (CSV or JSON) from one source system.
async fn import(State(s): State<AppState>, web: Web, mut form: Multipart) -> PageResult {
    let mut csrf = String::new();
    let mut source = String::new();
    let mut name = String::new();
    let mut file = vec![];
    while let Ok(Some(field)) = form.next_field().await {
        match field.name().unwrap_or("") {
            "csrf" => csrf = field.text().await.unwrap_or_default(),
            "source" => source = field.text().await.unwrap_or_default(),
            "file" => {
                name = field.file_name().unwrap_or("").to_lowercase();
                file = field.bytes().await.map(|b| b.to_vec()).unwrap_or_default();
            }
            _ => {}
        }
    }
    web.check_csrf(&csrf)?;
    administers(&web)?;
    let p = web.staff()?;
    let mut errors = vec![];
    let src = Source::parse(source.trim());
    if src.is_none() {
        errors.push(FieldError::new("source", "请选择数据来源的交易系统"));
    }
    if file.is_empty() {
        errors.push(FieldError::new("file", "请选择要导入的 CSV 或 JSON 文件"));
    }
    let (Some(src), true) = (src, errors.is_empty()) else {
        return show_admin(&web, source, None, None, errors).await;
    };
    let Ok(text) = String::from_utf8(file) else {
        let errors = vec![FieldError::new("file", "文件应为 UTF-8 编码的 CSV 或 JSON")];
        return show_admin(&web, source, None, None, errors).await;
    };
    let parsed = if name.ends_with(".json") || text.trim_start().starts_with(['[', '{']) {
        trading::parse_json(&text)
    } else {
        trading::parse_csv(&text)
    };
    let result = match parsed {
        Ok(records) => trading::ingest(&s.store, src, records, &p.actor()).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(report) => show_admin(&web, source, Some(report), None, vec![]).await,
        Err(e) => {
            let mut errors = field_errors(e)?;
            for e in &mut errors {
                e.field = "file".into();
            }
            show_admin(&web, source, None, None, errors).await
        }
    }
}

#[derive(serde::Deserialize)]
struct KeyForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    source: String,
}

/// A new push key for a source system, shown once.
async fn new_key(
    State(s): State<AppState>,
    web: Web,
    crate::pages::PageForm(f): crate::pages::PageForm<KeyForm>,
) -> PageResult {
    web.check_csrf(&f.csrf)?;
    administers(&web)?;
    let p = web.staff()?;
    let Some(src) = Source::parse(f.source.trim()) else {
        let errors = vec![FieldError::new("key_source", "请选择交易系统")];
        return show_admin(&web, String::new(), None, None, errors).await;
    };
    let key = trading::new_key(&s.store, src, &p.actor()).await?;
    show_admin(
        &web,
        String::new(),
        None,
        Some((src.label().to_string(), key)),
        vec![],
    )
    .await
}
