//! One-statement reads answered on the calling thread, for a SQLite database.
//!
//! sqlx runs every SQLite connection on a thread of its own and hands each statement
//! to it and each row back (a wake-up of another thread each way). For a hot read
//! of one row — a case looked up by its number — those hand-overs were most of the
//! request's time (`perf`: half of the server's time was the kernel switching
//! threads). Here the same statement text with the same arguments (the query layer's
//! [`Sql`]) runs on the caller's own thread on a connection of this node's, opened
//! read-only in effect (`query_only`), and its row comes back as the `Any` row the
//! rest of the query layer reads, so the code after the read is the one path for
//! both databases.
//!
//! The read never waits for a lock: with no connection free (at most [`MAX_OPEN`],
//! one per thread reading at once), on PostgreSQL, when SQLite answers busy (busy
//! timeout 0; a reader in WAL mode is normally never busy), or when anything else
//! goes wrong here (a file that cannot be opened, a statement that would write, a
//! disk fault), [`Direct::fetch_optional`] says so and the caller asks its pooled
//! reader instead, which answers as it always has (a disk fault as 503, a missing
//! row as 404). A read sees the last commit like any other reader of the file (WAL).
//! It does block the thread for its page reads: a lookup whose pages are not in the
//! operating system's cache holds a runtime worker for the disk read.
//!
//! A connection keeps its read transaction (its snapshot of the file) open from one
//! read to the next while nothing may have changed what it reads, under the rule
//! the node's kept views follow (`views`): never past a commit of this node (the
//! node's change count moved), nor past a commit of another process (a command
//! beside the server) that changed the WAL file's length or time — looked at when
//! the last look is older than [`FRESH`] (a millisecond) — and at most [`HOLD`] (a
//! tenth of a second) for one that did not (the log written over from its start
//! within the clock's tick).
//! Beginning and ending a read transaction was a fifth of a lookup's time in SQLite
//! (the WAL index's locks, taken through `fcntl` and a process-wide mutex). A
//! snapshot held open keeps a checkpoint from going past it, so idle connections
//! give theirs up when it is stale ([`Direct::release_stale`], four times a
//! second).

use super::views::Changes;
use crate::{Arg, Result, Sql, StoreError};
use rusqlite::types::ValueRef;
use sqlx_core::any::{AnyColumn, AnyRow, AnyTypeInfo, AnyTypeInfoKind, AnyValue, AnyValueKind};
use sqlx_core::ext::ustr::UStr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Connections open at most (each keeps a 2 MB page cache, like a pooled reader).
pub const MAX_OPEN: usize = 8;

/// How long a connection's snapshot is read from at most, when this node commits
/// nothing meanwhile: what other processes commit (a command beside the server)
/// shows within it.
pub const HOLD: Duration = Duration::from_millis(100);

/// How long after the WAL file was last seen unchanged a held snapshot is read from
/// without looking at it again: what another process commits shows within it (a
/// millisecond; under load a connection is back within a fraction of it, and the
/// look costs a fortieth of a lookup).
pub const FRESH: Duration = Duration::from_millis(1);

/// How often idle connections give up stale snapshots ([`Direct::release_stale`]).
pub const RELEASE_EVERY: Duration = Duration::from_millis(250);

/// A read transaction held open: the node's change count, the WAL file's length and
/// time, and the moment, each taken before it began.
#[derive(Clone, Copy, PartialEq)]
struct Held {
    change: u64,
    wal: Option<(u64, std::time::SystemTime)>,
    since: Instant,
    /// When the WAL file was last seen unchanged since the snapshot began.
    checked: Instant,
}

/// A connection, and the read transaction it holds open.
struct Conn {
    db: rusqlite::Connection,
    held: Option<Held>,
    /// The file is in WAL mode: a reader's open transaction blocks no writer (in
    /// rollback-journal mode its shared lock would, so none is held there).
    wal: bool,
    /// The write-ahead log, open, so that its stamp is read without looking its path
    /// up (`fstat`; a lookup by path was a twentieth of a lookup's time).
    log: Option<std::fs::File>,
}

impl Conn {
    /// Ends the held read transaction (a connection whose transaction cannot be
    /// ended is closed instead: `None`).
    fn release(mut self) -> Option<Conn> {
        if self.held.take().is_some() && self.db.execute_batch("COMMIT").is_err() {
            return None;
        }
        Some(self)
    }
}

/// Room left after a blob read here, so what the caller appends to it (a kept view's
/// live parts) goes in without copying it again.
const BLOB_ROOM: usize = 512;

/// The names of the first parameters, as [`Sql`] numbers them.
const PARAMETERS: [&str; 8] = ["$1", "$2", "$3", "$4", "$5", "$6", "$7", "$8"];

/// The bytes of a text or blob column, taken out of the row (without a copy when
/// nothing else holds them: a row read here or by a pooled reader).
pub fn take_bytes(r: &mut AnyRow, column: &str) -> Result<Vec<u8>> {
    let fault = || StoreError::Other(anyhow::anyhow!("column {column}: neither text nor bytes"));
    let i = *r.column_names.get(column).ok_or_else(fault)?;
    let value = r.values.get_mut(i).ok_or_else(fault)?;
    match std::mem::replace(&mut value.kind, AnyValueKind::Null(AnyTypeInfoKind::Null)) {
        AnyValueKind::Blob(b) => Ok(Arc::try_unwrap(b).unwrap_or_else(|b| b.to_vec())),
        AnyValueKind::Text(t) => Ok(Arc::try_unwrap(t)
            .unwrap_or_else(|t| t.to_string())
            .into_bytes()),
        _ => Err(fault()),
    }
}

/// Statement shapes (column names) kept at most before they are dropped together.
const MAX_SHAPES: usize = 256;

/// The columns of one statement as `Any` rows carry them.
#[derive(Clone)]
struct Shape {
    names: Arc<sqlx_core::HashMap<UStr, usize>>,
    columns: Vec<AnyColumn>,
}

/// This node's connections for reads on the calling thread (none on PostgreSQL).
#[derive(Default)]
pub struct Direct {
    path: Option<PathBuf>,
    /// The file's write-ahead log (`<file>-wal`).
    wal: Option<PathBuf>,
    /// This node's count of committed transactions (`views`).
    changes: Arc<Changes>,
    idle: Mutex<Vec<Conn>>,
    open: AtomicUsize,
    closed: AtomicBool,
    /// Keyed by the statement's text (some 3 KB for a case lookup): hashed with
    /// hashbrown's default hasher, several times faster than std's on long keys.
    shapes: Mutex<sqlx_core::HashMap<String, Shape>>,
}

impl std::fmt::Debug for Direct {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Direct")
            .field("path", &self.path)
            .field("open", &self.open.load(Ordering::Relaxed))
            .finish_non_exhaustive()
    }
}

/// What a direct read did.
enum Outcome {
    Row(Option<AnyRow>),
    /// Not answered here (busy, a statement that would write): ask the pooled reader.
    Elsewhere,
}

impl Direct {
    /// Reads of the SQLite file at `path`, fresh as of the node's change count.
    pub fn sqlite(path: PathBuf, changes: Arc<Changes>) -> Self {
        let mut wal = path.clone().into_os_string();
        wal.push("-wal");
        Direct {
            path: Some(path),
            wal: Some(wal.into()),
            changes,
            ..Default::default()
        }
    }

    pub fn is_closed(&self) -> bool {
        self.closed.load(Ordering::Acquire)
    }

    /// Ends the read transactions idle connections hold when they are stale (this
    /// node committed since, or they are older than [`HOLD`]), so no snapshot keeps
    /// the file's checkpoints back for long.
    pub fn release_stale(&self) {
        let now = self.changes.now();
        let mut idle = self.idle.lock().expect("direct lock");
        let kept = std::mem::take(&mut *idle);
        for c in kept {
            let stale = matches!(c.held, Some(h) if h.change != now || h.since.elapsed() >= HOLD);
            let c = if stale { c.release() } else { Some(c) };
            match c {
                Some(c) => idle.push(c),
                None => {
                    self.open.fetch_sub(1, Ordering::AcqRel);
                }
            }
        }
    }

    /// No direct reads (PostgreSQL, or a database in memory).
    pub fn none() -> Self {
        Direct::default()
    }

    /// Closes the idle connections; later reads go to the pooled readers.
    pub fn close(&self) {
        self.closed.store(true, Ordering::Release);
        let dropped = std::mem::take(&mut *self.idle.lock().expect("direct lock"));
        self.open.fetch_sub(dropped.len(), Ordering::AcqRel);
    }

    /// The first row of `sql`, read on this thread; `None` when it is not read
    /// here (PostgreSQL, no connection free, SQLite busy, any fault) and the
    /// caller's pooled reader should be asked.
    pub fn fetch_optional(&self, sql: &Sql) -> Option<Result<Option<AnyRow>>> {
        let path = self.path.as_ref()?;
        if self.closed.load(Ordering::Acquire) {
            return None;
        }
        let mut conn = self.take(path)?;
        let outcome = self
            .snapshot(&mut conn)
            .and_then(|()| self.read(&mut conn.db, sql));
        // After a fault or a read left elsewhere, the next read begins afresh.
        let conn = match outcome {
            Ok(Outcome::Row(_)) => Some(conn),
            _ => conn.release(),
        };
        {
            let mut idle = self.idle.lock().expect("direct lock");
            match conn {
                Some(conn) if !self.closed.load(Ordering::Acquire) => idle.push(conn),
                // Closed while this read ran (or not to be used again): the
                // connection closes now.
                conn => {
                    self.open.fetch_sub(1, Ordering::AcqRel);
                    drop(conn);
                }
            }
        }
        match outcome {
            Ok(Outcome::Row(row)) => Some(Ok(row)),
            Ok(Outcome::Elsewhere) => None,
            Err(e) => {
                tracing::debug!(error = %e, "direct read left to the pooled reader");
                None
            }
        }
    }

    /// Makes the connection read from a snapshot no older than the node's last
    /// commit and [`HOLD`]: the one it holds, or a new one. The change count is read
    /// first, so a snapshot taken while a commit lands carries the count from before
    /// it and is given up when the count moves.
    fn snapshot(&self, c: &mut Conn) -> Result<()> {
        if !c.wal {
            return Ok(());
        }
        let change = self.changes.now();
        if let Some(h) = c.held
            && h.change == change
            && h.checked.elapsed() < FRESH
            && h.since.elapsed() < HOLD
        {
            return Ok(());
        }
        let wal = self.wal_stamp(&mut c.log);
        if let Some(h) = &mut c.held {
            if h.change == change && h.wal == wal && h.since.elapsed() < HOLD {
                h.checked = Instant::now();
                return Ok(());
            }
            c.held = None;
            c.db.execute_batch("COMMIT").map_err(fault)?;
        }
        let since = Instant::now();
        c.db.execute_batch("BEGIN").map_err(fault)?;
        c.held = Some(Held {
            change,
            wal,
            since,
            checked: since,
        });
        Ok(())
    }

    /// The WAL file's length and time of last change: a commit by any connection
    /// appends to it (or writes over it from its start, in a later clock tick). Read
    /// from the file `log` keeps open; opened again when it is not open or was
    /// removed (SQLite removes the log when the last connection to the file closes;
    /// one made again later is another file).
    fn wal_stamp(&self, log: &mut Option<std::fs::File>) -> Option<(u64, std::time::SystemTime)> {
        use std::os::unix::fs::MetadataExt;
        let stamp = |m: std::fs::Metadata| Some((m.len(), m.modified().ok()?));
        if let Some(m) = log.as_ref().and_then(|f| f.metadata().ok())
            && m.nlink() > 0
        {
            return stamp(m);
        }
        *log = std::fs::File::open(self.wal.as_ref()?).ok();
        stamp(log.as_ref()?.metadata().ok()?)
    }

    /// An idle connection, or a new one while fewer than [`MAX_OPEN`] are open.
    fn take(&self, path: &std::path::Path) -> Option<Conn> {
        if let Some(c) = self.idle.lock().expect("direct lock").pop() {
            return Some(c);
        }
        if self.open.fetch_add(1, Ordering::AcqRel) >= MAX_OPEN {
            self.open.fetch_sub(1, Ordering::AcqRel);
            return None;
        }
        match open(path) {
            Ok(db) => {
                let wal = db
                    .query_row("PRAGMA journal_mode", [], |r| r.get::<_, String>(0))
                    .is_ok_and(|m| m.eq_ignore_ascii_case("wal"));
                Some(Conn {
                    db,
                    held: None,
                    wal,
                    log: None,
                })
            }
            Err(e) => {
                self.open.fetch_sub(1, Ordering::AcqRel);
                tracing::warn!(error = %e, "SQLite file not opened for direct reads");
                None
            }
        }
    }

    fn read(&self, conn: &mut rusqlite::Connection, sql: &Sql) -> Result<Outcome> {
        let mut stmt = match conn.prepare_cached(&sql.text) {
            Ok(s) => s,
            Err(e) if busy(&e) => return Ok(Outcome::Elsewhere),
            Err(e) => return Err(fault(e)),
        };
        if !stmt.readonly() {
            return Ok(Outcome::Elsewhere);
        }
        for (i, arg) in sql.args.iter().enumerate() {
            let name = match PARAMETERS.get(i) {
                Some(name) => std::borrow::Cow::Borrowed(*name),
                None => std::borrow::Cow::Owned(format!("${}", i + 1)),
            };
            let Some(at) = stmt.parameter_index(&name).map_err(fault)? else {
                continue;
            };
            match arg {
                Arg::I(v) => stmt.raw_bind_parameter(at, v),
                Arg::S(v) => stmt.raw_bind_parameter(at, v.as_str()),
                Arg::B(v) => stmt.raw_bind_parameter(at, *v as i64),
            }
            .map_err(fault)?;
        }
        let shape = self.shape(&sql.text, &stmt);
        let mut rows = stmt.raw_query();
        let row = match rows.next() {
            Ok(Some(row)) => row,
            Ok(None) => return Ok(Outcome::Row(None)),
            Err(e) if busy(&e) => return Ok(Outcome::Elsewhere),
            Err(e) => return Err(fault(e)),
        };
        let mut values = Vec::with_capacity(shape.columns.len());
        for i in 0..shape.columns.len() {
            let kind = match row.get_ref(i).map_err(fault)? {
                ValueRef::Null => AnyValueKind::Null(AnyTypeInfoKind::Null),
                ValueRef::Integer(v) => AnyValueKind::BigInt(v),
                ValueRef::Real(v) => AnyValueKind::Double(v),
                ValueRef::Text(t) => AnyValueKind::Text(Arc::new(
                    String::from_utf8(t.to_vec())
                        .map_err(|e| StoreError::Other(anyhow::anyhow!("column {i}: {e}")))?,
                )),
                ValueRef::Blob(b) => {
                    let mut v = Vec::with_capacity(b.len() + BLOB_ROOM);
                    v.extend_from_slice(b);
                    AnyValueKind::Blob(Arc::new(v))
                }
            };
            values.push(AnyValue { kind });
        }
        Ok(Outcome::Row(Some(AnyRow {
            column_names: shape.names,
            columns: shape.columns,
            values,
        })))
    }

    /// The column names of a statement, kept per statement text.
    fn shape(&self, text: &str, stmt: &rusqlite::Statement<'_>) -> Shape {
        let mut shapes = self.shapes.lock().expect("direct lock");
        if let Some(s) = shapes.get(text) {
            return s.clone();
        }
        let mut names = sqlx_core::HashMap::default();
        let mut columns = Vec::with_capacity(stmt.column_count());
        for (ordinal, name) in stmt.column_names().into_iter().enumerate() {
            let name = UStr::new(name);
            names.insert(name.clone(), ordinal);
            columns.push(AnyColumn {
                ordinal,
                name,
                type_info: AnyTypeInfo {
                    kind: AnyTypeInfoKind::Null,
                },
            });
        }
        let shape = Shape {
            names: Arc::new(names),
            columns,
        };
        if shapes.len() >= MAX_SHAPES {
            shapes.clear();
        }
        shapes.insert(text.to_string(), shape.clone());
        shape
    }
}

/// A connection to the file as the pooled readers have it, that cannot write and
/// never waits for a lock.
fn open(path: &std::path::Path) -> rusqlite::Result<rusqlite::Connection> {
    use rusqlite::OpenFlags;
    let conn = rusqlite::Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    conn.execute_batch(
        "PRAGMA query_only = ON; PRAGMA busy_timeout = 0; PRAGMA cache_size = -2000; \
         PRAGMA temp_store = MEMORY;",
    )?;
    conn.set_prepared_statement_cache_capacity(64);
    Ok(conn)
}

fn busy(e: &rusqlite::Error) -> bool {
    matches!(
        e.sqlite_error_code(),
        Some(rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked)
    )
}

fn fault(e: rusqlite::Error) -> StoreError {
    StoreError::Other(anyhow::anyhow!("SQLite: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use sqlx::{Connection, Row};

    fn file_with_a_row(dir: &std::path::Path, wal: bool) -> PathBuf {
        let path = dir.join(if wal { "wal.db" } else { "journal.db" });
        let c = rusqlite::Connection::open(&path).unwrap();
        if wal {
            c.execute_batch("PRAGMA journal_mode = WAL;").unwrap();
        }
        c.execute_batch(
            "CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT NOT NULL, n INTEGER, r REAL, \
             b BLOB, z TEXT, flag INTEGER NOT NULL); \
             INSERT INTO t VALUES (1, '办件', 42, 1.5, x'0102', NULL, 1);",
        )
        .unwrap();
        path
    }

    fn lookup() -> Sql {
        let mut sql = Sql::new(
            "SELECT id, name, n, r, b, z, flag, name || '·' || n AS joined, \
             json_array(name, n) AS js FROM t WHERE id = ",
        );
        sql.bind_i(1);
        sql.push(" AND name = ").bind_s("办件");
        sql.push(" AND flag = ").bind_b(true);
        sql
    }

    /// A row read on the calling thread decodes, column by column, as the pooled
    /// reader's row of the same statement does (the rest of the query layer reads it).
    #[tokio::test]
    async fn a_direct_row_reads_as_the_pooled_readers_row() {
        let dir = tempfile::tempdir().unwrap();
        let path = file_with_a_row(dir.path(), true);
        let direct = Direct::sqlite(path.clone(), Default::default());
        let sql = lookup();
        let d = direct.fetch_optional(&sql).unwrap().unwrap().unwrap();
        sqlx::any::install_default_drivers();
        let mut conn = sqlx::AnyConnection::connect(&format!("sqlite://{}", path.display()))
            .await
            .unwrap();
        let p = sql
            .query()
            .fetch_optional(&mut conn)
            .await
            .unwrap()
            .unwrap();
        let names = |r: &AnyRow| {
            r.columns()
                .iter()
                .map(|c| sqlx::Column::name(c).to_string())
                .collect::<Vec<_>>()
        };
        assert_eq!(names(&d), names(&p));
        for r in [&d, &p] {
            assert_eq!(r.try_get::<i64, _>("id").unwrap(), 1);
            assert_eq!(r.try_get::<String, _>("name").unwrap(), "办件");
            assert_eq!(r.try_get::<Option<i64>, _>("n").unwrap(), Some(42));
            assert_eq!(r.try_get::<f64, _>("r").unwrap(), 1.5);
            assert_eq!(r.try_get::<Vec<u8>, _>("b").unwrap(), vec![1, 2]);
            assert_eq!(r.try_get::<Option<String>, _>("z").unwrap(), None);
            assert!(crate::flag(r, "flag").unwrap());
            assert_eq!(r.try_get::<String, _>("joined").unwrap(), "办件·42");
            assert_eq!(r.try_get::<String, _>("js").unwrap(), r#"["办件",42]"#);
            // A text column is not an integer, as sqlx says of its own rows.
            assert!(r.try_get::<i64, _>("name").is_err());
        }
        // No row is no row; a statement SQLite refuses, or one that would write,
        // is left to the pooled reader (which answers it as it always has).
        let mut none = Sql::new("SELECT id FROM t WHERE id = ");
        none.bind_i(2);
        assert!(direct.fetch_optional(&none).unwrap().unwrap().is_none());
        assert!(
            direct
                .fetch_optional(&Sql::new("SELECT nothing FROM t"))
                .is_none()
        );
        let write = Sql::new("UPDATE t SET n = 0 RETURNING id");
        assert!(direct.fetch_optional(&write).is_none());
        assert_eq!(
            direct
                .fetch_optional(&lookup())
                .unwrap()
                .unwrap()
                .unwrap()
                .try_get::<i64, _>("n")
                .unwrap(),
            42
        );
        // Closed, it leaves every read to the pooled readers.
        direct.close();
        assert!(direct.fetch_optional(&sql).is_none());
    }

    /// A connection reads from the snapshot it holds until this node commits (the
    /// change count moves), another process commits (the WAL file changes) or
    /// [`HOLD`] passes; an idle one gives a stale snapshot up.
    #[test]
    fn a_snapshot_is_held_until_the_node_commits() {
        let dir = tempfile::tempdir().unwrap();
        let path = file_with_a_row(dir.path(), true);
        let changes: Arc<Changes> = Default::default();
        let direct = Direct::sqlite(path.clone(), changes.clone());
        let n = |d: &Direct| {
            d.fetch_optional(&lookup())
                .unwrap()
                .unwrap()
                .unwrap()
                .try_get::<i64, _>("n")
                .unwrap()
        };
        let other = rusqlite::Connection::open(&path).unwrap();
        assert_eq!(n(&direct), 42);
        // Another process commits: its WAL frames are seen once the snapshot's
        // last look at the log is older than FRESH.
        other.execute_batch("UPDATE t SET n = 43").unwrap();
        std::thread::sleep(FRESH);
        assert_eq!(n(&direct), 43);
        // This node commits: the next read takes a new snapshot at once.
        other.execute_batch("UPDATE t SET n = 44").unwrap();
        changes.moved();
        assert_eq!(n(&direct), 44);
        // An idle connection's stale snapshot is given up: a checkpoint of the whole
        // log then completes.
        other.execute_batch("UPDATE t SET n = 45").unwrap();
        changes.moved();
        direct.release_stale();
        let (busy, _, _): (i64, i64, i64) = other
            .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?))
            })
            .unwrap();
        assert_eq!(busy, 0);
        assert_eq!(n(&direct), 45);
    }

    /// A read that would wait for a lock is left to the pooled reader at once.
    #[test]
    fn a_locked_file_is_left_to_the_pooled_reader() {
        let dir = tempfile::tempdir().unwrap();
        let path = file_with_a_row(dir.path(), false);
        let direct = Direct::sqlite(path.clone(), Default::default());
        assert!(matches!(
            direct.fetch_optional(&lookup()),
            Some(Ok(Some(_)))
        ));
        let writer = rusqlite::Connection::open(&path).unwrap();
        writer.execute_batch("BEGIN EXCLUSIVE;").unwrap();
        let started = std::time::Instant::now();
        assert!(direct.fetch_optional(&lookup()).is_none());
        assert!(started.elapsed() < std::time::Duration::from_secs(1));
        writer.execute_batch("COMMIT;").unwrap();
        assert!(matches!(
            direct.fetch_optional(&lookup()),
            Some(Ok(Some(_)))
        ));
        // Without a file (PostgreSQL, memory), or with one that cannot be opened,
        // nothing is read here.
        assert!(Direct::none().fetch_optional(&lookup()).is_none());
        let missing = Direct::sqlite(
            dir.path().join("no such folder").join("x.db"),
            Default::default(),
        );
        assert!(missing.fetch_optional(&lookup()).is_none());
        assert_eq!(missing.open.load(Ordering::Acquire), 0);
    }
}
