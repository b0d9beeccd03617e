//! Demo construction projects: a Kunshan-sized year's register of enterprise and
//! government investment projects, deterministic like the rest of the demo.

use anyhow::Context;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
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
