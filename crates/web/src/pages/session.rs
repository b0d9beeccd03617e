//! Who is looking at a page: a staff member with a web session (cookie `tb_session`),
//! or the public. Anonymous forms are protected by a double-submit CSRF cookie
//! (`tb_csrf`); staff forms by the token kept with the session.

use crate::AppState;
use crate::pages::{Layout, PageError};
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use tongban_store::org::{Principal, session};

pub const SESSION_COOKIE: &str = "tb_session";
pub const APPLICANT_COOKIE: &str = "tb_applicant";
pub const ENTERPRISE_COOKIE: &str = "tb_enterprise";
pub const CSRF_COOKIE: &str = "tb_csrf";

pub struct Web {
    pub user: Option<Principal>,
    /// A member part-way through signing in (second factor, enrolment, new password).
    pub pending: Option<(Principal, tongban_store::accounts::Stage)>,
    /// An applicant signed in to the portal.
    pub applicant: Option<tongban_store::applicants::ApplicantSession>,
    pub applicant_cookie: Option<String>,
    /// An enterprise's contact signed in to complain and rate answers.
    pub enterprise: Option<tongban_store::enterprise::EnterpriseSession>,
    pub enterprise_cookie: Option<String>,
    pub session_cookie: Option<String>,
    pub csrf: String,
    /// A fresh anonymous CSRF cookie to set with the response.
    pub new_csrf_cookie: bool,
    pub office: String,
}

pub fn cookie<'a>(parts: &'a Parts, name: &str) -> Option<&'a str> {
    parts
        .headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|c| c.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

fn random_token() -> String {
    let mut b = [0u8; 24];
    // The OS random source does not fail on the platforms we run on; if it did, an
    // empty token would match nothing and forms would be refused, which is safe.
    let _ = getrandom::fill(&mut b);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(b)
}

impl FromRequestParts<AppState> for Web {
    type Rejection = PageError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let office = state
            .store
            .office_name()
            .await
            .unwrap_or_else(|_| "政务服务中心".into());
        if let Some(c) = cookie(parts, SESSION_COOKIE)
            && let Some((p, csrf, stage)) = session(&state.store, c).await?
        {
            let full = stage == tongban_store::accounts::Stage::Full;
            if full {
                crate::observe::note_account(parts, &p.username);
            }
            let (user, pending) = if full {
                (Some(p), None)
            } else {
                (None, Some((p, stage)))
            };
            return Ok(Web {
                user,
                pending,
                applicant: None,
                applicant_cookie: None,
                enterprise: None,
                enterprise_cookie: None,
                session_cookie: Some(c.to_string()),
                csrf,
                new_csrf_cookie: false,
                office,
            });
        }
        if let Some(c) = cookie(parts, APPLICANT_COOKIE)
            && let Some(a) = tongban_store::applicants::session(&state.store, c).await?
        {
            // An applicant is logged as one, never by name or number.
            crate::observe::note_account(parts, "applicant");
            // A person may also be signed in for an enterprise in the same browser:
            // both sessions hold, the forms carry the applicant's token.
            let enterprise = match cookie(parts, ENTERPRISE_COOKIE) {
                Some(e) => tongban_store::enterprise::session(&state.store, e)
                    .await?
                    .map(|s| (s, e.to_string())),
                None => None,
            };
            let (enterprise, enterprise_cookie) = enterprise.unzip();
            return Ok(Web {
                user: None,
                pending: None,
                csrf: a.csrf.clone(),
                applicant: Some(a),
                applicant_cookie: Some(c.to_string()),
                enterprise,
                enterprise_cookie,
                session_cookie: None,
                new_csrf_cookie: false,
                office,
            });
        }
        if let Some(c) = cookie(parts, ENTERPRISE_COOKIE)
            && let Some(e) = tongban_store::enterprise::session(&state.store, c).await?
        {
            crate::observe::note_account(parts, "enterprise");
            return Ok(Web {
                user: None,
                pending: None,
                csrf: e.csrf.clone(),
                applicant: None,
                applicant_cookie: None,
                enterprise: Some(e),
                enterprise_cookie: Some(c.to_string()),
                session_cookie: None,
                new_csrf_cookie: false,
                office,
            });
        }
        let (csrf, new_csrf_cookie) =
            match cookie(parts, CSRF_COOKIE).filter(|c| c.len() >= 16 && c.len() <= 64) {
                Some(c) => (c.to_string(), false),
                None => (random_token(), true),
            };
        Ok(Web {
            user: None,
            pending: None,
            applicant: None,
            applicant_cookie: None,
            enterprise: None,
            enterprise_cookie: None,
            session_cookie: None,
            csrf,
            new_csrf_cookie,
            office,
        })
    }
}

/// A redirect to `to` that sets a sign-in cookie for the applicant's or
/// enterprise's session length, or clears it (`None`).
pub fn redirect_with_cookie(to: &str, name: &str, value: Option<&str>) -> Response {
    let mut resp = axum::response::Redirect::to(to).into_response();
    let cookie = match value {
        Some(v) => format!(
            "{name}={v}; Path=/; HttpOnly; SameSite=Lax; Max-Age={}",
            tongban_store::applicants::SESSION_HOURS * 3600
        ),
        None => format!("{name}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0"),
    };
    if let Ok(v) = HeaderValue::from_str(&cookie) {
        resp.headers_mut().append(header::SET_COOKIE, v);
    }
    resp
}

impl Web {
    pub fn layout(&self) -> Layout {
        Layout {
            office: self.office.clone(),
            user: self.user.as_ref().map(|p| p.display_name.clone()),
            applicant: self.applicant.as_ref().map(|a| a.name.clone()),
            enterprise: self.enterprise.as_ref().map(|e| e.enterprise_name.clone()),
            csrf: self.csrf.clone(),
            manager: self.user.as_ref().is_some_and(|p| {
                use tongban_domain::org::Role;
                matches!(
                    p.role,
                    Role::Supervisor | Role::Admin | Role::DepartmentHead
                )
            }),
        }
    }

    /// Checks a submitted form's CSRF token against this visitor's.
    pub fn check_csrf(&self, submitted: &str) -> Result<(), PageError> {
        let ok = !self.csrf.is_empty()
            && !self.new_csrf_cookie
            && constant_eq(submitted.as_bytes(), self.csrf.as_bytes());
        if ok {
            Ok(())
        } else {
            Err(PageError::new(
                StatusCode::FORBIDDEN,
                "页面已过期",
                "表单校验失败（可能页面已过期或在其他窗口退出了登录）。请返回上一页，刷新后重新提交。",
            ))
        }
    }

    /// The signed-in staff member, or a 401 page.
    pub fn staff(&self) -> Result<&Principal, PageError> {
        self.user.as_ref().ok_or_else(|| {
            PageError::new(
                StatusCode::UNAUTHORIZED,
                "请先登录",
                "此页面仅供工作人员使用，请先登录。",
            )
        })
    }

    /// Adds the anonymous CSRF cookie to a response if this visitor had none.
    pub fn finish(&self, mut resp: Response) -> Response {
        if self.new_csrf_cookie
            && let Ok(v) = HeaderValue::from_str(&format!(
                "{CSRF_COOKIE}={}; Path=/; HttpOnly; SameSite=Lax",
                self.csrf
            ))
        {
            resp.headers_mut().append(header::SET_COOKIE, v);
        }
        resp
    }

    pub fn respond(&self, r: impl IntoResponse) -> Response {
        self.finish(r.into_response())
    }
}

fn constant_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}
