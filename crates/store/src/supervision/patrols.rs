//! 月度巡查: a supervisor's patrol of a window — the checklist (attendance, dress,
//! discipline, service manner, environment) with the items found wanting, what was
//! found, and a photo taken there — audited and counted in its transaction.

use crate::audit;
use crate::org::Principal;
use crate::{Result, Store, StoreError, stats, time};
use serde::Serialize;
use serde_json::json;
use sqlx::{AnyConnection, Row};
use std::sync::Arc;
use tongban_domain::org::Role;
use tongban_domain::supervision::{Patrol, PatrolInput, patrol_check_label};

/// A patrol as listed and exported.
#[derive(Debug, Clone, Serialize)]
pub struct PatrolView {
    pub id: i64,
    pub day: String,
    pub window: String,
    pub window_name: String,
    pub department: Option<String>,
    pub department_name: Option<String>,
    /// The checklist items found wanting, as codes and labels.
    pub failed: Vec<String>,
    pub failed_labels: Vec<&'static str>,
    pub problems: i64,
    pub note: String,
    pub has_photo: bool,
    pub created_by: String,
    #[serde(skip)]
    pub photo: Option<(String, String)>,
}

/// Records a patrol (supervisors), with the photo taken at the window when one came.
pub async fn record_patrol(
    store: &Store,
    p: &Principal,
    input: &PatrolInput,
    photo: Option<(String, Vec<u8>)>,
) -> Result<PatrolView> {
    if !matches!(p.role, Role::Supervisor | Role::Admin) {
        return Err(StoreError::Forbidden(format!(
            "{}不能录入窗口巡查（由政务办督查人员巡查）",
            p.role.label()
        )));
    }
    let patrol = input
        .check(time::local_day(time::now()))
        .map_err(StoreError::from)?;
    let photos: Vec<(String, Vec<u8>)> = photo.into_iter().collect();
    crate::files::check_photos(&photos)
        .map_err(|faults| StoreError::invalid("photo", faults.join("；")))?;
    let kept = crate::files::keep_photos(store.files(), &photos).await?;
    keep_patrol(
        store,
        p,
        patrol,
        kept.first()
            .map(|k| (k.storage_key.clone(), k.content_type.to_string())),
    )
    .await
}

/// Keeps a checked patrol (also the demo's history), its audit entry and its count
/// in one transaction.
pub async fn keep_patrol(
    store: &Store,
    p: &Principal,
    patrol: Patrol,
    photo: Option<(String, String)>,
) -> Result<PatrolView> {
    let window = {
        let mut rd = store.reader().await?;
        sqlx::query("SELECT id, department_id FROM windows WHERE code = $1")
            .bind(&patrol.window)
            .fetch_optional(&mut *rd)
            .await?
            .ok_or_else(|| {
                StoreError::invalid("window", format!("窗口“{}”不存在", patrol.window))
            })?
    };
    let (window_id, department_id): (i64, Option<i64>) = (window.try_get(0)?, window.try_get(1)?);
    let job = Arc::new((patrol, photo, p.actor(), store.keys().clone()));
    let id = store
        .write(move |tx| {
            let job = job.clone();
            Box::pin(async move {
                let (patrol, photo, actor, keys) = &*job;
                let id: i64 = sqlx::query_scalar(
                    "INSERT INTO patrols (window_id, department_id, day, failed, problems, note, photo_key, photo_type, \
                     created_at, created_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
                )
                .bind(window_id)
                .bind(department_id)
                .bind(time::day(patrol.day))
                .bind(patrol.failed.join(","))
                .bind(patrol.failed.len() as i64)
                .bind(&patrol.note)
                .bind(photo.as_ref().map(|p| p.0.clone()))
                .bind(photo.as_ref().map(|p| p.1.clone()))
                .bind(time::stamp(time::now()))
                .bind(&actor.name)
                .fetch_one(&mut *tx)
                .await?;
                stats::track_new(&mut *tx, &stats::PATROLS, &[id]).await?;
                audit::append(
                    tx,
                    keys,
                    actor,
                    "patrol.record",
                    "window",
                    &patrol.window,
                    json!({ "patrol": id, "day": time::day(patrol.day), "failed": patrol.failed, "note": patrol.note }),
                )
                .await?;
                Ok(id)
            })
        })
        .await?;
    let mut rd = store.reader().await?;
    views(&mut rd, " AND t.id = $1", Some(id))
        .await?
        .pop()
        .ok_or_else(|| StoreError::not_found("巡查记录不存在"))
}

const COLUMNS: &str = "t.id, t.day, w.code AS wcode, w.name AS wname, d.code AS dcode, d.name AS dname, t.failed, \
     t.problems, t.note, t.photo_key, t.photo_type, t.created_by";
const FROM: &str = " FROM patrols t JOIN windows w ON w.id = t.window_id \
     LEFT JOIN departments d ON d.id = t.department_id WHERE 1 = 1";

fn view_from(r: &sqlx::any::AnyRow) -> Result<PatrolView> {
    let failed: Vec<String> = r
        .try_get::<String, _>("failed")?
        .split(',')
        .filter(|c| !c.is_empty())
        .map(str::to_string)
        .collect();
    let key: Option<String> = r.try_get("photo_key")?;
    let kind: Option<String> = r.try_get("photo_type")?;
    Ok(PatrolView {
        id: r.try_get("id")?,
        day: r.try_get("day")?,
        window: r.try_get("wcode")?,
        window_name: r.try_get("wname")?,
        department: r.try_get("dcode")?,
        department_name: r.try_get("dname")?,
        failed_labels: failed
            .iter()
            .filter_map(|c| patrol_check_label(c))
            .collect(),
        failed,
        problems: r.try_get("problems")?,
        note: r.try_get("note")?,
        has_photo: key.is_some(),
        created_by: r.try_get("created_by")?,
        photo: key.zip(kind),
    })
}

async fn views(rd: &mut AnyConnection, filter: &str, id: Option<i64>) -> Result<Vec<PatrolView>> {
    let sql = format!("SELECT {COLUMNS}{FROM}{filter} ORDER BY t.day DESC, t.id DESC LIMIT 500");
    let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
    if let Some(id) = id {
        q = q.bind(id);
    }
    q.fetch_all(&mut *rd).await?.iter().map(view_from).collect()
}

/// The newest patrols (at most 500), for staff.
pub async fn patrols(store: &Store) -> Result<Vec<PatrolView>> {
    let mut rd = store.reader().await?;
    views(&mut rd, "", None).await
}

/// One patrol, with its photo's storage key and type.
pub async fn patrol(store: &Store, id: i64) -> Result<PatrolView> {
    let mut rd = store.reader().await?;
    views(&mut rd, " AND t.id = $1", Some(id))
        .await?
        .pop()
        .ok_or_else(|| StoreError::not_found("巡查记录不存在"))
}

/// A patrol as exported: one row, the items found wanting `|`-separated.
#[derive(Debug, Clone, Serialize)]
pub struct PatrolExport {
    pub day: String,
    pub window: String,
    pub department: Option<String>,
    pub failed: String,
    pub problems: i64,
    pub note: String,
    pub has_photo: bool,
}

/// Every patrol, oldest first, to `sink`.
pub async fn export_patrols(
    store: &Store,
    mut sink: impl FnMut(PatrolExport) -> anyhow::Result<()>,
) -> Result<u64> {
    let mut rd = store.reader().await?;
    let select = format!("SELECT {COLUMNS}{FROM}");
    crate::keyset_rows(&mut rd, &select, "t.id", |r| {
        let v = view_from(r)?;
        sink(PatrolExport {
            day: v.day,
            window: v.window,
            department: v.department,
            failed: v.failed.join("|"),
            problems: v.problems,
            note: v.note,
            has_photo: v.has_photo,
        })?;
        Ok(v.id)
    })
    .await
}
