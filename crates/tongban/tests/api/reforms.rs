//! The catalog's reform figures (issue 16): decisions with their document numbers
//! change the items as published versions in one transaction; the items cut since
//! the baseline and the cut ratio, new instant items, items delegated to the towns
//! and each item's speed-up against its promise are computed, recomputed here from
//! the records, and printed in the report's sentence.

use crate::common::*;
use reqwest::StatusCode;
use serde_json::{Value, json};

fn today() -> String {
    tongban_store::time::day(tongban_store::time::local_day(tongban_store::time::now()))
}

fn decision(kind: &str, items: &[&str]) -> Value {
    json!({
        "kind": kind, "document_no": "昆政发〔2026〕12号", "decided_on": today(),
        "effective_from": today(), "items": items
    })
}

/// The reform figures of `year` recomputed from the exports alone: the decisions,
/// the catalog as in force on the days the figures look at, and the cases.
fn figures_from_exports(app: &TestApp, f: &Value, year: &str) {
    let y: i32 = year.parse().unwrap();
    let from = chrono::NaiveDate::from_ymd_opt(y, 1, 1).unwrap();
    let to = tongban_store::time::local_day(tongban_store::time::now());
    let day_before = (from - chrono::Days::new(1)).to_string();
    let in_use = |rows: &[Value]| -> Vec<Value> {
        rows.iter()
            .filter(|r| r["status"] == "in_use")
            .cloned()
            .collect()
    };
    let before = in_use(&app.export("items", &["--on", &day_before]));
    let now = in_use(&app.export("items", &["--on", &to.to_string()]));
    let reforms = app.export("reforms", &[]);
    // Cut: distinct items cancelled, transferred or merged from the baseline (the
    // year's first day) to its end; the ratio against the catalog the day before.
    let mut cut: Vec<&str> = reforms
        .iter()
        .filter(|r| ["cancel", "transfer", "merge"].contains(&r["kind"].as_str().unwrap()))
        .filter(|r| {
            let d = r["effective_from"].as_str().unwrap();
            d >= from.to_string().as_str() && d <= to.to_string().as_str()
        })
        .map(|r| r["item_code"].as_str().unwrap())
        .collect();
    cut.sort();
    cut.dedup();
    assert_eq!(figure(f, "items_cut")["value"], cut.len() as f64);
    let ratio = figure(f, "cut_ratio")["value"].as_f64().unwrap();
    assert!((ratio - cut.len() as f64 / before.len() as f64).abs() < 1e-9);
    // New instant: instant and in use at the end, not so the day before the year.
    let instant = |rows: &[Value], code: &Value| {
        rows.iter()
            .any(|r| &r["code"] == code && r["instant"] == true)
    };
    let new_instant = now
        .iter()
        .filter(|r| r["instant"] == true && !instant(&before, &r["code"]))
        .count();
    assert_eq!(figure(f, "new_instant_items")["value"], new_instant as f64);
    let delegated = now.iter().filter(|r| r["accept_points"] != "").count();
    assert_eq!(figure(f, "items_delegated")["value"], delegated as f64);
    // Speed-up per item: the cases closed with approval in working days.
    let cases = app.export("cases", &[]);
    let mut by_item: std::collections::BTreeMap<&str, (f64, f64, f64)> = Default::default();
    for c in cases.iter().filter(|c| {
        c["handled_days"].is_number()
            && c["instant"] == false
            && c["promised_unit"] == "working"
            && c["promised_days"].as_i64().unwrap() > 0
            && c["closed_on"].as_str().is_some_and(|d| d.starts_with(year))
    }) {
        let e = by_item.entry(c["item_code"].as_str().unwrap()).or_default();
        e.0 += 1.0;
        e.1 += c["promised_days"].as_f64().unwrap();
        e.2 += c["handled_days"].as_f64().unwrap();
    }
    let rows = figure(f, "item_speedups")["rows"]
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(rows.len(), by_item.len());
    for r in &rows {
        let (n, promised, handled) = by_item[r["code"].as_str().unwrap()];
        assert_eq!(r["value"], n);
        assert_eq!(r["limit_days"].as_f64().unwrap(), promised / n);
        assert_eq!(r["average_days"].as_f64().unwrap(), handled / n);
        assert!((r["rate"].as_f64().unwrap() - (1.0 - handled / promised)).abs() < 1e-9);
    }
}

async fn reform_decisions_change_the_catalog_and_its_figures(db: Db) {
    let app = TestApp::spawn(db).await;
    let admin = app.token("admin").await;
    let clerk = app.token("clerk.sj").await;
    let sup = app.token("supervisor").await;
    let year = &today()[..4];

    // Bad input named, nothing written; only administrators decide.
    let versions = app.count("item_versions").await;
    let mut bad = decision("abolish", &[]);
    bad["document_no"] = json!("昆政发2026");
    bad["effective_from"] = json!("2020-01-01");
    let (s, v) = app.post("/api/v1/catalog/reforms", Some(&admin), bad).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    let f = error_fields(&v);
    for x in ["kind", "document_no", "effective_from", "items"] {
        assert!(f.iter().any(|y| y == x), "{x} not named: {v}");
    }
    // One item that cannot be cancelled spoils the decision: nothing is written.
    let (s, v) = app
        .post(
            "/api/v1/catalog/reforms",
            Some(&admin),
            decision("transfer", &[ITEM, "NO-SUCH-ITEM"]),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert_eq!(error_fields(&v), vec!["items"]);
    let (s, _) = app
        .post(
            "/api/v1/catalog/reforms",
            Some(&clerk),
            decision("cancel", &[ITEM]),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    assert_eq!(app.count("item_versions").await, versions);
    assert_eq!(app.count("catalog_reforms").await, 0);

    // A case of ITEM closed today before it is cancelled: its speed against the
    // promise (5 working days, closed the day it was accepted).
    let case = app.apply("clerk.sj", ITEM, "window").await;
    let no = case["case_no"].as_str().unwrap();
    let approver = app.token("approver.sj").await;
    for action in ["approve", "close"] {
        let (s, v) = app.act(&approver, no, action, None).await;
        assert_eq!(s, StatusCode::OK, "{v}");
    }

    let (s, v) = app
        .post(
            "/api/v1/catalog/reforms",
            Some(&admin),
            decision("cancel", &[ITEM]),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    assert_eq!(v["kind_label"], "取消");
    assert_eq!(v["items"][0][0], ITEM);
    let mut delegate = decision("delegate", &[INSTANT]);
    delegate["points"] = json!(["BC"]);
    delegate["document_no"] = json!("昆政发〔2026〕36号");
    let (s, v) = app
        .post("/api/v1/catalog/reforms", Some(&admin), delegate)
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    // The same delegation again: already done.
    let mut again = decision("delegate", &[INSTANT]);
    again["points"] = json!(["BC"]);
    let (s, v) = app
        .post("/api/v1/catalog/reforms", Some(&admin), again)
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    let (s, v) = app.get("/api/v1/catalog/reforms", Some(&clerk)).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v["reforms"].as_array().unwrap().len(), 2, "{v}");
    // The catalog shows the new versions: ITEM cancelled from today, version 2.
    let (_, items) = app.get("/api/v1/items?per_page=50", None).await;
    let item = items["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["code"] == ITEM)
        .unwrap();
    assert_eq!(
        (&item["status"], &item["version"]),
        (&json!("cancelled"), &json!(2))
    );

    // An item made instant today is a new instant item.
    let content = {
        let mut rd = app.store.reader().await.unwrap();
        let day = tongban_store::time::local_day(tongban_store::time::now());
        tongban_store::catalog::item_in_force(&mut rd, DELEGATED, day)
            .await
            .unwrap()
            .unwrap()
            .content
            .unwrap()
    };
    let mut c = content.clone();
    c.instant = true;
    c.promised.days = 0;
    let actor = tongban_store::audit::Actor::system("test");
    let day = tongban_store::time::local_day(tongban_store::time::now());
    let v =
        tongban_store::catalog::new_version(&app.store, DELEGATED, c, day, "改为即办件", &actor)
            .await
            .unwrap();
    tongban_store::catalog::publish(&app.store, DELEGATED, v, day, &actor)
        .await
        .unwrap();

    // The figures, recomputed from the records: three items in use before the year
    // (ITEM, INSTANT, DELEGATED), one cut; INSTANT and DELEGATED accepted at a town.
    let (s, f) = app
        .get(&format!("/api/v1/figures?period={year}"), Some(&sup))
        .await;
    assert_eq!(s, StatusCode::OK, "{f}");
    let in_use_before = app
        .scalar("SELECT CAST(COUNT(*) AS BIGINT) FROM item_versions WHERE status = 'in_use' AND version = 1")
        .await as f64;
    assert_eq!(in_use_before, 3.0);
    assert_eq!(figure(&f, "items_cut")["value"], 1.0);
    let ratio = figure(&f, "cut_ratio")["value"].as_f64().unwrap();
    assert!((ratio - 1.0 / in_use_before).abs() < 1e-9, "{ratio}");
    assert_eq!(figure(&f, "new_instant_items")["value"], 1.0);
    assert_eq!(figure(&f, "items_delegated")["value"], 2.0);
    let speed = figure(&f, "item_speedups");
    assert_eq!(speed["rows"][0]["code"], ITEM, "{speed}");
    assert_eq!(speed["rows"][0]["limit_days"], 5.0);
    assert_eq!(speed["rows"][0]["average_days"], 0.0);
    assert_eq!(speed["value"], 1.0);
    figures_from_exports(&app, &f, year);

    // A baseline after the decision: nothing cut since.
    let tomorrow = (tongban_store::time::local_day(tongban_store::time::now())
        + chrono::Days::new(1))
    .to_string();
    let (s, v) = app
        .post(
            "/api/v1/catalog/reform-baseline",
            Some(&admin),
            json!({ "baseline": tomorrow }),
        )
        .await;
    assert_eq!(
        s,
        StatusCode::UNPROCESSABLE_ENTITY,
        "a future baseline: {v}"
    );
    let (s, v) = app
        .post(
            "/api/v1/catalog/reform-baseline",
            Some(&admin),
            json!({ "baseline": format!("{year}-01-01") }),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");

    let md = app.report_md(year);
    assert!(
        md.contains("精简了1个审批事项，精简比例达33.33%") && md.contains("新增即办项目1个"),
        "{md}"
    );
    assert!(
        md.contains("食品经营许可由承诺期5个工作日缩短为平均办理时间0.0个工作日，提速100%"),
        "{md}"
    );
    assert!(
        !md.contains("尚未接入）。") || !md.contains("精简事项数及精简比例尚未接入"),
        "{md}"
    );
    let out = app.cli(&["audit", "verify", "--db", &app.db_url]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );

    // A database from before handled days were kept: `stats rebuild` fills them in
    // from the calendar, and the speed-up counts the case again.
    app.exec("UPDATE cases SET handled_days = NULL").await;
    let out = app.cli(&["stats", "rebuild", "--db", &app.db_url]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        app.scalar("SELECT CAST(COUNT(*) AS BIGINT) FROM cases WHERE handled_days IS NOT NULL")
            .await,
        1
    );
    let (_, f) = app
        .get(&format!("/api/v1/figures?period={year}"), Some(&sup))
        .await;
    assert_eq!(figure(&f, "item_speedups")["rows"][0]["code"], ITEM, "{f}");
    let out = app.cli(&["stats", "check", "--db", &app.db_url]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
}

async fn the_reform_page_records_a_decision(db: Db) {
    let app = TestApp::spawn(db).await;
    let mut b = Browser::new(&app);
    b.staff_login("admin").await;
    let (s, _, html) = b.get("/admin/catalog/reforms").await;
    assert_eq!(s, StatusCode::OK, "{html}");
    let csrf = hidden(&html, "csrf");
    let t = today();
    let (s, _, html) = b
        .post(
            "/admin/catalog/reforms",
            &[
                ("csrf", &csrf),
                ("kind", "delegate"),
                ("document_no", "昆政发〔2026〕36号"),
                ("decided_on", &t),
                ("effective_from", &t),
                ("items", INSTANT),
            ],
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{html}");
    assert!(html.contains("下放须选择承接的区镇或分理点"), "{html}");
    let (s, to, html) = b
        .post(
            "/admin/catalog/reforms",
            &[
                ("csrf", &csrf),
                ("kind", "delegate"),
                ("document_no", "昆政发〔2026〕36号"),
                ("decided_on", &t),
                ("effective_from", &t),
                ("items", INSTANT),
                ("p_BC", "1"),
            ],
        )
        .await;
    assert_eq!(s, StatusCode::SEE_OTHER, "{html}");
    assert_eq!(to.as_deref(), Some("/admin/catalog/reforms"));
    let (_, _, html) = b.get("/admin/catalog/reforms").await;
    assert!(
        html.contains("昆政发〔2026〕36号") && html.contains("营业执照遗失补领"),
        "{html}"
    );
}

both!(reform_decisions_change_the_catalog_and_its_figures);
both!(the_reform_page_records_a_decision);
