//! API keys of outside systems (Open311 接入密钥): the list administrators see and
//! deactivation. Keys are issued by `hotline::create_api_key`; only the SM3 hash of a
//! key is kept, so a key is shown once, when it is created.

use crate::audit::{self, Actor};
use crate::{Result, Store, StoreError};
use serde::Serialize;
use sqlx::Row;

/// An issued key as administrators see it (never the key itself).
#[derive(Debug, Clone, Serialize)]
pub struct ApiKey {
    pub id: i64,
    pub name: String,
    pub created_at: String,
    pub active: bool,
    /// Work orders the system has submitted with this key.
    pub orders: i64,
}

/// Every key, newest first.
pub async fn list(store: &Store) -> Result<Vec<ApiKey>> {
    let mut c = store.reader().await?;
    let rows = sqlx::query(
        "SELECT k.id, k.name, k.created_at, k.active, \
         (SELECT COUNT(*) FROM work_orders o WHERE o.api_key_id = k.id) AS orders \
         FROM open311_keys k ORDER BY k.id DESC",
    )
    .fetch_all(&mut *c)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(ApiKey {
                id: r.try_get("id")?,
                name: r.try_get("name")?,
                created_at: r.try_get("created_at")?,
                active: crate::flag(r, "active")?,
                orders: r.try_get("orders")?,
            })
        })
        .collect()
}

/// Deactivates a key (停用): requests with it are refused from now on. Deactivating
/// a key twice is refused, so the audit log records each change once.
pub async fn deactivate(store: &Store, id: i64, actor: &Actor) -> Result<ApiKey> {
    let mut tx = store.begin().await?;
    let row = sqlx::query("SELECT name, active FROM open311_keys WHERE id = $1")
        .bind(id)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or_else(|| StoreError::not_found("接入密钥不存在"))?;
    let name: String = row.try_get("name")?;
    if !crate::flag(&row, "active")? {
        return Err(StoreError::Conflict {
            field: "key",
            message: format!("“{name}”的接入密钥已停用"),
        });
    }
    sqlx::query("UPDATE open311_keys SET active = 0 WHERE id = $1 AND active = 1")
        .bind(id)
        .execute(&mut *tx)
        .await?;
    audit::append(
        &mut tx,
        store.keys(),
        actor,
        "open311.key.deactivate",
        "open311_key",
        &name,
        serde_json::json!({ "id": id, "name": name }),
    )
    .await?;
    tx.commit().await?;
    let all = list(store).await?;
    all.into_iter()
        .find(|k| k.id == id)
        .ok_or_else(|| StoreError::not_found("接入密钥不存在"))
}
