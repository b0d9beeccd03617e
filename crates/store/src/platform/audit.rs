//! The audit chain (审计日志): an append-only log of every state and administrative
//! change. Each entry carries a keyed SM3 MAC over its content and the previous
//! entry's MAC, so any edit, deletion or reordering breaks the chain at that entry.
//! The single head row orders appends across nodes sharing one database; a
//! transaction's entries are chained together at its end (`db::pending`), and writes
//! are committed in batches (`db::writer`), so the head is read and written once per
//! batch of up to 128 writes, not once per write.

use crate::bulk::Stmt;
use crate::bulk::{self, V};
use crate::db::pending;
use crate::db::pending::BoxFuture;
use crate::{Backend, Keys, Result, Store, time};
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

/// Appends an entry inside the caller's transaction: at its end when the
/// transaction's writes are gathered (`db::pending`), at once otherwise.
pub async fn append(
    conn: &mut AnyConnection,
    keys: &Keys,
    actor: &Actor,
    action: &str,
    entity: &str,
    key: &str,
    detail: serde_json::Value,
) -> Result<()> {
    let entry = Waiting {
        at: time::stamp(time::now()),
        actor: actor.name.clone(),
        action: action.to_string(),
        entity: entity.to_string(),
        key: key.to_string(),
        detail: detail.to_string(),
    };
    let merge =
        |kept: &mut (Keys, Vec<Waiting>), (_, more): (Keys, Vec<Waiting>)| kept.1.extend(more);
    match pending::defer_carrying(
        (pending::AUDIT, "audit"),
        (keys.clone(), vec![entry]),
        merge,
        append_kept,
    ) {
        None => Ok(()),
        Some((keys, entries)) => append_all(conn, &keys, &entries).await,
    }
}

/// An entry waiting for its place in the chain.
pub(crate) struct Waiting {
    at: String,
    actor: String,
    action: String,
    entity: String,
    key: String,
    detail: String,
}

fn append_kept<'c>(
    conn: &'c mut AnyConnection,
    value: Box<dyn std::any::Any + Send>,
) -> BoxFuture<'c, Result<()>> {
    Box::pin(async move {
        let kept = pending::kept::<(Keys, Vec<Waiting>)>(value)?;
        append_all(conn, &kept.0, &kept.1).await
    })
}

/// Chains `entries` after the head in their order: the head read and moved once, the
/// entries inserted together.
pub(crate) async fn append_all(
    conn: &mut AnyConnection,
    keys: &Keys,
    entries: &[Waiting],
) -> Result<()> {
    if entries.is_empty() {
        return Ok(());
    }
    let n = entries.len() as i64;
    let head =
        Stmt::new("UPDATE audit_head SET seq = seq + $1 WHERE id = 1 RETURNING seq, hash").bind(n);
    let row = pending::fetch_one(&mut *conn, head).await?;
    let last: i64 = row.try_get(0)?;
    let mut prev: String = row.try_get(1)?;
    let mut rows = Vec::with_capacity(entries.len());
    for (seq, e) in (last - n + 1..).zip(entries) {
        let hash = keys.audit_mac(&mac_input(
            &prev,
            seq,
            [&e.at, &e.actor, &e.action, &e.entity, &e.key, &e.detail],
        ));
        rows.push(vec![
            V::I(seq),
            V::from(e.at.as_str()),
            V::from(e.actor.as_str()),
            V::from(e.action.as_str()),
            V::from(e.entity.as_str()),
            V::from(e.key.as_str()),
            V::from(e.detail.as_str()),
            V::S(std::mem::replace(&mut prev, hash.clone())),
            V::S(hash),
        ]);
    }
    pending::write(
        &mut *conn,
        Stmt::new("UPDATE audit_head SET hash = $1 WHERE id = 1").bind(prev),
    )
    .await?;
    let backend = Backend::of(conn);
    for s in bulk::insert_stmts(backend, "audit_log", COLUMNS, &rows, "") {
        pending::write(&mut *conn, s).await?;
    }
    Ok(())
}

const COLUMNS: &[&str] = &[
    "seq",
    "at",
    "actor",
    "action",
    "entity",
    "entity_key",
    "detail",
    "prev_hash",
    "hash",
];

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

// ---------------------------------------------------------------------------
// Checkpoints: the chain's head, signed, kept outside the database

/// A signed statement of the chain's head at a moment: which entry was last and its
/// MAC. Kept outside the database (a file on another machine, the log shipped to a log
/// server), it proves later that the chain was not cut back below it: removing the
/// tail and moving the head row back passes every check made inside the database.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Checkpoint {
    pub seq: i64,
    pub hash: String,
    pub at: String,
    /// The SM2 public key (uncompressed, hex) of the installation's checkpoint key.
    pub public_key: String,
    /// SM2 signature (r ‖ s, hex) over the seq, hash and time.
    pub signature: String,
}

fn checkpoint_text(seq: i64, hash: &str, at: &str) -> String {
    format!("tongban-audit-checkpoint\u{1f}{seq}\u{1f}{hash}\u{1f}{at}")
}

/// The installation's checkpoint key, derived from the master key (never stored).
fn checkpoint_key(keys: &Keys) -> sm2::dsa::SigningKey {
    let mut i = 0u32;
    loop {
        let bytes = keys.derived(&format!("audit-checkpoint/{i}"));
        if let Ok(k) = sm2::dsa::SigningKey::from_slice(crate::protect::SM2_DIST_ID, &bytes) {
            return k;
        }
        i += 1;
    }
}

/// The public key that checks this installation's checkpoints (hex).
pub fn checkpoint_public_key(keys: &Keys) -> String {
    hex::encode(
        checkpoint_key(keys)
            .verifying_key()
            .to_sec1_bytes()
            .as_ref(),
    )
}

/// Signs the chain's current head.
pub async fn checkpoint(store: &Store) -> Result<Checkpoint> {
    use sm2::dsa::signature::Signer;
    let head = sqlx::query("SELECT seq, hash FROM audit_head WHERE id = 1")
        .fetch_one(&mut *store.reader().await?)
        .await?;
    let seq: i64 = head.try_get(0)?;
    let hash: String = head.try_get(1)?;
    let at = time::stamp(time::now());
    let key = checkpoint_key(store.keys());
    let sig: sm2::dsa::Signature = key
        .try_sign(checkpoint_text(seq, &hash, &at).as_bytes())
        .map_err(|_| crate::StoreError::Other(anyhow::anyhow!("SM2 signing failed")))?;
    Ok(Checkpoint {
        seq,
        hash,
        at,
        public_key: checkpoint_public_key(store.keys()),
        signature: hex::encode(sig.to_bytes()),
    })
}

/// Checks kept checkpoints against the chain: each must be signed by this
/// installation's key, and the chain must still hold its entry with its MAC. Returns
/// the first problem.
pub async fn check_checkpoints(store: &Store, kept: &[Checkpoint]) -> Result<Option<String>> {
    use sm2::dsa::signature::Verifier;
    let key = checkpoint_key(store.keys());
    let public = checkpoint_public_key(store.keys());
    let mut conn = store.reader().await?;
    let head: i64 = sqlx::query_scalar("SELECT seq FROM audit_head WHERE id = 1")
        .fetch_one(&mut *conn)
        .await?;
    for (i, c) in kept.iter().enumerate() {
        let n = i + 1;
        let signed = c.public_key == public
            && hex::decode(&c.signature)
                .ok()
                .and_then(|b| sm2::dsa::Signature::from_slice(&b).ok())
                .is_some_and(|sig| {
                    key.verifying_key()
                        .verify(checkpoint_text(c.seq, &c.hash, &c.at).as_bytes(), &sig)
                        .is_ok()
                });
        if !signed {
            return Ok(Some(format!(
                "第{n}个检查点的签名无效（不是本系统的密钥签发的，或内容被改动）"
            )));
        }
        if c.seq == 0 {
            continue;
        }
        if c.seq > head {
            return Ok(Some(format!(
                "第{n}个检查点记录审计链已有{}条，现在只有{head}条：链尾被删除，链头被改回",
                c.seq
            )));
        }
        let found: Option<String> = sqlx::query_scalar("SELECT hash FROM audit_log WHERE seq = $1")
            .bind(c.seq)
            .fetch_optional(&mut *conn)
            .await?;
        if found.as_deref() != Some(c.hash.as_str()) {
            return Ok(Some(format!(
                "第{n}个检查点的第{}条记录与现存记录不符：审计链被改写",
                c.seq
            )));
        }
    }
    Ok(None)
}
