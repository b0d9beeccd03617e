//! Attempt throttles kept in the database, so every node counts the same failures:
//! sign-in by address and by account, real-name proofs by ID number and phone, the
//! public progress query by address. A key over its limit waits a while (longer on
//! each further failure, up to a cap); nothing locks an owner out for good, and an
//! attacker at one address cannot slow the owner at another.

use crate::{Result, Store, StoreError, time};
use chrono::Duration;

/// How many failures a key may have within a window, and how long it then waits.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub max: i64,
    pub window_secs: i64,
    /// The first wait once over the limit; each further failure doubles it.
    pub wait_secs: i64,
    pub cap_secs: i64,
}

/// Staff sign-in, per address and account together: five tries, then a wait that
/// grows from 30 seconds.
pub const LOGIN_PAIR: Limits = Limits {
    max: 5,
    window_secs: 900,
    wait_secs: 30,
    cap_secs: 900,
};
/// Staff sign-in, per address over all accounts.
pub const LOGIN_ADDRESS: Limits = Limits {
    max: 30,
    window_secs: 900,
    wait_secs: 60,
    cap_secs: 900,
};
/// Staff sign-in, per account over all addresses: generous, and only ever a short
/// wait, so many addresses cannot lock the owner out.
pub const LOGIN_ACCOUNT: Limits = Limits {
    max: 50,
    window_secs: 900,
    wait_secs: 2,
    cap_secs: 30,
};
/// Real-name proofs that failed, per ID number and per phone.
pub const REALNAME: Limits = Limits {
    max: 5,
    window_secs: 3600,
    wait_secs: 600,
    cap_secs: 3600,
};
/// Wrong ID endings on the public progress query, per address.
pub const PROGRESS_ADDRESS: Limits = Limits {
    max: 10,
    window_secs: 3600,
    wait_secs: 300,
    cap_secs: 3600,
};

/// Wrong ID endings on one case, over all addresses: only ever a short wait.
pub const PROGRESS_CASE: Limits = Limits {
    max: 30,
    window_secs: 3600,
    wait_secs: 5,
    cap_secs: 60,
};

/// Refuses while any of `keys` waits after too many failures (one read for all).
pub async fn check(store: &Store, keys: &[&str]) -> Result<()> {
    let mut sql = crate::Sql::new("SELECT MAX(blocked_until) FROM throttle WHERE key IN (");
    for (i, k) in keys.iter().enumerate() {
        if i > 0 {
            sql.push(", ");
        }
        sql.bind_s(*k);
    }
    sql.push(")");
    let mut c = store.reader().await?;
    let until: Option<String> = sql.query_scalar().fetch_one(&mut *c).await?;
    match until.as_deref().and_then(time::parse_stamp) {
        Some(u) if u > time::now() => Err(waiting(u - time::now())),
        _ => Ok(()),
    }
}

fn waiting(left: Duration) -> StoreError {
    let secs = left.num_seconds().max(1);
    let when = if secs < 120 {
        format!("{secs}秒")
    } else {
        format!("{}分钟", (secs + 59) / 60)
    };
    StoreError::Locked(format!("尝试次数过多，请{when}后再试"))
}

/// Counts a failure of `key`; past the limit the key waits.
pub async fn fail(store: &Store, key: &str, limits: Limits) -> Result<()> {
    let key = key.to_string();
    store
        .write(move |conn| {
            let key = key.clone();
            Box::pin(async move { fail_in(conn, &key, limits).await })
        })
        .await
}

/// [`fail`] inside the caller's transaction.
pub async fn fail_in(conn: &mut sqlx::AnyConnection, key: &str, limits: Limits) -> Result<()> {
    let now = time::now();
    let window_from = time::stamp(now - Duration::seconds(limits.window_secs));
    let failures: i64 = sqlx::query_scalar(
        "INSERT INTO throttle (key, failures, window_start, blocked_until) VALUES ($1, 1, $2, NULL) \
         ON CONFLICT (key) DO UPDATE SET \
           failures = CASE WHEN throttle.window_start > $3 THEN throttle.failures + 1 ELSE 1 END, \
           window_start = CASE WHEN throttle.window_start > $3 THEN throttle.window_start ELSE $2 END \
         RETURNING failures",
    )
    .bind(key)
    .bind(time::stamp(now))
    .bind(window_from)
    .fetch_one(&mut *conn)
    .await?;
    if failures >= limits.max {
        let doublings = (failures - limits.max).min(20) as u32;
        let wait = (limits.wait_secs.saturating_mul(1i64 << doublings)).min(limits.cap_secs);
        sqlx::query("UPDATE throttle SET blocked_until = $1 WHERE key = $2")
            .bind(time::stamp(now + Duration::seconds(wait)))
            .bind(key)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

/// Forgets the failures of `key` (after a success).
pub async fn clear_in(conn: &mut sqlx::AnyConnection, key: &str) -> Result<()> {
    sqlx::query("DELETE FROM throttle WHERE key = $1")
        .bind(key)
        .execute(conn)
        .await?;
    Ok(())
}
