//! The actions of the closed loop on an order: the domain's state machine chooses
//! the next state; here the order's unit, deadline, reply and the rest follow it, the
//! row is updated against a concurrent change, and the action is recorded.

use super::*;

/// An action as asked for, checked.
struct Asked {
    action: Action,
    note: Option<String>,
    level: Option<Satisfaction>,
    invalid: Option<InvalidKind>,
    resolved: Option<bool>,
}

fn parse_action(input: &ActionInput) -> Result<Asked> {
    let action_code = trimmed(input.action.as_deref())
        .ok_or_else(|| StoreError::invalid("action", "请填写操作（action）"))?;
    let action = Action::parse(action_code).ok_or_else(|| {
        StoreError::invalid(
            "action",
            format!(
                "操作“{action_code}”无效，应为：{}",
                Action::ALL
                    .iter()
                    .map(|a| format!("{}（{}）", a.as_str(), a.label()))
                    .collect::<Vec<_>>()
                    .join("、")
            ),
        )
    })?;
    let note = optional_text("note", "说明", input.note.as_deref(), MAX_NOTE_CHARS)?;
    let level = match input.level {
        Some(l) if matches!(action, Action::Close | Action::Callback) => {
            Some(Satisfaction::parse(l)?)
        }
        Some(_) => {
            return Err(StoreError::invalid("level", "只有办结或回访时才填写满意度"));
        }
        None if action == Action::Callback => {
            return Err(StoreError::invalid("level", "回访须填写满意度（1至5）"));
        }
        None => None,
    };
    let invalid = match (action, trimmed(input.invalid_kind.as_deref())) {
        (Action::MarkInvalid, Some(k)) => {
            Some(InvalidKind::parse_code_or_label(k).ok_or_else(|| {
                StoreError::invalid(
                    "invalid_kind",
                    format!("无效来电类型“{k}”无效，应为：{}", InvalidKind::choices()),
                )
            })?)
        }
        (Action::MarkInvalid, None) => {
            return Err(StoreError::invalid(
                "invalid_kind",
                format!("请选择无效来电类型：{}", InvalidKind::choices()),
            ));
        }
        (_, Some(_)) => {
            return Err(StoreError::invalid(
                "invalid_kind",
                "只有标记无效来电时才选择无效来电类型",
            ));
        }
        (_, None) => None,
    };
    if input.resolved.is_some() && level.is_none() {
        return Err(StoreError::invalid(
            "resolved",
            "诉求是否解决在回访时随满意度一并记录",
        ));
    }
    if input.co_units.is_some() && action != Action::Dispatch {
        return Err(StoreError::invalid(
            "co_units",
            "只有派单或改派时才选择协办单位",
        ));
    }
    Ok(Asked {
        action,
        note,
        level,
        invalid,
        resolved: input.resolved,
    })
}

/// The fields of an order an action may change, starting from the order's own.
struct Fields {
    department: Option<i64>,
    deadline: Option<String>,
    estimated: bool,
    dispatched_on: Option<String>,
    merged_into: Option<String>,
    reply: Option<String>,
    answer: Option<String>,
    callback: Option<i64>,
    resolved: Option<bool>,
    invalid: Option<&'static str>,
    due_on: Option<String>,
    replied_at: Option<String>,
    return_count: i64,
    /// New co-units of a dispatch, if they change.
    co_units: Option<Vec<(i64, String)>>,
}

impl Fields {
    fn of(o: &OrderView) -> Self {
        Fields {
            department: o.department_id,
            deadline: o.deadline.clone(),
            estimated: o.deadline_estimated,
            dispatched_on: None,
            merged_into: o.merged_into.clone(),
            reply: o.reply.clone(),
            answer: o.answer.clone(),
            callback: o.callback_level,
            resolved: o.resolved,
            invalid: o.invalid_kind,
            due_on: o.due_on.clone(),
            replied_at: o.replied_at.clone(),
            return_count: o.return_count,
            co_units: None,
        }
    }
}

/// Takes one action of the closed loop on an order.
pub async fn act(store: &Store, p: &Principal, no: &str, input: &ActionInput) -> Result<OrderView> {
    let asked = parse_action(input)?;
    let action = asked.action;
    let now = time::now();
    let stamp = time::stamp(now);
    let today = time::local_day(now);
    let mut tx = store.begin().await?;
    let o = load(&mut tx, Some(p), no).await?;
    // A unit handler acts only on orders their unit leads or co-handles (already
    // scoped for reads), and a co-unit only gives its opinion.
    if p.role == Role::UnitHandler {
        let relation = o.unit_relation(p).ok_or_else(|| not_found(no))?;
        action
            .open_to_unit(relation)
            .map_err(|e| StoreError::Forbidden(e.to_string()))?;
    }
    let from = o.state;
    let next = from
        .transition(action, p.role, asked.note.as_deref())
        .map_err(|e| match e {
            TransitionError::Role { .. } => StoreError::Forbidden(e.to_string()),
            TransitionError::NoteRequired(_) => StoreError::invalid("note", e.to_string()),
            _ => StoreError::Conflict {
                field: "action",
                message: e.to_string(),
            },
        })?;
    let mut fields = Fields::of(&o);
    follow(store, &mut tx, &o, &asked, input, today, &mut fields).await?;
    // The unit's first reply is the one measured against the limit.
    if action == Action::Reply && fields.replied_at.is_none() {
        fields.replied_at = Some(stamp.clone());
    }
    let closes = next.status == Status::Closed && from.status != Status::Closed;
    let closed_at = if closes || next.status == Status::Merged {
        Some(stamp.clone())
    } else if from.status == Status::Closed && next.status != Status::Closed {
        // Reopened for rework after an unsatisfied callback.
        None
    } else {
        o.closed_at.clone()
    };
    // One calendar for both snapshots of the order's figures.
    let counting = calendar::load(store, &mut tx).await?;
    let counted = order_counted(&mut tx, o.id, &counting).await?;
    let change = Change {
        action,
        from,
        next,
        closed_at: closed_at.as_deref(),
        stamp: &stamp,
    };
    update(&mut tx, &o, &fields, &change).await?;
    if let Some(co) = &fields.co_units {
        set_co_units(&mut tx, o.id, co).await?;
    }
    record(store, &mut tx, p, &o, &asked, &fields, &change).await?;
    track_order(&mut tx, o.id, Some(&counted), &counting).await?;
    let o = load(&mut tx, None, no).await?;
    tx.commit().await?;
    Ok(o)
}

/// The order's fields after the action the state machine allowed.
async fn follow(
    store: &Store,
    tx: &mut AnyConnection,
    o: &OrderView,
    asked: &Asked,
    input: &ActionInput,
    today: chrono::NaiveDate,
    f: &mut Fields,
) -> Result<()> {
    match asked.action {
        Action::Dispatch => dispatch(store, tx, o, input, today, f).await?,
        Action::RequestExtension => {
            check_extension_request(f.deadline.as_deref().and_then(time::parse_day), today)
                .map_err(|e| StoreError::Conflict {
                    field: "action",
                    message: e.to_string(),
                })?;
            let limits = deadline_days(&mut *tx).await?;
            let given: i64 = sqlx::query_scalar(
                "SELECT COUNT(*) FROM work_order_events WHERE order_id = $1 AND action = 'approve_extension'",
            )
            .bind(o.id)
            .fetch_one(&mut *tx)
            .await?;
            if given >= i64::from(limits.max_extensions()) {
                return Err(StoreError::Conflict {
                    field: "action",
                    message: format!(
                        "该工单已延期{given}次，达到每件工单可延期次数的上限（{}次），不能再申请延期",
                        limits.max_extensions()
                    ),
                });
            }
        }
        // 退单 within the window after the dispatch: a unit that kept an order longer
        // handles it (or asks for an extension).
        Action::Return => {
            f.return_count += 1;
            let limits = deadline_days(&mut *tx).await?;
            let dispatched: Option<String> =
                sqlx::query_scalar("SELECT dispatched_on FROM work_orders WHERE id = $1")
                    .bind(o.id)
                    .fetch_one(&mut *tx)
                    .await?;
            if let Some(on) = dispatched.as_deref().and_then(time::parse_day) {
                let cal = calendar::load(store, &mut *tx).await?;
                let last = cal
                    .deadline(on, limits.return_window())
                    .unwrap_or_else(|_| {
                        tongban_domain::calendar::Calendar::estimate_deadline(
                            on,
                            limits.return_window(),
                        )
                    });
                if today > last {
                    return Err(StoreError::Conflict {
                        field: "action",
                        message: format!(
                            "派单后{}个工作日内（{}前）方可退单，已超过退单期限，请办理或申请延期",
                            limits.return_window(),
                            time::day(last)
                        ),
                    });
                }
            }
        }
        Action::ApproveExtension => {
            let cal = calendar::load(store, &mut *tx).await?;
            let limits = deadline_days(&mut *tx).await?;
            let base = f
                .deadline
                .as_deref()
                .and_then(time::parse_day)
                .unwrap_or(today);
            let (d, e) = tongban_domain::hotline::extend(&cal, base, limits.extension())
                .map_err(|e| StoreError::Other(e.into()))?;
            f.deadline = Some(time::day(d));
            f.estimated = e;
            // The measured limit moves by the same days, from where it stood.
            if let Some(due) = f.due_on.as_deref().and_then(time::parse_day) {
                let (d, _) = tongban_domain::hotline::extend(&cal, due, limits.extension())
                    .map_err(|e| StoreError::Other(e.into()))?;
                f.due_on = Some(time::day(d));
            }
        }
        // 驳回退单: back to the same unit with the same deadline. The time limit runs
        // on (连续计算) through an unfounded return, so a return never buys time.
        Action::RejectReturn => {}
        Action::Reply => f.reply = asked.note.clone(),
        Action::Answer => f.answer = asked.note.clone(),
        Action::Close | Action::Callback => {
            if let Some(l) = asked.level {
                f.callback = Some(l.value());
                f.resolved = asked.resolved;
            }
        }
        Action::MarkInvalid => f.invalid = asked.invalid.map(InvalidKind::as_str),
        Action::Merge => f.merged_into = Some(merge_target(tx, o, input).await?),
        // Rework after an unsatisfied callback: back to the unit that handled it, with
        // a time limit of its own from today; the next callback is asked anew.
        Action::Redo if o.state.status == Status::Closed => {
            if o.department_id.is_none() {
                return Err(StoreError::Conflict {
                    field: "action",
                    message: "该工单由话务员直接解答或紧急转接，没有承办单位，不能退回重办；请重新登记诉求并派单".into(),
                });
            }
            let category = Category::parse(o.category).ok_or_else(|| other("category"))?;
            let cal = calendar::load(store, &mut *tx).await?;
            let limits = deadline_days(&mut *tx).await?;
            let (d, e) = tongban_domain::hotline::deadline(&cal, &limits, category, today)
                .map_err(|e| StoreError::Other(e.into()))?;
            f.deadline = Some(time::day(d));
            f.estimated = e;
            f.callback = None;
            f.resolved = None;
        }
        _ => {}
    }
    Ok(())
}

/// 派单/改派: the unit chosen (or the dispatch catalog's, for `auto`), a deadline
/// from today, and the co-units.
async fn dispatch(
    store: &Store,
    tx: &mut AnyConnection,
    o: &OrderView,
    input: &ActionInput,
    today: chrono::NaiveDate,
    f: &mut Fields,
) -> Result<()> {
    let code = trimmed(input.unit.as_deref())
        .ok_or_else(|| StoreError::invalid("unit", "派单须选择承办的成员单位"))?;
    let category = Category::parse(o.category).ok_or_else(|| other("category"))?;
    let (unit_id, name) = if code == crate::dispatch::AUTO {
        // No service chosen: the one the request's text speaks of.
        let guessed = match o.service_code {
            Some(_) => None,
            None => crate::hotline::services::guess(&mut *tx, &o.content).await?,
        };
        let service = o
            .service_code
            .as_deref()
            .or(guessed.as_ref().map(|g| g.0.as_str()));
        auto_unit(&mut *tx, service, category, o.address.as_deref()).await?
    } else {
        member_unit(&mut *tx, "unit", code).await?
    };
    if o.state.status == Status::Returned && o.department_id == Some(unit_id) {
        return Err(StoreError::invalid(
            "unit",
            format!("该工单已被{name}退回，改派须选择其他单位；认为退单理由不成立的，请“驳回退单”"),
        ));
    }
    let cal = calendar::load(store, &mut *tx).await?;
    let limits = deadline_days(&mut *tx).await?;
    let (d, e) = tongban_domain::hotline::deadline(&cal, &limits, category, today)
        .map_err(|e| StoreError::Other(e.into()))?;
    // Co-units as given, or those recorded; the new lead is no longer one.
    let codes: Vec<String> = match &input.co_units {
        Some(list) => list
            .iter()
            .map(|c| c.trim().to_string())
            .filter(|c| !c.is_empty())
            .collect(),
        None => o
            .co_unit_names
            .iter()
            .filter(|u| u.code != code)
            .map(|u| u.code.clone())
            .collect(),
    };
    let co = co_units_of(&mut *tx, &codes, Some(unit_id)).await?;
    if co.iter().map(|c| c.0).ne(o.co_unit_ids.iter().copied()) {
        f.co_units = Some(co);
    }
    f.department = Some(unit_id);
    f.deadline = Some(time::day(d));
    f.estimated = e;
    f.dispatched_on = Some(time::day(today));
    // The first dispatch sets the limit measured; a re-dispatch does not reset it.
    if f.due_on.is_none() {
        f.due_on = f.deadline.clone();
    }
    Ok(())
}

/// 并单: the order this one merges into, which must be another order not itself merged.
async fn merge_target(
    tx: &mut AnyConnection,
    o: &OrderView,
    input: &ActionInput,
) -> Result<String> {
    let into = trimmed(input.into.as_deref())
        .ok_or_else(|| StoreError::invalid("into", "并单须填写主工单编号"))?;
    if into == o.order_no {
        return Err(StoreError::invalid("into", "不能并入工单本身"));
    }
    let target = load(tx, None, into)
        .await
        .map_err(|_| StoreError::invalid("into", format!("主工单“{into}”不存在")))?;
    if target.state.status == Status::Merged {
        return Err(StoreError::invalid(
            "into",
            format!("主工单“{into}”本身已并入其他工单"),
        ));
    }
    Ok(target.order_no)
}

/// The action taken: the state before and after, when.
struct Change<'a> {
    action: Action,
    from: OrderState,
    next: OrderState,
    closed_at: Option<&'a str>,
    stamp: &'a str,
}

/// Writes the order back. The status and last change read must still hold: two
/// agents acting at once (two extension approvals, two callbacks) cannot both succeed.
async fn update(tx: &mut AnyConnection, o: &OrderView, f: &Fields, c: &Change<'_>) -> Result<()> {
    let sql = "UPDATE work_orders SET status = $1, department_id = $2, deadline = $3, deadline_estimated = $4, \
         extension_pending = $5, reply = $6, answer = $7, callback_level = $8, faulty = $9, merged_into = $10, \
         closed_at = $11, updated_at = $12, dispatched_on = COALESCE($13, dispatched_on), \
         direct_answer = CASE WHEN $14 = 1 THEN 1 ELSE direct_answer END, return_count = $15, \
         resolved = $19, invalid_kind = $20, due_on = $21, replied_at = $22 \
         WHERE id = $16 AND status = $17 AND updated_at = $18";
    let n = sqlx::query(sql)
        .bind(c.next.status.as_str())
        .bind(f.department)
        .bind(&f.deadline)
        .bind(f.estimated as i64)
        .bind(c.next.extension_pending as i64)
        .bind(&f.reply)
        .bind(&f.answer)
        .bind(f.callback)
        .bind(c.next.faulty as i64)
        .bind(&f.merged_into)
        .bind(c.closed_at)
        .bind(c.stamp)
        .bind(&f.dispatched_on)
        .bind((c.action == Action::Answer) as i64)
        .bind(f.return_count)
        .bind(o.id)
        .bind(c.from.status.as_str())
        .bind(&o.updated_at)
        .bind(f.resolved.map(i64::from))
        .bind(f.invalid)
        .bind(&f.due_on)
        .bind(&f.replied_at)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    if n != 1 {
        return Err(StoreError::Conflict {
            field: "action",
            message: "工单已被他人处理，请刷新后重试".into(),
        });
    }
    Ok(())
}

/// The action's event (its note with the satisfaction given or the order merged
/// into) and its audit record.
async fn record(
    store: &Store,
    tx: &mut AnyConnection,
    p: &Principal,
    o: &OrderView,
    asked: &Asked,
    f: &Fields,
    c: &Change<'_>,
) -> Result<()> {
    let action = c.action;
    let mut note_text = asked.note.clone();
    let mut add = |s: String| {
        note_text = Some(match note_text.take() {
            Some(n) => format!("{n}；{s}"),
            None => s,
        });
    };
    if let Some(l) = asked.level {
        add(format!("回访满意度：{}（{}）", l.value(), l.label()));
    }
    if let Some(r) = asked.resolved.filter(|_| asked.level.is_some()) {
        add(format!("诉求{}", if r { "已解决" } else { "未解决" }));
    }
    if let Some(k) = asked.invalid {
        add(format!("无效来电：{}", k.label()));
    }
    if let Some(into) = &f.merged_into
        && action == Action::Merge
    {
        add(format!("并入工单{into}"));
    }
    let event_unit = match action {
        Action::Dispatch => f.department,
        Action::Sign
        | Action::Return
        | Action::Reply
        | Action::RequestExtension
        | Action::RejectReturn => o.department_id,
        Action::CoReply => p.department_id,
        _ => None,
    };
    event(
        &mut *tx,
        o.id,
        c.stamp,
        &EventWho::Staff(p),
        action.as_str(),
        Some(c.from.status),
        c.next.status,
        event_unit,
        note_text.as_deref(),
    )
    .await?;
    audit::append(
        &mut *tx,
        store.keys(),
        &p.actor(),
        &format!("work_order.{}", action.as_str()),
        "work_order",
        &o.order_no,
        serde_json::json!({
            "from": c.from.status.as_str(),
            "to": c.next.status.as_str(),
            "department_id": f.department,
            "level": f.callback,
            "resolved": f.resolved,
            "invalid_kind": f.invalid,
            "co_units": f.co_units.as_ref().map(|c| c.iter().map(|u| u.1.as_str()).collect::<Vec<_>>()),
            "return_count": f.return_count,
        }),
    )
    .await?;
    Ok(())
}
