//! Electronic licenses (电子证照): the published department keys, a check by number,
//! and revocation by the issuing department's head.

use crate::AppState;
use crate::error::{ApiError, ApiResult};
use crate::extract::{Body, Staff};
use axum::extract::{Path, State};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};
use tongban_store::licenses::{self, VerifyOutcome};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/license-keys", get(keys))
        .route("/api/v1/licenses/{license_no}", get(check))
        .route("/api/v1/licenses/{license_no}/revoke", post(revoke))
}

/// Every department's SM2 public key, for offline verification.
async fn keys(State(s): State<AppState>) -> ApiResult<Json<Value>> {
    let keys = licenses::public_keys(&s.store).await?;
    Ok(Json(json!({
        "algorithm": licenses::ALGORITHM,
        "distinguishing_id": licenses::DIST_ID,
        "keys": keys,
    })))
}

#[derive(Deserialize)]
struct TokenQuery {
    /// The check token of the license's QR code (核验码).
    t: Option<String>,
}

/// The verify page's answer as JSON; an unknown number is a 404. Without the QR
/// code's token `t` the answer names no holder.
async fn check(
    State(s): State<AppState>,
    Path(license_no): Path<String>,
    crate::extract::Query(q): crate::extract::Query<TokenQuery>,
) -> ApiResult<Json<Value>> {
    Ok(Json(
        match licenses::verify(&s.store, license_no.trim(), q.t.as_deref()).await? {
            VerifyOutcome::Valid(l) => json!({ "result": "valid", "license": l }),
            VerifyOutcome::Revoked {
                license,
                reason,
                at,
            } => {
                json!({ "result": "revoked", "license": license, "revoked_at": at, "reason": reason })
            }
            VerifyOutcome::BadSignature { license_no, why } => {
                json!({ "result": "bad_signature", "license_no": license_no, "reason": why })
            }
            VerifyOutcome::Unknown => {
                return Err(ApiError::not_found(format!(
                    "未找到电子证照“{}”",
                    license_no.chars().take(64).collect::<String>()
                )));
            }
        },
    ))
}

#[derive(Deserialize)]
struct RevokeBody {
    reason: Option<String>,
}

async fn revoke(
    State(s): State<AppState>,
    Staff(p): Staff,
    Path(license_no): Path<String>,
    Body(b): Body<RevokeBody>,
) -> ApiResult<Json<Value>> {
    let l = licenses::revoke(
        &s.store,
        &p,
        license_no.trim(),
        b.reason.as_deref().unwrap_or(""),
    )
    .await?;
    Ok(Json(json!({ "license": l })))
}
