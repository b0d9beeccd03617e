//! A calendar year imported (seeded from the State Council's notices, or entered by
//! an administrator for a new year): its days written, the open cases' weekday-only
//! deadline estimates made exact, and the 12345 counters that count working days
//! refilled, all in one transaction with its audit record.

use crate::audit::{self, Actor};
use crate::{Result, Store, StoreError, calendar, cases, stats, time};
use tongban_domain::calendar::Calendar;

/// Adds (or replaces) the schedules of the years in `cal`: its special days and its
/// known years. Used to seed from the CSV and by administrators for a new year.
pub async fn import(store: &Store, cal: &Calendar, source: &str, actor: &Actor) -> Result<usize> {
    let years: Vec<i32> = cal.known_years().collect();
    if years.is_empty() {
        return Err(StoreError::invalid("year", "日历中没有任何年份"));
    }
    let mut tx = store.begin().await?;
    let now = time::stamp(time::now());
    let n = calendar::write_years(&mut tx, cal, source, &now).await?;
    // Deadlines that were weekday-only estimates become exact under the new schedule.
    let full = calendar::read(&mut tx).await?;
    let recomputed = cases::recompute_estimated(&mut tx, &full).await?;
    if recomputed > 0 {
        tracing::info!(recomputed, "estimated deadlines recomputed");
    }
    // The 12345 response rate counts working days: its kept counters follow the new
    // schedule in the same transaction.
    stats::fill(&mut tx, store.backend(), &[&stats::ORDERS], &full).await?;
    let list: Vec<String> = years.iter().map(|y| y.to_string()).collect();
    audit::append(
        &mut tx,
        store.keys(),
        actor,
        "calendar.import",
        "calendar",
        &list.join(","),
        serde_json::json!({ "source": source, "days": n }),
    )
    .await?;
    tx.commit().await?;
    calendar::forget(store);
    Ok(n)
}

/// Seeds the calendar from the bundled national file when the database has none.
pub async fn seed_if_empty(store: &Store) -> Result<()> {
    let mut conn = store.reader().await?;
    let n = crate::count(&mut conn, "calendar_years").await?;
    drop(conn);
    if n == 0 {
        let cal = Calendar::from_csv(calendar::NATIONAL_CSV)
            .map_err(|e| StoreError::Other(anyhow::anyhow!("{e}")))?;
        import(
            store,
            &cal,
            "国务院办公厅节假日安排通知（cn-calendar.csv）",
            &Actor::system("seed"),
        )
        .await?;
    }
    Ok(())
}
