//! The 12345 rates as offices compute them: invalid calls marked and left out of the
//! valid orders, 解决率 from the caller's own answer, and 按时办结率 over the orders
//! due in the period, the first dispatch's limit surviving a return and re-dispatch.

use crate::common::*;
use chrono::Datelike;
use reqwest::StatusCode;
use serde_json::{Value, json};

async fn new_order(app: &TestApp, agent: &str, extra: Value) -> Value {
    let mut b = json!({ "channel": "phone", "category": "consultation", "caller_name": "王芳",
        "phone": PHONE, "content": "咨询道路运输证办理。" });
    for (k, v) in extra.as_object().unwrap() {
        b[k] = v.clone();
    }
    let (s, v) = app.post("/api/v1/work-orders", Some(agent), b).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    v
}

async fn act(app: &TestApp, t: &str, no: &str, body: Value) -> (StatusCode, Value) {
    app.post(&format!("/api/v1/work-orders/{no}/actions"), Some(t), body)
        .await
}

async fn invalid_calls_and_resolution(db: Db) {
    let app = TestApp::spawn(db).await;
    let agent = app.token("hotline").await;
    let unit = app.token("unit.jt").await;
    let silent = new_order(&app, &agent, json!({})).await;
    let no = silent["order_no"].as_str().unwrap();
    assert_eq!(silent["status"], "accepted", "{silent}");
    let (s, v) = act(&app, &agent, no, json!({ "action": "mark_invalid" })).await;
    assert_invalid(s, &v, "invalid_kind");
    let (s, v) = act(
        &app,
        &agent,
        no,
        json!({ "action": "mark_invalid", "invalid_kind": "prank" }),
    )
    .await;
    assert_invalid(s, &v, "invalid_kind");
    let (s, v) = act(
        &app,
        &unit,
        no,
        json!({ "action": "mark_invalid", "invalid_kind": "silent" }),
    )
    .await;
    assert!(
        matches!(s, StatusCode::FORBIDDEN | StatusCode::NOT_FOUND),
        "{v}"
    );
    let (s, v) = act(
        &app,
        &agent,
        no,
        json!({ "action": "mark_invalid", "invalid_kind": "silent" }),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["status"], "closed", "{v}");
    assert_eq!(v["invalid_kind"], "silent", "{v}");
    assert_eq!(v["invalid_label"], "无声电话", "{v}");
    // A dispatched order is no call to mark invalid any more.
    let sent = new_order(&app, &agent, json!({ "unit": "JT" })).await;
    let sent_no = sent["order_no"].as_str().unwrap();
    let (s, v) = act(
        &app,
        &agent,
        sent_no,
        json!({ "action": "mark_invalid", "invalid_kind": "harassment" }),
    )
    .await;
    assert_eq!(s, StatusCode::CONFLICT, "{v}");
    // The caller's answer at the callback: only with the satisfaction.
    act(&app, &unit, sent_no, json!({ "action": "sign" })).await;
    act(
        &app,
        &unit,
        sent_no,
        json!({ "action": "reply", "note": "已电话告知办理流程" }),
    )
    .await;
    let (s, v) = act(
        &app,
        &agent,
        sent_no,
        json!({ "action": "close", "resolved": true }),
    )
    .await;
    assert_invalid(s, &v, "resolved");
    let (s, v) = act(
        &app,
        &agent,
        sent_no,
        json!({ "action": "close", "level": 2, "resolved": false }),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["resolved"], false, "{v}");
    assert_eq!(v["callback_level"], 2, "{v}");
    let last = v["events"].as_array().unwrap().last().unwrap().clone();
    assert!(
        last["note"].as_str().unwrap().contains("不满意")
            && last["note"].as_str().unwrap().contains("诉求未解决"),
        "{v}"
    );

    let out = app.cli(&["stats", "check", "--db", &app.db_url]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let sup = app.token("supervisor").await;
    let year = today().year();
    let (_, api) = app
        .get(&format!("/api/v1/figures?period={year}"), Some(&sup))
        .await;
    assert_eq!(figure(&api, "hotline_valid_orders")["value"], 1, "{api}");
    assert_eq!(figure(&api, "hotline_resolution_rate")["value"], 0, "{api}");
    assert_eq!(
        figure(&api, "hotline_satisfaction_rate")["value"],
        0,
        "{api}"
    );

    // The agent's page offers the marking, with its kinds.
    let third = new_order(&app, &agent, json!({})).await;
    let third_no = third["order_no"].as_str().unwrap();
    let mut b = Browser::new(&app);
    b.staff_login("hotline").await;
    let (_, _, page) = b.get(&format!("/hotline/orders/{third_no}")).await;
    assert!(page.contains("标记无效来电"), "{page}");
    assert!(page.contains("打错电话"), "{page}");
    let csrf = hidden(&page, "csrf");
    let (s, _, _) = b
        .post(
            &format!("/hotline/orders/{third_no}/actions"),
            &[
                ("csrf", csrf.as_str()),
                ("action", "mark_invalid"),
                ("invalid_kind", "wrong_number"),
                ("note", ""),
            ],
        )
        .await;
    assert!(s.is_redirection(), "{s}");
    let (_, _, page) = b.get(&format!("/hotline/orders/{third_no}")).await;
    assert!(
        page.contains("无效来电") && page.contains("打错电话"),
        "{page}"
    );
}
both!(invalid_calls_and_resolution);

async fn on_time_over_orders_due(db: Db) {
    let app = TestApp::spawn(db).await;
    let agent = app.token("hotline").await;
    let unit = app.token("unit.jt").await;
    let dispatched = |extra: Value| {
        let app = &app;
        let agent = agent.clone();
        async move {
            let v = new_order(app, &agent, extra).await;
            v["order_no"].as_str().unwrap().to_string()
        }
    };
    let late = dispatched(json!({ "unit": "JT" })).await;
    let in_time = dispatched(json!({ "unit": "JT" })).await;
    let open = dispatched(json!({ "unit": "JT" })).await;
    let moved = dispatched(json!({ "unit": "JT" })).await;

    // A return and re-dispatch gives the new unit a fresh deadline, but the limit
    // measured stays the first dispatch's.
    let (_, v) = app
        .get(&format!("/api/v1/work-orders/{moved}"), Some(&agent))
        .await;
    let first_due = v["due_on"].clone();
    assert!(first_due.is_string(), "{v}");
    assert_eq!(v["due_on"], v["deadline"], "{v}");
    let (s, v) = act(
        &app,
        &unit,
        &moved,
        json!({ "action": "return", "note": "不属于本单位职责" }),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let (s, v) = act(
        &app,
        &agent,
        &moved,
        json!({ "action": "dispatch", "unit": "SJ" }),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["due_on"], first_due, "{v}");

    // Replies: one late, one in time; one never.
    for no in [&late, &in_time] {
        act(&app, &unit, no, json!({ "action": "sign" })).await;
        let (s, v) = act(
            &app,
            &unit,
            no,
            json!({ "action": "reply", "note": "已办理" }),
        )
        .await;
        assert_eq!(s, StatusCode::OK, "{v}");
        assert!(v["replied_at"].is_string(), "{v}");
    }
    // Their limits as if dispatched weeks ago: the late one was due before its
    // reply, the others by yesterday (the rebuilt counters follow the records).
    let yesterday = today() - chrono::Duration::days(1);
    let long_ago = today() - chrono::Duration::days(20);
    let set_due = |no: &str, due: chrono::NaiveDate| {
        format!(
            "UPDATE work_orders SET due_on = '{}', deadline = '{}' WHERE order_no = '{no}'",
            day(due),
            day(due)
        )
    };
    for (no, due) in [(&late, long_ago), (&in_time, yesterday), (&open, yesterday)] {
        assert_eq!(app.exec(&set_due(no, due)).await, 1);
    }
    // The in-time reply came before its limit.
    app.exec(&format!(
        "UPDATE work_orders SET replied_at = '{}T02:00:00.000Z' WHERE order_no = '{in_time}'",
        day(today() - chrono::Duration::days(2))
    ))
    .await;
    let out = app.cli(&["stats", "rebuild", "--db", &app.db_url]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let sup = app.token("supervisor").await;
    let year = today().year();
    let (_, api) = app
        .get(&format!("/api/v1/figures?period={year}"), Some(&sup))
        .await;
    let rate = figure(&api, "hotline_on_time_rate");
    // Due by yesterday: the late one, the in-time one and the open one (overdue,
    // counted late); the re-dispatched one is not due yet.
    let expected = if long_ago.year() == year {
        1.0 / 3.0
    } else {
        1.0 / 2.0
    };
    assert!(
        (rate["value"].as_f64().unwrap() - expected).abs() < 1e-9,
        "{rate}"
    );
    assert!(
        rate["definition"]
            .as_str()
            .unwrap()
            .contains("退单、改派和重办不重新计算"),
        "{rate}"
    );
    // The units' table on the hotline dashboard says the same of JT.
    let mut b = Browser::new(&app);
    b.staff_login("supervisor").await;
    let (s, _, csv) = b
        .get(&format!(
            "/dashboard/export/hotline_units.csv?from={year}-01-01&to={}",
            day(today())
        ))
        .await;
    assert_eq!(s, StatusCode::OK, "{csv}");
    let row = csv
        .lines()
        .find(|l| l.trim_start_matches('\u{feff}').starts_with("JT,"))
        .unwrap_or_else(|| panic!("{csv}"));
    let cell = row.split(',').nth(4).unwrap().trim_end_matches('%');
    let v: f64 = cell.parse().unwrap();
    let v = if v > 1.0 { v / 100.0 } else { v };
    assert!((v - expected).abs() < 1e-3, "{row}");
}
both!(on_time_over_orders_due);
