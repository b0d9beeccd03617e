//! Staff sign in and out with a password (the web session and its CSRF cookie); the
//! second factor and the member's own account follow in `account`.

use crate::AppState;
use crate::pages::session::{CSRF_COOKIE, SESSION_COOKIE};
use crate::pages::{Errors, FieldError, Layout, PageForm, PageResult, Web, render};
use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect};
use axum::routing::{get, post};
use serde::Deserialize;
use tongban_store::org;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/login", get(login_form).post(login))
        .route("/logout", post(logout))
}

#[derive(Template)]
#[template(path = "signin/login.html")]
struct LoginPage {
    layout: Layout,
    username: String,
    errors: Errors,
}

async fn login_form(web: Web) -> PageResult {
    if web.user.is_some() {
        return Ok(Redirect::to("/workbench").into_response());
    }
    let page = LoginPage {
        layout: web.layout(),
        username: String::new(),
        errors: Errors::default(),
    };
    Ok(web.finish(render(&page)?))
}

#[derive(Deserialize)]
struct LoginForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    csrf: String,
}

async fn login(
    State(s): State<AppState>,
    web: Web,
    crate::extract::ClientAddr(from): crate::extract::ClientAddr,
    PageForm(f): PageForm<LoginForm>,
) -> PageResult {
    web.check_csrf(&f.csrf)?;
    let mut errors = vec![];
    if f.username.trim().is_empty() {
        errors.push(FieldError::new("username", "请输入用户名"));
    }
    if f.password.is_empty() {
        errors.push(FieldError::new("password", "请输入密码"));
    }
    if errors.is_empty() {
        match org::login(&s.store, &f.username, &f.password, &from).await {
            Ok(p) => {
                // The password is only the first step for a member with a second
                // factor, an administrator who must enrol one, or a reset password.
                let stage = tongban_store::accounts::stage_after_password(&s.store, &p).await?;
                let session = org::open_session(&s.store, &p, stage).await?;
                let mut resp = Redirect::to(stage.page()).into_response();
                let cookie = format!(
                    "{SESSION_COOKIE}={}; Path=/; HttpOnly; SameSite=Lax; Max-Age={}",
                    session.cookie,
                    org::SESSION_HOURS * 3600
                );
                if let Ok(v) = HeaderValue::from_str(&cookie) {
                    resp.headers_mut().append(header::SET_COOKIE, v);
                }
                return Ok(resp);
            }
            Err(tongban_store::StoreError::Unauthorized(m))
            | Err(tongban_store::StoreError::Locked(m)) => {
                errors.push(FieldError::new("username", m));
            }
            Err(e) => return Err(e.into()),
        }
    }
    let page = LoginPage {
        layout: web.layout(),
        username: f.username,
        errors: errors.into(),
    };
    let mut resp = render(&page)?;
    *resp.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    Ok(web.finish(resp))
}

#[derive(Deserialize)]
struct CsrfForm {
    #[serde(default)]
    csrf: String,
}

async fn logout(
    State(s): State<AppState>,
    web: Web,
    PageForm(f): PageForm<CsrfForm>,
) -> PageResult {
    web.check_csrf(&f.csrf)?;
    let who = web.user.as_ref().or(web.pending.as_ref().map(|(p, _)| p));
    if let (Some(p), Some(c)) = (who, &web.session_cookie) {
        org::close_session(&s.store, c, p).await?;
    }
    let mut resp = Redirect::to("/").into_response();
    for name in [SESSION_COOKIE, CSRF_COOKIE] {
        if let Ok(v) = HeaderValue::from_str(&format!(
            "{name}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0"
        )) {
            resp.headers_mut().append(header::SET_COOKIE, v);
        }
    }
    Ok(resp)
}
