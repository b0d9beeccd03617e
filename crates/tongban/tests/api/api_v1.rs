//! API integration tests: the real app on port 0, a fresh database per test, each test
//! on SQLite and on PostgreSQL.

use crate::common::{Db, TestApp};
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
    let case = app.apply("clerk.sj", crate::common::ITEM, "window").await;
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

use crate::common::{
    DELEGATED, ID_NUMBER, INSTANT, ITEM, SUSPENDED, assert_error, assert_invalid, case_no,
    closed_case, day, error_of, has_chinese, today,
};
use serde_json::{Value, json};

/// A list answer: a bare JSON array, or an object holding it under `key`.
#[track_caller]
fn list_of<'a>(v: &'a Value, key: &str) -> &'a Vec<Value> {
    v.as_array()
        .or_else(|| v[key].as_array())
        .unwrap_or_else(|| panic!("no {key} list: {v}"))
}

// 1 ───────────────────────────────────────────────────────────────────────────────

async fn login_and_lockout(db: Db) {
    let app = TestApp::spawn(db).await;

    let (s, v) = app.login("clerk.sj", "wrong-password-9").await;
    assert_error(s, &v, StatusCode::UNAUTHORIZED, "unauthorized");
    assert!(v.get("token").is_none(), "{v}");

    let (s, v) = app
        .post(
            "/api/v1/auth/token",
            None,
            json!({ "username": "  ", "password": crate::common::PASSWORD }),
        )
        .await;
    assert_invalid(s, &v, "username");
    let (s, v) = app
        .post(
            "/api/v1/auth/token",
            None,
            json!({ "username": "clerk.sj" }),
        )
        .await;
    assert_invalid(s, &v, "password");

    // One failure does not lock; a success clears the count.
    let (s, v) = app.login("clerk.sj", crate::common::PASSWORD).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert!(v["token"].as_str().is_some_and(|t| t.len() >= 16), "{v}");
    assert_eq!(v["user"]["username"], "clerk.sj");

    // Five failures from one address make that address wait before trying the
    // account again: even the right password is refused meanwhile.
    for _ in 0..5 {
        let (s, v) = app.login("approver.sj", "wrong-password-9").await;
        assert_error(s, &v, StatusCode::UNAUTHORIZED, "unauthorized");
    }
    let (s, v) = app.login("approver.sj", crate::common::PASSWORD).await;
    assert_error(s, &v, StatusCode::LOCKED, "locked");
    assert!(
        v["error"]["message"]
            .as_str()
            .unwrap()
            .contains("尝试次数过多"),
        "{v}"
    );
    assert!(v.get("token").is_none());
    // The owner at another address is not locked out; another account is unaffected.
    tongban_store::org::login(
        &app.store,
        "approver.sj",
        crate::common::PASSWORD,
        "10.1.2.3",
    )
    .await
    .expect("the owner signs in from their own address");
    let (s, _) = app.login("head.sj", crate::common::PASSWORD).await;
    assert_eq!(s, StatusCode::OK);

    // Unknown user: the same answer as a wrong password.
    let (s, v) = app.login("nobody.here", "whatever-123").await;
    assert_error(s, &v, StatusCode::UNAUTHORIZED, "unauthorized");

    // The bearer token.
    let (s, v) = app.get("/api/v1/me", None).await;
    assert_error(s, &v, StatusCode::UNAUTHORIZED, "unauthorized");
    let (s, v) = app.get("/api/v1/me", Some("not-a-real-token")).await;
    assert_error(s, &v, StatusCode::UNAUTHORIZED, "unauthorized");
    let (s, v) = app.get_with_auth("/api/v1/me", "Basic Y2xlcms6eA==").await;
    assert_error(s, &v, StatusCode::UNAUTHORIZED, "unauthorized");
    let t = app.token("clerk.sj").await;
    let (s, v) = app.get("/api/v1/me", Some(&t)).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["user"]["username"], "clerk.sj");
    assert_eq!(v["user"]["role"], "window_clerk");
    assert_eq!(v["user"]["department"], "SJ");
}
both!(login_and_lockout);

// 2 ───────────────────────────────────────────────────────────────────────────────

async fn items_catalog(db: Db) {
    let app = TestApp::spawn(db).await;

    let (s, v) = app.get("/api/v1/items", None).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["total"], 4, "{v}");
    assert_eq!(v["items"].as_array().unwrap().len(), 4);

    let (s, v) = app.get("/api/v1/items?department=JT", None).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v["total"], 1, "{v}");
    assert_eq!(v["items"][0]["code"], DELEGATED);

    let (s, v) = app.get("/api/v1/items?status=suspended", None).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v["total"], 1, "{v}");
    assert_eq!(v["items"][0]["code"], SUSPENDED);
    assert_eq!(v["items"][0]["status"], "suspended");

    let (s, v) = app.get("/api/v1/items?q=%E9%A3%9F%E5%93%81", None).await; // 食品
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v["total"], 1, "{v}");
    let item = &v["items"][0];
    assert_eq!(item["code"], ITEM);
    assert_eq!(item["name"], "食品经营许可");
    assert_eq!(item["department"]["code"], "SJ");
    assert_eq!(item["department"]["name"], "市市场监督管理局");
    assert_eq!(item["status"], "in_use");
    assert_eq!(item["instant"], false);
    assert_eq!(item["statutory_days"], 20);
    assert_eq!(item["statutory_unit"], "working");
    assert_eq!(item["promised_days"], 5);
    assert_eq!(item["promised_unit"], "working");

    // Nothing was in force before the catalog's effective date.
    let (_, v) = app.get("/api/v1/items?on=2019-12-31", None).await;
    assert_eq!(v["total"], 0, "{v}");
    let (s, _) = app
        .get(&format!("/api/v1/items/{ITEM}?on=2019-12-31"), None)
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, v) = app
        .get(
            "/api/v1/items?q=%27%3B%20DROP%20TABLE%20items%3B%20--",
            None,
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["total"], 0, "{v}");
    let (s, v) = app
        .get(&format!("/api/v1/items?q={}", "食".repeat(51)), None)
        .await;
    assert_invalid(s, &v, "q");
    let (_, v) = app
        .get("/api/v1/items?department=SJ&status=in_use", None)
        .await;
    assert_eq!(v["total"], 2, "{v}");
    // The search treats LIKE wildcards literally.
    let (s, v) = app.get("/api/v1/items?q=%25", None).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v["total"], 0, "{v}");

    let (s, v) = app.get(&format!("/api/v1/items/{INSTANT}"), None).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["code"], INSTANT);
    assert_eq!(v["instant"], true);
    assert_eq!(v["promised_days"], 0);
    assert_eq!(v["department"]["code"], "SJ");
    assert!(v["content"]["materials"].is_array(), "{v}");

    let (s, v) = app.get("/api/v1/items/UNKNOWN-0001", None).await;
    assert_error(s, &v, StatusCode::NOT_FOUND, "not_found");

    let (s, v) = app.get("/api/v1/items?page=abc", None).await;
    assert_invalid(s, &v, "page");
    let (s, v) = app.get("/api/v1/items?page=0", None).await;
    assert_invalid(s, &v, "page");
    let (s, v) = app.get("/api/v1/items?status=bogus", None).await;
    assert_invalid(s, &v, "status");
    let (s, v) = app.get("/api/v1/items?per_page=2&page=2", None).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v["total"], 4);
    assert_eq!(v["items"].as_array().unwrap().len(), 2);

    let (s, v) = app.get("/api/v1/departments", None).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let deps = list_of(&v, "departments");
    assert_eq!(deps.len(), 2, "{v}");
    let codes: Vec<&str> = deps.iter().map(|d| d["code"].as_str().unwrap()).collect();
    assert_eq!(codes, ["SJ", "JT"]);
    assert!(deps.iter().all(|d| d["name"].is_string()));

    let (s, v) = app.get("/api/v1/points", None).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let points = list_of(&v, "points");
    assert_eq!(points.len(), 3, "{v}");
    let kind = |code: &str| {
        points
            .iter()
            .find(|p| p["code"] == code)
            .map(|p| p["kind"].as_str().unwrap().to_string())
    };
    assert_eq!(kind("ZX").as_deref(), Some("center"));
    assert_eq!(kind("ZH1").as_deref(), Some("comprehensive_window"));
    assert_eq!(kind("BC").as_deref(), Some("town"));
    assert!(points.iter().all(|p| p["name"].is_string()));
}
both!(items_catalog);

// 3 ───────────────────────────────────────────────────────────────────────────────

async fn catalog_versions(db: Db) {
    let app = TestApp::spawn(db).await;
    let admin = app.token("admin").await;
    let today = today();
    let future = today + chrono::Duration::days(34);
    let path = format!("/api/v1/items/{ITEM}");

    let (s, item) = app.get(&path, None).await;
    assert_eq!(s, StatusCode::OK, "{item}");
    assert_eq!(item["version"], 1);
    assert_eq!(item["promised_days"], 5);
    let mut content = item["content"].clone();
    assert!(content.is_object(), "{item}");
    content["promised"]["days"] = json!(3);

    let body = json!({ "content": content, "effective_from": day(future), "change_note": "承诺时限压缩为3个工作日" });
    // Only administrators maintain the catalog.
    let clerk = app.token("clerk.sj").await;
    let (s, v) = app
        .post(&format!("{path}/versions"), Some(&clerk), body.clone())
        .await;
    assert_error(s, &v, StatusCode::FORBIDDEN, "forbidden");
    let (s, v) = app
        .post(&format!("{path}/versions"), None, body.clone())
        .await;
    assert_eq!(s, StatusCode::UNAUTHORIZED, "{v}");

    let (s, v) = app
        .post(&format!("{path}/versions"), Some(&admin), body.clone())
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["version"], 2);
    assert_eq!(v["published"], false);

    // Unpublished: not in force today, nor on its effective date.
    let (_, v) = app.get(&path, None).await;
    assert_eq!(v["version"], 1, "{v}");
    let (_, v) = app.get(&format!("{path}?on={}", day(future)), None).await;
    assert_eq!(v["version"], 1, "{v}");
    assert_eq!(v["promised_days"], 5);

    let (s, v) = app
        .post(
            &format!("{path}/versions/2/publish"),
            Some(&clerk),
            json!({}),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{v}");
    let (s, v) = app
        .post(
            &format!("{path}/versions/2/publish"),
            Some(&admin),
            json!({}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["published"], true);

    let (s, v) = app.get(&format!("{path}?on={}", day(future)), None).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v["version"], 2, "{v}");
    assert_eq!(v["promised_days"], 3);
    assert_eq!(v["effective_from"], day(future));
    let (_, v) = app
        .get(
            &format!("{path}?on={}", day(future - chrono::Duration::days(1))),
            None,
        )
        .await;
    assert_eq!(v["version"], 1, "{v}");
    let (_, v) = app.get(&path, None).await;
    assert_eq!(v["version"], 1, "{v}");
    assert_eq!(v["promised_days"], 5);
    // The list reads the catalog at a date too.
    let (_, v) = app
        .get(&format!("/api/v1/items?q={ITEM}&on={}", day(future)), None)
        .await;
    assert_eq!(v["items"][0]["promised_days"], 3, "{v}");
    let (s, v) = app.get(&format!("{path}?on=someday"), None).await;
    assert_invalid(s, &v, "on");

    let (s, v) = app.get(&format!("{path}/history"), None).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let versions: Vec<i64> = v["versions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["version"].as_i64().unwrap())
        .collect();
    assert_eq!(versions, [2, 1], "{v}");
    assert_eq!(v["versions"][0]["change_note"], "承诺时限压缩为3个工作日");

    // Published once only.
    let (s, v) = app
        .post(
            &format!("{path}/versions/2/publish"),
            Some(&admin),
            json!({}),
        )
        .await;
    assert_error(s, &v, StatusCode::CONFLICT, "conflict");
    let (s, v) = app
        .post(
            &format!("{path}/versions/9/publish"),
            Some(&admin),
            json!({}),
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND, "{v}");

    // A later version may not take effect before the one already published.
    let (s, v) = app
        .post(
            &format!("{path}/versions"),
            Some(&admin),
            json!({ "content": content, "effective_from": day(future - chrono::Duration::days(3)), "change_note": "提前" }),
        )
        .await;
    assert_invalid(s, &v, "effective_from");
    // No change note, no content, a bad date.
    let (s, v) = app
        .post(
            &format!("{path}/versions"),
            Some(&admin),
            json!({ "content": content, "effective_from": day(future) }),
        )
        .await;
    assert_invalid(s, &v, "change_note");
    let (s, v) = app
        .post(
            &format!("{path}/versions"),
            Some(&admin),
            json!({ "effective_from": day(future), "change_note": "x" }),
        )
        .await;
    assert_invalid(s, &v, "content");
    // Content that breaks the rules: promised longer than statutory.
    let mut bad = content.clone();
    bad["promised"]["days"] = json!(25);
    let (s, v) = app
        .post(
            &format!("{path}/versions"),
            Some(&admin),
            json!({ "content": bad, "effective_from": day(future), "change_note": "x" }),
        )
        .await;
    assert_invalid(s, &v, "promised_days");

    // A version dated in the past can be written but never published.
    let (_, inst) = app.get(&format!("/api/v1/items/{INSTANT}"), None).await;
    let past = today - chrono::Duration::days(30);
    let (s, v) = app
        .post(
            &format!("/api/v1/items/{INSTANT}/versions"),
            Some(&admin),
            json!({ "content": inst["content"], "effective_from": day(past), "change_note": "补录" }),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let n = v["version"].as_i64().unwrap();
    let (s, v) = app
        .post(
            &format!("/api/v1/items/{INSTANT}/versions/{n}/publish"),
            Some(&admin),
            json!({}),
        )
        .await;
    assert_invalid(s, &v, "effective_from");
    let (_, v) = app.get(&format!("/api/v1/items/{INSTANT}"), None).await;
    assert_eq!(v["version"], 1, "{v}");

    // A version effective today takes effect at once, for new cases only: a case
    // keeps the version it was accepted under.
    let old_case = app.apply("clerk.jt", DELEGATED, "window").await;
    let (_, deleg) = app.get(&format!("/api/v1/items/{DELEGATED}"), None).await;
    let mut c = deleg["content"].clone();
    c["name"] = json!("道路运输证配发（新）");
    c["promised"]["days"] = json!(2);
    let (s, v) = app
        .post(
            &format!("/api/v1/items/{DELEGATED}/versions"),
            Some(&admin),
            json!({ "content": c, "effective_from": day(today), "change_note": "压缩时限" }),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let (s, v) = app
        .post(
            &format!("/api/v1/items/{DELEGATED}/versions/2/publish"),
            Some(&admin),
            json!({}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let (_, v) = app.get(&format!("/api/v1/items/{DELEGATED}"), None).await;
    assert_eq!(v["version"], 2, "{v}");
    let new_case = app.apply("town.bc", DELEGATED, "window").await;
    assert_eq!(new_case["promised_days"], 2, "{new_case}");
    assert_eq!(new_case["item"]["name"], "道路运输证配发（新）");
    let jt = app.token("approver.jt").await;
    let (_, v) = app
        .get(&format!("/api/v1/cases/{}", case_no(&old_case)), Some(&jt))
        .await;
    assert_eq!(v["promised_days"], 5, "{v}");
    assert_eq!(v["item"]["name"], "道路运输证配发", "{v}");
    assert_eq!(v["promised_deadline"], old_case["promised_deadline"]);

    // Suspending an item by a new version closes it to applications.
    let mut c = c.clone();
    c["status"] = json!("suspended");
    let (s, v) = app
        .post(
            &format!("/api/v1/items/{DELEGATED}/versions"),
            Some(&admin),
            json!({ "content": c, "effective_from": day(today), "change_note": "暂停受理" }),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let (s, _) = app
        .post(
            &format!("/api/v1/items/{DELEGATED}/versions/3/publish"),
            Some(&admin),
            json!({}),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let bc = app.token("town.bc").await;
    let (s, v) = app
        .post(
            "/api/v1/cases",
            Some(&bc),
            TestApp::application(DELEGATED, "window"),
        )
        .await;
    assert_invalid(s, &v, "item_code");
    let (_, v) = app.get("/api/v1/items?status=suspended", None).await;
    assert_eq!(v["total"], 2, "{v}");
}
both!(catalog_versions);

// 4 ───────────────────────────────────────────────────────────────────────────────

async fn instant_case_closes_at_once(db: Db) {
    let app = TestApp::spawn(db).await;
    let case = app.apply("clerk.sj", INSTANT, "window").await;
    assert_eq!(case["status"], "closed", "{case}");
    assert_eq!(case["status_label"], "已办结");
    assert_eq!(case["instant"], true);
    assert!(
        case["document_no"].as_str().is_some_and(|d| !d.is_empty()),
        "{case}"
    );
    assert!(case["accepted_at"].is_string(), "{case}");
    assert!(case["closed_at"].is_string(), "{case}");
    assert!(case["acceptance_no"].is_string(), "{case}");
    let actions: Vec<&str> = case["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["accept", "close"], "{case}");
    // Nothing more can happen to it.
    let clerk = app.token("clerk.sj").await;
    let (s, v) = app.act(&clerk, &case_no(&case), "close", None).await;
    assert_error(s, &v, StatusCode::CONFLICT, "conflict");
}
both!(instant_case_closes_at_once);

// 5 ───────────────────────────────────────────────────────────────────────────────

async fn online_pre_review_and_supplement(db: Db) {
    let app = TestApp::spawn(db).await;
    let clerk = app.token("clerk.sj").await;
    let approver = app.token("approver.sj").await;

    let case = app.apply("clerk.sj", ITEM, "online").await;
    assert_eq!(case["status"], "submitted", "{case}");
    assert_eq!(case["channel"], "online");
    assert!(case["promised_deadline"].is_null(), "{case}");
    assert!(case["legal_deadline"].is_null(), "{case}");
    assert!(case["accepted_at"].is_null(), "{case}");
    let no = case_no(&case);

    // Pre-review: the list of missing materials is the note.
    let (s, v) = app.act(&clerk, &no, "request_supplement", None).await;
    assert_invalid(s, &v, "note");
    let (s, v) = app
        .act(&clerk, &no, "request_supplement", Some("   "))
        .await;
    assert_invalid(s, &v, "note");
    let (s, v) = app
        .act(&clerk, &no, "request_supplement", Some("缺营业执照复印件"))
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["status"], "supplement_requested");
    assert!(v["promised_deadline"].is_null(), "{v}");
    let (s, v) = app.act(&clerk, &no, "supplement", None).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["status"], "submitted", "{v}");

    let (s, v) = app.act(&clerk, &no, "accept", None).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["status"], "accepted");
    assert!(v["accepted_at"].is_string(), "{v}");
    assert!(v["acceptance_no"].is_string(), "{v}");
    let promised = v["promised_deadline"]
        .as_str()
        .expect("promised deadline after acceptance")
        .to_string();
    let legal = v["legal_deadline"].as_str().expect("legal").to_string();
    assert!(promised > day(today()), "{v}");
    assert!(legal >= promised, "{v}");
    // Accepting twice is a conflict.
    let (s, v) = app.act(&clerk, &no, "accept", None).await;
    assert_error(s, &v, StatusCode::CONFLICT, "conflict");

    // 补正 during review: the clock stops.
    let (s, v) = app
        .act(
            &approver,
            &no,
            "request_supplement",
            Some("请补充法定代表人身份证明"),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["status"], "supplement_requested");
    assert!(v["promised_deadline"].is_null(), "clock should stop: {v}");
    assert!(v["legal_deadline"].is_null(), "clock should stop: {v}");
    assert_eq!(v["urgency"], "paused", "{v}");
    // Cannot decide while waiting for materials.
    let (s, v) = app.act(&approver, &no, "approve", None).await;
    assert_error(s, &v, StatusCode::CONFLICT, "conflict");

    let (s, v) = app.act(&clerk, &no, "supplement", None).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["status"], "accepted", "{v}");
    let again = v["promised_deadline"].as_str().expect("clock runs again");
    assert!(again >= promised.as_str(), "{again} < {promised}");
    let legal_again = v["legal_deadline"]
        .as_str()
        .expect("legal clock runs again");
    assert!(legal_again >= legal.as_str(), "{v}");

    let actions: Vec<&str> = v["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        [
            "submit",
            "request_supplement",
            "supplement",
            "accept",
            "request_supplement",
            "supplement"
        ]
    );

    // An offline-only item cannot be applied for online.
    let jt = app.token("clerk.jt").await;
    let (s, v) = app
        .post(
            "/api/v1/cases",
            Some(&jt),
            TestApp::application(DELEGATED, "online"),
        )
        .await;
    assert_invalid(s, &v, "channel");
}
both!(online_pre_review_and_supplement);

// 6 ───────────────────────────────────────────────────────────────────────────────

async fn invalid_transitions(db: Db) {
    let app = TestApp::spawn(db).await;
    let clerk = app.token("clerk.sj").await;
    let approver = app.token("approver.sj").await;
    let head = app.token("head.sj").await;

    let online = app.apply("clerk.sj", ITEM, "online").await;
    let (s, v) = app.act(&approver, &case_no(&online), "approve", None).await;
    assert_error(s, &v, StatusCode::CONFLICT, "conflict");
    let (s, v) = app
        .get(&format!("/api/v1/cases/{}", case_no(&online)), Some(&clerk))
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(
        v["status"], "submitted",
        "a refused action changed the case: {v}"
    );

    let case = app.apply("clerk.sj", ITEM, "window").await;
    let no = case_no(&case);
    let legal_before = case["legal_deadline"].as_str().unwrap().to_string();

    let (s, v) = app.act(&clerk, &no, "approve", None).await;
    assert_error(s, &v, StatusCode::FORBIDDEN, "forbidden");
    let (s, v) = app.act(&approver, &no, "reject", None).await;
    assert_invalid(s, &v, "note");
    let (s, v) = app.act(&approver, &no, "extend", Some("案情复杂")).await;
    assert_error(s, &v, StatusCode::FORBIDDEN, "forbidden");
    let (s, v) = app.act(&head, &no, "extend", None).await;
    assert_invalid(s, &v, "note");

    let (s, v) = app
        .act(&head, &no, "extend", Some("需现场核查，延长十个工作日"))
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["status"], "accepted");
    assert!(v["extension_days"].as_i64().unwrap() > 0, "{v}");
    let legal_after = v["legal_deadline"]
        .as_str()
        .expect("legal deadline")
        .to_string();
    assert!(
        legal_after > legal_before,
        "{legal_after} <= {legal_before}"
    );
    let (s, v) = app.act(&head, &no, "extend", Some("再延一次")).await;
    assert_error(s, &v, StatusCode::CONFLICT, "conflict");

    let (s, v) = app.act(&approver, &no, "suspend", None).await;
    assert_invalid(s, &v, "note");
    // Art. 45: which procedure, from the law's list, and how long it should take.
    let (s, v) = app
        .act(&approver, &no, "suspend", Some("组织专家评审"))
        .await;
    assert_invalid(s, &v, "procedure");
    let actions = format!("/api/v1/cases/{no}/actions");
    let (s, v) = app
        .post(
            &actions,
            Some(&approver),
            json!({ "action": "suspend", "note": "组织专家评审", "procedure": "surveillance", "expected_days": 30 }),
        )
        .await;
    assert_invalid(s, &v, "procedure");
    let (s, v) = app
        .post(
            &actions,
            Some(&approver),
            json!({ "action": "suspend", "note": "组织专家评审", "procedure": "expert_review" }),
        )
        .await;
    assert_invalid(s, &v, "expected_days");
    let (s, v) = app
        .post(
            &actions,
            Some(&approver),
            json!({ "action": "suspend", "note": "组织专家评审", "procedure": "expert_review", "expected_days": 30 }),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["status"], "suspended");
    let note = v["events"].as_array().unwrap().last().unwrap()["note"].clone();
    assert_eq!(note, "专家评审（预计30日）：组织专家评审", "{v}");
    assert!(v["promised_deadline"].is_null(), "{v}");
    let (s, v) = app.act(&approver, &no, "approve", None).await;
    assert_error(s, &v, StatusCode::CONFLICT, "conflict");
    let (s, v) = app.act(&approver, &no, "resume", None).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["status"], "accepted");
    assert!(v["promised_deadline"].is_string(), "{v}");
    let (s, v) = app.act(&approver, &no, "resume", None).await;
    assert_error(s, &v, StatusCode::CONFLICT, "conflict");
    // Refusal (不予受理) only before acceptance.
    let (s, v) = app.act(&clerk, &no, "refuse", Some("不符合受理条件")).await;
    assert_error(s, &v, StatusCode::CONFLICT, "conflict");

    let (s, v) = app.act(&clerk, &no, "withdraw", Some("申请人撤回")).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["status"], "withdrawn");
    let events = v["events"].as_array().unwrap().len();
    for (token, action, note) in [
        (&approver, "approve", None),
        (&approver, "reject", Some("理由")),
        (&approver, "suspend", Some("理由")),
        (&clerk, "close", None),
        (&clerk, "withdraw", None),
        (&clerk, "supplement", None),
        (&clerk, "accept", None),
        (&approver, "request_supplement", Some("缺材料")),
        (&head, "extend", Some("理由")),
    ] {
        let (s, v) = app.act(token, &no, action, note).await;
        assert_error(s, &v, StatusCode::CONFLICT, "conflict");
        assert!(!action.is_empty());
    }
    let (_, v) = app.get(&format!("/api/v1/cases/{no}"), Some(&clerk)).await;
    assert_eq!(v["status"], "withdrawn");
    assert_eq!(v["events"].as_array().unwrap().len(), events, "{v}");

    let (s, v) = app.act(&approver, &no, "fly", None).await;
    assert_invalid(s, &v, "action");
    let (s, v) = app
        .post(
            &format!("/api/v1/cases/{no}/actions"),
            Some(&approver),
            json!({}),
        )
        .await;
    assert_invalid(s, &v, "action");
    let (s, v) = app.act(&approver, "not-a-case", "approve", None).await;
    assert_invalid(s, &v, "case_no");
    let (s, v) = app.get("/api/v1/cases/ZX-2026-1", Some(&approver)).await;
    assert_invalid(s, &v, "case_no");
    let (s, v) = app
        .get("/api/v1/cases/ZX-20200101-99999", Some(&approver))
        .await;
    assert_error(s, &v, StatusCode::NOT_FOUND, "not_found");
    let (s, v) = app
        .act(&approver, "ZX-20200101-99999", "approve", None)
        .await;
    assert_error(s, &v, StatusCode::NOT_FOUND, "not_found");
}
both!(invalid_transitions);

// 7 ───────────────────────────────────────────────────────────────────────────────

async fn authorization_matrix(db: Db) {
    let app = TestApp::spawn(db).await;
    let case = app.apply("clerk.sj", ITEM, "window").await;
    let no = case_no(&case);
    let mut tokens = std::collections::HashMap::new();
    for u in [
        "admin",
        "supervisor",
        "clerk.sj",
        "approver.sj",
        "head.sj",
        "approver.jt",
        "clerk.jt",
        "clerk.zh",
        "town.bc",
        "hotline",
        "unit.jt",
    ] {
        tokens.insert(u, app.token(u).await);
    }
    let t = |u: &str| tokens[u].clone();

    // Who sees an accepted SJ case at the center: other departments and points get
    // 404 (its existence is not revealed), roles without case work 403.
    for (user, expected) in [
        ("admin", StatusCode::OK),
        ("supervisor", StatusCode::OK),
        ("clerk.sj", StatusCode::OK),
        ("approver.sj", StatusCode::OK),
        ("head.sj", StatusCode::OK),
        ("approver.jt", StatusCode::NOT_FOUND),
        ("clerk.jt", StatusCode::NOT_FOUND),
        ("clerk.zh", StatusCode::NOT_FOUND),
        ("town.bc", StatusCode::NOT_FOUND),
        ("hotline", StatusCode::FORBIDDEN),
        ("unit.jt", StatusCode::FORBIDDEN),
    ] {
        let (s, v) = app
            .get(&format!("/api/v1/cases/{no}"), Some(&t(user)))
            .await;
        assert_eq!(s, expected, "GET as {user}: {v}");
        if s == StatusCode::OK {
            assert_eq!(v["case_no"], no.as_str());
        } else {
            error_of(&v);
            assert!(v.get("case_no").is_none(), "{user} saw the case: {v}");
        }
    }

    // Role × action on that case. Every entry is refused and leaves it unchanged.
    let all = [
        "accept",
        "refuse",
        "request_supplement",
        "supplement",
        "approve",
        "reject",
        "suspend",
        "resume",
        "extend",
        "withdraw",
        "close",
    ];
    let mut table: Vec<(&str, &str, StatusCode)> = vec![];
    for a in all {
        for u in ["admin", "supervisor", "hotline", "unit.jt"] {
            table.push((u, a, StatusCode::FORBIDDEN));
        }
        for u in ["approver.jt", "clerk.jt", "clerk.zh", "town.bc"] {
            table.push((u, a, StatusCode::NOT_FOUND));
        }
    }
    for a in ["approve", "reject", "suspend", "resume", "extend"] {
        table.push(("clerk.sj", a, StatusCode::FORBIDDEN));
    }
    for a in ["accept", "refuse", "supplement", "extend"] {
        table.push(("approver.sj", a, StatusCode::FORBIDDEN));
    }
    for a in ["accept", "refuse", "supplement", "withdraw"] {
        table.push(("head.sj", a, StatusCode::FORBIDDEN));
    }
    // A withdrawal is the applicant's, received at the window.
    table.push(("approver.sj", "withdraw", StatusCode::FORBIDDEN));
    // Allowed roles, wrong state.
    for (u, a) in [
        ("clerk.sj", "accept"),
        ("clerk.sj", "refuse"),
        ("clerk.sj", "supplement"),
        ("clerk.sj", "close"),
        ("approver.sj", "resume"),
        ("approver.sj", "close"),
        ("head.sj", "resume"),
    ] {
        table.push((u, a, StatusCode::CONFLICT));
    }
    for (user, action, expected) in &table {
        let (s, v) = app.act(&t(user), &no, action, Some("说明")).await;
        assert_eq!(s, *expected, "{user} {action}: {v}");
        error_of(&v);
    }
    let (_, v) = app
        .get(&format!("/api/v1/cases/{no}"), Some(&t("supervisor")))
        .await;
    assert_eq!(v["status"], "accepted", "{v}");
    assert_eq!(v["events"].as_array().unwrap().len(), 1, "{v}");
    // And the allowed one works.
    let (s, v) = app.act(&t("approver.sj"), &no, "approve", None).await;
    assert_eq!(s, StatusCode::OK, "{v}");

    // Lists.
    let (s, v) = app.get("/api/v1/cases", Some(&t("hotline"))).await;
    assert_error(s, &v, StatusCode::FORBIDDEN, "forbidden");
    let (s, _) = app.get("/api/v1/cases", Some(&t("unit.jt"))).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, _) = app.get("/api/v1/cases", None).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);

    // Applications: a department clerk only for its department.
    let (s, v) = app
        .post(
            "/api/v1/cases",
            Some(&t("clerk.jt")),
            TestApp::application(ITEM, "window"),
        )
        .await;
    assert_error(s, &v, StatusCode::FORBIDDEN, "forbidden");
    for u in [
        "approver.sj",
        "head.sj",
        "supervisor",
        "admin",
        "hotline",
        "unit.jt",
    ] {
        let (s, v) = app
            .post(
                "/api/v1/cases",
                Some(&t(u)),
                TestApp::application(ITEM, "window"),
            )
            .await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{u} applied: {v}");
    }
    let (s, v) = app
        .post(
            "/api/v1/cases",
            Some(&t("clerk.sj")),
            TestApp::application(SUSPENDED, "window"),
        )
        .await;
    assert_invalid(s, &v, "item_code");

    // The comprehensive window takes applications for several departments.
    let zh_sj = app.apply("clerk.zh", ITEM, "window").await;
    let zh_jt = app.apply("clerk.zh", DELEGATED, "window").await;
    for c in [&zh_sj, &zh_jt] {
        assert!(case_no(c).starts_with("ZH1-"), "{c}");
        assert_eq!(c["point"]["code"], "ZH1");
    }
    assert_eq!(zh_sj["department"]["code"], "SJ");
    assert_eq!(zh_jt["department"]["code"], "JT");
    let (s, v) = app
        .post(
            "/api/v1/cases",
            Some(&t("clerk.zh")),
            json!({ "item_code": ITEM, "channel": "window", "point": "ZX",
                "applicant": { "kind": "person", "name": "张三", "id_number": ID_NUMBER, "phone": crate::common::PHONE } }),
        )
        .await;
    assert_eq!(
        s,
        StatusCode::FORBIDDEN,
        "took an application at another point: {v}"
    );
    // The comprehensive window's clerk sees its point's cases only.
    let (s, v) = app.get("/api/v1/cases", Some(&t("clerk.zh"))).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v["total"], 2, "{v}");

    // A town point takes delegated items only.
    let (s, v) = app
        .post(
            "/api/v1/cases",
            Some(&t("town.bc")),
            TestApp::application(ITEM, "window"),
        )
        .await;
    assert_invalid(s, &v, "item_code");
    let bc = app.apply("town.bc", DELEGATED, "window").await;
    assert!(case_no(&bc).starts_with("BC-"), "{bc}");
    assert_eq!(bc["department"]["code"], "JT");
    let (s, _) = app
        .get(&format!("/api/v1/cases/{no}"), Some(&t("town.bc")))
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, v) = app.get("/api/v1/cases", Some(&t("town.bc"))).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v["total"], 1, "{v}");
    assert_eq!(v["cases"][0]["case_no"], case_no(&bc).as_str());
    // The JT approver sees the town's and the comprehensive window's JT cases.
    let (s, v) = app
        .get(
            &format!("/api/v1/cases/{}", case_no(&bc)),
            Some(&t("approver.jt")),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");

    // Department scoping of lists.
    let (s, v) = app
        .get("/api/v1/cases?per_page=500", Some(&t("approver.sj")))
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let cases = v["cases"].as_array().unwrap();
    assert_eq!(v["total"], 2, "{v}"); // the ZX case and the ZH1 SJ case
    assert_eq!(cases.len(), 2);
    assert!(cases.iter().all(|c| c["department"]["code"] == "SJ"), "{v}");
    let (_, v) = app
        .get("/api/v1/cases?department=JT", Some(&t("approver.sj")))
        .await;
    assert_eq!(v["total"], 0, "{v}");
    let (_, v) = app.get("/api/v1/cases", Some(&t("approver.jt"))).await;
    assert_eq!(v["total"], 2, "{v}");
    assert!(
        v["cases"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["department"]["code"] == "JT")
    );
    let (_, v) = app.get("/api/v1/cases", Some(&t("supervisor"))).await;
    assert_eq!(v["total"], 4, "{v}");
}
both!(authorization_matrix);

// 8 ───────────────────────────────────────────────────────────────────────────────

async fn bad_input_never_half_written(db: Db) {
    let app = TestApp::spawn(db).await;
    let clerk = app.token("clerk.sj").await;
    // Tokens are audited: take them before counting.
    let before = (
        app.count("cases").await,
        app.count("case_events").await,
        app.count("audit_log").await,
        app.count("case_seq").await,
    );

    let (s, v) = app
        .post_raw(
            "/api/v1/cases",
            Some(&clerk),
            Some("application/json"),
            b"{\"item_code\": \"SJ-LICENCE-0001\", ".to_vec(),
        )
        .await;
    assert_error(s, &v, StatusCode::BAD_REQUEST, "bad_request");
    let body = serde_json::to_vec(&TestApp::application(ITEM, "window")).unwrap();
    let (s, v) = app
        .post_raw("/api/v1/cases", Some(&clerk), None, body.clone())
        .await;
    assert_eq!(s, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{v}");
    error_of(&v);
    let (s, v) = app
        .post_raw("/api/v1/cases", Some(&clerk), Some("text/plain"), body)
        .await;
    assert_eq!(s, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{v}");

    let mut big = TestApp::application(ITEM, "window");
    big["note"] = json!("备".repeat(100 * 1024)); // 300 KiB of UTF-8
    let (s, v) = app
        .post_raw(
            "/api/v1/cases",
            Some(&clerk),
            Some("application/json"),
            serde_json::to_vec(&big).unwrap(),
        )
        .await;
    assert_eq!(s, StatusCode::PAYLOAD_TOO_LARGE, "{v}");
    error_of(&v);

    let person = |f: &dyn Fn(&mut Value)| {
        let mut b = TestApp::application(ITEM, "window");
        f(&mut b);
        b
    };
    let cases: Vec<(Value, &str)> = vec![
        (
            person(&|b| b["item_code"] = json!("NO-SUCH-ITEM")),
            "item_code",
        ),
        (person(&|b| b["item_code"] = json!("")), "item_code"),
        (
            person(&|b| b["applicant"]["id_number"] = json!("110105194912310021")),
            "applicant.id_number",
        ),
        (
            person(&|b| b["applicant"]["id_number"] = json!("11010519491331002X")),
            "applicant.id_number",
        ),
        (
            person(&|b| b["applicant"]["phone"] = json!("12345")),
            "applicant.phone",
        ),
        (person(&|b| b["channel"] = json!("fax")), "channel"),
        (
            person(&|b| {
                b.as_object_mut().unwrap().remove("channel");
            }),
            "channel",
        ),
        (
            person(&|b| b["applicant"]["kind"] = json!("robot")),
            "applicant.kind",
        ),
        (
            person(&|b| b["applicant"]["name"] = json!("  ")),
            "applicant.name",
        ),
        (
            person(&|b| {
                b.as_object_mut().unwrap().remove("applicant");
            }),
            "applicant",
        ),
        (
            person(&|b| {
                b["applicant"] = json!({ "kind": "organisation", "name": "某某公司",
                    "credit_code": "91350100M000100Y44", "phone": crate::common::PHONE })
            }),
            "applicant.credit_code",
        ),
        (person(&|b| b["materials"] = json!(["申请书"])), "materials"),
        (
            person(&|b| b["materials"] = json!(["申请书", "营业执照", "户口本"])),
            "materials",
        ),
        (person(&|b| b["item_code"] = json!(5)), "body"),
        (person(&|b| b["materials"] = json!("申请书")), "body"),
        (person(&|b| b["applicant"] = json!([1, 2])), "body"),
    ];
    for (body, field) in &cases {
        let (s, v) = app.post("/api/v1/cases", Some(&clerk), body.clone()).await;
        let m = assert_invalid(s, &v, field);
        match *field {
            "applicant.id_number" => assert!(m.contains("身份证"), "{m}"),
            "materials" if body["materials"].as_array().is_some_and(|a| a.len() == 1) => {
                assert!(m.contains("营业执照"), "missing material not named: {m}")
            }
            "materials" => assert!(m.contains("户口本"), "{m}"),
            _ => {}
        }
    }
    // Nothing was written, not even a case number.
    let after = (
        app.count("cases").await,
        app.count("case_events").await,
        app.count("audit_log").await,
        app.count("case_seq").await,
    );
    assert_eq!(before, after);

    // The same application with its materials complete goes through.
    let ok = person(&|b| b["materials"] = json!(["申请书", "营业执照"]));
    let (s, v) = app.post("/api/v1/cases", Some(&clerk), ok).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    assert_eq!(v["materials"], json!(["申请书", "营业执照"]));
    assert_eq!(app.count("cases").await, before.0 + 1);
    // Online applications may come incomplete (pre-review asks for the rest).
    let online = {
        let mut b = TestApp::application(ITEM, "online");
        b["materials"] = json!(["申请书"]);
        b
    };
    let (s, v) = app.post("/api/v1/cases", Some(&clerk), online).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");

    // Bad actions are no more written than bad applications.
    let no = case_no(&v);
    let before = (app.count("case_events").await, app.count("audit_log").await);
    let (s, _) = app
        .post_raw(
            &format!("/api/v1/cases/{no}/actions"),
            Some(&clerk),
            Some("application/json"),
            b"{action: accept}".to_vec(),
        )
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    let (s, _) = app.act(&clerk, &no, "approve", None).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, _) = app.act(&clerk, &no, "refuse", None).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    let (s, v) = app
        .post(
            &format!("/api/v1/cases/{no}/actions"),
            Some(&clerk),
            json!({ "action": "refuse", "note": "x".repeat(1001) }),
        )
        .await;
    assert_invalid(s, &v, "note");
    assert_eq!(
        before,
        (app.count("case_events").await, app.count("audit_log").await)
    );

    let (s, v) = app.get("/api/v1/nope", None).await;
    assert_error(s, &v, StatusCode::NOT_FOUND, "not_found");
    let (s, v) = app.post("/api/v1/nope", Some(&clerk), json!({})).await;
    assert_eq!(s, StatusCode::NOT_FOUND, "{v}");
    error_of(&v);
}
both!(bad_input_never_half_written);

// 9 ───────────────────────────────────────────────────────────────────────────────

async fn personal_data_protected(db: Db) {
    use sqlx::Row;
    let app = TestApp::spawn(db).await;
    let case = app.apply("clerk.sj", ITEM, "window").await;
    let no = case_no(&case);

    let mut conn = app.store.reader().await.unwrap();
    let rows = sqlx::query("SELECT id_number_enc, phone_enc, id_number_masked FROM cases")
        .fetch_all(&mut *conn)
        .await
        .unwrap();
    assert_eq!(rows.len(), 1);
    let id_enc: String = rows[0].try_get(0).unwrap();
    let phone_enc: String = rows[0].try_get(1).unwrap();
    let masked: String = rows[0].try_get(2).unwrap();
    drop(conn);
    for (enc, plain) in [(&id_enc, ID_NUMBER), (&phone_enc, crate::common::PHONE)] {
        assert!(!enc.is_empty());
        assert!(!enc.contains(plain), "stored in clear: {enc}");
        assert!(!enc.contains(&plain[..10]), "stored in clear: {enc}");
        assert!(
            !enc.contains(&plain[plain.len() - 6..]),
            "tail in clear: {enc}"
        );
    }
    assert_ne!(id_enc, phone_enc);
    assert_eq!(masked, "110105********002X");
    // The key decrypts it, so the store keeps it recoverable.
    assert_eq!(app.store.keys().decrypt(&id_enc).unwrap(), ID_NUMBER);
    assert_eq!(
        app.store.keys().decrypt(&phone_enc).unwrap(),
        crate::common::PHONE
    );

    // Nowhere else in the case's rows, events or audit entries in full.
    let mut conn = app.store.reader().await.unwrap();
    for sql in [
        "SELECT COUNT(*) FROM audit_log WHERE detail LIKE '%11010519491231002X%' OR detail LIKE '%13812345678%'",
        "SELECT COUNT(*) FROM case_events WHERE note LIKE '%11010519491231002X%'",
        "SELECT COUNT(*) FROM cases WHERE id_number_masked LIKE '%19491231%' OR phone_masked LIKE '%1234%'",
    ] {
        let n: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
            .fetch_one(&mut *conn)
            .await
            .unwrap();
        assert_eq!(n, 0, "{sql}");
    }
    drop(conn);

    let clerk = app.token("clerk.sj").await;
    for view in [
        case.clone(),
        app.get(&format!("/api/v1/cases/{no}"), Some(&clerk))
            .await
            .1,
        app.get("/api/v1/cases", Some(&clerk)).await.1["cases"][0].clone(),
    ] {
        assert_eq!(
            view["applicant"]["id_number"], "110105********002X",
            "{view}"
        );
        assert_eq!(view["applicant"]["phone"], "138****5678", "{view}");
        let text = view.to_string();
        assert!(
            !text.contains(ID_NUMBER) && !text.contains(crate::common::PHONE),
            "{text}"
        );
    }

    // Search by the full number still works, through its digest.
    let (s, v) = app
        .get(
            &format!("/api/v1/cases?id_number={ID_NUMBER}"),
            Some(&clerk),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["total"], 1, "{v}");
    assert_eq!(v["cases"][0]["case_no"], no.as_str());
    let (_, v) = app
        .get("/api/v1/cases?id_number=11010519491231002x", Some(&clerk))
        .await;
    assert_eq!(v["total"], 1, "lower-case check character: {v}");
    let (_, v) = app
        .get("/api/v1/cases?id_number=110101199003070012", Some(&clerk))
        .await;
    assert_eq!(v["total"], 0, "{v}");
    assert_eq!(v["cases"].as_array().unwrap().len(), 0);
}
both!(personal_data_protected);

// 10 ──────────────────────────────────────────────────────────────────────────────

async fn rating_and_follow_up(db: Db) {
    let app = TestApp::spawn(db).await;
    let a = closed_case(&app, "clerk.sj", "approver.sj", ITEM).await;
    let b = closed_case(&app, "clerk.sj", "approver.sj", ITEM).await;
    let d = closed_case(&app, "clerk.sj", "approver.sj", ITEM).await;
    let open = case_no(&app.apply("clerk.sj", ITEM, "window").await);
    let rate = |no: &str| format!("/api/v1/cases/{no}/rating");

    let (s, v) = app
        .post(&rate(&a), None, json!({ "level": 5, "last_six": "31002X" }))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    assert_eq!(v["level"], 5);
    assert_eq!(v["label"], "非常满意");
    assert!(
        v.get("follow_up").is_none(),
        "a good rating opened a follow-up: {v}"
    );
    let (s, v) = app
        .post(&rate(&a), None, json!({ "level": 4, "last_six": "31002X" }))
        .await;
    assert_error(s, &v, StatusCode::CONFLICT, "conflict");

    let (s, v) = app
        .post(&rate(&b), None, json!({ "level": 5, "last_six": "000000" }))
        .await;
    assert_error(s, &v, StatusCode::NOT_FOUND, "not_found");
    let (s, v) = app.post(&rate(&b), None, json!({ "level": 5 })).await;
    assert_invalid(s, &v, "last_six");
    let (s, v) = app
        .post(
            &rate("ZX-20200101-99999"),
            None,
            json!({ "level": 5, "last_six": "31002X" }),
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND, "{v}");
    let (s, v) = app
        .post(
            &rate(&open),
            None,
            json!({ "level": 5, "last_six": "31002X" }),
        )
        .await;
    assert_error(s, &v, StatusCode::CONFLICT, "conflict");
    let (s, v) = app
        .post(&rate(&b), None, json!({ "level": 9, "last_six": "31002X" }))
        .await;
    assert_invalid(s, &v, "level");
    let (s, v) = app
        .post(&rate(&b), None, json!({ "level": 0, "last_six": "31002X" }))
        .await;
    assert_invalid(s, &v, "level");
    let (s, v) = app
        .post(&rate(&b), None, json!({ "last_six": "31002X" }))
        .await;
    assert_invalid(s, &v, "level");
    // The comment is optional, even on a bad rating (the contract's `comment?`):
    // see the window device's rating below.
    let (s, v) = app
        .post(
            &rate(&b),
            None,
            json!({ "level": 1, "last_six": "31002x", "comment": "等候时间太长，窗口态度差" }),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let due = v["follow_up"]["due_on"]
        .as_str()
        .expect("follow-up")
        .to_string();
    assert!(due > day(today()), "{v}");
    assert!(v["follow_up"]["answered_at"].is_null(), "{v}");

    let clerk = app.token("clerk.sj").await;
    let head = app.token("head.sj").await;
    let (_, v) = app.get(&format!("/api/v1/cases/{b}"), Some(&clerk)).await;
    assert_eq!(v["rating"]["level"], 1, "{v}");
    assert_eq!(v["rating"]["comment"], "等候时间太长，窗口态度差");
    assert_eq!(v["rating"]["follow_up"]["due_on"], due.as_str());

    let answer = format!("/api/v1/cases/{b}/rating/answer");
    let (s, v) = app
        .post(
            &answer,
            Some(&clerk),
            json!({ "finding": "founded", "answer": "已整改" }),
        )
        .await;
    assert_error(s, &v, StatusCode::FORBIDDEN, "forbidden");
    let (s, v) = app
        .post(&answer, Some(&head), json!({ "finding": "founded" }))
        .await;
    assert_invalid(s, &v, "answer");
    let (s, v) = app
        .post(&answer, Some(&head), json!({ "answer": "已整改" }))
        .await;
    assert_invalid(s, &v, "finding");
    let (s, v) = app
        .post(
            &answer,
            None,
            json!({ "finding": "founded", "answer": "已整改" }),
        )
        .await;
    assert_eq!(s, StatusCode::UNAUTHORIZED, "{v}");
    let jt = app.token("approver.jt").await;
    let (s, v) = app
        .post(
            &answer,
            Some(&jt),
            json!({ "finding": "founded", "answer": "已整改" }),
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND, "another department answered: {v}");
    let (s, v) = app
        .post(
            &answer,
            Some(&head),
            json!({ "finding": "founded", "answer": "已约谈窗口人员并增设取号机" }),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert!(v["follow_up"]["answered_at"].is_string(), "{v}");
    assert_eq!(v["follow_up"]["answer"], "已约谈窗口人员并增设取号机");
    let (s, v) = app
        .post(
            &answer,
            Some(&head),
            json!({ "finding": "founded", "answer": "再答一次" }),
        )
        .await;
    assert_error(s, &v, StatusCode::CONFLICT, "conflict");
    // A good rating has nothing to answer.
    let (s, _) = app
        .post(
            &format!("/api/v1/cases/{a}/rating/answer"),
            Some(&head),
            json!({ "finding": "founded", "answer": "无" }),
        )
        .await;
    assert_eq!(s, StatusCode::CONFLICT);

    // The window's rating device, through the clerk's session, rates the visit
    // (一次一评); the applicant still rates the service (一事一评), once each.
    let (s, v) = app
        .post(&rate(&d), Some(&clerk), json!({ "level": 4 }))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    assert_eq!(v["level"], 4);
    let (s, v) = app
        .post(&rate(&d), Some(&clerk), json!({ "level": 5 }))
        .await;
    assert_eq!(s, StatusCode::CONFLICT, "{v}");
    assert!(
        v["error"]["message"].as_str().unwrap().contains("评价器"),
        "{v}"
    );
    let (s, v) = app
        .post(&rate(&d), None, json!({ "level": 5, "last_six": "31002X" }))
        .await;
    assert_eq!(s, StatusCode::CREATED, "the applicant's own rating: {v}");
    assert_eq!(v["level"], 5);
    let (s, _) = app
        .post(&rate(&d), None, json!({ "level": 3, "last_six": "31002X" }))
        .await;
    assert_eq!(s, StatusCode::CONFLICT, "rated twice");
    // The case shows the applicant's rating.
    let (_, v) = app.get(&format!("/api/v1/cases/{d}"), Some(&clerk)).await;
    assert_eq!(v["rating"]["level"], 5, "{v}");
    let approver = app.token("approver.sj").await;
    let e = closed_case(&app, "clerk.sj", "approver.sj", ITEM).await;
    let (s, _) = app
        .post(&rate(&e), Some(&approver), json!({ "level": 4 }))
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    assert_eq!(app.count("ratings").await, 4);
    assert_eq!(app.count("rating_followups").await, 1);
    let out = app.cli(&["stats", "check", "--db", &app.db_url]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let out = app.cli(&[
        "export",
        "ratings",
        "--db",
        &app.db_url,
        "--format",
        "jsonl",
    ]);
    let lines = String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter(|l| l.contains(&d))
        .count();
    assert_eq!(lines, 2, "both of the case's ratings are exported");
}
both!(rating_and_follow_up);

// 11 ──────────────────────────────────────────────────────────────────────────────

async fn public_progress(db: Db) {
    let app = TestApp::spawn(db).await;
    let case = app.apply("clerk.sj", ITEM, "window").await;
    let no = case_no(&case);
    let approver = app.token("approver.sj").await;
    let (s, _) = app.act(&approver, &no, "approve", None).await;
    assert_eq!(s, StatusCode::OK);

    let (s, v) = app
        .get(&format!("/api/v1/progress/{no}?last_six=31002X"), None)
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["case_no"], no.as_str());
    assert_eq!(v["status"], "approved");
    let events = v["events"].as_array().unwrap();
    assert_eq!(events.len(), 2, "{v}");
    assert!(
        events.iter().all(|e| e["actor"] == ""),
        "actor names leaked: {v}"
    );
    assert_eq!(v["applicant"]["id_number"], "110105********002X");
    assert!(!v.to_string().contains("approver.sj"), "{v}");

    let (s, v) = app
        .get(&format!("/api/v1/progress/{no}?last_six=31002x"), None)
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let (s, v) = app
        .get(&format!("/api/v1/progress/{no}?last_six=123456"), None)
        .await;
    assert_error(s, &v, StatusCode::NOT_FOUND, "not_found");
    let (s, v2) = app
        .get("/api/v1/progress/ZX-20200101-99999?last_six=31002X", None)
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    assert_eq!(
        v["error"]["message"], v2["error"]["message"],
        "unknown and mismatched differ"
    );
    let (s, v) = app.get(&format!("/api/v1/progress/{no}"), None).await;
    assert_invalid(s, &v, "last_six");
    let (s, v) = app
        .get(&format!("/api/v1/progress/{no}?last_six=1234"), None)
        .await;
    assert_invalid(s, &v, "last_six");
    let (s, v) = app
        .get("/api/v1/progress/bad-number?last_six=31002X", None)
        .await;
    assert_invalid(s, &v, "case_no");
}
both!(public_progress);

// 12 ──────────────────────────────────────────────────────────────────────────────

async fn calendar_and_codes(db: Db) {
    let app = TestApp::spawn(db).await;
    let dl = |q: &str| format!("/api/v1/calendar/deadline?{q}");

    let (s, v) = app.get(&dl("start=2024-09-30&working_days=1"), None).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["deadline"], "2024-10-08");
    let (s, v) = app.get(&dl("start=2024-09-27&working_days=1"), None).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(
        v["deadline"], "2024-09-29",
        "make-up Sunday is a working day"
    );
    let (_, v) = app.get(&dl("start=2024-09-30&working_days=0"), None).await;
    assert_eq!(v["deadline"], "2024-09-30", "{v}");
    let (_, v) = app.get(&dl("start=2026-02-13&working_days=1"), None).await;
    assert_eq!(v["deadline"], "2026-02-14", "{v}"); // 2026 Spring Festival make-up Saturday

    let (s, v) = app.get(&dl("start=2026-12-30&working_days=5"), None).await;
    let m = assert_invalid(s, &v, "start");
    assert!(m.contains("2027"), "{m}");
    assert!(m.contains("估算"), "{m}");
    // Weekdays, and 1 January skipped as every year's 元旦.
    assert!(m.contains("2027-01-07"), "estimate: {m}");
    let (s, v) = app.get(&dl("start=bad&working_days=1"), None).await;
    assert_invalid(s, &v, "start");
    let (s, v) = app.get(&dl("working_days=1"), None).await;
    assert_invalid(s, &v, "start");
    let (s, v) = app.get(&dl("start=2024-09-30&working_days=-1"), None).await;
    assert_invalid(s, &v, "working_days");
    let (s, v) = app.get(&dl("start=2024-09-30&working_days=x"), None).await;
    assert_invalid(s, &v, "working_days");

    let year = json!({ "year": 2027, "days": [{ "date": "2027-01-01", "kind": "holiday", "festival": "元旦" }] });
    let clerk = app.token("clerk.sj").await;
    let (s, v) = app
        .post("/api/v1/calendar/years", Some(&clerk), year.clone())
        .await;
    assert_error(s, &v, StatusCode::FORBIDDEN, "forbidden");
    let (s, _) = app.post("/api/v1/calendar/years", None, year.clone()).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    let (s, _) = app.get(&dl("start=2026-12-30&working_days=5"), None).await;
    assert_eq!(
        s,
        StatusCode::UNPROCESSABLE_ENTITY,
        "a refused year was added"
    );

    let admin = app.token("admin").await;
    let (s, v) = app
        .post(
            "/api/v1/calendar/years",
            Some(&admin),
            json!({ "year": 2027, "days": [{ "date": "2026-10-01", "kind": "holiday" }] }),
        )
        .await;
    assert_invalid(s, &v, "days");
    let (s, v) = app
        .post(
            "/api/v1/calendar/years",
            Some(&admin),
            json!({ "year": 2027, "days": [{ "date": "2027-01-01", "kind": "party" }] }),
        )
        .await;
    assert_invalid(s, &v, "days");
    let (s, v) = app
        .post("/api/v1/calendar/years", Some(&admin), year.clone())
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let (s, v) = app.get(&dl("start=2026-12-30&working_days=5"), None).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    // 12-31, (01-01 holiday), 01-04, 01-05, 01-06, 01-07.
    assert_eq!(v["deadline"], "2027-01-07");
    let (_, v) = app.get("/api/v1/calendar/years", None).await;
    assert!(v["years"].as_array().unwrap().contains(&json!(2027)), "{v}");
    assert!(v["years"].as_array().unwrap().contains(&json!(2004)), "{v}");

    // Identity codes.
    let (s, v) = app.get("/api/v1/codes/uscc/91350100M000100Y43", None).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["valid"], true, "{v}");
    let (s, v) = app.get("/api/v1/codes/uscc/91350100M000100Y44", None).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["valid"], false, "{v}");
    assert!(has_chinese(v["reason"].as_str().unwrap_or("")), "{v}");
    let (_, v) = app.get("/api/v1/codes/uscc/123", None).await;
    assert_eq!(v["valid"], false, "{v}");
    let (s, v) = app
        .get(&format!("/api/v1/codes/id/{ID_NUMBER}"), None)
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["valid"], true, "{v}");
    assert_eq!(v["birth_date"], "1949-12-31");
    assert_eq!(v["sex"], "female");
    let (_, v) = app.get("/api/v1/codes/id/110105194912310021", None).await;
    assert_eq!(v["valid"], false, "{v}");
    assert!(has_chinese(v["reason"].as_str().unwrap_or("")), "{v}");
    let (_, v) = app.get("/api/v1/codes/id/11010519491332002X", None).await;
    assert_eq!(v["valid"], false, "bad birth date accepted: {v}");

    let mut generated = vec![];
    for _ in 0..2 {
        let (s, v) = app
            .post("/api/v1/codes/uscc", Some(&clerk), json!({}))
            .await;
        assert_eq!(s, StatusCode::OK, "{v}");
        let code = v["code"].as_str().unwrap().to_string();
        assert_eq!(code.len(), 18, "{code}");
        assert!(code.starts_with("91320583"), "{code}");
        let (_, check) = app.get(&format!("/api/v1/codes/uscc/{code}"), None).await;
        assert_eq!(check["valid"], true, "{code}: {check}");
        generated.push(code);
    }
    assert_ne!(generated[0], generated[1]);
    let (s, _) = app
        .post(
            "/api/v1/codes/uscc",
            Some(&app.token("hotline").await),
            json!({}),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, _) = app.post("/api/v1/codes/uscc", None, json!({})).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
}
both!(calendar_and_codes);

// 13 ──────────────────────────────────────────────────────────────────────────────

async fn audit_log_api(db: Db) {
    let app = TestApp::spawn(db).await;
    let no = closed_case(&app, "clerk.sj", "approver.sj", ITEM).await;
    let admin = app.token("admin").await;

    let (s, v) = app.get("/api/v1/audit?limit=1000", Some(&admin)).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let entries = v["entries"].as_array().unwrap();
    let has = |action: &str, key: &str| {
        entries
            .iter()
            .any(|e| e["action"] == action && e["entity_key"] == key)
    };
    assert!(has("case.create", &no), "{v}");
    assert!(has("case.approve", &no), "{v}");
    assert!(has("case.close", &no), "{v}");
    assert!(has("item.create", ITEM), "{v}");
    assert!(has("user.create", "clerk.sj"), "{v}");
    let create = entries
        .iter()
        .find(|e| e["action"] == "case.create")
        .unwrap();
    assert!(
        create["actor"].as_str().unwrap().contains("clerk.sj"),
        "{create}"
    );
    // Newest first, sequence without gaps.
    let seqs: Vec<i64> = entries.iter().map(|e| e["seq"].as_i64().unwrap()).collect();
    assert!(seqs.windows(2).all(|w| w[0] == w[1] + 1), "{seqs:?}");
    assert_eq!(*seqs.last().unwrap(), 1);
    assert_eq!(seqs.len() as i64, app.count("audit_log").await);

    let (s, v) = app.get("/api/v1/audit?limit=2", Some(&admin)).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v["entries"].as_array().unwrap().len(), 2);
    let (s, v) = app.get("/api/v1/audit?limit=0", Some(&admin)).await;
    assert_invalid(s, &v, "limit");

    let (s, v) = app.get("/api/v1/audit/verify", Some(&admin)).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["intact"], true, "{v}");
    assert!(v["entries"].as_i64().unwrap() >= 10, "{v}");
    let supervisor = app.token("supervisor").await;
    let (s, _) = app.get("/api/v1/audit/verify", Some(&supervisor)).await;
    assert_eq!(s, StatusCode::OK);

    let clerk = app.token("clerk.sj").await;
    let (s, v) = app.get("/api/v1/audit", Some(&clerk)).await;
    assert_error(s, &v, StatusCode::FORBIDDEN, "forbidden");
    let (s, _) = app.get("/api/v1/audit/verify", Some(&clerk)).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, _) = app.get("/api/v1/audit", None).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);

    // State and administrative changes of every kind are in the chain.
    let clerk_t = app.token("clerk.sj").await;
    let (s, _) = app
        .post(
            &format!("/api/v1/cases/{no}/rating"),
            None,
            json!({ "level": 1, "last_six": "31002X", "comment": "太慢" }),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED);
    let head = app.token("head.sj").await;
    let (s, _) = app
        .post(
            &format!("/api/v1/cases/{no}/rating/answer"),
            Some(&head),
            json!({ "finding": "founded", "answer": "已整改" }),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let (s, _) = app
        .post("/api/v1/codes/uscc", Some(&clerk_t), json!({}))
        .await;
    assert_eq!(s, StatusCode::OK);
    let (_, item) = app.get(&format!("/api/v1/items/{ITEM}"), None).await;
    let (s, _) = app
        .post(
            &format!("/api/v1/items/{ITEM}/versions"),
            Some(&admin),
            json!({ "content": item["content"], "effective_from": day(today()), "change_note": "复核" }),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let (s, _) = app
        .post(
            &format!("/api/v1/items/{ITEM}/versions/2/publish"),
            Some(&admin),
            json!({}),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let (s, _) = app
        .post(
            "/api/v1/calendar/years",
            Some(&admin),
            json!({ "year": 2027, "days": [{ "date": "2027-01-01", "kind": "holiday" }] }),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    for _ in 0..5 {
        let _ = app.login("hotline", "wrong-password-1").await;
    }
    let (_, v) = app.get("/api/v1/audit?limit=1000", Some(&admin)).await;
    let actions: Vec<&str> = v["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    for a in [
        "case.rate",
        "rating.answer",
        "uscc.assign",
        "item.version",
        "item.publish",
        "calendar.import",
        "login.throttle",
        "token.issue",
    ] {
        assert!(actions.contains(&a), "{a} not audited: {actions:?}");
    }
    let (_, v) = app.get("/api/v1/audit/verify", Some(&admin)).await;
    assert_eq!(v["intact"], true, "{v}");

    // Tampering shows through the API as well.
    app.exec("UPDATE audit_log SET actor = 'someone' WHERE seq = 2")
        .await;
    let (_, v) = app.get("/api/v1/audit/verify", Some(&admin)).await;
    assert_eq!(v["intact"], false, "{v}");
    assert_eq!(v["broken"]["seq"], 2, "{v}");
}
both!(audit_log_api);

// Clocks ──────────────────────────────────────────────────────────────────────────

/// The deadline the calendar endpoint gives for `n` working days after `start`:
/// `Ok(date)`, or `Err(message)` when the calendar does not reach that far.
async fn calendar_deadline(app: &TestApp, start: &str, n: u32) -> Result<String, String> {
    let (s, v) = app
        .get(
            &format!("/api/v1/calendar/deadline?start={start}&working_days={n}"),
            None,
        )
        .await;
    if s == StatusCode::OK {
        Ok(v["deadline"].as_str().unwrap().to_string())
    } else {
        assert_invalid(s, &v, "start");
        Err(v["error"]["message"].as_str().unwrap().to_string())
    }
}

async fn deadlines_and_due_flags(db: Db) {
    let app = TestApp::spawn(db).await;
    let today = day(today());
    let case = app.apply("clerk.sj", ITEM, "window").await;
    let no = case_no(&case);
    assert!(
        no.starts_with(&format!("ZX-{}-", today.replace('-', ""))),
        "case number shows the point and the day: {no}"
    );
    // Promised 5 and statutory 20 working days, counted from the day after acceptance.
    match calendar_deadline(&app, &today, 5).await {
        Ok(d) => assert_eq!(case["promised_deadline"], d.as_str(), "{case}"),
        Err(m) => panic!("calendar does not cover the promised deadline: {m}"),
    }
    match calendar_deadline(&app, &today, 20).await {
        Ok(d) => {
            assert_eq!(case["legal_deadline"], d.as_str(), "{case}");
            assert_eq!(case["deadline_estimated"], false);
        }
        Err(m) => {
            assert!(
                m.contains(case["legal_deadline"].as_str().unwrap()),
                "{m} / {case}"
            );
            assert_eq!(case["deadline_estimated"], true);
        }
    }
    // The extension adds the law's 10 working days to the legal limit.
    let head = app.token("head.sj").await;
    let (s, v) = app.act(&head, &no, "extend", Some("需现场核查")).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["extension_days"], 10, "{v}");
    assert_eq!(v["promised_deadline"], case["promised_deadline"], "{v}");
    match calendar_deadline(&app, &today, 30).await {
        Ok(d) => {
            assert_eq!(v["legal_deadline"], d.as_str(), "{v}");
            assert_eq!(v["deadline_estimated"], false, "{v}");
        }
        Err(m) => {
            // Past the known years: a flagged weekdays-only estimate, never silent.
            assert!(
                m.contains(v["legal_deadline"].as_str().unwrap()),
                "{m} / {v}"
            );
            assert_eq!(v["deadline_estimated"], true, "{v}");
        }
    }

    // Overdue and nearly-due cases are flagged and listed.
    let clerk = app.token("clerk.sj").await;
    let other = case_no(&app.apply("clerk.sj", ITEM, "window").await);
    let yesterday = day(today_minus(1));
    app.exec(&format!(
        "UPDATE cases SET promised_deadline = '{yesterday}' WHERE case_no = '{no}'"
    ))
    .await;
    let (_, v) = app.get(&format!("/api/v1/cases/{no}"), Some(&clerk)).await;
    assert_eq!(v["urgency"], "overdue", "{v}");
    let (s, v) = app.get("/api/v1/cases?due=overdue", Some(&clerk)).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["total"], 1, "{v}");
    assert_eq!(v["cases"][0]["case_no"], no.as_str());
    let (_, v) = app.get("/api/v1/cases?due=nearly_due", Some(&clerk)).await;
    assert!(
        v["cases"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["case_no"] != no.as_str()),
        "{v}"
    );
    app.exec(&format!(
        "UPDATE cases SET promised_deadline = '{today}' WHERE case_no = '{other}'"
    ))
    .await;
    let (_, v) = app
        .get(&format!("/api/v1/cases/{other}"), Some(&clerk))
        .await;
    assert_eq!(v["urgency"], "nearly_due", "{v}");
    let (_, v) = app.get("/api/v1/cases?due=nearly_due", Some(&clerk)).await;
    assert_eq!(v["total"], 1, "{v}");
    assert_eq!(v["cases"][0]["case_no"], other.as_str());
    // Open cases come most urgent first.
    let (_, v) = app.get("/api/v1/cases", Some(&clerk)).await;
    assert_eq!(v["cases"][0]["case_no"], no.as_str(), "{v}");
    let (s, v) = app.get("/api/v1/cases?due=soon", Some(&clerk)).await;
    assert_invalid(s, &v, "due");
    let (s, v) = app.get("/api/v1/cases?status=pending", Some(&clerk)).await;
    assert_invalid(s, &v, "status");
    // `open` is every case still being handled.
    let (s, v) = app.get("/api/v1/cases?status=open", Some(&clerk)).await;
    assert_eq!(s, StatusCode::OK);
    assert!(v["total"].as_i64().unwrap() >= 2, "{v}");
    let (s, v) = app.get("/api/v1/cases?page=x", Some(&clerk)).await;
    assert_invalid(s, &v, "page");
    // A closed case is never overdue.
    let approver = app.token("approver.sj").await;
    let (s, v) = app.act(&approver, &no, "approve", None).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_ne!(v["urgency"], "overdue", "{v}");
}
both!(deadlines_and_due_flags);

fn today_minus(n: i64) -> chrono::NaiveDate {
    today() - chrono::Duration::days(n)
}

// Concurrency ─────────────────────────────────────────────────────────────────────

async fn concurrent_writes_stay_consistent(db: Db) {
    let app = std::sync::Arc::new(TestApp::spawn(db).await);
    let clerk = app.token("clerk.sj").await;
    let mut tasks = vec![];
    for _ in 0..16 {
        let (app, clerk) = (app.clone(), clerk.clone());
        tasks.push(tokio::spawn(async move {
            app.post(
                "/api/v1/cases",
                Some(&clerk),
                TestApp::application(ITEM, "window"),
            )
            .await
        }));
    }
    let mut numbers = vec![];
    for t in tasks {
        let (s, v) = t.await.unwrap();
        assert_eq!(s, StatusCode::CREATED, "{v}");
        numbers.push(case_no(&v));
    }
    numbers.sort();
    numbers.dedup();
    assert_eq!(
        numbers.len(),
        16,
        "case numbers must be unique: {numbers:?}"
    );
    let seqs: Vec<u32> = numbers
        .iter()
        .map(|n| n.rsplit('-').next().unwrap().parse().unwrap())
        .collect();
    assert_eq!(seqs, (1..=16).collect::<Vec<u32>>());

    // Two approvals of one case at once: exactly one wins.
    let approver = app.token("approver.sj").await;
    let head = app.token("head.sj").await;
    let no = numbers[0].clone();
    let racers: Vec<_> = [approver.clone(), head.clone()]
        .into_iter()
        .map(|t| {
            let (app, no) = (app.clone(), no.clone());
            tokio::spawn(async move { app.act(&t, &no, "approve", None).await })
        })
        .collect();
    let mut statuses = vec![];
    for r in racers {
        statuses.push(r.await.unwrap().0);
    }
    statuses.sort();
    assert_eq!(statuses, [StatusCode::OK, StatusCode::CONFLICT]);
    let (_, v) = app.get(&format!("/api/v1/cases/{no}"), Some(&head)).await;
    assert_eq!(v["events"].as_array().unwrap().len(), 2, "{v}");

    // The audit chain is intact after concurrent appends.
    let admin = app.token("admin").await;
    let (_, v) = app.get("/api/v1/audit/verify", Some(&admin)).await;
    assert_eq!(v["intact"], true, "{v}");
}
both!(concurrent_writes_stay_consistent);

// Applicants other than resident-ID holders ────────────────────────────────────────

async fn organisation_and_passport_applicants(db: Db) {
    let app = TestApp::spawn(db).await;
    let clerk = app.token("clerk.sj").await;
    let org = json!({ "item_code": ITEM, "channel": "window",
        "applicant": { "kind": "organisation", "name": "昆山某某餐饮管理有限公司",
            "credit_code": "91350100m000100y43", "contact": "李四", "phone": crate::common::PHONE } });
    let (s, v) = app.post("/api/v1/cases", Some(&clerk), org).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let org_no = case_no(&v);
    assert_eq!(v["applicant"]["kind"], "organisation");
    assert_eq!(v["applicant"]["credit_code"], "91350100M000100Y43");
    assert_eq!(v["applicant"]["contact"], "李四");
    assert_eq!(v["applicant"]["phone"], "138****5678");
    assert!(v["applicant"].get("id_number").is_none(), "{v}");

    let (_, v) = app
        .get("/api/v1/cases?credit_code=91350100M000100Y43", Some(&clerk))
        .await;
    assert_eq!(v["total"], 1, "{v}");
    let (_, v) = app
        .get(&format!("/api/v1/progress/{org_no}?last_six=100Y43"), None)
        .await;
    assert_eq!(v["case_no"], org_no.as_str(), "{v}");
    let (s, _) = app
        .get(&format!("/api/v1/progress/{org_no}?last_six=31002X"), None)
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);

    let passport = json!({ "item_code": ITEM, "channel": "window",
        "applicant": { "kind": "person", "name": "John Smith", "id_type": "passport",
            "id_number": "e12345678", "phone": "13900001111" } });
    let (s, v) = app.post("/api/v1/cases", Some(&clerk), passport).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    assert_eq!(v["applicant"]["id_type"], "passport");
    let masked = v["applicant"]["id_number"].as_str().unwrap();
    assert!(
        !masked.contains("12345678") && masked.ends_with("5678"),
        "{masked}"
    );
    let (_, v) = app
        .get("/api/v1/cases?id_number=E12345678", Some(&clerk))
        .await;
    assert_eq!(v["total"], 1, "{v}");
    let bad = json!({ "item_code": ITEM, "channel": "window",
        "applicant": { "kind": "person", "name": "某", "id_type": "visa",
            "id_number": "E12345678", "phone": crate::common::PHONE } });
    let (s, v) = app.post("/api/v1/cases", Some(&clerk), bad).await;
    assert_invalid(s, &v, "applicant.id_type");
    let no_id = json!({ "item_code": ITEM, "channel": "window",
        "applicant": { "kind": "person", "name": "某", "phone": crate::common::PHONE } });
    let (s, v) = app.post("/api/v1/cases", Some(&clerk), no_id).await;
    assert_invalid(s, &v, "applicant.id_number");
}
both!(organisation_and_passport_applicants);

// Decisions and results ───────────────────────────────────────────────────────────

async fn decisions_and_results(db: Db) {
    let app = TestApp::spawn(db).await;
    let clerk = app.token("clerk.sj").await;
    let approver = app.token("approver.sj").await;

    // 办结 with the number of the licence issued.
    let no = case_no(&app.apply("clerk.sj", ITEM, "window").await);
    let (s, v) = app.act(&approver, &no, "approve", None).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert!(v["decided_at"].is_string(), "{v}");
    let (s, v) = app
        .post(
            &format!("/api/v1/cases/{no}/actions"),
            Some(&clerk),
            json!({ "action": "close", "document_no": "JY13205830001234" }),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["document_no"], "JY13205830001234");
    assert!(v["closed_at"].is_string());

    // 不予许可 with its reason.
    let no = case_no(&app.apply("clerk.sj", ITEM, "window").await);
    let (s, v) = app
        .act(&approver, &no, "reject", Some("经营场所不符合食品安全要求"))
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["status"], "rejected");
    assert_eq!(v["status_label"], "不予许可");
    assert_eq!(v["reason"], "经营场所不符合食品安全要求");
    assert!(v["closed_at"].is_string(), "{v}");
    let (s, _) = app
        .post(
            &format!("/api/v1/cases/{no}/rating"),
            None,
            json!({ "level": 3, "last_six": "31002X" }),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "a rejected case can be rated");

    // 不予受理 of an online application, with its reason.
    let no = case_no(&app.apply("clerk.sj", ITEM, "online").await);
    let (s, v) = app.act(&clerk, &no, "refuse", None).await;
    assert_invalid(s, &v, "note");
    let (s, v) = app
        .act(&clerk, &no, "refuse", Some("不属于本机关职权范围"))
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["status"], "refused");
    assert_eq!(v["reason"], "不属于本机关职权范围");
    assert!(v["accepted_at"].is_null(), "{v}");

    // Withdrawn before acceptance; a withdrawn case is rated like any that ended.
    let no = case_no(&app.apply("clerk.sj", ITEM, "online").await);
    let (s, v) = app.act(&clerk, &no, "withdraw", None).await;
    assert_invalid(s, &v, "note");
    let (s, v) = app
        .act(&clerk, &no, "withdraw", Some("申请人书面申请撤回"))
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["status"], "withdrawn");
    let (s, _) = app
        .post(
            &format!("/api/v1/cases/{no}/rating"),
            None,
            json!({ "level": 5, "last_six": "31002X" }),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED);

    // Every event records who, when, where and what.
    let (_, v) = app.get(&format!("/api/v1/cases/{no}"), Some(&clerk)).await;
    for e in v["events"].as_array().unwrap() {
        assert!(e["at"].is_string() && e["action_label"].is_string(), "{e}");
        assert!(e["actor"].as_str().unwrap().contains("clerk.sj"), "{e}");
        assert_eq!(e["point"], "政务服务中心", "{e}");
    }

    // Lists filter by status.
    let (_, v) = app.get("/api/v1/cases?status=refused", Some(&clerk)).await;
    assert_eq!(v["total"], 1, "{v}");
    let (_, v) = app.get("/api/v1/cases?status=closed", Some(&clerk)).await;
    assert_eq!(v["total"], 1, "{v}");
}
both!(decisions_and_results);

// The public contract ──────────────────────────────────────────────────────────────

async fn openapi_lists_the_contract(db: Db) {
    let app = TestApp::spawn(db).await;
    let (s, v) = app.get("/api/openapi.json", None).await;
    assert_eq!(s, StatusCode::OK);
    for (path, method) in [
        ("/api/v1/auth/token", "post"),
        ("/api/v1/departments", "get"),
        ("/api/v1/points", "get"),
        ("/api/v1/items", "get"),
        ("/api/v1/items/{code}", "get"),
        ("/api/v1/cases", "post"),
        ("/api/v1/cases/{case_no}", "get"),
        ("/api/v1/cases/{case_no}/actions", "post"),
        ("/api/v1/cases/{case_no}/rating", "post"),
        ("/api/v1/calendar/deadline", "get"),
        ("/api/v1/codes/uscc/{code}", "get"),
        ("/api/v1/codes/id/{number}", "get"),
    ] {
        assert!(
            v["paths"][path][method].is_object(),
            "{method} {path} missing"
        );
    }
    // Every path parameter is declared in every operation of its path (schemathesis,
    // run by scripts/openapi-check.sh, fails on any that is not).
    for (path, ops) in v["paths"].as_object().unwrap() {
        let names: Vec<&str> = path
            .split('/')
            .filter_map(|s| s.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
            .collect();
        for (method, op) in ops.as_object().unwrap() {
            for name in &names {
                let declared = op["parameters"].as_array().is_some_and(|ps| {
                    ps.iter()
                        .any(|p| p["in"] == "path" && p["name"] == *name && p["required"] == true)
                });
                assert!(declared, "{method} {path}: {{{name}}} not declared");
            }
        }
    }
    // Every documented GET path without parameters answers (not 404 / 405).
    let t = app.token("admin").await;
    for (path, ops) in v["paths"].as_object().unwrap() {
        if path.contains('{') || ops.get("get").is_none() {
            continue;
        }
        let (s, body) = app.get(path, Some(&t)).await;
        assert!(
            s != StatusCode::NOT_FOUND
                && s != StatusCode::METHOD_NOT_ALLOWED
                && !s.is_server_error(),
            "GET {path}: {s} {body}"
        );
    }
}
both!(openapi_lists_the_contract);

// Lockout under parallel guessing ──────────────────────────────────────────────────

/// Five wrong passwords sent at once still lock the account: the failure count must
/// not lose increments to concurrent logins. Eight accounts are attacked at once to
/// make a lost update likely to show.
async fn lockout_counts_parallel_failures(db: Db) {
    let app = std::sync::Arc::new(TestApp::spawn(db).await);
    let users = [
        "clerk.jt",
        "unit.jt",
        "hotline",
        "approver.jt",
        "town.bc",
        "clerk.zh",
        "supervisor",
        "head.sj",
    ];
    let mut tasks = vec![];
    for u in users {
        for i in 0..5 {
            let app = app.clone();
            tasks.push(tokio::spawn(async move {
                app.login(u, &format!("guess-number-{i}")).await
            }));
        }
    }
    for t in tasks {
        let (s, v) = t.await.unwrap();
        assert_eq!(s, StatusCode::UNAUTHORIZED, "{v}");
    }
    let mut unlocked = vec![];
    for u in users {
        let (s, _) = app.login(u, crate::common::PASSWORD).await;
        if s != StatusCode::LOCKED {
            unlocked.push(u);
        }
    }
    assert!(
        unlocked.is_empty(),
        "five parallel failures did not lock {unlocked:?}"
    );
}
both!(lockout_counts_parallel_failures);

// Racing writers ──────────────────────────────────────────────────────────────────

/// Sends each request `n` times, all at once; the status codes per request, sorted.
async fn race(
    app: &std::sync::Arc<TestApp>,
    n: usize,
    token: &str,
    requests: Vec<(String, Value)>,
) -> Vec<Vec<StatusCode>> {
    let mut tasks = vec![];
    for (path, body) in &requests {
        let mut one = vec![];
        for _ in 0..n {
            let (app, path, token, body) =
                (app.clone(), path.clone(), token.to_string(), body.clone());
            one.push(tokio::spawn(async move {
                app.post(&path, Some(&token), body).await
            }));
        }
        tasks.push(one);
    }
    let mut out = vec![];
    for one in tasks {
        let mut got = vec![];
        for t in one {
            let (s, v) = t.await.unwrap();
            assert!(!s.is_server_error(), "{s}: {v}");
            got.push(s);
        }
        got.sort();
        out.push(got);
    }
    out
}

fn once(n: usize) -> Vec<StatusCode> {
    let mut v = vec![StatusCode::OK];
    v.extend(std::iter::repeat_n(StatusCode::CONFLICT, n - 1));
    v
}

/// An extension leaves the status as it was, so an optimistic status check cannot
/// catch a concurrent one: sent several times at once, it must still happen once.
async fn racing_extensions_apply_once(db: Db) {
    let app = std::sync::Arc::new(TestApp::spawn(db).await);
    let head = app.token("head.sj").await;
    let mut nos = vec![];
    for _ in 0..4 {
        nos.push(case_no(&app.apply("clerk.sj", ITEM, "window").await));
    }
    let got = race(
        &app,
        5,
        &head,
        nos.iter()
            .map(|no| {
                (
                    format!("/api/v1/cases/{no}/actions"),
                    json!({ "action": "extend", "note": "需现场核查" }),
                )
            })
            .collect(),
    )
    .await;
    for (no, got) in nos.iter().zip(&got) {
        let (_, v) = app.get(&format!("/api/v1/cases/{no}"), Some(&head)).await;
        let extends = v["events"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["action"] == "extend")
            .count();
        assert_eq!(extends, 1, "{no} extended {extends} times: {got:?}");
        assert_eq!(*got, once(5), "{no}");
    }
}
both!(racing_extensions_apply_once);

/// New versions of an item written at once get distinct numbers or a clear 409,
/// never a 500.
async fn racing_versions_get_clear_answers(db: Db) {
    let app = std::sync::Arc::new(TestApp::spawn(db).await);
    let admin = app.token("admin").await;
    let future = day(today() + chrono::Duration::days(40));
    let mut requests = vec![];
    for code in [ITEM, INSTANT, DELEGATED, SUSPENDED] {
        let (_, item) = app.get(&format!("/api/v1/items/{code}"), None).await;
        requests.push((
            format!("/api/v1/items/{code}/versions"),
            json!({ "content": item["content"], "effective_from": future, "change_note": "并发" }),
        ));
    }
    for got in race(&app, 4, &admin, requests).await {
        assert!(
            got.iter()
                .all(|s| *s == StatusCode::OK || *s == StatusCode::CONFLICT),
            "{got:?}"
        );
        assert!(got.contains(&StatusCode::OK), "{got:?}");
    }
}
both!(racing_versions_get_clear_answers);

/// A version published from several sessions at once is published once.
async fn racing_publish_once(db: Db) {
    let app = std::sync::Arc::new(TestApp::spawn(db).await);
    let admin = app.token("admin").await;
    let future = day(today() + chrono::Duration::days(40));
    let codes = [ITEM, INSTANT, DELEGATED, SUSPENDED];
    for code in codes {
        let (_, item) = app.get(&format!("/api/v1/items/{code}"), None).await;
        let (s, v) = app
            .post(
                &format!("/api/v1/items/{code}/versions"),
                Some(&admin),
                json!({ "content": item["content"], "effective_from": future, "change_note": "复核" }),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{v}");
    }
    let got = race(
        &app,
        8,
        &admin,
        codes
            .iter()
            .map(|c| (format!("/api/v1/items/{c}/versions/2/publish"), json!({})))
            .collect(),
    )
    .await;
    let mut conn = app.store.reader().await.unwrap();
    for (code, got) in codes.iter().zip(&got) {
        let publishes: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM audit_log WHERE action = 'item.publish' AND entity_key = $1",
        )
        .bind(*code)
        .fetch_one(&mut *conn)
        .await
        .unwrap();
        assert_eq!(publishes, 1, "{code} published {publishes} times: {got:?}");
        assert_eq!(*got, once(8), "{code}");
    }
}
both!(racing_publish_once);

/// Every response names its request, so a user's report can be found in the log;
/// an id a proxy set is kept.
async fn request_ids(db: Db) {
    let app = TestApp::spawn(db).await;
    let r = app
        .client
        .get(format!("{}/healthz", app.base))
        .send()
        .await
        .unwrap();
    let id = r.headers()["x-request-id"].to_str().unwrap().to_string();
    assert_eq!(id.len(), 36, "{id}");
    let r = app
        .client
        .get(format!("{}/items", app.base))
        .header("x-request-id", "proxy-7f3a")
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["x-request-id"], "proxy-7f3a");
    let other = app
        .client
        .get(format!("{}/healthz", app.base))
        .send()
        .await
        .unwrap();
    assert_ne!(other.headers()["x-request-id"].to_str().unwrap(), id);
}
both!(request_ids);

/// An application with several faults names every one of them at once, on the API
/// and on the counter's form, and writes nothing.
async fn application_faults_all_at_once(db: Db) {
    let app = TestApp::spawn(db).await;
    let clerk = app.token("clerk.sj").await;
    let (s, v) = app
        .post(
            "/api/v1/cases",
            Some(&clerk),
            serde_json::json!({
                "item_code": " ",
                "channel": "fax",
                "applicant": { "kind": "person", "name": "", "id_number": "110105194912310021", "phone": "123" }
            }),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    let fields: Vec<&str> = v["error"]["errors"]
        .as_array()
        .expect("errors listed")
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(
        fields,
        [
            "item_code",
            "channel",
            "applicant.name",
            "applicant.phone",
            "applicant.id_number"
        ],
        "{v}"
    );
    assert_eq!(v["error"]["field"], "item_code");
    let (_, list) = app.get("/api/v1/cases", Some(&clerk)).await;
    assert_eq!(list["total"], 0, "{list}");
    // One fault stays one error, without a list.
    let (s, v) = app
        .post(
            "/api/v1/cases",
            Some(&clerk),
            serde_json::json!({
                "item_code": crate::common::ITEM,
                "channel": "window",
                "applicant": { "kind": "person", "name": "张三", "id_number": crate::common::ID_NUMBER, "phone": "123" }
            }),
        )
        .await;
    crate::common::assert_invalid(s, &v, "applicant.phone");
    assert!(v["error"].get("errors").is_none(), "{v}");
}
both!(application_faults_all_at_once);

/// GB 11643 as residence permits use it, and GB 32100's table of divisions and
/// entity types, at the window.
async fn identity_codes_at_the_window(db: Db) {
    use tongban_domain::codes::{credit_check_char, id_check_char, organisation_check_char};
    let app = TestApp::spawn(db).await;
    let clerk = app.token("clerk.sj").await;
    let mut permit = "83000019900101123".to_string();
    permit.push(id_check_char(&permit).unwrap());
    let (s, v) = app
        .post(
            "/api/v1/cases",
            Some(&clerk),
            serde_json::json!({
                "item_code": crate::common::ITEM, "channel": "window",
                "applicant": { "kind": "person", "name": "陈台生", "id_type": "hmt_residence_permit",
                               "id_number": permit, "phone": "13812345678" }
            }),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    assert_eq!(v["applicant"]["id_type"], "hmt_residence_permit");
    assert_ne!(v["applicant"]["id_number"], permit.as_str(), "masked: {v}");
    // A resident ID number is no residence permit.
    let (s, v) = app
        .post(
            "/api/v1/cases",
            Some(&clerk),
            serde_json::json!({
                "item_code": crate::common::ITEM, "channel": "window",
                "applicant": { "kind": "person", "name": "张三", "id_type": "hmt_residence_permit",
                               "id_number": crate::common::ID_NUMBER, "phone": "13812345678" }
            }),
        )
        .await;
    crate::common::assert_invalid(s, &v, "applicant.id_number");
    for (head, div) in [
        ("91", "990000"),
        ("91", "000000"),
        ("1Y", "320583"),
        ("55", "320583"),
    ] {
        let mut code = format!("{head}{div}MA1MXK2P");
        code.push(organisation_check_char("MA1MXK2P").unwrap());
        code.push(credit_check_char(&code).unwrap());
        let (s, v) = app
            .post(
                "/api/v1/cases",
                Some(&clerk),
                serde_json::json!({
                    "item_code": crate::common::ITEM, "channel": "window",
                    "applicant": { "kind": "organisation", "name": "某某公司", "credit_code": code,
                                   "phone": "13812345678" }
                }),
            )
            .await;
        crate::common::assert_invalid(s, &v, "applicant.credit_code");
    }
}
both!(identity_codes_at_the_window);

/// Art. 42 and Art. 26 as the law has them: ten days only for the general limit of
/// twenty working days, fifteen for joint handling, another law's days as configured
/// on the item, and nothing for a limit of ten days or none at all.
async fn extensions_by_the_law(db: Db) {
    use tongban_domain::TimeUnit;
    use tongban_domain::catalog::{ExtensionRule, ItemStatus, OnlineDepth, TimeLimit};
    let app = TestApp::spawn(db).await;
    let head = app.token("head.sj").await;
    let limit = |days| TimeLimit {
        days,
        unit: TimeUnit::Working,
    };
    let items = [
        ("SJ-TEN-DAYS-0001", 10, false, None, None),
        ("SJ-NO-LIMIT-0001", 0, false, None, None),
        ("SJ-JOINT-0001", 45, true, None, Some(15)),
        ("SJ-OWN-LAW-0001", 30, false, Some(25), Some(25)),
    ];
    for (code, days, joint, rule, _) in items {
        let mut c =
            crate::common::content(code, false, ItemStatus::InUse, vec![], OnlineDepth::Offline);
        c.statutory = limit(days);
        c.promised = limit(days.min(5));
        c.joint_handling = joint;
        c.extension = rule.map(|days| ExtensionRule {
            days,
            legal_basis: "《某某管理条例》第二十条".into(),
        });
        tongban_store::catalog::create_item(
            &app.store,
            code,
            "SJ",
            None,
            c,
            chrono::NaiveDate::from_ymd_opt(2020, 1, 1).unwrap(),
            &tongban_store::audit::Actor::system("test"),
        )
        .await
        .expect("item");
        tongban_store::catalog::publish(
            &app.store,
            code,
            1,
            chrono::NaiveDate::from_ymd_opt(2019, 12, 1).unwrap(),
            &tongban_store::audit::Actor::system("test"),
        )
        .await
        .expect("published");
    }
    for (code, _, _, _, allowed) in items {
        let case = app.apply("clerk.sj", code, "window").await;
        let no = case["case_no"].as_str().unwrap();
        let (s, v) = app.act(&head, no, "extend", Some("需现场核查")).await;
        match allowed {
            Some(days) => {
                assert_eq!(s, StatusCode::OK, "{code}: {v}");
                assert_eq!(v["extension_days"], days, "{code}: {v}");
            }
            None => {
                assert_eq!(s, StatusCode::CONFLICT, "{code}: {v}");
                let m = v["error"]["message"].as_str().unwrap();
                assert!(m.contains("延期"), "{m}");
                let (_, v) = app.get(&format!("/api/v1/cases/{no}"), Some(&head)).await;
                assert_eq!(v["extension_days"], 0, "{code}: {v}");
            }
        }
    }
}
both!(extensions_by_the_law);

/// A withdrawal is the applicant's written request, taken at the window with its
/// reason; one made after the promised date keeps the lateness on record, listed for
/// supervisors.
async fn withdrawals_keep_lateness(db: Db) {
    let app = TestApp::spawn(db).await;
    let clerk = app.token("clerk.sj").await;
    let supervisor = app.token("supervisor").await;
    let case = app.apply("clerk.sj", crate::common::ITEM, "window").await;
    let no = case["case_no"].as_str().unwrap().to_string();
    let n = app
        .exec(&format!(
            "UPDATE cases SET promised_deadline = '2020-01-06' WHERE case_no = '{no}'"
        ))
        .await;
    assert_eq!(n, 1);
    let (s, v) = app
        .act(
            &clerk,
            &no,
            "withdraw",
            Some("申请人书面申请撤回：经营地址变更"),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let note = v["events"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["action"] == "withdraw")
        .and_then(|e| e["note"].as_str())
        .unwrap()
        .to_string();
    assert!(
        note.contains("撤回时已超过承诺办结期限2020-01-06"),
        "{note}"
    );
    let (s, list) = app
        .get("/api/v1/cases?due=withdrawn_overdue", Some(&supervisor))
        .await;
    assert_eq!(s, StatusCode::OK, "{list}");
    assert_eq!(list["total"], 1, "{list}");
    // One withdrawn in time is not listed.
    let other = app.apply("clerk.sj", crate::common::ITEM, "window").await;
    let other = other["case_no"].as_str().unwrap().to_string();
    let (s, _) = app
        .act(&clerk, &other, "withdraw", Some("申请人书面申请撤回"))
        .await;
    assert_eq!(s, StatusCode::OK);
    let (_, list) = app
        .get("/api/v1/cases?due=withdrawn_overdue", Some(&supervisor))
        .await;
    assert_eq!(list["total"], 1, "{list}");
    // The supervision page lists it.
    let mut b = crate::common::Browser::new(&app);
    b.staff_login("supervisor").await;
    let (_, _, page) = b.get("/supervision").await;
    assert!(
        page.contains("超期后撤回的办件（1 件）") && page.contains(&no),
        "{page}"
    );
}
both!(withdrawals_keep_lateness);

/// The applicant rates within the window after the end, not for ever after.
async fn rating_window(db: Db) {
    let app = TestApp::spawn(db).await;
    // Ended forty days ago: past the rating window.
    let old = crate::common::closed_case(&app, "clerk.sj", "approver.sj", ITEM).await;
    let ended = (chrono::Utc::now() - chrono::Duration::days(40))
        .format("%Y-%m-%dT%H:%M:%S%.3fZ")
        .to_string();
    app.exec(&format!(
        "UPDATE cases SET closed_at = '{ended}' WHERE case_no = '{old}'"
    ))
    .await;
    let (s, v) = app
        .post(
            &format!("/api/v1/cases/{old}/rating"),
            None,
            json!({ "level": 5, "last_six": "31002X" }),
        )
        .await;
    assert_eq!(s, StatusCode::CONFLICT, "{v}");
    assert!(
        v["error"]["message"]
            .as_str()
            .unwrap()
            .contains("评价期已过"),
        "{v}"
    );
}
both!(rating_window);
