//! Joint completion acceptance (issue 15): requested at the window, organised by the
//! lead department, each department's result recorded by its own staff, failed ones
//! inspected again, closed with a signed certificate; every bad input a Chinese 4xx
//! naming its field with nothing half-written; and the six figures recomputed from
//! the export, this year and the year before, in the report's own sentence.

use crate::common::*;
use chrono::Datelike;
use reqwest::StatusCode;
use serde_json::{Value, json};

const CODE: &str = "2026-320583-39-03-000321";

async fn project(app: &TestApp) {
    let owner = tongban_domain::CreditCode::generate('9', '1', "320583", "MA1M2345")
        .unwrap()
        .as_str()
        .to_string();
    let clerk = app.token("clerk.sj").await;
    let (s, v) = app
        .post(
            "/api/v1/projects",
            Some(&clerk),
            json!({
                "code": CODE, "name": "巴城镇研发办公楼", "owner_credit_code": owner,
                "owner_name": "昆山鼎科技有限公司", "town": "BC", "address": "萧林路88号",
                "investment_fen": 35_000_000_000i64, "land_area_m2": 20000, "floor_area_m2": 48000,
                "funding": "social", "category": "general", "lead_department": "SJ"
            }),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
}

fn today() -> String {
    tongban_store::time::day(tongban_store::time::local_day(tongban_store::time::now()))
}

fn field(v: &Value) -> &str {
    v["error"]["field"].as_str().unwrap_or_default()
}

/// Requests, schedules with `departments` and returns the acceptance number.
async fn scheduled(app: &TestApp, area: f64, departments: &[&str]) -> String {
    let (clerk, lead) = (app.token("clerk.zh").await, app.token("approver.sj").await);
    let (s, v) = app
        .post(
            &format!("/api/v1/projects/{CODE}/acceptances"),
            Some(&clerk),
            json!({ "area_m2": area }),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let no = v["acceptance_no"].as_str().unwrap().to_string();
    let (s, v) = app
        .post(
            &format!("/api/v1/acceptances/{no}/schedule"),
            Some(&lead),
            json!({ "inspect_on": today(), "departments": departments }),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    no
}

async fn result(app: &TestApp, user: &str, no: &str, body: Value) -> (StatusCode, Value) {
    let t = app.token(user).await;
    app.post(&format!("/api/v1/acceptances/{no}/results"), Some(&t), body)
        .await
}

async fn acceptance_runs_to_its_certificate(db: Db) {
    let app = TestApp::spawn(db).await;
    project(&app).await;
    let clerk = app.token("clerk.zh").await;
    let lead = app.token("approver.sj").await;
    let path = format!("/api/v1/projects/{CODE}/acceptances");

    // Bad requests: each names its field, and none is written.
    for (body, want, f) in [
        (
            json!({ "area_m2": -5 }),
            StatusCode::UNPROCESSABLE_ENTITY,
            "area_m2",
        ),
        (
            json!({ "area_m2": 60000 }),
            StatusCode::UNPROCESSABLE_ENTITY,
            "area_m2",
        ),
        (
            json!({ "part": "x".repeat(101), "area_m2": 10 }),
            StatusCode::UNPROCESSABLE_ENTITY,
            "part",
        ),
    ] {
        let (s, v) = app.post(&path, Some(&clerk), body).await;
        assert_eq!((s, field(&v)), (want, f), "{v}");
    }
    let (s, v) = app
        .post(
            "/api/v1/projects/2026-1/acceptances",
            Some(&clerk),
            json!({ "area_m2": 1 }),
        )
        .await;
    assert_eq!(
        (s, field(&v)),
        (StatusCode::UNPROCESSABLE_ENTITY, "code"),
        "{v}"
    );
    let (s, _) = app
        .post(
            "/api/v1/projects/2026-320583-39-03-999999/acceptances",
            Some(&clerk),
            json!({ "area_m2": 1 }),
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let sup = app.token("supervisor").await;
    let (s, _) = app.post(&path, Some(&sup), json!({ "area_m2": 1 })).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    assert_eq!(app.count("acceptances").await, 0);

    let (s, v) = app
        .post(
            &path,
            Some(&clerk),
            json!({ "part": "一期1#楼", "area_m2": 20000 }),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    assert_eq!(v["status"], "requested");
    let no = v["acceptance_no"].as_str().unwrap().to_string();
    assert!(no.starts_with("LY20") && no.ends_with("-00001"), "{no}");

    // Only the lead department organises; the day and the departments are checked.
    let sched = format!("/api/v1/acceptances/{no}/schedule");
    let jt = app.token("approver.jt").await;
    let (s, _) = app
        .post(
            &sched,
            Some(&jt),
            json!({ "inspect_on": today(), "departments": ["SJ"] }),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    for (body, f) in [
        (
            json!({ "inspect_on": "2001-01-01", "departments": ["SJ"] }),
            "inspect_on",
        ),
        (
            json!({ "inspect_on": today(), "departments": ["SJ", "NONE"] }),
            "departments",
        ),
        (
            json!({ "inspect_on": today(), "departments": [] }),
            "departments",
        ),
    ] {
        let (s, v) = app.post(&sched, Some(&lead), body).await;
        assert_eq!((s, field(&v)), (StatusCode::UNPROCESSABLE_ENTITY, f), "{v}");
    }
    assert_eq!(app.count("acceptance_checks").await, 0);
    let (s, v) = app
        .post(
            &sched,
            Some(&lead),
            json!({ "inspect_on": today(), "departments": ["SJ", "JT"] }),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["status"], "scheduled");
    assert_eq!(v["checks"].as_array().unwrap().len(), 2);

    // Results: by the departments' own staff; a failure names what was found.
    let (s, _) = result(&app, "clerk.zh", &no, json!({ "result": "pass" })).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, _) = result(&app, "supervisor", &no, json!({ "result": "pass" })).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, v) = result(&app, "approver.jt", &no, json!({ "result": "fail" })).await;
    assert_eq!(
        (s, field(&v)),
        (StatusCode::UNPROCESSABLE_ENTITY, "findings"),
        "{v}"
    );
    let (s, v) = result(&app, "approver.jt", &no, json!({ "result": "maybe" })).await;
    assert_eq!(
        (s, field(&v)),
        (StatusCode::UNPROCESSABLE_ENTITY, "result"),
        "{v}"
    );
    let (s, v) = result(
        &app,
        "approver.jt",
        &no,
        json!({ "result": "fail", "findings": "消防车道宽度不足" }),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["status"], "scheduled", "SJ still to record");
    let (s, v) = result(&app, "approver.jt", &no, json!({ "result": "pass" })).await;
    assert_eq!(s, StatusCode::CONFLICT, "{v}");
    // Once a result is in, the first inspection cannot be rescheduled.
    let (s, _) = app
        .post(
            &sched,
            Some(&lead),
            json!({ "inspect_on": today(), "departments": ["SJ"] }),
        )
        .await;
    assert_eq!(s, StatusCode::CONFLICT);
    let (s, v) = result(&app, "approver.sj", &no, json!({ "result": "pass" })).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["status"], "reinspection");

    // Re-inspection of the one that failed, then its pass closes the acceptance.
    let re = format!("/api/v1/acceptances/{no}/reinspection");
    let (s, _) = app
        .post(&re, Some(&jt), json!({ "inspect_on": today() }))
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, v) = app
        .post(&re, Some(&lead), json!({ "inspect_on": "明天" }))
        .await;
    assert_eq!(
        (s, field(&v)),
        (StatusCode::UNPROCESSABLE_ENTITY, "inspect_on"),
        "{v}"
    );
    let (s, v) = app
        .post(&re, Some(&lead), json!({ "inspect_on": today() }))
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["checks"].as_array().unwrap().len(), 3);
    let (s, _) = app
        .post(&re, Some(&lead), json!({ "inspect_on": today() }))
        .await;
    assert_eq!(s, StatusCode::CONFLICT, "nothing left to re-inspect");
    let (s, v) = result(
        &app,
        "approver.jt",
        &no,
        json!({ "result": "pass", "department": "JT" }),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["status"], "certified");
    assert_eq!(v["first_pass"], false);
    assert_eq!(v["working_days"], 0);
    let license = v["license_no"].as_str().unwrap().to_string();
    assert!(license.starts_with("SJ-"), "{license}");

    // The certificate is an electronic license anyone can check.
    let mut b = Browser::new(&app);
    let (s, _, page) = b.get(&format!("/verify/{license}")).await;
    assert_eq!(s, StatusCode::OK);
    assert!(page.contains("建设工程竣工联合验收意见书"), "{page}");

    // A department not taking part is refused, naming the field.
    let second = scheduled(&app, 10000.0, &["SJ"]).await;
    let (s, v) = result(&app, "approver.jt", &second, json!({ "result": "pass" })).await;
    assert_eq!(
        (s, field(&v)),
        (StatusCode::UNPROCESSABLE_ENTITY, "department"),
        "{v}"
    );
    let (s, v) = result(&app, "approver.sj", &second, json!({ "result": "pass" })).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(
        (v["status"].as_str(), v["first_pass"].as_bool()),
        (Some("certified"), Some(true))
    );

    // Listed, by department and what it still has to record.
    let (_, l) = app
        .get("/api/v1/acceptances?department=JT", Some(&sup))
        .await;
    assert_eq!(l["total"], 1, "{l}");
    let (_, l) = app
        .get("/api/v1/acceptances?status=certified", Some(&sup))
        .await;
    assert_eq!(l["total"], 2, "{l}");
    let (s, v) = app
        .get("/api/v1/acceptances?status=nonsense", Some(&sup))
        .await;
    assert_eq!((s, field(&v)), (StatusCode::UNPROCESSABLE_ENTITY, "status"));

    // Kept figures equal a recomputation; the audit chain holds.
    let out = app.cli(&["stats", "check", "--db", &app.db_url]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let out = app.cli(&["audit", "verify", "--db", &app.db_url]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    figures_follow_the_export(&app).await;
}
both!(acceptance_runs_to_its_certificate);

/// The six figures of this year and the year before, recomputed from the export.
async fn figures_follow_the_export(app: &TestApp) {
    // The first acceptance moves a year back, as if certified then.
    let year: i32 = today()[..4].parse().unwrap();
    let earlier = format!("{}-06-15", year - 1);
    let n = app
        .exec(&format!(
            "UPDATE acceptances SET requested_on = '{}-06-01', certified_on = '{earlier}' \
             WHERE acceptance_no LIKE '%-00001'",
            year - 1
        ))
        .await;
    assert_eq!(n, 1);
    tongban_store::stats::rebuild(&app.store).await.unwrap();

    let rows = jsonl(&app.cli(&[
        "export",
        "acceptances",
        "--db",
        &app.db_url,
        "--format",
        "jsonl",
    ]));
    assert_eq!(rows.len(), 2);
    let of_year = |y: i32| -> Vec<&Value> {
        rows.iter()
            .filter(|r| {
                r["certified_on"]
                    .as_str()
                    .unwrap()
                    .starts_with(&y.to_string())
            })
            .collect()
    };
    let sup = app.token("supervisor").await;
    let (s, api) = app
        .get(&format!("/api/v1/figures?period={year}"), Some(&sup))
        .await;
    assert_eq!(s, StatusCode::OK, "{api}");
    let figure = |key: &str| {
        api["figures"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["key"] == key)
            .unwrap_or_else(|| panic!("{key} missing"))
            .clone()
    };
    let close = |v: &Value, want: f64, what: &str| {
        let got = v.as_f64().unwrap_or_else(|| panic!("{what}: {v}"));
        assert!((got - want).abs() < 1e-9, "{what}: {got} ≠ {want}");
    };
    for (which, y) in [("value", year), ("year_earlier", year - 1)] {
        let rs = of_year(y);
        let n = rs.len() as f64;
        close(&figure("acceptances")[which], n, "acceptances");
        let area: f64 = rs.iter().map(|r| r["area_m2"].as_f64().unwrap()).sum();
        close(&figure("acceptance_area_m2")[which], area, "area");
        let days: f64 = rs.iter().map(|r| r["working_days"].as_f64().unwrap()).sum();
        close(
            &figure("acceptance_avg_working_days")[which],
            days / n,
            "working days",
        );
        let first = rs.iter().filter(|r| r["first_pass"] == true).count() as f64;
        close(
            &figure("acceptance_first_pass_rate")[which],
            first / n,
            "first pass",
        );
        // Each department's share of first visits passed, then their mean.
        let mut per: std::collections::BTreeMap<String, (f64, f64)> = Default::default();
        for r in &rs {
            for d in r["departments"].as_str().unwrap().split(';') {
                let (code, res) = d.split_once(':').unwrap();
                let e = per.entry(code.to_string()).or_default();
                e.0 += 1.0;
                if res == "pass" {
                    e.1 += 1.0;
                }
            }
        }
        let mean = per.values().map(|(n, p)| p / n).sum::<f64>() / per.len() as f64;
        close(
            &figure("acceptance_dept_pass_rate")[which],
            mean,
            "department pass rate",
        );
    }
    // Per month: the year so far, its months counted by their days.
    let months = api["period"]["to"].as_str().unwrap()[5..7]
        .parse::<f64>()
        .unwrap()
        - 1.0;
    let day: f64 = api["period"]["to"].as_str().unwrap()[8..10]
        .parse()
        .unwrap();
    let to = chrono::NaiveDate::parse_from_str(api["period"]["to"].as_str().unwrap(), "%Y-%m-%d")
        .unwrap();
    let month_len = (to.with_day(1).unwrap() + chrono::Months::new(1))
        .pred_opt()
        .unwrap()
        .day() as f64;
    close(
        &figure("acceptances_per_month")["value"],
        1.0 / (months + day / month_len),
        "per month",
    );
    let rows = figure("acceptance_dept_pass_rate")["rows"].clone();
    assert_eq!(rows.as_array().unwrap().len(), 1, "{rows}");
    assert_eq!(rows[0]["code"], "SJ");

    // The report's first paragraph in the seed's words.
    let md = app.report_md(&year.to_string());
    assert!(
        md.contains("组织对1个项目进行联合验收，验收项目同比增长0.0%，验收面积1.0万㎡，比去年同期减少1.0万㎡"),
        "{md}"
    );
    assert!(md.contains("每个项目平均办理时间为0.00个工作日，部门平均通过率100.00%，一次性现场验收全部通过率100.00%"), "{md}");
    assert!(!md.contains("联合验收数据尚未接入"), "{md}");
}

async fn acceptance_pages_work_without_script(db: Db) {
    let app = TestApp::spawn(db).await;
    project(&app).await;
    let mut b = Browser::new(&app);
    b.staff_login("clerk.zh").await;
    let (s, _, page) = b.get(&format!("/projects/{CODE}")).await;
    assert_eq!(s, StatusCode::OK);
    assert!(page.contains("登记联合验收申请"), "{page}");
    let csrf = hidden(&page, "csrf");
    let path = format!("/projects/{CODE}/acceptances");
    let (s, _, page) = b
        .post(
            &path,
            &[("csrf", csrf.as_str()), ("part", ""), ("area_m2", "一万")],
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("验收建筑面积应为数字"), "{page}");
    let (s, to, _) = b
        .post(
            &path,
            &[
                ("csrf", csrf.as_str()),
                ("part", ""),
                ("area_m2", "12000.5"),
            ],
        )
        .await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    let to = to.unwrap();
    assert!(to.starts_with("/projects/acceptances/LY"), "{to}");

    let mut lead = Browser::new(&app);
    lead.staff_login("approver.sj").await;
    let (_, _, page) = lead.get(&to).await;
    assert!(page.contains("安排现场验收"), "{page}");
    let csrf = hidden(&page, "csrf");
    let (s, _, page) = lead
        .post(
            &format!("{to}/schedule"),
            &[("csrf", csrf.as_str()), ("inspect_on", today().as_str())],
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "no department ticked");
    assert!(page.contains("请选择参加验收的部门"), "{page}");
    let (s, _, _) = lead
        .post(
            &format!("{to}/schedule"),
            &[
                ("csrf", csrf.as_str()),
                ("inspect_on", today().as_str()),
                ("d_SJ", "1"),
            ],
        )
        .await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    let (_, _, page) = lead.get(&to).await;
    assert!(page.contains("录入现场验收结果"), "{page}");
    let (s, _, _) = lead
        .post(
            &format!("{to}/results"),
            &[
                ("csrf", csrf.as_str()),
                ("department", "SJ"),
                ("result", "pass"),
                ("findings", ""),
            ],
        )
        .await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    let (_, _, page) = lead.get(&to).await;
    assert!(page.contains("已通过，已出具验收意见书"), "{page}");
    assert!(page.contains("一次性现场验收全部通过"), "{page}");
    let (s, _, page) = lead.get("/projects/acceptances?status=certified").await;
    assert_eq!(s, StatusCode::OK);
    assert!(page.contains("共 1 次联合验收"), "{page}");
}
both!(acceptance_pages_work_without_script);
