//! 12345 hotline pages on both backends, through a browser without JavaScript: the
//! agent's intake screen and the order page through the closed loop (dispatch, the
//! unit signs and replies on its workbench, the agent closes with a satisfaction),
//! bad input re-rendered with an error summary and nothing written, scoping to the
//! unit, the public web form with its masked public progress, and the administrators'
//! Open311 API keys.

use crate::common::{Browser, Db, PHONE, TestApp, has_chinese, hidden};
use reqwest::StatusCode;
use tongban_domain::hotline::Category;
use tongban_domain::org::Role;
use tongban_store::audit::Actor;
use tongban_store::hotline::{NewService, insert_services};
use tongban_store::org::{NewUser, create_user};

/// The order number a redirect to an order page names.
fn order_of(loc: &Option<String>) -> String {
    let loc = loc.as_deref().expect("redirect");
    // The order page confirms what was done (`?done=…`).
    let loc = loc.split("?done=").next().unwrap_or(loc);
    let no = loc
        .rsplit(['/', '='])
        .next()
        .expect("order number")
        .to_string();
    assert!(no.starts_with("12345-"), "{loc}");
    no
}

/// Posts the agent's intake form with `extra` fields over a valid request.
async fn intake(b: &mut Browser, extra: &[(&str, &str)]) -> (StatusCode, Option<String>, String) {
    let (s, _, page) = b.get("/hotline").await;
    assert_eq!(s, StatusCode::OK, "{page}");
    let csrf = hidden(&page, "csrf");
    let mut form: Vec<(&str, &str)> = vec![
        ("csrf", csrf.as_str()),
        ("channel", "phone"),
        ("category", "complaint"),
        ("caller_name", "王芳"),
        ("phone", PHONE),
        ("address", "前进西路88号"),
        ("content", "楼下烧烤店油烟直排，影响居民生活。"),
        ("mode", "later"),
    ];
    for (k, v) in extra {
        form.retain(|(n, _)| n != k);
        form.push((k, v));
    }
    b.post("/hotline", &form).await
}

/// Takes an action through the order page's form.
async fn act(
    b: &mut Browser,
    no: &str,
    fields: &[(&str, &str)],
) -> (StatusCode, Option<String>, String) {
    let (s, _, page) = b.get(&format!("/hotline/orders/{no}")).await;
    assert_eq!(s, StatusCode::OK, "{page}");
    let csrf = hidden(&page, "csrf");
    let mut form = vec![("csrf", csrf.as_str())];
    form.extend_from_slice(fields);
    b.post(&format!("/hotline/orders/{no}/actions"), &form)
        .await
}

async fn closed_loop_through_pages(db: Db) {
    let app = TestApp::spawn(db).await;
    let mut agent = Browser::new(&app);
    agent.staff_login("hotline").await;

    // The agent's workbench is the hotline's.
    let (s, loc, _) = agent.get("/workbench").await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    assert_eq!(loc.as_deref(), Some("/hotline"));
    let (s, _, page) = agent.get("/hotline").await;
    assert_eq!(s, StatusCode::OK);
    assert!(page.contains("lang=\"zh-CN\""));
    assert!(
        page.contains("id=\"kb-suggest\""),
        "slot for the knowledge base"
    );
    assert!(
        page.contains("list=\"member-units\"") && page.contains("<datalist id=\"member-units\">"),
        "co-units offered as a searchable list"
    );

    let (s, loc, body) = intake(&mut agent, &[]).await;
    assert_eq!(s, StatusCode::SEE_OTHER, "{body}");
    let no = order_of(&loc);
    let (s, _, page) = agent.get(&format!("/hotline/orders/{no}")).await;
    assert_eq!(s, StatusCode::OK);
    assert!(page.contains("已受理待派单"), "{page}");
    assert!(page.contains("138****5678"));
    assert!(!page.contains(PHONE), "phone never shown in full");
    assert!(page.contains("value=\"dispatch\""), "dispatch offered");
    assert!(page.contains("value=\"merge\""), "merge offered");
    assert!(!page.contains("value=\"sign\""), "sign is the unit's");

    // Dispatch without a unit: the form says so, the order stays.
    let (s, _, body) = act(&mut agent, &no, &[("action", "dispatch")]).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body.contains("error-summary") && body.contains("href=\"#dispatch-unit\""));
    let (s, loc, body) = act(&mut agent, &no, &[("action", "dispatch"), ("unit", "JT")]).await;
    assert_eq!(s, StatusCode::SEE_OTHER, "{body}");
    assert_eq!(order_of(&loc), no);
    let (_, _, page) = agent.get(&format!("/hotline/orders/{no}")).await;
    assert!(page.contains("已派单") && page.contains("市交通运输局"));

    // The agent's list shows it with the masked phone.
    let (s, _, list) = agent.get("/hotline/orders?status=dispatched&unit=JT").await;
    assert_eq!(s, StatusCode::OK);
    assert!(list.contains(&no) && list.contains("138****5678"));
    let (s, _, list) = agent.get("/hotline/orders?status=bogus").await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(list.contains("error-summary"));
    let (s, _, _) = agent.get("/hotline/orders?page=0").await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);

    // The unit signs and replies from its workbench.
    let mut unit = Browser::new(&app);
    unit.staff_login("unit.jt").await;
    let (s, _, wb) = unit.get("/hotline/unit").await;
    assert_eq!(s, StatusCode::OK);
    assert!(wb.contains("待签收") && wb.contains(&no), "{wb}");
    let (_, _, page) = unit.get(&format!("/hotline/orders/{no}")).await;
    assert!(page.contains("value=\"sign\""));
    assert!(!page.contains("value=\"dispatch\""));
    let (s, _, body) = act(&mut unit, &no, &[("action", "sign")]).await;
    assert_eq!(s, StatusCode::SEE_OTHER, "{body}");
    let (s, _, body) = act(&mut unit, &no, &[("action", "reply"), ("note", " ")]).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        body.contains("href=\"#reply-note\"") && body.contains("须填写"),
        "{body}"
    );
    let (s, _, body) = act(
        &mut unit,
        &no,
        &[
            ("action", "reply"),
            ("note", "已约谈店主，加装油烟净化器。"),
        ],
    )
    .await;
    assert_eq!(s, StatusCode::SEE_OTHER, "{body}");
    let (_, _, wb) = unit.get("/hotline/unit").await;
    assert!(!wb.contains(&no), "replied orders leave the queue");

    // The agent closes with the caller's satisfaction.
    let (_, _, page) = agent.get(&format!("/hotline/orders/{no}")).await;
    assert!(page.contains("已回复") && page.contains("加装油烟净化器"));
    assert!(page.contains("name=\"level\" value=\"5\""));
    let (s, _, body) = act(&mut agent, &no, &[("action", "close"), ("level", "9")]).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(body.contains("href=\"#close-level\""), "{body}");
    let (s, _, body) = act(&mut agent, &no, &[("action", "close"), ("level", "5")]).await;
    assert_eq!(s, StatusCode::SEE_OTHER, "{body}");
    let (_, _, page) = agent.get(&format!("/hotline/orders/{no}")).await;
    assert!(
        page.contains("已办结") && page.contains("非常满意"),
        "{page}"
    );
    assert!(!page.contains("value=\"close\""), "closed once");
    assert_eq!(app.count("work_orders").await, 1);

    // A direct answer closes at once.
    let (s, loc, body) = intake(
        &mut agent,
        &[
            ("category", "consultation"),
            ("mode", "answer"),
            ("answer", "营业时间为工作日9:00至17:00。"),
        ],
    )
    .await;
    assert_eq!(s, StatusCode::SEE_OTHER, "{body}");
    let (_, _, page) = agent
        .get(&format!("/hotline/orders/{}", order_of(&loc)))
        .await;
    assert!(page.contains("已办结") && page.contains("营业时间为工作日"));

    // An emergency passed to 110 closes at once.
    let (s, _, body) = intake(&mut agent, &[("mode", "emergency")]).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body.contains("href=\"#emergency\""), "{body}");
    let (s, loc, body) = intake(
        &mut agent,
        &[
            ("category", "help"),
            ("mode", "emergency"),
            ("emergency", "110"),
        ],
    )
    .await;
    assert_eq!(s, StatusCode::SEE_OTHER, "{body}");
    let (_, _, page) = agent
        .get(&format!("/hotline/orders/{}", order_of(&loc)))
        .await;
    assert!(page.contains("110报警服务台"), "{page}");

    // Dispatch with a co-unit at intake.
    let (s, loc, body) = intake(
        &mut agent,
        &[("mode", "dispatch"), ("unit", "JT"), ("co_unit_1", "SJ")],
    )
    .await;
    assert_eq!(s, StatusCode::SEE_OTHER, "{body}");
    let (_, _, page) = agent
        .get(&format!("/hotline/orders/{}", order_of(&loc)))
        .await;
    assert!(
        page.contains("协办单位") && page.contains("市市场监督管理局"),
        "{page}"
    );
}
both!(closed_loop_through_pages);

async fn bad_input_and_access(db: Db) {
    let app = TestApp::spawn(db).await;
    let mut agent = Browser::new(&app);
    agent.staff_login("hotline").await;
    let before = (app.count("work_orders").await, app.count("audit_log").await);
    let cases: &[(&[(&str, &str)], &str)] = &[
        (&[("category", "")], "category"),
        (&[("category", "nonsense")], "category"),
        (&[("phone", "12ab")], "phone"),
        (&[("content", "  ")], "content"),
        (&[("mode", "dispatch")], "unit"),
        (&[("mode", "dispatch"), ("unit", "NOPE")], "unit"),
        (&[("mode", "answer")], "answer"),
        (&[("mode", "")], "mode-dispatch"),
        (&[("channel", "fax")], "channel"),
    ];
    for (extra, field) in cases {
        let (s, _, body) = intake(&mut agent, extra).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{extra:?}: {body}");
        assert!(body.contains("error-summary"), "{extra:?}");
        assert!(
            body.contains(&format!("href=\"#{field}\"")),
            "{extra:?} should name {field}: {body}"
        );
        let summary = &body[body.find("error-summary").unwrap()..];
        let msg = &summary[..summary.find("</ul>").unwrap()];
        assert!(has_chinese(msg), "{msg}");
        // What was typed is kept.
        if *field != "content" {
            assert!(body.contains("楼下烧烤店油烟直排"), "{extra:?}");
        }
    }
    let long = "字".repeat(2001);
    let (s, _, body) = intake(&mut agent, &[("content", &long)]).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body.contains("href=\"#content\""));
    assert_eq!(
        (app.count("work_orders").await, app.count("audit_log").await),
        before,
        "nothing written"
    );
    // Without the CSRF token, refused.
    let (s, _, _) = agent
        .post(
            "/hotline",
            &[
                ("category", "complaint"),
                ("content", "x"),
                ("mode", "later"),
            ],
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    assert_eq!(app.count("work_orders").await, before.0);

    // The public and other roles cannot reach the staff pages.
    let mut anon = Browser::new(&app);
    for path in [
        "/hotline",
        "/hotline/orders",
        "/hotline/unit",
        "/admin/api-keys",
    ] {
        let (s, _, body) = anon.get(path).await;
        assert_eq!(s, StatusCode::UNAUTHORIZED, "{path}");
        assert!(body.contains("请先登录"), "{path}");
    }
    let mut clerk = Browser::new(&app);
    clerk.staff_login("clerk.sj").await;
    let (s, _, _) = clerk.get("/hotline").await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, _, _) = clerk.get("/hotline/orders").await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, _, _) = clerk.get("/hotline/unit").await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, _, _) = agent.get("/hotline/unit").await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, _, _) = agent.get("/admin/api-keys").await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, _, _) = agent.get("/hotline/orders/12345-20200101-00001").await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _, _) = agent.get("/hotline/orders/not-a-number").await;
    assert_eq!(s, StatusCode::NOT_FOUND);
}
both!(bad_input_and_access);

async fn unit_sees_only_its_orders(db: Db) {
    let app = TestApp::spawn(db).await;
    create_user(
        &app.store,
        &NewUser {
            username: "unit.sj",
            display_name: "市监处办员",
            role: Role::UnitHandler,
            department: Some("SJ"),
            point: None,
            password: crate::common::PASSWORD,
        },
        &Actor::system("test"),
    )
    .await
    .unwrap();
    let mut agent = Browser::new(&app);
    agent.staff_login("hotline").await;
    let (s, loc, body) = intake(&mut agent, &[("mode", "dispatch"), ("unit", "JT")]).await;
    assert_eq!(s, StatusCode::SEE_OTHER, "{body}");
    let no = order_of(&loc);

    let mut other = Browser::new(&app);
    other.staff_login("unit.sj").await;
    let (s, _, wb) = other.get("/hotline/unit").await;
    assert_eq!(s, StatusCode::OK);
    assert!(!wb.contains(&no));
    let (s, _, list) = other.get("/hotline/orders").await;
    assert_eq!(s, StatusCode::OK);
    assert!(!list.contains(&no));
    let (s, _, body) = other.get(&format!("/hotline/orders/{no}")).await;
    assert!(
        s == StatusCode::NOT_FOUND || s == StatusCode::FORBIDDEN,
        "{s}: {body}"
    );
    // Signing through a forged form is refused too.
    let (_, _, page) = other.get("/hotline/unit").await;
    let csrf = hidden(&page, "csrf");
    let (s, _, _) = other
        .post(
            &format!("/hotline/orders/{no}/actions"),
            &[("csrf", &csrf), ("action", "sign")],
        )
        .await;
    assert!(
        s == StatusCode::NOT_FOUND || s == StatusCode::FORBIDDEN,
        "{s}"
    );
    let (_, _, page) = agent.get(&format!("/hotline/orders/{no}")).await;
    assert!(page.contains("已派单"));

    // A co-unit (协办单位) sees the order, gives its opinion, and takes none of the
    // lead unit's actions.
    let (s, loc, body) = intake(
        &mut agent,
        &[("mode", "dispatch"), ("unit", "JT"), ("co_unit_1", "SJ")],
    )
    .await;
    assert_eq!(s, StatusCode::SEE_OTHER, "{body}");
    let shared = order_of(&loc);
    let (_, _, wb) = other.get("/hotline/unit").await;
    assert!(wb.contains("协办工单") && wb.contains(&shared), "{wb}");
    assert!(!wb.contains(&no));
    let (s, _, page) = other.get(&format!("/hotline/orders/{shared}")).await;
    assert_eq!(s, StatusCode::OK);
    assert!(page.contains("value=\"co_reply\""), "{page}");
    assert!(!page.contains("value=\"sign\"") && !page.contains("value=\"reply\""));
    let (s, _, body) = act(&mut other, &shared, &[("action", "co_reply"), ("note", "")]).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body.contains("href=\"#co_reply-note\""), "{body}");
    let (s, _, body) = act(
        &mut other,
        &shared,
        &[
            ("action", "co_reply"),
            ("note", "已核查该店食品经营许可证。"),
        ],
    )
    .await;
    assert_eq!(s, StatusCode::SEE_OTHER, "{body}");
    let mut lead = Browser::new(&app);
    lead.staff_login("unit.jt").await;
    let (_, _, page) = lead.get(&format!("/hotline/orders/{shared}")).await;
    assert!(page.contains("已核查该店食品经营许可证") && page.contains("value=\"sign\""));
}
both!(unit_sees_only_its_orders);

async fn public_form_and_progress(db: Db) {
    let app = TestApp::spawn(db).await;
    let mut b = Browser::new(&app);
    let (s, _, page) = b.get("/hotline/new").await;
    assert_eq!(s, StatusCode::OK);
    assert!(page.contains("lang=\"zh-CN\"") && page.contains("<label for=\"content\">"));
    assert!(
        page.contains("name=\"public\" value=\"1\">"),
        "publishing is opt-in"
    );
    let csrf = hidden(&page, "csrf");
    let started = hidden(&page, "started");
    // Sent at once, as a script would: turned away, nothing written.
    let quick = [
        ("csrf", csrf.as_str()),
        ("started", started.as_str()),
        ("category", "complaint"),
        ("phone", PHONE),
        ("content", "前进西路88号工地夜间施工噪音扰民。"),
    ];
    let (s, _, body) = b.post("/hotline/new", &quick).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(body.contains("提交过快"), "{body}");
    // A person takes a few seconds.
    tokio::time::sleep(std::time::Duration::from_millis(3100)).await;
    let mut trap = quick.to_vec();
    trap.push(("website", "http://spam.example"));
    let (s, _, _) = b.post("/hotline/new", &trap).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "the honeypot");
    let forged: Vec<(&str, &str)> = quick
        .iter()
        .map(|(k, v)| {
            if *k == "started" {
                (*k, "1.00")
            } else {
                (*k, *v)
            }
        })
        .collect();
    let (s, _, _) = b.post("/hotline/new", &forged).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "a forged stamp");
    assert_eq!(app.count("work_orders").await, 0);
    let form = |public: bool| {
        let mut f = vec![
            ("csrf", csrf.clone()),
            ("started", started.clone()),
            ("category", "complaint".to_string()),
            ("caller_name", "张三丰".to_string()),
            ("phone", PHONE.to_string()),
            ("address", "前进西路88号".to_string()),
            (
                "content",
                "前进西路88号工地夜间施工噪音扰民，凌晨仍在作业。".to_string(),
            ),
        ];
        if public {
            f.push(("public", "1".to_string()));
        }
        f
    };
    let f = form(true);
    let pairs: Vec<(&str, &str)> = f.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let (s, loc, body) = b.post("/hotline/new", &pairs).await;
    assert_eq!(s, StatusCode::SEE_OTHER, "{body}");
    let no = order_of(&loc);
    let (s, _, done) = b.get(loc.as_deref().unwrap()).await;
    assert_eq!(s, StatusCode::OK);
    assert!(done.contains(&no) && done.contains(&format!("/hotline/progress?no={no}")));

    let (s, _, progress) = b.get(&format!("/hotline/progress?no={no}")).await;
    assert_eq!(s, StatusCode::OK, "{progress}");
    assert!(progress.contains("张**"), "{progress}");
    assert!(!progress.contains("张三丰"));
    assert!(progress.contains("138****5678") && !progress.contains(PHONE));
    assert!(
        progress.contains("前进西路**号") && !progress.contains("88号"),
        "{progress}"
    );
    assert!(progress.contains("夜间施工噪音扰民") && progress.contains("已受理待派单"));
    let (s, _, list) = b.get("/hotline/public").await;
    assert_eq!(s, StatusCode::OK);
    assert!(list.contains(&no) && list.contains("张**") && !list.contains("张三丰"));
    assert!(!list.contains(PHONE));

    // The agent sees it as a web request and dispatches; the public sees the unit.
    let mut agent = Browser::new(&app);
    agent.staff_login("hotline").await;
    let (_, _, page) = agent.get(&format!("/hotline/orders/{no}")).await;
    assert!(page.contains("网站") && page.contains("张三丰"));
    let (s, _, _) = act(&mut agent, &no, &[("action", "dispatch"), ("unit", "JT")]).await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    let (_, _, progress) = b.get(&format!("/hotline/progress?no={no}")).await;
    assert!(progress.contains("已派单") && progress.contains("市交通运输局"));
    assert!(!progress.contains("话务员"), "no staff names in public");

    // Not public: not shown, with a clear message.
    let f = form(false);
    let pairs: Vec<(&str, &str)> = f.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let (s, loc, _) = b.post("/hotline/new", &pairs).await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    let private = order_of(&loc);
    let (s, _, body) = b.get(&format!("/hotline/progress?no={private}")).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    assert!(
        body.contains("未公开") && !body.contains("夜间施工噪音扰民"),
        "{body}"
    );
    let (_, _, list) = b.get("/hotline/public").await;
    assert!(!list.contains(&private));
    // An order taken by phone is not public either.
    let (s, loc, _) = intake(&mut agent, &[]).await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    let (s, _, _) = b
        .get(&format!("/hotline/progress?no={}", order_of(&loc)))
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _, body) = b.get("/hotline/progress?no=abc").await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body.contains("href=\"#no\""));
    let (s, _, _) = b.get("/hotline/public?page=0").await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);

    // Bad input: re-rendered with the field named, nothing written.
    let before = app.count("work_orders").await;
    for (field, value) in [
        ("content", ""),
        ("phone", ""),
        ("phone", "12"),
        ("category", ""),
    ] {
        let mut f = form(true);
        f.retain(|(k, _)| *k != field);
        f.push((field, value.to_string()));
        let pairs: Vec<(&str, &str)> = f.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let (s, _, body) = b.post("/hotline/new", &pairs).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{field}: {body}");
        assert!(
            body.contains(&format!("href=\"#{field}\"")),
            "{field}: {body}"
        );
    }
    // Without the anonymous CSRF cookie, refused.
    let mut fresh = Browser::new(&app);
    let f = form(true);
    let pairs: Vec<(&str, &str)> = f.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let (s, _, _) = fresh.post("/hotline/new", &pairs).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    assert_eq!(app.count("work_orders").await, before);
}
both!(public_form_and_progress);

async fn api_keys_administration(db: Db) {
    let app = TestApp::spawn(db).await;
    let mut tx = app.store.begin().await.unwrap();
    insert_services(
        &mut tx,
        &[NewService {
            code: "daolu",
            name: "道路破损",
            description: "道路坑洼、井盖缺失",
            group: "市政设施",
            keywords: "道路",
            category: Category::Help,
            unit: Some("JT"),
        }],
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let mut admin = Browser::new(&app);
    admin.staff_login("admin").await;
    let (s, _, index) = admin.get("/admin").await;
    assert_eq!(s, StatusCode::OK);
    assert!(index.contains("/admin/api-keys"));
    let (s, _, page) = admin.get("/admin/api-keys").await;
    assert_eq!(s, StatusCode::OK);
    let csrf = hidden(&page, "csrf");
    let (s, _, body) = admin
        .post("/admin/api-keys", &[("csrf", &csrf), ("name", " ")])
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body.contains("href=\"#name\""));
    assert_eq!(app.count("open311_keys").await, 0);
    let (s, _, body) = admin
        .post(
            "/admin/api-keys",
            &[("csrf", &csrf), ("name", "城市运行管理平台")],
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{body}");
    let at = body.find("<code id=\"new-key\">").expect("key shown") + "<code id=\"new-key\">".len();
    let key = body[at..at + body[at..].find('<').unwrap()].to_string();
    assert!(key.len() >= 32, "{key}");
    // Shown once: the list page does not show it again.
    let (_, _, page) = admin.get("/admin/api-keys").await;
    assert!(page.contains("城市运行管理平台") && !page.contains(&key));
    assert!(page.contains("启用"));

    let post = |key: String| {
        let app = &app;
        async move {
            app.client
                .post(format!("{}/open311/v2/requests.json", app.base))
                .form(&[
                    ("api_key", key.as_str()),
                    ("service_code", "daolu"),
                    ("address_string", "前进西路88号"),
                    ("description", "井盖缺失"),
                ])
                .send()
                .await
                .unwrap()
                .status()
        }
    };
    assert_eq!(post(key.clone()).await, StatusCode::OK);

    let at = page.find("/admin/api-keys/").expect("deactivate form");
    let rest = &page[at..];
    let action = &rest[..rest.find('"').unwrap()];
    assert!(action.ends_with("/deactivate"), "{action}");
    let (s, _, body) = admin.post(action, &[("csrf", &csrf)]).await;
    assert_eq!(s, StatusCode::OK, "{body}");
    assert!(body.contains("已停用"));
    let (s, _, _) = admin.post(action, &[("csrf", &csrf)]).await;
    assert_eq!(s, StatusCode::CONFLICT);
    let (s, _, _) = admin
        .post("/admin/api-keys/999/deactivate", &[("csrf", &csrf)])
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    assert_eq!(post(key).await, StatusCode::FORBIDDEN);
    assert_eq!(app.count("work_orders").await, 1);

    let mut c = app.store.reader().await.unwrap();
    let actions: Vec<String> = sqlx::query_scalar(
        "SELECT action FROM audit_log WHERE action LIKE 'open311.key.%' ORDER BY seq",
    )
    .fetch_all(&mut *c)
    .await
    .unwrap();
    assert_eq!(actions, ["open311.key.create", "open311.key.deactivate"]);
}
both!(api_keys_administration);

async fn supervision_and_return_review(db: Db) {
    let app = TestApp::spawn(db).await;
    let mut agent = Browser::new(&app);
    agent.staff_login("hotline").await;
    let (s, loc, body) = intake(&mut agent, &[("mode", "dispatch"), ("unit", "JT")]).await;
    assert_eq!(s, StatusCode::SEE_OTHER, "{body}");
    let no = order_of(&loc);

    // A supervisor urges and supervises through the same generic forms.
    let mut sup = Browser::new(&app);
    sup.staff_login("supervisor").await;
    let (s, _, page) = sup.get(&format!("/hotline/orders/{no}")).await;
    assert_eq!(s, StatusCode::OK);
    assert!(page.contains("value=\"urge\"") && page.contains("value=\"supervise\""));
    assert!(!page.contains("value=\"dispatch\"") && !page.contains("value=\"sign\""));
    let (s, _, body) = act(&mut sup, &no, &[("action", "supervise")]).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body.contains("href=\"#supervise-note\""), "{body}");
    let (s, _, body) = act(
        &mut sup,
        &no,
        &[("action", "supervise"), ("note", "请于本周内办结。")],
    )
    .await;
    assert_eq!(s, StatusCode::SEE_OTHER, "{body}");

    // The unit returns it; the center sees it awaiting review and reassigns.
    let mut unit = Browser::new(&app);
    unit.staff_login("unit.jt").await;
    let (s, _, body) = act(
        &mut unit,
        &no,
        &[("action", "return"), ("note", "不属于本单位职责。")],
    )
    .await;
    assert_eq!(s, StatusCode::SEE_OTHER, "{body}");
    let (s, _, list) = agent.get("/hotline/orders?awaiting_review=true").await;
    assert_eq!(s, StatusCode::OK);
    assert!(list.contains(&no), "{list}");
    let (s, _, list) = agent.get("/hotline/orders?awaiting_review=maybe").await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(list.contains("href=\"#awaiting_review\""));
    let (_, _, page) = agent.get(&format!("/hotline/orders/{no}")).await;
    assert!(page.contains("已退单") && page.contains("不属于本单位职责"));
    assert!(page.contains("value=\"dispatch\""));
    let (s, _, body) = act(&mut agent, &no, &[("action", "dispatch"), ("unit", "SJ")]).await;
    assert_eq!(s, StatusCode::SEE_OTHER, "{body}");
    let (_, _, page) = agent.get(&format!("/hotline/orders/{no}")).await;
    assert!(page.contains("已派单") && page.contains("市市场监督管理局"));
    let (_, _, wb) = unit.get("/hotline/unit").await;
    assert!(!wb.contains(&no));
}
both!(supervision_and_return_review);

/// The caller's full number is shown only on a deliberate request from the order
/// page, within the order's scope, and every look is audited.
async fn caller_phone_for_callback(db: Db) {
    let app = TestApp::spawn(db).await;
    let agent = app.token("hotline").await;
    let (s, v) = app
        .post(
            "/api/v1/work-orders",
            Some(&agent),
            serde_json::json!({ "category": "help", "content": "路灯不亮", "phone": PHONE, "unit": "JT" }),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let no = v["order_no"].as_str().unwrap().to_string();
    let mut b = Browser::new(&app);
    b.staff_login("hotline").await;
    let (s, _, page) = b.get(&format!("/hotline/orders/{no}")).await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        !page.contains(PHONE),
        "the order page shows the masked number only"
    );
    let csrf = hidden(&page, "csrf");
    let (s, _, page) = b
        .post(&format!("/hotline/orders/{no}/phone"), &[("csrf", &csrf)])
        .await;
    assert_eq!(s, StatusCode::OK);
    assert!(page.contains(&format!("tel:{PHONE}")), "{page}");
    let (s, _, _) = b
        .post(
            &format!("/hotline/orders/{no}/phone"),
            &[("csrf", "forged")],
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (_, log) = app
        .get("/api/v1/audit?limit=50", Some(&app.token("admin").await))
        .await;
    assert!(log.to_string().contains("work_order.phone.reveal"), "{log}");
    // The lead unit calls the citizen back too.
    let mut other = Browser::new(&app);
    other.staff_login("unit.jt").await;
    let (_, _, page) = other.get(&format!("/hotline/orders/{no}")).await;
    let csrf = hidden(&page, "csrf");
    let (s, _, page) = other
        .post(&format!("/hotline/orders/{no}/phone"), &[("csrf", &csrf)])
        .await;
    assert_eq!(s, StatusCode::OK, "the lead unit calls back too: {page}");
    assert!(page.contains(PHONE));
}
both!(caller_phone_for_callback);

/// After each action the order page says what was done; the caller's other orders
/// (by phone number) show beside the one at hand.
async fn confirmations_and_the_callers_history(db: Db) {
    let app = TestApp::spawn(db).await;
    let mut agent = Browser::new(&app);
    agent.staff_login("hotline").await;
    let (s, first, _) = intake(&mut agent, &[]).await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    assert!(
        first.as_deref().unwrap().ends_with("?done=new"),
        "{first:?}"
    );
    let first = order_of(&first);
    let (_, second, _) = intake(
        &mut agent,
        &[("content", "再次反映：烧烤店油烟问题仍未解决。")],
    )
    .await;
    let second = order_of(&second);
    let (_, _, page) = agent
        .get(&format!("/hotline/orders/{second}?done=new"))
        .await;
    assert!(page.contains("工单已登记"), "{page}");
    assert!(page.contains("该来电人的其他工单"), "{page}");
    assert!(page.contains(&first), "{page}");
    let (s, loc, body) = act(
        &mut agent,
        &second,
        &[("action", "dispatch"), ("unit", "JT")],
    )
    .await;
    assert_eq!(s, StatusCode::SEE_OTHER, "{body}");
    let loc = loc.unwrap();
    assert!(loc.ends_with("?done=dispatch"), "{loc}");
    let (_, _, page) = agent.get(&loc).await;
    assert!(page.contains("派单：已完成"), "{page}");
}
both!(confirmations_and_the_callers_history);

/// Photos with a web request: checked like the applicants' uploads (every fault at
/// once, with the answers'), kept with the order, shown to the staff who may see it
/// and to no one else.
async fn web_requests_carry_photos(db: Db) {
    use reqwest::multipart::{Form, Part};
    let app = TestApp::spawn(db).await;
    let mut b = Browser::new(&app);
    let (_, _, page) = b.get("/hotline/new").await;
    assert!(page.contains("enctype=\"multipart/form-data\""));
    assert!(page.contains("name=\"photos\""));
    let csrf = hidden(&page, "csrf");
    let started = hidden(&page, "started");
    tokio::time::sleep(std::time::Duration::from_millis(3100)).await;
    let png: Vec<u8> = [
        &[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A][..],
        b"png body",
    ]
    .concat();
    let jpg: Vec<u8> = [&[0xFF, 0xD8, 0xFF, 0xE0][..], b"jpg body"].concat();
    let form = |phone: &str, photos: &[(&str, &[u8])]| {
        let mut f = Form::new()
            .text("csrf", csrf.clone())
            .text("started", started.clone())
            .text("category", "complaint")
            .text("phone", phone.to_string())
            .text("address", "前进西路88号")
            .text("content", "前进西路88号门前路面塌陷，已有车辆受损。");
        for (name, bytes) in photos {
            f = f.part(
                "photos",
                Part::bytes(bytes.to_vec()).file_name(name.to_string()),
            );
        }
        f
    };

    // A text file named as a photo and a missing phone: both said at once.
    let (s, body) = b
        .upload("/hotline/new", form("", &[("路面.jpg", b"not a picture")]))
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(
        body.contains("照片“路面.jpg”应为 JPG 或 PNG 格式的图片"),
        "{body}"
    );
    assert!(body.contains("请填写联系电话"), "{body}");
    let four: Vec<(&str, &[u8])> = vec![
        ("1.png", &png),
        ("2.png", &png),
        ("3.png", &png),
        ("4.png", &png),
    ];
    let (s, body) = b.upload("/hotline/new", form(PHONE, &four)).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body.contains("最多上传3张照片"), "{body}");
    assert_eq!(app.count("work_orders").await, 0);
    assert_eq!(app.count("order_photos").await, 0);

    let (s, body) = b
        .upload(
            "/hotline/new",
            form(PHONE, &[("路面.png", &png), ("车辆.jpg", &jpg)]),
        )
        .await;
    assert_eq!(s, StatusCode::SEE_OTHER, "{body}");
    assert_eq!(app.count("order_photos").await, 2);
    let mut c = app.store.reader().await.unwrap();
    let no: String = sqlx::query_scalar("SELECT order_no FROM work_orders")
        .fetch_one(&mut *c)
        .await
        .unwrap();
    drop(c);

    let mut agent = Browser::new(&app);
    agent.staff_login("hotline").await;
    let (_, _, page) = agent.get(&format!("/hotline/orders/{no}")).await;
    assert!(page.contains("诉求人上传的照片"), "{page}");
    let link = format!("/hotline/orders/{no}/photos/");
    let at = page.find(&link).expect("a photo link") + link.len();
    let id: String = page[at..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    let (s, _, _) = agent.get(&format!("{link}{id}")).await;
    assert_eq!(s, StatusCode::OK);
    let r = reqwest::Client::new()
        .get(format!("{}{link}{id}", app.base))
        .send()
        .await
        .unwrap();
    assert!(
        !r.status().is_success(),
        "no photo without signing in: {}",
        r.status()
    );
    // A member unit the order is not theirs: not found.
    let mut unit = Browser::new(&app);
    unit.staff_login("unit.jt").await;
    let (s, _, _) = unit.get(&format!("{link}{id}")).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _, _) = agent.get(&format!("{link}x")).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
}
both!(web_requests_carry_photos);
