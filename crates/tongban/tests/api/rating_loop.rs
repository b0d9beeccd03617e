//! 好差评's closed loop: a bad rating is verified, rectified and answered; the rater
//! may appeal; the service management office reviews; the rated staff member is on
//! record; the on-time rectification rate counts a late answer as late.

use crate::common::*;
use chrono::Datelike;
use reqwest::StatusCode;
use serde_json::json;

async fn bad_rating_verified_appealed_reviewed(db: Db) {
    let app = TestApp::spawn(db).await;
    let clerk = app.token("clerk.sj").await;
    let head = app.token("head.sj").await;
    let supervisor = app.token("supervisor").await;
    let no = closed_case(&app, "clerk.sj", "approver.sj", ITEM).await;
    let path = |what: &str| format!("/api/v1/cases/{no}/rating{what}");

    // The applicant rates 非常不满意 (1 on the one scale); the clerk who accepted the
    // case is the staff member rated. The window's device rates the clerk at it.
    let (s, v) = app
        .post(
            &path(""),
            None,
            json!({ "level": 1, "last_six": "31002X", "comment": "材料要求没有一次性讲清" }),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    assert_eq!(v["label"], "非常不满意", "{v}");
    assert_eq!(v["staff"], "clerk.sj", "{v}");
    let (s, v) = app
        .post(&path(""), Some(&clerk), json!({ "level": 5 }))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    assert_eq!(v["staff"], "clerk.sj", "{v}");

    // No appeal before the department has answered.
    let appeal = json!({ "appeal": "答复没有说明如何改进", "last_six": "31002X" });
    let (s, v) = app.post(&path("/appeal"), None, appeal.clone()).await;
    assert_eq!(s, StatusCode::CONFLICT, "{v}");
    // Verified and answered.
    let (s, v) = app
        .post(
            &path("/answer"),
            Some(&head),
            json!({ "finding": "partly_founded", "answer": "已对窗口人员开展一次性告知培训" }),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["follow_up"]["finding_label"], "部分属实", "{v}");
    // The rater appeals: with their proof, once; staff cannot appeal for them.
    let (s, v) = app
        .post(
            &path("/appeal"),
            None,
            json!({ "appeal": "x", "last_six": "000000" }),
        )
        .await;
    assert!(s.is_client_error() && s != StatusCode::OK, "{v}");
    let (s, v) = app.post(&path("/appeal"), None, appeal.clone()).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["follow_up"]["appeal"], "答复没有说明如何改进", "{v}");
    let (s, v) = app.post(&path("/appeal"), None, appeal.clone()).await;
    assert_eq!(s, StatusCode::CONFLICT, "once: {v}");

    // The office reviews: only a supervisor, with a conclusion and an opinion.
    let (s, v) = app
        .post(
            &path("/review"),
            Some(&head),
            json!({ "outcome": "upheld", "review": "x" }),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{v}");
    let (s, v) = app
        .post(
            &path("/review"),
            Some(&supervisor),
            json!({ "review": "x" }),
        )
        .await;
    assert_invalid(s, &v, "outcome");
    let (s, v) = app
        .post(
            &path("/review"),
            Some(&supervisor),
            json!({ "outcome": "redo", "review": "整改措施不具体，请明确改进办法并再次答复" }),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["follow_up"]["review_outcome"], "redo", "{v}");
    assert!(v["follow_up"]["answered_at"].is_null(), "reopened: {v}");
    let (s, v) = app
        .post(
            &path("/review"),
            Some(&supervisor),
            json!({ "outcome": "upheld", "review": "x" }),
        )
        .await;
    assert_eq!(s, StatusCode::CONFLICT, "reviewed once: {v}");
    // Answered again, in time.
    let (s, v) = app
        .post(
            &path("/answer"),
            Some(&head),
            json!({ "finding": "founded", "answer": "已修订一次性告知清单并张贴于窗口" }),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let audit = app
        .get("/api/v1/audit?limit=1000", Some(&app.token("admin").await))
        .await
        .1
        .to_string();
    for action in ["rating.answer", "rating.appeal", "rating.review"] {
        assert!(audit.contains(action), "{action}");
    }

    // A second bad rating answered after its due day: late.
    let late = closed_case(&app, "clerk.sj", "approver.sj", ITEM).await;
    let (s, _) = app
        .post(
            &format!("/api/v1/cases/{late}/rating"),
            None,
            json!({ "level": 2, "last_six": "31002X" }),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED);
    let past = day(today() - chrono::Duration::days(1));
    app.exec(&format!(
        "UPDATE rating_followups SET due_on = '{past}' WHERE case_id = (SELECT id FROM cases WHERE case_no = '{late}')"
    ))
    .await;
    let (s, v) = app
        .post(
            &format!("/api/v1/cases/{late}/rating/answer"),
            Some(&head),
            json!({ "finding": "unfounded", "answer": "经核实，申请人所述情况不属实" }),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let out = app.cli(&["stats", "check", "--db", &app.db_url]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let (_, api) = app
        .get(
            &format!("/api/v1/figures?period={}", today().year()),
            Some(&supervisor),
        )
        .await;
    let rate = figure(&api, "ratings_bad_answered_rate");
    assert_eq!(rate["label"], "差评按时整改率", "{rate}");
    assert!(
        (rate["value"].as_f64().unwrap() - 0.5).abs() < 1e-9,
        "{rate}"
    );

    // The case page shows the loop to staff, and offers the office its review form
    // once appealed.
    let mut b = Browser::new(&app);
    b.staff_login("supervisor").await;
    let (_, _, page) = b.get(&format!("/workbench/cases/{no}")).await;
    assert!(page.contains("被评价人员：clerk.sj"), "{page}");
    assert!(page.contains("评价人申诉：答复没有说明如何改进"), "{page}");
    assert!(page.contains("政务办复核：责令重新整改"), "{page}");
}
both!(bad_rating_verified_appealed_reviewed);
