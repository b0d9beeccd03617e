//! Construction projects (工程建设项目): registered once at the comprehensive window
//! with the national platform's code, then taken through the four stages of parallel
//! approval (issue 15; the stages come next, on the case engine).

pub mod acceptance;
pub mod long_four;
pub mod problems;
pub mod stages;
pub mod tracking;

use crate::audit::{self, Actor};
use crate::org::{Principal, department_by_code, point_by_code};
use crate::{Result, Sql, Store, StoreError, Total, time};
use serde::Serialize;
use sqlx::{AnyConnection, Row};
use std::sync::Arc;
use tongban_domain::Invalid;
use tongban_domain::org::{PointKind, Role};
use tongban_domain::project::{Category, Funding, NewProject, ProjectCode, ProjectInput};

/// A project as staff and the API see it (an enterprise's project: nothing here is
/// personal data).
#[derive(Debug, Clone, Serialize)]
pub struct ProjectView {
    pub code: String,
    pub name: String,
    pub owner_credit_code: String,
    pub owner_name: String,
    pub town: String,
    pub town_name: String,
    pub address: String,
    pub investment_fen: i64,
    /// 万元, for people.
    pub investment_wan: String,
    pub land_area_m2: f64,
    pub floor_area_m2: f64,
    pub funding: Funding,
    pub funding_label: &'static str,
    pub category: Category,
    pub category_label: &'static str,
    /// 审批 / 核准 / 备案, from the code.
    pub filing: &'static str,
    /// The whole process's limit in working days for its category.
    pub total_limit_days: u32,
    pub lead_department: String,
    pub lead_department_name: String,
    pub created_at: String,
}

const COLUMNS: &str = "p.code, p.name, p.owner_credit_code, p.owner_name, pt.code AS town, pt.name AS town_name, \
     p.address, p.investment_fen, p.land_area_cm2, p.floor_area_cm2, p.funding, p.category, \
     d.code AS dcode, d.name AS dname, p.created_at, p.id";
const FROM: &str = " FROM projects p JOIN points pt ON pt.id = p.point_id \
     JOIN departments d ON d.id = p.lead_department_id WHERE 1 = 1";

fn view_from(r: &sqlx::any::AnyRow) -> Result<ProjectView> {
    let code: String = r.try_get("code")?;
    let funding: String = r.try_get("funding")?;
    let category: String = r.try_get("category")?;
    let bad = |what: &str| StoreError::Other(anyhow::anyhow!("project {code}: bad {what}"));
    let funding = Funding::parse(&funding).ok_or_else(|| bad("funding"))?;
    let category = Category::parse(&category).ok_or_else(|| bad("category"))?;
    let filing = ProjectCode::parse(&code)
        .map(|c| c.filing_label())
        .unwrap_or("备案");
    let fen: i64 = r.try_get("investment_fen")?;
    Ok(ProjectView {
        name: r.try_get("name")?,
        owner_credit_code: r.try_get("owner_credit_code")?,
        owner_name: r.try_get("owner_name")?,
        town: r.try_get("town")?,
        town_name: r.try_get("town_name")?,
        address: r.try_get("address")?,
        investment_fen: fen,
        investment_wan: format!("{:.2}", fen as f64 / 1_000_000.0),
        land_area_m2: r.try_get::<i64, _>("land_area_cm2")? as f64 / 100.0,
        floor_area_m2: r.try_get::<i64, _>("floor_area_cm2")? as f64 / 100.0,
        funding,
        funding_label: funding.label(),
        category,
        category_label: category.label(),
        filing,
        total_limit_days: category.total_limit_days(),
        lead_department: r.try_get("dcode")?,
        lead_department_name: r.try_get("dname")?,
        created_at: time::display(&r.try_get::<String, _>("created_at")?),
        code,
    })
}

/// Who registers projects: the windows that accept (the comprehensive window at the
/// center, a town's window) and administrators.
fn may_register(p: &Principal) -> Result<()> {
    if p.role.accepts_applications() || p.role == Role::Admin {
        Ok(())
    } else {
        Err(StoreError::Forbidden(format!(
            "{}不能登记工程建设项目（由综合窗口登记）",
            p.role.label()
        )))
    }
}

/// Who reads projects: staff who work approval cases (every department takes part in
/// some stage of some project; owners' tracking comes without a login).
pub(crate) fn may_read(p: &Principal) -> Result<()> {
    if p.role.works_cases() {
        Ok(())
    } else {
        Err(StoreError::Forbidden(format!(
            "{}不能查看工程建设项目",
            p.role.label()
        )))
    }
}

/// Registers a project: every fault of the input at once (400), an unknown town or
/// department named (400), a code already registered (409); the row and its audit
/// entry in one transaction.
pub async fn create(store: &Store, p: &Principal, input: &ProjectInput) -> Result<ProjectView> {
    may_register(p)?;
    register(store, &p.actor(), input).await
}

/// Registers a project for `actor` (the window's clerk, or the demo and imports).
pub async fn register(store: &Store, actor: &Actor, input: &ProjectInput) -> Result<ProjectView> {
    let new = input.check().map_err(StoreError::from)?;
    let (point_id, dept_id) = {
        let mut rd = store.reader().await?;
        places(&mut rd, &new).await?
    };
    let row = Arc::new((new, point_id, dept_id, actor.clone()));
    let code = row.0.code.as_str().to_string();
    let keys = store.keys().clone();
    store
        .write(move |tx| {
            let (row, keys) = (row.clone(), keys.clone());
            Box::pin(async move { insert(tx, &keys, &row.0, row.1, row.2, &row.3).await })
        })
        .await?;
    get_unscoped(store, &code).await
}

/// The town point and the lead department the project names, or which is unknown.
async fn places(rd: &mut AnyConnection, new: &NewProject) -> Result<(i64, i64)> {
    let mut faults = vec![];
    let point = point_by_code(&mut *rd, &new.town).await?;
    let point_id = match point {
        Some(pt) if matches!(pt.kind, PointKind::Town | PointKind::Center) => Some(pt.id),
        Some(pt) => {
            faults.push(Invalid::new(
                "town",
                format!("“{}”不是区镇服务中心，请填写项目所在区镇", pt.name),
            ));
            None
        }
        None => {
            faults.push(Invalid::new(
                "town",
                format!("区镇代码“{}”不存在", new.town),
            ));
            None
        }
    };
    let dept = department_by_code(&mut *rd, &new.lead_department).await?;
    if dept.is_none() {
        faults.push(Invalid::new(
            "lead_department",
            format!("牵头部门代码“{}”不存在", new.lead_department),
        ));
    }
    match (point_id, dept) {
        (Some(pt), Some(d)) if faults.is_empty() => Ok((pt, d.id)),
        _ => Err(StoreError::from(faults)),
    }
}

async fn insert(
    tx: &mut AnyConnection,
    keys: &crate::Keys,
    new: &NewProject,
    point_id: i64,
    dept_id: i64,
    actor: &Actor,
) -> Result<i64> {
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO projects (code, name, owner_credit_code, owner_name, point_id, address, investment_fen, \
         land_area_cm2, floor_area_cm2, funding, category, lead_department_id, created_at, created_by) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) RETURNING id",
    )
    .bind(new.code.as_str())
    .bind(&new.name)
    .bind(new.owner_credit_code.as_str())
    .bind(&new.owner_name)
    .bind(point_id)
    .bind(&new.address)
    .bind(new.investment_fen)
    .bind(new.land_area_cm2)
    .bind(new.floor_area_cm2)
    .bind(new.funding.as_str())
    .bind(new.category.as_str())
    .bind(dept_id)
    .bind(time::stamp(time::now()))
    .bind(&actor.name)
    .fetch_one(&mut *tx)
    .await
    .map_err(|e| crate::org::unique_violation(e, "code", &format!("项目代码“{}”已登记", new.code)))?;
    audit::append(
        tx,
        keys,
        actor,
        "project.create",
        "project",
        new.code.as_str(),
        serde_json::json!({
            "owner": new.owner_credit_code.as_str(),
            "category": new.category.as_str(),
            "funding": new.funding.as_str(),
        }),
    )
    .await?;
    Ok(id)
}

pub(crate) async fn get_unscoped(store: &Store, code: &str) -> Result<ProjectView> {
    let mut rd = store.reader().await?;
    let sql = format!("SELECT {COLUMNS}{FROM} AND p.code = $1");
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(code)
        .fetch_optional(&mut *rd)
        .await?
        .ok_or_else(|| StoreError::not_found(format!("工程建设项目“{code}”不存在")))?;
    view_from(&row)
}

/// One project by its code.
pub async fn get(store: &Store, p: &Principal, code: &str) -> Result<ProjectView> {
    may_read(p)?;
    let code = ProjectCode::parse(code).map_err(StoreError::Invalid)?;
    get_unscoped(store, code.as_str()).await
}

/// A filter's value when one was given: trimmed, not empty.
pub(crate) fn given(v: &Option<String>) -> Option<String> {
    v.as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

/// One page of a filtered list (`SELECT {columns}{from}{filters} ORDER BY {order}`)
/// with its total counted up to the cap.
pub(crate) async fn listing<T>(
    rd: &mut AnyConnection,
    sql: &Sql,
    (columns, from, order): (&str, &str, &str),
    (per_page, skip): (i64, i64),
    row: impl Fn(&sqlx::any::AnyRow) -> Result<T>,
) -> Result<(Vec<T>, Total)> {
    let total = sql.count_capped(&mut *rd, from).await?;
    let page = sql.with_text(format!(
        "SELECT {columns}{from}{} ORDER BY {order} LIMIT {per_page} OFFSET {skip}",
        sql.text()
    ));
    let rows = page.query().fetch_all(&mut *rd).await?;
    let views = rows.iter().map(row).collect::<Result<Vec<_>>>()?;
    Ok((views, total))
}

/// What the project list is narrowed to.
#[derive(Debug, Default, Clone, serde::Deserialize)]
pub struct ProjectFilter {
    /// Words of the name, the owner or the code.
    pub q: Option<String>,
    pub town: Option<String>,
    pub lead_department: Option<String>,
    pub category: Option<String>,
    pub page: Option<i64>,
    pub per_page: Option<i64>,
}

pub const PAGE_SIZE: i64 = 20;

/// Projects newest first, filtered and paged, with a total counted up to the cap.
pub async fn list(
    store: &Store,
    p: &Principal,
    f: &ProjectFilter,
) -> Result<(Vec<ProjectView>, Total)> {
    may_read(p)?;
    let (_, per_page, skip) = crate::paging(f.page, f.per_page, PAGE_SIZE, 200)?;
    let mut sql = Sql::new("");
    if let Some(q) = given(&f.q) {
        if q.chars().count() > 50 {
            return Err(StoreError::invalid("q", "搜索词不能超过50个字"));
        }
        let like = format!("%{}%", q.replace(['%', '_'], ""));
        sql.push(" AND (p.name LIKE ")
            .bind_s(like.clone())
            .push(" OR p.owner_name LIKE ")
            .bind_s(like.clone())
            .push(" OR p.code LIKE ")
            .bind_s(like)
            .push(")");
    }
    if let Some(t) = given(&f.town) {
        sql.push(" AND pt.code = ").bind_s(t);
    }
    if let Some(d) = given(&f.lead_department) {
        sql.push(" AND d.code = ").bind_s(d);
    }
    if let Some(c) = given(&f.category) {
        let c = Category::parse(&c).ok_or_else(|| {
            StoreError::invalid("category", format!("项目类别应为{}", Category::choices()))
        })?;
        sql.push(" AND p.category = ").bind_s(c.as_str());
    }
    let mut rd = store.reader().await?;
    listing(
        &mut rd,
        &sql,
        (COLUMNS, FROM, "p.id DESC"),
        (per_page, skip),
        view_from,
    )
    .await
}

/// Every project's code, owner's credit code and owner's name, in registration order
/// (for the demo's service requests).
pub async fn owners(store: &Store) -> Result<Vec<(String, String, String)>> {
    let rows = sqlx::query("SELECT code, owner_credit_code, owner_name FROM projects ORDER BY id")
        .fetch_all(&mut *store.reader().await?)
        .await?;
    rows.iter()
        .map(|r| Ok((r.try_get(0)?, r.try_get(1)?, r.try_get(2)?)))
        .collect()
}

/// Streams every project in id order to `sink` (`tongban export projects`).
pub async fn export(
    store: &Store,
    mut sink: impl FnMut(ProjectView) -> anyhow::Result<()>,
) -> Result<u64> {
    let mut rd = store.reader().await?;
    let mut last = 0i64;
    let mut n = 0;
    loop {
        let sql = format!("SELECT {COLUMNS}{FROM} AND p.id > $1 ORDER BY p.id LIMIT 1000");
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(last)
            .fetch_all(&mut *rd)
            .await?;
        if rows.is_empty() {
            break;
        }
        for r in &rows {
            last = r.try_get("id")?;
            sink(view_from(r)?).map_err(StoreError::Other)?;
            n += 1;
        }
    }
    Ok(n)
}
