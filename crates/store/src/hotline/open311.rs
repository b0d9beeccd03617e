//! What the Open311 GeoReport v2 endpoint reads and writes: API keys of outside
//! systems, requests posted by them, and the public view of requests.

use crate::audit::{self, Actor};
use crate::hotline::orders::*;
use crate::hotline::services::service;
use crate::protect::{random_token, sm3_hex};
use crate::{Result, Sql, Store, StoreError, time};
use sqlx::{AnyConnection, Row};
use tongban_domain::hotline::{Category, Channel, MAX_CONTENT_CHARS};
use tongban_domain::required_text;

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
        photos: vec![],
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
        let closed = crate::code_list(
            tongban_domain::hotline::Status::ALL
                .iter()
                .copied()
                .filter(|s| !s.is_open()),
            tongban_domain::hotline::Status::as_str,
        );
        match f.open {
            Some(true) => {
                sql.push(" AND o.status NOT IN ").push(&closed);
            }
            Some(false) => {
                sql.push(" AND o.status IN ").push(&closed);
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
