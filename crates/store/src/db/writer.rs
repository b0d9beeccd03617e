//! Group commit. A durable commit costs an fsync, and every write shares a few rows
//! (the audit chain's head, the day's and month's counters, a point's case numbers):
//! on SQLite, which has one writer, committing each small write alone caps throughput
//! at the disk's sync rate; on PostgreSQL each write would hold those shared rows from
//! its statement to its commit, so concurrent writes would queue on them one commit at
//! a time. Writes sent through [`Store::write`] are queued instead to one writer per
//! node that runs whatever is waiting in a single transaction and commits once: the
//! shared rows are taken once per batch, not once per write. If any write in a batch
//! fails, the batch is rolled back and each write is run again in its own
//! transaction, so a failure never takes a neighbour with it; a write that PostgreSQL
//! chose as a deadlock victim (another node's batch took the same rows in another
//! order) is run again. The audit entries, counter changes and seals of a
//! transaction's writes are gathered and done once at its end (`pending`); rows its
//! writes left for after the commit (`pending::Later`) are written by one more task
//! beside the writers, so no writer's turn waits for them.

use super::pending;
use crate::{Backend, Result, StoreError};
use sqlx::pool::PoolConnection;
use sqlx::{AnyConnection, AnyPool, Connection};
use std::any::Any;
use std::sync::Arc;
use tokio::sync::{mpsc, oneshot};

pub use super::pending::BoxFuture;

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

/// Writers per node on PostgreSQL. While one commits and its writes' requests are
/// answered, the other runs the batch that gathered meantime (it waits for the rows
/// the first holds, such as a point's case numbers, and takes them the moment the
/// first commits), so the database and the request handling work at the same time
/// rather than by turns. SQLite has one writer.
const PG_WRITERS: usize = 2;

/// What the task beside the writers is given: rows committed transactions left for
/// after their commit, or someone to tell once those given before are written.
pub(crate) enum After {
    Rows(pending::Later),
    Written(oneshot::Sender<()>),
}

/// Starts the writers on a thread of their own, with its own single-threaded runtime:
/// their every statement is a round trip (to SQLite's thread, or to PostgreSQL), and
/// on the server's runtime each return would queue behind the requests being parsed
/// and answered, so the writer everyone waits for would wait for everyone. Beside the
/// writers, on the same thread, the task writing what their commits left for after
/// them (`write_later`). The thread ends when the store's last senders are dropped.
pub(crate) fn spawn(
    pool: AnyPool,
    backend: Backend,
    changes: Arc<super::views::Changes>,
) -> std::io::Result<(mpsc::Sender<Job>, mpsc::UnboundedSender<After>)> {
    let (tx, rx) = mpsc::channel::<Job>(4096);
    let (later, left) = mpsc::unbounded_channel();
    let after = later.clone();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let writers = match backend {
        Backend::Sqlite => 1,
        Backend::Postgres => PG_WRITERS,
    };
    let rx = Arc::new(tokio::sync::Mutex::new(rx));
    std::thread::Builder::new()
        .name("tongban-writer".into())
        .spawn(move || {
            rt.block_on(async move {
                let running: Vec<_> = (0..writers)
                    .map(|_| {
                        let w = Writer {
                            pool: pool.clone(),
                            backend,
                            changes: changes.clone(),
                            later: later.clone(),
                        };
                        tokio::spawn(w.run(rx.clone()))
                    })
                    .collect();
                drop(later);
                let after = tokio::spawn(write_later(pool, backend, left));
                for r in running {
                    let _ = r.await;
                }
                // The writers' senders are gone: what they left is written, then
                // the task ends (once the store's own sender is dropped too).
                let _ = after.await;
            })
        })?;
    Ok((tx, after))
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

/// One writer, and where it hands what its transactions left for after their commit.
struct Writer {
    pool: AnyPool,
    backend: Backend,
    changes: Arc<super::views::Changes>,
    later: mpsc::UnboundedSender<After>,
}

impl Writer {
    /// Hands over what a committed transaction left for after its commit (before its
    /// writes are acknowledged, so whoever then asks to be told when it is written
    /// asks after it).
    fn leave(&self, later: pending::Later) {
        if !later.is_empty() {
            let _ = self.later.send(After::Rows(later));
        }
    }

    /// Takes what is waiting (the queue is its alone meanwhile), runs it.
    async fn run(self, rx: Arc<tokio::sync::Mutex<mpsc::Receiver<Job>>>) {
        let Writer {
            ref pool,
            backend,
            ref changes,
            ..
        } = self;
        // On PostgreSQL the connection stays this writer's from batch to batch while
        // writes keep coming (no trip through the pool, no test of it before each
        // batch); when they pause it goes back to the pool, which tests it before
        // handing it out again. SQLite's one write connection goes back after each
        // batch, for the writes that do not queue.
        let mut conn = None;
        loop {
            if backend == Backend::Sqlite {
                conn = None;
            }
            // The queue stays this writer's until its batch is about to commit: the
            // other writer then takes what gathered meanwhile and runs it while this one
            // commits and answers.
            let mut turn = Some(idle(rx.clone().lock_owned(), &mut conn, pool).await);
            let batch = {
                let Some(rx) = turn.as_mut() else { return };
                let Some(first) = idle(rx.recv(), &mut conn, pool).await else {
                    return;
                };
                let mut batch = vec![first];
                while batch.len() < MAX_BATCH {
                    match rx.try_recv() {
                        Ok(j) => batch.push(j),
                        Err(_) => break,
                    }
                }
                batch
            };
            if batch.len() > 1 {
                match acquire(pool, &mut conn).await {
                    Err(e) => {
                        for j in batch {
                            let _ = j.reply.send(Err(unavailable(&e)));
                        }
                        continue;
                    }
                    Ok(c) => match run_together(c, backend, &batch, &mut turn).await {
                        Ok((results, later)) => {
                            // Before any write is acknowledged: no view read before
                            // this commit is answered again (`views`).
                            changes.moved();
                            self.leave(later);
                            for (j, r) in batch.into_iter().zip(results) {
                                let _ = j.reply.send(Ok(r));
                            }
                            continue;
                        }
                        Err((e, clean)) => {
                            tracing::debug!(error = %e, size = batch.len(), "batch failed; running its writes one by one");
                            if !clean {
                                discard(&mut conn).await;
                            }
                        }
                    },
                }
            }
            drop(turn);
            for j in batch {
                let mut tries = 1;
                let r = loop {
                    let kept = conn.is_some();
                    let mut began = true;
                    let r = match acquire(pool, &mut conn).await {
                        Err(e) => Err(unavailable(&e)),
                        Ok(c) => {
                            let (r, clean, b) = run_alone(c, backend, &j.run).await;
                            began = b;
                            changes.moved();
                            if !clean {
                                discard(&mut conn).await;
                            }
                            r.map(|(v, later)| {
                                self.leave(later);
                                v
                            })
                        }
                    };
                    // A kept connection the database has since dropped (a restart)
                    // fails the write before it began: it runs on a fresh one. (Not
                    // once begun: a lost commit may have landed.)
                    let gone = kept && !began && r.as_ref().is_err_and(lost);
                    if gone {
                        discard(&mut conn).await;
                    }
                    if tries < RETRIES && (gone || r.as_ref().is_err_and(chosen_victim)) {
                        tries += 1;
                        continue;
                    }
                    break r;
                };
                let _ = j.reply.send(r);
            }
        }
    }
}

/// Writes what committed transactions left for after their commit, in a transaction
/// of its own: all that waits, folded into one (ids in one order; one commit for
/// several of the writers'). A failure is logged and not tried again — such rows are
/// ones readers do without meanwhile (a case without its kept view is read from its
/// records), and `serve` writes what is missing when it starts.
async fn write_later(pool: AnyPool, backend: Backend, mut left: mpsc::UnboundedReceiver<After>) {
    while let Some(first) = left.recv().await {
        let mut later = pending::Later::default();
        let mut waiting = Vec::new();
        let mut next = Some(first);
        while let Some(a) = next {
            match a {
                After::Rows(more) => later.merge(more),
                After::Written(w) => waiting.push(w),
            }
            next = left.try_recv().ok();
        }
        let n = later.len();
        let done = async {
            if later.is_empty() {
                return Ok(());
            }
            let mut conn = pool.acquire().await?;
            let mut tx = conn.begin_with(begin_later(backend)).await?;
            later.write(&mut tx).await?;
            tx.commit().await?;
            Ok::<(), StoreError>(())
        };
        if let Err(e) = done.await {
            tracing::warn!(error = %e, rows = n, "rows left for after a commit were not written");
        }
        for w in waiting {
            let _ = w.send(());
        }
    }
}

/// How often a write PostgreSQL chose as a deadlock victim is tried in all.
const RETRIES: u32 = 3;

/// How long a writer keeps its connection without a write.
const KEEP_IDLE: std::time::Duration = std::time::Duration::from_millis(500);

/// Waits for `next` while keeping `conn` at most `KEEP_IDLE`, and not once the pool
/// is closing (its close waits for every connection to come back).
async fn idle<F: std::future::Future>(
    next: F,
    conn: &mut Option<PoolConnection<sqlx::Any>>,
    pool: &AnyPool,
) -> F::Output {
    tokio::pin!(next);
    if conn.is_some() {
        tokio::select! {
            out = &mut next => return out,
            _ = tokio::time::sleep(KEEP_IDLE) => {}
            _ = pool.close_event() => {}
        }
        *conn = None;
    }
    next.await
}

/// Whether a write failed because its connection was gone (a closed socket, the
/// server shutting down or ending the session).
fn lost(e: &StoreError) -> bool {
    match e {
        StoreError::Db(sqlx::Error::Io(_) | sqlx::Error::Protocol(_)) => true,
        StoreError::Db(sqlx::Error::Database(d)) => d
            .code()
            .is_some_and(|c| c.starts_with("57P") || c.starts_with("08")),
        _ => false,
    }
}

/// Whether PostgreSQL ended the write's transaction to break a deadlock or a
/// serialisation conflict: run again, it succeeds.
fn chosen_victim(e: &StoreError) -> bool {
    matches!(e, StoreError::Db(sqlx::Error::Database(d))
        if matches!(d.code().as_deref(), Some("40P01" | "40001")))
}

/// How a write transaction begins: on SQLite it takes the write lock at once, so
/// another process writing the file (a command beside the server) makes it wait out
/// the busy timeout instead of failing on a lock upgrade. On PostgreSQL, in the same
/// round trip, its statements are planned once when first prepared rather than again
/// at each run: they are inserts of many rows and lookups by key, one text for many
/// batches, and planning them afresh (PostgreSQL's way for a statement's first five
/// runs, and a batch's statements keep coming in new texts) was a quarter of a
/// batch's database time. Other connections keep PostgreSQL's default.
fn begin(backend: Backend) -> &'static str {
    match backend {
        Backend::Sqlite => "BEGIN IMMEDIATE",
        Backend::Postgres => "BEGIN; SET LOCAL plan_cache_mode = force_generic_plan",
    }
}

/// `begin` for the rows left for after the writers' commits. Derived rows, rewritten
/// at start if a crash loses them: on PostgreSQL their commit need not wait for the
/// log to reach the disk (the writers' do).
fn begin_later(backend: Backend) -> &'static str {
    match backend {
        Backend::Sqlite => "BEGIN IMMEDIATE",
        Backend::Postgres => {
            "BEGIN; SET LOCAL plan_cache_mode = force_generic_plan; \
             SET LOCAL synchronous_commit = off"
        }
    }
}

fn unavailable(e: &sqlx::Error) -> StoreError {
    StoreError::Other(anyhow::anyhow!("database unavailable: {e}"))
}

/// The batch's connection, taken from the pool when there is none yet.
async fn acquire<'a>(
    pool: &AnyPool,
    conn: &'a mut Option<PoolConnection<sqlx::Any>>,
) -> std::result::Result<&'a mut AnyConnection, sqlx::Error> {
    if conn.is_none() {
        *conn = Some(pool.acquire().await?);
    }
    Ok(conn.as_mut().map(|c| &mut **c).expect("just acquired"))
}

/// Closes a connection whose transaction could not be ended cleanly (a commit that
/// failed on a full disk, a rollback SQLite had already made): its state is unknown,
/// so the next write takes a fresh one.
async fn discard(conn: &mut Option<PoolConnection<sqlx::Any>>) {
    if let Some(c) = conn.take() {
        let _ = c.close().await;
    }
}

/// Runs a batch in one transaction; on failure, the error and whether the connection
/// was left clean (its transaction rolled back).
async fn run_together<T>(
    conn: &mut AnyConnection,
    backend: Backend,
    batch: &[Job],
    turn: &mut Option<T>,
) -> std::result::Result<(Vec<Erased>, pending::Later), (StoreError, bool)> {
    let mut tx = conn
        .begin_with(begin(backend))
        .await
        .map_err(|e| (e.into(), false))?;
    let (done, left) = pending::gather(async {
        let mut out = Vec::with_capacity(batch.len());
        for (i, j) in batch.iter().enumerate() {
            pending::writes_left(batch.len() - i);
            out.push((j.run)(&mut tx).await?);
        }
        Ok(out)
    })
    .await;
    let done = match done {
        Ok(out) => pending::flush(&mut tx, left)
            .await
            .map(|later| (out, later)),
        Err(e) => Err(e),
    };
    match done {
        Ok(out) => {
            // The next batch may begin: its writes wait for the rows this one holds
            // (a point's case numbers) only until this commit lands.
            turn.take();
            tx.commit().await.map_err(|e| (e.into(), false))?;
            Ok(out)
        }
        Err(e) => {
            let clean = tx.rollback().await.is_ok();
            Err((e, clean))
        }
    }
}

/// Runs one write in its own transaction: its result with what it left for after the
/// commit, whether the connection was left clean, and whether the transaction began
/// (if not, nothing of the write reached the database).
async fn run_alone(
    conn: &mut AnyConnection,
    backend: Backend,
    run: &JobFn,
) -> (Result<(Erased, pending::Later)>, bool, bool) {
    let mut tx = match conn.begin_with(begin(backend)).await {
        Ok(tx) => tx,
        Err(e) => return (Err(e.into()), false, false),
    };
    let (done, left) = pending::gather(run(&mut tx)).await;
    let done = match done {
        Ok(v) => pending::flush(&mut tx, left).await.map(|later| (v, later)),
        Err(e) => Err(e),
    };
    match done {
        Ok(v) => match tx.commit().await {
            Ok(()) => (Ok(v), true, true),
            Err(e) => (Err(e.into()), false, true),
        },
        Err(e) => {
            let clean = tx.rollback().await.is_ok();
            (Err(e), clean, true)
        }
    }
}
