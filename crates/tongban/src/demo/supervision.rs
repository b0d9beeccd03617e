//! Window supervision's registers in the demo: a year of banners (锦旗) the public
//! gave windows and units, and the innovation measures (创新举措) departments
//! introduced, recorded by the office's supervisor on their days; and each month's
//! patrols of the windows, a few finding something wanting.

use super::{org_name, person_name};
use chrono::NaiveDate;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use tongban_domain::supervision::{Commendation, CommendationKind, PATROL_CHECKS, Patrol};
use tongban_store::Store;

const WORDS: &[&str] = &[
    "高效便民 服务一流",
    "热情服务 真诚为民",
    "急企业所急 办群众所盼",
    "一次办好 暖心服务",
    "廉洁高效 情系百姓",
    "业务精湛 服务周到",
];

/// Measures and their effects, by department.
const MEASURES: &[(&str, &str, &str)] = &[
    (
        "SJ",
        "营业执照和食品经营许可“一体化”办理",
        "一次申报、一次领取证照，企业往返次数由2次减为1次",
    ),
    (
        "SJ",
        "企业住所（经营场所）登记实行申报承诺制",
        "住所登记材料由4份减为1份承诺书",
    ),
    (
        "HB",
        "环评审批窗口直接办理，审管分离",
        "登记表审批由三步精简为两步，由承诺期10个工作日缩短为平均办理时间3个工作日",
    ),
    (
        "RS",
        "退休申请“秒批”",
        "符合条件的申请提交后即时办结，由承诺期5个工作日缩短为当场办结",
    ),
    (
        "GA",
        "出入境证件全面下放派出所分理点",
        "就近办理，中心大厅排队时间减少一半",
    ),
    (
        "JT",
        "道路运输证同城通办",
        "全市区镇均可受理，平均往返里程减少20公里",
    ),
    (
        "SWJ",
        "加工贸易手册核查改为事后核查",
        "即来即办，由承诺期3个工作日缩短为当场办结",
    ),
    (
        "ZJ",
        "施工许可并联审批“一窗受理”",
        "材料由23份减为12份，由承诺期20个工作日缩短为平均办理时间8个工作日",
    ),
    ("GJJ", "住房公积金提取“不见面”办理", "网上办理率达85%"),
    ("BDC", "不动产登记与水电气过户联动", "办事环节由5个减为1个"),
];

/// Records the year's banners and measures up to `today`; how many.
pub async fn seed(
    store: &Store,
    year: i32,
    today: NaiveDate,
    scale: f64,
    seed: u64,
) -> anyhow::Result<usize> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x0017_c0de);
    let supervisor = tongban_store::org::principal_by_username(store, "supervisor").await?;
    let windows = store.windows_cached().await?;
    let start = NaiveDate::from_ymd_opt(year, 1, 1).unwrap_or(today);
    let span = (today - start).num_days().max(1);
    let day = |rng: &mut ChaCha8Rng| start + chrono::Days::new(rng.random_range(0..span) as u64);
    let mut n = 0;
    let banners = ((36.0 * scale).round() as usize).clamp(6, 60);
    for i in 0..banners {
        let on = day(&mut rng);
        let window =
            (!windows.is_empty()).then(|| windows[rng.random_range(0..windows.len())].code.clone());
        let giver = if i % 3 == 0 {
            person_name(&mut rng)
        } else {
            org_name(&mut rng)
        };
        tongban_store::supervision::record(
            store,
            &supervisor,
            Commendation {
                kind: CommendationKind::Banner,
                day: on,
                department: None,
                window,
                title: WORDS[i % WORDS.len()].into(),
                giver: Some(giver),
                effect: None,
            },
        )
        .await?;
        n += 1;
    }
    let measures = ((24.0 * scale).round() as usize).clamp(MEASURES.len(), 40);
    for i in 0..measures {
        let (dept, title, effect) = MEASURES[i % MEASURES.len()];
        let title = if i < MEASURES.len() {
            title.to_string()
        } else {
            format!("{title}（第{}批）", i / MEASURES.len() + 1)
        };
        let r = tongban_store::supervision::record(
            store,
            &supervisor,
            Commendation {
                kind: CommendationKind::Innovation,
                day: day(&mut rng),
                department: Some(dept.into()),
                window: None,
                title,
                giver: None,
                effect: Some(effect.into()),
            },
        )
        .await;
        // A department the demo lacks leaves its measure out.
        if r.is_ok() {
            n += 1;
        }
    }
    // Each month, a patrol of most windows; a few find something wanting.
    let mut month = start;
    while month <= today {
        for w in windows.iter() {
            if !rng.random_bool((0.8 * scale).clamp(0.05, 0.8)) {
                continue;
            }
            let on = month + chrono::Days::new(rng.random_range(0..25));
            if on > today {
                continue;
            }
            let (failed, note) = if rng.random_bool(0.15) {
                let (code, label) = PATROL_CHECKS[rng.random_range(0..PATROL_CHECKS.len())];
                (
                    vec![code],
                    format!("{label}：{}", FINDINGS[rng.random_range(0..FINDINGS.len())]),
                )
            } else {
                (vec![], String::new())
            };
            tongban_store::supervision::keep_patrol(
                store,
                &supervisor,
                Patrol {
                    window: w.code.clone(),
                    day: on,
                    failed,
                    note,
                },
                None,
            )
            .await?;
            n += 1;
        }
        month = month
            .checked_add_months(chrono::Months::new(1))
            .unwrap_or(today + chrono::Days::new(1));
    }
    n += visits(store, &supervisor, &windows, start, today, &mut rng).await?;
    Ok(n)
}

/// The third party's mystery visits of the year, as its workbook brings them (one
/// row a visit, a quarter's sample of windows), imported as the office would.
async fn visits(
    store: &Store,
    supervisor: &tongban_store::org::Principal,
    windows: &[tongban_store::org::Window],
    start: NaiveDate,
    today: NaiveDate,
    rng: &mut ChaCha8Rng,
) -> anyhow::Result<usize> {
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    for (c, h) in ["窗口", "日期", "检查项目", "得分", "备注"]
        .iter()
        .enumerate()
    {
        ws.write_string(0, c as u16, *h)?;
    }
    let mut row = 1u32;
    let mut quarter = start;
    while quarter <= today {
        for w in windows.iter() {
            if !rng.random_bool(0.3) {
                continue;
            }
            let on = quarter + chrono::Days::new(rng.random_range(10..80));
            if on >= today {
                continue;
            }
            let score = f64::from(rng.random_range(780..1000u32)) / 10.0;
            ws.write_string(row, 0, &w.code)?;
            ws.write_string(row, 1, on.to_string())?;
            ws.write_string(row, 2, "服务态度、业务熟练、一次告知、窗口环境")?;
            ws.write_number(row, 3, score)?;
            ws.write_string(
                row,
                4,
                if score < 85.0 {
                    "一次告知不到位"
                } else {
                    ""
                },
            )?;
            row += 1;
        }
        quarter = quarter
            .checked_add_months(chrono::Months::new(3))
            .unwrap_or(today + chrono::Days::new(1));
    }
    if row == 1 {
        return Ok(0);
    }
    let bytes = wb.save_to_buffer()?;
    let done = tongban_store::supervision::import_visits(store, supervisor, &bytes).await?;
    Ok(done.kept)
}

/// What a patrol finds wanting, in the supervisor's words.
const FINDINGS: &[&str] = &[
    "工作人员离岗未挂暂停服务牌",
    "未按规定佩戴工作牌",
    "窗口桌面摆放杂乱",
    "对办事群众咨询答复不耐烦",
    "工作时间使用手机处理私事",
];
