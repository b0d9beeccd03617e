//! 联合验收: joint completion acceptance of a project or a part of it. The owner's
//! request is recorded at the window (or by the lead department); the lead
//! department fixes the day and the departments; each department records its own
//! result; failed ones are inspected again; the acceptance closes itself, in the
//! transaction of the last pass, with a certificate signed by the lead department
//! (an electronic license, verifiable like the others) and the working days from
//! request to certificate. The kept figures move in that same transaction.

use super::{given, may_read};
use crate::audit::{self, Actor};
use crate::org::Principal;
use crate::{Result, Sql, Store, StoreError, Total, stats, time};
use chrono::NaiveDate;
use serde::Serialize;
use serde_json::json;
use sqlx::{AnyConnection, Row};
use std::sync::Arc;
use tongban_domain::Calendar;
use tongban_domain::acceptance::{
    AcceptanceStatus, CheckResult, RequestInput, ResultInput, ScheduleInput, Visit, inspection_day,
    standing, status_of,
};
use tongban_domain::org::Role;
use tongban_domain::project::ProjectCode;

/// One department's visit as shown.
#[derive(Debug, Clone, Serialize)]
pub struct CheckView {
    pub department: String,
    pub department_name: String,
    /// 1 for the first inspection, 2 for the first re-inspection, …
    pub visit: i64,
    pub inspect_on: String,
    pub result: Option<CheckResult>,
    pub result_label: &'static str,
    pub findings: Option<String>,
    pub recorded_at: Option<String>,
    pub recorded_by: Option<String>,
}

/// An acceptance as staff, the API and the owner's tracking see it (an
/// enterprise's project: no personal data).
#[derive(Debug, Clone, Serialize)]
pub struct AcceptanceView {
    pub acceptance_no: String,
    pub project_code: String,
    pub project_name: String,
    pub owner_name: String,
    pub owner_credit_code: String,
    pub lead_department: String,
    pub lead_department_name: String,
    pub part: Option<String>,
    pub area_m2: f64,
    pub status: AcceptanceStatus,
    pub status_label: &'static str,
    pub requested_at: String,
    pub requested_on: String,
    pub requested_by: String,
    /// The day of the inspection under way (or the last one).
    pub inspect_on: Option<String>,
    pub certified_at: Option<String>,
    pub certified_on: Option<String>,
    /// Working days from the request to the certificate.
    pub working_days: Option<i64>,
    /// Every department passed on its first visit.
    pub first_pass: Option<bool>,
    pub license_no: Option<String>,
    /// Every visit, by department then visit (empty in lists).
    pub checks: Vec<CheckView>,
}

const COLUMNS: &str = "a.id, a.acceptance_no, p.code AS project_code, p.name AS project_name, p.owner_name, \
     p.owner_credit_code, d.code AS dcode, d.name AS dname, a.part, a.area_cm2, a.status, a.requested_at, \
     a.requested_on, a.requested_by, a.inspect_on, a.certified_at, a.certified_on, a.working_days, a.first_pass, \
     a.license_no, p.lead_department_id";
const FROM: &str = " FROM acceptances a JOIN projects p ON p.id = a.project_id \
     JOIN departments d ON d.id = p.lead_department_id WHERE 1 = 1";

fn view_from(r: &sqlx::any::AnyRow) -> Result<AcceptanceView> {
    let no: String = r.try_get("acceptance_no")?;
    let status: String = r.try_get("status")?;
    let status = AcceptanceStatus::parse(&status)
        .ok_or_else(|| StoreError::Other(anyhow::anyhow!("acceptance {no}: bad status")))?;
    let first_pass: Option<i64> = r.try_get("first_pass")?;
    Ok(AcceptanceView {
        project_code: r.try_get("project_code")?,
        project_name: r.try_get("project_name")?,
        owner_name: r.try_get("owner_name")?,
        owner_credit_code: r.try_get("owner_credit_code")?,
        lead_department: r.try_get("dcode")?,
        lead_department_name: r.try_get("dname")?,
        part: r.try_get("part")?,
        area_m2: r.try_get::<i64, _>("area_cm2")? as f64 / 100.0,
        status,
        status_label: status.label(),
        requested_at: time::display(&r.try_get::<String, _>("requested_at")?),
        requested_on: r.try_get("requested_on")?,
        requested_by: r.try_get("requested_by")?,
        inspect_on: r.try_get("inspect_on")?,
        certified_at: r
            .try_get::<Option<String>, _>("certified_at")?
            .map(|t| time::display(&t)),
        certified_on: r.try_get("certified_on")?,
        working_days: r.try_get("working_days")?,
        first_pass: first_pass.map(|v| v != 0),
        license_no: r.try_get("license_no")?,
        checks: vec![],
        acceptance_no: no,
    })
}

/// The lead department's staff who work cases (not a supervisor), or an
/// administrator: they fix the days and the departments.
fn may_lead(p: &Principal, lead: i64) -> Result<()> {
    let staff = p.role.works_cases() && p.role != Role::Supervisor && p.department_id == Some(lead);
    if staff || p.role == Role::Admin {
        Ok(())
    } else {
        Err(StoreError::Forbidden(
            "联合验收由项目的牵头部门组织（安排验收日期和参加部门）".into(),
        ))
    }
}

/// An acceptance's row and the lead department.
struct Found {
    id: i64,
    view: AcceptanceView,
    lead: i64,
}

async fn find(rd: &mut AnyConnection, no: &str) -> Result<Found> {
    let sql = format!("SELECT {COLUMNS}{FROM} AND a.acceptance_no = $1");
    let r = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(no.trim())
        .fetch_optional(&mut *rd)
        .await?
        .ok_or_else(|| StoreError::not_found(format!("联合验收“{}”不存在", no.trim())))?;
    Ok(Found {
        id: r.try_get("id")?,
        lead: r.try_get("lead_department_id")?,
        view: view_from(&r)?,
    })
}

async fn checks_of(rd: &mut AnyConnection, id: i64) -> Result<Vec<(i64, CheckView)>> {
    let rows = sqlx::query(
        "SELECT k.department_id, d.code, d.name, k.visit, k.inspect_on, k.result, k.findings, k.recorded_at, k.recorded_by \
         FROM acceptance_checks k JOIN departments d ON d.id = k.department_id \
         WHERE k.acceptance_id = $1 ORDER BY d.sort, d.code, k.visit",
    )
    .bind(id)
    .fetch_all(&mut *rd)
    .await?;
    rows.iter()
        .map(|r| {
            let result = r
                .try_get::<Option<String>, _>(5)?
                .and_then(|s| CheckResult::parse(&s));
            Ok((
                r.try_get(0)?,
                CheckView {
                    department: r.try_get(1)?,
                    department_name: r.try_get(2)?,
                    visit: r.try_get(3)?,
                    inspect_on: r.try_get(4)?,
                    result,
                    result_label: result.map(CheckResult::label).unwrap_or("待录入"),
                    findings: r.try_get(6)?,
                    recorded_at: r
                        .try_get::<Option<String>, _>(7)?
                        .map(|t| time::display(&t)),
                    recorded_by: r.try_get(8)?,
                },
            ))
        })
        .collect()
}

async fn full(rd: &mut AnyConnection, no: &str) -> Result<AcceptanceView> {
    let f = find(rd, no).await?;
    let mut v = f.view;
    v.checks = checks_of(rd, f.id)
        .await?
        .into_iter()
        .map(|(_, c)| c)
        .collect();
    Ok(v)
}

/// One acceptance with every visit.
pub async fn get(store: &Store, p: &Principal, no: &str) -> Result<AcceptanceView> {
    may_read(p)?;
    full(&mut *store.reader().await?, no).await
}

/// Records an owner's request for acceptance: at the windows (on the owner's
/// behalf), by the lead department, or by an administrator.
pub async fn request(
    store: &Store,
    p: &Principal,
    project_code: &str,
    input: &RequestInput,
) -> Result<AcceptanceView> {
    let code = ProjectCode::parse(project_code).map_err(StoreError::Invalid)?;
    let (project_id, lead, floor): (i64, i64, i64) = {
        let mut rd = store.reader().await?;
        let r = sqlx::query(
            "SELECT id, lead_department_id, floor_area_cm2 FROM projects WHERE code = $1",
        )
        .bind(code.as_str())
        .fetch_optional(&mut *rd)
        .await?
        .ok_or_else(|| StoreError::not_found(format!("工程建设项目“{code}”不存在")))?;
        (r.try_get(0)?, r.try_get(1)?, r.try_get(2)?)
    };
    if !(p.role.accepts_applications() || may_lead(p, lead).is_ok()) {
        return Err(StoreError::Forbidden(format!(
            "{}不能登记联合验收申请（由综合窗口或牵头部门登记）",
            p.role.label()
        )));
    }
    let new = input.check(floor).map_err(StoreError::from)?;
    let job = Arc::new((new, p.actor(), store.keys().clone(), code));
    let no = store
        .write(move |tx| {
            let job = job.clone();
            Box::pin(async move {
                let (new, actor, keys, code) = &*job;
                let now = time::now();
                let today = time::local_day(now);
                let n = crate::org::next_counter(
                    &mut *tx,
                    &format!("acceptance:{}", today.format("%Y")),
                )
                .await?;
                let no = format!("LY{}-{n:05}", today.format("%Y"));
                sqlx::query(
                    "INSERT INTO acceptances (acceptance_no, project_id, part, area_cm2, status, requested_at, \
                     requested_on, requested_by) VALUES ($1, $2, $3, $4, 'requested', $5, $6, $7)",
                )
                .bind(&no)
                .bind(project_id)
                .bind(&new.part)
                .bind(new.area_cm2)
                .bind(time::stamp(now))
                .bind(time::day(today))
                .bind(&actor.name)
                .execute(&mut *tx)
                .await?;
                audit::append(
                    tx,
                    keys,
                    actor,
                    "acceptance.request",
                    "acceptance",
                    &no,
                    json!({ "project": code.as_str(), "part": new.part, "area_cm2": new.area_cm2 }),
                )
                .await?;
                Ok(no)
            })
        })
        .await?;
    full(&mut *store.reader().await?, &no).await
}

/// Department ids of codes, or every unknown code named.
async fn department_ids(rd: &mut AnyConnection, codes: &[String]) -> Result<Vec<(i64, String)>> {
    let mut out = vec![];
    let mut unknown = vec![];
    for c in codes {
        match crate::org::department_by_code(&mut *rd, c).await? {
            Some(d) => out.push((d.id, d.name)),
            None => unknown.push(c.as_str()),
        }
    }
    if !unknown.is_empty() {
        return Err(StoreError::invalid(
            "departments",
            format!("部门代码不存在：{}", unknown.join("、")),
        ));
    }
    Ok(out)
}

/// The lead department fixes the day and the departments of the first inspection
/// (again, as long as no department has recorded a result).
pub async fn schedule(
    store: &Store,
    p: &Principal,
    no: &str,
    input: &ScheduleInput,
) -> Result<AcceptanceView> {
    let mut rd = store.reader().await?;
    let f = find(&mut rd, no).await?;
    may_lead(p, f.lead)?;
    let today = time::local_day(time::now());
    let s = input.check(today).map_err(StoreError::from)?;
    let depts = department_ids(&mut rd, &s.departments).await?;
    drop(rd);
    let job = Arc::new((f.id, s.inspect_on, depts, p.actor(), store.keys().clone()));
    let no = f.view.acceptance_no.clone();
    store
        .write(move |tx| {
            let (job, no) = (job.clone(), no.clone());
            Box::pin(async move {
                let (id, day, depts, actor, keys) = &*job;
                let n = sqlx::query(
                    "UPDATE acceptances SET status = 'scheduled', inspect_on = $1 \
                     WHERE id = $2 AND status IN ('requested', 'scheduled')",
                )
                .bind(time::day(*day))
                .bind(id)
                .execute(&mut *tx)
                .await?
                .rows_affected();
                let recorded: i64 = sqlx::query_scalar(
                    "SELECT COUNT(*) FROM acceptance_checks WHERE acceptance_id = $1 AND result IS NOT NULL",
                )
                .bind(id)
                .fetch_one(&mut *tx)
                .await?;
                if n == 0 || recorded > 0 {
                    return Err(StoreError::Conflict {
                        field: "inspect_on",
                        message: format!("联合验收{no}已开始现场验收，不能重新排期"),
                    });
                }
                sqlx::query("DELETE FROM acceptance_checks WHERE acceptance_id = $1")
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
                for (d, _) in depts {
                    sqlx::query(
                        "INSERT INTO acceptance_checks (acceptance_id, department_id, visit, inspect_on) VALUES ($1, $2, 1, $3)",
                    )
                    .bind(id)
                    .bind(d)
                    .bind(time::day(*day))
                    .execute(&mut *tx)
                    .await?;
                }
                audit::append(
                    tx,
                    keys,
                    actor,
                    "acceptance.schedule",
                    "acceptance",
                    &no,
                    json!({ "inspect_on": time::day(*day), "departments": depts.iter().map(|d| d.0).collect::<Vec<_>>() }),
                )
                .await?;
                Ok(())
            })
        })
        .await?;
    full(&mut *store.reader().await?, &f.view.acceptance_no).await
}

/// The lead department sets the day on which the departments that failed inspect
/// again.
pub async fn reinspect(
    store: &Store,
    p: &Principal,
    no: &str,
    inspect_on: &str,
) -> Result<AcceptanceView> {
    let f = find(&mut *store.reader().await?, no).await?;
    may_lead(p, f.lead)?;
    let day = inspection_day(inspect_on, time::local_day(time::now()))?;
    let job = Arc::new((f.id, day, p.actor(), store.keys().clone()));
    let no = f.view.acceptance_no.clone();
    store
        .write(move |tx| {
            let (job, no) = (job.clone(), no.clone());
            Box::pin(async move {
                let (id, day, actor, keys) = &*job;
                let n = sqlx::query(
                    "UPDATE acceptances SET status = 'scheduled', inspect_on = $1 WHERE id = $2 AND status = 'reinspection'",
                )
                .bind(time::day(*day))
                .bind(id)
                .execute(&mut *tx)
                .await?
                .rows_affected();
                if n == 0 {
                    return Err(StoreError::Conflict {
                        field: "inspect_on",
                        message: format!("联合验收{no}没有待复验的部门"),
                    });
                }
                let failed = standing(&visits(&mut *tx, *id).await?).failed;
                for d in &failed {
                    sqlx::query(
                        "INSERT INTO acceptance_checks (acceptance_id, department_id, visit, inspect_on) \
                         SELECT $1, $2, MAX(visit) + 1, $3 FROM acceptance_checks WHERE acceptance_id = $1 AND department_id = $2",
                    )
                    .bind(id)
                    .bind(d)
                    .bind(time::day(*day))
                    .execute(&mut *tx)
                    .await?;
                }
                audit::append(
                    tx,
                    keys,
                    actor,
                    "acceptance.reinspect",
                    "acceptance",
                    &no,
                    json!({ "inspect_on": time::day(*day), "departments": failed }),
                )
                .await?;
                Ok(())
            })
        })
        .await?;
    full(&mut *store.reader().await?, &f.view.acceptance_no).await
}

async fn visits(tx: &mut AnyConnection, id: i64) -> Result<Vec<Visit>> {
    let rows = sqlx::query(
        "SELECT department_id, visit, result FROM acceptance_checks WHERE acceptance_id = $1",
    )
    .bind(id)
    .fetch_all(&mut *tx)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(Visit {
                department: r.try_get(0)?,
                visit: r.try_get(1)?,
                result: r
                    .try_get::<Option<String>, _>(2)?
                    .and_then(|s| CheckResult::parse(&s)),
            })
        })
        .collect()
}

/// A department records its result of the visit under way; the last pass closes
/// the acceptance with its certificate.
pub async fn record(
    store: &Store,
    p: &Principal,
    no: &str,
    input: &ResultInput,
) -> Result<AcceptanceView> {
    let checked = input.check().map_err(StoreError::from)?;
    let mut rd = store.reader().await?;
    let f = find(&mut rd, no).await?;
    may_read(p)?;
    let dept = match (p.role, p.department_id, input.department.as_deref()) {
        (Role::Admin, _, Some(code)) => {
            department_ids(&mut rd, &[code.trim().to_string()])
                .await
                .map_err(|_| {
                    StoreError::invalid("department", format!("部门代码“{}”不存在", code.trim()))
                })?[0]
                .0
        }
        (Role::Admin, _, None) => {
            return Err(StoreError::invalid("department", "请指明录入结果的部门"));
        }
        (Role::Supervisor, ..) | (_, None, _) => {
            return Err(StoreError::Forbidden("验收结果由参加验收的部门录入".into()));
        }
        (_, Some(own), given) => {
            if let Some(code) = given.map(str::trim).filter(|c| !c.is_empty())
                && p.department.as_deref() != Some(code)
            {
                return Err(StoreError::Forbidden("只能录入本部门的验收结果".into()));
            }
            own
        }
    };
    let checks = checks_of(&mut rd, f.id).await?;
    let cal = crate::calendar::load(store, &mut rd).await?;
    drop(rd);
    let Some((_, current)) = checks
        .iter()
        .filter(|(d, _)| *d == dept)
        .max_by_key(|(_, c)| c.visit)
    else {
        return Err(StoreError::invalid(
            "department",
            format!("该部门不在联合验收{}的参加部门之列", f.view.acceptance_no),
        ));
    };
    if current.result.is_some() {
        return Err(StoreError::Conflict {
            field: "department",
            message: format!(
                "{}本轮（第{}次）验收结果已录入",
                current.department_name, current.visit
            ),
        });
    }
    let today = time::local_day(time::now());
    if time::parse_day(&current.inspect_on).is_some_and(|d| d > today) {
        return Err(StoreError::Conflict {
            field: "result",
            message: format!("现场验收日期为{}，尚未到验收日", current.inspect_on),
        });
    }
    let job = Arc::new(Recording {
        id: f.id,
        no: f.view.acceptance_no.clone(),
        department: dept,
        visit: current.visit,
        result: checked.result,
        findings: checked.findings,
        requested_on: time::parse_day(&f.view.requested_on).unwrap_or(today),
        actor: p.actor(),
        keys: store.keys().clone(),
        cal,
    });
    store
        .write(move |tx| {
            let job = job.clone();
            Box::pin(async move { record_in(tx, &job).await })
        })
        .await?;
    full(&mut *store.reader().await?, &f.view.acceptance_no).await
}

struct Recording {
    id: i64,
    no: String,
    department: i64,
    visit: i64,
    result: CheckResult,
    findings: Option<String>,
    requested_on: NaiveDate,
    actor: Actor,
    keys: crate::Keys,
    cal: Arc<Calendar>,
}

async fn record_in(tx: &mut AnyConnection, r: &Recording) -> Result<()> {
    let now = time::now();
    // The row first, so two departments recording at once take turns.
    let open = sqlx::query(
        "UPDATE acceptances SET status = status WHERE id = $1 AND status = 'scheduled'",
    )
    .bind(r.id)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    let n = sqlx::query(
        "UPDATE acceptance_checks SET result = $1, findings = $2, recorded_at = $3, recorded_by = $4 \
         WHERE acceptance_id = $5 AND department_id = $6 AND visit = $7 AND result IS NULL AND inspect_on <= $8",
    )
    .bind(r.result.as_str())
    .bind(&r.findings)
    .bind(time::stamp(now))
    .bind(&r.actor.name)
    .bind(r.id)
    .bind(r.department)
    .bind(r.visit)
    .bind(time::day(time::local_day(now)))
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if open == 0 || n == 0 {
        return Err(StoreError::Conflict {
            field: "department",
            message: format!(
                "联合验收{}的本轮验收结果已录入，或验收安排已改变，请刷新后重试",
                r.no
            ),
        });
    }
    audit::append(
        tx,
        &r.keys,
        &r.actor,
        "acceptance.result",
        "acceptance",
        &r.no,
        json!({ "department": r.department, "visit": r.visit, "result": r.result.as_str() }),
    )
    .await?;
    let st = standing(&visits(&mut *tx, r.id).await?);
    let status = status_of(&st);
    if status == AcceptanceStatus::Certified {
        certify(tx, &r.keys, &r.actor, r.id, r.requested_on, now, &r.cal).await?;
    } else {
        sqlx::query("UPDATE acceptances SET status = $1 WHERE id = $2")
            .bind(status.as_str())
            .bind(r.id)
            .execute(&mut *tx)
            .await?;
    }
    Ok(())
}

/// Closes an acceptance every department has passed: the day, the working days, the
/// first-visit flag, the certificate, the kept figures and the audit entry.
async fn certify(
    tx: &mut AnyConnection,
    keys: &crate::Keys,
    actor: &Actor,
    id: i64,
    requested_on: NaiveDate,
    at: chrono::DateTime<chrono::Utc>,
    cal: &Calendar,
) -> Result<String> {
    let before = stats::snapshot(&mut *tx, &stats::ACCEPTANCES, &[id], cal).await?;
    let st = standing(&visits(&mut *tx, id).await?);
    let day = time::local_day(at);
    let days = i64::from(cal.working_days_or_estimate(requested_on, day));
    sqlx::query(
        "UPDATE acceptances SET status = 'certified', certified_at = $1, certified_on = $2, working_days = $3, \
         first_pass = $4 WHERE id = $5",
    )
    .bind(time::stamp(at))
    .bind(time::day(day))
    .bind(days)
    .bind(st.first_pass as i64)
    .bind(id)
    .execute(&mut *tx)
    .await?;
    let names: Vec<String> = sqlx::query_scalar(
        "SELECT DISTINCT d.name FROM acceptance_checks k JOIN departments d ON d.id = k.department_id \
         WHERE k.acceptance_id = $1 ORDER BY d.name",
    )
    .bind(id)
    .fetch_all(&mut *tx)
    .await?;
    let license = crate::licenses::issue_certificate(tx, keys, id, names, actor).await?;
    sqlx::query("UPDATE acceptances SET license_no = $1 WHERE id = $2")
        .bind(&license.license_no)
        .bind(id)
        .execute(&mut *tx)
        .await?;
    let after = stats::snapshot(&mut *tx, &stats::ACCEPTANCES, &[id], cal).await?;
    stats::track(&mut *tx, &stats::ACCEPTANCES, Some(&before), &after).await?;
    audit::append(
        tx,
        keys,
        actor,
        "acceptance.certify",
        "acceptance",
        &license.case_no,
        json!({ "license_no": license.license_no, "working_days": days, "first_pass": st.first_pass }),
    )
    .await?;
    Ok(license.license_no)
}

/// What the acceptance list is narrowed to.
#[derive(Debug, Default, Clone, serde::Deserialize)]
pub struct AcceptanceFilter {
    pub status: Option<String>,
    /// A department taking part (its code).
    pub department: Option<String>,
    /// Only those where this department's result is awaited.
    pub awaiting: Option<bool>,
    pub project: Option<String>,
    pub page: Option<i64>,
    pub per_page: Option<i64>,
}

/// Acceptances newest first.
pub async fn list(
    store: &Store,
    p: &Principal,
    f: &AcceptanceFilter,
) -> Result<(Vec<AcceptanceView>, Total)> {
    may_read(p)?;
    let (_, per_page, skip) = crate::paging(f.page, f.per_page, 20, 200)?;
    let mut sql = Sql::new("");
    if let Some(s) = given(&f.status) {
        let s = AcceptanceStatus::parse(&s).ok_or_else(|| {
            StoreError::invalid("status", format!("状态应为{}", AcceptanceStatus::choices()))
        })?;
        sql.push(" AND a.status = ").bind_s(s.as_str());
    }
    if let Some(d) = given(&f.department) {
        sql.push(
            " AND EXISTS (SELECT 1 FROM acceptance_checks k JOIN departments kd ON kd.id = k.department_id \
             WHERE k.acceptance_id = a.id AND kd.code = ",
        )
        .bind_s(d);
        if f.awaiting == Some(true) {
            sql.push(" AND k.result IS NULL");
        }
        sql.push(")");
    }
    if let Some(c) = given(&f.project) {
        sql.push(" AND p.code = ").bind_s(c);
    }
    let mut rd = store.reader().await?;
    super::listing(
        &mut rd,
        &sql,
        (COLUMNS, FROM, "a.id DESC"),
        (per_page, skip),
        view_from,
    )
    .await
}

/// A project's acceptances with their visits, oldest first (the project page and the
/// owner's tracking).
pub async fn of_project(rd: &mut AnyConnection, project_code: &str) -> Result<Vec<AcceptanceView>> {
    let sql = format!("SELECT {COLUMNS}{FROM} AND p.code = $1 ORDER BY a.id");
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(project_code)
        .fetch_all(&mut *rd)
        .await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in &rows {
        let mut v = view_from(r)?;
        v.checks = checks_of(&mut *rd, r.try_get("id")?)
            .await?
            .into_iter()
            .map(|(_, c)| c)
            .collect();
        out.push(v);
    }
    Ok(out)
}

/// A closed acceptance as exported (`tongban export acceptances`): one row each.
#[derive(Debug, Clone, Serialize)]
pub struct AcceptanceExport {
    pub project_code: String,
    pub requested_on: String,
    pub certified_on: String,
    pub area_m2: f64,
    pub working_days: i64,
    /// Each department's code and its first visit's result: `ZJ:pass;RF:fail`.
    pub departments: String,
    /// Every department passed on its first visit.
    pub first_pass: bool,
}

/// Streams every certified acceptance in id order to `sink`.
pub async fn export(
    store: &Store,
    mut sink: impl FnMut(AcceptanceExport) -> anyhow::Result<()>,
) -> Result<u64> {
    let mut rd = store.reader().await?;
    let mut last = 0i64;
    let mut n = 0;
    loop {
        let rows = sqlx::query(
            "SELECT a.id, p.code, a.requested_on, a.certified_on, a.area_cm2, a.working_days, a.first_pass \
             FROM acceptances a JOIN projects p ON p.id = a.project_id \
             WHERE a.certified_on IS NOT NULL AND a.id > $1 ORDER BY a.id LIMIT 1000",
        )
        .bind(last)
        .fetch_all(&mut *rd)
        .await?;
        if rows.is_empty() {
            break;
        }
        for r in rows {
            last = r.try_get(0)?;
            let firsts = sqlx::query(
                "SELECT d.code, k.result FROM acceptance_checks k JOIN departments d ON d.id = k.department_id \
                 WHERE k.acceptance_id = $1 AND k.visit = 1 ORDER BY d.code",
            )
            .bind(last)
            .fetch_all(&mut *rd)
            .await?;
            let departments = firsts
                .iter()
                .map(|f| {
                    Ok(format!(
                        "{}:{}",
                        f.try_get::<String, _>(0)?,
                        f.try_get::<Option<String>, _>(1)?.unwrap_or_default()
                    ))
                })
                .collect::<Result<Vec<_>>>()?
                .join(";");
            sink(AcceptanceExport {
                project_code: r.try_get(1)?,
                requested_on: r.try_get(2)?,
                certified_on: r.try_get(3)?,
                area_m2: r.try_get::<i64, _>(4)? as f64 / 100.0,
                working_days: r.try_get::<Option<i64>, _>(5)?.unwrap_or(0),
                departments,
                first_pass: r.try_get::<Option<i64>, _>(6)?.unwrap_or(0) != 0,
            })
            .map_err(StoreError::Other)?;
            n += 1;
        }
    }
    Ok(n)
}

/// A department's result in history: its code, passed (`None`: awaited), findings.
pub type PastResult = (String, Option<bool>, Option<String>);

/// An acceptance that happened before the platform kept it (the demo, an import):
/// the request, each inspection day with the departments' results, closed with its
/// certificate on the last day when everyone passed.
pub struct History {
    pub project_code: String,
    pub part: Option<String>,
    pub area_cm2: i64,
    pub requested_on: NaiveDate,
    /// Inspection days; the first names every department, later ones those that
    /// failed before: `(day, [(department code, passed, findings)])`, a result
    /// still awaited as `None`.
    pub visits: Vec<(NaiveDate, Vec<PastResult>)>,
}

/// Writes an acceptance from history in one transaction, through the same
/// certification as a live one; its number.
pub async fn record_history(store: &Store, actor: &Actor, h: &History) -> Result<String> {
    let cal = crate::calendar::current(store).await?;
    let mut tx = store.begin().await?;
    let project: i64 = sqlx::query_scalar("SELECT id FROM projects WHERE code = $1")
        .bind(&h.project_code)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or_else(|| StoreError::not_found(format!("工程建设项目“{}”不存在", h.project_code)))?;
    let year = h.requested_on.format("%Y");
    let n = crate::org::next_counter(&mut tx, &format!("acceptance:{year}")).await?;
    let no = format!("LY{year}-{n:05}");
    let at = |d: NaiveDate, hour: u32| {
        time::stamp(
            d.and_hms_opt(hour, 0, 0)
                .expect("a valid hour")
                .and_local_timezone(time::china())
                .single()
                .expect("China has no DST")
                .with_timezone(&chrono::Utc),
        )
    };
    let last_day = h.visits.last().map(|v| v.0);
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO acceptances (acceptance_no, project_id, part, area_cm2, status, requested_at, requested_on, \
         requested_by, inspect_on) VALUES ($1, $2, $3, $4, 'scheduled', $5, $6, $7, $8) RETURNING id",
    )
    .bind(&no)
    .bind(project)
    .bind(&h.part)
    .bind(h.area_cm2)
    .bind(at(h.requested_on, 9))
    .bind(time::day(h.requested_on))
    .bind(&actor.name)
    .bind(last_day.map(time::day))
    .fetch_one(&mut *tx)
    .await?;
    for (i, (day, results)) in h.visits.iter().enumerate() {
        for (code, passed, findings) in results {
            let dept: i64 = sqlx::query_scalar("SELECT id FROM departments WHERE code = $1")
                .bind(code)
                .fetch_optional(&mut *tx)
                .await?
                .ok_or_else(|| {
                    StoreError::invalid("departments", format!("部门代码不存在：{code}"))
                })?;
            sqlx::query(
                "INSERT INTO acceptance_checks (acceptance_id, department_id, visit, inspect_on, result, findings, \
                 recorded_at, recorded_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            )
            .bind(id)
            .bind(dept)
            .bind(i as i64 + 1)
            .bind(time::day(*day))
            .bind(passed.map(|p| if p { "pass" } else { "fail" }))
            .bind(findings)
            .bind(passed.map(|_| at(*day, 16)))
            .bind(passed.map(|_| actor.name.clone()))
            .execute(&mut *tx)
            .await?;
        }
    }
    let st = standing(&visits(&mut tx, id).await?);
    match (status_of(&st), last_day) {
        (_, None) => {
            sqlx::query("UPDATE acceptances SET status = 'requested' WHERE id = $1")
                .bind(id)
                .execute(&mut *tx)
                .await?;
        }
        (AcceptanceStatus::Certified, Some(day)) => {
            certify(
                &mut tx,
                store.keys(),
                actor,
                id,
                h.requested_on,
                time::parse_stamp(&at(day, 17)).unwrap_or_else(time::now),
                &cal,
            )
            .await?;
        }
        (status, Some(_)) => {
            sqlx::query("UPDATE acceptances SET status = $1 WHERE id = $2")
                .bind(status.as_str())
                .bind(id)
                .execute(&mut *tx)
                .await?;
        }
    }
    audit::append(
        &mut tx,
        store.keys(),
        actor,
        "acceptance.import",
        "acceptance",
        &no,
        json!({ "project": h.project_code }),
    )
    .await?;
    tx.commit().await?;
    Ok(no)
}

/// A project's acceptances with their visits, for staff.
pub async fn for_project(store: &Store, p: &Principal, code: &str) -> Result<Vec<AcceptanceView>> {
    may_read(p)?;
    of_project(&mut *store.reader().await?, code).await
}

/// Whether `p` organises a project's acceptances (a member of its lead department
/// who works cases, or an administrator).
pub fn leads(p: &Principal, lead_department: &str) -> bool {
    p.role == Role::Admin
        || (p.role.works_cases()
            && p.role != Role::Supervisor
            && p.department.as_deref() == Some(lead_department))
}
