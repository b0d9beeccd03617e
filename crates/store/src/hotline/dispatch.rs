//! 12345 派单目录 (dispatch catalog): which member unit takes a kind of request at a
//! place. A rule names any of a service (诉求分类), a category and a place word of the
//! address (a town, a road, an estate); the most specific rule matching an order
//! wins — place over service over category — and the service's own unit is the
//! fallback. Agents dispatch "by the catalog" (`unit: "auto"`) or see its suggestion.

use crate::audit;
use crate::org::{Principal, department_by_code};
use crate::{Result, Store, StoreError, time};
use serde::{Deserialize, Serialize};
use sqlx::{AnyConnection, Row};
use tongban_domain::hotline::Category;
use tongban_domain::org::Role;

/// The unit code that asks for the catalog's choice.
pub const AUTO: &str = "auto";
const MAX_PLACE_CHARS: usize = 20;

#[derive(Debug, Clone, Default, Deserialize)]
pub struct RuleInput {
    pub service_code: Option<String>,
    pub category: Option<String>,
    pub place: Option<String>,
    /// The member unit's code.
    pub unit: Option<String>,
    pub note: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Rule {
    pub id: i64,
    pub service_code: Option<String>,
    pub service_name: Option<String>,
    pub category: Option<String>,
    pub category_label: Option<&'static str>,
    pub place: Option<String>,
    pub unit_code: String,
    pub unit_name: String,
    pub note: String,
}

/// The unit the catalog gives an order, and why.
#[derive(Debug, Clone, Serialize)]
pub struct Suggestion {
    #[serde(skip)]
    pub department_id: i64,
    pub code: String,
    pub name: String,
    pub reason: String,
}

fn trimmed(v: Option<&str>) -> Option<&str> {
    v.map(str::trim).filter(|s| !s.is_empty())
}

const SELECT: &str = "SELECT r.id, r.service_code, s.name AS sname, r.category, r.place, d.id AS did, d.code AS dcode, \
     d.name AS dname, r.note FROM dispatch_rules r JOIN departments d ON d.id = r.department_id \
     LEFT JOIN open311_services s ON s.code = r.service_code";

fn rule_from(r: &sqlx::any::AnyRow) -> Result<Rule> {
    let category: Option<String> = r.try_get("category")?;
    Ok(Rule {
        id: r.try_get("id")?,
        service_code: r.try_get("service_code")?,
        service_name: r.try_get("sname")?,
        category_label: category
            .as_deref()
            .and_then(Category::parse)
            .map(Category::label),
        category,
        place: r.try_get("place")?,
        unit_code: r.try_get("dcode")?,
        unit_name: r.try_get("dname")?,
        note: r.try_get("note")?,
    })
}

/// The catalog, most specific rules first.
pub async fn rules(store: &Store) -> Result<Vec<Rule>> {
    let mut c = store.reader().await?;
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "{SELECT} ORDER BY CASE WHEN r.place IS NULL THEN 1 ELSE 0 END, r.place, r.service_code, r.category, r.id"
    )))
    .fetch_all(&mut *c)
    .await?;
    rows.iter().map(rule_from).collect()
}

fn admin(p: &Principal) -> Result<()> {
    if p.role == Role::Admin {
        Ok(())
    } else {
        Err(StoreError::Forbidden(
            "只有系统管理员可以维护12345派单目录".into(),
        ))
    }
}

/// Adds a rule (administrators).
pub async fn add_rule(store: &Store, p: &Principal, input: &RuleInput) -> Result<Rule> {
    admin(p)?;
    let mut tx = store.begin().await?;
    let service_code = match trimmed(input.service_code.as_deref()) {
        None => None,
        Some(code) => Some(
            crate::hotline::services::service(&mut tx, code)
                .await?
                .ok_or_else(|| {
                    StoreError::invalid("service_code", format!("诉求分类代码“{code}”不存在"))
                })?
                .service_code,
        ),
    };
    let category = match trimmed(input.category.as_deref()) {
        None => None,
        Some(c) => Some(
            Category::parse(c)
                .ok_or_else(|| {
                    StoreError::invalid(
                        "category",
                        format!("诉求类别“{c}”无效，应为：{}", Category::choices()),
                    )
                })?
                .as_str(),
        ),
    };
    let place = trimmed(input.place.as_deref()).map(str::to_string);
    if place
        .as_deref()
        .is_some_and(|pl| pl.chars().count() > MAX_PLACE_CHARS)
    {
        return Err(StoreError::invalid(
            "place",
            format!("地点关键词不能超过{MAX_PLACE_CHARS}个字"),
        ));
    }
    if service_code.is_none() && category.is_none() && place.is_none() {
        return Err(StoreError::invalid(
            "service_code",
            "请至少填写诉求分类、诉求类别或地点关键词之一",
        ));
    }
    let code = trimmed(input.unit.as_deref())
        .ok_or_else(|| StoreError::invalid("unit", "请选择承办的成员单位"))?;
    let unit = match department_by_code(&mut tx, code).await? {
        Some(d) if d.member_unit => d,
        Some(d) => {
            return Err(StoreError::invalid(
                "unit",
                format!("“{}”不是12345成员单位", d.name),
            ));
        }
        None => {
            return Err(StoreError::invalid(
                "unit",
                format!("单位代码“{code}”不存在"),
            ));
        }
    };
    let note = trimmed(input.note.as_deref()).unwrap_or("").to_string();
    if note.chars().count() > 200 {
        return Err(StoreError::invalid("note", "说明不能超过200个字"));
    }
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO dispatch_rules (service_code, category, place, department_id, note, created_by, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
    )
    .bind(&service_code)
    .bind(category)
    .bind(&place)
    .bind(unit.id)
    .bind(&note)
    .bind(&p.username)
    .bind(time::stamp(time::now()))
    .fetch_one(&mut *tx)
    .await?;
    audit::append(
        &mut tx,
        store.keys(),
        &p.actor(),
        "dispatch_rule.add",
        "dispatch_rule",
        &id.to_string(),
        serde_json::json!({ "service_code": service_code, "category": category, "place": place, "unit": unit.code }),
    )
    .await?;
    let row = sqlx::query(sqlx::AssertSqlSafe(format!("{SELECT} WHERE r.id = $1")))
        .bind(id)
        .fetch_one(&mut *tx)
        .await?;
    let rule = rule_from(&row)?;
    tx.commit().await?;
    Ok(rule)
}

/// Removes a rule (administrators).
pub async fn delete_rule(store: &Store, p: &Principal, id: i64) -> Result<()> {
    admin(p)?;
    let mut tx = store.begin().await?;
    let row = sqlx::query(sqlx::AssertSqlSafe(format!("{SELECT} WHERE r.id = $1")))
        .bind(id)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or_else(|| StoreError::not_found(format!("派单目录第 {id} 条不存在")))?;
    let rule = rule_from(&row)?;
    sqlx::query("DELETE FROM dispatch_rules WHERE id = $1")
        .bind(id)
        .execute(&mut *tx)
        .await?;
    audit::append(
        &mut tx,
        store.keys(),
        &p.actor(),
        "dispatch_rule.delete",
        "dispatch_rule",
        &id.to_string(),
        serde_json::to_value(&rule).unwrap_or_default(),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// How specific a matching rule is: what it names (place 4, service 2, category 1),
/// the length of its place word, and the older rule first.
type Rank = (u8, usize, std::cmp::Reverse<i64>);

/// The unit the catalog gives a request of `service_code` and `category` at
/// `address`: the most specific matching rule, else the service's own unit.
pub async fn suggest(
    conn: &mut AnyConnection,
    service_code: Option<&str>,
    category: &str,
    address: Option<&str>,
) -> Result<Option<Suggestion>> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "{SELECT} WHERE (r.service_code IS NULL OR r.service_code = $1) AND (r.category IS NULL OR r.category = $2) \
         AND d.member_unit = 1"
    )))
    .bind(service_code.unwrap_or(""))
    .bind(category)
    .fetch_all(&mut *conn)
    .await?;
    let address = address.unwrap_or("");
    let mut best: Option<(Rank, Suggestion)> = None;
    for r in &rows {
        let rule = rule_from(r)?;
        if rule
            .place
            .as_deref()
            .is_some_and(|pl| !address.contains(pl))
        {
            continue;
        }
        let rank = (
            4 * u8::from(rule.place.is_some())
                + 2 * u8::from(rule.service_code.is_some())
                + u8::from(rule.category.is_some()),
            rule.place.as_deref().map_or(0, |p| p.chars().count()),
            std::cmp::Reverse(rule.id),
        );
        if best.as_ref().is_none_or(|(b, _)| rank > *b) {
            let mut why = vec![];
            if let Some(pl) = &rule.place {
                why.push(format!("地点含“{pl}”"));
            }
            if let Some(s) = &rule.service_name {
                why.push(format!("诉求分类“{s}”"));
            }
            if let Some(c) = rule.category_label {
                why.push(format!("类别“{c}”"));
            }
            best = Some((
                rank,
                Suggestion {
                    department_id: r.try_get("did")?,
                    code: rule.unit_code,
                    name: rule.unit_name,
                    reason: format!("派单目录第 {} 条：{}", rule.id, why.join("、")),
                },
            ));
        }
    }
    if let Some((_, s)) = best {
        return Ok(Some(s));
    }
    // The service's own unit.
    let Some(code) = service_code else {
        return Ok(None);
    };
    let row = sqlx::query(
        "SELECT d.id, d.code, d.name, s.name FROM open311_services s JOIN departments d ON d.id = s.department_id \
         WHERE s.code = $1 AND d.member_unit = 1",
    )
    .bind(code)
    .fetch_optional(&mut *conn)
    .await?;
    row.map(|r| {
        let service: String = r.try_get(3)?;
        Ok(Suggestion {
            department_id: r.try_get(0)?,
            code: r.try_get(1)?,
            name: r.try_get(2)?,
            reason: format!("诉求分类“{service}”的承办单位"),
        })
    })
    .transpose()
}

/// A rule of a bulk load (demo data): codes, not ids.
#[derive(Debug, Clone, Copy)]
pub struct SeedRule<'a> {
    pub service_code: Option<&'a str>,
    pub category: Option<&'a str>,
    pub place: Option<&'a str>,
    pub unit: &'a str,
    pub note: &'a str,
}

/// Inserts rules in the caller's transaction (the caller records the load in the
/// audit chain); rules naming an unknown unit are skipped.
pub async fn insert_rules(
    conn: &mut AnyConnection,
    rules: &[SeedRule<'_>],
    by: &str,
) -> Result<usize> {
    let mut n = 0;
    let now = time::stamp(time::now());
    for r in rules {
        let Some(unit) = department_by_code(conn, r.unit).await? else {
            continue;
        };
        sqlx::query(
            "INSERT INTO dispatch_rules (service_code, category, place, department_id, note, created_by, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(r.service_code)
        .bind(r.category)
        .bind(r.place)
        .bind(unit.id)
        .bind(r.note)
        .bind(by)
        .bind(&now)
        .execute(&mut *conn)
        .await?;
        n += 1;
    }
    Ok(n)
}
