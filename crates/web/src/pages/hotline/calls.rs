//! 12345 call records for agents and supervisors (`/hotline/calls`): upload the
//! switch's CSV call log and see what was imported, recent calls with the caller
//! masked, and the missed calls to call back (漏话回拨) with a "已回拨" action. Also
//! the administrators' page of channel keys (`/admin/channels`).

use crate::AppState;
use crate::pages::{Errors, FieldError, Layout, PageError, PageForm, PageResult, Web, render};
use askama::Template;
use axum::Router;
use axum::extract::{DefaultBodyLimit, Multipart, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use axum::routing::{get, post};
use serde::Deserialize;
use tongban_domain::org::Role;
use tongban_store::StoreError;
use tongban_store::calls::{self, CallView, ImportSummary};
use tongban_store::intake::{self, ChannelKey, KEYED_CHANNELS};
use tongban_store::org::Principal;

/// Largest call log accepted from the page.
const MAX_UPLOAD: usize = 20 * 1024 * 1024;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/hotline/calls", get(page))
        .route(
            "/hotline/calls/import",
            post(upload).layer(DefaultBodyLimit::max(MAX_UPLOAD)),
        )
        .route("/hotline/calls/{call_id}/callback", post(callback))
        .route("/admin/channels", get(channels).post(create_channel_key))
        .route("/admin/channels/{id}/deactivate", post(deactivate))
}

fn worker(web: &Web) -> Result<&Principal, PageError> {
    let p = web.staff()?;
    match p.role {
        Role::HotlineAgent | Role::Supervisor | Role::Admin => Ok(p),
        _ => Err(PageError::new(
            StatusCode::FORBIDDEN,
            "无权操作",
            "话务记录仅供12345话务员、督查人员和管理员使用。",
        )),
    }
}

#[derive(Template)]
#[template(path = "hotline/calls.html")]
struct CallsPage {
    layout: Layout,
    summary: Option<ImportSummary>,
    missed: Vec<CallView>,
    recent: Vec<CallView>,
    total: i64,
    may_work: bool,
    done: Option<String>,
    errors: Errors,
}

async fn calls_page(
    s: &AppState,
    web: &Web,
    summary: Option<ImportSummary>,
    done: Option<String>,
    errors: Vec<FieldError>,
) -> PageResult {
    let p = worker(web)?;
    let missed = calls::missed(&s.store, p, 200).await?;
    let (recent, total) = calls::recent(&s.store, p, 50).await?;
    let failed = !errors.is_empty();
    let mut r = render(&CallsPage {
        layout: web.layout(),
        summary,
        missed,
        recent,
        total,
        may_work: calls::may_work(p).is_ok(),
        done,
        errors: errors.into(),
    })?;
    if failed {
        *r.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(r)
}

#[derive(Deserialize, Default)]
struct Done {
    #[serde(default)]
    done: Option<String>,
}

async fn page(
    State(s): State<AppState>,
    web: Web,
    axum::extract::Query(q): axum::extract::Query<Done>,
) -> PageResult {
    let done = q
        .done
        .filter(|d| d == "callback")
        .map(|_| "已登记回拨。".to_string());
    calls_page(&s, &web, None, done, vec![]).await
}

async fn upload(State(s): State<AppState>, web: Web, mut form: Multipart) -> PageResult {
    let p = worker(&web)?;
    let (mut csrf, mut file, mut broken) = (String::new(), Vec::new(), false);
    loop {
        match form.next_field().await {
            Ok(Some(field)) => match field.name().unwrap_or("") {
                "csrf" => csrf = field.text().await.unwrap_or_default(),
                "file" => match field.bytes().await {
                    Ok(b) => file = b.to_vec(),
                    Err(_) => broken = true,
                },
                _ => {}
            },
            Ok(None) => break,
            Err(_) => {
                broken = true;
                break;
            }
        }
    }
    if broken && csrf.is_empty() {
        return Err(PageError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "无法上传",
            format!(
                "文件过大或上传中断：话务记录文件不能超过{}MB，请分批导入。",
                MAX_UPLOAD / 1024 / 1024
            ),
        ));
    }
    web.check_csrf(&csrf)?;
    calls::may_work(p)?;
    if broken {
        return calls_page(
            &s,
            &web,
            None,
            None,
            vec![FieldError::new(
                "file",
                format!(
                    "文件过大或上传中断：话务记录文件不能超过{}MB，请分批导入",
                    MAX_UPLOAD / 1024 / 1024
                ),
            )],
        )
        .await;
    }
    if file.is_empty() {
        return calls_page(
            &s,
            &web,
            None,
            None,
            vec![FieldError::new(
                "file",
                "请选择交换机导出的话务记录 CSV 文件",
            )],
        )
        .await;
    }
    match calls::import(&s.store, &file, &p.actor(), |_, _| {}).await {
        Ok(summary) => calls_page(&s, &web, Some(summary), None, vec![]).await,
        Err(StoreError::Invalid(i)) => {
            calls_page(
                &s,
                &web,
                None,
                None,
                vec![FieldError::new("file", i.message)],
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize, Default)]
struct CallbackForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    note: String,
}

async fn callback(
    State(s): State<AppState>,
    web: Web,
    Path(call_id): Path<String>,
    PageForm(f): PageForm<CallbackForm>,
) -> PageResult {
    let p = worker(&web)?;
    web.check_csrf(&f.csrf)?;
    match calls::callback(&s.store, p, &call_id, Some(&f.note)).await {
        Ok(_) => Ok(Redirect::to("/hotline/calls?done=callback").into_response()),
        Err(e @ (StoreError::Invalid(_) | StoreError::Conflict { .. })) => {
            let (field, message) = match e {
                StoreError::Invalid(i) => (i.field, i.message),
                StoreError::Conflict { field, message } => (field, message),
                _ => unreachable!(),
            };
            calls_page(&s, &web, None, None, vec![FieldError::new(field, message)]).await
        }
        Err(e) => Err(e.into()),
    }
}

// ---------------------------------------------------------------------------
// /admin/channels: channel keys (渠道接入密钥)

fn admin(web: &Web) -> Result<&Principal, PageError> {
    web.staff_as(&[Role::Admin], "系统管理仅供系统管理员使用。")
}

#[derive(Template)]
#[template(path = "admin/channels.html")]
struct ChannelsPage {
    layout: Layout,
    keys: Vec<ChannelKey>,
    channels: Vec<(&'static str, &'static str)>,
    form: KeyForm,
    created: Option<(String, String)>,
    errors: Errors,
}

#[derive(Deserialize, Default)]
struct KeyForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    channel: String,
    #[serde(default)]
    name: String,
}

async fn channels_page(
    s: &AppState,
    web: &Web,
    form: KeyForm,
    created: Option<(String, String)>,
    errors: Vec<FieldError>,
) -> PageResult {
    admin(web)?;
    let failed = !errors.is_empty();
    let mut r = render(&ChannelsPage {
        layout: web.layout(),
        keys: intake::list_keys(&s.store).await?,
        channels: KEYED_CHANNELS
            .iter()
            .map(|c| (c.as_str(), c.label()))
            .collect(),
        form,
        created,
        errors: errors.into(),
    })?;
    if failed {
        *r.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(r)
}

async fn channels(State(s): State<AppState>, web: Web) -> PageResult {
    channels_page(&s, &web, KeyForm::default(), None, vec![]).await
}

async fn create_channel_key(
    State(s): State<AppState>,
    web: Web,
    PageForm(f): PageForm<KeyForm>,
) -> PageResult {
    let p = admin(&web)?;
    web.check_csrf(&f.csrf)?;
    match intake::create_key(&s.store, &f.channel, &f.name, &p.actor()).await {
        Ok(key) => {
            let name = f.name.trim().to_string();
            channels_page(&s, &web, KeyForm::default(), Some((name, key)), vec![]).await
        }
        Err(StoreError::Invalid(i)) => {
            channels_page(&s, &web, f, None, vec![FieldError::new(i.field, i.message)]).await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize, Default)]
struct CsrfForm {
    #[serde(default)]
    csrf: String,
}

async fn deactivate(
    State(s): State<AppState>,
    web: Web,
    Path(id): Path<i64>,
    PageForm(f): PageForm<CsrfForm>,
) -> PageResult {
    let p = admin(&web)?;
    web.check_csrf(&f.csrf)?;
    match intake::deactivate_key(&s.store, id, &p.actor()).await {
        Ok(()) => Ok(Redirect::to("/admin/channels").into_response()),
        Err(StoreError::Conflict { field, message }) => {
            channels_page(
                &s,
                &web,
                KeyForm::default(),
                None,
                vec![FieldError::new(field, message)],
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}
