//! 热点诉求 for the hotline center and supervisors: a window's clusters of orders by
//! subject and place, as a table and a server-rendered SVG bar chart, each linked
//! to its orders.

use crate::AppState;
use crate::pages::{Errors, FieldError, Layout, PageResult, Web, render};
use askama::Template;
use axum::Router;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::routing::get;
use serde::Deserialize;
use tongban_store::StoreError;
use tongban_store::topics::{self, TopicQuery, TopicReport};

pub fn router() -> Router<AppState> {
    Router::new().route("/hotline/topics", get(page))
}

#[derive(Deserialize)]
struct Params {
    from: Option<String>,
    to: Option<String>,
    min: Option<String>,
}

#[derive(Template)]
#[template(path = "hotline/topics.html")]
struct TopicsPage {
    layout: Layout,
    from: String,
    to: String,
    min: String,
    report: Option<TopicReport>,
    chart: String,
    errors: Errors,
}

/// Horizontal bars of the ten biggest topics: this window and the one before.
fn chart(r: &TopicReport) -> String {
    let top: Vec<_> = r.topics.iter().take(10).collect();
    if top.is_empty() {
        return String::new();
    }
    let max = top
        .iter()
        .map(|t| t.count.max(t.before))
        .max()
        .unwrap_or(1)
        .max(1) as f64;
    let row = 34;
    let label_w = 220.0;
    let bar_w = 360.0;
    let height = top.len() * row + 30;
    let mut svg = format!(
        "<svg class=\"chart\" role=\"img\" aria-labelledby=\"topics-chart-title\" viewBox=\"0 0 {} {height}\" width=\"100%\" xmlns=\"http://www.w3.org/2000/svg\">\
         <title id=\"topics-chart-title\">热点诉求工单数（{}至{}），浅色为上一周期</title>",
        label_w + bar_w + 60.0,
        r.from,
        r.to
    );
    for (i, t) in top.iter().enumerate() {
        let y = (i * row + 8) as f64;
        let label = escape(&format!("{} · {}", t.place, t.subject));
        let w_now = (t.count as f64 / max * bar_w).max(1.0);
        let w_before = (t.before as f64 / max * bar_w).max(0.0);
        svg.push_str(&format!(
            "<text x=\"{x}\" y=\"{ty}\" text-anchor=\"end\" font-size=\"13\" fill=\"#1b1b1b\">{label}</text>\
             <rect x=\"{bx}\" y=\"{y}\" width=\"{w_before:.1}\" height=\"10\" fill=\"#9fb7d0\"/>\
             <rect x=\"{bx}\" y=\"{y2}\" width=\"{w_now:.1}\" height=\"14\" fill=\"#1d5fa8\"/>\
             <text x=\"{nx:.1}\" y=\"{ty}\" font-size=\"13\" fill=\"#1b1b1b\">{count}</text>",
            x = label_w - 8.0,
            ty = y + 20.0,
            bx = label_w,
            y2 = y + 10.0,
            nx = label_w + w_now + 6.0,
            count = t.count,
        ));
    }
    svg.push_str("</svg>");
    svg
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

async fn page(State(s): State<AppState>, web: Web, Query(q): Query<Params>) -> PageResult {
    let p = web.staff()?;
    let mut errors = vec![];
    let min = match q.min.as_deref().map(str::trim).filter(|m| !m.is_empty()) {
        None => None,
        Some(m) => match m.parse::<i64>() {
            Ok(n) => Some(n),
            Err(_) => {
                errors.push(FieldError::new("min", "最少工单数应为整数"));
                None
            }
        },
    };
    let query = TopicQuery {
        from: q.from.clone(),
        to: q.to.clone(),
        min,
    };
    let report = if errors.is_empty() {
        match topics::hot_topics(&s.store, p, &query).await {
            Ok(r) => Some(r),
            Err(StoreError::Invalid(i)) => {
                errors.push(FieldError::new(i.field, i.message));
                None
            }
            Err(e) => return Err(e.into()),
        }
    } else {
        None
    };
    let view = TopicsPage {
        layout: web.layout(),
        from: report
            .as_ref()
            .map(|r| r.from.clone())
            .or(q.from)
            .unwrap_or_default(),
        to: report
            .as_ref()
            .map(|r| r.to.clone())
            .or(q.to)
            .unwrap_or_default(),
        min: q.min.unwrap_or_else(|| "3".into()),
        chart: report.as_ref().map(chart).unwrap_or_default(),
        report,
        errors: errors.into(),
    };
    let mut resp = render(&view)?;
    if !view.errors.is_empty() {
        *resp.status_mut() = StatusCode::BAD_REQUEST;
    }
    Ok(web.finish(resp))
}
