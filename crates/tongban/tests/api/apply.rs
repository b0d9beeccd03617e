//! The applicant's journey on the portal: real-name sign-in with a code from the SMS
//! outbox, the online application with uploaded files, check your answers, the
//! confirmation, my cases, and the rating. Both backends.

use crate::common::{Browser, Db, TestApp, hidden};
use reqwest::StatusCode;
use reqwest::multipart::{Form, Part};

pub(crate) const PDF: &[u8] = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n";
const PNG: &[u8] = &[
    0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13, b'I', b'H', b'D', b'R',
];

/// Signs in as 张三 with the code read from the SMS outbox.
pub(crate) async fn sign_in(app: &TestApp, v: &mut Browser) {
    let (_, _, page) = v.get("/account/login").await;
    let csrf = hidden(&page, "csrf");
    let who = [
        ("name", "张三"),
        ("id_number", crate::common::ID_NUMBER),
        ("phone", crate::common::PHONE),
        ("next", "/account/cases"),
    ];
    let mut form = who.to_vec();
    form.push(("csrf", &csrf));
    let (s, _, page) = v.post("/account/code", &form).await;
    assert_eq!(s, StatusCode::OK, "{page}");
    assert!(page.contains("短信验证码"));
    let outbox = tongban_store::applicants::outbox(&app.store, 1)
        .await
        .unwrap();
    assert_eq!(outbox[0].phone, "138****5678");
    let code: String = outbox[0]
        .body
        .chars()
        .filter(|c| c.is_ascii_digit())
        .take(6)
        .collect();
    let mut wrong = form.clone();
    wrong.push(("code", "000000"));
    if code != "000000" {
        let (s, _, page) = v.post("/account/login", &wrong).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(page.contains("验证码不正确"));
    }
    form.push(("code", &code));
    let (s, loc, _) = v.post("/account/login", &form).await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    assert_eq!(loc.as_deref(), Some("/account/cases"));
    assert!(v.cookies.iter().any(|(k, _)| k == "tb_applicant"));
}

async fn applicant_applies_online(db: Db) {
    let app = TestApp::spawn(db).await;
    let mut v = Browser::new(&app);
    // The application needs a signed-in applicant.
    let (s, loc, _) = v.get(&format!("/apply/{}", crate::common::ITEM)).await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    assert!(loc.unwrap().starts_with("/account/login?next=/apply/"));
    sign_in(&app, &mut v).await;

    let (s, _, page) = v.get(&format!("/apply/{}", crate::common::ITEM)).await;
    assert_eq!(s, StatusCode::OK, "{page}");
    assert!(
        page.contains("110105********002X"),
        "the applicant's masked ID"
    );
    let csrf = hidden(&page, "csrf");
    let draft = hidden(&page, "draft");
    // Only the application form: the second required material is missing.
    let form = Form::new()
        .text("csrf", csrf.clone())
        .text("draft", draft.clone())
        .text("kind", "person")
        .text("note", "请尽快办理")
        .part("file_0", Part::bytes(PDF.to_vec()).file_name("申请书.pdf"));
    let (s, page) = v
        .upload(&format!("/apply/{}", crate::common::ITEM), form)
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{page}");
    assert!(page.contains("请上传“营业执照”") && page.contains("href=\"#file_1\""));
    assert!(
        page.contains("已上传：申请书.pdf"),
        "the first file is kept"
    );
    assert!(page.contains("请尽快办理"), "what was typed is kept");
    // A program disguised as a PDF is refused by its content.
    let form = Form::new()
        .text("csrf", csrf.clone())
        .text("draft", draft.clone())
        .part(
            "file_1",
            Part::bytes(b"MZ\x90\x00 not a pdf".to_vec()).file_name("营业执照.pdf"),
        );
    let (s, page) = v
        .upload(&format!("/apply/{}", crate::common::ITEM), form)
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("PDF、JPG、PNG"));
    // Complete now: the answers to check.
    let form = Form::new()
        .text("csrf", csrf.clone())
        .text("draft", draft.clone())
        .text("kind", "person")
        .text("note", "请尽快办理")
        .part(
            "file_1",
            Part::bytes(PNG.to_vec()).file_name("营业执照.png"),
        );
    let (s, page) = v
        .upload(&format!("/apply/{}", crate::common::ITEM), form)
        .await;
    assert_eq!(s, StatusCode::OK, "{page}");
    assert!(
        page.contains("提交前请核对申请信息")
            && page.contains("营业执照.png")
            && page.contains("申请书.pdf")
    );
    // Without the token the submission is refused.
    let (s, _, _) = v
        .post(
            &format!("/apply/{}/submit", crate::common::ITEM),
            &[("draft", &draft)],
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, loc, _) = v
        .post(
            &format!("/apply/{}/submit", crate::common::ITEM),
            &[
                ("csrf", &csrf),
                ("draft", &draft),
                ("kind", "person"),
                ("note", "请尽快办理"),
            ],
        )
        .await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    let done = loc.unwrap();
    let no = done.trim_start_matches("/apply/done/").to_string();
    let (s, _, page) = v.get(&done).await;
    assert_eq!(s, StatusCode::OK);
    assert!(page.contains(&no) && page.contains("接下来"));
    let (_, _, page) = v.get("/account/cases").await;
    assert!(page.contains(&no));

    // The department's clerk finds it waiting for pre-review, with its files.
    let clerk = app.token("clerk.sj").await;
    let (_, c) = app.get(&format!("/api/v1/cases/{no}"), Some(&clerk)).await;
    assert_eq!(c["status"], "submitted");
    assert_eq!(c["channel"], "online");
    assert_eq!(c["applicant"]["id_number"], "110105********002X");
    assert_eq!(c["events"][0]["actor"], "申请人 张三（网上）");
    assert_eq!(c["materials"], serde_json::json!(["申请书", "营业执照"]));
    let case_id = tongban_store::cases::case_id(
        &app.store,
        &tongban_store::org::principal_by_username(&app.store, "clerk.sj")
            .await
            .unwrap(),
        &tongban_domain::case::CaseNo::parse(&no).unwrap(),
    )
    .await
    .unwrap();
    let files = tongban_store::files::case_files(&app.store, case_id)
        .await
        .unwrap();
    assert_eq!(files.len(), 2);
    assert_eq!(
        app.store.files().get(&files[0].storage_key).await.unwrap(),
        PDF
    );

    // Accepted, approved and closed, the applicant rates it from "my cases".
    for (who, action) in [
        ("clerk.sj", "accept"),
        ("approver.sj", "approve"),
        ("clerk.sj", "close"),
    ] {
        let t = app.token(who).await;
        let (s, r) = app.act(&t, &no, action, None).await;
        assert_eq!(s, StatusCode::OK, "{action}: {r}");
    }
    let (_, _, page) = v.get(&format!("/account/cases/{no}")).await;
    assert!(page.contains("您对本次服务满意吗"));
    let csrf = hidden(&page, "csrf");
    let (s, _, page) = v
        .post(
            &format!("/account/cases/{no}/rating"),
            &[("csrf", &csrf), ("level", "9")],
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("满意度等级"));
    let (s, _, _) = v
        .post(
            &format!("/account/cases/{no}/rating"),
            &[("csrf", &csrf), ("level", "5"), ("comment", "很方便")],
        )
        .await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    let (_, _, page) = v.get(&format!("/account/cases/{no}")).await;
    assert!(page.contains("非常满意") && page.contains("很方便"));
    // Someone else's case is not theirs to see.
    let other = app
        .apply("clerk.jt", crate::common::DELEGATED, "window")
        .await;
    let _ = other;
    let (s, _, _) = v.get("/account/cases/ZX-20200101-00001").await;
    assert_eq!(s, StatusCode::NOT_FOUND);
}
both!(applicant_applies_online);

async fn organisation_application_checks_the_code(db: Db) {
    let app = TestApp::spawn(db).await;
    let mut v = Browser::new(&app);
    sign_in(&app, &mut v).await;
    let (_, _, page) = v.get(&format!("/apply/{}", crate::common::ITEM)).await;
    let csrf = hidden(&page, "csrf");
    let draft = hidden(&page, "draft");
    let form = Form::new()
        .text("csrf", csrf)
        .text("draft", draft)
        .text("kind", "organisation")
        .text("org_name", "")
        .text("credit_code", "91350100M000100Y44")
        .part("file_0", Part::bytes(PDF.to_vec()).file_name("a.pdf"))
        .part("file_1", Part::bytes(PDF.to_vec()).file_name("b.pdf"));
    let (s, page) = v
        .upload(&format!("/apply/{}", crate::common::ITEM), form)
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("请填写单位名称") && page.contains("校验码"));
    // An item that cannot be applied for online says so.
    let (s, _, page) = v.get(&format!("/apply/{}", crate::common::DELEGATED)).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("暂不支持网上申请"));
}
both!(organisation_application_checks_the_code);

async fn codes_are_limited(db: Db) {
    let app = TestApp::spawn(db).await;
    let mut v = Browser::new(&app);
    let (_, _, page) = v.get("/account/login").await;
    let csrf = hidden(&page, "csrf");
    let form = [
        ("csrf", csrf.as_str()),
        ("name", "张三"),
        ("id_number", crate::common::ID_NUMBER),
        ("phone", crate::common::PHONE),
    ];
    let (s, _, _) = v.post("/account/code", &form).await;
    assert_eq!(s, StatusCode::OK);
    // A second code within a minute is refused.
    let (s, _, page) = v.post("/account/code", &form).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("秒后"));
    let bad = [
        ("csrf", csrf.as_str()),
        ("name", "张三"),
        ("id_number", "110105194912310021"),
        ("phone", "12345"),
    ];
    let (s, _, page) = v.post("/account/code", &bad).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("身份证号码"));
    assert!(page.contains("value=\"张三\""), "what was typed is kept");
    // Five wrong codes spend the code.
    let mut login = form.to_vec();
    login.push(("code", "999999"));
    for _ in 0..5 {
        v.post("/account/login", &login).await;
    }
    let outbox = tongban_store::applicants::outbox(&app.store, 1)
        .await
        .unwrap();
    let code: String = outbox[0]
        .body
        .chars()
        .filter(|c| c.is_ascii_digit())
        .take(6)
        .collect();
    let mut right = form.to_vec();
    right.push(("code", &code));
    let (s, _, page) = v.post("/account/login", &right).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{page}");
}
both!(codes_are_limited);

/// The applicant withdraws their own application online, with a reason; the case
/// records it as theirs.
async fn applicant_withdraws_online(db: Db) {
    let app = TestApp::spawn(db).await;
    // A window case binds 张三's phone and is his.
    let case = app.apply("clerk.sj", crate::common::ITEM, "window").await;
    let no = case["case_no"].as_str().unwrap().to_string();
    let mut v = Browser::new(&app);
    sign_in(&app, &mut v).await;
    let (s, _, page) = v.get(&format!("/account/cases/{no}")).await;
    assert_eq!(s, StatusCode::OK);
    assert!(page.contains("撤回申请"), "{page}");
    let csrf = hidden(&page, "csrf");
    let (s, _, page) = v
        .post(
            &format!("/account/cases/{no}/withdraw"),
            &[("csrf", csrf.as_str()), ("reason", " ")],
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("撤回理由"), "{page}");
    let (s, loc, _) = v
        .post(
            &format!("/account/cases/{no}/withdraw"),
            &[
                ("csrf", csrf.as_str()),
                ("reason", "经营计划调整，不再办理"),
            ],
        )
        .await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    assert_eq!(
        loc.as_deref(),
        Some(format!("/account/cases/{no}").as_str())
    );
    let clerk = app.token("clerk.sj").await;
    let (_, c) = app.get(&format!("/api/v1/cases/{no}"), Some(&clerk)).await;
    assert_eq!(c["status"], "withdrawn", "{c}");
    assert_eq!(c["reason"], "经营计划调整，不再办理");
    let e = c["events"].as_array().unwrap().last().unwrap();
    assert_eq!(e["action"], "withdraw");
    assert!(e["actor"].as_str().unwrap().starts_with("申请人"), "{e}");
    assert!(
        e["note"].as_str().unwrap().contains("申请人网上撤回"),
        "{e}"
    );
    // Once withdrawn, there is nothing left to withdraw, but it may be rated.
    let (_, _, page) = v.get(&format!("/account/cases/{no}")).await;
    assert!(!page.contains("/withdraw\""), "{page}");
    assert!(
        page.contains(&format!("action=\"/account/cases/{no}/rating\"")),
        "{page}"
    );
    let out = app.cli(&["audit", "verify", "--db", &app.db_url]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
}
both!(applicant_withdraws_online);

/// The store refuses a portal application that was not parsed as the signed-in
/// person's own (another name, or the window's channel).
async fn portal_applications_are_the_applicants_own(db: Db) {
    let app = TestApp::spawn(db).await;
    let a = tongban_store::applicants::ApplicantSession {
        name: "张三".into(),
        id_number: crate::common::ID_NUMBER.into(),
        id_digest: String::new(),
        phone: crate::common::PHONE.into(),
        csrf: String::new(),
    };
    let today = tongban_store::time::local_day(tongban_store::time::now());
    // Parsed as a clerk's application for someone else, at the window.
    let input: tongban_store::cases::NewCase =
        serde_json::from_value(TestApp::application(crate::common::ITEM, "window")).unwrap();
    let mut other = input.clone();
    other.applicant.as_mut().unwrap().name = Some("李四".into());
    let li = tongban_domain::codes::IdNumber::compose(
        "110105",
        chrono::NaiveDate::from_ymd_opt(1980, 5, 1).unwrap(),
        7,
    )
    .unwrap();
    other.applicant.as_mut().unwrap().id_number = Some(li.as_str().into());
    for input in [input, other] {
        let parsed = tongban_domain::case::Application::parse(
            &input,
            tongban_domain::case::Filer::Clerk,
            today,
        );
        let parsed = parsed.expect("a valid application");
        let r = tongban_store::cases::create_as(
            &app.store,
            tongban_store::cases::Creator::Applicant(&a),
            &parsed,
        )
        .await;
        assert!(
            matches!(r, Err(tongban_store::StoreError::Forbidden(_))),
            "{r:?}"
        );
    }
    assert_eq!(app.count("cases").await, 0);
}
both!(portal_applications_are_the_applicants_own);
