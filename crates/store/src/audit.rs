//! The audit chain (审计日志): an append-only log of every state and administrative
//! change. Each entry carries a keyed SM3 MAC over its content and the previous
//! entry's MAC, so any edit, deletion or reordering breaks the chain at that entry.
//! The single head row serialises appends across nodes sharing one database.

use crate::{Keys, Result, Store, time};
use sqlx::{AnyConnection, Row};

pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// Who did something: a staff member, an applicant, or the system.
#[derive(Debug, Clone)]
pub struct Actor {
    pub user_id: Option<i64>,
    pub name: String,
}

impl Actor {
    pub fn system(what: &str) -> Self {
        Self {
            user_id: None,
            name: format!("system:{what}"),
        }
    }
    pub fn applicant() -> Self {
        Self {
            user_id: None,
            name: "applicant".into(),
        }
    }
}

/// The bytes an entry's MAC covers: the previous MAC, the sequence number, then at,
/// actor, action, entity, key and detail, separated by the unit separator.
fn mac_input(prev: &str, seq: i64, fields: [&str; 6]) -> Vec<u8> {
    let seq = seq.to_string();
    let mut parts = vec![prev, seq.as_str()];
    parts.extend(fields);
    parts.join("\u{1f}").into_bytes()
}

/// Appends an entry inside the caller's transaction.
pub async fn append(
    conn: &mut AnyConnection,
    keys: &Keys,
    actor: &Actor,
    action: &str,
    entity: &str,
    key: &str,
    detail: serde_json::Value,
) -> Result<i64> {
    let row = sqlx::query("UPDATE audit_head SET seq = seq + 1 WHERE id = 1 RETURNING seq, hash")
        .fetch_one(&mut *conn)
        .await?;
    let seq: i64 = row.try_get(0)?;
    let prev: String = row.try_get(1)?;
    let at = time::stamp(time::now());
    let detail = detail.to_string();
    let hash = keys.audit_mac(&mac_input(
        &prev,
        seq,
        [&at, &actor.name, action, entity, key, &detail],
    ));
    sqlx::query("UPDATE audit_head SET hash = $1 WHERE id = 1")
        .bind(&hash)
        .execute(&mut *conn)
        .await?;
    sqlx::query(
        "INSERT INTO audit_log (seq, at, actor, action, entity, entity_key, detail, prev_hash, hash) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(seq)
    .bind(at)
    .bind(&actor.name)
    .bind(action)
    .bind(entity)
    .bind(key)
    .bind(detail)
    .bind(prev)
    .bind(hash)
    .execute(&mut *conn)
    .await?;
    Ok(seq)
}

/// The outcome of walking the chain.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Verification {
    pub entries: i64,
    /// The first entry that does not verify, with the reason.
    pub broken: Option<(i64, String)>,
}

/// Walks the chain up to the head read at the start (entries appended meanwhile are
/// left for the next walk) and names the first broken entry.
pub async fn verify(store: &Store, mut progress: impl FnMut(i64, i64)) -> Result<Verification> {
    let mut conn = store.reader().await?;
    let head = sqlx::query("SELECT seq, hash FROM audit_head WHERE id = 1")
        .fetch_one(&mut *conn)
        .await?;
    let head_seq: i64 = head.try_get(0)?;
    let head_hash: String = head.try_get(1)?;
    let mut prev = GENESIS.to_string();
    let mut expected_seq = 1i64;
    let mut entries = 0i64;
    loop {
        let rows = sqlx::query(
            "SELECT seq, at, actor, action, entity, entity_key, detail, prev_hash, hash FROM audit_log \
             WHERE seq >= $1 AND seq <= $2 ORDER BY seq LIMIT 5000",
        )
        .bind(expected_seq)
        .bind(head_seq)
        .fetch_all(&mut *conn)
        .await?;
        if rows.is_empty() {
            break;
        }
        for r in rows {
            let seq: i64 = r.try_get(0)?;
            let broken = |why: &str| {
                Ok(Verification {
                    entries,
                    broken: Some((seq, why.to_string())),
                })
            };
            if seq != expected_seq {
                return Ok(Verification {
                    entries,
                    broken: Some((expected_seq, format!("第{expected_seq}条记录缺失"))),
                });
            }
            let get = |i: usize| -> Result<String> { Ok(r.try_get::<String, _>(i)?) };
            let (at, actor, action, entity, key, detail, p, h) = (
                get(1)?,
                get(2)?,
                get(3)?,
                get(4)?,
                get(5)?,
                get(6)?,
                get(7)?,
                get(8)?,
            );
            if p != prev {
                return broken("与前一条记录的链接不符");
            }
            let mac = store.keys().audit_mac(&mac_input(
                &p,
                seq,
                [&at, &actor, &action, &entity, &key, &detail],
            ));
            if mac != h {
                return broken("记录内容被篡改（校验值不符）");
            }
            prev = h;
            expected_seq += 1;
            entries += 1;
        }
        progress(entries, head_seq);
    }
    if entries != head_seq {
        return Ok(Verification {
            entries,
            broken: Some((
                entries + 1,
                format!("链尾应有{head_seq}条记录，实际{entries}条：末尾记录被删除"),
            )),
        });
    }
    if prev != head_hash {
        return Ok(Verification {
            entries,
            broken: Some((entries, "链尾校验值与最后一条记录不符".into())),
        });
    }
    Ok(Verification {
        entries,
        broken: None,
    })
}

/// One audit entry, for the administrators' log view.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Entry {
    pub seq: i64,
    pub at: String,
    pub actor: String,
    pub action: String,
    pub entity: String,
    pub entity_key: String,
    pub detail: serde_json::Value,
}

pub async fn recent(store: &Store, limit: i64) -> Result<Vec<Entry>> {
    let mut conn = store.reader().await?;
    let rows = sqlx::query(
        "SELECT seq, at, actor, action, entity, entity_key, detail FROM audit_log ORDER BY seq DESC LIMIT $1",
    )
    .bind(limit)
    .fetch_all(&mut *conn)
    .await?;
    rows.into_iter()
        .map(|r| {
            Ok(Entry {
                seq: r.try_get(0)?,
                at: r.try_get(1)?,
                actor: r.try_get(2)?,
                action: r.try_get(3)?,
                entity: r.try_get(4)?,
                entity_key: r.try_get(5)?,
                detail: serde_json::from_str(&r.try_get::<String, _>(6)?)
                    .unwrap_or(serde_json::Value::Null),
            })
        })
        .collect()
}
