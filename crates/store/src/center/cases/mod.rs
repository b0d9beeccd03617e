//! Cases (办件) in the database: application, every lifecycle action, the clocks,
//! ratings and their follow-ups. Each write is one transaction that checks the
//! actor's scope in its query, records an event, and appends to the audit chain.

mod act;
pub mod after_checks;
mod create;
mod export;
mod list;
mod members;
mod progress;
mod rate;
pub mod stored;

pub use act::*;
pub use create::*;
pub use export::*;
pub use list::*;
pub use members::{Group, MemberCase, check_joint_materials, join, members};
pub use progress::*;
pub use rate::*;

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
    Action, Applicant, BeforeAcceptance, CaseNo, CaseState, CaseStatus, Channel, DeliveryMethod,
    MAX_SPECIAL_DAYS, Mode, SpecialProcedure, TransitionError, Urgency, mask_id, urgency,
};
use tongban_domain::catalog::ItemContent;
use tongban_domain::org::{PointKind, Role};
use tongban_domain::rating::{
    FOLLOW_UP_WORKING_DAYS, Finding, MAX_COMMENT_CHARS, RATING_WINDOW_DAYS, RatingLevel,
    ReviewOutcome,
};

pub use tongban_domain::case::DEEMED_ACCEPTANCE_DAYS;

/// An application as the API or a form gives it (parsed at the edge into an
/// [`Application`]).
pub use tongban_domain::case::ApplicationInput as NewCase;
pub use tongban_domain::case::{Application, Filer};

/// An action on a case.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ActionInput {
    pub action: Option<String>,
    pub note: Option<String>,
    /// 办结: number of the license or document issued.
    pub document_no: Option<String>,
    /// 特别程序 (Art. 45): which procedure, from the law's list.
    #[serde(default)]
    pub procedure: Option<String>,
    /// 特别程序: its expected duration in days.
    #[serde(default)]
    pub expected_days: Option<i64>,
    /// 补正告知: the working days the applicant is given to supply (10 by default).
    #[serde(default)]
    pub supply_days: Option<i64>,
    /// 送达: window, post or electronic; who received it; the post's tracking
    /// number; the day (today by default).
    #[serde(default)]
    pub delivery_method: Option<String>,
    #[serde(default)]
    pub recipient: Option<String>,
    #[serde(default)]
    pub tracking_no: Option<String>,
    #[serde(default)]
    pub delivered_on: Option<String>,
}

impl ActionInput {
    fn delivery(&self) -> tongban_domain::case::DeliveryInput {
        tongban_domain::case::DeliveryInput {
            method: self.delivery_method.clone(),
            recipient: self.recipient.clone(),
            reference: self.tracking_no.clone(),
            on: self.delivered_on.clone(),
        }
    }
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

impl<'a> Creator<'a> {
    /// Who files, as the application's parsing needs to know.
    pub fn filer(self) -> Filer<'a> {
        match self {
            Creator::Staff(_) => Filer::Clerk,
            Creator::Applicant(a) => Filer::Portal {
                name: &a.name,
                id_number: &a.id_number,
                phone: &a.phone,
            },
        }
    }
}

/// The SQL condition that limits a principal to the cases it may see.
/// The reader's scope over cases aliased `c`, for other areas' lists of cases.
pub(crate) fn scope_cases(p: &Principal, sql: &mut Sql) -> Result<()> {
    scope(p, sql)
}

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

/// The columns a new case is written with, in the order of its values; the store's
/// insert (with `submitter_digest` after them) and the demo's bulk load (with `id`
/// before them) share the list.
pub const INSERT_COLUMNS: &[&str] = &[
    "case_no",
    "item_id",
    "item_version",
    "department_id",
    "point_id",
    "channel",
    "status",
    "instant",
    "applicant_kind",
    "applicant_name",
    "id_type",
    "id_number_enc",
    "id_number_digest",
    "id_number_masked",
    "credit_code",
    "contact",
    "phone_enc",
    "phone_masked",
    "verify_digest",
    "materials",
    "submitted_at",
    "submitted_on",
    "accepted_at",
    "accepted_on",
    "acceptance_no",
    "decided_at",
    "closed_at",
    "closed_on",
    "promised_days",
    "promised_unit",
    "statutory_days",
    "statutory_unit",
    "extension_days",
    "promised_deadline",
    "legal_deadline",
    "deadline_estimated",
    "result",
    "document_no",
    "reason",
    "updated_at",
];
/// A case event's columns, in the order of its values (shared as above).
pub const EVENT_INSERT_COLUMNS: &[&str] = &[
    "case_id",
    "at",
    "action",
    "from_status",
    "to_status",
    "actor_id",
    "actor_name",
    "point_id",
    "note",
];
/// A pause's columns, in the order of its values (shared as above).
pub const PAUSE_INSERT_COLUMNS: &[&str] =
    &["case_id", "kind", "from_day", "to_day", "reason", "due_day"];
/// A bad rating's follow-up as opened, in the order of its values (shared as above,
/// the demo adding the answer's columns after them).
pub const FOLLOW_UP_INSERT_COLUMNS: &[&str] =
    &["case_id", "kind", "department_id", "opened_at", "due_on"];
/// A rating's columns, in the order of its values (shared as above).
pub const RATING_INSERT_COLUMNS: &[&str] = &[
    "case_id", "kind", "level", "comment", "source", "rated_at", "rated_on", "staff_id",
];
/// The applicant's rating of the whole service (一事一评), the one a case shows.
pub const SERVICE_RATING: &str = "service";
/// The window's device rating of a visit (一次一评).
pub const VISIT_RATING: &str = "visit";

/// A rating's columns (`r`, its follow-up `f`), as the case list and a single
/// rating read them.
macro_rules! rating_columns {
    () => {
        "r.level AS r_level, r.comment AS r_comment, r.rated_at AS r_rated_at, \
         (SELECT u.display_name FROM users u WHERE u.id = r.staff_id) AS r_staff, \
         f.due_on AS f_due_on, f.answered_at AS f_answered_at, f.answer AS f_answer, f.finding AS f_finding, \
         f.appeal AS f_appeal, f.appealed_at AS f_appealed_at, f.review AS f_review, \
         f.review_outcome AS f_review_outcome, f.reviewed_at AS f_reviewed_at"
    };
}

const CASE_COLUMNS: &str = concat!(
    "c.id, c.case_no, c.item_id, c.item_version, c.department_id, c.point_id, c.channel, c.status, c.instant, \
     c.applicant_kind, c.applicant_name, c.id_type, c.id_number_masked, c.credit_code, c.contact, c.phone_masked, c.verify_digest, \
     c.submitted_at, c.accepted_at, c.accepted_on, c.acceptance_no, c.decided_at, c.closed_at, \
     c.promised_days, c.promised_unit, c.statutory_days, c.statutory_unit, c.extension_days, c.promised_deadline, c.legal_deadline, \
     c.deadline_estimated, c.result, c.document_no, c.reason, c.materials, \
     i.code AS item_code, v.name AS item_name, d.code AS dcode, d.name AS dname, p.code AS pcode, p.name AS pname, \
     ",
    rating_columns!(),
    ", lic.license_no AS license_no, lic.check_token AS license_token, c.submitted_on, \
     c.deliver_by, c.delivered_on, c.delivery_method, c.delivery_to, c.delivery_ref, \
     c.mode, c.deferred, c.agent_name, c.agent_id_masked, c.agent_phone_masked, c.assistant, c.verify_by, \
     c.verified_at, c.revoked_on, \
     CASE WHEN c.status = 'submitted' THEN (SELECT COUNT(*) FROM case_pauses cp WHERE cp.case_id = c.id) ELSE 0 END AS notices, \
     CASE WHEN c.status = 'supplement_requested' THEN (SELECT MAX(cp.due_day) FROM case_pauses cp WHERE cp.case_id = c.id \
     AND cp.kind = 'supplement' AND cp.to_day IS NULL) END AS supply_by"
);

const CASE_FROM: &str = " FROM cases c JOIN items i ON i.id = c.item_id \
     JOIN item_versions v ON v.item_id = c.item_id AND v.version = c.item_version \
     JOIN departments d ON d.id = c.department_id JOIN points p ON p.id = c.point_id LEFT JOIN ratings r ON r.case_id = c.id AND r.kind = 'service' LEFT JOIN rating_followups f ON f.case_id = c.id AND f.kind = 'service' \
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
    applicant_name: String,
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
    /// 送达: the clock and the record (Art. 44).
    deliver_by: Option<String>,
    delivery: Option<Delivered>,
    /// How it was taken; 容缺受理's materials still to come; 告知承诺制's
    /// verification and revocation.
    mode: Mode,
    deferred: Vec<String>,
    verify_by: Option<String>,
    verified_at: Option<String>,
    revoked_on: Option<String>,
}

/// The agent at the window, masked as applicants are in views.
#[derive(Debug, Clone, Serialize)]
pub struct AgentView {
    pub name: String,
    pub id_number: String,
    pub phone: String,
}

/// A decision's delivery as recorded.
#[derive(Debug, Clone, Serialize)]
pub struct Delivered {
    pub method: &'static str,
    pub method_label: &'static str,
    pub on: String,
    pub recipient: String,
    pub reference: Option<String>,
}

fn delivered_from(r: &sqlx::any::AnyRow) -> Result<Option<Delivered>> {
    let Some(on) = r.try_get::<Option<String>, _>("delivered_on")? else {
        return Ok(None);
    };
    let method = DeliveryMethod::parse(&r.try_get::<String, _>("delivery_method")?)
        .unwrap_or(DeliveryMethod::Window);
    Ok(Some(Delivered {
        method: method.as_str(),
        method_label: method.label(),
        on,
        recipient: r
            .try_get::<Option<String>, _>("delivery_to")?
            .unwrap_or_default(),
        reference: r.try_get("delivery_ref")?,
    }))
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
        applicant_name: r.try_get("applicant_name")?,
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
        deliver_by: r.try_get("deliver_by")?,
        delivery: delivered_from(r)?,
        mode: Mode::parse(&r.try_get::<String, _>("mode")?).unwrap_or(Mode::Standard),
        deferred: r
            .try_get::<Option<String>, _>("deferred")?
            .and_then(|j| serde_json::from_str(&j).ok())
            .unwrap_or_default(),
        verify_by: r.try_get("verify_by")?,
        verified_at: r.try_get("verified_at")?,
        revoked_on: r.try_get("revoked_on")?,
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
    /// The staff member rated: the window clerk of a visit, the clerk who accepted
    /// the case for the service.
    pub staff: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub follow_up: Option<FollowUp>,
}

/// A bad rating's closed loop: verified and rectified by the department, answered,
/// appealed by the rater, reviewed by the service management office.
#[derive(Debug, Clone, Serialize)]
pub struct FollowUp {
    pub due_on: String,
    pub answered_at: Option<String>,
    pub answer: Option<String>,
    /// 核实: founded, partly founded, unfounded.
    pub finding: Option<&'static str>,
    pub finding_label: Option<&'static str>,
    pub appeal: Option<String>,
    pub appealed_at: Option<String>,
    pub review: Option<String>,
    pub review_outcome: Option<&'static str>,
    pub review_outcome_label: Option<&'static str>,
    pub reviewed_at: Option<String>,
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
    /// Awaiting acceptance, no notice given: the last day to accept, refuse or tell
    /// what is missing (Art. 32), and the working days left (negative once past).
    #[serde(skip_serializing_if = "stored::leaving_live_out")]
    pub answer_by: Option<String>,
    #[serde(skip_serializing_if = "stored::leaving_live_out")]
    pub answer_days_left: Option<i64>,
    /// Accepted by law on receipt (Art. 32): not answered within five working days,
    /// so the acceptance dates from the day received, before the act itself.
    pub deemed_accepted: bool,
    /// Awaiting a supplement: the last day to supply (补正期限).
    pub supply_by: Option<String>,
    /// A decision made: the last day to deliver it (Art. 44), and its delivery.
    pub deliver_by: Option<String>,
    pub delivery: Option<Delivered>,
    /// Delivered after the day, or not delivered and the day has passed.
    #[serde(skip_serializing_if = "stored::leaving_live_out")]
    pub delivery_late: bool,
    /// 一般受理, 容缺受理 or 告知承诺制.
    pub mode: &'static str,
    pub mode_label: &'static str,
    /// 容缺受理: the materials still to be supplied before the decision.
    pub deferred: Vec<String>,
    /// 告知承诺制: the last day to verify the commitment, and when it was verified.
    pub verify_by: Option<String>,
    pub verified_at: Option<String>,
    /// 经办人/代理人 (masked), and the member of staff who handled it for the
    /// applicant (帮办代办).
    pub agent: Option<AgentView>,
    pub assistant: Option<String>,
    /// The deadline runs past the years whose holidays are known: a weekdays-only estimate.
    pub deadline_estimated: bool,
    #[serde(skip_serializing_if = "stored::leaving_live_out")]
    pub urgency: Urgency,
    #[serde(skip_serializing_if = "stored::leaving_live_out")]
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
    #[serde(skip_serializing_if = "stored::leaving_live_out")]
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
    let (mut view, live) = base_view(r)?;
    // Lists carry the number's page only (validity); a case's own view gives the
    // QR link with the check token.
    let url = live.license_no.as_ref().map(|no| format!("/verify/{no}"));
    view.set_live(live.work_out(cal, today, url));
    Ok(view)
}

/// What the parts of a case's view that depend on the day and on the node's
/// settings are worked out from when it is shown (kept beside a stored view).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct LiveInputs {
    status: CaseStatus,
    submitted_on: Option<String>,
    /// Supplement notices given before acceptance.
    notices: i64,
    promised_deadline: Option<String>,
    deliver_by: Option<String>,
    delivered_on: Option<String>,
    license_no: Option<String>,
    license_token: Option<String>,
}

/// The parts of a case's view worked out when it is shown: the clocks' state today,
/// and the license's check link under the node's public address.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Live {
    answer_by: Option<String>,
    answer_days_left: Option<i64>,
    delivery_late: bool,
    urgency: Urgency,
    urgency_label: &'static str,
    license_url: Option<String>,
}

impl LiveInputs {
    fn work_out(&self, cal: &Calendar, today: NaiveDate, license_url: Option<String>) -> Live {
        let status = self.status;
        let urgency = if status.is_final()
            || status == CaseStatus::Approved
            || status == CaseStatus::Submitted
        {
            Urgency::Normal
        } else {
            urgency(
                cal,
                self.promised_deadline.as_deref().and_then(time::parse_day),
                status,
                today,
            )
        };
        let answer_by = match (status, self.submitted_on.as_deref()) {
            (CaseStatus::Submitted, Some(received)) => {
                time::parse_day(received).and_then(|received| {
                    BeforeAcceptance {
                        received,
                        notices: self.notices.max(0) as usize,
                        allowances: 0,
                        first_notice: None,
                    }
                    .answer_by(cal)
                })
            }
            _ => None,
        };
        let answer_days_left = answer_by.map(|due| {
            if due >= today {
                i64::from(cal.working_days_between(today, due).unwrap_or(0))
            } else {
                -i64::from(cal.working_days_between(due, today).unwrap_or(0))
            }
        });
        let delivery_late = match self.deliver_by.as_deref() {
            None => false,
            Some(by) => match self.delivered_on.as_deref() {
                Some(on) => on > by,
                None => time::day(today).as_str() > by,
            },
        };
        Live {
            answer_by: answer_by.map(time::day),
            answer_days_left,
            delivery_late,
            urgency,
            urgency_label: urgency.label(),
            license_url,
        }
    }
}

impl CaseView {
    fn set_live(&mut self, live: Live) {
        self.answer_by = live.answer_by;
        self.answer_days_left = live.answer_days_left;
        self.delivery_late = live.delivery_late;
        self.urgency = live.urgency;
        self.urgency_label = live.urgency_label;
        self.license_url = live.license_url;
    }

    fn live(&self) -> Live {
        Live {
            answer_by: self.answer_by.clone(),
            answer_days_left: self.answer_days_left,
            delivery_late: self.delivery_late,
            urgency: self.urgency,
            urgency_label: self.urgency_label,
            license_url: self.license_url.clone(),
        }
    }
}

/// A case's view from its row, without the parts worked out when it is shown (left
/// empty), and what they are worked out from.
fn base_view(r: &sqlx::any::AnyRow) -> Result<(CaseView, LiveInputs)> {
    let row = row_from(r)?;
    let deemed = match (
        row.accepted_on.as_deref(),
        row.accepted_at.as_deref().and_then(time::parse_stamp),
    ) {
        (Some(on), Some(at)) => on < time::day(time::local_day(at)).as_str(),
        _ => false,
    };
    let materials: Vec<String> =
        serde_json::from_str(&r.try_get::<String, _>("materials")?).unwrap_or_default();
    let live = LiveInputs {
        status: row.status,
        submitted_on: r.try_get("submitted_on")?,
        notices: r.try_get::<i64, _>("notices").unwrap_or(0),
        promised_deadline: row.promised_deadline.clone(),
        deliver_by: row.deliver_by.clone(),
        delivered_on: row.delivery.as_ref().map(|d| d.on.clone()),
        license_no: r.try_get("license_no")?,
        license_token: r.try_get("license_token")?,
    };
    let view = CaseView {
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
        promised_deadline: row.promised_deadline,
        legal_deadline: row.legal_deadline,
        answer_by: None,
        answer_days_left: None,
        supply_by: r.try_get("supply_by")?,
        deemed_accepted: deemed,
        delivery_late: false,
        deliver_by: row.deliver_by,
        delivery: row.delivery,
        mode: row.mode.as_str(),
        mode_label: row.mode.label(),
        deferred: row.deferred,
        verify_by: row.verify_by,
        verified_at: row.verified_at.as_deref().map(time::display),
        agent: match r.try_get::<Option<String>, _>("agent_name")? {
            Some(name) => Some(AgentView {
                name,
                id_number: r
                    .try_get::<Option<String>, _>("agent_id_masked")?
                    .unwrap_or_default(),
                phone: r
                    .try_get::<Option<String>, _>("agent_phone_masked")?
                    .unwrap_or_default(),
            }),
            None => None,
        },
        assistant: r.try_get("assistant")?,
        deadline_estimated: row.deadline_estimated,
        urgency: Urgency::Normal,
        urgency_label: Urgency::Normal.label(),
        decided_at: opt_display(row.decided_at),
        closed_at: opt_display(row.closed_at),
        result: row.result,
        document_no: row.document_no,
        reason: row.reason,
        events: vec![],
        rating: rating_from(r)?,
        license_url: None,
        license_no: live.license_no.clone(),
    };
    Ok((view, live))
}

fn rating_from(r: &sqlx::any::AnyRow) -> Result<Option<RatingView>> {
    let Some(level) = r.try_get::<Option<i64>, _>("r_level")? else {
        return Ok(None);
    };
    let due: Option<String> = r.try_get("f_due_on")?;
    let finding = r
        .try_get::<Option<String>, _>("f_finding")?
        .as_deref()
        .and_then(Finding::parse);
    let outcome = r
        .try_get::<Option<String>, _>("f_review_outcome")?
        .as_deref()
        .and_then(ReviewOutcome::parse);
    Ok(Some(RatingView {
        level,
        label: RatingLevel::new(level).map(|l| l.label()).unwrap_or(""),
        comment: r.try_get("r_comment")?,
        rated_at: time::display(&r.try_get::<String, _>("r_rated_at")?),
        staff: r.try_get("r_staff")?,
        follow_up: match due {
            Some(due_on) => Some(FollowUp {
                due_on,
                answered_at: opt_display(r.try_get("f_answered_at")?),
                answer: r.try_get("f_answer")?,
                finding: finding.map(Finding::as_str),
                finding_label: finding.map(Finding::label),
                appeal: r.try_get("f_appeal")?,
                appealed_at: opt_display(r.try_get("f_appealed_at")?),
                review: r.try_get("f_review")?,
                review_outcome: outcome.map(ReviewOutcome::as_str),
                review_outcome_label: outcome.map(ReviewOutcome::label),
                reviewed_at: opt_display(r.try_get("f_reviewed_at")?),
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
                // Shift the start by the days paused since it (a pause before
                // acceptance does not move the clock), then estimate.
                let paused: i64 = pauses
                    .iter()
                    .filter_map(|p| p.to.map(|t| (t - p.from.max(start)).num_days().max(0)))
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
        sqlx::query(
            "SELECT from_day, to_day FROM case_pauses WHERE case_id = $1 AND kind <> 'late_notice' ORDER BY id",
        )
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

fn action_label(action: &str) -> String {
    if action == "submit" {
        "提交申请".into()
    } else if action == ALLOW_NOTICE {
        "准许再次补正告知".into()
    } else {
        Action::parse(action)
            .map(|a| a.label().to_string())
            .unwrap_or_else(|| action.to_string())
    }
}

/// An instant case's result handed over at the window as it is decided.
fn on_the_spot(day: String, applicant: &str) -> Delivered {
    Delivered {
        method: DeliveryMethod::Window.as_str(),
        method_label: DeliveryMethod::Window.label(),
        on: day,
        recipient: applicant.to_string(),
        reference: None,
    }
}

/// Writes a delivery and its clock onto the case.
async fn write_delivery(
    conn: &mut AnyConnection,
    id: i64,
    deliver_by: Option<&str>,
    d: &Delivered,
) -> Result<()> {
    sqlx::query(
        "UPDATE cases SET deliver_by = $1, delivered_on = $2, delivery_method = $3, delivery_to = $4, \
         delivery_ref = $5 WHERE id = $6",
    )
    .bind(deliver_by)
    .bind(&d.on)
    .bind(d.method)
    .bind(&d.recipient)
    .bind(&d.reference)
    .bind(id)
    .execute(conn)
    .await?;
    Ok(())
}

/// The event of a supervisor allowing a further supplement notice before acceptance.
const ALLOW_NOTICE: &str = "allow_notice";

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

/// Records a case event: at the end of the transaction together with the others its
/// writes record (`db::pending`, before the seals that cover them), at once when no
/// transaction is gathering. A write that reads a case's events first settles them
/// (`settle_events`).
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
    use crate::bulk::V;
    let row = vec![
        V::I(case_id),
        V::from(at),
        V::from(action),
        V::from(from.map(|s| s.as_str().to_string())),
        V::from(to.as_str()),
        V::from(actor.id),
        V::from(actor.name.as_str()),
        V::from(point_id),
        V::from(note.map(str::to_string)),
    ];
    let merge = |kept: &mut Vec<Vec<V>>, more: Vec<Vec<V>>| kept.extend(more);
    match crate::db::pending::defer_carrying(EVENTS, vec![row], merge, insert_kept_events) {
        None => Ok(()),
        Some(rows) => insert_events(conn, &rows).await,
    }
}

/// Where a transaction's case events wait for its end.
const EVENTS: (u8, &str) = (crate::db::pending::ROWS, "case_events");

fn insert_kept_events<'c>(
    conn: &'c mut AnyConnection,
    value: Box<dyn std::any::Any + Send>,
) -> crate::BoxFuture<'c, Result<()>> {
    Box::pin(async move {
        let rows = crate::db::pending::kept::<Vec<Vec<crate::bulk::V>>>(value)?;
        insert_events(conn, &rows).await
    })
}

async fn insert_events(conn: &mut AnyConnection, rows: &[Vec<crate::bulk::V>]) -> Result<()> {
    let backend = crate::Backend::of(conn);
    for s in crate::bulk::insert_stmts(backend, "case_events", EVENT_INSERT_COLUMNS, rows, "") {
        crate::db::pending::write(&mut *conn, s).await?;
    }
    Ok(())
}

/// Writes the events this transaction has recorded so far, before reading a case's
/// events inside it.
async fn settle_events(conn: &mut AnyConnection) -> Result<()> {
    crate::db::pending::settle_slot(conn, EVENTS).await
}

async fn load_scoped(
    conn: &mut AnyConnection,
    p: &Principal,
    case_no: &CaseNo,
) -> Result<sqlx::any::AnyRow> {
    let no = case_no;
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

/// A case with its events and rating, if the principal may see it (404 otherwise):
/// one statement, the events coming along as one JSON column.
/// On SQLite the statement runs on this thread (`db::direct`), and with the node's
/// copies of the calendar and the portal's address fresh no reader is taken at all.
pub async fn get(store: &Store, p: &Principal, case_no: &CaseNo) -> Result<CaseView> {
    let mut sql = Sql::new(&format!(
        "SELECT {CASE_COLUMNS}{}{CASE_FROM} AND c.case_no = ",
        events_column(store.backend())
    ));
    sql.bind_s(case_no.as_str());
    scope(p, &mut sql)?;
    let mut rd = store.lazy_reader();
    let row = rd
        .fetch_optional(&sql)
        .await?
        .ok_or_else(|| StoreError::not_found(format!("办件“{case_no}”不存在")))?;
    full_view(store, &mut rd, &row).await
}

/// A case's view as the API answers it (JSON): from the views this node answered a
/// moment ago while nothing may have changed it (`views`: never after a commit of
/// this node, at most a second after the read), otherwise the view kept beside the
/// case (`stored`), or one built as [`get`] builds it for a case without one.
/// Kept per scope (role, department, point: what [`scope`] filters by), so a view is
/// only ever answered to those the same query would have answered, and per day (its
/// deadlines count from today).
pub async fn get_json(store: &Store, p: &Principal, case_no: &CaseNo) -> Result<bytes::Bytes> {
    let key = format!(
        "case|{case_no}|{:?}|{:?}|{:?}|{}",
        p.role,
        p.department_id,
        p.point_id,
        time::local_day(time::now())
    );
    let views = store.views();
    if let Some(body) = views.get(&key) {
        return Ok(body);
    }
    let (change, asked) = (views.change_now(), std::time::Instant::now());
    // The view kept beside the case (`stored`), or one built from its records.
    let mut rd = store.lazy_reader();
    let body = match stored::lookup(store, &mut rd, p, case_no).await? {
        Some(body) => {
            drop(rd);
            if cfg!(debug_assertions) {
                same_as_records(store, p, case_no, body.clone()).await?;
            }
            body
        }
        None => {
            drop(rd);
            stored::render(&get(store, p, case_no).await?)?
        }
    };
    views.keep(key, change, asked, body.clone());
    Ok(body)
}

/// In a debug build (the test suite), a kept view answered must be the one its
/// records give: a write that changed a case without renewing its view fails the
/// request that shows it. Asked again once when they differ, in case a write landed
/// between the two reads.
async fn same_as_records(
    store: &Store,
    p: &Principal,
    case_no: &CaseNo,
    mut kept: bytes::Bytes,
) -> Result<()> {
    for again in [false, true] {
        if again {
            let mut rd = store.lazy_reader();
            kept = stored::lookup(store, &mut rd, p, case_no)
                .await?
                .unwrap_or_default();
        }
        let built = stored::render(&get(store, p, case_no).await?)?;
        if built == kept {
            return Ok(());
        }
        if again {
            return Err(StoreError::Other(anyhow::anyhow!(
                "the kept view of case {case_no} differs from its records:\nkept:  {}\nbuilt: {}",
                String::from_utf8_lossy(&kept),
                String::from_utf8_lossy(&built)
            )));
        }
    }
    Ok(())
}

/// A case's events in order as one JSON column `events_json` of arrays
/// `[at, action, from, to, actor, point, note]`.
fn events_column(backend: crate::Backend) -> &'static str {
    match backend {
        // Read from one range of `case_events_by_case` (the case's events with their
        // columns, in id order: migration 44), aggregated from a subquery in that
        // order, so SQLite sorts nothing (`json_group_array`'s own `ORDER BY` built a
        // temporary B-tree for every lookup).
        crate::Backend::Sqlite => {
            ", (SELECT json_group_array(json_array(at, action, from_status, to_status, actor_name, point, note)) \
             FROM (SELECT e.at, e.action, e.from_status, e.to_status, e.actor_name, ep.name AS point, e.note \
             FROM case_events e LEFT JOIN points ep ON ep.id = e.point_id WHERE e.case_id = c.id ORDER BY e.id)) AS events_json"
        }
        crate::Backend::Postgres => {
            ", (SELECT json_agg(json_build_array(e.at, e.action, e.from_status, e.to_status, e.actor_name, ep.name, e.note) ORDER BY e.id)::text \
             FROM case_events e LEFT JOIN points ep ON ep.id = e.point_id WHERE e.case_id = c.id) AS events_json"
        }
    }
}

type EventTuple = (
    String,
    String,
    Option<String>,
    String,
    String,
    Option<String>,
    Option<String>,
);

fn event_from(e: EventTuple) -> Event {
    let (at, action, from_status, to_status, actor, point, note) = e;
    Event {
        at: time::display(&at),
        action_label: action_label(&action),
        action,
        from_status,
        to_status,
        actor,
        point,
        note,
    }
}

async fn full_view(
    store: &Store,
    rd: &mut crate::LazyReader<'_>,
    row: &sqlx::any::AnyRow,
) -> Result<CaseView> {
    let cal = calendar::load_lazy(store, rd).await?;
    let (mut view, live) = base_view(row)?;
    add_events(&mut view, row, rd).await?;
    let url = license_url(store, rd, &live).await?;
    view.set_live(live.work_out(&cal, time::local_day(time::now()), url));
    Ok(view)
}

/// The check link of the case's license (absolute under the portal's address when
/// one is configured), from the row itself and the node's copy of the address: no
/// further statements on a lookup.
async fn license_url(
    store: &Store,
    rd: &mut crate::LazyReader<'_>,
    live: &LiveInputs,
) -> Result<Option<String>> {
    let Some(no) = &live.license_no else {
        return Ok(None);
    };
    let url = store.public_url_lazy(rd).await?;
    Ok(Some(crate::licenses::check_link(
        url.as_deref(),
        no,
        live.license_token.as_deref(),
    )))
}

/// A case's events into its view: loaded with the case (`events_column`), or read now.
async fn add_events(
    view: &mut CaseView,
    row: &sqlx::any::AnyRow,
    rd: &mut crate::LazyReader<'_>,
) -> Result<()> {
    let id: i64 = row.try_get("id")?;
    if let Ok(json) = row.try_get::<Option<String>, _>("events_json") {
        view.events = events_of(id, json.as_deref())?;
        return Ok(());
    }
    let events = sqlx::query(
        "SELECT e.at, e.action, e.from_status, e.to_status, e.actor_name, p.name, e.note FROM case_events e \
         LEFT JOIN points p ON p.id = e.point_id WHERE e.case_id = $1 ORDER BY e.id",
    )
    .bind(id)
    .fetch_all(rd.get().await?)
    .await?;
    for e in events {
        view.events.push(event_from((
            e.try_get(0)?,
            e.try_get(1)?,
            e.try_get(2)?,
            e.try_get(3)?,
            e.try_get(4)?,
            e.try_get(5)?,
            e.try_get(6)?,
        )));
    }
    Ok(())
}

/// A case's events from the JSON column `events_column` reads.
fn events_of(id: i64, json: Option<&str>) -> Result<Vec<Event>> {
    let events: Vec<EventTuple> = match json {
        Some(j) => serde_json::from_str(j)
            .map_err(|e| StoreError::Other(anyhow::anyhow!("case {id}: events unreadable: {e}")))?,
        None => vec![],
    };
    Ok(events.into_iter().map(event_from).collect())
}

/// The rating of a case of one kind (`SERVICE_RATING`, the one a case shows, or
/// `VISIT_RATING`), with the follow-up of the case.
async fn rating_of(
    conn: &mut AnyConnection,
    case_id: i64,
    kind: &str,
) -> Result<Option<RatingView>> {
    let r = sqlx::query(concat!(
        "SELECT ",
        rating_columns!(),
        " FROM ratings r LEFT JOIN rating_followups f ON f.case_id = r.case_id AND f.kind = r.kind \
         WHERE r.case_id = $1 AND r.kind = $2"
    ))
    .bind(case_id)
    .bind(kind)
    .fetch_optional(conn)
    .await?;
    match r {
        Some(r) => rating_from(&r),
        None => Ok(None),
    }
}

/// After a year's holidays are entered, open cases whose deadlines were weekday-only
/// estimates get exact ones (inside the calendar import's transaction).
pub(crate) async fn recompute_estimated(tx: &mut AnyConnection, cal: &Calendar) -> Result<u64> {
    // Accepted, running or paused: the cases whose clocks count.
    let counting = crate::code_list(
        CaseStatus::ALL
            .iter()
            .copied()
            .filter(|s| *s == CaseStatus::Accepted || s.is_paused()),
        CaseStatus::as_str,
    );
    let sql = format!(
        "SELECT id, accepted_on, promised_days, promised_unit, statutory_days, statutory_unit, extension_days FROM cases \
         WHERE deadline_estimated = 1 AND status IN {counting}"
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
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
        stored::renew(&mut *tx, id).await?;
        n += 1;
    }
    Ok(n)
}

/// The id of a case the principal may see (404 otherwise).
pub async fn case_id(store: &Store, p: &Principal, case_no: &CaseNo) -> Result<i64> {
    let mut conn = store.reader().await?;
    let row = load_scoped(&mut conn, p, case_no).await?;
    Ok(row.try_get("id")?)
}
