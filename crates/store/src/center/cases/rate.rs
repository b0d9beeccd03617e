//! 好差评: the applicant's rating of a case, and the follow-up of a poor one.

use super::progress::own;
use super::*;
use tongban_domain::rating::APPEAL_DAYS;

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
    .bind(staff_rated(&mut tx, &rater, row.id).await?)
    .execute(&mut *tx)
    .await
    .map_err(|e| {
        let message = if kind == SERVICE_RATING {
            "该办件已评价，每件只能评价一次"
        } else {
            "本次窗口服务已由评价器评价"
        };
        crate::org::unique_violation(e, "level", message)
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
    commit_with_view(tx, row.id, kind).await
}

/// The staff member a rating rates: the clerk at the window for the device's, the
/// clerk who accepted the case for the applicant's.
async fn staff_rated(
    tx: &mut AnyConnection,
    rater: &Rater<'_>,
    case_id: i64,
) -> Result<Option<i64>> {
    if let Rater::Staff(p) = rater {
        return Ok(Some(p.user_id));
    }
    settle_events(&mut *tx).await?;
    Ok(sqlx::query_scalar(
        "SELECT MIN(actor_id) FROM case_events WHERE case_id = $1 AND action = 'accept'",
    )
    .bind(case_id)
    .fetch_one(&mut *tx)
    .await?)
}

/// Fills in the staff member rated where a bulk load left it out: the clerk who
/// accepted the case.
pub async fn fill_rated_staff(conn: &mut AnyConnection) -> Result<u64> {
    Ok(sqlx::query(
        "UPDATE ratings SET staff_id = (SELECT MIN(e.actor_id) FROM case_events e \
         WHERE e.case_id = ratings.case_id AND e.action = 'accept') WHERE staff_id IS NULL",
    )
    .execute(conn)
    .await?
    .rows_affected())
}

/// The department verifies a bad rating, rectifies and answers the rater (核实、整改、
/// 反馈).
pub async fn answer_follow_up(
    store: &Store,
    p: &Principal,
    case_no: &CaseNo,
    finding: Option<&str>,
    answer: &str,
) -> Result<RatingView> {
    if !matches!(p.role, Role::Approver | Role::DepartmentHead) {
        return Err(StoreError::Forbidden(
            "差评整改须由部门审批人员或部门负责人答复".into(),
        ));
    }
    let finding = match finding.map(str::trim).filter(|f| !f.is_empty()) {
        None => Err(StoreError::invalid(
            "finding",
            format!("请填写核实情况：{}", Finding::choices()),
        )),
        Some(f) => Finding::parse_code_or_label(f).ok_or_else(|| {
            StoreError::invalid(
                "finding",
                format!("核实情况“{f}”无效，应为：{}", Finding::choices()),
            )
        }),
    }?;
    let answer = tongban_domain::required_text("answer", "整改答复", answer, 2000)?;
    let mut tx = store.begin().await?;
    let raw = load_scoped(&mut tx, p, case_no).await?;
    let id: i64 = raw.try_get("id")?;
    let now = time::stamp(time::now());
    let no_cal = Calendar::default();
    let before = crate::stats::snapshot(&mut tx, &crate::stats::RATINGS, &[id], &no_cal).await?;
    let n = sqlx::query(
        "UPDATE rating_followups SET answered_at = $1, answer = $2, answered_by = $3, finding = $5 \
         WHERE case_id = $4 AND answered_at IS NULL",
    )
    .bind(&now)
    .bind(&answer)
    .bind(p.user_id)
    .bind(id)
    .bind(finding.as_str())
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
        serde_json::json!({ "finding": finding.as_str() }),
    )
    .await?;
    // The bad rating the follow-up answers (the applicant's when both were bad).
    let kind: Option<String> =
        sqlx::query_scalar("SELECT MIN(kind) FROM ratings WHERE case_id = $1 AND level <= 2")
            .bind(id)
            .fetch_one(&mut *tx)
            .await?;
    commit_with_view(tx, id, kind.as_deref().unwrap_or(SERVICE_RATING)).await
}

/// Whether `rater` may rate the case now: the applicant once it has ended (closed,
/// decided against, refused or withdrawn) and within the window after that; the
/// window's device once the window has served.
fn may_rate(rater: &Rater<'_>, row: &CaseRow, today: NaiveDate) -> Result<()> {
    // The applicant rates the whole service once it has ended (一事一评); the
    // window's device rates the visit itself, once the window has served (一次一评).
    let ended = matches!(
        row.status,
        CaseStatus::Closed
            | CaseStatus::Rejected
            | CaseStatus::Refused
            | CaseStatus::Withdrawn
            | CaseStatus::Terminated
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

/// The rater appeals the department's answer to a bad rating (申诉), within
/// [`APPEAL_DAYS`] of it, once.
pub async fn appeal_follow_up(
    store: &Store,
    rater: Rater<'_>,
    case_no: &CaseNo,
    appeal: &str,
) -> Result<RatingView> {
    let appeal = tongban_domain::required_text("appeal", "申诉理由", appeal, 1000)?;
    let actor = match &rater {
        Rater::Applicant { last_six, from } => {
            verify_applicant(store, case_no, last_six, from).await?;
            Actor::applicant()
        }
        Rater::SignedIn(a) => a.actor(),
        Rater::Staff(_) => {
            return Err(StoreError::Forbidden("差评申诉须由评价人本人提出".into()));
        }
    };
    let now = time::now();
    let mut tx = store.begin().await?;
    let mut sql = Sql::new(
        "SELECT c.id, f.answered_at, f.appealed_at FROM cases c \
        JOIN rating_followups f ON f.case_id = c.id AND f.kind = 'service' WHERE c.case_no = ",
    );
    sql.bind_s(case_no.as_str());
    if let Rater::SignedIn(a) = rater {
        own(a, &mut sql);
    }
    let r = sql
        .query()
        .fetch_optional(&mut *tx)
        .await?
        .ok_or_else(|| StoreError::not_found(format!("办件“{case_no}”没有差评整改记录")))?;
    let id: i64 = r.try_get(0)?;
    let answered: Option<String> = r.try_get(1)?;
    let appealed: Option<String> = r.try_get(2)?;
    let conflict = |message: String| StoreError::Conflict {
        field: "appeal",
        message,
    };
    let Some(answered) = answered else {
        return Err(conflict("部门尚未答复，答复后方可申诉".into()));
    };
    if appealed.is_some() {
        return Err(conflict("已提出过申诉，正在复核或已复核".into()));
    }
    let answered_on = time::parse_stamp(&answered).map(time::local_day);
    if answered_on.is_some_and(|d| (time::local_day(now) - d).num_days() > APPEAL_DAYS) {
        return Err(conflict(format!(
            "部门答复已超过{APPEAL_DAYS}日，申诉期已过"
        )));
    }
    sqlx::query(
        "UPDATE rating_followups SET appeal = $1, appealed_at = $2 WHERE case_id = $3 AND kind = 'service' \
         AND appealed_at IS NULL",
    )
    .bind(&appeal)
    .bind(time::stamp(now))
    .bind(id)
    .execute(&mut *tx)
    .await?;
    audit::append(
        &mut tx,
        store.keys(),
        &actor,
        "rating.appeal",
        "case",
        case_no.as_str(),
        serde_json::json!({}),
    )
    .await?;
    commit_with_view(tx, id, SERVICE_RATING).await
}

/// The service management office reviews an appeal (复核): the answer stands, or
/// the department rectifies and answers again within a new time limit.
pub async fn review_follow_up(
    store: &Store,
    p: &Principal,
    case_no: &CaseNo,
    outcome: Option<&str>,
    review: &str,
) -> Result<RatingView> {
    if p.role != Role::Supervisor {
        return Err(StoreError::Forbidden("差评申诉由政务办督查人员复核".into()));
    }
    let outcome = outcome
        .map(str::trim)
        .filter(|o| !o.is_empty())
        .and_then(ReviewOutcome::parse_code_or_label)
        .ok_or_else(|| {
            StoreError::invalid(
                "outcome",
                format!("请选择复核结论：{}", ReviewOutcome::choices()),
            )
        })?;
    let review = tongban_domain::required_text("review", "复核意见", review, 1000)?;
    let now = time::now();
    let today = time::local_day(now);
    let mut tx = store.begin().await?;
    let raw = load_scoped(&mut tx, p, case_no).await?;
    let id: i64 = raw.try_get("id")?;
    let no_cal = Calendar::default();
    let before = crate::stats::snapshot(&mut tx, &crate::stats::RATINGS, &[id], &no_cal).await?;
    // Rectify again: the answer is reopened with a time limit of its own.
    let due = if outcome == ReviewOutcome::Redo {
        let cal = calendar::load(store, &mut tx).await?;
        Some(time::day(
            cal.deadline_or_estimate(today, FOLLOW_UP_WORKING_DAYS),
        ))
    } else {
        None
    };
    let n = sqlx::query(
        "UPDATE rating_followups SET review = $1, review_outcome = $2, reviewed_at = $3, reviewed_by = $4, \
         answered_at = CASE WHEN $5 = 1 THEN NULL ELSE answered_at END, \
         due_on = COALESCE($6, due_on) \
         WHERE case_id = $7 AND kind = 'service' AND appealed_at IS NOT NULL AND reviewed_at IS NULL",
    )
    .bind(&review)
    .bind(outcome.as_str())
    .bind(time::stamp(now))
    .bind(p.user_id)
    .bind(i64::from(outcome == ReviewOutcome::Redo))
    .bind(&due)
    .bind(id)
    .execute(&mut *tx)
    .await?;
    if n.rows_affected() != 1 {
        return Err(StoreError::Conflict {
            field: "outcome",
            message: "该办件没有待复核的差评申诉".into(),
        });
    }
    let after = crate::stats::snapshot(&mut tx, &crate::stats::RATINGS, &[id], &no_cal).await?;
    crate::stats::track(&mut tx, &crate::stats::RATINGS, Some(&before), &after).await?;
    audit::append(
        &mut tx,
        store.keys(),
        &p.actor(),
        "rating.review",
        "case",
        case_no.as_str(),
        serde_json::json!({ "outcome": outcome.as_str(), "review": review }),
    )
    .await?;
    commit_with_view(tx, id, SERVICE_RATING).await
}

/// Commits a rating's change and reads the rating as it now stands.
async fn commit_with_view(
    mut tx: crate::views::WriteTx,
    case_id: i64,
    kind: &str,
) -> Result<RatingView> {
    let view = rating_of(&mut tx, case_id, kind).await?;
    super::stored::renew(&mut tx, case_id).await?;
    tx.commit().await?;
    view.ok_or_else(|| StoreError::Other(anyhow::anyhow!("rating vanished")))
}
