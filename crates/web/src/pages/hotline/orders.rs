//! 12345 hotline pages: the agent's intake screen used during a call, the work-order
//! lists and the order page with a form for every action the signed-in role may take
//! now, the member unit's workbench, the public web form with its public progress
//! (personal data masked), and the administrators' Open311 API keys.

use crate::AppState;
use crate::pages::urlencode;
use crate::pages::{Errors, FieldError, Layout, PageError, PageForm, PageResult, Web, render};
use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use axum::routing::{get, post};
use serde::Deserialize;
use std::collections::HashMap;
use tongban_domain::hotline::{Category, Channel, Emergency, Status};
use tongban_domain::org::Role;
use tongban_store::hotline::{self, ActionInput, NewOrder, OrderFilter, OrderView, Service};
use tongban_store::org::{self, Principal};
use tongban_store::{StoreError, api_keys, time};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/hotline", get(intake_form).post(intake))
        .route("/hotline/orders", get(orders))
        .route("/hotline/orders/{no}", get(order_page))
        .route("/hotline/orders/{no}/actions", post(act))
        .route("/hotline/orders/{no}/phone", post(reveal_phone))
        .route("/hotline/unit", get(unit_workbench))
        .route(
            "/hotline/new",
            get(web_form)
                .post(web_submit)
                .layer(axum::extract::DefaultBodyLimit::max(WEB_FORM_LIMIT)),
        )
        .route("/hotline/orders/{no}/photos/{id}", get(order_photo))
        .route("/hotline/new/done", get(web_done))
        .route("/hotline/progress", get(progress))
        .route("/hotline/public", get(public_list))
        .route("/admin/api-keys", get(api_keys_page).post(create_key))
        .route("/admin/api-keys/{id}/deactivate", post(deactivate_key))
}

// ---------------------------------------------------------------------------
// Helpers shared by the templates

/// A stored instant as people read it in the hotline's dense pages (Beijing time).
pub fn shown(stamp: &str) -> String {
    crate::pages::local_time(stamp)
}

/// The first characters of a text, for lists.
pub fn excerpt(text: &str) -> String {
    let t: String = text.chars().take(60).collect();
    if text.chars().count() > 60 {
        format!("{t}…")
    } else {
        t
    }
}

/// Whether an order waits on a member unit past its deadline.
fn overdue(o: &OrderView, today: &str) -> bool {
    Status::parse(o.status).is_some_and(Status::at_unit)
        && o.deadline.as_deref().is_some_and(|d| d < today)
}

fn today() -> String {
    time::day(time::local_day(time::now()))
}

fn page_no(v: Option<&str>) -> Result<Option<i64>, FieldError> {
    match v.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) => s
            .parse::<i64>()
            .map(Some)
            .map_err(|_| FieldError::new("page", "页码应为整数")),
    }
}

pub(super) use crate::pages::status_422;

fn forbidden(body: &str) -> PageError {
    PageError::new(StatusCode::FORBIDDEN, "无权操作", body)
}

fn agent(web: &Web) -> Result<&Principal, PageError> {
    let p = web.staff()?;
    if p.role == Role::HotlineAgent {
        Ok(p)
    } else {
        Err(forbidden("12345受理页面仅供12345话务员使用。"))
    }
}

/// Member units (成员单位), for the dispatch selects.
async fn member_units(s: &AppState) -> Result<Vec<(String, String)>, PageError> {
    Ok(org::departments(&s.store)
        .await?
        .into_iter()
        .filter(|d| d.member_unit)
        .map(|d| (d.code, d.name))
        .collect())
}

/// Codes of the co-units chosen: named (by name or code) in the `co_unit_1`…
/// `co_unit_3` fields; each once.
fn co_ticked(units: &[(String, String)], form: &HashMap<String, String>) -> Vec<String> {
    let mut out: Vec<String> = vec![];
    for n in 1..=3 {
        let Some(v) = form.get(&format!("co_unit_{n}")).map(|v| v.trim()) else {
            continue;
        };
        let code = match units.iter().find(|(c, name)| c == v || name == v) {
            Some((code, _)) => code.clone(),
            // Not a member unit: passed on as typed, for the store to name the fault.
            None if !v.is_empty() => v.to_string(),
            None => continue,
        };
        if !out.contains(&code) {
            out.push(code);
        }
    }
    out
}

fn codes<T: Copy>(
    all: &[T],
    f: impl Fn(T) -> (&'static str, &'static str),
) -> Vec<(&'static str, &'static str)> {
    all.iter().copied().map(f).collect()
}

// ---------------------------------------------------------------------------
// Agent screen (受理)

#[derive(Debug, Default, Deserialize)]
struct IntakeForm {
    #[serde(default)]
    csrf: String,
    /// The caller agreed to publish the progress (masked); unticked by default.
    #[serde(default)]
    public: Option<String>,
    #[serde(default)]
    channel: String,
    #[serde(default)]
    category: String,
    #[serde(default)]
    caller_name: String,
    #[serde(default)]
    phone: String,
    #[serde(default)]
    address: String,
    #[serde(default)]
    content: String,
    #[serde(default)]
    service_code: String,
    /// `answer`, `dispatch` or `later`
    #[serde(default)]
    mode: String,
    #[serde(default)]
    answer: String,
    #[serde(default)]
    unit: String,
    /// 转警/转急救: the number the caller was passed to.
    #[serde(default)]
    emergency: String,
    /// Ticked co-units as `co_<code>` fields (a form sends only ticked boxes).
    #[serde(flatten)]
    rest: HashMap<String, String>,
}

#[derive(Template)]
#[template(path = "hotline/intake.html")]
struct IntakePage {
    layout: Layout,
    form: IntakeForm,
    channels: Vec<(&'static str, &'static str)>,
    categories: Vec<(&'static str, &'static str)>,
    emergencies: Vec<(&'static str, &'static str)>,
    units: Vec<(String, String)>,
    services: Vec<Service>,
    errors: Errors,
}

impl IntakePage {
    /// What was typed in the `n`-th co-unit field.
    fn co_value(&self, n: &i32) -> String {
        self.form
            .rest
            .get(&format!("co_unit_{n}"))
            .cloned()
            .unwrap_or_default()
    }
}

async fn intake_page(s: &AppState, web: &Web, form: IntakeForm, errors: Errors) -> PageResult {
    let page = IntakePage {
        layout: web.layout(),
        form,
        channels: codes(Channel::ALL, |c| (c.as_str(), c.label())),
        categories: codes(Category::ALL, |c| (c.as_str(), c.label())),
        emergencies: codes(Emergency::ALL, |c| (c.as_str(), c.label())),
        units: member_units(s).await?,
        services: hotline::services(&s.store).await?,
        errors,
    };
    let failed = !page.errors.is_empty();
    let r = render(&page)?;
    Ok(if failed { status_422(r) } else { r })
}

async fn intake_form(State(s): State<AppState>, web: Web) -> PageResult {
    agent(&web)?;
    let form = IntakeForm {
        channel: "phone".into(),
        mode: "dispatch".into(),
        ..Default::default()
    };
    intake_page(&s, &web, form, Errors::default()).await
}

/// The intake form's field for a field the store names.
fn intake_field(store_field: &str) -> &'static str {
    match store_field {
        "channel" => "channel",
        "category" => "category",
        "caller_name" => "caller_name",
        "phone" => "phone",
        "address" => "address",
        "service_code" => "service_code",
        "answer" => "answer",
        "unit" => "unit",
        "co_units" => "co_units",
        "emergency" => "emergency",
        _ => "content",
    }
}

async fn intake(
    State(s): State<AppState>,
    web: Web,
    PageForm(f): PageForm<IntakeForm>,
) -> PageResult {
    web.check_csrf(&f.csrf)?;
    let p = agent(&web)?;
    let units = member_units(&s).await?;
    let co_units = co_ticked(&units, &f.rest);
    let mut errors = Errors::default();
    match f.mode.as_str() {
        "answer" if f.answer.trim().is_empty() => {
            errors.push(FieldError::new("answer", "直接解答须填写解答内容"))
        }
        "dispatch" if f.unit.trim().is_empty() => {
            errors.push(FieldError::new("unit", "派单须选择承办的成员单位"))
        }
        "emergency" if f.emergency.trim().is_empty() => errors.push(FieldError::new(
            "emergency",
            "转警/转急救须选择转接的号码（110、119、120或122）",
        )),
        "answer" | "dispatch" | "later" | "emergency" => {}
        _ => errors.push(FieldError::new(
            "mode-dispatch",
            "请选择处理方式：直接解答、派单、暂存待派单或转警/转急救",
        )),
    }
    if !errors.is_empty() {
        return intake_page(&s, &web, f, errors).await;
    }
    let dispatch = f.mode == "dispatch";
    let input = NewOrder {
        channel: Some(f.channel.clone()),
        category: Some(f.category.clone()),
        caller_name: Some(f.caller_name.clone()),
        phone: Some(f.phone.clone()),
        address: Some(f.address.clone()),
        content: Some(f.content.clone()),
        service_code: Some(f.service_code.clone()),
        answer: (f.mode == "answer").then(|| f.answer.clone()),
        unit: dispatch.then(|| f.unit.clone()),
        co_units: dispatch.then_some(co_units),
        emergency: (f.mode == "emergency").then(|| f.emergency.clone()),
        public: Some(f.public.is_some()),
        ..Default::default()
    };
    match hotline::create(&s.store, p, &input).await {
        Ok(o) => {
            Ok(Redirect::to(&format!("/hotline/orders/{}?done=new", o.order_no)).into_response())
        }
        Err(StoreError::Invalid(i)) => {
            let errors = vec![FieldError::new(intake_field(i.field), i.message)].into();
            intake_page(&s, &web, f, errors).await
        }
        Err(e) => Err(e.into()),
    }
}

// ---------------------------------------------------------------------------
// Order lists

#[derive(Deserialize)]
struct ListQuery {
    status: Option<String>,
    category: Option<String>,
    unit: Option<String>,
    /// `true`: returned orders awaiting the center's dispute review (退单待审核).
    awaiting_review: Option<String>,
    /// Registered from … to (local days), as the dashboards link.
    from: Option<String>,
    to: Option<String>,
    page: Option<String>,
}

/// An order in a list, with its deadline mark.
struct Row {
    order: OrderView,
    overdue: bool,
    due_today: bool,
}

fn rows(list: Vec<OrderView>) -> Vec<Row> {
    let today = today();
    list.into_iter()
        .map(|o| Row {
            overdue: overdue(&o, &today),
            due_today: Status::parse(o.status).is_some_and(Status::at_unit)
                && o.deadline.as_deref() == Some(today.as_str()),
            order: o,
        })
        .collect()
}

const PER_PAGE: i64 = 30;

#[derive(Template)]
#[template(path = "hotline/orders.html")]
struct OrdersPage {
    layout: Layout,
    who: String,
    role: &'static str,
    is_agent: bool,
    rows: Vec<Row>,
    total: tongban_store::Total,
    status: String,
    category: String,
    unit: String,
    awaiting_review: String,
    from: String,
    to: String,
    page: i64,
    pages: i64,
    statuses: Vec<(&'static str, &'static str)>,
    categories: Vec<(&'static str, &'static str)>,
    units: Vec<(String, String)>,
    errors: Errors,
}

impl OrdersPage {
    fn link(&self, page: i64) -> String {
        let mut url = format!("/hotline/orders?page={page}");
        for (k, v) in [
            ("status", &self.status),
            ("category", &self.category),
            ("unit", &self.unit),
            ("awaiting_review", &self.awaiting_review),
            ("from", &self.from),
            ("to", &self.to),
        ] {
            if !v.is_empty() {
                url.push_str(&format!("&{k}={}", urlencode(v)));
            }
        }
        url
    }
}

async fn orders(State(s): State<AppState>, web: Web, Query(q): Query<ListQuery>) -> PageResult {
    let p = web.staff()?;
    let status = q.status.unwrap_or_default().trim().to_string();
    let category = q.category.unwrap_or_default().trim().to_string();
    let unit = q.unit.unwrap_or_default().trim().to_string();
    let awaiting_review = q.awaiting_review.unwrap_or_default().trim().to_string();
    let from = q.from.unwrap_or_default().trim().to_string();
    let to = q.to.unwrap_or_default().trim().to_string();
    let mut errors = Errors::default();
    let page = match page_no(q.page.as_deref()) {
        Ok(v) => v,
        Err(e) => {
            errors.push(e);
            None
        }
    };
    let (list, total) = if errors.is_empty() {
        // New criteria of the filter default to none.
        #[allow(clippy::needless_update)]
        let f = OrderFilter {
            status: Some(status.clone()),
            category: Some(category.clone()),
            unit: Some(unit.clone()),
            page,
            per_page: Some(PER_PAGE),
            awaiting_review: Some(awaiting_review.clone()),
            from: Some(from.clone()),
            to: Some(to.clone()),
            ..Default::default()
        };
        match hotline::list(&s.store, p, &f).await {
            Ok(r) => (r.rows, r.total),
            Err(StoreError::Invalid(i)) => {
                errors.push(FieldError::new(i.field, i.message));
                (vec![], tongban_store::Total::capped(0))
            }
            Err(e) => return Err(e.into()),
        }
    } else {
        (vec![], tongban_store::Total::capped(0))
    };
    let pg = OrdersPage {
        layout: web.layout(),
        who: p.display_name.clone(),
        role: p.role.label(),
        is_agent: p.role == Role::HotlineAgent,
        rows: rows(list),
        total,
        status,
        category,
        unit,
        awaiting_review,
        from,
        to,
        page: page.unwrap_or(1),
        pages: total.pages(PER_PAGE),
        statuses: codes(Status::ALL, |c| (c.as_str(), c.label())),
        categories: codes(Category::ALL, |c| (c.as_str(), c.label())),
        units: member_units(&s).await?,
        errors,
    };
    let failed = !pg.errors.is_empty();
    let r = render(&pg)?;
    Ok(if failed { status_422(r) } else { r })
}

// ---------------------------------------------------------------------------
// Order page and its actions

/// A form for one action the member may take now. What it asks for follows the
/// action's code, so actions added to the domain later get a form with a note.
struct ActionForm {
    code: &'static str,
    label: &'static str,
    note_required: bool,
    wants_unit: bool,
    /// Co-units ticked on the dispatch form (those recorded, or as posted).
    co_units: Vec<String>,
    wants_level: bool,
    level_required: bool,
    wants_into: bool,
    /// 标记无效来电: its kind.
    wants_invalid: bool,
    warning: bool,
    /// The field of the error shown in this form ("" when none), and the message.
    error_field: &'static str,
    error: String,
    note: String,
    unit: String,
    level: String,
    into: String,
    resolved: String,
    invalid_kind: String,
}

fn action_forms(p: &Principal, o: &OrderView) -> Vec<ActionForm> {
    // The store knows the member's standing (role, lead or co-unit) and the state.
    o.available_actions(p)
        .into_iter()
        .map(|a| {
            let code = a.as_str();
            ActionForm {
                code,
                label: a.label(),
                note_required: a.requires_note(),
                wants_unit: code == "dispatch",
                co_units: o.co_units.clone(),
                wants_level: matches!(code, "close" | "callback"),
                level_required: code == "callback",
                wants_into: code == "merge",
                wants_invalid: code == "mark_invalid",
                warning: matches!(code, "return" | "mark_faulty" | "redo" | "mark_invalid"),
                error_field: "",
                error: String::new(),
                note: String::new(),
                unit: String::new(),
                level: String::new(),
                into: String::new(),
                resolved: String::new(),
                invalid_kind: String::new(),
            }
        })
        .collect()
}

#[derive(Template)]
#[template(path = "hotline/order.html")]
struct OrderPage {
    layout: Layout,
    order: OrderView,
    overdue: bool,
    actions: Vec<ActionForm>,
    units: Vec<(String, String)>,
    /// The dispatch catalog's unit, when the order may be dispatched now.
    suggestion: Option<tongban_store::dispatch::Suggestion>,
    levels: Vec<(i64, &'static str)>,
    invalid_kinds: Vec<(&'static str, &'static str)>,
    back: &'static str,
    errors: Errors,
    /// The caller's other orders (by phone number), for the agent.
    history: Vec<tongban_store::hotline::CallerOrder>,
    /// The action just taken, confirmed at the top of the page.
    done: Option<&'static str>,
    /// Photos sent with a web request.
    photos: Vec<tongban_store::files::OrderPhoto>,
}

#[derive(Deserialize)]
struct OrderQuery {
    done: Option<String>,
}

/// The catalog's unit for an order with a dispatch form.
async fn suggestion(
    s: &AppState,
    p: &Principal,
    order: &OrderView,
    actions: &[ActionForm],
) -> Result<Option<tongban_store::dispatch::Suggestion>, PageError> {
    if !actions.iter().any(|a| a.code == "dispatch") {
        return Ok(None);
    }
    Ok(tongban_store::hotline::dispatch_suggestion(&s.store, p, &order.order_no).await?)
}

/// The one satisfaction scale, best first.
fn levels() -> Vec<(i64, &'static str)> {
    tongban_domain::rating::levels_best_first()
}

fn invalid_kinds() -> Vec<(&'static str, &'static str)> {
    codes(tongban_domain::hotline::InvalidKind::ALL, |k| {
        (k.as_str(), k.label())
    })
}

fn back_link(p: &Principal) -> &'static str {
    if p.role == Role::UnitHandler {
        "/hotline/unit"
    } else {
        "/hotline/orders"
    }
}

async fn order_page(
    State(s): State<AppState>,
    web: Web,
    Path(no): Path<String>,
    Query(q): Query<OrderQuery>,
) -> PageResult {
    let p = web.staff()?;
    let order = hotline::get(&s.store, p, &no).await?;
    let actions = action_forms(p, &order);
    let page = OrderPage {
        photos: hotline::photos(&s.store, p, &no).await?,
        history: hotline::caller_history(&s.store, p, &no).await?,
        done: q.done.as_deref().and_then(|d| {
            if d == "new" {
                Some("工单已登记")
            } else {
                tongban_domain::hotline::Action::parse(d).map(|a| a.label())
            }
        }),
        layout: web.layout(),
        overdue: overdue(&order, &today()),
        suggestion: suggestion(&s, p, &order, &actions).await?,
        actions,
        order,
        units: member_units(&s).await?,
        levels: levels(),
        invalid_kinds: invalid_kinds(),
        back: back_link(p),
        errors: Errors::default(),
    };
    render(&page)
}

#[derive(Debug, Default, Deserialize)]
struct ActionPost {
    /// Ticked co-units of a dispatch as `co_<code>` fields.
    #[serde(flatten)]
    rest: HashMap<String, String>,
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    action: String,
    #[serde(default)]
    note: String,
    #[serde(default)]
    unit: String,
    #[serde(default)]
    level: String,
    #[serde(default)]
    into: String,
    #[serde(default)]
    resolved: String,
    #[serde(default)]
    invalid_kind: String,
}

async fn act(
    State(s): State<AppState>,
    web: Web,
    Path(no): Path<String>,
    PageForm(f): PageForm<ActionPost>,
) -> PageResult {
    web.check_csrf(&f.csrf)?;
    let p = web.staff()?;
    let units = member_units(&s).await?;
    let some = |v: &str| Some(v.trim().to_string()).filter(|v| !v.is_empty());
    let level = match some(&f.level) {
        None => Ok(None),
        Some(l) => l
            .parse::<i64>()
            .map(Some)
            .map_err(|_| StoreError::invalid("level", "请选择回访满意度（1至5）")),
    };
    let result = match level {
        Ok(level) => {
            // New inputs of an action default to none.
            #[allow(clippy::needless_update)]
            let input = ActionInput {
                action: Some(f.action.clone()),
                note: some(&f.note),
                unit: some(&f.unit),
                level,
                into: some(&f.into),
                co_units: (f.action == "dispatch").then(|| co_ticked(&units, &f.rest)),
                invalid_kind: some(&f.invalid_kind),
                resolved: match f.resolved.as_str() {
                    "1" => Some(true),
                    "0" => Some(false),
                    _ => None,
                },
            };
            hotline::act(&s.store, p, &no, &input).await
        }
        Err(e) => Err(e),
    };
    let (field, message, status) = match result {
        Ok(o) => {
            return Ok(Redirect::to(&format!(
                "/hotline/orders/{}?done={}",
                o.order_no,
                urlencode(&f.action)
            ))
            .into_response());
        }
        Err(StoreError::Invalid(i)) => (i.field, i.message, StatusCode::UNPROCESSABLE_ENTITY),
        Err(StoreError::Conflict { field, message }) => (field, message, StatusCode::CONFLICT),
        Err(e) => return Err(e.into()),
    };
    let order = hotline::get(&s.store, p, &no).await?;
    let mut actions = action_forms(p, &order);
    let mut errors = Errors::default();
    let form_field = match field {
        "unit" => "unit",
        "co_units" => "co_units",
        "level" | "resolved" => "level",
        "into" => "into",
        "invalid_kind" => "invalid_kind",
        _ => "note",
    };
    match actions.iter_mut().find(|a| a.code == f.action) {
        Some(a) => {
            let form_field = match form_field {
                "unit" | "co_units" if a.wants_unit => form_field,
                "level" if a.wants_level => "level",
                "into" if a.wants_into => "into",
                "invalid_kind" if a.wants_invalid => "invalid_kind",
                _ => "note",
            };
            errors.push(FieldError::new(
                &format!("{}-{form_field}", a.code),
                &message,
            ));
            a.error_field = form_field;
            a.error = message;
            a.note = f.note.clone();
            a.unit = f.unit.clone();
            a.level = f.level.clone();
            a.into = f.into.clone();
            a.resolved = f.resolved.clone();
            a.invalid_kind = f.invalid_kind.clone();
            a.co_units = co_ticked(&units, &f.rest);
        }
        // The action is no longer offered (another member acted first): say so at
        // the top of the page.
        None => errors.push(FieldError::new("actions", message)),
    }
    let page = OrderPage {
        layout: web.layout(),
        overdue: overdue(&order, &today()),
        suggestion: suggestion(&s, p, &order, &actions).await?,
        history: hotline::caller_history(&s.store, p, &no).await?,
        photos: hotline::photos(&s.store, p, &no).await?,
        done: None,
        actions,
        order,
        units,
        levels: levels(),
        invalid_kinds: invalid_kinds(),
        back: back_link(p),
        errors,
    };
    let mut r = render(&page)?;
    *r.status_mut() = status;
    Ok(r)
}

/// A photo of a web request, for staff who may see the order.
async fn order_photo(
    State(s): State<AppState>,
    web: Web,
    Path((no, id)): Path<(String, String)>,
) -> PageResult {
    let p = web.staff()?;
    let missing = || PageError::new(StatusCode::NOT_FOUND, "未找到", "照片不存在");
    let id: i64 = id.parse().map_err(|_| missing())?;
    let photo = hotline::photo(&s.store, p, &no, id).await?;
    let bytes = s.store.files().get(&photo.storage_key).await?;
    let mut resp = bytes.into_response();
    let h = resp.headers_mut();
    if let Ok(v) = axum::http::HeaderValue::from_str(&photo.content_type) {
        h.insert(axum::http::header::CONTENT_TYPE, v);
    }
    h.insert(
        axum::http::header::CACHE_CONTROL,
        axum::http::HeaderValue::from_static("private, no-store"),
    );
    Ok(resp)
}

// ---------------------------------------------------------------------------
// Member unit workbench (成员单位工作台)

#[derive(Template)]
#[template(path = "hotline/unit.html")]
struct UnitPage {
    layout: Layout,
    who: String,
    unit: String,
    to_sign: Vec<Row>,
    handling: Vec<Row>,
    /// Orders the unit co-handles (协办), while they are at the units.
    co: Vec<Row>,
    overdue: usize,
}

async fn unit_workbench(State(s): State<AppState>, web: Web) -> PageResult {
    let p = web.staff()?;
    if p.role != Role::UnitHandler {
        return Err(forbidden("成员单位工作台仅供成员单位处办人员使用。"));
    }
    let list = |status: Option<Status>, involvement: &str| OrderFilter {
        status: status.map(|s| s.as_str().into()),
        per_page: Some(200),
        involvement: Some(involvement.into()),
        ..Default::default()
    };
    let sort = |mut v: Vec<Row>| {
        v.sort_by(|a, b| a.order.deadline.cmp(&b.order.deadline));
        v
    };
    let to_sign = hotline::list(&s.store, p, &list(Some(Status::Dispatched), "lead"))
        .await?
        .rows;
    let handling = hotline::list(&s.store, p, &list(Some(Status::Signed), "lead"))
        .await?
        .rows;
    let co = hotline::list(&s.store, p, &list(None, "co")).await?.rows;
    let co: Vec<OrderView> = co
        .into_iter()
        .filter(|o| Status::parse(o.status).is_some_and(Status::at_unit))
        .collect();
    let unit = member_units(&s)
        .await?
        .into_iter()
        .find(|(code, _)| Some(code) == p.department.as_ref())
        .map(|(_, name)| name)
        .unwrap_or_default();
    let to_sign = sort(rows(to_sign));
    let handling = sort(rows(handling));
    let co = sort(rows(co));
    let page = UnitPage {
        layout: web.layout(),
        who: p.display_name.clone(),
        unit,
        overdue: to_sign
            .iter()
            .chain(&handling)
            .filter(|r| r.overdue)
            .count(),
        to_sign,
        handling,
        co,
    };
    render(&page)
}

// ---------------------------------------------------------------------------
// Public web form (网上诉求)

#[derive(Debug, Default, Deserialize)]
struct WebOrderForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    category: String,
    #[serde(default)]
    caller_name: String,
    #[serde(default)]
    phone: String,
    #[serde(default)]
    address: String,
    #[serde(default)]
    content: String,
    /// The checkbox: present when ticked.
    #[serde(default)]
    public: Option<String>,
    /// When the form was given out, signed (`secs.digest`): a person takes a few
    /// seconds, a script none.
    #[serde(default)]
    started: String,
    /// A field people do not see and leave empty (a honeypot for scripts).
    #[serde(default)]
    website: String,
}

/// The largest web request: three photos of 10 MB and the text.
const WEB_FORM_LIMIT: usize = 3 * tongban_store::files::MAX_FILE_BYTES + 64 * 1024;

/// Seconds a person needs at least, and the most a form may wait, before sending.
const FORM_MIN_SECONDS: i64 = 3;
const FORM_MAX_SECONDS: i64 = 4 * 3600;

/// The signed time a web form is given out at.
fn form_stamp(keys: &tongban_store::Keys) -> String {
    let secs = time::now().timestamp();
    format!("{secs}.{}", keys.digest("web-form", &secs.to_string()))
}

/// Why a web form's submission is not taken as a person's, if it is not: the
/// honeypot filled, the stamp missing or forged, sent too fast or too late.
fn spam_fault(keys: &tongban_store::Keys, f: &WebOrderForm) -> Option<&'static str> {
    if !f.website.trim().is_empty() {
        return Some("提交未通过校验，请刷新页面后重新填写");
    }
    let Some((secs, sig)) = f.started.split_once('.') else {
        return Some("提交未通过校验，请刷新页面后重新填写");
    };
    let genuine = secs
        .parse::<i64>()
        .ok()
        .filter(|_| keys.digest("web-form", secs) == sig);
    match genuine.map(|t| time::now().timestamp() - t) {
        None => Some("提交未通过校验，请刷新页面后重新填写"),
        Some(age) if age < FORM_MIN_SECONDS => Some("提交过快，请核对内容后再提交"),
        Some(age) if age > FORM_MAX_SECONDS => Some("页面停留时间过长，请刷新页面后重新填写"),
        Some(_) => None,
    }
}

#[derive(Template)]
#[template(path = "hotline/new.html")]
struct WebFormPage {
    layout: Layout,
    form: WebOrderForm,
    categories: Vec<(&'static str, &'static str)>,
    errors: Errors,
}

async fn web_form(State(s): State<AppState>, web: Web) -> PageResult {
    let page = WebFormPage {
        layout: web.layout(),
        // Publishing is the citizen's explicit choice: the box starts unticked.
        form: WebOrderForm {
            started: form_stamp(s.store.keys()),
            ..WebOrderForm::default()
        },
        categories: codes(Category::ALL, |c| (c.as_str(), c.label())),
        errors: Errors::default(),
    };
    Ok(web.finish(render(&page)?))
}

/// The web form as sent: fields and photos. The form is sent as multipart (with
/// photos); a plain form without photos is read too.
async fn read_web_form(
    s: &AppState,
    req: axum::extract::Request,
) -> Result<(WebOrderForm, Vec<(String, Vec<u8>)>), PageError> {
    use axum::extract::FromRequest;
    let multipart = req
        .headers()
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("multipart/form-data"));
    if !multipart {
        let PageForm(f) = PageForm::<WebOrderForm>::from_request(req, s).await?;
        return Ok((f, vec![]));
    }
    let too_big = || {
        PageError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "无法提交",
            "上传的照片不完整或过大（每张不超过10MB，最多3张），请返回重新选择照片。",
        )
    };
    let mut form = axum::extract::Multipart::from_request(req, s)
        .await
        .map_err(|_| too_big())?;
    let mut f = WebOrderForm::default();
    let mut photos = vec![];
    while let Some(field) = form.next_field().await.map_err(|_| too_big())? {
        let name = field.name().unwrap_or("").to_string();
        if name == "photos" {
            let filename = field.file_name().unwrap_or("").to_string();
            let bytes = field.bytes().await.map_err(|_| too_big())?;
            // A file input left empty still sends an empty part.
            if !bytes.is_empty() {
                photos.push((filename, bytes.to_vec()));
            }
            continue;
        }
        let value: String = field.text().await.unwrap_or_default();
        let value: String = value.chars().take(4000).collect();
        match name.as_str() {
            "csrf" => f.csrf = value,
            "category" => f.category = value,
            "caller_name" => f.caller_name = value,
            "phone" => f.phone = value,
            "address" => f.address = value,
            "content" => f.content = value,
            "public" => f.public = Some(value),
            "started" => f.started = value,
            "website" => f.website = value,
            _ => {}
        }
    }
    Ok((f, photos))
}

async fn web_submit(
    State(s): State<AppState>,
    web: Web,
    req: axum::extract::Request,
) -> PageResult {
    let (f, photos) = read_web_form(&s, req).await?;
    web.check_csrf(&f.csrf)?;
    let again = |form: WebOrderForm, errors: Vec<FieldError>| -> PageResult {
        let page = WebFormPage {
            layout: web.layout(),
            form,
            categories: codes(Category::ALL, |c| (c.as_str(), c.label())),
            errors: errors.into(),
        };
        Ok(web.finish(status_422(render(&page)?)))
    };
    // Scripts are turned away without a word to them beyond the form's.
    if let Some(message) = spam_fault(s.store.keys(), &f) {
        let form = WebOrderForm {
            started: form_stamp(s.store.keys()),
            website: String::new(),
            ..f
        };
        return again(form, vec![FieldError::new("content", message)]);
    }
    let input = NewOrder {
        category: Some(f.category.clone()),
        caller_name: Some(f.caller_name.clone()),
        phone: Some(f.phone.clone()),
        address: Some(f.address.clone()),
        content: Some(f.content.clone()),
        public: Some(f.public.is_some()),
        ..Default::default()
    };
    // Every fault at once: the answers' and the photos'. Photos are chosen again
    // after a fault (a browser does not keep them), which the message says.
    let mut errors = vec![];
    if let Err(faults) = tongban_store::files::check_photos(&photos) {
        errors.push(FieldError::new(
            "photos",
            format!("{}；请重新选择照片", faults.join("；")),
        ));
    }
    if let Err(e) = hotline::check_web(&input) {
        errors.extend(web_field_errors(e)?);
    }
    if !errors.is_empty() {
        return again(f, errors);
    }
    let kept = tongban_store::files::keep_photos(s.store.files(), &photos).await?;
    match hotline::create_web(&s.store, &input, kept).await {
        Ok(o) => Ok(web.respond(Redirect::to(&format!(
            "/hotline/new/done?no={}",
            o.order_no
        )))),
        Err(e) => {
            let errors = web_field_errors(e)?;
            again(f, errors)
        }
    }
}

/// A store's refusal of a web request as the form's errors, on the fields the form
/// has.
fn web_field_errors(e: StoreError) -> Result<Vec<FieldError>, PageError> {
    Ok(crate::pages::field_errors(e)?
        .into_iter()
        .map(|fe| {
            let field = match fe.field.as_str() {
                "category" | "caller_name" | "phone" | "address" => fe.field.as_str(),
                _ => "content",
            };
            FieldError::new(field, fe.message.clone())
        })
        .collect())
}

#[derive(Deserialize)]
struct NoQuery {
    no: Option<String>,
}

#[derive(Template)]
#[template(path = "hotline/done.html")]
struct DonePage {
    layout: Layout,
    no: String,
}

/// The confirmation: the order number and where to follow it. It shows nothing of
/// the request, so anyone may open it.
async fn web_done(web: Web, Query(q): Query<NoQuery>) -> PageResult {
    let no = q.no.unwrap_or_default();
    if !tongban_domain::hotline::is_order_no(&no) {
        return Err(PageError::new(
            StatusCode::NOT_FOUND,
            "未找到",
            "工单编号不正确。",
        ));
    }
    Ok(web.finish(render(&DonePage {
        layout: web.layout(),
        no,
    })?))
}

// ---------------------------------------------------------------------------
// Public progress and the list of public web requests

/// A step of the public progress: what happened, when, which unit; no staff names.
struct PublicStep {
    at: String,
    label: String,
    unit: Option<String>,
}

/// A work order as the public sees it: personal data masked.
struct PublicOrder {
    no: String,
    category: &'static str,
    channel: &'static str,
    status: &'static str,
    name: String,
    phone: String,
    address: String,
    content: String,
    unit: Option<String>,
    created: String,
    deadline: Option<String>,
    closed: Option<String>,
    answer: Option<String>,
    reply: Option<String>,
    steps: Vec<PublicStep>,
}

impl PublicOrder {
    /// The store's one public view, with times as people read them.
    fn of(o: hotline::PublicOrder) -> Self {
        Self {
            category: o.category_label,
            channel: o.channel_label,
            status: o.status_label,
            name: o.name,
            phone: o.phone,
            address: o.address.unwrap_or_default(),
            content: o.content,
            unit: o.unit,
            created: o.created_at.clone(),
            deadline: o.deadline,
            closed: o.closed_at.clone(),
            answer: o.answer,
            reply: o.reply,
            steps: o
                .steps
                .into_iter()
                .map(|e| PublicStep {
                    at: e.at,
                    label: e.label,
                    unit: e.unit,
                })
                .collect(),
            no: o.order_no,
        }
    }
}

#[derive(Template)]
#[template(path = "hotline/progress.html")]
struct ProgressPage {
    layout: Layout,
    no: String,
    order: Option<PublicOrder>,
    errors: Errors,
}

/// A GET form: it changes nothing, so it can be linked from the confirmation.
async fn progress(State(s): State<AppState>, web: Web, Query(q): Query<NoQuery>) -> PageResult {
    let no = q.no.unwrap_or_default().trim().to_string();
    let mut page = ProgressPage {
        layout: web.layout(),
        no: no.clone(),
        order: None,
        errors: Errors::default(),
    };
    let mut status = StatusCode::OK;
    if !no.is_empty() {
        if !tongban_domain::hotline::is_order_no(&no) {
            status = StatusCode::UNPROCESSABLE_ENTITY;
            page.errors.push(FieldError::new(
                "no",
                "工单编号格式应为“12345-年月日-序号”，如 12345-20261127-00012",
            ));
        } else {
            match hotline::public_order(&s.store, &no).await {
                Ok(o) => page.order = Some(PublicOrder::of(o)),
                Err(StoreError::NotFound(m)) => {
                    status = StatusCode::NOT_FOUND;
                    page.errors.push(FieldError::new("no", m));
                }
                Err(e) => return Err(e.into()),
            }
        }
    }
    let mut r = render(&page)?;
    *r.status_mut() = status;
    Ok(web.finish(r))
}

#[derive(Deserialize)]
struct PageQuery {
    page: Option<String>,
}

#[derive(Template)]
#[template(path = "hotline/public.html")]
struct PublicListPage {
    layout: Layout,
    orders: Vec<PublicOrder>,
    total: i64,
    page: i64,
    pages: i64,
    errors: Errors,
}

const PUBLIC_PER_PAGE: i64 = 20;

async fn public_list(
    State(s): State<AppState>,
    web: Web,
    Query(q): Query<PageQuery>,
) -> PageResult {
    let mut errors = Errors::default();
    let page = match page_no(q.page.as_deref()) {
        Ok(v) => v,
        Err(e) => {
            errors.push(e);
            None
        }
    };
    let (list, total) = if errors.is_empty() {
        match hotline::public_web_orders(&s.store, page, Some(PUBLIC_PER_PAGE)).await {
            Ok(r) => r,
            Err(StoreError::Invalid(i)) => {
                errors.push(FieldError::new(i.field, i.message));
                (vec![], 0)
            }
            Err(e) => return Err(e.into()),
        }
    } else {
        (vec![], 0)
    };
    let pg = PublicListPage {
        layout: web.layout(),
        orders: list.into_iter().map(PublicOrder::of).collect(),
        total,
        page: page.unwrap_or(1),
        pages: (total + PUBLIC_PER_PAGE - 1) / PUBLIC_PER_PAGE,
        errors,
    };
    let failed = !pg.errors.is_empty();
    let r = render(&pg)?;
    Ok(web.finish(if failed { status_422(r) } else { r }))
}

// ---------------------------------------------------------------------------
// Open311 API keys (接入密钥) for administrators

fn admin(web: &Web) -> Result<&Principal, PageError> {
    let p = web.staff()?;
    if p.role == Role::Admin {
        Ok(p)
    } else {
        Err(forbidden("系统管理仅供系统管理员使用。"))
    }
}

#[derive(Template)]
#[template(path = "hotline/api_keys.html")]
struct KeysPage {
    layout: Layout,
    keys: Vec<api_keys::ApiKey>,
    name: String,
    /// The key just created, shown this once.
    created: Option<(String, String)>,
    message: Option<String>,
    errors: Errors,
}

async fn keys_page(
    s: &AppState,
    web: &Web,
    name: String,
    created: Option<(String, String)>,
    message: Option<String>,
    errors: Errors,
) -> PageResult {
    let page = KeysPage {
        layout: web.layout(),
        keys: api_keys::list(&s.store).await?,
        name,
        created,
        message,
        errors,
    };
    let failed = !page.errors.is_empty();
    let r = render(&page)?;
    Ok(if failed { status_422(r) } else { r })
}

async fn api_keys_page(State(s): State<AppState>, web: Web) -> PageResult {
    admin(&web)?;
    keys_page(&s, &web, String::new(), None, None, Errors::default()).await
}

#[derive(Deserialize)]
struct KeyForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    name: String,
}

async fn create_key(
    State(s): State<AppState>,
    web: Web,
    PageForm(f): PageForm<KeyForm>,
) -> PageResult {
    web.check_csrf(&f.csrf)?;
    let p = admin(&web)?;
    match hotline::create_api_key(&s.store, &f.name, &p.actor()).await {
        // The key is in this response only: no redirect, no copy kept.
        Ok(key) => {
            let name = f.name.trim().to_string();
            keys_page(
                &s,
                &web,
                String::new(),
                Some((name, key)),
                None,
                Errors::default(),
            )
            .await
        }
        Err(StoreError::Invalid(i)) => {
            let errors = vec![FieldError::new("name", i.message)].into();
            keys_page(&s, &web, f.name, None, None, errors).await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize)]
struct CsrfForm {
    #[serde(default)]
    csrf: String,
}

async fn deactivate_key(
    State(s): State<AppState>,
    web: Web,
    Path(id): Path<String>,
    PageForm(f): PageForm<CsrfForm>,
) -> PageResult {
    web.check_csrf(&f.csrf)?;
    let p = admin(&web)?;
    let id: i64 = id
        .parse()
        .map_err(|_| PageError::new(StatusCode::NOT_FOUND, "未找到", "接入密钥不存在"))?;
    match api_keys::deactivate(&s.store, id, &p.actor()).await {
        Ok(k) => {
            let msg = format!("已停用“{}”的接入密钥，使用该密钥的请求将被拒绝。", k.name);
            keys_page(&s, &web, String::new(), None, Some(msg), Errors::default()).await
        }
        Err(StoreError::Conflict { message, .. }) => {
            let errors = vec![FieldError::new("keys", message)].into();
            let mut r = keys_page(&s, &web, String::new(), None, None, errors).await?;
            *r.status_mut() = StatusCode::CONFLICT;
            Ok(r)
        }
        Err(e) => Err(e.into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn excerpts() {
        assert_eq!(excerpt(&"字".repeat(61)).chars().count(), 61);
    }
}

#[derive(Template)]
#[template(path = "hotline/phone.html")]
struct PhonePage {
    layout: Layout,
    no: String,
    phone: Option<String>,
}

/// The caller's full number for a callback, after a deliberate request (audited).
async fn reveal_phone(
    State(s): State<AppState>,
    web: Web,
    Path(no): Path<String>,
    PageForm(f): PageForm<CsrfForm>,
) -> PageResult {
    web.check_csrf(&f.csrf)?;
    let p = web.staff()?;
    let phone = hotline::reveal_phone(&s.store, p, &no).await?;
    let page = PhonePage {
        layout: web.layout(),
        no,
        phone,
    };
    Ok(web.finish(render(&page)?))
}
