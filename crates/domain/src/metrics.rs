//! Figures the office reports (the blanks of the annual work report): one definition
//! table, and the periods they are computed for.

use crate::calendar::{Calendar, CalendarError};
use chrono::{Datelike, Months, NaiveDate};
use serde::Serialize;

/// A reporting period: an inclusive range of local days, with how it was written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Period {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub kind: PeriodKind,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PeriodKind {
    Day,
    Month,
    Quarter,
    Year,
    Range,
    /// A year, quarter or month still in progress, up to today.
    ToDate,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct PeriodError(pub String);

fn err(s: impl Into<String>) -> PeriodError {
    PeriodError(s.into())
}

fn parse_year(s: &str) -> Result<i32, PeriodError> {
    let y: i32 = s
        .parse()
        .map_err(|_| err(format!("年份“{s}”无效，应为四位数字")))?;
    if !(2000..=2100).contains(&y) || s.len() != 4 {
        return Err(err(format!("年份“{s}”超出范围（2000至2100）")));
    }
    Ok(y)
}

fn ymd(y: i32, m: u32, d: u32) -> Result<NaiveDate, PeriodError> {
    NaiveDate::from_ymd_opt(y, m, d).ok_or_else(|| err(format!("日期 {y}-{m:02}-{d:02} 无效")))
}

fn last_of_month(y: i32, m: u32) -> Result<NaiveDate, PeriodError> {
    let first = ymd(y, m, 1)?;
    first
        .checked_add_months(Months::new(1))
        .and_then(|d| d.pred_opt())
        .ok_or_else(|| err("日期超出范围"))
}

fn parse_day(s: &str) -> Result<NaiveDate, PeriodError> {
    NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d")
        .map_err(|_| err(format!("日期“{s}”无效，应为 YYYY-MM-DD")))
}

impl Period {
    /// A whole calendar year.
    pub fn year(y: i32) -> Result<Period, PeriodError> {
        Ok(Period {
            from: ymd(y, 1, 1)?,
            to: ymd(y, 12, 31)?,
            kind: PeriodKind::Year,
        })
    }

    /// An inclusive range of days.
    pub fn range(from: NaiveDate, to: NaiveDate) -> Result<Period, PeriodError> {
        if to < from {
            return Err(err(format!("结束日期 {to} 早于开始日期 {from}")));
        }
        if (to - from).num_days() > 366 * 10 {
            return Err(err("统计期间不能超过十年"));
        }
        Ok(Period {
            from,
            to,
            kind: PeriodKind::Range,
        })
    }

    /// Parses `2026`, `2026-Q3`, `2026-07`, `2026-07-15` or `2026-01-01..2026-09-30`.
    pub fn parse(s: &str) -> Result<Period, PeriodError> {
        let s = s.trim();
        if s.is_empty() {
            return Err(err(
                "请指定统计期间，例如 2026、2026-Q3、2026-07 或 2026-01-01..2026-09-30",
            ));
        }
        if let Some((a, b)) = s.split_once("..") {
            return Period::range(parse_day(a)?, parse_day(b)?);
        }
        if let Some((y, q)) = s
            .split_once(['-'])
            .filter(|(_, q)| q.starts_with(['Q', 'q']))
        {
            let y = parse_year(y)?;
            let q: u32 = match &q[1..] {
                "1" => 1,
                "2" => 2,
                "3" => 3,
                "4" => 4,
                _ => return Err(err(format!("季度“{q}”无效，应为 Q1 至 Q4"))),
            };
            let first = (q - 1) * 3 + 1;
            return Ok(Period {
                from: ymd(y, first, 1)?,
                to: last_of_month(y, first + 2)?,
                kind: PeriodKind::Quarter,
            });
        }
        match s.len() {
            4 => Period::year(parse_year(s)?),
            7 => {
                let (y, m) = s.split_at(4);
                let y = parse_year(y)?;
                let m: u32 = m
                    .strip_prefix('-')
                    .and_then(|m| m.parse().ok())
                    .filter(|m| (1..=12).contains(m))
                    .ok_or_else(|| err(format!("月份“{s}”无效，应为 YYYY-MM")))?;
                Ok(Period {
                    from: ymd(y, m, 1)?,
                    to: last_of_month(y, m)?,
                    kind: PeriodKind::Month,
                })
            }
            10 => {
                let d = parse_day(s)?;
                Ok(Period {
                    from: d,
                    to: d,
                    kind: PeriodKind::Day,
                })
            }
            _ => Err(err(format!(
                "统计期间“{s}”无效，应为 2026、2026-Q3、2026-07、2026-07-15 或 2026-01-01..2026-09-30"
            ))),
        }
    }

    /// The part of the period that has happened by `today`: a year, quarter, month
    /// or range still in progress runs to today, and is compared with the same dates
    /// a year earlier ("今年以来"); a period past or to come is itself.
    pub fn so_far(&self, today: NaiveDate) -> Period {
        if self.from <= today && today < self.to {
            Period {
                from: self.from,
                to: today,
                kind: PeriodKind::ToDate,
            }
        } else {
            *self
        }
    }

    /// The same period one year earlier (29 February falls back to the 28th; a
    /// month or quarter keeps its whole extent).
    pub fn year_earlier(&self) -> Result<Period, PeriodError> {
        let back = |d: NaiveDate| {
            d.checked_sub_months(Months::new(12))
                .ok_or_else(|| err("日期超出范围"))
        };
        let from = back(self.from)?;
        let to = match self.kind {
            PeriodKind::Month | PeriodKind::Quarter | PeriodKind::Year => {
                last_of_month(self.to.year() - 1, self.to.month())?
            }
            PeriodKind::Day | PeriodKind::Range | PeriodKind::ToDate => back(self.to)?,
        };
        Ok(Period {
            from,
            to,
            kind: self.kind,
        })
    }

    /// How the report names the period: "2026年", "2026年1-9月", "2026年第三季度".
    pub fn label(&self) -> String {
        let (f, t) = (self.from, self.to);
        let full = || {
            format!(
                "{}年{}月{}日至{}年{}月{}日",
                f.year(),
                f.month(),
                f.day(),
                t.year(),
                t.month(),
                t.day()
            )
        };
        match self.kind {
            PeriodKind::Year => format!("{}年", f.year()),
            PeriodKind::Quarter => {
                let q = ["一", "二", "三", "四"][((f.month() - 1) / 3) as usize];
                format!("{}年第{q}季度", f.year())
            }
            PeriodKind::Month => format!("{}年{}月", f.year(), f.month()),
            PeriodKind::Day => format!("{}年{}月{}日", f.year(), f.month(), f.day()),
            PeriodKind::ToDate if f.year() == t.year() && (f.month(), f.day()) == (1, 1) => {
                format!("{}年（截至{}月{}日）", f.year(), t.month(), t.day())
            }
            PeriodKind::ToDate if f.year() == t.year() => format!(
                "{}年{}月{}日至{}月{}日",
                f.year(),
                f.month(),
                f.day(),
                t.month(),
                t.day()
            ),
            PeriodKind::ToDate => full(),
            PeriodKind::Range => {
                let whole_months = f.day() == 1
                    && last_of_month(t.year(), t.month()).ok() == Some(t)
                    && f.year() == t.year();
                if whole_months && f.month() == t.month() {
                    format!("{}年{}月", f.year(), f.month())
                } else if whole_months {
                    format!("{}年{}-{}月", f.year(), f.month(), t.month())
                } else {
                    full()
                }
            }
        }
    }

    /// Working days in the period on the official calendar.
    pub fn working_days(&self, cal: &Calendar) -> Result<u32, CalendarError> {
        let mut n = 0;
        let mut d = self.from;
        while d <= self.to {
            if cal.is_working_day(d)? {
                n += 1;
            }
            match d.succ_opt() {
                Some(next) => d = next,
                None => break,
            }
        }
        Ok(n)
    }
}

/// Growth against the year before: `(value − earlier) / earlier`, none when the
/// earlier value is zero or unknown.
pub fn growth(value: f64, earlier: Option<f64>) -> Option<f64> {
    match earlier {
        Some(e) if e != 0.0 => Some((value - e) / e),
        _ => None,
    }
}

/// The definition of one figure.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Figure {
    /// Stable snake_case key (a public contract).
    pub key: &'static str,
    pub label: &'static str,
    pub unit: &'static str,
    /// 中心, 事项, 12345, …
    pub area: &'static str,
    pub definition: &'static str,
}

/// Defines every figure once: the `Key` enum (a figure referred to in code by a key
/// that does not exist fails to compile) and the `FIGURES` table of definitions.
macro_rules! figures {
    ($($(#[$vm:meta])* $v:ident = $key:literal, $label:literal, $unit:literal, $area:literal, $definition:literal;)+) => {
        /// A figure's key in code; `as_str` is its stable snake_case key.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Key { $($(#[$vm])* $v),+ }

        impl Key {
            pub const ALL: &'static [Key] = &[$(Key::$v),+];
            pub const fn as_str(self) -> &'static str {
                match self { $(Key::$v => $key),+ }
            }
            /// The key of a stable snake_case name.
            pub fn parse(s: &str) -> Option<Key> {
                Self::ALL.iter().copied().find(|k| k.as_str() == s)
            }
            /// Its definition.
            pub fn figure(self) -> &'static Figure {
                &FIGURES[self as usize]
            }
        }

        /// Every figure, defined once (in the order of `Key`). Rates are fractions
        /// between 0 and 1.
        pub const FIGURES: &[Figure] = &[$(Figure {
            key: $key,
            label: $label,
            unit: $unit,
            area: $area,
            definition: $definition,
        }),+];
    };
}

figures! {
    CasesAccepted = "cases_accepted", "受理办件", "件", "中心",
        "受理日期在统计期间内的办件数（含即办件、网上办件）";
    CasesPerWorkingDay = "cases_per_working_day", "日均受理办件", "件", "中心",
        "受理办件数除以统计期间内的工作日数（按国务院节假日安排）";
    CasesInstant = "cases_instant", "即办件", "件", "中心",
        "受理日期在统计期间内的即办件数";
    CasesOnline = "cases_online", "网上审批办件", "件", "中心",
        "受理日期在统计期间内、经网上申报渠道提交的办件数";
    OnlineRate = "online_rate", "网上审批率", "%", "中心",
        "网上审批办件数除以受理办件数";
    CasesClosed = "cases_closed", "办结办件", "件", "中心",
        "办结日期在统计期间内的办件数";
    CasesCommitment = "cases_commitment", "告知承诺制办件", "件", "中心",
        "受理日期在统计期间内、申请人书面承诺后当场作出许可决定的办件数";
    CasesTolerance = "cases_tolerance", "容缺受理办件", "件", "中心",
        "受理日期在统计期间内、非核心材料容缺后补的办件数";
    CommitmentsRevoked = "commitments_revoked", "承诺不实撤销许可", "件", "中心",
        "撤销日期在统计期间内、经核查承诺不实而撤销的许可数";
    CasesAuto = "cases_auto", "秒批办件", "件", "中心",
        "受理日期在统计期间内、全部满足事项秒批规则而由系统自动准予许可并办结的办件数";
    AutoShare = "auto_share", "秒批占比", "%", "中心",
        "秒批办件数除以受理办件数";
    AfterChecks = "after_checks", "秒批事后核查", "件", "中心",
        "核查日期在统计期间内、由作出许可的部门完成的秒批事后核查数（按事项设定的比例抽取）";
    AfterCheckDisputes = "after_check_disputes", "事后核查有异议", "件", "中心",
        "核查日期在统计期间内、核查人员认为不应准予而提交督查处理的事后核查数";
    AutoRevoked = "auto_revoked", "秒批撤销许可", "件", "中心",
        "撤销日期在统计期间内、经事后核查和督查处理撤销的秒批许可数";
    CasesByPoint = "cases_by_point", "各受理点受理办件", "件", "中心",
        "按受理点（中心及各区镇便民服务中心）分列的受理办件数（表）";
    CasesAwayFromCenter = "cases_away_from_center", "区镇及分理点受理办件", "件", "中心",
        "在政务服务中心以外的受理点受理的办件数（分流）";
    StationedDepartments = "stationed_departments", "进驻部门", "个", "事项",
        "标记为进驻中心的部门数（统计期末）";
    DepartmentsWithServiceSection = "departments_with_service_section", "单独设立行政服务科的部门", "个", "事项",
        "进驻部门中单独设立行政服务科的部门数";
    ItemsInUse = "items_in_use", "进驻在用事项", "个", "事项",
        "统计期末生效版本状态为在用的主项数";
    SubItemsInUse = "sub_items_in_use", "在用子项", "个", "事项",
        "统计期末生效版本状态为在用的子项数";
    ItemsInstant = "items_instant", "即办事项", "个", "事项",
        "在用事项（含子项）中的即办事项数";
    InstantShare = "instant_share", "即办事项占比", "%", "事项",
        "即办事项数除以在用事项（含子项）数";
    ItemsCancelled = "items_cancelled", "取消事项", "个", "事项",
        "统计期间内生效的取消决定涉及的事项数（事项版本由其他状态变为取消）";
    ItemsTransferred = "items_transferred", "转移至行业协会事项", "个", "事项",
        "统计期间内生效的转移决定涉及的事项数（事项版本由其他状态变为转移至行业协会）";
    ItemsSuspended = "items_suspended", "暂停行使（挂起）事项", "个", "事项",
        "统计期末生效版本状态为暂停的事项数";
    SpeedupRate = "speedup_rate", "进驻事项总体提速", "%", "事项",
        "1 − Σ承诺期限 ÷ Σ法定期限，范围为有法定期限的在用事项（含子项）；以自然日计的期限按7个自然日合5个工作日折算";
    ItemsCut = "items_cut", "精简事项", "个", "事项",
        "精简基准日（系统管理员设定；未设定时为统计期间开始日）之后至统计期末施行的取消、转移至行业协会、合并决定涉及的事项数，每个事项计一次";
    CutRatio = "cut_ratio", "精简比例", "%", "事项",
        "精简事项数除以精简基准日的在用事项（含子项）数";
    NewInstantItems = "new_instant_items", "新增即办项目", "个", "事项",
        "统计期末为在用即办事项（含子项），而统计期间开始前一日不是在用即办事项（或尚未设立）的事项数";
    ItemsDelegated = "items_delegated", "下放区镇受理事项", "个", "事项",
        "统计期末在用事项（含子项）中，可在区镇便民服务中心或派出所分理点受理（多点受理、同城通办）的事项数";
    ItemSpeedups = "item_speedups", "事项实际提速", "%", "事项",
        "统计期间内准予许可并办结的非即办件，自受理次一工作日起至办结之日的工作日数与承诺期限（以工作日计的）比较：提速＝1−Σ实际办理工作日÷Σ承诺期限；表中按事项列出承诺期、平均办理时间和提速（办件最多的20个事项）";
    HotlineReceived = "hotline_received", "12345受理诉求", "件", "12345",
        "受理总量：接通的来电（已导入话务记录的期间；未导入时为电话登记的工单）加上网站、微信等其他渠道登记的诉求";
    HotlineByChannel = "hotline_by_channel", "各渠道受理诉求", "件", "12345",
        "按受理渠道分列的受理量（表）：电话为接通的来电（未导入话务记录时为电话登记的工单），其他为各渠道登记的诉求";
    HotlineDirectAnswers = "hotline_direct_answers", "直接咨询解答", "件", "12345",
        "由话务员直接解答办结的诉求数：登记为直接解答的工单，加上已导入话务记录时接通后未形成工单的来电";
    HotlineDirectAnswerRate = "hotline_direct_answer_rate", "直接解答率", "%", "12345",
        "直接咨询解答数除以受理诉求数";
    HotlineDispatched = "hotline_dispatched", "交办工单", "件", "12345",
        "派单至成员单位的工单数";
    HotlineOnTimeRate = "hotline_on_time_rate", "按时办结率", "%", "12345",
        "办理期限在统计期间内（截至昨日）的交办工单中，承办单位首次回复不晚于期限的比例；期限以首次派单为准，仅经批准的延期顺延，退单、改派和重办不重新计算，到期未回复的（含仍在办理的）计为超期";
    HotlineAvgSatisfaction = "hotline_avg_satisfaction", "平均满意度", "%", "12345",
        "回访满意度按非常满意100分、满意80分、基本满意60分、不满意40分、非常不满意20分计的平均得分，以百分比表示（报告写作“平均满意度xx.xx%”）";
    HotlineValidOrders = "hotline_valid_orders", "有效工单", "件", "12345",
        "登记时间在统计期间内的工单中，除去并入其他工单的重复件（并单）和话务员标记的无效来电（骚扰、无声、打错等）后的数量";
    HotlineErrorRate = "hotline_error_rate", "工单差错率", "%", "12345",
        "有效工单中经质检标记为差错工单的比例";
    HotlineResponseRate = "hotline_response_rate", "响应率", "%", "12345",
        "三率之一：有效工单中已派单的，承办单位在派单日的下一个工作日结束前签收的比例（以最近一次派单计）";
    HotlineResolutionRate = "hotline_resolution_rate", "解决率", "%", "12345",
        "三率之一：回访时询问了诉求是否解决的工单中，来电人回答已解决的比例";
    HotlineSatisfactionRate = "hotline_satisfaction_rate", "满意率", "%", "12345",
        "三率之一：已回访工单中满意度为满意或非常满意的比例；按本地规则（机构设置“基本满意计入满意率”，默认计入）基本满意也计入";
    HotlinePlatformSatisfaction = "hotline_platform_satisfaction", "整体平台满意率", "%", "12345",
        "登记日期在统计期间内、已回访的全部工单（直接解答与交办）中回访满意度为满意或非常满意的比例；基本满意不计入（与可按本地规则计入基本满意的“满意率”不同），报告与上年同期相比";
    PraiseCalls = "praise_calls", "来电表扬", "个", "12345",
        "登记日期在统计期间内、诉求类别为表扬的有效工单数（合并、无效来电除外）";
    HotlineCalls = "hotline_calls", "来电总量", "个", "12345",
        "交换机话务记录中开始时间在统计期间内的呼入来电数（含放弃）";
    HotlineConnectionRate = "hotline_connection_rate", "接通率", "%", "12345",
        "接通的来电数除以呼入来电总数（GB/T 33358：不低于95%）";
    HotlineAnswered15sRate = "hotline_answered_15s_rate", "15秒接通率", "%", "12345",
        "等待不超过15秒即接通的来电数除以呼入来电总数";
    HotlineAvgWaitSeconds = "hotline_avg_wait_seconds", "平均等待时长", "秒", "12345",
        "接通来电的平均等待秒数";
    HotlineMissedCallbacks = "hotline_missed_callbacks", "漏话回拨", "个", "12345",
        "统计期间内放弃的来电中，已由中心登记回拨的数量";
    RatingsReceived = "ratings_received", "好差评评价", "件", "评价",
        "评价日期在统计期间内的办件评价数（网上“一事一评”与窗口评价器“一次一评”）";
    RatingsGoodRate = "ratings_good_rate", "好评率", "%", "评价",
        "评价为非常满意、满意或基本满意的比例";
    RatingsBad = "ratings_bad", "差评", "件", "评价",
        "评价为不满意或非常不满意的数量";
    RatingsBadAnsweredRate = "ratings_bad_answered_rate", "差评按时整改率", "%", "评价",
        "统计期间内的差评中，部门在整改期限内作出核实整改答复的比例；逾期答复和尚未答复的均计为未按时";
    RatingsAvgScore = "ratings_avg_score", "平均满意度得分", "分", "评价",
        "非常满意100分、满意80分、基本满意60分、不满意40分、非常不满意20分的平均值";
    Acceptances = "acceptances", "联合验收项目", "个", "工程建设",
        "出具联合验收意见书（各参加部门均验收通过）的日期在统计期间内的联合验收数（一个项目分期、分部位验收的，每次验收计一个）";
    AcceptanceAreaM2 = "acceptance_area_m2", "联合验收面积", "㎡", "工程建设",
        "统计期间内通过联合验收的建筑面积之和（平方米；报告以万㎡表示，并写出比上年同期增减的面积）";
    AcceptancesPerMonth = "acceptances_per_month", "平均每月验收项目", "个", "工程建设",
        "联合验收项目数除以统计期间的月数（不足一月的按天数折算）";
    AcceptanceAvgWorkingDays = "acceptance_avg_working_days", "每个项目平均办理时间", "个工作日", "工程建设",
        "统计期间内通过的联合验收，自建设单位申请之日的次一工作日起至出具验收意见书之日止的工作日数（按国务院节假日安排）的平均值";
    AcceptanceDeptPassRate = "acceptance_dept_pass_rate", "部门平均通过率", "%", "工程建设",
        "统计期间内通过的联合验收中，各参加部门首次现场验收即通过的比例，再按部门取平均（表中列出各部门的通过率）";
    AcceptanceFirstPassRate = "acceptance_first_pass_rate", "一次性现场验收全部通过率", "%", "工程建设",
        "统计期间内通过的联合验收中，各参加部门在首次现场验收即全部通过（无须复验）的比例";
    Registrations = "registrations", "“三证合一”登记办件", "件", "登记",
        "办结日期在统计期间内、准予登记的商事登记办件数（设立、变更、注销登记），即“三证合一”办件量";
    BusinessLicensesIssued = "business_licenses_issued", "“一照一码”营业执照", "件", "登记",
        "统计期间内准予设立登记或变更登记后核发的载有统一社会信用代码的营业执照数（变更换发的计入）";
    Banners = "banners", "锦旗", "面", "监督",
        "收到日期在统计期间内、登记在册的窗口和单位收到的锦旗数";
    InnovationMeasures = "innovation_measures", "创新服务举措", "项", "监督",
        "推出日期在统计期间内、登记在册的各部门创新服务举措数";
    ProjectsTracked = "projects_tracked", "挂钩项目跟踪", "个", "企业",
        "统计期间内有每周进展记录的企业投诉处理中心挂钩项目数";
    ProblemsCoordinated = "problems_coordinated", "协调解决项目问题", "个", "企业",
        "解决日期在统计期间内的工程建设项目协调问题数（部门提出的和由企业投诉转为的）";
    ComplaintsReceived = "complaints_received", "企业投诉受理", "件", "企业",
        "受理日期在统计期间内的企业投诉数（企业网上投诉、电话投诉和来访投诉）";
    ComplaintsOnTimeRate = "complaints_on_time_rate", "企业投诉按时答复率", "%", "企业",
        "答复日期在统计期间内的企业投诉中，承办部门在分派时确定的期限（工作日）内答复的比例";
    ComplaintsSatisfaction = "complaints_satisfaction", "企业投诉满意率", "%", "企业",
        "评价日期在统计期间内的企业投诉答复评价中，评为满意或非常满意的比例";
    SurveySatisfaction = "survey_satisfaction", "政府满意度测评得分", "分", "企业",
        "统计期间内填写的季度政府满意度测评中，企业对各职能部门各项问题评分（1至5分）的平均值折算为百分制（5分为100分）";
    SurveyResponseRate = "survey_response_rate", "满意度测评回收率", "%", "企业",
        "发放日期在统计期间内的满意度测评链接中，已填写的比例";
    TradingTransactions = "trading_transactions", "完成交易项目", "件", "交易",
        "发布日期在统计期间内的中标（成交）结果公告数（建设工程交易中心、政府采购中心、国土局招投标系统推送或导入；同一公告的更正版本只计一次）";
    TradingAmountYi = "trading_amount_yi", "总成交金额", "亿元", "交易",
        "统计期间内中标（成交）结果公告的中标金额之和（各中标供应商金额相加，未列明的以公告金额计），以亿元表示";
    IntermediaryOrders = "intermediary_orders", "中介超市选取中介服务", "次", "交易",
        "选取日期在统计期间内、项目业主在中介超市按最低价选取、随机抽取或直接选取中介机构的次数";
    IntermediaryAmountWan = "intermediary_amount_wan", "中介服务成交金额", "万元", "交易",
        "统计期间内中介超市选取的中介机构报价之和，以万元表示";
    IntermediarySatisfaction = "intermediary_satisfaction", "中介服务评价得分", "分", "交易",
        "选取日期在统计期间内、已评价的中介服务中，项目业主对服务质量、服务时效、服务态度和收费四项评分（1至5分）的平均值折算为百分制（5分为100分）";
    Patrols = "patrols", "窗口月度巡查", "次", "监督",
        "巡查日期在统计期间内的窗口巡查次数";
    MysteryVisits = "mystery_visits", "第三方暗访", "次", "监督",
        "暗访日期在统计期间内、从第三方暗访结果导入的暗访次数";
    MysteryVisitScore = "mystery_visit_score", "暗访平均得分", "分", "监督",
        "统计期间内第三方暗访得分（百分制）的平均值";
    PatrolProblems = "patrol_problems", "巡查发现问题", "个", "监督",
        "统计期间内窗口巡查中检查表各项（在岗考勤、着装仪表、工作纪律、服务态度、窗口环境）发现问题的项数";
}

/// The definition of `key`, if it is one.
pub fn figure(key: &str) -> Option<&'static Figure> {
    Key::parse(key).map(Key::figure)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn a_year_in_progress_runs_to_today() {
        let y = Period::year(2026).unwrap();
        let today = d("2026-12-05");
        let p = y.so_far(today);
        assert_eq!(
            (p.from, p.to, p.kind),
            (d("2026-01-01"), today, PeriodKind::ToDate)
        );
        assert_eq!(p.label(), "2026年（截至12月5日）");
        let e = p.year_earlier().unwrap();
        assert_eq!((e.from, e.to), (d("2025-01-01"), d("2025-12-05")));
        // Working days to today, on the State Council's 2026 schedule.
        let cal = Calendar::from_csv(include_str!("../../../assets/cn-calendar.csv")).unwrap();
        assert_eq!(p.working_days(&cal), Ok(229));
        // A year gone or to come is itself.
        assert_eq!(
            Period::year(2025).unwrap().so_far(today),
            Period::year(2025).unwrap()
        );
        assert_eq!(
            Period::year(2027).unwrap().so_far(today),
            Period::year(2027).unwrap()
        );
    }

    #[test]
    fn parses_periods() {
        let p = Period::parse("2026").unwrap();
        assert_eq!((p.from, p.to), (d("2026-01-01"), d("2026-12-31")));
        let p = Period::parse("2026-Q3").unwrap();
        assert_eq!((p.from, p.to), (d("2026-07-01"), d("2026-09-30")));
        let p = Period::parse("2024-02").unwrap();
        assert_eq!(p.to, d("2024-02-29"));
        assert_eq!(p.year_earlier().unwrap().to, d("2023-02-28"));
        let p = Period::parse("2026-01-01..2026-09-30").unwrap();
        assert_eq!(p.label(), "2026年1-9月");
        assert_eq!(p.year_earlier().unwrap().from, d("2025-01-01"));
        for bad in [
            "",
            "26",
            "2026-Q5",
            "2026-13",
            "2026-02-30",
            "2026-09-30..2026-01-01",
            "abcd",
        ] {
            let e = Period::parse(bad).unwrap_err();
            assert!(
                e.0.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)),
                "{bad}: {e}"
            );
        }
    }

    #[test]
    fn keys_are_unique_snake_case() {
        for (i, f) in FIGURES.iter().enumerate() {
            // snake_case: lowercase words and numbers (`hotline_answered_15s_rate`).
            assert!(
                f.key.starts_with(|c: char| c.is_ascii_lowercase())
                    && f.key
                        .chars()
                        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_'),
                "{}",
                f.key
            );
            assert!(FIGURES[i + 1..].iter().all(|g| g.key != f.key), "{}", f.key);
        }
        assert_eq!(growth(12.0, Some(10.0)), Some(0.2));
        assert_eq!(growth(12.0, Some(0.0)), None);
    }
}
