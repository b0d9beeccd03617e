//! The scoped, filtered list of orders.

use super::*;
use crate::Listing;

/// Filters of the work-order list.
#[derive(Debug, Clone, Default)]
pub struct OrderFilter {
    pub status: Option<String>,
    pub category: Option<String>,
    pub unit: Option<String>,
    pub page: Option<i64>,
    pub per_page: Option<i64>,
    /// 转警/转急救: `true` any emergency, `false` none, or one number (110 ...).
    pub emergency: Option<String>,
    /// `true`: returned orders awaiting the center's dispute review (退单待审核).
    pub awaiting_review: Option<String>,
    /// `true`: orders returned at least once; `false`: never returned.
    pub returned: Option<String>,
    /// Code of a co-handling unit (协办单位).
    pub co_unit: Option<String>,
    /// For unit handlers: `lead` the orders their unit leads (主办), `co` those it
    /// co-handles (协办).
    pub involvement: Option<String>,
    /// Registered on or after this local day (`YYYY-MM-DD`).
    pub from: Option<String>,
    /// Registered on or before this local day.
    pub to: Option<String>,
    /// The next page after an order (keyset pagination), as the previous page gave
    /// it (`next_cursor`); instead of `page`.
    pub cursor: Option<String>,
}

fn flag_filter(field: &'static str, v: Option<&str>) -> Result<Option<bool>> {
    match trimmed(v) {
        None => Ok(None),
        Some("true" | "1") => Ok(Some(true)),
        Some("false" | "0") => Ok(Some(false)),
        Some(x) => Err(StoreError::invalid(
            field,
            format!("{field}应为true或false，而不是“{x}”"),
        )),
    }
}

/// The list's conditions, on the order's own columns only (the count needs no join),
/// each as ` AND …`.
fn conditions(p: &Principal, f: &OrderFilter) -> Result<Sql> {
    let mut sql = Sql::new("");
    scope(p, &mut sql)?;
    if let Some(s) = trimmed(f.status.as_deref()) {
        let st = Status::parse(s).ok_or_else(|| {
            StoreError::invalid(
                "status",
                format!("工单状态“{s}”无效，应为：{}", Status::choices()),
            )
        })?;
        sql.push(" AND o.status = ").bind_s(st.as_str());
    }
    if let Some(c) = trimmed(f.category.as_deref()) {
        let cat = Category::parse(c).ok_or_else(|| {
            StoreError::invalid(
                "category",
                format!("诉求类别“{c}”无效，应为：{}", Category::choices()),
            )
        })?;
        sql.push(" AND o.category = ").bind_s(cat.as_str());
    }
    if let Some(u) = trimmed(f.unit.as_deref()) {
        sql.push(" AND o.department_id = (SELECT id FROM departments WHERE code = ")
            .bind_s(u)
            .push(")");
    }
    // Registered in a range of local days: UTC bounds of Beijing's midnights.
    let day_of = |field: &'static str, v: Option<&str>| -> Result<Option<chrono::NaiveDate>> {
        trimmed(v)
            .map(|d| {
                time::parse_day(d).ok_or_else(|| {
                    StoreError::invalid(field, format!("日期“{d}”无效，应为 YYYY-MM-DD"))
                })
            })
            .transpose()
    };
    let (from, to) = (
        day_of("from", f.from.as_deref())?,
        day_of("to", f.to.as_deref())?,
    );
    if let (Some(a), Some(b)) = (from, to)
        && b < a
    {
        return Err(StoreError::invalid("to", "截止日期不能早于起始日期"));
    }
    let midnight = |d: chrono::NaiveDate| {
        let before = d.pred_opt().unwrap_or(d);
        format!("{}T16:00:00.000Z", time::day(before))
    };
    if let Some(a) = from {
        sql.push(" AND o.created_at >= ").bind_s(midnight(a));
    }
    if let Some(b) = to {
        let next = b.succ_opt().unwrap_or(b);
        sql.push(" AND o.created_at < ").bind_s(midnight(next));
    }
    match trimmed(f.emergency.as_deref()) {
        None => {}
        Some("true" | "1") => {
            sql.push(" AND o.emergency IS NOT NULL");
        }
        Some("false" | "0") => {
            sql.push(" AND o.emergency IS NULL");
        }
        Some(e) => {
            let e = Emergency::parse(e).ok_or_else(|| {
                StoreError::invalid(
                    "emergency",
                    format!(
                        "emergency应为true、false或转接号码：{}",
                        Emergency::choices()
                    ),
                )
            })?;
            sql.push(" AND o.emergency = ").bind_s(e.as_str());
        }
    }
    match flag_filter("awaiting_review", f.awaiting_review.as_deref())? {
        Some(true) => {
            sql.push(" AND o.status = ")
                .bind_s(Status::Returned.as_str());
        }
        Some(false) => {
            sql.push(" AND o.status <> ")
                .bind_s(Status::Returned.as_str());
        }
        None => {}
    }
    match flag_filter("returned", f.returned.as_deref())? {
        Some(true) => {
            sql.push(" AND o.return_count > 0");
        }
        Some(false) => {
            sql.push(" AND o.return_count = 0");
        }
        None => {}
    }
    if let Some(i) = trimmed(f.involvement.as_deref()) {
        let unit = match (p.role, p.department_id) {
            (Role::UnitHandler, Some(d)) => d,
            _ => {
                return Err(StoreError::invalid(
                    "involvement",
                    "involvement（主办/协办）仅用于成员单位处办人员查看本单位工单",
                ));
            }
        };
        match i {
            "lead" => {
                sql.push(" AND o.department_id = ").bind_i(unit);
            }
            "co" => {
                sql.push(
                    " AND EXISTS (SELECT 1 FROM work_order_co_units ci WHERE ci.order_id = o.id \
                     AND ci.department_id = ",
                )
                .bind_i(unit)
                .push(")");
            }
            other => {
                return Err(StoreError::invalid(
                    "involvement",
                    format!("involvement应为lead（主办）或co（协办），而不是“{other}”"),
                ));
            }
        }
    }
    if let Some(u) = trimmed(f.co_unit.as_deref()) {
        sql.push(
            " AND EXISTS (SELECT 1 FROM work_order_co_units cf JOIN departments cd ON cd.id = cf.department_id \
             WHERE cf.order_id = o.id AND cd.code = ",
        )
        .bind_s(u)
        .push(")");
    }
    Ok(sql)
}

/// Work orders in the principal's scope, newest first: paged by a cursor (keyset on
/// the id, as fast on the last page as on the first) or by page number, and counted
/// up to `COUNT_CAP`.
pub async fn list(store: &Store, p: &Principal, f: &OrderFilter) -> Result<Listing<OrderView>> {
    let after = match trimmed(f.cursor.as_deref()) {
        None => None,
        Some(c) => Some(c.parse::<i64>().map_err(|_| {
            StoreError::invalid("cursor", "cursor 无效：请使用上一页返回的 next_cursor")
        })?),
    };
    let sql = conditions(p, f)?;
    let (_, per_page, skip) = crate::paging(f.page, f.per_page, 20, 200)?;
    let mut c = store.reader().await?;
    let total = sql
        .count_capped(&mut c, "FROM work_orders o WHERE 1 = 1")
        .await?;
    let mut q = sql.with_text(format!("SELECT {COLUMNS}{FROM}{}", sql.text));
    if let Some(id) = after {
        q.push(" AND o.id < ").bind_i(id);
    }
    q.push(" ORDER BY o.id DESC LIMIT ").bind_i(per_page);
    if after.is_none() && skip > 0 {
        q.push(" OFFSET ").bind_i(skip);
    }
    let rows = q.query().fetch_all(&mut *c).await?;
    let mut list = rows.iter().map(view_from).collect::<Result<Vec<_>>>()?;
    with_co_units(&mut c, &mut list).await?;
    let next_cursor = (list.len() as i64 == per_page)
        .then(|| list.last().map(|o| o.id.to_string()))
        .flatten();
    Ok(Listing {
        rows: list,
        total,
        next_cursor,
    })
}

/// Fills the co-handling units of a page of orders in one query, so a list knows
/// which orders a unit leads and which it co-handles.
async fn with_co_units(conn: &mut AnyConnection, list: &mut [OrderView]) -> Result<()> {
    let ids: Vec<i64> = list
        .iter()
        .filter(|o| !o.co_units.is_empty())
        .map(|o| o.id)
        .collect();
    if ids.is_empty() {
        return Ok(());
    }
    let mut sql = Sql::new(
        "SELECT c.order_id, d.id, d.code, d.name FROM work_order_co_units c \
         JOIN departments d ON d.id = c.department_id WHERE c.order_id IN (",
    );
    for (i, id) in ids.iter().enumerate() {
        if i > 0 {
            sql.push(", ");
        }
        sql.bind_i(*id);
    }
    sql.push(") ORDER BY c.order_id, d.code");
    let rows = sql.query().fetch_all(&mut *conn).await?;
    for r in &rows {
        let order: i64 = r.try_get(0)?;
        if let Some(o) = list.iter_mut().find(|o| o.id == order) {
            o.co_unit_ids.push(r.try_get(1)?);
            o.co_unit_names.push(Unit {
                code: r.try_get(2)?,
                name: r.try_get(3)?,
            });
        }
    }
    Ok(())
}
