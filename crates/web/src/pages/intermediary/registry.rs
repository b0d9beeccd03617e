//! The office keeps the registry of intermediary agencies (督查人员, administrators):
//! registers an agency (its contact then signs in as its enterprise to quote), its
//! qualifications with fee standards, penalties, a suspension; and names the
//! catalog items each intermediary service is needed for.

use crate::AppState;
use crate::pages::{
    Errors, FieldError, Layout, PageForm, PageResult, Web, field_errors, render, status_422,
};
use askama::Template;
use axum::Router;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect};
use axum::routing::{get, post};
use serde::Deserialize;
use tongban_domain::intermediary::{AgencyInput, PenaltyInput, QualificationInput};
use tongban_domain::org::Role;
use tongban_store::intermediary::{AgencyQuery, AgencyView, ServiceNeed, agencies};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/admin/intermediaries", get(list).post(register))
        .route("/admin/intermediaries/services", post(service_items))
        .route("/admin/intermediaries/{code}", get(one))
        .route(
            "/admin/intermediaries/{code}/qualifications",
            post(qualification),
        )
        .route("/admin/intermediaries/{code}/penalties", post(penalty))
        .route("/admin/intermediaries/{code}/suspension", post(suspension))
}

const REFUSAL: &str = "中介机构名录由政务服务管理办公室的督查人员和系统管理员管理。";

fn keeper(web: &Web) -> Result<&tongban_store::org::Principal, crate::pages::PageError> {
    web.staff_as(&[Role::Supervisor, Role::Admin], REFUSAL)
}

#[derive(Template)]
#[template(path = "intermediary/registry.html")]
struct ListPage {
    layout: Layout,
    rows: Vec<AgencyView>,
    needs: Vec<ServiceNeed>,
    services: &'static [(&'static str, &'static str)],
    f: AgencyInput,
    service: String,
    items: String,
    errors: Errors,
}

/// A form's text fields: (id, name, label, value).
type Fields = Vec<(&'static str, &'static str, &'static str, String)>;

impl ListPage {
    fn agency_fields(&self) -> Fields {
        let f = &self.f;
        vec![
            (
                "credit_code",
                "credit_code",
                "统一社会信用代码",
                f.credit_code.clone(),
            ),
            ("name", "name", "机构名称", f.name.clone()),
            ("address", "address", "地址", f.address.clone()),
            (
                "contact_name",
                "contact_name",
                "联系人",
                f.contact_name.clone(),
            ),
            ("phone", "phone", "联系电话", f.phone.clone()),
            (
                "gov_body",
                "gov_body",
                "原主管部门（无则不填）",
                f.gov_body.clone(),
            ),
            (
                "decoupled_on",
                "decoupled_on",
                "脱钩日期（YYYY-MM-DD，未脱钩不填）",
                f.decoupled_on.clone(),
            ),
        ]
    }
}

async fn show_list(
    s: &AppState,
    web: &Web,
    f: AgencyInput,
    (service, items): (String, String),
    errors: Vec<FieldError>,
) -> PageResult {
    let failed = !errors.is_empty();
    let r = render(&ListPage {
        layout: web.layout(),
        rows: agencies::list(&s.store, &AgencyQuery::default(), false).await?,
        needs: agencies::services(&s.store).await?,
        services: super::service_options(),
        f,
        service,
        items,
        errors: errors.into(),
    })?;
    Ok(if failed { status_422(r) } else { r })
}

async fn list(State(s): State<AppState>, web: Web) -> PageResult {
    keeper(&web)?;
    show_list(&s, &web, AgencyInput::default(), Default::default(), vec![]).await
}

#[derive(Deserialize, Default)]
struct AgencyForm {
    #[serde(default)]
    csrf: String,
    #[serde(flatten)]
    agency: AgencyInput,
}

async fn register(
    State(s): State<AppState>,
    web: Web,
    PageForm(f): PageForm<AgencyForm>,
) -> PageResult {
    web.check_csrf(&f.csrf)?;
    let p = keeper(&web)?;
    match agencies::register(&s.store, p, &f.agency).await {
        Ok(a) => {
            Ok(Redirect::to(&format!("/admin/intermediaries/{}", a.credit_code)).into_response())
        }
        Err(e) => show_list(&s, &web, f.agency, Default::default(), field_errors(e)?).await,
    }
}

#[derive(Deserialize, Default)]
struct ItemsForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    service: String,
    /// Item codes, one per line or separated by commas.
    #[serde(default)]
    items: String,
}

async fn service_items(
    State(s): State<AppState>,
    web: Web,
    PageForm(f): PageForm<ItemsForm>,
) -> PageResult {
    web.check_csrf(&f.csrf)?;
    let p = keeper(&web)?;
    let items: Vec<String> = f
        .items
        .split(['\n', ',', '，', '、'])
        .map(|s| s.trim().to_string())
        .collect();
    match agencies::set_service_items(&s.store, p, &f.service, &items).await {
        Ok(()) => Ok(Redirect::to("/admin/intermediaries#services").into_response()),
        Err(e) => {
            let errors = field_errors(e)?;
            show_list(
                &s,
                &web,
                AgencyInput::default(),
                (f.service, f.items),
                errors,
            )
            .await
        }
    }
}

#[derive(Template)]
#[template(path = "intermediary/registry_agency.html")]
struct OnePage {
    layout: Layout,
    a: AgencyView,
    services: &'static [(&'static str, &'static str)],
    q: QualificationInput,
    p: PenaltyInput,
    errors: Errors,
}

impl OnePage {
    fn qualification_fields(&self) -> Fields {
        let q = &self.q;
        vec![
            ("name", "name", "资质名称", q.name.clone()),
            ("level", "level", "资质等级", q.level.clone()),
            ("cert_no", "cert_no", "证书编号", q.cert_no.clone()),
            (
                "valid_from",
                "valid_from",
                "有效期起（YYYY-MM-DD）",
                q.valid_from.clone(),
            ),
            (
                "valid_until",
                "valid_until",
                "有效期至（YYYY-MM-DD）",
                q.valid_until.clone(),
            ),
            (
                "fee_standard",
                "fee_standard",
                "收费标准",
                q.fee_standard.clone(),
            ),
        ]
    }
    fn penalty_fields(&self) -> Fields {
        let p = &self.p;
        vec![
            ("p_reason", "reason", "处罚事由", p.reason.clone()),
            ("p_authority", "authority", "处罚机关", p.authority.clone()),
            (
                "p_decided_on",
                "decided_on",
                "处罚日期（YYYY-MM-DD）",
                p.decided_on.clone(),
            ),
            (
                "p_valid_until",
                "valid_until",
                "公示期至（YYYY-MM-DD）",
                p.valid_until.clone(),
            ),
            ("p_points", "points", "扣分（1至50）", p.points.clone()),
        ]
    }
}

async fn show_one(
    s: &AppState,
    web: &Web,
    code: &str,
    q: QualificationInput,
    p: PenaltyInput,
    errors: Vec<FieldError>,
) -> PageResult {
    let failed = !errors.is_empty();
    let r = render(&OnePage {
        layout: web.layout(),
        a: agencies::agency(&s.store, code, false).await?,
        services: super::service_options(),
        q,
        p,
        errors: errors.into(),
    })?;
    Ok(if failed { status_422(r) } else { r })
}

async fn one(State(s): State<AppState>, web: Web, Path(code): Path<String>) -> PageResult {
    keeper(&web)?;
    show_one(
        &s,
        &web,
        &code,
        Default::default(),
        Default::default(),
        vec![],
    )
    .await
}

#[derive(Deserialize, Default)]
struct QualificationForm {
    #[serde(default)]
    csrf: String,
    #[serde(flatten)]
    q: QualificationInput,
}

async fn qualification(
    State(s): State<AppState>,
    web: Web,
    Path(code): Path<String>,
    PageForm(f): PageForm<QualificationForm>,
) -> PageResult {
    web.check_csrf(&f.csrf)?;
    let p = keeper(&web)?;
    match agencies::add_qualification(&s.store, p, &code, &f.q).await {
        Ok(a) => {
            Ok(Redirect::to(&format!("/admin/intermediaries/{}", a.credit_code)).into_response())
        }
        Err(e) => show_one(&s, &web, &code, f.q, Default::default(), field_errors(e)?).await,
    }
}

#[derive(Deserialize, Default)]
struct PenaltyForm {
    #[serde(default)]
    csrf: String,
    #[serde(flatten)]
    p: PenaltyInput,
}

async fn penalty(
    State(s): State<AppState>,
    web: Web,
    Path(code): Path<String>,
    PageForm(f): PageForm<PenaltyForm>,
) -> PageResult {
    web.check_csrf(&f.csrf)?;
    let p = keeper(&web)?;
    match agencies::add_penalty(&s.store, p, &code, &f.p).await {
        Ok(a) => {
            Ok(Redirect::to(&format!("/admin/intermediaries/{}", a.credit_code)).into_response())
        }
        Err(e) => {
            let mut errors = field_errors(e)?;
            // The penalty form's fields are prefixed on the page.
            for e in &mut errors {
                e.field = format!("p_{}", e.field);
            }
            show_one(&s, &web, &code, Default::default(), f.p, errors).await
        }
    }
}

#[derive(Deserialize, Default)]
struct SuspensionForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    suspend: String,
}

async fn suspension(
    State(s): State<AppState>,
    web: Web,
    Path(code): Path<String>,
    PageForm(f): PageForm<SuspensionForm>,
) -> PageResult {
    web.check_csrf(&f.csrf)?;
    let p = keeper(&web)?;
    let a = agencies::suspend(&s.store, p, &code, f.suspend == "1").await?;
    Ok(Redirect::to(&format!("/admin/intermediaries/{}", a.credit_code)).into_response())
}
