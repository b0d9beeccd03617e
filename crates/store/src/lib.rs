//! Storage of tongban on SQLite (embedded, the default) or PostgreSQL, through one
//! set of migrations and one query layer (sqlx's `Any` driver with `$n` placeholders,
//! which both backends read). Every multi-step write is one transaction that also
//! appends to the audit chain.

pub mod bundles;
pub mod center;
mod db;
pub mod enterprise;
pub mod figures;
pub mod hotline;
pub mod intermediary;
pub mod platform;
pub mod projects;
pub mod registration;
mod setup;
pub mod supervision;
pub mod trading;
pub mod upkeep;

pub use center::cases::after_checks;
pub use center::{applicants, cases, catalog, catalog_xlsx, licenses, reforms};
pub use db::{baseline, bulk, time, views};
pub(crate) use db::{migrate, writer};
pub use figures::{dashboards, displays, metrics, report, stats};
pub use hotline::{calls, dispatch, intake, kb, topics};
pub use migrate::latest as schema_version;
pub use platform::{
    accounts, api_keys, audit, calendar, files, health, org, protect, seal, settings, throttle,
};
pub use setup::Setup;
pub use upkeep::{backup, calendar_year};
pub use writer::BoxFuture;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{AnyConnection, AnyPool, Executor};
use std::str::FromStr;
use std::time::Duration;
use tongban_domain::Invalid;

pub use protect::Keys;
pub use sqlx::AnyConnection as Conn;

/// Which database a URL points at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    /// The database a connection is to (for the SQL that differs).
    pub fn of(conn: &AnyConnection) -> Self {
        if conn.backend_name() == "PostgreSQL" {
            Backend::Postgres
        } else {
            Backend::Sqlite
        }
    }
}

/// Errors of the storage layer; the web layer maps them to HTTP once.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    Invalid(#[from] Invalid),
    /// Several fields of one input at fault, all named at once (at least two).
    #[error("{}", .0.first().map(|i| i.message.as_str()).unwrap_or_default())]
    Faults(Vec<Invalid>),
    #[error("{message}")]
    Conflict {
        field: &'static str,
        message: String,
    },
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    Unauthorized(String),
    #[error("{0}")]
    Locked(String),
    /// A service the platform relies on (SMS gateway, file store) failed just now.
    #[error("{0}")]
    Unavailable(String),
    #[error("数据库错误：{0}")]
    Db(#[from] sqlx::Error),
    #[error("{0}")]
    Other(#[from] anyhow::Error),
}

impl From<Vec<Invalid>> for StoreError {
    /// One fault is `Invalid`, several are `Faults`.
    fn from(mut all: Vec<Invalid>) -> Self {
        match all.len() {
            0 => Self::invalid("input", "输入无效"),
            1 => Self::Invalid(all.remove(0)),
            _ => Self::Faults(all),
        }
    }
}

impl StoreError {
    pub fn not_found(what: impl Into<String>) -> Self {
        Self::NotFound(what.into())
    }
    pub fn invalid(field: &'static str, message: impl Into<String>) -> Self {
        Self::Invalid(Invalid::new(field, message))
    }
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// Reads the rows of `select` (a query ending in its `WHERE` clause) in the order of
/// `id`, a thousand at a time by keyset, handing each to `each`, which returns the
/// row's id. Returns how many rows it read.
pub(crate) async fn keyset_rows(
    rd: &mut sqlx::AnyConnection,
    select: &str,
    id: &str,
    mut each: impl FnMut(&sqlx::any::AnyRow) -> Result<i64>,
) -> Result<u64> {
    let sql = format!("{select} AND {id} > $1 ORDER BY {id} LIMIT 1000");
    let mut last = i64::MIN;
    let mut n = 0;
    loop {
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql.clone()))
            .bind(last)
            .fetch_all(&mut *rd)
            .await?;
        if rows.is_empty() {
            return Ok(n);
        }
        for r in &rows {
            last = each(r)?;
            n += 1;
        }
    }
}

/// A change of one counted row (`table`'s row `id`) in one transaction: the row
/// locked on PostgreSQL (SQLite has one writer) so its counters move once, `counter`
/// moved from before to after, and the audit entry written (`entity` `key`).
#[allow(clippy::too_many_arguments)]
pub(crate) async fn counted_change<F>(
    store: &Store,
    counter: &'static stats::Counter,
    table: &str,
    id: i64,
    actor: &audit::Actor,
    (action, entity, key): (&str, &str, &str),
    detail: serde_json::Value,
    f: F,
) -> Result<()>
where
    F: for<'c> FnOnce(&'c mut AnyConnection) -> BoxFuture<'c, Result<()>>,
{
    let cal = tongban_domain::calendar::Calendar::default();
    let mut tx = store.begin().await?;
    if store.backend() == Backend::Postgres {
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT id FROM {table} WHERE id = $1 FOR UPDATE"
        )))
        .bind(id)
        .execute(&mut *tx)
        .await?;
    }
    let before = stats::snapshot(&mut tx, counter, &[id], &cal).await?;
    f(&mut tx).await?;
    let after = stats::snapshot(&mut tx, counter, &[id], &cal).await?;
    stats::track(&mut tx, counter, Some(&before), &after).await?;
    audit::append(&mut tx, store.keys(), actor, action, entity, key, detail).await?;
    tx.commit().await?;
    Ok(())
}

/// The database: a writer pool (one connection on SQLite, where writes are serial
/// anyway, so no transaction ever waits on a lock upgrade) and a reader pool.
#[derive(Clone)]
pub struct Store {
    write: AnyPool,
    read: AnyPool,
    backend: Backend,
    keys: Keys,
    /// Parsed calendar and the version it was read at; reloaded when the version in
    /// the database moves, so every node sees an administrator's change.
    calendar_cache: std::sync::Arc<std::sync::Mutex<Option<calendar::Cached>>>,
    /// Where uploaded files are kept.
    files: files::FileStore,
    /// How text messages are sent.
    sms: applicants::SmsSender,
    /// Who proves an applicant's name, ID and phone belong together when unbound.
    identity: applicants::IdentityVerifier,
    /// Rarely changing reads the portal makes on every page (office name, points),
    /// trusted for a second like the calendar version.
    hot: std::sync::Arc<std::sync::Mutex<HotCache>>,
    /// Bearer tokens checked within the last second (see `token_cached`).
    tokens: std::sync::Arc<std::sync::Mutex<TokenCache>>,
    /// Views this node answered a moment ago, and its count of commits (`db::views`).
    views: std::sync::Arc<db::views::Views>,
    /// Catalog items in force read within the last second (see
    /// `catalog::item_in_force_cached`).
    items: std::sync::Arc<std::sync::Mutex<ItemCache>>,
    /// This node's knowledge-base search index (derived from the database).
    kb: kb::SearchIndex,
    /// The node's group-commit queue (see `writer`); none until migrations ran.
    batcher: Option<tokio::sync::mpsc::Sender<writer::Job>>,
    /// Where the writers' thread writes what committed writes left for after their
    /// commit (`db::pending::Later`).
    after: Option<tokio::sync::mpsc::UnboundedSender<writer::After>>,
    /// The folder of a SQLite file (for its free space); none on PostgreSQL.
    sqlite_dir: Option<std::path::PathBuf>,
    /// The SQLite file itself (copied before an upgrade); none on PostgreSQL.
    sqlite_file: Option<std::path::PathBuf>,
    /// Writes asked for, committed and failed on this node (for `/metrics`).
    writes: std::sync::Arc<WriteCounts>,
    /// One-statement reads on the calling thread (SQLite files only: `db::direct`).
    direct: std::sync::Arc<db::direct::Direct>,
}

/// Writes on this node since it started.
#[derive(Debug, Default)]
pub struct WriteCounts {
    pub queued: std::sync::atomic::AtomicU64,
    pub committed: std::sync::atomic::AtomicU64,
    pub failed: std::sync::atomic::AtomicU64,
}

/// One connection pool's use.
#[derive(Debug, Clone, Copy)]
pub struct PoolUse {
    pub name: &'static str,
    pub size: u32,
    pub idle: usize,
    pub max: u32,
}

impl Store {
    /// Opens the database at `url` (`sqlite://path` or `postgres://…`), creating a
    /// SQLite file and its folder if needed, and applies the migrations.
    pub async fn open(url: &str, keys: Keys) -> anyhow::Result<Self> {
        sqlx::any::install_default_drivers();
        // The areas built on the case engine, wired into it (code, not data: the same
        // on every node).
        licenses::wire_settle(registration::settle_hook);
        let backend = backend_of(url)?;
        let url = if backend == Backend::Sqlite {
            prepare_sqlite_url(url)?
        } else {
            url.to_string()
        };
        let opts = AnyConnectOptions::from_str(&url)?;
        let (writers, readers) = match backend {
            Backend::Sqlite => (1, 8),
            Backend::Postgres => (8, 16),
        };
        // SQLite's page cache is per connection and counts in the server's resident
        // memory: the one writer keeps 16 MB (the pages a batch of writes touches),
        // each of the eight readers 2 MB (the indexes' upper pages; the rest comes
        // from the operating system's file cache, which is shared and reclaimable).
        // At most 32 MB in all, where 8 MB each made 72 MB.
        let pool = |n: u32, cache_kib: u32| {
            AnyPoolOptions::new()
                .max_connections(n)
                .min_connections(0)
                .acquire_timeout(Duration::from_secs(30))
                // A SQLite connection is a file handle in this process that cannot
                // drop, so it is not pinged on every acquire (a round trip to its
                // worker thread); a PostgreSQL connection can (a restart, an
                // administrator ending it), and is — trusting one used a moment ago
                // was measured 15 % faster on lookups, but after a restart every
                // pooled connection failed one request.
                .test_before_acquire(backend == Backend::Postgres)
                .after_connect(move |conn, _| {
                    Box::pin(async move {
                        if backend == Backend::Sqlite {
                            let pragmas = format!(
                                "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON; \
                                 PRAGMA busy_timeout = 10000; PRAGMA cache_size = -{cache_kib}; PRAGMA temp_store = MEMORY;"
                            );
                            conn.execute(sqlx::AssertSqlSafe(pragmas)).await?;
                        }
                        Ok(())
                    })
                })
                // A connection whose transaction could not be ended (a commit that
                // failed on a full disk, a rollback SQLite had already done) is
                // closed instead of handed out again, so writes resume by themselves.
                .before_acquire(|conn, _| {
                    Box::pin(async move {
                        use sqlx::Connection;
                        Ok(!conn.is_in_transaction())
                    })
                })
                .connect_with(opts.clone())
        };
        let write = pool(writers, 16_000).await?;
        let read = pool(readers, 2_000).await?;
        let sqlite_file = sqlite_path(&url, backend);
        let views: std::sync::Arc<db::views::Views> = Default::default();
        // Direct reads of the same file the store opened (none on PostgreSQL or in
        // memory), fresh as of this node's commits.
        let direct = std::sync::Arc::new(match &sqlite_file {
            Some(path) => db::direct::Direct::sqlite(path.clone(), views.changes()),
            None => db::direct::Direct::none(),
        });
        if sqlite_file.is_some() {
            // Idle direct connections give up stale snapshots several times a second.
            let weak = std::sync::Arc::downgrade(&direct);
            tokio::spawn(async move {
                let mut tick = tokio::time::interval(db::direct::RELEASE_EVERY);
                loop {
                    tick.tick().await;
                    match weak.upgrade() {
                        Some(d) if !d.is_closed() => d.release_stale(),
                        _ => break,
                    }
                }
            });
        }
        let store = Store {
            write,
            read,
            backend,
            keys,
            calendar_cache: Default::default(),
            files: files::FileStore::local(default_files_root(&url, backend)),
            hot: Default::default(),
            tokens: Default::default(),
            views,
            items: Default::default(),
            sms: Default::default(),
            identity: Default::default(),
            kb: kb::SearchIndex::in_memory(),
            batcher: None,
            after: None,
            sqlite_dir: sqlite_dir(&url, backend),
            direct,
            sqlite_file,
            writes: Default::default(),
        };
        migrate::run(&store).await?;
        catalog::fill_search_text(&store).await?;
        store.check_key().await?;
        stats::refill_if_stale(&store).await?;
        let (batcher, after) =
            writer::spawn(store.write.clone(), backend, store.views.changes())
                .map_err(|e| anyhow::anyhow!("cannot start the writer thread: {e}"))?;
        Ok(Store {
            batcher: Some(batcher),
            after: Some(after),
            ..store
        })
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// The folder holding a SQLite database file.
    pub fn sqlite_dir(&self) -> Option<std::path::PathBuf> {
        self.sqlite_dir.clone()
    }

    pub fn keys(&self) -> &Keys {
        &self.keys
    }

    /// Where uploaded files are kept.
    pub fn files(&self) -> &files::FileStore {
        &self.files
    }

    /// How text messages are sent.
    pub fn sms(&self) -> &applicants::SmsSender {
        &self.sms
    }

    /// The same store sending text messages another way.
    pub fn with_sms(self, sms: applicants::SmsSender) -> Store {
        Store { sms, ..self }
    }

    /// Who proves an applicant's identity when it is not bound yet.
    pub fn identity(&self) -> &applicants::IdentityVerifier {
        &self.identity
    }

    /// The same store proving applicants' identities another way.
    pub fn with_identity(self, identity: applicants::IdentityVerifier) -> Store {
        Store { identity, ..self }
    }

    /// The same store keeping files elsewhere (a shared folder for several nodes).
    pub fn with_files(self, files: files::FileStore) -> Store {
        Store { files, ..self }
    }

    /// The same store keeping its knowledge-base index in a folder (kept across
    /// restarts) instead of memory.
    pub fn with_kb_dir(self, dir: &std::path::Path) -> anyhow::Result<Store> {
        Ok(Store {
            kb: kb::SearchIndex::in_dir(dir)?,
            ..self
        })
    }

    /// This node's knowledge-base search index.
    pub fn kb_index(&self) -> &kb::SearchIndex {
        &self.kb
    }

    /// Begins a write transaction.
    /// On SQLite the transaction takes the write lock at once (`BEGIN IMMEDIATE`):
    /// another process writing the same file (a CLI command beside the server) then
    /// makes it wait out the busy timeout instead of failing on a lock upgrade.
    pub async fn begin(&self) -> Result<db::views::WriteTx> {
        let tx = match self.backend {
            Backend::Sqlite => self.write.begin_with("BEGIN IMMEDIATE").await?,
            Backend::Postgres => self.write.begin().await?,
        };
        Ok(db::views::WriteTx::new(tx, self.views.changes()))
    }

    /// The views this node answered a moment ago (`db::views`).
    pub(crate) fn views(&self) -> &db::views::Views {
        &self.views
    }

    /// Runs a write together with the other writes waiting at that moment, in one
    /// transaction (group commit, `db::writer`). `f` may run twice: if its batch
    /// fails it is run again alone, so it must not have effects outside `conn`.
    pub async fn write<T, F>(&self, f: F) -> Result<T>
    where
        T: Send + 'static,
        F: for<'c> Fn(&'c mut AnyConnection) -> BoxFuture<'c, Result<T>> + Send + Sync + 'static,
    {
        use std::sync::atomic::Ordering::Relaxed;
        self.writes.queued.fetch_add(1, Relaxed);
        let done = self.write_now(f).await;
        match &done {
            Ok(_) => self.writes.committed.fetch_add(1, Relaxed),
            Err(_) => self.writes.failed.fetch_add(1, Relaxed),
        };
        done
    }

    /// Waits until the rows this node's acknowledged writes left for after their commit
    /// are written (the kept views of new cases on PostgreSQL): for a test, or a
    /// command, that reads the tables themselves right after writing.
    pub async fn later_written(&self) {
        let Some(after) = &self.after else { return };
        let (tell, told) = tokio::sync::oneshot::channel();
        if after.send(writer::After::Written(tell)).is_ok() {
            let _ = told.await;
        }
    }

    /// Writes asked for, committed and failed on this node since it started.
    pub fn write_counts(&self) -> &WriteCounts {
        &self.writes
    }

    /// The connection pools' use now.
    pub fn pool_use(&self) -> [PoolUse; 2] {
        let one = |name, p: &AnyPool| PoolUse {
            name,
            size: p.size(),
            idle: p.num_idle(),
            max: p.options().get_max_connections(),
        };
        [one("write", &self.write), one("read", &self.read)]
    }

    async fn write_now<T, F>(&self, f: F) -> Result<T>
    where
        T: Send + 'static,
        F: for<'c> Fn(&'c mut AnyConnection) -> BoxFuture<'c, Result<T>> + Send + Sync + 'static,
    {
        match &self.batcher {
            None => {
                let mut tx = self.begin().await?;
                let (v, left) = db::pending::gather(f(&mut tx)).await;
                let v = v?;
                let later = db::pending::flush(&mut tx, left).await?;
                tx.commit().await?;
                if !later.is_empty() {
                    // The write has committed: a failure here is logged, not its own
                    // (such rows are ones readers do without; `serve` fills them).
                    let n = later.len();
                    let written = async {
                        let mut tx = self.begin().await?;
                        later.write(&mut tx).await?;
                        tx.commit().await?;
                        Ok::<(), StoreError>(())
                    };
                    if let Err(e) = written.await {
                        tracing::warn!(error = %e, rows = n, "rows left for after a commit were not written");
                    }
                }
                Ok(v)
            }
            Some(queue) => {
                let (run, unwrap) = writer::job(f);
                let (job, reply) = writer::enqueue(run);
                queue
                    .send(job)
                    .await
                    .map_err(|_| StoreError::Other(anyhow::anyhow!("write queue closed")))?;
                let erased = reply.await.map_err(|_| {
                    StoreError::Other(anyhow::anyhow!("write queue dropped a job"))
                })??;
                unwrap(erased)
            }
        }
    }

    /// Refreshes the query planner's statistics after a bulk load (the demo seed).
    /// PostgreSQL otherwise plans with the statistics of the tables before the load
    /// until autovacuum catches up — a correlated count over a case's events, planned
    /// for an empty table, took 15 s per 2,000 cases. SQLite's plans were chosen and
    /// checked without statistics (`sqlite_stat1`), so nothing is done there.
    pub async fn analyze(&self) -> Result<()> {
        if self.backend == Backend::Postgres {
            sqlx::query("ANALYZE").execute(&self.write).await?;
        }
        Ok(())
    }

    /// A connection for reads.
    pub async fn reader(&self) -> Result<sqlx::pool::PoolConnection<sqlx::Any>> {
        Ok(self.read.acquire().await?)
    }

    /// A reader taken at its first use (`LazyReader`).
    pub(crate) fn lazy_reader(&self) -> LazyReader<'_> {
        LazyReader {
            store: self,
            conn: None,
        }
    }

    /// A read-only transaction whose reads all see one snapshot of the database, for
    /// figures read in several statements: REPEATABLE READ on PostgreSQL; on SQLite
    /// a deferred transaction keeps the WAL snapshot of its first read. Dropped
    /// without a commit, it ends in a rollback.
    pub async fn snapshot(&self) -> Result<sqlx::Transaction<'static, sqlx::Any>> {
        let mut tx = self.read.begin().await?;
        if self.backend == Backend::Postgres {
            sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                .execute(&mut *tx)
                .await?;
        }
        Ok(tx)
    }

    pub async fn close(&self) {
        self.direct.close();
        self.write.close().await;
        self.read.close().await;
    }

    /// Refuses to run with a key other than the one the data was written with: the
    /// database keeps an HMAC of a fixed text under the key, never the key.
    async fn check_key(&self) -> anyhow::Result<()> {
        let expected = self.keys.key_check();
        let mut tx = self.write.begin().await?;
        let found: Option<String> =
            sqlx::query_scalar("SELECT value FROM settings WHERE key = 'key_check'")
                .fetch_optional(&mut *tx)
                .await?;
        match found {
            Some(v) if v == expected => {}
            Some(_) => anyhow::bail!(
                "加密密钥与数据库不匹配：请使用写入这些数据时的密钥（TONGBAN_KEY 或密钥文件）"
            ),
            None => {
                sqlx::query("INSERT INTO settings (key, value) VALUES ('key_check', $1)")
                    .bind(expected)
                    .execute(&mut *tx)
                    .await?;
            }
        }
        tx.commit().await?;
        Ok(())
    }

    /// Drops this node's cached office name after a change (other nodes refresh
    /// within the cache's lifetime).
    pub(crate) fn forget_office_name(&self) {
        self.hot.lock().expect("hot cache").office = None;
    }

    /// The principal of a bearer token (its SM3 hash) this node read within the last
    /// second: a burst of API calls checks the token once, not once per call. Any
    /// token or account change on this node forgets them all at once; other nodes
    /// see it at most a second late, like the calendar.
    /// Keyed by the token itself (held only in this node's memory, as every request
    /// carrying it is), so a token checked a moment ago is not hashed again.
    pub(crate) fn token_cached(&self, token: &str) -> Option<org::Principal> {
        let tokens = self.tokens.lock().expect("token cache");
        match tokens.get(token) {
            Some((at, p)) if at.elapsed() < HOT_TTL => Some(p.clone()),
            _ => None,
        }
    }

    pub(crate) fn remember_token(&self, token: &str, p: &org::Principal) {
        let mut tokens = self.tokens.lock().expect("token cache");
        // Bounded: a node serving many clients starts afresh rather than grow.
        if tokens.len() >= 10_000 {
            tokens.clear();
        }
        tokens.insert(token.to_string(), (std::time::Instant::now(), p.clone()));
    }

    pub(crate) fn item_cached(
        &self,
        code: &str,
        on: chrono::NaiveDate,
    ) -> Option<Option<std::sync::Arc<catalog::Item>>> {
        let items = self.items.lock().expect("item cache");
        match items.get(&(code.to_string(), on)) {
            Some((at, item)) if at.elapsed() < HOT_TTL => Some(item.clone()),
            _ => None,
        }
    }

    pub(crate) fn remember_item(
        &self,
        code: &str,
        on: chrono::NaiveDate,
        item: Option<std::sync::Arc<catalog::Item>>,
    ) {
        let mut items = self.items.lock().expect("item cache");
        if items.len() >= 5_000 {
            items.clear();
        }
        items.insert((code.to_string(), on), (std::time::Instant::now(), item));
    }

    /// Forgets the cached catalog items (after any catalog change on this node).
    pub(crate) fn forget_items(&self) {
        self.items.lock().expect("item cache").clear();
    }

    /// Forgets every cached token (a token revoked, an account changed).
    pub(crate) fn forget_tokens(&self) {
        self.tokens.lock().expect("token cache").clear();
    }

    /// Drops this node's cached public address after a change.
    pub(crate) fn forget_public_url(&self) {
        self.hot.lock().expect("hot cache").public_url = None;
        // A view built from the old address between the commit and now is not
        // answered again.
        self.views.moved();
    }

    /// The office's name, as pages show it.
    pub async fn office_name(&self) -> Result<String> {
        if let Some((at, name)) = &self.hot.lock().expect("hot cache").office
            && at.elapsed() < HOT_TTL
        {
            return Ok(name.clone());
        }
        let name = self
            .setting("office_name")
            .await?
            .unwrap_or_else(|| "政务服务中心".into());
        self.hot.lock().expect("hot cache").office =
            Some((std::time::Instant::now(), name.clone()));
        Ok(name)
    }

    /// The portal's public address (`https://…`), if configured.
    pub async fn public_url_cached(&self) -> Result<Option<String>> {
        if let Some(url) = self.public_url_fresh() {
            return Ok(url);
        }
        let mut c = self.reader().await?;
        self.public_url_on(&mut c).await
    }

    fn public_url_fresh(&self) -> Option<Option<String>> {
        match &self.hot.lock().expect("hot cache").public_url {
            Some((at, url)) if at.elapsed() < HOT_TTL => Some(url.clone()),
            _ => None,
        }
    }

    /// The portal's public address: the node's copy while fresh, otherwise read on
    /// the request's reader (taken now if not yet; see [`Store::public_url_on`]).
    pub(crate) async fn public_url_lazy(&self, rd: &mut LazyReader<'_>) -> Result<Option<String>> {
        match self.public_url_fresh() {
            Some(url) => Ok(url),
            None => self.public_url_on(rd.get().await?).await,
        }
    }

    /// The portal's public address, read (when the cached copy is stale) on the
    /// connection the caller already holds: a reader taken while holding another
    /// waits for the pool, and when every request holding one does so at once the
    /// pool is exhausted with each waiting on the others (seen as lookups of
    /// licensed cases stalling for seconds under load).
    pub(crate) async fn public_url_on(&self, conn: &mut AnyConnection) -> Result<Option<String>> {
        if let Some(url) = self.public_url_fresh() {
            return Ok(url);
        }
        // Kept only if no commit of this node came between (a value read before a
        // change must not outlive it in a view: `views`), aged from before the read.
        let (change, asked) = (self.views.change_now(), std::time::Instant::now());
        let url: Option<String> = sqlx::query_scalar("SELECT value FROM settings WHERE key = $1")
            .bind(licenses::PUBLIC_URL_SETTING)
            .fetch_optional(&mut *conn)
            .await?;
        if self.views.change_now() == change {
            self.hot.lock().expect("hot cache").public_url = Some((asked, url.clone()));
        }
        Ok(url)
    }

    /// The windows, as the service guides list them.
    pub async fn windows_cached(&self) -> Result<std::sync::Arc<Vec<org::Window>>> {
        if let Some((at, windows)) = &self.hot.lock().expect("hot cache").windows
            && at.elapsed() < HOT_TTL
        {
            return Ok(windows.clone());
        }
        let windows = std::sync::Arc::new(org::windows(self).await?);
        self.hot.lock().expect("hot cache").windows =
            Some((std::time::Instant::now(), windows.clone()));
        Ok(windows)
    }

    /// The office's phone for the public (机构设置), as the guides show it.
    pub async fn office_phone_cached(&self) -> Result<String> {
        if let Some((at, phone)) = &self.hot.lock().expect("hot cache").phone
            && at.elapsed() < HOT_TTL
        {
            return Ok(phone.clone());
        }
        let phone = self
            .setting(settings::OFFICE_PHONE)
            .await?
            .unwrap_or_default();
        self.hot.lock().expect("hot cache").phone =
            Some((std::time::Instant::now(), phone.clone()));
        Ok(phone)
    }

    /// Drops this node's cached points, windows and phone after a change (other
    /// nodes refresh within the cache's lifetime).
    pub(crate) fn forget_places(&self) {
        let mut hot = self.hot.lock().expect("hot cache");
        hot.points = None;
        hot.windows = None;
        hot.phone = None;
    }

    /// The service points, as pages list them.
    pub async fn points_cached(&self) -> Result<std::sync::Arc<Vec<org::Point>>> {
        if let Some((at, points)) = &self.hot.lock().expect("hot cache").points
            && at.elapsed() < HOT_TTL
        {
            return Ok(points.clone());
        }
        let points = std::sync::Arc::new(org::points(self).await?);
        self.hot.lock().expect("hot cache").points =
            Some((std::time::Instant::now(), points.clone()));
        Ok(points)
    }

    /// Reads a setting.
    pub async fn setting(&self, key: &str) -> Result<Option<String>> {
        let mut c = self.reader().await?;
        Ok(
            sqlx::query_scalar("SELECT value FROM settings WHERE key = $1")
                .bind(key)
                .fetch_optional(&mut *c)
                .await?,
        )
    }
}

/// A reader taken at its first use, for work whose reads usually come from the node's
/// copies (calendar, catalog items, points): when they all do, no connection is taken
/// at all — on PostgreSQL a pool checkout and its ping saved on every acceptance.
pub(crate) struct LazyReader<'s> {
    store: &'s Store,
    conn: Option<sqlx::pool::PoolConnection<sqlx::Any>>,
}

impl LazyReader<'_> {
    pub(crate) async fn get(&mut self) -> Result<&mut AnyConnection> {
        if self.conn.is_none() {
            self.conn = Some(self.store.reader().await?);
        }
        Ok(self.conn.as_deref_mut().expect("just taken"))
    }

    /// The first row of `sql`: read on this thread where the database allows it
    /// (`db::direct`, SQLite), otherwise on the reader, taken now if not yet.
    pub(crate) async fn fetch_optional(&mut self, sql: &Sql) -> Result<Option<sqlx::any::AnyRow>> {
        if let Some(row) = self.store.direct.fetch_optional(sql) {
            return row;
        }
        Ok(sql.query().fetch_optional(self.get().await?).await?)
    }
}

/// Writes a setting inside a transaction.
pub async fn put_setting(conn: &mut AnyConnection, key: &str, value: &str) -> Result<()> {
    sqlx::query(
        "INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
    )
    .bind(key)
    .bind(value)
    .execute(conn)
    .await?;
    Ok(())
}

pub fn backend_of(url: &str) -> anyhow::Result<Backend> {
    if url.starts_with("sqlite:") {
        Ok(Backend::Sqlite)
    } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        Ok(Backend::Postgres)
    } else {
        anyhow::bail!("数据库地址应以 sqlite: 或 postgres:// 开头：{url}")
    }
}

/// Makes sure the SQLite file's folder exists and the file is created on first use.
fn prepare_sqlite_url(url: &str) -> anyhow::Result<String> {
    let rest = url.trim_start_matches("sqlite:").trim_start_matches("//");
    let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
    if path != ":memory:"
        && let Some(parent) = std::path::Path::new(path).parent()
        && !parent.as_os_str().is_empty()
    {
        std::fs::create_dir_all(parent)?;
    }
    // A read-only file system (or folder) is named at start, not found by the first
    // write.
    if path != ":memory:" {
        let dir = match std::path::Path::new(path).parent() {
            Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
            _ => std::path::PathBuf::from("."),
        };
        let probe = dir.join(".tongban-write-check");
        match std::fs::write(&probe, b"") {
            Ok(()) => {
                let _ = std::fs::remove_file(&probe);
            }
            Err(e) => anyhow::bail!(
                "数据库所在文件夹 {} 不可写（{}）：请检查文件系统是否为只读、磁盘是否已满以及运行账户的权限",
                dir.display(),
                if e.raw_os_error() == Some(30) {
                    "只读文件系统".to_string()
                } else {
                    e.to_string()
                }
            ),
        }
    }
    let mut q: Vec<&str> = query.split('&').filter(|s| !s.is_empty()).collect();
    if !q.iter().any(|s| s.starts_with("mode=")) {
        q.push("mode=rwc");
    }
    Ok(format!("sqlite://{path}?{}", q.join("&")))
}

/// Reads a flag: booleans are stored as 0/1 integers on both backends, since the
/// `Any` driver cannot decode SQLite booleans.
pub fn flag<I: sqlx::ColumnIndex<sqlx::any::AnyRow>>(
    r: &sqlx::any::AnyRow,
    col: I,
) -> Result<bool> {
    use sqlx::Row;
    Ok(r.try_get::<i64, _>(col)? != 0)
}

/// Lists count their rows up to this many; beyond, they say "more than 10,000"
/// instead of counting the whole table on every page.
pub const COUNT_CAP: i64 = 10_000;

/// How many rows a list has: exact up to `COUNT_CAP`, else only that there are more.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Total {
    pub count: i64,
    /// More rows than `count` (which is then `COUNT_CAP`).
    pub more: bool,
}

impl Total {
    /// From a count taken with `LIMIT COUNT_CAP + 1`.
    pub fn capped(n: i64) -> Self {
        if n > COUNT_CAP {
            Self {
                count: COUNT_CAP,
                more: true,
            }
        } else {
            Self {
                count: n,
                more: false,
            }
        }
    }

    /// Pages of `per_page` rows (at least one), as far as counted.
    pub fn pages(&self, per_page: i64) -> i64 {
        ((self.count + per_page - 1) / per_page.max(1)).max(1)
    }
}

impl std::ops::Add for Total {
    type Output = Total;
    /// Two lists' totals together (each counted up to the cap).
    fn add(self, other: Total) -> Total {
        Total {
            count: self.count + other.count,
            more: self.more || other.more,
        }
    }
}

impl std::fmt::Display for Total {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.more {
            write!(f, "{} 以上", self.count)
        } else {
            write!(f, "{}", self.count)
        }
    }
}

/// One page of a list: its rows, the total as far as counted, and the cursor of the
/// next page (keyset pagination: the sort key of the last row), if there is one.
#[derive(Debug, Clone)]
pub struct Listing<T> {
    pub rows: Vec<T>,
    pub total: Total,
    pub next_cursor: Option<String>,
}

/// Checks a list request's page and page size: page 1 to 100,000, size 1 to `max`
/// (`default` when absent). Returns the page, the size, and the rows to skip.
pub fn paging(
    page: Option<i64>,
    per_page: Option<i64>,
    default: i64,
    max: i64,
) -> Result<(i64, i64, i64)> {
    let page = page.unwrap_or(1);
    if !(1..=100_000).contains(&page) {
        return Err(StoreError::invalid("page", "页码应为1至100000之间的整数"));
    }
    let per_page = per_page.unwrap_or(default);
    if !(1..=max).contains(&per_page) {
        return Err(StoreError::invalid(
            "per_page",
            format!("每页条数应为1至{max}"),
        ));
    }
    Ok((page, per_page, (page - 1) * per_page))
}

/// One whole number from a statement written by this program (seeding, summaries).
pub async fn scalar_i64(conn: &mut AnyConnection, sql: &str) -> Result<i64> {
    Ok(sqlx::query_scalar(sqlx::AssertSqlSafe(sql.to_string()))
        .fetch_one(conn)
        .await?)
}

/// An SQL list `('a', 'b')` of the codes of `values`: the static codes of a domain
/// enum, never input, so a query's list of statuses follows the enum.
pub(crate) fn code_list<T: Copy>(
    values: impl IntoIterator<Item = T>,
    code: impl Fn(T) -> &'static str,
) -> String {
    let codes: Vec<String> = values
        .into_iter()
        .map(|v| format!("'{}'", code(v)))
        .collect();
    format!("({})", codes.join(", "))
}

/// Counts rows of a table (used by tests and the CLI's summaries).
pub async fn count(conn: &mut AnyConnection, table: &'static str) -> Result<i64> {
    let sql = format!("SELECT COUNT(*) FROM {table}");
    Ok(sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
        .fetch_one(conn)
        .await?)
}

/// A statement built at run time with `$n` placeholders, for filters that depend on
/// the request (scoping, search). Values are always bound, never spliced.
#[derive(Default)]
pub struct Sql {
    pub text: String,
    args: Vec<Arg>,
}

#[derive(Clone)]
enum Arg {
    I(i64),
    S(String),
    B(bool),
}

impl Sql {
    pub fn new(text: &str) -> Self {
        Self {
            text: text.to_string(),
            args: vec![],
        }
    }
    pub fn push(&mut self, text: &str) -> &mut Self {
        self.text.push_str(text);
        self
    }
    fn placeholder(&mut self, a: Arg) -> &mut Self {
        self.args.push(a);
        let n = self.args.len();
        self.text.push('$');
        self.text.push_str(&n.to_string());
        self
    }
    pub fn bind_i(&mut self, v: i64) -> &mut Self {
        self.placeholder(Arg::I(v))
    }
    pub fn bind_s(&mut self, v: impl Into<String>) -> &mut Self {
        self.placeholder(Arg::S(v.into()))
    }
    pub fn bind_b(&mut self, v: bool) -> &mut Self {
        self.placeholder(Arg::B(v))
    }
    /// The rows `from` (a `FROM … WHERE 1 = 1`) with these conditions (each ` AND …`)
    /// counted up to `COUNT_CAP` and no further.
    pub async fn count_capped(&self, conn: &mut AnyConnection, from: &str) -> Result<Total> {
        let n: i64 = self
            .with_text(format!(
                "SELECT COUNT(*) FROM (SELECT 1 {from}{} LIMIT {}) t",
                self.text,
                COUNT_CAP + 1
            ))
            .query_scalar()
            .fetch_one(conn)
            .await?;
        Ok(Total::capped(n))
    }
    pub fn query(&self) -> sqlx::query::Query<'_, sqlx::Any, sqlx::any::AnyArguments> {
        let mut q = sqlx::query(sqlx::AssertSqlSafe(self.text.as_str()));
        for a in &self.args {
            q = match a {
                Arg::I(v) => q.bind(*v),
                Arg::S(v) => q.bind(v.as_str()),
                Arg::B(v) => q.bind(*v as i64),
            };
        }
        q
    }
    pub fn query_scalar<T>(
        &self,
    ) -> sqlx::query::QueryScalar<'_, sqlx::Any, T, sqlx::any::AnyArguments>
    where
        T: for<'r> sqlx::Decode<'r, sqlx::Any> + sqlx::Type<sqlx::Any>,
        (T,): for<'r> sqlx::FromRow<'r, sqlx::any::AnyRow>,
    {
        let mut q = sqlx::query_scalar(sqlx::AssertSqlSafe(self.text.as_str()));
        for a in &self.args {
            q = match a {
                Arg::I(v) => q.bind(*v),
                Arg::S(v) => q.bind(v.as_str()),
                Arg::B(v) => q.bind(*v as i64),
            };
        }
        q
    }
}

impl Sql {
    /// The statement text so far.
    pub fn text(&self) -> &str {
        &self.text
    }
    /// The same bound arguments under another statement text.
    pub fn with_text(&self, text: String) -> Sql {
        Sql {
            text,
            args: self.args.clone(),
        }
    }
}

/// A database URL without its password, for messages.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => {
            let creds = &url[s + 3..at];
            match creds.split_once(':') {
                Some((user, _)) => format!("{}://{user}:***{}", &url[..s], &url[at..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

/// The path of a SQLite database file; none in memory or on PostgreSQL.
fn sqlite_path(url: &str, backend: Backend) -> Option<std::path::PathBuf> {
    if backend != Backend::Sqlite {
        return None;
    }
    let rest = url.trim_start_matches("sqlite:").trim_start_matches("//");
    let path = rest.split_once('?').map(|(p, _)| p).unwrap_or(rest);
    (path != ":memory:" && !path.is_empty()).then(|| std::path::PathBuf::from(path))
}

/// The folder of a SQLite database file (`.` for a bare name).
fn sqlite_dir(url: &str, backend: Backend) -> Option<std::path::PathBuf> {
    if backend != Backend::Sqlite {
        return None;
    }
    let rest = url.trim_start_matches("sqlite:").trim_start_matches("//");
    let path = rest.split_once('?').map(|(p, _)| p).unwrap_or(rest);
    if path == ":memory:" {
        return None;
    }
    Some(match std::path::Path::new(path).parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => std::path::PathBuf::from("."),
    })
}

/// Files next to a SQLite database (`objects/` beside the file), under `./data` otherwise.
fn default_files_root(url: &str, backend: Backend) -> std::path::PathBuf {
    if backend == Backend::Sqlite {
        let rest = url.trim_start_matches("sqlite:").trim_start_matches("//");
        let path = rest.split_once('?').map(|(p, _)| p).unwrap_or(rest);
        if let Some(dir) = std::path::Path::new(path).parent()
            && path != ":memory:"
        {
            return dir.join("objects");
        }
    }
    std::path::PathBuf::from("data/objects")
}

/// How long a node trusts its copy of rarely changing reads.
const HOT_TTL: std::time::Duration = std::time::Duration::from_secs(1);

type TokenCache = std::collections::HashMap<String, (std::time::Instant, org::Principal)>;
type ItemCache = std::collections::HashMap<
    (String, chrono::NaiveDate),
    (std::time::Instant, Option<std::sync::Arc<catalog::Item>>),
>;

#[derive(Default)]
struct HotCache {
    office: Option<(std::time::Instant, String)>,
    public_url: Option<(std::time::Instant, Option<String>)>,
    points: Option<(std::time::Instant, std::sync::Arc<Vec<org::Point>>)>,
    windows: Option<(std::time::Instant, std::sync::Arc<Vec<org::Window>>)>,
    phone: Option<(std::time::Instant, String)>,
}

#[cfg(test)]
mod tests {
    use super::{COUNT_CAP, Total};

    #[test]
    fn totals_are_counted_up_to_the_cap() {
        assert_eq!(
            Total::capped(42),
            Total {
                count: 42,
                more: false
            }
        );
        assert_eq!(Total::capped(COUNT_CAP).to_string(), "10000");
        let many = Total::capped(COUNT_CAP + 1);
        assert!(many.more);
        assert_eq!(many.to_string(), "10000 以上");
        assert_eq!(many.pages(30), 334);
        assert_eq!(Total::capped(0).pages(30), 1);
        assert_eq!((Total::capped(3) + many).count, COUNT_CAP + 3);
        assert!((Total::capped(3) + many).more);
    }
}
