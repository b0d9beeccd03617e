//! Figures kept per day as cases are written (`stat_cases`), on both backends: the
//! counters follow acceptance, closing and refusal in the same transaction, the
//! report reads them, `stats check` proves they equal a recomputation from the
//! records (and names a tampered counter), `stats rebuild` restores them.

use crate::common::{Db, INSTANT, ITEM, TestApp, closed_case, day, today};
use reqwest::StatusCode;
use serde_json::Value;

async fn figure(app: &TestApp, key: &str) -> f64 {
    figure_in(app, key, &day(today())).await
}

async fn figure_in(app: &TestApp, key: &str, period: &str) -> f64 {
    let t = app.token("supervisor").await;
    let (s, f) = app
        .get(&format!("/api/v1/figures?period={period}"), Some(&t))
        .await;
    assert_eq!(s, StatusCode::OK, "{f}");
    f["figures"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["key"] == key)
        .and_then(|x| x["value"].as_f64())
        .unwrap_or(f64::NAN)
}

/// Cases accepted and closed today, recounted from the exported records.
fn recount(app: &TestApp) -> (f64, f64, f64) {
    let out = app.cli(&["export", "cases", "--db", &app.db_url, "--format", "jsonl"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let rows: Vec<Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let accepted = rows.iter().filter(|r| !r["accepted_at"].is_null()).count() as f64;
    let closed = rows.iter().filter(|r| !r["closed_at"].is_null()).count() as f64;
    let instant = rows
        .iter()
        .filter(|r| !r["accepted_at"].is_null() && r["instant"] == true)
        .count() as f64;
    (accepted, closed, instant)
}

async fn counters_follow_the_cases(db: Db) {
    let app = TestApp::spawn(db).await;
    // An instant case (accepted and closed at once), a licence case through to the
    // end, one waiting for review, and one refused at the window.
    app.apply("clerk.sj", "SJ-INSTANT-0001", "window").await;
    closed_case(&app, "clerk.sj", "approver.sj", "SJ-LICENCE-0001").await;
    app.apply("clerk.sj", "SJ-LICENCE-0001", "window").await;
    let (accepted, closed, instant) = recount(&app);
    assert!(accepted >= 3.0 && closed >= 2.0, "{accepted} {closed}");
    assert_eq!(figure(&app, "cases_accepted").await, accepted);
    assert_eq!(figure(&app, "cases_closed").await, closed);
    assert_eq!(figure(&app, "cases_instant").await, instant);
    // The same from the month counters: this whole month, this year, and a range of
    // a partial month before whole ones.
    use chrono::Datelike;
    let t = today();
    let first = t.with_day(1).unwrap();
    for period in [
        format!("{}-{:02}", t.year(), t.month()),
        format!("{}", t.year()),
        format!("{}..{}", day(first - chrono::Days::new(3)), day(t)),
    ] {
        assert_eq!(
            figure_in(&app, "cases_accepted", &period).await,
            accepted,
            "{period}"
        );
        assert_eq!(
            figure_in(&app, "cases_closed", &period).await,
            closed,
            "{period}"
        );
    }

    let out = app.cli(&["stats", "check", "--db", &app.db_url]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}");
    assert!(text.contains("一致"), "{text}");

    // A counter changed behind the platform's back is found and named.
    let rows = app
        .exec("UPDATE stat_cases SET n = n + 5 WHERE kind = 'accepted'")
        .await;
    assert!(rows >= 1);
    assert_eq!(
        figure(&app, "cases_accepted").await,
        accepted + 5.0 * rows as f64
    );
    let out = app.cli(&["stats", "check", "--db", &app.db_url]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(2), "{text}");
    assert!(text.contains("不一致") && text.contains("受理"), "{text}");

    let out = app.cli(&["stats", "rebuild", "--db", &app.db_url]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(figure(&app, "cases_accepted").await, accepted);
    let out = app.cli(&["stats", "check", "--db", &app.db_url]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    // The month counters are checked too.
    assert!(app.exec("UPDATE stat_cases_m SET n = n + 1").await >= 1);
    let out = app.cli(&["stats", "check", "--db", &app.db_url]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(2), "{text}");
    assert!(text.contains("stat_cases_m"), "{text}");
}
both!(counters_follow_the_cases);

/// The 12345 counters (`stat_orders`) follow registration and dispatch; a tampered
/// one is named by `stats check` and restored by `stats rebuild`.
async fn hotline_counters_are_checked(db: Db) {
    let app = TestApp::spawn(db).await;
    let agent = app.token("hotline").await;
    for unit in [None, Some("JT")] {
        let mut body = serde_json::json!({ "category": "complaint", "content": "道路破损无人修补。",
            "phone": crate::common::PHONE });
        if let Some(u) = unit {
            body["unit"] = u.into();
        }
        let (s, v) = app.post("/api/v1/work-orders", Some(&agent), body).await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
    }
    assert_eq!(figure(&app, "hotline_received").await, 2.0);
    assert_eq!(figure(&app, "hotline_dispatched").await, 1.0);
    let out = app.cli(&["stats", "check", "--db", &app.db_url]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );

    assert_eq!(
        app.exec("UPDATE stat_orders SET dispatched = dispatched + 1")
            .await,
        2
    );
    assert_eq!(figure(&app, "hotline_dispatched").await, 3.0);
    let out = app.cli(&["stats", "check", "--db", &app.db_url]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(2), "{text}");
    assert!(
        text.contains("12345工单") && text.contains("dispatched"),
        "{text}"
    );
    let out = app.cli(&["stats", "rebuild", "--db", &app.db_url]);
    assert!(out.status.success());
    assert_eq!(figure(&app, "hotline_dispatched").await, 1.0);
}
both!(hotline_counters_are_checked);

/// The response rate counts working days: when the holidays of a year are imported,
/// the kept 12345 counters follow in the same transaction.
async fn calendar_import_moves_the_response_counters(db: Db) {
    let app = TestApp::spawn(db).await;
    let agent = app.token("hotline").await;
    let unit = app.token("unit.jt").await;
    let (s, v) = app
        .post(
            "/api/v1/work-orders",
            Some(&agent),
            serde_json::json!({ "category": "complaint", "content": "路灯不亮。", "unit": "JT" }),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let no = v["order_no"].as_str().unwrap().to_string();
    let (s, v) = app
        .post(
            &format!("/api/v1/work-orders/{no}/actions"),
            Some(&unit),
            serde_json::json!({ "action": "sign" }),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    // Dispatched on the last day of 2026, signed on Tuesday 5 January 2027: before
    // 2027's holidays are known, 1 January is skipped as every year's 元旦 and
    // Monday 4 January counts as the next working day, so the signing is late.
    app.exec(&format!(
        "UPDATE work_orders SET dispatched_on = '2026-12-31' WHERE order_no = '{no}'"
    ))
    .await;
    app.exec(&format!(
        "UPDATE work_order_events SET at = '2027-01-05T02:00:00.000Z' WHERE action = 'sign' \
         AND order_id = (SELECT id FROM work_orders WHERE order_no = '{no}')"
    ))
    .await;
    tongban_store::stats::rebuild(&app.store).await.unwrap();
    let year = today().format("%Y").to_string();
    assert_eq!(figure_in(&app, "hotline_response_rate", &year).await, 0.0);

    let admin = app.token("admin").await;
    let (s, v) = app
        .post(
            "/api/v1/calendar/years",
            Some(&admin),
            serde_json::json!({ "year": 2027, "days": [
                { "date": "2027-01-01", "kind": "holiday", "festival": "元旦" },
                { "date": "2027-01-04", "kind": "holiday", "festival": "元旦" }
            ] }),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(figure_in(&app, "hotline_response_rate", &year).await, 1.0);
    let out = app.cli(&["stats", "check", "--db", &app.db_url]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
}
both!(calendar_import_moves_the_response_counters);

/// Writes that arrive together are committed together (SQLite's one writer batches
/// them; on PostgreSQL each is its own transaction), and their audit entries, counter
/// changes and seals are done once at the end of the transaction. Whatever lands
/// together, the chain holds one entry per write, numbered without a gap, the counters
/// equal a recount and every seal holds — also when writes in a batch fail (the
/// losers of racing approvals) and the batch is run again write by write.
async fn writes_committed_together_keep_chain_counters_and_seals(db: Db) {
    let app = std::sync::Arc::new(TestApp::spawn(db).await);
    let clerk = app.token("clerk.sj").await;
    let created_before = app
        .scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'case.create'")
        .await;
    let binds_before = app
        .scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'applicant.bind'")
        .await;
    let bound_before = app
        .scalar("SELECT COUNT(*) FROM applicant_identities")
        .await
        > 0;
    // One person at the window forty times, with a new phone now and then: each
    // change of phone rebinds the ID number, several times within one batch.
    let phone = |i: usize| format!("1390000{:04}", i / 3);
    let mut tasks = vec![];
    for i in 0..40 {
        let (app, clerk) = (app.clone(), clerk.clone());
        let item = if i % 2 == 0 { ITEM } else { INSTANT };
        let mut body = TestApp::application(item, "window");
        body["applicant"]["phone"] = serde_json::json!(phone(i));
        tasks.push(tokio::spawn(async move {
            app.post("/api/v1/cases", Some(&clerk), body).await
        }));
    }
    let mut licence_cases = vec![];
    let mut numbered = vec![];
    for t in tasks {
        let (s, v) = t.await.unwrap();
        assert_eq!(s, StatusCode::CREATED, "{v}");
        let no = v["case_no"].as_str().unwrap().to_string();
        let n: i64 = no.rsplit('-').next().unwrap().parse().unwrap();
        numbered.push((n, v["applicant"]["phone"].as_str().unwrap().to_string()));
        if v["status"] != "closed" {
            licence_cases.push(no);
        }
    }
    assert_eq!(licence_cases.len(), 20);
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'case.create'")
            .await,
        created_before + 40
    );
    // Numbers taken within a batch are consecutive, and the point's sequence ends at
    // the last of them.
    numbered.sort();
    let (first, last) = (numbered[0].0, numbered[39].0);
    assert_eq!(last - first, 39, "case numbers: {numbered:?}");
    assert_eq!(
        app.scalar("SELECT MAX(n) FROM case_seq").await,
        last,
        "the sequence must end at the last number taken"
    );
    // Every new case has its first events, recorded at the end of its batch.
    assert_eq!(
        app.scalar(
            "SELECT COUNT(*) FROM cases c WHERE NOT EXISTS (SELECT 1 FROM case_events e WHERE e.case_id = c.id)"
        )
        .await,
        0
    );
    // Bindings in the order the cases were numbered: one audit entry per change.
    let changes = numbered.windows(2).filter(|w| w[0].1 != w[1].1).count() as i64
        + i64::from(!bound_before || numbered[0].1 != "138****5678");
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'applicant.bind'")
            .await,
        binds_before + changes,
        "{numbered:?}"
    );
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM applicant_identities")
            .await,
        1
    );

    // Two approvals of each case at once: one wins, the other fails inside the batch.
    let tokens = [app.token("approver.sj").await, app.token("head.sj").await];
    let mut racers = vec![];
    for no in &licence_cases {
        for t in &tokens {
            let (app, t, no) = (app.clone(), t.clone(), no.clone());
            racers.push(tokio::spawn(async move {
                app.act(&t, &no, "approve", None).await
            }));
        }
    }
    let mut won = 0;
    for r in racers {
        let (s, v) = r.await.unwrap();
        assert!(s == StatusCode::OK || s == StatusCode::CONFLICT, "{s} {v}");
        won += (s == StatusCode::OK) as usize;
    }
    assert_eq!(won, 20);

    let entries = app.scalar("SELECT COUNT(*) FROM audit_log").await;
    assert_eq!(app.scalar("SELECT MIN(seq) FROM audit_log").await, 1);
    assert_eq!(
        app.scalar("SELECT MAX(seq) FROM audit_log").await,
        entries,
        "the chain's numbers have a gap"
    );
    assert_eq!(
        app.scalar("SELECT seq FROM audit_head WHERE id = 1").await,
        entries
    );
    let admin = app.token("admin").await;
    let (_, v) = app.get("/api/v1/audit/verify", Some(&admin)).await;
    assert_eq!(v["intact"], true, "{v}");
    assert!(v["rows_checked"].as_i64().unwrap() >= 40, "{v}");
    let out = app.cli(&["stats", "check", "--db", &app.db_url]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let (accepted, closed, _) = recount(&app);
    assert_eq!(figure(&app, "cases_accepted").await, accepted);
    assert!(closed >= 20.0, "{closed}");
}
both!(writes_committed_together_keep_chain_counters_and_seals);

/// A new case's row waits for the end of its batch: a number that clashes with an
/// existing case (the point's sequence set back in the database) is still a 409
/// naming the case number, with nothing of the case written; the sequence mended,
/// the next acceptance lands.
async fn a_case_number_clash_at_the_end_of_a_batch_is_a_conflict(db: Db) {
    let app = TestApp::spawn(db).await;
    app.apply("clerk.sj", crate::common::ITEM, "window").await;
    let (cases, events, audit) = (
        app.count("cases").await,
        app.count("case_events").await,
        app.count("audit_log").await,
    );
    app.exec("UPDATE case_seq SET n = n - 1").await;
    let t = app.token("clerk.sj").await;
    let (s, v) = app
        .post(
            "/api/v1/cases",
            Some(&t),
            TestApp::application(crate::common::ITEM, "window"),
        )
        .await;
    crate::common::assert_error(s, &v, StatusCode::CONFLICT, "conflict");
    assert!(v.to_string().contains("case_no"), "{v}");
    assert_eq!(app.count("cases").await, cases);
    assert_eq!(app.count("case_events").await, events);
    // Only the token's sign-in was audited meanwhile, never the failed case.
    let audited: i64 = app.count("audit_log").await;
    assert!(audited <= audit + 1, "{audited} > {audit} + 1");
    app.exec("UPDATE case_seq SET n = n + 1").await;
    app.apply("clerk.sj", crate::common::ITEM, "window").await;
    assert_eq!(app.count("cases").await, cases + 1);
}
both!(a_case_number_clash_at_the_end_of_a_batch_is_a_conflict);
