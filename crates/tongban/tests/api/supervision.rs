//! Window supervision's registers (issue 17): banners and innovation measures kept
//! by the office's supervisors, the 12345's praise calls counted from its orders,
//! and the report's sentences filled from them — each figure recomputed from the
//! exports; bad input is a Chinese 4xx naming its field and writes nothing.

use crate::common::*;
use reqwest::StatusCode;
use serde_json::json;

fn field(v: &serde_json::Value) -> &str {
    v["error"]["field"].as_str().unwrap_or_default()
}

async fn registers_fill_the_reports_sentences(db: Db) {
    let app = TestApp::spawn(db).await;
    let sup = app.token("supervisor").await;
    let clerk = app.token("clerk.sj").await;
    let today = day(today());
    let banner = json!({ "received_on": today, "department": "SJ", "giver": "昆山某某精密机械有限公司", "words": "高效便民 服务一流" });
    let (s, _) = app
        .post("/api/v1/banners", Some(&clerk), banner.clone())
        .await;
    assert_eq!(
        s,
        StatusCode::FORBIDDEN,
        "a clerk does not keep the register"
    );
    for (patch, f) in [
        (json!({ "received_on": "2999-01-01" }), "received_on"),
        (json!({ "department": "", "window": "" }), "window"),
        (json!({ "department": "", "window": "NO-SUCH" }), "window"),
        (json!({ "department": "NONE" }), "department"),
        (json!({ "giver": " " }), "giver"),
    ] {
        let mut body = banner.clone();
        for (k, v) in patch.as_object().unwrap() {
            body[k] = v.clone();
        }
        let (s, v) = app.post("/api/v1/banners", Some(&sup), body).await;
        assert_eq!(
            (s, field(&v)),
            (StatusCode::UNPROCESSABLE_ENTITY, f),
            "{patch}: {v}"
        );
        assert!(has_chinese(v["error"]["message"].as_str().unwrap()), "{v}");
    }
    assert_eq!(app.count("commendations").await, 0);
    let (s, v) = app.post("/api/v1/banners", Some(&sup), banner).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    assert_eq!(v["department_name"], "市市场监督管理局");
    let innovation = json!({ "department": "SJ", "title": "营业执照和食品经营许可“一体化”办理",
                             "introduced_on": today, "effect": "一次申报、一次领取证照" });
    let (s, v) = app
        .post("/api/v1/innovations", Some(&sup), innovation)
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let (s, v) = app
        .post(
            "/api/v1/innovations",
            Some(&sup),
            json!({ "department": "SJ" }),
        )
        .await;
    assert!(s.is_client_error(), "{v}");
    let (_, l) = app.get("/api/v1/banners", Some(&clerk)).await;
    assert_eq!(l["banners"].as_array().unwrap().len(), 1);

    // A praise call, and a complaint, at the 12345.
    let agent = app.token("hotline").await;
    for category in ["praise", "complaint"] {
        let (s, v) = app
            .post(
                "/api/v1/work-orders",
                Some(&agent),
                json!({ "channel": "phone", "category": category, "caller_name": "王芳", "phone": PHONE,
                        "content": "市场监管窗口服务热情，一次就办好了。", "answer": "感谢您的来电" }),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
    }

    // The figures, from the exports alone.
    let year = &today[..4];
    let (s, f) = app
        .get(&format!("/api/v1/figures?period={year}"), Some(&sup))
        .await;
    assert_eq!(s, StatusCode::OK, "{f}");
    let rows = app.export("commendations", &[]);
    let of = |k: &str| {
        rows.iter()
            .filter(|r| r["kind"] == k && r["day"].as_str().unwrap().starts_with(year))
            .count() as f64
    };
    assert_eq!(figure(&f, "banners")["value"], of("banner"));
    assert_eq!(figure(&f, "innovation_measures")["value"], of("innovation"));
    let orders = app.export("work_orders", &[]);
    let praise = orders.iter().filter(|o| o["category"] == "praise").count() as f64;
    assert_eq!(figure(&f, "praise_calls")["value"], praise);
    assert_eq!(praise, 1.0);
    let md = app.report_md(year);
    assert!(md.contains("共收到锦旗1面，1个来电表扬"), "{md}");
    assert!(md.contains("共推出1项创新服务举措"), "{md}");
    assert!(!md.contains("平台满意度及表扬数据尚未接入"), "{md}");
    // The dashboard's tab shows them, and its table exports.
    let mut b = Browser::new(&app);
    b.staff_login("supervisor").await;
    let (s, _, page) = b.get(&format!("/dashboard/supervision?year={year}")).await;
    assert_eq!(s, StatusCode::OK, "{page}");
    assert!(
        page.contains("窗口监督") && page.contains("锦旗（面）"),
        "{page}"
    );
    let (s, _, csv) = b
        .get(&format!(
            "/dashboard/export/supervision_figures.csv?year={year}"
        ))
        .await;
    assert_eq!(s, StatusCode::OK, "{csv}");
    assert!(csv.contains("banners"), "{csv}");
    app.assert_consistent();
}
both!(registers_fill_the_reports_sentences);

async fn register_pages_work_without_script(db: Db) {
    let app = TestApp::spawn(db).await;
    let mut b = Browser::new(&app);
    b.staff_login("supervisor").await;
    let (s, _, page) = b.get("/supervision/banners").await;
    assert_eq!(s, StatusCode::OK, "{page}");
    let csrf = hidden(&page, "csrf");
    let today = day(today());
    let (s, _, page) = b
        .post(
            "/supervision/banners",
            &[
                ("csrf", &csrf),
                ("received_on", &today),
                ("department", "SJ"),
                ("giver", ""),
                ("words", "热情服务"),
            ],
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        page.contains("href=\"#giver\"") && page.contains("热情服务"),
        "{page}"
    );
    let (s, loc, _) = b
        .post(
            "/supervision/banners",
            &[
                ("csrf", &csrf),
                ("received_on", &today),
                ("department", "SJ"),
                ("giver", "李女士"),
                ("words", "热情服务"),
            ],
        )
        .await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    let (_, _, page) = b.get(&loc.unwrap()).await;
    assert!(page.contains("李女士") && page.contains("已登记"), "{page}");
    let (s, loc, _) = b
        .post(
            "/supervision/innovations",
            &[
                ("csrf", &csrf),
                ("department", "SJ"),
                ("title", "证照一体化"),
                ("introduced_on", &today),
                ("effect", "一次办好"),
            ],
        )
        .await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    assert_eq!(loc.as_deref(), Some("/supervision/innovations?saved=1"));
    // A clerk reads the registers without the form.
    let mut c = Browser::new(&app);
    c.staff_login("clerk.sj").await;
    let (s, _, page) = c.get("/supervision/innovations").await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        page.contains("证照一体化") && !page.contains("name=\"title\""),
        "{page}"
    );
}
both!(register_pages_work_without_script);

/// A window of the market regulation department at the center, for patrols.
async fn window(app: &TestApp) {
    let mut tx = app.store.begin().await.unwrap();
    let point: i64 = sqlx::query_scalar("SELECT id FROM points WHERE code = 'ZX'")
        .fetch_one(&mut *tx)
        .await
        .unwrap();
    let dept = tongban_store::org::department_by_code(&mut tx, "SJ")
        .await
        .unwrap()
        .unwrap();
    tongban_store::org::insert_window(&mut tx, "SJ01", "市场监管1号窗口", point, Some(dept.id))
        .await
        .unwrap();
    tx.commit().await.unwrap();
}

/// Patrols: the checklist with what failed named, a photo from the phone, the
/// figures and the report's sentence from the export.
async fn patrols_are_entered_at_the_window(db: Db) {
    use reqwest::multipart::{Form, Part};
    let app = TestApp::spawn(db).await;
    window(&app).await;
    let sup = app.token("supervisor").await;
    let clerk = app.token("clerk.sj").await;
    let body = json!({ "window": "SJ01", "failed": ["dress"], "note": "未按规定佩戴工作牌" });
    let (s, _) = app
        .post("/api/v1/patrols", Some(&clerk), body.clone())
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    for (patch, f) in [
        (json!({ "window": "NOPE" }), "window"),
        (json!({ "failed": ["sleeping"] }), "failed"),
        (json!({ "note": "" }), "note"),
        (json!({ "patrolled_on": "2999-01-01" }), "patrolled_on"),
    ] {
        let mut b = body.clone();
        for (k, v) in patch.as_object().unwrap() {
            b[k] = v.clone();
        }
        let (s, v) = app.post("/api/v1/patrols", Some(&sup), b).await;
        assert_eq!(
            (s, field(&v)),
            (StatusCode::UNPROCESSABLE_ENTITY, f),
            "{patch}: {v}"
        );
    }
    assert_eq!(app.count("patrols").await, 0);
    let (s, v) = app.post("/api/v1/patrols", Some(&sup), body).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    assert_eq!(v["failed_labels"], json!(["着装仪表"]));
    assert_eq!(v["department"], "SJ");

    // On the phone: the form with a photo; a document is no photo.
    let mut b = Browser::new(&app);
    b.staff_login("supervisor").await;
    let (s, _, page) = b.get("/supervision/patrols").await;
    assert_eq!(s, StatusCode::OK);
    assert!(page.contains("capture=\"environment\""), "{page}");
    let csrf = hidden(&page, "csrf");
    let form = Form::new()
        .text("csrf", csrf.clone())
        .text("window", "SJ01")
        .part(
            "photo",
            Part::bytes(crate::apply::PDF.to_vec()).file_name("x.pdf"),
        );
    let (s, page) = b.upload("/supervision/patrols", form).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("href=\"#photo\""), "{page}");
    let png: &[u8] = &[
        0x89, b'P', b'N', b'G', 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d, b'I', b'H', b'D', b'R',
    ];
    let form = Form::new()
        .text("csrf", csrf)
        .text("window", "SJ01")
        .part("photo", Part::bytes(png.to_vec()).file_name("现场.png"));
    let (s, _) = b.upload("/supervision/patrols", form).await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    let (_, _, page) = b.get("/supervision/patrols").await;
    assert!(
        page.contains("全部合格") && page.contains("/photo\""),
        "{page}"
    );

    let today = day(today());
    let year = &today[..4];
    let (_, f) = app
        .get(&format!("/api/v1/figures?period={year}"), Some(&sup))
        .await;
    let rows = app.export("patrols", &[]);
    assert_eq!(figure(&f, "patrols")["value"], rows.len() as f64);
    let problems: i64 = rows.iter().map(|r| r["problems"].as_i64().unwrap()).sum();
    assert_eq!(figure(&f, "patrol_problems")["value"], problems as f64);
    assert_eq!((rows.len(), problems), (2, 1));
    let md = app.report_md(year);
    assert!(md.contains("开展窗口月度巡查2次，发现问题1个"), "{md}");
    app.assert_consistent();
}
both!(patrols_are_entered_at_the_window);

/// The third party's workbook: a row naming an unknown window, a bad score or a
/// date to come is listed with its line and reason; the rest are kept; the figures
/// and the report from the export.
async fn mystery_visits_are_imported_from_the_workbook(db: Db) {
    use reqwest::multipart::{Form, Part};
    let app = TestApp::spawn(db).await;
    window(&app).await;
    let today = day(today());
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    let rows: [[&str; 5]; 5] = [
        ["窗口", "日期", "检查项目", "得分", "备注"],
        ["SJ01", &today, "服务态度、一次告知", "92.5", ""],
        ["市场监管1号窗口", &today, "窗口环境", "80", "桌面杂乱"],
        ["NOPE", &today, "服务态度", "90", ""],
        ["SJ01", &today, "服务态度", "优秀", ""],
    ];
    for (r, row) in rows.iter().enumerate() {
        for (c, v) in row.iter().enumerate() {
            ws.write_string(r as u32, c as u16, *v).unwrap();
        }
    }
    ws.write_string(5, 0, "SJ01").unwrap();
    ws.write_string(5, 1, "2999-01-01").unwrap();
    ws.write_number(5, 3, 90.0).unwrap();
    let bytes = wb.save_to_buffer().unwrap();

    let mut clerk = Browser::new(&app);
    clerk.staff_login("clerk.sj").await;
    let (_, _, page) = clerk.get("/supervision/visits").await;
    assert!(!page.contains("name=\"file\""), "a clerk does not import");
    let mut b = Browser::new(&app);
    b.staff_login("supervisor").await;
    let (s, _, page) = b.get("/supervision/visits").await;
    assert_eq!(s, StatusCode::OK);
    let csrf = hidden(&page, "csrf");
    let form = Form::new().text("csrf", csrf.clone()).part(
        "file",
        Part::bytes(b"not a workbook".to_vec()).file_name("x.xlsx"),
    );
    let (s, page) = b.upload("/supervision/visits", form).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        page.contains("xlsx") && page.contains("href=\"#file\""),
        "{page}"
    );
    assert_eq!(app.count("mystery_visits").await, 0);
    let form = Form::new()
        .text("csrf", csrf)
        .part("file", Part::bytes(bytes).file_name("暗访.xlsx"));
    let (s, page) = b.upload("/supervision/visits", form).await;
    assert_eq!(s, StatusCode::OK, "{page}");
    assert!(page.contains("已导入 2 条暗访结果，3 行未导入"), "{page}");
    assert!(
        page.contains("第4行") && page.contains("窗口“NOPE”不存在"),
        "{page}"
    );
    assert!(
        page.contains("第5行") && page.contains("得分“优秀”"),
        "{page}"
    );
    assert!(
        page.contains("第6行") && page.contains("不能晚于今天"),
        "{page}"
    );

    let sup = app.token("supervisor").await;
    let year = &today[..4];
    let (_, f) = app
        .get(&format!("/api/v1/figures?period={year}"), Some(&sup))
        .await;
    let rows = app.export("visits", &[]);
    assert_eq!(figure(&f, "mystery_visits")["value"], rows.len() as f64);
    let mean = rows
        .iter()
        .map(|r| r["score"].as_f64().unwrap())
        .sum::<f64>()
        / rows.len() as f64;
    assert!((figure(&f, "mystery_visit_score")["value"].as_f64().unwrap() - mean).abs() < 1e-9);
    let md = app.report_md(year);
    assert!(md.contains("暗访2次，平均得分86.2分"), "{md}");
    app.assert_consistent();
}
both!(mystery_visits_are_imported_from_the_workbook);

/// The quarter's assessment: each part from its records, the weights an
/// administrator sets (adding up to 100), a part without data leaving its weight to
/// the others; the ranking page and a window's sheet.
async fn windows_are_assessed_each_quarter(db: Db) {
    let app = TestApp::spawn(db).await;
    window(&app).await;
    let sup = app.token("supervisor").await;
    let admin = app.token("admin").await;
    let today = day(today());
    let (s, v) = app
        .post(
            "/api/v1/patrols",
            Some(&sup),
            json!({ "window": "SJ01", "failed": ["dress"], "note": "未佩戴工作牌" }),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let (s, v) = app
        .post(
            "/api/v1/banners",
            Some(&sup),
            json!({ "received_on": today, "department": "SJ", "giver": "李女士", "words": "热情服务" }),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let quarter = tongban_domain::supervision::Quarter::of(
        chrono::NaiveDate::parse_from_str(&today, "%Y-%m-%d").unwrap(),
    )
    .to_string();
    let (s, a) = app
        .get(&format!("/api/v1/assessment?quarter={quarter}"), Some(&sup))
        .await;
    assert_eq!(s, StatusCode::OK, "{a}");
    let w = &a["windows"][0];
    assert_eq!(w["window"], "SJ01");
    assert_eq!(
        w["parts"],
        json!([90.0, null, null, null, 100.0, 90.0]),
        "{a}"
    );
    let score = w["score"].as_f64().unwrap();
    assert!(
        (score - (25.0 * 90.0 + 10.0 * 100.0 + 10.0 * 90.0) / 45.0).abs() < 1e-9,
        "{score}"
    );
    assert_eq!(a["departments"][0]["code"], "SJ");

    let path = "/api/v1/assessment/weights";
    let weights = json!({ "quarter": quarter, "patrols": 50, "visits": 0, "ratings": 0, "on_time": 0, "complaints": 0, "commendations": 50 });
    let (s, _) = app.post(path, Some(&sup), weights.clone()).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let mut bad = weights.clone();
    bad["patrols"] = json!(40);
    let (s, v) = app.post(path, Some(&admin), bad).await;
    assert_eq!(
        (s, field(&v)),
        (StatusCode::UNPROCESSABLE_ENTITY, "weights"),
        "{v}"
    );
    let mut bad = weights.clone();
    bad["quarter"] = json!("2026-Q9");
    let (s, v) = app.post(path, Some(&admin), bad).await;
    assert_eq!(
        (s, field(&v)),
        (StatusCode::UNPROCESSABLE_ENTITY, "quarter"),
        "{v}"
    );
    let (s, v) = app.post(path, Some(&admin), weights).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let (_, a) = app
        .get(&format!("/api/v1/assessment?quarter={quarter}"), Some(&sup))
        .await;
    assert_eq!(a["windows"][0]["score"], 90.0, "{a}");
    assert_eq!(a["weights_set"], true);

    let mut b = Browser::new(&app);
    b.staff_login("supervisor").await;
    let (s, _, page) = b.get("/supervision/assessment").await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        page.contains("窗口排名") && page.contains("市场监管1号窗口"),
        "{page}"
    );
    let (s, _, page) = b
        .get(&format!("/supervision/assessment/{quarter}/SJ01"))
        .await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        page.contains("窗口考核表") && page.contains("巡查1次，发现问题1个"),
        "{page}"
    );
    let (s, _, _) = b.get("/supervision/assessment?quarter=bad").await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    app.assert_consistent();
}
both!(windows_are_assessed_each_quarter);
