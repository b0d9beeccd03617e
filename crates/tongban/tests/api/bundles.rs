//! "One thing" bundles (issue 16): administrators keep bundles in versions; the
//! comprehensive window takes one application — one form, each material once —
//! which opens one case per item in its department with its own clock; the
//! applicant follows one number, the bundle ends when every case has, and a refusal
//! shows with its reason; bad input is a Chinese 4xx naming its field and nothing
//! is half-written.

use crate::common::*;
use reqwest::StatusCode;
use serde_json::{Value, json};

pub const BUNDLE: &str = "YJS-TEST";

fn field(v: &Value) -> &str {
    v["error"]["field"].as_str().unwrap_or_default()
}

pub async fn define(app: &TestApp, items: &[&str]) -> Value {
    let admin = app.token("admin").await;
    let (s, v) = app
        .post(
            "/api/v1/bundles",
            Some(&admin),
            json!({ "code": BUNDLE, "name": "开餐馆一件事", "event": "enterprise", "theme": "开餐馆",
                    "description": "食品经营许可与道路运输证一次申请", "items": items,
                    "effective_from": day(today()) }),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    v
}

fn application() -> Value {
    json!({
        "channel": "window",
        "applicant": { "kind": "person", "name": "张三", "id_number": ID_NUMBER, "phone": PHONE },
        "materials": ["申请书", "营业执照"]
    })
}

async fn bundles_open_one_case_per_department(db: Db) {
    let app = TestApp::spawn(db).await;
    let admin = app.token("admin").await;
    let clerk = app.token("clerk.zh").await;

    // Definitions: administrators only, every field checked, nothing kept on a fault.
    let (s, _) = app
        .post("/api/v1/bundles", Some(&clerk), json!({ "code": BUNDLE }))
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let good = json!({ "code": BUNDLE, "name": "开餐馆一件事", "event": "enterprise", "theme": "开餐馆",
                       "items": [ITEM, DELEGATED], "effective_from": day(today()) });
    for (patch, f) in [
        (json!({ "code": "9" }), "code"),
        (json!({ "event": "party" }), "event"),
        (json!({ "items": [ITEM] }), "items"),
        (json!({ "items": [ITEM, "NO-SUCH"] }), "items"),
        (json!({ "items": [ITEM, SUSPENDED] }), "items"),
        (json!({ "effective_from": "2001-01-01" }), "effective_from"),
    ] {
        let mut body = good.clone();
        for (k, v) in patch.as_object().unwrap() {
            body[k] = v.clone();
        }
        let (s, v) = app.post("/api/v1/bundles", Some(&admin), body).await;
        assert!(s.is_client_error(), "{patch}: {s} {v}");
        assert!(error_fields(&v).contains(&f.to_string()), "{patch}: {v}");
        assert!(
            has_chinese(v["error"]["message"].as_str().unwrap_or("")),
            "{v}"
        );
    }
    assert_eq!(app.count("bundle_versions").await, 0);
    let v = define(&app, &[ITEM, DELEGATED]).await;
    assert_eq!(v["version"], 1);
    assert_eq!(v["items"][1][1], "道路运输证配发");

    // The guide is public, generated from the items: each material once.
    let (s, g) = app.get(&format!("/api/v1/bundles/{BUNDLE}"), None).await;
    assert_eq!(s, StatusCode::OK, "{g}");
    assert_eq!(g["materials"].as_array().unwrap().len(), 3, "{g}");
    assert_eq!(g["materials_separate"], 6);
    assert_eq!(g["materials"][0]["items"].as_array().unwrap().len(), 2);
    assert_eq!(g["promised_days"], 5, "parallel: the longest, not the sum");
    assert_eq!(g["statutory_days"], 40);
    let (_, l) = app.get("/api/v1/bundles", None).await;
    assert_eq!(l["bundles"][0]["code"], BUNDLE, "{l}");

    // Bad applications: named, nothing written.
    let path = format!("/api/v1/bundles/{BUNDLE}/applications");
    let cases_before = app.count("cases").await;
    let mut missing = application();
    missing["materials"] = json!(["申请书"]);
    let (s, v) = app.post(&path, Some(&clerk), missing).await;
    assert_eq!(
        (s, field(&v)),
        (StatusCode::UNPROCESSABLE_ENTITY, "materials"),
        "{v}"
    );
    let msg = v["error"]["message"].as_str().unwrap();
    assert!(
        msg.contains("营业执照") && msg.contains("道路运输证配发"),
        "{msg}"
    );
    let mut bad_id = application();
    bad_id["applicant"]["id_number"] = json!("110105194912310021");
    let (s, v) = app.post(&path, Some(&clerk), bad_id).await;
    assert!(s.is_client_error(), "{v}");
    assert!(
        error_fields(&v).iter().any(|f| f.contains("id_number")),
        "{v}"
    );
    let mut stray = application();
    stray["form"] = json!({ "nonsense": "1" });
    let (s, v) = app.post(&path, Some(&clerk), stray).await;
    assert_eq!(
        (s, field(&v)),
        (StatusCode::UNPROCESSABLE_ENTITY, "form"),
        "{v}"
    );
    let (s, _) = app
        .post(
            "/api/v1/bundles/YJS-NONE/applications",
            Some(&clerk),
            application(),
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    // A department's clerk cannot take another department's item.
    let sj_clerk = app.token("clerk.sj").await;
    let (s, _) = app.post(&path, Some(&sj_clerk), application()).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    assert_eq!(app.count("cases").await, cases_before);
    assert_eq!(app.count("bundle_applications").await, 0);

    // One application, one number; one case per item, each in its department.
    let (s, b) = app.post(&path, Some(&clerk), application()).await;
    assert_eq!(s, StatusCode::CREATED, "{b}");
    let no = b["application_no"].as_str().unwrap().to_string();
    assert!(no.starts_with("YJ"), "{no}");
    assert_eq!(b["state"], "in_progress");
    assert_eq!(b["materials"], json!(["申请书", "营业执照"]));
    assert_eq!(b["materials_separate"], 4);
    let cases = b["cases"].as_array().unwrap();
    assert_eq!(cases.len(), 2);
    let (sj_case, jt_case) = (
        cases[0]["case_no"].as_str().unwrap().to_string(),
        cases[1]["case_no"].as_str().unwrap().to_string(),
    );
    assert_eq!(cases[0]["department"], "SJ");
    assert_eq!(cases[1]["department"], "JT");
    assert_eq!(cases[0]["status"], "accepted");
    assert!(
        cases[1]["promised_deadline"].is_string(),
        "each its own clock"
    );

    // Scoping: SJ's approver sees the application (it works a case of it); the list
    // holds it; the JT approver's cases are JT's own.
    let sj = app.token("approver.sj").await;
    let jt = app.token("approver.jt").await;
    let (s, _) = app
        .get(&format!("/api/v1/bundle-applications/{no}"), Some(&sj))
        .await;
    assert_eq!(s, StatusCode::OK);
    let (s, l) = app.get("/api/v1/bundle-applications", Some(&jt)).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(l["applications"][0]["application_no"], no, "{l}");
    let (s, v) = app
        .get("/api/v1/bundle-applications?cursor=x", Some(&jt))
        .await;
    assert_eq!((s, field(&v)), (StatusCode::UNPROCESSABLE_ENTITY, "cursor"));
    let (s, _) = app.act(&jt, &sj_case, "approve", None).await;
    assert!(s.is_client_error(), "JT cannot decide SJ's case");

    // SJ approves and closes; JT refuses with its reason: the bundle has ended, the
    // refusal shown with the reason.
    let (s, v) = app.act(&sj, &sj_case, "approve", None).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let (s, v) = app.act(&clerk, &sj_case, "close", None).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let (_, v) = app
        .get(&format!("/api/v1/bundle-applications/{no}"), Some(&clerk))
        .await;
    assert_eq!(v["state"], "in_progress", "one case still open: {v}");
    let (s, v) = app
        .act(&jt, &jt_case, "reject", Some("车辆技术等级不符合营运要求"))
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let (_, v) = app
        .get(&format!("/api/v1/bundle-applications/{no}"), Some(&clerk))
        .await;
    assert_eq!(v["state"], "ended_unapproved", "{v}");
    assert_eq!(v["state_label"], "已办结（部分事项未获准予）");
    assert!(v["ended_on"].is_string());
    assert_eq!(v["cases"][1]["reason"], "车辆技术等级不符合营运要求", "{v}");

    // A new version stops the bundle from today: gone from the portal's list.
    let mut stop = good.clone();
    stop["in_use"] = json!(false);
    let (s, v) = app.post("/api/v1/bundles", Some(&admin), stop).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    assert_eq!(v["version"], 2);
    let (_, l) = app.get("/api/v1/bundles", None).await;
    assert_eq!(l["bundles"].as_array().unwrap().len(), 0, "{l}");
    let (s, _) = app.post(&path, Some(&clerk), application()).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (_, h) = app.get("/api/v1/bundle-versions", Some(&admin)).await;
    assert_eq!(h["versions"].as_array().unwrap().len(), 2);
    app.assert_consistent();
}
both!(bundles_open_one_case_per_department);
