//! The quarterly satisfaction survey (issue 17): a questionnaire opened for a quarter,
//! a distributor's batch of one-time links and a link issued directly, answered once
//! each on the public form; a link used twice or after its quarter closed gets a
//! Chinese message and changes nothing; results per department against the
//! previous quarter, the response rate, the hot issues; each department sees only
//! its own and answers them; the figures recomputed from the exports.

use crate::common::*;
use reqwest::StatusCode;
use serde_json::json;
use tongban_domain::supervision::Quarter;

fn field(v: &serde_json::Value) -> &str {
    v["error"]["field"].as_str().unwrap_or_default()
}

/// Answers a link's form: every question of SJ and JT scored `score`, with texts.
async fn answer(
    b: &mut Browser,
    link: &str,
    questions: usize,
    score: &str,
    sj: &str,
    jt: &str,
) -> (StatusCode, String) {
    let (s, _, page) = b.get(link).await;
    if s != StatusCode::OK {
        return (s, page);
    }
    let csrf = hidden(&page, "csrf");
    let mut form: Vec<(String, String)> = vec![("csrf".into(), csrf)];
    for d in ["SJ", "JT"] {
        for q in 0..questions {
            form.push((format!("s_{d}_{q}"), score.into()));
        }
    }
    form.push(("c_SJ".into(), sj.into()));
    form.push(("c_JT".into(), jt.into()));
    let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let (s, _, page) = b.post(link, &pairs).await;
    (s, page)
}

async fn departments_are_rated_each_quarter(db: Db) {
    let app = TestApp::spawn(db).await;
    let sup = app.token("supervisor").await;
    let quarter = Quarter::of(today()).to_string();
    let previous = Quarter::of(today()).previous().to_string();

    // The questionnaire: every fault at once; a clerk may not open one.
    let (s, v) = app
        .post(
            "/api/v1/surveys",
            Some(&sup),
            json!({ "quarter": "2026-Q9" }),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    let fields: Vec<String> = error_fields(&v);
    assert_eq!(
        fields,
        ["quarter", "title", "questions", "departments"],
        "{v}"
    );
    let body = |q: &str| json!({ "quarter": q, "title": "政府满意度测评", "questions": "服务态度\n办事效率", "departments": ["SJ", "JT"] });
    let clerk = app.token("clerk.sj").await;
    let (s, _) = app
        .post("/api/v1/surveys", Some(&clerk), body(&quarter))
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let mut unknown = body(&quarter);
    unknown["departments"] = json!(["NOPE"]);
    let (s, v) = app.post("/api/v1/surveys", Some(&sup), unknown).await;
    assert_eq!(
        (s.is_client_error(), field(&v)),
        (true, "departments"),
        "{v}"
    );
    for q in [&previous, &quarter] {
        let (s, v) = app.post("/api/v1/surveys", Some(&sup), body(q)).await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
    }
    let (s, v) = app
        .post("/api/v1/surveys", Some(&sup), body(&quarter))
        .await;
    assert_eq!((s, field(&v)), (StatusCode::CONFLICT, "quarter"), "{v}");

    // A distributor and its batch; a link issued directly.
    let (s, v) = app
        .post(
            "/api/v1/survey-distributors",
            Some(&sup),
            json!({ "name": "巴城镇招商服务中心", "kind": "fax" }),
        )
        .await;
    assert_eq!((s.is_client_error(), field(&v)), (true, "kind"), "{v}");
    let (s, v) = app
        .post(
            "/api/v1/survey-distributors",
            Some(&sup),
            json!({ "name": "巴城镇招商服务中心", "kind": "town" }),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let status_link = v["status_link"].as_str().unwrap().to_string();
    let links = format!("/api/v1/surveys/{quarter}/links");
    for (body, f) in [
        (
            json!({ "distributor": "巴城镇招商服务中心", "count": 0 }),
            "count",
        ),
        (
            json!({ "distributor": "未登记的商会", "count": 3 }),
            "distributor",
        ),
    ] {
        let (s, v) = app.post(&links, Some(&sup), body).await;
        assert_eq!((s.is_client_error(), field(&v)), (true, f), "{v}");
    }
    let (s, v) = app
        .post(
            &links,
            Some(&sup),
            json!({ "distributor": "巴城镇招商服务中心", "count": 3 }),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let batch: Vec<String> = v["links"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l.as_str().unwrap().to_string())
        .collect();
    assert_eq!(batch.len(), 3);
    let (_, v) = app
        .post(
            &links,
            Some(&sup),
            json!({ "enterprise_name": "昆山精密模具有限公司" }),
        )
        .await;
    let direct = v["links"][0].as_str().unwrap().to_string();
    let (_, v) = app
        .post(
            &format!("/api/v1/surveys/{previous}/links"),
            Some(&sup),
            json!({ "enterprise_name": "昆山精密模具有限公司" }),
        )
        .await;
    let earlier = v["links"][0].as_str().unwrap().to_string();

    // The enterprise's form: every question scored, or nothing is kept.
    let mut ent = Browser::new(&app);
    let (s, page) = answer(&mut ent, &batch[0], 1, "5", "", "").await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("还有2项未评分"), "{page}");
    assert_eq!(app.count("survey_scores").await, 0);
    let (s, page) = answer(&mut ent, &earlier, 2, "3", "", "").await;
    assert_eq!(s, StatusCode::OK, "{page}");
    let (s, page) = answer(
        &mut ent,
        &batch[0],
        2,
        "5",
        "审批材料太多，希望精简审批材料",
        "窗口服务很好",
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{page}");
    assert!(page.contains("感谢您参加政府满意度测评"), "{page}");
    let (s, _) = answer(&mut ent, &direct, 2, "4", "", "审批材料需要重复提交").await;
    assert_eq!(s, StatusCode::OK);
    // Used twice: a Chinese message, nothing changed.
    let scores = app.count("survey_scores").await;
    let (s, page) = answer(&mut ent, &batch[0], 2, "1", "", "").await;
    assert_eq!(s, StatusCode::CONFLICT);
    assert!(page.contains("该测评链接已经填写过"), "{page}");
    assert_eq!(app.count("survey_scores").await, scores);
    let (s, _, page) = ent.get("/survey/not-a-link").await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    assert!(page.contains("测评链接无效"), "{page}");

    // The distributor follows its batch.
    let (s, _, page) = ent.get(&status_link).await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        page.contains("巴城镇招商服务中心") && page.contains("33.3%"),
        "{page}"
    );

    // Results: the center sees all; a department only its own, and answers.
    let (_, r) = app
        .get(&format!("/api/v1/surveys/{quarter}"), Some(&sup))
        .await;
    assert_eq!(r["response_rate"], 0.5, "{r}");
    let sj = &r["departments"][0];
    assert_eq!(sj["code"], "SJ");
    assert_eq!(
        (sj["points"].as_f64(), sj["previous"].as_f64()),
        (Some(90.0), Some(60.0))
    );
    assert_eq!(sj["change"].as_f64(), Some(30.0));
    let issue = r["hot_issues"]
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h["word"].as_str().unwrap().contains("材料"))
        .unwrap_or_else(|| panic!("{r}"));
    assert_eq!(issue["count"], 2);
    assert_eq!(issue["departments"].as_array().unwrap().len(), 2, "{issue}");
    assert_eq!(r["distribution"].as_array().unwrap().len(), 2, "{r}");
    let approver = app.token("approver.sj").await;
    let (_, mine) = app
        .get(&format!("/api/v1/surveys/{quarter}"), Some(&approver))
        .await;
    let depts = mine["departments"].as_array().unwrap();
    assert_eq!(depts.len(), 1);
    assert_eq!(depts[0]["code"], "SJ");
    assert!(mine["distribution"].as_array().unwrap().is_empty());
    assert!(
        !mine.to_string().contains("重复提交"),
        "JT's text is JT's: {mine}"
    );
    let reply = format!("/api/v1/surveys/{quarter}/reply");
    let (s, _) = app
        .post(
            &reply,
            Some(&clerk),
            json!({ "reply": "窗口人员不代部门答复" }),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, v) = app
        .post(&reply, Some(&approver), json!({ "reply": " " }))
        .await;
    assert_eq!((s, field(&v)), (StatusCode::UNPROCESSABLE_ENTITY, "reply"));
    let (s, _) = app
        .post(
            &reply,
            Some(&approver),
            json!({ "reply": "已推行告知承诺制，精简材料三项。" }),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let mut staff = Browser::new(&app);
    staff.staff_login("approver.sj").await;
    let (s, _, page) = staff.get(&format!("/enterprise/surveys/{quarter}")).await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        page.contains("精简材料三项") && !page.contains("窗口服务很好"),
        "{page}"
    );

    // The center's pages: the quarters, the distributors, a form naming its faults.
    let mut center = Browser::new(&app);
    center.staff_login("supervisor").await;
    let (s, _, page) = center.get("/enterprise/surveys").await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        page.contains("巴城镇招商服务中心") && page.contains(&quarter),
        "{page}"
    );
    let csrf = hidden(&page, "csrf");
    let (s, _, page) = center
        .post(
            "/enterprise/surveys",
            &[
                ("csrf", &csrf),
                ("quarter", "x"),
                ("title", "测评"),
                ("questions", "服务态度"),
            ],
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        page.contains("季度“x”无效") && page.contains("请选择参加测评的部门"),
        "{page}"
    );
    let (s, _, page) = center.get(&format!("/enterprise/surveys/{quarter}")).await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        page.contains("回收率50.0%") && page.contains("窗口服务很好"),
        "{page}"
    );

    // Closed: the last links answer no more.
    let (s, _) = app
        .post(
            &format!("/api/v1/surveys/{quarter}/close"),
            Some(&sup),
            json!({}),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let (s, page) = answer(&mut ent, &batch[1], 2, "5", "", "").await;
    assert_eq!(s, StatusCode::CONFLICT);
    assert!(page.contains("已经结束"), "{page}");
    assert_eq!(app.count("survey_scores").await, scores);

    // The figures and the report's sentence, recomputed from the exports.
    let year = &day(today())[..4];
    let (_, f) = app
        .get(&format!("/api/v1/figures?period={year}"), Some(&sup))
        .await;
    let scores = app.export("survey_scores", &[]);
    let sum: i64 = scores.iter().map(|s| s["score"].as_i64().unwrap()).sum();
    let mean = 20.0 * sum as f64 / scores.len() as f64;
    let got = figure(&f, "survey_satisfaction")["value"].as_f64().unwrap();
    assert!((got - mean).abs() < 1e-9, "{got} {mean}");
    let links = app.export("survey_links", &[]);
    assert!(links.iter().all(|l| l.get("token").is_none()));
    let answered = links
        .iter()
        .filter(|l| l["answered_on"].is_string())
        .count();
    assert_eq!(
        figure(&f, "survey_response_rate")["value"],
        answered as f64 / links.len() as f64
    );
    let md = app.report_md(year);
    assert!(
        md.contains("回收率60.00%") && md.contains(&format!("平均得分{mean:.2}分")),
        "{md}"
    );
    app.assert_consistent();
}
both!(departments_are_rated_each_quarter);
