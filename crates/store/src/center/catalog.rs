//! The catalog (事项清单) in the database: items with versioned content. A version is
//! written, then published before its effective date; readers ask for the version in
//! force at a date, which is the newest published version already effective.

use crate::audit::{self, Actor};
use crate::org::Department;
use crate::{Result, Sql, Store, StoreError, time};
use chrono::NaiveDate;
use serde::Serialize;
use sqlx::{AnyConnection, Row};
use tongban_domain::TimeUnit;
use tongban_domain::catalog::{ItemContent, ItemStatus, check_effective_date, split_tags};
use tongban_domain::required_text;

fn unit_str(u: TimeUnit) -> &'static str {
    match u {
        TimeUnit::Working => "working",
        TimeUnit::Natural => "natural",
    }
}

pub fn parse_unit(s: &str) -> TimeUnit {
    if s == "natural" {
        TimeUnit::Natural
    } else {
        TimeUnit::Working
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct DepartmentRef {
    pub code: String,
    pub name: String,
}

/// An item as the version in force describes it.
#[derive(Debug, Clone, Serialize)]
pub struct Item {
    #[serde(skip)]
    pub id: i64,
    #[serde(skip)]
    pub department_id: i64,
    pub code: String,
    pub parent_code: Option<String>,
    pub name: String,
    pub department: DepartmentRef,
    pub status: String,
    pub status_label: &'static str,
    pub power_type: String,
    pub instant: bool,
    pub statutory_days: i64,
    pub statutory_unit: &'static str,
    pub promised_days: i64,
    pub promised_unit: &'static str,
    pub online_depth: String,
    pub version: i64,
    pub effective_from: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub content: Option<ItemContent>,
}

impl Item {
    pub fn content(&self) -> Result<&ItemContent> {
        self.content
            .as_ref()
            .ok_or_else(|| StoreError::Other(anyhow::anyhow!("item content not loaded")))
    }
}

const ITEM_SELECT: &str = "SELECT i.id, i.code, i.department_id, d.code AS dcode, d.name AS dname, v.version, v.effective_from, \
     v.name, v.status, v.power_type, v.instant, v.statutory_days, v.statutory_unit, v.promised_days, v.promised_unit, \
     v.online_depth, pi.code AS parent_code";

const IN_FORCE: &str = " FROM items i JOIN departments d ON d.id = i.department_id \
     JOIN item_versions v ON v.item_id = i.id LEFT JOIN items pi ON pi.id = i.parent_id \
     WHERE v.version = (SELECT v2.version FROM item_versions v2 WHERE v2.item_id = i.id \
       AND v2.published_at IS NOT NULL AND v2.effective_from <= ";

/// Closes the in-force subquery: the latest effective date wins, then the newest version.
const IN_FORCE_END: &str = " ORDER BY v2.effective_from DESC, v2.version DESC LIMIT 1)";

fn item_from(r: &sqlx::any::AnyRow, with_content: bool) -> Result<Item> {
    let status: String = r.try_get("status")?;
    let content = if with_content {
        let raw: String = r.try_get("content")?;
        Some(serde_json::from_str(&raw).map_err(|e| StoreError::Other(e.into()))?)
    } else {
        None
    };
    Ok(Item {
        id: r.try_get("id")?,
        department_id: r.try_get("department_id")?,
        code: r.try_get("code")?,
        parent_code: r.try_get("parent_code")?,
        name: r.try_get("name")?,
        department: DepartmentRef {
            code: r.try_get("dcode")?,
            name: r.try_get("dname")?,
        },
        status_label: ItemStatus::parse_code_or_label(&status)
            .map(|s| s.label())
            .unwrap_or("未知"),
        status,
        power_type: r.try_get("power_type")?,
        instant: crate::flag(r, "instant")?,
        statutory_days: r.try_get("statutory_days")?,
        statutory_unit: unit_str(parse_unit(&r.try_get::<String, _>("statutory_unit")?)),
        promised_days: r.try_get("promised_days")?,
        promised_unit: unit_str(parse_unit(&r.try_get::<String, _>("promised_unit")?)),
        online_depth: r.try_get("online_depth")?,
        version: r.try_get("version")?,
        effective_from: r.try_get("effective_from")?,
        content,
    })
}

/// The item with the version in force on `on`, content included.
pub async fn item_in_force(
    conn: &mut AnyConnection,
    code: &str,
    on: NaiveDate,
) -> Result<Option<Item>> {
    let sql = format!("{ITEM_SELECT}, v.content{IN_FORCE}$1{IN_FORCE_END} AND i.code = $2");
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(time::day(on))
        .bind(code)
        .fetch_optional(conn)
        .await?;
    row.as_ref().map(|r| item_from(r, true)).transpose()
}

/// The item in force on `on` as this node read it within the last second (items
/// change rarely and every change on this node forgets them; other nodes see it at
/// most a second late): an application at a busy window does not re-read and
/// re-parse the item's content each time.
pub(crate) async fn item_in_force_cached(
    store: &Store,
    rd: &mut crate::LazyReader<'_>,
    code: &str,
    on: NaiveDate,
) -> Result<Option<std::sync::Arc<Item>>> {
    if let Some(hit) = store.item_cached(code, on) {
        return Ok(hit);
    }
    let item = item_in_force(rd.get().await?, code, on)
        .await?
        .map(std::sync::Arc::new);
    store.remember_item(code, on, item.clone());
    Ok(item)
}

#[derive(Debug, Default, Clone, serde::Deserialize)]
pub struct ItemFilter {
    pub q: Option<String>,
    pub department: Option<String>,
    pub status: Option<String>,
    pub page: Option<i64>,
    pub per_page: Option<i64>,
}

pub const PAGE_SIZE: i64 = 20;

/// Lists items in force on `on`, filtered and paged, with the total count.
pub async fn list_items(store: &Store, f: &ItemFilter, on: NaiveDate) -> Result<(Vec<Item>, i64)> {
    let (_, per_page, skip) = crate::paging(f.page, f.per_page, PAGE_SIZE, 1000)?;
    let mut filter = Sql::new("");
    filter
        .push(IN_FORCE)
        .bind_s(time::day(on))
        .push(IN_FORCE_END);
    if let Some(q) = f.q.as_deref().map(str::trim).filter(|q| !q.is_empty()) {
        if q.chars().count() > 50 {
            return Err(StoreError::invalid("q", "搜索词不能超过50个字"));
        }
        // Every word must match the name, an alias, a theme or the code, or one of the
        // words a synonym widens it to: the query is cut into words (jieba) after the
        // synonyms are taken out whole, so 办理营业执照 finds 企业设立登记（营业执照）
        // and 个体户 finds 个体工商户设立登记.
        let synonyms = synonyms(&mut *store.reader().await?).await?;
        for group in expand(q, &synonyms).iter().take(6) {
            filter.push(" AND (");
            for (k, term) in group.iter().enumerate() {
                if k > 0 {
                    filter.push(" OR ");
                }
                let like = like_pattern(term);
                filter
                    .push("v.search_text LIKE ")
                    .bind_s(like.clone())
                    .push(" ESCAPE '\\' OR LOWER(i.code) LIKE ");
                filter.bind_s(like).push(" ESCAPE '\\'");
            }
            filter.push(")");
        }
    }
    if let Some(d) = f.department.as_deref().filter(|s| !s.is_empty()) {
        filter.push(" AND d.code = ").bind_s(d);
    }
    if let Some(s) = f.status.as_deref().filter(|s| !s.is_empty()) {
        let st = ItemStatus::parse_code_or_label(s).ok_or_else(|| {
            StoreError::invalid("status", "事项状态应为 in_use（在用）、suspended（暂停）、cancelled（取消）或 transferred（转移）")
        })?;
        filter.push(" AND v.status = ").bind_s(st.as_str());
    }
    let mut count = Sql::new("SELECT COUNT(*)");
    count.text.push_str(&filter.text);
    let mut conn = store.reader().await?;
    // Same arguments, same order: rebuild the count with the filter's bindings.
    let total: i64 = filter
        .with_text(count.text)
        .query_scalar()
        .fetch_one(&mut *conn)
        .await?;
    let mut list = filter.with_text(format!("{ITEM_SELECT}{}", filter.text));
    // An item called by exactly what was typed (its name or an alias) first, then
    // those whose name holds it; items before their sub-items, shorter names (the
    // general item) before longer ones.
    list.push(" ORDER BY ");
    if let Some(q) = f.q.as_deref().map(str::trim).filter(|q| !q.is_empty()) {
        let whole = format!("%|{}|%", escape_like(q));
        list.push("CASE WHEN v.search_text LIKE ")
            .bind_s(whole)
            .push(" ESCAPE '\\' THEN 0 WHEN LOWER(v.name) LIKE ")
            .bind_s(like_pattern(q))
            .push(" ESCAPE '\\' THEN 1 ELSE 2 END, CASE WHEN i.parent_id IS NULL THEN 0 ELSE 1 END, LENGTH(v.name), ");
    }
    list.push("d.code, i.code LIMIT ")
        .bind_i(per_page)
        .push(" OFFSET ")
        .bind_i(skip);
    let rows = list.query().fetch_all(&mut *conn).await?;
    let items = rows
        .iter()
        .map(|r| item_from(r, false))
        .collect::<Result<Vec<_>>>()?;
    Ok((items, total))
}

/// A new item with its first version. `publish` publishes it at once (imports and
/// seeds of a catalog already in force).
#[allow(clippy::too_many_arguments)]
pub async fn insert_item(
    conn: &mut AnyConnection,
    store: &Store,
    code: &str,
    department: &Department,
    parent_id: Option<i64>,
    mut content: ItemContent,
    effective_from: NaiveDate,
    publish: bool,
    actor: &Actor,
) -> Result<i64> {
    check_item_code(code)?;
    content.validate()?;
    let now = time::stamp(time::now());
    let id: i64 = sqlx::query_scalar("INSERT INTO items (code, department_id, parent_id, created_at) VALUES ($1, $2, $3, $4) RETURNING id")
        .bind(code)
        .bind(department.id)
        .bind(parent_id)
        .bind(&now)
        .fetch_one(&mut *conn)
        .await
        .map_err(|e| crate::org::unique_violation(e, "code", &format!("事项编码“{code}”已存在")))?;
    insert_version(
        &mut *conn,
        id,
        1,
        &content,
        effective_from,
        publish.then_some(now.as_str()),
        "新增事项",
        actor,
    )
    .await?;
    audit::append(
        conn,
        store.keys(),
        actor,
        "item.create",
        "item",
        code,
        serde_json::json!({ "name": content.name, "department": department.code, "effective_from": time::day(effective_from), "published": publish }),
    )
    .await?;
    Ok(id)
}

fn check_item_code(code: &str) -> Result<()> {
    let ok = (4..=80).contains(&code.len())
        && code.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
    if ok {
        Ok(())
    } else {
        Err(StoreError::invalid(
            "code",
            "事项编码应为4至80位字母、数字或“-”",
        ))
    }
}

#[allow(clippy::too_many_arguments)]
async fn insert_version(
    conn: &mut AnyConnection,
    item_id: i64,
    version: i64,
    c: &ItemContent,
    effective_from: NaiveDate,
    published_at: Option<&str>,
    note: &str,
    actor: &Actor,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO item_versions (item_id, version, effective_from, published_at, name, status, power_type, instant, \
         statutory_days, statutory_unit, promised_days, promised_unit, online_depth, content, change_note, created_by, created_at, search_text) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)",
    )
    .bind(item_id)
    .bind(version)
    .bind(time::day(effective_from))
    .bind(published_at)
    .bind(&c.name)
    .bind(c.status.as_str())
    .bind(c.power_type.as_str())
    .bind(c.instant as i64)
    .bind(c.statutory.days as i64)
    .bind(unit_str(c.statutory.unit))
    .bind(c.promised.days as i64)
    .bind(unit_str(c.promised.unit))
    .bind(c.online_depth.as_str())
    .bind(serde_json::to_string(c).map_err(|e| StoreError::Other(e.into()))?)
    .bind(note)
    .bind(&actor.name)
    .bind(time::stamp(time::now()))
    .bind(search_text(c))
    .execute(conn)
    .await
    .map_err(|e| crate::org::unique_violation(e, "version", "该事项同时有其他修改，请刷新后重试"))?;
    Ok(())
}

/// Writes a new, unpublished version of an item.
pub async fn new_version(
    store: &Store,
    code: &str,
    content: ItemContent,
    effective_from: NaiveDate,
    note: &str,
    actor: &Actor,
) -> Result<i64> {
    let mut tx = store.begin().await?;
    let v = new_version_in(&mut tx, store, code, content, effective_from, note, actor).await?;
    tx.commit().await?;
    store.forget_items();
    Ok(v)
}

/// Writes a new, unpublished version inside the caller's transaction.
pub async fn new_version_in(
    tx: &mut AnyConnection,
    store: &Store,
    code: &str,
    mut content: ItemContent,
    effective_from: NaiveDate,
    note: &str,
    actor: &Actor,
) -> Result<i64> {
    content.validate()?;
    let note = tongban_domain::required_text("change_note", "变更说明", note, 500)?;
    let item_id: i64 = sqlx::query_scalar("SELECT id FROM items WHERE code = $1")
        .bind(code)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or_else(|| StoreError::not_found(format!("事项“{code}”不存在")))?;
    let latest: i64 = sqlx::query_scalar(
        "SELECT CAST(MAX(version) AS BIGINT) FROM item_versions WHERE item_id = $1",
    )
    .bind(item_id)
    .fetch_one(&mut *tx)
    .await?;
    let last_published: Option<String> = sqlx::query_scalar(
        "SELECT effective_from FROM item_versions WHERE item_id = $1 AND published_at IS NOT NULL ORDER BY effective_from DESC LIMIT 1",
    )
    .bind(item_id)
    .fetch_optional(&mut *tx)
    .await?;
    check_effective_date(
        last_published.as_deref().and_then(time::parse_day),
        effective_from,
    )?;
    let version = latest + 1;
    insert_version(
        &mut *tx,
        item_id,
        version,
        &content,
        effective_from,
        None,
        &note,
        actor,
    )
    .await?;
    audit::append(
        tx,
        store.keys(),
        actor,
        "item.version",
        "item",
        code,
        serde_json::json!({ "version": version, "effective_from": time::day(effective_from), "note": note }),
    )
    .await?;
    Ok(version)
}

/// Records a version that was published in the past (history brought in from an
/// earlier system, or demo data): written already published, effective as given.
pub async fn insert_historical_version(
    tx: &mut AnyConnection,
    store: &Store,
    code: &str,
    mut content: ItemContent,
    effective_from: NaiveDate,
    note: &str,
    actor: &Actor,
) -> Result<i64> {
    content.validate()?;
    let row = sqlx::query("SELECT i.id, CAST(MAX(v.version) AS BIGINT) FROM items i JOIN item_versions v ON v.item_id = i.id WHERE i.code = $1 GROUP BY i.id")
        .bind(code)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or_else(|| StoreError::not_found(format!("事项“{code}”不存在")))?;
    let (item_id, latest): (i64, i64) = (row.try_get(0)?, row.try_get(1)?);
    let version = latest + 1;
    let now = time::stamp(time::now());
    insert_version(
        &mut *tx,
        item_id,
        version,
        &content,
        effective_from,
        Some(&now),
        note,
        actor,
    )
    .await?;
    audit::append(
        tx,
        store.keys(),
        actor,
        "item.version.historical",
        "item",
        code,
        serde_json::json!({ "version": version, "effective_from": time::day(effective_from), "note": note }),
    )
    .await?;
    Ok(version)
}

/// Publishes a version; it must be published before (or on) its effective date.
pub async fn publish(
    store: &Store,
    code: &str,
    version: i64,
    today: NaiveDate,
    actor: &Actor,
) -> Result<()> {
    let mut tx = store.begin().await?;
    publish_in(&mut tx, store, code, version, today, actor).await?;
    tx.commit().await?;
    store.forget_items();
    Ok(())
}

/// Publishes a version inside the caller's transaction.
pub async fn publish_in(
    tx: &mut AnyConnection,
    store: &Store,
    code: &str,
    version: i64,
    today: NaiveDate,
    actor: &Actor,
) -> Result<()> {
    let row = sqlx::query(
        "SELECT v.id, v.effective_from, v.published_at FROM item_versions v JOIN items i ON i.id = v.item_id \
         WHERE i.code = $1 AND v.version = $2",
    )
    .bind(code)
    .bind(version)
    .fetch_optional(&mut *tx)
    .await?
    .ok_or_else(|| StoreError::not_found(format!("事项“{code}”没有第{version}版")))?;
    let id: i64 = row.try_get(0)?;
    let effective: String = row.try_get(1)?;
    let published: Option<String> = row.try_get(2)?;
    if published.is_some() {
        return Err(StoreError::Conflict {
            field: "version",
            message: "该版本已发布".into(),
        });
    }
    let later: Option<String> = sqlx::query_scalar(
        "SELECT v.effective_from FROM item_versions v JOIN items i ON i.id = v.item_id \
         WHERE i.code = $1 AND v.published_at IS NOT NULL AND v.effective_from > $2 ORDER BY v.effective_from DESC LIMIT 1",
    )
    .bind(code)
    .bind(&effective)
    .fetch_optional(&mut *tx)
    .await?;
    if let Some(later) = later {
        return Err(StoreError::invalid(
            "effective_from",
            format!("已发布的版本将于{later}生效，本版本的生效日期（{effective}）不能早于它"),
        ));
    }
    if time::parse_day(&effective).is_some_and(|e| e < today) {
        return Err(StoreError::invalid(
            "effective_from",
            format!(
                "生效日期（{effective}）已过：清单须在实施前公布，请另建版本并设定新的生效日期"
            ),
        ));
    }
    let n = sqlx::query(
        "UPDATE item_versions SET published_at = $1 WHERE id = $2 AND published_at IS NULL",
    )
    .bind(time::stamp(time::now()))
    .bind(id)
    .execute(&mut *tx)
    .await?;
    if n.rows_affected() != 1 {
        return Err(StoreError::Conflict {
            field: "version",
            message: "该版本已发布".into(),
        });
    }
    audit::append(
        tx,
        store.keys(),
        actor,
        "item.publish",
        "item",
        code,
        serde_json::json!({ "version": version, "effective_from": effective }),
    )
    .await?;
    Ok(())
}

#[derive(Debug, Clone, Serialize)]
pub struct VersionSummary {
    pub version: i64,
    pub name: String,
    pub status: String,
    pub effective_from: String,
    pub published_at: Option<String>,
    pub change_note: String,
    pub created_by: String,
}

/// Every version of an item, newest first (the change history the public sees lists
/// only published ones).
pub async fn history(
    store: &Store,
    code: &str,
    published_only: bool,
) -> Result<Vec<VersionSummary>> {
    let mut conn = store.reader().await?;
    let mut sql = Sql::new(
        "SELECT v.version, v.name, v.status, v.effective_from, v.published_at, v.change_note, v.created_by \
         FROM item_versions v JOIN items i ON i.id = v.item_id WHERE i.code = ",
    );
    sql.bind_s(code);
    if published_only {
        sql.push(" AND v.published_at IS NOT NULL");
    }
    sql.push(" ORDER BY v.version DESC");
    let rows = sql.query().fetch_all(&mut *conn).await?;
    rows.iter()
        .map(|r| {
            Ok(VersionSummary {
                version: r.try_get(0)?,
                name: r.try_get(1)?,
                status: r.try_get(2)?,
                effective_from: r.try_get(3)?,
                published_at: r.try_get(4)?,
                change_note: r.try_get(5)?,
                created_by: r.try_get(6)?,
            })
        })
        .collect()
}

/// Fills in each `(code, name)` the name of the item as in force today (empty for a
/// code not in the catalog), each code looked up once.
pub async fn name_codes(rd: &mut AnyConnection, pairs: Vec<&mut (String, String)>) -> Result<()> {
    let today = time::local_day(time::now());
    let mut names: std::collections::HashMap<String, String> = Default::default();
    for (code, name) in pairs {
        if !names.contains_key(code.as_str()) {
            let n = item_in_force(&mut *rd, code, today)
                .await?
                .map(|i| i.name)
                .unwrap_or_default();
            names.insert(code.clone(), n);
        }
        *name = names[code.as_str()].clone();
    }
    Ok(())
}

/// Every item with the version in force on `on`, content included (exports).
pub async fn all_in_force(store: &Store, on: NaiveDate) -> Result<Vec<Item>> {
    let mut conn = store.reader().await?;
    let sql = format!("{ITEM_SELECT}, v.content{IN_FORCE}$1{IN_FORCE_END} ORDER BY d.code, i.code");
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(time::day(on))
        .fetch_all(&mut *conn)
        .await?;
    rows.iter().map(|r| item_from(r, true)).collect()
}

#[derive(Debug, Clone, Serialize)]
pub struct DepartmentCount {
    pub code: String,
    pub name: String,
    /// Items and sub-items in use.
    pub items: i64,
    /// Of them, sub-items (子项), counted apart as the figures count them.
    pub sub_items: i64,
}

/// Departments with the number of items in use on `on`, for the portal's entry by
/// department.
pub async fn counts_by_department(store: &Store, on: NaiveDate) -> Result<Vec<DepartmentCount>> {
    let mut conn = store.reader().await?;
    let sql = format!(
        "SELECT d.code AS dcode, d.name AS dname, COUNT(*) AS n, \
         CAST(SUM(CASE WHEN i.parent_id IS NULL THEN 0 ELSE 1 END) AS BIGINT) AS subs{IN_FORCE}$1{IN_FORCE_END} AND v.status = 'in_use' \
         GROUP BY d.code, d.name, d.sort ORDER BY d.sort, d.code"
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(time::day(on))
        .fetch_all(&mut *conn)
        .await?;
    rows.iter()
        .map(|r| {
            Ok(DepartmentCount {
                code: r.try_get("dcode")?,
                name: r.try_get("dname")?,
                items: r.try_get("n")?,
                sub_items: r.try_get("subs")?,
            })
        })
        .collect()
}

/// An administrator adds an item: version 1 is written unpublished, to be published
/// before its effective date like any other version.
pub async fn create_item(
    store: &Store,
    code: &str,
    department: &str,
    parent: Option<&str>,
    content: ItemContent,
    effective_from: NaiveDate,
    actor: &Actor,
) -> Result<()> {
    let mut tx = store.begin().await?;
    let dept = crate::org::department_by_code(&mut tx, department)
        .await?
        .ok_or_else(|| {
            StoreError::invalid("department", format!("部门代码“{department}”不存在"))
        })?;
    let parent_id = match parent.map(str::trim).filter(|p| !p.is_empty()) {
        Some(p) => Some(
            sqlx::query_scalar::<_, i64>("SELECT id FROM items WHERE code = $1")
                .bind(p)
                .fetch_optional(&mut *tx)
                .await?
                .ok_or_else(|| StoreError::invalid("parent", format!("父事项“{p}”不存在")))?,
        ),
        None => None,
    };
    insert_item(
        &mut tx,
        store,
        code.trim(),
        &dept,
        parent_id,
        content,
        effective_from,
        false,
        actor,
    )
    .await?;
    tx.commit().await?;
    store.forget_items();
    Ok(())
}

/// The id of an item by its code.
pub async fn item_id(conn: &mut AnyConnection, code: &str) -> Result<Option<i64>> {
    Ok(sqlx::query_scalar("SELECT id FROM items WHERE code = $1")
        .bind(code)
        .fetch_optional(conn)
        .await?)
}

/// Words that say nothing about which item is meant.
const STOP_WORDS: &[&str] = &[
    "办理", "申请", "怎么", "如何", "需要", "什么", "哪里", "我要", "我想", "想要", "办", "的",
    "了", "在", "要", "去", "咨询", "手续",
];

static JIEBA: std::sync::LazyLock<jieba_rs::Jieba> = std::sync::LazyLock::new(jieba_rs::Jieba::new);

/// `%term%` for LIKE, lower-cased, its wildcards escaped.
fn like_pattern(term: &str) -> String {
    format!("%{}%", escape_like(term))
}

/// A term lower-cased with LIKE's wildcards (and the escape itself) escaped.
fn escape_like(term: &str) -> String {
    term.to_lowercase()
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_")
}

/// What an item version is found by: its name, aliases and themes, lower-cased,
/// each between bars so a whole alias can be told from part of one.
pub fn search_text(c: &ItemContent) -> String {
    let mut parts = vec![c.name.as_str()];
    parts.extend(c.aliases.iter().map(String::as_str));
    parts.extend(c.themes.iter().map(String::as_str));
    format!("|{}|", parts.join("|")).to_lowercase()
}

/// Fills the search text of versions written before it was kept (an upgraded
/// database); idempotent, so any node may run it at start.
pub async fn fill_search_text(store: &Store) -> Result<()> {
    let mut conn = store.write.acquire().await?;
    let rows = sqlx::query("SELECT id, content FROM item_versions WHERE search_text IS NULL")
        .fetch_all(&mut *conn)
        .await?;
    if rows.is_empty() {
        return Ok(());
    }
    let mut tx = sqlx::Connection::begin(&mut *conn).await?;
    for r in &rows {
        let id: i64 = r.try_get(0)?;
        let content: String = r.try_get(1)?;
        let c: ItemContent =
            serde_json::from_str(&content).map_err(|e| StoreError::Other(e.into()))?;
        sqlx::query("UPDATE item_versions SET search_text = $1 WHERE id = $2")
            .bind(search_text(&c))
            .bind(id)
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    Ok(())
}

/// A synonym: a word people type and the catalog's words it means.
#[derive(Debug, Clone, Serialize)]
pub struct Synonym {
    pub term: String,
    pub means: Vec<String>,
}

pub async fn synonyms(conn: &mut AnyConnection) -> Result<Vec<Synonym>> {
    let rows = sqlx::query("SELECT term, means FROM search_synonyms ORDER BY term")
        .fetch_all(conn)
        .await?;
    rows.iter()
        .map(|r| {
            Ok(Synonym {
                term: r.try_get(0)?,
                means: split_tags(&r.try_get::<String, _>(1)?),
            })
        })
        .collect()
}

/// Adds or replaces a synonym (an administrator's), audited.
pub async fn save_synonym(store: &Store, term: &str, means: &str, actor: &Actor) -> Result<()> {
    let term = required_text("term", "搜索词", term, 20)?;
    if term.chars().any(char::is_whitespace) {
        return Err(StoreError::invalid("term", "搜索词不能含空格"));
    }
    let means = split_tags(means);
    if means.is_empty() {
        return Err(StoreError::invalid(
            "means",
            "请填写该词对应的清单用语（以顿号分隔）",
        ));
    }
    if means.len() > 10 || means.iter().any(|m| m.chars().count() > 30) {
        return Err(StoreError::invalid(
            "means",
            "对应用语最多10个，每个不超过30个字",
        ));
    }
    let means = means.join("、");
    let mut tx = store.begin().await?;
    sqlx::query("DELETE FROM search_synonyms WHERE term = $1")
        .bind(&term)
        .execute(&mut *tx)
        .await?;
    sqlx::query(
        "INSERT INTO search_synonyms (term, means, created_at, created_by) VALUES ($1, $2, $3, $4)",
    )
    .bind(&term)
    .bind(&means)
    .bind(time::stamp(time::now()))
    .bind(&actor.name)
    .execute(&mut *tx)
    .await
    // Two administrators saving the same word at once: the second is told, not a 500.
    .map_err(|e| {
        crate::org::unique_violation(e, "term", "该搜索词刚被他人修改，请刷新页面后重试")
    })?;
    audit::append(
        &mut tx,
        store.keys(),
        actor,
        "catalog.synonym.save",
        "synonym",
        &term,
        serde_json::json!({ "means": means }),
    )
    .await?;
    tx.commit().await?;
    store.forget_items();
    Ok(())
}

/// Removes a synonym, audited; a term that is not there is a 404.
pub async fn delete_synonym(store: &Store, term: &str, actor: &Actor) -> Result<()> {
    let mut tx = store.begin().await?;
    let n = sqlx::query("DELETE FROM search_synonyms WHERE term = $1")
        .bind(term)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    if n == 0 {
        return Err(StoreError::not_found(format!("搜索词“{term}”不存在")));
    }
    audit::append(
        &mut tx,
        store.keys(),
        actor,
        "catalog.synonym.delete",
        "synonym",
        term,
        serde_json::json!({}),
    )
    .await?;
    tx.commit().await?;
    store.forget_items();
    Ok(())
}

/// The query as groups of alternatives, every group to be matched: synonyms found in
/// the query are taken out whole (the longest first) and stand for themselves and what
/// they mean; the rest is cut into words.
pub fn expand(q: &str, synonyms: &[Synonym]) -> Vec<Vec<String>> {
    let mut by_length: Vec<&Synonym> = synonyms.iter().collect();
    by_length.sort_by_key(|s| std::cmp::Reverse(s.term.chars().count()));
    let mut groups: Vec<Vec<String>> = vec![];
    let mut rest = q.to_lowercase();
    for s in by_length {
        let term = s.term.to_lowercase();
        if term.is_empty() || !rest.contains(&term) {
            continue;
        }
        rest = rest.replace(&term, " ");
        let mut group = vec![term];
        group.extend(s.means.iter().map(|m| m.to_lowercase()));
        groups.push(group);
    }
    if !rest.trim().is_empty() {
        for w in search_terms(&rest) {
            if groups.iter().all(|g| g[0] != w) {
                groups.push(vec![w]);
            }
        }
    }
    if groups.is_empty() {
        groups.push(vec![q.trim().to_lowercase()]);
    }
    groups
}

/// The words of a search query: space-separated parts, each cut into Chinese words,
/// without stop words and stray punctuation.
pub fn search_terms(q: &str) -> Vec<String> {
    let mut out: Vec<String> = vec![];
    for part in q.split_whitespace() {
        // Codes and other Latin text stay whole.
        if part.is_ascii() {
            if !out.iter().any(|o| o == part) {
                out.push(part.to_string());
            }
            continue;
        }
        for w in JIEBA.cut(part, false) {
            let w = w.word.trim_matches(|c: char| {
                c.is_ascii_punctuation() || "，。、；：？！（）《》“”".contains(c)
            });
            if w.is_empty() || STOP_WORDS.contains(&w) || out.iter().any(|o| o == w) {
                continue;
            }
            out.push(w.to_string());
        }
    }
    // A lone Chinese character beside real words (开个小饭馆 → 开, 个, 小, 饭馆) is
    // mostly grammar: the words decide.
    let single = |w: &String| w.chars().count() == 1 && !w.is_ascii();
    if out.iter().any(|w| !single(w)) {
        out.retain(|w| !single(w));
    }
    if out.is_empty() {
        // Only stop words: search for what was typed.
        out.extend(q.split_whitespace().map(str::to_string));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::search_terms;

    #[test]
    fn synonyms_are_taken_out_whole() {
        use super::{Synonym, expand};
        let syn = |t: &str, m: &[&str]| Synonym {
            term: t.into(),
            means: m.iter().map(|s| s.to_string()).collect(),
        };
        let list = [
            syn("个体户", &["个体工商户"]),
            syn("营业执照变更", &["变更登记"]),
            syn("补办", &["补领", "补发"]),
        ];
        assert_eq!(expand("个体户", &list), vec![vec!["个体户", "个体工商户"]]);
        assert_eq!(
            expand("身份证补办", &list),
            vec![vec!["补办", "补领", "补发"], vec!["身份证"]]
        );
        assert_eq!(
            expand("营业执照变更", &list),
            vec![vec!["营业执照变更", "变更登记"]]
        );
        assert_eq!(expand("办理", &list), vec![vec!["办理"]]);
    }

    #[test]
    fn queries_are_cut_into_words() {
        assert_eq!(search_terms("营业执照"), vec!["营业执照"]);
        assert_eq!(search_terms("办理营业执照"), vec!["营业执照"]);
        assert_eq!(search_terms("食品经营许可"), vec!["食品", "经营", "许可"]);
        assert_eq!(search_terms("SJ-LICENCE 食品"), vec!["SJ-LICENCE", "食品"]);
        assert_eq!(search_terms("办理"), vec!["办理"]);
        assert_eq!(search_terms("开个小饭馆"), vec!["饭馆"]);
        assert_eq!(search_terms("证"), vec!["证"]);
    }
}
