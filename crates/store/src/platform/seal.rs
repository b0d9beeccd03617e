//! Row seals (封存): the audit chain proves what happened; a seal proves a case's or an
//! account's current row is the state the last audited change left. Each is a keyed
//! SM3 MAC over the row's audited columns (for a case, with the number and the last
//! id of its events), renewed in the transaction of every audited change. A row edited
//! in the database (a case's applicant or status, a deleted event, a member promoted
//! to administrator) no longer matches its seal, and `audit verify` names it. A case's
//! seal is kept beside it in `case_seals` (one narrow row, cheap to renew); an
//! account's on its own row.

use crate::audit::{self, Actor};
use crate::db::pending;
use crate::db::pending::BoxFuture;
use crate::{Keys, Result, Store, StoreError};
use sqlx::{AnyConnection, Row};
use std::collections::BTreeSet;

/// The audited columns of a case (deadlines are left out: they follow the calendar).
const CASE_COLUMNS: &[&str] = &[
    "case_no",
    "item_id",
    "item_version",
    "department_id",
    "point_id",
    "channel",
    "status",
    "applicant_kind",
    "applicant_name",
    "id_number_enc",
    "id_number_digest",
    "credit_code",
    "phone_enc",
    "submitted_at",
    "accepted_at",
    "decided_at",
    "closed_at",
    "extension_days",
    "result",
    "document_no",
    "reason",
];

/// The audited columns of a staff account (not the last TOTP step or failure counts).
const USER_COLUMNS: &[&str] = &[
    "username",
    "display_name",
    "role",
    "department_id",
    "point_id",
    "password_hash",
    "active",
    "totp_enabled",
    "totp_secret_enc",
    "must_change_password",
];

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Kind {
    Case,
    User,
}

impl Kind {
    fn table(self) -> &'static str {
        match self {
            Self::Case => "cases",
            Self::User => "users",
        }
    }
    fn label(self) -> &'static str {
        match self {
            Self::Case => "办件",
            Self::User => "账户",
        }
    }
    /// The columns read for a seal: the row's key for messages, then the sealed text.
    fn select(self) -> String {
        let cols = match self {
            Self::Case => CASE_COLUMNS,
            Self::User => USER_COLUMNS,
        };
        let mut parts: Vec<String> = cols
            .iter()
            .map(|c| format!("COALESCE(CAST(t.{c} AS TEXT), '\u{2205}')"))
            .collect();
        if self == Self::Case {
            parts.push(
                "CAST((SELECT COUNT(*) FROM case_events e WHERE e.case_id = t.id) AS TEXT)".into(),
            );
            parts.push(
                "COALESCE(CAST((SELECT MAX(e.id) FROM case_events e WHERE e.case_id = t.id) AS TEXT), '')"
                    .into(),
            );
        }
        let (key, from) = match self {
            Self::Case => (
                "t.case_no",
                "cases t LEFT JOIN case_seals s ON s.case_id = t.id",
            ),
            Self::User => ("t.username", "users t"),
        };
        format!(
            "SELECT t.id, {key}, {}, {} FROM {from}",
            self.seal_column(),
            parts.join(" || '\u{1f}' || "),
        )
    }
    /// Where the row's seal is read in `select`: a case's in `case_seals`, an
    /// account's on its row.
    fn seal_column(self) -> &'static str {
        match self {
            Self::Case => "s.seal",
            Self::User => "t.seal",
        }
    }
}

/// Most rows sealed by one statement (each binds two values).
const SEALS_AT_ONCE: usize = 500;

/// Writes seals `(id, seal)` of rows of one kind: a case's into `case_seals` (an
/// upsert of a narrow row), an account's onto its row.
async fn write_seals(conn: &mut AnyConnection, kind: Kind, sealed: &[(i64, String)]) -> Result<()> {
    for part in sealed.chunks(SEALS_AT_ONCE) {
        let sql = match kind {
            Kind::Case => {
                let rows: Vec<String> = (0..part.len())
                    .map(|i| format!("(${}, ${})", 2 * i + 1, 2 * i + 2))
                    .collect();
                format!(
                    "INSERT INTO case_seals (case_id, seal) VALUES {} \
                     ON CONFLICT (case_id) DO UPDATE SET seal = excluded.seal",
                    rows.join(", ")
                )
            }
            Kind::User if part.len() == 1 => "UPDATE users SET seal = $2 WHERE id = $1".to_string(),
            Kind::User => {
                let whens: Vec<String> = (0..part.len())
                    .map(|i| format!("WHEN ${} THEN ${}", 2 * i + 1, 2 * i + 2))
                    .collect();
                let list: Vec<String> =
                    (0..part.len()).map(|i| format!("${}", 2 * i + 1)).collect();
                format!(
                    "UPDATE users SET seal = CASE id {} END WHERE id IN ({})",
                    whens.join(" "),
                    list.join(", ")
                )
            }
        };
        let mut q = crate::bulk::Stmt::new(sql);
        for (id, seal) in part {
            q = q.bind(*id).bind(seal.as_str());
        }
        crate::db::pending::write(&mut *conn, q).await?;
    }
    Ok(())
}

fn mac(keys: &Keys, kind: Kind, id: i64, text: &str) -> String {
    keys.audit_mac(format!("seal\u{1f}{}\u{1f}{id}\u{1f}{text}", kind.table()).as_bytes())
}

/// Renews a row's seal inside the transaction of its audited change: at its end when
/// the transaction's writes are gathered (`db::pending`), at once otherwise.
pub async fn seal(conn: &mut AnyConnection, keys: &Keys, kind: Kind, id: i64) -> Result<()> {
    let merge = |kept: &mut Sealed, more: Sealed| kept.1.extend(more.1);
    let rows = (keys.clone(), BTreeSet::from([(kind, id)]));
    match pending::defer_carrying((pending::SEALS, "seal"), rows, merge, seal_kept) {
        None => Ok(()),
        Some(_) => seal_rows(conn, keys, kind, &[id]).await,
    }
}

/// The rows to seal at the end of a transaction.
type Sealed = (Keys, BTreeSet<(Kind, i64)>);

fn seal_kept<'c>(
    conn: &'c mut AnyConnection,
    value: Box<dyn std::any::Any + Send>,
) -> BoxFuture<'c, Result<()>> {
    Box::pin(async move {
        let kept = pending::kept::<Sealed>(value)?;
        for kind in [Kind::Case, Kind::User] {
            let ids: Vec<i64> = kept
                .1
                .iter()
                .filter(|(k, _)| *k == kind)
                .map(|(_, id)| *id)
                .collect();
            seal_rows(conn, &kept.0, kind, &ids).await?;
        }
        Ok(())
    })
}

/// Renews the seals of rows `ids`: their audited text read in one statement, their
/// seals written in another.
pub(crate) async fn seal_rows(
    conn: &mut AnyConnection,
    keys: &Keys,
    kind: Kind,
    ids: &[i64],
) -> Result<()> {
    for part in ids.chunks(SEALS_AT_ONCE) {
        let marks: Vec<String> = (1..=part.len()).map(|i| format!("${i}")).collect();
        let sql = format!("{} WHERE t.id IN ({})", kind.select(), marks.join(", "));
        let mut q = crate::bulk::Stmt::new(sql);
        for id in part {
            q = q.bind(*id);
        }
        let rows = crate::db::pending::fetch_all(&mut *conn, q).await?;
        let mut sealed = Vec::with_capacity(rows.len());
        for r in &rows {
            let id: i64 = r.try_get(0)?;
            let text: String = r.try_get(3)?;
            sealed.push((id, mac(keys, kind, id, &text)));
        }
        write_seals(&mut *conn, kind, &sealed).await?;
    }
    Ok(())
}

pub async fn seal_case(conn: &mut AnyConnection, keys: &Keys, id: i64) -> Result<()> {
    seal(conn, keys, Kind::Case, id).await
}

pub async fn seal_user(conn: &mut AnyConnection, keys: &Keys, id: i64) -> Result<()> {
    seal(conn, keys, Kind::User, id).await
}

const BATCH: i64 = 2000;

/// Seals every row without a seal (rows loaded in bulk by the demo seed or an import,
/// or a database from before seals), and records how many in the audit chain. Returns
/// the cases and accounts sealed.
pub async fn seal_unsealed(store: &Store, actor: &Actor) -> Result<(i64, i64)> {
    let mut counts = [0i64; 2];
    for (i, kind) in [Kind::Case, Kind::User].into_iter().enumerate() {
        let mut last = 0i64;
        loop {
            let sql = format!(
                "{} WHERE {} IS NULL AND t.id > $1 ORDER BY t.id LIMIT {BATCH}",
                kind.select(),
                kind.seal_column()
            );
            let keys = store.keys().clone();
            let (n, through) = store
                .write(move |conn| {
                    let (sql, keys) = (sql.clone(), keys.clone());
                    Box::pin(async move {
                        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
                            .bind(last)
                            .fetch_all(&mut *conn)
                            .await?;
                        let mut sealed = Vec::with_capacity(rows.len());
                        for r in &rows {
                            let id: i64 = r.try_get(0)?;
                            let text: String = r.try_get(3)?;
                            sealed.push((id, mac(&keys, kind, id, &text)));
                        }
                        write_seals(&mut *conn, kind, &sealed).await?;
                        Ok((rows.len() as i64, sealed.last().map(|(id, _)| *id)))
                    })
                })
                .await?;
            last = through.unwrap_or(last);
            counts[i] += n;
            if n < BATCH {
                break;
            }
        }
    }
    let mut tx = store.begin().await?;
    audit::append(
        &mut tx,
        store.keys(),
        actor,
        "audit.seal",
        "audit",
        "seal",
        serde_json::json!({ "cases": counts[0], "users": counts[1] }),
    )
    .await?;
    tx.commit().await?;
    Ok((counts[0], counts[1]))
}

/// Seals a database that has never been sealed (one upgraded from before seals); a
/// database sealed once is left alone, so a seal removed later shows in `verify`.
pub async fn seal_if_never_sealed(store: &Store) -> Result<Option<(i64, i64)>> {
    let sealed: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'audit.seal'")
            .fetch_one(&mut *store.reader().await?)
            .await?;
    if sealed > 0 {
        return Ok(None);
    }
    seal_unsealed(store, &Actor::system("upgrade"))
        .await
        .map(Some)
}

/// A row that does not match its last audited state.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Fault {
    pub entity: &'static str,
    pub key: String,
    pub why: String,
}

/// Most faults listed.
pub const MAX_FAULTS: usize = 100;

/// Checks every case and account against its seal; `progress(done)` after each batch.
pub async fn verify(store: &Store, mut progress: impl FnMut(i64)) -> Result<(i64, Vec<Fault>)> {
    let mut faults = vec![];
    let mut checked = 0i64;
    let mut conn = store.reader().await?;
    for kind in [Kind::Case, Kind::User] {
        let mut last = 0i64;
        loop {
            let sql = format!(
                "{} WHERE t.id > $1 ORDER BY t.id LIMIT {BATCH}",
                kind.select()
            );
            let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
                .bind(last)
                .fetch_all(&mut *conn)
                .await
                .map_err(StoreError::Db)?;
            for r in &rows {
                let id: i64 = r.try_get(0)?;
                let key: String = r.try_get(1)?;
                let seal: Option<String> = r.try_get(2)?;
                let text: String = r.try_get(3)?;
                let why = match seal {
                    None => Some(format!(
                        "{}未封存：在数据库中直接写入，未经平台记录",
                        kind.label()
                    )),
                    Some(s) if s != mac(store.keys(), kind, id, &text) => Some(format!(
                        "{}与最后一次审计记录的状态不符：在数据库中被直接修改（或其办理记录被删除）",
                        kind.label()
                    )),
                    Some(_) => None,
                };
                if let Some(why) = why
                    && faults.len() < MAX_FAULTS
                {
                    faults.push(Fault {
                        entity: kind.table(),
                        key,
                        why,
                    });
                }
                last = id;
                checked += 1;
            }
            progress(checked);
            if (rows.len() as i64) < BATCH {
                break;
            }
        }
    }
    Ok((checked, faults))
}
