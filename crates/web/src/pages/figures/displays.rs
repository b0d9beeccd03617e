//! 大屏展示链接: supervisors and administrators issue a link for a screen in the
//! hall (shown without a staff login), see where links are in use, and revoke them.

use crate::AppState;
use crate::pages::{Errors, FieldError, Layout, PageError, PageForm, PageResult, Web, render};
use askama::Template;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use tongban_store::displays::{self, DisplayLink};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/dashboard/displays", get(page).post(create))
        .route("/dashboard/displays/{id}/revoke", post(revoke))
}

#[derive(Template)]
#[template(path = "figures/displays.html")]
struct DisplaysPage {
    layout: Layout,
    links: Vec<DisplayLink>,
    /// A link just issued: its name and address, shown this once.
    created: Option<(String, String)>,
    name: String,
    errors: Errors,
}

async fn show(
    s: &AppState,
    web: &Web,
    created: Option<(String, String)>,
    name: String,
    errors: Errors,
) -> Result<Response, PageError> {
    let p = web.staff()?;
    let links = displays::list(&s.store, p).await?;
    render(&DisplaysPage {
        layout: web.layout(),
        links,
        created,
        name,
        errors,
    })
}

async fn page(State(s): State<AppState>, web: Web) -> PageResult {
    show(&s, &web, None, String::new(), Errors::default()).await
}

#[derive(Deserialize)]
struct CreateForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    name: String,
}

async fn create(
    State(s): State<AppState>,
    web: Web,
    PageForm(f): PageForm<CreateForm>,
) -> PageResult {
    web.check_csrf(&f.csrf)?;
    let p = web.staff()?;
    match displays::create(&s.store, p, &f.name).await {
        Ok((link, token)) => {
            show(
                &s,
                &web,
                Some((link.name, format!("/wall/{token}"))),
                String::new(),
                Errors::default(),
            )
            .await
        }
        Err(tongban_store::StoreError::Invalid(i)) => {
            let mut r = show(
                &s,
                &web,
                None,
                f.name,
                vec![FieldError::new(i.field, i.message)].into(),
            )
            .await?;
            *r.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
            Ok(r)
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize)]
struct RevokeForm {
    #[serde(default)]
    csrf: String,
}

async fn revoke(
    State(s): State<AppState>,
    web: Web,
    Path(id): Path<String>,
    PageForm(f): PageForm<RevokeForm>,
) -> Result<Response, PageError> {
    web.check_csrf(&f.csrf)?;
    let p = web.staff()?;
    let id: i64 = id.parse().map_err(|_| {
        PageError::new(
            StatusCode::NOT_FOUND,
            "展示链接不存在",
            "该大屏展示链接不存在或已停用。",
        )
    })?;
    displays::revoke(&s.store, p, id).await?;
    Ok(Redirect::to("/dashboard/displays").into_response())
}
