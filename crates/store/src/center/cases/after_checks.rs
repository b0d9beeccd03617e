//! 事后核查: the share of automatic approvals (秒批) drawn for a person's check. The
//! approving department checks each; one that disagrees goes to a supervisor, who
//! upholds the approval or revokes it (the license taken back, the case revoked).
//! Every step is audited; the checks done and the disagreements are counted in the
//! writing transaction.

use super::*;
use crate::stats;

/// Where an after-check stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CheckStatus {
    /// 待核查
    Pending,
    /// 核查无误
    Agreed,
    /// 核查有异议，待督查处理
    Disputed,
    /// 督查维持
    Upheld,
    /// 督查撤销许可
    Revoked,
}

impl CheckStatus {
    pub const ALL: [CheckStatus; 5] = [
        Self::Pending,
        Self::Agreed,
        Self::Disputed,
        Self::Upheld,
        Self::Revoked,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Agreed => "agreed",
            Self::Disputed => "disputed",
            Self::Upheld => "upheld",
            Self::Revoked => "revoked",
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            Self::Pending => "待核查",
            Self::Agreed => "核查无误",
            Self::Disputed => "有异议，待督查处理",
            Self::Upheld => "督查维持许可",
            Self::Revoked => "督查撤销许可",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|c| c.as_str() == s)
    }
}

/// Queues an automatic approval for its after-check (in the case's own transaction).
pub(crate) async fn queue(tx: &mut AnyConnection, case_id: i64, today: NaiveDate) -> Result<()> {
    sqlx::query("INSERT INTO after_checks (case_id, queued_on, status, disputed) VALUES ($1, $2, 'pending', 0)")
        .bind(case_id)
        .bind(time::day(today))
        .execute(&mut *tx)
        .await?;
    Ok(())
}

/// An after-check as staff see it.
#[derive(Debug, Clone, Serialize)]
pub struct AfterCheckView {
    pub case_no: String,
    pub item: String,
    pub department: String,
    pub applicant: String,
    pub closed_at: Option<String>,
    pub queued_on: String,
    pub status: CheckStatus,
    pub status_label: &'static str,
    pub checked_by: Option<String>,
    pub checked_on: Option<String>,
    pub note: Option<String>,
    pub resolved_by: Option<String>,
    pub resolved_on: Option<String>,
    pub resolution: Option<String>,
}

const COLUMNS: &str = "c.case_no, v.name AS item, d.name AS dname, c.applicant_name, c.closed_at, a.queued_on, \
     a.status AS check_status, a.checked_by, a.checked_on, a.note AS check_note, a.resolved_by, a.resolved_on, a.resolution, c.id";
const FROM: &str = " FROM after_checks a JOIN cases c ON c.id = a.case_id \
     JOIN item_versions v ON v.item_id = c.item_id AND v.version = c.item_version \
     JOIN departments d ON d.id = c.department_id WHERE 1 = 1";

fn view_of(r: &sqlx::any::AnyRow) -> Result<AfterCheckView> {
    let status = CheckStatus::parse(&r.try_get::<String, _>("check_status")?)
        .ok_or_else(|| StoreError::Other(anyhow::anyhow!("after-check: bad status")))?;
    Ok(AfterCheckView {
        case_no: r.try_get("case_no")?,
        item: r.try_get("item")?,
        department: r.try_get("dname")?,
        applicant: tongban_domain::public::mask_name(&r.try_get::<String, _>("applicant_name")?),
        closed_at: opt_display(r.try_get("closed_at")?),
        queued_on: r.try_get("queued_on")?,
        status,
        status_label: status.label(),
        checked_by: r.try_get("checked_by")?,
        checked_on: r.try_get("checked_on")?,
        note: r.try_get("check_note")?,
        resolved_by: r.try_get("resolved_by")?,
        resolved_on: r.try_get("resolved_on")?,
        resolution: r.try_get("resolution")?,
    })
}

/// After-checks within the reader's scope (their cases'), oldest first, of one
/// status or all; at most 500.
pub async fn list(
    store: &Store,
    p: &Principal,
    status: Option<&str>,
) -> Result<Vec<AfterCheckView>> {
    let mut sql = Sql::new(&format!("SELECT {COLUMNS}{FROM}"));
    scope(p, &mut sql)?;
    if let Some(s) = status.map(str::trim).filter(|s| !s.is_empty()) {
        let s = CheckStatus::parse(s).ok_or_else(|| {
            StoreError::invalid(
                "status",
                "核查状态应为 pending、agreed、disputed、upheld 或 revoked",
            )
        })?;
        sql.push(" AND a.status = ").bind_s(s.as_str());
    }
    sql.push(" ORDER BY a.queued_on, c.id LIMIT 500");
    let mut rd = store.reader().await?;
    let rows = sql.query().fetch_all(&mut *rd).await?;
    rows.iter().map(view_of).collect()
}

async fn one(tx: &mut AnyConnection, case_no: &str) -> Result<(i64, i64, AfterCheckView)> {
    let sql = format!("SELECT {COLUMNS}, c.department_id{FROM} AND c.case_no = $1");
    let r = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(case_no)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or_else(|| StoreError::not_found(format!("办件“{case_no}”没有待事后核查的记录")))?;
    Ok((r.try_get("id")?, r.try_get("department_id")?, view_of(&r)?))
}

fn note_of(note: &str, needed: bool) -> Result<Option<String>> {
    match note.trim() {
        "" if needed => Err(StoreError::invalid("note", "有异议时须写明核查发现的问题")),
        "" => Ok(None),
        n => Ok(Some(tongban_domain::required_text(
            "note",
            "核查意见",
            n,
            1000,
        )?)),
    }
}

/// The approving department's check: agreed, or disputed with what was found (a
/// supervisor then decides).
pub async fn check(
    store: &Store,
    p: &Principal,
    case_no: &str,
    agrees: bool,
    note: &str,
) -> Result<AfterCheckView> {
    let note = note_of(note, !agrees)?;
    let mut tx = store.begin().await?;
    let (id, department, v) = one(&mut tx, case_no).await?;
    let own = matches!(p.role, Role::Approver | Role::DepartmentHead)
        && p.department_id == Some(department);
    if !(own || p.role == Role::Admin) {
        return Err(StoreError::Forbidden(
            "事后核查由作出许可的部门审批人员办理".into(),
        ));
    }
    if v.status != CheckStatus::Pending {
        return Err(StoreError::Conflict {
            field: "case_no",
            message: format!("办件{case_no}已核查（{}）", v.status_label),
        });
    }
    let before =
        stats::snapshot(&mut tx, &stats::AFTER_CHECKS, &[id], &Calendar::default()).await?;
    let status = if agrees {
        CheckStatus::Agreed
    } else {
        CheckStatus::Disputed
    };
    sqlx::query(
        "UPDATE after_checks SET status = $1, checked_by = $2, checked_on = $3, disputed = $4, note = $5 WHERE case_id = $6",
    )
    .bind(status.as_str())
    .bind(actor_label(p))
    .bind(time::day(time::local_day(time::now())))
    .bind(!agrees as i64)
    .bind(&note)
    .bind(id)
    .execute(&mut *tx)
    .await?;
    let after = stats::snapshot(&mut tx, &stats::AFTER_CHECKS, &[id], &Calendar::default()).await?;
    stats::track(&mut tx, &stats::AFTER_CHECKS, Some(&before), &after).await?;
    audit::append(
        &mut tx,
        store.keys(),
        &p.actor(),
        "after_check.record",
        "case",
        case_no,
        serde_json::json!({ "agrees": agrees, "note": note }),
    )
    .await?;
    tx.commit().await?;
    let mut rd = store.reader().await?;
    Ok(one(&mut rd, case_no).await?.2)
}

/// A supervisor's decision on a disputed check: the approval upheld, or revoked (its
/// license taken back and the case revoked, with the reason).
pub async fn resolve(
    store: &Store,
    p: &Principal,
    case_no: &str,
    revoke: bool,
    note: &str,
) -> Result<AfterCheckView> {
    if !matches!(p.role, Role::Supervisor | Role::Admin) {
        return Err(StoreError::Forbidden(
            "有异议的事后核查由督查人员处理".into(),
        ));
    }
    let note = tongban_domain::required_text("note", "处理意见", note, 1000)?;
    let mut tx = store.begin().await?;
    let (id, _, v) = one(&mut tx, case_no).await?;
    if v.status != CheckStatus::Disputed {
        return Err(StoreError::Conflict {
            field: "case_no",
            message: format!(
                "办件{case_no}的事后核查为“{}”，无需督查处理",
                v.status_label
            ),
        });
    }
    let status = if revoke {
        CheckStatus::Revoked
    } else {
        CheckStatus::Upheld
    };
    let today = time::day(time::local_day(time::now()));
    sqlx::query(
        "UPDATE after_checks SET status = $1, resolved_by = $2, resolved_on = $3, resolution = $4 WHERE case_id = $5",
    )
    .bind(status.as_str())
    .bind(actor_label(p))
    .bind(&today)
    .bind(&note)
    .bind(id)
    .execute(&mut *tx)
    .await?;
    if revoke {
        let before = stats::case_snapshot(&mut tx, id).await?;
        let reason = format!("秒批事后核查不符，撤销许可：{note}");
        sqlx::query(
            "UPDATE cases SET status = 'revoked', revoked_on = $1, reason = $2, updated_at = $3 WHERE id = $4 AND status = 'closed'",
        )
        .bind(&today)
        .bind(&reason)
        .bind(time::stamp(time::now()))
        .bind(id)
        .execute(&mut *tx)
        .await?;
        crate::licenses::revoke_for_case(&mut tx, id, &reason).await?;
        insert_event(
            &mut tx,
            id,
            &time::stamp(time::now()),
            Action::Revoke.as_str(),
            Some(CaseStatus::Closed),
            CaseStatus::Revoked,
            &EventActor::from(p),
            None,
            Some(&reason),
        )
        .await?;
        crate::seal::seal_case(&mut tx, store.keys(), id).await?;
        let after = stats::case_snapshot(&mut tx, id).await?;
        stats::track_case(&mut tx, Some(&before), &after).await?;
    }
    audit::append(
        &mut tx,
        store.keys(),
        &p.actor(),
        "after_check.resolve",
        "case",
        case_no,
        serde_json::json!({ "outcome": status.as_str(), "note": note }),
    )
    .await?;
    super::stored::renew(&mut tx, id).await?;
    tx.commit().await?;
    let mut rd = store.reader().await?;
    Ok(one(&mut rd, case_no).await?.2)
}

/// An after-check as exported: its case, when it was drawn and done, whether it
/// disagreed, and a supervisor's resolution.
#[derive(Debug, Clone, Serialize)]
pub struct AfterCheckExport {
    pub case_no: String,
    pub department: String,
    pub queued_on: String,
    pub status: String,
    pub checked_on: Option<String>,
    pub disputed: bool,
    pub resolved_on: Option<String>,
}

/// Every after-check in the order drawn, to `sink`.
pub async fn export(
    store: &Store,
    mut sink: impl FnMut(AfterCheckExport) -> anyhow::Result<()>,
) -> Result<u64> {
    let mut rd = store.reader().await?;
    let rows = sqlx::query(
        "SELECT c.case_no, d.code, a.queued_on, a.status, a.checked_on, a.disputed, a.resolved_on \
         FROM after_checks a JOIN cases c ON c.id = a.case_id JOIN departments d ON d.id = c.department_id \
         ORDER BY a.queued_on, c.id",
    )
    .fetch_all(&mut *rd)
    .await?;
    let mut n = 0;
    for r in &rows {
        sink(AfterCheckExport {
            case_no: r.try_get(0)?,
            department: r.try_get(1)?,
            queued_on: r.try_get(2)?,
            status: r.try_get(3)?,
            checked_on: r.try_get(4)?,
            disputed: crate::flag(r, 5)?,
            resolved_on: r.try_get(6)?,
        })?;
        n += 1;
    }
    Ok(n)
}
