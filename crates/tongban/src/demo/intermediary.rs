//! The intermediary registry and the 中介超市 in the demo: a hundred agencies (a few
//! once tied to a government body and decoupled, two still tied, some penalised),
//! their qualifications and fee standards, the catalog items that need each service,
//! and a year of service requests from project owners — quoted, selected by each
//! rule, delivered and rated — through the same store functions the pages use.

use chrono::{Datelike, NaiveDate};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use tongban_domain::codes::{CreditCode, Phone};
use tongban_domain::intermediary::{
    Agency, Penalty, Qualification, Rating, Request, Rule, Service,
};
use tongban_store::Store;
use tongban_store::audit::Actor;
use tongban_store::intermediary::{Party, agencies, market};

/// The demo agency (its code's body, name, contact, mobile), whose contact signs in
/// at `/business/login` to quote.
pub const DEMO_AGENCY: (&str, &str, &str, &str) = (
    "MA710000",
    "昆山绿源环境科技有限公司",
    "李工",
    "13900000002",
);

/// The demo agency's unified social credit code.
pub fn demo_agency_code() -> String {
    CreditCode::generate('9', '1', "320583", DEMO_AGENCY.0)
        .map(|c| c.as_str().to_string())
        .unwrap_or_default()
}

const WORDS: &[&str] = &[
    "绿源", "华测", "中衡", "正信", "恒远", "苏城", "建科", "同创", "金鼎", "天衡", "东方", "信达",
    "鼎盛", "长城", "汇智", "新华", "明德", "江南", "瑞丰", "永安", "安泰", "广厦", "宏图", "博远",
    "中联",
];

/// The trade in an agency's name for a service.
fn trade(s: Service) -> &'static str {
    match s.code() {
        "hjpj" | "stbc" => "环境科技",
        "jnpg" => "节能技术",
        "aqpj" => "安全技术",
        "dzpg" | "gckc" => "岩土工程勘察",
        "gcsj" | "sgtsc" => "建筑设计",
        "chfw" | "fcch" => "测绘",
        "jtpj" => "交通规划设计",
        "fljc" => "防雷检测",
        "xfjs" => "消防技术",
        "zljc" => "工程检测",
        "zjzx" => "工程造价咨询",
        _ => "资产评估",
    }
}

/// Words of item names that need each service (the demo catalog's items).
fn keywords(s: Service) -> &'static [&'static str] {
    match s.code() {
        "hjpj" => &["环境影响", "排污"],
        "jnpg" => &["节能", "固定资产投资项目"],
        "aqpj" => &["安全条件", "安全设施", "危险化学品"],
        "dzpg" => &["地质灾害"],
        "stbc" => &["水土保持"],
        "gckc" | "gcsj" | "sgtsc" => &["施工许可", "施工图"],
        "chfw" => &["建设工程规划", "建设用地规划"],
        "fcch" => &["不动产", "房屋"],
        "jtpj" => &["道路", "交通"],
        "fljc" => &["防雷", "雷电"],
        "xfjs" => &["消防"],
        "zljc" => &["竣工验收", "质量监督"],
        _ => &[],
    }
}

/// Seeds the registry and a year of requests to `today`; returns the requests made.
pub async fn seed(store: &Store, today: NaiveDate, scale: f64, seed: u64) -> anyhow::Result<usize> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x0018_c4a1);
    let supervisor = tongban_store::org::principal_by_username(store, "supervisor").await?;
    let staff = supervisor.actor();
    let services: Vec<Service> = Service::all().collect();

    // The catalog items that need each service.
    let items = tongban_store::catalog::all_in_force(store, today).await?;
    for s in &services {
        let codes: Vec<String> = items
            .iter()
            .filter(|i| keywords(*s).iter().any(|k| i.name.contains(k)))
            .take(6)
            .map(|i| i.code.clone())
            .collect();
        if !codes.is_empty() {
            agencies::set_service_items(store, &supervisor, s.code(), &codes).await?;
        }
    }

    // A hundred agencies, each qualified for one to three services.
    let mut registry: Vec<(String, Vec<Service>)> = vec![];
    for i in 0..100usize {
        let code = CreditCode::generate('9', '1', "320583", &format!("MA7{:05}", 10_000 + i))?;
        let main = services[i % services.len()];
        let mut held = vec![main];
        // The services it holds a valid qualification for today.
        let mut valid = vec![];
        for _ in 0..rng.random_range(0..3) {
            let s = services[rng.random_range(0..services.len())];
            if !held.contains(&s) {
                held.push(s);
            }
        }
        let (name, contact, phone) = if i == 0 {
            (
                DEMO_AGENCY.1.to_string(),
                DEMO_AGENCY.2.to_string(),
                DEMO_AGENCY.3.to_string(),
            )
        } else {
            let suffix =
                ["有限公司", "有限公司", "事务所有限公司", "咨询有限公司"][i / WORDS.len() % 4];
            (
                format!("昆山{}{}{suffix}", WORDS[i % WORDS.len()], trade(main)),
                super::person_name(&mut rng),
                format!("1390100{i:04}"),
            )
        };
        // Every tenth was a public institution's (事业单位) company, decoupled; two
        // are still tied and may not take orders.
        let (gov_body, decoupled_on) = match i % 10 {
            3 => (
                Some(format!(
                    "昆山市{}",
                    ["住房和城乡建设局", "生态环境局", "自然资源和规划局"][i % 3]
                )),
                NaiveDate::from_ymd_opt(today.year() - 1 - (i as i32 % 3), 6, 30),
            ),
            7 if i < 20 => (Some("昆山市气象局".to_string()), None),
            _ => (None, None),
        };
        let a = Agency {
            credit_code: code.clone(),
            name,
            address: format!(
                "昆山市{}路{}号",
                ["前进西", "人民南", "长江北", "马鞍山中", "黄河南"][i % 5],
                10 + i
            ),
            contact_name: contact,
            phone: Phone::parse(&phone)?,
            gov_body,
            decoupled_on,
        };
        let registered = today - chrono::Days::new(400 + rng.random_range(0..900));
        agencies::keep_agency(store, &staff, &a, registered).await?;
        for (k, s) in held.iter().enumerate() {
            let from = registered - chrono::Days::new(rng.random_range(0..700));
            // One in twenty of the extra qualifications has lapsed.
            let until = if k > 0 && rng.random_range(0..20) == 0 {
                today - chrono::Days::new(rng.random_range(5..90))
            } else {
                today + chrono::Days::new(rng.random_range(120..1400))
            };
            let q = Qualification {
                service: *s,
                name: format!("{}资质", s.name()),
                level: ["甲级", "乙级", "丙级"][rng.random_range(0..3)].into(),
                cert_no: format!("{}-{:04}-{:02}", s.code().to_uppercase(), 1000 + i, k),
                valid_from: from,
                valid_until: until,
                fee_standard: format!(
                    "按《{}收费标准》下浮{}%计取，单项不低于{}元",
                    s.name(),
                    rng.random_range(5..30),
                    rng.random_range(2..10) * 1000
                ),
            };
            agencies::keep_qualification(store, &staff, code.as_str(), &q).await?;
            if until >= today {
                valid.push(*s);
            }
        }
        if i % 17 == 5 {
            let decided = today - chrono::Days::new(rng.random_range(30..500));
            let pen = Penalty {
                reason: [
                    "出具的报告存在重大错漏",
                    "超出资质范围承接业务",
                    "无正当理由拒绝提交成果",
                ][i % 3]
                    .into(),
                authority: "昆山市住房和城乡建设局".into(),
                decided_on: decided,
                valid_until: decided + chrono::Days::new(365),
                points: [10, 15, 30][i % 3],
            };
            agencies::keep_penalty(store, &staff, code.as_str(), &pen).await?;
        }
        registry.push((code.as_str().to_string(), valid));
    }
    let quoting = |s: Service, owner: &str| -> Vec<&String> {
        registry
            .iter()
            .enumerate()
            .filter(|(i, (c, held))| {
                held.contains(&s) && c != owner && !(i % 10 == 7 && *i < 20) && i % 17 != 5
            })
            .map(|(_, (c, _))| c)
            .collect()
    };

    // Project owners: the demo's construction projects, and the demo enterprise.
    let projects = tongban_store::projects::owners(store).await?;
    let demo_agency = demo_agency_code();
    let n = ((600.0 * scale).round() as usize).clamp(240, 3000);
    let first = today - chrono::Days::new(360);
    let mut made = 0;
    for k in 0..n {
        let demo_owner = k % 40 == 0 || k + 1 == n;
        let (project, owner_code, owner_name) = if demo_owner || projects.is_empty() {
            (
                None,
                super::DEMO_ENTERPRISE.0.to_string(),
                super::DEMO_ENTERPRISE.1.to_string(),
            )
        } else {
            let (p, c, o) = &projects[rng.random_range(0..projects.len())];
            (Some(p.clone()), c.clone(), o.clone())
        };
        // The newest few are still quoting.
        let open = k + 6 >= n;
        let published = if open {
            today - chrono::Days::new(rng.random_range(0..3))
        } else {
            first + chrono::Days::new((k * 340 / n) as u64)
        };
        // The demo enterprise's newest request is for the demo agency's service, so
        // the demo agency has one to quote on.
        let s = if k + 1 == n {
            services[0]
        } else {
            services[rng.random_range(0..services.len())]
        };
        let budget_fen: i64 = rng.random_range(8..120) * 500_000;
        let rule = match rng.random_range(0..10) {
            0..=4 => Rule::Lowest,
            5..=7 => Rule::Random,
            _ => Rule::Direct,
        };
        let (rule, budget_fen) = if rule == Rule::Direct {
            (rule, budget_fen.min(4_500_000))
        } else {
            (rule, budget_fen)
        };
        let deadline = published + chrono::Days::new(rng.random_range(3..8));
        let r = Request {
            service: s,
            title: format!("{}服务采购", s.name()),
            content: format!(
                "委托编制{}成果，须满足审批部门要求，按时提交并配合审查修改。",
                s.name()
            ),
            project: project.clone(),
            budget_fen,
            rule,
            reason: (rule == Rule::Direct)
                .then(|| "金额较小、时间紧，选取熟悉项目情况的机构".to_string()),
            deadline,
        };
        let owner_actor = Actor {
            user_id: None,
            name: format!("enterprise:{owner_code}"),
        };
        let seed = format!("{:032x}", rng.random::<u128>());
        let who = (owner_code.as_str(), owner_name.as_str());
        let no = market::keep_request(store, &owner_actor, who, &r, published, Some(seed)).await?;
        made += 1;
        let mut candidates = quoting(s, &owner_code);
        let want = rng.random_range(2..7).min(candidates.len());
        for j in 0..want {
            let pick = rng.random_range(j..candidates.len());
            candidates.swap(j, pick);
        }
        // The demo agency leaves the open ones for the newcomer to quote.
        candidates.truncate(want);
        if open {
            candidates.retain(|c| c.as_str() != demo_agency.as_str());
        }
        let mut quoted: Vec<String> = vec![];
        for c in &candidates {
            let fen = budget_fen * rng.random_range(60..100) / 100;
            let agency_actor = Actor {
                user_id: None,
                name: format!("enterprise:{c}"),
            };
            let on = published
                + chrono::Days::new(rng.random_range(0..=(deadline - published).num_days() as u64));
            match market::keep_quote(
                store,
                &agency_actor,
                c,
                &no,
                &format!("{}.{:02}", fen / 100, fen % 100),
                &rng.random_range(5..40).to_string(),
                "",
                on.min(today),
            )
            .await
            {
                Ok(()) => quoted.push(c.to_string()),
                // An agency rated below the line since no longer quotes.
                Err(tongban_store::StoreError::Forbidden(_)) => {}
                Err(e) => return Err(e.into()),
            }
        }
        let candidates = quoted;
        if open || candidates.is_empty() {
            continue;
        }
        let selected_on = deadline + chrono::Days::new(1);
        if selected_on > today {
            continue;
        }
        let chosen = if rule == Rule::Direct {
            candidates[0].as_str()
        } else {
            ""
        };
        let owner_party = tongban_store::enterprise::EnterpriseSession {
            credit_code: owner_code.clone(),
            enterprise_name: owner_name.clone(),
            contact_name: String::new(),
            phone: String::new(),
            csrf: String::new(),
        };
        let party = Party::Enterprise(&owner_party);
        market::select_on(store, &party, &no, chosen, selected_on).await?;
        let v = market::request(store, &party, &no).await?;
        let Some(agency) = v.selected_agency.clone() else {
            continue;
        };
        let delivered = selected_on + chrono::Days::new(rng.random_range(5..40));
        if delivered > today || rng.random_range(0..10) == 0 {
            continue;
        }
        let agency_actor = Actor {
            user_id: None,
            name: format!("enterprise:{agency}"),
        };
        market::deliver_on(
            store,
            &agency_actor,
            &agency,
            &no,
            "已提交成果文件并通过审批部门审查",
            delivered,
        )
        .await?;
        let rated = delivered + chrono::Days::new(rng.random_range(1..10));
        // The demo enterprise's latest delivered one waits for its rating.
        if rated > today || (demo_owner && k + 80 >= n) {
            continue;
        }
        let mark = |rng: &mut ChaCha8Rng| [5, 5, 5, 4, 4, 4, 3, 2][rng.random_range(0..8)];
        let rating = Rating {
            quality: mark(&mut rng),
            timeliness: mark(&mut rng),
            attitude: mark(&mut rng),
            fees: mark(&mut rng),
        };
        market::rate_on(store, &party, &no, rating, None, rated).await?;
    }
    Ok(made)
}
