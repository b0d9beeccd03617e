//! The official working-day calendar kept in the database: seeded from the State
//! Council's notices (`cn-calendar.csv`), extended by administrators year by year.
//! Nodes cache the parsed calendar and reload it when its version changes.

use crate::{Result, Store, put_setting, time};
use sqlx::{AnyConnection, Row};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// How long a node trusts the calendar version it last read.
const RECHECK: Duration = Duration::from_secs(1);

/// The parsed calendar a node holds, with the version it was read at.
pub struct Cached {
    version: String,
    checked: Instant,
    calendar: Arc<Calendar>,
}
use tongban_domain::calendar::{Calendar, DayKind, SpecialDay};

fn kind_str(k: DayKind) -> &'static str {
    match k {
        DayKind::Holiday => "holiday",
        DayKind::Workday => "workday",
    }
}

/// The calendar in force, from the cache when its version is current.
pub async fn load(store: &Store, conn: &mut AnyConnection) -> Result<Arc<Calendar>> {
    if let Some(c) = fresh(store) {
        return Ok(c);
    }
    // What is read here is kept only if no commit of this node came between (a
    // calendar read before a change must not outlive it in a view: `views`), and is
    // aged from before the read.
    let (change, asked) = (store.views().change_now(), Instant::now());
    let version: Option<String> =
        sqlx::query_scalar("SELECT value FROM settings WHERE key = 'calendar_version'")
            .fetch_optional(&mut *conn)
            .await?;
    let version = version.unwrap_or_default();
    if let Some(c) = store
        .calendar_cache
        .lock()
        .expect("calendar cache lock")
        .as_mut()
        && c.version == version
    {
        if store.views().change_now() == change {
            c.checked = asked;
        }
        return Ok(c.calendar.clone());
    }
    let cal = Arc::new(read(conn).await?);
    if store.views().change_now() == change {
        *store.calendar_cache.lock().expect("calendar cache lock") = Some(Cached {
            version,
            checked: asked,
            calendar: cal.clone(),
        });
    }
    Ok(cal)
}

/// The cached calendar, if its version was checked within the last second: other
/// nodes see an administrator's change at most a second late, and hot paths skip a
/// query.
fn fresh(store: &Store) -> Option<Arc<Calendar>> {
    store
        .calendar_cache
        .lock()
        .expect("calendar cache lock")
        .as_ref()
        .filter(|c| c.checked.elapsed() < RECHECK)
        .map(|c| c.calendar.clone())
}

/// The calendar in force, taking the reader only when the cached copy is stale.
pub(crate) async fn load_lazy(
    store: &Store,
    rd: &mut crate::LazyReader<'_>,
) -> Result<Arc<Calendar>> {
    match fresh(store) {
        Some(c) => Ok(c),
        None => load(store, rd.get().await?).await,
    }
}

/// The calendar, read on a fresh connection.
pub async fn current(store: &Store) -> Result<Arc<Calendar>> {
    let mut conn = store.reader().await?;
    load(store, &mut conn).await
}

/// Writes the schedules of the years in `cal` (its special days and its known years)
/// in the caller's transaction, replacing those years; the special days written.
/// Importing a year is more than this (deadlines and counters follow it): see
/// `upkeep::calendar_year`.
pub(crate) async fn write_years(
    conn: &mut AnyConnection,
    cal: &Calendar,
    source: &str,
    now: &str,
) -> Result<usize> {
    for y in cal.known_years() {
        sqlx::query("DELETE FROM calendar_days WHERE day >= $1 AND day <= $2")
            .bind(format!("{y:04}-01-01"))
            .bind(format!("{y:04}-12-31"))
            .execute(&mut *conn)
            .await?;
        sqlx::query(
            "INSERT INTO calendar_years (year, source, added_at) VALUES ($1, $2, $3) \
             ON CONFLICT (year) DO UPDATE SET source = excluded.source, added_at = excluded.added_at",
        )
        .bind(y as i64)
        .bind(source)
        .bind(now)
        .execute(&mut *conn)
        .await?;
    }
    let mut n = 0;
    for d in cal.special_days() {
        sqlx::query("INSERT INTO calendar_days (day, kind, festival) VALUES ($1, $2, $3)")
            .bind(time::day(d.date))
            .bind(kind_str(d.kind))
            .bind(&d.festival)
            .execute(&mut *conn)
            .await?;
        n += 1;
    }
    put_setting(conn, "calendar_version", &format!("{now}/{n}")).await?;
    Ok(n)
}

/// Makes this node read the calendar anew at its next use.
pub(crate) fn forget(store: &Store) {
    *store.calendar_cache.lock().expect("calendar cache lock") = None;
    // Views built from the old calendar since the commit are not answered again.
    store.views().moved();
}

/// The State Council's holiday schedules 2004–2026, shipped in the binary.
pub const NATIONAL_CSV: &str = include_str!("../../../../assets/cn-calendar.csv");

/// The whole calendar as stored.
pub(crate) async fn read(conn: &mut AnyConnection) -> Result<Calendar> {
    let years: Vec<i64> = sqlx::query_scalar("SELECT year FROM calendar_years")
        .fetch_all(&mut *conn)
        .await?;
    let rows = sqlx::query("SELECT day, kind, festival FROM calendar_days")
        .fetch_all(&mut *conn)
        .await?;
    let mut days = Vec::with_capacity(rows.len());
    for r in rows {
        let day: String = r.try_get(0)?;
        let kind: String = r.try_get(1)?;
        let Some(date) = time::parse_day(&day) else {
            continue;
        };
        days.push(SpecialDay {
            date,
            kind: if kind == "workday" {
                DayKind::Workday
            } else {
                DayKind::Holiday
            },
            festival: r.try_get(2)?,
        });
    }
    Ok(Calendar::new(days, years.into_iter().map(|y| y as i32)))
}
