//! The breakdowns behind the dashboards of the catalog, the points, the ratings and
//! the hotline: tables of a period against the same period a year earlier, summed
//! from the counters kept per day (`stats`), and for the catalog from the versions in
//! force at each period's end. Every table is one page table, one CSV and one sheet.

use crate::report::{Cell, Table};
use crate::stats::{self, K};
use crate::{Result, Store, StoreError};
use chrono::NaiveDate;
use sqlx::{AnyConnection, Row};
use std::collections::HashMap;
use tongban_domain::metrics::growth;
use tongban_domain::org::PointKind;
use tongban_domain::rating::{LABELS, RatingLevel};

/// A period: inclusive local days.
#[derive(Debug, Clone, Copy)]
pub struct Days {
    pub from: NaiveDate,
    pub to: NaiveDate,
}

/// Id, code, name and (for points) kind of every department or point, in the
/// office's order.
async fn names(c: &mut AnyConnection, table: &str) -> Result<Vec<(i64, String, String, String)>> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT id, code, name, {} FROM {table} ORDER BY sort, code",
        if table == "points" { "kind" } else { "''" }
    )))
    .fetch_all(c)
    .await?;
    rows.iter()
        .map(|r| Ok((r.try_get(0)?, r.try_get(1)?, r.try_get(2)?, r.try_get(3)?)))
        .collect()
}

fn int_key(k: &[K], i: usize) -> i64 {
    match k.get(i) {
        Some(K::I(n)) => *n,
        _ => 0,
    }
}

fn text_key(k: &[K], i: usize) -> &str {
    match k.get(i) {
        Some(K::T(s)) => s,
        _ => "",
    }
}

fn ratio(n: i64, d: i64) -> Cell {
    Cell::Rate((d != 0).then(|| n as f64 / d as f64))
}

fn growth_cell(v: i64, e: i64) -> Cell {
    Cell::Rate(growth(v as f64, Some(e as f64)))
}

/// Items in force per department at `at` and at `earlier` (the year-earlier end):
/// in use (with sub-items), instant, the sums of statutory and promised limits and
/// the speed-up they give.
pub async fn catalog_departments(store: &Store, at: &str, earlier: &str) -> Result<Table> {
    let mut c = store.reader().await?;
    let sql = "SELECT d.code, d.name, d.sort, CAST(COUNT(v.id) AS BIGINT), \
           CAST(COALESCE(SUM(v.instant), 0) AS BIGINT), \
           CAST(COALESCE(SUM(CASE WHEN v.statutory_days > 0 THEN v.statutory_days ELSE 0 END), 0) AS BIGINT), \
           CAST(COALESCE(SUM(CASE WHEN v.statutory_days > 0 THEN v.promised_days ELSE 0 END), 0) AS BIGINT) \
         FROM departments d LEFT JOIN items i ON i.department_id = d.id \
         LEFT JOIN item_versions v ON v.item_id = i.id AND v.status = 'in_use' AND v.version = \
           (SELECT v2.version FROM item_versions v2 WHERE v2.item_id = i.id AND v2.published_at IS NOT NULL \
            AND v2.effective_from <= $1 ORDER BY v2.effective_from DESC, v2.version DESC LIMIT 1) \
         GROUP BY d.code, d.name, d.sort ORDER BY d.sort, d.code";
    let now = sqlx::query(sql).bind(at).fetch_all(&mut *c).await?;
    let before = sqlx::query(sql).bind(earlier).fetch_all(&mut *c).await?;
    let mut earlier_by_code = std::collections::HashMap::new();
    for r in &before {
        earlier_by_code.insert(r.try_get::<String, _>(0)?, r.try_get::<i64, _>(3)?);
    }
    let mut rows = vec![];
    for r in &now {
        let code: String = r.try_get(0)?;
        let in_use: i64 = r.try_get(3)?;
        let earlier = earlier_by_code.get(&code).copied().unwrap_or(0);
        if in_use == 0 && earlier == 0 {
            continue;
        }
        let statutory: i64 = r.try_get(5)?;
        let promised: i64 = r.try_get(6)?;
        rows.push(vec![
            Cell::Text(code),
            Cell::Text(r.try_get(1)?),
            Cell::Int(in_use),
            Cell::Int(r.try_get(4)?),
            Cell::Int(statutory),
            Cell::Int(promised),
            Cell::Rate((statutory > 0).then(|| 1.0 - promised as f64 / statutory as f64)),
            Cell::Int(earlier),
        ]);
    }
    Ok(Table {
        key: "catalog_departments",
        title: "各部门在用事项",
        columns: vec![
            "部门编码",
            "部门",
            "在用事项（含子项）",
            "即办事项",
            "法定期限合计（工作日）",
            "承诺期限合计（工作日）",
            "提速比例",
            "上年同期在用事项",
        ],
        rows,
    })
}

/// Cases per point: accepted, instant, online, closed, and accepted a year earlier.
pub async fn points(store: &Store, now: &Days, earlier: &Days) -> Result<Table> {
    let mut c = store.reader().await?;
    let group = ["point_id", "kind", "channel", "instant"];
    let this = stats::sums(&mut c, &stats::CASES, now.from, now.to, &group).await?;
    let before = stats::sums(
        &mut c,
        &stats::CASES,
        earlier.from,
        earlier.to,
        &["point_id", "kind"],
    )
    .await?;
    // point id → accepted, instant, online, closed, accepted a year earlier
    let mut per: HashMap<i64, [i64; 5]> = HashMap::new();
    for (k, v) in &this {
        let slot = per.entry(int_key(k, 0)).or_default();
        match text_key(k, 1) {
            "closed" => {
                slot[3] += v[0];
                continue;
            }
            "accepted" => {}
            // The modes and revocations are counted apart.
            _ => continue,
        }
        slot[0] += v[0];
        if int_key(k, 3) == 1 {
            slot[1] += v[0];
        }
        if text_key(k, 2) == "online" {
            slot[2] += v[0];
        }
    }
    for (k, v) in &before {
        if text_key(k, 1) == "accepted" {
            per.entry(int_key(k, 0)).or_default()[4] += v[0];
        }
    }
    let mut out = vec![];
    for (id, code, name, kind) in names(&mut c, "points").await? {
        let [accepted, instant, online, closed, before] = per.get(&id).copied().unwrap_or_default();
        out.push(vec![
            Cell::Text(code),
            Cell::Text(name),
            Cell::Text(
                PointKind::parse(&kind)
                    .map(|k| k.label().to_string())
                    .unwrap_or(kind),
            ),
            Cell::Int(accepted),
            Cell::Int(instant),
            Cell::Int(online),
            Cell::Int(closed),
            Cell::Int(before),
            growth_cell(accepted, before),
        ]);
    }
    Ok(Table {
        key: "point_details",
        title: "各受理点办件",
        columns: vec![
            "受理点编码",
            "受理点",
            "类型",
            "受理办件",
            "即办件",
            "网上办件",
            "办结办件",
            "上年同期受理",
            "同比增长",
        ],
        rows: out,
    })
}

fn level_of(n: i64) -> Result<RatingLevel> {
    RatingLevel::new(n).map_err(|e| StoreError::Other(anyhow::anyhow!("stat_ratings: {e}")))
}

/// Ratings per level, this period and a year earlier.
pub async fn rating_levels(store: &Store, now: &Days, earlier: &Days) -> Result<Table> {
    let mut c = store.reader().await?;
    let mut counts = [(0i64, 0i64); 5];
    for (days, second) in [(now, false), (earlier, true)] {
        for (k, v) in stats::sums(&mut c, &stats::RATINGS, days.from, days.to, &["level"]).await? {
            let slot = &mut counts[(level_of(int_key(&k, 0))?.value() - 1) as usize];
            if second {
                slot.1 += v[0];
            } else {
                slot.0 += v[0];
            }
        }
    }
    Ok(Table {
        key: "rating_levels",
        title: "好差评各等级",
        columns: vec!["等级", "评价", "评价数", "上年同期", "同比增长"],
        rows: counts
            .iter()
            .enumerate()
            .map(|(i, (n, e))| {
                vec![
                    Cell::Int(i as i64 + 1),
                    Cell::Text(LABELS[i].into()),
                    Cell::Int(*n),
                    Cell::Int(*e),
                    growth_cell(*n, *e),
                ]
            })
            .collect(),
    })
}

/// Ratings per department: how many, the good rate, the bad ones and those answered,
/// the average score, and how many a year earlier.
pub async fn rating_departments(store: &Store, now: &Days, earlier: &Days) -> Result<Table> {
    let mut c = store.reader().await?;
    let group = ["department_id", "level"];
    // department id → ratings, bad, bad answered, score sum, ratings a year earlier
    let mut per: HashMap<i64, [i64; 5]> = HashMap::new();
    for (days, second) in [(now, false), (earlier, true)] {
        for (k, v) in stats::sums(&mut c, &stats::RATINGS, days.from, days.to, &group).await? {
            let slot = per.entry(int_key(&k, 0)).or_default();
            if second {
                slot[4] += v[0];
                continue;
            }
            let level = level_of(int_key(&k, 1))?;
            slot[0] += v[0];
            slot[3] += v[0] * level.score() as i64;
            if level.is_bad() {
                slot[1] += v[0];
                slot[2] += v[1];
            }
        }
    }
    let mut out = vec![];
    for (id, code, name, _) in names(&mut c, "departments").await? {
        let Some([n, bad, answered, score, before]) = per.get(&id).copied() else {
            continue;
        };
        out.push(vec![
            Cell::Text(code),
            Cell::Text(name),
            Cell::Int(n),
            ratio(n - bad, n),
            Cell::Int(bad),
            Cell::Int(answered),
            Cell::Number((n != 0).then(|| score as f64 / n as f64)),
            Cell::Int(before),
        ]);
    }
    Ok(Table {
        key: "rating_departments",
        title: "各部门好差评",
        columns: vec![
            "部门编码",
            "部门",
            "评价数",
            "好评率",
            "差评",
            "差评已整改答复",
            "平均得分",
            "上年同期评价数",
        ],
        rows: out,
    })
}

/// Dispatched work orders per member unit (by the day they were registered): how
/// many, closed, the response and satisfaction rates, the on-time rate over the
/// orders due in the period, and a year earlier.
pub async fn hotline_units(store: &Store, now: &Days, earlier: &Days) -> Result<Table> {
    let mut c = store.reader().await?;
    let at = |m: &str| {
        stats::ORDER_MEASURES
            .iter()
            .position(|x| *x == m)
            .unwrap_or(0)
    };
    let group = ["department_id"];
    let this = stats::sums(&mut c, &stats::ORDERS, now.from, now.to, &group).await?;
    let before = stats::sums(&mut c, &stats::ORDERS, earlier.from, earlier.to, &group).await?;
    // 按时办结率 as the figure has it: the orders due in the period up to yesterday.
    let dues = match stats::due_days(now.from, now.to) {
        Some((from, to)) => stats::sums(&mut c, &stats::ORDER_DUES, from, to, &group).await?,
        None => Default::default(),
    };
    // 满意率 counts 基本满意 where the local rule says so.
    let basic: Option<String> = sqlx::query_scalar("SELECT value FROM settings WHERE key = $1")
        .bind(crate::metrics::BASIC_COUNTS_SATISFIED)
        .fetch_optional(&mut *c)
        .await?;
    let basic_counts = basic.as_deref() != Some("0");
    let zero = vec![0; stats::ORDER_MEASURES.len()];
    let mut out = vec![];
    for (id, code, name, _) in names(&mut c, "departments").await? {
        let key = vec![K::I(id)];
        let m = this.get(&key).unwrap_or(&zero);
        let get = |name: &str| m[at(name)];
        let dispatched = get("dispatched");
        let earlier = before.get(&key).map_or(0, |e| e[at("dispatched")]);
        if dispatched == 0 && earlier == 0 {
            continue;
        }
        out.push(vec![
            Cell::Text(code),
            Cell::Text(name),
            Cell::Int(dispatched),
            Cell::Int(get("closed_dispatched")),
            match dues.get(&key) {
                Some(d) => ratio(d[1], d[0]),
                None => ratio(0, 0),
            },
            ratio(get("responded"), get("dispatched_valid")),
            ratio(
                get("satisfied") + if basic_counts { get("basic") } else { 0 },
                get("level_count"),
            ),
            Cell::Int(earlier),
        ]);
    }
    Ok(Table {
        key: "hotline_units",
        title: "各成员单位交办工单",
        columns: vec![
            "单位编码",
            "成员单位",
            "交办工单",
            "已办结",
            "按时办结率",
            "响应率",
            "满意率",
            "上年同期交办",
        ],
        rows: out,
    })
}

/// 12345 requests registered in each month of `year` (index 0 is January), and a
/// year earlier like for like.
pub async fn hotline_months(store: &Store, year: i32) -> Result<([i64; 12], [i64; 12])> {
    let mut c = store.reader().await?;
    let today = crate::time::local_day(crate::time::now());
    stats::months_compared(&mut c, &stats::ORDERS, "received", None, year, today).await
}

/// Ratings given in each month of `year`, and a year earlier like for like.
pub async fn rating_months(store: &Store, year: i32) -> Result<([i64; 12], [i64; 12])> {
    let mut c = store.reader().await?;
    let today = crate::time::local_day(crate::time::now());
    stats::months_compared(&mut c, &stats::RATINGS, "n", None, year, today).await
}

/// A rating behind a dashboard figure.
#[derive(Debug, Clone, serde::Serialize)]
pub struct RatedCase {
    pub case_no: String,
    pub item: String,
    pub department: String,
    pub point: String,
    pub level: i64,
    pub level_label: &'static str,
    /// 网上评价 or 窗口评价器
    pub source: &'static str,
    pub rated_on: String,
    /// 待整改, 已答复, or empty for a good rating.
    pub follow_up: &'static str,
}

/// The ratings given in `days`, of one department (code) or level if given: the list
/// behind a bar of the ratings dashboard. Supervisors and administrators see every
/// department's; a department head only their own. Newest first, `limit` of them,
/// with the whole count.
pub async fn ratings_in(
    store: &Store,
    p: &crate::org::Principal,
    days: &Days,
    department: Option<&str>,
    level: Option<i64>,
    limit: i64,
) -> Result<(Vec<RatedCase>, crate::Total)> {
    let own = crate::metrics::drill_scope(p)?;
    // Only the conditions that apply, so the indexes on (level, day) and on the
    // rating time serve them.
    let mut filter = crate::Sql::new("");
    filter
        .push(" AND r.rated_on >= ")
        .bind_s(crate::time::day(days.from))
        .push(" AND r.rated_on <= ")
        .bind_s(crate::time::day(days.to));
    if let Some(l) = level {
        filter.push(" AND r.level = ").bind_i(l);
    }
    if let Some(d) = department.filter(|d| !d.is_empty()) {
        filter
            .push(" AND c.department_id = (SELECT id FROM departments WHERE code = ")
            .bind_s(d)
            .push(")");
    }
    if let Some(own) = own {
        filter.push(" AND c.department_id = ").bind_i(own);
    }
    let mut c = store.reader().await?;
    let total = filter
        .count_capped(
            &mut c,
            "FROM ratings r JOIN cases c ON c.id = r.case_id WHERE 1 = 1",
        )
        .await?;
    let mut q = filter.with_text(format!(
        "SELECT c.case_no, COALESCE((SELECT v.name FROM item_versions v WHERE v.item_id = c.item_id \
           AND v.version = c.item_version), ''), d.name, pt.name, r.level, r.source, r.rated_on, \
           CAST(CASE WHEN f.case_id IS NULL THEN 0 WHEN f.answered_at IS NULL THEN 1 ELSE 2 END AS BIGINT) \
         FROM ratings r JOIN cases c ON c.id = r.case_id JOIN departments d ON d.id = c.department_id \
         JOIN points pt ON pt.id = c.point_id LEFT JOIN rating_followups f ON f.case_id = r.case_id AND f.kind = r.kind \
         WHERE 1 = 1{} ORDER BY r.rated_on DESC, r.rated_at DESC, r.case_id DESC LIMIT ",
        filter.text
    ));
    q.bind_i(limit);
    let rows = q.query().fetch_all(&mut *c).await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in &rows {
        let level = RatingLevel::new(r.try_get(4)?)
            .map_err(|e| StoreError::Other(anyhow::anyhow!("ratings: {e}")))?;
        let source: String = r.try_get(5)?;
        out.push(RatedCase {
            case_no: r.try_get(0)?,
            item: r.try_get(1)?,
            department: r.try_get(2)?,
            point: r.try_get(3)?,
            level: level.value().into(),
            level_label: level.label(),
            source: if source == "applicant" {
                "网上评价"
            } else {
                "窗口评价器"
            },
            rated_on: r.try_get(6)?,
            follow_up: match r.try_get::<i64, _>(7)? {
                1 => "待整改",
                2 => "已答复",
                _ => "",
            },
        });
    }
    Ok((out, total))
}

/// Joint acceptances certified in each month of `year`, and a year earlier like for
/// like.
pub async fn acceptance_months(store: &Store, year: i32) -> Result<([i64; 12], [i64; 12])> {
    let mut c = store.reader().await?;
    let today = crate::time::local_day(crate::time::now());
    stats::months_compared(
        &mut c,
        &stats::ACCEPTANCES,
        "n",
        Some(("kind", "closed")),
        year,
        today,
    )
    .await
}

/// Public resource transactions by kind (工程建设, 政府采购, 土地, …): how many and
/// their amounts (亿元) in the period and a year earlier.
pub async fn trading_kinds(store: &Store, now: &Days, earlier: &Days) -> Result<Table> {
    use tongban_domain::trading::TradingKind;
    let mut c = store.reader().await?;
    // kind → [transactions, fen, transactions a year earlier, fen a year earlier]
    let mut per: HashMap<String, [i64; 4]> = HashMap::new();
    for (days, second) in [(now, false), (earlier, true)] {
        for (k, v) in stats::sums(&mut c, &stats::TRADING, days.from, days.to, &["kind"]).await? {
            let slot = per.entry(text_key(&k, 0).to_string()).or_default();
            let at = if second { 2 } else { 0 };
            slot[at] += v[0];
            slot[at + 1] += v[1];
        }
    }
    let yi = |fen: i64| Cell::Number(Some((fen as f64 / 1e8).round() / 100.0));
    Ok(Table {
        key: "trading_kinds",
        title: "公共资源交易（按交易类别）",
        columns: vec![
            "交易类别",
            "完成交易项目（件）",
            "总成交金额（亿元）",
            "上年同期（件）",
            "上年同期金额（亿元）",
            "交易项目同比增长",
        ],
        rows: TradingKind::ALL
            .iter()
            .map(|kind| {
                let v = per.get(kind.as_str()).copied().unwrap_or_default();
                vec![
                    Cell::Text(kind.label().into()),
                    Cell::Int(v[0]),
                    yi(v[1]),
                    Cell::Int(v[2]),
                    yi(v[3]),
                    growth_cell(v[0], v[2]),
                ]
            })
            .collect(),
    })
}
