//! The rows every write of an order shares: its events, its insert, its co-units, its
//! counters.

use super::*;

pub(crate) enum EventWho<'a> {
    Staff(&'a Principal),
    System(&'a str),
}

impl EventWho<'_> {
    fn id(&self) -> Option<i64> {
        match self {
            Self::Staff(p) => Some(p.user_id),
            Self::System(_) => None,
        }
    }
    fn label(&self) -> String {
        match self {
            Self::Staff(p) => format!("{}（{}）", p.display_name, p.role.label()),
            Self::System(s) => (*s).to_string(),
        }
    }
    fn audit(&self) -> Actor {
        match self {
            Self::Staff(p) => p.actor(),
            Self::System(s) => Actor::system(s),
        }
    }
}

#[allow(clippy::too_many_arguments)]
pub(crate) async fn event(
    conn: &mut AnyConnection,
    order_id: i64,
    at: &str,
    who: &EventWho<'_>,
    action: &str,
    from: Option<Status>,
    to: Status,
    unit: Option<i64>,
    note: Option<&str>,
) -> Result<()> {
    sqlx::query(sqlx::AssertSqlSafe(crate::bulk::insert_one(
        "work_order_events",
        EVENT_INSERT_COLUMNS,
    )))
    .bind(order_id)
    .bind(at)
    .bind(who.id())
    .bind(who.label())
    .bind(action)
    .bind(from.map(Status::as_str))
    .bind(to.as_str())
    .bind(unit)
    .bind(note)
    .execute(conn)
    .await?;
    Ok(())
}

pub(crate) async fn insert(
    store: &Store,
    o: &Intake,
    who: EventWho<'_>,
    answer: Option<String>,
    lead: Option<i64>,
    co_units: &[String],
) -> Result<String> {
    insert_with(
        store,
        o,
        who,
        Outcome {
            answer,
            lead,
            co_units,
            emergency: None,
        },
    )
    .await
}

/// How intake ends: answered, dispatched (with co-units), transferred, or left.
pub(crate) struct Outcome<'a> {
    pub(crate) answer: Option<String>,
    pub(crate) lead: Option<i64>,
    pub(crate) co_units: &'a [String],
    pub(crate) emergency: Option<Emergency>,
}

/// Records the co-handling units of an order (rows and the list of codes).
pub(crate) async fn set_co_units(
    conn: &mut AnyConnection,
    order_id: i64,
    units: &[(i64, String)],
) -> Result<()> {
    sqlx::query("DELETE FROM work_order_co_units WHERE order_id = $1")
        .bind(order_id)
        .execute(&mut *conn)
        .await?;
    for (id, _) in units {
        sqlx::query("INSERT INTO work_order_co_units (order_id, department_id) VALUES ($1, $2)")
            .bind(order_id)
            .bind(*id)
            .execute(&mut *conn)
            .await?;
    }
    let codes: Vec<&str> = units.iter().map(|(_, c)| c.as_str()).collect();
    sqlx::query("UPDATE work_orders SET co_units = $1 WHERE id = $2")
        .bind(codes.join(","))
        .bind(order_id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Checks co-unit codes (member units, not the lead, no repeats); ids and codes.
pub(crate) async fn co_units_of(
    conn: &mut AnyConnection,
    codes: &[String],
    lead: Option<i64>,
) -> Result<Vec<(i64, String)>> {
    let mut out: Vec<(i64, String)> = vec![];
    for code in codes {
        let (id, name) = member_unit(conn, "co_units", code).await?;
        if Some(id) == lead {
            return Err(StoreError::invalid(
                "co_units",
                format!("协办单位“{name}”不能与主办单位相同"),
            ));
        }
        if !out.iter().any(|(i, _)| *i == id) {
            out.push((id, code.clone()));
        }
    }
    Ok(out)
}

/// Who registers an order, owned so the write can wait in the commit queue.
pub(crate) enum OwnedWho {
    Staff(Principal),
    System(String),
}

impl OwnedWho {
    fn of(who: &EventWho<'_>) -> Self {
        match who {
            EventWho::Staff(p) => Self::Staff((*p).clone()),
            EventWho::System(s) => Self::System((*s).to_string()),
        }
    }
    fn get(&self) -> EventWho<'_> {
        match self {
            Self::Staff(p) => EventWho::Staff(p),
            Self::System(s) => EventWho::System(s),
        }
    }
}

/// An order to insert, with everything the write needs.
pub(crate) struct NewRow {
    pub(crate) store: Store,
    pub(crate) intake: Intake,
    pub(crate) who: OwnedWho,
    pub(crate) answer: Option<String>,
    pub(crate) lead: Option<i64>,
    pub(crate) co_units: Vec<String>,
    pub(crate) emergency: Option<Emergency>,
}

/// Registers an order in one transaction — on SQLite together with the other
/// writes of the moment (group commit), as cases are.
pub(crate) async fn insert_with(
    store: &Store,
    o: &Intake,
    who: EventWho<'_>,
    outcome: Outcome<'_>,
) -> Result<String> {
    let row = std::sync::Arc::new(NewRow {
        store: store.clone(),
        intake: o.clone(),
        who: OwnedWho::of(&who),
        answer: outcome.answer,
        lead: outcome.lead,
        co_units: outcome.co_units.to_vec(),
        emergency: outcome.emergency,
    });
    store
        .write(move |tx| {
            let row = row.clone();
            Box::pin(async move { insert_row(tx, &row).await })
        })
        .await
}

pub(crate) async fn insert_row(conn: &mut AnyConnection, row: &NewRow) -> Result<String> {
    let store = &row.store;
    let o = &row.intake;
    let who = row.who.get();
    let answer = row.answer.clone();
    let lead = row.lead;
    let co_units = &row.co_units;
    let emergency = row.emergency;
    let now = time::now();
    let today = time::local_day(now);
    let stamp = time::stamp(now);
    let keys = store.keys();
    let (deadline, estimated) = match lead {
        Some(_) => {
            let cal = calendar::load(store, &mut *conn).await?;
            let limits = deadline_days(&mut *conn).await?;
            let (d, e) = tongban_domain::hotline::deadline(&cal, &limits, o.category, today)
                .map_err(|e| StoreError::Other(e.into()))?;
            (Some(time::day(d)), e)
        }
        None => (None, false),
    };
    let co = co_units_of(&mut *conn, co_units, lead).await?;
    let seq = next_counter(&mut *conn, &format!("work_order:{}", time::day(today))).await?;
    let no = order_no(today, seq);
    let status = if answer.is_some() || emergency.is_some() {
        Status::Closed
    } else if lead.is_some() {
        Status::Dispatched
    } else {
        Status::Accepted
    };
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO work_orders (order_no, channel, category, caller_name, phone_enc, phone_masked, phone_digest, email, \
         address, lat, lon, content, service_code, department_id, co_units, status, dispatched_on, deadline, \
         deadline_estimated, extension_pending, direct_answer, answer, reply, callback_level, faulty, merged_into, public, \
         api_key_id, created_at, updated_at, closed_at, emergency, return_count, due_on) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, \
         $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, 0, $20, $21, NULL, NULL, 0, NULL, $22, $23, $24, $25, $26, $27, 0, $18) \
         RETURNING id",
    )
    .bind(&no)
    .bind(o.channel.as_str())
    .bind(o.category.as_str())
    .bind(&o.caller_name)
    .bind(o.phone.as_deref().map(|p| keys.encrypt(p)))
    .bind(o.phone.as_deref().map(mask_phone))
    .bind(o.phone.as_deref().map(|p| keys.digest("phone", p)))
    .bind(&o.email)
    .bind(&o.address)
    .bind(&o.lat)
    .bind(&o.lon)
    .bind(&o.content)
    .bind(&o.service_code)
    .bind(lead)
    .bind(
        co.iter()
            .map(|c| c.1.as_str())
            .collect::<Vec<_>>()
            .join(","),
    )
    .bind(status.as_str())
    .bind(lead.map(|_| time::day(today)))
    .bind(&deadline)
    .bind(estimated as i64)
    .bind(answer.is_some() as i64)
    .bind(&answer)
    .bind(o.public as i64)
    .bind(o.api_key_id)
    .bind(&stamp)
    .bind(&stamp)
    .bind(
        (answer.is_some() || emergency.is_some()).then(|| stamp.clone()),
    )
    .bind(emergency.map(Emergency::as_str))
    .fetch_one(&mut *conn)
    .await?;
    if !co.is_empty() {
        set_co_units(&mut *conn, id, &co).await?;
    }
    event(
        &mut *conn,
        id,
        &stamp,
        &who,
        "accept",
        None,
        Status::Accepted,
        None,
        None,
    )
    .await?;
    // How intake ended, as the order's second step.
    let outcome = if let Some(e) = emergency {
        Some((
            EMERGENCY_EVENT,
            Status::Closed,
            None,
            Some(format!("已转{}（{}）", e.label(), e.as_str())),
        ))
    } else if answer.is_some() {
        Some((
            Action::Answer.as_str(),
            Status::Closed,
            None,
            answer.clone(),
        ))
    } else if lead.is_some() {
        Some((Action::Dispatch.as_str(), Status::Dispatched, lead, None))
    } else {
        None
    };
    if let Some((action, to, unit, note)) = outcome {
        event(
            &mut *conn,
            id,
            &stamp,
            &who,
            action,
            Some(Status::Accepted),
            to,
            unit,
            note.as_deref(),
        )
        .await?;
    }
    audit::append(
        &mut *conn,
        keys,
        &who.audit(),
        "work_order.create",
        "work_order",
        &no,
        serde_json::json!({
            "channel": o.channel.as_str(),
            "category": o.category.as_str(),
            "status": status.as_str(),
            "department_id": lead,
            "co_units": co.iter().map(|c| c.1.as_str()).collect::<Vec<_>>(),
            "emergency": emergency.map(Emergency::as_str),
            "photos": o.photos.len(),
        }),
    )
    .await?;
    crate::files::record_photos(&mut *conn, id, &o.photos).await?;
    let cal = calendar::load(store, &mut *conn).await?;
    track_order(&mut *conn, id, None, &cal).await?;
    Ok(no)
}

/// An order's contribution to the hotline figures kept per day (`stats`), now: by
/// the day registered, and by the day due.
pub(crate) async fn order_counted(
    conn: &mut AnyConnection,
    id: i64,
    cal: &tongban_domain::calendar::Calendar,
) -> Result<(crate::stats::Snapshot, crate::stats::Snapshot)> {
    Ok((
        crate::stats::snapshot(&mut *conn, &crate::stats::ORDERS, &[id], cal).await?,
        crate::stats::snapshot(&mut *conn, &crate::stats::ORDER_DUES, &[id], cal).await?,
    ))
}

/// Moves the order's contribution to the kept figures from `before` (none: a new
/// order) to what it is now, in the writing transaction; `cal` is the calendar the
/// `before` snapshot was taken with.
pub(crate) async fn track_order(
    conn: &mut AnyConnection,
    id: i64,
    before: Option<&(crate::stats::Snapshot, crate::stats::Snapshot)>,
    cal: &tongban_domain::calendar::Calendar,
) -> Result<()> {
    let after = order_counted(&mut *conn, id, cal).await?;
    crate::stats::track(
        &mut *conn,
        &crate::stats::ORDERS,
        before.map(|b| &b.0),
        &after.0,
    )
    .await?;
    crate::stats::track(
        conn,
        &crate::stats::ORDER_DUES,
        before.map(|b| &b.1),
        &after.1,
    )
    .await
}
