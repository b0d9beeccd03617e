//! Parallel approval by stage (issue 15): administrators keep versioned stage
//! definitions; the comprehensive window accepts a stage once with one set of
//! materials, opening one ordinary case per item in its department; the next stage
//! waits until every case of the one before has closed with approval; every bad
//! input is a Chinese 4xx naming its field and nothing is half-written.

use crate::common::*;
use reqwest::StatusCode;
use serde_json::{Value, json};

pub const CODE: &str = "2026-320583-39-03-000777";

pub async fn project(app: &TestApp) {
    let owner = tongban_domain::CreditCode::generate('9', '1', "320583", "MA1M7777")
        .unwrap()
        .as_str()
        .to_string();
    let clerk = app.token("clerk.zh").await;
    let (s, v) = app
        .post(
            "/api/v1/projects",
            Some(&clerk),
            json!({
                "code": CODE, "name": "巴城镇精密机械制造车间", "owner_credit_code": owner,
                "owner_name": "昆山华精密有限公司", "town": "BC", "address": "萧林路8号",
                "investment_fen": 12_000_000_000i64, "land_area_m2": 15000, "floor_area_m2": 30000,
                "funding": "social", "category": "general", "lead_department": "SJ"
            }),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
}

pub fn today() -> String {
    tongban_store::time::day(tongban_store::time::local_day(tongban_store::time::now()))
}

fn field(v: &Value) -> &str {
    v["error"]["field"].as_str().unwrap_or_default()
}

/// The land-planning stage of social general projects: the two fixture items.
pub async fn define_first_stage(app: &TestApp) {
    let admin = app.token("admin").await;
    let (s, v) = app
        .post(
            "/api/v1/project-stages",
            Some(&admin),
            json!({ "funding": "social", "category": "general", "stage": "land_planning",
                    "limit_days": 20, "items": [ITEM, DELEGATED], "effective_from": today() }),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    assert_eq!(v["version"], 1);
}

pub async fn apply_first_stage(app: &TestApp) -> Value {
    let clerk = app.token("clerk.zh").await;
    let (s, v) = app
        .post(
            &format!("/api/v1/projects/{CODE}/stages"),
            Some(&clerk),
            json!({ "stage": "land_planning", "contact": "王工", "phone": PHONE,
                    "materials": ["申请书", "营业执照"], "intermediaries": ["环境影响评价"] }),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    v
}

async fn stages_open_cases_in_parallel(db: Db) {
    let app = TestApp::spawn(db).await;
    project(&app).await;
    let admin = app.token("admin").await;
    let clerk = app.token("clerk.zh").await;
    let rules = "/api/v1/project-stages";

    // Stage definitions: administrators only, each field checked.
    let (s, _) = app
        .post(rules, Some(&clerk), json!({ "funding": "social" }))
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    for (body, f) in [
        (
            json!({ "funding": "social", "category": "general", "stage": "land_planning", "limit_days": 20,
                 "items": [ITEM, "NO-SUCH-ITEM"], "effective_from": today() }),
            "items",
        ),
        (
            json!({ "funding": "social", "category": "general", "stage": "land_planning", "limit_days": 200,
                 "items": [ITEM], "effective_from": today() }),
            "limit_days",
        ),
        (
            json!({ "funding": "social", "category": "general", "stage": "land_planning", "limit_days": 20,
                 "items": [ITEM], "effective_from": "2001-01-01" }),
            "effective_from",
        ),
        (
            json!({ "funding": "social", "category": "general", "stage": "land_planning", "limit_days": 20,
                 "items": [SUSPENDED], "effective_from": today() }),
            "items",
        ),
    ] {
        let (s, v) = app.post(rules, Some(&admin), body).await;
        assert_eq!((s, field(&v)), (StatusCode::UNPROCESSABLE_ENTITY, f), "{v}");
    }
    assert_eq!(app.count("stage_rules").await, 0);
    // A stage not yet defined cannot be applied for.
    let path = format!("/api/v1/projects/{CODE}/stages");
    let body = json!({ "stage": "land_planning", "contact": "王工", "phone": PHONE });
    let (s, v) = app.post(&path, Some(&clerk), body.clone()).await;
    assert_eq!(
        (s, field(&v)),
        (StatusCode::UNPROCESSABLE_ENTITY, "stage"),
        "{v}"
    );
    define_first_stage(&app).await;
    let (s, v) = app.get(rules, Some(&clerk)).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v["in_force"].as_array().unwrap().len(), 1, "{v}");
    assert_eq!(v["in_force"][0]["items"][0][1], "食品经营许可", "{v}");

    // Bad applications: named, and no case written.
    let cases = app.count("cases").await;
    for (body, f) in [
        (
            json!({ "stage": "land_planning", "contact": "王工", "phone": "12" }),
            "phone",
        ),
        (
            json!({ "stage": "land_planning", "contact": "", "phone": PHONE }),
            "contact",
        ),
        (
            json!({ "stage": "moon", "contact": "王工", "phone": PHONE }),
            "stage",
        ),
        (
            json!({ "stage": "land_planning", "contact": "王工", "phone": PHONE, "materials": ["申请书"] }),
            "materials",
        ),
        (
            json!({ "stage": "land_planning", "contact": "王工", "phone": PHONE, "materials": ["申请书", "营业执照", "户口本"] }),
            "materials",
        ),
    ] {
        let (s, v) = app.post(&path, Some(&clerk), body).await;
        assert_eq!((s, field(&v)), (StatusCode::UNPROCESSABLE_ENTITY, f), "{v}");
    }
    let (s, v) = app
        .post(
            &path,
            Some(&clerk),
            json!({ "stage": "construction_permit", "contact": "王工", "phone": PHONE }),
        )
        .await;
    assert_eq!(
        (s, field(&v)),
        (StatusCode::CONFLICT, "stage"),
        "out of order: {v}"
    );
    // A department's own window cannot take another department's item.
    let sj = app.token("clerk.sj").await;
    let (s, _) = app.post(&path, Some(&sj), body.clone()).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, _) = app
        .post(
            "/api/v1/projects/2026-320583-39-03-999999/stages",
            Some(&clerk),
            body.clone(),
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    assert_eq!(app.count("cases").await, cases);
    assert_eq!(app.count("stage_applications").await, 0);

    // One acceptance, one case per item, each in its department with its clock.
    let v = apply_first_stage(&app).await;
    assert_eq!(v["state"], "in_progress", "{v}");
    assert_eq!(v["materials"], json!(["申请书", "营业执照"]));
    assert_eq!(v["materials_separate"], 4);
    assert_eq!(v["limit_days"], 20);
    assert_eq!(v["intermediaries"], json!(["环境影响评价"]));
    let stage_cases = v["cases"].as_array().unwrap().clone();
    assert_eq!(stage_cases.len(), 2);
    let depts: Vec<&str> = stage_cases
        .iter()
        .map(|c| c["department"].as_str().unwrap())
        .collect();
    assert_eq!(depts, ["SJ", "JT"]);
    assert!(
        stage_cases
            .iter()
            .all(|c| c["status"] == "accepted" && !c["promised_deadline"].is_null())
    );
    assert_eq!(app.count("cases").await, cases + 2);
    let (s, v) = app.post(&path, Some(&clerk), body.clone()).await;
    assert_eq!(
        (s, field(&v)),
        (StatusCode::CONFLICT, "stage"),
        "in progress: {v}"
    );

    // Each department works its own case; a supplement request shows on the stage.
    let no = |i: usize| stage_cases[i]["case_no"].as_str().unwrap().to_string();
    let jt = app.token("approver.jt").await;
    let (s, _) = app.act(&jt, &no(0), "approve", None).await;
    assert_eq!(
        s,
        StatusCode::NOT_FOUND,
        "another department's case is out of its scope"
    );
    let (s, v) = app
        .act(&app.token("approver.sj").await, &no(0), "approve", None)
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let (s, v) = app
        .act(&app.token("clerk.sj").await, &no(0), "close", None)
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let (_, v) = app.get(&path, Some(&clerk)).await;
    assert_eq!(v["stages"][0]["state"], "in_progress", "{v}");
    let (s, v) = app.act(&jt, &no(1), "approve", None).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let (s, v) = app
        .act(&app.token("clerk.jt").await, &no(1), "close", None)
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let (_, v) = app.get(&path, Some(&clerk)).await;
    let st = &v["stages"][0];
    assert_eq!(st["state"], "passed", "{v}");
    assert_eq!(st["ended_on"], today());
    assert_eq!(st["working_days_used"], 0);
    assert!(
        st["cases"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["license_no"].is_string()),
        "{v}"
    );

    // 一长四多: materials handed in once against each item's counted separately.
    let (s, lf) = app
        .get(&format!("/api/v1/projects/{CODE}/long-four"), Some(&clerk))
        .await;
    assert_eq!(s, StatusCode::OK, "{lf}");
    assert_eq!(
        (
            lf["materials"]["before"].as_f64(),
            lf["materials"]["after"].as_f64()
        ),
        (Some(4.0), Some(2.0)),
        "{lf}"
    );
    assert_eq!(
        (
            lf["seals"]["before"].as_f64(),
            lf["seals"]["after"].as_f64()
        ),
        (Some(2.0), Some(2.0)),
        "{lf}"
    );
    assert_eq!(lf["intermediaries"]["after"].as_f64(), Some(1.0), "{lf}");
    assert_eq!(lf["working_days"]["after"].as_f64(), Some(0.0), "{lf}");
    let sup = app.token("supervisor").await;
    let (s, avg) = app.get("/api/v1/project-figures", Some(&sup)).await;
    assert_eq!(s, StatusCode::OK, "{avg}");
    assert_eq!(avg["average"]["projects"], 1, "{avg}");
    assert_eq!(
        avg["average"]["materials"]["after"].as_f64(),
        Some(2.0),
        "{avg}"
    );
    let (s, v) = app
        .get("/api/v1/project-figures?from=2026-13-01", Some(&sup))
        .await;
    assert_eq!(
        (s, field(&v)),
        (StatusCode::UNPROCESSABLE_ENTITY, "from"),
        "{v}"
    );
    let mut b = Browser::new(&app);
    b.staff_login("supervisor").await;
    let (s, _, page) = b.get("/dashboard/projects").await;
    assert_eq!(s, StatusCode::OK);
    assert!(page.contains("一长四多"), "{page}");
    assert!(page.contains("联合验收项目"), "{page}");

    // The next stage is in order now, but not yet defined for this kind of project.
    let (s, v) = app
        .post(
            &path,
            Some(&clerk),
            json!({ "stage": "construction_permit", "contact": "王工", "phone": PHONE }),
        )
        .await;
    assert_eq!(
        (s, field(&v)),
        (StatusCode::UNPROCESSABLE_ENTITY, "stage"),
        "{v}"
    );
    assert!(v.to_string().contains("尚未定义"), "{v}");
    let out = app.cli(&["stats", "check", "--db", &app.db_url]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
}
both!(stages_open_cases_in_parallel);

async fn the_window_takes_a_stage_on_its_page(db: Db) {
    let app = TestApp::spawn(db).await;
    project(&app).await;
    define_first_stage(&app).await;
    let mut b = Browser::new(&app);
    b.staff_login("clerk.zh").await;
    let (s, _, page) = b.get(&format!("/projects/{CODE}")).await;
    assert_eq!(s, StatusCode::OK);
    assert!(page.contains("受理本阶段申请"), "{page}");
    let (s, _, page) = b
        .get(&format!("/projects/{CODE}/stages/new?stage=land_planning"))
        .await;
    assert_eq!(s, StatusCode::OK);
    // Each material once, with the items that need it.
    assert_eq!(page.matches("营业执照（必需").count(), 1, "{page}");
    assert!(
        page.contains("用于：食品经营许可、道路运输证配发"),
        "{page}"
    );
    let csrf = hidden(&page, "csrf");
    // A multipart form: the fields, the ticked materials by name, and one file for
    // the application form (申请书), which both items need.
    let form = |phone: &'static str, file: Option<&'static [u8]>| {
        let mut f = reqwest::multipart::Form::new()
            .text("csrf", csrf.clone())
            .text("stage", "land_planning")
            .text("contact", "王工")
            .text("phone", phone)
            .text("m0", "申请书")
            .text("m1", "营业执照")
            .text("material0", "申请书")
            .text("material1", "营业执照")
            .text("intermediaries", "环境影响评价\n节能评估");
        if let Some(bytes) = file {
            f = f.part(
                "file0",
                reqwest::multipart::Part::bytes(bytes).file_name("申请书.pdf"),
            );
        }
        f
    };
    let (s, page) = b
        .upload(&format!("/projects/{CODE}/stages"), form("123", None))
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("联系电话"), "{page}");
    let (s, page) = b
        .upload(
            &format!("/projects/{CODE}/stages"),
            form(PHONE, Some(b"not a pdf")),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("PDF"), "{page}");
    // An upload cut off (too large, or the connection dropped): refused as such, not
    // taken as an application without its file.
    let (s, page) = b
        .upload_raw(
            &format!("/projects/{CODE}/stages"),
            "cutoff",
            crate::common::cut_off_upload("cutoff", &csrf, "file0"),
        )
        .await;
    assert_eq!(s, StatusCode::PAYLOAD_TOO_LARGE, "{page}");
    assert!(page.contains("不超过60MB"), "{page}");
    assert_eq!(app.count("stage_applications").await, 0);
    let (s, _) = b
        .upload(
            &format!("/projects/{CODE}/stages"),
            form(PHONE, Some(b"%PDF-1.4\n% stage application form\n")),
        )
        .await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    // The file uploaded once, seen by each department's case.
    let t = app.token("clerk.zh").await;
    let (_, v) = app
        .get(&format!("/api/v1/projects/{CODE}/stages"), Some(&t))
        .await;
    for (i, who) in [(0, "approver.sj"), (1, "approver.jt")] {
        let no = v["stages"][0]["cases"][i]["case_no"]
            .as_str()
            .unwrap()
            .to_string();
        let mut d = Browser::new(&app);
        d.staff_login(who).await;
        let (s, _, page) = d.get(&format!("/workbench/cases/{no}")).await;
        assert_eq!(s, StatusCode::OK);
        assert!(page.contains("申请书：申请书.pdf"), "{who}: {page}");
    }
    let (_, _, page) = b.get(&format!("/projects/{CODE}")).await;
    assert!(page.contains("办理中"), "{page}");
    assert!(page.contains("道路运输证配发"), "{page}");
    assert!(!page.contains("受理本阶段申请"), "in progress: {page}");
    // The definitions page, for everyone; its form for administrators only.
    let (s, _, page) = b.get("/projects/stages").await;
    assert_eq!(s, StatusCode::OK);
    assert!(page.contains("食品经营许可、道路运输证配发"), "{page}");
    assert!(!page.contains("新增阶段定义版本"), "{page}");
}
both!(the_window_takes_a_stage_on_its_page);

async fn the_owner_tracks_the_project_without_a_login(db: Db) {
    let app = TestApp::spawn(db).await;
    project(&app).await;
    define_first_stage(&app).await;
    apply_first_stage(&app).await;
    let owner = tongban_domain::CreditCode::generate('9', '1', "320583", "MA1M7777")
        .unwrap()
        .as_str()
        .to_string();
    let path = format!("/api/v1/project-tracking?code={CODE}&credit_code={owner}");
    let (s, v) = app.get(&path, None).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["total_limit_days"], 120);
    assert_eq!(v["working_days_used"], 0);
    let stages = v["stages"].as_array().unwrap();
    assert_eq!(stages.len(), 4);
    assert_eq!(stages[0]["state"], "in_progress");
    assert_eq!(stages[1]["state"], "not_applied");
    let first = &stages[0]["application"];
    assert_eq!(first["cases"].as_array().unwrap().len(), 2);
    assert_eq!(first["accepted_by"], "", "no staff names: {first}");
    assert!(!v.to_string().contains(PHONE), "no contact's phone: {v}");

    // A wrong credit code looks like an unknown project; faults are named.
    let other = tongban_domain::CreditCode::generate('9', '1', "320583", "MA1M7778")
        .unwrap()
        .as_str()
        .to_string();
    let (s, v) = app
        .get(
            &format!("/api/v1/project-tracking?code={CODE}&credit_code={other}"),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND, "{v}");
    let (s, v) = app
        .get(
            &format!("/api/v1/project-tracking?code=2026-320583-39-03-000001&credit_code={owner}"),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND, "{v}");
    let (s, v) = app
        .get("/api/v1/project-tracking?code=x&credit_code=y", None)
        .await;
    assert_eq!(
        (s, field(&v)),
        (StatusCode::UNPROCESSABLE_ENTITY, "code"),
        "{v}"
    );
    let (s, v) = app
        .get(&format!("/api/v1/project-tracking?code={CODE}"), None)
        .await;
    assert_eq!(
        (s, field(&v)),
        (StatusCode::UNPROCESSABLE_ENTITY, "credit_code"),
        "{v}"
    );

    // The page, for a browser without a login.
    let mut b = Browser::new(&app);
    let (s, _, page) = b
        .get(&format!("/projects/track?code={CODE}&credit_code={owner}"))
        .await;
    assert_eq!(s, StatusCode::OK);
    assert!(page.contains("立项用地规划许可：办理中"), "{page}");
    assert!(page.contains("道路运输证配发"), "{page}");
    assert!(page.contains("工程建设许可：尚未申请"), "{page}");
    let (s, _, page) = b
        .post(
            "/projects/track",
            &[("code", CODE), ("credit_code", other.as_str())],
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("未找到项目"), "{page}");
}
both!(the_owner_tracks_the_project_without_a_login);

async fn coordination_problems_are_followed_to_a_result(db: Db) {
    let app = TestApp::spawn(db).await;
    project(&app).await;
    let jt = app.token("approver.jt").await;
    let path = format!("/api/v1/projects/{CODE}/problems");
    // A department not taking part in the project may not raise one.
    let (s, v) = app
        .post(
            &path,
            Some(&jt),
            json!({ "description": "x", "department": "SJ", "due_on": today() }),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{v}");
    define_first_stage(&app).await;
    apply_first_stage(&app).await;
    let (s, v) = app
        .post(
            &path,
            Some(&jt),
            json!({ "description": " ", "department": "NONE", "due_on": "2001-01-01" }),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    let fields: Vec<&str> = v["error"]["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["description", "due_on", "department"], "{v}");
    for user in ["supervisor", "clerk.zh"] {
        let t = app.token(user).await;
        let (s, _) = app
            .post(
                &path,
                Some(&t),
                json!({ "description": "x", "department": "SJ", "due_on": today() }),
            )
            .await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{user}");
    }
    assert_eq!(app.count("project_problems").await, 0);
    let (s, v) = app
        .post(
            &path,
            Some(&jt),
            json!({ "description": "项目红线内道路开口需市场监管部门确认", "department": "SJ", "due_on": today() }),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let id = v["id"].as_i64().unwrap();
    assert_eq!(
        (v["status"].as_str(), v["overdue"].as_bool()),
        (Some("open"), Some(false))
    );

    // Past its day it shows on the supervision page.
    let sup = app.token("supervisor").await;
    let (_, l) = app.get("/api/v1/problems?overdue=true", Some(&sup)).await;
    assert_eq!(l["total"], 0, "{l}");
    app.exec(&format!(
        "UPDATE project_problems SET due_on = '2026-01-05' WHERE id = {id}"
    ))
    .await;
    let (_, l) = app.get("/api/v1/problems?overdue=true", Some(&sup)).await;
    assert_eq!(l["total"], 1, "{l}");
    let mut b = Browser::new(&app);
    b.staff_login("supervisor").await;
    let (_, _, page) = b.get("/supervision").await;
    assert!(page.contains("协调问题（1 个）"), "{page}");
    assert!(page.contains("道路开口"), "{page}");

    // The result: by the department that must act or the lead department.
    let done = format!("/api/v1/problems/{id}/result");
    let (s, _) = app
        .post(&done, Some(&jt), json!({ "result": "已确认" }))
        .await;
    assert_eq!(
        s,
        StatusCode::FORBIDDEN,
        "JT is neither the lead nor the one to act"
    );
    let sj = app.token("approver.sj").await;
    let (s, v) = app.post(&done, Some(&sj), json!({ "result": "" })).await;
    assert_eq!(
        (s, field(&v)),
        (StatusCode::UNPROCESSABLE_ENTITY, "result"),
        "{v}"
    );
    let (s, v) = app
        .post(
            &done,
            Some(&sj),
            json!({ "result": "已现场确认，同意开口" }),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["status"], "resolved");
    let (s, _) = app
        .post(&done, Some(&sj), json!({ "result": "again" }))
        .await;
    assert_eq!(s, StatusCode::CONFLICT);
    let (_, l) = app.get("/api/v1/problems?overdue=true", Some(&sup)).await;
    assert_eq!(l["total"], 0, "{l}");
}
both!(coordination_problems_are_followed_to_a_result);
