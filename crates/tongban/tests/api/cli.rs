//! CLI integration tests: the real `tongban` binary against the test's database (each
//! test on SQLite and on PostgreSQL), with the app on port 0 to create the data.

use crate::common::{Db, INSTANT, ITEM, TestApp};
use reqwest::StatusCode;
use serde_json::Value;
use std::process::Output;

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[track_caller]
fn assert_ok(o: &Output) {
    assert!(
        o.status.success(),
        "exit {:?}\nstdout: {}\nstderr: {}",
        o.status.code(),
        stdout(o),
        stderr(o)
    );
}

#[track_caller]
fn assert_fails(o: &Output) {
    assert!(
        !o.status.success(),
        "should have failed\nstdout: {}\nstderr: {}",
        stdout(o),
        stderr(o)
    );
}

/// A window case taken by clerk.sj, approved and closed.
async fn closed_case(app: &TestApp) -> String {
    let case = app.apply("clerk.sj", ITEM, "window").await;
    let no = case["case_no"].as_str().unwrap().to_string();
    let a = app.token("approver.sj").await;
    let (s, v) = app.act(&a, &no, "approve", None).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let c = app.token("clerk.sj").await;
    let (s, v) = app.act(&c, &no, "close", None).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    no
}

async fn audit_row(app: &TestApp, seq: i64) -> (String, String) {
    use sqlx::Row;
    let mut c = app.store.reader().await.unwrap();
    let r = sqlx::query("SELECT detail, hash FROM audit_log WHERE seq = $1")
        .bind(seq)
        .fetch_one(&mut *c)
        .await
        .unwrap();
    (r.try_get(0).unwrap(), r.try_get(1).unwrap())
}

async fn set_detail(app: &TestApp, seq: i64, detail: &str) {
    let mut tx = app.store.begin().await.unwrap();
    let n = sqlx::query("UPDATE audit_log SET detail = $1 WHERE seq = $2")
        .bind(detail)
        .bind(seq)
        .execute(&mut *tx)
        .await
        .unwrap()
        .rows_affected();
    tx.commit().await.unwrap();
    assert_eq!(n, 1);
}

// 14 ──────────────────────────────────────────────────────────────────────────────

async fn audit_verify_detects_tampering(db: Db) {
    let app = TestApp::spawn(db).await;
    closed_case(&app).await;
    let total = app.count("audit_log").await;
    assert!(total > 10, "{total}");
    let verify = || app.cli(&["audit", "verify", "--db", &app.db_url]);

    let out = verify();
    assert_ok(&out);
    assert!(stdout(&out).contains("完整"), "{}", stdout(&out));
    assert!(
        stdout(&out).contains(&format!("共 {total} 条")),
        "{}",
        stdout(&out)
    );

    // An edited entry.
    let (original, _) = audit_row(&app, 3).await;
    assert_ne!(original, "{}");
    app.exec("UPDATE audit_log SET detail = '{}' WHERE seq = 3")
        .await;
    let out = verify();
    assert_eq!(
        out.status.code(),
        Some(2),
        "{}{}",
        stdout(&out),
        stderr(&out)
    );
    let text = stdout(&out);
    assert!(text.contains("第 3 条"), "{text}");
    assert!(text.contains("此前 2 条"), "{text}");
    assert!(!text.contains("完整"), "{text}");

    // Put back, intact again.
    set_detail(&app, 3, &original).await;
    let out = verify();
    assert_ok(&out);

    // An entry rewritten with a recomputed plain hash still fails: the MAC is keyed.
    app.exec("UPDATE audit_log SET actor = 'system:other' WHERE seq = 5")
        .await;
    let out = verify();
    assert_eq!(out.status.code(), Some(2));
    assert!(stdout(&out).contains("第 5 条"), "{}", stdout(&out));
    let (_, _) = audit_row(&app, 5).await;
    app.exec("UPDATE audit_log SET actor = 'system:test' WHERE seq = 5")
        .await;
    assert_ok(&verify());

    // The last entry deleted.
    let n = app
        .exec(&format!("DELETE FROM audit_log WHERE seq = {total}"))
        .await;
    assert_eq!(n, 1);
    let out = verify();
    assert_eq!(
        out.status.code(),
        Some(2),
        "{}{}",
        stdout(&out),
        stderr(&out)
    );
    assert!(
        stdout(&out).contains(&format!("第 {total} 条")),
        "{}",
        stdout(&out)
    );

    // A middle entry deleted.
    app.exec("DELETE FROM audit_log WHERE seq = 7").await;
    let out = verify();
    assert_eq!(out.status.code(), Some(2));
    assert!(stdout(&out).contains("第 7 条"), "{}", stdout(&out));

    // A wrong key is refused outright, not reported as tampering.
    let out = app.cli_env(
        &["audit", "verify", "--db", &app.db_url],
        &[(
            "TONGBAN_KEY",
            "ff0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f",
        )],
    );
    assert_fails(&out);
    assert!(stderr(&out).contains("密钥"), "{}", stderr(&out));
}
both!(audit_verify_detects_tampering);

// 15 ──────────────────────────────────────────────────────────────────────────────

async fn admin_create_user_cli(db: Db) {
    let app = TestApp::spawn(db).await;
    let url = app.db_url.clone();
    let create = |user: &str, role: &str, extra: &[&str], password: &str| {
        let mut args = vec![
            "admin",
            "create-user",
            "--db",
            &url,
            "--username",
            user,
            "--role",
            role,
        ];
        args.extend_from_slice(extra);
        app.cli_env(&args, &[("TONGBAN_PASSWORD", password)])
    };
    let users = app.count("users").await;

    let out = create(
        "newclerk",
        "window_clerk",
        &["--department", "SJ"],
        "newclerk-pass-2026",
    );
    assert_ok(&out);
    assert!(stdout(&out).contains("newclerk"), "{}", stdout(&out));
    assert_eq!(app.count("users").await, users + 1);

    let (s, v) = app.login("newclerk", "newclerk-pass-2026").await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let token = v["token"].as_str().unwrap().to_string();
    let (s, v) = app.get("/api/v1/me", Some(&token)).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v["user"]["role"], "window_clerk");
    assert_eq!(v["user"]["department"], "SJ");
    let (s, v) = app
        .post(
            "/api/v1/cases",
            Some(&token),
            TestApp::application(ITEM, "window"),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");

    for (user, role, extra, password, expect) in [
        (
            "weakpw",
            "window_clerk",
            &["--department", "SJ"][..],
            "short1",
            "密码",
        ),
        (
            "nodigits",
            "window_clerk",
            &["--department", "SJ"][..],
            "onlyletterslong",
            "密码",
        ),
        ("rooted", "root", &[][..], "good-password-1", "未知角色"),
        (
            "townless",
            "town_clerk",
            &[][..],
            "good-password-1",
            "服务点",
        ),
        (
            "towncenter",
            "town_clerk",
            &["--point", "ZX"][..],
            "good-password-1",
            "区镇",
        ),
        ("apprless", "approver", &[][..], "good-password-1", "部门"),
        (
            "nodept",
            "approver",
            &["--department", "XX"][..],
            "good-password-1",
            "XX",
        ),
        (
            "newclerk",
            "window_clerk",
            &["--department", "SJ"][..],
            "good-password-1",
            "已存在",
        ),
        ("张三", "admin", &[][..], "good-password-1", "用户名"),
    ] {
        let out = create(user, role, extra, password);
        assert_fails(&out);
        let err = stderr(&out);
        assert!(crate::common::has_chinese(&err), "{user}: {err}");
        assert!(err.contains(expect), "{user}: expected “{expect}” in {err}");
        if user != "newclerk" {
            let (s, _) = app.login(user, password).await;
            assert_eq!(s, StatusCode::UNAUTHORIZED, "{user} was created");
        }
    }
    assert_eq!(app.count("users").await, users + 1);

    // A town clerk with its town point is fine.
    let out = create(
        "town.new",
        "town_clerk",
        &["--point", "BC"],
        "town-pass-2026",
    );
    assert_ok(&out);
    let (s, v) = app.login("town.new", "town-pass-2026").await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["user"]["point"], "BC");
}
both!(admin_create_user_cli);

// 16 ──────────────────────────────────────────────────────────────────────────────

fn csv_rows(text: &str) -> (Vec<String>, Vec<Vec<String>>) {
    let mut r = csv::Reader::from_reader(text.as_bytes());
    let header = r
        .headers()
        .expect("header")
        .iter()
        .map(str::to_string)
        .collect();
    let rows = r
        .records()
        .map(|x| x.expect("row").iter().map(str::to_string).collect())
        .collect();
    (header, rows)
}

async fn export_cases_and_items(db: Db) {
    let app = TestApp::spawn(db).await;
    let a = app.apply("clerk.sj", ITEM, "window").await;
    let b = app.apply("clerk.sj", INSTANT, "window").await;
    let nos = [
        a["case_no"].as_str().unwrap().to_string(),
        b["case_no"].as_str().unwrap().to_string(),
    ];
    let url = app.db_url.clone();

    let out = app.cli(&["export", "cases", "--db", &url, "--format", "csv"]);
    assert_ok(&out);
    let text = stdout(&out);
    let (header, rows) = csv_rows(&text);
    for col in [
        "case_no",
        "item_code",
        "department",
        "point",
        "channel",
        "instant",
        "status",
        "accepted_at",
        "closed_at",
    ] {
        assert!(header.iter().any(|h| h == col), "no {col} in {header:?}");
    }
    assert_eq!(rows.len(), 2, "{text}");
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    let got: Vec<&str> = rows.iter().map(|r| r[col("case_no")].as_str()).collect();
    assert_eq!(got, [nos[0].as_str(), nos[1].as_str()]);
    assert_eq!(rows[0][col("status")], "accepted");
    assert_eq!(rows[1][col("status")], "closed");
    assert_eq!(rows[1][col("item_code")], INSTANT);
    assert_eq!(rows[0][col("department")], "SJ");
    assert_eq!(rows[0][col("point")], "ZX");
    assert_eq!(rows[0][col("channel")], "window");
    assert!(rows[0][col("closed_at")].is_empty());
    assert!(!rows[1][col("closed_at")].is_empty());
    // No personal data in exports.
    for secret in [
        crate::common::ID_NUMBER,
        crate::common::PHONE,
        "张三",
        "002X",
    ] {
        assert!(!text.contains(secret), "{secret} exported: {text}");
    }

    let out = app.cli(&["export", "cases", "--db", &url, "--format", "jsonl"]);
    assert_ok(&out);
    let lines: Vec<Value> = stdout(&out)
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON line"))
        .collect();
    assert_eq!(lines.len(), 2);
    for (l, no) in lines.iter().zip(&nos) {
        assert_eq!(l["case_no"], no.as_str());
    }
    assert_eq!(lines[1]["instant"], true);

    // To a file (relative to the working directory).
    let out = app.cli(&[
        "export",
        "cases",
        "--db",
        &url,
        "--format",
        "csv",
        "--out",
        "cases.csv",
    ]);
    assert_ok(&out);
    let file = std::fs::read_to_string(app.dir.path().join("cases.csv")).unwrap();
    assert_eq!(file, text);

    let out = app.cli(&["export", "items", "--db", &url]);
    assert_ok(&out);
    let (header, rows) = csv_rows(&stdout(&out));
    assert_eq!(rows.len(), 4, "{}", stdout(&out));
    let code = header
        .iter()
        .position(|h| h == "code")
        .expect("code column");
    let mut codes: Vec<&str> = rows.iter().map(|r| r[code].as_str()).collect();
    codes.sort();
    assert_eq!(
        codes,
        [
            "JT-DELEGATED-0001",
            "SJ-INSTANT-0001",
            "SJ-LICENCE-0001",
            "SJ-SUSPENDED-0001"
        ]
    );
    let out = app.cli(&["export", "items", "--db", &url, "--format", "jsonl"]);
    assert_ok(&out);
    assert_eq!(stdout(&out).lines().count(), 4);

    let out = app.cli(&["export", "users", "--db", &url]);
    assert_fails(&out);
    assert!(stderr(&out).contains("users"), "{}", stderr(&out));
    assert!(stdout(&out).is_empty());
    let out = app.cli(&["export", "cases", "--db", &url, "--format", "xml"]);
    assert_fails(&out);
    assert!(
        crate::common::has_chinese(&stderr(&out)),
        "{}",
        stderr(&out)
    );
}
both!(export_cases_and_items);

// 17 ──────────────────────────────────────────────────────────────────────────────

fn read_sheet(path: &std::path::Path) -> Vec<Vec<String>> {
    use calamine::{Data, Reader, Xlsx, open_workbook};
    let mut wb: Xlsx<_> = open_workbook(path).expect("open xlsx");
    let range = wb.worksheet_range_at(0).expect("a sheet").expect("read");
    range
        .rows()
        .map(|r| {
            r.iter()
                .map(|c| match c {
                    Data::Empty => String::new(),
                    other => other.to_string(),
                })
                .collect()
        })
        .collect()
}

fn write_sheet(path: &std::path::Path, rows: &[Vec<String>]) {
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    for (r, row) in rows.iter().enumerate() {
        for (c, v) in row.iter().enumerate() {
            ws.write_string(r as u32, c as u16, v.as_str()).unwrap();
        }
    }
    wb.save(path).unwrap();
}

async fn catalog_xlsx_round_trip(db: Db) {
    let app = TestApp::spawn(db).await;
    let url = app.db_url.clone();
    let out = app.cli(&["catalog", "export", "--db", &url, "--out", "x.xlsx"]);
    assert_ok(&out);
    assert!(stdout(&out).contains('4'), "{}", stdout(&out));
    let path = app.dir.path().join("x.xlsx");
    let rows = read_sheet(&path);
    assert_eq!(rows.len(), 5, "header and four items: {rows:?}");
    assert_eq!(rows[0][0], "实施编码");

    let versions = app.count("item_versions").await;
    let items = app.count("items").await;
    let audit = app.count("audit_log").await;
    let out = app.cli(&["catalog", "import", "--db", &url, "--file", "x.xlsx"]);
    assert_ok(&out);
    let report = stdout(&out);
    assert!(report.contains("未变 4"), "{report}");
    assert!(report.contains("新增 0"), "{report}");
    assert!(report.contains("更新 0"), "{report}");
    assert_eq!(app.count("item_versions").await, versions);
    assert_eq!(app.count("items").await, items);
    assert_eq!(app.count("audit_log").await, audit);

    // A changed item and a new one.
    let mut edited = rows.clone();
    let item_row = edited
        .iter()
        .position(|r| r[0] == ITEM)
        .expect("item in the sheet");
    edited[item_row][13] = "3".into();
    let mut new_row = edited[item_row].clone();
    new_row[0] = "SJ-NEW-0001".into();
    new_row[1] = "食品小作坊登记".into();
    edited.push(new_row);
    write_sheet(&app.dir.path().join("edited.xlsx"), &edited);
    let tomorrow =
        tongban_store::time::local_day(tongban_store::time::now()) + chrono::Duration::days(1);
    let out = app.cli(&["catalog", "import", "--db", &url, "--file", "edited.xlsx"]);
    assert_ok(&out);
    let report = stdout(&out);
    assert!(report.contains("新增 1"), "{report}");
    assert!(report.contains("更新 1"), "{report}");
    assert!(report.contains("未变 3"), "{report}");
    assert_eq!(app.count("item_versions").await, versions + 2);
    let on = tomorrow.format("%Y-%m-%d");
    let (s, v) = app
        .get(&format!("/api/v1/items/{ITEM}?on={on}"), None)
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v["promised_days"], 3, "{v}");
    assert_eq!(v["version"], 2, "{v}");
    let (_, v) = app.get(&format!("/api/v1/items/{ITEM}"), None).await;
    assert_eq!(
        v["promised_days"], 5,
        "changed before its effective date: {v}"
    );
    let (s, v) = app
        .get(&format!("/api/v1/items/SJ-NEW-0001?on={on}"), None)
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["name"], "食品小作坊登记");
    assert_eq!(v["department"]["code"], "SJ");

    // A workbook with a bad row changes nothing at all.
    let mut bad = edited.clone();
    let last = bad.len() - 1;
    bad[1][13] = "7".into();
    bad[last][12] = "月".into();
    write_sheet(&app.dir.path().join("bad.xlsx"), &bad);
    let versions = app.count("item_versions").await;
    let out = app.cli(&["catalog", "import", "--db", &url, "--file", "bad.xlsx"]);
    assert_fails(&out);
    let err = stderr(&out);
    assert!(err.contains(&format!("第{}行", last + 1)), "{err}");
    assert_eq!(app.count("item_versions").await, versions);

    // A missing file.
    let out = app.cli(&["catalog", "import", "--db", &url, "--file", "nope.xlsx"]);
    assert_fails(&out);
}
both!(catalog_xlsx_round_trip);

/// Export then import changes nothing, whatever the item holds: every field of a
/// version survives the workbook.
async fn catalog_xlsx_keeps_every_field(db: Db) {
    let app = TestApp::spawn(db).await;
    let url = app.db_url.clone();
    let admin = app.token("admin").await;
    let today = tongban_store::time::local_day(tongban_store::time::now());
    // A version in force today whose materials are asked for in two copies, with a
    // fee and several steps.
    let (_, item) = app.get(&format!("/api/v1/items/{INSTANT}"), None).await;
    let mut content = item["content"].clone();
    content["materials"][0]["copies"] = serde_json::json!(2);
    content["fees"] =
        serde_json::json!([{ "name": "工本费", "amount_fen": 1000, "basis": "苏价费〔2019〕1号" }]);
    content["conditions"] = serde_json::json!("申请人为依法设立的企业\n营业执照确已遗失");
    let (s, v) = app
        .post(
            &format!("/api/v1/items/{INSTANT}/versions"),
            Some(&admin),
            serde_json::json!({ "content": content, "effective_from": today.format("%Y-%m-%d").to_string(), "change_note": "材料份数" }),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let (s, v) = app
        .post(
            &format!("/api/v1/items/{INSTANT}/versions/2/publish"),
            Some(&admin),
            serde_json::json!({}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");

    assert_ok(&app.cli(&["catalog", "export", "--db", &url, "--out", "x.xlsx"]));
    let versions = app.count("item_versions").await;
    let out = app.cli(&["catalog", "import", "--db", &url, "--file", "x.xlsx"]);
    assert_ok(&out);
    let report = stdout(&out);
    let tomorrow = (today + chrono::Duration::days(1)).format("%Y-%m-%d");
    let (_, after) = app
        .get(&format!("/api/v1/items/{INSTANT}?on={tomorrow}"), None)
        .await;
    assert_eq!(
        after["content"]["materials"][0]["copies"], 2,
        "the round trip lost the number of copies: {after}"
    );
    assert!(report.contains("未变 4"), "{report}");
    assert_eq!(app.count("item_versions").await, versions, "{report}");
}
both!(catalog_xlsx_keeps_every_field);

// 18 ──────────────────────────────────────────────────────────────────────────────

fn tongban(dir: &std::path::Path, args: &[&str]) -> Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_tongban"))
        .args(args)
        .env("TONGBAN_KEY", crate::common::KEY_HEX)
        .env("TONGBAN_LOG", "error")
        .env_remove("TONGBAN_DB")
        .current_dir(dir)
        .output()
        .expect("run tongban")
}

/// Demo seeding is deterministic: the same seed gives the same cases. SQLite only.
#[test]
fn seed_demo_small() {
    let dir = tempfile::tempdir().unwrap();
    let mut exports = vec![];
    for name in ["a.db", "b.db"] {
        let url = format!("sqlite://{}/{name}", dir.path().display());
        let out = tongban(
            dir.path(),
            &["seed-demo", "--db", &url, "--scale", "0.002", "--seed", "7"],
        );
        assert_ok(&out);
        assert!(stdout(&out).contains("演示数据已生成"), "{}", stdout(&out));
        let cases = tongban(dir.path(), &["export", "cases", "--db", &url]);
        assert_ok(&cases);
        let items = tongban(dir.path(), &["export", "items", "--db", &url]);
        assert_ok(&items);
        exports.push((stdout(&out), stdout(&cases), stdout(&items)));

        // Only onto an empty database.
        let again = tongban(dir.path(), &["seed-demo", "--db", &url, "--scale", "0.002"]);
        assert_fails(&again);
        assert!(stderr(&again).contains("空数据库"), "{}", stderr(&again));
    }
    let (summary, cases, items) = &exports[0];
    let (_, case_rows) = csv_rows(cases);
    let (_, item_rows) = csv_rows(items);
    assert!(
        case_rows.len() >= 500,
        "{} cases: {summary}",
        case_rows.len()
    );
    assert!(item_rows.len() >= 600, "{} items", item_rows.len());
    let departments: usize = summary
        .split_once(" 个进驻部门")
        .and_then(|(head, _)| head.rsplit(|c: char| !c.is_ascii_digit()).next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no department count in {summary}"));
    assert!((35..=45).contains(&departments), "{summary}");
    assert_eq!(exports[0].0, exports[1].0, "summaries differ");
    assert_eq!(exports[0].2, exports[1].2, "item exports differ");
    if exports[0].1 != exports[1].1 {
        let a: Vec<&str> = exports[0].1.lines().collect();
        let b: Vec<&str> = exports[1].1.lines().collect();
        let first = a.iter().zip(&b).position(|(x, y)| x != y);
        panic!(
            "case exports differ for the same seed ({} vs {} lines); first difference at line {first:?}:\n{}\n{}",
            a.len(),
            b.len(),
            first.map(|i| a[i]).unwrap_or(""),
            first.map(|i| b[i]).unwrap_or("")
        );
    }
    // Another seed gives other data.
    let url = format!("sqlite://{}/c.db", dir.path().display());
    assert_ok(&tongban(
        dir.path(),
        &["seed-demo", "--db", &url, "--scale", "0.002", "--seed", "8"],
    ));
    let other = tongban(dir.path(), &["export", "cases", "--db", &url]);
    assert_ne!(stdout(&other), exports[0].1);
}

/// The demo office keeps the system's own rules: events in order, acceptance after
/// application, ratings only where the API allows one, valid identity numbers and an
/// intact audit chain. SQLite only.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn seed_demo_is_consistent() {
    use sqlx::Row;
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/demo.db", dir.path().display());
    let out = tongban(
        dir.path(),
        &["seed-demo", "--db", &url, "--scale", "0.002", "--seed", "7"],
    );
    assert_ok(&out);
    assert_ok(&tongban(dir.path(), &["audit", "verify", "--db", &url]));

    let store = tongban_store::Store::open(
        &url,
        tongban_store::Keys::from_hex(crate::common::KEY_HEX).unwrap(),
    )
    .await
    .unwrap();
    let mut c = store.reader().await.unwrap();
    let scalar = |sql: &'static str| sqlx::query_scalar::<_, i64>(sqlx::AssertSqlSafe(sql));
    let departments = scalar("SELECT COUNT(*) FROM departments WHERE stationed = 1")
        .fetch_one(&mut *c)
        .await
        .unwrap();
    assert!(
        (35..=45).contains(&departments),
        "{departments} stationed departments"
    );
    // The towns and districts are the hotline's member units besides.
    let towns = scalar("SELECT COUNT(*) FROM departments WHERE stationed = 0 AND member_unit = 1")
        .fetch_one(&mut *c)
        .await
        .unwrap();
    assert_eq!(towns, 11, "town member units");

    let mut problems = vec![];
    for (what, sql) in [
        (
            "cases accepted before they were submitted",
            "SELECT COUNT(*) FROM cases WHERE accepted_at < submitted_at",
        ),
        (
            "cases closed before they were accepted",
            "SELECT COUNT(*) FROM cases WHERE closed_at < accepted_at",
        ),
        (
            "cases with events out of order",
            "SELECT COUNT(DISTINCT a.case_id) FROM case_events a JOIN case_events b \
             ON a.case_id = b.case_id AND a.id < b.id WHERE a.at > b.at",
        ),
        (
            "ratings of cases that cannot be rated (only closed, rejected or refused ones can)",
            "SELECT COUNT(*) FROM ratings r JOIN cases c ON c.id = r.case_id \
             WHERE c.status NOT IN ('closed', 'rejected', 'refused')",
        ),
        (
            "accepted cases without a promised deadline",
            "SELECT COUNT(*) FROM cases WHERE status = 'accepted' AND instant = 0 AND promised_deadline IS NULL",
        ),
        (
            "12345 praise answered as a complaint, or its caller unhappy",
            "SELECT COUNT(*) FROM work_orders WHERE category = 'praise' \
             AND (reply LIKE '%整治%' OR reply LIKE '%整改%' OR callback_level <= 2)",
        ),
        (
            "decided cases with an unsupplied 容缺 material",
            "SELECT COUNT(*) FROM cases WHERE deferred IS NOT NULL AND decided_at IS NOT NULL",
        ),
    ] {
        let n = scalar(sql).fetch_one(&mut *c).await.unwrap();
        if n != 0 {
            problems.push(format!("{n} {what}"));
        }
    }

    // Applicants carry valid identity numbers and mobiles, encrypted and masked.
    let rows = sqlx::query(
        "SELECT id_number_enc, id_number_masked, phone_enc, phone_masked FROM cases \
         WHERE applicant_kind = 'person' AND id_type = 'resident_id' ORDER BY id LIMIT 200",
    )
    .fetch_all(&mut *c)
    .await
    .unwrap();
    assert!(rows.len() > 50, "{} person cases", rows.len());
    for r in &rows {
        let id = store
            .keys()
            .decrypt(&r.try_get::<String, _>(0).unwrap())
            .unwrap();
        let parsed = tongban_domain::codes::IdNumber::parse(&id);
        assert!(parsed.is_ok(), "invalid demo ID number {id}: {parsed:?}");
        assert_eq!(r.try_get::<String, _>(1).unwrap(), parsed.unwrap().masked());
        let phone = store
            .keys()
            .decrypt(&r.try_get::<String, _>(2).unwrap())
            .unwrap();
        let m = tongban_domain::codes::Mobile::parse(&phone);
        assert!(m.is_ok(), "invalid demo mobile {phone}");
        assert_eq!(r.try_get::<String, _>(3).unwrap(), m.unwrap().masked());
    }
    drop(c);
    store.close().await;
    assert!(
        problems.is_empty(),
        "demo data breaks the rules: {problems:?}"
    );
}

/// A command on a database that does not exist says so and creates nothing: no empty
/// database, no new key.
#[tokio::test]
async fn a_missing_database_is_named_not_created() {
    let dir = tempfile::tempdir().unwrap();
    for args in [
        vec!["report", "--year", "2026"],
        vec!["stats", "check"],
        vec!["audit", "verify"],
    ] {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_tongban"))
            .args(&args)
            .env_remove("TONGBAN_DB")
            .env_remove("TONGBAN_KEY")
            .env("TONGBAN_LOG", "error")
            .current_dir(dir.path())
            .output()
            .unwrap();
        assert!(!out.status.success(), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("data/tongban.db 不存在"), "{args:?}: {err}");
        assert!(
            !dir.path().join("data").exists(),
            "{args:?} created {:?}",
            std::fs::read_dir(dir.path().join("data")).map(|d| d.count())
        );
    }
}
