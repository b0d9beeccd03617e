//! What people read first: dates and times written as people read them (Beijing
//! time, no ISO stamps on pages; ISO stays in the API).

use crate::common::*;
use reqwest::StatusCode;

/// An ISO instant with its offset, as the API writes them.
fn has_iso_stamp(page: &str) -> bool {
    let b = page.as_bytes();
    (0..b.len().saturating_sub(19)).any(|i| {
        b[i..i + 4].iter().all(u8::is_ascii_digit)
            && b[i + 4] == b'-'
            && b[i + 10] == b'T'
            && b[i + 13] == b':'
    })
}

fn has_cn_time(page: &str) -> bool {
    // e.g. 2026年12月5日 11:43
    page.split('年').skip(1).any(|rest| {
        rest.split_once('日').is_some_and(|(md, after)| {
            md.contains('月') && after.trim_start().get(2..3) == Some(":")
        })
    })
}

async fn pages_write_dates_people_read(db: Db) {
    let app = TestApp::spawn(db).await;
    let no = closed_case(&app, "clerk.sj", "approver.sj", ITEM).await;
    // The API keeps ISO.
    let (_, v) = app
        .get(
            &format!("/api/v1/cases/{no}"),
            Some(&app.token("clerk.sj").await),
        )
        .await;
    assert!(v["submitted_at"].as_str().unwrap().contains('T'), "{v}");
    // The case page, the applicant's progress page and the applicant's account.
    let mut b = Browser::new(&app);
    b.staff_login("clerk.sj").await;
    let (s, _, page) = b.get(&format!("/workbench/cases/{no}")).await;
    assert_eq!(s, StatusCode::OK);
    assert!(!has_iso_stamp(&page), "ISO on the case page: {page}");
    assert!(has_cn_time(&page), "{page}");
    let mut public = Browser::new(&app);
    let (s, _, page) = public
        .get(&format!("/progress?case_no={no}&last_six=31002X"))
        .await;
    assert_eq!(s, StatusCode::OK, "{page}");
    assert!(!has_iso_stamp(&page), "ISO on the progress page: {page}");
    // The 12345 order page and its public progress.
    let agent = app.token("hotline").await;
    let (s, v) = app
        .post(
            "/api/v1/work-orders",
            Some(&agent),
            serde_json::json!({ "channel": "web", "category": "consultation", "caller_name": "王芳",
                "phone": PHONE, "content": "咨询道路运输证办理。", "answer": "已告知办理条件", "public": true }),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let order = v["order_no"].as_str().unwrap();
    let mut desk = Browser::new(&app);
    desk.staff_login("hotline").await;
    let (_, _, page) = desk.get(&format!("/hotline/orders/{order}")).await;
    assert!(!has_iso_stamp(&page), "ISO on the order page: {page}");
    assert!(has_cn_time(&page), "{page}");
    let (_, _, page) = public.get("/hotline/public").await;
    assert!(!has_iso_stamp(&page), "ISO on the public list: {page}");
}
both!(pages_write_dates_people_read);

/// The applicant's progress shows what is written for them (a refusal's reasons,
/// what is missing) and not the office's own notes or staff names.
async fn progress_shows_only_what_is_meant_for_the_applicant(db: Db) {
    let app = TestApp::spawn(db).await;
    let clerk = app.token("clerk.sj").await;
    let mut body = TestApp::application(ITEM, "window");
    body["note"] = serde_json::json!("现场核验原件，复印件存档");
    let (s, v) = app.post("/api/v1/cases", Some(&clerk), body).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let no = case_no(&v);
    let (s, _) = app
        .act(&clerk, &no, "request_supplement", Some("缺少场地使用证明"))
        .await;
    assert_eq!(s, StatusCode::OK);
    let (s, v) = app
        .get(&format!("/api/v1/progress/{no}?last_six=31002X"), None)
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let text = v.to_string();
    assert!(!text.contains("现场核验原件"), "internal note shown: {v}");
    assert!(!text.contains("clerk.sj"), "staff named: {v}");
    assert!(
        text.contains("缺少场地使用证明"),
        "the applicant's notice: {v}"
    );
}
both!(progress_shows_only_what_is_meant_for_the_applicant);

/// A notice to hand out: the supplement notice made from the item's materials the
/// clerk ticked, the handling clerk and the office's phone, room for the seal.
async fn notices_fit_to_hand_out(db: Db) {
    let app = TestApp::spawn(db).await;
    app.exec("INSERT INTO settings (key, value) VALUES ('office_phone', '0512-57368800')")
        .await;
    let no = case_no(&app.apply("clerk.sj", ITEM, "online").await);
    let mut b = Browser::new(&app);
    b.staff_login("clerk.sj").await;
    let (_, _, page) = b.get(&format!("/workbench/cases/{no}")).await;
    assert!(page.contains("需要补正的材料"), "{page}");
    // The fixture's item: 申请书, 营业执照, 承诺书.
    assert!(
        page.contains("missing_1") && page.contains("营业执照"),
        "{page}"
    );
    let csrf = hidden(&page, "csrf");
    let (s, _, page) = b
        .post(
            &format!("/workbench/cases/{no}/actions"),
            &[
                ("csrf", csrf.as_str()),
                ("action", "request_supplement"),
                ("missing_1", "1"),
                ("note", ""),
            ],
        )
        .await;
    assert!(s.is_redirection(), "{s} {page}");
    let (_, v) = app
        .get(
            &format!("/api/v1/cases/{no}"),
            Some(&app.token("clerk.sj").await),
        )
        .await;
    let last = v["events"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["note"], "请补正以下材料：营业执照", "{v}");
    let (s, _, page) = b.get(&format!("/workbench/cases/{no}/notice")).await;
    assert_eq!(s, StatusCode::OK);
    assert!(page.contains("请补正以下材料：营业执照"), "{page}");
    assert!(page.contains("经办人：clerk.sj"), "{page}");
    assert!(page.contains("咨询电话：0512-57368800"), "{page}");
    assert!(page.contains("seal-space"), "{page}");
}
both!(notices_fit_to_hand_out);

/// The home page and the figures count the catalog the same way.
async fn the_catalog_counts_agree(db: Db) {
    let app = TestApp::spawn(db).await;
    // A sub-item (子项) in use beside the items.
    let actor = tongban_store::audit::Actor::system("test");
    let first = today() - chrono::Duration::days(1);
    tongban_store::catalog::create_item(
        &app.store,
        "SJ-SUB-1",
        "SJ",
        Some(ITEM),
        content(
            "食品经营许可（变更）",
            false,
            tongban_domain::catalog::ItemStatus::InUse,
            vec![],
            tongban_domain::catalog::OnlineDepth::PreReview,
        ),
        first,
        &actor,
    )
    .await
    .unwrap();
    tongban_store::catalog::publish(&app.store, "SJ-SUB-1", 1, first, &actor)
        .await
        .unwrap();
    let (_, api) = app
        .get(
            &format!(
                "/api/v1/figures?period={}",
                chrono::Datelike::year(&today())
            ),
            Some(&app.token("supervisor").await),
        )
        .await;
    let value = |key: &str| {
        api["figures"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["key"] == key)
            .unwrap()["value"]
            .as_i64()
            .unwrap()
    };
    let (items, subs) = (value("items_in_use"), value("sub_items_in_use"));
    let (_, _, page) = Browser::new(&app).get("/").await;
    assert!(
        page.contains(&format!("<strong>{items}</strong>在用事项")),
        "{items}: {page}"
    );
    assert_eq!(subs, 1, "{api}");
    assert!(page.contains(&format!("另有子项{subs}个")), "{page}");
}
both!(the_catalog_counts_agree);

/// The counter takes a landline as the hotline does, and names every fault at once.
async fn the_counter_takes_landlines_and_names_every_fault(db: Db) {
    let app = TestApp::spawn(db).await;
    let clerk = app.token("clerk.sj").await;
    let mut body = TestApp::application(ITEM, "window");
    body["applicant"]["phone"] = serde_json::json!("0512-57301234");
    let (s, v) = app.post("/api/v1/cases", Some(&clerk), body).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    assert_eq!(v["applicant"]["phone"], "051********34", "{v}");
    let mut b = Browser::new(&app);
    b.staff_login("clerk.sj").await;
    let (_, _, page) = b.get(&format!("/workbench/accept/{ITEM}")).await;
    let csrf = hidden(&page, "csrf");
    let (s, _, page) = b
        .post(
            &format!("/workbench/accept/{ITEM}"),
            &[
                ("csrf", csrf.as_str()),
                ("kind", "organisation"),
                ("name", "昆山某某有限公司"),
                ("credit_code", "91320583XXXXXXXXXX"),
                ("phone", "12"),
                ("mode", "accept"),
            ],
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{page}");
    assert!(page.contains("统一社会信用代码："), "{page}");
    assert!(page.contains("联系电话："), "{page}");
}
both!(the_counter_takes_landlines_and_names_every_fault);

/// The month chart compares the month so far with the same days a year earlier.
async fn the_current_month_compares_like_with_like(db: Db) {
    use chrono::Datelike;
    let app = TestApp::spawn(db).await;
    let t = today();
    // Two cases a year ago this month: on the 1st, and after today's day of month.
    let early = case_no(&app.apply("clerk.sj", ITEM, "window").await);
    let late = case_no(&app.apply("clerk.sj", ITEM, "window").await);
    let ago = |d: u32| chrono::NaiveDate::from_ymd_opt(t.year() - 1, t.month(), d);
    let mut set = vec![(early, ago(1).unwrap())];
    let later = ago(t.day() + 1);
    if let Some(d) = later {
        set.push((late, d));
    }
    for (no, d) in &set {
        app.exec(&format!(
            "UPDATE cases SET accepted_on = '{}', submitted_on = '{}' WHERE case_no = '{no}'",
            day(*d),
            day(*d)
        ))
        .await;
    }
    let out = app.cli(&["stats", "rebuild", "--db", &app.db_url]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut b = Browser::new(&app);
    b.staff_login("supervisor").await;
    let (s, _, csv) = b
        .get(&format!(
            "/dashboard/export/months.csv?from={}-01-01&to={}",
            t.year(),
            day(t)
        ))
        .await;
    assert_eq!(s, StatusCode::OK, "{csv}");
    let month = format!("{}-{:02}", t.year(), t.month());
    let row = csv
        .lines()
        .find(|l| l.trim_start_matches('\u{feff}').starts_with(&month))
        .unwrap_or_else(|| panic!("{csv}"));
    let before: i64 = row.split(',').nth(2).unwrap().parse().unwrap();
    assert_eq!(before, 1, "only the days up to today a year ago: {row}");
}
both!(the_current_month_compares_like_with_like);

/// The wall screen in the hall through a display link: no staff login, only the
/// public figures, revocable.
async fn the_wall_by_display_link(db: Db) {
    let app = TestApp::spawn(db).await;
    let mut sup = Browser::new(&app);
    sup.staff_login("supervisor").await;
    let (s, _, page) = sup.get("/dashboard/displays").await;
    assert_eq!(s, StatusCode::OK, "{page}");
    let csrf = hidden(&page, "csrf");
    let (s, _, page) = sup
        .post(
            "/dashboard/displays",
            &[("csrf", csrf.as_str()), ("name", "")],
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{page}");
    let (s, _, page) = sup
        .post(
            "/dashboard/displays",
            &[("csrf", csrf.as_str()), ("name", "一楼大厅主屏")],
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{page}");
    let start = page.find("/wall/").expect("the link");
    let path: String = page[start..]
        .chars()
        .take_while(|c| !matches!(c, '<' | '"' | ' '))
        .collect();
    // Anyone at the screen: the figures, not the departments' table.
    let mut hall = Browser::new(&app);
    let (s, _, wall) = hall.get(&path).await;
    assert_eq!(s, StatusCode::OK, "{wall}");
    assert!(wall.contains("受理办件（件）"), "{wall}");
    assert!(!wall.contains("各进驻部门"), "{wall}");
    let (s, _, _) = hall.get("/wall/not-a-token").await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    // Only managers issue links.
    let mut clerk = Browser::new(&app);
    clerk.staff_login("clerk.sj").await;
    let (s, _, _) = clerk.get("/dashboard/displays").await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    // Revoked: the screen shows nothing more.
    let (_, _, page) = sup.get("/dashboard/displays").await;
    let id_at = page.find("/dashboard/displays/").expect("revoke form");
    let id: String = page[id_at + "/dashboard/displays/".len()..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    let (s, _, _) = sup
        .post(
            &format!("/dashboard/displays/{id}/revoke"),
            &[("csrf", hidden(&page, "csrf").as_str())],
        )
        .await;
    assert!(s.is_redirection(), "{s}");
    let (s, _, _) = hall.get(&path).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
}
both!(the_wall_by_display_link);
