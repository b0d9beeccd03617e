//! Case lookups answered from this node's recent views (`tongban_store::views`): a
//! node shows its own writes at once, a view is only answered to those the query
//! itself would answer, and another node's (or process's) writes show within a
//! second. And an acceptance whose reads all come from the node's copies takes no
//! reader at all.

use crate::common::{Db, ITEM, KEY_HEX, TestApp, case_no, closed_case};
use reqwest::StatusCode;
use serde_json::json;
use tongban_store::{Keys, Store};

async fn a_node_shows_its_own_writes_at_once(db: Db) {
    let app = TestApp::spawn(db).await;
    let no = case_no(&app.apply("clerk.sj", ITEM, "window").await);
    let clerk = app.token("clerk.sj").await;
    let approver = app.token("approver.sj").await;
    let path = format!("/api/v1/cases/{no}");
    // Asked twice, the second from the kept view.
    for _ in 0..2 {
        let (s, v) = app.get(&path, Some(&clerk)).await;
        assert_eq!(s, StatusCode::OK, "{v}");
        assert_eq!(v["status"], "accepted", "{v}");
    }
    // Each action, through the group-commit queue or a transaction of its own, shows
    // in the very next lookup.
    let (s, v) = app.act(&approver, &no, "approve", None).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let (_, v) = app.get(&path, Some(&clerk)).await;
    assert_eq!(v["status"], "approved", "{v}");
    let (s, v) = app.act(&approver, &no, "close", None).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let (_, v) = app.get(&path, Some(&clerk)).await;
    assert_eq!(v["status"], "closed", "{v}");
    let license = v["license_no"].as_str().expect("licensed").to_string();
    assert!(v["license_url"].as_str().unwrap().starts_with("/verify/"));
    // A setting written directly (the portal's address) shows at once too.
    tongban_store::licenses::set_public_url(
        &app.store,
        "https://zwfw.example.gov.cn/",
        &tongban_store::audit::Actor::system("test"),
    )
    .await
    .unwrap();
    let (_, v) = app.get(&path, Some(&clerk)).await;
    assert!(
        v["license_url"]
            .as_str()
            .unwrap()
            .starts_with(&format!("https://zwfw.example.gov.cn/verify/{license}")),
        "{v}"
    );
    // A write to anything else (a raw statement in a transaction) drops kept views
    // as well: this one is read again and shows the row as it now is.
    app.exec(&format!(
        "UPDATE cases SET applicant_name = '王五' WHERE case_no = '{no}'"
    ))
    .await;
    let (_, v) = app.get(&path, Some(&clerk)).await;
    assert_eq!(v["applicant"]["name"], "王五", "{v}");
}
both!(a_node_shows_its_own_writes_at_once);

async fn a_kept_view_goes_only_to_whom_the_query_would_answer(db: Db) {
    let app = TestApp::spawn(db).await;
    let no = case_no(&app.apply("clerk.sj", ITEM, "window").await);
    let path = format!("/api/v1/cases/{no}");
    // The supervisor (who sees every case) reads it first, then the same case is
    // asked by others: only the case's own department may have it.
    let supervisor = app.token("supervisor").await;
    let (s, _) = app.get(&path, Some(&supervisor)).await;
    assert_eq!(s, StatusCode::OK);
    for (user, expected) in [
        ("clerk.jt", StatusCode::NOT_FOUND),
        ("approver.jt", StatusCode::NOT_FOUND),
        ("town.bc", StatusCode::NOT_FOUND),
        ("clerk.sj", StatusCode::OK),
        ("approver.sj", StatusCode::OK),
        ("hotline", StatusCode::FORBIDDEN),
    ] {
        let t = app.token(user).await;
        for _ in 0..2 {
            let (s, v) = app.get(&path, Some(&t)).await;
            assert_eq!(s, expected, "{user}: {v}");
        }
    }
    // And the other way round: read by its department first, refused to others.
    let (s, _) = app.get(&path, Some(&app.token("approver.sj").await)).await;
    assert_eq!(s, StatusCode::OK);
    let (s, _) = app.get(&path, Some(&app.token("approver.jt").await)).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
}
both!(a_kept_view_goes_only_to_whom_the_query_would_answer);

/// Another node on the same database (on SQLite, another process opening the file)
/// approves the case: this node's kept view is answered for at most a second.
async fn another_nodes_writes_show_within_a_second(db: Db) {
    let app = TestApp::spawn(db).await;
    let no = case_no(&app.apply("clerk.sj", ITEM, "window").await);
    let clerk = app.token("clerk.sj").await;
    let path = format!("/api/v1/cases/{no}");
    let (_, v) = app.get(&path, Some(&clerk)).await;
    assert_eq!(v["status"], "accepted");
    let other = Store::open(&app.db_url, Keys::from_hex(KEY_HEX).unwrap())
        .await
        .expect("a second node");
    let approver = tongban_store::org::principal_by_username(&other, "approver.sj")
        .await
        .unwrap();
    let input = tongban_store::cases::ActionInput {
        action: Some("approve".into()),
        ..Default::default()
    };
    let case = tongban_domain::case::CaseNo::parse(&no).unwrap();
    tongban_store::cases::act(&other, &approver, &case, &input)
        .await
        .unwrap();
    let written = std::time::Instant::now();
    loop {
        let (_, v) = app.get(&path, Some(&clerk)).await;
        if v["status"] == "approved" {
            break;
        }
        assert_eq!(v["status"], "accepted", "{v}");
        assert!(
            // The view was read before the write; the margin is the lookup's own time.
            written.elapsed()
                <= tongban_store::views::MAX_AGE + std::time::Duration::from_millis(500),
            "still the old view {:?} after the other node's write",
            written.elapsed()
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    other.close().await;
}
both!(another_nodes_writes_show_within_a_second);

/// An acceptance whose reads all come from the node's copies (calendar, item, points,
/// token) takes no reader: with every reader held elsewhere it is still taken at once
/// (on PostgreSQL each checkout cost a ping).
async fn an_acceptance_from_the_nodes_copies_takes_no_reader(db: Db) {
    let app = TestApp::spawn(db).await;
    let clerk = app.token("clerk.sj").await;
    let apply = || {
        app.post(
            "/api/v1/cases",
            Some(&clerk),
            TestApp::application(ITEM, "window"),
        )
    };
    let (s, v) = apply().await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let held = app.hold_readers(0).await;
    let (s, v) = tokio::time::timeout(std::time::Duration::from_secs(10), apply())
        .await
        .expect("the acceptance waited for a reader");
    assert_eq!(s, StatusCode::CREATED, "{v}");
    drop(held);
    let (s, v) = app
        .get(&format!("/api/v1/cases/{}", case_no(&v)), Some(&clerk))
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
}
both!(an_acceptance_from_the_nodes_copies_takes_no_reader);

/// A case's view kept beside it (`cases::stored`): written with the case, renewed by
/// every write that changes what it shows, and answered by lookups as the view built
/// from the records (a debug build compares the two on every lookup). A case without
/// one (an upgraded database) is answered from its records and gets one from
/// `tongban migrate`; a kept view that differs from its records is named by
/// `stats check`, and `stats rebuild` writes it again.
async fn a_lookup_reads_the_view_kept_beside_the_case(db: Db) {
    let app = TestApp::spawn(db).await;
    let no = closed_case(&app, "clerk.sj", "approver.sj", ITEM).await;
    let open = case_no(&app.apply("clerk.sj", ITEM, "window").await);
    let (s, _) = app
        .post(
            &format!("/api/v1/cases/{no}/rating"),
            None,
            json!({ "level": 5, "comment": "窗口服务热情", "last_six": "31002X" }),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED);
    assert_eq!(app.count("case_views").await, app.count("cases").await);
    let clerk = app.token("clerk.sj").await;
    let path = format!("/api/v1/cases/{no}");
    let (s, kept) = app.get(&path, Some(&clerk)).await;
    assert_eq!(s, StatusCode::OK, "{kept}");
    assert_eq!(kept["status"], "closed", "{kept}");
    assert_eq!(kept["rating"]["level"], 5, "{kept}");
    assert_eq!(kept["events"].as_array().unwrap().len(), 3, "{kept}");
    assert!(
        kept["license_url"].as_str().unwrap().contains("?t="),
        "{kept}"
    );
    assert_eq!(kept["urgency"], "normal", "{kept}");
    app.assert_consistent();

    // Without its kept view the case reads the same from its records, and
    // `tongban migrate` writes the view again.
    app.exec("SELECT 1").await;
    assert_eq!(app.count("case_views").await, 0);
    let (s, built) = app.get(&path, Some(&clerk)).await;
    assert_eq!(s, StatusCode::OK, "{built}");
    assert_eq!(built, kept);
    let out = app.cli(&["migrate", "--db", &app.db_url]);
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{said}");
    assert!(said.contains("件办件生成查询视图"), "{said}");
    assert_eq!(app.count("case_views").await, app.count("cases").await);

    // A kept view changed behind the platform's back is named by `stats check`
    // (exit code 2) until `stats rebuild` writes it again.
    app.exec_only(&format!(
        "UPDATE case_views SET status = 'submitted' WHERE case_id = (SELECT id FROM cases WHERE case_no = '{open}')"
    ))
    .await;
    let out = app.cli(&["stats", "check", "--db", &app.db_url]);
    let said = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(2), "{said}");
    assert!(said.contains("办件查询视图与记录不一致"), "{said}");
    assert!(said.contains(&open), "{said}");
    assert!(!said.contains(&no), "{said}");
    let out = app.cli(&["stats", "rebuild", "--db", &app.db_url]);
    assert!(out.status.success());
    app.assert_consistent();
    let (s, v) = app
        .get(&format!("/api/v1/cases/{open}"), Some(&clerk))
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["status"], "accepted", "{v}");
}
both!(a_lookup_reads_the_view_kept_beside_the_case);
