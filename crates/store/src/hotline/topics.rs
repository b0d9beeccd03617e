//! 热点诉求: work orders of a window grouped by subject and place, with how many
//! came in the window before it, so the center sees a cluster (many 油烟扰民 orders
//! on one road) as it forms. Computed from the orders on request; a window is at
//! most a year.

use crate::org::Principal;
use crate::{Result, Sql, Store, StoreError, time};
use chrono::{Duration, NaiveDate, TimeZone};
use serde::{Deserialize, Serialize};
use sqlx::Row;
use std::collections::HashMap;
use tongban_domain::org::Role;
use tongban_domain::topics::{Trend, place_of, subject_of};

/// Longest window, in days.
pub const MAX_DAYS: i64 = 366;
/// Order numbers listed with each topic.
const ORDERS_PER_TOPIC: usize = 200;

#[derive(Debug, Clone, Default, Deserialize)]
pub struct TopicQuery {
    /// First day (`YYYY-MM-DD`); default: 29 days before `to`.
    pub from: Option<String>,
    /// Last day; default: today.
    pub to: Option<String>,
    /// Fewest orders that make a topic (default 3).
    pub min: Option<i64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Topic {
    pub subject: String,
    pub place: String,
    pub count: i64,
    /// Orders in the window before, as long as this one.
    pub before: i64,
    pub trend: Trend,
    pub trend_label: &'static str,
    pub first_at: String,
    pub last_at: String,
    /// The orders, latest first (at most 200).
    pub orders: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct TopicReport {
    pub from: String,
    pub to: String,
    pub previous_from: String,
    pub previous_to: String,
    /// Orders of the window looked at.
    pub orders: i64,
    pub topics: Vec<Topic>,
}

fn day_arg(field: &'static str, label: &str, v: Option<&str>) -> Result<Option<NaiveDate>> {
    match v.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) => time::parse_day(s)
            .map(Some)
            .ok_or_else(|| StoreError::invalid(field, format!("{label}应为日期，如 2026-11-01"))),
    }
}

/// The UTC stamp of local midnight starting `d`.
fn start_of(d: NaiveDate) -> String {
    let local = time::china()
        .from_local_datetime(&d.and_hms_opt(0, 0, 0).expect("midnight"))
        .single()
        .expect("a fixed offset has one midnight");
    time::stamp(local.with_timezone(&chrono::Utc))
}

/// The hot topics of a window.
pub async fn hot_topics(store: &Store, p: &Principal, q: &TopicQuery) -> Result<TopicReport> {
    let unit = match p.role {
        Role::HotlineAgent | Role::Supervisor | Role::Admin => None,
        Role::UnitHandler => Some(p.department_id.unwrap_or(-1)),
        _ => {
            return Err(StoreError::Forbidden(
                "当前角色无权查看12345热点诉求".into(),
            ));
        }
    };
    let today = time::local_day(time::now());
    let to = day_arg("to", "截止日期", q.to.as_deref())?.unwrap_or(today);
    let from = day_arg("from", "起始日期", q.from.as_deref())?.unwrap_or(to - Duration::days(29));
    if from > to {
        return Err(StoreError::invalid("from", "起始日期不能晚于截止日期"));
    }
    let days = (to - from).num_days() + 1;
    if days > MAX_DAYS {
        return Err(StoreError::invalid(
            "from",
            format!("统计区间最长{MAX_DAYS}天"),
        ));
    }
    let min = q.min.unwrap_or(3);
    if !(2..=1000).contains(&min) {
        return Err(StoreError::invalid(
            "min",
            "成为热点的最少工单数应为2至1000",
        ));
    }
    let previous_from = from - Duration::days(days);
    let previous_to = from - Duration::days(1);

    let mut c = store.reader().await?;
    let services = sqlx::query("SELECT name, keywords FROM open311_services ORDER BY sort, code")
        .fetch_all(&mut *c)
        .await?;
    let subjects: Vec<(String, Vec<String>)> = services
        .iter()
        .map(|r| {
            let name: String = r.try_get("name")?;
            let words: String = r.try_get("keywords")?;
            Ok((
                name,
                words
                    .split([',', '，', '、'])
                    .map(|w| w.trim().to_string())
                    .filter(|w| !w.is_empty())
                    .collect(),
            ))
        })
        .collect::<Result<_>>()?;

    let mut sql = Sql::new(
        "SELECT o.order_no, o.content, o.address, s.name AS sname, o.created_at \
         FROM work_orders o LEFT JOIN open311_services s ON s.code = o.service_code \
         WHERE o.status <> 'merged' AND o.created_at >= ",
    );
    sql.bind_s(start_of(previous_from))
        .push(" AND o.created_at < ")
        .bind_s(start_of(to + Duration::days(1)));
    if let Some(d) = unit {
        sql.push(" AND o.department_id = ").bind_i(d);
    }
    let rows = sql
        .with_text(format!(
            "{} ORDER BY o.created_at DESC, o.id DESC",
            sql.text
        ))
        .query()
        .fetch_all(&mut *c)
        .await?;
    let window_start = start_of(from);
    let mut groups: HashMap<(String, String), Topic> = HashMap::new();
    let mut orders = 0;
    for r in &rows {
        let at: String = r.try_get("created_at")?;
        let current = at >= window_start;
        if current {
            orders += 1;
        }
        let Some(place) = r
            .try_get::<Option<String>, _>("address")?
            .as_deref()
            .and_then(place_of)
        else {
            continue;
        };
        let content: String = r.try_get("content")?;
        let subject = match r.try_get::<Option<String>, _>("sname")? {
            Some(s) => s,
            None => match subject_of(&content, &subjects) {
                Some(s) => s.to_string(),
                None => continue,
            },
        };
        let t = groups
            .entry((subject.clone(), place.clone()))
            .or_insert_with(|| Topic {
                subject,
                place,
                count: 0,
                before: 0,
                trend: Trend::New,
                trend_label: "",
                first_at: at.clone(),
                last_at: at.clone(),
                orders: vec![],
            });
        if current {
            t.count += 1;
            if t.orders.len() < ORDERS_PER_TOPIC {
                t.orders.push(r.try_get("order_no")?);
            }
            if t.last_at < at || t.count == 1 {
                t.last_at = at.clone();
            }
            t.first_at = at;
        } else {
            t.before += 1;
        }
    }
    let mut topics: Vec<Topic> = groups
        .into_values()
        .filter(|t| t.count >= min)
        .map(|mut t| {
            t.trend = Trend::of(t.count, t.before);
            t.trend_label = t.trend.label();
            t
        })
        .collect();
    topics.sort_by(|a, b| {
        b.count
            .cmp(&a.count)
            .then((b.count - b.before).cmp(&(a.count - a.before)))
            .then(a.subject.cmp(&b.subject))
            .then(a.place.cmp(&b.place))
    });
    topics.truncate(100);
    Ok(TopicReport {
        from: time::day(from),
        to: time::day(to),
        previous_from: time::day(previous_from),
        previous_to: time::day(previous_to),
        orders,
        topics,
    })
}
