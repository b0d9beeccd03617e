//! The work report as Word and Excel files (command line and web download), the
//! managers' dashboard, its exports and the wall screen (issue 5), on both databases.

mod common;

use chrono::Datelike;
use common::{DELEGATED, Db, INSTANT, ITEM, TestApp, has_chinese};
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::io::Read;

fn figure<'a>(v: &'a Value, key: &str) -> &'a Value {
    v["figures"]
        .as_array()
        .expect("figures")
        .iter()
        .find(|f| f["key"] == key)
        .unwrap_or_else(|| panic!("figure {key} missing"))
}

/// Some cases this year and a year earlier, and 12345 orders on two channels.
async fn records(app: &TestApp) -> i32 {
    let year = common::today().year();
    for _ in 0..3 {
        app.apply("clerk.sj", ITEM, "window").await;
    }
    app.apply("clerk.sj", INSTANT, "window").await;
    app.apply("town.bc", DELEGATED, "window").await;
    let old = app.apply("clerk.sj", ITEM, "window").await;
    let no = common::case_no(&old);
    let day = format!("{}-03-10", year - 1);
    let n = app
        .exec(&format!(
            "UPDATE cases SET accepted_at = '{day}T02:00:00.000Z', accepted_on = '{day}', \
             submitted_at = '{day}T02:00:00.000Z', submitted_on = '{day}' WHERE case_no = '{no}'"
        ))
        .await;
    assert_eq!(n, 1);
    let agent = app.token("hotline").await;
    for channel in ["phone", "phone", "web"] {
        let (s, v) = app
            .post(
                "/api/v1/work-orders",
                Some(&agent),
                json!({
                    "channel": channel, "category": "consultation", "caller_name": "王芳",
                    "phone": common::PHONE, "content": "咨询营业执照办理条件。",
                    "answer": "已告知办理条件和所需材料"
                }),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
    }
    year
}

async fn api_figures(app: &TestApp, period: &str) -> Value {
    let sup = app.token("supervisor").await;
    let (s, v) = app
        .get(&format!("/api/v1/figures?period={period}"), Some(&sup))
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    v
}

/// The text of a .docx: the runs of word/document.xml, tags removed.
fn docx_text(bytes: &[u8]) -> String {
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("docx is a zip");
    for part in ["[Content_Types].xml", "word/styles.xml", "_rels/.rels"] {
        assert!(zip.by_name(part).is_ok(), "{part} missing");
    }
    let mut xml = String::new();
    zip.by_name("word/document.xml")
        .expect("document.xml")
        .read_to_string(&mut xml)
        .expect("utf-8");
    let mut text = String::new();
    let mut in_tag = false;
    for c in xml.chars() {
        match c {
            '<' => in_tag = true,
            '>' => in_tag = false,
            c if !in_tag => text.push(c),
            _ => {}
        }
    }
    text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&amp;", "&")
}

type Sheet = calamine::Range<calamine::Data>;

fn xlsx_sheet(bytes: &[u8], name: &str) -> Sheet {
    use calamine::Reader;
    let mut wb: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(bytes.to_vec())).expect("xlsx");
    wb.worksheet_range(name)
        .unwrap_or_else(|e| panic!("sheet {name}: {e}"))
}

fn num(d: &calamine::Data) -> Option<f64> {
    match d {
        calamine::Data::Float(x) => Some(*x),
        calamine::Data::Int(n) => Some(*n as f64),
        calamine::Data::Empty => None,
        other => panic!("not a number: {other:?}"),
    }
}

fn text(d: &calamine::Data) -> String {
    d.to_string()
}

/// The workbook holds every figure, and the tables, equal to the API's.
fn check_workbook(bytes: &[u8], api: &Value) {
    let sheet = xlsx_sheet(bytes, "工作情况");
    let mut rows = sheet.rows();
    let header: Vec<String> = rows.next().expect("header").iter().map(text).collect();
    assert_eq!(
        header[..6],
        ["指标键", "指标", "本期", "单位", "上年同期", "同比增长"]
    );
    let mut seen = 0;
    for row in rows {
        let key = text(&row[0]);
        let f = figure(api, &key);
        assert_eq!(text(&row[1]), f["label"].as_str().unwrap());
        assert_eq!(text(&row[3]), f["unit"].as_str().unwrap());
        for (col, field) in [(2, "value"), (4, "year_earlier"), (5, "growth")] {
            match (num(&row[col]), f[field].as_f64()) {
                (Some(a), Some(b)) => assert!((a - b).abs() < 1e-9, "{key} {field}: {a} vs {b}"),
                (None, None) => {}
                (a, _) => panic!("{key} {field}: {a:?} vs {}", f[field]),
            }
        }
        seen += 1;
    }
    let scalar = api["figures"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f.get("rows").is_none())
        .count();
    assert_eq!(seen, scalar, "every figure has a row");

    let sheet = xlsx_sheet(bytes, "各部门");
    let depts = api["by_department"].as_array().unwrap();
    assert_eq!(sheet.height() - 1, depts.len());
    for (row, d) in sheet.rows().skip(1).zip(depts) {
        assert_eq!(text(&row[0]), d["code"].as_str().unwrap());
        assert_eq!(num(&row[2]), d["cases_accepted"].as_f64());
        assert_eq!(num(&row[3]), d["cases_instant"].as_f64());
        assert_eq!(num(&row[6]), d["cases_accepted_year_earlier"].as_f64());
    }
    for (sheet, key) in [
        ("各受理点", "cases_by_point"),
        ("12345各渠道", "hotline_by_channel"),
    ] {
        let sheet = xlsx_sheet(bytes, sheet);
        let rows = figure(api, key)["rows"].as_array().unwrap();
        assert_eq!(sheet.height() - 1, rows.len(), "{key}");
        for (row, r) in sheet.rows().skip(1).zip(rows) {
            assert_eq!(text(&row[0]), r["code"].as_str().unwrap());
            assert_eq!(num(&row[2]), r["value"].as_f64());
            assert_eq!(num(&row[3]), r["year_earlier"].as_f64());
        }
    }
}

/// The Word document says what the Markdown says, with the same numbers.
fn check_document(bytes: &[u8], markdown: &str, api: &Value) {
    let text = docx_text(bytes);
    let accepted = figure(api, "cases_accepted")["value"].as_i64().unwrap();
    assert!(
        text.contains(&format!("共受理各类办件{accepted}件")),
        "{text}"
    );
    for line in markdown.lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with("|---") {
            continue;
        }
        if line.starts_with('|') {
            for cell in line.trim_matches('|').split('|') {
                assert!(text.contains(cell.trim()), "cell {cell} missing");
            }
        } else {
            let plain = line.trim_start_matches('#').trim();
            assert!(text.contains(plain), "paragraph missing: {plain}");
        }
    }
    for d in api["by_department"].as_array().unwrap() {
        assert!(text.contains(d["name"].as_str().unwrap()));
    }
}

async fn report_files_carry_the_figures(db: Db) {
    let app = TestApp::spawn(db).await;
    let year = records(&app).await;
    let api = api_figures(&app, &year.to_string()).await;
    assert_eq!(figure(&api, "cases_accepted")["value"], 5, "{api}");
    let y = year.to_string();
    let dir = app.dir.path();

    let cli = |format: &str, out: Option<&std::path::Path>| {
        let mut args = vec![
            "report",
            "--db",
            &app.db_url,
            "--year",
            &y,
            "--format",
            format,
        ];
        let out_s;
        if let Some(o) = out {
            out_s = o.display().to_string();
            args.push("--out");
            args.push(&out_s);
        }
        let out = app.cli(&args);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        out.stdout
    };
    let md = String::from_utf8(cli("md", None)).unwrap();
    let xlsx_path = dir.join("report.xlsx");
    cli("xlsx", Some(&xlsx_path));
    check_workbook(&std::fs::read(&xlsx_path).unwrap(), &api);
    let docx_path = dir.join("report.docx");
    cli("docx", Some(&docx_path));
    check_document(&std::fs::read(&docx_path).unwrap(), &md, &api);
    // Standard output that is not a terminal takes the binary formats too.
    let piped = cli("docx", None);
    check_document(&piped, &md, &api);
    // A format that does not exist is refused in Chinese.
    let out = app.cli(&[
        "report",
        "--db",
        &app.db_url,
        "--year",
        &y,
        "--format",
        "pdf",
    ]);
    assert!(!out.status.success());
    assert!(has_chinese(&String::from_utf8_lossy(&out.stderr)));
}
both!(report_files_carry_the_figures);
