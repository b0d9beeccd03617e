//! Group commit on SQLite: concurrent writes share commits, and one failing write
//! neither takes its batch neighbours with it nor leaves anything half-written.

use tongban_store::{Keys, Store, StoreError};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_write_does_not_take_its_batch_with_it() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/w.db", dir.path().display());
    let store = Store::open(&url, Keys::from_master(&[3u8; 32]))
        .await
        .unwrap();
    let mut tasks = vec![];
    for i in 0..200i64 {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            store
                .write(move |tx| {
                    Box::pin(async move {
                        sqlx::query("INSERT INTO counters (name, n) VALUES ($1, $2)")
                            .bind(format!("c{i}"))
                            .bind(i)
                            .execute(&mut *tx)
                            .await?;
                        // Every 50th write inserts a second row and then fails on a
                        // duplicate key: its first insert must vanish with it.
                        if i % 50 == 7 {
                            sqlx::query("INSERT INTO counters (name, n) VALUES ($1, 0)")
                                .bind(format!("c{i}"))
                                .execute(&mut *tx)
                                .await?;
                        }
                        Ok::<_, StoreError>(i)
                    })
                })
                .await
        }));
    }
    let mut ok = 0;
    let mut failed = vec![];
    for t in tasks {
        match t.await.unwrap() {
            Ok(_) => ok += 1,
            Err(StoreError::Db(_)) => failed.push(()),
            Err(e) => panic!("unexpected error {e}"),
        }
    }
    assert_eq!(ok, 196);
    assert_eq!(failed.len(), 4);
    let mut c = store.reader().await.unwrap();
    let rows: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM counters")
        .fetch_one(&mut *c)
        .await
        .unwrap();
    assert_eq!(
        rows, 196,
        "failed writes left nothing behind, the others all committed"
    );
    let bad: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM counters WHERE name IN ('c7', 'c57', 'c107', 'c157')",
    )
    .fetch_one(&mut *c)
    .await
    .unwrap();
    assert_eq!(bad, 0);
}
