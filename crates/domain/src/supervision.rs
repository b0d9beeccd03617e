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
