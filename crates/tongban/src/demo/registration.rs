//! A year of business registration at the market regulation windows (三证合一、一照一码):
//! establishments filed through the same path as a clerk, reviewed and closed by the
//! department's approver (each generating its credit code and business license), then
//! some changes and deregistrations; the last weeks' applications still under review.

use super::projects::local_at;
use super::{mobile, person_name};
use chrono::NaiveDate;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use tongban_domain::case::CaseNo;
use tongban_domain::codes::IdNumber;
use tongban_domain::org::PointKind;
use tongban_domain::registration::{
    ChangeInput, DeregisterInput, EstablishInput, InvestorInput, RegistrationKind,
};
use tongban_store::Store;
use tongban_store::registration as reg;

/// The demo catalog's registration items by name.
pub fn kind_of_item(name: &str) -> Option<RegistrationKind> {
    match name {
        "企业设立登记（营业执照）" | "个体工商户设立登记" => {
            Some(RegistrationKind::Establish)
        }
        "企业变更登记" => Some(RegistrationKind::Change),
        "企业注销登记" => Some(RegistrationKind::Deregister),
        _ => None,
    }
}

const TRADES: &[(&str, &str)] = &[
    (
        "科技",
        "软件开发；信息技术咨询服务；技术服务、技术开发、技术咨询、技术交流、技术转让、技术推广",
    ),
    (
        "精密机械",
        "通用设备制造（不含特种设备制造）；机械零件、零部件加工；五金产品批发",
    ),
    (
        "电子",
        "电子元器件制造；电子产品销售；货物进出口；技术进出口",
    ),
    (
        "贸易",
        "日用百货销售；服装服饰批发；针纺织品销售；货物进出口",
    ),
    (
        "餐饮管理",
        "餐饮服务；餐饮管理；食品销售（仅销售预包装食品）",
    ),
    (
        "物流",
        "普通货物仓储服务（不含危险化学品等需许可审批的项目）；国内货物运输代理；装卸搬运",
    ),
    ("建筑工程", "建设工程施工；建筑材料销售；园林绿化工程施工"),
    ("新材料", "新材料技术研发；塑料制品制造；合成材料销售"),
    ("食品", "食品生产；食品销售；农副产品销售"),
    (
        "文化传媒",
        "组织文化艺术交流活动；广告设计、代理；会议及展览服务",
    ),
    (
        "自动化设备",
        "工业自动控制系统装置制造；智能机器人的研发；机械设备销售",
    ),
    (
        "企业管理咨询",
        "企业管理咨询；信息咨询服务（不含许可类信息咨询服务）；市场营销策划",
    ),
];

const SHOPS: &[(&str, &str)] = &[
    ("小吃店", "餐饮服务；小餐饮"),
    ("便利店", "食品销售；日用百货销售；烟草制品零售"),
    ("理发店", "理发服务；生活美容服务"),
    ("五金店", "五金产品零售；建筑装饰材料销售"),
    ("服装店", "服装服饰零售；鞋帽零售"),
    ("水果店", "新鲜水果零售；食品销售（仅销售预包装食品）"),
];

const WORDS: &str =
    "鼎华晟瑞泰丰源恒信达宏远嘉盛兴隆昌益新亿聚德顺博通联创卓越锦润明辉腾宇睿航海誉";

/// A name no other demo entity has: the `i`th pair of words with a trade.
pub(super) fn company_name(i: usize, trade: &str, town: &str) -> String {
    let w: Vec<char> = WORDS.chars().collect();
    let n = w.len();
    // Two different words: the second a step of 1 to n-1 after the first.
    let (a, b) = (w[i % n], w[(i % n + 1 + (i / n) % (n - 1)) % n]);
    let round = i / (n * n);
    let extra = match round {
        0 => "",
        r => ["第二", "第三", "第四", "第五", "第六"][(r - 1) % 5],
    };
    format!("昆山{town}{a}{b}{extra}{trade}有限公司")
}

pub(super) fn adult_id(rng: &mut ChaCha8Rng, today: NaiveDate) -> String {
    loop {
        let age = rng.random_range(22..60);
        let born = today - chrono::Days::new(age * 365 + rng.random_range(0..365));
        if let Ok(id) = IdNumber::compose("320583", born, rng.random_range(1..999)) {
            return id.as_str().to_string();
        }
    }
}

/// Approves and closes a registration's case on `day` (its credit code and license
/// are generated then).
async fn decide(
    store: &Store,
    approver: &tongban_store::org::Principal,
    case_no: &str,
    day: NaiveDate,
) -> anyhow::Result<()> {
    let no = CaseNo::parse(case_no).map_err(|e| anyhow::anyhow!("{e}"))?;
    for (action, hour) in [("approve", 14), ("close", 16)] {
        let input = tongban_store::cases::ActionInput {
            action: Some(action.into()),
            ..Default::default()
        };
        tongban_store::cases::act_at(store, approver, &no, &input, local_at(day, hour))
            .await
            .map_err(|e| anyhow::anyhow!("demo registration {action} {case_no}: {e}"))?;
    }
    Ok(())
}

/// About 2,000 establishments at scale 1 this year so far (companies and individual
/// businesses), a tenth of them changed and a few deregistered later; the number of
/// entities registered.
pub async fn seed(
    store: &Store,
    year: i32,
    today: NaiveDate,
    scale: f64,
    seed: u64,
) -> anyhow::Result<usize> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x5a5a_0016);
    let clerk = tongban_store::org::principal_by_username(store, "sj.clerk").await?;
    let approver = tongban_store::org::principal_by_username(store, "sj.approver").await?;
    if reg::items(store, RegistrationKind::Establish)
        .await?
        .is_empty()
    {
        return Ok(0);
    }
    let individual_item = reg::items(store, RegistrationKind::Establish)
        .await?
        .into_iter()
        .find(|(_, name)| name.contains("个体工商户"))
        .map(|(code, _)| code);
    let towns: Vec<(String, String)> = store
        .points_cached()
        .await?
        .iter()
        .filter(|p| p.kind == PointKind::Town)
        .map(|p| {
            let short = p
                .name
                .trim_end_matches("便民服务中心")
                .trim_end_matches("区镇")
                .trim_end_matches('镇')
                .to_string();
            (p.code.clone(), short)
        })
        .collect();
    if towns.is_empty() {
        return Ok(0);
    }
    let cal = tongban_store::calendar::current(store).await?;
    let from = NaiveDate::from_ymd_opt(year, 1, 1).unwrap_or(today);
    let span = (today - from).num_days().max(1);
    let n = ((2000.0 * scale).round() as usize).clamp(30, 4000);
    let bar = indicatif::ProgressBar::new(n as u64);
    bar.set_style(crate::cli::progress_style());
    bar.set_message("生成商事登记");
    let mut registered: Vec<(String, NaiveDate)> = vec![];
    for i in 0..n {
        bar.inc(1);
        let filed = cal.deadline_or_estimate(
            from + chrono::Days::new(rng.random_range(0..span) as u64),
            0,
        );
        if filed >= today {
            continue;
        }
        let (town, town_name) = towns[rng.random_range(0..towns.len())].clone();
        let rep = person_name(&mut rng);
        let rep_id = adult_id(&mut rng, filed);
        let individual = individual_item.is_some() && rng.random_bool(0.35);
        let (input, item) = if individual {
            let (shop, scope) = SHOPS[rng.random_range(0..SHOPS.len())];
            let fen = rng.random_range(1..=30) * 1_000_000;
            (
                EstablishInput {
                    name: format!("昆山市{town_name}{rep}{shop}"),
                    entity_type: "individual".into(),
                    town,
                    address: format!("{town_name}镇人民路{}号", rng.random_range(1..400)),
                    legal_rep_name: rep.clone(),
                    legal_rep_id_number: rep_id.clone(),
                    legal_rep_phone: mobile(&mut rng),
                    registered_capital_fen: Some(fen),
                    business_scope: scope.into(),
                    investors: vec![InvestorInput {
                        name: rep,
                        id_number: rep_id,
                        credit_code: String::new(),
                        subscribed_fen: Some(fen),
                    }],
                },
                individual_item.clone(),
            )
        } else {
            let (trade, scope) = TRADES[rng.random_range(0..TRADES.len())];
            let total = rng.random_range(1..=100) * 10_000_000;
            let partners = rng.random_range(1..=3usize);
            let mut investors = vec![];
            let mut left = total;
            for k in 0..partners {
                let (name, id) = if k == 0 {
                    (rep.clone(), rep_id.clone())
                } else {
                    (person_name(&mut rng), adult_id(&mut rng, filed))
                };
                let share = if k + 1 == partners {
                    left
                } else {
                    (left / 2 / 1_000_000) * 1_000_000
                };
                left -= share;
                investors.push(InvestorInput {
                    name,
                    id_number: id,
                    credit_code: String::new(),
                    subscribed_fen: Some(share),
                });
            }
            (
                EstablishInput {
                    name: company_name(i, trade, &town_name),
                    entity_type: "llc".into(),
                    town,
                    address: format!(
                        "{town_name}镇{}路{}号",
                        ["前进", "黄河", "长江", "祖冲之", "同丰", "萧林"][rng.random_range(0..6)],
                        rng.random_range(1..900)
                    ),
                    legal_rep_name: rep,
                    legal_rep_id_number: rep_id,
                    legal_rep_phone: mobile(&mut rng),
                    registered_capital_fen: Some(total),
                    business_scope: scope.into(),
                    investors,
                },
                None,
            )
        };
        let view = match reg::establish(store, &clerk, &input, item.as_deref(), local_at(filed, 9))
            .await
        {
            Ok(v) => v,
            // A name taken (the demo's words repeat): that one is left out.
            Err(tongban_store::StoreError::Conflict { .. }) => continue,
            Err(e) => anyhow::bail!("demo registration of {}: {e}", input.name),
        };
        let decided = cal.deadline_or_estimate(filed, rng.random_range(1..=3));
        if decided >= today {
            continue;
        }
        decide(store, &approver, &view.case_no, decided).await?;
        let code = reg::entities::registration(store, &approver, &view.case_no)
            .await?
            .credit_code
            .ok_or_else(|| anyhow::anyhow!("demo registration {}: no code", view.case_no))?;
        registered.push((code, decided));
    }
    bar.finish_and_clear();
    // A tenth changed later in the year, a few deregistered.
    for (k, (code, since)) in registered.iter().enumerate() {
        let later = cal.deadline_or_estimate(*since, rng.random_range(10..60));
        if later >= today || k % 10 != 3 && k % 40 != 7 {
            continue;
        }
        let view = if k % 10 == 3 {
            let mut input = ChangeInput {
                credit_code: code.clone(),
                contact_name: person_name(&mut rng),
                contact_phone: mobile(&mut rng),
                ..Default::default()
            };
            if k % 20 == 3 {
                input.business_scope =
                    format!("{}；货物进出口；技术进出口", TRADES[k % TRADES.len()].1);
            } else {
                let (town, town_name) = towns[rng.random_range(0..towns.len())].clone();
                input.town = town;
                input.address = format!("{town_name}镇创业路{}号", rng.random_range(1..300));
            }
            reg::change(store, &clerk, &input, None, local_at(later, 10)).await
        } else {
            let input = DeregisterInput {
                credit_code: code.clone(),
                contact_name: person_name(&mut rng),
                contact_phone: mobile(&mut rng),
                reason: "股东会决议解散".into(),
            };
            reg::deregister(store, &clerk, &input, None, local_at(later, 10)).await
        };
        let view = view.map_err(|e| anyhow::anyhow!("demo registration change of {code}: {e}"))?;
        let decided = cal.deadline_or_estimate(later, rng.random_range(1..=3));
        if decided < today {
            decide(store, &approver, &view.case_no, decided).await?;
        }
    }
    Ok(registered.len())
}
