//! 问题协调: a problem raised on a project by any department taking part or the lead
//! department — what it is, which department must act, by when — followed to a
//! result. Those past their day without a result show on the supervision page.

use super::{given, may_read};
use crate::audit;
use crate::org::Principal;
use crate::{Result, Sql, Store, StoreError, Total, time};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use serde_json::json;
use sqlx::{AnyConnection, Row};
use std::sync::Arc;
use tongban_domain::org::Role;
use tongban_domain::project::ProjectCode;
use tongban_domain::required_text;

/// A problem as typed in.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ProblemInput {
    #[serde(default)]
    pub description: String,
    /// The department that must act (its code).
    #[serde(default)]
    pub department: String,
    /// `YYYY-MM-DD`.
    #[serde(default)]
    pub due_on: String,
}

/// A problem as shown.
#[derive(Debug, Clone, Serialize)]
pub struct ProblemView {
    pub id: i64,
    pub project_code: String,
    pub project_name: String,
    pub description: String,
    pub department: String,
    pub department_name: String,
    pub due_on: String,
    /// `open` or `resolved`.
    pub status: String,
    pub status_label: &'static str,
    /// Open past its day.
    pub overdue: bool,
    pub raised_at: String,
    pub raised_by: String,
    pub result: Option<String>,
    pub resolved_at: Option<String>,
    pub resolved_by: Option<String>,
}

const COLUMNS: &str = "q.id, p.code, p.name, q.description, d.code AS dcode, d.name AS dname, q.due_on, q.status, \
     q.raised_at, q.raised_by, q.result, q.resolved_at, q.resolved_by, p.lead_department_id, q.department_id";
const FROM: &str = " FROM project_problems q JOIN projects p ON p.id = q.project_id \
     JOIN departments d ON d.id = q.department_id WHERE 1 = 1";

fn view_from(r: &sqlx::any::AnyRow, today: NaiveDate) -> Result<ProblemView> {
    let status: String = r.try_get("status")?;
    let due_on: String = r.try_get("due_on")?;
    Ok(ProblemView {
        id: r.try_get("id")?,
        project_code: r.try_get("code")?,
        project_name: r.try_get("name")?,
        description: r.try_get("description")?,
        department: r.try_get("dcode")?,
        department_name: r.try_get("dname")?,
        overdue: status == "open" && time::parse_day(&due_on).is_some_and(|d| d < today),
        status_label: if status == "open" {
            "待解决"
        } else {
            "已解决"
        },
        status,
        due_on,
        raised_at: time::display(&r.try_get::<String, _>("raised_at")?),
        raised_by: r.try_get("raised_by")?,
        result: r.try_get("result")?,
        resolved_at: r
            .try_get::<Option<String>, _>("resolved_at")?
            .map(|t| time::display(&t)),
        resolved_by: r.try_get("resolved_by")?,
    })
}

/// Raises a problem on a project: staff of a department (the lead department, or
/// one taking part), or an administrator; every fault of the input at once.
pub async fn raise(
    store: &Store,
    p: &Principal,
    code: &str,
    input: &ProblemInput,
) -> Result<ProblemView> {
    may_read(p)?;
    if p.role == Role::Supervisor || (p.department_id.is_none() && p.role != Role::Admin) {
        return Err(StoreError::Forbidden(
            "问题协调由参与审批的部门或牵头部门提出".into(),
        ));
    }
    let code = ProjectCode::parse(code).map_err(StoreError::Invalid)?;
    let today = time::local_day(time::now());
    let mut faults = tongban_domain::Faults::default();
    let description = faults.take(required_text(
        "description",
        "问题描述",
        &input.description,
        1000,
    ));
    let due = faults.take(
        NaiveDate::parse_from_str(input.due_on.trim(), "%Y-%m-%d")
            .map_err(|_| {
                tongban_domain::Invalid::new(
                    "due_on",
                    format!("解决期限“{}”无效，应为 YYYY-MM-DD", input.due_on.trim()),
                )
            })
            .and_then(|d| {
                if d < today || (d - today).num_days() > 366 {
                    Err(tongban_domain::Invalid::new(
                        "due_on",
                        "解决期限应在今天至一年之内",
                    ))
                } else {
                    Ok(d)
                }
            }),
    );
    let mut rd = store.reader().await?;
    let dept = crate::org::department_by_code(&mut rd, input.department.trim()).await?;
    if dept.is_none() {
        faults.push(tongban_domain::Invalid::new(
            "department",
            if input.department.trim().is_empty() {
                "请选择负责解决的部门".to_string()
            } else {
                format!("部门代码“{}”不存在", input.department.trim())
            },
        ));
    }
    let project: Option<(i64, i64)> =
        sqlx::query_as("SELECT id, lead_department_id FROM projects WHERE code = $1")
            .bind(code.as_str())
            .fetch_optional(&mut *rd)
            .await?;
    let (project, lead) =
        project.ok_or_else(|| StoreError::not_found(format!("工程建设项目“{code}”不存在")))?;
    if p.role != Role::Admin && !takes_part(&mut rd, project, lead, p.department_id).await? {
        return Err(StoreError::Forbidden(
            "只有项目的牵头部门和参与审批、验收的部门可以提出协调问题".into(),
        ));
    }
    drop(rd);
    let (description, due, dept) = match (description, due, dept) {
        (Some(a), Some(b), Some(c)) if faults.is_empty() => (a, b, c),
        _ => return Err(faults.finish::<()>(None).unwrap_err().into()),
    };
    let job = Arc::new((
        project,
        description,
        dept.id,
        due,
        p.actor(),
        store.keys().clone(),
        code,
    ));
    let id = store
        .write(move |tx| {
            let job = job.clone();
            Box::pin(async move {
                let (project, description, dept, due, actor, keys, code) = &*job;
                let id: i64 = sqlx::query_scalar(
                    "INSERT INTO project_problems (project_id, description, department_id, due_on, status, raised_at, raised_by) \
                     VALUES ($1, $2, $3, $4, 'open', $5, $6) RETURNING id",
                )
                .bind(project)
                .bind(description)
                .bind(dept)
                .bind(time::day(*due))
                .bind(time::stamp(time::now()))
                .bind(&actor.name)
                .fetch_one(&mut *tx)
                .await?;
                crate::stats::track_new(&mut *tx, &crate::stats::PROBLEMS, &[id]).await?;
                audit::append(
                    tx,
                    keys,
                    actor,
                    "project.problem",
                    "project",
                    code.as_str(),
                    json!({ "problem": id, "department": dept, "due_on": time::day(*due) }),
                )
                .await?;
                Ok(id)
            })
        })
        .await?;
    one(&mut *store.reader().await?, id).await
}

/// Whether a department leads the project or takes part in it (a case in one of its
/// stages, or an inspection of one of its acceptances).
async fn takes_part(
    rd: &mut AnyConnection,
    project: i64,
    lead: i64,
    department: Option<i64>,
) -> Result<bool> {
    let Some(d) = department else {
        return Ok(false);
    };
    if d == lead {
        return Ok(true);
    }
    let n: i64 = sqlx::query_scalar(
        "SELECT (SELECT COUNT(*) FROM stage_applications a JOIN stage_cases s ON s.application_id = a.id \
         JOIN cases c ON c.id = s.case_id WHERE a.project_id = $1 AND c.department_id = $2) + \
         (SELECT COUNT(*) FROM acceptances x JOIN acceptance_checks k ON k.acceptance_id = x.id \
         WHERE x.project_id = $1 AND k.department_id = $2)",
    )
    .bind(project)
    .bind(d)
    .fetch_one(&mut *rd)
    .await?;
    Ok(n > 0)
}

async fn one(rd: &mut AnyConnection, id: i64) -> Result<ProblemView> {
    let sql = format!("SELECT {COLUMNS}{FROM} AND q.id = $1");
    let r = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(id)
        .fetch_optional(&mut *rd)
        .await?
        .ok_or_else(|| StoreError::not_found(format!("协调问题{id}不存在")))?;
    view_from(&r, time::local_day(time::now()))
}

/// Records a problem's result: the department that must act, the lead department,
/// or an administrator; `project`, when given, is the project the problem must be on.
pub async fn resolve(
    store: &Store,
    p: &Principal,
    project: Option<&str>,
    id: i64,
    result: &str,
) -> Result<ProblemView> {
    let result = required_text("result", "解决情况", result, 1000)?;
    let (lead, dept): (i64, i64) = {
        let mut rd = store.reader().await?;
        let r = sqlx::query(
            "SELECT p.lead_department_id, q.department_id, p.code FROM project_problems q \
             JOIN projects p ON p.id = q.project_id WHERE q.id = $1",
        )
        .bind(id)
        .fetch_optional(&mut *rd)
        .await?
        .filter(|r| {
            project.is_none_or(|c| r.try_get::<String, _>(2).is_ok_and(|code| code == c.trim()))
        })
        .ok_or_else(|| StoreError::not_found(format!("协调问题{id}不存在")))?;
        (r.try_get(0)?, r.try_get(1)?)
    };
    let staff = p.role.works_cases()
        && p.role != Role::Supervisor
        && p.department_id.is_some_and(|d| d == lead || d == dept);
    if !(staff || p.role == Role::Admin) {
        return Err(StoreError::Forbidden(
            "协调问题的解决情况由负责部门或牵头部门填写".into(),
        ));
    }
    let job = Arc::new((id, result, p.actor(), store.keys().clone()));
    store
        .write(move |tx| {
            let job = job.clone();
            Box::pin(async move {
                let (id, result, actor, keys) = &*job;
                let cal = tongban_domain::calendar::Calendar::default();
                let before =
                    crate::stats::snapshot(&mut *tx, &crate::stats::PROBLEMS, &[*id], &cal).await?;
                let n = sqlx::query(
                    "UPDATE project_problems SET status = 'resolved', result = $1, resolved_at = $2, resolved_by = $3 \
                     WHERE id = $4 AND status = 'open'",
                )
                .bind(result)
                .bind(time::stamp(time::now()))
                .bind(&actor.name)
                .bind(id)
                .execute(&mut *tx)
                .await?
                .rows_affected();
                if n == 0 {
                    return Err(StoreError::Conflict {
                        field: "result",
                        message: format!("协调问题{id}已解决"),
                    });
                }
                let after =
                    crate::stats::snapshot(&mut *tx, &crate::stats::PROBLEMS, &[*id], &cal).await?;
                crate::stats::track(&mut *tx, &crate::stats::PROBLEMS, Some(&before), &after)
                    .await?;
                audit::append(
                    tx,
                    keys,
                    actor,
                    "project.problem_resolve",
                    "problem",
                    &id.to_string(),
                    json!({}),
                )
                .await?;
                Ok(())
            })
        })
        .await?;
    one(&mut *store.reader().await?, id).await
}

/// What the problem list is narrowed to.
#[derive(Debug, Default, Clone, Deserialize)]
pub struct ProblemFilter {
    pub project: Option<String>,
    /// `open` or `resolved`.
    pub status: Option<String>,
    /// Only open ones past their day.
    pub overdue: bool,
    pub department: Option<String>,
    pub page: Option<i64>,
    pub per_page: Option<i64>,
}

/// Problems, the earliest due first.
pub async fn list(
    store: &Store,
    p: &Principal,
    f: &ProblemFilter,
) -> Result<(Vec<ProblemView>, Total)> {
    may_read(p)?;
    let (_, per_page, skip) = crate::paging(f.page, f.per_page, 50, 200)?;
    let today = time::local_day(time::now());
    let mut sql = Sql::new("");
    if let Some(c) = given(&f.project) {
        sql.push(" AND p.code = ").bind_s(c);
    }
    match given(&f.status).as_deref() {
        None => {}
        Some(s @ ("open" | "resolved")) => {
            sql.push(" AND q.status = ").bind_s(s);
        }
        Some(_) => {
            return Err(StoreError::invalid(
                "status",
                "状态应为 open（待解决）或 resolved（已解决）",
            ));
        }
    }
    if f.overdue {
        sql.push(" AND q.status = 'open' AND q.due_on < ")
            .bind_s(time::day(today));
    }
    if let Some(d) = given(&f.department) {
        sql.push(" AND d.code = ").bind_s(d);
    }
    let mut rd = store.reader().await?;
    super::listing(
        &mut rd,
        &sql,
        (COLUMNS, FROM, "q.status, q.due_on, q.id"),
        (per_page, skip),
        |r| view_from(r, today),
    )
    .await
}

/// A coordination problem as exported.
#[derive(Debug, Clone, Serialize)]
pub struct ProblemExport {
    pub id: i64,
    pub project: String,
    pub department: String,
    pub raised_on: String,
    pub due_on: String,
    pub status: String,
    pub resolved_on: Option<String>,
}

/// Every coordination problem, oldest first, to `sink`; days are local days.
pub async fn export_problems(
    store: &Store,
    mut sink: impl FnMut(ProblemExport) -> anyhow::Result<()>,
) -> Result<u64> {
    let mut rd = store.reader().await?;
    let on = |s: Option<String>| {
        s.as_deref()
            .and_then(time::parse_stamp)
            .map(|t| time::day(time::local_day(t)))
    };
    let select = "SELECT q.id, p.code, d.code, q.raised_at, q.due_on, q.status, q.resolved_at \
                  FROM project_problems q JOIN projects p ON p.id = q.project_id \
                  JOIN departments d ON d.id = q.department_id WHERE 1 = 1";
    crate::keyset_rows(&mut rd, select, "q.id", |r| {
        let id: i64 = r.try_get(0)?;
        sink(ProblemExport {
            id,
            project: r.try_get(1)?,
            department: r.try_get(2)?,
            raised_on: on(r.try_get(3)?).unwrap_or_default(),
            due_on: r.try_get(4)?,
            status: r.try_get(5)?,
            resolved_on: on(r.try_get(6)?),
        })?;
        Ok(id)
    })
    .await
}
