//! The enterprise complaint center (企业投诉处理中心): the key projects hooked to the
//! center (挂钩项目), tracked weekly by their responsible staff, summarised monthly
//! and analysed quarterly.

use crate::codes::{CreditCode, Phone};
use crate::project::ProjectCode;
use crate::{Faults, Invalid, required_text};
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

coded_enum! {
    /// How a complaint reached the center.
    ComplaintChannel {
        /// 网上投诉: the enterprise signed in and wrote it.
        Web = ("web", "网上投诉"),
        /// 电话投诉: an agent took the call.
        Phone = ("phone", "电话投诉"),
        /// 来访投诉: an agent took it at the center.
        Visit = ("visit", "来访投诉"),
    }
}

/// Working days a department has to answer a complaint when the center names none.
pub const COMPLAINT_DAYS: u32 = 5;
/// The most working days a complaint may be given.
pub const COMPLAINT_MAX_DAYS: u32 = 30;

/// A complaint as typed: by the enterprise on the web (its code, name, contact and
/// phone then come from its sign-in), or by an agent taking a call or a visit.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ComplaintInput {
    /// `web`, `phone` or `visit`.
    #[serde(default)]
    pub channel: String,
    #[serde(default)]
    pub credit_code: String,
    #[serde(default)]
    pub enterprise_name: String,
    #[serde(default)]
    pub contact_name: String,
    #[serde(default)]
    pub phone: String,
    #[serde(default)]
    pub subject: String,
    #[serde(default)]
    pub content: String,
    /// A construction project's code (`YYYY-320583-XX-XX-NNNNNN`) the complaint is
    /// about, if any.
    #[serde(default)]
    pub project: String,
}

/// A checked complaint.
#[derive(Debug, Clone, PartialEq)]
pub struct Complaint {
    pub channel: ComplaintChannel,
    pub credit_code: CreditCode,
    pub enterprise_name: String,
    pub contact_name: String,
    pub phone: Phone,
    pub subject: String,
    pub content: String,
    pub project: Option<ProjectCode>,
}

impl ComplaintInput {
    /// Every fault at once.
    pub fn check(&self) -> Result<Complaint, Vec<Invalid>> {
        let mut f = Faults::default();
        let channel = f.take(
            ComplaintChannel::parse_code_or_label(self.channel.trim()).ok_or_else(|| {
                Invalid::new(
                    "channel",
                    format!(
                        "投诉渠道“{}”无效，应为{}",
                        self.channel.trim(),
                        ComplaintChannel::choices()
                    ),
                )
            }),
        );
        let credit_code = f.take(
            CreditCode::parse(&self.credit_code)
                .map_err(|e| Invalid::new("credit_code", format!("统一社会信用代码：{e}"))),
        );
        let enterprise_name = f.take(required_text(
            "enterprise_name",
            "企业名称",
            &self.enterprise_name,
            100,
        ));
        let contact_name = f.take(required_text(
            "contact_name",
            "联系人",
            &self.contact_name,
            50,
        ));
        let phone = f.take(
            Phone::parse(&self.phone).map_err(|e| Invalid::new("phone", format!("联系电话：{e}"))),
        );
        let subject = f.take(required_text("subject", "投诉事项", &self.subject, 100));
        let content = f.take(required_text("content", "投诉内容", &self.content, 2000));
        let project = if self.project.trim().is_empty() {
            Some(None)
        } else {
            f.take(
                ProjectCode::parse(&self.project)
                    .map(Some)
                    .map_err(|mut e| {
                        e.field = "project";
                        e
                    }),
            )
        };
        f.finish(
            match (
                channel,
                credit_code,
                enterprise_name,
                contact_name,
                phone,
                subject,
                content,
                project,
            ) {
                (Some(a), Some(b), Some(c), Some(d), Some(e), Some(g), Some(h), Some(i)) => {
                    Some(Complaint {
                        channel: a,
                        credit_code: b,
                        enterprise_name: c,
                        contact_name: d,
                        phone: e,
                        subject: g,
                        content: h,
                        project: i,
                    })
                }
                _ => None,
            },
        )
    }
}

/// The working days a complaint is given: the default when none is named.
pub fn complaint_days(typed: &str) -> Result<u32, Invalid> {
    let t = typed.trim();
    if t.is_empty() {
        return Ok(COMPLAINT_DAYS);
    }
    match t.parse::<u32>() {
        Ok(n) if (1..=COMPLAINT_MAX_DAYS).contains(&n) => Ok(n),
        _ => Err(Invalid::new(
            "limit_days",
            format!("办理时限“{t}”无效，应为1至{COMPLAINT_MAX_DAYS}个工作日"),
        )),
    }
}

/// An enterprise's rating of the answer to its complaint: 1 (非常不满意) to 5
/// (非常满意), with what it says.
pub fn complaint_rating(score: &str, note: &str) -> Result<(u8, String), Vec<Invalid>> {
    let mut f = Faults::default();
    let s = score.trim();
    let level = f.take(match s.parse::<u8>() {
        Ok(n) if (1..=5).contains(&n) => Ok(n),
        _ if s.is_empty() => Err(Invalid::new("rating", "请选择满意程度")),
        _ => Err(Invalid::new(
            "rating",
            format!("满意程度“{s}”无效，应为1至5"),
        )),
    });
    let note = note.trim().to_string();
    if note.chars().count() > 500 {
        f.push(Invalid::new("note", "评价意见不能超过500个字"));
    }
    f.finish(level.map(|l| (l, note)))
}

/// What a rating level says.
pub fn rating_label(level: i64) -> &'static str {
    match level {
        5 => "非常满意",
        4 => "满意",
        3 => "基本满意",
        2 => "不满意",
        1 => "非常不满意",
        _ => "",
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

    #[test]
    fn a_complaint_names_every_fault_at_once() {
        let bad = ComplaintInput {
            channel: "fax".into(),
            credit_code: "91320583MA1234567X".into(),
            phone: "12".into(),
            project: "x".into(),
            ..Default::default()
        }
        .check()
        .unwrap_err();
        let fields: Vec<&str> = bad.iter().map(|f| f.field).collect();
        assert_eq!(
            fields,
            [
                "channel",
                "credit_code",
                "enterprise_name",
                "contact_name",
                "phone",
                "subject",
                "content",
                "project"
            ]
        );
        assert_eq!(complaint_days("").unwrap(), COMPLAINT_DAYS);
        assert_eq!(complaint_days("31").unwrap_err().field, "limit_days");
        assert_eq!(complaint_rating("6", "").unwrap_err()[0].field, "rating");
        assert_eq!(complaint_rating("4", " 好 ").unwrap(), (4, "好".into()));
    }
}
