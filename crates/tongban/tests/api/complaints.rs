//! Enterprise complaints (issue 17): an enterprise signs in with its credit code and
//! a contact's one-time code, complains on the web, sees only its own complaints and
//! rates the answer once; the center assigns a department with working days, the
//! department answers, an overdue one escalates, one about a project becomes a
//! coordination problem; an agent takes a call; bad input is a Chinese 4xx naming
//! its field and writes nothing; the figures and the report's sentence come back
//! from the export.

use crate::common::*;
use crate::project_stages::{CODE, project};
use reqwest::StatusCode;
use serde_json::json;

/// An enterprise's code in Kunshan, with both its check characters.
fn credit(body: &str) -> String {
    tongban_domain::codes::CreditCode::generate('9', '1', "320583", body)
        .unwrap()
        .as_str()
        .to_string()
}

fn field(v: &serde_json::Value) -> &str {
    v["error"]["field"].as_str().unwrap_or_default()
}

/// Signs a browser in as an enterprise's contact; returns the page of the failed
/// step instead when a step fails.
pub(crate) async fn business_sign_in(
    app: &TestApp,
    b: &mut Browser,
    code: &str,
    name: &str,
    phone: &str,
) -> Result<(), String> {
    let (_, _, page) = b.get("/business/login").await;
    let csrf = hidden(&page, "csrf");
    let mut form = vec![
        ("csrf", csrf.as_str()),
        ("credit_code", code),
        ("enterprise_name", name),
        ("contact_name", "王经理"),
        ("phone", phone),
        ("next", "/business/complaints"),
    ];
    let (s, _, page) = b.post("/business/code", &form).await;
    if s != StatusCode::OK {
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        return Err(page);
    }
    let outbox = tongban_store::applicants::outbox(&app.store, 1)
        .await
        .unwrap();
    let otp: String = outbox[0]
        .body
        .chars()
        .filter(|c| c.is_ascii_digit())
        .take(6)
        .collect();
    form.push(("code", &otp));
    let (s, loc, page) = b.post("/business/login", &form).await;
    assert_eq!(s, StatusCode::SEE_OTHER, "{page}");
    assert_eq!(loc.as_deref(), Some("/business/complaints"));
    Ok(())
}

async fn enterprises_complain_and_rate_the_answer(db: Db) {
    let app = TestApp::spawn(db).await;
    project(&app).await;
    let code = credit("MA1M2345");
    let mut ent = Browser::new(&app);
    // Signing in: every fault named at once, nothing sent.
    let (_, _, page) = ent.get("/business/login").await;
    let csrf = hidden(&page, "csrf");
    let (s, _, page) = ent
        .post(
            "/business/code",
            &[
                ("csrf", &csrf),
                ("credit_code", "91320583MA1M23450X"),
                ("phone", "123"),
            ],
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    for m in [
        "统一社会信用代码",
        "企业名称不能为空",
        "联系人姓名不能为空",
        "手机号码",
    ] {
        assert!(page.contains(m), "{m}: {page}");
    }
    assert_eq!(app.count("sms_outbox").await, 0);
    business_sign_in(&app, &mut ent, &code, "昆山示例科技有限公司", PHONE)
        .await
        .unwrap();

    // A complaint with faults is shown again with them; nothing written.
    let (_, _, page) = ent.get("/business/complaints").await;
    assert!(page.contains("本企业尚无投诉记录"), "{page}");
    let csrf = hidden(&page, "csrf");
    let (s, _, page) = ent
        .post(
            "/business/complaints",
            &[
                ("csrf", &csrf),
                ("subject", " "),
                ("content", "x"),
                ("project", "bad"),
            ],
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        page.contains("投诉事项不能为空") && page.contains("项目代码“bad”"),
        "{page}"
    );
    assert_eq!(app.count("complaints").await, 0);
    let (s, loc, _) = ent
        .post(
            "/business/complaints",
            &[
                ("csrf", &csrf),
                ("subject", "施工许可办理缓慢"),
                ("content", "施工许可申请已提交二十天，仍未答复。"),
                ("project", CODE),
            ],
        )
        .await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    let at = loc.unwrap();
    let no = at.rsplit('/').next().unwrap().to_string();
    assert!(no.starts_with("QT") && no.ends_with("-000001"), "{no}");
    let (s, _, page) = ent.get(&at).await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        page.contains("待分派") && page.contains("138****5678"),
        "{page}"
    );
    assert!(!page.contains("评价答复"), "not yet answered");

    // Another phone cannot sign in for the enterprise; another enterprise sees nothing of it.
    let mut second = Browser::new(&app);
    let refused = business_sign_in(
        &app,
        &mut second,
        &code,
        "昆山示例科技有限公司",
        "13900001111",
    )
    .await
    .unwrap_err();
    assert!(refused.contains("不是本企业已登记的联系人"), "{refused}");
    let other_code = credit("MA1M2346");
    business_sign_in(
        &app,
        &mut second,
        &other_code,
        "昆山另一家有限公司",
        "13900001111",
    )
    .await
    .unwrap();
    let (s, _, _) = second.get(&at).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (_, _, page) = second.get("/business/complaints").await;
    assert!(!page.contains(&no), "{page}");

    // The center assigns it; bad input names its field.
    let sup = app.token("supervisor").await;
    let path = format!("/api/v1/complaints/{no}/assign");
    for (body, f) in [
        (json!({ "department": "NOPE" }), "department"),
        (
            json!({ "department": "SJ", "limit_days": 31 }),
            "limit_days",
        ),
    ] {
        let (s, v) = app.post(&path, Some(&sup), body).await;
        assert!(s.is_client_error(), "{v}");
        assert_eq!(field(&v), f, "{v}");
        assert!(has_chinese(v["error"]["message"].as_str().unwrap()));
    }
    let approver = app.token("approver.sj").await;
    let (s, _) = app
        .post(&path, Some(&approver), json!({ "department": "SJ" }))
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, v) = app
        .post(
            &path,
            Some(&sup),
            json!({ "department": "SJ", "limit_days": 3 }),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["status"], "assigned");
    let due = v["due_on"].as_str().unwrap().to_string();
    assert!(due > day(today()), "{due}");

    // Only the department sees and answers it.
    let other_dept = app.token("approver.jt").await;
    let (_, v) = app.get("/api/v1/complaints", Some(&other_dept)).await;
    assert_eq!(v["complaints"].as_array().unwrap().len(), 0, "{v}");
    let (s, _) = app
        .post(
            &format!("/api/v1/complaints/{no}/answer"),
            Some(&other_dept),
            json!({ "answer": "x" }),
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (_, v) = app.get("/api/v1/complaints", Some(&approver)).await;
    assert_eq!(v["complaints"][0]["no"], no.as_str());
    assert_eq!(v["complaints"][0]["phone_masked"], "138****5678");
    assert!(v["complaints"][0].get("phone").is_none(), "{v}");
    let answer = format!("/api/v1/complaints/{no}/answer");
    let (s, v) = app
        .post(&answer, Some(&approver), json!({ "answer": " " }))
        .await;
    assert_eq!((s, field(&v)), (StatusCode::UNPROCESSABLE_ENTITY, "answer"));
    let (s, v) = app
        .post(
            &answer,
            Some(&approver),
            json!({ "answer": "已于本周核发施工许可证。" }),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(
        (v["status"].as_str(), v["on_time"].as_bool()),
        (Some("answered"), Some(true))
    );
    let (s, _) = app
        .post(&answer, Some(&approver), json!({ "answer": "再次答复" }))
        .await;
    assert_eq!(s, StatusCode::CONFLICT);

    // The enterprise rates the answer once.
    let (_, _, page) = ent.get(&at).await;
    assert!(
        page.contains("已于本周核发施工许可证") && page.contains("评价答复"),
        "{page}"
    );
    let csrf = hidden(&page, "csrf");
    let rating = format!("{at}/rating");
    let (s, _, page) = ent.post(&rating, &[("csrf", &csrf), ("rating", "6")]).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("满意程度“6”无效"), "{page}");
    let (s, _, _) = ent
        .post(
            &rating,
            &[("csrf", &csrf), ("rating", "5"), ("note", "很及时")],
        )
        .await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    let (s, _, page) = ent.post(&rating, &[("csrf", &csrf), ("rating", "1")]).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("该投诉已评价"), "{page}");
    let (_, v) = app
        .get(&format!("/api/v1/complaints/{no}"), Some(&sup))
        .await;
    assert_eq!(
        (v["rating"].as_i64(), v["phone"].as_str()),
        (Some(5), Some(PHONE))
    );

    // Turned into a coordination problem on its project, once.
    let coordinate = format!("/api/v1/complaints/{no}/coordinate");
    let (s, v) = app.post(&coordinate, Some(&sup), json!({})).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let (s, _) = app.post(&coordinate, Some(&sup), json!({})).await;
    assert_eq!(s, StatusCode::CONFLICT);
    let problems: i64 = app
        .scalar("SELECT COUNT(*) FROM project_problems WHERE description LIKE '企业投诉%'")
        .await;
    assert_eq!(problems, 1);
    // The department settles it: a problem coordinated.
    let problem = v["problem"].as_i64().unwrap();
    let (s, v) = app
        .post(
            &format!("/api/v1/problems/{problem}/result"),
            Some(&approver),
            json!({ "result": "施工许可已核发" }),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");

    // A call taken by an agent; the web channel is the enterprise's own.
    let agent = app.token("hotline").await;
    let call = json!({ "channel": "phone", "credit_code": other_code, "enterprise_name": "昆山另一家有限公司",
        "contact_name": "李会计", "phone": "0512-57301234", "subject": "退税进度", "content": "出口退税迟迟未到账。" });
    let mut web = call.clone();
    web["channel"] = json!("web");
    let (s, v) = app.post("/api/v1/complaints", Some(&agent), web).await;
    assert_eq!((s.is_client_error(), field(&v)), (true, "channel"), "{v}");
    let clerk = app.token("clerk.sj").await;
    let (s, _) = app
        .post("/api/v1/complaints", Some(&clerk), call.clone())
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, v) = app.post("/api/v1/complaints", Some(&agent), call).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    assert_eq!(v["channel"], "phone");
    let taken = v["no"].as_str().unwrap().to_string();

    // A caller an agent took is no contact: with a complaint on file and no contact,
    // nobody signs in for the enterprise until the center adds one.
    let third = credit("MA1M2347");
    let call = json!({ "channel": "phone", "credit_code": third, "enterprise_name": "昆山第三家有限公司",
        "contact_name": "赵经理", "phone": "13700001111", "subject": "用电报装", "content": "报装两个月未通电。" });
    let (s, _) = app.post("/api/v1/complaints", Some(&agent), call).await;
    assert_eq!(s, StatusCode::CREATED);
    let mut caller = Browser::new(&app);
    let refused = business_sign_in(
        &app,
        &mut caller,
        &third,
        "昆山第三家有限公司",
        "13700001111",
    )
    .await
    .unwrap_err();
    assert!(refused.contains("尚未登记联系人"), "{refused}");
    let (s, v) = app
        .post(
            "/api/v1/enterprise-contacts",
            Some(&agent),
            json!({ "credit_code": third, "contact_name": "赵经理", "phone": "13700001111" }),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{v}");
    let (s, v) = app
        .post(
            "/api/v1/enterprise-contacts",
            Some(&sup),
            json!({ "credit_code": third, "contact_name": "赵经理", "phone": "13700001111" }),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    business_sign_in(
        &app,
        &mut caller,
        &third,
        "昆山第三家有限公司",
        "13700001111",
    )
    .await
    .unwrap();
    let (_, _, page) = caller.get("/business/complaints").await;
    assert!(
        page.contains("用电报装") && !page.contains("退税进度"),
        "{page}"
    );

    // Unanswered past its day, it escalates once.
    let (s, _) = app
        .post(
            &format!("/api/v1/complaints/{taken}/assign"),
            Some(&sup),
            json!({ "department": "JT" }),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    app.exec(&format!(
        "UPDATE complaints SET due_on = '2020-01-02' WHERE complaint_no = '{taken}'"
    ))
    .await;
    assert_eq!(
        tongban_store::enterprise::escalate_due(&app.store)
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        tongban_store::enterprise::escalate_due(&app.store)
            .await
            .unwrap(),
        0
    );
    let (_, v) = app.get("/api/v1/complaints?show=overdue", Some(&sup)).await;
    let rows = v["complaints"].as_array().unwrap();
    assert_eq!(rows.len(), 1, "{v}");
    assert_eq!(
        (rows[0]["no"].as_str(), rows[0]["escalated"].as_bool()),
        (Some(taken.as_str()), Some(true))
    );
    let mut staff = Browser::new(&app);
    staff.staff_login("supervisor").await;
    let (s, _, page) = staff.get("/enterprise/complaints?show=overdue").await;
    assert_eq!(s, StatusCode::OK);
    assert!(page.contains("已督办") && page.contains(&taken), "{page}");
    let (_, _, page) = staff.get("/supervision").await;
    assert!(
        page.contains("逾期未答复的企业投诉（1 件）") && page.contains(&taken),
        "{page}"
    );

    // The figures and the report's sentence, recomputed from the export.
    let today = day(today());
    let year = &today[..4];
    let (_, f) = app
        .get(&format!("/api/v1/figures?period={year}"), Some(&sup))
        .await;
    let rows = app.export("complaints", &[]);
    assert_eq!(rows.len(), 3);
    assert!(
        rows.iter()
            .all(|r| r.get("phone").is_none() && r.get("contact_name").is_none())
    );
    let answered: Vec<_> = rows
        .iter()
        .filter(|r| r["answered_on"].is_string())
        .collect();
    let on_time = answered.iter().filter(|r| r["on_time"] == true).count();
    assert_eq!(
        figure(&f, "complaints_received")["value"],
        rows.len() as f64
    );
    assert_eq!(
        figure(&f, "complaints_on_time_rate")["value"],
        on_time as f64 / answered.len() as f64
    );
    let rated: Vec<_> = rows.iter().filter_map(|r| r["rating"].as_i64()).collect();
    let satisfied = rated.iter().filter(|r| **r >= 4).count();
    assert_eq!(
        figure(&f, "complaints_satisfaction")["value"],
        satisfied as f64 / rated.len() as f64
    );
    let md = app.report_md(year);
    assert!(
        md.contains("受理企业投诉3件，按时答复率100.00%，企业对答复的满意率100.00%"),
        "{md}"
    );
    assert!(!md.contains("企业投诉、部门满意度测评数据"), "{md}");
    app.assert_consistent();
}
both!(enterprises_complain_and_rate_the_answer);
