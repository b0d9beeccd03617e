//! 机构设置: the office's name, the appeal bodies its written decisions name, and
//! the local rule of the 12345 satisfaction rate.

use super::{admin, status_422};
use crate::AppState;
use crate::pages::{Errors, Layout, PageForm, PageResult, Web, field_errors, render};
use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::routing::get;
use serde::Deserialize;
use tongban_store::settings::{self, OfficeSettingsInput};

pub fn router() -> Router<AppState> {
    Router::new().route("/admin/settings", get(page).post(save))
}

#[derive(Template)]
#[template(path = "admin/settings.html")]
struct SettingsPage {
    layout: Layout,
    form: SettingsForm,
    errors: Errors,
    saved: bool,
}

#[derive(Debug, Default, Deserialize)]
struct SettingsForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    office_name: String,
    #[serde(default)]
    reconsideration_body: String,
    #[serde(default)]
    court: String,
    #[serde(default)]
    phone: String,
    /// A ticked box sends a value; an unticked one nothing.
    #[serde(default)]
    hotline_basic_satisfied: Option<String>,
    #[serde(default)]
    registration_division: String,
}

async fn page(State(s): State<AppState>, web: Web) -> PageResult {
    admin(&web)?;
    let now = settings::office_settings(&s.store).await?;
    render(&SettingsPage {
        layout: web.layout(),
        form: SettingsForm {
            csrf: String::new(),
            office_name: now.office_name,
            reconsideration_body: now.reconsideration_body,
            court: now.court,
            phone: now.phone,
            hotline_basic_satisfied: now.hotline_basic_satisfied.then(|| "1".into()),
            registration_division: now.registration_division,
        },
        errors: Errors::default(),
        saved: false,
    })
}

async fn save(
    State(s): State<AppState>,
    web: Web,
    PageForm(f): PageForm<SettingsForm>,
) -> PageResult {
    web.check_csrf(&f.csrf)?;
    let p = admin(&web)?;
    let input = OfficeSettingsInput {
        office_name: Some(f.office_name.clone()),
        reconsideration_body: Some(f.reconsideration_body.clone()),
        court: Some(f.court.clone()),
        phone: Some(f.phone.clone()),
        hotline_basic_satisfied: Some(f.hotline_basic_satisfied.is_some()),
        registration_division: Some(f.registration_division.clone()),
    };
    match settings::save_office_settings(&s.store, p, &input).await {
        Ok(_) => render(&SettingsPage {
            layout: web.layout(),
            form: f,
            errors: Errors::default(),
            saved: true,
        }),
        Err(e) => {
            let errors = field_errors(e)?;
            Ok(status_422(render(&SettingsPage {
                layout: web.layout(),
                form: f,
                errors: errors.into(),
                saved: false,
            })?))
        }
    }
}
