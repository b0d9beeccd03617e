//! 12345 work orders (工单) in the database: intake from every channel, each action
//! of the closed loop, scoped lists, and what the Open311 GeoReport v2 endpoint reads
//! and writes (services, API keys of outside systems). Each write is one transaction
//! that records an event and appends to the audit chain.

// The parts of the 12345 hotline beside the work orders of this file.
pub mod calls;
pub mod dispatch;
pub mod intake;
pub mod kb;
pub mod topics;

use crate::audit::{self, Actor};
use crate::org::{Principal, department_by_code, next_counter};
use crate::protect::{random_token, sm3_hex};
use crate::{Result, Sql, Store, StoreError, calendar, time};
use serde::{Deserialize, Serialize};
use sqlx::{AnyConnection, Row};
use tongban_domain::codes::{Mobile, mask_phone};
use tongban_domain::hotline::{
    Action, Category, Channel, DeadlineDays, EMERGENCY_EVENT, EMERGENCY_EVENT_LABEL, Emergency,
    MAX_CONTENT_CHARS, MAX_NOTE_CHARS, OrderState, Satisfaction, Status, TransitionError,
    UnitRelation, check_extension_request, is_order_no, order_no,
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
fn string_or_number<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
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

const COLUMNS: &str = "o.id, o.order_no, o.channel, o.category, o.caller_name, o.phone_masked, o.address, o.lat, o.lon, \
     o.content, o.service_code, s.name AS service_name, o.department_id, d.code AS dcode, d.name AS dname, o.co_units, o.status, \
     o.deadline, o.deadline_estimated, o.extension_pending, o.direct_answer, o.answer, o.reply, o.callback_level, o.faulty, \
     o.merged_into, o.public, o.created_at, o.updated_at, o.closed_at, o.emergency, o.return_count";

const FROM: &str = " FROM work_orders o LEFT JOIN departments d ON d.id = o.department_id \
     LEFT JOIN open311_services s ON s.code = o.service_code WHERE 1 = 1";

fn other(what: &str) -> StoreError {
    StoreError::Other(anyhow::anyhow!("{what}"))
}

fn view_from(r: &sqlx::any::AnyRow) -> Result<OrderView> {
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
            faulty,
        },
    })
}

/// Who may read work orders, and which: the center and supervisors see all; a unit
/// handler only the orders their unit leads or co-handles (enforced in the query).
fn scope(p: &Principal, sql: &mut Sql) -> Result<()> {
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

fn not_found(no: &str) -> StoreError {
    StoreError::not_found(format!("工单“{no}”不存在或无权查看"))
}

async fn events_of(conn: &mut AnyConnection, id: i64) -> Result<Vec<OrderEvent>> {
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

async fn load(conn: &mut AnyConnection, p: Option<&Principal>, no: &str) -> Result<OrderView> {
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
    let v = v.trim();
    if let Ok(m) = Mobile::parse(v) {
        return Ok(m.as_str().to_string());
    }
    let digits = v.chars().filter(char::is_ascii_digit).count();
    if (7..=20).contains(&v.len())
        && (7..=15).contains(&digits)
        && v.chars().all(|c| c.is_ascii_digit() || c == '-')
    {
        return Ok(v.to_string());
    }
    Err(StoreError::invalid(
        "phone",
        "联系电话应为11位手机号码或固定电话号码（如0512-12345678）",
    ))
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
struct Intake {
    channel: Channel,
    category: Category,
    caller_name: String,
    phone: Option<String>,
    email: Option<String>,
    address: Option<String>,
    lat: Option<String>,
    lon: Option<String>,
    content: String,
    service_code: Option<String>,
    public: bool,
    api_key_id: Option<i64>,
}

async fn member_unit(
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

/// The member unit the dispatch catalog gives a request, or why none.
async fn auto_unit(
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

/// Registers a request taken by a hotline agent: answered directly (`answer`), or
/// dispatched to a member unit (`unit`), or left for dispatch.
pub async fn create(store: &Store, p: &Principal, input: &NewOrder) -> Result<OrderView> {
    if p.role != Role::HotlineAgent {
        return Err(StoreError::Forbidden(format!(
            "{}不能登记12345工单",
            p.role.label()
        )));
    }
    let channel = match trimmed(input.channel.as_deref()) {
        None => Channel::Phone,
        Some(c) => Channel::parse(c).ok_or_else(|| {
            StoreError::invalid("channel", format!("受理渠道应为：{}", Channel::choices()))
        })?,
    };
    let category = trimmed(input.category.as_deref())
        .ok_or_else(|| {
            StoreError::invalid(
                "category",
                format!("请选择诉求类别：{}", Category::choices()),
            )
        })
        .and_then(|c| {
            Category::parse(c).ok_or_else(|| {
                StoreError::invalid(
                    "category",
                    format!("诉求类别“{c}”无效，应为：{}", Category::choices()),
                )
            })
        })?;
    let caller_name = optional_text(
        "caller_name",
        "来电人姓名",
        input.caller_name.as_deref(),
        50,
    )?
    .unwrap_or_else(|| "匿名".into());
    let phone = trimmed(input.phone.as_deref())
        .map(parse_phone)
        .transpose()?;
    let email = optional_text("email", "电子邮箱", input.email.as_deref(), 100)?;
    if email.as_deref().is_some_and(|e| !e.contains('@')) {
        return Err(StoreError::invalid("email", "电子邮箱格式不正确"));
    }
    let address = optional_text("address", "地址", input.address.as_deref(), 200)?;
    let (lat, lon) = match (input.lat, input.long) {
        (Some(a), Some(o)) => (
            Some(parse_coord("lat", a, 90.0)?),
            Some(parse_coord("long", o, 180.0)?),
        ),
        (None, None) => (None, None),
        (None, Some(_)) => return Err(StoreError::invalid("lat", "请同时填写纬度和经度")),
        (Some(_), None) => return Err(StoreError::invalid("long", "请同时填写纬度和经度")),
    };
    let content = required_text(
        "content",
        "诉求内容",
        input.content.as_deref().unwrap_or(""),
        MAX_CONTENT_CHARS,
    )?;
    let answer = optional_text(
        "answer",
        "解答内容",
        input.answer.as_deref(),
        MAX_NOTE_CHARS,
    )?;
    let unit = trimmed(input.unit.as_deref());
    if answer.is_some() && unit.is_some() {
        return Err(StoreError::invalid(
            "unit",
            "直接解答的工单不再派单：请只填写解答内容或派单单位之一",
        ));
    }
    let co_codes: Vec<String> = input
        .co_units
        .iter()
        .flatten()
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .collect();
    if !co_codes.is_empty() && unit.is_none() {
        return Err(StoreError::invalid(
            "co_units",
            "请先选择主办单位，再选择协办单位",
        ));
    }
    let emergency = match trimmed(input.emergency.as_deref()) {
        None => None,
        Some(e) => Some(Emergency::parse(e).ok_or_else(|| {
            StoreError::invalid(
                "emergency",
                format!("紧急转接号码“{e}”无效，应为：{}", Emergency::choices()),
            )
        })?),
    };
    if emergency.is_some() {
        let conflict = if answer.is_some() {
            Some("answer")
        } else if unit.is_some() {
            Some("unit")
        } else {
            None
        };
        if let Some(field) = conflict {
            return Err(StoreError::invalid(
                field,
                "已转警/转急救的诉求当即办结，不再直接解答或派单",
            ));
        }
    }
    let mut rd = store.reader().await?;
    let service_code = match trimmed(input.service_code.as_deref()) {
        None => None,
        Some(code) => Some(
            service(&mut rd, code)
                .await?
                .ok_or_else(|| {
                    StoreError::invalid("service_code", format!("服务类别代码“{code}”不存在"))
                })?
                .service_code,
        ),
    };
    let lead = match unit {
        Some(crate::dispatch::AUTO) => Some(
            auto_unit(
                &mut rd,
                service_code.as_deref(),
                category,
                address.as_deref(),
            )
            .await?,
        ),
        Some(code) => Some(member_unit(&mut rd, "unit", code).await?),
        None => None,
    };
    for code in &co_codes {
        let (co_id, _) = member_unit(&mut rd, "co_units", code).await?;
        if lead.as_ref().is_some_and(|(id, _)| *id == co_id) {
            return Err(StoreError::invalid(
                "co_units",
                "协办单位不能与主办单位相同",
            ));
        }
    }
    drop(rd);
    let intake = Intake {
        channel,
        category,
        caller_name,
        phone,
        email,
        address,
        lat,
        lon,
        content,
        service_code,
        // Public only when the caller agreed (the agent ticks the box).
        public: input.public.unwrap_or(false),
        api_key_id: None,
    };
    let no = insert_with(
        store,
        &intake,
        EventWho::Staff(p),
        Outcome {
            answer,
            lead: lead.map(|(id, _)| id),
            co_units: &co_codes,
            emergency,
        },
    )
    .await?;
    get(store, p, &no).await
}

enum EventWho<'a> {
    Staff(&'a Principal),
    System(&'a str),
}

impl EventWho<'_> {
    fn id(&self) -> Option<i64> {
        match self {
            Self::Staff(p) => Some(p.user_id),
            Self::System(_) => None,
        }
    }
    fn label(&self) -> String {
        match self {
            Self::Staff(p) => format!("{}（{}）", p.display_name, p.role.label()),
            Self::System(s) => (*s).to_string(),
        }
    }
    fn audit(&self) -> Actor {
        match self {
            Self::Staff(p) => p.actor(),
            Self::System(s) => Actor::system(s),
        }
    }
}

#[allow(clippy::too_many_arguments)]
async fn event(
    conn: &mut AnyConnection,
    order_id: i64,
    at: &str,
    who: &EventWho<'_>,
    action: &str,
    from: Option<Status>,
    to: Status,
    unit: Option<i64>,
    note: Option<&str>,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO work_order_events (order_id, at, actor_id, actor, action, from_status, to_status, department_id, note) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(order_id)
    .bind(at)
    .bind(who.id())
    .bind(who.label())
    .bind(action)
    .bind(from.map(Status::as_str))
    .bind(to.as_str())
    .bind(unit)
    .bind(note)
    .execute(conn)
    .await?;
    Ok(())
}

async fn insert(
    store: &Store,
    o: &Intake,
    who: EventWho<'_>,
    answer: Option<String>,
    lead: Option<i64>,
    co_units: &[String],
) -> Result<String> {
    insert_with(
        store,
        o,
        who,
        Outcome {
            answer,
            lead,
            co_units,
            emergency: None,
        },
    )
    .await
}

/// How intake ends: answered, dispatched (with co-units), transferred, or left.
struct Outcome<'a> {
    answer: Option<String>,
    lead: Option<i64>,
    co_units: &'a [String],
    emergency: Option<Emergency>,
}

/// Records the co-handling units of an order (rows and the list of codes).
async fn set_co_units(
    conn: &mut AnyConnection,
    order_id: i64,
    units: &[(i64, String)],
) -> Result<()> {
    sqlx::query("DELETE FROM work_order_co_units WHERE order_id = $1")
        .bind(order_id)
        .execute(&mut *conn)
        .await?;
    for (id, _) in units {
        sqlx::query("INSERT INTO work_order_co_units (order_id, department_id) VALUES ($1, $2)")
            .bind(order_id)
            .bind(*id)
            .execute(&mut *conn)
            .await?;
    }
    let codes: Vec<&str> = units.iter().map(|(_, c)| c.as_str()).collect();
    sqlx::query("UPDATE work_orders SET co_units = $1 WHERE id = $2")
        .bind(codes.join(","))
        .bind(order_id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Checks co-unit codes (member units, not the lead, no repeats); ids and codes.
async fn co_units_of(
    conn: &mut AnyConnection,
    codes: &[String],
    lead: Option<i64>,
) -> Result<Vec<(i64, String)>> {
    let mut out: Vec<(i64, String)> = vec![];
    for code in codes {
        let (id, name) = member_unit(conn, "co_units", code).await?;
        if Some(id) == lead {
            return Err(StoreError::invalid(
                "co_units",
                format!("协办单位“{name}”不能与主办单位相同"),
            ));
        }
        if !out.iter().any(|(i, _)| *i == id) {
            out.push((id, code.clone()));
        }
    }
    Ok(out)
}

/// Who registers an order, owned so the write can wait in the commit queue.
enum OwnedWho {
    Staff(Principal),
    System(String),
}

impl OwnedWho {
    fn of(who: &EventWho<'_>) -> Self {
        match who {
            EventWho::Staff(p) => Self::Staff((*p).clone()),
            EventWho::System(s) => Self::System((*s).to_string()),
        }
    }
    fn get(&self) -> EventWho<'_> {
        match self {
            Self::Staff(p) => EventWho::Staff(p),
            Self::System(s) => EventWho::System(s),
        }
    }
}

/// An order to insert, with everything the write needs.
struct NewRow {
    store: Store,
    intake: Intake,
    who: OwnedWho,
    answer: Option<String>,
    lead: Option<i64>,
    co_units: Vec<String>,
    emergency: Option<Emergency>,
}

/// Registers an order in one transaction — on SQLite together with the other
/// writes of the moment (group commit), as cases are.
async fn insert_with(
    store: &Store,
    o: &Intake,
    who: EventWho<'_>,
    outcome: Outcome<'_>,
) -> Result<String> {
    let row = std::sync::Arc::new(NewRow {
        store: store.clone(),
        intake: o.clone(),
        who: OwnedWho::of(&who),
        answer: outcome.answer,
        lead: outcome.lead,
        co_units: outcome.co_units.to_vec(),
        emergency: outcome.emergency,
    });
    store
        .write(move |tx| {
            let row = row.clone();
            Box::pin(async move { insert_row(tx, &row).await })
        })
        .await
}

async fn insert_row(conn: &mut AnyConnection, row: &NewRow) -> Result<String> {
    let store = &row.store;
    let o = &row.intake;
    let who = row.who.get();
    let answer = row.answer.clone();
    let lead = row.lead;
    let co_units = &row.co_units;
    let emergency = row.emergency;
    let now = time::now();
    let today = time::local_day(now);
    let stamp = time::stamp(now);
    let keys = store.keys();
    let (deadline, estimated) = match lead {
        Some(_) => {
            let cal = calendar::load(store, &mut *conn).await?;
            let limits = deadline_days(&mut *conn).await?;
            let (d, e) = tongban_domain::hotline::deadline(&cal, &limits, o.category, today)
                .map_err(|e| StoreError::Other(e.into()))?;
            (Some(time::day(d)), e)
        }
        None => (None, false),
    };
    let co = co_units_of(&mut *conn, co_units, lead).await?;
    let seq = next_counter(&mut *conn, &format!("work_order:{}", time::day(today))).await?;
    let no = order_no(today, seq);
    let status = if answer.is_some() || emergency.is_some() {
        Status::Closed
    } else if lead.is_some() {
        Status::Dispatched
    } else {
        Status::Accepted
    };
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO work_orders (order_no, channel, category, caller_name, phone_enc, phone_masked, phone_digest, email, \
         address, lat, lon, content, service_code, department_id, co_units, status, dispatched_on, deadline, \
         deadline_estimated, extension_pending, direct_answer, answer, reply, callback_level, faulty, merged_into, public, \
         api_key_id, created_at, updated_at, closed_at, emergency, return_count) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, \
         $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, 0, $20, $21, NULL, NULL, 0, NULL, $22, $23, $24, $25, $26, $27, 0) \
         RETURNING id",
    )
    .bind(&no)
    .bind(o.channel.as_str())
    .bind(o.category.as_str())
    .bind(&o.caller_name)
    .bind(o.phone.as_deref().map(|p| keys.encrypt(p)))
    .bind(o.phone.as_deref().map(mask_phone))
    .bind(o.phone.as_deref().map(|p| keys.digest("phone", p)))
    .bind(&o.email)
    .bind(&o.address)
    .bind(&o.lat)
    .bind(&o.lon)
    .bind(&o.content)
    .bind(&o.service_code)
    .bind(lead)
    .bind(
        co.iter()
            .map(|c| c.1.as_str())
            .collect::<Vec<_>>()
            .join(","),
    )
    .bind(status.as_str())
    .bind(lead.map(|_| time::day(today)))
    .bind(&deadline)
    .bind(estimated as i64)
    .bind(answer.is_some() as i64)
    .bind(&answer)
    .bind(o.public as i64)
    .bind(o.api_key_id)
    .bind(&stamp)
    .bind(&stamp)
    .bind(
        (answer.is_some() || emergency.is_some()).then(|| stamp.clone()),
    )
    .bind(emergency.map(Emergency::as_str))
    .fetch_one(&mut *conn)
    .await?;
    if !co.is_empty() {
        set_co_units(&mut *conn, id, &co).await?;
    }
    event(
        &mut *conn,
        id,
        &stamp,
        &who,
        "accept",
        None,
        Status::Accepted,
        None,
        None,
    )
    .await?;
    // How intake ended, as the order's second step.
    let outcome = if let Some(e) = emergency {
        Some((
            EMERGENCY_EVENT,
            Status::Closed,
            None,
            Some(format!("已转{}（{}）", e.label(), e.as_str())),
        ))
    } else if answer.is_some() {
        Some((
            Action::Answer.as_str(),
            Status::Closed,
            None,
            answer.clone(),
        ))
    } else if lead.is_some() {
        Some((Action::Dispatch.as_str(), Status::Dispatched, lead, None))
    } else {
        None
    };
    if let Some((action, to, unit, note)) = outcome {
        event(
            &mut *conn,
            id,
            &stamp,
            &who,
            action,
            Some(Status::Accepted),
            to,
            unit,
            note.as_deref(),
        )
        .await?;
    }
    audit::append(
        &mut *conn,
        keys,
        &who.audit(),
        "work_order.create",
        "work_order",
        &no,
        serde_json::json!({
            "channel": o.channel.as_str(),
            "category": o.category.as_str(),
            "status": status.as_str(),
            "department_id": lead,
            "co_units": co.iter().map(|c| c.1.as_str()).collect::<Vec<_>>(),
            "emergency": emergency.map(Emergency::as_str),
        }),
    )
    .await?;
    let cal = calendar::load(store, &mut *conn).await?;
    track_order(&mut *conn, id, None, &cal).await?;
    Ok(no)
}

/// An order's contribution to the hotline figures kept per day (`stats`), now.
async fn order_counted(
    conn: &mut AnyConnection,
    id: i64,
    cal: &tongban_domain::calendar::Calendar,
) -> Result<crate::stats::Snapshot> {
    crate::stats::snapshot(conn, &crate::stats::ORDERS, &[id], cal).await
}

/// Moves the order's contribution to the kept figures from `before` (none: a new
/// order) to what it is now, in the writing transaction; `cal` is the calendar the
/// `before` snapshot was taken with.
pub(crate) async fn track_order(
    conn: &mut AnyConnection,
    id: i64,
    before: Option<&crate::stats::Snapshot>,
    cal: &tongban_domain::calendar::Calendar,
) -> Result<()> {
    let after = order_counted(&mut *conn, id, cal).await?;
    crate::stats::track(conn, &crate::stats::ORDERS, before, &after).await
}

/// Takes one action of the closed loop on an order.
pub async fn act(store: &Store, p: &Principal, no: &str, input: &ActionInput) -> Result<OrderView> {
    let action_code = trimmed(input.action.as_deref())
        .ok_or_else(|| StoreError::invalid("action", "请填写操作（action）"))?;
    let action = Action::parse(action_code).ok_or_else(|| {
        StoreError::invalid(
            "action",
            format!(
                "操作“{action_code}”无效，应为：{}",
                Action::ALL
                    .iter()
                    .map(|a| format!("{}（{}）", a.as_str(), a.label()))
                    .collect::<Vec<_>>()
                    .join("、")
            ),
        )
    })?;
    let note = optional_text("note", "说明", input.note.as_deref(), MAX_NOTE_CHARS)?;
    let level = match input.level {
        Some(l) if matches!(action, Action::Close | Action::Callback) => {
            Some(Satisfaction::parse(l)?)
        }
        Some(_) => {
            return Err(StoreError::invalid("level", "只有办结或回访时才填写满意度"));
        }
        None if action == Action::Callback => {
            return Err(StoreError::invalid("level", "回访须填写满意度（1至5）"));
        }
        None => None,
    };
    let now = time::now();
    let stamp = time::stamp(now);
    let today = time::local_day(now);
    let mut tx = store.begin().await?;
    let mut o = load(&mut tx, Some(p), no).await?;
    // A unit handler acts only on orders their unit leads or co-handles (already
    // scoped for reads), and a co-unit only gives its opinion.
    if p.role == Role::UnitHandler {
        let relation = o.unit_relation(p).ok_or_else(|| not_found(no))?;
        action
            .open_to_unit(relation)
            .map_err(|e| StoreError::Forbidden(e.to_string()))?;
    }
    let from = o.state;
    let next = from
        .transition(action, p.role, note.as_deref())
        .map_err(|e| match e {
            TransitionError::Role { .. } => StoreError::Forbidden(e.to_string()),
            TransitionError::NoteRequired(_) => StoreError::invalid("note", e.to_string()),
            _ => StoreError::Conflict {
                field: "action",
                message: e.to_string(),
            },
        })?;
    let mut department = o.department_id;
    let mut deadline = o.deadline.clone();
    let mut estimated = o.deadline_estimated;
    let mut dispatched_on: Option<String> = None;
    let mut merged_into = o.merged_into.clone();
    let mut reply = o.reply.clone();
    let mut answer = o.answer.clone();
    let mut callback = o.callback_level;
    let mut return_count = o.return_count;
    // New co-units of a dispatch, if they change.
    let mut co_units: Option<Vec<(i64, String)>> = None;
    if input.co_units.is_some() && action != Action::Dispatch {
        return Err(StoreError::invalid(
            "co_units",
            "只有派单或改派时才选择协办单位",
        ));
    }
    match action {
        Action::Dispatch => {
            let code = trimmed(input.unit.as_deref())
                .ok_or_else(|| StoreError::invalid("unit", "派单须选择承办的成员单位"))?;
            let (unit_id, name) = if code == crate::dispatch::AUTO {
                let category = Category::parse(o.category).ok_or_else(|| other("category"))?;
                auto_unit(
                    &mut tx,
                    o.service_code.as_deref(),
                    category,
                    o.address.as_deref(),
                )
                .await?
            } else {
                member_unit(&mut tx, "unit", code).await?
            };
            if from.status == Status::Returned && o.department_id == Some(unit_id) {
                return Err(StoreError::invalid(
                    "unit",
                    format!(
                        "该工单已被{name}退回，改派须选择其他单位；认为退单理由不成立的，请“驳回退单”"
                    ),
                ));
            }
            let category = Category::parse(o.category).ok_or_else(|| other("category"))?;
            let cal = calendar::load(store, &mut tx).await?;
            let limits = deadline_days(&mut tx).await?;
            let (d, e) = tongban_domain::hotline::deadline(&cal, &limits, category, today)
                .map_err(|e| StoreError::Other(e.into()))?;
            // Co-units as given, or those recorded; the new lead is no longer one.
            let codes: Vec<String> = match &input.co_units {
                Some(list) => list
                    .iter()
                    .map(|c| c.trim().to_string())
                    .filter(|c| !c.is_empty())
                    .collect(),
                None => o
                    .co_unit_names
                    .iter()
                    .filter(|u| u.code != code)
                    .map(|u| u.code.clone())
                    .collect(),
            };
            let co = co_units_of(&mut tx, &codes, Some(unit_id)).await?;
            if co.iter().map(|c| c.0).ne(o.co_unit_ids.iter().copied()) {
                co_units = Some(co);
            }
            department = Some(unit_id);
            deadline = Some(time::day(d));
            estimated = e;
            dispatched_on = Some(time::day(today));
        }
        Action::RequestExtension => {
            check_extension_request(deadline.as_deref().and_then(time::parse_day), today).map_err(
                |e| StoreError::Conflict {
                    field: "action",
                    message: e.to_string(),
                },
            )?;
        }
        Action::ApproveExtension => {
            let cal = calendar::load(store, &mut tx).await?;
            let limits = deadline_days(&mut tx).await?;
            let base = deadline
                .as_deref()
                .and_then(time::parse_day)
                .unwrap_or(today);
            let (d, e) = tongban_domain::hotline::extend(&cal, base, limits.extension())
                .map_err(|e| StoreError::Other(e.into()))?;
            deadline = Some(time::day(d));
            estimated = e;
        }
        // 退单: counted for the dispute review and the unit's record.
        Action::Return => return_count += 1,
        // 驳回退单: back to the same unit with the same deadline. The time limit runs
        // on (连续计算) through an unfounded return, so a return never buys time.
        Action::RejectReturn => {}
        Action::Reply => reply = note.clone(),
        Action::Answer => answer = note.clone(),
        Action::Close | Action::Callback => {
            if let Some(l) = level {
                callback = Some(l.value());
            }
        }
        Action::Merge => {
            let into = trimmed(input.into.as_deref())
                .ok_or_else(|| StoreError::invalid("into", "并单须填写主工单编号"))?;
            if into == o.order_no {
                return Err(StoreError::invalid("into", "不能并入工单本身"));
            }
            let target = load(&mut tx, None, into)
                .await
                .map_err(|_| StoreError::invalid("into", format!("主工单“{into}”不存在")))?;
            if target.state.status == Status::Merged {
                return Err(StoreError::invalid(
                    "into",
                    format!("主工单“{into}”本身已并入其他工单"),
                ));
            }
            merged_into = Some(target.order_no);
        }
        _ => {}
    }
    let closes = next.status == Status::Closed && from.status != Status::Closed;
    let closed_at = if closes || next.status == Status::Merged {
        Some(stamp.clone())
    } else {
        o.closed_at.clone()
    };
    let event_unit = match action {
        Action::Dispatch => department,
        Action::Sign
        | Action::Return
        | Action::Reply
        | Action::RequestExtension
        | Action::RejectReturn => o.department_id,
        Action::CoReply => p.department_id,
        _ => None,
    };
    // One calendar for both snapshots of the order's figures.
    let counting = calendar::load(store, &mut tx).await?;
    let counted = order_counted(&mut tx, o.id, &counting).await?;
    // The status and last change read above must still hold: two agents acting at
    // once (two extension approvals, two callbacks) cannot both succeed.
    let sql = "UPDATE work_orders SET status = $1, department_id = $2, deadline = $3, deadline_estimated = $4, \
         extension_pending = $5, reply = $6, answer = $7, callback_level = $8, faulty = $9, merged_into = $10, \
         closed_at = $11, updated_at = $12, dispatched_on = COALESCE($13, dispatched_on), \
         direct_answer = CASE WHEN $14 = 1 THEN 1 ELSE direct_answer END, return_count = $15 \
         WHERE id = $16 AND status = $17 AND updated_at = $18";
    let n = sqlx::query(sql)
        .bind(next.status.as_str())
        .bind(department)
        .bind(&deadline)
        .bind(estimated as i64)
        .bind(next.extension_pending as i64)
        .bind(&reply)
        .bind(&answer)
        .bind(callback)
        .bind(next.faulty as i64)
        .bind(&merged_into)
        .bind(&closed_at)
        .bind(&stamp)
        .bind(&dispatched_on)
        .bind((action == Action::Answer) as i64)
        .bind(return_count)
        .bind(o.id)
        .bind(from.status.as_str())
        .bind(&o.updated_at)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    if n != 1 {
        return Err(StoreError::Conflict {
            field: "action",
            message: "工单已被他人处理，请刷新后重试".into(),
        });
    }
    if let Some(co) = &co_units {
        set_co_units(&mut tx, o.id, co).await?;
    }
    let mut note_text = note.clone();
    if let Some(l) = level {
        let s = format!("回访满意度：{}（{}）", l.value(), l.label());
        note_text = Some(match note_text {
            Some(n) => format!("{n}；{s}"),
            None => s,
        });
    }
    if let Some(into) = &merged_into
        && action == Action::Merge
    {
        let s = format!("并入工单{into}");
        note_text = Some(match note_text {
            Some(n) => format!("{n}；{s}"),
            None => s,
        });
    }
    let who = EventWho::Staff(p);
    event(
        &mut tx,
        o.id,
        &stamp,
        &who,
        action.as_str(),
        Some(from.status),
        next.status,
        event_unit,
        note_text.as_deref(),
    )
    .await?;
    audit::append(
        &mut tx,
        store.keys(),
        &p.actor(),
        &format!("work_order.{}", action.as_str()),
        "work_order",
        &o.order_no,
        serde_json::json!({
            "from": from.status.as_str(),
            "to": next.status.as_str(),
            "department_id": department,
            "level": callback,
            "co_units": co_units.as_ref().map(|c| c.iter().map(|u| u.1.as_str()).collect::<Vec<_>>()),
            "return_count": return_count,
        }),
    )
    .await?;
    track_order(&mut tx, o.id, Some(&counted), &counting).await?;
    o = load(&mut tx, None, no).await?;
    tx.commit().await?;
    Ok(o)
}

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

/// Work orders in the principal's scope, newest first, with the total.
pub async fn list(store: &Store, p: &Principal, f: &OrderFilter) -> Result<(Vec<OrderView>, i64)> {
    let mut sql = Sql::new(FROM);
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
        sql.push(" AND d.code = ").bind_s(u);
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
            sql.push(" AND o.status = 'returned'");
        }
        Some(false) => {
            sql.push(" AND o.status <> 'returned'");
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
    let (_, per_page, skip) = crate::paging(f.page, f.per_page, 20, 200)?;
    let mut c = store.reader().await?;
    let total: i64 = sql
        .with_text(format!("SELECT COUNT(*){}", sql.text))
        .query_scalar()
        .fetch_one(&mut *c)
        .await?;
    let q = sql.with_text(format!(
        "SELECT {COLUMNS}{} ORDER BY o.id DESC LIMIT {per_page} OFFSET {}",
        sql.text, skip
    ));
    let rows = q.query().fetch_all(&mut *c).await?;
    let mut list = rows.iter().map(view_from).collect::<Result<Vec<_>>>()?;
    with_co_units(&mut c, &mut list).await?;
    Ok((list, total))
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

// ---------------------------------------------------------------------------
// Open311 GeoReport v2

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

/// Issues an API key to an outside system; returns the key, of which only the SM3
/// hash is kept.
pub async fn create_api_key(store: &Store, name: &str, actor: &Actor) -> Result<String> {
    let name = required_text("name", "接入系统名称", name, 100)?;
    let key = random_token();
    let mut tx = store.begin().await?;
    sqlx::query(
        "INSERT INTO open311_keys (name, key_hash, created_at, active) VALUES ($1, $2, $3, 1)",
    )
    .bind(&name)
    .bind(sm3_hex(key.as_bytes()))
    .bind(time::stamp(time::now()))
    .execute(&mut *tx)
    .await?;
    audit::append(
        &mut tx,
        store.keys(),
        actor,
        "open311.key.create",
        "open311_key",
        &name,
        serde_json::json!({ "name": name }),
    )
    .await?;
    tx.commit().await?;
    Ok(key)
}

/// The active key's id and system name, or 403.
pub async fn check_api_key(store: &Store, key: Option<&str>) -> Result<(i64, String)> {
    let key = trimmed(key)
        .ok_or_else(|| StoreError::Forbidden("缺少api_key：提交诉求须提供接入密钥".into()))?;
    let mut c = store.reader().await?;
    let row = sqlx::query("SELECT id, name FROM open311_keys WHERE key_hash = $1 AND active = 1")
        .bind(sm3_hex(key.as_bytes()))
        .fetch_optional(&mut *c)
        .await?;
    match row {
        Some(r) => Ok((r.try_get(0)?, r.try_get(1)?)),
        None => Err(StoreError::Forbidden("api_key无效或已停用".into())),
    }
}

/// A request posted through Open311.
#[derive(Debug, Clone, Default)]
pub struct Open311Post {
    pub service_code: Option<String>,
    pub lat: Option<String>,
    pub long: Option<String>,
    pub address_string: Option<String>,
    pub description: Option<String>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
    /// The citizen agreed to publish the request's progress (an extension of
    /// GeoReport v2: `public=true`); private otherwise.
    pub public: bool,
}

fn coord(field: &'static str, v: &str, limit: f64) -> Result<String> {
    let x: f64 = v
        .trim()
        .parse()
        .map_err(|_| StoreError::invalid(field, format!("{field}应为数值（十进制度）")))?;
    parse_coord(field, x, limit)
}

/// Registers an Open311 request as an ordinary work order (channel open311), left
/// for the center to dispatch; returns the order number.
pub async fn create_open311(
    store: &Store,
    key: (i64, String),
    post: &Open311Post,
) -> Result<OrderView> {
    let code = trimmed(post.service_code.as_deref())
        .ok_or_else(|| StoreError::invalid("service_code", "缺少service_code（服务类别代码）"))?;
    let mut rd = store.reader().await?;
    let svc = service(&mut rd, code).await?.ok_or_else(|| {
        StoreError::invalid("service_code", format!("服务类别代码“{code}”不存在"))
    })?;
    drop(rd);
    let (lat, lon) = match (trimmed(post.lat.as_deref()), trimmed(post.long.as_deref())) {
        (Some(a), Some(o)) => (Some(coord("lat", a, 90.0)?), Some(coord("long", o, 180.0)?)),
        (None, None) => (None, None),
        (None, Some(_)) => return Err(StoreError::invalid("lat", "缺少lat：经纬度须同时提供")),
        (Some(_), None) => return Err(StoreError::invalid("long", "缺少long：经纬度须同时提供")),
    };
    let address = optional_text(
        "address_string",
        "地址",
        post.address_string.as_deref(),
        200,
    )?;
    if lat.is_none() && address.is_none() {
        return Err(StoreError::invalid(
            "lat",
            "缺少位置：请提供lat和long，或address_string",
        ));
    }
    let description = optional_text(
        "description",
        "诉求描述",
        post.description.as_deref(),
        MAX_CONTENT_CHARS,
    )?;
    let first = optional_text("first_name", "名", post.first_name.as_deref(), 25)?;
    let last = optional_text("last_name", "姓", post.last_name.as_deref(), 25)?;
    let caller_name = match (last, first) {
        (None, None) => "匿名".to_string(),
        (l, f) => format!("{}{}", l.unwrap_or_default(), f.unwrap_or_default()),
    };
    let phone = trimmed(post.phone.as_deref())
        .map(parse_phone)
        .transpose()?;
    let email = optional_text("email", "电子邮箱", post.email.as_deref(), 100)?;
    if email.as_deref().is_some_and(|e| !e.contains('@')) {
        return Err(StoreError::invalid("email", "email格式不正确"));
    }
    let category = Category::parse(&svc.category).unwrap_or(Category::Complaint);
    let intake = Intake {
        channel: Channel::Open311,
        category,
        caller_name,
        phone,
        email,
        address,
        lat,
        lon,
        content: description.unwrap_or_else(|| svc.service_name.clone()),
        service_code: Some(svc.service_code.clone()),
        public: post.public,
        api_key_id: Some(key.0),
    };
    let label = format!("open311:{}", key.1);
    let no = insert(store, &intake, EventWho::System(&label), None, None, &[]).await?;
    let mut c = store.reader().await?;
    load(&mut c, None, &no).await
}

/// Filters of `GET /requests`.
#[derive(Debug, Clone, Default)]
pub struct Open311Filter {
    /// Order numbers; when given, the other filters are ignored.
    pub ids: Vec<String>,
    pub service_code: Option<String>,
    /// UTC stamps bounding `created_at`.
    pub start: Option<String>,
    pub end: Option<String>,
    /// open or closed
    pub open: Option<bool>,
    /// The outside system asking (its `api_key`), which also sees its own private
    /// requests.
    pub key_id: Option<i64>,
}

/// Most requests one `GET /requests` answers.
pub const OPEN311_LIMIT: i64 = 1000;

/// The requests Open311 shows: those the citizen chose to make public, and to the
/// outside system that posted them (its `api_key` given), its own; always masked.
pub async fn open311_requests(store: &Store, f: &Open311Filter) -> Result<Vec<PublicOrder>> {
    let mut sql = Sql::new(FROM);
    match f.key_id {
        Some(k) => {
            sql.push(" AND (o.public = 1 OR o.api_key_id = ")
                .bind_i(k)
                .push(")");
        }
        None => {
            sql.push(" AND o.public = 1");
        }
    }
    if !f.ids.is_empty() {
        sql.push(" AND o.order_no IN (");
        for (i, id) in f.ids.iter().enumerate() {
            if i > 0 {
                sql.push(", ");
            }
            sql.bind_s(id.as_str());
        }
        sql.push(")");
    } else {
        if let Some(code) = &f.service_code {
            sql.push(" AND o.service_code = ").bind_s(code.as_str());
        }
        if let Some(s) = &f.start {
            sql.push(" AND o.created_at >= ").bind_s(s.as_str());
        }
        if let Some(e) = &f.end {
            sql.push(" AND o.created_at <= ").bind_s(e.as_str());
        }
        match f.open {
            Some(true) => {
                sql.push(" AND o.status NOT IN ('closed', 'merged')");
            }
            Some(false) => {
                sql.push(" AND o.status IN ('closed', 'merged')");
            }
            None => {}
        }
    }
    let q = sql.with_text(format!(
        "SELECT {COLUMNS}{} ORDER BY o.id DESC LIMIT {OPEN311_LIMIT}",
        sql.text
    ));
    let mut c = store.reader().await?;
    let rows = q.query().fetch_all(&mut *c).await?;
    rows.iter()
        .map(|r| view_from(r).map(|o| PublicOrder::of(&o)))
        .collect()
}

/// One public request for Open311 (or one of the key's own), or 404.
pub async fn open311_request(store: &Store, no: &str, key_id: Option<i64>) -> Result<PublicOrder> {
    let list = open311_requests(
        store,
        &Open311Filter {
            ids: vec![no.to_string()],
            key_id,
            ..Default::default()
        },
    )
    .await?;
    list.into_iter()
        .next()
        .ok_or_else(|| StoreError::not_found(format!("服务请求“{no}”不存在")))
}

/// After orders were loaded in bulk (seed, import), moves each day's number counter
/// past the numbers used, so new orders of those days do not collide.
pub async fn continue_numbers(
    conn: &mut AnyConnection,
    days: &[(chrono::NaiveDate, i64)],
) -> Result<()> {
    for (day, n) in days {
        sqlx::query(
            "INSERT INTO counters (name, n) VALUES ($1, $2) ON CONFLICT (name) DO UPDATE SET n = CASE WHEN counters.n > excluded.n THEN counters.n ELSE excluded.n END",
        )
        .bind(format!("work_order:{}", time::day(*day)))
        .bind(*n)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

// ---------------------------------------------------------------------------
// 网上诉求: the public web form and the public progress of web requests (pages of
// `/hotline/new`, `/hotline/progress`, `/hotline/public`). Kept in one block at the
// end of the file so it does not touch the intake and action code above.

/// Registers a request submitted on the public web form (channel web), left for the
/// center to dispatch. No principal: the visitor is anonymous, the event and the
/// audit entry name the web form.
pub async fn create_web(store: &Store, input: &NewOrder) -> Result<OrderView> {
    let category = trimmed(input.category.as_deref())
        .ok_or_else(|| StoreError::invalid("category", "请选择诉求类别"))
        .and_then(|c| {
            Category::parse(c).ok_or_else(|| {
                StoreError::invalid(
                    "category",
                    format!("诉求类别“{c}”无效，应为：{}", Category::choices()),
                )
            })
        })?;
    let caller_name = optional_text("caller_name", "姓名", input.caller_name.as_deref(), 50)?
        .unwrap_or_else(|| "匿名".into());
    let phone = trimmed(input.phone.as_deref())
        .ok_or_else(|| StoreError::invalid("phone", "请填写联系电话，以便承办单位联系您并回访"))
        .and_then(parse_phone)?;
    let address = optional_text("address", "地址", input.address.as_deref(), 200)?;
    let content = required_text(
        "content",
        "诉求内容",
        input.content.as_deref().unwrap_or(""),
        MAX_CONTENT_CHARS,
    )?;
    let intake = Intake {
        channel: Channel::Web,
        category,
        caller_name,
        phone: Some(phone),
        email: None,
        address,
        lat: None,
        lon: None,
        content,
        service_code: None,
        public: input.public.unwrap_or(false),
        api_key_id: None,
    };
    let no = insert(store, &intake, EventWho::System("web"), None, None, &[]).await?;
    let mut c = store.reader().await?;
    load(&mut c, None, &no).await
}

/// One order whose progress is public, with its events; any other order is "not
/// found", so the answer does not reveal whether a non-public order exists.
pub async fn public_order(store: &Store, no: &str) -> Result<PublicOrder> {
    let missing = || StoreError::not_found(format!("工单“{no}”不存在或未公开办理进度"));
    let mut c = store.reader().await?;
    match load(&mut c, None, no).await {
        Ok(o) if o.public => Ok(PublicOrder::of(&o)),
        Ok(_) | Err(StoreError::NotFound(_)) => Err(missing()),
        Err(e) => Err(e),
    }
}

/// Recent public web requests, newest first, with the total.
pub async fn public_web_orders(
    store: &Store,
    page: Option<i64>,
    per_page: Option<i64>,
) -> Result<(Vec<PublicOrder>, i64)> {
    let mut sql = Sql::new(FROM);
    sql.push(" AND o.public = 1 AND o.channel = ")
        .bind_s(Channel::Web.as_str());
    let (_, per_page, skip) = crate::paging(page, per_page, 20, 100)?;
    let mut c = store.reader().await?;
    let total: i64 = sql
        .with_text(format!("SELECT COUNT(*){}", sql.text))
        .query_scalar()
        .fetch_one(&mut *c)
        .await?;
    let q = sql.with_text(format!(
        "SELECT {COLUMNS}{} ORDER BY o.id DESC LIMIT {per_page} OFFSET {skip}",
        sql.text
    ));
    let rows = q.query().fetch_all(&mut *c).await?;
    let list = rows
        .iter()
        .map(|r| view_from(r).map(|o| PublicOrder::of(&o)))
        .collect::<Result<Vec<_>>>()?;
    Ok((list, total))
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

// ---------------------------------------------------------------------------
// Export for outside analysis

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
             o.return_count, o.public \
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
                faulty: crate::flag(r, "faulty")?,
                merged_into: r.try_get("merged_into")?,
                return_count: r.try_get("return_count")?,
                public: crate::flag(r, "public")?,
            })?;
        }
    }
}

// ---------------------------------------------------------------------------
// The one public view of an order

/// A step of an order's public progress: what happened, when, which unit; no staff.
#[derive(Debug, Clone, Serialize)]
pub struct PublicStep {
    pub at: String,
    pub label: String,
    pub unit: Option<String>,
}

/// A work order as the public and outside systems see it. Every public path (the
/// progress and public-list pages, Open311 in JSON and XML) gets only this, built by
/// [`PublicOrder::of`] with the one masking of `tongban_domain::public`: the caller's
/// name, phone numbers in any form, ID and house numbers in every text; coordinates
/// rounded to about a hundred metres.
#[derive(Debug, Clone, Serialize)]
pub struct PublicOrder {
    pub order_no: String,
    pub open: bool,
    pub status_label: &'static str,
    pub category_label: &'static str,
    pub channel_label: &'static str,
    pub name: String,
    pub phone: String,
    pub address: Option<String>,
    pub lat: Option<String>,
    pub long: Option<String>,
    pub content: String,
    pub service_code: Option<String>,
    pub service_name: Option<String>,
    pub unit: Option<String>,
    pub created_at: String,
    pub updated_at: String,
    pub closed_at: Option<String>,
    pub deadline: Option<String>,
    pub answer: Option<String>,
    pub reply: Option<String>,
    pub merged_into: Option<String>,
    pub steps: Vec<PublicStep>,
}

impl PublicOrder {
    pub fn of(o: &OrderView) -> Self {
        use tongban_domain::public::{mask_address, mask_name, mask_text_naming};
        let names = [o.caller_name.as_str()];
        let mask_text = |t: &str| mask_text_naming(t, &names);
        let coarse = |v: &Option<String>| {
            v.as_deref()
                .and_then(|s| s.parse::<f64>().ok())
                .map(|x| format!("{x:.3}"))
        };
        Self {
            order_no: o.order_no.clone(),
            open: o.state().status.is_open(),
            status_label: o.status_label,
            category_label: o.category_label,
            channel_label: o.channel_label,
            name: mask_name(&o.caller_name),
            phone: o.phone_masked.clone().unwrap_or_default(),
            address: o.address.as_deref().map(mask_address),
            lat: coarse(&o.lat),
            long: coarse(&o.long),
            content: mask_text(&o.content),
            service_code: o.service_code.clone(),
            service_name: o.service_name.clone(),
            unit: o.unit.as_ref().map(|u| u.name.clone()),
            created_at: o.created_at.clone(),
            updated_at: o.updated_at.clone(),
            closed_at: o.closed_at.clone(),
            deadline: o.deadline.clone(),
            answer: o.answer.as_deref().map(mask_text),
            reply: o.reply.as_deref().map(mask_text),
            merged_into: o.merged_into.clone(),
            steps: o
                .events
                .iter()
                .map(|e| PublicStep {
                    at: e.at.clone(),
                    label: e.action_label.clone(),
                    unit: e.unit.clone(),
                })
                .collect(),
        }
    }
}
