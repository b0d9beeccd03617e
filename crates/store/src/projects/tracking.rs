//! The owner's live tracking (项目全流程跟踪), without a login: the project's code and
//! the owner's unified social credit code together prove who asks. Every stage with
//! each department's case, its state and deadline; the working days used against the
//! stage's and the whole process's limits; the joint acceptances with each
//! department's result. Staff names stay inside; wrong guesses are throttled like the
//! progress query, and an unknown project and a wrong credit code look the same.

use super::acceptance::AcceptanceView;
use super::stages::StageView;
use super::{ProjectView, get_unscoped};
use crate::throttle::{self, PROGRESS_ADDRESS, PROGRESS_CASE};
use crate::{Result, Store, StoreError, calendar, time};
use serde::Serialize;
use tongban_domain::project::{ProjectCode, Stage};
use tongban_domain::stage::StageState;

/// A stage as the owner follows it: the latest application, if any.
#[derive(Debug, Clone, Serialize)]
pub struct StageTrack {
    pub stage: Stage,
    pub stage_label: &'static str,
    /// `not_applied`, or the application's state.
    pub state: &'static str,
    pub state_label: &'static str,
    pub application: Option<StageView>,
}

/// Everything the owner sees.
#[derive(Debug, Clone, Serialize)]
pub struct Tracking {
    pub project: ProjectView,
    /// The whole process's limit, and the working days from the first stage's
    /// acceptance to the last certificate (or to today while it goes on).
    pub total_limit_days: u32,
    pub working_days_used: Option<i64>,
    pub stages: Vec<StageTrack>,
    pub acceptances: Vec<AcceptanceView>,
    /// 一长四多: before and after parallel approval.
    pub long_four: super::long_four::LongFour,
}

/// The project for its owner: code and credit code must both match.
pub async fn track(store: &Store, code: &str, credit_code: &str, from: &str) -> Result<Tracking> {
    let not_found =
        || StoreError::not_found("未找到项目：请核对项目代码和建设单位统一社会信用代码");
    let code = ProjectCode::parse(code).map_err(StoreError::Invalid)?;
    let address = format!("track:addr:{from}");
    let key = format!("track:project:{}", code.as_str());
    throttle::check(store, &[&address, &key]).await?;
    let owner: Option<(i64, String)> = {
        let mut rd = store.reader().await?;
        sqlx::query_as("SELECT id, owner_credit_code FROM projects WHERE code = $1")
            .bind(code.as_str())
            .fetch_optional(&mut *rd)
            .await?
    };
    let id = match owner {
        Some((id, c)) if c.eq_ignore_ascii_case(credit_code.trim()) => id,
        _ => {
            store
                .write(move |tx| {
                    let (address, key) = (address.clone(), key.clone());
                    Box::pin(async move {
                        throttle::fail_in(tx, &address, PROGRESS_ADDRESS).await?;
                        throttle::fail_in(tx, &key, PROGRESS_CASE).await
                    })
                })
                .await?;
            return Err(not_found());
        }
    };
    let project = get_unscoped(store, code.as_str()).await?;
    let mut rd = store.reader().await?;
    let cal = calendar::load(store, &mut rd).await?;
    let mut applications = super::stages::of_project(&mut rd, id, &cal).await?;
    let mut acceptances = super::acceptance::of_project(&mut rd, code.as_str()).await?;
    let market = crate::intermediary::market::project_services(&mut rd, id).await?;
    drop(rd);
    // Staff names stay inside.
    for a in &mut applications {
        a.accepted_by = String::new();
    }
    for a in &mut acceptances {
        a.requested_by = String::new();
        for c in &mut a.checks {
            c.recorded_by = None;
        }
    }
    let today = time::local_day(time::now());
    let long_four = super::long_four::of(&applications, &acceptances, &market, &cal, today);
    let stages = Stage::ALL
        .iter()
        .map(|s| {
            let latest = applications.iter().rfind(|a| a.stage == *s).cloned();
            let (state, state_label) = match &latest {
                None => ("not_applied", "尚未申请"),
                Some(a) => (
                    match a.state {
                        StageState::InProgress => "in_progress",
                        StageState::Passed => "passed",
                        StageState::EndedUnapproved => "ended_unapproved",
                    },
                    a.state_label,
                ),
            };
            StageTrack {
                stage: *s,
                stage_label: s.label(),
                state,
                state_label,
                application: latest,
            }
        })
        .collect();
    Ok(Tracking {
        total_limit_days: project.total_limit_days,
        // The same count as 一长四多's: first acceptance to the last end, or today.
        working_days_used: (!applications.is_empty())
            .then_some(long_four.working_days.after as i64),
        project,
        stages,
        acceptances,
        long_four,
    })
}

/// Projects with stages and their owners' credit codes, the first `limit`: how the
/// owner's tracking works (the demo's banner, the benchmark).
pub async fn examples(store: &Store, limit: i64) -> Result<Vec<(String, String)>> {
    let mut rd = store.reader().await?;
    Ok(sqlx::query_as(
        "SELECT p.code, p.owner_credit_code FROM projects p \
         WHERE EXISTS (SELECT 1 FROM stage_applications a WHERE a.project_id = p.id) ORDER BY p.id LIMIT $1",
    )
    .bind(limit)
    .fetch_all(&mut *rd)
    .await?)
}
