//! Business registration (三证合一、一照一码): a window of the market regulation
//! department files an establishment (设立), a change (变更) or a deregistration
//! (注销) as an ordinary case of a catalog item marked for it; the department reviews
//! and decides it with the case engine and its clocks. When the case closes with
//! approval (`settle`, inside the closing transaction) an establishment generates the
//! entity's unified social credit code (GB 32100) and issues its business license, a
//! change amends the entity and issues a new license in place of the old, and a
//! deregistration ends the entity and revokes its license. The code is never reused.

pub mod entities;

use crate::audit::{self, Actor};
use crate::licenses::{self, Closing, License};
use crate::org::Principal;
use crate::{Keys, Result, Store, StoreError, stats, time};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;
use sqlx::{AnyConnection, Row};
use std::sync::Arc;
use tongban_domain::case::{ApplicantInput, Application, ApplicationInput, CaseStatus, Filer};
use tongban_domain::codes::{CreditCode, IdNumber};
use tongban_domain::registration::{
    ChangeInput, Changes, DeregisterInput, EntityStatus, EntityType, EstablishInput, Holder,
    NewEntity, RegistrationKind,
};

pub use entities::{
    EntityExport, EntityFilter, EntityView, PublicEntity, RegistrationExport, RegistrationView,
};

/// Setting: the division code (统一社会信用代码第3—8位) of the registering office.
pub const DIVISION_SETTING: &str = "registration_division";
/// The division of a county-level city when none is set (昆山市).
pub const DEFAULT_DIVISION: &str = "320583";
/// What a business license is called on the document.
pub const BUSINESS_LICENSE: &str = "营业执照";

/// Who files registrations: the windows that accept applications.
fn may_file(p: &Principal) -> Result<()> {
    if p.role.accepts_applications() {
        Ok(())
    } else {
        Err(StoreError::Forbidden(format!(
            "{}不能受理商事登记申请",
            p.role.label()
        )))
    }
}

/// The registration items of a kind in force today: `(code, name)`, in code order.
pub async fn items(store: &Store, kind: RegistrationKind) -> Result<Vec<(String, String)>> {
    let mut rd = store.reader().await?;
    items_in(&mut rd, kind).await
}

async fn items_in(rd: &mut AnyConnection, kind: RegistrationKind) -> Result<Vec<(String, String)>> {
    let today = time::local_day(time::now());
    // The content's JSON narrows the catalog; the parsed content decides.
    let rows = sqlx::query(
        "SELECT i.code FROM items i JOIN item_versions v ON v.item_id = i.id \
         WHERE v.published_at IS NOT NULL AND v.content LIKE $1 ORDER BY i.code",
    )
    .bind(format!("%\"registration\":\"{}\"%", kind.as_str()))
    .fetch_all(&mut *rd)
    .await?;
    let mut out: Vec<(String, String)> = vec![];
    for r in rows {
        let code: String = r.try_get(0)?;
        if out.iter().any(|(c, _)| *c == code) {
            continue;
        }
        if let Some(item) = crate::catalog::item_in_force(&mut *rd, &code, today).await?
            && let Some(c) = item.content.as_ref()
            && c.registration == Some(kind)
            && c.status == tongban_domain::catalog::ItemStatus::InUse
            // Decided by the department: an instant item would close before its
            // registration is written.
            && !c.instant
        {
            out.push((code, c.name.clone()));
        }
    }
    Ok(out)
}

/// The item a registration is filed under: the one asked for (which must be a
/// registration item of that kind), or the first of its kind.
async fn item_for(
    rd: &mut AnyConnection,
    kind: RegistrationKind,
    asked: Option<&str>,
) -> Result<String> {
    let items = items_in(rd, kind).await?;
    match asked.map(str::trim).filter(|s| !s.is_empty()) {
        Some(code) => items
            .into_iter()
            .find(|(c, _)| c == code)
            .map(|(c, _)| c)
            .ok_or_else(|| {
                StoreError::invalid(
                    "item_code",
                    format!("事项“{code}”不是在用的{}事项", kind.label()),
                )
            }),
        None => items.into_iter().next().map(|(c, _)| c).ok_or_else(|| {
            StoreError::invalid(
                "item_code",
                format!(
                    "事项清单中没有在用的{}事项：请系统管理员在事项的“商事登记业务”中标明",
                    kind.label()
                ),
            )
        }),
    }
}

/// The town an entity is in: a town's service point.
async fn town_id(rd: &mut AnyConnection, code: &str) -> Result<i64> {
    match crate::org::point_by_code(rd, code).await? {
        Some(p) if p.kind == tongban_domain::org::PointKind::Town => Ok(p.id),
        _ => Err(StoreError::invalid(
            "town",
            format!("所在区镇“{code}”不是区镇便民服务中心的代码"),
        )),
    }
}

/// A name no active entity holds (名称不得重复), `except` the entity itself.
async fn name_free(conn: &mut AnyConnection, name: &str, except: Option<i64>) -> Result<()> {
    let taken: Option<i64> = sqlx::query_scalar(
        "SELECT id FROM entities WHERE name = $1 AND status = 'active' AND id <> $2",
    )
    .bind(name)
    .bind(except.unwrap_or(-1))
    .fetch_optional(&mut *conn)
    .await?;
    match taken {
        Some(_) => Err(StoreError::Conflict {
            field: "name",
            message: format!("名称“{name}”已被登记，请更换名称"),
        }),
        None => Ok(()),
    }
}

/// The case a registration opens: accepted at the window, the applicant as given.
fn case_of(
    item_code: String,
    applicant: ApplicantInput,
    note: String,
    today: chrono::NaiveDate,
) -> Result<Application> {
    let input = ApplicationInput {
        item_code: Some(item_code),
        channel: Some("window".into()),
        applicant: Some(applicant),
        accept: Some(true),
        note: Some(note),
        ..ApplicationInput::default()
    };
    Application::parse(&input, Filer::Clerk, today).map_err(StoreError::from)
}

/// A registration's application as kept: ID numbers encrypted.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
enum Kept {
    Establish { entity: NewEntity },
    Change { changes: Changes },
    Deregister { reason: String },
}

/// The entity with every ID number encrypted (the legal representative's, the
/// investors who are people).
fn seal_entity(keys: &Keys, e: &NewEntity) -> NewEntity {
    let mut e = e.clone();
    e.legal_rep_id_number = keys.encrypt(&e.legal_rep_id_number);
    e.legal_rep_phone = keys.encrypt(&e.legal_rep_phone);
    for i in &mut e.investors {
        if let Holder::Person { id_number } = &mut i.holder {
            *id_number = keys.encrypt(id_number);
        }
    }
    e
}

fn masked_id(plain: &str) -> String {
    IdNumber::parse(plain)
        .map(|i| i.masked())
        .unwrap_or_else(|_| "******".into())
}

/// A new registration's row and audit entry, in the transaction of its case.
struct Filed {
    kind: RegistrationKind,
    entity_id: Option<i64>,
    name: String,
    entity_type: EntityType,
    kept: Kept,
    actor: Actor,
    keys: Keys,
}

async fn file(tx: &mut AnyConnection, f: &Filed, case_id: i64, case_no: &str) -> Result<()> {
    match f.entity_id {
        None => name_free(&mut *tx, &f.name, None).await?,
        Some(entity) => open_for(&mut *tx, entity).await?,
    }
    let application = serde_json::to_string(&f.kept)
        .map_err(|e| StoreError::Other(anyhow::anyhow!("registration: {e}")))?;
    sqlx::query(
        "INSERT INTO registrations (case_id, kind, entity_id, name, entity_type, application, licensed) \
         VALUES ($1, $2, $3, $4, $5, $6, 0)",
    )
    .bind(case_id)
    .bind(f.kind.as_str())
    .bind(f.entity_id)
    .bind(&f.name)
    .bind(f.entity_type.as_str())
    .bind(application)
    .execute(&mut *tx)
    .await?;
    audit::append(
        tx,
        &f.keys,
        &f.actor,
        "registration.file",
        "case",
        case_no,
        json!({ "kind": f.kind.as_str(), "name": f.name }),
    )
    .await?;
    Ok(())
}

/// An entity open to a change or deregistration: active, and no other registration
/// of it still being decided (checked in the filing transaction).
async fn open_for(tx: &mut AnyConnection, entity_id: i64) -> Result<()> {
    let finals: Vec<String> = CaseStatus::ALL
        .iter()
        .filter(|s| s.is_final())
        .map(|s| format!("'{}'", s.as_str()))
        .collect();
    let open: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
        "SELECT COUNT(*) FROM registrations r JOIN cases c ON c.id = r.case_id \
         WHERE r.entity_id = $1 AND c.status NOT IN ({})",
        finals.join(", ")
    )))
    .bind(entity_id)
    .fetch_one(&mut *tx)
    .await?;
    if open > 0 {
        return Err(StoreError::Conflict {
            field: "credit_code",
            message: "该市场主体尚有办理中的登记申请，办结后方可再次申请".into(),
        });
    }
    Ok(())
}

async fn file_case(
    store: &Store,
    p: &Principal,
    app: Application,
    filed: Filed,
    at: DateTime<Utc>,
) -> Result<RegistrationView> {
    let no = open_case(store, crate::cases::Creator::Staff(p), app, filed, at).await?;
    entities::registration(store, p, &no).await
}

/// Opens the registration's case and writes the registration in its transaction;
/// the case's number.
async fn open_case(
    store: &Store,
    creator: crate::cases::Creator<'_>,
    app: Application,
    filed: Filed,
    at: DateTime<Utc>,
) -> Result<String> {
    let filed = Arc::new(filed);
    let (cases, ()) = crate::cases::create_batch_as(store, creator, &[app], at, move |tx, ids| {
        let filed = filed.clone();
        Box::pin(async move {
            let (id, no) = ids
                .first()
                .ok_or_else(|| StoreError::Other(anyhow::anyhow!("no case opened")))?;
            file(tx, &filed, *id, no).await
        })
    })
    .await?;
    cases
        .first()
        .map(|c| c.case_no.clone())
        .ok_or_else(|| StoreError::Other(anyhow::anyhow!("no case opened")))
}

/// Files an establishment online for the signed-in applicant as its legal
/// representative (their verified name, ID number and phone): the particulars
/// checked whole, the materials the draft's files; the case awaits the department's
/// pre-review like any online application. The case's number.
pub async fn establish_online(
    store: &Store,
    a: &crate::applicants::ApplicantSession,
    input: &EstablishInput,
    item_code: &str,
    draft: &str,
    note: Option<&str>,
) -> Result<String> {
    let now = time::now();
    let today = time::local_day(now);
    let mut input = input.clone();
    input.legal_rep_name = a.name.clone();
    input.legal_rep_id_number = a.id_number.clone();
    input.legal_rep_phone = a.phone.clone();
    let part = establish_part(store, &a.actor(), &input, today).await?;
    let mut rd = store.reader().await?;
    let item = item_for(&mut rd, RegistrationKind::Establish, Some(item_code)).await?;
    drop(rd);
    let creator = crate::cases::Creator::Applicant(a);
    let app = ApplicationInput {
        item_code: Some(item),
        channel: Some("online".into()),
        applicant: Some(part.applicant),
        draft: Some(draft.to_string()),
        note: Some(match note.map(str::trim).filter(|n| !n.is_empty()) {
            Some(n) => format!("{}；{n}", part.note),
            None => part.note,
        }),
        ..ApplicationInput::default()
    };
    let app = Application::parse(&app, creator.filer(), today).map_err(StoreError::from)?;
    open_case(store, creator, app, part.filed, now).await
}

/// An establishment checked and ready to file with its case: the legal
/// representative as applicant, the case's note, and what the case's transaction
/// writes (a "one thing" bundle files it beside the bundle's other cases).
pub struct EstablishPart {
    pub applicant: ApplicantInput,
    pub note: String,
    filed: Filed,
}

/// Checks an establishment whole (every fault named): a town of the city, a name no
/// active entity holds.
pub async fn establish_part(
    store: &Store,
    actor: &Actor,
    input: &EstablishInput,
    today: chrono::NaiveDate,
) -> Result<EstablishPart> {
    let new = input.check(today)?;
    let mut rd = store.reader().await?;
    town_id(&mut rd, &new.town).await?;
    name_free(&mut rd, &new.name, None).await?;
    Ok(EstablishPart {
        applicant: ApplicantInput {
            kind: Some("person".into()),
            name: Some(new.legal_rep_name.clone()),
            id_number: Some(new.legal_rep_id_number.clone()),
            phone: Some(new.legal_rep_phone.clone()),
            ..ApplicantInput::default()
        },
        note: format!(
            "{}：{}（{}）",
            RegistrationKind::Establish.label(),
            new.name,
            new.entity_type.label()
        ),
        filed: Filed {
            kind: RegistrationKind::Establish,
            entity_id: None,
            name: new.name.clone(),
            entity_type: new.entity_type,
            kept: Kept::Establish {
                entity: seal_entity(store.keys(), &new),
            },
            actor: actor.clone(),
            keys: store.keys().clone(),
        },
    })
}

/// Writes a checked establishment on its case, in the transaction that opens it.
pub async fn file_part(
    tx: &mut AnyConnection,
    part: &EstablishPart,
    case_id: i64,
    case_no: &str,
) -> Result<()> {
    file(tx, &part.filed, case_id, case_no).await
}

/// Files an establishment (设立登记) at a window: the application checked whole
/// (every fault named), its case opened and accepted under the establishment item,
/// the legal representative as applicant; as of `at` (now, or a history's day).
pub async fn establish(
    store: &Store,
    p: &Principal,
    input: &EstablishInput,
    item_code: Option<&str>,
    at: DateTime<Utc>,
) -> Result<RegistrationView> {
    may_file(p)?;
    let today = time::local_day(at);
    let part = establish_part(store, &p.actor(), input, today).await?;
    let mut rd = store.reader().await?;
    let item = item_for(&mut rd, RegistrationKind::Establish, item_code).await?;
    drop(rd);
    let app = case_of(item, part.applicant, part.note, today)?;
    file_case(store, p, app, part.filed, at).await
}

/// The entity a change or deregistration is for: `(id, name, type, status)`.
async fn entity_of(
    rd: &mut AnyConnection,
    code: &CreditCode,
) -> Result<(i64, String, EntityType, EntityStatus)> {
    let r =
        sqlx::query("SELECT id, name, entity_type, status FROM entities WHERE credit_code = $1")
            .bind(code.as_str())
            .fetch_optional(&mut *rd)
            .await?
            .ok_or_else(|| {
                StoreError::invalid(
                    "credit_code",
                    format!("统一社会信用代码“{code}”未在本机关登记"),
                )
            })?;
    let bad = |w: &str| StoreError::Other(anyhow::anyhow!("entity {code}: bad {w}"));
    let t: String = r.try_get(2)?;
    let s: String = r.try_get(3)?;
    let status = EntityStatus::parse(&s).ok_or_else(|| bad("status"))?;
    if status != EntityStatus::Active {
        return Err(StoreError::Conflict {
            field: "credit_code",
            message: format!("市场主体“{code}”已注销，不能再申请登记"),
        });
    }
    Ok((
        r.try_get(0)?,
        r.try_get(1)?,
        EntityType::parse(&t).ok_or_else(|| bad("type"))?,
        status,
    ))
}

fn organisation(name: &str, code: &CreditCode, contact: &str, phone: &str) -> ApplicantInput {
    ApplicantInput {
        kind: Some("organisation".into()),
        name: Some(name.to_string()),
        credit_code: Some(code.as_str().to_string()),
        contact: Some(contact.to_string()),
        phone: Some(phone.to_string()),
        ..ApplicantInput::default()
    }
}

/// Files a change (变更登记) of a registered, active entity; the entity applies.
pub async fn change(
    store: &Store,
    p: &Principal,
    input: &ChangeInput,
    item_code: Option<&str>,
    at: DateTime<Utc>,
) -> Result<RegistrationView> {
    may_file(p)?;
    let today = time::local_day(at);
    let code = CreditCode::parse(input.credit_code.trim())
        .map_err(|e| StoreError::invalid("credit_code", format!("统一社会信用代码{e}")))?;
    let mut rd = store.reader().await?;
    let (id, name, entity_type, _) = entity_of(&mut rd, &code).await?;
    let mut new = input.check(entity_type, today)?;
    if let Some(t) = &new.changes.town {
        town_id(&mut rd, t).await?;
    }
    if let Some(n) = &new.changes.name {
        name_free(&mut rd, n, Some(id)).await?;
    }
    let item = item_for(&mut rd, RegistrationKind::Change, item_code).await?;
    drop(rd);
    let labels = new.changes.labels().join("、");
    let app = case_of(
        item,
        organisation(&name, &code, &new.contact_name, &new.contact_phone),
        format!("{}：{name}（{labels}）", RegistrationKind::Change.label()),
        today,
    )?;
    if let Some((_, rep_id)) = &mut new.changes.legal_rep {
        *rep_id = store.keys().encrypt(rep_id);
    }
    let filed = Filed {
        kind: RegistrationKind::Change,
        entity_id: Some(id),
        name,
        entity_type,
        kept: Kept::Change {
            changes: new.changes,
        },
        actor: p.actor(),
        keys: store.keys().clone(),
    };
    file_case(store, p, app, filed, at).await
}

/// Files a deregistration (注销登记) of a registered, active entity.
pub async fn deregister(
    store: &Store,
    p: &Principal,
    input: &DeregisterInput,
    item_code: Option<&str>,
    at: DateTime<Utc>,
) -> Result<RegistrationView> {
    may_file(p)?;
    let today = time::local_day(at);
    let new = input.check()?;
    let mut rd = store.reader().await?;
    let (id, name, entity_type, _) = entity_of(&mut rd, &new.credit_code).await?;
    let item = item_for(&mut rd, RegistrationKind::Deregister, item_code).await?;
    drop(rd);
    let app = case_of(
        item,
        organisation(
            &name,
            &new.credit_code,
            &new.contact_name,
            &new.contact_phone,
        ),
        format!(
            "{}：{name}（{}）",
            RegistrationKind::Deregister.label(),
            new.reason
        ),
        today,
    )?;
    let filed = Filed {
        kind: RegistrationKind::Deregister,
        entity_id: Some(id),
        name,
        entity_type,
        kept: Kept::Deregister { reason: new.reason },
        actor: p.actor(),
        keys: store.keys().clone(),
    };
    file_case(store, p, app, filed, at).await
}

/// The office's division code for new credit codes (a setting, 320583 by default).
pub async fn division(conn: &mut AnyConnection) -> Result<String> {
    let v: Option<String> = sqlx::query_scalar("SELECT value FROM settings WHERE key = $1")
        .bind(DIVISION_SETTING)
        .fetch_optional(&mut *conn)
        .await?;
    Ok(v.filter(|s| !s.trim().is_empty())
        .unwrap_or_else(|| DEFAULT_DIVISION.to_string()))
}

/// `settle` as the license registry calls it (`licenses::wire_settle`).
pub(crate) fn settle_hook<'c>(
    tx: &'c mut AnyConnection,
    keys: &'c Keys,
    id: i64,
    closing: &'c Closing,
    actor: &'c Actor,
) -> crate::BoxFuture<'c, Result<Option<License>>> {
    Box::pin(settle(tx, keys, id, closing, actor))
}

/// What a closed registration case does, in its closing transaction (called from
/// `licenses::issue_in`): the business license issued, or none for a
/// deregistration; the registration counted.
async fn settle(
    tx: &mut AnyConnection,
    keys: &Keys,
    id: i64,
    closing: &Closing,
    actor: &Actor,
) -> Result<Option<License>> {
    let r = sqlx::query(
        "SELECT kind, entity_id, application, closed_on FROM registrations WHERE id = $1",
    )
    .bind(id)
    .fetch_one(&mut *tx)
    .await?;
    let bad = |w: &str| StoreError::Other(anyhow::anyhow!("registration {id}: bad {w}"));
    if r.try_get::<Option<String>, _>(3)?.is_some() {
        return Err(StoreError::Conflict {
            field: "case_no",
            message: format!("办件{}的登记已办结", closing.case_no),
        });
    }
    let kept: Kept =
        serde_json::from_str(&r.try_get::<String, _>(2)?).map_err(|_| bad("application"))?;
    let entity_id: Option<i64> = r.try_get(1)?;
    let day = time::day(time::local_day(closing.issued));
    let stamp = time::stamp(closing.issued);
    let (entity_id, license) = match kept {
        Kept::Establish { entity } => {
            let (eid, l) =
                establish_entity(tx, keys, closing, actor, &entity, &day, &stamp).await?;
            (eid, Some(l))
        }
        Kept::Change { changes } => {
            let eid = entity_id.ok_or_else(|| bad("entity"))?;
            let l = change_entity(tx, keys, closing, actor, eid, &changes, &stamp).await?;
            (eid, Some(l))
        }
        Kept::Deregister { reason } => {
            let eid = entity_id.ok_or_else(|| bad("entity"))?;
            deregister_entity(tx, keys, actor, eid, &reason, &day, &stamp).await?;
            (eid, None)
        }
    };
    sqlx::query(
        "UPDATE registrations SET entity_id = $1, closed_on = $2, licensed = $3, license_no = $4 WHERE id = $5",
    )
    .bind(entity_id)
    .bind(&day)
    .bind(license.is_some() as i64)
    .bind(license.as_ref().map(|l| l.license_no.clone()))
    .bind(id)
    .execute(&mut *tx)
    .await?;
    let after = stats::snapshot(
        &mut *tx,
        &stats::REGISTRATIONS,
        &[id],
        &tongban_domain::Calendar::default(),
    )
    .await?;
    stats::track(&mut *tx, &stats::REGISTRATIONS, None, &after).await?;
    Ok(license)
}

/// The particulars a business license carries.
#[allow(clippy::too_many_arguments)]
fn license_details(
    code: &str,
    name: &str,
    entity_type: &str,
    rep: &str,
    capital_fen: i64,
    scope: &str,
    address: &str,
    registered_on: &str,
    kind: RegistrationKind,
) -> serde_json::Value {
    json!({
        "credit_code": code,
        "name": name,
        "entity_type": EntityType::parse(entity_type).map(|t| t.label()).unwrap_or(entity_type),
        "legal_representative": rep,
        "registered_capital": entities::wan_yuan(capital_fen),
        "business_scope": scope,
        "address": address,
        "registered_on": registered_on,
        "registration": kind.label(),
    })
}

async fn establish_entity(
    tx: &mut AnyConnection,
    keys: &Keys,
    closing: &Closing,
    actor: &Actor,
    e: &NewEntity,
    day: &str,
    stamp: &str,
) -> Result<(i64, License)> {
    name_free(&mut *tx, &e.name, None).await?;
    let town = town_id(&mut *tx, &e.town).await?;
    let division = division(&mut *tx).await?;
    let code = crate::org::credit_code_in(
        &mut *tx,
        e.entity_type.authority(),
        e.entity_type.type_char(),
        &division,
    )
    .await?;
    let rep_id = keys
        .decrypt(&e.legal_rep_id_number)
        .map_err(|err| StoreError::Other(anyhow::anyhow!("legal rep id: {err}")))?;
    let investors = entities::kept_investors(keys, &e.investors)?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO entities (credit_code, name, entity_type, point_id, address, legal_rep_name, legal_rep_id_enc, \
         legal_rep_id_masked, registered_capital_fen, business_scope, investors, status, registered_on, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 'active', $12, $13) RETURNING id",
    )
    .bind(code.as_str())
    .bind(&e.name)
    .bind(e.entity_type.as_str())
    .bind(town)
    .bind(&e.address)
    .bind(&e.legal_rep_name)
    .bind(&e.legal_rep_id_number)
    .bind(masked_id(&rep_id))
    .bind(e.registered_capital_fen)
    .bind(&e.business_scope)
    .bind(investors)
    .bind(day)
    .bind(stamp)
    .fetch_one(&mut *tx)
    .await?;
    let details = license_details(
        code.as_str(),
        &e.name,
        e.entity_type.as_str(),
        &e.legal_rep_name,
        e.registered_capital_fen,
        &e.business_scope,
        &e.address,
        day,
        RegistrationKind::Establish,
    );
    let license = issue(tx, keys, closing, actor, id, &e.name, &code, details).await?;
    audit::append(
        tx,
        keys,
        actor,
        "entity.register",
        "entity",
        code.as_str(),
        json!({ "name": e.name, "type": e.entity_type.as_str(), "case_no": closing.case_no, "license_no": license.license_no }),
    )
    .await?;
    Ok((id, license))
}

/// Issues the business license of a closed registration and records it as the
/// entity's license in force.
#[allow(clippy::too_many_arguments)]
async fn issue(
    tx: &mut AnyConnection,
    keys: &Keys,
    closing: &Closing,
    actor: &Actor,
    entity_id: i64,
    name: &str,
    code: &CreditCode,
    details: serde_json::Value,
) -> Result<License> {
    let license = licenses::issue_for(
        tx,
        keys,
        actor,
        closing,
        BUSINESS_LICENSE,
        name,
        "organisation",
        Some(code.as_str().to_string()),
        Some(details),
    )
    .await?;
    sqlx::query("UPDATE entities SET license_no = $1 WHERE id = $2")
        .bind(&license.license_no)
        .bind(entity_id)
        .execute(&mut *tx)
        .await?;
    // The case's view shows its license.
    crate::cases::stored::renew(&mut *tx, closing.case_id).await?;
    Ok(license)
}

async fn change_entity(
    tx: &mut AnyConnection,
    keys: &Keys,
    closing: &Closing,
    actor: &Actor,
    id: i64,
    c: &Changes,
    stamp: &str,
) -> Result<License> {
    let now = entities::current(&mut *tx, id).await?;
    if now.status != EntityStatus::Active.as_str() {
        return Err(StoreError::Conflict {
            field: "credit_code",
            message: format!("市场主体“{}”已注销，不能变更登记", now.credit_code),
        });
    }
    if let Some(n) = &c.name {
        name_free(&mut *tx, n, Some(id)).await?;
    }
    let town = match &c.town {
        Some(t) => town_id(&mut *tx, t).await?,
        None => now.point_id,
    };
    let name = c.name.clone().unwrap_or(now.name.clone());
    let address = c.address.clone().unwrap_or(now.address.clone());
    let (rep, rep_enc, rep_masked) = match &c.legal_rep {
        Some((n, enc)) => {
            let plain = keys
                .decrypt(enc)
                .map_err(|err| StoreError::Other(anyhow::anyhow!("legal rep id: {err}")))?;
            (n.clone(), enc.clone(), masked_id(&plain))
        }
        None => (
            now.legal_rep_name.clone(),
            now.legal_rep_id_enc.clone(),
            now.legal_rep_id_masked.clone(),
        ),
    };
    let capital = c
        .registered_capital_fen
        .unwrap_or(now.registered_capital_fen);
    let scope = c
        .business_scope
        .clone()
        .unwrap_or(now.business_scope.clone());
    sqlx::query(
        "UPDATE entities SET name = $1, point_id = $2, address = $3, legal_rep_name = $4, legal_rep_id_enc = $5, \
         legal_rep_id_masked = $6, registered_capital_fen = $7, business_scope = $8, updated_at = $9 WHERE id = $10",
    )
    .bind(&name)
    .bind(town)
    .bind(&address)
    .bind(&rep)
    .bind(&rep_enc)
    .bind(&rep_masked)
    .bind(capital)
    .bind(&scope)
    .bind(stamp)
    .bind(id)
    .execute(&mut *tx)
    .await?;
    let code = CreditCode::parse(&now.credit_code)
        .map_err(|e| StoreError::Other(anyhow::anyhow!("entity {id}: {e}")))?;
    let details = license_details(
        code.as_str(),
        &name,
        &now.entity_type,
        &rep,
        capital,
        &scope,
        &address,
        &now.registered_on,
        RegistrationKind::Change,
    );
    let license = issue(tx, keys, closing, actor, id, &name, &code, details).await?;
    if let Some(old) = &now.license_no {
        licenses::revoke_in(
            &mut *tx,
            old,
            &format!("变更登记，换发营业执照{}", license.license_no),
        )
        .await?;
    }
    audit::append(
        tx,
        keys,
        actor,
        "entity.change",
        "entity",
        code.as_str(),
        json!({ "changed": c.labels(), "case_no": closing.case_no, "license_no": license.license_no }),
    )
    .await?;
    Ok(license)
}

async fn deregister_entity(
    tx: &mut AnyConnection,
    keys: &Keys,
    actor: &Actor,
    id: i64,
    reason: &str,
    day: &str,
    stamp: &str,
) -> Result<()> {
    let now = entities::current(&mut *tx, id).await?;
    let n = sqlx::query(
        "UPDATE entities SET status = 'deregistered', deregistered_on = $1, updated_at = $2 WHERE id = $3 AND status = 'active'",
    )
    .bind(day)
    .bind(stamp)
    .bind(id)
    .execute(&mut *tx)
    .await?;
    if n.rows_affected() != 1 {
        return Err(StoreError::Conflict {
            field: "credit_code",
            message: format!("市场主体“{}”已注销", now.credit_code),
        });
    }
    if let Some(old) = &now.license_no {
        licenses::revoke_in(&mut *tx, old, &format!("注销登记：{reason}")).await?;
    }
    audit::append(
        tx,
        keys,
        actor,
        "entity.deregister",
        "entity",
        &now.credit_code,
        json!({ "reason": reason }),
    )
    .await?;
    Ok(())
}
