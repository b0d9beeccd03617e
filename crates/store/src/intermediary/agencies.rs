//! The registry of intermediary agencies (中介机构名录): registered by the service
//! office, each with its qualifications (per service, with validity and fee
//! standard), any tie to a government body and the day it was cut (摘红顶), the
//! penalties recorded against it, and its credit score from owners' ratings less the
//! penalties in force. The public list shows them through the public masking. Also
//! the intermediary services each catalog item needs.

use crate::audit::{self, Actor};
use crate::org::Principal;
use crate::{Result, Store, StoreError, time};
use chrono::NaiveDate;
use serde::Serialize;
use serde_json::json;
use sqlx::{AnyConnection, Row};
use tongban_domain::intermediary::{
    Agency, AgencyInput, MIN_SCORE_TO_QUOTE, Penalty, PenaltyInput, Qualification,
    QualificationInput, Service, credit_grade, credit_score, service_name,
};
use tongban_domain::org::Role;
use tongban_domain::public::{mask_address, mask_name, mask_text};

/// The office's staff who keep the registry (督查人员 and administrators).
pub(crate) fn registrar(p: &Principal, what: &str) -> Result<()> {
    match p.role {
        Role::Supervisor | Role::Admin => Ok(()),
        r => Err(StoreError::Forbidden(format!(
            "{}不能{what}（由政务服务管理办公室管理中介机构名录）",
            r.label()
        ))),
    }
}

/// A qualification as shown.
#[derive(Debug, Clone, Serialize)]
pub struct QualificationView {
    pub service: String,
    pub service_name: String,
    pub name: String,
    pub level: String,
    pub cert_no: String,
    pub valid_from: String,
    pub valid_until: String,
    pub fee_standard: String,
    /// Valid today.
    pub valid: bool,
}

/// A penalty as shown.
#[derive(Debug, Clone, Serialize)]
pub struct PenaltyView {
    pub reason: String,
    pub authority: String,
    pub decided_on: String,
    pub valid_until: String,
    pub points: i64,
    pub in_force: bool,
}

/// An agency as the public sees it (contact masked), or staff (contact in full).
#[derive(Debug, Clone, Serialize)]
pub struct AgencyView {
    pub credit_code: String,
    pub name: String,
    pub address: String,
    pub contact_name: String,
    pub phone: String,
    pub gov_body: Option<String>,
    pub decoupled_on: Option<String>,
    /// `none` (no tie), `decoupled` (已脱钩) or `tied` (未脱钩: may not take orders).
    pub tie: &'static str,
    pub tie_label: &'static str,
    pub suspended: bool,
    pub rated: i64,
    pub score: i64,
    pub grade: &'static str,
    pub penalty_points: i64,
    /// Names of the services it holds a valid qualification for.
    pub services: Vec<String>,
    pub registered_on: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub qualifications: Vec<QualificationView>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub penalties: Vec<PenaltyView>,
}

impl AgencyView {
    pub fn rating_mean(&self) -> String {
        if self.rated == 0 {
            "—".into()
        } else {
            self.score.to_string()
        }
    }
}

const COLUMNS: &str = "a.id, a.credit_code, a.name, a.address, a.contact_name, a.phone_enc, a.phone_masked, \
     a.gov_body, a.decoupled_on, a.suspended_at, a.rated, a.rating_points, a.registered_on, \
     CAST(COALESCE((SELECT SUM(p.points) FROM agency_penalties p WHERE p.agency_id = a.id AND p.valid_until >= $1), 0) AS BIGINT) AS penalty_points, \
     (SELECT STRING_AGG(q.service, ',') FROM agency_qualifications q WHERE q.agency_id = a.id AND q.valid_from <= $1 AND q.valid_until >= $1) AS services";

/// The columns for a backend (string aggregation is spelled differently).
fn columns(store: &Store) -> String {
    match store.backend() {
        crate::Backend::Postgres => COLUMNS.into(),
        crate::Backend::Sqlite => {
            COLUMNS.replace("STRING_AGG(q.service, ',')", "GROUP_CONCAT(q.service, ',')")
        }
    }
}

fn view_from(store: &Store, r: &sqlx::any::AnyRow, public: bool) -> Result<AgencyView> {
    let gov_body: Option<String> = r.try_get("gov_body")?;
    let decoupled_on: Option<String> = r.try_get("decoupled_on")?;
    let (tie, tie_label) = match (&gov_body, &decoupled_on) {
        (None, _) => ("none", "无"),
        (Some(_), Some(_)) => ("decoupled", "已脱钩"),
        (Some(_), None) => ("tied", "未脱钩"),
    };
    let rated: i64 = r.try_get("rated")?;
    let points: i64 = r.try_get("rating_points")?;
    let penalty_points: i64 = r.try_get("penalty_points")?;
    let score = credit_score(rated, points, penalty_points);
    let mut services: Vec<String> = r
        .try_get::<Option<String>, _>("services")?
        .unwrap_or_default()
        .split(',')
        .filter(|s| !s.is_empty())
        .map(|s| service_name(s).to_string())
        .collect();
    services.sort();
    services.dedup();
    let contact: String = r.try_get("contact_name")?;
    let address: String = r.try_get("address")?;
    Ok(AgencyView {
        credit_code: r.try_get("credit_code")?,
        name: r.try_get("name")?,
        address: if public {
            mask_address(&address)
        } else {
            address
        },
        contact_name: if public { mask_name(&contact) } else { contact },
        phone: if public {
            r.try_get("phone_masked")?
        } else {
            store
                .keys()
                .decrypt(&r.try_get::<String, _>("phone_enc")?)?
        },
        gov_body,
        decoupled_on,
        tie,
        tie_label,
        suspended: r.try_get::<Option<String>, _>("suspended_at")?.is_some(),
        rated,
        score,
        grade: credit_grade(score),
        penalty_points,
        services,
        registered_on: r.try_get("registered_on")?,
        qualifications: vec![],
        penalties: vec![],
    })
}

/// Why an agency may not take an order for a service (by name) today, if it may not.
pub fn ineligible(a: &AgencyView, service_name: &str) -> Option<String> {
    if a.suspended {
        Some("已被暂停在中介超市承接业务".into())
    } else if a.tie == "tied" {
        Some("尚未与原主管部门脱钩（未摘“红顶”），不能承接涉审中介服务".into())
    } else if a.score < MIN_SCORE_TO_QUOTE {
        Some(format!(
            "信用得分{}分，低于{MIN_SCORE_TO_QUOTE}分，暂停承接业务",
            a.score
        ))
    } else if !a.services.iter().any(|s| s == service_name) {
        Some(format!("没有有效的“{service_name}”资质"))
    } else {
        None
    }
}

/// A filter of the agency list.
#[derive(Debug, Clone, Default)]
pub struct AgencyQuery {
    /// A service code: agencies qualified for it today.
    pub service: Option<Service>,
    /// Part of the name or the credit code.
    pub q: String,
}

/// The agencies, by name (at most 500), for the public (masked) or staff.
pub async fn list(store: &Store, f: &AgencyQuery, public: bool) -> Result<Vec<AgencyView>> {
    let today = time::day(time::local_day(time::now()));
    let mut sql = format!("SELECT {} FROM agencies a WHERE 1 = 1", columns(store));
    let mut n = 1;
    if f.service.is_some() {
        n += 1;
        sql.push_str(&format!(
            " AND EXISTS (SELECT 1 FROM agency_qualifications q WHERE q.agency_id = a.id AND q.service = ${n} \
             AND q.valid_from <= $1 AND q.valid_until >= $1)"
        ));
    }
    let q = f.q.trim();
    if !q.is_empty() {
        n += 1;
        sql.push_str(&format!(
            " AND (a.name LIKE ${n} OR a.credit_code = ${})",
            n + 1
        ));
    }
    sql.push_str(" ORDER BY a.name, a.id LIMIT 500");
    let mut query = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(&today);
    if let Some(s) = f.service {
        query = query.bind(s.code());
    }
    if !q.is_empty() {
        query = query.bind(format!("%{q}%")).bind(q.to_uppercase());
    }
    let rows = query.fetch_all(&mut *store.reader().await?).await?;
    rows.iter().map(|r| view_from(store, r, public)).collect()
}

/// The row id of an agency by its credit code.
pub(crate) async fn agency_id(conn: &mut AnyConnection, code: &str) -> Result<i64> {
    sqlx::query_scalar("SELECT id FROM agencies WHERE credit_code = $1")
        .bind(code.trim().to_uppercase())
        .fetch_optional(conn)
        .await?
        .ok_or_else(|| StoreError::not_found(format!("中介机构“{}”未入驻中介超市", code.trim())))
}

/// One agency with its qualifications and penalties.
pub async fn agency(store: &Store, code: &str, public: bool) -> Result<AgencyView> {
    let mut rd = store.reader().await?;
    one(store, &mut rd, code, public).await
}

/// The agency an enterprise is, if it is a registered one (staff view).
pub async fn of_enterprise(store: &Store, code: &str) -> Result<Option<AgencyView>> {
    match agency(store, code, false).await {
        Ok(a) => Ok(Some(a)),
        Err(StoreError::NotFound(_)) => Ok(None),
        Err(e) => Err(e),
    }
}

pub(crate) async fn one(
    store: &Store,
    conn: &mut AnyConnection,
    code: &str,
    public: bool,
) -> Result<AgencyView> {
    let today = time::local_day(time::now());
    let sql = format!(
        "SELECT {} FROM agencies a WHERE a.credit_code = $2",
        columns(store)
    );
    let r = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(time::day(today))
        .bind(code.trim().to_uppercase())
        .fetch_optional(&mut *conn)
        .await?
        .ok_or_else(|| StoreError::not_found(format!("中介机构“{}”未入驻中介超市", code.trim())))?;
    let id: i64 = r.try_get("id")?;
    let mut v = view_from(store, &r, public)?;
    let qs = sqlx::query(
        "SELECT service, name, level, cert_no, valid_from, valid_until, fee_standard FROM agency_qualifications \
         WHERE agency_id = $1 ORDER BY service, valid_until DESC",
    )
    .bind(id)
    .fetch_all(&mut *conn)
    .await?;
    let t = time::day(today);
    for q in &qs {
        let service: String = q.try_get(0)?;
        let from: String = q.try_get(4)?;
        let until: String = q.try_get(5)?;
        v.qualifications.push(QualificationView {
            service_name: service_name(&service).to_string(),
            service,
            name: q.try_get(1)?,
            level: q.try_get(2)?,
            cert_no: q.try_get(3)?,
            valid: from <= t && until >= t,
            valid_from: from,
            valid_until: until,
            fee_standard: {
                let f: String = q.try_get(6)?;
                if public { mask_text(&f) } else { f }
            },
        });
    }
    let ps = sqlx::query(
        "SELECT reason, authority, decided_on, valid_until, points FROM agency_penalties WHERE agency_id = $1 \
         ORDER BY decided_on DESC, id DESC",
    )
    .bind(id)
    .fetch_all(&mut *conn)
    .await?;
    for p in &ps {
        let until: String = p.try_get(3)?;
        let in_force = until >= t;
        // The public sees penalties while their publication lasts.
        if public && !in_force {
            continue;
        }
        let reason: String = p.try_get(0)?;
        let authority: String = p.try_get(1)?;
        v.penalties.push(PenaltyView {
            reason: if public { mask_text(&reason) } else { reason },
            authority: if public {
                mask_text(&authority)
            } else {
                authority
            },
            decided_on: p.try_get(2)?,
            valid_until: until,
            points: p.try_get(4)?,
            in_force,
        });
    }
    Ok(v)
}

/// Registers an agency (or, registered already, updates its particulars).
pub async fn register(store: &Store, p: &Principal, input: &AgencyInput) -> Result<AgencyView> {
    registrar(p, "登记中介机构")?;
    let a = input
        .check(time::local_day(time::now()))
        .map_err(StoreError::from)?;
    keep_agency(store, &p.actor(), &a, time::local_day(time::now())).await?;
    agency(store, a.credit_code.as_str(), false).await
}

/// Keeps an agency's particulars (new or updated) with its audit entry.
pub async fn keep_agency(store: &Store, actor: &Actor, a: &Agency, on: NaiveDate) -> Result<()> {
    let mut tx = store.begin().await?;
    let held: Option<(i64, String)> =
        sqlx::query_as("SELECT id, phone_enc FROM agencies WHERE credit_code = $1")
            .bind(a.credit_code.as_str())
            .fetch_optional(&mut *tx)
            .await?;
    let code = a.credit_code.as_str();
    // Who signs in for the agency is the office's to say: a contact someone bound by
    // signing in first before the registration, or the phone it replaces, goes, with
    // the sessions of the enterprise.
    let dropped = match &held {
        None => Some(
            sqlx::query("DELETE FROM enterprise_contacts WHERE credit_code = $1 AND bound_by = $2")
                .bind(code)
                .bind(format!("enterprise:{code}"))
                .execute(&mut *tx)
                .await?
                .rows_affected(),
        ),
        Some((_, old)) => {
            let old = store.keys().decrypt(old)?;
            if old == a.phone.as_str() {
                None
            } else {
                Some(
                    sqlx::query("DELETE FROM enterprise_contacts WHERE credit_code = $1 AND phone_digest = $2")
                        .bind(code)
                        .bind(store.keys().digest("phone", &old))
                        .execute(&mut *tx)
                        .await?
                        .rows_affected(),
                )
            }
        }
    };
    if dropped.is_some() {
        sqlx::query("DELETE FROM enterprise_sessions WHERE credit_code = $1")
            .bind(code)
            .execute(&mut *tx)
            .await?;
    }
    let phone_enc = store.keys().encrypt(a.phone.as_str());
    let decoupled = a.decoupled_on.map(time::day);
    let action = if let Some((id, _)) = held {
        sqlx::query(
            "UPDATE agencies SET name = $1, address = $2, contact_name = $3, phone_enc = $4, phone_masked = $5, \
             gov_body = $6, decoupled_on = $7 WHERE id = $8",
        )
        .bind(&a.name)
        .bind(&a.address)
        .bind(&a.contact_name)
        .bind(&phone_enc)
        .bind(a.phone.masked())
        .bind(a.gov_body.as_deref())
        .bind(decoupled.as_deref())
        .bind(id)
        .execute(&mut *tx)
        .await?;
        "intermediary.agency.update"
    } else {
        if sqlx::query(
            "INSERT INTO agencies (credit_code, name, address, contact_name, phone_enc, phone_masked, gov_body, \
             decoupled_on, registered_on, registered_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) \
             ON CONFLICT (credit_code) DO NOTHING",
        )
        .bind(a.credit_code.as_str())
        .bind(&a.name)
        .bind(&a.address)
        .bind(&a.contact_name)
        .bind(&phone_enc)
        .bind(a.phone.masked())
        .bind(a.gov_body.as_deref())
        .bind(decoupled.as_deref())
        .bind(time::day(on))
        .bind(&actor.name)
        .execute(&mut *tx)
        .await?
        .rows_affected()
            == 0
        {
            return Err(StoreError::Conflict {
                field: "credit_code",
                message: "该中介机构正由他人同时登记，请刷新后查看".into(),
            });
        }
        "intermediary.agency.register"
    };
    // The agency's contact signs in as its enterprise (to quote and deliver) with the
    // mobile the office registered.
    if a.phone.mobile().is_some() {
        crate::enterprise::bind_contact(
            &mut tx,
            store,
            a.credit_code.as_str(),
            &a.contact_name,
            &a.phone,
            actor,
        )
        .await?;
    }
    audit::append(
        &mut tx,
        store.keys(),
        actor,
        action,
        "agency",
        a.credit_code.as_str(),
        json!({ "name": a.name, "gov_body": a.gov_body, "decoupled_on": decoupled }),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Adds a qualification (its certificate once per service).
pub async fn add_qualification(
    store: &Store,
    p: &Principal,
    code: &str,
    input: &QualificationInput,
) -> Result<AgencyView> {
    registrar(p, "登记中介机构资质")?;
    let q = input.check().map_err(StoreError::from)?;
    keep_qualification(store, &p.actor(), code, &q).await?;
    agency(store, code, false).await
}

pub async fn keep_qualification(
    store: &Store,
    actor: &Actor,
    code: &str,
    q: &Qualification,
) -> Result<()> {
    let mut tx = store.begin().await?;
    let id = agency_id(&mut tx, code).await?;
    let done = sqlx::query(
        "INSERT INTO agency_qualifications (agency_id, service, name, level, cert_no, valid_from, valid_until, fee_standard) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (agency_id, service, cert_no) DO NOTHING",
    )
    .bind(id)
    .bind(q.service.code())
    .bind(&q.name)
    .bind(&q.level)
    .bind(&q.cert_no)
    .bind(time::day(q.valid_from))
    .bind(time::day(q.valid_until))
    .bind(&q.fee_standard)
    .execute(&mut *tx)
    .await?;
    if done.rows_affected() != 1 {
        return Err(StoreError::Conflict {
            field: "cert_no",
            message: format!("证书编号“{}”已登记", q.cert_no),
        });
    }
    audit::append(
        &mut tx,
        store.keys(),
        actor,
        "intermediary.qualification",
        "agency",
        &code.trim().to_uppercase(),
        json!({ "service": q.service.code(), "cert_no": q.cert_no, "valid_until": time::day(q.valid_until) }),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Records a penalty against an agency; its points come off the score while in force.
pub async fn add_penalty(
    store: &Store,
    p: &Principal,
    code: &str,
    input: &PenaltyInput,
) -> Result<AgencyView> {
    registrar(p, "登记中介机构处罚")?;
    let pen = input
        .check(time::local_day(time::now()))
        .map_err(StoreError::from)?;
    keep_penalty(store, &p.actor(), code, &pen).await?;
    agency(store, code, false).await
}

pub async fn keep_penalty(store: &Store, actor: &Actor, code: &str, pen: &Penalty) -> Result<()> {
    let mut tx = store.begin().await?;
    let id = agency_id(&mut tx, code).await?;
    sqlx::query(
        "INSERT INTO agency_penalties (agency_id, reason, authority, decided_on, valid_until, points, recorded_by) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(id)
    .bind(&pen.reason)
    .bind(&pen.authority)
    .bind(time::day(pen.decided_on))
    .bind(time::day(pen.valid_until))
    .bind(pen.points)
    .bind(&actor.name)
    .execute(&mut *tx)
    .await?;
    audit::append(
        &mut tx,
        store.keys(),
        actor,
        "intermediary.penalty",
        "agency",
        &code.trim().to_uppercase(),
        json!({ "reason": pen.reason, "points": pen.points, "valid_until": time::day(pen.valid_until) }),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Suspends an agency from the market (or lifts it).
pub async fn suspend(
    store: &Store,
    p: &Principal,
    code: &str,
    suspended: bool,
) -> Result<AgencyView> {
    registrar(p, "暂停中介机构")?;
    let mut tx = store.begin().await?;
    let id = agency_id(&mut tx, code).await?;
    let at = suspended.then(|| time::stamp(time::now()));
    sqlx::query("UPDATE agencies SET suspended_at = $1 WHERE id = $2")
        .bind(at)
        .bind(id)
        .execute(&mut *tx)
        .await?;
    audit::append(
        &mut tx,
        store.keys(),
        &p.actor(),
        if suspended {
            "intermediary.agency.suspend"
        } else {
            "intermediary.agency.resume"
        },
        "agency",
        &code.trim().to_uppercase(),
        json!({}),
    )
    .await?;
    tx.commit().await?;
    agency(store, code, false).await
}

/// A service and the catalog items that need it.
#[derive(Debug, Clone, Serialize)]
pub struct ServiceNeed {
    pub service: &'static str,
    pub name: &'static str,
    pub items: Vec<String>,
    /// Agencies qualified for it today.
    pub agencies: i64,
}

/// Every service with the items that need it and the agencies qualified today.
pub async fn services(store: &Store) -> Result<Vec<ServiceNeed>> {
    let mut rd = store.reader().await?;
    let today = time::day(time::local_day(time::now()));
    let rows =
        sqlx::query("SELECT item_code, service FROM item_intermediary_services ORDER BY item_code")
            .fetch_all(&mut *rd)
            .await?;
    let counts = sqlx::query(
        "SELECT service, CAST(COUNT(DISTINCT agency_id) AS BIGINT) FROM agency_qualifications \
         WHERE valid_from <= $1 AND valid_until >= $1 GROUP BY service",
    )
    .bind(&today)
    .fetch_all(&mut *rd)
    .await?;
    let mut out: Vec<ServiceNeed> = Service::all()
        .map(|s| ServiceNeed {
            service: s.code(),
            name: s.name(),
            items: vec![],
            agencies: 0,
        })
        .collect();
    for r in &rows {
        let service: String = r.try_get(1)?;
        if let Some(n) = out.iter_mut().find(|n| n.service == service) {
            n.items.push(r.try_get(0)?);
        }
    }
    for r in &counts {
        let service: String = r.try_get(0)?;
        if let Some(n) = out.iter_mut().find(|n| n.service == service) {
            n.agencies = r.try_get(1)?;
        }
    }
    Ok(out)
}

/// The services a catalog item needs (names).
pub async fn item_services(store: &Store, item_code: &str) -> Result<Vec<&'static str>> {
    let rows: Vec<String> = sqlx::query_scalar(
        "SELECT service FROM item_intermediary_services WHERE item_code = $1 ORDER BY service",
    )
    .bind(item_code.trim())
    .fetch_all(&mut *store.reader().await?)
    .await?;
    Ok(rows
        .iter()
        .filter_map(|s| Service::parse(s).ok().map(Service::name))
        .collect())
}

/// Sets the catalog items that need a service (their codes, each an item of the
/// catalog), replacing the list.
pub async fn set_service_items(
    store: &Store,
    p: &Principal,
    service: &str,
    items: &[String],
) -> Result<()> {
    registrar(p, "设置事项所需中介服务")?;
    let s = Service::parse(service).map_err(StoreError::from)?;
    let mut f = tongban_domain::Faults::default();
    let codes = tongban_domain::item_codes(items, &mut f);
    if codes.len() > 200 {
        f.push(tongban_domain::Invalid::new(
            "items",
            "每项中介服务最多关联200个事项",
        ));
    }
    let mut tx = store.begin().await?;
    for c in &codes {
        if crate::catalog::item_id(&mut tx, c).await?.is_none() {
            f.push(tongban_domain::Invalid::new(
                "items",
                format!("事项“{c}”不存在"),
            ));
        }
    }
    f.finish(Some(())).map_err(StoreError::from)?;
    sqlx::query("DELETE FROM item_intermediary_services WHERE service = $1")
        .bind(s.code())
        .execute(&mut *tx)
        .await?;
    for c in &codes {
        sqlx::query("INSERT INTO item_intermediary_services (item_code, service) VALUES ($1, $2)")
            .bind(c)
            .bind(s.code())
            .execute(&mut *tx)
            .await?;
    }
    audit::append(
        &mut tx,
        store.keys(),
        &p.actor(),
        "intermediary.item_services",
        "intermediary_service",
        s.code(),
        json!({ "items": codes }),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// An agency as exported for outside use (`agencies`): the public list, no contact.
#[derive(Debug, Clone, Serialize)]
pub struct AgencyExport {
    pub credit_code: String,
    pub name: String,
    pub gov_body: Option<String>,
    pub decoupled_on: Option<String>,
    pub tie: &'static str,
    pub suspended: bool,
    pub services: String,
    pub rated: i64,
    pub penalty_points: i64,
    pub score: i64,
    pub grade: &'static str,
}

/// Every agency, in registration order, to `sink`.
pub async fn export(
    store: &Store,
    mut sink: impl FnMut(AgencyExport) -> anyhow::Result<()>,
) -> Result<u64> {
    let mut rd = store.reader().await?;
    let today = time::day(time::local_day(time::now()));
    // The date is a literal of our own making (YYYY-MM-DD), so the shared keyset reader
    // can run the query without a bound value.
    let select = format!("SELECT {} FROM agencies a WHERE 1 = 1", columns(store))
        .replace("$1", &format!("'{today}'"));
    crate::keyset_rows(&mut rd, &select, "a.id", |r| {
        let v = view_from(store, r, true)?;
        sink(AgencyExport {
            credit_code: v.credit_code,
            name: v.name,
            gov_body: v.gov_body,
            decoupled_on: v.decoupled_on,
            tie: v.tie,
            suspended: v.suspended,
            services: v.services.join("|"),
            rated: v.rated,
            penalty_points: v.penalty_points,
            score: v.score,
            grade: v.grade,
        })?;
        Ok(r.try_get("id")?)
    })
    .await
}
