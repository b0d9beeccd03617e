//! 秒批 in the demo: the retirement application (人社局) decided by the applicant's
//! age, contribution years and personnel file, and the registration of special
//! equipment (市场监管局) by an active registered entity; a year of applications at
//! the windows through the same path as a clerk, some failing a rule and going to a
//! person; the after-checks drawn, most done, one disputed and resolved.

use super::projects::local_at;
use super::{mobile, person_name};
use chrono::NaiveDate;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::json;
use tongban_domain::auto_approval::{FormField, RuleSet};
use tongban_domain::case::{ApplicantInput, ApplicationInput, Filer};
use tongban_domain::catalog::ItemContent;
use tongban_domain::codes::IdNumber;
use tongban_store::Store;

const RETIREMENT: &str = "企业职工基本养老保险正常退休申请";
const EQUIPMENT: &str = "特种设备使用登记";

fn field(line: &str, n: usize) -> FormField {
    FormField::parse_line(line, n).expect("a demo form field")
}

/// The form and rules of the demo's 秒批 items (none for others).
pub fn rules_for(name: &str, c: &mut ItemContent) {
    let first_material = c
        .materials
        .get(1)
        .or(c.materials.first())
        .map(|m| m.name.clone());
    let (fields, rules) = match name {
        RETIREMENT => (
            vec![
                field("years|累计缴费年限|数字|是", 1),
                field("kind|退休类别|文本|是", 2),
            ],
            json!({ "rules": [
                { "name": "达到法定退休年龄（60周岁）", "check": "age_between", "field": "applicant.id_number", "min": 60, "max": 150 },
                { "name": "累计缴费满十五年", "check": "compare", "field": "years", "op": "ge", "value": "15" },
                { "name": "按正常退休申请", "check": "compare", "field": "kind", "op": "eq", "value": "正常退休" },
                { "name": "提交人事档案", "check": "material", "material": first_material.unwrap_or_default() }
            ], "after_check_percent": 5 }),
        ),
        EQUIPMENT => (
            vec![
                field("category|设备类别|文本|是", 1),
                field("made_on|出厂日期|日期|是", 2),
            ],
            json!({ "rules": [
                { "name": "使用单位为存续的市场主体", "check": "active_entity", "field": "applicant.credit_code" },
                { "name": "出厂不满十五年", "check": "compare", "field": "made_on", "op": "ge", "value": "today-5475" },
                { "name": "提交使用登记表", "check": "material", "material": first_material.unwrap_or_default() }
            ], "after_check_percent": 10 }),
        ),
        _ => return,
    };
    let rules: RuleSet = serde_json::from_value(rules).expect("demo rules");
    c.fields = fields;
    c.auto_approval = Some(rules);
    c.instant = false;
    c.commitment = None;
}

/// Files the year's applications of the 秒批 items; the number approved by their rules.
pub async fn seed(
    store: &Store,
    year: i32,
    today: NaiveDate,
    scale: f64,
    seed: u64,
) -> anyhow::Result<usize> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x0016_a070);
    let items = tongban_store::catalog::all_in_force(store, today).await?;
    let code_of = |name: &str| {
        items
            .iter()
            .find(|i| {
                i.name == name
                    && i.content
                        .as_ref()
                        .is_some_and(|c| c.auto_approval.is_some())
            })
            .map(|i| {
                (
                    i.code.clone(),
                    i.content.clone().unwrap_or_else(|| unreachable!()),
                )
            })
    };
    let (Some((retire, retire_c)), Some((equip, equip_c))) =
        (code_of(RETIREMENT), code_of(EQUIPMENT))
    else {
        return Ok(0);
    };
    let rs = tongban_store::org::principal_by_username(store, "rs.clerk").await?;
    let sj = tongban_store::org::principal_by_username(store, "sj.clerk").await?;
    let mut entities: Vec<(String, String)> = vec![];
    tongban_store::registration::entities::export_entities(store, |e| {
        if e.status == "active" {
            entities.push((e.credit_code, e.name));
        }
        Ok(())
    })
    .await?;
    let cal = tongban_store::calendar::current(store).await?;
    let from = NaiveDate::from_ymd_opt(year, 1, 1).unwrap_or(today);
    let span = (today - from).num_days().max(1);
    let n = ((1500.0 * scale).round() as usize).clamp(20, 3000);
    let mut auto = 0;
    for i in 0..n {
        let day = cal.deadline_or_estimate(
            from + chrono::Days::new(rng.random_range(0..span) as u64),
            0,
        );
        if day >= today {
            continue;
        }
        let equipment = i % 3 == 2 && !entities.is_empty();
        let (code, content, clerk) = if equipment {
            (&equip, &equip_c, &sj)
        } else {
            (&retire, &retire_c, &rs)
        };
        let materials: Vec<String> = content.materials.iter().map(|m| m.name.clone()).collect();
        let (applicant, form) = if equipment {
            let (credit, name) = entities[rng.random_range(0..entities.len())].clone();
            let made = today - chrono::Days::new(rng.random_range(200..6500));
            (
                ApplicantInput {
                    kind: Some("organisation".into()),
                    name: Some(name),
                    credit_code: Some(credit),
                    contact: Some(person_name(&mut rng)),
                    phone: Some(mobile(&mut rng)),
                    ..Default::default()
                },
                [
                    (
                        "category".to_string(),
                        ["电梯", "叉车", "压力容器", "起重机械"][i % 4].to_string(),
                    ),
                    ("made_on".to_string(), made.to_string()),
                ],
            )
        } else {
            // Most are 60; a few apply early and go to a person.
            let age = if rng.random_bool(0.9) { 60 } else { 57 };
            let born = day - chrono::Days::new(age * 365 + rng.random_range(10..300));
            let id = IdNumber::compose("320583", born, rng.random_range(1..999))
                .map(|i| i.as_str().to_string())
                .unwrap_or_default();
            let years = if rng.random_bool(0.95) {
                rng.random_range(15..40)
            } else {
                12
            };
            (
                ApplicantInput {
                    kind: Some("person".into()),
                    name: Some(person_name(&mut rng)),
                    id_number: Some(id),
                    phone: Some(mobile(&mut rng)),
                    ..Default::default()
                },
                [
                    ("years".to_string(), years.to_string()),
                    ("kind".to_string(), "正常退休".to_string()),
                ],
            )
        };
        let input = ApplicationInput {
            item_code: Some(code.clone()),
            channel: Some("window".into()),
            applicant: Some(applicant),
            materials: Some(materials),
            accept: Some(true),
            form: Some(form.into_iter().collect()),
            ..Default::default()
        };
        let Ok(app) = tongban_domain::case::Application::parse(&input, Filer::Clerk, day) else {
            continue;
        };
        let (views, ()) =
            tongban_store::cases::create_batch(store, clerk, &[app], local_at(day, 10), |_, _| {
                Box::pin(async { Ok(()) })
            })
            .await?;
        if views.first().is_some_and(|v| v.status == "closed") {
            auto += 1;
        }
    }
    // The after-checks of all but the last fortnight: done, one disputed and upheld.
    let approvers = [
        tongban_store::org::principal_by_username(store, "rs.approver").await?,
        tongban_store::org::principal_by_username(store, "sj.approver").await?,
    ];
    let supervisor = tongban_store::org::principal_by_username(store, "supervisor").await?;
    let recent =
        tongban_store::time::day(cal.deadline_or_estimate(today - chrono::Days::new(20), 0));
    let mut disputed = false;
    for a in &approvers {
        for c in tongban_store::after_checks::list(store, a, Some("pending")).await? {
            if c.queued_on >= recent {
                continue;
            }
            if !disputed {
                tongban_store::after_checks::check(
                    store,
                    a,
                    &c.case_no,
                    false,
                    "档案中出生日期与身份证不一致，需核实",
                )
                .await?;
                tongban_store::after_checks::resolve(
                    store,
                    &supervisor,
                    &c.case_no,
                    false,
                    "经公安部门核实身份证出生日期为准，维持许可",
                )
                .await?;
                disputed = true;
            } else {
                tongban_store::after_checks::check(store, a, &c.case_no, true, "").await?;
            }
        }
    }
    Ok(auto)
}
