//! 涉审中介 and the 中介超市: the intermediary services approvals require, the
//! agencies registered to provide them (qualifications with their validity, fee
//! standards, any tie to a government body and the day it was cut — 摘红顶), the
//! service requests project owners publish, the quotes agencies make, the rule that
//! selects one, the owner's rating of the delivered work, and each agency's credit
//! score from its ratings and penalties.

use crate::codes::{CreditCode, Phone};
use crate::{Faults, Invalid, required_text};
use chrono::NaiveDate;

/// The intermediary services approvals require (code, name).
pub const SERVICES: &[(&str, &str)] = &[
    ("hjpj", "环境影响评价"),
    ("jnpg", "节能评估"),
    ("aqpj", "安全评价"),
    ("dzpg", "地质灾害危险性评估"),
    ("stbc", "水土保持方案编制"),
    ("gckc", "工程勘察"),
    ("gcsj", "工程设计"),
    ("sgtsc", "施工图审查"),
    ("chfw", "工程测绘"),
    ("fcch", "房产测绘"),
    ("jtpj", "交通影响评价"),
    ("fljc", "防雷装置检测"),
    ("xfjs", "消防技术服务"),
    ("zljc", "建设工程质量检测"),
    ("zjzx", "工程造价咨询"),
    ("zcpg", "资产评估"),
];

/// One of [`SERVICES`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Service(usize);

impl Service {
    /// A service by its code or its name.
    pub fn parse(s: &str) -> Result<Self, Invalid> {
        let s = s.trim();
        if s.is_empty() {
            return Err(Invalid::new("service", "请选择中介服务类型"));
        }
        SERVICES
            .iter()
            .position(|(c, n)| *c == s || *n == s)
            .map(Self)
            .ok_or_else(|| Invalid::new("service", format!("中介服务类型“{s}”不存在")))
    }
    pub fn code(self) -> &'static str {
        SERVICES[self.0].0
    }
    pub fn name(self) -> &'static str {
        SERVICES[self.0].1
    }
    pub fn all() -> impl Iterator<Item = Service> {
        (0..SERVICES.len()).map(Service)
    }
}

/// The name of a service code, or the code itself when unknown.
pub fn service_name(code: &str) -> &str {
    match Service::parse(code) {
        Ok(s) => s.name(),
        Err(_) => code,
    }
}

/// How a request selects its agency (选取方式).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rule {
    /// 最低价选取: the lowest quote, the earliest of equal ones.
    Lowest,
    /// 随机抽取: drawn among the quotes, the draw recorded in the audit chain.
    Random,
    /// 直接选取: the owner chooses, allowed for small budgets only.
    Direct,
}

/// Direct choice is allowed up to this budget (5万元), with a reason.
pub const DIRECT_LIMIT_FEN: i64 = 5_000_000;

impl Rule {
    pub fn parse(s: &str) -> Result<Self, Invalid> {
        match s.trim() {
            "lowest" | "最低价选取" => Ok(Self::Lowest),
            "random" | "随机抽取" => Ok(Self::Random),
            "direct" | "直接选取" => Ok(Self::Direct),
            "" => Err(Invalid::new("rule", "请选择选取方式")),
            o => Err(Invalid::new(
                "rule",
                format!(
                    "选取方式“{o}”无效，应为 lowest（最低价选取）、random（随机抽取）或 direct（直接选取）"
                ),
            )),
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Lowest => "lowest",
            Self::Random => "random",
            Self::Direct => "direct",
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            Self::Lowest => "最低价选取",
            Self::Random => "随机抽取",
            Self::Direct => "直接选取",
        }
    }
}

/// An amount written in yuan (`12000`, `12000.5`, `1.2万` is not accepted), in fen;
/// positive and at most one billion yuan.
pub fn yuan_to_fen(field: &'static str, label: &str, s: &str) -> Result<i64, Invalid> {
    let v = s.trim().trim_end_matches('元').replace(',', "");
    let bad = || {
        Invalid::new(
            field,
            format!("{label}“{}”无效，应为以元计的金额，最多两位小数", s.trim()),
        )
    };
    if v.is_empty() {
        return Err(Invalid::new(field, format!("{label}不能为空")));
    }
    let (whole, part) = v.split_once('.').unwrap_or((&v, ""));
    if whole.is_empty()
        || whole.len() > 10
        || part.len() > 2
        || !whole.chars().all(|c| c.is_ascii_digit())
        || !part.chars().all(|c| c.is_ascii_digit())
    {
        return Err(bad());
    }
    let whole: i64 = whole.parse().map_err(|_| bad())?;
    let cents: i64 = if part.is_empty() {
        0
    } else {
        format!("{part:0<2}").parse().map_err(|_| bad())?
    };
    let fen = whole * 100 + cents;
    if fen <= 0 {
        return Err(Invalid::new(field, format!("{label}应大于0")));
    }
    if fen > 100_000_000_000 {
        return Err(Invalid::new(field, format!("{label}不能超过10亿元")));
    }
    Ok(fen)
}

/// A form value sent as text or, by an API client, as a number.
fn text<'de, D: serde::Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    #[derive(serde::Deserialize)]
    #[serde(untagged)]
    enum T {
        S(String),
        I(i64),
        F(f64),
    }
    Ok(match <Option<T> as serde::Deserialize>::deserialize(d)? {
        None => String::new(),
        Some(T::S(s)) => s,
        Some(T::I(i)) => i.to_string(),
        Some(T::F(f)) => f.to_string(),
    })
}

fn day(field: &'static str, label: &str, s: &str) -> Result<NaiveDate, Invalid> {
    NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").map_err(|_| {
        Invalid::new(
            field,
            if s.trim().is_empty() {
                format!("{label}不能为空")
            } else {
                format!("{label}“{}”无效，应为 YYYY-MM-DD", s.trim())
            },
        )
    })
}

fn optional(
    field: &'static str,
    label: &str,
    s: &str,
    max: usize,
) -> Result<Option<String>, Invalid> {
    if s.trim().is_empty() {
        Ok(None)
    } else {
        required_text(field, label, s, max).map(Some)
    }
}

/// An agency as registered (入驻中介超市).
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default)]
pub struct AgencyInput {
    pub credit_code: String,
    pub name: String,
    pub address: String,
    pub contact_name: String,
    pub phone: String,
    /// The government body it was tied to (主管部门), if any.
    pub gov_body: String,
    /// The day the tie was cut (脱钩日期).
    pub decoupled_on: String,
}

#[derive(Debug, Clone)]
pub struct Agency {
    pub credit_code: CreditCode,
    pub name: String,
    pub address: String,
    pub contact_name: String,
    pub phone: Phone,
    pub gov_body: Option<String>,
    pub decoupled_on: Option<NaiveDate>,
}

impl AgencyInput {
    pub fn check(&self, today: NaiveDate) -> Result<Agency, Vec<Invalid>> {
        let mut f = Faults::default();
        let credit_code = f.take(
            CreditCode::parse(&self.credit_code)
                .map_err(|e| Invalid::new("credit_code", format!("统一社会信用代码：{e}"))),
        );
        let name = f.take(required_text("name", "机构名称", &self.name, 100));
        let address = f.take(required_text("address", "地址", &self.address, 200));
        let contact_name = f.take(required_text(
            "contact_name",
            "联系人",
            &self.contact_name,
            50,
        ));
        let phone = f.take(
            Phone::parse(&self.phone).map_err(|e| Invalid::new("phone", format!("联系电话：{e}"))),
        );
        let gov_body = f
            .take(optional("gov_body", "主管部门", &self.gov_body, 100))
            .flatten();
        let decoupled_on = if self.decoupled_on.trim().is_empty() {
            None
        } else {
            f.take(day("decoupled_on", "脱钩日期", &self.decoupled_on))
        };
        if let Some(d) = decoupled_on {
            if gov_body.is_none() {
                f.push(Invalid::new(
                    "decoupled_on",
                    "填写脱钩日期时应同时填写原主管部门",
                ));
            }
            if d > today {
                f.push(Invalid::new("decoupled_on", "脱钩日期不能晚于今天"));
            }
        }
        let v = match (credit_code, name, address, contact_name, phone) {
            (Some(credit_code), Some(name), Some(address), Some(contact_name), Some(phone)) => {
                Some(Agency {
                    credit_code,
                    name,
                    address,
                    contact_name,
                    phone,
                    gov_body,
                    decoupled_on,
                })
            }
            _ => None,
        };
        f.finish(v)
    }
}

/// A qualification an agency holds for one service, with its fee standard.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default)]
pub struct QualificationInput {
    pub service: String,
    /// 资质名称 and 等级.
    pub name: String,
    pub level: String,
    pub cert_no: String,
    pub valid_from: String,
    pub valid_until: String,
    /// 收费标准, as the agency publishes it.
    pub fee_standard: String,
}

#[derive(Debug, Clone)]
pub struct Qualification {
    pub service: Service,
    pub name: String,
    pub level: String,
    pub cert_no: String,
    pub valid_from: NaiveDate,
    pub valid_until: NaiveDate,
    pub fee_standard: String,
}

impl QualificationInput {
    pub fn check(&self) -> Result<Qualification, Vec<Invalid>> {
        let mut f = Faults::default();
        let service = f.take(Service::parse(&self.service));
        let name = f.take(required_text("name", "资质名称", &self.name, 100));
        let level = f.take(required_text("level", "资质等级", &self.level, 20));
        let cert_no = f.take(required_text("cert_no", "证书编号", &self.cert_no, 50));
        let from = f.take(day("valid_from", "有效期起", &self.valid_from));
        let until = f.take(day("valid_until", "有效期至", &self.valid_until));
        let fee = f.take(required_text(
            "fee_standard",
            "收费标准",
            &self.fee_standard,
            500,
        ));
        if let (Some(a), Some(b)) = (from, until)
            && b < a
        {
            f.push(Invalid::new("valid_until", "有效期至不能早于有效期起"));
        }
        let v = match (service, name, level, cert_no, from, until, fee) {
            (
                Some(service),
                Some(name),
                Some(level),
                Some(cert_no),
                Some(valid_from),
                Some(valid_until),
                Some(fee_standard),
            ) => Some(Qualification {
                service,
                name,
                level,
                cert_no,
                valid_from,
                valid_until,
                fee_standard,
            }),
            _ => None,
        };
        f.finish(v)
    }
}

/// A penalty recorded against an agency (行政处罚、不良行为), its points deducted from
/// the credit score while in force.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default)]
pub struct PenaltyInput {
    pub reason: String,
    pub authority: String,
    pub decided_on: String,
    pub valid_until: String,
    #[serde(deserialize_with = "text")]
    pub points: String,
}

#[derive(Debug, Clone)]
pub struct Penalty {
    pub reason: String,
    pub authority: String,
    pub decided_on: NaiveDate,
    pub valid_until: NaiveDate,
    pub points: i64,
}

impl PenaltyInput {
    pub fn check(&self, today: NaiveDate) -> Result<Penalty, Vec<Invalid>> {
        let mut f = Faults::default();
        let reason = f.take(required_text("reason", "处罚事由", &self.reason, 500));
        let authority = f.take(required_text("authority", "处罚机关", &self.authority, 100));
        let decided = f.take(day("decided_on", "处罚日期", &self.decided_on));
        let until = f.take(day("valid_until", "公示期至", &self.valid_until));
        let points = f.take(
            self.points
                .trim()
                .parse::<i64>()
                .ok()
                .filter(|p| (1..=50).contains(p))
                .ok_or_else(|| Invalid::new("points", "扣分应为1至50的整数")),
        );
        if let Some(d) = decided
            && d > today
        {
            f.push(Invalid::new("decided_on", "处罚日期不能晚于今天"));
        }
        if let (Some(a), Some(b)) = (decided, until)
            && b < a
        {
            f.push(Invalid::new("valid_until", "公示期至不能早于处罚日期"));
        }
        let v = match (reason, authority, decided, until, points) {
            (Some(reason), Some(authority), Some(decided_on), Some(valid_until), Some(points)) => {
                Some(Penalty {
                    reason,
                    authority,
                    decided_on,
                    valid_until,
                    points,
                })
            }
            _ => None,
        };
        f.finish(v)
    }
}

/// A service request as the owner writes it (发布服务需求).
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default)]
pub struct RequestInput {
    pub service: String,
    pub title: String,
    pub content: String,
    /// The construction project's code, if it is for one.
    pub project: String,
    /// 最高限价, in yuan.
    #[serde(deserialize_with = "text")]
    pub budget: String,
    pub rule: String,
    /// Why direct choice (直接选取的理由).
    pub reason: String,
    /// The last day quotes are taken (报价截止日期).
    pub deadline: String,
}

#[derive(Debug, Clone)]
pub struct Request {
    pub service: Service,
    pub title: String,
    pub content: String,
    pub project: Option<String>,
    pub budget_fen: i64,
    pub rule: Rule,
    pub reason: Option<String>,
    pub deadline: NaiveDate,
}

impl RequestInput {
    pub fn check(&self, today: NaiveDate) -> Result<Request, Vec<Invalid>> {
        let mut f = Faults::default();
        let service = f.take(Service::parse(&self.service));
        let title = f.take(required_text("title", "需求名称", &self.title, 100));
        let content = f.take(required_text("content", "服务内容", &self.content, 2000));
        let project = f
            .take(optional("project", "项目代码", &self.project, 50))
            .flatten();
        let budget = f.take(yuan_to_fen("budget", "最高限价", &self.budget));
        let rule = f.take(Rule::parse(&self.rule));
        let reason = f
            .take(optional("reason", "直接选取理由", &self.reason, 500))
            .flatten();
        let deadline = f.take(day("deadline", "报价截止日期", &self.deadline));
        if let Some(d) = deadline
            && (d < today || d > today + chrono::Duration::days(60))
        {
            f.push(Invalid::new("deadline", "报价截止日期应在今天至60天之内"));
        }
        if rule == Some(Rule::Direct) {
            if reason.is_none() {
                f.push(Invalid::new("reason", "直接选取须写明理由"));
            }
            if budget.is_some_and(|b| b > DIRECT_LIMIT_FEN) {
                f.push(Invalid::new(
                    "rule",
                    "最高限价超过5万元的服务需求不能直接选取，应为最低价选取或随机抽取",
                ));
            }
        }
        let v = match (service, title, content, budget, rule, deadline) {
            (
                Some(service),
                Some(title),
                Some(content),
                Some(budget_fen),
                Some(rule),
                Some(deadline),
            ) => Some(Request {
                service,
                title,
                content,
                project,
                budget_fen,
                rule,
                reason: if rule == Rule::Direct { reason } else { None },
                deadline,
            }),
            _ => None,
        };
        f.finish(v)
    }
}

/// A quote: the price (yuan), the working days promised, a note.
pub fn check_quote(
    amount: &str,
    days: &str,
    note: &str,
    budget_fen: i64,
) -> Result<(i64, i64, String), Vec<Invalid>> {
    let mut f = Faults::default();
    let fen = f.take(yuan_to_fen("amount", "报价", amount));
    if let Some(a) = fen
        && a > budget_fen
    {
        f.push(Invalid::new(
            "amount",
            format!("报价不能高于最高限价{}元", crate::trading::yuan(budget_fen)),
        ));
    }
    let days = f.take(
        days.trim()
            .parse::<i64>()
            .ok()
            .filter(|d| (1..=365).contains(d))
            .ok_or_else(|| Invalid::new("days", "承诺服务时限应为1至365个工作日")),
    );
    let note = f
        .take(optional("note", "报价说明", note, 500))
        .unwrap_or_default()
        .unwrap_or_default();
    let v = match (fen, days) {
        (Some(a), Some(d)) => Some((a, d, note)),
        _ => None,
    };
    f.finish(v)
}

/// The owner's rating of delivered work: quality, timeliness, attitude and fees,
/// each 1 (非常不满意) to 5 (非常满意).
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default)]
pub struct RatingInput {
    #[serde(deserialize_with = "text")]
    pub quality: String,
    #[serde(deserialize_with = "text")]
    pub timeliness: String,
    #[serde(deserialize_with = "text")]
    pub attitude: String,
    #[serde(deserialize_with = "text")]
    pub fees: String,
    pub note: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rating {
    pub quality: i64,
    pub timeliness: i64,
    pub attitude: i64,
    pub fees: i64,
}

impl Rating {
    /// The four marks summed (4 to 20).
    pub fn points(self) -> i64 {
        self.quality + self.timeliness + self.attitude + self.fees
    }
}

impl RatingInput {
    pub fn check(&self) -> Result<(Rating, Option<String>), Vec<Invalid>> {
        let mut f = Faults::default();
        let mut mark = |field: &'static str, label: &str, v: &str| {
            f.take(
                v.trim()
                    .parse::<i64>()
                    .ok()
                    .filter(|m| (1..=5).contains(m))
                    .ok_or_else(|| Invalid::new(field, format!("{label}评分应为1至5"))),
            )
        };
        let q = mark("quality", "服务质量", &self.quality);
        let t = mark("timeliness", "服务时效", &self.timeliness);
        let a = mark("attitude", "服务态度", &self.attitude);
        let fe = mark("fees", "收费", &self.fees);
        let note = f
            .take(optional("note", "评价意见", &self.note, 500))
            .flatten();
        let v = match (q, t, a, fe) {
            (Some(quality), Some(timeliness), Some(attitude), Some(fees)) => Some((
                Rating {
                    quality,
                    timeliness,
                    attitude,
                    fees,
                },
                note,
            )),
            _ => None,
        };
        f.finish(v)
    }
}

/// How many ratings the starting score of 80 counts as: one bad rating moves a new
/// agency's score, but does not shut it out of the market alone.
pub const PRIOR_RATINGS: i64 = 3;

/// An agency's credit score (0–100): the owners' ratings on a hundred (each mark of
/// 5 is 100), averaged with a starting 80 counted as [`PRIOR_RATINGS`] ratings, less
/// the points of penalties in force; rounded to the nearest point.
pub fn credit_score(rated: i64, rating_points: i64, penalty_points: i64) -> i64 {
    // rating_points sums four marks of 1..5 per rating: 20 points is 100, so a
    // rating is worth 5 per point.
    let n = rated + PRIOR_RATINGS;
    let base = (80 * PRIOR_RATINGS + 5 * rating_points + n / 2) / n;
    (base - penalty_points).clamp(0, 100)
}

/// The credit grade of a score: A (≥90), B (≥75), C (≥60), D (below: may not quote).
pub fn credit_grade(score: i64) -> &'static str {
    match score {
        90.. => "A",
        75..=89 => "B",
        60..=74 => "C",
        _ => "D",
    }
}

/// Below this score an agency may not quote.
pub const MIN_SCORE_TO_QUOTE: i64 = 60;

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn yuan_amounts() {
        assert_eq!(yuan_to_fen("a", "金额", "12000"), Ok(1_200_000));
        assert_eq!(yuan_to_fen("a", "金额", "12,000.5元"), Ok(1_200_050));
        assert!(yuan_to_fen("a", "金额", "0").is_err());
        assert!(yuan_to_fen("a", "金额", "1.234").is_err());
        assert!(yuan_to_fen("a", "金额", "-5").is_err());
        assert!(yuan_to_fen("a", "金额", "1e5").is_err());
        assert!(yuan_to_fen("a", "金额", "").is_err());
    }

    #[test]
    fn direct_choice_only_for_small_budgets_with_a_reason() {
        let today = d("2026-03-02");
        let mut r = RequestInput {
            service: "hjpj".into(),
            title: "环评报告表编制".into(),
            content: "年产500万件精密模具扩建项目环境影响报告表".into(),
            budget: "80000".into(),
            rule: "direct".into(),
            deadline: "2026-03-10".into(),
            ..Default::default()
        };
        let e = r.check(today).unwrap_err();
        assert!(e.iter().any(|i| i.field == "reason"), "{e:?}");
        assert!(e.iter().any(|i| i.field == "rule"), "{e:?}");
        r.budget = "30000".into();
        r.reason = "时间紧急，原编制单位续作".into();
        let ok = r.check(today).unwrap();
        assert_eq!(ok.rule, Rule::Direct);
        assert_eq!(ok.service.name(), "环境影响评价");
        r.deadline = "2026-03-01".into();
        assert!(r.check(today).is_err());
    }

    #[test]
    fn quotes_stay_under_the_budget() {
        assert!(check_quote("50001", "10", "", 5_000_000).is_err());
        assert_eq!(
            check_quote("50000", "10", "", 5_000_000).unwrap().0,
            5_000_000
        );
        assert!(check_quote("100", "0", "", 5_000_000).is_err());
    }

    #[test]
    fn scores_and_grades() {
        assert_eq!(credit_score(0, 0, 0), 80);
        // One perfect rating: (240 + 100) / 4.
        assert_eq!(credit_score(1, 20, 0), 85);
        // One worst rating moves it, but not out of the market.
        assert_eq!(credit_score(1, 4, 0), 65);
        assert!(credit_score(2, 8, 0) < MIN_SCORE_TO_QUOTE);
        assert_eq!(credit_score(97, 97 * 20, 0), 99);
        assert_eq!(credit_score(1, 20, 15), 70);
        assert_eq!(credit_score(1, 4, 50), 15);
        assert_eq!(credit_score(0, 0, 90), 0);
        assert_eq!(credit_grade(90), "A");
        assert_eq!(credit_grade(59), "D");
    }

    #[test]
    fn agencies_decoupled_from_a_body() {
        let today = d("2026-03-02");
        let a = AgencyInput {
            credit_code: "91320583MA1Q200031".into(),
            name: "昆山某某环境科技有限公司".into(),
            address: "昆山市前进西路1号".into(),
            contact_name: "张工".into(),
            phone: "0512-57301234".into(),
            gov_body: String::new(),
            decoupled_on: "2020-01-01".into(),
        };
        let e = a.check(today).unwrap_err();
        assert_eq!(e[0].field, "decoupled_on");
        let a = AgencyInput {
            gov_body: "昆山市环境保护局".into(),
            ..a
        };
        assert!(a.check(today).is_ok());
    }
}
