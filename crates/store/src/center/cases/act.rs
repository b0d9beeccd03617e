//! The actions of the procedure on a case: the domain's state machine chooses the
//! next status; here the row follows it (clocks, pauses, the deemed acceptance of
//! Art. 32), is updated against a concurrent change, and the action is recorded.

use super::*;

/// An action as asked for, checked.
struct Asked {
    action: Action,
    note: Option<String>,
    document_no: Option<String>,
}

fn parse_action(input: &ActionInput) -> Result<Asked> {
    let action_name = input
        .action
        .as_deref()
        .ok_or_else(|| StoreError::invalid("action", "请指定操作（action）"))?;
    let action = Action::parse(action_name).ok_or_else(|| {
        StoreError::invalid(
            "action",
            format!("未知操作“{action_name}”：应为 accept、refuse、request_supplement、supplement、approve、reject、suspend、resume、extend、withdraw 或 close"),
        )
    })?;
    let text = |field: &'static str, label: &str, max: usize, v: Option<&str>| match v
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        Some(n) => tongban_domain::required_text(field, label, n, max).map(Some),
        None => Ok(None),
    };
    Ok(Asked {
        action,
        note: text("note", "说明", 1000, input.note.as_deref())?,
        document_no: text("document_no", "文书编号", 100, input.document_no.as_deref())?,
    })
}

/// What taking an action did beyond the status.
#[derive(Default)]
struct Outcome {
    /// Accepted late: deemed accepted on the day received (Art. 32).
    deemed: bool,
    /// An instant item closed as it was accepted.
    instant_close: bool,
}

/// Takes an action on a case.
pub async fn act(
    store: &Store,
    p: &Principal,
    case_no: &CaseNo,
    input: &ActionInput,
) -> Result<CaseView> {
    let asked = parse_action(input)?;
    let action = asked.action;
    let now = time::now();
    let today = time::local_day(now);
    let stamp = time::stamp(now);
    let mut tx = store.begin().await?;
    if !p.role.works_cases() {
        return Err(StoreError::Forbidden("当前角色无权办理办件".into()));
    }
    let raw = load_scoped(&mut tx, p, case_no).await?;
    let mut row = row_from(&raw)?;
    let state = CaseState {
        status: row.status,
        accepted: row.accepted_at.is_some(),
        extended: row.extension_days > 0,
    };
    let next = state
        .transition(action, p.role, asked.note.as_deref())
        .map_err(transition_error)?;
    // Art. 45: the procedure and its expected duration, checked before any write.
    let special = if action == Action::Suspend {
        Some(special_procedure(input)?)
    } else {
        None
    };
    let from = row.status;
    let prior_extension = row.extension_days;
    row.status = next;
    let mut pauses = pauses_of(&mut tx, row.id).await?;
    let on = Day {
        today,
        stamp: &stamp,
    };
    if row.accepted_at.is_none() {
        before_acceptance(store, &mut tx, &row, &pauses, action, today).await?;
    }
    let outcome = follow(store, &mut tx, &mut row, &asked, &mut pauses, &on).await?;
    let next = row.status;
    if row.accepted_at.is_some() && !next.is_final() && next != CaseStatus::Approved {
        let cal = calendar::load(store, &mut tx).await?;
        let (pd, ld, est) = compute_clocks(&cal, &row, &pauses);
        row.promised_deadline = pd;
        row.legal_deadline = ld;
        row.deadline_estimated = est;
    }
    let counted = crate::stats::case_snapshot(&mut tx, row.id).await?;
    update_row(&mut tx, &row, from, prior_extension, &on).await?;
    let now_counted = crate::stats::case_snapshot(&mut tx, row.id).await?;
    crate::stats::track_case(&mut tx, Some(&counted), &now_counted).await?;
    let note = if let Some((procedure, days)) = special {
        Some(format!(
            "{}（预计{days}日）：{}",
            procedure.label(),
            asked.note.clone().unwrap_or_default()
        ))
    } else if action == Action::Withdraw {
        Some(format!(
            "{}{}",
            asked.note.clone().unwrap_or_default(),
            late_withdrawal(&row, today, "")
        ))
    } else if outcome.deemed {
        Some(format!(
            "{}申请逾期未作出受理决定，依《行政许可法》第三十二条自收到申请之日起即为受理",
            asked.note.map(|n| format!("{n}；")).unwrap_or_default()
        ))
    } else {
        asked.note
    };
    record(
        store, &mut tx, p, &row, action, from, note, &outcome, &stamp,
    )
    .await?;
    tx.commit().await?;
    get(store, p, case_no).await
}

/// The special procedure asked for (Art. 45) and its expected days.
fn special_procedure(input: &ActionInput) -> Result<(SpecialProcedure, i64)> {
    let procedure = input
        .procedure
        .as_deref()
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .ok_or_else(|| {
            StoreError::invalid(
                "procedure",
                format!(
                    "请选择特别程序（《行政许可法》第四十五条）：{}",
                    SpecialProcedure::choices()
                ),
            )
        })?;
    let procedure = SpecialProcedure::parse_code_or_label(procedure).ok_or_else(|| {
        StoreError::invalid(
            "procedure",
            format!(
                "特别程序“{procedure}”不在《行政许可法》第四十五条所列之内，应为：{}",
                SpecialProcedure::choices()
            ),
        )
    })?;
    let days = input
        .expected_days
        .filter(|d| (1..=MAX_SPECIAL_DAYS).contains(d))
        .ok_or_else(|| {
            StoreError::invalid(
                "expected_days",
                format!("请填写特别程序的预计所需天数（1至{MAX_SPECIAL_DAYS}日）"),
            )
        })?;
    Ok((procedure, days))
}

fn transition_error(e: TransitionError) -> StoreError {
    match e {
        TransitionError::Role { .. } => StoreError::Forbidden(e.to_string()),
        TransitionError::NoteRequired(_) => StoreError::invalid("note", e.to_string()),
        TransitionError::NotAllowed { .. } | TransitionError::AlreadyExtended => {
            StoreError::Conflict {
                field: "action",
                message: e.to_string(),
            }
        }
    }
}

/// The day an action is taken on, and its time stamp.
struct Day<'a> {
    today: NaiveDate,
    stamp: &'a str,
}

/// The row's dates, result and pauses after the action the state machine allowed.
async fn follow(
    store: &Store,
    tx: &mut AnyConnection,
    row: &mut CaseRow,
    asked: &Asked,
    pauses: &mut Vec<Pause>,
    on: &Day<'_>,
) -> Result<Outcome> {
    let stamp = Some(on.stamp.to_string());
    let note = asked.note.clone();
    match asked.action {
        Action::Accept => return accept(store, tx, row, pauses, on).await,
        Action::Refuse | Action::Withdraw => {
            row.reason = note;
            row.closed_at = stamp;
        }
        Action::RequestSupplement | Action::Suspend => {
            let kind = if asked.action == Action::Suspend {
                "special"
            } else {
                "supplement"
            };
            sqlx::query(sqlx::AssertSqlSafe(crate::bulk::insert_one(
                "case_pauses",
                PAUSE_INSERT_COLUMNS,
            )))
            .bind(row.id)
            .bind(kind)
            .bind(time::day(on.today))
            .bind(None::<String>)
            .bind(note.unwrap_or_default())
            .execute(&mut *tx)
            .await?;
            pauses.push(Pause {
                from: on.today,
                to: None,
            });
        }
        Action::Supplement | Action::Resume => {
            sqlx::query("UPDATE case_pauses SET to_day = $1 WHERE case_id = $2 AND to_day IS NULL")
                .bind(time::day(on.today))
                .bind(row.id)
                .execute(&mut *tx)
                .await?;
            for pz in pauses.iter_mut().filter(|pz| pz.to.is_none()) {
                pz.to = Some(on.today);
            }
        }
        Action::Extend => extend(tx, row, note, on.today).await?,
        Action::Approve => {
            row.decided_at = stamp;
            row.result = Some("准予许可".into());
        }
        Action::Reject => {
            row.decided_at = stamp.clone();
            row.closed_at = stamp;
            row.result = Some("不予许可".into());
            row.reason = note;
        }
        Action::Close => {
            row.closed_at = stamp;
            row.document_no = Some(
                asked
                    .document_no
                    .clone()
                    .unwrap_or_else(|| document_no(&row.case_no)),
            );
        }
    }
    Ok(Outcome::default())
}

/// What Art. 32 allows before acceptance: one supplement notice, and no refusal or
/// first notice once the application counts as accepted.
async fn before_acceptance(
    store: &Store,
    tx: &mut AnyConnection,
    row: &CaseRow,
    pauses: &[Pause],
    action: Action,
    today: NaiveDate,
) -> Result<()> {
    if !matches!(action, Action::RequestSupplement | Action::Refuse) {
        return Ok(());
    }
    let Some(received) = received_on(tx, row.id).await? else {
        return Ok(());
    };
    let cal = calendar::load(store, &mut *tx).await?;
    BeforeAcceptance {
        received,
        notices: pauses.len(),
        first_notice: pauses.first().map(|p| p.from),
    }
    .check(action, &cal, today)
    .map_err(|message| StoreError::Conflict {
        field: "action",
        message,
    })
}

/// The day an application was received.
async fn received_on(tx: &mut AnyConnection, case_id: i64) -> Result<Option<NaiveDate>> {
    let submitted: Option<String> =
        sqlx::query_scalar("SELECT submitted_on FROM cases WHERE id = $1")
            .bind(case_id)
            .fetch_one(&mut *tx)
            .await?;
    Ok(submitted.as_deref().and_then(time::parse_day))
}

/// 受理: the acceptance number, the deemed acceptance of Art. 32 (an application not
/// answered within five working days counts as accepted on the day it was
/// received, and its clocks run from then), and an instant item closed at once.
async fn accept(
    store: &Store,
    tx: &mut AnyConnection,
    row: &mut CaseRow,
    pauses: &mut Vec<Pause>,
    on: &Day<'_>,
) -> Result<Outcome> {
    let mut outcome = Outcome::default();
    row.accepted_at = Some(on.stamp.to_string());
    row.accepted_on = Some(time::day(on.today));
    row.acceptance_no = CaseNo::parse(&row.case_no).ok().map(|n| acceptance_no(&n));
    if let Some(received) = received_on(tx, row.id).await? {
        let cal = calendar::load(store, &mut *tx).await?;
        // A supplement notice given in time stops the rule; one given late does not.
        let before = BeforeAcceptance {
            received,
            notices: pauses.len(),
            first_notice: pauses.first().map(|p| p.from),
        };
        if before.deemed_accepted(&cal, on.today) {
            row.accepted_on = Some(time::day(received));
            outcome.deemed = true;
            // Its notices came too late to stop the clock, which ran from receipt:
            // kept on record, but no longer pauses.
            sqlx::query(
                "UPDATE case_pauses SET kind = 'late_notice' WHERE case_id = $1 AND from_day < $2",
            )
            .bind(row.id)
            .bind(time::day(on.today))
            .execute(&mut *tx)
            .await?;
            pauses.retain(|p| p.from >= on.today);
        }
    }
    if row.instant {
        row.status = CaseStatus::Closed;
        row.decided_at = Some(on.stamp.to_string());
        row.closed_at = Some(on.stamp.to_string());
        row.result = Some("准予许可（即办）".into());
        row.document_no = Some(document_no(&row.case_no));
        outcome.instant_close = true;
    }
    Ok(outcome)
}

/// 延期: decided before the statutory time runs out, not after, by the days the law
/// gives the item's limit (Art. 42, Art. 26, or the item's own law as configured).
async fn extend(
    tx: &mut AnyConnection,
    row: &mut CaseRow,
    note: Option<String>,
    today: NaiveDate,
) -> Result<()> {
    if row
        .legal_deadline
        .as_deref()
        .and_then(time::parse_day)
        .is_some_and(|d| today > d)
    {
        return Err(StoreError::Conflict {
            field: "action",
            message: format!(
                "法定办结期限（{}）已过，不能再延期",
                row.legal_deadline.clone().unwrap_or_default()
            ),
        });
    }
    let content = item_content_of(&mut *tx, row.id).await?;
    let days = content
        .extension_days()
        .map_err(|message| StoreError::Conflict {
            field: "action",
            message,
        })?;
    row.extension_days = days as i64;
    row.reason = note;
    Ok(())
}

/// Writes the row back, unless someone changed its status or extension meanwhile.
async fn update_row(
    tx: &mut AnyConnection,
    row: &CaseRow,
    from: CaseStatus,
    prior_extension: i64,
    on: &Day<'_>,
) -> Result<()> {
    let updated = sqlx::query(
        "UPDATE cases SET status = $1, accepted_at = $2, accepted_on = $3, acceptance_no = $4, decided_at = $5, closed_at = $6, \
         closed_on = $7, extension_days = $8, promised_deadline = $9, legal_deadline = $10, deadline_estimated = $11, result = $12, \
         document_no = $13, reason = $14, updated_at = $15 WHERE id = $16 AND status = $17 AND extension_days = $18",
    )
    .bind(row.status.as_str())
    .bind(&row.accepted_at)
    .bind(&row.accepted_on)
    .bind(&row.acceptance_no)
    .bind(&row.decided_at)
    .bind(&row.closed_at)
    .bind(row.closed_at.as_ref().map(|_| time::day(on.today)))
    .bind(row.extension_days)
    .bind(&row.promised_deadline)
    .bind(&row.legal_deadline)
    .bind(row.deadline_estimated as i64)
    .bind(&row.result)
    .bind(&row.document_no)
    .bind(&row.reason)
    .bind(on.stamp)
    .bind(row.id)
    .bind(from.as_str())
    .bind(prior_extension)
    .execute(&mut *tx)
    .await?;
    if updated.rows_affected() != 1 {
        return Err(StoreError::Conflict {
            field: "action",
            message: "办件状态已被他人更新，请刷新后重试".into(),
        });
    }
    Ok(())
}

/// The action's events (an instant close is two), the row's seal, the audit record,
/// and the license of a case closed.
#[allow(clippy::too_many_arguments)]
async fn record(
    store: &Store,
    tx: &mut AnyConnection,
    p: &Principal,
    row: &CaseRow,
    action: Action,
    from: CaseStatus,
    note: Option<String>,
    outcome: &Outcome,
    stamp: &str,
) -> Result<()> {
    let next = row.status;
    let point_id = p.point_id.or(Some(row.point_id));
    let recorded = if outcome.instant_close {
        CaseStatus::Accepted
    } else {
        next
    };
    let actor = EventActor::from(p);
    insert_event(
        &mut *tx,
        row.id,
        stamp,
        action.as_str(),
        Some(from),
        recorded,
        &actor,
        point_id,
        note.as_deref(),
    )
    .await?;
    if outcome.instant_close {
        insert_event(
            &mut *tx,
            row.id,
            stamp,
            Action::Close.as_str(),
            Some(CaseStatus::Accepted),
            CaseStatus::Closed,
            &actor,
            point_id,
            Some("即办件当场办结"),
        )
        .await?;
    }
    crate::seal::seal_case(&mut *tx, store.keys(), row.id).await?;
    audit::append(
        &mut *tx,
        store.keys(),
        &p.actor(),
        &format!("case.{}", action.as_str()),
        "case",
        &row.case_no,
        serde_json::json!({ "from": from.as_str(), "to": next.as_str(), "note": note }),
    )
    .await?;
    // Closed after approval (or an instant case closed as accepted): the license.
    if next == CaseStatus::Closed {
        crate::licenses::issue_in(&mut *tx, store.keys(), row.id, &p.actor()).await?;
    }
    Ok(())
}

/// 撤回 by the applicant themself, online, with their reason: the case must be theirs
/// and still open to withdrawal. Recorded as theirs; a withdrawal after the promised
/// date keeps that on record, as at the window.
pub async fn withdraw_own(
    store: &Store,
    a: &crate::applicants::ApplicantSession,
    case_no: &CaseNo,
    reason: &str,
) -> Result<CaseView> {
    let reason = tongban_domain::required_text("reason", "撤回理由", reason, 500)?;
    let now = time::now();
    let today = time::local_day(now);
    let stamp = time::stamp(now);
    let mut tx = store.begin().await?;
    let mut sql = Sql::new(&format!(
        "SELECT {CASE_COLUMNS}{CASE_FROM} AND c.case_no = "
    ));
    sql.bind_s(case_no.as_str());
    super::progress::own(a, &mut sql);
    let raw = sql
        .query()
        .fetch_optional(&mut *tx)
        .await?
        .ok_or_else(|| StoreError::not_found(format!("未找到您的办件“{case_no}”")))?;
    let mut row = row_from(&raw)?;
    let from = row.status;
    let state = CaseState {
        status: row.status,
        accepted: row.accepted_at.is_some(),
        extended: row.extension_days > 0,
    };
    row.status = state
        .withdrawn_by_applicant(&reason)
        .map_err(transition_error)?;
    row.reason = Some(reason.clone());
    row.closed_at = Some(stamp.clone());
    let note = match late_withdrawal(&row, today, "申请人网上撤回；") {
        late if late.is_empty() => format!("{reason}（申请人网上撤回）"),
        late => format!("{reason}{late}"),
    };
    let counted = crate::stats::case_snapshot(&mut tx, row.id).await?;
    let on = Day {
        today,
        stamp: &stamp,
    };
    update_row(&mut tx, &row, from, row.extension_days, &on).await?;
    let now_counted = crate::stats::case_snapshot(&mut tx, row.id).await?;
    crate::stats::track_case(&mut tx, Some(&counted), &now_counted).await?;
    insert_event(
        &mut tx,
        row.id,
        &stamp,
        Action::Withdraw.as_str(),
        Some(from),
        CaseStatus::Withdrawn,
        &EventActor {
            id: None,
            name: format!("申请人 {}（网上）", a.name),
        },
        None,
        Some(&note),
    )
    .await?;
    crate::seal::seal_case(&mut tx, store.keys(), row.id).await?;
    audit::append(
        &mut tx,
        store.keys(),
        &a.actor(),
        "case.withdraw",
        "case",
        &row.case_no,
        serde_json::json!({ "from": from.as_str(), "to": "withdrawn", "note": note }),
    )
    .await?;
    tx.commit().await?;
    super::progress::own_case(store, a, case_no).await
}

/// The content of the item version a case was filed under.
async fn item_content_of(tx: &mut AnyConnection, case_id: i64) -> Result<ItemContent> {
    let json: String = sqlx::query_scalar(
        "SELECT v.content FROM cases c JOIN item_versions v ON v.item_id = c.item_id AND v.version = c.item_version \
         WHERE c.id = $1",
    )
    .bind(case_id)
    .fetch_one(&mut *tx)
    .await?;
    serde_json::from_str(&json).map_err(|e| StoreError::Other(e.into()))
}

/// The law an extension of a case rests on (its 延期告知书 cites it), if the case's
/// item may be extended at all; within the principal's scope.
pub async fn extension_basis(
    store: &Store,
    p: &Principal,
    case_no: &CaseNo,
) -> Result<Option<String>> {
    let mut c = store.reader().await?;
    let raw = load_scoped(&mut c, p, case_no).await?;
    let row = row_from(&raw)?;
    let content = item_content_of(&mut c, row.id).await?;
    Ok(content.extension_rule().ok().map(|r| r.legal_basis))
}

/// A withdrawal after the promised date says so in its note (listed for
/// supervisors by `due=withdrawn_overdue`): `（{lead}撤回时已超过承诺办结期限…）`, or
/// nothing when it came in time.
fn late_withdrawal(row: &CaseRow, today: NaiveDate, lead: &str) -> String {
    match row.promised_deadline.as_deref() {
        Some(d) if d < time::day(today).as_str() => {
            format!("（{lead}撤回时已超过承诺办结期限{d}）")
        }
        _ => String::new(),
    }
}
