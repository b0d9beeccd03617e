//! 12345 hotline on both backends: work orders through the closed loop by the API
//! (agent dispatches, member unit signs and replies, agent closes with a callback),
//! direct answers, return and reassignment, invalid transitions, scoping to the
//! unit, and the Open311 GeoReport v2 endpoint in JSON and XML.

use crate::common::{Db, PHONE, TestApp, assert_invalid, error_of, has_chinese};
use reqwest::StatusCode;
use serde_json::{Value, json};
use tongban_domain::hotline::Category;
use tongban_domain::org::Role;
use tongban_store::audit::Actor;
use tongban_store::hotline::{NewService, insert_services};
use tongban_store::org::{NewUser, create_user};

/// Services of the fixture (油烟 to SJ, 道路 to JT) and a second unit handler.
async fn setup(app: &TestApp) {
    let mut tx = app.store.begin().await.unwrap();
    insert_services(
        &mut tx,
        &[
            NewService {
                code: "youyan",
                name: "油烟扰民",
                description: "餐饮油烟直排 <扰民> & 异味",
                group: "环境保护",
                keywords: "油烟,餐饮",
                category: Category::Complaint,
                unit: Some("SJ"),
            },
            NewService {
                code: "daolu",
                name: "道路破损",
                description: "道路坑洼、井盖缺失",
                group: "市政设施",
                keywords: "道路",
                category: Category::Help,
                unit: Some("JT"),
            },
        ],
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    create_user(
        &app.store,
        &NewUser {
            username: "unit.sj",
            display_name: "市监处办员",
            role: Role::UnitHandler,
            department: Some("SJ"),
            point: None,
            password: crate::common::PASSWORD,
        },
        &Actor::system("test"),
    )
    .await
    .unwrap();
}

fn order(unit: Option<&str>) -> Value {
    let mut v = json!({
        "channel": "phone",
        "category": "complaint",
        "caller_name": "王芳",
        "phone": PHONE,
        "address": "前进西路88号",
        "lat": 31.385,
        "long": 120.98,
        "content": "楼下烧烤店油烟直排，影响居民生活。",
        "service_code": "youyan"
    });
    if let Some(u) = unit {
        v["unit"] = json!(u);
    }
    v
}

async fn act(app: &TestApp, t: &str, no: &str, body: Value) -> (StatusCode, Value) {
    app.post(&format!("/api/v1/work-orders/{no}/actions"), Some(t), body)
        .await
}

async fn counts(app: &TestApp) -> (i64, i64, i64) {
    (
        app.count("work_orders").await,
        app.count("work_order_events").await,
        app.count("audit_log").await,
    )
}

async fn closed_loop(db: Db) {
    let app = TestApp::spawn(db).await;
    setup(&app).await;
    let agent = app.token("hotline").await;
    let unit = app.token("unit.jt").await;

    let (s, v) = app
        .post("/api/v1/work-orders", Some(&agent), order(Some("JT")))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let no = v["order_no"].as_str().unwrap().to_string();
    assert!(no.starts_with("12345-") && no.len() == 20, "{no}");
    assert_eq!(v["status"], "dispatched");
    assert_eq!(v["category_label"], "投诉");
    assert_eq!(v["unit"]["code"], "JT");
    assert_eq!(v["phone_masked"], "138****5678");
    assert!(v["deadline"].as_str().unwrap().len() == 10, "{v}");
    assert!(!v.to_string().contains(PHONE), "phone never shown in full");
    // The phone is stored encrypted.
    let mut c = app.store.reader().await.unwrap();
    let enc: String = sqlx::query_scalar("SELECT phone_enc FROM work_orders")
        .fetch_one(&mut *c)
        .await
        .unwrap();
    drop(c);
    assert!(!enc.contains(PHONE));
    assert_eq!(app.store.keys().decrypt(&enc).unwrap(), PHONE);

    let (s, v) = act(&app, &unit, &no, json!({ "action": "sign" })).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["status"], "signed");
    let (s, v) = act(
        &app,
        &unit,
        &no,
        json!({ "action": "request_extension", "note": "需协调多部门" }),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["extension_pending"], true);
    let before = v["deadline"].as_str().unwrap().to_string();
    let (s, v) = act(&app, &agent, &no, json!({ "action": "approve_extension" })).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert!(v["deadline"].as_str().unwrap() > before.as_str(), "{v}");
    let (s, v) = act(&app, &agent, &no, json!({ "action": "urge" })).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let (s, v) = act(
        &app,
        &unit,
        &no,
        json!({ "action": "reply", "note": "已现场处理，责令整改" }),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["status"], "replied");
    assert_eq!(v["reply"], "已现场处理，责令整改");
    let (s, v) = act(
        &app,
        &agent,
        &no,
        json!({ "action": "close", "level": 5, "note": "来电人表示满意" }),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["status"], "closed");
    assert_eq!(v["callback_level"], 5);
    assert!(v["closed_at"].is_string());
    let actions: Vec<&str> = v["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        [
            "accept",
            "dispatch",
            "sign",
            "request_extension",
            "approve_extension",
            "urge",
            "reply",
            "close"
        ]
    );
    // A second callback is refused; the supervisor may flag a faulty order.
    let (s, v) = act(
        &app,
        &agent,
        &no,
        json!({ "action": "callback", "level": 4 }),
    )
    .await;
    assert_eq!(s, StatusCode::CONFLICT, "{v}");
    let sup = app.token("supervisor").await;
    let (s, v) = act(
        &app,
        &sup,
        &no,
        json!({ "action": "mark_faulty", "note": "分类错误" }),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["faulty"], true);
    // The audit chain holds every write.
    let out = app.cli(&["audit", "verify", "--db", &app.db_url]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
both!(closed_loop);

async fn direct_answer_and_lists(db: Db) {
    let app = TestApp::spawn(db).await;
    setup(&app).await;
    let agent = app.token("hotline").await;
    let mut b = order(None);
    b["category"] = json!("consultation");
    b["answer"] = json!("已告知办理条件和所需材料");
    let (s, v) = app.post("/api/v1/work-orders", Some(&agent), b).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    assert_eq!(v["status"], "closed");
    assert_eq!(v["direct_answer"], true);
    assert!(v["unit"].is_null());
    let (s, v) = app
        .post("/api/v1/work-orders", Some(&agent), order(Some("SJ")))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    // Both answer and unit: refused.
    let mut b = order(Some("SJ"));
    b["answer"] = json!("x");
    let (s, v) = app.post("/api/v1/work-orders", Some(&agent), b).await;
    assert_invalid(s, &v, "unit");

    let (s, v) = app.get("/api/v1/work-orders", Some(&agent)).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["total"], 2);
    let (s, v) = app
        .get(
            "/api/v1/work-orders?status=closed&category=consultation",
            Some(&agent),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["total"], 1);
    let (s, v) = app.get("/api/v1/work-orders?unit=SJ", Some(&agent)).await;
    assert_eq!(v["total"], 1, "{s} {v}");
    let (s, v) = app
        .get("/api/v1/work-orders?status=bogus", Some(&agent))
        .await;
    assert_invalid(s, &v, "status");
    let (s, v) = app.get("/api/v1/work-orders?page=x", Some(&agent)).await;
    assert_invalid(s, &v, "page");
    // A page number past any list is refused, not an overflow.
    let (s, v) = app
        .get("/api/v1/work-orders?page=9223372036854775807", Some(&agent))
        .await;
    assert_invalid(s, &v, "page");
    // Window clerks have no business with the hotline.
    let clerk = app.token("clerk.sj").await;
    let (s, _) = app.get("/api/v1/work-orders", Some(&clerk)).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, _) = app.get("/api/v1/work-orders", None).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
}
both!(direct_answer_and_lists);

async fn return_reassign_and_scope(db: Db) {
    let app = TestApp::spawn(db).await;
    setup(&app).await;
    let agent = app.token("hotline").await;
    let jt = app.token("unit.jt").await;
    let sj = app.token("unit.sj").await;
    let (_, v) = app
        .post("/api/v1/work-orders", Some(&agent), order(Some("JT")))
        .await;
    let no = v["order_no"].as_str().unwrap().to_string();

    // Another unit's handler neither sees nor acts on it.
    let (s, v) = app
        .get(&format!("/api/v1/work-orders/{no}"), Some(&sj))
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND, "{v}");
    assert!(has_chinese(error_of(&v)["message"].as_str().unwrap()));
    let (s, _) = act(&app, &sj, &no, json!({ "action": "sign" })).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (_, v) = app.get("/api/v1/work-orders", Some(&sj)).await;
    assert_eq!(v["total"], 0, "{v}");
    let (_, v) = app.get("/api/v1/work-orders", Some(&jt)).await;
    assert_eq!(v["total"], 1, "{v}");

    // Return needs a reason; then the center reassigns to another unit.
    let (s, v) = act(&app, &jt, &no, json!({ "action": "return" })).await;
    assert_invalid(s, &v, "note");
    let (s, v) = act(
        &app,
        &jt,
        &no,
        json!({ "action": "return", "note": "油烟问题不属本单位职责" }),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["status"], "returned");
    let (s, v) = act(
        &app,
        &agent,
        &no,
        json!({ "action": "dispatch", "unit": "JT" }),
    )
    .await;
    assert_invalid(s, &v, "unit");
    let (s, v) = act(
        &app,
        &agent,
        &no,
        json!({ "action": "dispatch", "unit": "SJ" }),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["status"], "dispatched");
    assert_eq!(v["unit"]["code"], "SJ");
    let (s, _) = app
        .get(&format!("/api/v1/work-orders/{no}"), Some(&jt))
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND, "the old unit loses it");
    let (s, v) = act(&app, &sj, &no, json!({ "action": "sign" })).await;
    assert_eq!(s, StatusCode::OK, "{v}");

    // Invalid transitions: 409 and nothing written.
    let before = counts(&app).await;
    let (s, v) = act(&app, &sj, &no, json!({ "action": "sign" })).await;
    assert_eq!(s, StatusCode::CONFLICT, "{v}");
    assert!(has_chinese(error_of(&v)["message"].as_str().unwrap()));
    let (s, v) = act(&app, &agent, &no, json!({ "action": "close" })).await;
    assert_eq!(s, StatusCode::CONFLICT, "{v}");
    let (s, v) = act(
        &app,
        &agent,
        &no,
        json!({ "action": "callback", "level": 3 }),
    )
    .await;
    assert_eq!(s, StatusCode::CONFLICT, "{v}");
    // Wrong role, unknown action, bad level, unknown order.
    let (s, _) = act(&app, &agent, &no, json!({ "action": "reply", "note": "x" })).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, v) = act(&app, &agent, &no, json!({ "action": "fly" })).await;
    assert_invalid(s, &v, "action");
    let (s, v) = act(&app, &agent, &no, json!({ "action": "urge", "level": 9 })).await;
    assert_invalid(s, &v, "level");
    let (s, _) = act(
        &app,
        &agent,
        "12345-20260101-99999",
        json!({ "action": "urge" }),
    )
    .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _) = app
        .get("/api/v1/work-orders/..%2F..%2Fetc", Some(&agent))
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    assert_eq!(counts(&app).await, before);

    // Merge a duplicate into the first order.
    let (_, v) = app
        .post("/api/v1/work-orders", Some(&agent), order(None))
        .await;
    let dup = v["order_no"].as_str().unwrap().to_string();
    assert_eq!(v["status"], "accepted");
    let (s, v) = act(&app, &agent, &dup, json!({ "action": "merge" })).await;
    assert_invalid(s, &v, "into");
    let (s, v) = act(&app, &agent, &dup, json!({ "action": "merge", "into": no })).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["status"], "merged");
    assert_eq!(v["merged_into"], no.as_str());
}
both!(return_reassign_and_scope);

async fn bad_intake(db: Db) {
    let app = TestApp::spawn(db).await;
    setup(&app).await;
    let agent = app.token("hotline").await;
    let unit = app.token("unit.jt").await;
    let before = counts(&app).await;
    let cases: Vec<(Value, &str)> = vec![
        (json!({ "content": "x" }), "category"),
        (json!({ "category": "anger", "content": "x" }), "category"),
        (json!({ "category": "help" }), "content"),
        (
            json!({ "category": "help", "content": "字".repeat(2001) }),
            "content",
        ),
        (
            json!({ "category": "help", "content": "x", "channel": "fax" }),
            "channel",
        ),
        (
            json!({ "category": "help", "content": "x", "phone": "12" }),
            "phone",
        ),
        (
            json!({ "category": "help", "content": "x", "lat": 99.0, "long": 1.0 }),
            "lat",
        ),
        (
            json!({ "category": "help", "content": "x", "lat": 31.0 }),
            "long",
        ),
        (
            json!({ "category": "help", "content": "x", "unit": "NOPE" }),
            "unit",
        ),
        (
            json!({ "category": "help", "content": "x", "service_code": "nope" }),
            "service_code",
        ),
        (
            json!({ "category": "help", "content": "x", "co_units": ["SJ"] }),
            "co_units",
        ),
    ];
    for (body, field) in cases {
        let (s, v) = app.post("/api/v1/work-orders", Some(&agent), body).await;
        assert_invalid(s, &v, field);
    }
    let (s, _) = app
        .post_raw(
            "/api/v1/work-orders",
            Some(&agent),
            Some("application/json"),
            b"{".to_vec(),
        )
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    // Only agents register orders.
    let (s, _) = app
        .post("/api/v1/work-orders", Some(&unit), order(Some("JT")))
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    assert_eq!(counts(&app).await, before, "nothing half-written");
}
both!(bad_intake);

// ---------------------------------------------------------------------------
// Open311

async fn get_text(app: &TestApp, path: &str) -> (StatusCode, String, String) {
    let r = app
        .client
        .get(format!("{}{path}", app.base))
        .send()
        .await
        .unwrap();
    let s = r.status();
    let ct = r
        .headers()
        .get(reqwest::header::CONTENT_TYPE)
        .map(|h| h.to_str().unwrap().to_string())
        .unwrap_or_default();
    (s, ct, r.text().await.unwrap())
}

async fn post_form(app: &TestApp, path: &str, form: &[(&str, &str)]) -> (StatusCode, String) {
    let r = app
        .client
        .post(format!("{}{path}", app.base))
        .form(form)
        .send()
        .await
        .unwrap();
    let s = r.status();
    (s, r.text().await.unwrap())
}

/// Names of the elements in an XML text, in order (a check of shape, not a parser).
fn element_names(xml: &str) -> Vec<String> {
    let mut out = vec![];
    let mut rest = xml;
    while let Some(i) = rest.find('<') {
        rest = &rest[i + 1..];
        if rest.starts_with('?') || rest.starts_with('/') {
            continue;
        }
        let end = rest.find(['>', ' ', '/']).unwrap();
        out.push(rest[..end].to_string());
    }
    out
}

/// The text of the first `<name>…</name>`.
fn xml_text<'a>(xml: &'a str, name: &str) -> Option<&'a str> {
    let open = format!("<{name}>");
    let close = format!("</{name}>");
    let a = xml.find(&open)? + open.len();
    let b = xml[a..].find(&close)? + a;
    Some(&xml[a..b])
}

const REQUEST_FIELDS: [&str; 17] = [
    "service_request_id",
    "status",
    "status_notes",
    "service_name",
    "service_code",
    "description",
    "agency_responsible",
    "service_notice",
    "requested_datetime",
    "updated_datetime",
    "expected_datetime",
    "address",
    "address_id",
    "zipcode",
    "lat",
    "long",
    "media_url",
];

fn key_of(app: &TestApp) -> String {
    let out = app.cli(&[
        "admin",
        "create-api-key",
        "--db",
        &app.db_url,
        "--name",
        "市城市管理平台",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let key = String::from_utf8(out.stdout).unwrap().trim().to_string();
    assert!(key.len() >= 32, "{key}");
    key
}

async fn open311_discovery_and_services(db: Db) {
    let app = TestApp::spawn(db).await;
    setup(&app).await;
    let (s, ct, body) = get_text(&app, "/open311/v2/discovery.json").await;
    assert_eq!(s, StatusCode::OK);
    assert!(ct.starts_with("application/json"), "{ct}");
    let v: Value = serde_json::from_str(&body).unwrap();
    for f in ["changeset", "contact", "key_service", "endpoints"] {
        assert!(v.get(f).is_some(), "{f}: {v}");
    }
    let ep = &v["endpoints"][0];
    assert_eq!(ep["specification"], "http://wiki.open311.org/GeoReport_v2");
    assert!(ep["url"].as_str().unwrap().ends_with("/open311/v2"));
    assert_eq!(ep["formats"], json!(["text/xml", "application/json"]));
    assert!(ep["changeset"].as_str().unwrap().ends_with("+08:00"));
    let (s, ct, xml) = get_text(&app, "/open311/v2/discovery.xml").await;
    assert_eq!(s, StatusCode::OK);
    assert!(ct.starts_with("text/xml"), "{ct}");
    let names = element_names(&xml);
    assert_eq!(names[0], "discovery");
    for n in [
        "changeset",
        "contact",
        "key_service",
        "endpoints",
        "endpoint",
        "specification",
        "url",
        "type",
        "formats",
        "format",
    ] {
        assert!(names.iter().any(|x| x == n), "{n} in {xml}");
    }

    let (s, _, body) = get_text(&app, "/open311/v2/services.json").await;
    assert_eq!(s, StatusCode::OK);
    let v: Value = serde_json::from_str(&body).unwrap();
    let first = &v[0];
    let mut keys: Vec<&str> = first
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort();
    assert_eq!(
        keys,
        [
            "description",
            "group",
            "keywords",
            "metadata",
            "service_code",
            "service_name",
            "type"
        ]
    );
    assert_eq!(first["service_code"], "youyan");
    assert_eq!(first["metadata"], false);
    assert_eq!(first["type"], "realtime");
    let (_, _, xml) = get_text(&app, "/open311/v2/services.xml").await;
    assert!(xml.starts_with("<?xml version=\"1.0\" encoding=\"utf-8\"?><services><service>"));
    // Text is escaped.
    assert!(
        xml.contains("餐饮油烟直排 &lt;扰民&gt; &amp; 异味"),
        "{xml}"
    );
    assert_eq!(
        element_names(&xml)[..9],
        [
            "services",
            "service",
            "service_code",
            "service_name",
            "description",
            "metadata",
            "type",
            "keywords",
            "group"
        ]
    );

    let (s, _, body) = get_text(&app, "/open311/v2/services/youyan.json").await;
    assert_eq!(s, StatusCode::OK);
    let v: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(v, json!({ "service_code": "youyan", "attributes": [] }));
    let (_, _, xml) = get_text(&app, "/open311/v2/services/youyan.xml").await;
    assert_eq!(
        element_names(&xml),
        ["service_definition", "service_code", "attributes"]
    );
    let (s, _, body) = get_text(&app, "/open311/v2/services/nope.json").await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let v: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(v[0]["code"], 404);
    assert!(has_chinese(v[0]["description"].as_str().unwrap()));
    let (s, _, _) = get_text(&app, "/open311/v2/services.txt").await;
    assert_eq!(s, StatusCode::NOT_FOUND);
}
both!(open311_discovery_and_services);

async fn open311_requests(db: Db) {
    let app = TestApp::spawn(db).await;
    setup(&app).await;
    let key = key_of(&app);
    assert_eq!(app.count("open311_keys").await, 1);
    // Only the hash is kept.
    let mut c = app.store.reader().await.unwrap();
    let stored: String = sqlx::query_scalar("SELECT key_hash FROM open311_keys")
        .fetch_one(&mut *c)
        .await
        .unwrap();
    drop(c);
    assert_ne!(stored, key);
    assert_eq!(stored.len(), 64);

    let (s, body) = post_form(
        &app,
        "/open311/v2/requests.json",
        &[
            ("api_key", key.as_str()),
            ("jurisdiction_id", "kunshan.gov.cn"),
            ("service_code", "daolu"),
            ("lat", "31.3852"),
            ("long", "120.9801"),
            ("address_string", "前进西路88号"),
            ("description", "路面塌陷，井盖缺失"),
            ("first_name", "芳"),
            ("last_name", "王"),
            ("phone", PHONE),
            ("email", "wang@example.com"),
            ("public", "true"),
        ],
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{body}");
    let v: Value = serde_json::from_str(&body).unwrap();
    let mut keys: Vec<&str> = v[0]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort();
    assert_eq!(keys, ["account_id", "service_notice", "service_request_id"]);
    let id = v[0]["service_request_id"].as_str().unwrap().to_string();

    // The request is an ordinary work order on the agent's list.
    let agent = app.token("hotline").await;
    let (s, o) = app
        .get(&format!("/api/v1/work-orders/{id}"), Some(&agent))
        .await;
    assert_eq!(s, StatusCode::OK, "{o}");
    assert_eq!(o["channel"], "open311");
    assert_eq!(o["status"], "accepted");
    assert_eq!(o["caller_name"], "王芳");
    assert_eq!(o["category"], "help");

    // XML POST by address only.
    let (s, xml) = post_form(
        &app,
        "/open311/v2/requests.xml",
        &[
            ("api_key", key.as_str()),
            ("service_code", "youyan"),
            ("address_string", "人民南路1号"),
            ("public", "1"),
        ],
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{xml}");
    assert_eq!(
        element_names(&xml),
        [
            "service_requests",
            "request",
            "service_request_id",
            "service_notice",
            "account_id"
        ]
    );
    let id2 = xml_text(&xml, "service_request_id").unwrap().to_string();

    // GET one, as JSON (a one-element list) and XML.
    let (s, _, body) = get_text(&app, &format!("/open311/v2/requests/{id}.json")).await;
    assert_eq!(s, StatusCode::OK, "{body}");
    let v: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(v.as_array().unwrap().len(), 1);
    let r = &v[0];
    let mut keys: Vec<&str> = r.as_object().unwrap().keys().map(String::as_str).collect();
    keys.sort();
    let mut want = REQUEST_FIELDS.to_vec();
    want.sort();
    assert_eq!(keys, want);
    assert_eq!(r["status"], "open");
    assert_eq!(r["service_code"], "daolu");
    assert_eq!(r["service_name"], "道路破损");
    assert_eq!(r["lat"], 31.385, "coordinates rounded to about 100 m");
    assert!(
        r["requested_datetime"]
            .as_str()
            .unwrap()
            .ends_with("+08:00"),
        "{r}"
    );
    assert!(chrono::DateTime::parse_from_rfc3339(r["updated_datetime"].as_str().unwrap()).is_ok());
    let (_, _, xml) = get_text(&app, &format!("/open311/v2/requests/{id}.xml")).await;
    let names = element_names(&xml);
    assert_eq!(names[..2], ["service_requests", "request"]);
    assert_eq!(names[2..], REQUEST_FIELDS);

    // Dispatch and close it: Open311 shows it closed with the reply.
    let unit = app.token("unit.jt").await;
    act(
        &app,
        &agent,
        &id,
        json!({ "action": "dispatch", "unit": "JT" }),
    )
    .await;
    act(&app, &unit, &id, json!({ "action": "sign" })).await;
    act(
        &app,
        &unit,
        &id,
        json!({ "action": "reply", "note": "已修复路面" }),
    )
    .await;
    let (s, v) = act(&app, &agent, &id, json!({ "action": "close" })).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let (_, _, body) = get_text(&app, &format!("/open311/v2/requests/{id}.json")).await;
    let v: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(v[0]["status"], "closed");
    assert_eq!(v[0]["status_notes"], "已修复路面");
    assert_eq!(v[0]["agency_responsible"], "市交通运输局");
    assert!(
        v[0]["expected_datetime"]
            .as_str()
            .unwrap()
            .ends_with("+08:00")
    );

    // Lists and filters.
    let list = |q: &str| {
        let app = &app;
        let q = q.to_string();
        async move {
            let (s, _, body) = get_text(app, &format!("/open311/v2/requests.json{q}")).await;
            assert_eq!(s, StatusCode::OK, "{q}: {body}");
            let v: Value = serde_json::from_str(&body).unwrap();
            v.as_array()
                .unwrap()
                .iter()
                .map(|r| r["service_request_id"].as_str().unwrap().to_string())
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(list("").await.len(), 2);
    assert_eq!(list("?status=open").await, [id2.as_str()]);
    assert_eq!(list("?status=closed").await, [id.as_str()]);
    assert_eq!(list("?service_code=youyan").await, [id2.as_str()]);
    assert_eq!(list("?jurisdiction_id=kunshan.gov.cn").await.len(), 2);
    // The id list overrides the other filters.
    assert_eq!(
        list(&format!("?service_request_id={id},{id2}&status=closed"))
            .await
            .len(),
        2
    );
    assert!(
        list("?start_date=2000-01-01T00:00:00%2B08:00&end_date=2000-02-01T00:00:00%2B08:00")
            .await
            .is_empty()
    );
    let (_, _, xml) = get_text(&app, "/open311/v2/requests.xml?status=open").await;
    assert_eq!(
        element_names(&xml)
            .iter()
            .filter(|n| *n == "request")
            .count(),
        1
    );
    // Orders taken by phone are not public.
    app.post("/api/v1/work-orders", Some(&agent), order(Some("SJ")))
        .await;
    assert_eq!(list("").await.len(), 2);

    let (s, _, body) = get_text(&app, "/open311/v2/requests.json?status=pending").await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{body}");
    let (s, _, _) = get_text(&app, "/open311/v2/requests.json?start_date=yesterday").await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    let (s, _, body) = get_text(&app, "/open311/v2/requests/12345-20260101-99999.json").await;
    assert_eq!(s, StatusCode::NOT_FOUND, "{body}");
    let v: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(v[0]["code"], 404);
}
both!(open311_requests);

async fn open311_bad_posts(db: Db) {
    let app = TestApp::spawn(db).await;
    setup(&app).await;
    let key = key_of(&app);
    let before = counts(&app).await;
    let long = "字".repeat(2001);
    type Case<'a> = (Vec<(&'a str, &'a str)>, StatusCode, &'a str);
    let cases: Vec<Case> = vec![
        (
            vec![("service_code", "youyan"), ("address_string", "x")],
            StatusCode::FORBIDDEN,
            "api_key",
        ),
        (
            vec![
                ("api_key", "wrong-key"),
                ("service_code", "youyan"),
                ("address_string", "x"),
            ],
            StatusCode::FORBIDDEN,
            "api_key",
        ),
        (
            vec![
                ("api_key", key.as_str()),
                ("service_code", "nope"),
                ("address_string", "x"),
            ],
            StatusCode::BAD_REQUEST,
            "service_code",
        ),
        (
            vec![("api_key", key.as_str()), ("address_string", "x")],
            StatusCode::BAD_REQUEST,
            "service_code",
        ),
        (
            vec![("api_key", key.as_str()), ("service_code", "youyan")],
            StatusCode::BAD_REQUEST,
            "位置",
        ),
        (
            vec![
                ("api_key", key.as_str()),
                ("service_code", "youyan"),
                ("lat", "31.3"),
            ],
            StatusCode::BAD_REQUEST,
            "long",
        ),
        (
            vec![
                ("api_key", key.as_str()),
                ("service_code", "youyan"),
                ("lat", "abc"),
                ("long", "120"),
            ],
            StatusCode::BAD_REQUEST,
            "lat",
        ),
        (
            vec![
                ("api_key", key.as_str()),
                ("service_code", "youyan"),
                ("address_string", "x"),
                ("description", long.as_str()),
            ],
            StatusCode::BAD_REQUEST,
            "description",
        ),
        (
            vec![
                ("api_key", key.as_str()),
                ("service_code", "youyan"),
                ("address_string", "x"),
                ("phone", "abc"),
            ],
            StatusCode::BAD_REQUEST,
            "phone",
        ),
    ];
    for (form, status, mention) in cases {
        let (s, body) = post_form(&app, "/open311/v2/requests.json", &form).await;
        assert_eq!(s, status, "{form:?}: {body}");
        let v: Value = serde_json::from_str(&body).unwrap();
        assert_eq!(v[0]["code"], status.as_u16(), "{body}");
        let d = v[0]["description"].as_str().unwrap();
        assert!(has_chinese(d) && d.contains(mention), "{mention}: {d}");
        // The same in XML.
        let (s, xml) = post_form(&app, "/open311/v2/requests.xml", &form).await;
        assert_eq!(s, status);
        assert_eq!(
            element_names(&xml),
            ["errors", "error", "code", "description"],
            "{xml}"
        );
    }
    // Not a form at all.
    let (s, body) = app
        .post_raw(
            "/open311/v2/requests.json",
            None,
            Some("application/json"),
            b"{}".to_vec(),
        )
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(counts(&app).await.0, before.0, "nothing half-written");
    assert_eq!(counts(&app).await.1, before.1);
}
both!(open311_bad_posts);

async fn cli_create_api_key(db: Db) {
    let app = TestApp::spawn(db).await;
    let out = app.cli(&[
        "admin",
        "create-api-key",
        "--db",
        &app.db_url,
        "--name",
        " ",
    ]);
    assert!(!out.status.success());
    assert!(has_chinese(&String::from_utf8_lossy(&out.stderr)));
    assert_eq!(app.count("open311_keys").await, 0);
    let k1 = key_of(&app);
    let k2 = key_of(&app);
    assert_ne!(k1, k2);
    assert_eq!(app.count("open311_keys").await, 2);
    assert!(
        tongban_store::hotline::check_api_key(&app.store, Some(&k1))
            .await
            .is_ok()
    );
    assert!(
        tongban_store::hotline::check_api_key(&app.store, Some("x"))
            .await
            .is_err()
    );
}
both!(cli_create_api_key);

// ---------------------------------------------------------------------------
// Work-order rules: configured time limits, emergencies, dispute review of returns,
// co-handling units.

async fn put(app: &TestApp, path: &str, token: &str, body: Value) -> (StatusCode, Value) {
    let resp = app
        .client
        .put(format!("{}{path}", app.base))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .unwrap();
    let s = resp.status();
    let text = resp.text().await.unwrap();
    (
        s,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

/// `n` working days after today by the store's calendar.
async fn working_days_from_today(app: &TestApp, n: u32) -> String {
    let cal = tongban_store::calendar::current(&app.store).await.unwrap();
    let (d, _) = tongban_domain::hotline::extend(&cal, crate::common::today(), n).unwrap();
    crate::common::day(d)
}

async fn configured_deadlines(db: Db) {
    let app = TestApp::spawn(db).await;
    setup(&app).await;
    let agent = app.token("hotline").await;
    let unit = app.token("unit.jt").await;
    let admin = app.token("admin").await;

    let (_, doc) = app.get("/api/openapi.json", None).await;
    assert!(doc["paths"]["/api/v1/hotline/deadlines"]["put"]["security"].is_array());
    let actions =
        doc["components"]["schemas"]["WorkOrderAction"]["properties"]["action"]["enum"].to_string();
    assert!(actions.contains("reject_return") && actions.contains("co_reply"));

    let (s, v) = app.get("/api/v1/hotline/deadlines", Some(&agent)).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(
        v,
        json!({ "consultation": 3, "help": 3, "complaint": 13, "report": 13,
                "suggestion": 13, "praise": 3, "extension": 5,
                "return_window": 2, "max_extensions": 1 })
    );
    let (s, _) = app.get("/api/v1/hotline/deadlines", None).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    let (_, v) = app
        .post("/api/v1/work-orders", Some(&agent), order(Some("JT")))
        .await;
    assert_eq!(v["deadline"], working_days_from_today(&app, 13).await);

    // Only administrators set them; bad values name the field; nothing is written.
    let before = app.count("audit_log").await;
    for t in [&agent, &unit] {
        let (s, v) = put(
            &app,
            "/api/v1/hotline/deadlines",
            t,
            json!({ "complaint": 5 }),
        )
        .await;
        crate::common::assert_error(s, &v, StatusCode::FORBIDDEN, "forbidden");
    }
    let bad: Vec<(Value, &str)> = vec![
        (json!({ "complaint": 0 }), "complaint"),
        (json!({ "help": 61 }), "help"),
        (json!({ "report": -3 }), "report"),
        (json!({ "praise": 2.5 }), "praise"),
        (json!({ "suggestion": "十" }), "suggestion"),
        (json!({ "consultation": null }), "consultation"),
        (json!({ "extension": 0 }), "extension"),
        (json!({ "complaint": 5, "help": 99 }), "help"),
        (json!({ "anger": 3 }), "deadlines"),
        (json!({}), "deadlines"),
    ];
    for (body, field) in bad {
        let (s, v) = put(&app, "/api/v1/hotline/deadlines", &admin, body.clone()).await;
        let m = assert_invalid(s, &v, field);
        assert!(m.contains("1至60") || field == "deadlines", "{body}: {m}");
    }
    let (s, v) = put(&app, "/api/v1/hotline/deadlines", &admin, json!([1])).await;
    assert_invalid(s, &v, "body");
    assert_eq!(app.count("audit_log").await, before);
    let (_, v) = app.get("/api/v1/hotline/deadlines", Some(&agent)).await;
    assert_eq!(v["complaint"], 13);

    let (s, v) = put(
        &app,
        "/api/v1/hotline/deadlines",
        &admin,
        json!({ "complaint": 5, "extension": "2" }),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["complaint"], 5);
    assert_eq!(v["extension"], 2);
    assert_eq!(v["help"], 3, "keys left out keep their days");
    assert_eq!(app.count("audit_log").await, before + 1);

    // A new dispatch uses the new days; so does an approved extension.
    let (_, v) = app
        .post("/api/v1/work-orders", Some(&agent), order(Some("JT")))
        .await;
    let no = v["order_no"].as_str().unwrap().to_string();
    let five = working_days_from_today(&app, 5).await;
    assert_eq!(v["deadline"], five.as_str());
    let (_, v) = act(&app, &unit, &no, json!({ "action": "sign" })).await;
    assert_eq!(v["status"], "signed");
    let (s, v) = act(
        &app,
        &unit,
        &no,
        json!({ "action": "request_extension", "note": "需协调" }),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let (s, v) = act(&app, &agent, &no, json!({ "action": "approve_extension" })).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["deadline"], working_days_from_today(&app, 7).await);
    // Reassignment too: an order left for dispatch.
    let (_, v) = app
        .post("/api/v1/work-orders", Some(&agent), order(None))
        .await;
    let later = v["order_no"].as_str().unwrap().to_string();
    let (_, v) = act(
        &app,
        &agent,
        &later,
        json!({ "action": "dispatch", "unit": "SJ" }),
    )
    .await;
    assert_eq!(v["deadline"], five.as_str());

    // An extension asked after the deadline is refused.
    app.exec(&format!(
        "UPDATE work_orders SET deadline = '2020-01-02', status = 'signed' WHERE order_no = '{later}'"
    ))
    .await;
    let sj = app.token("unit.sj").await;
    let (s, v) = act(
        &app,
        &sj,
        &later,
        json!({ "action": "request_extension", "note": "需协调" }),
    )
    .await;
    crate::common::assert_error(s, &v, StatusCode::CONFLICT, "conflict");
    assert!(
        error_of(&v)["message"]
            .as_str()
            .unwrap()
            .contains("2020-01-02")
    );

    // The administrator's page: the form, every field's error, the change saved.
    let mut b = crate::common::Browser::new(&app);
    b.staff_login("admin").await;
    let (s, _, page) = b.get("/admin/hotline/deadlines").await;
    assert_eq!(s, StatusCode::OK, "{page}");
    assert!(page.contains("12345工单办理时限") && page.contains("name=\"complaint\" value=\"5\""));
    let csrf = crate::common::hidden(&page, "csrf");
    let mut form = vec![
        ("csrf", csrf.as_str()),
        ("consultation", "3"),
        ("help", "0"),
        ("complaint", "abc"),
        ("report", "13"),
        ("suggestion", "13"),
        ("praise", "3"),
        ("extension", "5"),
        ("return_window", "2"),
        ("max_extensions", "1"),
    ];
    let (s, _, page) = b.post("/admin/hotline/deadlines", &form).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{page}");
    assert!(
        page.contains("error-summary") && page.contains("href=\"#help\""),
        "{page}"
    );
    assert!(page.contains("href=\"#complaint\"") && page.contains("value=\"abc\""));
    form[2] = ("help", "4");
    form[3] = ("complaint", "10");
    let (s, loc, _) = b.post("/admin/hotline/deadlines", &form).await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    assert_eq!(loc.as_deref(), Some("/admin/hotline/deadlines?saved=1"));
    let (_, v) = app.get("/api/v1/hotline/deadlines", Some(&agent)).await;
    assert_eq!(
        (v["help"].clone(), v["complaint"].clone()),
        (json!(4), json!(10))
    );
    // A forged form and a non-administrator are refused.
    form[0] = ("csrf", "forged-token-forged-token");
    let (s, _, _) = b.post("/admin/hotline/deadlines", &form).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let mut a = crate::common::Browser::new(&app);
    a.staff_login("hotline").await;
    let (s, _, _) = a.get("/admin/hotline/deadlines").await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let out = app.cli(&["audit", "verify", "--db", &app.db_url]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
both!(configured_deadlines);

async fn emergency_transfer(db: Db) {
    let app = TestApp::spawn(db).await;
    setup(&app).await;
    let agent = app.token("hotline").await;
    let mut b = order(None);
    b["category"] = json!("help");
    b["emergency"] = json!("120");
    let (s, v) = app.post("/api/v1/work-orders", Some(&agent), b).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let no = v["order_no"].as_str().unwrap().to_string();
    assert_eq!(v["status"], "closed");
    assert_eq!(v["emergency"], "120");
    assert_eq!(v["emergency_label"], "120急救中心");
    assert_eq!(
        v["direct_answer"], false,
        "a transfer is not a direct answer"
    );
    assert!(v["unit"].is_null() && v["deadline"].is_null());
    assert!(v["closed_at"].is_string());
    let last = v["events"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["action"], "transfer_emergency");
    assert_eq!(last["action_label"], "转警/转急救");
    assert!(last["note"].as_str().unwrap().contains("120"), "{last}");
    // A number is accepted as well as text.
    let mut b = order(None);
    b["emergency"] = json!(110);
    let (s, v) = app.post("/api/v1/work-orders", Some(&agent), b).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    assert_eq!(v["emergency"], "110");
    app.post("/api/v1/work-orders", Some(&agent), order(Some("JT")))
        .await;

    let before = counts(&app).await;
    let mut bad = order(None);
    bad["emergency"] = json!("911");
    let (s, v) = app.post("/api/v1/work-orders", Some(&agent), bad).await;
    assert!(assert_invalid(s, &v, "emergency").contains("119"));
    let mut bad = order(Some("JT"));
    bad["emergency"] = json!("119");
    let (s, v) = app.post("/api/v1/work-orders", Some(&agent), bad).await;
    assert_invalid(s, &v, "unit");
    let mut bad = order(None);
    bad["emergency"] = json!("122");
    bad["answer"] = json!("已解答");
    let (s, v) = app.post("/api/v1/work-orders", Some(&agent), bad).await;
    assert_invalid(s, &v, "answer");
    assert_eq!(counts(&app).await, before, "nothing half-written");
    // Nothing more happens to a transferred order but a callback or a quality flag.
    let (s, v) = act(
        &app,
        &agent,
        &no,
        json!({ "action": "dispatch", "unit": "JT" }),
    )
    .await;
    assert_eq!(s, StatusCode::CONFLICT, "{v}");

    for (q, n) in [
        ("emergency=true", 2),
        ("emergency=1", 2),
        ("emergency=120", 1),
        ("emergency=110", 1),
        ("emergency=119", 0),
        ("emergency=false", 1),
        ("status=closed&emergency=true", 2),
    ] {
        let (s, v) = app
            .get(&format!("/api/v1/work-orders?{q}"), Some(&agent))
            .await;
        assert_eq!(s, StatusCode::OK, "{v}");
        assert_eq!(v["total"], n, "{q}");
    }
    let (s, v) = app
        .get("/api/v1/work-orders?emergency=999", Some(&agent))
        .await;
    assert_invalid(s, &v, "emergency");
}
both!(emergency_transfer);

async fn dispute_review_of_returns(db: Db) {
    let app = TestApp::spawn(db).await;
    setup(&app).await;
    let agent = app.token("hotline").await;
    let jt = app.token("unit.jt").await;
    let (_, v) = app
        .post("/api/v1/work-orders", Some(&agent), order(Some("JT")))
        .await;
    let no = v["order_no"].as_str().unwrap().to_string();
    let deadline = v["deadline"].as_str().unwrap().to_string();
    assert_eq!(v["return_count"], 0);
    let (_, v) = act(&app, &jt, &no, json!({ "action": "sign" })).await;
    assert_eq!(v["status"], "signed");
    let (s, v) = act(
        &app,
        &jt,
        &no,
        json!({ "action": "return", "note": "不属本单位职责" }),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["return_count"], 1);
    let (_, v) = app
        .get("/api/v1/work-orders?awaiting_review=true", Some(&agent))
        .await;
    assert_eq!(v["total"], 1, "{v}");
    let (s, v) = app
        .get("/api/v1/work-orders?awaiting_review=maybe", Some(&agent))
        .await;
    assert_invalid(s, &v, "awaiting_review");

    // Only the center reviews, with a reason.
    let before = counts(&app).await;
    let (s, v) = act(
        &app,
        &jt,
        &no,
        json!({ "action": "reject_return", "note": "x" }),
    )
    .await;
    crate::common::assert_error(s, &v, StatusCode::FORBIDDEN, "forbidden");
    let (s, v) = act(&app, &agent, &no, json!({ "action": "reject_return" })).await;
    assert_invalid(s, &v, "note");
    let (s, v) = act(
        &app,
        &agent,
        &no,
        json!({ "action": "dispatch", "unit": "JT" }),
    )
    .await;
    assert!(assert_invalid(s, &v, "unit").contains("驳回退单"));
    assert_eq!(counts(&app).await, before);

    // Rejected: back to the same unit, the deadline running on.
    let (s, v) = act(
        &app,
        &agent,
        &no,
        json!({ "action": "reject_return", "note": "油烟属本单位职责，请继续办理" }),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["status"], "dispatched");
    assert_eq!(v["unit"]["code"], "JT");
    assert_eq!(v["deadline"], deadline.as_str());
    assert_eq!(v["return_count"], 1);
    let last = v["events"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["action_label"], "驳回退单");
    assert_eq!(last["unit"], "市交通运输局");
    let (_, v) = app
        .get("/api/v1/work-orders?awaiting_review=true", Some(&agent))
        .await;
    assert_eq!(v["total"], 0);
    let (_, v) = app
        .get("/api/v1/work-orders?returned=true", Some(&jt))
        .await;
    assert_eq!(v["total"], 1);
    // Not twice: the order is no longer returned.
    let (s, _) = act(
        &app,
        &agent,
        &no,
        json!({ "action": "reject_return", "note": "x" }),
    )
    .await;
    assert_eq!(s, StatusCode::CONFLICT);

    // Returned again, this time approved: reassigned to another unit.
    let (_, v) = act(
        &app,
        &jt,
        &no,
        json!({ "action": "return", "note": "仍不属本单位" }),
    )
    .await;
    assert_eq!(v["return_count"], 2);
    let (s, v) = act(
        &app,
        &agent,
        &no,
        json!({ "action": "dispatch", "unit": "SJ" }),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let last = v["events"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["action_label"], "退单审核通过，改派");
    let (_, v) = app
        .get("/api/v1/work-orders?returned=false", Some(&agent))
        .await;
    assert_eq!(v["total"], 0);
}
both!(dispute_review_of_returns);

async fn co_units(db: Db) {
    let app = TestApp::spawn(db).await;
    setup(&app).await;
    // A third member unit that has nothing to do with the order.
    let mut tx = app.store.begin().await.unwrap();
    tongban_store::org::insert_department(
        &mut tx,
        &tongban_store::org::NewDepartment {
            code: "HB",
            name: "市生态环境局",
            short_name: "环境局",
            credit_code: None,
            stationed: false,
            has_service_section: false,
            member_unit: true,
            sort: 3,
        },
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    create_user(
        &app.store,
        &NewUser {
            username: "unit.hb",
            display_name: "环境局处办员",
            role: Role::UnitHandler,
            department: Some("HB"),
            point: None,
            password: crate::common::PASSWORD,
        },
        &Actor::system("test"),
    )
    .await
    .unwrap();
    let agent = app.token("hotline").await;
    let jt = app.token("unit.jt").await;
    let sj = app.token("unit.sj").await;
    let hb = app.token("unit.hb").await;

    let mut b = order(Some("JT"));
    b["co_units"] = json!(["SJ"]);
    let (s, v) = app.post("/api/v1/work-orders", Some(&agent), b).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let no = v["order_no"].as_str().unwrap().to_string();
    assert_eq!(v["co_units"], json!(["SJ"]));
    assert_eq!(v["co_unit_names"][0]["name"], "市市场监督管理局");

    // The co-unit sees it, in its list and alone; a third unit does not.
    let (_, v) = app.get("/api/v1/work-orders", Some(&sj)).await;
    assert_eq!(v["total"], 1, "{v}");
    let (s, _) = app
        .get(&format!("/api/v1/work-orders/{no}"), Some(&sj))
        .await;
    assert_eq!(s, StatusCode::OK);
    let (_, v) = app.get("/api/v1/work-orders", Some(&hb)).await;
    assert_eq!(v["total"], 0, "{v}");
    let (s, _) = app
        .get(&format!("/api/v1/work-orders/{no}"), Some(&hb))
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _) = act(&app, &hb, &no, json!({ "action": "co_reply", "note": "x" })).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (_, v) = app
        .get("/api/v1/work-orders?co_unit=SJ", Some(&agent))
        .await;
    assert_eq!(v["total"], 1);

    // The co-unit gives its opinion but takes none of the lead unit's actions.
    let before = counts(&app).await;
    for a in [
        json!({ "action": "sign" }),
        json!({ "action": "reply", "note": "已处理" }),
        json!({ "action": "return", "note": "不属本单位" }),
    ] {
        let (s, v) = act(&app, &sj, &no, a).await;
        crate::common::assert_error(s, &v, StatusCode::FORBIDDEN, "forbidden");
        assert!(
            error_of(&v)["message"].as_str().unwrap().contains("协办"),
            "{v}"
        );
    }
    let (s, v) = act(&app, &sj, &no, json!({ "action": "co_reply" })).await;
    assert_invalid(s, &v, "note");
    let (s, v) = act(&app, &jt, &no, json!({ "action": "co_reply", "note": "x" })).await;
    crate::common::assert_error(s, &v, StatusCode::FORBIDDEN, "forbidden");
    assert_eq!(counts(&app).await, before);
    let (s, v) = act(
        &app,
        &sj,
        &no,
        json!({ "action": "co_reply", "note": "已配合核查，该店无食品经营许可证" }),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["status"], "dispatched");

    // The lead unit sees the opinion among the events, then handles and replies.
    let (_, v) = app
        .get(&format!("/api/v1/work-orders/{no}"), Some(&jt))
        .await;
    let op = v["events"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["action"] == "co_reply")
        .unwrap()
        .clone();
    assert_eq!(op["action_label"], "协办意见");
    assert_eq!(op["unit"], "市市场监督管理局");
    assert_eq!(op["note"], "已配合核查，该店无食品经营许可证");
    let (_, v) = act(&app, &jt, &no, json!({ "action": "sign" })).await;
    assert_eq!(v["status"], "signed");
    let (s, v) = act(
        &app,
        &sj,
        &no,
        json!({ "action": "co_reply", "note": "补充" }),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let (_, v) = act(
        &app,
        &jt,
        &no,
        json!({ "action": "reply", "note": "已联合处理" }),
    )
    .await;
    assert_eq!(v["status"], "replied");
    // Opinions only while the order is at the units.
    let (s, v) = act(
        &app,
        &sj,
        &no,
        json!({ "action": "co_reply", "note": "再补充" }),
    )
    .await;
    assert_eq!(s, StatusCode::CONFLICT, "{v}");

    // Co-units chosen at dispatch; the lead cannot be its own co-unit.
    let (_, v) = app
        .post("/api/v1/work-orders", Some(&agent), order(None))
        .await;
    let later = v["order_no"].as_str().unwrap().to_string();
    let (s, v) = act(
        &app,
        &agent,
        &later,
        json!({ "action": "dispatch", "unit": "JT", "co_units": ["JT"] }),
    )
    .await;
    assert_invalid(s, &v, "co_units");
    let (s, v) = act(
        &app,
        &agent,
        &later,
        json!({ "action": "dispatch", "unit": "JT", "co_units": ["HB", "SJ", "HB"] }),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["co_units"], json!(["HB", "SJ"]));
    let (_, v) = app.get("/api/v1/work-orders", Some(&hb)).await;
    assert_eq!(v["total"], 1, "{v}");
    assert_eq!(
        v["work_orders"][0]["co_unit_names"][0]["name"],
        "市生态环境局"
    );
    let (s, v) = act(
        &app,
        &agent,
        &later,
        json!({ "action": "urge", "co_units": ["SJ"] }),
    )
    .await;
    assert_invalid(s, &v, "co_units");
    // Returned by the lead and reassigned to its co-unit: that unit now leads alone,
    // and the old lead no longer sees the order.
    let mut b = order(Some("JT"));
    b["co_units"] = json!(["SJ"]);
    let (_, v) = app.post("/api/v1/work-orders", Some(&agent), b).await;
    let third = v["order_no"].as_str().unwrap().to_string();
    let (_, v) = act(
        &app,
        &jt,
        &third,
        json!({ "action": "return", "note": "食品问题由市场监管主办" }),
    )
    .await;
    assert_eq!(v["status"], "returned");
    let (s, v) = act(
        &app,
        &agent,
        &third,
        json!({ "action": "dispatch", "unit": "SJ" }),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["unit"]["code"], "SJ");
    assert_eq!(v["co_units"], json!([]));
    let (s, _) = app
        .get(&format!("/api/v1/work-orders/{third}"), Some(&jt))
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, v) = act(&app, &sj, &third, json!({ "action": "sign" })).await;
    assert_eq!(s, StatusCode::OK, "{v}");

    // A unit lists what it leads and what it co-handles.
    for (t, q, n) in [
        (&jt, "lead", 2),
        (&jt, "co", 0),
        (&sj, "co", 2),
        (&sj, "lead", 1),
        (&hb, "co", 1),
    ] {
        let (s, v) = app
            .get(&format!("/api/v1/work-orders?involvement={q}"), Some(t))
            .await;
        assert_eq!(s, StatusCode::OK, "{v}");
        assert_eq!(v["total"], n, "{q}: {v}");
    }
    let (s, v) = app
        .get("/api/v1/work-orders?involvement=co", Some(&agent))
        .await;
    assert_invalid(s, &v, "involvement");
    let (s, v) = app
        .get("/api/v1/work-orders?involvement=x", Some(&sj))
        .await;
    assert_invalid(s, &v, "involvement");
}
both!(co_units);

/// Issue 10: a planted order's personal data never reaches a public path. The order
/// names a phone in three written forms, an ID number and house numbers; it is read
/// through the progress page, the public list, and Open311 in JSON and XML, one and
/// many. Open311 posts are private unless the client asks, and so are an agent's.
async fn public_paths_show_only_the_masked_view(db: Db) {
    let app = TestApp::spawn(db).await;
    setup(&app).await;
    let agent = app.token("hotline").await;
    let secrets = [
        "13812345678",
        "139-8765-4321",
        "137 1111 2222",
        "１３６２２２２３３３３",
        "11010519491231002X",
        "326",
        "１２",
        "王芳",
    ];
    let mut v = order(None);
    v["channel"] = json!("web");
    v["content"] = json!(format!(
        "我叫王芳，身份证11010519491231002X，住柏庐中路326 号、人民路１２号。联系电话13812345678、139-8765-4321、137 1111 2222或１３６２２２２３３３３。"
    ));
    v["address"] = json!("柏庐中路326号");
    // Without the box ticked, even a web-channel order entered by an agent is private.
    let (s, private) = app
        .post("/api/v1/work-orders", Some(&agent), v.clone())
        .await;
    assert_eq!(s, StatusCode::CREATED, "{private}");
    assert_eq!(private["public"], false);
    v["public"] = json!(true);
    let (s, o) = app.post("/api/v1/work-orders", Some(&agent), v).await;
    assert_eq!(s, StatusCode::CREATED, "{o}");
    let no = o["order_no"].as_str().unwrap().to_string();
    let (s, _, page) = get_text(
        &app,
        &format!(
            "/hotline/progress?no={}",
            private["order_no"].as_str().unwrap()
        ),
    )
    .await;
    assert_eq!(s, StatusCode::NOT_FOUND, "{page}");

    let mut paths = vec![
        format!("/hotline/progress?no={no}"),
        "/hotline/public".to_string(),
        format!("/open311/v2/requests/{no}.json"),
        format!("/open311/v2/requests/{no}.xml"),
        "/open311/v2/requests.json".to_string(),
        "/open311/v2/requests.xml".to_string(),
    ];
    // An Open311 post, private unless asked: not listed, but its own key sees it masked.
    let key = key_of(&app);
    let (s, body) = post_form(
        &app,
        "/open311/v2/requests.json",
        &[
            ("api_key", key.as_str()),
            ("service_code", "youyan"),
            ("address_string", "柏庐中路326号"),
            ("description", "电话138-1234-5678，身份证11010519491231002X"),
            ("first_name", "芳"),
            ("last_name", "王"),
        ],
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{body}");
    let posted: Value = serde_json::from_str(&body).unwrap();
    let posted = posted[0]["service_request_id"]
        .as_str()
        .unwrap()
        .to_string();
    let (s, _, _) = get_text(&app, &format!("/open311/v2/requests/{posted}.json")).await;
    assert_eq!(s, StatusCode::NOT_FOUND, "private unless the client asks");
    let (_, _, list) = get_text(&app, "/open311/v2/requests.json").await;
    assert!(!list.contains(&posted));
    paths.push(format!("/open311/v2/requests/{posted}.json?api_key={key}"));
    paths.push(format!("/open311/v2/requests.json?api_key={key}"));

    for path in &paths {
        let (s, _, body) = get_text(&app, path).await;
        assert_eq!(s, StatusCode::OK, "{path}: {body}");
        assert!(
            body.contains(&no) || body.contains(&posted),
            "{path} shows the order"
        );
        for secret in secrets {
            assert!(!body.contains(secret), "{path} shows “{secret}”: {body}");
        }
        assert!(!body.contains("138-1234-5678"), "{path}");
    }
    let (_, _, one) = get_text(&app, &format!("/open311/v2/requests/{no}.json")).await;
    assert!(one.contains("柏庐中路***号"), "{one}");
    // A wrong key on a read is refused, not ignored.
    let (s, _, _) = get_text(&app, "/open311/v2/requests.json?api_key=wrong").await;
    assert_eq!(s, StatusCode::FORBIDDEN);
}
both!(public_paths_show_only_the_masked_view);

/// An unsatisfied caller's order goes back to its unit for rework (退回重办); a
/// satisfied one stays closed. The next callback asks again.
async fn unsatisfied_callback_reopens(db: Db) {
    let app = TestApp::spawn(db).await;
    setup(&app).await;
    let agent = app.token("hotline").await;
    let unit = app.token("unit.jt").await;
    let mut closed = vec![];
    for level in [1, 4] {
        let (s, v) = app
            .post("/api/v1/work-orders", Some(&agent), order(Some("JT")))
            .await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
        let no = v["order_no"].as_str().unwrap().to_string();
        act(&app, &unit, &no, json!({ "action": "sign" })).await;
        act(
            &app,
            &unit,
            &no,
            json!({ "action": "reply", "note": "已处理" }),
        )
        .await;
        let (s, v) = act(&app, &agent, &no, json!({ "action": "close" })).await;
        assert_eq!(s, StatusCode::OK, "{v}");
        let (s, v) = act(
            &app,
            &agent,
            &no,
            json!({ "action": "callback", "level": level }),
        )
        .await;
        assert_eq!(s, StatusCode::OK, "{v}");
        closed.push(no);
    }
    let (s, v) = act(
        &app,
        &agent,
        &closed[0],
        json!({ "action": "redo", "note": "来电人表示问题未解决" }),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["status"], "signed", "{v}");
    assert!(v["callback_level"].is_null(), "{v}");
    assert!(v["closed_at"].is_null(), "{v}");
    // Its own time limit, from today.
    assert!(
        v["deadline"].as_str().unwrap() > crate::common::day(crate::common::today()).as_str(),
        "{v}"
    );
    // Rework, reply, close and ask again.
    let (s, v) = act(
        &app,
        &unit,
        &closed[0],
        json!({ "action": "reply", "note": "已重新处理" }),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let (s, v) = act(
        &app,
        &agent,
        &closed[0],
        json!({ "action": "close", "level": 4 }),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["callback_level"], 4);
    // A satisfied caller's order is not reopened.
    let (s, v) = act(
        &app,
        &agent,
        &closed[1],
        json!({ "action": "redo", "note": "重办" }),
    )
    .await;
    assert_eq!(s, StatusCode::CONFLICT, "{v}");
    // An order the agent answered has no unit to rework it.
    let mut direct = order(None);
    direct["answer"] = json!("已告知办理流程");
    let (s, v) = app.post("/api/v1/work-orders", Some(&agent), direct).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let answered = v["order_no"].as_str().unwrap().to_string();
    let (s, v) = act(
        &app,
        &agent,
        &answered,
        json!({ "action": "callback", "level": 1 }),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let (s, v) = act(
        &app,
        &agent,
        &answered,
        json!({ "action": "redo", "note": "不满意" }),
    )
    .await;
    assert_eq!(s, StatusCode::CONFLICT, "{v}");
    assert!(
        v["error"]["message"]
            .as_str()
            .unwrap()
            .contains("没有承办单位"),
        "{v}"
    );
    let out = app.cli(&["stats", "check", "--db", &app.db_url]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
}
both!(unsatisfied_callback_reopens);

/// Returns have a window after the dispatch, and an order may be extended only so
/// many times; both are the administrators' to set.
async fn return_window_and_extension_limit(db: Db) {
    let app = TestApp::spawn(db).await;
    setup(&app).await;
    let agent = app.token("hotline").await;
    let unit = app.token("unit.jt").await;
    let admin = app.token("admin").await;
    let new_order = || async {
        let (s, v) = app
            .post("/api/v1/work-orders", Some(&agent), order(Some("JT")))
            .await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
        v["order_no"].as_str().unwrap().to_string()
    };
    // Dispatched three weeks ago: too late to return.
    let late = new_order().await;
    let back = crate::common::day(crate::common::today() - chrono::Duration::days(21));
    app.exec(&format!(
        "UPDATE work_orders SET dispatched_on = '{back}' WHERE order_no = '{late}'"
    ))
    .await;
    let (s, v) = act(
        &app,
        &unit,
        &late,
        json!({ "action": "return", "note": "不属于本单位职责" }),
    )
    .await;
    assert_eq!(s, StatusCode::CONFLICT, "{v}");
    assert!(
        v["error"]["message"].as_str().unwrap().contains("退单期限"),
        "{v}"
    );
    // Dispatched today: returned at once.
    let fresh = new_order().await;
    let (s, v) = act(
        &app,
        &unit,
        &fresh,
        json!({ "action": "return", "note": "不属于本单位职责" }),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    // One extension by default; a second request is refused, unless allowed.
    let ext = new_order().await;
    act(&app, &unit, &ext, json!({ "action": "sign" })).await;
    let (s, v) = act(
        &app,
        &unit,
        &ext,
        json!({ "action": "request_extension", "note": "需协调" }),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let (s, v) = act(&app, &agent, &ext, json!({ "action": "approve_extension" })).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let (s, v) = act(
        &app,
        &unit,
        &ext,
        json!({ "action": "request_extension", "note": "仍需协调" }),
    )
    .await;
    assert_eq!(s, StatusCode::CONFLICT, "{v}");
    assert!(
        v["error"]["message"].as_str().unwrap().contains("上限"),
        "{v}"
    );
    let (s, v) = put(
        &app,
        "/api/v1/hotline/deadlines",
        &admin,
        json!({ "max_extensions": 2 }),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let (s, v) = act(
        &app,
        &unit,
        &ext,
        json!({ "action": "request_extension", "note": "仍需协调" }),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let (s, v) = put(
        &app,
        "/api/v1/hotline/deadlines",
        &admin,
        json!({ "max_extensions": 9 }),
    )
    .await;
    crate::common::assert_invalid(s, &v, "max_extensions");
}
both!(return_window_and_extension_limit);

/// A web request without a chosen service gets a dispatch suggestion from what its
/// text speaks of, and "by the catalog" dispatches it there.
async fn web_requests_get_a_suggestion(db: Db) {
    let app = TestApp::spawn(db).await;
    setup(&app).await;
    let agent = app.token("hotline").await;
    let mut body = order(None);
    body["channel"] = json!("web");
    body.as_object_mut().unwrap().remove("service_code");
    let (s, v) = app.post("/api/v1/work-orders", Some(&agent), body).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let no = v["order_no"].as_str().unwrap().to_string();
    assert!(v["service_code"].is_null(), "{v}");
    let mut b = crate::common::Browser::new(&app);
    b.staff_login("hotline").await;
    let (_, _, page) = b.get(&format!("/hotline/orders/{no}")).await;
    assert!(page.contains("派单目录建议"), "{page}");
    assert!(page.contains("诉求内容提到“油烟”"), "{page}");
    let (s, v) = act(
        &app,
        &agent,
        &no,
        json!({ "action": "dispatch", "unit": "auto" }),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["unit"]["code"], "SJ", "{v}");
}
both!(web_requests_get_a_suggestion);
