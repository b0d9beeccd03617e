//! The stages of parallel approval (并联审批, 国办发〔2019〕11号): what each stage
//! needs for a kind of project (its catalog items and time limit, kept by
//! administrators in versions like the catalog), and a stage application as the
//! comprehensive window takes it: one form, one set of materials, the owner's
//! contact. Each item becomes an ordinary case; the stage is what its cases add up to.

use crate::case::{Applicant, ApplicantInput};
use crate::project::{Category, Funding, Stage};
use crate::{Faults, Invalid};
use chrono::NaiveDate;
use serde::Deserialize;

impl Stage {
    /// The stage before, which must be through first.
    pub fn previous(self) -> Option<Stage> {
        match self {
            Self::LandPlanning => None,
            Self::ConstructionPermit => Some(Self::LandPlanning),
            Self::WorksPermit => Some(Self::ConstructionPermit),
            Self::Completion => Some(Self::WorksPermit),
        }
    }
}

/// Most items one stage may hold.
pub const MAX_ITEMS: usize = 30;

/// A stage definition as an administrator types it.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct StageRuleInput {
    #[serde(default)]
    pub funding: String,
    #[serde(default)]
    pub category: String,
    #[serde(default)]
    pub stage: String,
    /// The stage's limit in working days.
    #[serde(default)]
    pub limit_days: Option<i64>,
    /// Catalog item codes.
    #[serde(default)]
    pub items: Vec<String>,
    /// `YYYY-MM-DD`, today or later (published before it takes effect).
    #[serde(default)]
    pub effective_from: String,
}

/// A checked stage definition.
#[derive(Debug, Clone, PartialEq)]
pub struct StageRule {
    pub funding: Funding,
    pub category: Category,
    pub stage: Stage,
    pub limit_days: u32,
    pub items: Vec<String>,
    pub effective_from: NaiveDate,
}

impl StageRuleInput {
    /// Every fault at once: the kind of project, the stage, a limit within the whole
    /// process's, one to thirty items named once, a day not in the past.
    pub fn check(&self, today: NaiveDate) -> Result<StageRule, Vec<Invalid>> {
        let mut f = Faults::default();
        let funding =
            f.take(Funding::parse(self.funding.trim()).ok_or_else(|| {
                Invalid::new("funding", format!("投资类型应为{}", Funding::choices()))
            }));
        let category = f.take(Category::parse(self.category.trim()).ok_or_else(|| {
            Invalid::new("category", format!("项目类别应为{}", Category::choices()))
        }));
        let stage = f.take(
            Stage::parse(self.stage.trim())
                .ok_or_else(|| Invalid::new("stage", format!("审批阶段应为{}", Stage::choices()))),
        );
        let total = category.map(Category::total_limit_days).unwrap_or(120);
        let limit = f.take(match self.limit_days {
            None => Err(Invalid::new("limit_days", "请填写阶段办理时限（工作日）")),
            Some(d) if d < 1 || d > i64::from(total) => Err(Invalid::new(
                "limit_days",
                format!("阶段办理时限应为1至{total}个工作日（不超过全流程时限）"),
            )),
            Some(d) => Ok(d as u32),
        });
        let items = crate::item_codes(&self.items, &mut f);
        if items.is_empty() {
            f.push(Invalid::new("items", "请列出本阶段并联办理的事项"));
        } else if items.len() > MAX_ITEMS {
            f.push(Invalid::new(
                "items",
                format!("一个阶段的事项不能超过{MAX_ITEMS}个"),
            ));
        }
        let effective = f.take(crate::effective_day(
            &self.effective_from,
            today,
            "阶段定义",
        ));
        let rule = (|| {
            Some(StageRule {
                funding: funding?,
                category: category?,
                stage: stage?,
                limit_days: limit?,
                items: items.clone(),
                effective_from: effective?,
            })
        })();
        f.finish(rule)
    }
}

/// A stage application as the window types it.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct StageApplicationInput {
    #[serde(default)]
    pub stage: String,
    /// The owner's contact at the window, and a phone for the notices.
    #[serde(default)]
    pub contact: String,
    #[serde(default)]
    pub phone: String,
    /// Names of the materials handed in, each once for every item that needs it;
    /// absent: the clerk vouches for every required one.
    #[serde(default)]
    pub materials: Option<Vec<String>>,
    /// Intermediary services whose reports came with the application (中介服务).
    #[serde(default)]
    pub intermediaries: Option<Vec<String>>,
    #[serde(default)]
    pub note: Option<String>,
}

/// A checked stage application: the stage and the owner as an organisation applicant.
#[derive(Debug, Clone)]
pub struct StageApplication {
    pub stage: Stage,
    pub applicant: Applicant,
    pub materials: Option<Vec<String>>,
    pub intermediaries: Vec<String>,
    pub note: Option<String>,
}

impl StageApplicationInput {
    /// Every fault at once; the owner's name and credit code come from the project.
    pub fn check(
        &self,
        owner_name: &str,
        owner_credit_code: &str,
        today: NaiveDate,
    ) -> Result<StageApplication, Vec<Invalid>> {
        let mut f = Faults::default();
        let stage = f.take(
            Stage::parse(self.stage.trim())
                .ok_or_else(|| Invalid::new("stage", format!("审批阶段应为{}", Stage::choices()))),
        );
        if self.contact.trim().is_empty() {
            f.push(Invalid::new("contact", "请填写建设单位联系人"));
        }
        let applicant = match Applicant::parse_all(
            &ApplicantInput {
                kind: Some("organisation".into()),
                name: Some(owner_name.to_string()),
                credit_code: Some(owner_credit_code.to_string()),
                contact: Some(self.contact.clone()),
                phone: Some(self.phone.clone()),
                ..Default::default()
            },
            today,
        ) {
            Ok(a) => Some(a),
            Err(faults) => {
                for i in faults {
                    let field = match i.field {
                        "applicant.phone" => "phone",
                        "applicant.contact" => "contact",
                        other => other,
                    };
                    if field != "contact" || !self.contact.trim().is_empty() {
                        f.push(Invalid::new(field, i.message));
                    }
                }
                None
            }
        };
        let mut intermediaries = vec![];
        for i in self.intermediaries.iter().flatten() {
            let i = i.trim();
            if i.is_empty() || intermediaries.iter().any(|x: &String| x == i) {
                continue;
            }
            if i.chars().count() > 50 {
                f.push(Invalid::new("intermediaries", "中介服务名称不能超过50个字"));
            }
            intermediaries.push(i.to_string());
        }
        if intermediaries.len() > 30 {
            f.push(Invalid::new("intermediaries", "中介服务不能超过30项"));
        }
        let note = match self.note.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(n) => f.take(crate::required_text("note", "备注", n, 500)),
        };
        let app = (|| {
            Some(StageApplication {
                stage: stage?,
                applicant: applicant?,
                materials: self.materials.clone(),
                intermediaries: intermediaries.clone(),
                note: note.clone(),
            })
        })();
        f.finish(app)
    }
}

/// Where a stage stands, from its cases.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum StageState {
    /// Some case is still being handled.
    InProgress,
    /// Every case closed with approval.
    Passed,
    /// Every case ended, some without approval.
    EndedUnapproved,
}

impl StageState {
    pub fn label(self) -> &'static str {
        match self {
            Self::InProgress => "办理中",
            Self::Passed => "已完成",
            Self::EndedUnapproved => "已办结（部分事项未获许可）",
        }
    }

    /// From each case: `(ended, approved)`.
    pub fn of(cases: &[(bool, bool)]) -> StageState {
        if cases.iter().any(|(ended, _)| !ended) {
            Self::InProgress
        } else if cases.iter().all(|(_, approved)| *approved) {
            Self::Passed
        } else {
            Self::EndedUnapproved
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn a_stage_rule_is_checked_field_by_field() {
        let ok = StageRuleInput {
            funding: "social".into(),
            category: "small_low_risk".into(),
            stage: "construction_permit".into(),
            limit_days: Some(5),
            items: vec!["A".into(), " B ".into(), "".into()],
            effective_from: "2026-07-01".into(),
        }
        .check(day("2026-06-01"))
        .unwrap();
        assert_eq!(ok.items, ["A", "B"]);
        assert_eq!(ok.limit_days, 5);
        let bad = StageRuleInput {
            funding: "x".into(),
            category: "small_low_risk".into(),
            stage: "fifth".into(),
            limit_days: Some(16),
            items: vec!["A".into(), "A".into()],
            effective_from: "2026-05-01".into(),
        }
        .check(day("2026-06-01"))
        .unwrap_err();
        let fields: Vec<&str> = bad.iter().map(|i| i.field).collect();
        assert_eq!(
            fields,
            ["funding", "stage", "limit_days", "items", "effective_from"]
        );
    }

    #[test]
    fn stages_follow_one_another() {
        assert_eq!(Stage::LandPlanning.previous(), None);
        assert_eq!(Stage::Completion.previous(), Some(Stage::WorksPermit));
    }

    #[test]
    fn a_stage_application_names_the_owners_contact() {
        let owner = crate::CreditCode::generate('9', '1', "320583", "MA1M2345").unwrap();
        let input = StageApplicationInput {
            stage: "land_planning".into(),
            contact: "王工".into(),
            phone: "13812345678".into(),
            intermediaries: Some(vec!["环境影响评价".into(), "环境影响评价".into()]),
            ..Default::default()
        };
        let a = input
            .check("昆山某公司", owner.as_str(), day("2026-06-01"))
            .unwrap();
        assert_eq!(a.intermediaries, ["环境影响评价"]);
        let bad = StageApplicationInput {
            stage: "".into(),
            contact: "".into(),
            phone: "12".into(),
            ..Default::default()
        }
        .check("昆山某公司", owner.as_str(), day("2026-06-01"))
        .unwrap_err();
        let fields: Vec<&str> = bad.iter().map(|i| i.field).collect();
        assert_eq!(fields, ["stage", "contact", "phone"]);
    }

    #[test]
    fn a_stage_is_what_its_cases_add_up_to() {
        assert_eq!(
            StageState::of(&[(true, true), (false, false)]),
            StageState::InProgress
        );
        assert_eq!(
            StageState::of(&[(true, true), (true, true)]),
            StageState::Passed
        );
        assert_eq!(
            StageState::of(&[(true, true), (true, false)]),
            StageState::EndedUnapproved
        );
    }
}
