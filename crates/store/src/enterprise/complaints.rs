//! 企业投诉: complaints from enterprises — written on the web by a signed-in
//! enterprise, or taken by an agent from a call or a visit — assigned by the center
//! to a department with a deadline in working days, answered by that department,
//! rated by the enterprise; those unanswered past their day escalate to the
//! supervisors, and one about a construction project may be turned into a
//! coordination problem on it. Every change is audited and counted in its
//! transaction (`stats::COMPLAINTS`).

use super::contacts::{EnterpriseSession, bind_contact};
use crate::audit::{self, Actor};
use crate::org::Principal;
use crate::{Result, Store, StoreError, calendar, stats, time};
use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use serde_json::json;
use sqlx::{AnyConnection, Row};
use tongban_domain::codes::Mobile;
use tongban_domain::enterprise::{
    Complaint, ComplaintChannel, ComplaintInput, complaint_days, complaint_rating, rating_label,
};
use tongban_domain::org::Role;
use tongban_domain::required_text;

/// Who is looking: a staff member (scoped by role and department) or an enterprise
/// (its own complaints only).
pub enum Viewer<'a> {
    Staff(&'a Principal),
    Enterprise(&'a EnterpriseSession),
}

/// A complaint as shown. The contact's phone is masked; in full only on one
/// complaint's page for the staff working it.
#[derive(Debug, Clone, Serialize)]
pub struct ComplaintView {
    pub no: String,
    pub channel: String,
    pub channel_label: &'static str,
    pub credit_code: String,
    pub enterprise_name: String,
    pub contact_name: String,
    pub phone_masked: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    pub subject: String,
    pub content: String,
    pub project: Option<String>,
    pub received_on: String,
    pub received_by: String,
    pub department: Option<String>,
    pub department_name: Option<String>,
    pub limit_days: Option<i64>,
    pub due_on: Option<String>,
    pub answer: Option<String>,
    pub answered_on: Option<String>,
    pub answered_by: Option<String>,
    pub on_time: Option<bool>,
    /// Unanswered past its day.
    pub overdue: bool,
    pub escalated: bool,
    pub rating: Option<i64>,
    pub rating_label: &'static str,
    pub rating_note: Option<String>,
    pub rated_on: Option<String>,
    /// The coordination problem it became, if any.
    pub problem: Option<i64>,
    /// `received`, `assigned`, `answered` or `rated`.
    pub status: &'static str,
    pub status_label: &'static str,
}

impl ComplaintView {
    pub fn may_rate(&self) -> bool {
        self.status == "answered"
    }
}

const COLUMNS: &str = "c.id, c.complaint_no, c.channel, c.credit_code, c.enterprise_name, c.contact_name, \
     c.phone_enc, c.phone_masked, c.subject, c.content, p.code AS project, c.received_on, c.received_by, \
     d.code AS dcode, d.name AS dname, c.limit_days, c.due_on, c.answer, c.answered_on, c.answered_by, c.on_time, \
     c.escalated_at, c.rating, c.rating_note, c.rated_on, c.problem_id, c.department_id";
const FROM: &str = " FROM complaints c LEFT JOIN departments d ON d.id = c.department_id \
     LEFT JOIN projects p ON p.id = c.project_id WHERE 1 = 1";

fn view_from(r: &sqlx::any::AnyRow, today: NaiveDate) -> Result<ComplaintView> {
    let channel: String = r.try_get("channel")?;
    let due_on: Option<String> = r.try_get("due_on")?;
    let answered_on: Option<String> = r.try_get("answered_on")?;
    let rating: Option<i64> = r.try_get("rating")?;
    let dept: Option<String> = r.try_get("dcode")?;
    let (status, status_label) = match (&dept, &answered_on, rating) {
        (_, Some(_), Some(_)) => ("rated", "已评价"),
        (_, Some(_), None) => ("answered", "已答复"),
        (Some(_), None, _) => ("assigned", "办理中"),
        (None, None, _) => ("received", "待分派"),
    };
    Ok(ComplaintView {
        no: r.try_get("complaint_no")?,
        channel_label: ComplaintChannel::parse(&channel).map_or("", ComplaintChannel::label),
        channel,
        credit_code: r.try_get("credit_code")?,
        enterprise_name: r.try_get("enterprise_name")?,
        contact_name: r.try_get("contact_name")?,
        phone_masked: r.try_get("phone_masked")?,
        phone: None,
        subject: r.try_get("subject")?,
        content: r.try_get("content")?,
        project: r.try_get("project")?,
        received_on: r.try_get("received_on")?,
        received_by: r.try_get("received_by")?,
        department: dept,
        department_name: r.try_get("dname")?,
        limit_days: r.try_get("limit_days")?,
        overdue: answered_on.is_none()
            && due_on
                .as_deref()
                .and_then(time::parse_day)
                .is_some_and(|d| d < today),
        due_on,
        answer: r.try_get("answer")?,
        answered_by: r.try_get("answered_by")?,
        on_time: r.try_get::<Option<i64>, _>("on_time")?.map(|v| v == 1),
        answered_on,
        escalated: r.try_get::<Option<String>, _>("escalated_at")?.is_some(),
        rating_label: rating.map_or("", rating_label),
        rating,
        rating_note: r.try_get("rating_note")?,
        rated_on: r.try_get("rated_on")?,
        problem: r.try_get("problem_id")?,
        status,
        status_label,
    })
}

/// The scope of a viewer as a filter with its bound value.
fn scope(v: &Viewer) -> Result<(String, Option<String>, Option<i64>)> {
    match v {
        Viewer::Enterprise(e) => Ok((
            " AND c.credit_code = $1".into(),
            Some(e.credit_code.clone()),
            None,
        )),
        Viewer::Staff(p) => match p.role {
            Role::Supervisor | Role::Admin | Role::HotlineAgent => Ok((String::new(), None, None)),
            _ => match p.department_id {
                Some(d) => Ok((" AND c.department_id = $1".into(), None, Some(d))),
                None => Err(StoreError::Forbidden(
                    "企业投诉由企业投诉处理中心和承办部门查看".into(),
                )),
            },
        },
    }
}

/// Which complaints a list shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Show {
    #[default]
    All,
    /// Not answered yet.
    Open,
    /// Unanswered past their day (escalated or about to be).
    Overdue,
}

impl Show {
    pub fn parse(s: &str) -> Result<Self> {
        match s.trim() {
            "" | "all" => Ok(Self::All),
            "open" => Ok(Self::Open),
            "overdue" => Ok(Self::Overdue),
            other => Err(StoreError::invalid(
                "show",
                format!("筛选条件“{other}”无效，应为 all、open 或 overdue"),
            )),
        }
    }
}

/// The newest complaints the viewer may see (at most 300).
pub async fn complaints(store: &Store, v: &Viewer<'_>, show: Show) -> Result<Vec<ComplaintView>> {
    let (filter, text, id) = scope(v)?;
    let today = time::local_day(time::now());
    let mark = if text.is_some() || id.is_some() { 2 } else { 1 };
    let extra = match show {
        Show::All => String::new(),
        Show::Open => " AND c.answered_on IS NULL".into(),
        Show::Overdue => format!(" AND c.answered_on IS NULL AND c.due_on < ${mark}"),
    };
    let sql = format!("SELECT {COLUMNS}{FROM}{filter}{extra} ORDER BY c.id DESC LIMIT 300");
    let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
    if let Some(t) = text {
        q = q.bind(t);
    }
    if let Some(i) = id {
        q = q.bind(i);
    }
    if show == Show::Overdue {
        q = q.bind(time::day(today));
    }
    let mut rd = store.reader().await?;
    q.fetch_all(&mut *rd)
        .await?
        .iter()
        .map(|r| view_from(r, today))
        .collect()
}

/// One complaint the viewer may see, with its row id and department; the contact's
/// phone in full for staff.
async fn find(
    store: &Store,
    conn: &mut AnyConnection,
    v: &Viewer<'_>,
    no: &str,
) -> Result<(i64, Option<i64>, ComplaintView)> {
    let (filter, text, id) = scope(v)?;
    let mark = if text.is_some() || id.is_some() { 2 } else { 1 };
    let sql = format!("SELECT {COLUMNS}{FROM}{filter} AND c.complaint_no = ${mark}");
    let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
    if let Some(t) = text {
        q = q.bind(t);
    }
    if let Some(i) = id {
        q = q.bind(i);
    }
    let r = q
        .bind(no.trim())
        .fetch_optional(&mut *conn)
        .await?
        .ok_or_else(|| StoreError::not_found(format!("投诉“{}”不存在", no.trim())))?;
    let mut view = view_from(&r, time::local_day(time::now()))?;
    if let Viewer::Staff(_) = v {
        view.phone = Some(
            store
                .keys()
                .decrypt(&r.try_get::<String, _>("phone_enc")?)?,
        );
    }
    Ok((r.try_get("id")?, r.try_get("department_id")?, view))
}

/// One complaint the viewer may see.
pub async fn complaint(store: &Store, v: &Viewer<'_>, no: &str) -> Result<ComplaintView> {
    let mut rd = store.reader().await?;
    Ok(find(store, &mut rd, v, no).await?.2)
}

/// Takes a complaint from a call or a visit (hotline agents and the center's staff);
/// taken by the center's staff, the contact becomes the enterprise's first contact
/// when it has none and the phone is a mobile.
pub async fn take(store: &Store, p: &Principal, input: &ComplaintInput) -> Result<ComplaintView> {
    if !matches!(p.role, Role::HotlineAgent | Role::Supervisor | Role::Admin) {
        return Err(StoreError::Forbidden(format!(
            "{}不能登记企业投诉（由企业投诉处理中心和12345话务员登记）",
            p.role.label()
        )));
    }
    let c = input.check().map_err(StoreError::from)?;
    if c.channel == ComplaintChannel::Web {
        return Err(StoreError::invalid(
            "channel",
            "网上投诉由企业登录后提交；工作人员登记的投诉渠道应为电话投诉或来访投诉",
        ));
    }
    // The center's staff know whom they speak to; a caller an agent took is not bound.
    let vouched = matches!(p.role, Role::Supervisor | Role::Admin);
    let no = keep(store, &p.actor(), &c, time::now(), vouched).await?;
    complaint(store, &Viewer::Staff(p), &no).await
}

/// Files a complaint written on the web by a signed-in enterprise.
pub async fn file(
    store: &Store,
    e: &EnterpriseSession,
    subject: &str,
    content: &str,
    project: &str,
) -> Result<ComplaintView> {
    let c = ComplaintInput {
        channel: "web".into(),
        credit_code: e.credit_code.clone(),
        enterprise_name: e.enterprise_name.clone(),
        contact_name: e.contact_name.clone(),
        phone: e.phone.clone(),
        subject: subject.into(),
        content: content.into(),
        project: project.into(),
    }
    .check()
    .map_err(StoreError::from)?;
    let no = keep(store, &e.actor(), &c, time::now(), false).await?;
    complaint(store, &Viewer::Enterprise(e), &no).await
}

/// Keeps a checked complaint received at `at` (now, or an imported history's time),
/// its audit entry and its count, in one transaction; returns its number. With
/// `bind`, the contact becomes the enterprise's first when it has none.
pub async fn keep(
    store: &Store,
    actor: &Actor,
    c: &Complaint,
    at: DateTime<Utc>,
    bind: bool,
) -> Result<String> {
    let day = time::local_day(at);
    let mut tx = store.begin().await?;
    let project: Option<i64> = match &c.project {
        None => None,
        Some(code) => Some(
            sqlx::query_scalar("SELECT id FROM projects WHERE code = $1")
                .bind(code.as_str())
                .fetch_optional(&mut *tx)
                .await?
                .ok_or_else(|| {
                    StoreError::invalid("project", format!("工程建设项目“{code}”不存在"))
                })?,
        ),
    };
    let n = crate::org::next_counter(&mut tx, &format!("complaint:{}", day.format("%Y"))).await?;
    let no = format!("QT{}-{n:06}", day.format("%Y"));
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO complaints (complaint_no, credit_code, enterprise_name, contact_name, phone_enc, phone_masked, \
         channel, subject, content, project_id, received_on, received_at, received_by) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING id",
    )
    .bind(&no)
    .bind(c.credit_code.as_str())
    .bind(&c.enterprise_name)
    .bind(&c.contact_name)
    .bind(store.keys().encrypt(c.phone.as_str()))
    .bind(c.phone.masked())
    .bind(c.channel.as_str())
    .bind(&c.subject)
    .bind(&c.content)
    .bind(project)
    .bind(time::day(day))
    .bind(time::stamp(at))
    .bind(&actor.name)
    .fetch_one(&mut *tx)
    .await?;
    // The contact becomes the enterprise's first one, vouched for by the staff member.
    let first: i64 = sqlx::query_scalar(
        "SELECT CAST(COUNT(*) AS BIGINT) FROM enterprise_contacts WHERE credit_code = $1",
    )
    .bind(c.credit_code.as_str())
    .fetch_one(&mut *tx)
    .await?;
    if bind && first == 0 && Mobile::parse(c.phone.as_str()).is_ok() {
        bind_contact(
            &mut tx,
            store,
            c.credit_code.as_str(),
            &c.contact_name,
            &c.phone,
            actor,
        )
        .await?;
    }
    stats::track_new(&mut tx, &stats::COMPLAINTS, &[id]).await?;
    audit::append(
        &mut tx,
        store.keys(),
        actor,
        "complaint.receive",
        "complaint",
        &no,
        json!({ "channel": c.channel.as_str(), "credit_code": c.credit_code.as_str(), "subject": c.subject }),
    )
    .await?;
    tx.commit().await?;
    Ok(no)
}

/// Runs a change of one complaint in one transaction: its counters moved from
/// before to after, its audit entry written.
async fn change<F>(
    store: &Store,
    id: i64,
    actor: &Actor,
    action: &str,
    no: &str,
    detail: serde_json::Value,
    f: F,
) -> Result<()>
where
    F: for<'c> FnOnce(&'c mut AnyConnection) -> crate::BoxFuture<'c, Result<()>>,
{
    let what = (action, "complaint", no);
    crate::counted_change(
        store,
        &stats::COMPLAINTS,
        "complaints",
        id,
        actor,
        what,
        detail,
        f,
    )
    .await
}

fn center_staff(p: &Principal, what: &str) -> Result<()> {
    match p.role {
        Role::Supervisor | Role::Admin => Ok(()),
        r => Err(StoreError::Forbidden(format!(
            "{}不能{what}（由企业投诉处理中心办理）",
            r.label()
        ))),
    }
}

/// Assigns (or re-assigns, while unanswered) a complaint to a department with its
/// working days from today (the center's staff).
pub async fn assign(
    store: &Store,
    p: &Principal,
    no: &str,
    department: &str,
    limit_days: &str,
) -> Result<ComplaintView> {
    center_staff(p, "分派企业投诉")?;
    let v = Viewer::Staff(p);
    let mut rd = store.reader().await?;
    let (id, _, view) = find(store, &mut rd, &v, no).await?;
    if view.answered_on.is_some() {
        return Err(StoreError::Conflict {
            field: "department",
            message: "该投诉已答复，不能再分派".into(),
        });
    }
    let mut faults = tongban_domain::Faults::default();
    let days = faults.take(complaint_days(limit_days));
    let dept = crate::org::department_by_code(&mut rd, department.trim()).await?;
    if dept.is_none() {
        faults.push(tongban_domain::Invalid::new(
            "department",
            if department.trim().is_empty() {
                "请选择承办部门".to_string()
            } else {
                format!("部门代码“{}”不存在", department.trim())
            },
        ));
    }
    let cal = calendar::load(store, &mut rd).await?;
    drop(rd);
    let (days, dept) = match (days, dept) {
        (Some(a), Some(b)) if faults.is_empty() => (a, b),
        _ => return Err(faults.finish::<()>(None).unwrap_err().into()),
    };
    let today = time::local_day(time::now());
    let due = cal.deadline_or_estimate(today, days);
    let actor = p.actor();
    change(
        store,
        id,
        &actor,
        "complaint.assign",
        &view.no,
        json!({ "department": dept.code, "limit_days": days, "due_on": time::day(due) }),
        |tx| {
            let name = actor.name.clone();
            Box::pin(async move {
                let done = sqlx::query(
                    "UPDATE complaints SET department_id = $1, limit_days = $2, due_on = $3, assigned_at = $4, \
                     assigned_by = $5, escalated_at = NULL WHERE id = $6 AND answered_on IS NULL",
                )
                .bind(dept.id)
                .bind(i64::from(days))
                .bind(time::day(due))
                .bind(time::stamp(time::now()))
                .bind(name)
                .bind(id)
                .execute(&mut *tx)
                .await?;
                if done.rows_affected() != 1 {
                    return Err(StoreError::Conflict {
                        field: "department",
                        message: "该投诉已答复，不能再分派".into(),
                    });
                }
                Ok(())
            })
        },
    )
    .await?;
    complaint(store, &v, no).await
}

/// The assigned department's answer (its staff, or an administrator); once.
pub async fn answer(store: &Store, p: &Principal, no: &str, text: &str) -> Result<ComplaintView> {
    let v = Viewer::Staff(p);
    let (id, dept, view) = find(store, &mut *store.reader().await?, &v, no).await?;
    let of_dept = dept.is_some() && dept == p.department_id;
    if p.role != Role::Admin
        && !(of_dept
            && matches!(
                p.role,
                Role::Approver | Role::DepartmentHead | Role::UnitHandler
            ))
    {
        return Err(StoreError::Forbidden(
            "只有承办部门的工作人员可以答复该投诉".into(),
        ));
    }
    let Some(dept) = dept else {
        return Err(StoreError::Conflict {
            field: "answer",
            message: "该投诉尚未分派，不能答复".into(),
        });
    };
    if view.answered_on.is_some() {
        return Err(StoreError::Conflict {
            field: "answer",
            message: "该投诉已答复".into(),
        });
    }
    let text = required_text("answer", "答复内容", text, 2000)?;
    let today = time::local_day(time::now());
    let actor = p.actor();
    change(
        store,
        id,
        &actor,
        "complaint.answer",
        &view.no,
        json!({ "answered_on": time::day(today) }),
        |tx| {
            let name = actor.name.clone();
            Box::pin(async move {
                // On time against the due day the row holds now; only while it is
                // still this department's and unanswered.
                let done = sqlx::query(
                    "UPDATE complaints SET answer = $1, answered_on = $2, answered_at = $3, answered_by = $4, \
                     on_time = CASE WHEN due_on >= $5 THEN 1 ELSE 0 END \
                     WHERE id = $6 AND answered_on IS NULL AND department_id = $7",
                )
                .bind(text)
                .bind(time::day(today))
                .bind(time::stamp(time::now()))
                .bind(name)
                .bind(time::day(today))
                .bind(id)
                .bind(dept)
                .execute(&mut *tx)
                .await?;
                if done.rows_affected() != 1 {
                    return Err(StoreError::Conflict {
                        field: "answer",
                        message: "该投诉已答复或已改派其他部门".into(),
                    });
                }
                Ok(())
            })
        },
    )
    .await?;
    complaint(store, &v, no).await
}

/// The enterprise's rating of the answer to its own complaint; once.
pub async fn rate(
    store: &Store,
    e: &EnterpriseSession,
    no: &str,
    score: &str,
    note: &str,
) -> Result<ComplaintView> {
    let v = Viewer::Enterprise(e);
    let (id, _, view) = find(store, &mut *store.reader().await?, &v, no).await?;
    if !view.may_rate() {
        return Err(StoreError::Conflict {
            field: "rating",
            message: if view.rating.is_some() {
                "该投诉已评价".into()
            } else {
                "部门答复后才能评价".into()
            },
        });
    }
    let (level, note) = complaint_rating(score, note).map_err(StoreError::from)?;
    let today = time::local_day(time::now());
    change(
        store,
        id,
        &e.actor(),
        "complaint.rate",
        &view.no,
        json!({ "rating": level }),
        |tx| {
            Box::pin(async move {
                let done = sqlx::query(
                    "UPDATE complaints SET rating = $1, rating_note = $2, rated_on = $3 WHERE id = $4 AND rating IS NULL \
                     AND answered_on IS NOT NULL",
                )
                .bind(i64::from(level))
                .bind(note)
                .bind(time::day(today))
                .bind(id)
                .execute(&mut *tx)
                .await?;
                if done.rows_affected() != 1 {
                    return Err(StoreError::Conflict {
                        field: "rating",
                        message: "该投诉已评价".into(),
                    });
                }
                Ok(())
            })
        },
    )
    .await?;
    complaint(store, &v, no).await
}

/// Turns a complaint about a construction project into a coordination problem on
/// it, for the complaint's department by the complaint's day (the center's staff);
/// once. Returns the problem's id.
pub async fn coordinate(store: &Store, p: &Principal, no: &str) -> Result<i64> {
    center_staff(p, "将投诉转为项目协调问题")?;
    let v = Viewer::Staff(p);
    let (id, dept, view) = find(store, &mut *store.reader().await?, &v, no).await?;
    let Some(project) = view.project.clone() else {
        return Err(StoreError::Conflict {
            field: "project",
            message: "该投诉未关联工程建设项目，不能转为项目协调问题".into(),
        });
    };
    let (Some(dept), Some(due)) = (dept, view.due_on.clone()) else {
        return Err(StoreError::Conflict {
            field: "department",
            message: "请先将投诉分派给承办部门".into(),
        });
    };
    if view.problem.is_some() {
        return Err(StoreError::Conflict {
            field: "project",
            message: "该投诉已转为项目协调问题".into(),
        });
    }
    let actor = p.actor();
    let mut tx = store.begin().await?;
    let project_id: i64 = sqlx::query_scalar("SELECT id FROM projects WHERE code = $1")
        .bind(&project)
        .fetch_one(&mut *tx)
        .await?;
    let problem: i64 = sqlx::query_scalar(
        "INSERT INTO project_problems (project_id, description, department_id, due_on, status, raised_at, raised_by) \
         VALUES ($1, $2, $3, $4, 'open', $5, $6) RETURNING id",
    )
    .bind(project_id)
    .bind(format!("企业投诉{}：{}", view.no, view.subject))
    .bind(dept)
    .bind(&due)
    .bind(time::stamp(time::now()))
    .bind(&actor.name)
    .fetch_one(&mut *tx)
    .await?;
    stats::track_new(&mut tx, &stats::PROBLEMS, &[problem]).await?;
    let done =
        sqlx::query("UPDATE complaints SET problem_id = $1 WHERE id = $2 AND problem_id IS NULL")
            .bind(problem)
            .bind(id)
            .execute(&mut *tx)
            .await?;
    if done.rows_affected() != 1 {
        return Err(StoreError::Conflict {
            field: "project",
            message: "该投诉已转为项目协调问题".into(),
        });
    }
    audit::append(
        &mut tx,
        store.keys(),
        &actor,
        "project.problem",
        "project",
        &project,
        json!({ "problem": problem, "complaint": view.no, "due_on": due }),
    )
    .await?;
    tx.commit().await?;
    Ok(problem)
}

/// A complaint's handling as a history has it (the demo's year): the department and
/// its working days from the day assigned, the answer and the rating with their days.
#[derive(Debug, Clone)]
pub struct History {
    pub department: String,
    pub limit_days: u32,
    pub assigned_on: NaiveDate,
    pub answer: Option<(String, NaiveDate)>,
    pub rating: Option<(u8, String, NaiveDate)>,
}

/// Records a complaint's handling from a history in one transaction, counted and
/// audited; one unanswered past its day, or answered late, was escalated on the day
/// after its due day.
pub async fn replay(store: &Store, actor: &Actor, no: &str, h: &History) -> Result<()> {
    let mut rd = store.reader().await?;
    let id: i64 = sqlx::query_scalar("SELECT id FROM complaints WHERE complaint_no = $1")
        .bind(no)
        .fetch_optional(&mut *rd)
        .await?
        .ok_or_else(|| StoreError::not_found(format!("投诉“{no}”不存在")))?;
    let dept = crate::org::department_by_code(&mut rd, &h.department)
        .await?
        .ok_or_else(|| {
            StoreError::invalid("department", format!("部门代码“{}”不存在", h.department))
        })?;
    let cal = calendar::load(store, &mut rd).await?;
    drop(rd);
    let due = cal.deadline_or_estimate(h.assigned_on, h.limit_days);
    let today = time::local_day(time::now());
    let answered = h.answer.as_ref().map(|a| a.1);
    let late = answered.map_or(due < today, |d| d > due);
    let escalated = late.then(|| time::stamp(time::morning_of(due.succ_opt().unwrap_or(due))));
    let h = h.clone();
    let name = actor.name.clone();
    change(
        store,
        id,
        actor,
        "complaint.history",
        no,
        json!({ "department": h.department, "due_on": time::day(due) }),
        |tx| {
            Box::pin(async move {
                sqlx::query(
                    "UPDATE complaints SET department_id = $1, limit_days = $2, due_on = $3, assigned_at = $4, \
                     assigned_by = $5, answer = $6, answered_on = $7, answered_at = $8, answered_by = $9, on_time = $10, \
                     escalated_at = $11, rating = $12, rating_note = $13, rated_on = $14 WHERE id = $15",
                )
                .bind(dept.id)
                .bind(i64::from(h.limit_days))
                .bind(time::day(due))
                .bind(time::stamp(time::morning_of(h.assigned_on)))
                .bind(&name)
                .bind(h.answer.as_ref().map(|a| a.0.clone()))
                .bind(answered.map(time::day))
                .bind(answered.map(|d| time::stamp(time::morning_of(d))))
                .bind(answered.map(|_| format!("{}承办人", dept.short_name)))
                .bind(answered.map(|d| i64::from(d <= due)))
                .bind(escalated)
                .bind(h.rating.as_ref().map(|r| i64::from(r.0)))
                .bind(h.rating.as_ref().map(|r| r.1.clone()))
                .bind(h.rating.as_ref().map(|r| time::day(r.2)))
                .bind(id)
                .execute(&mut *tx)
                .await?;
                Ok(())
            })
        },
    )
    .await
}

/// Escalates to the supervisors every complaint unanswered past its day and not yet
/// escalated (run hourly by each node; one escalated by another is skipped).
/// Returns how many.
pub async fn escalate_due(store: &Store) -> Result<usize> {
    let today = time::day(time::local_day(time::now()));
    let due: Vec<(i64, String, String)> = sqlx::query_as(
        "SELECT id, complaint_no, due_on FROM complaints WHERE answered_on IS NULL AND due_on < $1 \
         AND escalated_at IS NULL ORDER BY id",
    )
    .bind(&today)
    .fetch_all(&mut *store.reader().await?)
    .await?;
    let actor = Actor {
        user_id: None,
        name: "system".into(),
    };
    let mut n = 0;
    for (id, no, due_on) in due {
        let mut tx = store.begin().await?;
        let done = sqlx::query(
            "UPDATE complaints SET escalated_at = $1 WHERE id = $2 AND escalated_at IS NULL AND answered_on IS NULL",
        )
        .bind(time::stamp(time::now()))
        .bind(id)
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() == 1 {
            audit::append(
                &mut tx,
                store.keys(),
                &actor,
                "complaint.escalate",
                "complaint",
                &no,
                json!({ "due_on": due_on }),
            )
            .await?;
            n += 1;
        }
        tx.commit().await?;
    }
    Ok(n)
}

/// A complaint as exported: no contact, no phone.
#[derive(Debug, Clone, Serialize)]
pub struct ComplaintExport {
    pub no: String,
    pub channel: String,
    pub credit_code: String,
    pub enterprise_name: String,
    pub subject: String,
    pub project: Option<String>,
    pub received_on: String,
    pub department: Option<String>,
    pub limit_days: Option<i64>,
    pub due_on: Option<String>,
    pub answered_on: Option<String>,
    pub on_time: Option<bool>,
    pub escalated: bool,
    pub rating: Option<i64>,
    pub rated_on: Option<String>,
}

/// Every complaint, oldest first, to `sink`.
pub async fn export_complaints(
    store: &Store,
    mut sink: impl FnMut(ComplaintExport) -> anyhow::Result<()>,
) -> Result<u64> {
    let mut rd = store.reader().await?;
    let today = time::local_day(time::now());
    let select = format!("SELECT {COLUMNS}{FROM}");
    crate::keyset_rows(&mut rd, &select, "c.id", |r| {
        let v = view_from(r, today)?;
        sink(ComplaintExport {
            no: v.no,
            channel: v.channel,
            credit_code: v.credit_code,
            enterprise_name: v.enterprise_name,
            subject: v.subject,
            project: v.project,
            received_on: v.received_on,
            department: v.department,
            limit_days: v.limit_days,
            due_on: v.due_on,
            answered_on: v.answered_on,
            on_time: v.on_time,
            escalated: v.escalated,
            rating: v.rating,
            rated_on: v.rated_on,
        })?;
        Ok(r.try_get("id")?)
    })
    .await
}
