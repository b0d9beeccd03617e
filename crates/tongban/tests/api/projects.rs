//! Construction projects (issue 15, first part): registered at the window with the
//! national platform's code and a valid owner, every fault named at once and nothing
//! half-written; listed, read and audited; the same through the pages.

use crate::common::*;
use reqwest::StatusCode;
use serde_json::{Value, json};

fn owner() -> String {
    tongban_domain::CreditCode::generate('9', '1', "320583", "MA1M2345")
        .unwrap()
        .as_str()
        .to_string()
}

fn project(code: &str) -> Value {
    json!({
        "code": code, "name": "巴城镇电子信息产业园厂房", "owner_credit_code": owner(),
        "owner_name": "昆山鼎科技有限公司", "town": "BC", "address": "萧林路88号",
        "investment_fen": 35_000_000_000i64, "land_area_m2": 20000.5, "floor_area_m2": 48000,
        "funding": "social", "category": "general", "lead_department": "SJ"
    })
}

async fn projects_are_registered_checked_and_listed(db: Db) {
    let app = TestApp::spawn(db).await;
    let clerk = app.token("clerk.sj").await;
    let audit = app.count("audit_log").await;

    let (s, v) = app
        .post(
            "/api/v1/projects",
            Some(&clerk),
            project("2026-320583-39-03-000123"),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    assert_eq!(v["code"], "2026-320583-39-03-000123");
    assert_eq!(v["town_name"], "巴城镇便民服务中心");
    assert_eq!(v["land_area_m2"], 20000.5);
    assert_eq!(v["investment_wan"], "35000.00");
    assert_eq!(v["filing"], "备案");
    assert_eq!(v["total_limit_days"], 120);
    assert_eq!(app.count("audit_log").await, audit + 1);

    // The same code again: a conflict on the code.
    let (s, v) = app
        .post(
            "/api/v1/projects",
            Some(&clerk),
            project("2026-320583-39-03-000123"),
        )
        .await;
    assert_eq!(s, StatusCode::CONFLICT, "{v}");
    assert_eq!(v["error"]["field"], "code");

    // Every fault at once, each naming its field; nothing written.
    let mut bad = project("2026-320583-39-04-000124");
    bad["owner_credit_code"] = json!("91320583MA1M23450Y");
    bad["floor_area_m2"] = json!(-3);
    bad["funding"] = json!("government");
    bad["category"] = json!("small_low_risk");
    let (s, v) = app.post("/api/v1/projects", Some(&clerk), bad).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    let fields: Vec<&str> = v["error"]["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    for f in ["code", "owner_credit_code", "floor_area_m2", "category"] {
        assert!(fields.contains(&f), "{f} not named: {v}");
    }
    // A town and a department that do not exist.
    let mut bad = project("2026-320583-39-03-000125");
    bad["town"] = json!("NOWHERE");
    bad["lead_department"] = json!("NONE");
    let (s, v) = app.post("/api/v1/projects", Some(&clerk), bad).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert!(v.to_string().contains("区镇代码“NOWHERE”不存在"), "{v}");
    assert!(v.to_string().contains("牵头部门代码“NONE”不存在"), "{v}");
    assert_eq!(app.count("projects").await, 1);
    assert_eq!(app.count("audit_log").await, audit + 1);

    // Only windows register; an approver reads, a hotline agent does not.
    let approver = app.token("approver.sj").await;
    let (s, _) = app
        .post(
            "/api/v1/projects",
            Some(&approver),
            project("2026-320583-39-03-000126"),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, v) = app
        .get("/api/v1/projects?q=电子信息", Some(&approver))
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["total"], 1);
    assert_eq!(v["projects"][0]["owner_name"], "昆山鼎科技有限公司");
    let (s, v) = app
        .get("/api/v1/projects/2026-320583-39-03-000123", Some(&approver))
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let (s, v) = app.get("/api/v1/projects/2026-1", Some(&approver)).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert_eq!(v["error"]["field"], "code");
    let hotline = app.token("hotline").await;
    let (s, _) = app.get("/api/v1/projects", Some(&hotline)).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, v) = app
        .get("/api/v1/projects?category=big", Some(&approver))
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
}
both!(projects_are_registered_checked_and_listed);

async fn the_window_registers_a_project_on_a_page(db: Db) {
    let app = TestApp::spawn(db).await;
    let mut b = Browser::new(&app);
    b.staff_login("clerk.sj").await;
    let (s, _, page) = b.get("/projects/new").await;
    assert_eq!(s, StatusCode::OK);
    assert!(page.contains("登记工程建设项目"), "{page}");
    let csrf = hidden(&page, "csrf");
    let owner = owner();
    let mut form = vec![
        ("csrf", csrf.as_str()),
        ("code", "2026-320583-47-03-000777"),
        ("name", "巴城镇社区邻里中心"),
        ("owner_credit_code", owner.as_str()),
        ("owner_name", "昆山华实业有限公司"),
        ("town", "BC"),
        ("address", "青阳路1号"),
        ("investment_wan", "abc"),
        ("land_area_m2", "5000"),
        ("floor_area_m2", "8000"),
        ("funding", "social"),
        ("category", "general"),
        ("lead_department", "SJ"),
    ];
    // A sum that is not a number is named beside its field, with the other faults.
    form[1] = ("code", "2026-1");
    let (s, _, page) = b.post("/projects", &form).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("总投资应为数字"), "{page}");
    assert!(page.contains("项目代码“2026-1”格式不正确"), "{page}");
    form[1] = ("code", "2026-320583-47-03-000777");
    assert_eq!(app.count("projects").await, 0);
    form[7] = ("investment_wan", "1200.5");
    let (s, to, _) = b.post("/projects", &form).await;
    assert_eq!(s, StatusCode::SEE_OTHER, "{to:?}");
    assert_eq!(to.as_deref(), Some("/projects/2026-320583-47-03-000777"));
    let (s, _, page) = b.get("/projects/2026-320583-47-03-000777").await;
    assert_eq!(s, StatusCode::OK);
    assert!(page.contains("1200.50 万元"), "{page}");
    assert!(page.contains("120 个工作日"), "{page}");
    let (s, _, page) = b.get("/projects?town=BC").await;
    assert_eq!(s, StatusCode::OK);
    assert!(page.contains("巴城镇社区邻里中心"), "{page}");
    assert!(page.contains("lang=\"zh-CN\""));
}
both!(the_window_registers_a_project_on_a_page);
