//! Section one of the annual work report ("一、xxxx年工作情况") in Markdown, every
//! blank filled from the records. The Word form is made from this same text.

use crate::metrics::Figures;
use std::fmt::Write as _;
use tongban_domain::metrics::Key;

/// A count: `1234`.
fn count(f: &Figures, key: Key) -> String {
    match f.get(key).and_then(|v| v.value) {
        Some(v) => format!("{}", v.round() as i64),
        None => "（无数据）".into(),
    }
}

/// A fraction as a percentage with two decimals: `12.34%`.
fn pct(f: &Figures, key: Key) -> String {
    match f.get(key).and_then(|v| v.value) {
        Some(v) => format!("{:.2}%", v * 100.0),
        None => "（无数据）".into(),
    }
}

fn decimal(f: &Figures, key: Key, places: usize) -> String {
    match f.get(key).and_then(|v| v.value) {
        Some(v) => format!("{v:.places$}"),
        None => "（无数据）".into(),
    }
}

/// "同比增长12.3%" / "同比下降4.0%" / "上年同期为0，不计同比".
fn yoy(f: &Figures, key: Key) -> String {
    let Some(v) = f.get(key) else {
        return String::new();
    };
    match (v.growth, v.year_earlier) {
        (Some(g), _) if g >= 0.0 => format!("同比增长{:.1}%", g * 100.0),
        (Some(g), _) => format!("同比下降{:.1}%", -g * 100.0),
        (None, Some(_)) => "上年同期为0，不计同比".into(),
        (None, None) => "上年同期无数据".into(),
    }
}

fn earlier_count(f: &Figures, key: Key) -> String {
    match f.get(key).and_then(|v| v.year_earlier) {
        Some(v) => format!("{}", v.round() as i64),
        None => "（无数据）".into(),
    }
}

/// "整体平台满意率由去年的xx%提高到xx%，" in the report's words (下降 when it fell).
fn platform_sentence(f: &Figures) -> String {
    let Some(v) = f.get(Key::HotlinePlatformSatisfaction) else {
        return String::new();
    };
    match (v.year_earlier, v.value) {
        (Some(before), Some(now)) => format!(
            "整体平台满意率由去年的{:.2}%{}{:.2}%，",
            before * 100.0,
            if now >= before { "提高到" } else { "变为" },
            now * 100.0
        ),
        (None, Some(now)) => format!(
            "整体平台满意率为{:.2}%（上年同期无回访数据），",
            now * 100.0
        ),
        _ => "整体平台满意率（无回访数据），".into(),
    }
}

/// An area in ㎡ as 万㎡ with one decimal.
fn wan_m2(v: f64) -> String {
    format!("{:.1}", v / 10_000.0)
}

/// The joint acceptance sentence of the report's first paragraph, in its words:
/// "组织对xxx个项目进行联合验收,验收项目同比增长x.x%,验收面积xxxx.x万㎡,比去年同期增长
/// xxx.x万㎡,平均每月验收xx个项目,每个项目平均办理时间为x.xx个工作日,部门平均通过率
/// xx.xx%,一次性现场验收全部通过率xx.xx%。"
fn acceptance_sentence(f: &Figures) -> String {
    let area = f.get(Key::AcceptanceAreaM2);
    let (now, earlier) = (
        area.and_then(|a| a.value),
        area.and_then(|a| a.year_earlier),
    );
    let area_now = now.map(wan_m2).unwrap_or_else(|| "（无数据）".into());
    let change = match (now, earlier) {
        (Some(n), Some(e)) if n >= e => format!("比去年同期增长{}万㎡", wan_m2(n - e)),
        (Some(n), Some(e)) => format!("比去年同期减少{}万㎡", wan_m2(e - n)),
        _ => "上年同期无数据".into(),
    };
    format!(
        "组织对{}个项目进行联合验收，验收项目{}，验收面积{area_now}万㎡，{change}，平均每月验收{}个项目，\
         每个项目平均办理时间为{}个工作日，部门平均通过率{}，一次性现场验收全部通过率{}。",
        count(f, Key::Acceptances),
        yoy(f, Key::Acceptances),
        // "xx个项目": whole projects, but a tenth where fewer than ten a month.
        match f.get(Key::AcceptancesPerMonth).and_then(|v| v.value) {
            Some(v) if v < 10.0 => format!("{v:.1}"),
            _ => decimal(f, Key::AcceptancesPerMonth, 0),
        },
        decimal(f, Key::AcceptanceAvgWorkingDays, 2),
        pct(f, Key::AcceptanceDeptPassRate),
        pct(f, Key::AcceptanceFirstPassRate),
    )
}

/// The items handled fastest against their promise, in the report's words
/// ("由承诺期x个工作日缩短为平均办理时间x个工作日，提速xx%"): the three with the most
/// cases among those faster than promised.
fn speed_sentence(f: &Figures) -> String {
    let Some(rows) = f.get(Key::ItemSpeedups).and_then(|v| v.rows.as_ref()) else {
        return String::new();
    };
    let parts: Vec<String> = rows
        .iter()
        .filter(|r| r.rate.is_some_and(|x| x > 0.0))
        .take(3)
        .filter_map(|r| {
            Some(format!(
                "{}由承诺期{}个工作日缩短为平均办理时间{:.1}个工作日，提速{:.0}%",
                r.name,
                r.limit_days.map(|d| format!("{d:.0}"))?,
                r.average_days?,
                r.rate? * 100.0
            ))
        })
        .collect();
    if parts.is_empty() {
        String::new()
    } else {
        format!("按实际办理时间，{}。", parts.join("；"))
    }
}

/// 审批清单目录化规范化动态化管理: the catalog, its reforms and its speed.
fn catalog_paragraph(f: &Figures, s: &mut String) {
    let _ = writeln!(s, "### 审批清单目录化规范化动态化管理\n");
    let _ = writeln!(
        s,
        "目前中心{}个进驻部门中，{}个部门已经单独设立行政服务科。\
         取消{}个行政审批事项；{}个事项转移至行业协会；{}项行政审批事项继续暂停行使（挂起）。\
         截至{}，中心共有{}个（{}个子项）进驻在用事项，精简了{}个审批事项，精简比例达{}。\
         新增即办项目{}个，目前中心共有即办项目{}个，即办项目占比达{}。进驻事项总体提速{}。\
         {}个事项可在区镇便民服务中心、派出所分理点受理。{}\
         各窗口不断创新服务举措，共推出{}项创新服务举措。\n",
        count(f, Key::StationedDepartments),
        count(f, Key::DepartmentsWithServiceSection),
        count(f, Key::ItemsCancelled),
        count(f, Key::ItemsTransferred),
        count(f, Key::ItemsSuspended),
        crate::time::cn_date(&f.period.to),
        count(f, Key::ItemsInUse),
        count(f, Key::SubItemsInUse),
        count(f, Key::ItemsCut),
        pct(f, Key::CutRatio),
        count(f, Key::NewInstantItems),
        count(f, Key::ItemsInstant),
        pct(f, Key::InstantShare),
        pct(f, Key::SpeedupRate),
        count(f, Key::ItemsDelegated),
        speed_sentence(f),
        count(f, Key::InnovationMeasures),
    );
}

/// Section one of the work report in Markdown.
pub fn markdown(f: &Figures) -> String {
    let mut s = String::new();
    let label = &f.period.label;
    let _ = writeln!(s, "## 一、{label}工作情况\n");
    let _ = writeln!(
        s,
        "统计期间：{} 至 {}（工作日{}天）；同比对照期间：{} 至 {}。\n",
        crate::time::cn_date(&f.period.from),
        crate::time::cn_date(&f.period.to),
        f.period.working_days,
        crate::time::cn_date(&f.year_earlier_period.from),
        crate::time::cn_date(&f.year_earlier_period.to)
    );
    let _ = writeln!(
        s,
        "{label}，市政务服务中心共受理各类办件{}件（{}），日均受理{}件。\
         即办件{}件（{}）。网上审批办件{}件（{}），网上审批率为{}。\
         办结办件{}件。推行告知承诺制办件{}件、容缺受理办件{}件，核查发现承诺不实撤销许可{}件。\
         秒批办件{}件，占受理办件的{}；完成秒批事后核查{}件，有异议{}件，撤销秒批许可{}件。{}\n",
        count(f, Key::CasesAccepted),
        match f.get(Key::CasesAccepted).and_then(|v| v.growth) {
            Some(_) => format!(
                "上年同期{}件，{}",
                earlier_count(f, Key::CasesAccepted),
                yoy(f, Key::CasesAccepted)
            ),
            None => yoy(f, Key::CasesAccepted),
        },
        decimal(f, Key::CasesPerWorkingDay, 1),
        count(f, Key::CasesInstant),
        yoy(f, Key::CasesInstant),
        count(f, Key::CasesOnline),
        yoy(f, Key::CasesOnline),
        pct(f, Key::OnlineRate),
        count(f, Key::CasesClosed),
        count(f, Key::CasesCommitment),
        count(f, Key::CasesTolerance),
        count(f, Key::CommitmentsRevoked),
        count(f, Key::CasesAuto),
        pct(f, Key::AutoShare),
        count(f, Key::AfterChecks),
        count(f, Key::AfterCheckDisputes),
        count(f, Key::AutoRevoked),
        acceptance_sentence(f),
    );
    catalog_paragraph(f, &mut s);
    let _ = writeln!(s, "### “三证合一、一照一码”\n");
    let _ = writeln!(
        s,
        "{label}，“三证合一”办件量达到{}件（{}），已发放“一照一码”营业执照{}件（{}）。\n",
        count(f, Key::Registrations),
        yoy(f, Key::Registrations),
        count(f, Key::BusinessLicensesIssued),
        yoy(f, Key::BusinessLicensesIssued),
    );
    points_section(f, &mut s);
    let _ = writeln!(s, "\n### 各进驻部门受理情况\n");
    let _ = writeln!(
        s,
        "| 部门 | 受理办件（件） | 即办件（件） | 网上审批办件（件） | 办结办件（件） | 上年同期受理（件） |"
    );
    let _ = writeln!(s, "|---|---:|---:|---:|---:|---:|");
    for d in &f.by_department {
        let _ = writeln!(
            s,
            "| {} | {} | {} | {} | {} | {} |",
            d.name,
            d.cases_accepted,
            d.cases_instant,
            d.cases_online,
            d.cases_closed,
            d.cases_accepted_year_earlier
        );
    }
    let _ = writeln!(s, "\n### 12345便民服务热线\n");
    let channels = f
        .get(Key::HotlineByChannel)
        .and_then(|v| v.rows.as_ref())
        .map(|rows| {
            rows.iter()
                .filter(|r| r.value > 0)
                .map(|r| format!("{}{}个", r.name, r.value))
                .collect::<Vec<_>>()
                .join("、")
        })
        .unwrap_or_default();
    let _ = writeln!(
        s,
        "12345便民服务中心受理总量{}个（{}）{}，形成有效工单{}件；直接咨询解答{}件，直接解答率{}；\
         交办工单{}件，按时办结率{}，平均满意度{}。\
         工单差错率{}；响应率{}，解决率{}，满意率{}。\
         热线呼入来电{}个，接通率{}，15秒接通率{}，接通来电平均等待{}秒；漏话回拨{}个。\
         {}共收到锦旗{}面，{}个来电表扬。\n",
        count(f, Key::HotlineReceived),
        yoy(f, Key::HotlineReceived),
        if channels.is_empty() {
            String::new()
        } else {
            format!("，其中：{channels}")
        },
        count(f, Key::HotlineValidOrders),
        count(f, Key::HotlineDirectAnswers),
        pct(f, Key::HotlineDirectAnswerRate),
        count(f, Key::HotlineDispatched),
        pct(f, Key::HotlineOnTimeRate),
        pct(f, Key::HotlineAvgSatisfaction),
        pct(f, Key::HotlineErrorRate),
        pct(f, Key::HotlineResponseRate),
        pct(f, Key::HotlineResolutionRate),
        pct(f, Key::HotlineSatisfactionRate),
        count(f, Key::HotlineCalls),
        pct(f, Key::HotlineConnectionRate),
        pct(f, Key::HotlineAnswered15sRate),
        decimal(f, Key::HotlineAvgWaitSeconds, 1),
        count(f, Key::HotlineMissedCallbacks),
        platform_sentence(f),
        count(f, Key::Banners),
        count(f, Key::PraiseCalls),
    );
    let _ = writeln!(
        s,
        "政务服务“好差评”共收到评价{}件（{}），好评率{}；差评{}件，差评按时整改率{}；平均满意度得分{}分。\n",
        count(f, Key::RatingsReceived),
        yoy(f, Key::RatingsReceived),
        pct(f, Key::RatingsGoodRate),
        count(f, Key::RatingsBad),
        pct(f, Key::RatingsBadAnsweredRate),
        decimal(f, Key::RatingsAvgScore, 1),
    );
    supervision_and_enterprise(&mut s, f);
    s
}

/// The window supervision and the enterprise complaint center's paragraphs.
fn supervision_and_enterprise(s: &mut String, f: &Figures) {
    let _ = writeln!(s, "### 窗口监督\n");
    let _ = writeln!(
        s,
        "开展窗口月度巡查{}次，发现问题{}个；实行第三方暗访机制，暗访{}次，平均得分{}分，将结果与窗口考核挂钩。\n",
        count(f, Key::Patrols),
        count(f, Key::PatrolProblems),
        count(f, Key::MysteryVisits),
        decimal(f, Key::MysteryVisitScore, 1),
    );
    let _ = writeln!(s, "### 企业投诉处理中心\n");
    let _ = writeln!(
        s,
        "对{}个挂钩项目进行审批全流程跟踪，每周跟踪、每月汇总、每季分析挂钩项目进度，并对项目审批中遇到的问题进行协调，协调解决问题{}个。\n",
        count(f, Key::ProjectsTracked),
        count(f, Key::ProblemsCoordinated),
    );
    let _ = writeln!(
        s,
        "受理企业投诉{}件，按时答复率{}，企业对答复的满意率{}。\n",
        count(f, Key::ComplaintsReceived),
        pct(f, Key::ComplaintsOnTimeRate),
        pct(f, Key::ComplaintsSatisfaction),
    );
    let _ = writeln!(
        s,
        "做好每季度政府满意度测评工作，依托各区镇招商服务中心、台协分会、商会等发放测评问卷，回收率{}，企业对全市各职能部门的满意度平均得分{}分。\n",
        pct(f, Key::SurveyResponseRate),
        decimal(f, Key::SurveySatisfaction, 2),
    );
    let _ = writeln!(s, "### 公共资源交易\n");
    let _ = writeln!(
        s,
        "“公共资源交易信息网”数据与建设工程交易中心、政府采购中心、国土局招投标系统对接，完成交易项目{}件，总成交金额{}亿元。\n",
        count(f, Key::TradingTransactions),
        decimal(f, Key::TradingAmountYi, 2),
    );
    let _ = writeln!(s, "### 涉审中介\n");
    let _ = writeln!(
        s,
        "规范行政审批中介服务，中介机构脱钩、摘掉“红顶”后入驻网上中介超市，项目业主在中介超市选取中介服务{}次，成交金额{}万元，对中介服务的评价平均得分{}分。\n",
        count(f, Key::IntermediaryOrders),
        decimal(f, Key::IntermediaryAmountWan, 2),
        decimal(f, Key::IntermediarySatisfaction, 1),
    );
}

/// A block of the report's Markdown, for writers of other formats (Word, HTML).
#[derive(Debug, Clone, PartialEq)]
pub enum Block {
    /// Level 1 (`## `) or 2 (`### `).
    Heading(u8, String),
    Paragraph(String),
    /// Rows of cells, the first the header; `right[i]`: column i holds numbers.
    Table {
        rows: Vec<Vec<String>>,
        right: Vec<bool>,
    },
}

fn cells(line: &str) -> Vec<String> {
    let inner = line.trim().trim_start_matches('|').trim_end_matches('|');
    inner.split('|').map(|c| c.trim().to_string()).collect()
}

/// The report's Markdown (as `markdown` writes it) as blocks.
pub fn blocks(md: &str) -> Vec<Block> {
    let mut out = Vec::new();
    let mut lines = md.lines().peekable();
    while let Some(line) = lines.next() {
        let t = line.trim();
        if t.is_empty() {
            continue;
        }
        if let Some(h) = t.strip_prefix("### ") {
            out.push(Block::Heading(2, h.into()));
        } else if let Some(h) = t.strip_prefix("## ") {
            out.push(Block::Heading(1, h.into()));
        } else if let Some(h) = t.strip_prefix("# ") {
            out.push(Block::Heading(1, h.into()));
        } else if t.starts_with('|') {
            let mut rows = vec![cells(t)];
            let mut right = Vec::new();
            while let Some(next) = lines.peek().map(|l| l.trim()) {
                if !next.starts_with('|') {
                    break;
                }
                let row = cells(next);
                if row
                    .iter()
                    .all(|c| !c.is_empty() && c.chars().all(|ch| matches!(ch, '-' | ':')))
                {
                    right = row.iter().map(|c| c.ends_with(':')).collect();
                } else {
                    rows.push(row);
                }
                lines.next();
            }
            out.push(Block::Table { rows, right });
        } else {
            out.push(Block::Paragraph(t.into()));
        }
    }
    out
}

/// 多点受理、同城通办: cases taken away from the center, in total, per department (分流)
/// and per point.
fn points_section(f: &Figures, s: &mut String) {
    let _ = writeln!(s, "### 多点受理、同城通办\n");
    let accepted = f
        .get(Key::CasesAccepted)
        .and_then(|v| v.value)
        .unwrap_or(0.0);
    let away = f
        .get(Key::CasesAwayFromCenter)
        .and_then(|v| v.value)
        .unwrap_or(0.0);
    let share = if accepted > 0.0 {
        format!("{:.2}%", away / accepted * 100.0)
    } else {
        "（无数据）".into()
    };
    let _ = writeln!(
        s,
        "各区镇便民服务中心及派出所分理点共受理办件{}件，占受理总量的{share}。\n",
        count(f, Key::CasesAwayFromCenter),
    );
    // 分流 by kind of matter: each department's share handled away from the center.
    let mut away: Vec<&crate::metrics::DepartmentRow> = f
        .by_department
        .iter()
        .filter(|d| d.cases_away > 0)
        .collect();
    away.sort_by_key(|d| std::cmp::Reverse(d.cases_away));
    if !away.is_empty() {
        let parts: Vec<String> = away
            .iter()
            .take(5)
            .map(|d| {
                format!(
                    "{}在区镇及分理点受理{}件，占该部门受理办件的{:.2}%",
                    d.name,
                    d.cases_away,
                    d.cases_away as f64 / d.cases_accepted as f64 * 100.0
                )
            })
            .collect();
        let _ = writeln!(s, "分流情况：{}。\n", parts.join("；"));
    }
    let _ = writeln!(s, "| 受理点 | 受理办件（件） | 上年同期（件） |");
    let _ = writeln!(s, "|---|---:|---:|");
    if let Some(rows) = f.get(Key::CasesByPoint).and_then(|v| v.rows.as_ref()) {
        for r in rows {
            let _ = writeln!(s, "| {} | {} | {} |", r.name, r.value, r.year_earlier);
        }
    }
}
