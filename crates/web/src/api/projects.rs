//! Construction projects (工程建设项目): registered at the comprehensive window with
//! the national platform's code, listed and read by the staff who take part.

use crate::AppState;
use crate::error::ApiResult;
use crate::extract::{Body, Query, Staff};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};
use tongban_domain::acceptance::{RequestInput, ResultInput, ScheduleInput};
use tongban_domain::project::ProjectInput;
use tongban_domain::stage::{StageApplicationInput, StageRuleInput};
use tongban_store::projects::acceptance::{self, AcceptanceFilter, AcceptanceView};
use tongban_store::projects::long_four;
use tongban_store::projects::problems::{self, ProblemFilter, ProblemInput, ProblemView};
use tongban_store::projects::stages::{self, StageRuleView, StageView};
use tongban_store::projects::{self, ProjectFilter, ProjectView};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/projects", get(list).post(create))
        .route("/api/v1/projects/{code}", get(one))
        .route("/api/v1/projects/{code}/acceptances", post(request))
        .route(
            "/api/v1/projects/{code}/stages",
            get(stages).post(apply_stage),
        )
        .route("/api/v1/project-stages", get(rules).post(define_rule))
        .route("/api/v1/project-tracking", get(track))
        .route("/api/v1/projects/{code}/problems", post(raise_problem))
        .route("/api/v1/problems", get(problems_list))
        .route("/api/v1/projects/{code}/long-four", get(long_four_one))
        .route("/api/v1/project-figures", get(long_four_average))
        .route("/api/v1/problems/{id}/result", post(resolve_problem))
        .route("/api/v1/acceptances", get(acceptances))
        .route("/api/v1/acceptances/{acceptance_no}", get(acceptance_one))
        .route(
            "/api/v1/acceptances/{acceptance_no}/schedule",
            post(schedule),
        )
        .route("/api/v1/acceptances/{acceptance_no}/results", post(record))
        .route(
            "/api/v1/acceptances/{acceptance_no}/reinspection",
            post(reinspect),
        )
}

async fn long_four_one(
    State(s): State<AppState>,
    Staff(p): Staff,
    Path(code): Path<String>,
) -> ApiResult<Json<long_four::LongFour>> {
    Ok(Json(long_four::for_project(&s.store, &p, &code).await?))
}

#[derive(Deserialize)]
struct PeriodQuery {
    from: Option<String>,
    to: Option<String>,
}

/// 一长四多 averaged over the projects whose first stage was accepted in the period
/// (this year to date by default).
async fn long_four_average(
    State(s): State<AppState>,
    Staff(p): Staff,
    Query(q): Query<PeriodQuery>,
) -> ApiResult<Json<Value>> {
    if !p.role.works_cases() {
        return Err(crate::error::ApiError::forbidden(format!(
            "{}不能查看工程建设项目",
            p.role.label()
        )));
    }
    let today = tongban_store::time::local_day(tongban_store::time::now());
    let day = |field: &'static str, v: Option<String>, or: chrono::NaiveDate| match v
        .as_deref()
        .map(str::trim)
        .filter(|v| !v.is_empty())
    {
        None => Ok(or),
        Some(v) => chrono::NaiveDate::parse_from_str(v, "%Y-%m-%d").map_err(|_| {
            crate::error::ApiError::invalid(field, format!("{field} 应为 YYYY-MM-DD 日期"))
        }),
    };
    let start =
        chrono::NaiveDate::from_ymd_opt(chrono::Datelike::year(&today), 1, 1).unwrap_or(today);
    let from = day("from", q.from, start)?;
    let to = day("to", q.to, today)?;
    if to < from {
        return Err(crate::error::ApiError::invalid(
            "to",
            "结束日期不能早于开始日期",
        ));
    }
    let avg = long_four::average(&s.store, from, to).await?;
    Ok(Json(
        json!({ "from": from.to_string(), "to": to.to_string(), "average": avg }),
    ))
}

async fn raise_problem(
    State(s): State<AppState>,
    Staff(p): Staff,
    Path(code): Path<String>,
    Body(b): Body<ProblemInput>,
) -> ApiResult<(StatusCode, Json<ProblemView>)> {
    let v = problems::raise(&s.store, &p, &code, &b).await?;
    Ok((StatusCode::CREATED, Json(v)))
}

#[derive(Deserialize)]
struct ProblemResult {
    #[serde(default)]
    result: String,
}

async fn resolve_problem(
    State(s): State<AppState>,
    Staff(p): Staff,
    Path(id): Path<String>,
    Body(b): Body<ProblemResult>,
) -> ApiResult<Json<ProblemView>> {
    let id = id
        .trim()
        .parse::<i64>()
        .ok()
        .filter(|n| *n > 0)
        .ok_or_else(|| crate::error::ApiError::invalid("id", "协调问题编号应为正整数"))?;
    Ok(Json(
        problems::resolve(&s.store, &p, None, id, &b.result).await?,
    ))
}

#[derive(Deserialize)]
struct ProblemQuery {
    project: Option<String>,
    status: Option<String>,
    overdue: Option<String>,
    department: Option<String>,
    page: Option<String>,
    per_page: Option<String>,
}

async fn problems_list(
    State(s): State<AppState>,
    Staff(p): Staff,
    Query(q): Query<ProblemQuery>,
) -> ApiResult<Json<Value>> {
    let overdue = match q.overdue.as_deref().map(str::trim) {
        None | Some("") | Some("false") => false,
        Some("true") => true,
        Some(_) => {
            return Err(crate::error::ApiError::invalid(
                "overdue",
                "overdue 应为 true 或 false",
            ));
        }
    };
    let f = ProblemFilter {
        project: q.project,
        status: q.status,
        overdue,
        department: q.department,
        page: crate::api::optional_int("page", q.page.as_deref())?,
        per_page: crate::api::optional_int("per_page", q.per_page.as_deref())?,
    };
    let (rows, total) = problems::list(&s.store, &p, &f).await?;
    Ok(Json(json!({
        "problems": rows,
        "total": total.count,
        "total_more": total.more,
        "page": f.page.unwrap_or(1),
    })))
}

#[derive(Deserialize)]
struct TrackQuery {
    code: Option<String>,
    credit_code: Option<String>,
}

/// The owner's tracking, without a login (the code and the credit code together).
async fn track(
    State(s): State<AppState>,
    crate::extract::ClientAddr(from): crate::extract::ClientAddr,
    Query(q): Query<TrackQuery>,
) -> ApiResult<Json<tongban_store::projects::tracking::Tracking>> {
    let code = q
        .code
        .filter(|c| !c.trim().is_empty())
        .ok_or_else(|| crate::error::ApiError::invalid("code", "请填写项目代码"))?;
    let credit = q
        .credit_code
        .filter(|c| !c.trim().is_empty())
        .ok_or_else(|| {
            crate::error::ApiError::invalid("credit_code", "请填写建设单位统一社会信用代码")
        })?;
    Ok(Json(
        tongban_store::projects::tracking::track(&s.store, &code, &credit, &from).await?,
    ))
}

async fn stages(
    State(s): State<AppState>,
    Staff(p): Staff,
    Path(code): Path<String>,
) -> ApiResult<Json<Value>> {
    let v = stages::for_project(&s.store, &p, &code).await?;
    Ok(Json(json!({ "stages": v })))
}

async fn apply_stage(
    State(s): State<AppState>,
    Staff(p): Staff,
    Path(code): Path<String>,
    Body(b): Body<StageApplicationInput>,
) -> ApiResult<(StatusCode, Json<StageView>)> {
    let v = stages::apply(&s.store, &p, &code, &b).await?;
    Ok((StatusCode::CREATED, Json(v)))
}

async fn rules(State(s): State<AppState>, Staff(_): Staff) -> ApiResult<Json<Value>> {
    let (in_force, history) = stages::rules(&s.store).await?;
    Ok(Json(json!({ "in_force": in_force, "history": history })))
}

async fn define_rule(
    State(s): State<AppState>,
    Staff(p): Staff,
    Body(b): Body<StageRuleInput>,
) -> ApiResult<(StatusCode, Json<StageRuleView>)> {
    let v = stages::define(&s.store, &p, &b).await?;
    Ok((StatusCode::CREATED, Json(v)))
}

async fn request(
    State(s): State<AppState>,
    Staff(p): Staff,
    Path(code): Path<String>,
    Body(b): Body<RequestInput>,
) -> ApiResult<(StatusCode, Json<AcceptanceView>)> {
    let v = acceptance::request(&s.store, &p, &code, &b).await?;
    Ok((StatusCode::CREATED, Json(v)))
}

async fn acceptance_one(
    State(s): State<AppState>,
    Staff(p): Staff,
    Path(no): Path<String>,
) -> ApiResult<Json<AcceptanceView>> {
    Ok(Json(acceptance::get(&s.store, &p, &no).await?))
}

async fn schedule(
    State(s): State<AppState>,
    Staff(p): Staff,
    Path(no): Path<String>,
    Body(b): Body<ScheduleInput>,
) -> ApiResult<Json<AcceptanceView>> {
    Ok(Json(acceptance::schedule(&s.store, &p, &no, &b).await?))
}

async fn record(
    State(s): State<AppState>,
    Staff(p): Staff,
    Path(no): Path<String>,
    Body(b): Body<ResultInput>,
) -> ApiResult<Json<AcceptanceView>> {
    Ok(Json(acceptance::record(&s.store, &p, &no, &b).await?))
}

#[derive(Deserialize)]
struct Reinspection {
    #[serde(default)]
    inspect_on: String,
}

async fn reinspect(
    State(s): State<AppState>,
    Staff(p): Staff,
    Path(no): Path<String>,
    Body(b): Body<Reinspection>,
) -> ApiResult<Json<AcceptanceView>> {
    Ok(Json(
        acceptance::reinspect(&s.store, &p, &no, &b.inspect_on).await?,
    ))
}

#[derive(Deserialize)]
struct AcceptanceQuery {
    status: Option<String>,
    department: Option<String>,
    awaiting: Option<String>,
    project: Option<String>,
    page: Option<String>,
    per_page: Option<String>,
}

async fn acceptances(
    State(s): State<AppState>,
    Staff(p): Staff,
    Query(q): Query<AcceptanceQuery>,
) -> ApiResult<Json<Value>> {
    let awaiting = match q.awaiting.as_deref().map(str::trim) {
        None | Some("") | Some("false") => None,
        Some("true") => Some(true),
        Some(_) => {
            return Err(crate::error::ApiError::invalid(
                "awaiting",
                "awaiting 应为 true 或 false",
            ));
        }
    };
    let f = AcceptanceFilter {
        status: q.status,
        department: q.department,
        awaiting,
        project: q.project,
        page: crate::api::optional_int("page", q.page.as_deref())?,
        per_page: crate::api::optional_int("per_page", q.per_page.as_deref())?,
    };
    let (rows, total) = acceptance::list(&s.store, &p, &f).await?;
    Ok(Json(json!({
        "acceptances": rows,
        "total": total.count,
        "total_more": total.more,
        "page": f.page.unwrap_or(1),
    })))
}

async fn create(
    State(s): State<AppState>,
    Staff(p): Staff,
    Body(b): Body<ProjectInput>,
) -> ApiResult<(StatusCode, Json<ProjectView>)> {
    let v = projects::create(&s.store, &p, &b).await?;
    Ok((StatusCode::CREATED, Json(v)))
}

async fn one(
    State(s): State<AppState>,
    Staff(p): Staff,
    Path(code): Path<String>,
) -> ApiResult<Json<ProjectView>> {
    Ok(Json(projects::get(&s.store, &p, &code).await?))
}

#[derive(Deserialize)]
struct ListQuery {
    q: Option<String>,
    town: Option<String>,
    lead_department: Option<String>,
    category: Option<String>,
    page: Option<String>,
    per_page: Option<String>,
}

async fn list(
    State(s): State<AppState>,
    Staff(p): Staff,
    Query(q): Query<ListQuery>,
) -> ApiResult<Json<Value>> {
    let f = ProjectFilter {
        q: q.q,
        town: q.town,
        lead_department: q.lead_department,
        category: q.category,
        page: crate::api::optional_int("page", q.page.as_deref())?,
        per_page: crate::api::optional_int("per_page", q.per_page.as_deref())?,
    };
    let (rows, total) = projects::list(&s.store, &p, &f).await?;
    Ok(Json(json!({
        "projects": rows,
        "total": total.count,
        "total_more": total.more,
        "page": f.page.unwrap_or(1),
    })))
}
