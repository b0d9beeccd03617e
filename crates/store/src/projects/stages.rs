//! 并联审批 by stage: the stage definitions administrators keep (which catalog items,
//! which limit, per kind of project, in versions that take effect on a day), and the
//! stage application the comprehensive window accepts once — one form, one set of
//! materials — opening one ordinary case per item on the case engine, each with its
//! department and its own clock. A stage is what its cases add up to.

use super::may_read;
use crate::audit;
use crate::org::Principal;
use crate::{Result, Store, StoreError, calendar, time};
use chrono::NaiveDate;
use serde::Serialize;
use serde_json::json;
use sqlx::{AnyConnection, Row};
use std::collections::HashMap;
use std::sync::Arc;
use tongban_domain::Calendar;
use tongban_domain::case::{Application, Channel, Mode};
use tongban_domain::org::Role;
use tongban_domain::project::{Category, Funding, ProjectCode, Stage};
use tongban_domain::stage::{StageApplicationInput, StageRuleInput, StageState};

/// A stage definition as shown.
#[derive(Debug, Clone, Serialize)]
pub struct StageRuleView {
    pub funding: Funding,
    pub funding_label: &'static str,
    pub category: Category,
    pub category_label: &'static str,
    pub stage: Stage,
    pub stage_label: &'static str,
    pub version: i64,
    pub effective_from: String,
    pub limit_days: i64,
    /// Item codes with their names (in force today; empty name for an unknown one).
    pub items: Vec<(String, String)>,
    pub created_at: String,
    pub created_by: String,
    #[serde(skip)]
    id: i64,
}

const RULE_COLUMNS: &str = "r.id, r.funding, r.category, r.stage, r.version, r.effective_from, r.limit_days, r.items, \
     r.created_at, r.created_by";

fn rule_from(r: &sqlx::any::AnyRow) -> Result<StageRuleView> {
    let bad = |what: &str| StoreError::Other(anyhow::anyhow!("stage rule: bad {what}"));
    let funding =
        Funding::parse(&r.try_get::<String, _>("funding")?).ok_or_else(|| bad("funding"))?;
    let category =
        Category::parse(&r.try_get::<String, _>("category")?).ok_or_else(|| bad("category"))?;
    let stage = Stage::parse(&r.try_get::<String, _>("stage")?).ok_or_else(|| bad("stage"))?;
    let items: Vec<String> = serde_json::from_str(&r.try_get::<String, _>("items")?)
        .map_err(|e| StoreError::Other(e.into()))?;
    Ok(StageRuleView {
        id: r.try_get("id")?,
        funding,
        funding_label: funding.label(),
        category,
        category_label: category.label(),
        stage,
        stage_label: stage.label(),
        version: r.try_get("version")?,
        effective_from: r.try_get("effective_from")?,
        limit_days: r.try_get("limit_days")?,
        items: items.into_iter().map(|c| (c, String::new())).collect(),
        created_at: time::display(&r.try_get::<String, _>("created_at")?),
        created_by: r.try_get("created_by")?,
    })
}

/// The names of the rules' items, as in force today.
async fn name_items(rd: &mut AnyConnection, rules: &mut [StageRuleView]) -> Result<()> {
    let pairs: Vec<&mut (String, String)> =
        rules.iter_mut().flat_map(|x| x.items.iter_mut()).collect();
    crate::catalog::name_codes(rd, pairs).await
}

/// The rule of a kind of project and stage in force on `day`.
async fn rule_on(
    rd: &mut AnyConnection,
    funding: Funding,
    category: Category,
    stage: Stage,
    day: NaiveDate,
) -> Result<Option<StageRuleView>> {
    let sql = format!(
        "SELECT {RULE_COLUMNS} FROM stage_rules r WHERE r.funding = $1 AND r.category = $2 AND r.stage = $3 \
         AND r.effective_from <= $4 ORDER BY r.effective_from DESC, r.version DESC LIMIT 1"
    );
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(funding.as_str())
        .bind(category.as_str())
        .bind(stage.as_str())
        .bind(time::day(day))
        .fetch_optional(&mut *rd)
        .await?;
    row.as_ref().map(rule_from).transpose()
}

/// Every stage definition: those in force today first (by kind and stage), then
/// every version ever kept (newest first), for the administrators' page and the API.
pub async fn rules(store: &Store) -> Result<(Vec<StageRuleView>, Vec<StageRuleView>)> {
    let mut rd = store.reader().await?;
    let today = time::local_day(time::now());
    let mut in_force = vec![];
    for f in Funding::ALL {
        for c in Category::ALL {
            for s in Stage::ALL {
                if let Some(r) = rule_on(&mut rd, *f, *c, *s, today).await? {
                    in_force.push(r);
                }
            }
        }
    }
    let sql = format!("SELECT {RULE_COLUMNS} FROM stage_rules r ORDER BY r.id DESC LIMIT 200");
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .fetch_all(&mut *rd)
        .await?;
    let mut history = rows.iter().map(rule_from).collect::<Result<Vec<_>>>()?;
    name_items(&mut rd, &mut in_force).await?;
    name_items(&mut rd, &mut history).await?;
    Ok((in_force, history))
}

/// An administrator keeps a new version of a stage definition: every item must be
/// in the catalog on the day it takes effect; audited.
pub async fn define(store: &Store, p: &Principal, input: &StageRuleInput) -> Result<StageRuleView> {
    if p.role != Role::Admin {
        return Err(StoreError::Forbidden(
            "并联审批阶段定义由系统管理员维护".into(),
        ));
    }
    let rule = input
        .check(time::local_day(time::now()))
        .map_err(StoreError::from)?;
    {
        let mut rd = store.reader().await?;
        let mut unknown = vec![];
        for code in &rule.items {
            match crate::catalog::item_in_force(&mut rd, code, rule.effective_from).await? {
                Some(i) if i.content()?.open_for_applications() => {}
                _ => unknown.push(code.as_str()),
            }
        }
        if !unknown.is_empty() {
            return Err(StoreError::invalid(
                "items",
                format!(
                    "以下事项在{}不存在或不可申请：{}",
                    rule.effective_from,
                    unknown.join("、")
                ),
            ));
        }
    }
    insert_rule(store, &p.actor(), rule).await
}

/// Keeps a checked stage definition as its kind's next version, audited.
pub async fn insert_rule(
    store: &Store,
    actor: &crate::audit::Actor,
    rule: tongban_domain::stage::StageRule,
) -> Result<StageRuleView> {
    let job = Arc::new((rule, actor.clone(), store.keys().clone()));
    let id = store
        .write(move |tx| {
            let job = job.clone();
            Box::pin(async move {
                let (rule, actor, keys) = &*job;
                let version: i64 = sqlx::query_scalar(
                    "SELECT COALESCE(MAX(version), 0) + 1 FROM stage_rules WHERE funding = $1 AND category = $2 AND stage = $3",
                )
                .bind(rule.funding.as_str())
                .bind(rule.category.as_str())
                .bind(rule.stage.as_str())
                .fetch_one(&mut *tx)
                .await?;
                let id: i64 = sqlx::query_scalar(
                    "INSERT INTO stage_rules (funding, category, stage, version, effective_from, limit_days, items, \
                     created_at, created_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
                )
                .bind(rule.funding.as_str())
                .bind(rule.category.as_str())
                .bind(rule.stage.as_str())
                .bind(version)
                .bind(time::day(rule.effective_from))
                .bind(i64::from(rule.limit_days))
                .bind(serde_json::to_string(&rule.items).map_err(|e| StoreError::Other(e.into()))?)
                .bind(time::stamp(time::now()))
                .bind(&actor.name)
                .fetch_one(&mut *tx)
                .await
                .map_err(|e| {
                    crate::org::unique_violation(e, "stage", "该阶段定义正被同时修改，请重试")
                })?;
                audit::append(
                    tx,
                    keys,
                    actor,
                    "stage_rule.create",
                    "stage_rule",
                    &format!("{}.{}.{}.v{version}", rule.funding.as_str(), rule.category.as_str(), rule.stage.as_str()),
                    json!({ "items": rule.items, "limit_days": rule.limit_days, "effective_from": time::day(rule.effective_from) }),
                )
                .await?;
                Ok(id)
            })
        })
        .await?;
    let mut rd = store.reader().await?;
    let sql = format!("SELECT {RULE_COLUMNS} FROM stage_rules r WHERE r.id = $1");
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(id)
        .fetch_one(&mut *rd)
        .await?;
    let mut v = vec![rule_from(&row)?];
    name_items(&mut rd, &mut v).await?;
    Ok(v.remove(0))
}

/// One department's case within a stage, as the project page and the owner see it.
pub use crate::cases::MemberCase as StageCaseView;

/// A stage application with its cases.
#[derive(Debug, Clone, Serialize)]
pub struct StageView {
    pub application_no: String,
    pub stage: Stage,
    pub stage_label: &'static str,
    pub state: StageState,
    pub state_label: &'static str,
    pub accepted_at: String,
    pub accepted_on: String,
    pub accepted_by: String,
    /// The stage's limit and the day it falls on.
    pub limit_days: i64,
    pub deadline: String,
    /// Working days from acceptance to the end of the stage (or to today).
    pub working_days_used: i64,
    pub ended_on: Option<String>,
    /// The materials handed in once, and how many they would have been item by item.
    pub materials: Vec<String>,
    pub materials_separate: i64,
    /// The items' statutory limits added up (serial approval), in working days.
    pub statutory_days: i64,
    /// The items' fees by the catalog, in fen.
    pub fees_fen: i64,
    pub intermediaries: Vec<String>,
    pub cases: Vec<StageCaseView>,
}

const APP_COLUMNS: &str = "a.id, a.application_no, a.stage, a.limit_days, a.accepted_at, a.accepted_on, a.deadline, \
     a.accepted_by, a.materials, a.materials_separate, a.statutory_days, a.fees_fen, a.intermediaries";

/// A project's stage applications, in order, each with its cases and where it stands.
pub(crate) async fn of_project(
    rd: &mut AnyConnection,
    project_id: i64,
    cal: &Calendar,
) -> Result<Vec<StageView>> {
    let sql = format!(
        "SELECT {APP_COLUMNS} FROM stage_applications a WHERE a.project_id = $1 ORDER BY a.id"
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(project_id)
        .fetch_all(&mut *rd)
        .await?;
    let today = time::local_day(time::now());
    let mut out = Vec::with_capacity(rows.len());
    for r in &rows {
        let id: i64 = r.try_get("id")?;
        let cases = crate::cases::members(&mut *rd, crate::cases::Group::Stage, id).await?;
        let state = StageState::of(
            &cases
                .iter()
                .map(|c| (c.ended(), c.approved()))
                .collect::<Vec<_>>(),
        );
        let ended_on = (state != StageState::InProgress)
            .then(|| cases.iter().filter_map(|c| c.ended_on.clone()).max())
            .flatten();
        let accepted_on: String = r.try_get("accepted_on")?;
        let from = time::parse_day(&accepted_on).unwrap_or(today);
        let to = ended_on
            .as_deref()
            .and_then(time::parse_day)
            .unwrap_or(today);
        let stage = Stage::parse(&r.try_get::<String, _>("stage")?)
            .ok_or_else(|| StoreError::Other(anyhow::anyhow!("stage application: bad stage")))?;
        let list = |col: &str| -> Result<Vec<String>> {
            serde_json::from_str(&r.try_get::<String, _>(col)?)
                .map_err(|e| StoreError::Other(e.into()))
        };
        out.push(StageView {
            application_no: r.try_get("application_no")?,
            stage,
            stage_label: stage.label(),
            state,
            state_label: state.label(),
            accepted_at: time::display(&r.try_get::<String, _>("accepted_at")?),
            accepted_by: r.try_get("accepted_by")?,
            limit_days: r.try_get("limit_days")?,
            deadline: r.try_get("deadline")?,
            working_days_used: i64::from(cal.working_days_or_estimate(from, to)),
            ended_on,
            materials: list("materials")?,
            materials_separate: r.try_get("materials_separate")?,
            statutory_days: r.try_get("statutory_days")?,
            fees_fen: r.try_get("fees_fen")?,
            intermediaries: list("intermediaries")?,
            cases,
            accepted_on,
        });
    }
    Ok(out)
}

/// Where each stage of a project stands, by its latest application.
async fn states(rd: &mut AnyConnection, project_id: i64) -> Result<HashMap<Stage, StageState>> {
    let rows = sqlx::query(
        "SELECT a.stage, c.status, c.result FROM stage_applications a JOIN stage_cases s ON s.application_id = a.id \
         JOIN cases c ON c.id = s.case_id WHERE a.project_id = $1 AND a.id = (SELECT MAX(b.id) FROM stage_applications b \
         WHERE b.project_id = a.project_id AND b.stage = a.stage)",
    )
    .bind(project_id)
    .fetch_all(&mut *rd)
    .await?;
    let mut by_stage: HashMap<Stage, Vec<(bool, bool)>> = HashMap::new();
    for r in &rows {
        let Some(stage) = Stage::parse(&r.try_get::<String, _>(0)?) else {
            continue;
        };
        let status: String = r.try_get(1)?;
        let result: Option<String> = r.try_get(2)?;
        let ended = tongban_domain::case::CaseStatus::parse(&status).is_some_and(|s| s.is_final());
        let approved =
            status == "closed" && result.as_deref().is_some_and(|x| x.starts_with("准予许可"));
        by_stage.entry(stage).or_default().push((ended, approved));
    }
    Ok(by_stage
        .into_iter()
        .map(|(s, cases)| (s, StageState::of(&cases)))
        .collect())
}

/// Whether `stage` may be applied for now, given where the others stand.
fn may_open(stage: Stage, states: &HashMap<Stage, StageState>) -> Result<()> {
    if let Some(prev) = stage.previous()
        && states.get(&prev) != Some(&StageState::Passed)
    {
        return Err(StoreError::Conflict {
            field: "stage",
            message: format!(
                "须先完成“{}”阶段，才能申请“{}”阶段",
                prev.label(),
                stage.label()
            ),
        });
    }
    match states.get(&stage) {
        Some(StageState::InProgress) => Err(StoreError::Conflict {
            field: "stage",
            message: format!("“{}”阶段正在办理中", stage.label()),
        }),
        Some(StageState::Passed) => Err(StoreError::Conflict {
            field: "stage",
            message: format!("“{}”阶段已完成", stage.label()),
        }),
        _ => Ok(()),
    }
}

/// What the comprehensive window asks for a stage: the rule in force and each
/// material once, with the items that need it.
#[derive(Debug, Clone, Serialize)]
pub struct StageForm {
    pub stage: Stage,
    pub stage_label: &'static str,
    pub limit_days: i64,
    pub items: Vec<(String, String, String)>,
    /// Material name, required by any item, and the items needing it.
    pub materials: Vec<(String, bool, Vec<String>)>,
}

/// The project's kind and owner, by its code.
struct Project {
    id: i64,
    code: String,
    owner_name: String,
    owner_credit_code: String,
    funding: Funding,
    category: Category,
}

async fn project(rd: &mut AnyConnection, code: &str) -> Result<Project> {
    let code = ProjectCode::parse(code).map_err(StoreError::Invalid)?;
    let r = sqlx::query(
        "SELECT id, owner_name, owner_credit_code, funding, category FROM projects WHERE code = $1",
    )
    .bind(code.as_str())
    .fetch_optional(&mut *rd)
    .await?
    .ok_or_else(|| StoreError::not_found(format!("工程建设项目“{code}”不存在")))?;
    let bad = || StoreError::Other(anyhow::anyhow!("project {code}: bad kind"));
    Ok(Project {
        id: r.try_get(0)?,
        owner_name: r.try_get(1)?,
        owner_credit_code: r.try_get(2)?,
        funding: Funding::parse(&r.try_get::<String, _>(3)?).ok_or_else(bad)?,
        category: Category::parse(&r.try_get::<String, _>(4)?).ok_or_else(bad)?,
        code: code.as_str().to_string(),
    })
}

/// The items of a stage's rule in force today, each with its content.
async fn items_of(
    rd: &mut AnyConnection,
    pr: &Project,
    stage: Stage,
    today: NaiveDate,
) -> Result<(StageRuleView, Vec<crate::catalog::Item>)> {
    let rule = rule_on(rd, pr.funding, pr.category, stage, today)
        .await?
        .ok_or_else(|| {
            StoreError::invalid(
                "stage",
                format!(
                    "{}·{}的“{}”阶段尚未定义并联办理的事项，请联系系统管理员",
                    pr.funding.label(),
                    pr.category.label(),
                    stage.label()
                ),
            )
        })?;
    let mut items = vec![];
    for (code, _) in &rule.items {
        let item = crate::catalog::item_in_force(&mut *rd, code, today)
            .await?
            .filter(|i| i.content().is_ok_and(|c| c.open_for_applications()))
            .ok_or_else(|| {
                StoreError::invalid(
                    "stage",
                    format!("阶段定义中的事项“{code}”当前不可申请，请联系系统管理员"),
                )
            })?;
        items.push(item);
    }
    Ok((rule, items))
}

/// The form of a stage for the window.
pub async fn form(store: &Store, p: &Principal, code: &str, stage: Stage) -> Result<StageForm> {
    may_read(p)?;
    let mut rd = store.reader().await?;
    let pr = project(&mut rd, code).await?;
    let (rule, items) = items_of(&mut rd, &pr, stage, time::local_day(time::now())).await?;
    let mut materials: Vec<(String, bool, Vec<String>)> = vec![];
    for i in &items {
        for m in &i.content()?.materials {
            match materials.iter_mut().find(|x| x.0 == m.name) {
                Some(x) => {
                    x.1 |= m.required;
                    x.2.push(i.name.clone());
                }
                None => materials.push((m.name.clone(), m.required, vec![i.name.clone()])),
            }
        }
    }
    Ok(StageForm {
        stage,
        stage_label: stage.label(),
        limit_days: rule.limit_days,
        items: items
            .iter()
            .map(|i| (i.code.clone(), i.name.clone(), i.department.name.clone()))
            .collect(),
        materials,
    })
}

/// Accepts a stage application at the window: one case per item of the stage's rule,
/// opened together with the stage's row in one transaction.
pub async fn apply(
    store: &Store,
    p: &Principal,
    code: &str,
    input: &StageApplicationInput,
) -> Result<StageView> {
    apply_at(store, p, code, input, time::now()).await
}

/// Accepts a stage application with the materials' files, each uploaded once and
/// recorded on every case whose item asks for that material.
pub async fn apply_with_files(
    store: &Store,
    p: &Principal,
    code: &str,
    input: &StageApplicationInput,
    files: &[(String, String, Vec<u8>)],
) -> Result<StageView> {
    apply_core(store, p, code, input, files, time::now()).await
}

/// Accepts a stage application as of `at`: now, or the day an imported history
/// (the demo's) says, under the definitions and catalog in force that day.
pub async fn apply_at(
    store: &Store,
    p: &Principal,
    code: &str,
    input: &StageApplicationInput,
    at: chrono::DateTime<chrono::Utc>,
) -> Result<StageView> {
    apply_core(store, p, code, input, &[], at).await
}

async fn apply_core(
    store: &Store,
    p: &Principal,
    code: &str,
    input: &StageApplicationInput,
    files: &[(String, String, Vec<u8>)],
    at: chrono::DateTime<chrono::Utc>,
) -> Result<StageView> {
    let today = time::local_day(at);
    let mut rd = store.reader().await?;
    let pr = project(&mut rd, code).await?;
    let mut checked = input
        .check(&pr.owner_name, &pr.owner_credit_code, today)
        .map_err(StoreError::from)?;
    // A material whose file came is handed in.
    if let Some(given) = checked.materials.as_mut() {
        for (m, ..) in files {
            if !given.contains(m) {
                given.push(m.clone());
            }
        }
    }
    may_open(checked.stage, &states(&mut rd, pr.id).await?)?;
    let (rule, items) = items_of(&mut rd, &pr, checked.stage, today).await?;
    let cal = calendar::load(store, &mut rd).await?;
    drop(rd);
    crate::cases::check_joint_materials(&items, checked.materials.as_deref(), files, "本阶段事项")?;
    let mut apps = vec![];
    let mut handed: Vec<String> = vec![];
    let mut separate = 0i64;
    let mut statutory = 0i64;
    let mut fees = 0i64;
    for i in &items {
        let c = i.content()?;
        let mine: Vec<String> = c
            .materials
            .iter()
            .filter(|m| match &checked.materials {
                Some(given) => given.contains(&m.name),
                None => m.required,
            })
            .map(|m| m.name.clone())
            .collect();
        separate += mine.len() as i64;
        for m in &mine {
            if !handed.contains(m) {
                handed.push(m.clone());
            }
        }
        statutory += i64::from(c.statutory.in_working_days());
        fees += c.fees.iter().map(|f| f.amount_fen).sum::<i64>();
        apps.push(Application {
            item_code: i.code.clone(),
            channel: Channel::Window,
            point: None,
            applicant: checked.applicant.clone(),
            materials: checked.materials.as_ref().map(|_| mine),
            accept: true,
            draft: None,
            note: Some(match &checked.note {
                Some(n) => format!(
                    "工程建设项目{}“{}”阶段并联审批；{n}",
                    pr.code,
                    checked.stage.label()
                ),
                None => format!(
                    "工程建设项目{}“{}”阶段并联审批",
                    pr.code,
                    checked.stage.label()
                ),
            }),
            mode: Mode::Standard,
            deferred: vec![],
            agent: None,
            assisted: false,
            form: Default::default(),
            provided: vec![],
        });
    }
    // Each file kept once; the cases that need its material each record it.
    let mut kept = Vec::with_capacity(files.len());
    for (m, name, bytes) in files {
        kept.push(crate::files::keep(store.files(), m, name, bytes).await?);
    }
    let mut case_materials = Vec::with_capacity(items.len());
    for i in &items {
        case_materials.push(
            i.content()?
                .materials
                .iter()
                .map(|m| m.name.clone())
                .collect::<Vec<_>>(),
        );
    }
    let deadline = cal.deadline_or_estimate(today, rule.limit_days as u32);
    let row = Arc::new(NewStage {
        project_id: pr.id,
        project_code: pr.code.clone(),
        stage: checked.stage,
        rule_id: rule.id,
        limit_days: rule.limit_days,
        deadline,
        materials: handed,
        separate,
        statutory,
        fees,
        intermediaries: checked.intermediaries.clone(),
        actor: p.actor(),
        keys: store.keys().clone(),
        at,
        kept,
        case_materials,
    });
    let (_, no) = crate::cases::create_batch(store, p, &apps, at, move |tx, cases| {
        let row = row.clone();
        Box::pin(async move { link(tx, &row, &cases).await })
    })
    .await?;
    let mut rd = store.reader().await?;
    of_project(&mut rd, pr.id, &cal)
        .await?
        .into_iter()
        .find(|s| s.application_no == no)
        .ok_or_else(|| StoreError::not_found("阶段申请不存在"))
}

struct NewStage {
    project_id: i64,
    project_code: String,
    stage: Stage,
    rule_id: i64,
    limit_days: i64,
    deadline: NaiveDate,
    materials: Vec<String>,
    separate: i64,
    statutory: i64,
    fees: i64,
    intermediaries: Vec<String>,
    actor: crate::audit::Actor,
    keys: crate::Keys,
    at: chrono::DateTime<chrono::Utc>,
    /// Files uploaded once, and each case's item's materials (in the cases' order).
    kept: Vec<crate::files::Kept>,
    case_materials: Vec<Vec<String>>,
}

/// The stage's row and its cases, in the transaction that opened them; the stage's
/// order checked again under the project's lock (two windows at once).
async fn link(tx: &mut AnyConnection, s: &NewStage, cases: &[(i64, String)]) -> Result<String> {
    sqlx::query("UPDATE projects SET code = code WHERE id = $1")
        .bind(s.project_id)
        .execute(&mut *tx)
        .await?;
    may_open(s.stage, &states(&mut *tx, s.project_id).await?)?;
    let now = s.at;
    let today = time::local_day(now);
    let n = crate::org::next_counter(&mut *tx, &format!("stage:{}", today.format("%Y"))).await?;
    let no = format!("BL{}-{n:05}", today.format("%Y"));
    let json = |v: &Vec<String>| serde_json::to_string(v).map_err(|e| StoreError::Other(e.into()));
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO stage_applications (application_no, project_id, stage, rule_id, limit_days, accepted_at, \
         accepted_on, deadline, accepted_by, materials, materials_separate, statutory_days, fees_fen, intermediaries) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) RETURNING id",
    )
    .bind(&no)
    .bind(s.project_id)
    .bind(s.stage.as_str())
    .bind(s.rule_id)
    .bind(s.limit_days)
    .bind(time::stamp(now))
    .bind(time::day(today))
    .bind(time::day(s.deadline))
    .bind(&s.actor.name)
    .bind(json(&s.materials)?)
    .bind(s.separate)
    .bind(s.statutory)
    .bind(s.fees)
    .bind(json(&s.intermediaries)?)
    .fetch_one(&mut *tx)
    .await?;
    crate::cases::join(
        &mut *tx,
        crate::cases::Group::Stage,
        id,
        &no,
        cases,
        &s.case_materials,
        &s.kept,
    )
    .await?;
    audit::append(
        tx,
        &s.keys,
        &s.actor,
        "project.stage_apply",
        "project",
        &s.project_code,
        json!({ "application_no": no, "stage": s.stage.as_str(), "cases": cases.iter().map(|c| &c.1).collect::<Vec<_>>() }),
    )
    .await?;
    Ok(no)
}

/// A project's stages for staff.
pub async fn for_project(store: &Store, p: &Principal, code: &str) -> Result<Vec<StageView>> {
    may_read(p)?;
    let mut rd = store.reader().await?;
    let pr = project(&mut rd, code).await?;
    let cal = calendar::load(store, &mut rd).await?;
    of_project(&mut rd, pr.id, &cal).await
}
