//! The public trading site's reads: announcements searched and filtered by kind,
//! buyer, town, date and amount (newest first, by keyset), a project's timeline from
//! its announcement to its contract, and the export. Every text shown to the public
//! passes through the one public masking.

use crate::{Result, Store, StoreError, time};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use sqlx::Row;
use tongban_domain::public::mask_text;
use tongban_domain::trading::{BidInput, LotInput, Source, Stage, SupplierInput, TradingKind};

/// An announcement as the public sees it.
#[derive(Debug, Clone, Serialize)]
pub struct NoticeView {
    pub id: i64,
    pub ocid: String,
    pub source: String,
    pub source_label: &'static str,
    pub source_id: String,
    /// The source's id of the project.
    pub project_ref: String,
    pub version: i64,
    pub kind: String,
    pub kind_label: &'static str,
    pub stage: String,
    pub stage_label: &'static str,
    pub title: String,
    pub buyer_name: String,
    pub buyer_code: Option<String>,
    pub agent_name: Option<String>,
    pub agent_code: Option<String>,
    pub town: Option<String>,
    pub published_on: String,
    pub amount_fen: Option<i64>,
    pub awarded_fen: i64,
    pub suppliers: Vec<SupplierInput>,
    /// The lots of a tender (标段、采购包).
    pub lots: Vec<LotInput>,
    /// The bids received, as the candidates or result announcement lists them.
    pub bids: Vec<BidInput>,
    pub body: String,
    pub amended: bool,
}

impl NoticeView {
    /// An amount in fen as 元 with two decimals and thousands separators.
    pub fn yuan(fen: i64) -> String {
        let yuan = fen / 100;
        let cents = (fen % 100).abs();
        let digits = yuan.abs().to_string();
        let mut out = String::new();
        for (i, c) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i).is_multiple_of(3) {
                out.push(',');
            }
            out.push(c);
        }
        format!("{}{out}.{cents:02}", if fen < 0 { "-" } else { "" })
    }
}

pub(crate) const COLUMNS: &str = "t.id, t.ocid, t.source, t.source_id, t.project_ref, t.version, t.kind, t.stage, t.title, \
     t.buyer_name, t.buyer_code, t.agent_name, t.agent_code, t.town, t.published_on, t.amount_fen, t.awarded_fen, \
     t.suppliers, t.body, t.amended_at, t.lots, t.bids";

pub(crate) fn view_from(r: &sqlx::any::AnyRow) -> Result<NoticeView> {
    let source: String = r.try_get("source")?;
    let kind: String = r.try_get("kind")?;
    let stage: String = r.try_get("stage")?;
    Ok(NoticeView {
        id: r.try_get("id")?,
        ocid: r.try_get("ocid")?,
        source_label: Source::parse(&source).map_or("", Source::label),
        source,
        source_id: r.try_get("source_id")?,
        project_ref: r.try_get("project_ref")?,
        version: r.try_get("version")?,
        kind_label: TradingKind::parse(&kind).map_or("", TradingKind::label),
        kind,
        stage_label: Stage::parse(&stage).map_or("", Stage::label),
        stage,
        title: mask_text(&r.try_get::<String, _>("title")?),
        buyer_name: r.try_get("buyer_name")?,
        buyer_code: r.try_get("buyer_code")?,
        agent_name: r.try_get("agent_name")?,
        agent_code: r.try_get("agent_code")?,
        town: r.try_get("town")?,
        published_on: r.try_get("published_on")?,
        amount_fen: r.try_get("amount_fen")?,
        awarded_fen: r.try_get("awarded_fen")?,
        suppliers: serde_json::from_str(&r.try_get::<String, _>("suppliers")?).unwrap_or_default(),
        lots: serde_json::from_str(&r.try_get::<String, _>("lots")?).unwrap_or_default(),
        bids: serde_json::from_str(&r.try_get::<String, _>("bids")?).unwrap_or_default(),
        body: mask_text(&r.try_get::<String, _>("body")?),
        amended: r.try_get::<Option<String>, _>("amended_at")?.is_some(),
    })
}

/// What the public searches by.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct NoticeQuery {
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub stage: String,
    /// Words of the buyer's name.
    #[serde(default)]
    pub buyer: String,
    #[serde(default)]
    pub town: String,
    #[serde(default)]
    pub from: String,
    #[serde(default)]
    pub to: String,
    /// Amounts in 元.
    #[serde(default)]
    pub min: String,
    #[serde(default)]
    pub max: String,
    /// The last row of the page before: `published_on,id`.
    #[serde(default)]
    pub cursor: String,
}

/// A page of announcements and where the next begins.
#[derive(Debug, Clone, Serialize)]
pub struct NoticePage {
    pub notices: Vec<NoticeView>,
    pub next_cursor: Option<String>,
}

/// Announcements a page shows.
pub const PAGE: i64 = 20;

fn day_arg(field: &'static str, label: &str, v: &str) -> Result<Option<NaiveDate>> {
    let v = v.trim();
    if v.is_empty() {
        return Ok(None);
    }
    NaiveDate::parse_from_str(v, "%Y-%m-%d")
        .map(Some)
        .map_err(|_| StoreError::invalid(field, format!("{label}“{v}”无效，应为 YYYY-MM-DD")))
}

fn yuan_arg(field: &'static str, label: &str, v: &str) -> Result<Option<i64>> {
    let v = v.trim().replace(',', "");
    if v.is_empty() {
        return Ok(None);
    }
    match v.parse::<f64>() {
        Ok(y) if (0.0..1e12).contains(&y) => Ok(Some((y * 100.0).round() as i64)),
        _ => Err(StoreError::invalid(
            field,
            format!("{label}“{v}”无效，应为金额（元）"),
        )),
    }
}

/// A `WHERE` clause built up with its bound values, each `?` numbered in turn.
#[derive(Default)]
struct Where {
    sql: String,
    binds: Vec<Bind>,
}

impl Where {
    fn add(&mut self, sql: &str, values: Vec<Bind>) {
        let mut values = values.into_iter();
        for part in sql.split_inclusive('?') {
            match part.strip_suffix('?') {
                Some(head) => {
                    self.sql.push_str(head);
                    if let Some(v) = values.next() {
                        self.binds.push(v);
                        self.sql.push_str(&format!("${}", self.binds.len()));
                    }
                }
                None => self.sql.push_str(part),
            }
        }
    }
}

enum Bind {
    T(String),
    I(i64),
}

/// Searches the announcements, newest first, a page at a time.
pub async fn search(store: &Store, q: &NoticeQuery) -> Result<NoticePage> {
    let mut w = Where::default();
    if !q.kind.trim().is_empty() {
        let k = TradingKind::parse_code_or_label(q.kind.trim()).ok_or_else(|| {
            StoreError::invalid(
                "kind",
                format!(
                    "交易类别“{}”无效，应为{}",
                    q.kind.trim(),
                    TradingKind::choices()
                ),
            )
        })?;
        w.add(" AND t.kind = ?", vec![Bind::T(k.as_str().into())]);
    }
    if !q.stage.trim().is_empty() {
        let s = Stage::parse_code_or_label(q.stage.trim()).ok_or_else(|| {
            StoreError::invalid(
                "stage",
                format!("公告类型“{}”无效，应为{}", q.stage.trim(), Stage::choices()),
            )
        })?;
        w.add(" AND t.stage = ?", vec![Bind::T(s.as_str().into())]);
    }
    let buyer = q.buyer.trim();
    if !buyer.is_empty() {
        if buyer.chars().count() > 50 {
            return Err(StoreError::invalid("buyer", "采购人名称不能超过50个字"));
        }
        w.add(
            " AND t.buyer_name LIKE ?",
            vec![Bind::T(format!("%{}%", buyer.replace(['%', '_'], "")))],
        );
    }
    let town = q.town.trim();
    if !town.is_empty() {
        w.add(
            " AND t.town = ?",
            vec![Bind::T(town.chars().take(50).collect())],
        );
    }
    let from = day_arg("from", "开始日期", &q.from)?;
    let to = day_arg("to", "结束日期", &q.to)?;
    if let (Some(a), Some(b)) = (from, to)
        && a > b
    {
        return Err(StoreError::invalid("to", "结束日期不能早于开始日期"));
    }
    if let Some(d) = from {
        w.add(" AND t.published_on >= ?", vec![Bind::T(time::day(d))]);
    }
    if let Some(d) = to {
        w.add(" AND t.published_on <= ?", vec![Bind::T(time::day(d))]);
    }
    let amount = "COALESCE(NULLIF(t.awarded_fen, 0), t.amount_fen, 0)";
    if let Some(v) = yuan_arg("min", "最低金额", &q.min)? {
        w.add(&format!(" AND {amount} >= ?"), vec![Bind::I(v)]);
    }
    if let Some(v) = yuan_arg("max", "最高金额", &q.max)? {
        w.add(&format!(" AND {amount} <= ?"), vec![Bind::I(v)]);
    }
    let cursor = q.cursor.trim();
    if !cursor.is_empty() {
        let (d, i) = cursor
            .split_once(',')
            .and_then(|(d, i)| Some((time::parse_day(d)?, i.parse::<i64>().ok()?)))
            .ok_or_else(|| StoreError::invalid("cursor", "翻页位置无效"))?;
        w.add(
            " AND (t.published_on < ? OR (t.published_on = ? AND t.id < ?))",
            vec![Bind::T(time::day(d)), Bind::T(time::day(d)), Bind::I(i)],
        );
    }
    let sql = format!(
        "SELECT {COLUMNS} FROM trading_notices t WHERE 1 = 1{} ORDER BY t.published_on DESC, t.id DESC LIMIT {}",
        w.sql,
        PAGE + 1
    );
    let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
    for b in w.binds {
        query = match b {
            Bind::T(t) => query.bind(t),
            Bind::I(v) => query.bind(v),
        };
    }
    let rows = query.fetch_all(&mut *store.reader().await?).await?;
    let mut notices: Vec<NoticeView> = rows.iter().map(view_from).collect::<Result<_>>()?;
    let next_cursor = if notices.len() as i64 > PAGE {
        notices.truncate(PAGE as usize);
        notices
            .last()
            .map(|n| format!("{},{}", n.published_on, n.id))
    } else {
        None
    };
    Ok(NoticePage {
        notices,
        next_cursor,
    })
}

/// A project: its announcements from the first to the contract.
#[derive(Debug, Clone, Serialize)]
pub struct ProjectView {
    pub ocid: String,
    pub title: String,
    pub kind_label: &'static str,
    pub buyer_name: String,
    pub town: Option<String>,
    pub notices: Vec<NoticeView>,
}

/// One project's timeline, oldest first.
pub async fn project(store: &Store, ocid: &str) -> Result<ProjectView> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM trading_notices t WHERE t.ocid = $1 ORDER BY t.published_on, t.id"
    )))
    .bind(ocid.trim())
    .fetch_all(&mut *store.reader().await?)
    .await?;
    let notices: Vec<NoticeView> = rows.iter().map(view_from).collect::<Result<_>>()?;
    let first = notices
        .first()
        .ok_or_else(|| StoreError::not_found(format!("交易项目“{}”不存在", ocid.trim())))?;
    Ok(ProjectView {
        ocid: first.ocid.clone(),
        title: first.title.clone(),
        kind_label: first.kind_label,
        buyer_name: first.buyer_name.clone(),
        town: first.town.clone(),
        notices,
    })
}

/// An announcement as exported.
#[derive(Debug, Clone, Serialize)]
pub struct NoticeExport {
    pub source: String,
    pub source_id: String,
    pub version: i64,
    pub ocid: String,
    pub kind: String,
    pub stage: String,
    pub buyer_name: String,
    pub town: Option<String>,
    pub published_on: String,
    pub amount_fen: Option<i64>,
    pub awarded_fen: i64,
    pub suppliers: String,
}

/// Every announcement, oldest first, to `sink`.
pub async fn export(
    store: &Store,
    mut sink: impl FnMut(NoticeExport) -> anyhow::Result<()>,
) -> Result<u64> {
    let mut rd = store.reader().await?;
    let select = format!("SELECT {COLUMNS} FROM trading_notices t WHERE 1 = 1");
    crate::keyset_rows(&mut rd, &select, "t.id", |r| {
        let v = view_from(r)?;
        sink(NoticeExport {
            source: v.source,
            source_id: v.source_id,
            version: v.version,
            ocid: v.ocid,
            kind: v.kind,
            stage: v.stage,
            buyer_name: v.buyer_name,
            town: v.town,
            published_on: v.published_on,
            amount_fen: v.amount_fen,
            awarded_fen: v.awarded_fen,
            suppliers: v
                .suppliers
                .iter()
                .map(|s| s.name.as_str())
                .collect::<Vec<_>>()
                .join("|"),
        })?;
        Ok(v.id)
    })
    .await
}
