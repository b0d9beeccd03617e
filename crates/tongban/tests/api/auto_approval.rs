//! 秒批 (issue 16): an item's rules, written as data over its application form, the
//! applicant and the materials; an application meeting every rule is approved and
//! closed at once by the system with the rules' results in the audit chain; one
//! failing goes to a person told which rule failed; the drawn share is checked
//! afterwards, a disagreement resolved by a supervisor; the figures follow.

use crate::common::*;
use reqwest::StatusCode;
use serde_json::{Value, json};
use tongban_domain::catalog::{ItemStatus, OnlineDepth};

const AUTO: &str = "SJ-AUTO-0001";

async fn auto_item(app: &TestApp, percent: u8) {
    let mut c = content(
        "高龄津贴申领",
        false,
        ItemStatus::InUse,
        vec![],
        OnlineDepth::FullyOnline,
    );
    c.commitment = None;
    c.materials.retain(|m| m.name == "申请书");
    c.materials.push(tongban_domain::catalog::Material {
        name: "户口簿".into(),
        required: false,
        original: true,
        electronic: true,
        copies: 1,
        deferrable: false,
    });
    c.fields = vec![
        tongban_domain::auto_approval::FormField::parse_line("hukou|户籍所在地|文本|是", 1)
            .unwrap(),
        tongban_domain::auto_approval::FormField::parse_line("amount|申请金额|数字|否", 2).unwrap(),
    ];
    c.auto_approval = Some(
        serde_json::from_value(json!({
            "rules": [
                { "name": "年满60周岁", "check": "age_between", "field": "applicant.id_number", "min": 60, "max": 150 },
                { "name": "户籍在本市", "check": "compare", "field": "hukou", "op": "eq", "value": "昆山市" },
                { "name": "提交户口簿", "check": "material", "material": "户口簿" }
            ],
            "after_check_percent": percent
        }))
        .unwrap(),
    );
    let store = &app.store;
    let mut tx = store.begin().await.unwrap();
    let dept = tongban_store::org::department_by_code(&mut tx, "SJ")
        .await
        .unwrap()
        .unwrap();
    tongban_store::catalog::insert_item(
        &mut tx,
        store,
        AUTO,
        &dept,
        None,
        c,
        chrono::NaiveDate::from_ymd_opt(2020, 1, 1).unwrap(),
        true,
        &tongban_store::audit::Actor::system("test"),
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
}

fn application(hukou: &str, materials: &[&str]) -> Value {
    let mut a = TestApp::application(AUTO, "window");
    a["form"] = json!({ "hukou": hukou });
    let mut all = vec!["申请书"];
    all.extend_from_slice(materials);
    a["materials"] = json!(all);
    a
}

async fn rules_decide_at_once_or_name_what_failed(db: Db) {
    let app = TestApp::spawn(db).await;
    auto_item(&app, 100).await;
    let clerk = app.token("clerk.sj").await;
    let approver = app.token("approver.sj").await;
    let sup = app.token("supervisor").await;

    // Every rule holds: approved and closed at once, a license issued.
    let (s, v) = app
        .post(
            "/api/v1/cases",
            Some(&clerk),
            application("昆山市", &["户口簿"]),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    assert_eq!(v["status"], "closed", "{v}");
    assert!(v["license_no"].is_string(), "{v}");
    let first = v["case_no"].as_str().unwrap().to_string();
    let (_, c) = app
        .get(&format!("/api/v1/cases/{first}"), Some(&clerk))
        .await;
    let events = c["events"].as_array().unwrap();
    let actions: Vec<&str> = events
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, vec!["accept", "approve", "close"], "{c}");
    assert_eq!(events[1]["actor"], "系统（秒批）");
    assert!(
        events[1]["note"]
            .as_str()
            .unwrap()
            .contains("3条规则全部满足"),
        "{c}"
    );
    // The rules' results are in the audit chain with the item's version.
    let details: String = {
        let mut rd = app.store.reader().await.unwrap();
        sqlx::query_scalar(
            "SELECT detail FROM audit_log WHERE action = 'case.create' AND entity_key = $1",
        )
        .bind(&first)
        .fetch_one(&mut *rd)
        .await
        .unwrap()
    };
    let details: Value = serde_json::from_str(&details).unwrap();
    assert_eq!(details["auto_approval"]["item_version"], 1, "{details}");
    assert_eq!(
        details["auto_approval"]["rules"].as_array().unwrap().len(),
        3
    );

    // A rule fails: a person decides, told which.
    let (s, v) = app
        .post("/api/v1/cases", Some(&clerk), application("苏州市", &[]))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    assert_eq!(v["status"], "accepted");
    let manual = v["case_no"].as_str().unwrap().to_string();
    let (_, c) = app
        .get(&format!("/api/v1/cases/{manual}"), Some(&clerk))
        .await;
    let note = c["events"][0]["note"].as_str().unwrap().to_string();
    assert!(
        note.contains("秒批未通过") && note.contains("户籍在本市") && note.contains("提交户口簿"),
        "{note}"
    );
    assert!(!note.contains("年满60周岁"), "{note}");

    // The form is checked: required, typed, no unknown fields; nothing written.
    let cases = app.count("cases").await;
    let mut bad = application("", &[]);
    bad["form"] = json!({ "amount": "many", "other": "x" });
    let (s, v) = app.post("/api/v1/cases", Some(&clerk), bad).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    let text = v.to_string();
    for m in [
        "请填写户籍所在地",
        "申请金额应为数字",
        "申请表没有字段“other”",
    ] {
        assert!(text.contains(m), "{m}: {v}");
    }
    assert_eq!(app.count("cases").await, cases);

    // A second automatic approval; both are drawn (100 %) for the after-check.
    let (_, v) = app
        .post(
            "/api/v1/cases",
            Some(&clerk),
            application("昆山市", &["户口簿"]),
        )
        .await;
    let second = v["case_no"].as_str().unwrap().to_string();
    let (s, v) = app
        .get("/api/v1/after-checks?status=pending", Some(&approver))
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["after_checks"].as_array().unwrap().len(), 2, "{v}");
    // A disagreement must say what was found; only the department checks.
    let (s, v) = app
        .post(
            &format!("/api/v1/after-checks/{first}"),
            Some(&approver),
            json!({ "agrees": false }),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    let jt = app.token("approver.jt").await;
    let (s, _) = app
        .post(
            &format!("/api/v1/after-checks/{first}"),
            Some(&jt),
            json!({ "agrees": true }),
        )
        .await;
    assert!(
        s == StatusCode::FORBIDDEN || s == StatusCode::NOT_FOUND,
        "{s}"
    );
    let (s, v) = app
        .post(
            &format!("/api/v1/after-checks/{first}"),
            Some(&approver),
            json!({ "agrees": false, "note": "户口簿显示户籍已迁出" }),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["status"], "disputed");
    let (s, v) = app
        .post(
            &format!("/api/v1/after-checks/{second}"),
            Some(&approver),
            json!({ "agrees": true }),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["status"], "agreed");
    // The supervisor revokes the disputed approval: the license is taken back.
    let (s, _) = app
        .post(
            &format!("/api/v1/after-checks/{first}/resolution"),
            Some(&approver),
            json!({ "outcome": "revoke", "note": "x" }),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, v) = app
        .post(
            &format!("/api/v1/after-checks/{first}/resolution"),
            Some(&sup),
            json!({ "outcome": "revoke", "note": "户籍不在本市，不符合申领条件" }),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["status"], "revoked");
    let (_, c) = app
        .get(&format!("/api/v1/cases/{first}"), Some(&clerk))
        .await;
    assert_eq!(c["status"], "revoked", "{c}");
    let license = c["license_no"].as_str().unwrap().to_string();
    let (_, l) = app.get(&format!("/api/v1/licenses/{license}"), None).await;
    assert_eq!(l["result"], "revoked", "{l}");

    // The figures, as the records say: three accepted, two by the rules (one later
    // revoked), two checks, one disagreement.
    let year =
        &tongban_store::time::day(tongban_store::time::local_day(tongban_store::time::now()))[..4];
    let (s, f) = app
        .get(&format!("/api/v1/figures?period={year}"), Some(&sup))
        .await;
    assert_eq!(s, StatusCode::OK, "{f}");
    assert_eq!(figure(&f, "cases_auto")["value"], 2.0);
    let share = figure(&f, "auto_share")["value"].as_f64().unwrap();
    assert!((share - 2.0 / 3.0).abs() < 1e-9, "{share}");
    assert_eq!(figure(&f, "after_checks")["value"], 2.0);
    assert_eq!(figure(&f, "after_check_disputes")["value"], 1.0);
    assert_eq!(figure(&f, "auto_revoked")["value"], 1.0);
    assert_eq!(figure(&f, "commitments_revoked")["value"], 0.0);
    // The same from the exports alone: the cases with their mode and revocation,
    // the after-checks with their result.
    let cases = app.export("cases", &[]);
    let in_year = |v: &Value| v.as_str().is_some_and(|d| d.starts_with(year));
    let accepted = cases.iter().filter(|c| in_year(&c["accepted_at"])).count() as f64;
    let auto = cases
        .iter()
        .filter(|c| c["mode"] == "auto" && in_year(&c["accepted_at"]))
        .count() as f64;
    assert_eq!(figure(&f, "cases_auto")["value"], auto);
    assert!((share - auto / accepted).abs() < 1e-9);
    let revoked = cases
        .iter()
        .filter(|c| c["mode"] == "auto" && in_year(&c["revoked_on"]))
        .count() as f64;
    assert_eq!(figure(&f, "auto_revoked")["value"], revoked);
    let checks = app.export("after_checks", &[]);
    let done: Vec<&Value> = checks
        .iter()
        .filter(|c| in_year(&c["checked_on"]))
        .collect();
    assert_eq!(figure(&f, "after_checks")["value"], done.len() as f64);
    let disputed = done.iter().filter(|c| c["disputed"] == true).count() as f64;
    assert_eq!(figure(&f, "after_check_disputes")["value"], disputed);
    let md = app.report_md(year);
    assert!(
        md.contains(
            "秒批办件2件，占受理办件的66.67%；完成秒批事后核查2件，有异议1件，撤销秒批许可1件"
        ),
        "{md}"
    );
    app.assert_consistent();

    // The pages: the window shows the form; the after-check list works without script.
    let mut b = Browser::new(&app);
    b.staff_login("clerk.sj").await;
    let (s, _, html) = b.get(&format!("/workbench/accept/{AUTO}")).await;
    assert_eq!(s, StatusCode::OK, "{html}");
    assert!(
        html.contains("form_hukou") && html.contains("本事项适用秒批"),
        "{html}"
    );
    let (s, _, html) = b.get(&format!("/workbench/cases/{manual}")).await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        html.contains("户籍所在地") && html.contains("苏州市"),
        "{html}"
    );
    let mut b = Browser::new(&app);
    b.staff_login("supervisor").await;
    let (s, _, html) = b.get("/workbench/after-checks?status=revoked").await;
    assert_eq!(s, StatusCode::OK, "{html}");
    assert!(
        html.contains(&first) && html.contains("户籍不在本市"),
        "{html}"
    );
    // A decision the form does not offer changes nothing.
    let csrf = hidden(&html, "csrf");
    let (s, _, html) = b
        .post(
            &format!("/workbench/after-checks/{second}/resolution"),
            &[
                ("csrf", csrf.as_str()),
                ("decision", "maybe"),
                ("note", "x"),
            ],
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{html}");
    assert!(html.contains("请选择处理结果"), "{html}");
}

both!(rules_decide_at_once_or_name_what_failed);

/// Online, the portal asks the form's questions, keeps the answers through "check
/// your answers", and an application meeting every rule is approved on submission.
async fn the_portal_asks_the_form_and_approves_at_once(db: Db) {
    use reqwest::multipart::{Form, Part};
    let app = TestApp::spawn(db).await;
    auto_item(&app, 0).await;
    let mut v = Browser::new(&app);
    crate::apply::sign_in(&app, &mut v).await;
    let (s, _, page) = v.get(&format!("/apply/{AUTO}")).await;
    assert_eq!(s, StatusCode::OK, "{page}");
    assert!(
        page.contains("form_hukou") && page.contains("本事项适用秒批"),
        "{page}"
    );
    let (csrf, draft) = (hidden(&page, "csrf"), hidden(&page, "draft"));
    let pdf = || Part::bytes(crate::apply::PDF.to_vec());
    // A required answer missing: named beside the form, files kept.
    let form = Form::new()
        .text("csrf", csrf.clone())
        .text("draft", draft.clone())
        .text("kind", "person")
        .part("file_0", pdf().file_name("申请书.pdf"))
        .part("file_1", pdf().file_name("户口簿.pdf"));
    let (s, page) = v.upload(&format!("/apply/{AUTO}"), form).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{page}");
    assert!(page.contains("请填写户籍所在地"), "{page}");
    let form = Form::new()
        .text("csrf", csrf.clone())
        .text("draft", draft.clone())
        .text("kind", "person")
        .text("form_hukou", "昆山市");
    let (s, page) = v.upload(&format!("/apply/{AUTO}"), form).await;
    assert_eq!(s, StatusCode::OK, "{page}");
    assert!(
        page.contains("户籍所在地") && page.contains("昆山市"),
        "{page}"
    );
    assert_eq!(hidden(&page, "form_hukou"), "昆山市");
    let (s, loc, page) = v
        .post(
            &format!("/apply/{AUTO}/submit"),
            &[
                ("csrf", csrf.as_str()),
                ("draft", draft.as_str()),
                ("kind", "person"),
                ("org_name", ""),
                ("credit_code", ""),
                ("note", ""),
                ("form_hukou", "昆山市"),
            ],
        )
        .await;
    assert_eq!(s, StatusCode::SEE_OTHER, "{page}");
    let no = loc.unwrap().trim_start_matches("/apply/done/").to_string();
    let clerk = app.token("clerk.sj").await;
    let (_, c) = app.get(&format!("/api/v1/cases/{no}"), Some(&clerk)).await;
    assert_eq!(c["status"], "closed", "{c}");
    assert_eq!(c["events"][0]["actor"], "系统（秒批）", "{c}");
    assert!(c["license_no"].is_string(), "{c}");
}

both!(the_portal_asks_the_form_and_approves_at_once);
