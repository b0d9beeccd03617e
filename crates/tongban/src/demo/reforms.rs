//! The year's reform decisions (审批制度改革) of the demo office, with their document
//! numbers: items cancelled, transferred to a trade association, suspended, merged
//! and delegated to the towns, and items made instant; the baseline of the cut
//! figures at the year's first day.

use chrono::NaiveDate;
use tongban_domain::catalog::ItemStatus;
use tongban_domain::reform::{Reform, ReformKind};
use tongban_store::Store;
use tongban_store::audit::Actor;
use tongban_store::catalog::Item;

fn day(year: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(year, m, d).expect("a date")
}

/// Records the decisions that took effect before `today`; the number recorded.
pub async fn seed(store: &Store, year: i32, today: NaiveDate) -> anyhow::Result<usize> {
    let actor = Actor::system("seed-demo");
    let start = day(year, 1, 1);
    let items = tongban_store::catalog::all_in_force(store, start).await?;
    // Main items in use, reviewed, not registration items, with no guide written out
    // (those the portal shows as examples stay).
    let open: Vec<&Item> = items
        .iter()
        .filter(|i| i.parent_code.is_none())
        .filter(|i| !super::bundles::is_member(&i.name))
        .filter(|i| {
            i.content.as_ref().is_some_and(|c| {
                c.status == ItemStatus::InUse
                    && !c.instant
                    && c.registration.is_none()
                    && c.auto_approval.is_none()
                    && c.aliases.is_empty()
                    && c.accept_points.is_empty()
            })
        })
        .collect();
    if open.len() < 40 {
        return Ok(0);
    }
    let pick = |from: usize, n: usize| -> Vec<String> {
        open.iter()
            .skip(from)
            .step_by(7)
            .take(n)
            .map(|i| i.code.clone())
            .collect()
    };
    let towns: Vec<String> = store
        .points_cached()
        .await?
        .iter()
        .filter(|p| p.kind == tongban_domain::org::PointKind::Town)
        .take(4)
        .map(|p| p.code.clone())
        .collect();
    let decisions = [
        (
            ReformKind::Cancel,
            "昆政发〔{y}〕21号",
            (3, 10),
            (4, 1),
            pick(0, 4),
            None,
            vec![],
        ),
        (
            ReformKind::Transfer,
            "昆政办发〔{y}〕8号",
            (3, 10),
            (4, 1),
            pick(1, 1),
            None,
            vec![],
        ),
        (
            ReformKind::Suspend,
            "昆政办发〔{y}〕15号",
            (5, 6),
            (5, 20),
            pick(2, 2),
            None,
            vec![],
        ),
        (
            ReformKind::Merge,
            "昆审改办〔{y}〕3号",
            (6, 12),
            (7, 1),
            pick(3, 2),
            pick(4, 1).into_iter().next(),
            vec![],
        ),
        (
            ReformKind::Delegate,
            "昆政发〔{y}〕36号",
            (8, 18),
            (9, 1),
            pick(5, 6),
            None,
            towns,
        ),
    ];
    let mut n = 0;
    for (kind, doc, decided, effective, items, merge_into, points) in decisions {
        let effective = day(year, effective.0, effective.1);
        if effective > today || items.is_empty() {
            continue;
        }
        let r = Reform {
            kind,
            document_no: doc.replace("{y}", &year.to_string()),
            decided_on: day(year, decided.0, decided.1),
            effective_from: effective,
            items,
            merge_into,
            points,
            note: String::new(),
        };
        tongban_store::reforms::record_history(store, &actor, &r).await?;
        n += 1;
    }
    // Four items decided at the window from spring (新增即办项目).
    let instant_from = day(year, 4, 15);
    if instant_from <= today {
        let mut tx = store.begin().await?;
        for code in pick(6, 4) {
            if let Some(item) = items.iter().find(|i| i.code == code)
                && let Some(mut c) = item.content.clone()
            {
                c.instant = true;
                c.promised.days = 0;
                tongban_store::catalog::insert_historical_version(
                    &mut tx,
                    store,
                    &code,
                    c,
                    instant_from,
                    "改为即办件（当场办结）",
                    &actor,
                )
                .await?;
            }
        }
        tx.commit().await?;
    }
    let mut tx = store.begin().await?;
    tongban_store::put_setting(
        &mut tx,
        tongban_store::reforms::BASELINE_SETTING,
        &tongban_store::time::day(start),
    )
    .await?;
    tx.commit().await?;
    Ok(n)
}
