//! The catalog's reform decisions: an administrator records a document (文号) that
//! cancels, transfers, suspends, merges or delegates items; in one transaction the
//! decision and a new published version of each item take effect on its day, each
//! in the audit chain. The cut figures (精简事项数、精简比例) count from a baseline
//! day the administrator sets.

use crate::audit::{self, Actor};
use crate::catalog;
use crate::org::Principal;
use crate::{Result, Store, StoreError, time};
use chrono::NaiveDate;
use serde::Serialize;
use sqlx::{AnyConnection, Row};
use tongban_domain::catalog::{ItemContent, ItemStatus};
use tongban_domain::org::{PointKind, Role};
use tongban_domain::reform::{Reform, ReformInput, ReformKind};

/// Setting: the day the cut figures count from (精简基准日).
pub const BASELINE_SETTING: &str = "catalog_baseline";

/// A decision as staff and the API see it.
#[derive(Debug, Clone, Serialize)]
pub struct ReformView {
    pub id: i64,
    pub kind: ReformKind,
    pub kind_label: &'static str,
    pub document_no: String,
    pub decided_on: String,
    pub effective_from: String,
    /// `(code, name)` of each item.
    pub items: Vec<(String, String)>,
    pub merge_into: Option<String>,
    pub points: Vec<String>,
    pub note: String,
    pub created_by: String,
    pub created_at: String,
}

fn admin(p: &Principal) -> Result<()> {
    if p.role == Role::Admin {
        Ok(())
    } else {
        Err(StoreError::Forbidden(
            "只有系统管理员可以录入事项清单改革决定".into(),
        ))
    }
}

/// Records a decision taking effect today or later: every fault of the input at once,
/// an item that cannot take the change named; the decision, each item's new
/// published version and the audit entries in one transaction.
pub async fn decide(store: &Store, p: &Principal, input: &ReformInput) -> Result<ReformView> {
    admin(p)?;
    let today = time::local_day(time::now());
    let reform = input.check(today)?;
    let mut tx = store.begin().await?;
    let id = decide_in(&mut tx, store, &p.actor(), &reform, today, false).await?;
    tx.commit().await?;
    store.forget_items();
    one(store, id).await
}

/// Records a decision of the past (history from an earlier system, the demo): its
/// versions are written as published then.
pub async fn record_history(store: &Store, actor: &Actor, reform: &Reform) -> Result<i64> {
    let mut tx = store.begin().await?;
    let today = time::local_day(time::now());
    let id = decide_in(&mut tx, store, actor, reform, today, true).await?;
    tx.commit().await?;
    store.forget_items();
    Ok(id)
}

/// The statuses an item may have when the decision applies to it, and what it
/// becomes.
fn changed(
    kind: ReformKind,
    code: &str,
    mut c: ItemContent,
    points: &[String],
) -> std::result::Result<ItemContent, String> {
    let open = matches!(c.status, ItemStatus::InUse | ItemStatus::Suspended);
    let refuse = |why: &str| Err(format!("事项“{code}”{why}"));
    match kind {
        ReformKind::Cancel | ReformKind::Transfer | ReformKind::Merge if !open => refuse(&format!(
            "当前状态为{}，不能{}",
            c.status.label(),
            kind.label()
        )),
        ReformKind::Cancel | ReformKind::Merge => {
            c.status = ItemStatus::Cancelled;
            Ok(c)
        }
        ReformKind::Transfer => {
            c.status = ItemStatus::Transferred;
            Ok(c)
        }
        ReformKind::Suspend if c.status != ItemStatus::InUse => {
            refuse(&format!("当前状态为{}，不能暂停", c.status.label()))
        }
        ReformKind::Suspend => {
            c.status = ItemStatus::Suspended;
            Ok(c)
        }
        ReformKind::Delegate if c.status != ItemStatus::InUse => {
            refuse(&format!("当前状态为{}，不能下放", c.status.label()))
        }
        ReformKind::Delegate => {
            let before = c.accept_points.len();
            for p in points {
                if !c.accept_points.contains(p) {
                    c.accept_points.push(p.clone());
                }
            }
            if c.accept_points.len() == before {
                return refuse("已下放至所选服务点");
            }
            Ok(c)
        }
    }
}

async fn decide_in(
    tx: &mut AnyConnection,
    store: &Store,
    actor: &Actor,
    r: &Reform,
    today: NaiveDate,
    historical: bool,
) -> Result<i64> {
    // The points a delegation names: towns' centers and police sub-stations.
    for code in &r.points {
        match crate::org::point_by_code(&mut *tx, code).await? {
            Some(p) if matches!(p.kind, PointKind::Town | PointKind::Substation) => {}
            _ => {
                return Err(StoreError::invalid(
                    "points",
                    format!("“{code}”不是区镇便民服务中心或派出所分理点的代码"),
                ));
            }
        }
    }
    let merge_into = match &r.merge_into {
        None => None,
        Some(code) => match catalog::item_in_force(&mut *tx, code, r.effective_from).await? {
            Some(i)
                if i.content
                    .as_ref()
                    .is_some_and(|c| c.status == ItemStatus::InUse) =>
            {
                Some(i.id)
            }
            _ => {
                return Err(StoreError::invalid(
                    "merge_into",
                    format!("并入的事项“{code}”在施行日不是在用事项"),
                ));
            }
        },
    };
    let mut items = Vec::with_capacity(r.items.len());
    for code in &r.items {
        let item = catalog::item_in_force(&mut *tx, code, r.effective_from)
            .await?
            .ok_or_else(|| {
                StoreError::invalid("items", format!("事项“{code}”不存在或在施行日尚未生效"))
            })?;
        let content = item
            .content
            .clone()
            .ok_or_else(|| StoreError::Other(anyhow::anyhow!("item {code} without content")))?;
        let next = changed(r.kind, code, content, &r.points)
            .map_err(|m| StoreError::invalid("items", m))?;
        items.push((item.id, code.clone(), next));
    }
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO catalog_reforms (kind, document_no, decided_on, effective_from, merge_into_item_id, points, note, \
         created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
    )
    .bind(r.kind.as_str())
    .bind(&r.document_no)
    .bind(time::day(r.decided_on))
    .bind(time::day(r.effective_from))
    .bind(merge_into)
    .bind(serde_json::to_string(&r.points).unwrap_or_else(|_| "[]".into()))
    .bind(&r.note)
    .bind(&actor.name)
    .bind(time::stamp(time::now()))
    .fetch_one(&mut *tx)
    .await?;
    let note = match &r.merge_into {
        Some(t) => format!("依据{}{}（并入{t}）", r.document_no, r.kind.label()),
        None => format!("依据{}{}", r.document_no, r.kind.label()),
    };
    for (item_id, code, content) in items {
        let version = if historical {
            catalog::insert_historical_version(
                &mut *tx,
                store,
                &code,
                content,
                r.effective_from,
                &note,
                actor,
            )
            .await?
        } else {
            let v = catalog::new_version_in(
                &mut *tx,
                store,
                &code,
                content,
                r.effective_from,
                &note,
                actor,
            )
            .await?;
            catalog::publish_in(&mut *tx, store, &code, v, today, actor).await?;
            v
        };
        sqlx::query(
            "INSERT INTO catalog_reform_items (reform_id, item_id, version) VALUES ($1, $2, $3)",
        )
        .bind(id)
        .bind(item_id)
        .bind(version)
        .execute(&mut *tx)
        .await?;
    }
    audit::append(
        tx,
        store.keys(),
        actor,
        "catalog.reform",
        "reform",
        &r.document_no,
        serde_json::json!({ "kind": r.kind.as_str(), "items": r.items, "effective_from": time::day(r.effective_from),
            "merge_into": r.merge_into, "points": r.points }),
    )
    .await?;
    Ok(id)
}

const COLUMNS: &str = "r.id, r.kind, r.document_no, r.decided_on, r.effective_from, t.code AS merge_into, r.points, \
     r.note, r.created_by, r.created_at";

async fn views(rd: &mut AnyConnection, filter: &str, id: Option<i64>) -> Result<Vec<ReformView>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM catalog_reforms r LEFT JOIN items t ON t.id = r.merge_into_item_id{filter} \
         ORDER BY r.effective_from DESC, r.id DESC LIMIT 500"
    );
    let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
    if let Some(id) = id {
        q = q.bind(id);
    }
    let rows = q.fetch_all(&mut *rd).await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        let id: i64 = r.try_get("id")?;
        let kind = ReformKind::parse(&r.try_get::<String, _>("kind")?)
            .ok_or_else(|| StoreError::Other(anyhow::anyhow!("reform {id}: bad kind")))?;
        let items = sqlx::query(
            "SELECT i.code, v.name FROM catalog_reform_items ri JOIN items i ON i.id = ri.item_id \
             JOIN item_versions v ON v.item_id = ri.item_id AND v.version = ri.version \
             WHERE ri.reform_id = $1 ORDER BY i.code",
        )
        .bind(id)
        .fetch_all(&mut *rd)
        .await?
        .iter()
        .map(|x| Ok((x.try_get(0)?, x.try_get(1)?)))
        .collect::<Result<Vec<(String, String)>>>()?;
        out.push(ReformView {
            id,
            kind,
            kind_label: kind.label(),
            document_no: r.try_get("document_no")?,
            decided_on: r.try_get("decided_on")?,
            effective_from: r.try_get("effective_from")?,
            items,
            merge_into: r.try_get("merge_into")?,
            points: serde_json::from_str(&r.try_get::<String, _>("points")?).unwrap_or_default(),
            note: r.try_get("note")?,
            created_by: r.try_get("created_by")?,
            created_at: time::display(&r.try_get::<String, _>("created_at")?),
        });
    }
    Ok(out)
}

async fn one(store: &Store, id: i64) -> Result<ReformView> {
    let mut rd = store.reader().await?;
    views(&mut rd, " WHERE r.id = $1", Some(id))
        .await?
        .into_iter()
        .next()
        .ok_or_else(|| StoreError::not_found("改革决定不存在"))
}

/// Every decision, the latest effective first (the last 500).
pub async fn list(store: &Store) -> Result<Vec<ReformView>> {
    let mut rd = store.reader().await?;
    views(&mut rd, "", None).await
}

/// The baseline day of the cut figures, when one is set.
pub async fn baseline(conn: &mut AnyConnection) -> Result<Option<NaiveDate>> {
    let v: Option<String> = sqlx::query_scalar("SELECT value FROM settings WHERE key = $1")
        .bind(BASELINE_SETTING)
        .fetch_optional(&mut *conn)
        .await?;
    Ok(v.as_deref().and_then(time::parse_day))
}

/// Sets the baseline day (not in the future); administrators only, audited.
pub async fn set_baseline(store: &Store, p: &Principal, day: &str) -> Result<NaiveDate> {
    admin(p)?;
    let d = NaiveDate::parse_from_str(day.trim(), "%Y-%m-%d")
        .map_err(|_| StoreError::invalid("baseline", "精简基准日应为 YYYY-MM-DD 日期"))?;
    if d > time::local_day(time::now()) {
        return Err(StoreError::invalid("baseline", "精简基准日不能晚于今天"));
    }
    let mut tx = store.begin().await?;
    crate::put_setting(&mut tx, BASELINE_SETTING, &time::day(d)).await?;
    audit::append(
        &mut tx,
        store.keys(),
        &p.actor(),
        "catalog.baseline",
        "settings",
        BASELINE_SETTING,
        serde_json::json!({ "baseline": time::day(d) }),
    )
    .await?;
    tx.commit().await?;
    Ok(d)
}

/// One item of a reform decision, as exported.
#[derive(Debug, Clone, Serialize)]
pub struct ReformExportRow {
    pub document_no: String,
    pub kind: &'static str,
    pub decided_on: String,
    pub effective_from: String,
    pub item_code: String,
    pub item_name: String,
    pub merge_into: Option<String>,
    /// The towns and sub-stations an item was delegated to, `|`-separated.
    pub points: String,
}

/// Every decision's items, oldest decision first, to `sink`.
pub async fn export(
    store: &Store,
    mut sink: impl FnMut(ReformExportRow) -> anyhow::Result<()>,
) -> Result<u64> {
    let mut rd = store.reader().await?;
    let mut all = views(&mut rd, "", None).await?;
    all.reverse();
    let mut n = 0;
    for r in all {
        for (code, name) in r.items {
            sink(ReformExportRow {
                document_no: r.document_no.clone(),
                kind: r.kind.as_str(),
                decided_on: r.decided_on.clone(),
                effective_from: r.effective_from.clone(),
                item_code: code,
                item_name: name,
                merge_into: r.merge_into.clone(),
                points: r.points.join("|"),
            })?;
            n += 1;
        }
    }
    Ok(n)
}
