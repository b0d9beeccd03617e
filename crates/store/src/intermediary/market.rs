//! The 中介超市: a project owner (a signed-in enterprise, or the office's staff on its
//! behalf) publishes a service request; registered agencies qualified for the
//! service quote until the deadline; then the owner selects by the request's rule —
//! the lowest quote, a random draw (its seed and candidates written to the audit
//! chain, so anyone can redo it), or direct choice for small budgets — the agency
//! delivers, the owner rates the work (quality, timeliness, attitude, fees), and the
//! rating moves the agency's credit score. Selections and ratings are counted in
//! their transaction (`stats::INTERMEDIARY`).

use super::agencies::{self, agency_id};
use crate::audit::{self, Actor};
use crate::enterprise::EnterpriseSession;
use crate::org::Principal;
use crate::{Result, Store, StoreError, stats, time};
use chrono::NaiveDate;
use serde::Serialize;
use serde_json::json;
use sqlx::{AnyConnection, Row};
use tongban_domain::intermediary::{
    Rating, RatingInput, Request, RequestInput, Rule, check_quote, service_name,
};
use tongban_domain::public::mask_text;

/// Who acts in the market.
pub enum Party<'a> {
    /// The office's staff (督查人员, administrators): every request.
    Staff(&'a Principal),
    /// A signed-in enterprise: an owner's own requests, an agency's quotes.
    Enterprise(&'a EnterpriseSession),
    /// The public: requests with their content masked, no quotes' notes.
    Public,
}

/// A quote as shown.
#[derive(Debug, Clone, Serialize)]
pub struct QuoteView {
    pub agency_code: String,
    pub agency_name: String,
    pub amount_fen: i64,
    pub amount_yuan: f64,
    pub days: i64,
    pub note: String,
    pub quoted_at: String,
    pub selected: bool,
}

/// A random draw as recorded: redo it with [`draw_index`].
#[derive(Debug, Clone, Serialize, serde::Deserialize)]
pub struct Draw {
    pub seed: String,
    /// The quoting agencies' codes in the order they quoted.
    pub candidates: Vec<String>,
    pub chosen: String,
}

/// A service request as shown.
#[derive(Debug, Clone, Serialize)]
pub struct RequestView {
    pub no: String,
    pub owner_code: String,
    pub owner_name: String,
    pub project: Option<String>,
    pub service: String,
    pub service_name: String,
    pub title: String,
    pub content: String,
    pub budget_fen: i64,
    pub budget_yuan: f64,
    pub rule: String,
    pub rule_label: &'static str,
    pub reason: Option<String>,
    pub deadline: String,
    pub published_on: String,
    /// How many quoted: told once quoting has closed.
    pub quotes_count: Option<i64>,
    /// The quotes: sealed while quoting (an agency sees its own); then for the owner
    /// and the office; after the selection for all.
    pub quotes: Vec<QuoteView>,
    pub selected_agency: Option<String>,
    pub selected_agency_name: Option<String>,
    pub selected_fen: Option<i64>,
    pub selected_on: Option<String>,
    /// For a random draw, SM3 of its seed, published with the request so the seed
    /// cannot be chosen once the candidates are known.
    pub draw_commitment: Option<String>,
    /// The random draw: its seed, candidates and the chosen one.
    pub draw: Option<Draw>,
    pub delivered_on: Option<String>,
    pub delivery_note: Option<String>,
    pub rated_on: Option<String>,
    pub quality: Option<i64>,
    pub timeliness: Option<i64>,
    pub attitude: Option<i64>,
    pub fees: Option<i64>,
    pub rating_note: Option<String>,
    pub cancelled_on: Option<String>,
    /// `quoting`, `selecting`, `serving`, `delivered`, `rated`, `cancelled`.
    pub status: &'static str,
    pub status_label: &'static str,
    /// Published by the owner itself (not by the office on its behalf): only then
    /// does the owner act on it on the web.
    #[serde(skip)]
    pub by_owner: bool,
}

impl RequestView {
    /// How many quoted, as shown: told once quoting has closed.
    pub fn quotes_told(&self) -> String {
        self.quotes_count
            .map_or_else(|| "报价截止后公布".into(), |n| n.to_string())
    }

    pub fn selected_yuan(&self) -> String {
        self.selected_fen.map_or_else(
            || "—".into(),
            |f| format!("{:.2}", tongban_domain::trading::yuan(f)),
        )
    }
}

const COLUMNS: &str = "r.id, r.request_no, r.owner_code, r.owner_name, p.code AS project, r.service, r.title, r.content, \
     r.budget_fen, r.rule, r.reason, r.deadline, r.published_on, r.selected_on, r.draw, r.delivered_on, r.delivery_note, \
     r.rated_on, r.quality, r.timeliness, r.attitude, r.fees, r.rating_note, r.cancelled_on, r.published_by, \
     r.draw_commitment, \
     a.credit_code AS sel_code, a.name AS sel_name, q.amount_fen AS sel_fen, \
     (SELECT CAST(COUNT(*) AS BIGINT) FROM service_quotes x WHERE x.request_id = r.id) AS quotes_count";
const FROM: &str = " FROM service_requests r LEFT JOIN projects p ON p.id = r.project_id \
     LEFT JOIN service_quotes q ON q.id = r.selected_quote_id LEFT JOIN agencies a ON a.id = q.agency_id";

fn view_from(r: &sqlx::any::AnyRow, today: NaiveDate, public: bool) -> Result<RequestView> {
    let rule: String = r.try_get("rule")?;
    let deadline: String = r.try_get("deadline")?;
    let selected_on: Option<String> = r.try_get("selected_on")?;
    let delivered_on: Option<String> = r.try_get("delivered_on")?;
    let rated_on: Option<String> = r.try_get("rated_on")?;
    let cancelled_on: Option<String> = r.try_get("cancelled_on")?;
    let (status, status_label) = if cancelled_on.is_some() {
        ("cancelled", "已撤销")
    } else if rated_on.is_some() {
        ("rated", "已评价")
    } else if delivered_on.is_some() {
        ("delivered", "已交付")
    } else if selected_on.is_some() {
        ("serving", "服务中")
    } else if deadline >= time::day(today) {
        ("quoting", "报价中")
    } else {
        ("selecting", "待选取")
    };
    let budget_fen: i64 = r.try_get("budget_fen")?;
    let service: String = r.try_get("service")?;
    let text = |s: String| if public { mask_text(&s) } else { s };
    Ok(RequestView {
        no: r.try_get("request_no")?,
        owner_code: r.try_get("owner_code")?,
        owner_name: r.try_get("owner_name")?,
        project: r.try_get("project")?,
        service_name: service_name(&service).to_string(),
        service,
        title: text(r.try_get("title")?),
        content: text(r.try_get("content")?),
        budget_fen,
        budget_yuan: tongban_domain::trading::yuan(budget_fen),
        rule_label: Rule::parse(&rule).map_or("", Rule::label),
        rule,
        reason: r.try_get::<Option<String>, _>("reason")?.map(text),
        deadline,
        published_on: r.try_get("published_on")?,
        quotes_count: (status != "quoting")
            .then(|| r.try_get("quotes_count"))
            .transpose()?,
        quotes: vec![],
        selected_agency: r.try_get("sel_code")?,
        selected_agency_name: r.try_get("sel_name")?,
        selected_fen: r.try_get("sel_fen")?,
        selected_on,
        draw_commitment: r.try_get("draw_commitment")?,
        draw: r
            .try_get::<Option<String>, _>("draw")?
            .and_then(|d| serde_json::from_str(&d).ok()),
        delivered_on,
        delivery_note: r.try_get::<Option<String>, _>("delivery_note")?.map(text),
        rated_on,
        quality: r.try_get("quality")?,
        timeliness: r.try_get("timeliness")?,
        attitude: r.try_get("attitude")?,
        fees: r.try_get("fees")?,
        rating_note: r.try_get::<Option<String>, _>("rating_note")?.map(text),
        by_owner: r.try_get::<String, _>("published_by")?
            == format!("enterprise:{}", r.try_get::<String, _>("owner_code")?),
        cancelled_on,
        status,
        status_label,
    })
}

/// Which requests a list shows.
#[derive(Debug, Clone, Default)]
pub struct RequestQuery {
    /// `quoting` (open for quotes), or all.
    pub open_only: bool,
    pub service: Option<String>,
    /// Before this request number's row (keyset), newest first.
    pub before: Option<i64>,
}

/// A page of requests (newest first, 50), with the cursor of the next.
pub async fn requests(
    store: &Store,
    party: &Party<'_>,
    f: &RequestQuery,
) -> Result<(Vec<RequestView>, Option<i64>)> {
    let today = time::local_day(time::now());
    let mut sql = format!("SELECT {COLUMNS}{FROM} WHERE 1 = 1");
    let mut binds: Vec<String> = vec![];
    let mut mark = |sql: &mut String, cond: &str, v: String| {
        binds.push(v);
        sql.push_str(&cond.replace('?', &format!("${}", binds.len())));
    };
    match party {
        Party::Enterprise(e) => mark(
            &mut sql,
            " AND (r.owner_code = ? OR r.cancelled_on IS NULL)",
            e.credit_code.clone(),
        ),
        Party::Public => sql.push_str(" AND r.cancelled_on IS NULL"),
        Party::Staff(p) => agencies::registrar(p, "查看中介服务需求")?,
    }
    if f.open_only {
        sql.push_str(" AND r.selected_on IS NULL AND r.cancelled_on IS NULL");
        mark(&mut sql, " AND r.deadline >= ?", time::day(today));
    }
    if let Some(s) = &f.service {
        mark(&mut sql, " AND r.service = ?", s.clone());
    }
    let mut q_before = None;
    if let Some(b) = f.before {
        q_before = Some(b);
        sql.push_str(&format!(" AND r.id < ${}", binds.len() + 1));
    }
    sql.push_str(" ORDER BY r.id DESC LIMIT 51");
    let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
    for b in binds {
        q = q.bind(b);
    }
    if let Some(b) = q_before {
        q = q.bind(b);
    }
    let rows = q.fetch_all(&mut *store.reader().await?).await?;
    let mut out = vec![];
    let mut next = None;
    for (i, r) in rows.iter().enumerate() {
        if i == 50 {
            next = Some(rows[49].try_get::<i64, _>("id")?);
            break;
        }
        // Only the owner and the office read a request unmasked.
        let masked = match party {
            Party::Staff(_) => false,
            Party::Enterprise(e) => r.try_get::<String, _>("owner_code")? != e.credit_code,
            Party::Public => true,
        };
        out.push(view_from(r, today, masked)?);
    }
    Ok((out, next))
}

/// The requests an enterprise published (owner).
pub async fn owned(store: &Store, e: &EnterpriseSession) -> Result<Vec<RequestView>> {
    let today = time::local_day(time::now());
    let sql =
        format!("SELECT {COLUMNS}{FROM} WHERE r.owner_code = $1 ORDER BY r.id DESC LIMIT 200");
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(&e.credit_code)
        .fetch_all(&mut *store.reader().await?)
        .await?;
    rows.iter().map(|r| view_from(r, today, false)).collect()
}

/// The requests an agency quoted for, not withdrawn (newest first), masked as the
/// public reads them.
pub async fn quoted(store: &Store, e: &EnterpriseSession) -> Result<Vec<RequestView>> {
    let today = time::local_day(time::now());
    let sql = format!(
        "SELECT {COLUMNS}{FROM} WHERE r.id IN (SELECT x.request_id FROM service_quotes x JOIN agencies g ON g.id = x.agency_id \
         WHERE g.credit_code = $1) AND r.cancelled_on IS NULL ORDER BY r.id DESC LIMIT 200"
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(&e.credit_code)
        .fetch_all(&mut *store.reader().await?)
        .await?;
    rows.iter()
        .map(|r| {
            let mine = r.try_get::<Option<String>, _>("sel_code")?.as_deref()
                == Some(e.credit_code.as_str());
            view_from(r, today, !mine)
        })
        .collect()
}

/// Every quote of a request, lowest first, unmasked (for the selection and views).
async fn all_quotes(conn: &mut AnyConnection, id: i64) -> Result<Vec<QuoteView>> {
    let rows = sqlx::query(
        "SELECT g.credit_code, g.name, x.amount_fen, x.days, x.note, x.quoted_at, \
         CASE WHEN r.selected_quote_id = x.id THEN 1 ELSE 0 END AS chosen FROM service_quotes x \
         JOIN agencies g ON g.id = x.agency_id JOIN service_requests r ON r.id = x.request_id \
         WHERE x.request_id = $1 ORDER BY x.amount_fen, x.id",
    )
    .bind(id)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|q| {
            let amount: i64 = q.try_get(2)?;
            Ok(QuoteView {
                agency_code: q.try_get(0)?,
                agency_name: q.try_get(1)?,
                amount_fen: amount,
                amount_yuan: tongban_domain::trading::yuan(amount),
                days: q.try_get(3)?,
                note: q.try_get(4)?,
                quoted_at: q.try_get(5)?,
                selected: q.try_get::<i64, _>(6)? == 1,
            })
        })
        .collect()
}

/// One request as the party may see it, with its row id: unmasked for its owner,
/// the office and the selected agency; its quotes as [`RequestView::quotes`] says.
async fn find(conn: &mut AnyConnection, party: &Party<'_>, no: &str) -> Result<(i64, RequestView)> {
    let today = time::local_day(time::now());
    let sql = format!("SELECT {COLUMNS}{FROM} WHERE r.request_no = $1");
    let r = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(no.trim())
        .fetch_optional(&mut *conn)
        .await?
        .ok_or_else(|| StoreError::not_found(format!("服务需求“{}”不存在", no.trim())))?;
    let owner_code: String = r.try_get("owner_code")?;
    let selected: Option<String> = r.try_get("sel_code")?;
    let (office, owner, me) = match party {
        Party::Staff(p) => {
            agencies::registrar(p, "查看中介服务需求")?;
            (true, false, None)
        }
        Party::Enterprise(e) => (
            false,
            e.credit_code == owner_code,
            Some(e.credit_code.as_str()),
        ),
        Party::Public => (false, false, None),
    };
    let unmasked = office || owner || (me.is_some() && me == selected.as_deref());
    let mut v = view_from(&r, today, !unmasked)?;
    let id: i64 = r.try_get("id")?;
    if v.status == "cancelled" && !(office || owner) {
        return Err(StoreError::not_found(format!(
            "服务需求“{}”不存在",
            no.trim()
        )));
    }
    let open = v.status == "quoting";
    for mut q in all_quotes(conn, id).await? {
        let mine = me == Some(q.agency_code.as_str());
        // Sealed while quoting but to the quoting agency; then for the owner and the
        // office; after the selection for all.
        if !(mine || v.selected_on.is_some() || ((office || owner) && !open)) {
            continue;
        }
        if !unmasked && !mine {
            q.note = mask_text(&q.note);
        }
        v.quotes.push(q);
    }
    Ok((id, v))
}

/// One request as the party may see it.
pub async fn request(store: &Store, party: &Party<'_>, no: &str) -> Result<RequestView> {
    Ok(find(&mut *store.reader().await?, party, no).await?.1)
}

/// Publishes a request for a signed-in owner.
pub async fn publish(
    store: &Store,
    e: &EnterpriseSession,
    input: &RequestInput,
) -> Result<RequestView> {
    let today = time::local_day(time::now());
    let r = input.check(today).map_err(StoreError::from)?;
    let who = (e.credit_code.as_str(), e.enterprise_name.as_str());
    let no = keep_request(store, &e.actor(), who, &r, today, None).await?;
    request(store, &Party::Enterprise(e), &no).await
}

/// Publishes a request on an owner's behalf (the office's staff).
pub async fn publish_for(
    store: &Store,
    p: &Principal,
    owner_code: &str,
    owner_name: &str,
    input: &RequestInput,
) -> Result<RequestView> {
    agencies::registrar(p, "代项目业主发布中介服务需求")?;
    let today = time::local_day(time::now());
    let mut f = tongban_domain::Faults::default();
    let code = f.take(
        tongban_domain::codes::CreditCode::parse(owner_code).map_err(|e| {
            tongban_domain::Invalid::new("owner_code", format!("项目业主统一社会信用代码：{e}"))
        }),
    );
    let name = f.take(tongban_domain::required_text(
        "owner_name",
        "项目业主名称",
        owner_name,
        100,
    ));
    let r = match input.check(today) {
        Ok(r) => Some(r),
        Err(all) => {
            for i in all {
                f.push(i);
            }
            None
        }
    };
    let (code, name, r) = match (code, name, r) {
        (Some(a), Some(b), Some(c)) if f.is_empty() => (a, b, c),
        _ => return Err(f.finish::<()>(None).unwrap_err().into()),
    };
    let no = keep_request(store, &p.actor(), (code.as_str(), &name), &r, today, None).await?;
    request(store, &Party::Staff(p), &no).await
}

/// A fresh seed for a random draw: 128 bits from the system's strong source, in hex.
fn fresh_seed() -> Result<String> {
    let mut b = [0u8; 16];
    getrandom::fill(&mut b).map_err(|e| StoreError::Other(anyhow::anyhow!("random: {e}")))?;
    Ok(hex::encode(b))
}

/// Keeps a checked request published on `on` with its audit entry; returns its number.
/// A random draw's seed (`seed`, or a fresh one) is fixed now and its SM3 published
/// with the request and in the audit chain.
pub async fn keep_request(
    store: &Store,
    actor: &Actor,
    (owner_code, owner_name): (&str, &str),
    r: &Request,
    on: NaiveDate,
    seed: Option<String>,
) -> Result<String> {
    let seed = match (r.rule, seed) {
        (Rule::Random, Some(s)) => Some(s),
        (Rule::Random, None) => Some(fresh_seed()?),
        _ => None,
    };
    let commitment = seed
        .as_deref()
        .map(|s| crate::protect::sm3_hex(s.as_bytes()));
    let mut tx = store.begin().await?;
    let project: Option<i64> = match &r.project {
        None => None,
        Some(code) => {
            let row = sqlx::query("SELECT id, owner_credit_code FROM projects WHERE code = $1")
                .bind(code.as_str())
                .fetch_optional(&mut *tx)
                .await?
                .ok_or_else(|| {
                    StoreError::invalid("project", format!("工程建设项目“{code}”不存在"))
                })?;
            let owner: String = row.try_get(1)?;
            if owner != owner_code {
                return Err(StoreError::invalid(
                    "project",
                    format!("工程建设项目“{code}”的项目业主不是本企业"),
                ));
            }
            Some(row.try_get(0)?)
        }
    };
    let n = crate::org::next_counter(&mut tx, &format!("intermediary:{}", on.format("%Y"))).await?;
    let no = format!("ZJ{}-{n:05}", on.format("%Y"));
    sqlx::query(
        "INSERT INTO service_requests (request_no, owner_code, owner_name, project_id, service, title, content, budget_fen, \
         rule, reason, deadline, published_on, published_by, draw_seed, draw_commitment) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)",
    )
    .bind(&no)
    .bind(owner_code)
    .bind(owner_name)
    .bind(project)
    .bind(r.service.code())
    .bind(&r.title)
    .bind(&r.content)
    .bind(r.budget_fen)
    .bind(r.rule.as_str())
    .bind(r.reason.as_deref())
    .bind(time::day(r.deadline))
    .bind(time::day(on))
    .bind(&actor.name)
    .bind(seed.as_deref())
    .bind(commitment.as_deref())
    .execute(&mut *tx)
    .await?;
    audit::append(
        &mut tx,
        store.keys(),
        actor,
        "intermediary.request.publish",
        "service_request",
        &no,
        json!({ "owner": owner_code, "service": r.service.code(), "budget_fen": r.budget_fen, "rule": r.rule.as_str(),
                "deadline": time::day(r.deadline), "draw_commitment": commitment }),
    )
    .await?;
    tx.commit().await?;
    Ok(no)
}

/// A registered agency's quote on an open request (signed in as the agency).
pub async fn quote(
    store: &Store,
    e: &EnterpriseSession,
    no: &str,
    amount: &str,
    days: &str,
    note: &str,
) -> Result<RequestView> {
    let today = time::local_day(time::now());
    keep_quote(
        store,
        &e.actor(),
        &e.credit_code,
        no,
        amount,
        days,
        note,
        today,
    )
    .await?;
    request(store, &Party::Enterprise(e), no).await
}

/// Keeps a quote made on `on` by the agency `code`, after every check of the market's
/// rules, with its audit entry.
#[allow(clippy::too_many_arguments)]
pub async fn keep_quote(
    store: &Store,
    actor: &Actor,
    code: &str,
    no: &str,
    amount: &str,
    days: &str,
    note: &str,
    on: NaiveDate,
) -> Result<()> {
    let mut tx = store.begin().await?;
    // The request's row locked on PostgreSQL (SQLite has one writer), so no quote
    // lands beside a selection or a withdrawal.
    if store.backend() == crate::Backend::Postgres {
        sqlx::query("SELECT id FROM service_requests WHERE request_no = $1 FOR UPDATE")
            .bind(no.trim())
            .execute(&mut *tx)
            .await?;
    }
    let ag = agencies::one(store, &mut tx, code, false)
        .await
        .map_err(|e| match e {
            StoreError::NotFound(_) => StoreError::Forbidden(
                "本企业未入驻中介超市，不能报价（请向政务服务管理办公室申请入驻）".into(),
            ),
            other => other,
        })?;
    let (id, v) = find(&mut tx, &Party::Public, no).await?;
    if v.owner_code == ag.credit_code {
        return Err(StoreError::Forbidden(
            "项目业主不能为自己的服务需求报价".into(),
        ));
    }
    let closed = if v.cancelled_on.is_some() || v.selected_on.is_some() {
        Some(v.status_label)
    } else if v.deadline < time::day(on) {
        Some("报价已截止")
    } else {
        None
    };
    if let Some(why) = closed {
        return Err(StoreError::Conflict {
            field: "amount",
            message: format!("该服务需求{why}，不再接受报价"),
        });
    }
    if let Some(why) = agencies::ineligible(&ag, &v.service_name) {
        return Err(StoreError::Forbidden(format!("本机构{why}，不能报价")));
    }
    let (fen, days, note) =
        check_quote(amount, days, note, v.budget_fen).map_err(StoreError::from)?;
    let agency = agency_id(&mut tx, code).await?;
    let done = sqlx::query(
        "INSERT INTO service_quotes (request_id, agency_id, amount_fen, days, note, quoted_at) VALUES ($1, $2, $3, $4, $5, $6) \
         ON CONFLICT (request_id, agency_id) DO NOTHING",
    )
    .bind(id)
    .bind(agency)
    .bind(fen)
    .bind(days)
    .bind(&note)
    .bind(time::stamp(time::now()))
    .execute(&mut *tx)
    .await?;
    if done.rows_affected() != 1 {
        return Err(StoreError::Conflict {
            field: "amount",
            message: "本机构已对该服务需求报价，每家机构只能报价一次".into(),
        });
    }
    audit::append(
        &mut tx,
        store.keys(),
        actor,
        "intermediary.quote",
        "service_request",
        &v.no,
        json!({ "agency": ag.credit_code, "amount_fen": fen, "days": days }),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Whether `party` acts for the owner of `v` (the owner itself, or the office's staff).
/// On the web the owner acts on the requests it published itself; those the office
/// published on its behalf the office acts on (so no one who signs in first for an
/// enterprise takes over what the office started for it).
fn owner_side(party: &Party<'_>, v: &RequestView, what: &str) -> Result<Actor> {
    match party {
        Party::Enterprise(e) if e.credit_code == v.owner_code && v.by_owner => Ok(e.actor()),
        Party::Enterprise(e) if e.credit_code == v.owner_code => Err(StoreError::Forbidden(
            format!("该服务需求由政务服务管理办公室代为发布，请联系其{what}"),
        )),
        Party::Staff(p) if !v.by_owner => {
            agencies::registrar(p, what)?;
            Ok(p.actor())
        }
        Party::Staff(_) => Err(StoreError::Forbidden(format!(
            "该服务需求由项目业主自行发布，应由其登录中介超市{what}"
        ))),
        _ => Err(StoreError::Forbidden(format!("只有项目业主可以{what}"))),
    }
}

/// Runs a change of one request in one transaction, its counters moved and its audit
/// entry written.
async fn change<F>(
    store: &Store,
    id: i64,
    actor: &Actor,
    action: &str,
    no: &str,
    detail: serde_json::Value,
    f: F,
) -> Result<()>
where
    F: for<'c> FnOnce(&'c mut AnyConnection) -> crate::BoxFuture<'c, Result<()>>,
{
    let what = (action, "service_request", no);
    crate::counted_change(
        store,
        &stats::INTERMEDIARY,
        "service_requests",
        id,
        actor,
        what,
        detail,
        f,
    )
    .await
}

/// The index a draw picks among `n` candidates: the first eight bytes of
/// SM3(`seed` `|` the candidates' codes joined by `,`), big-endian, modulo `n`.
pub fn draw_index(seed: &str, candidates: &[String], n: usize) -> usize {
    use sm3::{Digest, Sm3};
    let mut h = Sm3::new();
    h.update(seed.as_bytes());
    h.update(b"|");
    h.update(candidates.join(",").as_bytes());
    let d = h.finalize();
    let mut b = [0u8; 8];
    b.copy_from_slice(&d[..8]);
    (u64::from_be_bytes(b) % n.max(1) as u64) as usize
}

/// Selects the agency once quoting closed, by the request's rule: the lowest quote
/// (the earliest of equal ones), a random draw, or — direct choice — the agency the
/// owner names among those that quoted.
pub async fn select(
    store: &Store,
    party: &Party<'_>,
    no: &str,
    chosen: &str,
) -> Result<RequestView> {
    select_on(store, party, no, chosen, time::local_day(time::now())).await?;
    request(store, party, no).await
}

/// Selects on `on`; `seed` fixes a random draw's seed (the demo's), otherwise fresh.
pub async fn select_on(
    store: &Store,
    party: &Party<'_>,
    no: &str,
    chosen: &str,
    on: NaiveDate,
) -> Result<()> {
    let mut rd = store.reader().await?;
    let (id, v) = find(&mut rd, party, no).await?;
    let actor = owner_side(party, &v, "选取中介机构")?;
    if v.selected_on.is_some() || v.cancelled_on.is_some() {
        return Err(StoreError::Conflict {
            field: "agency",
            message: format!("该服务需求{}，不能再选取", v.status_label),
        });
    }
    if v.deadline >= time::day(on) {
        return Err(StoreError::Conflict {
            field: "agency",
            message: format!("报价截止日期（{}）之后才能选取中介机构", v.deadline),
        });
    }
    // Quotes in the order they came, of the agencies still eligible today (not since
    // suspended, penalised below the line or out of qualification).
    let mut quotes = vec![];
    let mut excluded = vec![];
    for q in all_quotes(&mut rd, id).await? {
        let ag = agencies::one(store, &mut rd, &q.agency_code, false).await?;
        match agencies::ineligible(&ag, &v.service_name) {
            None => quotes.push(q),
            Some(why) => excluded.push(json!({ "agency": q.agency_code, "reason": why })),
        }
    }
    let seed: Option<String> =
        sqlx::query_scalar("SELECT draw_seed FROM service_requests WHERE id = $1")
            .bind(id)
            .fetch_one(&mut *rd)
            .await?;
    drop(rd);
    quotes.sort_by(|a, b| {
        a.quoted_at
            .cmp(&b.quoted_at)
            .then(a.agency_code.cmp(&b.agency_code))
    });
    if quotes.is_empty() {
        return Err(StoreError::Conflict {
            field: "agency",
            message: if excluded.is_empty() {
                "没有中介机构报价，不能选取；可撤销后重新发布".into()
            } else {
                "报价的中介机构均已不再符合承接条件，不能选取；可撤销后重新发布".into()
            },
        });
    }
    let rule = Rule::parse(&v.rule).map_err(StoreError::from)?;
    let candidates: Vec<String> = quotes.iter().map(|q| q.agency_code.clone()).collect();
    let (pick, draw) = match rule {
        Rule::Lowest => {
            let best = quotes
                .iter()
                .enumerate()
                .min_by_key(|(i, q)| (q.amount_fen, *i))
                .map_or(0, |(i, _)| i);
            (best, None)
        }
        Rule::Random => {
            // The seed fixed at publication (a request from before has none: fresh).
            let seed = match seed {
                Some(s) => s,
                None => fresh_seed()?,
            };
            let i = draw_index(&seed, &candidates, candidates.len());
            let d = Draw {
                seed,
                candidates: candidates.clone(),
                chosen: candidates[i].clone(),
            };
            (i, Some(d))
        }
        Rule::Direct => {
            let c = chosen.trim().to_uppercase();
            match quotes.iter().position(|q| q.agency_code == c) {
                Some(i) => (i, None),
                None => {
                    return Err(StoreError::invalid(
                        "agency",
                        if c.is_empty() {
                            "直接选取须选择一家已报价的中介机构".to_string()
                        } else {
                            format!("中介机构“{c}”未对该服务需求报价")
                        },
                    ));
                }
            }
        }
    };
    let agency = candidates[pick].clone();
    let detail = json!({ "rule": rule.as_str(), "agency": agency, "amount_fen": quotes[pick].amount_fen, "draw": draw,
                         "excluded": excluded,
                         "method": draw.as_ref().map(|_| "SM3(seed|candidates joined by ',')[0..8] big-endian mod n") });
    let draw_text = draw
        .as_ref()
        .map(serde_json::to_string)
        .transpose()
        .map_err(|e| StoreError::Other(e.into()))?;
    change(store, id, &actor, "intermediary.select", &v.no, detail, |tx| {
        let day = time::day(on);
        Box::pin(async move {
            let done = sqlx::query(
                "UPDATE service_requests SET selected_quote_id = (SELECT x.id FROM service_quotes x JOIN agencies g \
                 ON g.id = x.agency_id WHERE x.request_id = $1 AND g.credit_code = $2), selected_on = $3, draw = $4 \
                 WHERE id = $1 AND selected_on IS NULL AND cancelled_on IS NULL",
            )
            .bind(id)
            .bind(agency)
            .bind(day)
            .bind(draw_text)
            .execute(&mut *tx)
            .await?;
            if done.rows_affected() != 1 {
                return Err(StoreError::Conflict {
                    field: "agency",
                    message: "该服务需求已选取中介机构".into(),
                });
            }
            Ok(())
        })
    })
    .await
}

/// The selected agency delivers its work (signed in as the agency).
pub async fn deliver(
    store: &Store,
    e: &EnterpriseSession,
    no: &str,
    note: &str,
) -> Result<RequestView> {
    deliver_on(
        store,
        &e.actor(),
        &e.credit_code,
        no,
        note,
        time::local_day(time::now()),
    )
    .await?;
    request(store, &Party::Enterprise(e), no).await
}

pub async fn deliver_on(
    store: &Store,
    actor: &Actor,
    code: &str,
    no: &str,
    note: &str,
    on: NaiveDate,
) -> Result<()> {
    let note = tongban_domain::required_text("note", "交付成果说明", note, 500)
        .map_err(StoreError::from)?;
    let mut rd = store.reader().await?;
    let (id, v) = find(&mut rd, &Party::Public, no).await?;
    drop(rd);
    if v.selected_agency.as_deref() != Some(code) {
        return Err(StoreError::Forbidden(
            "只有选中的中介机构可以提交交付成果".into(),
        ));
    }
    if v.status != "serving" {
        return Err(StoreError::Conflict {
            field: "note",
            message: format!("该服务需求{}，不能再提交交付成果", v.status_label),
        });
    }
    change(store, id, actor, "intermediary.deliver", &v.no, json!({ "agency": code }), |tx| {
        let day = time::day(on);
        Box::pin(async move {
            let done = sqlx::query(
                "UPDATE service_requests SET delivered_on = $1, delivery_note = $2 WHERE id = $3 AND delivered_on IS NULL",
            )
            .bind(day)
            .bind(note)
            .bind(id)
            .execute(&mut *tx)
            .await?;
            if done.rows_affected() != 1 {
                return Err(StoreError::Conflict {
                    field: "note",
                    message: "交付成果已提交".into(),
                });
            }
            Ok(())
        })
    })
    .await
}

/// The owner rates the delivered work once; the agency's credit score moves with it.
pub async fn rate(
    store: &Store,
    party: &Party<'_>,
    no: &str,
    input: &RatingInput,
) -> Result<RequestView> {
    let (r, note) = input.check().map_err(StoreError::from)?;
    rate_on(store, party, no, r, note, time::local_day(time::now())).await?;
    request(store, party, no).await
}

pub async fn rate_on(
    store: &Store,
    party: &Party<'_>,
    no: &str,
    r: Rating,
    note: Option<String>,
    on: NaiveDate,
) -> Result<()> {
    let mut rd = store.reader().await?;
    let (id, v) = find(&mut rd, party, no).await?;
    drop(rd);
    let actor = owner_side(party, &v, "评价中介服务")?;
    if v.status != "delivered" {
        return Err(StoreError::Conflict {
            field: "quality",
            message: if v.status == "rated" {
                "该中介服务已评价，每项服务只能评价一次".into()
            } else {
                "中介机构提交交付成果后才能评价".into()
            },
        });
    }
    let agency = v.selected_agency.clone().unwrap_or_default();
    let detail = json!({ "agency": agency, "quality": r.quality, "timeliness": r.timeliness, "attitude": r.attitude, "fees": r.fees });
    change(store, id, &actor, "intermediary.rate", &v.no, detail, |tx| {
        let day = time::day(on);
        Box::pin(async move {
            let done = sqlx::query(
                "UPDATE service_requests SET rated_on = $1, quality = $2, timeliness = $3, attitude = $4, fees = $5, \
                 rating_note = $6 WHERE id = $7 AND rated_on IS NULL AND delivered_on IS NOT NULL",
            )
            .bind(day)
            .bind(r.quality)
            .bind(r.timeliness)
            .bind(r.attitude)
            .bind(r.fees)
            .bind(note)
            .bind(id)
            .execute(&mut *tx)
            .await?;
            if done.rows_affected() != 1 {
                return Err(StoreError::Conflict {
                    field: "quality",
                    message: "该中介服务已评价，每项服务只能评价一次".into(),
                });
            }
            sqlx::query("UPDATE agencies SET rated = rated + 1, rating_points = rating_points + $1 WHERE credit_code = $2")
                .bind(r.points())
                .bind(agency)
                .execute(&mut *tx)
                .await?;
            Ok(())
        })
    })
    .await
}

/// The owner withdraws a request not yet selected.
pub async fn cancel(store: &Store, party: &Party<'_>, no: &str) -> Result<RequestView> {
    let mut rd = store.reader().await?;
    let (id, v) = find(&mut rd, party, no).await?;
    let actor = owner_side(party, &v, "撤销服务需求")?;
    if !matches!(v.status, "quoting" | "selecting") {
        return Err(StoreError::Conflict {
            field: "request",
            message: format!("该服务需求{}，不能撤销", v.status_label),
        });
    }
    // Once the quotes are open, the owner selects by the rule: it may not withdraw and
    // publish again to choose otherwise, unless no one it could select quoted.
    if v.status == "selecting" {
        for q in all_quotes(&mut rd, id).await? {
            let ag = agencies::one(store, &mut rd, &q.agency_code, false).await?;
            if agencies::ineligible(&ag, &v.service_name).is_none() {
                return Err(StoreError::Conflict {
                    field: "request",
                    message: "报价已截止并已公开，应按选取方式选取中介机构，不能撤销".into(),
                });
            }
        }
    }
    drop(rd);
    change(store, id, &actor, "intermediary.request.cancel", &v.no, json!({}), |tx| {
        Box::pin(async move {
            let done = sqlx::query(
                "UPDATE service_requests SET cancelled_on = $1 WHERE id = $2 AND selected_on IS NULL AND cancelled_on IS NULL",
            )
            .bind(time::day(time::local_day(time::now())))
            .bind(id)
            .execute(&mut *tx)
            .await?;
            if done.rows_affected() != 1 {
                return Err(StoreError::Conflict {
                    field: "request",
                    message: "该服务需求已选取或已撤销".into(),
                });
            }
            Ok(())
        })
    })
    .await?;
    request(store, party, no).await
}

/// The services a project's owner obtained through the market (selected, not
/// withdrawn), by name, for its "intermediaries used".
pub async fn project_services(conn: &mut AnyConnection, project_id: i64) -> Result<Vec<String>> {
    let rows: Vec<String> = sqlx::query_scalar(
        "SELECT service FROM service_requests WHERE project_id = $1 AND selected_on IS NOT NULL ORDER BY id",
    )
    .bind(project_id)
    .fetch_all(conn)
    .await?;
    Ok(rows.iter().map(|s| service_name(s).to_string()).collect())
}

/// A request as exported (`intermediary_orders`): no free texts, no contacts.
#[derive(Debug, Clone, Serialize)]
pub struct OrderExport {
    pub request_no: String,
    pub published_on: String,
    pub owner_code: String,
    pub project: Option<String>,
    pub service: String,
    pub rule: String,
    pub budget_fen: i64,
    pub deadline: String,
    pub quotes: i64,
    pub selected_on: Option<String>,
    pub agency_code: Option<String>,
    pub amount_fen: Option<i64>,
    pub delivered_on: Option<String>,
    pub rated_on: Option<String>,
    pub quality: Option<i64>,
    pub timeliness: Option<i64>,
    pub attitude: Option<i64>,
    pub fees: Option<i64>,
    pub cancelled_on: Option<String>,
}

/// Every request, oldest first, to `sink`.
pub async fn export(
    store: &Store,
    mut sink: impl FnMut(OrderExport) -> anyhow::Result<()>,
) -> Result<u64> {
    let mut rd = store.reader().await?;
    let select = format!("SELECT {COLUMNS}{FROM} WHERE 1 = 1");
    let today = time::local_day(time::now());
    crate::keyset_rows(&mut rd, &select, "r.id", |r| {
        let v = view_from(r, today, true)?;
        sink(OrderExport {
            request_no: v.no,
            published_on: v.published_on,
            owner_code: v.owner_code,
            project: v.project,
            service: v.service,
            rule: v.rule,
            budget_fen: v.budget_fen,
            deadline: v.deadline,
            quotes: r.try_get("quotes_count")?,
            selected_on: v.selected_on,
            agency_code: v.selected_agency,
            amount_fen: v.selected_fen,
            delivered_on: v.delivered_on,
            rated_on: v.rated_on,
            quality: v.quality,
            timeliness: v.timeliness,
            attitude: v.attitude,
            fees: v.fees,
            cancelled_on: v.cancelled_on,
        })?;
        Ok(r.try_get("id")?)
    })
    .await
}
