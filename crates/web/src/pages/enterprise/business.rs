//! The enterprise's side of the complaint center: signing in with the unified social
//! credit code and a contact's phone proven by a one-time code, writing a
//! complaint, following its own complaints, and rating the department's answer.

use crate::AppState;
use crate::pages::portal::applicant::{CsrfOnly, field_errors, safe_next, unprocessable};
use crate::pages::session::{ENTERPRISE_COOKIE, redirect_with_cookie};
use crate::pages::urlencode;
use crate::pages::{Errors, Layout, PageForm, PageResult, Web, render};
use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect};
use axum::routing::{get, post};
use serde::Deserialize;
use tongban_store::enterprise::{self, ComplaintView, EnterpriseSession, Show, Viewer};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/business/login", get(login_form).post(login))
        .route("/business/code", post(send_code))
        .route("/business/logout", post(logout))
        .route("/business/complaints", get(mine).post(file))
        .route("/business/complaints/{no}", get(one))
        .route("/business/complaints/{no}/rating", post(rate))
}

#[derive(Template)]
#[template(path = "enterprise/business_login.html")]
struct LoginPage {
    layout: Layout,
    step: &'static str,
    f: SignInForm,
    errors: Errors,
}

#[derive(Deserialize, Default)]
struct SignInForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    credit_code: String,
    #[serde(default)]
    enterprise_name: String,
    #[serde(default)]
    contact_name: String,
    #[serde(default)]
    phone: String,
    #[serde(default)]
    code: String,
    #[serde(default)]
    next: String,
}

#[derive(Deserialize)]
struct NextQuery {
    next: Option<String>,
}

const HOME: &str = "/business/complaints";

async fn login_form(web: Web, Query(q): Query<NextQuery>) -> PageResult {
    let next = safe_next(q.next.as_deref().unwrap_or(HOME), HOME);
    if web.enterprise.is_some() {
        return Ok(Redirect::to(&next).into_response());
    }
    let page = LoginPage {
        layout: web.layout(),
        step: "identity",
        f: SignInForm {
            next,
            ..Default::default()
        },
        errors: Errors::default(),
    };
    Ok(web.finish(render(&page)?))
}

fn trimmed(mut f: SignInForm) -> SignInForm {
    for v in [
        &mut f.credit_code,
        &mut f.enterprise_name,
        &mut f.contact_name,
        &mut f.phone,
    ] {
        *v = v.trim().to_string();
    }
    f.next = safe_next(&f.next, HOME);
    f.code = String::new();
    f
}

/// Step one: check who signs in and send the code.
async fn send_code(
    State(s): State<AppState>,
    web: Web,
    PageForm(f): PageForm<SignInForm>,
) -> PageResult {
    web.check_csrf(&f.csrf)?;
    let sent = enterprise::request_code(
        &s.store,
        &f.credit_code,
        &f.enterprise_name,
        &f.contact_name,
        &f.phone,
    )
    .await;
    let mut page = LoginPage {
        layout: web.layout(),
        step: "code",
        f: trimmed(f),
        errors: Errors::default(),
    };
    if let Err(e) = sent {
        page.errors = field_errors(e)?.into();
        page.step = "identity";
        return Ok(web.finish(unprocessable(render(&page)?)));
    }
    Ok(web.finish(render(&page)?))
}

/// Step two: the code opens the session.
async fn login(
    State(s): State<AppState>,
    web: Web,
    PageForm(f): PageForm<SignInForm>,
) -> PageResult {
    web.check_csrf(&f.csrf)?;
    match enterprise::sign_in(
        &s.store,
        &f.credit_code,
        &f.enterprise_name,
        &f.contact_name,
        &f.phone,
        &f.code,
    )
    .await
    {
        Ok(session) => Ok(redirect_with_cookie(
            &safe_next(&f.next, HOME),
            ENTERPRISE_COOKIE,
            Some(&session.cookie),
        )),
        Err(e) => {
            let errors = field_errors(e)?;
            let step = if errors.iter().any(|e| e.field == "code") {
                "code"
            } else {
                "identity"
            };
            let page = LoginPage {
                layout: web.layout(),
                step,
                f: trimmed(f),
                errors: errors.into(),
            };
            Ok(web.finish(unprocessable(render(&page)?)))
        }
    }
}

async fn logout(
    State(s): State<AppState>,
    web: Web,
    PageForm(f): PageForm<CsrfOnly>,
) -> PageResult {
    web.check_csrf(&f.csrf)?;
    if let Some(c) = &web.enterprise_cookie {
        enterprise::sign_out(&s.store, c).await?;
    }
    Ok(redirect_with_cookie("/", ENTERPRISE_COOKIE, None))
}

/// The signed-in enterprise, or a redirect to sign in and come back.
pub(crate) fn signed_in(web: &Web, back: &str) -> Result<EnterpriseSession, Redirect> {
    web.enterprise
        .clone()
        .ok_or_else(|| Redirect::to(&format!("/business/login?next={}", urlencode(back))))
}

#[derive(Template)]
#[template(path = "enterprise/business_complaints.html")]
struct MinePage {
    layout: Layout,
    e: EnterpriseSession,
    rows: Vec<ComplaintView>,
    subject: String,
    content: String,
    project: String,
    errors: Errors,
}

async fn mine(State(s): State<AppState>, web: Web) -> PageResult {
    let e = match signed_in(&web, HOME) {
        Ok(e) => e,
        Err(r) => return Ok(r.into_response()),
    };
    let rows = enterprise::complaints(&s.store, &Viewer::Enterprise(&e), Show::All).await?;
    render(&MinePage {
        layout: web.layout(),
        e,
        rows,
        subject: String::new(),
        content: String::new(),
        project: String::new(),
        errors: Errors::default(),
    })
}

#[derive(Deserialize)]
struct ComplaintForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    subject: String,
    #[serde(default)]
    content: String,
    #[serde(default)]
    project: String,
}

async fn file(
    State(s): State<AppState>,
    web: Web,
    PageForm(f): PageForm<ComplaintForm>,
) -> PageResult {
    let e = match signed_in(&web, HOME) {
        Ok(e) => e,
        Err(r) => return Ok(r.into_response()),
    };
    web.check_csrf(&f.csrf)?;
    match enterprise::file(&s.store, &e, &f.subject, &f.content, &f.project).await {
        Ok(v) => Ok(Redirect::to(&format!("/business/complaints/{}", v.no)).into_response()),
        Err(err) => {
            let errors = crate::pages::field_errors(err)?;
            let rows = enterprise::complaints(&s.store, &Viewer::Enterprise(&e), Show::All).await?;
            Ok(unprocessable(render(&MinePage {
                layout: web.layout(),
                e,
                rows,
                subject: f.subject,
                content: f.content,
                project: f.project,
                errors: errors.into(),
            })?))
        }
    }
}

/// The rating levels offered, best first.
const LEVELS: &[(&str, &str)] = &[
    ("5", "非常满意"),
    ("4", "满意"),
    ("3", "基本满意"),
    ("2", "不满意"),
    ("1", "非常不满意"),
];

#[derive(Template)]
#[template(path = "enterprise/business_complaint.html")]
struct OnePage {
    layout: Layout,
    c: ComplaintView,
    levels: &'static [(&'static str, &'static str)],
    rating: String,
    note: String,
    errors: Errors,
}

async fn one(State(s): State<AppState>, web: Web, Path(no): Path<String>) -> PageResult {
    let e = match signed_in(&web, &format!("/business/complaints/{no}")) {
        Ok(e) => e,
        Err(r) => return Ok(r.into_response()),
    };
    let c = enterprise::complaint(&s.store, &Viewer::Enterprise(&e), &no).await?;
    render(&OnePage {
        layout: web.layout(),
        c,
        levels: LEVELS,
        rating: String::new(),
        note: String::new(),
        errors: Errors::default(),
    })
}

#[derive(Deserialize)]
struct RatingForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    rating: String,
    #[serde(default)]
    note: String,
}

async fn rate(
    State(s): State<AppState>,
    web: Web,
    Path(no): Path<String>,
    PageForm(f): PageForm<RatingForm>,
) -> PageResult {
    let e = match signed_in(&web, &format!("/business/complaints/{no}")) {
        Ok(e) => e,
        Err(r) => return Ok(r.into_response()),
    };
    web.check_csrf(&f.csrf)?;
    match enterprise::rate(&s.store, &e, &no, &f.rating, &f.note).await {
        Ok(v) => Ok(Redirect::to(&format!("/business/complaints/{}", v.no)).into_response()),
        Err(err) => {
            let errors = crate::pages::field_errors(err)?;
            let c = enterprise::complaint(&s.store, &Viewer::Enterprise(&e), &no).await?;
            Ok(unprocessable(render(&OnePage {
                layout: web.layout(),
                c,
                levels: LEVELS,
                rating: f.rating,
                note: f.note,
                errors: errors.into(),
            })?))
        }
    }
}
