//! The counter (窗口受理): a clerk finds an item the window may accept, takes the
//! applicant's details and ticks the materials handed in, then accepts the case (an
//! instant item is decided at once) or registers it to ask for what is missing. The
//! notices the law requires print from the case (`notices`).

use crate::AppState;
use crate::pages::{Errors, FieldError, Layout, PageError, PageForm, PageResult, Web, render};
use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use axum::routing::get;
use serde::Deserialize;
use tongban_domain::case::{ApplicantInput, IdType};
use tongban_domain::catalog::ItemContent;
use tongban_store::StoreError;
use tongban_store::cases::{self, NewCase};
use tongban_store::catalog::{self, Item};
use tongban_store::org::{self, Principal};
use tongban_store::time;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/workbench/accept", get(find_item))
        .route("/workbench/accept/{code}", get(accept_form).post(accept))
}

/// Items this clerk's window may accept.
async fn acceptable(s: &AppState, p: &Principal) -> Result<Vec<Item>, PageError> {
    if !p.role.accepts_applications() {
        return Err(PageError::new(
            StatusCode::FORBIDDEN,
            "无权操作",
            "只有窗口人员可以受理申请。",
        ));
    }
    let today = time::local_day(time::now());
    let point = match p.point_id {
        Some(id) => Some(org::point_by_id(&mut *s.store.reader().await?, id).await?),
        None => None,
    };
    let all = catalog::all_in_force(&s.store, today).await?;
    Ok(all
        .into_iter()
        .filter(|i| i.status == "in_use")
        .filter(|i| {
            p.department
                .as_deref()
                .is_none_or(|d| d == i.department.code)
        })
        .filter(|i| match (&point, &i.content) {
            (Some(pt), Some(c)) => c.accepted_at(&pt.code, pt.kind),
            (None, Some(c)) => c.accept_center,
            _ => false,
        })
        .collect())
}

#[derive(Template)]
#[template(path = "center/counter_find.html")]
struct FindPage {
    layout: Layout,
    q: String,
    items: Vec<Item>,
    total: usize,
}

#[derive(Deserialize)]
struct FindQuery {
    q: Option<String>,
}

async fn find_item(State(s): State<AppState>, web: Web, Query(q): Query<FindQuery>) -> PageResult {
    let p = web.staff()?;
    let query =
        q.q.unwrap_or_default()
            .trim()
            .chars()
            .take(50)
            .collect::<String>();
    let items: Vec<Item> = acceptable(&s, p)
        .await?
        .into_iter()
        .filter(|i| {
            query.is_empty()
                || query
                    .split_whitespace()
                    .all(|t| i.name.contains(t) || i.code.contains(t))
        })
        .collect();
    let total = items.len();
    let page = FindPage {
        layout: web.layout(),
        q: query,
        items: items.into_iter().take(50).collect(),
        total,
    };
    Ok(web.finish(render(&page)?))
}

#[derive(Debug, Default, Deserialize)]
struct AcceptForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    id_type: String,
    #[serde(default)]
    id_number: String,
    #[serde(default)]
    credit_code: String,
    #[serde(default)]
    contact: String,
    #[serde(default)]
    phone: String,
    #[serde(default)]
    note: String,
    /// `accept` or `register`
    #[serde(default)]
    mode: String,
    /// 经办人/代理人, with the power of attorney ticked as handed in.
    #[serde(default)]
    agent_name: String,
    #[serde(default)]
    agent_id_number: String,
    #[serde(default)]
    agent_phone: String,
    #[serde(default)]
    power_of_attorney: Option<String>,
    /// 告知承诺制: the applicant signed the commitment.
    #[serde(default)]
    commitment: Option<String>,
    /// 帮办代办.
    #[serde(default)]
    assisted: Option<String>,
    /// Ticked materials, as `m0`, `m1`… fields, and those accepted as missing (容缺)
    /// as `d0`, `d1`… (a form sends only ticked boxes).
    #[serde(flatten)]
    rest: std::collections::HashMap<String, String>,
}

#[derive(Template)]
#[template(path = "center/counter_accept.html")]
struct AcceptPage {
    layout: Layout,
    item: Item,
    content: ItemContent,
    form: AcceptForm,
    id_types: Vec<(&'static str, &'static str)>,
    errors: Errors,
}

impl AcceptPage {
    fn ticked(&self, i: &usize) -> bool {
        self.form.rest.contains_key(&format!("m{i}"))
    }

    fn deferred(&self, i: &usize) -> bool {
        self.form.rest.contains_key(&format!("d{i}"))
    }

    /// What was typed into a field of the item's application form.
    fn answer(&self, name: &str) -> String {
        self.form
            .rest
            .get(&format!("form_{name}"))
            .cloned()
            .unwrap_or_default()
    }
}

async fn item_at_counter(
    s: &AppState,
    p: &Principal,
    code: &str,
) -> Result<(Item, ItemContent), PageError> {
    let item = acceptable(s, p)
        .await?
        .into_iter()
        .find(|i| i.code == code)
        .ok_or_else(|| {
            PageError::new(
                StatusCode::NOT_FOUND,
                "不能受理该事项",
                "该事项不存在、未在用，或不在本窗口的受理范围内。",
            )
        })?;
    let content = item.content()?.clone();
    Ok((item, content))
}

async fn accept_form(State(s): State<AppState>, web: Web, Path(code): Path<String>) -> PageResult {
    let p = web.staff()?;
    let (item, content) = item_at_counter(&s, p, &code).await?;
    let page = AcceptPage {
        layout: web.layout(),
        item,
        content,
        form: AcceptForm {
            kind: "person".into(),
            ..Default::default()
        },
        id_types: IdType::ALL
            .iter()
            .map(|t| (t.as_str(), t.label()))
            .collect(),
        errors: Errors::default(),
    };
    Ok(web.finish(render(&page)?))
}

/// Field names of the form for the store's field names.
fn form_field(store_field: &str) -> &str {
    match store_field {
        "applicant.kind" => "kind",
        "applicant.name" => "name",
        "applicant.id_type" => "id_type",
        "applicant.id_number" => "id_number",
        "applicant.credit_code" => "credit_code",
        "applicant.contact" => "contact",
        "applicant.phone" => "phone",
        "materials" | "deferred" => "materials",
        "note" => "note",
        "agent.name" => "agent_name",
        "agent.id_number" => "agent_id_number",
        "agent.phone" => "agent_phone",
        "agent.power_of_attorney" => "power_of_attorney",
        "commitment" => "commitment",
        _ => "name",
    }
}

async fn accept(
    State(s): State<AppState>,
    web: Web,
    Path(code): Path<String>,
    PageForm(f): PageForm<AcceptForm>,
) -> PageResult {
    web.check_csrf(&f.csrf)?;
    let p = web.staff()?;
    let (item, content) = item_at_counter(&s, p, &code).await?;
    let materials: Vec<String> = content
        .materials
        .iter()
        .enumerate()
        .filter(|(i, _)| f.rest.contains_key(&format!("m{i}")))
        .map(|(_, m)| m.name.clone())
        .collect();
    let org = f.kind == "organisation";
    let input = NewCase {
        item_code: Some(code.clone()),
        channel: Some("window".into()),
        applicant: Some(ApplicantInput {
            kind: Some(if org { "organisation" } else { "person" }.into()),
            name: Some(f.name.clone()),
            id_type: (!org).then(|| f.id_type.clone()),
            id_number: (!org).then(|| f.id_number.clone()),
            credit_code: org.then(|| f.credit_code.clone()),
            contact: org.then(|| f.contact.clone()),
            phone: Some(f.phone.clone()),
        }),
        materials: Some(materials),
        note: Some(f.note.clone()).filter(|n| !n.trim().is_empty()),
        accept: Some(f.mode != "register"),
        deferred: Some(
            content
                .materials
                .iter()
                .enumerate()
                .filter(|(i, _)| f.rest.contains_key(&format!("d{i}")))
                .map(|(_, m)| m.name.clone())
                .collect(),
        ),
        commitment: Some(f.commitment.is_some()),
        agent: (!f.agent_name.trim().is_empty()
            || !f.agent_id_number.trim().is_empty()
            || f.power_of_attorney.is_some())
        .then(|| tongban_domain::case::AgentInput {
            name: Some(f.agent_name.clone()),
            id_number: Some(f.agent_id_number.clone()),
            phone: Some(f.agent_phone.clone()),
            power_of_attorney: Some(f.power_of_attorney.is_some()),
        }),
        assisted: Some(f.assisted.is_some()),
        form: Some(
            content
                .fields
                .iter()
                .filter_map(|x| {
                    f.rest
                        .get(&format!("form_{}", x.name))
                        .filter(|v| !v.trim().is_empty())
                        .map(|v| (x.name.clone(), v.clone()))
                })
                .collect(),
        ),
        ..Default::default()
    };
    let created = match crate::extract::application(&input, cases::Filer::Clerk) {
        Ok(app) => cases::create(&s.store, p, &app).await,
        Err(e) => Err(e),
    };
    match created {
        Ok(c) => Ok(Redirect::to(&format!("/workbench/cases/{}", c.case_no)).into_response()),
        Err(e @ (StoreError::Invalid(_) | StoreError::Faults(_))) => {
            // Every field at fault, each beside its field on the form.
            let errors: Vec<FieldError> = crate::pages::field_errors(e)?
                .into_iter()
                .map(|e| FieldError::new(form_field(&e.field), e.message))
                .collect();
            let page = AcceptPage {
                layout: web.layout(),
                item,
                content,
                errors: errors.into(),
                form: f,
                id_types: IdType::ALL
                    .iter()
                    .map(|t| (t.as_str(), t.label()))
                    .collect(),
            };
            let mut r = render(&page)?;
            *r.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
            Ok(r)
        }
        Err(e) => Err(e.into()),
    }
}
