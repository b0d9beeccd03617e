//! What an operator watches: one log line per request (its id and route from the
//! request's span, the status, the time taken and the signed-in account — never a
//! path, which may carry an ID number, and never personal data), Prometheus metrics
//! at `GET /metrics` behind a token, and readiness at `/readyz`.

use crate::AppState;
use crate::error::ApiError;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

/// Where the handler's extractors leave the signed-in account for the request's log
/// line (the username: an account, not a person's data).
#[derive(Clone, Default)]
pub struct Account(Arc<Mutex<Option<String>>>);

impl Account {
    pub fn set(&self, username: &str) {
        if let Ok(mut a) = self.0.lock() {
            *a = Some(username.to_string());
        }
    }
}

/// Records the signed-in account of a request, if the observer put a slot in it.
pub fn note_account(parts: &axum::http::request::Parts, username: &str) {
    if let Some(a) = parts.extensions.get::<Account>() {
        a.set(username);
    }
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    method: String,
    route: String,
    status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RouteLabels {
    route: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct PoolLabels {
    pool: String,
    state: String,
}

type Histograms = Family<RouteLabels, Histogram, fn() -> Histogram>;

fn latency_histogram() -> Histogram {
    // 1 ms to about 16 s.
    Histogram::new(exponential_buckets(0.001, 2.0, 15))
}

/// The metrics of this node, and the token that opens them.
pub struct Observer {
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    latency: Histograms,
    writes_queued: Counter<u64, AtomicU64>,
    writes_committed: Counter<u64, AtomicU64>,
    writes_failed: Counter<u64, AtomicU64>,
    pool: Family<PoolLabels, Gauge>,
    audit_entries: Gauge,
    sms_outbox: Gauge,
    kb_lag: Gauge,
    memory: Gauge<i64, AtomicI64>,
    token: Option<String>,
}

impl Observer {
    /// Metrics opened by `token` (none: `/metrics` is not served).
    pub fn new(token: Option<String>) -> Self {
        let mut registry = Registry::with_prefix("tongban");
        let requests = Family::<RequestLabels, Counter>::default();
        registry.register(
            "http_requests",
            "HTTP requests by method, route template and status",
            requests.clone(),
        );
        let latency: Histograms = Family::new_with_constructor(latency_histogram);
        registry.register(
            "http_request_duration_seconds",
            "Time to answer a request, by route template",
            latency.clone(),
        );
        let (writes_queued, writes_committed, writes_failed) =
            (Counter::default(), Counter::default(), Counter::default());
        registry.register(
            "writes_queued",
            "Writes handed to the writer (SQLite: the group-commit queue)",
            writes_queued.clone(),
        );
        registry.register(
            "writes_committed",
            "Writes committed",
            writes_committed.clone(),
        );
        registry.register("writes_failed", "Writes that failed", writes_failed.clone());
        let pool = Family::<PoolLabels, Gauge>::default();
        registry.register(
            "db_pool_connections",
            "Database connections by pool (write, read) and state (open, idle, max)",
            pool.clone(),
        );
        let (audit_entries, sms_outbox, kb_lag) =
            (Gauge::default(), Gauge::default(), Gauge::default());
        registry.register(
            "audit_entries",
            "Entries in the tamper-evident audit chain",
            audit_entries.clone(),
        );
        registry.register(
            "sms_outbox_messages",
            "Text messages kept in the outbox",
            sms_outbox.clone(),
        );
        registry.register(
            "kb_index_lag",
            "Knowledge-base changes this node's search index has not applied yet",
            kb_lag.clone(),
        );
        let memory = Gauge::<i64, AtomicI64>::default();
        registry.register(
            "process_resident_memory_bytes",
            "Resident memory of this process",
            memory.clone(),
        );
        Self {
            registry,
            requests,
            latency,
            writes_queued,
            writes_committed,
            writes_failed,
            pool,
            audit_entries,
            sms_outbox,
            kb_lag,
            memory,
            token: token.filter(|t| !t.trim().is_empty()),
        }
    }

    fn record(&self, method: &str, route: &str, status: u16, seconds: f64) {
        self.requests
            .get_or_create(&RequestLabels {
                method: method.to_string(),
                route: route.to_string(),
                status,
            })
            .inc();
        self.latency
            .get_or_create(&RouteLabels {
                route: route.to_string(),
            })
            .observe(seconds);
    }
}

/// Counts, times and logs every request.
pub async fn observe(State(s): State<AppState>, mut req: Request, next: Next) -> Response {
    let start = Instant::now();
    let method = req.method().to_string();
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|m| m.as_str().to_string())
        .unwrap_or_else(|| "-".into());
    let account = Account::default();
    req.extensions_mut().insert(account.clone());
    let resp = next.run(req).await;
    let took = start.elapsed();
    let status = resp.status().as_u16();
    s.observer
        .record(&method, &route, status, took.as_secs_f64());
    let who = account.0.lock().ok().and_then(|a| a.clone());
    tracing::info!(
        target: "tongban::access",
        status,
        ms = took.as_secs_f64() * 1000.0,
        account = who.as_deref().unwrap_or("-"),
        "request"
    );
    resp
}

fn resident_bytes() -> i64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<i64>().ok())
        })
        .map(|kb| kb * 1024)
        .unwrap_or(0)
}

/// `GET /metrics`: the Prometheus text format, for a scraper holding the token.
pub async fn metrics(State(s): State<AppState>, headers: axum::http::HeaderMap) -> Response {
    let o = &s.observer;
    let Some(token) = &o.token else {
        return ApiError::not_found(
            "未启用指标接口：启动时设置 --metrics-token（或 TONGBAN_METRICS_TOKEN）",
        )
        .into_response();
    };
    let given = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or("");
    if !tongban_store::protect::constant_eq(given.trim().as_bytes(), token.as_bytes()) {
        return ApiError::unauthorized("指标接口须带 Authorization: Bearer 指标令牌")
            .into_response();
    }
    let store = &s.store;
    let w = store.write_counts();
    let sync = |c: &Counter<u64, AtomicU64>, v: u64| {
        let now = c.get();
        if v > now {
            c.inc_by(v - now);
        }
    };
    sync(&o.writes_queued, w.queued.load(Ordering::Relaxed));
    sync(&o.writes_committed, w.committed.load(Ordering::Relaxed));
    sync(&o.writes_failed, w.failed.load(Ordering::Relaxed));
    for p in store.pool_use() {
        for (state, v) in [
            ("open", i64::from(p.size)),
            ("idle", p.idle as i64),
            ("max", i64::from(p.max)),
        ] {
            o.pool
                .get_or_create(&PoolLabels {
                    pool: p.name.into(),
                    state: state.into(),
                })
                .set(v);
        }
    }
    match tongban_store::health::gauges(store).await {
        Ok(g) => {
            o.audit_entries.set(g.audit_entries);
            o.sms_outbox.set(g.sms_outbox);
        }
        Err(e) => tracing::warn!(error = %e, "metrics: database figures unavailable"),
    }
    if let Ok(lag) = store.kb_index().lag(store).await {
        o.kb_lag.set(lag);
    }
    o.memory.set(resident_bytes());
    let mut out = String::new();
    if prometheus_client::encoding::text::encode(&mut out, &o.registry).is_err() {
        return ApiError::internal().into_response();
    }
    (
        StatusCode::OK,
        [(
            header::CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        out,
    )
        .into_response()
}

/// `GET /readyz`: ready to serve — the database read and written, and this node's
/// knowledge-base index caught up; 503 with the reason otherwise.
pub async fn readyz(State(s): State<AppState>) -> Response {
    if let Err(reason) = s.store.health().await {
        return ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "unavailable", reason)
            .into_response();
    }
    let store = &s.store;
    let _ = store.kb_index().catch_up(store).await;
    match store.kb_index().lag(store).await {
        Ok(0) => "ready".into_response(),
        Ok(n) => ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "unavailable",
            format!("知识库搜索索引尚有 {n} 项变更未同步"),
        )
        .into_response(),
        Err(e) => ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "unavailable",
            format!("知识库搜索索引无法检查：{e}"),
        )
        .into_response(),
    }
}
