//! Work a transaction's writes leave to be done once, just before it commits: their
//! case events, audit entries, counter changes and row seals, and the last case
//! number they took.
//!
//! Each audited write appends to the audit chain (the head row read and written, the
//! entry inserted), moves the counters (an upsert per day and month key) and renews
//! the seal of the rows it changed (the row read back, the seal written). Done write by
//! write, that is nine or more statements, each a round trip to SQLite's single writer
//! thread, which serialises every write on the node; on PostgreSQL the head row and
//! the counter rows every write shares stay locked from the write's statement to its
//! commit. Gathered instead while a transaction's writes run (`gather`) and done
//! together at its end (`flush`): the chain's entries in one insert with the head read
//! and written once, each counter key upserted once with the sum of its changes, and
//! the seals read and written in one statement each — the same records, in the same
//! transaction, for a batch of a hundred writes as for one.
//!
//! The kinds of work are the modules' own (`audit`, `seal`, `stats`): each keeps its
//! gathered value in a slot named for it, with how to fold in another and how to do
//! it. Outside `gather` (a command's own transaction), `defer` hands the value back
//! and the caller does its work at once.
//!
//! Round trips, not the database's work, are most of a batch's end on PostgreSQL:
//! each statement waits for the server to be scheduled, run it and answer. So while
//! a flush runs there, a write whose answer nobody reads (an insert, an upsert, an
//! update: [`write`]) does not go at once: it waits, and goes with the next statement
//! that reads ([`fetch_all`]) as a data-modifying `WITH` clause of it, or with the
//! other waiting writes as one statement when the flush ends. A batch of new cases
//! ends in five statements instead of fourteen; the same rows, in the same
//! transaction. The statements of one `WITH` see the database as it was before all
//! of them, so a statement that names a table a waiting write changes sends the
//! waiting writes first, on their own, and two writes of one table never go
//! together; PostgreSQL checks foreign keys when the whole statement ends, so a new
//! case and its events may go together. A waiting write's failure is reported by the
//! statement it went with, in the write's own words (`Stmt::mapped`). SQLite, and
//! everything outside a flush, runs each statement at once.
//!
//! Some derived rows need not be written before the commit at all, when a reader
//! finds what they hold without them: those are named by id (`after_commit`) and
//! written after the commit in a transaction of their own (`Later`), off the
//! writer's turn (the kept views of cases a transaction created, on PostgreSQL).

use super::bulk::Stmt;
use crate::{Backend, Result, StoreError};
use sqlx::AnyConnection;
use sqlx::any::AnyRow;
use std::any::Any;
use std::cell::RefCell;
use std::future::Future;
use std::pin::Pin;

tokio::task_local! {
    static PENDING: RefCell<Pending>;
}

/// A boxed future borrowing a connection: a write's body, a slot's flush.
pub type BoxFuture<'c, T> = Pin<Box<dyn Future<Output = T> + Send + 'c>>;

/// Does a slot's gathered work on the transaction's connection.
pub(crate) type Flush =
    for<'c> fn(&'c mut AnyConnection, Box<dyn Any + Send>) -> BoxFuture<'c, Result<()>>;

/// A slot's value as the type its module keeps there.
pub(crate) fn kept<T: Any>(value: Box<dyn Any + Send>) -> Result<Box<T>> {
    value
        .downcast::<T>()
        .map_err(|_| StoreError::Other(anyhow::anyhow!("a pending slot held another type")))
}

struct Slot {
    /// When it is done: lower first; the same rank by name.
    order: (u8, &'static str),
    value: Box<dyn Any + Send>,
    flush: Flush,
    /// Whether its flush sends every statement through `write` and `fetch_all` (else the writes
    /// waiting there go before it).
    carries: bool,
}

/// What the writes of one transaction have left to do, how many of its writes have
/// yet to run (counting the one running), what is left for after its commit, and,
/// while a flush on PostgreSQL runs, the writes waiting for the next statement
/// (`write`).
#[derive(Default)]
pub(crate) struct Pending(Vec<Slot>, usize, Later, Option<Vec<Stmt>>);

/// Writes rows derived from the records of `ids`, in the caller's transaction.
pub(crate) type LaterFlush =
    for<'c> fn(&'c mut AnyConnection, std::collections::BTreeSet<i64>) -> BoxFuture<'c, Result<()>>;

/// Rows a committed transaction left to be written after its commit, in a transaction
/// of their own: by kind, the ids of the records they derive from. Those of several
/// transactions fold into one (each kind's ids in one ascending set, so two such
/// transactions and the writes beside them take the rows' locks in one order).
#[derive(Default)]
pub(crate) struct Later(
    std::collections::BTreeMap<&'static str, (LaterFlush, std::collections::BTreeSet<i64>)>,
);

impl Later {
    pub(crate) fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Folds in what another transaction left.
    pub(crate) fn merge(&mut self, other: Later) {
        for (kind, (flush, ids)) in other.0 {
            self.0
                .entry(kind)
                .or_insert((flush, Default::default()))
                .1
                .extend(ids);
        }
    }

    /// How many records' rows are left, of every kind.
    pub(crate) fn len(&self) -> usize {
        self.0.values().map(|(_, ids)| ids.len()).sum()
    }

    /// Writes the rows, kind by kind, in the caller's transaction.
    pub(crate) async fn write(self, conn: &mut AnyConnection) -> Result<()> {
        for (_, (flush, ids)) in self.0 {
            flush(&mut *conn, ids).await?;
        }
        Ok(())
    }
}

/// Leaves the rows of kind `kind` derived from record `id` to be written after the
/// gathering transaction commits (by `flush`, in a transaction of its own); `false`
/// when no transaction is gathering, and the caller writes them at once. Only for
/// rows a reader can do without meanwhile: the commit is acknowledged before they
/// are written, and if the node stops first they are not written at all.
pub(crate) fn after_commit(kind: &'static str, id: i64, flush: LaterFlush) -> bool {
    PENDING
        .try_with(|p| {
            let mut p = p.borrow_mut();
            p.2.0
                .entry(kind)
                .or_insert((flush, Default::default()))
                .1
                .insert(id);
        })
        .is_ok()
}

/// Runs `fut` (a transaction's writes) with their audit entries, counter changes and
/// seals gathered; its output and what it left to do.
pub(crate) async fn gather<F: Future>(fut: F) -> (F::Output, Pending) {
    PENDING
        .scope(RefCell::new(Pending::default()), async move {
            let out = fut.await;
            (out, PENDING.with(|p| std::mem::take(&mut *p.borrow_mut())))
        })
        .await
}

/// When each kind of gathered work is done at the end of a transaction: rows that
/// only the transaction itself touches first — new rows others refer to (cases),
/// then the rows its writes left to insert together (case events), then what is
/// derived from them (the cases' kept views), then the seals, which cover them; then
/// what concurrent PostgreSQL transactions share, locked until the commit, so the
/// later the shorter — counters (each by name, in one order of keys, so they cannot
/// deadlock), and last the audit chain's head, which every write shares.
pub(crate) const NEW: u8 = 0;
pub(crate) const ROWS: u8 = 1;
pub(crate) const DERIVED: u8 = 2;
pub(crate) const SEALS: u8 = 3;
pub(crate) const COUNTERS: u8 = 4;
pub(crate) const AUDIT: u8 = 5;

/// Keeps `value` in the slot `order` names (folded into what is there with `merge`)
/// for the end of the transaction; hands it back when no transaction is gathering.
/// Slots are done in the order of `order` (`SEALS`, `COUNTERS`, `AUDIT`).
pub(crate) fn defer<T: Any + Send>(
    order: (u8, &'static str),
    value: T,
    merge: fn(&mut T, T),
    flush: Flush,
) -> Option<T> {
    defer_as(order, value, merge, flush, false)
}

/// [`defer`] for a slot whose flush sends every statement through [`write`] and
/// [`fetch_all`], so the
/// writes waiting there may go with its statements.
pub(crate) fn defer_carrying<T: Any + Send>(
    order: (u8, &'static str),
    value: T,
    merge: fn(&mut T, T),
    flush: Flush,
) -> Option<T> {
    defer_as(order, value, merge, flush, true)
}

fn defer_as<T: Any + Send>(
    order: (u8, &'static str),
    value: T,
    merge: fn(&mut T, T),
    flush: Flush,
    carries: bool,
) -> Option<T> {
    let mut value = Some(value);
    let _ = PENDING.try_with(|p| {
        let Some(v) = value.take() else { return };
        let mut p = p.borrow_mut();
        match p.0.iter_mut().find(|s| s.order == order) {
            Some(slot) => match slot.value.downcast_mut::<T>() {
                Some(kept) => merge(kept, v),
                None => value = Some(v),
            },
            None => {
                let at = p.0.partition_point(|s| s.order < order);
                p.0.insert(
                    at,
                    Slot {
                        order,
                        value: Box::new(v),
                        flush,
                        carries,
                    },
                );
            }
        }
    });
    value
}

/// Tells the gathering transaction how many of its writes are yet to run, counting
/// the one about to (the writer, before each).
pub(crate) fn writes_left(n: usize) {
    let _ = PENDING.try_with(|p| p.borrow_mut().1 = n);
}

/// How many of the gathering transaction's writes are yet to run, counting the one
/// running (at least one).
pub(crate) fn left() -> usize {
    PENDING.try_with(|p| p.borrow().1).unwrap_or(0).max(1)
}

/// Reads the value kept in the slot `order` names, if a transaction is gathering and
/// the slot holds one.
pub(crate) fn peek<T: Any, R>(order: (u8, &'static str), read: impl FnOnce(&T) -> R) -> Option<R> {
    PENDING
        .try_with(|p| {
            let p = p.borrow();
            let slot = p.0.iter().find(|s| s.order == order)?;
            slot.value.downcast_ref::<T>().map(read)
        })
        .ok()
        .flatten()
}

/// Changes the value kept in the slot `order` names, if a transaction is gathering
/// and the slot holds one.
pub(crate) fn update<T: Any, R>(
    order: (u8, &'static str),
    change: impl FnOnce(&mut T) -> R,
) -> Option<R> {
    PENDING
        .try_with(|p| {
            let mut p = p.borrow_mut();
            let slot = p.0.iter_mut().find(|s| s.order == order)?;
            slot.value.downcast_mut::<T>().map(change)
        })
        .ok()
        .flatten()
}

/// Does what the gathered writes left, in the transaction before it commits: the
/// slots in their order, each while the rest are still gathering, so work a slot's
/// flush leaves (the audit entries of bindings made at the end) joins its own slot;
/// what is left for after the commit.
///
/// On PostgreSQL, writes whose answers nobody reads wait to go with the next
/// statement ([`write`]), and the last ones go together before it returns.
pub(crate) async fn flush(conn: &mut AnyConnection, mut p: Pending) -> Result<Later> {
    if Backend::of(conn) == Backend::Postgres {
        p.3 = Some(Vec::new());
    }
    loop {
        let slot = (!p.0.is_empty()).then(|| p.0.remove(0));
        let (done, rest) = PENDING
            .scope(RefCell::new(p), async {
                let done = match slot {
                    Some(slot) if slot.carries => (slot.flush)(&mut *conn, slot.value).await,
                    Some(slot) => match drain(&mut *conn).await {
                        Ok(()) => (slot.flush)(&mut *conn, slot.value).await,
                        Err(e) => Err(e),
                    },
                    None => drain(&mut *conn).await,
                };
                (done, PENDING.with(|p| std::mem::take(&mut *p.borrow_mut())))
            })
            .await;
        done?;
        p = rest;
        if over(&p) {
            break;
        }
    }
    Ok(p.2)
}

/// Whether the flush is over: no slot left and no write waiting.
fn over(p: &Pending) -> bool {
    p.0.is_empty() && p.3.as_ref().is_none_or(|w| w.is_empty())
}

/// Takes the writes waiting for the next statement; `None` when no flush on
/// PostgreSQL is running (statements then run at once).
pub(crate) fn waiting() -> Option<Vec<Stmt>> {
    PENDING
        .try_with(|p| p.borrow_mut().3.as_mut().map(std::mem::take))
        .ok()
        .flatten()
}

/// Leaves `waiting` and then `s` waiting for the next statement; hands them back
/// when no flush on PostgreSQL is running.
pub(crate) fn wait(mut waiting: Vec<Stmt>, s: Stmt) -> Option<Vec<Stmt>> {
    waiting.push(s);
    let mut back = Some(waiting);
    let _ = PENDING.try_with(|p| {
        if let Some(w) = p.borrow_mut().3.as_mut() {
            *w = back.take().unwrap_or_default();
        }
    });
    back
}

/// Does at once what the transaction has gathered so far, for a write that must see
/// every earlier write of its batch in the tables themselves (a counters rebuild).
pub(crate) async fn settle(conn: &mut AnyConnection) -> Result<()> {
    let p = PENDING
        .try_with(|p| std::mem::take(&mut *p.borrow_mut()))
        .unwrap_or_default();
    let left = p.1;
    let later = flush(conn, p).await?;
    // What is left for after the commit stays for it.
    let _ = PENDING.try_with(|p| {
        let mut p = p.borrow_mut();
        p.1 = left;
        p.2.merge(later);
    });
    Ok(())
}

/// Does at once the work gathered in one slot, for a write that reads the rows it
/// would write (a case's events). Nothing is kept elsewhere: the same slot filled
/// again later is done at the end as usual.
pub(crate) async fn settle_slot(conn: &mut AnyConnection, order: (u8, &'static str)) -> Result<()> {
    let slot = PENDING
        .try_with(|p| {
            let mut p = p.borrow_mut();
            let at = p.0.iter().position(|s| s.order == order)?;
            Some(p.0.remove(at))
        })
        .ok()
        .flatten();
    match slot {
        Some(slot) => (slot.flush)(conn, slot.value).await,
        None => Ok(()),
    }
}

/// Runs `s`, a write whose answer nobody reads: while a flush on PostgreSQL is sending
/// writes with the next statement, it waits for that statement; otherwise at once.
pub(crate) async fn write(conn: &mut AnyConnection, s: Stmt) -> Result<()> {
    if s.written().is_none() || Backend::of(conn) != Backend::Postgres {
        return s.execute(conn).await;
    }
    let Some(waiting) = waiting() else {
        return s.execute(conn).await;
    };
    let waiting = match waiting.is_empty() || s.may_follow(&waiting) {
        true => waiting,
        false => {
            send(conn, waiting).await?;
            Vec::new()
        }
    };
    match wait(waiting, s) {
        None => Ok(()),
        Some(back) => send(conn, back).await,
    }
}

/// Runs `s` and returns its rows, with the writes waiting for it when it may (it names
/// none of their tables); else those go first, on their own.
pub(crate) async fn fetch_all(conn: &mut AnyConnection, s: Stmt) -> Result<Vec<AnyRow>> {
    let waiting = waiting().unwrap_or_default();
    if waiting.is_empty() {
        return s.rows(conn).await;
    }
    if !s.may_follow(&waiting) {
        send(conn, waiting).await?;
        return s.rows(conn).await;
    }
    Stmt::after(waiting, &s).rows(conn).await
}

/// [`fetch_all`]'s one row.
pub(crate) async fn fetch_one(conn: &mut AnyConnection, s: Stmt) -> Result<AnyRow> {
    fetch_all(conn, s)
        .await?
        .into_iter()
        .next()
        .ok_or(StoreError::Db(sqlx::Error::RowNotFound))
}

/// Sends the writes still waiting, as one statement.
pub(crate) async fn drain(conn: &mut AnyConnection) -> Result<()> {
    let waiting = waiting().unwrap_or_default();
    send(conn, waiting).await
}

async fn send(conn: &mut AnyConnection, mut waiting: Vec<Stmt>) -> Result<()> {
    let Some(last) = waiting.pop() else {
        return Ok(());
    };
    match waiting.is_empty() {
        true => last.execute(conn).await,
        false => Stmt::after(waiting, &last).execute(conn).await,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    fn nothing(_: &mut AnyConnection, _: BTreeSet<i64>) -> BoxFuture<'_, Result<()>> {
        Box::pin(async { Ok(()) })
    }

    /// Rows left for after a commit are kept only while a transaction gathers, by
    /// kind, and several transactions' fold into one ascending set per kind.
    #[tokio::test]
    async fn rows_after_the_commit_fold_by_kind_in_one_order() {
        assert!(!after_commit("views", 1, nothing));
        let ((), first) = gather(async {
            assert!(after_commit("views", 9, nothing));
            assert!(after_commit("views", 3, nothing));
            assert!(after_commit("views", 9, nothing));
        })
        .await;
        let mut later = first.2;
        assert_eq!(later.len(), 2);
        let ((), second) = gather(async {
            after_commit("views", 5, nothing);
            after_commit("other", 5, nothing);
        })
        .await;
        later.merge(second.2);
        assert_eq!(later.len(), 4);
        let views: Vec<i64> = later.0["views"].1.iter().copied().collect();
        assert_eq!(views, [3, 5, 9]);
        assert!(!later.is_empty());
        assert!(Later::default().is_empty());
    }
}
