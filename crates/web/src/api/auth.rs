//! Login for API clients: username and password (and the authenticator's code for an
//! account with a second factor) for a bearer token; logout revokes the token.

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
        .route("/api/v1/auth/logout", post(logout))
        .route("/api/v1/me", get(me))
}

#[derive(Deserialize)]
struct Login {
    username: Option<String>,
    password: Option<String>,
    /// The authenticator's 6-digit code, or a recovery code.
    totp: Option<String>,
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
    use crate::error::ApiError;
    use axum::http::StatusCode;
    use tongban_store::accounts::{self, Stage};
    let mut stage = accounts::stage_after_password(&s.store, &p).await?;
    if stage == Stage::SecondFactor {
        let code = b.totp.as_deref().unwrap_or("").trim().to_string();
        if code.is_empty() {
            return Err(ApiError {
                field: Some("totp".into()),
                ..ApiError::new(
                    StatusCode::UNAUTHORIZED,
                    "totp_required",
                    "该账户已启用动态口令：请在 totp 字段提供验证器应用当前的6位动态口令",
                )
            });
        }
        // The store names its form's field `code`; here the field is `totp`.
        accounts::check_second_factor(&s.store, &p, &code)
            .await
            .map_err(|e| match e {
                tongban_store::StoreError::Invalid(i) => ApiError::invalid("totp", i.message),
                other => other.into(),
            })?;
        stage = if must_change(&s, &p).await? {
            Stage::NewPassword
        } else {
            Stage::Full
        };
    }
    match stage {
        Stage::Enrol => {
            return Err(ApiError::new(
                StatusCode::FORBIDDEN,
                "totp_enrolment_required",
                "系统管理员须先在网页上（/me/totp）启用动态口令，才能取得接口凭证",
            ));
        }
        Stage::NewPassword => {
            return Err(ApiError::new(
                StatusCode::FORBIDDEN,
                "password_change_required",
                "密码已由系统管理员重置：请先在网页上（/login）登录并设置新密码",
            ));
        }
        Stage::SecondFactor | Stage::Full => {}
    }
    let token = org::issue_token(&s.store, &p).await?;
    Ok(Json(
        json!({ "token": token, "token_type": "Bearer", "expires_in": org::TOKEN_HOURS * 3600, "user": p }),
    ))
}

async fn must_change(s: &AppState, p: &tongban_store::org::Principal) -> ApiResult<bool> {
    Ok(tongban_store::accounts::must_change_password(&s.store, p).await?)
}

/// Logout of an API client: the token sent with this request stops working.
async fn logout(
    State(s): State<AppState>,
    Staff(p): Staff,
    headers: axum::http::HeaderMap,
) -> ApiResult<axum::http::StatusCode> {
    let token = headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or("")
        .trim();
    tongban_store::accounts::revoke_token(&s.store, &p, token).await?;
    Ok(axum::http::StatusCode::NO_CONTENT)
}

async fn me(Staff(p): Staff) -> Json<Value> {
    Json(json!({ "user": p, "role_label": p.role.label() }))
}
