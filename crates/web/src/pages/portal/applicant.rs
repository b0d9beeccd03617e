//! The applicant's side of the portal: real-name sign-in with a one-time code, the
//! online application (materials uploaded as files, "check your answers", submit,
//! confirmation with the case number and what happens next), "my cases", and the
//! rating of a finished case.

use crate::AppState;
use crate::pages::registration::{EstablishChoices, establish_choices, establishment_online};
use crate::pages::session::{APPLICANT_COOKIE, redirect_with_cookie};
use crate::pages::urlencode;
use crate::pages::{Errors, FieldError, Layout, PageError, PageForm, PageResult, Web, render};
use askama::Template;
use axum::Router;
use axum::extract::{DefaultBodyLimit, Multipart, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use tongban_domain::catalog::ItemContent;
use tongban_domain::registration::RegistrationKind;
use tongban_store::StoreError;
use tongban_store::applicants::{self, ApplicantSession};
use tongban_store::cases::{self, CaseView, Creator, NewCase, Rater};
use tongban_store::catalog::{self, Item};
use tongban_store::files::{self, Upload};
use tongban_store::{registration, time};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/account/login", get(login_form).post(login))
        .route("/account/code", post(send_code))
        .route("/account/logout", post(logout))
        .route("/account/cases", get(my_cases))
        .route("/account/cases/{case_no}", get(my_case))
        .route("/account/cases/{case_no}/rating", post(rate))
        .route("/account/cases/{case_no}/rating/appeal", post(appeal))
        .route("/account/cases/{case_no}/withdraw", post(withdraw))
        .route("/apply/{code}", get(apply_form))
        .route(
            "/apply/{code}",
            post(apply_upload).layer(DefaultBodyLimit::max(MAX_FORM_BYTES)),
        )
        .route("/apply/{code}/submit", post(submit))
        .route("/apply/done/{case_no}", get(done))
}

/// Largest application form with its files.
const MAX_FORM_BYTES: usize = 40 * 1024 * 1024;

pub(crate) fn field_errors(e: StoreError) -> Result<Vec<FieldError>, PageError> {
    match e {
        StoreError::Locked(m) | StoreError::Unavailable(m) => Ok(vec![FieldError::new("phone", m)]),
        other => crate::pages::field_errors(other),
    }
}

pub(crate) fn unprocessable(mut r: Response) -> Response {
    *r.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    r
}

/// Where to go after signing in: only paths on this site (`home` otherwise).
pub(crate) fn safe_next(next: &str, home: &str) -> String {
    // Only a path on this site: one leading slash, no scheme-relative `//` or `/\`,
    // and no control characters or spaces a browser would strip (`/\t/evil.example`).
    let ok = next.starts_with('/')
        && !next[1..].starts_with(['/', '\\'])
        && !next.contains('\\')
        && next.chars().all(|c| !c.is_control() && !c.is_whitespace())
        && next.len() < 200;
    if ok { next.to_string() } else { home.into() }
}

#[derive(Template)]
#[template(path = "portal/account_login.html")]
struct LoginPage {
    layout: Layout,
    step: &'static str,
    name: String,
    id_number: String,
    phone: String,
    next: String,
    errors: Errors,
}

impl LoginPage {}

#[derive(Deserialize)]
struct NextQuery {
    next: Option<String>,
}

async fn login_form(web: Web, Query(q): Query<NextQuery>) -> PageResult {
    let next = safe_next(
        q.next.as_deref().unwrap_or("/account/cases"),
        "/account/cases",
    );
    if web.applicant.is_some() {
        return Ok(Redirect::to(&next).into_response());
    }
    let page = LoginPage {
        layout: web.layout(),
        step: "identity",
        name: String::new(),
        id_number: String::new(),
        phone: String::new(),
        next,
        errors: Errors::default(),
    };
    Ok(web.finish(render(&page)?))
}

#[derive(Deserialize)]
struct IdentityForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    id_number: String,
    #[serde(default)]
    phone: String,
    #[serde(default)]
    code: String,
    #[serde(default)]
    next: String,
}

/// Step one: check the identity and send a code.
async fn send_code(
    State(s): State<AppState>,
    web: Web,
    PageForm(f): PageForm<IdentityForm>,
) -> PageResult {
    web.check_csrf(&f.csrf)?;
    let mut page = LoginPage {
        layout: web.layout(),
        step: "code",
        name: f.name.trim().to_string(),
        id_number: f.id_number.trim().to_string(),
        phone: f.phone.trim().to_string(),
        next: safe_next(&f.next, "/account/cases"),
        errors: Errors::default(),
    };
    if let Err(e) = applicants::request_code(&s.store, &f.name, &f.id_number, &f.phone).await {
        page.errors = field_errors(e)?.into();
        page.step = "identity";
        return Ok(web.finish(unprocessable(render(&page)?)));
    }
    Ok(web.finish(render(&page)?))
}

/// Step two: the code opens the session.
async fn login(
    State(s): State<AppState>,
    web: Web,
    PageForm(f): PageForm<IdentityForm>,
) -> PageResult {
    web.check_csrf(&f.csrf)?;
    match applicants::sign_in(&s.store, &f.name, &f.id_number, &f.phone, &f.code).await {
        Ok(session) => Ok(redirect_with_cookie(
            &safe_next(&f.next, "/account/cases"),
            APPLICANT_COOKIE,
            Some(&session.cookie),
        )),
        Err(e) => {
            let errors = field_errors(e)?;
            let step = if errors.iter().any(|e| e.field == "code") {
                "code"
            } else {
                "identity"
            };
            let page = LoginPage {
                layout: web.layout(),
                step,
                name: f.name.trim().to_string(),
                id_number: f.id_number.trim().to_string(),
                phone: f.phone.trim().to_string(),
                next: safe_next(&f.next, "/account/cases"),
                errors: errors.into(),
            };
            Ok(web.finish(unprocessable(render(&page)?)))
        }
    }
}

#[derive(Deserialize)]
pub(crate) struct CsrfOnly {
    #[serde(default)]
    pub(crate) csrf: String,
}

async fn logout(
    State(s): State<AppState>,
    web: Web,
    PageForm(f): PageForm<CsrfOnly>,
) -> PageResult {
    web.check_csrf(&f.csrf)?;
    if let Some(c) = &web.applicant_cookie {
        applicants::sign_out(&s.store, c).await?;
    }
    Ok(redirect_with_cookie("/", APPLICANT_COOKIE, None))
}

/// The signed-in applicant, or a redirect to sign in and come back.
pub(crate) fn applicant_or_login(web: &Web, back: &str) -> Result<ApplicantSession, Redirect> {
    web.applicant
        .clone()
        .ok_or_else(|| Redirect::to(&format!("/account/login?next={}", urlencode(back))))
}

#[derive(Template)]
#[template(path = "portal/account_cases.html")]
struct MyCasesPage {
    layout: Layout,
    name: String,
    cases: Vec<CaseView>,
    total: i64,
    /// 我的一件事: each with one number and one state.
    bundles: Vec<tongban_store::bundles::BundleApplicationView>,
}

async fn my_cases(State(s): State<AppState>, web: Web) -> PageResult {
    let a = match applicant_or_login(&web, "/account/cases") {
        Ok(a) => a,
        Err(r) => return Ok(r.into_response()),
    };
    let (cases, total) = cases::mine(&s.store, &a, 1).await?;
    let page = MyCasesPage {
        layout: web.layout(),
        name: a.name.clone(),
        cases,
        total,
        bundles: tongban_store::bundles::mine(&s.store, &a).await?,
    };
    render(&page)
}

#[derive(Template)]
#[template(path = "portal/account_case.html")]
struct MyCasePage {
    layout: Layout,
    case: CaseView,
    can_rate: bool,
    /// Still open to the applicant's own withdrawal.
    can_withdraw: bool,
    reason: String,
    level: String,
    comment: String,
    errors: Errors,
    /// The one satisfaction scale, best first.
    levels: Vec<(i64, &'static str)>,
    /// The "one thing" application the case belongs to: `(number, name)`.
    bundle: Option<(String, String)>,
}

impl MyCasePage {
    fn is_level(&self, v: &i64) -> bool {
        self.level == v.to_string()
    }
}

fn withdrawable(c: &CaseView) -> bool {
    matches!(
        c.status,
        "submitted" | "accepted" | "supplement_requested" | "suspended"
    )
}

#[derive(Deserialize)]
struct WithdrawForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    reason: String,
}

/// 撤回申请: the applicant withdraws their own application online, with a reason.
async fn withdraw(
    State(s): State<AppState>,
    web: Web,
    Path(case_no): Path<String>,
    PageForm(f): PageForm<WithdrawForm>,
) -> PageResult {
    web.check_csrf(&f.csrf)?;
    let a = match applicant_or_login(&web, &format!("/account/cases/{case_no}")) {
        Ok(a) => a,
        Err(r) => return Ok(r.into_response()),
    };
    let case_no = crate::extract::case_no(&case_no)?;
    match cases::withdraw_own(&s.store, &a, &case_no, &f.reason).await {
        Ok(_) => Ok(Redirect::to(&format!("/account/cases/{case_no}")).into_response()),
        Err(e) => {
            let errors = match e {
                StoreError::Invalid(i) => vec![FieldError::new("reason", i.message)],
                StoreError::Conflict { message, .. } => vec![FieldError::new("reason", message)],
                other => return Err(other.into()),
            };
            let case = cases::own_case(&s.store, &a, &case_no).await?;
            let page = MyCasePage {
                layout: web.layout(),
                can_rate: rateable(&case),
                can_withdraw: withdrawable(&case),
                reason: f.reason,
                case,
                level: String::new(),
                comment: String::new(),
                errors: errors.into(),
                levels: tongban_domain::rating::levels_best_first(),
                bundle: bundle_of(&s, &case_no).await?,
            };
            Ok(unprocessable(render(&page)?))
        }
    }
}

/// The "one thing" application a case belongs to.
async fn bundle_of(
    s: &AppState,
    case_no: &tongban_domain::case::CaseNo,
) -> Result<Option<(String, String)>, PageError> {
    Ok(tongban_store::bundles::of_case(&mut *s.store.reader().await?, case_no.as_str()).await?)
}

fn rateable(c: &CaseView) -> bool {
    let within_window = c
        .closed_at
        .as_deref()
        .and_then(|t| tongban_store::time::parse_day(t.get(..10)?))
        .is_none_or(|d| {
            let today = tongban_store::time::local_day(tongban_store::time::now());
            (today - d).num_days() <= tongban_domain::rating::RATING_WINDOW_DAYS
        });
    c.rating.is_none()
        && matches!(c.status, "closed" | "rejected" | "refused" | "withdrawn")
        && within_window
}

async fn my_case(State(s): State<AppState>, web: Web, Path(case_no): Path<String>) -> PageResult {
    let a = match applicant_or_login(&web, &format!("/account/cases/{case_no}")) {
        Ok(a) => a,
        Err(r) => return Ok(r.into_response()),
    };
    let case_no = crate::extract::case_no(&case_no)?;
    let case = cases::own_case(&s.store, &a, &case_no).await?;
    let page = MyCasePage {
        layout: web.layout(),
        can_rate: rateable(&case),
        can_withdraw: withdrawable(&case),
        reason: String::new(),
        case,
        level: String::new(),
        comment: String::new(),
        errors: Errors::default(),
        levels: tongban_domain::rating::levels_best_first(),
        bundle: bundle_of(&s, &case_no).await?,
    };
    render(&page)
}

#[derive(Deserialize)]
struct RatingForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    level: String,
    #[serde(default)]
    comment: String,
}

async fn rate(
    State(s): State<AppState>,
    web: Web,
    Path(case_no): Path<String>,
    PageForm(f): PageForm<RatingForm>,
) -> PageResult {
    web.check_csrf(&f.csrf)?;
    let a = match applicant_or_login(&web, &format!("/account/cases/{case_no}")) {
        Ok(a) => a,
        Err(r) => return Ok(r.into_response()),
    };
    let level: i64 = f.level.trim().parse().unwrap_or(0);
    let case_no = crate::extract::case_no(&case_no)?;
    match cases::rate(
        &s.store,
        Rater::SignedIn(&a),
        &case_no,
        level,
        Some(&f.comment),
    )
    .await
    {
        Ok(_) => Ok(Redirect::to(&format!("/account/cases/{case_no}")).into_response()),
        Err(e) => {
            let errors = match e {
                StoreError::Invalid(i) => vec![FieldError::new(i.field, i.message)],
                StoreError::Conflict { message, .. } => vec![FieldError::new("level", message)],
                other => return Err(other.into()),
            };
            let case = cases::own_case(&s.store, &a, &case_no).await?;
            let page = MyCasePage {
                layout: web.layout(),
                can_rate: rateable(&case),
                can_withdraw: withdrawable(&case),
                reason: String::new(),
                case,
                level: f.level,
                comment: f.comment,
                errors: errors.into(),
                levels: tongban_domain::rating::levels_best_first(),
                bundle: bundle_of(&s, &case_no).await?,
            };
            Ok(unprocessable(render(&page)?))
        }
    }
}

#[derive(Deserialize)]
struct AppealForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    appeal: String,
}

/// The applicant appeals the department's answer to their bad rating; a fault
/// shows on the case page.
async fn appeal(
    State(s): State<AppState>,
    web: Web,
    Path(case_no): Path<String>,
    PageForm(f): PageForm<AppealForm>,
) -> PageResult {
    web.check_csrf(&f.csrf)?;
    let a = match applicant_or_login(&web, &format!("/account/cases/{case_no}")) {
        Ok(a) => a,
        Err(r) => return Ok(r.into_response()),
    };
    let case_no = crate::extract::case_no(&case_no)?;
    match cases::appeal_follow_up(&s.store, Rater::SignedIn(&a), &case_no, &f.appeal).await {
        Ok(_) => Ok(Redirect::to(&format!("/account/cases/{case_no}#rating")).into_response()),
        Err(e) => {
            let errors = match e {
                StoreError::Invalid(i) => vec![FieldError::new(i.field, i.message)],
                StoreError::Conflict { message, .. } => vec![FieldError::new("appeal", message)],
                other => return Err(other.into()),
            };
            let case = cases::own_case(&s.store, &a, &case_no).await?;
            let page = MyCasePage {
                layout: web.layout(),
                can_rate: rateable(&case),
                can_withdraw: withdrawable(&case),
                reason: String::new(),
                case,
                level: String::new(),
                comment: String::new(),
                errors: errors.into(),
                levels: tongban_domain::rating::levels_best_first(),
                bundle: bundle_of(&s, &case_no).await?,
            };
            Ok(unprocessable(render(&page)?))
        }
    }
}

/// What the applicant typed on the application form, kept across steps.
#[derive(Debug, Clone, Default, Deserialize)]
pub(crate) struct Answers {
    #[serde(default)]
    pub(crate) csrf: String,
    #[serde(default)]
    pub(crate) draft: String,
    #[serde(default)]
    pub(crate) kind: String,
    #[serde(default)]
    pub(crate) org_name: String,
    #[serde(default)]
    pub(crate) credit_code: String,
    #[serde(default)]
    pub(crate) note: String,
    /// The application form's answers, sent as `form_{name}`.
    #[serde(flatten)]
    pub(crate) rest: std::collections::BTreeMap<String, String>,
}

impl Answers {
    /// The form's answers by field name (empty ones left out).
    pub(crate) fn form(&self) -> std::collections::BTreeMap<String, String> {
        self.rest
            .iter()
            .filter_map(|(k, v)| {
                k.strip_prefix("form_")
                    .filter(|_| !v.trim().is_empty())
                    .map(|name| (name.to_string(), v.trim().to_string()))
            })
            .collect()
    }

    /// Who applies when not the signed-in person themselves: their organisation.
    pub(crate) fn applicant(&self) -> Option<tongban_domain::case::ApplicantInput> {
        (self.kind == "organisation").then(|| tongban_domain::case::ApplicantInput {
            kind: Some("organisation".into()),
            name: Some(self.org_name.clone()),
            credit_code: Some(self.credit_code.clone()),
            ..Default::default()
        })
    }

    /// What was typed into a field of an establishment's particulars (`reg_{name}`).
    pub(crate) fn reg(&self, name: &str) -> String {
        self.rest
            .get(&format!("reg_{name}"))
            .cloned()
            .unwrap_or_default()
    }

    /// The establishment's particulars as typed, to carry to the next step.
    pub(crate) fn regs(&self) -> Vec<(&String, &String)> {
        self.rest
            .iter()
            .filter(|(k, _)| k.starts_with("reg_"))
            .collect()
    }

    /// What was typed into a field of the item's application form.
    pub(crate) fn answer(&self, name: &str) -> String {
        self.rest
            .get(&format!("form_{name}"))
            .cloned()
            .unwrap_or_default()
    }
}

#[derive(Template)]
#[template(path = "portal/apply.html")]
struct ApplyPage {
    layout: Layout,
    item: Item,
    content: ItemContent,
    applicant_name: String,
    applicant_id: String,
    answers: Answers,
    uploaded: Vec<Upload>,
    errors: Errors,
    /// An establishment (设立登记): the choices of its particulars.
    reg: Option<EstablishChoices>,
}

impl ApplyPage {
    fn files_for(&self, material: &str) -> Vec<&Upload> {
        self.uploaded
            .iter()
            .filter(|u| u.material == material)
            .collect()
    }
    fn kb(size: &i64) -> String {
        format!("{:.0} KB", (*size as f64 / 1024.0).ceil())
    }
}

async fn item_for_application(s: &AppState, code: &str) -> Result<(Item, ItemContent), PageError> {
    let today = time::local_day(time::now());
    let mut conn = s.store.reader().await?;
    let item = catalog::item_in_force(&mut conn, code, today)
        .await?
        .ok_or_else(|| {
            PageError::new(
                StatusCode::NOT_FOUND,
                "未找到该事项",
                format!("事项编码“{code}”不存在或尚未生效。"),
            )
        })?;
    let content = item.content()?.clone();
    if !content.open_for_applications() || !content.online_depth.accepts_online() {
        return Err(PageError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "暂不能网上申请",
            format!("“{}”暂不支持网上申请，请到办理地点窗口办理。", content.name),
        ));
    }
    // A change or deregistration names an entity and who acts for it: at the window.
    if content
        .registration
        .is_some_and(|k| k != RegistrationKind::Establish)
    {
        return Err(PageError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "暂不能网上申请",
            format!(
                "“{}”须由市场主体的经办人持相关材料到市场监管窗口办理。",
                content.name
            ),
        ));
    }
    Ok((item, content))
}

/// The choices of the establishment's particulars when the item registers a new
/// market entity (设立登记), whose legal representative is the applicant.
async fn reg_choices(
    s: &AppState,
    content: &ItemContent,
) -> Result<Option<EstablishChoices>, PageError> {
    match content.registration {
        Some(RegistrationKind::Establish) => Ok(Some(establish_choices(s).await?)),
        _ => Ok(None),
    }
}

pub(crate) fn new_draft() -> String {
    let mut b = [0u8; 18];
    let _ = getrandom::fill(&mut b);
    b.iter().map(|x| format!("{x:02x}")).collect()
}

pub(crate) fn valid_draft(d: &str) -> bool {
    d.len() == 36 && d.chars().all(|c| c.is_ascii_hexdigit())
}

#[derive(Deserialize)]
struct DraftQuery {
    draft: Option<String>,
}

async fn apply_form(
    State(s): State<AppState>,
    web: Web,
    Path(code): Path<String>,
    Query(q): Query<DraftQuery>,
) -> PageResult {
    let a = match applicant_or_login(&web, &format!("/apply/{code}")) {
        Ok(a) => a,
        Err(r) => return Ok(r.into_response()),
    };
    let (item, content) = item_for_application(&s, &code).await?;
    let draft = q.draft.filter(|d| valid_draft(d)).unwrap_or_else(new_draft);
    let uploaded = files::draft_files(&s.store, &draft, &a.id_digest).await?;
    let page = ApplyPage {
        layout: web.layout(),
        item,
        reg: reg_choices(&s, &content).await?,
        content,
        applicant_name: a.name.clone(),
        applicant_id: a.masked_id(),
        answers: Answers {
            draft,
            kind: "person".into(),
            ..Default::default()
        },
        uploaded,
        errors: Errors::default(),
    };
    render(&page)
}

#[derive(Template)]
#[template(path = "portal/apply_check.html")]
struct CheckPage {
    layout: Layout,
    /// An establishment: its particulars shown and carried.
    establish: bool,
    /// The form's fields as `(name, label, answer)`.
    fields: Vec<(String, String, String)>,
    item: Item,
    applicant_name: String,
    applicant_id: String,
    phone: String,
    answers: Answers,
    uploaded: Vec<Upload>,
}

/// The form with its files: keeps the files, checks the answers, and shows either
/// the form again with the errors or the answers to check before submitting.
async fn apply_upload(
    State(s): State<AppState>,
    web: Web,
    Path(code): Path<String>,
    mut form: Multipart,
) -> PageResult {
    let a = match applicant_or_login(&web, &format!("/apply/{code}")) {
        Ok(a) => a,
        Err(r) => return Ok(r.into_response()),
    };
    let (item, content) = item_for_application(&s, &code).await?;
    let reg = reg_choices(&s, &content).await?;
    let materials: Vec<(&str, bool)> = content
        .materials
        .iter()
        .map(|m| (m.name.as_str(), m.required))
        .collect();
    let Posted {
        answers,
        errors,
        uploaded,
    } = posted(
        &s,
        &web,
        &a,
        &mut form,
        &content.fields,
        &materials,
        reg.is_some(),
    )
    .await?;
    if !errors.is_empty() {
        let page = ApplyPage {
            layout: web.layout(),
            item,
            reg,
            content,
            applicant_name: a.name.clone(),
            applicant_id: a.masked_id(),
            answers,
            uploaded,
            errors: errors.into(),
        };
        return Ok(unprocessable(render(&page)?));
    }
    let page = CheckPage {
        layout: web.layout(),
        establish: reg.is_some(),
        fields: content
            .fields
            .iter()
            .map(|f| (f.name.clone(), f.label.clone(), answers.answer(&f.name)))
            .collect(),
        item,
        applicant_name: a.name.clone(),
        applicant_id: a.masked_id(),
        phone: tongban_domain::codes::mask_phone(&a.phone),
        answers,
        uploaded,
    };
    render(&page)
}

/// Files the application from the checked answers.
async fn submit(
    State(s): State<AppState>,
    web: Web,
    Path(code): Path<String>,
    PageForm(answers): PageForm<Answers>,
) -> PageResult {
    web.check_csrf(&answers.csrf)?;
    let a = match applicant_or_login(&web, &format!("/apply/{code}")) {
        Ok(a) => a,
        Err(r) => return Ok(r.into_response()),
    };
    if !valid_draft(&answers.draft) {
        return Err(PageError::new(
            StatusCode::BAD_REQUEST,
            "无法提交",
            "申请表单已失效，请重新打开申请页面。",
        ));
    }
    let (item, content) = item_for_application(&s, &code).await?;
    if content.registration == Some(RegistrationKind::Establish) {
        let today = time::local_day(time::now());
        let (input, faults) = establishment_online(&answers.rest, &a, today);
        let filed = match faults.is_empty() {
            true => {
                registration::establish_online(
                    &s.store,
                    &a,
                    &input,
                    &item.code,
                    &answers.draft,
                    Some(answers.note.as_str()),
                )
                .await
            }
            false => Err(StoreError::Faults(
                faults
                    .into_iter()
                    .map(|f| tongban_domain::Invalid::new("registration", f.message))
                    .collect(),
            )),
        };
        return match filed {
            Ok(no) => Ok(Redirect::to(&format!("/apply/done/{no}")).into_response()),
            Err(e) => not_submitted(e),
        };
    }
    let applicant = answers.applicant();
    let input = NewCase {
        item_code: Some(code.clone()),
        channel: Some("online".into()),
        applicant,
        note: Some(answers.note.clone()).filter(|n| !n.is_empty()),
        draft: Some(answers.draft.clone()),
        form: Some(answers.form()),
        ..Default::default()
    };
    let creator = Creator::Applicant(&a);
    let created = match crate::extract::application(&input, creator.filer()) {
        Ok(app) => cases::create_as(&s.store, creator, &app).await,
        Err(e) => Err(e),
    };
    match created {
        Ok(case) => Ok(Redirect::to(&format!("/apply/done/{}", case.case_no)).into_response()),
        Err(e) => not_submitted(e),
    }
}

/// An application the store refused at submission: its faults on one page (the
/// answers were checked a step before, so this is rare), anything else the page's.
pub(crate) fn not_submitted(e: StoreError) -> PageResult {
    match e {
        e @ (StoreError::Invalid(_) | StoreError::Faults(_) | StoreError::Conflict { .. }) => {
            let messages: Vec<String> = crate::pages::field_errors(e)?
                .into_iter()
                .map(|e| e.message)
                .collect();
            Err(PageError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "申请未能提交",
                format!("{}。请返回修改后重新提交。", messages.join("；")),
            ))
        }
        e => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "portal/apply_done.html")]
struct DonePage {
    layout: Layout,
    case: CaseView,
}

async fn done(State(s): State<AppState>, web: Web, Path(case_no): Path<String>) -> PageResult {
    let a = match applicant_or_login(&web, &format!("/apply/done/{case_no}")) {
        Ok(a) => a,
        Err(r) => return Ok(r.into_response()),
    };
    let case_no = crate::extract::case_no(&case_no)?;
    let case = cases::own_case(&s.store, &a, &case_no).await?;
    render(&DonePage {
        layout: web.layout(),
        case,
    })
}

/// The application form as posted with its files: the answers, and each file with
/// the name of the material its field stands for (`file_{i}` is `materials[i]`).
pub(crate) async fn read_form(
    form: &mut Multipart,
    materials: &[&str],
) -> Result<(Answers, Vec<(String, String, Vec<u8>)>), PageError> {
    let mut answers = Answers::default();
    let mut pending: Vec<(String, String, Vec<u8>)> = vec![];
    loop {
        let field = match form.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(_) => {
                return Err(PageError::new(
                    StatusCode::BAD_REQUEST,
                    "无法提交",
                    "上传的内容不完整或过大（所有文件合计不超过40MB），请返回重新选择文件。",
                ));
            }
        };
        let name = field.name().unwrap_or("").to_string();
        if let Some(idx) = name.strip_prefix("file_") {
            let filename = field.file_name().unwrap_or("").to_string();
            let bytes = field.bytes().await.map_err(|_| {
                PageError::new(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    "文件过大",
                    "上传的文件过大，单个文件不超过10MB。",
                )
            })?;
            if let Some(m) = idx.parse::<usize>().ok().and_then(|i| materials.get(i))
                && !bytes.is_empty()
            {
                pending.push((m.to_string(), filename, bytes.to_vec()));
            }
            continue;
        }
        let value = field.text().await.unwrap_or_default();
        let value: String = value.chars().take(1000).collect();
        match name.as_str() {
            "csrf" => answers.csrf = value,
            "draft" => answers.draft = value,
            "kind" => answers.kind = value,
            "org_name" => answers.org_name = value.trim().to_string(),
            "credit_code" => answers.credit_code = value.trim().to_string(),
            "note" => answers.note = value.trim().to_string(),
            other
                if (other.starts_with("form_") || other.starts_with("reg_"))
                    && other.len() <= 50 =>
            {
                answers
                    .rest
                    .insert(other.to_string(), value.trim().to_string());
            }
            _ => {}
        }
    }
    Ok((answers, pending))
}

/// Keeps the files that came on the draft and checks who applies (the person, or an
/// organisation with its name and credit code): the faults, by field.
pub(crate) async fn keep_and_check(
    s: &AppState,
    a: &ApplicantSession,
    answers: &mut Answers,
    pending: Vec<(String, String, Vec<u8>)>,
) -> Result<Vec<FieldError>, PageError> {
    let mut errors = vec![];
    for (material, filename, bytes) in pending {
        if let Err(e) = files::save(
            &s.store,
            s.store.files(),
            &answers.draft,
            &a.id_digest,
            &material,
            &filename,
            &bytes,
        )
        .await
        {
            errors.extend(field_errors(e)?);
        }
    }
    if answers.kind != "organisation" {
        answers.kind = "person".into();
    } else {
        if answers.org_name.is_empty() {
            errors.push(FieldError::new("org_name", "请填写单位名称"));
        }
        if let Err(e) = tongban_domain::CreditCode::parse(&answers.credit_code) {
            errors.push(FieldError::new(
                "credit_code",
                format!("统一社会信用代码：{e}"),
            ));
        }
    }
    Ok(errors)
}

/// An application form as posted, checked: the answers, every fault by its field,
/// and the draft's files.
pub(crate) struct Posted {
    pub answers: Answers,
    pub errors: Vec<FieldError>,
    pub uploaded: Vec<Upload>,
}

/// Reads and checks an application form with its files — an item's or a bundle's:
/// the token and the draft, the files kept, who applies, the form's answers against
/// `fields`, an establishment's particulars when `establish`, and every required
/// material of `materials` (`(name, required)`, `file_{i}` the `i`th) uploaded.
pub(crate) async fn posted(
    s: &AppState,
    web: &Web,
    a: &ApplicantSession,
    form: &mut Multipart,
    fields: &[tongban_domain::auto_approval::FormField],
    materials: &[(&str, bool)],
    establish: bool,
) -> Result<Posted, PageError> {
    let names: Vec<&str> = materials.iter().map(|m| m.0).collect();
    let (mut answers, pending) = read_form(form, &names).await?;
    web.check_csrf(&answers.csrf)?;
    if !valid_draft(&answers.draft) {
        return Err(PageError::new(
            StatusCode::BAD_REQUEST,
            "无法提交",
            "申请表单已失效，请重新打开申请页面。",
        ));
    }
    let mut errors = keep_and_check(s, a, &mut answers, pending).await?;
    let today = time::local_day(time::now());
    if let Err(faults) = tongban_domain::auto_approval::check_form(fields, &answers.form(), today) {
        errors.extend(
            faults
                .into_iter()
                .map(|f| FieldError::new("form", f.message)),
        );
    }
    if establish {
        errors.extend(establishment_online(&answers.rest, a, today).1);
    }
    let uploaded = files::draft_files(&s.store, &answers.draft, &a.id_digest).await?;
    for (i, (name, required)) in materials.iter().enumerate() {
        if *required && !uploaded.iter().any(|u| u.material == *name) {
            errors.push(FieldError::new(
                &format!("file_{i}"),
                format!("请上传“{name}”"),
            ));
        }
    }
    Ok(Posted {
        answers,
        errors,
        uploaded,
    })
}
