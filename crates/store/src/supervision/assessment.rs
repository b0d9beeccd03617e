//! 窗口考核: each quarter a score per window — and per department, the mean of its
//! windows — from its patrols and mystery visits, its department's 好差评 and cases
//! on time, the complaints against the department (12345 and enterprise) and the banners received,
//! each part weighted as an administrator set for the quarter; a ranking, and a
//! sheet per window to print.

use crate::audit;
use crate::figures::stats::{self, K};
use crate::org::Principal;
use crate::{Result, Store, StoreError, time};
use serde::Serialize;
use serde_json::json;
use sqlx::{AnyConnection, Row};
use std::collections::HashMap;
use tongban_domain::org::Role;
use tongban_domain::supervision::{ASSESSMENT_PARTS, Quarter, Weights, part};

/// One window's assessment.
#[derive(Debug, Clone, Serialize)]
pub struct WindowScore {
    pub rank: usize,
    pub window: String,
    pub window_name: String,
    pub point: String,
    pub department: Option<String>,
    pub department_name: Option<String>,
    /// The parts' scores in `ASSESSMENT_PARTS` order (none: no data this quarter).
    pub parts: [Option<f64>; 6],
    /// What each part counted, for the sheet: `问题2个（巡查3次）`.
    pub counts: [String; 6],
    pub score: Option<f64>,
}

/// One department's assessment: the mean of its windows'.
#[derive(Debug, Clone, Serialize)]
pub struct DepartmentScore {
    pub rank: usize,
    pub code: String,
    pub name: String,
    pub windows: usize,
    pub score: Option<f64>,
}

/// A quarter's assessment.
#[derive(Debug, Clone, Serialize)]
pub struct Assessment {
    pub quarter: String,
    pub label: String,
    pub from: String,
    pub to: String,
    pub weights: Weights,
    /// Set by an administrator for this quarter (the defaults otherwise).
    pub weights_set: bool,
    pub windows: Vec<WindowScore>,
    pub departments: Vec<DepartmentScore>,
}

/// The weights of a quarter: as set, or the defaults.
async fn weights_of(rd: &mut AnyConnection, q: Quarter) -> Result<(Weights, bool)> {
    let row = sqlx::query(
        "SELECT patrols, visits, ratings, on_time, complaints, commendations FROM assessment_weights WHERE quarter = $1",
    )
    .bind(q.to_string())
    .fetch_optional(&mut *rd)
    .await?;
    Ok(match row {
        Some(r) => {
            let mut w = [0u32; 6];
            for (i, slot) in w.iter_mut().enumerate() {
                *slot = u32::try_from(r.try_get::<i64, _>(i)?).unwrap_or(0);
            }
            (Weights(w), true)
        }
        None => (Weights::default(), false),
    })
}

/// An administrator sets a quarter's weights (each 0–100, adding up to 100); audited.
pub async fn set_weights(
    store: &Store,
    p: &Principal,
    quarter: &str,
    typed: &[Option<i64>; 6],
) -> Result<Weights> {
    if p.role != Role::Admin {
        return Err(StoreError::Forbidden("考核权重由系统管理员设定".into()));
    }
    let q = Quarter::parse(quarter).map_err(StoreError::Invalid)?;
    let w = Weights::parse(typed).map_err(StoreError::from)?;
    let mut tx = store.begin().await?;
    sqlx::query(
        "INSERT INTO assessment_weights (quarter, patrols, visits, ratings, on_time, complaints, commendations, set_at, set_by) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (quarter) DO UPDATE SET patrols = excluded.patrols, \
         visits = excluded.visits, ratings = excluded.ratings, on_time = excluded.on_time, complaints = excluded.complaints, \
         commendations = excluded.commendations, set_at = excluded.set_at, set_by = excluded.set_by",
    )
    .bind(q.to_string())
    .bind(i64::from(w.0[0]))
    .bind(i64::from(w.0[1]))
    .bind(i64::from(w.0[2]))
    .bind(i64::from(w.0[3]))
    .bind(i64::from(w.0[4]))
    .bind(i64::from(w.0[5]))
    .bind(time::stamp(time::now()))
    .bind(p.actor().name)
    .execute(&mut *tx)
    .await?;
    audit::append(
        &mut tx,
        store.keys(),
        &p.actor(),
        "assessment.weights",
        "quarter",
        &q.to_string(),
        json!({ "weights": w.0 }),
    )
    .await?;
    tx.commit().await?;
    Ok(w)
}

/// Per key id, the rows' `(count, sum)` of a small query over the quarter.
async fn pairs(
    rd: &mut AnyConnection,
    sql: &'static str,
    q: Quarter,
) -> Result<HashMap<i64, (i64, i64)>> {
    let rows = sqlx::query(sql)
        .bind(time::day(q.first_day()))
        .bind(time::day(q.last_day()))
        .fetch_all(&mut *rd)
        .await?;
    rows.iter()
        .map(|r| Ok((r.try_get(0)?, (r.try_get(1)?, r.try_get(2)?))))
        .collect()
}

fn key_int(k: &[K], i: usize) -> i64 {
    match k.get(i) {
        Some(K::I(v)) => *v,
        _ => 0,
    }
}

fn key_text(k: &[K], i: usize) -> &str {
    match k.get(i) {
        Some(K::T(v)) => v,
        _ => "",
    }
}

/// The quarter's assessment, for staff (departments see every window: the ranking
/// is the office's, published to the windows).
pub async fn assess(store: &Store, quarter: &str) -> Result<Assessment> {
    let q = Quarter::parse(quarter).map_err(StoreError::Invalid)?;
    let mut rd = store.snapshot().await?;
    let (weights, weights_set) = weights_of(&mut rd, q).await?;
    let (from, to) = (q.first_day(), q.last_day());
    let patrols = pairs(
        &mut rd,
        "SELECT window_id, CAST(COUNT(*) AS BIGINT), CAST(SUM(problems) AS BIGINT) FROM patrols \
         WHERE day >= $1 AND day <= $2 GROUP BY window_id",
        q,
    )
    .await?;
    let visits = pairs(
        &mut rd,
        "SELECT window_id, CAST(COUNT(*) AS BIGINT), CAST(SUM(score_tenths) AS BIGINT) FROM mystery_visits \
         WHERE day >= $1 AND day <= $2 GROUP BY window_id",
        q,
    )
    .await?;
    let window_banners = pairs(
        &mut rd,
        "SELECT window_id, CAST(COUNT(*) AS BIGINT), CAST(0 AS BIGINT) FROM commendations \
         WHERE kind = 'banner' AND window_id IS NOT NULL AND day >= $1 AND day <= $2 GROUP BY window_id",
        q,
    )
    .await?;
    let unit_banners = pairs(
        &mut rd,
        "SELECT department_id, CAST(COUNT(*) AS BIGINT), CAST(0 AS BIGINT) FROM commendations \
         WHERE kind = 'banner' AND window_id IS NULL AND department_id IS NOT NULL AND day >= $1 AND day <= $2 \
         GROUP BY department_id",
        q,
    )
    .await?;
    let (ratings, closings, complaints) = department_counts(&mut rd, from, to).await?;
    let rows = sqlx::query(
        "SELECT w.id, w.code, w.name, p.name, d.id, d.code, d.name FROM windows w JOIN points p ON p.id = w.point_id \
         LEFT JOIN departments d ON d.id = w.department_id ORDER BY w.code",
    )
    .fetch_all(&mut *rd)
    .await?;
    let mut windows = Vec::with_capacity(rows.len());
    for r in &rows {
        let id: i64 = r.try_get(0)?;
        let dept: Option<i64> = r.try_get(4)?;
        let d = dept.unwrap_or(0);
        let (pn, problems) = patrols.get(&id).copied().unwrap_or_default();
        let (vn, tenths) = visits.get(&id).copied().unwrap_or_default();
        let (good, rated) = ratings.get(&d).copied().unwrap_or_default();
        let (late, closed) = closings.get(&d).copied().unwrap_or_default();
        let on_time = closed + late;
        let complaint = complaints.get(&d).copied().unwrap_or(0);
        let banners = window_banners.get(&id).map(|b| b.0).unwrap_or(0)
            + unit_banners.get(&d).map(|b| b.0).unwrap_or(0);
        let parts = [
            part::patrols(pn, problems),
            (vn > 0).then(|| tenths as f64 / 10.0 / vn as f64),
            dept.and_then(|_| part::share(good, rated)),
            dept.and_then(|_| part::share(on_time, closed)),
            dept.and_then(|_| part::complaints(complaint)),
            part::commendations(banners),
        ];
        windows.push(WindowScore {
            rank: 0,
            window: r.try_get(1)?,
            window_name: r.try_get(2)?,
            point: r.try_get(3)?,
            department: r.try_get(5)?,
            department_name: r.try_get(6)?,
            counts: [
                format!("巡查{pn}次，发现问题{problems}个"),
                format!("暗访{vn}次"),
                format!("评价{rated}件，满意{good}件"),
                format!("办结{closed}件，按时{on_time}件"),
                format!("投诉{complaint}件"),
                format!("锦旗{banners}面"),
            ],
            score: weights.score(&parts),
            parts,
        });
    }
    windows.sort_by(|a, b| {
        b.score
            .unwrap_or(-1.0)
            .total_cmp(&a.score.unwrap_or(-1.0))
            .then_with(|| a.window.cmp(&b.window))
    });
    for (i, w) in windows.iter_mut().enumerate() {
        w.rank = i + 1;
    }
    let departments = rank_departments(&windows);
    Ok(Assessment {
        quarter: q.to_string(),
        label: q.label(),
        from: time::day(from),
        to: time::day(to),
        weights,
        weights_set,
        windows,
        departments,
    })
}

/// The labels of the assessment's parts, for pages.
pub fn part_labels() -> Vec<(&'static str, &'static str, &'static str)> {
    ASSESSMENT_PARTS.to_vec()
}

/// The departments ranked by the mean of their windows' scores.
fn rank_departments(windows: &[WindowScore]) -> Vec<DepartmentScore> {
    let mut by_dept: Vec<(String, String, Vec<f64>)> = vec![];
    for w in windows {
        let (Some(code), Some(name)) = (&w.department, &w.department_name) else {
            continue;
        };
        let slot = match by_dept.iter().position(|d| &d.0 == code) {
            Some(i) => i,
            None => {
                by_dept.push((code.clone(), name.clone(), vec![]));
                by_dept.len() - 1
            }
        };
        if let Some(s) = w.score {
            by_dept[slot].2.push(s);
        }
    }
    let mut departments: Vec<DepartmentScore> = by_dept
        .into_iter()
        .map(|(code, name, scores)| DepartmentScore {
            rank: 0,
            windows: scores.len(),
            score: (!scores.is_empty()).then(|| scores.iter().sum::<f64>() / scores.len() as f64),
            code,
            name,
        })
        .collect();
    departments.sort_by(|a, b| {
        b.score
            .unwrap_or(-1.0)
            .total_cmp(&a.score.unwrap_or(-1.0))
            .then_with(|| a.code.cmp(&b.code))
    });
    for (i, d) in departments.iter_mut().enumerate() {
        d.rank = i + 1;
    }
    departments
}

/// Per department, from their counters: ratings `(good, all)`, cases closed `(on
/// time less all, all)` as summed (on time = all + the first) and complaints (the
/// 12345's complaint orders led by the department and the enterprise complaints
/// assigned to it).
#[allow(clippy::type_complexity)]
async fn department_counts(
    rd: &mut AnyConnection,
    from: chrono::NaiveDate,
    to: chrono::NaiveDate,
) -> Result<(
    HashMap<i64, (i64, i64)>,
    HashMap<i64, (i64, i64)>,
    HashMap<i64, i64>,
)> {
    // The departments' ratings (good, all), cases closed (on time, all) and 12345
    // complaints, from their counters.
    let mut ratings: HashMap<i64, (i64, i64)> = HashMap::new();
    for (k, v) in stats::sums(
        &mut *rd,
        &stats::RATINGS,
        from,
        to,
        &["department_id", "level"],
    )
    .await?
    {
        let e = ratings.entry(key_int(&k, 0)).or_default();
        e.1 += v[0];
        if key_int(&k, 1) >= 4 {
            e.0 += v[0];
        }
    }
    let mut closings: HashMap<i64, (i64, i64)> = HashMap::new();
    for (k, v) in stats::sums(
        &mut *rd,
        &stats::CASES,
        from,
        to,
        &["department_id", "kind"],
    )
    .await?
    {
        let e = closings.entry(key_int(&k, 0)).or_default();
        match key_text(&k, 1) {
            "closed" => e.1 += v[0],
            "closed_late" => e.0 -= v[0],
            _ => {}
        }
    }
    let complaints_at = stats::ORDER_MEASURES.iter().position(|m| *m == "complaint");
    let mut complaints: HashMap<i64, i64> = HashMap::new();
    for (k, v) in stats::sums(&mut *rd, &stats::ORDERS, from, to, &["department_id"]).await? {
        if let Some(i) = complaints_at {
            *complaints.entry(key_int(&k, 0)).or_default() += v[i];
        }
    }
    // Enterprise complaints received in the period, under the department they went to.
    for (k, v) in stats::sums(
        &mut *rd,
        &stats::COMPLAINTS,
        from,
        to,
        &["department_id", "kind"],
    )
    .await?
    {
        if key_text(&k, 1) == "received" {
            *complaints.entry(key_int(&k, 0)).or_default() += v[0];
        }
    }
    Ok((ratings, closings, complaints))
}
