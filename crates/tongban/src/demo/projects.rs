//! Demo construction projects: a Kunshan-sized year's register of enterprise and
//! government investment projects, deterministic like the rest of the demo.

use anyhow::Context;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::collections::HashMap;
use tongban_domain::CreditCode;
use tongban_domain::project::ProjectInput;
use tongban_store::Store;
use tongban_store::audit::Actor;

/// What is built, with its industry code (国民经济行业分类) and typical floor area.
const KINDS: &[(&str, &str, f64)] = &[
    ("电子信息产业园厂房", "39", 60_000.0),
    ("精密机械制造车间", "34", 25_000.0),
    ("商品住宅小区", "70", 120_000.0),
    ("物流仓储中心", "59", 40_000.0),
    ("研发办公楼", "73", 30_000.0),
    ("食品加工厂房", "14", 15_000.0),
    ("新能源汽车零部件项目", "36", 50_000.0),
    ("社区邻里中心", "47", 8_000.0),
    ("标准厂房（小型低风险）", "47", 2_500.0),
    ("学校扩建工程", "47", 18_000.0),
];

const TOWNS: &[(&str, &str)] = &[
    ("YS", "玉山镇"),
    ("BC", "巴城镇"),
    ("ZS", "周市镇"),
    ("LJ", "陆家镇"),
    ("HQ", "花桥"),
    ("ZP", "张浦镇"),
    ("QD", "千灯镇"),
    ("KFQ", "开发区"),
];

const ROADS: &[&str] = &[
    "前进东路",
    "黄浦江路",
    "萧林路",
    "长江北路",
    "青阳路",
    "祖冲之路",
    "夏驾桥路",
    "綦村路",
];

/// Registers the demo's projects for `year` (about 300 at scale 1); how many.
pub async fn seed(store: &Store, year: i32, scale: f64, seed: u64) -> anyhow::Result<usize> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x9e37_79b9);
    let n = ((300.0 * scale).round() as usize).clamp(12, 600);
    let actor = Actor::system("seed-demo");
    for i in 0..n {
        let (kind, industry, area) = KINDS[rng.random_range(0..KINDS.len())];
        let (town, town_name) = TOWNS[rng.random_range(0..TOWNS.len())];
        let small = kind.contains("小型低风险");
        let government = !small && (kind.contains("学校") || kind.contains("邻里"));
        let body = format!("MA1{:05}", 20_000 + i * 7);
        let owner =
            CreditCode::generate('9', '1', "320583", &body).map_err(|e| anyhow::anyhow!("{e}"))?;
        let floor = (area * rng.random_range(0.6..1.4)).round();
        let input = ProjectInput {
            code: format!(
                "{year}-320583-{industry}-{}-{:06}",
                if government { "01" } else { "03" },
                100 + i
            ),
            name: format!("{town_name}{kind}"),
            owner_credit_code: owner.as_str().to_string(),
            owner_name: if government {
                format!("昆山市{town_name}建设发展有限公司")
            } else {
                format!(
                    "昆山{}{}有限公司",
                    ["鼎", "华", "润", "捷", "晟", "瑞"][i % 6],
                    ["科技", "实业", "置业", "精密", "电子"][i % 5]
                )
            },
            town: town.to_string(),
            address: format!(
                "{}{}号",
                ROADS[rng.random_range(0..ROADS.len())],
                rng.random_range(1..900)
            ),
            investment_fen: Some((floor * rng.random_range(3_000.0..8_000.0)).round() as i64 * 100),
            land_area_m2: Some((floor / rng.random_range(1.2..2.5)).round()),
            floor_area_m2: Some(floor),
            funding: if government { "government" } else { "social" }.into(),
            category: if small { "small_low_risk" } else { "general" }.into(),
            lead_department: if i % 4 == 0 { "FG" } else { "ZJ" }.into(),
        };
        tongban_store::projects::register(store, &actor, &input)
            .await
            .map_err(|e| anyhow::anyhow!("demo project {}: {e}", input.code))?;
    }
    Ok(n)
}

/// The departments of a joint acceptance: code, what it checks, how often it passes
/// on the first visit, and what it finds when it does not.
const INSPECTORS: &[(&str, f64, &str)] = &[
    (
        "ZRZY",
        0.95,
        "建筑外立面、层高与规划许可方案不一致，需整改后复核",
    ),
    ("ZJ", 0.90, "消防车道净宽不足4米，室内消火栓箱未按图施工"),
    ("RF", 0.96, "人防防护密闭门安装不符合要求"),
    ("DA", 0.98, "竣工图纸与工程档案资料不全"),
    ("SL", 0.94, "雨污分流管网未按设计接入市政管网"),
];

/// A Kunshan-sized year of joint completion acceptances for each demo year (about
/// 150 at scale 1, a tenth more each year), each on a project built the year before,
/// with realistic first-visit pass rates and re-inspections; the latest few still
/// awaiting results. How many.
pub async fn seed_acceptances(
    store: &Store,
    year: i32,
    years: u32,
    today: chrono::NaiveDate,
    scale: f64,
    seed: u64,
) -> anyhow::Result<usize> {
    use tongban_store::projects::acceptance::{History, record_history};
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x1f2e_3d4c);
    let cal = tongban_store::calendar::current(store).await?;
    let actor = Actor::system("seed-demo");
    let mut total = 0;
    for y in (year + 1 - years as i32)..=year {
        let n = ((150.0 * scale * 1.1f64.powi(y - year)).round() as usize).clamp(4, 400);
        let start = chrono::NaiveDate::from_ymd_opt(y, 1, 5).context("year")?;
        let end = chrono::NaiveDate::from_ymd_opt(y, 12, 31)
            .context("year")?
            .min(today);
        if end <= start {
            continue;
        }
        let span = (end - start).num_days();
        let mut requests: Vec<chrono::NaiveDate> = (0..n)
            .map(|_| start + chrono::Days::new(rng.random_range(0..span) as u64))
            .collect();
        requests.sort();
        for (i, requested_on) in requests.into_iter().enumerate() {
            let (kind, industry, area) = KINDS[rng.random_range(0..KINDS.len())];
            let (town, town_name) = TOWNS[rng.random_range(0..TOWNS.len())];
            let small = kind.contains("小型低风险");
            let serial = 800_000 + (y - 2000) as usize * 1000 + i;
            let owner =
                CreditCode::generate('9', '1', "320583", &format!("MA2{:05}", serial % 100_000))
                    .map_err(|e| anyhow::anyhow!("{e}"))?;
            let floor = (area * rng.random_range(0.6..1.4)).round();
            let code = format!("{}-320583-{industry}-03-{serial:06}", y - 1);
            let input = ProjectInput {
                code: code.clone(),
                name: format!("{town_name}{kind}（竣工）"),
                owner_credit_code: owner.as_str().to_string(),
                owner_name: format!(
                    "昆山{}{}有限公司",
                    ["恒", "宏", "博", "远", "创", "达"][i % 6],
                    ["建设", "实业", "置业", "科技", "制造"][i % 5]
                ),
                town: town.to_string(),
                address: format!(
                    "{}{}号",
                    ROADS[rng.random_range(0..ROADS.len())],
                    rng.random_range(1..900)
                ),
                investment_fen: Some(
                    (floor * rng.random_range(3_000.0..8_000.0)).round() as i64 * 100,
                ),
                land_area_m2: Some((floor / rng.random_range(1.2..2.5)).round()),
                floor_area_m2: Some(floor),
                funding: "social".into(),
                category: if small { "small_low_risk" } else { "general" }.into(),
                lead_department: "ZJ".into(),
            };
            tongban_store::projects::register(store, &actor, &input)
                .await
                .map_err(|e| anyhow::anyhow!("demo project {code}: {e}"))?;
            // The whole project, or one phase of a large one.
            let (part, area_cm2) = if floor > 50_000.0 && rng.random_bool(0.5) {
                (Some("一期".to_string()), (floor * 50.0).round() as i64)
            } else {
                (None, (floor * 100.0).round() as i64)
            };
            let departments: Vec<&(&str, f64, &str)> = INSPECTORS
                .iter()
                .filter(|(d, ..)| match *d {
                    "RF" => !small && rng.random_bool(0.7),
                    "SL" => rng.random_bool(0.5),
                    _ => true,
                })
                .collect();
            let first = cal.deadline_or_estimate(requested_on, rng.random_range(2..6));
            let mut visits = vec![];
            if first <= today {
                // The inspection of the last days may still await its results.
                let pending = (today - first).num_days() < 2;
                let results: Vec<(String, Option<bool>, Option<String>)> = departments
                    .iter()
                    .map(|(d, pass, finding)| {
                        let passed = rng.random_bool(*pass);
                        (
                            d.to_string(),
                            (!pending).then_some(passed),
                            (!pending && !passed).then(|| finding.to_string()),
                        )
                    })
                    .collect();
                let failed: Vec<String> = results
                    .iter()
                    .filter(|r| r.1 == Some(false))
                    .map(|r| r.0.clone())
                    .collect();
                visits.push((first, results));
                let again = cal.deadline_or_estimate(first, rng.random_range(3..8));
                if !failed.is_empty() && again <= today {
                    visits.push((
                        again,
                        failed
                            .into_iter()
                            .map(|d| (d, Some(true), Some("已按要求整改完毕".to_string())))
                            .collect(),
                    ));
                }
            }
            record_history(
                store,
                &actor,
                &History {
                    project_code: code,
                    part,
                    area_cm2,
                    requested_on,
                    visits,
                },
            )
            .await
            .map_err(|e| anyhow::anyhow!("demo acceptance: {e}"))?;
            total += 1;
        }
    }
    Ok(total)
}

/// The demo's stage definitions: stage, limit in working days, and its items by
/// department and name in the demo catalog — for general projects, and for small
/// low-risk ones (15 working days in all).
type StageItems = &'static [(&'static str, u32, &'static [(&'static str, &'static str)])];
const GENERAL_STAGES: StageItems = &[
    (
        "land_planning",
        20,
        &[
            ("FG", "企业投资项目备案"),
            ("ZRZY", "建设项目用地预审与选址意见书"),
            ("ZRZY", "建设用地（含临时用地）规划许可证核发（出让用地）"),
        ],
    ),
    (
        "construction_permit",
        35,
        &[
            ("ZRZY", "建设工程（含临时建设）规划许可证核发"),
            ("RF", "应建防空地下室的民用建筑项目审批"),
            ("ZJ", "特殊建设工程消防设计审查"),
        ],
    ),
    ("works_permit", 25, &[("ZJ", "建筑工程施工许可证核发")]),
    (
        "completion",
        20,
        &[
            ("ZJ", "特殊建设工程消防验收"),
            ("ZRZY", "建筑工程竣工规划土地核实“多验合一”"),
        ],
    ),
];
const SMALL_STAGES: StageItems = &[
    (
        "land_planning",
        3,
        &[
            ("FG", "企业投资项目备案"),
            ("ZRZY", "建设用地（含临时用地）规划许可证核发（出让用地）"),
        ],
    ),
    (
        "construction_permit",
        5,
        &[("ZRZY", "建设工程（含临时建设）规划许可证核发")],
    ),
    ("works_permit", 3, &[("ZJ", "建筑工程施工许可证核发")]),
    (
        "completion",
        4,
        &[("ZRZY", "建筑工程竣工规划土地核实“多验合一”")],
    ),
];

/// Who approves each department's stage items in the demo.
const STAGE_APPROVERS: &[(&str, &str)] = &[
    ("FG", "fg.approver"),
    ("ZRZY", "zrzy.approver"),
    ("RF", "rf.approver"),
    ("ZJ", "zj.approver"),
];

/// A local time of day as an instant.
/// `hour` o'clock on `day` in China, as the seeders stamp their records.
pub(super) fn local_at(day: chrono::NaiveDate, hour: u32) -> chrono::DateTime<chrono::Utc> {
    day.and_hms_opt(hour, 0, 0)
        .expect("a valid hour")
        .and_local_timezone(tongban_store::time::china())
        .single()
        .expect("China has no DST")
        .with_timezone(&chrono::Utc)
}

/// The stage definitions of the demo (in force from the year's first day), and a
/// year of parallel approval on about 200 social projects at scale 1: each stage
/// accepted at the comprehensive window, each department's case approved and closed
/// by its approver on its day, the next stage applied for a few days after the last
/// case closed — up to today, so the latest stages are still under way. How many
/// stage applications.
pub async fn seed_stages(
    store: &Store,
    year: i32,
    today: chrono::NaiveDate,
    scale: f64,
    seed: u64,
) -> anyhow::Result<usize> {
    use tongban_domain::stage::{StageApplicationInput, StageRuleInput};
    use tongban_store::projects::stages;
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x5eed_57a6);
    let actor = Actor::system("seed-demo");
    let from = chrono::NaiveDate::from_ymd_opt(year, 1, 1).context("year")?;
    // Items open for applications at the windows all year (an item suspended or
    // cancelled since January is left out of the stage).
    let open = |i: &tongban_store::catalog::Item| {
        i.content
            .as_ref()
            .is_some_and(|c| c.open_for_applications() && c.accept_center)
    };
    let now_open: Vec<String> = tongban_store::catalog::all_in_force(store, today)
        .await?
        .into_iter()
        .filter(|i| open(i))
        .map(|i| i.code)
        .collect();
    let catalog: Vec<tongban_store::catalog::Item> =
        tongban_store::catalog::all_in_force(store, from)
            .await?
            .into_iter()
            .filter(|i| open(i) && now_open.contains(&i.code))
            .collect();
    for (category, stages_of) in [
        ("general", GENERAL_STAGES),
        ("with_scheme", GENERAL_STAGES),
        ("small_low_risk", SMALL_STAGES),
    ] {
        for (stage, limit, wanted) in stages_of {
            let items: Vec<String> = wanted
                .iter()
                .filter_map(|(d, name)| {
                    catalog
                        .iter()
                        .find(|i| i.department.code == *d && i.name == *name)
                        .map(|i| i.code.clone())
                })
                .collect();
            if items.is_empty() {
                // Every item of the stage closed in this catalog: the stage stays
                // undefined, and its projects stop before it.
                continue;
            }
            let rule = StageRuleInput {
                funding: "social".into(),
                category: category.into(),
                stage: stage.to_string(),
                limit_days: Some(i64::from(*limit)),
                items,
                effective_from: tongban_store::time::day(from),
            }
            .check(from)
            .map_err(|e| anyhow::anyhow!("demo stage rule: {e:?}"))?;
            stages::insert_rule(store, &actor, rule).await?;
        }
    }
    let clerk = tongban_store::org::principal_by_username(store, "zh.clerk").await?;
    let mut approvers = HashMap::new();
    for (dept, user) in STAGE_APPROVERS {
        approvers.insert(
            dept.to_string(),
            tongban_store::org::principal_by_username(store, user).await?,
        );
    }
    let mut projects = vec![];
    tongban_store::projects::export(store, |p| {
        if p.funding.as_str() == "social" && p.code.starts_with(&year.to_string()) {
            projects.push(p);
        }
        Ok(())
    })
    .await?;
    let cal = tongban_store::calendar::current(store).await?;
    let n = ((200.0 * scale).round() as usize).clamp(6, 400);
    let bar = indicatif::ProgressBar::new(n.min(projects.len()) as u64);
    bar.set_style(crate::cli::progress_style());
    bar.set_message("生成并联审批");
    let mut applied = 0;
    for p in projects.into_iter().take(n) {
        bar.inc(1);
        let span = (today - from).num_days().max(1);
        let mut start =
            cal.deadline_or_estimate(from, 1) + chrono::Days::new(rng.random_range(0..span) as u64);
        for (stage, ..) in GENERAL_STAGES {
            if start >= today {
                break;
            }
            let input = StageApplicationInput {
                stage: stage.to_string(),
                contact: ["王工", "李经理", "张工", "陈主任"][rng.random_range(0..4)].into(),
                phone: format!("139{:08}", rng.random_range(0..100_000_000u32)),
                materials: None,
                intermediaries: Some(match *stage {
                    "land_planning" => vec!["环境影响评价".into(), "节能评估".into()],
                    "construction_permit" => vec!["施工图设计文件审查".into()],
                    _ => vec![],
                }),
                note: None,
            };
            let view =
                match stages::apply_at(store, &clerk, &p.code, &input, local_at(start, 10)).await {
                    Ok(v) => v,
                    // A stage this catalog leaves undefined: the project waits there.
                    Err(tongban_store::StoreError::Invalid(_)) => break,
                    Err(e) => anyhow::bail!("demo stage {} of {}: {e}", stage, p.code),
                };
            applied += 1;
            let mut last = start;
            let mut all_closed = true;
            for c in view.cases.iter().filter(|c| c.status != "closed") {
                // Most cases well inside the stage's limit, a few beyond it.
                let days = rng.random_range(1..=(view.limit_days as u32 + 2).max(2));
                let done = cal.deadline_or_estimate(start, days);
                if done >= today {
                    all_closed = false;
                    continue;
                }
                let Some(approver) = approvers.get(&c.department) else {
                    all_closed = false;
                    continue;
                };
                let no = tongban_domain::case::CaseNo::parse(&c.case_no)
                    .map_err(|e| anyhow::anyhow!("{e}"))?;
                for (action, hour) in [("approve", 14), ("close", 16)] {
                    let input = tongban_store::cases::ActionInput {
                        action: Some(action.into()),
                        ..Default::default()
                    };
                    tongban_store::cases::act_at(
                        store,
                        approver,
                        &no,
                        &input,
                        local_at(done, hour),
                    )
                    .await
                    .map_err(|e| anyhow::anyhow!("demo {action} {}: {e}", c.case_no))?;
                }
                last = last.max(done);
            }
            if !all_closed {
                break;
            }
            start = cal.deadline_or_estimate(last, rng.random_range(3..15));
        }
    }
    bar.finish_and_clear();
    Ok(applied)
}
