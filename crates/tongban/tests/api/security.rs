//! Issue 10's findings, each tried as the attacker or operator did: real-name sign-in
//! that proves the person, throttles that slow attackers without locking owners out.
//! Both backends.

use crate::common::{Browser, Db, TestApp, hidden};
use reqwest::StatusCode;
use serde_json::json;
use std::os::unix::fs::PermissionsExt;
use tongban_store::applicants::{self, IdentityVerifier};

const VICTIM_CASE_PHONE: &str = "13812345678";
const ATTACKER_PHONE: &str = "13900001111";

async fn ask_code(v: &mut Browser, name: &str, id: &str, phone: &str) -> (StatusCode, String) {
    let (_, _, page) = v.get("/account/login").await;
    let csrf = hidden(&page, "csrf");
    let form = [
        ("csrf", csrf.as_str()),
        ("name", name),
        ("id_number", id),
        ("phone", phone),
        ("next", "/account/cases"),
    ];
    let (s, _, page) = v.post("/account/code", &form).await;
    (s, page)
}

async fn outbox_len(app: &TestApp) -> usize {
    applicants::outbox(&app.store, 100).await.unwrap().len()
}

/// The attack of the report: someone else's ID number, any name, the attacker's phone.
async fn sign_in_needs_the_bound_name_and_phone(db: Db) {
    let app = TestApp::spawn(db).await;
    // The victim has a case, accepted at a window (which also binds their phone).
    app.apply("clerk.sj", crate::common::ITEM, "window").await;
    let mut v = Browser::new(&app);
    let before = outbox_len(&app).await;
    let (s, page) = ask_code(&mut v, "李四", crate::common::ID_NUMBER, ATTACKER_PHONE).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{page}");
    assert!(page.contains("未能核验为同一人"), "{page}");
    // The right name with the attacker's phone, and the right phone with another name.
    let (s, _) = ask_code(&mut v, "张三", crate::common::ID_NUMBER, ATTACKER_PHONE).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    let (s, _) = ask_code(&mut v, "李四", crate::common::ID_NUMBER, VICTIM_CASE_PHONE).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(outbox_len(&app).await, before, "no code was sent");
    // An unbound ID number is refused with the same words (nothing is revealed).
    let (s, page) = ask_code(&mut v, "王五", "110101199003074733", ATTACKER_PHONE).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("未能核验为同一人"), "{page}");
    // The store refuses a sign-in with a code even when called directly.
    let r = applicants::sign_in(
        &app.store,
        "李四",
        crate::common::ID_NUMBER,
        ATTACKER_PHONE,
        "123456",
    )
    .await;
    assert!(r.is_err());
    // Probing is throttled: after five failed proofs the ID number waits.
    for _ in 0..3 {
        ask_code(&mut v, "李四", crate::common::ID_NUMBER, ATTACKER_PHONE).await;
    }
    let (s, page) = ask_code(&mut v, "张三", crate::common::ID_NUMBER, VICTIM_CASE_PHONE).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{page}");
    assert!(page.contains("尝试次数过多"), "{page}");
}
both!(sign_in_needs_the_bound_name_and_phone);

/// The owner still signs in with the bound facts, and a window rebinds a new phone.
async fn the_owner_signs_in_and_a_window_rebinds(db: Db) {
    let app = TestApp::spawn(db).await;
    let mut v = Browser::new(&app);
    let (s, page) = ask_code(&mut v, "张三", crate::common::ID_NUMBER, VICTIM_CASE_PHONE).await;
    assert_eq!(s, StatusCode::OK, "{page}");
    // A new phone is bound when a clerk accepts a case for the person at a window.
    let mut application = TestApp::application(crate::common::ITEM, "window");
    application["applicant"]["phone"] = json!("13700002222");
    let clerk = app.token("clerk.sj").await;
    let (s, v2) = app.post("/api/v1/cases", Some(&clerk), application).await;
    assert_eq!(s, StatusCode::CREATED, "{v2}");
    let mut v = Browser::new(&app);
    let (s, page) = ask_code(&mut v, "张三", crate::common::ID_NUMBER, "13700002222").await;
    assert_eq!(s, StatusCode::OK, "{page}");
    let (s, _) = ask_code(
        &mut Browser::new(&app),
        "张三",
        crate::common::ID_NUMBER,
        VICTIM_CASE_PHONE,
    )
    .await;
    assert_eq!(
        s,
        StatusCode::UNPROCESSABLE_ENTITY,
        "the old phone is no longer bound"
    );
    // Rebinding is audited.
    let mut c = app.store.reader().await.unwrap();
    let n: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'applicant.bind'")
            .fetch_one(&mut *c)
            .await
            .unwrap();
    assert!(n >= 2, "{n}");
}
both!(the_owner_signs_in_and_a_window_rebinds);

fn script(dir: &std::path::Path, name: &str, body: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, format!("#!/bin/sh\n{body}\n")).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    path.display().to_string()
}

/// The identity verifier vouches for an unbound person (and binds them); a "no" or a
/// broken verifier sends no code.
async fn an_identity_verifier_proves_unbound_people(db: Db) {
    let app = TestApp::spawn(db).await;
    let dir = tempfile::tempdir().unwrap();
    let seen = dir.path().join("seen");
    let yes = script(
        dir.path(),
        "yes.sh",
        &format!("cat > {}; grep -q 王五 {}", seen.display(), seen.display()),
    );
    let store = app
        .store
        .clone()
        .with_identity(IdentityVerifier::from_spec(&format!("command:{yes}")).unwrap());
    applicants::request_code(&store, "王五", "110101199003074733", ATTACKER_PHONE)
        .await
        .expect("the verifier vouches");
    let input = std::fs::read_to_string(&seen).unwrap();
    assert!(
        input.contains("\"id_number\":\"110101199003074733\""),
        "{input}"
    );
    // Now bound: the default verifier accepts the same person (after the resend wait).
    let mut c = app.store.reader().await.unwrap();
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM applicant_identities")
        .fetch_one(&mut *c)
        .await
        .unwrap();
    assert_eq!(n, 2, "the fixture's and the verified one");
    let r = applicants::request_code(&store, "赵六", "110101199003074733", ATTACKER_PHONE).await;
    assert!(
        matches!(r, Err(tongban_store::StoreError::Invalid(_))),
        "{r:?}"
    );
    let broken = script(dir.path(), "broken.sh", "exit 7");
    let store = app
        .store
        .clone()
        .with_identity(IdentityVerifier::from_spec(&format!("command:{broken}")).unwrap());
    let r = applicants::request_code(&store, "孙七", "11010519491231002X", "13600003333").await;
    assert!(
        matches!(r, Err(tongban_store::StoreError::Unavailable(_))),
        "{r:?}"
    );
    assert!(IdentityVerifier::from_spec("trust-me").is_err());
}
both!(an_identity_verifier_proves_unbound_people);

/// NUL and other control characters are refused at the edge with a 422 naming the
/// field, unauthenticated too, on both databases alike (PostgreSQL gave a 500).
async fn control_characters_are_refused_at_the_edge(db: Db) {
    let app = TestApp::spawn(db).await;
    let (s, v) = app
        .post(
            "/api/v1/auth/token",
            None,
            json!({ "username": "ad\u{0}min", "password": "x" }),
        )
        .await;
    crate::common::assert_invalid(s, &v, "username");
    let (s, v) = app.get("/api/v1/items?q=a%00b", None).await;
    crate::common::assert_invalid(s, &v, "q");
    let clerk = app.token("clerk.sj").await;
    let mut application = TestApp::application(crate::common::ITEM, "window");
    application["applicant"]["name"] = json!("张\u{0}三");
    let (s, v) = app.post("/api/v1/cases", Some(&clerk), application).await;
    crate::common::assert_invalid(s, &v, "applicant.name");
    // Pages: a form field and a query parameter, answered with a page.
    let mut b = Browser::new(&app);
    let (s, _, page) = b.get("/items?q=%00").await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{page}");
    assert!(page.contains("控制字符"), "{page}");
    let (s, _, page) = b
        .post(
            "/hotline/new",
            &[("content", "噪音\u{0}扰民"), ("csrf", "x")],
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{page}");
    // Line breaks in a text are text.
    let (s, v) = app
        .post(
            "/api/v1/auth/token",
            None,
            json!({ "username": "clerk.sj", "password": "wrong\npassword" }),
        )
        .await;
    assert_eq!(s, StatusCode::UNAUTHORIZED, "{v}");
}
both!(control_characters_are_refused_at_the_edge);

/// The sign-in's `next` never leads off the site, however it is spelled.
async fn sign_in_never_redirects_off_site(db: Db) {
    let app = TestApp::spawn(db).await;
    let mut v = Browser::new(&app);
    for next in [
        "/%09/evil.example/x",
        "//evil.example/x",
        "/\\evil.example",
        "https://evil.example/",
        "/%0a/evil.example",
    ] {
        let (s, _, page) = v.get(&format!("/account/login?next={next}")).await;
        if s == StatusCode::UNPROCESSABLE_ENTITY {
            continue; // refused at the edge (a control character)
        }
        assert_eq!(s, StatusCode::OK, "{next}");
        let kept = hidden(&page, "next");
        assert_eq!(kept, "/account/cases", "{next} became {kept:?}");
    }
}
both!(sign_in_never_redirects_off_site);

/// A citizen's text cannot become a spreadsheet formula in a CSV export, and house
/// numbers are masked there as the README promises.
async fn csv_exports_are_safe_for_spreadsheets(db: Db) {
    let app = TestApp::spawn(db).await;
    let agent = app.token("hotline").await;
    let (s, v) = app
        .post(
            "/api/v1/work-orders",
            Some(&agent),
            json!({
                "category": "complaint",
                "content": "=HYPERLINK(\"http://evil.example\",\"点我\")",
                "address": "=1+2 人民路326号",
                "phone": "13812345678",
            }),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let out = app.cli(&[
        "export",
        "work_orders",
        "--db",
        &app.db_url,
        "--format",
        "csv",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let csv = String::from_utf8(out.stdout).unwrap();
    assert!(csv.contains("'=*+* 人民路***号"), "{csv}");
    assert!(!csv.contains(",=") && !csv.contains("\"="), "{csv}");
}
both!(csv_exports_are_safe_for_spreadsheets);

/// A command never creates a new key for a database that already holds data: the
/// operator is told to find the key it was written with, and no stray key file is left.
async fn no_new_key_for_an_existing_database(db: Db) {
    let app = TestApp::spawn(db).await;
    let key_file = app.dir.path().join("lost.key");
    let out = app.cli_env(
        &[
            "migrate",
            "--db",
            &app.db_url,
            "--key-file",
            &key_file.display().to_string(),
        ],
        &[("TONGBAN_KEY", "")],
    );
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("找不到写入这些数据时的密钥文件"), "{err}");
    assert!(!key_file.exists(), "no new key was kept");
    // A new database gets its key beside the file by default.
    let fresh = app.dir.path().join("fresh.db");
    let out = app.cli_env(
        &["migrate", "--db", &format!("sqlite://{}", fresh.display())],
        &[("TONGBAN_KEY", "")],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(app.dir.path().join("fresh.key").exists());
}
both!(no_new_key_for_an_existing_database);

/// Responses protect people's data on the way out: no-store on personal pages, a
/// same-origin referrer, and behind an https address Secure cookies and HSTS.
async fn personal_pages_are_not_cached_and_cookies_are_secure(db: Db) {
    let app = TestApp::spawn(db).await;
    let t = app.token("clerk.sj").await;
    let r = app
        .client
        .get(format!("{}/api/v1/cases", app.base))
        .bearer_auth(&t)
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["cache-control"], "no-store");
    assert_eq!(r.headers()["referrer-policy"], "same-origin");
    assert!(r.headers().get("strict-transport-security").is_none());
    let r = app
        .client
        .get(format!("{}/login", app.base))
        .send()
        .await
        .unwrap();
    let cookie = r.headers()["set-cookie"].to_str().unwrap().to_string();
    assert!(!cookie.contains("Secure"), "{cookie}");
    tongban_store::licenses::set_public_url(
        &app.store,
        "https://zwfw.example.gov.cn",
        &tongban_store::audit::Actor::system("test"),
    )
    .await
    .unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let r = app
        .client
        .get(format!("{}/login", app.base))
        .send()
        .await
        .unwrap();
    assert!(r.headers().get("strict-transport-security").is_some());
    let cookie = r.headers()["set-cookie"].to_str().unwrap().to_string();
    assert!(cookie.ends_with("; Secure"), "{cookie}");
    assert_eq!(r.headers()["cache-control"], "no-store");
}
both!(personal_pages_are_not_cached_and_cookies_are_secure);

/// A co-handling unit sees the caller's full number only while the order is open.
async fn a_co_unit_cannot_reveal_the_caller_after_closing(db: Db) {
    let app = TestApp::spawn(db).await;
    let out = app.cli_env(
        &[
            "admin",
            "create-user",
            "--db",
            &app.db_url,
            "--username",
            "unit.sj",
            "--role",
            "unit_handler",
            "--department",
            "SJ",
        ],
        &[("TONGBAN_PASSWORD", crate::common::PASSWORD)],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let agent = app.token("hotline").await;
    let (s, o) = app
        .post(
            "/api/v1/work-orders",
            Some(&agent),
            json!({ "category": "complaint", "content": "占道经营", "phone": "13812345678", "unit": "JT", "co_units": ["SJ"] }),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{o}");
    let no = o["order_no"].as_str().unwrap().to_string();
    let who = |u: &'static str| {
        let store = app.store.clone();
        async move {
            tongban_store::org::principal_by_username(&store, u)
                .await
                .unwrap()
        }
    };
    let sj = who("unit.sj").await;
    let reveal = |p: tongban_store::org::Principal| {
        let store = app.store.clone();
        let no = no.clone();
        async move { tongban_store::hotline::reveal_phone(&store, &p, &no).await }
    };
    assert_eq!(
        reveal(sj.clone()).await.unwrap().as_deref(),
        Some("13812345678")
    );
    let jt = app.token("unit.jt").await;
    for (t, body) in [
        (&jt, json!({ "action": "sign" })),
        (&jt, json!({ "action": "reply", "note": "已处理" })),
        (&agent, json!({ "action": "close" })),
    ] {
        let (s, v) = app
            .post(&format!("/api/v1/work-orders/{no}/actions"), Some(t), body)
            .await;
        assert_eq!(s, StatusCode::OK, "{v}");
    }
    let r = reveal(sj).await;
    assert!(
        matches!(r, Err(tongban_store::StoreError::Forbidden(_))),
        "{r:?}"
    );
    assert!(
        reveal(who("unit.jt").await).await.is_ok(),
        "the lead unit still may"
    );
}
both!(a_co_unit_cannot_reveal_the_caller_after_closing);

/// The audit catches what it should: a chain cut back (with a checkpoint kept outside
/// the database), and cases and accounts changed in the database directly.
async fn audit_verify_catches_direct_changes(db: Db) {
    let app = TestApp::spawn(db).await;
    let verify = |extra: &[&str]| {
        let mut a = vec!["audit", "verify", "--db", app.db_url.as_str()];
        a.extend(extra);
        let out = app.cli(&a);
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).to_string(),
        )
    };
    let case = app.apply("clerk.sj", crate::common::ITEM, "window").await;
    let no = case["case_no"].as_str().unwrap().to_string();
    let (code, out) = verify(&[]);
    assert_eq!(code, Some(0), "{out}");
    assert!(out.contains("均与最后一次审计记录的状态相符"), "{out}");

    // A checkpoint kept outside the database, then more work.
    let kept = app.dir.path().join("checkpoints.jsonl");
    let kept_s = kept.display().to_string();
    let out = app.cli(&["audit", "checkpoint", "--db", &app.db_url, "--out", &kept_s]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let (code, out) = verify(&["--checkpoints", &kept_s]);
    assert_eq!(code, Some(0), "{out}");
    let cut_to = app.count("audit_log").await - 2;
    for _ in 0..3 {
        app.apply("clerk.sj", crate::common::ITEM, "window").await;
    }
    // The tail removed and the head moved back: invisible inside the database...
    app.exec(&format!("DELETE FROM audit_log WHERE seq > {cut_to}"))
        .await;
    app.exec(&format!(
        "UPDATE audit_head SET seq = {cut_to}, hash = (SELECT hash FROM audit_log WHERE seq = {cut_to}) WHERE id = 1"
    ))
    .await;
    let (code, out) = verify(&[]);
    assert!(out.contains("审计链完整"), "{out}");
    let _ = code;
    // ...but not to the checkpoint.
    let (code, out) = verify(&["--checkpoints", &kept_s]);
    assert_eq!(code, Some(2), "{out}");
    assert!(out.contains("链尾被删除"), "{out}");
    // A checkpoint edited to hide it no longer verifies.
    let text = std::fs::read_to_string(&kept).unwrap();
    let forged = text.replacen("\"seq\":", "\"seq\":1", 1);
    std::fs::write(&kept, forged).unwrap();
    let (code, out) = verify(&["--checkpoints", &kept_s]);
    assert_eq!(code, Some(2), "{out}");
    assert!(out.contains("签名无效"), "{out}");

    // A case's applicant changed, an event deleted, a member promoted: each named.
    let app = TestApp::spawn(db_of(&app)).await;
    let a = app.apply("clerk.sj", crate::common::ITEM, "window").await;
    let b = app.apply("clerk.sj", crate::common::ITEM, "window").await;
    let c = app.apply("clerk.sj", crate::common::ITEM, "window").await;
    let (a, b, c) = (
        a["case_no"].as_str().unwrap().to_string(),
        b["case_no"].as_str().unwrap().to_string(),
        c["case_no"].as_str().unwrap().to_string(),
    );
    let verify = |app: &TestApp| {
        let out = app.cli(&["audit", "verify", "--db", &app.db_url]);
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).to_string(),
        )
    };
    assert_eq!(verify(&app).0, Some(0));
    app.exec(&format!(
        "UPDATE cases SET applicant_name = '李四' WHERE case_no = '{a}'"
    ))
    .await;
    app.exec(&format!(
        "DELETE FROM case_events WHERE id = (SELECT MAX(e.id) FROM case_events e JOIN cases c ON c.id = e.case_id WHERE c.case_no = '{b}')"
    ))
    .await;
    app.exec("UPDATE users SET role = 'admin' WHERE username = 'clerk.sj'")
        .await;
    // A case's seal removed (seals live beside the cases, in `case_seals`).
    app.exec(&format!(
        "DELETE FROM case_seals WHERE case_id = (SELECT id FROM cases WHERE case_no = '{c}')"
    ))
    .await;
    let (code, out) = verify(&app);
    assert_eq!(code, Some(2), "{out}");
    for name in [a.as_str(), b.as_str(), c.as_str(), "clerk.sj"] {
        assert!(out.contains(name), "{name} not named: {out}");
    }
    assert!(out.contains("办件未封存"), "{out}");
    let admin = app.token("admin").await;
    let (_, v) = app.get("/api/v1/audit/verify", Some(&admin)).await;
    assert_eq!(v["intact"], false, "{v}");
    assert_eq!(v["row_faults"].as_array().unwrap().len(), 4, "{v}");
    let _ = no;
}
both!(audit_verify_catches_direct_changes);

fn db_of(app: &TestApp) -> Db {
    if app.db_url.starts_with("sqlite") {
        Db::Sqlite
    } else {
        Db::Postgres
    }
}

/// The public progress form posts the ID ending, so it stays out of addresses,
/// histories and access logs.
async fn the_progress_form_posts_the_id_ending(db: Db) {
    let app = TestApp::spawn(db).await;
    let case = app.apply("clerk.sj", crate::common::ITEM, "window").await;
    let no = case["case_no"].as_str().unwrap().to_string();
    let mut b = Browser::new(&app);
    let (s, _, page) = b.get(&format!("/progress?case_no={no}")).await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        page.contains(r#"<form method="post" action="/progress""#),
        "{page}"
    );
    assert!(
        page.contains(&format!(r#"value="{no}""#)),
        "the QR link fills the number"
    );
    let (s, _, page) = b
        .post(
            "/progress",
            &[("case_no", no.as_str()), ("last_six", "31002X")],
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{page}");
    assert!(page.contains("办理过程") && page.contains(&no), "{page}");
    let (s, _, page) = b
        .post(
            "/progress",
            &[("case_no", no.as_str()), ("last_six", "000000")],
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{page}");
}
both!(the_progress_form_posts_the_id_ending);

/// After an upgrade, people who came to a window before bindings existed are bound
/// from their latest window case, once.
async fn past_window_cases_bind_their_people_once(db: Db) {
    let app = TestApp::spawn(db).await;
    let mut application = TestApp::application(crate::common::ITEM, "window");
    application["applicant"]["phone"] = json!("13700002222");
    let clerk = app.token("clerk.sj").await;
    let (s, v) = app.post("/api/v1/cases", Some(&clerk), application).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    app.exec("DELETE FROM applicant_identities").await;
    let n = applicants::bind_from_window_cases(&app.store)
        .await
        .unwrap();
    assert_eq!(n, 1);
    let (s, page) = ask_code(
        &mut Browser::new(&app),
        "张三",
        crate::common::ID_NUMBER,
        "13700002222",
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{page}");
    assert_eq!(
        applicants::bind_from_window_cases(&app.store)
            .await
            .unwrap(),
        0,
        "once"
    );
}
both!(past_window_cases_bind_their_people_once);
