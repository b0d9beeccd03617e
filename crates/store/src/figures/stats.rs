//! Figures kept as records are written (issue 5, "fast by design"): counters per day
//! and dimension, changed in the transaction that changes the record, so a year's
//! report sums a few thousand counter rows instead of scanning history.
//!
//! Each [`Counter`] names its table, its key and measure columns, the query that reads
//! the facts of its records, and one function from a record to what it adds to the
//! counters. That one function serves the writes (a record's contribution before and
//! after a change; the difference is applied), `rebuild` (every record, again) and
//! `check` (the kept counters against a recomputation), so there is no second
//! definition to drift.
//!
//! - `stat_cases`: cases accepted and closed per day, department, point, channel and
//!   instant flag;
//! - `stat_orders`: 12345 work orders per day registered, channel and lead unit, with
//!   every measure the hotline figures need;
//! - `stat_ratings`: 好差评 ratings per day, department, point, source and level;
//! - `stat_calls`: the switch's calls per day;
//! - `stat_acceptances`: joint completion acceptances per day of certificate.

use crate::db::pending;
use crate::db::pending::BoxFuture;
use crate::{Backend, Result, Store, StoreError, time};
use chrono::{Datelike, Months, NaiveDate};
use futures_util::TryStreamExt;
use serde::Serialize;
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};
use std::collections::HashMap;
use tongban_domain::calendar::Calendar;

/// A value of a key column.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum K {
    T(String),
    I(i64),
}

impl std::fmt::Display for K {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            K::T(s) => f.write_str(s),
            K::I(n) => write!(f, "{n}"),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ty {
    Text,
    Int,
}

type Key = Vec<K>;
type Totals = HashMap<Key, Vec<i64>>;
/// Receives one `(key, measures)` contribution of a record.
type Add<'a> = &'a mut dyn FnMut(Key, &[i64]);
/// What one record adds to a counter.
type Count = fn(&AnyRow, &Calendar, Add) -> Result<()>;

/// A kept figure: where it lives and how a record counts in it.
pub struct Counter {
    /// Counters per day (`day` is `YYYY-MM-DD`).
    pub table: &'static str,
    /// The same per month (`day` is `YYYY-MM`), so a year sums twelve months of rows
    /// and only a period's partial months read days.
    pub months: &'static str,
    /// What it counts, for people (`stats check`).
    pub label: &'static str,
    keys: &'static [(&'static str, Ty)],
    measures: &'static [&'static str],
    /// The facts of the records, summed over records alike where that loses nothing
    /// (so a rebuild reads thousands of groups, not millions of rows); every `{and}`
    /// becomes a filter on the record ids or nothing.
    source: &'static str,
    /// The record id column the filter of a write uses.
    id: &'static str,
    /// What one record adds: `(key, measures)` pairs.
    count: Count,
}

fn local_day_of(stamp: &str) -> Option<String> {
    time::parse_stamp(stamp).map(|t| time::day(time::local_day(t)))
}

fn b(v: bool) -> i64 {
    v as i64
}

/// Cases: one `accepted` on the day of acceptance, one `closed` on the day of closing.
pub static CASES: Counter = Counter {
    table: "stat_cases",
    months: "stat_cases_m",
    label: "办件受理与办结",
    keys: &[
        ("day", Ty::Text),
        ("kind", Ty::Text),
        ("department_id", Ty::Int),
        ("point_id", Ty::Int),
        ("channel", Ty::Text),
        ("instant", Ty::Int),
    ],
    measures: &["n"],
    source: "SELECT c.accepted_on AS day, 'accepted' AS kind, c.department_id, c.point_id, c.channel, c.instant, \
             CAST(COUNT(*) AS BIGINT) AS w FROM cases c WHERE c.accepted_on IS NOT NULL{and} \
             GROUP BY c.accepted_on, c.department_id, c.point_id, c.channel, c.instant \
             UNION ALL \
             SELECT c.closed_on AS day, 'closed' AS kind, c.department_id, c.point_id, c.channel, c.instant, \
             CAST(COUNT(*) AS BIGINT) AS w FROM cases c WHERE c.closed_on IS NOT NULL{and} \
             GROUP BY c.closed_on, c.department_id, c.point_id, c.channel, c.instant \
             UNION ALL \
             SELECT c.accepted_on AS day, c.mode AS kind, c.department_id, c.point_id, c.channel, c.instant, \
             CAST(COUNT(*) AS BIGINT) AS w FROM cases c WHERE c.accepted_on IS NOT NULL AND c.mode <> 'standard'{and} \
             GROUP BY c.accepted_on, c.mode, c.department_id, c.point_id, c.channel, c.instant \
             UNION ALL \
             SELECT c.revoked_on AS day, CASE WHEN c.mode = 'auto' THEN 'auto_revoked' ELSE 'revoked' END AS kind, \
             c.department_id, c.point_id, c.channel, c.instant, \
             CAST(COUNT(*) AS BIGINT) AS w FROM cases c WHERE c.revoked_on IS NOT NULL{and} \
             GROUP BY c.revoked_on, CASE WHEN c.mode = 'auto' THEN 'auto_revoked' ELSE 'revoked' END, \
             c.department_id, c.point_id, c.channel, c.instant \
             UNION ALL \
             SELECT c.closed_on AS day, 'closed_late' AS kind, c.department_id, c.point_id, c.channel, c.instant, \
             CAST(COUNT(*) AS BIGINT) AS w FROM cases c WHERE c.closed_on IS NOT NULL \
             AND c.promised_deadline IS NOT NULL AND c.closed_on > c.promised_deadline{and} \
             GROUP BY c.closed_on, c.department_id, c.point_id, c.channel, c.instant",
    id: "c.id",
    count: |r, _, add| {
        add(
            vec![
                K::T(r.try_get("day")?),
                K::T(r.try_get("kind")?),
                K::I(r.try_get("department_id")?),
                K::I(r.try_get("point_id")?),
                K::T(r.try_get("channel")?),
                K::I(r.try_get("instant")?),
            ],
            &[r.try_get("w")?],
        );
        Ok(())
    },
};

/// The measures of `stat_orders`, in order.
pub const ORDER_MEASURES: &[&str] = &[
    "received",
    "direct",
    "dispatched",
    "closed_dispatched",
    "on_time",
    "level_sum",
    "level_count",
    "valid",
    "faulty",
    "closed",
    "satisfied",
    "dispatched_valid",
    "responded",
    "resolved",
    "resolved_asked",
    "basic",
    "praise",
    "complaint",
];

/// Work orders, on the local day they were registered, by channel and lead unit
/// (0 before dispatch).
pub static ORDERS: Counter = Counter {
    table: "stat_orders",
    months: "stat_orders_m",
    label: "12345工单",
    keys: &[
        ("day", Ty::Text),
        ("channel", Ty::Text),
        ("department_id", Ty::Int),
    ],
    measures: ORDER_MEASURES,
    source: "SELECT o.created_at, o.channel, o.department_id, o.direct_answer, o.dispatched_on, o.status, \
             o.closed_at, o.deadline, o.callback_level, o.faulty, o.resolved, o.invalid_kind, o.category, \
             (SELECT MAX(e.at) FROM work_order_events e WHERE e.order_id = o.id AND e.action = 'sign') AS signed_at \
             FROM work_orders o WHERE 1 = 1{and}",
    id: "o.id",
    count: |r, cal, add| {
        let created: String = r.try_get("created_at")?;
        let day = local_day_of(&created)
            .ok_or_else(|| StoreError::Other(anyhow::anyhow!("bad created_at {created}")))?;
        let status: String = r.try_get("status")?;
        let dispatched_on: Option<String> = r.try_get("dispatched_on")?;
        let closed_at: Option<String> = r.try_get("closed_at")?;
        let deadline: Option<String> = r.try_get("deadline")?;
        let level: Option<i64> = r.try_get("callback_level")?;
        let dispatched = dispatched_on.is_some();
        // Merged into another, or marked invalid (骚扰、无声、打错): not a 有效工单.
        let valid = status != "merged" && r.try_get::<Option<String>, _>("invalid_kind")?.is_none();
        let resolved: Option<i64> = r.try_get("resolved")?;
        let closed = status == "closed";
        let closed_dispatched = dispatched && closed && closed_at.is_some() && deadline.is_some();
        // Closed by the end of the deadline's (Beijing) day.
        let on_time = closed_dispatched
            && matches!((&closed_at, &deadline), (Some(c), Some(d)) if c.as_str() < format!("{d}T16:00:00.000Z").as_str());
        // 响应率: signed by the end of the working day after the (latest) dispatch.
        let responded = dispatched
            && valid
            && match (
                dispatched_on.as_deref().and_then(time::parse_day),
                r.try_get::<Option<String>, _>("signed_at")?
                    .as_deref()
                    .and_then(time::parse_stamp),
            ) {
                (Some(on), Some(signed)) => {
                    let signed = time::local_day(signed);
                    let by = cal
                        .deadline(on, 1)
                        .unwrap_or_else(|_| Calendar::estimate_deadline(on, 1));
                    signed >= on && signed <= by
                }
                _ => false,
            };
        let unit: Option<i64> = r.try_get("department_id")?;
        add(
            vec![
                K::T(day),
                K::T(r.try_get("channel")?),
                K::I(unit.unwrap_or(0)),
            ],
            &[
                1,
                r.try_get::<i64, _>("direct_answer")?,
                b(dispatched),
                b(closed_dispatched),
                b(on_time),
                level.unwrap_or(0),
                b(level.is_some()),
                b(valid),
                b(valid && r.try_get::<i64, _>("faulty")? == 1),
                b(closed),
                b(level.is_some_and(|l| l > i64::from(tongban_domain::rating::BASIC))),
                b(dispatched && valid),
                b(responded),
                b(resolved == Some(1)),
                b(resolved.is_some()),
                b(level == Some(i64::from(tongban_domain::rating::BASIC))),
                // 表扬: a praise call, however it ends.
                b(r.try_get::<String, _>("category")? == "praise" && valid),
                b(r.try_get::<String, _>("category")? == "complaint" && valid),
            ],
        );
        Ok(())
    },
};

/// Dispatched orders on the day they were due (the first dispatch's limit, moved
/// only by approved extensions), by lead unit: how many (merged and invalid ones
/// aside), and how many the unit replied to by the end of that day.
pub static ORDER_DUES: Counter = Counter {
    table: "stat_order_dues",
    months: "stat_order_dues_m",
    label: "12345工单按时办结",
    keys: &[("day", Ty::Text), ("department_id", Ty::Int)],
    measures: &["due", "on_time"],
    source: "SELECT o.due_on, o.department_id, o.replied_at, o.status, o.invalid_kind \
             FROM work_orders o WHERE o.due_on IS NOT NULL{and}",
    id: "o.id",
    count: |r, _, add| {
        let status: String = r.try_get("status")?;
        if status == "merged" || r.try_get::<Option<String>, _>("invalid_kind")?.is_some() {
            return Ok(());
        }
        let due: String = r.try_get("due_on")?;
        let replied: Option<String> = r.try_get("replied_at")?;
        let on_time = replied
            .as_deref()
            .and_then(time::parse_stamp)
            .is_some_and(|t| time::day(time::local_day(t)) <= due);
        let unit: Option<i64> = r.try_get("department_id")?;
        add(vec![K::T(due), K::I(unit.unwrap_or(0))], &[1, b(on_time)]);
        Ok(())
    },
};

/// The days of a period whose due orders count for the on-time rate: up to
/// yesterday (an order due today may still be answered), if any.
pub fn due_days(from: NaiveDate, to: NaiveDate) -> Option<(NaiveDate, NaiveDate)> {
    let yesterday = time::local_day(time::now()) - chrono::Duration::days(1);
    let to = to.min(yesterday);
    (to >= from).then_some((from, to))
}

/// 好差评 ratings on the day given, by the case's department and point, the source
/// (`applicant` online, `device` at the window) and the level; with the bad ones the
/// department has answered (整改反馈), and those answered by their due day (Beijing
/// time).
pub static RATINGS: Counter = Counter {
    table: "stat_ratings",
    months: "stat_ratings_m",
    label: "好差评",
    keys: &[
        ("day", Ty::Text),
        ("department_id", Ty::Int),
        ("point_id", Ty::Int),
        ("source", Ty::Text),
        ("level", Ty::Int),
    ],
    measures: &["n", "answered", "answered_on_time"],
    source: "SELECT r.rated_on, r.level, \
             CASE WHEN r.source = 'applicant' THEN 'applicant' ELSE 'device' END AS source, \
             c.department_id, c.point_id, CAST(COUNT(*) AS BIGINT) AS w, \
             CAST(SUM(CASE WHEN f.answered_at IS NULL THEN 0 ELSE 1 END) AS BIGINT) AS answered, \
             CAST(SUM(CASE WHEN f.answered_at < f.due_on || 'T16:00:00.000Z' THEN 1 ELSE 0 END) AS BIGINT) AS on_time \
             FROM ratings r JOIN cases c ON c.id = r.case_id LEFT JOIN rating_followups f ON f.case_id = r.case_id AND f.kind = r.kind \
             WHERE 1 = 1{and} \
             GROUP BY r.rated_on, r.level, CASE WHEN r.source = 'applicant' THEN 'applicant' ELSE 'device' END, \
             c.department_id, c.point_id",
    id: "r.case_id",
    count: |r, _, add| {
        add(
            vec![
                K::T(r.try_get("rated_on")?),
                K::I(r.try_get("department_id")?),
                K::I(r.try_get("point_id")?),
                K::T(r.try_get("source")?),
                K::I(r.try_get("level")?),
            ],
            &[
                r.try_get("w")?,
                r.try_get("answered")?,
                r.try_get("on_time")?,
            ],
        );
        Ok(())
    },
};

// The calls' source counts a wait of up to 15 seconds as answered in time.
const _: () = assert!(tongban_domain::hotline::ANSWER_SECONDS == 15);

/// Calls on the local day they started.
pub static CALLS: Counter = Counter {
    table: "stat_calls",
    months: "stat_calls_m",
    label: "来电",
    keys: &[("day", Ty::Text)],
    measures: &["n", "answered", "answered_15s", "wait_sum", "called_back"],
    // Summed per UTC hour: whole hours fall on one Beijing day.
    source: "SELECT SUBSTR(c.started_at, 1, 13) AS hour, CAST(COUNT(*) AS BIGINT) AS n, \
             CAST(SUM(c.answered) AS BIGINT) AS answered, \
             CAST(SUM(CASE WHEN c.answered = 1 AND c.wait_seconds <= 15 THEN 1 ELSE 0 END) AS BIGINT) AS answered_15s, \
             CAST(SUM(CASE WHEN c.answered = 1 THEN c.wait_seconds ELSE 0 END) AS BIGINT) AS wait_sum, \
             CAST(SUM(CASE WHEN c.answered = 0 AND c.called_back_at IS NOT NULL THEN 1 ELSE 0 END) AS BIGINT) AS called_back \
             FROM calls c WHERE 1 = 1{and} GROUP BY SUBSTR(c.started_at, 1, 13)",
    id: "c.id",
    count: |r, _, add| {
        let hour: String = r.try_get("hour")?;
        let day = local_day_of(&format!("{hour}:00:00.000Z"))
            .ok_or_else(|| StoreError::Other(anyhow::anyhow!("bad started_at hour {hour}")))?;
        let mut m = [0i64; 5];
        for (slot, col) in
            m.iter_mut()
                .zip(["n", "answered", "answered_15s", "wait_sum", "called_back"])
        {
            *slot = r.try_get(col)?;
        }
        add(vec![K::T(day)], &m);
        Ok(())
    },
};

/// Joint completion acceptances on the day of their certificate: `closed` (under
/// department 0) counts them with their floor area, working days and first-visit
/// all-pass; `department` counts each department's first visits among them and how
/// many it passed (in `first_pass`).
pub static ACCEPTANCES: Counter = Counter {
    table: "stat_acceptances",
    months: "stat_acceptances_m",
    label: "联合验收",
    keys: &[
        ("day", Ty::Text),
        ("kind", Ty::Text),
        ("department_id", Ty::Int),
    ],
    measures: &["n", "area_cm2", "working_days", "first_pass"],
    source: "SELECT a.certified_on AS day, 'closed' AS kind, CAST(0 AS BIGINT) AS department_id, \
             CAST(COUNT(*) AS BIGINT) AS n, CAST(SUM(a.area_cm2) AS BIGINT) AS area_cm2, \
             CAST(SUM(a.working_days) AS BIGINT) AS working_days, CAST(SUM(a.first_pass) AS BIGINT) AS first_pass \
             FROM acceptances a WHERE a.certified_on IS NOT NULL{and} GROUP BY a.certified_on \
             UNION ALL \
             SELECT a.certified_on AS day, 'department' AS kind, k.department_id, CAST(COUNT(*) AS BIGINT) AS n, \
             CAST(0 AS BIGINT) AS area_cm2, CAST(0 AS BIGINT) AS working_days, \
             CAST(SUM(CASE WHEN k.result = 'pass' THEN 1 ELSE 0 END) AS BIGINT) AS first_pass \
             FROM acceptances a JOIN acceptance_checks k ON k.acceptance_id = a.id AND k.visit = 1 \
             WHERE a.certified_on IS NOT NULL{and} GROUP BY a.certified_on, k.department_id",
    id: "a.id",
    count: |r, _, add| {
        add(
            vec![
                K::T(r.try_get("day")?),
                K::T(r.try_get("kind")?),
                K::I(r.try_get("department_id")?),
            ],
            &[
                r.try_get("n")?,
                r.try_get("area_cm2")?,
                r.try_get("working_days")?,
                r.try_get("first_pass")?,
            ],
        );
        Ok(())
    },
};

/// Business registrations settled (their case closed with approval) on that day, by
/// kind (设立, 变更, 注销), with the business licenses they issued.
pub static REGISTRATIONS: Counter = Counter {
    table: "stat_registrations",
    months: "stat_registrations_m",
    label: "商事登记",
    keys: &[("day", Ty::Text), ("kind", Ty::Text)],
    measures: &["n", "licenses"],
    source: "SELECT r.closed_on AS day, r.kind, CAST(COUNT(*) AS BIGINT) AS n, \
             CAST(SUM(r.licensed) AS BIGINT) AS licenses FROM registrations r \
             WHERE r.closed_on IS NOT NULL{and} GROUP BY r.closed_on, r.kind",
    id: "r.id",
    count: |r, _, add| {
        add(
            vec![K::T(r.try_get("day")?), K::T(r.try_get("kind")?)],
            &[r.try_get("n")?, r.try_get("licenses")?],
        );
        Ok(())
    },
};

/// The supervision registers' entries by their day, kind (banner, innovation) and
/// department (0: none).
pub static COMMENDATIONS: Counter = Counter {
    table: "stat_commendations",
    months: "stat_commendations_m",
    label: "锦旗与创新举措",
    keys: &[
        ("day", Ty::Text),
        ("kind", Ty::Text),
        ("department_id", Ty::Int),
    ],
    measures: &["n"],
    source: "SELECT m.day, m.kind, COALESCE(m.department_id, 0) AS department_id, CAST(COUNT(*) AS BIGINT) AS n \
             FROM commendations m WHERE 1 = 1{and} GROUP BY m.day, m.kind, COALESCE(m.department_id, 0)",
    id: "m.id",
    count: |r, _, add| {
        add(
            vec![
                K::T(r.try_get("day")?),
                K::T(r.try_get("kind")?),
                K::I(r.try_get("department_id")?),
            ],
            &[r.try_get("n")?],
        );
        Ok(())
    },
};

/// Monthly patrols by their day and the window's department (0: none): how many,
/// and the checklist items found wanting.
pub static PATROLS: Counter = Counter {
    table: "stat_patrols",
    months: "stat_patrols_m",
    label: "窗口巡查",
    keys: &[("day", Ty::Text), ("department_id", Ty::Int)],
    measures: &["n", "problems"],
    source: "SELECT t.day, COALESCE(t.department_id, 0) AS department_id, CAST(COUNT(*) AS BIGINT) AS n, \
             CAST(SUM(t.problems) AS BIGINT) AS problems FROM patrols t WHERE 1 = 1{and} \
             GROUP BY t.day, COALESCE(t.department_id, 0)",
    id: "t.id",
    count: |r, _, add| {
        add(
            vec![K::T(r.try_get("day")?), K::I(r.try_get("department_id")?)],
            &[r.try_get("n")?, r.try_get("problems")?],
        );
        Ok(())
    },
};

/// Mystery visits by their day and the window's department (0: none): how many, and
/// their scores in tenths summed.
pub static VISITS: Counter = Counter {
    table: "stat_visits",
    months: "stat_visits_m",
    label: "第三方暗访",
    keys: &[("day", Ty::Text), ("department_id", Ty::Int)],
    measures: &["n", "score_tenths"],
    source: "SELECT v.day, COALESCE(v.department_id, 0) AS department_id, CAST(COUNT(*) AS BIGINT) AS n, \
             CAST(SUM(v.score_tenths) AS BIGINT) AS score_tenths FROM mystery_visits v WHERE 1 = 1{and} \
             GROUP BY v.day, COALESCE(v.department_id, 0)",
    id: "v.id",
    count: |r, _, add| {
        add(
            vec![K::T(r.try_get("day")?), K::I(r.try_get("department_id")?)],
            &[r.try_get("n")?, r.try_get("score_tenths")?],
        );
        Ok(())
    },
};

/// Key projects' weekly progress entries, by the week's Monday and project.
pub static TRACKING: Counter = Counter {
    table: "stat_tracking",
    months: "stat_tracking_m",
    label: "挂钩项目跟踪",
    keys: &[("day", Ty::Text), ("project_id", Ty::Int)],
    measures: &["n"],
    source: "SELECT g.week_of AS day, g.project_id, CAST(COUNT(*) AS BIGINT) AS n FROM project_progress g \
             WHERE 1 = 1{and} GROUP BY g.week_of, g.project_id",
    id: "g.id",
    count: |r, _, add| {
        add(
            vec![K::T(r.try_get("day")?), K::I(r.try_get("project_id")?)],
            &[r.try_get("n")?],
        );
        Ok(())
    },
};

/// Enterprise complaints: one `received` on the day received, one `answered` on the
/// day answered (with whether by its due day), one `rated` on the day rated (with
/// the level and whether satisfied, 4 or 5), per department (0: not assigned).
pub static COMPLAINTS: Counter = Counter {
    table: "stat_complaints",
    months: "stat_complaints_m",
    label: "企业投诉",
    keys: &[
        ("day", Ty::Text),
        ("kind", Ty::Text),
        ("department_id", Ty::Int),
    ],
    measures: &["n", "on_time", "rating_sum", "satisfied"],
    source: "SELECT c.received_on, c.answered_on, c.on_time, c.rated_on, c.rating, \
             CAST(COALESCE(c.department_id, 0) AS BIGINT) AS department_id FROM complaints c WHERE 1 = 1{and}",
    id: "c.id",
    count: |r, _, add| {
        let dept: i64 = r.try_get("department_id")?;
        let key = |day: String, kind: &str| vec![K::T(day), K::T(kind.into()), K::I(dept)];
        add(key(r.try_get("received_on")?, "received"), &[1, 0, 0, 0]);
        if let Some(day) = r.try_get::<Option<String>, _>("answered_on")? {
            let on_time = r.try_get::<Option<i64>, _>("on_time")?.unwrap_or(0);
            add(key(day, "answered"), &[1, on_time, 0, 0]);
        }
        if let (Some(day), Some(level)) = (
            r.try_get::<Option<String>, _>("rated_on")?,
            r.try_get::<Option<i64>, _>("rating")?,
        ) {
            add(key(day, "rated"), &[1, 0, level, b(level >= 4)]);
        }
        Ok(())
    },
};

/// Satisfaction survey scores per day answered and department: how many, their sum.
pub static SURVEY: Counter = Counter {
    table: "stat_survey",
    months: "stat_survey_m",
    label: "政府满意度测评评分",
    keys: &[("day", Ty::Text), ("department_id", Ty::Int)],
    measures: &["n", "score_sum"],
    source: "SELECT l.answered_on AS day, s.department_id, CAST(COUNT(*) AS BIGINT) AS n, \
             CAST(SUM(s.score) AS BIGINT) AS score_sum FROM survey_scores s JOIN survey_links l ON l.id = s.link_id \
             WHERE 1 = 1{and} GROUP BY l.answered_on, s.department_id",
    id: "s.link_id",
    count: |r, _, add| {
        add(
            vec![K::T(r.try_get("day")?), K::I(r.try_get("department_id")?)],
            &[r.try_get("n")?, r.try_get("score_sum")?],
        );
        Ok(())
    },
};

/// Satisfaction survey links per day issued: how many, how many answered.
pub static SURVEY_LINKS: Counter = Counter {
    table: "stat_survey_links",
    months: "stat_survey_links_m",
    label: "政府满意度测评链接",
    keys: &[("day", Ty::Text)],
    measures: &["issued", "answered"],
    source: "SELECT l.issued_on AS day, CAST(COUNT(*) AS BIGINT) AS issued, \
             CAST(SUM(CASE WHEN l.answered_on IS NULL THEN 0 ELSE 1 END) AS BIGINT) AS answered \
             FROM survey_links l WHERE 1 = 1{and} GROUP BY l.issued_on",
    id: "l.id",
    count: |r, _, add| {
        add(
            vec![K::T(r.try_get("day")?)],
            &[r.try_get("issued")?, r.try_get("answered")?],
        );
        Ok(())
    },
};

/// Coordination problems on projects: one `raised` on the day raised, one
/// `resolved` on the day resolved, per department that must act.
pub static PROBLEMS: Counter = Counter {
    table: "stat_problems",
    months: "stat_problems_m",
    label: "项目协调问题",
    keys: &[
        ("day", Ty::Text),
        ("kind", Ty::Text),
        ("department_id", Ty::Int),
    ],
    measures: &["n"],
    source: "SELECT q.raised_at, q.resolved_at, q.department_id FROM project_problems q WHERE 1 = 1{and}",
    id: "q.id",
    count: |r, _, add| {
        let dept: i64 = r.try_get("department_id")?;
        if let Some(day) = local_day_of(&r.try_get::<String, _>("raised_at")?) {
            add(vec![K::T(day), K::T("raised".into()), K::I(dept)], &[1]);
        }
        if let Some(day) = r
            .try_get::<Option<String>, _>("resolved_at")?
            .as_deref()
            .and_then(local_day_of)
        {
            add(vec![K::T(day), K::T("resolved".into()), K::I(dept)], &[1]);
        }
        Ok(())
    },
};

/// Public resource transactions: result announcements per day published, kind and
/// source, and the amounts they award.
pub static TRADING: Counter = Counter {
    table: "stat_trading",
    months: "stat_trading_m",
    label: "公共资源交易",
    keys: &[("day", Ty::Text), ("kind", Ty::Text), ("source", Ty::Text)],
    measures: &["n", "amount_fen"],
    source: "SELECT t.published_on AS day, t.kind, t.source, CAST(COUNT(*) AS BIGINT) AS n, \
             CAST(SUM(t.awarded_fen) AS BIGINT) AS amount_fen FROM trading_notices t \
             WHERE t.stage = 'result'{and} GROUP BY t.published_on, t.kind, t.source",
    id: "t.id",
    count: |r, _, add| {
        add(
            vec![
                K::T(r.try_get("day")?),
                K::T(r.try_get("kind")?),
                K::T(r.try_get("source")?),
            ],
            &[r.try_get("n")?, r.try_get("amount_fen")?],
        );
        Ok(())
    },
};

/// Agencies selected in the service market per day selected and service: the
/// orders, their agreed amounts, and the owners' ratings (four marks summed).
pub static INTERMEDIARY: Counter = Counter {
    table: "stat_intermediary",
    months: "stat_intermediary_m",
    label: "中介超市",
    keys: &[("day", Ty::Text), ("service", Ty::Text)],
    measures: &["n", "amount_fen", "rated", "rating_points"],
    source: "SELECT r.selected_on AS day, r.service, CAST(COUNT(*) AS BIGINT) AS n, \
             CAST(SUM(q.amount_fen) AS BIGINT) AS amount_fen, \
             CAST(SUM(CASE WHEN r.rated_on IS NULL THEN 0 ELSE 1 END) AS BIGINT) AS rated, \
             CAST(SUM(COALESCE(r.quality + r.timeliness + r.attitude + r.fees, 0)) AS BIGINT) AS rating_points \
             FROM service_requests r JOIN service_quotes q ON q.id = r.selected_quote_id \
             WHERE r.selected_on IS NOT NULL{and} GROUP BY r.selected_on, r.service",
    id: "r.id",
    count: |r, _, add| {
        add(
            vec![K::T(r.try_get("day")?), K::T(r.try_get("service")?)],
            &[
                r.try_get("n")?,
                r.try_get("amount_fen")?,
                r.try_get("rated")?,
                r.try_get("rating_points")?,
            ],
        );
        Ok(())
    },
};

/// After-checks of automatic approvals done on that day, and those that disagreed.
pub static AFTER_CHECKS: Counter = Counter {
    table: "stat_after_checks",
    months: "stat_after_checks_m",
    label: "秒批事后核查",
    keys: &[("day", Ty::Text)],
    measures: &["n", "disputed"],
    source: "SELECT a.checked_on AS day, CAST(COUNT(*) AS BIGINT) AS n, CAST(SUM(a.disputed) AS BIGINT) AS disputed \
             FROM after_checks a WHERE a.checked_on IS NOT NULL{and} GROUP BY a.checked_on",
    id: "a.case_id",
    count: |r, _, add| {
        add(
            vec![K::T(r.try_get("day")?)],
            &[r.try_get("n")?, r.try_get("disputed")?],
        );
        Ok(())
    },
};

/// Cases closed with approval that were not instant, per day closed and item: their
/// promised limits and the working days they took (`cases.handled_days`, set at the
/// close), for each item's speed-up.
pub static ITEM_SPEED: Counter = Counter {
    table: "stat_item_speed",
    months: "stat_item_speed_m",
    label: "事项实际办理时间",
    keys: &[("day", Ty::Text), ("item_id", Ty::Int)],
    measures: &["n", "promised", "handled"],
    source: "SELECT c.closed_on AS day, c.item_id, CAST(COUNT(*) AS BIGINT) AS n, \
             CAST(SUM(c.promised_days) AS BIGINT) AS promised, CAST(SUM(c.handled_days) AS BIGINT) AS handled \
             FROM cases c WHERE c.handled_days IS NOT NULL AND c.closed_on IS NOT NULL AND c.instant = 0 \
             AND c.promised_days > 0 AND c.promised_unit = 'working'{and} GROUP BY c.closed_on, c.item_id",
    id: "c.id",
    count: |r, _, add| {
        add(
            vec![K::T(r.try_get("day")?), K::I(r.try_get("item_id")?)],
            &[
                r.try_get("n")?,
                r.try_get("promised")?,
                r.try_get("handled")?,
            ],
        );
        Ok(())
    },
};

/// Sets a case's handled days as it closes with approval (from the day after its
/// acceptance to the close, on the calendar) and counts it, in the closing
/// transaction.
pub async fn track_handled(
    conn: &mut AnyConnection,
    case_id: i64,
    accepted: Option<NaiveDate>,
    closed: NaiveDate,
    cal: &Calendar,
) -> Result<()> {
    let Some(accepted) = accepted else {
        return Ok(());
    };
    let before = snapshot_now(&mut *conn, &ITEM_SPEED, &[case_id], cal).await?;
    sqlx::query("UPDATE cases SET handled_days = $1 WHERE id = $2")
        .bind(i64::from(cal.working_days_or_estimate(accepted, closed)))
        .bind(case_id)
        .execute(&mut *conn)
        .await?;
    let after = snapshot_now(&mut *conn, &ITEM_SPEED, &[case_id], cal).await?;
    track(conn, &ITEM_SPEED, Some(&before), &after).await
}

/// Every kept figure.
pub static COUNTERS: [&Counter; 19] = [
    &CASES,
    &ORDERS,
    &ORDER_DUES,
    &RATINGS,
    &CALLS,
    &ACCEPTANCES,
    &REGISTRATIONS,
    &AFTER_CHECKS,
    &ITEM_SPEED,
    &COMMENDATIONS,
    &PATROLS,
    &VISITS,
    &TRACKING,
    &COMPLAINTS,
    &SURVEY,
    &SURVEY_LINKS,
    &PROBLEMS,
    &TRADING,
    &INTERMEDIARY,
];

/// What some records add to a counter, summed per key.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Snapshot(Totals);

impl Snapshot {
    fn add(&mut self, key: Key, values: &[i64]) {
        let slot = self.0.entry(key).or_insert_with(|| vec![0; values.len()]);
        for (s, v) in slot.iter_mut().zip(values) {
            *s += v;
        }
    }

    /// Adds another change to this one.
    pub(crate) fn merge(&mut self, other: Snapshot) {
        for (k, v) in other.0 {
            self.add(k, &v);
        }
    }
}

fn source(c: &Counter, filter: &str) -> String {
    c.source.replace("{and}", filter)
}

/// What the records `ids` add to `counter` now (inside the writing transaction).
/// Records created in the same gathering transaction add nothing yet: they are
/// counted at its end as they are then (`track_new_case`), so their changes in the
/// meantime must not be counted as well.
pub async fn snapshot(
    conn: &mut AnyConnection,
    counter: &'static Counter,
    ids: &[i64],
    cal: &Calendar,
) -> Result<Snapshot> {
    let fresh = pending::peek((pending::COUNTERS, counter.table), |c: &Change| {
        ids.iter()
            .copied()
            .filter(|id| !c.new.contains(id))
            .collect::<Vec<i64>>()
    });
    match fresh {
        Some(old) => snapshot_now(conn, counter, &old, cal).await,
        None => snapshot_now(conn, counter, ids, cal).await,
    }
}

/// What the records `ids` add to `counter` as the database holds them now.
async fn snapshot_now(
    conn: &mut AnyConnection,
    counter: &Counter,
    ids: &[i64],
    cal: &Calendar,
) -> Result<Snapshot> {
    let mut out = Snapshot::default();
    if ids.is_empty() {
        return Ok(out);
    }
    // Bound, not written into the text, so the statement is prepared once per
    // number of records rather than once per write.
    let marks: Vec<String> = (1..=ids.len()).map(|i| format!("${i}")).collect();
    let sql = source(
        counter,
        &format!(" AND {} IN ({})", counter.id, marks.join(", ")),
    );
    let mut q = crate::bulk::Stmt::new(sql);
    for id in ids {
        q = q.bind(*id);
    }
    let rows = crate::db::pending::fetch_all(conn, q).await?;
    for r in &rows {
        (counter.count)(r, cal, &mut |k, v| out.add(k, v))?;
    }
    Ok(out)
}

/// Counts new records `ids` (whose counter needs no calendar) in the caller's
/// transaction: what they add, tracked from nothing.
pub async fn track_new(
    conn: &mut AnyConnection,
    counter: &'static Counter,
    ids: &[i64],
) -> Result<()> {
    for chunk in ids.chunks(500) {
        let after = snapshot(&mut *conn, counter, chunk, &Calendar::default()).await?;
        track(&mut *conn, counter, None, &after).await?;
    }
    Ok(())
}

/// Moves the counters from `before` (none: new records) to `after`, in the caller's
/// transaction: at its end, summed with its other writes' changes, when the
/// transaction's writes are gathered (`db::pending`); at once otherwise.
pub async fn track(
    conn: &mut AnyConnection,
    counter: &'static Counter,
    before: Option<&Snapshot>,
    after: &Snapshot,
) -> Result<()> {
    if before == Some(after) {
        return Ok(());
    }
    let mut delta = after.clone();
    if let Some(b) = before {
        for (k, v) in &b.0 {
            let neg: Vec<i64> = v.iter().map(|x| -x).collect();
            delta.add(k.clone(), &neg);
        }
    }
    let change = Change {
        counter,
        delta,
        new: vec![],
    };
    match pending::defer_carrying(
        (pending::COUNTERS, counter.table),
        change,
        Change::merge,
        apply_kept,
    ) {
        None => Ok(()),
        Some(change) => apply(conn, counter, &change.delta).await,
    }
}

/// A counter's change waiting for the end of its transaction: the summed changes of
/// records changed, and the records created, counted as they are at the end (so a
/// record created and changed in one batch counts once, in its last state).
struct Change {
    counter: &'static Counter,
    delta: Snapshot,
    new: Vec<i64>,
}

impl Change {
    fn merge(&mut self, more: Change) {
        self.delta.merge(more.delta);
        self.new.extend(more.new);
    }
}

fn apply_kept<'c>(
    conn: &'c mut AnyConnection,
    value: Box<dyn std::any::Any + Send>,
) -> BoxFuture<'c, Result<()>> {
    Box::pin(async move {
        let mut kept = pending::kept::<Change>(value)?;
        if !kept.new.is_empty() {
            // Only counters whose count needs no calendar take new records here.
            let now = snapshot_now(conn, kept.counter, &kept.new, &Calendar::default()).await?;
            kept.delta.merge(now);
        }
        apply(conn, kept.counter, &kept.delta).await
    })
}

/// Counts a new case in `stat_cases`: at the end of the transaction, in its state
/// then, when the transaction's writes are gathered; at once otherwise.
pub async fn track_new_case(conn: &mut AnyConnection, id: i64) -> Result<()> {
    let change = Change {
        counter: &CASES,
        delta: Snapshot::default(),
        new: vec![id],
    };
    if pending::defer_carrying(
        (pending::COUNTERS, CASES.table),
        change,
        Change::merge,
        apply_kept,
    )
    .is_some()
    {
        let counted = case_snapshot(conn, id).await?;
        track_case(conn, None, &counted).await?;
    }
    Ok(())
}

/// Applies a change to the counters: the keys whose measures changed upserted in
/// one statement per table (at the end of a batch on PostgreSQL, with the next
/// statement: `pending::write`).
pub(crate) async fn apply(
    conn: &mut AnyConnection,
    counter: &Counter,
    delta: &Snapshot,
) -> Result<()> {
    let mut changes: Vec<(&Key, &Vec<i64>)> = delta
        .0
        .iter()
        .filter(|(_, v)| v.iter().any(|x| *x != 0))
        .collect();
    // One order of upserts everywhere, so concurrent writers cannot deadlock.
    changes.sort();
    let months = by_month(changes.iter().map(|(k, v)| ((*k).clone(), (*v).clone())));
    let months: Vec<(&Key, &Vec<i64>)> = months.iter().map(|(k, v)| (k, v)).collect();
    let width = counter.keys.len() + counter.measures.len();
    for (table, rows) in [(counter.table, changes), (counter.months, months)] {
        for part in rows.chunks((UPSERT_VALUES / width).max(1)) {
            let mut q = crate::bulk::Stmt::new(upsert_sql(counter, table, part.len()));
            for (k, v) in part {
                for key in k.iter() {
                    q = match key {
                        K::T(s) => q.bind(s.as_str()),
                        K::I(n) => q.bind(*n),
                    };
                }
                for x in v.iter() {
                    q = q.bind(*x);
                }
            }
            crate::db::pending::write(&mut *conn, q).await?;
        }
    }
    Ok(())
}

/// Most values bound in one upsert of counters (SQLite takes 32,766).
const UPSERT_VALUES: usize = 10_000;

fn columns(counter: &Counter) -> Vec<&'static str> {
    counter
        .keys
        .iter()
        .map(|k| k.0)
        .chain(counter.measures.iter().copied())
        .collect()
}

/// The upsert of `rows` keys of `counter` into `table` (keys all different: a key
/// twice in one upsert is refused).
fn upsert_sql(counter: &Counter, table: &str, rows: usize) -> String {
    let cols = columns(counter);
    let keys: Vec<&str> = counter.keys.iter().map(|k| k.0).collect();
    let width = cols.len();
    format!(
        "INSERT INTO {table} ({cols}) VALUES {params} ON CONFLICT ({keys}) DO UPDATE SET {set}",
        cols = cols.join(", "),
        params = (0..rows)
            .map(|r| {
                let marks: Vec<String> =
                    (1..=width).map(|i| format!("${}", r * width + i)).collect();
                format!("({})", marks.join(", "))
            })
            .collect::<Vec<_>>()
            .join(", "),
        keys = keys.join(", "),
        set = counter
            .measures
            .iter()
            .map(|m| format!("{m} = {table}.{m} + excluded.{m}"))
            .collect::<Vec<_>>()
            .join(", "),
    )
}

/// Day counters summed per month: the first key (`YYYY-MM-DD`) cut to `YYYY-MM`;
/// sorted, without rows that sum to nothing.
fn by_month(rows: impl IntoIterator<Item = (Key, Vec<i64>)>) -> Vec<(Key, Vec<i64>)> {
    let mut m = Snapshot::default();
    for (mut k, v) in rows {
        if let Some(K::T(day)) = k.first_mut() {
            day.truncate(7);
        }
        m.add(k, &v);
    }
    let mut out: Vec<(Key, Vec<i64>)> =
        m.0.into_iter()
            .filter(|(_, v)| v.iter().any(|x| *x != 0))
            .collect();
    out.sort();
    out
}

/// A case's contribution to `stat_cases` now.
pub async fn case_snapshot(conn: &mut AnyConnection, id: i64) -> Result<Snapshot> {
    snapshot(conn, &CASES, &[id], &Calendar::default()).await
}

/// Moves a case's contribution from `before` (none: a new case) to `after`.
pub async fn track_case(
    conn: &mut AnyConnection,
    before: Option<&Snapshot>,
    after: &Snapshot,
) -> Result<()> {
    track(conn, &CASES, before, after).await
}

/// Recomputes a counter from every record.
async fn recompute(conn: &mut AnyConnection, counter: &Counter, cal: &Calendar) -> Result<Totals> {
    let mut out = Snapshot::default();
    let sql = source(counter, "");
    let mut rows = sqlx::query(sqlx::AssertSqlSafe(sql)).fetch(&mut *conn);
    while let Some(r) = rows.try_next().await? {
        (counter.count)(&r, cal, &mut |k, v| out.add(k, v))?;
    }
    Ok(out.0)
}

/// Cases closed with approval before their handled days were kept (a database from
/// before this version): their working days from the day after acceptance to the
/// close, set on the calendar, so the item speed-up counts them too.
async fn backfill_handled(
    conn: &mut AnyConnection,
    backend: Backend,
    cal: &Calendar,
) -> Result<()> {
    let rows = sqlx::query(
        "SELECT id, accepted_on, closed_on FROM cases WHERE handled_days IS NULL AND instant = 0 \
         AND accepted_on IS NOT NULL AND closed_on IS NOT NULL AND status IN ('closed', 'revoked')",
    )
    .fetch_all(&mut *conn)
    .await?;
    let mut values: Vec<Vec<crate::bulk::V>> = Vec::with_capacity(rows.len());
    for r in rows {
        let (Some(a), Some(c)) = (
            time::parse_day(&r.try_get::<String, _>(1)?),
            time::parse_day(&r.try_get::<String, _>(2)?),
        ) else {
            continue;
        };
        values.push(vec![
            crate::bulk::V::I(r.try_get(0)?),
            crate::bulk::V::I(i64::from(cal.working_days_or_estimate(a, c))),
        ]);
    }
    for chunk in values.chunks(5_000) {
        // One statement per thousands of cases: the days through a table of values.
        sqlx::query("CREATE TEMPORARY TABLE IF NOT EXISTS handled_fill (id BIGINT PRIMARY KEY, days BIGINT NOT NULL)")
            .execute(&mut *conn)
            .await?;
        crate::bulk::insert_rows(&mut *conn, backend, "handled_fill", &["id", "days"], chunk)
            .await?;
        sqlx::query(
            "UPDATE cases SET handled_days = (SELECT f.days FROM handled_fill f WHERE f.id = cases.id) \
             WHERE id IN (SELECT id FROM handled_fill)",
        )
        .execute(&mut *conn)
        .await?;
        sqlx::query("DELETE FROM handled_fill")
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

/// Empties `counters` and writes them anew from the records, on the caller's
/// connection (a migration's transaction, or `rebuild`'s); the counter rows written.
pub(crate) async fn fill(
    conn: &mut AnyConnection,
    backend: Backend,
    counters: &[&Counter],
    cal: &Calendar,
) -> Result<u64> {
    // Earlier writes of the same transaction must be in the counters before they are
    // emptied, or their changes would be counted again on top of the recount.
    pending::settle(conn).await?;
    if counters.iter().any(|c| std::ptr::eq(*c, &ITEM_SPEED)) {
        backfill_handled(&mut *conn, backend, cal).await?;
    }
    let mut written = 0;
    for c in counters {
        if backend == Backend::Postgres {
            // Writers wait until the counters are whole again (readers do not).
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "LOCK TABLE {}, {} IN EXCLUSIVE MODE",
                c.table, c.months
            )))
            .execute(&mut *conn)
            .await?;
        }
        sqlx::query(sqlx::AssertSqlSafe(format!("DELETE FROM {}", c.table)))
            .execute(&mut *conn)
            .await?;
        sqlx::query(sqlx::AssertSqlSafe(format!("DELETE FROM {}", c.months)))
            .execute(&mut *conn)
            .await?;
        let totals = recompute(conn, c, cal).await?;
        let mut rows: Vec<(Key, Vec<i64>)> = totals
            .into_iter()
            .filter(|(_, v)| v.iter().any(|x| *x != 0))
            .collect();
        rows.sort();
        let months = by_month(rows.iter().cloned());
        let cols = columns(c);
        for (table, rows) in [(c.table, rows), (c.months, months)] {
            let values: Vec<Vec<crate::bulk::V>> = rows
                .into_iter()
                .map(|(k, v)| {
                    k.into_iter()
                        .map(|p| match p {
                            K::T(s) => crate::bulk::V::S(s),
                            K::I(n) => crate::bulk::V::I(n),
                        })
                        .chain(v.into_iter().map(crate::bulk::V::I))
                        .collect()
                })
                .collect();
            if table == c.table {
                written += values.len() as u64;
            }
            crate::bulk::insert_rows(conn, backend, table, &cols, &values).await?;
        }
    }
    Ok(written)
}

/// Recomputes every counter from the records, in one transaction; the number of
/// counter rows written.
pub async fn rebuild(store: &Store) -> Result<u64> {
    let cal = crate::calendar::current(store).await?;
    let mut tx = store.begin().await?;
    let n = fill(&mut tx, store.backend(), &COUNTERS, &cal).await?;
    tx.commit().await?;
    Ok(n)
}

/// Set (by a migration) while every counter must be refilled from the records: new
/// counters, or counters whose meaning changed.
const STALE: &str = "counters_stale";

/// Refills every counter from the records when a migration asked for it. Run after
/// the migrations at every start, so a refill cut short is done at the next one;
/// of several nodes starting together one refills, the others find it done.
pub(crate) async fn refill_if_stale(store: &Store) -> Result<bool> {
    if store.setting(STALE).await?.is_none() {
        return Ok(false);
    }
    let mut tx = store.begin().await?;
    let claimed = sqlx::query("DELETE FROM settings WHERE key = $1")
        .bind(STALE)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    if claimed == 0 {
        return Ok(false);
    }
    let cal = crate::calendar::read(&mut tx).await?;
    let rows = fill(&mut tx, store.backend(), &COUNTERS, &cal).await?;
    tx.commit().await?;
    tracing::info!(rows, "counters refilled from the records after a migration");
    Ok(true)
}

/// A counter that differs from the recomputation.
#[derive(Debug, Clone, Serialize)]
pub struct Difference {
    pub table: &'static str,
    pub counter: &'static str,
    /// The key, as `column=value` pairs.
    pub key: String,
    pub measure: &'static str,
    pub kept: i64,
    pub recomputed: i64,
}

#[derive(Debug, Clone, Serialize)]
pub struct CheckReport {
    pub counters: i64,
    pub differences: Vec<Difference>,
}

/// Compares the kept counters with a recomputation from the records (both read once
/// and matched here: a join of two aggregates has no index to use).
pub async fn check(store: &Store) -> Result<CheckReport> {
    let cal = crate::calendar::current(store).await?;
    // Counters and records from one snapshot, so writes meanwhile are no difference.
    let mut c = store.snapshot().await?;
    let mut counters = 0;
    let mut differences = vec![];
    for counter in COUNTERS {
        let recomputed = recompute(&mut c, counter, &cal).await?;
        let months: Totals = by_month(recomputed.iter().map(|(k, v)| (k.clone(), v.clone())))
            .into_iter()
            .collect();
        for (table, recomputed) in [(counter.table, recomputed), (counter.months, months)] {
            let kept = read(&mut c, counter, table).await?;
            if table == counter.table {
                counters += kept.len() as i64;
            }
            compare(counter, table, &kept, &recomputed, &mut differences);
        }
    }
    Ok(CheckReport {
        counters,
        differences,
    })
}

/// The rows of a counter table, summed per key (rows of nothing left out).
async fn read(c: &mut AnyConnection, counter: &Counter, table: &str) -> Result<Totals> {
    let sql = format!("SELECT {} FROM {table}", columns(counter).join(", "));
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).fetch_all(c).await?;
    let mut kept = Snapshot::default();
    for r in &rows {
        let mut key = Vec::with_capacity(counter.keys.len());
        for (name, ty) in counter.keys {
            key.push(match ty {
                Ty::Text => K::T(r.try_get(*name)?),
                Ty::Int => K::I(r.try_get(*name)?),
            });
        }
        let mut v = Vec::with_capacity(counter.measures.len());
        for m in counter.measures {
            v.push(r.try_get::<i64, _>(*m)?);
        }
        kept.add(key, &v);
    }
    kept.0.retain(|_, v| v.iter().any(|x| *x != 0));
    Ok(kept.0)
}

/// Adds to `out` every measure of `table` that differs from the recomputation (at
/// most a thousand in all).
fn compare(
    counter: &Counter,
    table: &'static str,
    kept: &Totals,
    recomputed: &Totals,
    out: &mut Vec<Difference>,
) {
    let mut keys: Vec<&Key> = kept.keys().chain(recomputed.keys()).collect();
    keys.sort();
    keys.dedup();
    let zero = vec![0; counter.measures.len()];
    for k in keys {
        let a = kept.get(k).unwrap_or(&zero);
        let b = recomputed.get(k).unwrap_or(&zero);
        for (i, m) in counter.measures.iter().enumerate() {
            if a[i] != b[i] && out.len() < 1000 {
                out.push(Difference {
                    table,
                    counter: counter.label,
                    key: counter
                        .keys
                        .iter()
                        .zip(k)
                        .map(|((n, _), v)| format!("{n}={v}"))
                        .collect::<Vec<_>>()
                        .join(" "),
                    measure: m,
                    kept: a[i],
                    recomputed: b[i],
                });
            }
        }
    }
}

/// The latest year with accepted cases, from the counters.
pub async fn latest_year(store: &Store) -> Result<Option<i32>> {
    let last: Option<String> =
        sqlx::query_scalar("SELECT MAX(day) FROM stat_cases WHERE kind = 'accepted'")
            .fetch_one(&mut *store.reader().await?)
            .await?;
    Ok(last.and_then(|d| d.get(..4).and_then(|y| y.parse().ok())))
}

/// Cases accepted and 12345 requests registered in `year`, from the counters.
pub async fn year_totals(store: &Store, year: i32) -> Result<(i64, i64)> {
    let mut c = store.reader().await?;
    let (from, to) = (format!("{year:04}-01-01"), format!("{year:04}-12-31"));
    let cases = sqlx::query_scalar(
        "SELECT CAST(COALESCE(SUM(n), 0) AS BIGINT) FROM stat_cases WHERE kind = 'accepted' AND day >= $1 AND day <= $2",
    )
    .bind(&from)
    .bind(&to)
    .fetch_one(&mut *c)
    .await?;
    let orders = sqlx::query_scalar(
        "SELECT CAST(COALESCE(SUM(received), 0) AS BIGINT) FROM stat_orders WHERE day >= $1 AND day <= $2",
    )
    .bind(&from)
    .bind(&to)
    .fetch_one(&mut *c)
    .await?;
    Ok((cases, orders))
}

/// Measures summed per value of some key columns.
pub type Sums = HashMap<Vec<K>, Vec<i64>>;

/// The measures of `counter` summed over the local days `from..=to` per value of the
/// `group` key columns (none: one row of totals under the empty key): whole months
/// from the month table, the days of a partial first or last month from the day
/// table. A year reads twelve months of rows, whatever the volume of records.
pub async fn sums(
    conn: &mut AnyConnection,
    counter: &Counter,
    from: NaiveDate,
    to: NaiveDate,
    group: &[&str],
) -> Result<Sums> {
    let mut types = Vec::with_capacity(group.len());
    for g in group {
        let ty = counter
            .keys
            .iter()
            .find(|k| k.0 == *g)
            .map(|k| k.1)
            .ok_or_else(|| {
                StoreError::Other(anyhow::anyhow!("{} has no key {g}", counter.table))
            })?;
        types.push(ty);
    }
    // Whole months [first, last] and the days outside them.
    let month_start = |d: NaiveDate| d.with_day(1).unwrap_or(d);
    let month_end = |d: NaiveDate| {
        month_start(d)
            .checked_add_months(Months::new(1))
            .and_then(|n| n.pred_opt())
            .unwrap_or(d)
    };
    let mut whole: Option<(NaiveDate, NaiveDate)> = None;
    let mut days: Vec<(NaiveDate, NaiveDate)> = vec![];
    let mut m = month_start(from);
    while m <= to {
        let (a, b) = (m.max(from), month_end(m).min(to));
        if a == m && b == month_end(m) {
            whole = Some((whole.map_or(m, |w| w.0), m));
        } else {
            days.push((a, b));
        }
        match m.checked_add_months(Months::new(1)) {
            Some(n) => m = n,
            None => break,
        }
    }
    let select = |table: &str| {
        let sums = counter
            .measures
            .iter()
            .map(|m| format!("CAST(COALESCE(SUM({m}), 0) AS BIGINT)"))
            .collect::<Vec<_>>()
            .join(", ");
        let keys = group.join(", ");
        if group.is_empty() {
            format!("SELECT {sums} FROM {table} WHERE day >= $1 AND day <= $2")
        } else {
            format!(
                "SELECT {keys}, {sums} FROM {table} WHERE day >= $1 AND day <= $2 GROUP BY {keys}"
            )
        }
    };
    let mut ranges: Vec<(String, String, String)> = days
        .iter()
        .map(|(a, b)| (select(counter.table), time::day(*a), time::day(*b)))
        .collect();
    if let Some((a, b)) = whole {
        let month = |d: NaiveDate| format!("{:04}-{:02}", d.year(), d.month());
        ranges.push((select(counter.months), month(a), month(b)));
    }
    let mut out = Snapshot::default();
    for (sql, a, b) in ranges {
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(&a)
            .bind(&b)
            .fetch_all(&mut *conn)
            .await?;
        for r in &rows {
            let mut key = Vec::with_capacity(group.len());
            for (i, ty) in types.iter().enumerate() {
                key.push(match ty {
                    Ty::Text => K::T(r.try_get(i)?),
                    Ty::Int => K::I(r.try_get(i)?),
                });
            }
            let mut v = Vec::with_capacity(counter.measures.len());
            for j in 0..counter.measures.len() {
                v.push(r.try_get::<i64, _>(group.len() + j)?);
            }
            out.add(key, &v);
        }
    }
    Ok(out.0)
}

/// One measure of `counter` per month of `year` (index 0 is January), from the
/// month table, of the rows whose `filter` key holds the given value if any.
/// A year's months, and the same months a year earlier like for like: while the
/// year is in progress, its current month a year earlier counts only to the same day
/// (1–5 December against 1–5 December, not all of last December).
pub async fn months_compared(
    conn: &mut AnyConnection,
    counter: &Counter,
    measure: &str,
    filter: Option<(&str, &str)>,
    year: i32,
    today: NaiveDate,
) -> Result<([i64; 12], [i64; 12])> {
    let this = by_month_of_year(&mut *conn, counter, measure, filter, year).await?;
    let mut before = by_month_of_year(&mut *conn, counter, measure, filter, year - 1).await?;
    if year == today.year() {
        let m = today.month();
        let from = NaiveDate::from_ymd_opt(year - 1, m, 1)
            .ok_or_else(|| StoreError::Other(anyhow::anyhow!("month {m}")))?;
        // 29 February a year after a leap year: the month's last day.
        let to = (1..=today.day())
            .rev()
            .find_map(|d| NaiveDate::from_ymd_opt(year - 1, m, d))
            .unwrap_or(from);
        let group: Vec<&str> = filter.iter().map(|(col, _)| *col).collect();
        let at = counter
            .measures
            .iter()
            .position(|x| *x == measure)
            .ok_or_else(|| StoreError::Other(anyhow::anyhow!("no measure {measure}")))?;
        let sums = sums(&mut *conn, counter, from, to, &group).await?;
        before[(m - 1) as usize] = sums
            .iter()
            .filter(|(k, _)| {
                filter.is_none_or(|(_, v)| matches!(k.first(), Some(K::T(t)) if t == v))
            })
            .map(|(_, v)| v[at])
            .sum();
    }
    Ok((this, before))
}

pub async fn by_month_of_year(
    conn: &mut AnyConnection,
    counter: &Counter,
    measure: &str,
    filter: Option<(&str, &str)>,
    year: i32,
) -> Result<[i64; 12]> {
    let mut out = [0i64; 12];
    if !counter.measures.contains(&measure) {
        return Err(StoreError::Other(anyhow::anyhow!(
            "{} has no measure {measure}",
            counter.table
        )));
    }
    if let Some((col, _)) = filter
        && !counter.keys.iter().any(|k| k.0 == col && k.1 == Ty::Text)
    {
        return Err(StoreError::Other(anyhow::anyhow!(
            "{} has no text key {col}",
            counter.table
        )));
    }
    let cond = filter.map_or(String::new(), |(col, _)| format!(" AND {col} = $3"));
    let mut q = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT day, CAST(SUM({measure}) AS BIGINT) FROM {} WHERE day >= $1 AND day <= $2{cond} GROUP BY day",
        counter.months
    )))
    .bind(format!("{year:04}-01"))
    .bind(format!("{year:04}-12"));
    if let Some((_, v)) = filter {
        q = q.bind(v);
    }
    let rows = q.fetch_all(conn).await?;
    for r in &rows {
        let day: String = r.try_get(0)?;
        if let Some(slot) = day
            .get(5..7)
            .and_then(|m| m.parse::<usize>().ok())
            .and_then(|m| out.get_mut(m.wrapping_sub(1)))
        {
            *slot = r.try_get(1)?;
        }
    }
    Ok(out)
}
