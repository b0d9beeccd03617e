//! OCDS 1.1 publication of the trading announcements: each announcement is a release
//! of its project's contracting process (the project's ocid), tagged by its stage
//! (`tender`, `tenderAmendment`, `awardUpdate` for the candidates, `award`,
//! `contract`); a record is a process's releases with their compiled release.
//! Releases are read a page at a time by keyset, so no page holds more than it shows.

use super::announcements::{COLUMNS, NoticeView, view_from};
use crate::{Result, Store, StoreError, time};
use serde_json::{Map, Value, json};
use tongban_domain::trading::{Stage, SupplierInput, TradingKind, yuan};

/// The OCDS extensions the releases use: lots (`tender.lots`, `relatedLots`) and bids
/// (`bids.details`), declared in every package.
pub const EXTENSIONS: &[&str] = &[
    "https://raw.githubusercontent.com/open-contracting-extensions/ocds_lots_extension/v1.1.5/extension.json",
    "https://raw.githubusercontent.com/open-contracting-extensions/ocds_bid_extension/v1.1.5/extension.json",
];

/// The OCDS party id of an organisation: its credit code, or its name.
fn party_id(name: &str, code: Option<&str>) -> String {
    match code.filter(|c| !c.is_empty()) {
        Some(c) => format!("CN-USCC-{c}"),
        None => format!(
            "name-{}",
            crate::protect::sm3_hex(name.as_bytes())[..16].to_owned()
        ),
    }
}

fn party(name: &str, code: Option<&str>, role: &str) -> Value {
    let mut p = json!({ "id": party_id(name, code), "name": name, "roles": [role] });
    if let Some(c) = code.filter(|c| !c.is_empty()) {
        p["identifier"] = json!({ "scheme": "CN-USCC", "id": c, "legalName": name });
    }
    p
}

fn value(fen: i64) -> Value {
    json!({ "amount": yuan(fen), "currency": "CNY" })
}

/// The award a result describes for a lot (one per project and lot: its id is stable,
/// so the contract refers to it and the compiled release merges them).
fn award_id(n: &NoticeView, lot: &str) -> String {
    if lot.is_empty() {
        format!("{}-award", n.project_ref)
    } else {
        format!("{}-award-{lot}", n.project_ref)
    }
}

/// The suppliers of an announcement grouped by the lot they are named for, in the
/// order the lots first appear (one group, lot `""`, when it names none).
fn by_lot(n: &NoticeView) -> Vec<(&str, Vec<&SupplierInput>)> {
    let mut groups: Vec<(&str, Vec<&SupplierInput>)> = vec![];
    for s in &n.suppliers {
        match groups.iter_mut().find(|(l, _)| *l == s.lot.as_str()) {
            Some((_, g)) => g.push(s),
            None => groups.push((s.lot.as_str(), vec![s])),
        }
    }
    groups
}

/// An announcement as an OCDS release.
pub fn release(n: &NoticeView) -> Value {
    let stage = Stage::parse(&n.stage).unwrap_or(Stage::Tender);
    let kind = TradingKind::parse(&n.kind).unwrap_or(TradingKind::Works);
    let mut parties = vec![party(&n.buyer_name, n.buyer_code.as_deref(), "buyer")];
    if let Some(agent) = &n.agent_name {
        parties.push(party(agent, n.agent_code.as_deref(), "procuringEntity"));
    }
    let supplier_role = if stage == Stage::Candidates {
        "tenderer"
    } else {
        "supplier"
    };
    for s in &n.suppliers {
        let code = (!s.credit_code.is_empty()).then_some(s.credit_code.as_str());
        let id = party_id(&s.name, code);
        if !parties.iter().any(|p| p["id"] == id.as_str()) {
            parties.push(party(&s.name, code, supplier_role));
        }
    }
    for b in &n.bids {
        let code = (!b.credit_code.is_empty()).then_some(b.credit_code.as_str());
        let id = party_id(&b.name, code);
        match parties.iter_mut().find(|p| p["id"] == id.as_str()) {
            Some(p) => {
                if let Some(roles) = p["roles"].as_array_mut()
                    && !roles.iter().any(|r| r == "tenderer")
                {
                    roles.push(json!("tenderer"));
                }
            }
            None => parties.push(party(&b.name, code, "tenderer")),
        }
    }
    let project = n.project_ref.clone();
    let mut tender = json!({
        "id": project,
        "title": n.title,
        "status": match stage {
            Stage::Tender | Stage::Amendment | Stage::Candidates => "active",
            Stage::Result | Stage::Contract => "complete",
        },
        "mainProcurementCategory": kind.ocds_category(),
    });
    if !n.lots.is_empty() {
        tender["lots"] = n
            .lots
            .iter()
            .map(|l| {
                let mut lot = json!({ "id": l.id, "title": l.title });
                if let Some(fen) = l.amount_fen {
                    lot["value"] = value(fen);
                }
                lot
            })
            .collect();
    }
    if matches!(stage, Stage::Tender | Stage::Amendment) {
        if let Some(fen) = n.amount_fen {
            tender["value"] = value(fen);
        }
        if !n.body.is_empty() {
            tender["description"] = json!(n.body);
        }
    }
    if let Some(agent) = &n.agent_name {
        tender["procuringEntity"] =
            json!({ "id": party_id(agent, n.agent_code.as_deref()), "name": agent });
    }
    if stage == Stage::Candidates {
        // Each organisation once (OCDS arrays of references are unique).
        let all: Vec<&SupplierInput> = n.suppliers.iter().collect();
        tender["tenderers"] = Value::Array(refs(&all));
    }
    let date = format!("{}T00:00:00+08:00", n.published_on);
    let mut r = json!({
        "ocid": n.ocid,
        "id": format!("{}-{}-v{}", n.source, n.source_id, n.version),
        "date": date,
        "tag": [stage.ocds_tag()],
        "initiationType": "tender",
        "language": "zh",
        "parties": parties,
        "buyer": { "id": party_id(&n.buyer_name, n.buyer_code.as_deref()), "name": n.buyer_name },
        "tender": tender,
    });
    match stage {
        Stage::Candidates | Stage::Result => r["awards"] = awards(n, stage, &date),
        Stage::Contract => r["contracts"] = contracts(n, &project, &date),
        Stage::Tender | Stage::Amendment => {}
    }
    if !n.bids.is_empty() {
        r["bids"] = bids(n, &project, &date);
    }
    r
}

/// A group of suppliers' price: their amounts, or (the announcement's only group) the
/// announcement's awarded or own amount.
fn price(n: &NoticeView, g: &[&SupplierInput], groups: usize) -> i64 {
    let sum: i64 = g.iter().filter_map(|s| s.amount_fen).sum();
    if sum > 0 || groups > 1 {
        sum
    } else if n.awarded_fen > 0 {
        n.awarded_fen
    } else {
        n.amount_fen.unwrap_or(0)
    }
}

/// Suppliers as OCDS organisation references, each once.
fn refs(g: &[&SupplierInput]) -> Vec<Value> {
    let mut out: Vec<Value> = vec![];
    for s in g {
        let code = (!s.credit_code.is_empty()).then_some(s.credit_code.as_str());
        let o = json!({ "id": party_id(&s.name, code), "name": s.name });
        if !out.iter().any(|x| x["id"] == o["id"]) {
            out.push(o);
        }
    }
    out
}

/// The awards of a candidates or result announcement: one a lot.
fn awards(n: &NoticeView, stage: Stage, date: &str) -> Value {
    let groups = by_lot(n);
    let awards: Vec<Value> = groups
        .iter()
        .map(|(lot, g)| {
            let mut award = json!({
                "id": award_id(n, lot),
                "title": n.title,
                "status": if stage == Stage::Result { "active" } else { "pending" },
                "date": date,
                "suppliers": refs(g),
            });
            let fen = price(n, g, groups.len());
            if stage == Stage::Result && fen > 0 {
                award["value"] = value(fen);
            }
            if !lot.is_empty() {
                award["relatedLots"] = json!([lot]);
            }
            award
        })
        .collect();
    json!(awards)
}

/// The contracts of a contract announcement: one a lot, each on its lot's award.
fn contracts(n: &NoticeView, project: &str, date: &str) -> Value {
    let groups = by_lot(n);
    let contracts: Vec<Value> = groups
        .iter()
        .map(|(lot, g)| {
            let id = if lot.is_empty() {
                format!("{project}-contract")
            } else {
                format!("{project}-contract-{lot}")
            };
            json!({
                "id": id,
                "awardID": award_id(n, lot),
                "title": n.title,
                "status": "active",
                "value": value(price(n, g, groups.len())),
                "dateSigned": date,
            })
        })
        .collect();
    json!(contracts)
}

/// The bids an announcement lists, as the bid extension's `bids.details`.
fn bids(n: &NoticeView, project: &str, date: &str) -> Value {
    let details: Vec<Value> = n
        .bids
        .iter()
        .map(|b| {
            let code = (!b.credit_code.is_empty()).then_some(b.credit_code.as_str());
            // Stable across the project's announcements: its lot and bidder.
            let id = if b.lot.is_empty() {
                format!("{project}-bid-{}", party_id(&b.name, code))
            } else {
                format!("{project}-bid-{}-{}", b.lot, party_id(&b.name, code))
            };
            let mut d = json!({
                "id": id,
                "date": date,
                "status": "valid",
                "tenderers": [{ "id": party_id(&b.name, code), "name": b.name }],
            });
            if let Some(fen) = b.amount_fen {
                d["value"] = value(fen);
            }
            if !b.lot.is_empty() {
                d["relatedLots"] = json!([b.lot]);
            }
            d
        })
        .collect();
    json!({ "details": details })
}

/// Merges arrays of objects by `id`, a later object's fields over an earlier's.
fn merge_by_id(into: &mut Vec<Value>, more: &[Value]) {
    for m in more {
        match into.iter_mut().find(|x| x["id"] == m["id"]) {
            Some(x) => {
                if let (Some(xo), Some(mo)) = (x.as_object_mut(), m.as_object()) {
                    for (k, v) in mo {
                        if k == "roles" {
                            let mut roles: Vec<Value> = xo
                                .get("roles")
                                .and_then(Value::as_array)
                                .cloned()
                                .unwrap_or_default();
                            for r in v.as_array().into_iter().flatten() {
                                if !roles.contains(r) {
                                    roles.push(r.clone());
                                }
                            }
                            xo.insert(k.clone(), Value::Array(roles));
                        } else {
                            xo.insert(k.clone(), v.clone());
                        }
                    }
                }
            }
            None => into.push(m.clone()),
        }
    }
}

/// The compiled release of a process: its releases merged in date order.
pub fn compile(ocid: &str, releases: &[Value]) -> Value {
    let mut parties: Vec<Value> = vec![];
    let mut awards: Vec<Value> = vec![];
    let mut contracts: Vec<Value> = vec![];
    let mut bids: Vec<Value> = vec![];
    let mut tender = Map::new();
    let mut buyer = Value::Null;
    let mut date = Value::Null;
    for r in releases {
        merge_by_id(
            &mut parties,
            r["parties"].as_array().map_or(&[], Vec::as_slice),
        );
        merge_by_id(
            &mut awards,
            r["awards"].as_array().map_or(&[], Vec::as_slice),
        );
        merge_by_id(
            &mut contracts,
            r["contracts"].as_array().map_or(&[], Vec::as_slice),
        );
        merge_by_id(
            &mut bids,
            r["bids"]["details"].as_array().map_or(&[], Vec::as_slice),
        );
        if let Some(t) = r["tender"].as_object() {
            for (k, v) in t {
                if k == "lots" {
                    // Lots merge by id: a later notice naming some does not drop the rest.
                    let mut lots = tender
                        .get("lots")
                        .and_then(Value::as_array)
                        .cloned()
                        .unwrap_or_default();
                    merge_by_id(&mut lots, v.as_array().map_or(&[], Vec::as_slice));
                    tender.insert(k.clone(), Value::Array(lots));
                } else {
                    tender.insert(k.clone(), v.clone());
                }
            }
        }
        buyer = r["buyer"].clone();
        date = r["date"].clone();
    }
    let mut c = json!({
        "ocid": ocid,
        "id": format!("{ocid}-compiled"),
        "date": date,
        "tag": ["compiled"],
        "initiationType": "tender",
        "language": "zh",
        "parties": parties,
        "buyer": buyer,
        "tender": Value::Object(tender),
    });
    if !awards.is_empty() {
        c["awards"] = Value::Array(awards);
    }
    if !contracts.is_empty() {
        c["contracts"] = Value::Array(contracts);
    }
    if !bids.is_empty() {
        c["bids"] = json!({ "details": bids });
    }
    c
}

/// Releases a page holds.
pub const PAGE: i64 = 100;

/// A page of releases, oldest first, after `cursor` (`published_on,id` of the last
/// release of the page before), within a month (`YYYY-MM`) if one is given; the
/// next page's cursor when there is one.
pub async fn releases(
    store: &Store,
    cursor: Option<&str>,
    month: Option<&str>,
    size: i64,
) -> Result<(Vec<Value>, Option<String>)> {
    let (day, id) = match cursor.map(str::trim).filter(|c| !c.is_empty()) {
        None => ("0000-00-00".to_string(), 0),
        Some(c) => c
            .split_once(',')
            .and_then(|(d, i)| Some((time::day(time::parse_day(d)?), i.parse::<i64>().ok()?)))
            .ok_or_else(|| StoreError::invalid("cursor", "翻页位置无效"))?,
    };
    let (from, to) = match month.map(str::trim).filter(|m| !m.is_empty()) {
        None => ("0000-00-00".to_string(), "9999-99-99".to_string()),
        Some(m) => {
            // Exactly `YYYY-MM`, so the month's days compare as text.
            let shaped = m.len() == 7
                && m.as_bytes()[4] == b'-'
                && m.bytes()
                    .enumerate()
                    .all(|(i, b)| i == 4 || b.is_ascii_digit());
            let first = time::parse_day(&format!("{m}-01"))
                .filter(|_| shaped)
                .ok_or_else(|| {
                    StoreError::invalid("month", format!("月份“{m}”无效，应为如 2026-11"))
                })?;
            (time::day(first), format!("{m}-31"))
        }
    };
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM trading_notices t WHERE t.published_on >= $1 AND t.published_on <= $2 \
         AND (t.published_on > $3 OR (t.published_on = $4 AND t.id > $5)) \
         ORDER BY t.published_on, t.id LIMIT $6"
    )))
    .bind(&from)
    .bind(&to)
    .bind(&day)
    .bind(&day)
    .bind(id)
    .bind(size + 1)
    .fetch_all(&mut *store.reader().await?)
    .await?;
    let mut views: Vec<NoticeView> = rows.iter().map(view_from).collect::<Result<_>>()?;
    let next = if views.len() as i64 > size {
        views.truncate(size as usize);
        views.last().map(|v| format!("{},{}", v.published_on, v.id))
    } else {
        None
    };
    Ok((views.iter().map(release).collect(), next))
}

/// The record of a contracting process: its releases oldest first and the compiled
/// release.
pub async fn record(store: &Store, ocid: &str) -> Result<Value> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM trading_notices t WHERE t.ocid = $1 ORDER BY t.published_on, t.id"
    )))
    .bind(ocid.trim())
    .fetch_all(&mut *store.reader().await?)
    .await?;
    if rows.is_empty() {
        return Err(StoreError::not_found(format!(
            "交易项目“{}”不存在",
            ocid.trim()
        )));
    }
    let releases: Vec<Value> = rows
        .iter()
        .map(view_from)
        .collect::<Result<Vec<_>>>()?
        .iter()
        .map(release)
        .collect();
    Ok(json!({
        "ocid": ocid.trim(),
        "compiledRelease": compile(ocid.trim(), &releases),
        "releases": releases,
    }))
}
