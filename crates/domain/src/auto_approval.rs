//! Automatic approval (秒批): an item's application form (its fields), and the rules
//! administrators write as data over the form, the applicant and the materials. When
//! every rule holds, the case is approved and closed at once by the system; when one
//! fails, a person decides, told which rule failed. A share of automatic approvals
//! is checked afterwards by a person (事后核查).

use crate::Invalid;
use crate::codes::{CreditCode, IdNumber};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashSet};

coded_enum! {
    /// What a form field holds.
    FieldKind {
        Text = ("text", "文本"),
        Number = ("number", "数字"),
        Date = ("date", "日期"),
        IdNumber = ("id_number", "身份证号码"),
        CreditCode = ("credit_code", "统一社会信用代码"),
    }
}

/// A field of an item's application form.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FormField {
    /// The key (letters, digits, `_`), as the API sends it.
    pub name: String,
    pub label: String,
    pub kind: FieldKind,
    #[serde(default)]
    pub required: bool,
}

impl FormField {
    /// One line of the item form: `name|label|kind|required(是/否)`.
    pub fn line(&self) -> String {
        format!(
            "{}|{}|{}|{}",
            self.name,
            self.label,
            self.kind.label(),
            if self.required { "是" } else { "否" }
        )
    }

    /// A line typed into the item form.
    pub fn parse_line(line: &str, n: usize) -> Result<Self, Invalid> {
        let parts: Vec<&str> = line.split(['|', '｜']).map(str::trim).collect();
        let bad = |why: &str| Invalid::new("fields", format!("申请表字段第{n}行{why}"));
        if parts.len() < 3 {
            return Err(bad("应为“字段名|标签|类型|是否必填”"));
        }
        let kind = FieldKind::parse_code_or_label(parts[2])
            .ok_or_else(|| bad(&format!("的类型应为{}", FieldKind::choices())))?;
        let f = FormField {
            name: parts[0].to_string(),
            label: parts[1].to_string(),
            kind,
            required: matches!(parts.get(3).copied(), Some("是") | Some("1") | None),
        };
        f.check(n)?;
        Ok(f)
    }

    fn check(&self, n: usize) -> Result<(), Invalid> {
        let ok = !self.name.is_empty()
            && self.name.len() <= 40
            && self
                .name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_')
            && !self.name.starts_with("applicant");
        if !ok {
            return Err(Invalid::new(
                "fields",
                format!(
                    "申请表字段第{n}行的字段名应为字母、数字或下划线（不超过40个，不以 applicant 开头）"
                ),
            ));
        }
        if self.label.trim().is_empty() || self.label.chars().count() > 50 {
            return Err(Invalid::new(
                "fields",
                format!("申请表字段第{n}行的标签应为1至50个字"),
            ));
        }
        Ok(())
    }
}

/// Checks an application's answers against the form: required fields given, each of
/// its kind, no unknown fields; the answers trimmed.
pub fn check_form(
    fields: &[FormField],
    form: &BTreeMap<String, String>,
    today: NaiveDate,
) -> Result<BTreeMap<String, String>, Vec<Invalid>> {
    let mut faults = vec![];
    let mut out = BTreeMap::new();
    for key in form.keys() {
        if !fields.iter().any(|f| &f.name == key) {
            faults.push(Invalid::new(
                "form",
                format!(
                    "申请表没有字段“{}”",
                    key.chars().take(40).collect::<String>()
                ),
            ));
        }
    }
    for f in fields {
        let v = form.get(&f.name).map(|s| s.trim()).unwrap_or("");
        if v.is_empty() {
            if f.required {
                faults.push(Invalid::new("form", format!("请填写{}", f.label)));
            }
            continue;
        }
        if v.chars().count() > 500 {
            faults.push(Invalid::new("form", format!("{}不能超过500个字", f.label)));
            continue;
        }
        let fault = match f.kind {
            FieldKind::Text => None,
            FieldKind::Number => v
                .parse::<f64>()
                .ok()
                .filter(|n| n.is_finite())
                .is_none()
                .then(|| format!("{}应为数字", f.label)),
            FieldKind::Date => NaiveDate::parse_from_str(v, "%Y-%m-%d")
                .is_err()
                .then(|| format!("{}应为 YYYY-MM-DD 日期", f.label)),
            FieldKind::IdNumber => IdNumber::parse_at(v, today)
                .err()
                .map(|e| format!("{}{e}", f.label)),
            FieldKind::CreditCode => CreditCode::parse(v)
                .err()
                .map(|e| format!("{}{e}", f.label)),
        };
        match fault {
            Some(m) => faults.push(Invalid::new("form", m)),
            None => {
                out.insert(f.name.clone(), v.to_string());
            }
        }
    }
    if faults.is_empty() {
        Ok(out)
    } else {
        Err(faults)
    }
}

coded_enum! {
    /// A comparison.
    Op {
        Eq = ("eq", "等于"),
        Ne = ("ne", "不等于"),
        Lt = ("lt", "小于"),
        Le = ("le", "不大于"),
        Gt = ("gt", "大于"),
        Ge = ("ge", "不小于"),
    }
}

/// What a rule checks. `field` names a form field, or `applicant.id_number`,
/// `applicant.credit_code`, `applicant.name`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "check", rename_all = "snake_case")]
pub enum Check {
    /// The field compared with a constant: numbers as numbers, dates as dates
    /// (`today`, `today-30` or `today+7` are relative to the day of application),
    /// otherwise as text (equal or not only).
    Compare {
        field: String,
        op: Op,
        value: String,
    },
    /// A valid resident ID number (GB 11643).
    ValidIdNumber { field: String },
    /// A valid unified social credit code (GB 32100).
    ValidCreditCode { field: String },
    /// The age from an ID number, in whole years, within `[min, max]`.
    AgeBetween { field: String, min: u32, max: u32 },
    /// The material was handed in.
    Material { material: String },
    /// The credit code names a market entity registered here and active.
    ActiveEntity { field: String },
}

/// A named rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rule {
    pub name: String,
    #[serde(flatten)]
    pub check: Check,
}

/// An item's automatic approval: every rule must hold; `after_check_percent` of the
/// cases approved this way are checked afterwards by a person.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuleSet {
    pub rules: Vec<Rule>,
    #[serde(default)]
    pub after_check_percent: u8,
}

/// Most rules a set holds.
pub const MAX_RULES: usize = 30;

/// What a rule saw: the form's answers, the applicant's identity, the materials, and
/// which credit codes are active entities.
pub struct Facts<'a> {
    pub form: &'a BTreeMap<String, String>,
    pub applicant_name: &'a str,
    pub applicant_id: Option<&'a str>,
    pub applicant_credit_code: Option<&'a str>,
    pub materials: &'a [String],
    pub active_entities: &'a HashSet<String>,
    pub today: NaiveDate,
}

impl Facts<'_> {
    fn value(&self, field: &str) -> Option<String> {
        match field {
            "applicant.id_number" => self.applicant_id.map(str::to_string),
            "applicant.credit_code" => self.applicant_credit_code.map(str::to_string),
            "applicant.name" => Some(self.applicant_name.to_string()),
            f => self.form.get(f).cloned(),
        }
        .filter(|v| !v.trim().is_empty())
    }
}

/// One rule's result, as the audit chain and the clerk read it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RuleResult {
    pub name: String,
    pub passed: bool,
    pub detail: String,
}

fn relative_date(v: &str, today: NaiveDate) -> Option<NaiveDate> {
    let v = v.trim();
    if let Some(rest) = v.strip_prefix("today") {
        if rest.is_empty() {
            return Some(today);
        }
        let n: i64 = rest.trim_start_matches('+').parse().ok()?;
        return today.checked_add_signed(chrono::Duration::days(n));
    }
    NaiveDate::parse_from_str(v, "%Y-%m-%d").ok()
}

fn compare<T: PartialOrd>(a: T, op: Op, b: T) -> bool {
    match op {
        Op::Eq => a == b,
        Op::Ne => a != b,
        Op::Lt => a < b,
        Op::Le => a <= b,
        Op::Gt => a > b,
        Op::Ge => a >= b,
    }
}

impl RuleSet {
    /// The rules make sense for the form: named, each field one the form has (or
    /// the applicant's), ranges ordered, a share of 0–100.
    pub fn validate(&self, fields: &[FormField]) -> Result<(), Invalid> {
        let bad = |m: String| Err(Invalid::new("auto_approval", m));
        if self.rules.is_empty() {
            return bad("秒批规则不能为空（不适用秒批的事项不设规则）".into());
        }
        if self.rules.len() > MAX_RULES {
            return bad(format!("秒批规则不能超过{MAX_RULES}条"));
        }
        if self.after_check_percent > 100 {
            return bad("事后核查比例应为0至100".into());
        }
        for (i, r) in self.rules.iter().enumerate() {
            let n = i + 1;
            if r.name.trim().is_empty() || r.name.chars().count() > 60 {
                return bad(format!("第{n}条规则须有1至60个字的名称"));
            }
            let field = match &r.check {
                Check::Compare { field, op, value } => {
                    let numeric = value.trim().parse::<f64>().is_ok();
                    let date = relative_date(
                        value,
                        NaiveDate::from_ymd_opt(2000, 1, 1).unwrap_or_default(),
                    )
                    .is_some();
                    if !numeric && !date && !matches!(op, Op::Eq | Op::Ne) {
                        return bad(format!("第{n}条规则：文本只能比较等于或不等于"));
                    }
                    Some(field)
                }
                Check::ValidIdNumber { field }
                | Check::ValidCreditCode { field }
                | Check::ActiveEntity { field } => Some(field),
                Check::AgeBetween { field, min, max } => {
                    if min > max || *max > 150 {
                        return bad(format!("第{n}条规则：年龄范围不正确"));
                    }
                    Some(field)
                }
                Check::Material { material } if material.trim().is_empty() => {
                    return bad(format!("第{n}条规则须写明材料名称"));
                }
                Check::Material { .. } => None,
            };
            if let Some(f) = field
                && !matches!(
                    f.as_str(),
                    "applicant.id_number" | "applicant.credit_code" | "applicant.name"
                )
                && !fields.iter().any(|x| &x.name == f)
            {
                return bad(format!("第{n}条规则引用的字段“{f}”不在申请表中"));
            }
        }
        Ok(())
    }

    /// The credit codes whose entities an evaluation must know about.
    pub fn entity_codes(
        &self,
        facts_form: &BTreeMap<String, String>,
        applicant_credit_code: Option<&str>,
    ) -> Vec<String> {
        self.rules
            .iter()
            .filter_map(|r| match &r.check {
                Check::ActiveEntity { field } => match field.as_str() {
                    "applicant.credit_code" => applicant_credit_code.map(str::to_string),
                    f => facts_form.get(f).cloned(),
                },
                _ => None,
            })
            .collect()
    }

    /// Every rule's result, in order.
    pub fn evaluate(&self, facts: &Facts<'_>) -> Vec<RuleResult> {
        self.rules
            .iter()
            .map(|r| {
                let (passed, detail) = self.one(&r.check, facts);
                RuleResult {
                    name: r.name.clone(),
                    passed,
                    detail,
                }
            })
            .collect()
    }

    fn one(&self, check: &Check, facts: &Facts<'_>) -> (bool, String) {
        let missing = |f: &str| (false, format!("未填写{f}"));
        match check {
            Check::Compare { field, op, value } => {
                let Some(v) = facts.value(field) else {
                    return missing(field);
                };
                let passed = match (v.trim().parse::<f64>(), value.trim().parse::<f64>()) {
                    (Ok(a), Ok(b)) => compare(a, *op, b),
                    _ => match (
                        NaiveDate::parse_from_str(v.trim(), "%Y-%m-%d").ok(),
                        relative_date(value, facts.today),
                    ) {
                        (Some(a), Some(b)) => compare(a, *op, b),
                        _ => compare(v.trim(), *op, value.trim()) && matches!(op, Op::Eq | Op::Ne),
                    },
                };
                let shown = match value.trim().starts_with("today") {
                    true => relative_date(value, facts.today)
                        .map(|d| d.to_string())
                        .unwrap_or_else(|| value.clone()),
                    false => value.clone(),
                };
                (passed, format!("{v} {} {shown}", op.label()))
            }
            Check::ValidIdNumber { field } => match facts.value(field) {
                None => missing(field),
                Some(v) => match IdNumber::parse_at(&v, facts.today) {
                    Ok(_) => (true, "身份证号码有效".into()),
                    Err(e) => (false, e.to_string()),
                },
            },
            Check::ValidCreditCode { field } => match facts.value(field) {
                None => missing(field),
                Some(v) => match CreditCode::parse(&v) {
                    Ok(_) => (true, "统一社会信用代码有效".into()),
                    Err(e) => (false, e.to_string()),
                },
            },
            Check::AgeBetween { field, min, max } => match facts.value(field) {
                None => missing(field),
                Some(v) => match IdNumber::parse_at(&v, facts.today) {
                    Ok(id) => {
                        let age = id.age_on(facts.today);
                        (
                            age >= *min as i32 && age <= *max as i32,
                            format!("年龄{age}周岁（{min}至{max}周岁）"),
                        )
                    }
                    Err(e) => (false, e.to_string()),
                },
            },
            Check::Material { material } => {
                let had = facts.materials.iter().any(|m| m == material);
                (
                    had,
                    if had {
                        format!("已提交{material}")
                    } else {
                        format!("未提交{material}")
                    },
                )
            }
            Check::ActiveEntity { field } => match facts.value(field) {
                None => missing(field),
                Some(v) => {
                    let active = facts.active_entities.contains(v.trim());
                    (
                        active,
                        if active {
                            format!("{v}为存续的市场主体")
                        } else {
                            format!("{v}不是本机关登记的存续市场主体")
                        },
                    )
                }
            },
        }
    }
}

/// Whether a case automatically approved is drawn for the after-check: a stable
/// share by its number (the same on every node, no stored randomness).
pub fn drawn_for_check(case_no: &str, percent: u8) -> bool {
    // FNV-1a over the number: spread evenly enough for a share in percent.
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in case_no.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    (h % 100) < u64::from(percent)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields() -> Vec<FormField> {
        vec![
            FormField::parse_line("hukou|户籍所在地|文本|是", 1).unwrap(),
            FormField::parse_line("amount|申请金额|数字|否", 2).unwrap(),
            FormField::parse_line("since|起始日期|日期|否", 3).unwrap(),
        ]
    }

    fn rules() -> RuleSet {
        serde_json::from_str(
            r#"{"rules":[
              {"name":"年满70周岁","check":"age_between","field":"applicant.id_number","min":70,"max":150},
              {"name":"户籍在本市","check":"compare","field":"hukou","op":"eq","value":"昆山市"},
              {"name":"金额不超过1000元","check":"compare","field":"amount","op":"le","value":"1000"},
              {"name":"起始日期不早于30日前","check":"compare","field":"since","op":"ge","value":"today-30"},
              {"name":"提交户口簿","check":"material","material":"户口簿"}
            ],"after_check_percent":5}"#,
        )
        .unwrap()
    }

    #[test]
    fn every_rule_is_evaluated_and_named() {
        let today = NaiveDate::from_ymd_opt(2026, 6, 1).unwrap();
        rules().validate(&fields()).unwrap();
        let mut form = BTreeMap::new();
        form.insert("hukou".to_string(), "昆山市".to_string());
        form.insert("amount".to_string(), "800".to_string());
        form.insert("since".to_string(), "2026-05-20".to_string());
        let materials = vec!["户口簿".to_string()];
        let none = HashSet::new();
        let facts = Facts {
            form: &form,
            applicant_name: "张三",
            applicant_id: Some("11010519491231002X"),
            applicant_credit_code: None,
            materials: &materials,
            active_entities: &none,
            today,
        };
        let r = rules().evaluate(&facts);
        assert!(r.iter().all(|x| x.passed), "{r:?}");
        let mut form = form.clone();
        form.insert("amount".to_string(), "1200".to_string());
        form.insert("since".to_string(), "2026-04-01".to_string());
        let facts = Facts {
            form: &form,
            ..facts
        };
        let failed: Vec<String> = rules()
            .evaluate(&facts)
            .into_iter()
            .filter(|x| !x.passed)
            .map(|x| x.name)
            .collect();
        assert_eq!(failed, vec!["金额不超过1000元", "起始日期不早于30日前"]);
    }

    #[test]
    fn rules_must_fit_the_form_and_answers_the_fields() {
        let mut bad = rules();
        bad.rules[1].check = Check::Compare {
            field: "nowhere".into(),
            op: Op::Eq,
            value: "x".into(),
        };
        assert!(
            bad.validate(&fields())
                .unwrap_err()
                .message
                .contains("nowhere")
        );
        let mut bad = rules();
        bad.rules[1].check = Check::Compare {
            field: "hukou".into(),
            op: Op::Gt,
            value: "昆山".into(),
        };
        assert!(bad.validate(&fields()).is_err());
        let today = NaiveDate::from_ymd_opt(2026, 6, 1).unwrap();
        let mut form = BTreeMap::new();
        form.insert("amount".to_string(), "many".to_string());
        form.insert("other".to_string(), "x".to_string());
        let e = check_form(&fields(), &form, today).unwrap_err();
        let m: Vec<String> = e.into_iter().map(|i| i.message).collect();
        assert!(m.iter().any(|x| x.contains("没有字段“other”")), "{m:?}");
        assert!(m.iter().any(|x| x.contains("请填写户籍所在地")), "{m:?}");
        assert!(m.iter().any(|x| x.contains("申请金额应为数字")), "{m:?}");
        let share = (0..10_000)
            .filter(|i| drawn_for_check(&format!("SJ-2026-{i:06}"), 5))
            .count();
        assert!((300..700).contains(&share), "{share}");
    }
}
