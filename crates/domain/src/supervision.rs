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
