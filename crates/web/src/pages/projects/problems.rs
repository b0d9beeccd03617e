//! 问题协调 on the project page: a department raises a problem (what, which
//! department must act, by when); the acting or the lead department records the
//! result.

use crate::AppState;
use crate::pages::{FieldError, PageForm, PageResult, Web, field_errors};
use axum::Router;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect};
use axum::routing::post;
use tongban_store::projects::problems::{self, ProblemInput};

use super::acceptance::RequestForm;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/projects/{code}/problems", post(raise))
        .route("/projects/{code}/problems/{id}/result", post(resolve))
}

async fn raise(
    State(s): State<AppState>,
    web: Web,
    Path(code): Path<String>,
    PageForm(f): PageForm<RequestForm>,
) -> PageResult {
    web.check_csrf(&f.csrf)?;
    let p = web.staff()?;
    let input = ProblemInput {
        description: f.description.clone(),
        department: f.department.clone(),
        due_on: f.due_on.clone(),
    };
    match problems::raise(&s.store, p, &code, &input).await {
        Ok(v) => {
            Ok(Redirect::to(&format!("/projects/{}#problems", v.project_code)).into_response())
        }
        Err(e) => {
            let errors = field_errors(e)?;
            super::show_project(&s, &web, &code, f, errors).await
        }
    }
}

async fn resolve(
    State(s): State<AppState>,
    web: Web,
    Path((code, id)): Path<(String, String)>,
    PageForm(f): PageForm<RequestForm>,
) -> PageResult {
    web.check_csrf(&f.csrf)?;
    let p = web.staff()?;
    let Ok(id) = id.parse::<i64>() else {
        let e = FieldError::new("result", "协调问题编号无效");
        return super::show_project(&s, &web, &code, f, vec![e]).await;
    };
    match problems::resolve(&s.store, p, Some(&code), id, &f.result).await {
        Ok(v) => {
            Ok(Redirect::to(&format!("/projects/{}#problems", v.project_code)).into_response())
        }
        Err(e) => {
            let errors = field_errors(e)?;
            super::show_project(&s, &web, &code, f, errors).await
        }
    }
}
