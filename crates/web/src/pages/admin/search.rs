//! 搜索同义词: the words people type and the catalog's words they mean, kept by
//! administrators; the portal's search widens a query with them.

use super::{admin, status_422};
use crate::AppState;
use crate::pages::{Errors, FieldError, Layout, PageForm, PageResult, Web, field_errors, render};
use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect};
use axum::routing::get;
use serde::Deserialize;
use tongban_store::catalog::{self, Synonym};

pub fn router() -> Router<AppState> {
    Router::new().route("/admin/catalog/synonyms", get(page).post(save))
}

#[derive(Template)]
#[template(path = "admin/synonyms.html")]
struct SynonymsPage {
    layout: Layout,
    synonyms: Vec<Synonym>,
    form: SynonymForm,
    errors: Errors,
}

#[derive(Debug, Default, Deserialize)]
struct SynonymForm {
    #[serde(default)]
    csrf: String,
    /// `save` or `delete`.
    #[serde(default)]
    what: String,
    #[serde(default)]
    term: String,
    #[serde(default)]
    means: String,
}

async fn show(s: &AppState, web: &Web, form: SynonymForm, errors: Vec<FieldError>) -> PageResult {
    let failed = !errors.is_empty();
    let r = render(&SynonymsPage {
        layout: web.layout(),
        synonyms: catalog::synonyms(&mut *s.store.reader().await?).await?,
        form,
        errors: errors.into(),
    })?;
    Ok(if failed { status_422(r) } else { r })
}

async fn page(State(s): State<AppState>, web: Web) -> PageResult {
    admin(&web)?;
    show(&s, &web, SynonymForm::default(), vec![]).await
}

async fn save(
    State(s): State<AppState>,
    web: Web,
    PageForm(f): PageForm<SynonymForm>,
) -> PageResult {
    web.check_csrf(&f.csrf)?;
    let p = admin(&web)?;
    let r = if f.what == "delete" {
        catalog::delete_synonym(&s.store, f.term.trim(), &p.actor()).await
    } else {
        catalog::save_synonym(&s.store, &f.term, &f.means, &p.actor()).await
    };
    match r {
        Ok(()) => Ok(Redirect::to("/admin/catalog/synonyms").into_response()),
        Err(tongban_store::StoreError::NotFound(m)) => {
            show(
                &s,
                &web,
                SynonymForm::default(),
                vec![FieldError::new("term", m)],
            )
            .await
        }
        Err(e) => show(&s, &web, f, field_errors(e)?).await,
    }
}
