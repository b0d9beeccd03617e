//! Credit information of bidders and suppliers (信用信息): the administrative penalties
//! and bad-conduct records the trading systems send (idempotent on their id and
//! version, as announcements are), public while their publication lasts.

use super::feed::FeedReport;
use crate::audit::{self, Actor};
use crate::{Result, Store, time};
use serde::Serialize;
use serde_json::json;
use sqlx::Row;
use tongban_domain::trading::{CreditKind, CreditRecord, Source};

/// A credit record as the public sees it.
#[derive(Debug, Clone, Serialize)]
pub struct CreditView {
    pub credit_code: String,
    pub name: String,
    pub kind: String,
    pub kind_label: &'static str,
    pub reason: String,
    pub authority: String,
    pub decided_on: String,
    pub valid_until: String,
}

/// Takes a batch of credit records from a source system, as announcements are taken.
pub async fn ingest_credit(
    store: &Store,
    source: Source,
    records: Vec<(usize, std::result::Result<CreditRecord, String>)>,
    actor: &Actor,
) -> Result<FeedReport> {
    let today = time::local_day(time::now());
    let mut report = FeedReport {
        received: records.len(),
        ..Default::default()
    };
    let now = time::stamp(time::now());
    let mut tx = store.begin().await?;
    let good = super::feed::sort_out(records, &mut report.rejected, |r: &CreditRecord| {
        (r.id.clone(), r.check(today))
    });
    for (_, c) in good {
        let held: Option<i64> = sqlx::query_scalar(
            "SELECT version FROM trading_credit WHERE source = $1 AND source_id = $2",
        )
        .bind(source.as_str())
        .bind(&c.id)
        .fetch_optional(&mut *tx)
        .await?;
        match held {
            Some(v) if v >= c.version => report.unchanged += 1,
            Some(_) => {
                sqlx::query(
                    "UPDATE trading_credit SET version = $1, subject_code = $2, subject_name = $3, kind = $4, reason = $5, \
                     authority = $6, decided_on = $7, valid_until = $8, received_at = $9 WHERE source = $10 AND source_id = $11",
                )
                .bind(c.version)
                .bind(&c.credit_code)
                .bind(&c.name)
                .bind(c.kind.as_str())
                .bind(&c.reason)
                .bind(&c.authority)
                .bind(time::day(c.decided_on))
                .bind(time::day(c.valid_until))
                .bind(&now)
                .bind(source.as_str())
                .bind(&c.id)
                .execute(&mut *tx)
                .await?;
                report.amended += 1;
            }
            None => {
                sqlx::query(
                    "INSERT INTO trading_credit (source, source_id, version, subject_code, subject_name, kind, reason, \
                     authority, decided_on, valid_until, received_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
                )
                .bind(source.as_str())
                .bind(&c.id)
                .bind(c.version)
                .bind(&c.credit_code)
                .bind(&c.name)
                .bind(c.kind.as_str())
                .bind(&c.reason)
                .bind(&c.authority)
                .bind(time::day(c.decided_on))
                .bind(time::day(c.valid_until))
                .bind(&now)
                .execute(&mut *tx)
                .await?;
                report.added += 1;
            }
        }
    }
    if report.added + report.amended > 0 {
        audit::append(
            &mut tx,
            store.keys(),
            actor,
            "trading.credit",
            "trading_source",
            source.as_str(),
            json!({ "added": report.added, "amended": report.amended, "rejected": report.rejected.len() }),
        )
        .await?;
    }
    tx.commit().await?;
    Ok(report)
}

/// The credit records still published, newest first (at most 200), of one
/// organisation or of all.
pub async fn in_force(store: &Store, codes: &[String]) -> Result<Vec<CreditView>> {
    let today = time::day(time::local_day(time::now()));
    let mut sql = String::from(
        "SELECT subject_code, subject_name, kind, reason, authority, decided_on, valid_until FROM trading_credit \
         WHERE valid_until >= $1",
    );
    // At most a hundred organisations at once (a project names far fewer).
    let codes = &codes[..codes.len().min(100)];
    if !codes.is_empty() {
        let marks: Vec<String> = (2..codes.len() + 2).map(|i| format!("${i}")).collect();
        sql.push_str(&format!(" AND subject_code IN ({})", marks.join(", ")));
    }
    sql.push_str(" ORDER BY decided_on DESC, id DESC LIMIT 200");
    let mut q = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(today);
    for c in codes {
        q = q.bind(c.trim().to_uppercase());
    }
    let rows = q.fetch_all(&mut *store.reader().await?).await?;
    rows.iter()
        .map(|r| {
            let kind: String = r.try_get(2)?;
            Ok(CreditView {
                credit_code: r.try_get(0)?,
                name: r.try_get(1)?,
                kind_label: CreditKind::parse(&kind).map_or("", CreditKind::label),
                kind,
                reason: r.try_get(3)?,
                authority: r.try_get(4)?,
                decided_on: r.try_get(5)?,
                valid_until: r.try_get(6)?,
            })
        })
        .collect()
}
