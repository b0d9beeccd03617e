//! The 12345 knowledge base on both backends: articles written through the API are
//! found by Chinese words with highlighted snippets, changes and withdrawals reach
//! the index, expired answers stay hidden from the public, searches without a hit
//! join the queue of unanswered questions, a second node sharing the database finds
//! what the first wrote, a folder index survives a restart, and `kb reindex` rebuilds.

use crate::common::{Browser, Db, KEY_HEX, TestApp, assert_invalid, hidden};
use reqwest::StatusCode;
use serde_json::{Value, json};
use tongban_store::kb::{self, Audience, SearchQuery};
use tongban_store::{Keys, Store};

async fn put(app: &TestApp, path: &str, token: &str, body: Value) -> (StatusCode, Value) {
    let r = app
        .client
        .put(format!("{}{path}", app.base))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .expect("put");
    let s = r.status();
    (s, r.json().await.unwrap_or(Value::Null))
}

/// How many hits a search's first page holds.
fn hits(v: &Value) -> usize {
    v["items"].as_array().map_or(0, Vec::len)
}

fn article(q: &str, a: &str) -> Value {
    json!({ "question": q, "answer": a, "department": "SJ", "tags": "营业执照，开店", "faq": true })
}

async fn search(app: &TestApp, q: &str, token: Option<&str>) -> Value {
    let (s, v) = app
        .get(
            &format!("/api/v1/kb/search?q={}", tongban_web::pages::urlencode(q)),
            token,
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    v
}

async fn articles_lifecycle(db: Db) {
    let app = TestApp::spawn(db).await;
    let agent = app.token("hotline").await;
    let (s, a) = app
        .post(
            "/api/v1/kb/articles",
            Some(&agent),
            article(
                "个体工商户营业执照怎么办理？",
                "持经营者身份证和经营场所证明到市场监管窗口申请，材料齐全的当场办结。<script>",
            ),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{a}");
    let id = a["id"].as_i64().unwrap();
    assert_eq!(a["tags"], json!(["营业执照", "开店"]));

    // Found by words the question does not contain verbatim, highlighted, escaped.
    let r = search(&app, "办营业执照要带什么", None).await;
    assert_eq!(hits(&r), 1, "{r}");
    assert_eq!(r["more"], false);
    let hit = &r["items"][0];
    assert_eq!(hit["id"], id);
    assert!(
        hit["question_html"]
            .as_str()
            .unwrap()
            .contains("<mark>营业执照</mark>"),
        "{hit}"
    );
    assert!(
        !hit["snippet_html"].as_str().unwrap().contains("<script>"),
        "{hit}"
    );
    assert_eq!(hits(&search(&app, "公积金提取", None).await), 0);

    // A change reaches the index at once; the old wording is gone.
    let (s, v) = put(
        &app,
        &format!("/api/v1/kb/articles/{id}"),
        &agent,
        json!({ "question": "居住证怎么办理？", "answer": "到派出所申请。" }),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(hits(&search(&app, "营业执照", None).await), 0);
    assert_eq!(hits(&search(&app, "居住证", None).await), 1);
    let (s, faq) = app.get("/api/v1/kb/faq", None).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(faq["total"], 0, "the rewrite left the FAQ series: {faq}");

    // Withdrawn: not found, not public, still readable by staff.
    let (s, _) = app
        .post(
            &format!("/api/v1/kb/articles/{id}/withdraw"),
            Some(&agent),
            json!({}),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(hits(&search(&app, "居住证", None).await), 0);
    let (s, _) = app.get(&format!("/api/v1/kb/articles/{id}"), None).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, v) = app
        .get(&format!("/api/v1/kb/articles/{id}"), Some(&agent))
        .await;
    assert_eq!(
        (s, v["status"].as_str()),
        (StatusCode::OK, Some("withdrawn"))
    );
    let (s, v) = app
        .post(
            &format!("/api/v1/kb/articles/{id}/withdraw"),
            Some(&agent),
            json!({}),
        )
        .await;
    assert_eq!(s, StatusCode::CONFLICT, "{v}");
    let (_, doc) = app.get("/api/openapi.json", None).await;
    for path in [
        "/api/v1/kb/search",
        "/api/v1/kb/articles/{id}",
        "/api/v1/hotline/topics",
    ] {
        assert!(doc["paths"][path].is_object(), "OpenAPI documents {path}");
    }
    let audited = app.count("audit_log").await;
    assert!(audited >= 3);
}
both!(articles_lifecycle);

async fn expired_answers_are_hidden_from_the_public(db: Db) {
    let app = TestApp::spawn(db).await;
    let agent = app.token("hotline").await;
    let mut body = article("疫苗在哪里接种？", "到社区卫生服务中心接种。");
    body["valid_until"] = json!("2020-12-31");
    let (s, a) = app.post("/api/v1/kb/articles", Some(&agent), body).await;
    assert_eq!(s, StatusCode::CREATED, "{a}");
    assert_eq!(a["expired"], true);
    assert_eq!(hits(&search(&app, "疫苗接种", None).await), 0);
    let staff = search(&app, "疫苗接种", Some(&agent)).await;
    assert_eq!(hits(&staff), 1, "{staff}");
    assert_eq!(staff["items"][0]["expired"], true);
    let (s, _) = app
        .get(&format!("/api/v1/kb/articles/{}", a["id"]), None)
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
}
both!(expired_answers_are_hidden_from_the_public);

/// Pages follow the ranking; expired answers and other departments' are left out
/// without leaving holes in a page.
async fn pages_and_filters(db: Db) {
    let app = TestApp::spawn(db).await;
    let agent = app.token("hotline").await;
    for i in 0..13 {
        let mut body = article(&format!("社保卡第{i}个问题？"), "到社保窗口办理。");
        if i % 4 == 0 {
            body["valid_until"] = json!("2020-01-01");
        }
        if i == 5 {
            body["department"] = json!("JT");
        }
        let (s, v) = app.post("/api/v1/kb/articles", Some(&agent), body).await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
    }
    // 13 articles, 4 expired: the public sees 9, a page of 5 then 4.
    let (_, p1) = app
        .get(
            "/api/v1/kb/search?q=%E7%A4%BE%E4%BF%9D%E5%8D%A1&per_page=5",
            None,
        )
        .await;
    assert_eq!((hits(&p1), p1["more"].as_bool()), (5, Some(true)), "{p1}");
    let (_, p2) = app
        .get(
            "/api/v1/kb/search?q=%E7%A4%BE%E4%BF%9D%E5%8D%A1&per_page=5&page=2",
            None,
        )
        .await;
    assert_eq!((hits(&p2), p2["more"].as_bool()), (4, Some(false)), "{p2}");
    let ids = |v: &Value| -> Vec<i64> {
        v["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|h| h["id"].as_i64().unwrap())
            .collect()
    };
    let (a, b) = (ids(&p1), ids(&p2));
    assert!(
        a.iter().all(|x| !b.contains(x)),
        "no hit twice: {a:?} {b:?}"
    );
    assert!(
        p1["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|h| h["expired"] == false)
    );
    let staff = search(&app, "社保卡", Some(&agent)).await;
    assert_eq!((hits(&staff), staff["more"].as_bool()), (10, Some(true)));
    let (_, jt) = app
        .get(
            "/api/v1/kb/search?q=%E7%A4%BE%E4%BF%9D%E5%8D%A1&department=JT",
            None,
        )
        .await;
    assert_eq!(hits(&jt), 1, "{jt}");
    assert_eq!(jt["items"][0]["department"]["code"], "JT");
}
both!(pages_and_filters);

async fn bad_input_is_refused(db: Db) {
    let app = TestApp::spawn(db).await;
    let agent = app.token("hotline").await;
    let clerk = app.token("clerk.sj").await;
    let before = app.count("kb_articles").await;
    for (body, field) in [
        (json!({ "answer": "答" }), "question"),
        (json!({ "question": "问？" }), "answer"),
        (
            json!({ "question": "问？", "answer": "答", "department": "NOPE" }),
            "department",
        ),
        (
            json!({ "question": "问？", "answer": "答", "valid_until": "明年" }),
            "valid_until",
        ),
        (
            json!({ "question": "问？", "answer": "答", "tags": "a,b,c,d,e,f,g,h,i,j,k" }),
            "tags",
        ),
        (
            json!({ "question": "问".repeat(201), "answer": "答" }),
            "question",
        ),
    ] {
        let (s, v) = app.post("/api/v1/kb/articles", Some(&agent), body).await;
        assert_invalid(s, &v, field);
    }
    let (s, _) = app
        .post("/api/v1/kb/articles", Some(&clerk), article("问？", "答"))
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, _) = app
        .post("/api/v1/kb/articles", None, article("问？", "答"))
        .await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    assert_eq!(
        app.count("kb_articles").await,
        before,
        "nothing half-written"
    );
    let (s, v) = app.get("/api/v1/kb/articles/abc", None).await;
    assert_invalid(s, &v, "id");
    let (s, v) = app
        .get(&format!("/api/v1/kb/search?q={}", "长".repeat(201)), None)
        .await;
    assert_invalid(s, &v, "q");
    let (s, v) = app.get("/api/v1/kb/search?q=x&page=0", None).await;
    assert_invalid(s, &v, "page");
    // A member unit writes for its own unit only.
    let unit = app.token("unit.jt").await;
    let (s, v) = app
        .post("/api/v1/kb/articles", Some(&unit), article("问？", "答"))
        .await;
    assert_invalid(s, &v, "department");
    let mut own = article("道路坑洼找谁？", "交通运输局负责。");
    own["department"] = json!("JT");
    let (s, v) = app.post("/api/v1/kb/articles", Some(&unit), own).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
}
both!(bad_input_is_refused);

async fn unanswered_questions_queue(db: Db) {
    let app = TestApp::spawn(db).await;
    let agent = app.token("hotline").await;
    assert_eq!(hits(&search(&app, "电动自行车上牌在哪里办", None).await), 0);
    search(&app, "电动自行车 上牌在哪里办？", None).await;
    // Staff searches and later pages are not questions from the public.
    search(&app, "宠物办证", Some(&agent)).await;
    let (s, q) = app.get("/api/v1/kb/questions", Some(&agent)).await;
    assert_eq!(s, StatusCode::OK, "{q}");
    assert_eq!(q["total"], 1, "{q}");
    assert_eq!(q["questions"][0]["asked"], 2);
    let qid = q["questions"][0]["id"].as_i64().unwrap();
    let (s, _) = app.get("/api/v1/kb/questions", None).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);

    // Answering publishes an article under the question's words.
    let (s, a) = app
        .post(
            &format!("/api/v1/kb/questions/{qid}/answer"),
            Some(&agent),
            json!({ "answer": "持购车发票和合格证到公安交警上牌点办理。", "department": "JT" }),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{a}");
    assert_eq!(a["question"], "电动自行车上牌在哪里办");
    assert_eq!(hits(&search(&app, "电动自行车上牌", None).await), 1);
    let (s, v) = app
        .post(
            &format!("/api/v1/kb/questions/{qid}/answer"),
            Some(&agent),
            json!({ "answer": "再答" }),
        )
        .await;
    assert_eq!(s, StatusCode::CONFLICT, "{v}");

    // An agent's report, then dismissed.
    let (s, _) = app
        .post(
            "/api/v1/kb/questions",
            Some(&agent),
            json!({ "question": "老年人乘车卡怎么办" }),
        )
        .await;
    assert_eq!(s, StatusCode::ACCEPTED);
    let (_, q) = app.get("/api/v1/kb/questions", Some(&agent)).await;
    let qid = q["questions"][0]["id"].as_i64().unwrap();
    assert_eq!(q["questions"][0]["source"], "agent");
    let (s, _) = app
        .post(
            &format!("/api/v1/kb/questions/{qid}/dismiss"),
            Some(&agent),
            json!({}),
        )
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let (_, q) = app
        .get("/api/v1/kb/questions?status=dismissed", Some(&agent))
        .await;
    assert_eq!(q["total"], 1);
    let (s, v) = app
        .get("/api/v1/kb/questions?status=weird", Some(&agent))
        .await;
    assert_invalid(s, &v, "status");
}
both!(unanswered_questions_queue);

/// Two nodes on one database: each has its own index, and each finds what the
/// other wrote; a folder index keeps its place across a restart.
async fn every_node_is_current(db: Db) {
    let app = TestApp::spawn(db).await;
    let agent = app.token("hotline").await;
    let other = Store::open(&app.db_url, Keys::from_hex(KEY_HEX).unwrap())
        .await
        .unwrap()
        .with_kb_dir(&app.dir.path().join("node2-index"))
        .unwrap();
    let q = |text: &str| SearchQuery {
        q: Some(text.into()),
        ..Default::default()
    };
    assert_eq!(
        kb::search(&other, &q("公积金"), Audience::Staff)
            .await
            .unwrap()
            .items
            .len(),
        0
    );
    let (s, a) = app
        .post(
            "/api/v1/kb/articles",
            Some(&agent),
            article("公积金怎么提取？", "租房提取可在网上办理。"),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED);
    let found = kb::search(&other, &q("公积金提取"), Audience::Staff)
        .await
        .unwrap();
    assert_eq!(found.items.len(), 1);
    assert!(found.items[0].question_html.contains("<mark>"));
    // The other node withdraws it; the first no longer finds it.
    let (s, _) = app
        .post(
            &format!("/api/v1/kb/articles/{}/withdraw", a["id"]),
            Some(&agent),
            json!({}),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(
        kb::search(&other, &q("公积金"), Audience::Staff)
            .await
            .unwrap()
            .items
            .len(),
        0
    );
    let (s, _) = app
        .post(
            "/api/v1/kb/articles",
            Some(&agent),
            article("居住证怎么办？", "到派出所。"),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED);
    assert_eq!(
        kb::search(&other, &q("居住证"), Audience::Staff)
            .await
            .unwrap()
            .items
            .len(),
        1
    );
    other.close().await;
    drop(other);

    // Reopened: the folder index already holds the article.
    let again = Store::open(&app.db_url, Keys::from_hex(KEY_HEX).unwrap())
        .await
        .unwrap()
        .with_kb_dir(&app.dir.path().join("node2-index"))
        .unwrap();
    assert_eq!(again.kb_index().len(), 1);
    assert_eq!(
        kb::search(&again, &q("居住证"), Audience::Staff)
            .await
            .unwrap()
            .items
            .len(),
        1
    );
    again.close().await;

    // The command rebuilds a folder index from the database.
    let out = app.cli(&[
        "kb",
        "reindex",
        "--db",
        &app.db_url,
        "--index",
        app.dir.path().join("node3-index").to_str().unwrap(),
    ]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{text} {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        text.contains("2 条记录") && text.contains("1 条在用"),
        "{text}"
    );
}
both!(every_node_is_current);

async fn pages(db: Db) {
    let app = TestApp::spawn(db).await;
    let agent = app.token("hotline").await;
    let (s, _) = app
        .post(
            "/api/v1/kb/articles",
            Some(&agent),
            article(
                "饭店油烟扰民怎么投诉？",
                "拨打12345反映，生态环境部门核查处理。",
            ),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED);
    let mut b = Browser::new(&app);
    let (s, _, page) = b.get("/kb?q=%E6%B2%B9%E7%83%9F").await;
    assert_eq!(s, StatusCode::OK);
    assert!(page.contains("lang=\"zh-CN\""));
    assert!(page.contains("<mark>油烟</mark>"), "{page}");
    let (s, _, page) = b.get("/kb/faq").await;
    assert_eq!(s, StatusCode::OK);
    assert!(page.contains("饭店油烟扰民怎么投诉"));
    let (s, _, _) = b.get("/kb/suggest?q=油烟").await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    let (s, _, _) = b.get("/hotline/kb").await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);

    b.staff_login("hotline").await;
    // The agent screen carries the lookup: a form that works without script, and
    // the script that suggests answers as the call is typed in.
    let (s, _, screen) = b.get("/hotline").await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        screen.contains("id=\"kb-suggest-results\"") && screen.contains("action=\"/kb\""),
        "{screen}"
    );
    assert!(screen.contains("/assets/kb-suggest.js"));
    let (s, _, js) = b.get("/assets/kb-suggest.js").await;
    assert_eq!(s, StatusCode::OK);
    assert!(js.contains("/kb/suggest?q="));
    let (s, _, frag) = b
        .get("/kb/suggest?q=%E6%B2%B9%E7%83%9F%E6%89%B0%E6%B0%91")
        .await;
    assert_eq!(s, StatusCode::OK);
    assert!(frag.contains("<mark>") && !frag.contains("<html"), "{frag}");
    let (s, _, form) = b.get("/hotline/kb/new").await;
    assert_eq!(s, StatusCode::OK);
    let csrf = hidden(&form, "csrf");
    let before = app.count("kb_articles").await;
    let (s, _, page) = b
        .post(
            "/hotline/kb/new",
            &[("csrf", &csrf), ("question", ""), ("answer", "答")],
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        page.contains("error-summary") && page.contains("问题不能为空"),
        "{page}"
    );
    assert_eq!(app.count("kb_articles").await, before);
    let (s, loc, _) = b
        .post(
            "/hotline/kb/new",
            &[
                ("csrf", &csrf),
                ("question", "施工噪音扰民怎么办？"),
                ("answer", "夜间施工须取得证明。"),
                ("department", "SJ"),
                ("faq", "on"),
            ],
        )
        .await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    let (s, _, page) = b.get(loc.as_deref().unwrap()).await;
    assert_eq!(s, StatusCode::OK);
    assert!(page.contains("施工噪音扰民怎么办"));
    let (s, _, _) = b
        .post(
            "/hotline/kb/new",
            &[("csrf", "wrong"), ("question", "q"), ("answer", "a")],
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);

    // The public's miss shows up in the queue page, answered from there.
    let mut public = Browser::new(&app);
    public
        .get("/kb?q=%E5%AE%A0%E7%89%A9%E7%8B%97%E5%8A%9E%E8%AF%81")
        .await;
    let (s, _, page) = b.get("/hotline/kb/questions").await;
    assert_eq!(s, StatusCode::OK);
    assert!(page.contains("宠物狗办证"), "{page}");
    let (_, q) = app.get("/api/v1/kb/questions", Some(&agent)).await;
    let qid = q["questions"][0]["id"].as_i64().unwrap();
    let (s, _, page) = b
        .post(
            &format!("/hotline/kb/questions/{qid}/answer"),
            &[("csrf", &csrf), ("question", "宠物狗办证"), ("answer", "")],
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("答案不能为空"));
    let (s, _, _) = b
        .post(
            &format!("/hotline/kb/questions/{qid}/answer"),
            &[
                ("csrf", &csrf),
                ("question", "宠物狗办证"),
                ("answer", "到派出所养犬登记窗口办理。"),
            ],
        )
        .await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    let (_, _, page) = public.get("/kb?q=%E5%AE%A0%E7%89%A9%E7%8B%97").await;
    assert!(page.contains("<mark>"), "{page}");
}
both!(pages);

/// The public's new unanswered questions are capped per hour for all visitors
/// together; questions already in the queue are still counted when asked again.
async fn public_questions_are_capped(db: Db) {
    let app = TestApp::spawn(db).await;
    search(&app, "电动自行车上牌在哪里办", None).await;
    assert_eq!(app.count("kb_questions").await, 1);
    let now = tongban_store::time::stamp(tongban_store::time::now());
    let cap = tongban_store::kb::PUBLIC_QUESTIONS_PER_HOUR;
    for i in 1..cap {
        app.exec(&format!(
            "INSERT INTO kb_questions (question, norm, source, asked, first_asked_at, last_asked_at, status) \
             VALUES ('问题{i}', 'q{i}', 'public', 1, '{now}', '{now}', 'open')"
        ))
        .await;
    }
    assert_eq!(app.count("kb_questions").await, cap);
    // The cap is reached: a new question is answered (nothing found) but not queued.
    assert_eq!(hits(&search(&app, "宠物狗办证去哪里", None).await), 0);
    assert_eq!(app.count("kb_questions").await, cap);
    // A question already queued is still counted.
    search(&app, "电动自行车上牌在哪里办", None).await;
    let agent = app.token("hotline").await;
    let (s, q) = app.get("/api/v1/kb/questions", Some(&agent)).await;
    assert_eq!(s, StatusCode::OK, "{q}");
    let first = q["questions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["question"] == "电动自行车上牌在哪里办")
        .cloned()
        .unwrap_or_default();
    assert_eq!(first["asked"], 2, "{q}");
    // An agent's report is not capped.
    let (s, v) = app
        .post(
            "/api/v1/kb/questions",
            Some(&agent),
            serde_json::json!({ "question": "居住证续签要几天" }),
        )
        .await;
    assert!(s.is_success(), "{v}");
    assert_eq!(app.count("kb_questions").await, cap + 1);
}
both!(public_questions_are_capped);
