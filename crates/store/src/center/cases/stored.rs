//! A case's view kept beside it (`case_views`, migration 45), so that a lookup reads
//! one row instead of the case with its item, department, point, rating, follow-up,
//! license and events, and builds no view.
//!
//! What is kept is the view's JSON without the parts that depend on the day or on the
//! node's settings (the clocks' state today, the license's check link: [`Live`]),
//! with the columns those parts are worked out from. It is written in the transaction
//! of every write that changes what the view shows (`renew`: at the end of a gathered
//! transaction, after its events; at once in a command's own), so a lookup sees it as
//! it sees the case — except a new case's on PostgreSQL, written just after the
//! commit (`renew_created`). A case with no row here — one just created, an office's
//! records from before the migration, a bulk load — is read as before, and
//! `fill_missing` writes its row
//! (`serve` at start, `seed-demo`, `stats rebuild`). `check` compares every kept view
//! with one built afresh (`stats check`), and a debug build does so on every lookup,
//! so the test suite finds a write that forgets to renew.

use super::*;
use crate::bulk::V;
use std::collections::BTreeSet;

/// Where a transaction's cases to renew wait for its end: after their events.
const RENEW: (u8, &str) = (crate::db::pending::DERIVED, "case_views");

const COLUMNS: &[&str] = &[
    "case_id",
    "fixed",
    "status",
    "submitted_on",
    "notices",
    "promised_deadline",
    "deliver_by",
    "delivered_on",
    "license_no",
    "license_token",
];

thread_local! {
    /// Set while a view is written without its live parts ([`fixed_json`]).
    static LEAVING_LIVE_OUT: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Whether a view being written leaves out its live parts ([`Live`]): those fields
/// of [`CaseView`] are skipped while [`fixed_json`] writes it (serialization runs
/// on one thread, start to end).
pub(super) fn leaving_live_out<T>(_: &T) -> bool {
    LEAVING_LIVE_OUT.with(|l| l.get())
}

/// Renews the case's kept view from its records: at the end of the transaction when
/// its writes are gathered (`db::pending`), at once otherwise — so it is called after
/// the write's last statement on the case.
pub(crate) async fn renew(conn: &mut AnyConnection, case_id: i64) -> Result<()> {
    renew_as(conn, case_id, false).await
}

/// [`renew`] for a case the caller's transaction created: no other transaction can
/// change it before this one commits, so on PostgreSQL its row is not locked first —
/// and, when the transaction's writes are gathered, its view is written after the
/// commit instead (`pending::after_commit`), outside the writers' turns: the view's
/// read back and its upsert of some 2 KB (compressed by PostgreSQL) were measured to
/// take intake from 0.51× of `pgbench -N` to 0.38×. Until it is written the case is
/// read from its records, as one without a view always is; a write to the case
/// meanwhile writes the view itself, and then the later one (`How::Fill`) leaves it
/// be. SQLite writes it in the transaction: its one writer would write it in a turn
/// of its own all the same, with a sync more.
pub(crate) async fn renew_created(conn: &mut AnyConnection, case_id: i64) -> Result<()> {
    if crate::Backend::of(conn) == crate::Backend::Postgres
        && crate::db::pending::after_commit("case_views", case_id, fill_later)
    {
        return Ok(());
    }
    renew_as(conn, case_id, true).await
}

/// Writes the views of cases created by transactions that have committed, where none
/// was written meanwhile.
fn fill_later(conn: &mut AnyConnection, ids: BTreeSet<i64>) -> crate::BoxFuture<'_, Result<()>> {
    Box::pin(async move {
        write(conn, &ids, &BTreeSet::new(), How::Fill)
            .await
            .map(|_| ())
    })
}

/// The cases whose views a transaction renews, and those of them it created.
#[derive(Default)]
struct Renewals {
    ids: BTreeSet<i64>,
    created: BTreeSet<i64>,
}

impl Renewals {
    /// The cases another transaction may be changing too (`FOR UPDATE` on PostgreSQL).
    fn to_lock(&self) -> BTreeSet<i64> {
        self.ids.difference(&self.created).copied().collect()
    }
}

async fn renew_as(conn: &mut AnyConnection, case_id: i64, created: bool) -> Result<()> {
    let mut r = Renewals::default();
    r.ids.insert(case_id);
    if created {
        r.created.insert(case_id);
    }
    let merge = |kept: &mut Renewals, more: Renewals| {
        kept.ids.extend(more.ids);
        kept.created.extend(more.created);
    };
    match crate::db::pending::defer(RENEW, r, merge, renew_kept) {
        None => Ok(()),
        Some(r) => write(conn, &r.ids, &r.to_lock(), How::Renew)
            .await
            .map(|_| ()),
    }
}

fn renew_kept<'c>(
    conn: &'c mut AnyConnection,
    value: Box<dyn std::any::Any + Send>,
) -> crate::BoxFuture<'c, Result<()>> {
    Box::pin(async move {
        let r = crate::db::pending::kept::<Renewals>(value)?;
        write(conn, &r.ids, &r.to_lock(), How::Renew)
            .await
            .map(|_| ())
    })
}

#[derive(Clone, Copy, PartialEq)]
enum How {
    /// A write changed the case: its view is replaced.
    Renew,
    /// A case without a view gets one; one written meanwhile stands.
    Fill,
}

/// Builds and writes the views of `ids`, having locked the rows of `lock` among them
/// on PostgreSQL; how many were built.
async fn write(
    conn: &mut AnyConnection,
    ids: &BTreeSet<i64>,
    lock: &BTreeSet<i64>,
    how: How,
) -> Result<u64> {
    if ids.is_empty() {
        return Ok(0);
    }
    let backend = crate::Backend::of(conn);
    if backend == crate::Backend::Postgres && how == How::Renew && !lock.is_empty() {
        // Two transactions changing one case build its view one after the other, the
        // second from what the first committed (READ COMMITTED reads anew after the
        // lock), so the one written last has both.
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT id FROM cases c WHERE {} ORDER BY id FOR UPDATE",
            among_ids(backend)
        )))
        .bind(id_list(lock.iter().copied()))
        .fetch_all(&mut *conn)
        .await?;
    }
    let rows = built(conn, backend, ids.iter().copied()).await?;
    let values: Vec<Vec<V>> = rows.into_iter().map(|b| b.values()).collect();
    let then = match how {
        How::Renew => {
            " ON CONFLICT (case_id) DO UPDATE SET fixed = excluded.fixed, status = excluded.status, \
             submitted_on = excluded.submitted_on, notices = excluded.notices, \
             promised_deadline = excluded.promised_deadline, deliver_by = excluded.deliver_by, \
             delivered_on = excluded.delivered_on, license_no = excluded.license_no, \
             license_token = excluded.license_token"
        }
        How::Fill => " ON CONFLICT (case_id) DO NOTHING",
    };
    crate::bulk::insert_rows_then(conn, backend, "case_views", COLUMNS, &values, then).await?;
    Ok(values.len() as u64)
}

/// A case's view as kept: the JSON without its live parts, and what they come from.
#[derive(Debug, PartialEq)]
struct Built {
    case_id: i64,
    fixed: String,
    live: LiveInputs,
}

impl Built {
    fn values(self) -> Vec<V> {
        let l = self.live;
        vec![
            V::I(self.case_id),
            V::S(self.fixed),
            V::from(l.status.as_str()),
            V::from(l.submitted_on),
            V::I(l.notices),
            V::from(l.promised_deadline),
            V::from(l.deliver_by),
            V::from(l.delivered_on),
            V::from(l.license_no),
            V::from(l.license_token),
        ]
    }
}

/// The views of the cases `ids` built from their records.
async fn built(
    conn: &mut AnyConnection,
    backend: crate::Backend,
    ids: impl Iterator<Item = i64>,
) -> Result<Vec<Built>> {
    let sql = format!(
        "SELECT {CASE_COLUMNS}{}{CASE_FROM} AND {}",
        events_column(backend),
        among_ids(backend)
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(id_list(ids))
        .fetch_all(&mut *conn)
        .await?;
    rows.iter()
        .map(|r| {
            let case_id: i64 = r.try_get("id")?;
            let (mut view, live) = base_view(r)?;
            view.events = events_of(
                case_id,
                r.try_get::<Option<String>, _>("events_json")?.as_deref(),
            )?;
            Ok(Built {
                case_id,
                fixed: fixed_json(&view)?,
                live,
            })
        })
        .collect()
}

/// `c.id` is one of the ids bound as `$1` (a JSON array, [`id_list`]): one statement
/// text whatever the ids, so each connection prepares it once and PostgreSQL plans it
/// once (with the ids written into the text it planned the whole statement, some
/// 5–6 ms, for every batch of cases; after five runs it keeps a generic plan, 0.03 ms).
/// As an array on PostgreSQL (`= ANY(ARRAY(…))`: probed in the primary key; `IN
/// (SELECT …)` joined every case, 120 ms).
fn among_ids(backend: crate::Backend) -> &'static str {
    match backend {
        crate::Backend::Sqlite => "c.id IN (SELECT value FROM json_each($1))",
        crate::Backend::Postgres => {
            "c.id = ANY(ARRAY(SELECT jsonb_array_elements_text($1::jsonb)::bigint))"
        }
    }
}

/// `[1,2,…]`: ids as the JSON array [`among_ids`] binds.
fn id_list(ids: impl Iterator<Item = i64>) -> String {
    let ids: Vec<String> = ids.map(|id| id.to_string()).collect();
    format!("[{}]", ids.join(","))
}

fn json_fault(e: serde_json::Error) -> StoreError {
    StoreError::Other(anyhow::anyhow!("case view: {e}"))
}

/// The view's JSON object without its live parts and without its closing brace: the
/// live parts follow (`body`).
fn fixed_json(view: &CaseView) -> Result<String> {
    struct Leave;
    impl Drop for Leave {
        fn drop(&mut self) {
            LEAVING_LIVE_OUT.with(|l| l.set(false));
        }
    }
    LEAVING_LIVE_OUT.with(|l| l.set(true));
    let leave = Leave;
    let mut text = serde_json::to_string(view).map_err(json_fault)?;
    drop(leave);
    text.pop();
    Ok(text)
}

/// The view's JSON: the kept part, then the live parts written after it (in place:
/// a kept part read on the request's thread comes with room for them).
fn body(mut fixed: Vec<u8>, live: &Live) -> Result<bytes::Bytes> {
    fixed.push(b',');
    let brace = fixed.len();
    serde_json::to_writer(&mut fixed, live).map_err(json_fault)?;
    // The live parts' own opening brace: they continue the kept object.
    fixed.remove(brace);
    Ok(bytes::Bytes::from(fixed))
}

/// A view's JSON as the API answers it, from a view built from the records: the same
/// bytes a kept view gives.
pub(super) fn render(view: &CaseView) -> Result<bytes::Bytes> {
    body(fixed_json(view)?.into_bytes(), &view.live())
}

/// A case's kept view as the API answers it, if it has one and the principal may see
/// the case (scoped as [`get`] is); `None` otherwise, and the caller reads it as
/// [`get`] does (which also answers 404).
pub(super) async fn lookup(
    store: &Store,
    rd: &mut crate::LazyReader<'_>,
    p: &Principal,
    case_no: &CaseNo,
) -> Result<Option<bytes::Bytes>> {
    // The kept text is answered as it is, so SQLite hands it over as bytes (not
    // checked again as text on every lookup; it was written as JSON text).
    macro_rules! lookup_from {
        ($fixed:literal) => {
            concat!(
                "SELECT ",
                $fixed,
                ", v.status, v.submitted_on, v.notices, v.promised_deadline, v.deliver_by, \
                 v.delivered_on, v.license_no, v.license_token FROM cases c \
                 JOIN case_views v ON v.case_id = c.id WHERE c.case_no = "
            )
        };
    }
    let mut sql = Sql::new(match store.backend() {
        crate::Backend::Sqlite => lookup_from!("CAST(v.fixed AS BLOB) AS fixed"),
        crate::Backend::Postgres => lookup_from!("v.fixed"),
    });
    sql.bind_s(case_no.as_str());
    scope(p, &mut sql)?;
    let Some(mut r) = rd.fetch_optional(&sql).await? else {
        return Ok(None);
    };
    let live = kept_inputs(&r)?;
    let cal = calendar::load_lazy(store, rd).await?;
    let url = license_url(store, rd, &live).await?;
    let live = live.work_out(&cal, time::local_day(time::now()), url);
    let fixed = crate::db::direct::take_bytes(&mut r, "fixed")?;
    Ok(Some(body(fixed, &live)?))
}

/// What a kept view's live parts are worked out from, as its row keeps them.
fn kept_inputs(r: &sqlx::any::AnyRow) -> Result<LiveInputs> {
    Ok(LiveInputs {
        status: status_of(&r.try_get::<String, _>("status")?)?,
        submitted_on: r.try_get("submitted_on")?,
        notices: r.try_get("notices")?,
        promised_deadline: r.try_get("promised_deadline")?,
        deliver_by: r.try_get("deliver_by")?,
        delivered_on: r.try_get("delivered_on")?,
        license_no: r.try_get("license_no")?,
        license_token: r.try_get("license_token")?,
    })
}

/// Writes the views of cases that have none, `batch` in each transaction, telling
/// `progress` how many so far; how many were written. The cases without one are
/// found on a reader, walked in id order from where the last batch ended, so a
/// database whose views are all there is read once and the writer is not held for it.
pub async fn fill_missing(store: &Store, batch: i64, progress: impl Fn(u64)) -> Result<u64> {
    let mut after = 0i64;
    let mut total = 0u64;
    loop {
        let ids: Vec<i64> = sqlx::query_scalar(
            "SELECT c.id FROM cases c WHERE c.id > $1 \
             AND NOT EXISTS (SELECT 1 FROM case_views v WHERE v.case_id = c.id) \
             ORDER BY c.id LIMIT $2",
        )
        .bind(after)
        .bind(batch)
        .fetch_all(&mut *store.reader().await?)
        .await?;
        let Some(&last) = ids.last() else {
            return Ok(total);
        };
        let ids: Arc<BTreeSet<i64>> = Arc::new(ids.into_iter().collect());
        // A view written meanwhile (a write to the case) stands: `How::Fill`.
        total += store
            .write(move |tx| {
                let ids = ids.clone();
                Box::pin(async move { write(tx, &ids, &BTreeSet::new(), How::Fill).await })
            })
            .await?;
        after = last;
        progress(total);
    }
}

/// Drops every kept view and writes them all again (`stats rebuild`, after a bulk
/// load that changed cases it did not renew).
pub async fn rebuild(store: &Store, progress: impl Fn(u64)) -> Result<u64> {
    store
        .write(|tx| {
            Box::pin(async move {
                sqlx::query("DELETE FROM case_views")
                    .execute(&mut *tx)
                    .await?;
                Ok(())
            })
        })
        .await?;
    fill_missing(store, 1000, progress).await
}

/// Cases whose kept view differs from one built afresh from their records (case
/// numbers, at most `limit` of them), and how many kept views were compared.
pub async fn check(store: &Store, limit: usize) -> Result<(u64, Vec<String>)> {
    // One snapshot: a view and the records it is compared with are read as of one
    // moment, while the server writes.
    let mut conn = store.snapshot().await?;
    let backend = store.backend();
    let mut after = 0i64;
    let mut compared = 0u64;
    let mut stale = Vec::new();
    loop {
        let kept = sqlx::query(
            "SELECT v.case_id, v.fixed, v.status, v.submitted_on, v.notices, v.promised_deadline, \
             v.deliver_by, v.delivered_on, v.license_no, v.license_token, c.case_no \
             FROM case_views v JOIN cases c ON c.id = v.case_id WHERE v.case_id > $1 ORDER BY v.case_id LIMIT 500",
        )
        .bind(after)
        .fetch_all(&mut *conn)
        .await?;
        let Some(last) = kept.last() else {
            return Ok((compared, stale));
        };
        after = last.try_get("case_id")?;
        let mut numbers = std::collections::HashMap::new();
        let mut stored = Vec::with_capacity(kept.len());
        for r in &kept {
            let case_id: i64 = r.try_get("case_id")?;
            numbers.insert(case_id, r.try_get::<String, _>("case_no")?);
            stored.push(Built {
                case_id,
                fixed: r.try_get("fixed")?,
                live: kept_inputs(r)?,
            });
        }
        let mut fresh: std::collections::HashMap<i64, Built> =
            built(&mut conn, backend, stored.iter().map(|b| b.case_id))
                .await?
                .into_iter()
                .map(|b| (b.case_id, b))
                .collect();
        for s in stored {
            compared += 1;
            if fresh.remove(&s.case_id).as_ref() != Some(&s) && stale.len() < limit {
                stale.push(numbers.remove(&s.case_id).unwrap_or_default());
            }
        }
    }
}
