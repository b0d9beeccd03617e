//! A staff member's own account: the second step of signing in (the authenticator's
//! code or a recovery code), enrolling an authenticator (required for administrators
//! before anything else), and changing the password (required after a reset). Each
//! page serves a session part-way through signing in as well as a signed-in one.

use crate::AppState;
use crate::pages::{Errors, FieldError, Layout, PageError, PageForm, PageResult, Web, render};
use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use axum::routing::get;
use serde::Deserialize;
use tongban_store::StoreError;
use tongban_store::accounts::{self, Stage};
use tongban_store::org::Principal;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/login/totp", get(second_factor_form).post(second_factor))
        .route("/me/totp", get(enrol_form).post(enrol))
        .route("/me/password", get(password_form).post(change_password))
}

/// The member behind this session if it is signed in or at `stage`; otherwise a
/// redirect to where the session should be.
fn member_at(web: &Web, stage: Stage) -> Result<Principal, Redirect> {
    if let Some(p) = &web.user {
        return Ok(p.clone());
    }
    match &web.pending {
        Some((p, s)) if *s == stage => Ok(p.clone()),
        Some((_, s)) => Err(Redirect::to(s.page())),
        None => Err(Redirect::to("/login")),
    }
}

fn unprocessable(mut r: axum::response::Response) -> axum::response::Response {
    *r.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    r
}

/// A refusal the form can show beside its field (wrong code, too many tries).
fn form_errors(e: StoreError, field: &str) -> Result<Errors, PageError> {
    match e {
        StoreError::Locked(m) => Ok(vec![FieldError::new(field, m)].into()),
        other => Ok(crate::pages::field_errors(other)?.into()),
    }
}

#[derive(Deserialize)]
struct CodeForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    code: String,
}

#[derive(Template)]
#[template(path = "signin/login_totp.html")]
struct SecondFactorPage {
    layout: Layout,
    errors: Errors,
}

async fn second_factor_form(web: Web) -> PageResult {
    if let Err(r) = member_at(&web, Stage::SecondFactor) {
        return Ok(r.into_response());
    }
    let page = SecondFactorPage {
        layout: web.layout(),
        errors: Errors::default(),
    };
    render(&page)
}

async fn second_factor(
    State(s): State<AppState>,
    web: Web,
    PageForm(f): PageForm<CodeForm>,
) -> PageResult {
    web.check_csrf(&f.csrf)?;
    let p = match member_at(&web, Stage::SecondFactor) {
        Ok(p) => p,
        Err(r) => return Ok(r.into_response()),
    };
    let cookie = web.session_cookie.clone().unwrap_or_default();
    let errors = if f.code.trim().is_empty() {
        vec![FieldError::new("code", "请输入动态口令或恢复码")].into()
    } else {
        match accounts::pass_second_factor(&s.store, &p, &f.code, &cookie).await {
            Ok(next) => return Ok(Redirect::to(next.page()).into_response()),
            Err(e) => form_errors(e, "code")?,
        }
    };
    let page = SecondFactorPage {
        layout: web.layout(),
        errors,
    };
    Ok(unprocessable(render(&page)?))
}

#[derive(Template)]
#[template(path = "signin/me_totp.html")]
struct EnrolPage {
    layout: Layout,
    /// Already enrolled: how many recovery codes are left.
    enrolled: Option<i64>,
    required: bool,
    secret: String,
    qr: String,
    errors: Errors,
}

async fn enrol_page(s: &AppState, web: &Web, p: &Principal, errors: Errors) -> PageResult {
    let required = web.pending.is_some();
    let mut page = EnrolPage {
        layout: web.layout(),
        enrolled: None,
        required,
        secret: String::new(),
        qr: String::new(),
        errors,
    };
    if accounts::has_second_factor(&s.store, p).await? {
        page.enrolled = Some(accounts::recovery_codes_left(&s.store, p).await?);
    } else {
        let e = accounts::enrolment(&s.store, p).await?;
        page.qr = crate::pages::qr_svg(&e.url);
        page.secret = e.secret;
    }
    let failed = !page.errors.is_empty();
    let r = render(&page)?;
    Ok(if failed { unprocessable(r) } else { r })
}

async fn enrol_form(State(s): State<AppState>, web: Web) -> PageResult {
    let p = match member_at(&web, Stage::Enrol) {
        Ok(p) => p,
        Err(r) => return Ok(r.into_response()),
    };
    enrol_page(&s, &web, &p, Errors::default()).await
}

#[derive(Template)]
#[template(path = "signin/me_recovery.html")]
struct RecoveryPage {
    layout: Layout,
    codes: Vec<String>,
    next: &'static str,
}

async fn enrol(State(s): State<AppState>, web: Web, PageForm(f): PageForm<CodeForm>) -> PageResult {
    web.check_csrf(&f.csrf)?;
    let p = match member_at(&web, Stage::Enrol) {
        Ok(p) => p,
        Err(r) => return Ok(r.into_response()),
    };
    let cookie = web
        .session_cookie
        .as_deref()
        .filter(|_| web.pending.is_some());
    match accounts::confirm_enrolment(&s.store, &p, &f.code, cookie).await {
        Ok((codes, next)) => {
            let page = RecoveryPage {
                layout: web.layout(),
                codes,
                next: next.page(),
            };
            render(&page)
        }
        Err(e) => {
            let errors = form_errors(e, "code")?;
            enrol_page(&s, &web, &p, errors).await
        }
    }
}

#[derive(Template)]
#[template(path = "signin/me_password.html")]
struct PasswordPage {
    layout: Layout,
    required: bool,
    done: bool,
    errors: Errors,
}

async fn password_form(web: Web) -> PageResult {
    if let Err(r) = member_at(&web, Stage::NewPassword) {
        return Ok(r.into_response());
    }
    let page = PasswordPage {
        layout: web.layout(),
        required: web.pending.is_some(),
        done: false,
        errors: Errors::default(),
    };
    render(&page)
}

#[derive(Deserialize)]
struct PasswordForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    current: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    confirm: String,
}

async fn change_password(
    State(s): State<AppState>,
    web: Web,
    PageForm(f): PageForm<PasswordForm>,
) -> PageResult {
    web.check_csrf(&f.csrf)?;
    let p = match member_at(&web, Stage::NewPassword) {
        Ok(p) => p,
        Err(r) => return Ok(r.into_response()),
    };
    let mut errors = Errors::default();
    if f.current.is_empty() {
        errors.push(FieldError::new("current", "请输入当前密码"));
    }
    if f.password.is_empty() {
        errors.push(FieldError::new("password", "请输入新密码"));
    } else if f.password != f.confirm {
        errors.push(FieldError::new("confirm", "两次输入的新密码不一致"));
    }
    if errors.is_empty() {
        let cookie = web.session_cookie.as_deref();
        match accounts::change_password(&s.store, &p, &f.current, &f.password, cookie).await {
            Ok(()) if web.pending.is_some() => {
                return Ok(Redirect::to(Stage::Full.page()).into_response());
            }
            Ok(()) => {
                let page = PasswordPage {
                    layout: web.layout(),
                    required: false,
                    done: true,
                    errors,
                };
                return render(&page);
            }
            Err(e) => errors = form_errors(e, "password")?,
        }
    }
    let page = PasswordPage {
        layout: web.layout(),
        required: web.pending.is_some(),
        done: false,
        errors,
    };
    Ok(unprocessable(render(&page)?))
}
