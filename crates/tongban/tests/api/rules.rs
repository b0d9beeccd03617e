//! Rules added after review: registering a walk-in application without accepting it,
//! instant items accepted online, extensions only in time, limits on guessing the
//! applicant's proof, exact deadlines once a year's holidays are entered, versions
//! that cannot shadow each other, ratings from the window device. Both backends.

use crate::common::{Db, TestApp};
use reqwest::StatusCode;
use serde_json::json;

async fn walk_in_registered_then_supplemented_or_refused(db: Db) {
    let app = TestApp::spawn(db).await;
    let clerk = app.token("clerk.sj").await;
    let mut body = TestApp::application(crate::common::ITEM, "window");
    body["materials"] = json!(["申请书"]);
    // Incomplete and to be accepted now: refused with the missing list.
    let (s, v) = app.post("/api/v1/cases", Some(&clerk), body.clone()).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert!(v["error"]["message"].as_str().unwrap().contains("营业执照"));
    // Registered without acceptance: the clerk can then ask for the rest.
    body["accept"] = json!(false);
    let (s, v) = app.post("/api/v1/cases", Some(&clerk), body.clone()).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    assert_eq!(v["status"], "submitted");
    assert!(v["promised_deadline"].is_null());
    let no = v["case_no"].as_str().unwrap().to_string();
    let (s, v) = app
        .act(&clerk, &no, "request_supplement", Some("缺少营业执照副本"))
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["status"], "supplement_requested");
    let (s, v) = app.act(&clerk, &no, "supplement", None).await;
    assert_eq!(v["status"], "submitted", "{s} {v}");
    let (_, v) = app.act(&clerk, &no, "accept", None).await;
    assert_eq!(v["status"], "accepted");
    // Another one is refused at the counter.
    let (_, v) = app.post("/api/v1/cases", Some(&clerk), body).await;
    let no = v["case_no"].as_str().unwrap().to_string();
    let (_, v) = app
        .act(&clerk, &no, "refuse", Some("不属于本机关职权范围"))
        .await;
    assert_eq!(v["status"], "refused");
    assert_eq!(v["reason"], "不属于本机关职权范围");
}
both!(walk_in_registered_then_supplemented_or_refused);

async fn instant_item_applied_online_closes_on_acceptance(db: Db) {
    let app = TestApp::spawn(db).await;
    let v = app
        .apply("clerk.sj", crate::common::INSTANT, "online")
        .await;
    assert_eq!(v["status"], "submitted");
    let clerk = app.token("clerk.sj").await;
    let (s, v) = app
        .act(&clerk, v["case_no"].as_str().unwrap(), "accept", None)
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["status"], "closed");
    assert!(v["document_no"].is_string());
    let actions: Vec<&str> = v["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["submit", "accept", "close"]);
}
both!(instant_item_applied_online_closes_on_acceptance);

async fn no_extension_after_the_legal_deadline(db: Db) {
    let app = TestApp::spawn(db).await;
    let v = app.apply("clerk.sj", crate::common::ITEM, "window").await;
    let no = v["case_no"].as_str().unwrap().to_string();
    app.exec(&format!(
        "UPDATE cases SET legal_deadline = '2020-01-31' WHERE case_no = '{no}'"
    ))
    .await;
    let head = app.token("head.sj").await;
    let (s, v) = app.act(&head, &no, "extend", Some("需要现场核查")).await;
    assert_eq!(s, StatusCode::CONFLICT, "{v}");
    assert!(v["error"]["message"].as_str().unwrap().contains("已过"));
    let (_, v) = app.get(&format!("/api/v1/cases/{no}"), Some(&head)).await;
    assert_eq!(v["extension_days"], 0);
}
both!(no_extension_after_the_legal_deadline);

async fn guessing_the_applicants_proof_is_limited(db: Db) {
    let app = TestApp::spawn(db).await;
    let v = app.apply("clerk.sj", crate::common::ITEM, "window").await;
    let no = v["case_no"].as_str().unwrap().to_string();
    let (s, _) = app
        .get(&format!("/api/v1/progress/{no}?last_six=31002X"), None)
        .await;
    assert_eq!(s, StatusCode::OK);
    for i in 0..10 {
        let (s, _) = app
            .get(&format!("/api/v1/progress/{no}?last_six={:06}", i), None)
            .await;
        assert_eq!(s, StatusCode::NOT_FOUND);
    }
    // This address waits now, even for the right answer, and for ratings too.
    let (s, v) = app
        .get(&format!("/api/v1/progress/{no}?last_six=31002X"), None)
        .await;
    assert_eq!(s, StatusCode::LOCKED, "{v}");
    assert!(
        v["error"]["message"]
            .as_str()
            .unwrap()
            .contains("尝试次数过多"),
        "{v}"
    );
    let (s, _) = app
        .post(
            &format!("/api/v1/cases/{no}/rating"),
            None,
            json!({ "level": 5, "last_six": "31002X" }),
        )
        .await;
    assert_eq!(s, StatusCode::LOCKED);
    // The applicant at another address is not locked out of their own case.
    tongban_store::cases::public_progress(
        &app.store,
        &tongban_domain::case::CaseNo::parse(&no).unwrap(),
        "31002X",
        "10.7.7.7",
    )
    .await
    .expect("another address is unaffected");
}
both!(guessing_the_applicants_proof_is_limited);

async fn entering_a_year_makes_estimated_deadlines_exact(db: Db) {
    let app = TestApp::spawn(db).await;
    let v = app.apply("clerk.sj", crate::common::ITEM, "window").await;
    let no = v["case_no"].as_str().unwrap().to_string();
    // Pretend the case was accepted on the last days of 2026, so its deadlines run
    // into 2027, whose holidays are not known yet.
    let mut tx = app.store.begin().await.unwrap();
    sqlx::query(
        "UPDATE cases SET accepted_on = '2026-12-28', promised_deadline = '2027-01-04', legal_deadline = '2027-01-25', \
         deadline_estimated = 1 WHERE case_no = $1",
    )
    .bind(&no)
    .execute(&mut *tx)
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let admin = app.token("admin").await;
    // 2027: New Year's Day on Friday 01-01, and (for the test) 01-04 and 01-05 off.
    let days = json!([
        { "date": "2027-01-01", "kind": "holiday", "festival": "元旦" },
        { "date": "2027-01-04", "kind": "holiday", "festival": "测试" },
        { "date": "2027-01-05", "kind": "holiday", "festival": "测试" }
    ]);
    let (s, v) = app
        .post(
            "/api/v1/calendar/years",
            Some(&admin),
            json!({ "year": 2027, "days": days }),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let clerk = app.token("clerk.sj").await;
    let (_, v) = app.get(&format!("/api/v1/cases/{no}"), Some(&clerk)).await;
    assert_eq!(v["deadline_estimated"], false, "{v}");
    // Five working days after 12-28: 12-29, 12-30, 12-31, 01-06, 01-07.
    assert_eq!(v["promised_deadline"], "2027-01-07", "{v}");
    let (_, d) = app
        .get(
            "/api/v1/calendar/deadline?start=2026-12-28&working_days=20",
            None,
        )
        .await;
    assert_eq!(v["legal_deadline"], d["deadline"]);
}
both!(entering_a_year_makes_estimated_deadlines_exact);

async fn a_version_cannot_take_effect_before_a_published_later_one(db: Db) {
    let app = TestApp::spawn(db).await;
    let admin = app.token("admin").await;
    let (_, item) = app
        .get(&format!("/api/v1/items/{}", crate::common::ITEM), None)
        .await;
    let content = item["content"].clone();
    let post = |eff: &str| json!({ "content": content.clone(), "effective_from": eff, "change_note": "调整材料" });
    let (s, v) = app
        .post(
            &format!("/api/v1/items/{}/versions", crate::common::ITEM),
            Some(&admin),
            post("2099-03-01"),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let (s, v) = app
        .post(
            &format!("/api/v1/items/{}/versions", crate::common::ITEM),
            Some(&admin),
            post("2099-02-01"),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let (s, _) = app
        .post(
            &format!("/api/v1/items/{}/versions/2/publish", crate::common::ITEM),
            Some(&admin),
            json!({}),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    // Version 3 would take effect before the published version 2: refused.
    let (s, v) = app
        .post(
            &format!("/api/v1/items/{}/versions/3/publish", crate::common::ITEM),
            Some(&admin),
            json!({}),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert_eq!(v["error"]["field"], "effective_from");
    let (_, v) = app
        .get(
            &format!("/api/v1/items/{}?on=2099-03-02", crate::common::ITEM),
            None,
        )
        .await;
    assert_eq!(v["version"], 2);
}
both!(a_version_cannot_take_effect_before_a_published_later_one);

async fn window_device_rates_the_visit(db: Db) {
    let app = TestApp::spawn(db).await;
    let v = app.apply("clerk.sj", crate::common::ITEM, "window").await;
    let no = v["case_no"].as_str().unwrap().to_string();
    let clerk = app.token("clerk.sj").await;
    // Served at the window (accepted): the device may rate the visit, without comment.
    let (s, v) = app
        .post(
            &format!("/api/v1/cases/{no}/rating"),
            Some(&clerk),
            json!({ "level": 2 }),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    assert!(
        v["follow_up"]["due_on"].is_string(),
        "a bad rating opens a follow-up: {v}"
    );
    // The applicant cannot rate an open case.
    let w = app.apply("clerk.sj", crate::common::ITEM, "window").await;
    let (s, _) = app
        .post(
            &format!("/api/v1/cases/{}/rating", w["case_no"].as_str().unwrap()),
            None,
            json!({ "level": 5, "last_six": "31002X" }),
        )
        .await;
    assert_eq!(s, StatusCode::CONFLICT);
}
both!(window_device_rates_the_visit);

async fn cases_through_the_cli(db: Db) {
    let app = TestApp::spawn(db).await;
    let out = app.cli(&[
        "case",
        "create",
        "--db",
        &app.db_url,
        "--as",
        "clerk.sj",
        "--item",
        crate::common::ITEM,
        "--name",
        "李四",
        "--id-number",
        crate::common::ID_NUMBER,
        "--phone",
        crate::common::PHONE,
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["status"], "accepted");
    let no = v["case_no"].as_str().unwrap().to_string();
    let out = app.cli(&[
        "case",
        "act",
        "--db",
        &app.db_url,
        "--as",
        "approver.sj",
        &no,
        "approve",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = app.cli(&[
        "case",
        "act",
        "--db",
        &app.db_url,
        "--as",
        "approver.sj",
        &no,
        "reject",
    ]);
    assert_eq!(out.status.code(), Some(2), "an invalid transition fails");
    assert!(String::from_utf8_lossy(&out.stderr).contains("不能执行"));
    let out = app.cli(&[
        "case",
        "show",
        "--db",
        &app.db_url,
        "--as",
        "approver.jt",
        &no,
    ]);
    assert_eq!(
        out.status.code(),
        Some(2),
        "another department's case is not shown"
    );
    let out = app.cli(&[
        "case",
        "show",
        "--db",
        &app.db_url,
        "--as",
        "supervisor",
        &no,
    ]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["status"], "approved");
    let out = app.cli(&["case", "show", "--db", &app.db_url, "--as", "nobody", &no]);
    assert!(!out.status.success());
}
both!(cases_through_the_cli);

async fn admin_adds_an_item_and_publishes_it(db: Db) {
    let app = TestApp::spawn(db).await;
    let admin = app.token("admin").await;
    let (_, item) = app
        .get(&format!("/api/v1/items/{}", crate::common::ITEM), None)
        .await;
    let mut content = item["content"].clone();
    content["name"] = json!("食品经营许可（延续）");
    let tomorrow = (chrono::Utc::now() + chrono::Duration::days(2))
        .format("%Y-%m-%d")
        .to_string();
    let body = json!({ "code": "SJ-LICENCE-0001-Z3", "department": "SJ", "parent": crate::common::ITEM,
                       "content": content, "effective_from": tomorrow });
    let (s, v) = app
        .post(
            "/api/v1/items",
            Some(&app.token("clerk.sj").await),
            body.clone(),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{v}");
    let (s, v) = app.post("/api/v1/items", Some(&admin), body.clone()).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let (s, _) = app.post("/api/v1/items", Some(&admin), body.clone()).await;
    assert_eq!(s, StatusCode::CONFLICT);
    let mut bad = body.clone();
    bad["code"] = json!("SJ-X-2");
    bad["department"] = json!("NOPE");
    let (s, v) = app.post("/api/v1/items", Some(&admin), bad).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(v["error"]["field"], "department");
    // Not in force before publication and before its date.
    let (s, _) = app.get("/api/v1/items/SJ-LICENCE-0001-Z3", None).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _) = app
        .post(
            "/api/v1/items/SJ-LICENCE-0001-Z3/versions/1/publish",
            Some(&admin),
            json!({}),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let (s, v) = app
        .get(
            &format!("/api/v1/items/SJ-LICENCE-0001-Z3?on={tomorrow}"),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["parent_code"], crate::common::ITEM);
}
both!(admin_adds_an_item_and_publishes_it);

async fn numbers_can_stay_out_of_urls(db: Db) {
    let app = TestApp::spawn(db).await;
    let (s, v) = app
        .post(
            "/api/v1/codes/id",
            None,
            json!({ "number": crate::common::ID_NUMBER }),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v["valid"], true);
    let (_, v) = app
        .post(
            "/api/v1/codes/uscc/check",
            None,
            json!({ "code": "91350100M000100Y44" }),
        )
        .await;
    assert_eq!(v["valid"], false);
    app.apply("clerk.sj", crate::common::ITEM, "window").await;
    let clerk = app.token("clerk.sj").await;
    let (s, v) = app
        .post(
            "/api/v1/cases/search",
            Some(&clerk),
            json!({ "id_number": crate::common::ID_NUMBER }),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["total"], 1);
    let (s, v) = app
        .post(
            "/api/v1/cases/search",
            Some(&clerk),
            json!({ "status": "nope" }),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
}
both!(numbers_can_stay_out_of_urls);
