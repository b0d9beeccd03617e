//! The actions of the procedure on a case: the domain's state machine chooses the
//! next status; here the row follows it (clocks, pauses, the deemed acceptance of
//! Art. 32), is updated against a concurrent change, and the action is recorded.

use super::*;
use tongban_domain::case::{DEFAULT_SUPPLY_DAYS, MAX_SUPPLY_DAYS};

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
            format!(
                "未知操作“{action_name}”：应为 {}",
                Action::ALL
                    .iter()
                    .map(|a| a.as_str())
                    .collect::<Vec<_>>()
                    .join("、")
            ),
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
    /// The event's note when the platform writes it (a lapse).
    note: Option<String>,
}

/// Who takes an action: a member of staff, or the platform itself (a supplement's
/// deadline passing).
struct Who {
    event: EventActor,
    audit: audit::Actor,
    point_id: Option<i64>,
}

impl Who {
    fn staff(p: &Principal) -> Self {
        Self {
            event: EventActor::from(p),
            audit: p.actor(),
            point_id: p.point_id,
        }
    }

    fn platform() -> Self {
        Self {
            event: EventActor {
                id: None,
                name: "系统（补正期限届满）".into(),
            },
            audit: audit::Actor {
                user_id: None,
                name: "system".into(),
            },
            point_id: None,
        }
    }
}

/// Takes an action on a case.
pub async fn act(
    store: &Store,
    p: &Principal,
    case_no: &CaseNo,
    input: &ActionInput,
) -> Result<CaseView> {
    act_at(store, p, case_no, input, time::now()).await
}

/// Takes an action on a case as of `now`: the live path at the present moment, or
/// an import of what happened earlier (the demo's history), through the same rules.
pub async fn act_at(
    store: &Store,
    p: &Principal,
    case_no: &CaseNo,
    input: &ActionInput,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<CaseView> {
    let asked = parse_action(input)?;
    let stamp = time::stamp(now);
    let on = Day {
        today: time::local_day(now),
        stamp: &stamp,
    };
    let mut tx = store.begin().await?;
    if !p.role.works_cases() {
        return Err(StoreError::Forbidden("当前角色无权办理办件".into()));
    }
    let raw = load_scoped(&mut tx, p, case_no).await?;
    let row = row_from(&raw)?;
    let state = CaseState {
        status: row.status,
        accepted: row.accepted_at.is_some(),
        extended: row.extension_days > 0,
    };
    state
        .transition(asked.action, p.role, asked.note.as_deref())
        .map_err(transition_error)?;
    take(store, &mut tx, &Who::staff(p), row, &asked, input, &on).await?;
    tx.commit().await?;
    get(store, p, case_no).await
}

/// The action the state machine allowed, carried out on the row: its dates, pauses
/// and clocks, the counters, the events, the seal and the audit record.
async fn take(
    store: &Store,
    tx: &mut AnyConnection,
    who: &Who,
    mut row: CaseRow,
    asked: &Asked,
    input: &ActionInput,
    on: &Day<'_>,
) -> Result<()> {
    let action = asked.action;
    let state = CaseState {
        status: row.status,
        accepted: row.accepted_at.is_some(),
        extended: row.extension_days > 0,
    };
    let next = state
        .next(action, asked.note.as_deref())
        .map_err(transition_error)?;
    // Art. 45: the procedure and its expected duration, checked before any write.
    let special = if action == Action::Suspend {
        Some(special_procedure(input)?)
    } else {
        None
    };
    let supply_days = if action == Action::RequestSupplement {
        supply_days(input)?
    } else {
        0
    };
    if action == Action::Deliver {
        row.delivery = Some(delivery(&row, input, on.today)?);
    }
    let from = row.status;
    let prior_extension = row.extension_days;
    row.status = next;
    let mut pauses = pauses_of(&mut *tx, row.id).await?;
    if row.accepted_at.is_none() {
        before_acceptance(store, &mut *tx, &row, &pauses, action, on.today).await?;
    }
    let outcome = follow(
        store,
        &mut *tx,
        &mut row,
        asked,
        supply_days,
        &mut pauses,
        on,
    )
    .await?;
    let next = row.status;
    if row.accepted_at.is_some() && !next.is_final() && next != CaseStatus::Approved {
        let cal = calendar::load(store, &mut *tx).await?;
        let (pd, ld, est) = compute_clocks(&cal, &row, &pauses);
        row.promised_deadline = pd;
        row.legal_deadline = ld;
        row.deadline_estimated = est;
    }
    let counted = crate::stats::case_snapshot(&mut *tx, row.id).await?;
    update_row(&mut *tx, &row, from, prior_extension, on).await?;
    let now_counted = crate::stats::case_snapshot(&mut *tx, row.id).await?;
    crate::stats::track_case(&mut *tx, Some(&counted), &now_counted).await?;
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
            late_withdrawal(&row, on.today, "")
        ))
    } else if outcome.deemed {
        Some(format!(
            "{}申请逾期未作出受理决定，依《行政许可法》第三十二条自收到申请之日起即为受理",
            asked
                .note
                .as_ref()
                .map(|n| format!("{n}；"))
                .unwrap_or_default()
        ))
    } else if let (Action::Deliver, Some(d)) = (action, &row.delivery) {
        let late = match row.deliver_by.as_deref() {
            Some(by) if d.on.as_str() > by => format!("（超过送达期限{by}）"),
            _ => String::new(),
        };
        Some(format!(
            "{}，{}送达，签收人：{}{}{late}",
            d.method_label,
            d.on,
            d.recipient,
            d.reference
                .as_ref()
                .map(|r| format!("，单号：{r}"))
                .unwrap_or_default()
        ))
    } else if let Some(n) = &outcome.note {
        Some(n.clone())
    } else {
        asked.note.clone()
    };
    record(
        store, &mut *tx, who, &row, action, from, note, &outcome, on.stamp,
    )
    .await
}

/// The last day to deliver a decision made `today` (Art. 44).
async fn deliver_by(store: &Store, tx: &mut AnyConnection, today: NaiveDate) -> Result<String> {
    let cal = calendar::load(store, &mut *tx).await?;
    Ok(time::day(cal.deadline_or_estimate(
        today,
        tongban_domain::case::DELIVERY_DAYS,
    )))
}

/// The delivery asked for, checked: once per case, not before the decision.
fn delivery(row: &CaseRow, input: &ActionInput, today: NaiveDate) -> Result<Delivered> {
    if let Some(d) = &row.delivery {
        return Err(StoreError::Conflict {
            field: "action",
            message: format!("该决定已于{}{}，不能重复登记送达", d.on, d.method_label),
        });
    }
    let decided_on = row
        .decided_at
        .as_deref()
        .and_then(time::parse_stamp)
        .map(time::local_day)
        .unwrap_or(today);
    let d = tongban_domain::case::Delivery::parse(&input.delivery(), decided_on, today)?;
    Ok(Delivered {
        method: d.method.as_str(),
        method_label: d.method.label(),
        on: time::day(d.on),
        recipient: d.recipient,
        reference: d.reference,
    })
}

/// The working days a supplement notice gives to supply (Art. 32).
fn supply_days(input: &ActionInput) -> Result<u32> {
    match input.supply_days {
        None => Ok(DEFAULT_SUPPLY_DAYS),
        Some(d) if (1..=i64::from(MAX_SUPPLY_DAYS)).contains(&d) => Ok(d as u32),
        Some(_) => Err(StoreError::invalid(
            "supply_days",
            format!("补正期限应为1至{MAX_SUPPLY_DAYS}个工作日"),
        )),
    }
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
    supply_days: u32,
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
        Action::Terminate => {
            end_pauses(tx, row.id, pauses, on.today).await?;
            row.reason = note;
            row.closed_at = stamp;
        }
        Action::Lapse => return lapse(tx, row, pauses, on).await,
        // Checked and set before: only the row is written.
        Action::Deliver => {}
        Action::CompleteDeferred => {
            if row.deferred.is_empty() {
                return Err(StoreError::Conflict {
                    field: "action",
                    message: "该办件没有待补齐的容缺材料".into(),
                });
            }
            let done = std::mem::take(&mut row.deferred);
            return Ok(Outcome {
                note: Some(format!("已补齐容缺材料：{}", done.join("、"))),
                ..Outcome::default()
            });
        }
        Action::VerifyCommitment => {
            commitment_open(row)?;
            row.verified_at = stamp;
            return Ok(Outcome {
                note: Some(match &note {
                    Some(n) => format!("经核查，申请人承诺属实：{n}"),
                    None => "经核查，申请人承诺属实".into(),
                }),
                ..Outcome::default()
            });
        }
        Action::Revoke => {
            commitment_open(row)?;
            row.revoked_on = Some(time::day(on.today));
            row.reason = note.clone();
            crate::licenses::revoke_for_case(
                &mut *tx,
                row.id,
                &format!("告知承诺不实，撤销行政许可：{}", note.unwrap_or_default()),
            )
            .await?;
        }
        Action::RequestSupplement | Action::Suspend | Action::Halt => {
            let kind = match asked.action {
                Action::Suspend => "special",
                Action::Halt => "halt",
                _ => "supplement",
            };
            let due = if asked.action == Action::RequestSupplement {
                let cal = calendar::load(store, &mut *tx).await?;
                Some(time::day(cal.deadline_or_estimate(on.today, supply_days)))
            } else {
                None
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
            .bind(due)
            .execute(&mut *tx)
            .await?;
            pauses.push(Pause {
                from: on.today,
                to: None,
            });
        }
        Action::Supplement | Action::Resume | Action::Restart => {
            end_pauses(tx, row.id, pauses, on.today).await?;
        }
        Action::Extend => extend(tx, row, note, on.today).await?,
        Action::Approve => {
            if !row.deferred.is_empty() {
                return Err(StoreError::Conflict {
                    field: "action",
                    message: format!(
                        "容缺受理的材料尚未补齐：{}。补齐后方可作出决定",
                        row.deferred.join("、")
                    ),
                });
            }
            row.decided_at = stamp;
            row.result = Some("准予许可".into());
            row.deliver_by = Some(deliver_by(store, tx, on.today).await?);
        }
        Action::Reject => {
            row.deliver_by = Some(deliver_by(store, tx, on.today).await?);
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

/// A license granted on a commitment, not yet verified or revoked.
fn commitment_open(row: &CaseRow) -> Result<()> {
    let conflict = |message: &str| StoreError::Conflict {
        field: "action",
        message: message.into(),
    };
    if row.mode != Mode::Commitment {
        return Err(conflict("只有告知承诺制办件需要核查承诺"));
    }
    if row.verified_at.is_some() {
        return Err(conflict("该承诺已核查属实"));
    }
    Ok(())
}

/// Ends the case's open pauses on `today`.
async fn end_pauses(
    tx: &mut AnyConnection,
    case_id: i64,
    pauses: &mut [Pause],
    today: NaiveDate,
) -> Result<()> {
    sqlx::query("UPDATE case_pauses SET to_day = $1 WHERE case_id = $2 AND to_day IS NULL")
        .bind(time::day(today))
        .bind(case_id)
        .execute(&mut *tx)
        .await?;
    for pz in pauses.iter_mut().filter(|pz| pz.to.is_none()) {
        pz.to = Some(today);
    }
    Ok(())
}

/// The deadline of the case's open supplement notice.
async fn open_supply_by(tx: &mut AnyConnection, case_id: i64) -> Result<Option<NaiveDate>> {
    let due: Option<Option<String>> = sqlx::query_scalar(
        "SELECT due_day FROM case_pauses WHERE case_id = $1 AND kind = 'supplement' AND to_day IS NULL \
         ORDER BY id DESC LIMIT 1",
    )
    .bind(case_id)
    .fetch_optional(&mut *tx)
    .await?;
    Ok(due.flatten().as_deref().and_then(time::parse_day))
}

/// 逾期未补正: once the supplement's deadline has passed, the application counts as
/// withdrawn (before acceptance) or its review ends (after), with the reason.
async fn lapse(
    tx: &mut AnyConnection,
    row: &mut CaseRow,
    pauses: &mut [Pause],
    on: &Day<'_>,
) -> Result<Outcome> {
    let due = open_supply_by(&mut *tx, row.id).await?;
    let Some(due) = due.filter(|d| *d < on.today) else {
        return Err(StoreError::Conflict {
            field: "action",
            message: match due {
                Some(d) => format!("补正期限至{}，尚未届满", time::day(d)),
                None => "该补正告知未设补正期限，不能按逾期未补正处理".into(),
            },
        });
    };
    end_pauses(tx, row.id, pauses, on.today).await?;
    let ending = if row.accepted_at.is_some() {
        "终止审查"
    } else {
        "视为撤回申请"
    };
    let reason = format!(
        "申请人未在补正期限（{}）内提交补正材料，{ending}",
        time::day(due)
    );
    row.reason = Some(reason.clone());
    row.closed_at = Some(on.stamp.to_string());
    Ok(Outcome {
        note: Some(reason),
        ..Outcome::default()
    })
}

/// Ends every case whose supplement deadline passed before `today` (视为撤回 or
/// 终止), each in its own transaction, recorded as the platform's act; how many.
/// Safe to run on several nodes at once: a case already ended is skipped.
pub async fn lapse_due(store: &Store) -> Result<usize> {
    let now = time::now();
    let stamp = time::stamp(now);
    let on = Day {
        today: time::local_day(now),
        stamp: &stamp,
    };
    let ids: Vec<i64> = {
        let mut c = store.reader().await?;
        sqlx::query_scalar(
            "SELECT DISTINCT p.case_id FROM case_pauses p JOIN cases c ON c.id = p.case_id \
             WHERE p.to_day IS NULL AND p.kind = 'supplement' AND p.due_day < $1 \
             AND c.status = 'supplement_requested' ORDER BY p.case_id",
        )
        .bind(time::day(on.today))
        .fetch_all(&mut *c)
        .await?
    };
    let asked = Asked {
        action: Action::Lapse,
        note: None,
        document_no: None,
    };
    let mut ended = 0;
    for id in ids {
        let mut tx = store.begin().await?;
        let mut sql = Sql::new(&format!("SELECT {CASE_COLUMNS}{CASE_FROM} AND c.id = "));
        sql.bind_i(id);
        let Some(raw) = sql.query().fetch_optional(&mut *tx).await? else {
            continue;
        };
        let row = row_from(&raw)?;
        if row.status != CaseStatus::SupplementRequested {
            continue;
        }
        let input = ActionInput::default();
        match take(store, &mut tx, &Who::platform(), row, &asked, &input, &on).await {
            Ok(()) => {
                tx.commit().await?;
                ended += 1;
            }
            // Another node ended it first.
            Err(StoreError::Conflict { .. }) => {}
            Err(e) => return Err(e),
        }
    }
    Ok(ended)
}

/// 准许再次补正告知: Art. 32 wants every missing material told at once; where a
/// further notice is truly needed before acceptance (a material the first notice
/// could not have foreseen), a supervisor allows one, with the reason on record.
pub async fn allow_further_notice(
    store: &Store,
    p: &Principal,
    case_no: &CaseNo,
    reason: &str,
) -> Result<CaseView> {
    if p.role != tongban_domain::org::Role::Supervisor {
        return Err(StoreError::Forbidden(
            "准许再次补正告知须由督查人员办理".into(),
        ));
    }
    let reason = tongban_domain::required_text("reason", "准许理由", reason, 500)?;
    let now = time::now();
    let stamp = time::stamp(now);
    let mut tx = store.begin().await?;
    let raw = load_scoped(&mut tx, p, case_no).await?;
    let row = row_from(&raw)?;
    let notices = pauses_of(&mut tx, row.id).await?.len();
    if row.accepted_at.is_some() || row.status != CaseStatus::Submitted || notices == 0 {
        return Err(StoreError::Conflict {
            field: "action",
            message: "只有已告知过补正、尚未受理的申请才需准许再次补正告知".into(),
        });
    }
    insert_event(
        &mut tx,
        row.id,
        &stamp,
        ALLOW_NOTICE,
        Some(row.status),
        row.status,
        &EventActor::from(p),
        p.point_id,
        Some(&reason),
    )
    .await?;
    crate::seal::seal_case(&mut tx, store.keys(), row.id).await?;
    audit::append(
        &mut tx,
        store.keys(),
        &p.actor(),
        "case.allow_notice",
        "case",
        &row.case_no,
        serde_json::json!({ "reason": reason, "notices": notices }),
    )
    .await?;
    super::stored::renew(&mut tx, row.id).await?;
    tx.commit().await?;
    get(store, p, case_no).await
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
    settle_events(&mut *tx).await?;
    let allowances: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM case_events WHERE case_id = $1 AND action = $2")
            .bind(row.id)
            .bind(ALLOW_NOTICE)
            .fetch_one(&mut *tx)
            .await?;
    BeforeAcceptance {
        received,
        notices: pauses.len(),
        allowances: allowances as usize,
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
            allowances: 0,
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
        row.deliver_by = Some(time::day(on.today));
        row.delivery = Some(on_the_spot(time::day(on.today), &row.applicant_name));
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
         document_no = $13, reason = $14, updated_at = $15, deliver_by = $19, deferred = $20, verified_at = $21, \
         revoked_on = $22 WHERE id = $16 AND status = $17 AND extension_days = $18",
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
    .bind(&row.deliver_by)
    .bind(
        (!row.deferred.is_empty())
            .then(|| serde_json::to_string(&row.deferred).unwrap_or_default()),
    )
    .bind(&row.verified_at)
    .bind(&row.revoked_on)
    .execute(&mut *tx)
    .await?;
    if updated.rows_affected() != 1 {
        return Err(StoreError::Conflict {
            field: "action",
            message: "办件状态已被他人更新，请刷新后重试".into(),
        });
    }
    if let Some(d) = &row.delivery {
        write_delivery(&mut *tx, row.id, row.deliver_by.as_deref(), d).await?;
    }
    Ok(())
}

/// The action's events (an instant close is two), the row's seal, the audit record,
/// and the license of a case closed.
#[allow(clippy::too_many_arguments)]
async fn record(
    store: &Store,
    tx: &mut AnyConnection,
    who: &Who,
    row: &CaseRow,
    action: Action,
    from: CaseStatus,
    note: Option<String>,
    outcome: &Outcome,
    stamp: &str,
) -> Result<()> {
    let next = row.status;
    let point_id = who.point_id.or(Some(row.point_id));
    let recorded = if outcome.instant_close {
        CaseStatus::Accepted
    } else {
        next
    };
    let actor = &who.event;
    insert_event(
        &mut *tx,
        row.id,
        stamp,
        action.as_str(),
        Some(from),
        recorded,
        actor,
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
            actor,
            point_id,
            Some("即办件当场办结"),
        )
        .await?;
    }
    crate::seal::seal_case(&mut *tx, store.keys(), row.id).await?;
    audit::append(
        &mut *tx,
        store.keys(),
        &who.audit,
        &format!("case.{}", action.as_str()),
        "case",
        &row.case_no,
        serde_json::json!({ "from": from.as_str(), "to": next.as_str(), "note": note }),
    )
    .await?;
    // Closed after approval (or an instant case closed as accepted): the license.
    if next == CaseStatus::Closed && from != CaseStatus::Closed {
        let closed = time::parse_stamp(stamp)
            .map(time::local_day)
            .unwrap_or_else(|| time::local_day(time::now()));
        let cal = calendar::load(store, &mut *tx).await?;
        crate::stats::track_handled(
            &mut *tx,
            row.id,
            row.accepted_on.as_deref().and_then(time::parse_day),
            closed,
            &cal,
        )
        .await?;
        crate::licenses::issue_in(&mut *tx, store.keys(), row.id, &who.audit).await?;
    }
    super::stored::renew(&mut *tx, row.id).await
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
    super::stored::renew(&mut tx, row.id).await?;
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

/// The materials of the item version a case was filed under, within the
/// principal's scope (a supplement notice is made by ticking them).
pub async fn item_materials(store: &Store, p: &Principal, case_no: &CaseNo) -> Result<Vec<String>> {
    let mut c = store.reader().await?;
    let raw = load_scoped(&mut c, p, case_no).await?;
    let row = row_from(&raw)?;
    let content = item_content_of(&mut c, row.id).await?;
    Ok(content.materials.into_iter().map(|m| m.name).collect())
}

/// The answers of a case's application form as `(label, answer)`, in the form's
/// order (labels from the item version the case was filed under); within the
/// principal's scope.
pub async fn form_answers(
    store: &Store,
    p: &Principal,
    case_no: &CaseNo,
) -> Result<Vec<(String, String)>> {
    let mut c = store.reader().await?;
    let raw = load_scoped(&mut c, p, case_no).await?;
    let row = row_from(&raw)?;
    let form: Option<String> = sqlx::query_scalar("SELECT form FROM case_forms WHERE case_id = $1")
        .bind(row.id)
        .fetch_optional(&mut *c)
        .await?;
    let Some(form) = form else {
        return Ok(vec![]);
    };
    let answers: std::collections::BTreeMap<String, String> = serde_json::from_str(&form)
        .map_err(|e| StoreError::Other(anyhow::anyhow!("case form: {e}")))?;
    let content = item_content_of(&mut c, row.id).await?;
    Ok(content
        .fields
        .iter()
        .filter_map(|f| answers.get(&f.name).map(|a| (f.label.clone(), a.clone())))
        .collect())
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

/// The deadline the case's latest supplement notice gave (its 补正材料通知书 prints
/// it), within the principal's scope.
pub async fn supply_deadline(
    store: &Store,
    p: &Principal,
    case_no: &CaseNo,
) -> Result<Option<String>> {
    let mut c = store.reader().await?;
    let raw = load_scoped(&mut c, p, case_no).await?;
    let row = row_from(&raw)?;
    let due: Option<Option<String>> = sqlx::query_scalar(
        "SELECT due_day FROM case_pauses WHERE case_id = $1 AND kind = 'supplement' ORDER BY id DESC LIMIT 1",
    )
    .bind(row.id)
    .fetch_optional(&mut *c)
    .await?;
    Ok(due.flatten())
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
