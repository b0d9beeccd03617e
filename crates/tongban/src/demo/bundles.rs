//! "One thing" bundles in the demo (一件事一次办): 出生一件事 (birth certificate,
//! birth registration in the household register, residents' medical insurance; applied for online or at
//! the window, one joined form), 开办企业一件事 (business license with social
//! insurance, medical insurance and housing fund registration) and 开餐馆一件事
//! (business license and food business license, "一体化"); a year of applications
//! at the comprehensive window, each department deciding its own case on its own
//! day, a few refused with their reasons, the last days' still in progress.

use super::projects::local_at;
use super::registration::{adult_id, company_name};
use super::{mobile, person_name};
use chrono::NaiveDate;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::collections::HashMap;
use tongban_domain::auto_approval::FormField;
use tongban_domain::bundle::{Bundle, BundleApplicationInput, BundleCode, Event};
use tongban_domain::case::{ApplicantInput, CaseNo};
use tongban_domain::catalog::{ItemContent, ItemStatus, OnlineDepth};
use tongban_domain::codes::IdNumber;
use tongban_domain::registration::{EstablishInput, InvestorInput};
use tongban_store::Store;
use tongban_store::audit::Actor;
use tongban_store::cases::Creator;

const BIRTH_CERTIFICATE: &str = "《出生医学证明》首次签发";
const HOUSEHOLD: &str = "出生登记";
const RESIDENT_INSURANCE: &str = "城乡居民参保登记";
const LICENSE: &str = "企业设立登记（营业执照）";
const SOCIAL_INSURANCE: &str = "企业社会保险登记";
const MEDICAL_INSURANCE: &str = "单位参保登记";
const HOUSING_FUND: &str = "单位住房公积金缴存登记";
const FOOD: &str = "食品经营许可";

/// A demo bundle: code, name, event, theme, description, member items.
type DemoBundle = (
    &'static str,
    &'static str,
    Event,
    &'static str,
    &'static str,
    &'static [&'static str],
);

const BUNDLES: &[DemoBundle] = &[
    (
        "YJS-CS",
        "出生一件事",
        Event::Life,
        "出生",
        "新生儿出生后，父母一次申请出生医学证明、户口登记和城乡居民医保参保，不再分别跑卫健、公安、医保三个部门。",
        &[BIRTH_CERTIFICATE, HOUSEHOLD, RESIDENT_INSURANCE],
    ),
    (
        "YJS-KBQY",
        "开办企业一件事",
        Event::Enterprise,
        "开办企业",
        "企业设立登记与社保、医保、住房公积金单位登记一次申请：核准后即领营业执照（统一社会信用代码），各项登记同步办结。",
        &[LICENSE, SOCIAL_INSURANCE, MEDICAL_INSURANCE, HOUSING_FUND],
    ),
    (
        "YJS-KCG",
        "开餐馆一件事",
        Event::Enterprise,
        "开餐馆",
        "营业执照与食品经营许可“一体化”办理：一次提交、一次受理，两证同发。",
        &[LICENSE, FOOD],
    ),
];

/// Whether an item belongs to a demo bundle (the reforms leave those alone).
pub fn is_member(name: &str) -> bool {
    BUNDLES.iter().any(|b| b.5.contains(&name))
}

fn field(line: &str, n: usize) -> FormField {
    FormField::parse_line(line, n).expect("a demo form field")
}

/// The bundles' items: in use, applied for online where the birth bundle needs it,
/// with the forms the birth items share (joined into one for the bundle).
pub fn shape_item(name: &str, c: &mut ItemContent) {
    if !is_member(name) {
        return;
    }
    c.status = ItemStatus::InUse;
    // Every member may be applied for online, so each bundle can be.
    if !c.online_depth.accepts_online() {
        c.online_depth = OnlineDepth::PreReview;
    }
    let fields = match name {
        BIRTH_CERTIFICATE => vec![
            field("child_name|新生儿姓名|文本|是", 1),
            field("birth_date|出生日期|日期|是", 2),
            field("hospital|出生医院|文本|是", 3),
        ],
        HOUSEHOLD => vec![
            field("child_name|新生儿姓名|文本|否", 1),
            field("birth_date|出生日期|日期|否", 2),
            field("household_address|落户地址|文本|否", 3),
        ],
        RESIDENT_INSURANCE => vec![
            field("child_name|新生儿姓名|文本|否", 1),
            field("birth_date|出生日期|日期|否", 2),
        ],
        _ => return,
    };
    c.fields = fields;
    c.instant = false;
    c.commitment = None;
    c.auto_approval = None;
    if c.promised.days == 0 {
        c.promised.days = 3;
    }
}

/// The department's approver of each member item's department.
const APPROVERS: &[(&str, &str)] = &[
    ("SJ", "sj.approver"),
    ("RS", "rs.approver"),
    ("YB", "yb.approver"),
    ("WJ", "wj.approver"),
    ("GA", "ga.approver"),
    ("GJJ", "gjj.approver"),
];

/// Reasons a department refuses its part of a bundle.
const REFUSALS: &[&str] = &[
    "经营场所位于居民住宅楼内，不符合食品经营许可的场所要求",
    "申请人提交的出生医学证明信息与医院分娩记录不一致，请核实后重新申请",
    "单位尚有未结清的历史欠费，请先到窗口办理补缴",
];

/// An establishment for a bundle: a limited company, its legal representative its
/// first investor.
fn establishment(
    rng: &mut ChaCha8Rng,
    i: usize,
    trade: (&str, &str),
    town: &(String, String),
    on: NaiveDate,
) -> EstablishInput {
    let rep = person_name(rng);
    let rep_id = adult_id(rng, on);
    let total = rng.random_range(1..=50) * 10_000_000;
    EstablishInput {
        name: company_name(i, trade.0, &town.1),
        entity_type: "llc".into(),
        town: town.0.clone(),
        address: format!("{}镇人民南路{}号", town.1, rng.random_range(1..600)),
        legal_rep_name: rep.clone(),
        legal_rep_id_number: rep_id.clone(),
        legal_rep_phone: mobile(rng),
        registered_capital_fen: Some(total),
        business_scope: trade.1.into(),
        investors: vec![InvestorInput {
            name: rep,
            id_number: rep_id,
            credit_code: String::new(),
            subscribed_fen: Some(total),
        }],
    }
}

/// A parent applying for a newborn: the joined form's answers.
fn birth(rng: &mut ChaCha8Rng, on: NaiveDate) -> (ApplicantInput, Vec<(String, String)>) {
    let parent = person_name(rng);
    let born = on - chrono::Days::new(rng.random_range(10_000..14_000));
    let id = IdNumber::compose("320583", born, rng.random_range(1..999))
        .map(|i| i.as_str().to_string())
        .unwrap_or_default();
    let surname: String = parent.chars().take(1).collect();
    let child = format!(
        "{surname}{}",
        person_name(rng).chars().skip(1).collect::<String>()
    );
    let birth_date = on - chrono::Days::new(rng.random_range(3..40));
    (
        ApplicantInput {
            kind: Some("person".into()),
            name: Some(parent),
            id_type: Some("resident_id".into()),
            id_number: Some(id),
            phone: Some(mobile(rng)),
            ..Default::default()
        },
        vec![
            ("child_name".into(), child),
            ("birth_date".into(), birth_date.to_string()),
            (
                "hospital".into(),
                ["昆山市第一人民医院", "昆山市妇幼保健院", "昆山市中医医院"]
                    [rng.random_range(0..3)]
                .into(),
            ),
        ],
    )
}

/// Defines the demo's bundles from the year's first day and files a year of their
/// applications; the number filed.
pub async fn seed(
    store: &Store,
    year: i32,
    today: NaiveDate,
    scale: f64,
    seed: u64,
) -> anyhow::Result<usize> {
    let start = NaiveDate::from_ymd_opt(year, 1, 1).unwrap_or(today);
    let items = tongban_store::catalog::all_in_force(store, start).await?;
    let actor = Actor::system("seed-demo");
    let mut defined = vec![];
    for (code, name, event, theme, description, members) in BUNDLES {
        let codes: Option<Vec<String>> = members
            .iter()
            .map(|m| items.iter().find(|i| i.name == *m).map(|i| i.code.clone()))
            .collect();
        let Some(codes) = codes else { continue };
        tongban_store::bundles::insert(
            store,
            &actor,
            Bundle {
                code: BundleCode::parse(code).map_err(|e| anyhow::anyhow!("{}", e.message))?,
                name: (*name).into(),
                event: *event,
                theme: (*theme).into(),
                description: (*description).into(),
                items: codes,
                effective_from: start,
                in_use: true,
            },
        )
        .await?;
        defined.push(*code);
    }
    if defined.is_empty() {
        return Ok(0);
    }
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x0016_b0d1);
    let clerk = tongban_store::org::principal_by_username(store, "zh.clerk").await?;
    let mut approvers = HashMap::new();
    for (dept, user) in APPROVERS {
        if let Ok(p) = tongban_store::org::principal_by_username(store, user).await {
            approvers.insert(*dept, p);
        }
    }
    let towns: Vec<(String, String)> = store
        .points_cached()
        .await?
        .iter()
        .filter(|p| p.kind == tongban_domain::org::PointKind::Town)
        .map(|p| {
            let short = p
                .name
                .trim_end_matches("便民服务中心")
                .trim_end_matches("经济开发区")
                .trim_end_matches('镇')
                .to_string();
            (p.code.clone(), short)
        })
        .collect();
    let cal = tongban_store::calendar::current(store).await?;
    let span = (today - start).num_days().max(1);
    let n = ((400.0 * scale).round() as usize).clamp(12, 800);
    let bar = indicatif::ProgressBar::new(n as u64);
    bar.set_style(crate::cli::progress_style());
    bar.set_message("生成一件事一次办");
    let mut filed = 0;
    for i in 0..n {
        bar.inc(1);
        let day = cal.deadline_or_estimate(
            start + chrono::Days::new(rng.random_range(0..span) as u64),
            0,
        );
        if day >= today {
            continue;
        }
        let code = defined[i % defined.len()];
        let mut input = BundleApplicationInput {
            channel: Some("window".into()),
            ..Default::default()
        };
        match code {
            "YJS-CS" => {
                let (applicant, form) = birth(&mut rng, day);
                input.applicant = Some(applicant);
                input.form = form.into_iter().collect();
            }
            _ if towns.is_empty() => continue,
            _ => {
                let town = &towns[rng.random_range(0..towns.len())];
                let trade = if code == "YJS-KCG" {
                    ("餐饮", "餐饮服务；食品销售；餐饮管理")
                } else {
                    (
                        "科技服务",
                        "技术服务、技术开发、技术咨询、技术交流、技术转让、技术推广",
                    )
                };
                input.registration = Some(establishment(&mut rng, 90_000 + i, trade, town, day));
            }
        }
        let guide = match tongban_store::bundles::guide(store, code).await {
            Ok(g) => g,
            Err(_) => continue,
        };
        input.materials = Some(
            guide
                .materials
                .iter()
                .filter(|m| m.required)
                .map(|m| m.name.clone())
                .collect(),
        );
        let Ok(b) = tongban_store::bundles::apply_at(
            store,
            Creator::Staff(&clerk),
            code,
            &input,
            &[],
            local_at(day, 10),
        )
        .await
        else {
            continue;
        };
        filed += 1;
        // Each department decides on its own day; the last ten days' are pending.
        for c in b.cases.iter().filter(|c| !c.ended()) {
            let Some(approver) = approvers.get(c.department.as_str()) else {
                continue;
            };
            let on = cal.deadline_or_estimate(day, rng.random_range(1..=4));
            if on + chrono::Days::new(10) >= today {
                continue;
            }
            let Ok(no) = CaseNo::parse(&c.case_no) else {
                continue;
            };
            let refuse = c.item != LICENSE && rng.random_bool(0.04);
            let steps: &[(&str, u32)] = if refuse {
                &[("reject", 15)]
            } else {
                &[("approve", 14), ("close", 16)]
            };
            for (action, hour) in steps {
                let input = tongban_store::cases::ActionInput {
                    action: Some((*action).into()),
                    note: refuse.then(|| REFUSALS[rng.random_range(0..REFUSALS.len())].into()),
                    ..Default::default()
                };
                tongban_store::cases::act_at(store, approver, &no, &input, local_at(on, *hour))
                    .await
                    .map_err(|e| anyhow::anyhow!("demo bundle {action} {}: {e}", c.case_no))?;
            }
        }
    }
    bar.finish_and_clear();
    Ok(filed)
}
