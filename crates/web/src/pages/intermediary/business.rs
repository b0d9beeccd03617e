//! The 中介超市 for a signed-in enterprise (`/business/login`): as a project owner it
//! publishes service requests, reads the quotes, selects by the request's rule,
//! rates the delivered work or withdraws a request; as a registered agency it sees
//! the open requests for its services, quotes and delivers.

use crate::AppState;
use crate::pages::enterprise::business::signed_in;
use crate::pages::{
    Errors, FieldError, Layout, PageError, PageForm, PageResult, Web, render, status_422,
};
use askama::Template;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use axum::routing::{get, post};
use serde::Deserialize;
use tongban_domain::intermediary::{RatingInput, RequestInput, Service};
use tongban_store::StoreError;
use tongban_store::enterprise::EnterpriseSession;
use tongban_store::intermediary::{AgencyView, Party, RequestQuery, RequestView, agencies, market};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/business/intermediary", get(home).post(publish))
        .route("/business/intermediary/{no}", get(one))
        .route("/business/intermediary/{no}/quote", post(quote))
        .route("/business/intermediary/{no}/select", post(select))
        .route("/business/intermediary/{no}/deliver", post(deliver))
        .route("/business/intermediary/{no}/rating", post(rate))
        .route("/business/intermediary/{no}/cancel", post(cancel))
}

const HOME: &str = "/business/intermediary";

/// A store's refusal as the errors beside a form, with its status: a fault 422,
/// a refusal 403, a conflict 409; anything else is the page's.
fn refusal(e: StoreError) -> Result<(StatusCode, Vec<FieldError>), PageError> {
    match e {
        StoreError::Forbidden(m) => Ok((StatusCode::FORBIDDEN, vec![FieldError::new("form", m)])),
        StoreError::Conflict { field, message } => {
            Ok((StatusCode::CONFLICT, vec![FieldError::new(field, message)]))
        }
        other => Ok((
            StatusCode::UNPROCESSABLE_ENTITY,
            crate::pages::field_errors(other)?,
        )),
    }
}

#[derive(Template)]
#[template(path = "intermediary/business.html")]
struct HomePage {
    layout: Layout,
    e: EnterpriseSession,
    owned: Vec<RequestView>,
    /// The agency this enterprise is, if registered.
    agency: Option<AgencyView>,
    quoted: Vec<RequestView>,
    open: Vec<RequestView>,
    services: &'static [(&'static str, &'static str)],
    f: RequestInput,
    errors: Errors,
}

async fn show_home(
    s: &AppState,
    web: &Web,
    e: EnterpriseSession,
    f: RequestInput,
    errors: Vec<FieldError>,
) -> PageResult {
    let agency = agencies::of_enterprise(&s.store, &e.credit_code).await?;
    let (quoted, open) = match &agency {
        Some(a) => {
            let quoted = market::quoted(&s.store, &e).await?;
            let mut open = vec![];
            for code in a.services.iter().filter_map(|n| Service::parse(n).ok()) {
                let q = RequestQuery {
                    open_only: true,
                    service: Some(code.code().to_string()),
                    before: None,
                };
                open.extend(
                    market::requests(&s.store, &Party::Enterprise(&e), &q)
                        .await?
                        .0
                        .into_iter()
                        .filter(|r| {
                            r.owner_code != e.credit_code && !quoted.iter().any(|x| x.no == r.no)
                        }),
                );
            }
            (quoted, open)
        }
        None => (vec![], vec![]),
    };
    let failed = !errors.is_empty();
    let r = render(&HomePage {
        layout: web.layout(),
        owned: market::owned(&s.store, &e).await?,
        e,
        agency,
        quoted,
        open,
        services: super::service_options(),
        f,
        errors: errors.into(),
    })?;
    Ok(if failed { status_422(r) } else { r })
}

async fn home(State(s): State<AppState>, web: Web) -> PageResult {
    let e = match signed_in(&web, HOME) {
        Ok(e) => e,
        Err(r) => return Ok(r.into_response()),
    };
    show_home(&s, &web, e, RequestInput::default(), vec![]).await
}

#[derive(Deserialize, Default)]
struct PublishForm {
    #[serde(default)]
    csrf: String,
    #[serde(flatten)]
    request: RequestInput,
}

async fn publish(
    State(s): State<AppState>,
    web: Web,
    PageForm(f): PageForm<PublishForm>,
) -> PageResult {
    let e = match signed_in(&web, HOME) {
        Ok(e) => e,
        Err(r) => return Ok(r.into_response()),
    };
    web.check_csrf(&f.csrf)?;
    match market::publish(&s.store, &e, &f.request).await {
        Ok(v) => Ok(Redirect::to(&format!("{HOME}/{}", v.no)).into_response()),
        Err(err) => {
            let (_, errors) = refusal(err)?;
            show_home(&s, &web, e, f.request, errors).await
        }
    }
}

#[derive(Template)]
#[template(path = "intermediary/business_request.html")]
struct OnePage {
    layout: Layout,
    r: RequestView,
    /// The signed-in enterprise owns the request.
    owner: bool,
    /// The signed-in enterprise is a registered agency that has not quoted yet.
    may_quote: bool,
    /// The signed-in enterprise is the selected agency, not yet delivered.
    may_deliver: bool,
    levels: &'static [(&'static str, &'static str)],
    f: ActForm,
    errors: Errors,
}

/// The marks offered, best first.
pub(super) const LEVELS: &[(&str, &str)] = &[
    ("5", "5分 非常满意"),
    ("4", "4分 满意"),
    ("3", "3分 基本满意"),
    ("2", "2分 不满意"),
    ("1", "1分 非常不满意"),
];

#[derive(Deserialize, Default, Clone)]
struct ActForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    amount: String,
    #[serde(default)]
    days: String,
    #[serde(default)]
    note: String,
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
}

impl OnePage {
    /// The request's page, where its forms post (`/select`, `/cancel`, `/rating`).
    fn base(&self) -> String {
        format!("/business/intermediary/{}", self.r.no)
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
    e: &EnterpriseSession,
    no: &str,
    f: ActForm,
    failed: Option<(StatusCode, Vec<FieldError>)>,
) -> PageResult {
    let r = market::request(&s.store, &Party::Enterprise(e), no).await?;
    let owner = r.owner_code == e.credit_code;
    let is_agency = agencies::of_enterprise(&s.store, &e.credit_code)
        .await?
        .is_some();
    let may_quote = is_agency
        && !owner
        && r.status == "quoting"
        && !r.quotes.iter().any(|q| q.agency_code == e.credit_code);
    let may_deliver =
        r.status == "serving" && r.selected_agency.as_deref() == Some(e.credit_code.as_str());
    let (status, errors) = failed.unwrap_or((StatusCode::OK, vec![]));
    let mut page = render(&OnePage {
        layout: web.layout(),
        r,
        owner,
        may_quote,
        may_deliver,
        levels: LEVELS,
        f,
        errors: errors.into(),
    })?;
    *page.status_mut() = status;
    Ok(page)
}

async fn one(State(s): State<AppState>, web: Web, Path(no): Path<String>) -> PageResult {
    let e = match signed_in(&web, &format!("{HOME}/{no}")) {
        Ok(e) => e,
        Err(r) => return Ok(r.into_response()),
    };
    show_one(&s, &web, &e, &no, ActForm::default(), None).await
}

/// Runs one action of the request's page and shows the page again, with the fault
/// beside its field when refused.
async fn act<F, Fut>(s: AppState, web: Web, no: String, f: ActForm, run: F) -> PageResult
where
    F: FnOnce(AppState, EnterpriseSession, String, ActForm) -> Fut,
    Fut: std::future::Future<Output = Result<(), StoreError>>,
{
    let e = match signed_in(&web, &format!("{HOME}/{no}")) {
        Ok(e) => e,
        Err(r) => return Ok(r.into_response()),
    };
    web.check_csrf(&f.csrf)?;
    let kept = f.clone();
    match run(s.clone(), e.clone(), no.clone(), f).await {
        Ok(()) => Ok(
            Redirect::to(&format!("{HOME}/{}", crate::pages::urlencode(no.trim()))).into_response(),
        ),
        Err(err) => {
            let failed = refusal(err)?;
            show_one(&s, &web, &e, &no, kept, Some(failed)).await
        }
    }
}

async fn quote(
    State(s): State<AppState>,
    web: Web,
    Path(no): Path<String>,
    PageForm(f): PageForm<ActForm>,
) -> PageResult {
    act(s, web, no, f, |s, e, no, f| async move {
        market::quote(&s.store, &e, &no, &f.amount, &f.days, &f.note)
            .await
            .map(|_| ())
    })
    .await
}

async fn select(
    State(s): State<AppState>,
    web: Web,
    Path(no): Path<String>,
    PageForm(f): PageForm<ActForm>,
) -> PageResult {
    act(s, web, no, f, |s, e, no, f| async move {
        market::select(&s.store, &Party::Enterprise(&e), &no, &f.agency)
            .await
            .map(|_| ())
    })
    .await
}

async fn deliver(
    State(s): State<AppState>,
    web: Web,
    Path(no): Path<String>,
    PageForm(f): PageForm<ActForm>,
) -> PageResult {
    act(s, web, no, f, |s, e, no, f| async move {
        market::deliver(&s.store, &e, &no, &f.note)
            .await
            .map(|_| ())
    })
    .await
}

async fn rate(
    State(s): State<AppState>,
    web: Web,
    Path(no): Path<String>,
    PageForm(f): PageForm<ActForm>,
) -> PageResult {
    act(s, web, no, f, |s, e, no, f| async move {
        let input = RatingInput {
            quality: f.quality,
            timeliness: f.timeliness,
            attitude: f.attitude,
            fees: f.fees,
            note: f.note,
        };
        market::rate(&s.store, &Party::Enterprise(&e), &no, &input)
            .await
            .map(|_| ())
    })
    .await
}

async fn cancel(
    State(s): State<AppState>,
    web: Web,
    Path(no): Path<String>,
    PageForm(f): PageForm<ActForm>,
) -> PageResult {
    act(s, web, no, f, |s, e, no, _| async move {
        market::cancel(&s.store, &Party::Enterprise(&e), &no)
            .await
            .map(|_| ())
    })
    .await
}
