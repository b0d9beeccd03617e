//! Public resource trading in the demo: a year of announcements from the three
//! trading systems — works bidding, procurement (medicine and devices among it),
//! land and mineral rights, state property — each project from its tender to its
//! result and, for most, its contract; sent through the same feed as the systems'.

use chrono::NaiveDate;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use tongban_domain::codes::CreditCode;
use tongban_domain::trading::{BidInput, FeedRecord, LotInput, Source, SupplierInput, TradingKind};
use tongban_store::Store;
use tongban_store::audit::Actor;

const BUYERS: &[&str] = &[
    "昆山市教育局",
    "昆山市第一人民医院",
    "昆山市中医医院",
    "昆山市交通运输局",
    "昆山市水务局",
    "昆山市住房和城乡建设局",
    "昆山市城市管理局",
    "昆山开发区管委会",
    "花桥经济开发区管委会",
    "巴城镇人民政府",
    "周市镇人民政府",
    "张浦镇人民政府",
    "昆山市自然资源和规划局",
    "昆山市国有资产管理中心",
];

const TOWNS: &[&str] = &[
    "玉山镇",
    "巴城镇",
    "周市镇",
    "陆家镇",
    "花桥",
    "张浦镇",
    "周庄镇",
    "千灯镇",
    "淀山湖镇",
    "锦溪镇",
    "开发区",
];

const AGENTS: &[&str] = &[
    "昆山市建设工程招标代理有限公司",
    "江苏华信项目管理有限公司",
    "苏州中正工程咨询有限公司",
];

/// What each kind buys or sells, for titles.
fn subject(kind: TradingKind, rng: &mut ChaCha8Rng) -> &'static str {
    let pick =
        |xs: &'static [&'static str], rng: &mut ChaCha8Rng| xs[rng.random_range(0..xs.len())];
    match kind {
        TradingKind::Works => pick(
            &[
                "道路改造工程",
                "学校新建工程",
                "河道整治工程",
                "污水管网工程",
                "安置房建设工程",
                "桥梁维修工程",
            ],
            rng,
        ),
        TradingKind::Goods => pick(
            &[
                "办公设备采购",
                "教学设备采购",
                "公务用车采购",
                "信息化设备采购",
            ],
            rng,
        ),
        TradingKind::Services => pick(
            &["物业管理服务", "保洁服务", "审计服务", "软件运维服务"],
            rng,
        ),
        TradingKind::Medicine => pick(&["医用耗材集中采购", "医疗设备采购", "常用药品采购"], rng),
        TradingKind::Land => pick(&["国有建设用地使用权挂牌出让", "工业用地使用权出让"], rng),
        TradingKind::Mineral => pick(&["采矿权出让"], rng),
        TradingKind::Property => pick(&["国有资产租赁权转让", "国有股权转让"], rng),
    }
}

fn source_of(kind: TradingKind) -> Source {
    match kind {
        TradingKind::Works => Source::Works,
        TradingKind::Goods | TradingKind::Services | TradingKind::Medicine => Source::Procurement,
        TradingKind::Land | TradingKind::Mineral | TradingKind::Property => Source::Land,
    }
}

/// The bidders and suppliers of the demo: names and credit codes.
fn suppliers() -> anyhow::Result<Vec<(String, String)>> {
    (0..60)
        .map(|i| {
            let code =
                CreditCode::generate('9', '1', "320583", &format!("{:08}", 31_000_000 + i * 7))?;
            let name = format!(
                "{}{}有限公司",
                ["昆山", "苏州", "江苏"][i % 3],
                [
                    "宏达建设",
                    "华通科技",
                    "恒信医疗器械",
                    "远大园林",
                    "金石工程",
                    "新城物业",
                    "瑞康医药",
                    "中联信息",
                    "鼎盛设备",
                    "绿洲环境"
                ][i % 10]
            );
            Ok((
                format!(
                    "{name}{}",
                    if i >= 10 {
                        format!("（{}）", i / 10)
                    } else {
                        String::new()
                    }
                ),
                code.as_str().to_string(),
            ))
        })
        .collect()
}

/// What bidders were penalised for.
const MISCONDUCT: &[(&str, &str, &str)] = &[
    (
        "bad_conduct",
        "投标文件弄虚作假，提供虚假业绩证明",
        "昆山市住房和城乡建设局",
    ),
    (
        "penalty",
        "串通投标，处中标项目金额千分之五罚款",
        "昆山市市场监督管理局",
    ),
    (
        "bad_conduct",
        "中标后无正当理由拒绝签订合同",
        "昆山市财政局",
    ),
    (
        "penalty",
        "提供的医疗器械不符合合同约定，处以罚款",
        "昆山市市场监督管理局",
    ),
];

/// Credit records of some of the demo's suppliers: most still published, one past
/// its publication (not shown).
async fn credit(store: &Store, today: NaiveDate, actor: &Actor) -> anyhow::Result<()> {
    use tongban_domain::trading::CreditRecord;
    let suppliers = suppliers()?;
    let records = MISCONDUCT
        .iter()
        .enumerate()
        .map(|(i, (kind, reason, authority))| {
            let (name, code) = &suppliers[i * 7 + 1];
            let decided = today - chrono::Days::new(30 + 100 * i as u64);
            let until = if i == 3 {
                today - chrono::Days::new(1)
            } else {
                decided + chrono::Days::new(730)
            };
            (
                i + 1,
                Ok(CreditRecord {
                    id: format!("XY-{}", i + 1),
                    version: Some(1),
                    credit_code: code.clone(),
                    name: name.clone(),
                    kind: (*kind).into(),
                    reason: (*reason).into(),
                    authority: (*authority).into(),
                    decided_on: decided.to_string(),
                    valid_until: until.to_string(),
                }),
            )
        })
        .collect();
    let r = tongban_store::trading::ingest_credit(store, Source::Works, records, actor).await?;
    anyhow::ensure!(
        r.rejected.is_empty(),
        "演示信用数据有误：{:?}",
        r.rejected.first()
    );
    Ok(())
}

/// A year of trading announcements to `today`: about 2,400 projects at scale 1.
pub async fn seed(store: &Store, today: NaiveDate, scale: f64, seed: u64) -> anyhow::Result<usize> {
    // Thousands of announcements even in a small demo: the site is searched by them.
    let projects = ((2400.0 * scale).round() as usize).max(1200);
    let actor = Actor::system("demo");
    let mut n = 0;
    for (source, records) in generate(projects, 0, today, seed)? {
        let r = tongban_store::trading::ingest(store, source, records, &actor).await?;
        anyhow::ensure!(
            r.rejected.is_empty(),
            "演示交易数据有误：{:?}",
            r.rejected.first()
        );
        n += r.added;
    }
    credit(store, today, &actor).await?;
    Ok(n)
}

/// The announcements of `projects` trading projects of the year to `today`, numbered
/// from `first`, by the system that sends them (about 2.7 a project).
pub fn generate(
    projects: usize,
    first: usize,
    today: NaiveDate,
    seed: u64,
) -> anyhow::Result<Vec<(Source, tongban_store::trading::Batch)>> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x0018_7ade);
    let suppliers = suppliers()?;
    let buyer_codes: Vec<String> = (0..BUYERS.len())
        .map(|i| {
            CreditCode::generate('1', '1', "320583", &format!("{:08}", 1_400_000 + i * 13))
                .map(|c| c.as_str().to_string())
        })
        .collect::<Result<_, _>>()?;
    let kinds = [
        (TradingKind::Works, 30),
        (TradingKind::Goods, 25),
        (TradingKind::Services, 20),
        (TradingKind::Medicine, 10),
        (TradingKind::Land, 8),
        (TradingKind::Mineral, 1),
        (TradingKind::Property, 6),
    ];
    let total: u32 = kinds.iter().map(|k| k.1).sum();
    let mut by_source: std::collections::HashMap<&'static str, tongban_store::trading::Batch> =
        Default::default();
    for p in 0..projects {
        let mut roll = rng.random_range(0..total);
        let kind = kinds
            .iter()
            .find(|(_, w)| {
                if roll < *w {
                    true
                } else {
                    roll -= w;
                    false
                }
            })
            .map_or(TradingKind::Goods, |k| k.0);
        let source = source_of(kind);
        let year = today.format("%Y");
        let project = format!(
            "{}-{year}-{:05}",
            source.as_str().to_uppercase(),
            first + p + 1
        );
        let b = rng.random_range(0..BUYERS.len());
        let town = TOWNS[rng.random_range(0..TOWNS.len())];
        // In fen: works and land 0.5 to 80 million yuan, the rest 50 thousand to 5 million.
        let budget: i64 = 100
            * match kind {
                TradingKind::Works | TradingKind::Land => rng.random_range(500_000..80_000_000),
                _ => rng.random_range(50_000..5_000_000),
            };
        let title = format!(
            "{}{}",
            BUYERS[b].trim_start_matches("昆山市"),
            subject(kind, &mut rng)
        );
        let agent = (kind != TradingKind::Land).then(|| AGENTS[rng.random_range(0..AGENTS.len())]);
        let tendered = today - chrono::Days::new(rng.random_range(0..365));
        let base = |id: String, stage: &str, date: NaiveDate, title: String| FeedRecord {
            id,
            version: Some(1),
            project: project.clone(),
            kind: kind.as_str().into(),
            stage: stage.into(),
            title,
            buyer_name: BUYERS[b].into(),
            buyer_code: buyer_codes[b].clone(),
            agent_name: agent.unwrap_or("").into(),
            agent_code: String::new(),
            town: town.into(),
            date: date.to_string(),
            amount_fen: None,
            suppliers: vec![],
            lots: vec![],
            bids: vec![],
            body: String::new(),
        };
        let list = by_source.entry(source.as_str()).or_default();
        let mut tender = base(
            format!("{project}-T"),
            "tender",
            tendered,
            format!("{title}招标公告"),
        );
        tender.amount_fen = Some(budget);
        // A fifth of the works are let in two lots (标段).
        let lots = kind == TradingKind::Works && rng.random_bool(0.2);
        if lots {
            tender.lots = vec![
                LotInput {
                    id: "1".into(),
                    title: format!("{title}一标段"),
                    amount_fen: Some(budget / 2),
                },
                LotInput {
                    id: "2".into(),
                    title: format!("{title}二标段"),
                    amount_fen: Some(budget - budget / 2),
                },
            ];
        }
        tender.body = format!(
            "{title}现进行公开招标，欢迎符合条件的供应商参加。预算金额{}万元。联系人：王先生，电话 0512-5730 1234。",
            budget / 1_000_000
        );
        // A tenth amended: the same announcement sent again as version 2.
        if rng.random_bool(0.1) {
            list.push((list.len() + 1, Ok(tender.clone())));
            tender.version = Some(2);
            tender.body.push_str("（更正：投标截止时间顺延五日。）");
        }
        list.push((list.len() + 1, Ok(tender)));
        // Three bidders, each once.
        let mut bidders: Vec<usize> = vec![];
        while bidders.len() < 3 {
            let b = rng.random_range(0..suppliers.len());
            if !bidders.contains(&b) {
                bidders.push(b);
            }
        }
        let price = |rng: &mut ChaCha8Rng| (budget as f64 * rng.random_range(0.82..0.99)) as i64;
        let mut day = tendered + chrono::Days::new(rng.random_range(20..35));
        if day > today {
            continue;
        }
        if kind == TradingKind::Works {
            let mut c = base(
                format!("{project}-C"),
                "candidates",
                day,
                format!("{title}中标候选人公示"),
            );
            c.suppliers = bidders
                .iter()
                .map(|i| SupplierInput {
                    name: suppliers[*i].0.clone(),
                    credit_code: suppliers[*i].1.clone(),
                    amount_fen: Some(price(&mut rng)),
                    lot: String::new(),
                })
                .collect();
            list.push((list.len() + 1, Ok(c)));
            day = day + chrono::Days::new(rng.random_range(3..8));
            if day > today {
                continue;
            }
        }
        if !rng.random_bool(0.92) {
            continue;
        }
        let winner = bidders[0];
        let awarded = price(&mut rng);
        let mut r = base(
            format!("{project}-R"),
            "result",
            day,
            format!("{title}中标结果公告"),
        );
        // The bids opened: each bidder once (for each lot), the winner's at the price awarded.
        let bidding: Vec<usize> = bidders.clone();
        let lot_ids: Vec<&str> = if lots { vec!["1", "2"] } else { vec![""] };
        for lot in &lot_ids {
            for (j, i) in bidding.iter().enumerate() {
                let share = if lots { 2 } else { 1 };
                let amount_fen = if j == 0 {
                    awarded / share
                } else {
                    price(&mut rng) / share
                };
                r.bids.push(BidInput {
                    name: suppliers[*i].0.clone(),
                    credit_code: suppliers[*i].1.clone(),
                    amount_fen: Some(amount_fen),
                    lot: (*lot).into(),
                });
            }
        }
        let won = SupplierInput {
            name: suppliers[winner].0.clone(),
            credit_code: suppliers[winner].1.clone(),
            amount_fen: Some(awarded),
            lot: String::new(),
        };
        r.suppliers = if lots {
            lot_ids
                .iter()
                .map(|l| SupplierInput {
                    amount_fen: Some(awarded / 2),
                    lot: (*l).into(),
                    ..won.clone()
                })
                .collect()
        } else {
            vec![won.clone()]
        };
        list.push((list.len() + 1, Ok(r)));
        let signed = day + chrono::Days::new(rng.random_range(5..25));
        if signed <= today && rng.random_bool(0.75) {
            let mut k = base(
                format!("{project}-K"),
                "contract",
                signed,
                format!("{title}合同公告"),
            );
            k.suppliers = vec![won];
            k.amount_fen = Some(awarded);
            list.push((list.len() + 1, Ok(k)));
        }
    }
    Ok(Source::ALL
        .iter()
        .filter_map(|s| by_source.remove(s.as_str()).map(|b| (*s, b)))
        .collect())
}
