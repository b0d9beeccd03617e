//! 第三方暗访: the third party's results imported from its workbook (window, date,
//! items checked, score, remarks). A row naming a window the office does not have,
//! or with a bad date or score, is rejected with its line and reason; the rest are
//! kept together in one transaction, audited and counted.

use crate::audit;
use crate::org::Principal;
use crate::{Result, Store, StoreError, stats, time};
use calamine::{Data, Reader, Xlsx};
use serde::Serialize;
use serde_json::json;
use sqlx::Row;
use std::collections::HashMap;
use std::sync::Arc;
use tongban_domain::org::Role;
use tongban_domain::supervision::Visit;

/// What an import did: rows kept, and each rejected row's line and reason.
#[derive(Debug, Clone, Serialize)]
pub struct VisitImport {
    pub kept: usize,
    pub rejected: Vec<(usize, String)>,
}

/// A mystery visit as listed and exported.
#[derive(Debug, Clone, Serialize)]
pub struct VisitView {
    pub day: String,
    pub window: String,
    pub window_name: String,
    pub department: Option<String>,
    pub items: String,
    /// Out of 100.
    pub score: f64,
    pub remarks: String,
}

/// A cell as text; a date cell as `YYYY-MM-DD`.
fn text(c: Option<&Data>, date: bool) -> String {
    let serial = |f: f64| {
        chrono::NaiveDate::from_ymd_opt(1899, 12, 30)
            .and_then(|d| d.checked_add_days(chrono::Days::new(f.max(0.0) as u64)))
            .map(|d| d.to_string())
            .unwrap_or_default()
    };
    match c {
        Some(Data::DateTime(d)) => serial(d.as_f64()),
        Some(Data::Float(f)) if date => serial(*f),
        Some(Data::Int(i)) if date => serial(*i as f64),
        Some(Data::Empty) | None => String::new(),
        Some(Data::String(s)) => s.trim().to_string(),
        Some(other) => other.to_string(),
    }
}

/// Imports a workbook's visits (supervisors): the first sheet, a header row, then
/// one visit a row — 窗口, 日期, 检查项目, 得分, 备注 (columns found by their header,
/// in that order otherwise).
pub async fn import_visits(store: &Store, p: &Principal, bytes: &[u8]) -> Result<VisitImport> {
    if !matches!(p.role, Role::Supervisor | Role::Admin) {
        return Err(StoreError::Forbidden(format!(
            "{}不能导入暗访结果",
            p.role.label()
        )));
    }
    let bad = || StoreError::invalid("file", "文件不是有效的 xlsx 工作簿");
    let mut wb: Xlsx<_> = Xlsx::new(std::io::Cursor::new(bytes)).map_err(|_| bad())?;
    let range = wb
        .worksheet_range_at(0)
        .ok_or_else(|| StoreError::invalid("file", "工作簿中没有工作表"))?
        .map_err(|_| bad())?;
    let mut rows = range.rows();
    let header: Vec<String> = rows
        .next()
        .map(|h| h.iter().map(|c| text(Some(c), false)).collect())
        .unwrap_or_default();
    let col = |words: &[&str], at: usize| {
        header
            .iter()
            .position(|h| words.iter().any(|w| h.contains(w)))
            .unwrap_or(at)
    };
    let cols = [
        col(&["窗口"], 0),
        col(&["日期", "时间"], 1),
        col(&["项目", "内容"], 2),
        col(&["得分", "分数"], 3),
        col(&["备注", "说明"], 4),
    ];
    // The office's windows by code and by name.
    let ids: HashMap<String, (i64, Option<i64>)> = {
        let mut rd = store.reader().await?;
        sqlx::query("SELECT code, name, id, department_id FROM windows")
            .fetch_all(&mut *rd)
            .await?
            .iter()
            .flat_map(|r| {
                let v: (i64, Option<i64>) = (
                    r.try_get(2).unwrap_or_default(),
                    r.try_get(3).unwrap_or_default(),
                );
                let code: String = r.try_get(0).unwrap_or_default();
                let name: String = r.try_get(1).unwrap_or_default();
                [(code, v), (name, v)]
            })
            .collect()
    };
    let today = time::local_day(time::now());
    let mut kept = vec![];
    let mut rejected = vec![];
    for (i, r) in rows.enumerate() {
        let line = i + 2;
        if r.iter().all(|c| matches!(c, Data::Empty)) {
            continue;
        }
        let cell = |k: usize, date: bool| text(r.get(cols[k]), date);
        match Visit::parse(
            &cell(0, false),
            &cell(1, true),
            &cell(2, false),
            &cell(3, false),
            &cell(4, false),
            today,
        ) {
            Err(e) => rejected.push((line, e)),
            Ok(v) => match ids.get(&v.window) {
                None => rejected.push((line, format!("窗口“{}”不存在", v.window))),
                Some(&(window_id, department_id)) => kept.push((window_id, department_id, v)),
            },
        }
    }
    if kept.len() > 20_000 {
        return Err(StoreError::invalid("file", "一次最多导入20000条暗访结果"));
    }
    let n = kept.len();
    if n > 0 {
        let job = Arc::new((kept, p.actor(), store.keys().clone(), rejected.len()));
        store
            .write(move |tx| {
                let job = job.clone();
                Box::pin(async move {
                    let (kept, actor, keys, rejected) = &*job;
                    let now = time::stamp(time::now());
                    let mut ids = Vec::with_capacity(kept.len());
                    for (window_id, department_id, v) in kept {
                        ids.push(
                            sqlx::query_scalar::<_, i64>(
                                "INSERT INTO mystery_visits (window_id, department_id, day, items, score_tenths, remarks, \
                                 imported_at, imported_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
                            )
                            .bind(window_id)
                            .bind(department_id)
                            .bind(time::day(v.day))
                            .bind(&v.items)
                            .bind(v.score_tenths)
                            .bind(&v.remarks)
                            .bind(&now)
                            .bind(&actor.name)
                            .fetch_one(&mut *tx)
                            .await?,
                        );
                    }
                    stats::track_new(&mut *tx, &stats::VISITS, &ids).await?;
                    audit::append(
                        tx,
                        keys,
                        actor,
                        "mystery_visit.import",
                        "mystery_visits",
                        &now,
                        json!({ "kept": kept.len(), "rejected": rejected }),
                    )
                    .await?;
                    Ok(())
                })
            })
            .await?;
    }
    Ok(VisitImport { kept: n, rejected })
}

const SELECT: &str = "SELECT v.id, v.day, w.code, w.name, d.code, v.items, v.score_tenths, v.remarks \
     FROM mystery_visits v JOIN windows w ON w.id = v.window_id LEFT JOIN departments d ON d.id = v.department_id";

fn view_from(r: &sqlx::any::AnyRow) -> Result<VisitView> {
    Ok(VisitView {
        day: r.try_get(1)?,
        window: r.try_get(2)?,
        window_name: r.try_get(3)?,
        department: r.try_get(4)?,
        items: r.try_get(5)?,
        score: r.try_get::<i64, _>(6)? as f64 / 10.0,
        remarks: r.try_get(7)?,
    })
}

/// The newest visits (at most 500), for staff.
pub async fn visits(store: &Store) -> Result<Vec<VisitView>> {
    let mut rd = store.reader().await?;
    let sql = format!("{SELECT} ORDER BY v.day DESC, v.id DESC LIMIT 500");
    sqlx::query(sqlx::AssertSqlSafe(sql))
        .fetch_all(&mut *rd)
        .await?
        .iter()
        .map(view_from)
        .collect()
}

/// Every visit, oldest first, to `sink`.
pub async fn export_visits(
    store: &Store,
    mut sink: impl FnMut(VisitView) -> anyhow::Result<()>,
) -> Result<u64> {
    let mut rd = store.reader().await?;
    let mut last = 0i64;
    let mut n = 0;
    loop {
        let sql = format!("{SELECT} WHERE v.id > $1 ORDER BY v.id LIMIT 1000");
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(last)
            .fetch_all(&mut *rd)
            .await?;
        if rows.is_empty() {
            break;
        }
        for r in &rows {
            last = r.try_get(0)?;
            sink(view_from(r)?)?;
            n += 1;
        }
    }
    Ok(n)
}
