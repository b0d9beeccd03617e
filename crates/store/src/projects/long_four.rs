//! "一长四多": what parallel approval changes for a project — the time it takes, and
//! the seals, intermediaries, fees and materials it needs — each before (the stage
//! items handled one after another: their statutory limits added up, every item's
//! materials and documents counted separately, every department's own acceptance
//! document) and after (as handled here). Per project, and averaged over the
//! projects whose first stage was accepted in a period.

use super::acceptance::AcceptanceView;
use super::may_read;
use super::stages::StageView;
use crate::org::Principal;
use crate::{Result, Store, calendar, time};
use chrono::NaiveDate;
use serde::Serialize;
use sqlx::Row;
use tongban_domain::Calendar;
use tongban_domain::stage::StageState;

/// One measure before and after.
#[derive(Debug, Clone, Copy, Default, Serialize, PartialEq)]
pub struct BeforeAfter {
    pub before: f64,
    pub after: f64,
}

fn shown(v: f64) -> String {
    if v.fract() == 0.0 {
        format!("{v:.0}")
    } else {
        format!("{v:.1}")
    }
}

impl BeforeAfter {
    /// As people read it: whole numbers whole, averages to a tenth.
    pub fn before_shown(&self) -> String {
        shown(self.before)
    }
    pub fn after_shown(&self) -> String {
        shown(self.after)
    }
    /// Money in fen as 元.
    pub fn before_yuan(&self) -> String {
        format!("{:.2}", self.before / 100.0)
    }
    pub fn after_yuan(&self) -> String {
        format!("{:.2}", self.after / 100.0)
    }
}

/// The five measures of one project, or their averages over several.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct LongFour {
    /// Working days: the statutory limits added up, against those used from the
    /// first stage's acceptance to the end (today while it goes on).
    pub working_days: BeforeAfter,
    /// Approval documents (seals): one per item and per inspecting department,
    /// against those issued (one joint certificate per acceptance).
    pub seals: BeforeAfter,
    /// Intermediary services whose reports came with the applications.
    pub intermediaries: BeforeAfter,
    /// Fees by the catalog, in fen.
    pub fees_fen: BeforeAfter,
    /// Materials: each item's counted separately, against those handed in once.
    pub materials: BeforeAfter,
    /// Projects behind the figures (1 for a project).
    pub projects: i64,
}

/// A project's measures from its stage applications and acceptances, and the
/// intermediary services its owner obtained in the 中介超市 (`market`, by name):
/// before, each stage's reports and each market order counted apart; after, each
/// distinct service once.
pub fn of(
    stages: &[StageView],
    acceptances: &[AcceptanceView],
    market: &[String],
    cal: &Calendar,
    today: NaiveDate,
) -> LongFour {
    let mut m = LongFour {
        projects: 1,
        ..Default::default()
    };
    let first = stages
        .iter()
        .filter_map(|s| time::parse_day(&s.accepted_on))
        .min();
    let done = stages.iter().all(|s| s.state != StageState::InProgress)
        && acceptances.iter().all(|a| a.certified_on.is_some());
    let end = stages
        .iter()
        .filter_map(|s| s.ended_on.as_deref().and_then(time::parse_day))
        .chain(
            acceptances
                .iter()
                .filter_map(|a| a.certified_on.as_deref().and_then(time::parse_day)),
        )
        .max()
        .filter(|_| done)
        .unwrap_or(today);
    for s in stages {
        m.working_days.before += s.statutory_days as f64;
        m.seals.before += s.cases.len() as f64;
        m.seals.after += s.cases.iter().filter(|c| c.license_no.is_some()).count() as f64;
        m.intermediaries.before += s.intermediaries.len() as f64;
        m.fees_fen.before += s.fees_fen as f64;
        m.fees_fen.after += s.fees_fen as f64;
        m.materials.before += s.materials_separate as f64;
        m.materials.after += s.materials.len() as f64;
    }
    // A declared service by the market's name where it is one of the market's services
    // (环评 written as its code or its name), so one service counts once.
    let used_name = |n: &str| -> String {
        tongban_domain::intermediary::Service::parse(n)
            .map_or_else(|_| n.trim().to_string(), |s| s.name().to_string())
    };
    let mut used: Vec<String> = stages
        .iter()
        .flat_map(|s| s.intermediaries.iter().map(|n| used_name(n)))
        .chain(market.iter().map(|n| used_name(n)))
        .collect();
    m.intermediaries.before += market.len() as f64;
    used.sort_unstable();
    used.dedup();
    m.intermediaries.after = used.len() as f64;
    for a in acceptances.iter().filter(|a| a.license_no.is_some()) {
        let mut departments: Vec<&str> = a.checks.iter().map(|c| c.department.as_str()).collect();
        departments.sort();
        departments.dedup();
        m.seals.before += departments.len() as f64;
        m.seals.after += 1.0;
    }
    m.working_days.after = first.map_or(0.0, |f| f64::from(cal.working_days_or_estimate(f, end)));
    m
}

/// The market's services of a project by its code.
pub(crate) async fn market_of(conn: &mut sqlx::AnyConnection, code: &str) -> Result<Vec<String>> {
    let id: Option<i64> = sqlx::query_scalar("SELECT id FROM projects WHERE code = $1")
        .bind(code.trim())
        .fetch_optional(&mut *conn)
        .await?;
    match id {
        Some(id) => crate::intermediary::market::project_services(conn, id).await,
        None => Ok(vec![]),
    }
}

/// A project's measures, for staff.
pub async fn for_project(store: &Store, p: &Principal, code: &str) -> Result<LongFour> {
    may_read(p)?;
    let stages = super::stages::for_project(store, p, code).await?;
    let acceptances = super::acceptance::for_project(store, p, code).await?;
    let cal = calendar::current(store).await?;
    let market = market_of(&mut *store.reader().await?, code).await?;
    Ok(of(
        &stages,
        &acceptances,
        &market,
        &cal,
        time::local_day(time::now()),
    ))
}

/// The averages over the projects whose first stage was accepted between `from` and
/// `to` (aggregates of enterprises' projects: the dashboards and the API show them to
/// their own readers).
pub async fn average(store: &Store, from: NaiveDate, to: NaiveDate) -> Result<LongFour> {
    let mut rd = store.reader().await?;
    let rows = sqlx::query(
        "SELECT p.id, p.code FROM projects p JOIN stage_applications a ON a.project_id = p.id \
         GROUP BY p.id, p.code HAVING MIN(a.accepted_on) >= $1 AND MIN(a.accepted_on) <= $2",
    )
    .bind(time::day(from))
    .bind(time::day(to))
    .fetch_all(&mut *rd)
    .await?;
    let cal = calendar::load(store, &mut rd).await?;
    let today = time::local_day(time::now());
    let mut sum = LongFour::default();
    for r in &rows {
        let id: i64 = r.try_get(0)?;
        let code: String = r.try_get(1)?;
        let stages = super::stages::of_project(&mut rd, id, &cal).await?;
        let acceptances = super::acceptance::of_project(&mut rd, &code).await?;
        let market = crate::intermediary::market::project_services(&mut rd, id).await?;
        let m = of(&stages, &acceptances, &market, &cal, today);
        for (s, v) in [
            (&mut sum.working_days, m.working_days),
            (&mut sum.seals, m.seals),
            (&mut sum.intermediaries, m.intermediaries),
            (&mut sum.fees_fen, m.fees_fen),
            (&mut sum.materials, m.materials),
        ] {
            s.before += v.before;
            s.after += v.after;
        }
        sum.projects += 1;
    }
    if sum.projects > 0 {
        let n = sum.projects as f64;
        for s in [
            &mut sum.working_days,
            &mut sum.seals,
            &mut sum.intermediaries,
            &mut sum.fees_fen,
            &mut sum.materials,
        ] {
            s.before /= n;
            s.after /= n;
        }
    }
    Ok(sum)
}
