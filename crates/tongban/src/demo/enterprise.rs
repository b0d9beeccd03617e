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
