//! The enterprise complaint center's key projects (issue 17): a construction project
//! hooked with its responsible staff, a progress entry a week (corrected in place),
//! the monthly summary and quarterly analysis as pages and Word, the figure from
//! the export; bad input is a Chinese 4xx naming its field and writes nothing.

use crate::common::*;
use crate::project_stages::{CODE, project};
use reqwest::StatusCode;
use serde_json::json;

fn field(v: &serde_json::Value) -> &str {
    v["error"]["field"].as_str().unwrap_or_default()
}

async fn key_projects_are_tracked_weekly(db: Db) {
    let app = TestApp::spawn(db).await;
    project(&app).await;
    let sup = app.token("supervisor").await;
    let clerk = app.token("clerk.sj").await;
    let path = "/api/v1/key-projects";
    let (s, _) = app
        .post(
            path,
            Some(&clerk),
            json!({ "project": CODE, "responsible": "王科长" }),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    for (body, f) in [
        (
            json!({ "project": "2026-320583-39-03-999999", "responsible": "王科长" }),
            "project",
        ),
        (json!({ "project": "bad", "responsible": "王科长" }), "code"),
        (
            json!({ "project": CODE, "responsible": " " }),
            "responsible",
        ),
    ] {
        let (s, v) = app.post(path, Some(&sup), body.clone()).await;
        assert!(s.is_client_error(), "{body}: {v}");
        assert_eq!(field(&v), f, "{body}: {v}");
    }
    let progress = format!("{path}/{CODE}/progress");
    let (s, v) = app
        .post(
            &progress,
            Some(&sup),
            json!({ "progress": "施工许可并联审批中" }),
        )
        .await;
    assert_eq!(
        (s, field(&v)),
        (StatusCode::UNPROCESSABLE_ENTITY, "project"),
        "not hooked yet: {v}"
    );
    let (s, v) = app
        .post(
            path,
            Some(&sup),
            json!({ "project": CODE, "responsible": "王科长" }),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let (s, _) = app
        .post(
            path,
            Some(&sup),
            json!({ "project": CODE, "responsible": "王科长" }),
        )
        .await;
    assert_eq!(s, StatusCode::CONFLICT, "hooked once");
    let (s, v) = app
        .post(
            &progress,
            Some(&sup),
            json!({ "week": "2999-01-01", "progress": "x" }),
        )
        .await;
    assert_eq!(
        (s, field(&v)),
        (StatusCode::UNPROCESSABLE_ENTITY, "week"),
        "{v}"
    );
    for text in ["施工许可并联审批中", "施工许可已核发"] {
        let (s, v) = app
            .post(
                &progress,
                Some(&sup),
                json!({ "progress": text, "problems": "供电接入方案待答复" }),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
    }
    assert_eq!(
        app.count("project_progress").await,
        1,
        "one entry a week, corrected"
    );
    // An open problem of the project, raised by the department.
    let sj = app.token("approver.sj").await;
    let (s, v) = app
        .post(
            &format!("/api/v1/projects/{CODE}/problems"),
            Some(&sj),
            json!({ "description": "人防易地建设费标准待确认", "department": "SJ", "due_on": day(today()) }),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");

    // The figure from the export; the report's sentence.
    let today = day(today());
    let year = &today[..4];
    let (_, f) = app
        .get(&format!("/api/v1/figures?period={year}"), Some(&sup))
        .await;
    let rows = app.export("project_progress", &[]);
    let mut projects: Vec<&str> = rows
        .iter()
        .map(|r| r["project_code"].as_str().unwrap())
        .collect();
    projects.dedup();
    assert_eq!(
        figure(&f, "projects_tracked")["value"],
        projects.len() as f64
    );
    assert_eq!(rows[0]["progress"], "施工许可已核发");
    let md = app.report_md(year);
    assert!(md.contains("对1个挂钩项目进行审批全流程跟踪"), "{md}");
    assert!(!md.contains("重点项目跟踪及部门满意度测评数据"), "{md}");

    // The pages: the list, the project's weeks, the summary and analysis, Word.
    let mut b = Browser::new(&app);
    b.staff_login("supervisor").await;
    let (s, _, page) = b.get("/enterprise/projects").await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        page.contains("王科长") && page.contains("施工许可已核发"),
        "{page}"
    );
    let (s, _, page) = b.get(&format!("/enterprise/projects/{CODE}")).await;
    assert_eq!(s, StatusCode::OK);
    assert!(page.contains("供电接入方案待答复"), "{page}");
    let csrf = hidden(&page, "csrf");
    let (s, _, page) = b
        .post(
            &format!("/enterprise/projects/{CODE}/progress"),
            &[("csrf", &csrf), ("week", &today), ("progress", "")],
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("href=\"#progress\""), "{page}");
    let (s, _, page) = b.get("/enterprise/summary").await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        page.contains("进度汇总") && page.contains("人防易地建设费标准待确认"),
        "{page}"
    );
    let (s, _, page) = b.get("/enterprise/analysis").await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        page.contains("季度进度分析") && page.contains("巴城镇精密机械制造车间"),
        "{page}"
    );
    let quarter = tongban_domain::supervision::Quarter::of(tongban_store::time::local_day(
        tongban_store::time::now(),
    ));
    let (s, _, docx) = b
        .get(&format!(
            "/enterprise/analysis?quarter={quarter}&format=docx"
        ))
        .await;
    assert_eq!(s, StatusCode::OK);
    assert!(docx.starts_with("PK"), "a Word package");
    let (s, _, _) = b.get("/enterprise/summary?month=2026-13").await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    app.assert_consistent();
}
both!(key_projects_are_tracked_weekly);
