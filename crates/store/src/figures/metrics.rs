//! The figures of `tongban_domain::metrics`, computed for a period and the same
//! period a year earlier.
//!
//! Cases are counted from the per-day counters kept in the writing transaction
//! (`stats`: accepted and closed per day, department, point, channel, instant), so a
//! year's report sums counters instead of scanning the cases; the catalog in force
//! at the period's end, work orders (by `created_at`) and calls are aggregated from
//! their records.

use crate::stats::{self, K};
use crate::{Result, Store, StoreError, calendar, time};
use serde::Serialize;
use sqlx::{AnyConnection, Row};
use std::collections::BTreeMap;
use std::collections::{HashMap, HashSet};
use tongban_domain::metrics::{FIGURES, Key, Period, growth};
use tongban_domain::rating::RatingLevel;

/// One figure's value for the period, with the year-earlier value and the growth.
#[derive(Debug, Clone, Serialize)]
pub struct FigureValue {
    pub key: &'static str,
    pub label: &'static str,
    pub unit: &'static str,
    pub area: &'static str,
    pub definition: &'static str,
    /// `null` when undefined (a rate over nothing) or when the figure is a table.
    #[serde(serialize_with = "number")]
    pub value: Option<f64>,
    #[serde(serialize_with = "number")]
    pub year_earlier: Option<f64>,
    pub growth: Option<f64>,
    /// Rows of a table figure (by point, by channel).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rows: Option<Vec<TableRow>>,
}

/// A row of a table: a point, a department, a channel or an item.
#[derive(Debug, Clone, Default, Serialize)]
pub struct TableRow {
    pub code: String,
    pub name: String,
    pub value: i64,
    pub year_earlier: i64,
    /// A rate of the row where the figure is a rate (a department's pass rate:
    /// `value` is then what it was taken over).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rate: Option<f64>,
    /// An item's promised limit and average actual handling time, in working days.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub limit_days: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub average_days: Option<f64>,
}

/// A department's row of the report's table.
#[derive(Debug, Clone, Serialize, Default)]
pub struct DepartmentRow {
    pub code: String,
    pub name: String,
    pub cases_accepted: i64,
    pub cases_instant: i64,
    pub cases_online: i64,
    pub cases_closed: i64,
    pub cases_accepted_year_earlier: i64,
    /// Accepted at the towns' centers and the police sub-stations (分流).
    pub cases_away: i64,
}

#[derive(Debug, Clone, Serialize)]
pub struct PeriodOut {
    pub from: String,
    pub to: String,
    pub label: String,
    pub working_days: u32,
}

/// Every figure for a period.
#[derive(Debug, Clone, Serialize)]
pub struct Figures {
    pub period: PeriodOut,
    pub year_earlier_period: PeriodOut,
    pub figures: Vec<FigureValue>,
    pub by_department: Vec<DepartmentRow>,
}

impl Figures {
    pub fn get(&self, key: Key) -> Option<&FigureValue> {
        self.figures.iter().find(|f| f.key == key.as_str())
    }
}

/// The raw aggregates of one period.
#[derive(Debug, Default)]
struct Raw {
    working_days: u32,
    accepted: i64,
    instant: i64,
    online: i64,
    closed: i64,
    away: i64,
    /// point code → (name, accepted)
    by_point: BTreeMap<String, (i64, String, i64)>,
    by_department: BTreeMap<String, (i64, DepartmentRow)>,
    stationed: i64,
    with_section: i64,
    items_in_use: i64,
    sub_items_in_use: i64,
    items_instant: i64,
    items_cancelled: i64,
    items_transferred: i64,
    items_suspended: i64,
    statutory_sum: i64,
    promised_sum: i64,
    /// Accepted on a commitment (告知承诺制), with missing materials to follow
    /// (容缺受理), and licenses revoked when a commitment proved untrue.
    commitment: i64,
    tolerance: i64,
    revoked: i64,
    /// 秒批: approved by the rules; revoked after a disputed check; after-checks done
    /// and those that disagreed.
    auto: i64,
    auto_revoked: i64,
    after_checks: i64,
    after_check_disputes: i64,
    hotline_received: i64,
    hotline_direct: i64,
    hotline_dispatched: i64,
    hotline_closed_dispatched: i64,
    hotline_on_time: i64,
    hotline_level_sum: i64,
    hotline_level_count: i64,
    /// channel code → received
    hotline_by_channel: BTreeMap<String, i64>,
    hotline_valid: i64,
    hotline_faulty: i64,
    hotline_closed: i64,
    hotline_satisfied: i64,
    /// Valid dispatched orders, and those signed by the next working day.
    hotline_dispatched_valid: i64,
    hotline_responded: i64,
    /// Callbacks where the caller said whether it was resolved, and said yes.
    hotline_resolved: i64,
    hotline_resolved_asked: i64,
    /// 基本满意 at the callback, counted satisfied where the local rule says so.
    hotline_basic: i64,
    hotline_basic_counts: bool,
    /// Dispatched orders due in the period (to yesterday), and replied to in time.
    hotline_due: i64,
    hotline_due_on_time: i64,
    calls: i64,
    calls_answered: i64,
    calls_answered_15s: i64,
    calls_wait_sum: i64,
    calls_called_back: i64,
    ratings: i64,
    ratings_bad: i64,
    ratings_bad_answered: i64,
    /// Bad ratings answered by their due day.
    ratings_bad_on_time: i64,
    ratings_score_sum: i64,
    /// Months in the period (a partial month by its days).
    months: f64,
    /// Joint acceptances certified: count, area, working days, all passed first time.
    acceptances: i64,
    acceptance_area_cm2: i64,
    acceptance_working_days: i64,
    acceptance_first_pass: i64,
    /// department code → (sort, name, first visits, passed first time)
    acceptance_departments: BTreeMap<String, (i64, String, i64, i64)>,
    /// Business registrations settled, and the business licenses they issued.
    registrations: i64,
    business_licenses: i64,
    /// Items cut since the baseline, and the items in use on the baseline day.
    items_cut: i64,
    items_at_baseline: i64,
    new_instant: i64,
    items_delegated: i64,
    /// item code → (name, cases, Σ promised working days, Σ actual working days)
    speed: BTreeMap<String, (String, i64, i64, i64)>,
    /// The 12345's praise calls; the supervision registers' banners and innovation
    /// measures.
    praise_calls: i64,
    banners: i64,
    innovations: i64,
    /// Window patrols, and the checklist items they found wanting.
    patrols: i64,
    patrol_problems: i64,
    /// Key projects with a week's progress in the period.
    projects_tracked: i64,
    /// Enterprise complaints received; answered, and by their day; rated, and
    /// satisfied.
    complaints: i64,
    complaints_answered: i64,
    complaints_on_time: i64,
    complaints_rated: i64,
    complaints_satisfied: i64,
    /// Public resource transactions and their amounts in fen.
    trading: i64,
    trading_fen: i64,
    /// Agencies selected in the 中介超市, the amounts agreed, ratings and their marks.
    intermediary: i64,
    intermediary_fen: i64,
    intermediary_rated: i64,
    intermediary_points: i64,
    /// Coordination problems on projects resolved.
    problems_resolved: i64,
    /// Survey scores (count, sum), links issued and answered.
    survey_scores: i64,
    survey_score_sum: i64,
    survey_issued: i64,
    survey_answered: i64,
    /// Mystery visits, and their scores in tenths summed.
    visits: i64,
    visit_score_tenths: i64,
}

/// Whole numbers (counts) as JSON integers, others as decimals.
fn number<S: serde::Serializer>(v: &Option<f64>, s: S) -> std::result::Result<S::Ok, S::Error> {
    match v {
        Some(x) if x.fract() == 0.0 && x.abs() < 1e15 => s.serialize_i64(*x as i64),
        Some(x) => s.serialize_f64(*x),
        None => s.serialize_none(),
    }
}

fn ratio(n: i64, d: i64) -> Option<f64> {
    (d != 0).then(|| n as f64 / d as f64)
}

impl Raw {
    /// The scalar value of `key`; `None` for a table or an undefined rate.
    fn value(&self, key: Key) -> Option<f64> {
        let n = |v: i64| Some(v as f64);
        match key {
            Key::CasesAccepted => n(self.accepted),
            Key::CasesPerWorkingDay => ratio(self.accepted, self.working_days.into()),
            Key::CasesInstant => n(self.instant),
            Key::CasesOnline => n(self.online),
            Key::OnlineRate => ratio(self.online, self.accepted),
            Key::CasesClosed => n(self.closed),
            Key::CasesCommitment => n(self.commitment),
            Key::CasesTolerance => n(self.tolerance),
            Key::CommitmentsRevoked => n(self.revoked),
            Key::CasesAuto => n(self.auto),
            Key::AutoShare => ratio(self.auto, self.accepted),
            Key::AfterChecks => n(self.after_checks),
            Key::AfterCheckDisputes => n(self.after_check_disputes),
            Key::AutoRevoked => n(self.auto_revoked),
            Key::CasesAwayFromCenter => n(self.away),
            Key::StationedDepartments => n(self.stationed),
            Key::DepartmentsWithServiceSection => n(self.with_section),
            Key::ItemsInUse => n(self.items_in_use),
            Key::SubItemsInUse => n(self.sub_items_in_use),
            Key::ItemsInstant => n(self.items_instant),
            Key::InstantShare => ratio(
                self.items_instant,
                self.items_in_use + self.sub_items_in_use,
            ),
            Key::ItemsCancelled => n(self.items_cancelled),
            Key::ItemsTransferred => n(self.items_transferred),
            Key::ItemsSuspended => n(self.items_suspended),
            Key::SpeedupRate => ratio(self.promised_sum, self.statutory_sum).map(|r| 1.0 - r),
            Key::ItemsCut => n(self.items_cut),
            Key::CutRatio => ratio(self.items_cut, self.items_at_baseline),
            Key::NewInstantItems => n(self.new_instant),
            Key::ItemsDelegated => n(self.items_delegated),
            Key::ItemSpeedups => {
                let (promised, actual) = self
                    .speed
                    .values()
                    .fold((0, 0), |(p, a), v| (p + v.2, a + v.3));
                ratio(actual, promised).map(|r| 1.0 - r)
            }
            Key::HotlineReceived => n(self.hotline_received),
            Key::HotlineDirectAnswers => n(self.hotline_direct),
            Key::HotlineDirectAnswerRate => ratio(self.hotline_direct, self.hotline_received),
            Key::HotlineDispatched => n(self.hotline_dispatched),
            Key::HotlineOnTimeRate => ratio(self.hotline_due_on_time, self.hotline_due),
            // Level 5 is 100 points, each level below 20 fewer: the mean level over 5.
            Key::HotlineAvgSatisfaction => {
                ratio(self.hotline_level_sum, self.hotline_level_count * 5)
            }
            Key::HotlineValidOrders => n(self.hotline_valid),
            Key::HotlineErrorRate => ratio(self.hotline_faulty, self.hotline_valid),
            Key::HotlineResponseRate => {
                ratio(self.hotline_responded, self.hotline_dispatched_valid)
            }
            Key::HotlineResolutionRate => ratio(self.hotline_resolved, self.hotline_resolved_asked),
            Key::PraiseCalls => n(self.praise_calls),
            Key::Banners => n(self.banners),
            Key::InnovationMeasures => n(self.innovations),
            Key::Patrols => n(self.patrols),
            Key::PatrolProblems => n(self.patrol_problems),
            Key::MysteryVisits => n(self.visits),
            Key::ProjectsTracked => n(self.projects_tracked),
            Key::ComplaintsReceived => n(self.complaints),
            Key::ProblemsCoordinated => n(self.problems_resolved),
            Key::TradingTransactions => n(self.trading),
            Key::TradingAmountYi => Some(self.trading_fen as f64 / 1e10),
            Key::IntermediaryOrders => n(self.intermediary),
            Key::IntermediaryAmountWan => Some(self.intermediary_fen as f64 / 1e6),
            // Four marks of 1..5 per rating: 20 points is 100.
            Key::IntermediarySatisfaction => (self.intermediary_rated > 0)
                .then(|| 5.0 * self.intermediary_points as f64 / self.intermediary_rated as f64),
            Key::ComplaintsOnTimeRate => ratio(self.complaints_on_time, self.complaints_answered),
            Key::ComplaintsSatisfaction => ratio(self.complaints_satisfied, self.complaints_rated),
            Key::SurveySatisfaction => {
                tongban_domain::survey::points(self.survey_score_sum, self.survey_scores)
            }
            Key::SurveyResponseRate => ratio(self.survey_answered, self.survey_issued),
            Key::MysteryVisitScore => ratio(self.visit_score_tenths, self.visits * 10),
            // Strictly satisfied (基本满意 not counted, whatever the local rule).
            Key::HotlinePlatformSatisfaction => {
                ratio(self.hotline_satisfied, self.hotline_level_count)
            }
            Key::HotlineSatisfactionRate => ratio(
                self.hotline_satisfied
                    + if self.hotline_basic_counts {
                        self.hotline_basic
                    } else {
                        0
                    },
                self.hotline_level_count,
            ),
            Key::HotlineCalls => n(self.calls),
            Key::HotlineConnectionRate => ratio(self.calls_answered, self.calls),
            Key::HotlineAnswered15sRate => ratio(self.calls_answered_15s, self.calls),
            Key::HotlineAvgWaitSeconds => ratio(self.calls_wait_sum, self.calls_answered),
            Key::HotlineMissedCallbacks => n(self.calls_called_back),
            Key::RatingsReceived => n(self.ratings),
            Key::RatingsGoodRate => ratio(self.ratings - self.ratings_bad, self.ratings),
            Key::RatingsBad => n(self.ratings_bad),
            Key::RatingsBadAnsweredRate => ratio(self.ratings_bad_on_time, self.ratings_bad),
            Key::RatingsAvgScore => ratio(self.ratings_score_sum, self.ratings),
            Key::Acceptances => n(self.acceptances),
            Key::AcceptanceAreaM2 => Some(self.acceptance_area_cm2 as f64 / 100.0),
            Key::AcceptancesPerMonth => {
                (self.months > 0.0).then(|| self.acceptances as f64 / self.months)
            }
            Key::AcceptanceAvgWorkingDays => ratio(self.acceptance_working_days, self.acceptances),
            Key::AcceptanceDeptPassRate => {
                let rates: Vec<f64> = self
                    .acceptance_departments
                    .values()
                    .filter_map(|d| ratio(d.3, d.2))
                    .collect();
                (!rates.is_empty()).then(|| rates.iter().sum::<f64>() / rates.len() as f64)
            }
            Key::AcceptanceFirstPassRate => ratio(self.acceptance_first_pass, self.acceptances),
            Key::Registrations => n(self.registrations),
            Key::BusinessLicensesIssued => n(self.business_licenses),
            Key::CasesByPoint | Key::HotlineByChannel => None,
        }
    }
}

fn period_out(p: &Period, working_days: u32) -> PeriodOut {
    PeriodOut {
        from: time::day(p.from),
        to: time::day(p.to),
        label: p.label(),
        working_days,
    }
}

/// Which areas of figures to compute (a dashboard of one area needs only its own).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Parts {
    /// 中心: cases, by department and point.
    pub cases: bool,
    /// 事项: the catalog and the departments.
    pub catalog: bool,
    /// 12345: work orders and calls.
    pub hotline: bool,
    /// 评价: 好差评.
    pub ratings: bool,
    /// 工程建设: joint acceptances.
    pub projects: bool,
    /// 登记: business registration.
    pub registration: bool,
    /// 监督: the supervision registers (banners, innovation measures).
    pub supervision: bool,
    /// 交易: public resource trading.
    pub trading: bool,
}

impl Parts {
    pub const ALL: Parts = Parts {
        cases: true,
        catalog: true,
        hotline: true,
        ratings: true,
        projects: true,
        registration: true,
        supervision: true,
        trading: true,
    };
    const NONE: Parts = Parts {
        cases: false,
        catalog: false,
        hotline: false,
        ratings: false,
        projects: false,
        registration: false,
        supervision: false,
        trading: false,
    };
    pub const CASES: Parts = Parts {
        cases: true,
        ..Parts::NONE
    };
    pub const CATALOG: Parts = Parts {
        catalog: true,
        ..Parts::NONE
    };
    pub const HOTLINE: Parts = Parts {
        hotline: true,
        ..Parts::NONE
    };
    pub const RATINGS: Parts = Parts {
        ratings: true,
        ..Parts::NONE
    };
    pub const PROJECTS: Parts = Parts {
        projects: true,
        ..Parts::NONE
    };
    pub const REGISTRATION: Parts = Parts {
        registration: true,
        ..Parts::NONE
    };
    pub const SUPERVISION: Parts = Parts {
        supervision: true,
        ..Parts::NONE
    };
    pub const TRADING: Parts = Parts {
        trading: true,
        ..Parts::NONE
    };
    pub const SUPERVISION_AND_HOTLINE: Parts = Parts {
        supervision: true,
        hotline: true,
        ..Parts::NONE
    };

    /// Whether the figures of `area` (a figure's `area`) are computed.
    fn has(self, area: &str) -> bool {
        match area {
            "中心" => self.cases,
            "事项" => self.catalog,
            "12345" => self.hotline,
            "评价" => self.ratings,
            "工程建设" => self.projects,
            "登记" => self.registration,
            "监督" => self.supervision,
            "交易" => self.trading,
            _ => true,
        }
    }
}

/// Computes every figure for `period` and the same period a year earlier.
pub async fn compute(store: &Store, period: &Period) -> Result<Figures> {
    compute_parts(store, period, Parts::ALL).await
}

/// Computes the figures of some areas (the others are left out of the list).
pub async fn compute_parts(store: &Store, period: &Period, parts: Parts) -> Result<Figures> {
    // A period still in progress is counted to today, against the same dates a year
    // earlier: its working days so far, the catalog as it stands today.
    let period = &period.so_far(time::local_day(time::now()));
    let earlier = period
        .year_earlier()
        .map_err(|e| StoreError::invalid("period", e.0))?;
    // The two periods on two connections at once.
    let (now, before) = tokio::try_join!(raw(store, period, parts), raw(store, &earlier, parts))?;
    let mut figures = Vec::with_capacity(FIGURES.len());
    for &key in Key::ALL.iter().filter(|k| parts.has(k.figure().area)) {
        let f = key.figure();
        let rows = match key {
            Key::CasesByPoint => Some(
                now.by_point
                    .iter()
                    .map(|(code, (_, name, v))| TableRow {
                        code: code.clone(),
                        name: name.clone(),
                        value: *v,
                        year_earlier: before.by_point.get(code).map(|p| p.2).unwrap_or(0),
                        rate: None,
                        ..TableRow::default()
                    })
                    .collect::<Vec<_>>(),
            ),
            Key::HotlineByChannel => {
                let mut codes: Vec<&String> = now.hotline_by_channel.keys().collect();
                codes.extend(before.hotline_by_channel.keys());
                // The channels in the hotline's own order, unknown ones last.
                const ORDER: [&str; 6] = ["phone", "web", "wechat", "email", "open311", "other"];
                codes.sort_by_key(|c| {
                    (ORDER.iter().position(|o| o == c).unwrap_or(ORDER.len()), *c)
                });
                codes.dedup();
                Some(
                    codes
                        .into_iter()
                        .map(|c| TableRow {
                            code: c.clone(),
                            name: tongban_domain::hotline::Channel::parse(c)
                                .map(|ch| ch.label().to_string())
                                .unwrap_or_else(|| c.clone()),
                            value: now.hotline_by_channel.get(c).copied().unwrap_or(0),
                            year_earlier: before.hotline_by_channel.get(c).copied().unwrap_or(0),
                            rate: None,
                            ..TableRow::default()
                        })
                        .collect(),
                )
            }
            Key::ItemSpeedups => {
                let mut rows: Vec<TableRow> = now
                    .speed
                    .iter()
                    .map(|(code, (name, cases, promised, actual))| TableRow {
                        code: code.clone(),
                        name: name.clone(),
                        value: *cases,
                        year_earlier: before.speed.get(code).map(|v| v.1).unwrap_or(0),
                        rate: ratio(*actual, *promised).map(|r| 1.0 - r),
                        limit_days: ratio(*promised, *cases),
                        average_days: ratio(*actual, *cases),
                    })
                    .collect();
                rows.sort_by(|a, b| b.value.cmp(&a.value).then(a.code.cmp(&b.code)));
                rows.truncate(20);
                Some(rows)
            }
            Key::AcceptanceDeptPassRate => {
                let mut rows: Vec<(i64, TableRow)> = now
                    .acceptance_departments
                    .iter()
                    .map(|(code, (sort, name, n, passed))| {
                        (
                            *sort,
                            TableRow {
                                code: code.clone(),
                                name: name.clone(),
                                value: *n,
                                year_earlier: before
                                    .acceptance_departments
                                    .get(code)
                                    .map(|d| d.2)
                                    .unwrap_or(0),
                                rate: ratio(*passed, *n),
                                ..TableRow::default()
                            },
                        )
                    })
                    .collect();
                rows.sort_by(|a, b| (a.0, &a.1.code).cmp(&(b.0, &b.1.code)));
                Some(rows.into_iter().map(|(_, r)| r).collect())
            }
            _ => None,
        };
        let value = now.value(key);
        let year_earlier = before.value(key);
        figures.push(FigureValue {
            key: f.key,
            label: f.label,
            unit: f.unit,
            area: f.area,
            definition: f.definition,
            value,
            year_earlier,
            growth: value.and_then(|v| growth(v, year_earlier)),
            rows,
        });
    }
    let mut by_point: Vec<(i64, String)> = now
        .by_point
        .iter()
        .map(|(c, (sort, _, _))| (*sort, c.clone()))
        .collect();
    by_point.sort();
    // Keep the point table in the office's order (sort, then code).
    if let Some(f) = figures
        .iter_mut()
        .find(|f| f.key == Key::CasesByPoint.as_str())
        && let Some(rows) = f.rows.as_mut()
    {
        rows.sort_by_key(|r| {
            by_point
                .iter()
                .position(|(_, c)| c == &r.code)
                .unwrap_or(usize::MAX)
        });
    }
    let mut by_department: Vec<(i64, DepartmentRow)> = now.by_department.into_values().collect();
    for (_, row) in by_department.iter_mut() {
        row.cases_accepted_year_earlier = before
            .by_department
            .get(&row.code)
            .map(|d| d.1.cases_accepted)
            .unwrap_or(0);
    }
    by_department.sort_by(|a, b| (a.0, &a.1.code).cmp(&(b.0, &b.1.code)));
    Ok(Figures {
        period: period_out(period, now.working_days),
        year_earlier_period: period_out(&earlier, before.working_days),
        figures,
        by_department: by_department.into_iter().map(|(_, r)| r).collect(),
    })
}

async fn raw(store: &Store, p: &Period, parts: Parts) -> Result<Raw> {
    let mut r = Raw::default();
    let cal = calendar::current(store).await?;
    r.working_days = p.working_days(&cal).map_err(|e| {
        StoreError::invalid("period", format!("统计期间超出已载入的节假日安排：{e}"))
    })?;
    let to = time::day(p.to);
    // One snapshot for all of a period's reads (a month's counters and its days).
    let mut c = store.snapshot().await?;

    if parts.cases {
        cases_raw(&mut c, p, &mut r).await?;
    }
    if parts.catalog {
        catalog_raw(&mut c, &to, &mut r).await?;
        catalog_changes(&mut c, &time::day(p.from), &to, &mut r).await?;
        reform_raw(&mut c, p, &mut r).await?;
        speed_raw(&mut c, p, &mut r).await?;
    }
    if parts.hotline {
        hotline_raw(&mut c, p, &mut r).await?;
    }
    if parts.ratings {
        ratings_raw(&mut c, p, &mut r).await?;
    }
    if parts.projects {
        acceptances_raw(&mut c, p, &mut r).await?;
    }
    if parts.registration {
        registrations_raw(&mut c, p, &mut r).await?;
    }
    if parts.supervision {
        let sums = stats::sums(&mut c, &stats::COMMENDATIONS, p.from, p.to, &["kind"]).await?;
        for (k, v) in &sums {
            match k.first() {
                Some(K::T(kind)) if kind == "banner" => r.banners += v[0],
                Some(K::T(kind)) if kind == "innovation" => r.innovations += v[0],
                _ => {}
            }
        }
        let sums = stats::sums(&mut c, &stats::PATROLS, p.from, p.to, &[]).await?;
        for v in sums.values() {
            r.patrols += v[0];
            r.patrol_problems += v[1];
        }
        let sums = stats::sums(&mut c, &stats::TRACKING, p.from, p.to, &["project_id"]).await?;
        r.projects_tracked = sums.values().filter(|v| v[0] > 0).count() as i64;
        let sums = stats::sums(&mut c, &stats::COMPLAINTS, p.from, p.to, &["kind"]).await?;
        for (k, v) in &sums {
            match k.first() {
                Some(K::T(kind)) if kind == "received" => r.complaints += v[0],
                Some(K::T(kind)) if kind == "answered" => {
                    r.complaints_answered += v[0];
                    r.complaints_on_time += v[1];
                }
                Some(K::T(kind)) if kind == "rated" => {
                    r.complaints_rated += v[0];
                    r.complaints_satisfied += v[3];
                }
                _ => {}
            }
        }
        for v in stats::sums(&mut c, &stats::SURVEY, p.from, p.to, &[])
            .await?
            .values()
        {
            r.survey_scores += v[0];
            r.survey_score_sum += v[1];
        }
        for v in stats::sums(&mut c, &stats::SURVEY_LINKS, p.from, p.to, &[])
            .await?
            .values()
        {
            r.survey_issued += v[0];
            r.survey_answered += v[1];
        }
        let sums = stats::sums(&mut c, &stats::VISITS, p.from, p.to, &[]).await?;
        for v in sums.values() {
            r.visits += v[0];
            r.visit_score_tenths += v[1];
        }
    }
    if parts.trading {
        for v in stats::sums(&mut c, &stats::TRADING, p.from, p.to, &[])
            .await?
            .values()
        {
            r.trading += v[0];
            r.trading_fen += v[1];
        }
        for v in stats::sums(&mut c, &stats::INTERMEDIARY, p.from, p.to, &[])
            .await?
            .values()
        {
            r.intermediary += v[0];
            r.intermediary_fen += v[1];
            r.intermediary_rated += v[2];
            r.intermediary_points += v[3];
        }
    }
    r.months = months_in(p);
    Ok(r)
}

/// Months in a period: whole months count one, a partial month its share of days.
fn months_in(p: &Period) -> f64 {
    use chrono::Datelike;
    let mut months = 0.0;
    let mut d = p.from;
    while d <= p.to {
        let first = d.with_day(1).unwrap_or(d);
        let next = first
            .checked_add_months(chrono::Months::new(1))
            .unwrap_or(chrono::NaiveDate::MAX);
        let len = (next - first).num_days() as f64;
        let end = p.to.min(next.pred_opt().unwrap_or(p.to));
        months += ((end - d).num_days() + 1) as f64 / len;
        d = next;
    }
    months
}

/// Business registrations settled in the period and the licenses they issued, from
/// their counters.
async fn registrations_raw(c: &mut AnyConnection, p: &Period, r: &mut Raw) -> Result<()> {
    let sums = stats::sums(c, &stats::REGISTRATIONS, p.from, p.to, &["kind"]).await?;
    for v in sums.values() {
        r.registrations += v[0];
        r.business_licenses += v[1];
    }
    Ok(())
}

/// Joint acceptances certified in the period, from their counters.
async fn acceptances_raw(c: &mut AnyConnection, p: &Period, r: &mut Raw) -> Result<()> {
    let sums = stats::sums(
        c,
        &stats::ACCEPTANCES,
        p.from,
        p.to,
        &["kind", "department_id"],
    )
    .await?;
    let rows = sqlx::query("SELECT id, code, name, sort FROM departments")
        .fetch_all(&mut *c)
        .await?;
    let mut departments: HashMap<i64, (String, String, i64)> = HashMap::new();
    for row in rows {
        departments.insert(
            row.try_get(0)?,
            (row.try_get(1)?, row.try_get(2)?, row.try_get(3)?),
        );
    }
    for (k, v) in &sums {
        let [K::T(kind), K::I(dept)] = k.as_slice() else {
            continue;
        };
        match kind.as_str() {
            "closed" => {
                r.acceptances += v[0];
                r.acceptance_area_cm2 += v[1];
                r.acceptance_working_days += v[2];
                r.acceptance_first_pass += v[3];
            }
            "department" => {
                if let Some((code, name, sort)) = departments.get(dept) {
                    let e = r
                        .acceptance_departments
                        .entry(code.clone())
                        .or_insert_with(|| (*sort, name.clone(), 0, 0));
                    e.2 += v[0];
                    e.3 += v[3];
                }
            }
            _ => {}
        }
    }
    Ok(())
}

/// Cases accepted and closed, per department, point, channel and instant flag.
async fn cases_raw(c: &mut AnyConnection, p: &Period, r: &mut Raw) -> Result<()> {
    for v in stats::sums(c, &stats::AFTER_CHECKS, p.from, p.to, &["day"])
        .await?
        .values()
    {
        r.after_checks += v[0];
        r.after_check_disputes += v[1];
    }
    let mut away_points: HashSet<i64> = HashSet::new();
    // Cases accepted and closed, per department, point, channel and instant flag.
    let cases = stats::sums(
        c,
        &stats::CASES,
        p.from,
        p.to,
        &["kind", "department_id", "point_id", "channel", "instant"],
    )
    .await?;
    let rows = sqlx::query("SELECT id, code, name, kind, sort FROM points")
        .fetch_all(&mut *c)
        .await?;
    let mut points: HashMap<i64, String> = HashMap::new();
    for row in rows {
        let code: String = row.try_get(1)?;
        let kind: String = row.try_get(3)?;
        if kind != "center" && kind != "comprehensive_window" {
            away_points.insert(row.try_get::<i64, _>(0)?);
        }
        points.insert(row.try_get(0)?, code.clone());
        r.by_point
            .insert(code, (row.try_get(4)?, row.try_get(2)?, 0));
    }
    let rows = sqlx::query("SELECT id, code, name, sort FROM departments")
        .fetch_all(&mut *c)
        .await?;
    let mut departments: HashMap<i64, String> = HashMap::new();
    for row in rows {
        let code: String = row.try_get(1)?;
        departments.insert(row.try_get(0)?, code.clone());
        let d = DepartmentRow {
            code: code.clone(),
            name: row.try_get(2)?,
            ..Default::default()
        };
        r.by_department.insert(code, (row.try_get(3)?, d));
    }
    for (k, v) in &cases {
        let [
            K::T(kind),
            K::I(dept),
            K::I(point),
            K::T(channel),
            K::I(instant),
        ] = k.as_slice()
        else {
            continue;
        };
        let n = v[0];
        let d = departments
            .get(dept)
            .and_then(|code| r.by_department.get_mut(code));
        match kind.as_str() {
            "closed" => {
                r.closed += n;
                if let Some(d) = d {
                    d.1.cases_closed += n;
                }
                continue;
            }
            "accepted" => {}
            "commitment" => {
                r.commitment += n;
                continue;
            }
            "tolerance" => {
                r.tolerance += n;
                continue;
            }
            "revoked" => {
                r.revoked += n;
                continue;
            }
            "auto" => {
                r.auto += n;
                continue;
            }
            "auto_revoked" => {
                r.auto_revoked += n;
                continue;
            }
            _ => continue,
        }
        r.accepted += n;
        if *instant == 1 {
            r.instant += n;
        }
        if channel == "online" {
            r.online += n;
        }
        if away_points.contains(point) {
            r.away += n;
        }
        if let Some(d) = d {
            d.1.cases_accepted += n;
            if away_points.contains(point) {
                d.1.cases_away += n;
            }
            if *instant == 1 {
                d.1.cases_instant += n;
            }
            if channel == "online" {
                d.1.cases_online += n;
            }
        }
        if let Some(pt) = points.get(point).and_then(|code| r.by_point.get_mut(code)) {
            pt.2 += n;
        }
    }

    Ok(())
}

/// Items cancelled or transferred within the period: a published version with that
/// status taking effect between `from` and `to`, after a version that had another.
async fn catalog_changes(c: &mut AnyConnection, from: &str, to: &str, r: &mut Raw) -> Result<()> {
    let rows = sqlx::query(
        "SELECT v.status, CAST(COUNT(DISTINCT v.item_id) AS BIGINT) FROM item_versions v \
         WHERE v.published_at IS NOT NULL AND v.status IN ('cancelled', 'transferred') \
           AND v.effective_from >= $1 AND v.effective_from <= $2 \
           AND COALESCE((SELECT p.status FROM item_versions p WHERE p.item_id = v.item_id \
             AND p.published_at IS NOT NULL AND p.effective_from < v.effective_from \
             ORDER BY p.effective_from DESC, p.version DESC LIMIT 1), '') <> v.status \
         GROUP BY v.status",
    )
    .bind(from)
    .bind(to)
    .fetch_all(&mut *c)
    .await?;
    for row in rows {
        let status: String = row.try_get(0)?;
        let n: i64 = row.try_get(1)?;
        match status.as_str() {
            "cancelled" => r.items_cancelled = n,
            _ => r.items_transferred = n,
        }
    }
    Ok(())
}

/// Items (and sub-items) in force and in use on `day`.
async fn in_use_on(c: &mut AnyConnection, day: &str) -> Result<i64> {
    Ok(sqlx::query_scalar(
        "SELECT CAST(COUNT(*) AS BIGINT) FROM items i JOIN item_versions v ON v.item_id = i.id \
         WHERE v.status = 'in_use' AND v.version = (SELECT v2.version FROM item_versions v2 WHERE v2.item_id = i.id \
           AND v2.published_at IS NOT NULL AND v2.effective_from <= $1 \
           ORDER BY v2.effective_from DESC, v2.version DESC LIMIT 1)",
    )
    .bind(day)
    .fetch_one(&mut *c)
    .await?)
}

/// The reform figures: items cut since the baseline (the period's start when none
/// is set) and the catalog then; instant items new in the period; items accepted
/// at the towns at its end.
async fn reform_raw(c: &mut AnyConnection, p: &Period, r: &mut Raw) -> Result<()> {
    let to = time::day(p.to);
    let baseline = crate::reforms::baseline(&mut *c)
        .await?
        .filter(|b| *b <= p.to)
        .unwrap_or(p.from);
    let base = time::day(baseline);
    r.items_cut = sqlx::query_scalar(
        "SELECT CAST(COUNT(DISTINCT ri.item_id) AS BIGINT) FROM catalog_reform_items ri \
         JOIN catalog_reforms f ON f.id = ri.reform_id \
         WHERE f.kind IN ('cancel', 'transfer', 'merge') AND f.effective_from >= $1 AND f.effective_from <= $2",
    )
    .bind(&base)
    .bind(&to)
    .fetch_one(&mut *c)
    .await?;
    // In use the day before the baseline's first day counted: the catalog it cut from.
    let before_base = time::day(baseline.pred_opt().unwrap_or(baseline));
    r.items_at_baseline = in_use_on(&mut *c, &before_base).await?;
    let before = time::day(p.from.pred_opt().unwrap_or(p.from));
    const IN_FORCE_AT: &str = "(SELECT v2.version FROM item_versions v2 WHERE v2.item_id = i.id \
           AND v2.published_at IS NOT NULL AND v2.effective_from <= {day} \
           ORDER BY v2.effective_from DESC, v2.version DESC LIMIT 1)";
    let sql = format!(
        "SELECT CAST(COUNT(*) AS BIGINT) FROM items i JOIN item_versions v ON v.item_id = i.id \
         WHERE v.version = {} AND v.status = 'in_use' AND v.instant = 1 \
         AND NOT EXISTS (SELECT 1 FROM item_versions p WHERE p.item_id = i.id AND p.version = {} \
           AND p.status = 'in_use' AND p.instant = 1)",
        IN_FORCE_AT.replace("{day}", "$1"),
        IN_FORCE_AT.replace("{day}", "$2"),
    );
    r.new_instant = sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
        .bind(&to)
        .bind(&before)
        .fetch_one(&mut *c)
        .await?;
    // The content's JSON names the points; an empty list is written `[]`.
    let sql = format!(
        "SELECT CAST(COUNT(*) AS BIGINT) FROM items i JOIN item_versions v ON v.item_id = i.id \
         WHERE v.version = {} AND v.status = 'in_use' AND v.content NOT LIKE '%\"accept_points\":[]%'",
        IN_FORCE_AT.replace("{day}", "$1"),
    );
    r.items_delegated = sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
        .bind(&to)
        .fetch_one(&mut *c)
        .await?;
    Ok(())
}

/// Each item's cases closed with approval in the period (not instant, a limit in
/// working days), from their counters: how many, their promised limits and the
/// working days they took from the day after acceptance to the close.
async fn speed_raw(c: &mut AnyConnection, p: &Period, r: &mut Raw) -> Result<()> {
    let sums = stats::sums(c, &stats::ITEM_SPEED, p.from, p.to, &["item_id"]).await?;
    if sums.is_empty() {
        return Ok(());
    }
    let mut by_item: HashMap<i64, (i64, i64, i64)> = HashMap::new();
    for (k, v) in &sums {
        if let [K::I(item)] = k.as_slice() {
            let e = by_item.entry(*item).or_default();
            e.0 += v[0];
            e.1 += v[1];
            e.2 += v[2];
        }
    }
    let names = sqlx::query(
        "SELECT i.id, i.code, v.name FROM items i JOIN item_versions v ON v.item_id = i.id \
         WHERE v.version = (SELECT MAX(v2.version) FROM item_versions v2 WHERE v2.item_id = i.id)",
    )
    .fetch_all(&mut *c)
    .await?;
    for row in names {
        let id: i64 = row.try_get(0)?;
        if let Some((n, promised, actual)) = by_item.get(&id) {
            r.speed
                .insert(row.try_get(1)?, (row.try_get(2)?, *n, *promised, *actual));
        }
    }
    Ok(())
}

/// The departments, and the catalog in force at the period's end (`to`).
async fn catalog_raw(c: &mut AnyConnection, to: &str, r: &mut Raw) -> Result<()> {
    // Departments (as they are now: departments are not versioned).
    let row = sqlx::query(
        "SELECT CAST(COUNT(*) AS BIGINT), CAST(COALESCE(SUM(has_service_section), 0) AS BIGINT) \
         FROM departments WHERE stationed = 1",
    )
    .fetch_one(&mut *c)
    .await?;
    r.stationed = row.try_get(0)?;
    r.with_section = row.try_get(1)?;

    // The catalog in force at the period's end. The limits are summed in one unit
    // (a working day is 7, a calendar day 5: seven calendar days hold five working
    // days), so items with calendar-day limits weigh what they take in working time.
    let rows = sqlx::query(
        "SELECT CAST(CASE WHEN i.parent_id IS NULL THEN 0 ELSE 1 END AS BIGINT) AS sub, v.status, v.instant, \
           CAST(COUNT(*) AS BIGINT), \
           CAST(COALESCE(SUM(CASE WHEN v.statutory_days > 0 THEN v.statutory_days \
             * (CASE WHEN v.statutory_unit = 'natural' THEN 5 ELSE 7 END) ELSE 0 END), 0) AS BIGINT), \
           CAST(COALESCE(SUM(CASE WHEN v.statutory_days > 0 THEN v.promised_days \
             * (CASE WHEN v.promised_unit = 'natural' THEN 5 ELSE 7 END) ELSE 0 END), 0) AS BIGINT) \
         FROM items i JOIN item_versions v ON v.item_id = i.id \
         WHERE v.version = (SELECT v2.version FROM item_versions v2 WHERE v2.item_id = i.id \
           AND v2.published_at IS NOT NULL AND v2.effective_from <= $1 \
           ORDER BY v2.effective_from DESC, v2.version DESC LIMIT 1) \
         GROUP BY CASE WHEN i.parent_id IS NULL THEN 0 ELSE 1 END, v.status, v.instant",
    )
    .bind(to)
    .fetch_all(&mut *c)
    .await?;
    for row in rows {
        let sub = crate::flag(&row, 0)?;
        let status: String = row.try_get(1)?;
        let instant = crate::flag(&row, 2)?;
        let n: i64 = row.try_get(3)?;
        match status.as_str() {
            "in_use" => {
                if sub {
                    r.sub_items_in_use += n;
                } else {
                    r.items_in_use += n;
                }
                if instant {
                    r.items_instant += n;
                }
                r.statutory_sum += row.try_get::<i64, _>(4)?;
                r.promised_sum += row.try_get::<i64, _>(5)?;
            }
            // Cancellations and transfers are counted as decided (`catalog_changes`).
            "cancelled" | "transferred" => {}
            "suspended" => r.items_suspended += n,
            _ => {}
        }
    }

    Ok(())
}

/// 12345 work orders by the local day they were registered, the switch's calls by
/// the day they started.
async fn hotline_raw(c: &mut AnyConnection, p: &Period, r: &mut Raw) -> Result<()> {
    // 12345 work orders by the local day they were registered, the switch's calls
    // by the day they started, 好差评 by the day given.
    let orders = stats::sums(c, &stats::ORDERS, p.from, p.to, &["channel"]).await?;
    for (k, m) in &orders {
        let Some(K::T(channel)) = k.first() else {
            continue;
        };
        let [
            received,
            direct,
            dispatched,
            closed_dispatched,
            on_time,
            level_sum,
            level_count,
            valid,
            faulty,
            closed,
            satisfied,
            dispatched_valid,
            responded,
            resolved,
            resolved_asked,
            basic,
            praise,
            _complaint,
        ] = m[..]
        else {
            continue;
        };
        r.praise_calls += praise;
        r.hotline_resolved += resolved;
        r.hotline_resolved_asked += resolved_asked;
        r.hotline_basic += basic;
        r.hotline_received += received;
        r.hotline_direct += direct;
        r.hotline_dispatched += dispatched;
        r.hotline_closed_dispatched += closed_dispatched;
        r.hotline_on_time += on_time;
        r.hotline_level_sum += level_sum;
        r.hotline_level_count += level_count;
        r.hotline_valid += valid;
        r.hotline_faulty += faulty;
        r.hotline_closed += closed;
        r.hotline_satisfied += satisfied;
        r.hotline_dispatched_valid += dispatched_valid;
        r.hotline_responded += responded;
        if received != 0 {
            r.hotline_by_channel.insert(channel.clone(), received);
        }
    }
    let calls = stats::sums(c, &stats::CALLS, p.from, p.to, &[]).await?;
    if let Some([n, answered, answered_15s, wait_sum, called_back]) =
        calls.get(&vec![]).map(|v| &v[..])
    {
        r.calls = *n;
        r.calls_answered = *answered;
        r.calls_answered_15s = *answered_15s;
        r.calls_wait_sum = *wait_sum;
        r.calls_called_back = *called_back;
    }
    // 受理总量: the calls answered (where the switch's log is imported; the phone
    // orders otherwise) and the requests from every other channel.
    if r.calls > 0 {
        let phone_orders = r.hotline_by_channel.get("phone").copied().unwrap_or(0);
        r.hotline_received += r.calls_answered - phone_orders;
        // Answered calls that left no work order were answered by the agent.
        r.hotline_direct += (r.calls_answered - phone_orders).max(0);
        r.hotline_by_channel
            .insert("phone".to_string(), r.calls_answered);
    }
    // 按时办结率: the orders due in the period up to yesterday (today's may still be
    // answered), open ones included, against the unit's first reply.
    if let Some((from, to)) = stats::due_days(p.from, p.to) {
        let dues = stats::sums(c, &stats::ORDER_DUES, from, to, &[]).await?;
        if let Some([due, on_time]) = dues.get(&vec![]).map(|v| &v[..]) {
            r.hotline_due = *due;
            r.hotline_due_on_time = *on_time;
        }
    }
    let basic: Option<String> = sqlx::query_scalar("SELECT value FROM settings WHERE key = $1")
        .bind(BASIC_COUNTS_SATISFIED)
        .fetch_optional(&mut *c)
        .await?;
    r.hotline_basic_counts = basic.as_deref() != Some("0");
    Ok(())
}

/// The setting whether 基本满意 counts in the 12345 satisfaction rate (`1`, the
/// default, as most local rules have it; `0` counts only 满意 and 非常满意).
pub const BASIC_COUNTS_SATISFIED: &str = "hotline_basic_satisfied";

/// 好差评 by the day given.
async fn ratings_raw(c: &mut AnyConnection, p: &Period, r: &mut Raw) -> Result<()> {
    let ratings = stats::sums(c, &stats::RATINGS, p.from, p.to, &["level"]).await?;
    for (k, v) in &ratings {
        let Some(K::I(level)) = k.first() else {
            continue;
        };
        let level = RatingLevel::new(*level)
            .map_err(|e| StoreError::Other(anyhow::anyhow!("stat_ratings: {e}")))?;
        let (n, answered) = (v[0], v[1]);
        r.ratings += n;
        r.ratings_score_sum += n * level.score() as i64;
        if level.is_bad() {
            r.ratings_bad += n;
            r.ratings_bad_answered += answered;
            r.ratings_bad_on_time += v[2];
        }
    }
    Ok(())
}

/// Cases accepted in each month of `year` (index 0 is January), and a year earlier
/// like for like, for the dashboard's trend chart.
pub async fn cases_accepted_months(store: &Store, year: i32) -> Result<([i64; 12], [i64; 12])> {
    let mut c = store.reader().await?;
    let today = time::local_day(time::now());
    stats::months_compared(
        &mut c,
        &stats::CASES,
        "n",
        Some(("kind", "accepted")),
        year,
        today,
    )
    .await
}

/// Whose records a manager's drill-down lists may show: `None` every department's
/// (supervisors, administrators), `Some(id)` one department's (a department head; one
/// without a department sees none: no department has id 0).
pub(crate) fn drill_scope(p: &crate::org::Principal) -> Result<Option<i64>> {
    use tongban_domain::org::Role;
    match p.role {
        r if r.sees_all_cases() => Ok(None),
        Role::DepartmentHead => Ok(Some(p.department_id.unwrap_or(0))),
        _ => Err(StoreError::Forbidden("当前角色无权查看统计明细".into())),
    }
}

/// A case behind a dashboard figure (accepted in the period).
#[derive(Debug, Clone, Serialize)]
pub struct AcceptedCase {
    pub case_no: String,
    pub item: String,
    pub department: String,
    pub point: String,
    /// 窗口 / 网上申请
    pub channel: String,
    /// 审查中, 已办结, …
    pub status: String,
    pub accepted_on: String,
}

/// The cases accepted in `period`, of one department or point (codes) if given: the
/// list behind a bar of the dashboard. Supervisors and administrators see every
/// department's; a department head only their own. Newest first, `limit` of them,
/// counted up to `COUNT_CAP` (the bar itself gives the exact figure).
pub async fn cases_accepted_in(
    store: &Store,
    p: &crate::org::Principal,
    period: &Period,
    department: Option<&str>,
    point: Option<&str>,
    limit: i64,
) -> Result<(Vec<AcceptedCase>, crate::Total)> {
    let own = drill_scope(p)?;
    // Only the conditions that apply, on the case's own columns, so an index on
    // (department or point, day) serves both the filter and the order.
    let mut filter = crate::Sql::new("");
    filter
        .push(" AND c.accepted_on >= ")
        .bind_s(time::day(period.from))
        .push(" AND c.accepted_on <= ")
        .bind_s(time::day(period.to));
    if let Some(d) = department.filter(|d| !d.is_empty()) {
        filter
            .push(" AND c.department_id = (SELECT id FROM departments WHERE code = ")
            .bind_s(d)
            .push(")");
    }
    if let Some(pt) = point.filter(|p| !p.is_empty()) {
        filter
            .push(" AND c.point_id = (SELECT id FROM points WHERE code = ")
            .bind_s(pt)
            .push(")");
    }
    if let Some(own) = own {
        filter.push(" AND c.department_id = ").bind_i(own);
    }
    let mut c = store.reader().await?;
    let total = filter
        .count_capped(&mut c, "FROM cases c WHERE 1 = 1")
        .await?;
    let mut q = filter.with_text(format!(
        "SELECT c.case_no, COALESCE((SELECT v.name FROM item_versions v WHERE v.item_id = c.item_id \
           AND v.version = c.item_version), ''), d.name, pt.name, c.channel, c.status, c.accepted_on \
         FROM cases c JOIN departments d ON d.id = c.department_id JOIN points pt ON pt.id = c.point_id \
         WHERE 1 = 1{} ORDER BY c.accepted_on DESC, c.id DESC LIMIT ",
        filter.text
    ));
    q.bind_i(limit);
    let rows = q.query().fetch_all(&mut *c).await?;
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        let channel: String = row.try_get(4)?;
        let status: String = row.try_get(5)?;
        out.push(AcceptedCase {
            case_no: row.try_get(0)?,
            item: row.try_get(1)?,
            department: row.try_get(2)?,
            point: row.try_get(3)?,
            channel: tongban_domain::case::Channel::parse(&channel)
                .map(|c| c.label().to_string())
                .unwrap_or(channel),
            status: tongban_domain::case::CaseStatus::parse(&status)
                .map(|s| s.label().to_string())
                .unwrap_or(status),
            accepted_on: row.try_get(6)?,
        });
    }
    Ok((out, total))
}
