//! Joint completion acceptance (联合验收, 国办发〔2019〕11号): after a project (or a
//! part of it) is built, the owner asks for acceptance; the lead department fixes a
//! day and the departments that inspect (planning, fire, civil air defence, archives,
//! quality, …); each records pass or fail with its findings; failed ones inspect
//! again; when every department has passed, one joint acceptance certificate is
//! issued. What is decided here is only what the inputs and the results say; where
//! the records live is the store's business.

use crate::{Faults, Invalid, required_text};
use chrono::NaiveDate;
use serde::Deserialize;

coded_enum! {
    /// Where an acceptance stands.
    AcceptanceStatus {
        Requested = ("requested", "待排期"),
        Scheduled = ("scheduled", "待现场验收"),
        Reinspection = ("reinspection", "待安排复验"),
        Certified = ("certified", "已通过，已出具验收意见书"),
    }
}

coded_enum! {
    /// A department's result of one visit.
    CheckResult {
        Pass = ("pass", "通过"),
        Fail = ("fail", "不通过"),
    }
}

/// Most departments one acceptance can involve.
pub const MAX_DEPARTMENTS: usize = 20;

/// An owner's request, as typed in.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct RequestInput {
    /// The part accepted (单体、分期), empty for the whole project.
    #[serde(default)]
    pub part: Option<String>,
    /// The floor area accepted, ㎡.
    #[serde(default)]
    pub area_m2: Option<f64>,
}

/// A checked request: the floor area in hundredths of ㎡.
#[derive(Debug, Clone, PartialEq)]
pub struct NewRequest {
    pub part: Option<String>,
    pub area_cm2: i64,
}

impl RequestInput {
    /// Every fault at once; `project_floor_cm2` bounds the area (a part cannot be
    /// larger than the project) when the project has one.
    pub fn check(&self, project_floor_cm2: i64) -> Result<NewRequest, Vec<Invalid>> {
        let mut f = Faults::default();
        let part = match self.part.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(p) => f.take(required_text("part", "验收部位", p, 100)),
        };
        let area = f.take(match self.area_m2 {
            None => Err(Invalid::new("area_m2", "请填写验收建筑面积（平方米）")),
            Some(v) if !v.is_finite() || v <= 0.0 => Err(Invalid::new(
                "area_m2",
                "验收建筑面积应为大于0的数（平方米）",
            )),
            Some(v) if v > 100_000_000.0 => {
                Err(Invalid::new("area_m2", "验收建筑面积超出合理范围"))
            }
            Some(v) if project_floor_cm2 > 0 && (v * 100.0).round() as i64 > project_floor_cm2 => {
                Err(Invalid::new(
                    "area_m2",
                    format!(
                        "验收建筑面积不能大于项目建筑面积（{:.2} ㎡）",
                        project_floor_cm2 as f64 / 100.0
                    ),
                ))
            }
            Some(v) => Ok((v * 100.0).round() as i64),
        });
        f.finish(area.map(|area_cm2| NewRequest { part, area_cm2 }))
    }
}

/// The day and the departments of an inspection, as typed in.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ScheduleInput {
    /// `YYYY-MM-DD`.
    #[serde(default)]
    pub inspect_on: String,
    /// Department codes.
    #[serde(default)]
    pub departments: Vec<String>,
}

/// A checked schedule.
#[derive(Debug, Clone, PartialEq)]
pub struct Schedule {
    pub inspect_on: NaiveDate,
    pub departments: Vec<String>,
}

/// A day typed as `YYYY-MM-DD`, not before `earliest`.
pub fn inspection_day(s: &str, earliest: NaiveDate) -> Result<NaiveDate, Invalid> {
    let d = NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").map_err(|_| {
        Invalid::new(
            "inspect_on",
            format!("现场验收日期“{}”无效，应为 YYYY-MM-DD", s.trim()),
        )
    })?;
    if d < earliest {
        return Err(Invalid::new(
            "inspect_on",
            format!("现场验收日期不能早于{earliest}"),
        ));
    }
    if (d - earliest).num_days() > 366 {
        return Err(Invalid::new("inspect_on", "现场验收日期应在一年之内"));
    }
    Ok(d)
}

impl ScheduleInput {
    /// Every fault at once: the day (not before `earliest`) and one to twenty
    /// departments, each named once.
    pub fn check(&self, earliest: NaiveDate) -> Result<Schedule, Vec<Invalid>> {
        let mut f = Faults::default();
        let day = f.take(inspection_day(&self.inspect_on, earliest));
        let mut departments: Vec<String> = vec![];
        for d in &self.departments {
            let d = d.trim();
            if d.is_empty() {
                continue;
            }
            if departments.iter().any(|x| x == d) {
                f.push(Invalid::new(
                    "departments",
                    format!("参加验收的部门“{d}”重复"),
                ));
            } else {
                departments.push(d.to_string());
            }
        }
        if departments.is_empty() {
            f.push(Invalid::new("departments", "请选择参加验收的部门"));
        } else if departments.len() > MAX_DEPARTMENTS {
            f.push(Invalid::new(
                "departments",
                format!("参加验收的部门不能超过{MAX_DEPARTMENTS}个"),
            ));
        }
        f.finish(day.map(|inspect_on| Schedule {
            inspect_on,
            departments,
        }))
    }
}

/// A department's result as typed in.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ResultInput {
    /// The department's code (its own staff: their department).
    #[serde(default)]
    pub department: Option<String>,
    /// `pass` or `fail`.
    #[serde(default)]
    pub result: String,
    /// What was found; required when it failed.
    #[serde(default)]
    pub findings: Option<String>,
}

/// A checked result.
#[derive(Debug, Clone, PartialEq)]
pub struct Recorded {
    pub result: CheckResult,
    pub findings: Option<String>,
}

impl ResultInput {
    pub fn check(&self) -> Result<Recorded, Vec<Invalid>> {
        let mut f = Faults::default();
        let result = f.take(CheckResult::parse(self.result.trim()).ok_or_else(|| {
            Invalid::new("result", format!("验收结果应为{}", CheckResult::choices()))
        }));
        let findings = match self.findings.as_deref().map(str::trim) {
            None | Some("") => {
                if result == Some(CheckResult::Fail) {
                    f.push(Invalid::new(
                        "findings",
                        "验收不通过的，请写明发现的问题和整改要求",
                    ));
                }
                None
            }
            Some(t) => f.take(required_text("findings", "验收意见", t, 1000)),
        };
        f.finish(result.map(|result| Recorded { result, findings }))
    }
}

/// One department's visit: which, the how-many-th, and its result once recorded.
#[derive(Debug, Clone, PartialEq)]
pub struct Visit {
    pub department: i64,
    pub visit: i64,
    pub result: Option<CheckResult>,
}

/// What the visits add up to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Standing {
    /// Departments whose latest visit awaits its result.
    pub waiting: Vec<i64>,
    /// Departments whose latest visit failed (to inspect again).
    pub failed: Vec<i64>,
    /// Every department's latest visit passed (and there is at least one).
    pub all_passed: bool,
    /// All passed, each on its first visit (一次性现场验收全部通过).
    pub first_pass: bool,
}

/// Where the visits stand: each department by its latest visit.
pub fn standing(visits: &[Visit]) -> Standing {
    let mut latest: Vec<&Visit> = vec![];
    for v in visits {
        match latest.iter_mut().find(|l| l.department == v.department) {
            Some(l) if l.visit < v.visit => *l = v,
            Some(_) => {}
            None => latest.push(v),
        }
    }
    let waiting: Vec<i64> = latest
        .iter()
        .filter(|l| l.result.is_none())
        .map(|l| l.department)
        .collect();
    let failed: Vec<i64> = latest
        .iter()
        .filter(|l| l.result == Some(CheckResult::Fail))
        .map(|l| l.department)
        .collect();
    let all_passed = !latest.is_empty() && waiting.is_empty() && failed.is_empty();
    Standing {
        first_pass: all_passed && latest.iter().all(|l| l.visit == 1),
        waiting,
        failed,
        all_passed,
    }
}

/// The status the visits give an acceptance that has been scheduled.
pub fn status_of(s: &Standing) -> AcceptanceStatus {
    if s.all_passed {
        AcceptanceStatus::Certified
    } else if s.waiting.is_empty() {
        AcceptanceStatus::Reinspection
    } else {
        AcceptanceStatus::Scheduled
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn a_request_needs_a_positive_area_within_the_project() {
        let ok = RequestInput {
            part: Some(" 1号楼 ".into()),
            area_m2: Some(1234.5),
        };
        assert_eq!(
            ok.check(1_000_000).unwrap(),
            NewRequest {
                part: Some("1号楼".into()),
                area_cm2: 123_450
            }
        );
        for (area, floor) in [
            (None, 0),
            (Some(-1.0), 0),
            (Some(0.0), 0),
            (Some(20_000.0), 100),
        ] {
            let e = RequestInput {
                part: None,
                area_m2: area,
            }
            .check(floor)
            .unwrap_err();
            assert_eq!(e[0].field, "area_m2", "{area:?}");
        }
        // A project without a floor area on record bounds nothing.
        assert!(
            RequestInput {
                part: None,
                area_m2: Some(5.0)
            }
            .check(0)
            .is_ok()
        );
    }

    #[test]
    fn a_schedule_names_its_day_and_each_department_once() {
        let s = ScheduleInput {
            inspect_on: "2026-06-10".into(),
            departments: vec!["ZJ".into(), " RF ".into(), "".into()],
        }
        .check(day("2026-06-01"))
        .unwrap();
        assert_eq!(s.departments, ["ZJ", "RF"]);
        let e = ScheduleInput {
            inspect_on: "2026-05-10".into(),
            departments: vec!["ZJ".into(), "ZJ".into()],
        }
        .check(day("2026-06-01"))
        .unwrap_err();
        let fields: Vec<&str> = e.iter().map(|i| i.field).collect();
        assert_eq!(fields, ["inspect_on", "departments"]);
        let e = ScheduleInput {
            inspect_on: "明天".into(),
            departments: vec![],
        }
        .check(day("2026-06-01"))
        .unwrap_err();
        assert_eq!(e.len(), 2);
    }

    #[test]
    fn a_failed_result_needs_its_findings() {
        let e = ResultInput {
            department: None,
            result: "fail".into(),
            findings: Some("  ".into()),
        }
        .check()
        .unwrap_err();
        assert_eq!(e[0].field, "findings");
        assert!(
            ResultInput {
                result: "maybe".into(),
                ..Default::default()
            }
            .check()
            .is_err()
        );
        let ok = ResultInput {
            result: "pass".into(),
            ..Default::default()
        }
        .check()
        .unwrap();
        assert_eq!(ok.result, CheckResult::Pass);
    }

    #[test]
    fn standing_follows_each_departments_latest_visit() {
        let v = |department, visit, result| Visit {
            department,
            visit,
            result,
        };
        let (p, f) = (Some(CheckResult::Pass), Some(CheckResult::Fail));
        let s = standing(&[v(1, 1, p), v(2, 1, None)]);
        assert_eq!((s.waiting.clone(), s.all_passed), (vec![2], false));
        assert_eq!(status_of(&s), AcceptanceStatus::Scheduled);
        let s = standing(&[v(1, 1, p), v(2, 1, f)]);
        assert_eq!(s.failed, vec![2]);
        assert_eq!(status_of(&s), AcceptanceStatus::Reinspection);
        let s = standing(&[v(1, 1, p), v(2, 1, f), v(2, 2, p)]);
        assert!(s.all_passed && !s.first_pass);
        assert_eq!(status_of(&s), AcceptanceStatus::Certified);
        let s = standing(&[v(2, 2, p), v(1, 1, p), v(2, 1, f)]);
        assert!(
            s.all_passed && !s.first_pass,
            "order of rows does not matter"
        );
        let s = standing(&[v(1, 1, p), v(2, 1, p)]);
        assert!(s.first_pass);
        assert!(!standing(&[]).all_passed);
    }
}
