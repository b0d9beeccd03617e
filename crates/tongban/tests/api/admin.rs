//! Administration through the API: departments, service points and accounts; the
//! follow-up list of bad ratings; deemed acceptance under Art. 32 of the
//! Administrative Licensing Law. Each test runs on SQLite and on PostgreSQL.

use crate::common::{
    Db, ITEM, PASSWORD, TestApp, assert_error, assert_invalid, case_no, closed_case, day, error_of,
    today,
};
use reqwest::StatusCode;
use serde_json::{Value, json};

#[track_caller]
fn array(v: &Value) -> &Vec<Value> {
    v.as_array()
        .unwrap_or_else(|| panic!("not a bare JSON array: {v}"))
}

/// A 409 naming `field`.
#[track_caller]
fn assert_conflict(s: StatusCode, v: &Value, field: &str) {
    assert_error(s, v, StatusCode::CONFLICT, "conflict");
    assert_eq!(v["error"]["field"], field, "{v}");
}

/// The actions and entity keys of the whole audit log, newest first.
async fn audit_actions(app: &TestApp, admin: &str) -> Vec<(String, String)> {
    let (s, v) = app.get("/api/v1/audit?limit=1000", Some(admin)).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    v["entries"]
        .as_array()
        .expect("entries")
        .iter()
        .map(|e| {
            (
                e["action"].as_str().unwrap().to_string(),
                e["entity_key"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

/// POSTs and asserts the request changed nothing in the audit log; the answer.
async fn post_unaudited(
    app: &TestApp,
    path: &str,
    token: Option<&str>,
    body: Value,
) -> (StatusCode, Value) {
    let before = app.count("audit_log").await;
    let (s, v) = app.post(path, token, body.clone()).await;
    assert!(!s.is_success(), "expected a failure for {body}: {s} {v}");
    assert_eq!(
        app.count("audit_log").await,
        before,
        "a failed request was audited: {path} {body} → {s} {v}"
    );
    (s, v)
}

// Organisation ────────────────────────────────────────────────────────────────────

async fn admin_manages_organisation(db: Db) {
    let app = TestApp::spawn(db).await;
    // Tokens are audited: take them before counting.
    let admin = app.token("admin").await;
    let clerk = app.token("clerk.sj").await;

    // Departments.
    let dept = json!({
        "code": "MZ",
        "name": "市民政局",
        "short_name": "民政",
        "credit_code": "91350100M000100Y43",
        "has_service_section": true
    });
    let (s, v) = post_unaudited(&app, "/api/v1/departments", Some(&clerk), dept.clone()).await;
    assert_error(s, &v, StatusCode::FORBIDDEN, "forbidden");
    let (s, v) = post_unaudited(&app, "/api/v1/departments", None, dept.clone()).await;
    assert_error(s, &v, StatusCode::UNAUTHORIZED, "unauthorized");
    let (s, v) = post_unaudited(
        &app,
        "/api/v1/departments",
        Some("not-a-real-token"),
        dept.clone(),
    )
    .await;
    assert_eq!(s, StatusCode::UNAUTHORIZED, "{v}");

    let (s, v) = app
        .post("/api/v1/departments", Some(&admin), dept.clone())
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    assert_eq!(v["code"], "MZ", "{v}");
    assert_eq!(v["name"], "市民政局");
    assert_eq!(v["short_name"], "民政");
    assert_eq!(v["credit_code"], "91350100M000100Y43");
    assert_eq!(v["has_service_section"], true);
    assert_eq!(v["stationed"], true, "stationed by default: {v}");
    assert_eq!(v["member_unit"], true, "a member unit by default: {v}");
    assert!(v.get("id").is_none(), "internal id exposed: {v}");

    let (s, v) = app.get("/api/v1/departments", None).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let deps = array(&v);
    assert_eq!(deps.len(), 3, "{v}");
    let mz = deps
        .iter()
        .find(|d| d["code"] == "MZ")
        .unwrap_or_else(|| panic!("new department not listed: {v}"));
    assert_eq!(mz["name"], "市民政局");
    assert_eq!(mz["credit_code"], "91350100M000100Y43");

    // A short name defaults to the name; codes and names are trimmed.
    let (s, v) = app
        .post(
            "/api/v1/departments",
            Some(&admin),
            json!({ "code": " RS ", "name": "市人力资源和社会保障局" }),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    assert_eq!(v["code"], "RS", "{v}");
    assert_eq!(v["short_name"], "市人力资源和社会保障局", "{v}");
    assert!(v["credit_code"].is_null(), "{v}");

    let bad = |patch: Value| {
        let mut b = json!({ "code": "WJ", "name": "市卫生健康委员会" });
        for (k, x) in patch.as_object().unwrap() {
            b[k] = x.clone();
        }
        b
    };
    let (s, v) = post_unaudited(
        &app,
        "/api/v1/departments",
        Some(&admin),
        bad(json!({ "code": "MZ", "name": "另一个民政局" })),
    )
    .await;
    assert_conflict(s, &v, "code");
    let (s, v) = post_unaudited(
        &app,
        "/api/v1/departments",
        Some(&admin),
        bad(json!({ "code": "SJ" })),
    )
    .await;
    assert_conflict(s, &v, "code");
    for code in ["wj", "W-J", "", "ABCDEFGHIJKLMNOPQ", "卫健"] {
        let (s, v) = post_unaudited(
            &app,
            "/api/v1/departments",
            Some(&admin),
            bad(json!({ "code": code })),
        )
        .await;
        assert_invalid(s, &v, "code");
    }
    let (s, v) = post_unaudited(
        &app,
        "/api/v1/departments",
        Some(&admin),
        json!({ "name": "市卫生健康委员会" }),
    )
    .await;
    assert_invalid(s, &v, "code");
    for name in [json!(""), json!("   "), Value::Null] {
        let (s, v) = post_unaudited(
            &app,
            "/api/v1/departments",
            Some(&admin),
            bad(json!({ "name": name })),
        )
        .await;
        assert_invalid(s, &v, "name");
    }
    let (s, v) = post_unaudited(
        &app,
        "/api/v1/departments",
        Some(&admin),
        bad(json!({ "name": "卫".repeat(101) })),
    )
    .await;
    assert_invalid(s, &v, "name");
    // A blank credit code is no code (a form left empty), not a bad one.
    for cc in ["91350100M000100Y44", "123"] {
        let (s, v) = post_unaudited(
            &app,
            "/api/v1/departments",
            Some(&admin),
            bad(json!({ "credit_code": cc })),
        )
        .await;
        assert_invalid(s, &v, "credit_code");
    }
    let (_, v) = app.get("/api/v1/departments", None).await;
    assert_eq!(
        array(&v).len(),
        4,
        "a failed request left a department: {v}"
    );

    // Service points.
    let point = json!({
        "code": "ZS",
        "name": "周市镇便民服务中心",
        "kind": "town",
        "division_code": "320583102",
        "address": "周市镇青阳北路"
    });
    let (s, v) = post_unaudited(&app, "/api/v1/points", Some(&clerk), point.clone()).await;
    assert_error(s, &v, StatusCode::FORBIDDEN, "forbidden");
    let (s, v) = post_unaudited(&app, "/api/v1/points", None, point.clone()).await;
    assert_error(s, &v, StatusCode::UNAUTHORIZED, "unauthorized");
    let (s, v) = app
        .post("/api/v1/points", Some(&admin), point.clone())
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    assert_eq!(v["code"], "ZS", "{v}");
    assert_eq!(v["kind"], "town");
    assert_eq!(v["kind_label"], "区镇便民服务中心");
    assert_eq!(v["division_code"], "320583102");
    assert_eq!(v["address"], "周市镇青阳北路");

    let (s, v) = app.get("/api/v1/points", None).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let points = array(&v);
    assert_eq!(points.len(), 4, "{v}");
    let zs = points
        .iter()
        .find(|p| p["code"] == "ZS")
        .unwrap_or_else(|| panic!("new point not listed: {v}"));
    assert_eq!(zs["kind"], "town", "{v}");
    assert_eq!(zs["name"], "周市镇便民服务中心");

    let bad = |patch: Value| {
        let mut b = json!({ "code": "LJ", "name": "陆家镇便民服务中心", "kind": "town", "division_code": "320583103" });
        for (k, x) in patch.as_object().unwrap() {
            b[k] = x.clone();
        }
        b
    };
    for kind in [json!("village"), json!(""), json!("Town"), Value::Null] {
        let (s, v) = post_unaudited(
            &app,
            "/api/v1/points",
            Some(&admin),
            bad(json!({ "kind": kind })),
        )
        .await;
        assert_invalid(s, &v, "kind");
    }
    for division in ["32058", "3205831020001", "32058310x", "", "三二零五八三"] {
        let (s, v) = post_unaudited(
            &app,
            "/api/v1/points",
            Some(&admin),
            bad(json!({ "division_code": division })),
        )
        .await;
        assert_invalid(s, &v, "division_code");
    }
    let (s, v) = post_unaudited(
        &app,
        "/api/v1/points",
        Some(&admin),
        bad(json!({ "code": "BC" })),
    )
    .await;
    assert_conflict(s, &v, "code");
    let (s, v) = post_unaudited(
        &app,
        "/api/v1/points",
        Some(&admin),
        bad(json!({ "code": "lj" })),
    )
    .await;
    assert_invalid(s, &v, "code");
    let (s, v) = post_unaudited(
        &app,
        "/api/v1/points",
        Some(&admin),
        bad(json!({ "name": " " })),
    )
    .await;
    assert_invalid(s, &v, "name");
    let (_, v) = app.get("/api/v1/points", None).await;
    assert_eq!(array(&v).len(), 4, "a failed request left a point: {v}");

    // Accounts.
    let user = json!({
        "username": "Approver.MZ",
        "display_name": "李四",
        "role": "approver",
        "department": "MZ",
        "password": "Str0ng-passw0rd"
    });
    let (s, v) = post_unaudited(&app, "/api/v1/users", Some(&clerk), user.clone()).await;
    assert_error(s, &v, StatusCode::FORBIDDEN, "forbidden");
    let (s, v) = post_unaudited(&app, "/api/v1/users", None, user.clone()).await;
    assert_error(s, &v, StatusCode::UNAUTHORIZED, "unauthorized");
    let (s, v) = app.post("/api/v1/users", Some(&admin), user.clone()).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    assert_eq!(
        v["username"], "approver.mz",
        "usernames are lower case: {v}"
    );
    assert_eq!(v["role"], "approver");
    assert!(
        v.get("password").is_none() && v.get("password_hash").is_none(),
        "{v}"
    );

    // The new account logs in and is what was asked for.
    let (s, v) = app.login("approver.mz", "Str0ng-passw0rd").await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let t = v["token"].as_str().expect("token").to_string();
    let (s, v) = app.get("/api/v1/me", Some(&t)).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["user"]["username"], "approver.mz");
    assert_eq!(v["user"]["display_name"], "李四");
    assert_eq!(v["user"]["role"], "approver");
    assert_eq!(v["user"]["department"], "MZ");
    let (s, _) = app.login("approver.mz", PASSWORD).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);

    // A town clerk at the new point.
    let (s, v) = app
        .post(
            "/api/v1/users",
            Some(&admin),
            json!({ "username": "town.zs", "display_name": "王五", "role": "town_clerk",
                    "point": "ZS", "password": "Town-clerk-2026" }),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let (s, v) = app.login("town.zs", "Town-clerk-2026").await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["user"]["point"], "ZS", "{v}");

    let bad = |patch: Value| {
        let mut b = json!({ "username": "head.mz", "display_name": "赵六", "role": "department_head",
                            "department": "MZ", "password": "Head-of-mz-2026" });
        for (k, x) in patch.as_object().unwrap() {
            b[k] = x.clone();
        }
        b
    };
    for pw in ["short1a", "onlyletterslong", "1234567890123", ""] {
        let (s, v) = post_unaudited(
            &app,
            "/api/v1/users",
            Some(&admin),
            bad(json!({ "password": pw })),
        )
        .await;
        assert_invalid(s, &v, "password");
    }
    let (s, v) = post_unaudited(
        &app,
        "/api/v1/users",
        Some(&admin),
        bad(json!({ "password": Value::Null })),
    )
    .await;
    assert_invalid(s, &v, "password");
    let (s, v) = post_unaudited(
        &app,
        "/api/v1/users",
        Some(&admin),
        bad(json!({ "department": "NOPE" })),
    )
    .await;
    assert_invalid(s, &v, "department");
    for dept in [Value::Null, json!("")] {
        let (s, v) = post_unaudited(
            &app,
            "/api/v1/users",
            Some(&admin),
            bad(json!({ "role": "approver", "department": dept })),
        )
        .await;
        assert_invalid(s, &v, "department");
    }
    let (s, v) = post_unaudited(
        &app,
        "/api/v1/users",
        Some(&admin),
        bad(json!({ "role": "window_clerk", "department": Value::Null })),
    )
    .await;
    assert_invalid(s, &v, "department");
    // A town clerk belongs to a town point, not to the center.
    let (s, v) = post_unaudited(
        &app,
        "/api/v1/users",
        Some(&admin),
        bad(json!({ "role": "town_clerk", "department": Value::Null, "point": "ZX" })),
    )
    .await;
    assert_invalid(s, &v, "point");
    let (s, v) = post_unaudited(
        &app,
        "/api/v1/users",
        Some(&admin),
        bad(json!({ "role": "town_clerk", "department": Value::Null })),
    )
    .await;
    assert_invalid(s, &v, "point");
    let (s, v) = post_unaudited(
        &app,
        "/api/v1/users",
        Some(&admin),
        bad(json!({ "role": "root" })),
    )
    .await;
    assert_invalid(s, &v, "role");
    for username in ["ab", "有中文", "has space", ""] {
        let (s, v) = post_unaudited(
            &app,
            "/api/v1/users",
            Some(&admin),
            bad(json!({ "username": username })),
        )
        .await;
        assert_invalid(s, &v, "username");
    }
    for username in ["approver.mz", "APPROVER.MZ", "clerk.sj", " admin "] {
        let (s, v) = post_unaudited(
            &app,
            "/api/v1/users",
            Some(&admin),
            bad(json!({ "username": username })),
        )
        .await;
        assert_conflict(s, &v, "username");
    }
    // The refused duplicate did not change the existing account's password.
    let (s, _) = app.login("approver.mz", "Str0ng-passw0rd").await;
    assert_eq!(s, StatusCode::OK);

    // The account list is the administrator's.
    let (s, v) = app.get("/api/v1/users", Some(&clerk)).await;
    assert_error(s, &v, StatusCode::FORBIDDEN, "forbidden");
    let supervisor = app.token("supervisor").await;
    let (s, _) = app.get("/api/v1/users", Some(&supervisor)).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, _) = app.get("/api/v1/users", None).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    let (s, v) = app.get("/api/v1/users", Some(&admin)).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let users = array(&v);
    assert_eq!(users.len(), 13, "{v}");
    let role_of = |u: &str| {
        users
            .iter()
            .find(|x| x["username"] == u)
            .unwrap_or_else(|| panic!("{u} not listed: {v}"))
    };
    assert_eq!(role_of("admin")["role"], "admin");
    assert_eq!(role_of("clerk.sj")["role"], "window_clerk");
    assert_eq!(role_of("clerk.sj")["department"], "SJ");
    let mz = role_of("approver.mz");
    assert_eq!(mz["role"], "approver");
    assert_eq!(mz["role_label"], "部门审批人员");
    assert_eq!(mz["department"], "MZ");
    assert_eq!(mz["display_name"], "李四");
    assert_eq!(mz["active"], true);
    assert_eq!(role_of("town.zs")["point"], "ZS");
    let text = v.to_string();
    assert!(
        !text.contains("password") && !text.contains("$argon") && !text.contains("hash"),
        "the list shows secrets: {v}"
    );

    // Every change is in the audit log, by the administrator.
    let (s, v) = app.get("/api/v1/audit?limit=1000", Some(&admin)).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let entries = v["entries"].as_array().unwrap();
    for (action, key) in [
        ("department.create", "MZ"),
        ("department.create", "RS"),
        ("point.create", "ZS"),
        ("user.create", "approver.mz"),
        ("user.create", "town.zs"),
    ] {
        let found: Vec<&Value> = entries
            .iter()
            .filter(|e| e["action"] == action && e["entity_key"] == key)
            .collect();
        assert_eq!(
            found.len(),
            1,
            "{action} {key} audited {} times",
            found.len()
        );
        assert!(
            found[0]["actor"].as_str().unwrap().contains("admin"),
            "{}",
            found[0]
        );
    }
    let actions = audit_actions(&app, &admin).await;
    assert_eq!(
        actions
            .iter()
            .filter(|(a, _)| a == "department.create")
            .count(),
        2,
        "{actions:?}"
    );
    assert_eq!(
        actions.iter().filter(|(a, _)| a == "point.create").count(),
        1,
        "{actions:?}"
    );
    let (_, v) = app.get("/api/v1/audit/verify", Some(&admin)).await;
    assert_eq!(v["intact"], true, "{v}");
}
both!(admin_manages_organisation);

/// A credit code is accepted whatever its case and surrounding spaces, and kept in
/// its canonical form (upper case, no spaces), as it is everywhere else.
async fn department_credit_code_is_normalised(db: Db) {
    let app = TestApp::spawn(db).await;
    let admin = app.token("admin").await;
    let (s, v) = app
        .post(
            "/api/v1/departments",
            Some(&admin),
            json!({ "code": "MZ", "name": "市民政局", "credit_code": " 91350100m000100y43 " }),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    assert_eq!(v["credit_code"], "91350100M000100Y43", "{v}");
    let (_, v) = app.get("/api/v1/departments", None).await;
    let mz = array(&v).iter().find(|d| d["code"] == "MZ").unwrap();
    assert_eq!(mz["credit_code"], "91350100M000100Y43", "{v}");
}
both!(department_credit_code_is_normalised);

/// Spaces around a department's name are dropped, also from the short name that
/// defaults to it.
async fn department_short_name_defaults_to_trimmed_name(db: Db) {
    let app = TestApp::spawn(db).await;
    let admin = app.token("admin").await;
    let (s, v) = app
        .post(
            "/api/v1/departments",
            Some(&admin),
            json!({ "code": "MZ", "name": "  市民政局 " }),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    assert_eq!(v["name"], "市民政局", "{v}");
    assert_eq!(v["short_name"], "市民政局", "{v}");
}
both!(department_short_name_defaults_to_trimmed_name);

/// The same department, point or account created from several sessions at once:
/// one is created, the others get a clear 409, never a 500; audited once.
async fn racing_creations_make_one(db: Db) {
    let app = std::sync::Arc::new(TestApp::spawn(db).await);
    let admin = app.token("admin").await;
    let requests = [
        (
            "/api/v1/departments",
            json!({ "code": "MZ", "name": "市民政局" }),
        ),
        (
            "/api/v1/points",
            json!({ "code": "ZS", "name": "周市镇便民服务中心", "kind": "town", "division_code": "320583102" }),
        ),
        (
            "/api/v1/users",
            json!({ "username": "hotline.2", "display_name": "话务员", "role": "hotline_agent",
                    "password": "Hotline-2026-x" }),
        ),
    ];
    let mut tasks = vec![];
    for (path, body) in &requests {
        let mut one = vec![];
        for _ in 0..5 {
            let (app, path, token, body) = (app.clone(), *path, admin.clone(), body.clone());
            one.push(tokio::spawn(async move {
                app.post(path, Some(&token), body).await
            }));
        }
        tasks.push(one);
    }
    for (one, (path, _)) in tasks.into_iter().zip(&requests) {
        let mut got = vec![];
        for t in one {
            let (s, v) = t.await.unwrap();
            assert!(!s.is_server_error(), "{path}: {s} {v}");
            if s == StatusCode::CONFLICT {
                error_of(&v);
            }
            got.push(s);
        }
        got.sort();
        assert_eq!(
            got,
            [
                StatusCode::CREATED,
                StatusCode::CONFLICT,
                StatusCode::CONFLICT,
                StatusCode::CONFLICT,
                StatusCode::CONFLICT
            ],
            "{path}"
        );
    }
    let actions = audit_actions(&app, &admin).await;
    for (action, key) in [
        ("department.create", "MZ"),
        ("point.create", "ZS"),
        ("user.create", "hotline.2"),
    ] {
        let n = actions
            .iter()
            .filter(|(a, k)| a == action && k == key)
            .count();
        assert_eq!(n, 1, "{action} {key} audited {n} times");
    }
    let (_, v) = app.get("/api/v1/audit/verify", Some(&admin)).await;
    assert_eq!(v["intact"], true, "{v}");
}
both!(racing_creations_make_one);

// Follow-ups of bad ratings ───────────────────────────────────────────────────────

async fn follow_ups_list(db: Db) {
    let app = TestApp::spawn(db).await;
    let bad = closed_case(&app, "clerk.sj", "approver.sj", ITEM).await;
    let good = closed_case(&app, "clerk.sj", "approver.sj", ITEM).await;
    let rate = |no: &str| format!("/api/v1/cases/{no}/rating");
    let (s, v) = app
        .post(
            &rate(&bad),
            None,
            json!({ "level": 1, "last_six": "31002X", "comment": "材料反复退回，多跑了三趟" }),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let due = v["follow_up"]["due_on"]
        .as_str()
        .expect("a bad rating opens a follow-up")
        .to_string();
    let (s, v) = app
        .post(
            &rate(&good),
            None,
            json!({ "level": 5, "last_six": "31002X" }),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");

    let head = app.token("head.sj").await;
    for path in [
        "/api/v1/follow-ups",
        "/api/v1/follow-ups?open=true",
        "/api/v1/follow-ups?open=1",
    ] {
        let (s, v) = app.get(path, Some(&head)).await;
        assert_eq!(s, StatusCode::OK, "{path}: {v}");
        assert_eq!(v["total"], 1, "{path}: {v}");
        let rows = v["follow_ups"].as_array().expect("follow_ups");
        assert_eq!(rows.len(), 1, "{v}");
        let f = &rows[0];
        assert_eq!(f["case_no"], bad.as_str(), "{v}");
        assert_eq!(f["department"], "SJ", "{v}");
        assert_eq!(f["item_name"], "食品经营许可", "{v}");
        assert_eq!(f["level"], 1, "{v}");
        assert_eq!(f["level_label"], "非常不满意", "{v}");
        assert_eq!(f["comment"], "材料反复退回，多跑了三趟", "{v}");
        assert!(f["rated_at"].is_string(), "{v}");
        assert_eq!(f["due_on"], due.as_str(), "{v}");
        assert!(f["due_on"].as_str().unwrap() > day(today()).as_str(), "{v}");
        assert_eq!(f["overdue"], false, "{v}");
        assert!(f["answered_at"].is_null(), "{v}");
        assert!(f["answer"].is_null(), "{v}");
        // The applicant's personal data is not in the list.
        assert!(!v.to_string().contains(crate::common::ID_NUMBER), "{v}");
    }

    // Scoped to the department; the supervisor sees all; the hotline none.
    let jt = app.token("approver.jt").await;
    let (s, v) = app.get("/api/v1/follow-ups", Some(&jt)).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["total"], 0, "{v}");
    assert_eq!(v["follow_ups"].as_array().map(Vec::len), Some(0), "{v}");
    let supervisor = app.token("supervisor").await;
    let (s, v) = app.get("/api/v1/follow-ups", Some(&supervisor)).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["total"], 1, "{v}");
    assert_eq!(v["follow_ups"][0]["case_no"], bad.as_str());
    let hotline = app.token("hotline").await;
    let (s, v) = app.get("/api/v1/follow-ups", Some(&hotline)).await;
    assert_error(s, &v, StatusCode::FORBIDDEN, "forbidden");
    let (s, v) = app.get("/api/v1/follow-ups", None).await;
    assert_error(s, &v, StatusCode::UNAUTHORIZED, "unauthorized");
    for q in ["maybe", "yes"] {
        let (s, v) = app
            .get(&format!("/api/v1/follow-ups?open={q}"), Some(&head))
            .await;
        assert_invalid(s, &v, "open");
    }

    // Answered: out of the open list, still in the full one with its answer.
    let (s, v) = app
        .post(
            &format!("/api/v1/cases/{bad}/rating/answer"),
            Some(&head),
            json!({ "finding": "founded", "answer": "已对窗口人员开展一次性告知培训" }),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    for path in ["/api/v1/follow-ups", "/api/v1/follow-ups?open=true"] {
        let (s, v) = app.get(path, Some(&head)).await;
        assert_eq!(s, StatusCode::OK, "{v}");
        assert_eq!(v["total"], 0, "{path}: {v}");
    }
    for path in ["/api/v1/follow-ups?open=false", "/api/v1/follow-ups?open=0"] {
        let (s, v) = app.get(path, Some(&head)).await;
        assert_eq!(s, StatusCode::OK, "{v}");
        assert_eq!(v["total"], 1, "{path}: {v}");
        let f = &v["follow_ups"][0];
        assert_eq!(f["case_no"], bad.as_str(), "{v}");
        assert_eq!(f["answer"], "已对窗口人员开展一次性告知培训", "{v}");
        assert!(f["answered_at"].is_string(), "{v}");
        assert_eq!(f["overdue"], false, "{v}");
    }
    let (_, v) = app
        .get("/api/v1/follow-ups?open=false", Some(&supervisor))
        .await;
    assert_eq!(v["total"], 1, "{v}");
    let (_, v) = app.get("/api/v1/follow-ups?open=false", Some(&jt)).await;
    assert_eq!(v["total"], 0, "{v}");
}
both!(follow_ups_list);

/// A follow-up not answered by its due day is overdue.
async fn follow_up_overdue(db: Db) {
    let app = TestApp::spawn(db).await;
    let no = closed_case(&app, "clerk.sj", "approver.sj", ITEM).await;
    let (s, v) = app
        .post(
            &format!("/api/v1/cases/{no}/rating"),
            None,
            json!({ "level": 2, "last_six": "31002X", "comment": "排队太久" }),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let yesterday = day(today() - chrono::Duration::days(1));
    app.exec(&format!(
        "UPDATE rating_followups SET due_on = '{yesterday}'"
    ))
    .await;
    let head = app.token("head.sj").await;
    let (_, v) = app.get("/api/v1/follow-ups", Some(&head)).await;
    assert_eq!(v["total"], 1, "{v}");
    assert_eq!(v["follow_ups"][0]["level_label"], "不满意", "{v}");
    assert_eq!(v["follow_ups"][0]["due_on"], yesterday.as_str(), "{v}");
    assert_eq!(v["follow_ups"][0]["overdue"], true, "{v}");
    let (s, _) = app
        .post(
            &format!("/api/v1/cases/{no}/rating/answer"),
            Some(&head),
            json!({ "finding": "founded", "answer": "已整改" }),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let (_, v) = app.get("/api/v1/follow-ups?open=false", Some(&head)).await;
    assert_eq!(
        v["follow_ups"][0]["overdue"], false,
        "answered is not overdue: {v}"
    );
}
both!(follow_up_overdue);

// Deemed acceptance (行政许可法第三十二条) ─────────────────────────────────────────

/// The deadline the calendar endpoint gives for `n` working days after `start`, or
/// `None` when it runs past the years whose holidays are known.
async fn calendar_deadline(app: &TestApp, start: &str, n: u32) -> Option<String> {
    let (s, v) = app
        .get(
            &format!("/api/v1/calendar/deadline?start={start}&working_days={n}"),
            None,
        )
        .await;
    if s == StatusCode::OK {
        Some(v["deadline"].as_str().expect("deadline").to_string())
    } else {
        assert_invalid(s, &v, "start");
        None
    }
}

/// Asserts the case's `field` deadline is `n` working days after `start` (or, past
/// the known years, that the case flags its deadlines as estimated).
async fn assert_deadline(app: &TestApp, v: &Value, field: &str, start: &str, n: u32) {
    match calendar_deadline(app, start, n).await {
        Some(d) => assert_eq!(v[field], d.as_str(), "{field}: {n} days after {start}: {v}"),
        None => {
            assert!(v[field].is_string(), "{v}");
            assert_eq!(v["deadline_estimated"], true, "{v}");
        }
    }
}

/// Moves the submission of a case back to `on` (a YYYY-MM-DD day).
async fn submitted_back(app: &TestApp, no: &str, on: &str) {
    let n = app
        .exec(&format!(
            "UPDATE cases SET submitted_on = '{on}', submitted_at = '{on}T01:30:00.000Z' WHERE case_no = '{no}'"
        ))
        .await;
    assert_eq!(n, 1, "{no}");
}

/// The note of the case's (only) accept event.
#[track_caller]
fn accept_note(v: &Value) -> Option<String> {
    let accepts: Vec<&Value> = v["events"]
        .as_array()
        .expect("events")
        .iter()
        .filter(|e| e["action"] == "accept")
        .collect();
    assert_eq!(accepts.len(), 1, "{v}");
    accepts[0]["note"].as_str().map(str::to_string)
}

fn is_deemed(note: &Option<String>) -> bool {
    note.as_deref().is_some_and(|n| n.contains("第三十二条"))
}

async fn deemed_acceptance(db: Db) {
    let app = TestApp::spawn(db).await;
    let clerk = app.token("clerk.sj").await;
    let today_s = day(today());
    let old = day(today() - chrono::Duration::days(15));

    // Answered late: accepted on the day it was received.
    let late = case_no(&app.apply("clerk.sj", ITEM, "online").await);
    submitted_back(&app, &late, &old).await;
    let (s, v) = app.act(&clerk, &late, "accept", None).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["status"], "accepted", "{v}");
    let note = accept_note(&v);
    assert!(is_deemed(&note), "no Art. 32 note: {note:?} {v}");
    assert_eq!(v["deemed_accepted"], true, "{v}");
    assert!(note.unwrap().contains("行政许可法"));
    // The clocks run from receipt.
    assert_deadline(&app, &v, "promised_deadline", &old, 5).await;
    assert_deadline(&app, &v, "legal_deadline", &old, 20).await;
    if let Some(d) = calendar_deadline(&app, &today_s, 5).await {
        assert_ne!(v["promised_deadline"], d.as_str(), "{v}");
    }
    assert!(v["accepted_at"].is_string(), "{v}");
    assert!(v["acceptance_no"].is_string(), "{v}");
    // Its clerk's own note is kept alongside.
    let late2 = case_no(&app.apply("clerk.sj", ITEM, "online").await);
    submitted_back(&app, &late2, &old).await;
    let (s, v) = app.act(&clerk, &late2, "accept", Some("材料齐全")).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let note = accept_note(&v).unwrap_or_default();
    assert!(
        note.contains("材料齐全") && note.contains("第三十二条"),
        "{note}"
    );
    // Audited with the note.
    let admin = app.token("admin").await;
    let (_, a) = app.get("/api/v1/audit?limit=1000", Some(&admin)).await;
    let entry = a["entries"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["action"] == "case.accept" && e["entity_key"] == late.as_str())
        .unwrap_or_else(|| panic!("accept not audited: {a}"));
    assert!(
        entry["detail"]["note"]
            .as_str()
            .is_some_and(|n| n.contains("第三十二条")),
        "{entry}"
    );

    // Accepted promptly: no such note, the clocks run from today.
    let prompt = case_no(&app.apply("clerk.sj", ITEM, "online").await);
    let (s, v) = app.act(&clerk, &prompt, "accept", None).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let note = accept_note(&v);
    assert!(!is_deemed(&note), "{note:?}");
    assert_eq!(v["deemed_accepted"], false, "{v}");
    assert_deadline(&app, &v, "promised_deadline", &today_s, 5).await;

    // Told within five working days what was missing: the rule does not apply.
    let told = case_no(&app.apply("clerk.sj", ITEM, "online").await);
    let (s, v) = app
        .act(
            &clerk,
            &told,
            "request_supplement",
            Some("缺营业执照复印件"),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    submitted_back(&app, &told, &old).await;
    let told_on = day(today() - chrono::Duration::days(14));
    let n = app
        .exec(&format!(
            "UPDATE case_pauses SET from_day = '{told_on}' WHERE case_id = (SELECT id FROM cases WHERE case_no = '{told}')"
        ))
        .await;
    assert_eq!(n, 1);
    let (s, v) = app.act(&clerk, &told, "supplement", None).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["status"], "submitted", "{v}");
    let (s, v) = app.act(&clerk, &told, "accept", None).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let note = accept_note(&v);
    assert!(
        !is_deemed(&note),
        "deemed despite a supplement request: {note:?}"
    );
    assert_deadline(&app, &v, "promised_deadline", &today_s, 5).await;

    // The same on a case whose supplement came back today, submitted today.
    let fresh = case_no(&app.apply("clerk.sj", ITEM, "online").await);
    for action in ["request_supplement", "supplement", "accept"] {
        let (s, v) = app
            .act(&clerk, &fresh, action, Some("缺营业执照复印件"))
            .await;
        assert_eq!(s, StatusCode::OK, "{action}: {v}");
        if action == "accept" {
            let note = accept_note(&v);
            assert!(!is_deemed(&note), "{note:?}");
        }
    }
}
both!(deemed_acceptance);

/// Five working days are allowed: accepted on the fifth working day after receipt is
/// in time, on the sixth it is deemed accepted on receipt.
async fn deemed_acceptance_boundary(db: Db) {
    let app = TestApp::spawn(db).await;
    let clerk = app.token("clerk.sj").await;
    let today = today();
    let cal = tongban_store::calendar::current(&app.store)
        .await
        .expect("calendar");
    // The latest day with exactly `n` working days in (day, today].
    let back = |n: u32| {
        let mut d = today;
        loop {
            d = d.pred_opt().unwrap();
            if cal.working_days_between(d, today).expect("known year") == n {
                return d;
            }
        }
    };
    for (n, deemed) in [(5, false), (6, true)] {
        let on = day(back(n));
        let no = case_no(&app.apply("clerk.sj", ITEM, "online").await);
        submitted_back(&app, &no, &on).await;
        let (s, v) = app.act(&clerk, &no, "accept", None).await;
        assert_eq!(s, StatusCode::OK, "{v}");
        let note = accept_note(&v);
        assert_eq!(
            is_deemed(&note),
            deemed,
            "{n} working days since {on}: {note:?}"
        );
        let start = if deemed { on } else { day(today) };
        assert_deadline(&app, &v, "promised_deadline", &start, 5).await;
    }
}
both!(deemed_acceptance_boundary);

/// Art. 32: what is missing must be told within five days, "逾期不告知的，自收到申请
/// 材料之日起即为受理". A supplement request made only after those five working days
/// does not undo the deemed acceptance.
async fn late_supplement_request_is_still_deemed(db: Db) {
    let app = TestApp::spawn(db).await;
    let clerk = app.token("clerk.sj").await;
    let old = day(today() - chrono::Duration::days(15));
    let no = case_no(&app.apply("clerk.sj", ITEM, "online").await);
    submitted_back(&app, &no, &old).await;
    // Told three days ago, well after the five working days, and supplied today.
    let (s, v) = app
        .act(&clerk, &no, "request_supplement", Some("缺营业执照复印件"))
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let told = day(today() - chrono::Duration::days(3));
    app.exec(&format!(
        "UPDATE case_pauses SET from_day = '{told}' WHERE case_id = (SELECT id FROM cases WHERE case_no = '{no}')"
    ))
    .await;
    let (s, v) = app.act(&clerk, &no, "supplement", None).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let (s, v) = app.act(&clerk, &no, "accept", None).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let note = accept_note(&v);
    assert!(
        is_deemed(&note),
        "a supplement request made after the five working days stopped Art. 32: {note:?}"
    );
    // The clock runs from receipt, and the late notice did not stop it.
    assert_deadline(&app, &v, "promised_deadline", &old, 5).await;
    assert_deadline(&app, &v, "legal_deadline", &old, 20).await;
}
both!(late_supplement_request_is_still_deemed);

// OpenAPI ─────────────────────────────────────────────────────────────────────────

async fn openapi_documents_admin_paths(db: Db) {
    let app = TestApp::spawn(db).await;
    let (s, v) = app.get("/api/openapi.json", None).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let paths = &v["paths"];
    for (path, method) in [
        ("/api/v1/departments", "get"),
        ("/api/v1/departments", "post"),
        ("/api/v1/points", "get"),
        ("/api/v1/points", "post"),
        ("/api/v1/users", "get"),
        ("/api/v1/users", "post"),
        ("/api/v1/follow-ups", "get"),
    ] {
        assert!(
            paths[path][method].is_object(),
            "{method} {path} not documented"
        );
    }
    // Administrative operations declare the bearer token.
    for (path, method) in [
        ("/api/v1/departments", "post"),
        ("/api/v1/points", "post"),
        ("/api/v1/users", "get"),
        ("/api/v1/users", "post"),
        ("/api/v1/follow-ups", "get"),
    ] {
        assert!(
            paths[path][method]["security"].is_array(),
            "{method} {path} does not declare its token"
        );
    }
}
both!(openapi_documents_admin_paths);

/// Art. 32 before acceptance: what is missing is told once, all of it; and an
/// application that counts as accepted after five working days can no longer be
/// refused, only accepted (as of the day it was received).
async fn one_notice_and_no_late_refusal(db: Db) {
    let app = TestApp::spawn(db).await;
    let clerk = app.token("clerk.sj").await;
    let no = case_no(&app.apply("clerk.sj", ITEM, "online").await);
    let (s, v) = app
        .act(&clerk, &no, "request_supplement", Some("缺营业执照复印件"))
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let (s, v) = app.act(&clerk, &no, "supplement", None).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let (s, v) = app
        .act(&clerk, &no, "request_supplement", Some("还缺申请书"))
        .await;
    assert_eq!(s, StatusCode::CONFLICT, "{v}");
    assert!(
        v["error"]["message"]
            .as_str()
            .unwrap()
            .contains("一次性告知"),
        "{v}"
    );
    // Received fifteen days ago and not answered: no refusal any more.
    let old = day(today() - chrono::Duration::days(15));
    let late = case_no(&app.apply("clerk.sj", ITEM, "online").await);
    submitted_back(&app, &late, &old).await;
    let (s, v) = app.act(&clerk, &late, "refuse", Some("材料不全")).await;
    assert_eq!(s, StatusCode::CONFLICT, "{v}");
    assert!(
        v["error"]["message"].as_str().unwrap().contains("即为受理"),
        "{v}"
    );
    let (_, v) = app
        .get(&format!("/api/v1/cases/{late}"), Some(&clerk))
        .await;
    assert_eq!(v["status"], "submitted", "{v}");
    let (s, v) = app.act(&clerk, &late, "accept", None).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert!(is_deemed(&accept_note(&v)), "{v}");
    // Received today: a refusal is still the clerk's to make.
    let fresh = case_no(&app.apply("clerk.sj", ITEM, "online").await);
    let (s, v) = app
        .act(&clerk, &fresh, "refuse", Some("不属于本部门职权"))
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["status"], "refused");
}
both!(one_notice_and_no_late_refusal);

/// Past the known years a deadline is an estimate: it skips the holidays fixed by
/// date, and a supplement before acceptance (the clock had not started) does not move
/// it.
async fn estimates_ignore_pauses_before_acceptance(db: Db) {
    let app = TestApp::spawn(db).await;
    let clerk = app.token("clerk.sj").await;
    let plain = case_no(&app.apply("clerk.sj", ITEM, "online").await);
    let (s, direct) = app.act(&clerk, &plain, "accept", None).await;
    assert_eq!(s, StatusCode::OK, "{direct}");
    let paused = case_no(&app.apply("clerk.sj", ITEM, "online").await);
    let (s, v) = app
        .act(
            &clerk,
            &paused,
            "request_supplement",
            Some("缺营业执照复印件"),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let before = day(today() - chrono::Duration::days(10));
    app.exec(&format!(
        "UPDATE case_pauses SET from_day = '{before}' WHERE case_id = (SELECT id FROM cases WHERE case_no = '{paused}')"
    ))
    .await;
    let (s, _) = app.act(&clerk, &paused, "supplement", None).await;
    assert_eq!(s, StatusCode::OK);
    let (s, v) = app.act(&clerk, &paused, "accept", None).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["legal_deadline"], direct["legal_deadline"], "{v}");
    assert_eq!(v["promised_deadline"], direct["promised_deadline"], "{v}");
}
both!(estimates_ignore_pauses_before_acceptance);

/// Applications awaiting pre-review show the last day of Art. 32's five working days
/// and the days left; once a notice is given the count no longer applies.
async fn pre_review_shows_the_days_left(db: Db) {
    let app = TestApp::spawn(db).await;
    let clerk = app.token("clerk.sj").await;
    let v = app.apply("clerk.sj", ITEM, "online").await;
    assert_eq!(v["answer_days_left"], 5, "{v}");
    let due = v["answer_by"].as_str().unwrap().to_string();
    assert!(due > day(today()), "{v}");
    let no = case_no(&v);
    let (_, v) = app.get(&format!("/api/v1/cases/{no}"), Some(&clerk)).await;
    assert_eq!(v["answer_by"], due.as_str(), "{v}");
    assert_eq!(v["answer_days_left"], 5, "{v}");
    let mut b = crate::common::Browser::new(&app);
    b.staff_login("clerk.sj").await;
    let (_, _, page) = b.get("/workbench?status=submitted").await;
    assert!(
        page.contains(&format!("受理期限{due}，剩5个工作日")),
        "{page}"
    );
    // Received long ago: past the five days.
    let old = day(today() - chrono::Duration::days(15));
    submitted_back(&app, &no, &old).await;
    let (_, v) = app.get(&format!("/api/v1/cases/{no}"), Some(&clerk)).await;
    assert!(v["answer_days_left"].as_i64().unwrap() < 0, "{v}");
    let (_, _, page) = b.get("/workbench?status=submitted").await;
    assert!(page.contains("已逾五个工作日，视为受理"), "{page}");
    // Told what is missing: the count stops for good.
    let told = case_no(&app.apply("clerk.sj", ITEM, "online").await);
    app.act(
        &clerk,
        &told,
        "request_supplement",
        Some("缺营业执照复印件"),
    )
    .await;
    let (_, v) = app.act(&clerk, &told, "supplement", None).await;
    assert_eq!(v["status"], "submitted", "{v}");
    assert!(v["answer_by"].is_null(), "{v}");
}
both!(pre_review_shows_the_days_left);

/// The window's bad rating and the applicant's good one are two ratings: the follow-up
/// belongs to the bad one, the case shows the applicant's without it, and a bad
/// applicant's rating later opens a follow-up of its own.
async fn follow_ups_by_kind(db: Db) {
    let app = TestApp::spawn(db).await;
    let clerk = app.token("clerk.sj").await;
    let head = app.token("head.sj").await;
    let no = crate::common::closed_case(&app, "clerk.sj", "approver.sj", ITEM).await;
    let rate = format!("/api/v1/cases/{no}/rating");
    let (s, v) = app.post(&rate, Some(&clerk), json!({ "level": 1 })).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    assert!(v["follow_up"].is_object(), "{v}");
    let (s, v) = app
        .post(&rate, None, json!({ "level": 5, "last_six": "31002X" }))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    assert!(
        v["follow_up"].is_null(),
        "a good rating has no follow-up: {v}"
    );
    let (_, c) = app.get(&format!("/api/v1/cases/{no}"), Some(&clerk)).await;
    assert_eq!(c["rating"]["level"], 5, "{c}");
    assert!(c["rating"]["follow_up"].is_null(), "{c}");
    let (_, list) = app.get("/api/v1/follow-ups", Some(&head)).await;
    assert_eq!(list["total"], 1, "{list}");
    assert_eq!(list["follow_ups"][0]["level"], 1, "{list}");
    // Another case: the window good, the applicant bad — the applicant's follow-up.
    let other = crate::common::closed_case(&app, "clerk.sj", "approver.sj", ITEM).await;
    let rate = format!("/api/v1/cases/{other}/rating");
    app.post(&rate, Some(&clerk), json!({ "level": 5 })).await;
    let (s, v) = app
        .post(&rate, None, json!({ "level": 2, "last_six": "31002X" }))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    assert!(v["follow_up"].is_object(), "{v}");
    let (_, list) = app.get("/api/v1/follow-ups", Some(&head)).await;
    assert_eq!(list["total"], 2, "{list}");
    let out = app.cli(&["stats", "check", "--db", &app.db_url]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
}
both!(follow_ups_by_kind);

/// A catalog workbook that cannot be read whole (too large, or cut off) is refused
/// with 413 and the limit named, not answered as if no file had been chosen.
async fn oversized_catalog_workbook_is_refused(db: Db) {
    let app = TestApp::spawn(db).await;
    let mut b = crate::common::Browser::new(&app);
    b.staff_login("admin").await;
    let (s, _, page) = b.get("/admin/catalog").await;
    assert_eq!(s, StatusCode::OK);
    let csrf = crate::common::hidden(&page, "csrf");
    let versions = app.count("item_versions").await;
    let (s, page) = b
        .upload_raw(
            "/admin/catalog/import",
            "cutoff",
            crate::common::cut_off_upload("cutoff", &csrf, "file"),
        )
        .await;
    assert_eq!(s, StatusCode::PAYLOAD_TOO_LARGE, "{page}");
    assert!(page.contains("不超过20MB"), "{page}");
    assert_eq!(app.count("item_versions").await, versions);
}
both!(oversized_catalog_workbook_is_refused);
