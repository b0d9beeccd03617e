//! Extractors that answer bad requests in the API's error format: JSON bodies and
//! query strings, and the bearer token of a staff member.

use crate::AppState;
use crate::error::ApiError;
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use serde::de::DeserializeOwned;
use tongban_store::org::{Principal, principal_for_token};

/// A JSON body; malformed or oversized bodies get a clear 4xx.
pub struct Body<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for Body<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(v)) => Ok(Body(v)),
            Err(JsonRejection::JsonDataError(e)) => Err(ApiError::invalid(
                "body",
                format!("请求内容字段有误：{}", data_error(&e.body_text())),
            )),
            Err(JsonRejection::JsonSyntaxError(_)) => {
                Err(ApiError::bad_request("请求内容不是有效的 JSON"))
            }
            Err(JsonRejection::MissingJsonContentType(_)) => Err(ApiError::new(
                axum::http::StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                "请求须带 Content-Type: application/json",
            )),
            Err(JsonRejection::BytesRejection(_)) => Err(ApiError::new(
                axum::http::StatusCode::PAYLOAD_TOO_LARGE,
                "payload_too_large",
                "请求内容过大",
            )),
            Err(_) => Err(ApiError::bad_request("无法读取请求内容")),
        }
    }
}

fn data_error(text: &str) -> String {
    // serde's message names the path of the bad field; keep it, drop the prefix.
    text.split_once(": ")
        .map(|(_, r)| r)
        .unwrap_or(text)
        .chars()
        .take(200)
        .collect()
}

/// A query string; unparsable values get a 4xx naming the parameter.
pub struct Query<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for Query<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match axum::extract::Query::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Query(v)) => Ok(Query(v)),
            Err(QueryRejection::FailedToDeserializeQueryString(e)) => Err(ApiError::invalid(
                "query",
                format!("查询参数有误：{}", data_error(&e.body_text())),
            )),
            Err(_) => Err(ApiError::bad_request("查询参数有误")),
        }
    }
}

/// The staff member behind `Authorization: Bearer <token>`.
pub struct Staff(pub Principal);

impl FromRequestParts<AppState> for Staff {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let token = bearer(parts).ok_or_else(|| {
            ApiError::unauthorized("请先登录：请求须带 Authorization: Bearer 令牌")
        })?;
        let p = principal_for_token(&state.store, token).await?;
        crate::observe::note_account(parts, &p.username);
        Ok(Staff(p))
    }
}

/// The staff member, if a bearer token is present (applicants come without one).
pub struct MaybeStaff(pub Option<Principal>);

impl FromRequestParts<AppState> for MaybeStaff {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        match bearer(parts) {
            None => Ok(MaybeStaff(None)),
            Some(token) => {
                let p = principal_for_token(&state.store, token).await?;
                crate::observe::note_account(parts, &p.username);
                Ok(MaybeStaff(Some(p)))
            }
        }
    }
}

fn bearer(parts: &Parts) -> Option<&str> {
    let h = parts
        .headers
        .get(axum::http::header::AUTHORIZATION)?
        .to_str()
        .ok()?;
    h.strip_prefix("Bearer ")
        .or_else(|| h.strip_prefix("bearer "))
        .map(str::trim)
}

/// The client's address as this node sees it (the peer of the connection), for the
/// throttles of sign-in and public queries; "unknown" when not served over TCP.
pub struct ClientAddr(pub String);

impl<S: Send + Sync> FromRequestParts<S> for ClientAddr {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        _: &S,
    ) -> Result<Self, Self::Rejection> {
        Ok(ClientAddr(
            parts
                .extensions
                .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
                .map(|c| c.0.ip().to_string())
                .unwrap_or_else(|| "unknown".into()),
        ))
    }
}

/// A case number from a path or form, parsed once at the edge: a malformed one is a
/// 422 naming the field `case_no`.
pub fn case_no(s: &str) -> Result<tongban_domain::case::CaseNo, tongban_store::StoreError> {
    Ok(tongban_domain::case::CaseNo::parse(s)?)
}

/// An application parsed at the edge, every field's fault named at once.
pub fn application(
    input: &tongban_store::cases::NewCase,
    filer: tongban_domain::case::Filer<'_>,
) -> Result<tongban_domain::case::Application, tongban_store::StoreError> {
    let today = tongban_store::time::local_day(tongban_store::time::now());
    Ok(tongban_domain::case::Application::parse(
        input, filer, today,
    )?)
}
