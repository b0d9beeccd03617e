//! Work orders exported for outside analysis (`tongban export work_orders`) carry
//! enough to recompute the hotline figures: checked against `/api/v1/figures` on
//! both backends, with masked personal data.

use crate::common::{Db, PHONE, TestApp, day, today};
use reqwest::StatusCode;
use serde_json::{Value, json};

async fn export_recomputes_hotline_figures(db: Db) {
    let app = TestApp::spawn(db).await;
    let agent = app.token("hotline").await;
    let unit = app.token("unit.jt").await;
    let mut dispatched = vec![];
    for body in [
        json!({ "category": "consultation", "content": "居住证怎么办", "answer": "到派出所办理。", "channel": "phone" }),
        json!({ "category": "help", "content": "有人落水", "emergency": "110", "channel": "phone" }),
        json!({ "category": "complaint", "content": "道路坑洼", "unit": "JT", "phone": PHONE, "channel": "web" }),
        json!({ "category": "complaint", "content": "井盖缺失", "unit": "JT", "channel": "wechat" }),
        json!({ "category": "suggestion", "content": "增开公交", "channel": "email" }),
    ] {
        let (s, v) = app.post("/api/v1/work-orders", Some(&agent), body).await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
        if v["status"] == "dispatched" {
            dispatched.push(v["order_no"].as_str().unwrap().to_string());
        }
    }
    // One dispatched order goes round the loop with a callback of 4.
    let no = &dispatched[0];
    for (token, body) in [
        (&unit, json!({ "action": "sign" })),
        (&unit, json!({ "action": "reply", "note": "已修复" })),
        (
            &agent,
            json!({ "action": "close", "level": 4, "resolved": true }),
        ),
    ] {
        let (s, v) = app
            .post(
                &format!("/api/v1/work-orders/{no}/actions"),
                Some(token),
                body,
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{v}");
    }
    let out = app.cli(&[
        "export",
        "work_orders",
        "--db",
        &app.db_url,
        "--format",
        "jsonl",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(!text.contains(PHONE), "phones are masked in exports");
    let rows: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(rows.len(), 5);
    let count = |f: &dyn Fn(&Value) -> bool| rows.iter().filter(|r| f(r)).count() as f64;
    let received = count(&|_| true);
    let direct = count(&|r| r["direct_answer"] == true);
    let sent = count(&|r| !r["dispatched_on"].is_null());
    let valid = count(&|r| r["status"] != "merged" && r["invalid_kind"].is_null());
    let asked = count(&|r| !r["resolved"].is_null());
    let resolved = count(&|r| r["resolved"] == true);
    let levels: Vec<f64> = rows
        .iter()
        .filter_map(|r| r["callback_level"].as_f64())
        .collect();
    assert_eq!(count(&|r| r["emergency"] == "110"), 1.0);
    assert!(rows.iter().any(|r| !r["signed_at"].is_null()));

    let d = day(today());
    let (s, f) = app
        .get(
            &format!("/api/v1/figures?period={d}"),
            Some(&app.token("supervisor").await),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{f}");
    let value = |key: &str| -> f64 {
        f["figures"]
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["key"] == key)
            .and_then(|x| x["value"].as_f64())
            .unwrap_or(f64::NAN)
    };
    assert_eq!(value("hotline_received"), received);
    assert_eq!(value("hotline_direct_answers"), direct);
    assert_eq!(value("hotline_direct_answer_rate"), direct / received);
    assert_eq!(value("hotline_dispatched"), sent);
    assert_eq!(value("hotline_valid_orders"), valid);
    assert_eq!(value("hotline_resolution_rate"), resolved / asked);
    // Mean points out of 100 (level 5 = 100, each level below 20 fewer), as a rate.
    let avg = value("hotline_avg_satisfaction");
    let expected = levels.iter().sum::<f64>() / (levels.len() as f64 * 5.0);
    assert!((avg - expected).abs() < 1e-9, "{avg} != {expected}");
    let by_channel = f["figures"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["key"] == "hotline_by_channel")
        .unwrap();
    for row in by_channel["rows"].as_array().unwrap() {
        let c = row["code"].as_str().unwrap();
        assert_eq!(
            row["value"].as_f64().unwrap(),
            count(&|r| r["channel"] == c),
            "{c}"
        );
    }
}
both!(export_recomputes_hotline_figures);
