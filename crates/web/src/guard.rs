//! Input is checked at the edge before any handler sees it: a control character (NUL
//! and the like, which PostgreSQL refuses to store and no person types) anywhere in
//! the path, a query parameter, a JSON value or a form field is a 422 naming the
//! field, the same on both databases. Line breaks and tabs stay allowed in bodies.

use crate::error::ApiError;
use crate::pages::PageError;
use axum::body::Body;
use axum::extract::Request;
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

/// A character no field may hold: C0 controls and DEL; in bodies, tab and line breaks
/// are text.
fn forbidden(c: char, text_breaks_ok: bool) -> bool {
    (c.is_control() && !(text_breaks_ok && matches!(c, '\t' | '\n' | '\r')))
        || c == '\u{2028}'
        || c == '\u{2029}'
}

fn bad_text(s: &str, breaks_ok: bool) -> bool {
    s.chars().any(|c| forbidden(c, breaks_ok))
}

/// The field (dotted path) of the first string in a JSON value holding a forbidden
/// character.
fn json_field(v: &serde_json::Value, path: &str) -> Option<String> {
    match v {
        serde_json::Value::String(s) if bad_text(s, true) => Some(if path.is_empty() {
            "body".into()
        } else {
            path.to_string()
        }),
        serde_json::Value::Array(a) => a.iter().find_map(|x| json_field(x, path)),
        serde_json::Value::Object(o) => o.iter().find_map(|(k, x)| {
            let p = if path.is_empty() {
                k.clone()
            } else {
                format!("{path}.{k}")
            };
            if bad_text(k, false) {
                return Some(p);
            }
            json_field(x, &p)
        }),
        _ => None,
    }
}

fn form_field(bytes: &[u8], breaks_ok: bool) -> Option<String> {
    url::form_urlencoded::parse(bytes)
        .find(|(k, v)| bad_text(k, false) || bad_text(v, breaks_ok))
        .map(|(k, _)| k.chars().filter(|c| !c.is_control()).take(40).collect())
}

/// `%00`–`%1F` and `%7F` in a raw path.
fn path_has_control(path: &str) -> bool {
    let b = path.as_bytes();
    b.windows(3).any(|w| {
        w[0] == b'%'
            && matches!(
                (w[1].to_ascii_uppercase(), w[2].to_ascii_uppercase()),
                (b'0' | b'1', _) | (b'7', b'F')
            )
    })
}

fn refuse(api: bool, field: &str) -> Response {
    let message = format!("{field}含有不允许的控制字符（如空字符），请删除后重新提交");
    if api {
        ApiError::invalid(field, message).into_response()
    } else {
        PageError::new(StatusCode::UNPROCESSABLE_ENTITY, "无法提交", message).into_response()
    }
}

pub async fn reject_control_characters(req: Request, next: Next) -> Response {
    let path = req.uri().path();
    let api =
        path.starts_with("/api/") || path.starts_with("/open311/") || path.starts_with("/ocds/");
    if path_has_control(path) {
        return refuse(api, "path");
    }
    if let Some(q) = req.uri().query()
        && let Some(field) = form_field(q.as_bytes(), false)
    {
        return refuse(api, &field);
    }
    let kind = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase();
    let json = kind.starts_with("application/json");
    let form = kind.starts_with("application/x-www-form-urlencoded");
    if !json && !form {
        return next.run(req).await;
    }
    let (parts, body) = req.into_parts();
    let bytes = match axum::body::to_bytes(body, crate::MAX_BODY_BYTES).await {
        Ok(b) => b,
        Err(_) => {
            return ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "payload_too_large",
                "请求内容过大",
            )
            .into_response();
        }
    };
    let field = if json {
        serde_json::from_slice::<serde_json::Value>(&bytes)
            .ok()
            .and_then(|v| json_field(&v, ""))
    } else {
        form_field(&bytes, true)
    };
    if let Some(field) = field {
        return refuse(api, &field);
    }
    next.run(Request::from_parts(parts, Body::from(bytes)))
        .await
}

/// Headers that protect people's data on the way out: no referrer leaves the site
/// with a path in it; a page for a signed-in member, an applicant or a bearer token is
/// never cached (`no-store`); behind an https public address, cookies are `Secure`
/// and browsers are told to keep to https (HSTS).
pub async fn protect_responses(
    axum::extract::State(s): axum::extract::State<crate::AppState>,
    req: Request,
    next: Next,
) -> Response {
    let personal = req.headers().contains_key(header::AUTHORIZATION)
        || req
            .headers()
            .get_all(header::COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .any(|c| c.contains("tb_session=") || c.contains("tb_applicant="));
    let mut resp = next.run(req).await;
    let h = resp.headers_mut();
    h.entry(header::REFERRER_POLICY)
        .or_insert(HeaderValue::from_static("same-origin"));
    if personal || h.contains_key(header::SET_COOKIE) {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    let https = s
        .store
        .public_url_cached()
        .await
        .ok()
        .flatten()
        .is_some_and(|u| u.starts_with("https://"));
    if https {
        h.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000"),
        );
        let cookies: Vec<HeaderValue> = h
            .get_all(header::SET_COOKIE)
            .iter()
            .map(|v| match v.to_str() {
                Ok(c) if !c.to_ascii_lowercase().contains("; secure") => {
                    HeaderValue::from_str(&format!("{c}; Secure")).unwrap_or_else(|_| v.clone())
                }
                _ => v.clone(),
            })
            .collect();
        if !cookies.is_empty() {
            h.remove(header::SET_COOKIE);
            for c in cookies {
                h.append(header::SET_COOKIE, c);
            }
        }
    }
    resp
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_field() {
        let v: serde_json::Value =
            serde_json::from_str(r#"{"a":"ok\nfine","applicant":{"name":"ad\u0000min"}}"#).unwrap();
        assert_eq!(json_field(&v, "").as_deref(), Some("applicant.name"));
        assert_eq!(form_field(b"q=a%00b", false).as_deref(), Some("q"));
        assert_eq!(form_field(b"content=a%0Ab", true), None);
        assert_eq!(form_field(b"q=a%09b", false).as_deref(), Some("q"));
        assert!(path_has_control("/items/a%00b"));
        assert!(path_has_control("/items/a%7fb"));
        assert!(!path_has_control("/items/%E5%8A%9E"));
    }
}
