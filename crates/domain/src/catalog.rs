//! 事项清单: the catalog of administrative approval and service items. An item's
//! content lives in versions; a version is published before it takes effect, and the
//! version in force at a date is the latest published one effective by then.

use crate::{Invalid, TimeUnit, required_text};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

coded_enum!(
    /// 权力类型
    PowerType {
        License = ("license", "行政许可"),
        Penalty = ("penalty", "行政处罚"),
        Enforcement = ("enforcement", "行政强制"),
        Levy = ("levy", "行政征收"),
        Benefit = ("benefit", "行政给付"),
        Inspection = ("inspection", "行政检查"),
        Confirmation = ("confirmation", "行政确认"),
        Reward = ("reward", "行政奖励"),
        Adjudication = ("adjudication", "行政裁决"),
        PublicService = ("public_service", "公共服务"),
        Other = ("other", "其他行政权力"),
    }
);

coded_enum!(
    /// 权力来源
    PowerSource {
        Statutory = ("statutory", "法定本级行使"),
        DelegatedFromAbove = ("delegated_from_above", "上级下放"),
        AuthorisedFromAbove = ("authorised_from_above", "上级授权"),
        AuthorisedByPeer = ("authorised_by_peer", "同级授权"),
        EntrustedFromAbove = ("entrusted_from_above", "上级委托"),
        EntrustedByPeer = ("entrusted_by_peer", "同级委托"),
    }
);

coded_enum!(
    /// 事项状态
    ItemStatus {
        InUse = ("in_use", "在用"),
        Suspended = ("suspended", "暂停"),
        Cancelled = ("cancelled", "取消"),
        Transferred = ("transferred", "转移"),
    }
);

coded_enum!(
    /// 网办深度
    OnlineDepth {
        Offline = ("offline", "线下办理"),
        Guide = ("guide", "一级：信息发布"),
        Download = ("download", "二级：表格下载"),
        PreReview = ("pre_review", "三级：网上预审"),
        FullyOnline = ("fully_online", "四级：全流程网上办理"),
    }
);

impl OnlineDepth {
    /// Whether the public can submit an application online.
    pub fn accepts_online(self) -> bool {
        matches!(self, Self::PreReview | Self::FullyOnline)
    }
}

/// 申报材料
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Material {
    pub name: String,
    pub required: bool,
    /// 原件 (true) or 复印件 (false)
    pub original: bool,
    /// 可提供电子材料
    pub electronic: bool,
    #[serde(default = "one")]
    pub copies: u32,
    /// 可容缺: a non-essential material an application may be accepted without
    /// (容缺受理), to be supplied before the decision.
    #[serde(default)]
    pub deferrable: bool,
}

fn one() -> u32 {
    1
}

impl Material {
    /// The material as a line of the catalog's text forms (workbook, editor):
    /// `名称|是否必需|是否原件|可否电子|份数|可否容缺`.
    pub fn line(&self) -> String {
        let yes = |b: bool| if b { "是" } else { "否" };
        format!(
            "{}|{}|{}|{}|{}|{}",
            self.name,
            yes(self.required),
            yes(self.original),
            yes(self.electronic),
            self.copies,
            yes(self.deferrable)
        )
    }
}

/// The header of a material line, as the text forms explain it.
pub const MATERIAL_LINE: &str = "名称|是否必需|是否原件|可否电子|份数|可否容缺";

/// 收费项目
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fee {
    pub name: String,
    pub amount_fen: i64,
    pub basis: String,
}

/// A time limit: days and their unit (working or natural).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimeLimit {
    pub days: u32,
    pub unit: TimeUnit,
}

impl TimeLimit {
    /// The limit in working days: natural days as seven to five working days,
    /// rounded up (as the catalog's speed-up figure counts them).
    pub fn in_working_days(self) -> u32 {
        match self.unit {
            TimeUnit::Working => self.days,
            TimeUnit::Natural => (self.days * 5).div_ceil(7),
        }
    }
}

/// Statutory decision limit of the Administrative Licensing Law, Art. 42 (20 working
/// days), and its extension with the head's approval (+10).
pub const LICENSING_LAW_DAYS: u32 = 20;
pub const LICENSING_LAW_EXTENSION: u32 = 10;
/// Joint or centralised handling: 45 days, +15.
pub const JOINT_HANDLING_DAYS: u32 = 45;
pub const JOINT_HANDLING_EXTENSION: u32 = 15;

/// An extension another law or regulation allows for an item's limit (《行政许可法》
/// 第四十二条: "法律、法规另有规定的，依照其规定"): its working days and basis.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExtensionRule {
    pub days: u32,
    pub legal_basis: String,
}

/// 告知承诺制: the item may be approved on the applicant's signed commitment, which
/// the department verifies within `verify_days` working days of the decision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommitmentRule {
    pub verify_days: u32,
}

/// Longest verification period of a commitment, in working days.
pub const MAX_VERIFY_DAYS: u32 = 250;

/// Most working days a configured extension may add.
pub const MAX_EXTENSION_DAYS: u32 = 60;

/// The content of one version of an item: what the service guide shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ItemContent {
    pub name: String,
    /// 基本编码
    pub basic_code: String,
    /// 业务办理项编码
    pub handling_code: String,
    pub power_type: PowerType,
    pub power_source: PowerSource,
    /// 设定依据
    pub legal_basis: String,
    /// 受理条件
    pub conditions: String,
    pub materials: Vec<Material>,
    /// 办理流程
    pub steps: Vec<String>,
    pub statutory: TimeLimit,
    pub promised: TimeLimit,
    pub fees: Vec<Fee>,
    /// 即办件
    pub instant: bool,
    /// 到办事现场次数
    pub visits: u32,
    pub online_depth: OnlineDepth,
    /// Accepted at the center's windows.
    pub accept_center: bool,
    /// Codes of the town points and sub-stations the item is delegated to.
    pub accept_points: Vec<String>,
    pub status: ItemStatus,
    /// 联合办理、集中办理 (Art. 26): 45 days by law, extendable by 15.
    #[serde(default)]
    pub joint_handling: bool,
    /// The extension a law or regulation allows for this item's own limit.
    #[serde(default)]
    pub extension: Option<ExtensionRule>,
    /// 告知承诺制, where the item allows it.
    #[serde(default)]
    pub commitment: Option<CommitmentRule>,
    /// 别名与常用说法: what people call the item (身份证 for 居民身份证办理), found
    /// by the portal's search like the name.
    #[serde(default)]
    pub aliases: Vec<String>,
    /// 主题: the life events and themes the item belongs to (生育收养, 户籍办理…).
    #[serde(default)]
    pub themes: Vec<String>,
    /// 商事登记: the item registers market entities (设立, 变更 or 注销), and its
    /// cases carry a registration that issues the business license.
    #[serde(default)]
    pub registration: Option<crate::registration::RegistrationKind>,
    /// 申请表: the fields an application of this item answers.
    #[serde(default)]
    pub fields: Vec<crate::auto_approval::FormField>,
    /// 秒批: the rules under which the system approves an application at once.
    #[serde(default)]
    pub auto_approval: Option<crate::auto_approval::RuleSet>,
}

/// Most aliases or themes an item keeps, and the longest of each.
pub const MAX_TAGS: usize = 20;
pub const MAX_TAG_CHARS: usize = 30;

/// A list of aliases or themes as typed in a form or a workbook cell: separated by
/// commas, 、 or new lines, trimmed, without repeats.
pub fn split_tags(text: &str) -> Vec<String> {
    let mut out: Vec<String> = vec![];
    for t in text.split([',', '，', '、', ';', '；', '\n']) {
        let t = t.trim();
        if !t.is_empty() && !out.iter().any(|o| o == t) {
            out.push(t.to_string());
        }
    }
    out
}

impl ItemContent {
    /// The working days a case of this item may be extended by (once, by the head,
    /// before the limit runs out), or why it may not: Art. 42 gives 10 only to the
    /// general limit of 20 working days, Art. 26 gives 15 to joint or centralised
    /// handling, another limit takes the extension its own law allows as configured on
    /// the item, and a case without a statutory limit has nothing to extend.
    pub fn extension_days(&self) -> Result<u32, String> {
        self.extension_rule().map(|r| r.days)
    }

    /// The extension a case of this item may have, with the law it rests on (see
    /// `extension_days`); its days count in the unit of the statutory limit.
    pub fn extension_rule(&self) -> Result<ExtensionRule, String> {
        if self.statutory.days == 0 {
            return Err("该事项没有法定办结期限，不能延期".into());
        }
        if self.joint_handling {
            return Ok(ExtensionRule {
                days: JOINT_HANDLING_EXTENSION,
                legal_basis: "《中华人民共和国行政许可法》第二十六条、第四十二条".into(),
            });
        }
        if self.statutory.days == LICENSING_LAW_DAYS && self.statutory.unit == TimeUnit::Working {
            return Ok(ExtensionRule {
                days: LICENSING_LAW_EXTENSION,
                legal_basis: "《中华人民共和国行政许可法》第四十二条第一款".into(),
            });
        }
        match &self.extension {
            Some(rule) => Ok(rule.clone()),
            None => Err(format!(
                "《行政许可法》第四十二条的延期只适用于二十个工作日的法定期限；该事项的法定期限为{}{}，事项清单未登记其他法律、法规规定的延期",
                self.statutory.days,
                match self.statutory.unit {
                    TimeUnit::Working => "个工作日",
                    TimeUnit::Natural => "日",
                }
            )),
        }
    }

    /// Checks the rules a version must keep before it can be saved.
    pub fn validate(&mut self) -> Result<(), Invalid> {
        self.name = required_text("name", "事项名称", &self.name, 200)?;
        if self.basic_code.chars().count() > 64 || self.handling_code.chars().count() > 80 {
            return Err(Invalid::new("basic_code", "事项编码过长"));
        }
        if self.statutory.days > 3650 {
            return Err(Invalid::new("statutory_days", "法定时限不能超过3650天"));
        }
        if self.promised.days > 3650 {
            return Err(Invalid::new("promised_days", "承诺时限不能超过3650天"));
        }
        if self.statutory.days > 0
            && self.promised.unit == self.statutory.unit
            && self.promised.days > self.statutory.days
        {
            return Err(Invalid::new("promised_days", "承诺时限不能长于法定时限"));
        }
        if self.instant && self.promised.days > 1 {
            return Err(Invalid::new("instant", "即办件的承诺时限应为0或1个工作日"));
        }
        for (i, m) in self.materials.iter_mut().enumerate() {
            m.name = required_text("materials", &format!("第{}项材料名称", i + 1), &m.name, 200)?;
        }
        for f in &self.fees {
            if f.amount_fen < 0 {
                return Err(Invalid::new("fees", "收费金额不能为负数"));
            }
        }
        if self.visits > 9 {
            return Err(Invalid::new("visits", "到办事现场次数应在0至9之间"));
        }
        if self.fields.len() > 50 {
            return Err(Invalid::new("fields", "申请表字段不能超过50个"));
        }
        for (i, f) in self.fields.iter().enumerate() {
            if self.fields[..i].iter().any(|g| g.name == f.name) {
                return Err(Invalid::new(
                    "fields",
                    format!("申请表字段“{}”重复", f.name),
                ));
            }
        }
        if let Some(rules) = &self.auto_approval {
            if self.instant {
                return Err(Invalid::new(
                    "auto_approval",
                    "即办件当场办结，无需秒批规则",
                ));
            }
            rules.validate(&self.fields)?;
        }
        if let Some(rule) = &mut self.extension {
            if !(1..=MAX_EXTENSION_DAYS).contains(&rule.days) {
                return Err(Invalid::new(
                    "extension_days",
                    format!("延期天数应在1至{MAX_EXTENSION_DAYS}之间（与法定期限同一计量单位）"),
                ));
            }
            rule.legal_basis =
                required_text("extension_basis", "延期依据", &rule.legal_basis, 500)?;
        }
        for (field, label, tags) in [
            ("aliases", "别名与常用说法", &mut self.aliases),
            ("themes", "主题", &mut self.themes),
        ] {
            *tags = split_tags(&tags.join("\n"));
            if tags.len() > MAX_TAGS {
                return Err(Invalid::new(field, format!("{label}最多{MAX_TAGS}个")));
            }
            if let Some(t) = tags.iter().find(|t| t.chars().count() > MAX_TAG_CHARS) {
                return Err(Invalid::new(
                    field,
                    format!("{label}“{t}”过长：每个不能超过{MAX_TAG_CHARS}个字"),
                ));
            }
        }
        if !self.accept_center && self.accept_points.is_empty() {
            return Err(Invalid::new("accept_points", "事项至少应在一个地点受理"));
        }
        Ok(())
    }

    /// Whether the item may be applied for at all (在用).
    pub fn open_for_applications(&self) -> bool {
        self.status == ItemStatus::InUse
    }

    /// Whether a point may accept the item: the center and its comprehensive windows
    /// for center items, delegated towns and sub-stations for theirs.
    pub fn accepted_at(&self, point_code: &str, kind: crate::org::PointKind) -> bool {
        use crate::org::PointKind::*;
        match kind {
            Center | ComprehensiveWindow => self.accept_center,
            Town | Substation => self.accept_points.iter().any(|p| p == point_code),
        }
    }
}

/// Checks a new version's effective date against the version in force before it.
pub fn check_effective_date(
    previous: Option<NaiveDate>,
    effective_from: NaiveDate,
) -> Result<(), Invalid> {
    match previous {
        Some(p) if effective_from < p => Err(Invalid::new(
            "effective_from",
            format!("生效日期不能早于上一版本的生效日期（{p}）"),
        )),
        _ => Ok(()),
    }
}

/// Overall speed-up of the catalog: 1 − Σpromised / Σstatutory over items that have a
/// statutory limit (总体提速).
pub fn speedup(limits: impl IntoIterator<Item = (u32, u32)>) -> Option<f64> {
    let (p, s) = limits
        .into_iter()
        .filter(|(_, s)| *s > 0)
        .fold((0u64, 0u64), |(p, s), (pp, ss)| {
            (p + pp as u64, s + ss as u64)
        });
    (s > 0).then(|| 1.0 - p as f64 / s as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_in_working_days() {
        let l = |days, unit| TimeLimit { days, unit }.in_working_days();
        assert_eq!(l(20, TimeUnit::Working), 20);
        assert_eq!(l(7, TimeUnit::Natural), 5);
        assert_eq!(l(30, TimeUnit::Natural), 22);
        assert_eq!(l(0, TimeUnit::Natural), 0);
    }

    fn content() -> ItemContent {
        ItemContent {
            name: "食品经营许可".into(),
            basic_code: "000116002000".into(),
            handling_code: "".into(),
            power_type: PowerType::License,
            power_source: PowerSource::Statutory,
            legal_basis: "《中华人民共和国食品安全法》第三十五条".into(),
            conditions: "".into(),
            materials: vec![Material {
                name: "申请书".into(),
                required: true,
                original: true,
                electronic: true,
                deferrable: false,
                copies: 1,
            }],
            steps: vec!["受理".into(), "审查".into(), "决定".into()],
            statutory: TimeLimit {
                days: 20,
                unit: TimeUnit::Working,
            },
            promised: TimeLimit {
                days: 5,
                unit: TimeUnit::Working,
            },
            fees: vec![],
            instant: false,
            visits: 1,
            online_depth: OnlineDepth::PreReview,
            accept_center: true,
            accept_points: vec![],
            status: ItemStatus::InUse,
            joint_handling: false,
            extension: None,
            commitment: None,
            aliases: vec![],
            themes: vec![],
            registration: None,
            fields: vec![],
            auto_approval: None,
        }
    }

    #[test]
    fn tags_are_split_and_checked() {
        assert_eq!(
            split_tags("身份证，身份证、 二代证\n"),
            vec!["身份证", "二代证"]
        );
        let mut c = content();
        c.aliases = vec!["身份证、二代证".into(), "二代证".into()];
        c.validate().unwrap();
        assert_eq!(c.aliases, vec!["身份证", "二代证"]);
        c.themes = vec!["很".repeat(31)];
        assert_eq!(c.validate().unwrap_err().field, "themes");
        c.themes = (0..21).map(|i| format!("主题{i}")).collect();
        assert_eq!(c.validate().unwrap_err().field, "themes");
    }

    #[test]
    fn codes_and_labels_parse() {
        assert_eq!(
            PowerType::parse_code_or_label("行政许可"),
            Some(PowerType::License)
        );
        assert_eq!(
            PowerType::parse_code_or_label("license"),
            Some(PowerType::License)
        );
        assert_eq!(
            ItemStatus::parse_code_or_label("暂停"),
            Some(ItemStatus::Suspended)
        );
        assert_eq!(ItemStatus::parse_code_or_label("x"), None);
    }

    #[test]
    fn validation_rules() {
        let mut c = content();
        assert!(c.validate().is_ok());
        c.promised.days = 25;
        assert_eq!(c.validate().unwrap_err().field, "promised_days");
        let mut c = content();
        c.instant = true;
        assert_eq!(c.validate().unwrap_err().field, "instant");
        let mut c = content();
        c.name = "  ".into();
        assert_eq!(c.validate().unwrap_err().field, "name");
        let mut c = content();
        c.accept_center = false;
        assert_eq!(c.validate().unwrap_err().field, "accept_points");
    }

    #[test]
    fn delegation() {
        use crate::org::PointKind;
        let mut c = content();
        c.accept_points = vec!["BC".into()];
        assert!(c.accepted_at("ZX", PointKind::Center));
        assert!(c.accepted_at("BC", PointKind::Town));
        assert!(!c.accepted_at("ZS", PointKind::Town));
        c.accept_center = false;
        assert!(!c.accepted_at("ZH1", PointKind::ComprehensiveWindow));
    }

    #[test]
    fn extensions_follow_the_law() {
        let with = |days, unit, joint, rule: Option<u32>| ItemContent {
            statutory: TimeLimit { days, unit },
            promised: TimeLimit { days: 0, unit },
            joint_handling: joint,
            extension: rule.map(|days| ExtensionRule {
                days,
                legal_basis: "《某某条例》第十条".into(),
            }),
            ..content()
        };
        let w = TimeUnit::Working;
        // Art. 42: ten days only for the general twenty.
        assert_eq!(with(20, w, false, None).extension_days(), Ok(10));
        assert!(with(10, w, false, None).extension_days().is_err());
        assert!(
            with(20, TimeUnit::Natural, false, None)
                .extension_days()
                .is_err()
        );
        // Art. 26: fifteen for joint or centralised handling.
        assert_eq!(with(45, w, true, None).extension_days(), Ok(15));
        assert!(with(45, w, false, None).extension_days().is_err());
        // Another law's extension, as configured on the item.
        assert_eq!(with(30, w, false, Some(30)).extension_days(), Ok(30));
        // Nothing to extend without a statutory limit.
        assert!(with(0, w, false, Some(5)).extension_days().is_err());
        let mut c = with(30, w, false, Some(0));
        assert_eq!(c.validate().unwrap_err().field, "extension_days");
        c.extension = Some(ExtensionRule {
            days: 10,
            legal_basis: " ".into(),
        });
        assert_eq!(c.validate().unwrap_err().field, "extension_basis");
    }

    #[test]
    fn effective_dates_move_forward() {
        let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        assert!(check_effective_date(Some(d("2026-01-01")), d("2025-12-31")).is_err());
        assert!(check_effective_date(Some(d("2026-01-01")), d("2026-01-01")).is_ok());
        assert!(check_effective_date(None, d("2000-01-01")).is_ok());
    }

    #[test]
    fn speedup_ratio() {
        let s = speedup([(5, 20), (10, 20), (0, 0)]).unwrap();
        assert!((s - 0.625).abs() < 1e-9);
        assert_eq!(speedup([(0, 0)]), None);
    }
}
