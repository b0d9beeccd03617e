//! The public side of "one thing" bundles: the list by kind of event, the guide
//! generated from the items inside, the online application (one form, each
//! material uploaded once, "check your answers", submit) and the applicant's own
//! bundle with its one number and one result.

use crate::AppState;
use crate::pages::portal::applicant::{
    Answers, Posted, applicant_or_login, new_draft, not_submitted, posted, unprocessable,
    valid_draft,
};
use crate::pages::registration::{EstablishChoices, establish_choices, establishment_online};
use crate::pages::{Errors, Layout, PageError, PageForm, PageResult, Web, render};
use askama::Template;
use axum::Router;
use axum::extract::{DefaultBodyLimit, Multipart, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use axum::routing::{get, post};
use serde::Deserialize;
use tongban_domain::bundle::{BundleApplicationInput, Event};
use tongban_store::bundles::{self, BundleApplicationView, BundleGuide, BundleView};
use tongban_store::cases::Creator;
use tongban_store::files::{self, Upload};
use tongban_store::{StoreError, time};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/bundles", get(list))
        .route("/bundles/{code}", get(guide))
        .route("/apply/bundle/{code}", get(apply_form))
        .route(
            "/apply/bundle/{code}",
            post(apply_upload).layer(DefaultBodyLimit::max(40 * 1024 * 1024)),
        )
        .route("/apply/bundle/{code}/submit", post(submit))
        .route("/account/bundles/{no}", get(mine))
}

/// Bundles grouped by kind of event, then theme.
pub(crate) fn by_event(all: Vec<BundleView>) -> Vec<(&'static str, Vec<BundleView>)> {
    Event::ALL
        .iter()
        .map(|e| {
            (
                e.label(),
                all.iter().filter(|b| b.event == *e).cloned().collect(),
            )
        })
        .filter(|(_, v): &(_, Vec<BundleView>)| !v.is_empty())
        .collect()
}

#[derive(Template)]
#[template(path = "bundles/list.html")]
struct ListPage {
    layout: Layout,
    groups: Vec<(&'static str, Vec<BundleView>)>,
}

async fn list(State(s): State<AppState>, web: Web) -> PageResult {
    let all = bundles::in_use(&s.store, time::local_day(time::now())).await?;
    Ok(web.finish(render(&ListPage {
        layout: web.layout(),
        groups: by_event(all),
    })?))
}

#[derive(Template)]
#[template(path = "bundles/guide.html")]
struct GuidePage {
    layout: Layout,
    g: BundleGuide,
    on: String,
}

impl GuidePage {
    fn yuan(fen: &i64) -> String {
        format!("{:.2} 元", *fen as f64 / 100.0)
    }
}

async fn guide(State(s): State<AppState>, web: Web, Path(code): Path<String>) -> PageResult {
    let g = bundles::guide(&s.store, &code).await?;
    Ok(web.finish(render(&GuidePage {
        layout: web.layout(),
        g,
        on: time::day(time::local_day(time::now())),
    })?))
}

/// The guide of a bundle open to online applications.
async fn online_guide(s: &AppState, code: &str) -> Result<BundleGuide, PageError> {
    let g = bundles::guide(&s.store, code).await?;
    if !g.online {
        return Err(PageError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "暂不能网上申请",
            format!(
                "“{}”中有事项暂不支持网上申请，请到政务服务中心综合窗口办理。",
                g.bundle.name
            ),
        ));
    }
    Ok(g)
}

/// The choices of the establishment's particulars when the bundle opens a business.
async fn reg_of(s: &AppState, g: &BundleGuide) -> Result<Option<EstablishChoices>, PageError> {
    match g.establishment {
        true => Ok(Some(establish_choices(s).await?)),
        false => Ok(None),
    }
}

#[derive(Template)]
#[template(path = "bundles/apply.html")]
struct ApplyPage {
    layout: Layout,
    g: BundleGuide,
    applicant_name: String,
    applicant_id: String,
    answers: Answers,
    uploaded: Vec<Upload>,
    errors: Errors,
    /// A bundle opening a business: the choices of the establishment's particulars.
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
    let a = match applicant_or_login(&web, &format!("/apply/bundle/{code}")) {
        Ok(a) => a,
        Err(r) => return Ok(r.into_response()),
    };
    let g = online_guide(&s, &code).await?;
    let draft = q.draft.filter(|d| valid_draft(d)).unwrap_or_else(new_draft);
    let uploaded = files::draft_files(&s.store, &draft, &a.id_digest).await?;
    render(&ApplyPage {
        layout: web.layout(),
        reg: reg_of(&s, &g).await?,
        g,
        applicant_name: a.name.clone(),
        applicant_id: a.masked_id(),
        answers: Answers {
            draft,
            kind: "person".into(),
            ..Default::default()
        },
        uploaded,
        errors: Errors::default(),
    })
}

#[derive(Template)]
#[template(path = "bundles/apply_check.html")]
struct CheckPage {
    layout: Layout,
    g: BundleGuide,
    /// The joined form's fields as `(name, label, answer)`.
    fields: Vec<(String, String, String)>,
    applicant_name: String,
    applicant_id: String,
    phone: String,
    answers: Answers,
    uploaded: Vec<Upload>,
    /// A bundle opening a business: its particulars shown and carried.
    establish: bool,
}

/// The form with its files: keeps the files, checks the answers, and shows the form
/// again with its faults or the answers to check before submitting.
async fn apply_upload(
    State(s): State<AppState>,
    web: Web,
    Path(code): Path<String>,
    mut form: Multipart,
) -> PageResult {
    let a = match applicant_or_login(&web, &format!("/apply/bundle/{code}")) {
        Ok(a) => a,
        Err(r) => return Ok(r.into_response()),
    };
    let g = online_guide(&s, &code).await?;
    let reg = reg_of(&s, &g).await?;
    let materials: Vec<(&str, bool)> = g
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
        &g.fields,
        &materials,
        reg.is_some(),
    )
    .await?;
    if !errors.is_empty() {
        let page = ApplyPage {
            layout: web.layout(),
            reg,
            g,
            applicant_name: a.name.clone(),
            applicant_id: a.masked_id(),
            answers,
            uploaded,
            errors: errors.into(),
        };
        return Ok(unprocessable(render(&page)?));
    }
    render(&CheckPage {
        layout: web.layout(),
        establish: reg.is_some(),
        fields: g
            .fields
            .iter()
            .map(|f| (f.name.clone(), f.label.clone(), answers.answer(&f.name)))
            .collect(),
        g,
        applicant_name: a.name.clone(),
        applicant_id: a.masked_id(),
        phone: tongban_domain::codes::mask_phone(&a.phone),
        answers,
        uploaded,
    })
}

/// Files the bundle from the checked answers: one number, a case per item.
async fn submit(
    State(s): State<AppState>,
    web: Web,
    Path(code): Path<String>,
    PageForm(answers): PageForm<Answers>,
) -> PageResult {
    web.check_csrf(&answers.csrf)?;
    let a = match applicant_or_login(&web, &format!("/apply/bundle/{code}")) {
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
    let g = online_guide(&s, &code).await?;
    let registration = if g.establishment {
        let (input, faults) = establishment_online(&answers.rest, &a, time::local_day(time::now()));
        if !faults.is_empty() {
            return not_submitted(StoreError::Faults(
                faults
                    .into_iter()
                    .map(|f| tongban_domain::Invalid::new("registration", f.message))
                    .collect(),
            ));
        }
        Some(input)
    } else {
        None
    };
    let input = BundleApplicationInput {
        registration,
        channel: Some("online".into()),
        applicant: Some(answers.applicant().unwrap_or_else(|| {
            tongban_domain::case::ApplicantInput {
                kind: Some("person".into()),
                ..Default::default()
            }
        })),
        form: answers.form(),
        note: Some(answers.note.clone()).filter(|n| !n.is_empty()),
        draft: Some(answers.draft.clone()),
        ..Default::default()
    };
    match bundles::apply(&s.store, Creator::Applicant(&a), &code, &input, &[]).await {
        Ok(b) => Ok(
            Redirect::to(&format!("/account/bundles/{}?new=1", b.application_no)).into_response(),
        ),
        Err(e) => not_submitted(e),
    }
}

#[derive(Template)]
#[template(path = "bundles/mine.html")]
struct MinePage {
    layout: Layout,
    b: BundleApplicationView,
    /// Just submitted: the confirmation first.
    new: bool,
}

#[derive(Deserialize)]
struct NewQuery {
    new: Option<String>,
}

async fn mine(
    State(s): State<AppState>,
    web: Web,
    Path(no): Path<String>,
    Query(q): Query<NewQuery>,
) -> PageResult {
    let a = match applicant_or_login(&web, &format!("/account/bundles/{no}")) {
        Ok(a) => a,
        Err(r) => return Ok(r.into_response()),
    };
    let b = bundles::own_application(&s.store, &a, &no).await?;
    render(&MinePage {
        layout: web.layout(),
        b,
        new: q.new.is_some(),
    })
}
