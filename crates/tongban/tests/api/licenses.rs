//! Electronic licenses (电子证照) on both backends: issued when an approved case is
//! closed (and at once for instant cases), signed with the department's SM2 key,
//! checked on the public verify page and offline by `tongban license verify`,
//! revoked only by the issuing department's head.

use crate::common::{Db, ID_NUMBER, TestApp};
use reqwest::StatusCode;
use reqwest::header::{CONTENT_DISPOSITION, COOKIE, LOCATION, SET_COOKIE};
use serde_json::Value;
use sqlx::Row;
use tongban_domain::org::Role;
use tongban_store::audit::Actor;

const MASKED_ID: &str = "110105********002X";

/// Applies at the SJ window, approves and closes; returns (case_no, license_no).
async fn licensed_case(app: &TestApp) -> (String, String) {
    let case = app.apply("clerk.sj", crate::common::ITEM, "window").await;
    let no = case["case_no"].as_str().unwrap().to_string();
    assert!(
        case["license_no"].is_null(),
        "no license before the decision"
    );
    let t = app.token("approver.sj").await;
    let (s, v) = app.act(&t, &no, "approve", None).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert!(
        v["license_no"].is_null(),
        "approval alone issues no license: {v}"
    );
    let (s, v) = app.act(&t, &no, "close", None).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let license = v["license_no"]
        .as_str()
        .expect("license on close")
        .to_string();
    (no, license)
}

async fn page(app: &TestApp, path: &str) -> (StatusCode, String) {
    let r = app
        .client
        .get(format!("{}{path}", app.base))
        .send()
        .await
        .unwrap();
    (r.status(), r.text().await.unwrap())
}

/// Signs `username` in through the login form; returns the session's cookie header.
async fn sign_in(app: &TestApp, username: &str) -> String {
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let r = client
        .get(format!("{}/login", app.base))
        .send()
        .await
        .unwrap();
    let csrf_cookie = r
        .headers()
        .get_all(SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("tb_csrf="))
        .and_then(|v| v.split(';').next())
        .unwrap()
        .to_string();
    let csrf = csrf_cookie.trim_start_matches("tb_csrf=").to_string();
    let r = client
        .post(format!("{}/login", app.base))
        .header(COOKIE, &csrf_cookie)
        .form(&[
            ("username", username),
            ("password", crate::common::PASSWORD),
            ("csrf", csrf.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert!(r.headers().get(LOCATION).is_some(), "signed in");
    r.headers()
        .get_all(SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("tb_session="))
        .and_then(|v| v.split(';').next())
        .unwrap()
        .to_string()
}

fn write(app: &TestApp, name: &str, v: &Value) -> String {
    let path = app.dir.path().join(name);
    std::fs::write(&path, serde_json::to_string_pretty(v).unwrap()).unwrap();
    path.display().to_string()
}

async fn close_issues_a_verifiable_license(db: Db) {
    let app = TestApp::spawn(db).await;
    let (case_no, license) = licensed_case(&app).await;
    let year = chrono::Utc::now()
        .with_timezone(&tongban_store::time::china())
        .format("%Y")
        .to_string();
    assert_eq!(license, format!("SJ-{year}-000001"));

    // The case, in JSON and on the staff's and the public's pages.
    let t = app.token("clerk.sj").await;
    let (s, v) = app.get(&format!("/api/v1/cases/{case_no}"), Some(&t)).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v["license_no"], license.as_str());
    let url = v["license_url"].as_str().unwrap().to_string();
    let token = url
        .strip_prefix(&format!("/verify/{license}?t="))
        .expect("a path with the check token while no public address is configured")
        .to_string();
    assert_eq!(token.len(), 32, "{url}");
    let (_, v) = app.get("/api/v1/cases?status=closed", Some(&t)).await;
    assert_eq!(v["cases"][0]["license_no"], license.as_str(), "lists too");
    let cookie = sign_in(&app, "approver.sj").await;
    let r = app
        .client
        .get(format!("{}/workbench/cases/{case_no}", app.base))
        .header(COOKIE, cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let html = r.text().await.unwrap();
    assert!(html.contains(&license) && html.contains(&format!("/verify/{license}")));
    assert!(
        html.contains("<svg") && html.contains("电子证照核验码"),
        "QR code"
    );
    assert!(
        !html.contains("<?xml"),
        "inline SVG without XML declaration"
    );
    let (s, html) = page(
        &app,
        &format!("/progress?case_no={case_no}&last_six=31002X"),
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    assert!(html.contains(&license) && html.contains("<svg"), "{html}");

    // With the portal's public address configured, QR codes point to it.
    tongban_store::licenses::set_public_url(
        &app.store,
        "https://zwfw.example.gov.cn/",
        &Actor::system("test"),
    )
    .await
    .unwrap();
    let (_, v) = app.get(&format!("/api/v1/cases/{case_no}"), Some(&t)).await;
    assert_eq!(
        v["license_url"],
        format!("https://zwfw.example.gov.cn/verify/{license}?t={token}").as_str()
    );
    assert!(
        tongban_store::licenses::set_public_url(&app.store, "ftp://x", &Actor::system("test"))
            .await
            .is_err()
    );

    // The number alone (sequential, so guessable) shows validity, never the holder.
    let (s, html) = page(&app, &format!("/verify/{license}")).await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        html.contains("有效") && html.contains("食品经营许可"),
        "{html}"
    );
    for text in ["张三", MASKED_ID, case_no.as_str(), ".json"] {
        assert!(!html.contains(text), "the number alone shows {text}");
    }
    let (s, v) = app.get(&format!("/api/v1/licenses/{license}"), None).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v["license"]["holder"], "");
    assert!(v["license"]["holder_id"].is_null(), "{v}");
    let (s, html) = page(&app, &format!("/verify/{license}?t={}", "0".repeat(32))).await;
    assert_eq!(s, StatusCode::OK);
    assert!(!html.contains("张三"), "a wrong token shows nothing more");
    let r = app
        .client
        .get(format!("{}/licenses/{license}.json", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.status(),
        StatusCode::NOT_FOUND,
        "the file needs the token"
    );

    // The QR code's link: the public verify page with the holder.
    let (s, html) = page(&app, &format!("/verify/{license}?t={token}")).await;
    assert_eq!(s, StatusCode::OK);
    for text in [
        "有效",
        "食品经营许可",
        "张三",
        MASKED_ID,
        "市市场监督管理局",
        &case_no,
    ] {
        assert!(html.contains(text), "verify page lacks {text}");
    }
    assert!(!html.contains(ID_NUMBER), "the full ID number never shows");
    let (s, v) = app
        .get(&format!("/api/v1/licenses/{license}?t={token}"), None)
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v["result"], "valid");
    assert_eq!(v["license"]["holder_id"], MASKED_ID);

    // The signed file, checked offline.
    let r = app
        .client
        .get(format!("{}/licenses/{license}.json?t={token}", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert!(
        r.headers()[CONTENT_DISPOSITION]
            .to_str()
            .unwrap()
            .contains(&format!("{license}.json"))
    );
    let file: Value = r.json().await.unwrap();
    assert_eq!(file["document"]["license_no"], license.as_str());
    assert_eq!(file["document"]["type"], "电子证照");
    assert_eq!(file["document"]["holder_id"], MASKED_ID);
    assert_eq!(
        file["document"]["verify_url"],
        format!("/verify/{license}?t={token}").as_str()
    );
    assert!(!file.to_string().contains(ID_NUMBER));
    let (s, keys) = app.get("/api/v1/license-keys", None).await;
    assert_eq!(s, StatusCode::OK);
    let good = write(&app, "license.json", &file);
    let keys_file = write(&app, "keys.json", &keys);
    let out = app.cli(&["license", "verify", &good]);
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    assert!(
        stdout.contains("有效") && stdout.contains(&license),
        "{stdout}"
    );
    let out = app.cli(&["license", "verify", &good, "--keys", &keys_file]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );

    let mut tampered = file.clone();
    tampered["document"]["holder"] = Value::from("李四");
    let bad = write(&app, "tampered.json", &tampered);
    let out = app.cli(&["license", "verify", &bad]);
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    assert_eq!(out.status.code(), Some(2), "{stdout}");
    assert!(
        stdout.contains("无效") && stdout.contains("篡改"),
        "{stdout}"
    );

    // A file re-signed with another key verifies alone but not against the
    // department's published key.
    let mut foreign_keys = keys.clone();
    foreign_keys["keys"][0]["public_key"] = Value::from(format!("04{}", "11".repeat(64)));
    let foreign = write(&app, "foreign-keys.json", &foreign_keys);
    let out = app.cli(&["license", "verify", &good, "--keys", &foreign]);
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    assert_eq!(out.status.code(), Some(2), "{stdout}");
    assert!(stdout.contains("公钥"), "{stdout}");
    let junk = app.dir.path().join("junk.json");
    std::fs::write(&junk, "not json").unwrap();
    let out = app.cli(&["license", "verify", &junk.display().to_string()]);
    assert_eq!(out.status.code(), Some(2));

    // A license altered in the database no longer verifies.
    app.exec(&format!(
        "UPDATE licenses SET document = REPLACE(document, '张三', '李四') WHERE license_no = '{license}'"
    ))
    .await;
    let (s, html) = page(&app, &format!("/verify/{license}")).await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        html.contains("签名无效") && !html.contains("李四"),
        "{html}"
    );

    // Issuance was audited, and the chain holds.
    let mut c = app.store.reader().await.unwrap();
    let actions: Vec<String> = sqlx::query_scalar(
        "SELECT action FROM audit_log WHERE entity_key = $1 OR entity = 'department' ORDER BY seq",
    )
    .bind(&license)
    .fetch_all(&mut *c)
    .await
    .unwrap();
    assert_eq!(actions, ["license_key.create", "license.issue"]);
    drop(c);
    let v = tongban_store::audit::verify(&app.store, |_, _| {})
        .await
        .unwrap();
    assert_eq!(v.broken, None);
}
both!(close_issues_a_verifiable_license);

async fn revocation(db: Db) {
    let app = TestApp::spawn(db).await;
    let (_, license) = licensed_case(&app).await;
    tongban_store::org::create_user(
        &app.store,
        &tongban_store::org::NewUser {
            username: "head.jt",
            display_name: "head.jt",
            role: Role::DepartmentHead,
            department: Some("JT"),
            point: None,
            password: crate::common::PASSWORD,
        },
        &Actor::system("test"),
    )
    .await
    .unwrap();
    let path = format!("/api/v1/licenses/{license}/revoke");
    let body = serde_json::json!({ "reason": "申请人以欺骗手段取得许可" });
    let (s, _) = app.post(&path, None, body.clone()).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    for who in ["approver.sj", "approver.jt", "clerk.sj", "head.jt"] {
        let t = app.token(who).await;
        let (s, v) = app.post(&path, Some(&t), body.clone()).await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{who}: {v}");
        assert!(crate::common::has_chinese(
            crate::common::error_of(&v)["message"].as_str().unwrap()
        ));
    }
    let t = app.token("head.sj").await;
    let (s, v) = app
        .post(&path, Some(&t), serde_json::json!({ "reason": "  " }))
        .await;
    crate::common::assert_invalid(s, &v, "reason");
    let (s, v) = app
        .post(
            "/api/v1/licenses/SJ-2026-999999/revoke",
            Some(&t),
            body.clone(),
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND, "{v}");
    let (s, v) = app.post(&path, Some(&t), body.clone()).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["license"]["status"], "revoked");
    let (s, v) = app.post(&path, Some(&t), body.clone()).await;
    assert_eq!(s, StatusCode::CONFLICT, "{v}");

    let (s, html) = page(&app, &format!("/verify/{license}")).await;
    assert_eq!(s, StatusCode::OK);
    assert!(html.contains("已撤销") && html.contains("申请人以欺骗手段取得许可"));
    assert!(!html.contains(">有效<"));
    let (_, v) = app.get(&format!("/api/v1/licenses/{license}"), None).await;
    assert_eq!(v["result"], "revoked");

    // An administrator may revoke any department's license.
    let (_, other) = licensed_case(&app).await;
    let t = app.token("admin").await;
    let (s, v) = app
        .post(
            &format!("/api/v1/licenses/{other}/revoke"),
            Some(&t),
            body.clone(),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let mut c = app.store.reader().await.unwrap();
    let n: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'license.revoke'")
            .fetch_one(&mut *c)
            .await
            .unwrap();
    assert_eq!(n, 2);
}
both!(revocation);

async fn unknown_licenses(db: Db) {
    let app = TestApp::spawn(db).await;
    let (s, html) = page(&app, "/verify/SJ-2026-000001").await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    assert!(html.contains("未找到") && html.contains("SJ-2026-000001"));
    let (s, html) = page(&app, "/verify/%3Cscript%3Ex'--").await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    assert!(
        html.contains("未找到") && !html.contains("<script>x"),
        "escaped"
    );
    let (s, html) = page(&app, &format!("/verify/{}", "A".repeat(300))).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    assert!(!html.contains(&"A".repeat(100)), "long input is cut");
    for path in [
        "/licenses/SJ-2026-000001.json",
        "/licenses/SJ-2026-000001",
        "/api/v1/licenses/SJ-2026-000001",
    ] {
        let (s, v) = app.get(path, None).await;
        assert_eq!(s, StatusCode::NOT_FOUND, "{path}");
        assert!(crate::common::has_chinese(
            crate::common::error_of(&v)["message"].as_str().unwrap()
        ));
    }
    let (s, v) = app.get("/api/v1/license-keys", None).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(
        v["keys"].as_array().unwrap().len(),
        0,
        "keys made on first need"
    );
    assert_eq!(v["distinguishing_id"], "1234567812345678");
    // A rejected case gets no license.
    let case = app.apply("clerk.sj", crate::common::ITEM, "window").await;
    let no = case["case_no"].as_str().unwrap();
    let t = app.token("approver.sj").await;
    let (s, v) = app.act(&t, no, "reject", Some("不符合条件")).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert!(v["license_no"].is_null());
    assert_eq!(app.count("licenses").await, 0);
}
both!(unknown_licenses);

async fn instant_cases_get_a_license_at_once(db: Db) {
    let app = TestApp::spawn(db).await;
    // At the window: closed as it is accepted.
    let case = app
        .apply("clerk.sj", crate::common::INSTANT, "window")
        .await;
    assert_eq!(case["status"], "closed");
    let license = case["license_no"]
        .as_str()
        .expect("license at once")
        .to_string();
    assert!(
        case["license_url"]
            .as_str()
            .unwrap()
            .contains(&format!("/verify/{license}?t="))
    );
    let (s, html) = page(&app, &format!("/verify/{license}")).await;
    assert_eq!(s, StatusCode::OK);
    assert!(html.contains("有效") && html.contains("营业执照遗失补领"));
    // Online: closed when the window accepts it.
    let online = app
        .apply("clerk.sj", crate::common::INSTANT, "online")
        .await;
    assert!(online["license_no"].is_null());
    let no = online["case_no"].as_str().unwrap();
    let t = app.token("clerk.sj").await;
    let (s, v) = app.act(&t, no, "accept", None).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["status"], "closed");
    let second = v["license_no"].as_str().expect("license on acceptance");
    assert_ne!(second, license);
    assert!(second.ends_with("-000002"), "{second}");
    assert_eq!(app.count("licenses").await, 2);
}
both!(instant_cases_get_a_license_at_once);

/// A lookup of a licensed case needs one reader only: it once took a second to
/// reread the public address when its cached copy went stale, so under load, with
/// every reader held by a lookup doing so, all waited on each other until the pool's
/// timeout (lookups stalled for 30 s, then failed). Here every reader but one is held
/// elsewhere.
async fn licensed_lookups_under_load_do_not_wait_on_each_other(db: Db) {
    let app = TestApp::spawn(db).await;
    let (case_no, license) = licensed_case(&app).await;
    let p = tongban_store::org::principal_by_username(&app.store, "clerk.sj")
        .await
        .unwrap();
    let no = tongban_domain::case::CaseNo::parse(&case_no).unwrap();
    let held = app.hold_readers(1).await;
    // The cached address (and calendar version) are trusted for a second.
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let view = tokio::time::timeout(
        std::time::Duration::from_secs(10),
        tongban_store::cases::get(&app.store, &p, &no),
    )
    .await
    .expect("the lookup waited for a second reader")
    .unwrap();
    assert_eq!(view.license_no.as_deref(), Some(license.as_str()));
    assert!(view.license_url.is_some());
    drop(held);
}
both!(licensed_lookups_under_load_do_not_wait_on_each_other);

async fn department_keys_are_encrypted_and_published(db: Db) {
    let app = TestApp::spawn(db).await;
    licensed_case(&app).await;
    licensed_case(&app).await;
    let mut c = app.store.reader().await.unwrap();
    let rows = sqlx::query("SELECT d.code, k.key_id, k.public_key, k.private_key_enc, k.active FROM department_keys k JOIN departments d ON d.id = k.department_id")
        .fetch_all(&mut *c)
        .await
        .unwrap();
    assert_eq!(rows.len(), 1, "one key per department, made once");
    let r = &rows[0];
    let code: String = r.get(0);
    let key_id: String = r.get(1);
    let public: String = r.get(2);
    let enc: String = r.get(3);
    assert_eq!(code, "SJ");
    assert!(key_id.starts_with("SJ-"));
    assert!(public.starts_with("04") && public.len() == 130, "{public}");
    assert!(enc.starts_with("v1:"), "private key stored encrypted");
    let secret = app.store.keys().decrypt(&enc).unwrap();
    assert_eq!(secret.len(), 64);
    assert!(!enc.contains(&secret) && !enc.to_lowercase().contains(&secret));
    let signatures: Vec<String> = sqlx::query_scalar("SELECT signature FROM licenses")
        .fetch_all(&mut *c)
        .await
        .unwrap();
    drop(c);
    assert_eq!(signatures.len(), 2);
    assert!(signatures.iter().all(|s| s.len() == 128));

    let (s, v) = app.get("/api/v1/license-keys", None).await;
    assert_eq!(s, StatusCode::OK);
    let keys = v["keys"].as_array().unwrap();
    assert_eq!(keys.len(), 1, "{v}");
    assert_eq!(keys[0]["department"], "SJ");
    assert_eq!(keys[0]["department_name"], "市市场监督管理局");
    assert_eq!(keys[0]["key_id"], key_id.as_str());
    assert_eq!(keys[0]["public_key"], public.as_str());
    assert_eq!(keys[0]["active"], true);
    assert!(!v.to_string().contains(&secret));
    let (s, v) = app.get("/api/openapi.json", None).await;
    assert_eq!(s, StatusCode::OK);
    assert!(v["paths"]["/api/v1/license-keys"].is_object());
}
both!(department_keys_are_encrypted_and_published);
