//! 12345 intake from outside channels (issue 4): channel keys, the JSON webhook and
//! forwarded mail, on both databases.

use crate::common::{Browser, Db, PHONE, TestApp, assert_error, assert_invalid, hidden};
use reqwest::StatusCode;
use serde_json::{Value, json};

fn key_for(app: &TestApp, channel: &str, name: &str) -> String {
    let out = app.cli(&[
        "admin",
        "create-channel-key",
        "--db",
        &app.db_url,
        "--channel",
        channel,
        "--name",
        name,
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

async fn send(
    app: &TestApp,
    path: &str,
    key: Option<&str>,
    content_type: &str,
    body: Vec<u8>,
) -> (StatusCode, Value) {
    let mut r = app
        .client
        .post(format!("{}{path}", app.base))
        .header(reqwest::header::CONTENT_TYPE, content_type)
        .body(body);
    if let Some(k) = key {
        r = r.header("X-Channel-Key", k);
    }
    let resp = r.send().await.expect("request");
    let status = resp.status();
    let text = resp.text().await.expect("body");
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

async fn post_json(
    app: &TestApp,
    channel: &str,
    key: Option<&str>,
    v: Value,
) -> (StatusCode, Value) {
    send(
        app,
        &format!("/api/v1/intake/{channel}"),
        key,
        "application/json",
        serde_json::to_vec(&v).unwrap(),
    )
    .await
}

fn request(external_id: &str) -> Value {
    json!({
        "external_id": external_id,
        "category": "complaint",
        "content": "小区门口烧烤店油烟直排，晚上开不了窗。",
        "caller_name": "李雷",
        "phone": PHONE,
        "address": "前进西路18号",
        "lat": 31.385,
        "long": 120.98
    })
}

async fn webhook_makes_one_order_per_external_id(db: Db) {
    let app = TestApp::spawn(db).await;
    let key = key_for(&app, "wechat", "昆山12345公众号");
    assert!(key.len() >= 32, "{key}");

    let (s, v) = post_json(&app, "wechat", Some(&key), request("wx-msg-0001")).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    assert_eq!(v["channel"], "wechat");
    assert_eq!(v["status"], "accepted");
    assert_eq!(v["duplicate"], false);
    let no = v["order_no"].as_str().unwrap().to_string();

    // The same message again (a retry): the same order, 200, nothing new.
    let (s, again) = post_json(&app, "wechat", Some(&key), request("wx-msg-0001")).await;
    assert_eq!(s, StatusCode::OK, "{again}");
    assert_eq!(again["order_no"], no.as_str());
    assert_eq!(again["duplicate"], true);
    assert_eq!(app.count("work_orders").await, 1);

    // A Chinese category label is accepted too; a new id makes a new order.
    let mut other = request("wx-msg-0002");
    other["category"] = json!("咨询");
    let (s, v2) = post_json(&app, "wechat", Some(&key), other).await;
    assert_eq!(s, StatusCode::CREATED, "{v2}");
    assert_ne!(v2["order_no"], no.as_str());

    // An ordinary work order in the accepted queue, the phone masked and protected.
    let agent = app.token("hotline").await;
    let (s, o) = app
        .get(&format!("/api/v1/work-orders/{no}"), Some(&agent))
        .await;
    assert_eq!(s, StatusCode::OK, "{o}");
    assert_eq!(o["channel"], "wechat");
    assert_eq!(o["category"], "complaint");
    assert_eq!(o["status"], "accepted");
    assert_eq!(o["caller_name"], "李雷");
    assert_eq!(o["phone_masked"], "138****5678");
    assert_eq!(o["lat"], "31.385000");
    assert!(
        o["events"][0]["actor"]
            .as_str()
            .unwrap()
            .contains("昆山12345公众号"),
        "{o}"
    );
    let mut c = app.store.reader().await.unwrap();
    let enc: String = sqlx::query_scalar("SELECT phone_enc FROM work_orders WHERE order_no = $1")
        .bind(&no)
        .fetch_one(&mut *c)
        .await
        .unwrap();
    assert!(!enc.contains(PHONE));
    let audited: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM audit_log WHERE action = 'work_order.create' AND entity_key = $1",
    )
    .bind(&no)
    .fetch_one(&mut *c)
    .await
    .unwrap();
    assert_eq!(audited, 1);

    // The "other" channel with its own key.
    let other_key = key_for(&app, "other", "城管平台");
    let (s, v) = post_json(&app, "other", Some(&other_key), request("wx-msg-0001")).await;
    assert_eq!(
        s,
        StatusCode::CREATED,
        "same id from another channel is another request: {v}"
    );
    assert_eq!(v["channel"], "other");
}
both!(webhook_makes_one_order_per_external_id);

async fn the_same_request_sent_at_once_makes_one_order(db: Db) {
    let app = TestApp::spawn(db).await;
    let key = key_for(&app, "wechat", "公众号");
    let sends = (0..8).map(|_| post_json(&app, "wechat", Some(&key), request("wx-race")));
    let answers = futures_join(sends).await;
    let created = answers
        .iter()
        .filter(|(s, _)| *s == StatusCode::CREATED)
        .count();
    assert_eq!(created, 1, "{answers:?}");
    for (s, v) in &answers {
        assert!(matches!(*s, StatusCode::CREATED | StatusCode::OK), "{v}");
        assert_eq!(v["order_no"], answers[0].1["order_no"], "{v}");
    }
    assert_eq!(app.count("work_orders").await, 1);
    assert_eq!(app.count("intake_refs").await, 1);
}
both!(the_same_request_sent_at_once_makes_one_order);

/// Runs the futures concurrently on this task and collects their outputs in order.
async fn futures_join<F: std::future::Future>(fs: impl Iterator<Item = F>) -> Vec<F::Output> {
    let mut pinned: Vec<std::pin::Pin<Box<F>>> = fs.map(Box::pin).collect();
    let mut out: Vec<Option<F::Output>> = pinned.iter().map(|_| None).collect();
    std::future::poll_fn(move |cx| {
        let mut pending = false;
        for (i, f) in pinned.iter_mut().enumerate() {
            if out[i].is_none() {
                match f.as_mut().poll(cx) {
                    std::task::Poll::Ready(v) => out[i] = Some(v),
                    std::task::Poll::Pending => pending = true,
                }
            }
        }
        if pending {
            std::task::Poll::Pending
        } else {
            std::task::Poll::Ready(out.iter_mut().map(|o| o.take().expect("done")).collect())
        }
    })
    .await
}

async fn bad_keys_are_refused(db: Db) {
    let app = TestApp::spawn(db).await;
    let key = key_for(&app, "wechat", "公众号");
    let (s, v) = post_json(&app, "wechat", None, request("a")).await;
    assert_error(s, &v, StatusCode::UNAUTHORIZED, "unauthorized");
    assert!(
        v["error"]["message"]
            .as_str()
            .unwrap()
            .contains("X-Channel-Key")
    );
    let (s, v) = post_json(&app, "wechat", Some("not-a-key"), request("a")).await;
    assert_error(s, &v, StatusCode::UNAUTHORIZED, "unauthorized");
    // A WeChat key does not open the other channels.
    let (s, v) = post_json(&app, "other", Some(&key), request("a")).await;
    assert_error(s, &v, StatusCode::UNAUTHORIZED, "unauthorized");
    let (s, v) = send(
        &app,
        "/api/v1/intake/email",
        Some(&key),
        "message/rfc822",
        b"From: a@b.cn\r\n\r\nx".to_vec(),
    )
    .await;
    assert_error(s, &v, StatusCode::UNAUTHORIZED, "unauthorized");
    // Channels without keys do not exist here.
    let (s, v) = post_json(&app, "phone", Some(&key), request("a")).await;
    assert_error(s, &v, StatusCode::NOT_FOUND, "not_found");
    // The key is checked before the body is read.
    let (s, v) = send(
        &app,
        "/api/v1/intake/wechat",
        None,
        "application/json",
        b"{".to_vec(),
    )
    .await;
    assert_error(s, &v, StatusCode::UNAUTHORIZED, "unauthorized");

    // Administrators deactivate keys on their page; the key stops working.
    let mut b = Browser::new(&app);
    b.staff_login("admin").await;
    let (_, _, index) = b.get("/admin").await;
    assert!(index.contains("href=\"/admin/channels\""), "{index}");
    let (s, _, page) = b.get("/admin/channels").await;
    assert_eq!(s, StatusCode::OK);
    assert!(page.contains("公众号"), "{page}");
    let csrf = hidden(&page, "csrf");
    let (s, _, page) = b
        .post(
            "/admin/channels",
            &[("csrf", &csrf), ("channel", "email"), ("name", "邮件网关")],
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{page}");
    assert!(page.contains("已为“邮件网关”签发密钥"), "{page}");
    let (s, _, page) = b
        .post(
            "/admin/channels",
            &[("csrf", &csrf), ("channel", "phone"), ("name", "x")],
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("接入渠道“phone”无效"), "{page}");
    let mut c = app.store.reader().await.unwrap();
    let id: i64 = sqlx::query_scalar("SELECT id FROM intake_keys WHERE name = '公众号'")
        .fetch_one(&mut *c)
        .await
        .unwrap();
    drop(c);
    let (s, loc, _) = b
        .post(
            &format!("/admin/channels/{id}/deactivate"),
            &[("csrf", &csrf)],
        )
        .await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    assert_eq!(loc.as_deref(), Some("/admin/channels"));
    let (s, v) = post_json(&app, "wechat", Some(&key), request("b")).await;
    assert_error(s, &v, StatusCode::UNAUTHORIZED, "unauthorized");
    let mut c = app.store.reader().await.unwrap();
    let audited: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM audit_log WHERE action IN ('intake.key.create', 'intake.key.deactivate')",
    )
    .fetch_one(&mut *c)
    .await
    .unwrap();
    assert_eq!(audited, 3);
    // Others may not see the page.
    let mut agent = Browser::new(&app);
    agent.staff_login("hotline").await;
    let (s, _, _) = agent.get("/admin/channels").await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    assert_eq!(app.count("work_orders").await, 0);
}
both!(bad_keys_are_refused);

async fn openapi_documents_intake(db: Db) {
    let app = TestApp::spawn(db).await;
    let (s, doc) = app.get("/api/openapi.json", None).await;
    assert_eq!(s, StatusCode::OK);
    for path in ["/api/v1/intake/{channel}", "/api/v1/intake/email"] {
        assert!(doc["paths"][path]["post"].is_object(), "{path}");
    }
    assert!(doc["components"]["schemas"]["IntakeRequest"].is_object());
}
both!(openapi_documents_intake);

async fn bad_fields_are_named_and_nothing_is_written(db: Db) {
    let app = TestApp::spawn(db).await;
    let key = key_for(&app, "wechat", "公众号");
    let cases: Vec<(&str, Value)> = vec![
        ("external_id", json!(null)),
        ("external_id", json!({"a": 1})),
        ("category", json!(null)),
        ("category", json!("闲聊")),
        ("content", json!("")),
        ("content", json!("长".repeat(2001))),
        ("phone", json!("12345")),
        ("email", json!("not-an-address")),
        ("lat", json!(200.0)),
        ("lat", json!("north")),
        ("caller_name", json!(42)),
    ];
    for (field, value) in cases {
        let mut body = request("x-1");
        body["email"] = json!("lilei@example.com");
        body[field] = value.clone();
        let (s, v) = post_json(&app, "wechat", Some(&key), body).await;
        assert_invalid(s, &v, field);
        let _ = value;
    }
    let mut body = request("x-2");
    body.as_object_mut().unwrap().remove("long");
    let (s, v) = post_json(&app, "wechat", Some(&key), body).await;
    assert_invalid(s, &v, "long");
    let (s, v) = send(
        &app,
        "/api/v1/intake/wechat",
        Some(&key),
        "application/json",
        b"{oops".to_vec(),
    )
    .await;
    assert_error(s, &v, StatusCode::BAD_REQUEST, "bad_request");
    let (s, v) = send(
        &app,
        "/api/v1/intake/wechat",
        Some(&key),
        "application/json",
        b"[1]".to_vec(),
    )
    .await;
    assert_invalid(s, &v, "body");
    let (s, v) = send(
        &app,
        "/api/v1/intake/wechat",
        Some(&key),
        "text/plain",
        b"{}".to_vec(),
    )
    .await;
    assert_error(
        s,
        &v,
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "unsupported_media_type",
    );
    // Oversized.
    let mut big = request("x-3");
    big["content"] = json!("长".repeat(40_000));
    let (s, v) = post_json(&app, "wechat", Some(&key), big).await;
    assert_error(s, &v, StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large");
    assert_eq!(app.count("work_orders").await, 0);
    assert_eq!(app.count("intake_refs").await, 0);
    assert_eq!(app.count("work_order_events").await, 0);
}
both!(bad_fields_are_named_and_nothing_is_written);

const PLAIN_MAIL: &str = "From: =?UTF-8?B?546L6Iqz?= <wangfang@example.com>\r\n\
To: 12345@ks.gov.cn\r\n\
Subject: =?UTF-8?B?5bCP5Yy65YGc5rC0?=\r\n\
Message-ID: <20260301.1@example.com>\r\n\
Date: Sun, 1 Mar 2026 09:00:00 +0800\r\n\
MIME-Version: 1.0\r\n\
Content-Type: text/plain; charset=utf-8\r\n\
Content-Transfer-Encoding: 8bit\r\n\
\r\n\
您好：\r\n\
\r\n\
阳光花园小区从今天早上开始停水，没有任何通知，请问什么时候恢复？\r\n";

async fn email_becomes_an_order(db: Db) {
    let app = TestApp::spawn(db).await;
    let key = key_for(&app, "email", "邮件网关");
    let (s, v) = send(
        &app,
        "/api/v1/intake/email",
        Some(&key),
        "message/rfc822",
        PLAIN_MAIL.as_bytes().to_vec(),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    assert_eq!(v["channel"], "email");
    assert_eq!(v["external_id"], "20260301.1@example.com");
    let no = v["order_no"].as_str().unwrap().to_string();
    // Forwarded twice: one order.
    let (s, again) = send(
        &app,
        "/api/v1/intake/email",
        Some(&key),
        "message/rfc822",
        PLAIN_MAIL.as_bytes().to_vec(),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{again}");
    assert_eq!(again["order_no"], no.as_str());

    let agent = app.token("hotline").await;
    let (_, o) = app
        .get(&format!("/api/v1/work-orders/{no}"), Some(&agent))
        .await;
    assert_eq!(o["channel"], "email");
    assert_eq!(o["caller_name"], "王芳");
    let content = o["content"].as_str().unwrap();
    assert!(content.starts_with("【小区停水】"), "{content}");
    assert!(
        content.contains("阳光花园小区从今天早上开始停水"),
        "{content}"
    );
    let mut c = app.store.reader().await.unwrap();
    let email: String = sqlx::query_scalar("SELECT email FROM work_orders WHERE order_no = $1")
        .bind(&no)
        .fetch_one(&mut *c)
        .await
        .unwrap();
    assert_eq!(email, "wangfang@example.com");
    drop(c);

    // HTML only (quoted-printable, GBK): reduced to text.
    // The body below is GBK-encoded: "<p>前进西路&nbsp;路灯不亮</p><p>已经<b>一周</b>了</p>".
    let mut html = b"From: zhao@example.com\r\nSubject: complaint\r\nMessage-ID: <h1@example.com>\r\nMIME-Version: 1.0\r\nContent-Type: text/html; charset=gbk\r\n\r\n".to_vec();
    html.extend_from_slice(b"<html><head><style>p{color:red}</style></head><body><p>\xc7\xb0\xbd\xf8\xce\xf7\xc2\xb7&nbsp;\xc2\xb7\xb5\xc6\xb2\xbb\xc1\xc1</p><p>\xd2\xd1\xbe\xad<b>\xd2\xbb\xd6\xdc</b>\xc1\xcb</p></body></html>");
    let (s, v) = send(
        &app,
        "/api/v1/intake/email",
        Some(&key),
        "message/rfc822",
        html,
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let (_, o) = app
        .get(
            &format!("/api/v1/work-orders/{}", v["order_no"].as_str().unwrap()),
            Some(&agent),
        )
        .await;
    let content = o["content"].as_str().unwrap();
    assert!(content.contains("前进西路 路灯不亮"), "{content}");
    assert!(content.contains("已经一周了"), "{content}");
    assert!(
        !content.contains('<') && !content.contains("color"),
        "{content}"
    );
    assert_eq!(o["caller_name"], "zhao");

    // Bad mail: 400, nothing written.
    let before = app.count("work_orders").await;
    for (raw, field) in [
        (&b""[..], "body"),
        (&b"Subject: no sender\r\n\r\nhello"[..], "from"),
        (&b"From: someone\r\nSubject: x\r\n\r\nhello"[..], "from"),
        (&b"From: a@example.com\r\n\r\n"[..], "content"),
    ] {
        let (s, v) = send(
            &app,
            "/api/v1/intake/email",
            Some(&key),
            "message/rfc822",
            raw.to_vec(),
        )
        .await;
        assert_error(s, &v, StatusCode::BAD_REQUEST, "bad_mail");
        assert_eq!(v["error"]["field"], field, "{v}");
    }
    let (s, v) = send(
        &app,
        "/api/v1/intake/email",
        Some(&key),
        "application/json",
        b"{}".to_vec(),
    )
    .await;
    assert_error(
        s,
        &v,
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "unsupported_media_type",
    );
    assert_eq!(app.count("work_orders").await, before);
}
both!(email_becomes_an_order);
