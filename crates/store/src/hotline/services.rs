//! Open311 services (服务类别): what a request is about and which member unit it goes
//! to; the agent's form, the dispatch rules and the GeoReport v2 endpoint read them.

use crate::org::department_by_code;
use crate::{Result, Store, StoreError};
use serde::Serialize;
use sqlx::{AnyConnection, Row};
use tongban_domain::hotline::Category;

/// An Open311 service (服务类别): what a request is about, and where it goes.
#[derive(Debug, Clone, Serialize)]
pub struct Service {
    pub service_code: String,
    pub service_name: String,
    pub description: String,
    pub group: String,
    pub keywords: String,
    pub category: String,
    pub unit: Option<String>,
    #[serde(skip)]
    pub department_id: Option<i64>,
}

/// A service of the list, for seeding and administration.
pub struct NewService<'a> {
    pub code: &'a str,
    pub name: &'a str,
    pub description: &'a str,
    pub group: &'a str,
    pub keywords: &'a str,
    pub category: Category,
    /// Code of the member unit requests go to.
    pub unit: Option<&'a str>,
}

const SERVICE_COLUMNS: &str = "s.code, s.name, s.description, s.grp, s.keywords, s.category, s.department_id, d.code AS dcode";

fn service_from(r: &sqlx::any::AnyRow) -> Result<Service> {
    Ok(Service {
        service_code: r.try_get("code")?,
        service_name: r.try_get("name")?,
        description: r.try_get("description")?,
        group: r.try_get("grp")?,
        keywords: r.try_get("keywords")?,
        category: r.try_get("category")?,
        department_id: r.try_get("department_id")?,
        unit: r.try_get("dcode")?,
    })
}

/// The services offered, in display order.
pub async fn services(store: &Store) -> Result<Vec<Service>> {
    let mut c = store.reader().await?;
    let sql = format!(
        "SELECT {SERVICE_COLUMNS} FROM open311_services s LEFT JOIN departments d ON d.id = s.department_id ORDER BY s.sort, s.code"
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .fetch_all(&mut *c)
        .await?;
    rows.iter().map(service_from).collect()
}

/// One service by its code.
pub async fn service(conn: &mut AnyConnection, code: &str) -> Result<Option<Service>> {
    let sql = format!(
        "SELECT {SERVICE_COLUMNS} FROM open311_services s LEFT JOIN departments d ON d.id = s.department_id WHERE s.code = $1"
    );
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(code)
        .fetch_optional(conn)
        .await?;
    row.as_ref().map(service_from).transpose()
}

/// Adds services inside the caller's transaction (seed, tests).
pub async fn insert_services(conn: &mut AnyConnection, list: &[NewService<'_>]) -> Result<()> {
    for (i, s) in list.iter().enumerate() {
        let dept = match s.unit {
            Some(code) => Some(member_unit(conn, "unit", code).await?.0),
            None => None,
        };
        sqlx::query(
            "INSERT INTO open311_services (code, name, description, grp, keywords, category, department_id, sort) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(s.code)
        .bind(s.name)
        .bind(s.description)
        .bind(s.group)
        .bind(s.keywords)
        .bind(s.category.as_str())
        .bind(dept)
        .bind(i as i64 + 1)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// The member unit (12345成员单位) of a department code, or why it cannot take orders.
pub(crate) async fn member_unit(
    conn: &mut AnyConnection,
    field: &'static str,
    code: &str,
) -> Result<(i64, String)> {
    match department_by_code(conn, code).await? {
        Some(d) if d.member_unit => Ok((d.id, d.name)),
        Some(d) => Err(StoreError::invalid(
            field,
            format!("“{}”不是12345成员单位，不能派单", d.name),
        )),
        None => Err(StoreError::invalid(
            field,
            format!("单位代码“{code}”不存在"),
        )),
    }
}

/// The service a request's text speaks of, when none was chosen (a web or WeChat
/// request): the one whose keywords it names most; with the keyword that decided.
pub(crate) async fn guess(
    conn: &mut sqlx::AnyConnection,
    text: &str,
) -> Result<Option<(String, String, String)>> {
    use sqlx::Row;
    let rows = sqlx::query("SELECT code, name, keywords FROM open311_services ORDER BY sort, code")
        .fetch_all(conn)
        .await?;
    let mut best: Option<(usize, String, String, String)> = None;
    for r in &rows {
        let keywords: String = r.try_get(2)?;
        let hits: Vec<&str> = keywords
            .split([',', '，', ' '])
            .map(str::trim)
            .filter(|k| !k.is_empty() && text.contains(*k))
            .collect();
        if hits.is_empty() || best.as_ref().is_some_and(|b| b.0 >= hits.len()) {
            continue;
        }
        best = Some((
            hits.len(),
            r.try_get(0)?,
            r.try_get(1)?,
            hits[0].to_string(),
        ));
    }
    Ok(best.map(|(_, code, name, word)| (code, name, word)))
}
