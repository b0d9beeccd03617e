//! Window supervision's registers (窗口监督): the banners (锦旗) the public gives a
//! window or a unit, and the innovation measures (创新举措) departments introduce
//! ("由承诺期x个工作日缩短为平均办理时间x个工作日"). The 12345's praise calls
//! (表扬) are counted from its work orders.

use crate::{Faults, Invalid};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// A register's kind of entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CommendationKind {
    /// 锦旗: given to a window or a unit.
    Banner,
    /// 创新举措: a department's innovation measure.
    Innovation,
}

impl CommendationKind {
    pub const ALL: &'static [CommendationKind] = &[Self::Banner, Self::Innovation];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Banner => "banner",
            Self::Innovation => "innovation",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Banner => "锦旗",
            Self::Innovation => "创新举措",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL
            .iter()
            .copied()
            .find(|k| k.as_str() == s || k.label() == s)
    }
}

/// A banner as the office records it.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct BannerInput {
    /// `YYYY-MM-DD`, the day it was received.
    #[serde(default)]
    pub received_on: String,
    /// The window's code, when given to a window.
    #[serde(default)]
    pub window: String,
    /// The department's code, when given to a unit (or the window's own).
    #[serde(default)]
    pub department: String,
    /// From whom: a person or an enterprise.
    #[serde(default)]
    pub giver: String,
    /// The words on it (高效便民、热情服务…).
    #[serde(default)]
    pub words: String,
}

/// An innovation measure as a department reports it.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct InnovationInput {
    #[serde(default)]
    pub department: String,
    /// The measure: 环评审批窗口直接办理…
    #[serde(default)]
    pub title: String,
    /// `YYYY-MM-DD`, the day it took effect.
    #[serde(default)]
    pub introduced_on: String,
    /// Its effect: 由承诺期x个工作日缩短为平均办理时间x个工作日…
    #[serde(default)]
    pub effect: String,
}

/// A checked register entry: the day, a window and/or a department by code, the
/// title (a banner's words, a measure), and a banner's giver or a measure's effect.
#[derive(Debug, Clone, PartialEq)]
pub struct Commendation {
    pub kind: CommendationKind,
    pub day: NaiveDate,
    pub window: Option<String>,
    pub department: Option<String>,
    pub title: String,
    pub giver: Option<String>,
    pub effect: Option<String>,
}

fn text(f: &mut Faults, field: &'static str, label: &str, v: &str, max: usize) -> String {
    let v = v.trim();
    if v.is_empty() {
        f.push(Invalid::new(field, format!("请填写{label}")));
    } else if v.chars().count() > max {
        f.push(Invalid::new(field, format!("{label}不能超过{max}个字")));
    }
    v.to_string()
}

/// A day of a register: not in the future, not before 2000.
fn day(field: &'static str, label: &str, v: &str, today: NaiveDate) -> Result<NaiveDate, Invalid> {
    let v = v.trim();
    let d = NaiveDate::parse_from_str(v, "%Y-%m-%d")
        .map_err(|_| Invalid::new(field, format!("{label}“{v}”无效，应为 YYYY-MM-DD")))?;
    if d > today {
        return Err(Invalid::new(field, format!("{label}不能晚于今天")));
    }
    if d.format("%Y").to_string().as_str() < "2000" {
        return Err(Invalid::new(field, format!("{label}不能早于2000年")));
    }
    Ok(d)
}

fn code(v: &str) -> Option<String> {
    Some(v.trim().to_uppercase()).filter(|c| !c.is_empty())
}

impl BannerInput {
    /// Every fault at once: a day not in the future, a window or a unit, who gave it
    /// and its words.
    pub fn check(&self, today: NaiveDate) -> Result<Commendation, Vec<Invalid>> {
        let mut f = Faults::default();
        let day = f.take(day("received_on", "收到日期", &self.received_on, today));
        let (window, department) = (code(&self.window), code(&self.department));
        if window.is_none() && department.is_none() {
            f.push(Invalid::new("window", "请选择受赠的窗口或单位"));
        }
        let giver = text(&mut f, "giver", "赠送人（单位）", &self.giver, 100);
        let words = text(&mut f, "words", "锦旗内容", &self.words, 50);
        f.finish(day.map(|day| Commendation {
            kind: CommendationKind::Banner,
            day,
            window,
            department,
            title: words,
            giver: Some(giver),
            effect: None,
        }))
    }
}

impl InnovationInput {
    /// Every fault at once: a department, the measure, the day, and its effect.
    pub fn check(&self, today: NaiveDate) -> Result<Commendation, Vec<Invalid>> {
        let mut f = Faults::default();
        let department = code(&self.department);
        if department.is_none() {
            f.push(Invalid::new("department", "请选择推出举措的部门"));
        }
        let title = text(&mut f, "title", "创新举措", &self.title, 200);
        let day = f.take(day("introduced_on", "推出日期", &self.introduced_on, today));
        let effect = text(&mut f, "effect", "成效", &self.effect, 500);
        f.finish(day.map(|day| Commendation {
            kind: CommendationKind::Innovation,
            day,
            window: None,
            department,
            title,
            giver: None,
            effect: Some(effect),
        }))
    }
}

/// The checklist of a monthly patrol (月度巡查), each item passed or a problem found.
pub const PATROL_CHECKS: [(&str, &str); 5] = [
    ("attendance", "在岗考勤"),
    ("dress", "着装仪表"),
    ("discipline", "工作纪律"),
    ("manner", "服务态度"),
    ("environment", "窗口环境"),
];

/// The label of a checklist item's code.
pub fn patrol_check_label(code: &str) -> Option<&'static str> {
    PATROL_CHECKS.iter().find(|c| c.0 == code).map(|c| c.1)
}

/// A patrol as entered at the window.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct PatrolInput {
    /// The window's code.
    #[serde(default)]
    pub window: String,
    /// `YYYY-MM-DD`; today when left out.
    #[serde(default)]
    pub patrolled_on: String,
    /// The checklist items found wanting (`attendance`, `dress`, …).
    #[serde(default)]
    pub failed: Vec<String>,
    /// What was found, required when an item failed.
    #[serde(default)]
    pub note: String,
}

/// A checked patrol: the window, the day, the items found wanting (each once, in the
/// checklist's order) and what was found.
#[derive(Debug, Clone, PartialEq)]
pub struct Patrol {
    pub window: String,
    pub day: NaiveDate,
    pub failed: Vec<&'static str>,
    pub note: String,
}

impl PatrolInput {
    /// Every fault at once: a window, a day not in the future, items of the
    /// checklist, and what was found when an item failed.
    pub fn check(&self, today: NaiveDate) -> Result<Patrol, Vec<Invalid>> {
        let mut f = Faults::default();
        let window = code(&self.window);
        if window.is_none() {
            f.push(Invalid::new("window", "请选择巡查的窗口"));
        }
        let day = if self.patrolled_on.trim().is_empty() {
            Some(today)
        } else {
            f.take(day("patrolled_on", "巡查日期", &self.patrolled_on, today))
        };
        let mut failed = vec![];
        for c in &self.failed {
            match PATROL_CHECKS.iter().find(|x| x.0 == c.trim()) {
                Some(x) if !failed.contains(&x.0) => failed.push(x.0),
                Some(_) => {}
                None => f.push(Invalid::new(
                    "failed",
                    format!(
                        "巡查项目“{}”不在检查表中",
                        c.chars().take(20).collect::<String>()
                    ),
                )),
            }
        }
        failed.sort_by_key(|c| PATROL_CHECKS.iter().position(|x| x.0 == *c));
        let note = self.note.trim().to_string();
        if !failed.is_empty() && note.is_empty() {
            f.push(Invalid::new("note", "发现问题的，请写明问题情况"));
        } else if note.chars().count() > 500 {
            f.push(Invalid::new("note", "问题情况不能超过500个字"));
        }
        f.finish(match (window, day) {
            (Some(window), Some(day)) => Some(Patrol {
                window,
                day,
                failed,
                note,
            }),
            _ => None,
        })
    }
}

/// A mystery visit (第三方暗访) as the third party's workbook gives it, one row.
#[derive(Debug, Clone, PartialEq)]
pub struct Visit {
    /// The window, by its code or its name as the workbook writes it.
    pub window: String,
    pub day: NaiveDate,
    /// The items checked.
    pub items: String,
    /// The score out of 100, in tenths (92.5 is 925).
    pub score_tenths: i64,
    pub remarks: String,
}

impl Visit {
    /// One row of the workbook (window, date, items checked, score, remarks), or the
    /// reason it is rejected.
    pub fn parse(
        window: &str,
        date: &str,
        items: &str,
        score: &str,
        remarks: &str,
        today: NaiveDate,
    ) -> Result<Visit, String> {
        let window = window.trim();
        if window.is_empty() {
            return Err("缺少窗口".into());
        }
        let day = day("day", "暗访日期", date, today).map_err(|e| e.message)?;
        let score = score.trim();
        let score_tenths = score
            .parse::<f64>()
            .ok()
            .filter(|s| s.is_finite() && (0.0..=100.0).contains(s))
            .map(|s| (s * 10.0).round() as i64)
            .ok_or_else(|| format!("得分“{score}”应为0至100的数字"))?;
        let items = items.trim();
        if items.chars().count() > 500 || remarks.trim().chars().count() > 1000 {
            return Err("检查项目或备注过长".into());
        }
        Ok(Visit {
            window: window.to_string(),
            day,
            items: items.to_string(),
            score_tenths,
            remarks: remarks.trim().to_string(),
        })
    }
}

/// A quarter of a year (`2026-Q2`), the window assessment's period.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub struct Quarter {
    pub year: i32,
    pub q: u32,
}

impl Quarter {
    pub fn parse(s: &str) -> Result<Quarter, Invalid> {
        let bad = || Invalid::new("quarter", format!("季度“{}”无效，应为如 2026-Q2", s.trim()));
        let (y, q) = s
            .trim()
            .to_uppercase()
            .split_once("-Q")
            .map(|(y, q)| (y.to_string(), q.to_string()))
            .ok_or_else(bad)?;
        let year: i32 = y.parse().map_err(|_| bad())?;
        let q: u32 = q.parse().map_err(|_| bad())?;
        if !(2000..=2100).contains(&year) || !(1..=4).contains(&q) {
            return Err(bad());
        }
        Ok(Quarter { year, q })
    }

    /// The quarter a day falls in.
    pub fn of(day: NaiveDate) -> Quarter {
        use chrono::Datelike;
        Quarter {
            year: day.year(),
            q: (day.month() - 1) / 3 + 1,
        }
    }

    pub fn first_day(self) -> NaiveDate {
        NaiveDate::from_ymd_opt(self.year, (self.q - 1) * 3 + 1, 1).unwrap_or_default()
    }

    pub fn last_day(self) -> NaiveDate {
        let next = if self.q == 4 {
            NaiveDate::from_ymd_opt(self.year + 1, 1, 1)
        } else {
            NaiveDate::from_ymd_opt(self.year, self.q * 3 + 1, 1)
        };
        next.and_then(|d| d.pred_opt()).unwrap_or_default()
    }

    pub fn previous(self) -> Quarter {
        if self.q == 1 {
            Quarter {
                year: self.year - 1,
                q: 4,
            }
        } else {
            Quarter {
                year: self.year,
                q: self.q - 1,
            }
        }
    }

    pub fn label(self) -> String {
        format!(
            "{}年第{}季度",
            self.year,
            ["一", "二", "三", "四"][(self.q - 1) as usize]
        )
    }
}

impl std::fmt::Display for Quarter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}-Q{}", self.year, self.q)
    }
}

/// The parts of the quarterly window assessment (窗口考核), in their order: code,
/// label, and how a part's score out of 100 is had.
pub const ASSESSMENT_PARTS: [(&str, &str, &str); 6] = [
    ("patrols", "月度巡查", "100分，巡查每发现一个问题扣10分"),
    ("visits", "第三方暗访", "本季度暗访得分的平均值"),
    (
        "ratings",
        "好差评",
        "所属部门本季度评价中满意、非常满意的比例×100",
    ),
    (
        "on_time",
        "办件时效",
        "所属部门本季度办结办件中在承诺期限内办结的比例×100",
    ),
    (
        "complaints",
        "投诉",
        "100分，所属部门本季度每件12345投诉工单或企业投诉扣5分",
    ),
    (
        "commendations",
        "表扬",
        "80分，窗口或所属部门本季度每收到一面锦旗加10分，满分100分",
    ),
];

/// The weights of a quarter's assessment parts, in `ASSESSMENT_PARTS` order, adding
/// up to 100.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Weights(pub [u32; 6]);

impl Default for Weights {
    fn default() -> Self {
        Weights([25, 20, 20, 15, 10, 10])
    }
}

impl Weights {
    /// From the six weights as typed (each 0–100, adding up to 100).
    pub fn parse(typed: &[Option<i64>; 6]) -> Result<Weights, Vec<Invalid>> {
        let mut f = Faults::default();
        let mut w = [0u32; 6];
        for (i, v) in typed.iter().enumerate() {
            match v {
                Some(x) if (0..=100).contains(x) => w[i] = *x as u32,
                _ => f.push(Invalid::new(
                    ASSESSMENT_PARTS[i].0,
                    format!("“{}”的权重应为0至100的整数", ASSESSMENT_PARTS[i].1),
                )),
            }
        }
        if f.is_empty() && w.iter().sum::<u32>() != 100 {
            f.push(Invalid::new(
                "weights",
                format!("各项权重之和应为100，现为{}", w.iter().sum::<u32>()),
            ));
        }
        f.finish(Some(Weights(w)))
    }

    /// The weighted score of the parts that have one (the weights of those without
    /// shared among the others); `None` when no part has.
    pub fn score(&self, parts: &[Option<f64>; 6]) -> Option<f64> {
        let (mut sum, mut weight) = (0.0, 0.0);
        for (w, p) in self.0.iter().zip(parts) {
            if let Some(p) = p {
                sum += f64::from(*w) * p;
                weight += f64::from(*w);
            }
        }
        (weight > 0.0).then(|| sum / weight)
    }
}

/// A part's score from its counts (see `ASSESSMENT_PARTS`).
pub mod part {
    /// 巡查: none patrolled, none.
    pub fn patrols(patrols: i64, problems: i64) -> Option<f64> {
        (patrols > 0).then(|| (100.0 - 10.0 * problems as f64).max(0.0))
    }
    /// A share × 100, none when nothing was counted.
    pub fn share(good: i64, all: i64) -> Option<f64> {
        (all > 0).then(|| 100.0 * good as f64 / all as f64)
    }
    pub fn complaints(n: i64) -> Option<f64> {
        Some((100.0 - 5.0 * n as f64).max(0.0))
    }
    pub fn commendations(banners: i64) -> Option<f64> {
        Some((80.0 + 10.0 * banners as f64).min(100.0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 6, 1).unwrap()
    }

    #[test]
    fn a_banner_needs_a_day_a_recipient_a_giver_and_its_words() {
        let ok = BannerInput {
            received_on: "2026-05-20".into(),
            window: "sj-01".into(),
            giver: "昆山某某精密机械有限公司".into(),
            words: "高效便民 服务一流".into(),
            ..Default::default()
        };
        let c = ok.check(today()).unwrap();
        assert_eq!(c.window.as_deref(), Some("SJ-01"));
        let bad = BannerInput {
            received_on: "2026-06-02".into(),
            ..Default::default()
        };
        let fields: Vec<&str> = bad
            .check(today())
            .unwrap_err()
            .iter()
            .map(|f| f.field)
            .collect();
        assert_eq!(fields, ["received_on", "window", "giver", "words"]);
    }

    #[test]
    fn a_patrol_names_what_failed_and_why() {
        let ok = PatrolInput {
            window: "sj-01".into(),
            failed: vec!["manner".into(), "dress".into(), "manner".into()],
            note: "窗口人员未佩戴工作牌，服务用语不规范".into(),
            ..Default::default()
        };
        let p = ok.check(today()).unwrap();
        assert_eq!(p.day, today());
        assert_eq!(p.failed, ["dress", "manner"]);
        let bad = PatrolInput {
            failed: vec!["sleeping".into(), "dress".into()],
            ..Default::default()
        };
        let fields: Vec<&str> = bad
            .check(today())
            .unwrap_err()
            .iter()
            .map(|f| f.field)
            .collect();
        assert_eq!(fields, ["window", "failed", "note"]);
    }

    #[test]
    fn a_visit_row_is_kept_or_rejected_with_its_reason() {
        let v = Visit::parse(
            "SJ01",
            "2026-05-20",
            "服务态度、办理效率",
            "92.5",
            "",
            today(),
        )
        .unwrap();
        assert_eq!(v.score_tenths, 925);
        assert!(
            Visit::parse("", "2026-05-20", "", "90", "", today())
                .unwrap_err()
                .contains("窗口")
        );
        assert!(
            Visit::parse("SJ01", "2026-13-01", "", "90", "", today())
                .unwrap_err()
                .contains("日期")
        );
        assert!(
            Visit::parse("SJ01", "2026-05-20", "", "120", "", today())
                .unwrap_err()
                .contains("得分")
        );
    }

    #[test]
    fn quarters_and_weights() {
        let q = Quarter::parse("2026-q2").unwrap();
        assert_eq!(
            (q.first_day().to_string(), q.last_day().to_string()),
            ("2026-04-01".into(), "2026-06-30".into())
        );
        assert_eq!(
            Quarter::parse("2026-Q4").unwrap().last_day().to_string(),
            "2026-12-31"
        );
        assert_eq!(q.previous().to_string(), "2026-Q1");
        assert!(Quarter::parse("2026-Q5").is_err());
        assert_eq!(
            Quarter::of(NaiveDate::from_ymd_opt(2026, 12, 6).unwrap()).label(),
            "2026年第四季度"
        );
        let bad = Weights::parse(&[Some(50), Some(50), Some(10), Some(0), Some(0), Some(-1)])
            .unwrap_err();
        assert_eq!(bad[0].field, "commendations");
        let bad =
            Weights::parse(&[Some(50), Some(50), Some(10), Some(0), Some(0), Some(0)]).unwrap_err();
        assert_eq!(bad[0].field, "weights");
        let w = Weights::parse(&[Some(50), Some(50), Some(0), Some(0), Some(0), Some(0)]).unwrap();
        // A part without data leaves its weight to the others.
        assert_eq!(
            w.score(&[Some(80.0), None, None, None, None, None]),
            Some(80.0)
        );
        assert_eq!(
            w.score(&[Some(80.0), Some(90.0), None, None, None, None]),
            Some(85.0)
        );
        assert_eq!(part::patrols(2, 3), Some(70.0));
        assert_eq!(part::commendations(5), Some(100.0));
    }

    #[test]
    fn an_innovation_measure_needs_its_department_and_effect() {
        let bad = InnovationInput {
            title: "x".repeat(201),
            introduced_on: "yesterday".into(),
            ..Default::default()
        };
        let fields: Vec<&str> = bad
            .check(today())
            .unwrap_err()
            .iter()
            .map(|f| f.field)
            .collect();
        assert_eq!(fields, ["department", "title", "introduced_on", "effect"]);
        assert_eq!(
            CommendationKind::parse("创新举措"),
            Some(CommendationKind::Innovation)
        );
    }
}
