//! The one HTTP error type: every failure of a handler becomes a 4xx with a Chinese
//! message naming the field, or a logged 500 that shows the client nothing internal.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::json;
use tongban_store::StoreError;

#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    pub field: Option<String>,
    /// Every field at fault when there are several (the first is also `field`).
    pub errors: Vec<(String, String)>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
            field: None,
            errors: vec![],
        }
    }
    pub fn invalid(field: &str, message: impl Into<String>) -> Self {
        Self {
            field: Some(field.to_string()),
            ..Self::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid", message)
        }
    }
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "bad_request", message)
    }
    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, "not_found", message)
    }
    pub fn unauthorized(message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "unauthorized", message)
    }
    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, "forbidden", message)
    }
    pub fn internal() -> Self {
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "服务器内部错误，请稍后再试",
        )
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound(m) => Self::not_found(m),
            StoreError::Invalid(i) => Self::invalid(i.field, i.message),
            StoreError::Faults(all) => {
                let mut e = match all.first() {
                    Some(i) => Self::invalid(i.field, i.message.clone()),
                    None => Self::invalid("input", "输入无效"),
                };
                e.errors = all
                    .into_iter()
                    .map(|i| (i.field.to_string(), i.message))
                    .collect();
                e
            }
            StoreError::Conflict { field, message } => Self {
                field: Some(field.to_string()),
                ..Self::new(StatusCode::CONFLICT, "conflict", message)
            },
            StoreError::Forbidden(m) => Self::forbidden(m),
            StoreError::Unauthorized(m) => Self::unauthorized(m),
            StoreError::Locked(m) => Self::new(StatusCode::LOCKED, "locked", m),
            StoreError::Unavailable(m) => {
                Self::new(StatusCode::SERVICE_UNAVAILABLE, "unavailable", m)
            }
            StoreError::Db(e) => {
                tracing::error!(error = %e, "database error");
                match tongban_store::health::fault(&e) {
                    Some(f) => {
                        Self::new(StatusCode::SERVICE_UNAVAILABLE, "unavailable", f.message())
                    }
                    None => Self::internal(),
                }
            }
            StoreError::Other(e) => {
                tracing::error!(error = ?e, "internal error");
                Self::internal()
            }
        }
    }
}

impl From<tongban_domain::Invalid> for ApiError {
    fn from(i: tongban_domain::Invalid) -> Self {
        Self::invalid(i.field, i.message)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut body = json!({ "code": self.code, "message": self.message });
        if let Some(f) = self.field {
            body["field"] = json!(f);
        }
        if !self.errors.is_empty() {
            body["errors"] = self
                .errors
                .iter()
                .map(|(field, message)| json!({ "field": field, "message": message }))
                .collect();
        }
        (self.status, Json(json!({ "error": body }))).into_response()
    }
}

pub type ApiResult<T> = Result<T, ApiError>;
