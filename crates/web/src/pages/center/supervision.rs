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
    // The page's lists are independent reads: asked at once, each on a reader of
    // its own, the page takes as long as its slowest list, not their sum.
    let due = |due: &str| CaseFilter {
        due: Some(due.into()),
        per_page: Some(100),
        ..Default::default()
    };
    let (overdue, withdrawn_late, undelivered, unverified) = (
        due("overdue"),
        due("withdrawn_overdue"),
        due("undelivered"),
        due("unverified"),
    );
    let problems = tongban_store::projects::problems::ProblemFilter {
        overdue: true,
        per_page: Some(100),
        ..Default::default()
    };
    use tongban_store::enterprise::{self, Show, Viewer};
    let viewer = Viewer::Staff(p);
    let complaints = async {
        match enterprise::complaints(&s.store, &viewer, Show::Overdue).await {
            // Staff of no department see no complaints at all.
            Err(tongban_store::StoreError::Forbidden(_)) => Ok(vec![]),
            other => other,
        }
    };
    let (
        overdue,
        withdrawn_late,
        undelivered,
        unverified,
        (follow_ups, follow_ups_total),
        (problems, problems_total),
        complaints,
    ) = tokio::try_join!(
        cases::list(&s.store, p, &overdue),
        cases::list(&s.store, p, &withdrawn_late),
        cases::list(&s.store, p, &undelivered),
        cases::list(&s.store, p, &unverified),
        cases::follow_ups(&s.store, p, true),
        tongban_store::projects::problems::list(&s.store, p, &problems),
        complaints,
    )?;
    render(&SupervisionPage {
        layout: web.layout(),
        overdue: overdue.rows,
        overdue_total: overdue.total,
        withdrawn_late: withdrawn_late.rows,
        withdrawn_late_total: withdrawn_late.total,
        undelivered: undelivered.rows,
        undelivered_total: undelivered.total,
        unverified: unverified.rows,
        unverified_total: unverified.total,
        follow_ups,
        follow_ups_total,
        problems,
        problems_total,
        complaints,
    })
}
