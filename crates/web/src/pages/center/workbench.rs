//! The staff workbench: the queue sorted by
//! deadline with nearly-due and overdue marks, and the case file with the actions the
//! member's role may take, each a form with the session's CSRF token.

use crate::AppState;
use crate::pages::{Errors, FieldError, Layout, PageError, PageForm, PageResult, Web, render};
use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use tongban_domain::case::{Action, CaseStatus};
use tongban_domain::org::Role;
use tongban_store::cases::{self, ActionInput, CaseFilter, CaseView};
use tongban_store::files::Upload;
use tongban_store::org::Principal;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/workbench", get(workbench))
        .route("/workbench/cases/{case_no}", get(case_file))
        .route("/workbench/cases/{case_no}/actions", post(act))
        .route(
            "/workbench/cases/{case_no}/allow-notice",
            post(allow_notice),
        )
        .route(
            "/workbench/cases/{case_no}/rating/answer",
            post(answer_rating),
        )
        .route(
            "/workbench/cases/{case_no}/rating/review",
            post(review_rating),
        )
        .route(
            "/workbench/cases/{case_no}/files/{id}",
            get(case_file_download),
        )
}

#[derive(Deserialize)]
struct QueueQuery {
    status: Option<String>,
    due: Option<String>,
    page: Option<String>,
}

#[derive(Template)]
#[template(path = "center/workbench.html")]
struct WorkbenchPage {
    layout: Layout,
    who: String,
    role: &'static str,
    can_accept: bool,
    supervises: bool,
    /// Sees enterprise complaints and survey results: the center, or a department's staff.
    enterprise: bool,
    administers: bool,
    cases: Vec<CaseView>,
    total: tongban_store::Total,
    status: String,
    due: String,
    page: i64,
    pages: i64,
    statuses: Vec<(&'static str, &'static str)>,
}

impl WorkbenchPage {
    fn link(&self, page: i64) -> String {
        format!(
            "/workbench?status={}&due={}&page={page}",
            self.status, self.due
        )
    }
}

async fn workbench(State(s): State<AppState>, web: Web, Query(q): Query<QueueQuery>) -> PageResult {
    let p = web.staff()?;
    // The 12345 roles have no case queue: their workbench is the hotline's.
    match p.role {
        tongban_domain::org::Role::HotlineAgent => {
            return Ok(Redirect::to("/hotline").into_response());
        }
        tongban_domain::org::Role::UnitHandler => {
            return Ok(Redirect::to("/hotline/unit").into_response());
        }
        _ => {}
    }
    // The queue shows open cases unless another status is chosen.
    let status = q.status.unwrap_or_else(|| "open".into());
    let due = q.due.unwrap_or_default();
    if !status.is_empty() && status != "open" && CaseStatus::parse(&status).is_none() {
        return Err(PageError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "筛选条件有误",
            "未知的办件状态",
        ));
    }
    if !matches!(due.as_str(), "" | "overdue" | "nearly_due") {
        return Err(PageError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "筛选条件有误",
            "期限筛选应为已超期或临近到期",
        ));
    }
    let page = q
        .page
        .as_deref()
        .and_then(|v| v.parse::<i64>().ok())
        .filter(|v| (1..=10_000).contains(v))
        .unwrap_or(1);
    let tongban_store::Listing {
        rows: cases, total, ..
    } = cases::list(
        &s.store,
        p,
        &CaseFilter {
            status: Some(status.clone()),
            due: Some(due.clone()),
            page: Some(page),
            per_page: Some(30),
            ..Default::default()
        },
    )
    .await?;
    let pg = WorkbenchPage {
        layout: web.layout(),
        who: p.display_name.clone(),
        role: p.role.label(),
        can_accept: p.role.accepts_applications(),
        supervises: p.role.sees_all_cases(),
        enterprise: p.role.sees_all_cases() || p.department_id.is_some(),
        administers: p.role == tongban_domain::org::Role::Admin,
        cases,
        total,
        status,
        due,
        page,
        pages: total.pages(30),
        statuses: CaseStatus::ALL
            .iter()
            .map(|s| (s.as_str(), s.label()))
            .collect(),
    };
    Ok(web.finish(render(&pg)?))
}

#[derive(Template)]
#[template(path = "center/case.html")]
struct CasePage {
    layout: Layout,
    case: CaseView,
    files: Vec<tongban_store::files::Upload>,
    actions: Vec<(&'static str, &'static str, bool)>,
    errors: Errors,
    note: String,
    /// Art. 45's procedures, offered when a special procedure may be started.
    procedures: Vec<(&'static str, &'static str)>,
    procedure: String,
    expected_days: String,
    supply_days: String,
    /// The written act the case's status calls for, offered for printing.
    print_title: Option<&'static str>,
    /// A supervisor may allow a further supplement notice (Art. 32).
    can_allow_notice: bool,
    /// The member may record the decision's delivery (Art. 44).
    deliverable: bool,
    delivery: DeliveryFields,
    /// The department answers a bad rating; the office reviews an appeal.
    can_answer_rating: bool,
    can_review_rating: bool,
    findings: Vec<(&'static str, &'static str)>,
    outcomes: Vec<(&'static str, &'static str)>,
    /// The item's materials, ticked to make a supplement notice.
    item_materials: Vec<String>,
    /// The application form's answers, `(label, answer)`.
    form_answers: Vec<(String, String)>,
    /// The "one thing" bundle application the case belongs to: `(number, name)`.
    bundle: Option<(String, String)>,
}

impl CasePage {
    /// The page for `case` as the member sees it, with `errors` and the typed fields.
    fn new(web: &Web, p: &Principal, case: CaseView, files: Vec<Upload>) -> Self {
        use tongban_domain::rating::{Finding, ReviewOutcome};
        CasePage {
            layout: web.layout(),
            files,
            actions: available(p, &case),
            print_title: super::notices::default_doc(&case).map(|d| d.label()),
            can_allow_notice: can_allow_notice(p, &case),
            deliverable: deliverable(p, &case),
            delivery: DeliveryFields::default(),
            can_answer_rating: matches!(p.role, Role::Approver | Role::DepartmentHead),
            can_review_rating: p.role == Role::Supervisor,
            findings: Finding::ALL
                .iter()
                .map(|f| (f.as_str(), f.label()))
                .collect(),
            outcomes: ReviewOutcome::ALL
                .iter()
                .map(|o| (o.as_str(), o.label()))
                .collect(),
            case,
            errors: Errors::default(),
            note: String::new(),
            procedures: procedures(),
            procedure: String::new(),
            expected_days: String::new(),
            supply_days: String::new(),
            item_materials: vec![],
            form_answers: vec![],
            bundle: None,
        }
    }
}

/// The delivery form's fields as typed.
#[derive(Default, Deserialize)]
struct DeliveryFields {
    #[serde(default)]
    delivery_method: String,
    #[serde(default)]
    recipient: String,
    #[serde(default)]
    tracking_no: String,
    #[serde(default)]
    delivered_on: String,
}

impl CasePage {
    fn can_suspend(&self) -> bool {
        self.actions.iter().any(|a| a.0 == "suspend")
    }

    /// The decision awaits delivery and the member may record it.
    fn can_deliver(&self) -> bool {
        self.deliverable && self.case.delivery.is_none()
    }

    fn delivery_methods(&self) -> Vec<(&'static str, &'static str)> {
        tongban_domain::case::DeliveryMethod::ALL
            .iter()
            .map(|m| (m.as_str(), m.label()))
            .collect()
    }

    fn can_request_supplement(&self) -> bool {
        self.actions.iter().any(|a| a.0 == "request_supplement")
    }
}

fn procedures() -> Vec<(&'static str, &'static str)> {
    tongban_domain::case::SpecialProcedure::ALL
        .iter()
        .map(|p| (p.as_str(), p.label()))
        .collect()
}

/// The actions the member may take on the case now, with whether each needs a note.
fn available(
    p: &tongban_store::org::Principal,
    c: &CaseView,
) -> Vec<(&'static str, &'static str, bool)> {
    let Some(status) = CaseStatus::parse(c.status) else {
        return vec![];
    };
    let state = tongban_domain::case::CaseState {
        status,
        accepted: c.accepted_at.is_some(),
        extended: c.extension_days > 0,
    };
    let today =
        tongban_store::time::day(tongban_store::time::local_day(tongban_store::time::now()));
    // A lapse is offered once the supplement's deadline has passed.
    let lapsed = c.supply_by.as_deref().is_some_and(|d| d < today.as_str());
    Action::ALL
        .iter()
        .copied()
        .filter(|a| state.transition(*a, p.role, Some("x")).is_ok())
        .filter(|a| *a != Action::Lapse || lapsed)
        // Delivery has its own form.
        .filter(|a| *a != Action::Deliver)
        // Only what there is to do: materials to follow, a commitment to verify.
        .filter(|a| *a != Action::CompleteDeferred || !c.deferred.is_empty())
        .filter(|a| {
            !matches!(a, Action::VerifyCommitment | Action::Revoke)
                || (c.mode == "commitment" && c.verified_at.is_none())
        })
        .map(|a| (a.as_str(), a.label(), a.requires_note()))
        .collect()
}

/// The member may record the delivery of the case's decision.
fn deliverable(p: &tongban_store::org::Principal, c: &CaseView) -> bool {
    let Some(status) = CaseStatus::parse(c.status) else {
        return false;
    };
    let state = tongban_domain::case::CaseState {
        status,
        accepted: c.accepted_at.is_some(),
        extended: c.extension_days > 0,
    };
    c.deliver_by.is_some() && state.transition(Action::Deliver, p.role, None).is_ok()
}

/// A supervisor, on an application told of a supplement and not yet accepted.
fn can_allow_notice(p: &tongban_store::org::Principal, c: &CaseView) -> bool {
    p.role == tongban_domain::org::Role::Supervisor
        && c.status == "submitted"
        && c.events.iter().any(|e| e.action == "request_supplement")
}

/// The case page as the member sees it now: the case, its files, and the item's
/// materials to tick when a supplement may be asked for.
async fn load_page(
    s: &AppState,
    web: &Web,
    p: &Principal,
    case_no: &tongban_domain::case::CaseNo,
) -> Result<CasePage, PageError> {
    let case = cases::get(&s.store, p, case_no).await?;
    let files =
        tongban_store::files::case_files(&s.store, cases::case_id(&s.store, p, case_no).await?)
            .await?;
    let mut page = CasePage::new(web, p, case, files);
    if page.can_request_supplement() {
        page.item_materials = cases::item_materials(&s.store, p, case_no).await?;
    }
    page.form_answers = cases::form_answers(&s.store, p, case_no).await?;
    page.bundle =
        tongban_store::bundles::of_case(&mut *s.store.reader().await?, case_no.as_str()).await?;
    Ok(page)
}

async fn case_file(State(s): State<AppState>, web: Web, Path(case_no): Path<String>) -> PageResult {
    let p = web.staff()?;
    let case_no = crate::extract::case_no(&case_no)?;
    let page = load_page(&s, &web, p, &case_no).await?;
    Ok(web.finish(render(&page)?))
}

#[derive(Deserialize)]
struct ActionForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    action: String,
    #[serde(default)]
    note: String,
    #[serde(default)]
    procedure: String,
    #[serde(default)]
    expected_days: String,
    #[serde(default)]
    supply_days: String,
    #[serde(flatten)]
    delivery: DeliveryFields,
    /// The item's materials ticked as missing, as `missing_0`, `missing_1`…
    #[serde(flatten)]
    rest: std::collections::HashMap<String, String>,
}

/// A supplement notice's list: the item's materials ticked as missing, then what the
/// clerk wrote besides.
async fn supplement_note(
    s: &AppState,
    p: &Principal,
    case_no: &tongban_domain::case::CaseNo,
    f: &ActionForm,
) -> Result<String, PageError> {
    let materials = cases::item_materials(&s.store, p, case_no).await?;
    let ticked: Vec<&str> = materials
        .iter()
        .enumerate()
        .filter(|(i, _)| f.rest.contains_key(&format!("missing_{i}")))
        .map(|(_, m)| m.as_str())
        .collect();
    let extra = f.note.trim();
    Ok(match (ticked.is_empty(), extra.is_empty()) {
        (true, _) => extra.to_string(),
        (false, true) => format!("请补正以下材料：{}", ticked.join("、")),
        (false, false) => format!("请补正以下材料：{}；{extra}", ticked.join("、")),
    })
}

async fn act(
    State(s): State<AppState>,
    web: Web,
    Path(case_no): Path<String>,
    PageForm(f): PageForm<ActionForm>,
) -> Result<Response, PageError> {
    web.check_csrf(&f.csrf)?;
    let p = web.staff()?;
    let case_no = crate::extract::case_no(&case_no)?;
    let note = if f.action == "request_supplement" {
        supplement_note(&s, p, &case_no, &f).await?
    } else {
        f.note.clone()
    };
    let input = ActionInput {
        action: Some(f.action.clone()),
        note: Some(note),
        document_no: None,
        procedure: Some(f.procedure.clone()).filter(|p| !p.is_empty()),
        expected_days: f.expected_days.trim().parse().ok(),
        supply_days: match f.supply_days.trim() {
            "" => None,
            // Not a number: out of range, so the store names the field.
            d => Some(d.parse().unwrap_or(-1)),
        },
        delivery_method: Some(f.delivery.delivery_method.clone()),
        recipient: Some(f.delivery.recipient.clone()),
        tracking_no: Some(f.delivery.tracking_no.clone()),
        delivered_on: Some(f.delivery.delivered_on.clone()),
    };
    match cases::act(&s.store, p, &case_no, &input).await {
        Ok(c) => Ok(Redirect::to(&format!("/workbench/cases/{}", c.case_no)).into_response()),
        Err(tongban_store::StoreError::Invalid(i)) => {
            let errors = vec![FieldError::new(
                match i.field {
                    "note" | "procedure" | "expected_days" | "supply_days" | "delivery_method"
                    | "recipient" | "tracking_no" | "delivered_on" => i.field,
                    _ => "action",
                },
                i.message,
            )];
            let page = CasePage {
                errors: errors.into(),
                note: f.note,
                procedure: f.procedure,
                expected_days: f.expected_days,
                supply_days: f.supply_days,
                delivery: f.delivery,
                ..load_page(&s, &web, p, &case_no).await?
            };
            let mut resp = render(&page)?;
            *resp.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
            Ok(resp)
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize)]
struct AllowForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    reason: String,
}

/// A supervisor allows a further supplement notice; a fault shows on the case page.
async fn allow_notice(
    State(s): State<AppState>,
    web: Web,
    Path(case_no): Path<String>,
    PageForm(f): PageForm<AllowForm>,
) -> Result<Response, PageError> {
    web.check_csrf(&f.csrf)?;
    let p = web.staff()?;
    let case_no = crate::extract::case_no(&case_no)?;
    cases::allow_further_notice(&s.store, p, &case_no, &f.reason).await?;
    Ok(Redirect::to(&format!("/workbench/cases/{case_no}")).into_response())
}

#[derive(Deserialize)]
struct RatingForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    finding: String,
    #[serde(default)]
    answer: String,
    #[serde(default)]
    outcome: String,
    #[serde(default)]
    review: String,
}

/// The case page again with the fault of a rating form.
async fn rating_fault(
    s: &AppState,
    web: &Web,
    p: &Principal,
    case_no: &tongban_domain::case::CaseNo,
    e: tongban_store::StoreError,
) -> Result<Response, PageError> {
    let errors = crate::pages::field_errors(e)?;
    let page = CasePage {
        errors: errors.into(),
        ..load_page(s, web, p, case_no).await?
    };
    let mut resp = render(&page)?;
    *resp.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    Ok(resp)
}

/// The department's verification, rectification and answer to a bad rating.
async fn answer_rating(
    State(s): State<AppState>,
    web: Web,
    Path(case_no): Path<String>,
    PageForm(f): PageForm<RatingForm>,
) -> Result<Response, PageError> {
    rating_step(&s, &web, &case_no, &f, false).await
}

/// The office's review of a rater's appeal.
async fn review_rating(
    State(s): State<AppState>,
    web: Web,
    Path(case_no): Path<String>,
    PageForm(f): PageForm<RatingForm>,
) -> Result<Response, PageError> {
    rating_step(&s, &web, &case_no, &f, true).await
}

/// A step of a bad rating's loop from the case page: back to the case, or the
/// page again with the fault.
async fn rating_step(
    s: &AppState,
    web: &Web,
    case_no: &str,
    f: &RatingForm,
    review: bool,
) -> Result<Response, PageError> {
    web.check_csrf(&f.csrf)?;
    let p = web.staff()?;
    let case_no = crate::extract::case_no(case_no)?;
    let done = if review {
        cases::review_follow_up(&s.store, p, &case_no, Some(&f.outcome), &f.review).await
    } else {
        cases::answer_follow_up(&s.store, p, &case_no, Some(&f.finding), &f.answer).await
    };
    match done {
        Ok(_) => Ok(Redirect::to(&format!("/workbench/cases/{case_no}")).into_response()),
        Err(e) => rating_fault(s, web, p, &case_no, e).await,
    }
}

/// A file of a case the member may see, served as an attachment.
async fn case_file_download(
    State(s): State<AppState>,
    web: Web,
    Path((case_no, id)): Path<(String, String)>,
) -> PageResult {
    let p = web.staff()?;
    let id: i64 = id
        .parse()
        .map_err(|_| PageError::new(StatusCode::NOT_FOUND, "未找到", "文件不存在"))?;
    let case_no = crate::extract::case_no(&case_no)?;
    let case_id = cases::case_id(&s.store, p, &case_no).await?;
    let f = tongban_store::files::case_file(&s.store, case_id, id).await?;
    let bytes = s.store.files().get(&f.storage_key).await?;
    let mut resp = bytes.into_response();
    let h = resp.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&f.content_type) {
        h.insert(header::CONTENT_TYPE, v);
    }
    let ext = match f.content_type.as_str() {
        "application/pdf" => "pdf",
        "image/png" => "png",
        "image/jpeg" => "jpg",
        _ => "ofd",
    };
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"file-{}.{ext}\"", f.id)) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    Ok(resp)
}
