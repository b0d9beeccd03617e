//! The switch's call records (issue 4): CSV import from the command line and the
//! page, the missed-call callback list, on both databases.

use crate::common::{Browser, Db, TestApp, hidden};
use reqwest::StatusCode;
use serde_json::json;

/// A call log written by a switch: English headers, local times.
fn english_log() -> String {
    "call_id,caller,start,result,wait_seconds,talk_seconds,agent\n\
     C-0001,13812345678,2026-03-02 09:00:00,answered,6,180,1001\n\
     C-0002,13912345678,2026-03-02 09:05:00,abandoned,42,0,\n\
     C-0003,013712345678,2026-03-02T09:10:00+08:00,answered,20,95,1002\n\
     C-0002,13912345678,2026-03-02 09:05:00,abandoned,42,0,\n\
     C-0004,13612345678,2026-03-02 09:20:00,maybe,3,10,1001\n\
     C-0005,13612345678,not a time,answered,3,10,1001\n\
     C-0006,+86 135 1234 5678,2026-03-02 09:30:00,abandoned,12,30,\n\
     ,13612345678,2026-03-02 09:40:00,answered,3,10,1001\n\
     C-0007,13512345678,2026-03-02 10:00:00,abandoned,-5,0,\n"
        .to_string()
}

async fn import_reports_each_row(db: Db) {
    let app = TestApp::spawn(db).await;
    let file = app.dir.path().join("calls.csv");
    std::fs::write(&file, english_log()).unwrap();
    let run = || {
        app.cli(&[
            "hotline",
            "import-calls",
            "--db",
            &app.db_url,
            file.to_str().unwrap(),
        ])
    };
    let out = run();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("共读取 9 行：导入 3 条，跳过重复 1 条，拒绝 5 行"),
        "{text}"
    );
    assert!(text.contains("第 6 行：接听状态“maybe”无效"), "{text}");
    assert!(text.contains("第 7 行：开始时间“not a time”无效"), "{text}");
    assert!(text.contains("第 8 行：放弃的来电通话秒数应为0"), "{text}");
    assert!(text.contains("第 9 行：呼叫编号为空"), "{text}");
    assert!(text.contains("第 10 行：等待秒数“-5”无效"), "{text}");
    assert_eq!(app.count("calls").await, 3);

    // Again: nothing new.
    let out = run();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("导入 0 条，跳过重复 4 条"), "{text}");
    assert_eq!(app.count("calls").await, 3);

    // Times are stored in UTC; the caller only encrypted, digested and masked.
    let mut c = app.store.reader().await.unwrap();
    let row: (String, String, String) = sqlx::query_as(
        "SELECT started_at, caller_enc, caller_masked FROM calls WHERE call_id = 'C-0003'",
    )
    .fetch_one(&mut *c)
    .await
    .unwrap();
    assert_eq!(row.0, "2026-03-02T01:10:00.000Z");
    assert!(!row.1.contains("13712345678"));
    assert_eq!(row.2, "137****5678");
    drop(c);

    // Chinese headers, GB18030 as spreadsheets save it, with a BOM-less header.
    let gbk: &[u8] = b"\xba\xf4\xbd\xd0\xb1\xe0\xba\xc5,\xd6\xf7\xbd\xd0\xba\xc5\xc2\xeb,\xbf\xaa\xca\xbc\xca\xb1\xbc\xe4,\xbd\xd3\xcc\xfd\xd7\xb4\xcc\xac,\xb5\xc8\xb4\xfd\xca\xb1\xb3\xa4,\xcd\xa8\xbb\xb0\xca\xb1\xb3\xa4,\xd7\xf8\xcf\xaf\nZ-1,13812345678,2026-03-03 08:00:00,\xbd\xd3\xcd\xa8,5,60,1003\n";
    let file2 = app.dir.path().join("calls-gbk.csv");
    std::fs::write(&file2, gbk).unwrap();
    let out = app.cli(&[
        "hotline",
        "import-calls",
        "--db",
        &app.db_url,
        file2.to_str().unwrap(),
    ]);
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("导入 1 条"),
        "{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );

    // A file without the needed columns is refused whole, in Chinese.
    std::fs::write(&file, "id,who\n1,2\n").unwrap();
    let out = run();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("CSV缺少列") && err.contains("开始时间"),
        "{err}"
    );

    // The export names the fields as the API does.
    let out = app.cli(&["export", "calls", "--db", &app.db_url, "--format", "csv"]);
    assert!(out.status.success());
    let csv = String::from_utf8(out.stdout).unwrap();
    assert!(
        csv.starts_with(
            "call_id,caller,started_at,answered,wait_seconds,talk_seconds,agent,called_back_at\n"
        ),
        "{csv}"
    );
    assert!(!csv.contains("13812345678"), "{csv}");
    assert_eq!(csv.lines().count(), 5);
}
both!(import_reports_each_row);

async fn missed_calls_are_called_back(db: Db) {
    let app = TestApp::spawn(db).await;
    let now = chrono::Utc::now().with_timezone(&chrono::FixedOffset::east_opt(8 * 3600).unwrap());
    let t = |min: i64| {
        (now - chrono::Duration::minutes(min))
            .format("%Y-%m-%d %H:%M:%S")
            .to_string()
    };
    // A: abandoned twice, nothing since. B: abandoned, then answered. C: abandoned,
    // then a work order registered. D: answered only. E: hidden number.
    let log = format!(
        "呼叫编号,主叫号码,开始时间,接听状态,等待时长,通话时长,坐席\n\
         A1,13800000001,{},放弃,30,0,\n\
         A2,13800000001,{},放弃,50,0,\n\
         B1,13800000002,{},放弃,40,0,\n\
         B2,13800000002,{},接通,5,60,1001\n\
         C1,13800000003,{},放弃,25,0,\n\
         D1,13800000004,{},接通,3,60,1001\n\
         E1,,{},放弃,25,0,\n",
        t(120),
        t(90),
        t(80),
        t(70),
        t(60),
        t(50),
        t(40)
    );
    let mut b = Browser::new(&app);
    b.staff_login("hotline").await;
    let (s, _, page) = b.get("/hotline/calls").await;
    assert_eq!(s, StatusCode::OK, "{page}");
    let csrf = hidden(&page, "csrf");
    let form = reqwest::multipart::Form::new()
        .text("csrf", csrf.clone())
        .part(
            "file",
            reqwest::multipart::Part::bytes(log.into_bytes()).file_name("calls.csv"),
        );
    let (s, page) = b.upload("/hotline/calls/import", form).await;
    assert_eq!(s, StatusCode::OK, "{page}");
    assert!(page.contains("导入 <strong>7</strong> 条"), "{page}");

    // C's caller got through another way: a work order.
    let agent = app.token("hotline").await;
    let (s, v) = app
        .post(
            "/api/v1/work-orders",
            Some(&agent),
            json!({ "category": "consultation", "caller_name": "张三", "phone": "13800000003",
                    "content": "回电咨询社保转移。", "answer": "已告知办理流程" }),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");

    let (_, _, page) = b.get("/hotline/calls").await;
    let missed = &page[page.find("漏话待回拨").unwrap()..page.find("最近来电").unwrap()];
    assert!(missed.contains("漏话待回拨（2）"), "{missed}");
    assert!(missed.contains("138****0001"), "{missed}");
    assert!(!missed.contains("138****0002"), "{missed}");
    assert!(!missed.contains("138****0003"), "{missed}");
    assert!(
        !missed.contains("13800000001"),
        "numbers are masked: {missed}"
    );
    // Recent calls, masked too.
    assert!(page.contains("138****0004"), "{page}");

    // Calling back the latest missed call of A clears A's earlier one too.
    let (s, loc, _) = b
        .post(
            "/hotline/calls/A2/callback",
            &[("csrf", &csrf), ("note", "已联系，来电人咨询公积金")],
        )
        .await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    assert_eq!(loc.as_deref(), Some("/hotline/calls?done=callback"));
    let (_, _, page) = b.get("/hotline/calls?done=callback").await;
    assert!(page.contains("已登记回拨"), "{page}");
    assert!(page.contains("暂无待回拨的来电"), "{page}");
    let mut c = app.store.reader().await.unwrap();
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM calls WHERE called_back_at IS NOT NULL")
        .fetch_one(&mut *c)
        .await
        .unwrap();
    assert_eq!(n, 2);
    let audited: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM audit_log WHERE action = 'call.callback' AND entity_key = 'A2'",
    )
    .fetch_one(&mut *c)
    .await
    .unwrap();
    assert_eq!(audited, 1);
    drop(c);
    // Twice, or an answered call: refused with the reason.
    let (s, _, page) = b
        .post(
            "/hotline/calls/A2/callback",
            &[("csrf", &csrf), ("note", "")],
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("该来电已登记回拨"), "{page}");
    let (s, _, page) = b
        .post("/hotline/calls/D1/callback", &[("csrf", &csrf)])
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("该来电已接通"), "{page}");
    let (s, _, _) = b
        .post("/hotline/calls/NOPE/callback", &[("csrf", &csrf)])
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    // Without the form token: refused.
    let (s, _, _) = b.post("/hotline/calls/B1/callback", &[("csrf", "x")]).await;
    assert_eq!(s, StatusCode::FORBIDDEN);

    // Only the hotline's staff.
    let mut unit = Browser::new(&app);
    unit.staff_login("unit.jt").await;
    let (s, _, _) = unit.get("/hotline/calls").await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let mut sup = Browser::new(&app);
    sup.staff_login("supervisor").await;
    let (s, _, page) = sup.get("/hotline/calls").await;
    assert_eq!(s, StatusCode::OK);
    assert!(page.contains("导入交换机话务记录"), "{page}");
    let mut anon = Browser::new(&app);
    let (s, _, _) = anon.get("/hotline/calls").await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
}
both!(missed_calls_are_called_back);

async fn bad_upload_is_explained(db: Db) {
    let app = TestApp::spawn(db).await;
    let mut b = Browser::new(&app);
    b.staff_login("supervisor").await;
    let (_, _, page) = b.get("/hotline/calls").await;
    let csrf = hidden(&page, "csrf");
    let form = reqwest::multipart::Form::new().text("csrf", csrf.clone());
    let (s, page) = b.upload("/hotline/calls/import", form).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("请选择交换机导出的话务记录"), "{page}");
    let form = reqwest::multipart::Form::new().text("csrf", csrf).part(
        "file",
        reqwest::multipart::Part::bytes(b"a,b\n1,2\n".to_vec()).file_name("x.csv"),
    );
    let (s, page) = b.upload("/hotline/calls/import", form).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("CSV缺少列"), "{page}");
    // Too large for one upload.
    let big = vec![b'x'; 21 * 1024 * 1024];
    let (_, _, page) = b.get("/hotline/calls").await;
    let csrf = hidden(&page, "csrf");
    let form = reqwest::multipart::Form::new().text("csrf", csrf).part(
        "file",
        reqwest::multipart::Part::bytes(big).file_name("x.csv"),
    );
    let (s, page) = b.upload("/hotline/calls/import", form).await;
    assert!(
        matches!(
            s,
            StatusCode::UNPROCESSABLE_ENTITY | StatusCode::PAYLOAD_TOO_LARGE
        ),
        "{s}"
    );
    assert!(page.contains("不能超过20MB"), "{page}");
    assert_eq!(app.count("calls").await, 0);
}
both!(bad_upload_is_explained);
