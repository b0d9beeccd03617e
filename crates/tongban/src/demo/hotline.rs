//! Demo data of the 12345 hotline: the Open311 service list mapped to member units,
//! and work orders of the year across channels and every stage of the closed loop,
//! with their events: some with co-handling units and their opinions, some returned
//! and the return rejected on review, a few emergencies transferred to 110/119/120/122;
//! deadlines from the configured time limits. Deterministic for a given seed.

use chrono::{Duration, NaiveDate, NaiveTime, TimeZone};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::collections::HashMap;
use tongban_domain::calendar::Calendar;
use tongban_domain::hotline::{
    Action, Category, Channel, EMERGENCY_EVENT, Emergency, InvalidKind, Satisfaction, Status,
    order_no,
};
use tongban_store::bulk::{V, insert_rows, repair_sequences};
use tongban_store::hotline::{NewService, continue_numbers, insert_services};
use tongban_store::org::department_by_code;
use tongban_store::{Store, time};

/// (code, name, description, group, keywords, category, unit, content templates)
type ServiceSeed = (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    Category,
    &'static str,
    &'static [&'static str],
);

const SERVICES: &[ServiceSeed] = &[
    (
        "youyan",
        "油烟扰民",
        "餐饮店铺油烟直排、油烟净化设施缺失或不运行",
        "环境保护",
        "油烟,餐饮,异味",
        Category::Complaint,
        "HB",
        &[
            "{addr}楼下烧烤店油烟直排，晚上家里窗户都不敢开，请尽快处理。",
            "{addr}新开的饭店没有装油烟净化器，油烟很大，影响居民生活。",
        ],
    ),
    (
        "zaoyin",
        "噪音扰民",
        "施工、娱乐场所、商铺等噪音影响居民休息",
        "环境保护",
        "噪音,施工,KTV",
        Category::Complaint,
        "HB",
        &[
            "{addr}附近工地夜间施工到凌晨，噪音太大，无法休息。",
            "{addr}的KTV每天营业到深夜，声音很吵，希望相关部门管一管。",
        ],
    ),
    (
        "daolu",
        "道路破损",
        "道路坑洼、井盖缺失、人行道破损",
        "市政设施",
        "道路,井盖,坑洼",
        Category::Help,
        "JT",
        &[
            "{addr}路面有一个大坑，下雨积水，电动车经过很危险。",
            "{addr}人行道井盖缺失，已经有人差点摔倒，请尽快修复。",
        ],
    ),
    (
        "weijian",
        "违章搭建",
        "私搭乱建、破墙开店、占用公共空间",
        "城市管理",
        "违建,搭建,破墙开店",
        Category::Report,
        "ZHZF",
        &[
            "举报{addr}一楼住户私自搭建阳光房，占用公共绿地。",
            "{addr}有商户破墙开店，改变房屋结构，存在安全隐患。",
        ],
    ),
    (
        "ludeng",
        "路灯不亮",
        "路灯损坏、不亮或常亮",
        "市政设施",
        "路灯,照明",
        Category::Help,
        "ZHZF",
        &["{addr}一段路灯已经坏了一周，晚上很黑，行人不安全。"],
    ),
    (
        "zhengce",
        "政策咨询",
        "政务服务事项办理条件、材料、流程咨询",
        "政务服务",
        "咨询,办事指南",
        Category::Consultation,
        "XZSP",
        &[
            "咨询办理食品经营许可证需要准备哪些材料，能否网上办理？",
            "想了解个体工商户注册登记的流程和办理时限。",
        ],
    ),
    (
        "shebao",
        "社保咨询",
        "社会保险参保、缴费、待遇咨询",
        "人力社保",
        "社保,医保,养老",
        Category::Consultation,
        "RS",
        &[
            "咨询灵活就业人员如何缴纳养老保险，每月缴费基数是多少？",
            "外地户籍在本市工作，社保转移接续怎么办理？",
        ],
    ),
    (
        "tingshui",
        "停水漏水",
        "供水管道漏水、突发停水、水压不足",
        "市政设施",
        "停水,漏水,自来水",
        Category::Help,
        "SL",
        &["{addr}小区从早上开始停水，没有接到任何通知，什么时候恢复？"],
    ),
    (
        "shipin",
        "食品安全",
        "食品安全、无证经营、过期食品",
        "市场监管",
        "食品,过期,无证",
        Category::Report,
        "SJ",
        &["举报{addr}一家超市销售过期食品，已保留购物小票。"],
    ),
    (
        "wuye",
        "物业纠纷",
        "物业服务质量、收费、维修基金",
        "住房保障",
        "物业,维修,收费",
        Category::Complaint,
        "ZJ",
        &["{addr}小区物业长期不处理电梯故障，业主多次反映无果。"],
    ),
    (
        "gongjiao",
        "公交线路建议",
        "公交线路、站点、班次的意见建议",
        "交通出行",
        "公交,线路,站点",
        Category::Suggestion,
        "JT",
        &["建议在{addr}增设公交站点，附近居民出行很不方便。"],
    ),
    (
        "biaoyang",
        "表扬",
        "对办事窗口、工作人员的表扬",
        "其他",
        "表扬,感谢",
        Category::Praise,
        "ZFB",
        &["表扬政务服务中心窗口工作人员耐心细致，一次就把事情办好了。"],
    ),
];

const ROADS: &[&str] = &[
    "前进西路",
    "人民南路",
    "长江北路",
    "柏庐中路",
    "马鞍山东路",
    "黄河北路",
    "萧林路",
    "朝阳路",
    "同丰路",
    "昆太路",
    "震川路",
    "景王路",
];
const ESTATES: &[&str] = &[
    "玉山花园",
    "世茂蝶湖湾",
    "中环公寓",
    "阳光丽景",
    "新城域",
    "亭林苑",
    "春晖苑",
    "金色港湾",
];
const SURNAMES: &str = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭";
const GIVEN: &str = "伟芳娜秀敏静丽强磊军洋勇艳杰娟涛明超霞平刚华玉萍红玲";
const UNIT_REPLIES: &[&str] = &[
    "经现场核查，情况属实，已责令当事人限期整改，并将持续跟踪。",
    "已安排工作人员现场处理，问题已解决，并与来电人沟通确认。",
    "经核实，该问题已列入近期整治计划，预计两周内完成。",
];
const CONSULT_REPLIES: &[&str] = &[
    "已电话联系来电人，详细解答了办理条件、所需材料和办理地点，来电人表示清楚。",
    "已告知来电人相关政策规定和网上办理入口，并提供了窗口咨询电话。",
];
const SUGGESTION_REPLIES: &[&str] = &[
    "感谢您的建议，已转交相关科室研究，将在年度计划中统筹考虑并及时公布。",
    "您的建议已收悉，经研究将在下一阶段优化调整中予以采纳。",
];
const PRAISE_REPLIES: &[&str] = &[
    "已将来电人的表扬转达相关窗口和工作人员，感谢您对我们工作的支持。",
    "感谢您的肯定，我们将继续做好服务，已在单位内部通报表扬。",
];

/// The unit's replies that answer a request of this kind.
fn replies_for(category: Category) -> &'static [&'static str] {
    match category {
        Category::Consultation | Category::Help => CONSULT_REPLIES,
        Category::Suggestion => SUGGESTION_REPLIES,
        Category::Praise => PRAISE_REPLIES,
        Category::Complaint | Category::Report => UNIT_REPLIES,
    }
}
const CO_OPINIONS: &[&str] = &[
    "本单位已配合现场核查，相关情况已告知主办单位，建议联合执法。",
    "经协查，涉及本单位职责的部分已处理完毕，其余由主办单位答复。",
    "本单位同意主办单位处理意见，将在日常巡查中加强监管。",
];
const RETURN_REASONS: &[&str] = &[
    "诉求涉及多个部门职责，建议由其他单位主办",
    "该问题不属于本单位管辖范围",
];
const ANSWERS: &[&str] = &[
    "已根据知识库告知来电人办理条件、所需材料和网上办理入口。",
    "已告知来电人政策规定及咨询电话，来电人表示清楚。",
];

fn mobile(rng: &mut ChaCha8Rng) -> String {
    let prefixes = [
        "133", "135", "136", "137", "138", "139", "150", "151", "152", "155", "158", "159", "177",
        "180", "181", "186", "187", "188", "189", "199",
    ];
    format!(
        "{}{:08}",
        prefixes[rng.random_range(0..prefixes.len())],
        rng.random_range(0..100_000_000u32)
    )
}

fn pick<'a, T>(rng: &mut ChaCha8Rng, list: &'a [T]) -> &'a T {
    &list[rng.random_range(0..list.len())]
}

fn name(rng: &mut ChaCha8Rng) -> String {
    let s: Vec<char> = SURNAMES.chars().collect();
    let g: Vec<char> = GIVEN.chars().collect();
    let mut n = String::new();
    n.push(*pick(rng, &s));
    n.push(*pick(rng, &g));
    if rng.random_bool(0.6) {
        n.push(*pick(rng, &g));
    }
    n
}

fn at(day: NaiveDate, minutes: i64) -> String {
    let local = day.and_time(NaiveTime::from_hms_opt(8, 30, 0).unwrap_or_default())
        + Duration::minutes(minutes);
    let utc = time::china()
        .from_local_datetime(&local)
        .single()
        .map(|t| t.with_timezone(&chrono::Utc))
        .unwrap_or_else(time::now);
    time::stamp(utc)
}

fn add_wd(cal: &Calendar, d: NaiveDate, n: u32) -> NaiveDate {
    cal.deadline_or_estimate(d, n)
}

/// Seeds the services and about `15,000 * scale` work orders a year for the `years`
/// years ending with `year`, up to `today`; returns (orders, events).
#[allow(clippy::too_many_arguments)]
pub async fn seed(
    store: &Store,
    cal: &Calendar,
    year: i32,
    years: u32,
    today: NaiveDate,
    scale: f64,
    seed: u64,
) -> anyhow::Result<(usize, usize)> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x1234_5000);
    // Draws for co-units, rejected returns and emergencies come from their own
    // stream, so the rest of the demo stays as it was for a given seed.
    let mut rules_rng = ChaCha8Rng::seed_from_u64(seed ^ 0x1234_5008);
    let limits = tongban_store::hotline::deadlines(store)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let mut tx = store.begin().await?;
    let list: Vec<NewService> = SERVICES
        .iter()
        .map(|s| NewService {
            code: s.0,
            name: s.1,
            description: s.2,
            group: s.3,
            keywords: s.4,
            category: s.5,
            unit: Some(s.6),
        })
        .collect();
    insert_services(&mut tx, &list)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let mut unit_ids: HashMap<&str, i64> = HashMap::new();
    for s in SERVICES {
        let d = department_by_code(&mut tx, s.6)
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?
            .ok_or_else(|| anyhow::anyhow!("unit {} missing", s.6))?;
        unit_ids.insert(s.6, d.id);
    }
    let all_units: Vec<i64> = {
        let mut v: Vec<i64> = unit_ids.values().copied().collect();
        v.sort_unstable();
        v
    };
    // The towns and districts, by the place word of their orders' addresses.
    let mut towns: Vec<(&str, i64)> = vec![];
    for (code, _, place) in super::TOWN_UNITS {
        let d = department_by_code(&mut tx, code)
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?
            .ok_or_else(|| anyhow::anyhow!("town {code} missing"))?;
        towns.push((place, d.id));
    }
    let enforcement = department_by_code(&mut tx, "ZHZF")
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?
        .map(|d| d.id);

    let first = year + 1 - years.max(1) as i32;
    let start = NaiveDate::from_ymd_opt(first, 1, 1).ok_or_else(|| anyhow::anyhow!("year"))?;
    let end = NaiveDate::from_ymd_opt(year, 12, 31)
        .ok_or_else(|| anyhow::anyhow!("year"))?
        .min(today);
    let days: Vec<NaiveDate> = start.iter_days().take_while(|d| *d <= end).collect();
    if days.is_empty() {
        tx.commit().await?;
        return Ok((0, 0));
    }
    // `--scale 0.02` (the default) gives about 300 orders a year.
    let total = ((15_000.0 * scale * days.len() as f64 / 365.0).round() as usize).max(20);
    let mut picks: Vec<NaiveDate> = (0..total).map(|_| *pick(&mut rng, &days)).collect();
    picks.sort();
    let keys = store.keys().clone();
    let order_cols = [
        "id",
        "order_no",
        "channel",
        "category",
        "caller_name",
        "phone_enc",
        "phone_masked",
        "phone_digest",
        "email",
        "address",
        "lat",
        "lon",
        "content",
        "service_code",
        "department_id",
        "co_units",
        "status",
        "dispatched_on",
        "deadline",
        "deadline_estimated",
        "extension_pending",
        "direct_answer",
        "answer",
        "reply",
        "callback_level",
        "faulty",
        "merged_into",
        "public",
        "created_at",
        "updated_at",
        "closed_at",
        "emergency",
        "return_count",
        "invalid_kind",
        "resolved",
        "due_on",
        "replied_at",
    ];
    let event_cols: Vec<&str> = std::iter::once("id")
        .chain(tongban_store::hotline::EVENT_INSERT_COLUMNS.iter().copied())
        .collect();
    let agent = "12345 话务员 徐芳（12345话务员）";
    let unit_actor = "成员单位处办人员";
    let unit_codes: HashMap<i64, &str> = unit_ids.iter().map(|(c, id)| (*id, *c)).collect();
    let co_actor = "协办单位处办人员";
    let mut co_rows: Vec<Vec<V>> = vec![];
    let mut orders: Vec<Vec<V>> = vec![];
    let mut events: Vec<Vec<V>> = vec![];
    let mut per_day: HashMap<NaiveDate, i64> = HashMap::new();
    let mut recent_open: Vec<String> = vec![];
    for (i, day) in picks.iter().enumerate() {
        let id = i as i64 + 1;
        let seq = per_day.entry(*day).or_insert(0);
        *seq += 1;
        let no = order_no(*day, *seq);
        let channel = match rng.random_range(0..100) {
            0..60 => Channel::Phone,
            60..75 => Channel::Web,
            75..90 => Channel::Wechat,
            90..93 => Channel::Email,
            93..98 => Channel::Open311,
            _ => Channel::Other,
        };
        let mut svc = pick(&mut rng, SERVICES);
        let mut road = *pick(&mut rng, ROADS);
        // A hot topic forming: the last three weeks, barbecue smoke on 萧林路.
        if (today - *day).num_days() < 21 && rng.random_bool(0.08) {
            svc = &SERVICES[0];
            road = "萧林路";
        }
        let category = svc.5;
        // Most orders name their town or district; complaints and reports there go
        // to it, as the dispatch catalog says.
        let town = rules_rng
            .random_bool(0.6)
            .then(|| *pick(&mut rules_rng, &towns));
        let addr = format!(
            "{}{road}{}号{}",
            town.map(|t| t.0).unwrap_or(""),
            rng.random_range(1..400),
            pick(&mut rng, ESTATES)
        );
        let content = pick(&mut rng, svc.7).replace("{addr}", &addr);
        let phone = mobile(&mut rng);
        let caller = if rng.random_bool(0.1) {
            "匿名".to_string()
        } else {
            name(&mut rng)
        };
        let lat = 31.38 + rng.random_range(0..800) as f64 / 10_000.0;
        let lon = 120.95 + rng.random_range(0..900) as f64 / 10_000.0;
        let mut minute = rng.random_range(0..540i64);
        let accepted_at = at(*day, minute);
        let ev = |events: &mut Vec<Vec<V>>,
                  d: NaiveDate,
                  minute: i64,
                  who: &str,
                  action: &str,
                  from: Option<Status>,
                  to: Status,
                  unit: Option<i64>,
                  note: Option<String>| {
            let n = events.len() as i64 + 1;
            events.push(vec![
                V::I(n),
                V::I(id),
                V::S(at(d, minute)),
                V::NullI,
                V::S(who.to_string()),
                V::S(action.to_string()),
                from.map(|s| V::S(s.as_str().into())).unwrap_or(V::NullS),
                V::S(to.as_str().into()),
                unit.map(V::I).unwrap_or(V::NullI),
                note.map(V::S).unwrap_or(V::NullS),
            ]);
        };
        ev(
            &mut events,
            *day,
            minute,
            agent,
            "accept",
            None,
            Status::Accepted,
            None,
            None,
        );
        let direct = category == Category::Consultation && rng.random_bool(0.7)
            || category == Category::Praise && rng.random_bool(0.5);
        let emergency = (!direct
            && matches!(
                category,
                Category::Help | Category::Complaint | Category::Report
            )
            && rules_rng.random_bool(0.015))
        .then(|| *pick(&mut rules_rng, Emergency::ALL));
        let mut returns = 0i64;
        let mut co_units = String::new();
        let mut status;
        let mut unit: Option<i64> = None;
        let mut dispatched_on: Option<String> = None;
        let mut deadline: Option<String> = None;
        let mut answer: Option<String> = None;
        let mut reply: Option<String> = None;
        let mut level: Option<i64> = None;
        let mut closed_at: Option<String> = None;
        let mut merged_into: Option<String> = None;
        let mut invalid: Option<InvalidKind> = None;
        let mut resolved: Option<bool> = None;
        let mut due_on: Option<String> = None;
        let mut replied_at: Option<String> = None;
        let mut updated;
        // A few calls are no request at all (骚扰、无声、打错): marked invalid.
        let invalid_call =
            channel == Channel::Phone && emergency.is_none() && rules_rng.random_bool(0.02);
        if invalid_call {
            let k = *pick(&mut rules_rng, InvalidKind::ALL);
            status = Status::Closed;
            minute += 1;
            ev(
                &mut events,
                *day,
                minute,
                agent,
                Action::MarkInvalid.as_str(),
                Some(Status::Accepted),
                Status::Closed,
                None,
                Some(format!("无效来电：{}", k.label())),
            );
            invalid = Some(k);
            closed_at = Some(at(*day, minute));
            updated = at(*day, minute);
        } else if let Some(e) = emergency {
            status = Status::Closed;
            minute += 2;
            ev(
                &mut events,
                *day,
                minute,
                agent,
                EMERGENCY_EVENT,
                Some(Status::Accepted),
                Status::Closed,
                None,
                Some(format!("已转{}（{}）", e.label(), e.as_str())),
            );
            closed_at = Some(at(*day, minute));
            updated = at(*day, minute);
        } else if direct {
            status = Status::Closed;
            let a = pick(&mut rng, ANSWERS).to_string();
            minute += 5;
            ev(
                &mut events,
                *day,
                minute,
                agent,
                "answer",
                Some(Status::Accepted),
                Status::Closed,
                None,
                Some(a.clone()),
            );
            answer = Some(a);
            closed_at = Some(at(*day, minute));
            updated = at(*day, minute);
        } else {
            let lead = match town {
                // The catalog's own exception: 巴城镇's 油烟 goes to its law enforcement.
                Some(("巴城镇", _)) if svc.0 == "youyan" => enforcement.unwrap_or(all_units[0]),
                Some((_, id)) if matches!(category, Category::Complaint | Category::Report) => id,
                _ => unit_ids.get(svc.6).copied().unwrap_or(all_units[0]),
            };
            // A few orders go first to the wrong unit, which returns them.
            let mut on = *day;
            if rng.random_bool(0.06) {
                let wrong = *pick(&mut rng, &all_units);
                if wrong != lead {
                    ev(
                        &mut events,
                        on,
                        minute + 10,
                        agent,
                        "dispatch",
                        Some(Status::Accepted),
                        Status::Dispatched,
                        Some(wrong),
                        None,
                    );
                    on = add_wd(cal, on, 1);
                    ev(
                        &mut events,
                        on,
                        30,
                        unit_actor,
                        "return",
                        Some(Status::Dispatched),
                        Status::Returned,
                        Some(wrong),
                        Some("该事项不属于本单位职责范围，请改派".into()),
                    );
                    ev(
                        &mut events,
                        on,
                        60,
                        agent,
                        "dispatch",
                        Some(Status::Returned),
                        Status::Dispatched,
                        Some(lead),
                        Some("改派".into()),
                    );
                    minute = 60;
                } else {
                    ev(
                        &mut events,
                        on,
                        minute + 10,
                        agent,
                        "dispatch",
                        Some(Status::Accepted),
                        Status::Dispatched,
                        Some(lead),
                        None,
                    );
                }
            } else {
                ev(
                    &mut events,
                    on,
                    minute + 10,
                    agent,
                    "dispatch",
                    Some(Status::Accepted),
                    Status::Dispatched,
                    Some(lead),
                    None,
                );
            }
            unit = Some(lead);
            dispatched_on = Some(time::day(on));
            let due = add_wd(cal, on, limits.of(category));
            deadline = Some(time::day(due));
            // The first dispatch's limit is the one measured, a re-dispatch aside.
            due_on = Some(time::day(add_wd(cal, *day, limits.of(category))));
            status = Status::Dispatched;
            updated = at(on, minute + 10);
            if on != *day {
                returns = 1;
            } else if rules_rng.random_bool(0.04) {
                // The unit returns it the same day; the center's review rejects the
                // return and the deadline runs on.
                ev(
                    &mut events,
                    on,
                    minute + 40,
                    unit_actor,
                    Action::Return.as_str(),
                    Some(Status::Dispatched),
                    Status::Returned,
                    Some(lead),
                    Some(pick(&mut rules_rng, RETURN_REASONS).to_string()),
                );
                ev(
                    &mut events,
                    on,
                    minute + 70,
                    agent,
                    Action::RejectReturn.as_str(),
                    Some(Status::Returned),
                    Status::Dispatched,
                    Some(lead),
                    Some(
                        "经审核，该诉求属本单位职责，退单理由不成立，请继续办理（时限连续计算）"
                            .into(),
                    ),
                );
                returns = 1;
                updated = at(on, minute + 70);
            }
            // Complaints and reports sometimes need a second unit (协办).
            let co = if matches!(category, Category::Complaint | Category::Report)
                && rules_rng.random_bool(0.1)
            {
                let c = *pick(&mut rules_rng, &all_units);
                (c != lead).then_some(c)
            } else {
                None
            };
            if let Some(c) = co {
                co_rows.push(vec![V::I(id), V::I(c)]);
                co_units = unit_codes.get(&c).copied().unwrap_or_default().to_string();
            }
            // How far the loop got depends on the order's age.
            let signed_on = add_wd(cal, on, 1);
            let replied_on = add_wd(cal, on, rng.random_range(1..=limits.of(category) + 1));
            let closed_on = add_wd(cal, replied_on, 1);
            if signed_on < today {
                status = Status::Signed;
                ev(
                    &mut events,
                    signed_on,
                    20,
                    unit_actor,
                    "sign",
                    Some(Status::Dispatched),
                    Status::Signed,
                    Some(lead),
                    None,
                );
                updated = at(signed_on, 20);
                if let Some(c) = co {
                    ev(
                        &mut events,
                        signed_on,
                        60,
                        co_actor,
                        Action::CoReply.as_str(),
                        Some(Status::Signed),
                        Status::Signed,
                        Some(c),
                        Some(pick(&mut rules_rng, CO_OPINIONS).to_string()),
                    );
                    updated = at(signed_on, 60);
                }
                if replied_on > due {
                    ev(
                        &mut events,
                        add_wd(cal, due, 1),
                        15,
                        agent,
                        "urge",
                        Some(Status::Signed),
                        Status::Signed,
                        None,
                        Some("工单已超期，请尽快办理".into()),
                    );
                }
            }
            if replied_on < today && status == Status::Signed {
                status = Status::Replied;
                let r = pick(&mut rng, replies_for(category)).to_string();
                ev(
                    &mut events,
                    replied_on,
                    200,
                    unit_actor,
                    "reply",
                    Some(Status::Signed),
                    Status::Replied,
                    Some(lead),
                    Some(r.clone()),
                );
                reply = Some(r);
                replied_at = Some(at(replied_on, 200));
                updated = at(replied_on, 200);
            }
            if closed_on < today && status == Status::Replied {
                status = Status::Closed;
                // A caller who rang to praise is not unhappy with the answer.
                let l = match (category, rng.random_range(0..100)) {
                    (Category::Praise, 0..30) => 4,
                    (Category::Praise, _) => 5,
                    (_, 0..3) => 1,
                    (_, 3..8) => 2,
                    (_, 8..20) => 3,
                    (_, 20..50) => 4,
                    _ => 5,
                };
                // The caller's own answer: mostly resolved when satisfied.
                let yes = rules_rng.random_bool(if l >= 3 { 0.95 } else { 0.2 });
                resolved = Some(yes);
                let s = Satisfaction::parse(l).map_err(|e| anyhow::anyhow!("{e}"))?;
                ev(
                    &mut events,
                    closed_on,
                    90,
                    agent,
                    "close",
                    Some(Status::Replied),
                    Status::Closed,
                    None,
                    Some(format!(
                        "回访满意度：{}（{}）；诉求{}",
                        l,
                        s.label(),
                        if yes { "已解决" } else { "未解决" }
                    )),
                );
                level = Some(l);
                closed_at = Some(at(closed_on, 90));
                updated = at(closed_on, 90);
            }
            // Duplicates of a recent open order are merged into it.
            if status.at_unit()
                && rng.random_bool(0.05)
                && let Some(target) = recent_open.last().cloned()
            {
                ev(
                    &mut events,
                    *day,
                    minute + 30,
                    agent,
                    "merge",
                    Some(status),
                    Status::Merged,
                    None,
                    Some(format!("并入工单{target}")),
                );
                merged_into = Some(target);
                status = Status::Merged;
                closed_at = Some(at(*day, minute + 30));
                updated = at(*day, minute + 30);
            } else if status.is_open() {
                recent_open.push(no.clone());
            }
        }
        let faulty = rng.random_bool(0.03);
        orders.push(vec![
            V::I(id),
            V::S(no),
            V::S(channel.as_str().into()),
            V::S(category.as_str().into()),
            V::S(caller),
            V::S(keys.encrypt(&phone)),
            V::S(tongban_domain::codes::mask_phone(&phone)),
            V::S(keys.digest("phone", &phone)),
            V::NullS,
            V::S(addr),
            V::S(format!("{lat:.6}")),
            V::S(format!("{lon:.6}")),
            V::S(content),
            V::S(svc.0.into()),
            unit.map(V::I).unwrap_or(V::NullI),
            V::S(co_units),
            V::S(status.as_str().into()),
            dispatched_on.map(V::S).unwrap_or(V::NullS),
            deadline.map(V::S).unwrap_or(V::NullS),
            V::I(0),
            V::I(0),
            V::I((direct && invalid.is_none()) as i64),
            answer.map(V::S).unwrap_or(V::NullS),
            reply.map(V::S).unwrap_or(V::NullS),
            level.map(V::I).unwrap_or(V::NullI),
            V::I(faulty as i64),
            merged_into.map(V::S).unwrap_or(V::NullS),
            V::I(matches!(channel, Channel::Web | Channel::Open311) as i64),
            V::S(accepted_at),
            V::S(updated),
            closed_at.map(V::S).unwrap_or(V::NullS),
            emergency
                .map(|e| V::S(e.as_str().into()))
                .unwrap_or(V::NullS),
            V::I(returns),
            invalid.map(|k| V::S(k.as_str().into())).unwrap_or(V::NullS),
            resolved.map(|r| V::I(i64::from(r))).unwrap_or(V::NullI),
            due_on.map(V::S).unwrap_or(V::NullS),
            replied_at.map(V::S).unwrap_or(V::NullS),
        ]);
    }
    let backend = store.backend();
    insert_rows(&mut tx, backend, "work_orders", &order_cols, &orders)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    insert_rows(&mut tx, backend, "work_order_events", &event_cols, &events)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    insert_rows(
        &mut tx,
        backend,
        "work_order_co_units",
        &["order_id", "department_id"],
        &co_rows,
    )
    .await
    .map_err(|e| anyhow::anyhow!("{e}"))?;
    repair_sequences(&mut tx, backend, &["work_orders", "work_order_events"])
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    // Day counters continue after the seeded numbers.
    let mut counters: Vec<(NaiveDate, i64)> = per_day.into_iter().collect();
    counters.sort();
    continue_numbers(&mut tx, &counters)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    tx.commit().await?;
    Ok((orders.len(), events.len()))
}

// ---------------------------------------------------------------------------
// The switch's call records (话务记录) of the demo years: about four calls per
// work order, connection around 96–98 %, most answered within 15 seconds, and
// most missed calls called back within two hours (recent ones still waiting).

/// Seeds calls for each of the `years` years ending with `year`, up to `today`;
/// returns how many.
pub async fn seed_calls(
    store: &Store,
    year: i32,
    years: u32,
    today: NaiveDate,
    scale: f64,
    seed: u64,
) -> anyhow::Result<usize> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x1234_5009);
    let keys = store.keys().clone();
    let cols: Vec<&str> = tongban_store::calls::INSERT_COLUMNS
        .iter()
        .copied()
        .chain(["called_back_at", "called_back_by"])
        .collect();
    let imported_at = time::stamp(time::now());
    let first = year + 1 - years.max(1) as i32;
    let mut rows: Vec<Vec<V>> = vec![];
    for (k, y) in (first..=year).enumerate() {
        let start = NaiveDate::from_ymd_opt(y, 1, 1).ok_or_else(|| anyhow::anyhow!("year"))?;
        let end = NaiveDate::from_ymd_opt(y, 12, 31)
            .ok_or_else(|| anyhow::anyhow!("year"))?
            .min(today);
        let days: Vec<NaiveDate> = start.iter_days().take_while(|d| *d <= end).collect();
        if days.is_empty() {
            continue;
        }
        // Volumes grow about 10 % a year and service improves a little.
        let growth = 1.1f64.powi(k as i32 - (year - first));
        let total = ((60_000.0 * scale * growth).round() as usize).max(40);
        let connect =
            0.962 + 0.01 * (k as f64).min(1.0) + rng.random_range(0..60) as f64 / 10_000.0;
        let mut calls: Vec<(NaiveDate, i64)> = (0..total)
            .map(|_| (*pick(&mut rng, &days), rng.random_range(0..720i64)))
            .collect();
        calls.sort();
        let mut per_day: HashMap<NaiveDate, i64> = HashMap::new();
        for (day, minute) in calls {
            let seq = per_day.entry(day).or_insert(0);
            *seq += 1;
            let phone = mobile(&mut rng);
            let answered = rng.random_bool(connect);
            let (wait, talk) = if answered {
                let wait = if rng.random_bool(0.93) {
                    rng.random_range(2..=15)
                } else {
                    rng.random_range(16..=75)
                };
                (wait, rng.random_range(40..=600))
            } else {
                (rng.random_range(8..=120), 0)
            };
            // 08:00 + minute, local time.
            let started = at(day, minute - 30);
            let recent = (today - day).num_days() < 2;
            let called_back = !answered && !recent && rng.random_bool(0.95);
            let back_at = called_back.then(|| at(day, minute - 30 + rng.random_range(20..=120)));
            rows.push(vec![
                V::S(format!("{}-{:06}", day.format("%Y%m%d"), seq)),
                V::S(keys.encrypt(&phone)),
                V::S(tongban_domain::codes::mask_phone(&phone)),
                V::S(keys.digest("phone", &phone)),
                V::S(started),
                V::I(answered as i64),
                V::I(wait),
                V::I(talk),
                if answered {
                    V::S(format!("10{:02}", rng.random_range(1..=24)))
                } else {
                    V::NullS
                },
                V::S(imported_at.clone()),
                back_at.map(V::S).unwrap_or(V::NullS),
                if called_back {
                    V::S("12345 话务员 徐芳".into())
                } else {
                    V::NullS
                },
            ]);
        }
    }
    let mut tx = store.begin().await?;
    insert_rows(&mut tx, store.backend(), "calls", &cols, &rows)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    tx.commit().await?;
    Ok(rows.len())
}
