//! A bundle application: taken once at the comprehensive window, through the API or
//! on the portal — one applicant, one joined form, each material once — and opened
//! as one ordinary case per item in one transaction, each case its department's own
//! with its own clock. The applicant follows one number; the bundle is done when
//! every case has ended, and a refusal in one shows with its reason.

use super::*;
use crate::cases::{Creator, Group, MemberCase};
use tongban_domain::bundle::BundleApplicationInput;
use tongban_domain::case::{Application, Channel};
use tongban_domain::stage::StageState;

/// A bundle application with its cases, as staff and the applicant see it.
#[derive(Debug, Clone, Serialize)]
pub struct BundleApplicationView {
    pub application_no: String,
    pub bundle_code: String,
    pub bundle_version: i64,
    pub name: String,
    pub channel: String,
    pub channel_label: &'static str,
    pub applicant_name: String,
    pub submitted_at: String,
    pub submitted_on: String,
    pub created_by: String,
    pub state: StageState,
    pub state_label: &'static str,
    /// The day the last case ended, once all have.
    pub ended_on: Option<String>,
    /// The materials handed in once, and how many they would have been item by item.
    pub materials: Vec<String>,
    pub materials_separate: i64,
    pub cases: Vec<MemberCase>,
}

impl BundleApplicationView {
    /// The cases that ended without approval, with their reasons, for the applicant.
    pub fn refusals(&self) -> Vec<&MemberCase> {
        self.cases.iter().filter(|c| c.unapproved()).collect()
    }
}

const APP_COLUMNS: &str = "a.id, a.application_no, a.bundle_code, a.bundle_version, a.name, a.channel, a.applicant_name, \
     a.submitted_at, a.submitted_on, a.created_by, a.materials, a.materials_separate";

async fn view_of(rd: &mut AnyConnection, r: &sqlx::any::AnyRow) -> Result<BundleApplicationView> {
    let id: i64 = r.try_get("id")?;
    let cases = crate::cases::members(&mut *rd, Group::Bundle, id).await?;
    let state = StageState::of(
        &cases
            .iter()
            .map(|c| (c.ended(), c.approved()))
            .collect::<Vec<_>>(),
    );
    let ended_on = (state != StageState::InProgress)
        .then(|| cases.iter().filter_map(|c| c.ended_on.clone()).max())
        .flatten();
    let channel: String = r.try_get("channel")?;
    let materials: Vec<String> = serde_json::from_str(&r.try_get::<String, _>("materials")?)
        .map_err(|e| StoreError::Other(e.into()))?;
    Ok(BundleApplicationView {
        application_no: r.try_get("application_no")?,
        bundle_code: r.try_get("bundle_code")?,
        bundle_version: r.try_get("bundle_version")?,
        name: r.try_get("name")?,
        channel_label: Channel::parse(&channel)
            .map(|c| c.label())
            .unwrap_or("未知"),
        channel,
        applicant_name: r.try_get("applicant_name")?,
        submitted_at: time::display(&r.try_get::<String, _>("submitted_at")?),
        submitted_on: r.try_get("submitted_on")?,
        created_by: r.try_get("created_by")?,
        state,
        state_label: match state {
            StageState::InProgress => "办理中",
            StageState::Passed => "已办结",
            StageState::EndedUnapproved => "已办结（部分事项未获准予）",
        },
        ended_on,
        materials,
        materials_separate: r.try_get("materials_separate")?,
        cases,
    })
}

/// What the link writes beside the cases, in their transaction.
struct NewApplication {
    bundle: BundleView,
    channel: Channel,
    applicant_name: String,
    created_by: String,
    materials: Vec<String>,
    separate: i64,
    actor: Actor,
    keys: crate::Keys,
    at: chrono::DateTime<chrono::Utc>,
    /// Files handed in at a window, kept once; each case's item's materials.
    kept: Vec<crate::files::Kept>,
    case_materials: Vec<Vec<String>>,
    /// The establishment and the index of its item's case.
    establishment: Option<(usize, crate::registration::EstablishPart)>,
}

async fn link(
    tx: &mut AnyConnection,
    a: &NewApplication,
    cases: &[(i64, String)],
) -> Result<String> {
    let today = time::local_day(a.at);
    let n = crate::org::next_counter(&mut *tx, &format!("bundle:{}", today.format("%Y"))).await?;
    let no = format!("YJ{}-{n:06}", today.format("%Y"));
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO bundle_applications (application_no, bundle_code, bundle_version, name, channel, applicant_name, \
         submitted_at, submitted_on, created_by, materials, materials_separate) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id",
    )
    .bind(&no)
    .bind(&a.bundle.code)
    .bind(a.bundle.version)
    .bind(&a.bundle.name)
    .bind(a.channel.as_str())
    .bind(&a.applicant_name)
    .bind(time::stamp(a.at))
    .bind(time::day(today))
    .bind(&a.created_by)
    .bind(serde_json::to_string(&a.materials).map_err(|e| StoreError::Other(e.into()))?)
    .bind(a.separate)
    .fetch_one(&mut *tx)
    .await?;
    crate::cases::join(
        &mut *tx,
        Group::Bundle,
        id,
        &no,
        cases,
        &a.case_materials,
        &a.kept,
    )
    .await?;
    if let Some((at, part)) = &a.establishment
        && let Some((case_id, case_no)) = cases.get(*at)
    {
        crate::registration::file_part(&mut *tx, part, *case_id, case_no).await?;
    }
    audit::append(
        tx,
        &a.keys,
        &a.actor,
        "bundle.apply",
        "bundle_application",
        &no,
        json!({ "bundle": a.bundle.code, "version": a.bundle.version,
                "cases": cases.iter().map(|c| &c.1).collect::<Vec<_>>() }),
    )
    .await?;
    Ok(no)
}

/// Files a bundle application for a clerk at a window (or through the API) or for
/// the signed-in applicant online, as of now.
pub async fn apply(
    store: &Store,
    creator: Creator<'_>,
    code: &str,
    input: &BundleApplicationInput,
    files: &[(String, String, Vec<u8>)],
) -> Result<BundleApplicationView> {
    apply_at(store, creator, code, input, files, time::now()).await
}

/// [`apply`] as of `at`: now, or the day an imported history (the demo's) says,
/// under the bundle and the catalog in force that day.
pub async fn apply_at(
    store: &Store,
    creator: Creator<'_>,
    code: &str,
    input: &BundleApplicationInput,
    files: &[(String, String, Vec<u8>)],
    at: chrono::DateTime<chrono::Utc>,
) -> Result<BundleApplicationView> {
    let today = time::local_day(at);
    let mut input = input.clone();
    let (actor, created_by) = match creator {
        Creator::Staff(p) => {
            if !p.role.accepts_applications() {
                return Err(StoreError::Forbidden(format!(
                    "{}不能受理申请",
                    p.role.label()
                )));
            }
            (p.actor(), p.actor().name)
        }
        Creator::Applicant(a) => {
            input.channel = Some("online".into());
            (a.actor(), format!("申请人 {}（网上）", a.name))
        }
    };
    let mut rd = store.reader().await?;
    let guide = guide_in(&mut rd, code, today).await?;
    drop(rd);
    // The joined form, checked once (each fault named once, not per item).
    tongban_domain::auto_approval::check_form(&guide.fields, &input.form, today)
        .map_err(StoreError::from)?;
    // A material whose file came is handed in.
    if let Some(given) = input.materials.as_mut() {
        for (m, ..) in files {
            if !given.contains(m) {
                given.push(m.clone());
            }
        }
    }
    if let Creator::Staff(_) = creator {
        // What the bundle supplies itself counts as handed in for the check.
        let given = input.materials.as_ref().map(|g| {
            let mut all = g.clone();
            all.extend(guide.supplied.iter().map(|(_, m)| m.clone()));
            all
        });
        crate::cases::check_joint_materials(&guide.items, given.as_deref(), files, "本一件事事项")?;
    }
    let establishment = establishment_of(store, &actor, &guide, &input, today).await?;
    // The legal representative applies for a business being opened.
    let applicant = match &establishment {
        Some((_, part)) => Some(part.applicant.clone()),
        None => input.applicant.clone(),
    };
    let note = match input
        .note
        .as_deref()
        .map(str::trim)
        .filter(|n| !n.is_empty())
    {
        Some(n) => format!("一件事一次办“{}”；{n}", guide.bundle.name),
        None => format!("一件事一次办“{}”", guide.bundle.name),
    };
    let mut apps: Vec<Application> = Vec::with_capacity(guide.items.len());
    for (i, item) in guide.items.iter().enumerate() {
        let c = item.content()?;
        let own_note = match &establishment {
            Some((at, part)) if *at == i => format!("{note}；{}", part.note),
            _ => note.clone(),
        };
        let ai = input.for_item(
            &item.code,
            &c.fields,
            &c.materials,
            applicant.clone(),
            own_note,
        );
        // The applicant's faults are the same for every item: named once.
        let mut app = Application::parse(&ai, creator.filer(), today).map_err(StoreError::from)?;
        app.provided = guide
            .supplied
            .iter()
            .filter(|(code, _)| *code == item.code)
            .map(|(_, m)| m.clone())
            .collect();
        apps.push(app);
    }
    let applicant_name = apps
        .first()
        .map(|a| a.applicant.name().to_string())
        .unwrap_or_default();
    let (handed, separate, case_materials) =
        handed_in(store, creator, &guide, &apps, &input).await?;
    let mut kept = Vec::with_capacity(files.len());
    for (m, name, bytes) in files {
        kept.push(crate::files::keep(store.files(), m, name, bytes).await?);
    }
    let row = Arc::new(NewApplication {
        bundle: guide.bundle.clone(),
        channel: apps.first().map(|a| a.channel).unwrap_or(Channel::Window),
        applicant_name,
        created_by,
        materials: handed,
        separate,
        actor,
        keys: store.keys().clone(),
        at,
        kept,
        case_materials,
        establishment,
    });
    let (_, no) = crate::cases::create_batch_as(store, creator, &apps, at, move |tx, cases| {
        let row = row.clone();
        Box::pin(async move { link(tx, &row, &cases).await })
    })
    .await?;
    let mut rd = store.reader().await?;
    by_no(&mut rd, &no)
        .await?
        .ok_or_else(|| StoreError::not_found("一件事申请不存在"))
}

async fn by_no(rd: &mut AnyConnection, no: &str) -> Result<Option<BundleApplicationView>> {
    let sql =
        format!("SELECT {APP_COLUMNS} FROM bundle_applications a WHERE a.application_no = $1");
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(no)
        .fetch_optional(&mut *rd)
        .await?;
    match row {
        Some(r) => Ok(Some(view_of(rd, &r).await?)),
        None => Ok(None),
    }
}

/// The condition limiting bundle applications (aliased `a`) to those with a case
/// the principal may see.
fn scoped(p: &Principal, sql: &mut crate::Sql) -> Result<()> {
    sql.push(
        " AND EXISTS (SELECT 1 FROM bundle_cases s JOIN cases c ON c.id = s.case_id \
         WHERE s.application_id = a.id",
    );
    crate::cases::scope_cases(p, sql)?;
    sql.push(")");
    Ok(())
}

/// A bundle application for staff who may see one of its cases (the comprehensive
/// window and supervisors see every one; a department, those it works a case of).
pub async fn application(store: &Store, p: &Principal, no: &str) -> Result<BundleApplicationView> {
    let mut rd = store.reader().await?;
    let mut sql = crate::Sql::new(&format!(
        "SELECT {APP_COLUMNS} FROM bundle_applications a WHERE a.application_no = "
    ));
    sql.bind_s(no.trim().to_string());
    scoped(p, &mut sql)?;
    let row = sql
        .query()
        .fetch_optional(&mut *rd)
        .await?
        .ok_or_else(|| StoreError::not_found(format!("一件事申请“{}”不存在", no.trim())))?;
    view_of(&mut rd, &row).await
}

/// The newest bundle applications staff may see, 20 at a time, before the id of a
/// `cursor` (keyset), with the next page's cursor.
pub async fn applications(
    store: &Store,
    p: &Principal,
    cursor: Option<i64>,
) -> Result<(Vec<BundleApplicationView>, Option<i64>)> {
    let mut rd = store.reader().await?;
    let mut sql = crate::Sql::new(&format!(
        "SELECT {APP_COLUMNS} FROM bundle_applications a WHERE 1 = 1"
    ));
    if let Some(c) = cursor {
        sql.push(" AND a.id < ").bind_i(c);
    }
    scoped(p, &mut sql)?;
    sql.push(" ORDER BY a.id DESC LIMIT 21");
    let rows = sql.query().fetch_all(&mut *rd).await?;
    let mut out = vec![];
    let mut next = None;
    for (i, r) in rows.iter().enumerate() {
        if i == 20 {
            next = Some(rows[19].try_get::<i64, _>("id")?);
            break;
        }
        out.push(view_of(&mut rd, r).await?);
    }
    Ok((out, next))
}

/// The condition limiting bundle applications to the applicant's own (a case of it
/// filed by them or in their name).
fn own(a: &crate::applicants::ApplicantSession, sql: &mut crate::Sql) {
    sql.push(
        " AND EXISTS (SELECT 1 FROM bundle_cases s JOIN cases c ON c.id = s.case_id \
         WHERE s.application_id = a.id AND (c.submitter_digest = ",
    )
    .bind_s(a.id_digest.clone())
    .push(" OR c.id_number_digest = ")
    .bind_s(a.id_digest.clone())
    .push("))");
}

/// 我的一件事: the applicant's bundle applications, newest first.
pub async fn mine(
    store: &Store,
    a: &crate::applicants::ApplicantSession,
) -> Result<Vec<BundleApplicationView>> {
    let mut rd = store.reader().await?;
    let mut sql = crate::Sql::new(&format!(
        "SELECT {APP_COLUMNS} FROM bundle_applications a WHERE 1 = 1"
    ));
    own(a, &mut sql);
    sql.push(" ORDER BY a.id DESC LIMIT 50");
    let rows = sql.query().fetch_all(&mut *rd).await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in &rows {
        out.push(view_of(&mut rd, r).await?);
    }
    Ok(out)
}

/// One of the applicant's own bundle applications.
pub async fn own_application(
    store: &Store,
    a: &crate::applicants::ApplicantSession,
    no: &str,
) -> Result<BundleApplicationView> {
    let mut rd = store.reader().await?;
    let mut sql = crate::Sql::new(&format!(
        "SELECT {APP_COLUMNS} FROM bundle_applications a WHERE a.application_no = "
    ));
    sql.bind_s(no.trim().to_string());
    own(a, &mut sql);
    let row = sql
        .query()
        .fetch_optional(&mut *rd)
        .await?
        .ok_or_else(|| StoreError::not_found(format!("未找到您的一件事申请“{}”", no.trim())))?;
    view_of(&mut rd, &row).await
}

/// The bundle application a case belongs to: `(number, bundle name)`.
pub async fn of_case(rd: &mut AnyConnection, case_no: &str) -> Result<Option<(String, String)>> {
    let row = sqlx::query(
        "SELECT a.application_no, a.name FROM bundle_applications a JOIN bundle_cases s ON s.application_id = a.id \
         JOIN cases c ON c.id = s.case_id WHERE c.case_no = $1",
    )
    .bind(case_no)
    .fetch_optional(&mut *rd)
    .await?;
    row.map(|r| Ok((r.try_get(0)?, r.try_get(1)?))).transpose()
}

/// The establishment a bundle application files beside its cases, and the index of
/// its item's case: required when the bundle holds the establishment item, refused
/// when it does not.
async fn establishment_of(
    store: &Store,
    actor: &Actor,
    guide: &BundleGuide,
    input: &BundleApplicationInput,
    today: NaiveDate,
) -> Result<Option<(usize, crate::registration::EstablishPart)>> {
    Ok(
        match (registration_item(&guide.items)?, &input.registration) {
            (Some(item), Some(reg)) => {
                let at = guide
                    .items
                    .iter()
                    .position(|i| i.code == item.code)
                    .unwrap_or(0);
                Some((
                    at,
                    crate::registration::establish_part(store, actor, reg, today).await?,
                ))
            }
            (Some(item), None) => {
                return Err(StoreError::invalid(
                    "registration",
                    format!(
                        "“{}”须填写设立登记信息（企业名称、类型、住所、法定代表人、注册资本、经营范围、出资人）",
                        item.name
                    ),
                ));
            }
            (None, Some(_)) => {
                return Err(StoreError::invalid(
                    "registration",
                    format!("“{}”不含设立登记事项", guide.bundle.name),
                ));
            }
            (None, None) => None,
        },
    )
}

/// The materials handed in once, how many the items would have asked one by one,
/// and each case's item's materials; online, the draft's files, every required one
/// present.
async fn handed_in(
    store: &Store,
    creator: Creator<'_>,
    guide: &BundleGuide,
    apps: &[Application],
    input: &BundleApplicationInput,
) -> Result<(Vec<String>, i64, Vec<Vec<String>>)> {
    let mut handed: Vec<String> = vec![];
    let mut separate = 0i64;
    let mut case_materials = Vec::with_capacity(apps.len());
    for (app, item) in apps.iter().zip(&guide.items) {
        let asked: Vec<String> = item
            .content()?
            .materials
            .iter()
            .map(|m| m.name.clone())
            .collect();
        let mine: Vec<String> = match &app.materials {
            Some(m) => m.clone(),
            None => asked.clone(),
        };
        separate += mine.len() as i64;
        for m in &mine {
            if !handed.contains(m) {
                handed.push(m.clone());
            }
        }
        case_materials.push(asked);
    }
    if let Creator::Applicant(a) = creator {
        // Online the materials are the draft's files.
        let draft = input.draft.as_deref().unwrap_or("");
        let up = crate::files::draft_files(store, draft, &a.id_digest).await?;
        handed = guide
            .materials
            .iter()
            .filter(|m| up.iter().any(|u| u.material == m.name))
            .map(|m| m.name.clone())
            .collect();
        let missing: Vec<String> = guide
            .materials
            .iter()
            .filter(|m| m.required && !handed.contains(&m.name))
            .map(|m| m.name.clone())
            .collect();
        if !missing.is_empty() {
            return Err(StoreError::invalid(
                "materials",
                format!("请上传必需材料：{}", missing.join("、")),
            ));
        }
        separate = case_materials
            .iter()
            .map(|asked| asked.iter().filter(|m| handed.contains(m)).count() as i64)
            .sum();
    }
    Ok((handed, separate, case_materials))
}

/// A bundle application as exported: its number, bundle, channel, day, where it
/// stands and its cases.
#[derive(Debug, Clone, Serialize)]
pub struct BundleExportRow {
    pub application_no: String,
    pub bundle_code: String,
    pub bundle_version: i64,
    pub name: String,
    pub channel: String,
    pub submitted_on: String,
    pub state: StageState,
    pub ended_on: Option<String>,
    pub materials: i64,
    pub materials_separate: i64,
    /// The cases' numbers, `|`-separated, by department.
    pub cases: String,
    /// How many ended without approval.
    pub unapproved: i64,
}

/// Every bundle application in order, `batch` at a time, to `sink`.
pub async fn export(
    store: &Store,
    mut sink: impl FnMut(BundleExportRow) -> anyhow::Result<()>,
) -> Result<u64> {
    let mut rd = store.reader().await?;
    let mut last = 0i64;
    let mut n = 0;
    loop {
        let sql = format!(
            "SELECT {APP_COLUMNS} FROM bundle_applications a WHERE a.id > $1 ORDER BY a.id LIMIT 500"
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(last)
            .fetch_all(&mut *rd)
            .await?;
        if rows.is_empty() {
            break;
        }
        for r in &rows {
            last = r.try_get("id")?;
            let v = view_of(&mut rd, r).await?;
            sink(BundleExportRow {
                application_no: v.application_no,
                bundle_code: v.bundle_code,
                bundle_version: v.bundle_version,
                name: v.name,
                channel: v.channel,
                submitted_on: v.submitted_on,
                state: v.state,
                ended_on: v.ended_on,
                materials: v.materials.len() as i64,
                materials_separate: v.materials_separate,
                unapproved: v.cases.iter().filter(|c| c.unapproved()).count() as i64,
                cases: v
                    .cases
                    .iter()
                    .map(|c| c.case_no.as_str())
                    .collect::<Vec<_>>()
                    .join("|"),
            })?;
            n += 1;
        }
    }
    Ok(n)
}
