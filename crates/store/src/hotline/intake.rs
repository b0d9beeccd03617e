//! 12345 intake from outside channels (微信、电子邮件、其他): administrators issue a key
//! per channel (only its SM3 hash is kept); a request sent with the key becomes an
//! ordinary work order in the accepted queue. The channel's own id of the request
//! (`external_id`, a mail's Message-ID) makes a resend return the same order.

use crate::audit::{self, Actor};
use crate::hotline::orders::{optional_text, parse_coord, parse_phone, trimmed};
use crate::org::next_counter;
use crate::protect::{random_token, sm3_hex};
use crate::{Result, Store, StoreError, time};
use serde::Serialize;
use sqlx::{AnyConnection, Row};
use tongban_domain::codes::mask_phone;
use tongban_domain::hotline::{Category, Channel, MAX_CONTENT_CHARS, Status, order_no};
use tongban_domain::required_text;

/// The channels that send requests with a channel key.
pub const KEYED_CHANNELS: [Channel; 3] = [Channel::Wechat, Channel::Email, Channel::Other];

/// Longest external id accepted (a Message-ID is usually under 100 characters).
pub const MAX_EXTERNAL_ID: usize = 200;

/// A keyed channel from its code, or a field error listing the choices.
pub fn parse_channel(field: &'static str, s: &str) -> Result<Channel> {
    let s = s.trim();
    Channel::parse(s)
        .filter(|c| KEYED_CHANNELS.contains(c))
        .ok_or_else(|| {
            StoreError::invalid(
                field,
                format!(
                    "接入渠道“{s}”无效，应为：{}",
                    KEYED_CHANNELS
                        .iter()
                        .map(|c| format!("{}（{}）", c.as_str(), c.label()))
                        .collect::<Vec<_>>()
                        .join("、")
                ),
            )
        })
}

/// An issued channel key as administrators see it (never the key itself).
#[derive(Debug, Clone, Serialize)]
pub struct ChannelKey {
    pub id: i64,
    pub channel: &'static str,
    pub channel_label: &'static str,
    pub name: String,
    pub created_at: String,
    pub active: bool,
    pub deactivated_at: Option<String>,
    /// Requests received with this key.
    pub orders: i64,
}

/// Issues a key for `channel`; returns the key, of which only the SM3 hash is kept.
pub async fn create_key(store: &Store, channel: &str, name: &str, actor: &Actor) -> Result<String> {
    let channel = parse_channel("channel", channel)?;
    let name = required_text("name", "接入方名称", name, 100)?;
    let key = random_token();
    let mut tx = store.begin().await?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO intake_keys (channel, name, key_hash, created_at, active) VALUES ($1, $2, $3, $4, 1) RETURNING id",
    )
    .bind(channel.as_str())
    .bind(&name)
    .bind(sm3_hex(key.as_bytes()))
    .bind(time::stamp(time::now()))
    .fetch_one(&mut *tx)
    .await?;
    audit::append(
        &mut tx,
        store.keys(),
        actor,
        "intake.key.create",
        "intake_key",
        &id.to_string(),
        serde_json::json!({ "channel": channel.as_str(), "name": name }),
    )
    .await?;
    tx.commit().await?;
    Ok(key)
}

/// Every channel key, newest first.
pub async fn list_keys(store: &Store) -> Result<Vec<ChannelKey>> {
    let mut c = store.reader().await?;
    let rows = sqlx::query(
        "SELECT k.id, k.channel, k.name, k.created_at, k.active, k.deactivated_at, \
         (SELECT CAST(COUNT(*) AS BIGINT) FROM intake_refs r WHERE r.key_id = k.id) AS orders \
         FROM intake_keys k ORDER BY k.id DESC",
    )
    .fetch_all(&mut *c)
    .await?;
    rows.iter()
        .map(|r| {
            let channel: String = r.try_get("channel")?;
            let ch = Channel::parse(&channel).unwrap_or(Channel::Other);
            Ok(ChannelKey {
                id: r.try_get("id")?,
                channel: ch.as_str(),
                channel_label: ch.label(),
                name: r.try_get("name")?,
                created_at: r.try_get("created_at")?,
                active: crate::flag(r, "active")?,
                deactivated_at: r.try_get("deactivated_at")?,
                orders: r.try_get("orders")?,
            })
        })
        .collect()
}

/// Deactivates a key (停用): requests with it are refused from now on.
pub async fn deactivate_key(store: &Store, id: i64, actor: &Actor) -> Result<()> {
    let mut tx = store.begin().await?;
    let row = sqlx::query("SELECT channel, name, active FROM intake_keys WHERE id = $1")
        .bind(id)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or_else(|| StoreError::not_found("渠道接入密钥不存在"))?;
    let name: String = row.try_get("name")?;
    let channel: String = row.try_get("channel")?;
    if !crate::flag(&row, "active")? {
        return Err(StoreError::Conflict {
            field: "key",
            message: format!("“{name}”的渠道接入密钥已停用"),
        });
    }
    sqlx::query(
        "UPDATE intake_keys SET active = 0, deactivated_at = $1 WHERE id = $2 AND active = 1",
    )
    .bind(time::stamp(time::now()))
    .bind(id)
    .execute(&mut *tx)
    .await?;
    audit::append(
        &mut tx,
        store.keys(),
        actor,
        "intake.key.deactivate",
        "intake_key",
        &id.to_string(),
        serde_json::json!({ "channel": channel, "name": name }),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// The holder of a valid key.
#[derive(Debug, Clone)]
pub struct KeyHolder {
    pub id: i64,
    pub channel: Channel,
    pub name: String,
}

/// The active key of `channel` presented in `X-Channel-Key`, or 401.
pub async fn check_key(store: &Store, channel: Channel, key: Option<&str>) -> Result<KeyHolder> {
    let key = key
        .map(str::trim)
        .filter(|k| !k.is_empty())
        .ok_or_else(|| {
            StoreError::Unauthorized("缺少渠道接入密钥：请求须带 X-Channel-Key 请求头".into())
        })?;
    let mut c = store.reader().await?;
    let row =
        sqlx::query("SELECT id, channel, name FROM intake_keys WHERE key_hash = $1 AND active = 1")
            .bind(sm3_hex(key.as_bytes()))
            .fetch_optional(&mut *c)
            .await?;
    let Some(row) = row else {
        return Err(StoreError::Unauthorized(
            "渠道接入密钥（X-Channel-Key）无效或已停用".into(),
        ));
    };
    let own: String = row.try_get("channel")?;
    if own != channel.as_str() {
        return Err(StoreError::Unauthorized(format!(
            "该渠道接入密钥不能用于{}渠道",
            channel.label()
        )));
    }
    Ok(KeyHolder {
        id: row.try_get("id")?,
        channel,
        name: row.try_get("name")?,
    })
}

/// A request as an outside channel sends it (the webhook's JSON, or a parsed mail).
#[derive(Debug, Clone, Default)]
pub struct Submission {
    pub external_id: Option<String>,
    pub category: Option<String>,
    pub content: Option<String>,
    pub caller_name: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub address: Option<String>,
    pub lat: Option<f64>,
    pub long: Option<f64>,
}

fn text_field(v: &serde_json::Value, field: &'static str, label: &str) -> Result<Option<String>> {
    match v.get(field) {
        None | Some(serde_json::Value::Null) => Ok(None),
        Some(serde_json::Value::String(s)) => Ok(Some(s.clone())),
        Some(serde_json::Value::Number(n)) if field == "external_id" || field == "phone" => {
            Ok(Some(n.to_string()))
        }
        Some(_) => Err(StoreError::invalid(
            field,
            format!("{label}（{field}）应为文本"),
        )),
    }
}

fn number_field(v: &serde_json::Value, field: &'static str, label: &str) -> Result<Option<f64>> {
    let bad = || StoreError::invalid(field, format!("{label}（{field}）应为数值（十进制度）"));
    match v.get(field) {
        None | Some(serde_json::Value::Null) => Ok(None),
        Some(serde_json::Value::Number(n)) => n.as_f64().map(Some).ok_or_else(bad),
        Some(serde_json::Value::String(s)) if s.trim().is_empty() => Ok(None),
        Some(serde_json::Value::String(s)) => s.trim().parse().map(Some).map_err(|_| bad()),
        Some(_) => Err(bad()),
    }
}

impl Submission {
    /// Reads the webhook's JSON object, naming the field whose type is wrong.
    pub fn from_json(v: &serde_json::Value) -> Result<Submission> {
        if !v.is_object() {
            return Err(StoreError::invalid("body", "请求内容应为 JSON 对象"));
        }
        Ok(Submission {
            external_id: text_field(v, "external_id", "外部编号")?,
            category: text_field(v, "category", "诉求类别")?,
            content: text_field(v, "content", "诉求内容")?,
            caller_name: text_field(v, "caller_name", "姓名")?,
            phone: text_field(v, "phone", "联系电话")?,
            email: text_field(v, "email", "电子邮箱")?,
            address: text_field(v, "address", "地址")?,
            lat: number_field(v, "lat", "纬度")?,
            long: number_field(v, "long", "经度")?,
        })
    }
}

/// What the channel gets back: the order made for its request.
#[derive(Debug, Clone, Serialize)]
pub struct Receipt {
    pub order_no: String,
    pub channel: &'static str,
    pub external_id: String,
    pub status: String,
    pub created_at: String,
    /// True when the request was already received: no new order was made.
    pub duplicate: bool,
}

/// A checked request, ready to insert.
struct Checked {
    external_id: String,
    category: Category,
    content: String,
    caller_name: String,
    phone: Option<String>,
    email: Option<String>,
    address: Option<String>,
    lat: Option<String>,
    lon: Option<String>,
}

fn check(s: &Submission) -> Result<Checked> {
    let external_id = trimmed(s.external_id.as_deref()).ok_or_else(|| {
        StoreError::invalid(
            "external_id",
            "缺少外部编号（external_id）：同一编号重复提交只生成一张工单",
        )
    })?;
    if external_id.chars().count() > MAX_EXTERNAL_ID || external_id.chars().any(char::is_control) {
        return Err(StoreError::invalid(
            "external_id",
            format!("外部编号（external_id）应为不超过{MAX_EXTERNAL_ID}个字符的文本"),
        ));
    }
    let category = trimmed(s.category.as_deref())
        .ok_or_else(|| {
            StoreError::invalid(
                "category",
                format!("缺少诉求类别（category），应为：{}", Category::choices()),
            )
        })
        .and_then(|c| {
            Category::parse(c)
                .or_else(|| Category::ALL.iter().copied().find(|k| k.label() == c))
                .ok_or_else(|| {
                    StoreError::invalid(
                        "category",
                        format!("诉求类别“{c}”无效，应为：{}", Category::choices()),
                    )
                })
        })?;
    let content = required_text(
        "content",
        "诉求内容（content）",
        s.content.as_deref().unwrap_or(""),
        MAX_CONTENT_CHARS,
    )?;
    let caller_name = optional_text("caller_name", "姓名", s.caller_name.as_deref(), 50)?
        .unwrap_or_else(|| "匿名".into());
    let phone = trimmed(s.phone.as_deref()).map(parse_phone).transpose()?;
    let email = optional_text("email", "电子邮箱", s.email.as_deref(), 100)?;
    if email
        .as_deref()
        .is_some_and(|e| !e.contains('@') || e.chars().any(char::is_whitespace))
    {
        return Err(StoreError::invalid("email", "电子邮箱（email）格式不正确"));
    }
    let address = optional_text("address", "地址", s.address.as_deref(), 200)?;
    let (lat, lon) = match (s.lat, s.long) {
        (Some(a), Some(o)) => (
            Some(parse_coord("lat", a, 90.0)?),
            Some(parse_coord("long", o, 180.0)?),
        ),
        (None, None) => (None, None),
        (None, Some(_)) => {
            return Err(StoreError::invalid(
                "lat",
                "缺少纬度（lat）：经纬度须同时提供",
            ));
        }
        (Some(_), None) => {
            return Err(StoreError::invalid(
                "long",
                "缺少经度（long）：经纬度须同时提供",
            ));
        }
    };
    Ok(Checked {
        external_id: external_id.to_string(),
        category,
        content,
        caller_name,
        phone,
        email,
        address,
        lat,
        lon,
    })
}

async fn existing(
    conn: &mut AnyConnection,
    channel: Channel,
    external_id: &str,
) -> Result<Option<Receipt>> {
    let row = sqlx::query(
        "SELECT o.order_no, o.status, o.created_at FROM intake_refs r JOIN work_orders o ON o.id = r.order_id \
         WHERE r.channel = $1 AND r.external_id = $2",
    )
    .bind(channel.as_str())
    .bind(external_id)
    .fetch_optional(conn)
    .await?;
    row.map(|r| {
        Ok(Receipt {
            order_no: r.try_get("order_no")?,
            channel: channel.as_str(),
            external_id: external_id.to_string(),
            status: r.try_get("status")?,
            created_at: r.try_get("created_at")?,
            duplicate: true,
        })
    })
    .transpose()
}

/// Registers a channel's request as a work order in the accepted queue, or returns
/// the order already made for the same external id. One transaction: the order, its
/// first event, the external id and the audit entry are written together or not at all.
pub async fn submit(store: &Store, key: &KeyHolder, s: &Submission) -> Result<Receipt> {
    let c = check(s)?;
    let channel = key.channel;
    {
        let mut rd = store.reader().await?;
        if let Some(r) = existing(&mut rd, channel, &c.external_id).await? {
            return Ok(r);
        }
    }
    match insert(store, key, &c).await {
        Ok(r) => Ok(r),
        // Sent twice at the same moment: the other insert won the unique external id.
        Err(e) => {
            let mut rd = store.reader().await?;
            match existing(&mut rd, channel, &c.external_id).await? {
                Some(r) => Ok(r),
                None => Err(e),
            }
        }
    }
}

async fn insert(store: &Store, key: &KeyHolder, c: &Checked) -> Result<Receipt> {
    let now = time::now();
    let today = time::local_day(now);
    let stamp = time::stamp(now);
    let keys = store.keys();
    let channel = key.channel;
    let mut tx = store.begin().await?;
    // Checked again inside the transaction (SQLite's writes are serial).
    if let Some(r) = existing(&mut tx, channel, &c.external_id).await? {
        return Ok(r);
    }
    let seq = next_counter(&mut tx, &format!("work_order:{}", time::day(today))).await?;
    let no = order_no(today, seq);
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO work_orders (order_no, channel, category, caller_name, phone_enc, phone_masked, phone_digest, email, \
         address, lat, lon, content, service_code, department_id, co_units, status, dispatched_on, deadline, \
         deadline_estimated, extension_pending, direct_answer, answer, reply, callback_level, faulty, merged_into, public, \
         api_key_id, created_at, updated_at, closed_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, NULL, NULL, \
         '', $13, NULL, NULL, 0, 0, 0, NULL, NULL, NULL, 0, NULL, 0, NULL, $14, $15, NULL) RETURNING id",
    )
    .bind(&no)
    .bind(channel.as_str())
    .bind(c.category.as_str())
    .bind(&c.caller_name)
    .bind(c.phone.as_deref().map(|p| keys.encrypt(p)))
    .bind(c.phone.as_deref().map(mask_phone))
    .bind(c.phone.as_deref().map(|p| keys.digest("phone", p)))
    .bind(&c.email)
    .bind(&c.address)
    .bind(&c.lat)
    .bind(&c.lon)
    .bind(&c.content)
    .bind(Status::Accepted.as_str())
    .bind(&stamp)
    .bind(&stamp)
    .fetch_one(&mut *tx)
    .await?;
    let who = format!("{}渠道：{}", channel.label(), key.name);
    sqlx::query(
        "INSERT INTO work_order_events (order_id, at, actor_id, actor, action, from_status, to_status, department_id, note) \
         VALUES ($1, $2, NULL, $3, 'accept', NULL, $4, NULL, $5)",
    )
    .bind(id)
    .bind(&stamp)
    .bind(&who)
    .bind(Status::Accepted.as_str())
    .bind(format!("外部编号：{}", c.external_id))
    .execute(&mut *tx)
    .await?;
    sqlx::query(
        "INSERT INTO intake_refs (channel, external_id, order_id, key_id, created_at) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(channel.as_str())
    .bind(&c.external_id)
    .bind(id)
    .bind(key.id)
    .bind(&stamp)
    .execute(&mut *tx)
    .await?;
    audit::append(
        &mut tx,
        keys,
        &Actor::system(&format!("intake:{}:{}", channel.as_str(), key.name)),
        "work_order.create",
        "work_order",
        &no,
        serde_json::json!({
            "channel": channel.as_str(),
            "category": c.category.as_str(),
            "status": Status::Accepted.as_str(),
            "external_id": c.external_id,
        }),
    )
    .await?;
    let cal = crate::calendar::load(store, &mut tx).await?;
    crate::hotline::orders::track_order(&mut tx, id, None, &cal).await?;
    tx.commit().await?;
    Ok(Receipt {
        order_no: no,
        channel: channel.as_str(),
        external_id: c.external_id.clone(),
        status: Status::Accepted.as_str().into(),
        created_at: stamp,
        duplicate: false,
    })
}

// ---------------------------------------------------------------------------
// Email (电子邮件): each message forwarded by the mail gateway as message/rfc822.

/// Why a mail cannot be taken: the header or part at fault and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadMail {
    pub field: &'static str,
    pub message: String,
}

fn bad_mail(field: &'static str, message: impl Into<String>) -> BadMail {
    BadMail {
        field,
        message: message.into(),
    }
}

/// Reads a forwarded mail: From (name, address) is the caller and their email, the
/// Subject and the text body the content (an HTML-only mail is reduced to its text),
/// the Message-ID the external id (a digest of the whole mail when it has none).
/// Category: consultation (咨询) unless the center reclassifies.
pub fn parse_email(raw: &[u8]) -> std::result::Result<Submission, BadMail> {
    if raw.iter().all(u8::is_ascii_whitespace) {
        return Err(bad_mail("body", "邮件内容为空"));
    }
    let msg = mail_parser::MessageParser::default()
        .parse(raw)
        .ok_or_else(|| {
            bad_mail(
                "body",
                "无法解析邮件：请求内容应为 message/rfc822 格式的邮件",
            )
        })?;
    if msg.headers().is_empty() {
        return Err(bad_mail("body", "无法解析邮件：缺少邮件头"));
    }
    let from = msg
        .from()
        .and_then(|a| a.first())
        .ok_or_else(|| bad_mail("from", "邮件缺少发件人（From）"))?;
    let address = from
        .address
        .as_deref()
        .map(str::trim)
        .filter(|a| a.contains('@') && !a.chars().any(char::is_whitespace))
        .ok_or_else(|| bad_mail("from", "发件人（From）的邮箱地址无效"))?;
    let name = from
        .name
        .as_deref()
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .map(|n| n.chars().take(50).collect::<String>())
        .unwrap_or_else(|| {
            address
                .split('@')
                .next()
                .unwrap_or(address)
                .chars()
                .take(50)
                .collect()
        });
    let subject = msg.subject().map(str::trim).unwrap_or("");
    let body = msg
        .body_text(0)
        .map(|t| t.into_owned())
        .or_else(|| msg.body_html(0).map(|h| html_to_text(&h)))
        .unwrap_or_default();
    // Some senders label HTML as text/plain.
    let body = if looks_like_html(&body) {
        html_to_text(&body)
    } else {
        body
    };
    let body = tidy(&body);
    if subject.is_empty() && body.is_empty() {
        return Err(bad_mail("content", "邮件没有主题也没有正文，无法登记诉求"));
    }
    let mut content = match (subject.is_empty(), body.is_empty()) {
        (false, false) => format!("【{subject}】{body}"),
        (false, true) => subject.to_string(),
        _ => body,
    };
    if content.chars().count() > MAX_CONTENT_CHARS {
        content = content
            .chars()
            .take(MAX_CONTENT_CHARS - 12)
            .collect::<String>()
            + "……（邮件过长，已截断）";
    }
    let external_id = match msg.message_id().map(str::trim).filter(|m| !m.is_empty()) {
        Some(id) => id.chars().take(MAX_EXTERNAL_ID).collect(),
        None => format!("sm3:{}", sm3_hex(raw)),
    };
    Ok(Submission {
        external_id: Some(external_id),
        category: Some(Category::Consultation.as_str().into()),
        content: Some(content),
        caller_name: Some(name),
        email: Some(address.chars().take(100).collect()),
        ..Default::default()
    })
}

fn looks_like_html(s: &str) -> bool {
    let l = s.trim_start().to_ascii_lowercase();
    l.starts_with("<!doctype html") || l.starts_with("<html") || l.contains("<body")
}

/// Text of an HTML body: scripts and styles dropped, tags removed (block tags become
/// line breaks), the common entities decoded.
pub fn html_to_text(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let lower = html.to_ascii_lowercase();
    let mut i = 0;
    let bytes = html.as_bytes();
    while i < bytes.len() {
        if bytes[i] == b'<' {
            let rest = &lower[i..];
            let skip_to = |end: &str| rest.find(end).map(|p| i + p + end.len());
            if rest.starts_with("<script") {
                i = skip_to("</script>").unwrap_or(bytes.len());
                continue;
            }
            if rest.starts_with("<style") {
                i = skip_to("</style>").unwrap_or(bytes.len());
                continue;
            }
            if rest.starts_with("<!--") {
                i = skip_to("-->").unwrap_or(bytes.len());
                continue;
            }
            let end = rest.find('>').map(|p| i + p + 1).unwrap_or(bytes.len());
            let tag = &lower[i..end];
            let name: String = tag
                .trim_start_matches(['<', '/'])
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric())
                .collect();
            if matches!(
                name.as_str(),
                "br" | "p"
                    | "div"
                    | "li"
                    | "tr"
                    | "h1"
                    | "h2"
                    | "h3"
                    | "h4"
                    | "table"
                    | "ul"
                    | "ol"
            ) {
                out.push('\n');
            }
            i = end;
            continue;
        }
        let next = html[i..].find('<').map(|p| i + p).unwrap_or(bytes.len());
        out.push_str(&decode_entities(&html[i..next]));
        i = next;
    }
    out
}

fn decode_entities(s: &str) -> String {
    if !s.contains('&') {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(p) = rest.find('&') {
        out.push_str(&rest[..p]);
        rest = &rest[p..];
        let Some(semi) = rest.find(';').filter(|&q| q <= 10) else {
            out.push('&');
            rest = &rest[1..];
            continue;
        };
        let ent = &rest[1..semi];
        let ch = match ent {
            "nbsp" => Some(' '),
            "lt" => Some('<'),
            "gt" => Some('>'),
            "amp" => Some('&'),
            "quot" => Some('"'),
            "apos" => Some('\''),
            _ => ent
                .strip_prefix("#x")
                .or_else(|| ent.strip_prefix("#X"))
                .and_then(|h| u32::from_str_radix(h, 16).ok())
                .or_else(|| ent.strip_prefix('#').and_then(|d| d.parse().ok()))
                .and_then(char::from_u32),
        };
        match ch {
            Some(c) => {
                out.push(c);
                rest = &rest[semi + 1..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// Trims each line and drops runs of blank lines and quoted replies' markers.
fn tidy(s: &str) -> String {
    // No-break and other wide spaces (from &nbsp;) read as plain spaces.
    let s = s.replace(['\u{a0}', '\u{3000}', '\u{200b}'], " ");
    let mut out: Vec<&str> = vec![];
    for line in s.lines().map(str::trim) {
        if line.is_empty() && out.last().is_none_or(|l| l.is_empty()) {
            continue;
        }
        out.push(line);
    }
    while out.last().is_some_and(|l| l.is_empty()) {
        out.pop();
    }
    out.join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_becomes_text() {
        let t = html_to_text(
            "<html><head><style>p{color:red}</style></head><body><p>小区&nbsp;停水</p><p>请尽快&lt;处理&gt;</p><script>x()</script></body></html>",
        );
        assert_eq!(tidy(&t), "小区 停水\n\n请尽快<处理>");
    }

    #[test]
    fn plain_mail_is_read() {
        let raw = "From: =?UTF-8?B?5byg5LiJ?= <zhangsan@example.com>\r\nTo: 12345@example.gov.cn\r\nSubject: =?UTF-8?B?5YGc5rC0?=\r\nMessage-ID: <abc@example.com>\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nHello\r\n";
        let s = parse_email(raw.as_bytes()).unwrap();
        assert_eq!(s.caller_name.as_deref(), Some("张三"));
        assert_eq!(s.email.as_deref(), Some("zhangsan@example.com"));
        assert_eq!(s.external_id.as_deref(), Some("abc@example.com"));
        assert_eq!(s.content.as_deref(), Some("【停水】Hello"));
        assert_eq!(parse_email(b"").unwrap_err().field, "body");
        assert_eq!(
            parse_email(b"Subject: x\r\n\r\nbody").unwrap_err().field,
            "from"
        );
    }
}
