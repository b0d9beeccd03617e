//! Open311 GeoReport v2 at `/open311/v2/`: discovery, services, service definitions
//! and service requests, each as `.json` or `.xml`, with the spec's field names.
//! Requests posted here are ordinary 12345 work orders (channel open311).

use crate::AppState;
use axum::Router;
use axum::extract::rejection::FormRejection;
use axum::extract::{Form, Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use chrono::{DateTime, Duration, Utc};
use serde_json::{Value, json};
use std::collections::HashMap;
use tongban_store::hotline::{self, Open311Filter, Open311Post, PublicOrder, Service};
use tongban_store::{StoreError, time};

const SPEC: &str = "http://wiki.open311.org/GeoReport_v2";
/// When this endpoint's interface last changed (discovery's `changeset`).
const CHANGESET: &str = "2026-11-27T00:00:00+08:00";
/// Most service request ids one GET accepts.
const MAX_IDS: usize = 200;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/open311/v2/{file}", get(top).post(post_requests))
        .route("/open311/v2/services/{file}", get(definition))
        .route("/open311/v2/requests/{file}", get(one_request))
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Format {
    Json,
    Xml,
}

/// Splits `name.json` / `name.xml`.
fn split(file: &str) -> Option<(&str, Format)> {
    let (name, ext) = file.rsplit_once('.')?;
    match ext {
        "json" => Some((name, Format::Json)),
        "xml" => Some((name, Format::Xml)),
        _ => None,
    }
}

/// An error answer: a list of `{code, description}`.
struct Failure {
    status: StatusCode,
    description: String,
    format: Format,
}

impl Failure {
    fn new(status: StatusCode, format: Format, description: impl Into<String>) -> Self {
        Self {
            status,
            description: description.into(),
            format,
        }
    }
    fn from_store(e: StoreError, format: Format) -> Self {
        match e {
            StoreError::Invalid(i) => {
                let d = if i.message.contains(i.field) {
                    i.message
                } else {
                    format!("{}：{}", i.field, i.message)
                };
                Self::new(StatusCode::BAD_REQUEST, format, d)
            }
            StoreError::Forbidden(m) | StoreError::Unauthorized(m) => {
                Self::new(StatusCode::FORBIDDEN, format, m)
            }
            // Everything else as the JSON API answers it (internal errors logged there).
            other => {
                let e = crate::error::ApiError::from(other);
                Self::new(e.status, format, e.message)
            }
        }
    }
}

impl IntoResponse for Failure {
    fn into_response(self) -> Response {
        let code = self.status.as_u16();
        let body = match self.format {
            Format::Json => json!([{ "code": code, "description": self.description }]).to_string(),
            Format::Xml => {
                let mut x = Xml::new();
                x.open("errors");
                x.open("error");
                x.el("code", &code.to_string());
                x.el("description", &self.description);
                x.close("error");
                x.close("errors");
                x.finish()
            }
        };
        (self.status, content_type(self.format), body).into_response()
    }
}

type R = Result<Response, Failure>;

fn content_type(f: Format) -> [(header::HeaderName, &'static str); 1] {
    [(
        header::CONTENT_TYPE,
        match f {
            Format::Json => "application/json; charset=utf-8",
            Format::Xml => "text/xml; charset=utf-8",
        },
    )]
}

fn ok(format: Format, json: Value, xml: impl FnOnce() -> String) -> Response {
    let body = match format {
        Format::Json => json.to_string(),
        Format::Xml => xml(),
    };
    (StatusCode::OK, content_type(format), body).into_response()
}

fn unknown_path() -> Failure {
    Failure::new(
        StatusCode::NOT_FOUND,
        Format::Json,
        "请求的地址不存在：应以 .json 或 .xml 结尾",
    )
}

/// A tiny XML writer: elements with escaped text, nothing else is needed here.
struct Xml(String);

impl Xml {
    fn new() -> Self {
        Xml(String::from("<?xml version=\"1.0\" encoding=\"utf-8\"?>"))
    }
    fn open(&mut self, name: &str) {
        self.0.push('<');
        self.0.push_str(name);
        self.0.push('>');
    }
    fn close(&mut self, name: &str) {
        self.0.push_str("</");
        self.0.push_str(name);
        self.0.push('>');
    }
    fn el(&mut self, name: &str, text: &str) {
        self.open(name);
        escape_into(&mut self.0, text);
        self.close(name);
    }
    fn opt(&mut self, name: &str, text: Option<&str>) {
        self.el(name, text.unwrap_or(""));
    }
    fn finish(self) -> String {
        self.0
    }
}

fn escape_into(out: &mut String, text: &str) {
    for c in text.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // Characters XML 1.0 cannot carry are dropped.
            c if (c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r') => {}
            c => out.push(c),
        }
    }
}

async fn top(
    State(s): State<AppState>,
    Path(file): Path<String>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> R {
    let (name, format) = split(&file).ok_or_else(unknown_path)?;
    match name {
        "discovery" => discovery(&s, &headers, format).await,
        "services" => services(&s, format).await,
        "requests" => requests(&s, format, &q).await,
        _ => Err(Failure::new(
            StatusCode::NOT_FOUND,
            format,
            format!("请求的地址不存在：{name}"),
        )),
    }
}

async fn discovery(s: &AppState, headers: &HeaderMap, format: Format) -> R {
    let base = match s
        .store
        .setting(tongban_store::licenses::PUBLIC_URL_SETTING)
        .await
        .map_err(|e| Failure::from_store(e, format))?
    {
        Some(u) => u.trim_end_matches('/').to_string(),
        None => {
            let host = headers
                .get(header::HOST)
                .and_then(|h| h.to_str().ok())
                .unwrap_or("localhost");
            format!("http://{host}")
        }
    };
    let url = format!("{base}/open311/v2");
    let office = s
        .store
        .office_name()
        .await
        .map_err(|e| Failure::from_store(e, format))?;
    let contact = format!("{office} 12345政务服务便民热线");
    let key_service = "接入密钥（api_key）由系统管理员签发：tongban admin create-api-key";
    let formats = ["text/xml", "application/json"];
    Ok(ok(
        format,
        json!({
            "changeset": CHANGESET,
            "contact": contact,
            "key_service": key_service,
            "endpoints": [{
                "specification": SPEC,
                "url": url,
                "changeset": CHANGESET,
                "type": "production",
                "formats": formats,
            }],
        }),
        || {
            let mut x = Xml::new();
            x.open("discovery");
            x.el("changeset", CHANGESET);
            x.el("contact", &contact);
            x.el("key_service", key_service);
            x.open("endpoints");
            x.open("endpoint");
            x.el("specification", SPEC);
            x.el("url", &url);
            x.el("changeset", CHANGESET);
            x.el("type", "production");
            x.open("formats");
            for f in formats {
                x.el("format", f);
            }
            x.close("formats");
            x.close("endpoint");
            x.close("endpoints");
            x.close("discovery");
            x.finish()
        },
    ))
}

fn service_json(s: &Service) -> Value {
    json!({
        "service_code": s.service_code,
        "service_name": s.service_name,
        "description": s.description,
        "metadata": false,
        "type": "realtime",
        "keywords": s.keywords,
        "group": s.group,
    })
}

async fn services(s: &AppState, format: Format) -> R {
    let list = hotline::services(&s.store)
        .await
        .map_err(|e| Failure::from_store(e, format))?;
    Ok(ok(
        format,
        Value::Array(list.iter().map(service_json).collect()),
        || {
            let mut x = Xml::new();
            x.open("services");
            for s in &list {
                x.open("service");
                x.el("service_code", &s.service_code);
                x.el("service_name", &s.service_name);
                x.el("description", &s.description);
                x.el("metadata", "false");
                x.el("type", "realtime");
                x.el("keywords", &s.keywords);
                x.el("group", &s.group);
                x.close("service");
            }
            x.close("services");
            x.finish()
        },
    ))
}

async fn definition(State(s): State<AppState>, Path(file): Path<String>) -> R {
    let (code, format) = split(&file).ok_or_else(unknown_path)?;
    let mut c = s
        .store
        .reader()
        .await
        .map_err(|e| Failure::from_store(e, format))?;
    let svc = hotline::service(&mut c, code)
        .await
        .map_err(|e| Failure::from_store(e, format))?
        .ok_or_else(|| {
            Failure::new(
                StatusCode::NOT_FOUND,
                format,
                format!("服务类别代码“{code}”不存在"),
            )
        })?;
    // No service asks extra questions yet: the attribute list is empty.
    Ok(ok(
        format,
        json!({ "service_code": svc.service_code, "attributes": [] }),
        || {
            let mut x = Xml::new();
            x.open("service_definition");
            x.el("service_code", &svc.service_code);
            x.open("attributes");
            x.close("attributes");
            x.close("service_definition");
            x.finish()
        },
    ))
}

/// An instant for Open311: ISO 8601 with the +08:00 offset.
fn iso(stamp: &str) -> String {
    time::display(stamp)
}

/// The day's end of a deadline, as the expected time.
fn expected(day: &str) -> String {
    format!("{day}T23:59:59+08:00")
}

fn status_notes(o: &PublicOrder) -> Option<String> {
    if let Some(into) = &o.merged_into {
        return Some(format!("已与工单{into}合并办理"));
    }
    o.reply
        .clone()
        .or_else(|| o.answer.clone())
        .or_else(|| Some(o.status_label.to_string()))
}

fn notice() -> &'static str {
    "诉求已受理，12345热线将按诉求类别在规定工作日内办理并回复"
}

/// One request as GeoReport v2 describes it, from the one public view of an order.
fn request_json(o: &PublicOrder) -> Value {
    let num = |v: &Option<String>| {
        v.as_deref()
            .and_then(|s| s.parse::<f64>().ok())
            .map(Value::from)
            .unwrap_or(Value::Null)
    };
    json!({
        "service_request_id": o.order_no,
        "status": if o.open { "open" } else { "closed" },
        "status_notes": status_notes(o),
        "service_name": o.service_name,
        "service_code": o.service_code,
        "description": o.content,
        "agency_responsible": o.unit,
        "service_notice": notice(),
        "requested_datetime": iso(&o.created_at),
        "updated_datetime": iso(&o.updated_at),
        "expected_datetime": o.deadline.as_deref().map(expected),
        "address": o.address,
        "address_id": Value::Null,
        "zipcode": Value::Null,
        "lat": num(&o.lat),
        "long": num(&o.long),
        "media_url": Value::Null,
    })
}

fn request_xml(x: &mut Xml, o: &PublicOrder) {
    x.open("request");
    x.el("service_request_id", &o.order_no);
    x.el("status", if o.open { "open" } else { "closed" });
    x.opt("status_notes", status_notes(o).as_deref());
    x.opt("service_name", o.service_name.as_deref());
    x.opt("service_code", o.service_code.as_deref());
    x.el("description", &o.content);
    x.opt("agency_responsible", o.unit.as_deref());
    x.el("service_notice", notice());
    x.el("requested_datetime", &iso(&o.created_at));
    x.el("updated_datetime", &iso(&o.updated_at));
    x.opt(
        "expected_datetime",
        o.deadline.as_deref().map(expected).as_deref(),
    );
    x.opt("address", o.address.as_deref());
    x.el("address_id", "");
    x.el("zipcode", "");
    x.opt("lat", o.lat.as_deref());
    x.opt("long", o.long.as_deref());
    x.el("media_url", "");
    x.close("request");
}

fn requests_response(format: Format, list: &[PublicOrder]) -> Response {
    ok(
        format,
        Value::Array(list.iter().map(request_json).collect()),
        || {
            let mut x = Xml::new();
            x.open("service_requests");
            for o in list {
                request_xml(&mut x, o);
            }
            x.close("service_requests");
            x.finish()
        },
    )
}

fn parse_instant(field: &str, v: &str, format: Format) -> Result<DateTime<Utc>, Failure> {
    DateTime::parse_from_rfc3339(v.trim())
        .map(|t| t.with_timezone(&Utc))
        .map_err(|_| {
            Failure::new(
                StatusCode::BAD_REQUEST,
                format,
                format!("{field}格式有误：应为带时区的ISO 8601时间，如2026-11-01T00:00:00+08:00"),
            )
        })
}

fn param<'a>(q: &'a HashMap<String, String>, name: &str) -> Option<&'a str> {
    q.get(name).map(|s| s.trim()).filter(|s| !s.is_empty())
}

async fn requests(s: &AppState, format: Format, q: &HashMap<String, String>) -> R {
    let bad = |m: String| Failure::new(StatusCode::BAD_REQUEST, format, m);
    let mut f = Open311Filter::default();
    if let Some(ids) = param(q, "service_request_id") {
        f.ids = ids
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect();
        if f.ids.len() > MAX_IDS {
            return Err(bad(format!("service_request_id最多可列{MAX_IDS}个编号")));
        }
    } else {
        f.service_code = param(q, "service_code").map(str::to_string);
        let end = match param(q, "end_date") {
            Some(v) => parse_instant("end_date", v, format)?,
            None => time::now(),
        };
        let start = match param(q, "start_date") {
            Some(v) => parse_instant("start_date", v, format)?,
            None => end - Duration::days(90),
        };
        if start > end {
            return Err(bad("start_date不能晚于end_date".into()));
        }
        f.start = Some(time::stamp(start));
        f.end = Some(time::stamp(end));
        f.open = match param(q, "status") {
            None => None,
            Some("open") => Some(true),
            Some("closed") => Some(false),
            Some(other) => {
                return Err(bad(format!("status“{other}”无效：应为open或closed")));
            }
        };
    }
    f.key_id = own_key(s, q, format).await?;
    let list = hotline::open311_requests(&s.store, &f)
        .await
        .map_err(|e| Failure::from_store(e, format))?;
    Ok(requests_response(format, &list))
}

/// An `api_key` on a read lets the outside system also see the private requests it
/// posted itself; a wrong key is refused rather than ignored.
async fn own_key(
    s: &AppState,
    q: &HashMap<String, String>,
    format: Format,
) -> Result<Option<i64>, Failure> {
    match param(q, "api_key") {
        None => Ok(None),
        Some(k) => hotline::check_api_key(&s.store, Some(k))
            .await
            .map(|key| Some(key.0))
            .map_err(|e| Failure::from_store(e, format)),
    }
}

async fn one_request(
    State(s): State<AppState>,
    Path(file): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> R {
    let (id, format) = split(&file).ok_or_else(unknown_path)?;
    let key = own_key(&s, &q, format).await?;
    let o = hotline::open311_request(&s.store, id, key)
        .await
        .map_err(|e| Failure::from_store(e, format))?;
    Ok(requests_response(format, std::slice::from_ref(&o)))
}

async fn post_requests(
    State(s): State<AppState>,
    Path(file): Path<String>,
    form: Result<Form<HashMap<String, String>>, FormRejection>,
) -> R {
    let (name, format) = split(&file).ok_or_else(unknown_path)?;
    if name != "requests" {
        return Err(Failure::new(
            StatusCode::METHOD_NOT_ALLOWED,
            format,
            format!("{name}不接受POST，只有requests可以提交"),
        ));
    }
    let Form(q) = form.map_err(|_| {
        Failure::new(
            StatusCode::BAD_REQUEST,
            format,
            "请求内容应为application/x-www-form-urlencoded表单",
        )
    })?;
    let key = hotline::check_api_key(&s.store, q.get("api_key").map(String::as_str))
        .await
        .map_err(|e| Failure::from_store(e, format))?;
    let get = |n: &str| q.get(n).cloned();
    let post = Open311Post {
        service_code: get("service_code"),
        lat: get("lat"),
        long: get("long"),
        address_string: get("address_string"),
        description: get("description"),
        first_name: get("first_name"),
        last_name: get("last_name"),
        phone: get("phone"),
        email: get("email"),
        public: matches!(
            q.get("public").map(|v| v.trim()),
            Some("true" | "1" | "yes")
        ),
    };
    let o = hotline::create_open311(&s.store, key, &post)
        .await
        .map_err(|e| Failure::from_store(e, format))?;
    Ok(ok(
        format,
        json!([{ "service_request_id": o.order_no, "service_notice": notice(), "account_id": Value::Null }]),
        || {
            let mut x = Xml::new();
            x.open("service_requests");
            x.open("request");
            x.el("service_request_id", &o.order_no);
            x.el("service_notice", notice());
            x.el("account_id", "");
            x.close("request");
            x.close("service_requests");
            x.finish()
        },
    ))
}
