//! Departments, service points and staff accounts. Reading the organisation is public;
//! changing it is the administrator's.

use crate::AppState;
use crate::error::{ApiError, ApiResult};
use crate::extract::{Body, Staff};
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};
use tongban_domain::org::{PointKind, Role};
use tongban_store::org::{self, Principal};

pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/api/v1/departments",
            get(departments).post(create_department),
        )
        .route("/api/v1/points", get(points).post(create_point))
        .route("/api/v1/users", get(users).post(create_user))
        .route("/api/v1/windows", get(windows))
}

fn admin(p: &Principal) -> ApiResult<()> {
    if p.role == Role::Admin {
        Ok(())
    } else {
        Err(ApiError::forbidden("只有系统管理员可以维护机构和账户"))
    }
}

async fn departments(State(s): State<AppState>) -> ApiResult<Json<Value>> {
    Ok(Json(json!(org::departments(&s.store).await?)))
}

async fn points(State(s): State<AppState>) -> ApiResult<Json<Value>> {
    Ok(Json(json!(org::points(&s.store).await?)))
}

#[derive(Deserialize)]
struct NewDepartment {
    code: Option<String>,
    name: Option<String>,
    short_name: Option<String>,
    credit_code: Option<String>,
    #[serde(default = "yes")]
    stationed: bool,
    #[serde(default)]
    has_service_section: bool,
    #[serde(default = "yes")]
    member_unit: bool,
}

fn yes() -> bool {
    true
}

async fn create_department(
    State(s): State<AppState>,
    Staff(p): Staff,
    Body(b): Body<NewDepartment>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    admin(&p)?;
    let code = b.code.unwrap_or_default();
    let name = b.name.unwrap_or_default();
    let short = b.short_name.unwrap_or_default();
    let n = tongban_store::count(&mut *s.store.reader().await?, "departments").await?;
    let d = org::create_department(
        &s.store,
        &org::NewDepartment {
            code: code.trim(),
            name: &name,
            short_name: &short,
            credit_code: b.credit_code.as_deref().filter(|c| !c.is_empty()),
            stationed: b.stationed,
            has_service_section: b.has_service_section,
            member_unit: b.member_unit,
            sort: n,
        },
        &p.actor(),
    )
    .await?;
    Ok((StatusCode::CREATED, Json(json!(d))))
}

#[derive(Deserialize)]
struct NewPoint {
    code: Option<String>,
    name: Option<String>,
    kind: Option<String>,
    division_code: Option<String>,
    address: Option<String>,
    hours: Option<String>,
    phone: Option<String>,
}

async fn create_point(
    State(s): State<AppState>,
    Staff(p): Staff,
    Body(b): Body<NewPoint>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    admin(&p)?;
    let kind = PointKind::parse(b.kind.as_deref().unwrap_or("")).ok_or_else(|| {
        ApiError::invalid(
            "kind",
            "服务点类型应为 center、comprehensive_window、town 或 substation",
        )
    })?;
    let division = b.division_code.unwrap_or_else(|| "320583".into());
    if !(6..=12).contains(&division.len()) || !division.chars().all(|c| c.is_ascii_digit()) {
        return Err(ApiError::invalid(
            "division_code",
            "行政区划代码应为6至12位数字",
        ));
    }
    let code = b.code.unwrap_or_default();
    let pt = org::create_point(
        &s.store,
        code.trim(),
        b.name.as_deref().unwrap_or(""),
        kind,
        &division,
        b.address.as_deref().unwrap_or(""),
        (
            b.hours.as_deref().unwrap_or(""),
            b.phone.as_deref().unwrap_or(""),
        ),
        &p.actor(),
    )
    .await?;
    Ok((StatusCode::CREATED, Json(json!(pt))))
}

async fn users(State(s): State<AppState>, Staff(p): Staff) -> ApiResult<Json<Value>> {
    admin(&p)?;
    Ok(Json(json!(org::users(&s.store).await?)))
}

#[derive(Deserialize)]
struct NewUser {
    username: Option<String>,
    display_name: Option<String>,
    role: Option<String>,
    department: Option<String>,
    point: Option<String>,
    password: Option<String>,
}

async fn create_user(
    State(s): State<AppState>,
    Staff(p): Staff,
    Body(b): Body<NewUser>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    admin(&p)?;
    let role = Role::parse(b.role.as_deref().unwrap_or(""))
        .ok_or_else(|| ApiError::invalid("role", "角色无效"))?;
    let username = b.username.unwrap_or_default();
    let display = b.display_name.unwrap_or_else(|| username.clone());
    org::create_user(
        &s.store,
        &org::NewUser {
            username: &username,
            display_name: &display,
            role,
            department: b.department.as_deref().filter(|d| !d.is_empty()),
            point: b.point.as_deref().filter(|d| !d.is_empty()),
            password: b.password.as_deref().unwrap_or(""),
        },
        &p.actor(),
    )
    .await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({ "username": username.trim().to_ascii_lowercase(), "role": role.as_str() })),
    ))
}

async fn windows(State(s): State<AppState>) -> ApiResult<Json<Value>> {
    Ok(Json(json!(org::windows(&s.store).await?)))
}
