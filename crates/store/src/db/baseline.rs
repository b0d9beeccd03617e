//! The hardware's own ceiling for durable writes, measured in the same run as the
//! platform (`tongban bench`): plain SQLite in WAL mode with `synchronous=FULL`, one
//! transaction per case with two inserts (the case and its first event), from
//! `concurrency` tasks sharing one connection as SQLite's single writer requires.

use sqlx::any::AnyPoolOptions;
use sqlx::{Connection, Executor};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// Commits `n` plain transactions into a new SQLite file in `dir`; the latency of
/// each and the whole time taken.
pub async fn plain_sqlite_commits(
    dir: &std::path::Path,
    n: usize,
    concurrency: usize,
) -> anyhow::Result<(Vec<Duration>, Duration)> {
    sqlx::any::install_default_drivers();
    let url = format!("sqlite://{}/baseline.db?mode=rwc", dir.display());
    let pool = AnyPoolOptions::new()
        .max_connections(1)
        .after_connect(|conn, _| {
            Box::pin(async move {
                conn.execute("PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;")
                    .await?;
                Ok(())
            })
        })
        .connect(&url)
        .await?;
    pool.execute(
        "CREATE TABLE IF NOT EXISTS cases (id INTEGER PRIMARY KEY, case_no TEXT NOT NULL UNIQUE, \
         applicant TEXT NOT NULL, status TEXT NOT NULL, accepted_at TEXT NOT NULL); \
         CREATE TABLE IF NOT EXISTS case_events (id INTEGER PRIMARY KEY, case_id BIGINT NOT NULL, \
         action TEXT NOT NULL, at TEXT NOT NULL)",
    )
    .await?;
    let next = Arc::new(AtomicUsize::new(0));
    let start = Instant::now();
    let mut tasks = vec![];
    for _ in 0..concurrency.max(1) {
        let (pool, next) = (pool.clone(), next.clone());
        tasks.push(tokio::spawn(async move {
            let mut lat = vec![];
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= n {
                    break;
                }
                let t = Instant::now();
                let mut conn = pool.acquire().await?;
                let mut tx = conn.begin().await?;
                let id: i64 = sqlx::query_scalar(
                    "INSERT INTO cases (case_no, applicant, status, accepted_at) VALUES ($1, $2, 'accepted', $3) RETURNING id",
                )
                .bind(format!("BASE-{i:08}"))
                .bind("测试申请人")
                .bind(crate::time::stamp(crate::time::now()))
                .fetch_one(&mut *tx)
                .await?;
                sqlx::query("INSERT INTO case_events (case_id, action, at) VALUES ($1, 'accept', $2)")
                    .bind(id)
                    .bind(crate::time::stamp(crate::time::now()))
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await?;
                lat.push(t.elapsed());
            }
            anyhow::Ok(lat)
        }));
    }
    let mut all = Vec::with_capacity(n);
    for t in tasks {
        all.extend(t.await??);
    }
    let elapsed = start.elapsed();
    pool.close().await;
    Ok((all, elapsed))
}
