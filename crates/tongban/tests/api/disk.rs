//! A full disk and a read-only file system (issue 10): writes fail with a clear
//! message, `/healthz` says why, and once space is freed (or the file system is
//! writable again) writes resume without a restart, with nothing acknowledged lost.
//! The database lives on a small tmpfs mounted for the test (CI runs as root).

use crate::common::TestApp;
use reqwest::StatusCode;
use serde_json::json;

struct Mount(std::path::PathBuf);

impl Mount {
    fn tmpfs(dir: &std::path::Path, size: &str) -> Mount {
        let ok = std::process::Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(dir)
            .status()
            .expect("run mount");
        assert!(ok.success(), "mounting a tmpfs needs root (as CI runs)");
        Mount(dir.to_path_buf())
    }
    fn remount(&self, mode: &str) {
        let ok = std::process::Command::new("mount")
            .args(["-o", &format!("remount,{mode}")])
            .arg(&self.0)
            .status()
            .expect("run mount");
        assert!(ok.success());
    }
}

impl Drop for Mount {
    fn drop(&mut self) {
        let _ = std::process::Command::new("umount")
            .arg("-l")
            .arg(&self.0)
            .status();
    }
}

fn order(i: usize) -> serde_json::Value {
    json!({
        "category": "complaint",
        "content": format!("第{i}条：{}", "小区门口夜间施工噪音扰民，请相关部门处理。".repeat(60)),
        "phone": "13812345678",
        "address": "玉山镇前进西路88号",
        "unit": "JT",
    })
}

#[tokio::test]
async fn a_full_disk_is_reported_and_writes_resume_when_freed() {
    let dir = tempfile::tempdir().unwrap();
    let mount = Mount::tmpfs(dir.path(), "24m");
    let app = TestApp::spawn_sqlite_in(dir.path()).await;
    let agent = app.token("hotline").await;
    let (s, _) = app.get("/healthz", None).await;
    assert_eq!(s, StatusCode::OK);

    // Leave a little room, then write until the disk is full.
    let free = fs4::available_space(dir.path()).unwrap();
    let filler = dir.path().join("filler");
    std::fs::write(&filler, vec![0u8; (free - 400 * 1024) as usize]).unwrap();
    let mut acknowledged = vec![];
    let mut refused = None;
    for i in 0..2000 {
        let (s, v) = app
            .post("/api/v1/work-orders", Some(&agent), order(i))
            .await;
        match s {
            StatusCode::CREATED => acknowledged.push(v["order_no"].as_str().unwrap().to_string()),
            _ => {
                refused = Some((s, v));
                break;
            }
        }
    }
    let (s, v) = refused.expect("the disk filled up");
    assert_eq!(s, StatusCode::SERVICE_UNAVAILABLE, "{v}");
    let message = v["error"]["message"].as_str().unwrap();
    assert!(message.contains("磁盘空间已满"), "{message}");
    assert!(!acknowledged.is_empty());
    // The node says why it cannot take writes.
    let (s, v) = app.get("/healthz", None).await;
    assert_eq!(s, StatusCode::SERVICE_UNAVAILABLE, "{v}");
    assert!(
        v["error"]["message"].as_str().unwrap().contains("磁盘空间"),
        "{v}"
    );
    // A staff sign-in (another write path) fails cleanly too, never with a 500.
    let (s, _) = app.login("clerk.sj", crate::common::PASSWORD).await;
    assert_ne!(s, StatusCode::INTERNAL_SERVER_ERROR);

    // Space freed: writes resume on the same server.
    std::fs::remove_file(&filler).unwrap();
    let (s, v) = app
        .post("/api/v1/work-orders", Some(&agent), order(9999))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let (s, _) = app.login("clerk.sj", crate::common::PASSWORD).await;
    assert_eq!(s, StatusCode::OK);
    let (s, _) = app.get("/healthz", None).await;
    assert_eq!(s, StatusCode::OK);
    // Nothing acknowledged was lost.
    for no in &acknowledged {
        let (s, v) = app
            .get(&format!("/api/v1/work-orders/{no}"), Some(&agent))
            .await;
        assert_eq!(s, StatusCode::OK, "{no}: {v}");
    }

    // A read-only file system is named at start.
    app.store.close().await;
    drop(app);
    mount.remount("ro");
    let err = tongban_store::Store::open(
        &format!("sqlite://{}/test.db", dir.path().display()),
        tongban_store::Keys::from_hex(crate::common::KEY_HEX).unwrap(),
    )
    .await
    .err()
    .expect("a read-only file system is refused");
    assert!(err.to_string().contains("只读"), "{err}");
    mount.remount("rw");
}

/// A database that turns read-only while the server runs (PostgreSQL put into
/// read-only mode): writes get a clear 503, `/healthz` names it, and once writable again
/// everything resumes without a restart.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_read_only_database_is_reported_and_writes_resume() {
    let app = TestApp::spawn(crate::common::Db::Postgres).await;
    let agent = app.token("hotline").await;
    let name = app.db_url.rsplit('/').next().unwrap().to_string();
    let admin_url = app.db_url.replace(&format!("/{name}"), "/test");
    let set = |on: bool| {
        let (admin_url, name) = (admin_url.clone(), name.clone());
        async move {
            use sqlx::Connection;
            let mut c = sqlx::PgConnection::connect(&admin_url).await.unwrap();
            sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
                "ALTER DATABASE {name} SET default_transaction_read_only = {on}"
            )))
            .execute(&mut c)
            .await
            .unwrap();
            // The platform's connections take the setting when they reconnect.
            sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}' AND pid <> pg_backend_pid()"
            )))
            .execute(&mut c)
            .await
            .unwrap();
        }
    };
    set(true).await;
    let mut status = StatusCode::OK;
    let mut body = serde_json::Value::Null;
    // The first request after the connections were cut may find a dead one.
    for _ in 0..5 {
        (status, body) = app.get("/healthz", None).await;
        if status == StatusCode::SERVICE_UNAVAILABLE && body.to_string().contains("只读") {
            break;
        }
    }
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    assert!(
        body["error"]["message"].as_str().unwrap().contains("只读"),
        "{body}"
    );
    let (s, v) = app
        .post("/api/v1/work-orders", Some(&agent), order(1))
        .await;
    assert_eq!(s, StatusCode::SERVICE_UNAVAILABLE, "{v}");
    assert!(
        v["error"]["message"].as_str().unwrap().contains("只读"),
        "{v}"
    );
    set(false).await;
    let mut ok = false;
    for _ in 0..5 {
        let r = tokio::time::timeout(
            std::time::Duration::from_secs(40),
            app.post("/api/v1/work-orders", Some(&agent), order(2)),
        )
        .await;
        let Ok((s, _)) = r else { continue };
        if s == StatusCode::CREATED {
            ok = true;
            break;
        }
    }
    assert!(ok, "writes resume without a restart");
    let (s, _) = app.get("/healthz", None).await;
    assert_eq!(s, StatusCode::OK);
}
