//! Server-rendered pages. For now the landing page that tells a visitor what this
//! office's platform holds; the portal and workbench build on it.

use crate::AppState;
use crate::error::ApiError;
use axum::Router;
use axum::extract::State;
use axum::response::Html;
use axum::routing::get;

pub fn router() -> Router<AppState> {
    Router::new().route("/", get(home))
}

/// Escapes text for HTML.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

async fn home(State(s): State<AppState>) -> Result<Html<String>, ApiError> {
    let departments = tongban_store::org::departments(&s.store).await?;
    let points = tongban_store::org::points(&s.store).await?;
    let (_, items) = tongban_store::catalog::list_items(
        &s.store,
        &tongban_store::catalog::ItemFilter {
            per_page: Some(1),
            status: Some("in_use".into()),
            ..Default::default()
        },
        tongban_store::time::local_day(tongban_store::time::now()),
    )
    .await?;
    let office = s
        .store
        .setting("office_name")
        .await?
        .unwrap_or_else(|| "政务服务中心".into());
    let point_list: String = points
        .iter()
        .map(|p| format!("<li>{}（{}）</li>", esc(&p.name), p.kind.label()))
        .collect();
    Ok(Html(format!(
        r#"<!doctype html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{office} · 通办</title>
<style>
body {{ font-family: system-ui, "Noto Sans CJK SC", "Microsoft YaHei", sans-serif; margin: 0; color: #0b0c0c; line-height: 1.6; }}
header {{ background: #0b3d91; color: #fff; padding: 1rem; }}
main {{ max-width: 60rem; margin: 0 auto; padding: 1rem; }}
a {{ color: #1d4ed8; }} a:focus {{ outline: 3px solid #fd0; }}
.figures {{ display: flex; flex-wrap: wrap; gap: 1rem; list-style: none; padding: 0; }}
.figures li {{ border-left: 4px solid #0b3d91; padding: .5rem 1rem; background: #f3f2f1; }}
.figures strong {{ display: block; font-size: 2rem; }}
@media print {{ header {{ background: none; color: #000; }} }}
</style>
</head>
<body>
<header><p><strong>{office}</strong></p></header>
<main>
<h1>政务服务平台</h1>
<ul class="figures">
<li><strong>{nd}</strong>进驻部门</li>
<li><strong>{ni}</strong>在用事项</li>
<li><strong>{np}</strong>服务点</li>
</ul>
<h2>服务点</h2>
<ul>{point_list}</ul>
<h2>接口</h2>
<p>本平台提供 JSON 接口，说明见 <a href="/api/openapi.json">OpenAPI 文档</a>；办件进度可通过 <code>/api/v1/progress/办件编号?last_six=证件号码后六位</code> 查询。</p>
</main>
</body>
</html>"#,
        office = esc(&office),
        nd = departments.len(),
        ni = items,
        np = points.len(),
    )))
}
