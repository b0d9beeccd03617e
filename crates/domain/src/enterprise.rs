//! The enterprise complaint center (企业投诉处理中心): the key projects hooked to the
//! center (挂钩项目), tracked weekly by their responsible staff, summarised monthly
//! and analysed quarterly.

use crate::{Faults, Invalid};
use chrono::{Datelike, NaiveDate};
use serde::Deserialize;

/// The Monday of the week a day falls in: a week's progress is kept under it.
pub fn week_of(day: NaiveDate) -> NaiveDate {
    day - chrono::Days::new(u64::from(day.weekday().num_days_from_monday()))
}

/// A week's progress of a hooked project as its responsible staff enter it.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ProgressInput {
    /// Any day of the week (`YYYY-MM-DD`); this week when left out.
    #[serde(default)]
    pub week: String,
    /// What was done: 施工许可已核发，主体结构施工中…
    #[serde(default)]
    pub progress: String,
    /// Problems met in approval, if any.
    #[serde(default)]
    pub problems: String,
}

/// A checked week's progress.
#[derive(Debug, Clone, PartialEq)]
pub struct Progress {
    pub week_of: NaiveDate,
    pub progress: String,
    pub problems: String,
}

impl ProgressInput {
    /// Every fault at once: a week not to come, the progress, problems within bounds.
    pub fn check(&self, today: NaiveDate) -> Result<Progress, Vec<Invalid>> {
        let mut f = Faults::default();
        let week = self.week.trim();
        let day = if week.is_empty() {
            Some(today)
        } else {
            f.take(
                NaiveDate::parse_from_str(week, "%Y-%m-%d")
                    .map_err(|_| {
                        Invalid::new(
                            "week",
                            format!("周“{week}”无效，应为该周任一日期 YYYY-MM-DD"),
                        )
                    })
                    .and_then(|d| {
                        if week_of(d) > week_of(today) {
                            Err(Invalid::new("week", "不能填写以后各周的进展"))
                        } else {
                            Ok(d)
                        }
                    }),
            )
        };
        let progress = self.progress.trim().to_string();
        if progress.is_empty() {
            f.push(Invalid::new("progress", "请填写本周项目进展"));
        } else if progress.chars().count() > 1000 {
            f.push(Invalid::new("progress", "项目进展不能超过1000个字"));
        }
        let problems = self.problems.trim().to_string();
        if problems.chars().count() > 1000 {
            f.push(Invalid::new("problems", "遇到的问题不能超过1000个字"));
        }
        f.finish(day.map(|d| Progress {
            week_of: week_of(d),
            progress,
            problems,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn a_week_is_kept_under_its_monday() {
        assert_eq!(week_of(d("2026-12-06")), d("2026-11-30"));
        assert_eq!(week_of(d("2026-11-30")), d("2026-11-30"));
        let p = ProgressInput {
            week: "2026-12-02".into(),
            progress: "施工许可已核发".into(),
            ..Default::default()
        }
        .check(d("2026-12-06"))
        .unwrap();
        assert_eq!(p.week_of, d("2026-11-30"));
        let bad = ProgressInput {
            week: "2026-12-07".into(),
            ..Default::default()
        }
        .check(d("2026-12-06"))
        .unwrap_err();
        let fields: Vec<&str> = bad.iter().map(|f| f.field).collect();
        assert_eq!(fields, ["week", "progress"]);
    }
}
