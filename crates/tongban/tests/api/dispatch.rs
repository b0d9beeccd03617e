//! The 12345 dispatch catalog on both backends: administrators keep rules (service,
//! category, place → member unit), the most specific matching rule gives an order's
//! unit when an agent dispatches "by the catalog", a service's own unit is the
//! fallback, bad rules are refused with the field named, and the pages show it.

use crate::common::{Browser, Db, TestApp, assert_invalid, hidden};
use reqwest::StatusCode;
use serde_json::json;
use tongban_domain::hotline::Category;
use tongban_store::hotline::{NewService, insert_services};

async fn services(app: &TestApp) {
    let mut tx = app.store.begin().await.unwrap();
    insert_services(
        &mut tx,
        &[NewService {
            code: "youyan",
            name: "油烟扰民",
            description: "餐饮油烟直排",
            group: "环境保护",
            keywords: "油烟",
            category: Category::Complaint,
            unit: Some("SJ"),
        }],
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
}

async fn catalog_gives_the_unit(db: Db) {
    let app = TestApp::spawn(db).await;
    services(&app).await;
    let admin = app.token("admin").await;
    let agent = app.token("hotline").await;
    let rules = "/api/v1/hotline/dispatch-rules";
    for (body, field) in [
        (json!({ "unit": "JT" }), "service_code"),
        (json!({ "place": "巴城镇" }), "unit"),
        (json!({ "place": "巴城镇", "unit": "NOPE" }), "unit"),
        (json!({ "place": "长".repeat(21), "unit": "JT" }), "place"),
        (
            json!({ "service_code": "nope", "unit": "JT" }),
            "service_code",
        ),
        (json!({ "category": "weird", "unit": "JT" }), "category"),
    ] {
        let (s, v) = app.post(rules, Some(&admin), body).await;
        assert_invalid(s, &v, field);
    }
    let (s, _) = app
        .post(
            rules,
            Some(&agent),
            json!({ "place": "巴城镇", "unit": "JT" }),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, rule) = app
        .post(
            rules,
            Some(&admin),
            json!({ "place": "巴城镇", "service_code": "youyan", "unit": "JT", "note": "巴城镇油烟由交通局代管（测试）" }),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{rule}");
    let (_, list) = app.get(rules, Some(&agent)).await;
    assert_eq!(list["rules"].as_array().unwrap().len(), 1);

    let order = |address: &str, service: Option<&str>, category: &str| {
        let mut b = json!({ "category": category, "content": "饭店油烟直排", "address": address, "unit": "auto" });
        if let Some(sv) = service {
            b["service_code"] = json!(sv);
        }
        b
    };
    // The place rule, the service's own unit, and nothing to go by.
    let (s, v) = app
        .post(
            "/api/v1/work-orders",
            Some(&agent),
            order("巴城镇正仪村3组", Some("youyan"), "complaint"),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    assert_eq!(v["unit"]["code"], "JT");
    let (s, v) = app
        .post(
            "/api/v1/work-orders",
            Some(&agent),
            order("玉山镇萧林路1号", Some("youyan"), "complaint"),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    assert_eq!(v["unit"]["code"], "SJ");
    let before = app.count("work_orders").await;
    let (s, v) = app
        .post(
            "/api/v1/work-orders",
            Some(&agent),
            order("玉山镇", None, "consultation"),
        )
        .await;
    assert_invalid(s, &v, "unit");
    assert_eq!(
        app.count("work_orders").await,
        before,
        "nothing half-written"
    );

    // An order waiting for dispatch: the suggestion, then dispatch by the catalog.
    let (_, v) = app
        .post(
            "/api/v1/work-orders",
            Some(&agent),
            json!({ "category": "complaint", "content": "油烟", "address": "巴城镇湖滨路", "service_code": "youyan" }),
        )
        .await;
    let no = v["order_no"].as_str().unwrap().to_string();
    let (s, sg) = app
        .get(
            &format!("/api/v1/work-orders/{no}/suggested-unit"),
            Some(&agent),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{sg}");
    assert_eq!(sg["suggestion"]["code"], "JT");
    assert!(
        sg["suggestion"]["reason"]
            .as_str()
            .unwrap()
            .contains("巴城镇")
    );
    let (s, v) = app
        .post(
            &format!("/api/v1/work-orders/{no}/actions"),
            Some(&agent),
            json!({ "action": "dispatch", "unit": "auto" }),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["unit"]["code"], "JT");

    // The pages: the catalog for administrators, the suggestion on an order.
    let mut b = Browser::new(&app);
    b.staff_login("admin").await;
    let (s, _, page) = b.get("/admin/hotline/dispatch").await;
    assert_eq!(s, StatusCode::OK);
    assert!(page.contains("巴城镇油烟由交通局代管"));
    let csrf = hidden(&page, "csrf");
    let (s, _, page) = b
        .post(
            "/admin/hotline/dispatch",
            &[("csrf", &csrf), ("unit", "JT")],
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("error-summary"));
    let (s, _, _) = b
        .post(
            "/admin/hotline/dispatch",
            &[
                ("csrf", &csrf),
                ("category", "consultation"),
                ("unit", "SJ"),
            ],
        )
        .await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    let (_, v) = app
        .post(
            "/api/v1/work-orders",
            Some(&agent),
            json!({ "category": "complaint", "content": "油烟", "address": "巴城镇", "service_code": "youyan" }),
        )
        .await;
    let waiting = v["order_no"].as_str().unwrap().to_string();
    let mut agent_b = Browser::new(&app);
    agent_b.staff_login("hotline").await;
    let (_, _, page) = agent_b.get(&format!("/hotline/orders/{waiting}")).await;
    assert!(
        page.contains("派单目录建议") && page.contains("value=\"auto\""),
        "{page}"
    );

    let id = rule["id"].as_i64().unwrap();
    let (s, _) = app
        .client
        .delete(format!("{}{rules}/{id}", app.base))
        .bearer_auth(&admin)
        .send()
        .await
        .map(|r| (r.status(), ()))
        .unwrap();
    assert_eq!(s, StatusCode::NO_CONTENT);
    let (_, sg) = app
        .get(
            &format!("/api/v1/work-orders/{waiting}/suggested-unit"),
            Some(&agent),
        )
        .await;
    assert_eq!(
        sg["suggestion"]["code"], "SJ",
        "back to the service's unit: {sg}"
    );
    let (_, log) = app.get("/api/v1/audit?limit=100", Some(&admin)).await;
    assert!(log.to_string().contains("dispatch_rule.delete"));
}
both!(catalog_gives_the_unit);
