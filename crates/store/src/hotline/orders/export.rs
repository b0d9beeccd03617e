//! Work orders exported for outside analysis.

use super::*;

/// A work order as exported (the caller's name and phone masked; columns named as
/// the API names the fields), enough to recompute every hotline figure.
#[derive(Debug, Clone, Serialize)]
pub struct OrderExport {
    pub order_no: String,
    pub channel: String,
    pub category: String,
    pub status: String,
    pub service_code: Option<String>,
    pub unit: Option<String>,
    pub co_units: String,
    pub phone: Option<String>,
    pub address: Option<String>,
    pub created_at: String,
    pub dispatched_on: Option<String>,
    /// The unit's latest sign-in (签收), for the response rate.
    pub signed_at: Option<String>,
    pub deadline: Option<String>,
    pub closed_at: Option<String>,
    pub direct_answer: bool,
    pub emergency: Option<String>,
    pub callback_level: Option<i64>,
    /// The caller's answer at the callback: resolved or not.
    pub resolved: Option<bool>,
    /// Marked invalid (无效来电), and why.
    pub invalid_kind: Option<String>,
    /// The first dispatch's limit (moved by approved extensions) and the first reply.
    pub due_on: Option<String>,
    pub replied_at: Option<String>,
    pub faulty: bool,
    pub merged_into: Option<String>,
    pub return_count: i64,
    pub public: bool,
}

/// Every work order in intake order, handed to `f` one by one.
pub async fn export(
    store: &Store,
    mut f: impl FnMut(OrderExport) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    let mut c = store.reader().await?;
    let mut last = 0i64;
    loop {
        let rows = sqlx::query(
            "SELECT o.id, o.order_no, o.channel, o.category, o.status, o.service_code, d.code AS dcode, o.co_units, \
             o.phone_masked, o.address, o.created_at, o.dispatched_on, \
             (SELECT MAX(e.at) FROM work_order_events e WHERE e.order_id = o.id AND e.action = 'sign') AS signed_at, \
             o.deadline, o.closed_at, o.direct_answer, o.emergency, o.callback_level, o.faulty, o.merged_into, \
             o.return_count, o.public, o.resolved, o.invalid_kind, o.due_on, o.replied_at \
             FROM work_orders o LEFT JOIN departments d ON d.id = o.department_id WHERE o.id > $1 ORDER BY o.id LIMIT 5000",
        )
        .bind(last)
        .fetch_all(&mut *c)
        .await?;
        if rows.is_empty() {
            return Ok(());
        }
        for r in &rows {
            last = r.try_get("id")?;
            f(OrderExport {
                order_no: r.try_get("order_no")?,
                channel: r.try_get("channel")?,
                category: r.try_get("category")?,
                status: r.try_get("status")?,
                service_code: r.try_get("service_code")?,
                unit: r.try_get("dcode")?,
                co_units: r.try_get("co_units")?,
                phone: r.try_get("phone_masked")?,
                address: r
                    .try_get::<Option<String>, _>("address")?
                    .as_deref()
                    .map(tongban_domain::public::mask_address),
                created_at: r.try_get("created_at")?,
                dispatched_on: r.try_get("dispatched_on")?,
                signed_at: r.try_get("signed_at")?,
                deadline: r.try_get("deadline")?,
                closed_at: r.try_get("closed_at")?,
                direct_answer: crate::flag(r, "direct_answer")?,
                emergency: r.try_get("emergency")?,
                callback_level: r.try_get("callback_level")?,
                resolved: r.try_get::<Option<i64>, _>("resolved")?.map(|v| v == 1),
                invalid_kind: r.try_get("invalid_kind")?,
                due_on: r.try_get("due_on")?,
                replied_at: r.try_get("replied_at")?,
                faulty: crate::flag(r, "faulty")?,
                merged_into: r.try_get("merged_into")?,
                return_count: r.try_get("return_count")?,
                public: crate::flag(r, "public")?,
            })?;
        }
    }
}
