//! 中介超市 (part of the portal): the public list of registered intermediary agencies
//! with their qualifications, fee standards, decoupling and credit; the services
//! catalog items need; the published service requests and how each was selected
//! (a random draw's seed and candidates, so anyone can redo it). Owners and
//! agencies act on `business`; the office keeps the registry on `admin`.

use crate::AppState;
use crate::pages::{Layout, PageResult, Web, render, urlencode};
use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::routing::get;
use serde::Deserialize;
use tongban_domain::intermediary::{SERVICES, Service};
use tongban_store::StoreError;
use tongban_store::intermediary::{
    AgencyQuery, AgencyView, Party, RequestQuery, RequestView, ServiceNeed, agencies, market,
};

mod business;
mod office;
mod registry;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/intermediaries", get(list))
        .route("/intermediaries/services", get(services))
        .route("/intermediaries/requests", get(requests))
        .route("/intermediaries/requests/{no}", get(request))
        .route("/intermediaries/agencies/{code}", get(agency))
        .merge(business::router())
        .merge(office::router())
        .merge(registry::router())
}

/// The services for a select list: (code, name).
pub(crate) fn service_options() -> &'static [(&'static str, &'static str)] {
    SERVICES
}

#[derive(Deserialize, Default)]
struct ListQuery {
    #[serde(default)]
    service: String,
    #[serde(default)]
    q: String,
}

fn service_of(s: &str) -> Result<Option<Service>, StoreError> {
    if s.trim().is_empty() {
        Ok(None)
    } else {
        Service::parse(s).map(Some).map_err(StoreError::from)
    }
}

#[derive(Template)]
#[template(path = "intermediary/list.html")]
struct ListPage {
    layout: Layout,
    rows: Vec<AgencyView>,
    services: &'static [(&'static str, &'static str)],
    service: String,
    q: String,
}

async fn list(State(s): State<AppState>, web: Web, Query(q): Query<ListQuery>) -> PageResult {
    let f = AgencyQuery {
        service: service_of(&q.service)?,
        q: q.q.clone(),
    };
    render(&ListPage {
        layout: web.layout(),
        rows: agencies::list(&s.store, &f, true).await?,
        services: service_options(),
        service: q.service.trim().to_string(),
        q: q.q.trim().to_string(),
    })
}

#[derive(Template)]
#[template(path = "intermediary/agency.html")]
struct AgencyPage {
    layout: Layout,
    a: AgencyView,
}

async fn agency(State(s): State<AppState>, web: Web, Path(code): Path<String>) -> PageResult {
    render(&AgencyPage {
        layout: web.layout(),
        a: agencies::agency(&s.store, &code, true).await?,
    })
}

#[derive(Template)]
#[template(path = "intermediary/services.html")]
struct ServicesPage {
    layout: Layout,
    rows: Vec<ServiceNeed>,
}

async fn services(State(s): State<AppState>, web: Web) -> PageResult {
    render(&ServicesPage {
        layout: web.layout(),
        rows: agencies::services(&s.store).await?,
    })
}

#[derive(Deserialize, Default)]
struct RequestsQuery {
    #[serde(default)]
    open: String,
    #[serde(default)]
    service: String,
    #[serde(default)]
    cursor: String,
}

#[derive(Template)]
#[template(path = "intermediary/requests.html")]
struct RequestsPage {
    layout: Layout,
    rows: Vec<RequestView>,
    services: &'static [(&'static str, &'static str)],
    service: String,
    open: bool,
    next: Option<String>,
}

async fn requests(
    State(s): State<AppState>,
    web: Web,
    Query(q): Query<RequestsQuery>,
) -> PageResult {
    let before = match q.cursor.trim() {
        "" => None,
        c => Some(
            c.parse::<i64>()
                .map_err(|_| StoreError::invalid("cursor", "翻页参数 cursor 无效"))?,
        ),
    };
    let service = service_of(&q.service)?;
    let open = q.open == "1";
    let f = RequestQuery {
        open_only: open,
        service: service.map(|s| s.code().to_string()),
        before,
    };
    let (rows, next) = market::requests(&s.store, &Party::Public, &f).await?;
    let next = next.map(|c| {
        format!(
            "/intermediaries/requests?open={}&service={}&cursor={c}",
            if open { "1" } else { "" },
            urlencode(q.service.trim())
        )
    });
    render(&RequestsPage {
        layout: web.layout(),
        rows,
        services: service_options(),
        service: q.service.trim().to_string(),
        open,
        next,
    })
}

#[derive(Template)]
#[template(path = "intermediary/request.html")]
struct RequestPage {
    layout: Layout,
    r: RequestView,
}

async fn request(State(s): State<AppState>, web: Web, Path(no): Path<String>) -> PageResult {
    render(&RequestPage {
        layout: web.layout(),
        r: market::request(&s.store, &Party::Public, &no).await?,
    })
}
