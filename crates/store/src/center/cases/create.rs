//! An application filed: parsed, placed at a point under the catalog's rules, its
//! materials checked, and inserted with its clocks and events.

use super::*;

/// Accepts or registers an application. At a window the clerk accepts it at once
/// (an instant item is also decided and closed); online it awaits pre-review.
pub async fn create(store: &Store, p: &Principal, app: &Application) -> Result<CaseView> {
    create_as(store, Creator::Staff(p), app).await
}

/// Files an application for a clerk, or for an applicant signed in to the portal
/// (always online, the applicant's own identity, any point the item is handled at).
pub async fn create_as(store: &Store, creator: Creator<'_>, app: &Application) -> Result<CaseView> {
    may_file(creator, app)?;
    let now = time::now();
    let today = time::local_day(now);
    // Reads first, outside the write transaction, so the single SQLite writer only
    // holds its lock for the writes.
    // The points from this node's cache, taken before a reader is held.
    let points = store.points_cached().await?;
    // Taken only if a read misses the node's copies.
    let mut rd = store.lazy_reader();
    let cal = calendar::load_lazy(store, &mut rd).await?;
    let (placed, insert) =
        placed_and_prepared(store, &mut rd, &points, creator, app, now, &cal).await?;
    drop(rd);
    let insert = Arc::new(insert);
    let job = insert.clone();
    let (row, license_no) = store
        .write(move |tx| {
            let job = job.clone();
            Box::pin(async move { insert_case(tx, &job).await })
        })
        .await?;
    let license_url = match &license_no {
        Some(no) => Some(crate::licenses::verify_url(&mut *store.reader().await?, no).await?),
        None => None,
    };
    Ok(new_view(
        &insert,
        &placed,
        row,
        &cal,
        today,
        license_no,
        license_url,
    ))
}

/// Whether `creator` may file `app`: staff whose role accepts applications, or the
/// signed-in applicant, online, in their own verified name (the application parsed
/// as theirs by `Creator::filer`).
fn may_file(creator: Creator<'_>, app: &Application) -> Result<()> {
    match creator {
        Creator::Staff(p) if !p.role.accepts_applications() => Err(StoreError::Forbidden(format!(
            "{}不能受理申请",
            p.role.label()
        ))),
        Creator::Staff(_) => Ok(()),
        Creator::Applicant(a) => {
            let own = match &app.applicant {
                Applicant::Person { id_number, .. } => id_number.eq_ignore_ascii_case(&a.id_number),
                Applicant::Organisation { contact, .. } => *contact == a.name,
            };
            if app.channel != Channel::Online || !own {
                return Err(StoreError::Forbidden(
                    "网上申请须以登录人本人的实名身份提交".into(),
                ));
            }
            Ok(())
        }
    }
}

/// Accepts several applications at a window at once, in one transaction: a
/// construction project's stage (一窗受理), one case per item, each with its own
/// department and clock, as of `now` (the present, or an imported history's day). `link` runs in that same transaction with the new cases'
/// ids and numbers (the stage's own rows); an application at fault anywhere writes
/// nothing.
pub async fn create_batch<T, F>(
    store: &Store,
    p: &Principal,
    apps: &[Application],
    now: chrono::DateTime<chrono::Utc>,
    link: F,
) -> Result<(Vec<CaseView>, T)>
where
    T: Send + 'static,
    F: for<'c> Fn(&'c mut AnyConnection, Vec<(i64, String)>) -> crate::BoxFuture<'c, Result<T>>
        + Send
        + Sync
        + 'static,
{
    create_batch_as(store, Creator::Staff(p), apps, now, link).await
}

/// [`create_batch`] for a clerk or a signed-in applicant (a bundle applied for
/// online: each case online, in the applicant's own name, the draft's files recorded
/// on every case whose item asks for their material).
pub async fn create_batch_as<T, F>(
    store: &Store,
    creator: Creator<'_>,
    apps: &[Application],
    now: chrono::DateTime<chrono::Utc>,
    link: F,
) -> Result<(Vec<CaseView>, T)>
where
    T: Send + 'static,
    F: for<'c> Fn(&'c mut AnyConnection, Vec<(i64, String)>) -> crate::BoxFuture<'c, Result<T>>
        + Send
        + Sync
        + 'static,
{
    if let Creator::Staff(p) = creator
        && !p.role.accepts_applications()
    {
        return Err(StoreError::Forbidden(format!(
            "{}不能受理申请",
            p.role.label()
        )));
    }
    for app in apps {
        may_file(creator, app)?;
    }
    let today = time::local_day(now);
    let points = store.points_cached().await?;
    // Taken only if a read misses the node's copies.
    let mut rd = store.lazy_reader();
    let cal = calendar::load_lazy(store, &mut rd).await?;
    let mut placed_all = Vec::with_capacity(apps.len());
    let mut prepared = Vec::with_capacity(apps.len());
    for app in apps {
        let (placed, insert) =
            placed_and_prepared(store, &mut rd, &points, creator, app, now, &cal).await?;
        prepared.push(insert);
        placed_all.push(placed);
    }
    drop(rd);
    let jobs = Arc::new(prepared);
    let link = Arc::new(link);
    let job = jobs.clone();
    let (rows, linked) = store
        .write(move |tx| {
            let (jobs, link) = (job.clone(), link.clone());
            Box::pin(async move {
                let mut rows = Vec::with_capacity(jobs.len());
                for j in jobs.iter() {
                    rows.push(insert_case(tx, j).await?);
                }
                let ids = rows
                    .iter()
                    .map(|(r, _)| (r.id, r.case_no.clone()))
                    .collect();
                // The link's rows refer to the new cases.
                crate::db::pending::settle_slot(tx, NEW_CASES).await?;
                let linked = link(tx, ids).await?;
                Ok((rows, linked))
            })
        })
        .await?;
    let views = jobs
        .iter()
        .zip(&placed_all)
        .zip(rows)
        .map(|((insert, placed), (row, license_no))| {
            new_view(insert, placed, row, &cal, today, license_no, None)
        })
        .collect();
    Ok((views, linked))
}

/// An application placed at its point and checked, with everything its insert
/// needs (reads only, before the write).
async fn placed_and_prepared(
    store: &Store,
    rd: &mut crate::LazyReader<'_>,
    points: &[crate::org::Point],
    creator: Creator<'_>,
    app: &Application,
    now: chrono::DateTime<chrono::Utc>,
    cal: &Calendar,
) -> Result<(Placed, PreparedCase)> {
    let today = time::local_day(now);
    let placed = place(store, rd, points, creator, app, today).await?;
    let accept_now = app.channel == Channel::Window && app.accept;
    let (materials, draft) = materials_of(store, creator, &placed.content, app, accept_now).await?;
    let form = tongban_domain::auto_approval::check_form(&placed.content.fields, &app.form, today)
        .map_err(StoreError::from)?;
    // 秒批: the item's rules, for an ordinary application taken now or sent online.
    let auto = match (&placed.content.auto_approval, app.mode) {
        (Some(rules), Mode::Standard) if accept_now || app.channel == Channel::Online => Some(
            auto_outcome(
                rd.get().await?,
                rules,
                app,
                &form,
                &materials,
                today,
                placed.item.version,
            )
            .await?,
        ),
        _ => None,
    };
    let insert = prepare(
        store.keys(),
        creator,
        app,
        &placed,
        Received {
            materials,
            draft,
            accept_now,
            now,
            today,
            form,
            auto,
        },
        cal,
    )?;
    Ok((placed, insert))
}

/// What the item's 秒批 rules said of an application.
#[derive(Debug, Clone)]
struct AutoOutcome {
    /// The item version whose rules were applied.
    version: i64,
    results: Vec<tongban_domain::auto_approval::RuleResult>,
    passed: bool,
    after_check_percent: u8,
}

/// Evaluates the rules over the form, the applicant, the materials and the registry
/// of market entities.
async fn auto_outcome(
    rd: &mut AnyConnection,
    rules: &tongban_domain::auto_approval::RuleSet,
    app: &Application,
    form: &std::collections::BTreeMap<String, String>,
    materials: &[String],
    today: NaiveDate,
    version: i64,
) -> Result<AutoOutcome> {
    let (applicant_id, applicant_credit) = match &app.applicant {
        Applicant::Person { id_number, .. } => (Some(id_number.as_str()), None),
        Applicant::Organisation { credit_code, .. } => (None, Some(credit_code.as_str())),
    };
    let codes = rules.entity_codes(form, applicant_credit);
    let mut active = std::collections::HashSet::new();
    if !codes.is_empty() {
        let marks: Vec<String> = (1..=codes.len()).map(|i| format!("${i}")).collect();
        let mut q = sqlx::query_scalar::<_, String>(sqlx::AssertSqlSafe(format!(
            "SELECT credit_code FROM entities WHERE status = 'active' AND credit_code IN ({})",
            marks.join(", ")
        )));
        for c in &codes {
            q = q.bind(c.trim().to_string());
        }
        active.extend(q.fetch_all(&mut *rd).await?);
    }
    let facts = tongban_domain::auto_approval::Facts {
        form,
        applicant_name: app.applicant.name(),
        applicant_id,
        applicant_credit_code: applicant_credit,
        materials,
        active_entities: &active,
        today,
    };
    let results = rules.evaluate(&facts);
    Ok(AutoOutcome {
        version,
        passed: results.iter().all(|r| r.passed),
        results,
        after_check_percent: rules.after_check_percent,
    })
}

/// The item in force and the point an application is taken at, under the catalog's
/// rules and the clerk's department and point.
struct Placed {
    item: crate::catalog::Item,
    content: ItemContent,
    point: crate::org::Point,
}

async fn place(
    store: &Store,
    rd: &mut crate::LazyReader<'_>,
    points: &[crate::org::Point],
    creator: Creator<'_>,
    app: &Application,
    today: NaiveDate,
) -> Result<Placed> {
    let item_code = app.item_code.as_str();
    let staff = match creator {
        Creator::Staff(p) => Some(p),
        Creator::Applicant(_) => None,
    };
    let item = crate::catalog::item_in_force_cached(store, rd, item_code, today)
        .await?
        .map(|i| (*i).clone())
        .ok_or_else(|| {
            StoreError::invalid(
                "item_code",
                format!("事项编码“{item_code}”不存在或尚未生效"),
            )
        })?;
    let content = item.content()?.clone();
    if !content.open_for_applications() {
        return Err(StoreError::invalid(
            "item_code",
            format!(
                "事项“{}”当前状态为“{}”，不能申请",
                item.name, item.status_label
            ),
        ));
    }
    if app.mode == Mode::Commitment && (content.commitment.is_none() || content.instant) {
        return Err(StoreError::invalid(
            "commitment",
            format!("事项“{}”不适用告知承诺制", item.name),
        ));
    }
    if app.channel == Channel::Online && !content.online_depth.accepts_online() {
        return Err(StoreError::invalid(
            "channel",
            format!("事项“{}”不支持网上申请", item.name),
        ));
    }
    let point = point_taken(rd, points, staff, app.point.as_deref()).await?;
    if staff.is_some_and(|p| p.department_id.is_some_and(|d| d != item.department_id)) {
        return Err(StoreError::Forbidden(format!(
            "只能受理本部门的事项，“{}”属于{}",
            item.name, item.department.name
        )));
    }
    if !content.accepted_at(&point.code, point.kind) {
        return Err(StoreError::invalid(
            "item_code",
            format!("事项“{}”未在{}受理", item.name, point.name),
        ));
    }
    Ok(Placed {
        item,
        content,
        point,
    })
}

/// Where an application is taken: a clerk's own point, a point asked for (only the
/// center for a department's window staff), or the center.
async fn point_taken(
    rd: &mut crate::LazyReader<'_>,
    points: &[crate::org::Point],
    staff: Option<&Principal>,
    requested: Option<&str>,
) -> Result<crate::org::Point> {
    // A point the cache does not hold yet (created on another node within the last
    // second) is read from the database.
    let by_id =
        async |rd: &mut crate::LazyReader<'_>, id: i64| match points.iter().find(|p| p.id == id) {
            Some(p) => Ok(p.clone()),
            None => crate::org::point_by_id(rd.get().await?, id).await,
        };
    let by_code = async |rd: &mut crate::LazyReader<'_>, code: &str| match points
        .iter()
        .find(|p| p.code == code)
    {
        Some(p) => Ok(Some(p.clone())),
        None => point_by_code(rd.get().await?, code).await,
    };
    let centers: Vec<&crate::org::Point> = points
        .iter()
        .filter(|p| p.kind == PointKind::Center)
        .collect();
    Ok(
        match (
            staff.and_then(|p| p.point_id),
            requested.filter(|s| !s.is_empty()),
        ) {
            (Some(own), requested) => {
                let own = by_id(rd, own).await?;
                if requested.is_some_and(|r| r != own.code) {
                    return Err(StoreError::Forbidden(format!(
                        "只能在本人所属服务点（{}）受理",
                        own.name
                    )));
                }
                own
            }
            (None, Some(code)) => {
                let pt = by_code(rd, code).await?.ok_or_else(|| {
                    StoreError::invalid("point", format!("服务点代码“{code}”不存在"))
                })?;
                if staff.is_some() && pt.kind != PointKind::Center {
                    return Err(StoreError::Forbidden(
                        "部门窗口人员只能在政务服务中心受理".into(),
                    ));
                }
                pt
            }
            (None, None) => match centers.as_slice() {
                [only] => (*only).clone(),
                _ => center_point(rd.get().await?).await?,
            },
        },
    )
}

/// The materials handed in: named by the clerk, or, online, the files uploaded to
/// the draft (every required one is needed); with the draft (id, owner) online.
async fn materials_of(
    store: &Store,
    creator: Creator<'_>,
    content: &ItemContent,
    app: &Application,
    accept_now: bool,
) -> Result<(Vec<String>, Option<(String, String)>)> {
    let provided = |m: &str| app.provided.iter().any(|p| p == m);
    let a = match creator {
        Creator::Staff(_) => {
            // What the joint application supplies counts as handed in.
            let given = app.materials.as_ref().map(|given| {
                let mut all = given.clone();
                all.extend(
                    content
                        .materials
                        .iter()
                        .filter(|m| provided(&m.name) && !given.contains(&m.name))
                        .map(|m| m.name.clone()),
                );
                all
            });
            return Ok((
                check_materials(content, given.as_deref(), &app.deferred, accept_now)?,
                None,
            ));
        }
        Creator::Applicant(a) => a,
    };
    let draft = app
        .draft
        .clone()
        .ok_or_else(|| StoreError::invalid("draft", "请先上传申请材料"))?;
    let files = crate::files::draft_files(store, &draft, &a.id_digest).await?;
    let missing: Vec<&str> = content
        .materials
        .iter()
        .filter(|m| m.required && !provided(&m.name) && !files.iter().any(|f| f.material == m.name))
        .map(|m| m.name.as_str())
        .collect();
    if !missing.is_empty() {
        return Err(StoreError::invalid(
            "materials",
            format!("请上传必需材料：{}", missing.join("、")),
        ));
    }
    let names: Vec<String> = content
        .materials
        .iter()
        .filter(|m| provided(&m.name) || files.iter().any(|f| f.material == m.name))
        .map(|m| m.name.clone())
        .collect();
    Ok((names, Some((draft, a.id_digest.clone()))))
}

/// What was received with an application, and when.
struct Received {
    materials: Vec<String>,
    draft: Option<(String, String)>,
    accept_now: bool,
    now: chrono::DateTime<chrono::Utc>,
    today: NaiveDate,
    /// The form's answers, checked.
    form: std::collections::BTreeMap<String, String>,
    auto: Option<AutoOutcome>,
}

/// The applicant's identity as stored: ID type, the ID number encrypted, its digest
/// and masked form (a person), or the credit code and contact (an organisation).
struct StoredIdentity {
    id_type: Option<&'static str>,
    id_enc: Option<String>,
    id_digest: Option<String>,
    id_masked: Option<String>,
    credit_code: Option<String>,
    contact: Option<String>,
}

fn stored_identity(keys: &crate::Keys, applicant: &Applicant) -> StoredIdentity {
    match applicant {
        Applicant::Person {
            id_type, id_number, ..
        } => StoredIdentity {
            id_type: Some(id_type.as_str()),
            id_enc: Some(keys.encrypt(id_number)),
            id_digest: Some(keys.digest("id", id_number)),
            id_masked: Some(mask_id(id_number)),
            credit_code: None,
            contact: None,
        },
        Applicant::Organisation {
            credit_code,
            contact,
            ..
        } => StoredIdentity {
            id_type: None,
            id_enc: None,
            id_digest: None,
            id_masked: None,
            credit_code: Some(credit_code.as_str().to_string()),
            contact: Some(contact.clone()),
        },
    }
}

type NewEvent = (&'static str, Option<CaseStatus>, CaseStatus, Option<String>);

/// The new case's row and its first events: accepted at a window (and closed at once
/// when instant, otherwise with its clocks), or submitted online.
fn first_row(
    keys: &crate::Keys,
    app: &Application,
    placed: &Placed,
    received: &Received,
    stamp: &str,
    cal: &Calendar,
) -> (CaseRow, Vec<NewEvent>) {
    let content = &placed.content;
    let auto_pass = received.auto.as_ref().is_some_and(|a| a.passed);
    // Approved by its rules, an application is accepted at once, online too.
    let window = received.accept_now || auto_pass;
    let mut row = CaseRow {
        id: 0,
        case_no: String::new(),
        department_id: placed.item.department_id,
        point_id: placed.point.id,
        status: if window {
            CaseStatus::Accepted
        } else {
            CaseStatus::Submitted
        },
        instant: content.instant,
        verify_digest: keys.digest("verify", &app.applicant.last_six()),
        applicant_name: app.applicant.name().to_string(),
        accepted_at: window.then(|| stamp.to_string()),
        accepted_on: window.then(|| time::day(received.today)),
        acceptance_no: None,
        decided_at: None,
        closed_at: None,
        promised: (content.promised.days, content.promised.unit),
        statutory: (content.statutory.days, content.statutory.unit),
        extension_days: 0,
        promised_deadline: None,
        legal_deadline: None,
        deadline_estimated: false,
        result: None,
        document_no: None,
        reason: None,
        deliver_by: None,
        delivery: None,
        mode: app.mode,
        deferred: app.deferred.clone(),
        verify_by: None,
        verified_at: None,
        revoked_on: None,
    };
    let mut events: Vec<NewEvent> = vec![];
    // Rules that failed: the application goes to a person, told which.
    let failed = received.auto.as_ref().filter(|a| !a.passed).map(|a| {
        let names: Vec<String> = a
            .results
            .iter()
            .filter(|r| !r.passed)
            .map(|r| format!("{}（{}）", r.name, r.detail))
            .collect();
        format!("秒批未通过：{}，转人工审查", names.join("；"))
    });
    let note = match (failed, app.note.clone()) {
        (Some(f), Some(n)) => Some(format!("{f}；{n}")),
        (f, n) => f.or(n),
    };
    if !window {
        events.push(("submit", None, CaseStatus::Submitted, note));
        return (row, events);
    }
    events.push((Action::Accept.as_str(), None, CaseStatus::Accepted, note));
    if let Some(a) = received.auto.as_ref().filter(|a| a.passed) {
        row.status = CaseStatus::Closed;
        row.mode = Mode::Auto;
        row.decided_at = Some(stamp.to_string());
        row.closed_at = Some(stamp.to_string());
        row.result = Some("准予许可（秒批）".into());
        let today = time::day(received.today);
        row.deliver_by = Some(today.clone());
        row.delivery = Some(Delivered {
            method: DeliveryMethod::Electronic.as_str(),
            method_label: DeliveryMethod::Electronic.label(),
            on: today,
            recipient: app.applicant.name().to_string(),
            reference: None,
        });
        events.push((
            Action::Approve.as_str(),
            Some(CaseStatus::Accepted),
            CaseStatus::Approved,
            Some(format!(
                "秒批：事项第{}版的{}条规则全部满足，系统自动准予许可",
                a.version,
                a.results.len()
            )),
        ));
        events.push((
            Action::Close.as_str(),
            Some(CaseStatus::Approved),
            CaseStatus::Closed,
            Some("秒批自动办结，电子证照即时送达".into()),
        ));
    } else if content.instant {
        row.status = CaseStatus::Closed;
        row.decided_at = Some(stamp.to_string());
        row.closed_at = Some(stamp.to_string());
        row.result = Some("准予许可（即办）".into());
        let today = time::day(time::local_day(time::now()));
        row.deliver_by = Some(today.clone());
        row.delivery = Some(on_the_spot(today, app.applicant.name()));
        events.push((
            Action::Close.as_str(),
            Some(CaseStatus::Accepted),
            CaseStatus::Closed,
            Some("即办件当场办结".into()),
        ));
    } else if let (Mode::Commitment, Some(rule)) = (app.mode, &content.commitment) {
        // 告知承诺制: decided on the spot on the signed commitment, verified later.
        let verify_by = time::day(cal.deadline_or_estimate(received.today, rule.verify_days));
        row.status = CaseStatus::Approved;
        row.decided_at = Some(stamp.to_string());
        row.result = Some("准予许可（告知承诺制）".into());
        row.deliver_by = Some(time::day(
            cal.deadline_or_estimate(received.today, tongban_domain::case::DELIVERY_DAYS),
        ));
        events.push((
            Action::Approve.as_str(),
            Some(CaseStatus::Accepted),
            CaseStatus::Approved,
            Some(format!(
                "申请人书面承诺符合许可条件，依告知承诺制当场作出准予许可决定；本机关将于{verify_by}前核查，承诺不实的依法撤销"
            )),
        ));
        row.verify_by = Some(verify_by);
    } else {
        let (pd, ld, est) = compute_clocks(cal, &row, &[]);
        row.promised_deadline = pd;
        row.legal_deadline = ld;
        row.deadline_estimated = est;
        if app.mode == Mode::Tolerance {
            let said = format!("容缺受理：{}在作出决定前补齐", app.deferred.join("、"));
            events[0].3 = Some(match events[0].3.take() {
                Some(n) => format!("{said}；{n}"),
                None => said,
            });
        }
    }
    (row, events)
}

/// Everything the insert needs, with personal data encrypted.
fn prepare(
    keys: &crate::Keys,
    creator: Creator<'_>,
    app: &Application,
    placed: &Placed,
    received: Received,
    cal: &Calendar,
) -> Result<PreparedCase> {
    let applicant = &app.applicant;
    let identity = stored_identity(keys, applicant);
    let stamp = time::stamp(received.now);
    let (row, events) = first_row(keys, app, placed, &received, &stamp, cal);
    let phone = applicant.phone();
    // A clerk at a window has the person and their ID card in front of them: the
    // name and phone become the person's real-name binding for online sign-in.
    let binding = match (applicant, creator, app.channel) {
        (
            Applicant::Person {
                name,
                id_type: tongban_domain::case::IdType::ResidentId,
                id_number,
                phone,
            },
            Creator::Staff(_),
            Channel::Window,
        ) => phone.mobile().map(|mobile| {
            (
                crate::applicants::Binding::new(keys, name, id_number, mobile),
                mask_id(id_number),
            )
        }),
        _ => None,
    };
    Ok(PreparedCase {
        binding,
        row,
        events,
        item_id: placed.item.id,
        item_code: placed.item.code.clone(),
        item_version: placed.item.version,
        point_code: placed.point.code.clone(),
        channel: app.channel,
        today: received.today,
        stamp,
        applicant_kind: applicant.kind(),
        applicant_name: applicant.name().to_string(),
        id_type: identity.id_type,
        id_enc: identity.id_enc,
        id_digest: identity.id_digest,
        id_masked: identity.id_masked,
        credit_code: identity.credit_code,
        contact: identity.contact,
        phone_enc: keys.encrypt(phone.as_str()),
        phone_masked: phone.masked(),
        materials: serde_json::to_string(&received.materials)
            .map_err(|e| StoreError::Other(e.into()))?,
        materials_list: received.materials,
        actor: match creator {
            Creator::Staff(p) => EventActor::from(p),
            Creator::Applicant(a) => EventActor {
                id: None,
                name: format!("申请人 {}（网上）", a.name),
            },
        },
        audit_actor: match creator {
            Creator::Staff(p) => p.actor(),
            Creator::Applicant(a) => a.actor(),
        },
        draft: received.draft,
        submitter_digest: match creator {
            Creator::Staff(_) => None,
            Creator::Applicant(a) => Some(a.id_digest.clone()),
        },
        keys: keys.clone(),
        agent: app.agent.as_ref().map(|a| {
            [
                a.name.clone(),
                keys.encrypt(&a.id_number),
                mask_id(&a.id_number),
                keys.encrypt(a.phone.as_str()),
                a.phone.masked(),
            ]
        }),
        assistant: match creator {
            Creator::Staff(p) if app.assisted => Some(actor_label(p)),
            _ => None,
        },
        form: (!received.form.is_empty())
            .then(|| serde_json::to_string(&received.form))
            .transpose()
            .map_err(|e| StoreError::Other(e.into()))?,
        system_from: received.auto.as_ref().filter(|a| a.passed).map(|_| {
            // Online the system accepts too; at a window the clerk accepted.
            if received.accept_now { 1 } else { 0 }
        }),
        auto: received.auto,
    })
}

/// The view of a case just filed, from what was inserted (no read back).
fn new_view(
    insert: &PreparedCase,
    placed: &Placed,
    row: CaseRow,
    cal: &Calendar,
    today: NaiveDate,
    license_no: Option<String>,
    license_url: Option<String>,
) -> CaseView {
    let (item, point) = (&placed.item, &placed.point);
    // Received online today: five working days to answer (Art. 32).
    let answer_by = (row.status == CaseStatus::Submitted)
        .then(|| {
            BeforeAcceptance {
                received: today,
                notices: 0,
                allowances: 0,
                first_notice: None,
            }
            .answer_by(cal)
        })
        .flatten();
    CaseView {
        case_no: row.case_no.clone(),
        status: row.status.as_str(),
        status_label: row.status.label(),
        item: CodeName {
            code: item.code.clone(),
            name: item.name.clone(),
        },
        department: CodeName {
            code: item.department.code.clone(),
            name: item.department.name.clone(),
        },
        point: CodeName {
            code: point.code.clone(),
            name: point.name.clone(),
        },
        channel: insert.channel.as_str().to_string(),
        instant: row.instant,
        applicant: ApplicantView {
            kind: insert.applicant_kind.to_string(),
            name: insert.applicant_name.clone(),
            id_type: insert.id_type.map(str::to_string),
            id_number: insert.id_masked.clone(),
            credit_code: insert.credit_code.clone(),
            contact: insert.contact.clone(),
            phone: insert.phone_masked.clone(),
        },
        materials: insert.materials_list.clone(),
        submitted_at: time::display(&insert.stamp),
        accepted_at: opt_display(row.accepted_at.clone()),
        acceptance_no: row.acceptance_no.clone(),
        promised_days: row.promised.0 as i64,
        promised_unit: unit_name(row.promised.1),
        statutory_days: row.statutory.0 as i64,
        statutory_unit: unit_name(row.statutory.1),
        extension_days: 0,
        promised_deadline: row.promised_deadline.clone(),
        legal_deadline: row.legal_deadline.clone(),
        answer_by: answer_by.map(time::day),
        answer_days_left: answer_by.map(|_| i64::from(DEEMED_ACCEPTANCE_DAYS)),
        supply_by: None,
        deemed_accepted: false,
        delivery_late: false,
        deliver_by: row.deliver_by.clone(),
        delivery: row.delivery.clone(),
        mode: row.mode.as_str(),
        mode_label: row.mode.label(),
        deferred: row.deferred.clone(),
        verify_by: row.verify_by.clone(),
        verified_at: None,
        agent: insert.agent.as_ref().map(|a| AgentView {
            name: a[0].clone(),
            id_number: a[2].clone(),
            phone: a[4].clone(),
        }),
        assistant: insert.assistant.clone(),
        deadline_estimated: row.deadline_estimated,
        urgency: if row.status == CaseStatus::Accepted {
            urgency(
                cal,
                row.promised_deadline.as_deref().and_then(time::parse_day),
                row.status,
                today,
            )
        } else {
            Urgency::Normal
        },
        urgency_label: "",
        decided_at: opt_display(row.decided_at.clone()),
        closed_at: opt_display(row.closed_at.clone()),
        result: row.result.clone(),
        document_no: row.document_no.clone(),
        reason: None,
        events: insert
            .events
            .iter()
            .map(|(action, from, to, note)| Event {
                at: time::display(&insert.stamp),
                action: action.to_string(),
                action_label: action_label(action),
                from_status: from.map(|f| f.as_str().to_string()),
                to_status: to.as_str().to_string(),
                actor: insert.actor.name.clone(),
                point: Some(point.name.clone()),
                note: note.clone(),
            })
            .collect(),
        rating: None,
        license_url,
        license_no,
    }
    .labelled()
}

/// Everything a new case's insert needs, computed before the write so the write
/// itself is short (and can be run again if its batch fails).
struct PreparedCase {
    /// The real-name binding a window case confirms, with the masked ID number.
    binding: Option<(crate::applicants::Binding, String)>,
    row: CaseRow,
    events: Vec<(&'static str, Option<CaseStatus>, CaseStatus, Option<String>)>,
    item_id: i64,
    item_code: String,
    item_version: i64,
    point_code: String,
    channel: Channel,
    today: NaiveDate,
    stamp: String,
    applicant_kind: &'static str,
    applicant_name: String,
    id_type: Option<&'static str>,
    id_enc: Option<String>,
    id_digest: Option<String>,
    id_masked: Option<String>,
    credit_code: Option<String>,
    contact: Option<String>,
    phone_enc: String,
    phone_masked: String,
    materials: String,
    /// The materials' names, as the view shows them.
    materials_list: Vec<String>,
    actor: EventActor,
    audit_actor: Actor,
    /// A portal draft (id, owner) whose files join the case.
    draft: Option<(String, String)>,
    submitter_digest: Option<String>,
    keys: crate::Keys,
    /// 经办人/代理人: name, ID number (encrypted, masked), phone (encrypted, masked).
    agent: Option<[String; 5]>,
    /// 帮办代办: the member of staff handling it for the applicant.
    assistant: Option<String>,
    /// The form's answers as stored (none when the item has no form).
    form: Option<String>,
    /// What the 秒批 rules said; events from `system_from` on are the system's.
    auto: Option<AutoOutcome>,
    system_from: Option<usize>,
}

/// The numbers a transaction's writes took, per point and day: the first from the
/// database, each further one counted here (the row stays locked by the transaction
/// meanwhile), the last written back at the end.
struct Numbers(Vec<(i64, String, i64, i64)>);

const NUMBERS: (u8, &str) = (crate::db::pending::ROWS, "case_seq");

/// The next case number of a point on a day.
async fn next_number(tx: &mut AnyConnection, point_id: i64, day: String) -> Result<i64> {
    let counted = crate::db::pending::update(NUMBERS, |kept: &mut Numbers| {
        let (_, _, _, last) = kept
            .0
            .iter_mut()
            .find(|(p, d, _, _)| *p == point_id && *d == day)?;
        *last += 1;
        Some(*last)
    });
    if let Some(Some(n)) = counted {
        return Ok(n);
    }
    let n: i64 = sqlx::query_scalar(
        "INSERT INTO case_seq (point_id, day, n) VALUES ($1, $2, 1) \
         ON CONFLICT (point_id, day) DO UPDATE SET n = case_seq.n + 1 RETURNING n",
    )
    .bind(point_id)
    .bind(&day)
    .fetch_one(&mut *tx)
    .await?;
    let merge = |kept: &mut Numbers, more: Numbers| kept.0.extend(more.0);
    // Outside a gathering transaction the number is simply taken.
    let _ = crate::db::pending::defer_carrying(
        NUMBERS,
        Numbers(vec![(point_id, day, n, n)]),
        merge,
        write_numbers,
    );
    Ok(n)
}

fn write_numbers<'c>(
    conn: &'c mut AnyConnection,
    value: Box<dyn std::any::Any + Send>,
) -> crate::BoxFuture<'c, Result<()>> {
    Box::pin(async move {
        let kept = crate::db::pending::kept::<Numbers>(value)?;
        for (point_id, day, first, last) in kept.0 {
            if last > first {
                let s = crate::bulk::Stmt::new(
                    "UPDATE case_seq SET n = $1 WHERE point_id = $2 AND day = $3",
                )
                .bind(last)
                .bind(point_id)
                .bind(day);
                crate::db::pending::write(&mut *conn, s).await?;
            }
        }
        Ok(())
    })
}

/// A new case's events (the system's where 秒批 decided), its form's answers, and
/// its after-check when drawn for one.
async fn record_extras(
    tx: &mut AnyConnection,
    c: &PreparedCase,
    id: i64,
    point_id: i64,
    case_no: &str,
) -> Result<()> {
    let system = EventActor {
        id: None,
        name: "系统（秒批）".into(),
    };
    for (i, (action, from, to, note)) in c.events.iter().enumerate() {
        let actor = match c.system_from {
            Some(k) if i >= k => &system,
            _ => &c.actor,
        };
        insert_event(
            &mut *tx,
            id,
            &c.stamp,
            action,
            *from,
            *to,
            actor,
            Some(point_id),
            note.as_deref(),
        )
        .await?;
    }
    if let Some(form) = &c.form {
        sqlx::query("INSERT INTO case_forms (case_id, form) VALUES ($1, $2)")
            .bind(id)
            .bind(form)
            .execute(&mut *tx)
            .await?;
    }
    if c.auto.as_ref().is_some_and(|a| a.passed) {
        // Closed the day it was accepted: no working day taken.
        crate::stats::track_handled(&mut *tx, id, Some(c.today), c.today, &Calendar::default())
            .await?;
    }
    if let Some(a) = c.auto.as_ref().filter(|a| a.passed)
        && tongban_domain::auto_approval::drawn_for_check(case_no, a.after_check_percent)
    {
        crate::after_checks::queue(&mut *tx, id, c.today).await?;
    }
    Ok(())
}

use crate::bulk::V;

/// Where a transaction's new cases wait for its end (before their events, which
/// refer to them).
const NEW_CASES: (u8, &str) = (crate::db::pending::NEW, "cases");

/// The ids a transaction has taken for new cases and not used yet.
const CASE_IDS: (u8, &str) = (crate::db::pending::NEW, "case_ids");

enum CaseIds {
    /// SQLite: the transaction holds the only write lock, so ids count on from here.
    From(i64),
    /// PostgreSQL: ids taken from the table's identity sequence (last used first:
    /// held in descending order), and how many were taken the last time.
    Taken(Vec<i64>, usize),
}

/// Most ids taken from PostgreSQL's sequence at once.
const MOST_IDS: usize = 1000;

/// The id of a new case, known before its row is written (the row may wait for the
/// end of the transaction; its events, seal and audit entry name it). PostgreSQL's
/// ids come from the identity sequence a plain insert draws on, as many at once as
/// the transaction has writes left to run (twice as many as the last time when a
/// write takes several), so a batch of acceptances asks once; ids taken and not used
/// are skipped, as a rolled-back insert's would be.
async fn next_case_id(tx: &mut AnyConnection) -> Result<i64> {
    let kept = crate::db::pending::update(CASE_IDS, |k: &mut CaseIds| match k {
        CaseIds::From(next) => {
            *next += 1;
            Ok(*next - 1)
        }
        CaseIds::Taken(ids, n) => ids.pop().ok_or(*n),
    });
    let want = match kept {
        Some(Ok(id)) => return Ok(id),
        Some(Err(n)) => (2 * n).max(crate::db::pending::left()),
        None => crate::db::pending::left(),
    }
    .min(MOST_IDS);
    let (id, keep) = match crate::Backend::of(tx) {
        crate::Backend::Sqlite => {
            let max: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(id), 0) FROM cases")
                .fetch_one(&mut *tx)
                .await?;
            (max + 1, CaseIds::From(max + 2))
        }
        crate::Backend::Postgres => {
            let mut ids: Vec<i64> = sqlx::query_scalar(
                "SELECT nextval(pg_get_serial_sequence('cases', 'id')) FROM generate_series(1, $1)",
            )
            .bind(want as i64)
            .fetch_all(&mut *tx)
            .await?;
            ids.sort_unstable_by(|a, b| b.cmp(a));
            let id = ids.pop().ok_or_else(|| {
                StoreError::Other(anyhow::anyhow!("the case id sequence returned no value"))
            })?;
            (id, CaseIds::Taken(ids, want))
        }
    };
    let replace = |kept: &mut CaseIds, more: CaseIds| *kept = more;
    let no_op = |_: &mut AnyConnection,
                 _: Box<dyn std::any::Any + Send>|
     -> crate::BoxFuture<'_, Result<()>> { Box::pin(async { Ok(()) }) };
    // Outside a gathering transaction the one id is simply used.
    let _ = crate::db::pending::defer(CASE_IDS, keep, replace, no_op);
    Ok(id)
}

/// A new case's row: its id, then `INSERT_COLUMNS`, then who submitted it.
fn case_values(id: i64, c: &PreparedCase, row: &CaseRow) -> Vec<V> {
    vec![
        V::I(id),
        V::from(row.case_no.as_str()),
        V::I(c.item_id),
        V::I(c.item_version),
        V::I(row.department_id),
        V::I(row.point_id),
        V::from(c.channel.as_str()),
        V::from(row.status.as_str()),
        V::I(row.instant as i64),
        V::from(c.applicant_kind),
        V::from(c.applicant_name.as_str()),
        V::from(c.id_type.map(str::to_string)),
        V::from(c.id_enc.clone()),
        V::from(c.id_digest.clone()),
        V::from(c.id_masked.clone()),
        V::from(c.credit_code.clone()),
        V::from(c.contact.clone()),
        V::from(c.phone_enc.as_str()),
        V::from(c.phone_masked.as_str()),
        V::from(row.verify_digest.as_str()),
        V::from(c.materials.as_str()),
        V::from(c.stamp.as_str()),
        V::from(time::day(c.today)),
        V::from(row.accepted_at.clone()),
        V::from(row.accepted_on.clone()),
        V::from(row.acceptance_no.clone()),
        V::from(row.decided_at.clone()),
        V::from(row.closed_at.clone()),
        V::from(row.closed_at.as_ref().map(|_| time::day(c.today))),
        V::I(row.promised.0 as i64),
        V::from(unit_name(row.promised.1)),
        V::I(row.statutory.0 as i64),
        V::from(unit_name(row.statutory.1)),
        V::I(0),
        V::from(row.promised_deadline.clone()),
        V::from(row.legal_deadline.clone()),
        V::I(row.deadline_estimated as i64),
        V::from(row.result.clone()),
        V::from(row.document_no.clone()),
        V::from(row.reason.clone()),
        V::from(c.stamp.as_str()),
        V::from(c.submitter_digest.clone()),
    ]
}

/// Inserts new cases' rows (`case_values`); at the end of a batch on PostgreSQL they
/// go with the next statement (`pending::write`).
async fn insert_cases(conn: &mut AnyConnection, rows: &[Vec<V>]) -> Result<()> {
    let columns = [&["id"], INSERT_COLUMNS, &["submitter_digest"]].concat();
    let backend = crate::Backend::of(conn);
    for s in crate::bulk::insert_stmts(backend, "cases", &columns, rows, "") {
        crate::db::pending::write(&mut *conn, s.mapped(case_no_clash)).await?;
    }
    Ok(())
}

/// A clash on the case number (not on the id, whose cause lies elsewhere), in words.
fn case_no_clash(e: StoreError) -> StoreError {
    match e {
        StoreError::Db(sqlx::Error::Database(d))
            if d.constraint().unwrap_or_default().contains("case_no")
                || d.message().contains("case_no") =>
        {
            crate::org::unique_violation(
                sqlx::Error::Database(d),
                "case_no",
                "办件编号已被占用（编号序列与已有办件冲突），请重试",
            )
        }
        e => e,
    }
}

fn insert_kept_cases<'c>(
    conn: &'c mut AnyConnection,
    value: Box<dyn std::any::Any + Send>,
) -> crate::BoxFuture<'c, Result<()>> {
    Box::pin(async move {
        let rows = crate::db::pending::kept::<Vec<Vec<V>>>(value)?;
        insert_cases(conn, &rows).await
    })
}

/// Numbers and inserts a prepared case with its events and audit entry.
/// Returns the row and, for an instant case closed at once, its license number.
async fn insert_case(
    tx: &mut AnyConnection,
    c: &PreparedCase,
) -> Result<(CaseRow, Option<String>)> {
    // The id first: taking the point's number locks its row until the commit.
    let id = next_case_id(tx).await?;
    let seq = next_number(tx, c.row.point_id, time::day(c.today)).await?;
    let case_no = CaseNo::new(&c.point_code, c.today, seq as u32);
    let mut row = c.row.clone();
    row.case_no = case_no.to_string();
    if row.accepted_at.is_some() {
        row.acceptance_no = Some(acceptance_no(&case_no));
    }
    if row.status == CaseStatus::Closed {
        row.document_no = Some(document_no(case_no.as_str()));
    }
    let values = case_values(id, c, &row);
    // Nothing of an acceptance at a window or online refers to its row before the
    // transaction ends (its events, seal, counters and audit entry wait for the end),
    // so the row waits too and the batch's new cases are inserted together; a case
    // with more to it (a delivery, a mode, an agent, a draft's files, a form, 秒批, a
    // license) is inserted at once.
    let plain = row.delivery.is_none()
        && row.mode == Mode::Standard
        && c.agent.is_none()
        && c.assistant.is_none()
        && c.draft.is_none()
        && c.form.is_none()
        && c.auto.is_none()
        && row.status != CaseStatus::Closed;
    let merge = |kept: &mut Vec<Vec<V>>, more: Vec<Vec<V>>| kept.extend(more);
    let now = match plain {
        true => {
            crate::db::pending::defer_carrying(NEW_CASES, vec![values], merge, insert_kept_cases)
        }
        false => Some(vec![values]),
    };
    if let Some(rows) = now {
        insert_cases(tx, &rows).await?;
    }
    row.id = id;
    if let Some(d) = &row.delivery {
        write_delivery(&mut *tx, id, row.deliver_by.as_deref(), d).await?;
    }
    if row.mode != Mode::Standard || c.agent.is_some() || c.assistant.is_some() {
        let agent = c.agent.clone().map(|a| a.map(Some)).unwrap_or_default();
        sqlx::query(
            "UPDATE cases SET mode = $1, deferred = $2, agent_name = $3, agent_id_enc = $4, agent_id_masked = $5, \
             agent_phone_enc = $6, agent_phone_masked = $7, assistant = $8, verify_by = $9, deliver_by = $10 \
             WHERE id = $11",
        )
        .bind(row.mode.as_str())
        .bind(
            (!row.deferred.is_empty())
                .then(|| serde_json::to_string(&row.deferred).unwrap_or_default()),
        )
        .bind(&agent[0])
        .bind(&agent[1])
        .bind(&agent[2])
        .bind(&agent[3])
        .bind(&agent[4])
        .bind(&c.assistant)
        .bind(&row.verify_by)
        .bind(&row.deliver_by)
        .bind(id)
        .execute(&mut *tx)
        .await?;
    }
    crate::stats::track_new_case(&mut *tx, id).await?;
    if let Some((draft, owner)) = &c.draft {
        crate::files::attach(&mut *tx, draft, owner, id, &c.materials_list).await?;
    }
    if let Some((b, masked)) = &c.binding {
        crate::applicants::bind(&mut *tx, &c.keys, b, "window", &c.audit_actor, masked).await?;
    }
    record_extras(&mut *tx, c, id, row.point_id, case_no.as_str()).await?;
    crate::seal::seal_case(&mut *tx, &c.keys, id).await?;
    audit::append(
        tx,
        &c.keys,
        &c.audit_actor,
        "case.create",
        "case",
        case_no.as_str(),
        match &c.auto {
            None => serde_json::json!({ "item": c.item_code, "channel": c.channel.as_str(), "point": c.point_code, "status": row.status.as_str() }),
            // 秒批: the rule set's version and each rule's result, in the chain.
            Some(a) => serde_json::json!({ "item": c.item_code, "channel": c.channel.as_str(), "point": c.point_code,
                "status": row.status.as_str(), "auto_approval": { "item_version": a.version, "passed": a.passed, "rules": a.results } }),
        },
    )
    .await?;
    let license_no = if row.status == CaseStatus::Closed {
        crate::licenses::issue_in(tx, &c.keys, id, &c.audit_actor)
            .await?
            .map(|l| l.license_no)
    } else {
        None
    };
    super::stored::renew_created(&mut *tx, id).await?;
    Ok((row, license_no))
}

fn check_materials(
    content: &ItemContent,
    given: Option<&[String]>,
    deferred: &[String],
    complete: bool,
) -> Result<Vec<String>> {
    // 容缺受理: only the materials the item marks 可容缺, none handed in as well.
    for d in deferred {
        match content.materials.iter().find(|m| m.name == *d) {
            None => {
                return Err(StoreError::invalid(
                    "deferred",
                    format!("“{d}”不是该事项的申报材料"),
                ));
            }
            Some(m) if !m.deferrable => {
                return Err(StoreError::invalid(
                    "deferred",
                    format!("“{d}”是核心材料，不能容缺受理"),
                ));
            }
            Some(_) => {}
        }
        if given.is_some_and(|g| g.contains(d)) {
            return Err(StoreError::invalid(
                "deferred",
                format!("“{d}”已提交，无需容缺"),
            ));
        }
    }
    let Some(given) = given else {
        // Not itemised: the clerk vouches for the required set.
        return Ok(content
            .materials
            .iter()
            .filter(|m| m.required && !deferred.contains(&m.name))
            .map(|m| m.name.clone())
            .collect());
    };
    if given.len() > 200 {
        return Err(StoreError::invalid("materials", "材料清单过长"));
    }
    for g in given {
        if !content.materials.iter().any(|m| m.name == *g) {
            return Err(StoreError::invalid(
                "materials",
                format!("“{g}”不是该事项的申报材料"),
            ));
        }
    }
    if complete {
        let missing: Vec<&str> = content
            .materials
            .iter()
            .filter(|m| m.required && !given.contains(&m.name) && !deferred.contains(&m.name))
            .map(|m| m.name.as_str())
            .collect();
        if !missing.is_empty() {
            return Err(StoreError::invalid(
                "materials",
                format!(
                    "缺少必要材料：{}。材料不齐全的，请先登记申请（accept 为 false）再出具补正材料通知书",
                    missing.join("、")
                ),
            ));
        }
    }
    Ok(given.to_vec())
}
