//! 挂钩项目: construction projects the enterprise complaint center follows through
//! their approvals — each hooked with its responsible staff, a progress entry a week
//! (one per week, corrected in place), and the monthly summary and quarterly
//! analysis generated from them and from the projects' coordination problems.

use crate::audit;
use crate::org::Principal;
use crate::{Result, Store, StoreError, stats, time};
use chrono::NaiveDate;
use serde::Serialize;
use serde_json::json;
use sqlx::{AnyConnection, Row};
use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::Arc;
use tongban_domain::enterprise::ProgressInput;
use tongban_domain::org::Role;
use tongban_domain::project::ProjectCode;

/// A hooked project as listed.
#[derive(Debug, Clone, Serialize)]
pub struct HookedView {
    pub code: String,
    pub name: String,
    pub owner_name: String,
    pub responsible: String,
    pub hooked_on: String,
    pub latest_week: Option<String>,
    pub latest_progress: Option<String>,
    pub open_problems: i64,
}

/// A week's progress as kept.
#[derive(Debug, Clone, Serialize)]
pub struct ProgressView {
    pub week_of: String,
    pub progress: String,
    pub problems: String,
    pub entered_by: String,
}

fn may_track(p: &Principal) -> Result<()> {
    match p.role {
        Role::Supervisor | Role::Admin => Ok(()),
        r => Err(StoreError::Forbidden(format!(
            "{}不能维护挂钩项目（由企业投诉处理中心工作人员维护）",
            r.label()
        ))),
    }
}

async fn project_id(rd: &mut AnyConnection, code: &str) -> Result<i64> {
    let code = ProjectCode::parse(code).map_err(StoreError::Invalid)?;
    sqlx::query_scalar("SELECT id FROM projects WHERE code = $1")
        .bind(code.as_str())
        .fetch_optional(&mut *rd)
        .await?
        .ok_or_else(|| StoreError::invalid("project", format!("工程建设项目“{code}”不存在")))
}

/// Hooks a project to the center with its responsible staff (from `on`: today, or
/// an imported history's day); audited. A project is hooked once.
pub async fn hook(
    store: &Store,
    p: &Principal,
    code: &str,
    responsible: &str,
    on: NaiveDate,
) -> Result<()> {
    may_track(p)?;
    let responsible = responsible.trim().to_string();
    if responsible.is_empty() || responsible.chars().count() > 50 {
        return Err(StoreError::invalid(
            "responsible",
            "请填写跟踪责任人（不超过50个字）",
        ));
    }
    let id = project_id(&mut *store.reader().await?, code).await?;
    let job = Arc::new((
        id,
        code.trim().to_string(),
        responsible,
        on,
        p.actor(),
        store.keys().clone(),
    ));
    store
        .write(move |tx| {
            let job = job.clone();
            Box::pin(async move {
                let (id, code, responsible, on, actor, keys) = &*job;
                sqlx::query(
                    "INSERT INTO hooked_projects (project_id, hooked_on, responsible, created_by) VALUES ($1, $2, $3, $4)",
                )
                .bind(id)
                .bind(time::day(*on))
                .bind(responsible)
                .bind(&actor.name)
                .execute(&mut *tx)
                .await
                .map_err(|e| crate::org::unique_violation(e, "project", "该项目已挂钩"))?;
                audit::append(tx, keys, actor, "project.hook", "project", code, json!({ "responsible": responsible }))
                    .await?;
                Ok(())
            })
        })
        .await
}

/// The hooked projects with their latest week and open problems.
pub async fn hooked(store: &Store) -> Result<Vec<HookedView>> {
    let mut rd = store.reader().await?;
    let rows = sqlx::query(
        "SELECT p.code, p.name, p.owner_name, h.responsible, h.hooked_on, \
         (SELECT MAX(g.week_of) FROM project_progress g WHERE g.project_id = p.id), \
         (SELECT g.progress FROM project_progress g WHERE g.project_id = p.id ORDER BY g.week_of DESC LIMIT 1), \
         (SELECT CAST(COUNT(*) AS BIGINT) FROM project_problems q WHERE q.project_id = p.id AND q.status = 'open') \
         FROM hooked_projects h JOIN projects p ON p.id = h.project_id ORDER BY h.hooked_on, p.code",
    )
    .fetch_all(&mut *rd)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(HookedView {
                code: r.try_get(0)?,
                name: r.try_get(1)?,
                owner_name: r.try_get(2)?,
                responsible: r.try_get(3)?,
                hooked_on: r.try_get(4)?,
                latest_week: r.try_get(5)?,
                latest_progress: r.try_get(6)?,
                open_problems: r.try_get(7)?,
            })
        })
        .collect()
}

/// Records a week's progress of a hooked project (the week's entry corrected when
/// there is one), audited and counted.
pub async fn record_progress(
    store: &Store,
    p: &Principal,
    code: &str,
    input: &ProgressInput,
) -> Result<ProgressView> {
    may_track(p)?;
    let progress = input
        .check(time::local_day(time::now()))
        .map_err(StoreError::from)?;
    let id = {
        let mut rd = store.reader().await?;
        let id = project_id(&mut rd, code).await?;
        let hooked: Option<i64> =
            sqlx::query_scalar("SELECT project_id FROM hooked_projects WHERE project_id = $1")
                .bind(id)
                .fetch_optional(&mut *rd)
                .await?;
        hooked.ok_or_else(|| {
            StoreError::invalid("project", "该项目未挂钩企业投诉处理中心，请先挂钩")
        })?
    };
    let job = Arc::new((
        id,
        code.trim().to_string(),
        progress,
        p.actor(),
        store.keys().clone(),
    ));
    store
        .write(move |tx| {
            let job = job.clone();
            Box::pin(async move {
                let (id, code, g, actor, keys) = &*job;
                let week = time::day(g.week_of);
                let old: Option<i64> = sqlx::query_scalar(
                    "SELECT id FROM project_progress WHERE project_id = $1 AND week_of = $2",
                )
                .bind(id)
                .bind(&week)
                .fetch_optional(&mut *tx)
                .await?;
                let now = time::stamp(time::now());
                match old {
                    Some(row) => {
                        sqlx::query(
                            "UPDATE project_progress SET progress = $1, problems = $2, entered_at = $3, entered_by = $4 WHERE id = $5",
                        )
                        .bind(&g.progress)
                        .bind(&g.problems)
                        .bind(&now)
                        .bind(&actor.name)
                        .bind(row)
                        .execute(&mut *tx)
                        .await?;
                    }
                    None => {
                        let row: i64 = sqlx::query_scalar(
                            "INSERT INTO project_progress (project_id, week_of, progress, problems, entered_at, entered_by) \
                             VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
                        )
                        .bind(id)
                        .bind(&week)
                        .bind(&g.progress)
                        .bind(&g.problems)
                        .bind(&now)
                        .bind(&actor.name)
                        .fetch_one(&mut *tx)
                        .await?;
                        stats::track_new(&mut *tx, &stats::TRACKING, &[row]).await?;
                    }
                }
                audit::append(
                    tx,
                    keys,
                    actor,
                    "project.progress",
                    "project",
                    code,
                    json!({ "week_of": week, "progress": g.progress, "problems": g.problems }),
                )
                .await?;
                Ok(())
            })
        })
        .await?;
    progress_of(store, code)
        .await?
        .into_iter()
        .next()
        .ok_or_else(|| StoreError::not_found("进展不存在"))
}

/// A hooked project's weekly progress, the latest week first.
pub async fn progress_of(store: &Store, code: &str) -> Result<Vec<ProgressView>> {
    let mut rd = store.reader().await?;
    let id = project_id(&mut rd, code).await?;
    let rows = sqlx::query(
        "SELECT week_of, progress, problems, entered_by FROM project_progress WHERE project_id = $1 ORDER BY week_of DESC",
    )
    .bind(id)
    .fetch_all(&mut *rd)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(ProgressView {
                week_of: r.try_get(0)?,
                progress: r.try_get(1)?,
                problems: r.try_get(2)?,
                entered_by: r.try_get(3)?,
            })
        })
        .collect()
}

/// One project in a summary or an analysis.
#[derive(Debug, Clone, Serialize, Default)]
pub struct DigestProject {
    pub code: String,
    pub name: String,
    pub owner_name: String,
    pub responsible: String,
    /// `(week of, progress, problems)` in the period, oldest first.
    pub weeks: Vec<(String, String, String)>,
    /// Open problems: `(description, department, days open)`.
    pub open: Vec<(String, String, i64)>,
    /// Problems coordinated in the period: `(description, department, result)`.
    pub coordinated: Vec<(String, String, String)>,
}

/// 月度汇总 or 季度分析: every hooked project's progress in the period, its open
/// problems with their department and age, and what was coordinated.
#[derive(Debug, Clone, Serialize)]
pub struct Digest {
    pub title: String,
    pub from: String,
    pub to: String,
    pub projects: Vec<DigestProject>,
    pub tracked: usize,
    pub open: usize,
    pub coordinated: usize,
}

/// The digest of `[from, to]` titled `title`, read in one snapshot with four
/// statements whatever the number of projects.
pub async fn digest(store: &Store, title: &str, from: NaiveDate, to: NaiveDate) -> Result<Digest> {
    let mut rd = store.snapshot().await?;
    let (f, t) = (time::day(from), time::day(to));
    let mut projects: BTreeMap<i64, DigestProject> = BTreeMap::new();
    for r in sqlx::query(
        "SELECT p.id, p.code, p.name, p.owner_name, h.responsible FROM hooked_projects h \
         JOIN projects p ON p.id = h.project_id WHERE h.hooked_on <= $1",
    )
    .bind(&t)
    .fetch_all(&mut *rd)
    .await?
    {
        projects.insert(
            r.try_get(0)?,
            DigestProject {
                code: r.try_get(1)?,
                name: r.try_get(2)?,
                owner_name: r.try_get(3)?,
                responsible: r.try_get(4)?,
                ..DigestProject::default()
            },
        );
    }
    for r in sqlx::query(
        "SELECT g.project_id, g.week_of, g.progress, g.problems FROM project_progress g \
         JOIN hooked_projects h ON h.project_id = g.project_id WHERE g.week_of >= $1 AND g.week_of <= $2 \
         ORDER BY g.week_of",
    )
    .bind(time::day(tongban_domain::enterprise::week_of(from)))
    .bind(&t)
    .fetch_all(&mut *rd)
    .await?
    {
        if let Some(p) = projects.get_mut(&r.try_get::<i64, _>(0)?) {
            p.weeks.push((r.try_get(1)?, r.try_get(2)?, r.try_get(3)?));
        }
    }
    for r in sqlx::query(
        "SELECT q.project_id, q.description, d.name, q.status, q.raised_at, q.result, q.resolved_at FROM project_problems q \
         JOIN hooked_projects h ON h.project_id = q.project_id JOIN departments d ON d.id = q.department_id \
         WHERE q.status = 'open' OR (q.resolved_at >= $1 AND q.resolved_at <= $2) ORDER BY q.raised_at",
    )
    .bind(&f)
    .bind(format!("{t}T23:59:59.999Z"))
    .fetch_all(&mut *rd)
    .await?
    {
        let Some(p) = projects.get_mut(&r.try_get::<i64, _>(0)?) else {
            continue;
        };
        let status: String = r.try_get(3)?;
        if status == "open" {
            let raised: String = r.try_get(4)?;
            let age = time::parse_stamp(&raised)
                .map(|t| (to - time::local_day(t)).num_days().max(0))
                .unwrap_or(0);
            p.open.push((r.try_get(1)?, r.try_get(2)?, age));
        } else {
            p.coordinated.push((
                r.try_get(1)?,
                r.try_get(2)?,
                r.try_get::<Option<String>, _>(5)?.unwrap_or_default(),
            ));
        }
    }
    let projects: Vec<DigestProject> = projects.into_values().collect();
    Ok(Digest {
        title: title.to_string(),
        from: f,
        to: t,
        tracked: projects.iter().filter(|p| !p.weeks.is_empty()).count(),
        open: projects.iter().map(|p| p.open.len()).sum(),
        coordinated: projects.iter().map(|p| p.coordinated.len()).sum(),
        projects,
    })
}

/// The digest as Markdown (the page shows it; Word is written from it like the
/// work report).
pub fn digest_markdown(d: &Digest) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "## {}\n", d.title);
    let _ = writeln!(
        s,
        "统计期间：{} 至 {}。挂钩项目{}个，本期有跟踪进展的{}个；待协调问题{}个，本期协调解决问题{}个。\n",
        d.from,
        d.to,
        d.projects.len(),
        d.tracked,
        d.open,
        d.coordinated
    );
    let _ = writeln!(s, "### 项目进展\n");
    let _ = writeln!(
        s,
        "| 项目代码 | 项目名称 | 建设单位 | 责任人 | 跟踪周数 | 最近进展 |"
    );
    let _ = writeln!(s, "|---|---|---|---|---:|---|");
    for p in &d.projects {
        let latest = p
            .weeks
            .last()
            .map(|w| format!("{}：{}", w.0, w.1))
            .unwrap_or_else(|| "本期未跟踪".into());
        let _ = writeln!(
            s,
            "| {} | {} | {} | {} | {} | {} |",
            p.code,
            cell(&p.name),
            cell(&p.owner_name),
            cell(&p.responsible),
            p.weeks.len(),
            cell(&latest)
        );
    }
    let _ = writeln!(s, "\n### 待协调问题\n");
    if d.open == 0 {
        let _ = writeln!(s, "无。\n");
    } else {
        let _ = writeln!(s, "| 项目 | 问题 | 责任部门 | 已提出（天） |");
        let _ = writeln!(s, "|---|---|---|---:|");
        for p in &d.projects {
            for (desc, dept, age) in &p.open {
                let _ = writeln!(
                    s,
                    "| {} | {} | {} | {} |",
                    cell(&p.name),
                    cell(desc),
                    cell(dept),
                    age
                );
            }
        }
        s.push('\n');
    }
    let _ = writeln!(s, "### 已协调解决问题\n");
    if d.coordinated == 0 {
        let _ = writeln!(s, "无。\n");
    } else {
        let _ = writeln!(s, "| 项目 | 问题 | 责任部门 | 协调结果 |");
        let _ = writeln!(s, "|---|---|---|---|");
        for p in &d.projects {
            for (desc, dept, result) in &p.coordinated {
                let _ = writeln!(
                    s,
                    "| {} | {} | {} | {} |",
                    cell(&p.name),
                    cell(desc),
                    cell(dept),
                    cell(result)
                );
            }
        }
        s.push('\n');
    }
    s
}

/// A table cell's text: one line, no pipe.
fn cell(s: &str) -> String {
    s.replace(['|', '\n', '\r'], " ")
}

/// A week's progress as exported.
#[derive(Debug, Clone, Serialize)]
pub struct ProgressExport {
    pub project_code: String,
    pub week_of: String,
    pub progress: String,
    pub problems: String,
}

/// Every week's progress of the hooked projects, in order, to `sink`.
pub async fn export_progress(
    store: &Store,
    mut sink: impl FnMut(ProgressExport) -> anyhow::Result<()>,
) -> Result<u64> {
    let mut rd = store.reader().await?;
    let rows = sqlx::query(
        "SELECT p.code, g.week_of, g.progress, g.problems FROM project_progress g JOIN projects p ON p.id = g.project_id \
         ORDER BY g.id",
    )
    .fetch_all(&mut *rd)
    .await?;
    let mut n = 0;
    for r in &rows {
        sink(ProgressExport {
            project_code: r.try_get(0)?,
            week_of: r.try_get(1)?,
            progress: r.try_get(2)?,
            problems: r.try_get(3)?,
        })?;
        n += 1;
    }
    Ok(n)
}
