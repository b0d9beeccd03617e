//! Group commit for SQLite. SQLite has one writer, and a durable commit costs an
//! fsync; committing each small write alone caps throughput at the disk's sync rate.
//! Writes sent through [`Store::write`] are queued to one task that runs whatever is
//! waiting in a single transaction and commits once. If any write in a batch fails,
//! the batch is rolled back and each write is run again in its own transaction, so a
//! failure never takes a neighbour with it. On PostgreSQL, which commits concurrent
//! transactions together by itself, each write is simply its own transaction.

use crate::{Result, StoreError};
use sqlx::{AnyConnection, AnyPool, Connection};
use std::any::Any;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use tokio::sync::{mpsc, oneshot};

pub type BoxFuture<'c, T> = Pin<Box<dyn Future<Output = T> + Send + 'c>>;

type Erased = Box<dyn Any + Send>;
/// A write that can be run more than once (again alone, if its batch failed).
pub(crate) type JobFn =
    Arc<dyn for<'c> Fn(&'c mut AnyConnection) -> BoxFuture<'c, Result<Erased>> + Send + Sync>;

pub(crate) struct Job {
    run: JobFn,
    reply: oneshot::Sender<Result<Erased>>,
}

/// Most writes folded into one commit.
const MAX_BATCH: usize = 128;

pub(crate) fn spawn(pool: AnyPool) -> mpsc::Sender<Job> {
    let (tx, rx) = mpsc::channel::<Job>(4096);
    tokio::spawn(run(pool, rx));
    tx
}

pub(crate) fn job<T, F>(f: F) -> (JobFn, impl FnOnce(Erased) -> Result<T>)
where
    T: Send + 'static,
    F: for<'c> Fn(&'c mut AnyConnection) -> BoxFuture<'c, Result<T>> + Send + Sync + 'static,
{
    let f = Arc::new(f);
    let run: JobFn = Arc::new(move |conn| {
        let f = f.clone();
        Box::pin(async move { f(conn).await.map(|v| Box::new(v) as Erased) })
    });
    let unwrap = |e: Erased| {
        e.downcast::<T>().map(|b| *b).map_err(|_| {
            StoreError::Other(anyhow::anyhow!("write job returned an unexpected type"))
        })
    };
    (run, unwrap)
}

pub(crate) fn enqueue(run: JobFn) -> (Job, oneshot::Receiver<Result<Erased>>) {
    let (reply, rx) = oneshot::channel();
    (Job { run, reply }, rx)
}

async fn run(pool: AnyPool, mut rx: mpsc::Receiver<Job>) {
    while let Some(first) = rx.recv().await {
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match rx.try_recv() {
                Ok(j) => batch.push(j),
                Err(_) => break,
            }
        }
        let mut conn = match pool.acquire().await {
            Ok(c) => c,
            Err(e) => {
                let msg = e.to_string();
                for j in batch {
                    let _ = j.reply.send(Err(StoreError::Other(anyhow::anyhow!(
                        "database unavailable: {msg}"
                    ))));
                }
                continue;
            }
        };
        if batch.len() > 1 {
            match run_together(&mut conn, &batch).await {
                Ok(results) => {
                    for (j, r) in batch.into_iter().zip(results) {
                        let _ = j.reply.send(Ok(r));
                    }
                    continue;
                }
                Err(e) => {
                    tracing::debug!(error = %e, size = batch.len(), "batch failed; running its writes one by one")
                }
            }
        }
        for j in batch {
            let r = run_alone(&mut conn, &j.run).await;
            let _ = j.reply.send(r);
        }
    }
}

async fn run_together(conn: &mut AnyConnection, batch: &[Job]) -> Result<Vec<Erased>> {
    let mut tx = conn.begin_with("BEGIN IMMEDIATE").await?;
    let mut out = Vec::with_capacity(batch.len());
    for j in batch {
        out.push((j.run)(&mut tx).await?);
    }
    tx.commit().await?;
    Ok(out)
}

async fn run_alone(conn: &mut AnyConnection, run: &JobFn) -> Result<Erased> {
    let mut tx = conn.begin_with("BEGIN IMMEDIATE").await?;
    let v = run(&mut tx).await?;
    tx.commit().await?;
    Ok(v)
}
