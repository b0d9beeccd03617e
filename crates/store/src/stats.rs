//! Figures kept as records are written (issue 5, "fast by design"): cases accepted
//! and closed per day and dimension in `stat_cases`, changed in the transaction that
//! changes the case, so the report sums counters instead of scanning history.
//! `rebuild` recomputes the counters from the records; `check` compares them with a
//! recomputation and names every difference.

use crate::{Result, Store};
use serde::Serialize;
use sqlx::{AnyConnection, Row};
use std::collections::HashMap;

/// What of a case the counters count.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseSnapshot {
    accepted_on: Option<String>,
    closed_on: Option<String>,
    department_id: i64,
    point_id: i64,
    channel: String,
    instant: i64,
}

/// The case as the counters see it now (inside the writing transaction).
pub async fn case_snapshot(conn: &mut AnyConnection, id: i64) -> Result<CaseSnapshot> {
    let r = sqlx::query(
        "SELECT accepted_on, closed_on, department_id, point_id, channel, instant FROM cases WHERE id = $1",
    )
    .bind(id)
    .fetch_one(conn)
    .await?;
    Ok(CaseSnapshot {
        accepted_on: r.try_get("accepted_on")?,
        closed_on: r.try_get("closed_on")?,
        department_id: r.try_get("department_id")?,
        point_id: r.try_get("point_id")?,
        channel: r.try_get("channel")?,
        instant: r.try_get("instant")?,
    })
}

async fn bump(
    conn: &mut AnyConnection,
    s: &CaseSnapshot,
    kind: &str,
    day: &str,
    by: i64,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO stat_cases (day, kind, department_id, point_id, channel, instant, n) VALUES ($1, $2, $3, $4, $5, $6, $7) \
         ON CONFLICT (day, kind, department_id, point_id, channel, instant) DO UPDATE SET n = stat_cases.n + excluded.n",
    )
    .bind(day)
    .bind(kind)
    .bind(s.department_id)
    .bind(s.point_id)
    .bind(&s.channel)
    .bind(s.instant)
    .bind(by)
    .execute(conn)
    .await?;
    Ok(())
}

async fn count(conn: &mut AnyConnection, s: &CaseSnapshot, by: i64) -> Result<()> {
    if let Some(d) = &s.accepted_on {
        bump(conn, s, "accepted", d, by).await?;
    }
    if let Some(d) = &s.closed_on {
        bump(conn, s, "closed", d, by).await?;
    }
    Ok(())
}

/// Moves a case's contribution to the counters from `before` (none: a new case) to
/// `after`, in the caller's transaction.
pub async fn track_case(
    conn: &mut AnyConnection,
    before: Option<&CaseSnapshot>,
    after: &CaseSnapshot,
) -> Result<()> {
    if before == Some(after) {
        return Ok(());
    }
    if let Some(b) = before {
        count(conn, b, -1).await?;
    }
    count(conn, after, 1).await
}

const RECOMPUTE: &str = "SELECT accepted_on AS day, 'accepted' AS kind, department_id, point_id, channel, instant, \
     CAST(COUNT(*) AS BIGINT) AS n FROM cases WHERE accepted_on IS NOT NULL \
     GROUP BY accepted_on, department_id, point_id, channel, instant \
     UNION ALL \
     SELECT closed_on AS day, 'closed' AS kind, department_id, point_id, channel, instant, \
     CAST(COUNT(*) AS BIGINT) AS n FROM cases WHERE closed_on IS NOT NULL \
     GROUP BY closed_on, department_id, point_id, channel, instant";

/// Recomputes every counter from the records, in one transaction; the number of
/// counter rows written.
pub async fn rebuild(store: &Store) -> Result<u64> {
    let mut tx = store.begin().await?;
    sqlx::query("DELETE FROM stat_cases")
        .execute(&mut *tx)
        .await?;
    let n = sqlx::query(sqlx::AssertSqlSafe(format!(
        "INSERT INTO stat_cases (day, kind, department_id, point_id, channel, instant, n) {RECOMPUTE}"
    )))
    .execute(&mut *tx)
    .await?
    .rows_affected();
    tx.commit().await?;
    Ok(n)
}

/// A counter that differs from the recomputation.
#[derive(Debug, Clone, Serialize)]
pub struct Difference {
    pub day: String,
    pub kind: String,
    pub department_id: i64,
    pub point_id: i64,
    pub channel: String,
    pub instant: i64,
    pub kept: i64,
    pub recomputed: i64,
}

#[derive(Debug, Clone, Serialize)]
pub struct CheckReport {
    pub counters: i64,
    pub differences: Vec<Difference>,
}

/// Compares the kept counters with a recomputation from the records (both read
/// once and matched here: a join of two aggregates has no index to use).
pub async fn check(store: &Store) -> Result<CheckReport> {
    type Key = (String, String, i64, i64, String, i64);
    async fn read(c: &mut AnyConnection, sql: &str) -> Result<HashMap<Key, i64>> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql.to_string()))
            .fetch_all(c)
            .await?;
        let mut out = HashMap::with_capacity(rows.len());
        for r in &rows {
            let key: Key = (
                r.try_get("day")?,
                r.try_get("kind")?,
                r.try_get("department_id")?,
                r.try_get("point_id")?,
                r.try_get("channel")?,
                r.try_get("instant")?,
            );
            let n: i64 = r.try_get("n")?;
            if n != 0 {
                *out.entry(key).or_insert(0) += n;
            }
        }
        Ok(out)
    }
    let mut c = store.reader().await?;
    let kept = read(
        &mut c,
        "SELECT day, kind, department_id, point_id, channel, instant, n FROM stat_cases",
    )
    .await?;
    let recomputed = read(&mut c, RECOMPUTE).await?;
    let mut keys: Vec<&Key> = kept.keys().chain(recomputed.keys()).collect();
    keys.sort();
    keys.dedup();
    let differences = keys
        .into_iter()
        .filter_map(|k| {
            let (a, b) = (
                kept.get(k).copied().unwrap_or(0),
                recomputed.get(k).copied().unwrap_or(0),
            );
            (a != b).then(|| Difference {
                day: k.0.clone(),
                kind: k.1.clone(),
                department_id: k.2,
                point_id: k.3,
                channel: k.4.clone(),
                instant: k.5,
                kept: a,
                recomputed: b,
            })
        })
        .take(1000)
        .collect();
    Ok(CheckReport {
        counters: kept.len() as i64,
        differences,
    })
}
