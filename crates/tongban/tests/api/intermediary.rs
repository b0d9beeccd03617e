//! The intermediary registry and the 中介超市 (issue 18): the office registers
//! agencies (qualifications, decoupling, penalties) and names the services catalog
//! items need; a project owner publishes a request, agencies quote (the tied, the
//! penalised below the line and the unqualified refused), the owner selects by the
//! lowest quote after the deadline, the agency delivers, the owner rates it once and
//! the agency's score moves; a random draw is recorded so it can be redone; the
//! project's "intermediaries used", the figures and the report's sentence come back
//! from the export; bad input is a Chinese 4xx naming its field and writes nothing.

use crate::common::*;
use crate::complaints::business_sign_in;
use crate::project_stages::{CODE, project};
use reqwest::StatusCode;
use serde_json::{Value, json};

fn code(body: &str) -> String {
    tongban_domain::codes::CreditCode::generate('9', '1', "320583", body)
        .unwrap()
        .as_str()
        .to_string()
}

/// The project fixture's owner.
fn owner() -> String {
    code("MA1M7777")
}

async fn register(
    app: &TestApp,
    sup: &str,
    body: &str,
    name: &str,
    phone: &str,
    extra: Value,
) -> String {
    let c = code(body);
    let mut b = json!({ "credit_code": c, "name": name, "address": "昆山市前进西路18号", "contact_name": "王经理", "phone": phone });
    for (k, v) in extra.as_object().unwrap() {
        b[k] = v.clone();
    }
    let (s, v) = app
        .post("/api/v1/intermediary/agencies", Some(sup), b)
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let (s, v) = app
        .post(
            &format!("/api/v1/intermediary/agencies/{c}/qualifications"),
            Some(sup),
            json!({ "service": "hjpj", "name": "环境影响评价资质", "level": "乙级", "cert_no": format!("HP-{body}"),
                    "valid_from": "2024-01-01", "valid_until": "2099-12-31", "fee_standard": "按国家指导价下浮20%" }),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    c
}

/// An agency's browser, signed in as its enterprise.
async fn agency_browser(app: &TestApp, code: &str, phone: &str) -> Browser {
    let mut b = Browser::new(app);
    business_sign_in(app, &mut b, code, "中介机构", phone)
        .await
        .unwrap();
    b
}

async fn quote(b: &mut Browser, no: &str, amount: &str) -> (StatusCode, String) {
    let (_, _, page) = b.get(&format!("/business/intermediary/{no}")).await;
    let csrf = hidden(&page, "csrf");
    let (s, _, page) = b
        .post(
            &format!("/business/intermediary/{no}/quote"),
            &[
                ("csrf", &csrf),
                ("amount", amount),
                ("days", "15"),
                ("note", ""),
            ],
        )
        .await;
    (s, page)
}

async fn owner_post(
    b: &mut Browser,
    no: &str,
    action: &str,
    form: &[(&str, &str)],
) -> (StatusCode, String) {
    let (_, _, page) = b.get(&format!("/business/intermediary/{no}")).await;
    let csrf = hidden(&page, "csrf");
    let mut f = vec![("csrf", csrf.as_str())];
    f.extend_from_slice(form);
    let (s, _, page) = b
        .post(&format!("/business/intermediary/{no}/{action}"), &f)
        .await;
    (s, page)
}

async fn owners_select_agencies_and_rate_their_work(db: Db) {
    let app = TestApp::spawn(db).await;
    project(&app).await;
    let sup = app.token("supervisor").await;
    let clerk = app.token("clerk.sj").await;
    let today = today();
    let yesterday = day(today - chrono::Days::new(1));

    // Bad registrations: every fault named at once, nothing written; a clerk may not.
    let (s, v) = app
        .post(
            "/api/v1/intermediary/agencies",
            Some(&sup),
            json!({ "credit_code": "91320583MA1M00000X", "name": "", "address": "昆山", "contact_name": "王经理",
                    "phone": "12", "decoupled_on": "2020-01-01" }),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    let fields = error_fields(&v);
    for f in ["credit_code", "name", "phone", "decoupled_on"] {
        assert!(fields.contains(&f.to_string()), "{f}: {v}");
    }
    let (s, _) = app
        .post("/api/v1/intermediary/agencies", Some(&clerk), json!({}))
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    assert_eq!(app.count("agencies").await, 0);

    // Someone signs in first for an agency not yet registered; the registration drops
    // that contact and its session.
    let mut early = Browser::new(&app);
    business_sign_in(&app, &mut early, &code("MA7A0001"), "冒名", "13944440000")
        .await
        .unwrap();
    let a = register(
        &app,
        &sup,
        "MA7A0001",
        "昆山绿源环境科技有限公司",
        "13911110001",
        json!({}),
    )
    .await;
    let (s, _, _) = early.get("/business/intermediary").await;
    assert_eq!(s, StatusCode::SEE_OTHER, "the early session ended");
    let mut again = Browser::new(&app);
    assert!(
        business_sign_in(&app, &mut again, &a, "冒名", "13944440000")
            .await
            .is_err()
    );
    let b = register(
        &app,
        &sup,
        "MA7A0002",
        "昆山环评咨询有限公司",
        "13911110002",
        json!({ "gov_body": "昆山市生态环境局", "decoupled_on": "2019-06-30" }),
    )
    .await;
    let tied = register(
        &app,
        &sup,
        "MA7A0003",
        "昆山气象防雷技术有限公司",
        "13911110003",
        json!({ "gov_body": "昆山市气象局" }),
    )
    .await;
    let penalised = register(
        &app,
        &sup,
        "MA7A0004",
        "昆山某环境工程有限公司",
        "13911110004",
        json!({}),
    )
    .await;
    let (s, v) = app
        .post(
            &format!("/api/v1/intermediary/agencies/{penalised}/penalties"),
            Some(&sup),
            json!({ "reason": "出具的报告存在重大错漏", "authority": "昆山市生态环境局", "decided_on": day(today),
                    "valid_until": "2099-01-01", "points": 30 }),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    assert_eq!(
        (v["score"].as_i64(), v["grade"].as_str()),
        (Some(50), Some("D")),
        "{v}"
    );
    // A qualification ending before it starts; the same certificate twice.
    let (s, v) = app
        .post(
            &format!("/api/v1/intermediary/agencies/{a}/qualifications"),
            Some(&sup),
            json!({ "service": "jnpg", "name": "节能评估", "level": "甲级", "cert_no": "JN-1",
                    "valid_from": "2026-01-01", "valid_until": "2025-01-01", "fee_standard": "按合同" }),
        )
        .await;
    assert_invalid(s, &v, "valid_until");
    let (s, v) = app
        .post(
            &format!("/api/v1/intermediary/agencies/{a}/qualifications"),
            Some(&sup),
            json!({ "service": "hjpj", "name": "环境影响评价资质", "level": "乙级", "cert_no": "HP-MA7A0001",
                    "valid_from": "2024-01-01", "valid_until": "2099-12-31", "fee_standard": "按国家指导价下浮20%" }),
        )
        .await;
    assert_eq!(s, StatusCode::CONFLICT, "{v}");

    // The items that need the service, shown on their guide.
    let r = app
        .client
        .put(format!(
            "{}/api/v1/intermediary/services/hjpj/items",
            app.base
        ))
        .bearer_auth(&sup)
        .json(&json!({ "items": ["NO-SUCH-ITEM"] }))
        .send()
        .await
        .unwrap();
    let s = r.status();
    let v: Value = r.json().await.unwrap();
    assert_invalid(s, &v, "items");
    let r = app
        .client
        .put(format!(
            "{}/api/v1/intermediary/services/hjpj/items",
            app.base
        ))
        .bearer_auth(&sup)
        .json(&json!({ "items": [ITEM] }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let mut public = Browser::new(&app);
    let (_, _, page) = public.get(&format!("/items/{ITEM}")).await;
    assert!(
        page.contains("所需中介服务") && page.contains("环境影响评价"),
        "{page}"
    );

    // The public list: qualified agencies, contacts masked.
    let (s, v) = app
        .get("/api/v1/intermediary/agencies?service=hjpj", None)
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["agencies"].as_array().unwrap().len(), 4, "{v}");
    let text = v.to_string();
    assert!(
        !text.contains("13911110001") && text.contains("139****0001"),
        "{v}"
    );
    let (_, v) = app
        .get(&format!("/api/v1/intermediary/agencies/{tied}"), None)
        .await;
    assert_eq!(v["tie"], "tied", "{v}");
    let (_, v) = app
        .get(&format!("/api/v1/intermediary/agencies/{b}"), None)
        .await;
    assert_eq!(
        (v["tie"].as_str(), v["decoupled_on"].as_str()),
        (Some("decoupled"), Some("2019-06-30")),
        "{v}"
    );
    let (s, v) = app
        .get("/api/v1/intermediary/agencies?service=nope", None)
        .await;
    assert_invalid(s, &v, "service");

    // The owner signs in and publishes; faults first, and a project not its own.
    let mut other = Browser::new(&app);
    business_sign_in(
        &app,
        &mut other,
        &code("MA1M8888"),
        "昆山别家有限公司",
        "13922220000",
    )
    .await
    .unwrap();
    let (_, _, page) = other.get("/business/intermediary").await;
    let csrf = hidden(&page, "csrf");
    let (s, _, page) = other
        .post(
            "/business/intermediary",
            &[
                ("csrf", &csrf),
                ("service", "hjpj"),
                ("title", "环评"),
                ("content", "环评报告表"),
                ("project", CODE),
                ("budget", "30000"),
                ("rule", "lowest"),
                ("deadline", &day(today)),
            ],
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("项目业主不是本企业"), "{page}");
    let mut own = Browser::new(&app);
    business_sign_in(
        &app,
        &mut own,
        &owner(),
        "昆山华精密有限公司",
        "13933330000",
    )
    .await
    .unwrap();
    let (_, _, page) = own.get("/business/intermediary").await;
    let csrf = hidden(&page, "csrf");
    let (s, _, page) = own
        .post(
            "/business/intermediary",
            &[
                ("csrf", &csrf),
                ("service", "hjpj"),
                ("title", "车间环评报告表编制"),
                ("content", "编制环境影响报告表"),
                ("project", CODE),
                ("budget", "80000元"),
                ("rule", "direct"),
                ("deadline", "2020-01-01"),
            ],
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    for m in ["直接选取须写明理由", "超过5万元", "报价截止日期应在"] {
        assert!(page.contains(m), "{m}: {page}");
    }
    assert_eq!(app.count("service_requests").await, 0);
    let (s, loc, page) = own
        .post(
            "/business/intermediary",
            &[
                ("csrf", &csrf),
                ("service", "hjpj"),
                ("title", "车间环评报告表编制"),
                ("content", "编制环境影响报告表，联系人张工 138 1234 5678"),
                ("project", CODE),
                ("budget", "80000"),
                ("rule", "lowest"),
                ("deadline", &day(today)),
            ],
        )
        .await;
    assert_eq!(s, StatusCode::SEE_OTHER, "{page}");
    let no = loc.unwrap().rsplit('/').next().unwrap().to_string();
    // The owner published it itself: the office does not act on it.
    let (s, v) = app
        .post(
            &format!("/api/v1/intermediary/requests/{no}/cancel"),
            Some(&sup),
            json!({}),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{v}");

    // Agencies quote: over the budget refused; the tied, the penalised refused.
    let mut ag = agency_browser(&app, &a, "13911110001").await;
    let (s, page) = quote(&mut ag, &no, "90000").await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("不能高于最高限价"), "{page}");
    let (s, _) = quote(&mut ag, &no, "60000").await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    let mut bg = agency_browser(&app, &b, "13911110002").await;
    let (s, _) = quote(&mut bg, &no, "55000").await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    let (_, _, page) = bg.get(&format!("/business/intermediary/{no}")).await;
    assert!(!page.contains("提交报价"), "one quote each: {page}");
    let mut tg = agency_browser(&app, &tied, "13911110003").await;
    let (s, page) = quote(&mut tg, &no, "40000").await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    assert!(page.contains("脱钩"), "{page}");
    let mut pg = agency_browser(&app, &penalised, "13911110004").await;
    let (s, page) = quote(&mut pg, &no, "40000").await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    assert!(page.contains("信用得分50分"), "{page}");
    assert_eq!(app.count("service_quotes").await, 2);

    // Before the selection the public sees no quotes, and the content is masked; the
    // office sees both.
    let (_, v) = app
        .get(&format!("/api/v1/intermediary/requests/{no}"), None)
        .await;
    assert_eq!(v["quotes"].as_array().unwrap().len(), 0, "{v}");
    assert!(!v.to_string().contains("138 1234 5678"), "{v}");
    let (_, v) = app
        .get(&format!("/api/v1/intermediary/requests/{no}"), Some(&sup))
        .await;
    assert_eq!(
        v["quotes"].as_array().unwrap().len(),
        0,
        "sealed even for the office: {v}"
    );
    assert!(v["quotes_count"].is_null(), "{v}");
    assert!(
        v.to_string().contains("138 1234 5678"),
        "the office reads it unmasked: {v}"
    );
    // The quoting agency sees its own quote, not the other's.
    let (_, _, page) = bg.get(&format!("/business/intermediary/{no}")).await;
    assert!(
        page.contains("55000.00") && !page.contains("60000.00"),
        "{page}"
    );
    let (_, _, page) = public.get(&format!("/intermediaries/requests/{no}")).await;
    assert!(
        page.contains("报价在选取前保密") && !page.contains("55000.00"),
        "{page}"
    );
    assert!(!page.contains("138 1234 5678"), "{page}");

    // Not before the deadline; then the lowest quote wins.
    let (s, page) = owner_post(&mut own, &no, "select", &[]).await;
    assert_eq!(s, StatusCode::CONFLICT);
    assert!(page.contains("报价截止日期"), "{page}");
    app.exec(&format!(
        "UPDATE service_requests SET deadline = '{yesterday}'"
    ))
    .await;
    let (_, v) = app
        .get(&format!("/api/v1/intermediary/requests/{no}"), Some(&sup))
        .await;
    assert_eq!(
        (
            v["quotes"].as_array().unwrap().len(),
            v["quotes_count"].as_i64()
        ),
        (2, Some(2)),
        "{v}"
    );
    let (_, v) = app
        .get(&format!("/api/v1/intermediary/requests/{no}"), None)
        .await;
    assert_eq!(
        v["quotes"].as_array().unwrap().len(),
        0,
        "the public after the selection: {v}"
    );
    // Once the quotes are open the owner selects by the rule; it may not withdraw.
    let (s, page) = owner_post(&mut own, &no, "cancel", &[]).await;
    assert_eq!(s, StatusCode::CONFLICT);
    assert!(page.contains("不能撤销"), "{page}");
    let (s, _) = owner_post(&mut own, &no, "select", &[]).await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    let (_, v) = app
        .get(&format!("/api/v1/intermediary/requests/{no}"), None)
        .await;
    assert_eq!(
        (v["selected_agency"].as_str(), v["selected_fen"].as_i64()),
        (Some(b.as_str()), Some(5_500_000)),
        "{v}"
    );
    assert_eq!(
        v["quotes"].as_array().unwrap().len(),
        2,
        "public after the selection: {v}"
    );

    // Only the selected agency delivers; the owner rates once.
    let mut ag2 = ag;
    let (_, _, page) = ag2.get(&format!("/business/intermediary/{no}")).await;
    assert!(!page.contains("提交交付成果"), "{page}");
    let (s, _) = owner_post(
        &mut bg,
        &no,
        "deliver",
        &[("note", "环境影响报告表已通过技术评估")],
    )
    .await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    let (s, page) = owner_post(
        &mut own,
        &no,
        "rating",
        &[("quality", "6"), ("timeliness", "5"), ("attitude", "4")],
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        page.contains("服务质量评分应为1至5") && page.contains("收费评分应为1至5"),
        "{page}"
    );
    let (s, _) = owner_post(
        &mut own,
        &no,
        "rating",
        &[
            ("quality", "5"),
            ("timeliness", "5"),
            ("attitude", "4"),
            ("fees", "4"),
        ],
    )
    .await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    let (s, _) = owner_post(
        &mut own,
        &no,
        "rating",
        &[
            ("quality", "1"),
            ("timeliness", "1"),
            ("attitude", "1"),
            ("fees", "1"),
        ],
    )
    .await;
    assert_eq!(s, StatusCode::CONFLICT);
    let (_, v) = app
        .get(&format!("/api/v1/intermediary/agencies/{b}"), None)
        .await;
    assert_eq!(
        (v["rated"].as_i64(), v["score"].as_i64()),
        // (80 × 3 + 5 × 18) / 4, rounded.
        (Some(1), Some(83)),
        "{v}"
    );

    // A random draw on the owner's behalf, redone from its record.
    let (s, v) = app
        .post(
            "/api/v1/intermediary/requests",
            Some(&sup),
            json!({ "owner_code": owner(), "owner_name": "昆山华精密有限公司", "service": "环境影响评价",
                    "title": "环评报告书编制", "content": "编制环境影响报告书", "project": CODE, "budget": 200000,
                    "rule": "random", "deadline": day(today) }),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let drawn = v["no"].as_str().unwrap().to_string();
    let commitment = v["draw_commitment"].as_str().unwrap().to_string();
    assert_eq!(commitment.len(), 64, "{v}");
    quote(&mut ag2, &drawn, "150000").await;
    quote(&mut bg, &drawn, "180000").await;
    app.exec(&format!(
        "UPDATE service_requests SET deadline = '{yesterday}' WHERE request_no = '{drawn}'"
    ))
    .await;
    let (s, v) = app
        .post(
            &format!("/api/v1/intermediary/requests/{drawn}/selection"),
            Some(&sup),
            json!({}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let candidates: Vec<String> = v["draw"]["candidates"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap().to_string())
        .collect();
    assert_eq!(candidates, vec![a.clone(), b.clone()], "{v}");
    let seed = v["draw"]["seed"].as_str().unwrap();
    assert_eq!(
        tongban_store::protect::sm3_hex(seed.as_bytes()),
        commitment,
        "the seed is the one published before"
    );
    let i = tongban_store::intermediary::market::draw_index(seed, &candidates, 2);
    assert_eq!(
        v["selected_agency"].as_str(),
        Some(candidates[i].as_str()),
        "{v}"
    );
    assert_eq!(
        app.scalar(
            "SELECT CAST(COUNT(*) AS BIGINT) FROM audit_log WHERE action = 'intermediary.select'"
        )
        .await,
        2
    );
    let (s, v) = app
        .post(
            &format!("/api/v1/intermediary/requests/{drawn}/selection"),
            Some(&sup),
            json!({}),
        )
        .await;
    assert_eq!(s, StatusCode::CONFLICT, "{v}");
    // The office published it: the owner does not act on it on the web.
    let (s, page) = owner_post(
        &mut own,
        &drawn,
        "rating",
        &[
            ("quality", "5"),
            ("timeliness", "5"),
            ("attitude", "5"),
            ("fees", "5"),
        ],
    )
    .await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{page}");
    assert!(page.contains("代为发布"), "{page}");

    // A withdrawn request is gone from the public.
    let (_, v) = app
        .post(
            "/api/v1/intermediary/requests",
            Some(&sup),
            json!({ "owner_code": owner(), "owner_name": "昆山华精密有限公司", "service": "jnpg", "title": "节能评估",
                    "content": "节能报告", "budget": "30000", "rule": "direct", "reason": "金额小", "deadline": day(today) }),
        )
        .await;
    let gone = v["no"].as_str().unwrap().to_string();
    let (s, v) = app
        .post(
            &format!("/api/v1/intermediary/requests/{gone}/cancel"),
            Some(&sup),
            json!({}),
        )
        .await;
    assert_eq!(
        (s, v["status"].as_str()),
        (StatusCode::OK, Some("cancelled")),
        "{v}"
    );
    let (s, _) = app
        .get(&format!("/api/v1/intermediary/requests/{gone}"), None)
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);

    // The project's intermediaries: two orders of one service.
    let (s, lf) = app
        .get(&format!("/api/v1/projects/{CODE}/long-four"), Some(&sup))
        .await;
    assert_eq!(s, StatusCode::OK, "{lf}");
    assert_eq!(
        (
            lf["intermediaries"]["before"].as_f64(),
            lf["intermediaries"]["after"].as_f64()
        ),
        (Some(2.0), Some(1.0)),
        "{lf}"
    );

    // The figures and the report's sentence, from the export.
    let rows = app.export("intermediary_orders", &[]);
    assert_eq!(rows.len(), 3);
    let selected: Vec<&Value> = rows
        .iter()
        .filter(|r| r["selected_on"].is_string())
        .collect();
    let fen: i64 = selected
        .iter()
        .map(|r| r["amount_fen"].as_i64().unwrap())
        .sum();
    let rated: Vec<&Value> = rows.iter().filter(|r| r["rated_on"].is_string()).collect();
    let points: i64 = rated
        .iter()
        .map(|r| {
            ["quality", "timeliness", "attitude", "fees"]
                .iter()
                .map(|k| r[*k].as_i64().unwrap())
                .sum::<i64>()
        })
        .sum();
    let year = day(today)[..4].to_string();
    let (_, f) = app
        .get(&format!("/api/v1/figures?period={year}"), Some(&sup))
        .await;
    assert_eq!(
        figure(&f, "intermediary_orders")["value"],
        selected.len() as f64
    );
    assert_eq!(
        figure(&f, "intermediary_amount_wan")["value"],
        fen as f64 / 1e6
    );
    assert_eq!(
        figure(&f, "intermediary_satisfaction")["value"],
        5.0 * points as f64 / rated.len() as f64
    );
    assert_eq!((selected.len(), rated.len(), points), (2, 1, 18));
    let md = app.report_md(&year);
    assert!(md.contains("项目业主在中介超市选取中介服务2次"), "{md}");
    assert!(md.contains("评价平均得分90.0分"), "{md}");
    let agencies = app.export("agencies", &[]);
    assert_eq!(agencies.len(), 4);
    assert!(
        !serde_json::to_string(&agencies).unwrap().contains("139"),
        "no contact for outside use"
    );
    app.assert_consistent();
}
both!(owners_select_agencies_and_rate_their_work);

/// The public pages and the office's registry pages render, without JavaScript.
async fn the_market_pages_show_themselves(db: Db) {
    let app = TestApp::spawn(db).await;
    let sup = app.token("supervisor").await;
    let a = register(
        &app,
        &sup,
        "MA7A0009",
        "昆山测绘有限公司",
        "13911110009",
        json!({}),
    )
    .await;
    let mut public = Browser::new(&app);
    for path in [
        "/intermediaries",
        "/intermediaries/services",
        "/intermediaries/requests",
        &format!("/intermediaries/agencies/{a}"),
    ] {
        let (s, _, page) = public.get(path).await;
        assert_eq!(s, StatusCode::OK, "{path}");
        assert!(
            page.contains("lang=\"zh-CN\"") && page.contains("昆山测绘有限公司")
                || path.ends_with("services")
                || path.ends_with("requests"),
            "{path}: {page}"
        );
    }
    let (s, _, _) = public
        .get("/intermediaries/agencies/91320583MA7NOPE00X")
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, loc, _) = public.get("/business/intermediary").await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    assert!(loc.unwrap().starts_with("/business/login"));
    let (s, _, _) = public.get("/admin/intermediaries").await;
    assert!(
        s == StatusCode::SEE_OTHER || s == StatusCode::UNAUTHORIZED,
        "{s}"
    );
    let mut staff = Browser::new(&app);
    staff.staff_login("supervisor").await;
    let (s, _, page) = staff.get("/admin/intermediaries").await;
    assert_eq!(s, StatusCode::OK);
    assert!(page.contains("登记中介机构"), "{page}");
    let csrf = hidden(&page, "csrf");
    let (s, _, page) = staff
        .post(
            "/admin/intermediaries",
            &[("csrf", &csrf), ("credit_code", "x"), ("name", "")],
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        page.contains("统一社会信用代码") && page.contains("机构名称不能为空"),
        "{page}"
    );
    let (s, loc, _) = staff
        .post(
            &format!("/admin/intermediaries/{a}/penalties"),
            &[
                ("csrf", &csrf),
                ("reason", "超范围执业"),
                ("authority", "昆山市自然资源和规划局"),
                ("decided_on", &day(today())),
                ("valid_until", "2099-01-01"),
                ("points", "10"),
            ],
        )
        .await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    let (_, _, page) = staff.get(&loc.unwrap()).await;
    assert!(
        page.contains("超范围执业") && page.contains("70分"),
        "{page}"
    );
    // The office publishes a request for an owner, reads it and withdraws it.
    let (s, _, page) = staff.get("/admin/intermediaries/requests").await;
    assert_eq!(s, StatusCode::OK);
    let csrf = hidden(&page, "csrf");
    let (s, _, page) = staff
        .post(
            "/admin/intermediaries/requests",
            &[
                ("csrf", &csrf),
                ("owner_code", &owner()),
                ("owner_name", ""),
                ("service", "chfw"),
            ],
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    for m in [
        "项目业主名称不能为空",
        "需求名称不能为空",
        "最高限价不能为空",
        "请选择选取方式",
    ] {
        assert!(page.contains(m), "{m}: {page}");
    }
    let (s, loc, page) = staff
        .post(
            "/admin/intermediaries/requests",
            &[
                ("csrf", &csrf),
                ("owner_code", &owner()),
                ("owner_name", "昆山华精密有限公司"),
                ("service", "chfw"),
                ("title", "厂区地形测绘"),
                ("content", "1:500地形图测绘"),
                ("budget", "20000"),
                ("rule", "random"),
                ("deadline", &day(today())),
            ],
        )
        .await;
    assert_eq!(s, StatusCode::SEE_OTHER, "{page}");
    let path = loc.unwrap();
    let (_, _, page) = staff.get(&path).await;
    assert!(
        page.contains("厂区地形测绘") && page.contains("抽取种子的SM3摘要"),
        "{page}"
    );
    let (s, loc, _) = staff
        .post(&format!("{path}/cancel"), &[("csrf", &csrf)])
        .await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    let (_, _, page) = staff.get(&loc.unwrap()).await;
    assert!(page.contains("已撤销"), "{page}");
    let mut clerk = Browser::new(&app);
    clerk.staff_login("clerk.sj").await;
    let (s, _, _) = clerk.get("/admin/intermediaries").await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, _, _) = clerk.get("/admin/intermediaries/requests").await;
    assert_eq!(s, StatusCode::FORBIDDEN);
}
both!(the_market_pages_show_themselves);

/// A person signed in as an applicant who also signs in for an enterprise keeps both.
async fn an_applicant_may_also_sign_in_for_an_enterprise(db: Db) {
    let app = TestApp::spawn(db).await;
    let mut b = Browser::new(&app);
    crate::apply::sign_in(&app, &mut b).await;
    business_sign_in(
        &app,
        &mut b,
        &code("MA1M9999"),
        "昆山双重有限公司",
        "13955550000",
    )
    .await
    .unwrap();
    let (s, _, page) = b.get("/business/intermediary").await;
    assert_eq!(s, StatusCode::OK, "{page}");
    assert!(
        page.contains("发布服务需求") && page.contains("我的办件"),
        "{page}"
    );
    let (s, _, _) = b.get("/account/cases").await;
    assert_eq!(s, StatusCode::OK);
}
both!(an_applicant_may_also_sign_in_for_an_enterprise);
