//! The public side of electronic licenses (电子证照): the verify page a license's QR
//! code points to, and the signed license file for download and offline checks.

use crate::AppState;
use crate::error::ApiError;
use crate::pages::{Layout, PageResult, Web, render};
use askama::Template;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use tongban_store::licenses::{self, License, VerifyOutcome};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/verify/{license_no}", get(verify))
        .route("/licenses/{file}", get(download))
}

#[derive(Template)]
#[template(path = "portal/verify.html")]
struct VerifyPage {
    layout: Layout,
    license_no: String,
    /// `valid`, `revoked`, `unknown` or `bad_signature`
    outcome: &'static str,
    license: Option<License>,
    /// Why the signature failed, or the revocation's reason.
    why: String,
    revoked_at: String,
    /// The check token given, when it matched (the holder is shown).
    token: String,
}

#[derive(serde::Deserialize)]
struct TokenQuery {
    /// The check token of the license's QR code (核验码).
    t: Option<String>,
}

/// Checks a license by its number; anyone may (no sign-in, no CSRF: it changes
/// nothing). The QR code's link carries the token that also shows the holder.
async fn verify(
    State(s): State<AppState>,
    web: Web,
    Path(license_no): Path<String>,
    axum::extract::Query(q): axum::extract::Query<TokenQuery>,
) -> PageResult {
    let license_no = license_no.trim().to_string();
    let outcome = licenses::verify(&s.store, &license_no, q.t.as_deref()).await?;
    let mut page = VerifyPage {
        layout: web.layout(),
        license_no: license_no.chars().take(64).collect(),
        outcome: "unknown",
        license: None,
        why: String::new(),
        revoked_at: String::new(),
        token: String::new(),
    };
    let mut status = StatusCode::OK;
    match outcome {
        VerifyOutcome::Valid(l) => {
            page.outcome = "valid";
            page.license = Some(l);
        }
        VerifyOutcome::Revoked {
            license,
            reason,
            at,
        } => {
            page.outcome = "revoked";
            page.license = Some(license);
            page.why = reason;
            page.revoked_at = at;
        }
        VerifyOutcome::Unknown => status = StatusCode::NOT_FOUND,
        VerifyOutcome::BadSignature { why, .. } => {
            page.outcome = "bad_signature";
            page.why = why;
        }
    }
    // A matched token shows the holder (and the case number the store withholds).
    if page.license.as_ref().is_some_and(|l| !l.case_no.is_empty()) {
        page.token = q.t.unwrap_or_default().trim().chars().take(64).collect();
    }
    let mut resp = render(&page)?;
    *resp.status_mut() = status;
    Ok(web.finish(resp))
}

/// `/licenses/{license_no}.json?t=…`: the signed document with its signature and
/// public key, for whoever has the license's check token.
async fn download(
    State(s): State<AppState>,
    Path(file): Path<String>,
    axum::extract::Query(q): axum::extract::Query<TokenQuery>,
) -> Result<Response, ApiError> {
    let license_no = file
        .strip_suffix(".json")
        .ok_or_else(|| ApiError::not_found("请求的地址不存在：证照文件应为 {证照编号}.json"))?;
    let f = licenses::export(&s.store, license_no, q.t.as_deref()).await?;
    let body = serde_json::to_string_pretty(&f).map_err(|_| ApiError::internal())?;
    let mut resp = (
        [(header::CONTENT_TYPE, "application/json; charset=utf-8")],
        body,
    )
        .into_response();
    // The number passed the store's character check, so it is safe in a header.
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{license_no}.json\"")) {
        resp.headers_mut().insert(header::CONTENT_DISPOSITION, v);
    }
    Ok(resp)
}
