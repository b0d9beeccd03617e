//! Backup and restore (issue 19): a backup taken while cases are being accepted holds
//! every case acknowledged before it started; the restore goes into an empty place
//! and proves itself; another key, an occupied place and a missing key are refused
//! with a clear message; PostgreSQL is sent to pg_dump.

use crate::common::*;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

fn tongban(dir: &std::path::Path, args: &[&str], key: Option<&str>) -> std::process::Output {
    let mut c = std::process::Command::new(env!("CARGO_BIN_EXE_tongban"));
    c.args(args)
        .env("TONGBAN_LOG", "error")
        .env_remove("TONGBAN_DB")
        .env_remove("TONGBAN_KEY")
        .current_dir(dir);
    if let Some(k) = key {
        c.env("TONGBAN_KEY", k);
    }
    c.output().expect("run tongban")
}

fn said(out: &std::process::Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backup_under_load_restores_every_acknowledged_case() {
    let app = TestApp::spawn(Db::Sqlite).await;
    let dir = app.dir.path().to_path_buf();
    let out = dir.join("b.zip");
    let stop = AtomicBool::new(false);
    let acked: std::sync::Mutex<Vec<(Instant, String)>> = Default::default();
    let started: std::sync::Mutex<Option<Instant>> = Default::default();
    let writer = async {
        let t = app.token("clerk.sj").await;
        while !stop.load(Ordering::Relaxed) {
            let (s, v) = app
                .post(
                    "/api/v1/cases",
                    Some(&t),
                    TestApp::application(ITEM, "window"),
                )
                .await;
            assert_eq!(s, reqwest::StatusCode::CREATED, "{v}");
            let no = v["case_no"].as_str().unwrap().to_string();
            acked.lock().unwrap().push((Instant::now(), no));
        }
    };
    let backup = async {
        tokio::time::sleep(std::time::Duration::from_millis(400)).await;
        *started.lock().unwrap() = Some(Instant::now());
        let (db, out, dir) = (app.db_url.clone(), out.clone(), dir.clone());
        let o = tokio::task::spawn_blocking(move || {
            tongban(
                &dir,
                &["backup", "--db", &db, "--out", out.to_str().unwrap()],
                Some(KEY_HEX),
            )
        })
        .await
        .unwrap();
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        stop.store(true, Ordering::Relaxed);
        o
    };
    let ((), o) = tokio::join!(writer, backup);
    assert!(o.status.success(), "{}", said(&o));
    assert!(said(&o).contains("主密钥不在备份中"), "{}", said(&o));
    let started = started.lock().unwrap().unwrap();
    let before: Vec<String> = acked
        .lock()
        .unwrap()
        .iter()
        .filter(|(at, _)| *at < started)
        .map(|(_, no)| no.clone())
        .collect();
    assert!(!before.is_empty(), "cases were accepted before the backup");

    // Restored into an empty place, under the key, and proved.
    let restored = format!("sqlite://{}/restored/r.db", dir.display());
    let o = tongban(
        &dir,
        &[
            "restore",
            "--from",
            out.to_str().unwrap(),
            "--db",
            &restored,
        ],
        Some(KEY_HEX),
    );
    assert!(o.status.success(), "{}", said(&o));
    assert!(said(&o).contains("恢复完成"), "{}", said(&o));
    let store = tongban_store::Store::assemble(
        &restored,
        tongban_store::Keys::from_hex(KEY_HEX).unwrap(),
        &tongban_store::Setup::default(),
    )
    .await
    .unwrap();
    let mut c = store.reader().await.unwrap();
    for no in &before {
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM cases WHERE case_no = $1")
            .bind(no)
            .fetch_one(&mut *c)
            .await
            .unwrap();
        assert_eq!(n, 1, "{no} acknowledged before the backup is in it");
    }
    drop(c);
    store.close().await;

    // Refusals, each saying why.
    let o = tongban(
        &dir,
        &[
            "restore",
            "--from",
            out.to_str().unwrap(),
            "--db",
            &restored,
        ],
        Some(KEY_HEX),
    );
    assert!(!o.status.success());
    assert!(said(&o).contains("已存在"), "{}", said(&o));
    let other = "ff".repeat(32);
    let elsewhere = format!("sqlite://{}/other/r.db", dir.display());
    let o = tongban(
        &dir,
        &[
            "restore",
            "--from",
            out.to_str().unwrap(),
            "--db",
            &elsewhere,
        ],
        Some(&other),
    );
    assert!(!o.status.success());
    assert!(said(&o).contains("另一把主密钥"), "{}", said(&o));
    assert!(
        !dir.join("other/r.db").exists(),
        "nothing restored under another key"
    );
    let o = tongban(
        &dir,
        &[
            "restore",
            "--from",
            out.to_str().unwrap(),
            "--db",
            &elsewhere,
        ],
        None,
    );
    assert!(!o.status.success());
    assert!(
        said(&o).contains("请提供写入这些数据时的主密钥"),
        "{}",
        said(&o)
    );
    let o = tongban(
        &dir,
        &[
            "backup",
            "--db",
            "postgres://root@127.0.0.1:5432/test",
            "--out",
            "x.zip",
        ],
        Some(KEY_HEX),
    );
    assert!(!o.status.success());
    assert!(said(&o).contains("pg_dump"), "{}", said(&o));
    // Not a backup, or a truncated one: refused, nothing written.
    std::fs::write(dir.join("not.zip"), "不是备份").unwrap();
    let bytes = std::fs::read(&out).unwrap();
    std::fs::write(dir.join("cut.zip"), &bytes[..bytes.len() / 2]).unwrap();
    for bad in ["not.zip", "cut.zip"] {
        let o = tongban(
            &dir,
            &["restore", "--from", bad, "--db", &elsewhere],
            Some(KEY_HEX),
        );
        assert!(!o.status.success(), "{bad}");
        assert!(said(&o).contains("不是 zip 文件"), "{bad}: {}", said(&o));
        assert!(!dir.join("other/r.db").exists(), "{bad}: nothing restored");
    }
    let o = tongban(
        &dir,
        &["restore", "--from", "no-such.zip", "--db", &elsewhere],
        Some(KEY_HEX),
    );
    assert!(!o.status.success());
    assert!(said(&o).contains("无法打开备份文件"), "{}", said(&o));
}
