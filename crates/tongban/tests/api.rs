//! API integration tests: the real app on port 0, a fresh database per test, each test
//! on SQLite and on PostgreSQL.

mod common;

use common::{Db, TestApp};
use reqwest::StatusCode;

async fn health_and_openapi(db: Db) {
    let app = TestApp::spawn(db).await;
    let (s, _) = app.get("/healthz", None).await;
    assert_eq!(s, StatusCode::OK);
    let (s, v) = app.get("/api/openapi.json", None).await;
    assert_eq!(s, StatusCode::OK);
    assert!(v["paths"]["/api/v1/cases/{case_no}/actions"].is_object());
}
both!(health_and_openapi);

async fn window_case_lifecycle(db: Db) {
    let app = TestApp::spawn(db).await;
    let case = app.apply("clerk.sj", common::ITEM, "window").await;
    assert_eq!(case["status"], "accepted");
    let no = case["case_no"].as_str().unwrap().to_string();
    assert!(no.starts_with("ZX-"), "{no}");
    assert!(case["promised_deadline"].is_string());
    let approver = app.token("approver.sj").await;
    let (s, v) = app.act(&approver, &no, "approve", None).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["status"], "approved");
    let clerk = app.token("clerk.sj").await;
    let (s, v) = app.act(&clerk, &no, "close", None).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["status"], "closed");
    assert_eq!(v["events"].as_array().unwrap().len(), 3);
}
both!(window_case_lifecycle);
