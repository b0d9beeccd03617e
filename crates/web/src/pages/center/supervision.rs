//! Supervision (督查): overdue cases, late withdrawals, undelivered decisions and
//! unanswered bad ratings across departments,
//! for supervisors and administrators.

use crate::AppState;
use crate::pages::{Layout, PageError, PageResult, Web, render};
use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use tongban_store::cases::{self, CaseFilter, CaseView, FollowUpRow};

pub fn router() -> Router<AppState> {
    Router::new().route("/supervision", get(overview))
}

#[derive(Template)]
#[template(path = "center/supervision.html")]
struct SupervisionPage {
    layout: Layout,
    overdue: Vec<CaseView>,
    overdue_total: tongban_store::Total,
    /// Withdrawn after their promised date had passed.
    withdrawn_late: Vec<CaseView>,
    withdrawn_late_total: tongban_store::Total,
    /// Decisions not delivered within ten working days (Art. 44).
    undelivered: Vec<CaseView>,
    undelivered_total: tongban_store::Total,
    /// Commitments not verified in time (告知承诺制).
    unverified: Vec<CaseView>,
    unverified_total: tongban_store::Total,
    follow_ups: Vec<FollowUpRow>,
    follow_ups_total: i64,
    /// Construction projects' coordination problems past their day.
    problems: Vec<tongban_store::projects::problems::ProblemView>,
    problems_total: tongban_store::Total,
    /// Enterprise complaints unanswered past their day (escalated by the hourly sweep).
    complaints: Vec<tongban_store::enterprise::ComplaintView>,
}

async fn overview(State(s): State<AppState>, web: Web) -> PageResult {
    let p = web.staff()?;
    if !p.role.sees_all_cases() {
        return Err(PageError::new(
            StatusCode::FORBIDDEN,
            "无权查看",
            "督查页面仅供督查人员和系统管理员使用。",
        ));
    }
    let tongban_store::Listing {
        rows: overdue,
        total: overdue_total,
        ..
    } = cases::list(
        &s.store,
        p,
        &CaseFilter {
            due: Some("overdue".into()),
            per_page: Some(100),
            ..Default::default()
        },
    )
    .await?;
    let tongban_store::Listing {
        rows: withdrawn_late,
        total: withdrawn_late_total,
        ..
    } = cases::list(
        &s.store,
        p,
        &CaseFilter {
            due: Some("withdrawn_overdue".into()),
            per_page: Some(100),
            ..Default::default()
        },
    )
    .await?;
    let tongban_store::Listing {
        rows: undelivered,
        total: undelivered_total,
        ..
    } = cases::list(
        &s.store,
        p,
        &CaseFilter {
            due: Some("undelivered".into()),
            per_page: Some(100),
            ..Default::default()
        },
    )
    .await?;
    let tongban_store::Listing {
        rows: unverified,
        total: unverified_total,
        ..
    } = cases::list(
        &s.store,
        p,
        &CaseFilter {
            due: Some("unverified".into()),
            per_page: Some(100),
            ..Default::default()
        },
    )
    .await?;
    let (follow_ups, follow_ups_total) = cases::follow_ups(&s.store, p, true).await?;
    let (problems, problems_total) = tongban_store::projects::problems::list(
        &s.store,
        p,
        &tongban_store::projects::problems::ProblemFilter {
            overdue: true,
            per_page: Some(100),
            ..Default::default()
        },
    )
    .await?;
    use tongban_store::enterprise::{self, Show, Viewer};
    let complaints = match enterprise::complaints(&s.store, &Viewer::Staff(p), Show::Overdue).await
    {
        Ok(c) => c,
        // Staff of no department see no complaints at all.
        Err(tongban_store::StoreError::Forbidden(_)) => vec![],
        Err(e) => return Err(e.into()),
    };
    render(&SupervisionPage {
        layout: web.layout(),
        overdue,
        overdue_total,
        withdrawn_late,
        withdrawn_late_total,
        undelivered,
        undelivered_total,
        unverified,
        unverified_total,
        follow_ups,
        follow_ups_total,
        problems,
        problems_total,
        complaints,
    })
}
