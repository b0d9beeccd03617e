//! 项目全流程跟踪 for the owner, without a login: the project code and the owner's
//! unified social credit code, then every stage, every department's case with its
//! state and deadline, the working days used against the limits, and the joint
//! acceptances. The same as JSON at `/api/v1/project-tracking`.

use crate::AppState;
use crate::extract::ClientAddr;
use crate::pages::{Errors, FieldError, Layout, PageForm, PageResult, Web, field_errors, render};
use askama::Template;
use axum::Router;
use axum::extract::{Query, State};
use axum::routing::get;
use serde::Deserialize;
use tongban_store::projects::tracking::{self, Tracking};

pub fn router() -> Router<AppState> {
    Router::new().route("/projects/track", get(form).post(posted))
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct TrackQuery {
    #[serde(default)]
    pub code: String,
    #[serde(default)]
    pub credit_code: String,
}

#[derive(Template)]
#[template(path = "projects/track.html")]
struct TrackPage {
    layout: Layout,
    q: TrackQuery,
    errors: Errors,
    t: Option<Tracking>,
}

/// A link with both filled in answers at once; otherwise the form.
async fn form(
    State(s): State<AppState>,
    web: Web,
    from: ClientAddr,
    Query(q): Query<TrackQuery>,
) -> PageResult {
    let asked = !q.code.trim().is_empty() && !q.credit_code.trim().is_empty();
    page(&s, web, from, q, asked).await
}

/// Looking changes nothing, so the form needs no CSRF token.
async fn posted(
    State(s): State<AppState>,
    web: Web,
    from: ClientAddr,
    PageForm(q): PageForm<TrackQuery>,
) -> PageResult {
    page(&s, web, from, q, true).await
}

async fn page(
    s: &AppState,
    web: Web,
    ClientAddr(from): ClientAddr,
    q: TrackQuery,
    asked: bool,
) -> PageResult {
    let mut errors = vec![];
    let mut t = None;
    if asked {
        if q.code.trim().is_empty() {
            errors.push(FieldError::new("code", "请输入项目代码"));
        }
        if q.credit_code.trim().is_empty() {
            errors.push(FieldError::new(
                "credit_code",
                "请输入建设单位统一社会信用代码",
            ));
        }
        if errors.is_empty() {
            match tracking::track(&s.store, &q.code, &q.credit_code, &from).await {
                Ok(v) => t = Some(v),
                Err(tongban_store::StoreError::NotFound(m)) => {
                    errors.push(FieldError::new("code", m));
                }
                Err(e) => errors = field_errors(e)?,
            }
        }
    }
    let failed = !errors.is_empty();
    let r = render(&TrackPage {
        layout: web.layout(),
        q,
        errors: errors.into(),
        t,
    })?;
    Ok(if failed {
        crate::pages::status_422(r)
    } else {
        r
    })
}
