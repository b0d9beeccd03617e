//! Issue 10: administrators with a second factor (TOTP, RFC 6238) and the account
//! lifecycle, through the real pages and API: enrolment with recovery codes, the
//! second step of signing in, codes accepted once, disabling and re-enabling, a reset
//! password that must be changed, the password policy, logout revoking its token.

use crate::common::{Browser, Db, TestApp, hidden};
use reqwest::StatusCode;
use serde_json::json;
use tongban_store::accounts::code_at;

fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

/// Signs in with the password; returns where the sign-in sends the browser next.
async fn password_step(b: &mut Browser, username: &str, password: &str) -> String {
    let (_, _, page) = b.get("/login").await;
    let csrf = hidden(&page, "csrf");
    let (s, to, page) = b
        .post(
            "/login",
            &[
                ("username", username),
                ("password", password),
                ("csrf", &csrf),
            ],
        )
        .await;
    assert_eq!(s, StatusCode::SEE_OTHER, "{page}");
    to.unwrap()
}

fn secret_on(page: &str) -> String {
    let start = page.find("<code>").expect("secret shown") + 6;
    let end = start + page[start..].find("</code>").unwrap();
    page[start..end].to_string()
}

async fn administrators_enrol_a_second_factor_and_use_it(db: Db) {
    let app = TestApp::spawn(db).await;
    // Without a second factor an administrator gets no API token...
    let (s, v) = app
        .post(
            "/api/v1/auth/token",
            None,
            json!({ "username": "admin", "password": crate::common::PASSWORD }),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{v}");
    assert_eq!(v["error"]["code"], "totp_enrolment_required");
    // ...and on the web is sent to enrol before anything else.
    let mut b = Browser::new(&app);
    let to = password_step(&mut b, "admin", crate::common::PASSWORD).await;
    assert_eq!(to, "/me/totp");
    let (s, _, _) = b.get("/admin").await;
    assert_eq!(s, StatusCode::UNAUTHORIZED, "not signed in until enrolled");
    let (s, _, page) = b.get("/me/totp").await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        page.contains("<svg") && page.contains("须启用动态口令"),
        "{page}"
    );
    let secret = secret_on(&page);
    let csrf = hidden(&page, "csrf");
    let (s, _, page) = b
        .post("/me/totp", &[("csrf", &csrf), ("code", "000000")])
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("动态口令不正确"), "{page}");
    let code = code_at(&secret, "admin", now()).unwrap();
    let (s, _, page) = b
        .post("/me/totp", &[("csrf", &csrf), ("code", &code)])
        .await;
    assert_eq!(s, StatusCode::OK, "{page}");
    let codes: Vec<String> = page
        .match_indices("<li><code>")
        .map(|(i, _)| page[i + 10..i + 21].to_string())
        .collect();
    assert_eq!(codes.len(), 10, "{page}");
    let (s, _, _) = b.get("/admin").await;
    assert_eq!(s, StatusCode::OK, "signed in once enrolled");

    // Next sign-in: the password, then the code; a wrong code is refused.
    let mut b = Browser::new(&app);
    assert_eq!(
        password_step(&mut b, "admin", crate::common::PASSWORD).await,
        "/login/totp"
    );
    let (_, _, page) = b.get("/login/totp").await;
    let csrf = hidden(&page, "csrf");
    let (s, _, _) = b
        .post("/login/totp", &[("csrf", &csrf), ("code", "123456")])
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    // A recovery code works once.
    let (s, to, _) = b
        .post(
            "/login/totp",
            &[("csrf", &csrf), ("code", &codes[0].to_lowercase())],
        )
        .await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    assert_eq!(to.as_deref(), Some("/workbench"));
    let mut again = Browser::new(&app);
    password_step(&mut again, "admin", crate::common::PASSWORD).await;
    let (_, _, page) = again.get("/login/totp").await;
    let csrf = hidden(&page, "csrf");
    let (s, _, _) = again
        .post("/login/totp", &[("csrf", &csrf), ("code", &codes[0])])
        .await;
    assert_eq!(
        s,
        StatusCode::UNPROCESSABLE_ENTITY,
        "a recovery code is used once"
    );

    // The API: the code is required, accepted once (the next step's code, as the
    // enrolment used this one).
    let (s, v) = app
        .post(
            "/api/v1/auth/token",
            None,
            json!({ "username": "admin", "password": crate::common::PASSWORD }),
        )
        .await;
    assert_eq!(s, StatusCode::UNAUTHORIZED, "{v}");
    assert_eq!(v["error"]["field"], "totp");
    let next = code_at(&secret, "admin", now() + 30).unwrap();
    let login = json!({ "username": "admin", "password": crate::common::PASSWORD, "totp": next });
    let (s, v) = app.post("/api/v1/auth/token", None, login.clone()).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let token = v["token"].as_str().unwrap().to_string();
    let (s, v) = app.post("/api/v1/auth/token", None, login).await;
    assert_eq!(
        s,
        StatusCode::UNPROCESSABLE_ENTITY,
        "a code is accepted once"
    );
    assert_eq!(v["error"]["field"], "totp", "{v}");

    // Logout revokes the token it came with.
    let (s, _) = app.get("/api/v1/me", Some(&token)).await;
    assert_eq!(s, StatusCode::OK);
    let (s, _) = app
        .post("/api/v1/auth/logout", Some(&token), json!({}))
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let (s, _) = app.get("/api/v1/me", Some(&token)).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);

    // A lost phone: the second factor is reset from the command line.
    let out = app.cli(&[
        "admin",
        "reset-totp",
        "--db",
        &app.db_url,
        "--username",
        "admin",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut b = Browser::new(&app);
    assert_eq!(
        password_step(&mut b, "admin", crate::common::PASSWORD).await,
        "/me/totp"
    );

    let mut c = app.store.reader().await.unwrap();
    let actions: Vec<String> = sqlx::query_scalar("SELECT action FROM audit_log ORDER BY seq")
        .fetch_all(&mut *c)
        .await
        .unwrap();
    for a in [
        "user.totp_enable",
        "user.recovery_code",
        "token.revoke",
        "user.totp_reset",
    ] {
        assert!(actions.iter().any(|x| x == a), "{a} not audited");
    }
}
both!(administrators_enrol_a_second_factor_and_use_it);

async fn accounts_are_disabled_reset_and_their_passwords_changed(db: Db) {
    let app = TestApp::spawn(db).await;
    let clerk = app.token("clerk.sj").await;
    let mut clerk_web = Browser::new(&app);
    clerk_web.staff_login("clerk.sj").await;
    let mut admin = Browser::new(&app);
    admin.staff_login("admin").await;
    let (_, _, page) = admin.get("/admin/users").await;
    let csrf = hidden(&page, "csrf");

    // Disabled: sessions and tokens end at once; the password no longer signs in.
    let (s, _, page) = admin
        .post(
            "/admin/users/clerk.sj/actions",
            &[("csrf", &csrf), ("action", "disable")],
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{page}");
    assert!(page.contains("已停用账户 clerk.sj"), "{page}");
    let (s, _) = app.get("/api/v1/me", Some(&clerk)).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    let (s, _, _) = clerk_web.get("/workbench").await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    let (s, v) = app.login("clerk.sj", crate::common::PASSWORD).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    assert!(
        v["error"]["message"].as_str().unwrap().contains("停用"),
        "{v}"
    );
    let (s, _, page) = admin
        .post(
            "/admin/users/admin/actions",
            &[("csrf", &csrf), ("action", "disable")],
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "not one's own: {page}");
    let (s, _, _) = admin
        .post(
            "/admin/users/clerk.sj/actions",
            &[("csrf", &csrf), ("action", "enable")],
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    app.token("clerk.sj").await;

    // A reset password is temporary: it must be changed before anything else.
    let (s, _, page) = admin
        .post(
            "/admin/users/clerk.sj/actions",
            &[("csrf", &csrf), ("action", "reset_password")],
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let start = page.find("临时密码：").expect("shown once") + "临时密码：".len();
    let temp: String = page[start..].chars().take(12).collect();
    let (s, v) = app
        .post(
            "/api/v1/auth/token",
            None,
            json!({ "username": "clerk.sj", "password": temp }),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{v}");
    assert_eq!(v["error"]["code"], "password_change_required");
    let mut b = Browser::new(&app);
    assert_eq!(
        password_step(&mut b, "clerk.sj", &temp).await,
        "/me/password"
    );
    let (s, _, _) = b.get("/workbench").await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    let (_, _, page) = b.get("/me/password").await;
    let csrf = hidden(&page, "csrf");
    for (new, why) in [
        ("password123", "常见"),
        ("clerk.sj-2026x", "用户名"),
        ("short1", "至少10位"),
    ] {
        let (s, _, page) = b
            .post(
                "/me/password",
                &[
                    ("csrf", &csrf),
                    ("current", &temp),
                    ("password", new),
                    ("confirm", new),
                ],
            )
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{new}");
        assert!(page.contains(why), "{new}: {page}");
    }
    let good = "Kunshan-window-7";
    let (s, to, _) = b
        .post(
            "/me/password",
            &[
                ("csrf", &csrf),
                ("current", &temp),
                ("password", good),
                ("confirm", good),
            ],
        )
        .await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    assert_eq!(to.as_deref(), Some("/workbench"));
    let (s, _, _) = b.get("/workbench").await;
    assert_eq!(s, StatusCode::OK);
    let (s, _) = app.login("clerk.sj", good).await;
    assert_eq!(s, StatusCode::OK);

    // The same from the command line: disable, enable, reset.
    for args in [
        vec!["admin", "disable-user"],
        vec!["admin", "enable-user"],
        vec!["admin", "reset-password"],
    ] {
        let mut a = args.clone();
        a.extend(["--db", &app.db_url, "--username", "approver.sj"]);
        let out = app.cli(&a);
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let mut c = app.store.reader().await.unwrap();
    let actions: Vec<String> = sqlx::query_scalar("SELECT action FROM audit_log ORDER BY seq")
        .fetch_all(&mut *c)
        .await
        .unwrap();
    for a in [
        "user.disable",
        "user.enable",
        "user.password_reset",
        "user.password_change",
    ] {
        assert!(actions.iter().any(|x| x == a), "{a} not audited");
    }
}
both!(accounts_are_disabled_reset_and_their_passwords_changed);
