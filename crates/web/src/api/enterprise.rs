//! The enterprise complaint center: complaints taken, assigned, answered and turned
//! into coordination problems; key projects hooked to it and their weekly progress;
//! the quarterly satisfaction surveys, their distributors, links and results.

use crate::AppState;
use crate::error::ApiResult;
use crate::extract::Query;
use crate::extract::{Body, Staff};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};
use tongban_domain::enterprise::{ComplaintInput, ProgressInput};
use tongban_domain::survey::QuestionnaireInput;
use tongban_store::enterprise::{
    self, ComplaintView, ProgressView, Recipient, Results, Show, SurveyView, Viewer,
};
use tongban_store::time;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/key-projects", get(list).post(hook))
        .route("/api/v1/key-projects/{code}/progress", post(progress))
        .route("/api/v1/complaints", get(complaints).post(take))
        .route("/api/v1/complaints/{no}", get(complaint))
        .route("/api/v1/complaints/{no}/assign", post(assign))
        .route("/api/v1/complaints/{no}/answer", post(answer))
        .route("/api/v1/complaints/{no}/coordinate", post(coordinate))
        .route("/api/v1/surveys", get(surveys).post(open_survey))
        .route("/api/v1/surveys/{quarter}", get(survey_results))
        .route("/api/v1/surveys/{quarter}/links", post(issue_links))
        .route("/api/v1/surveys/{quarter}/close", post(close_survey))
        .route("/api/v1/surveys/{quarter}/reply", post(reply_survey))
        .route("/api/v1/enterprise-contacts", post(add_contact))
        .route(
            "/api/v1/survey-distributors",
            get(distributors).post(add_distributor),
        )
}

#[derive(Deserialize)]
struct ContactBody {
    #[serde(default)]
    credit_code: String,
    #[serde(default)]
    contact_name: String,
    #[serde(default)]
    phone: String,
}

/// The center adds a contact who may sign in for an enterprise.
async fn add_contact(
    State(s): State<AppState>,
    Staff(p): Staff,
    Body(b): Body<ContactBody>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    enterprise::add_contact(&s.store, &p, &b.credit_code, &b.contact_name, &b.phone).await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({ "credit_code": b.credit_code.trim(), "contact_name": b.contact_name.trim() })),
    ))
}

async fn surveys(State(s): State<AppState>, Staff(_): Staff) -> ApiResult<Json<Value>> {
    Ok(Json(
        json!({ "surveys": enterprise::surveys(&s.store).await? }),
    ))
}

async fn open_survey(
    State(s): State<AppState>,
    Staff(p): Staff,
    Body(b): Body<QuestionnaireInput>,
) -> ApiResult<(StatusCode, Json<SurveyView>)> {
    Ok((
        StatusCode::CREATED,
        Json(enterprise::open_survey(&s.store, &p, &b).await?),
    ))
}

async fn survey_results(
    State(s): State<AppState>,
    Staff(p): Staff,
    Path(quarter): Path<String>,
) -> ApiResult<Json<Results>> {
    Ok(Json(
        enterprise::survey_results(&s.store, &p, &quarter).await?,
    ))
}

#[derive(Deserialize)]
struct LinksBody {
    #[serde(default)]
    distributor: Option<String>,
    #[serde(default)]
    count: Option<u32>,
    #[serde(default)]
    enterprise_name: Option<String>,
}

async fn issue_links(
    State(s): State<AppState>,
    Staff(p): Staff,
    Path(quarter): Path<String>,
    Body(b): Body<LinksBody>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let count = b.count.map(|n| n.to_string()).unwrap_or_default();
    let to = match (&b.distributor, &b.enterprise_name) {
        (Some(d), _) => Recipient::Distributor {
            name: d,
            count: &count,
        },
        (None, Some(e)) => Recipient::Enterprise { name: e },
        (None, None) => {
            return Err(tongban_store::StoreError::invalid(
                "distributor",
                "请填写发放单位（distributor，含数量 count）或企业名称（enterprise_name）",
            )
            .into());
        }
    };
    let tokens = enterprise::issue_links(&s.store, &p, &quarter, to).await?;
    let links: Vec<String> = tokens.iter().map(|t| format!("/survey/{t}")).collect();
    Ok((StatusCode::CREATED, Json(json!({ "links": links }))))
}

async fn close_survey(
    State(s): State<AppState>,
    Staff(p): Staff,
    Path(quarter): Path<String>,
) -> ApiResult<Json<SurveyView>> {
    Ok(Json(
        enterprise::close_survey(&s.store, &p, &quarter).await?,
    ))
}

#[derive(Deserialize)]
struct ReplyBody {
    #[serde(default)]
    reply: String,
}

async fn reply_survey(
    State(s): State<AppState>,
    Staff(p): Staff,
    Path(quarter): Path<String>,
    Body(b): Body<ReplyBody>,
) -> ApiResult<Json<Value>> {
    enterprise::reply_survey(&s.store, &p, &quarter, &b.reply).await?;
    Ok(Json(json!({ "quarter": quarter, "reply": b.reply.trim() })))
}

async fn distributors(State(s): State<AppState>, Staff(_): Staff) -> ApiResult<Json<Value>> {
    Ok(Json(
        json!({ "distributors": enterprise::distributors(&s.store).await? }),
    ))
}

#[derive(Deserialize)]
struct DistributorBody {
    #[serde(default)]
    name: String,
    #[serde(default)]
    kind: String,
}

async fn add_distributor(
    State(s): State<AppState>,
    Staff(p): Staff,
    Body(b): Body<DistributorBody>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let (d, key) = enterprise::add_distributor(&s.store, &p, &b.name, &b.kind).await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({ "distributor": d, "status_link": format!("/survey/distributor/{key}") })),
    ))
}

#[derive(Deserialize)]
struct ShowQuery {
    #[serde(default)]
    show: String,
}

async fn complaints(
    State(s): State<AppState>,
    Staff(p): Staff,
    Query(q): Query<ShowQuery>,
) -> ApiResult<Json<Value>> {
    let show = Show::parse(&q.show)?;
    Ok(Json(
        json!({ "complaints": enterprise::complaints(&s.store, &Viewer::Staff(&p), show).await? }),
    ))
}

async fn complaint(
    State(s): State<AppState>,
    Staff(p): Staff,
    Path(no): Path<String>,
) -> ApiResult<Json<ComplaintView>> {
    Ok(Json(
        enterprise::complaint(&s.store, &Viewer::Staff(&p), &no).await?,
    ))
}

async fn take(
    State(s): State<AppState>,
    Staff(p): Staff,
    Body(b): Body<ComplaintInput>,
) -> ApiResult<(StatusCode, Json<ComplaintView>)> {
    Ok((
        StatusCode::CREATED,
        Json(enterprise::take(&s.store, &p, &b).await?),
    ))
}

#[derive(Deserialize)]
struct AssignBody {
    #[serde(default)]
    department: String,
    #[serde(default)]
    limit_days: Option<u32>,
}

async fn assign(
    State(s): State<AppState>,
    Staff(p): Staff,
    Path(no): Path<String>,
    Body(b): Body<AssignBody>,
) -> ApiResult<Json<ComplaintView>> {
    let days = b.limit_days.map(|n| n.to_string()).unwrap_or_default();
    Ok(Json(
        enterprise::assign(&s.store, &p, &no, &b.department, &days).await?,
    ))
}

#[derive(Deserialize)]
struct AnswerBody {
    #[serde(default)]
    answer: String,
}

async fn answer(
    State(s): State<AppState>,
    Staff(p): Staff,
    Path(no): Path<String>,
    Body(b): Body<AnswerBody>,
) -> ApiResult<Json<ComplaintView>> {
    Ok(Json(
        enterprise::answer(&s.store, &p, &no, &b.answer).await?,
    ))
}

async fn coordinate(
    State(s): State<AppState>,
    Staff(p): Staff,
    Path(no): Path<String>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let problem = enterprise::coordinate(&s.store, &p, &no).await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({ "complaint": no, "problem": problem })),
    ))
}

async fn list(State(s): State<AppState>, Staff(_): Staff) -> ApiResult<Json<Value>> {
    Ok(Json(
        json!({ "projects": enterprise::hooked(&s.store).await? }),
    ))
}

#[derive(Deserialize)]
struct HookBody {
    #[serde(default)]
    project: String,
    #[serde(default)]
    responsible: String,
}

async fn hook(
    State(s): State<AppState>,
    Staff(p): Staff,
    Body(b): Body<HookBody>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let today = time::local_day(time::now());
    enterprise::hook(&s.store, &p, &b.project, &b.responsible, today).await?;
    Ok((
        StatusCode::CREATED,
        Json(
            json!({ "project": b.project.trim(), "responsible": b.responsible.trim(), "hooked_on": time::day(today) }),
        ),
    ))
}

async fn progress(
    State(s): State<AppState>,
    Staff(p): Staff,
    Path(code): Path<String>,
    Body(b): Body<ProgressInput>,
) -> ApiResult<(StatusCode, Json<ProgressView>)> {
    Ok((
        StatusCode::CREATED,
        Json(enterprise::record_progress(&s.store, &p, &code, &b).await?),
    ))
}
