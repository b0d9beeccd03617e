//! Migrations: one SQL source for both backends, applied in order and recorded in
//! `schema_migrations`. On PostgreSQL an advisory lock keeps nodes that start together
//! from applying the same migration twice.

use crate::{Backend, Store};
use anyhow::Context;
use sqlx::{Connection, Executor};

const MIGRATIONS: &[(i64, &str, &str)] = &[
    (
        1,
        "foundation",
        include_str!("../migrations/0001_foundation.sql"),
    ),
    (
        2,
        "web sessions",
        include_str!("../migrations/0002_sessions.sql"),
    ),
    (
        3,
        "applicant proof limits",
        include_str!("../migrations/0003_verify_limits.sql"),
    ),
    (
        4,
        "electronic licenses",
        include_str!("../migrations/0004_licenses.sql"),
    ),
    (
        5,
        "applicants, SMS outbox and uploads",
        include_str!("../migrations/0005_applicants.sql"),
    ),
    (
        6,
        "12345 hotline",
        include_str!("../migrations/0006_hotline.sql"),
    ),
    (
        7,
        "hotline knowledge base",
        include_str!("../migrations/0007_kb.sql"),
    ),
    (
        8,
        "12345 work-order rules",
        include_str!("../migrations/0008_hotline_rules.sql"),
    ),
    (
        9,
        "12345 intake channels and call records",
        include_str!("../migrations/0009_calls.sql"),
    ),
    (
        10,
        "12345 dispatch catalog",
        include_str!("../migrations/0010_dispatch.sql"),
    ),
    (
        11,
        "figures kept per day",
        include_str!("../migrations/0011_stats.sql"),
    ),
    (
        12,
        "hotline, rating and call figures kept per day",
        include_str!("../migrations/0012_stats_hotline.sql"),
    ),
    (
        13,
        "real-name bindings, throttles, license check tokens",
        include_str!("../migrations/0013_security.sql"),
    ),
    (
        14,
        "the window's visit rating apart from the applicant's",
        include_str!("../migrations/0014_rating_kinds.sql"),
    ),
    (
        15,
        "supplement deadlines, halted and terminated cases",
        include_str!("../migrations/0015_supplement_deadlines.sql"),
    ),
    (
        16,
        "decisions delivered within ten working days",
        include_str!("../migrations/0016_delivery.sql"),
    ),
    (
        17,
        "12345 rates as offices compute them; one satisfaction scale",
        include_str!("../migrations/0017_hotline_rates.sql"),
    ),
    (
        18,
        "bad ratings verified, appealed and reviewed; the rated staff member",
        include_str!("../migrations/0018_rating_review.sql"),
    ),
    (
        19,
        "容缺受理, 告知承诺制, agents and 帮办代办",
        include_str!("../migrations/0019_approval_modes.sql"),
    ),
    (
        20,
        "display links for the wall screen",
        include_str!("../migrations/0020_display_links.sql"),
    ),
    (
        21,
        "search by aliases, themes and synonyms; points' hours and phones, windows' places; photos of web requests",
        include_str!("../migrations/0021_search_and_guides.sql"),
    ),
    (
        22,
        "indexes that serve the staff lists' sorts",
        include_str!("../migrations/0022_list_indexes.sql"),
    ),
    (
        23,
        "construction projects",
        include_str!("../migrations/0023_projects.sql"),
    ),
    (
        24,
        "joint completion acceptance; certificates in the license registry",
        include_str!("../migrations/0024_acceptances.sql"),
    ),
    (
        25,
        "stages of parallel approval, the applications that open their cases, coordination problems",
        include_str!("../migrations/0025_stages.sql"),
    ),
    (
        26,
        "business registration: market entities with their credit codes, registration applications, their counters",
        include_str!("../migrations/0026_registration.sql"),
    ),
    (
        27,
        "the catalog's reform decisions with their document numbers",
        include_str!("../migrations/0027_catalog_reforms.sql"),
    ),
    (
        28,
        "application forms, automatic approval (秒批) and its after-checks",
        include_str!("../migrations/0028_auto_approval.sql"),
    ),
    (
        29,
        "one-thing bundles (一件事一次办) and their applications",
        include_str!("../migrations/0029_bundles.sql"),
    ),
    (
        30,
        "window supervision's registers: banners and innovation measures; praise calls counted",
        include_str!("../migrations/0030_commendations.sql"),
    ),
    (
        31,
        "monthly patrols of the windows with their checklists and photos",
        include_str!("../migrations/0031_patrols.sql"),
    ),
    (
        32,
        "mystery visits imported from the third party's workbook",
        include_str!("../migrations/0032_mystery_visits.sql"),
    ),
    (
        33,
        "the weights of the quarterly window assessment; late closings counted",
        include_str!("../migrations/0033_window_assessment.sql"),
    ),
    (
        34,
        "key projects hooked to the enterprise complaint center and their weekly progress",
        include_str!("../migrations/0034_key_projects.sql"),
    ),
    (
        35,
        "enterprise complaints, the enterprises' contacts and sessions",
        include_str!("../migrations/0035_complaints.sql"),
    ),
    (
        36,
        "quarterly satisfaction surveys of departments: questionnaires, distributors, one-time links, answers",
        include_str!("../migrations/0036_surveys.sql"),
    ),
    (
        37,
        "coordination problems on projects counted as raised and resolved",
        include_str!("../migrations/0037_problem_counts.sql"),
    ),
    (
        38,
        "public resource trading: the trading systems' announcements and their keys",
        include_str!("../migrations/0038_trading.sql"),
    ),
    (
        39,
        "bidders' and suppliers' credit information from the trading systems",
        include_str!("../migrations/0039_trading_credit.sql"),
    ),
    (
        40,
        "intermediary agencies, their qualifications and penalties, and the service market's requests and quotes",
        include_str!("../migrations/0040_intermediaries.sql"),
    ),
    (
        41,
        "the lots of trading projects and the bids received",
        include_str!("../migrations/0041_trading_lots_bids.sql"),
    ),
    (
        42,
        "case seals in a table of their own",
        include_str!("../migrations/0042_case_seals.sql"),
    ),
    (
        43,
        "fewer index entries for each new case",
        include_str!("../migrations/0043_case_indexes.sql"),
    ),
    (
        44,
        "a case's events read from one index range",
        include_str!("../migrations/0044_case_event_index.sql"),
    ),
    (
        45,
        "a case's view kept beside it for lookups",
        include_str!("../migrations/0045_case_views.sql"),
    ),
    (
        46,
        "case views kept in the view's field order",
        include_str!("../migrations/0046_case_views_in_field_order.sql"),
    ),
];

fn dialect(sql: &str, backend: Backend) -> String {
    let id = match backend {
        Backend::Sqlite => "INTEGER PRIMARY KEY",
        Backend::Postgres => "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY",
    };
    // 32 hex digits from the database's strong random source.
    let token = match backend {
        Backend::Sqlite => "lower(hex(randomblob(16)))",
        Backend::Postgres => "replace(gen_random_uuid()::text, '-', '')",
    };
    let out = sql.replace("{id}", id).replace("{random_token}", token);
    // `{reset_id:TABLE}`: after rows were copied with their ids, PostgreSQL's identity
    // sequence moves past them (SQLite's rowid needs nothing).
    let out = expand(out, "{reset_id:", |table| match backend {
        Backend::Sqlite => "SELECT 1".to_string(),
        Backend::Postgres => format!(
            "SELECT setval(pg_get_serial_sequence('{table}', 'id'), COALESCE((SELECT MAX(id) FROM {table}), 0) + 1, false)"
        ),
    });
    // `{sqlite_only:STATEMENT}`: a statement for SQLite alone (an index PostgreSQL
    // could not hold, say); PostgreSQL runs nothing in its place.
    expand(out, "{sqlite_only:", |stmt| match backend {
        Backend::Sqlite => stmt.to_string(),
        Backend::Postgres => "SELECT 1".to_string(),
    })
}

/// Replaces each `{token:ARGUMENT}` (`open` is `{token:`) by what `with` makes of
/// its argument.
fn expand(mut out: String, open: &str, with: impl Fn(&str) -> String) -> String {
    while let Some(start) = out.find(open) {
        let Some(len) = out[start..].find('}') else {
            break;
        };
        let made = with(&out[start + open.len()..start + len]);
        out.replace_range(start..=start + len, &made);
    }
    out
}

pub async fn run(store: &Store) -> anyhow::Result<()> {
    let mut conn = store.write.acquire().await?;
    if store.backend == Backend::Postgres {
        conn.execute("SELECT pg_advisory_lock(7405730)").await?;
    }
    let result = apply(&mut conn, store).await;
    if store.backend == Backend::Postgres {
        conn.execute("SELECT pg_advisory_unlock(7405730)").await?;
    }
    result
}

/// Whether to copy a SQLite database before upgrading it (on unless
/// `TONGBAN_BACKUP_BEFORE_MIGRATE` is `0`, `false` or `no`).
fn copy_before_upgrade() -> bool {
    !matches!(
        std::env::var("TONGBAN_BACKUP_BEFORE_MIGRATE")
            .unwrap_or_default()
            .trim(),
        "0" | "false" | "no"
    )
}

/// Applies the migrations this database lacks, all in one transaction (a failure
/// leaves it as it was), after copying a SQLite database that holds data beside
/// itself; a database newer than this binary is refused.
async fn apply(conn: &mut sqlx::AnyConnection, store: &Store) -> anyhow::Result<()> {
    let backend = store.backend;
    conn.execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)",
    )
    .await?;
    let applied: Vec<i64> = sqlx::query_scalar("SELECT version FROM schema_migrations")
        .fetch_all(&mut *conn)
        .await?;
    if let Some(newest) = applied.iter().max().filter(|v| **v > latest()) {
        anyhow::bail!(
            "数据库结构版本为 {newest}，比本程序支持的版本 {} 新：请使用与该数据库相符的新版本 tongban（旧版本程序不能打开升级后的数据库）",
            latest()
        );
    }
    let pending: Vec<&(i64, &str, &str)> = MIGRATIONS
        .iter()
        .filter(|m| !applied.contains(&m.0))
        .collect();
    if pending.is_empty() {
        return Ok(());
    }
    if backend == Backend::Sqlite
        && !applied.is_empty()
        && copy_before_upgrade()
        && let Some(file) = &store.sqlite_file
    {
        let from = applied.iter().max().copied().unwrap_or(0);
        let stem = file
            .file_stem()
            .map(|s| s.to_string_lossy().to_string())
            .unwrap_or_else(|| "tongban".into());
        let at = chrono::Utc::now().format("%Y%m%d%H%M%S");
        let copy = file.with_file_name(format!("{stem}.before-v{from}-to-v{}-{at}.db", latest()));
        let path = copy.display().to_string();
        conn.execute(sqlx::AssertSqlSafe(format!(
            "VACUUM INTO '{}'",
            path.replace('\'', "''")
        )))
        .await?;
        tracing::warn!(copy = %path, from, to = latest(), "数据库升级前已备份");
        eprintln!(
            "升级数据库（结构版本 {from} → {}）前已备份到 {path}",
            latest()
        );
    }
    let mut tx = conn.begin().await?;
    for (version, name, sql) in pending {
        tracing::info!(version, name, "applying migration");
        // Comment lines go first: they may contain semicolons.
        let body: String = dialect(sql, backend)
            .lines()
            .filter(|l| !l.trim_start().starts_with("--"))
            .collect::<Vec<_>>()
            .join("\n");
        for stmt in body.split(';') {
            let body = stmt.trim().to_string();
            if body.is_empty() {
                continue;
            }
            tx.execute(sqlx::AssertSqlSafe(body))
                .await
                .with_context(|| format!("迁移 {version}（{name}）失败，数据库未作任何改动"))?;
        }
        sqlx::query(
            "INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)",
        )
        .bind(*version)
        .bind(*name)
        .bind(crate::time::stamp(crate::time::now()))
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    Ok(())
}

/// The newest migration version this binary knows.
pub fn latest() -> i64 {
    MIGRATIONS.last().map(|m| m.0).unwrap_or(0)
}
