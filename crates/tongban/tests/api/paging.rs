//! Staff lists page by a cursor (keyset: the last row's sort key) as well as by page
//! number, and the two agree: every row once, in the same order; a bad cursor is a
//! 422 naming it; totals are counted (up to 10,000, `total_more` beyond).

use crate::common::{Db, INSTANT, ITEM, PHONE, TestApp};
use reqwest::StatusCode;
use serde_json::{Value, json};

/// Follows `next_cursor` from the first page of `path` (which has a `?`), collecting
/// the rows' `key` under `rows`.
async fn walk(app: &TestApp, token: &str, path: &str, rows: &str, key: &str) -> Vec<String> {
    let mut out = vec![];
    let mut cursor: Option<String> = None;
    for _ in 0..100 {
        let url = match &cursor {
            Some(c) => format!("{path}&cursor={c}"),
            None => path.to_string(),
        };
        let (s, v) = app.get(&url, Some(token)).await;
        assert_eq!(s, StatusCode::OK, "{url}: {v}");
        out.extend(
            v[rows]
                .as_array()
                .expect("rows")
                .iter()
                .map(|r| r[key].as_str().expect("key").to_string()),
        );
        match v["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_string()),
            None => return out,
        }
    }
    panic!("more than 100 pages");
}

fn keys(v: &Value, rows: &str, key: &str) -> Vec<String> {
    v[rows]
        .as_array()
        .expect("rows")
        .iter()
        .map(|r| r[key].as_str().expect("key").to_string())
        .collect()
}

both!(lists_page_by_cursor);
async fn lists_page_by_cursor(db: Db) {
    let app = TestApp::spawn(db).await;
    // Cases with a deadline and instant ones without: both kinds of sort key.
    for _ in 0..9 {
        app.apply("clerk.sj", ITEM, "window").await;
    }
    for _ in 0..4 {
        app.apply("clerk.sj", INSTANT, "window").await;
    }
    let sup = app.token("supervisor").await;
    let (s, all) = app.get("/api/v1/cases?per_page=100", Some(&sup)).await;
    assert_eq!(s, StatusCode::OK, "{all}");
    assert_eq!(all["total"], 13, "{all}");
    assert_eq!(all["total_more"], false);
    assert!(all["next_cursor"].is_null(), "one page: no next");
    let expected = keys(&all, "cases", "case_no");

    let walked = walk(&app, &sup, "/api/v1/cases?per_page=4", "cases", "case_no").await;
    assert_eq!(
        walked, expected,
        "the cursor walks every case once, in order"
    );
    // Page numbers still work and agree.
    let (_, p2) = app.get("/api/v1/cases?per_page=4&page=2", Some(&sup)).await;
    assert_eq!(keys(&p2, "cases", "case_no"), expected[4..8].to_vec());
    assert_eq!(p2["total"], 13);
    // A filter keeps to its rows through the pages.
    let open = walk(
        &app,
        &sup,
        "/api/v1/cases?per_page=2&status=open&department=SJ",
        "cases",
        "case_no",
    )
    .await;
    assert_eq!(open.len(), 9, "{open:?}");
    // In the same order as the whole list (sorted, not walked along the deadlines).
    let finished = [
        "closed",
        "refused",
        "rejected",
        "withdrawn",
        "terminated",
        "revoked",
    ];
    let open_in_order: Vec<String> = all["cases"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| {
            c["department"]["code"] == "SJ" && !finished.contains(&c["status"].as_str().unwrap())
        })
        .map(|c| c["case_no"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(open, open_in_order);
    // A department's staff page through their own cases the same way.
    let approver = app.token("approver.sj").await;
    let own = walk(
        &app,
        &approver,
        "/api/v1/cases?per_page=5",
        "cases",
        "case_no",
    )
    .await;
    assert_eq!(own, expected);
    let other = app.token("approver.jt").await;
    let none = walk(&app, &other, "/api/v1/cases?per_page=5", "cases", "case_no").await;
    assert!(none.is_empty());

    for bad in ["x", "2026-13-01~5", "2026-12-01~x", "2026-12-01"] {
        let (s, v) = app
            .get(&format!("/api/v1/cases?cursor={bad}"), Some(&sup))
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{bad}: {v}");
        assert_eq!(v["error"]["field"], "cursor", "{v}");
    }

    // Work orders, newest first.
    let agent = app.token("hotline").await;
    for i in 0..7 {
        let (s, v) = app
            .post(
                "/api/v1/work-orders",
                Some(&agent),
                json!({
                    "channel": "phone",
                    "category": "consultation",
                    "phone": PHONE,
                    "content": format!("第{i}个问题：居住证怎么办理？"),
                }),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
    }
    let (_, all) = app
        .get("/api/v1/work-orders?per_page=100", Some(&agent))
        .await;
    assert_eq!(all["total"], 7, "{all}");
    let expected = keys(&all, "work_orders", "order_no");
    let walked = walk(
        &app,
        &agent,
        "/api/v1/work-orders?per_page=3",
        "work_orders",
        "order_no",
    )
    .await;
    assert_eq!(walked, expected);
    let (s, v) = app
        .get("/api/v1/work-orders?cursor=abc", Some(&agent))
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(v["error"]["field"], "cursor", "{v}");

    // The OpenAPI document tells clients about the cursor.
    let (_, doc) = app.get("/api/openapi.json", None).await;
    let params = doc["paths"]["/api/v1/cases"]["get"]["parameters"].to_string();
    assert!(params.contains("cursor"), "{params}");
}
