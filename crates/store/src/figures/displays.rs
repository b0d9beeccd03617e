//! Display links (大屏展示链接): the wall screen shown in the hall without a staff
//! login. Each link has its own token, given once and kept only as a keyed digest,
//! and can be revoked; the screen shows only figures fit for the public.

use crate::audit;
use crate::org::Principal;
use crate::{Result, Store, StoreError, time};
use serde::Serialize;
use sqlx::Row;
use tongban_domain::org::Role;

/// A display link as managers see it (never its token).
#[derive(Debug, Clone, Serialize)]
pub struct DisplayLink {
    pub id: i64,
    pub name: String,
    pub created_at: String,
    pub created_by: String,
    pub revoked_at: Option<String>,
}

fn may_manage(p: &Principal) -> Result<()> {
    if matches!(p.role, Role::Supervisor | Role::Admin) {
        Ok(())
    } else {
        Err(StoreError::Forbidden(
            "大屏展示链接由督查人员或系统管理员管理".into(),
        ))
    }
}

/// Issues a link named `name`; returns it with its token, shown this once.
pub async fn create(store: &Store, p: &Principal, name: &str) -> Result<(DisplayLink, String)> {
    may_manage(p)?;
    let name = tongban_domain::required_text("name", "展示位置名称", name, 50)?;
    let token = crate::protect::random_token();
    let mut tx = store.begin().await?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO display_links (name, token_digest, created_at, created_by) VALUES ($1, $2, $3, $4) RETURNING id",
    )
    .bind(&name)
    .bind(store.keys().digest("display", &token))
    .bind(time::stamp(time::now()))
    .bind(&p.display_name)
    .fetch_one(&mut *tx)
    .await?;
    audit::append(
        &mut tx,
        store.keys(),
        &p.actor(),
        "display.create",
        "display_link",
        &id.to_string(),
        serde_json::json!({ "name": name }),
    )
    .await?;
    tx.commit().await?;
    let link = list(store, p)
        .await?
        .into_iter()
        .find(|l| l.id == id)
        .ok_or_else(|| StoreError::Other(anyhow::anyhow!("display link vanished")))?;
    Ok((link, token))
}

/// Every link, newest first.
pub async fn list(store: &Store, p: &Principal) -> Result<Vec<DisplayLink>> {
    may_manage(p)?;
    let mut c = store.reader().await?;
    let rows = sqlx::query(
        "SELECT id, name, created_at, created_by, revoked_at FROM display_links ORDER BY id DESC",
    )
    .fetch_all(&mut *c)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(DisplayLink {
                id: r.try_get(0)?,
                name: r.try_get(1)?,
                created_at: r.try_get(2)?,
                created_by: r.try_get(3)?,
                revoked_at: r.try_get(4)?,
            })
        })
        .collect()
}

/// Revokes a link: its screen shows nothing from now on.
pub async fn revoke(store: &Store, p: &Principal, id: i64) -> Result<()> {
    may_manage(p)?;
    let mut tx = store.begin().await?;
    let n = sqlx::query(
        "UPDATE display_links SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL",
    )
    .bind(time::stamp(time::now()))
    .bind(id)
    .execute(&mut *tx)
    .await?;
    if n.rows_affected() != 1 {
        return Err(StoreError::not_found("该展示链接不存在或已停用"));
    }
    audit::append(
        &mut tx,
        store.keys(),
        &p.actor(),
        "display.revoke",
        "display_link",
        &id.to_string(),
        serde_json::json!({}),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Whether `token` opens a link still in use.
pub async fn open(store: &Store, token: &str) -> Result<bool> {
    if token.is_empty() || token.len() > 100 {
        return Ok(false);
    }
    let mut c = store.reader().await?;
    let n: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM display_links WHERE token_digest = $1 AND revoked_at IS NULL",
    )
    .bind(store.keys().digest("display", token))
    .fetch_one(&mut *c)
    .await?;
    Ok(n == 1)
}
