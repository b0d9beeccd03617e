//! Figures and the work report (issue 5): every figure checked against a
//! recomputation from the exported records, on both databases.

use crate::common::figure;
use crate::common::{DELEGATED, Db, INSTANT, ITEM, TestApp, assert_invalid, has_chinese};
use chrono::{Datelike, NaiveDate};
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::collections::BTreeMap;

fn close_to(a: &Value, b: f64, what: &str) {
    let a = a
        .as_f64()
        .unwrap_or_else(|| panic!("{what}: {a} is not a number"));
    assert!((a - b).abs() < 1e-9, "{what}: got {a}, expected {b}");
}

/// The local (UTC+8) day of an exported UTC time.
fn local_day(t: &Value) -> Option<NaiveDate> {
    let t = chrono::DateTime::parse_from_rfc3339(t.as_str()?).ok()?;
    Some(
        t.with_timezone(&chrono::FixedOffset::east_opt(8 * 3600).unwrap())
            .date_naive(),
    )
}

fn jsonl(out: &std::process::Output) -> Vec<Value> {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout.clone())
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// Counts of the exported cases of one year, done here in Rust.
#[derive(Default, Debug)]
struct Recount {
    accepted: i64,
    instant: i64,
    online: i64,
    closed: i64,
    by_point: BTreeMap<String, i64>,
    by_department: BTreeMap<String, i64>,
}

fn recount(cases: &[Value], year: i32) -> Recount {
    let mut r = Recount::default();
    for c in cases {
        if local_day(&c["accepted_at"]).is_some_and(|d| d.year() == year) {
            r.accepted += 1;
            r.instant += i64::from(c["instant"] == true);
            r.online += i64::from(c["channel"] == "online");
            *r.by_point
                .entry(c["point"].as_str().unwrap().into())
                .or_default() += 1;
            *r.by_department
                .entry(c["department"].as_str().unwrap().into())
                .or_default() += 1;
        }
        if local_day(&c["closed_at"]).is_some_and(|d| d.year() == year) {
            r.closed += 1;
        }
    }
    r
}

async fn move_case(app: &TestApp, no: &str, day: &str) {
    let at = format!("{day}T02:00:00.000Z");
    let n = app
        .exec(&format!(
            "UPDATE cases SET submitted_at = '{at}', submitted_on = '{day}', \
             accepted_at = CASE WHEN accepted_at IS NULL THEN NULL ELSE '{at}' END, \
             accepted_on = CASE WHEN accepted_on IS NULL THEN NULL ELSE '{day}' END, \
             closed_at = CASE WHEN closed_at IS NULL THEN NULL ELSE '{at}' END, \
             closed_on = CASE WHEN closed_on IS NULL THEN NULL ELSE '{day}' END \
             WHERE case_no = '{no}'"
        ))
        .await;
    assert_eq!(n, 1);
    // Moved behind the platform's back: recompute the figures kept per day, as an
    // operator would after such a change.
    tongban_store::stats::rebuild(&app.store).await.unwrap();
}

async fn figures_match_exported_records(db: Db) {
    let app = TestApp::spawn(db).await;
    let year = tongban_store::time::local_day(tongban_store::time::now()).year();
    let clerk = app.token("clerk.sj").await;
    // An item whose limits count calendar days: the speed-up weighs them in working
    // time.
    let mut natural = crate::common::content(
        "以自然日计期限的事项",
        false,
        tongban_domain::catalog::ItemStatus::InUse,
        vec![],
        tongban_domain::catalog::OnlineDepth::Offline,
    );
    natural.statutory = tongban_domain::catalog::TimeLimit {
        days: 60,
        unit: tongban_domain::TimeUnit::Natural,
    };
    natural.promised = tongban_domain::catalog::TimeLimit {
        days: 14,
        unit: tongban_domain::TimeUnit::Natural,
    };
    let actor = tongban_store::audit::Actor::system("test");
    tongban_store::catalog::create_item(
        &app.store,
        "SJ-NATURAL-0001",
        "SJ",
        None,
        natural,
        NaiveDate::from_ymd_opt(2020, 1, 1).unwrap(),
        &actor,
    )
    .await
    .unwrap();
    tongban_store::catalog::publish(
        &app.store,
        "SJ-NATURAL-0001",
        1,
        NaiveDate::from_ymd_opt(2019, 12, 1).unwrap(),
        &actor,
    )
    .await
    .unwrap();

    // Cancellations count as decided within the period: one taking effect today, not
    // one decided years ago.
    for (code, cancelled_today) in [("SJ-CANCEL-NOW-0001", true), ("SJ-CANCEL-OLD-0001", false)] {
        let mut c = crate::common::content(
            code,
            false,
            if cancelled_today {
                tongban_domain::catalog::ItemStatus::InUse
            } else {
                tongban_domain::catalog::ItemStatus::Cancelled
            },
            vec![],
            tongban_domain::catalog::OnlineDepth::Offline,
        );
        tongban_store::catalog::create_item(
            &app.store,
            code,
            "SJ",
            None,
            c.clone(),
            NaiveDate::from_ymd_opt(2020, 1, 1).unwrap(),
            &actor,
        )
        .await
        .unwrap();
        tongban_store::catalog::publish(
            &app.store,
            code,
            1,
            NaiveDate::from_ymd_opt(2019, 12, 1).unwrap(),
            &actor,
        )
        .await
        .unwrap();
        if cancelled_today {
            c.status = tongban_domain::catalog::ItemStatus::Cancelled;
            let today = tongban_store::time::local_day(tongban_store::time::now());
            let v = tongban_store::catalog::new_version(&app.store, code, c, today, "取消", &actor)
                .await
                .unwrap();
            tongban_store::catalog::publish(&app.store, code, v, today, &actor)
                .await
                .unwrap();
        }
    }

    // Window cases (accepted at once), an instant one, online ones accepted after
    // pre-review, one at a town point.
    let w1 = app.apply("clerk.sj", ITEM, "window").await;
    let w2 = app.apply("clerk.sj", ITEM, "window").await;
    let w3 = app.apply("clerk.sj", ITEM, "window").await;
    let inst = app.apply("clerk.sj", INSTANT, "window").await;
    let town = app.apply("town.bc", DELEGATED, "window").await;
    let mut online = Vec::new();
    for _ in 0..3 {
        let v = app.apply("clerk.sj", ITEM, "online").await;
        online.push(v["case_no"].as_str().unwrap().to_string());
    }
    for no in &online[..2] {
        let (s, v) = app.act(&clerk, no, "accept", None).await;
        assert_eq!(s, StatusCode::OK, "{v}");
    }
    // The third online application is never accepted: not counted.
    let no = |v: &Value| v["case_no"].as_str().unwrap().to_string();
    // One case on another day of this year, two a year earlier.
    move_case(&app, &no(&w2), &format!("{year}-01-05")).await;
    move_case(&app, &no(&w3), &format!("{}-03-10", year - 1)).await;
    move_case(&app, &online[0], &format!("{}-06-18", year - 1)).await;
    let _ = (&w1, &inst, &town);

    // 12345: two direct answers (phone, web), one dispatched, one a year earlier.
    let agent = app.token("hotline").await;
    let order = |channel: &str, unit: Option<&str>| {
        let mut v = json!({
            "channel": channel, "category": "consultation", "caller_name": "王芳",
            "phone": crate::common::PHONE, "content": "咨询营业执照办理条件。"
        });
        match unit {
            Some(u) => v["unit"] = json!(u),
            None => v["answer"] = json!("已告知办理条件和所需材料"),
        }
        v
    };
    for (channel, unit) in [
        ("phone", None),
        ("web", None),
        ("phone", Some("JT")),
        ("phone", None),
    ] {
        let (s, v) = app
            .post("/api/v1/work-orders", Some(&agent), order(channel, unit))
            .await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
    }
    let n = app
        .exec(&format!(
            "UPDATE work_orders SET created_at = '{}-05-06T03:00:00.000Z' WHERE id = (SELECT MAX(id) FROM work_orders)",
            year - 1
        ))
        .await;
    assert_eq!(n, 1);
    // Changed behind the platform's back: the kept figures are recomputed.
    tongban_store::stats::rebuild(&app.store).await.unwrap();

    // The figures, from the API and the CLI.
    let sup = app.token("supervisor").await;
    let (s, api) = app
        .get(&format!("/api/v1/figures?period={year}"), Some(&sup))
        .await;
    assert_eq!(s, StatusCode::OK, "{api}");
    let out = app.cli(&[
        "report",
        "--db",
        &app.db_url,
        "--year",
        &year.to_string(),
        "--format",
        "json",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let cli: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(cli["figures"], api["figures"], "CLI and API agree");

    // Independent recomputation from the exported cases.
    let cases = jsonl(&app.cli(&["export", "cases", "--db", &app.db_url, "--format", "jsonl"]));
    assert_eq!(cases.len(), 8);
    let now = recount(&cases, year);
    let before = recount(&cases, year - 1);
    assert_eq!(now.accepted, 5, "{now:?}");
    assert_eq!(before.accepted, 2, "{before:?}");
    let check = |key: &str, v: f64, e: f64| {
        let f = figure(&api, key);
        close_to(&f["value"], v, key);
        close_to(&f["year_earlier"], e, key);
        if e != 0.0 {
            close_to(&f["growth"], (v - e) / e, key);
        } else {
            assert!(f["growth"].is_null(), "{key}: {f}");
        }
    };
    let f = |n: i64| n as f64;
    check("cases_accepted", f(now.accepted), f(before.accepted));
    check("cases_instant", f(now.instant), f(before.instant));
    check("cases_online", f(now.online), f(before.online));
    check("cases_closed", f(now.closed), f(before.closed));
    check(
        "online_rate",
        f(now.online) / f(now.accepted),
        f(before.online) / f(before.accepted),
    );
    // Working days counted here on the calendar, day by day.
    let cal = tongban_store::calendar::current(&app.store).await.unwrap();
    // A year in progress counts to today, the year before to the same date.
    let end = crate::common::period_end(year);
    let working = |y: i32| {
        let last = end.with_year(y).unwrap();
        let mut d = NaiveDate::from_ymd_opt(y, 1, 1).unwrap();
        let mut n = 0;
        while d <= last {
            n += i64::from(cal.is_working_day(d).unwrap());
            d = d.succ_opt().unwrap();
        }
        n
    };
    assert_eq!(api["period"]["working_days"], working(year));
    assert_eq!(
        api["year_earlier_period"]["working_days"],
        working(year - 1)
    );
    check(
        "cases_per_working_day",
        f(now.accepted) / f(working(year)),
        f(before.accepted) / f(working(year - 1)),
    );
    let away = |r: &Recount| r.by_point.get("BC").copied().unwrap_or(0);
    check("cases_away_from_center", f(away(&now)), f(away(&before)));
    for row in figure(&api, "cases_by_point")["rows"].as_array().unwrap() {
        let code = row["code"].as_str().unwrap();
        assert_eq!(
            row["value"],
            now.by_point.get(code).copied().unwrap_or(0),
            "{row}"
        );
        assert_eq!(
            row["year_earlier"],
            before.by_point.get(code).copied().unwrap_or(0),
            "{row}"
        );
    }
    // 分流 by department: the delegated item taken at the town point is the transport
    // department's, every other case was taken at the center.
    let jt = api["by_department"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["code"] == "JT")
        .unwrap();
    assert!(jt["cases_away"].as_i64().unwrap() >= 1, "{jt}");
    assert_eq!(jt["cases_away"], jt["cases_accepted"], "{jt}");
    for row in api["by_department"].as_array().unwrap() {
        let code = row["code"].as_str().unwrap();
        if code != "JT" {
            assert_eq!(row["cases_away"], 0, "{row}");
        }
        assert_eq!(
            row["cases_accepted"],
            now.by_department.get(code).copied().unwrap_or(0),
            "{row}"
        );
        assert_eq!(
            row["cases_accepted_year_earlier"],
            before.by_department.get(code).copied().unwrap_or(0),
            "{row}"
        );
    }

    // The catalog, recomputed from the exported items in force.
    let items = jsonl(&app.cli(&["export", "items", "--db", &app.db_url, "--format", "jsonl"]));
    let status = |s: &str| items.iter().filter(|i| i["status"] == s).count() as f64;
    let in_use: Vec<&Value> = items.iter().filter(|i| i["status"] == "in_use").collect();
    let sum_in_use = figure(&api, "items_in_use")["value"].as_f64().unwrap()
        + figure(&api, "sub_items_in_use")["value"].as_f64().unwrap();
    assert_eq!(sum_in_use, in_use.len() as f64);
    let instant_items = in_use.iter().filter(|i| i["instant"] == true).count() as f64;
    close_to(
        &figure(&api, "items_instant")["value"],
        instant_items,
        "items_instant",
    );
    close_to(
        &figure(&api, "instant_share")["value"],
        instant_items / in_use.len() as f64,
        "instant_share",
    );
    close_to(
        &figure(&api, "items_suspended")["value"],
        status("suspended"),
        "suspended",
    );
    // Decided within the period: the one cancelled today, of the two cancelled items
    // in force.
    assert_eq!(status("cancelled"), 2.0);
    close_to(&figure(&api, "items_cancelled")["value"], 1.0, "cancelled");
    close_to(
        &figure(&api, "items_cancelled")["year_earlier"],
        0.0,
        "cancelled a year earlier",
    );
    close_to(
        &figure(&api, "items_transferred")["value"],
        0.0,
        "transferred",
    );
    let (mut promised, mut statutory) = (0i64, 0i64);
    for i in in_use
        .iter()
        .filter(|i| i["statutory_days"].as_i64().unwrap() > 0)
    {
        // One unit for both: seven calendar days hold five working days.
        let w = |unit: &Value| if unit == "natural" { 5 } else { 7 };
        promised += i["promised_days"].as_i64().unwrap() * w(&i["promised_unit"]);
        statutory += i["statutory_days"].as_i64().unwrap() * w(&i["statutory_unit"]);
    }
    close_to(
        &figure(&api, "speedup_rate")["value"],
        1.0 - promised as f64 / statutory as f64,
        "speedup_rate",
    );
    // Departments and points, from their exports.
    let export = |dataset: &str| {
        jsonl(&app.cli(&["export", dataset, "--db", &app.db_url, "--format", "jsonl"]))
    };
    let departments = export("departments");
    let stationed: Vec<&Value> = departments
        .iter()
        .filter(|d| d["stationed"] == true)
        .collect();
    assert_eq!(stationed.len(), 2);
    close_to(
        &figure(&api, "stationed_departments")["value"],
        stationed.len() as f64,
        "stationed",
    );
    close_to(
        &figure(&api, "departments_with_service_section")["value"],
        stationed
            .iter()
            .filter(|d| d["has_service_section"] == true)
            .count() as f64,
        "with a service section",
    );
    let mut codes: Vec<String> = export("points")
        .iter()
        .map(|p| p["code"].as_str().unwrap().to_string())
        .collect();
    let mut rows: Vec<String> = figure(&api, "cases_by_point")["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["code"].as_str().unwrap().to_string())
        .collect();
    codes.sort();
    rows.sort();
    assert_eq!(codes, rows, "every point has its row");

    // 12345, against what was registered above.
    check("hotline_received", 3.0, 1.0);
    check("hotline_direct_answers", 2.0, 1.0);
    check("hotline_direct_answer_rate", 2.0 / 3.0, 1.0);
    check("hotline_dispatched", 1.0, 0.0);
    let channels = figure(&api, "hotline_by_channel")["rows"].clone();
    assert!(
        channels
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["code"] == "phone" && r["value"] == 2 && r["year_earlier"] == 1),
        "{channels}"
    );
    assert!(
        figure(&api, "hotline_on_time_rate")["value"].is_null(),
        "none closed yet"
    );

    // Every figure has a label in Chinese and a unit.
    for fig in api["figures"].as_array().unwrap() {
        assert!(has_chinese(fig["label"].as_str().unwrap()), "{fig}");
        assert!(!fig["unit"].as_str().unwrap().is_empty(), "{fig}");
    }

    // The Markdown report, with the numbers filled.
    let out = app.cli(&[
        "report",
        "--db",
        &app.db_url,
        "--year",
        &year.to_string(),
        "--format",
        "md",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let md = String::from_utf8(out.stdout).unwrap();
    assert!(
        md.contains(&format!("一、{}工作情况", crate::common::year_label(year))),
        "{md}"
    );
    assert!(
        md.contains(&format!("共受理各类办件{}件", now.accepted)),
        "{md}"
    );
    assert!(
        md.contains(&format!("上年同期{}件", before.accepted)),
        "{md}"
    );
    assert!(md.contains(&format!("即办件{}件", now.instant)), "{md}");
    assert!(
        md.contains(&format!(
            "网上审批率为{:.2}%",
            f(now.online) / f(now.accepted) * 100.0
        )),
        "{md}"
    );
    assert!(md.contains("同比增长150.0%"), "{md}");
    assert!(md.contains("组织对0个项目进行联合验收"), "{md}");
    assert!(!md.contains("联合验收数据尚未接入"), "{md}");
    assert!(md.contains("| 巴城镇便民服务中心 | 1 | 0 |"), "{md}");
    assert!(md.contains("| 市市场监督管理局 |"), "{md}");
    assert!(md.contains("12345便民服务中心受理总量3个"), "{md}");
    assert!(!md.contains("xx"), "{md}");

    // --from/--to and --out.
    let file = app.dir.path().join("report.md");
    let out = app.cli(&[
        "report",
        "--db",
        &app.db_url,
        "--from",
        &format!("{year}-01-01"),
        "--to",
        &format!("{year}-01-31"),
        "--out",
        file.to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let md = std::fs::read_to_string(&file).unwrap();
    assert!(md.contains(&format!("一、{year}年1月工作情况")), "{md}");
    assert!(md.contains("共受理各类办件1件"), "{md}");
}
both!(figures_match_exported_records);

async fn bad_periods_are_refused(db: Db) {
    let app = TestApp::spawn(db).await;
    let sup = app.token("supervisor").await;
    for bad in ["2026-Q5", "2026-13", "abc", "2026-09-30..2026-01-01", ""] {
        let (s, v) = app
            .get(&format!("/api/v1/figures?period={bad}"), Some(&sup))
            .await;
        let msg = assert_invalid(s, &v, "period");
        assert!(has_chinese(&msg), "{bad}: {msg}");
    }
    let (s, v) = app.get("/api/v1/figures", Some(&sup)).await;
    assert_invalid(s, &v, "period");
    // A quarter and a month work.
    for ok in ["2026-Q3", "2026-07", "2026-07-15", "2026-01-01..2026-09-30"] {
        let (s, v) = app
            .get(&format!("/api/v1/figures?period={ok}"), Some(&sup))
            .await;
        assert_eq!(s, StatusCode::OK, "{ok}: {v}");
    }
    let (s, v) = app.get("/api/v1/figures?period=2026-Q3", Some(&sup)).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v["period"]["from"], "2026-07-01");
    assert_eq!(v["year_earlier_period"]["to"], "2025-09-30");
    // Managers only.
    let head = app.token("head.sj").await;
    let (s, _) = app.get("/api/v1/figures?period=2026", Some(&head)).await;
    assert_eq!(s, StatusCode::OK);
    let clerk = app.token("clerk.sj").await;
    let (s, v) = app.get("/api/v1/figures?period=2026", Some(&clerk)).await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{v}");
    let (s, _) = app.get("/api/v1/figures?period=2026", None).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    // The CLI says what is wrong, in Chinese.
    let out = app.cli(&["report", "--db", &app.db_url, "--period", "2026-Q9"]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("季度"), "{err}");
    let out = app.cli(&[
        "report",
        "--db",
        &app.db_url,
        "--year",
        "2026",
        "--format",
        "pdf",
    ]);
    assert!(!out.status.success());
    assert!(has_chinese(&String::from_utf8_lossy(&out.stderr)));
}
both!(bad_periods_are_refused);

/// The hotline's own figures (issue 4): the call records recomputed from their
/// export, the work-order rates from what was registered here.
async fn hotline_figures_match_records(db: Db) {
    let app = TestApp::spawn(db).await;
    let now = chrono::Utc::now().with_timezone(&chrono::FixedOffset::east_opt(8 * 3600).unwrap());
    let year = now.year();
    let t = |min: i64| {
        (now - chrono::Duration::minutes(min))
            .format("%Y-%m-%d %H:%M:%S")
            .to_string()
    };
    // This year: four answered (waits 5, 15, 16, 40), two abandoned; a year
    // earlier: one answered, one abandoned.
    let log = format!(
        "call_id,caller,start,result,wait_seconds,talk_seconds,agent\n\
         N1,13800000001,{},answered,5,100,1001\n\
         N2,13800000002,{},answered,15,100,1001\n\
         N3,13800000003,{},answered,16,100,1002\n\
         N4,13800000004,{},answered,40,100,1002\n\
         N5,13800000005,{},abandoned,30,0,\n\
         N6,13800000006,{},abandoned,50,0,\n\
         P1,13800000007,{}-06-15 10:00:00,answered,9,100,1001\n\
         P2,13800000008,{}-06-15 10:05:00,abandoned,20,0,\n",
        t(60),
        t(55),
        t(50),
        t(45),
        t(40),
        t(35),
        year - 1,
        year - 1
    );
    let file = app.dir.path().join("calls.csv");
    std::fs::write(&file, log).unwrap();
    let out = app.cli(&[
        "hotline",
        "import-calls",
        "--db",
        &app.db_url,
        file.to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let agent_p = tongban_store::org::principal_by_username(&app.store, "hotline")
        .await
        .unwrap();
    for id in ["N5", "P2"] {
        tongban_store::calls::callback(&app.store, &agent_p, id, None)
            .await
            .unwrap();
    }

    // Work orders: a direct answer; two dispatched, signed, replied and closed
    // (levels 5 and 3); one dispatched and never signed; one dispatched and merged;
    // one left accepted and marked faulty.
    let agent = app.token("hotline").await;
    let unit = app.token("unit.jt").await;
    let mut nos = vec![];
    for body in [
        json!({ "answer": "已告知办理条件", "channel": "web" }),
        json!({ "unit": "JT" }),
        json!({ "unit": "JT" }),
        json!({ "unit": "JT" }),
        json!({ "unit": "JT" }),
        json!({}),
    ] {
        let mut b = json!({ "category": "consultation", "caller_name": "王芳",
            "phone": crate::common::PHONE, "content": "咨询道路运输证办理。" });
        for (k, v) in body.as_object().unwrap() {
            b[k] = v.clone();
        }
        let (s, v) = app.post("/api/v1/work-orders", Some(&agent), b).await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
        nos.push(v["order_no"].as_str().unwrap().to_string());
    }
    let act = |no: String, token: String, body: Value| {
        let app = &app;
        async move {
            let (s, v) = app
                .post(
                    &format!("/api/v1/work-orders/{no}/actions"),
                    Some(&token),
                    body,
                )
                .await;
            assert_eq!(s, StatusCode::OK, "{v}");
        }
    };
    for (i, level, resolved) in [(1usize, 5, true), (4, 3, false)] {
        act(nos[i].clone(), unit.clone(), json!({ "action": "sign" })).await;
        act(
            nos[i].clone(),
            unit.clone(),
            json!({ "action": "reply", "note": "已现场处理" }),
        )
        .await;
        act(
            nos[i].clone(),
            agent.clone(),
            json!({ "action": "close", "level": level, "resolved": resolved }),
        )
        .await;
    }
    // Through the platform, so the figures kept per day follow each action.
    act(
        nos[3].clone(),
        agent.clone(),
        json!({ "action": "merge", "into": nos[1] }),
    )
    .await;
    let sup = app.token("supervisor").await;
    act(
        nos[5].clone(),
        sup.clone(),
        json!({ "action": "mark_faulty", "note": "分类错误" }),
    )
    .await;
    let out = app.cli(&["stats", "check", "--db", &app.db_url]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );

    let sup = app.token("supervisor").await;
    let (s, api) = app
        .get(&format!("/api/v1/figures?period={year}"), Some(&sup))
        .await;
    assert_eq!(s, StatusCode::OK, "{api}");
    let value = |key: &str| figure(&api, key)["value"].clone();

    // Calls, recomputed from the exported records.
    let calls = jsonl(&app.cli(&["export", "calls", "--db", &app.db_url, "--format", "jsonl"]));
    assert_eq!(calls.len(), 8);
    let of_year = |y: i32| -> Vec<&Value> {
        calls
            .iter()
            .filter(|c| local_day(&c["started_at"]).is_some_and(|d| d.year() == y))
            .collect()
    };
    for (y, side) in [(year, "value"), (year - 1, "year_earlier")] {
        let list = of_year(y);
        let offered = list.len() as f64;
        let answered: Vec<&&Value> = list.iter().filter(|c| c["answered"] == true).collect();
        let in_15 = answered
            .iter()
            .filter(|c| c["wait_seconds"].as_i64().unwrap() <= 15)
            .count() as f64;
        let wait: i64 = answered
            .iter()
            .map(|c| c["wait_seconds"].as_i64().unwrap())
            .sum();
        let called_back = list
            .iter()
            .filter(|c| c["answered"] == false && !c["called_back_at"].is_null())
            .count() as f64;
        let get = |key: &str| figure(&api, key)[side].clone();
        close_to(&get("hotline_calls"), offered, "hotline_calls");
        close_to(
            &get("hotline_connection_rate"),
            answered.len() as f64 / offered,
            "hotline_connection_rate",
        );
        close_to(
            &get("hotline_answered_15s_rate"),
            in_15 / offered,
            "hotline_answered_15s_rate",
        );
        close_to(
            &get("hotline_avg_wait_seconds"),
            wait as f64 / answered.len() as f64,
            "hotline_avg_wait_seconds",
        );
        close_to(
            &get("hotline_missed_callbacks"),
            called_back,
            "hotline_missed_callbacks",
        );
    }
    close_to(&value("hotline_calls"), 6.0, "calls this year");
    close_to(&value("hotline_answered_15s_rate"), 2.0 / 6.0, "15 s");
    let growth = figure(&api, "hotline_calls")["growth"].as_f64().unwrap();
    assert!((growth - 2.0).abs() < 1e-9, "{growth}");

    // Work orders, against what was registered above: 受理总量 is the four calls
    // answered plus the one request from the web.
    close_to(&value("hotline_received"), 5.0, "received");
    close_to(&value("hotline_valid_orders"), 5.0, "valid: one merged");
    close_to(&value("hotline_error_rate"), 1.0 / 5.0, "error rate");
    close_to(
        &value("hotline_response_rate"),
        2.0 / 3.0,
        "response: two of three valid dispatched orders signed",
    );
    close_to(
        &value("hotline_resolution_rate"),
        1.0 / 2.0,
        "resolution: the callers' own answers, one of two resolved",
    );
    close_to(
        &value("hotline_satisfaction_rate"),
        1.0,
        "satisfaction: 基本满意 counts by default",
    );
    // The mean level 4 of 5, as the report writes it: 80%.
    close_to(&value("hotline_avg_satisfaction"), 0.8, "average level");
    for key in [
        "hotline_valid_orders",
        "hotline_error_rate",
        "hotline_response_rate",
        "hotline_resolution_rate",
        "hotline_satisfaction_rate",
    ] {
        let f = figure(&api, key);
        assert!(has_chinese(f["definition"].as_str().unwrap()), "{f}");
        if key != "hotline_valid_orders" {
            assert!(f["year_earlier"].is_null(), "nothing a year earlier: {f}");
        }
    }

    // The Markdown report says them.
    let out = app.cli(&["report", "--db", &app.db_url, "--year", &year.to_string()]);
    let md = String::from_utf8(out.stdout).unwrap();
    assert!(
        md.contains("受理总量5个（同比增长400.0%），其中：电话4个、网站1个，形成有效工单5件"),
        "{md}"
    );
    assert!(md.contains("工单差错率20.00%"), "{md}");
    assert!(
        md.contains("响应率66.67%，解决率50.00%，满意率100.00%"),
        "{md}"
    );
    // Where the local rule does not count 基本满意, only the 非常满意 counts.
    app.exec("INSERT INTO settings (key, value) VALUES ('hotline_basic_satisfied', '0')")
        .await;
    let (_, api) = app
        .get(&format!("/api/v1/figures?period={year}"), Some(&sup))
        .await;
    close_to(
        &figure(&api, "hotline_satisfaction_rate")["value"],
        0.5,
        "satisfaction without 基本满意",
    );
    assert!(
        md.contains(
            "热线呼入来电6个，接通率66.67%，15秒接通率33.33%，接通来电平均等待19.0秒；漏话回拨1个"
        ),
        "{md}"
    );
}
both!(hotline_figures_match_records);

/// 好差评 figures, kept per day as ratings are given and bad ones answered, checked
/// against a recomputation from `tongban export ratings`.
async fn rating_figures_match_exported_records(db: Db) {
    let app = TestApp::spawn(db).await;
    // Five closed cases rated online 1, 2, 3, 4 and 5 (5 非常满意); the first bad one
    // answered.
    let mut nos = vec![];
    for level in 1..=5 {
        let no = crate::common::closed_case(&app, "clerk.sj", "approver.sj", ITEM).await;
        let (s, v) = app
            .post(
                &format!("/api/v1/cases/{no}/rating"),
                None,
                json!({ "level": level, "last_six": "31002X", "comment": "评价" }),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
        nos.push(no);
    }
    let head = app.token("head.sj").await;
    let (s, v) = app
        .post(
            &format!("/api/v1/cases/{}/rating/answer", nos[0]),
            Some(&head),
            json!({ "finding": "founded", "answer": "已约谈窗口人员并整改" }),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");

    let rows = jsonl(&app.cli(&[
        "export",
        "ratings",
        "--db",
        &app.db_url,
        "--format",
        "jsonl",
    ]));
    assert_eq!(rows.len(), 5);
    let n = rows.len() as f64;
    let bad: Vec<&Value> = rows.iter().filter(|r| r["bad"] == true).collect();
    let answered = bad
        .iter()
        .filter(|r| !r["follow_up_answered_at"].is_null())
        .count() as f64;
    let score: f64 = rows
        .iter()
        .map(|r| r["level"].as_i64().unwrap() as f64 * 20.0)
        .sum();
    assert_eq!(bad.len(), 2);

    let year = chrono::Utc::now().year();
    let sup = app.token("supervisor").await;
    let (s, api) = app
        .get(&format!("/api/v1/figures?period={year}"), Some(&sup))
        .await;
    assert_eq!(s, StatusCode::OK, "{api}");
    let value = |key: &str| figure(&api, key)["value"].clone();
    close_to(&value("ratings_received"), n, "ratings_received");
    close_to(&value("ratings_bad"), bad.len() as f64, "ratings_bad");
    close_to(
        &value("ratings_good_rate"),
        (n - bad.len() as f64) / n,
        "ratings_good_rate",
    );
    close_to(
        &value("ratings_bad_answered_rate"),
        answered / bad.len() as f64,
        "ratings_bad_answered_rate",
    );
    close_to(&value("ratings_avg_score"), score / n, "ratings_avg_score");
    assert_eq!(figure(&api, "ratings_good_rate")["unit"], "%");

    // The kept counters equal a recomputation.
    let out = app.cli(&["stats", "check", "--db", &app.db_url]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    // The report says them.
    let out = app.cli(&["report", "--db", &app.db_url, "--year", &year.to_string()]);
    let md = String::from_utf8(out.stdout).unwrap();
    assert!(
        md.contains(
            "政务服务“好差评”共收到评价5件（上年同期为0，不计同比），好评率60.00%；差评2件"
        ),
        "{md}"
    );
}
both!(rating_figures_match_exported_records);
