//! Operations (issue 19): Prometheus metrics behind a token, counted by route
//! template (never a path, which may carry a number), the writer, the pools, the
//! audit chain, the outbox, the index and memory; readiness; JSON logs.

use crate::common::*;
use reqwest::StatusCode;

async fn scrape(app: &TestApp, token: Option<&str>) -> (StatusCode, String) {
    let mut r = app.client.get(format!("{}/metrics", app.base));
    if let Some(t) = token {
        r = r.bearer_auth(t);
    }
    let resp = r.send().await.unwrap();
    (resp.status(), resp.text().await.unwrap())
}

async fn metrics_and_readiness(db: Db) {
    let app = TestApp::spawn(db).await;
    assert_eq!(scrape(&app, None).await.0, StatusCode::UNAUTHORIZED);
    assert_eq!(
        scrape(&app, Some("wrong")).await.0,
        StatusCode::UNAUTHORIZED
    );
    let case = app.apply("clerk.sj", ITEM, "window").await;
    let no = case_no(&case);
    let t = app.token("clerk.sj").await;
    let (s, _) = app.get(&format!("/api/v1/cases/{no}"), Some(&t)).await;
    assert_eq!(s, StatusCode::OK);
    let (s, body) = scrape(&app, Some(METRICS_TOKEN)).await;
    assert_eq!(s, StatusCode::OK, "{body}");
    for name in [
        "tongban_http_requests_total",
        "tongban_http_request_duration_seconds_bucket",
        "tongban_writes_queued_total",
        "tongban_writes_committed_total",
        "tongban_db_pool_connections",
        "tongban_audit_entries",
        "tongban_sms_outbox_messages",
        "tongban_kb_index_lag",
        "tongban_process_resident_memory_bytes",
    ] {
        assert!(body.contains(name), "{name} missing:\n{body}");
    }
    assert!(
        body.contains("route=\"/api/v1/cases/{case_no}\"") && !body.contains(&no),
        "routes by template, never the number:\n{body}"
    );
    let committed: f64 = body
        .lines()
        .find(|l| l.starts_with("tongban_writes_committed_total"))
        .and_then(|l| l.split_whitespace().last())
        .and_then(|v| v.parse().ok())
        .unwrap();
    assert!(committed >= 1.0, "{body}");
    let audit: f64 = body
        .lines()
        .find(|l| l.starts_with("tongban_audit_entries"))
        .and_then(|l| l.split_whitespace().last())
        .and_then(|v| v.parse().ok())
        .unwrap();
    assert!(audit >= 1.0, "{body}");
    let r = app
        .client
        .get(format!("{}/readyz", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.text().await.unwrap(), "ready");
}
both!(metrics_and_readiness);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn logs_can_be_json_lines() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}/j.db", dir.path().display());
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_tongban"))
        .args(["--log-format", "json", "migrate", "--db", &db])
        .env("TONGBAN_KEY", KEY_HEX)
        .env("TONGBAN_LOG", "info")
        .env_remove("TONGBAN_DB")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let logs = String::from_utf8_lossy(&out.stderr);
    let lines: Vec<&str> = logs.lines().filter(|l| !l.trim().is_empty()).collect();
    assert!(!lines.is_empty(), "migrations log their progress");
    for l in lines {
        let v: serde_json::Value =
            serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}"));
        assert!(v["level"].is_string() && v["fields"].is_object(), "{l}");
    }
}
