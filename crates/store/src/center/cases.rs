//! Cases (办件) in the database: application, every lifecycle action, the clocks,
//! ratings and their follow-ups. Each write is one transaction that checks the
//! actor's scope in its query, records an event, and appends to the audit chain.

use crate::audit::{self, Actor};
use crate::catalog::parse_unit;
use crate::org::{Principal, center_point, point_by_code};
use crate::{Result, Sql, Store, StoreError, calendar, time};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use sqlx::{AnyConnection, Row};
use std::sync::Arc;
use tongban_domain::calendar::{Calendar, Pause, TimeUnit};
use tongban_domain::case::{
    Action, Applicant, ApplicantInput, CaseNo, CaseState, CaseStatus, Channel, TransitionError,
    Urgency, mask_id, urgency,
};
use tongban_domain::catalog::{ItemContent, extension_days};
use tongban_domain::org::{PointKind, Role};
use tongban_domain::rating::{FOLLOW_UP_WORKING_DAYS, MAX_COMMENT_CHARS, RatingLevel};

/// Working days within which an application must be accepted, refused or told what
/// is missing (行政许可法第三十二条); later, it counts as accepted on receipt.
pub const DEEMED_ACCEPTANCE_DAYS: u32 = 5;

/// An application as the API or a form gives it.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct NewCase {
    pub item_code: Option<String>,
    pub channel: Option<String>,
    pub point: Option<String>,
    pub applicant: Option<ApplicantInput>,
    /// Names of the materials handed in; when given, checked against the item.
    pub materials: Option<Vec<String>>,
    /// At a window, `false` registers the application without accepting it yet, so
    /// the clerk can ask for missing materials (补正) or refuse it (不予受理).
    pub accept: Option<bool>,
    /// The portal's draft whose uploaded files become the case's materials.
    #[serde(skip)]
    pub draft: Option<String>,
    pub note: Option<String>,
}

/// An action on a case.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ActionInput {
    pub action: Option<String>,
    pub note: Option<String>,
    /// 办结: number of the license or document issued.
    pub document_no: Option<String>,
}

/// Who an event is recorded as: a staff member, or an applicant online.
#[derive(Debug, Clone)]
pub struct EventActor {
    pub id: Option<i64>,
    pub name: String,
}

impl From<&Principal> for EventActor {
    fn from(p: &Principal) -> Self {
        Self {
            id: Some(p.user_id),
            name: actor_label(p),
        }
    }
}

/// Who files an application: a clerk at a window (or entering an online one), or
/// the applicant signed in to the portal.
#[derive(Clone, Copy)]
pub enum Creator<'a> {
    Staff(&'a Principal),
    Applicant(&'a crate::applicants::ApplicantSession),
}

/// The SQL condition that limits a principal to the cases it may see.
fn scope(p: &Principal, sql: &mut Sql) -> Result<()> {
    match p.role {
        r if r.sees_all_cases() => {}
        Role::Approver | Role::DepartmentHead => {
            sql.push(" AND c.department_id = ")
                .bind_i(p.department_id.unwrap_or(-1));
        }
        Role::WindowClerk => match (p.department_id, p.point_id) {
            (Some(d), _) => {
                sql.push(" AND c.department_id = ").bind_i(d);
            }
            (None, Some(pt)) => {
                sql.push(" AND c.point_id = ").bind_i(pt);
            }
            (None, None) => {
                sql.push(" AND 1 = 0");
            }
        },
        Role::TownClerk => {
            sql.push(" AND c.point_id = ")
                .bind_i(p.point_id.unwrap_or(-1));
        }
        _ => return Err(StoreError::Forbidden("当前角色无权查看办件".into())),
    }
    Ok(())
}

const CASE_COLUMNS: &str = "c.id, c.case_no, c.item_id, c.item_version, c.department_id, c.point_id, c.channel, c.status, c.instant, \
     c.applicant_kind, c.applicant_name, c.id_type, c.id_number_masked, c.credit_code, c.contact, c.phone_masked, c.verify_digest, \
     c.submitted_at, c.accepted_at, c.accepted_on, c.acceptance_no, c.decided_at, c.closed_at, \
     c.promised_days, c.promised_unit, c.statutory_days, c.statutory_unit, c.extension_days, c.promised_deadline, c.legal_deadline, \
     c.deadline_estimated, c.result, c.document_no, c.reason, c.materials, \
     i.code AS item_code, v.name AS item_name, d.code AS dcode, d.name AS dname, p.code AS pcode, p.name AS pname, \
     r.level AS r_level, r.comment AS r_comment, r.rated_at AS r_rated_at, f.due_on AS f_due_on, f.answered_at AS f_answered_at, \
     f.answer AS f_answer, lic.license_no AS license_no";

const CASE_FROM: &str = " FROM cases c JOIN items i ON i.id = c.item_id \
     JOIN item_versions v ON v.item_id = c.item_id AND v.version = c.item_version \
     JOIN departments d ON d.id = c.department_id JOIN points p ON p.id = c.point_id LEFT JOIN ratings r ON r.case_id = c.id LEFT JOIN rating_followups f ON f.case_id = c.id \
     LEFT JOIN licenses lic ON lic.case_id = c.id WHERE 1 = 1";

/// A case row, as loaded for an action and written back.
#[derive(Debug, Clone)]
struct CaseRow {
    id: i64,
    case_no: String,
    department_id: i64,
    point_id: i64,
    status: CaseStatus,
    instant: bool,
    verify_digest: String,
    accepted_at: Option<String>,
    accepted_on: Option<String>,
    acceptance_no: Option<String>,
    decided_at: Option<String>,
    closed_at: Option<String>,
    promised: (u32, TimeUnit),
    statutory: (u32, TimeUnit),
    extension_days: i64,
    promised_deadline: Option<String>,
    legal_deadline: Option<String>,
    deadline_estimated: bool,
    result: Option<String>,
    document_no: Option<String>,
    reason: Option<String>,
}

fn status_of(s: &str) -> Result<CaseStatus> {
    CaseStatus::parse(s)
        .ok_or_else(|| StoreError::Other(anyhow::anyhow!("unknown case status {s}")))
}

fn row_from(r: &sqlx::any::AnyRow) -> Result<CaseRow> {
    Ok(CaseRow {
        id: r.try_get("id")?,
        case_no: r.try_get("case_no")?,
        department_id: r.try_get("department_id")?,
        point_id: r.try_get("point_id")?,
        status: status_of(&r.try_get::<String, _>("status")?)?,
        instant: crate::flag(r, "instant")?,
        verify_digest: r.try_get("verify_digest")?,
        accepted_at: r.try_get("accepted_at")?,
        accepted_on: r.try_get("accepted_on")?,
        acceptance_no: r.try_get("acceptance_no")?,
        decided_at: r.try_get("decided_at")?,
        closed_at: r.try_get("closed_at")?,
        promised: (
            r.try_get::<i64, _>("promised_days")? as u32,
            parse_unit(&r.try_get::<String, _>("promised_unit")?),
        ),
        statutory: (
            r.try_get::<i64, _>("statutory_days")? as u32,
            parse_unit(&r.try_get::<String, _>("statutory_unit")?),
        ),
        extension_days: r.try_get("extension_days")?,
        promised_deadline: r.try_get("promised_deadline")?,
        legal_deadline: r.try_get("legal_deadline")?,
        deadline_estimated: crate::flag(r, "deadline_estimated")?,
        result: r.try_get("result")?,
        document_no: r.try_get("document_no")?,
        reason: r.try_get("reason")?,
    })
}

#[derive(Debug, Clone, Serialize)]
pub struct CodeName {
    pub code: String,
    pub name: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct ApplicantView {
    pub kind: String,
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id_type: Option<String>,
    /// Masked: people's numbers never leave the store in full in views.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id_number: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub credit_code: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub contact: Option<String>,
    pub phone: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Event {
    pub at: String,
    pub action: String,
    pub action_label: String,
    pub from_status: Option<String>,
    pub to_status: String,
    pub actor: String,
    pub point: Option<String>,
    pub note: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct RatingView {
    pub level: i64,
    pub label: &'static str,
    pub comment: String,
    pub rated_at: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub follow_up: Option<FollowUp>,
}

#[derive(Debug, Clone, Serialize)]
pub struct FollowUp {
    pub due_on: String,
    pub answered_at: Option<String>,
    pub answer: Option<String>,
}

/// A case as staff and applicants see it.
#[derive(Debug, Clone, Serialize)]
pub struct CaseView {
    pub case_no: String,
    pub status: &'static str,
    pub status_label: &'static str,
    pub item: CodeName,
    pub department: CodeName,
    pub point: CodeName,
    pub channel: String,
    pub instant: bool,
    pub applicant: ApplicantView,
    pub materials: Vec<String>,
    pub submitted_at: String,
    pub accepted_at: Option<String>,
    pub acceptance_no: Option<String>,
    pub promised_days: i64,
    pub promised_unit: &'static str,
    pub statutory_days: i64,
    pub statutory_unit: &'static str,
    pub extension_days: i64,
    pub promised_deadline: Option<String>,
    pub legal_deadline: Option<String>,
    /// The deadline runs past the years whose holidays are known: a weekdays-only estimate.
    pub deadline_estimated: bool,
    pub urgency: Urgency,
    pub urgency_label: &'static str,
    pub decided_at: Option<String>,
    pub closed_at: Option<String>,
    pub result: Option<String>,
    pub document_no: Option<String>,
    pub reason: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub events: Vec<Event>,
    pub rating: Option<RatingView>,
    /// 电子证照 issued when the case was closed with approval.
    pub license_no: Option<String>,
    /// Where the license is checked (absolute when the public address is configured).
    pub license_url: Option<String>,
}

fn unit_name(u: TimeUnit) -> &'static str {
    match u {
        TimeUnit::Working => "working",
        TimeUnit::Natural => "natural",
    }
}

fn opt_display(s: Option<String>) -> Option<String> {
    s.map(|v| time::display(&v))
}

fn view_from(r: &sqlx::any::AnyRow, cal: &Calendar, today: NaiveDate) -> Result<CaseView> {
    let row = row_from(r)?;
    let promised_deadline: Option<String> = row.promised_deadline.clone();
    let urgency = if row.status.is_final()
        || row.status == CaseStatus::Approved
        || row.status == CaseStatus::Submitted
    {
        Urgency::Normal
    } else {
        urgency(
            cal,
            promised_deadline.as_deref().and_then(time::parse_day),
            row.status,
            today,
        )
    };
    let materials: Vec<String> =
        serde_json::from_str(&r.try_get::<String, _>("materials")?).unwrap_or_default();
    let license_no: Option<String> = r.try_get("license_no")?;
    Ok(CaseView {
        case_no: row.case_no,
        status: row.status.as_str(),
        status_label: row.status.label(),
        item: CodeName {
            code: r.try_get("item_code")?,
            name: r.try_get("item_name")?,
        },
        department: CodeName {
            code: r.try_get("dcode")?,
            name: r.try_get("dname")?,
        },
        point: CodeName {
            code: r.try_get("pcode")?,
            name: r.try_get("pname")?,
        },
        channel: r.try_get("channel")?,
        instant: row.instant,
        applicant: ApplicantView {
            kind: r.try_get("applicant_kind")?,
            name: r.try_get("applicant_name")?,
            id_type: r.try_get("id_type")?,
            id_number: r.try_get("id_number_masked")?,
            credit_code: r.try_get("credit_code")?,
            contact: r.try_get("contact")?,
            phone: r.try_get("phone_masked")?,
        },
        materials,
        submitted_at: time::display(&r.try_get::<String, _>("submitted_at")?),
        accepted_at: opt_display(row.accepted_at),
        acceptance_no: row.acceptance_no,
        promised_days: row.promised.0 as i64,
        promised_unit: unit_name(row.promised.1),
        statutory_days: row.statutory.0 as i64,
        statutory_unit: unit_name(row.statutory.1),
        extension_days: row.extension_days,
        promised_deadline,
        legal_deadline: row.legal_deadline,
        deadline_estimated: row.deadline_estimated,
        urgency,
        urgency_label: urgency.label(),
        decided_at: opt_display(row.decided_at),
        closed_at: opt_display(row.closed_at),
        result: row.result,
        document_no: row.document_no,
        reason: row.reason,
        events: vec![],
        rating: rating_from(r)?,
        // Lists carry the number's page only (validity); a case's own view gives the
        // QR link with the check token.
        license_url: license_no.as_ref().map(|no| format!("/verify/{no}")),
        license_no,
    })
}

fn rating_from(r: &sqlx::any::AnyRow) -> Result<Option<RatingView>> {
    let Some(level) = r.try_get::<Option<i64>, _>("r_level")? else {
        return Ok(None);
    };
    let due: Option<String> = r.try_get("f_due_on")?;
    Ok(Some(RatingView {
        level,
        label: RatingLevel::new(level).map(|l| l.label()).unwrap_or(""),
        comment: r.try_get("r_comment")?,
        rated_at: time::display(&r.try_get::<String, _>("r_rated_at")?),
        follow_up: match due {
            Some(due_on) => Some(FollowUp {
                due_on,
                answered_at: opt_display(r.try_get("f_answered_at")?),
                answer: r.try_get("f_answer")?,
            }),
            None => None,
        },
    }))
}

/// Deadlines of an accepted case under its pauses. A deadline that runs past the
/// years whose holidays are known is a weekdays-only estimate, and flagged.
fn compute_clocks(
    cal: &Calendar,
    row: &CaseRow,
    pauses: &[Pause],
) -> (Option<String>, Option<String>, bool) {
    let Some(start) = row.accepted_on.as_deref().and_then(time::parse_day) else {
        return (None, None, false);
    };
    clocks_from(
        cal,
        start,
        row.promised,
        row.statutory,
        row.extension_days,
        pauses,
    )
}

fn clocks_from(
    cal: &Calendar,
    start: NaiveDate,
    promised: (u32, TimeUnit),
    statutory: (u32, TimeUnit),
    extension_days: i64,
    pauses: &[Pause],
) -> (Option<String>, Option<String>, bool) {
    let mut estimated = false;
    let mut due = |days: u32, unit: TimeUnit| -> Option<String> {
        match cal.due_date(start, days, unit, pauses) {
            Ok(d) => d.map(time::day),
            Err(_) => {
                if pauses.iter().any(|p| p.to.is_none()) {
                    return None;
                }
                estimated = true;
                // Shift the start by the paused days, then count weekdays.
                let paused: i64 = pauses
                    .iter()
                    .filter_map(|p| p.to.map(|t| (t - p.from).num_days()))
                    .sum();
                let from = start + chrono::Duration::days(paused);
                Some(time::day(match unit {
                    TimeUnit::Working => Calendar::estimate_deadline(from, days),
                    TimeUnit::Natural => from + chrono::Duration::days(days as i64),
                }))
            }
        }
    };
    let promised = due(promised.0, promised.1);
    let legal = if statutory.0 == 0 {
        None
    } else {
        due(statutory.0 + extension_days as u32, statutory.1)
    };
    (promised, legal, estimated)
}

async fn pauses_of(conn: &mut AnyConnection, case_id: i64) -> Result<Vec<Pause>> {
    let rows =
        sqlx::query("SELECT from_day, to_day FROM case_pauses WHERE case_id = $1 ORDER BY id")
            .bind(case_id)
            .fetch_all(conn)
            .await?;
    Ok(rows
        .iter()
        .filter_map(|r| {
            let from = time::parse_day(&r.try_get::<String, _>(0).ok()?)?;
            let to = r
                .try_get::<Option<String>, _>(1)
                .ok()?
                .as_deref()
                .and_then(time::parse_day);
            Some(Pause { from, to })
        })
        .collect())
}

/// Accepts or registers an application. At a window the clerk accepts it at once
/// (an instant item is also decided and closed); online it awaits pre-review.
pub async fn create(store: &Store, p: &Principal, input: &NewCase) -> Result<CaseView> {
    create_as(store, Creator::Staff(p), input).await
}

/// Files an application for a clerk, or for an applicant signed in to the portal
/// (always online, the applicant's own identity, any point the item is handled at).
pub async fn create_as(store: &Store, creator: Creator<'_>, input: &NewCase) -> Result<CaseView> {
    let now = time::now();
    let today = time::local_day(now);
    let staff = match creator {
        Creator::Staff(p) => Some(p),
        Creator::Applicant(_) => None,
    };
    if let Some(p) = staff
        && !p.role.accepts_applications()
    {
        return Err(StoreError::Forbidden(format!(
            "{}不能受理申请",
            p.role.label()
        )));
    }
    let item_code = input
        .item_code
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .ok_or_else(|| StoreError::invalid("item_code", "请填写事项编码"))?;
    let channel = match input.channel.as_deref() {
        _ if staff.is_none() => Channel::Online,
        Some(c) => Channel::parse(c).ok_or_else(|| {
            StoreError::invalid("channel", "申请渠道应为 online（网上）或 window（窗口）")
        })?,
        None => {
            return Err(StoreError::invalid(
                "channel",
                "请填写申请渠道：online 或 window",
            ));
        }
    };
    let applicant = match creator {
        Creator::Staff(_) => {
            let applicant_input = input
                .applicant
                .as_ref()
                .ok_or_else(|| StoreError::invalid("applicant", "请填写申请人信息"))?;
            Applicant::parse(applicant_input, today)?
        }
        // The signed-in person applies for themself, or as the contact of an
        // organisation; identity and phone are the verified ones.
        Creator::Applicant(a) => {
            let mut ai = input.applicant.clone().unwrap_or_default();
            ai.phone = Some(a.phone.clone());
            if ai.kind.as_deref() == Some("organisation") {
                ai.contact = Some(a.name.clone());
            } else {
                ai.kind = Some("person".into());
                ai.name = Some(a.name.clone());
                ai.id_type = None;
                ai.id_number = Some(a.id_number.clone());
            }
            Applicant::parse(&ai, today)?
        }
    };
    let note = match input
        .note
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        Some(n) => Some(tongban_domain::required_text("note", "备注", n, 1000)?),
        None => None,
    };

    // Reads first, outside the write transaction, so the single SQLite writer only
    // holds its lock for the writes.
    let mut rd = store.reader().await?;
    let item = crate::catalog::item_in_force(&mut rd, item_code, today)
        .await?
        .ok_or_else(|| {
            StoreError::invalid(
                "item_code",
                format!("事项编码“{item_code}”不存在或尚未生效"),
            )
        })?;
    let content = item.content()?.clone();
    if !content.open_for_applications() {
        return Err(StoreError::invalid(
            "item_code",
            format!(
                "事项“{}”当前状态为“{}”，不能申请",
                item.name, item.status_label
            ),
        ));
    }
    if channel == Channel::Online && !content.online_depth.accepts_online() {
        return Err(StoreError::invalid(
            "channel",
            format!("事项“{}”不支持网上申请", item.name),
        ));
    }
    // Where the application is taken.
    let point = match (
        staff.and_then(|p| p.point_id),
        input.point.as_deref().filter(|s| !s.is_empty()),
    ) {
        (Some(own), requested) => {
            let own = crate::org::point_by_id(&mut rd, own).await?;
            if requested.is_some_and(|r| r != own.code) {
                return Err(StoreError::Forbidden(format!(
                    "只能在本人所属服务点（{}）受理",
                    own.name
                )));
            }
            own
        }
        (None, Some(code)) => {
            let pt = point_by_code(&mut rd, code)
                .await?
                .ok_or_else(|| StoreError::invalid("point", format!("服务点代码“{code}”不存在")))?;
            if staff.is_some() && pt.kind != PointKind::Center {
                return Err(StoreError::Forbidden(
                    "部门窗口人员只能在政务服务中心受理".into(),
                ));
            }
            pt
        }
        (None, None) => center_point(&mut rd).await?,
    };
    if staff.is_some_and(|p| p.department_id.is_some_and(|d| d != item.department_id)) {
        return Err(StoreError::Forbidden(format!(
            "只能受理本部门的事项，“{}”属于{}",
            item.name, item.department.name
        )));
    }
    if !content.accepted_at(&point.code, point.kind) {
        return Err(StoreError::invalid(
            "item_code",
            format!("事项“{}”未在{}受理", item.name, point.name),
        ));
    }
    let accept_now = channel == Channel::Window && input.accept != Some(false);
    let (materials, draft) = match creator {
        Creator::Staff(_) => (
            check_materials(&content, input.materials.as_deref(), accept_now)?,
            None,
        ),
        // Online, the materials are the files uploaded: every required one is needed.
        Creator::Applicant(a) => {
            let draft = input
                .draft
                .clone()
                .ok_or_else(|| StoreError::invalid("draft", "请先上传申请材料"))?;
            let files = crate::files::draft_files(store, &draft, &a.id_digest).await?;
            let missing: Vec<&str> = content
                .materials
                .iter()
                .filter(|m| m.required && !files.iter().any(|f| f.material == m.name))
                .map(|m| m.name.as_str())
                .collect();
            if !missing.is_empty() {
                return Err(StoreError::invalid(
                    "materials",
                    format!("请上传必需材料：{}", missing.join("、")),
                ));
            }
            let names: Vec<String> = content
                .materials
                .iter()
                .filter(|m| files.iter().any(|f| f.material == m.name))
                .map(|m| m.name.clone())
                .collect();
            (names, Some((draft, a.id_digest.clone())))
        }
    };
    let cal = calendar::load(store, &mut rd).await?;
    drop(rd);

    let keys = store.keys();
    let (id_type, id_enc, id_digest, id_masked, credit_code, contact) = match &applicant {
        Applicant::Person {
            id_type, id_number, ..
        } => (
            Some(id_type.as_str()),
            Some(keys.encrypt(id_number)),
            Some(keys.digest("id", id_number)),
            Some(mask_id(id_number)),
            None,
            None,
        ),
        Applicant::Organisation {
            credit_code,
            contact,
            ..
        } => (
            None,
            None,
            None,
            None,
            Some(credit_code.as_str().to_string()),
            Some(contact.clone()),
        ),
    };
    let stamp = time::stamp(now);
    let window = accept_now;
    let mut row = CaseRow {
        id: 0,
        case_no: String::new(),
        department_id: item.department_id,
        point_id: point.id,
        status: if window {
            CaseStatus::Accepted
        } else {
            CaseStatus::Submitted
        },
        instant: content.instant,
        verify_digest: keys.digest("verify", &applicant.last_six()),
        accepted_at: window.then(|| stamp.clone()),
        accepted_on: window.then(|| time::day(today)),
        acceptance_no: None,
        decided_at: None,
        closed_at: None,
        promised: (content.promised.days, content.promised.unit),
        statutory: (content.statutory.days, content.statutory.unit),
        extension_days: 0,
        promised_deadline: None,
        legal_deadline: None,
        deadline_estimated: false,
        result: None,
        document_no: None,
        reason: None,
    };
    // (action name, from, to, note)
    let mut events: Vec<(&'static str, Option<CaseStatus>, CaseStatus, Option<String>)> = vec![];
    if window {
        events.push((
            Action::Accept.as_str(),
            None,
            CaseStatus::Accepted,
            note.clone(),
        ));
        if content.instant {
            row.status = CaseStatus::Closed;
            row.decided_at = Some(stamp.clone());
            row.closed_at = Some(stamp.clone());
            row.result = Some("准予许可（即办）".into());
            events.push((
                Action::Close.as_str(),
                Some(CaseStatus::Accepted),
                CaseStatus::Closed,
                Some("即办件当场办结".into()),
            ));
        } else {
            let (pd, ld, est) = compute_clocks(&cal, &row, &[]);
            row.promised_deadline = pd;
            row.legal_deadline = ld;
            row.deadline_estimated = est;
        }
    } else {
        events.push(("submit", None, CaseStatus::Submitted, note.clone()));
    }
    let phone = applicant.phone();
    // A clerk at a window has the person and their ID card in front of them: the
    // name and phone become the person's real-name binding for online sign-in.
    let binding = match (&applicant, creator, channel) {
        (
            Applicant::Person {
                name,
                id_type: tongban_domain::case::IdType::ResidentId,
                id_number,
                phone,
            },
            Creator::Staff(_),
            Channel::Window,
        ) => Some((
            crate::applicants::Binding::new(keys, name, id_number, phone),
            mask_id(id_number),
        )),
        _ => None,
    };
    let insert = Arc::new(PreparedCase {
        binding,
        row,
        events,
        item_id: item.id,
        item_code: item.code.clone(),
        item_version: item.version,
        point_code: point.code.clone(),
        channel,
        today,
        stamp,
        applicant_kind: applicant.kind(),
        applicant_name: applicant.name().to_string(),
        id_type,
        id_enc,
        id_digest,
        id_masked: id_masked.clone(),
        credit_code: credit_code.clone(),
        contact: contact.clone(),
        phone_enc: keys.encrypt(phone.as_str()),
        phone_masked: phone.masked(),
        materials: serde_json::to_string(&materials).map_err(|e| StoreError::Other(e.into()))?,
        actor: match creator {
            Creator::Staff(p) => EventActor::from(p),
            Creator::Applicant(a) => EventActor {
                id: None,
                name: format!("申请人 {}（网上）", a.name),
            },
        },
        audit_actor: match creator {
            Creator::Staff(p) => p.actor(),
            Creator::Applicant(a) => a.actor(),
        },
        draft,
        submitter_digest: match creator {
            Creator::Staff(_) => None,
            Creator::Applicant(a) => Some(a.id_digest.clone()),
        },
        keys: keys.clone(),
    });
    let job = insert.clone();
    let (row, license_no) = store
        .write(move |tx| {
            let job = job.clone();
            Box::pin(async move { insert_case(tx, &job).await })
        })
        .await?;
    let ev = &insert.events;
    Ok(CaseView {
        case_no: row.case_no.clone(),
        status: row.status.as_str(),
        status_label: row.status.label(),
        item: CodeName {
            code: item.code.clone(),
            name: item.name.clone(),
        },
        department: CodeName {
            code: item.department.code.clone(),
            name: item.department.name.clone(),
        },
        point: CodeName {
            code: point.code.clone(),
            name: point.name.clone(),
        },
        channel: channel.as_str().to_string(),
        instant: row.instant,
        applicant: ApplicantView {
            kind: applicant.kind().to_string(),
            name: applicant.name().to_string(),
            id_type: id_type.map(str::to_string),
            id_number: id_masked,
            credit_code,
            contact,
            phone: phone.masked(),
        },
        materials,
        submitted_at: time::display(&insert.stamp),
        accepted_at: opt_display(row.accepted_at.clone()),
        acceptance_no: row.acceptance_no.clone(),
        promised_days: row.promised.0 as i64,
        promised_unit: unit_name(row.promised.1),
        statutory_days: row.statutory.0 as i64,
        statutory_unit: unit_name(row.statutory.1),
        extension_days: 0,
        promised_deadline: row.promised_deadline.clone(),
        legal_deadline: row.legal_deadline.clone(),
        deadline_estimated: row.deadline_estimated,
        urgency: if row.status == CaseStatus::Accepted {
            urgency(
                &cal,
                row.promised_deadline.as_deref().and_then(time::parse_day),
                row.status,
                today,
            )
        } else {
            Urgency::Normal
        },
        urgency_label: "",
        decided_at: opt_display(row.decided_at.clone()),
        closed_at: opt_display(row.closed_at.clone()),
        result: row.result.clone(),
        document_no: row.document_no.clone(),
        reason: None,
        events: ev
            .iter()
            .map(|(action, from, to, note)| Event {
                at: time::display(&insert.stamp),
                action: action.to_string(),
                action_label: action_label(action),
                from_status: from.map(|f| f.as_str().to_string()),
                to_status: to.as_str().to_string(),
                actor: insert.actor.name.clone(),
                point: Some(point.name.clone()),
                note: note.clone(),
            })
            .collect(),
        rating: None,
        license_url: match &license_no {
            Some(no) => Some(crate::licenses::verify_url(&mut *store.reader().await?, no).await?),
            None => None,
        },
        license_no,
    }
    .labelled())
}

/// Everything a new case's insert needs, computed before the write so the write
/// itself is short (and can be run again if its batch fails).
struct PreparedCase {
    /// The real-name binding a window case confirms, with the masked ID number.
    binding: Option<(crate::applicants::Binding, String)>,
    row: CaseRow,
    events: Vec<(&'static str, Option<CaseStatus>, CaseStatus, Option<String>)>,
    item_id: i64,
    item_code: String,
    item_version: i64,
    point_code: String,
    channel: Channel,
    today: NaiveDate,
    stamp: String,
    applicant_kind: &'static str,
    applicant_name: String,
    id_type: Option<&'static str>,
    id_enc: Option<String>,
    id_digest: Option<String>,
    id_masked: Option<String>,
    credit_code: Option<String>,
    contact: Option<String>,
    phone_enc: String,
    phone_masked: String,
    materials: String,
    actor: EventActor,
    audit_actor: Actor,
    /// A portal draft (id, owner) whose files join the case.
    draft: Option<(String, String)>,
    submitter_digest: Option<String>,
    keys: crate::Keys,
}

/// Numbers and inserts a prepared case with its events and audit entry.
/// Returns the row and, for an instant case closed at once, its license number.
async fn insert_case(
    tx: &mut AnyConnection,
    c: &PreparedCase,
) -> Result<(CaseRow, Option<String>)> {
    let seq: i64 = sqlx::query_scalar(
        "INSERT INTO case_seq (point_id, day, n) VALUES ($1, $2, 1) \
         ON CONFLICT (point_id, day) DO UPDATE SET n = case_seq.n + 1 RETURNING n",
    )
    .bind(c.row.point_id)
    .bind(time::day(c.today))
    .fetch_one(&mut *tx)
    .await?;
    let case_no = CaseNo::new(&c.point_code, c.today, seq as u32);
    let mut row = c.row.clone();
    row.case_no = case_no.to_string();
    if row.accepted_at.is_some() {
        row.acceptance_no = Some(acceptance_no(&case_no));
    }
    if row.status == CaseStatus::Closed {
        row.document_no = Some(document_no(case_no.as_str()));
    }
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO cases (case_no, item_id, item_version, department_id, point_id, channel, status, instant, \
         applicant_kind, applicant_name, id_type, id_number_enc, id_number_digest, id_number_masked, credit_code, contact, \
         phone_enc, phone_masked, verify_digest, materials, submitted_at, submitted_on, accepted_at, accepted_on, acceptance_no, \
         decided_at, closed_at, closed_on, promised_days, promised_unit, statutory_days, statutory_unit, extension_days, \
         promised_deadline, legal_deadline, deadline_estimated, result, document_no, reason, updated_at, submitter_digest) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24, \
         $25, $26, $27, $28, $29, $30, $31, $32, $33, $34, $35, $36, $37, $38, $39, $40, $41) RETURNING id",
    )
    .bind(case_no.as_str())
    .bind(c.item_id)
    .bind(c.item_version)
    .bind(row.department_id)
    .bind(row.point_id)
    .bind(c.channel.as_str())
    .bind(row.status.as_str())
    .bind(row.instant as i64)
    .bind(c.applicant_kind)
    .bind(&c.applicant_name)
    .bind(c.id_type)
    .bind(&c.id_enc)
    .bind(&c.id_digest)
    .bind(&c.id_masked)
    .bind(&c.credit_code)
    .bind(&c.contact)
    .bind(&c.phone_enc)
    .bind(&c.phone_masked)
    .bind(&row.verify_digest)
    .bind(&c.materials)
    .bind(&c.stamp)
    .bind(time::day(c.today))
    .bind(&row.accepted_at)
    .bind(&row.accepted_on)
    .bind(&row.acceptance_no)
    .bind(&row.decided_at)
    .bind(&row.closed_at)
    .bind(row.closed_at.as_ref().map(|_| time::day(c.today)))
    .bind(row.promised.0 as i64)
    .bind(unit_name(row.promised.1))
    .bind(row.statutory.0 as i64)
    .bind(unit_name(row.statutory.1))
    .bind(0i64)
    .bind(&row.promised_deadline)
    .bind(&row.legal_deadline)
    .bind(row.deadline_estimated as i64)
    .bind(&row.result)
    .bind(&row.document_no)
    .bind(&row.reason)
    .bind(&c.stamp)
    .bind(&c.submitter_digest)
    .fetch_one(&mut *tx)
    .await
    .map_err(|e| match &e {
        sqlx::Error::Database(d) if d.is_unique_violation() => StoreError::Conflict {
            field: "case_no",
            message: "办件编号已被占用（编号序列与已有办件冲突），请重试".into(),
        },
        _ => StoreError::Db(e),
    })?;
    row.id = id;
    let counted = crate::stats::case_snapshot(&mut *tx, id).await?;
    crate::stats::track_case(&mut *tx, None, &counted).await?;
    if let Some((draft, owner)) = &c.draft {
        crate::files::attach(&mut *tx, draft, owner, id).await?;
    }
    if let Some((b, masked)) = &c.binding {
        crate::applicants::bind(&mut *tx, &c.keys, b, "window", &c.audit_actor, masked).await?;
    }
    for (action, from, to, note) in &c.events {
        insert_event(
            &mut *tx,
            id,
            &c.stamp,
            action,
            *from,
            *to,
            &c.actor,
            Some(row.point_id),
            note.as_deref(),
        )
        .await?;
    }
    crate::seal::seal_case(&mut *tx, &c.keys, id).await?;
    audit::append(
        tx,
        &c.keys,
        &c.audit_actor,
        "case.create",
        "case",
        case_no.as_str(),
        serde_json::json!({ "item": c.item_code, "channel": c.channel.as_str(), "point": c.point_code, "status": row.status.as_str() }),
    )
    .await?;
    let license_no = if row.status == CaseStatus::Closed {
        let l = crate::licenses::issue_in(tx, &c.keys, id, &c.audit_actor).await?;
        Some(l.license_no)
    } else {
        None
    };
    Ok((row, license_no))
}

fn action_label(action: &str) -> String {
    if action == "submit" {
        "提交申请".into()
    } else {
        Action::parse(action)
            .map(|a| a.label().to_string())
            .unwrap_or_else(|| action.to_string())
    }
}

fn actor_label(p: &Principal) -> String {
    format!("{}（{}）", p.display_name, p.role.label())
}

impl CaseView {
    fn labelled(mut self) -> Self {
        self.urgency_label = self.urgency.label();
        self
    }
}

fn acceptance_no(case_no: &CaseNo) -> String {
    format!("受理通知书 {}", case_no.as_str())
}

fn document_no(case_no: &str) -> String {
    format!("{case_no}-Z")
}

fn check_materials(
    content: &ItemContent,
    given: Option<&[String]>,
    complete: bool,
) -> Result<Vec<String>> {
    let Some(given) = given else {
        // Not itemised: the clerk vouches for the required set.
        return Ok(content
            .materials
            .iter()
            .filter(|m| m.required)
            .map(|m| m.name.clone())
            .collect());
    };
    if given.len() > 200 {
        return Err(StoreError::invalid("materials", "材料清单过长"));
    }
    for g in given {
        if !content.materials.iter().any(|m| m.name == *g) {
            return Err(StoreError::invalid(
                "materials",
                format!("“{g}”不是该事项的申报材料"),
            ));
        }
    }
    if complete {
        let missing: Vec<&str> = content
            .materials
            .iter()
            .filter(|m| m.required && !given.contains(&m.name))
            .map(|m| m.name.as_str())
            .collect();
        if !missing.is_empty() {
            return Err(StoreError::invalid(
                "materials",
                format!(
                    "缺少必要材料：{}。材料不齐全的，请先登记申请（accept 为 false）再出具补正材料通知书",
                    missing.join("、")
                ),
            ));
        }
    }
    Ok(given.to_vec())
}

#[allow(clippy::too_many_arguments)]
async fn insert_event(
    conn: &mut AnyConnection,
    case_id: i64,
    at: &str,
    action: &str,
    from: Option<CaseStatus>,
    to: CaseStatus,
    actor: &EventActor,
    point_id: Option<i64>,
    note: Option<&str>,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO case_events (case_id, at, action, from_status, to_status, actor_id, actor_name, point_id, note) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(case_id)
    .bind(at)
    .bind(action)
    .bind(from.map(|s| s.as_str()))
    .bind(to.as_str())
    .bind(actor.id)
    .bind(&actor.name)
    .bind(point_id)
    .bind(note)
    .execute(conn)
    .await?;
    Ok(())
}

async fn load_scoped(
    conn: &mut AnyConnection,
    p: &Principal,
    case_no: &str,
) -> Result<sqlx::any::AnyRow> {
    let no = CaseNo::parse(case_no)?;
    let mut sql = Sql::new(&format!(
        "SELECT {CASE_COLUMNS}{CASE_FROM} AND c.case_no = "
    ));
    sql.bind_s(no.as_str());
    scope(p, &mut sql)?;
    sql.query()
        .fetch_optional(conn)
        .await?
        .ok_or_else(|| StoreError::not_found(format!("办件“{case_no}”不存在")))
}

/// A case with its events and rating, if the principal may see it (404 otherwise).
pub async fn get(store: &Store, p: &Principal, case_no: &str) -> Result<CaseView> {
    let mut conn = store.reader().await?;
    let row = load_scoped(&mut conn, p, case_no).await?;
    full_view(store, &mut conn, &row).await
}

async fn full_view(
    store: &Store,
    conn: &mut AnyConnection,
    row: &sqlx::any::AnyRow,
) -> Result<CaseView> {
    let cal = calendar::load(store, conn).await?;
    let mut view = view_from(row, &cal, time::local_day(time::now()))?;
    let id: i64 = row.try_get("id")?;
    let events = sqlx::query(
        "SELECT e.at, e.action, e.from_status, e.to_status, e.actor_name, p.name, e.note FROM case_events e \
         LEFT JOIN points p ON p.id = e.point_id WHERE e.case_id = $1 ORDER BY e.id",
    )
    .bind(id)
    .fetch_all(&mut *conn)
    .await?;
    for e in events {
        let action: String = e.try_get(1)?;
        view.events.push(Event {
            at: time::display(&e.try_get::<String, _>(0)?),
            action_label: action_label(&action),
            action,
            from_status: e.try_get(2)?,
            to_status: e.try_get(3)?,
            actor: e.try_get(4)?,
            point: e.try_get(5)?,
            note: e.try_get(6)?,
        });
    }
    if let Some(no) = &view.license_no {
        view.license_url = Some(crate::licenses::verify_url(conn, no).await?);
    }
    Ok(view)
}

async fn rating_of(conn: &mut AnyConnection, case_id: i64) -> Result<Option<RatingView>> {
    let r = sqlx::query(
        "SELECT r.level, r.comment, r.rated_at, f.due_on, f.answered_at, f.answer FROM ratings r \
         LEFT JOIN rating_followups f ON f.case_id = r.case_id WHERE r.case_id = $1",
    )
    .bind(case_id)
    .fetch_optional(conn)
    .await?;
    let Some(r) = r else { return Ok(None) };
    let level: i64 = r.try_get(0)?;
    let due: Option<String> = r.try_get(3)?;
    Ok(Some(RatingView {
        level,
        label: RatingLevel::new(level).map(|l| l.label()).unwrap_or(""),
        comment: r.try_get(1)?,
        rated_at: time::display(&r.try_get::<String, _>(2)?),
        follow_up: match due {
            Some(due_on) => Some(FollowUp {
                due_on,
                answered_at: opt_display(r.try_get(4)?),
                answer: r.try_get(5)?,
            }),
            None => None,
        },
    }))
}

/// Takes an action on a case.
pub async fn act(
    store: &Store,
    p: &Principal,
    case_no: &str,
    input: &ActionInput,
) -> Result<CaseView> {
    let action_name = input
        .action
        .as_deref()
        .ok_or_else(|| StoreError::invalid("action", "请指定操作（action）"))?;
    let action = Action::parse(action_name).ok_or_else(|| {
        StoreError::invalid(
            "action",
            format!("未知操作“{action_name}”：应为 accept、refuse、request_supplement、supplement、approve、reject、suspend、resume、extend、withdraw 或 close"),
        )
    })?;
    let note = match input
        .note
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        Some(n) => Some(tongban_domain::required_text("note", "说明", n, 1000)?),
        None => None,
    };
    let doc_no = match input
        .document_no
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        Some(d) => Some(tongban_domain::required_text(
            "document_no",
            "文书编号",
            d,
            100,
        )?),
        None => None,
    };
    let now = time::now();
    let today = time::local_day(now);
    let stamp = time::stamp(now);
    let mut tx = store.begin().await?;
    if !p.role.works_cases() {
        return Err(StoreError::Forbidden("当前角色无权办理办件".into()));
    }
    let raw = load_scoped(&mut tx, p, case_no).await?;
    let mut row = row_from(&raw)?;
    let state = CaseState {
        status: row.status,
        accepted: row.accepted_at.is_some(),
        extended: row.extension_days > 0,
    };
    let next = state
        .transition(action, p.role, note.as_deref())
        .map_err(|e| match e {
            TransitionError::Role { .. } => StoreError::Forbidden(e.to_string()),
            TransitionError::NoteRequired(_) => StoreError::invalid("note", e.to_string()),
            TransitionError::NotAllowed { .. } | TransitionError::AlreadyExtended => {
                StoreError::Conflict {
                    field: "action",
                    message: e.to_string(),
                }
            }
        })?;
    // Clerks act at their own point: a town clerk only on its point's cases (the
    // scope already holds), a department clerk only on its department's.
    let from = row.status;
    let prior_extension = row.extension_days;
    row.status = next;
    let mut deemed = false;
    let mut instant_close = false;
    let mut pauses = pauses_of(&mut tx, row.id).await?;
    match action {
        Action::Accept => {
            row.accepted_at = Some(stamp.clone());
            row.accepted_on = Some(time::day(today));
            row.acceptance_no = CaseNo::parse(&row.case_no).ok().map(|n| acceptance_no(&n));
            // Art. 32: an application not answered within five days counts as
            // accepted on the day it was received; its clocks run from then.
            let submitted: Option<String> =
                sqlx::query_scalar("SELECT submitted_on FROM cases WHERE id = $1")
                    .bind(row.id)
                    .fetch_one(&mut *tx)
                    .await?;
            if let Some(sub) = submitted.as_deref().and_then(time::parse_day) {
                let cal = calendar::load(store, &mut tx).await?;
                let late =
                    cal.working_days_between(sub, today).unwrap_or(0) > DEEMED_ACCEPTANCE_DAYS;
                // A supplement notice given in time stops the rule; one given late
                // does not.
                let told_in_time = pauses.first().is_some_and(|p| {
                    cal.working_days_between(sub, p.from).unwrap_or(0) <= DEEMED_ACCEPTANCE_DAYS
                });
                if late && !told_in_time {
                    row.accepted_on = Some(time::day(sub));
                    deemed = true;
                }
            }
            // An instant item is decided and closed as it is accepted.
            if row.instant {
                row.status = CaseStatus::Closed;
                row.decided_at = Some(stamp.clone());
                row.closed_at = Some(stamp.clone());
                row.result = Some("准予许可（即办）".into());
                row.document_no = Some(document_no(&row.case_no));
                instant_close = true;
            }
        }
        Action::Refuse | Action::Withdraw => {
            row.reason = note.clone();
            row.closed_at = Some(stamp.clone());
        }
        Action::RequestSupplement | Action::Suspend => {
            let kind = if action == Action::Suspend {
                "special"
            } else {
                "supplement"
            };
            sqlx::query("INSERT INTO case_pauses (case_id, kind, from_day, to_day, reason) VALUES ($1, $2, $3, NULL, $4)")
                .bind(row.id)
                .bind(kind)
                .bind(time::day(today))
                .bind(note.clone().unwrap_or_default())
                .execute(&mut *tx)
                .await?;
            pauses.push(Pause {
                from: today,
                to: None,
            });
        }
        Action::Supplement | Action::Resume => {
            sqlx::query("UPDATE case_pauses SET to_day = $1 WHERE case_id = $2 AND to_day IS NULL")
                .bind(time::day(today))
                .bind(row.id)
                .execute(&mut *tx)
                .await?;
            for pz in pauses.iter_mut().filter(|pz| pz.to.is_none()) {
                pz.to = Some(today);
            }
        }
        Action::Extend => {
            // An extension is decided before the time runs out, not after.
            if row
                .legal_deadline
                .as_deref()
                .and_then(time::parse_day)
                .is_some_and(|d| today > d)
            {
                return Err(StoreError::Conflict {
                    field: "action",
                    message: format!(
                        "法定办结期限（{}）已过，不能再延期",
                        row.legal_deadline.clone().unwrap_or_default()
                    ),
                });
            }
            let statutory = tongban_domain::catalog::TimeLimit {
                days: row.statutory.0,
                unit: row.statutory.1,
            };
            row.extension_days = extension_days(statutory).max(1) as i64;
            row.reason = note.clone();
        }
        Action::Approve => {
            row.decided_at = Some(stamp.clone());
            row.result = Some("准予许可".into());
        }
        Action::Reject => {
            row.decided_at = Some(stamp.clone());
            row.closed_at = Some(stamp.clone());
            row.result = Some("不予许可".into());
            row.reason = note.clone();
        }
        Action::Close => {
            row.closed_at = Some(stamp.clone());
            row.document_no = Some(doc_no.clone().unwrap_or_else(|| document_no(&row.case_no)));
        }
    }
    let next = row.status;
    if row.accepted_at.is_some() && !next.is_final() && next != CaseStatus::Approved {
        let cal = calendar::load(store, &mut tx).await?;
        let (pd, ld, est) = compute_clocks(&cal, &row, &pauses);
        row.promised_deadline = pd;
        row.legal_deadline = ld;
        row.deadline_estimated = est;
    }
    let counted = crate::stats::case_snapshot(&mut tx, row.id).await?;
    let updated = sqlx::query(
        "UPDATE cases SET status = $1, accepted_at = $2, accepted_on = $3, acceptance_no = $4, decided_at = $5, closed_at = $6, \
         closed_on = $7, extension_days = $8, promised_deadline = $9, legal_deadline = $10, deadline_estimated = $11, result = $12, \
         document_no = $13, reason = $14, updated_at = $15 WHERE id = $16 AND status = $17 AND extension_days = $18",
    )
    .bind(row.status.as_str())
    .bind(&row.accepted_at)
    .bind(&row.accepted_on)
    .bind(&row.acceptance_no)
    .bind(&row.decided_at)
    .bind(&row.closed_at)
    .bind(row.closed_at.as_ref().map(|_| time::day(today)))
    .bind(row.extension_days)
    .bind(&row.promised_deadline)
    .bind(&row.legal_deadline)
    .bind(row.deadline_estimated as i64)
    .bind(&row.result)
    .bind(&row.document_no)
    .bind(&row.reason)
    .bind(&stamp)
    .bind(row.id)
    .bind(from.as_str())
    .bind(prior_extension)
    .execute(&mut *tx)
    .await?;
    let note = if deemed {
        Some(format!(
            "{}申请逾期未作出受理决定，依《行政许可法》第三十二条自收到申请之日起即为受理",
            note.map(|n| format!("{n}；")).unwrap_or_default()
        ))
    } else {
        note
    };
    if updated.rows_affected() != 1 {
        return Err(StoreError::Conflict {
            field: "action",
            message: "办件状态已被他人更新，请刷新后重试".into(),
        });
    }
    let now_counted = crate::stats::case_snapshot(&mut tx, row.id).await?;
    crate::stats::track_case(&mut tx, Some(&counted), &now_counted).await?;
    let point_id = p.point_id.or(Some(row.point_id));
    let recorded = if instant_close {
        CaseStatus::Accepted
    } else {
        next
    };
    insert_event(
        &mut tx,
        row.id,
        &stamp,
        action.as_str(),
        Some(from),
        recorded,
        &EventActor::from(p),
        point_id,
        note.as_deref(),
    )
    .await?;
    if instant_close {
        insert_event(
            &mut tx,
            row.id,
            &stamp,
            Action::Close.as_str(),
            Some(CaseStatus::Accepted),
            CaseStatus::Closed,
            &EventActor::from(p),
            point_id,
            Some("即办件当场办结"),
        )
        .await?;
    }
    crate::seal::seal_case(&mut tx, store.keys(), row.id).await?;
    audit::append(
        &mut tx,
        store.keys(),
        &p.actor(),
        &format!("case.{}", action.as_str()),
        "case",
        &row.case_no,
        serde_json::json!({ "from": from.as_str(), "to": next.as_str(), "note": note }),
    )
    .await?;
    // Closed after approval (or an instant case closed as accepted): the license.
    if next == CaseStatus::Closed {
        crate::licenses::issue_in(&mut tx, store.keys(), row.id, &p.actor()).await?;
    }
    tx.commit().await?;
    get(store, p, &row.case_no).await
}

/// Who gives a rating: the applicant (proving it with the last six characters of the
/// ID or credit code), or a clerk's session for the window's rating device.
pub enum Rater<'a> {
    Applicant {
        last_six: &'a str,
        /// The client's address, for the throttle of wrong proofs.
        from: &'a str,
    },
    /// The applicant signed in to the portal: the case must be theirs.
    SignedIn(&'a crate::applicants::ApplicantSession),
    Staff(&'a Principal),
}

/// 好差评: one rating per case, after it has ended; a bad one opens a follow-up.
pub async fn rate(
    store: &Store,
    rater: Rater<'_>,
    case_no: &str,
    level: i64,
    comment: Option<&str>,
) -> Result<RatingView> {
    let level = RatingLevel::new(level)?;
    let comment = comment.map(str::trim).unwrap_or("");
    if comment.chars().count() > MAX_COMMENT_CHARS {
        return Err(StoreError::invalid(
            "comment",
            format!("评价内容不能超过{MAX_COMMENT_CHARS}个字"),
        ));
    }
    let now = time::now();
    let today = time::local_day(now);
    // The applicant's proof is checked (and a wrong one counted) before the write.
    if let Rater::Applicant { last_six, from } = rater {
        verify_applicant(store, case_no, last_six, from).await?;
    }
    let mut tx = store.begin().await?;
    let raw = match rater {
        Rater::Staff(p) => {
            if !p.role.accepts_applications() {
                return Err(StoreError::Forbidden(
                    "只有窗口人员可代为提交评价器评价".into(),
                ));
            }
            load_scoped(&mut tx, p, case_no).await?
        }
        Rater::Applicant { .. } | Rater::SignedIn(_) => {
            let no = CaseNo::parse(case_no)?;
            let mut sql = Sql::new(&format!(
                "SELECT {CASE_COLUMNS}{CASE_FROM} AND c.case_no = "
            ));
            sql.bind_s(no.as_str());
            if let Rater::SignedIn(a) = rater {
                own(a, &mut sql);
            }
            sql.query()
                .fetch_optional(&mut *tx)
                .await?
                .ok_or_else(|| StoreError::not_found(format!("办件“{case_no}”不存在")))?
        }
    };
    let row = row_from(&raw)?;
    // The applicant rates the whole service once it has ended (一事一评); the
    // window's device rates the visit itself, once the window has served (一次一评).
    let ended = matches!(
        row.status,
        CaseStatus::Closed | CaseStatus::Rejected | CaseStatus::Refused
    );
    let served = ended || row.accepted_at.is_some();
    let may_rate = match rater {
        Rater::Applicant { .. } | Rater::SignedIn(_) => ended,
        Rater::Staff(_) => served,
    };
    if !may_rate {
        return Err(StoreError::Conflict {
            field: "level",
            message: match rater {
                Rater::Applicant { .. } | Rater::SignedIn(_) => "办件办结后方可评价".into(),
                Rater::Staff(_) => "窗口受理或办结后方可评价".into(),
            },
        });
    }
    let source = match rater {
        Rater::Applicant { .. } | Rater::SignedIn(_) => "applicant".to_string(),
        Rater::Staff(p) => format!("device:{}", p.username),
    };
    sqlx::query("INSERT INTO ratings (case_id, level, comment, source, rated_at, rated_on) VALUES ($1, $2, $3, $4, $5, $6)")
        .bind(row.id)
        .bind(level.value() as i64)
        .bind(comment)
        .bind(&source)
        .bind(time::stamp(now))
        .bind(time::day(today))
        .execute(&mut *tx)
        .await
        .map_err(|e| match &e {
            sqlx::Error::Database(d) if d.is_unique_violation() => StoreError::Conflict {
                field: "level",
                message: "该办件已评价，每件只能评价一次".into(),
            },
            _ => StoreError::Db(e),
        })?;
    if level.is_bad() {
        let cal = calendar::load(store, &mut tx).await?;
        let due = cal
            .deadline(today, FOLLOW_UP_WORKING_DAYS)
            .unwrap_or_else(|_| Calendar::estimate_deadline(today, FOLLOW_UP_WORKING_DAYS));
        sqlx::query("INSERT INTO rating_followups (case_id, department_id, opened_at, due_on) VALUES ($1, $2, $3, $4)")
            .bind(row.id)
            .bind(row.department_id)
            .bind(time::stamp(now))
            .bind(time::day(due))
            .execute(&mut *tx)
            .await?;
    }
    let counted = crate::stats::snapshot(
        &mut tx,
        &crate::stats::RATINGS,
        &[row.id],
        &Calendar::default(),
    )
    .await?;
    crate::stats::track(&mut tx, &crate::stats::RATINGS, None, &counted).await?;
    let actor = match rater {
        Rater::Applicant { .. } => Actor::applicant(),
        Rater::SignedIn(a) => a.actor(),
        Rater::Staff(p) => p.actor(),
    };
    audit::append(
        &mut tx,
        store.keys(),
        &actor,
        "case.rate",
        "case",
        &row.case_no,
        serde_json::json!({ "level": level.value(), "source": source }),
    )
    .await?;
    let view = rating_of(&mut tx, row.id).await?;
    tx.commit().await?;
    view.ok_or_else(|| StoreError::Other(anyhow::anyhow!("rating vanished")))
}

/// The department answers a bad rating (整改反馈).
pub async fn answer_follow_up(
    store: &Store,
    p: &Principal,
    case_no: &str,
    answer: &str,
) -> Result<RatingView> {
    if !matches!(p.role, Role::Approver | Role::DepartmentHead) {
        return Err(StoreError::Forbidden(
            "差评整改须由部门审批人员或部门负责人答复".into(),
        ));
    }
    let answer = tongban_domain::required_text("answer", "整改答复", answer, 2000)?;
    let mut tx = store.begin().await?;
    let raw = load_scoped(&mut tx, p, case_no).await?;
    let id: i64 = raw.try_get("id")?;
    let now = time::stamp(time::now());
    let no_cal = Calendar::default();
    let before = crate::stats::snapshot(&mut tx, &crate::stats::RATINGS, &[id], &no_cal).await?;
    let n = sqlx::query(
        "UPDATE rating_followups SET answered_at = $1, answer = $2, answered_by = $3 WHERE case_id = $4 AND answered_at IS NULL",
    )
    .bind(&now)
    .bind(&answer)
    .bind(p.user_id)
    .bind(id)
    .execute(&mut *tx)
    .await?;
    if n.rows_affected() != 1 {
        return Err(StoreError::Conflict {
            field: "answer",
            message: "该办件没有待答复的差评".into(),
        });
    }
    let after = crate::stats::snapshot(&mut tx, &crate::stats::RATINGS, &[id], &no_cal).await?;
    crate::stats::track(&mut tx, &crate::stats::RATINGS, Some(&before), &after).await?;
    audit::append(
        &mut tx,
        store.keys(),
        &p.actor(),
        "rating.answer",
        "case",
        case_no,
        serde_json::json!({}),
    )
    .await?;
    let view = rating_of(&mut tx, id).await?;
    tx.commit().await?;
    view.ok_or_else(|| StoreError::Other(anyhow::anyhow!("rating vanished")))
}

/// Checks an applicant's proof for a case: the last six characters of the ID number
/// or credit code. Wrong answers are throttled per address (an address that guessed
/// ten times waits) and, more gently, per case (many addresses guessing one case are
/// slowed, but the owner is never locked out for long). An unknown case and a wrong
/// proof look the same.
pub async fn verify_applicant(
    store: &Store,
    case_no: &str,
    last_six: &str,
    from: &str,
) -> Result<()> {
    use crate::throttle::{self, PROGRESS_ADDRESS, PROGRESS_CASE};
    let no = CaseNo::parse(case_no)?;
    let not_found = || StoreError::not_found("未找到办件：请核对办件编号和证件号码后六位");
    let address = format!("progress:addr:{from}");
    let case_key = format!("progress:case:{}", no.as_str());
    throttle::check(store, &[&address, &case_key]).await?;
    let mut conn = store.reader().await?;
    let digest: Option<String> =
        sqlx::query_scalar("SELECT verify_digest FROM cases WHERE case_no = $1")
            .bind(no.as_str())
            .fetch_optional(&mut *conn)
            .await?;
    drop(conn);
    let proof = store
        .keys()
        .digest("verify", &last_six.trim().to_ascii_uppercase());
    if digest.as_deref() == Some(proof.as_str()) {
        return Ok(());
    }
    store
        .write(move |tx| {
            let (address, case_key) = (address.clone(), case_key.clone());
            Box::pin(async move {
                throttle::fail_in(tx, &address, PROGRESS_ADDRESS).await?;
                throttle::fail_in(tx, &case_key, PROGRESS_CASE).await
            })
        })
        .await?;
    Err(not_found())
}

/// Progress query by the public: case number plus the last six characters of the
/// applicant's ID or credit code. Unknown and mismatched look the same.
pub async fn public_progress(
    store: &Store,
    case_no: &str,
    last_six: &str,
    from: &str,
) -> Result<CaseView> {
    verify_applicant(store, case_no, last_six, from).await?;
    let no = CaseNo::parse(case_no)?;
    let mut conn = store.reader().await?;
    let mut sql = Sql::new(&format!(
        "SELECT {CASE_COLUMNS}{CASE_FROM} AND c.case_no = "
    ));
    sql.bind_s(no.as_str());
    let row = sql
        .query()
        .fetch_optional(&mut *conn)
        .await?
        .ok_or_else(|| StoreError::not_found("未找到办件：请核对办件编号和证件号码后六位"))?;
    let mut view = full_view(store, &mut conn, &row).await?;
    for e in &mut view.events {
        e.actor = String::new();
    }
    Ok(view)
}

#[derive(Debug, Default, Clone, Deserialize)]
pub struct CaseFilter {
    pub status: Option<String>,
    /// `overdue` or `nearly_due`
    pub due: Option<String>,
    pub department: Option<String>,
    pub point: Option<String>,
    /// Exact ID number: found through its keyed digest.
    pub id_number: Option<String>,
    pub credit_code: Option<String>,
    pub page: Option<i64>,
    pub per_page: Option<i64>,
}

/// Cases the principal may see, filtered; open ones sorted by promised deadline.
pub async fn list(store: &Store, p: &Principal, f: &CaseFilter) -> Result<(Vec<CaseView>, i64)> {
    let (_, per_page, skip) = crate::paging(f.page, f.per_page, 20, 500)?;
    let today = time::local_day(time::now());
    let mut filter = Sql::new(CASE_FROM);
    scope(p, &mut filter)?;
    match f.status.as_deref().filter(|s| !s.is_empty()) {
        None => {}
        // Every case still being handled.
        Some("open") => {
            filter.push(
                " AND c.status IN ('submitted', 'accepted', 'supplement_requested', 'suspended', 'approved')",
            );
        }
        Some(s) => {
            let st = CaseStatus::parse(s)
                .ok_or_else(|| StoreError::invalid("status", format!("未知办件状态“{s}”")))?;
            filter.push(" AND c.status = ").bind_s(st.as_str());
        }
    }
    match f.due.as_deref() {
        None | Some("") => {}
        Some("overdue") => {
            filter
                .push(" AND c.status = 'accepted' AND c.promised_deadline < ")
                .bind_s(time::day(today));
        }
        Some("nearly_due") => {
            let cal = calendar::current(store).await?;
            let limit = cal
                .deadline(today, tongban_domain::case::NEARLY_DUE_WORKING_DAYS)
                .unwrap_or_else(|_| {
                    Calendar::estimate_deadline(
                        today,
                        tongban_domain::case::NEARLY_DUE_WORKING_DAYS,
                    )
                });
            filter
                .push(" AND c.status = 'accepted' AND c.promised_deadline >= ")
                .bind_s(time::day(today));
            filter
                .push(" AND c.promised_deadline <= ")
                .bind_s(time::day(limit));
        }
        Some(_) => {
            return Err(StoreError::invalid(
                "due",
                "due 应为 overdue（已超期）或 nearly_due（临近到期）",
            ));
        }
    }
    if let Some(d) = f.department.as_deref().filter(|s| !s.is_empty()) {
        filter.push(" AND d.code = ").bind_s(d);
    }
    if let Some(pt) = f.point.as_deref().filter(|s| !s.is_empty()) {
        filter.push(" AND p.code = ").bind_s(pt);
    }
    if let Some(idn) = f.id_number.as_deref().filter(|s| !s.is_empty()) {
        let idn = idn.trim().to_ascii_uppercase();
        filter
            .push(" AND c.id_number_digest = ")
            .bind_s(store.keys().digest("id", &idn));
    }
    if let Some(cc) = f.credit_code.as_deref().filter(|s| !s.is_empty()) {
        filter
            .push(" AND c.credit_code = ")
            .bind_s(cc.trim().to_ascii_uppercase());
    }
    let mut conn = store.reader().await?;
    let total: i64 = filter
        .with_text(format!("SELECT COUNT(*){}", filter.text))
        .query_scalar()
        .fetch_one(&mut *conn)
        .await?;
    let mut q = filter.with_text(format!("SELECT {CASE_COLUMNS}{}", filter.text));
    q.push(" ORDER BY CASE WHEN c.promised_deadline IS NULL THEN 1 ELSE 0 END, c.promised_deadline, c.id DESC LIMIT ")
        .bind_i(per_page)
        .push(" OFFSET ")
        .bind_i(skip);
    let rows = q.query().fetch_all(&mut *conn).await?;
    let cal = calendar::load(store, &mut conn).await?;
    let cases = rows
        .iter()
        .map(|r| view_from(r, &cal, today))
        .collect::<Result<Vec<_>>>()?;
    Ok((cases, total))
}

/// A flat case row for exports: the API's field names, masked personal data.
#[derive(Debug, Clone, Serialize)]
pub struct ExportRow {
    pub case_no: String,
    pub item_code: String,
    pub item_name: String,
    pub department: String,
    pub point: String,
    pub channel: String,
    pub instant: bool,
    pub status: String,
    pub applicant_kind: String,
    pub submitted_at: String,
    pub accepted_at: Option<String>,
    pub closed_at: Option<String>,
    pub promised_deadline: Option<String>,
    pub legal_deadline: Option<String>,
    pub rating: Option<i64>,
}

/// Streams every case in id order, `batch` at a time, to `sink`.
pub async fn export(
    store: &Store,
    mut sink: impl FnMut(ExportRow) -> anyhow::Result<()>,
) -> Result<u64> {
    let mut conn = store.reader().await?;
    let mut last = 0i64;
    let mut n = 0u64;
    loop {
        let rows = sqlx::query(
            "SELECT c.id, c.case_no, i.code, v.name, d.code, p.code, c.channel, c.instant, c.status, c.applicant_kind, \
             c.submitted_at, c.accepted_at, c.closed_at, c.promised_deadline, c.legal_deadline, r.level \
             FROM cases c JOIN items i ON i.id = c.item_id JOIN item_versions v ON v.item_id = c.item_id AND v.version = c.item_version \
             JOIN departments d ON d.id = c.department_id JOIN points p ON p.id = c.point_id \
             LEFT JOIN ratings r ON r.case_id = c.id WHERE c.id > $1 ORDER BY c.id LIMIT 5000",
        )
        .bind(last)
        .fetch_all(&mut *conn)
        .await?;
        if rows.is_empty() {
            break;
        }
        for r in rows {
            last = r.try_get(0)?;
            sink(ExportRow {
                case_no: r.try_get(1)?,
                item_code: r.try_get(2)?,
                item_name: r.try_get(3)?,
                department: r.try_get(4)?,
                point: r.try_get(5)?,
                channel: r.try_get(6)?,
                instant: crate::flag(&r, 7)?,
                status: r.try_get(8)?,
                applicant_kind: r.try_get(9)?,
                submitted_at: r.try_get(10)?,
                accepted_at: r.try_get(11)?,
                closed_at: r.try_get(12)?,
                promised_deadline: r.try_get(13)?,
                legal_deadline: r.try_get(14)?,
                rating: r.try_get(15)?,
            })?;
            n += 1;
        }
    }
    Ok(n)
}

/// A 好差评 rating as exported: the case, where it was handled, the level (1 非常满意
/// … 5 非常不满意), who gave it, and for a bad one the department's answer.
#[derive(Debug, Clone, Serialize)]
pub struct RatingExport {
    pub case_no: String,
    pub department: String,
    pub point: String,
    pub level: i64,
    pub level_label: &'static str,
    /// `applicant` (online, 一事一评) or `device` (the window's device, 一次一评).
    pub source: &'static str,
    pub rated_at: String,
    pub rated_on: String,
    pub bad: bool,
    pub follow_up_due_on: Option<String>,
    pub follow_up_answered_at: Option<String>,
}

/// Streams every rating in case order to `sink`.
pub async fn export_ratings(
    store: &Store,
    mut sink: impl FnMut(RatingExport) -> anyhow::Result<()>,
) -> Result<u64> {
    let mut conn = store.reader().await?;
    let mut last = 0i64;
    let mut n = 0u64;
    loop {
        let rows = sqlx::query(
            "SELECT r.case_id, c.case_no, d.code, p.code, r.level, r.source, r.rated_at, r.rated_on, f.due_on, f.answered_at \
             FROM ratings r JOIN cases c ON c.id = r.case_id JOIN departments d ON d.id = c.department_id \
             JOIN points p ON p.id = c.point_id LEFT JOIN rating_followups f ON f.case_id = r.case_id \
             WHERE r.case_id > $1 ORDER BY r.case_id LIMIT 5000",
        )
        .bind(last)
        .fetch_all(&mut *conn)
        .await?;
        if rows.is_empty() {
            break;
        }
        for r in rows {
            last = r.try_get(0)?;
            let level = RatingLevel::new(r.try_get(4)?)?;
            let source: String = r.try_get(5)?;
            sink(RatingExport {
                case_no: r.try_get(1)?,
                department: r.try_get(2)?,
                point: r.try_get(3)?,
                level: level.value().into(),
                level_label: level.label(),
                source: if source == "applicant" {
                    "applicant"
                } else {
                    "device"
                },
                rated_at: r.try_get(6)?,
                rated_on: r.try_get(7)?,
                bad: level.is_bad(),
                follow_up_due_on: r.try_get(8)?,
                follow_up_answered_at: r.try_get(9)?,
            })?;
            n += 1;
        }
    }
    Ok(n)
}

/// Decrypts the stored identity number of a case, for the rare screens that need it
/// in full (recorded in the audit chain by the caller).
pub async fn reveal_id_number(
    store: &Store,
    p: &Principal,
    case_no: &str,
) -> Result<Option<String>> {
    let mut tx = store.begin().await?;
    let raw = load_scoped(&mut tx, p, case_no).await?;
    let id: i64 = raw.try_get("id")?;
    let enc: Option<String> = sqlx::query_scalar("SELECT id_number_enc FROM cases WHERE id = $1")
        .bind(id)
        .fetch_one(&mut *tx)
        .await?;
    audit::append(
        &mut tx,
        store.keys(),
        &p.actor(),
        "case.reveal_id",
        "case",
        case_no,
        serde_json::json!({}),
    )
    .await?;
    tx.commit().await?;
    enc.map(|e| store.keys().decrypt(&e).map_err(StoreError::Other))
        .transpose()
}

/// A bad rating awaiting (or having received) the department's answer.
#[derive(Debug, Clone, Serialize)]
pub struct FollowUpRow {
    pub case_no: String,
    pub department: String,
    pub item_name: String,
    pub level: i64,
    pub level_label: &'static str,
    pub comment: String,
    pub rated_at: String,
    pub due_on: String,
    pub overdue: bool,
    pub answered_at: Option<String>,
    pub answer: Option<String>,
}

/// Follow-ups of bad ratings the principal may see (its department's, or all for a
/// supervisor), oldest due first; `open_only` leaves out answered ones.
pub async fn follow_ups(
    store: &Store,
    p: &Principal,
    open_only: bool,
) -> Result<(Vec<FollowUpRow>, i64)> {
    let mut sql = Sql::new(
        " FROM rating_followups f JOIN cases c ON c.id = f.case_id JOIN ratings r ON r.case_id = c.id \
         JOIN departments d ON d.id = c.department_id JOIN points p ON p.id = c.point_id \
         JOIN item_versions v ON v.item_id = c.item_id AND v.version = c.item_version WHERE 1 = 1",
    );
    scope(p, &mut sql)?;
    if open_only {
        sql.push(" AND f.answered_at IS NULL");
    }
    let total: i64 = sql
        .with_text(format!("SELECT COUNT(*){}", sql.text))
        .query_scalar()
        .fetch_one(&mut *store.reader().await?)
        .await?;
    let mut sql = sql.with_text(format!(
        "SELECT c.case_no, d.code, v.name, r.level, r.comment, r.rated_at, f.due_on, f.answered_at, f.answer{}",
        sql.text
    ));
    sql.push(" ORDER BY f.due_on, c.id LIMIT 500");
    let today = time::day(time::local_day(time::now()));
    let mut conn = store.reader().await?;
    let rows = sql.query().fetch_all(&mut *conn).await?;
    let rows = rows
        .iter()
        .map(|r| {
            let level: i64 = r.try_get(3)?;
            let due_on: String = r.try_get(6)?;
            let answered_at: Option<String> = r.try_get(7)?;
            Ok(FollowUpRow {
                case_no: r.try_get(0)?,
                department: r.try_get(1)?,
                item_name: r.try_get(2)?,
                level,
                level_label: RatingLevel::new(level).map(|l| l.label()).unwrap_or(""),
                comment: r.try_get(4)?,
                rated_at: time::display(&r.try_get::<String, _>(5)?),
                overdue: answered_at.is_none() && due_on < today,
                due_on,
                answered_at: opt_display(answered_at),
                answer: r.try_get(8)?,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    Ok((rows, total))
}

/// After a year's holidays are entered, open cases whose deadlines were weekday-only
/// estimates get exact ones (inside the calendar import's transaction).
pub(crate) async fn recompute_estimated(tx: &mut AnyConnection, cal: &Calendar) -> Result<u64> {
    let rows = sqlx::query(
        "SELECT id, accepted_on, promised_days, promised_unit, statutory_days, statutory_unit, extension_days FROM cases \
         WHERE deadline_estimated = 1 AND status IN ('accepted', 'supplement_requested', 'suspended')",
    )
    .fetch_all(&mut *tx)
    .await?;
    let mut n = 0;
    for r in rows {
        let id: i64 = r.try_get(0)?;
        let Some(start) = r
            .try_get::<Option<String>, _>(1)?
            .as_deref()
            .and_then(time::parse_day)
        else {
            continue;
        };
        let promised = (
            r.try_get::<i64, _>(2)? as u32,
            parse_unit(&r.try_get::<String, _>(3)?),
        );
        let statutory = (
            r.try_get::<i64, _>(4)? as u32,
            parse_unit(&r.try_get::<String, _>(5)?),
        );
        let ext: i64 = r.try_get(6)?;
        let pauses = pauses_of(&mut *tx, id).await?;
        let (pd, ld, est) = clocks_from(cal, start, promised, statutory, ext, &pauses);
        sqlx::query("UPDATE cases SET promised_deadline = $1, legal_deadline = $2, deadline_estimated = $3 WHERE id = $4")
            .bind(pd)
            .bind(ld)
            .bind(est as i64)
            .bind(id)
            .execute(&mut *tx)
            .await?;
        n += 1;
    }
    Ok(n)
}

/// Limits a query to the cases an applicant filed or is the person applying in.
fn own(a: &crate::applicants::ApplicantSession, sql: &mut Sql) {
    sql.push(" AND (c.submitter_digest = ")
        .bind_s(a.id_digest.clone())
        .push(" OR c.id_number_digest = ")
        .bind_s(a.id_digest.clone())
        .push(")");
}

/// 我的办件: the applicant's cases, newest first.
pub async fn mine(
    store: &Store,
    a: &crate::applicants::ApplicantSession,
    page: i64,
) -> Result<(Vec<CaseView>, i64)> {
    let page = page.clamp(1, 10_000);
    let today = time::local_day(time::now());
    let mut filter = Sql::new(CASE_FROM);
    own(a, &mut filter);
    let mut conn = store.reader().await?;
    let total: i64 = filter
        .with_text(format!("SELECT COUNT(*){}", filter.text))
        .query_scalar()
        .fetch_one(&mut *conn)
        .await?;
    let mut q = filter.with_text(format!("SELECT {CASE_COLUMNS}{}", filter.text));
    q.push(" ORDER BY c.id DESC LIMIT 20 OFFSET ")
        .bind_i((page - 1) * 20);
    let rows = q.query().fetch_all(&mut *conn).await?;
    let cal = calendar::load(store, &mut conn).await?;
    let cases = rows
        .iter()
        .map(|r| view_from(r, &cal, today))
        .collect::<Result<Vec<_>>>()?;
    Ok((cases, total))
}

/// One of the applicant's own cases with its steps (staff names left out).
pub async fn own_case(
    store: &Store,
    a: &crate::applicants::ApplicantSession,
    case_no: &str,
) -> Result<CaseView> {
    let no = CaseNo::parse(case_no)?;
    let mut conn = store.reader().await?;
    let mut sql = Sql::new(&format!(
        "SELECT {CASE_COLUMNS}{CASE_FROM} AND c.case_no = "
    ));
    sql.bind_s(no.as_str());
    own(a, &mut sql);
    let row = sql
        .query()
        .fetch_optional(&mut *conn)
        .await?
        .ok_or_else(|| StoreError::not_found(format!("未找到您的办件“{case_no}”")))?;
    let mut view = full_view(store, &mut conn, &row).await?;
    for e in &mut view.events {
        if !e.actor.starts_with("申请人") {
            e.actor = String::new();
        }
    }
    Ok(view)
}

/// The id of a case the principal may see (404 otherwise).
pub async fn case_id(store: &Store, p: &Principal, case_no: &str) -> Result<i64> {
    let mut conn = store.reader().await?;
    let row = load_scoped(&mut conn, p, case_no).await?;
    Ok(row.try_get("id")?)
}
