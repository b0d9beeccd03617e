//! The registry's read side: market entities and registration applications as staff,
//! the public and exports see them.

use crate::org::Principal;
use crate::projects::{given, listing};
use crate::{Keys, Result, Sql, Store, StoreError, Total, time};
use serde::{Deserialize, Serialize};
use sqlx::{AnyConnection, Row};
use tongban_domain::case::CaseStatus;
use tongban_domain::codes::{CreditCode, IdNumber};
use tongban_domain::registration::{EntityStatus, EntityType, Holder, Investor, RegistrationKind};

/// Fen as 万元 with six decimals trimmed to what matters (`100`, `12.5`).
pub fn wan_yuan(fen: i64) -> String {
    let s = format!("{:.6}", fen as f64 / 1_000_000.0);
    let s = s.trim_end_matches('0').trim_end_matches('.');
    format!("{s}万元")
}

/// An investor as the registry keeps it: the ID number encrypted, a masked copy.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct KeptInvestor {
    name: String,
    holder: Holder,
    shown: String,
    subscribed_fen: i64,
}

/// The investors of a sealed application (ID numbers encrypted) as the registry keeps
/// them, in JSON.
pub(crate) fn kept_investors(keys: &Keys, investors: &[Investor]) -> Result<String> {
    let kept = investors
        .iter()
        .map(|i| {
            let shown = match &i.holder {
                Holder::Person { id_number } => keys
                    .decrypt(id_number)
                    .ok()
                    .and_then(|plain| IdNumber::parse(&plain).ok())
                    .map(|id| id.masked())
                    .unwrap_or_else(|| "******".into()),
                Holder::Organisation { credit_code } => credit_code.clone(),
            };
            KeptInvestor {
                name: i.name.clone(),
                holder: i.holder.clone(),
                shown,
                subscribed_fen: i.subscribed_fen,
            }
        })
        .collect::<Vec<_>>();
    serde_json::to_string(&kept).map_err(|e| StoreError::Other(anyhow::anyhow!("investors: {e}")))
}

/// An investor as staff see it.
#[derive(Debug, Clone, Serialize)]
pub struct InvestorView {
    pub name: String,
    /// 自然人 or 单位.
    pub kind_label: &'static str,
    /// The masked ID number of a person, the credit code of an organisation.
    pub id: String,
    pub subscribed_fen: i64,
    pub subscribed: String,
}

/// A market entity as staff and the API see it (ID numbers masked).
#[derive(Debug, Clone, Serialize)]
pub struct EntityView {
    pub credit_code: String,
    pub name: String,
    pub entity_type: EntityType,
    pub entity_type_label: &'static str,
    pub town: String,
    pub town_name: String,
    pub address: String,
    pub legal_rep_name: String,
    pub legal_rep_id_masked: String,
    pub registered_capital_fen: i64,
    /// 万元, for people.
    pub registered_capital: String,
    pub business_scope: String,
    pub investors: Vec<InvestorView>,
    pub status: EntityStatus,
    pub status_label: &'static str,
    pub registered_on: String,
    pub deregistered_on: Option<String>,
    /// The business license in force (the last one issued).
    pub license_no: Option<String>,
    /// Its registrations, newest first (on a single entity's view).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub registrations: Vec<RegistrationView>,
}

const ENTITY_COLUMNS: &str = "e.credit_code, e.name, e.entity_type, pt.code AS town, pt.name AS town_name, e.address, \
     e.legal_rep_name, e.legal_rep_id_masked, e.registered_capital_fen, e.business_scope, e.investors, e.status, \
     e.registered_on, e.deregistered_on, e.license_no, e.id";
const ENTITY_FROM: &str = " FROM entities e JOIN points pt ON pt.id = e.point_id WHERE 1 = 1";

fn entity_from(r: &sqlx::any::AnyRow) -> Result<EntityView> {
    let code: String = r.try_get("credit_code")?;
    let bad = |w: &str| StoreError::Other(anyhow::anyhow!("entity {code}: bad {w}"));
    let t: String = r.try_get("entity_type")?;
    let s: String = r.try_get("status")?;
    let entity_type = EntityType::parse(&t).ok_or_else(|| bad("type"))?;
    let status = EntityStatus::parse(&s).ok_or_else(|| bad("status"))?;
    let kept: Vec<KeptInvestor> = serde_json::from_str(&r.try_get::<String, _>("investors")?)
        .map_err(|_| bad("investors"))?;
    let fen: i64 = r.try_get("registered_capital_fen")?;
    Ok(EntityView {
        name: r.try_get("name")?,
        entity_type,
        entity_type_label: entity_type.label(),
        town: r.try_get("town")?,
        town_name: r.try_get("town_name")?,
        address: r.try_get("address")?,
        legal_rep_name: r.try_get("legal_rep_name")?,
        legal_rep_id_masked: r.try_get("legal_rep_id_masked")?,
        registered_capital_fen: fen,
        registered_capital: wan_yuan(fen),
        business_scope: r.try_get("business_scope")?,
        investors: kept
            .into_iter()
            .map(|k| InvestorView {
                name: k.name,
                kind_label: match k.holder {
                    Holder::Person { .. } => "自然人",
                    Holder::Organisation { .. } => "单位",
                },
                id: k.shown,
                subscribed_fen: k.subscribed_fen,
                subscribed: wan_yuan(k.subscribed_fen),
            })
            .collect(),
        status,
        status_label: status.label(),
        registered_on: r.try_get("registered_on")?,
        deregistered_on: r.try_get("deregistered_on")?,
        license_no: r.try_get("license_no")?,
        registrations: vec![],
        credit_code: code,
    })
}

/// The entity's row as a change reads it, in the closing transaction.
pub(crate) struct Current {
    pub credit_code: String,
    pub name: String,
    pub entity_type: String,
    pub point_id: i64,
    pub address: String,
    pub legal_rep_name: String,
    pub legal_rep_id_enc: String,
    pub legal_rep_id_masked: String,
    pub registered_capital_fen: i64,
    pub business_scope: String,
    pub status: String,
    pub registered_on: String,
    pub license_no: Option<String>,
}

pub(crate) async fn current(tx: &mut AnyConnection, id: i64) -> Result<Current> {
    let r = sqlx::query(
        "SELECT credit_code, name, entity_type, point_id, address, legal_rep_name, legal_rep_id_enc, \
         legal_rep_id_masked, registered_capital_fen, business_scope, status, registered_on, license_no \
         FROM entities WHERE id = $1",
    )
    .bind(id)
    .fetch_one(&mut *tx)
    .await?;
    Ok(Current {
        credit_code: r.try_get(0)?,
        name: r.try_get(1)?,
        entity_type: r.try_get(2)?,
        point_id: r.try_get(3)?,
        address: r.try_get(4)?,
        legal_rep_name: r.try_get(5)?,
        legal_rep_id_enc: r.try_get(6)?,
        legal_rep_id_masked: r.try_get(7)?,
        registered_capital_fen: r.try_get(8)?,
        business_scope: r.try_get(9)?,
        status: r.try_get(10)?,
        registered_on: r.try_get(11)?,
        license_no: r.try_get(12)?,
    })
}

/// Who reads the registry: staff who work approval cases (every window may need to
/// look an entity up) and supervisors.
fn may_read(p: &Principal) -> Result<()> {
    if p.role.works_cases() {
        Ok(())
    } else {
        Err(StoreError::Forbidden(format!(
            "{}不能查看市场主体登记信息",
            p.role.label()
        )))
    }
}

fn code_of(s: &str) -> Result<CreditCode> {
    CreditCode::parse(s.trim())
        .map_err(|e| StoreError::invalid("credit_code", format!("统一社会信用代码{e}")))
}

/// One entity with its registrations (those the reader's scope shows).
pub async fn entity(store: &Store, p: &Principal, code: &str) -> Result<EntityView> {
    may_read(p)?;
    let code = code_of(code)?;
    let mut rd = store.reader().await?;
    let sql = format!("SELECT {ENTITY_COLUMNS}{ENTITY_FROM} AND e.credit_code = $1");
    let r = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(code.as_str())
        .fetch_optional(&mut *rd)
        .await?
        .ok_or_else(|| StoreError::not_found(format!("统一社会信用代码“{code}”未在本机关登记")))?;
    let mut view = entity_from(&r)?;
    let id: i64 = r.try_get("id")?;
    let mut sql = Sql::new(&format!(
        "SELECT {REG_COLUMNS}{REG_FROM} AND r.entity_id = "
    ));
    sql.bind_i(id);
    if crate::cases::scope_cases(p, &mut sql).is_ok() {
        sql.push(" ORDER BY r.id DESC");
        let rows = sql.query().fetch_all(&mut *rd).await?;
        view.registrations = rows.iter().map(registration_from).collect::<Result<_>>()?;
    }
    Ok(view)
}

/// What the entity list is narrowed to.
#[derive(Debug, Default, Clone, Deserialize)]
pub struct EntityFilter {
    /// Words of the name, or the code.
    pub q: Option<String>,
    pub status: Option<String>,
    pub entity_type: Option<String>,
    pub town: Option<String>,
    pub page: Option<i64>,
    pub per_page: Option<i64>,
}

pub const PAGE_SIZE: i64 = 20;

fn like(field: &'static str, q: &str) -> Result<String> {
    if q.chars().count() > 50 {
        return Err(StoreError::invalid(field, "搜索词不能超过50个字"));
    }
    Ok(format!("%{}%", q.replace(['%', '_'], "")))
}

/// Entities newest first, filtered and paged.
pub async fn entities(
    store: &Store,
    p: &Principal,
    f: &EntityFilter,
) -> Result<(Vec<EntityView>, Total)> {
    may_read(p)?;
    let (_, per_page, skip) = crate::paging(f.page, f.per_page, PAGE_SIZE, 200)?;
    let mut sql = Sql::new("");
    if let Some(q) = given(&f.q) {
        let l = like("q", &q)?;
        sql.push(" AND (e.name LIKE ")
            .bind_s(l.clone())
            .push(" OR e.credit_code LIKE ")
            .bind_s(l)
            .push(")");
    }
    if let Some(s) = given(&f.status) {
        let s = EntityStatus::parse_code_or_label(&s).ok_or_else(|| {
            StoreError::invalid("status", format!("登记状态应为{}", EntityStatus::choices()))
        })?;
        sql.push(" AND e.status = ").bind_s(s.as_str());
    }
    if let Some(t) = given(&f.entity_type) {
        let t = EntityType::parse_code_or_label(&t).ok_or_else(|| {
            StoreError::invalid(
                "entity_type",
                format!("市场主体类型应为{}", EntityType::choices()),
            )
        })?;
        sql.push(" AND e.entity_type = ").bind_s(t.as_str());
    }
    if let Some(t) = given(&f.town) {
        sql.push(" AND pt.code = ").bind_s(t);
    }
    let mut rd = store.reader().await?;
    listing(
        &mut rd,
        &sql,
        (ENTITY_COLUMNS, ENTITY_FROM, "e.id DESC"),
        (per_page, skip),
        entity_from,
    )
    .await
}

/// A registration application as staff see it.
#[derive(Debug, Clone, Serialize)]
pub struct RegistrationView {
    pub case_no: String,
    pub kind: RegistrationKind,
    pub kind_label: &'static str,
    /// The entity's name (as applied for, for an establishment).
    pub name: String,
    pub entity_type: EntityType,
    pub entity_type_label: &'static str,
    /// The entity's code: once the establishment is approved, and for a change or
    /// deregistration from the start.
    pub credit_code: Option<String>,
    pub case_status: CaseStatus,
    pub case_status_label: &'static str,
    pub submitted_at: String,
    /// The day the registration was granted (its case closed with approval).
    pub closed_on: Option<String>,
    pub license_no: Option<String>,
}

const REG_COLUMNS: &str = "c.case_no, r.kind, r.name, r.entity_type, e.credit_code, c.status, c.submitted_at, \
     r.closed_on, r.license_no";
const REG_FROM: &str = " FROM registrations r JOIN cases c ON c.id = r.case_id \
     LEFT JOIN entities e ON e.id = r.entity_id WHERE 1 = 1";

fn registration_from(r: &sqlx::any::AnyRow) -> Result<RegistrationView> {
    let no: String = r.try_get("case_no")?;
    let bad = |w: &str| StoreError::Other(anyhow::anyhow!("registration {no}: bad {w}"));
    let kind =
        RegistrationKind::parse(&r.try_get::<String, _>("kind")?).ok_or_else(|| bad("kind"))?;
    let t =
        EntityType::parse(&r.try_get::<String, _>("entity_type")?).ok_or_else(|| bad("type"))?;
    let s = CaseStatus::parse(&r.try_get::<String, _>("status")?).ok_or_else(|| bad("status"))?;
    Ok(RegistrationView {
        kind,
        kind_label: kind.label(),
        name: r.try_get("name")?,
        entity_type: t,
        entity_type_label: t.label(),
        credit_code: r.try_get("credit_code")?,
        case_status: s,
        case_status_label: s.label(),
        submitted_at: time::display(&r.try_get::<String, _>("submitted_at")?),
        closed_on: r.try_get("closed_on")?,
        license_no: r.try_get("license_no")?,
        case_no: no,
    })
}

/// One registration by its case number, within the reader's scope.
pub async fn registration(store: &Store, p: &Principal, case_no: &str) -> Result<RegistrationView> {
    let mut sql = Sql::new(&format!("SELECT {REG_COLUMNS}{REG_FROM} AND c.case_no = "));
    sql.bind_s(case_no.to_string());
    crate::cases::scope_cases(p, &mut sql)?;
    let mut rd = store.reader().await?;
    let r = sql
        .query()
        .fetch_optional(&mut *rd)
        .await?
        .ok_or_else(|| StoreError::not_found(format!("登记办件“{case_no}”不存在")))?;
    registration_from(&r)
}

/// What the registration list is narrowed to.
#[derive(Debug, Default, Clone, Deserialize)]
pub struct RegistrationFilter {
    pub kind: Option<String>,
    /// Words of the name, the case number or the code.
    pub q: Option<String>,
    pub page: Option<i64>,
    pub per_page: Option<i64>,
}

/// Registrations newest first within the reader's scope (their cases'), paged.
pub async fn registrations(
    store: &Store,
    p: &Principal,
    f: &RegistrationFilter,
) -> Result<(Vec<RegistrationView>, Total)> {
    let (_, per_page, skip) = crate::paging(f.page, f.per_page, PAGE_SIZE, 200)?;
    let mut sql = Sql::new("");
    crate::cases::scope_cases(p, &mut sql)?;
    if let Some(k) = given(&f.kind) {
        let k = RegistrationKind::parse_code_or_label(&k).ok_or_else(|| {
            StoreError::invalid(
                "kind",
                format!("登记类型应为{}", RegistrationKind::choices()),
            )
        })?;
        sql.push(" AND r.kind = ").bind_s(k.as_str());
    }
    if let Some(q) = given(&f.q) {
        let l = like("q", &q)?;
        sql.push(" AND (r.name LIKE ")
            .bind_s(l.clone())
            .push(" OR c.case_no LIKE ")
            .bind_s(l.clone())
            .push(" OR e.credit_code LIKE ")
            .bind_s(l)
            .push(")");
    }
    let mut rd = store.reader().await?;
    listing(
        &mut rd,
        &sql,
        (REG_COLUMNS, REG_FROM, "r.id DESC"),
        (per_page, skip),
        registration_from,
    )
    .await
}

/// What anyone may see of an entity by its code (公示): its name (through the one
/// public masking), type, status, dates and the business license's number and state.
#[derive(Debug, Clone, Serialize)]
pub struct PublicEntity {
    pub credit_code: String,
    pub name: String,
    pub entity_type_label: &'static str,
    pub status_label: &'static str,
    pub registered_on: String,
    pub deregistered_on: Option<String>,
    pub license_no: Option<String>,
    pub license_status_label: Option<&'static str>,
}

/// The public lookup by credit code: a code that does not check is a 400, one not
/// registered here a 404.
pub async fn public_entity(store: &Store, code: &str) -> Result<PublicEntity> {
    let code = code_of(code)?;
    let mut rd = store.reader().await?;
    let r = sqlx::query(
        "SELECT e.name, e.entity_type, e.status, e.registered_on, e.deregistered_on, e.license_no, l.status \
         FROM entities e LEFT JOIN licenses l ON l.license_no = e.license_no WHERE e.credit_code = $1",
    )
    .bind(code.as_str())
    .fetch_optional(&mut *rd)
    .await?
    .ok_or_else(|| StoreError::not_found(format!("统一社会信用代码“{code}”未在本机关登记")))?;
    let t = EntityType::parse(&r.try_get::<String, _>(1)?)
        .map(|t| t.label())
        .unwrap_or("");
    let s = EntityStatus::parse(&r.try_get::<String, _>(2)?)
        .map(|s| s.label())
        .unwrap_or("");
    let license_status: Option<String> = r.try_get(6)?;
    Ok(PublicEntity {
        credit_code: code.as_str().to_string(),
        name: tongban_domain::public::mask_text(&r.try_get::<String, _>(0)?),
        entity_type_label: t,
        status_label: s,
        registered_on: r.try_get(3)?,
        deregistered_on: r.try_get(4)?,
        license_no: r.try_get(5)?,
        license_status_label: license_status.map(|s| match s.as_str() {
            "valid" => "有效",
            _ => "已失效",
        }),
    })
}

/// An entity as `tongban export entities` writes it.
#[derive(Debug, Clone, Serialize)]
pub struct EntityExport {
    pub credit_code: String,
    pub name: String,
    pub entity_type: String,
    pub town: String,
    pub status: String,
    pub registered_on: String,
}

/// Streams the rows of `sql` (its first column the id, `$1` the last one seen) in
/// pages of a thousand to `sink`; the number streamed.
async fn stream<T>(
    store: &Store,
    sql: &'static str,
    row: impl Fn(&sqlx::any::AnyRow) -> Result<T>,
    mut sink: impl FnMut(T) -> anyhow::Result<()>,
) -> Result<u64> {
    let mut rd = store.reader().await?;
    let (mut last, mut n) = (0i64, 0);
    loop {
        let rows = sqlx::query(sql).bind(last).fetch_all(&mut *rd).await?;
        if rows.is_empty() {
            return Ok(n);
        }
        for r in rows {
            last = r.try_get(0)?;
            sink(row(&r)?).map_err(StoreError::Other)?;
            n += 1;
        }
    }
}

/// Streams every entity in id order to `sink`.
pub async fn export_entities(
    store: &Store,
    sink: impl FnMut(EntityExport) -> anyhow::Result<()>,
) -> Result<u64> {
    stream(
        store,
        "SELECT e.id, e.credit_code, e.name, e.entity_type, pt.code, e.status, e.registered_on \
         FROM entities e JOIN points pt ON pt.id = e.point_id WHERE e.id > $1 ORDER BY e.id LIMIT 1000",
        |r| {
            Ok(EntityExport {
                credit_code: r.try_get(1)?,
                name: r.try_get(2)?,
                entity_type: r.try_get(3)?,
                town: r.try_get(4)?,
                status: r.try_get(5)?,
                registered_on: r.try_get(6)?,
            })
        },
        sink,
    )
    .await
}

/// A registration as `tongban export registrations` writes it.
#[derive(Debug, Clone, Serialize)]
pub struct RegistrationExport {
    pub case_no: String,
    pub kind: String,
    pub credit_code: Option<String>,
    pub status: String,
    /// The day it was granted (empty while undecided or when refused).
    pub closed_on: Option<String>,
    /// A business license was issued (设立, 变更).
    pub licensed: bool,
}

/// Streams every registration in id order to `sink`.
pub async fn export_registrations(
    store: &Store,
    sink: impl FnMut(RegistrationExport) -> anyhow::Result<()>,
) -> Result<u64> {
    stream(
        store,
        "SELECT r.id, c.case_no, r.kind, e.credit_code, c.status, r.closed_on, r.licensed \
         FROM registrations r JOIN cases c ON c.id = r.case_id LEFT JOIN entities e ON e.id = r.entity_id \
         WHERE r.id > $1 ORDER BY r.id LIMIT 1000",
        |r| {
            Ok(RegistrationExport {
                case_no: r.try_get(1)?,
                kind: r.try_get(2)?,
                credit_code: r.try_get(3)?,
                status: r.try_get(4)?,
                closed_on: r.try_get(5)?,
                licensed: r.try_get::<i64, _>(6)? != 0,
            })
        },
        sink,
    )
    .await
}
