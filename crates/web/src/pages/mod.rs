//! Server-rendered pages: the public portal (service guides, progress query) and the
//! staff workbench. Plain HTML forms that work without JavaScript; every form carries
//! a CSRF token; every page escapes what users typed (askama escapes by default).

mod admin;
mod bundles;
mod center;
pub(crate) mod enterprise;
pub(crate) mod figures;
mod hotline;
mod intermediary;
mod portal;
mod projects;
mod registration;
mod session;
mod signin;
mod supervision;
mod trading;

use crate::AppState;
use askama::Template;
use axum::Router;
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;

pub use session::Web;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/assets/app.css", get(css))
        .route("/assets/print.js", get(print_js))
        .merge(portal::router())
        .merge(signin::router())
        .merge(center::router())
        .merge(figures::router())
        .merge(admin::router())
        .merge(hotline::router())
        .merge(projects::router())
        .merge(registration::router())
        .merge(bundles::router())
        .merge(supervision::router())
        .merge(enterprise::router())
        .merge(intermediary::router())
        .merge(trading::router())
}

async fn css() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        include_str!("../../assets/app.css"),
    )
}

async fn print_js() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        include_str!("../../assets/print.js"),
    )
}

/// What every page's frame shows: the office, who is signed in, the CSRF token.
pub struct Layout {
    pub office: String,
    pub user: Option<String>,
    pub applicant: Option<String>,
    /// The enterprise signed in, by name.
    pub enterprise: Option<String>,
    pub csrf: String,
    /// The signed-in staff member may read the figures (dashboard, work report).
    pub manager: bool,
}

/// The errors of a submitted form: listed in the error summary, each shown again
/// beside its field (`errors.has("name")`, `errors.message("name")`).
#[derive(Default)]
pub struct Errors(pub Vec<FieldError>);

impl Errors {
    pub fn has(&self, field: &str) -> bool {
        self.0.iter().any(|e| e.field == field)
    }
    pub fn message(&self, field: &str) -> String {
        self.0
            .iter()
            .find(|e| e.field == field)
            .map(|e| e.message.clone())
            .unwrap_or_default()
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
    pub fn iter(&self) -> std::slice::Iter<'_, FieldError> {
        self.0.iter()
    }
    pub fn push(&mut self, e: FieldError) {
        self.0.push(e);
    }
}

impl From<Vec<FieldError>> for Errors {
    fn from(v: Vec<FieldError>) -> Self {
        Self(v)
    }
}

/// A field error shown in the error summary and beside the field.
pub struct FieldError {
    pub field: String,
    pub message: String,
}

impl FieldError {
    pub fn new(field: &str, message: impl Into<String>) -> Self {
        Self {
            field: field.to_string(),
            message: message.into(),
        }
    }
}

#[derive(Template)]
#[template(path = "message.html")]
pub struct MessagePage {
    pub layout: Layout,
    pub title: String,
    pub body: String,
}

/// A failure of a page: rendered as a page, never as JSON.
pub struct PageError {
    pub status: StatusCode,
    pub title: String,
    pub body: String,
}

impl PageError {
    pub fn new(status: StatusCode, title: &str, body: impl Into<String>) -> Self {
        Self {
            status,
            title: title.to_string(),
            body: body.into(),
        }
    }
}

impl From<tongban_store::StoreError> for PageError {
    fn from(e: tongban_store::StoreError) -> Self {
        let api = crate::error::ApiError::from(e);
        let title = match api.status {
            StatusCode::NOT_FOUND => "未找到",
            StatusCode::FORBIDDEN => "无权操作",
            StatusCode::UNAUTHORIZED => "请先登录",
            s if s.is_server_error() => "服务暂时不可用",
            _ => "无法完成操作",
        };
        Self::new(api.status, title, api.message)
    }
}

impl From<askama::Error> for PageError {
    fn from(e: askama::Error) -> Self {
        tracing::error!(error = %e, "template error");
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "服务暂时不可用",
            "页面生成失败，请稍后再试",
        )
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let page = MessagePage {
            layout: Layout {
                office: "政务服务中心".into(),
                user: None,
                applicant: None,
                enterprise: None,
                csrf: String::new(),
                manager: false,
            },
            title: self.title,
            body: self.body,
        };
        match page.render() {
            Ok(html) => (self.status, Html(html)).into_response(),
            Err(_) => (self.status, "error").into_response(),
        }
    }
}

pub type PageResult = Result<Response, PageError>;

/// A submitted form; a body that is not a form gets a page saying so, not a bare 4xx.
pub struct PageForm<T>(pub T);

impl<T: serde::de::DeserializeOwned, S: Send + Sync> axum::extract::FromRequest<S> for PageForm<T> {
    type Rejection = PageError;

    async fn from_request(req: axum::extract::Request, state: &S) -> Result<Self, Self::Rejection> {
        match axum::extract::Form::<T>::from_request(req, state).await {
            Ok(axum::extract::Form(v)) => Ok(PageForm(v)),
            Err(_) => Err(PageError::new(
                StatusCode::BAD_REQUEST,
                "无法提交",
                "提交的内容无法识别，请返回上一页重新填写后提交。",
            )),
        }
    }
}

/// A stored instant as the local day people read (`2026-11-27`); the text itself
/// if it is not an instant.
pub fn local_date(s: &str) -> String {
    tongban_store::time::parse_stamp(s)
        .map(|t| tongban_store::time::local_day(t).to_string())
        .unwrap_or_else(|| s.to_string())
}

/// A stored instant as local time to the minute, for dense tables
/// (`2026-11-27 13:05`, Beijing time).
pub fn local_time(s: &str) -> String {
    tongban_store::time::parse_stamp(s)
        .map(|t| {
            t.with_timezone(&tongban_store::time::china())
                .format("%Y-%m-%d %H:%M")
                .to_string()
        })
        .unwrap_or_else(|| s.to_string())
}

/// An instant or a day as people read it on a page: `2026年11月27日 13:05` (Beijing
/// time), or `2026年11月27日` for a day; anything else as it is. ISO stays in the API
/// and the exports.
pub fn when(s: &str) -> String {
    use chrono::{Datelike, Timelike};
    if let Some(t) = tongban_store::time::parse_stamp(s) {
        let t = t.with_timezone(&tongban_store::time::china());
        return format!(
            "{}年{}月{}日 {:02}:{:02}",
            t.year(),
            t.month(),
            t.day(),
            t.hour(),
            t.minute()
        );
    }
    tongban_store::time::cn_date(s)
}

impl Web {
    /// The signed-in staff member when their role is one of `roles`; otherwise a 401
    /// page, or a 403 page saying `refusal`.
    pub fn staff_as(
        &self,
        roles: &[tongban_domain::org::Role],
        refusal: &str,
    ) -> Result<&tongban_store::org::Principal, PageError> {
        let p = self.staff()?;
        if roles.contains(&p.role) {
            Ok(p)
        } else {
            Err(PageError::new(StatusCode::FORBIDDEN, "无权操作", refusal))
        }
    }
}

/// A store's refusal of a form as the errors shown beside its fields; any other
/// failure is the page's.
pub fn field_errors(e: tongban_store::StoreError) -> Result<Vec<FieldError>, PageError> {
    use tongban_store::StoreError;
    match e {
        StoreError::Invalid(i) => Ok(vec![FieldError::new(i.field, i.message)]),
        StoreError::Faults(all) => Ok(all
            .into_iter()
            .map(|i| FieldError::new(i.field, i.message))
            .collect()),
        StoreError::Conflict { field, message } => Ok(vec![FieldError::new(field, message)]),
        other => Err(other.into()),
    }
}

/// A text as a URL query value (`/` may stay: RFC 3986 allows it in a query, and a
/// `next=/apply/…` reads better).
pub fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// A form page shown again with its faults: 422.
pub fn status_422(mut r: Response) -> Response {
    *r.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    r
}

/// Renders a template as a page response.
pub fn render(t: &impl Template) -> PageResult {
    Ok(Html(t.render()?).into_response())
}

/// A QR code of `text` as inline SVG, for templates (`{{ crate::pages::qr_svg(url)|safe }}`):
/// the SVG is generated, never user input. Empty if the text is too long to encode.
pub fn qr_svg(text: &str) -> String {
    let Ok(code) = qrcode::QrCode::with_error_correction_level(text.as_bytes(), qrcode::EcLevel::M)
    else {
        return String::new();
    };
    let svg = code
        .render::<qrcode::render::svg::Color>()
        .min_dimensions(160, 160)
        .quiet_zone(true)
        .build();
    // Inline in HTML: drop the XML declaration and name the image for screen readers.
    let start = svg.find("<svg").unwrap_or(0);
    svg[start..].replacen("<svg ", "<svg role=\"img\" aria-label=\"二维码\" ", 1)
}

/// A license's verify page or signed file, keeping the check token of its QR link
/// (`/verify/NO?t=…`): the page itself, or `/licenses/NO.json?t=…` for `file`.
pub fn license_link(verify_url: &str, license_no: &str, file: bool) -> String {
    let query = verify_url.find('?').map(|i| &verify_url[i..]).unwrap_or("");
    if file {
        format!("/licenses/{license_no}.json{query}")
    } else {
        format!("/verify/{license_no}{query}")
    }
}
