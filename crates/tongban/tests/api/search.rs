//! The portal's search finds what people type (aliases, themes, synonyms kept with the
//! catalog), says plainly when it finds nothing, and the guides tell people where,
//! when and whom to ask. The demo catalog answers the common searches of a county
//! portal written down in `assets/common-searches.csv`.

use crate::common::{Browser, Db, ITEM, TestApp, day, hidden, today};
use reqwest::StatusCode;

/// The item names of a result page, in order.
fn result_names(page: &str) -> Vec<String> {
    page.split("<td><a href=\"/items/")
        .skip(1)
        .filter_map(|rest| {
            let start = rest.find("\">")? + 2;
            let end = rest[start..].find("</a>")? + start;
            Some(
                rest[start..end]
                    .replace("&#x300A;", "《")
                    .replace("&#x300B;", "》")
                    .replace("&#x27;", "'")
                    .replace("&amp;", "&"),
            )
        })
        .collect()
}

/// Audit entries whose action is like `action`.
async fn audit_count(app: &TestApp, action: &str) -> i64 {
    let mut c = app.store.reader().await.expect("conn");
    sqlx::query_scalar("SELECT COUNT(*) FROM audit_log WHERE action LIKE $1")
        .bind(action)
        .fetch_one(&mut *c)
        .await
        .expect("count")
}

both!(search_finds_what_people_type);
async fn search_finds_what_people_type(db: Db) {
    let app = TestApp::spawn(db).await;
    let mut web = Browser::new(&app);

    // Nothing yet: the page says so, suggests the words one by one, the common
    // searches and themes, and sends the citizen to 12345.
    let (s, _, page) = web.get("/items?q=开个小饭馆").await;
    assert_eq!(s, StatusCode::OK);
    assert!(result_names(&page).is_empty(), "{page}");
    assert!(page.contains("没有找到与“开个小饭馆”相关的事项"), "{page}");
    assert!(page.contains("href=\"/hotline/new\""), "{page}");
    assert!(page.contains("12345"));
    assert!(page.contains("大家都在搜"));
    assert!(
        page.contains("/items?q=%E8%BA%AB%E4%BB%BD%E8%AF%81"),
        "身份证 offered"
    );

    // The administrator gives the item the names people use and a theme.
    let mut admin = Browser::new(&app);
    admin.staff_login("admin").await;
    let path = format!("/admin/catalog/{ITEM}");
    let (_, _, editor) = admin.get(&path).await;
    let csrf = hidden(&editor, "csrf");
    assert!(editor.contains("别名与常用说法"));
    let effective = day(today());
    let mut form = vec![
        ("csrf", csrf.as_str()),
        ("name", "食品经营许可"),
        ("status", "in_use"),
        ("statutory_days", "20"),
        ("promised_days", "3"),
        ("visits", "1"),
        ("online_depth", "pre_review"),
        ("materials", "申请书|是|是|是|1"),
        ("steps", "受理\n审查\n决定"),
        ("effective_from", effective.as_str()),
        ("change_note", "增加常用说法"),
    ];
    // An alias too long is refused, naming the field.
    let long = "很".repeat(31);
    form.push(("aliases", long.as_str()));
    let (s, _, page) = admin.post(&path, &form).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{page}");
    assert!(page.contains("别名与常用说法"), "{page}");
    form.pop();
    form.push(("aliases", "小饭馆、开餐馆，餐饮许可证"));
    form.push(("themes", "餐饮开店"));
    let (s, _, page) = admin.post(&path, &form).await;
    assert_eq!(s, StatusCode::SEE_OTHER, "{page}");
    let (s, _, _) = admin
        .post(&format!("{path}/versions/2/publish"), &[("csrf", &csrf)])
        .await;
    assert_eq!(s, StatusCode::SEE_OTHER);

    let (_, _, page) = web.get("/items?q=开个小饭馆").await;
    assert_eq!(result_names(&page), vec!["食品经营许可"], "{page}");
    let (_, _, page) = web.get("/items?q=餐饮开店").await;
    assert_eq!(result_names(&page), vec!["食品经营许可"]);
    let (_, _, page) = web.get(&format!("/items/{ITEM}")).await;
    assert!(page.contains("又称：小饭馆、开餐馆、餐饮许可证"), "{page}");
    assert!(page.contains("餐饮开店"));
    // The API and the workbook carry them too.
    let (_, v) = app.get(&format!("/api/v1/items/{ITEM}"), None).await;
    assert_eq!(v["content"]["aliases"][1], "开餐馆", "{v}");

    // Synonyms: the migration's list is there; an administrator adds one.
    let (_, _, page) = admin.get("/admin/catalog/synonyms").await;
    assert!(page.contains("个体工商户"), "{page}");
    let (_, _, page) = web.get("/items?q=小吃店").await;
    assert!(result_names(&page).is_empty());
    for (term, means, field) in [("", "食品经营", "搜索词"), ("小吃店", "", "对应的清单用语")]
    {
        let (s, _, page) = admin
            .post(
                "/admin/catalog/synonyms",
                &[
                    ("csrf", &csrf),
                    ("what", "save"),
                    ("term", term),
                    ("means", means),
                ],
            )
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{page}");
        assert!(page.contains(field), "{field}: {page}");
    }
    let (s, _, _) = admin
        .post(
            "/admin/catalog/synonyms",
            &[
                ("csrf", &csrf),
                ("what", "save"),
                ("term", "小吃店"),
                ("means", "食品经营"),
            ],
        )
        .await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    let (_, _, page) = web.get("/items?q=小吃店").await;
    assert_eq!(result_names(&page), vec!["食品经营许可"]);
    // Without the administrator's session or token: no.
    let (s, _, _) = web
        .post(
            "/admin/catalog/synonyms",
            &[("what", "delete"), ("term", "小吃店")],
        )
        .await;
    assert!(s.is_client_error(), "{s}");
    let (s, _, _) = admin
        .post(
            "/admin/catalog/synonyms",
            &[("csrf", &csrf), ("what", "delete"), ("term", "小吃店")],
        )
        .await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    let (_, _, page) = web.get("/items?q=小吃店").await;
    assert!(result_names(&page).is_empty());
    let (s, _, page) = admin
        .post(
            "/admin/catalog/synonyms",
            &[("csrf", &csrf), ("what", "delete"), ("term", "小吃店")],
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("不存在"), "{page}");
    assert_eq!(audit_count(&app, "catalog.synonym.%").await, 2);
}

both!(guides_say_where_when_and_whom_to_ask);
async fn guides_say_where_when_and_whom_to_ask(db: Db) {
    let app = TestApp::spawn(db).await;
    let mut admin = Browser::new(&app);
    admin.staff_login("admin").await;
    let (_, _, page) = admin.get("/admin/org?edit=ZX").await;
    let csrf = hidden(&page, "csrf");
    assert!(
        page.contains("修改“政务服务中心”的地址、办公时间和电话"),
        "{page}"
    );

    // A bad phone is refused, naming the field; nothing changes.
    let contact = |phone: &'static str| {
        [
            ("what", "point_contact"),
            ("point", "ZX"),
            ("address", "昆山市前进西路1801号"),
            ("hours", "周一至周五 9:00—17:00"),
            ("phone", phone),
        ]
    };
    let mut form = vec![("csrf", csrf.as_str())];
    form.extend(contact("打这个电话"));
    let (s, _, page) = admin.post("/admin/org", &form).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("咨询电话格式不正确"), "{page}");
    let mut form = vec![("csrf", csrf.as_str())];
    form.extend(contact("0512-57328000"));
    let (s, _, page) = admin.post("/admin/org", &form).await;
    assert_eq!(s, StatusCode::SEE_OTHER, "{page}");
    // The department's window at the center, with its place in the hall.
    let (s, _, page) = admin
        .post(
            "/admin/org",
            &[
                ("csrf", &csrf),
                ("what", "window"),
                ("code", "W015"),
                ("name", "市场监管窗口"),
                ("point", "ZX"),
                ("department", "SJ"),
                ("location", "二楼B区15号窗口"),
            ],
        )
        .await;
    assert_eq!(s, StatusCode::SEE_OTHER, "{page}");

    let mut web = Browser::new(&app);
    let (_, _, page) = web.get(&format!("/items/{ITEM}")).await;
    assert!(page.contains("办理地点和时间"), "{page}");
    assert!(page.contains("昆山市前进西路1801号"), "{page}");
    assert!(page.contains("市场监管窗口（二楼B区15号窗口）"), "{page}");
    assert!(page.contains("周一至周五 9:00—17:00"));
    assert!(page.contains("href=\"tel:0512-57328000\""));
    assert!(page.contains("咨询和投诉"));
    assert!(page.contains("12345 政务服务便民热线"));
    assert!(page.contains("不收费"));
    assert_eq!(audit_count(&app, "point.update").await, 1);
}

/// The demo catalog answers the 30 most common searches of a county portal: each
/// finds its item among the first five. SQLite only (the demo is seeded there).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn demo_catalog_answers_common_searches() {
    let app = TestApp::spawn_demo().await;
    let mut web = Browser::new(&app);
    let list = include_str!("../../../../assets/common-searches.csv");
    let mut rows = 0;
    let mut misses = vec![];
    for line in list.lines().skip(1).filter(|l| !l.trim().is_empty()) {
        let (q, expected) = line.split_once(',').expect("query,item");
        rows += 1;
        let (s, _, page) = web.get(&format!("/items?q={q}")).await;
        assert_eq!(s, StatusCode::OK, "{q}");
        let names = result_names(&page);
        if !names.iter().take(5).any(|n| n == expected) {
            misses.push(format!("{q} → {names:?}（应找到 {expected}）"));
        }
    }
    assert_eq!(rows, 30, "the list holds the 30 most common searches");
    assert!(misses.is_empty(), "{misses:#?}");

    // The guides read like a real catalog's: registering a business does not ask for
    // the business license it issues, the law is named, and the places have hours
    // and phones.
    let (_, _, page) = web.get("/items?q=开公司").await;
    let code = page
        .split("<td><a href=\"/items/")
        .nth(1)
        .and_then(|r| r.split('"').next())
        .expect("an item")
        .to_string();
    let (_, _, guide) = web.get(&format!("/items/{code}")).await;
    assert!(
        guide.contains("<h1>企业设立登记（营业执照）</h1>"),
        "{guide}"
    );
    assert!(!guide.contains("<td>营业执照</td>"), "{guide}");
    assert!(guide.contains("《中华人民共和国市场主体登记管理条例》"));
    assert!(guide.contains("公司章程"));
    assert!(guide.contains("周一至周五"));
    assert!(guide.contains("tel:0512-"));
    assert!(guide.contains("号窗口"), "{guide}");
}
