//! 数据看板 for managers: the center's figures for a period against a year earlier,
//! as big numbers and server-rendered SVG charts, each chart beside the table of its
//! numbers, every table downloadable as CSV or xlsx; and the wall screen (大屏) for
//! the hall, which reloads itself every minute without JavaScript.

use crate::AppState;
use crate::pages::figures::reports::{attachment, escape, figures_for, manager, period_of, today};
use crate::pages::{Errors, FieldError, Layout, PageError, PageResult, Web, render};
use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::get;
use chrono::{Datelike, NaiveDate};
use serde::Deserialize;
use tongban_domain::metrics::Key;
use tongban_domain::metrics::Period;
use tongban_domain::org::Role;
use tongban_store::dashboards;
use tongban_store::metrics::{self, Figures};
use tongban_store::report::{self, Cell, Table};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/dashboard", get(center))
        .route("/dashboard/catalog", get(catalog))
        .route("/dashboard/points", get(points))
        .route("/dashboard/ratings", get(ratings))
        .route("/dashboard/hotline", get(hotline))
        .route("/dashboard/projects", get(projects))
        .route("/dashboard/supervision", get(supervision))
        .route("/dashboard/trading", get(trading))
        .route("/dashboard/ratings/list", get(rating_list))
        .route("/dashboard/wall", get(wall))
        .route("/wall/{token}", get(wall_by_link))
        .route("/dashboard/cases", get(cases))
        .route("/dashboard/export/{file}", get(export))
        .route("/assets/dashboard.css", get(css))
}

async fn css() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        include_str!("../../../assets/dashboard.css"),
    )
}

#[derive(Deserialize)]
struct Params {
    year: Option<String>,
    from: Option<String>,
    to: Option<String>,
    /// The wall screen: `0` stops its refresh (WCAG 2.2.1, a time limit one can turn off).
    refresh: Option<String>,
}

/// A dashboard of one part of the office's work.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Area {
    Center,
    Catalog,
    Points,
    Ratings,
    Hotline,
    Projects,
    Supervision,
    Trading,
}

impl Area {
    const ALL: [Area; 8] = [
        Area::Center,
        Area::Catalog,
        Area::Points,
        Area::Ratings,
        Area::Hotline,
        Area::Projects,
        Area::Supervision,
        Area::Trading,
    ];

    fn path(self) -> &'static str {
        match self {
            Area::Center => "/dashboard",
            Area::Catalog => "/dashboard/catalog",
            Area::Points => "/dashboard/points",
            Area::Ratings => "/dashboard/ratings",
            Area::Hotline => "/dashboard/hotline",
            Area::Projects => "/dashboard/projects",
            Area::Supervision => "/dashboard/supervision",
            Area::Trading => "/dashboard/trading",
        }
    }

    /// The figures its big numbers and tables need.
    fn parts(self) -> metrics::Parts {
        match self {
            Area::Center => metrics::Parts::ALL,
            Area::Catalog => metrics::Parts::CATALOG,
            Area::Points => metrics::Parts::CASES,
            Area::Ratings => metrics::Parts::RATINGS,
            Area::Hotline => metrics::Parts::HOTLINE,
            Area::Projects => metrics::Parts::PROJECTS,
            // The registers, and the 12345's praise calls and platform satisfaction.
            Area::Supervision => metrics::Parts::SUPERVISION_AND_HOTLINE,
            Area::Trading => metrics::Parts::TRADING,
        }
    }

    fn label(self) -> &'static str {
        match self {
            Area::Center => "政务服务中心",
            Area::Catalog => "事项清单",
            Area::Points => "区镇受理点",
            Area::Ratings => "好差评",
            Area::Hotline => "12345热线",
            Area::Projects => "工程建设",
            Area::Supervision => "窗口监督",
            Area::Trading => "公共资源交易",
        }
    }
}

/// A tab of the dashboards' navigation.
struct Tab {
    href: String,
    label: &'static str,
    current: bool,
}

fn tabs(area: Area, query: &str) -> Vec<Tab> {
    Area::ALL
        .iter()
        .map(|a| Tab {
            href: if query.is_empty() {
                a.path().to_string()
            } else {
                format!("{}?{query}", a.path())
            },
            label: a.label(),
            current: *a == area,
        })
        .collect()
}

/// This year to date.
fn default_period() -> Option<Period> {
    let t = today();
    NaiveDate::from_ymd_opt(t.year(), 1, 1).and_then(|f| Period::range(f, t).ok())
}

/// Everything a dashboard shows for one period.
struct Data {
    figures: Figures,
    period: Period,
    /// The same period a year earlier.
    earlier: Period,
    /// The year of the month chart (the period's last year) and how many of its
    /// months have begun.
    year: i32,
    months_shown: usize,
    months: Table,
}

async fn load(
    s: &AppState,
    q: &Params,
    parts: metrics::Parts,
) -> Result<Result<Data, Vec<FieldError>>, PageError> {
    let period = match period_of(&q.year, &q.from, &q.to, default_period()) {
        Ok(Some(p)) => p,
        Ok(None) => return Ok(Err(vec![FieldError::new("from", "请填写起止日期")])),
        Err(e) => return Ok(Err(e)),
    };
    let field = if q.year.as_deref().is_some_and(|y| !y.trim().is_empty())
        && q.from.as_deref().is_none_or(|f| f.trim().is_empty())
        && q.to.as_deref().is_none_or(|t| t.trim().is_empty())
    {
        "year"
    } else {
        "from"
    };
    let figures = match figures_for(s, &period, field, parts).await? {
        Ok(f) => f,
        Err(e) => return Ok(Err(e)),
    };
    let year = period.to.year();
    // The month chart of cases, on the center's dashboard (and its export).
    let (this, before) = if parts.cases {
        metrics::cases_accepted_months(&s.store, year).await?
    } else {
        ([0; 12], [0; 12])
    };
    let t = today();
    let months_shown = if year == t.year() {
        t.month() as usize
    } else if year > t.year() {
        0
    } else {
        12
    };
    let earlier = period
        .year_earlier()
        .map_err(|e| PageError::new(StatusCode::BAD_REQUEST, "统计期间无效", e.0))?;
    Ok(Ok(Data {
        figures,
        period,
        earlier,
        year,
        months_shown,
        months: report::months_table(year, &this, &before),
    }))
}

/// Colours of a chart: this period, the year before, text.
struct Palette {
    now: &'static str,
    before: &'static str,
    text: &'static str,
    font: u32,
}

const LIGHT: Palette = Palette {
    now: "#0b3d91",
    before: "#6b8bb0",
    text: "#0b0c0c",
    font: 13,
};
const DARK: Palette = Palette {
    now: "#4fc3f7",
    before: "#9e9e9e",
    text: "#ffffff",
    font: 22,
};

/// A bar of a chart: its label, this period's value, the year-earlier value.
struct Bar {
    label: String,
    now: i64,
    before: i64,
}

/// The largest value of a chart (at least 1), or none for a chart without bars.
fn scale(items: &[Bar]) -> Option<f64> {
    items
        .iter()
        .map(|b| b.now.max(b.before).max(1))
        .max()
        .map(|m| m as f64)
}

/// The opening of a chart: an image named by its title, for screen readers.
fn svg_open(id: &str, title: &str, width: f64, height: f64) -> String {
    format!(
        "<svg class=\"chart\" role=\"img\" aria-labelledby=\"{id}-title\" viewBox=\"0 0 {width:.0} {height:.0}\" width=\"100%\" xmlns=\"http://www.w3.org/2000/svg\">\
         <title id=\"{id}-title\">{}</title>",
        escape(title)
    )
}

/// Horizontal bars, this period dark and thick, the year before light and thin.
fn bars(id: &str, title: &str, items: &[Bar], pal: &Palette) -> String {
    let Some(max) = scale(items) else {
        return String::new();
    };
    let f = pal.font as f64;
    let row = f * 2.8;
    let label_w = f * 13.0;
    let bar_w = f * 30.0;
    let height = items.len() as f64 * row + f;
    let mut svg = svg_open(id, title, label_w + bar_w + f * 6.0, height);
    for (i, b) in items.iter().enumerate() {
        let y = i as f64 * row + f * 0.4;
        let w_now = b.now as f64 / max * bar_w;
        let w_before = b.before as f64 / max * bar_w;
        svg.push_str(&format!(
            "<text x=\"{lx:.1}\" y=\"{ty:.1}\" text-anchor=\"end\" font-size=\"{fs}\" fill=\"{text}\">{label}</text>\
             <rect x=\"{bx:.1}\" y=\"{y:.1}\" width=\"{w_now:.1}\" height=\"{h1:.1}\" fill=\"{now}\"/>\
             <rect x=\"{bx:.1}\" y=\"{y2:.1}\" width=\"{w_before:.1}\" height=\"{h2:.1}\" fill=\"{before}\"/>\
             <text x=\"{nx:.1}\" y=\"{ty:.1}\" font-size=\"{fs}\" fill=\"{text}\">{v}</text>",
            lx = label_w - f * 0.5,
            ty = y + f * 1.1,
            fs = pal.font,
            text = pal.text,
            label = escape(&b.label),
            bx = label_w,
            h1 = f * 1.2,
            y2 = y + f * 1.3,
            h2 = f * 0.6,
            now = pal.now,
            before = pal.before,
            nx = label_w + w_now.max(w_before) + f * 0.4,
            v = b.now,
        ));
    }
    svg.push_str("</svg>");
    svg
}

/// Columns per month: this year dark, the year before light beside it.
fn columns(id: &str, title: &str, items: &[Bar], pal: &Palette) -> String {
    let Some(max) = scale(items) else {
        return String::new();
    };
    let f = pal.font as f64;
    let slot = f * 4.0;
    let plot_h = f * 14.0;
    let top = f * 1.6;
    let width = items.len() as f64 * slot + f;
    let height = top + plot_h + f * 2.0;
    let mut svg = svg_open(id, title, width, height);
    svg.push_str(&format!(
        "<line x1=\"0\" y1=\"{base:.1}\" x2=\"{width:.0}\" y2=\"{base:.1}\" stroke=\"{text}\" stroke-width=\"1\"/>",
        base = top + plot_h,
        text = pal.text,
    ));
    for (i, b) in items.iter().enumerate() {
        let x = i as f64 * slot + f * 0.5;
        let h_now = b.now as f64 / max * plot_h;
        let h_before = b.before as f64 / max * plot_h;
        let cw = f * 1.4;
        svg.push_str(&format!(
            "<rect x=\"{x1:.1}\" y=\"{y1:.1}\" width=\"{cw:.1}\" height=\"{h_now:.1}\" fill=\"{now}\"/>\
             <rect x=\"{x2:.1}\" y=\"{y2:.1}\" width=\"{cw:.1}\" height=\"{h_before:.1}\" fill=\"{before}\"/>\
             <text x=\"{tx:.1}\" y=\"{vy:.1}\" text-anchor=\"middle\" font-size=\"{fs}\" fill=\"{text}\">{v}</text>\
             <text x=\"{tx:.1}\" y=\"{ly:.1}\" text-anchor=\"middle\" font-size=\"{fs}\" fill=\"{text}\">{label}</text>",
            x1 = x,
            y1 = top + plot_h - h_now,
            x2 = x + cw,
            y2 = top + plot_h - h_before,
            now = pal.now,
            before = pal.before,
            tx = x + cw,
            vy = top + plot_h - h_now - f * 0.3,
            ly = top + plot_h + f * 1.3,
            fs = pal.font,
            text = pal.text,
            v = b.now,
            label = escape(&b.label),
        ));
    }
    svg.push_str("</svg>");
    svg
}

fn int(c: &Cell) -> i64 {
    match c {
        Cell::Int(n) => *n,
        _ => 0,
    }
}

fn text(c: &Cell) -> String {
    match c {
        Cell::Text(s) => s.clone(),
        other => other.display(),
    }
}

/// Bars from a table: label column, this-period column, year-earlier column.
fn bars_of(t: &Table, label: usize, now: usize, before: usize) -> Vec<Bar> {
    t.rows
        .iter()
        .map(|r| Bar {
            label: text(&r[label]),
            now: int(&r[now]),
            before: int(&r[before]),
        })
        .collect()
}

/// A row of a table on a page: the cells as shown, and where its first cell leads.
struct Row {
    cells: Vec<String>,
    href: Option<String>,
}

/// A chart with its table and export links.
struct Section {
    key: &'static str,
    title: String,
    note: String,
    svg: String,
    /// Column headings, and whether the column holds numbers (aligned right).
    columns: Vec<(&'static str, bool)>,
    rows: Vec<Row>,
}

/// Whether column `i` of a table holds numbers (its first row says).
fn numeric(t: &Table, i: usize) -> bool {
    t.rows
        .first()
        .and_then(|r| r.get(i))
        .is_some_and(|c| !matches!(c, Cell::Text(_)))
}

/// Rows of a table as shown; `skip` leading code columns are left out.
fn rows_of(t: &Table, skip: usize) -> Vec<Row> {
    t.rows
        .iter()
        .map(|r| Row {
            cells: r.iter().skip(skip).map(Cell::display).collect(),
            href: None,
        })
        .collect()
}

fn section(key: &'static str, t: &Table, skip: usize, svg: String, note: String) -> Section {
    Section {
        key,
        title: t.title.to_string(),
        note,
        svg,
        columns: t
            .columns
            .iter()
            .enumerate()
            .skip(skip)
            .map(|(i, c)| (*c, numeric(t, i)))
            .collect(),
        rows: rows_of(t, skip),
    }
}

/// A big number: label, value, comparison, where it leads.
struct Big {
    label: &'static str,
    value: String,
    compare: String,
    href: Option<String>,
}

fn big(f: &Figures, key: Key, label: &'static str, href: Option<String>) -> Big {
    let v = f.get(key);
    let pct = v.is_some_and(|v| v.unit == "%");
    let show = |x: Option<f64>| match x {
        None => "—".to_string(),
        Some(x) if pct => format!("{:.2}%", x * 100.0),
        Some(x) if x.fract() == 0.0 => format!("{x:.0}"),
        Some(x) => format!("{x:.1}"),
    };
    let compare = match v {
        None => String::new(),
        Some(v) => match (v.growth, v.year_earlier) {
            (Some(g), Some(e)) if !pct => format!(
                "上年同期 {}，同比{}{:.1}%",
                show(Some(e)),
                if g >= 0.0 { "增长" } else { "下降" },
                g.abs() * 100.0
            ),
            (_, Some(e)) => format!("上年同期 {}", show(Some(e))),
            (_, None) => "上年同期无数据".into(),
        },
    };
    Big {
        label,
        value: show(v.and_then(|v| v.value)),
        compare,
        href,
    }
}

/// Links each row of a section to the cases behind it: `param` is the query
/// parameter that takes the row's code (the table's first column).
fn link_rows(s: &mut Section, t: &Table, query: &str, param: &str) {
    for (row, cells) in s.rows.iter_mut().zip(&t.rows) {
        if let Some(Cell::Text(code)) = cells.first() {
            row.href = Some(format!(
                "/dashboard/cases?{query}&{param}={}",
                crate::pages::urlencode(code)
            ));
        }
    }
}

fn sections(d: &Data, pal: &Palette, top_departments: usize, links: bool) -> Vec<Section> {
    let f = &d.figures;
    let mut months = d.months.clone();
    months.rows.truncate(d.months_shown);
    let month_bars: Vec<Bar> = months
        .rows
        .iter()
        .enumerate()
        .map(|(i, r)| Bar {
            label: format!("{}月", i + 1),
            now: int(&r[1]),
            before: int(&r[2]),
        })
        .collect();
    let departments = report::departments_table(f);
    let mut dept_bars = bars_of(&departments, 1, 2, 6);
    dept_bars.sort_by(|a, b| b.now.cmp(&a.now).then(b.before.cmp(&a.before)));
    dept_bars.truncate(top_departments);
    let points = report::points_table(f);
    let channels = report::channels_table(f);
    let mut out = vec![
        section(
            "months",
            &months,
            0,
            columns(
                &format!("chart-months-{}", pal.font),
                &format!(
                    "{}年各月受理办件（深色）与{}年同月（浅色）",
                    d.year,
                    d.year - 1
                ),
                &month_bars,
                pal,
            ),
            format!("{}年各月受理办件，深色为本年，浅色为上年同月。", d.year),
        ),
        section(
            "departments",
            &departments,
            1,
            bars(
                &format!("chart-departments-{}", pal.font),
                &format!(
                    "受理办件最多的{}个部门（深色为本期，浅色为上年同期）",
                    dept_bars.len()
                ),
                &dept_bars,
                pal,
            ),
            format!(
                "图为受理办件最多的{}个部门；表中列出全部部门。",
                dept_bars.len()
            ),
        ),
        section(
            "points",
            &points,
            1,
            bars(
                &format!("chart-points-{}", pal.font),
                "各受理点受理办件（深色为本期，浅色为上年同期）",
                &bars_of(&points, 1, 2, 3),
                pal,
            ),
            "政务服务中心、综合窗口、各区镇便民服务中心和派出所分理点。".into(),
        ),
        section(
            "channels",
            &channels,
            1,
            bars(
                &format!("chart-channels-{}", pal.font),
                "12345各渠道受理诉求（深色为本期，浅色为上年同期）",
                &bars_of(&channels, 1, 2, 3),
                pal,
            ),
            "12345便民服务热线按来源渠道统计的诉求数。".into(),
        ),
    ];
    if links {
        let query = query_of(f);
        for (i, row) in out[0].rows.iter_mut().enumerate() {
            let m = i as u32 + 1;
            let first = NaiveDate::from_ymd_opt(d.year, m, 1);
            let last = first
                .and_then(|f| f.checked_add_months(chrono::Months::new(1)))
                .and_then(|n| n.pred_opt());
            if let (Some(a), Some(b)) = (first, last) {
                row.href = Some(format!("/dashboard/cases?from={a}&to={b}"));
            }
        }
        link_rows(&mut out[1], &departments, &query, "department");
        link_rows(&mut out[2], &points, &query, "point");
    }
    out
}

/// Every figure of the period in one table (no chart): label, value, unit, the
/// year-earlier value and the growth.
fn all_figures(f: &Figures) -> Section {
    let t = report::figures_table(f);
    let keep = [1, 2, 3, 4, 5];
    Section {
        key: "figures",
        title: "全部指标".into(),
        note: "工作报告所用的全部指标；比率以百分比表示，口径见导出的表格。".into(),
        svg: String::new(),
        columns: keep
            .iter()
            .map(|&i| (t.columns[i], numeric(&t, i)))
            .collect(),
        rows: t
            .rows
            .iter()
            .map(|r| Row {
                cells: keep.iter().map(|&i| r[i].display()).collect(),
                href: None,
            })
            .collect(),
    }
}

#[derive(Template)]
#[template(path = "figures/dashboard.html")]
struct DashboardPage {
    layout: Layout,
    /// Whether the reader may open the 12345 lists (department heads may not).
    hotline_links: bool,
    area_label: &'static str,
    action: &'static str,
    tabs: Vec<Tab>,
    year: String,
    from: String,
    to: String,
    errors: Errors,
    label: String,
    compare_label: String,
    query: String,
    bigs: Vec<Big>,
    sections: Vec<Section>,
}

fn query_of(f: &Figures) -> String {
    format!("from={}&to={}", f.period.from, f.period.to)
}

async fn center(state: State<AppState>, web: Web, q: Query<Params>) -> PageResult {
    page(state, web, q, Area::Center).await
}
async fn catalog(state: State<AppState>, web: Web, q: Query<Params>) -> PageResult {
    page(state, web, q, Area::Catalog).await
}
async fn points(state: State<AppState>, web: Web, q: Query<Params>) -> PageResult {
    page(state, web, q, Area::Points).await
}
async fn ratings(state: State<AppState>, web: Web, q: Query<Params>) -> PageResult {
    page(state, web, q, Area::Ratings).await
}
async fn hotline(state: State<AppState>, web: Web, q: Query<Params>) -> PageResult {
    page(state, web, q, Area::Hotline).await
}
async fn projects(state: State<AppState>, web: Web, q: Query<Params>) -> PageResult {
    page(state, web, q, Area::Projects).await
}
async fn supervision(state: State<AppState>, web: Web, q: Query<Params>) -> PageResult {
    page(state, web, q, Area::Supervision).await
}
async fn trading(state: State<AppState>, web: Web, q: Query<Params>) -> PageResult {
    page(state, web, q, Area::Trading).await
}

/// Selected figures as a table: key, label, this period, a year earlier, growth.
fn figure_table(f: &Figures, key: &'static str, title: &'static str, keys: &[Key]) -> Table {
    Table {
        key,
        title,
        columns: vec!["指标键", "指标", "本期", "上年同期", "同比增长"],
        rows: keys
            .iter()
            .filter_map(|k| f.get(*k))
            .map(|v| {
                // Whole counts as integers; amounts and scores keep two decimals.
                let n = |x: Option<f64>| {
                    let x = x.unwrap_or(0.0);
                    if x.fract() == 0.0 {
                        Cell::Int(x as i64)
                    } else {
                        Cell::Number(Some((x * 100.0).round() / 100.0))
                    }
                };
                vec![
                    Cell::Text(v.key.into()),
                    Cell::Text(v.label.into()),
                    n(v.value),
                    n(v.year_earlier),
                    Cell::Rate(v.growth),
                ]
            })
            .collect(),
    }
}

fn days(p: &Period) -> dashboards::Days {
    dashboards::Days {
        from: p.from,
        to: p.to,
    }
}

/// The month of a per-month table as a chart label: `2026-03` → `3月`.
fn month_bars(t: &Table, shown: usize) -> Vec<Bar> {
    t.rows
        .iter()
        .take(shown)
        .enumerate()
        .map(|(i, r)| Bar {
            label: format!("{}月", i + 1),
            now: int(&r[1]),
            before: int(&r[2]),
        })
        .collect()
}

/// A table of the dashboards by its key, for the page and the export.
async fn table(s: &AppState, d: &Data, key: &str) -> Result<Option<Table>, PageError> {
    let f = &d.figures;
    let (now, before) = (days(&d.period), days(&d.earlier));
    let store = &s.store;
    let months = |key, title, heading, (this, earlier): ([i64; 12], [i64; 12])| {
        let mut t = report::months_table_as(key, title, heading, d.year, &this, &earlier);
        t.rows.truncate(d.months_shown);
        t
    };
    Ok(Some(match key {
        "figures" => report::figures_table(f),
        "months" => {
            let mut t = d.months.clone();
            t.rows.truncate(d.months_shown);
            t
        }
        "departments" => report::departments_table(f),
        "points" => report::points_table(f),
        "channels" => report::channels_table(f),
        "trading_figures" => figure_table(
            f,
            "trading_figures",
            "公共资源交易",
            &[
                Key::TradingTransactions,
                Key::TradingAmountYi,
                Key::IntermediaryOrders,
                Key::IntermediaryAmountWan,
                Key::IntermediarySatisfaction,
            ],
        ),
        "supervision_figures" => figure_table(
            f,
            "supervision_figures",
            "窗口监督与企业投诉处理",
            &[
                Key::Patrols,
                Key::PatrolProblems,
                Key::MysteryVisits,
                Key::MysteryVisitScore,
                Key::Banners,
                Key::PraiseCalls,
                Key::InnovationMeasures,
                Key::HotlinePlatformSatisfaction,
                Key::ProjectsTracked,
                Key::ProblemsCoordinated,
                Key::ComplaintsReceived,
                Key::ComplaintsOnTimeRate,
                Key::ComplaintsSatisfaction,
                Key::SurveySatisfaction,
                Key::SurveyResponseRate,
            ],
        ),
        "catalog_status" => figure_table(
            f,
            "catalog_status",
            "事项清单（统计期末）",
            &[
                Key::ItemsInUse,
                Key::SubItemsInUse,
                Key::ItemsInstant,
                Key::ItemsSuspended,
                Key::ItemsCancelled,
                Key::ItemsTransferred,
                Key::StationedDepartments,
                Key::DepartmentsWithServiceSection,
            ],
        ),
        "catalog_departments" => {
            dashboards::catalog_departments(store, &f.period.to, &f.year_earlier_period.to).await?
        }
        "point_details" => dashboards::points(store, &now, &before).await?,
        "rating_levels" => dashboards::rating_levels(store, &now, &before).await?,
        "rating_departments" => dashboards::rating_departments(store, &now, &before).await?,
        "rating_months" => months(
            "rating_months",
            "各月好差评",
            "本年评价",
            dashboards::rating_months(store, d.year).await?,
        ),
        "hotline_units" => dashboards::hotline_units(store, &now, &before).await?,
        "trading_kinds" => dashboards::trading_kinds(store, &now, &before).await?,
        "hotline_months" => months(
            "hotline_months",
            "12345各月受理诉求",
            "本年受理诉求",
            dashboards::hotline_months(store, d.year).await?,
        ),
        "acceptance_months" => months(
            "acceptance_months",
            "各月联合验收项目",
            "本年验收项目",
            dashboards::acceptance_months(store, d.year).await?,
        ),
        "acceptance_departments" => acceptance_departments(f),
        "project_long_four" => {
            let a = tongban_store::projects::long_four::average(store, d.period.from, d.period.to)
                .await?;
            let row = |key: &str,
                       label: &str,
                       m: tongban_store::projects::long_four::BeforeAfter,
                       scale: f64| {
                vec![
                    Cell::Text(key.into()),
                    Cell::Text(label.into()),
                    Cell::Number(Some(m.before / scale)),
                    Cell::Number(Some(m.after / scale)),
                    Cell::Rate((m.before > 0.0).then(|| 1.0 - m.after / m.before)),
                ]
            };
            Table {
                key: "project_long_four",
                title: "一长四多：平均每个项目，改革前与实际",
                columns: vec!["指标键", "指标", "改革前", "实际", "减少"],
                rows: vec![
                    row("working_days", "办理时间（工作日）", a.working_days, 1.0),
                    row("seals", "审批文书（印章，份）", a.seals, 1.0),
                    row("intermediaries", "中介服务（项）", a.intermediaries, 1.0),
                    row("fees_yuan", "收费（元）", a.fees_fen, 100.0),
                    row("materials", "申报材料（份）", a.materials, 1.0),
                    vec![
                        Cell::Text("projects".into()),
                        Cell::Text("项目数（首个阶段在统计期间受理）".into()),
                        Cell::Int(a.projects),
                        Cell::Int(a.projects),
                        Cell::Rate(None),
                    ],
                ],
            }
        }
        _ => return Ok(None),
    }))
}

/// Every table key the export knows, for its "not found" page.
const TABLE_KEYS: &str = "figures、months、departments、points、channels、catalog_status、catalog_departments、point_details、rating_levels、rating_departments、rating_months、hotline_units、hotline_months、acceptance_months、acceptance_departments、project_long_four、trading_figures、trading_kinds、supervision_figures";

/// Each department's first visits in the period's joint acceptances and how many it
/// passed, against a year earlier.
fn acceptance_departments(f: &Figures) -> Table {
    let rows = f
        .get(Key::AcceptanceDeptPassRate)
        .and_then(|v| v.rows.clone())
        .unwrap_or_default();
    Table {
        key: "acceptance_departments",
        title: "各部门联合验收首次通过率",
        columns: vec![
            "部门代码",
            "部门",
            "参加验收（次）",
            "首次通过率",
            "上年同期参加（次）",
        ],
        rows: rows
            .into_iter()
            .map(|r| {
                vec![
                    Cell::Text(r.code),
                    Cell::Text(r.name),
                    Cell::Int(r.value),
                    Cell::Rate(r.rate),
                    Cell::Int(r.year_earlier),
                ]
            })
            .collect(),
    }
}

/// 工程建设: joint acceptances by month and the departments' pass rates.
async fn projects_view(c: &ViewCtx<'_>) -> Result<View, PageError> {
    let (s, d, f, pal) = (c.s, c.d, &c.d.figures, c.pal);
    let bigs = vec![
        big(
            f,
            Key::Acceptances,
            "联合验收项目（个）",
            Some("/projects/acceptances?status=certified".into()),
        ),
        big(f, Key::AcceptanceAreaM2, "验收面积（㎡）", None),
        big(f, Key::AcceptancesPerMonth, "平均每月验收（个）", None),
        big(
            f,
            Key::AcceptanceAvgWorkingDays,
            "每个项目平均办理（工作日）",
            None,
        ),
        big(f, Key::AcceptanceDeptPassRate, "部门平均通过率", None),
        big(
            f,
            Key::AcceptanceFirstPassRate,
            "一次性现场验收全部通过率",
            None,
        ),
    ];
    let (months, depts, long_four) = tokio::try_join!(
        need(s, d, "acceptance_months"),
        need(s, d, "acceptance_departments"),
        need(s, d, "project_long_four"),
    )?;
    let mut dp = bar_section(
        &depts,
        (1, 2, 4),
        20,
        1,
        "参加联合验收的部门首次现场验收即通过的比例；部门名称链接到其参加的联合验收。".into(),
        pal,
    );
    link_to(&mut dp, &depts, "/projects/acceptances", "department");
    let lf = section(
        "project_long_four",
        &long_four,
        1,
        String::new(),
        "首个审批阶段在统计期间受理的工程建设项目，平均每个项目：改革前为各事项串联办理的法定时限之和、各事项分别提交的材料和各自出具的文书（含各部门分别出具的验收文书），实际为并联办理所用工作日、一次提交的材料和实际出具的文书（联合验收出具一份意见书）。".into(),
    );
    Ok((
        bigs,
        vec![month_section(&months, d.year, "联合验收项目", pal), dp, lf],
    ))
}

/// Links each row of a section to `base` with the row's first cell as `param`.
fn link_to(s: &mut Section, t: &Table, base: &str, param: &str) {
    let sep = if base.contains('?') { '&' } else { '?' };
    for (row, cells) in s.rows.iter_mut().zip(&t.rows) {
        if let Some(first) = cells.first() {
            row.href = Some(format!(
                "{base}{sep}{param}={}",
                crate::pages::urlencode(&first.raw())
            ));
        }
    }
}

/// A table as a section with horizontal bars of its largest `top` rows (label,
/// this-period and year-earlier columns), the table listing every row.
fn bar_section(
    t: &Table,
    cols: (usize, usize, usize),
    top: usize,
    skip: usize,
    note: String,
    pal: &Palette,
) -> Section {
    let mut items = bars_of(t, cols.0, cols.1, cols.2);
    if items.len() > top {
        items.sort_by(|a, b| b.now.cmp(&a.now).then(b.before.cmp(&a.before)));
        items.truncate(top);
    }
    let title = format!("{}（深色为本期，浅色为上年同期）", t.title);
    let svg = bars(
        &format!("chart-{}-{}", t.key, pal.font),
        &title,
        &items,
        pal,
    );
    section(t.key, t, skip, svg, note)
}

fn month_section(t: &Table, year: i32, what: &str, pal: &Palette) -> Section {
    let svg = columns(
        &format!("chart-{}-{}", t.key, pal.font),
        &format!("{year}年各月{what}（深色）与{}年同月（浅色）", year - 1),
        &month_bars(t, t.rows.len()),
        pal,
    );
    section(
        t.key,
        t,
        0,
        svg,
        format!("{year}年各月{what}，深色为本年，浅色为上年同月。"),
    )
}

async fn need(s: &AppState, d: &Data, key: &str) -> Result<Table, PageError> {
    table(s, d, key)
        .await?
        .ok_or_else(|| PageError::new(StatusCode::INTERNAL_SERVER_ERROR, "出错了", "统计表缺失"))
}

/// What a dashboard's parts share: the figures, the period's query string for links,
/// the palette, and which lists the reader may open.
struct ViewCtx<'a> {
    s: &'a AppState,
    d: &'a Data,
    query: String,
    pal: &'a Palette,
    /// Department heads see figures, not the 12345 orders or the switch's calls.
    orders: bool,
    calls: bool,
}

type View = (Vec<Big>, Vec<Section>);

/// The big numbers and sections of one dashboard.
async fn area_view(s: &AppState, d: &Data, area: Area, role: Role) -> Result<View, PageError> {
    // Links only to lists the reader may open.
    let c = ViewCtx {
        s,
        d,
        query: query_of(&d.figures),
        pal: &LIGHT,
        orders: matches!(role, Role::Supervisor | Role::Admin),
        calls: role == Role::Supervisor,
    };
    match area {
        Area::Center => Ok(center_view(&c)),
        Area::Catalog => catalog_view(&c).await,
        Area::Points => points_view(&c).await,
        Area::Ratings => ratings_view(&c).await,
        Area::Hotline => hotline_view(&c).await,
        Area::Projects => projects_view(&c).await,
        Area::Supervision => supervision_view(&c).await,
        Area::Trading => trading_view(&c).await,
    }
}

/// Public resource trading: transactions and their amount.
async fn trading_view(c: &ViewCtx<'_>) -> Result<View, PageError> {
    let (s, d, f) = (c.s, c.d, &c.d.figures);
    let bigs = vec![
        big(
            f,
            Key::TradingTransactions,
            "完成交易项目（件）",
            Some("/trading?stage=result".into()),
        ),
        big(f, Key::TradingAmountYi, "总成交金额（亿元）", None),
        big(
            f,
            Key::IntermediaryOrders,
            "中介超市选取中介服务（次）",
            Some("/intermediaries/requests".into()),
        ),
        big(
            f,
            Key::IntermediarySatisfaction,
            "中介服务评价得分（分）",
            None,
        ),
    ];
    let t = need(s, d, "trading_figures").await?;
    let k = need(s, d, "trading_kinds").await?;
    let note = "结果公告以发布日期计入统计期间；公告明细见“公共资源交易信息”，OCDS 数据见 /ocds/releases。中介服务以选取日期计入统计期间，明细见“中介超市”。".to_string();
    Ok((
        bigs,
        vec![
            section("trading_figures", &t, 1, String::new(), note),
            section(
                "trading_kinds",
                &k,
                0,
                String::new(),
                "各类别以结果公告的发布日期计入统计期间；金额为中标（成交）金额之和。".to_string(),
            ),
        ],
    ))
}

/// Window supervision: the registers, the patrols and visits, the 12345's praise.
async fn supervision_view(c: &ViewCtx<'_>) -> Result<View, PageError> {
    let (s, d, f) = (c.s, c.d, &c.d.figures);
    let bigs = vec![
        big(
            f,
            Key::Patrols,
            "窗口月度巡查（次）",
            Some("/supervision/patrols".into()),
        ),
        big(f, Key::PatrolProblems, "巡查发现问题（个）", None),
        big(
            f,
            Key::MysteryVisits,
            "第三方暗访（次）",
            Some("/supervision/visits".into()),
        ),
        big(f, Key::MysteryVisitScore, "暗访平均得分（分）", None),
        big(
            f,
            Key::Banners,
            "锦旗（面）",
            Some("/supervision/banners".into()),
        ),
        big(f, Key::PraiseCalls, "来电表扬（个）", None),
        big(
            f,
            Key::InnovationMeasures,
            "创新服务举措（项）",
            Some("/supervision/innovations".into()),
        ),
        big(
            f,
            Key::HotlinePlatformSatisfaction,
            "12345整体平台满意率",
            None,
        ),
        big(
            f,
            Key::ComplaintsReceived,
            "企业投诉（件）",
            Some("/enterprise/complaints".into()),
        ),
        big(f, Key::ComplaintsOnTimeRate, "企业投诉按时答复率", None),
        big(
            f,
            Key::SurveySatisfaction,
            "政府满意度测评得分（分）",
            Some("/enterprise/surveys".into()),
        ),
    ];
    let t = need(s, d, "supervision_figures").await?;
    let note =
        "窗口考核的季度排名见“督查 · 窗口考核”；各项指标口径见全部指标的导出表格。".to_string();
    Ok((
        bigs,
        vec![section("supervision_figures", &t, 1, String::new(), note)],
    ))
}

/// The center: cases, speed, the towns and 12345 at a glance.
fn center_view(c: &ViewCtx<'_>) -> View {
    let (d, f, pal, query, orders) = (c.d, &c.d.figures, c.pal, &c.query, c.orders);
    let bigs = vec![
        big(
            f,
            Key::CasesAccepted,
            "受理办件（件）",
            Some("/workbench".into()),
        ),
        big(f, Key::CasesPerWorkingDay, "日均受理（件）", None),
        big(f, Key::CasesInstant, "即办件（件）", None),
        big(f, Key::OnlineRate, "网上审批率", None),
        big(f, Key::SpeedupRate, "进驻事项总体提速", None),
        big(f, Key::CasesAwayFromCenter, "区镇及分理点受理（件）", None),
        big(
            f,
            Key::HotlineReceived,
            "12345受理诉求（件）",
            orders.then(|| format!("/hotline/orders?{query}")),
        ),
        big(f, Key::HotlineDirectAnswerRate, "12345直接解答率", None),
    ];
    let mut sections = sections(d, pal, 15, true);
    sections.push(all_figures(f));
    (bigs, sections)
}

/// The catalog: items in use, instant items, speed-up, departments.
async fn catalog_view(c: &ViewCtx<'_>) -> Result<View, PageError> {
    let (s, d, f, pal) = (c.s, c.d, &c.d.figures, c.pal);
    let bigs = vec![
        big(f, Key::ItemsInUse, "在用事项（个）", Some("/items".into())),
        big(f, Key::SubItemsInUse, "在用子项（个）", None),
        big(f, Key::ItemsInstant, "即办事项（个）", None),
        big(f, Key::InstantShare, "即办事项占比", None),
        big(f, Key::SpeedupRate, "进驻事项总体提速", None),
        big(f, Key::StationedDepartments, "进驻部门（个）", None),
        big(
            f,
            Key::DepartmentsWithServiceSection,
            "设立行政服务科的部门（个）",
            None,
        ),
        big(f, Key::ItemsCancelled, "取消事项（个）", None),
    ];
    let (status, depts) = tokio::try_join!(
        need(s, d, "catalog_status"),
        need(s, d, "catalog_departments"),
    )?;
    let mut dept = bar_section(
        &depts,
        (1, 2, 7),
        15,
        1,
        "图为在用事项最多的15个部门；表中列出全部部门，部门名称链接到该部门的办事指南。提速比例 = 1 − 承诺期限合计 ÷ 法定期限合计。".into(),
        pal,
    );
    link_to(&mut dept, &depts, "/items", "department");
    Ok((
        bigs,
        vec![
            bar_section(
                &status,
                (1, 2, 3),
                20,
                1,
                "统计期末生效的清单版本；上年同期为上年同一日生效的版本。".into(),
                pal,
            ),
            dept,
        ],
    ))
}

/// The service points: cases taken away from the center, by point.
async fn points_view(c: &ViewCtx<'_>) -> Result<View, PageError> {
    let (s, d, f, pal, query) = (c.s, c.d, &c.d.figures, c.pal, &c.query);
    let bigs = vec![
        big(f, Key::CasesAwayFromCenter, "区镇及分理点受理（件）", None),
        big(f, Key::CasesAccepted, "全部受理办件（件）", None),
        big(f, Key::CasesClosed, "办结办件（件）", None),
        big(f, Key::CasesPerWorkingDay, "日均受理（件）", None),
    ];
    let t = need(s, d, "point_details").await?;
    let mut sec = bar_section(
        &t,
        (1, 3, 7),
        30,
        1,
        "政务服务中心、综合窗口、各区镇便民服务中心和派出所分理点；受理点名称链接到其受理的办件。"
            .into(),
        pal,
    );
    link_to(&mut sec, &t, &format!("/dashboard/cases?{query}"), "point");
    Ok((bigs, vec![sec]))
}

/// 好差评: ratings by level, month and department.
async fn ratings_view(c: &ViewCtx<'_>) -> Result<View, PageError> {
    let (s, d, f, pal, query) = (c.s, c.d, &c.d.figures, c.pal, &c.query);
    let bigs = vec![
        big(f, Key::RatingsReceived, "好差评评价（件）", None),
        big(f, Key::RatingsGoodRate, "好评率", None),
        big(
            f,
            Key::RatingsBad,
            "差评（件）",
            Some(format!("/dashboard/ratings/list?{query}&bad=1")),
        ),
        big(f, Key::RatingsBadAnsweredRate, "差评按时整改率", None),
        big(f, Key::RatingsAvgScore, "平均满意度得分", None),
    ];
    let (levels, months, depts) = tokio::try_join!(
        need(s, d, "rating_levels"),
        need(s, d, "rating_months"),
        need(s, d, "rating_departments"),
    )?;
    let mut lv = bar_section(
        &levels,
        (1, 2, 3),
        5,
        1,
        "“好差评”五级评价：非常满意、满意、基本满意为好评，不满意、非常不满意为差评；等级链接到该等级的评价。".into(),
        pal,
    );
    let list = format!("/dashboard/ratings/list?{query}");
    link_to(&mut lv, &levels, &list, "level");
    let mut dp = bar_section(
        &depts,
        (1, 2, 7),
        15,
        1,
        "图为评价最多的15个部门；部门名称链接到该部门的评价。".into(),
        pal,
    );
    link_to(&mut dp, &depts, &list, "department");
    Ok((
        bigs,
        vec![lv, month_section(&months, d.year, "好差评", pal), dp],
    ))
}

/// 12345: requests by month, channel and unit.
async fn hotline_view(c: &ViewCtx<'_>) -> Result<View, PageError> {
    let (s, d, f, pal, query, orders, calls) =
        (c.s, c.d, &c.d.figures, c.pal, &c.query, c.orders, c.calls);
    let bigs = vec![
        big(
            f,
            Key::HotlineReceived,
            "受理诉求（件）",
            orders.then(|| format!("/hotline/orders?{query}")),
        ),
        big(f, Key::HotlineDirectAnswerRate, "直接解答率", None),
        big(f, Key::HotlineDispatched, "交办工单（件）", None),
        big(f, Key::HotlineOnTimeRate, "按时办结率", None),
        big(f, Key::HotlineResponseRate, "响应率", None),
        big(f, Key::HotlineSatisfactionRate, "满意率", None),
        big(
            f,
            Key::HotlineConnectionRate,
            "接通率",
            calls.then(|| "/hotline/calls".into()),
        ),
        big(f, Key::HotlineErrorRate, "工单差错率", None),
    ];
    let (months, channels, units) = tokio::try_join!(
        need(s, d, "hotline_months"),
        need(s, d, "channels"),
        need(s, d, "hotline_units"),
    )?;
    let mut un = bar_section(
        &units,
        (1, 2, 7),
        15,
        1,
        "按登记日期统计的交办工单；图为交办最多的15个成员单位，单位名称链接到其工单。".into(),
        pal,
    );
    if orders {
        link_to(&mut un, &units, &format!("/hotline/orders?{query}"), "unit");
    }
    Ok((
        bigs,
        vec![
            month_section(&months, d.year, "受理诉求", pal),
            bar_section(
                &channels,
                (1, 2, 3),
                20,
                1,
                "12345便民服务热线按来源渠道统计的诉求数。".into(),
                pal,
            ),
            un,
        ],
    ))
}

async fn page(
    State(s): State<AppState>,
    web: Web,
    Query(q): Query<Params>,
    area: Area,
) -> PageResult {
    let p = manager(&web)?;
    let (data, errors) = match load(&s, &q, area.parts()).await? {
        Ok(d) => (Some(d), vec![]),
        Err(e) => (None, e),
    };
    let mut view = DashboardPage {
        layout: web.layout(),
        hotline_links: matches!(p.role, Role::Supervisor | Role::Admin),
        area_label: area.label(),
        action: area.path(),
        tabs: vec![],
        year: q.year.clone().unwrap_or_default(),
        from: q.from.clone().unwrap_or_default(),
        to: q.to.clone().unwrap_or_default(),
        errors: errors.into(),
        label: String::new(),
        compare_label: String::new(),
        query: String::new(),
        bigs: vec![],
        sections: vec![],
    };
    if let Some(d) = &data {
        let f = &d.figures;
        if view.from.is_empty() && view.to.is_empty() && view.year.is_empty() {
            view.from = f.period.from.clone();
            view.to = f.period.to.clone();
        }
        view.label = f.period.label.clone();
        view.compare_label = format!(
            "{} 至 {}",
            f.year_earlier_period.from, f.year_earlier_period.to
        );
        view.query = query_of(f);
        (view.bigs, view.sections) = area_view(&s, d, area, p.role).await?;
    }
    view.tabs = tabs(area, &view.query);
    let mut resp = render(&view)?;
    if !view.errors.is_empty() {
        *resp.status_mut() = StatusCode::BAD_REQUEST;
    }
    Ok(web.finish(resp))
}

#[derive(Template)]
#[template(path = "figures/dashboard_wall.html")]
struct WallPage {
    office: String,
    refresh: bool,
    /// The same view with the refresh turned off, or on again.
    toggle: String,
    label: String,
    updated: String,
    bigs: Vec<Big>,
    sections: Vec<Section>,
}

async fn wall(State(s): State<AppState>, web: Web, Query(q): Query<Params>) -> PageResult {
    manager(&web)?;
    let view = wall_view(&s, &q, web.office.clone(), "/dashboard/wall").await?;
    Ok(web.finish(render(&view)?))
}

/// The wall screen in the hall, through a display link: no staff login, the same
/// public-safe figures (the departments' table stays on the desk).
async fn wall_by_link(
    State(s): State<AppState>,
    Path(token): Path<String>,
    Query(q): Query<Params>,
) -> PageResult {
    if !tongban_store::displays::open(&s.store, &token).await? {
        return Err(PageError::new(
            StatusCode::NOT_FOUND,
            "展示链接无效",
            "该大屏展示链接不存在或已被停用，请向督查人员索取新的链接。",
        ));
    }
    let office = s.store.office_name().await?;
    let view = wall_view(&s, &q, office, &format!("/wall/{token}")).await?;
    render(&view)
}

/// The wall's figures for the period asked, with its refresh toggle at `base`.
async fn wall_view(
    s: &AppState,
    q: &Params,
    office: String,
    base: &str,
) -> Result<WallPage, PageError> {
    let d = match load(s, q, metrics::Parts::ALL).await? {
        Ok(d) => d,
        Err(e) => return Err(period_error(e)),
    };
    let f = &d.figures;
    let mut sections = sections(&d, &DARK, 10, false);
    // The hall sees the trend, the points and the hotline; departments stay on the desk.
    sections.retain(|s| s.key != "departments");
    let refresh = q.refresh.as_deref() != Some("0");
    let mut toggle = format!("{base}?{}", query_of(f));
    if refresh {
        toggle.push_str("&refresh=0");
    }
    Ok(WallPage {
        office,
        refresh,
        toggle,
        label: f.period.label.clone(),
        updated: crate::pages::local_time(&tongban_store::time::stamp(tongban_store::time::now())),
        bigs: vec![
            big(f, Key::CasesAccepted, "受理办件（件）", None),
            big(f, Key::CasesPerWorkingDay, "日均受理（件）", None),
            big(f, Key::OnlineRate, "网上审批率", None),
            big(f, Key::SpeedupRate, "总体提速", None),
            big(f, Key::HotlineReceived, "12345受理诉求（件）", None),
            big(f, Key::HotlineConnectionRate, "12345接通率", None),
        ],
        sections,
    })
}

fn period_error(e: Vec<FieldError>) -> PageError {
    let msg = e
        .into_iter()
        .map(|e| e.message)
        .collect::<Vec<_>>()
        .join("；");
    PageError::new(StatusCode::BAD_REQUEST, "统计期间无效", msg)
}

/// `/dashboard/export/{table}.csv|.xlsx` for the same period as the page.
async fn export(
    State(s): State<AppState>,
    web: Web,
    Path(file): Path<String>,
    Query(q): Query<Params>,
) -> PageResult {
    manager(&web)?;
    let not_found = || {
        PageError::new(
            StatusCode::NOT_FOUND,
            "未找到",
            format!("没有这张统计表。可导出的表：{TABLE_KEYS}（.csv 或 .xlsx）。"),
        )
    };
    let (key, ext) = file.rsplit_once('.').ok_or_else(not_found)?;
    if !matches!(ext, "csv" | "xlsx") {
        return Err(not_found());
    }
    let d = match load(&s, &q, metrics::Parts::ALL).await? {
        Ok(d) => d,
        Err(e) => return Err(period_error(e)),
    };
    let f = &d.figures;
    let table = table(&s, &d, key).await?.ok_or_else(not_found)?;
    let name = format!("{}{}.{ext}", f.period.label, table.title);
    let ascii = format!("{key}-{}-{}.{ext}", f.period.from, f.period.to);
    let resp = if ext == "csv" {
        attachment(
            report::csv(&table)?,
            "text/csv; charset=utf-8",
            &name,
            &ascii,
        )
    } else {
        attachment(
            report::xlsx(std::slice::from_ref(&table))?,
            report::Format::Xlsx.content_type(),
            &name,
            &ascii,
        )
    };
    Ok(web.finish(resp))
}

#[derive(Deserialize)]
struct CasesParams {
    year: Option<String>,
    from: Option<String>,
    to: Option<String>,
    department: Option<String>,
    point: Option<String>,
}

#[derive(Template)]
#[template(path = "figures/dashboard_cases.html")]
struct CasesPage {
    layout: Layout,
    label: String,
    filter: String,
    query: String,
    cases: Vec<metrics::AcceptedCase>,
    total: tongban_store::Total,
}

/// How many cases the list behind a bar shows.
const CASES_SHOWN: i64 = 200;

/// The period of a list behind a dashboard (this year to date by default).
fn list_period(
    year: &Option<String>,
    from: &Option<String>,
    to: &Option<String>,
) -> Result<Period, PageError> {
    match period_of(year, from, to, default_period()) {
        Ok(Some(p)) => Ok(p),
        Ok(None) => Err(period_error(vec![FieldError::new(
            "from",
            "请填写起止日期",
        )])),
        Err(e) => Err(period_error(e)),
    }
}

/// A query parameter's value, trimmed, if one was given.
fn given(v: &Option<String>) -> Option<String> {
    v.as_deref()
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .map(str::to_string)
}

/// The cases behind a bar or row of the dashboard: accepted in the period, of one
/// department or point.
async fn cases(State(s): State<AppState>, web: Web, Query(q): Query<CasesParams>) -> PageResult {
    let p = manager(&web)?;
    let period = list_period(&q.year, &q.from, &q.to)?;
    let (department, point) = (given(&q.department), given(&q.point));
    let (cases, total) = metrics::cases_accepted_in(
        &s.store,
        p,
        &period,
        department.as_deref(),
        point.as_deref(),
        CASES_SHOWN,
    )
    .await?;
    let filter = match (&department, &point, cases.first()) {
        (Some(_), _, Some(c)) => format!("部门：{}", c.department),
        (Some(d), _, None) => format!("部门：{d}"),
        (None, Some(_), Some(c)) => format!("受理点：{}", c.point),
        (None, Some(pt), None) => format!("受理点：{pt}"),
        _ => "全部部门和受理点".into(),
    };
    let view = CasesPage {
        layout: web.layout(),
        label: period.label(),
        filter,
        query: format!("from={}&to={}", period.from, period.to),
        cases,
        total,
    };
    Ok(web.finish(render(&view)?))
}

#[derive(Deserialize)]
struct RatingsParams {
    year: Option<String>,
    from: Option<String>,
    to: Option<String>,
    department: Option<String>,
    level: Option<String>,
    bad: Option<String>,
}

#[derive(Template)]
#[template(path = "figures/dashboard_ratings.html")]
struct RatingsPage {
    layout: Layout,
    label: String,
    filter: String,
    query: String,
    ratings: Vec<dashboards::RatedCase>,
    total: tongban_store::Total,
}

/// The ratings behind a bar or row of the ratings dashboard: given in the period, of
/// one department or level, or the bad ones.
async fn rating_list(
    State(s): State<AppState>,
    web: Web,
    Query(q): Query<RatingsParams>,
) -> PageResult {
    let p = manager(&web)?;
    let period = list_period(&q.year, &q.from, &q.to)?;
    let department = given(&q.department);
    let level = match given(&q.level) {
        None => None,
        Some(l) => Some(
            l.parse::<i64>()
                .ok()
                .and_then(|l| tongban_domain::rating::RatingLevel::new(l).ok())
                .ok_or_else(|| {
                    period_error(vec![FieldError::new(
                        "level",
                        tongban_domain::rating::LEVEL_FAULT,
                    )])
                })?,
        ),
    };
    let bad = given(&q.bad).is_some_and(|b| b == "1" || b == "true");
    let days = days(&period);
    let (mut ratings, mut total) = (vec![], tongban_store::Total::capped(0));
    // 差评 are the two lowest levels: one list of each, merged newest first.
    let levels: Vec<Option<i64>> = if bad && level.is_none() {
        (1..=i64::from(tongban_domain::rating::BAD_AT_MOST))
            .map(Some)
            .collect()
    } else {
        vec![level.map(|l| l.value().into())]
    };
    // Asked at once, each on a reader of its own.
    let lists = futures_util::future::try_join_all(levels.into_iter().map(|l| {
        dashboards::ratings_in(&s.store, p, &days, department.as_deref(), l, CASES_SHOWN)
    }))
    .await?;
    for (r, t) in lists {
        ratings.extend(r);
        total = total + t;
    }
    ratings.sort_by(|a, b| b.rated_on.cmp(&a.rated_on));
    ratings.truncate(CASES_SHOWN as usize);
    let mut filter = vec![];
    if let Some(d) = &department {
        filter.push(format!(
            "部门：{}",
            ratings.first().map(|r| r.department.as_str()).unwrap_or(d)
        ));
    }
    if let Some(l) = level {
        filter.push(format!("评价：{}", l.label()));
    } else if bad {
        filter.push("差评（不满意、非常不满意）".into());
    }
    let view = RatingsPage {
        layout: web.layout(),
        label: period.label(),
        filter: if filter.is_empty() {
            "全部部门和等级".into()
        } else {
            filter.join("，")
        },
        query: format!("from={}&to={}", period.from, period.to),
        ratings,
        total,
    };
    Ok(web.finish(render(&view)?))
}
