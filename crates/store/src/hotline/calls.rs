//! The switch's call records (话务记录): imported from its CSV call log for the
//! connection rate, answer time and missed-call callbacks (漏话回拨). A call id is
//! imported once; the caller's number is kept like work orders' phones.

use crate::audit::{self, Actor};
use crate::org::Principal;
use crate::{Backend, Result, Store, StoreError, time};
use chrono::{DateTime, NaiveDateTime, Utc};
use serde::Serialize;
use sqlx::Row;
use std::collections::HashSet;
use tongban_domain::calendar::Calendar;
use tongban_domain::codes::{Mobile, mask_phone};
use tongban_domain::org::Role;

pub use tongban_domain::hotline::ANSWER_SECONDS;

/// A call record's columns as imported, in the order of its values; the import and
/// the demo's bulk load (with the callback's two columns after them) share the list.
pub const INSERT_COLUMNS: &[&str] = &[
    "call_id",
    "caller_enc",
    "caller_masked",
    "caller_digest",
    "started_at",
    "answered",
    "wait_seconds",
    "talk_seconds",
    "agent",
    "imported_at",
];

/// One call as the switch logged it, checked.
#[derive(Debug, Clone)]
struct CallRow {
    call_id: String,
    caller: Option<String>,
    started_at: DateTime<Utc>,
    answered: bool,
    wait_seconds: i64,
    talk_seconds: i64,
    agent: Option<String>,
}

/// A row of the file that was not imported, and why.
#[derive(Debug, Clone, Serialize)]
pub struct Rejected {
    pub line: u64,
    pub reason: String,
}

/// What an import did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ImportSummary {
    /// Data rows read (header excluded).
    pub rows: usize,
    pub imported: usize,
    /// Call ids already imported (earlier, or earlier in the same file).
    pub duplicates: usize,
    pub rejected: Vec<Rejected>,
}

impl std::fmt::Display for ImportSummary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "共读取 {} 行：导入 {} 条，跳过重复 {} 条，拒绝 {} 行",
            self.rows,
            self.imported,
            self.duplicates,
            self.rejected.len()
        )?;
        for r in &self.rejected {
            write!(f, "\n  第 {} 行：{}", r.line, r.reason)?;
        }
        Ok(())
    }
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Col {
    CallId,
    Caller,
    Start,
    Result,
    Wait,
    Talk,
    Agent,
}

const ALIASES: &[(Col, &[&str])] = &[
    (
        Col::CallId,
        &[
            "callid",
            "id",
            "呼叫编号",
            "通话编号",
            "流水号",
            "呼叫id",
            "话单编号",
            "通话id",
            "呼叫流水号",
        ],
    ),
    (
        Col::Caller,
        &[
            "caller",
            "callernumber",
            "callerid",
            "phone",
            "ani",
            "from",
            "主叫号码",
            "来电号码",
            "主叫",
            "主叫号",
            "来电人电话",
        ],
    ),
    (
        Col::Start,
        &[
            "start",
            "starttime",
            "startedat",
            "startat",
            "time",
            "开始时间",
            "来电时间",
            "呼入时间",
            "呼叫时间",
        ],
    ),
    (
        Col::Result,
        &[
            "result",
            "status",
            "answered",
            "outcome",
            "disposition",
            "answeredorabandoned",
            "接听状态",
            "呼叫结果",
            "是否接通",
            "是否接听",
            "状态",
            "结果",
            "接通状态",
        ],
    ),
    (
        Col::Wait,
        &[
            "wait",
            "waitseconds",
            "waittime",
            "waitsec",
            "waits",
            "queueseconds",
            "等待时长",
            "等待秒数",
            "排队时长",
            "等待时间",
        ],
    ),
    (
        Col::Talk,
        &[
            "talk",
            "talkseconds",
            "talktime",
            "talksec",
            "talks",
            "duration",
            "通话时长",
            "通话秒数",
            "通话时间",
        ],
    ),
    (
        Col::Agent,
        &[
            "agent",
            "agentid",
            "agentname",
            "坐席",
            "坐席工号",
            "话务员",
            "坐席号",
            "工号",
        ],
    ),
];

fn col_label(c: Col) -> &'static str {
    match c {
        Col::CallId => "呼叫编号（call_id）",
        Col::Caller => "主叫号码（caller）",
        Col::Start => "开始时间（start）",
        Col::Result => "接听状态（result：answered/abandoned）",
        Col::Wait => "等待秒数（wait_seconds）",
        Col::Talk => "通话秒数（talk_seconds）",
        Col::Agent => "坐席（agent）",
    }
}

fn header_key(h: &str) -> String {
    h.trim_start_matches('\u{feff}')
        .to_lowercase()
        .replace("（秒）", "")
        .replace("(秒)", "")
        .replace("(s)", "")
        .chars()
        .filter(|c| c.is_alphanumeric())
        .collect()
}

fn column_of(h: &str) -> Option<Col> {
    let k = header_key(h);
    ALIASES
        .iter()
        .find(|(_, names)| names.contains(&k.as_str()))
        .map(|(c, _)| *c)
}

/// A caller number as the switch gives it, in the form work orders keep phones
/// (a mobile as its 11 digits), so a callback list can match a later order.
fn caller_number(v: &str) -> std::result::Result<Option<String>, String> {
    let v = v.trim();
    if v.is_empty()
        || matches!(
            v.to_lowercase().as_str(),
            "anonymous" | "unknown" | "private" | "未知" | "匿名" | "隐藏号码" | "无主叫"
        )
    {
        return Ok(None);
    }
    let mut d: String = v
        .chars()
        .filter(|c| !matches!(c, ' ' | '-' | '(' | ')'))
        .collect();
    if let Some(r) = d.strip_prefix("+86").or_else(|| d.strip_prefix("0086")) {
        d = r.to_string();
    }
    if !(3..=20).contains(&d.len()) || !d.chars().all(|c| c.is_ascii_digit()) {
        return Err(format!("主叫号码“{v}”无效，应为3至20位数字"));
    }
    // A mobile dialled from outside the area often arrives with a trunk 0.
    if d.len() == 12 && d.starts_with("01") && Mobile::parse(&d[1..]).is_ok() {
        d.remove(0);
    }
    Ok(Some(match Mobile::parse(&d) {
        Ok(m) => m.as_str().to_string(),
        Err(_) => d,
    }))
}

/// ISO 8601 with an offset, or local time (UTC+8) `YYYY-MM-DD HH:MM:SS`.
fn start_time(v: &str) -> std::result::Result<DateTime<Utc>, String> {
    let v = v.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(v) {
        return Ok(t.with_timezone(&Utc));
    }
    for f in ["%Y-%m-%d %H:%M:%S%:z", "%Y-%m-%dT%H:%M:%S%.f%:z"] {
        if let Ok(t) = DateTime::parse_from_str(v, f) {
            return Ok(t.with_timezone(&Utc));
        }
    }
    for f in [
        "%Y-%m-%d %H:%M:%S",
        "%Y-%m-%dT%H:%M:%S",
        "%Y/%m/%d %H:%M:%S",
        "%Y-%m-%d %H:%M",
        "%Y/%m/%d %H:%M",
        "%Y-%m-%d %H:%M:%S%.f",
    ] {
        if let Ok(n) = NaiveDateTime::parse_from_str(v, f) {
            return n
                .and_local_timezone(time::china())
                .single()
                .map(|t| t.with_timezone(&Utc))
                .ok_or_else(|| format!("开始时间“{v}”无效"));
        }
    }
    Err(format!(
        "开始时间“{v}”无效，应为 ISO 8601（如 2026-03-01T09:15:00+08:00）或 2026-03-01 09:15:00（北京时间）"
    ))
}

fn answered(v: &str) -> std::result::Result<bool, String> {
    match v.trim().to_lowercase().as_str() {
        "answered" | "answer" | "connected" | "yes" | "y" | "true" | "1" | "已接听" | "接听"
        | "已接通" | "接通" | "是" | "应答" | "已应答" => Ok(true),
        "abandoned" | "abandon" | "missed" | "no" | "n" | "false" | "0" | "放弃" | "已放弃"
        | "未接" | "未接听" | "未接通" | "呼损" | "否" | "未应答" => Ok(false),
        other => Err(format!(
            "接听状态“{other}”无效，应为 answered（接通）或 abandoned（放弃）"
        )),
    }
}

/// Whole seconds: `12`, `12.0`, or `mm:ss` / `hh:mm:ss`.
fn seconds(what: &str, v: &str) -> std::result::Result<i64, String> {
    let v = v.trim();
    let bad = || format!("{what}“{v}”无效，应为0至86400之间的整数秒");
    let n = if v.contains(':') {
        let parts: Vec<i64> = v
            .split(':')
            .map(|p| p.parse::<i64>().map_err(|_| bad()))
            .collect::<std::result::Result<_, _>>()?;
        if parts.len() > 3 || parts.iter().skip(1).any(|p| !(0..60).contains(p)) {
            return Err(bad());
        }
        parts.iter().fold(0, |acc, p| acc * 60 + p)
    } else if let Ok(n) = v.parse::<i64>() {
        n
    } else {
        match v.parse::<f64>() {
            Ok(f) if f.fract() == 0.0 && f.is_finite() => f as i64,
            _ => return Err(bad()),
        }
    };
    if (0..=86_400).contains(&n) {
        Ok(n)
    } else {
        Err(bad())
    }
}

/// Text of a CSV file: UTF-8 (with or without BOM), or GB18030 as Chinese switches
/// and spreadsheets often write.
fn decode(bytes: &[u8]) -> String {
    let bytes = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes);
    match std::str::from_utf8(bytes) {
        Ok(s) => s.to_string(),
        Err(_) => encoding_rs::GB18030.decode(bytes).0.into_owned(),
    }
}

/// Reads the call log; a file without the needed columns is refused whole.
fn parse(bytes: &[u8], now: DateTime<Utc>) -> Result<(Vec<CallRow>, ImportSummary)> {
    let text = decode(bytes);
    let mut rdr = csv::ReaderBuilder::new()
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let headers = rdr
        .headers()
        .map_err(|e| StoreError::invalid("file", format!("无法读取CSV表头：{e}")))?
        .clone();
    if headers.iter().all(|h| h.trim().is_empty()) {
        return Err(StoreError::invalid("file", "文件为空：CSV第一行应为表头"));
    }
    let mut at: Vec<(Col, usize)> = vec![];
    for (i, h) in headers.iter().enumerate() {
        if let Some(c) = column_of(h)
            && !at.iter().any(|(k, _)| *k == c)
        {
            at.push((c, i));
        }
    }
    let idx = |c: Col| at.iter().find(|(k, _)| *k == c).map(|(_, i)| *i);
    let missing: Vec<&str> = [Col::CallId, Col::Start, Col::Result, Col::Wait]
        .into_iter()
        .filter(|c| idx(*c).is_none())
        .map(col_label)
        .collect();
    if !missing.is_empty() {
        return Err(StoreError::invalid(
            "file",
            format!(
                "CSV缺少列：{}。表头可用中文或英文，如：call_id,caller,start,result,wait_seconds,talk_seconds,agent 或 呼叫编号,主叫号码,开始时间,接听状态,等待时长,通话时长,坐席",
                missing.join("、")
            ),
        ));
    }
    let mut summary = ImportSummary::default();
    let mut seen: HashSet<String> = HashSet::new();
    let mut rows = vec![];
    let latest = now + chrono::Duration::hours(1);
    for rec in rdr.records() {
        let rec = match rec {
            Ok(r) => r,
            Err(e) => {
                summary.rows += 1;
                let line = e.position().map(|p| p.line()).unwrap_or(0);
                summary.rejected.push(Rejected {
                    line,
                    reason: format!("无法读取：{e}"),
                });
                continue;
            }
        };
        if rec.iter().all(|f| f.is_empty()) {
            continue;
        }
        summary.rows += 1;
        let line = rec.position().map(|p| p.line()).unwrap_or(0);
        let get = |c: Col| idx(c).and_then(|i| rec.get(i)).unwrap_or("");
        let row = (|| -> std::result::Result<CallRow, String> {
            let call_id = get(Col::CallId);
            if call_id.is_empty() {
                return Err("呼叫编号为空".into());
            }
            if call_id.chars().count() > 100 || call_id.chars().any(char::is_control) {
                return Err("呼叫编号应为不超过100个字符的文本".into());
            }
            let caller = caller_number(get(Col::Caller))?;
            let started_at = start_time(get(Col::Start))?;
            if started_at > latest {
                return Err(format!("开始时间“{}”晚于当前时间", get(Col::Start)));
            }
            let answered = answered(get(Col::Result))?;
            if get(Col::Wait).is_empty() {
                return Err("等待秒数为空".into());
            }
            let wait_seconds = seconds("等待秒数", get(Col::Wait))?;
            let talk_seconds = match get(Col::Talk) {
                "" => 0,
                t => seconds("通话秒数", t)?,
            };
            if !answered && talk_seconds > 0 {
                return Err("放弃的来电通话秒数应为0".into());
            }
            let agent = Some(get(Col::Agent))
                .filter(|a| !a.is_empty())
                .map(|a| a.chars().take(50).collect());
            Ok(CallRow {
                call_id: call_id.to_string(),
                caller,
                started_at,
                answered,
                wait_seconds,
                talk_seconds,
                agent,
            })
        })();
        match row {
            Ok(r) => {
                if seen.insert(r.call_id.clone()) {
                    rows.push(r);
                } else {
                    summary.duplicates += 1;
                }
            }
            Err(reason) => summary.rejected.push(Rejected { line, reason }),
        }
    }
    Ok((rows, summary))
}

/// Rows per insert statement.
const CHUNK: usize = 500;

/// Imports a call log in one transaction: new call ids are inserted, ones already
/// imported are skipped, bad rows are reported with their line. `progress` is told
/// (rows written, rows to write) after each batch.
pub async fn import(
    store: &Store,
    bytes: &[u8],
    actor: &Actor,
    mut progress: impl FnMut(usize, usize),
) -> Result<ImportSummary> {
    let now = time::now();
    let (rows, mut summary) = parse(bytes, now)?;
    let keys = store.keys();
    let imported_at = time::stamp(now);
    let no_cal = Calendar::default();
    let mut tx = store.begin().await?;
    let mut done = 0;
    progress(0, rows.len());
    for chunk in rows.chunks(CHUNK) {
        let sql = crate::bulk::chunk_sql(
            store.backend(),
            "calls",
            INSERT_COLUMNS,
            chunk.len(),
            " ON CONFLICT (call_id) DO NOTHING RETURNING id",
        );
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
        for r in chunk {
            q = q
                .bind(r.call_id.as_str())
                .bind(r.caller.as_deref().map(|p| keys.encrypt(p)))
                .bind(r.caller.as_deref().map(mask_phone))
                .bind(r.caller.as_deref().map(|p| keys.digest("phone", p)))
                .bind(time::stamp(r.started_at))
                .bind(r.answered as i64)
                .bind(r.wait_seconds)
                .bind(r.talk_seconds)
                .bind(r.agent.as_deref())
                .bind(imported_at.as_str());
        }
        let ids: Vec<i64> = q
            .fetch_all(&mut *tx)
            .await?
            .iter()
            .map(|r| r.try_get::<i64, _>(0))
            .collect::<std::result::Result<_, _>>()?;
        let counted = crate::stats::snapshot(&mut tx, &crate::stats::CALLS, &ids, &no_cal).await?;
        crate::stats::track(&mut tx, &crate::stats::CALLS, None, &counted).await?;
        let inserted = ids.len();
        summary.imported += inserted;
        summary.duplicates += chunk.len() - inserted;
        done += chunk.len();
        progress(done, rows.len());
    }
    audit::append(
        &mut tx,
        keys,
        actor,
        "calls.import",
        "calls",
        &imported_at,
        serde_json::json!({
            "rows": summary.rows,
            "imported": summary.imported,
            "duplicates": summary.duplicates,
            "rejected": summary.rejected.len(),
        }),
    )
    .await?;
    tx.commit().await?;
    Ok(summary)
}

/// A call as staff see it (the caller masked).
#[derive(Debug, Clone, Serialize)]
pub struct CallView {
    pub call_id: String,
    pub caller: Option<String>,
    /// UTC, as stored.
    pub started_at: String,
    /// Local time for pages.
    pub started_local: String,
    pub answered: bool,
    pub wait_seconds: i64,
    pub talk_seconds: i64,
    pub agent: Option<String>,
    pub called_back_at: Option<String>,
    pub called_back_by: Option<String>,
}

impl CallView {
    /// The agent as people read it: a switch's seat number as 1012号坐席, a name as
    /// it is.
    pub fn agent_label(&self) -> Option<String> {
        self.agent.as_ref().map(|a| {
            if !a.is_empty() && a.chars().all(|c| c.is_ascii_digit()) {
                format!("{a}号坐席")
            } else {
                a.clone()
            }
        })
    }

    /// When the call was returned, in local time to the minute.
    pub fn called_back_local(&self) -> Option<String> {
        self.called_back_at.as_deref().map(local_text)
    }
}

const COLUMNS: &str = "c.call_id, c.caller_masked, c.started_at, c.answered, c.wait_seconds, c.talk_seconds, c.agent, c.called_back_at, c.called_back_by";

fn view_from(r: &sqlx::any::AnyRow) -> Result<CallView> {
    let started_at: String = r.try_get("started_at")?;
    Ok(CallView {
        call_id: r.try_get("call_id")?,
        caller: r.try_get("caller_masked")?,
        started_local: local_text(&started_at),
        started_at,
        answered: crate::flag(r, "answered")?,
        wait_seconds: r.try_get("wait_seconds")?,
        talk_seconds: r.try_get("talk_seconds")?,
        agent: r.try_get("agent")?,
        called_back_at: r.try_get("called_back_at")?,
        called_back_by: r.try_get("called_back_by")?,
    })
}

fn local_text(stamp: &str) -> String {
    time::parse_stamp(stamp)
        .map(|t| {
            t.with_timezone(&time::china())
                .format("%Y-%m-%d %H:%M:%S")
                .to_string()
        })
        .unwrap_or_else(|| stamp.to_string())
}

fn may_read(p: &Principal) -> Result<()> {
    match p.role {
        Role::HotlineAgent | Role::Supervisor | Role::Admin => Ok(()),
        _ => Err(StoreError::Forbidden(format!(
            "{}无权查看12345话务记录",
            p.role.label()
        ))),
    }
}

/// Whether `p` may import call logs and mark callbacks (agents and supervisors).
pub fn may_work(p: &Principal) -> Result<()> {
    match p.role {
        Role::HotlineAgent | Role::Supervisor => Ok(()),
        _ => Err(StoreError::Forbidden(format!(
            "{}不能导入话务记录或登记回拨",
            p.role.label()
        ))),
    }
}

/// The most recent calls, newest first, with the total.
pub async fn recent(store: &Store, p: &Principal, limit: i64) -> Result<(Vec<CallView>, i64)> {
    may_read(p)?;
    let mut c = store.reader().await?;
    let total = crate::count(&mut c, "calls").await?;
    let sql = format!(
        "SELECT {COLUMNS} FROM calls c ORDER BY c.started_at DESC, c.id DESC LIMIT {}",
        limit.clamp(1, 500)
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .fetch_all(&mut *c)
        .await?;
    Ok((rows.iter().map(view_from).collect::<Result<_>>()?, total))
}

/// Abandoned calls to call back (漏话待回拨): not yet called back, and from a number
/// that has had no answered call and no work order since. Oldest first.
pub async fn missed(store: &Store, p: &Principal, limit: i64) -> Result<Vec<CallView>> {
    may_read(p)?;
    let mut c = store.reader().await?;
    let sql = format!(
        "SELECT {COLUMNS} FROM calls c WHERE c.answered = 0 AND c.called_back_at IS NULL AND c.caller_digest IS NOT NULL \
         AND NOT EXISTS (SELECT 1 FROM calls l WHERE l.caller_digest = c.caller_digest AND l.answered = 1 AND l.started_at > c.started_at) \
         AND NOT EXISTS (SELECT 1 FROM work_orders o WHERE o.phone_digest = c.caller_digest AND o.created_at > c.started_at) \
         ORDER BY c.started_at, c.id LIMIT {}",
        limit.clamp(1, 1000)
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .fetch_all(&mut *c)
        .await?;
    rows.iter().map(view_from).collect()
}

/// Records that the center called a missed caller back (已回拨): the call and the
/// same number's earlier abandoned calls still waiting leave the list.
pub async fn callback(
    store: &Store,
    p: &Principal,
    call_id: &str,
    note: Option<&str>,
) -> Result<usize> {
    may_work(p)?;
    let note = note.map(str::trim).filter(|n| !n.is_empty());
    if note.is_some_and(|n| n.chars().count() > 500) {
        return Err(StoreError::invalid("note", "回拨说明不能超过500个字"));
    }
    let mut tx = store.begin().await?;
    let row = sqlx::query(
        "SELECT id, caller_digest, started_at, answered, called_back_at FROM calls WHERE call_id = $1",
    )
    .bind(call_id)
    .fetch_optional(&mut *tx)
    .await?
    .ok_or_else(|| StoreError::not_found(format!("来电“{call_id}”不存在")))?;
    let id: i64 = row.try_get("id")?;
    let digest: Option<String> = row.try_get("caller_digest")?;
    let started_at: String = row.try_get("started_at")?;
    if crate::flag(&row, "answered")? {
        return Err(StoreError::Conflict {
            field: "call_id",
            message: "该来电已接通，无需回拨".into(),
        });
    }
    if row
        .try_get::<Option<String>, _>("called_back_at")?
        .is_some()
    {
        return Err(StoreError::Conflict {
            field: "call_id",
            message: "该来电已登记回拨".into(),
        });
    }
    let by = match note {
        Some(n) => format!("{}：{n}", p.display_name),
        None => p.display_name.clone(),
    };
    // The calls this marks, locked on PostgreSQL so the figures move once.
    let lock = if store.backend() == Backend::Postgres {
        " FOR UPDATE"
    } else {
        ""
    };
    let ids: Vec<i64> = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
        "SELECT id FROM calls WHERE answered = 0 AND called_back_at IS NULL \
         AND (id = $1 OR (caller_digest = $2 AND started_at <= $3)){lock}"
    )))
    .bind(id)
    .bind(digest.as_deref().unwrap_or("-"))
    .bind(&started_at)
    .fetch_all(&mut *tx)
    .await?;
    if ids.is_empty() {
        // Marked by someone else in the meantime.
        return Err(StoreError::Conflict {
            field: "call_id",
            message: "该来电已登记回拨".into(),
        });
    }
    let no_cal = Calendar::default();
    let before = crate::stats::snapshot(&mut tx, &crate::stats::CALLS, &ids, &no_cal).await?;
    let mut n = 0;
    for chunk in ids.chunks(500) {
        let list = chunk
            .iter()
            .map(i64::to_string)
            .collect::<Vec<_>>()
            .join(",");
        n += sqlx::query(sqlx::AssertSqlSafe(format!(
            "UPDATE calls SET called_back_at = $1, called_back_by = $2 WHERE id IN ({list})"
        )))
        .bind(time::stamp(time::now()))
        .bind(&by)
        .execute(&mut *tx)
        .await?
        .rows_affected() as usize;
    }
    let after = crate::stats::snapshot(&mut tx, &crate::stats::CALLS, &ids, &no_cal).await?;
    crate::stats::track(&mut tx, &crate::stats::CALLS, Some(&before), &after).await?;
    audit::append(
        &mut tx,
        store.keys(),
        &p.actor(),
        "call.callback",
        "call",
        call_id,
        serde_json::json!({ "calls": n, "note": note }),
    )
    .await?;
    tx.commit().await?;
    Ok(n)
}

/// A call as exported for outside analysis (the caller masked).
#[derive(Debug, Clone, Serialize)]
pub struct CallExport {
    pub call_id: String,
    pub caller: Option<String>,
    pub started_at: String,
    pub answered: bool,
    pub wait_seconds: i64,
    pub talk_seconds: i64,
    pub agent: Option<String>,
    pub called_back_at: Option<String>,
}

/// Every call in start order, handed to `f` one by one.
pub async fn export(
    store: &Store,
    mut f: impl FnMut(CallExport) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    let mut c = store.reader().await?;
    let mut last = 0i64;
    loop {
        let rows = sqlx::query(
            "SELECT c.id, c.call_id, c.caller_masked, c.started_at, c.answered, c.wait_seconds, c.talk_seconds, c.agent, \
             c.called_back_at FROM calls c WHERE c.id > $1 ORDER BY c.id LIMIT 5000",
        )
        .bind(last)
        .fetch_all(&mut *c)
        .await?;
        if rows.is_empty() {
            return Ok(());
        }
        for r in &rows {
            last = r.try_get("id")?;
            f(CallExport {
                call_id: r.try_get("call_id")?,
                caller: r.try_get("caller_masked")?,
                started_at: r.try_get("started_at")?,
                answered: crate::flag(r, "answered")?,
                wait_seconds: r.try_get("wait_seconds")?,
                talk_seconds: r.try_get("talk_seconds")?,
                agent: r.try_get("agent")?,
                called_back_at: r.try_get("called_back_at")?,
            })?;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_chinese_and_english_headers() {
        let now = time::now();
        let csv = "呼叫编号,主叫号码,开始时间,接听状态,等待时长(秒),通话时长（秒）,坐席\n\
                   A1,+86 138 1234 5678,2026-03-01 09:15:00,已接听,8,120,1001\n\
                   A2,013812345678,2026-03-01T01:20:00Z,放弃,40,0,\n\
                   A1,13812345678,2026-03-01 09:15:00,接通,8,120,1001\n\
                   A3,abc,2026-03-01 09:15:00,接通,8,120,1001\n\
                   A4,051212345678,2026-03-01 25:00:00,接通,8,120,1001\n";
        let (rows, s) = parse(csv.as_bytes(), now).unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].caller.as_deref(), Some("13812345678"));
        assert_eq!(rows[1].caller.as_deref(), Some("13812345678"));
        assert_eq!(time::stamp(rows[0].started_at), "2026-03-01T01:15:00.000Z");
        assert!(!rows[1].answered);
        assert_eq!(s.duplicates, 1);
        assert_eq!(s.rejected.len(), 2);
        assert_eq!(s.rejected[0].line, 5);
        assert!(s.rejected[1].reason.contains("开始时间"));
        let e = parse(b"id,caller\n1,2\n", now).unwrap_err();
        assert!(e.to_string().contains("开始时间"), "{e}");
        assert_eq!(seconds("x", "01:05").unwrap(), 65);
    }
}
