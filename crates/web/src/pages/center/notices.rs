//! The written acts of the Administrative Licensing Law, printed from the case: 受理
//! 通知书 and 补正材料通知书 (Art. 32), 不予受理决定书 (Art. 32), 不予行政许可决定书
//! (Art. 38, with the routes of appeal), 延期告知书 (Art. 42, Art. 26) and 特别程序
//! 告知书 (Art. 45). Each is issued in the name of the department that decides, carries
//! a document number (文号) and the date of the act (not of the printing), and a QR
//! code for the progress query.

use crate::AppState;
use crate::pages::{Layout, PageError, PageResult, Web, qr_svg, render};
use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::routing::get;
use serde::Deserialize;
use tongban_store::cases::{self, CaseView, Event};

pub fn router() -> Router<AppState> {
    Router::new().route("/workbench/cases/{case_no}/notice", get(notice))
}

tongban_domain::coded_enum! {
    /// A kind of written act, with its title.
    Doc {
        Acceptance = ("acceptance", "受理通知书"),
        Supplement = ("supplement", "补正材料通知书"),
        Refusal = ("refusal", "不予受理决定书"),
        Rejection = ("rejection", "不予行政许可决定书"),
        Extension = ("extension", "延期告知书"),
        Special = ("special", "特别程序告知书"),
        Halt = ("halt", "中止审查告知书"),
        Termination = ("termination", "终止审查决定书"),
        Lapse = ("lapse", "逾期未补正处理决定书"),
        Commitment = ("commitment", "告知承诺制准予行政许可决定书"),
        Revocation = ("revocation", "撤销行政许可决定书"),
    }
}

impl Doc {
    /// The case action the act records.
    fn action(self) -> &'static str {
        match self {
            Doc::Acceptance => "accept",
            Doc::Supplement => "request_supplement",
            Doc::Refusal => "refuse",
            Doc::Rejection => "reject",
            Doc::Extension => "extend",
            Doc::Special => "suspend",
            Doc::Halt => "halt",
            Doc::Termination => "terminate",
            Doc::Lapse => "lapse",
            Doc::Commitment => "approve",
            Doc::Revocation => "revoke",
        }
    }
    /// The word of its document number (文号).
    fn word(self) -> &'static str {
        match self {
            Doc::Acceptance => "受字",
            Doc::Supplement => "补字",
            Doc::Refusal => "不受字",
            Doc::Rejection => "不许字",
            Doc::Extension => "延字",
            Doc::Special => "特字",
            Doc::Halt => "中止字",
            Doc::Termination | Doc::Lapse => "终字",
            Doc::Commitment => "承诺许字",
            Doc::Revocation => "撤字",
        }
    }

    /// The title printed: a lapse before acceptance counts as withdrawn, after it
    /// ends the review.
    fn title(self, before_acceptance: bool) -> &'static str {
        match self {
            Doc::Lapse if before_acceptance => "视为撤回申请决定书",
            Doc::Lapse => "终止审查决定书",
            d => d.label(),
        }
    }
}

/// The acts a case has: one for each kind of act recorded, the latest of each.
pub fn documents(case: &CaseView) -> Vec<(Doc, &Event)> {
    Doc::ALL
        .iter()
        // A decision on a commitment has its own document.
        .filter(|d| **d != Doc::Commitment || case.mode == "commitment")
        .filter_map(|d| {
            case.events
                .iter()
                .rev()
                .find(|e| e.action == d.action())
                .map(|e| (*d, e))
        })
        .collect()
}

/// The act the case's status calls for when none is named.
pub fn default_doc(case: &CaseView) -> Option<Doc> {
    let lapsed = || case.events.iter().any(|e| e.action == "lapse");
    match case.status {
        "submitted" => None,
        "withdrawn" => lapsed().then_some(Doc::Lapse),
        "refused" => Some(Doc::Refusal),
        "rejected" => Some(Doc::Rejection),
        "supplement_requested" => Some(Doc::Supplement),
        "suspended" => Some(Doc::Special),
        "halted" => Some(Doc::Halt),
        "terminated" if lapsed() => Some(Doc::Lapse),
        "terminated" => Some(Doc::Termination),
        "revoked" => Some(Doc::Revocation),
        "approved" | "closed" if case.mode == "commitment" => Some(Doc::Commitment),
        _ => Some(Doc::Acceptance),
    }
}

/// A day as documents write it: `2026年11月20日` (from a day or an instant).
pub fn cn_date(s: &str) -> String {
    tongban_store::time::cn_date(s)
}

/// Whom an applicant appeals to: the people's government of the office's city or
/// county for reconsideration, its people's court for litigation (settings
/// `reconsideration_body` and `court` when the office names them itself).
async fn appeal_bodies(s: &AppState) -> Result<(String, String), PageError> {
    let office = s.store.office_name().await?;
    let place = ["市", "县", "区"]
        .iter()
        .filter_map(|c| office.find(c).map(|i| &office[..i + c.len()]))
        // The deepest place named: a district's office appeals to the district.
        .max_by_key(|p| p.len())
        .map(str::to_string);
    let body = match s.store.setting("reconsideration_body").await? {
        Some(b) => b,
        None => place
            .as_ref()
            .map(|p| format!("{p}人民政府"))
            .unwrap_or_else(|| "本级人民政府".into()),
    };
    let court = match s.store.setting("court").await? {
        Some(c) => c,
        None => place
            .map(|p| format!("{p}人民法院"))
            .unwrap_or_else(|| "有管辖权的人民法院".into()),
    };
    Ok((body, court))
}

#[derive(Template)]
#[template(path = "center/notice.html")]
struct NoticePage {
    layout: Layout,
    kind: &'static str,
    title: &'static str,
    /// 文号
    number: String,
    /// The date of the act, as documents write it.
    acted_on: String,
    submitted_on: String,
    /// The event's note: the missing materials, the reasons, the procedure.
    note: String,
    /// Accepted by law on receipt (Art. 32), not by a decision in time.
    deemed: bool,
    /// The supplement was asked for before acceptance.
    before_acceptance: bool,
    /// The promised deadline, when it is still ahead.
    promise: Option<String>,
    legal_deadline: Option<String>,
    /// The law an extension rests on.
    extension_basis: String,
    /// The deadline the supplement notice gave.
    supply_by: Option<String>,
    /// The day the supplement notice was given.
    supply_noticed: Option<String>,
    /// 个工作日, or 日 for a limit in calendar days.
    day_unit: &'static str,
    body: String,
    court: String,
    /// 经办人: who took the act, and the office's phone for questions.
    handler: String,
    phone: String,
    case: CaseView,
    others: Vec<(&'static str, &'static str)>,
    progress_url: String,
    qr: String,
}

#[derive(Deserialize)]
struct NoticeQuery {
    doc: Option<String>,
}

/// A written act of the case, ready to print: the one named by `doc`, or the one
/// its status calls for.
async fn notice(
    State(s): State<AppState>,
    web: Web,
    headers: HeaderMap,
    Path(case_no): Path<String>,
    Query(q): Query<NoticeQuery>,
) -> PageResult {
    let p = web.staff()?;
    let case_no = crate::extract::case_no(&case_no)?;
    let case = cases::get(&s.store, p, &case_no).await?;
    let docs = documents(&case);
    let none = || {
        PageError::new(
            StatusCode::CONFLICT,
            "暂无可打印的文书",
            "该办件没有这份文书：只有已作出的受理、补正告知、不予受理、不予许可、延期、特别程序、中止、终止、逾期未补正处理、告知承诺制许可和撤销许可才有书面文书。",
        )
    };
    let wanted = match q.doc.as_deref().filter(|d| !d.is_empty()) {
        Some(code) => Doc::parse(code).ok_or_else(|| {
            PageError::new(
                StatusCode::BAD_REQUEST,
                "文书种类无效",
                format!("文书种类“{code}”无效，应为：{}", Doc::choices()),
            )
        })?,
        None => default_doc(&case).ok_or_else(none)?,
    };
    let (doc, event) = docs
        .iter()
        .find(|(d, _)| *d == wanted)
        .copied()
        .ok_or_else(none)?;
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| {
            h.chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | ':' | '-' | '[' | ']'))
        })
        .unwrap_or("127.0.0.1:8080");
    let progress_url = format!("http://{host}/progress?case_no={}", case.case_no);
    let note = event.note.clone().unwrap_or_default();
    let acted = event.at.get(..10).unwrap_or(&event.at).to_string();
    let today =
        tongban_store::time::day(tongban_store::time::local_day(tongban_store::time::now()));
    // One act of each kind per case: the case number makes the document number
    // unique (a point's daily sequence alone repeats every day).
    let year = acted.get(..4).unwrap_or("");
    let number = format!(
        "{}{}〔{year}〕{}号",
        case.department.code,
        doc.word(),
        case.case_no
    );
    let (body, court) = appeal_bodies(&s).await?;
    let before_acceptance = match doc {
        Doc::Lapse => event.to_status.as_str() == "withdrawn",
        _ => event.from_status.as_deref() == Some("submitted"),
    };
    let supply_by = if matches!(doc, Doc::Supplement | Doc::Lapse) {
        cases::supply_deadline(&s.store, p, &case_no)
            .await?
            .map(|d| cn_date(&d))
    } else {
        None
    };
    let supply_noticed = case
        .events
        .iter()
        .rev()
        .find(|e| e.action == "request_supplement")
        .map(|e| cn_date(&e.at));
    // The actor as recorded, `名字（角色）`: the name is the handler.
    let handler = event
        .actor
        .split('（')
        .next()
        .unwrap_or(&event.actor)
        .to_string();
    let phone = s
        .store
        .setting(tongban_store::settings::OFFICE_PHONE)
        .await?
        .unwrap_or_default();
    let page = NoticePage {
        handler,
        phone,
        layout: web.layout(),
        kind: doc.as_str(),
        title: doc.title(before_acceptance),
        supply_by,
        supply_noticed,
        number,
        acted_on: cn_date(&acted),
        submitted_on: cn_date(&case.submitted_at),
        deemed: doc == Doc::Acceptance && case.deemed_accepted,
        before_acceptance,
        promise: case
            .promised_deadline
            .clone()
            .filter(|d| *d >= today)
            .map(|d| cn_date(&d)),
        legal_deadline: case.legal_deadline.as_deref().map(cn_date),
        extension_basis: if doc == Doc::Extension {
            cases::extension_basis(&s.store, p, &case_no)
                .await?
                .unwrap_or_else(|| "《中华人民共和国行政许可法》第四十二条".into())
        } else {
            String::new()
        },
        day_unit: if case.statutory_unit == "natural" {
            "日"
        } else {
            "个工作日"
        },
        note,
        body,
        court,
        others: docs
            .iter()
            .filter(|(d, _)| *d != doc)
            .map(|(d, _)| (d.as_str(), d.label()))
            .collect(),
        qr: qr_svg(&progress_url),
        progress_url,
        case,
    };
    render(&page)
}
