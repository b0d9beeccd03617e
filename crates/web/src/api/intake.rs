//! 12345 intake from outside channels: `POST /api/v1/intake/{channel}` (JSON from
//! WeChat and other systems) and `POST /api/v1/intake/email` (each mail forwarded by
//! the mail gateway as message/rfc822), both with the channel's `X-Channel-Key`.
//! The key is checked before the body is read; a resend of the same external id
//! answers 200 with the order already made, a new request 201.

use crate::AppState;
use crate::error::{ApiError, ApiResult};
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use axum::{Json, Router};
use serde_json::Value;
use tongban_domain::hotline::Channel;
use tongban_store::intake::{self, Receipt, Submission};

/// Largest JSON request accepted from a channel.
pub const MAX_JSON_BYTES: usize = 64 * 1024;
/// Largest mail accepted (attachments are not kept; a larger mail is refused).
pub const MAX_MAIL_BYTES: usize = 5 * 1024 * 1024;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/intake/email", post(email))
        .route("/api/v1/intake/{channel}", post(webhook))
}

fn key_of(headers: &HeaderMap) -> Option<&str> {
    headers.get("x-channel-key").and_then(|v| v.to_str().ok())
}

async fn read(body: Body, limit: usize) -> ApiResult<axum::body::Bytes> {
    axum::body::to_bytes(body, limit).await.map_err(|_| {
        ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
            format!("请求内容过大：不能超过{}KB", limit / 1024),
        )
    })
}

fn answer(r: Receipt) -> ApiResult<(StatusCode, Json<Value>)> {
    let status = if r.duplicate {
        StatusCode::OK
    } else {
        StatusCode::CREATED
    };
    Ok((
        status,
        Json(serde_json::to_value(r).map_err(|_| ApiError::internal())?),
    ))
}

fn content_type(headers: &HeaderMap) -> String {
    headers
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase()
}

async fn webhook(
    State(s): State<AppState>,
    Path(channel): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let channel = match Channel::parse(&channel) {
        Some(c @ (Channel::Wechat | Channel::Other)) => c,
        _ => {
            return Err(ApiError::not_found(format!(
                "接入渠道“{channel}”不存在：可用 wechat（微信）、other（其他）、email（电子邮件）"
            )));
        }
    };
    let key = intake::check_key(&s.store, channel, key_of(&headers)).await?;
    if !content_type(&headers).ends_with("json") {
        return Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "请求须带 Content-Type: application/json",
        ));
    }
    let bytes = read(body, MAX_JSON_BYTES).await?;
    let v: Value = serde_json::from_slice(&bytes)
        .map_err(|_| ApiError::bad_request("请求内容不是有效的 JSON"))?;
    let sub = Submission::from_json(&v)?;
    answer(intake::submit(&s.store, &key, &sub).await?)
}

async fn email(
    State(s): State<AppState>,
    headers: HeaderMap,
    body: Body,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let key = intake::check_key(&s.store, Channel::Email, key_of(&headers)).await?;
    let ct = content_type(&headers);
    if !matches!(
        ct.as_str(),
        "message/rfc822" | "text/plain" | "application/octet-stream" | ""
    ) {
        return Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "请求须带 Content-Type: message/rfc822（原始邮件）",
        ));
    }
    let bytes = read(body, MAX_MAIL_BYTES).await?;
    let sub = intake::parse_email(&bytes).map_err(|e| ApiError {
        field: Some(e.field.to_string()),
        ..ApiError::new(StatusCode::BAD_REQUEST, "bad_mail", e.message)
    })?;
    answer(intake::submit(&s.store, &key, &sub).await?)
}
