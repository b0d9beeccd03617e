//! The server-rendered pages: portal, progress query, staff sign-in with CSRF, the
//! workbench and case actions through forms, on both backends.

use crate::common::{Browser, Db, TestApp, hidden};
use reqwest::StatusCode;

async fn portal_pages(db: Db) {
    let app = TestApp::spawn(db).await;
    let mut b = Browser::new(&app);
    let (s, _, home) = b.get("/").await;
    assert_eq!(s, StatusCode::OK);
    assert!(home.contains("<html lang=\"zh-CN\">"));
    assert!(
        home.contains("href=\"/assets/app.css\""),
        "assets are served by the binary"
    );
    assert!(home.contains("市市场监督管理局"));
    let (s, _, css) = b.get("/assets/app.css").await;
    assert_eq!(s, StatusCode::OK);
    assert!(css.contains("@media print"));
    let (s, _, list) = b.get("/items?q=%E9%A3%9F%E5%93%81").await; // 食品
    assert_eq!(s, StatusCode::OK);
    assert!(list.contains("食品经营许可"));
    assert!(!list.contains("道路运输证配发"));
    // The query is cut into words: 办理食品经营许可 finds 食品经营许可.
    let (s, _, list) = b
        .get("/items?q=%E5%8A%9E%E7%90%86%E9%A3%9F%E5%93%81%E7%BB%8F%E8%90%A5%E8%AE%B8%E5%8F%AF")
        .await;
    assert_eq!(s, StatusCode::OK);
    assert!(list.contains("食品经营许可"), "{list}");
    let (s, _, guide) = b.get(&format!("/items/{}", crate::common::ITEM)).await;
    assert_eq!(s, StatusCode::OK);
    for text in [
        "申请材料",
        "营业执照",
        "承诺时限",
        "5 个工作日",
        "法定时限",
        "变更记录",
        "政务服务中心",
    ] {
        assert!(guide.contains(text), "guide lacks {text}");
    }
    let (s, _, page) = b.get("/items/NO-SUCH-ITEM").await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    assert!(page.contains("未找到该事项"));
    let (s, _, page) = b.get(&format!("/items?q={}", "x".repeat(60))).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("error-summary"));
}
both!(portal_pages);

async fn progress_query_page(db: Db) {
    let app = TestApp::spawn(db).await;
    let case = app.apply("clerk.sj", crate::common::ITEM, "window").await;
    let no = case["case_no"].as_str().unwrap();
    let mut b = Browser::new(&app);
    let (s, _, page) = b.get("/progress").await;
    assert_eq!(s, StatusCode::OK);
    assert!(!page.contains("error-summary"));
    let (s, _, page) = b
        .get(&format!("/progress?case_no={no}&last_six=31002X"))
        .await;
    assert_eq!(s, StatusCode::OK);
    assert!(page.contains("食品经营许可") && page.contains("审查中") && page.contains("受理"));
    let (s, _, page) = b
        .get(&format!("/progress?case_no={no}&last_six=000000"))
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("未找到办件"));
    assert!(
        page.contains(&format!("value=\"{no}\"")),
        "what the visitor typed is kept"
    );
    let (s, _, page) = b.get("/progress?case_no=bad&last_six=12").await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("href=\"#case_no\"") && page.contains("href=\"#last_six\""));
}
both!(progress_query_page);

async fn staff_sign_in_and_act_through_forms(db: Db) {
    let app = TestApp::spawn(db).await;
    let case = app.apply("clerk.sj", crate::common::ITEM, "window").await;
    let no = case["case_no"].as_str().unwrap().to_string();
    let mut b = Browser::new(&app);
    let (s, _, _) = b.get("/workbench").await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    let (_, _, login) = b.get("/login").await;
    let csrf = hidden(&login, "csrf");
    // Without the token, or with another, the form is refused.
    let (s, _, _) = b
        .post(
            "/login",
            &[
                ("username", "approver.sj"),
                ("password", crate::common::PASSWORD),
            ],
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, _, _) = b
        .post(
            "/login",
            &[
                ("username", "approver.sj"),
                ("password", crate::common::PASSWORD),
                ("csrf", "forged-token-0000000"),
            ],
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, _, page) = b
        .post(
            "/login",
            &[
                ("username", "approver.sj"),
                ("password", "wrong"),
                ("csrf", &csrf),
            ],
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("用户名或密码错误") && page.contains("value=\"approver.sj\""));
    let (s, loc, _) = b
        .post(
            "/login",
            &[
                ("username", "approver.sj"),
                ("password", crate::common::PASSWORD),
                ("csrf", &csrf),
            ],
        )
        .await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    assert_eq!(loc.as_deref(), Some("/workbench"));
    assert!(b.cookies.iter().any(|(k, _)| k == "tb_session"));
    let (s, _, queue) = b.get("/workbench").await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        queue.contains(&no),
        "the approver's queue lists the department's open case"
    );
    let (s, _, file) = b.get(&format!("/workbench/cases/{no}")).await;
    assert_eq!(s, StatusCode::OK);
    assert!(file.contains("value=\"approve\"") && !file.contains("value=\"accept\""));
    let session_csrf = hidden(&file, "csrf");
    // A decision against the applicant needs its reason.
    let (s, _, page) = b
        .post(
            &format!("/workbench/cases/{no}/actions"),
            &[("action", "reject"), ("note", ""), ("csrf", &session_csrf)],
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("须填写理由"));
    let (s, _, _) = b
        .post(
            &format!("/workbench/cases/{no}/actions"),
            &[("action", "approve"), ("csrf", "stale")],
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, loc, _) = b
        .post(
            &format!("/workbench/cases/{no}/actions"),
            &[("action", "approve"), ("note", ""), ("csrf", &session_csrf)],
        )
        .await;
    assert_eq!(s, StatusCode::SEE_OTHER, "approve through the form");
    assert_eq!(loc, Some(format!("/workbench/cases/{no}")));
    let t = app.token("approver.sj").await;
    let (_, v) = app.get(&format!("/api/v1/cases/{no}"), Some(&t)).await;
    assert_eq!(v["status"], "approved");
    // Another department's case is not found through the workbench either.
    let other = app
        .apply("town.bc", crate::common::DELEGATED, "window")
        .await;
    let (s, _, _) = b
        .get(&format!(
            "/workbench/cases/{}",
            other["case_no"].as_str().unwrap()
        ))
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    // Logging out ends the session.
    let (s, loc, _) = b.post("/logout", &[("csrf", &session_csrf)]).await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    assert_eq!(loc.as_deref(), Some("/"));
    let (s, _, _) = b.get("/workbench").await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    let (s, _, _) = b.post("/logout", &[]).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
}
both!(staff_sign_in_and_act_through_forms);

async fn pages_escape_what_users_typed(db: Db) {
    let app = TestApp::spawn(db).await;
    let t = app.token("clerk.sj").await;
    let mut body = TestApp::application(crate::common::ITEM, "window");
    body["applicant"]["name"] = serde_json::json!("<script>alert(1)</script>");
    body["note"] = serde_json::json!("\"><img src=x onerror=alert(2)>");
    let (s, v) = app.post("/api/v1/cases", Some(&t), body).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let no = v["case_no"].as_str().unwrap();
    let mut b = Browser::new(&app);
    let (_, _, page) = b
        .get(&format!("/progress?case_no={no}&last_six=31002X"))
        .await;
    assert!(!page.contains("<script>alert(1)</script>"));
    assert!(page.contains("alert(1)"), "the name is shown, escaped");
    assert!(!page.contains("<img src=x"));
    let (_, _, page) = b.get("/items?q=%3Cscript%3E").await;
    assert!(!page.contains("<script>"));
}
both!(pages_escape_what_users_typed);

/// Every response carries a Content-Security-Policy that allows no inline script,
/// and no template relies on one: the print buttons come from `/assets/print.js`.
async fn content_security_policy(db: Db) {
    let app = TestApp::spawn(db).await;
    let client = reqwest::Client::new();
    for path in ["/", "/items", "/login", "/api/v1/items", "/assets/print.js"] {
        let r = client
            .get(format!("{}{path}", app.base))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK, "{path}");
        let csp = r
            .headers()
            .get(reqwest::header::CONTENT_SECURITY_POLICY)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string();
        assert!(
            csp.contains("script-src 'self'") && !csp.contains("unsafe-eval"),
            "{path}: {csp}"
        );
        assert!(
            !csp.split(';')
                .any(|d| d.trim().starts_with("script-src") && d.contains("unsafe-inline")),
            "{path}: {csp}"
        );
    }
    let r = client
        .get(format!("{}/assets/print.js", app.base))
        .send()
        .await
        .unwrap();
    assert!(r.text().await.unwrap().contains("window.print()"));
    // Every template, in the folder of its area or at the top.
    let mut todo = vec![std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../web/templates")];
    let mut templates = vec![];
    while let Some(dir) = todo.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                todo.push(path);
            } else {
                templates.push(path);
            }
        }
    }
    assert!(templates.len() > 50, "{} templates", templates.len());
    for path in templates {
        let text = std::fs::read_to_string(&path).unwrap();
        for bad in [
            "onclick=",
            "onload=",
            "onchange=",
            "onsubmit=",
            "javascript:",
            "<script>",
        ] {
            assert!(!text.contains(bad), "{}: {bad}", path.display());
        }
    }
}
both!(content_security_policy);
