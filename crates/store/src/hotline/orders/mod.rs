//! 12345 work orders (工单): what an order is as pages and the API see it, the
//! principal's scope, reading one, the time limits by category, and the checks of a
//! request's fields. The writes are split by verb: `create` (an agent's intake),
//! `write` (the rows every write shares), `act` (the closed loop), `list`, `web`
//! (the public form and progress), `export`. Each write is one transaction that
//! records an event and appends to the audit chain.
//!
//! The files of this folder are one module split by verb; they share its imports.

mod act;
mod create;
mod export;
mod list;
mod web;
mod write;

pub use act::act;
pub use create::create;
pub use export::{OrderExport, export};
pub use list::{OrderFilter, list};
pub use web::{PublicOrder, PublicStep, check_web, create_web, public_order, public_web_orders};
pub(crate) use write::*;

use crate::audit::{self, Actor};
use crate::hotline::services::{member_unit, service};
use crate::org::{Principal, next_counter};
use crate::{Result, Sql, Store, StoreError, calendar, time};
use serde::{Deserialize, Serialize};
use sqlx::{AnyConnection, Row};
use tongban_domain::codes::mask_phone;
use tongban_domain::hotline::{
    Action, Category, Channel, DeadlineDays, EMERGENCY_EVENT, EMERGENCY_EVENT_LABEL, Emergency,
    InvalidKind, MAX_CONTENT_CHARS, MAX_NOTE_CHARS, OrderState, Satisfaction, Status,
    TransitionError, UnitRelation, check_extension_request, is_order_no, order_no,
};
use tongban_domain::org::Role;
use tongban_domain::required_text;

/// A request as the agent's screen or the API gives it.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct NewOrder {
    pub channel: Option<String>,
    pub category: Option<String>,
    pub caller_name: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub address: Option<String>,
    pub lat: Option<f64>,
    pub long: Option<f64>,
    pub content: Option<String>,
    pub service_code: Option<String>,
    /// 直接解答: the answer given on the call; the order closes at once.
    pub answer: Option<String>,
    /// Code of the member unit to dispatch to (主办单位).
    pub unit: Option<String>,
    /// Codes of co-handling units (协办单位).
    pub co_units: Option<Vec<String>>,
    /// A web request whose progress is shown publicly.
    pub public: Option<bool>,
    /// 转警/转急救: the emergency number the caller was passed to (110, 119, 120,
    /// 122); the order closes at once as transferred. A string or a number.
    #[serde(default, deserialize_with = "string_or_number")]
    pub emergency: Option<String>,
}

/// Accepts `"110"` and `110` alike (a form sends text, a JSON client may send a number).
pub(crate) fn string_or_number<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> Result<Option<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum V {
        S(String),
        N(i64),
    }
    Ok(Option::<V>::deserialize(d)?.map(|v| match v {
        V::S(s) => s,
        V::N(n) => n.to_string(),
    }))
}

/// An action on a work order.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ActionInput {
    pub action: Option<String>,
    pub note: Option<String>,
    /// 派单/改派: the member unit's code.
    pub unit: Option<String>,
    /// 办结/回访: satisfaction 1–5.
    pub level: Option<i64>,
    /// 并单: the order number this one merges into.
    pub into: Option<String>,
    /// 派单/改派: codes of co-handling units (协办单位), replacing those recorded.
    pub co_units: Option<Vec<String>>,
    /// 标记无效来电: harassment, silent, wrong_number or hung_up.
    #[serde(default)]
    pub invalid_kind: Option<String>,
    /// 办结/回访: the caller's answer whether the request was resolved (解决率).
    #[serde(default)]
    pub resolved: Option<bool>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Unit {
    pub code: String,
    pub name: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct OrderEvent {
    pub at: String,
    pub actor: String,
    pub action: String,
    pub action_label: String,
    pub from_status: Option<String>,
    pub to_status: String,
    pub unit: Option<String>,
    pub note: Option<String>,
}

/// A work order as staff see it (the phone masked).
#[derive(Debug, Clone, Serialize)]
pub struct OrderView {
    pub order_no: String,
    pub channel: &'static str,
    pub channel_label: &'static str,
    pub category: &'static str,
    pub category_label: &'static str,
    pub caller_name: String,
    pub phone_masked: Option<String>,
    pub address: Option<String>,
    pub lat: Option<String>,
    pub long: Option<String>,
    pub content: String,
    pub service_code: Option<String>,
    pub service_name: Option<String>,
    pub unit: Option<Unit>,
    /// Codes of the co-handling units (协办单位).
    pub co_units: Vec<String>,
    /// The co-handling units with their names.
    pub co_unit_names: Vec<Unit>,
    pub status: &'static str,
    pub status_label: &'static str,
    pub deadline: Option<String>,
    pub deadline_estimated: bool,
    pub extension_pending: bool,
    pub direct_answer: bool,
    pub answer: Option<String>,
    pub reply: Option<String>,
    pub callback_level: Option<i64>,
    /// The caller's answer at the callback: resolved or not.
    pub resolved: Option<bool>,
    /// Marked invalid (无效来电), and why.
    pub invalid_kind: Option<&'static str>,
    pub invalid_label: Option<&'static str>,
    /// The first dispatch's time limit, moved only by approved extensions, and the
    /// unit's first reply: the on-time rate compares them.
    pub due_on: Option<String>,
    pub replied_at: Option<String>,
    pub faulty: bool,
    pub merged_into: Option<String>,
    /// 转警/转急救: the number the emergency was passed to, and its label.
    pub emergency: Option<&'static str>,
    pub emergency_label: Option<&'static str>,
    /// How many times a unit returned the order (退单次数).
    pub return_count: i64,
    pub public: bool,
    pub created_at: String,
    pub updated_at: String,
    pub closed_at: Option<String>,
    pub events: Vec<OrderEvent>,
    #[serde(skip)]
    id: i64,
    #[serde(skip)]
    department_id: Option<i64>,
    #[serde(skip)]
    co_unit_ids: Vec<i64>,
    #[serde(skip)]
    state: OrderState,
}

impl OrderView {
    pub fn state(&self) -> OrderState {
        self.state
    }

    /// How a unit handler's unit stands to the order (lead or co-unit); `None` for
    /// other roles and other units. Co-units are known on orders read by `get` and
    /// `list` (not on Open311 or public reads).
    pub fn unit_relation(&self, p: &Principal) -> Option<UnitRelation> {
        let d = p.department_id.filter(|_| p.role == Role::UnitHandler)?;
        if self.department_id == Some(d) {
            Some(UnitRelation::Lead)
        } else if self.co_unit_ids.contains(&d) {
            Some(UnitRelation::Co)
        } else {
            None
        }
    }

    /// The actions `p` may take on the order now (for rendering action forms); the
    /// note, unit and other inputs are still checked when the action is taken.
    pub fn available_actions(&self, p: &Principal) -> Vec<Action> {
        let relation = self.unit_relation(p);
        Action::ALL
            .iter()
            .copied()
            .filter(|a| {
                a.allowed_for(p.role)
                    && (p.role != Role::UnitHandler
                        || relation.is_some_and(|r| a.open_to_unit(r).is_ok()))
                    && self.state.transition(*a, p.role, Some("-")).is_ok()
            })
            .collect()
    }
}

/// An order event's columns, in the order of its values; the store's insert and the
/// demo's bulk load (with `id` before them) share the list.
pub const EVENT_INSERT_COLUMNS: &[&str] = &[
    "order_id",
    "at",
    "actor_id",
    "actor",
    "action",
    "from_status",
    "to_status",
    "department_id",
    "note",
];

pub(crate) const COLUMNS: &str = "o.id, o.order_no, o.channel, o.category, o.caller_name, o.phone_masked, o.address, o.lat, o.lon, \
     o.content, o.service_code, s.name AS service_name, o.department_id, d.code AS dcode, d.name AS dname, o.co_units, o.status, \
     o.deadline, o.deadline_estimated, o.extension_pending, o.direct_answer, o.answer, o.reply, o.callback_level, o.faulty, \
     o.merged_into, o.public, o.created_at, o.updated_at, o.closed_at, o.emergency, o.return_count, \
     o.invalid_kind, o.resolved, o.due_on, o.replied_at";

pub(crate) const FROM: &str = " FROM work_orders o LEFT JOIN departments d ON d.id = o.department_id \
     LEFT JOIN open311_services s ON s.code = o.service_code WHERE 1 = 1";

pub(crate) fn other(what: &str) -> StoreError {
    StoreError::Other(anyhow::anyhow!("{what}"))
}

pub(crate) fn view_from(r: &sqlx::any::AnyRow) -> Result<OrderView> {
    let channel: String = r.try_get("channel")?;
    let channel = Channel::parse(&channel).ok_or_else(|| other("unknown channel"))?;
    let category: String = r.try_get("category")?;
    let category = Category::parse(&category).ok_or_else(|| other("unknown category"))?;
    let status: String = r.try_get("status")?;
    let status = Status::parse(&status).ok_or_else(|| other("unknown order status"))?;
    let dcode: Option<String> = r.try_get("dcode")?;
    let dname: Option<String> = r.try_get("dname")?;
    let co: String = r.try_get("co_units")?;
    let callback_level: Option<i64> = r.try_get("callback_level")?;
    let extension_pending = crate::flag(r, "extension_pending")?;
    let faulty = crate::flag(r, "faulty")?;
    let emergency: Option<String> = r.try_get("emergency")?;
    let emergency = emergency.as_deref().and_then(Emergency::parse);
    let invalid: Option<String> = r.try_get("invalid_kind")?;
    let invalid = invalid.as_deref().and_then(InvalidKind::parse);
    Ok(OrderView {
        id: r.try_get("id")?,
        order_no: r.try_get("order_no")?,
        channel: channel.as_str(),
        channel_label: channel.label(),
        category: category.as_str(),
        category_label: category.label(),
        caller_name: r.try_get("caller_name")?,
        phone_masked: r.try_get("phone_masked")?,
        address: r.try_get("address")?,
        lat: r.try_get("lat")?,
        long: r.try_get("lon")?,
        content: r.try_get("content")?,
        service_code: r.try_get("service_code")?,
        service_name: r.try_get("service_name")?,
        department_id: r.try_get("department_id")?,
        unit: match (dcode, dname) {
            (Some(code), Some(name)) => Some(Unit { code, name }),
            _ => None,
        },
        co_units: co
            .split(',')
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect(),
        co_unit_names: vec![],
        co_unit_ids: vec![],
        status: status.as_str(),
        status_label: status.label(),
        deadline: r.try_get("deadline")?,
        deadline_estimated: crate::flag(r, "deadline_estimated")?,
        extension_pending,
        direct_answer: crate::flag(r, "direct_answer")?,
        answer: r.try_get("answer")?,
        reply: r.try_get("reply")?,
        callback_level,
        resolved: r.try_get::<Option<i64>, _>("resolved")?.map(|v| v == 1),
        invalid_kind: invalid.map(InvalidKind::as_str),
        invalid_label: invalid.map(InvalidKind::label),
        due_on: r.try_get("due_on")?,
        replied_at: r.try_get("replied_at")?,
        faulty,
        merged_into: r.try_get("merged_into")?,
        emergency: emergency.map(Emergency::as_str),
        emergency_label: emergency.map(Emergency::label),
        return_count: r.try_get("return_count")?,
        public: crate::flag(r, "public")?,
        created_at: r.try_get("created_at")?,
        updated_at: r.try_get("updated_at")?,
        closed_at: r.try_get("closed_at")?,
        events: vec![],
        state: OrderState {
            status,
            extension_pending,
            called_back: callback_level.is_some(),
            unsatisfied: callback_level
                .is_some_and(|l| l <= i64::from(tongban_domain::rating::BAD_AT_MOST)),
            faulty,
        },
    })
}

/// Who may read work orders, and which: the center and supervisors see all; a unit
/// handler only the orders their unit leads or co-handles (enforced in the query).
pub(crate) fn scope(p: &Principal, sql: &mut Sql) -> Result<()> {
    match p.role {
        Role::HotlineAgent | Role::Supervisor | Role::Admin => {}
        Role::UnitHandler => {
            let unit = p.department_id.unwrap_or(-1);
            sql.push(" AND (o.department_id = ")
                .bind_i(unit)
                .push(
                    " OR EXISTS (SELECT 1 FROM work_order_co_units cu WHERE cu.order_id = o.id \
                     AND cu.department_id = ",
                )
                .bind_i(unit)
                .push("))");
        }
        _ => return Err(StoreError::Forbidden("当前角色无权查看12345工单".into())),
    }
    Ok(())
}

pub(crate) fn not_found(no: &str) -> StoreError {
    StoreError::not_found(format!("工单“{no}”不存在或无权查看"))
}

pub(crate) async fn events_of(conn: &mut AnyConnection, id: i64) -> Result<Vec<OrderEvent>> {
    let rows = sqlx::query(
        "SELECT e.at, e.actor, e.action, e.from_status, e.to_status, d.name AS dname, e.note \
         FROM work_order_events e LEFT JOIN departments d ON d.id = e.department_id \
         WHERE e.order_id = $1 ORDER BY e.id",
    )
    .bind(id)
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|r| {
            let action: String = r.try_get("action")?;
            let from: Option<String> = r.try_get("from_status")?;
            let label = match (Action::parse(&action), from.as_deref()) {
                // 退单审核: approving a return is the reassignment that follows it.
                (Some(Action::Dispatch), Some("returned")) => "退单审核通过，改派",
                (Some(a), _) => a.label(),
                (None, _) => match action.as_str() {
                    "accept" => "受理",
                    EMERGENCY_EVENT => EMERGENCY_EVENT_LABEL,
                    _ => "",
                },
            };
            Ok(OrderEvent {
                at: r.try_get("at")?,
                actor: r.try_get("actor")?,
                action_label: label.to_string(),
                action,
                from_status: from,
                to_status: r.try_get("to_status")?,
                unit: r.try_get("dname")?,
                note: r.try_get("note")?,
            })
        })
        .collect()
}

pub(crate) async fn load(
    conn: &mut AnyConnection,
    p: Option<&Principal>,
    no: &str,
) -> Result<OrderView> {
    if !is_order_no(no) {
        return Err(not_found(no));
    }
    let mut sql = Sql::new(&format!("SELECT {COLUMNS}{FROM} AND o.order_no = "));
    sql.bind_s(no);
    if let Some(p) = p {
        scope(p, &mut sql)?;
    }
    let row = sql
        .query()
        .fetch_optional(&mut *conn)
        .await?
        .ok_or_else(|| not_found(no))?;
    let mut v = view_from(&row)?;
    v.events = events_of(conn, v.id).await?;
    let co = sqlx::query(
        "SELECT d.id, d.code, d.name FROM work_order_co_units c JOIN departments d ON d.id = c.department_id \
         WHERE c.order_id = $1 ORDER BY d.code",
    )
    .bind(v.id)
    .fetch_all(&mut *conn)
    .await?;
    for r in &co {
        v.co_unit_ids.push(r.try_get(0)?);
        v.co_unit_names.push(Unit {
            code: r.try_get(1)?,
            name: r.try_get(2)?,
        });
    }
    Ok(v)
}

/// One work order with its events, within the principal's scope.
pub async fn get(store: &Store, p: &Principal, no: &str) -> Result<OrderView> {
    let mut c = store.reader().await?;
    load(&mut c, Some(p), no).await
}

/// A caller's earlier order, as the agent sees it beside the current one.
#[derive(Debug, Clone, Serialize)]
pub struct CallerOrder {
    pub order_no: String,
    pub created_at: String,
    pub category_label: &'static str,
    pub status_label: &'static str,
    pub content: String,
}

/// The other orders from the same phone number as order `no`, newest first (the
/// center's agents and supervisors only: a unit sees its own orders).
/// The photos sent with an order, for staff who may see it.
pub async fn photos(
    store: &Store,
    p: &Principal,
    no: &str,
) -> Result<Vec<crate::files::OrderPhoto>> {
    let mut c = store.reader().await?;
    let o = load(&mut c, Some(p), no).await?;
    crate::files::order_photos(&mut c, o.id).await
}

/// One photo of an order, for staff who may see it.
pub async fn photo(
    store: &Store,
    p: &Principal,
    no: &str,
    id: i64,
) -> Result<crate::files::OrderPhoto> {
    photos(store, p, no)
        .await?
        .into_iter()
        .find(|f| f.id == id)
        .ok_or_else(|| StoreError::not_found("照片不存在"))
}

pub async fn caller_history(store: &Store, p: &Principal, no: &str) -> Result<Vec<CallerOrder>> {
    if !matches!(p.role, Role::HotlineAgent | Role::Supervisor) {
        return Ok(vec![]);
    }
    let mut c = store.reader().await?;
    let rows = sqlx::query(
        "SELECT o.order_no, o.created_at, o.category, o.status, o.content FROM work_orders o \
         JOIN work_orders me ON me.phone_digest = o.phone_digest \
         WHERE me.order_no = $1 AND o.order_no <> me.order_no AND o.phone_digest IS NOT NULL \
         ORDER BY o.id DESC LIMIT 10",
    )
    .bind(no)
    .fetch_all(&mut *c)
    .await?;
    rows.iter()
        .map(|r| {
            let category = Category::parse(&r.try_get::<String, _>(2)?)
                .ok_or_else(|| other("unknown category"))?;
            let status = Status::parse(&r.try_get::<String, _>(3)?)
                .ok_or_else(|| other("unknown order status"))?;
            Ok(CallerOrder {
                order_no: r.try_get(0)?,
                created_at: r.try_get(1)?,
                category_label: category.label(),
                status_label: status.label(),
                content: r.try_get(4)?,
            })
        })
        .collect()
}

// ---------------------------------------------------------------------------
// 办理时限: working days by category, configured by administrators. Read inside the
// transaction that dispatches, never cached by a node: several nodes may serve one
// PostgreSQL, and an administrator's change holds from the next dispatch on.

/// The time limits in force, read on `conn` (rows missing fall back to the defaults).
pub async fn deadline_days(conn: &mut AnyConnection) -> Result<DeadlineDays> {
    let rows = sqlx::query("SELECT category, days FROM hotline_deadlines")
        .fetch_all(conn)
        .await?;
    let mut limits = DeadlineDays::default();
    for r in &rows {
        let key: String = r.try_get(0)?;
        let days: i64 = r.try_get(1)?;
        // A row outside the rules (edited by hand) keeps the default.
        if limits.set(&key, days).is_err() {
            tracing::warn!(key, days, "hotline time limit out of range ignored");
        }
    }
    Ok(limits)
}

/// The time limits in force.
pub async fn deadlines(store: &Store) -> Result<DeadlineDays> {
    let mut c = store.reader().await?;
    deadline_days(&mut c).await
}

/// Sets time limits (administrators only): keys are category codes and `extension`,
/// values whole working days 1..=60, as numbers or text. Keys left out keep their
/// days. Nothing is written unless every value is valid.
pub async fn set_deadlines(
    store: &Store,
    p: &Principal,
    input: &serde_json::Map<String, serde_json::Value>,
) -> Result<DeadlineDays> {
    if p.role != Role::Admin {
        return Err(StoreError::Forbidden(
            "只有系统管理员可以设置12345工单办理时限".into(),
        ));
    }
    if input.is_empty() {
        return Err(StoreError::invalid(
            "deadlines",
            format!(
                "请填写要设置的办理时限，如 {{\"complaint\": 13}}；类别应为：{}",
                Category::choices()
            ),
        ));
    }
    let mut tx = store.begin().await?;
    let before = deadline_days(&mut tx).await?;
    let mut after = before;
    // Known keys in display order first, so the first error named is the first field.
    let known: Vec<&str> = before.entries().iter().map(|e| e.0).collect();
    let mut keys: Vec<&String> = input.keys().collect();
    keys.sort_by_key(|k| known.iter().position(|n| n == k).unwrap_or(usize::MAX));
    for key in keys {
        let days = match &input[key.as_str()] {
            serde_json::Value::Number(n) => n.as_i64(),
            serde_json::Value::String(t) => t.trim().parse::<i64>().ok(),
            _ => None,
        };
        // Not a whole number: the same message as a number out of range.
        after.set(key, days.unwrap_or(0))?;
    }
    let stamp = time::stamp(time::now());
    for (key, _, days) in after.entries() {
        sqlx::query(
            "INSERT INTO hotline_deadlines (category, days, updated_at, updated_by) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (category) DO UPDATE SET days = excluded.days, updated_at = excluded.updated_at, \
             updated_by = excluded.updated_by",
        )
        .bind(key)
        .bind(i64::from(days))
        .bind(&stamp)
        .bind(&p.username)
        .execute(&mut *tx)
        .await?;
    }
    audit::append(
        &mut tx,
        store.keys(),
        &p.actor(),
        "hotline.deadlines.set",
        "hotline_deadlines",
        "12345",
        serde_json::json!({ "before": before, "after": after }),
    )
    .await?;
    tx.commit().await?;
    Ok(after)
}

pub(crate) fn trimmed(v: Option<&str>) -> Option<&str> {
    v.map(str::trim).filter(|s| !s.is_empty())
}

pub(crate) fn optional_text(
    field: &'static str,
    label: &str,
    v: Option<&str>,
    max: usize,
) -> Result<Option<String>> {
    match trimmed(v) {
        None => Ok(None),
        Some(s) => Ok(Some(required_text(field, label, s, max)?)),
    }
}

/// A caller's phone: a mainland mobile, or a landline of digits and dashes.
pub(crate) fn parse_phone(v: &str) -> Result<String> {
    tongban_domain::codes::Phone::parse(v)
        .map(|p| p.as_str().to_string())
        .map_err(|_| {
            StoreError::invalid(
                "phone",
                "联系电话应为11位手机号码或固定电话号码（如0512-12345678）",
            )
        })
}

pub(crate) fn parse_coord(field: &'static str, v: f64, limit: f64) -> Result<String> {
    if v.is_finite() && v.abs() <= limit {
        Ok(format!("{v:.6}"))
    } else {
        Err(StoreError::invalid(
            field,
            format!(
                "{}应为-{limit}至{limit}之间的数值",
                if field == "lat" { "纬度" } else { "经度" }
            ),
        ))
    }
}

/// A parsed request, ready to insert.
#[derive(Clone)]
pub(crate) struct Intake {
    pub(crate) channel: Channel,
    pub(crate) category: Category,
    pub(crate) caller_name: String,
    pub(crate) phone: Option<String>,
    pub(crate) email: Option<String>,
    pub(crate) address: Option<String>,
    pub(crate) lat: Option<String>,
    pub(crate) lon: Option<String>,
    pub(crate) content: String,
    pub(crate) service_code: Option<String>,
    pub(crate) public: bool,
    pub(crate) api_key_id: Option<i64>,
    /// Photos sent with a web request, already kept in the file store.
    pub(crate) photos: Vec<crate::files::Photo>,
}

/// The member unit the dispatch catalog gives a request, or why none.
pub(crate) async fn auto_unit(
    conn: &mut AnyConnection,
    service_code: Option<&str>,
    category: Category,
    address: Option<&str>,
) -> Result<(i64, String)> {
    crate::dispatch::suggest(conn, service_code, category.as_str(), address)
        .await?
        .map(|s| (s.department_id, s.name))
        .ok_or_else(|| {
            StoreError::invalid(
                "unit",
                "派单目录中没有适用于该诉求的成员单位，请选择承办单位",
            )
        })
}
// ---------------------------------------------------------------------------
// The caller's full number, for a callback

/// The caller's full phone number of an order the principal may see, for calling
/// them back; every look is in the audit chain. `None` when the caller left none.
pub async fn reveal_phone(store: &Store, p: &Principal, no: &str) -> Result<Option<String>> {
    if !matches!(
        p.role,
        Role::HotlineAgent | Role::Supervisor | Role::UnitHandler
    ) {
        return Err(StoreError::Forbidden(format!(
            "{}不能查看来电人完整号码",
            p.role.label()
        )));
    }
    // Scoped like the order itself: a unit sees its own and co-handled orders only.
    let o = get(store, p, no).await?;
    // A co-handling unit needs the caller only while the order is being handled.
    if o.unit_relation(p) == Some(UnitRelation::Co) && !o.state().status.is_open() {
        return Err(StoreError::Forbidden(
            "工单已办结，协办单位不能再查看来电人完整号码".into(),
        ));
    }
    let mut tx = store.begin().await?;
    let enc: Option<String> =
        sqlx::query_scalar("SELECT phone_enc FROM work_orders WHERE order_no = $1")
            .bind(no)
            .fetch_one(&mut *tx)
            .await?;
    let phone = enc
        .map(|e| store.keys().decrypt(&e))
        .transpose()
        .map_err(StoreError::Other)?;
    audit::append(
        &mut tx,
        store.keys(),
        &p.actor(),
        "work_order.phone.reveal",
        "work_order",
        no,
        serde_json::json!({ "purpose": "callback" }),
    )
    .await?;
    tx.commit().await?;
    Ok(phone)
}

/// The dispatch catalog's unit for an order the principal may see.
pub async fn dispatch_suggestion(
    store: &Store,
    p: &Principal,
    no: &str,
) -> Result<Option<crate::dispatch::Suggestion>> {
    let o = get(store, p, no).await?;
    let mut c = store.reader().await?;
    // No service chosen (a web or WeChat request): the one its text speaks of.
    let guessed = match o.service_code {
        Some(_) => None,
        None => crate::hotline::services::guess(&mut c, &o.content).await?,
    };
    let service = o
        .service_code
        .as_deref()
        .or(guessed.as_ref().map(|g| g.0.as_str()));
    let suggestion =
        crate::dispatch::suggest(&mut c, service, o.category, o.address.as_deref()).await?;
    Ok(suggestion.map(|mut s| {
        if let Some((_, name, word)) = &guessed {
            s.reason = format!("{}（诉求内容提到“{word}”，按“{name}”）", s.reason);
        }
        s
    }))
}
