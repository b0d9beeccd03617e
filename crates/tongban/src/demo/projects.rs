//! Demo construction projects: a Kunshan-sized year's register of enterprise and
//! government investment projects, deterministic like the rest of the demo.

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
