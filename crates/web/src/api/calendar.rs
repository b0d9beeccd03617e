//! The working-day calendar: deadlines, known years, and a new year's schedule.

use crate::AppState;
use crate::error::{ApiError, ApiResult};
use crate::extract::{Body, Query, Staff};
use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};
use tongban_domain::calendar::{Calendar, CalendarError, DayKind, SpecialDay};
use tongban_domain::org::Role;
use tongban_store::{calendar, time};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/calendar/deadline", get(deadline))
        .route("/api/v1/calendar/years", get(years).post(add_year))
}

#[derive(Deserialize)]
struct DeadlineQuery {
    start: Option<String>,
    working_days: Option<String>,
}

async fn deadline(
    State(s): State<AppState>,
    Query(q): Query<DeadlineQuery>,
) -> ApiResult<Json<Value>> {
    let start = q
        .start
        .as_deref()
        .and_then(time::parse_day)
        .ok_or_else(|| ApiError::invalid("start", "起算日期格式应为 YYYY-MM-DD"))?;
    let n: u32 = q
        .working_days
        .as_deref()
        .and_then(|v| v.trim().parse().ok())
        .filter(|n| *n <= 3650)
        .ok_or_else(|| ApiError::invalid("working_days", "工作日数应为0至3650之间的整数"))?;
    let cal = calendar::current(&s.store).await?;
    match cal.deadline(start, n) {
        Ok(d) => Ok(Json(
            json!({ "start": time::day(start), "working_days": n, "deadline": time::day(d) }),
        )),
        Err(e @ CalendarError::OutOfRange { .. }) => Err(ApiError::invalid(
            "start",
            format!(
                "{e}；按排除周末及元旦、劳动节、国庆等固定日期节假日估算为 {}，请管理员录入该年度节假日安排后再查询",
                time::day(Calendar::estimate_deadline(start, n))
            ),
        )),
        Err(e) => Err(ApiError::invalid("start", e.to_string())),
    }
}

async fn years(State(s): State<AppState>) -> ApiResult<Json<Value>> {
    let cal = calendar::current(&s.store).await?;
    let years: Vec<i32> = cal.known_years().collect();
    Ok(Json(json!({ "years": years })))
}

#[derive(Deserialize)]
struct YearBody {
    year: Option<i32>,
    days: Option<Vec<DayBody>>,
}

#[derive(Deserialize)]
struct DayBody {
    date: String,
    kind: String,
    #[serde(default)]
    festival: String,
}

/// An administrator adds a year's schedule: its public holidays and make-up days.
async fn add_year(
    State(s): State<AppState>,
    Staff(p): Staff,
    Body(b): Body<YearBody>,
) -> ApiResult<Json<Value>> {
    if p.role != Role::Admin {
        return Err(ApiError::forbidden("只有系统管理员可以维护节假日安排"));
    }
    let year = b
        .year
        .filter(|y| (2000..=2100).contains(y))
        .ok_or_else(|| ApiError::invalid("year", "年份应在2000至2100之间"))?;
    let days = b
        .days
        .ok_or_else(|| ApiError::invalid("days", "请列出该年度的节假日和调休上班日"))?;
    if days.is_empty() || days.len() > 120 {
        return Err(ApiError::invalid("days", "节假日和调休日应有1至120天"));
    }
    let mut special = Vec::with_capacity(days.len());
    for (i, d) in days.iter().enumerate() {
        let date = time::parse_day(&d.date)
            .filter(|x| chrono::Datelike::year(x) == year)
            .ok_or_else(|| {
                ApiError::invalid(
                    "days",
                    format!("第{}项日期“{}”无效或不在{year}年", i + 1, d.date),
                )
            })?;
        let kind = match d.kind.as_str() {
            "holiday" => DayKind::Holiday,
            "workday" => DayKind::Workday,
            _ => {
                return Err(ApiError::invalid(
                    "days",
                    format!(
                        "第{}项类型应为 holiday（放假）或 workday（调休上班）",
                        i + 1
                    ),
                ));
            }
        };
        special.push(SpecialDay {
            date,
            kind,
            festival: d.festival.chars().take(20).collect(),
        });
    }
    let cal = Calendar::new(special, [year]);
    let n = tongban_store::calendar_year::import(&s.store, &cal, "管理员录入", &p.actor()).await?;
    Ok(Json(json!({ "year": year, "days": n })))
}
