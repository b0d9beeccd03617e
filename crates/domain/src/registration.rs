//! Business registration (商事登记) under "三证合一、一照一码": a market entity's
//! establishment (设立), changes (变更) and deregistration (注销). One application
//! yields one business license carrying the entity's unified social credit code
//! (GB 32100-2015), which the registration generates and every later change keeps.

use crate::codes::{CreditCode, IdNumber, Mobile};
use crate::{Faults, Invalid, required_text};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

coded_enum! {
    /// What a registration item does (an item of the catalog marks it).
    RegistrationKind {
        Establish = ("establish", "设立登记"),
        Change = ("change", "变更登记"),
        Deregister = ("deregister", "注销登记"),
    }
}

coded_enum! {
    /// The kinds of market entity the market regulation department registers.
    EntityType {
        Llc = ("llc", "有限责任公司"),
        JointStock = ("joint_stock", "股份有限公司"),
        SoleProprietorship = ("sole_proprietorship", "个人独资企业"),
        Partnership = ("partnership", "合伙企业"),
        Individual = ("individual", "个体工商户"),
        Cooperative = ("cooperative", "农民专业合作社"),
    }
}

impl EntityType {
    /// GB 32100 first character: the registration authority, 9 (工商/市场监管).
    pub fn authority(self) -> char {
        '9'
    }
    /// GB 32100 second character under authority 9: 1 enterprise, 2 individual
    /// business, 3 farmers' cooperative.
    pub fn type_char(self) -> char {
        match self {
            Self::Individual => '2',
            Self::Cooperative => '3',
            _ => '1',
        }
    }
    /// A company: registered capital subscribed by its investors.
    fn is_company(self) -> bool {
        matches!(self, Self::Llc | Self::JointStock)
    }
    /// One natural person runs it (个人独资企业, 个体工商户).
    fn single_person(self) -> bool {
        matches!(self, Self::SoleProprietorship | Self::Individual)
    }
}

coded_enum! {
    /// Where an entity stands.
    EntityStatus {
        Active = ("active", "存续"),
        Deregistered = ("deregistered", "注销"),
    }
}

/// Most registered capital accepted, in fen (one trillion yuan).
pub const MAX_CAPITAL_FEN: i64 = 100_000_000_000_000;
/// Most investors on one application.
pub const MAX_INVESTORS: usize = 50;

/// An investor (股东/出资人) as typed in: a person by ID number or an organisation by
/// its credit code, and the capital subscribed in fen.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct InvestorInput {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub id_number: String,
    #[serde(default)]
    pub credit_code: String,
    #[serde(default)]
    pub subscribed_fen: Option<i64>,
}

/// A checked investor.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Investor {
    pub name: String,
    pub holder: Holder,
    pub subscribed_fen: i64,
}

/// Who an investor is.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Holder {
    Person { id_number: String },
    Organisation { credit_code: String },
}

/// An establishment application as typed in (API body or form).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct EstablishInput {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub entity_type: String,
    /// The service point code of the town the entity is in.
    #[serde(default)]
    pub town: String,
    #[serde(default)]
    pub address: String,
    #[serde(default)]
    pub legal_rep_name: String,
    #[serde(default)]
    pub legal_rep_id_number: String,
    #[serde(default)]
    pub legal_rep_phone: String,
    #[serde(default)]
    pub registered_capital_fen: Option<i64>,
    #[serde(default)]
    pub business_scope: String,
    #[serde(default)]
    pub investors: Vec<InvestorInput>,
}

/// A checked establishment: every field valid and the investors' subscriptions
/// adding up to the registered capital.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewEntity {
    pub name: String,
    pub entity_type: EntityType,
    pub town: String,
    pub address: String,
    pub legal_rep_name: String,
    pub legal_rep_id_number: String,
    pub legal_rep_phone: String,
    pub registered_capital_fen: i64,
    pub business_scope: String,
    pub investors: Vec<Investor>,
}

fn capital(field: &'static str, label: &str, v: Option<i64>) -> Result<i64, Invalid> {
    match v {
        None => Err(Invalid::new(field, format!("请填写{label}（分）"))),
        Some(v) if v < 0 => Err(Invalid::new(field, format!("{label}不能为负数"))),
        Some(v) if v > MAX_CAPITAL_FEN => Err(Invalid::new(field, format!("{label}超出合理范围"))),
        Some(v) => Ok(v),
    }
}

/// An adult's valid resident ID number (GB 11643), as of `today`.
fn adult_id(
    field: &'static str,
    label: &str,
    s: &str,
    today: NaiveDate,
) -> Result<String, Invalid> {
    let id = IdNumber::parse_at(s.trim(), today)
        .map_err(|e| Invalid::new(field, format!("{label}{e}")))?;
    let age = id.age_on(today);
    if age < 18 {
        return Err(Invalid::new(
            field,
            format!("{label}须为年满十八周岁的成年人"),
        ));
    }
    Ok(id.as_str().to_string())
}

fn entity_name(entity_type: Option<EntityType>, name: &str) -> Result<String, Invalid> {
    let name = required_text("name", "名称", name, 50)?;
    if name.chars().count() < 2 {
        return Err(Invalid::new("name", "名称至少两个字"));
    }
    let suffix = match entity_type {
        Some(EntityType::Llc) if !name.ends_with("有限公司") => {
            Some("有限责任公司的名称应以“有限公司”或“有限责任公司”结尾")
        }
        Some(EntityType::JointStock) if !name.ends_with("股份有限公司") => {
            Some("股份有限公司的名称应以“股份有限公司”结尾")
        }
        Some(EntityType::Cooperative) if !name.contains("合作社") => {
            Some("农民专业合作社的名称应含“合作社”")
        }
        _ => None,
    };
    match suffix {
        Some(why) => Err(Invalid::new("name", why)),
        None => Ok(name),
    }
}

impl EstablishInput {
    /// Every fault at once, or the checked application.
    pub fn check(&self, today: NaiveDate) -> Result<NewEntity, Vec<Invalid>> {
        let mut f = Faults::default();
        let entity_type = f.take(
            EntityType::parse_code_or_label(&self.entity_type).ok_or_else(|| {
                Invalid::new(
                    "entity_type",
                    format!("市场主体类型应为{}", EntityType::choices()),
                )
            }),
        );
        let name = f.take(entity_name(entity_type, &self.name));
        let town = f.take(required_text("town", "所在区镇", &self.town, 20));
        let address = f.take(required_text(
            "address",
            "住所（经营场所）",
            &self.address,
            200,
        ));
        let rep = f.take(required_text(
            "legal_rep_name",
            "法定代表人（负责人）姓名",
            &self.legal_rep_name,
            30,
        ));
        let rep_id = f.take(adult_id(
            "legal_rep_id_number",
            "法定代表人身份证号码",
            &self.legal_rep_id_number,
            today,
        ));
        let phone = f.take(
            Mobile::parse(self.legal_rep_phone.trim())
                .map(|m| m.as_str().to_string())
                .map_err(|e| Invalid::new("legal_rep_phone", format!("联系电话{e}"))),
        );
        let cap = f.take(capital(
            "registered_capital_fen",
            "注册资本（出资额）",
            self.registered_capital_fen,
        ));
        if let (Some(t), Some(0)) = (entity_type, cap)
            && t.is_company()
        {
            f.push(Invalid::new(
                "registered_capital_fen",
                "公司的注册资本应大于零",
            ));
        }
        let scope = f.take(required_text(
            "business_scope",
            "经营范围",
            &self.business_scope,
            1000,
        ));
        let investors = f.take(self.investors(entity_type, cap, today));
        let entity = (|| {
            Some(NewEntity {
                name: name?,
                entity_type: entity_type?,
                town: town?,
                address: address?,
                legal_rep_name: rep?,
                legal_rep_id_number: rep_id?,
                legal_rep_phone: phone?,
                registered_capital_fen: cap?,
                business_scope: scope?,
                investors: investors?,
            })
        })();
        f.finish(entity)
    }

    fn investors(
        &self,
        entity_type: Option<EntityType>,
        capital: Option<i64>,
        today: NaiveDate,
    ) -> Result<Vec<Investor>, Invalid> {
        let fault = |m: String| Invalid::new("investors", m);
        if self.investors.is_empty() {
            return Err(fault("请至少填写一名投资人（股东/出资人）".into()));
        }
        if self.investors.len() > MAX_INVESTORS {
            return Err(fault(format!("投资人不能超过{MAX_INVESTORS}名")));
        }
        let mut out: Vec<Investor> = Vec::with_capacity(self.investors.len());
        for (i, v) in self.investors.iter().enumerate() {
            let n = i + 1;
            let name = required_text(
                "investors",
                &format!("第{n}名投资人的姓名（名称）"),
                &v.name,
                50,
            )?;
            let holder = match (v.id_number.trim(), v.credit_code.trim()) {
                ("", "") => {
                    return Err(fault(format!(
                        "第{n}名投资人须填写身份证号码（自然人）或统一社会信用代码（单位）"
                    )));
                }
                (id, "") => Holder::Person {
                    id_number: adult_id(
                        "investors",
                        &format!("第{n}名投资人的身份证号码"),
                        id,
                        today,
                    )?,
                },
                ("", code) => Holder::Organisation {
                    credit_code: CreditCode::parse(code)
                        .map_err(|e| fault(format!("第{n}名投资人的统一社会信用代码{e}")))?
                        .as_str()
                        .to_string(),
                },
                _ => {
                    return Err(fault(format!(
                        "第{n}名投资人只能填写身份证号码或统一社会信用代码之一"
                    )));
                }
            };
            if out.iter().any(|o| o.holder == holder) {
                return Err(fault(format!("第{n}名投资人与前面的投资人重复")));
            }
            let subscribed = capital_of(v.subscribed_fen, n)?;
            out.push(Investor {
                name,
                holder,
                subscribed_fen: subscribed,
            });
        }
        if let Some(t) = entity_type {
            if t.single_person()
                && (out.len() != 1 || !matches!(out[0].holder, Holder::Person { .. }))
            {
                return Err(fault(format!("{}只能由一名自然人投资", t.label())));
            }
            if t == EntityType::Partnership && out.len() < 2 {
                return Err(fault("合伙企业至少有两名合伙人".into()));
            }
        }
        if let Some(cap) = capital {
            let sum: i64 = out.iter().map(|o| o.subscribed_fen).sum();
            if sum != cap {
                return Err(fault(format!(
                    "投资人认缴出资合计{}，与注册资本（出资额）{}不一致",
                    crate::Fen(sum),
                    crate::Fen(cap)
                )));
            }
        }
        Ok(out)
    }
}

fn capital_of(v: Option<i64>, n: usize) -> Result<i64, Invalid> {
    match v {
        None => Err(Invalid::new(
            "investors",
            format!("请填写第{n}名投资人的认缴出资额（分）"),
        )),
        Some(v) if !(0..=MAX_CAPITAL_FEN).contains(&v) => Err(Invalid::new(
            "investors",
            format!("第{n}名投资人的认缴出资额不正确"),
        )),
        Some(v) => Ok(v),
    }
}

/// A change (变更登记) as typed in: the entity's code, who applies for it, and the
/// fields that change (empty: unchanged).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ChangeInput {
    #[serde(default)]
    pub credit_code: String,
    #[serde(default)]
    pub contact_name: String,
    #[serde(default)]
    pub contact_phone: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub town: String,
    #[serde(default)]
    pub address: String,
    #[serde(default)]
    pub legal_rep_name: String,
    #[serde(default)]
    pub legal_rep_id_number: String,
    #[serde(default)]
    pub registered_capital_fen: Option<i64>,
    #[serde(default)]
    pub business_scope: String,
}

/// The fields a change sets; `None` keeps the registered value.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Changes {
    pub name: Option<String>,
    pub town: Option<String>,
    pub address: Option<String>,
    /// The new legal representative's name and ID number, together.
    pub legal_rep: Option<(String, String)>,
    pub registered_capital_fen: Option<i64>,
    pub business_scope: Option<String>,
}

impl Changes {
    /// The Chinese names of the fields changed, for the record and the license.
    pub fn labels(&self) -> Vec<&'static str> {
        let mut out = vec![];
        if self.name.is_some() {
            out.push("名称");
        }
        if self.town.is_some() || self.address.is_some() {
            out.push("住所");
        }
        if self.legal_rep.is_some() {
            out.push("法定代表人");
        }
        if self.registered_capital_fen.is_some() {
            out.push("注册资本");
        }
        if self.business_scope.is_some() {
            out.push("经营范围");
        }
        out
    }
}

/// A checked change application.
#[derive(Debug, Clone, PartialEq)]
pub struct NewChange {
    pub credit_code: CreditCode,
    pub contact_name: String,
    pub contact_phone: String,
    pub changes: Changes,
}

fn code_of(s: &str) -> Result<CreditCode, Invalid> {
    CreditCode::parse(s.trim())
        .map_err(|e| Invalid::new("credit_code", format!("统一社会信用代码{e}")))
}

fn contact(name: &str, phone: &str, f: &mut Faults) -> (Option<String>, Option<String>) {
    let n = f.take(required_text("contact_name", "经办人姓名", name, 30));
    let p = f.take(
        Mobile::parse(phone.trim())
            .map(|m| m.as_str().to_string())
            .map_err(|e| Invalid::new("contact_phone", format!("经办人手机号码{e}"))),
    );
    (n, p)
}

impl ChangeInput {
    /// Every fault at once, or the checked change (at least one field changes; the
    /// store checks it against the registered values).
    pub fn check(
        &self,
        entity_type: EntityType,
        today: NaiveDate,
    ) -> Result<NewChange, Vec<Invalid>> {
        let mut f = Faults::default();
        let code = f.take(code_of(&self.credit_code));
        let (contact_name, contact_phone) =
            contact(&self.contact_name, &self.contact_phone, &mut f);
        let given = |s: &str| (!s.trim().is_empty()).then(|| s.trim().to_string());
        let mut c = Changes::default();
        if given(&self.name).is_some() {
            c.name = f.take(entity_name(Some(entity_type), &self.name));
        }
        match (given(&self.town), given(&self.address)) {
            (None, None) => {}
            (Some(t), Some(a)) => {
                c.town = f.take(required_text("town", "所在区镇", &t, 20));
                c.address = f.take(required_text("address", "住所（经营场所）", &a, 200));
            }
            _ => f.push(Invalid::new(
                "address",
                "变更住所须同时填写所在区镇和新住所",
            )),
        }
        match (
            given(&self.legal_rep_name),
            given(&self.legal_rep_id_number),
        ) {
            (None, None) => {}
            (Some(n), Some(id)) => {
                let n = f.take(required_text("legal_rep_name", "法定代表人姓名", &n, 30));
                let id = f.take(adult_id(
                    "legal_rep_id_number",
                    "法定代表人身份证号码",
                    &id,
                    today,
                ));
                if let (Some(n), Some(id)) = (n, id) {
                    c.legal_rep = Some((n, id));
                }
            }
            _ => f.push(Invalid::new(
                "legal_rep_id_number",
                "变更法定代表人须同时填写姓名和身份证号码",
            )),
        }
        if let Some(v) = self.registered_capital_fen {
            c.registered_capital_fen = f.take(capital(
                "registered_capital_fen",
                "注册资本（出资额）",
                Some(v),
            ));
            if v == 0 && entity_type.is_company() {
                f.push(Invalid::new(
                    "registered_capital_fen",
                    "公司的注册资本应大于零",
                ));
            }
        }
        if given(&self.business_scope).is_some() {
            c.business_scope = f.take(required_text(
                "business_scope",
                "经营范围",
                &self.business_scope,
                1000,
            ));
        }
        if f.is_empty() && c == Changes::default() {
            f.push(Invalid::new("changes", "请至少填写一项变更内容"));
        }
        let change = (|| {
            Some(NewChange {
                credit_code: code?,
                contact_name: contact_name?,
                contact_phone: contact_phone?,
                changes: c,
            })
        })();
        f.finish(change)
    }
}

/// A deregistration (注销登记) as typed in.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct DeregisterInput {
    #[serde(default)]
    pub credit_code: String,
    #[serde(default)]
    pub contact_name: String,
    #[serde(default)]
    pub contact_phone: String,
    #[serde(default)]
    pub reason: String,
}

/// A checked deregistration.
#[derive(Debug, Clone, PartialEq)]
pub struct NewDeregistration {
    pub credit_code: CreditCode,
    pub contact_name: String,
    pub contact_phone: String,
    pub reason: String,
}

impl DeregisterInput {
    pub fn check(&self) -> Result<NewDeregistration, Vec<Invalid>> {
        let mut f = Faults::default();
        let code = f.take(code_of(&self.credit_code));
        let (contact_name, contact_phone) =
            contact(&self.contact_name, &self.contact_phone, &mut f);
        let reason = f.take(required_text("reason", "注销原因", &self.reason, 200));
        let d = (|| {
            Some(NewDeregistration {
                credit_code: code?,
                contact_name: contact_name?,
                contact_phone: contact_phone?,
                reason: reason?,
            })
        })();
        f.finish(d)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 6, 1).unwrap()
    }

    fn input() -> EstablishInput {
        EstablishInput {
            name: "昆山市玉山镇某某科技有限公司".into(),
            entity_type: "llc".into(),
            town: "YS".into(),
            address: "前进东路1号".into(),
            legal_rep_name: "张三".into(),
            legal_rep_id_number: "11010519491231002X".into(),
            legal_rep_phone: "13812345678".into(),
            registered_capital_fen: Some(100_000_000),
            business_scope: "软件开发；信息技术咨询服务".into(),
            investors: vec![
                InvestorInput {
                    name: "张三".into(),
                    id_number: "11010519491231002X".into(),
                    credit_code: String::new(),
                    subscribed_fen: Some(60_000_000),
                },
                InvestorInput {
                    name: "某某投资有限公司".into(),
                    id_number: String::new(),
                    credit_code: CreditCode::generate('9', '1', "320583", "MA1MXXXX")
                        .unwrap()
                        .as_str()
                        .into(),
                    subscribed_fen: Some(40_000_000),
                },
            ],
        }
    }

    #[test]
    fn a_company_is_checked_whole() {
        let e = input().check(today()).unwrap();
        assert_eq!(e.entity_type, EntityType::Llc);
        assert_eq!(e.investors.len(), 2);
        assert_eq!(
            (e.entity_type.authority(), e.entity_type.type_char()),
            ('9', '1')
        );
        assert_eq!(EntityType::Individual.type_char(), '2');
        assert_eq!(EntityType::Cooperative.type_char(), '3');
    }

    #[test]
    fn every_fault_is_named_at_once() {
        let mut bad = input();
        bad.name = "某某科技".into();
        bad.legal_rep_id_number = "110105194912310021".into();
        bad.legal_rep_phone = "123".into();
        bad.registered_capital_fen = Some(-1);
        bad.business_scope = " ".into();
        let faults = bad.check(today()).unwrap_err();
        let fields: Vec<&str> = faults.iter().map(|f| f.field).collect();
        for f in [
            "name",
            "legal_rep_id_number",
            "legal_rep_phone",
            "registered_capital_fen",
            "business_scope",
        ] {
            assert!(fields.contains(&f), "{f} missing in {fields:?}");
        }
    }

    #[test]
    fn subscriptions_must_add_up_and_fit_the_entity_type() {
        let mut bad = input();
        bad.investors[1].subscribed_fen = Some(1);
        let e = bad.check(today()).unwrap_err();
        assert!(
            e.iter()
                .any(|f| f.field == "investors" && f.message.contains("不一致"))
        );

        let mut one = input();
        one.entity_type = "individual".into();
        one.name = "昆山市玉山镇张三小吃店".into();
        let e = one.check(today()).unwrap_err();
        assert!(
            e.iter().any(|f| f.message.contains("只能由一名自然人投资")),
            "{e:?}"
        );
        one.investors.truncate(1);
        one.registered_capital_fen = Some(60_000_000);
        assert!(one.check(today()).is_ok());

        let mut minor = input();
        minor.legal_rep_id_number = crate::codes::IdNumber::compose(
            "320583",
            NaiveDate::from_ymd_opt(2012, 1, 1).unwrap(),
            1,
        )
        .unwrap()
        .as_str()
        .into();
        let e = minor.check(today()).unwrap_err();
        assert!(e.iter().any(|f| f.message.contains("成年人")), "{e:?}");
    }

    #[test]
    fn a_change_needs_something_to_change() {
        let c = ChangeInput {
            credit_code: CreditCode::generate('9', '1', "320583", "MA1MXXXX")
                .unwrap()
                .as_str()
                .into(),
            contact_name: "李四".into(),
            contact_phone: "13812345678".into(),
            ..ChangeInput::default()
        };
        let e = c.check(EntityType::Llc, today()).unwrap_err();
        assert_eq!(e[0].field, "changes");
        let mut c2 = c.clone();
        c2.business_scope = "软件开发".into();
        c2.legal_rep_name = "王五".into();
        let e = c2.check(EntityType::Llc, today()).unwrap_err();
        assert_eq!(e[0].field, "legal_rep_id_number");
        c2.legal_rep_id_number = "11010519491231002X".into();
        let ok = c2.check(EntityType::Llc, today()).unwrap();
        assert_eq!(ok.changes.labels(), vec!["法定代表人", "经营范围"]);
    }
}
