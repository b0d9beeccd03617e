//! Public resource trading (issue 18): a trading system pushes announcements with its
//! key, idempotent on its own id and version (the same batch twice changes nothing, a
//! newer version amends), each faulty record reported with its position and reason
//! and the rest kept; a CSV file imported through the binary; the public search and
//! a project's timeline, masked; OCDS release and record packages; the figures and
//! the report's sentence recomputed from the export.

use crate::common::*;
use reqwest::StatusCode;
use serde_json::{Value, json};

fn code(body: &str) -> String {
    tongban_domain::codes::CreditCode::generate('9', '1', "320583", body)
        .unwrap()
        .as_str()
        .to_string()
}

async fn push(app: &TestApp, key: &str, body: Value) -> (StatusCode, Value) {
    let r = app
        .client
        .post(format!("{}/api/v1/trading/feed", app.base))
        .header("X-Source-Key", key)
        .json(&body)
        .send()
        .await
        .unwrap();
    let s = r.status();
    (s, r.json().await.unwrap_or(Value::Null))
}

fn record(id: &str, version: i64, stage: &str, date: &str, extra: Value) -> Value {
    let mut r = json!({ "id": id, "version": version, "project": "ZFCG-2026-001", "kind": "goods",
        "stage": stage, "title": "教学设备采购", "buyer_name": "昆山市教育局", "town": "玉山镇", "date": date });
    for (k, v) in extra.as_object().unwrap() {
        r[k] = v.clone();
    }
    r
}

async fn trading_systems_feed_the_public_site(db: Db) {
    let app = TestApp::spawn(db).await;
    let today = day(today());
    let year = today[..4].to_string();
    let winner = code("31000007");

    // No key, no push.
    let (s, v) = push(&app, "nope", json!({ "records": [] })).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED, "{v}");
    let out = app.cli(&["trading", "key", "--db", &app.db_url, "--source", "zfcg"]);
    assert!(out.status.success());
    let key = String::from_utf8_lossy(&out.stdout)
        .rsplit('：')
        .next()
        .unwrap()
        .trim()
        .to_string();

    // A batch: three good records, one with faults, one not a record at all.
    let batch = json!({ "records": [
        record("T-1", 1, "tender", &today, json!({ "amount_fen": 50_000_000,
            "body": "采购教学设备一批。联系人张老师，电话 138 1234 5678。" })),
        record("R-1", 1, "result", &today, json!({ "suppliers": [
            { "name": "昆山华通科技有限公司", "credit_code": winner, "amount_fen": 45_000_000 }] })),
        record("K-1", 1, "contract", &today, json!({ "amount_fen": 45_000_000, "suppliers": [
            { "name": "昆山华通科技有限公司", "credit_code": winner }] })),
        record("X-1", 1, "lottery", &today, json!({ "title": "" })),
        "not a record"
    ]});
    let (s, r) = push(&app, &key, batch.clone()).await;
    assert_eq!(s, StatusCode::OK, "{r}");
    assert_eq!(
        (r["received"].as_i64(), r["added"].as_i64()),
        (Some(5), Some(3)),
        "{r}"
    );
    let rejected = r["rejected"].as_array().unwrap();
    assert_eq!(rejected.len(), 2, "{r}");
    assert_eq!(
        (rejected[0]["line"].as_i64(), rejected[0]["id"].as_str()),
        (Some(4), Some("X-1"))
    );
    let reason = rejected[0]["reason"].as_str().unwrap();
    assert!(
        reason.contains("公告类型“lottery”无效") && reason.contains("公告标题不能为空"),
        "{reason}"
    );
    assert_eq!(rejected[1]["line"], 5);
    assert!(has_chinese(rejected[1]["reason"].as_str().unwrap()));
    assert_eq!(app.count("trading_notices").await, 3);

    // The same batch again changes nothing; a newer version amends.
    let (_, r) = push(&app, &key, batch).await;
    assert_eq!(
        (r["added"].as_i64(), r["unchanged"].as_i64()),
        (Some(0), Some(3)),
        "{r}"
    );
    let amended = json!([record(
        "R-1",
        2,
        "result",
        &today,
        json!({ "suppliers": [
        { "name": "昆山华通科技有限公司", "credit_code": winner, "amount_fen": 44_000_000 }] })
    )]);
    let (_, r) = push(&app, &key, amended).await;
    assert_eq!(r["amended"], 1, "{r}");
    assert_eq!(app.count("trading_notices").await, 3);

    // A land sale from the land bureau's system, as a CSV file through the binary.
    let csv = format!(
        "id,version,project,kind,stage,title,buyer_name,town,date,amount_fen,suppliers\n\
         L-T,1,GTJ-2026-9,land,tender,工业用地使用权挂牌出让,昆山市自然资源和规划局,巴城镇,{today},300000000,\n\
         L-R,1,GTJ-2026-9,land,result,工业用地使用权挂牌出让结果,昆山市自然资源和规划局,巴城镇,{today},,昆山宏达建设有限公司::310000000\n\
         L-X,x,GTJ-2026-9,land,result,坏行,昆山市自然资源和规划局,巴城镇,{today},,\n"
    );
    let file = app.dir.path().join("gtj.csv");
    std::fs::write(&file, csv).unwrap();
    let out = app.cli(&[
        "trading",
        "import",
        "--db",
        &app.db_url,
        "--source",
        "gtj",
        file.to_str().unwrap(),
    ]);
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{said}");
    assert!(
        said.contains("新增2条") && said.contains("第4行") && said.contains("版本号“x”不是整数"),
        "{said}"
    );

    // The public search, its filters and faults; the project's timeline, masked.
    let (s, v) = app.get("/api/v1/trading/notices?kind=land", None).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v["notices"].as_array().unwrap().len(), 2, "{v}");
    let (_, v) = app
        .get("/api/v1/trading/notices?min=400000&max=460000", None)
        .await;
    let ids: Vec<&str> = v["notices"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["source_id"].as_str().unwrap())
        .collect();
    assert_eq!(ids.len(), 2, "{v}");
    assert!(ids.contains(&"R-1") && ids.contains(&"K-1"), "{ids:?}");
    let (s, v) = app
        .get("/api/v1/trading/notices?from=2026-13-01", None)
        .await;
    assert_invalid(s, &v, "from");
    let mut b = Browser::new(&app);
    let (s, _, page) = b.get("/trading?kind=goods&buyer=教育局").await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        page.contains("教学设备采购") && !page.contains("工业用地"),
        "{page}"
    );
    let ocid = "ocds-tongban-zfcg-ZFCG-2026-001";
    let (s, _, page) = b.get(&format!("/trading/projects/{ocid}")).await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        page.contains("中标结果公告") && page.contains("440,000.00"),
        "{page}"
    );
    assert!(
        !page.contains("1234 5678") && !page.contains("138 1234"),
        "the phone is masked: {page}"
    );

    // Credit records: those in force public on the project, an expired one not; faults named.
    let yesterday = day(crate::common::today() - chrono::Days::new(1));
    let credit = json!([
        { "id": "XY-1", "version": 1, "credit_code": winner, "name": "昆山华通科技有限公司", "kind": "penalty",
          "reason": "串通投标", "authority": "昆山市市场监督管理局", "decided_on": "2026-01-05", "valid_until": "2099-01-05" },
        { "id": "XY-2", "version": 1, "credit_code": winner, "name": "昆山华通科技有限公司", "kind": "bad_conduct",
          "reason": "拒签合同", "authority": "昆山市财政局", "decided_on": "2024-01-05", "valid_until": yesterday },
        { "id": "XY-3", "version": 1, "credit_code": winner, "name": "昆山华通科技有限公司", "kind": "penalty",
          "reason": "x", "authority": "x", "decided_on": "2026-01-05", "valid_until": "2025-01-05" }
    ]);
    let r = app
        .client
        .post(format!("{}/api/v1/trading/credit", app.base))
        .header("X-Source-Key", &key)
        .json(&credit)
        .send()
        .await
        .unwrap();
    let r: Value = r.json().await.unwrap();
    assert_eq!(r["added"], 2, "{r}");
    assert_eq!(r["rejected"][0]["id"], "XY-3", "{r}");
    assert!(
        r["rejected"][0]["reason"]
            .as_str()
            .unwrap()
            .contains("公示截止日期不能早于决定日期")
    );
    let (_, v) = app
        .get(
            &format!("/api/v1/trading/credit?credit_code={winner}"),
            None,
        )
        .await;
    assert_eq!(v["records"].as_array().unwrap().len(), 1, "{v}");
    let (_, _, page) = b.get(&format!("/trading/projects/{ocid}")).await;
    assert!(
        page.contains("串通投标") && !page.contains("拒签合同"),
        "{page}"
    );

    // OCDS: a release package page and a record with its compiled release.
    let (s, v) = app.get("/ocds/releases", None).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v["version"], "1.1");
    let releases = v["releases"].as_array().unwrap();
    assert_eq!(releases.len(), 5);
    let tags: Vec<&str> = releases
        .iter()
        .map(|r| r["tag"][0].as_str().unwrap())
        .collect();
    for t in ["tender", "award", "contract"] {
        assert!(tags.contains(&t), "{tags:?}");
    }
    assert!(!v.to_string().contains("138 1234"), "masked in OCDS too");
    let (s, v) = app.get(&format!("/ocds/records?ocid={ocid}"), None).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let rec = &v["records"][0];
    assert_eq!(rec["releases"].as_array().unwrap().len(), 3);
    let compiled = &rec["compiledRelease"];
    assert_eq!(compiled["tag"], json!(["compiled"]));
    assert_eq!(compiled["awards"][0]["value"]["amount"], 440_000.0);
    assert_eq!(
        compiled["contracts"][0]["awardID"],
        compiled["awards"][0]["id"]
    );
    let (s, _) = app
        .get("/ocds/records?ocid=ocds-tongban-zfcg-nope", None)
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let month = &today[..7];
    let (s, v) = app.get("/ocds/releases/2026-1.json", None).await;
    assert_invalid(s, &v, "month");
    let (s, v) = app.get(&format!("/ocds/releases/{month}.json"), None).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v["releases"].as_array().unwrap().len(), 5);

    // The figures and the report's sentence, from the export.
    let sup = app.token("supervisor").await;
    let (_, f) = app
        .get(&format!("/api/v1/figures?period={year}"), Some(&sup))
        .await;
    let rows = app.export("trading", &[]);
    let results: Vec<&Value> = rows.iter().filter(|r| r["stage"] == "result").collect();
    let fen: i64 = results
        .iter()
        .map(|r| r["awarded_fen"].as_i64().unwrap())
        .sum();
    assert_eq!(
        figure(&f, "trading_transactions")["value"],
        results.len() as f64
    );
    assert_eq!(figure(&f, "trading_amount_yi")["value"], fen as f64 / 1e10);
    assert_eq!((results.len(), fen), (2, 354_000_000));
    let md = app.report_md(&year);
    assert!(md.contains("完成交易项目2件，总成交金额0.04亿元"), "{md}");
    // By kind on the dashboard's tab: one goods result, one land sale.
    let mut staff = Browser::new(&app);
    staff.staff_login("supervisor").await;
    let (s, _, page) = staff
        .get(&format!("/dashboard/trading?from={year}-01-01&to={today}"))
        .await;
    assert_eq!(s, StatusCode::OK);
    assert!(page.contains("公共资源交易（按交易类别）"), "{page}");
    let (s, _, csv) = staff
        .get(&format!(
            "/dashboard/export/trading_kinds.csv?from={year}-01-01&to={today}"
        ))
        .await;
    assert_eq!(s, StatusCode::OK, "{csv}");
    assert!(csv.contains("政府采购（货物）,1,0,"), "{csv}");
    assert!(csv.contains("土地使用权出让,1,0.03"), "{csv}");
    assert!(!md.contains("尚未接入"), "{md}");
    app.assert_consistent();
}
both!(trading_systems_feed_the_public_site);

/// A works project let in two lots: the tender lists them, the result names each
/// lot's winner and the bids opened; OCDS carries `tender.lots`, `bids.details` and
/// the award's `relatedLots` with the extensions declared; bids on a tender and a
/// lot the announcement does not list are refused; the CSV takes both.
async fn lots_and_bids_are_published(db: Db) {
    let app = TestApp::spawn(db).await;
    let today = day(today());
    let (a, b) = (code("31000011"), code("31000012"));
    let out = app.cli(&["trading", "key", "--db", &app.db_url, "--source", "jsgc"]);
    let key = String::from_utf8_lossy(&out.stdout)
        .rsplit('：')
        .next()
        .unwrap()
        .trim()
        .to_string();
    let works = |id: &str, stage: &str, extra: Value| {
        let mut r = record(id, 1, stage, &today, extra);
        r["project"] = json!("JSGC-2026-77");
        r["kind"] = json!("works");
        r["title"] = json!("巴城镇道路改造工程");
        r
    };
    let batch = json!({ "records": [
        works("W-T", "tender", json!({ "amount_fen": 100_000_000, "lots": [
            { "id": "1", "title": "一标段（道路）", "amount_fen": 60_000_000 },
            { "id": "2", "title": "二标段（排水）", "amount_fen": 40_000_000 }] })),
        works("W-R", "result", json!({
            "suppliers": [
                { "name": "昆山路桥工程有限公司", "credit_code": a, "amount_fen": 55_000_000, "lot": "1" },
                { "name": "昆山水利建设有限公司", "credit_code": b, "amount_fen": 38_000_000, "lot": "2" }],
            "bids": [
                { "name": "昆山路桥工程有限公司", "credit_code": a, "amount_fen": 55_000_000, "lot": "1" },
                { "name": "昆山水利建设有限公司", "credit_code": b, "amount_fen": 57_000_000, "lot": "1" },
                { "name": "昆山水利建设有限公司", "credit_code": b, "amount_fen": 38_000_000, "lot": "2" }] })),
        works("W-X", "tender", json!({ "bids": [{ "name": "某公司" }],
            "lots": [{ "id": "1", "title": "一标段" }, { "id": "1", "title": "重复" }] })),
        works("W-Y", "candidates", json!({ "lots": [{ "id": "1", "title": "一标段" }],
            "suppliers": [{ "name": "某公司", "lot": "9" }] }))
    ]});
    let (s, r) = push(&app, &key, batch).await;
    assert_eq!(s, StatusCode::OK, "{r}");
    assert_eq!(r["added"], 2, "{r}");
    let reasons: Vec<&str> = r["rejected"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["reason"].as_str().unwrap())
        .collect();
    assert!(
        reasons[0].contains("不能公布投标报价") && reasons[0].contains("标段编号“1”重复"),
        "{reasons:?}"
    );
    assert!(
        reasons[1].contains("标段“9”不在本公告列出的标段中"),
        "{reasons:?}"
    );

    let ocid = "ocds-tongban-jsgc-JSGC-2026-77";
    let (s, v) = app.get(&format!("/ocds/records?ocid={ocid}"), None).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let exts = v["extensions"].as_array().unwrap();
    assert!(
        exts.iter().any(|e| e.as_str().unwrap().contains("lots")),
        "{v}"
    );
    assert!(
        exts.iter().any(|e| e.as_str().unwrap().contains("bid")),
        "{v}"
    );
    let c = &v["records"][0]["compiledRelease"];
    assert_eq!(c["tender"]["lots"].as_array().unwrap().len(), 2, "{c}");
    assert_eq!(c["tender"]["lots"][0]["value"]["amount"], 600_000.0, "{c}");
    assert_eq!(c["bids"]["details"].as_array().unwrap().len(), 3, "{c}");
    assert_eq!(c["bids"]["details"][2]["relatedLots"], json!(["2"]), "{c}");
    // One award a lot, each with its winner and price.
    let awards = c["awards"].as_array().unwrap();
    assert_eq!(awards.len(), 2, "{c}");
    assert_eq!(
        (
            awards[0]["relatedLots"].clone(),
            awards[0]["value"]["amount"].as_f64()
        ),
        (json!(["1"]), Some(550_000.0)),
        "{c}"
    );
    assert_eq!(
        (
            awards[1]["relatedLots"].clone(),
            awards[1]["value"]["amount"].as_f64()
        ),
        (json!(["2"]), Some(380_000.0)),
        "{c}"
    );
    let ids: Vec<&str> = c["bids"]["details"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["id"].as_str().unwrap())
        .collect();
    let mut unique = ids.clone();
    unique.sort_unstable();
    unique.dedup();
    assert_eq!(unique.len(), 3, "{ids:?}");
    // A later announcement naming a lot the tender did not list, and a bidder twice
    // on one lot, are refused.
    let (_, r) = push(
        &app,
        &key,
        json!({ "records": [
            works("W-Z", "contract", json!({ "amount_fen": 1_000, "suppliers": [
                { "name": "昆山路桥工程有限公司", "credit_code": a, "lot": "9" }] })),
            works("W-V", "candidates", json!({ "bids": [
                { "name": "昆山路桥工程有限公司", "credit_code": a, "lot": "1" },
                { "name": "昆山路桥工程有限公司", "credit_code": a, "lot": "1" }] }))
        ]}),
    )
    .await;
    assert_eq!(r["added"], 0, "{r}");
    let reasons: Vec<&str> = r["rejected"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["reason"].as_str().unwrap())
        .collect();
    assert!(
        reasons
            .iter()
            .any(|x| x.contains("标段“9”不是该项目招标公告列出的标段")),
        "{reasons:?}"
    );
    assert!(
        reasons.iter().any(|x| x.contains("在标段“1”重复")),
        "{reasons:?}"
    );
    let tenderer = c["parties"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["identifier"]["id"] == b.as_str())
        .unwrap();
    assert_eq!(tenderer["roles"], json!(["supplier", "tenderer"]), "{c}");
    let mut public = Browser::new(&app);
    let (_, _, page) = public.get(&format!("/trading/projects/{ocid}")).await;
    assert!(
        page.contains("开标记录（共3个投标）")
            && page.contains("二标段（排水）")
            && page.contains("570,000.00"),
        "{page}"
    );

    // The CSV's lots and bids columns.
    let csv = format!(
        "id,version,project,kind,stage,title,buyer_name,date,suppliers,lots,bids\n\
         C-T,1,JSGC-2026-78,works,tender,河道整治工程,昆山市水务局,{today},,1:一标段:5000000;2:二标段:,\n\
         C-R,1,JSGC-2026-78,works,result,河道整治工程结果,昆山市水务局,{today},甲公司::4000000:1,,甲公司::4000000:1;乙公司::4500000:1\n"
    );
    let file = app.dir.path().join("jsgc.csv");
    std::fs::write(&file, csv).unwrap();
    let out = app.cli(&[
        "trading",
        "import",
        "--db",
        &app.db_url,
        "--source",
        "jsgc",
        file.to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let (_, v) = app
        .get("/ocds/records?ocid=ocds-tongban-jsgc-JSGC-2026-78", None)
        .await;
    let c = &v["records"][0]["compiledRelease"];
    assert_eq!(c["tender"]["lots"].as_array().unwrap().len(), 2, "{c}");
    assert_eq!(c["bids"]["details"].as_array().unwrap().len(), 2, "{c}");
    app.assert_consistent();
}
both!(lots_and_bids_are_published);
