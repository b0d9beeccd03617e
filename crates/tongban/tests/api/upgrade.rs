//! An office's database upgraded with records in it: a database taken back to the
//! schema before migrations 15–20 (the ratings on their old scale) upgrades with the
//! real binary, and every record reads as it should after.

use crate::common::*;
use reqwest::StatusCode;
use serde_json::json;

/// What migrations 15–20 added, taken away again (ratings back on the old scale,
/// 1 = 非常满意).
const DOWNGRADE: &[&str] = &[
    "DROP TABLE IF EXISTS case_views",
    "DROP INDEX IF EXISTS case_events_by_case",
    "CREATE INDEX IF NOT EXISTS case_events_case ON case_events (case_id)",
    "DROP INDEX cases_undelivered",
    "CREATE INDEX cases_undelivered ON cases (deliver_by) WHERE delivered_on IS NULL",
    "CREATE INDEX cases_unverified ON cases (verify_by) WHERE verified_at IS NULL",
    "CREATE INDEX cases_point_day ON cases (point_id, submitted_on)",
    "ALTER TABLE cases ADD COLUMN seal TEXT",
    "UPDATE cases SET seal = (SELECT s.seal FROM case_seals s WHERE s.case_id = cases.id)",
    "DROP TABLE case_seals",
    "ALTER TABLE trading_notices DROP COLUMN bids",
    "ALTER TABLE trading_notices DROP COLUMN lots",
    "DROP TABLE stat_intermediary_m",
    "DROP TABLE stat_intermediary",
    "DROP TABLE service_quotes",
    "DROP TABLE service_requests",
    "DROP TABLE item_intermediary_services",
    "DROP TABLE agency_penalties",
    "DROP TABLE agency_qualifications",
    "DROP TABLE agencies",
    "DROP TABLE trading_credit",
    "DROP TABLE stat_trading_m",
    "DROP TABLE stat_trading",
    "DROP TABLE trading_notices",
    "DROP TABLE trading_sources",
    "DROP TABLE stat_problems_m",
    "DROP TABLE stat_problems",
    "DROP TABLE stat_survey_links_m",
    "DROP TABLE stat_survey_links",
    "DROP TABLE stat_survey_m",
    "DROP TABLE stat_survey",
    "DROP TABLE survey_replies",
    "DROP TABLE survey_comments",
    "DROP TABLE survey_scores",
    "DROP TABLE survey_links",
    "DROP TABLE survey_distributors",
    "DROP TABLE survey_departments",
    "DROP TABLE survey_quarters",
    "DROP TABLE stat_complaints_m",
    "DROP TABLE stat_complaints",
    "DROP TABLE complaints",
    "DROP TABLE enterprise_sessions",
    "DROP TABLE enterprise_contacts",
    "DROP TABLE stat_tracking_m",
    "DROP TABLE stat_tracking",
    "DROP TABLE project_progress",
    "DROP TABLE hooked_projects",
    "DROP TABLE assessment_weights",
    "DROP TABLE stat_visits_m",
    "DROP TABLE stat_visits",
    "DROP TABLE mystery_visits",
    "DROP TABLE stat_patrols_m",
    "DROP TABLE stat_patrols",
    "DROP TABLE patrols",
    "ALTER TABLE stat_orders_m DROP COLUMN praise",
    "ALTER TABLE stat_orders DROP COLUMN praise",
    "ALTER TABLE stat_orders_m DROP COLUMN complaint",
    "ALTER TABLE stat_orders DROP COLUMN complaint",
    "DROP TABLE stat_commendations_m",
    "DROP TABLE stat_commendations",
    "DROP TABLE commendations",
    "DROP TABLE bundle_cases",
    "DROP TABLE bundle_applications",
    "DROP TABLE bundle_versions",
    "DROP TABLE stat_after_checks_m",
    "DROP TABLE stat_after_checks",
    "DROP TABLE after_checks",
    "DROP TABLE case_forms",
    "DROP TABLE stat_item_speed_m",
    "DROP TABLE stat_item_speed",
    "ALTER TABLE cases DROP COLUMN handled_days",
    "DROP TABLE catalog_reform_items",
    "DROP TABLE catalog_reforms",
    "DROP TABLE stat_registrations_m",
    "DROP TABLE stat_registrations",
    "DROP TABLE registrations",
    "DROP TABLE entities",
    "DROP TABLE project_problems",
    "DROP TABLE stage_cases",
    "DROP TABLE stage_applications",
    "DROP TABLE stage_rules",
    // The license registry as it was before certificates without a case.
    "CREATE TABLE licenses_old AS SELECT id, license_no, case_id, department_id, item_name, holder_name, \
     holder_id_masked, issued_at, valid_until, status, revoked_at, revoke_reason, document, signature, key_id, \
     check_token FROM licenses",
    "DROP TABLE licenses",
    "ALTER TABLE licenses_old RENAME TO licenses",
    "DROP TABLE stat_acceptances_m",
    "DROP TABLE stat_acceptances",
    "DROP TABLE acceptance_checks",
    "DROP TABLE acceptances",
    "DROP TABLE projects",
    "DROP INDEX cases_due",
    "DROP INDEX cases_withdrawn_late",
    "DROP INDEX cases_commitment_due",
    "DROP INDEX ratings_level_day",
    "DROP INDEX ratings_day_time",
    "CREATE INDEX ratings_rated_on ON ratings (rated_on)",
    "DROP INDEX cases_department_due",
    "DROP INDEX cases_point_due",
    "DROP INDEX cases_accepted",
    "DROP INDEX cases_department_accepted",
    "DROP INDEX cases_point_accepted",
    "CREATE INDEX cases_accepted_on ON cases (accepted_on)",
    "DROP TABLE order_photos",
    "DROP TABLE search_synonyms",
    "ALTER TABLE item_versions DROP COLUMN search_text",
    "ALTER TABLE points DROP COLUMN hours",
    "ALTER TABLE points DROP COLUMN phone",
    "ALTER TABLE windows DROP COLUMN location",
    "DROP TABLE display_links",
    "DROP INDEX cases_unverified",
    "ALTER TABLE cases DROP COLUMN mode",
    "ALTER TABLE cases DROP COLUMN deferred",
    "ALTER TABLE cases DROP COLUMN agent_name",
    "ALTER TABLE cases DROP COLUMN agent_id_enc",
    "ALTER TABLE cases DROP COLUMN agent_id_masked",
    "ALTER TABLE cases DROP COLUMN agent_phone_enc",
    "ALTER TABLE cases DROP COLUMN agent_phone_masked",
    "ALTER TABLE cases DROP COLUMN assistant",
    "ALTER TABLE cases DROP COLUMN verify_by",
    "ALTER TABLE cases DROP COLUMN verified_at",
    "ALTER TABLE cases DROP COLUMN revoked_on",
    "ALTER TABLE ratings DROP COLUMN staff_id",
    "ALTER TABLE rating_followups DROP COLUMN finding",
    "ALTER TABLE rating_followups DROP COLUMN appeal",
    "ALTER TABLE rating_followups DROP COLUMN appealed_at",
    "ALTER TABLE rating_followups DROP COLUMN review",
    "ALTER TABLE rating_followups DROP COLUMN review_outcome",
    "ALTER TABLE rating_followups DROP COLUMN reviewed_at",
    "ALTER TABLE rating_followups DROP COLUMN reviewed_by",
    "ALTER TABLE stat_ratings DROP COLUMN answered_on_time",
    "ALTER TABLE stat_ratings_m DROP COLUMN answered_on_time",
    "UPDATE ratings SET level = 6 - level",
    "DROP INDEX work_orders_due",
    "ALTER TABLE work_orders DROP COLUMN invalid_kind",
    "ALTER TABLE work_orders DROP COLUMN resolved",
    "ALTER TABLE work_orders DROP COLUMN due_on",
    "ALTER TABLE work_orders DROP COLUMN replied_at",
    "ALTER TABLE stat_orders DROP COLUMN resolved",
    "ALTER TABLE stat_orders DROP COLUMN resolved_asked",
    "ALTER TABLE stat_orders DROP COLUMN basic",
    "ALTER TABLE stat_orders_m DROP COLUMN resolved",
    "ALTER TABLE stat_orders_m DROP COLUMN resolved_asked",
    "ALTER TABLE stat_orders_m DROP COLUMN basic",
    "DROP TABLE stat_order_dues",
    "DROP TABLE stat_order_dues_m",
    "DROP INDEX cases_undelivered",
    "ALTER TABLE cases DROP COLUMN deliver_by",
    "ALTER TABLE cases DROP COLUMN delivered_on",
    "ALTER TABLE cases DROP COLUMN delivery_method",
    "ALTER TABLE cases DROP COLUMN delivery_to",
    "ALTER TABLE cases DROP COLUMN delivery_ref",
    "DROP INDEX case_pauses_open_due",
    "ALTER TABLE case_pauses DROP COLUMN due_day",
    "DELETE FROM settings WHERE key = 'counters_stale'",
    "DELETE FROM schema_migrations WHERE version > 14",
];

async fn a_populated_database_upgrades(db: Db) {
    let app = TestApp::spawn(db).await;
    let agent = app.token("hotline").await;
    let unit = app.token("unit.jt").await;
    let head = app.token("head.sj").await;
    // Records of every kind the migrations touch: a good and a bad rating with its
    // answer, a supplement notice, a dispatched order replied to.
    let good = closed_case(&app, "clerk.sj", "approver.sj", ITEM).await;
    let bad = closed_case(&app, "clerk.sj", "approver.sj", ITEM).await;
    for (no, level) in [(&good, 5), (&bad, 1)] {
        let (s, v) = app
            .post(
                &format!("/api/v1/cases/{no}/rating"),
                None,
                json!({ "level": level, "last_six": "31002X" }),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
    }
    let (s, v) = app
        .post(
            &format!("/api/v1/cases/{bad}/rating/answer"),
            Some(&head),
            json!({ "finding": "founded", "answer": "已整改" }),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let waiting = case_no(&app.apply("clerk.sj", ITEM, "online").await);
    let clerk = app.token("clerk.sj").await;
    let (s, _) = app
        .act(&clerk, &waiting, "request_supplement", Some("缺营业执照"))
        .await;
    assert_eq!(s, StatusCode::OK);
    let (s, v) = app
        .post(
            "/api/v1/work-orders",
            Some(&agent),
            json!({ "channel": "phone", "category": "consultation", "caller_name": "王芳",
                "phone": PHONE, "content": "咨询道路运输证办理。", "unit": "JT" }),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let order = v["order_no"].as_str().unwrap().to_string();
    let deadline = v["deadline"].clone();
    for body in [
        json!({ "action": "sign" }),
        json!({ "action": "reply", "note": "已告知" }),
    ] {
        let (s, v) = app
            .post(
                &format!("/api/v1/work-orders/{order}/actions"),
                Some(&unit),
                body,
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{v}");
    }

    // Back to schema 14, then upgraded by the binary as an operator would.
    for stmt in DOWNGRADE {
        app.exec_only(stmt).await;
    }
    let out = app.cli(&["stats", "check", "--db", &app.db_url]);
    assert!(
        out.status.success(),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );

    // The ratings on the one scale, the staff rated filled in from the acceptance.
    for (no, level, label) in [(&good, 5, "非常满意"), (&bad, 1, "非常不满意")] {
        let (_, v) = app.get(&format!("/api/v1/cases/{no}"), Some(&head)).await;
        assert_eq!(v["rating"]["level"], level, "{v}");
        assert_eq!(v["rating"]["label"], label, "{v}");
        assert_eq!(v["rating"]["staff"], "clerk.sj", "{v}");
    }
    let (_, v) = app.get(&format!("/api/v1/cases/{bad}"), Some(&head)).await;
    assert_eq!(v["rating"]["follow_up"]["answer"], "已整改", "{v}");
    // The order's measured limit and reply from its records.
    let (_, v) = app
        .get(&format!("/api/v1/work-orders/{order}"), Some(&agent))
        .await;
    assert_eq!(v["due_on"], deadline, "{v}");
    assert!(v["replied_at"].is_string(), "{v}");
    // Cases read in their new shape: a standard case, no deadline given before.
    let (_, v) = app
        .get(&format!("/api/v1/cases/{waiting}"), Some(&clerk))
        .await;
    assert_eq!(v["mode"], "standard", "{v}");
    assert_eq!(v["status"], "supplement_requested", "{v}");
    assert!(v["supply_by"].is_null(), "{v}");
    // And the audit chain and row seals still hold.
    let out = app.cli(&["audit", "verify", "--db", &app.db_url]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    // A SQLite database was copied beside itself before the upgrade, and said so.
    if db == Db::Sqlite {
        let copies: Vec<String> = std::fs::read_dir(app.dir.path())
            .unwrap()
            .filter_map(|e| e.ok())
            .map(|e| e.file_name().to_string_lossy().to_string())
            .filter(|n| n.starts_with("test.before-v14-to-v"))
            .collect();
        assert_eq!(copies.len(), 1, "{copies:?}");
    }
    // A database newer than this binary is refused, naming both versions.
    app.exec(
        "INSERT INTO schema_migrations (version, name, applied_at) VALUES (9999, 'future', 'x')",
    )
    .await;
    let out = app.cli(&["stats", "check", "--db", &app.db_url]);
    let said = String::from_utf8_lossy(&out.stderr).to_string();
    assert!(!out.status.success(), "{said}");
    assert!(
        said.contains("9999") && said.contains(&tongban_store::schema_version().to_string()),
        "{said}"
    );
}
both!(a_populated_database_upgrades);
