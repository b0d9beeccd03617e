//! 12345 hot topics on both backends: orders on one subject at one place form a
//! topic, counted against the window before, each linked to its orders; bad windows
//! are refused with the field named.

use crate::common::{Browser, Db, TestApp, assert_invalid, day, today};
use reqwest::StatusCode;
use serde_json::json;
use tongban_domain::hotline::Category;
use tongban_store::hotline::{NewService, insert_services};

async fn hot_topics(db: Db) {
    let app = TestApp::spawn(db).await;
    let mut tx = app.store.begin().await.unwrap();
    insert_services(
        &mut tx,
        &[NewService {
            code: "youyan",
            name: "油烟扰民",
            description: "餐饮油烟直排",
            group: "环境保护",
            keywords: "油烟,烧烤",
            category: Category::Complaint,
            unit: Some("SJ"),
        }],
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let agent = app.token("hotline").await;
    let mut numbers = vec![];
    for (address, content) in [
        ("昆山市玉山镇萧林路88号", "楼下烧烤店油烟直排"),
        ("萧林路12号阳光丽景", "饭店油烟很大"),
        ("玉山镇萧林路3号", "油烟扰民好几天了"),
        ("萧林路200号", "烧烤摊晚上油烟"),
        ("人民南路5号", "油烟问题"),
        ("萧林路9号", "路灯坏了"),
    ] {
        let (s, v) = app
            .post(
                "/api/v1/work-orders",
                Some(&agent),
                json!({ "category": "complaint", "address": address, "content": content }),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
        numbers.push(v["order_no"].as_str().unwrap().to_string());
    }
    let (s, r) = app.get("/api/v1/hotline/topics", Some(&agent)).await;
    assert_eq!(s, StatusCode::OK, "{r}");
    assert_eq!(r["orders"], 6);
    let topics = r["topics"].as_array().unwrap();
    assert_eq!(topics.len(), 1, "{r}");
    assert_eq!(topics[0]["place"], "萧林路");
    assert_eq!(topics[0]["subject"], "油烟扰民");
    assert_eq!(topics[0]["count"], 4);
    assert_eq!(topics[0]["before"], 0);
    assert_eq!(topics[0]["trend"], "new");
    let listed: Vec<&str> = topics[0]["orders"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert!(listed.contains(&numbers[0].as_str()) && !listed.contains(&numbers[4].as_str()));
    let (_, r) = app.get("/api/v1/hotline/topics?min=5", Some(&agent)).await;
    assert_eq!(r["topics"].as_array().unwrap().len(), 0);
    // A window in the past holds none of today's orders.
    let past = day(today() - chrono::Duration::days(40));
    let (_, r) = app
        .get(
            &format!("/api/v1/hotline/topics?from={past}&to={past}"),
            Some(&agent),
        )
        .await;
    assert_eq!(r["orders"], 0);

    for (q, field) in [
        ("from=2026-13-01", "from"),
        ("from=2026-02-01&to=2026-01-01", "from"),
        ("from=2024-01-01&to=2026-01-01", "from"),
        ("min=1", "min"),
        ("min=abc", "min"),
    ] {
        let (s, v) = app
            .get(&format!("/api/v1/hotline/topics?{q}"), Some(&agent))
            .await;
        assert_invalid(s, &v, field);
    }
    let clerk = app.token("clerk.sj").await;
    let (s, _) = app.get("/api/v1/hotline/topics", Some(&clerk)).await;
    assert_eq!(s, StatusCode::FORBIDDEN);

    let mut b = Browser::new(&app);
    let (s, _, _) = b.get("/hotline/topics").await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    b.staff_login("supervisor").await;
    let (s, _, page) = b.get("/hotline/topics").await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        page.contains("<svg") && page.contains("萧林路 · 油烟扰民"),
        "{page}"
    );
    assert!(page.contains(&format!("/hotline/orders/{}", numbers[0])));
    let (s, _, page) = b.get("/hotline/topics?min=x").await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert!(page.contains("最少工单数应为整数"));
}
both!(hot_topics);
