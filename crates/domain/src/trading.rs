//! 公共资源交易: the announcements of trading projects (works bidding, government
//! procurement, land and mineral rights, state property) as the three trading
//! systems feed them — each record the source's own, identified by its id and
//! version — and how each maps to OCDS 1.1.

use crate::codes::CreditCode;
use crate::{Faults, Invalid, required_text};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

coded_enum! {
    /// The trading system a record came from.
    Source {
        /// 建设工程交易中心
        Works = ("jsgc", "建设工程交易中心"),
        /// 政府采购中心
        Procurement = ("zfcg", "政府采购中心"),
        /// 国土局招投标系统
        Land = ("gtj", "国土局招投标系统"),
    }
}

coded_enum! {
    /// What is traded.
    TradingKind {
        /// 工程建设招标投标
        Works = ("works", "工程建设"),
        /// 政府采购（货物）
        Goods = ("goods", "政府采购（货物）"),
        /// 政府采购（服务）
        Services = ("services", "政府采购（服务）"),
        /// 药品和医用耗材采购
        Medicine = ("medicine", "药品和医用耗材采购"),
        /// 土地使用权出让
        Land = ("land", "土地使用权出让"),
        /// 矿业权出让
        Mineral = ("mineral", "矿业权出让"),
        /// 国有产权交易
        Property = ("property", "国有产权交易"),
    }
}

coded_enum! {
    /// The announcement: which step of the project it tells.
    Stage {
        /// 招标（采购、出让）公告
        Tender = ("tender", "招标公告"),
        /// 更正（澄清）公告
        Amendment = ("amendment", "更正公告"),
        /// 中标候选人公示
        Candidates = ("candidates", "中标候选人公示"),
        /// 中标（成交）结果公告
        Result = ("result", "中标结果公告"),
        /// 合同公告
        Contract = ("contract", "合同公告"),
    }
}

impl Stage {
    /// The OCDS release tag of an announcement at this stage.
    pub fn ocds_tag(self) -> &'static str {
        match self {
            Self::Tender => "tender",
            Self::Amendment => "tenderAmendment",
            Self::Candidates => "awardUpdate",
            Self::Result => "award",
            Self::Contract => "contract",
        }
    }
}

impl TradingKind {
    /// The OCDS `mainProcurementCategory` (works, goods or services; rights and
    /// property are sold as services of the seller's).
    pub fn ocds_category(self) -> &'static str {
        match self {
            Self::Works => "works",
            Self::Goods | Self::Medicine => "goods",
            Self::Services | Self::Land | Self::Mineral | Self::Property => "services",
        }
    }
}

/// A supplier named by an announcement: a candidate, the winner, the contractor.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SupplierInput {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub credit_code: String,
    /// Their price in fen, where the announcement gives one.
    #[serde(default)]
    pub amount_fen: Option<i64>,
    /// The lot (标段、包) they won or were named for, by its id, if the project has lots.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub lot: String,
}

/// A lot (标段、采购包) of a project, as its tender announcement divides it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct LotInput {
    #[serde(default)]
    pub id: String,
    #[serde(default)]
    pub title: String,
    /// Its budget in fen, where given.
    #[serde(default)]
    pub amount_fen: Option<i64>,
}

/// A bid received (开标记录): who bid, for which lot, at what price — the same
/// fields as a supplier's.
pub type BidInput = SupplierInput;

/// An announcement as a trading system sends it.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct FeedRecord {
    /// The source's own id of the announcement.
    #[serde(default)]
    pub id: String,
    /// The source's version of it: a higher one amends.
    #[serde(default)]
    pub version: Option<i64>,
    /// The source's id of the project the announcement belongs to.
    #[serde(default)]
    pub project: String,
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub stage: String,
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub buyer_name: String,
    #[serde(default)]
    pub buyer_code: String,
    #[serde(default)]
    pub agent_name: String,
    #[serde(default)]
    pub agent_code: String,
    /// The town or district (区镇) the project is in.
    #[serde(default)]
    pub town: String,
    /// `YYYY-MM-DD`.
    #[serde(default)]
    pub date: String,
    /// The budget (tender) or the price (result, contract), in fen.
    #[serde(default)]
    pub amount_fen: Option<i64>,
    #[serde(default)]
    pub suppliers: Vec<SupplierInput>,
    /// The lots a tender divides the project into.
    #[serde(default)]
    pub lots: Vec<LotInput>,
    /// The bids received (candidates, result and contract announcements).
    #[serde(default)]
    pub bids: Vec<BidInput>,
    #[serde(default)]
    pub body: String,
}

/// A checked announcement.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Notice {
    pub id: String,
    pub version: i64,
    pub project: String,
    pub kind: TradingKind,
    pub stage: Stage,
    pub title: String,
    pub buyer_name: String,
    pub buyer_code: Option<String>,
    pub agent_name: Option<String>,
    pub agent_code: Option<String>,
    pub town: Option<String>,
    pub date: NaiveDate,
    pub amount_fen: Option<i64>,
    pub suppliers: Vec<SupplierInput>,
    pub lots: Vec<LotInput>,
    pub bids: Vec<BidInput>,
    pub body: String,
}

coded_enum! {
    /// A credit record of a bidder or supplier.
    CreditKind {
        /// 行政处罚
        Penalty = ("penalty", "行政处罚"),
        /// 不良行为记录
        BadConduct = ("bad_conduct", "不良行为记录"),
    }
}

/// A credit record as a trading system sends it.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct CreditRecord {
    #[serde(default)]
    pub id: String,
    #[serde(default)]
    pub version: Option<i64>,
    /// The bidder's or supplier's unified social credit code and name.
    #[serde(default)]
    pub credit_code: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub reason: String,
    /// Who decided it (the department).
    #[serde(default)]
    pub authority: String,
    /// `YYYY-MM-DD`.
    #[serde(default)]
    pub decided_on: String,
    /// The last day it is published.
    #[serde(default)]
    pub valid_until: String,
}

/// A checked credit record.
#[derive(Debug, Clone, PartialEq)]
pub struct Credit {
    pub id: String,
    pub version: i64,
    pub credit_code: String,
    pub name: String,
    pub kind: CreditKind,
    pub reason: String,
    pub authority: String,
    pub decided_on: NaiveDate,
    pub valid_until: NaiveDate,
}

impl CreditRecord {
    /// Every fault at once.
    pub fn check(&self, today: NaiveDate) -> Result<Credit, Vec<Invalid>> {
        let mut f = Faults::default();
        let id = f.take(id_of("id", "信用记录编号", &self.id));
        let version = f.take(version_of(self.version));
        let code = f.take(
            CreditCode::parse(&self.credit_code)
                .map(|c| c.as_str().to_string())
                .map_err(|e| Invalid::new("credit_code", format!("统一社会信用代码：{e}"))),
        );
        let name = f.take(required_text("name", "企业名称", &self.name, 100));
        let kind = f.take(
            CreditKind::parse_code_or_label(self.kind.trim()).ok_or_else(|| {
                Invalid::new(
                    "kind",
                    format!(
                        "信用记录类别“{}”无效，应为{}",
                        self.kind.trim(),
                        CreditKind::choices()
                    ),
                )
            }),
        );
        let reason = f.take(required_text("reason", "事由", &self.reason, 1000));
        let authority = f.take(required_text(
            "authority",
            "作出决定的部门",
            &self.authority,
            100,
        ));
        let day = |field: &'static str, label: &str, v: &str| {
            NaiveDate::parse_from_str(v.trim(), "%Y-%m-%d").map_err(|_| {
                Invalid::new(field, format!("{label}“{}”无效，应为 YYYY-MM-DD", v.trim()))
            })
        };
        let decided = f.take(
            day("decided_on", "决定日期", &self.decided_on).and_then(|d| {
                if d > today {
                    Err(Invalid::new("decided_on", "决定日期不能晚于今天"))
                } else {
                    Ok(d)
                }
            }),
        );
        let until = f.take(day("valid_until", "公示截止日期", &self.valid_until));
        if let (Some(a), Some(b)) = (decided, until)
            && b < a
        {
            f.push(Invalid::new("valid_until", "公示截止日期不能早于决定日期"));
        }
        f.finish(
            match (
                id, version, code, name, kind, reason, authority, decided, until,
            ) {
                (
                    Some(id),
                    Some(version),
                    Some(credit_code),
                    Some(name),
                    Some(kind),
                    Some(reason),
                    Some(authority),
                    Some(decided_on),
                    Some(valid_until),
                ) => Some(Credit {
                    id,
                    version,
                    credit_code,
                    name,
                    kind,
                    reason,
                    authority,
                    decided_on,
                    valid_until,
                }),
                _ => None,
            },
        )
    }
}

/// The largest amount a record may carry: a trillion yuan.
const MAX_FEN: i64 = 100_000_000_000_000;

fn code_of(field: &'static str, label: &str, v: &str) -> Result<Option<String>, Invalid> {
    let v = v.trim();
    if v.is_empty() {
        return Ok(None);
    }
    CreditCode::parse(v)
        .map(|c| Some(c.as_str().to_string()))
        .map_err(|e| Invalid::new(field, format!("{label}统一社会信用代码：{e}")))
}

/// A source's version of a record: a positive whole number.
fn version_of(v: Option<i64>) -> Result<i64, Invalid> {
    match v {
        Some(v) if (1..=1_000_000).contains(&v) => Ok(v),
        Some(v) => Err(Invalid::new(
            "version",
            format!("版本号{v}无效，应为正整数"),
        )),
        None => Err(Invalid::new("version", "缺少版本号")),
    }
}

fn id_of(field: &'static str, label: &str, v: &str) -> Result<String, Invalid> {
    let v = v.trim();
    if v.is_empty() {
        return Err(Invalid::new(field, format!("缺少{label}")));
    }
    if v.len() > 64
        || !v
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
    {
        return Err(Invalid::new(
            field,
            format!("{label}“{v}”无效：应为不超过64位的字母、数字、连字符、下划线或点"),
        ));
    }
    Ok(v.to_string())
}

impl FeedRecord {
    /// Every fault at once.
    pub fn check(&self, today: NaiveDate) -> Result<Notice, Vec<Invalid>> {
        let mut f = Faults::default();
        let id = f.take(id_of("id", "公告编号", &self.id));
        let version = f.take(version_of(self.version));
        let project = f.take(id_of("project", "项目编号", &self.project));
        let kind = f.take(
            TradingKind::parse_code_or_label(self.kind.trim()).ok_or_else(|| {
                Invalid::new(
                    "kind",
                    format!(
                        "交易类别“{}”无效，应为{}",
                        self.kind.trim(),
                        TradingKind::choices()
                    ),
                )
            }),
        );
        let stage = f.take(
            Stage::parse_code_or_label(self.stage.trim()).ok_or_else(|| {
                Invalid::new(
                    "stage",
                    format!(
                        "公告类型“{}”无效，应为{}",
                        self.stage.trim(),
                        Stage::choices()
                    ),
                )
            }),
        );
        let title = f.take(required_text("title", "公告标题", &self.title, 200));
        let buyer_name = f.take(required_text(
            "buyer_name",
            "采购人（招标人）",
            &self.buyer_name,
            100,
        ));
        let buyer_code = f.take(code_of("buyer_code", "采购人", &self.buyer_code));
        let agent_code = f.take(code_of("agent_code", "代理机构", &self.agent_code));
        let date = f.take(
            NaiveDate::parse_from_str(self.date.trim(), "%Y-%m-%d")
                .map_err(|_| {
                    Invalid::new(
                        "date",
                        format!("发布日期“{}”无效，应为 YYYY-MM-DD", self.date.trim()),
                    )
                })
                .and_then(|d| {
                    if d > today {
                        Err(Invalid::new("date", "发布日期不能晚于今天"))
                    } else {
                        Ok(d)
                    }
                }),
        );
        if let Some(a) = self.amount_fen
            && !(0..=MAX_FEN).contains(&a)
        {
            f.push(Invalid::new("amount_fen", format!("金额{a}分超出合理范围")));
        }
        let suppliers = self.check_suppliers(&mut f);
        let lots = self.check_lots(&mut f);
        let bids = self.check_bids(stage, &mut f);
        // A lot named by a supplier or a bid is one this announcement lists, if it lists any.
        if !lots.is_empty() {
            for l in suppliers
                .iter()
                .map(|s| &s.lot)
                .chain(bids.iter().map(|b| &b.lot))
            {
                if !l.is_empty() && !lots.iter().any(|x| &x.id == l) {
                    f.push(Invalid::new(
                        "lots",
                        format!("标段“{l}”不在本公告列出的标段中"),
                    ));
                }
            }
        }
        if matches!(stage, Some(Stage::Result | Stage::Contract)) && suppliers.is_empty() {
            f.push(Invalid::new(
                "suppliers",
                "中标结果公告和合同公告应列出中标（成交）供应商",
            ));
        }
        if self.body.chars().count() > 20_000 {
            f.push(Invalid::new("body", "公告正文不能超过20000个字"));
        }
        let opt = |s: &str| {
            let t = s.trim();
            (!t.is_empty()).then(|| t.chars().take(100).collect::<String>())
        };
        f.finish(
            match (
                id, version, project, kind, stage, title, buyer_name, buyer_code, agent_code, date,
            ) {
                (
                    Some(id),
                    Some(version),
                    Some(project),
                    Some(kind),
                    Some(stage),
                    Some(title),
                    Some(buyer_name),
                    Some(buyer_code),
                    Some(agent_code),
                    Some(date),
                ) => Some(Notice {
                    id,
                    version,
                    project,
                    kind,
                    stage,
                    title,
                    buyer_name,
                    buyer_code,
                    agent_name: opt(&self.agent_name),
                    agent_code,
                    town: opt(&self.town),
                    date,
                    amount_fen: self.amount_fen,
                    suppliers,
                    lots,
                    bids,
                    body: self.body.trim().to_string(),
                }),
                _ => None,
            },
        )
    }
}

impl FeedRecord {
    /// The suppliers, checked: each named, its code valid, its amount in range.
    fn check_suppliers(&self, f: &mut Faults) -> Vec<SupplierInput> {
        parties(&self.suppliers, "suppliers", "供应商", f)
    }

    /// The lots, checked: each with an id (unique, at most 50 characters) and a title.
    fn check_lots(&self, f: &mut Faults) -> Vec<LotInput> {
        if self.lots.len() > 100 {
            f.push(Invalid::new("lots", "一个公告最多列出100个标段"));
            return vec![];
        }
        let mut lots: Vec<LotInput> = vec![];
        for (i, l) in self.lots.iter().enumerate() {
            let id = l.id.trim();
            let title = l.title.trim();
            if id.is_empty() || id.chars().count() > 50 {
                f.push(Invalid::new(
                    "lots",
                    format!("第{}个标段的编号应为1至50个字符", i + 1),
                ));
                continue;
            }
            if lots.iter().any(|x| x.id == id) {
                f.push(Invalid::new("lots", format!("标段编号“{id}”重复")));
                continue;
            }
            if title.is_empty() || title.chars().count() > 200 {
                f.push(Invalid::new(
                    "lots",
                    format!("标段“{id}”的名称应为1至200个字"),
                ));
                continue;
            }
            if let Some(a) = l.amount_fen
                && !(0..=MAX_FEN).contains(&a)
            {
                f.push(Invalid::new(
                    "lots",
                    format!("标段“{id}”的金额超出合理范围"),
                ));
            }
            lots.push(LotInput {
                id: id.to_string(),
                title: title.to_string(),
                amount_fen: l.amount_fen,
            });
        }
        lots
    }

    /// The bids, checked: only once bids are opened (not on a tender or its
    /// amendment), each bidder named, its code valid, its price in range.
    fn check_bids(&self, stage: Option<Stage>, f: &mut Faults) -> Vec<BidInput> {
        if self.bids.is_empty() {
            return vec![];
        }
        if matches!(stage, Some(Stage::Tender | Stage::Amendment)) {
            f.push(Invalid::new(
                "bids",
                "招标公告和更正公告不能公布投标报价（开标后公布）",
            ));
            return vec![];
        }
        if self.bids.len() > 1000 {
            f.push(Invalid::new("bids", "一个公告最多列出1000个投标"));
            return vec![];
        }
        parties(&self.bids, "bids", "投标人", f)
    }
}

/// Suppliers or bidders (`what`), checked: each named, its code valid, its amount in
/// range; the faults under `field`.
fn parties(
    list: &[SupplierInput],
    field: &'static str,
    what: &str,
    f: &mut Faults,
) -> Vec<SupplierInput> {
    let mut out = vec![];
    for (i, s) in list.iter().enumerate() {
        let name = s.name.trim();
        if name.is_empty() || name.chars().count() > 100 {
            f.push(Invalid::new(
                field,
                format!("第{}个{what}名称应为1至100个字", i + 1),
            ));
            continue;
        }
        let code = f.take(code_of(field, &format!("{what}“{name}”"), &s.credit_code));
        if let Some(a) = s.amount_fen
            && !(0..=MAX_FEN).contains(&a)
        {
            f.push(Invalid::new(
                field,
                format!("{what}“{name}”的金额超出合理范围"),
            ));
        }
        let lot = s.lot.trim();
        if lot.chars().count() > 50 {
            f.push(Invalid::new(
                field,
                format!("{what}“{name}”的标段编号不能超过50个字符"),
            ));
            continue;
        }
        // One entry for an organisation and a lot.
        let code = code.flatten().unwrap_or_default();
        let same = |o: &SupplierInput| {
            o.lot == lot
                && if code.is_empty() {
                    o.name == name
                } else {
                    o.credit_code == code
                }
        };
        if out.iter().any(same) {
            f.push(Invalid::new(
                field,
                if lot.is_empty() {
                    format!("{what}“{name}”重复")
                } else {
                    format!("{what}“{name}”在标段“{lot}”重复")
                },
            ));
            continue;
        }
        out.push(SupplierInput {
            name: name.to_string(),
            credit_code: code,
            amount_fen: s.amount_fen,
            lot: lot.to_string(),
        });
    }
    out
}

/// The amount a result announces: the winners' prices summed, or the
/// announcement's own amount.
pub fn awarded_fen(n: &Notice) -> i64 {
    let sum: i64 = n.suppliers.iter().filter_map(|s| s.amount_fen).sum();
    if sum > 0 {
        sum
    } else {
        n.amount_fen.unwrap_or(0)
    }
}

/// Fen as yuan with two decimals (OCDS amounts are in the currency's unit).
pub fn yuan(fen: i64) -> f64 {
    fen as f64 / 100.0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn a_record_names_every_fault() {
        let bad = FeedRecord {
            id: "a b".into(),
            version: Some(0),
            kind: "lottery".into(),
            stage: "result".into(),
            buyer_code: "123".into(),
            date: "2026-13-01".into(),
            amount_fen: Some(-1),
            ..Default::default()
        }
        .check(d("2026-12-06"))
        .unwrap_err();
        let fields: Vec<&str> = bad.iter().map(|i| i.field).collect();
        assert_eq!(
            fields,
            [
                "id",
                "version",
                "project",
                "kind",
                "title",
                "buyer_name",
                "buyer_code",
                "date",
                "amount_fen",
                "suppliers"
            ]
        );
    }

    #[test]
    fn a_result_maps_to_an_award() {
        let n = FeedRecord {
            id: "ZFCG-1-R".into(),
            version: Some(2),
            project: "ZFCG-1".into(),
            kind: "goods".into(),
            stage: "中标结果公告".into(),
            title: "办公设备采购中标结果公告".into(),
            buyer_name: "市政务服务管理办公室".into(),
            date: "2026-12-01".into(),
            suppliers: vec![SupplierInput {
                name: "昆山某科技有限公司".into(),
                amount_fen: Some(12_345_600),
                ..Default::default()
            }],
            ..Default::default()
        }
        .check(d("2026-12-06"))
        .unwrap();
        assert_eq!(
            (n.stage.ocds_tag(), n.kind.ocds_category()),
            ("award", "goods")
        );
        assert_eq!(awarded_fen(&n), 12_345_600);
        assert_eq!(yuan(awarded_fen(&n)), 123_456.0);
    }
}
