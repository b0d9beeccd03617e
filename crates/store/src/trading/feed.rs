//! The trading systems' feeds: announcements pushed over HTTP with a key per source
//! system, or imported from a CSV or JSON file. Idempotent on the source's own id and
//! version: a record sent twice changes nothing, a newer version amends; each
//! rejected record is reported with its line and reason and the rest of the batch
//! is kept, in one transaction, counted and audited.

use crate::audit::{self, Actor};
use crate::{Result, Store, StoreError, protect, stats, time};
use serde::Serialize;
use serde_json::json;
use sqlx::{AnyConnection, Row};
use tongban_domain::calendar::Calendar;
use tongban_domain::trading::{BidInput, FeedRecord, LotInput, Source, SupplierInput, awarded_fen};

/// The OCDS prefix when the office has not set its own (`ocds_prefix`).
pub const DEFAULT_PREFIX: &str = "ocds-tongban";

/// A batch of records, each with its line (or position) and, when it could not be
/// read as a record at all, why.
pub type Batch = Vec<(usize, std::result::Result<FeedRecord, String>)>;

/// A record the batch did not take, with where it was and why.
#[derive(Debug, Clone, Serialize)]
pub struct Rejected {
    /// The record's line in a file (CSV: the line number; JSON: its position from 1).
    pub line: usize,
    pub id: String,
    pub reason: String,
}

/// What a batch did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct FeedReport {
    pub received: usize,
    pub added: usize,
    pub amended: usize,
    /// Sent before with the same (or an older) version.
    pub unchanged: usize,
    pub rejected: Vec<Rejected>,
}

fn digest(key: &str) -> String {
    protect::sm3_hex(format!("trading:{}", key.trim()).as_bytes())
}

/// Sets a new push key for a source system (the old one stops working); returns it
/// (shown once).
pub async fn new_key(store: &Store, source: Source, actor: &Actor) -> Result<String> {
    let key = protect::random_token();
    let mut tx = store.begin().await?;
    sqlx::query(
        "INSERT INTO trading_sources (code, key_hash, key_set_at) VALUES ($1, $2, $3) \
         ON CONFLICT (code) DO UPDATE SET key_hash = excluded.key_hash, key_set_at = excluded.key_set_at",
    )
    .bind(source.as_str())
    .bind(digest(&key))
    .bind(time::stamp(time::now()))
    .execute(&mut *tx)
    .await?;
    audit::append(
        &mut tx,
        store.keys(),
        actor,
        "trading.key",
        "trading_source",
        source.as_str(),
        json!({}),
    )
    .await?;
    tx.commit().await?;
    Ok(key)
}

/// The source system a push key belongs to.
pub async fn source_of_key(store: &Store, key: &str) -> Result<Option<Source>> {
    if key.trim().is_empty() || key.len() > 200 {
        return Ok(None);
    }
    let code: Option<String> =
        sqlx::query_scalar("SELECT code FROM trading_sources WHERE key_hash = $1")
            .bind(digest(key))
            .fetch_optional(&mut *store.reader().await?)
            .await?;
    Ok(code.as_deref().and_then(Source::parse))
}

/// The office's OCDS prefix.
pub async fn prefix(conn: &mut AnyConnection) -> Result<String> {
    let v: Option<String> =
        sqlx::query_scalar("SELECT value FROM settings WHERE key = 'ocds_prefix'")
            .fetch_optional(conn)
            .await?;
    Ok(v.filter(|v| !v.trim().is_empty())
        .unwrap_or_else(|| DEFAULT_PREFIX.into()))
}

/// Sets the office's OCDS prefix (an `ocds-` prefix registered with the Open
/// Contracting Partnership); projects already received keep their ocid.
pub async fn set_prefix(store: &Store, value: &str, actor: &Actor) -> Result<()> {
    let v = value.trim();
    let ok = v.len() <= 40
        && v.starts_with("ocds-")
        && v.len() > 5
        && v[5..].chars().all(|c| c.is_ascii_alphanumeric());
    if !ok {
        return Err(StoreError::invalid(
            "prefix",
            format!("OCDS 前缀“{v}”无效：应为 ocds- 加字母和数字（如 ocds-213czf）"),
        ));
    }
    let mut tx = store.begin().await?;
    sqlx::query(
        "INSERT INTO settings (key, value) VALUES ('ocds_prefix', $1) \
         ON CONFLICT (key) DO UPDATE SET value = excluded.value",
    )
    .bind(v)
    .execute(&mut *tx)
    .await?;
    audit::append(
        &mut tx,
        store.keys(),
        actor,
        "trading.prefix",
        "settings",
        "ocds_prefix",
        json!({ "prefix": v }),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// The fields an announcement sets, in the order [`bind_fields`] binds them.
const FIELDS: [&str; 16] = [
    "version",
    "kind",
    "stage",
    "title",
    "buyer_name",
    "buyer_code",
    "agent_name",
    "agent_code",
    "town",
    "published_on",
    "amount_fen",
    "awarded_fen",
    "suppliers",
    "body",
    "lots",
    "bids",
];

/// Binds an announcement's [`FIELDS`] (`texts`: its suppliers, lots and bids as JSON)
/// as `$1` to `$16`, for the insert and the amendment alike.
fn bind_fields<'q>(
    q: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments>,
    n: &'q tongban_domain::trading::Notice,
    texts: &'q [String; 3],
) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments> {
    q.bind(n.version)
        .bind(n.kind.as_str())
        .bind(n.stage.as_str())
        .bind(&n.title)
        .bind(&n.buyer_name)
        .bind(n.buyer_code.as_deref())
        .bind(n.agent_name.as_deref())
        .bind(n.agent_code.as_deref())
        .bind(n.town.as_deref())
        .bind(time::day(n.date))
        .bind(n.amount_fen)
        .bind(awarded_fen(n))
        .bind(&texts[0])
        .bind(&n.body)
        .bind(&texts[1])
        .bind(&texts[2])
}

/// A lot a notice names (for a supplier or a bid) that neither it nor the project's
/// earlier announcements list, if any.
async fn unknown_lot(
    conn: &mut AnyConnection,
    source: Source,
    n: &tongban_domain::trading::Notice,
) -> Result<Option<String>> {
    if !n.lots.is_empty() {
        // Checked against its own list already.
        return Ok(None);
    }
    let named: Vec<&str> = n
        .suppliers
        .iter()
        .chain(&n.bids)
        .map(|s| s.lot.as_str())
        .filter(|l| !l.is_empty())
        .collect();
    if named.is_empty() {
        return Ok(None);
    }
    let lists: Vec<String> = sqlx::query_scalar(
        "SELECT lots FROM trading_notices WHERE source = $1 AND project_ref = $2 AND lots <> '[]'",
    )
    .bind(source.as_str())
    .bind(&n.project)
    .fetch_all(&mut *conn)
    .await?;
    let mut known: Vec<String> = vec![];
    for l in &lists {
        let lots: Vec<LotInput> = serde_json::from_str(l).unwrap_or_default();
        known.extend(lots.into_iter().map(|x| x.id));
    }
    Ok(named
        .into_iter()
        .find(|l| !known.iter().any(|k| k == l))
        .map(str::to_string))
}

/// Takes a batch of records from a source system: each checked (the faulty ones
/// reported), the rest added, amended or left as they were, in one transaction.
pub async fn ingest(
    store: &Store,
    source: Source,
    records: Batch,
    actor: &Actor,
) -> Result<FeedReport> {
    let today = time::local_day(time::now());
    let mut report = FeedReport {
        received: records.len(),
        ..Default::default()
    };
    let good = sort_out(records, &mut report.rejected, |r: &FeedRecord| {
        (r.id.clone(), r.check(today))
    });
    let now = time::stamp(time::now());
    let cal = Calendar::default();
    let mut tx = store.begin().await?;
    let prefix = prefix(&mut tx).await?;
    let mut amended_ids: Vec<String> = vec![];
    for (line, n) in &good {
        // Lots named without the announcement listing them are the project's, as its
        // earlier announcements (this batch's too) listed them.
        if let Some(lot) = unknown_lot(&mut tx, source, n).await? {
            report.rejected.push(Rejected {
                line: *line,
                id: n.id.clone(),
                reason: format!("标段“{lot}”不是该项目招标公告列出的标段"),
            });
            continue;
        }
        let held: Option<(i64, i64)> = sqlx::query_as(
            "SELECT id, version FROM trading_notices WHERE source = $1 AND source_id = $2",
        )
        .bind(source.as_str())
        .bind(&n.id)
        .fetch_optional(&mut *tx)
        .await?;
        let texts = [
            serde_json::to_string(&n.suppliers).map_err(anyhow::Error::from)?,
            serde_json::to_string(&n.lots).map_err(anyhow::Error::from)?,
            serde_json::to_string(&n.bids).map_err(anyhow::Error::from)?,
        ];
        match held {
            Some((_, v)) if v >= n.version => report.unchanged += 1,
            Some((row, _)) => {
                let before = stats::snapshot(&mut tx, &stats::TRADING, &[row], &cal).await?;
                let set: Vec<String> = FIELDS
                    .iter()
                    .enumerate()
                    .map(|(k, f)| format!("{f} = ${}", k + 1))
                    .collect();
                let sql = format!(
                    "UPDATE trading_notices SET {}, amended_at = $17 WHERE id = $18",
                    set.join(", ")
                );
                bind_fields(sqlx::query(sqlx::AssertSqlSafe(sql)), n, &texts)
                    .bind(&now)
                    .bind(row)
                    .execute(&mut *tx)
                    .await?;
                let after = stats::snapshot(&mut tx, &stats::TRADING, &[row], &cal).await?;
                stats::track(&mut tx, &stats::TRADING, Some(&before), &after).await?;
                report.amended += 1;
                if amended_ids.len() < 100 {
                    amended_ids.push(n.id.clone());
                }
            }
            None => {
                let marks: Vec<String> = (1..=FIELDS.len() + 5).map(|k| format!("${k}")).collect();
                let sql = format!(
                    "INSERT INTO trading_notices ({}, source, source_id, ocid, project_ref, received_at) \
                     VALUES ({}) RETURNING id",
                    FIELDS.join(", "),
                    marks.join(", ")
                );
                let id: i64 = bind_fields(sqlx::query(sqlx::AssertSqlSafe(sql)), n, &texts)
                    .bind(source.as_str())
                    .bind(&n.id)
                    .bind(format!("{prefix}-{}-{}", source.as_str(), n.project))
                    .bind(&n.project)
                    .bind(&now)
                    .fetch_one(&mut *tx)
                    .await?
                    .try_get(0)?;
                stats::track_new(&mut tx, &stats::TRADING, &[id]).await?;
                report.added += 1;
            }
        }
    }
    if report.added + report.amended > 0 {
        audit::append(
            &mut tx,
            store.keys(),
            actor,
            "trading.feed",
            "trading_source",
            source.as_str(),
            json!({ "added": report.added, "amended": amended_ids, "unchanged": report.unchanged,
                    "rejected": report.rejected.len() }),
        )
        .await?;
    }
    tx.commit().await?;
    Ok(report)
}

/// The records that check, in their order; each that does not is put with the
/// rejected, with its line, its id and every fault.
pub(crate) fn sort_out<R, T>(
    records: Vec<(usize, std::result::Result<R, String>)>,
    rejected: &mut Vec<Rejected>,
    check: impl Fn(&R) -> (String, std::result::Result<T, Vec<tongban_domain::Invalid>>),
) -> Vec<(usize, T)> {
    let mut good = vec![];
    for (line, r) in records {
        let rec = match r {
            Ok(rec) => rec,
            Err(reason) => {
                rejected.push(Rejected {
                    line,
                    id: String::new(),
                    reason,
                });
                continue;
            }
        };
        match check(&rec) {
            (_, Ok(t)) => good.push((line, t)),
            (id, Err(faults)) => rejected.push(Rejected {
                line,
                id: id.trim().chars().take(64).collect(),
                reason: faults
                    .iter()
                    .map(|f| f.message.clone())
                    .collect::<Vec<_>>()
                    .join("；"),
            }),
        }
    }
    good
}

/// The records of a JSON file or request body: an array of records, or an object
/// with `records`; each element read on its own, so one malformed element is one
/// rejected record.
pub fn parse_json(text: &str) -> Result<Batch> {
    parse_json_as(text)
}

/// The records of a JSON text as `T` (announcements, credit records), each element
/// read on its own.
pub fn parse_json_as<T: serde::de::DeserializeOwned>(
    text: &str,
) -> Result<Vec<(usize, std::result::Result<T, String>)>> {
    let v: serde_json::Value = serde_json::from_str(text).map_err(|e| {
        StoreError::invalid(
            "file",
            format!("JSON 格式错误：第{}行第{}列", e.line(), e.column()),
        )
    })?;
    let items = match v {
        serde_json::Value::Array(a) => a,
        serde_json::Value::Object(mut o) => match o.remove("records") {
            Some(serde_json::Value::Array(a)) => a,
            _ => {
                return Err(StoreError::invalid(
                    "records",
                    "应为公告记录的数组，或含 records 数组的对象",
                ));
            }
        },
        _ => {
            return Err(StoreError::invalid(
                "records",
                "应为公告记录的数组，或含 records 数组的对象",
            ));
        }
    };
    if items.len() > 50_000 {
        return Err(StoreError::invalid("records", "一批最多50000条记录"));
    }
    Ok(items
        .into_iter()
        .enumerate()
        .map(|(i, item)| {
            (
                i + 1,
                serde_json::from_value::<T>(item).map_err(|e| format!("记录格式错误：{e}")),
            )
        })
        .collect())
}

/// The columns a CSV file has (the first line names them, in any order); the
/// suppliers as `名称:统一社会信用代码:金额（分）:标段` separated by `;` (the last
/// parts may be left out), the lots as `编号:名称:金额（分）`, the bids as the
/// suppliers.
pub const CSV_COLUMNS: &[&str] = &[
    "id",
    "version",
    "project",
    "kind",
    "stage",
    "title",
    "buyer_name",
    "buyer_code",
    "agent_name",
    "agent_code",
    "town",
    "date",
    "amount_fen",
    "suppliers",
    "lots",
    "bids",
    "body",
];

/// A CSV cell of `a:b:金额:d` entries separated by `;`, each as its four parts (the
/// amount an integer of fen, parts left out empty).
#[allow(clippy::type_complexity)]
fn parties(
    cell: &str,
    what: &str,
) -> std::result::Result<Vec<(String, String, Option<i64>, String)>, String> {
    cell.split(';')
        .filter(|s| !s.trim().is_empty())
        .map(|s| {
            let mut parts = s.split(':');
            let a = parts.next().unwrap_or("").trim().to_string();
            let b = parts.next().unwrap_or("").trim().to_string();
            let amount = parts.next().unwrap_or("").trim();
            let d = parts.next().unwrap_or("").trim().to_string();
            let fen = if amount.is_empty() {
                None
            } else {
                Some(
                    amount
                        .parse::<i64>()
                        .map_err(|_| format!("{what}“{a}”的金额“{amount}”不是整数"))?,
                )
            };
            Ok((a, b, fen, d))
        })
        .collect()
}

/// The records of a CSV file (UTF-8, with a header line).
pub fn parse_csv(text: &str) -> Result<Batch> {
    let mut rdr = csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(text.trim_start_matches('\u{feff}').as_bytes());
    let headers = rdr
        .headers()
        .map_err(|e| StoreError::invalid("file", format!("CSV 表头无法读取：{e}")))?
        .clone();
    let col = |name: &str| headers.iter().position(|h| h.trim() == name);
    for required in [
        "id",
        "version",
        "project",
        "kind",
        "stage",
        "title",
        "buyer_name",
        "date",
    ] {
        if col(required).is_none() {
            return Err(StoreError::invalid(
                "file",
                format!(
                    "CSV 缺少“{required}”列（表头应含 {}）",
                    CSV_COLUMNS.join(",")
                ),
            ));
        }
    }
    let mut out = vec![];
    for (i, row) in rdr.records().enumerate() {
        let line = i + 2;
        let row = match row {
            Ok(r) => r,
            Err(e) => {
                out.push((line, Err(format!("CSV 行无法读取：{e}"))));
                continue;
            }
        };
        let get = |name: &str| {
            col(name)
                .and_then(|c| row.get(c))
                .unwrap_or("")
                .trim()
                .to_string()
        };
        let number = |name: &str, label: &str| -> std::result::Result<Option<i64>, String> {
            let v = get(name);
            if v.is_empty() {
                Ok(None)
            } else {
                v.parse::<i64>()
                    .map(Some)
                    .map_err(|_| format!("{label}“{v}”不是整数"))
            }
        };
        let parsed = (|| {
            let suppliers = parties(&get("suppliers"), "供应商")?
                .into_iter()
                .map(|(name, credit_code, amount_fen, lot)| SupplierInput {
                    name,
                    credit_code,
                    amount_fen,
                    lot,
                })
                .collect();
            let bids = parties(&get("bids"), "投标人")?
                .into_iter()
                .map(|(name, credit_code, amount_fen, lot)| BidInput {
                    name,
                    credit_code,
                    amount_fen,
                    lot,
                })
                .collect();
            let lots = parties(&get("lots"), "标段")?
                .into_iter()
                .map(|(id, title, amount_fen, _)| LotInput {
                    id,
                    title,
                    amount_fen,
                })
                .collect();
            Ok(FeedRecord {
                id: get("id"),
                version: number("version", "版本号")?,
                project: get("project"),
                kind: get("kind"),
                stage: get("stage"),
                title: get("title"),
                buyer_name: get("buyer_name"),
                buyer_code: get("buyer_code"),
                agent_name: get("agent_name"),
                agent_code: get("agent_code"),
                town: get("town"),
                date: get("date"),
                amount_fen: number("amount_fen", "金额")?,
                suppliers,
                lots,
                bids,
                body: get("body"),
            })
        })();
        out.push((line, parsed));
    }
    Ok(out)
}
