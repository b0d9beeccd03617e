//! The approval modes offices use: 容缺受理 (accepted with non-essential materials to
//! follow, before the decision), 告知承诺制 (approved on the signed commitment,
//! verified later, revoked when untrue), an agent with a power of attorney, and 帮办
//! 代办.

use crate::common::*;
use chrono::Datelike;
use reqwest::StatusCode;
use serde_json::{Value, json};

fn application(extra: Value) -> Value {
    let mut b = TestApp::application(ITEM, "window");
    for (k, v) in extra.as_object().unwrap() {
        b[k] = v.clone();
    }
    b
}

async fn file(app: &TestApp, token: &str, extra: Value) -> (StatusCode, Value) {
    app.post("/api/v1/cases", Some(token), application(extra))
        .await
}

async fn tolerance_acceptance(db: Db) {
    let app = TestApp::spawn(db).await;
    let clerk = app.token("clerk.sj").await;
    let approver = app.token("approver.sj").await;
    // Only a material the item marks 可容缺 may follow.
    let (s, v) = file(
        &app,
        &clerk,
        json!({ "materials": ["营业执照"], "deferred": ["申请书"] }),
    )
    .await;
    assert_invalid(s, &v, "deferred");
    assert!(v.to_string().contains("核心材料"), "{v}");
    let (s, v) = file(
        &app,
        &clerk,
        json!({ "materials": ["申请书"], "deferred": ["营业执照"] }),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    assert_eq!(v["status"], "accepted", "{v}");
    assert_eq!(v["mode"], "tolerance", "{v}");
    assert_eq!(v["deferred"], json!(["营业执照"]), "{v}");
    let no = case_no(&v);
    // No decision until it is supplied.
    let (s, v) = app.act(&approver, &no, "approve", None).await;
    assert_eq!(s, StatusCode::CONFLICT, "{v}");
    assert!(v.to_string().contains("容缺受理的材料尚未补齐"), "{v}");
    let (s, v) = app.act(&clerk, &no, "complete_deferred", None).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["deferred"], json!([]), "{v}");
    let (s, v) = app.act(&clerk, &no, "complete_deferred", None).await;
    assert_eq!(s, StatusCode::CONFLICT, "{v}");
    let (s, v) = app.act(&approver, &no, "approve", None).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    // Not online: 容缺 is the window's.
    let mut online = application(json!({ "deferred": ["营业执照"] }));
    online["channel"] = json!("online");
    let (s, v) = app.post("/api/v1/cases", Some(&clerk), online).await;
    assert_invalid(s, &v, "deferred");
}
both!(tolerance_acceptance);

async fn commitment_approval(db: Db) {
    let app = TestApp::spawn(db).await;
    let clerk = app.token("clerk.sj").await;
    let approver = app.token("approver.sj").await;
    let head = app.token("head.sj").await;
    // The item must allow it, and the commitment must be signed.
    let mut instant = TestApp::application(INSTANT, "window");
    instant["commitment"] = json!(true);
    let (s, v) = app.post("/api/v1/cases", Some(&clerk), instant).await;
    assert_invalid(s, &v, "commitment");
    let (s, v) = file(&app, &clerk, json!({ "commitment": true })).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    assert_eq!(v["status"], "approved", "decided on the spot: {v}");
    assert_eq!(v["mode"], "commitment", "{v}");
    assert_eq!(v["result"], "准予许可（告知承诺制）", "{v}");
    // Twenty working days on (an estimate past the calendar's known years).
    let verify_by = v["verify_by"].as_str().unwrap().to_string();
    assert!(verify_by > day(today() + chrono::Duration::days(20)), "{v}");
    let kept = case_no(&v);
    // Verified as true.
    let (s, v) = app.act(&approver, &kept, "verify_commitment", None).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert!(v["verified_at"].is_string(), "{v}");
    let (s, v) = app.act(&approver, &kept, "verify_commitment", None).await;
    assert_eq!(s, StatusCode::CONFLICT, "{v}");

    // Another proves untrue: the head revokes it, with the license.
    let (_, v) = file(&app, &clerk, json!({ "commitment": true })).await;
    let untrue = case_no(&v);
    let (s, v) = app.act(&clerk, &untrue, "close", None).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let license = v["license_no"].as_str().unwrap().to_string();
    let (s, v) = app
        .act(&approver, &untrue, "revoke", Some("经营场所与承诺不符"))
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN, "the head's: {v}");
    let (s, v) = app.act(&head, &untrue, "revoke", None).await;
    assert_invalid(s, &v, "note");
    let (s, v) = app
        .act(
            &head,
            &untrue,
            "revoke",
            Some("经现场核查，经营场所与承诺不符"),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["status"], "revoked", "{v}");
    let (s, v) = app.get(&format!("/api/v1/licenses/{license}"), None).await;
    assert!(
        s == StatusCode::OK && v.to_string().contains("revoked"),
        "{s} {v}"
    );
    // A standard case has no commitment to verify.
    let plain = case_no(&app.apply("clerk.sj", ITEM, "window").await);
    app.act(&approver, &plain, "approve", None).await;
    let (s, v) = app.act(&approver, &plain, "verify_commitment", None).await;
    assert_eq!(s, StatusCode::CONFLICT, "{v}");

    // Its notices, and the figures.
    let mut b = Browser::new(&app);
    b.staff_login("head.sj").await;
    let (s, _, page) = b.get(&format!("/workbench/cases/{kept}/notice")).await;
    assert_eq!(s, StatusCode::OK, "{page}");
    assert!(page.contains("告知承诺制准予行政许可决定书"), "{page}");
    assert!(page.contains("承诺不实的，本机关将依法撤销"), "{page}");
    let (s, _, page) = b.get(&format!("/workbench/cases/{untrue}/notice")).await;
    assert_eq!(s, StatusCode::OK, "{page}");
    assert!(page.contains("撤销行政许可决定书"), "{page}");
    assert!(page.contains("第六十九条"), "{page}");
    let out = app.cli(&["stats", "check", "--db", &app.db_url]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let (_, api) = app
        .get(
            &format!("/api/v1/figures?period={}", today().year()),
            Some(&app.token("supervisor").await),
        )
        .await;
    assert_eq!(figure(&api, "cases_commitment")["value"], 2, "{api}");
    assert_eq!(figure(&api, "commitments_revoked")["value"], 1, "{api}");
    assert_eq!(
        figure(&api, "cases_accepted")["value"],
        3,
        "modes do not add to the count: {api}"
    );

    // Unverified past its day: listed for supervisors.
    let (_, v) = file(&app, &clerk, json!({ "commitment": true })).await;
    let late = case_no(&v);
    let past = day(today() - chrono::Duration::days(1));
    app.exec(&format!(
        "UPDATE cases SET verify_by = '{past}' WHERE case_no = '{late}'"
    ))
    .await;
    let (_, v) = app
        .get(
            "/api/v1/cases?due=unverified",
            Some(&app.token("supervisor").await),
        )
        .await;
    assert_eq!(v["total"], 1, "{v}");
    assert_eq!(v["cases"][0]["case_no"], late.as_str(), "{v}");
}
both!(commitment_approval);

async fn agent_and_assistance(db: Db) {
    let app = TestApp::spawn(db).await;
    let clerk = app.token("clerk.sj").await;
    // An agent needs a valid identity and the power of attorney.
    let (s, v) = file(
        &app,
        &clerk,
        json!({ "agent": { "name": "李四", "id_number": "11010519491231002X", "phone": "13900001111" } }),
    )
    .await;
    assert_invalid(s, &v, "agent.power_of_attorney");
    let (s, v) = file(
        &app,
        &clerk,
        json!({ "agent": { "name": "李四", "id_number": "123", "phone": "13900001111", "power_of_attorney": true } }),
    )
    .await;
    assert_invalid(s, &v, "agent.id_number");
    let (s, v) = file(
        &app,
        &clerk,
        json!({ "agent": { "name": "李四", "id_number": "11010519491231002X", "phone": "13900001111",
            "power_of_attorney": true }, "assisted": true }),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    assert_eq!(v["agent"]["name"], "李四", "{v}");
    assert_eq!(v["agent"]["id_number"], "110105********002X", "masked: {v}");
    assert!(!v.to_string().contains("13900001111"), "phone masked: {v}");
    assert!(v["assistant"].as_str().unwrap().contains("clerk.sj"), "{v}");
    let no = case_no(&v);
    // Encrypted at rest.
    let stored: i64 = app
        .exec(&format!(
            "UPDATE cases SET agent_name = agent_name WHERE case_no = '{no}' AND agent_id_enc NOT LIKE '%11010519491231002X%' AND agent_phone_enc NOT LIKE '%13900001111%'"
        ))
        .await as i64;
    assert_eq!(stored, 1);
    // The counter form takes them too.
    let mut b = Browser::new(&app);
    b.staff_login("clerk.sj").await;
    let (_, _, page) = b.get(&format!("/workbench/accept/{ITEM}")).await;
    assert!(
        page.contains("经办人/代理人") && page.contains("容缺后补"),
        "{page}"
    );
    assert!(page.contains("告知承诺制"), "{page}");
    let (_, _, case_page) = b.get(&format!("/workbench/cases/{no}")).await;
    assert!(case_page.contains("已收取授权委托书"), "{case_page}");
    assert!(case_page.contains("帮办代办"), "{case_page}");
}
both!(agent_and_assistance);
