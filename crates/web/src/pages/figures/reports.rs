//! 工作报告 for managers: section one of the work report for a year or a from–to
//! period, shown as a page or downloaded as Word, Excel, Markdown or JSON. The same
//! renderer as `tongban report` (`tongban_store::report`).

use crate::AppState;
use crate::pages::{Errors, FieldError, Layout, PageError, PageResult, Web, render, urlencode};
use askama::Template;
use axum::Router;
use axum::extract::{Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use chrono::{Datelike, NaiveDate};
use serde::Deserialize;
use tongban_domain::metrics::Period;
use tongban_domain::org::Role;
use tongban_store::StoreError;
use tongban_store::metrics::{self, Figures};
use tongban_store::org::Principal;
use tongban_store::report::{self, Block, Format};

pub fn router() -> Router<AppState> {
    Router::new().route("/reports", get(page))
}

/// The signed-in manager who may read the figures (督查人员、系统管理员、部门负责人).
pub(super) fn manager(web: &Web) -> Result<&Principal, PageError> {
    let p = web.staff()?;
    if matches!(
        p.role,
        Role::Supervisor | Role::Admin | Role::DepartmentHead
    ) {
        Ok(p)
    } else {
        Err(PageError::new(
            StatusCode::FORBIDDEN,
            "无权查看",
            "统计报表和数据看板仅供督查人员、系统管理员和部门负责人查看。",
        ))
    }
}

/// Today in China.
pub(super) fn today() -> NaiveDate {
    tongban_store::time::local_day(tongban_store::time::now())
}

fn given(s: &Option<String>) -> Option<&str> {
    s.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

fn day(field: &str, what: &str, s: &str) -> Result<NaiveDate, FieldError> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").map_err(|_| {
        FieldError::new(
            field,
            format!("{what}“{s}”无效，应为 YYYY-MM-DD，例如 2026-01-01"),
        )
    })
}

/// The period a form asks for: `from`–`to` when either is given, else `year`, else
/// `default`. Errors name the field.
pub(super) fn period_of(
    year: &Option<String>,
    from: &Option<String>,
    to: &Option<String>,
    default: Option<Period>,
) -> Result<Option<Period>, Vec<FieldError>> {
    match (given(from), given(to), given(year)) {
        (None, None, None) => Ok(default),
        (None, None, Some(y)) => {
            if y.len() != 4 || !y.bytes().all(|b| b.is_ascii_digit()) {
                return Err(vec![FieldError::new(
                    "year",
                    format!("年份“{y}”无效，应为四位数字，例如 2026"),
                )]);
            }
            Period::parse(y)
                .map(Some)
                .map_err(|e| vec![FieldError::new("year", e.0)])
        }
        (f, t, _) => {
            let mut errors = vec![];
            let f = match f {
                None => {
                    errors.push(FieldError::new("from", "请填写起始日期"));
                    None
                }
                Some(f) => day("from", "起始日期", f).map_err(|e| errors.push(e)).ok(),
            };
            let t = match t {
                None => {
                    errors.push(FieldError::new("to", "请填写截止日期"));
                    None
                }
                Some(t) => day("to", "截止日期", t).map_err(|e| errors.push(e)).ok(),
            };
            match (f, t) {
                (Some(f), Some(t)) if errors.is_empty() => Period::range(f, t)
                    .map(Some)
                    .map_err(|e| vec![FieldError::new("to", e.0)]),
                _ => Err(errors),
            }
        }
    }
}

/// The figures for a period; a period the calendar does not cover is the form's error.
pub(super) async fn figures_for(
    s: &AppState,
    period: &Period,
    field: &str,
    parts: metrics::Parts,
) -> Result<Result<Figures, Vec<FieldError>>, PageError> {
    match metrics::compute_parts(&s.store, period, parts).await {
        Ok(f) => Ok(Ok(f)),
        Err(StoreError::Invalid(i)) => Ok(Err(vec![FieldError::new(field, i.message)])),
        Err(e) => Err(e.into()),
    }
}

/// A file to download, named in Chinese (RFC 6266/5987) with an ASCII fallback.
pub(crate) fn attachment(bytes: Vec<u8>, content_type: &str, name: &str, ascii: &str) -> Response {
    let disposition = format!(
        "attachment; filename=\"{ascii}\"; filename*=UTF-8''{}",
        urlencode(name)
    );
    let mut resp = bytes.into_response();
    let h = resp.headers_mut();
    if let Ok(v) = HeaderValue::from_str(content_type) {
        h.insert(header::CONTENT_TYPE, v);
    }
    if let Ok(v) = HeaderValue::from_str(&disposition) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    resp
}

#[derive(Deserialize)]
struct Params {
    year: Option<String>,
    from: Option<String>,
    to: Option<String>,
    format: Option<String>,
    /// `1`: the Markdown as a file rather than a page.
    download: Option<String>,
}

#[derive(Template)]
#[template(path = "figures/reports.html")]
struct ReportsPage {
    layout: Layout,
    year: String,
    from: String,
    to: String,
    format: &'static str,
    formats: Vec<(&'static str, &'static str)>,
    errors: Errors,
    /// The report shown on the page (HTML made here, from generated text only
    /// escaped), with its period's query string.
    report: Option<String>,
    query: String,
}

async fn page(State(s): State<AppState>, web: Web, Query(q): Query<Params>) -> PageResult {
    manager(&web)?;
    let asked = [&q.year, &q.from, &q.to, &q.format]
        .iter()
        .any(|v| v.is_some());
    let mut errors = vec![];
    let format = match given(&q.format) {
        None => Format::Markdown,
        Some(f) => Format::from_param(f).unwrap_or_else(|| {
            errors.push(FieldError::new(
                "format",
                format!("格式“{f}”无效，请选择网页、Word、Excel 或 JSON"),
            ));
            Format::Markdown
        }),
    };
    let period = match period_of(&q.year, &q.from, &q.to, None) {
        Ok(Some(p)) => Some(p),
        Ok(None) => {
            if asked {
                errors.push(FieldError::new("year", "请填写年份，或填写起止日期"));
            }
            None
        }
        Err(e) => {
            errors.extend(e);
            None
        }
    };
    let field = if given(&q.from).is_some() || given(&q.to).is_some() {
        "from"
    } else {
        "year"
    };
    let figures = match period {
        Some(p) if errors.is_empty() => {
            match figures_for(&s, &p, field, metrics::Parts::ALL).await? {
                Ok(f) => Some(f),
                Err(e) => {
                    errors.extend(e);
                    None
                }
            }
        }
        _ => None,
    };
    if let Some(f) = &figures
        && (format != Format::Markdown || q.download.as_deref() == Some("1"))
    {
        let bytes = report::render(f, format)?;
        let ascii = format!(
            "report-{}-{}.{}",
            f.period.from,
            f.period.to,
            format.as_str()
        );
        return Ok(web.finish(attachment(
            bytes,
            format.content_type(),
            &report::file_name(f, format),
            &ascii,
        )));
    }
    let query = figures
        .as_ref()
        .map(|f| format!("from={}&to={}", f.period.from, f.period.to))
        .unwrap_or_default();
    let view = ReportsPage {
        layout: web.layout(),
        year: q.year.clone().unwrap_or_else(|| {
            if asked {
                String::new()
            } else {
                today().year().to_string()
            }
        }),
        from: q.from.clone().unwrap_or_default(),
        to: q.to.clone().unwrap_or_default(),
        format: format.as_str(),
        formats: Format::ALL
            .iter()
            .map(|f| (f.as_str(), f.label()))
            .collect(),
        report: figures
            .as_ref()
            .map(|f| html(&report::blocks(&report::markdown(f)))),
        query,
        errors: errors.into(),
    };
    let mut resp = render(&view)?;
    if !view.errors.is_empty() {
        *resp.status_mut() = StatusCode::BAD_REQUEST;
    }
    Ok(web.finish(resp))
}

pub(super) fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The report's blocks as HTML: headings one level below the page's, tables with
/// header cells and numbers aligned right.
pub(crate) fn html(blocks: &[Block]) -> String {
    let mut h = String::new();
    for b in blocks {
        match b {
            Block::Heading(level, text) => {
                let l = level + 1;
                h.push_str(&format!("<h{l}>{}</h{l}>", escape(text)));
            }
            Block::Paragraph(text) => h.push_str(&format!("<p>{}</p>", escape(text))),
            Block::Table { rows, right } => {
                h.push_str("<div class=\"table-wrap\"><table>");
                for (i, row) in rows.iter().enumerate() {
                    if i == 0 {
                        h.push_str("<thead>");
                    } else if i == 1 {
                        h.push_str("<tbody>");
                    }
                    h.push_str("<tr>");
                    for (c, cell) in row.iter().enumerate() {
                        let num = if right.get(c).copied().unwrap_or(false) {
                            " class=\"num\""
                        } else {
                            ""
                        };
                        if i == 0 {
                            h.push_str(&format!("<th scope=\"col\"{num}>{}</th>", escape(cell)));
                        } else if c == 0 {
                            h.push_str(&format!("<th scope=\"row\">{}</th>", escape(cell)));
                        } else {
                            h.push_str(&format!("<td{num}>{}</td>", escape(cell)));
                        }
                    }
                    h.push_str("</tr>");
                    if i == 0 {
                        h.push_str("</thead>");
                    }
                }
                if rows.len() > 1 {
                    h.push_str("</tbody>");
                }
                h.push_str("</table></div>");
            }
        }
    }
    h
}
