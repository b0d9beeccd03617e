//! The catalog's reform decisions (审批制度改革): a government document (文号) that
//! cancels items, transfers them to trade associations, suspends them, merges them
//! into another, or delegates them to the towns' service points. Each decision takes
//! effect on a day as new published versions of its items; the figures count the
//! items cut (精简: cancelled, merged or transferred) since a baseline.

use crate::{Faults, Invalid, required_text};
use chrono::NaiveDate;
use serde::Deserialize;

coded_enum! {
    /// What a decision does to its items.
    ReformKind {
        Cancel = ("cancel", "取消"),
        Transfer = ("transfer", "转移至行业协会"),
        Suspend = ("suspend", "暂停行使（挂起）"),
        Merge = ("merge", "合并"),
        Delegate = ("delegate", "下放"),
    }
}

impl ReformKind {
    /// The item leaves the catalog (精简): cancelled, transferred or merged away.
    pub fn cuts(self) -> bool {
        matches!(self, Self::Cancel | Self::Transfer | Self::Merge)
    }
}

/// Most items one decision names.
pub const MAX_ITEMS: usize = 500;

/// A decision as typed in (API body or form).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ReformInput {
    #[serde(default)]
    pub kind: String,
    /// 文号, e.g. 昆政发〔2026〕12号.
    #[serde(default)]
    pub document_no: String,
    #[serde(default)]
    pub decided_on: String,
    #[serde(default)]
    pub effective_from: String,
    /// The items' codes.
    #[serde(default)]
    pub items: Vec<String>,
    /// 合并: the item they are merged into.
    #[serde(default)]
    pub merge_into: String,
    /// 下放: the codes of the town service points and sub-stations.
    #[serde(default)]
    pub points: Vec<String>,
    #[serde(default)]
    pub note: String,
}

/// A checked decision.
#[derive(Debug, Clone, PartialEq)]
pub struct Reform {
    pub kind: ReformKind,
    pub document_no: String,
    pub decided_on: NaiveDate,
    pub effective_from: NaiveDate,
    pub items: Vec<String>,
    pub merge_into: Option<String>,
    pub points: Vec<String>,
    pub note: String,
}

fn date(field: &'static str, label: &str, v: &str) -> Result<NaiveDate, Invalid> {
    NaiveDate::parse_from_str(v.trim(), "%Y-%m-%d")
        .map_err(|_| Invalid::new(field, format!("{label}应为 YYYY-MM-DD 日期")))
}

fn codes(v: &[String]) -> Vec<String> {
    let mut out: Vec<String> = vec![];
    for c in v.iter().map(|c| c.trim()).filter(|c| !c.is_empty()) {
        if !out.iter().any(|o| o == c) {
            out.push(c.to_string());
        }
    }
    out
}

impl ReformInput {
    /// Every fault at once, or the checked decision. It takes effect today or later
    /// (the catalog publishes before it applies), and was decided no later than that.
    pub fn check(&self, today: NaiveDate) -> Result<Reform, Vec<Invalid>> {
        let mut f = Faults::default();
        let kind = f.take(ReformKind::parse_code_or_label(&self.kind).ok_or_else(|| {
            Invalid::new("kind", format!("改革决定类型应为{}", ReformKind::choices()))
        }));
        let doc = f.take(
            required_text("document_no", "文号", &self.document_no, 60).and_then(|d| {
                if d.ends_with('号') {
                    Ok(d)
                } else {
                    Err(Invalid::new(
                        "document_no",
                        "文号应以“号”结尾，如“昆政发〔2026〕12号”",
                    ))
                }
            }),
        );
        let decided = f.take(date("decided_on", "决定日期", &self.decided_on));
        let effective = f.take(date("effective_from", "施行日期", &self.effective_from));
        if let Some(d) = decided
            && d > today
        {
            f.push(Invalid::new("decided_on", "决定日期不能晚于今天"));
        }
        if let Some(e) = effective {
            if e < today {
                f.push(Invalid::new(
                    "effective_from",
                    "施行日期不能早于今天（清单须在施行前公布）",
                ));
            }
            if decided.is_some_and(|d| e < d) {
                f.push(Invalid::new("effective_from", "施行日期不能早于决定日期"));
            }
        }
        let items = codes(&self.items);
        if items.is_empty() {
            f.push(Invalid::new("items", "请填写决定涉及的事项编码"));
        } else if items.len() > MAX_ITEMS {
            f.push(Invalid::new(
                "items",
                format!("一项决定涉及的事项不能超过{MAX_ITEMS}个"),
            ));
        }
        let merge_into = Some(self.merge_into.trim())
            .filter(|c| !c.is_empty())
            .map(str::to_string);
        let points = codes(&self.points);
        match kind {
            Some(ReformKind::Merge) => match &merge_into {
                None => f.push(Invalid::new("merge_into", "合并须填写并入的事项编码")),
                Some(t) if items.contains(t) => f.push(Invalid::new(
                    "merge_into",
                    "并入的事项不能同时是被合并的事项",
                )),
                Some(_) => {}
            },
            Some(ReformKind::Delegate) if points.is_empty() => {
                f.push(Invalid::new("points", "下放须选择承接的区镇或分理点"))
            }
            _ => {}
        }
        let note = f.take(match self.note.trim() {
            "" => Ok(String::new()),
            n => required_text("note", "说明", n, 500),
        });
        let reform = (|| {
            let kind = kind?;
            Some(Reform {
                kind,
                document_no: doc?,
                decided_on: decided?,
                effective_from: effective?,
                items: items.clone(),
                merge_into: merge_into.filter(|_| kind == ReformKind::Merge),
                points: if kind == ReformKind::Delegate {
                    points.clone()
                } else {
                    vec![]
                },
                note: note?,
            })
        })();
        f.finish(reform)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 6, 1).unwrap()
    }

    fn input() -> ReformInput {
        ReformInput {
            kind: "cancel".into(),
            document_no: "昆政发〔2026〕12号".into(),
            decided_on: "2026-05-20".into(),
            effective_from: "2026-06-01".into(),
            items: vec!["A".into(), " A ".into(), "B".into()],
            ..ReformInput::default()
        }
    }

    #[test]
    fn a_decision_is_checked_whole() {
        let r = input().check(today()).unwrap();
        assert_eq!(r.items, vec!["A", "B"]);
        assert!(r.kind.cuts());
        assert!(!ReformKind::Suspend.cuts() && !ReformKind::Delegate.cuts());

        let mut bad = input();
        bad.kind = "merge".into();
        bad.document_no = "昆政发2026".into();
        bad.decided_on = "2026-07-01".into();
        bad.effective_from = "2026-05-01".into();
        bad.merge_into = "A".into();
        let e = bad.check(today()).unwrap_err();
        let fields: Vec<&str> = e.iter().map(|f| f.field).collect();
        for f in ["document_no", "decided_on", "effective_from", "merge_into"] {
            assert!(fields.contains(&f), "{f} missing in {fields:?}");
        }
        let mut d = input();
        d.kind = "delegate".into();
        let e = d.check(today()).unwrap_err();
        assert_eq!(e[0].field, "points");
        d.points = vec!["BC".into()];
        assert_eq!(d.check(today()).unwrap().points, vec!["BC"]);
    }
}
