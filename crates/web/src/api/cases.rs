//! Cases: application, actions, ratings, lists and the public progress query.

use crate::AppState;
use crate::error::{ApiError, ApiResult};
use crate::extract::{Body, MaybeStaff, Query, Staff};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};
use tongban_store::cases::{self, ActionInput, CaseFilter, NewCase, Rater};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/cases", post(create).get(list))
        .route("/api/v1/cases/search", post(search))
        .route("/api/v1/cases/{case_no}", get(one))
        .route("/api/v1/cases/{case_no}/actions", post(act))
        .route("/api/v1/cases/{case_no}/allow-notice", post(allow_notice))
        .route("/api/v1/cases/{case_no}/rating", post(rate))
        .route("/api/v1/cases/{case_no}/rating/answer", post(answer))
        .route("/api/v1/cases/{case_no}/rating/appeal", post(appeal))
        .route("/api/v1/cases/{case_no}/rating/review", post(review))
        .route("/api/v1/progress/{case_no}", get(progress))
        .route("/api/v1/follow-ups", get(follow_ups))
}

async fn create(
    State(s): State<AppState>,
    Staff(p): Staff,
    Body(b): Body<NewCase>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let app = crate::extract::application(&b, cases::Filer::Clerk)?;
    let case = cases::create(&s.store, &p, &app).await?;
    Ok((
        StatusCode::CREATED,
        Json(serde_json::to_value(case).map_err(|_| ApiError::internal())?),
    ))
}

#[derive(Deserialize)]
struct ListQuery {
    status: Option<String>,
    due: Option<String>,
    department: Option<String>,
    point: Option<String>,
    id_number: Option<String>,
    credit_code: Option<String>,
    page: Option<String>,
    per_page: Option<String>,
    cursor: Option<String>,
}

/// A page of cases as the API answers it: `total` counted up to 10,000
/// (`total_more` when there are more), and the `next_cursor` to ask for the next page.
fn listing(l: tongban_store::Listing<cases::CaseView>, page: Option<i64>) -> Json<Value> {
    Json(json!({
        "cases": l.rows,
        "total": l.total.count,
        "total_more": l.total.more,
        "page": page.unwrap_or(1),
        "next_cursor": l.next_cursor,
    }))
}

async fn list(
    State(s): State<AppState>,
    Staff(p): Staff,
    Query(q): Query<ListQuery>,
) -> ApiResult<Json<Value>> {
    let f = CaseFilter {
        status: q.status,
        due: q.due,
        department: q.department,
        point: q.point,
        id_number: q.id_number,
        credit_code: q.credit_code,
        page: crate::api::optional_int("page", q.page.as_deref())?,
        per_page: crate::api::optional_int("per_page", q.per_page.as_deref())?,
        cursor: q.cursor,
    };
    Ok(listing(cases::list(&s.store, &p, &f).await?, f.page))
}

async fn one(
    State(s): State<AppState>,
    Staff(p): Staff,
    Path(case_no): Path<String>,
) -> ApiResult<impl axum::response::IntoResponse> {
    let case_no = crate::extract::case_no(&case_no)?;
    // The view's JSON, as this node answered it a moment ago when nothing may have
    // changed it since (`tongban_store::views`).
    let body = cases::get_json(&s.store, &p, &case_no).await?;
    Ok((
        [(
            axum::http::header::CONTENT_TYPE,
            axum::http::HeaderValue::from_static("application/json"),
        )],
        body,
    ))
}

async fn act(
    State(s): State<AppState>,
    Staff(p): Staff,
    Path(case_no): Path<String>,
    Body(b): Body<ActionInput>,
) -> ApiResult<Json<Value>> {
    let case_no = crate::extract::case_no(&case_no)?;
    let case = cases::act(&s.store, &p, &case_no, &b).await?;
    Ok(Json(
        serde_json::to_value(case).map_err(|_| ApiError::internal())?,
    ))
}

#[derive(Deserialize)]
struct ReasonBody {
    reason: Option<String>,
}

/// A supervisor allows a further supplement notice before acceptance (Art. 32).
async fn allow_notice(
    State(s): State<AppState>,
    Staff(p): Staff,
    Path(case_no): Path<String>,
    Body(b): Body<ReasonBody>,
) -> ApiResult<Json<Value>> {
    let case_no = crate::extract::case_no(&case_no)?;
    let case =
        cases::allow_further_notice(&s.store, &p, &case_no, b.reason.as_deref().unwrap_or(""))
            .await?;
    Ok(Json(
        serde_json::to_value(case).map_err(|_| ApiError::internal())?,
    ))
}

#[derive(Deserialize)]
struct RatingBody {
    level: Option<i64>,
    comment: Option<String>,
    /// The applicant's proof: last six characters of the ID number or credit code.
    last_six: Option<String>,
}

async fn rate(
    State(s): State<AppState>,
    MaybeStaff(p): MaybeStaff,
    crate::extract::ClientAddr(from): crate::extract::ClientAddr,
    Path(case_no): Path<String>,
    Body(b): Body<RatingBody>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let level = b
        .level
        .ok_or_else(|| ApiError::invalid("level", "请选择评价等级（1至5）"))?;
    let rater = match (&p, b.last_six.as_deref()) {
        (Some(p), _) => Rater::Staff(p),
        (None, Some(six)) => Rater::Applicant {
            last_six: six,
            from: &from,
        },
        (None, None) => {
            return Err(ApiError::invalid(
                "last_six",
                "请填写申请人证件号码或统一社会信用代码的后六位",
            ));
        }
    };
    let case_no = crate::extract::case_no(&case_no)?;
    let r = cases::rate(&s.store, rater, &case_no, level, b.comment.as_deref()).await?;
    Ok((
        StatusCode::CREATED,
        Json(serde_json::to_value(r).map_err(|_| ApiError::internal())?),
    ))
}

#[derive(Deserialize)]
struct AnswerBody {
    finding: Option<String>,
    answer: Option<String>,
}

/// The department verifies, rectifies and answers a bad rating.
async fn answer(
    State(s): State<AppState>,
    Staff(p): Staff,
    Path(case_no): Path<String>,
    Body(b): Body<AnswerBody>,
) -> ApiResult<Json<Value>> {
    let case_no = crate::extract::case_no(&case_no)?;
    let r = cases::answer_follow_up(
        &s.store,
        &p,
        &case_no,
        b.finding.as_deref(),
        b.answer.as_deref().unwrap_or(""),
    )
    .await?;
    Ok(Json(
        serde_json::to_value(r).map_err(|_| ApiError::internal())?,
    ))
}

#[derive(Deserialize)]
struct AppealBody {
    appeal: Option<String>,
    /// The rater's proof: last six characters of the ID number or credit code.
    last_six: Option<String>,
}

/// The rater appeals the department's answer.
async fn appeal(
    State(s): State<AppState>,
    crate::extract::ClientAddr(from): crate::extract::ClientAddr,
    Path(case_no): Path<String>,
    Body(b): Body<AppealBody>,
) -> ApiResult<Json<Value>> {
    let six = b.last_six.as_deref().unwrap_or("");
    if six.trim().is_empty() {
        return Err(ApiError::invalid(
            "last_six",
            "请填写申请人证件号码或统一社会信用代码的后六位",
        ));
    }
    let case_no = crate::extract::case_no(&case_no)?;
    let rater = Rater::Applicant {
        last_six: six,
        from: &from,
    };
    let r = cases::appeal_follow_up(&s.store, rater, &case_no, b.appeal.as_deref().unwrap_or(""))
        .await?;
    Ok(Json(
        serde_json::to_value(r).map_err(|_| ApiError::internal())?,
    ))
}

#[derive(Deserialize)]
struct ReviewBody {
    outcome: Option<String>,
    review: Option<String>,
}

/// The service management office reviews an appeal.
async fn review(
    State(s): State<AppState>,
    Staff(p): Staff,
    Path(case_no): Path<String>,
    Body(b): Body<ReviewBody>,
) -> ApiResult<Json<Value>> {
    let case_no = crate::extract::case_no(&case_no)?;
    let r = cases::review_follow_up(
        &s.store,
        &p,
        &case_no,
        b.outcome.as_deref(),
        b.review.as_deref().unwrap_or(""),
    )
    .await?;
    Ok(Json(
        serde_json::to_value(r).map_err(|_| ApiError::internal())?,
    ))
}

#[derive(Deserialize)]
struct ProgressQuery {
    last_six: Option<String>,
}

async fn progress(
    State(s): State<AppState>,
    crate::extract::ClientAddr(from): crate::extract::ClientAddr,
    Path(case_no): Path<String>,
    Query(q): Query<ProgressQuery>,
) -> ApiResult<Json<Value>> {
    let six = q
        .last_six
        .filter(|v| v.trim().chars().count() == 6)
        .ok_or_else(|| {
            ApiError::invalid("last_six", "请填写申请人证件号码或统一社会信用代码的后六位")
        })?;
    let case_no = crate::extract::case_no(&case_no)?;
    let case = cases::public_progress(&s.store, &case_no, &six, &from).await?;
    Ok(Json(
        serde_json::to_value(case).map_err(|_| ApiError::internal())?,
    ))
}

#[derive(Deserialize)]
struct FollowUpQuery {
    open: Option<String>,
}

/// Bad ratings the department must answer (差评整改).
async fn follow_ups(
    State(s): State<AppState>,
    Staff(p): Staff,
    Query(q): Query<FollowUpQuery>,
) -> ApiResult<Json<Value>> {
    let open_only = match q.open.as_deref() {
        None | Some("") | Some("true") | Some("1") => true,
        Some("false") | Some("0") => false,
        Some(_) => return Err(ApiError::invalid("open", "open 应为 true 或 false")),
    };
    let (rows, total) = cases::follow_ups(&s.store, &p, open_only).await?;
    Ok(Json(json!({ "follow_ups": rows, "total": total })))
}

/// The list with its filter in the body, so an ID number searched for stays out of
/// the URL.
async fn search(
    State(s): State<AppState>,
    Staff(p): Staff,
    Body(f): Body<CaseFilter>,
) -> ApiResult<Json<Value>> {
    Ok(listing(cases::list(&s.store, &p, &f).await?, f.page))
}
