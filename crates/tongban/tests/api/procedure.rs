//! The procedure's ends and stops besides a decision: a supplement's deadline and its
//! lapse (视为撤回 before acceptance, 终止 after), 中止 and 终止 as their own states,
//! and a supervisor allowing a further supplement notice (Art. 32).

use crate::common::*;
use reqwest::StatusCode;
use serde_json::{Value, json};

async fn supplement(
    app: &TestApp,
    token: &str,
    no: &str,
    days: Option<i64>,
) -> (StatusCode, Value) {
    app.post(
        &format!("/api/v1/cases/{no}/actions"),
        Some(token),
        json!({ "action": "request_supplement", "note": "缺场地使用证明", "supply_days": days }),
    )
    .await
}

/// Moves the case's open supplement deadline to yesterday.
async fn deadline_passed(app: &TestApp, no: &str) {
    let yesterday = day(today() - chrono::Duration::days(1));
    let n = app
        .exec(&format!(
            "UPDATE case_pauses SET due_day = '{yesterday}' WHERE to_day IS NULL AND kind = 'supplement' \
             AND case_id = (SELECT id FROM cases WHERE case_no = '{no}')"
        ))
        .await;
    assert_eq!(n, 1, "{no}");
}

async fn supplement_deadline_lapses(db: Db) {
    let app = TestApp::spawn(db).await;
    let clerk = app.token("clerk.sj").await;
    let approver = app.token("approver.sj").await;

    // The notice gives a deadline in working days: out of range is refused by field.
    let early = case_no(&app.apply("clerk.sj", ITEM, "online").await);
    let (s, v) = supplement(&app, &clerk, &early, Some(0)).await;
    assert_invalid(s, &v, "supply_days");
    let (s, v) = supplement(&app, &clerk, &early, Some(3)).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["status"], "supplement_requested", "{v}");
    let (_, due) = app
        .get(
            &format!(
                "/api/v1/calendar/deadline?start={}&working_days=3",
                day(today())
            ),
            None,
        )
        .await;
    assert_eq!(v["supply_by"], due["deadline"], "{v} {due}");
    // Not yet due: no lapse.
    let (s, v) = app.act(&clerk, &early, "lapse", None).await;
    assert_eq!(s, StatusCode::CONFLICT, "{v}");
    assert!(
        v["error"]["message"].as_str().unwrap().contains("尚未届满"),
        "{v}"
    );

    // Before acceptance, passed: the clerk records it, and it counts as withdrawn.
    deadline_passed(&app, &early).await;
    let (s, v) = app.act(&clerk, &early, "lapse", None).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["status"], "withdrawn", "{v}");
    assert!(
        v["reason"].as_str().unwrap().contains("视为撤回申请"),
        "{v}"
    );

    // After acceptance, a supplement asked during review, passed: the platform ends
    // the review itself (the server's hourly sweep; here its command).
    let during = case_no(&app.apply("clerk.sj", ITEM, "window").await);
    let (s, v) = supplement(&app, &approver, &during, None).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let (_, due) = app
        .get(
            &format!(
                "/api/v1/calendar/deadline?start={}&working_days=10",
                day(today())
            ),
            None,
        )
        .await;
    assert_eq!(
        v["supply_by"], due["deadline"],
        "default 10 working days: {v}"
    );
    deadline_passed(&app, &during).await;
    let untouched = case_no(&app.apply("clerk.sj", ITEM, "online").await);
    let (s, _) = supplement(&app, &clerk, &untouched, None).await;
    assert_eq!(s, StatusCode::OK);
    let out = app.cli(&["case", "lapse", "--db", &app.db_url]);
    assert!(out.status.success(), "{out:?}");
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("1 件"),
        "{out:?}"
    );
    let (_, v) = app
        .get(&format!("/api/v1/cases/{during}"), Some(&clerk))
        .await;
    assert_eq!(v["status"], "terminated", "{v}");
    let last = v["events"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["action"], "lapse", "{v}");
    assert!(last["actor"].as_str().unwrap().contains("系统"), "{v}");
    assert!(last["note"].as_str().unwrap().contains("终止审查"), "{v}");
    // Not due yet: still waiting.
    let (_, v) = app
        .get(&format!("/api/v1/cases/{untouched}"), Some(&clerk))
        .await;
    assert_eq!(v["status"], "supplement_requested", "{v}");
    // Running it again ends nothing more.
    let out = app.cli(&["case", "lapse", "--db", &app.db_url]);
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("0 件"),
        "{out:?}"
    );
    // Both in the audit chain.
    let (_, audit) = app
        .get("/api/v1/audit?limit=1000", Some(&app.token("admin").await))
        .await;
    let lapses: Vec<&Value> = audit["entries"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "case.lapse")
        .collect();
    let text = format!("{lapses:?}");
    assert!(text.contains(&early) && text.contains(&during), "{audit}");

    // Their written acts: withdrawn by law before acceptance, review ended after.
    let mut b = Browser::new(&app);
    b.staff_login("clerk.sj").await;
    let (s, _, page) = b.get(&format!("/workbench/cases/{early}/notice")).await;
    assert_eq!(s, StatusCode::OK, "{page}");
    assert!(page.contains("视为撤回申请决定书"), "{page}");
    assert!(page.contains("逾期未提交补正材料"), "{page}");
    assert!(page.contains("申请行政复议"), "{page}");
    let (s, _, page) = b.get(&format!("/workbench/cases/{during}/notice")).await;
    assert_eq!(s, StatusCode::OK, "{page}");
    assert!(page.contains("终止审查决定书"), "{page}");
    // The supplement notice names its deadline, as 2026年…月…日.
    let (s, _, page) = b
        .get(&format!(
            "/workbench/cases/{untouched}/notice?doc=supplement"
        ))
        .await;
    assert_eq!(s, StatusCode::OK, "{page}");
    assert!(page.contains("前将补正材料提交至"), "{page}");
    assert!(page.contains("逾期未补正的，视为撤回申请"), "{page}");
}
both!(supplement_deadline_lapses);

async fn halt_restart_and_terminate(db: Db) {
    let app = TestApp::spawn(db).await;
    let clerk = app.token("clerk.sj").await;
    let approver = app.token("approver.sj").await;
    let no = case_no(&app.apply("clerk.sj", ITEM, "window").await);
    // 中止 needs its cause, and is the approver's.
    let (s, v) = app.act(&clerk, &no, "halt", Some("申请人死亡")).await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{v}");
    let (s, v) = app.act(&approver, &no, "halt", None).await;
    assert_invalid(s, &v, "note");
    let (s, v) = app
        .act(&approver, &no, "halt", Some("申请人死亡，待确定继承人"))
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["status"], "halted", "{v}");
    assert_eq!(v["status_label"], "中止审查", "{v}");
    assert_eq!(v["urgency"], "paused", "{v}");
    assert!(v["promised_deadline"].is_null(), "the clock stops: {v}");
    // A decision waits for the review to restart.
    let (s, v) = app.act(&approver, &no, "approve", None).await;
    assert_eq!(s, StatusCode::CONFLICT, "{v}");
    let (s, v) = app.act(&approver, &no, "restart", None).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["status"], "accepted", "{v}");
    assert!(v["promised_deadline"].is_string(), "{v}");
    // 终止: final, with its reason and its decision.
    let (s, v) = app
        .act(&approver, &no, "terminate", Some("申请人主体资格已注销"))
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["status"], "terminated", "{v}");
    assert!(v["closed_at"].is_string(), "{v}");
    let (s, v) = app.act(&approver, &no, "restart", None).await;
    assert_eq!(s, StatusCode::CONFLICT, "{v}");
    // Not before acceptance: an application not accepted is refused, not ended.
    let fresh = case_no(&app.apply("clerk.sj", ITEM, "online").await);
    let (s, v) = app.act(&approver, &fresh, "terminate", Some("x")).await;
    assert_eq!(s, StatusCode::CONFLICT, "{v}");

    let mut b = Browser::new(&app);
    b.staff_login("approver.sj").await;
    let (s, _, page) = b.get(&format!("/workbench/cases/{no}/notice")).await;
    assert_eq!(s, StatusCode::OK, "{page}");
    assert!(page.contains("终止审查决定书"), "{page}");
    assert!(page.contains("申请人主体资格已注销"), "{page}");
    let (s, _, page) = b
        .get(&format!("/workbench/cases/{no}/notice?doc=halt"))
        .await;
    assert_eq!(s, StatusCode::OK, "{page}");
    assert!(page.contains("中止审查告知书"), "{page}");
    assert!(page.contains("决定中止审查"), "{page}");
}
both!(halt_restart_and_terminate);

async fn supervisor_allows_a_further_notice(db: Db) {
    let app = TestApp::spawn(db).await;
    let clerk = app.token("clerk.sj").await;
    let supervisor = app.token("supervisor").await;
    let no = case_no(&app.apply("clerk.sj", ITEM, "online").await);
    let (s, _) = supplement(&app, &clerk, &no, None).await;
    assert_eq!(s, StatusCode::OK);
    let (s, _) = app.act(&clerk, &no, "supplement", None).await;
    assert_eq!(s, StatusCode::OK);
    let (s, v) = supplement(&app, &clerk, &no, None).await;
    assert_eq!(s, StatusCode::CONFLICT, "{v}");
    let allow = format!("/api/v1/cases/{no}/allow-notice");
    // Only a supervisor, and only with a reason.
    let (s, v) = app
        .post(&allow, Some(&clerk), json!({ "reason": "x" }))
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{v}");
    let (s, v) = app.post(&allow, Some(&supervisor), json!({})).await;
    assert_invalid(s, &v, "reason");
    let (s, v) = app
        .post(
            &allow,
            Some(&supervisor),
            json!({ "reason": "补正材料中的场地证明已过期，需重新提供" }),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert!(
        v["events"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["action"] == "allow_notice" && e["action_label"] == "准许再次补正告知"),
        "{v}"
    );
    // One more notice, not two.
    let (s, v) = supplement(&app, &clerk, &no, None).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let (s, _) = app.act(&clerk, &no, "supplement", None).await;
    assert_eq!(s, StatusCode::OK);
    let (s, v) = supplement(&app, &clerk, &no, None).await;
    assert_eq!(s, StatusCode::CONFLICT, "{v}");
    let (_, audit) = app
        .get("/api/v1/audit?limit=1000", Some(&app.token("admin").await))
        .await;
    assert!(
        audit["entries"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["action"] == "case.allow_notice" && e.to_string().contains(&no)),
        "{audit}"
    );
    // Nothing to allow on an application never told of a supplement.
    let other = case_no(&app.apply("clerk.sj", ITEM, "online").await);
    let (s, v) = app
        .post(
            &format!("/api/v1/cases/{other}/allow-notice"),
            Some(&supervisor),
            json!({ "reason": "x" }),
        )
        .await;
    assert_eq!(s, StatusCode::CONFLICT, "{v}");
}
both!(supervisor_allows_a_further_notice);

async fn deliver(app: &TestApp, token: &str, no: &str, body: Value) -> (StatusCode, Value) {
    let mut body = body;
    body["action"] = json!("deliver");
    app.post(&format!("/api/v1/cases/{no}/actions"), Some(token), body)
        .await
}

async fn decisions_are_delivered(db: Db) {
    let app = TestApp::spawn(db).await;
    let clerk = app.token("clerk.sj").await;
    let approver = app.token("approver.sj").await;
    let (_, due) = app
        .get(
            &format!(
                "/api/v1/calendar/deadline?start={}&working_days=10",
                day(today())
            ),
            None,
        )
        .await;

    // Approved: ten working days to deliver, from the decision.
    let no = case_no(&app.apply("clerk.sj", ITEM, "window").await);
    let (s, v) = app.act(&approver, &no, "approve", None).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["deliver_by"], due["deadline"], "{v}");
    assert!(v["delivery"].is_null(), "{v}");
    // Delivered once the license is issued (closed), with every fault named.
    let ok = json!({ "delivery_method": "window", "recipient": "张三" });
    let (s, v) = deliver(&app, &clerk, &no, ok.clone()).await;
    assert_eq!(s, StatusCode::CONFLICT, "not before closing: {v}");
    let (s, v) = app.act(&clerk, &no, "close", None).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let (s, v) = deliver(&app, &clerk, &no, json!({ "recipient": "张三" })).await;
    assert_invalid(s, &v, "delivery_method");
    let (s, v) = deliver(
        &app,
        &clerk,
        &no,
        json!({ "delivery_method": "post", "recipient": "张三" }),
    )
    .await;
    assert_invalid(s, &v, "tracking_no");
    let tomorrow = day(today() + chrono::Duration::days(1));
    let (s, v) = deliver(
        &app,
        &clerk,
        &no,
        json!({ "delivery_method": "window", "recipient": "张三", "delivered_on": tomorrow }),
    )
    .await;
    assert_invalid(s, &v, "delivered_on");
    let (s, v) = deliver(&app, &clerk, &no, ok.clone()).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["delivery"]["method"], "window", "{v}");
    assert_eq!(v["delivery"]["recipient"], "张三", "{v}");
    assert_eq!(v["delivery"]["on"], day(today()).as_str(), "{v}");
    assert_eq!(v["delivery_late"], false, "{v}");
    let last = v["events"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["action"], "deliver", "{v}");
    assert!(
        last["note"].as_str().unwrap().contains("签收人：张三"),
        "{v}"
    );
    let (s, v) = deliver(&app, &clerk, &no, ok.clone()).await;
    assert_eq!(s, StatusCode::CONFLICT, "once: {v}");

    // Rejected and not delivered in time: listed for supervisors, and a delivery
    // after the day keeps the lateness on record.
    let late = case_no(&app.apply("clerk.sj", ITEM, "window").await);
    let (s, v) = app
        .act(&approver, &late, "reject", Some("不符合法定条件"))
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["deliver_by"], due["deadline"], "{v}");
    let past = day(today() - chrono::Duration::days(20));
    let n = app
        .exec(&format!(
            "UPDATE cases SET deliver_by = '{past}', decided_at = '{past}T02:00:00.000Z' WHERE case_no = '{late}'"
        ))
        .await;
    assert_eq!(n, 1);
    let supervisor = app.token("supervisor").await;
    let (s, v) = app
        .get("/api/v1/cases?due=undelivered", Some(&supervisor))
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["total"], 1, "{v}");
    assert_eq!(v["cases"][0]["case_no"], late.as_str(), "{v}");
    assert_eq!(v["cases"][0]["delivery_late"], true, "{v}");
    let mut b = Browser::new(&app);
    b.staff_login("supervisor").await;
    let (s, _, page) = b.get("/supervision").await;
    assert_eq!(s, StatusCode::OK);
    assert!(page.contains("逾期未送达的决定（1 件）"), "{page}");
    assert!(page.contains(&late), "{page}");
    let (s, v) = deliver(
        &app,
        &approver,
        &late,
        json!({ "delivery_method": "post", "recipient": "张三", "tracking_no": "EMS1234567890" }),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["delivery_late"], true, "{v}");
    assert_eq!(v["delivery"]["reference"], "EMS1234567890", "{v}");
    let last = v["events"].as_array().unwrap().last().unwrap().clone();
    assert!(
        last["note"].as_str().unwrap().contains("超过送达期限"),
        "{v}"
    );
    let (_, v) = app
        .get("/api/v1/cases?due=undelivered", Some(&supervisor))
        .await;
    assert_eq!(v["total"], 0, "{v}");

    // An instant case is handed over at the window as it is decided.
    let v = app.apply("clerk.sj", INSTANT, "window").await;
    assert_eq!(v["status"], "closed", "{v}");
    assert_eq!(v["delivery"]["method"], "window", "{v}");
    assert_eq!(v["deliver_by"], day(today()).as_str(), "{v}");

    // From the case page: the form records it.
    let page_case = case_no(&app.apply("clerk.sj", ITEM, "window").await);
    app.act(&approver, &page_case, "approve", None).await;
    app.act(&clerk, &page_case, "close", None).await;
    let mut b = Browser::new(&app);
    b.staff_login("clerk.sj").await;
    let (_, _, page) = b.get(&format!("/workbench/cases/{page_case}")).await;
    assert!(page.contains("登记送达"), "{page}");
    let csrf = hidden(&page, "csrf");
    let (s, _, page) = b
        .post(
            &format!("/workbench/cases/{page_case}/actions"),
            &[
                ("csrf", csrf.as_str()),
                ("action", "deliver"),
                ("delivery_method", "post"),
                ("recipient", "李四"),
                ("tracking_no", ""),
                ("delivered_on", ""),
            ],
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{page}");
    assert!(page.contains("邮寄送达须填写邮件单号"), "{page}");
    let (s, _, page) = b
        .post(
            &format!("/workbench/cases/{page_case}/actions"),
            &[
                ("csrf", csrf.as_str()),
                ("action", "deliver"),
                ("delivery_method", "post"),
                ("recipient", "李四"),
                ("tracking_no", "SF100200300"),
                ("delivered_on", ""),
            ],
        )
        .await;
    assert!(s.is_redirection() || s == StatusCode::OK, "{s} {page}");
    let (_, _, page) = b.get(&format!("/workbench/cases/{page_case}")).await;
    assert!(page.contains("邮寄送达"), "{page}");
    assert!(page.contains("SF100200300"), "{page}");
    assert!(!page.contains("登记送达"), "{page}");
}
both!(decisions_are_delivered);
