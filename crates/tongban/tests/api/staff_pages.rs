//! Staff pages beyond the queue: accepting at the counter, printing the notices the law
//! requires, supervision lists, and administration. Both backends.

use crate::common::{Browser, Db, TestApp, hidden};
use reqwest::StatusCode;

async fn counter_acceptance_and_notices(db: Db) {
    let app = TestApp::spawn(db).await;
    let mut b = Browser::new(&app);
    b.staff_login("clerk.sj").await;
    let (s, _, page) = b.get("/workbench/accept?q=%E9%A3%9F%E5%93%81").await; // 食品
    assert_eq!(s, StatusCode::OK);
    assert!(page.contains(&format!("/workbench/accept/{}", crate::common::ITEM)));
    assert!(
        !page.contains(crate::common::DELEGATED),
        "another department's item is not offered"
    );
    let (s, _, form) = b
        .get(&format!("/workbench/accept/{}", crate::common::ITEM))
        .await;
    assert_eq!(s, StatusCode::OK);
    let csrf = hidden(&form, "csrf");
    let base = [
        ("csrf", csrf.as_str()),
        ("kind", "person"),
        ("name", "王五"),
        ("id_type", "resident_id"),
        ("phone", crate::common::PHONE),
    ];
    // A bad ID number: the form comes back with the message and what was typed.
    let mut bad = base.to_vec();
    bad.extend([
        ("id_number", "110105194912310021"),
        ("m0", "1"),
        ("m1", "1"),
        ("mode", "accept"),
    ]);
    let (s, _, page) = b
        .post(&format!("/workbench/accept/{}", crate::common::ITEM), &bad)
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        page.contains("身份证号码")
            && page.contains("value=\"王五\"")
            && page.contains("href=\"#id_number\"")
    );
    // Materials missing: accepting is refused, registering works.
    let mut short = base.to_vec();
    short.extend([
        ("id_number", crate::common::ID_NUMBER),
        ("m0", "1"),
        ("mode", "accept"),
    ]);
    let (s, _, page) = b
        .post(
            &format!("/workbench/accept/{}", crate::common::ITEM),
            &short,
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("缺少必要材料：营业执照"));
    short.pop();
    short.push(("mode", "register"));
    let (s, loc, _) = b
        .post(
            &format!("/workbench/accept/{}", crate::common::ITEM),
            &short,
        )
        .await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    let registered = loc
        .unwrap()
        .trim_start_matches("/workbench/cases/")
        .to_string();
    let clerk = app.token("clerk.sj").await;
    let (_, v) = app
        .act(
            &clerk,
            &registered,
            "request_supplement",
            Some("请补交营业执照副本复印件"),
        )
        .await;
    assert_eq!(v["status"], "supplement_requested");
    let (s, _, notice) = b
        .get(&format!("/workbench/cases/{registered}/notice"))
        .await;
    assert_eq!(s, StatusCode::OK);
    assert!(notice.contains("补正材料通知书") && notice.contains("请补交营业执照副本复印件"));
    assert!(
        notice.contains("<svg") && notice.contains("/progress?case_no="),
        "a QR code for the progress query"
    );
    // Complete: accepted, with its acceptance notice.
    let mut full = base.to_vec();
    full.extend([
        ("id_number", crate::common::ID_NUMBER),
        ("m0", "1"),
        ("m1", "1"),
        ("mode", "accept"),
    ]);
    let (s, loc, _) = b
        .post(&format!("/workbench/accept/{}", crate::common::ITEM), &full)
        .await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    let no = loc
        .unwrap()
        .trim_start_matches("/workbench/cases/")
        .to_string();
    let (_, _, notice) = b.get(&format!("/workbench/cases/{no}/notice")).await;
    assert!(notice.contains("受理通知书") && notice.contains(&no) && notice.contains("第三十二条"));
    // Refused: the decision with its reason and the appeal routes.
    let (_, _, form) = b
        .get(&format!("/workbench/accept/{}", crate::common::ITEM))
        .await;
    let csrf = hidden(&form, "csrf");
    let mut reg = vec![
        ("csrf", csrf.as_str()),
        ("kind", "person"),
        ("name", "赵六"),
        ("id_type", "resident_id"),
        ("phone", crate::common::PHONE),
    ];
    reg.extend([
        ("id_number", crate::common::ID_NUMBER),
        ("mode", "register"),
    ]);
    let (_, loc, _) = b
        .post(&format!("/workbench/accept/{}", crate::common::ITEM), &reg)
        .await;
    let refused = loc
        .unwrap()
        .trim_start_matches("/workbench/cases/")
        .to_string();
    app.act(
        &clerk,
        &refused,
        "refuse",
        Some("申请事项不属于本机关职权范围"),
    )
    .await;
    let (_, _, notice) = b.get(&format!("/workbench/cases/{refused}/notice")).await;
    assert!(
        notice.contains("不予受理决定书")
            && notice.contains("不属于本机关职权范围")
            && notice.contains("行政复议")
    );
    // An approver does not work the counter.
    let mut a = Browser::new(&app);
    a.staff_login("approver.sj").await;
    let (s, _, _) = a.get("/workbench/accept").await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    // A town clerk is offered only the items delegated to the town.
    let mut t = Browser::new(&app);
    t.staff_login("town.bc").await;
    let (_, _, page) = t.get("/workbench/accept").await;
    assert!(page.contains(crate::common::DELEGATED) && !page.contains(crate::common::ITEM));
}
both!(counter_acceptance_and_notices);

async fn supervision_and_administration(db: Db) {
    let app = TestApp::spawn(db).await;
    let mut clerk = Browser::new(&app);
    clerk.staff_login("clerk.sj").await;
    for path in [
        "/supervision",
        "/admin",
        "/admin/users",
        "/admin/sms",
        "/admin/catalog",
        "/admin/calendar",
    ] {
        let (s, _, _) = clerk.get(path).await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{path}");
    }
    let mut sup = Browser::new(&app);
    sup.staff_login("supervisor").await;
    let (s, _, page) = sup.get("/supervision").await;
    assert_eq!(s, StatusCode::OK);
    assert!(page.contains("已超期办件") && page.contains("待整改差评"));
    let (s, _, page) = sup.get("/admin/audit?verify=1").await;
    assert_eq!(s, StatusCode::OK);
    assert!(page.contains("审计链完整"));

    let mut admin = Browser::new(&app);
    admin.staff_login("admin").await;
    for path in [
        "/admin",
        "/admin/users",
        "/admin/org",
        "/admin/sms",
        "/admin/catalog",
        "/admin/calendar",
        "/admin/audit",
    ] {
        let (s, _, _) = admin.get(path).await;
        assert_eq!(s, StatusCode::OK, "{path}");
    }
    // A new account through the form.
    let (_, _, page) = admin.get("/admin/users").await;
    let csrf = hidden(&page, "csrf");
    let (s, _, page) = admin
        .post(
            "/admin/users",
            &[
                ("csrf", &csrf),
                ("username", "new.clerk"),
                ("role", "window_clerk"),
                ("department", "SJ"),
                ("password", "short"),
            ],
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("密码至少10位") && page.contains("value=\"new.clerk\""));
    let (s, _, page) = admin
        .post(
            "/admin/users",
            &[
                ("csrf", &csrf),
                ("username", "new.clerk"),
                ("role", "window_clerk"),
                ("department", "SJ"),
                ("password", "long enough 123"),
            ],
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    assert!(page.contains("已创建账户 new.clerk"));
    // A year of holidays through the form.
    let (s, _, page) = admin
        .post(
            "/admin/calendar",
            &[
                ("csrf", &csrf),
                ("year", "2027"),
                ("days", "2027-13-01,放假,元旦"),
            ],
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("第1行"));
    let (s, _, _) = admin
        .post(
            "/admin/calendar",
            &[
                ("csrf", &csrf),
                ("year", "2027"),
                ("days", "2027-01-01,放假,元旦\n2027-02-06,上班,春节"),
            ],
        )
        .await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    let (_, v) = app.get("/api/v1/calendar/years", None).await;
    assert!(
        v["years"]
            .as_array()
            .unwrap()
            .contains(&serde_json::json!(2027))
    );
    // A new version of an item: refused without a date, then saved and published.
    let path = format!("/admin/catalog/{}", crate::common::ITEM);
    let (_, _, page) = admin.get(&path).await;
    assert!(page.contains("申请书|是|是|是|1"));
    let form = |eff: &'static str| {
        vec![
            ("csrf", csrf.clone()),
            ("name", "食品经营许可".to_string()),
            ("status", "in_use".to_string()),
            ("statutory_days", "20".to_string()),
            ("promised_days", "3".to_string()),
            ("visits", "1".to_string()),
            ("online_depth", "pre_review".to_string()),
            (
                "materials",
                "申请书|是|是|是|1\n营业执照|是|否|是|1".to_string(),
            ),
            ("steps", "受理\n审查\n决定".to_string()),
            ("effective_from", eff.to_string()),
            ("change_note", "承诺时限压缩为3个工作日".to_string()),
        ]
    };
    let f: Vec<(&str, String)> = form("");
    let f: Vec<(&str, &str)> = f.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let (s, _, _) = admin.post(&path, &f).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    let f: Vec<(&str, String)> = form("2099-01-01");
    let f: Vec<(&str, &str)> = f.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let (s, _, _) = admin.post(&path, &f).await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    let (s, _, _) = admin
        .post(&format!("{path}/versions/2/publish"), &[("csrf", &csrf)])
        .await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    let (_, v) = app
        .get(
            &format!("/api/v1/items/{}?on=2099-01-02", crate::common::ITEM),
            None,
        )
        .await;
    assert_eq!(v["promised_days"], 3, "{v}");
    // A window at the comprehensive point.
    let (s, _, page) = admin
        .post(
            "/admin/org",
            &[
                ("csrf", &csrf),
                ("what", "window"),
                ("code", "ZH1W9"),
                ("name", "综合窗口九"),
                ("point", "NOPE"),
            ],
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("服务点代码“NOPE”不存在"));
    let (s, _, _) = admin
        .post(
            "/admin/org",
            &[
                ("csrf", &csrf),
                ("what", "window"),
                ("code", "ZH1W9"),
                ("name", "综合窗口九"),
                ("point", "ZH1"),
            ],
        )
        .await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    let (_, v) = app.get("/api/v1/windows", None).await;
    assert!(
        v.as_array()
            .unwrap()
            .iter()
            .any(|w| w["code"] == "ZH1W9" && w["comprehensive"] == true),
        "{v}"
    );
    // The catalog as a workbook.
    let (s, _, _) = admin.get("/admin/catalog/export.xlsx").await;
    assert_eq!(s, StatusCode::OK);
}
both!(supervision_and_administration);

/// The written acts of the law, each issued by the department with its document
/// number and the date of the act: a rejection with the named routes of appeal, an
/// extension with its article, a deemed acceptance that says so.
async fn written_decisions(db: Db) {
    let app = TestApp::spawn(db).await;
    // The administrator names the appeal bodies on the office's settings page.
    let mut admin = Browser::new(&app);
    admin.staff_login("admin").await;
    let (s, _, page) = admin.get("/admin/settings").await;
    assert_eq!(s, StatusCode::OK, "{page}");
    assert!(page.contains("满意率计入“基本满意”"), "{page}");
    let csrf = hidden(&page, "csrf");
    let (s, _, page) = admin
        .post(
            "/admin/settings",
            &[("csrf", csrf.as_str()), ("office_name", " "), ("court", "")],
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{page}");
    assert!(page.contains("机构名称"), "{page}");
    let (s, _, page) = admin
        .post(
            "/admin/settings",
            &[
                ("csrf", csrf.as_str()),
                ("office_name", "昆山市政务服务中心"),
                ("reconsideration_body", "昆山市人民政府"),
                ("court", "昆山市人民法院"),
            ],
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{page}");
    assert!(page.contains("机构设置已保存"), "{page}");
    // The box left unticked: 基本满意 no longer counts as satisfied.
    assert_eq!(
        app.store
            .setting("hotline_basic_satisfied")
            .await
            .unwrap()
            .as_deref(),
        Some("0")
    );
    let mut clerk_page = Browser::new(&app);
    clerk_page.staff_login("clerk.sj").await;
    let (s, _, _) = clerk_page.get("/admin/settings").await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let approver = app.token("approver.sj").await;
    let head = app.token("head.sj").await;
    let mut b = Browser::new(&app);
    b.staff_login("clerk.sj").await;
    let case = app.apply("clerk.sj", crate::common::ITEM, "window").await;
    let no = case["case_no"].as_str().unwrap().to_string();
    let (s, v) = app
        .act(&head, &no, "extend", Some("需现场核查经营场所"))
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let (s, v) = app
        .act(&approver, &no, "reject", Some("经营场所与申请材料不一致"))
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    // The status calls for the decision not to license.
    let (s, _, page) = b.get(&format!("/workbench/cases/{no}/notice")).await;
    assert_eq!(s, StatusCode::OK);
    for part in [
        "不予行政许可决定书",
        "第三十八条第二款",
        "经营场所与申请材料不一致",
        "六十日内向昆山市人民政府申请行政复议",
        "六个月内向昆山市人民法院提起行政诉讼",
        "SJ不许字〔",
        "年",
    ] {
        assert!(page.contains(part), "{part}: {page}");
    }
    assert!(!page.contains("决定予以受理"), "{page}");
    // The document number names the case, so no two acts share one.
    let year = crate::common::today().format("%Y").to_string();
    assert!(
        page.contains(&format!("SJ不许字〔{year}〕{no}号")),
        "{page}"
    );
    // The extension has its own notice, linked from the decision's page.
    assert!(page.contains("notice?doc=extension"), "{page}");
    let (s, _, ext) = b
        .get(&format!("/workbench/cases/{no}/notice?doc=extension"))
        .await;
    assert_eq!(s, StatusCode::OK);
    for part in [
        "延期告知书",
        "第四十二条第一款",
        "延长10个工作日",
        "需现场核查经营场所",
        "SJ延字〔",
    ] {
        assert!(ext.contains(part), "{part}: {ext}");
    }
    // No act, no document: a case never suspended has no special-procedure notice.
    let (s, _, _) = b
        .get(&format!("/workbench/cases/{no}/notice?doc=special"))
        .await;
    assert_eq!(s, StatusCode::CONFLICT);
    let (s, _, page) = b
        .get(&format!("/workbench/cases/{no}/notice?doc=verdict"))
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert!(page.contains("文书种类“verdict”无效"), "{page}");
    // Deemed accepted: the notice says so and promises no date already past.
    let online = app.apply("clerk.sj", crate::common::ITEM, "online").await;
    let late = online["case_no"].as_str().unwrap().to_string();
    let old = crate::common::day(crate::common::today() - chrono::Duration::days(30));
    app.exec(&format!(
        "UPDATE cases SET submitted_on = '{old}', submitted_at = '{old}T01:30:00.000Z' WHERE case_no = '{late}'"
    ))
    .await;
    let clerk = app.token("clerk.sj").await;
    let (s, v) = app.act(&clerk, &late, "accept", None).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let (_, _, deemed) = b.get(&format!("/workbench/cases/{late}/notice")).await;
    assert!(deemed.contains("即为受理"), "{deemed}");
    assert!(!deemed.contains("决定予以受理"), "{deemed}");
    // Its promised date (five working days after receipt) is long past.
    let today = crate::common::day(crate::common::today());
    assert!(
        v["promised_deadline"].as_str().unwrap() < today.as_str(),
        "{v}"
    );
    assert!(!deemed.contains("将于"), "{deemed}");
}
both!(written_decisions);

/// A special procedure is started from the case page with its kind and expected
/// days, and its notice tells the applicant both.
async fn special_procedure_from_the_page(db: Db) {
    let app = TestApp::spawn(db).await;
    let case = app.apply("clerk.sj", crate::common::ITEM, "window").await;
    let no = case["case_no"].as_str().unwrap().to_string();
    let mut b = Browser::new(&app);
    b.staff_login("approver.sj").await;
    let (s, _, page) = b.get(&format!("/workbench/cases/{no}")).await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        page.contains("id=\"procedure\"") && page.contains("专家评审"),
        "{page}"
    );
    let csrf = hidden(&page, "csrf");
    let path = format!("/workbench/cases/{no}/actions");
    let (s, _, page) = b
        .post(
            &path,
            &[
                ("csrf", csrf.as_str()),
                ("action", "suspend"),
                ("note", "抽样送检"),
            ],
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("请选择特别程序"), "{page}");
    let (s, _, _) = b
        .post(
            &path,
            &[
                ("csrf", csrf.as_str()),
                ("action", "suspend"),
                ("note", "抽样送检"),
                ("procedure", "inspection"),
                ("expected_days", "20"),
            ],
        )
        .await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    let (s, _, notice) = b.get(&format!("/workbench/cases/{no}/notice")).await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        notice.contains("特别程序告知书") && notice.contains("检验（预计20日）：抽样送检"),
        "{notice}"
    );
}
both!(special_procedure_from_the_page);
