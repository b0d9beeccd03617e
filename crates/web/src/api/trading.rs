//! Public resource trading over HTTP: the trading systems push their announcements
//! (`X-Source-Key`, a key per source system); anyone searches the announcements and
//! reads a project; and the OCDS 1.1 publication — release packages a page at a time
//! (`links.next`), a month's releases in bulk (streamed), and record packages.

use crate::AppState;
use crate::error::{ApiError, ApiResult};
use crate::extract::Query;
use axum::Json;
use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use serde_json::{Value, json};
use tongban_store::audit::Actor;
use tongban_store::trading::{self, FeedReport, NoticePage, NoticeQuery, ProjectView, ocds};
use tongban_store::{StoreError, time};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/trading/feed", post(feed))
        .route("/api/v1/trading/credit", get(credit).post(credit_feed))
        .route("/api/v1/trading/notices", get(notices))
        .route("/api/v1/trading/projects/{ocid}", get(project))
        .route("/ocds/releases", get(releases))
        .route("/ocds/releases/{month}", get(month_bulk))
        .route("/ocds/records", get(records))
}

/// The source system behind a push's key.
async fn pushing(
    s: &AppState,
    headers: &HeaderMap,
) -> ApiResult<(tongban_domain::trading::Source, Actor)> {
    let key = headers
        .get("x-source-key")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let Some(source) = trading::source_of_key(&s.store, key).await? else {
        return Err(ApiError::unauthorized(
            "缺少或无效的交易系统推送密钥（X-Source-Key）",
        ));
    };
    let actor = Actor {
        user_id: None,
        name: format!("trading:{}", source.as_str()),
    };
    Ok((source, actor))
}

fn utf8(body: &Bytes) -> ApiResult<&str> {
    Ok(std::str::from_utf8(body)
        .map_err(|_| StoreError::invalid("records", "请求内容应为 UTF-8 编码的 JSON"))?)
}

/// A source system's push: its records checked one by one, the faulty ones reported
/// with their position and reason, the rest kept.
async fn feed(
    State(s): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Json<FeedReport>> {
    let (source, actor) = pushing(&s, &headers).await?;
    let records = trading::parse_json(utf8(&body)?)?;
    Ok(Json(
        trading::ingest(&s.store, source, records, &actor).await?,
    ))
}

/// A source system's credit records (penalties, bad conduct), taken as its
/// announcements are.
async fn credit_feed(
    State(s): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Json<FeedReport>> {
    let (source, actor) = pushing(&s, &headers).await?;
    let records = trading::parse_json_as(utf8(&body)?)?;
    Ok(Json(
        trading::ingest_credit(&s.store, source, records, &actor).await?,
    ))
}

#[derive(Deserialize)]
struct CreditQuery {
    #[serde(default)]
    credit_code: String,
}

/// The credit records still published, of one organisation or of all.
async fn credit(State(s): State<AppState>, Query(q): Query<CreditQuery>) -> ApiResult<Json<Value>> {
    let codes: Vec<String> = Some(q.credit_code.trim().to_string())
        .filter(|c| !c.is_empty())
        .into_iter()
        .collect();
    Ok(Json(
        json!({ "records": trading::in_force(&s.store, &codes).await? }),
    ))
}

async fn notices(
    State(s): State<AppState>,
    Query(q): Query<NoticeQuery>,
) -> ApiResult<Json<NoticePage>> {
    Ok(Json(trading::search(&s.store, &q).await?))
}

async fn project(
    State(s): State<AppState>,
    Path(ocid): Path<String>,
) -> ApiResult<Json<ProjectView>> {
    Ok(Json(trading::project(&s.store, &ocid).await?))
}

/// The public address of this site: the configured one, or the request's host.
async fn base(s: &AppState, headers: &HeaderMap) -> ApiResult<String> {
    Ok(
        match s
            .store
            .setting(tongban_store::licenses::PUBLIC_URL_SETTING)
            .await?
        {
            Some(u) => u.trim_end_matches('/').to_string(),
            None => {
                let host = headers
                    .get(header::HOST)
                    .and_then(|h| h.to_str().ok())
                    .filter(|h| {
                        h.chars()
                            .all(|c| c.is_ascii_alphanumeric() || ".:-[]".contains(c))
                    })
                    .unwrap_or("localhost");
                format!("http://{host}")
            }
        },
    )
}

/// A package's head: everything but its releases or records.
async fn package_head(s: &AppState, uri: &str) -> ApiResult<Value> {
    Ok(json!({
        "uri": uri,
        "version": "1.1",
        "publishedDate": time::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        "publisher": { "name": s.store.office_name().await? },
        "extensions": ocds::EXTENSIONS,
    }))
}

#[derive(Deserialize)]
struct ReleasesQuery {
    #[serde(default)]
    cursor: Option<String>,
    #[serde(default)]
    month: Option<String>,
}

fn ocds_json(v: &Value) -> Response {
    let mut r = Json(v).into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    r
}

/// A release package of one page (100 releases, oldest first), with `links.next`.
async fn releases(
    State(s): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<ReleasesQuery>,
) -> ApiResult<Response> {
    let base = base(&s, &headers).await?;
    let (list, next) = ocds::releases(
        &s.store,
        q.cursor.as_deref(),
        q.month.as_deref(),
        ocds::PAGE,
    )
    .await?;
    if list.is_empty() {
        // A package holds at least one release: nothing to publish is no content.
        return Ok(StatusCode::NO_CONTENT.into_response());
    }
    let month = q.month.as_deref().map(str::trim).filter(|m| !m.is_empty());
    let here = |cursor: Option<&str>| {
        let mut u = format!("{base}/ocds/releases");
        let mut sep = '?';
        if let Some(m) = month {
            u.push_str(&format!("{sep}month={m}"));
            sep = '&';
        }
        if let Some(c) = cursor {
            u.push_str(&format!("{sep}cursor={}", c.replace(',', "%2C")));
        }
        u
    };
    let mut p = package_head(
        &s,
        &here(q.cursor.as_deref().map(str::trim).filter(|c| !c.is_empty())),
    )
    .await?;
    p["releases"] = Value::Array(list);
    if let Some(n) = next {
        p["links"] = json!({ "next": here(Some(&n)) });
    }
    Ok(ocds_json(&p))
}

/// A month's releases in one package (`/ocds/releases/2026-11.json`), streamed a page
/// at a time.
async fn month_bulk(
    State(s): State<AppState>,
    headers: HeaderMap,
    Path(month): Path<String>,
) -> ApiResult<Response> {
    let month = month.trim_end_matches(".json").to_string();
    let base = base(&s, &headers).await?;
    // The first page now, so a bad month or an empty one is a proper error.
    let (first, next) = ocds::releases(&s.store, None, Some(&month), 500).await?;
    if first.is_empty() {
        return Err(StoreError::not_found(format!("{month}没有交易公告")).into());
    }
    let head = package_head(&s, &format!("{base}/ocds/releases/{month}.json")).await?;
    let mut opening = serde_json::to_string(&head)
        .map_err(anyhow::Error::from)
        .map_err(StoreError::from)?;
    opening.pop(); // the closing brace: the releases follow
    opening.push_str(",\"releases\":[");
    // The stream's state: the text to send next, the page after it, and whether the
    // closing has gone.
    struct Left {
        store: tongban_store::Store,
        month: String,
        chunk: Option<String>,
        page: Vec<Value>,
        next: Option<String>,
        written: usize,
    }
    let left = Left {
        store: s.store.clone(),
        month,
        chunk: Some(opening),
        page: first,
        next,
        written: 0,
    };
    let stream = futures_util::stream::unfold(left, |mut l| async move {
        let mut out = l.chunk.take()?;
        for r in std::mem::take(&mut l.page) {
            if l.written > 0 {
                out.push(',');
            }
            out.push_str(&r.to_string());
            l.written += 1;
        }
        match l.next.take() {
            None => {
                out.push_str("]}");
                // Nothing after this chunk.
            }
            Some(cursor) => {
                match ocds::releases(&l.store, Some(&cursor), Some(&l.month), 500).await {
                    Ok((p, n)) => {
                        l.page = p;
                        l.next = n;
                        l.chunk = Some(String::new());
                    }
                    Err(e) => {
                        return Some((Err(std::io::Error::other(e.to_string())), l));
                    }
                }
            }
        }
        Some((Ok::<Bytes, std::io::Error>(Bytes::from(out)), l))
    });
    let body = Body::from_stream(stream);
    let mut r = (StatusCode::OK, body).into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    Ok(r)
}

#[derive(Deserialize)]
struct RecordQuery {
    #[serde(default)]
    ocid: String,
}

/// The record package of one contracting process.
async fn records(
    State(s): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<RecordQuery>,
) -> ApiResult<Response> {
    if q.ocid.trim().is_empty() {
        return Err(StoreError::invalid("ocid", "请给出交易项目的 ocid").into());
    }
    let base = base(&s, &headers).await?;
    let record = ocds::record(&s.store, &q.ocid).await?;
    let ocid = q.ocid.trim();
    let mut p = package_head(&s, &format!("{base}/ocds/records?ocid={ocid}")).await?;
    p["packages"] = json!([format!("{base}/ocds/releases")]);
    p["records"] = json!([record]);
    Ok(ocds_json(&p))
}
