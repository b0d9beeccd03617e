//! The enterprise complaint center in the demo: some of the year's construction
//! projects hooked to it, each tracked weekly by its responsible staff since.

use super::person_name;
use chrono::NaiveDate;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use tongban_domain::enterprise::{ProgressInput, week_of};
use tongban_store::Store;

const STEPS: &[&str] = &[
    "立项备案已完成，正在办理用地规划许可",
    "用地规划许可已核发，工程规划许可材料已受理",
    "施工图审查合格，施工许可并联审批中",
    "施工许可已核发，基础施工中",
    "主体结构施工中，消防设计审查已通过",
    "主体结构封顶，准备申请联合验收",
];

const PROBLEMS: &[&str] = &[
    "",
    "",
    "",
    "人防易地建设费缴纳标准需住建、人防部门确认",
    "供电接入方案待供电公司答复",
];

/// Hooks about a fifth of the projects (at least a few) and enters their weeks up to
/// `today`; the number of weeks entered.
pub async fn seed(store: &Store, today: NaiveDate, seed: u64) -> anyhow::Result<usize> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x0017_e0e0);
    let supervisor = tongban_store::org::principal_by_username(store, "supervisor").await?;
    let projects = tongban_store::projects::tracking::examples(store, 40).await?;
    let mut weeks = 0;
    for (i, (code, _)) in projects.iter().enumerate() {
        if i % 2 == 1 {
            continue;
        }
        let since = today - chrono::Days::new(rng.random_range(20..200));
        // Entered on the day hooked, as the office would have.
        let hooked = tongban_store::enterprise::hook(
            store,
            &supervisor,
            code,
            &format!("企业服务科 {}", person_name(&mut rng)),
            since,
        )
        .await;
        if hooked.is_err() {
            continue;
        }
        let mut week = week_of(since);
        let mut step = 0usize;
        while week <= today {
            let input = ProgressInput {
                week: week.to_string(),
                progress: STEPS[step.min(STEPS.len() - 1)].into(),
                problems: PROBLEMS[rng.random_range(0..PROBLEMS.len())].into(),
            };
            tongban_store::enterprise::record_progress(store, &supervisor, code, &input).await?;
            weeks += 1;
            if rng.random_bool(0.25) {
                step += 1;
            }
            week = week + chrono::Days::new(7);
            if week > today {
                break;
            }
        }
    }
    Ok(weeks)
}

/// What enterprises complain of, the department it goes to, and how it was answered.
const COMPLAINTS: &[(&str, &str, &str, &str)] = &[
    (
        "施工许可办理超时",
        "我公司厂房项目施工许可申请已受理二十个工作日，至今未有答复，影响开工。",
        "ZJ",
        "经核查，该项目施工图审查意见已于本周回复，施工许可已核发，已电话告知企业。",
    ),
    (
        "消防设计审查意见反复",
        "消防设计审查先后三次提出不同的修改意见，希望一次性告知。",
        "ZJ",
        "已约企业当面沟通，一次性出具审查意见清单，并对承办人员进行提醒谈话。",
    ),
    (
        "食品经营许可现场核查预约难",
        "提交食品经营许可申请后，现场核查一直约不上时间。",
        "SJ",
        "已安排核查人员于次日上门核查，并开通了网上预约现场核查的渠道。",
    ),
    (
        "出口退税进度慢",
        "出口退税申报已一个多月，退税款仍未到账。",
        "SW",
        "经查系申报资料中报关单号有误，已指导企业更正，退税款已办理。",
    ),
    (
        "用工备案系统无法提交",
        "社保用工备案网上系统多次提交失败。",
        "RS",
        "系统故障已修复，已协助企业完成备案。",
    ),
    (
        "道路挖掘许可审批慢",
        "厂区接入市政管网需要挖掘道路，许可迟迟未批。",
        "JT",
        "已会同城管部门现场踏勘，许可已于三个工作日内办结。",
    ),
    (
        "用地规划条件不明确",
        "项目用地规划条件中的容积率与出让文件不一致。",
        "ZRZY",
        "已组织规划、土地部门复核，出具了统一的规划条件说明。",
    ),
];

/// The first of them, as the demo's start tells newcomers (its code is
/// `MA1Q2000`'s, with both check characters; a test keeps them alike).
pub const FIRST_ENTERPRISE: (&str, &str) = ("91320583MA1Q200031", "昆山精密模具有限公司");
/// Its contact, registered by the center, who signs in for it.
pub const FIRST_CONTACT: (&str, &str) = ("王经理", "13900000001");

const ENTERPRISES: &[&str] = &[
    "昆山精密模具有限公司",
    "昆山华通电子科技有限公司",
    "苏州瑞丰新材料有限公司",
    "昆山德众食品有限公司",
    "昆山永升物流有限公司",
    "昆山台达机电有限公司",
    "昆山宏远建设工程有限公司",
    "昆山绿源环保科技有限公司",
];

/// A year of enterprise complaints to `today`: received on the web, by phone or at
/// the center, assigned, answered (a few late, a few still open), most rated.
pub async fn complaints(store: &Store, today: NaiveDate, seed: u64) -> anyhow::Result<usize> {
    use tongban_domain::codes::{CreditCode, Phone};
    use tongban_domain::enterprise::{Complaint, ComplaintChannel};
    use tongban_store::enterprise::{History, keep, replay};
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x0017_c0c0);
    let supervisor = tongban_store::org::principal_by_username(store, "supervisor").await?;
    let known: Vec<String> = tongban_store::org::departments(store)
        .await?
        .into_iter()
        .map(|d| d.code)
        .collect();
    let codes: Vec<CreditCode> = (0..ENTERPRISES.len())
        .map(|i| CreditCode::generate('9', '1', "320583", &format!("MA1Q{:04}", 2000 + i)))
        .collect::<Result<_, _>>()?;
    let (contact, phone) = FIRST_CONTACT;
    tongban_store::enterprise::add_contact(store, &supervisor, FIRST_ENTERPRISE.0, contact, phone)
        .await?;
    let mut n = 0;
    let mut day = today - chrono::Days::new(360);
    while day < today {
        day = day + chrono::Days::new(rng.random_range(1..5));
        if day > today {
            break;
        }
        let (subject, content, dept, answer) = COMPLAINTS[rng.random_range(0..COMPLAINTS.len())];
        if !known.iter().any(|k| k == dept) {
            continue;
        }
        let e = rng.random_range(0..ENTERPRISES.len());
        let channel = match rng.random_range(0..10) {
            0..=5 => ComplaintChannel::Web,
            6..=8 => ComplaintChannel::Phone,
            _ => ComplaintChannel::Visit,
        };
        let c = Complaint {
            channel,
            credit_code: codes[e].clone(),
            enterprise_name: ENTERPRISES[e].into(),
            contact_name: person_name(&mut rng),
            phone: Phone::parse(&format!("139{:08}", rng.random_range(0..100_000_000u32)))?,
            subject: subject.into(),
            content: content.into(),
            project: None,
        };
        let actor = if channel == ComplaintChannel::Web {
            tongban_store::audit::Actor {
                user_id: None,
                name: format!("enterprise:{}", c.credit_code.as_str()),
            }
        } else {
            supervisor.actor()
        };
        let no = keep(
            store,
            &actor,
            &c,
            tongban_store::time::morning_of(day),
            false,
        )
        .await?;
        n += 1;
        // The newest few wait for the center to assign them.
        if (today - day).num_days() < 3 {
            continue;
        }
        let assigned_on = day + chrono::Days::new(1);
        let took = rng.random_range(1..8u64);
        let answered_on = assigned_on + chrono::Days::new(took);
        let answer = (answered_on < today).then(|| (answer.to_string(), answered_on));
        let rated_on = answered_on + chrono::Days::new(rng.random_range(1..4));
        let rating = (answer.is_some() && rated_on < today && rng.random_bool(0.8)).then(|| {
            let level = if took > 6 {
                rng.random_range(2..=4)
            } else {
                rng.random_range(4..=5)
            };
            (level, String::new(), rated_on)
        });
        let h = History {
            department: dept.into(),
            limit_days: 5,
            assigned_on,
            answer,
            rating,
        };
        replay(store, &supervisor.actor(), &no, &h).await?;
    }
    Ok(n)
}

/// Who hands out the survey's links.
const DISTRIBUTORS: &[(&str, &str)] = &[
    ("巴城镇招商服务中心", "town"),
    ("周市镇招商服务中心", "town"),
    ("花桥经济开发区招商服务中心", "town"),
    ("昆山市总商会", "chamber"),
    ("昆山市台商协会", "taiwan"),
];

/// What enterprises write of a department.
const SAYINGS: &[&str] = &[
    "",
    "",
    "",
    "窗口服务热情周到",
    "审批材料较多，希望进一步精简审批材料",
    "网上办理系统经常卡顿",
    "审批时限还可以再压缩",
    "政策宣传不够及时，企业不了解新政策",
    "现场核查预约时间较长",
    "希望提供上门服务和帮办代办",
];

/// The departments a year of surveys scores: those whose work enterprises meet most.
const SCORED: &[&str] = &["SJ", "ZJ", "ZRZY", "SW", "RS", "JT", "FG", "HB"];

/// A year of quarterly satisfaction surveys to `today`: the past quarters closed,
/// this one open; links handed out by the distributors and answered by most.
pub async fn surveys(store: &Store, today: NaiveDate, seed: u64) -> anyhow::Result<usize> {
    use std::collections::HashMap;
    use tongban_domain::supervision::Quarter;
    use tongban_domain::survey::{QuestionnaireInput, comment_field, score_field};
    use tongban_store::enterprise::{self as e, Recipient};
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x0017_5075);
    let supervisor = tongban_store::org::principal_by_username(store, "supervisor").await?;
    for (name, kind) in DISTRIBUTORS {
        e::add_distributor(store, &supervisor, name, kind).await?;
    }
    let known: Vec<String> = tongban_store::org::departments(store)
        .await?
        .into_iter()
        .map(|d| d.code)
        .collect();
    let scored: Vec<String> = SCORED
        .iter()
        .filter(|c| known.iter().any(|k| k == *c))
        .map(|c| c.to_string())
        .collect();
    let questions = "服务态度\n办事效率\n政策宣传与解读\n解决企业问题的能力";
    let now = Quarter::of(today);
    let mut quarters = vec![now];
    for _ in 0..3 {
        let q = quarters.last().copied().unwrap_or(now).previous();
        quarters.push(q);
    }
    quarters.reverse();
    let mut answered = 0;
    for (i, q) in quarters.iter().enumerate() {
        e::open_survey(
            store,
            &supervisor,
            &QuestionnaireInput {
                quarter: q.to_string(),
                title: format!("{}政府满意度测评", q.label()),
                questions: questions.into(),
                departments: scored.clone(),
            },
        )
        .await?;
        // Handed out in the quarter's last month (this quarter: now), answered within days.
        let issued_on = (q.last_day() - chrono::Days::new(25)).min(today);
        let issued_at = tongban_store::time::morning_of(issued_on);
        // Each quarter a little better than the one before.
        let lift = i as u32;
        for (name, _) in DISTRIBUTORS {
            let count = rng.random_range(8..16u32).to_string();
            let to = Recipient::Distributor {
                name,
                count: &count,
            };
            let tokens =
                e::issue_links_at(store, &supervisor, &q.to_string(), to, issued_at).await?;
            for t in tokens {
                if !rng.random_bool(0.75) {
                    continue;
                }
                let day = (issued_on + chrono::Days::new(rng.random_range(0..10))).min(today);
                let mut form: HashMap<String, String> = HashMap::new();
                for d in &scored {
                    for k in 0..4 {
                        let base = rng.random_range(3..=5u32);
                        let score = if base < 5 && rng.random_range(0..4) < lift {
                            base + 1
                        } else {
                            base
                        };
                        form.insert(score_field(d, k), score.to_string());
                    }
                    let said = SAYINGS[rng.random_range(0..SAYINGS.len())];
                    form.insert(comment_field(d), said.into());
                }
                e::answer_survey_at(store, &t, &form, tongban_store::time::morning_of(day)).await?;
                answered += 1;
            }
        }
        if *q != now {
            e::close_survey(store, &supervisor, &q.to_string()).await?;
        }
    }
    Ok(answered)
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_first_enterprise_named_at_the_start_is_the_seeded_one() {
        let code =
            tongban_domain::codes::CreditCode::generate('9', '1', "320583", "MA1Q2000").unwrap();
        assert_eq!(
            (code.as_str(), super::ENTERPRISES[0]),
            super::FIRST_ENTERPRISE
        );
    }
}
