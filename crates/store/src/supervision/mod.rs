//! Window supervision (窗口监督): the office's registers of the banners (锦旗) the
//! public gives windows and units and of the departments' innovation measures
//! (创新举措), each entry audited and counted in the writing transaction; and the
//! monthly patrols of the windows (`patrols`) and the third party's mystery visits
//! (`visits`).

mod assessment;
mod patrols;
mod visits;

pub use assessment::*;
pub use patrols::*;
pub use visits::*;

use crate::audit;
use crate::org::Principal;
use crate::{Result, Store, StoreError, stats, time};
use serde::Serialize;
use serde_json::json;
use sqlx::{AnyConnection, Row};
use std::sync::Arc;
use tongban_domain::org::Role;
use tongban_domain::supervision::{BannerInput, Commendation, CommendationKind, InnovationInput};

/// A register entry as shown and exported.
#[derive(Debug, Clone, Serialize)]
pub struct CommendationView {
    pub id: i64,
    pub kind: CommendationKind,
    pub kind_label: &'static str,
    pub day: String,
    pub department: Option<String>,
    pub department_name: Option<String>,
    pub window: Option<String>,
    pub window_name: Option<String>,
    pub title: String,
    pub giver: Option<String>,
    pub effect: Option<String>,
    pub created_by: String,
}

/// Who keeps the registers: the office's supervisors and administrators.
fn may_record(p: &Principal) -> Result<()> {
    match p.role {
        Role::Supervisor | Role::Admin => Ok(()),
        r => Err(StoreError::Forbidden(format!(
            "{}不能登记锦旗和创新举措（由政务办督查人员登记）",
            r.label()
        ))),
    }
}

/// The ids of the window and the department an entry names: the window's own
/// department when only a window is named; unknown codes named by field.
async fn place(rd: &mut AnyConnection, c: &Commendation) -> Result<(Option<i64>, Option<i64>)> {
    let window = match &c.window {
        Some(code) => {
            let row = sqlx::query("SELECT id, department_id FROM windows WHERE code = $1")
                .bind(code)
                .fetch_optional(&mut *rd)
                .await?
                .ok_or_else(|| StoreError::invalid("window", format!("窗口“{code}”不存在")))?;
            Some((row.try_get::<i64, _>(0)?, row.try_get::<Option<i64>, _>(1)?))
        }
        None => None,
    };
    let department = match &c.department {
        Some(code) => Some(
            crate::org::department_by_code(&mut *rd, code)
                .await?
                .ok_or_else(|| StoreError::invalid("department", format!("部门“{code}”不存在")))?
                .id,
        ),
        None => window.and_then(|(_, d)| d),
    };
    Ok((window.map(|(w, _)| w), department))
}

/// Records a banner; audited and counted.
pub async fn record_banner(
    store: &Store,
    p: &Principal,
    input: &BannerInput,
) -> Result<CommendationView> {
    may_record(p)?;
    let c = input
        .check(time::local_day(time::now()))
        .map_err(StoreError::from)?;
    record(store, p, c).await
}

/// Records an innovation measure; audited and counted.
pub async fn record_innovation(
    store: &Store,
    p: &Principal,
    input: &InnovationInput,
) -> Result<CommendationView> {
    may_record(p)?;
    let c = input
        .check(time::local_day(time::now()))
        .map_err(StoreError::from)?;
    record(store, p, c).await
}

/// Keeps a checked entry (also the demo's history), its audit entry and its count
/// in one transaction.
pub async fn record(store: &Store, p: &Principal, c: Commendation) -> Result<CommendationView> {
    let (window_id, department_id) = place(&mut *store.reader().await?, &c).await?;
    let job = Arc::new((c, window_id, department_id, p.actor(), store.keys().clone()));
    let id = store
        .write(move |tx| {
            let job = job.clone();
            Box::pin(async move {
                let (c, window_id, department_id, actor, keys) = &*job;
                let id: i64 = sqlx::query_scalar(
                    "INSERT INTO commendations (kind, day, department_id, window_id, title, giver, effect, created_at, created_by) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
                )
                .bind(c.kind.as_str())
                .bind(time::day(c.day))
                .bind(department_id)
                .bind(window_id)
                .bind(&c.title)
                .bind(&c.giver)
                .bind(&c.effect)
                .bind(time::stamp(time::now()))
                .bind(&actor.name)
                .fetch_one(&mut *tx)
                .await?;
                stats::track_new(&mut *tx, &stats::COMMENDATIONS, &[id]).await?;
                audit::append(
                    tx,
                    keys,
                    actor,
                    &format!("commendation.{}", c.kind.as_str()),
                    "commendation",
                    &id.to_string(),
                    json!({ "day": time::day(c.day), "title": c.title, "window": c.window, "department": c.department }),
                )
                .await?;
                Ok(id)
            })
        })
        .await?;
    let mut rd = store.reader().await?;
    views(&mut rd, " AND m.id = $1", Some(id))
        .await?
        .pop()
        .ok_or_else(|| StoreError::not_found("登记不存在"))
}

const COLUMNS: &str = "m.id, m.kind, m.day, d.code AS dcode, d.name AS dname, w.code AS wcode, w.name AS wname, \
     m.title, m.giver, m.effect, m.created_by";

fn view_from(r: &sqlx::any::AnyRow) -> Result<CommendationView> {
    let kind = CommendationKind::parse(&r.try_get::<String, _>("kind")?)
        .ok_or_else(|| StoreError::Other(anyhow::anyhow!("commendation: bad kind")))?;
    Ok(CommendationView {
        id: r.try_get("id")?,
        kind,
        kind_label: kind.label(),
        day: r.try_get("day")?,
        department: r.try_get("dcode")?,
        department_name: r.try_get("dname")?,
        window: r.try_get("wcode")?,
        window_name: r.try_get("wname")?,
        title: r.try_get("title")?,
        giver: r.try_get("giver")?,
        effect: r.try_get("effect")?,
        created_by: r.try_get("created_by")?,
    })
}

async fn views(
    rd: &mut AnyConnection,
    filter: &str,
    id: Option<i64>,
) -> Result<Vec<CommendationView>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM commendations m LEFT JOIN departments d ON d.id = m.department_id \
         LEFT JOIN windows w ON w.id = m.window_id WHERE 1 = 1{filter} ORDER BY m.day DESC, m.id DESC LIMIT 1000"
    );
    let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
    if let Some(id) = id {
        q = q.bind(id);
    }
    q.fetch_all(&mut *rd).await?.iter().map(view_from).collect()
}

/// The newest entries of one kind (at most 1,000), for staff.
pub async fn list(store: &Store, kind: CommendationKind) -> Result<Vec<CommendationView>> {
    let mut rd = store.reader().await?;
    let filter = format!(" AND m.kind = '{}'", kind.as_str());
    views(&mut rd, &filter, None).await
}

/// Every entry, oldest first, to `sink`.
pub async fn export(
    store: &Store,
    mut sink: impl FnMut(CommendationView) -> anyhow::Result<()>,
) -> Result<u64> {
    let mut rd = store.reader().await?;
    let mut last = 0i64;
    let mut n = 0;
    loop {
        let sql = format!(
            "SELECT {COLUMNS} FROM commendations m LEFT JOIN departments d ON d.id = m.department_id \
             LEFT JOIN windows w ON w.id = m.window_id WHERE m.id > $1 ORDER BY m.id LIMIT 1000"
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(last)
            .fetch_all(&mut *rd)
            .await?;
        if rows.is_empty() {
            break;
        }
        for r in &rows {
            last = r.try_get("id")?;
            sink(view_from(r)?)?;
            n += 1;
        }
    }
    Ok(n)
}
