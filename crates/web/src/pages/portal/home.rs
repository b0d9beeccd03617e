//! The public portal: home with search and entries by department and life event, the
//! service guide of each item (办事指南) rendered from the version in force, and the
//! progress query by case number plus the last six characters of the ID.

use crate::AppState;
use crate::pages::urlencode;
use crate::pages::{Errors, FieldError, Layout, PageError, PageResult, Web, render};
use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::routing::get;
use serde::Deserialize;
use tongban_domain::catalog::ItemContent;
use tongban_store::catalog::{self, DepartmentCount, Item, ItemFilter, VersionSummary};
use tongban_store::{cases, time};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(home))
        .route("/items", get(items))
        .route("/items/{code}", get(guide))
        .route("/progress", get(progress).post(progress_posted))
}

/// Life events (一件事) and themes, each a search over the catalog's themes and names.
const LIFE_EVENTS: &[(&str, &str)] = &[
    ("开办企业", "开办企业"),
    ("餐饮开店", "餐饮开店"),
    ("生育收养", "生育收养"),
    ("户籍办理", "户籍办理"),
    ("婚姻登记", "婚姻登记"),
    ("出境入境", "出境入境"),
    ("社会保障", "社会保障"),
    ("社会救助", "社会救助"),
    ("养老服务", "养老服务"),
    ("就业创业", "就业创业"),
    ("不动产登记", "不动产登记"),
    ("工程建设", "工程建设"),
];

/// The most common searches of a county portal, each with the item it must find
/// (`assets/common-searches.csv`; a test holds the demo catalog to it).
const COMMON_SEARCHES_CSV: &str = include_str!("../../../../../assets/common-searches.csv");

/// The searches people make most, offered as links.
fn common_searches() -> Vec<&'static str> {
    COMMON_SEARCHES_CSV
        .lines()
        .skip(1)
        .filter_map(|l| l.split(',').next())
        .map(str::trim)
        .filter(|q| !q.is_empty())
        .fold(vec![], |mut acc, q| {
            if !acc.contains(&q) {
                acc.push(q);
            }
            acc
        })
}

#[derive(Template)]
#[template(path = "portal/home.html")]
struct HomePage {
    layout: Layout,
    departments: Vec<DepartmentCount>,
    events: &'static [(&'static str, &'static str)],
    common: Vec<&'static str>,
    /// Items in use and, apart, their sub-items: as the dashboard and the report
    /// count them.
    items_in_use: i64,
    sub_items_in_use: i64,
    points: usize,
    /// 一件事一次办, by kind of event.
    bundles: Vec<(&'static str, Vec<tongban_store::bundles::BundleView>)>,
}

async fn home(State(s): State<AppState>, web: Web) -> PageResult {
    let today = time::local_day(time::now());
    let departments = catalog::counts_by_department(&s.store, today).await?;
    let points = s.store.points_cached().await?.len();
    let page = HomePage {
        layout: web.layout(),
        items_in_use: departments.iter().map(|d| d.items - d.sub_items).sum(),
        sub_items_in_use: departments.iter().map(|d| d.sub_items).sum(),
        departments,
        events: LIFE_EVENTS,
        common: common_searches().into_iter().take(12).collect(),
        points,
        bundles: crate::pages::bundles::by_event(
            tongban_store::bundles::in_use(&s.store, today).await?,
        ),
    };
    Ok(web.finish(render(&page)?))
}

#[derive(Deserialize)]
struct ItemsQuery {
    q: Option<String>,
    department: Option<String>,
    page: Option<String>,
}

#[derive(Template)]
#[template(path = "portal/items.html")]
struct ItemsPage {
    layout: Layout,
    q: String,
    department: String,
    departments: Vec<DepartmentCount>,
    items: Vec<Item>,
    total: i64,
    page: i64,
    pages: i64,
    errors: Errors,
    /// When nothing was found: the query's own words to try one by one, and the
    /// common searches.
    words: Vec<String>,
    common: Vec<&'static str>,
    events: &'static [(&'static str, &'static str)],
    /// "One thing" bundles the search names.
    bundles: Vec<tongban_store::bundles::BundleView>,
}

impl ItemsPage {
    fn link(&self, page: i64) -> String {
        let mut url = format!("/items?page={page}");
        for (k, v) in [("q", &self.q), ("department", &self.department)] {
            if !v.is_empty() {
                url.push_str(&format!("&{k}={}", urlencode(v)));
            }
        }
        url
    }
}

async fn items(State(s): State<AppState>, web: Web, Query(q): Query<ItemsQuery>) -> PageResult {
    let today = time::local_day(time::now());
    let page = q
        .page
        .as_deref()
        .and_then(|p| p.parse::<i64>().ok())
        .filter(|p| (1..=10_000).contains(p))
        .unwrap_or(1);
    let query = q.q.unwrap_or_default().trim().to_string();
    let department = q.department.unwrap_or_default();
    let mut errors = vec![];
    let (items, total) = match catalog::list_items(
        &s.store,
        &ItemFilter {
            q: Some(query.clone()),
            department: Some(department.clone()),
            status: Some("in_use".into()),
            page: Some(page),
            per_page: Some(catalog::PAGE_SIZE),
        },
        today,
    )
    .await
    {
        Ok(r) => r,
        Err(tongban_store::StoreError::Invalid(i)) => {
            errors.push(FieldError::new("q", i.message));
            (vec![], 0)
        }
        Err(e) => return Err(e.into()),
    };
    let departments = catalog::counts_by_department(&s.store, today).await?;
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let words = if total == 0 && !query.is_empty() {
        catalog::search_terms(&query)
            .into_iter()
            .filter(|w| *w != query)
            .take(5)
            .collect()
    } else {
        vec![]
    };
    // The bundles the search names (by name, theme or an item inside), beside the items.
    let bundles = if query.is_empty() {
        vec![]
    } else {
        tongban_store::bundles::in_use(&s.store, today)
            .await?
            .into_iter()
            .filter(|b| {
                b.name.contains(&query)
                    || b.theme.contains(&query)
                    || query.contains(&b.theme)
                    || b.items.iter().any(|(_, n)| n.contains(&query))
            })
            .collect()
    };
    let pg = ItemsPage {
        layout: web.layout(),
        bundles,
        words,
        common: common_searches(),
        events: LIFE_EVENTS,
        pages: (total + catalog::PAGE_SIZE - 1) / catalog::PAGE_SIZE,
        q: query,
        department,
        departments,
        items,
        total,
        page,
        errors: errors.into(),
    };
    let mut resp = render(&pg)?;
    *resp.status_mut() = status;
    Ok(web.finish(resp))
}

#[derive(Template)]
#[template(path = "portal/guide.html")]
struct GuidePage {
    layout: Layout,
    item: Item,
    content: ItemContent,
    history: Vec<VersionSummary>,
    /// Where to go: each point with its address, hours, phone and windows.
    places: Vec<tongban_store::org::Place>,
    /// The office's phone for questions and complaints (机构设置).
    office_phone: String,
    on: String,
    /// The intermediary services the item needs (中介服务), by name.
    intermediaries: Vec<&'static str>,
}

impl GuidePage {
    fn unit(u: &str) -> &'static str {
        if u == "natural" {
            "自然日"
        } else {
            "工作日"
        }
    }
    fn yuan(fen: &i64) -> String {
        format!("{}.{:02} 元", fen / 100, fen % 100)
    }
}

async fn guide(State(s): State<AppState>, web: Web, Path(code): Path<String>) -> PageResult {
    let today = time::local_day(time::now());
    let mut conn = s.store.reader().await?;
    let item = catalog::item_in_force(&mut conn, &code, today)
        .await?
        .ok_or_else(|| {
            PageError::new(
                StatusCode::NOT_FOUND,
                "未找到该事项",
                format!("事项编码“{code}”不存在或尚未生效。"),
            )
        })?;
    drop(conn);
    let content = item.content()?.clone();
    let history = catalog::history(&s.store, &code, true).await?;
    let places = tongban_store::org::places(
        &s.store.points_cached().await?,
        &s.store.windows_cached().await?,
        &item.department.code,
        content.accept_center,
        &content.accept_points,
    );
    let office_phone = s.store.office_phone_cached().await?;
    let intermediaries =
        tongban_store::intermediary::agencies::item_services(&s.store, &item.code).await?;
    let page = GuidePage {
        intermediaries,
        layout: web.layout(),
        item,
        content,
        history,
        places,
        office_phone,
        on: time::day(today),
    };
    Ok(web.finish(render(&page)?))
}

#[derive(Deserialize)]
struct ProgressQuery {
    case_no: Option<String>,
    last_six: Option<String>,
}

#[derive(Template)]
#[template(path = "portal/progress.html")]
struct ProgressPage {
    layout: Layout,
    case_no: String,
    last_six: String,
    errors: Errors,
    case: Option<cases::CaseView>,
}

impl ProgressPage {}

/// The form, with the case number filled in when linked from a notice's QR code. The
/// form posts the ID ending, so it stays out of addresses, histories and logs; an old
/// link that carries it in the query is still answered.
async fn progress(
    State(s): State<AppState>,
    web: Web,
    from: crate::extract::ClientAddr,
    Query(q): Query<ProgressQuery>,
) -> PageResult {
    // A link with the case number alone (the notice's QR code) only fills the form.
    let asked = q.last_six.as_deref().is_some_and(|v| !v.trim().is_empty());
    progress_page(&s, web, from, q, asked).await
}

/// Querying changes nothing, so the form needs no CSRF token.
async fn progress_posted(
    State(s): State<AppState>,
    web: Web,
    from: crate::extract::ClientAddr,
    crate::pages::PageForm(q): crate::pages::PageForm<ProgressQuery>,
) -> PageResult {
    progress_page(&s, web, from, q, true).await
}

async fn progress_page(
    s: &AppState,
    web: Web,
    crate::extract::ClientAddr(from): crate::extract::ClientAddr,
    q: ProgressQuery,
    asked: bool,
) -> PageResult {
    let case_no = q.case_no.unwrap_or_default().trim().to_string();
    let last_six = q.last_six.unwrap_or_default().trim().to_string();
    let mut page = ProgressPage {
        layout: web.layout(),
        case_no: case_no.clone(),
        last_six: last_six.clone(),
        errors: Errors::default(),
        case: None,
    };
    if asked {
        let parsed = tongban_domain::case::CaseNo::parse(&case_no);
        match &parsed {
            _ if case_no.is_empty() => page
                .errors
                .push(FieldError::new("case_no", "请输入办件编号")),
            Err(e) => page
                .errors
                .push(FieldError::new("case_no", e.message.clone())),
            Ok(_) => {}
        }
        if last_six.chars().count() != 6 {
            page.errors.push(FieldError::new(
                "last_six",
                "请输入申请人证件号码或统一社会信用代码的后六位",
            ));
        }
        if let (true, Ok(no)) = (page.errors.is_empty(), &parsed) {
            match cases::public_progress(&s.store, no, &last_six, &from).await {
                Ok(c) => page.case = Some(c),
                Err(tongban_store::StoreError::NotFound(m))
                | Err(tongban_store::StoreError::Locked(m)) => {
                    page.errors.push(FieldError::new("case_no", m))
                }
                Err(e) => return Err(e.into()),
            }
        }
    }
    let status = if page.errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let mut resp = render(&page)?;
    *resp.status_mut() = status;
    Ok(web.finish(resp))
}
