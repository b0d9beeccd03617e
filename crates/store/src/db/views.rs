//! Views this node answered a moment ago, kept as their serialised bytes so that the
//! same lookup asked again (a clerk's client polling a case, many clients asking for
//! one) is answered without a round trip to the database.
//!
//! A view is kept only while nothing may have changed it:
//! - every transaction this node commits moves the node's change count (the
//!   group-commit writer after each commit, before any write is acknowledged; a
//!   direct transaction when its [`WriteTx`] ends), and a view read before the count
//!   moved is never answered again, so a node always shows its own writes;
//! - what other nodes and other processes (a command beside the server) commit is not
//!   seen here, so a view is answered for at most [`MAX_AGE`] after it was read — the
//!   bound this node already keeps for bearer tokens, the calendar and the catalog.
//!
//! The count is read before the database, so a view read while a commit was under way
//! carries the count from before it and is dropped when the count moves. The node's
//! copies of what views are also built from (the calendar, the portal's address) are
//! kept under the same rule, and dropping them moves the count too.
//!
//! Not covered: a request cancelled while its direct transaction's COMMIT is under way
//! moves the count before the commit lands; the write was never acknowledged, and a
//! view read in between is answered for at most the second.

use bytes::Bytes;
use sqlx::AnyConnection;
use std::collections::HashMap;
use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// How long a view read by this node is answered again at most.
pub const MAX_AGE: Duration = Duration::from_secs(1);

/// The bytes of views kept at most (about 3,500 case views); past it everything kept
/// is dropped (filling it again costs one read a view).
const MAX_BYTES: usize = 8 << 20;

/// This node's count of committed transactions.
#[derive(Debug, Default)]
pub struct Changes(AtomicU64);

impl Changes {
    pub fn now(&self) -> u64 {
        self.0.load(Ordering::Acquire)
    }

    pub fn moved(&self) {
        self.0.fetch_add(1, Ordering::AcqRel);
    }
}

struct Entry {
    body: Bytes,
    change: u64,
    read_at: Instant,
}

#[derive(Default)]
struct Kept {
    entries: HashMap<String, Entry>,
    bytes: usize,
}

/// The views this node keeps.
#[derive(Default)]
pub struct Views {
    changes: Arc<Changes>,
    kept: Mutex<Kept>,
}

impl std::fmt::Debug for Views {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Views")
            .field("changes", &self.changes.now())
            .finish_non_exhaustive()
    }
}

impl Views {
    pub fn changes(&self) -> Arc<Changes> {
        self.changes.clone()
    }

    /// Moves the change count: no view kept so far is answered again.
    pub fn moved(&self) {
        self.changes.moved();
    }

    /// The change count now: taken before reading a view to keep.
    pub fn change_now(&self) -> u64 {
        self.changes.now()
    }

    /// The view kept under `key`, if nothing may have changed it since.
    pub fn get(&self, key: &str) -> Option<Bytes> {
        let now = self.changes.now();
        let kept = self.kept.lock().expect("views lock");
        kept.entries
            .get(key)
            .filter(|e| e.change == now && e.read_at.elapsed() < MAX_AGE)
            .map(|e| e.body.clone())
    }

    /// Keeps a view read when the change count was `change`, its age counted from
    /// `asked` (both taken before the read).
    pub fn keep(&self, key: String, change: u64, asked: Instant, body: Bytes) {
        if change != self.changes.now() {
            return;
        }
        let mut kept = self.kept.lock().expect("views lock");
        if kept.bytes + body.len() > MAX_BYTES {
            kept.entries.clear();
            kept.bytes = 0;
        }
        kept.bytes += body.len();
        let entry = Entry {
            body,
            change,
            read_at: asked,
        };
        if let Some(old) = kept.entries.insert(key, entry) {
            kept.bytes -= old.body.len();
        }
    }
}

/// A write transaction begun directly (not through the group-commit queue): the
/// transaction itself, and when it ends, committed or not, the node's change count
/// moves. It derefs to the connection, as `&mut *tx` of a transaction does.
pub struct WriteTx {
    tx: Option<sqlx::Transaction<'static, sqlx::Any>>,
    changes: Arc<Changes>,
}

impl WriteTx {
    pub(crate) fn new(tx: sqlx::Transaction<'static, sqlx::Any>, changes: Arc<Changes>) -> Self {
        WriteTx {
            tx: Some(tx),
            changes,
        }
    }

    pub async fn commit(mut self) -> Result<(), sqlx::Error> {
        let tx = self.tx.take().expect("a transaction until it ends");
        tx.commit().await
        // `self` drops here, after the commit: the count moves.
    }

    pub async fn rollback(mut self) -> Result<(), sqlx::Error> {
        let tx = self.tx.take().expect("a transaction until it ends");
        tx.rollback().await
    }
}

impl Drop for WriteTx {
    fn drop(&mut self) {
        self.changes.moved();
    }
}

impl std::ops::Deref for WriteTx {
    type Target = AnyConnection;
    fn deref(&self) -> &AnyConnection {
        self.tx.as_ref().expect("a transaction until it ends")
    }
}

impl std::ops::DerefMut for WriteTx {
    fn deref_mut(&mut self) -> &mut AnyConnection {
        self.tx.as_mut().expect("a transaction until it ends")
    }
}
