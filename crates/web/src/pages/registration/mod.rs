//! 商事登记: the market regulation windows file establishments, changes and
//! deregistrations (each decided as an ordinary case on the workbench); staff read the
//! registry of market entities; anyone looks an entity up by its credit code.

use crate::AppState;
use crate::pages::projects::{neighbours, page_of};
use crate::pages::{
    Errors, FieldError, Layout, PageForm, PageResult, Web, field_errors, render, status_422,
    urlencode,
};
use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect};
use axum::routing::get;
use serde::Deserialize;
use tongban_domain::org::PointKind;
use tongban_domain::registration::{
    ChangeInput, DeregisterInput, EntityStatus, EntityType, EstablishInput, InvestorInput,
    RegistrationKind,
};
use tongban_store::org::Point;
use tongban_store::registration::entities::{self, RegistrationFilter};
use tongban_store::registration::{self, EntityFilter, EntityView, PublicEntity, RegistrationView};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/registration", get(list).post(file))
        .route("/registration/new", get(new))
        .route("/registration/entities", get(entity_list))
        .route("/registration/entities/{code}", get(entity))
        .route("/entities", get(lookup))
        .route("/entities/{code}", get(public_entity))
}

fn towns(points: &[Point]) -> Vec<Point> {
    points
        .iter()
        .filter(|p| p.kind == PointKind::Town)
        .cloned()
        .collect()
}

fn pairs<T: Copy>(
    all: &[T],
    f: impl Fn(T) -> (&'static str, &'static str),
) -> Vec<(&'static str, &'static str)> {
    all.iter().copied().map(f).collect()
}

#[derive(Template)]
#[template(path = "registration/list.html")]
struct ListPage {
    layout: Layout,
    rows: Vec<RegistrationView>,
    total: String,
    filter: ListQuery,
    kinds: Vec<(&'static str, &'static str)>,
    may_file: bool,
    page: i64,
    next: Option<String>,
    prev: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
struct ListQuery {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    q: String,
    #[serde(default)]
    page: Option<String>,
}

async fn list(State(s): State<AppState>, web: Web, Query(q): Query<ListQuery>) -> PageResult {
    let p = web.staff()?;
    let page = page_of(q.page.as_deref());
    let f = RegistrationFilter {
        kind: Some(q.kind.clone()),
        q: Some(q.q.clone()),
        page: Some(page),
        per_page: None,
    };
    let (rows, total) = entities::registrations(&s.store, p, &f).await?;
    let link = |n: i64| {
        format!(
            "/registration?kind={}&q={}&page={n}",
            urlencode(&q.kind),
            urlencode(&q.q)
        )
    };
    let (prev, next) = neighbours(page, entities::PAGE_SIZE, rows.len(), &total, link);
    render(&ListPage {
        layout: web.layout(),
        total: total.to_string(),
        rows,
        kinds: pairs(RegistrationKind::ALL, |k| (k.as_str(), k.label())),
        may_file: p.role.accepts_applications(),
        filter: q,
        page,
        next,
        prev,
    })
}

/// The filing form as typed: amounts in 万元 and investors one per line stay text
/// until checked.
#[derive(Debug, Default, Deserialize)]
struct RegForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    item_code: String,
    #[serde(default)]
    credit_code: String,
    #[serde(default)]
    contact_name: String,
    #[serde(default)]
    contact_phone: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    entity_type: String,
    #[serde(default)]
    town: String,
    #[serde(default)]
    address: String,
    #[serde(default)]
    legal_rep_name: String,
    #[serde(default)]
    legal_rep_id_number: String,
    #[serde(default)]
    legal_rep_phone: String,
    /// 万元.
    #[serde(default)]
    capital_wan: String,
    #[serde(default)]
    business_scope: String,
    /// One investor per line: `姓名或名称|身份证号码或统一社会信用代码|认缴出资（万元）`.
    #[serde(default)]
    investors: String,
    #[serde(default)]
    reason: String,
}

#[derive(Template)]
#[template(path = "registration/new.html")]
struct NewPage {
    layout: Layout,
    kind: RegistrationKind,
    form: RegForm,
    errors: Errors,
    items: Vec<(String, String)>,
    towns: Vec<Point>,
    types: Vec<(&'static str, &'static str)>,
}

async fn show(
    s: &AppState,
    web: &Web,
    kind: RegistrationKind,
    form: RegForm,
    errors: Vec<FieldError>,
) -> PageResult {
    let failed = !errors.is_empty();
    let r = render(&NewPage {
        layout: web.layout(),
        kind,
        form,
        errors: errors.into(),
        items: registration::items(&s.store, kind).await?,
        towns: towns(&s.store.points_cached().await?),
        types: pairs(EntityType::ALL, |t| (t.as_str(), t.label())),
    })?;
    Ok(if failed { status_422(r) } else { r })
}

#[derive(Debug, Default, Deserialize)]
struct NewQuery {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    credit_code: String,
}

fn kind_of(s: &str) -> RegistrationKind {
    RegistrationKind::parse(s.trim()).unwrap_or(RegistrationKind::Establish)
}

async fn new(State(s): State<AppState>, web: Web, Query(q): Query<NewQuery>) -> PageResult {
    web.staff()?;
    let kind = kind_of(&q.kind);
    let form = RegForm {
        kind: kind.as_str().into(),
        credit_code: q.credit_code,
        entity_type: "llc".into(),
        ..Default::default()
    };
    show(&s, &web, kind, form, vec![]).await
}

/// An amount in 万元 as fen: empty is missing; anything not a number is a fault.
pub(crate) fn wan_to_fen(
    field: &str,
    label: &str,
    v: &str,
    errors: &mut Vec<FieldError>,
) -> Option<i64> {
    let v = v.trim();
    if v.is_empty() {
        return None;
    }
    match v.parse::<f64>() {
        Ok(n) if n.is_finite() && (0.0..=1.0e10).contains(&n) => {
            Some((n * 1_000_000.0).round() as i64)
        }
        _ => {
            errors.push(FieldError::new(
                field,
                format!("{label}应为不小于零的数字（万元）"),
            ));
            None
        }
    }
}

/// The investors typed one per line.
pub(crate) fn investors_of(text: &str, errors: &mut Vec<FieldError>) -> Vec<InvestorInput> {
    let mut out = vec![];
    for (i, line) in text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .enumerate()
    {
        let parts: Vec<&str> = line.split(['|', '｜']).map(str::trim).collect();
        if parts.len() != 3 {
            errors.push(FieldError::new(
                "investors",
                format!(
                    "投资人第{}行应为“姓名或名称|身份证号码或统一社会信用代码|认缴出资（万元）”",
                    i + 1
                ),
            ));
            continue;
        }
        let mut bad = vec![];
        let fen = wan_to_fen(
            "investors",
            &format!("第{}行的认缴出资", i + 1),
            parts[2],
            &mut bad,
        );
        if let Some(e) = bad.pop() {
            errors.push(e);
        }
        let id = parts[1].to_uppercase();
        // A valid credit code is an organisation; seventeen digits first, a person.
        let person = tongban_domain::CreditCode::parse(&id).is_err()
            && id.chars().take(17).all(|c| c.is_ascii_digit());
        out.push(InvestorInput {
            name: parts[0].to_string(),
            id_number: if person { id.clone() } else { String::new() },
            credit_code: if person { String::new() } else { id },
            subscribed_fen: fen,
        });
    }
    out
}

/// A fault as the form names it: the form asks for 万元 where the API takes fen.
pub(crate) fn on_form(mut e: FieldError) -> FieldError {
    if e.field == "registered_capital_fen" {
        e.field = "capital_wan".into();
        e.message = e.message.replace("（分）", "（万元）");
    }
    e.message = e.message.replace("认缴出资额（分）", "认缴出资额（万元）");
    e
}

async fn file(State(s): State<AppState>, web: Web, PageForm(f): PageForm<RegForm>) -> PageResult {
    web.check_csrf(&f.csrf)?;
    let p = web.staff()?;
    let kind = kind_of(&f.kind);
    let mut typed = vec![];
    let capital = wan_to_fen(
        "capital_wan",
        "注册资本（出资额）",
        &f.capital_wan,
        &mut typed,
    );
    let item = Some(f.item_code.as_str()).filter(|c| !c.trim().is_empty());
    let today = tongban_store::time::local_day(tongban_store::time::now());
    let filed = match kind {
        RegistrationKind::Establish => {
            let input = EstablishInput {
                name: f.name.clone(),
                entity_type: f.entity_type.clone(),
                town: f.town.clone(),
                address: f.address.clone(),
                legal_rep_name: f.legal_rep_name.clone(),
                legal_rep_id_number: f.legal_rep_id_number.clone(),
                legal_rep_phone: f.legal_rep_phone.clone(),
                registered_capital_fen: capital,
                business_scope: f.business_scope.clone(),
                investors: investors_of(&f.investors, &mut typed),
            };
            if !typed.is_empty() {
                // Every other fault too, at once.
                if let Err(faults) = input.check(today) {
                    for i in faults {
                        let e = on_form(FieldError::new(i.field, i.message));
                        if !typed.iter().any(|t| t.field == e.field) {
                            typed.push(e);
                        }
                    }
                }
                return show(&s, &web, kind, f, typed).await;
            }
            registration::establish(&s.store, p, &input, item, tongban_store::time::now()).await
        }
        RegistrationKind::Change => {
            if !typed.is_empty() {
                return show(&s, &web, kind, f, typed).await;
            }
            let input = ChangeInput {
                credit_code: f.credit_code.clone(),
                contact_name: f.contact_name.clone(),
                contact_phone: f.contact_phone.clone(),
                name: f.name.clone(),
                town: f.town.clone(),
                address: f.address.clone(),
                legal_rep_name: f.legal_rep_name.clone(),
                legal_rep_id_number: f.legal_rep_id_number.clone(),
                registered_capital_fen: capital,
                business_scope: f.business_scope.clone(),
            };
            registration::change(&s.store, p, &input, item, tongban_store::time::now()).await
        }
        RegistrationKind::Deregister => {
            let input = DeregisterInput {
                credit_code: f.credit_code.clone(),
                contact_name: f.contact_name.clone(),
                contact_phone: f.contact_phone.clone(),
                reason: f.reason.clone(),
            };
            registration::deregister(&s.store, p, &input, item, tongban_store::time::now()).await
        }
    };
    match filed {
        Ok(v) => Ok(Redirect::to(&format!("/workbench/cases/{}", v.case_no)).into_response()),
        Err(e) => {
            let errors = field_errors(e)?.into_iter().map(on_form).collect();
            show(&s, &web, kind, f, errors).await
        }
    }
}

#[derive(Template)]
#[template(path = "registration/entities.html")]
struct EntitiesPage {
    layout: Layout,
    rows: Vec<EntityView>,
    total: String,
    filter: EntityQuery,
    statuses: Vec<(&'static str, &'static str)>,
    types: Vec<(&'static str, &'static str)>,
    towns: Vec<Point>,
    page: i64,
    next: Option<String>,
    prev: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
struct EntityQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    entity_type: String,
    #[serde(default)]
    town: String,
    #[serde(default)]
    page: Option<String>,
}

async fn entity_list(
    State(s): State<AppState>,
    web: Web,
    Query(q): Query<EntityQuery>,
) -> PageResult {
    let p = web.staff()?;
    let page = page_of(q.page.as_deref());
    let f = EntityFilter {
        q: Some(q.q.clone()),
        status: Some(q.status.clone()),
        entity_type: Some(q.entity_type.clone()),
        town: Some(q.town.clone()),
        page: Some(page),
        per_page: None,
    };
    let (rows, total) = entities::entities(&s.store, p, &f).await?;
    let link = |n: i64| {
        format!(
            "/registration/entities?q={}&status={}&entity_type={}&town={}&page={n}",
            urlencode(&q.q),
            urlencode(&q.status),
            urlencode(&q.entity_type),
            urlencode(&q.town)
        )
    };
    let (prev, next) = neighbours(page, entities::PAGE_SIZE, rows.len(), &total, link);
    render(&EntitiesPage {
        layout: web.layout(),
        total: total.to_string(),
        rows,
        statuses: pairs(EntityStatus::ALL, |t| (t.as_str(), t.label())),
        types: pairs(EntityType::ALL, |t| (t.as_str(), t.label())),
        towns: towns(&s.store.points_cached().await?),
        filter: q,
        page,
        next,
        prev,
    })
}

#[derive(Template)]
#[template(path = "registration/entity.html")]
struct EntityPage {
    layout: Layout,
    e: EntityView,
    may_file: bool,
}

async fn entity(State(s): State<AppState>, web: Web, Path(code): Path<String>) -> PageResult {
    let p = web.staff()?;
    let e = entities::entity(&s.store, p, &code).await?;
    render(&EntityPage {
        layout: web.layout(),
        may_file: p.role.accepts_applications() && e.status == EntityStatus::Active,
        e,
    })
}

#[derive(Template)]
#[template(path = "registration/lookup.html")]
struct LookupPage {
    layout: Layout,
    code: String,
    found: Option<PublicEntity>,
    errors: Errors,
}

#[derive(Debug, Default, Deserialize)]
struct LookupQuery {
    #[serde(default)]
    code: String,
}

/// The public lookup form; a code given shows its entity or the fault beside it.
async fn lookup(State(s): State<AppState>, web: Web, Query(q): Query<LookupQuery>) -> PageResult {
    let code = q.code.trim().to_uppercase();
    if code.is_empty() {
        return render(&LookupPage {
            layout: web.layout(),
            code,
            found: None,
            errors: Errors::default(),
        });
    }
    show_public(&s, &web, code).await
}

async fn public_entity(
    State(s): State<AppState>,
    web: Web,
    Path(code): Path<String>,
) -> PageResult {
    show_public(&s, &web, code.trim().to_uppercase()).await
}

async fn show_public(s: &AppState, web: &Web, code: String) -> PageResult {
    use axum::http::StatusCode;
    let (found, errors, status) = match entities::public_entity(&s.store, &code).await {
        Ok(e) => (Some(e), vec![], StatusCode::OK),
        Err(tongban_store::StoreError::NotFound(m)) => (
            None,
            vec![FieldError::new("code", m)],
            StatusCode::NOT_FOUND,
        ),
        Err(e) => (
            None,
            field_errors(e)?
                .into_iter()
                .map(|mut e| {
                    e.field = "code".into();
                    e
                })
                .collect(),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
    };
    let mut r = render(&LookupPage {
        layout: web.layout(),
        code,
        found,
        errors: errors.into(),
    })?;
    *r.status_mut() = status;
    Ok(r)
}

/// The choices of the establishment's particulars on the portal's forms.
pub(crate) struct EstablishChoices {
    /// Entity types as `(code, label)`.
    pub types: Vec<(&'static str, &'static str)>,
    /// Towns as `(point code, name)`.
    pub towns: Vec<(String, String)>,
}

pub(crate) async fn establish_choices(
    s: &AppState,
) -> Result<EstablishChoices, crate::pages::PageError> {
    Ok(EstablishChoices {
        types: pairs(EntityType::ALL, |t| (t.as_str(), t.label())),
        towns: towns(&s.store.points_cached().await?)
            .into_iter()
            .map(|p| (p.code, p.name))
            .collect(),
    })
}

/// The establishment's particulars typed on the portal (`reg_*` fields), the legal
/// representative the signed-in applicant (their verified identity); every fault,
/// each by its field on the form.
pub(crate) fn establishment_online(
    typed: &std::collections::BTreeMap<String, String>,
    a: &tongban_store::applicants::ApplicantSession,
    today: chrono::NaiveDate,
) -> (EstablishInput, Vec<FieldError>) {
    let v = |k: &str| typed.get(&format!("reg_{k}")).cloned().unwrap_or_default();
    let mut errors = vec![];
    let capital = wan_to_fen(
        "capital_wan",
        "注册资本（出资额）",
        &v("capital_wan"),
        &mut errors,
    );
    let input = EstablishInput {
        name: v("name"),
        entity_type: v("entity_type"),
        town: v("town"),
        address: v("address"),
        legal_rep_name: a.name.clone(),
        legal_rep_id_number: a.id_number.clone(),
        legal_rep_phone: a.phone.clone(),
        registered_capital_fen: capital,
        business_scope: v("business_scope"),
        investors: investors_of(&v("investors"), &mut errors),
    };
    if let Err(faults) = input.check(today) {
        for i in faults {
            let e = on_form(FieldError::new(i.field, i.message));
            if !errors.iter().any(|t| t.field == e.field) {
                errors.push(e);
            }
        }
    }
    for e in &mut errors {
        e.field = format!("reg_{}", e.field);
    }
    (input, errors)
}
