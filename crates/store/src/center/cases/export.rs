//! Cases, ratings and follow-ups exported; an ID number revealed on the record.

use super::*;

/// A flat case row for exports: the API's field names, masked personal data.
#[derive(Debug, Clone, Serialize)]
pub struct ExportRow {
    pub case_no: String,
    pub item_code: String,
    pub item_name: String,
    pub department: String,
    pub point: String,
    pub channel: String,
    pub instant: bool,
    pub status: String,
    pub applicant_kind: String,
    pub submitted_at: String,
    pub accepted_at: Option<String>,
    pub closed_at: Option<String>,
    pub promised_deadline: Option<String>,
    pub legal_deadline: Option<String>,
    pub rating: Option<i64>,
    /// standard, commitment (告知承诺制) or auto (秒批).
    pub mode: String,
    pub closed_on: Option<String>,
    /// The promised limit, in `promised_unit` (working or natural days).
    pub promised_days: i64,
    pub promised_unit: String,
    /// Working days from acceptance to the close, for a case closed with approval.
    pub handled_days: Option<i64>,
    /// The day an approval was revoked (告知承诺 found untrue, 秒批 undone on check).
    pub revoked_on: Option<String>,
}

/// Streams every case in id order, `batch` at a time, to `sink`.
pub async fn export(
    store: &Store,
    mut sink: impl FnMut(ExportRow) -> anyhow::Result<()>,
) -> Result<u64> {
    let mut conn = store.reader().await?;
    let mut last = 0i64;
    let mut n = 0u64;
    loop {
        let rows = sqlx::query(
            "SELECT c.id, c.case_no, i.code, v.name, d.code, p.code, c.channel, c.instant, c.status, c.applicant_kind, \
             c.submitted_at, c.accepted_at, c.closed_at, c.promised_deadline, c.legal_deadline, r.level, \
             c.mode, c.closed_on, c.promised_days, c.promised_unit, c.handled_days, c.revoked_on \
             FROM cases c JOIN items i ON i.id = c.item_id JOIN item_versions v ON v.item_id = c.item_id AND v.version = c.item_version \
             JOIN departments d ON d.id = c.department_id JOIN points p ON p.id = c.point_id \
             LEFT JOIN ratings r ON r.case_id = c.id AND r.kind = 'service' WHERE c.id > $1 ORDER BY c.id LIMIT 5000",
        )
        .bind(last)
        .fetch_all(&mut *conn)
        .await?;
        if rows.is_empty() {
            break;
        }
        for r in rows {
            last = r.try_get(0)?;
            sink(ExportRow {
                case_no: r.try_get(1)?,
                item_code: r.try_get(2)?,
                item_name: r.try_get(3)?,
                department: r.try_get(4)?,
                point: r.try_get(5)?,
                channel: r.try_get(6)?,
                instant: crate::flag(&r, 7)?,
                status: r.try_get(8)?,
                applicant_kind: r.try_get(9)?,
                submitted_at: r.try_get(10)?,
                accepted_at: r.try_get(11)?,
                closed_at: r.try_get(12)?,
                promised_deadline: r.try_get(13)?,
                legal_deadline: r.try_get(14)?,
                rating: r.try_get(15)?,
                mode: r.try_get(16)?,
                closed_on: r.try_get(17)?,
                promised_days: r.try_get(18)?,
                promised_unit: r.try_get(19)?,
                handled_days: r.try_get(20)?,
                revoked_on: r.try_get(21)?,
            })?;
            n += 1;
        }
    }
    Ok(n)
}

/// A 好差评 rating as exported: the case, where it was handled, the level (5 非常满意
/// … 1 非常不满意), who gave it, and for a bad one the department's answer.
#[derive(Debug, Clone, Serialize)]
pub struct RatingExport {
    pub case_no: String,
    pub department: String,
    pub point: String,
    pub level: i64,
    pub level_label: &'static str,
    /// `applicant` (online, 一事一评) or `device` (the window's device, 一次一评).
    pub source: &'static str,
    pub rated_at: String,
    pub rated_on: String,
    pub bad: bool,
    pub follow_up_due_on: Option<String>,
    pub follow_up_answered_at: Option<String>,
}

/// Streams every rating in case order to `sink`.
pub async fn export_ratings(
    store: &Store,
    mut sink: impl FnMut(RatingExport) -> anyhow::Result<()>,
) -> Result<u64> {
    let mut conn = store.reader().await?;
    // Pages by (case, kind): a case may have the applicant's and the window's rating.
    let mut last = (0i64, String::new());
    let mut n = 0u64;
    loop {
        let rows = sqlx::query(
            "SELECT r.case_id, c.case_no, d.code, p.code, r.level, r.source, r.rated_at, r.rated_on, f.due_on, f.answered_at, r.kind \
             FROM ratings r JOIN cases c ON c.id = r.case_id JOIN departments d ON d.id = c.department_id \
             JOIN points p ON p.id = c.point_id LEFT JOIN rating_followups f ON f.case_id = r.case_id AND f.kind = r.kind \
             WHERE r.case_id > $1 OR (r.case_id = $1 AND r.kind > $2) ORDER BY r.case_id, r.kind LIMIT 5000",
        )
        .bind(last.0)
        .bind(last.1.clone())
        .fetch_all(&mut *conn)
        .await?;
        if rows.is_empty() {
            break;
        }
        for r in rows {
            last = (r.try_get(0)?, r.try_get(10)?);
            let level = RatingLevel::new(r.try_get(4)?)?;
            let source: String = r.try_get(5)?;
            sink(RatingExport {
                case_no: r.try_get(1)?,
                department: r.try_get(2)?,
                point: r.try_get(3)?,
                level: level.value().into(),
                level_label: level.label(),
                source: if source == "applicant" {
                    "applicant"
                } else {
                    "device"
                },
                rated_at: r.try_get(6)?,
                rated_on: r.try_get(7)?,
                bad: level.is_bad(),
                follow_up_due_on: r.try_get(8)?,
                follow_up_answered_at: r.try_get(9)?,
            })?;
            n += 1;
        }
    }
    Ok(n)
}

/// Decrypts the stored identity number of a case, for the rare screens that need it
/// in full (recorded in the audit chain by the caller).
pub async fn reveal_id_number(
    store: &Store,
    p: &Principal,
    case_no: &CaseNo,
) -> Result<Option<String>> {
    let mut tx = store.begin().await?;
    let raw = load_scoped(&mut tx, p, case_no).await?;
    let id: i64 = raw.try_get("id")?;
    let enc: Option<String> = sqlx::query_scalar("SELECT id_number_enc FROM cases WHERE id = $1")
        .bind(id)
        .fetch_one(&mut *tx)
        .await?;
    audit::append(
        &mut tx,
        store.keys(),
        &p.actor(),
        "case.reveal_id",
        "case",
        case_no.as_str(),
        serde_json::json!({}),
    )
    .await?;
    tx.commit().await?;
    enc.map(|e| store.keys().decrypt(&e).map_err(StoreError::Other))
        .transpose()
}

/// A bad rating awaiting (or having received) the department's answer.
#[derive(Debug, Clone, Serialize)]
pub struct FollowUpRow {
    pub case_no: String,
    /// The department's code, and its name as people read it.
    pub department: String,
    pub department_name: String,
    pub item_name: String,
    pub level: i64,
    pub level_label: &'static str,
    pub comment: String,
    pub rated_at: String,
    pub due_on: String,
    pub overdue: bool,
    pub answered_at: Option<String>,
    pub answer: Option<String>,
}

/// Follow-ups of bad ratings the principal may see (its department's, or all for a
/// supervisor), oldest due first; `open_only` leaves out answered ones.
pub async fn follow_ups(
    store: &Store,
    p: &Principal,
    open_only: bool,
) -> Result<(Vec<FollowUpRow>, i64)> {
    let mut sql = Sql::new(
        " FROM rating_followups f JOIN cases c ON c.id = f.case_id \
         JOIN ratings r ON r.case_id = c.id AND r.kind = f.kind \
         JOIN departments d ON d.id = c.department_id JOIN points p ON p.id = c.point_id \
         JOIN item_versions v ON v.item_id = c.item_id AND v.version = c.item_version WHERE 1 = 1",
    );
    scope(p, &mut sql)?;
    if open_only {
        sql.push(" AND f.answered_at IS NULL");
    }
    let total: i64 = sql
        .with_text(format!("SELECT COUNT(*){}", sql.text))
        .query_scalar()
        .fetch_one(&mut *store.reader().await?)
        .await?;
    let mut sql = sql.with_text(format!(
        "SELECT c.case_no, d.code, v.name, r.level, r.comment, r.rated_at, f.due_on, f.answered_at, f.answer, d.name{}",
        sql.text
    ));
    sql.push(" ORDER BY f.due_on, c.id LIMIT 500");
    let today = time::day(time::local_day(time::now()));
    let mut conn = store.reader().await?;
    let rows = sql.query().fetch_all(&mut *conn).await?;
    let rows = rows
        .iter()
        .map(|r| {
            let level: i64 = r.try_get(3)?;
            let due_on: String = r.try_get(6)?;
            let answered_at: Option<String> = r.try_get(7)?;
            Ok(FollowUpRow {
                case_no: r.try_get(0)?,
                department: r.try_get(1)?,
                department_name: r.try_get(9)?,
                item_name: r.try_get(2)?,
                level,
                level_label: RatingLevel::new(level).map(|l| l.label()).unwrap_or(""),
                comment: r.try_get(4)?,
                rated_at: time::display(&r.try_get::<String, _>(5)?),
                overdue: answered_at.is_none() && due_on < today,
                due_on,
                answered_at: opt_display(answered_at),
                answer: r.try_get(8)?,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    Ok((rows, total))
}
