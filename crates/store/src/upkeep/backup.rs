//! What a backup holds besides the data: a manifest — when, the schema version, how
//! many cases, work orders and audit entries, the audit chain's head, and the key
//! check (an HMAC of a fixed text under the master key, never the key) — and a
//! consistent copy of a SQLite database taken while it serves (`VACUUM INTO`: one
//! read transaction, so every commit before it is in and none after). Packing the
//! files and restoring them is the command line's business; a PostgreSQL database is
//! backed up with `pg_dump`.

use crate::{Backend, Result, Store, StoreError, time};
use serde::{Deserialize, Serialize};
use sqlx::Row;

/// The format of the manifest, so a restore knows what it reads.
pub const FORMAT: &str = "tongban-backup-1";

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Manifest {
    pub format: String,
    pub created_at: String,
    pub schema_version: i64,
    pub cases: i64,
    pub work_orders: i64,
    pub audit_entries: i64,
    pub audit_seq: i64,
    pub audit_hash: String,
    /// The key check of the key the data was written under.
    pub key_check: String,
    /// Uploaded files packed beside the database.
    pub files: i64,
}

/// The counts and the audit head as they stand on `conn` (one snapshot).
async fn counted(conn: &mut sqlx::AnyConnection) -> Result<(i64, i64, i64, i64, String, i64)> {
    let count = |table: &'static str| format!("SELECT COUNT(*) FROM {table}");
    let mut n = vec![];
    for t in ["cases", "work_orders", "audit_log"] {
        n.push(
            sqlx::query_scalar::<_, i64>(sqlx::AssertSqlSafe(count(t)))
                .fetch_one(&mut *conn)
                .await?,
        );
    }
    let head = sqlx::query("SELECT seq, hash FROM audit_head WHERE id = 1")
        .fetch_one(&mut *conn)
        .await?;
    let version: i64 =
        sqlx::query_scalar("SELECT COALESCE(MAX(version), 0) FROM schema_migrations")
            .fetch_one(&mut *conn)
            .await?;
    Ok((
        n[0],
        n[1],
        n[2],
        head.try_get(0)?,
        head.try_get(1)?,
        version,
    ))
}

/// The manifest of what `conn` holds now.
pub async fn manifest_of(
    store: &Store,
    conn: &mut sqlx::AnyConnection,
    files: i64,
) -> Result<Manifest> {
    let (cases, work_orders, audit_entries, audit_seq, audit_hash, schema_version) =
        counted(conn).await?;
    Ok(Manifest {
        format: FORMAT.into(),
        created_at: time::stamp(time::now()),
        schema_version,
        cases,
        work_orders,
        audit_entries,
        audit_seq,
        audit_hash,
        key_check: store.keys().key_check(),
        files,
    })
}

/// Copies a SQLite database, consistently, to `path` (which must not exist), and
/// returns the manifest of exactly what the copy holds.
pub async fn copy_sqlite(store: &Store, path: &std::path::Path) -> Result<Manifest> {
    if store.backend() != Backend::Sqlite {
        return Err(StoreError::invalid(
            "db",
            "PostgreSQL 数据库请用 pg_dump 备份（见 README）",
        ));
    }
    let target = path
        .to_str()
        .ok_or_else(|| StoreError::invalid("out", "备份文件路径须为 UTF-8"))?;
    // One statement, one read transaction: the copy is a snapshot.
    let mut conn = store.reader().await?;
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "VACUUM INTO '{}'",
        target.replace('\'', "''")
    )))
    .execute(&mut *conn)
    .await?;
    drop(conn);
    // The manifest counts what the copy holds, not what the live database holds by now.
    let url = format!("sqlite://{target}?mode=ro");
    let mut copy = <sqlx::AnyConnection as sqlx::Connection>::connect(&url).await?;
    let m = manifest_of(store, &mut copy, 0).await;
    let _ = sqlx::Connection::close(copy).await;
    m
}

/// The schema version of the database at `url`, read without opening it as a store
/// (so no migration runs): `None` for a database without the platform's tables.
pub async fn schema_version_at(url: &str) -> anyhow::Result<Option<i64>> {
    sqlx::any::install_default_drivers();
    let mut c = <sqlx::AnyConnection as sqlx::Connection>::connect(url).await?;
    let v: std::result::Result<Option<i64>, _> =
        sqlx::query_scalar("SELECT MAX(version) FROM schema_migrations")
            .fetch_one(&mut c)
            .await;
    let _ = sqlx::Connection::close(c).await;
    Ok(v.ok().flatten())
}

/// Whether a restored database holds what its manifest says.
pub async fn matches(store: &Store, m: &Manifest) -> Result<Vec<String>> {
    let mut conn = store.reader().await?;
    let (cases, orders, entries, seq, hash, version) = counted(&mut conn).await?;
    let mut out = vec![];
    for (what, have, want) in [
        ("办件", cases, m.cases),
        ("12345工单", orders, m.work_orders),
        ("审计记录", entries, m.audit_entries),
        ("审计链序号", seq, m.audit_seq),
    ] {
        if have != want {
            out.push(format!("{what}：备份清单为 {want}，恢复后为 {have}"));
        }
    }
    if hash != m.audit_hash {
        out.push("审计链链头与备份清单不符".into());
    }
    if version < m.schema_version {
        out.push(format!(
            "数据库结构版本 {version} 低于备份清单的 {}",
            m.schema_version
        ));
    }
    Ok(out)
}
