//! Login for API clients: username and password for a bearer token.

use crate::AppState;
use crate::error::ApiResult;
use crate::extract::{Body, Staff};
use axum::extract::State;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};
use tongban_store::org;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/auth/token", post(token))
        .route("/api/v1/me", get(me))
}

#[derive(Deserialize)]
struct Login {
    username: Option<String>,
    password: Option<String>,
}

async fn token(
    State(s): State<AppState>,
    crate::extract::ClientAddr(from): crate::extract::ClientAddr,
    Body(b): Body<Login>,
) -> ApiResult<Json<Value>> {
    let username = b.username.unwrap_or_default();
    let password = b.password.unwrap_or_default();
    if username.trim().is_empty() {
        return Err(crate::error::ApiError::invalid("username", "请填写用户名"));
    }
    if password.is_empty() {
        return Err(crate::error::ApiError::invalid("password", "请填写密码"));
    }
    let p = org::login(&s.store, &username, &password, &from).await?;
    let token = org::issue_token(&s.store, &p).await?;
    Ok(Json(
        json!({ "token": token, "token_type": "Bearer", "expires_in": org::TOKEN_HOURS * 3600, "user": p }),
    ))
}

async fn me(Staff(p): Staff) -> Json<Value> {
    Json(json!({ "user": p, "role_label": p.role.label() }))
}
