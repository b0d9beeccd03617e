//! Business registration (三证合一、一照一码): registrations filed at the market
//! regulation windows, and the market entities with their credit codes — read by
//! staff in full (ID numbers masked) and by anyone as the public record.

use crate::AppState;
use crate::error::{ApiError, ApiResult};
use crate::extract::{Body, MaybeStaff, Query, Staff};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};
use tongban_domain::registration::{
    ChangeInput, DeregisterInput, EstablishInput, RegistrationKind,
};
use tongban_store::registration::entities::{self, RegistrationFilter};
use tongban_store::registration::{self, EntityFilter, RegistrationView};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/registrations", get(list).post(file))
        .route("/api/v1/registrations/{case_no}", get(one))
        .route("/api/v1/entities", get(entity_list))
        .route("/api/v1/entities/{credit_code}", get(entity))
}

#[derive(Deserialize)]
struct FileBody {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    item_code: Option<String>,
    #[serde(flatten)]
    fields: Value,
}

fn fields<T: serde::de::DeserializeOwned>(v: Value) -> ApiResult<T> {
    serde_json::from_value(v).map_err(|e| {
        ApiError::invalid(
            "body",
            format!(
                "请求内容字段有误：{}",
                e.to_string().chars().take(200).collect::<String>()
            ),
        )
    })
}

/// Files a registration of any kind; 201 with the registration and its case number.
async fn file(
    State(s): State<AppState>,
    Staff(p): Staff,
    Body(b): Body<FileBody>,
) -> ApiResult<(StatusCode, Json<RegistrationView>)> {
    let kind = RegistrationKind::parse(b.kind.trim()).ok_or_else(|| {
        ApiError::invalid(
            "kind",
            format!("登记类型应为{}", RegistrationKind::choices()),
        )
    })?;
    let item = b.item_code.as_deref();
    let v = match kind {
        RegistrationKind::Establish => {
            let input: EstablishInput = fields(b.fields)?;
            registration::establish(&s.store, &p, &input, item, tongban_store::time::now()).await?
        }
        RegistrationKind::Change => {
            let input: ChangeInput = fields(b.fields)?;
            registration::change(&s.store, &p, &input, item, tongban_store::time::now()).await?
        }
        RegistrationKind::Deregister => {
            let input: DeregisterInput = fields(b.fields)?;
            registration::deregister(&s.store, &p, &input, item, tongban_store::time::now()).await?
        }
    };
    Ok((StatusCode::CREATED, Json(v)))
}

#[derive(Deserialize)]
struct ListQuery {
    kind: Option<String>,
    q: Option<String>,
    page: Option<String>,
    per_page: Option<String>,
}

async fn list(
    State(s): State<AppState>,
    Staff(p): Staff,
    Query(q): Query<ListQuery>,
) -> ApiResult<Json<Value>> {
    let f = RegistrationFilter {
        kind: q.kind,
        q: q.q,
        page: crate::api::optional_int("page", q.page.as_deref())?,
        per_page: crate::api::optional_int("per_page", q.per_page.as_deref())?,
    };
    let (rows, total) = entities::registrations(&s.store, &p, &f).await?;
    Ok(Json(json!({
        "registrations": rows,
        "total": total.count,
        "total_more": total.more,
        "page": f.page.unwrap_or(1),
    })))
}

async fn one(
    State(s): State<AppState>,
    Staff(p): Staff,
    Path(case_no): Path<String>,
) -> ApiResult<Json<RegistrationView>> {
    Ok(Json(entities::registration(&s.store, &p, &case_no).await?))
}

#[derive(Deserialize)]
struct EntityQuery {
    q: Option<String>,
    status: Option<String>,
    entity_type: Option<String>,
    town: Option<String>,
    page: Option<String>,
    per_page: Option<String>,
}

async fn entity_list(
    State(s): State<AppState>,
    Staff(p): Staff,
    Query(q): Query<EntityQuery>,
) -> ApiResult<Json<Value>> {
    let f = EntityFilter {
        q: q.q,
        status: q.status,
        entity_type: q.entity_type,
        town: q.town,
        page: crate::api::optional_int("page", q.page.as_deref())?,
        per_page: crate::api::optional_int("per_page", q.per_page.as_deref())?,
    };
    let (rows, total) = entities::entities(&s.store, &p, &f).await?;
    Ok(Json(json!({
        "entities": rows,
        "total": total.count,
        "total_more": total.more,
        "page": f.page.unwrap_or(1),
    })))
}

/// An entity by its credit code: in full for staff (ID numbers masked, with its
/// registrations), and as the public record for anyone else.
async fn entity(
    State(s): State<AppState>,
    MaybeStaff(p): MaybeStaff,
    Path(code): Path<String>,
) -> ApiResult<Response> {
    Ok(match p {
        Some(p) => Json(entities::entity(&s.store, &p, &code).await?).into_response(),
        None => Json(entities::public_entity(&s.store, &code).await?).into_response(),
    })
}
