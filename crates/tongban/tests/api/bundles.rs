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
    let rows = app.export("bundles", &[]);
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0]["application_no"], no.as_str());
    assert_eq!(rows[0]["state"], "ended_unapproved");
    assert_eq!(rows[0]["unapproved"], 1);
    assert_eq!(rows[0]["cases"], format!("{sj_case}|{jt_case}"));
    assert_eq!(
        (
            rows[0]["materials"].as_i64(),
            rows[0]["materials_separate"].as_i64()
        ),
        (Some(2), Some(4))
    );

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

/// 开办企业 as a bundle: the establishment with a second item; on approval the
/// establishment's case issues the business license with a generated code, the
/// other department's case stands on its own.
async fn a_bundle_opens_a_business(db: Db) {
    use crate::registration::{ESTABLISH, establishment, registration_items};
    let app = TestApp::spawn(db).await;
    registration_items(&app).await;
    define(&app, &[ESTABLISH, DELEGATED]).await;
    let (_, g) = app.get(&format!("/api/v1/bundles/{BUNDLE}"), None).await;
    assert_eq!(g["establishment"], true, "{g}");
    // The license the bundle issues is asked of no one for the other items.
    assert_eq!(g["supplied"], json!([[DELEGATED, "营业执照"]]), "{g}");
    let license = g["materials"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["name"] == "营业执照")
        .unwrap();
    assert_eq!(license["items"], json!(["企业设立登记"]), "{g}");
    let clerk = app.token("clerk.zh").await;
    let path = format!("/api/v1/bundles/{BUNDLE}/applications");
    // Without the establishment's particulars: named, nothing written.
    let (s, v) = app.post(&path, Some(&clerk), application()).await;
    assert_eq!(
        (s, field(&v)),
        (StatusCode::UNPROCESSABLE_ENTITY, "registration"),
        "{v}"
    );
    let mut reg = establishment("昆山一件事餐饮管理有限公司");
    reg.as_object_mut().unwrap().remove("kind");
    let mut bad = reg.clone();
    bad["legal_rep_id_number"] = json!("123");
    let body =
        json!({ "channel": "window", "materials": ["申请书", "营业执照"], "registration": bad });
    let (s, v) = app.post(&path, Some(&clerk), body).await;
    assert!(s.is_client_error(), "{v}");
    assert!(
        error_fields(&v).contains(&"legal_rep_id_number".to_string()),
        "{v}"
    );
    assert_eq!(app.count("registrations").await, 0);
    assert_eq!(app.count("cases").await, 0);

    let body =
        json!({ "channel": "window", "materials": ["申请书", "营业执照"], "registration": reg });
    let (s, b) = app.post(&path, Some(&clerk), body).await;
    assert_eq!(s, StatusCode::CREATED, "{b}");
    assert_eq!(
        b["applicant_name"], "张三",
        "the legal representative applies"
    );
    assert_eq!(app.count("registrations").await, 1);
    let reg_case = b["cases"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["item"] == "企业设立登记")
        .unwrap()["case_no"]
        .as_str()
        .unwrap()
        .to_string();
    let sj = app.token("approver.sj").await;
    for action in ["approve", "close"] {
        let (s, v) = app.act(&sj, &reg_case, action, None).await;
        assert_eq!(s, StatusCode::OK, "{action}: {v}");
    }
    let no = b["application_no"].as_str().unwrap();
    let (_, v) = app
        .get(&format!("/api/v1/bundle-applications/{no}"), Some(&clerk))
        .await;
    let license = v["cases"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["case_no"] == reg_case.as_str())
        .unwrap()["license_no"]
        .clone();
    assert!(license.is_string(), "the business license: {v}");
    assert_eq!(v["state"], "in_progress", "JT's case is still open");
    let (_, e) = app.get("/api/v1/entities?q=一件事", Some(&clerk)).await;
    assert_eq!(e["entities"].as_array().unwrap().len(), 1, "{e}");
    app.assert_consistent();
}
both!(a_bundle_opens_a_business);

/// The pages: the public list and guide, the online application with each material
/// uploaded once and recorded on every case needing it, the applicant's one
/// number; the window's form; the administrators' page; all without script.
async fn bundle_pages_work_without_script(db: Db) {
    use reqwest::multipart::{Form, Part};
    let app = TestApp::spawn(db).await;
    // Two items open online (both SJ's): the pre-reviewed one and the instant one.
    let mut admin = Browser::new(&app);
    admin.staff_login("admin").await;
    let (s, _, page) = admin.get("/admin/catalog/bundles").await;
    assert_eq!(s, StatusCode::OK, "{page}");
    let csrf = hidden(&page, "csrf");
    let today = day(today());
    let (s, _, page) = admin
        .post(
            "/admin/catalog/bundles",
            &[
                ("csrf", &csrf),
                ("code", BUNDLE),
                ("name", "开餐馆一件事"),
                ("event", "enterprise"),
                ("theme", "开餐馆"),
                ("items", ITEM),
                ("effective_from", &today),
            ],
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        page.contains("至少联办两个事项") && page.contains("href=\"#items\""),
        "{page}"
    );
    let items = format!("{ITEM}\n{INSTANT}");
    let (s, loc, _) = admin
        .post(
            "/admin/catalog/bundles",
            &[
                ("csrf", &csrf),
                ("code", BUNDLE),
                ("name", "开餐馆一件事"),
                ("event", "enterprise"),
                ("theme", "开餐馆"),
                ("items", &items),
                ("effective_from", &today),
            ],
        )
        .await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    assert_eq!(loc.as_deref(), Some("/admin/catalog/bundles?saved=1"));

    // Public: the home page and the list show it; the guide asks each material once.
    let mut v = Browser::new(&app);
    let (_, _, home) = v.get("/").await;
    assert!(
        home.contains("一件事一次办") && home.contains("开餐馆一件事"),
        "{home}"
    );
    let (s, _, list) = v.get("/bundles").await;
    assert_eq!(s, StatusCode::OK);
    assert!(list.contains("企业经营事件") && list.contains(&format!("/bundles/{BUNDLE}")));
    let (s, _, guide) = v.get(&format!("/bundles/{BUNDLE}")).await;
    assert_eq!(s, StatusCode::OK);
    assert!(guide.contains("lang=\"zh-CN\""));
    assert!(guide.contains("3 份（分事项申请需 6 份）"), "{guide}");
    assert!(guide.contains(&format!("/apply/bundle/{BUNDLE}")));
    let (_, _, search) = v.get("/items?q=%E5%BC%80%E9%A4%90%E9%A6%86").await;
    assert!(
        search.contains(&format!("/bundles/{BUNDLE}")),
        "a search names the bundle: {search}"
    );

    // Online: sign in, one form, each material once.
    crate::apply::sign_in(&app, &mut v).await;
    let path = format!("/apply/bundle/{BUNDLE}");
    let (s, _, page) = v.get(&path).await;
    assert_eq!(s, StatusCode::OK, "{page}");
    let csrf = hidden(&page, "csrf");
    let draft = hidden(&page, "draft");
    let form = Form::new()
        .text("csrf", csrf.clone())
        .text("draft", draft.clone())
        .text("kind", "person")
        .part(
            "file_0",
            Part::bytes(crate::apply::PDF.to_vec()).file_name("申请书.pdf"),
        );
    let (s, page) = v.upload(&path, form).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{page}");
    assert!(page.contains("请上传“营业执照”"), "{page}");
    let form = Form::new()
        .text("csrf", csrf.clone())
        .text("draft", draft.clone())
        .text("kind", "person")
        .part(
            "file_1",
            Part::bytes(crate::apply::PDF.to_vec()).file_name("营业执照.pdf"),
        );
    let (s, page) = v.upload(&path, form).await;
    assert_eq!(s, StatusCode::OK, "{page}");
    assert!(page.contains("提交前请核对申请信息") && page.contains("营业执照.pdf"));
    let (s, loc, _) = v
        .post(
            &format!("{path}/submit"),
            &[("csrf", &csrf), ("draft", &draft), ("kind", "person")],
        )
        .await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    let mine = loc.unwrap();
    assert!(mine.starts_with("/account/bundles/YJ"), "{mine}");
    let (s, _, page) = v.get(&mine).await;
    assert_eq!(s, StatusCode::OK, "{page}");
    assert!(
        page.contains("申请已提交") && page.contains("办理中"),
        "{page}"
    );
    // Each case holds both files: two uploaded, four recorded.
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM uploads WHERE case_id IS NOT NULL")
            .await,
        4
    );
    assert_eq!(
        app.scalar("SELECT COUNT(DISTINCT storage_key) FROM uploads")
            .await,
        2
    );
    let (_, _, cases) = v.get("/account/cases").await;
    assert!(
        cases.contains("一件事一次办") && cases.contains("开餐馆一件事"),
        "{cases}"
    );

    // The window: a fault beside its field, then the application and its page.
    let mut clerk = Browser::new(&app);
    clerk.staff_login("clerk.zh").await;
    let (s, _, page) = clerk.get("/workbench/bundles").await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        page.contains(&format!("/workbench/bundles/accept/{BUNDLE}")),
        "{page}"
    );
    let accept = format!("/workbench/bundles/accept/{BUNDLE}");
    let (s, _, page) = clerk.get(&accept).await;
    assert_eq!(s, StatusCode::OK);
    let csrf = hidden(&page, "csrf");
    let mut f = vec![
        ("csrf", csrf.as_str()),
        ("kind", "person"),
        ("applicant_name", "李四"),
        ("id_type", "resident_id"),
        ("id_number", "123"),
        ("phone", PHONE),
        ("m0", "1"),
        ("m1", "1"),
    ];
    let (s, _, page) = clerk.post(&accept, &f).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{page}");
    assert!(page.contains("href=\"#id_number\""), "{page}");
    f[4] = ("id_number", ID_NUMBER);
    let (s, loc, page) = clerk.post(&accept, &f).await;
    assert_eq!(s, StatusCode::SEE_OTHER, "{page}");
    let (s, _, page) = clerk.get(&loc.unwrap()).await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        page.contains("各部门办件") && page.contains("办理中"),
        "{page}"
    );
    app.assert_consistent();
}
both!(bundle_pages_work_without_script);

/// 开餐馆 online: the legal representative applies on the portal for the business
/// license and the food license at once, the establishment's particulars on the
/// bundle's form.
async fn a_business_bundle_is_applied_for_online(db: Db) {
    use crate::registration::{ESTABLISH, registration_items};
    use reqwest::multipart::{Form, Part};
    let app = TestApp::spawn(db).await;
    registration_items(&app).await;
    define(&app, &[ESTABLISH, ITEM]).await;
    let mut v = Browser::new(&app);
    crate::apply::sign_in(&app, &mut v).await;
    let path = format!("/apply/bundle/{BUNDLE}");
    let (s, _, page) = v.get(&path).await;
    assert_eq!(s, StatusCode::OK, "{page}");
    assert!(page.contains("设立登记信息"), "{page}");
    let csrf = hidden(&page, "csrf");
    let draft = hidden(&page, "draft");
    let investors = format!("张三|{ID_NUMBER}|30");
    let fields = [
        ("reg_entity_type", "llc"),
        ("reg_name", "昆山一体化餐饮有限公司"),
        ("reg_town", "BC"),
        ("reg_address", "巴城镇湖滨路1号"),
        ("reg_capital_wan", "30"),
        ("reg_business_scope", "餐饮服务"),
        ("reg_investors", investors.as_str()),
    ];
    let mut form = Form::new()
        .text("csrf", csrf.clone())
        .text("draft", draft.clone())
        .text("kind", "person")
        .part(
            "file_0",
            Part::bytes(crate::apply::PDF.to_vec()).file_name("申请书.pdf"),
        )
        .part(
            "file_1",
            Part::bytes(crate::apply::PDF.to_vec()).file_name("营业执照.pdf"),
        );
    for (k, val) in fields {
        form = form.text(k, val.to_string());
    }
    let (s, page) = v.upload(&path, form).await;
    assert_eq!(s, StatusCode::OK, "{page}");
    assert!(page.contains("昆山一体化餐饮有限公司"), "{page}");
    let mut post = vec![
        ("csrf", csrf.as_str()),
        ("draft", draft.as_str()),
        ("kind", "person"),
    ];
    post.extend(fields);
    let (s, loc, page) = v.post(&format!("{path}/submit"), &post).await;
    assert_eq!(s, StatusCode::SEE_OTHER, "{page}");
    let no = loc.unwrap();
    let no = no
        .trim_start_matches("/account/bundles/")
        .trim_end_matches("?new=1");
    let clerk = app.token("supervisor").await;
    let (s, b) = app
        .get(&format!("/api/v1/bundle-applications/{no}"), Some(&clerk))
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    assert_eq!(b["channel"], "online");
    assert_eq!(b["cases"].as_array().unwrap().len(), 2);
    assert_eq!(
        b["cases"][0]["status"], "submitted",
        "awaits pre-review: {b}"
    );
    assert_eq!(app.count("registrations").await, 1);
    app.assert_consistent();
}
both!(a_business_bundle_is_applied_for_online);
