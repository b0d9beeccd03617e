//! Construction projects (工程建设项目) under parallel approval (国办发〔2019〕11号):
//! the project's code as the national investment platform assigned it, what kind of
//! project it is, the four approval stages and the whole process's time limit.

use crate::{CreditCode, Faults, Invalid, required_text};
use serde::{Deserialize, Serialize};

/// A project code as the national investment project online approval platform assigns
/// it (GB/T 40058-2021 shape): `YYYY-DDDDDD-II-TT-NNNNNN` — the year it was filed,
/// the six-digit division, the two-digit industry, the kind of filing (01 审批,
/// 02 核准, 03 备案) and a six-digit serial. Checked for shape, never generated here.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct ProjectCode(String);

impl ProjectCode {
    pub fn parse(s: &str) -> Result<Self, Invalid> {
        let s = s.trim();
        let fault = |why: &str| {
            Invalid::new(
                "code",
                format!(
                    "项目代码“{s}”{why}（应为投资项目在线审批监管平台赋予的代码，如 2026-320583-47-03-000123）"
                ),
            )
        };
        let parts: Vec<&str> = s.split('-').collect();
        let lengths = [4, 6, 2, 2, 6];
        if parts.len() != 5
            || parts
                .iter()
                .zip(lengths)
                .any(|(p, n)| p.len() != n || !p.bytes().all(|b| b.is_ascii_digit()))
        {
            return Err(fault("格式不正确"));
        }
        let year: i32 = parts[0].parse().map_err(|_| fault("年份不正确"))?;
        if !(2000..=2100).contains(&year) {
            return Err(fault("年份不正确"));
        }
        if parts[1].ends_with("0000") || parts[1].starts_with('0') {
            return Err(fault("行政区划代码不正确"));
        }
        if !matches!(parts[3], "01" | "02" | "03") {
            return Err(fault("的项目类型段应为01（审批）、02（核准）或03（备案）"));
        }
        if parts[4] == "000000" {
            return Err(fault("的流水号不能为000000"));
        }
        Ok(Self(s.to_string()))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
    /// The year the project was filed.
    pub fn year(&self) -> i32 {
        self.0[..4].parse().unwrap_or_default()
    }
    /// The division code (六位行政区划代码).
    pub fn division(&self) -> &str {
        &self.0[5..11]
    }
    /// 审批 / 核准 / 备案.
    pub fn filing_label(&self) -> &'static str {
        match &self.0[15..17] {
            "01" => "审批",
            "02" => "核准",
            _ => "备案",
        }
    }
}

impl std::fmt::Display for ProjectCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

coded_enum! {
    /// Who pays: the approval path differs (立项 for government investment, 备案 or
    /// 核准 for enterprises).
    Funding {
        Government = ("government", "政府投资"),
        Social = ("social", "社会投资"),
    }
}

coded_enum! {
    /// The kind of project, which sets the stages' items and the time limits.
    Category {
        General = ("general", "一般项目"),
        SmallLowRisk = ("small_low_risk", "小型低风险项目"),
        WithScheme = ("with_scheme", "带方案出让项目"),
    }
}

impl Category {
    /// The whole process's limit in working days, from the first stage's acceptance
    /// to the completion acceptance: 120 (国办发〔2019〕11号); 15 for a small,
    /// low-risk social investment project, as the province's reform sets it; 90 for a
    /// project sold with its scheme, this platform's default until administrators
    /// keep the stage definitions (issue 15).
    pub fn total_limit_days(self) -> u32 {
        match self {
            Self::General => 120,
            Self::WithScheme => 90,
            Self::SmallLowRisk => 15,
        }
    }
}

coded_enum! {
    /// The four stages of parallel approval, in order.
    Stage {
        LandPlanning = ("land_planning", "立项用地规划许可"),
        ConstructionPermit = ("construction_permit", "工程建设许可"),
        WorksPermit = ("works_permit", "施工许可"),
        Completion = ("completion", "竣工验收"),
    }
}

impl Stage {
    /// 1 to 4.
    pub fn number(self) -> u8 {
        match self {
            Self::LandPlanning => 1,
            Self::ConstructionPermit => 2,
            Self::WorksPermit => 3,
            Self::Completion => 4,
        }
    }
}

/// A project registered at the comprehensive window, as typed in (API or form).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ProjectInput {
    #[serde(default)]
    pub code: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub owner_credit_code: String,
    #[serde(default)]
    pub owner_name: String,
    /// The service point code of the town it is in.
    #[serde(default)]
    pub town: String,
    #[serde(default)]
    pub address: String,
    /// Total investment in fen.
    #[serde(default)]
    pub investment_fen: Option<i64>,
    #[serde(default)]
    pub land_area_m2: Option<f64>,
    #[serde(default)]
    pub floor_area_m2: Option<f64>,
    #[serde(default)]
    pub funding: String,
    #[serde(default)]
    pub category: String,
    /// The lead department's code (牵头部门).
    #[serde(default)]
    pub lead_department: String,
}

/// A checked project: every field valid.
#[derive(Debug, Clone, PartialEq)]
pub struct NewProject {
    pub code: ProjectCode,
    pub name: String,
    pub owner_credit_code: CreditCode,
    pub owner_name: String,
    pub town: String,
    pub address: String,
    pub investment_fen: i64,
    /// Areas in square metres, kept to two decimals as hundredths (㎡ × 100).
    pub land_area_cm2: i64,
    pub floor_area_cm2: i64,
    pub funding: Funding,
    pub category: Category,
    pub lead_department: String,
}

/// An area in ㎡ given as a number: not negative, at most 100 km², kept in hundredths.
fn area(field: &'static str, label: &str, v: Option<f64>) -> Result<i64, Invalid> {
    let v = v.ok_or_else(|| Invalid::new(field, format!("请填写{label}（平方米）")))?;
    if !v.is_finite() || v < 0.0 {
        return Err(Invalid::new(field, format!("{label}不能为负数")));
    }
    if v > 100_000_000.0 {
        return Err(Invalid::new(field, format!("{label}超出合理范围")));
    }
    Ok((v * 100.0).round() as i64)
}

impl ProjectInput {
    /// Every fault at once, or the checked project.
    pub fn check(&self) -> Result<NewProject, Vec<Invalid>> {
        let mut f = Faults::default();
        let code = f.take(ProjectCode::parse(&self.code));
        let name = f.take(required_text("name", "项目名称", &self.name, 100));
        let owner = f.take(
            CreditCode::parse(self.owner_credit_code.trim()).map_err(|e| {
                Invalid::new("owner_credit_code", format!("建设单位统一社会信用代码{e}"))
            }),
        );
        let owner_name = f.take(required_text(
            "owner_name",
            "建设单位名称",
            &self.owner_name,
            100,
        ));
        let town = f.take(required_text("town", "项目所在区镇", &self.town, 20));
        let address = f.take(required_text("address", "项目地址", &self.address, 200));
        let investment = f.take(match self.investment_fen {
            None => Err(Invalid::new("investment_fen", "请填写总投资（分）")),
            Some(v) if v < 0 => Err(Invalid::new("investment_fen", "总投资不能为负数")),
            Some(v) => Ok(v),
        });
        let land = f.take(area("land_area_m2", "用地面积", self.land_area_m2));
        let floor = f.take(area("floor_area_m2", "建筑面积", self.floor_area_m2));
        let funding =
            f.take(Funding::parse(self.funding.trim()).ok_or_else(|| {
                Invalid::new("funding", format!("投资类型应为{}", Funding::choices()))
            }));
        let category = f.take(Category::parse(self.category.trim()).ok_or_else(|| {
            Invalid::new("category", format!("项目类别应为{}", Category::choices()))
        }));
        let lead = f.take(required_text(
            "lead_department",
            "牵头部门",
            &self.lead_department,
            20,
        ));
        if funding == Some(Funding::Government) && category == Some(Category::SmallLowRisk) {
            f.push(Invalid::new(
                "category",
                "小型低风险项目仅适用于社会投资项目",
            ));
        }
        let project = (|| {
            Some(NewProject {
                code: code?,
                name: name?,
                owner_credit_code: owner?,
                owner_name: owner_name?,
                town: town?,
                address: address?,
                investment_fen: investment?,
                land_area_cm2: land?,
                floor_area_cm2: floor?,
                funding: funding?,
                category: category?,
                lead_department: lead?,
            })
        })();
        f.finish(project)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input() -> ProjectInput {
        ProjectInput {
            code: "2026-320583-47-03-000123".into(),
            name: "昆山市某科技产业园一期".into(),
            owner_credit_code: String::new(),
            owner_name: "昆山某科技有限公司".into(),
            town: "YS".into(),
            address: "前进东路1号".into(),
            investment_fen: Some(12_000_000_000),
            land_area_m2: Some(20000.5),
            floor_area_m2: Some(45000.0),
            funding: "social".into(),
            category: "general".into(),
            lead_department: "ZJ".into(),
        }
    }

    #[test]
    fn codes_of_the_national_platform_have_five_parts() {
        let c = ProjectCode::parse(" 2026-320583-47-03-000123 ").unwrap();
        assert_eq!(c.as_str(), "2026-320583-47-03-000123");
        assert_eq!(
            (c.year(), c.division(), c.filing_label()),
            (2026, "320583", "备案")
        );
        for bad in [
            "",
            "2026-320583-47-03-00012",
            "2026-320583-47-04-000123",
            "1899-320583-47-03-000123",
            "2026-320000-47-03-000123",
            "2026-32058X-47-03-000123",
            "2026-320583-47-03-000000",
            "2026/320583/47/03/000123",
        ] {
            let e = ProjectCode::parse(bad).unwrap_err();
            assert_eq!(e.field, "code", "{bad}");
            assert!(e.message.contains("项目代码"), "{bad}: {}", e.message);
        }
    }

    #[test]
    fn every_fault_of_a_project_is_named_at_once() {
        let mut good = input();
        good.owner_credit_code = CreditCode::generate('9', '1', "320583", "MA1MXXXX")
            .unwrap()
            .as_str()
            .to_string();
        let p = good.check().unwrap();
        assert_eq!(p.land_area_cm2, 2_000_050);
        assert_eq!(p.category.total_limit_days(), 120);

        let mut bad = good.clone();
        bad.code = "2026-1".into();
        bad.owner_credit_code = "91320583MA1MXXXX0Y".into();
        bad.floor_area_m2 = Some(-1.0);
        bad.investment_fen = Some(-5);
        bad.funding = "government".into();
        bad.category = "small_low_risk".into();
        let faults = bad.check().unwrap_err();
        let fields: Vec<&str> = faults.iter().map(|f| f.field).collect();
        for f in [
            "code",
            "owner_credit_code",
            "floor_area_m2",
            "investment_fen",
            "category",
        ] {
            assert!(fields.contains(&f), "{f} missing in {fields:?}");
        }
    }
}
