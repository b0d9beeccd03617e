//! Identity codes: validation of unified social credit codes (GB 32100) and resident
//! ID numbers (GB 11643), and new credit codes for registrations.

use crate::AppState;
use crate::error::{ApiError, ApiResult};
use crate::extract::{Body, Staff};
use axum::extract::{Path, State};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};
use tongban_domain::codes::{CreditCode, IdNumber};
use tongban_domain::org::Role;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/codes/uscc/{code}", get(uscc))
        .route("/api/v1/codes/id/{number}", get(id_number))
        .route("/api/v1/codes/uscc", post(generate))
        // POST forms keep people's numbers out of URLs (and access logs).
        .route("/api/v1/codes/uscc/check", post(uscc_post))
        .route("/api/v1/codes/id", post(id_post))
}

async fn uscc(Path(code): Path<String>) -> Json<Value> {
    match CreditCode::parse(&code) {
        Ok(c) => Json(json!({
            "valid": true, "reason": null, "code": c.as_str(),
            "registration_authority": c.authority().to_string(),
            "entity_type": c.entity_type().to_string(),
            "division": c.division(), "organisation_code": c.organisation_code(),
        })),
        Err(e) => Json(json!({ "valid": false, "reason": e.to_string() })),
    }
}

async fn id_number(Path(number): Path<String>) -> Json<Value> {
    match IdNumber::parse(&number) {
        Ok(n) => Json(json!({
            "valid": true, "reason": null, "division": n.division(),
            "birth_date": n.birth_date().format("%Y-%m-%d").to_string(),
            "sex": if n.is_male() { "male" } else { "female" },
        })),
        Err(e) => Json(json!({ "valid": false, "reason": e.to_string() })),
    }
}

#[derive(Deserialize)]
struct Generate {
    registration_authority: Option<String>,
    entity_type: Option<String>,
    division: Option<String>,
}

/// A new code for a registration (三证合一、一照一码): the next organisation code body
/// from the office's sequence, with both check characters.
async fn generate(
    State(s): State<AppState>,
    Staff(p): Staff,
    Body(b): Body<Generate>,
) -> ApiResult<Json<Value>> {
    if !matches!(
        p.role,
        Role::WindowClerk | Role::Approver | Role::DepartmentHead | Role::Admin
    ) {
        return Err(ApiError::forbidden("当前角色不能赋码"));
    }
    let one = |v: Option<String>, default: char, field: &str| -> ApiResult<char> {
        match v.as_deref().map(str::trim) {
            None | Some("") => Ok(default),
            Some(x) if x.chars().count() == 1 => Ok(x.chars().next().unwrap_or(default)),
            Some(_) => Err(ApiError::invalid(field, "应为一个字符")),
        }
    };
    let authority = one(b.registration_authority, '9', "registration_authority")?;
    let entity = one(b.entity_type, '1', "entity_type")?;
    let division = b.division.unwrap_or_else(|| "320583".into());
    let code =
        tongban_store::org::next_credit_code(&s.store, authority, entity, &division, &p.actor())
            .await?;
    Ok(Json(json!({ "code": code.as_str() })))
}

#[derive(Deserialize)]
struct CodeBody {
    code: Option<String>,
    number: Option<String>,
}

async fn uscc_post(Body(b): Body<CodeBody>) -> Json<Value> {
    uscc(Path(b.code.unwrap_or_default())).await
}

async fn id_post(Body(b): Body<CodeBody>) -> Json<Value> {
    id_number(Path(b.number.unwrap_or_default())).await
}
