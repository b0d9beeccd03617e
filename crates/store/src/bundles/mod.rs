//! "One thing" bundles (一件事一次办): the bundles administrators keep in the catalog
//! (in versions that take effect on a day, like items), the guide the portal
//! generates from the items inside, and the bundle applications taken once and
//! worked as one ordinary case per item (`applications`).

mod applications;

pub use applications::*;

use crate::audit::{self, Actor};
use crate::catalog::Item;
use crate::org::Principal;
use crate::{Result, Store, StoreError, time};
use chrono::NaiveDate;
use serde::Serialize;
use serde_json::json;
use sqlx::{AnyConnection, Row};
use std::sync::Arc;
use tongban_domain::auto_approval::FormField;
use tongban_domain::bundle::{
    Bundle, BundleCode, BundleInput, Event, SharedMaterial, union_fields, union_materials,
};
use tongban_domain::org::Role;
use tongban_domain::registration::RegistrationKind;

/// A bundle version as kept.
#[derive(Debug, Clone, Serialize)]
pub struct BundleView {
    pub code: String,
    pub version: i64,
    pub effective_from: String,
    pub name: String,
    pub event: Event,
    pub event_label: &'static str,
    pub theme: String,
    pub description: String,
    /// Item codes with their names (in force today; empty for an unknown one).
    pub items: Vec<(String, String)>,
    pub in_use: bool,
    pub created_at: String,
    pub created_by: String,
}

const COLUMNS: &str = "b.code, b.version, b.effective_from, b.name, b.event, b.theme, b.description, b.items, b.in_use, \
     b.created_at, b.created_by";

fn view_from(r: &sqlx::any::AnyRow) -> Result<BundleView> {
    let event = Event::parse(&r.try_get::<String, _>("event")?)
        .ok_or_else(|| StoreError::Other(anyhow::anyhow!("bundle: bad event")))?;
    let items: Vec<String> = serde_json::from_str(&r.try_get::<String, _>("items")?)
        .map_err(|e| StoreError::Other(e.into()))?;
    Ok(BundleView {
        code: r.try_get("code")?,
        version: r.try_get("version")?,
        effective_from: r.try_get("effective_from")?,
        name: r.try_get("name")?,
        event,
        event_label: event.label(),
        theme: r.try_get("theme")?,
        description: r.try_get("description")?,
        items: items.into_iter().map(|c| (c, String::new())).collect(),
        in_use: crate::flag(r, "in_use")?,
        created_at: time::display(&r.try_get::<String, _>("created_at")?),
        created_by: r.try_get("created_by")?,
    })
}

/// The names of the bundles' items, as in force today.
async fn name_items(rd: &mut AnyConnection, bundles: &mut [BundleView]) -> Result<()> {
    let pairs: Vec<&mut (String, String)> = bundles
        .iter_mut()
        .flat_map(|x| x.items.iter_mut())
        .collect();
    crate::catalog::name_codes(rd, pairs).await
}

/// The version of a bundle in force on `day` (stopped or not).
pub(crate) async fn version_on(
    rd: &mut AnyConnection,
    code: &str,
    day: NaiveDate,
) -> Result<Option<BundleView>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM bundle_versions b WHERE b.code = $1 AND b.effective_from <= $2 \
         ORDER BY b.effective_from DESC, b.version DESC LIMIT 1"
    );
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(code)
        .bind(time::day(day))
        .fetch_optional(&mut *rd)
        .await?;
    row.as_ref().map(view_from).transpose()
}

/// Every bundle in use on `day`, by kind of event and theme, for the portal and the
/// window.
pub async fn in_use(store: &Store, day: NaiveDate) -> Result<Vec<BundleView>> {
    let mut rd = store.reader().await?;
    let codes: Vec<String> =
        sqlx::query_scalar("SELECT DISTINCT code FROM bundle_versions ORDER BY code")
            .fetch_all(&mut *rd)
            .await?;
    let mut out = vec![];
    for code in codes {
        if let Some(b) = version_on(&mut rd, &code, day).await?
            && b.in_use
        {
            out.push(b);
        }
    }
    out.sort_by(|a, b| {
        (a.event.as_str(), &a.theme, &a.code).cmp(&(b.event.as_str(), &b.theme, &b.code))
    });
    name_items(&mut rd, &mut out).await?;
    Ok(out)
}

/// Every version ever kept, newest first (the administrators' history).
pub async fn history(store: &Store) -> Result<Vec<BundleView>> {
    let mut rd = store.reader().await?;
    let sql = format!("SELECT {COLUMNS} FROM bundle_versions b ORDER BY b.id DESC LIMIT 200");
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .fetch_all(&mut *rd)
        .await?;
    let mut out = rows.iter().map(view_from).collect::<Result<Vec<_>>>()?;
    name_items(&mut rd, &mut out).await?;
    Ok(out)
}

/// The items of a bundle version as in force on `day`, each open for applications;
/// a fault names the items that are not.
async fn items_on(rd: &mut AnyConnection, codes: &[String], day: NaiveDate) -> Result<Vec<Item>> {
    let mut items = vec![];
    let mut unknown = vec![];
    for code in codes {
        match crate::catalog::item_in_force(&mut *rd, code, day).await? {
            Some(i) if i.content()?.open_for_applications() => items.push(i),
            _ => unknown.push(code.as_str()),
        }
    }
    if !unknown.is_empty() {
        return Err(StoreError::invalid(
            "items",
            format!("以下事项在{day}不存在或不可申请：{}", unknown.join("、")),
        ));
    }
    Ok(items)
}

/// The joined form of the items, or the clash that stops it.
fn joined_fields(items: &[Item]) -> Result<Vec<FormField>> {
    let mut parts = vec![];
    for i in items {
        parts.push((i.name.as_str(), i.content()?.fields.as_slice()));
    }
    union_fields(parts).map_err(StoreError::Invalid)
}

/// The items' materials, each once; what the bundle supplies itself (the business
/// license of the business it opens, `supplied`) asked of no one.
fn joined_materials(items: &[Item], supplied: &[(String, String)]) -> Result<Vec<SharedMaterial>> {
    let mut kept: Vec<(String, Vec<tongban_domain::catalog::Material>)> = vec![];
    for i in items {
        kept.push((
            i.name.clone(),
            i.content()?
                .materials
                .iter()
                .filter(|m| !supplied.contains(&(i.code.clone(), m.name.clone())))
                .cloned()
                .collect(),
        ));
    }
    Ok(union_materials(
        kept.iter().map(|(n, m)| (n.as_str(), m.as_slice())),
    ))
}

/// `(item code, material)` of each material a bundle opening a business supplies
/// itself to its other items: the license the establishment issues.
fn supplied_materials(
    items: &[Item],
    establishment: Option<&Item>,
) -> Result<Vec<(String, String)>> {
    let Some(est) = establishment else {
        return Ok(vec![]);
    };
    let mut out = vec![];
    for i in items.iter().filter(|i| i.code != est.code) {
        for m in &i.content()?.materials {
            if tongban_domain::bundle::supplied_by_establishment(&m.name) {
                out.push((i.code.clone(), m.name.clone()));
            }
        }
    }
    Ok(out)
}

/// The establishment item of a bundle, if it holds one; a change or deregistration
/// item is refused (a bundle opens a business, it does not file for one that exists).
fn registration_item(items: &[Item]) -> Result<Option<&Item>> {
    let mut found = None;
    for i in items {
        match i.content()?.registration {
            None => {}
            Some(RegistrationKind::Establish) if found.is_none() => found = Some(i),
            Some(RegistrationKind::Establish) => {
                return Err(StoreError::invalid(
                    "items",
                    "一件事最多包含一个设立登记事项",
                ));
            }
            Some(k) => {
                return Err(StoreError::invalid(
                    "items",
                    format!("事项“{}”为{}，不能纳入一件事", i.name, k.label()),
                ));
            }
        }
    }
    Ok(found)
}

/// An administrator keeps a new version of a bundle: every item in the catalog and
/// open on the day it takes effect, their forms joinable; audited.
pub async fn define(store: &Store, p: &Principal, input: &BundleInput) -> Result<BundleView> {
    if p.role != Role::Admin {
        return Err(StoreError::Forbidden(
            "一件事由系统管理员在事项清单中维护".into(),
        ));
    }
    let bundle = input
        .check(time::local_day(time::now()))
        .map_err(StoreError::from)?;
    {
        let mut rd = store.reader().await?;
        if bundle.in_use {
            let items = items_on(&mut rd, &bundle.items, bundle.effective_from).await?;
            joined_fields(&items)?;
            registration_item(&items)?;
        }
    }
    insert(store, &p.actor(), bundle).await
}

/// Keeps a checked bundle as its code's next version, audited.
pub async fn insert(store: &Store, actor: &Actor, bundle: Bundle) -> Result<BundleView> {
    let job = Arc::new((bundle, actor.clone(), store.keys().clone()));
    let code = job.0.code.clone();
    store
        .write(move |tx| {
            let job = job.clone();
            Box::pin(async move {
                let (b, actor, keys) = &*job;
                let version: i64 = sqlx::query_scalar(
                    "SELECT COALESCE(MAX(version), 0) + 1 FROM bundle_versions WHERE code = $1",
                )
                .bind(b.code.as_str())
                .fetch_one(&mut *tx)
                .await?;
                sqlx::query(
                    "INSERT INTO bundle_versions (code, version, effective_from, name, event, theme, description, \
                     items, in_use, created_at, created_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
                )
                .bind(b.code.as_str())
                .bind(version)
                .bind(time::day(b.effective_from))
                .bind(&b.name)
                .bind(b.event.as_str())
                .bind(&b.theme)
                .bind(&b.description)
                .bind(serde_json::to_string(&b.items).map_err(|e| StoreError::Other(e.into()))?)
                .bind(i64::from(b.in_use))
                .bind(time::stamp(time::now()))
                .bind(&actor.name)
                .execute(&mut *tx)
                .await
                .map_err(|e| {
                    crate::org::unique_violation(e, "code", "该一件事正被同时修改，请重试")
                })?;
                audit::append(
                    tx,
                    keys,
                    actor,
                    "bundle.define",
                    "bundle",
                    &format!("{}.v{version}", b.code),
                    json!({ "name": b.name, "items": b.items, "in_use": b.in_use,
                            "effective_from": time::day(b.effective_from) }),
                )
                .await?;
                Ok(())
            })
        })
        .await?;
    let mut rd = store.reader().await?;
    let sql = format!(
        "SELECT {COLUMNS} FROM bundle_versions b WHERE b.code = $1 ORDER BY b.version DESC LIMIT 1"
    );
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(code.as_str())
        .fetch_one(&mut *rd)
        .await?;
    let mut v = vec![view_from(&row)?];
    name_items(&mut rd, &mut v).await?;
    Ok(v.remove(0))
}

/// 办事指南 of a bundle, generated from the items inside as in force on the day.
#[derive(Debug, Clone, Serialize)]
pub struct BundleGuide {
    pub bundle: BundleView,
    /// The items in force, content included.
    pub items: Vec<Item>,
    /// The joined form, each field once.
    pub fields: Vec<FormField>,
    /// Each material once, with the items needing it.
    pub materials: Vec<SharedMaterial>,
    /// How many materials the items would ask for one by one.
    pub materials_separate: usize,
    /// The departments work at once: the longest promised limit (working days).
    pub promised_days: i64,
    /// The statutory limits added up, as if applied for one after another.
    pub statutory_days: i64,
    pub fees_fen: i64,
    /// Every item may be applied for online.
    pub online: bool,
    /// The bundle holds the establishment item (设立登记): the application carries the
    /// new entity's particulars.
    pub establishment: bool,
    /// `(item code, material)` the bundle supplies itself (the business license it
    /// issues), asked of no one.
    pub supplied: Vec<(String, String)>,
}

impl BundleGuide {
    pub fn departments(&self) -> Vec<String> {
        let mut d: Vec<String> = vec![];
        for i in &self.items {
            if !d.contains(&i.department.name) {
                d.push(i.department.name.clone());
            }
        }
        d
    }
}

async fn guide_in(rd: &mut AnyConnection, code: &str, day: NaiveDate) -> Result<BundleGuide> {
    let code = BundleCode::parse(code).map_err(StoreError::Invalid)?;
    let mut bundle = version_on(&mut *rd, code.as_str(), day)
        .await?
        .filter(|b| b.in_use)
        .ok_or_else(|| StoreError::not_found(format!("一件事“{code}”不存在或已停用")))?;
    let codes: Vec<String> = bundle.items.iter().map(|(c, _)| c.clone()).collect();
    let items = items_on(&mut *rd, &codes, day).await.map_err(|_| {
        StoreError::invalid(
            "code",
            format!("“{}”中有事项暂停办理，请到综合窗口咨询", bundle.name),
        )
    })?;
    for ((_, name), i) in bundle.items.iter_mut().zip(&items) {
        *name = i.name.clone();
    }
    let fields = joined_fields(&items)?;
    let supplied = supplied_materials(&items, registration_item(&items)?)?;
    let materials = joined_materials(&items, &supplied)?;
    let mut separate = 0;
    let mut promised = 0;
    let mut statutory = 0;
    let mut fees = 0;
    let mut online = true;
    for i in &items {
        let c = i.content()?;
        separate += c.materials.len();
        promised = promised.max(i64::from(c.promised.in_working_days()));
        statutory += i64::from(c.statutory.in_working_days());
        fees += c.fees.iter().map(|f| f.amount_fen).sum::<i64>();
        online &= c.online_depth.accepts_online();
    }
    let establishment = registration_item(&items)?.is_some();
    Ok(BundleGuide {
        bundle,
        fields,
        materials,
        materials_separate: separate,
        promised_days: promised,
        statutory_days: statutory,
        fees_fen: fees,
        online,
        establishment,
        supplied,
        items,
    })
}

/// The guide of a bundle in use today.
pub async fn guide(store: &Store, code: &str) -> Result<BundleGuide> {
    let mut rd = store.reader().await?;
    guide_in(&mut rd, code, time::local_day(time::now())).await
}
