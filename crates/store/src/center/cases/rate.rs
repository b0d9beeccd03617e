//! 好差评: the applicant's rating of a case, and the follow-up of a poor one.

use super::progress::own;
use super::*;

/// Who gives a rating: the applicant (proving it with the last six characters of the
/// ID or credit code), or a clerk's session for the window's rating device.
pub enum Rater<'a> {
    Applicant {
        last_six: &'a str,
        /// The client's address, for the throttle of wrong proofs.
        from: &'a str,
    },
    /// The applicant signed in to the portal: the case must be theirs.
    SignedIn(&'a crate::applicants::ApplicantSession),
    Staff(&'a Principal),
}

/// 好差评: one rating per case, after it has ended; a bad one opens a follow-up.
pub async fn rate(
    store: &Store,
    rater: Rater<'_>,
    case_no: &CaseNo,
    level: i64,
    comment: Option<&str>,
) -> Result<RatingView> {
    let level = RatingLevel::new(level)?;
    let comment = comment.map(str::trim).unwrap_or("");
    if comment.chars().count() > MAX_COMMENT_CHARS {
        return Err(StoreError::invalid(
            "comment",
            format!("评价内容不能超过{MAX_COMMENT_CHARS}个字"),
        ));
    }
    let now = time::now();
    let today = time::local_day(now);
    // The applicant's proof is checked (and a wrong one counted) before the write.
    if let Rater::Applicant { last_six, from } = rater {
        verify_applicant(store, case_no, last_six, from).await?;
    }
    let mut tx = store.begin().await?;
    let raw = match rater {
        Rater::Staff(p) => {
            if !p.role.accepts_applications() {
                return Err(StoreError::Forbidden(
                    "只有窗口人员可代为提交评价器评价".into(),
                ));
            }
            load_scoped(&mut tx, p, case_no).await?
        }
        Rater::Applicant { .. } | Rater::SignedIn(_) => {
            let no = case_no;
            let mut sql = Sql::new(&format!(
                "SELECT {CASE_COLUMNS}{CASE_FROM} AND c.case_no = "
            ));
            sql.bind_s(no.as_str());
            if let Rater::SignedIn(a) = rater {
                own(a, &mut sql);
            }
            sql.query()
                .fetch_optional(&mut *tx)
                .await?
                .ok_or_else(|| StoreError::not_found(format!("办件“{case_no}”不存在")))?
        }
    };
    let row = row_from(&raw)?;
    may_rate(&rater, &row, today)?;
    // The applicant rates the service (一事一评); the window's device, held out to
    // the person at the counter, rates the visit (一次一评). One of each per case,
    // neither standing in for the other.
    let (source, kind) = match rater {
        Rater::Applicant { .. } | Rater::SignedIn(_) => ("applicant".to_string(), SERVICE_RATING),
        Rater::Staff(p) => (format!("device:{}", p.username), VISIT_RATING),
    };
    let counted_before = crate::stats::snapshot(
        &mut tx,
        &crate::stats::RATINGS,
        &[row.id],
        &Calendar::default(),
    )
    .await?;
    sqlx::query(sqlx::AssertSqlSafe(crate::bulk::insert_one(
        "ratings",
        RATING_INSERT_COLUMNS,
    )))
    .bind(row.id)
    .bind(kind)
    .bind(level.value() as i64)
    .bind(comment)
    .bind(&source)
    .bind(time::stamp(now))
    .bind(time::day(today))
    .execute(&mut *tx)
    .await
    .map_err(|e| match &e {
        sqlx::Error::Database(d) if d.is_unique_violation() => StoreError::Conflict {
            field: "level",
            message: if kind == SERVICE_RATING {
                "该办件已评价，每件只能评价一次".into()
            } else {
                "本次窗口服务已由评价器评价".into()
            },
        },
        _ => StoreError::Db(e),
    })?;
    if level.is_bad() {
        let cal = calendar::load(store, &mut tx).await?;
        let due = cal
            .deadline(today, FOLLOW_UP_WORKING_DAYS)
            .unwrap_or_else(|_| Calendar::estimate_deadline(today, FOLLOW_UP_WORKING_DAYS));
        // Each bad rating its own follow-up (the applicant's and the window's).
        sqlx::query(sqlx::AssertSqlSafe(crate::bulk::insert_one(
            "rating_followups",
            FOLLOW_UP_INSERT_COLUMNS,
        )))
        .bind(row.id)
        .bind(kind)
        .bind(row.department_id)
        .bind(time::stamp(now))
        .bind(time::day(due))
        .execute(&mut *tx)
        .await?;
    }
    let counted = crate::stats::snapshot(
        &mut tx,
        &crate::stats::RATINGS,
        &[row.id],
        &Calendar::default(),
    )
    .await?;
    crate::stats::track(
        &mut tx,
        &crate::stats::RATINGS,
        Some(&counted_before),
        &counted,
    )
    .await?;
    let actor = match rater {
        Rater::Applicant { .. } => Actor::applicant(),
        Rater::SignedIn(a) => a.actor(),
        Rater::Staff(p) => p.actor(),
    };
    audit::append(
        &mut tx,
        store.keys(),
        &actor,
        "case.rate",
        "case",
        &row.case_no,
        serde_json::json!({ "level": level.value(), "source": source }),
    )
    .await?;
    let view = rating_of(&mut tx, row.id, kind).await?;
    tx.commit().await?;
    view.ok_or_else(|| StoreError::Other(anyhow::anyhow!("rating vanished")))
}

/// The department answers a bad rating (整改反馈).
pub async fn answer_follow_up(
    store: &Store,
    p: &Principal,
    case_no: &CaseNo,
    answer: &str,
) -> Result<RatingView> {
    if !matches!(p.role, Role::Approver | Role::DepartmentHead) {
        return Err(StoreError::Forbidden(
            "差评整改须由部门审批人员或部门负责人答复".into(),
        ));
    }
    let answer = tongban_domain::required_text("answer", "整改答复", answer, 2000)?;
    let mut tx = store.begin().await?;
    let raw = load_scoped(&mut tx, p, case_no).await?;
    let id: i64 = raw.try_get("id")?;
    let now = time::stamp(time::now());
    let no_cal = Calendar::default();
    let before = crate::stats::snapshot(&mut tx, &crate::stats::RATINGS, &[id], &no_cal).await?;
    let n = sqlx::query(
        "UPDATE rating_followups SET answered_at = $1, answer = $2, answered_by = $3 WHERE case_id = $4 AND answered_at IS NULL",
    )
    .bind(&now)
    .bind(&answer)
    .bind(p.user_id)
    .bind(id)
    .execute(&mut *tx)
    .await?;
    if n.rows_affected() != 1 {
        return Err(StoreError::Conflict {
            field: "answer",
            message: "该办件没有待答复的差评".into(),
        });
    }
    let after = crate::stats::snapshot(&mut tx, &crate::stats::RATINGS, &[id], &no_cal).await?;
    crate::stats::track(&mut tx, &crate::stats::RATINGS, Some(&before), &after).await?;
    audit::append(
        &mut tx,
        store.keys(),
        &p.actor(),
        "rating.answer",
        "case",
        case_no.as_str(),
        serde_json::json!({}),
    )
    .await?;
    // The bad rating the follow-up answers (the applicant's when both were bad).
    let kind: Option<String> =
        sqlx::query_scalar("SELECT MIN(kind) FROM ratings WHERE case_id = $1 AND level <= 2")
            .bind(id)
            .fetch_one(&mut *tx)
            .await?;
    let view = rating_of(&mut tx, id, kind.as_deref().unwrap_or(SERVICE_RATING)).await?;
    tx.commit().await?;
    view.ok_or_else(|| StoreError::Other(anyhow::anyhow!("rating vanished")))
}

/// Whether `rater` may rate the case now: the applicant once it has ended (closed,
/// decided against, refused or withdrawn) and within the window after that; the
/// window's device once the window has served.
fn may_rate(rater: &Rater<'_>, row: &CaseRow, today: NaiveDate) -> Result<()> {
    // The applicant rates the whole service once it has ended (一事一评); the
    // window's device rates the visit itself, once the window has served (一次一评).
    let ended = matches!(
        row.status,
        CaseStatus::Closed | CaseStatus::Rejected | CaseStatus::Refused | CaseStatus::Withdrawn
    );
    let served = ended || row.accepted_at.is_some();
    let may_rate = match rater {
        Rater::Applicant { .. } | Rater::SignedIn(_) => ended,
        Rater::Staff(_) => served,
    };
    // The applicant's rating has a window after the end.
    let ended_on = row
        .closed_at
        .as_deref()
        .and_then(time::parse_stamp)
        .map(time::local_day);
    if matches!(rater, Rater::Applicant { .. } | Rater::SignedIn(_))
        && ended_on.is_some_and(|d| (today - d).num_days() > RATING_WINDOW_DAYS)
    {
        return Err(StoreError::Conflict {
            field: "level",
            message: format!("办件办结已超过{RATING_WINDOW_DAYS}日，评价期已过"),
        });
    }
    if !may_rate {
        return Err(StoreError::Conflict {
            field: "level",
            message: match rater {
                Rater::Applicant { .. } | Rater::SignedIn(_) => "办件办结后方可评价".into(),
                Rater::Staff(_) => "窗口受理或办结后方可评价".into(),
            },
        });
    }
    Ok(())
}
