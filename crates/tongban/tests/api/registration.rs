//! Business registration (issue 16, first part: 三证合一、一照一码): an establishment
//! filed at the market regulation window is decided as an ordinary case; its approval
//! generates a GB 32100 credit code and issues the business license; changes keep the
//! code and replace the license; deregistration ends the entity; the figures, the
//! report's sentence, exports, the public lookup and the pages follow; bad input is
//! named field by field and writes nothing.

use crate::common::*;
use reqwest::StatusCode;
use serde_json::{Value, json};
use tongban_domain::catalog::{ItemStatus, OnlineDepth};
use tongban_domain::registration::RegistrationKind;

pub(crate) const ESTABLISH: &str = "SJ-REG-0001";
const CHANGE: &str = "SJ-REG-0002";
const DEREGISTER: &str = "SJ-REG-0003";

/// The fixture's registration items (reviewed by the department, never instant).
pub(crate) async fn registration_items(app: &TestApp) {
    let store = &app.store;
    let mut tx = store.begin().await.unwrap();
    let dept = tongban_store::org::department_by_code(&mut tx, "SJ")
        .await
        .unwrap()
        .unwrap();
    let eff = chrono::NaiveDate::from_ymd_opt(2020, 1, 1).unwrap();
    for (code, name, kind) in [
        (ESTABLISH, "企业设立登记", RegistrationKind::Establish),
        (CHANGE, "企业变更登记", RegistrationKind::Change),
        (DEREGISTER, "企业注销登记", RegistrationKind::Deregister),
    ] {
        // The establishment may be applied for online (by the legal representative).
        let online = if kind == RegistrationKind::Establish {
            OnlineDepth::PreReview
        } else {
            OnlineDepth::Offline
        };
        let mut c = content(name, false, ItemStatus::InUse, vec![], online);
        c.registration = Some(kind);
        c.commitment = None;
        tongban_store::catalog::insert_item(
            &mut tx,
            store,
            code,
            &dept,
            None,
            c,
            eff,
            true,
            &tongban_store::audit::Actor::system("test"),
        )
        .await
        .unwrap();
    }
    tx.commit().await.unwrap();
}

fn partner() -> String {
    tongban_domain::CreditCode::generate('9', '1', "320583", "MA1M2345")
        .unwrap()
        .as_str()
        .to_string()
}

pub(crate) fn establishment(name: &str) -> Value {
    json!({
        "kind": "establish",
        "name": name, "entity_type": "llc", "town": "BC", "address": "巴城镇萧林路88号",
        "legal_rep_name": "张三", "legal_rep_id_number": ID_NUMBER, "legal_rep_phone": PHONE,
        "registered_capital_fen": 100_000_000, "business_scope": "软件开发；信息技术咨询服务",
        "investors": [
            { "name": "张三", "id_number": ID_NUMBER, "subscribed_fen": 60_000_000 },
            { "name": "昆山某某投资有限公司", "credit_code": partner(), "subscribed_fen": 40_000_000 }
        ]
    })
}

/// Approves and closes a registration's case as the department's approver.
async fn grant(app: &TestApp, case_no: &str) {
    let approver = app.token("approver.sj").await;
    for action in ["approve", "close"] {
        let (s, v) = app.act(&approver, case_no, action, None).await;
        assert_eq!(s, StatusCode::OK, "{action}: {v}");
    }
}

async fn an_establishment_generates_the_code_and_the_license(db: Db) {
    let app = TestApp::spawn(db).await;
    registration_items(&app).await;
    let clerk = app.token("clerk.sj").await;

    let (s, v) = app
        .post(
            "/api/v1/registrations",
            Some(&clerk),
            establishment("昆山鼎华科技有限公司"),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let case_no = v["case_no"].as_str().unwrap().to_string();
    assert_eq!(v["kind"], "establish");
    assert_eq!(v["case_status"], "accepted");
    assert!(v["credit_code"].is_null(), "no code before approval: {v}");
    // The case is the department's ordinary case, with the legal representative as
    // the applicant (masked).
    let (s, c) = app
        .get(&format!("/api/v1/cases/{case_no}"), Some(&clerk))
        .await;
    assert_eq!(s, StatusCode::OK, "{c}");
    assert_eq!(c["item"]["code"], ESTABLISH);
    assert!(!c.to_string().contains(ID_NUMBER), "{c}");

    // The same name again while the first is undecided is allowed (the name is taken
    // on approval), but not after.
    grant(&app, &case_no).await;
    let (s, v) = app
        .get(&format!("/api/v1/registrations/{case_no}"), Some(&clerk))
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let code = v["credit_code"].as_str().expect("a code").to_string();
    let license = v["license_no"].as_str().expect("a license").to_string();
    // GB 32100: authority 9, enterprise 1, the division, a GB 11714 body, both checks.
    let parsed = tongban_domain::CreditCode::parse(&code).expect("a valid code");
    assert_eq!(
        (parsed.authority(), parsed.entity_type(), parsed.division()),
        ('9', '1', "320583")
    );
    assert!(parsed.organisation_code().starts_with("MA"), "{code}");
    let (s, v) = app
        .post(
            "/api/v1/registrations",
            Some(&clerk),
            establishment("昆山鼎华科技有限公司"),
        )
        .await;
    assert_eq!(s, StatusCode::CONFLICT, "{v}");
    assert_eq!(error_of(&v)["field"], "name");

    // The entity: staff see it whole with the ID number masked.
    let (s, e) = app
        .get(&format!("/api/v1/entities/{code}"), Some(&clerk))
        .await;
    assert_eq!(s, StatusCode::OK, "{e}");
    assert_eq!(e["name"], "昆山鼎华科技有限公司");
    assert_eq!(e["status"], "active");
    assert_eq!(e["registered_capital"], "100万元");
    assert_eq!(e["license_no"], license.as_str());
    assert_eq!(e["investors"].as_array().unwrap().len(), 2);
    assert_eq!(e["investors"][1]["id"], partner().as_str());
    assert!(!e.to_string().contains(ID_NUMBER), "{e}");
    assert_eq!(e["registrations"][0]["case_no"], case_no.as_str());
    // The public see the record only: no representative, no address.
    let (s, pubv) = app.get(&format!("/api/v1/entities/{code}"), None).await;
    assert_eq!(s, StatusCode::OK, "{pubv}");
    assert_eq!(pubv["status_label"], "存续");
    assert_eq!(pubv["license_no"], license.as_str());
    assert_eq!(pubv["license_status_label"], "有效");
    for hidden in ["张三", "萧林路", "legal_rep"] {
        assert!(!pubv.to_string().contains(hidden), "{hidden}: {pubv}");
    }
    // The license is the business license, valid, carrying the code.
    let (s, l) = app.get(&format!("/api/v1/licenses/{license}"), None).await;
    assert_eq!(s, StatusCode::OK, "{l}");
    assert_eq!(l["result"], "valid");
    assert_eq!(l["license"]["item"], "营业执照");
    let doc: String = {
        let mut rd = app.store.reader().await.unwrap();
        sqlx::query_scalar("SELECT document FROM licenses WHERE license_no = $1")
            .bind(&license)
            .fetch_one(&mut *rd)
            .await
            .unwrap()
    };
    let doc: Value = serde_json::from_str(&doc).unwrap();
    assert_eq!(doc["holder_id"], code.as_str());
    assert_eq!(doc["details"]["credit_code"], code.as_str());
    assert_eq!(doc["details"]["registered_capital"], "100万元");

    // Codes are never reused: a second entity gets the next one; the codes API shares
    // the sequence.
    let (s, v) = app
        .post(
            "/api/v1/registrations",
            Some(&clerk),
            establishment("昆山晟瑞电子有限公司"),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let second = v["case_no"].as_str().unwrap().to_string();
    let (s, assigned) = app
        .post("/api/v1/codes/uscc", Some(&clerk), json!({}))
        .await;
    assert_eq!(s, StatusCode::OK, "{assigned}");
    grant(&app, &second).await;
    let (_, v) = app
        .get(&format!("/api/v1/registrations/{second}"), Some(&clerk))
        .await;
    let code2 = v["credit_code"].as_str().unwrap().to_string();
    let codes = [code.as_str(), assigned["code"].as_str().unwrap(), &code2];
    assert_eq!(
        codes.iter().collect::<std::collections::HashSet<_>>().len(),
        3,
        "{codes:?}"
    );

    // Audit chain and counters hold.
    let out = app.cli(&["audit", "verify", "--db", &app.db_url]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let out = app.cli(&["stats", "check", "--db", &app.db_url]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
}

async fn changes_keep_the_code_and_deregistration_ends_the_entity(db: Db) {
    let app = TestApp::spawn(db).await;
    registration_items(&app).await;
    let clerk = app.token("clerk.sj").await;
    let (_, v) = app
        .post(
            "/api/v1/registrations",
            Some(&clerk),
            establishment("昆山泰丰贸易有限公司"),
        )
        .await;
    let first = v["case_no"].as_str().unwrap().to_string();
    grant(&app, &first).await;
    let (_, v) = app
        .get(&format!("/api/v1/registrations/{first}"), Some(&clerk))
        .await;
    let code = v["credit_code"].as_str().unwrap().to_string();
    let old_license = v["license_no"].as_str().unwrap().to_string();

    // A change with nothing to change, and one half-given, are named.
    let base = json!({ "kind": "change", "credit_code": code, "contact_name": "李四", "contact_phone": PHONE });
    let (s, v) = app
        .post("/api/v1/registrations", Some(&clerk), base.clone())
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert_eq!(error_fields(&v), vec!["changes"]);
    let mut half = base.clone();
    half["legal_rep_name"] = json!("王五");
    let (s, v) = app.post("/api/v1/registrations", Some(&clerk), half).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert_eq!(error_fields(&v), vec!["legal_rep_id_number"]);

    let mut change = base.clone();
    change["business_scope"] = json!("软件开发；货物进出口");
    change["registered_capital_fen"] = json!(200_000_000);
    let (s, v) = app
        .post("/api/v1/registrations", Some(&clerk), change.clone())
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    assert_eq!(v["credit_code"], code.as_str(), "a change names its entity");
    let changed = v["case_no"].as_str().unwrap().to_string();
    // One registration of an entity at a time.
    let (s, v) = app
        .post("/api/v1/registrations", Some(&clerk), change)
        .await;
    assert_eq!(s, StatusCode::CONFLICT, "{v}");
    grant(&app, &changed).await;
    let (_, e) = app
        .get(&format!("/api/v1/entities/{code}"), Some(&clerk))
        .await;
    assert_eq!(e["credit_code"], code.as_str());
    assert_eq!(e["business_scope"], "软件开发；货物进出口");
    assert_eq!(e["registered_capital"], "200万元");
    let new_license = e["license_no"].as_str().unwrap().to_string();
    assert_ne!(new_license, old_license);
    let (_, l) = app
        .get(&format!("/api/v1/licenses/{old_license}"), None)
        .await;
    assert_eq!(l["result"], "revoked", "{l}");
    let (_, l) = app
        .get(&format!("/api/v1/licenses/{new_license}"), None)
        .await;
    assert_eq!(l["result"], "valid", "{l}");

    // Deregistration: the entity ends, its license is taken back, the code stays its.
    let (s, v) = app
        .post(
            "/api/v1/registrations",
            Some(&clerk),
            json!({ "kind": "deregister", "credit_code": code, "contact_name": "李四", "contact_phone": PHONE, "reason": "股东会决议解散" }),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let gone = v["case_no"].as_str().unwrap().to_string();
    grant(&app, &gone).await;
    let (_, p) = app.get(&format!("/api/v1/entities/{code}"), None).await;
    assert_eq!(p["status_label"], "注销", "{p}");
    assert_eq!(p["license_status_label"], "已失效", "{p}");
    let (_, l) = app
        .get(&format!("/api/v1/licenses/{new_license}"), None)
        .await;
    assert_eq!(l["result"], "revoked", "{l}");
    let (s, v) = app.post("/api/v1/registrations", Some(&clerk), base).await;
    assert_eq!(s, StatusCode::CONFLICT, "{v}");
    assert!(
        error_of(&v)["message"].as_str().unwrap().contains("已注销"),
        "{v}"
    );

    // Exports, and the figures recomputed from them: three registrations granted,
    // two business licenses issued (the establishment's and the change's).
    let out = app.cli(&["export", "entities", "--db", &app.db_url, "--format", "csv"]);
    assert!(out.status.success());
    let csv = String::from_utf8(out.stdout).unwrap();
    assert!(
        csv.starts_with("credit_code,name,entity_type,town,status,registered_on\n"),
        "{csv}"
    );
    assert!(
        csv.contains(&format!("{code},昆山泰丰贸易有限公司,llc,BC,deregistered,")),
        "{csv}"
    );
    let out = app.cli(&[
        "export",
        "registrations",
        "--db",
        &app.db_url,
        "--format",
        "jsonl",
    ]);
    assert!(out.status.success());
    let rows: Vec<Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let granted = rows.iter().filter(|r| !r["closed_on"].is_null()).count() as f64;
    let licensed = rows.iter().filter(|r| r["licensed"] == true).count() as f64;
    assert_eq!((granted, licensed), (3.0, 2.0), "{rows:?}");
    let year = chrono::Utc::now()
        .with_timezone(&tongban_store::time::china())
        .format("%Y")
        .to_string();
    let sup = app.token("supervisor").await;
    let (s, f) = app
        .get(&format!("/api/v1/figures?period={year}"), Some(&sup))
        .await;
    assert_eq!(s, StatusCode::OK, "{f}");
    assert_eq!(figure(&f, "registrations")["value"], granted);
    assert_eq!(figure(&f, "business_licenses_issued")["value"], licensed);
    let md = app.report_md(&year);
    assert!(out.status.success(), "{md}");
    assert!(
        md.contains("“三证合一”办件量达到3件") && md.contains("已发放“一照一码”营业执照2件"),
        "{md}"
    );
    assert!(!md.contains("营业执照发放数据尚未接入"), "{md}");
    let out = app.cli(&["stats", "rebuild", "--db", &app.db_url]);
    assert!(out.status.success());
    app.assert_consistent();
}

async fn bad_registrations_are_named_and_write_nothing(db: Db) {
    let app = TestApp::spawn(db).await;
    let clerk = app.token("clerk.sj").await;
    // Without a registration item in the catalog: the clerk is told what is missing.
    let (s, v) = app
        .post(
            "/api/v1/registrations",
            Some(&clerk),
            establishment("昆山宏远机械有限公司"),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert_eq!(error_fields(&v), vec!["item_code"]);
    registration_items(&app).await;
    let approver = app.token("approver.sj").await;
    let hotline = app.token("hotline").await;
    let cases = app.count("cases").await;
    let audit = app.count("audit_log").await;

    let mut bad = establishment("某某科技");
    bad["legal_rep_id_number"] = json!("110105194912310021");
    bad["legal_rep_phone"] = json!("12345");
    bad["registered_capital_fen"] = json!(-5);
    bad["business_scope"] = json!("");
    let (s, v) = app.post("/api/v1/registrations", Some(&clerk), bad).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    let fields = error_fields(&v);
    for f in [
        "name",
        "legal_rep_id_number",
        "legal_rep_phone",
        "registered_capital_fen",
        "business_scope",
    ] {
        assert!(fields.iter().any(|x| x == f), "{f} not named: {v}");
    }
    let mut sums = establishment("昆山嘉盛物流有限公司");
    sums["investors"][1]["subscribed_fen"] = json!(1);
    let (s, v) = app.post("/api/v1/registrations", Some(&clerk), sums).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert!(error_of(&v).to_string().contains("不一致"), "{v}");
    let mut town = establishment("昆山嘉盛物流有限公司");
    town["town"] = json!("ZX");
    let (s, v) = app.post("/api/v1/registrations", Some(&clerk), town).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert_eq!(error_fields(&v), vec!["town"]);
    for (body, field) in [
        (json!({ "kind": "merge" }), "kind"),
        (json!({ "kind": "establish", "investors": "张三" }), "body"),
        (
            json!({ "kind": "change", "credit_code": "91320583MA1M23450Y", "contact_name": "李四", "contact_phone": PHONE, "business_scope": "x" }),
            "credit_code",
        ),
        (
            json!({ "kind": "deregister", "credit_code": partner(), "contact_name": "李四", "contact_phone": PHONE, "reason": "解散" }),
            "credit_code",
        ),
    ] {
        let (s, v) = app
            .post("/api/v1/registrations", Some(&clerk), body.clone())
            .await;
        assert!(s.is_client_error(), "{body}: {s} {v}");
        assert_eq!(error_fields(&v), vec![field], "{body}: {v}");
    }
    // Who may not file: an approver; who may not read the registry: the hotline.
    let (s, _) = app
        .post(
            "/api/v1/registrations",
            Some(&approver),
            establishment("昆山嘉盛物流有限公司"),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, _) = app.get("/api/v1/entities", Some(&hotline)).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    // A public lookup of a code that does not check, or is not registered here.
    let (s, v) = app.get("/api/v1/entities/91320583MA1M23450Y", None).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    let (s, _) = app
        .get(&format!("/api/v1/entities/{}", partner()), None)
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    assert_eq!(app.count("cases").await, cases);
    assert_eq!(app.count("registrations").await, 0);
    assert_eq!(app.count("audit_log").await, audit);
}

async fn registration_pages_work_without_script(db: Db) {
    let app = TestApp::spawn(db).await;
    registration_items(&app).await;
    let mut b = Browser::new(&app);
    b.staff_login("clerk.sj").await;
    let (s, _, html) = b.get("/registration/new?kind=establish").await;
    assert_eq!(s, StatusCode::OK, "{html}");
    assert!(
        html.contains("lang=\"zh-CN\"") && html.contains("投资人"),
        "{html}"
    );
    let csrf = hidden(&html, "csrf");
    // A fault on the form comes back beside its field, what was typed kept.
    let mut form = vec![
        ("csrf", csrf.clone()),
        ("kind", "establish".into()),
        ("item_code", ESTABLISH.into()),
        ("entity_type", "llc".into()),
        ("name", "昆山亿聚新材料有限公司".into()),
        ("town", "BC".into()),
        ("address", "巴城镇正仪路1号".into()),
        ("legal_rep_name", "张三".into()),
        ("legal_rep_id_number", ID_NUMBER.into()),
        ("legal_rep_phone", PHONE.into()),
        ("capital_wan", "五十".into()),
        ("business_scope", "新材料技术研发".into()),
        ("investors", format!("张三|{ID_NUMBER}|50")),
    ];
    let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let (s, _, html) = b.post("/registration", &pairs).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{html}");
    assert!(
        html.contains("注册资本（出资额）应为不小于零的数字（万元）"),
        "{html}"
    );
    assert!(html.contains("昆山亿聚新材料有限公司"), "{html}");
    form[10].1 = "50".into();
    let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let (s, location, html) = b.post("/registration", &pairs).await;
    assert_eq!(s, StatusCode::SEE_OTHER, "{html}");
    let location = location.expect("redirect to the case");
    assert!(location.starts_with("/workbench/cases/"), "{location}");
    let case_no = location.trim_start_matches("/workbench/cases/").to_string();
    let (s, _, html) = b.get("/registration").await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        html.contains(&case_no) && html.contains("准予设立登记后生成"),
        "{html}"
    );
    grant(&app, &case_no).await;
    let clerk = app.token("clerk.sj").await;
    let (_, v) = app
        .get(&format!("/api/v1/registrations/{case_no}"), Some(&clerk))
        .await;
    let code = v["credit_code"].as_str().unwrap().to_string();
    let (s, _, html) = b.get(&format!("/registration/entities/{code}")).await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        html.contains("昆山亿聚新材料有限公司") && html.contains("50万元"),
        "{html}"
    );
    assert!(!html.contains(ID_NUMBER), "{html}");
    let (s, _, html) = b.get("/registration/entities?q=亿聚").await;
    assert_eq!(s, StatusCode::OK);
    assert!(html.contains(&code), "{html}");
    // The public lookup, signed out.
    let mut anon = Browser::new(&app);
    let (s, _, html) = anon.get(&format!("/entities?code={code}")).await;
    assert_eq!(s, StatusCode::OK, "{html}");
    assert!(
        html.contains("存续") && html.contains("昆山亿聚新材料有限公司"),
        "{html}"
    );
    assert!(!html.contains("张三") && !html.contains("正仪路"), "{html}");
    let (s, _, html) = anon.get("/entities?code=91320583MA1M23450Y").await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{html}");
    assert!(html.contains("统一社会信用代码"), "{html}");
}

both!(an_establishment_generates_the_code_and_the_license);
both!(changes_keep_the_code_and_deregistration_ends_the_entity);
both!(bad_registrations_are_named_and_write_nothing);
both!(registration_pages_work_without_script);

/// The demo shows issue 16's capabilities working: registered entities with codes
/// that check, reform decisions, automatic approvals; the report's blanks filled and
/// the counters equal to a recomputation. SQLite only (the demo is seeded there).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_registers_reforms_and_approves_automatically() {
    let app = TestApp::spawn_demo().await;
    let out = app.cli(&["export", "entities", "--db", &app.db_url]);
    assert!(out.status.success());
    let csv = String::from_utf8(out.stdout).unwrap();
    let codes: Vec<&str> = csv
        .lines()
        .skip(1)
        .filter_map(|l| l.split(',').next())
        .collect();
    assert!(codes.len() >= 10, "{csv}");
    for c in &codes {
        tongban_domain::CreditCode::parse(c).unwrap_or_else(|e| panic!("{c}: {e}"));
    }
    assert!(app.count("catalog_reforms").await >= 1);
    assert!(
        app.scalar("SELECT CAST(COUNT(*) AS BIGINT) FROM cases WHERE mode = 'auto'")
            .await
            >= 1
    );
    let year =
        &tongban_store::time::day(tongban_store::time::local_day(tongban_store::time::now()))[..4];
    let md = app.report_md(year);
    assert!(out.status.success(), "{md}");
    for gone in [
        "营业执照发放数据尚未接入",
        "精简事项数及精简比例尚未接入",
        "平台满意度及表扬数据尚未接入",
    ] {
        assert!(!md.contains(gone), "{gone}: {md}");
    }
    assert!(
        md.contains("“三证合一”办件量达到") && md.contains("秒批办件"),
        "{md}"
    );
    // The bundles: three in use, the birth one applied for online, applications
    // with their cases in several departments.
    let (_, l) = app.get("/api/v1/bundles", None).await;
    assert_eq!(l["bundles"].as_array().unwrap().len(), 3, "{l}");
    let (s, g) = app.get("/api/v1/bundles/YJS-CS", None).await;
    assert_eq!(s, StatusCode::OK, "{g}");
    assert_eq!(g["online"], true, "{g}");
    assert!(
        g["fields"].as_array().unwrap().len() >= 4,
        "the joined form: {g}"
    );
    assert!(app.count("bundle_applications").await >= 10);
    // The supervision registers: banners and innovation measures in the report.
    assert!(app.count("commendations").await >= 16);
    assert!(app.count("patrols").await >= 1);
    assert!(md.contains("开展窗口月度巡查"), "{md}");
    assert!(app.count("hooked_projects").await >= 1);
    assert!(md.contains("个挂钩项目进行审批全流程跟踪"), "{md}");
    assert!(
        md.contains("整体平台满意率") && md.contains("项创新服务举措"),
        "{md}"
    );
    assert!(
        app.scalar("SELECT CAST(COUNT(DISTINCT c.department_id) AS BIGINT) FROM bundle_cases b JOIN cases c ON c.id = b.case_id")
            .await
            >= 5
    );
    app.assert_consistent();
}

/// The legal representative applies for an establishment on the portal: the
/// particulars on the item's form (their own verified identity as legal
/// representative), checked before the answers are shown; the department accepts,
/// approves and closes it, the code and the license follow. A change is for the
/// window.
async fn an_establishment_is_applied_for_online(db: Db) {
    use reqwest::multipart::{Form, Part};
    let app = TestApp::spawn(db).await;
    registration_items(&app).await;
    let mut v = Browser::new(&app);
    crate::apply::sign_in(&app, &mut v).await;
    let (s, _, page) = v.get(&format!("/apply/{CHANGE}")).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("窗口办理"), "{page}");
    let path = format!("/apply/{ESTABLISH}");
    let (s, _, page) = v.get(&path).await;
    assert_eq!(s, StatusCode::OK, "{page}");
    assert!(
        page.contains("设立登记信息") && !page.contains("以谁的名义申请"),
        "{page}"
    );
    let csrf = hidden(&page, "csrf");
    let draft = hidden(&page, "draft");
    let files = || {
        Form::new()
            .part(
                "file_0",
                Part::bytes(crate::apply::PDF.to_vec()).file_name("申请书.pdf"),
            )
            .part(
                "file_1",
                Part::bytes(crate::apply::PDF.to_vec()).file_name("营业执照.pdf"),
            )
    };
    let investors = format!("张三|{ID_NUMBER}|50");
    let form = files()
        .text("csrf", csrf.clone())
        .text("draft", draft.clone())
        .text("kind", "person")
        .text("reg_entity_type", "llc")
        .text("reg_name", "")
        .text("reg_town", "BC")
        .text("reg_address", "巴城镇正仪路9号")
        .text("reg_capital_wan", "50")
        .text("reg_business_scope", "软件开发")
        .text("reg_investors", investors.clone());
    let (s, page) = v.upload(&path, form).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{page}");
    assert!(page.contains("href=\"#reg_name\""), "{page}");
    assert!(page.contains("巴城镇正仪路9号"), "what was typed is kept");
    let form = Form::new()
        .text("csrf", csrf.clone())
        .text("draft", draft.clone())
        .text("kind", "person")
        .text("reg_entity_type", "llc")
        .text("reg_name", "昆山网办科技有限公司")
        .text("reg_town", "BC")
        .text("reg_address", "巴城镇正仪路9号")
        .text("reg_capital_wan", "50")
        .text("reg_business_scope", "软件开发")
        .text("reg_investors", investors.clone());
    let (s, page) = v.upload(&path, form).await;
    assert_eq!(s, StatusCode::OK, "{page}");
    assert!(
        page.contains("昆山网办科技有限公司") && page.contains("提交前请核对"),
        "{page}"
    );
    let mut post = vec![
        ("csrf", csrf.as_str()),
        ("draft", draft.as_str()),
        ("kind", "person"),
    ];
    for k in [
        "reg_entity_type",
        "reg_name",
        "reg_town",
        "reg_address",
        "reg_capital_wan",
        "reg_business_scope",
        "reg_investors",
    ] {
        post.push((k, ""));
    }
    let values = [
        "llc",
        "昆山网办科技有限公司",
        "BC",
        "巴城镇正仪路9号",
        "50",
        "软件开发",
        investors.as_str(),
    ];
    for (i, val) in values.iter().enumerate() {
        post[3 + i].1 = val;
    }
    let (s, loc, page) = v.post(&format!("{path}/submit"), &post).await;
    assert_eq!(s, StatusCode::SEE_OTHER, "{page}");
    let no = loc.unwrap().trim_start_matches("/apply/done/").to_string();
    let clerk = app.token("clerk.sj").await;
    let (_, r) = app
        .get(&format!("/api/v1/registrations/{no}"), Some(&clerk))
        .await;
    assert_eq!(r["name"], "昆山网办科技有限公司", "{r}");
    let (_, c) = app.get(&format!("/api/v1/cases/{no}"), Some(&clerk)).await;
    assert_eq!(
        (c["channel"].as_str(), c["status"].as_str()),
        (Some("online"), Some("submitted")),
        "{c}"
    );
    let (s, c) = app.act(&clerk, &no, "accept", None).await;
    assert_eq!(s, StatusCode::OK, "{c}");
    grant(&app, &no).await;
    let (_, r) = app
        .get(&format!("/api/v1/registrations/{no}"), Some(&clerk))
        .await;
    let code = r["credit_code"]
        .as_str()
        .expect("a code generated")
        .to_string();
    tongban_domain::CreditCode::parse(&code).unwrap();
    let (_, e) = app.get(&format!("/api/v1/entities/{code}"), None).await;
    assert_eq!(e["status_label"], "存续", "{e}");
    app.assert_consistent();
}
both!(an_establishment_is_applied_for_online);
