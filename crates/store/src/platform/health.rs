//! Whether this node can read and write its database, and why not: a full disk, a
//! read-only file system or database, an I/O error. Writes that fail for such a
//! reason are answered with a clear message (503); `/healthz` checks the free space
//! beside a SQLite file and makes a small write, so it says why until writes succeed
//! again. Nothing needs a restart: a connection left in a broken transaction is
//! closed and replaced (see `writer` and the pool's `before_acquire`).

use crate::{Backend, Store, StoreError};

/// Free space below which a SQLite database's disk counts as full.
pub const MIN_FREE_BYTES: u64 = 4 * 1024 * 1024;

/// Why the database cannot take writes, if an error says so.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    Full,
    ReadOnly,
    Io,
}

impl Fault {
    pub fn message(self) -> &'static str {
        match self {
            Self::Full => {
                "数据库所在磁盘空间已满，暂时无法保存：请联系系统管理员清理磁盘。已保存的数据不受影响"
            }
            Self::ReadOnly => {
                "数据库处于只读状态，暂时无法保存：请联系系统管理员。已保存的数据不受影响"
            }
            Self::Io => "数据库读写出错，暂时无法保存，请稍后再试。已保存的数据不受影响",
        }
    }
}

/// Classifies a database error: SQLite's FULL, READONLY, IOERR and CANTOPEN result
/// codes (extended codes included), PostgreSQL's disk-full, read-only-transaction and
/// I/O states, and I/O errors of the connection.
pub fn fault(e: &sqlx::Error) -> Option<Fault> {
    match e {
        sqlx::Error::Database(d) => {
            let code = d.code().map(|c| c.to_string()).unwrap_or_default();
            let msg = d.message().to_ascii_lowercase();
            // PostgreSQL's SQLSTATEs first (five characters, some all digits).
            match code.as_str() {
                "53100" => return Some(Fault::Full),
                "25006" => return Some(Fault::ReadOnly),
                "58030" => return Some(Fault::Io),
                _ => {}
            }
            if code.len() < 5
                && let Ok(n) = code.parse::<i64>()
            {
                // SQLite's result codes, extended ones included.
                return match n & 0xff {
                    13 => Some(Fault::Full),
                    8 => Some(Fault::ReadOnly),
                    10 | 14 => Some(Fault::Io),
                    _ => None,
                };
            }
            if msg.contains("disk is full") {
                Some(Fault::Full)
            } else if msg.contains("readonly") || msg.contains("read-only") {
                Some(Fault::ReadOnly)
            } else {
                None
            }
        }
        sqlx::Error::Io(_) => Some(Fault::Io),
        _ => None,
    }
}

impl StoreError {
    /// The storage fault behind this error, if any.
    pub fn fault(&self) -> Option<Fault> {
        match self {
            StoreError::Db(e) => fault(e),
            _ => None,
        }
    }
}

impl Store {
    /// Checks that the database answers reads and takes a write; the reason if not.
    pub async fn health(&self) -> Result<(), String> {
        let mut c = self
            .reader()
            .await
            .map_err(|e| format!("数据库无法连接：{e}"))?;
        crate::count(&mut c, "schema_migrations")
            .await
            .map_err(|e| format!("数据库无法读取：{e}"))?;
        drop(c);
        if self.backend() == Backend::Sqlite
            && let Some(dir) = self.sqlite_dir()
            && let Ok(free) = fs4::available_space(&dir)
            && free < MIN_FREE_BYTES
        {
            return Err(format!("数据库所在磁盘空间已满（剩余 {} KB）", free / 1024));
        }
        let probe = self
            .write(|conn| {
                Box::pin(async move {
                    crate::put_setting(
                        conn,
                        "health_probe",
                        &crate::time::stamp(crate::time::now()),
                    )
                    .await
                })
            })
            .await;
        probe.map_err(|e| match e.fault() {
            Some(f) => f.message().to_string(),
            None => format!("数据库无法写入：{e}"),
        })
    }
}

/// Figures an operator's monitoring reads from the database.
#[derive(Debug, Clone, Copy)]
pub struct Gauges {
    /// Entries in the audit chain (its head's sequence number).
    pub audit_entries: i64,
    /// Text messages kept in the outbox.
    pub sms_outbox: i64,
}

/// The database's figures for `/metrics`.
pub async fn gauges(store: &Store) -> crate::Result<Gauges> {
    let mut c = store.reader().await?;
    let audit_entries: i64 = sqlx::query_scalar("SELECT seq FROM audit_head WHERE id = 1")
        .fetch_one(&mut *c)
        .await?;
    let sms_outbox = crate::count(&mut c, "sms_outbox").await?;
    Ok(Gauges {
        audit_entries,
        sms_outbox,
    })
}
