//! Demo data: a county-level service office shaped like Kunshan's (about 40 stationed
//! departments, 700 catalog items from a real county's list, 11 town points, police
//! sub-stations) and a year of cases with realistic applicants, lifecycles, clocks
//! and ratings. Deterministic for a given seed.
//!
//! The seeders write a year of records in bulk and read as one story each; they are
//! exempt from the function-length limit the rest of the code keeps.
#![allow(clippy::too_many_lines)]

pub mod auto_approval;
mod bundles;
mod enterprise;
mod guides;
pub mod hotline;
pub mod intermediary;
pub mod kb;
pub mod projects;
pub mod reforms;
pub mod registration;
mod supervision;
pub mod trading;

use anyhow::Context;
use chrono::{Datelike, Duration, NaiveDate, NaiveTime, TimeZone};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::collections::HashMap;
use tongban_domain::calendar::{Calendar, Pause, TimeUnit};
use tongban_domain::case::{CaseNo, CaseStatus, clocks, mask_id};
use tongban_domain::catalog::{
    Fee, ItemContent, ItemStatus, Material, OnlineDepth, PowerSource, PowerType, TimeLimit,
};
use tongban_domain::codes::{CreditCode, IdNumber, Mobile};
use tongban_domain::org::{PointKind, Role};
use tongban_store::audit::{self, Actor};
use tongban_store::bulk::{V, insert_rows, repair_sequences};
use tongban_store::org::{
    NewDepartment, NewUser, insert_department, insert_point, insert_user, insert_window,
    set_point_contact, set_window_location,
};
use tongban_store::{Store, time};

pub const DEMO_PASSWORD: &str = "demo-2026";
/// The demo's first complaining enterprise: its credit code and name (`enterprise.rs`).
pub const DEMO_ENTERPRISE: (&str, &str) = enterprise::FIRST_ENTERPRISE;
/// Its contact's name and phone.
pub const DEMO_ENTERPRISE_CONTACT: (&str, &str) = enterprise::FIRST_CONTACT;

/// Setting written when a demo seed has completed.
pub const SEEDED_MARK: &str = "demo_seeded_at";

/// (username, role, where) of the demo accounts, printed by `demo`.
/// The demo administrator's TOTP secret (base32): add it to any authenticator app.
pub const DEMO_TOTP_SECRET: &str = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP";

/// The demo's applicant (name, ID number, phone), bound for real-name sign-in.
pub const DEMO_APPLICANT: (&str, &str, &str) = ("张三", "11010519491231002X", "13812345678");

pub const DEMO_ACCOUNTS: &[(&str, &str, &str)] = &[
    ("admin", "admin", "系统管理员"),
    ("supervisor", "supervisor", "督查人员（查看全部）"),
    ("sj.clerk", "window_clerk", "市市场监管局窗口"),
    ("sj.approver", "approver", "市市场监管局审批"),
    ("sj.head", "department_head", "市市场监管局负责人"),
    ("rs.clerk", "window_clerk", "市人社局窗口"),
    ("rs.approver", "approver", "市人社局审批"),
    ("jt.approver", "approver", "市交通运输局审批"),
    ("zh.clerk", "window_clerk", "综合窗口（多部门受理）"),
    ("bc.clerk", "town_clerk", "巴城镇便民服务中心"),
    ("hotline", "hotline_agent", "12345 话务员"),
    ("unit.zj", "unit_handler", "市住建局（成员单位）"),
    (
        "zj.approver",
        "approver",
        "市住建局审批（施工许可、联合验收牵头）",
    ),
    ("zrzy.approver", "approver", "市自然资源和规划局审批"),
    ("fg.approver", "approver", "市发改委审批（项目备案）"),
    ("rf.approver", "approver", "市人防办审批"),
    ("yb.approver", "approver", "市医疗保障局审批（一件事联办）"),
    ("wj.approver", "approver", "市卫生健康委审批（一件事联办）"),
    ("ga.approver", "approver", "市公安局审批（一件事联办）"),
    (
        "gjj.approver",
        "approver",
        "市住房公积金管理中心审批（一件事联办）",
    ),
];

const SAMPLE_ITEMS: &str = include_str!("../../../../assets/sample-county-items.csv");
const DIVISIONS: &str = include_str!("../../../../assets/gbt2260-2024.csv");
const TOWNSHIPS: &str = include_str!("../../../../assets/kunshan-townships-2023.csv");

/// Department short codes for the sample list's departments (renamed 区 → 市), and
/// six more that a Kunshan-sized center hosts.
const DEPARTMENTS: &[(&str, &str, &str)] = &[
    ("区行政审批局", "XZSP", "市行政审批局"),
    ("区人社局", "RS", "市人力资源和社会保障局"),
    ("区交通运输局", "JT", "市交通运输局"),
    ("广安区税务局", "SW", "市税务局"),
    ("区住建局", "ZJ", "市住房和城乡建设局"),
    ("区自然资源和规划局", "ZRZY", "市自然资源和规划局"),
    ("区公安分局", "GA", "市公安局"),
    ("区医疗保障局", "YB", "市医疗保障局"),
    ("区文广旅局", "WGL", "市文体广电和旅游局"),
    ("区教科体局", "JY", "市教育局"),
    ("区农业农村局", "NY", "市农业农村局"),
    ("区司法局", "SF", "市司法局"),
    ("区卫健局", "WJ", "市卫生健康委员会"),
    ("区民政局", "MZ", "市民政局"),
    ("区市监局", "SJ", "市市场监督管理局"),
    ("区林业局", "LY", "市林业站"),
    ("区生态环境局", "HB", "苏州市昆山生态环境局"),
    ("区残联", "CL", "市残疾人联合会"),
    ("区水务局", "SL", "市水务局"),
    ("区应急管理局", "YJ", "市应急管理局"),
    ("区政府办", "ZFB", "市政府办公室"),
    ("区烟草专卖局", "YC", "市烟草专卖局"),
    ("区气象局", "QX", "市气象局"),
    ("区退役军人事务局", "TYJR", "市退役军人事务局"),
    ("区财政局", "CZ", "市财政局"),
    ("区委办", "SWB", "市委办公室"),
    ("区综合执法局", "ZHZF", "市综合行政执法局"),
    ("区发改局", "FG", "市发展和改革委员会"),
    ("区公管办", "GGZY", "市公共资源交易中心"),
    ("区商务局", "SWJ", "市商务局"),
    ("区委统战部", "TZB", "市委统战部"),
    ("区经信局", "GX", "市工业和信息化局"),
    ("区消防大队", "XF", "市消防救援大队"),
    ("区统计局", "TJ", "市统计局"),
    ("", "RF", "市人民防空办公室"),
    ("", "DA", "市档案馆"),
    ("", "GJJ", "市住房公积金管理中心"),
    ("", "BDC", "市不动产登记中心"),
    ("", "GD", "国网昆山市供电公司"),
    ("", "YZ", "市邮政管理局"),
];

/// Items every county center has that the sample list lacks, and those of the six
/// added departments (department, name, power type).
const EXTRA_ITEMS: &[(&str, &str, &str)] = &[
    ("SJ", "企业设立登记（营业执照）", "行政许可"),
    ("SJ", "企业变更登记", "行政许可"),
    ("SJ", "企业注销登记", "行政许可"),
    ("SJ", "个体工商户设立登记", "行政许可"),
    ("SJ", "食品经营许可", "行政许可"),
    ("SJ", "营业执照遗失补领", "行政确认"),
    ("SJ", "食品生产许可", "行政许可"),
    ("SJ", "药品零售企业经营许可", "行政许可"),
    ("SJ", "特种设备使用登记", "行政许可"),
    // The "one thing" bundles' members (一件事一次办).
    ("RS", "企业社会保险登记", "公共服务"),
    ("YB", "单位参保登记", "公共服务"),
    ("YB", "城乡居民参保登记", "公共服务"),
    ("GA", "普通护照签发", "行政许可"),
    ("GA", "往来港澳通行证签发", "行政许可"),
    ("GA", "往来台湾通行证签发", "行政许可"),
    ("RF", "应建防空地下室的民用建筑项目审批", "行政许可"),
    ("RF", "人防工程拆除审批", "行政许可"),
    ("RF", "防空地下室易地建设审批", "行政许可"),
    ("DA", "档案查阅利用", "公共服务"),
    ("DA", "婚姻档案查询", "公共服务"),
    ("GJJ", "住房公积金提取", "公共服务"),
    ("GJJ", "住房公积金个人贷款", "公共服务"),
    ("GJJ", "单位住房公积金缴存登记", "公共服务"),
    ("BDC", "不动产首次登记", "行政确认"),
    ("BDC", "不动产转移登记", "行政确认"),
    ("BDC", "不动产抵押登记", "行政确认"),
    ("BDC", "不动产登记资料查询", "公共服务"),
    ("GD", "低压居民用电报装", "公共服务"),
    ("GD", "高压用电报装", "公共服务"),
    ("YZ", "快递业务经营许可", "行政许可"),
];

/// Town service centers of Kunshan (code, name, township name in the statistics file).
const TOWNS: &[(&str, &str, &str)] = &[
    ("YS", "玉山镇便民服务中心", "玉山镇"),
    ("BC", "巴城镇便民服务中心", "巴城镇"),
    ("ZS", "周市镇便民服务中心", "周市镇"),
    ("LJ", "陆家镇便民服务中心", "陆家镇"),
    ("HQ", "花桥经济开发区便民服务中心", "花桥镇"),
    ("ZP", "张浦镇便民服务中心", "张浦镇"),
    ("ZZ", "周庄镇便民服务中心", ""),
    ("QD", "千灯镇便民服务中心", "千灯镇"),
    ("DSH", "淀山湖镇便民服务中心", ""),
    ("JX", "锦溪镇便民服务中心", ""),
    ("KFQ", "昆山开发区便民服务中心", "昆山开发区"),
];

const SUBSTATIONS: &[(&str, &str)] = &[
    ("PCSYS", "玉山派出所出入境分理点"),
    ("PCSBC", "巴城派出所出入境分理点"),
    ("PCSZS", "周市派出所出入境分理点"),
    ("PCSHQ", "花桥派出所出入境分理点"),
];

const SURNAMES: &str = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤";
const GIVEN: &str = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华玉萍红娥玲芬燕彬鹏辉斌宇浩凯俊帆鑫晨欣怡梓涵子轩雨萱思远嘉怡佳琪若曦宇航家豪建国建华志强海燕丽娟春梅";
const FIRMS: &[&str] = &[
    "精密机械",
    "电子科技",
    "光电",
    "新材料",
    "餐饮管理",
    "商贸",
    "物流",
    "建设工程",
    "模具",
    "食品",
    "医疗器械",
    "信息技术",
    "包装",
    "纺织",
    "汽车零部件",
    "装饰工程",
    "教育咨询",
    "人力资源",
    "环保科技",
    "智能装备",
];
const BRANDS: &str = "鼎华晟瑞泰丰源恒信达宏远嘉盛兴隆昌益新亿聚德顺博通联合创";

/// (username, full name, role, department, point)
type DemoUser = (
    &'static str,
    &'static str,
    Role,
    Option<&'static str>,
    Option<&'static str>,
);

/// A step of a generated case: when, action, from, to, note.
type Step = (
    chrono::DateTime<chrono::Utc>,
    &'static str,
    Option<CaseStatus>,
    CaseStatus,
    Option<String>,
);

pub struct Summary {
    pub departments: usize,
    pub items: usize,
    pub points: usize,
    pub cases: usize,
    pub events: usize,
    pub ratings: usize,
    pub licenses: usize,
    pub work_orders: usize,
}

impl std::fmt::Display for Summary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "演示数据已生成：{} 个进驻部门、{} 个事项、{} 个服务点、{} 件办件（{} 条流程记录、{} 条评价），{} 份电子证照",
            self.departments,
            self.items,
            self.points,
            self.cases,
            self.events,
            self.ratings,
            self.licenses
        )?;
        write!(f, "，{} 件12345工单", self.work_orders)
    }
}

struct Dept {
    id: i64,
    code: String,
    credit: String,
}

struct PointInfo {
    id: i64,
    code: String,
    kind: PointKind,
    address: String,
}

struct SeedItem {
    id: i64,
    department_id: i64,
    code: String,
    content: ItemContent,
    weight: f64,
    org_share: f64,
    /// Has a second version effective from March 1st of the year.
    v2: bool,
}

/// Seeds `years` years of cases ending with `year` (default: this year, to today),
/// so the figures of the last year can be compared with the year before.
pub async fn seed_demo(
    store: &Store,
    year: Option<i32>,
    years: u32,
    scale: f64,
    hotline_scale: Option<f64>,
    seed: u64,
) -> anyhow::Result<Summary> {
    anyhow::ensure!((1..=5).contains(&years), "--years 应为1至5");
    let hotline_scale = hotline_scale.unwrap_or(scale);
    anyhow::ensure!(
        hotline_scale > 0.0 && hotline_scale <= 100.0,
        "--hotline-scale 应大于0且不超过100"
    );
    let mut conn = store.reader().await?;
    let existing = tongban_store::count(&mut conn, "departments").await?;
    drop(conn);
    anyhow::ensure!(
        existing == 0,
        "数据库中已有机构数据：seed-demo 只能用于空数据库"
    );
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let today = time::local_day(time::now());
    let year = year.unwrap_or(today.year());
    let actor = Actor::system("seed-demo");

    // Organisation and catalog: one transaction.
    let mut tx = store.begin().await?;
    tongban_store::put_setting(&mut tx, "office_name", "昆山市政务服务中心").await?;
    tongban_store::put_setting(
        &mut tx,
        tongban_store::settings::OFFICE_PHONE,
        "0512-57328000",
    )
    .await?;
    let mut depts: HashMap<String, Dept> = HashMap::new();
    let mut dept_by_sample: HashMap<String, String> = HashMap::new();
    for (i, (sample, code, name)) in DEPARTMENTS.iter().enumerate() {
        let body = format!("{:08}", 14_000_000 + i * 37);
        let credit =
            CreditCode::generate('1', '1', "320583", &body).map_err(|e| anyhow::anyhow!("{e}"))?;
        let short = name
            .trim_start_matches("市")
            .trim_start_matches("苏州市昆山")
            .trim_start_matches("国网昆山市");
        let id = insert_department(
            &mut tx,
            &NewDepartment {
                code,
                name,
                short_name: short,
                credit_code: Some(credit.as_str()),
                stationed: true,
                has_service_section: i % 3 != 2,
                member_unit: true,
                sort: i as i64,
            },
        )
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
        depts.insert(
            code.to_string(),
            Dept {
                id,
                code: code.to_string(),
                credit: credit.as_str().to_string(),
            },
        );
        if !sample.is_empty() {
            dept_by_sample.insert(sample.to_string(), code.to_string());
        }
    }
    // The towns and districts take most 12345 orders of their place: member units
    // of the hotline, not stationed at the center.
    for (i, (code, name, _place)) in TOWN_UNITS.iter().enumerate() {
        insert_department(
            &mut tx,
            &NewDepartment {
                code,
                name,
                short_name: name,
                credit_code: None,
                stationed: false,
                has_service_section: false,
                member_unit: true,
                sort: 100 + i as i64,
            },
        )
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    }
    let township_codes: HashMap<&str, &str> = TOWNSHIPS
        .lines()
        .skip(1)
        .filter_map(|l| {
            let mut f = l.split(',');
            let code = f.next()?;
            let name = f.next()?;
            Some((name, code))
        })
        .collect();
    let mut points: Vec<PointInfo> = vec![];
    let center = insert_point(
        &mut tx,
        "ZX",
        "昆山市政务服务中心",
        PointKind::Center,
        "320583",
        "昆山市前进西路1801号",
        0,
    )
    .await
    .map_err(|e| anyhow::anyhow!("{e}"))?;
    points.push(PointInfo {
        id: center,
        code: "ZX".into(),
        kind: PointKind::Center,
        address: "昆山市前进西路1801号".into(),
    });
    for (i, name) in ["综合受理窗口（企业开办）", "综合受理窗口（社会事务）"]
        .iter()
        .enumerate()
    {
        let code = format!("ZH{}", i + 1);
        let id = insert_point(
            &mut tx,
            &code,
            name,
            PointKind::ComprehensiveWindow,
            "320583",
            "昆山市前进西路1801号 政务服务中心一楼",
            1 + i as i64,
        )
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
        points.push(PointInfo {
            id,
            code,
            kind: PointKind::ComprehensiveWindow,
            address: "昆山市前进西路1801号 政务服务中心一楼".into(),
        });
    }
    for (i, (code, name, township)) in TOWNS.iter().enumerate() {
        let division = township_codes.get(township).copied().unwrap_or("320583");
        let address = format!("昆山市{}政务服务大厅", name.replace("便民服务中心", ""));
        let id = insert_point(
            &mut tx,
            code,
            name,
            PointKind::Town,
            division,
            &address,
            10 + i as i64,
        )
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
        points.push(PointInfo {
            id,
            code: code.to_string(),
            kind: PointKind::Town,
            address,
        });
    }
    for (i, (code, name)) in SUBSTATIONS.iter().enumerate() {
        let id = insert_point(
            &mut tx,
            code,
            name,
            PointKind::Substation,
            "320583",
            name,
            30 + i as i64,
        )
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
        points.push(PointInfo {
            id,
            code: code.to_string(),
            kind: PointKind::Substation,
            address: format!("昆山市{}一楼", name.replace("出入境分理点", "")),
        });
    }
    // Windows: one per department at the center, and the comprehensive windows.
    for (i, (_, code, name)) in DEPARTMENTS.iter().enumerate() {
        let d = &depts[*code];
        insert_window(
            &mut tx,
            &format!("W{:03}", i + 1),
            &format!("{name}窗口"),
            center,
            Some(d.id),
        )
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    }
    for p in points.iter().filter(|p| p.kind != PointKind::Center) {
        insert_window(&mut tx, &format!("{}W1", p.code), "综合窗口", p.id, None)
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
    }
    // What the service guides tell people: where each window is, when and whom to
    // call. The center has two floors of department windows, areas A to D.
    for i in 0..DEPARTMENTS.len() {
        let floor = if i < 20 { "一楼" } else { "二楼" };
        let area = ["A", "B", "C", "D"][(i % 20) / 5];
        set_window_location(
            &mut tx,
            &format!("W{:03}", i + 1),
            &format!("{floor}{area}区{}号窗口", i + 1),
        )
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    }
    for (i, p) in points.iter().enumerate() {
        let (hours, phone) = match p.kind {
            PointKind::Center | PointKind::ComprehensiveWindow => (
                "周一至周五 9:00—12:00，13:30—17:00；周六 9:00—12:00 延时服务（法定节假日除外）",
                "0512-57328000".to_string(),
            ),
            PointKind::Town => (
                "周一至周五 8:30—11:30，13:30—17:00（法定节假日除外）",
                format!("0512-573{:05}", 28100 + i),
            ),
            PointKind::Substation => (
                "周一至周五 9:00—12:00，13:30—17:00；周六上午办理出入境证件",
                format!("0512-573{:05}", 28200 + i),
            ),
        };
        set_point_contact(&mut tx, &p.code, &p.address, hours, &phone)
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        if p.kind != PointKind::Center {
            let place = match p.kind {
                PointKind::ComprehensiveWindow => format!("一楼综合受理区{}号窗口", i),
                _ => "一楼大厅综合窗口".to_string(),
            };
            set_window_location(&mut tx, &format!("{}W1", p.code), &place)
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
        }
    }

    // Catalog.
    let town_codes: Vec<String> = TOWNS.iter().map(|t| t.0.to_string()).collect();
    let sub_codes: Vec<String> = SUBSTATIONS.iter().map(|s| s.0.to_string()).collect();
    let mut raw_items: Vec<(String, String, String, String)> = vec![]; // dept code, name, impl code, power type
    let mut reader = csv::Reader::from_reader(SAMPLE_ITEMS.as_bytes());
    for rec in reader.records() {
        let rec = rec?;
        let Some(dcode) = dept_by_sample.get(&rec[0]) else {
            continue;
        };
        // An item the demo gives to another department is kept there only.
        let elsewhere = EXTRA_ITEMS
            .iter()
            .map(|e| (e.0, e.1))
            .chain(guides::GUIDES.iter().map(|g| (g.department, g.name)))
            .any(|(d, n)| n == &rec[1] && d != dcode);
        if elsewhere {
            continue;
        }
        raw_items.push((
            dcode.clone(),
            // The sample county is in another province.
            rec[1].replace("四川省", "江苏省"),
            rec[2].to_string(),
            rec[3].to_string(),
        ));
    }
    // Keep every licence and every item with a written-out guide, then the rest
    // round-robin across departments, for about 700.
    let (mut kept, rest): (Vec<_>, Vec<_>) = raw_items
        .into_iter()
        .partition(|r| r.3 == "行政许可" || guides::guide(&r.0, &r.1).is_some());
    let mut by_dept: Vec<Vec<(String, String, String, String)>> = vec![];
    for r in rest {
        match by_dept.iter_mut().find(|v| v[0].0 == r.0) {
            Some(v) => v.push(r),
            None => by_dept.push(vec![r]),
        }
    }
    let mut round = 0;
    while kept.len() < 685 && by_dept.iter().any(|v| v.len() > round) {
        for v in &by_dept {
            if let Some(r) = v.get(round)
                && kept.len() < 685
            {
                kept.push(r.clone());
            }
        }
        round += 1;
    }
    let mut raw_items = kept;
    for (d, n, p) in EXTRA_ITEMS {
        if !raw_items.iter().any(|r| r.0 == *d && r.1 == *n) {
            raw_items.push((d.to_string(), n.to_string(), String::new(), p.to_string()));
        }
    }
    for g in guides::GUIDES {
        if !raw_items
            .iter()
            .any(|r| r.0 == g.department && r.1 == g.name)
        {
            raw_items.push((
                g.department.to_string(),
                g.name.to_string(),
                String::new(),
                g.power.to_string(),
            ));
        }
    }
    let effective = NaiveDate::from_ymd_opt(year - 1, 1, 1).context("year")?;
    let mut items: Vec<SeedItem> = vec![];
    let mut used_codes = std::collections::HashSet::new();
    let mut delegated_town = 0usize;
    for (n, (dcode, name, impl_code, power)) in raw_items.iter().enumerate() {
        let dept = &depts[dcode];
        let basic = impl_code
            .split('-')
            .next()
            .filter(|b| b.len() >= 6)
            .map(str::to_string)
            .unwrap_or_else(|| format!("{}{:06}", dcode, n));
        let mut code = format!("{basic}-320583000000-000-{}-1-00", dept.credit);
        let mut k = 1;
        while !used_codes.insert(code.clone()) {
            k += 1;
            code = format!("{basic}-320583000000-000-{}-1-{k:02}", dept.credit);
        }
        let power_type = PowerType::parse_code_or_label(power).unwrap_or(PowerType::Other);
        let licence = power_type == PowerType::License;
        let statutory_days: u32 = if licence {
            [20, 20, 20, 15, 30, 45][rng.random_range(0..6)]
        } else {
            [0, 10, 15, 20][rng.random_range(0..4)]
        };
        // The items the guided tour and the browser tests use are always the same
        // kind: 食品经营许可 is applied for online and decided within days,
        // 营业执照遗失补领 is handled at the window on the spot.
        let pinned = EXTRA_ITEMS
            .iter()
            .position(|e| e.1 == name.as_str() && e.0 == dcode.as_str())
            .filter(|_| dcode == "SJ");
        let tour_online = pinned.is_some() && name == "食品经营许可";
        let tour_instant = pinned.is_some() && name == "营业执照遗失补领";
        let instant = tour_instant
            || !tour_online
                && (!licence && rng.random_bool(0.35) || licence && rng.random_bool(0.12));
        let promised_days = if instant {
            0
        } else {
            let base = if statutory_days == 0 {
                10
            } else {
                statutory_days
            };
            (base as f64 * rng.random_range(0.15..0.6)).round().max(1.0) as u32
        };
        let online_depth = match rng.random_range(0..10) {
            _ if tour_online => OnlineDepth::PreReview,
            0 => OnlineDepth::Guide,
            1 => OnlineDepth::Download,
            2..=6 => OnlineDepth::PreReview,
            _ => OnlineDepth::FullyOnline,
        };
        // Delegation: transport and social-security items go to every town
        // (同城通办); exit-entry items to the police sub-stations.
        let mut accept_points = vec![];
        let common = matches!(
            dcode.as_str(),
            "JT" | "RS" | "YB" | "MZ" | "CL" | "TYJR" | "GJJ"
        ) && rng.random_bool(0.35);
        if common {
            accept_points.extend(town_codes.iter().cloned());
            delegated_town += 1;
        }
        if dcode == "GA"
            && (name.contains("出入境")
                || name.contains("往来")
                || name.contains("护照")
                || rng.random_bool(0.25))
        {
            accept_points.extend(sub_codes.iter().cloned());
        }
        let status = match (dcode.as_str(), rng.random_range(0..100)) {
            ("CZ" | "YJ" | "WGL", 0..=14) => ItemStatus::Cancelled,
            ("QX", 0..=30) => ItemStatus::Transferred,
            ("JT" | "FG" | "NY", 0..=9) => ItemStatus::Suspended,
            _ => ItemStatus::InUse,
        };
        let content = ItemContent {
            name: name.clone(),
            basic_code: basic.clone(),
            handling_code: format!("{code}-01"),
            power_type,
            power_source: if rng.random_bool(0.85) {
                PowerSource::Statutory
            } else {
                PowerSource::DelegatedFromAbove
            },
            legal_basis: guides::legal_basis(dcode, name).to_string(),
            conditions: "申请人具有完全民事行为能力，申请材料齐全、符合法定形式。".into(),
            materials: materials_for(name, power_type, &mut rng),
            steps: if instant {
                vec!["受理".into(), "办结".into()]
            } else {
                vec!["受理".into(), "审查".into(), "决定".into(), "送达".into()]
            },
            statutory: TimeLimit {
                days: statutory_days,
                unit: TimeUnit::Working,
            },
            promised: TimeLimit {
                days: promised_days,
                unit: TimeUnit::Working,
            },
            fees: if licence && rng.random_bool(0.08) {
                vec![Fee {
                    name: "证照工本费".into(),
                    amount_fen: [500, 1000, 2000][rng.random_range(0..3)],
                    basis: "苏价费〔2017〕号".into(),
                }]
            } else {
                vec![]
            },
            instant,
            visits: if online_depth == OnlineDepth::FullyOnline {
                0
            } else {
                1
            },
            online_depth,
            accept_center: true,
            accept_points,
            status,
            // Licences of 45 days are the jointly handled ones (Art. 26).
            joint_handling: licence && statutory_days == 45,
            extension: None,
            // Some licences take the applicant's signed commitment (告知承诺制).
            commitment: (licence && !instant && rng.random_bool(0.15))
                .then_some(tongban_domain::catalog::CommitmentRule { verify_days: 20 }),
            aliases: vec![],
            themes: vec![],
            registration: None,
            fields: vec![],
            auto_approval: None,
        };
        let guide = guides::guide(dcode, name);
        let (mut content, mut status) = match guide {
            Some(g) => (written_out(content, g), ItemStatus::InUse),
            None => (content, status),
        };
        // The market regulation department's registration items (三证合一、一照一码):
        // in use, reviewed (never instant), their cases carrying registrations.
        auto_approval::rules_for(name, &mut content);
        bundles::shape_item(name, &mut content);
        if let Some(kind) = registration::kind_of_item(name) {
            content.registration = Some(kind);
            // An establishment may be applied for online by the legal representative.
            if kind == tongban_domain::registration::RegistrationKind::Establish
                && !content.online_depth.accepts_online()
            {
                content.online_depth = OnlineDepth::PreReview;
            }
            content.instant = false;
            content.status = ItemStatus::InUse;
            status = ItemStatus::InUse;
        }
        let instant = content.instant;
        let dept_ref = tongban_store::org::Department {
            id: dept.id,
            code: dept.code.clone(),
            name: String::new(),
            short_name: String::new(),
            credit_code: None,
            stationed: true,
            has_service_section: true,
            member_unit: true,
        };
        let id = tongban_store::catalog::insert_item(
            &mut tx,
            store,
            &code,
            &dept_ref,
            None,
            content.clone(),
            effective,
            true,
            &actor,
        )
        .await
        .map_err(|e| anyhow::anyhow!("事项“{name}”：{e}"))?;
        // Some licences are split into sub-items (子项) handled separately.
        if licence && n % 25 == 0 && status == ItemStatus::InUse && guide.is_none() {
            for (k, kind) in ["新办", "变更"].iter().enumerate() {
                let sub_code = format!("{}-Z{}", code, k + 1);
                if !used_codes.insert(sub_code.clone()) {
                    continue;
                }
                let mut sub = content.clone();
                sub.name = format!("{name}（{kind}）");
                let sub_id = tongban_store::catalog::insert_item(
                    &mut tx,
                    store,
                    &sub_code,
                    &dept_ref,
                    Some(id),
                    sub.clone(),
                    effective,
                    true,
                    &actor,
                )
                .await
                .map_err(|e| anyhow::anyhow!("子项“{}”：{e}", sub.name))?;
                items.push(SeedItem {
                    id: sub_id,
                    department_id: dept.id,
                    code: sub_code,
                    content: sub,
                    weight: 0.2,
                    org_share: 0.5,
                    v2: false,
                });
            }
        }
        let rank = (n % 97 + 1) as f64;
        let weight =
            1.0 / rank.powf(0.9) * if common { 6.0 } else { 1.0 } * if instant { 2.0 } else { 1.0 };
        let org_share = match dcode.as_str() {
            "SJ" | "ZJ" | "JT" | "HB" | "FG" | "GX" | "SWJ" | "XZSP" | "ZRZY" | "RF" | "GD" => 0.7,
            "SW" => 0.5,
            _ => 0.15,
        };
        items.push(SeedItem {
            id,
            department_id: dept.id,
            code,
            content,
            weight,
            org_share,
            v2: false,
        });
    }
    tracing::info!(delegated_town, "items delegated to towns");
    // A few items got a second version this year: promised limits shortened (提速).
    let v2_effective = NaiveDate::from_ymd_opt(year, 3, 1).context("date")?;
    for it in items
        .iter_mut()
        .filter(|i| i.content.status == ItemStatus::InUse && !i.content.instant)
        .step_by(9)
    {
        let mut c = it.content.clone();
        c.promised.days = (c.promised.days * 2 / 3).max(1);
        tongban_store::catalog::insert_historical_version(
            &mut tx,
            store,
            &it.code,
            c.clone(),
            v2_effective,
            "承诺时限压缩（提速）",
            &actor,
        )
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
        it.v2 = true;
        it.content = c;
    }
    // Staff accounts with known passwords (demo only).
    let users: &[DemoUser] = &[
        ("admin", "系统管理员", Role::Admin, None, None),
        ("supervisor", "督查科 周敏", Role::Supervisor, None, None),
        (
            "sj.clerk",
            "市场监管窗口 陈静",
            Role::WindowClerk,
            Some("SJ"),
            None,
        ),
        (
            "sj.approver",
            "市场监管审批 王磊",
            Role::Approver,
            Some("SJ"),
            None,
        ),
        (
            "sj.head",
            "市场监管行政服务科 李强",
            Role::DepartmentHead,
            Some("SJ"),
            None,
        ),
        (
            "rs.clerk",
            "人社窗口 张燕",
            Role::WindowClerk,
            Some("RS"),
            None,
        ),
        (
            "rs.approver",
            "人社审批 刘洋",
            Role::Approver,
            Some("RS"),
            None,
        ),
        (
            "jt.approver",
            "交通审批 赵勇",
            Role::Approver,
            Some("JT"),
            None,
        ),
        (
            "zh.clerk",
            "综合窗口 孙丽",
            Role::WindowClerk,
            None,
            Some("ZH1"),
        ),
        (
            "bc.clerk",
            "巴城便民中心 朱红",
            Role::TownClerk,
            None,
            Some("BC"),
        ),
        (
            "hotline",
            "12345 话务员 徐芳",
            Role::HotlineAgent,
            None,
            None,
        ),
        (
            "zj.approver",
            "住建审批 陈建国",
            Role::Approver,
            Some("ZJ"),
            None,
        ),
        (
            "zrzy.approver",
            "规划审批 周宁",
            Role::Approver,
            Some("ZRZY"),
            None,
        ),
        (
            "fg.approver",
            "发改审批 吴涛",
            Role::Approver,
            Some("FG"),
            None,
        ),
        (
            "rf.approver",
            "人防审批 钱峰",
            Role::Approver,
            Some("RF"),
            None,
        ),
        (
            "yb.approver",
            "医保审批 孔丽",
            Role::Approver,
            Some("YB"),
            None,
        ),
        (
            "wj.approver",
            "卫健审批 邵敏",
            Role::Approver,
            Some("WJ"),
            None,
        ),
        (
            "ga.approver",
            "户政审批 贺军",
            Role::Approver,
            Some("GA"),
            None,
        ),
        (
            "gjj.approver",
            "公积金审批 钟华",
            Role::Approver,
            Some("GJJ"),
            None,
        ),
        (
            "unit.zj",
            "住建局处办员 郭杰",
            Role::UnitHandler,
            Some("ZJ"),
            None,
        ),
    ];
    for (u, name, role, d, p) in users {
        insert_user(
            &mut tx,
            store,
            &NewUser {
                username: u,
                display_name: name,
                role: *role,
                department: *d,
                point: *p,
                password: DEMO_PASSWORD,
            },
            &actor,
            false,
        )
        .await
        .map_err(|e| anyhow::anyhow!("{u}: {e}"))?;
    }
    // The demo administrator has a second factor with a printed secret, so a newcomer
    // adds it to an authenticator app.
    tongban_store::accounts::enrol_known_secret(&mut tx, store, "admin", DEMO_TOTP_SECRET).await?;
    tx.commit().await?;

    let cal = tongban_store::calendar::current(store).await?;
    let mut stats = (0, 0, 0);
    for y in (year + 1 - years as i32)..=year {
        let (c, e, r) = seed_cases(store, &cal, &items, &points, y, today, scale, &mut rng).await?;
        stats = (stats.0 + c, stats.1 + e, stats.2 + r);
    }
    let licenses = issue_demo_licenses(store, DEMO_LICENSES, &actor).await?;
    let (work_orders, _) =
        hotline::seed(store, &cal, year, years, today, hotline_scale, seed).await?;
    hotline::seed_calls(store, year, years, today, hotline_scale, seed).await?;
    kb::seed(store, year).await?;
    projects::seed(store, year, scale, seed).await?;
    projects::seed_acceptances(store, year, years, today, scale, seed).await?;
    projects::seed_stages(store, year, today, scale, seed).await?;
    registration::seed(store, year, today, scale, seed).await?;
    reforms::seed(store, year, today).await?;
    auto_approval::seed(store, year, today, scale, seed).await?;
    bundles::seed(store, year, today, scale, seed).await?;
    supervision::seed(store, year, today, scale, seed).await?;
    enterprise::seed(store, today, seed).await?;
    enterprise::complaints(store, today, seed).await?;
    enterprise::surveys(store, today, seed).await?;
    trading::seed(store, today, scale, seed).await?;
    intermediary::seed(store, today, scale, seed).await?;
    // The cases went in by bulk insert: the planner learns the tables' new sizes, and
    // the kept figures are computed once from them.
    store.analyze().await?;
    tongban_store::stats::rebuild(store).await?;
    // ...and each is sealed once, as every later audited change renews its seal.
    tongban_store::seal::seal_unsealed(store, &actor).await?;
    // ...and each gets the view a lookup reads (`cases::stored`), written afresh after
    // the bulk updates that followed the cases' insert.
    let cases = tongban_store::count(&mut *store.reader().await?, "cases").await?;
    let bar = indicatif::ProgressBar::new(cases.max(1) as u64);
    bar.set_style(crate::cli::progress_style());
    bar.set_message("生成办件查询视图");
    tongban_store::cases::stored::rebuild(store, |n| bar.set_position(n)).await?;
    bar.finish_and_clear();
    // The demo applicant, bound at a window as if a clerk had seen the ID card, so the
    // portal's real-name sign-in works out of the box.
    let (name, id, phone) = DEMO_APPLICANT;
    let phone = tongban_domain::codes::Mobile::parse(phone)?;
    let binding = tongban_store::applicants::Binding::new(store.keys(), name, id, &phone);
    // Written last: a database without it holds an interrupted seed.
    let mut tx = store.begin().await?;
    tongban_store::applicants::bind(
        &mut tx,
        store.keys(),
        &binding,
        "window",
        &actor,
        &tongban_domain::case::mask_id(id),
    )
    .await?;
    tongban_store::put_setting(&mut tx, SEEDED_MARK, &time::stamp(time::now())).await?;
    tx.commit().await?;
    Ok(Summary {
        departments: depts.len(),
        items: items.len(),
        points: points.len(),
        cases: stats.0,
        events: stats.1,
        ratings: stats.2,
        licenses,
        work_orders,
    })
}

/// Licenses issued for the latest approved closed cases of the demo, so its verify
/// pages work; older demo cases have none (signing every one would slow the seed).
const DEMO_LICENSES: i64 = 200;

/// Issues licenses, through the same path as a closing clerk, for the `limit` most
/// recently closed approved cases that have none, oldest first so numbers follow time.
async fn issue_demo_licenses(store: &Store, limit: i64, actor: &Actor) -> anyhow::Result<usize> {
    let mut ids = tongban_store::licenses::latest_unlicensed(store, limit).await?;
    ids.reverse();
    let mut tx = store.begin().await?;
    for id in &ids {
        tongban_store::licenses::issue_in(&mut tx, store.keys(), *id, actor)
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
    }
    tx.commit().await?;
    Ok(ids.len())
}

/// An item's content with its written-out guide: what people call it, its themes,
/// law, conditions, materials, fees, and its limits where the guide gives them.
fn written_out(mut c: ItemContent, g: &guides::Guide) -> ItemContent {
    c.aliases = g.aliases.iter().map(|a| a.to_string()).collect();
    c.themes = g.themes.iter().map(|t| t.to_string()).collect();
    c.legal_basis = g.basis.to_string();
    c.conditions = g.conditions.to_string();
    c.materials = g
        .materials
        .iter()
        .map(|&(name, required, original, deferrable)| Material {
            name: name.to_string(),
            required,
            original,
            electronic: true,
            copies: 1,
            deferrable,
        })
        .collect();
    c.fees = g
        .fee
        .iter()
        .map(|&(name, amount_fen, basis)| Fee {
            name: name.to_string(),
            amount_fen,
            basis: basis.to_string(),
        })
        .collect();
    if let Some((statutory, promised)) = g.limits {
        c.statutory.days = statutory;
        c.promised.days = promised;
    }
    if let Some(instant) = g.instant {
        c.instant = instant;
        if instant {
            c.steps = vec!["受理".into(), "办结".into()];
            c.commitment = None;
        } else if c.steps.len() < 3 {
            c.steps = vec!["受理".into(), "审查".into(), "决定".into(), "送达".into()];
        }
    }
    c.joint_handling = c.joint_handling && c.statutory.days == 45;
    c
}

fn materials_for(name: &str, p: PowerType, rng: &mut ChaCha8Rng) -> Vec<Material> {
    let m = |n: &str, required: bool, original: bool| Material {
        name: n.to_string(),
        required,
        original,
        electronic: true,
        copies: 1,
        // Supporting papers the office accepts to be supplied later (容缺).
        deferrable: matches!(n, "现场照片" | "技术方案" | "相关资质证明"),
    };
    let mut v = vec![
        m(
            &format!("{}申请表", name.chars().take(20).collect::<String>()),
            true,
            true,
        ),
        m("申请人身份证明", true, false),
    ];
    // An enterprise's item asks for its papers; a person's for theirs. Registering a
    // business never asks for the license it is about to issue.
    let for_business = [
        "企业", "公司", "经营", "生产", "单位", "机构", "项目", "工程", "许可",
    ]
    .iter()
    .any(|w| name.contains(w))
        && !name.contains("设立");
    let pool: &[&str] = if for_business {
        &[
            "营业执照",
            "法定代表人身份证明",
            "授权委托书及受托人身份证明",
            "场地使用证明",
            "相关资质证明",
            "技术方案",
            "现场照片",
            "承诺书",
        ]
    } else {
        &[
            "居民户口簿",
            "授权委托书及受托人身份证明",
            "居住证明",
            "相关资质证明",
            "现场照片",
            "承诺书",
            "相关证明材料",
            "银行账户信息",
        ]
    };
    let k = if p == PowerType::License {
        rng.random_range(1..5)
    } else {
        rng.random_range(0..3)
    };
    for i in 0..k {
        let name = pool[(i * 3 + rng.random_range(0..3)) % pool.len()];
        if !v.iter().any(|x| x.name == name) {
            v.push(m(name, i < 2, false));
        }
    }
    v
}

fn person_name(rng: &mut ChaCha8Rng) -> String {
    let s: Vec<char> = SURNAMES.chars().collect();
    let g: Vec<char> = GIVEN.chars().collect();
    let mut n = String::new();
    n.push(s[rng.random_range(0..s.len())]);
    for _ in 0..rng.random_range(1..3) {
        n.push(g[rng.random_range(0..g.len())]);
    }
    n
}

fn org_name(rng: &mut ChaCha8Rng) -> String {
    let b: Vec<char> = BRANDS.chars().collect();
    format!(
        "昆山{}{}{}有限公司",
        b[rng.random_range(0..b.len())],
        b[rng.random_range(0..b.len())],
        FIRMS[rng.random_range(0..FIRMS.len())]
    )
}

fn mobile(rng: &mut ChaCha8Rng) -> String {
    let prefixes = [
        "133", "135", "136", "137", "138", "139", "150", "151", "152", "155", "158", "159", "177",
        "180", "181", "186", "187", "188", "189", "199",
    ];
    format!(
        "{}{:08}",
        prefixes[rng.random_range(0..prefixes.len())],
        rng.random_range(0..100_000_000u32)
    )
}

const ORG_BODY: &[u8] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";

fn credit_code(rng: &mut ChaCha8Rng) -> String {
    let mut body = String::from("MA");
    for _ in 0..6 {
        body.push(ORG_BODY[rng.random_range(0..ORG_BODY.len())] as char);
    }
    let entity = if rng.random_bool(0.8) { '1' } else { '2' };
    CreditCode::generate('9', entity, "320583", &body)
        .map(|c| c.as_str().to_string())
        .unwrap_or_else(|_| "91320583MA1MXXXX0X".into())
}

struct Applicant {
    kind: &'static str,
    name: String,
    id_number: Option<String>,
    credit_code: Option<String>,
    phone: String,
}

fn applicant(rng: &mut ChaCha8Rng, org_share: f64, divisions: &[&str]) -> Applicant {
    let phone = mobile(rng);
    if rng.random_bool(org_share) {
        let name = org_name(rng);
        Applicant {
            kind: "organisation",
            name,
            id_number: None,
            credit_code: Some(credit_code(rng)),
            phone,
        }
    } else {
        let division = if rng.random_bool(0.65) {
            "320583"
        } else {
            divisions[rng.random_range(0..divisions.len())]
        };
        let birth = NaiveDate::from_ymd_opt(
            rng.random_range(1950..2006),
            rng.random_range(1..13),
            rng.random_range(1..29),
        )
        .unwrap_or_else(|| NaiveDate::from_ymd_opt(1980, 1, 1).unwrap_or_default());
        let id = IdNumber::compose(division, birth, rng.random_range(1..999))
            .map(|i| i.as_str().to_string())
            .unwrap_or_else(|_| "11010519491231002X".into());
        Applicant {
            kind: "person",
            name: person_name(rng),
            id_number: Some(id),
            credit_code: None,
            phone,
        }
    }
}

/// Working day `n` after `d`, or weekdays only past the known years.
/// The towns and districts as 12345 member units: code, name, the place word their
/// orders' addresses carry.
pub(crate) const TOWN_UNITS: &[(&str, &str, &str)] = &[
    ("YSZ", "玉山镇人民政府", "玉山镇"),
    ("BCZ", "巴城镇人民政府", "巴城镇"),
    ("ZSZ", "周市镇人民政府", "周市镇"),
    ("LJZ", "陆家镇人民政府", "陆家镇"),
    ("HQ", "花桥经济开发区管理委员会", "花桥"),
    ("ZPZ", "张浦镇人民政府", "张浦镇"),
    ("ZZZ", "周庄镇人民政府", "周庄镇"),
    ("QDZ", "千灯镇人民政府", "千灯镇"),
    ("DSHZ", "淀山湖镇人民政府", "淀山湖镇"),
    ("JXZ", "锦溪镇人民政府", "锦溪镇"),
    ("KFQ", "昆山开发区管理委员会", "开发区"),
];

fn add_wd(cal: &Calendar, d: NaiveDate, n: u32) -> NaiveDate {
    cal.deadline_or_estimate(d, n)
}

fn at(day: NaiveDate, minutes_from_8: i64) -> chrono::DateTime<chrono::Utc> {
    let local = day.and_time(NaiveTime::from_hms_opt(8, 30, 0).unwrap_or_default())
        + Duration::minutes(minutes_from_8);
    time::china()
        .from_local_datetime(&local)
        .single()
        .map(|t| t.with_timezone(&chrono::Utc))
        .unwrap_or_else(time::now)
}

#[allow(clippy::too_many_arguments)]
async fn seed_cases(
    store: &Store,
    cal: &Calendar,
    items: &[SeedItem],
    points: &[PointInfo],
    year: i32,
    today: NaiveDate,
    scale: f64,
    rng: &mut ChaCha8Rng,
) -> anyhow::Result<(usize, usize, usize)> {
    let open_items: Vec<&SeedItem> = items
        .iter()
        .filter(|i| i.content.status == ItemStatus::InUse)
        .collect();
    let mut cumulative = Vec::with_capacity(open_items.len());
    let mut total = 0.0;
    for i in &open_items {
        total += i.weight;
        cumulative.push(total);
    }
    let divisions: Vec<&str> = DIVISIONS
        .lines()
        .skip(1)
        .filter(|l| l.contains(",county,"))
        .filter_map(|l| l.split(',').next())
        .collect();
    let center = points
        .iter()
        .find(|p| p.kind == PointKind::Center)
        .context("center")?;
    let comprehensive: Vec<&PointInfo> = points
        .iter()
        .filter(|p| p.kind == PointKind::ComprehensiveWindow)
        .collect();
    let by_code: HashMap<&str, &PointInfo> = points.iter().map(|p| (p.code.as_str(), p)).collect();
    let start = NaiveDate::from_ymd_opt(year, 1, 1).context("year")?;
    let end = NaiveDate::from_ymd_opt(year, 12, 31)
        .context("year")?
        .min(today);
    anyhow::ensure!(start <= end, "{year}年尚未开始");
    let days: Vec<NaiveDate> = start
        .iter_days()
        .take_while(|d| *d <= end)
        .filter(|d| cal.is_working_day(*d).unwrap_or(false))
        .collect();
    // A Kunshan year: about 600,000 cases over ~250 working days.
    // Volumes grow about 10% a year, so a year compares with the one before as offices' do.
    let per_day = 2400.0 * scale * 1.1f64.powi(year - today.year());
    let expected = (per_day * days.len() as f64) as u64;
    let bar = indicatif::ProgressBar::new(expected.max(1));
    bar.set_style(crate::cli::progress_style());
    bar.set_message("生成办件");
    let keys = store.keys().clone();
    let mut seq: HashMap<(i64, NaiveDate), i64> = HashMap::new();
    // Ids go on from what an earlier year's seeding wrote.
    let next_id = |table: &'static str| async move {
        let mut c = store.reader().await?;
        let sql = format!("SELECT CAST(COALESCE(MAX(id), 0) + 1 AS BIGINT) FROM {table}");
        anyhow::Ok(tongban_store::scalar_i64(&mut c, &sql).await?)
    };
    let (mut next_case, mut next_event, mut next_pause, mut next_follow) = (
        next_id("cases").await?,
        next_id("case_events").await?,
        next_id("case_pauses").await?,
        next_id("rating_followups").await?,
    );
    let (mut n_cases, mut n_events, mut n_ratings) = (0usize, 0usize, 0usize);
    let case_cols: Vec<&str> = std::iter::once("id")
        .chain(tongban_store::cases::INSERT_COLUMNS.iter().copied())
        .chain([
            "deliver_by",
            "delivered_on",
            "delivery_method",
            "delivery_to",
            "mode",
            "deferred",
            "verify_by",
            "verified_at",
            "revoked_on",
            "handled_days",
        ])
        .collect();
    let event_cols: Vec<&str> = std::iter::once("id")
        .chain(tongban_store::cases::EVENT_INSERT_COLUMNS.iter().copied())
        .collect();
    let pause_cols: Vec<&str> = std::iter::once("id")
        .chain(tongban_store::cases::PAUSE_INSERT_COLUMNS.iter().copied())
        .collect();
    let rating_cols: Vec<&str> = tongban_store::cases::RATING_INSERT_COLUMNS.to_vec();
    let follow_cols: Vec<&str> = std::iter::once("id")
        .chain(
            tongban_store::cases::FOLLOW_UP_INSERT_COLUMNS
                .iter()
                .copied(),
        )
        .chain(["answered_at", "answer", "answered_by", "finding"])
        .collect();
    let v2_effective = NaiveDate::from_ymd_opt(year, 3, 1).context("date")?;
    for chunk in days.chunks(5) {
        let (mut cases, mut events, mut pauses, mut ratings, mut follows) =
            (vec![], vec![], vec![], vec![], vec![]);
        for &day in chunk {
            let n = (per_day * rng.random_range(0.8..1.2)).round() as usize;
            for _ in 0..n {
                let r = rng.random_range(0.0..total);
                let idx = cumulative
                    .partition_point(|c| *c < r)
                    .min(open_items.len() - 1);
                let item = open_items[idx];
                let c = &item.content;
                let point = if !c.accept_points.is_empty() && rng.random_bool(0.55) {
                    by_code[c.accept_points[rng.random_range(0..c.accept_points.len())].as_str()]
                } else if rng.random_bool(0.15) {
                    comprehensive[rng.random_range(0..comprehensive.len())]
                } else {
                    center
                };
                let online = c.online_depth.accepts_online() && rng.random_bool(0.45);
                let a = applicant(rng, item.org_share, &divisions);
                let s = seq.entry((point.id, day)).or_insert(0);
                *s += 1;
                let case_no = CaseNo::new(&point.code, day, *s as u32).to_string();
                let id = next_case;
                next_case += 1;
                let submitted = at(day, rng.random_range(0..540));
                let mut ev: Vec<Step> = vec![];
                let mut status;
                let accepted_day;
                if online {
                    ev.push((submitted, "submit", None, CaseStatus::Submitted, None));
                    status = CaseStatus::Submitted;
                    let pre = add_wd(cal, day, rng.random_range(0..2));
                    if pre > today {
                        accepted_day = None;
                    } else if rng.random_bool(0.03) {
                        ev.push((
                            at(pre, 60),
                            "refuse",
                            Some(status),
                            CaseStatus::Refused,
                            Some("申请材料不符合法定形式".into()),
                        ));
                        status = CaseStatus::Refused;
                        accepted_day = None;
                    } else {
                        ev.push((
                            at(pre, 60),
                            "accept",
                            Some(status),
                            CaseStatus::Accepted,
                            None,
                        ));
                        status = CaseStatus::Accepted;
                        accepted_day = Some(pre);
                    }
                } else {
                    ev.push((submitted, "accept", None, CaseStatus::Accepted, None));
                    status = CaseStatus::Accepted;
                    accepted_day = Some(day);
                }
                let mut case_pauses: Vec<(String, NaiveDate, Option<NaiveDate>, String)> = vec![];
                let mut decided = None;
                let mut result: Option<String> = None;
                let mut reason: Option<String> = None;
                // 告知承诺制 and 容缺受理 at the window, where the item allows them.
                let mut mode = tongban_domain::case::Mode::Standard;
                let mut deferred: Vec<String> = vec![];
                let (mut verify_by, mut verified_at, mut revoked_on) = (None, None, None);
                if let Some(acc) = accepted_day {
                    let acc_t = ev.last().map(|e| e.0).unwrap_or(submitted);
                    let commitment = c
                        .commitment
                        .as_ref()
                        .filter(|_| !online && !c.instant && rng.random_bool(0.5));
                    let deferrable: Vec<String> = c
                        .materials
                        .iter()
                        .filter(|m| m.required && m.deferrable)
                        .map(|m| m.name.clone())
                        .collect();
                    if let Some(rule) = commitment {
                        // Decided on the spot on the signed commitment; verified within
                        // its days (a few proved untrue and were revoked).
                        mode = tongban_domain::case::Mode::Commitment;
                        let t = acc_t + Duration::minutes(rng.random_range(10..40));
                        let by = add_wd(cal, acc, rule.verify_days);
                        ev.push((
                            t,
                            "approve",
                            Some(status),
                            CaseStatus::Approved,
                            Some(format!(
                                "申请人书面承诺符合许可条件，依告知承诺制当场作出准予许可决定；本机关将于{}前核查，承诺不实的依法撤销",
                                time::day(by)
                            )),
                        ));
                        status = CaseStatus::Approved;
                        decided = Some(t);
                        result = Some("准予许可（告知承诺制）".into());
                        verify_by = Some(by);
                        let close_t = t + Duration::minutes(30);
                        ev.push((close_t, "close", Some(status), CaseStatus::Closed, None));
                        status = CaseStatus::Closed;
                        let check = add_wd(cal, acc, rng.random_range(3..rule.verify_days.max(4)));
                        if check < today {
                            let check_t = at(check, 150);
                            if rng.random_bool(0.03) {
                                let why = "经现场核查，经营场所与承诺内容不符";
                                ev.push((
                                    check_t,
                                    "revoke",
                                    Some(status),
                                    CaseStatus::Revoked,
                                    Some(why.into()),
                                ));
                                status = CaseStatus::Revoked;
                                reason = Some(why.into());
                                revoked_on = Some(check);
                            } else if rng.random_bool(0.9) {
                                ev.push((
                                    check_t,
                                    "verify_commitment",
                                    Some(status),
                                    status,
                                    Some("经核查，申请人承诺属实".into()),
                                ));
                                verified_at = Some(check_t);
                            }
                        }
                    } else if c.instant {
                        let t = acc_t + Duration::minutes(rng.random_range(5..60));
                        ev.push((
                            t,
                            "close",
                            Some(status),
                            CaseStatus::Closed,
                            Some("即办件当场办结".into()),
                        ));
                        status = CaseStatus::Closed;
                        decided = Some(t);
                        result = Some("准予许可（即办）".to_string());
                    } else {
                        if !online && !deferrable.is_empty() && rng.random_bool(0.08) {
                            // 容缺受理: the supporting papers follow the same day.
                            mode = tongban_domain::case::Mode::Tolerance;
                            deferred = deferrable.clone();
                            ev.push((
                                acc_t + Duration::minutes(150),
                                "complete_deferred",
                                Some(status),
                                status,
                                Some(format!("已补齐容缺材料：{}", deferrable.join("、"))),
                            ));
                            deferred.clear();
                        }
                        let promised = c.promised.days.max(1);
                        let roll: f64 = rng.random();
                        let mut cursor = acc;
                        if roll < 0.04 {
                            // Supplement requested, supplied some days later.
                            let from = add_wd(cal, acc, rng.random_range(0..2).min(promised));
                            let gap = rng.random_range(1..6);
                            let to = add_wd(cal, from, gap);
                            if from <= today {
                                ev.push((
                                    at(from, 120),
                                    "request_supplement",
                                    Some(status),
                                    CaseStatus::SupplementRequested,
                                    Some("缺少场地使用证明".into()),
                                ));
                                status = CaseStatus::SupplementRequested;
                                if to <= today {
                                    ev.push((
                                        at(to, 90),
                                        "supplement",
                                        Some(status),
                                        CaseStatus::Accepted,
                                        None,
                                    ));
                                    status = CaseStatus::Accepted;
                                    case_pauses.push((
                                        "supplement".into(),
                                        from,
                                        Some(to),
                                        "缺少场地使用证明".into(),
                                    ));
                                    cursor = to;
                                } else {
                                    case_pauses.push((
                                        "supplement".into(),
                                        from,
                                        None,
                                        "缺少场地使用证明".into(),
                                    ));
                                }
                            }
                        } else if roll < 0.06 && c.statutory.days > 0 {
                            let from = add_wd(cal, acc, 1);
                            let to = add_wd(cal, from, rng.random_range(5..16));
                            if from <= today {
                                ev.push((
                                    at(from, 200),
                                    "suspend",
                                    Some(status),
                                    CaseStatus::Suspended,
                                    Some("组织专家评审".into()),
                                ));
                                status = CaseStatus::Suspended;
                                if to <= today {
                                    ev.push((
                                        at(to, 100),
                                        "resume",
                                        Some(status),
                                        CaseStatus::Accepted,
                                        Some("专家评审结束".into()),
                                    ));
                                    status = CaseStatus::Accepted;
                                    case_pauses.push((
                                        "special".into(),
                                        from,
                                        Some(to),
                                        "组织专家评审".into(),
                                    ));
                                    cursor = to;
                                } else {
                                    case_pauses.push((
                                        "special".into(),
                                        from,
                                        None,
                                        "组织专家评审".into(),
                                    ));
                                }
                            }
                        }
                        if status == CaseStatus::Accepted {
                            let used = if rng.random_bool(0.01) {
                                promised + rng.random_range(1..4)
                            } else {
                                (promised as f64 * rng.random_range(0.2..1.0)).ceil() as u32
                            };
                            let decide_day = add_wd(
                                cal,
                                cursor,
                                used.saturating_sub(
                                    cal.working_days_between(acc, cursor).unwrap_or(0),
                                )
                                .max(1),
                            );
                            if decide_day <= today {
                                let t = at(decide_day, rng.random_range(0..480));
                                let roll2: f64 = rng.random();
                                if roll2 < 0.01 {
                                    ev.push((
                                        t,
                                        "reject",
                                        Some(status),
                                        CaseStatus::Rejected,
                                        Some("不符合法定条件".into()),
                                    ));
                                    status = CaseStatus::Rejected;
                                    decided = Some(t);
                                    result = Some("不予许可".into());
                                    reason = Some("不符合法定条件".into());
                                } else if roll2 < 0.015 {
                                    ev.push((
                                        t,
                                        "withdraw",
                                        Some(status),
                                        CaseStatus::Withdrawn,
                                        Some("申请人主动撤回".into()),
                                    ));
                                    status = CaseStatus::Withdrawn;
                                    reason = Some("申请人主动撤回".into());
                                } else if roll2 < 0.018 {
                                    // 终止: the applicant ceased to exist meanwhile.
                                    let why = "申请人营业执照已被吊销，申请主体资格终止";
                                    ev.push((
                                        t,
                                        "terminate",
                                        Some(status),
                                        CaseStatus::Terminated,
                                        Some(why.into()),
                                    ));
                                    status = CaseStatus::Terminated;
                                    reason = Some(why.into());
                                } else {
                                    ev.push((
                                        t,
                                        "approve",
                                        Some(status),
                                        CaseStatus::Approved,
                                        None,
                                    ));
                                    status = CaseStatus::Approved;
                                    decided = Some(t);
                                    result = Some("准予许可".into());
                                    let close_day = add_wd(cal, decide_day, rng.random_range(0..2));
                                    if close_day <= today {
                                        let ct = at(close_day, rng.random_range(480..540))
                                            .max(t + Duration::minutes(5));
                                        ev.push((
                                            ct,
                                            "close",
                                            Some(status),
                                            CaseStatus::Closed,
                                            None,
                                        ));
                                        status = CaseStatus::Closed;
                                    }
                                }
                            }
                        }
                    }
                }
                if status == CaseStatus::Refused {
                    reason = Some("申请材料不符合法定形式".into());
                }
                // Each step comes after the one before it (a pre-review on the day
                // of submission, say, follows the submission).
                for i in 1..ev.len() {
                    if ev[i].0 <= ev[i - 1].0 {
                        ev[i].0 = ev[i - 1].0 + Duration::minutes(rng.random_range(5..90));
                    }
                }
                let time_of = |actions: &[&str]| {
                    ev.iter()
                        .rev()
                        .find(|e| actions.contains(&e.1))
                        .map(|e| e.0)
                };
                if decided.is_some() {
                    decided = time_of(&["approve", "reject", "close"]);
                }
                // Ended by its last ending step (a later verification or
                // revocation of a commitment does not move it).
                let closed = if status.is_final() {
                    time_of(&["close", "refuse", "reject", "withdraw", "terminate"])
                } else {
                    None
                };
                // Clocks.
                let domain_pauses: Vec<Pause> = case_pauses
                    .iter()
                    .map(|p| Pause { from: p.1, to: p.2 })
                    .collect();
                let (pd, ld, est) = match accepted_day {
                    Some(acc) if !c.instant => match clocks(
                        cal,
                        acc,
                        (c.promised.days, TimeUnit::Working),
                        (c.statutory.days, TimeUnit::Working),
                        0,
                        &domain_pauses,
                    ) {
                        Ok(k) => (k.promised.map(time::day), k.legal.map(time::day), false),
                        Err(_) => {
                            let paused = domain_pauses.iter().any(|p| p.to.is_none());
                            if paused {
                                (None, None, false)
                            } else {
                                let shift: i64 = domain_pauses
                                    .iter()
                                    .filter_map(|p| p.to.map(|t| (t - p.from).num_days()))
                                    .sum();
                                let s = acc + Duration::days(shift);
                                (
                                    Some(time::day(Calendar::estimate_deadline(
                                        s,
                                        c.promised.days,
                                    ))),
                                    (c.statutory.days > 0).then(|| {
                                        time::day(Calendar::estimate_deadline(s, c.statutory.days))
                                    }),
                                    true,
                                )
                            }
                        }
                    },
                    _ => (None, None, false),
                };
                let (id_enc, id_digest, id_masked) = match &a.id_number {
                    Some(idn) => (
                        Some(keys.encrypt(idn)),
                        Some(keys.digest("id", idn)),
                        Some(mask_id(idn)),
                    ),
                    None => (None, None, None),
                };
                let verify = a
                    .id_number
                    .as_deref()
                    .or(a.credit_code.as_deref())
                    .unwrap_or("");
                let last_six: String = verify
                    .chars()
                    .skip(verify.chars().count().saturating_sub(6))
                    .collect();
                let phone_masked = Mobile::parse(&a.phone)
                    .map(|m| m.masked())
                    .unwrap_or_default();
                let materials: Vec<&str> = c
                    .materials
                    .iter()
                    .filter(|m| m.required)
                    .map(|m| m.name.as_str())
                    .collect();
                let acc_stamp = accepted_day.and_then(|_| {
                    ev.iter()
                        .find(|e| e.1 == "accept")
                        .map(|e| time::stamp(e.0))
                });
                let last_at = ev.last().map(|e| e.0).unwrap_or(submitted);
                // Decisions delivered (Art. 44): mostly picked up at the window as
                // closed, some posted a few days later; the newest few still waiting.
                let decided_day = decided.map(time::local_day);
                let deliver_by = decided_day
                    .filter(|_| matches!(status, CaseStatus::Closed | CaseStatus::Rejected))
                    .map(|d| add_wd(cal, d, tongban_domain::case::DELIVERY_DAYS));
                let delivery = match (deliver_by, decided_day) {
                    (Some(_), Some(d)) if (today - d).num_days() > 2 || rng.random_bool(0.5) => {
                        let posted = !c.instant && rng.random_bool(0.25);
                        let on = if posted {
                            add_wd(cal, d, rng.random_range(1..4)).min(today)
                        } else {
                            closed.map(time::local_day).unwrap_or(d)
                        };
                        Some((on, if posted { "post" } else { "window" }))
                    }
                    _ => None,
                };
                cases.push(vec![
                    V::I(id),
                    V::S(case_no.clone()),
                    V::I(item.id),
                    V::I(if item.v2 && day >= v2_effective { 2 } else { 1 }),
                    V::I(item.department_id),
                    V::I(point.id),
                    V::from(if online { "online" } else { "window" }),
                    V::from(status.as_str()),
                    V::B(c.instant),
                    V::from(a.kind),
                    V::S(a.name.clone()),
                    V::from(a.id_number.as_ref().map(|_| "resident_id".to_string())),
                    V::from(id_enc),
                    V::from(id_digest),
                    V::from(id_masked),
                    V::from(a.credit_code.clone()),
                    V::from(a.credit_code.as_ref().map(|_| person_name(rng))),
                    V::S(keys.encrypt(&a.phone)),
                    V::S(phone_masked),
                    V::S(keys.digest("verify", &last_six)),
                    V::S(serde_json::to_string(&materials)?),
                    V::S(time::stamp(submitted)),
                    V::S(time::day(day)),
                    V::from(acc_stamp),
                    V::from(accepted_day.map(time::day)),
                    V::from(accepted_day.map(|_| format!("受理通知书 {case_no}"))),
                    V::from(decided.map(time::stamp)),
                    V::from(closed.map(time::stamp)),
                    V::from(closed.map(|t| time::day(time::local_day(t)))),
                    V::I(c.promised.days as i64),
                    V::from("working"),
                    V::I(c.statutory.days as i64),
                    V::from("working"),
                    V::I(0),
                    V::from(pd),
                    V::from(ld),
                    V::B(est),
                    V::from(result),
                    V::from((status == CaseStatus::Closed).then(|| format!("{case_no}-Z"))),
                    V::from(reason),
                    V::S(time::stamp(last_at)),
                    V::from(deliver_by.map(time::day)),
                    V::from(delivery.map(|(on, _)| time::day(on))),
                    V::from(delivery.map(|(_, m)| m.to_string())),
                    V::from(delivery.map(|_| a.name.clone())),
                    V::from(mode.as_str()),
                    V::from(
                        (!deferred.is_empty())
                            .then(|| serde_json::to_string(&deferred).unwrap_or_default()),
                    ),
                    V::from(verify_by.map(time::day)),
                    V::from(verified_at.map(time::stamp)),
                    V::from(revoked_on.map(time::day)),
                    match (status, accepted_day, closed) {
                        (CaseStatus::Closed | CaseStatus::Revoked, Some(a), Some(t)) => V::I(
                            i64::from(cal.working_days_or_estimate(a, time::local_day(t))),
                        ),
                        _ => V::NullI,
                    },
                ]);
                for (t, action, from, to, note) in &ev {
                    events.push(vec![
                        V::I(next_event),
                        V::I(id),
                        V::S(time::stamp(*t)),
                        V::from(*action),
                        V::from(from.map(|f| f.as_str().to_string())),
                        V::from(to.as_str()),
                        V::NullI,
                        V::from(if *action == "submit" {
                            "申请人（网上）"
                        } else {
                            "窗口工作人员"
                        }),
                        V::I(point.id),
                        V::from(note.clone()),
                    ]);
                    next_event += 1;
                }
                for (kind, from, to, why) in case_pauses {
                    // A supplement notice gives its deadline to supply.
                    let due = (kind == "supplement").then(|| {
                        time::day(add_wd(cal, from, tongban_domain::case::DEFAULT_SUPPLY_DAYS))
                    });
                    pauses.push(vec![
                        V::I(next_pause),
                        V::I(id),
                        V::S(kind),
                        V::S(time::day(from)),
                        V::from(to.map(time::day)),
                        V::S(why),
                        V::from(due),
                    ]);
                    next_pause += 1;
                }
                // 好差评 for ended cases.
                let rateable = matches!(
                    status,
                    CaseStatus::Closed | CaseStatus::Rejected | CaseStatus::Refused
                );
                if let Some(end_t) = closed.filter(|_| rateable && rng.random_bool(0.6)) {
                    let r: f64 = rng.random();
                    // 5 非常满意 … 1 非常不满意.
                    let level = if r < 0.86 {
                        5
                    } else if r < 0.955 {
                        4
                    } else if r < 0.985 {
                        3
                    } else if r < 0.996 {
                        2
                    } else {
                        1
                    };
                    let rated = end_t + Duration::minutes(rng.random_range(1..600));
                    let rated_day = time::local_day(rated);
                    if rated_day <= today {
                        let comment = match level {
                            5 => "办事效率高，工作人员热情",
                            4 => "服务不错",
                            3 => "",
                            _ => "等候时间太长，材料要求没有一次性告知",
                        };
                        ratings.push(vec![
                            V::I(id),
                            V::from(tongban_store::cases::SERVICE_RATING),
                            V::I(level),
                            V::from(comment),
                            V::from("applicant"),
                            V::S(time::stamp(rated)),
                            V::S(time::day(rated_day)),
                            // The accepting clerk, filled in after the load.
                            V::NullI,
                        ]);
                        n_ratings += 1;
                        if level <= 2 {
                            let due = add_wd(
                                cal,
                                rated_day,
                                tongban_domain::rating::FOLLOW_UP_WORKING_DAYS,
                            );
                            let answered = due < today || rng.random_bool(0.4);
                            let ans_day = add_wd(cal, rated_day, rng.random_range(1..8)).min(today);
                            follows.push(vec![
                                V::I(next_follow),
                                V::I(id),
                                V::from(tongban_store::cases::SERVICE_RATING),
                                V::I(item.department_id),
                                V::S(time::stamp(rated)),
                                V::S(time::day(due)),
                                V::from(answered.then(|| time::stamp(at(ans_day, 300)))),
                                V::from(answered.then(|| {
                                    "已电话联系申请人致歉，并对窗口一次性告知制度进行整改"
                                        .to_string()
                                })),
                                V::NullI,
                                V::from(answered.then(|| {
                                    if rng.random_bool(0.8) {
                                        "founded"
                                    } else {
                                        "partly_founded"
                                    }
                                    .to_string()
                                })),
                            ]);
                            next_follow += 1;
                        }
                    }
                }
                n_cases += 1;
            }
        }
        n_events += events.len();
        let mut tx = store.begin().await?;
        insert_rows(&mut tx, store.backend(), "cases", &case_cols, &cases).await?;
        insert_rows(
            &mut tx,
            store.backend(),
            "case_events",
            &event_cols,
            &events,
        )
        .await?;
        insert_rows(
            &mut tx,
            store.backend(),
            "case_pauses",
            &pause_cols,
            &pauses,
        )
        .await?;
        insert_rows(&mut tx, store.backend(), "ratings", &rating_cols, &ratings).await?;
        insert_rows(
            &mut tx,
            store.backend(),
            "rating_followups",
            &follow_cols,
            &follows,
        )
        .await?;
        tx.commit().await?;
        bar.set_position(n_cases as u64);
    }
    bar.finish_and_clear();
    let mut tx = store.begin().await?;
    // Each rating rates the clerk who accepted the case.
    tongban_store::cases::fill_rated_staff(&mut tx).await?;
    let seq_rows: Vec<Vec<V>> = seq
        .iter()
        .map(|((p, d), n)| vec![V::I(*p), V::S(time::day(*d)), V::I(*n)])
        .collect();
    insert_rows(
        &mut tx,
        store.backend(),
        "case_seq",
        &["point_id", "day", "n"],
        &seq_rows,
    )
    .await?;
    repair_sequences(
        &mut tx,
        store.backend(),
        &["cases", "case_events", "case_pauses", "rating_followups"],
    )
    .await?;
    audit::append(
        &mut tx,
        store.keys(),
        &Actor::system("seed-demo"),
        "seed.cases",
        "case",
        &year.to_string(),
        serde_json::json!({ "cases": n_cases, "events": n_events, "ratings": n_ratings, "scale": scale }),
    )
    .await?;
    tx.commit().await?;
    Ok((n_cases, n_events, n_ratings))
}

/// An item row for `export items`.
#[derive(serde::Serialize)]
pub struct ItemExportRow {
    pub code: String,
    pub name: String,
    pub department: String,
    pub status: String,
    pub power_type: String,
    pub instant: bool,
    pub statutory_days: i64,
    pub statutory_unit: String,
    pub promised_days: i64,
    pub promised_unit: String,
    pub online_depth: String,
    pub version: i64,
    pub effective_from: String,
    /// The towns and sub-stations it is accepted at (下放), `|`-separated.
    pub accept_points: String,
}

impl From<&tongban_store::catalog::Item> for ItemExportRow {
    fn from(i: &tongban_store::catalog::Item) -> Self {
        Self {
            code: i.code.clone(),
            name: i.name.clone(),
            department: i.department.code.clone(),
            status: i.status.clone(),
            power_type: i.power_type.clone(),
            instant: i.instant,
            statutory_days: i.statutory_days,
            statutory_unit: i.statutory_unit.to_string(),
            promised_days: i.promised_days,
            promised_unit: i.promised_unit.to_string(),
            online_depth: i.online_depth.clone(),
            version: i.version,
            effective_from: i.effective_from.clone(),
            accept_points: i
                .content
                .as_ref()
                .map(|c| c.accept_points.join("|"))
                .unwrap_or_default(),
        }
    }
}
