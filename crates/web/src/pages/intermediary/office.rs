//! The office's view of the 中介超市 (督查人员, administrators): every service request
//! with its quotes once quoting has closed; publishing one on an owner's behalf, and
//! selecting, rating or withdrawing for it.

use crate::AppState;
use crate::pages::{
    Errors, FieldError, Layout, PageError, PageForm, PageResult, Web, render, urlencode,
};
use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use axum::routing::{get, post};
use serde::Deserialize;
use tongban_domain::intermediary::{RatingInput, RequestInput};
use tongban_domain::org::Role;
use tongban_store::StoreError;
use tongban_store::intermediary::{Party, RequestQuery, RequestView, market};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/admin/intermediaries/requests", get(list).post(publish))
        .route("/admin/intermediaries/requests/{no}", get(one))
        .route("/admin/intermediaries/requests/{no}/select", post(select))
        .route("/admin/intermediaries/requests/{no}/rating", post(rate))
        .route("/admin/intermediaries/requests/{no}/cancel", post(cancel))
}

fn office(web: &Web) -> Result<&tongban_store::org::Principal, PageError> {
    web.staff_as(
        &[Role::Supervisor, Role::Admin],
        "中介超市的服务需求由政务服务管理办公室的督查人员和系统管理员查看。",
    )
}

/// A store's refusal as errors beside the form, with its status.
fn refusal(e: StoreError) -> Result<(StatusCode, Vec<FieldError>), PageError> {
    match e {
        StoreError::Conflict { field, message } => {
            Ok((StatusCode::CONFLICT, vec![FieldError::new(field, message)]))
        }
        StoreError::Forbidden(m) => Ok((StatusCode::FORBIDDEN, vec![FieldError::new("form", m)])),
        other => Ok((
            StatusCode::UNPROCESSABLE_ENTITY,
            crate::pages::field_errors(other)?,
        )),
    }
}

#[derive(Deserialize, Default)]
struct ListQuery {
    #[serde(default)]
    open: String,
    #[serde(default)]
    cursor: String,
}

#[derive(Deserialize, Default, Clone)]
struct PublishForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    owner_code: String,
    #[serde(default)]
    owner_name: String,
    #[serde(flatten)]
    request: RequestInput,
}

#[derive(Template)]
#[template(path = "intermediary/office_requests.html")]
struct ListPage {
    layout: Layout,
    rows: Vec<RequestView>,
    open: bool,
    next: Option<String>,
    services: &'static [(&'static str, &'static str)],
    f: PublishForm,
    errors: Errors,
}

impl ListPage {
    /// The publishing form's text fields: (name, label, value).
    fn fields(&self) -> Vec<(&'static str, &'static str, String)> {
        let (f, r) = (&self.f, &self.f.request);
        vec![
            (
                "owner_code",
                "项目业主统一社会信用代码",
                f.owner_code.clone(),
            ),
            ("owner_name", "项目业主名称", f.owner_name.clone()),
            ("title", "需求名称", r.title.clone()),
            ("content", "服务内容", r.content.clone()),
            ("project", "工程建设项目代码（选填）", r.project.clone()),
            ("budget", "最高限价（元）", r.budget.clone()),
            ("reason", "直接选取理由（直接选取时填写）", r.reason.clone()),
            ("deadline", "报价截止日期（YYYY-MM-DD）", r.deadline.clone()),
        ]
    }
}

async fn show_list(
    s: &AppState,
    web: &Web,
    q: &ListQuery,
    f: PublishForm,
    errors: Vec<FieldError>,
) -> PageResult {
    let p = office(web)?;
    let before = match q.cursor.trim() {
        "" => None,
        c => Some(
            c.parse::<i64>()
                .map_err(|_| StoreError::invalid("cursor", "翻页参数 cursor 无效"))?,
        ),
    };
    let open = q.open == "1";
    let filter = RequestQuery {
        open_only: open,
        service: None,
        before,
    };
    let (rows, next) = market::requests(&s.store, &Party::Staff(p), &filter).await?;
    let next = next.map(|c| {
        format!(
            "/admin/intermediaries/requests?open={}&cursor={c}",
            urlencode(&q.open)
        )
    });
    let failed = !errors.is_empty();
    let r = render(&ListPage {
        layout: web.layout(),
        rows,
        open,
        next,
        services: super::service_options(),
        f,
        errors: errors.into(),
    })?;
    Ok(if failed {
        crate::pages::status_422(r)
    } else {
        r
    })
}

async fn list(State(s): State<AppState>, web: Web, Query(q): Query<ListQuery>) -> PageResult {
    show_list(&s, &web, &q, PublishForm::default(), vec![]).await
}

/// The office publishes a request on an owner's behalf.
async fn publish(
    State(s): State<AppState>,
    web: Web,
    PageForm(f): PageForm<PublishForm>,
) -> PageResult {
    web.check_csrf(&f.csrf)?;
    let p = office(&web)?;
    match market::publish_for(&s.store, p, &f.owner_code, &f.owner_name, &f.request).await {
        Ok(v) => {
            Ok(Redirect::to(&format!("/admin/intermediaries/requests/{}", v.no)).into_response())
        }
        Err(e) => {
            let (status, errors) = refusal(e)?;
            let mut page = show_list(&s, &web, &ListQuery::default(), f, errors).await?;
            *page.status_mut() = status;
            Ok(page)
        }
    }
}

#[derive(Deserialize, Default, Clone)]
struct ActForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    agency: String,
    #[serde(default)]
    quality: String,
    #[serde(default)]
    timeliness: String,
    #[serde(default)]
    attitude: String,
    #[serde(default)]
    fees: String,
    #[serde(default)]
    note: String,
}

#[derive(Template)]
#[template(path = "intermediary/office_request.html")]
struct OnePage {
    layout: Layout,
    r: RequestView,
    levels: &'static [(&'static str, &'static str)],
    f: ActForm,
    errors: Errors,
}

impl OnePage {
    /// The request's page, where its forms post (`/select`, `/cancel`, `/rating`).
    fn base(&self) -> String {
        format!("/admin/intermediaries/requests/{}", self.r.no)
    }

    /// The mark kept for a rating field after a fault.
    fn mark(&self, field: &str) -> &str {
        match field {
            "quality" => &self.f.quality,
            "timeliness" => &self.f.timeliness,
            "attitude" => &self.f.attitude,
            _ => &self.f.fees,
        }
    }
}

async fn show_one(
    s: &AppState,
    web: &Web,
    no: &str,
    f: ActForm,
    failed: Option<(StatusCode, Vec<FieldError>)>,
) -> PageResult {
    let p = office(web)?;
    let r = market::request(&s.store, &Party::Staff(p), no).await?;
    let (status, errors) = failed.unwrap_or((StatusCode::OK, vec![]));
    let mut page = render(&OnePage {
        layout: web.layout(),
        r,
        levels: super::business::LEVELS,
        f,
        errors: errors.into(),
    })?;
    *page.status_mut() = status;
    Ok(page)
}

async fn one(State(s): State<AppState>, web: Web, Path(no): Path<String>) -> PageResult {
    show_one(&s, &web, &no, ActForm::default(), None).await
}

/// Runs one of the office's actions on a request and shows the request again.
async fn act(s: &AppState, web: &Web, no: &str, f: ActForm, what: &str) -> PageResult {
    web.check_csrf(&f.csrf)?;
    let p = office(web)?;
    let party = Party::Staff(p);
    let done = match what {
        "select" => market::select(&s.store, &party, no, &f.agency).await,
        "rating" => {
            let input = RatingInput {
                quality: f.quality.clone(),
                timeliness: f.timeliness.clone(),
                attitude: f.attitude.clone(),
                fees: f.fees.clone(),
                note: f.note.clone(),
            };
            market::rate(&s.store, &party, no, &input).await
        }
        _ => market::cancel(&s.store, &party, no).await,
    };
    match done {
        Ok(_) => Ok(Redirect::to(&format!(
            "/admin/intermediaries/requests/{}",
            urlencode(no.trim())
        ))
        .into_response()),
        Err(e) => {
            let failed = refusal(e)?;
            show_one(s, web, no, f, Some(failed)).await
        }
    }
}

async fn select(
    State(s): State<AppState>,
    web: Web,
    Path(no): Path<String>,
    PageForm(f): PageForm<ActForm>,
) -> PageResult {
    act(&s, &web, &no, f, "select").await
}

async fn rate(
    State(s): State<AppState>,
    web: Web,
    Path(no): Path<String>,
    PageForm(f): PageForm<ActForm>,
) -> PageResult {
    act(&s, &web, &no, f, "rating").await
}

async fn cancel(
    State(s): State<AppState>,
    web: Web,
    Path(no): Path<String>,
    PageForm(f): PageForm<ActForm>,
) -> PageResult {
    act(&s, &web, &no, f, "cancel").await
}
