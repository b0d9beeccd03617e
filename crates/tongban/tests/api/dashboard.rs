//! The work report as Word and Excel files (command line and web download), the
//! managers' dashboard, its exports and the wall screen (issue 5), on both databases.

use crate::common::figure;
use crate::common::{Browser, DELEGATED, Db, INSTANT, ITEM, TestApp, has_chinese};
use chrono::Datelike;
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::io::Read;

/// Some cases this year and a year earlier, and 12345 orders on two channels.
async fn records(app: &TestApp) -> i32 {
    let year = crate::common::today().year();
    for _ in 0..3 {
        app.apply("clerk.sj", ITEM, "window").await;
    }
    app.apply("clerk.sj", INSTANT, "window").await;
    app.apply("town.bc", DELEGATED, "window").await;
    let old = app.apply("clerk.sj", ITEM, "window").await;
    let no = crate::common::case_no(&old);
    let day = format!("{}-03-10", year - 1);
    let n = app
        .exec(&format!(
            "UPDATE cases SET accepted_at = '{day}T02:00:00.000Z', accepted_on = '{day}', \
             submitted_at = '{day}T02:00:00.000Z', submitted_on = '{day}' WHERE case_no = '{no}'"
        ))
        .await;
    assert_eq!(n, 1);
    // Backdated behind the platform's back: recompute the kept figures, as an
    // operator would after such a change.
    tongban_store::stats::rebuild(&app.store).await.unwrap();
    let agent = app.token("hotline").await;
    for channel in ["phone", "phone", "web"] {
        let (s, v) = app
            .post(
                "/api/v1/work-orders",
                Some(&agent),
                json!({
                    "channel": channel, "category": "consultation", "caller_name": "王芳",
                    "phone": crate::common::PHONE, "content": "咨询营业执照办理条件。",
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

/// A page or file fetched with the browser's cookies: status, headers, bytes.
async fn fetch(
    app: &TestApp,
    b: &Browser,
    path: &str,
) -> (StatusCode, reqwest::header::HeaderMap, Vec<u8>) {
    let jar = b
        .cookies
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("; ");
    let r = app
        .client
        .get(format!("{}{path}", app.base))
        .header(reqwest::header::COOKIE, jar)
        .send()
        .await
        .expect("get");
    let (s, h) = (r.status(), r.headers().clone());
    (s, h, r.bytes().await.expect("body").to_vec())
}

#[track_caller]
fn assert_attachment(h: &reqwest::header::HeaderMap, name_end: &str, content_type: &str) {
    let cd = h[reqwest::header::CONTENT_DISPOSITION].to_str().unwrap();
    assert!(cd.starts_with("attachment;"), "{cd}");
    let encoded: String = name_end
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect();
    assert!(cd.contains("filename*=UTF-8''"), "{cd}");
    assert!(cd.ends_with(&encoded), "{cd} should end with {encoded}");
    assert!(
        h[reqwest::header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with(content_type)
    );
}

async fn reports_download_from_the_web(db: Db) {
    let app = TestApp::spawn(db).await;
    let year = records(&app).await;
    let api = api_figures(&app, &year.to_string()).await;
    let mut b = Browser::new(&app);
    b.staff_login("supervisor").await;

    let (s, _, page) = b.get("/reports").await;
    assert_eq!(s, StatusCode::OK);
    assert!(page.contains("<h1>工作报告</h1>") && page.contains(&year.to_string()));
    let accepted = figure(&api, "cases_accepted")["value"].as_i64().unwrap();
    let (s, _, page) = b.get(&format!("/reports?year={year}&format=md")).await;
    assert_eq!(s, StatusCode::OK, "{page}");
    assert!(
        page.contains(&format!("共受理各类办件{accepted}件")),
        "{page}"
    );
    assert!(page.contains("format=docx"));

    let (s, h, bytes) = fetch(&app, &b, &format!("/reports?year={year}&format=xlsx")).await;
    assert_eq!(s, StatusCode::OK);
    assert_attachment(
        &h,
        &format!("{}工作情况.xlsx", crate::common::year_label(year)),
        "application/vnd.openxml",
    );
    check_workbook(&bytes, &api);

    let (s, h, md) = fetch(
        &app,
        &b,
        &format!("/reports?year={year}&format=md&download=1"),
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    assert_attachment(
        &h,
        &format!("{}工作情况.md", crate::common::year_label(year)),
        "text/markdown",
    );
    let md = String::from_utf8(md).unwrap();
    let (s, h, bytes) = fetch(&app, &b, &format!("/reports?year={year}&format=docx")).await;
    assert_eq!(s, StatusCode::OK);
    assert_attachment(
        &h,
        &format!("{}工作情况.docx", crate::common::year_label(year)),
        "application/vnd.openxml",
    );
    check_document(&bytes, &md, &api);

    let (s, _, json) = fetch(&app, &b, &format!("/reports?year={year}&format=json")).await;
    assert_eq!(s, StatusCode::OK);
    let json: Value = serde_json::from_slice(&json).unwrap();
    assert_eq!(json["figures"], api["figures"]);

    // A range works as well as a year.
    let (s, h, _) = fetch(
        &app,
        &b,
        &format!("/reports?from={year}-01-01&to={year}-06-30&format=xlsx"),
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    assert_attachment(
        &h,
        &format!("{year}年1-6月工作情况.xlsx"),
        "application/vnd",
    );

    // Bad periods: 400 with the field named in Chinese.
    for (q, field, words) in [
        ("year=20x6&format=docx", "year", "年份"),
        ("year=&from=&to=&format=docx", "year", "年份"),
        (
            &format!("from={year}-02-30&to={year}-03-01&format=xlsx") as &str,
            "from",
            "起始日期",
        ),
        (&format!("from={year}-01-01&format=md"), "to", "截止日期"),
        (
            &format!("from={year}-05-01&to={year}-04-01&format=md"),
            "to",
            "早于",
        ),
        (&format!("year={year}&format=pdf"), "format", "格式"),
        ("year=2099&format=docx", "year", "节假日"),
    ] {
        let (s, _, page) = b.get(&format!("/reports?{q}")).await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{q}");
        assert!(page.contains("error-summary"), "{q}");
        assert!(page.contains(&format!("href=\"#{field}\"")), "{q}: {page}");
        assert!(page.contains(words), "{q}");
    }
}
both!(reports_download_from_the_web);

/// The text of a cell as the page shows it.
fn cells_row(cells: &[String]) -> String {
    let mut s = format!(">{}</th>", cells[0]);
    for c in &cells[1..] {
        s.push_str(&format!("<td class=\"num\">{c}</td>"));
    }
    s
}

/// The rows of a CSV export (without the byte-order mark and the header).
fn csv_rows(bytes: &[u8], header: &str) -> Vec<Vec<String>> {
    assert!(bytes.starts_with(b"\xEF\xBB\xBF"), "CSV starts with a BOM");
    let text = std::str::from_utf8(&bytes[3..]).unwrap();
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some(header));
    lines
        .map(|l| l.split(',').map(str::to_string).collect())
        .collect()
}

async fn dashboard_shows_the_figures(db: Db) {
    let app = TestApp::spawn(db).await;
    let year = records(&app).await;
    let api = api_figures(&app, &year.to_string()).await;
    let mut b = Browser::new(&app);
    b.staff_login("supervisor").await;

    // The default period is this year to date.
    let (s, _, page) = b.get("/dashboard").await;
    assert_eq!(s, StatusCode::OK, "{page}");
    assert!(page.contains(&format!("value=\"{year}-01-01\"")));

    let q = format!("year={year}");
    let (s, _, page) = b.get(&format!("/dashboard?{q}")).await;
    assert_eq!(s, StatusCode::OK, "{page}");
    // Rows link to the cases behind them; compare the text without the links.
    let linked = page.replace("</a></th>", "</th>");
    assert!(page.contains("lang=\"zh-CN\""));
    for key in ["months", "departments", "points", "channels"] {
        assert!(
            page.contains(&format!("aria-labelledby=\"chart-{key}-13-title\"")),
            "{key} chart"
        );
        assert!(page.contains(&format!("<title id=\"chart-{key}-13-title\">")));
        assert!(page.contains(&format!("id=\"table-{key}\"")), "{key} table");
        let end = crate::common::period_end(year);
        let link = format!("/dashboard/export/{key}.csv?from={year}-01-01&#38;to={end}");
        assert!(page.contains(&link), "{link} in {page}");
    }
    assert!(page.contains("role=\"img\""));
    let accepted = figure(&api, "cases_accepted")["value"].as_i64().unwrap();
    assert!(
        page.contains(&format!("<a href=\"/workbench\">{accepted}</a>")),
        "big number"
    );
    // Table rows carry the API's numbers.
    for d in api["by_department"].as_array().unwrap() {
        let n = d["cases_accepted"].as_i64().unwrap();
        assert!(
            linked.contains(&format!(
                ">{}</th><td class=\"num\">{n}</td>",
                d["name"].as_str().unwrap()
            )),
            "department {d}"
        );
    }
    for key in ["cases_by_point", "hotline_by_channel"] {
        for r in figure(&api, key)["rows"].as_array().unwrap() {
            assert!(
                linked.contains(&format!(
                    ">{}</th><td class=\"num\">{}</td><td class=\"num\">{}</td>",
                    r["name"].as_str().unwrap(),
                    r["value"],
                    r["year_earlier"]
                )),
                "{key} {r}"
            );
        }
    }
    // The month table: this year's months add up to the year's cases.
    let month = crate::common::today().month();
    let months_total: i64 = (1..=month)
        .map(|m| {
            let this_month = format!(">{year}-{m:02}</th><td class=\"num\">");
            let at = linked.find(&this_month).expect("month row") + this_month.len();
            linked[at..at + linked[at..].find('<').unwrap()]
                .parse::<i64>()
                .unwrap()
        })
        .sum();
    assert_eq!(months_total, accepted);

    // Every export equals its table on the page.
    for (key, header) in [
        (
            "departments",
            "部门编码,部门,受理办件,即办件,网上审批办件,办结办件,上年同期受理,同比增长,区镇及分理点受理,分流比例",
        ),
        ("points", "受理点编码,受理点,受理办件,上年同期,同比增长"),
        ("channels", "渠道编码,渠道,受理诉求,上年同期,同比增长"),
        ("months", "月份,本年受理,上年同期,同比增长"),
    ] {
        let (s, h, bytes) = fetch(&app, &b, &format!("/dashboard/export/{key}.csv?{q}")).await;
        assert_eq!(s, StatusCode::OK, "{key}");
        assert_attachment(&h, ".csv", "text/csv");
        let rows = csv_rows(&bytes, header);
        assert!(!rows.is_empty(), "{key}");
        let skip = usize::from(key != "months");
        for r in rows {
            // Counts as shown; the growth (and share) columns are fractions in the CSV.
            let end = if key == "departments" { 7 } else { r.len() - 1 };
            let shown: Vec<String> = r[skip..end].to_vec();
            assert!(linked.contains(&cells_row(&shown)), "{key} row {r:?}");
        }
    }
    let (s, h, bytes) = fetch(&app, &b, &format!("/dashboard/export/points.xlsx?{q}")).await;
    assert_eq!(s, StatusCode::OK);
    assert_attachment(&h, "各受理点.xlsx", "application/vnd.openxml");
    let sheet = xlsx_sheet(&bytes, "各受理点");
    let rows = figure(&api, "cases_by_point")["rows"].as_array().unwrap();
    assert_eq!(sheet.height() - 1, rows.len());
    for (row, r) in sheet.rows().skip(1).zip(rows) {
        assert_eq!(num(&row[2]), r["value"].as_f64());
    }
    let (s, _, bytes) = fetch(&app, &b, &format!("/dashboard/export/figures.csv?{q}")).await;
    assert_eq!(s, StatusCode::OK);
    let text = String::from_utf8(bytes[3..].to_vec()).unwrap();
    assert!(text.contains(&format!("cases_accepted,受理办件,{accepted},件,")));
    let (s, _, _) = fetch(&app, &b, &format!("/dashboard/export/nothing.csv?{q}")).await;
    assert_eq!(s, StatusCode::NOT_FOUND);

    // All figures in one table, as shown.
    assert!(page.contains("id=\"table-figures\""));
    assert!(linked.contains(&format!(
        ">受理办件</th><td class=\"num\">{accepted}</td><td class=\"num\">件</td>"
    )));
    let online = figure(&api, "online_rate")["value"].as_f64().unwrap();
    assert!(linked.contains(&format!(
        ">网上审批率</th><td class=\"num\">{:.2}%</td>",
        online * 100.0
    )));

    // The cases behind a department's and a point's row.
    let sj = api["by_department"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["code"] == "SJ")
        .unwrap()["cases_accepted"]
        .as_i64()
        .unwrap();
    let amp = "&#38;";
    for (param, code, n) in [("department", "SJ", sj), ("point", "BC", 1)] {
        let link = format!(
            "/dashboard/cases?from={year}-01-01{amp}to={}{amp}{param}={code}",
            crate::common::period_end(year)
        );
        assert!(page.contains(&link), "{link}");
        let (s, _, list) = b.get(&link.replace(amp, "&")).await;
        assert_eq!(s, StatusCode::OK, "{list}");
        assert!(list.contains(&format!("共 {n} 件")), "{list}");
        assert_eq!(
            list.matches("<a href=\"/workbench/cases/").count() as i64,
            n
        );
    }
    assert!(page.contains(&format!(
        "/dashboard/cases?from={year}-01-01{amp}to={year}-01-31"
    )));

    // The wall screen reloads itself and shows the same numbers in the dark.
    let (s, _, wall) = b.get("/dashboard/wall").await;
    assert_eq!(s, StatusCode::OK, "{wall}");
    assert!(wall.contains("<meta http-equiv=\"refresh\" content=\"60\">"));
    // …and offers to stop that (WCAG 2.2.1); stopped, it offers to resume.
    assert!(
        wall.contains("停止自动刷新") && wall.contains("refresh=0"),
        "{wall}"
    );
    let (s, _, still) = b.get("/dashboard/wall?refresh=0").await;
    assert_eq!(s, StatusCode::OK);
    assert!(!still.contains("http-equiv=\"refresh\"") && still.contains("恢复自动刷新"));
    assert!(wall.contains("class=\"wall\"") && wall.contains("lang=\"zh-CN\""));
    assert!(wall.contains("<svg") && wall.contains("<title id=\"chart-months-22-title\">"));
    assert!(!wall.contains("<script"));

    // The navigation and the supervision page lead here.
    let (_, _, sup) = b.get("/supervision").await;
    assert!(sup.contains("href=\"/dashboard\"") && sup.contains("href=\"/reports\""));

    // Bad periods are refused naming the field.
    let (s, _, page) = b
        .get(&format!("/dashboard?from={year}-05-01&to={year}-04-01"))
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert!(page.contains("href=\"#to\"") && page.contains("早于"));
    let (s, _, page) = b.get("/dashboard?year=abcd").await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert!(page.contains("href=\"#year\""));
    let (s, _, page) = b
        .get("/dashboard/export/points.csv?from=2026-13-01&to=2026-12-31")
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert!(page.contains("起始日期"));
}
both!(dashboard_shows_the_figures);

async fn only_managers_see_the_figures(db: Db) {
    let app = TestApp::spawn(db).await;
    let paths = [
        "/dashboard",
        "/dashboard/wall",
        "/dashboard/export/points.csv",
        "/reports",
        "/reports?year=2026&format=xlsx",
    ];
    let mut anon = Browser::new(&app);
    for p in paths {
        let (s, _, page) = anon.get(p).await;
        assert_eq!(s, StatusCode::UNAUTHORIZED, "{p}");
        assert!(has_chinese(&page));
    }
    let mut clerk = Browser::new(&app);
    clerk.staff_login("clerk.sj").await;
    for p in paths {
        let (s, _, page) = clerk.get(p).await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{p}");
        assert!(page.contains("无权查看"), "{p}");
    }
    let (_, _, page) = clerk.get("/workbench").await;
    assert!(!page.contains("href=\"/dashboard\""));
    // A department head reads them.
    let mut head = Browser::new(&app);
    head.staff_login("head.sj").await;
    let (s, _, page) = head.get("/dashboard").await;
    assert_eq!(s, StatusCode::OK);
    assert!(page.contains("href=\"/reports\""), "navigation");
    let (s, _, _) = head.get("/reports").await;
    assert_eq!(s, StatusCode::OK);
    // …and the cases behind them of their own department only.
    app.apply("clerk.sj", ITEM, "window").await;
    let (s, _, list) = head.get("/dashboard/cases?department=JT").await;
    assert_eq!(s, StatusCode::OK);
    assert!(list.contains("共 0 件"), "{list}");
    let (_, _, list) = head.get("/dashboard/cases").await;
    assert!(list.contains("共 1 件"), "{list}");
    let (s, _, _) = clerk.get("/dashboard/cases").await;
    assert_eq!(s, StatusCode::FORBIDDEN);
}
both!(only_managers_see_the_figures);

/// The dashboards of the catalog, the points, the ratings and the hotline: each
/// draws its charts beside tables whose numbers are the API's figures, rows lead to
/// the lists behind them, the tables export, and a department head's drill-down
/// stays inside their department.
async fn area_dashboards(db: Db) {
    let app = TestApp::spawn(db).await;
    let year = records(&app).await;
    // Two ratings: a good one and a bad one.
    for level in [1, 5] {
        let no = crate::common::closed_case(&app, "clerk.sj", "approver.sj", ITEM).await;
        let (s, v) = app
            .post(
                &format!("/api/v1/cases/{no}/rating"),
                None,
                json!({ "level": level, "last_six": "31002X" }),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
    }
    let agent = app.token("hotline").await;
    let (s, v) = app
        .post(
            "/api/v1/work-orders",
            Some(&agent),
            json!({ "category": "complaint", "content": "道路破损。", "unit": "JT" }),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let api = api_figures(&app, &year.to_string()).await;
    let value = |key: &str| figure(&api, key)["value"].as_i64().unwrap();
    let mut b = Browser::new(&app);
    b.staff_login("supervisor").await;
    let q = format!("year={year}");
    let query = format!(
        "from={year}-01-01&#38;to={}",
        crate::common::period_end(year)
    );

    for (path, tables, numbers) in [
        (
            "/dashboard/catalog",
            vec!["catalog_status", "catalog_departments"],
            vec![value("items_in_use"), value("items_instant")],
        ),
        (
            "/dashboard/points",
            vec!["point_details"],
            vec![value("cases_away_from_center")],
        ),
        (
            "/dashboard/ratings",
            vec!["rating_levels", "rating_months", "rating_departments"],
            vec![value("ratings_received"), value("ratings_bad")],
        ),
        (
            "/dashboard/hotline",
            vec!["hotline_months", "channels", "hotline_units"],
            vec![value("hotline_received"), value("hotline_dispatched")],
        ),
    ] {
        let (s, _, page) = b.get(&format!("{path}?{q}")).await;
        assert_eq!(s, StatusCode::OK, "{path}: {page}");
        assert!(page.contains("aria-current=\"page\""), "{path} tab");
        assert!(page.contains(&format!("action=\"{path}\"")), "{path} form");
        for key in &tables {
            assert!(
                page.contains(&format!("id=\"table-{key}\"")),
                "{path} {key}"
            );
            assert!(
                page.contains(&format!("aria-labelledby=\"chart-{key}-13-title\"")),
                "{path} {key} chart"
            );
            let link = format!("/dashboard/export/{key}.csv?{query}");
            assert!(page.contains(&link), "{path}: {link}");
            let (s, _, csv) = b.get(&format!("/dashboard/export/{key}.csv?{q}")).await;
            assert_eq!(s, StatusCode::OK, "{key}: {csv}");
            assert!(csv.starts_with('\u{feff}'), "{key}: BOM");
            let (s, _, _) = b.get(&format!("/dashboard/export/{key}.xlsx?{q}")).await;
            assert_eq!(s, StatusCode::OK, "{key} xlsx");
        }
        for n in numbers {
            assert!(
                page.contains(&format!("<strong class=\"big-value\">{n}</strong>"))
                    || page.contains(&format!("\">{n}</a></strong>")),
                "{path}: big number {n}"
            );
        }
    }

    // Rows lead to the lists behind them.
    let (_, _, page) = b.get(&format!("/dashboard/hotline?{q}")).await;
    let unit_link = format!("href=\"/hotline/orders?{query}&#38;unit=JT\"");
    assert!(page.contains(&unit_link), "unit link in {page}");
    // …to the unit's orders registered in the period: the one dispatched above.
    let (s, _, list) = b
        .get(&format!(
            "/hotline/orders?from={year}-01-01&to={year}-12-31&unit=JT"
        ))
        .await;
    assert_eq!(s, StatusCode::OK, "{list}");
    assert!(list.contains("共 1 件"), "{list}");
    let (s, _, list) = b
        .get(&format!(
            "/hotline/orders?from={}-01-01&to={}-12-31&unit=JT",
            year - 1,
            year - 1
        ))
        .await;
    assert_eq!(s, StatusCode::OK);
    assert!(list.contains("共 0 件"), "{list}");
    let (s, _, list) = b.get("/hotline/orders?from=2026-13-01").await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{list}");
    assert!(list.contains("日期“2026-13-01”无效"), "{list}");
    let (s, v) = app
        .get(
            &format!("/api/v1/work-orders?from={year}-03-01&to={year}-02-01"),
            Some(&agent),
        )
        .await;
    crate::common::assert_invalid(s, &v, "to");
    // A department head reads the figures but gets no links to the 12345 lists it
    // may not open.
    let mut head_sj = Browser::new(&app);
    head_sj.staff_login("head.sj").await;
    let (s, _, page) = head_sj.get(&format!("/dashboard/hotline?{q}")).await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        !page.contains("href=\"/hotline/orders") && !page.contains("href=\"/hotline/calls"),
        "{page}"
    );
    let (_, _, page) = b.get(&format!("/dashboard/catalog?{q}")).await;
    assert!(
        page.contains("href=\"/items?department=SJ\""),
        "catalog link"
    );
    let (_, _, page) = b.get(&format!("/dashboard/points?{q}")).await;
    assert!(page.contains("&#38;point="), "point link");
    let (_, _, page) = b.get(&format!("/dashboard/ratings?{q}")).await;
    assert!(page.contains("/dashboard/ratings/list?"), "ratings links");
    // The rating export counts what the figure counts.
    let (_, _, csv) = b
        .get(&format!("/dashboard/export/rating_levels.csv?{q}"))
        .await;
    let counted: i64 = csv
        .lines()
        .skip(1)
        .map(|l| l.split(',').nth(2).unwrap().parse::<i64>().unwrap())
        .sum();
    assert_eq!(counted, value("ratings_received"));

    // The bad ratings behind the figure: one, of SJ, waiting for its answer.
    let (s, _, list) = b.get(&format!("/dashboard/ratings/list?{q}&bad=1")).await;
    assert_eq!(s, StatusCode::OK, "{list}");
    assert!(list.contains("共 1 件"), "{list}");
    assert!(
        list.contains("非常不满意") && list.contains("待整改"),
        "{list}"
    );
    let (s, _, list) = b.get(&format!("/dashboard/ratings/list?{q}&level=5")).await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        list.contains("共 1 件") && list.contains("非常满意"),
        "{list}"
    );
    let (s, _, list) = b.get(&format!("/dashboard/ratings/list?{q}&level=9")).await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{list}");
    assert!(has_chinese(&list));
    // A department head of another department sees none of SJ's ratings.
    let mut tx = app.store.begin().await.unwrap();
    tongban_store::org::insert_user(
        &mut tx,
        &app.store,
        &tongban_store::org::NewUser {
            username: "head.jt",
            display_name: "head.jt",
            role: tongban_domain::org::Role::DepartmentHead,
            department: Some("JT"),
            point: None,
            password: crate::common::PASSWORD,
        },
        &tongban_store::audit::Actor::system("test"),
        true,
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let mut head = Browser::new(&app);
    head.staff_login("head.jt").await;
    let (s, _, list) = head
        .get(&format!("/dashboard/ratings/list?{q}&bad=1"))
        .await;
    assert_eq!(s, StatusCode::OK, "{list}");
    assert!(list.contains("共 0 件"), "{list}");
    // An unknown table is a 404 naming the ones there are.
    let (s, _, page) = b.get("/dashboard/export/nothing.csv").await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    assert!(page.contains("hotline_units"), "{page}");
}
both!(area_dashboards);
